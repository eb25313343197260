/* Structural relaxation: atomic positions and (optionally) the cell at a
 * target hydrostatic pressure, by BFGS with a line-search / trust-radius
 * safeguard. Units: Ha, bohr; stress Ha/bohr³ with furui's sign
 * (σ = (1/Ω) ∂E/∂ε, positive = tensile), pressure P positive = compressive,
 * so the converged cell has σ = -P·1.
 *
 * Coordinates. The cell is L = L0 Fᵀ (rows are lattice vectors, L0 the input
 * cell, F the deformation gradient, F = 1 at the start) and the atoms are
 * kept at fractional positions x_k, carried as q_k = x_k L0 (Cartesian
 * positions in the undeformed cell, bohr) and, for cell relaxation, the nine
 * numbers α F with α = sqrt(3 Ω0 B_guess / h0) (bohr; B_guess = 100 GPa,
 * h0 the initial Hessian below). The objective is the enthalpy
 * H = E + P Ω, whose gradient is
 *     ∂H/∂q_k = -Fᵀ f_k                 (f_k the Hellmann-Feynman force)
 *     ∂H/∂(αF) = Ω (σ + P·1) F⁻ᵀ / α.
 * α makes a unit of strain cost about what a bohr of atomic displacement
 * costs (Ω B ε² vs k u², k ~ h0), so forces and stress·volume are
 * commensurate and one isotropic initial Hessian h0·1 serves both.
 *
 * Symmetry. Forces and stress from fu_scf_run are symmetrised with the
 * space group; the initial inverse Hessian 1/h0 is isotropic in these
 * coordinates (space-group operations act orthogonally on Cartesian q and
 * on F ↦ C F Cᵀ), and BFGS updates built from symmetric gradients stay
 * invariant, so every step is symmetric in exact arithmetic. Round-off drift
 * is removed anyway: after each step the positions are averaged over the
 * operations of the initial structure (x_a ← mean_s R_s⁻¹(x_{s(a)} - t_s),
 * modulo lattice vectors) and the metric G = L Lᵀ over R_sᵀ G R_s (the cell is
 * then rebuilt as L ← G'^{1/2} G^{-1/2} L, which changes no angle the
 * symmetry does not require). The number of corrections larger than 1e-10
 * is reported (res->resymmetrised).
 *
 * Step control. Step p = -H⁻¹ g, scaled down so no atom (and no row of αF)
 * moves more than max_step (the trust radius). If the enthalpy rises by more
 * than the SCF noise (max(1e-7 Ha, 20 tol_energy)), the step is rejected and
 * retried from the previous point with the minimiser of the quadratic
 * through H(0), H'(0), H(1) along the step (clamped to [0.1, 0.5] of it); the
 * trust radius shrinks to that length; a second rejection in a row also
 * resets H⁻¹ to 1/h0. Curvature pairs with sᵀy <= 0 are not used.
 * FIRE (opts.algorithm FU_RELAX_FIRE; Bitzek et al., PRL 97, 170201 (2006):
 * Euler steps with "mass" h0 so that dt = 1 is a steepest-descent step on
 * the model h0, dt0 0.1, dt_max 1, N_min 5, f_inc 1.1, f_dec 0.5, α0 0.1,
 * f_α 0.99, moves capped by max_step, no energy test) is available as a
 * robust fallback (slower: ~45 SCFs where BFGS needs ~6 for GaAs), and
 * is used instead of BFGS above 4509 coordinates (~1500 atoms), where the
 * dense inverse Hessian would exceed ~160 MB.
 *
 * Convergence: max over atoms of |f_k| (Euclidean norm per atom) <= force_tol
 * (default 1e-4 Ha/bohr ≈ 5 meV/Å, what the lattice-constant and phonon
 * workflows need; ABINIT's tolmxf default is 5e-5 per component) and, for
 * cell relaxation, max_ij |σ_ij + P δ_ij| <= stress_tol (default 5e-7
 * Ha/bohr³ ≈ 0.015 GPa: with B ~ 100 GPa this leaves |Δa/a| = ΔP/(3B) ~ 5e-5,
 * well below 0.1 %).
 *
 * Grid. The FFT grid is fixed during the relaxation (that of the first SCF,
 * or p->fft), so that the density of one step (scaled by Ω_old/Ω_new to keep
 * the electron count) seeds the next SCF and energies of successive steps
 * are comparable. For a cell relaxation, a final SCF on a fresh automatic
 * grid (p->fft) at the relaxed structure is then run, as ABINIT advises after
 * optcell != 0; its energy and stress are reported, and the log says so if
 * its residual stress exceeds stress_tol (relax again from there, or raise
 * ecut). The plane-wave set follows the cell (constant ecut), so the stress
 * zero found is the analytic-stress zero at this ecut; it differs from the
 * E(V) minimum by the Pulay stress when ecut is not converged. */
#ifndef FURUI_PROPS_RELAX_H
#define FURUI_PROPS_RELAX_H

#include <mpi.h>
#include <signal.h>
#include <stdio.h>

#include "core/error.h"
#include "core/yamldoc.h"
#include "crystal/structure.h"
#include "dft/params.h"

