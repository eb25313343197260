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
 *   through their _work variants with sizes queried up front. */
#include "dft/eigensolver.h"

#include <complex.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>
#include <lapacke.h>

typedef double complex cplx;

#define ORTHO_MAXPASS 5      /* Cholesky-QR passes for W before accepting */
#define PROJ_DROP 1e-10      /* W column norm left after projection (relative) */
#define PIVOT_DROP 1e-7      /* Cholesky pivot of a unit-diagonal Gram: ~sqrt(eps) */
#define RCOND_OK 0.1         /* factor this well conditioned: result orthonormal */

/* OpenBLAS 0.3.21 as shipped by Debian 12 (gcc-12 vectorised zgemv_n kernel,
 * OpenBLAS issue #4013) reads past the last column of the matrices zhetrd
 * hands to zgemv, i.e. past the end of the zheevd matrix and work arrays.
 * Harmless reads in practice, but they can fault at a page boundary (seen
 * under ASan), so those arrays get a few spare zeroed columns. */
#define LAPACK_PAD(ld) (8 * (size_t)(ld) + 64)

typedef struct {
    int n, m, kmax;
    cplx *Y, *AY, *T;      /* n x 3m, n x 3m, n x 2m */
    cplx *H, *Hb;          /* kmax^2: projected matrix / eigenvectors, backup */
    double *w;             /* kmax eigenvalues */
    cplx *S;               /* 2m x m: Y0^H W, scratch */
    cplx *G, *R;           /* m x m: Gram and Cholesky factor */
    cplx *B, *Zc, *PP;     /* 2m x m, kmax x m, m x m: P coefficients */
    cplx *tau;             /* m */
    double *lam, *res, *ritz, *dsc; /* m each */
    int *idx, *keep;       /* m each */
    cplx *work;
    double *rwork;
    lapack_int *iwork;
    lapack_int lwork, lrwork, liwork;
} lobpcg_ws;

/* C = alpha op(A) B + beta C, column-major; tolerates empty dimensions
 * (BLAS would report them through xerbla, which prints). */
static void mm(CBLAS_TRANSPOSE ta, int M, int N, int K, cplx alpha, const cplx *A, int lda,
               const cplx *B, int ldb, cplx beta, cplx *C, int ldc) {
    if (M <= 0 || N <= 0) return;
    if (K <= 0) {
        for (int j = 0; j < N; j++)
            for (int i = 0; i < M; i++)
                C[i + (size_t)j * ldc] = beta == 0 ? 0 : beta * C[i + (size_t)j * ldc];
        return;
    }
    cblas_zgemm(CblasColMajor, ta, CblasNoTrans, M, N, K, &alpha, A, lda, B, ldb, &beta, C, ldc);
}

static int all_finite(const cplx *a, size_t len) {
    for (size_t i = 0; i < len; i++)
        if (!isfinite(creal(a[i])) || !isfinite(cimag(a[i]))) return 0;
    return 1;
}

/* res[j] = ||AX_j - lam_j X_j||. */
static void resnorms(int n, int m, const cplx *X, const cplx *AX, const double *lam, double *res) {
    for (int j = 0; j < m; j++) {
        const cplx *x = X + (size_t)j * n, *ax = AX + (size_t)j * n;
        double s = 0;
        for (int i = 0; i < n; i++) {
            cplx z = ax[i] - lam[j] * x[i];
            s += creal(z) * creal(z) + cimag(z) * cimag(z);
        }
        res[j] = sqrt(s);
    }
}

/* Deterministic generator for replacement columns (state is local). */
static double rnd(uint64_t *s) {
    uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    return (double)(z >> 11) * 0x1.0p-53 - 0.5;
}

static void randomize(cplx *x, int n, uint64_t *seed) {
    for (int i = 0; i < n; i++) x[i] = rnd(seed) + I * rnd(seed);
}

