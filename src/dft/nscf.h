/* Non-self-consistent Kohn-Sham eigenvalues at an explicit list of k-points
 * in a fixed effective potential (band structures). The potential is that of
 * a finished SCF run (fu_scf_result.veff_r with fu_scf_opts.keep_fields) on
 * that run's FFT grid (fu_scf_result.fft); with the same structure and
 * parameters (pseudopotentials, ecut) the Hamiltonian is exactly the SCF's. */
#ifndef FURUI_DFT_NSCF_H
#define FURUI_DFT_NSCF_H

#include <mpi.h>

#include "crystal/structure.h"
#include "dft/params.h"

/* Default convergence: residual norm ‖Hψ - εψ‖ of every reported band, Ha.
 * The eigenvalue error is of order residual²/gap, so 1e-8 gives eigenvalues
 * far below 1e-10 Ha. */
#define FU_NSCF_TOL 1e-8

typedef struct {
    int max_iterations;   /* largest LOBPCG iteration count over k-points and spins */
    double max_residual;  /* largest residual norm of a reported band, Ha */
    int nbuffer;          /* extra (unreported) bands computed per k-point */
} fu_nscf_stats;

/* Lowest nband eigenvalues at each of the nk reduced k-points (the
 * structure's reciprocal basis) for each of the nspin channels of veff_r
 * ([nspin][ntot] on grid fft, spin slowest, Ha). k-points are split over the
 * ranks of comm (round robin); each k-point is solved from the same
 * deterministic start whatever rank holds it, so every rank gets all
 * eigenvalues, identical on any number of ranks. Each k-point is converged
 * to residual tol (<= 0: FU_NSCF_TOL) with a buffer of extra bands that are
 * not reported. eig: [nspin][nk][nband], Ha, ascending per k. Returns
 * FU_ENOCONV if some k-point does not reach tol (eig still filled). stats
 * may be NULL. */
int fu_nscf_eigenvalues(const fu_structure *s, const fu_scf_params *p, const int fft[3],
                        int nspin, const double *veff_r, int nk, const double (*kred)[3],
                        int nband, double tol, MPI_Comm comm, double *eig, fu_nscf_stats *stats,
                        fu_err *err);

#endif
