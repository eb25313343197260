/* LOBPCG for the lowest eigenpairs of a Hermitian operator.
 *
 * Each iteration does a Rayleigh-Ritz step on the orthonormal basis
 * Y = [X P W] (X: current Ritz vectors, P: previous search directions,
 * W: preconditioned residuals of the active vectors), all n x (·) blocks
 * stored column-major in one buffer so that every product is one zgemm.
 *
 * Design choices:
 * - Soft locking: a vector whose residual is below tol stays in X (it is
 *   still rotated by Rayleigh-Ritz) but gets no W column, so A is only
 *   applied to residual directions of unconverged vectors. The active set
 *   is recomputed every iteration, so a vector that loses accuracy returns.
 *   P keeps one column per vector, converged or not: it costs no
 *   application of A, and dropping it slowed the last unconverged vectors
 *   markedly (e.g. 277 instead of 118 iterations on a test problem).
 * - Implicit products: AX and AP are updated with the Rayleigh-Ritz
 *   coefficients; A is applied only to the new W block.
 * - P is built in the small space: with C the unitary eigenvector matrix of
 *   the projected matrix H = Y^H A Y, C = [C1 C2] (C1: the m lowest), the
 *   new directions (X_new minus its X_old part) projected off span(C1) lie
 *   in span(C2). P = Y C2 Q with Q an orthonormal basis (Householder QR) of
 *   C2^H applied to those directions. P is therefore orthonormal and
 *   orthogonal to X to machine precision by construction, and
 *   X^H A X = diag(w1), X^H A P = 0, P^H A P = Q^H diag(w2) Q come for free:
 *   only Y^H (A W) is formed at the n level.
 * - W is orthogonalised against [X P] and within itself by projection
 *   followed by Cholesky-QR on column-normalised blocks, repeated until the
 *   triangular factor is well conditioned. Columns that are numerically in
 *   the span of the rest (the classic failure near convergence, where
 *   Cholesky breaks down) are dropped rather than shifted: a shifted factor
 *   of an exactly dependent block yields a dependent (or zero) column again,
 *   while a dropped column only removes a direction that carries no new
 *   information. If the preconditioner leaves no direction at all (an exact
 *   shift-invert maps r onto x), the plain residuals are used instead.
 *   Rank-deficient starting vectors cannot be dropped, so those columns are
 *   replaced by pseudo-random vectors.
 * - All work space is allocated once per call; LAPACK routines are called
 *   through their _work variants with sizes queried up front.
 * - One algorithm, two scalar types: complex Hermitian operators, and real
 *   symmetric ones (the orbitals at time-reversal-invariant k-points, whose
 *   dense algebra then costs a quarter of the flops). The algorithm is in
 *   eigensolver_lobpcg.inc, included once per type below. */
#include "dft/eigensolver.h"

#include <complex.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>
#include <lapacke.h>

#include "dft/scalapack.h"

typedef double complex cplx;

#define ORTHO_MAXPASS 5      /* Cholesky-QR passes for W before accepting */
#define PROJ_DROP 1e-10      /* W column norm left after projection (relative) */
#define PIVOT_DROP 1e-7      /* Cholesky pivot of a unit-diagonal Gram: ~sqrt(eps) */
#define RCOND_OK 0.1         /* factor this well conditioned: result orthonormal */
#define SPLIT_EIG_MIN 32     /* band ranks split ?syevd's back-transformation from this order */

/* OpenBLAS 0.3.21 as shipped by Debian 12 (gcc-12 vectorised zgemv_n kernel,
 * OpenBLAS issue #4013) reads past the last column of the matrices zhetrd
 * hands to zgemv, i.e. past the end of the zheevd matrix and work arrays.
 * Harmless reads in practice, but they can fault at a page boundary (seen
 * under ASan), so those arrays get a few spare zeroed columns. */
#define LAPACK_PAD(ld) (8 * (size_t)(ld) + 64)

/* Type-independent helpers of the template. */
/* In-place sum of n doubles over the ranks sharing the rows (rd NULL: one
 * rank, nothing to do). Every rank gets the same bits (Open MPI's allreduce
 * algorithms combine in the same order everywhere), which keeps the
 * replicated small-matrix steps and their decisions identical on all ranks. */
static void rows_sum(const fu_rowdist *rd, void *buf, size_t n) {
    if (rd && n > 0) MPI_Allreduce(MPI_IN_PLACE, buf, (int)n, MPI_DOUBLE, MPI_SUM, rd->comm);
}

static double rnd(uint64_t *s) { /* deterministic replacement columns; state is local */
    uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    return (double)(z >> 11) * 0x1.0p-53 - 0.5;
}

static double max_head(const double *res, int nconv) {
    double r = 0;
    for (int j = 0; j < nconv; j++) r = fmax(r, res[j]);
    return r;
}