/* Upper triangle of G (k x k, ld k) := (G + G^H)/2 with a real diagonal. */
static void hermitianize(cplx *G, int k, int ld) {
    for (int j = 0; j < k; j++) {
        for (int i = 0; i < j; i++) {
            cplx v = 0.5 * (G[i + (size_t)j * ld] + conj(G[j + (size_t)i * ld]));
            G[i + (size_t)j * ld] = v;
            G[j + (size_t)i * ld] = conj(v);
        }
        G[j + (size_t)j * ld] = creal(G[j + (size_t)j * ld]);
    }
}

/* Eigen-decomposition of the k x k Hermitian H (upper triangle, ld k):
 * ascending values in s->w, vectors in H. zheev is the fallback if the
 * divide-and-conquer driver fails. */
static int small_eig(lobpcg_ws *s, int k, fu_err *err) {
    for (int j = 0; j < k; j++)
        if (!all_finite(s->H + (size_t)j * k, (size_t)j + 1))
            return fu_fail(err, FU_EPHYS, "lobpcg: projected matrix is not finite");
    memcpy(s->Hb, s->H, sizeof(cplx) * (size_t)k * k);
    lapack_int info = LAPACKE_zheevd_work(LAPACK_COL_MAJOR, 'V', 'U', k, s->H, k, s->w, s->work,
                                          s->lwork, s->rwork, s->lrwork, s->iwork, s->liwork);
    if (info != 0) {
        memcpy(s->H, s->Hb, sizeof(cplx) * (size_t)k * k);
        info = LAPACKE_zheev_work(LAPACK_COL_MAJOR, 'V', 'U', k, s->H, k, s->w, s->work, s->lwork,
                                  s->rwork);
    }
    if (info != 0)
        return fu_fail(err, FU_ELIB, "lobpcg: zheevd/zheev failed on the %d x %d projected matrix (info %d)",
                       k, k, (int)info);
    return FU_OK;
}

/* Cholesky factor R (nk x nk, ld nk) of the Gram G (k x k, ld k, unit
 * diagonal, upper) restricted to a subset keep[0..nk) of columns, dropping
 * a column whenever the factorisation breaks down at it or its pivot (the
 * sine of its angle to the previous columns) is below PIVOT_DROP. */
static int chol_select(const cplx *G, int k, int *keep, cplx *R) {
    int nk = k;
    for (int i = 0; i < k; i++) keep[i] = i;
    while (nk > 0) {
        for (int b = 0; b < nk; b++)
            for (int a = 0; a <= b; a++) R[a + (size_t)b * nk] = G[keep[a] + (size_t)keep[b] * k];
        lapack_int info = LAPACKE_zpotrf_work(LAPACK_COL_MAJOR, 'U', nk, R, nk);
        if (info > 0) {
            memmove(keep + info - 1, keep + info, sizeof(int) * (size_t)(nk - info));
            nk--;
            continue;
        }
        int out = 0;
        for (int j = 0; j < nk; j++)
            if (creal(R[j + (size_t)j * nk]) >= PIVOT_DROP) keep[out++] = keep[j];
        if (out == nk) break;
        nk = out;
    }
    return nk;
}

/* Makes W (n x *nw) orthonormal and orthogonal to the orthonormal Y0
 * (n x q), dropping numerically dependent columns; *nw is updated. */
