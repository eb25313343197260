#include "campaign/preflight.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crystal/elements.h"

/* Element sets as bit masks over Z = 1..FU_MAX_Z (2 words). */
typedef struct {
    uint64_t w[2];
} eset;

static void eset_add(eset *s, int z) {
    s->w[z / 64] |= (uint64_t)1 << (z % 64);
}
static int eset_has(const eset *s, int z) {
    return (int)((s->w[z / 64] >> (z % 64)) & 1u);
}
static int eset_count(const eset *s) {
    return __builtin_popcountll(s->w[0]) + __builtin_popcountll(s->w[1]);
}
static int eset_subset(const eset *a, const eset *b) {
    return !(a->w[0] & ~b->w[0]) && !(a->w[1] & ~b->w[1]);
}
static int eset_eq(const eset *a, const eset *b) {
    return a->w[0] == b->w[0] && a->w[1] == b->w[1];
}

/* Elements in alphabetical order of their symbols. */
static int sorted_symbols(const eset *s, int *z) {
    int n = 0;
    for (int k = 1; k <= FU_MAX_Z; k++)
        if (eset_has(s, k)) {
            int i = n++;
            while (i > 0 && strcmp(fu_element_symbol(z[i - 1]), fu_element_symbol(k)) > 0) {
                z[i] = z[i - 1];
                i--;
            }
            z[i] = k;
        }
    return n;
}

int fu_preflight_hull(const fu_sweep *sw, FILE *f) {
    eset *sets = calloc(sw->n > 0 ? (size_t)sw->n : 1, sizeof *sets);
    if (!sets) return 0;
    int ns = 0;
    for (int i = 0; i < sw->n; i++) {
        const fu_candidate *c = &sw->cand[i];
        if (!c->valid) continue;
        eset e = {{0, 0}};
        for (int sp = 0; sp < c->structure.nspecies; sp++)
            if (c->structure.znucl[sp] >= 1 && c->structure.znucl[sp] <= FU_MAX_Z)
                eset_add(&e, c->structure.znucl[sp]);
        int dup = 0;
        for (int k = 0; k < ns && !dup; k++) dup = eset_eq(&sets[k], &e);
        if (!dup) sets[ns++] = e;
    }
    int nwarn = 0;
    for (int k = 0; k < ns; k++) {
        if (eset_count(&sets[k]) < 3) continue;
        int has_binary = 0;
        for (int m = 0; m < ns && !has_binary; m++)
            has_binary = eset_count(&sets[m]) == 2 && eset_subset(&sets[m], &sets[k]);
        if (has_binary) continue;
        int z[FU_MAX_Z];
        int n = sorted_symbols(&sets[k], z);
        fprintf(f, "# warning: chemical system ");
        for (int i = 0; i < n; i++) fprintf(f, "%s%s", i ? "-" : "", fu_element_symbol(z[i]));
        fprintf(f, " has no binary compound: its hull misses ");
        int first = 1;
        for (int i = 0; i < n; i++)
            for (int j = i + 1; j < n; j++) {
                fprintf(f, "%s%s-%s", first ? "" : ", ", fu_element_symbol(z[i]),
                        fu_element_symbol(z[j]));
                first = 0;
            }
        fprintf(f, "; its candidates' distance to the hull is measured against the elements "
                   "alone and their stability overstated (add the competing binaries)\n");
        nwarn++;
    }
    free(sets);
    return nwarn;
}
