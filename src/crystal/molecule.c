#include "crystal/molecule.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/units.h"
#include "crystal/elements.h"

/* Images -R..R: enough for bonds (< 2 x 1.25 x 2.44 Å) in any cell whose
 * heights exceed ~2.5 Å; thinner cells repeat bonded atoms within the
 * range and are found periodic anyway. */
#define R 2
#define MIN_DIST (0.5 / FU_BOHR_ANGSTROM) /* closer atoms: no physical structure */

int fu_molecule_is_finite(const fu_structure *s) {
    int n = s->natom;
    if (n < 1 || n > FU_MOLECULE_MAX_ATOMS) return 0;
    double *rad = malloc(sizeof *rad * (size_t)n);
    int (*off)[3] = malloc(sizeof *off * (size_t)n);
    int *seen = calloc((size_t)n, sizeof *seen), *queue = malloc(sizeof *queue * (size_t)n);
    int finite = rad && off && seen && queue;
    long nbond = 0;
    for (int a = 0; a < n && finite; a++) {
        rad[a] = fu_element_covalent_radius(s->znucl[s->typat[a]]) / FU_BOHR_ANGSTROM;
        if (!(rad[a] > 0)) finite = 0;
    }
    /* breadth-first search; each atom gets the image offset it was reached
     * with: reaching an atom again with another offset closes a periodic path */
    for (int start = 0; start < n && finite; start++) {
        if (seen[start]) continue;
        int head = 0, tail = 0;
        queue[tail++] = start;
        seen[start] = 1;
        memset(off[start], 0, sizeof off[start]);
        while (head < tail && finite) {
            int a = queue[head++];
            for (int b = 0; b < n && finite; b++)
                for (int i = -R; i <= R && finite; i++)
                    for (int j = -R; j <= R && finite; j++)
                        for (int k = -R; k <= R && finite; k++) {
                            if (a == b && !i && !j && !k) continue;
                            double f[3] = {s->xred[b][0] + i - s->xred[a][0],
                                           s->xred[b][1] + j - s->xred[a][1],
                                           s->xred[b][2] + k - s->xred[a][2]};
                            double d2 = 0;
                            for (int c = 0; c < 3; c++) {
                                double x = f[0] * s->lattice[0][c] + f[1] * s->lattice[1][c] +
                                           f[2] * s->lattice[2][c];
                                d2 += x * x;
                            }
                            double cut = FU_MOLECULE_BOND_SCALE * (rad[a] + rad[b]);
                            if (d2 >= cut * cut) continue;
                            if (d2 < MIN_DIST * MIN_DIST) finite = 0; /* not a structure */
                            nbond++;
                            int o[3] = {off[a][0] + i, off[a][1] + j, off[a][2] + k};
                            if (!seen[b]) {
                                seen[b] = 1;
                                memcpy(off[b], o, sizeof o);
                                queue[tail++] = b;
                            } else if (memcmp(off[b], o, sizeof o)) {
                                finite = 0; /* b reached from two images of itself */
                            }
                        }
        }
    }
    if (!nbond) finite = 0; /* nothing bonded: an expanded lattice, not a molecule */
    free(rad);
    free(off);
    free(seen);
    free(queue);
    return finite;
}
