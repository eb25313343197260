/* Equation of state: third-order Birch-Murnaghan fit of E(V) and the volume
 * scan that produces the (V, E) points. Units: bohr³, Ha, Ha/bohr³ (GPa via
 * FU_HA_BOHR3_GPA).
 *
 * Birch-Murnaghan (3rd order), η = (V0/V)^(2/3):
 *
 *   E(V) = E0 + (9 V0 B0 / 16) [ (η-1)³ B0' + (η-1)² (6 - 4η) ]
 *
 * Expanded, E is a cubic polynomial in x = V^(-2/3) (η = V0^(2/3) x), and
 * the map (E0, V0, B0, B0') <-> (c0..c3) is one-to-one wherever the cubic has
 * a local minimum. So the least-squares BM3 fit in E is *exactly* the linear
 * least-squares fit of a cubic in x: no non-linear refinement (Gauss-Newton,
 * Levenberg-Marquardt) can improve the sum of squared energy residuals, and
 * none is done. The cubic is fitted in the centred, scaled variable
 * t = (x - x_mid)/x_half in [-1, 1] by Householder QR (LAPACK dgels), which
 * keeps the 4x4 problem well conditioned although x varies by only a few %.
 *
 * From the cubic E(x), with x0 the local minimum (E_x(x0) = 0, E_xx(x0) > 0)
 * and the chain rule dx/dV = -(2/3) V^(-5/3), d²x/dV² = (10/9) V^(-8/3):
 *
 *   V0  = x0^(-3/2)
 *   E0  = E(x0)
 *   B0  = V0 d²E/dV² = (4/9) V0^(-7/3) E_xx(x0) = (4/9) x0^(7/2) E_xx(x0)
 *   B0' = dB/dP|0 = -1 - V0² E_VVV / B0 = 4 + (2/3) x0 E_xxx / E_xx(x0)
 *
 * (B0' = 4 <=> E_xxx = 0: BM3 with B0' = 4 is the "second-order" BM form,
 * quadratic in x.)
 *
 * Outcomes of fu_eos_fit:
 *  - n < 4 points, fewer than 4 distinct volumes, V <= 0 or non-finite
 *    numbers -> FU_EINPUT;
 *  - the cubic has no local minimum, or its minimum is at x0 <= 0, or the fit
 *    is concave over the whole sampled range (E_xx < 0 at both ends: the data
 *    do not bracket or approach a minimum) -> FU_EPHYS "no minimum";
 *  - a minimum that lies outside [V_min, V_max] of the samples is still
 *    returned, with min_outside = 1 and a one-line warning in `warning`:
 *    V0, B0 and B0' are then extrapolations; rescan around V0.
 */
#ifndef FURUI_PROPS_EOS_H
#define FURUI_PROPS_EOS_H

#include <mpi.h>
#include <signal.h>
#include <stdio.h>

#include "core/error.h"
#include "crystal/structure.h"
#include "dft/params.h"

#define FU_EOS_MAXPOINTS 64

typedef struct {
    double e0;            /* Ha */
    double v0;            /* bohr³ */
    double b0;            /* Ha/bohr³ */
    double b0_gpa;        /* GPa */
    double b0_prime;      /* dimensionless */
    double rms_residual;  /* sqrt(mean (E_i - E_fit(V_i))²), Ha */
    double max_residual;  /* max |E_i - E_fit(V_i)|, Ha */
    double vmin, vmax;    /* sampled volume range, bohr³ */
    double coef[4];       /* E = c0 + c1 x + c2 x² + c3 x³, x = V^(-2/3) (bohr^-2) */
    int npoints;
    int min_outside;      /* 1: V0 outside [vmin, vmax] (extrapolated) */
    char warning[256];    /* one line, empty when there is no warning */
} fu_eos_fit_result;

/* Fits BM3 to n points (v[i] bohr³, e[i] Ha). See the header comment. */
int fu_eos_fit(int n, const double *v, const double *e, fu_eos_fit_result *fit, fu_err *err);

/* BM3 energy, pressure P = -dE/dV (Ha/bohr³) and bulk modulus B = V d²E/dV²
 * at volume v for the given parameters (for tests and plotting). */
double fu_eos_bm_energy(double v, double e0, double v0, double b0, double b0p);
double fu_eos_bm_pressure(double v, double v0, double b0, double b0p);

/* Isotropic scale factor for lattice vectors that takes a cell of volume
 * v_in to volume v0: s = (v0 / v_in)^(1/3). */
double fu_eos_scale_factor(double v0, double v_in);

/* Conventional cubic lattice constant from the fitted volume v0 of a cell that
 * holds `points_per_cell` lattice points (1 for a primitive cell), for a cubic
 * Bravais lattice with `points_per_conventional` lattice points per
 * conventional cube (sc 1, bcc 2, fcc 4; diamond, zincblende, rocksalt and
 * fluorite are fcc: 4):
 *
 *   a0 = (v0 · points_per_conventional / points_per_cell)^(1/3)   (bohr)
 *
 * e.g. diamond Si in its 2-atom primitive cell: a0 = (4 V0)^(1/3). Returns
 * NAN for non-positive arguments. */
