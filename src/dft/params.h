/* Calculation parameters of one ground-state (SCF) run. Units: Ha, bohr. */
#ifndef FURUI_DFT_PARAMS_H
#define FURUI_DFT_PARAMS_H

#include "crystal/structure.h"
#include "dft/occupations.h"

#define FU_SPEC_LEN 512

typedef struct {
    char pseudo[FU_MAX_SPECIES][FU_SPEC_LEN]; /* pseudopotential spec per species (fu_psp_load) */
    char xc[128];            /* "lda" (libxc XC_LDA_XC_TETER93 = ABINIT ixc 1), "pbe",
                                or libxc names joined by '+', e.g. "lda_x+lda_c_pw" */
    double ecut;             /* plane-wave cutoff, Ha */
    int kgrid[3];            /* Monkhorst-Pack divisions */
    double kshift[3];        /* 0 or 0.5 each */
    int fft[3];              /* FFT grid; 0 = automatic */
    int nband;               /* bands per k-point; 0 = automatic */
    fu_smearing smearing;
    int smearing_order;      /* Methfessel-Paxton order */
    double tsmear;           /* smearing width, Ha */
    int use_symmetry;        /* reduce k-points and symmetrise the density */
    int time_reversal;       /* use k -> -k (k-point reduction; real orbitals where k = -k) */
    double symprec;          /* symmetry tolerance, bohr */
    int max_iterations;      /* SCF iteration limit */
    double tol_energy;       /* |ΔE| between iterations, Ha per cell */
    double tol_density;      /* ∫|ρ_out - ρ_in| d³r / N_el (dimensionless) */
    double mixing_damping;   /* α in ρ_in + α P(ρ_out - ρ_in) */
    int mixing_history;      /* Anderson history length */
    double kerker_k0;        /* Kerker wave vector, bohr⁻¹; 0 = off; < 0 = automatic
                                (0.5 bohr⁻¹) */
    int compute_forces;
    int compute_stress;
    int verbosity;           /* 0 quiet, 1 SCF table, 2 debug */
    /* Added at the end so that earlier fields keep their offsets. */
    int nspin;               /* 1 unpolarised, 2 collinear spin (LSDA / spin-GGA) */
    double spin_moment[FU_MAX_SPECIES]; /* initial moment per species, Bohr magnetons
                                           (nspin 2 only) */
    int fft_patient;         /* plan the wave-function FFT passes with FFTW_PATIENT instead
                                of FFTW_MEASURE: ~12 % faster transforms for 0.3-1.4 s of
                                planning per grid, worth it when plans are cached (the
                                program sets it when its FFTW wisdom cache is on). Not
                                physics: results agree to rounding. */
    int threads;             /* threads per rank for the wave-function FFTs (bands in
                                parallel); <= 1: one. Not physics: the result is the same
                                bit for bit for any number. */
    char protocol[16];       /* named protocol whose values were used ("" none;
                                dft/protocol.h); provenance, explicit keys override it */
    int npband;              /* band ranks sharing each k-point (dft/bandpar.h); 0 =
                                automatic. Not physics: results agree to rounding. */
    int scalapack_min;       /* band ranks solve LOBPCG's subspace matrices of this order
                                or more with ScaLAPACK (dft/scalapack.h); 0: the default
                                FU_SCALAPACK_MIN_DEFAULT. Not physics: results agree to
                                rounding. */
    int npfft;               /* of those, ranks sharing each band's FFTs (FFT ranks,
                                dft/bandpar.h); 0 = automatic. Not physics. */
} fu_scf_params;

/* Defaults documented in input/README.md. */
void fu_scf_params_default(fu_scf_params *p);

#endif
