/* Self-consistent Kohn-Sham ground state of one structure. */
#ifndef FURUI_DFT_SCF_H
#define FURUI_DFT_SCF_H

#include <mpi.h>
#include <signal.h>
#include <stdio.h>

#include "crystal/structure.h"
#include "dft/energy.h"
#include "dft/params.h"

#define FU_SCF_MAXHIST 1000

typedef struct {
    /* energies, Ha per cell */
    double etotal;       /* free energy E - TS */
    double energy[FU_ENERGY_NTERMS]; /* its terms (energy.h; ENTROPY is -T·S) */
    double efermi;       /* Fermi level (insulators: highest occupied eigenvalue), Ha */
    double vbm, cbm;     /* highest occupied / lowest unoccupied eigenvalue on the mesh, Ha */
    double gap;          /* cbm - vbm on the k-mesh (0 for metals), Ha */
    int gap_direct;      /* 1 if vbm and cbm are at the same k-point */
    int vbm_k, cbm_k;    /* their k-point indices */
    double nelec;
    int natom;
    /* k-points and bands */
    int nk, nband;
    double (*kred)[3];   /* [nk] */
    double *kweight;     /* [nk] */
    int *npw;            /* [nk] plane waves per k-point */
    double *eig;         /* [nspin][nk][nband] Ha (spin slowest; nspin 1: [nk][nband]) */
    double *occ;         /* [nspin][nk][nband], at most 2/nspin per band */
    /* forces and stress */
    int have_forces, have_stress;
    double (*forces)[3]; /* [natom] Cartesian, Ha/bohr, mean removed (as ABINIT) */
    double net_force[3]; /* the removed mean × natom: the FFT grid's breaking of
                            translation invariance (xc "egg-box"), Ha/bohr */
    double stress[3][3]; /* Ha/bohr³, σ = (1/Ω) ∂E/∂ε (positive = tensile) */
    /* discretisation and run facts */
    int fft[3];
    int nsym;
    int spacegroup_number;
    double volume;       /* bohr³ */
    char xc_names[256];
    char psp_names[16][64];
    char psp_paths[16][512];
    char psp_sha256[16][65];
    char psp_functional[16][16];
    char psp_format[16][8];   /* "gth", "psp8", "upf" */
    int psp_core[16];         /* 1: model core charge (nonlinear core correction) */
    double psp_valence[16];   /* Z_ion */
    double psp_hints[16][3];  /* table's low/normal/high cutoff hints (Ha), 0 unknown */
    int nspecies;
    /* convergence */
    int converged;
    int iterations;
    double history_etotal[FU_SCF_MAXHIST];
    double history_drho[FU_SCF_MAXHIST];
    double last_denergy;  /* |ΔE| of the last iteration, Ha */
    double last_drho;     /* ∫|Δρ|/N_el of the last iteration */
    double wall_seconds;
    /* final fields on the FFT grid (fft[0]*fft[1]*fft[2] points, x fastest),
     * only when fu_scf_opts.keep_fields was set; NULL otherwise */
    double *rho_r;        /* input density of the last iteration, electrons/bohr³;
                             [nspin][ntot]: nspin 2 gives ρ↑ then ρ↓ */
    double *veff_r;       /* V_loc + V_H + V_xc of that density, Ha; [nspin][ntot] */
    /* collinear spin (added at the end) */
    int nspin;                /* 1 or 2 */
    double magnetization;     /* ∫(ρ↑ - ρ↓) d³r of the final output density, μB per cell
                                 (0 for nspin 1) */
    double abs_magnetization; /* ∫|ρ↑ - ρ↓| d³r, μB per cell */
    /* the parallel layout the run used (dft/bandpar.h): ranks = npk k-groups x npb band ranks,
     * npg of which share each band's FFTs */
    int ranks, npk, npb, npg;
    /* where the wall time went, s (rank 0's clock; the categories and "other"
       sum to wall_seconds) */
    struct {
        double setup;          /* basis, pseudopotentials, structure factors, starting density */
        double local;          /* H application: wavefunction FFTs and the local potential */
        double nonlocal;       /* H application: projectors */
        double eigensolver;    /* LOBPCG outside H: orthogonalisation, Rayleigh-Ritz, preconditioner */
        double density;        /* density from the wavefunctions, symmetrisation, energies */
        double potential;      /* Hartree and XC potential of the input density */
        double mixing;         /* Anderson/Kerker mixing and the next input density */
        double forces_stress;  /* forces and stress after convergence */
        double other;          /* the rest: communication waits, logs */
    } profile;
} fu_scf_result;

/* Per-run controls that are not physics (they never change a converged
 * result, so they are not part of fu_scf_params or the candidate ID). */
typedef struct {
    double deadline;          /* fu_monotonic_seconds() after which the SCF stops at the
                                 end of an iteration with FU_ETIME; 0 = none */
    const double *rho_start;  /* starting density on the FFT grid the run will use
                                 (e.g. rho_r of an earlier run of the same structure and
                                 grid), electrons/bohr³, [nspin][ntot] (nspin 2: ρ↑ then
                                 ρ↓, as rho_r); NULL = atomic superposition (with the
                                 initial moments of fu_scf_params for nspin 2) */
    const int *rho_start_fft; /* the grid rho_start is on; must equal this run's grid */
    int keep_fields;          /* return rho_r and veff_r in the result */
    const volatile sig_atomic_t *stop; /* when set (signal handler), stop like a passed
                                          deadline; may be NULL */
    int fault_nan_iteration;  /* fault injection for tests (0 = off): from this iteration on
                                 one point of the output density is NaN, as a numerical
                                 blow-up leaves it, so the divergence check, the NaN-free
                                 restart and the recovery ladder run on the real path */
} fu_scf_opts;

void fu_scf_opts_default(fu_scf_opts *o);

/* Runs the SCF on the ranks of comm (k-points split among them; every rank
 * gets the full result). Writes the SCF table to log (rank 0, may be NULL).
 * Returns FU_ENOCONV if the iteration limit is reached (result->converged = 0,
 * energies of the last iteration kept for diagnosis only), FU_EPHYS if the
 * SCF diverged (NaN/Inf). Never exits. */
int fu_scf_run(const fu_structure *s, const fu_scf_params *p, MPI_Comm comm, FILE *log,
               fu_scf_result *res, fu_err *err);
/* fu_scf_run with options (NULL = defaults). A rho_start on another grid is
 * FU_EINPUT. On FU_ETIME (deadline passed or stop set, as seen by rank 0 of
 * comm at the end of an iteration) the result holds the last iteration,
 * unconverged. */
int fu_scf_run_opts(const fu_structure *s, const fu_scf_params *p, const fu_scf_opts *o,
                    MPI_Comm comm, FILE *log, fu_scf_result *res, fu_err *err);
void fu_scf_result_free(fu_scf_result *res);

#endif
