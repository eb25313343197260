#include "props/correction.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/units.h"
#include "crystal/elements.h"
#include "crystal/formula.h"

/* One comparison per key field, so the reason names the first that differs. */
int fu_correction_match(const fu_correction_set *set, const char *xc, double ecut_ha, const char *smearing,
                        double tsmear_ha, int nel, const int *z, const char *const *sha256, char *why,
                        size_t len) {
    if (strcmp(set->xc, xc ? xc : "") != 0) {
        snprintf(why, len, "corrections %s were fitted with xc %s, not %s", set->name, set->xc, xc ? xc : "?");
        return 0;
    }
    if (strcmp(set->smearing, smearing ? smearing : "") != 0 || fabs(set->tsmear_ha - tsmear_ha) > 1e-12) {
        snprintf(why, len, "corrections %s were fitted with %s smearing %.6g Ha, not %s %.6g Ha", set->name,
                 set->smearing, set->tsmear_ha, smearing ? smearing : "?", tsmear_ha);
        return 0;
    }
    /* 1e-9 Ha: the cutoff is stored in Ha from a value given in any unit */
    if (ecut_ha < set->ecut_ha - 1e-9) {
        snprintf(why, len, "corrections %s (protocol %s) need a cutoff of at least %.6g Ha, this group has %.6g Ha",
                 set->name, set->protocol, set->ecut_ha, ecut_ha);
        return 0;
    }
    for (int k = 0; k < nel; k++) {
        const char *want = NULL;
        for (int p = 0; p < set->npsp && !want; p++)
            if (set->psp[p].z == z[k]) want = set->psp[p].sha256;
        const char *sym = fu_element_symbol(z[k]);
        if (!want) {
            snprintf(why, len, "corrections %s: the table %s has no pseudopotential for %s", set->name, set->table,
                     sym ? sym : "?");
            return 0;
        }
        if (!sha256[k] || strcmp(want, sha256[k]) != 0) {
            snprintf(why, len, "corrections %s: the pseudopotential of %s is not the one of the table %s (sha256 %.16s...)",
                     set->name, sym ? sym : "?", set->table, want);
            return 0;
        }
    }
    if (len) why[0] = 0;
    return 1;
}

const fu_correction_set *fu_correction_find(const fu_correction_set *sets, int n, const char *xc, double ecut_ha,
                                            const char *smearing, double tsmear_ha, int nel, const int *z,
                                            const char *const *sha256, char *why, size_t len) {
    char first[512] = "";
    for (int i = 0; i < n; i++) {
        char w[512];
        if (fu_correction_match(&sets[i], xc, ecut_ha, smearing, tsmear_ha, nel, z, sha256, w, sizeof w)) {
            if (len) why[0] = 0;
            return &sets[i];
        }
        if (i == 0) snprintf(first, sizeof first, "%s", w);
    }
    snprintf(why, len, "%s", n ? first : "no fitted corrections are stored (src/props/correction_data.c)");
    return NULL;
}

const char *fu_correction_oxide_type(const fu_structure *s) {
    int have = 0;
    double dmin = INFINITY;
    for (int i = 0; i < s->natom; i++) {
        if (s->znucl[s->typat[i]] != 8) continue;
        have = 1;
        for (int j = i; j < s->natom; j++) {
            if (s->znucl[s->typat[j]] != 8) continue;
            /* nearest images over the 27 neighbouring cells: enough for the
             * cells of a screening campaign (no cell vector shorter than a bond) */
            for (int n0 = -1; n0 <= 1; n0++)
                for (int n1 = -1; n1 <= 1; n1++)
                    for (int n2 = -1; n2 <= 1; n2++) {
                        if (i == j && !n0 && !n1 && !n2) continue;
                        double f[3] = {s->xred[j][0] - s->xred[i][0] + n0, s->xred[j][1] - s->xred[i][1] + n1,
                                       s->xred[j][2] - s->xred[i][2] + n2};
                        double r[3] = {0, 0, 0};
                        for (int c = 0; c < 3; c++)
                            for (int k = 0; k < 3; k++) r[c] += f[k] * s->lattice[k][c];
                        dmin = fmin(dmin, sqrt(r[0] * r[0] + r[1] * r[1] + r[2] * r[2]));
                    }
        }
    }
    if (!have) return NULL;
    double d = dmin * FU_BOHR_ANGSTROM;
    return d < 1.40 ? "superoxide" : d < FU_CORRECTION_PEROXIDE_ANG ? "peroxide" : "oxide";
}

static int in_list(const char *list, const char *sym) {
    size_t n = strlen(sym);
    for (const char *p = list; p && *p;) {
        const char *e = strchr(p, ',');
        size_t m = e ? (size_t)(e - p) : strlen(p);
        if (m == n && strncmp(p, sym, n) == 0) return 1;
        p = e ? e + 1 : NULL;
    }
    return 0;
}

static const fu_correction_term *find_term(const fu_correction_set *set, const char *species) {
    for (int t = 0; t < set->nterm; t++)
        if (strcmp(set->term[t].species, species) == 0) return &set->term[t];
    return NULL;
}

int fu_correction_energy(const fu_correction_set *set, const int *count, const char *oxide_type, double *corr_ev,
                         char *why, size_t len) {
    *corr_ev = 0;
    if (len) why[0] = 0;
    int nel = 0, anion = 0;
    double chi = -INFINITY;
    for (int z = 1; z <= FU_MAX_Z; z++) {
        if (count[z] <= 0) continue;
        nel++;
        double x = fu_formula_electronegativity(z);
        /* ties (rare): the heavier element */
        if (isfinite(x) && x >= chi) chi = x, anion = z;
    }
    if (nel < 2 || !anion) return 0;
    /* O: its oxide-type term whenever present (as MP2020); the other anion
     * terms: only for the most electronegative element */
    if (count[8] > 0) {
        const char *ox = oxide_type ? oxide_type : "oxide";
        const fu_correction_term *t = find_term(set, ox);
        if (!t) {
            snprintf(why, len, "corrections %s have no term for %s oxygen", set->name, ox);
            return -1;
        }
        *corr_ev += t->value_ev * count[8];
    }
    if (anion == 8) return 0;
    const char *sym = fu_element_symbol(anion);
    const fu_correction_term *t = find_term(set, sym);
    if (t) *corr_ev += t->value_ev * count[anion];
    else if (!in_list(set->uncorrected, sym)) {
        snprintf(why, len, "corrections %s have no term for %s", set->name, sym);
        return -1;
    }
    return 0;
}