enum { FU_RELAX_BFGS = 0, FU_RELAX_FIRE = 1 };

typedef struct {
    int relax_cell;      /* 0: positions only (default); 1: positions and cell */
    double pressure;     /* target hydrostatic pressure, Ha/bohr³ (default 0) */
    int max_steps;       /* SCF evaluations allowed, final fresh-grid SCF excluded (50) */
    double force_tol;    /* Ha/bohr, max per-atom |f| (1e-4) */
    double stress_tol;   /* Ha/bohr³, max |σ_ij + P δ_ij| (5e-7) */
    int algorithm;       /* FU_RELAX_BFGS (default) or FU_RELAX_FIRE */
    double max_step;     /* trust radius, bohr (0.3) */
    double h0;           /* initial Hessian, Ha/bohr² (0.5 ≈ ASE's 70 eV/Å² / 1.4) */
    int final_scf;       /* 1 (default): fresh-grid SCF after a converged cell relaxation */
    FILE *log;           /* step lines and SCF tables; only rank 0 should pass one; may be NULL */
    /* Stopping and checkpoints (not physics; a screening job's controls). Every SCF of the
     * relaxation stops as fu_scf_opts does: at the end of an iteration once *stop is set or
     * fu_monotonic_seconds() passes deadline; fu_relax_run then returns FU_ETIME, with res
     * holding the last accepted structure. on_step (may be NULL) is called on every rank after
     * each accepted step with that structure, the fixed grid and the SCF evaluations done so
     * far, so a caller can store it and later restart the relaxation from there (a fresh BFGS: the inverse
     * Hessian is not kept). */
    const volatile sig_atomic_t *stop;
    double deadline;
    void (*on_step)(void *ctx, const fu_structure *s, const int fft[3], int nsteps, double energy);
    void *on_step_ctx;
} fu_relax_opts;

typedef struct {
    double energy;       /* Ha (free energy E - TS, fixed grid) */
    double enthalpy;     /* E + P Ω, Ha */
    double volume;       /* bohr³ */
    double max_force;    /* Ha/bohr */
    double max_stress;   /* max |σ + P·1|, Ha/bohr³ (0 unless relax_cell) */
    double lattice[3][3];/* bohr, rows */
    double step_length;  /* largest per-atom move of the step that led here, bohr */
    int accepted;        /* 0: rejected by the line search (the next step restarts
                            from the previous accepted point) */
    int scf_iterations;
    int spacegroup_number;
} fu_relax_step;

typedef struct {
    fu_structure structure; /* last accepted structure (relaxed, if converged);
                               positions wrapped into [0, 1) */
    int converged;
    int nsteps;             /* SCF evaluations in the relaxation (entries of hist) */
    fu_relax_step *hist;    /* [nsteps] */
    /* at the final structure, fixed grid */
    double energy, enthalpy;        /* Ha */
    double (*forces)[3];            /* [natom] Ha/bohr */
    double stress[3][3];            /* Ha/bohr³ */
    double max_force, max_stress;   /* as in fu_relax_step */
    int fft[3];                     /* the fixed grid */
    /* final SCF on a fresh automatic grid (cell relaxation only) */
    int have_final;
    int final_fft[3];
    double final_energy;            /* Ha */
    double final_stress[3][3];      /* Ha/bohr³ */
    double (*final_forces)[3];      /* [natom] Ha/bohr */
    double final_max_force, final_max_stress;
    int spacegroup_initial, spacegroup_final;
    int resymmetrised;              /* steps where drift > 1e-10 was projected out */
    double pressure;                /* target, Ha/bohr³ */
    int relax_cell;
    double wall_seconds;
} fu_relax_result;

void fu_relax_opts_default(fu_relax_opts *o);

/* Relaxes s with the SCF parameters p (compute_forces/compute_stress are
 * switched on as needed) on the ranks of comm; every rank gets the full
 * result. Returns FU_OK when converged; FU_ENOCONV when max_steps is reached
 * or the line search cannot make progress (res holds the last accepted
 * structure, for diagnosis); a failed SCF returns its status with the message
 * prefixed "relax step N: ". Never exits. res must be freed
 * (fu_relax_result_free) whatever the return. */
int fu_relax_run(const fu_structure *s, const fu_scf_params *p, const fu_relax_opts *o,
                 MPI_Comm comm, fu_relax_result *res, fu_err *err);
void fu_relax_result_free(fu_relax_result *res);

/* Reads the `relax:` section of an input file (documented in
 * input/relax_README.md) into o (which should hold the defaults):
 *   cell: true|false, pressure_gpa: NUMBER (GPa), max_steps: INT,
 *   force_tol: "1e-4 Ha/bohr" (Ha/bohr, eV/angstrom, eV/Å),
 *   stress_tol: "5e-7 Ha/bohr^3" (Ha/bohr^3, Ha/bohr3, GPa, kbar),
 *   algorithm: bfgs|fire, max_step: "0.3 bohr" (a length).
 * Errors are one line "path:line: relax.key: what is wrong". */
int fu_relax_read_yaml(const fu_ydoc *d, const fu_ynode *n, fu_relax_opts *o, fu_err *err);

#endif