static int ortho_block(lobpcg_ws *s, const cplx *Y0, int q, cplx *W, int *nw, fu_err *err) {
    const int n = s->n;
    int k = 0;
    for (int j = 0; j < *nw; j++) {
        cplx *col = W + (size_t)j * n;
        double nrm = cblas_dznrm2(n, col, 1);
        if (!isfinite(nrm))
            return fu_fail(err, FU_EPHYS, "lobpcg: preconditioned residual is not finite");
        if (nrm == 0) continue;
        if (k != j) memcpy(W + (size_t)k * n, col, sizeof(cplx) * n);
        cblas_zdscal(n, 1.0 / nrm, W + (size_t)k * n, 1);
        k++;
    }
    for (int pass = 0; pass < ORTHO_MAXPASS && k > 0; pass++) {
        const cplx one = 1, zero = 0;
        mm(CblasConjTrans, q, k, n, one, Y0, n, W, n, zero, s->S, q);
        mm(CblasNoTrans, n, k, q, -one, Y0, n, s->S, q, one, W, n);
        cblas_zherk(CblasColMajor, CblasUpper, CblasConjTrans, k, n, 1.0, W, n, 0.0, s->G, k);
        /* Unit-diagonal Gram; a column lost to the projection gets a zero
         * diagonal, so chol_select drops it. */
        double gmin = INFINITY, gmax = 0;
        for (int j = 0; j < k; j++) {
            double g = creal(s->G[j + (size_t)j * k]);
            s->dsc[j] = g > PROJ_DROP * PROJ_DROP ? 1.0 / sqrt(g) : 0.0;
            if (s->dsc[j] > 0) {
                gmin = fmin(gmin, g);
                gmax = fmax(gmax, g);
            }
        }
        for (int b = 0; b < k; b++)
            for (int a = 0; a <= b; a++) s->G[a + (size_t)b * k] *= s->dsc[a] * s->dsc[b];
        int nk = chol_select(s->G, k, s->keep, s->R);
        for (int a = 0; a < nk; a++) {
            int src = s->keep[a];
            if (src != a) memcpy(W + (size_t)a * n, W + (size_t)src * n, sizeof(cplx) * n);
            cblas_zdscal(n, s->dsc[src], W + (size_t)a * n, 1);
        }
        k = nk;
        if (k == 0) break;
        cblas_ztrsm(CblasColMajor, CblasRight, CblasUpper, CblasNoTrans, CblasNonUnit, n, k, &one,
                    s->R, k, W, n);
        double rcond = 0;
        if (LAPACKE_ztrcon_work(LAPACK_COL_MAJOR, '1', 'U', 'N', k, s->R, k, &rcond, s->work,
                                s->rwork) != 0)
            rcond = 0;
        /* Done when the factor was close to identity-like: the projection lost
         * under a bit and the Cholesky step amplified rounding by < 1/rcond. */
        if (rcond > RCOND_OK && gmin > 0.5 && gmax < 2.0) break;
    }
    *nw = k;
    return FU_OK;
}

/* Orthonormalises the starting block X (n x m) in place by repeated
 * Cholesky-QR; zero, dependent or nearly dependent columns are replaced by
 * pseudo-random vectors. */
static int ortho_start(lobpcg_ws *s, cplx *X, fu_err *err) {
    const int n = s->n, m = s->m;
    const cplx one = 1;
    uint64_t seed = 0x5EEDF00DULL;
    for (int pass = 0; pass < 2 * m + 8; pass++) {
        cblas_zherk(CblasColMajor, CblasUpper, CblasConjTrans, m, n, 1.0, X, n, 0.0, s->R, m);
        int replaced = 0;
        for (int j = 0; j < m; j++) {
            double g = creal(s->R[j + (size_t)j * m]);
            if (!isfinite(g))
                return fu_fail(err, FU_EINPUT, "lobpcg: starting vector %d is not finite", j);
            if (g < DBL_MIN / DBL_EPSILON) {
                randomize(X + (size_t)j * n, n, &seed);
                replaced = 1;
            }
            s->dsc[j] = 1.0 / sqrt(g);
        }
        if (replaced) continue;
        for (int b = 0; b < m; b++)
            for (int a = 0; a <= b; a++) s->R[a + (size_t)b * m] *= s->dsc[a] * s->dsc[b];
        lapack_int info = LAPACKE_zpotrf_work(LAPACK_COL_MAJOR, 'U', m, s->R, m);
        if (info > 0) {
            randomize(X + (size_t)(info - 1) * n, n, &seed);
            continue;
        }
        for (int j = 0; j < m; j++)
            if (creal(s->R[j + (size_t)j * m]) < PIVOT_DROP) {
                randomize(X + (size_t)j * n, n, &seed);
                replaced = 1;
            }
        if (replaced) continue;
        for (int j = 0; j < m; j++) cblas_zdscal(n, s->dsc[j], X + (size_t)j * n, 1);
        cblas_ztrsm(CblasColMajor, CblasRight, CblasUpper, CblasNoTrans, CblasNonUnit, n, m, &one,
                    s->R, m, X, n);
        double rcond = 0;
        if (LAPACKE_ztrcon_work(LAPACK_COL_MAJOR, '1', 'U', 'N', m, s->R, m, &rcond, s->work,
                                s->rwork) != 0)
            rcond = 0;
        if (rcond > RCOND_OK) return FU_OK;
    }
    return fu_fail(err, FU_EINTERNAL, "lobpcg: could not orthonormalise the %d starting vectors", m);
}

