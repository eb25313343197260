#include "props/bands.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void fu_bands_occupied(int nspin, int nk, int nband, const double *occ, const double *kweight,
                       int nocc[2], int *partial) {
    double full = 2.0 / nspin;
    *partial = 0;
    nocc[0] = nocc[1] = 0;
    for (int s = 0; s < nspin; s++) {
        double n = 0;
        for (int k = 0; k < nk; k++)
            for (int b = 0; b < nband; b++) n += kweight[k] * occ[((size_t)s * nk + k) * nband + b];
        n /= full;
        nocc[s] = (int)lround(n);
        if (fabs(n - nocc[s]) > 1e-3) *partial = 1;
    }
}

static void put_label(char *dst, const fu_eigset *st, int ik) {
    dst[0] = '\0';
    if (st->label && st->label[ik]) snprintf(dst, FU_BANDS_LABEL, "%s", st->label[ik]);
}

int fu_band_gap(int nspin, const int nocc[2], int nset, const fu_eigset *sets, int metal_hint,
                fu_gap_info *gi, fu_err *err) {
    memset(gi, 0, sizeof *gi);
    if (nspin != 1 && nspin != 2)
        return fu_fail(err, FU_EINPUT, "bands: nspin must be 1 or 2, got %d", nspin);
    gi->vbm = -INFINITY;
    gi->cbm = INFINITY;
    gi->direct_gap = INFINITY;
    int any = 0;
    for (int is = 0; is < nset; is++) {
        const fu_eigset *st = &sets[is];
        for (int s = 0; s < nspin; s++)
            if (st->nk > 0 && (nocc[s] < 0 || nocc[s] >= st->nband))
                return fu_fail(err, FU_EINPUT,
                               "bands: set %d has %d bands, need more than the %d occupied",
                               is + 1, st->nband, nocc[s]);
        for (int k = 0; k < st->nk; k++) {
            double hi = -INFINITY, lo = INFINITY; /* at this k, channels pooled */
            for (int s = 0; s < nspin; s++) {
                const double *e = st->eig + ((size_t)s * st->nk + k) * st->nband;
                if (nocc[s] > 0 && e[nocc[s] - 1] > hi) hi = e[nocc[s] - 1];
                if (e[nocc[s]] < lo) lo = e[nocc[s]];
                /* a tie (degenerate edge met again, e.g. Γ on mesh and path)
                 * moves the edge to a labelled point, for the report */
                if (nocc[s] > 0 && (e[nocc[s] - 1] > gi->vbm ||
                                    (e[nocc[s] - 1] > gi->vbm - 1e-10 && !gi->vbm_label[0] &&
                                     st->label && st->label[k] && st->label[k][0]))) {
                    gi->vbm = e[nocc[s] - 1];
                    memcpy(gi->vbm_k, st->kred[k], sizeof gi->vbm_k);
                    put_label(gi->vbm_label, st, k);
                    gi->vbm_spin = s;
                }
                if (e[nocc[s]] < gi->cbm ||
                    (e[nocc[s]] < gi->cbm + 1e-10 && !gi->cbm_label[0] && st->label &&
                     st->label[k] && st->label[k][0])) {
                    gi->cbm = e[nocc[s]];
                    memcpy(gi->cbm_k, st->kred[k], sizeof gi->cbm_k);
                    put_label(gi->cbm_label, st, k);
                    gi->cbm_spin = s;
                }
            }
            any = 1;
            if (lo - hi < gi->direct_gap) {
                gi->direct_gap = lo - hi;
                memcpy(gi->direct_k, st->kred[k], sizeof gi->direct_k);
                put_label(gi->direct_label, st, k);
            }
        }
    }
    if (!any) return fu_fail(err, FU_EINPUT, "bands: no eigenvalues given");
    if (!isfinite(gi->vbm)) gi->vbm = gi->cbm; /* no occupied band at all */
    gi->gap = gi->cbm - gi->vbm;
    /* the same k-point (mod G, to 1e-8) for VBM and CBM */
    gi->direct = 1;
    for (int c = 0; c < 3; c++) {
        double d = gi->cbm_k[c] - gi->vbm_k[c];
        if (fabs(d - round(d)) > 1e-8) gi->direct = 0;
    }
    if (metal_hint || gi->gap <= 0) {
        gi->metal = 1;
        gi->gap = 0;
        gi->direct_gap = 0;
        gi->direct = 0;
        gi->cbm = gi->vbm;
    }
    return FU_OK;
}