/* Vector j still needs search directions: residual at or above tol (the
 * first nconv) or tol_rest (the rest up to nsearch). */
static int unconverged(const double *res, int j, int nconv, double tol, double tol_rest) {
    return !(res[j] < (j < nconv ? tol : tol_rest));
}

/* Done: no vector below nsearch unconverged, the same test that picks the
 * active set. Stopping on the first nconv alone left the rest wherever they
 * were when those converged: an SCF step whose occupied bands needed no
 * iteration left the empty ones loose (bcc Na's Γ triplet 1e-4 Ha off). */
static int all_done(const double *res, int nconv, int nsearch, double tol, double tol_rest) {
    for (int j = 0; j < nsearch; j++)
        if (unconverged(res, j, nconv, tol, tol_rest)) return 0;
    return 1;
}

/* ---- complex Hermitian ---- */

/* G (k x k, upper) = W^H W for W n x k. */
static void herk_z(int k, int n, const cplx *W, cplx *G) {
    cblas_zherk(CblasColMajor, CblasUpper, CblasConjTrans, k, n, 1.0, W, n, 0.0, G, k);
}
/* W := W R^-1, R k x k upper. */
static void trsm_z(int n, int k, const cplx *R, cplx *W) {
    const cplx one = 1;
    cblas_ztrsm(CblasColMajor, CblasRight, CblasUpper, CblasNoTrans, CblasNonUnit, n, k, &one, R, k,
                W, n);
}
static double nrm2_z(int n, const cplx *x) { return cblas_dznrm2(n, x, 1); }
static void scal_z(int n, double a, cplx *x) { cblas_zdscal(n, a, x, 1); }
static lapack_int potrf_z(int n, cplx *R) {
    return LAPACKE_zpotrf_work(LAPACK_COL_MAJOR, 'U', n, R, n);
}
static lapack_int trcon_z(int k, const cplx *R, double *rcond, cplx *work, double *rwork,
                          lapack_int *iwork) {
    (void)iwork;
    return LAPACKE_ztrcon_work(LAPACK_COL_MAJOR, '1', 'U', 'N', k, R, k, rcond, work, rwork);
}
static lapack_int heevd_z(int k, cplx *H, double *w, cplx *work, lapack_int lwork, double *rwork,
                          lapack_int lrwork, lapack_int *iwork, lapack_int liwork) {
    return LAPACKE_zheevd_work(LAPACK_COL_MAJOR, 'V', 'U', k, H, k, w, work, lwork, rwork, lrwork,
                               iwork, liwork);
}
static lapack_int heev_z(int k, cplx *H, double *w, cplx *work, lapack_int lwork, double *rwork) {
    return LAPACKE_zheev_work(LAPACK_COL_MAJOR, 'V', 'U', k, H, k, w, work, lwork, rwork);
}
static lapack_int geqrf_z(int r, int m, cplx *B, cplx *tau, cplx *work, lapack_int lwork) {
    return LAPACKE_zgeqrf_work(LAPACK_COL_MAJOR, r, m, B, r, tau, work, lwork);
}
static lapack_int ungqr_z(int r, int m, cplx *B, cplx *tau, cplx *work, lapack_int lwork) {
    return LAPACKE_zungqr_work(LAPACK_COL_MAJOR, r, m, m, B, r, tau, work, lwork);
}
/* C (n x m) = E X with E n x n Hermitian (upper). */
static void hemm_z(int n, int m, const cplx *E, const cplx *X, cplx *C) {
    const cplx one = 1, zero = 0;
    cblas_zhemm(CblasColMajor, CblasLeft, CblasUpper, n, m, &one, E, n, X, n, &zero, C, n);
}

#define SCALAR cplx
#define CPLX 1
#define F(name) name##_z
#define RE(x) creal(x)
#define IM(x) cimag(x)
#define CONJ(x) conj(x)
#define MAKE(re, im) ((re) + I * (im))
#define APPLY_FN fu_apply_fn
#define PRECOND_FN fu_precond_fn
#define NAME_HEEVD "zheevd/zheev"
#define GEMM(ta, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc)                                   \
    cblas_zgemm(CblasColMajor, ta, CblasNoTrans, M, N, K, &(alpha), A, lda, B, ldb, &(beta), C, ldc)
#include "dft/eigensolver_lobpcg.inc"

/* ---- real symmetric ---- */