static void ws_free(lobpcg_ws *s) {
    free(s->Y);
    free(s->AY);
    free(s->T);
    free(s->H);
    free(s->Hb);
    free(s->w);
    free(s->S);
    free(s->G);
    free(s->R);
    free(s->B);
    free(s->Zc);
    free(s->PP);
    free(s->tau);
    free(s->lam);
    free(s->res);
    free(s->ritz);
    free(s->dsc);
    free(s->idx);
    free(s->keep);
    free(s->work);
    free(s->rwork);
    free(s->iwork);
}

static int ws_alloc(lobpcg_ws *s, int n, int m, fu_err *err) {
    memset(s, 0, sizeof *s);
    s->n = n;
    s->m = m;
    s->kmax = 3 * m;
    size_t nm = (size_t)n * m, kk = (size_t)s->kmax * s->kmax;
    s->Y = malloc(sizeof(cplx) * 3 * nm);
    s->AY = malloc(sizeof(cplx) * 3 * nm);
    s->T = malloc(sizeof(cplx) * 2 * nm);
    s->H = calloc(kk + LAPACK_PAD(s->kmax), sizeof(cplx));
    s->Hb = malloc(sizeof(cplx) * kk);
    s->w = malloc(sizeof(double) * s->kmax);
    s->S = malloc(sizeof(cplx) * 2 * m * m);
    s->G = malloc(sizeof(cplx) * m * m);
    s->R = malloc(sizeof(cplx) * m * m);
    s->B = malloc(sizeof(cplx) * 2 * m * m);
    s->Zc = malloc(sizeof(cplx) * s->kmax * m);
    s->PP = malloc(sizeof(cplx) * m * m);
    s->tau = malloc(sizeof(cplx) * m);
    s->lam = calloc((size_t)m, sizeof(double));
    s->res = calloc((size_t)m, sizeof(double));
    s->ritz = malloc(sizeof(double) * m);
    s->dsc = malloc(sizeof(double) * m);
    s->idx = malloc(sizeof(int) * m);
    s->keep = malloc(sizeof(int) * m);
    if (!s->Y || !s->AY || !s->T || !s->H || !s->Hb || !s->w || !s->S || !s->G || !s->R || !s->B ||
        !s->Zc || !s->PP || !s->tau || !s->lam || !s->res || !s->ritz || !s->dsc || !s->idx || !s->keep)
        goto nomem;

    /* Work space queries at the largest sizes used. */
    cplx wq = 0;
    double rq = 0;
    lapack_int iq = 0, lw, lr, li;
    if (LAPACKE_zheevd_work(LAPACK_COL_MAJOR, 'V', 'U', s->kmax, s->H, s->kmax, s->w, &wq, -1, &rq,
                            -1, &iq, -1) != 0)
        return fu_fail(err, FU_ELIB, "lobpcg: zheevd workspace query failed");
    lw = (lapack_int)creal(wq);
    lr = (lapack_int)rq;
    li = iq;
    if (LAPACKE_zgeqrf_work(LAPACK_COL_MAJOR, 2 * m, m, s->B, 2 * m, s->tau, &wq, -1) != 0)
        return fu_fail(err, FU_ELIB, "lobpcg: zgeqrf workspace query failed");
    if ((lapack_int)creal(wq) > lw) lw = (lapack_int)creal(wq);
    if (LAPACKE_zungqr_work(LAPACK_COL_MAJOR, 2 * m, m, m, s->B, 2 * m, s->tau, &wq, -1) != 0)
        return fu_fail(err, FU_ELIB, "lobpcg: zungqr workspace query failed");
    if ((lapack_int)creal(wq) > lw) lw = (lapack_int)creal(wq);
    if (lw < 2 * s->kmax) lw = 2 * s->kmax;          /* ztrcon, zheev */
    if (lr < 3 * s->kmax) lr = 3 * s->kmax;          /* ztrcon, zheev */
    if (li < 1) li = 1;
    s->lwork = lw;
    s->lrwork = lr;
    s->liwork = li;
    s->work = calloc((size_t)lw + LAPACK_PAD(s->kmax), sizeof(cplx));
    s->rwork = malloc(sizeof(double) * (size_t)lr);
    s->iwork = malloc(sizeof(lapack_int) * (size_t)li);
    if (!s->work || !s->rwork || !s->iwork) goto nomem;
    return FU_OK;
nomem:
    return fu_fail(err, FU_ENOMEM, "lobpcg: out of memory for n = %d, nev = %d", n, m);
}

