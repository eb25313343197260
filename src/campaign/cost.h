/* The cost model of a candidate (input/sweep_README.md "Cost"): relative SCF cost and memory
 * estimate from the counts that drive them (k-points, bands, plane waves, FFT points,
 * projectors). The farm orders candidates by cost and campaign/groupsize.h sizes groups from
 * cost and memory. */
#ifndef FURUI_CAMPAIGN_COST_H
#define FURUI_CAMPAIGN_COST_H

#include "campaign/sweep.h"

/* Fills k's nk, nelec, nproj, nband, npw, nfft, cost, memc and mem for structure s at
 * parameters p: nsym/rot its symmetry (FFT grid choice), nk its irreducible k-points,
 * gga 1 for a GGA functional, nlcc 1 if a pseudopotential carries a core charge. */
void fu_cost_estimate(fu_candidate *k, const fu_structure *s, const fu_scf_params *p, int nsym,
                      const int (*rot)[3][3], int nk, double nelec, int nproj, int gga, int nlcc);

#endif
