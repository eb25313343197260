/* Band edges and gaps from eigenvalues on any number of k-point sets (the
 * SCF mesh and a band-structure path): VBM, CBM, fundamental gap,
 * direct/indirect, the smallest direct (vertical) gap and where they are.
 * Energies in Ha, k-points reduced (the structure's reciprocal basis). */
#ifndef FURUI_PROPS_BANDS_H
#define FURUI_PROPS_BANDS_H

#include "core/error.h"

#define FU_BANDS_LABEL 8

/* One set of eigenvalues: eig[nspin][nk][nband] (spin slowest). label[ik]
 * names a special point ("Γ", "X") or is NULL/"" (label itself may be NULL). */
typedef struct {
    int nk, nband;
    const double (*kred)[3];
    const double *eig;
    const char *const *label;
} fu_eigset;

typedef struct {
    int metal;              /* 1: no gap (bands overlap or partial filling); gaps are 0 */
    double vbm, cbm;        /* Ha (metal: both = the highest occupied level) */
    double gap;             /* cbm - vbm, Ha (0 for metals) */
    int direct;             /* 1 if the VBM and CBM are at the same k-point */
    double vbm_k[3], cbm_k[3];             /* reduced */
    char vbm_label[FU_BANDS_LABEL], cbm_label[FU_BANDS_LABEL]; /* "" if not special */
    int vbm_spin, cbm_spin;                /* channel (0 for nspin 1; 0 up, 1 down) */
    double direct_gap;      /* min over k of [lowest empty - highest occupied] at that k, Ha
                               (spin channels pooled at each k) */
    double direct_k[3];
    char direct_label[FU_BANDS_LABEL];
} fu_gap_info;

/* Occupied bands per spin channel from SCF occupations occ[nspin][nk][nband]
 * (at most 2/nspin each) and weights (sum 1): nocc[s] = round(Σ_k w_k Σ_n
 * occ / (2/nspin)). *partial is set when the channel's filling is not a whole
 * number of bands (to 1e-3): a metal. */
void fu_bands_occupied(int nspin, int nk, int nband, const double *occ, const double *kweight,
                       int nocc[2], int *partial);

/* Gap analysis over nset sets with nocc[s] occupied bands in channel s
 * (nspin 1: nocc[0] = N_el/2). Every set needs nband > nocc. A set with
 * nk = 0 is skipped. metal_hint forces the metal answer (e.g. partial
 * filling from fu_bands_occupied); otherwise overlapping bands (CBM <= VBM)
 * make a metal. */
int fu_band_gap(int nspin, const int nocc[2], int nset, const fu_eigset *sets, int metal_hint,
                fu_gap_info *gi, fu_err *err);

#endif
