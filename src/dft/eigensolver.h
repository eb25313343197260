/* Iterative block eigensolver (LOBPCG) for the lowest eigenpairs of a
 * Hermitian operator given only by its action on blocks of vectors. */
#ifndef FURUI_DFT_EIGENSOLVER_H
#define FURUI_DFT_EIGENSOLVER_H

#include <complex.h>
#include <mpi.h>

#include "core/error.h"

/* Y[:, j] = A X[:, j] for j < m; vectors stored contiguously, leading dim n. */
typedef void (*fu_apply_fn)(void *ctx, int m, const double complex *X, double complex *Y);
/* In-place preconditioning of m residual vectors R (leading dim n), given the
 * current Ritz values of the vectors they belong to. May be NULL. */
typedef void (*fu_precond_fn)(void *ctx, int m, const double *ritz, double complex *R);

/* The same for real vectors (a real symmetric operator). */
typedef void (*fu_apply_real_fn)(void *ctx, int m, const double *X, double *Y);
typedef void (*fu_precond_real_fn)(void *ctx, int m, const double *ritz, double *R);

typedef struct {
    int iterations;        /* LOBPCG iterations done */
    int n_applies;         /* vectors A was applied to */
    double max_residual;   /* largest residual norm among the nconv checked vectors */
    int converged;         /* 1 if all nconv vectors reached tol */
} fu_eig_stats;

/* Finds the `nev` lowest eigenpairs of the n x n operator. X (n x nev) holds
 * the starting guess on entry (need not be orthonormal; must have full rank)
 * and the orthonormal eigenvectors on exit, eig[nev] ascending. Only the
 * first `nconv` vectors must reach residual norm ‖A x - λ x‖ < tol; the rest
 * are buffer. Stops after maxiter iterations (returns FU_OK with
 * stats->converged = 0: the caller decides). For n < 3·nev + 5 it solves
 * the dense problem instead. Allocates its own work space.
 * apply and precond are never called with more than nev vectors at once.
 * Dependent or zero starting columns are replaced by pseudo-random ones. On
 * an error (e.g. FU_EPHYS when apply returns NaN) X and eig hold the last
 * finite orthonormal iterate, if one was reached. stats may be NULL. */
int fu_lobpcg(int n, int nev, int nconv, double complex *X, double *eig, fu_apply_fn apply,
              fu_precond_fn precond, void *ctx, double tol, int maxiter, fu_eig_stats *stats,
              fu_err *err);

/* fu_lobpcg with a second tolerance tol_rest >= tol for the vectors from
 * nconv to nsearch: they must reach residual tol_rest, and get new search
 * directions only while above it (fu_lobpcg: tol_rest = tol). For an SCF
 * step, whose density needs only the occupied bands, that saves the
 * applications of A that would converge empty bands to a tolerance nothing
 * uses. stats->converged: all of them reached their tolerance; max_residual
 * is over the first nconv. Vectors from nsearch on
 * (nconv <= nsearch <= nev) get no search directions at all: a passive
 * buffer that only widens the Rayleigh-Ritz space, so that the last wanted
 * vectors are not the edge of the block, for the dense algebra and no
 * applications of A beyond the first (fu_lobpcg: nsearch = nev). */
int fu_lobpcg_split(int n, int nev, int nconv, int nsearch, double complex *X, double *eig,
                    fu_apply_fn apply, fu_precond_fn precond, void *ctx, double tol,
                    double tol_rest, int maxiter, fu_eig_stats *stats, fu_err *err);

/* fu_lobpcg_split for a real symmetric operator and real vectors: the same
 * algorithm in real arithmetic. */
int fu_lobpcg_real_split(int n, int nev, int nconv, int nsearch, double *X, double *eig,
                         fu_apply_real_fn apply, fu_precond_real_fn precond, void *ctx, double tol,
                         double tol_rest, int maxiter, fu_eig_stats *stats, fu_err *err);

struct fu_scalapack;

/* Rows of the vectors spread over the ranks of comm (band/G parallelism,
 * bandpar.h): this rank holds rows r0 .. r0+n-1 of nglob. sl (may be NULL):
 * the BLACS grid of comm, which then solves the subspace matrices of order
 * >= sl_min (scalapack.h); smaller ones, or all without sl, are solved on
 * every rank alike with LAPACK. */
typedef struct {
    MPI_Comm comm;
    int nglob, r0;
    struct fu_scalapack *sl;
    int sl_min;
} fu_rowdist;

/* fu_lobpcg_split and fu_lobpcg_real_split on row-distributed vectors: X,
 * and the blocks handed to apply and precond, are this rank's n rows (leading
 * dimension n); inner products are summed over rd->comm and the small
 * Rayleigh-Ritz and orthogonalisation matrices are solved on every rank
 * alike (replicated LAPACK) or, from order rd->sl_min on, distributed over
 * rd->sl (ScaLAPACK) with the result replicated. Collective over rd->comm: every rank calls with
 * the same nev, nconv, nsearch, tolerances and maxiter, and eig comes out the
 * same everywhere. Needs rd->nglob >= 3 nev + 5 (no dense fallback). */
int fu_lobpcg_rows(const fu_rowdist *rd, int n, int nev, int nconv, int nsearch, double complex *X,
                   double *eig, fu_apply_fn apply, fu_precond_fn precond, void *ctx, double tol,
                   double tol_rest, int maxiter, fu_eig_stats *stats, fu_err *err);
int fu_lobpcg_real_rows(const fu_rowdist *rd, int n, int nev, int nconv, int nsearch, double *X,
                        double *eig, fu_apply_real_fn apply, fu_precond_real_fn precond, void *ctx,
                        double tol, double tol_rest, int maxiter, fu_eig_stats *stats,
                        fu_err *err);

#endif