/* Applies A in blocks of at most `blk` vectors: callers may size their
 * buffers for nev vectors. */
static void apply_blocked(fu_apply_fn apply, void *ctx, int n, int m, int blk, const cplx *X, cplx *Y) {
    for (int j = 0; j < m; j += blk) {
        int c = m - j < blk ? m - j : blk;
        apply(ctx, c, X + (size_t)j * n, Y + (size_t)j * n);
    }
}

/* Small problems: the full matrix from A applied to the identity, then a
 * dense Hermitian eigensolver. */
static int lobpcg_dense(int n, int nev, int nconv, cplx *X, double *eig, fu_apply_fn apply, void *ctx,
                        double tol, fu_eig_stats *st, fu_err *err) {
    size_t nn = (size_t)n * n;
    cplx *E = calloc(nn, sizeof(cplx)), *H = calloc(nn + LAPACK_PAD(n), sizeof(cplx));
    cplx *R = malloc(sizeof(cplx) * (size_t)n * nconv);
    double *w = malloc(sizeof(double) * n), *res = malloc(sizeof(double) * nconv);
    cplx *work = NULL;
    double *rwork = NULL;
    lapack_int *iwork = NULL;
    int rc = FU_OK;
    if (!E || !H || !R || !w || !res) {
        rc = fu_fail(err, FU_ENOMEM, "lobpcg: out of memory for the dense %d x %d problem", n, n);
        goto done;
    }
    for (int j = 0; j < n; j++) E[j + (size_t)j * n] = 1;
    apply_blocked(apply, ctx, n, n, nev, E, H);
    st->n_applies = n;
    if (!all_finite(H, nn)) {
        rc = fu_fail(err, FU_EPHYS, "lobpcg: operator produced non-finite values");
        goto done;
    }
    hermitianize(H, n, n);
    memcpy(E, H, sizeof(cplx) * nn); /* E keeps the matrix for the residuals */
    cplx wq = 0;
    double rq = 0;
    lapack_int iq = 0;
    if (LAPACKE_zheevd_work(LAPACK_COL_MAJOR, 'V', 'U', n, H, n, w, &wq, -1, &rq, -1, &iq, -1) != 0) {
        rc = fu_fail(err, FU_ELIB, "lobpcg: zheevd workspace query failed");
        goto done;
    }
    lapack_int lw = (lapack_int)creal(wq) > 2 * n ? (lapack_int)creal(wq) : 2 * n;
    lapack_int lr = (lapack_int)rq > 3 * n ? (lapack_int)rq : 3 * n;
    lapack_int li = iq > 1 ? iq : 1;
    work = calloc((size_t)lw + LAPACK_PAD(n), sizeof(cplx));
    rwork = malloc(sizeof(double) * (size_t)lr);
    iwork = malloc(sizeof(lapack_int) * (size_t)li);
    if (!work || !rwork || !iwork) {
        rc = fu_fail(err, FU_ENOMEM, "lobpcg: out of memory for the dense %d x %d problem", n, n);
        goto done;
    }
    lapack_int info = LAPACKE_zheevd_work(LAPACK_COL_MAJOR, 'V', 'U', n, H, n, w, work, lw, rwork, lr,
                                          iwork, li);
    if (info != 0) {
        memcpy(H, E, sizeof(cplx) * nn);
        info = LAPACKE_zheev_work(LAPACK_COL_MAJOR, 'V', 'U', n, H, n, w, work, lw, rwork);
    }
    if (info != 0) {
        rc = fu_fail(err, FU_ELIB, "lobpcg: zheevd/zheev failed on the dense %d x %d problem (info %d)",
                     n, n, (int)info);
        goto done;
    }
    memcpy(X, H, sizeof(cplx) * (size_t)n * nev);
    memcpy(eig, w, sizeof(double) * nev);
    const cplx one = 1, zero = 0;
    cblas_zhemm(CblasColMajor, CblasLeft, CblasUpper, n, nconv, &one, E, n, X, n, &zero, R, n);
    resnorms(n, nconv, X, R, w, res);
    st->max_residual = 0;
    for (int j = 0; j < nconv; j++) st->max_residual = fmax(st->max_residual, res[j]);
    st->converged = st->max_residual < tol;
done:
    free(E);
    free(H);
    free(R);
    free(w);
    free(res);
    free(work);
    free(rwork);
    free(iwork);
    return rc;
}

