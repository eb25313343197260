/* Occupation numbers: smearing functions, Fermi level, entropy. */
#ifndef FURUI_DFT_OCCUPATIONS_H
#define FURUI_DFT_OCCUPATIONS_H

#include "core/error.h"

typedef enum {
    FU_SMEAR_NONE = 0,          /* fixed integer occupations (insulators) */
    FU_SMEAR_FERMI_DIRAC,
    FU_SMEAR_GAUSSIAN,
    FU_SMEAR_METHFESSEL_PAXTON, /* order given separately, default 1 */
    FU_SMEAR_MARZARI_VANDERBILT, /* cold smearing, Marzari et al. PRL 82, 3296 (1999) */
    /* Added: ABINIT's own cold smearing (occopt 4 and 5), which is NOT the
     * 1999 form above but the earlier one of Marzari's thesis:
     *   δ(x) = e^{-x²}/√π (3/2 + (3a/2) x - x² - a x³),
     *   f(x) = erfc(x)/2 + e^{-x²}/(4√π) (a - 2x - 2a x²),
     *   s(x) = e^{-x²}/(4√π) (1 - 2x² - 2a x³). */
    FU_SMEAR_COLD_ABINIT_BUMP,  /* a = -0.5634 ("minimises the bump"), ABINIT occopt 4 */
    FU_SMEAR_COLD_ABINIT_MONO   /* a = -0.8165 ("monotonic tail"), ABINIT occopt 5 */
} fu_smearing;

/* Which kind is which ABINIT occopt (read from ABINIT src/61_occeig/m_occ.F90,
 * init_occ_ent/getnel/newocc, and checked against ABINIT 9.6.2 runs of fcc Al
 * with occopt 3-7, tsmear 0.01: same ε_F and -kT*entropy to the printed
 * precision). In every case ABINIT uses x = (ε - ε_F)/tsmear, i.e. T = tsmear
 * (for Fermi-Dirac tsmear is kT itself), its entropy function is our s(x),
 * and its "-kT*entropy" energy term is our minus_ts:
 *   occopt 1 -> FU_SMEAR_NONE (ε_F printed = highest occupied eigenvalue)
 *   occopt 3 -> FU_SMEAR_FERMI_DIRAC
 *   occopt 4 -> FU_SMEAR_COLD_ABINIT_BUMP
 *   occopt 5 -> FU_SMEAR_COLD_ABINIT_MONO
 *   occopt 6 -> FU_SMEAR_METHFESSEL_PAXTON, order 1
 *   occopt 7 -> FU_SMEAR_GAUSSIAN (f = erfc(x)/2, no √2)
 * ABINIT tabulates f and s with cubic splines (~1e-12) and cuts them at
 * |x| = 6 (30 for FD); furui evaluates the closed forms.
 * FU_SMEAR_MARZARI_VANDERBILT (the 1999 form, as in Quantum ESPRESSO and
 * DFTK) has no ABINIT occopt. Not supported: occopt 0/2 (occupations given by
 * the user), 8 (uniform test smearing), 9 (two quasi-Fermi levels), and
 * tphysel ≠ 0 (ABINIT's re-smearing of FD). */

/* Parses "none", "fermi-dirac", "gaussian", "methfessel-paxton",
 * "marzari-vanderbilt" (alias "cold"); returns -1 if unknown.
 * Added names: "cold-abinit-bump", "cold-abinit-mono" (ABINIT occopt 4, 5). */
int fu_smearing_from_name(const char *name);
const char *fu_smearing_name(fu_smearing kind);

/* Added: the kind and MP order that reproduce ABINIT's occopt (table
 * above). Returns 0, or -1 for an occopt furui does not reproduce. */
int fu_smearing_from_abinit_occopt(int occopt, fu_smearing *kind, int *order);

/* Occupation f(x) in [0,1] (MP may overshoot), x = (ε - ε_F)/T.
 * `order` is used by Methfessel-Paxton only (0 = Gaussian; a negative order
 * is treated as 0 here and rejected by fu_occupations). All three functions
 * are finite for any x, including ±inf. */
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
/* Notes on the implementation (added): without smearing, the error for too
 * few bands reads "N electrons need at least M bands, got K"; eigenvalues need
 * not be sorted (the lowest ones are filled). With smearing ε_F is bisected to
 * the last representable bit, so |Σ w occ - nelec| is ~1e-14 electrons unless
 * the smearing is so narrow that one ulp of ε_F moves more charge. The
 * non-monotone kinds (MP order ≥ 1, MV and both ABINIT cold smearings) take
 * the root next to the Gaussian ε_F, whereas ABINIT's newocc bisects over the
 * whole eigenvalue range: the two can differ only where N(ε_F) = nelec has
 * several roots (ε_F in or near a gap of a few T). Insulators with smearing:
 * N(ε_F) is flat to rounding across most of the gap, so ε_F is some point in
 * the gap (ABINIT's is another); occupations agree to rounding. k weights must
 * sum to 1 (within 1e-8); with smearing nelec must be < maxocc × nband.
 * Spin-polarised with a common ε_F: pass the two channels as 2·nk k-points
 * with weights w_k/2 and maxocc 2, then halve occ. */
int fu_occupations(fu_smearing kind, int order, double tsmear, double nelec, double maxocc,
                   int nk, const double *wk, int nband, const double *eig, double *occ,
                   double *efermi, double *minus_ts, fu_err *err);

#endif
