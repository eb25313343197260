/* Occupation numbers: smearing functions, Fermi level, entropy. */
#ifndef FURUI_DFT_OCCUPATIONS_H
#define FURUI_DFT_OCCUPATIONS_H

#include "core/error.h"

typedef enum {
    FU_SMEAR_NONE = 0,          /* fixed integer occupations (insulators) */
    FU_SMEAR_FERMI_DIRAC,
    FU_SMEAR_GAUSSIAN,
    FU_SMEAR_METHFESSEL_PAXTON, /* order given separately, default 1 */
    FU_SMEAR_MARZARI_VANDERBILT /* cold smearing, Marzari et al. PRL 82, 3296 (1999) */
} fu_smearing;

/* Parses "none", "fermi-dirac", "gaussian", "methfessel-paxton",
 * "marzari-vanderbilt" (alias "cold"); returns -1 if unknown. */
int fu_smearing_from_name(const char *name);
const char *fu_smearing_name(fu_smearing kind);

/* Occupation f(x) in [0,1] (MP may overshoot), x = (ε - ε_F)/T. */
double fu_smear_occ(fu_smearing kind, int order, double x);
/* Entropy function s(x) with s'(x) = x f'(x); entropy term -T Σ w 2 s. */
double fu_smear_entropy(fu_smearing kind, int order, double x);
/* δ(x) = -f'(x), for densities of states. */
double fu_smear_delta(fu_smearing kind, int order, double x);

/* Occupations for nk k-points (weights wk, sum 1) x nband eigenvalues
 * eig[k*nband+n] (Ha), for `nelec` electrons with at most `maxocc` per band
 * (2 unpolarised, 1 per spin channel). With FU_SMEAR_NONE the lowest
 * nelec/maxocc bands at every k are filled (error if not an integer);
 * efermi is then the highest occupied eigenvalue. Otherwise ε_F is found to
 * 1e-12 electrons by bisection (non-monotone smearings: bracketed
 * secant/bisection from a Gaussian guess). Outputs occ[k*nband+n] in
 * [0,maxocc], efermi (Ha), and minus_ts = -T·S (Ha per cell). Error if the
 * bands cannot hold nelec. */
int fu_occupations(fu_smearing kind, int order, double tsmear, double nelec, double maxocc,
                   int nk, const double *wk, int nband, const double *eig, double *occ,
                   double *efermi, double *minus_ts, fu_err *err);

#endif
