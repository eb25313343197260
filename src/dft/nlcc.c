#include "dft/nlcc.h"

#include <math.h>
#include <string.h>

#include "core/units.h"
#include "dft/local.h"

int fu_nlcc_present(const fu_basis *b) {
    for (int sp = 0; sp < b->s.nspecies; sp++)
        if (b->psp[sp].has_core) return 1;
    return 0;
}

void fu_nlcc_density(const fu_basis *b, double complex *rhoc_g) {
    const fu_fftgrid *g = &b->grid;
    memset(rhoc_g, 0, sizeof(double complex) * g->ntot);
    for (int idx = 0; idx < g->ntot; idx++) {
        double g2 = g->g2[idx];
        if (g2 > g->gcut2) continue;
        int m[3];
        double G[3];
        fu_fftgrid_gvec(g, idx, m, G);
        double gn = sqrt(g2);
        double complex v = 0;
        for (int sp = 0; sp < b->s.nspecies; sp++)
            if (b->psp[sp].has_core)
                v += fu_psp_rhocore_q(&b->psp[sp], gn) * fu_structure_factor(&b->s, sp, m);
        rhoc_g[idx] = v / g->volume;
    }
}

void fu_nlcc_forces_stress(const fu_basis *b, const double complex *vxc_g, double (*forces)[3],
                           double stress[3][3]) {
    const fu_fftgrid *g = &b->grid;
    const fu_structure *s = &b->s;
    double sig[3][3] = {{0}};
    for (int idx = 0; idx < g->ntot; idx++) {
        double g2 = g->g2[idx];
        if (g2 == 0.0 || g2 > g->gcut2) continue;
        int m[3];
        double G[3];
        fu_fftgrid_gvec(g, idx, m, G);
        double gn = sqrt(g2);
        double complex vc = conj(vxc_g[idx]);
        if (forces)
            for (int a = 0; a < s->natom; a++) {
                const fu_psp *q = &b->psp[s->typat[a]];
                if (!q->has_core) continue;
                const double *x = s->xred[a];
                double arg = -2.0 * FU_PI * (m[0] * x[0] + m[1] * x[1] + m[2] * x[2]);
                double f = creal(I * vc * fu_psp_rhocore_q(q, gn) * (cos(arg) + I * sin(arg)));
                for (int c = 0; c < 3; c++) forces[a][c] += f * G[c];
            }
        if (stress) {
            double complex t = 0;
            for (int sp = 0; sp < s->nspecies; sp++)
                if (b->psp[sp].has_core)
                    t += fu_psp_drhocore_q(&b->psp[sp], gn) * fu_structure_factor(s, sp, m);
            double w = -creal(vc * t) / gn / g->volume;
            for (int al = 0; al < 3; al++)
                for (int be = 0; be < 3; be++) sig[al][be] += w * G[al] * G[be];
        }
    }
    if (stress)
        for (int al = 0; al < 3; al++)
            for (int be = 0; be < 3; be++) stress[al][be] += sig[al][be];
}