double fu_eos_cubic_a0(double v0, int points_per_conventional, int points_per_cell);

/* Volume scan. The lattice vectors are scaled isotropically by s_i (atoms stay
 * at their fractional positions; for structures with free internal
 * coordinates this is the unrelaxed EOS: relax first, or accept it). The
 * scale factors are either given (scales, nscale >= 4) or evenly spaced in
 * the lattice constant: s_i = 1 + a_range (2i/(npoints-1) - 1), i = 0..npoints-1.
 * Defaults (fu_eos_scan_opts_default): 7 points, a_range = 0.02 (±2 % in the
 * lattice constant, i.e. about ±6 % in volume), which brackets the minimum
 * when the input is within ~1.5 % of it (relaxed or a good guess) and keeps
 * BM3 accurate (strains well inside its range of validity).
 *
 * Basis: every point uses the same ecut (constant-cutoff EOS, the standard),
 * so the number of plane waves changes with volume. At an unconverged cutoff
 * E(V) then carries the Pulay error: the minimum of the E(V) fit and the zero
 * of the analytic stress (which is the derivative at a fixed plane-wave set)
 * differ by the Pulay stress. Both agree when ecut is converged; check the
 * cutoff (or compare `pressure` at the point nearest V0 with 0) before
 * trusting B0 to better than a few %. The jumps in the plane-wave count also
 * make constant-ecut E(V) slightly rough (Si, 12 Ha: ~1e-5 Ha rms about the
 * fit), which shows in the fit residual. The FFT grid follows p->fft (0 =
 * chosen per volume).
 *
 * constant_basis = 1 instead scales the cutoff with the cell, ecut_i =
 * ecut / s_i², so every point has the same plane-wave set (the same G in
 * reduced coordinates). E(V) is then smooth and its derivative is exactly
 * the analytic pressure (furui's stress is the derivative at a fixed
 * plane-wave set): this is the consistency check between fit and stress, and
 * is free of Pulay stress by construction, but the effective cutoff varies by
 * ±2 a_range across the scan, so it converges to the same EOS only as ecut
 * is converged. `ecut` is the cutoff at s = 1. */
typedef struct {
    int npoints;           /* used when nscale == 0; >= 4 */
    double a_range;        /* fractional half-range in lattice constant, in (0, 0.3] */
    int nscale;            /* > 0: use scales[0..nscale-1] instead */
    double scales[FU_EOS_MAXPOINTS];
    int constant_basis;    /* 0: same ecut at every volume (default); 1: ecut / s² */
    FILE *log;             /* SCF tables and a line per point (rank 0), may be NULL */
    /* Stopping and checkpoints (a screening job's controls, not physics). Each SCF stops as
     * fu_scf_opts does (*stop set, or fu_monotonic_seconds() past deadline: FU_ETIME). A point
     * whose volume equals one of known_volume[] (relative 1e-12: the same scaled cell) takes
     * known_energy[] instead of an SCF (its pressure is then NAN, iterations 0): the points
     * of an interrupted scan, passed back by on_point (may be NULL), which is called on every
     * rank after each computed point. */
    const volatile sig_atomic_t *stop;
    double deadline;
    int nknown;
    double known_volume[FU_EOS_MAXPOINTS], known_energy[FU_EOS_MAXPOINTS]; /* bohr³, Ha */
    void (*on_point)(void *ctx, int index, double volume, double energy);
    void *on_point_ctx;
} fu_eos_scan_opts;

typedef struct {
    int npoints;
    double scale[FU_EOS_MAXPOINTS];     /* lattice scale factor */
    double volume[FU_EOS_MAXPOINTS];    /* bohr³ */
    double energy[FU_EOS_MAXPOINTS];    /* Ha per cell (free energy E - TS) */
    double ecut[FU_EOS_MAXPOINTS];      /* cutoff used, Ha */
    double pressure[FU_EOS_MAXPOINTS];  /* -tr(σ)/3 from the analytic stress, Ha/bohr³
                                           (NAN unless p->compute_stress) */
    int iterations[FU_EOS_MAXPOINTS];   /* SCF iterations */
    double v_input;                     /* volume of the input cell, bohr³ */
    fu_eos_fit_result fit;
    double scale0;                      /* (V0/v_input)^(1/3): multiply the input lattice by it */
    double wall_seconds;
} fu_eos_scan_result;

void fu_eos_scan_opts_default(fu_eos_scan_opts *o);

/* Runs fu_scf_run at each scaled lattice on the ranks of comm (every rank gets
 * the full result), then fu_eos_fit. Fails with the SCF's status (message
 * prefixed by the point) if any point does not converge; with fu_eos_fit's
 * status if the fit fails (res->volume/energy are then filled for
 * diagnosis). */
int fu_eos_scan(const fu_structure *s, const fu_scf_params *p, MPI_Comm comm,
                const fu_eos_scan_opts *opt, fu_eos_scan_result *res, fu_err *err);

#endif