static void herk_d(int k, int n, const double *W, double *G) {
    cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, k, n, 1.0, W, n, 0.0, G, k);
}
static void trsm_d(int n, int k, const double *R, double *W) {
    cblas_dtrsm(CblasColMajor, CblasRight, CblasUpper, CblasNoTrans, CblasNonUnit, n, k, 1.0, R, k,
                W, n);
}
static double nrm2_d(int n, const double *x) { return cblas_dnrm2(n, x, 1); }
static void scal_d(int n, double a, double *x) { cblas_dscal(n, a, x, 1); }
static lapack_int potrf_d(int n, double *R) {
    return LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'U', n, R, n);
}
static lapack_int trcon_d(int k, const double *R, double *rcond, double *work, double *rwork,
                          lapack_int *iwork) {
    (void)rwork;
    return LAPACKE_dtrcon_work(LAPACK_COL_MAJOR, '1', 'U', 'N', k, R, k, rcond, work, iwork);
}
static lapack_int heevd_d(int k, double *H, double *w, double *work, lapack_int lwork,
                          double *rwork, lapack_int lrwork, lapack_int *iwork, lapack_int liwork) {
    (void)lrwork;
    if (lwork == -1 && rwork) *rwork = 0; /* no real work array besides work */
    return LAPACKE_dsyevd_work(LAPACK_COL_MAJOR, 'V', 'U', k, H, k, w, work, lwork, iwork, liwork);
}
static lapack_int heev_d(int k, double *H, double *w, double *work, lapack_int lwork,
                         double *rwork) {
    (void)rwork;
    return LAPACKE_dsyev_work(LAPACK_COL_MAJOR, 'V', 'U', k, H, k, w, work, lwork);
}
static lapack_int geqrf_d(int r, int m, double *B, double *tau, double *work, lapack_int lwork) {
    return LAPACKE_dgeqrf_work(LAPACK_COL_MAJOR, r, m, B, r, tau, work, lwork);
}
static lapack_int ungqr_d(int r, int m, double *B, double *tau, double *work, lapack_int lwork) {
    return LAPACKE_dorgqr_work(LAPACK_COL_MAJOR, r, m, m, B, r, tau, work, lwork);
}
static void hemm_d(int n, int m, const double *E, const double *X, double *C) {
    cblas_dsymm(CblasColMajor, CblasLeft, CblasUpper, n, m, 1.0, E, n, X, n, 0.0, C, n);
}

#define SCALAR double
#define CPLX 0
#define F(name) name##_d
#define RE(x) (x)
#define IM(x) 0.0
#define CONJ(x) (x)
#define MAKE(re, im) (re)
#define APPLY_FN fu_apply_real_fn
#define PRECOND_FN fu_precond_real_fn
#define NAME_HEEVD "dsyevd/dsyev"
#define GEMM(ta, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc)                                   \
    cblas_dgemm(CblasColMajor, (ta) == CblasNoTrans ? CblasNoTrans : CblasTrans, CblasNoTrans, M, \
                N, K, alpha, A, lda, B, ldb, beta, C, ldc)
#include "dft/eigensolver_lobpcg.inc"

int fu_lobpcg(int n, int nev, int nconv, double complex *X, double *eig, fu_apply_fn apply,
              fu_precond_fn precond, void *ctx, double tol, int maxiter, fu_eig_stats *stats,
              fu_err *err) {
    return lobpcg_z(NULL, n, nev, nconv, nev, X, eig, apply, precond, ctx, tol, tol, maxiter, stats, err);
}

int fu_lobpcg_split(int n, int nev, int nconv, int nsearch, double complex *X, double *eig,
                    fu_apply_fn apply, fu_precond_fn precond, void *ctx, double tol,
                    double tol_rest, int maxiter, fu_eig_stats *stats, fu_err *err) {
    return lobpcg_z(NULL, n, nev, nconv, nsearch, X, eig, apply, precond, ctx, tol, tol_rest, maxiter,
                    stats, err);
}

int fu_lobpcg_real_split(int n, int nev, int nconv, int nsearch, double *X, double *eig,
                         fu_apply_real_fn apply, fu_precond_real_fn precond, void *ctx, double tol,
                         double tol_rest, int maxiter, fu_eig_stats *stats, fu_err *err) {
    return lobpcg_d(NULL, n, nev, nconv, nsearch, X, eig, apply, precond, ctx, tol, tol_rest, maxiter,
                    stats, err);
}

int fu_lobpcg_rows(const fu_rowdist *rd, int n, int nev, int nconv, int nsearch, double complex *X,
                   double *eig, fu_apply_fn apply, fu_precond_fn precond, void *ctx, double tol,
                   double tol_rest, int maxiter, fu_eig_stats *stats, fu_err *err) {
    return lobpcg_z(rd, n, nev, nconv, nsearch, X, eig, apply, precond, ctx, tol, tol_rest,
                    maxiter, stats, err);
}

int fu_lobpcg_real_rows(const fu_rowdist *rd, int n, int nev, int nconv, int nsearch, double *X,
                        double *eig, fu_apply_real_fn apply, fu_precond_real_fn precond, void *ctx,
                        double tol, double tol_rest, int maxiter, fu_eig_stats *stats,
                        fu_err *err) {
    return lobpcg_d(rd, n, nev, nconv, nsearch, X, eig, apply, precond, ctx, tol, tol_rest,
                    maxiter, stats, err);
}