/* W[:, a] = AX_j - lam_j X_j for the active j = s->idx[a]; ritz[a] = lam_j. */
static void residuals(lobpcg_ws *s, int na, cplx *W) {
    const int n = s->n;
    for (int a = 0; a < na; a++) {
        int j = s->idx[a];
        const cplx *x = s->Y + (size_t)j * n, *ax = s->AY + (size_t)j * n;
        cplx *wcol = W + (size_t)a * n;
        for (int i = 0; i < n; i++) wcol[i] = ax[i] - s->lam[j] * x[i];
        s->ritz[a] = s->lam[j];
    }
}

static double max_head(const double *res, int nconv) {
    double r = 0;
    for (int j = 0; j < nconv; j++) r = fmax(r, res[j]);
    return r;
}

int fu_lobpcg(int n, int nev, int nconv, double complex *X, double *eig, fu_apply_fn apply,
              fu_precond_fn precond, void *ctx, double tol, int maxiter, fu_eig_stats *stats,
              fu_err *err) {
    return fu_lobpcg_split(n, nev, nconv, X, eig, apply, precond, ctx, tol, tol, maxiter, stats,
                           err);
}

int fu_lobpcg_split(int n, int nev, int nconv, double complex *X, double *eig, fu_apply_fn apply,
                    fu_precond_fn precond, void *ctx, double tol, double tol_rest, int maxiter,
                    fu_eig_stats *stats, fu_err *err) {
    fu_eig_stats st = {0, 0, 0.0, 0};
    if (stats) *stats = st;
    if (n < 1 || nev < 1 || nev > n)
        return fu_fail(err, FU_EINPUT, "lobpcg: nev: need 1 <= nev <= n, got nev = %d, n = %d", nev, n);
    if (nconv < 1 || nconv > nev)
        return fu_fail(err, FU_EINPUT, "lobpcg: nconv: need 1 <= nconv <= nev = %d, got %d", nev, nconv);
    if (!X || !eig || !apply)
        return fu_fail(err, FU_EINPUT, "lobpcg: arguments: X, eig and apply must not be NULL");
    if (!(tol >= 0))
        return fu_fail(err, FU_EINPUT, "lobpcg: tol: must be >= 0, got %g", tol);
    if (!(tol_rest >= tol))
        return fu_fail(err, FU_EINPUT, "lobpcg: tol_rest: must be >= tol = %g, got %g", tol,
                       tol_rest);
    if (maxiter < 0)
        return fu_fail(err, FU_EINPUT, "lobpcg: maxiter: must be >= 0, got %d", maxiter);

    if (n < 3 * nev + 5) {
        int rc = lobpcg_dense(n, nev, nconv, X, eig, apply, ctx, tol, &st, err);
        if (stats) *stats = st;
        return rc;
    }

    const int m = nev;
    const size_t nm = (size_t)n * m;
    const cplx one = 1, zero = 0;
    lobpcg_ws s;
    int rc = ws_alloc(&s, n, m, err);
    if (rc != FU_OK) {
        ws_free(&s);
        return rc;
    }
    cplx *Y = s.Y, *AY = s.AY, *T = s.T, *H = s.H;
    int started = 0, x_in_user = 0;

    memcpy(Y, X, sizeof(cplx) * nm);
    if ((rc = ortho_start(&s, Y, err)) != FU_OK) goto fail;
    started = 1;
    apply(ctx, m, Y, AY);
    st.n_applies += m;
    if (!all_finite(AY, nm)) {
        rc = fu_fail(err, FU_EPHYS, "lobpcg: operator produced non-finite values");
        goto fail;
    }
    /* Rayleigh-Ritz in span(X): makes X Ritz vectors so H[X,X] = diag. */
    mm(CblasConjTrans, m, m, n, one, Y, n, AY, n, zero, H, m);
    hermitianize(H, m, m);
    if ((rc = small_eig(&s, m, err)) != FU_OK) goto fail;
    mm(CblasNoTrans, n, m, m, one, Y, n, H, m, zero, X, n);
    mm(CblasNoTrans, n, m, m, one, AY, n, H, m, zero, T, n);
    memcpy(Y, X, sizeof(cplx) * nm);
    memcpy(AY, T, sizeof(cplx) * nm);
    memcpy(s.lam, s.w, sizeof(double) * m);
    resnorms(n, m, Y, AY, s.lam, s.res);

    int np = 0;
    while (max_head(s.res, nconv) >= tol && st.iterations < maxiter) {
        /* W = preconditioned residuals of the active vectors: those above
         * their tolerance (tol for the first nconv, tol_rest beyond). */
        int na = 0;
        for (int j = 0; j < m; j++)
            if (!(s.res[j] < (j < nconv ? tol : tol_rest))) s.idx[na++] = j;
        const int q = m + np;
        cplx *W = Y + (size_t)q * n, *AW = AY + (size_t)q * n;
        residuals(&s, na, W);
        if (precond) precond(ctx, na, s.ritz, W);
        int nw = na;
        if ((rc = ortho_block(&s, Y, q, W, &nw, err)) != FU_OK) goto fail;
        if (nw == 0 && precond) {
            /* The preconditioner mapped every residual into span[X P] (an
             * exact shift-invert does: K r = x): use the plain residuals. */
            residuals(&s, na, W);
            nw = na;
            if ((rc = ortho_block(&s, Y, q, W, &nw, err)) != FU_OK) goto fail;
        }
        if (nw == 0) break; /* no direction left to add: stagnation */
        apply(ctx, nw, W, AW);
        st.n_applies += nw;
        if (!all_finite(AW, (size_t)n * nw)) {
            rc = fu_fail(err, FU_EPHYS, "lobpcg: operator produced non-finite values");
            goto fail;
        }

        /* Projected matrix: [X P] blocks known from the previous step. */
        const int k = q + nw;
        memset(H, 0, sizeof(cplx) * (size_t)k * q);
        for (int j = 0; j < m; j++) H[j + (size_t)j * k] = s.lam[j];
        for (int b = 0; b < np; b++)
            for (int a = 0; a < np; a++) H[m + a + (size_t)(m + b) * k] = s.PP[a + (size_t)b * np];
        mm(CblasConjTrans, k, nw, n, one, Y, n, AW, n, zero, H + (size_t)q * k, k);
        for (int b = q; b < k; b++) {
            for (int a = q; a < b; a++)
                H[a + (size_t)b * k] = 0.5 * (H[a + (size_t)b * k] + conj(H[b + (size_t)a * k]));
            H[b + (size_t)b * k] = creal(H[b + (size_t)b * k]);
        }
        if ((rc = small_eig(&s, k, err)) != FU_OK) goto fail;

        /* X_new (into the caller's X, free until the end) and AX_new. */
        mm(CblasNoTrans, n, m, k, one, Y, n, H, k, zero, X, n);
        mm(CblasNoTrans, n, m, k, one, AY, n, H, k, zero, T, n);
        st.iterations++;
        resnorms(n, m, X, T, s.w, s.res);
        for (int j = 0; j < m; j++)
            if (!isfinite(s.res[j])) {
                rc = fu_fail(err, FU_EPHYS, "lobpcg: residual %d is not finite", j);
                goto fail;
            }
        memcpy(s.lam, s.w, sizeof(double) * m);
        if (max_head(s.res, nconv) < tol || st.iterations >= maxiter) {
            x_in_user = 1;
            break;
        }

        /* P = Y Zc, Zc = C2 Q, Q = qr(C2^H Z) with Z = C[m:k, 0:m] (rows of
         * the new X's coefficients outside the old X). Converged vectors keep
         * their P column too: it costs no application of A. */
        const int r = k - m;
        const cplx *C2 = H + (size_t)m * k;
        int npn;
        if (m <= r) {
            npn = m;
            mm(CblasConjTrans, r, m, r, one, C2 + m, k, H + m, k, zero, s.B, r);
            if (LAPACKE_zgeqrf_work(LAPACK_COL_MAJOR, r, m, s.B, r, s.tau, s.work, s.lwork) != 0 ||
                LAPACKE_zungqr_work(LAPACK_COL_MAJOR, r, m, m, s.B, r, s.tau, s.work, s.lwork) != 0) {
                rc = fu_fail(err, FU_ELIB, "lobpcg: QR of the search directions failed");
                goto fail;
            }
        } else { /* fewer directions than vectors: keep all of span(C2) */
            npn = r;
            memset(s.B, 0, sizeof(cplx) * (size_t)r * r);
            for (int a = 0; a < r; a++) s.B[a + (size_t)a * r] = 1;
        }
        mm(CblasNoTrans, k, npn, r, one, C2, k, s.B, r, zero, s.Zc, k);
        /* PP = Q^H diag(w2) Q */
        for (int b = 0; b < npn; b++)
            for (int a = 0; a < r; a++) s.S[a + (size_t)b * r] = s.w[m + a] * s.B[a + (size_t)b * r];
        mm(CblasConjTrans, npn, npn, r, one, s.B, r, s.S, r, zero, s.PP, npn);
        hermitianize(s.PP, npn, npn);

        mm(CblasNoTrans, n, npn, k, one, Y, n, s.Zc, k, zero, T + nm, n);
        memcpy(Y, X, sizeof(cplx) * nm);
        memcpy(Y + nm, T + nm, sizeof(cplx) * (size_t)n * npn);
        mm(CblasNoTrans, n, npn, k, one, AY, n, s.Zc, k, zero, X, n);
        memcpy(AY, T, sizeof(cplx) * nm);
        memcpy(AY + nm, X, sizeof(cplx) * (size_t)n * npn);
        np = npn;
    }

    if (!x_in_user) memcpy(X, Y, sizeof(cplx) * nm);
    memcpy(eig, s.lam, sizeof(double) * m);
    st.max_residual = max_head(s.res, nconv);
    st.converged = st.max_residual < tol;
    if (stats) *stats = st;
    ws_free(&s);
    return FU_OK;

fail:
    /* Leave the last orthonormal, finite iterate rather than scratch data. */
    if (started) {
        memcpy(X, Y, sizeof(cplx) * nm);
        memcpy(eig, s.lam, sizeof(double) * m);
    }
    st.max_residual = max_head(s.res, nconv);
    st.converged = 0;
    if (stats) *stats = st;
    ws_free(&s);
    return rc;
}
