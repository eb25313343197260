// labels: unit
/* LOBPCG (fu_lobpcg): eigenpairs against LAPACKE_zheevd of the same matrix,
 * orthonormality, preconditioning, degenerate clusters, warm starts, buffer
 * bands, the dense path, bad starting blocks, maxiter and error paths; and a
 * printed (not asserted) timing against a full dense diagonalisation. */
#include "check.h"

#include <complex.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cblas.h>
#include <lapacke.h>

#include "dft/eigensolver.h"

typedef double complex cplx;

/* Test operator: dense Hermitian A, or diagonal d plus a Hermitian band of
 * couplings off[b*n + i] between i and i+b+1 (matrix-free, for large n). */
typedef struct {
    int n;
    const cplx *A;
    const double *d;
    const cplx *off;
    int band;
    int maxm;      /* largest block passed to apply / precond */
    int poison_at; /* apply call from which NaNs are returned (0: never) */
    int calls;
} op_t;

static void op_apply(void *ctx, int m, const cplx *X, cplx *Y) {
    op_t *o = ctx;
    int n = o->n;
    o->calls++;
    if (m > o->maxm) o->maxm = m;
    if (o->A) {
        const cplx one = 1, zero = 0;
        cblas_zgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, n, m, n, &one, o->A, n, X, n, &zero, Y, n);
    } else {
        for (int j = 0; j < m; j++) {
            const cplx *x = X + (size_t)j * n;
            cplx *y = Y + (size_t)j * n;
            for (int i = 0; i < n; i++) y[i] = o->d[i] * x[i];
            for (int b = 0; b < o->band; b++)
                for (int i = 0; i + b + 1 < n; i++) {
                    cplx c = o->off[(size_t)b * n + i];
                    y[i] += c * x[i + b + 1];
                    y[i + b + 1] += conj(c) * x[i];
                }
        }
    }
    if (o->poison_at && o->calls >= o->poison_at) Y[0] = NAN;
}

/* Teter-Payne-Allan-like diagonal preconditioner: <T>/(<T> + d_i), with the
 * Ritz value standing in for the band's kinetic energy. */
static void op_precond(void *ctx, int m, const double *ritz, cplx *R) {
    op_t *o = ctx;
    if (m > o->maxm) o->maxm = m;
    for (int j = 0; j < m; j++) {
        double t = 1.0 + (ritz[j] > 0 ? ritz[j] : 0);
        for (int i = 0; i < o->n; i++) R[(size_t)j * o->n + i] *= t / (t + o->d[i]);
    }
}

static uint64_t rng_state = 12345;
static double urand(void) { /* in [0,1) */
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (double)(rng_state >> 11) * 0x1.0p-53;
}
static void fill_random(cplx *x, size_t len) {
    for (size_t i = 0; i < len; i++) x[i] = (urand() - 0.5) + I * (urand() - 0.5);
}

/* A = Q diag(lam) Q^H with Q a random unitary (QR of a random matrix). */
static cplx *known_spectrum(int n, const double *lam) {
    cplx *Q = malloc(sizeof(cplx) * n * n), *A = malloc(sizeof(cplx) * n * n),
         *QL = malloc(sizeof(cplx) * n * n), *tau = malloc(sizeof(cplx) * n);
    fill_random(Q, (size_t)n * n);
    LAPACKE_zgeqrf(LAPACK_COL_MAJOR, n, n, Q, n, tau);
    LAPACKE_zungqr(LAPACK_COL_MAJOR, n, n, n, Q, n, tau);
    for (int j = 0; j < n; j++)
        for (int i = 0; i < n; i++) QL[i + (size_t)j * n] = Q[i + (size_t)j * n] * lam[j];
    const cplx one = 1, zero = 0;
    cblas_zgemm(CblasColMajor, CblasNoTrans, CblasConjTrans, n, n, n, &one, QL, n, Q, n, &zero, A, n);
    for (int j = 0; j < n; j++) /* exactly Hermitian */
        for (int i = 0; i <= j; i++) {
            cplx v = 0.5 * (A[i + (size_t)j * n] + conj(A[j + (size_t)i * n]));
            A[i + (size_t)j * n] = v;
            A[j + (size_t)i * n] = conj(v);
        }
    free(Q);
    free(QL);
    free(tau);
    return A;
}

/* Hamiltonian-like: diagonal 1/2|G|^2-like values 0..50 (plane-wave density
 * of states, E ~ i^(2/3)) plus a small dense Hermitian perturbation. */
static cplx *ham_like(int n, double *d, double vscale) {
    cplx *A = malloc(sizeof(cplx) * n * n);
    for (int i = 0; i < n; i++) d[i] = 50.0 * pow((double)i / n, 2.0 / 3.0);
    for (int j = 0; j < n; j++)
        for (int i = 0; i <= j; i++) {
            cplx v = i == j ? d[i] + vscale * (urand() - 0.5)
                            : vscale / sqrt(n) * ((urand() - 0.5) + I * (urand() - 0.5));
            A[i + (size_t)j * n] = v;
            A[j + (size_t)i * n] = conj(v);
        }
    return A;
}

/* LAPACKE_zheevd with spare zeroed space after the matrix and the work
 * array: Debian 12's OpenBLAS 0.3.21 zgemv_n kernel (used by zhetrd) reads
 * past their ends (OpenBLAS issue #4013), which faults under ASan. */
static int heevd(int n, cplx *A, double *w, char jobz) {
    cplx wq;
    double rq;
    lapack_int iq;
    if (LAPACKE_zheevd_work(LAPACK_COL_MAJOR, jobz, 'U', n, A, n, w, &wq, -1, &rq, -1, &iq, -1) != 0) return -1;
    lapack_int lw = (lapack_int)creal(wq), lr = (lapack_int)rq;
    cplx *work = calloc((size_t)lw + 8 * (size_t)n + 64, sizeof(cplx));
    double *rwork = malloc(sizeof(double) * lr);
    lapack_int *iwork = malloc(sizeof(lapack_int) * iq);
    int info = LAPACKE_zheevd_work(LAPACK_COL_MAJOR, jobz, 'U', n, A, n, w, work, lw, rwork, lr, iwork, iq);
    free(work);
    free(rwork);
    free(iwork);
    return info;
}

static cplx *padded_matrix(int n) { return calloc((size_t)n * n + 8 * (size_t)n + 64, sizeof(cplx)); }

static double *ref_eig(int n, const cplx *A) {
    cplx *B = padded_matrix(n);
    double *w = malloc(sizeof(double) * n);
    memcpy(B, A, sizeof(cplx) * n * n);
    if (heevd(n, B, w, 'N') != 0) w[0] = NAN;
    free(B);
    return w;
}

static double orth_err(int n, int m, const cplx *X) {
    cplx *G = malloc(sizeof(cplx) * m * m);
    const cplx one = 1, zero = 0;
    cblas_zgemm(CblasColMajor, CblasConjTrans, CblasNoTrans, m, m, n, &one, X, n, X, n, &zero, G, m);
    double e = 0;
    for (int j = 0; j < m; j++)
        for (int i = 0; i < m; i++) e = fmax(e, cabs(G[i + j * m] - (i == j ? 1.0 : 0.0)));
    free(G);
    return e;
}

/* max_{j<m} ||A x_j - eig_j x_j|| with A applied afresh. */
static double true_residual(op_t *o, int m, const cplx *X, const double *eig) {
    int n = o->n;
    cplx *AX = malloc(sizeof(cplx) * n * m);
    op_apply(o, m, X, AX);
    double r = 0;
    for (int j = 0; j < m; j++) {
        double s = 0;
        for (int i = 0; i < n; i++) {
            cplx z = AX[i + (size_t)j * n] - eig[j] * X[i + (size_t)j * n];
            s += creal(z) * creal(z) + cimag(z) * cimag(z);
        }
        r = fmax(r, sqrt(s));
    }
    free(AX);
    return r;
}

static int all_finite(const cplx *x, size_t len) {
    for (size_t i = 0; i < len; i++)
        if (!isfinite(creal(x[i])) || !isfinite(cimag(x[i]))) return 0;
    return 1;
}

static double max_eig_diff(int m, const double *a, const double *b) {
    double e = 0;
    for (int j = 0; j < m; j++) e = fmax(e, fabs(a[j] - b[j]));
    return e;
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

static void test_known_spectrum(void) {
    const int n = 200, nev = 8;
    double lam[200];
    for (int i = 0; i < n; i++) lam[i] = -3.0 + 10.0 * urand();
    cplx *A = known_spectrum(n, lam);
    double *w = ref_eig(n, A);
    op_t o = {.n = n, .A = A};
    cplx *X = malloc(sizeof(cplx) * n * nev);
    double eig[8];
    fill_random(X, (size_t)n * nev);
    fu_eig_stats st;
    fu_err err = {0};
    int rc = fu_lobpcg(n, nev, nev, X, eig, op_apply, NULL, &o, 1e-9, 500, &st, &err);
    CHECK(rc == FU_OK, "random Hermitian matrix: LOBPCG succeeds");
    CHECK(st.converged == 1 && st.iterations > 0, "random Hermitian matrix: converged after some iterations");
    CHECK(max_eig_diff(nev, eig, w) < 1e-10, "eigenvalues match LAPACKE_zheevd of the same matrix to 1e-10");
    CHECK(orth_err(n, nev, X) < 1e-12, "returned eigenvectors are orthonormal to 1e-12");
    double tr = true_residual(&o, nev, X, eig);
    CHECK(tr < 1e-9, "residuals recomputed with A (not the implicit AX) are below tol");
    CHECK_CLOSE(st.max_residual, tr, 1e-11, "stats.max_residual agrees with the true residual");
    CHECK(st.n_applies >= nev && o.maxm <= nev, "A applied to >= nev vectors, never more than nev at once");
    printf("known spectrum n=%d nev=%d: %d iterations, %d applies, max res %.2e, orth %.1e\n", n, nev,
           st.iterations, st.n_applies, st.max_residual, orth_err(n, nev, X));
    rc = fu_lobpcg(n, nev, nev, X, eig, op_apply, NULL, &o, 1e-9, 500, NULL, NULL);
    CHECK(rc == FU_OK && max_eig_diff(nev, eig, w) < 1e-10, "stats and err may be NULL");
    free(A);
    free(w);
    free(X);
}

static void test_preconditioner_warm_buffer(void) {
    const int n = 500, nev = 10;
    double *d = malloc(sizeof(double) * n);
    cplx *A = ham_like(n, d, 1.0);
    double *w = ref_eig(n, A);
    op_t o = {.n = n, .A = A, .d = d};
    cplx *X0 = malloc(sizeof(cplx) * n * 12), *X = malloc(sizeof(cplx) * n * 12);
    double eig[12];
    fill_random(X0, (size_t)n * 12);
    fu_eig_stats sp, sn, sw;
    fu_err err = {0};

    memcpy(X, X0, sizeof(cplx) * n * nev);
    int rc = fu_lobpcg(n, nev, nev, X, eig, op_apply, NULL, &o, 1e-8, 1000, &sn, &err);
    CHECK(rc == FU_OK && sn.converged, "Hamiltonian-like matrix converges without preconditioner");
    CHECK(max_eig_diff(nev, eig, w) < 1e-10, "unpreconditioned eigenvalues match zheevd to 1e-10");

    memcpy(X, X0, sizeof(cplx) * n * nev);
    rc = fu_lobpcg(n, nev, nev, X, eig, op_apply, op_precond, &o, 1e-8, 1000, &sp, &err);
    CHECK(rc == FU_OK && sp.converged, "Hamiltonian-like matrix converges with the TPA-like preconditioner");
    CHECK(max_eig_diff(nev, eig, w) < 1e-10, "preconditioned eigenvalues match zheevd to 1e-10");
    CHECK(orth_err(n, nev, X) < 1e-12, "preconditioned eigenvectors orthonormal to 1e-12");
    CHECK(true_residual(&o, nev, X, eig) < 1e-8, "preconditioned run: true residuals below tol");
    CHECK(2 * sp.iterations <= sn.iterations, "diagonal preconditioner needs at most half the iterations");
    printf("hamiltonian-like n=%d nev=%d tol 1e-8: %d iterations (%d applies) preconditioned vs %d (%d) without\n",
           n, nev, sp.iterations, sp.n_applies, sn.iterations, sn.n_applies);

    /* Warm start from the converged vectors. */
    rc = fu_lobpcg(n, nev, nev, X, eig, op_apply, op_precond, &o, 1e-8, 1000, &sw, &err);
    CHECK(rc == FU_OK && sw.converged && sw.iterations <= 1,
          "warm start from converged vectors converges within 1 iteration");
    CHECK(max_eig_diff(nev, eig, w) < 1e-10, "warm start keeps the eigenvalues");

    /* SCF-like: the operator moves a little, the old vectors are the guess. */
    cplx *A2 = malloc(sizeof(cplx) * n * n);
    memcpy(A2, A, sizeof(cplx) * n * n);
    for (int j = 0; j < n; j++)
        for (int i = 0; i <= j; i++) {
            cplx v = 1e-3 * (i == j ? urand() - 0.5 : ((urand() - 0.5) + I * (urand() - 0.5)) / sqrt(n));
            A2[i + (size_t)j * n] += v;
            if (i != j) A2[j + (size_t)i * n] += conj(v);
        }
    op_t o2 = {.n = n, .A = A2, .d = d};
    double *w2 = ref_eig(n, A2);
    fu_eig_stats sc;
    rc = fu_lobpcg(n, nev, nev, X, eig, op_apply, op_precond, &o2, 1e-9, 1000, &sw, &err);
    CHECK(rc == FU_OK && sw.converged && max_eig_diff(nev, eig, w2) < 1e-10,
          "warm start on a perturbed operator converges to its eigenvalues");
    memcpy(X, X0, sizeof(cplx) * n * nev);
    rc = fu_lobpcg(n, nev, nev, X, eig, op_apply, op_precond, &o2, 1e-9, 1000, &sc, &err);
    CHECK(rc == FU_OK && sw.iterations < sc.iterations, "warm start beats a cold start on a perturbed operator");
    printf("perturbed operator tol 1e-9: warm start %d iterations, cold %d\n", sw.iterations, sc.iterations);

    /* Buffer bands: nev = 12, only the first 6 must converge. */
    fu_eig_stats s6, s12;
    memcpy(X, X0, sizeof(cplx) * n * 12);
    rc = fu_lobpcg(n, 12, 6, X, eig, op_apply, op_precond, &o, 1e-9, 1000, &s6, &err);
    CHECK(rc == FU_OK && s6.converged, "nconv = 6 < nev = 12 converges");
    CHECK(max_eig_diff(6, eig, w) < 1e-10, "the nconv checked eigenvalues match zheevd to 1e-10");
    CHECK(true_residual(&o, 6, X, eig) < 1e-9, "the nconv checked vectors have true residual below tol");
    CHECK_CLOSE(s6.max_residual, true_residual(&o, 6, X, eig), 1e-11,
                "stats.max_residual is taken over the first nconv vectors only");
    CHECK(orth_err(n, 12, X) < 1e-12, "all nev vectors (buffer included) orthonormal");
    double buf = true_residual(&o, 12, X, eig);
    memcpy(X, X0, sizeof(cplx) * n * 12);
    rc = fu_lobpcg(n, 12, 12, X, eig, op_apply, op_precond, &o, 1e-9, 1000, &s12, &err);
    CHECK(rc == FU_OK && s12.converged && s6.iterations <= s12.iterations,
          "checking fewer vectors never takes more iterations");
    printf("buffer: nconv 6 of 12: %d iterations (buffer max res %.1e), nconv 12: %d iterations\n",
           s6.iterations, buf, s12.iterations);

    /* Split tolerances (the SCF's occupied/empty bands): the first 6 to
     * 1e-9, vectors 7-10 to 1e-5, 11-12 a passive buffer. Each vector
     * 7-10 must end below tol_rest, its Ritz value then within
     * tol_rest² / gap of the exact one (gap to the rest of the spectrum
     * >= 1e-2 here: 1e-8 is a safe bound), and the split must cost fewer
     * applications than converging all 10 to 1e-9. */
    fu_eig_stats ss, s10, sact;
    memcpy(X, X0, sizeof(cplx) * n * 12);
    rc = fu_lobpcg_split(n, 12, 6, 10, X, eig, op_apply, op_precond, &o, 1e-9, 1e-5, 1000, &ss,
                         &err);
    CHECK(rc == FU_OK && ss.converged, "split tolerances converge");
    CHECK(true_residual(&o, 6, X, eig) < 1e-9, "split: first nconv vectors below tol 1e-9");
    double rest = 0;
    for (int j = 6; j < 10; j++) rest = fmax(rest, true_residual(&o, 1, X + (size_t)j * n, eig + j));
    CHECK(rest < 1e-5, "split: vectors 7-10 below tol_rest 1e-5");
    CHECK(max_eig_diff(6, eig, w) < 1e-10, "split: checked eigenvalues match zheevd to 1e-10");
    double rest_err = max_eig_diff(4, eig + 6, w + 6);
    CHECK(rest_err < 1e-8, "split: eigenvalues 7-10 within 1e-8 of zheevd");
    memcpy(X, X0, sizeof(cplx) * n * 12);
    rc = fu_lobpcg(n, 12, 10, X, eig, op_apply, op_precond, &o, 1e-9, 1000, &s10, &err);
    CHECK(rc == FU_OK && ss.n_applies < s10.n_applies, "split: fewer applications than all 10 to 1e-9");
    printf("split 1e-9/1e-5: %d applications (vectors 7-10: residual %.1e, eigenvalue error %.1e); "
           "all 10 to 1e-9: %d\n", ss.n_applies, rest, rest_err, s10.n_applies);
    /* The same with the buffer searching too (nsearch = nev): the passive
     * buffer must save applications, since A is applied to no direction of
     * its own, and the wanted vectors must reach the same tolerances. */
    memcpy(X, X0, sizeof(cplx) * n * 12);
    rc = fu_lobpcg_split(n, 12, 6, 12, X, eig, op_apply, op_precond, &o, 1e-9, 1e-5, 1000, &sact,
                         &err);
    CHECK(rc == FU_OK && sact.converged, "split, searching buffer: converges");
    CHECK(ss.n_applies < sact.n_applies, "split: passive buffer needs fewer applications");
    printf("split, buffer 11-12 passive: %d applications, searching: %d\n", ss.n_applies,
           sact.n_applies);
    /* The first vector converged from the start (an SCF step whose one
     * occupied band needs nothing): vectors 2-10 must still reach tol_rest
     * instead of staying where they started. Start: the converged lowest
     * vector, the others perturbed by 1e-2 and kept orthogonal to it. */
    fu_eig_stats sh;
    for (int j = 1; j < 12; j++) {
        cplx *x = X + (size_t)j * n, dot = 0;
        for (int i = 0; i < n; i++) x[i] += 1e-2 * ((urand() - 0.5) + I * (urand() - 0.5));
        for (int i = 0; i < n; i++) dot += conj(X[i]) * x[i];
        for (int i = 0; i < n; i++) x[i] -= dot * X[i];
    }
    rc = fu_lobpcg_split(n, 12, 1, 10, X, eig, op_apply, op_precond, &o, 1e-8, 1e-5, 1000, &sh,
                         &err);
    double late = 0;
    for (int j = 1; j < 10; j++) late = fmax(late, true_residual(&o, 1, X + (size_t)j * n, eig + j));
    CHECK(rc == FU_OK && sh.converged, "split, first vector converged at the start: converges");
    CHECK(late < 1e-5, "split, first vector converged at the start: vectors 2-10 below tol_rest");
    CHECK(max_eig_diff(10, eig, w) < 1e-8, "split, first vector converged at the start: "
                                           "eigenvalues 1-10 within 1e-8 of zheevd");
    printf("split, head converged at the start: %d iterations, vectors 2-10 residual %.1e\n",
           sh.iterations, late);
    rc = fu_lobpcg_split(n, 12, 6, 10, X, eig, op_apply, op_precond, &o, 1e-9, 1e-10, 10, &ss,
                         &err);
    CHECK(rc == FU_EINPUT, "split: tol_rest < tol rejected");
    rc = fu_lobpcg_split(n, 12, 6, 5, X, eig, op_apply, op_precond, &o, 1e-9, 1e-5, 10, &ss, &err);
    CHECK(rc == FU_EINPUT, "split: nsearch < nconv rejected");
    rc = fu_lobpcg_split(n, 12, 6, 13, X, eig, op_apply, op_precond, &o, 1e-9, 1e-5, 10, &ss, &err);
    CHECK(rc == FU_EINPUT, "split: nsearch > nev rejected");

    /* maxiter reached: FU_OK, converged = 0, finite Ritz upper bounds. */
    fu_eig_stats sm;
    memcpy(X, X0, sizeof(cplx) * n * nev);
    rc = fu_lobpcg(n, nev, nev, X, eig, op_apply, NULL, &o, 1e-12, 3, &sm, &err);
    CHECK(rc == FU_OK && sm.converged == 0 && sm.iterations == 3, "maxiter reached -> FU_OK, converged = 0");
    CHECK(all_finite(X, (size_t)n * nev) && orth_err(n, nev, X) < 1e-12,
          "after maxiter the vectors are finite and orthonormal");
    int upper = 1;
    for (int j = 0; j < nev; j++) upper &= isfinite(eig[j]) && eig[j] >= w[j] - 1e-12;
    CHECK(upper, "after maxiter the Ritz values are finite upper bounds of the eigenvalues");
    memcpy(X, X0, sizeof(cplx) * n * nev);
    rc = fu_lobpcg(n, nev, nev, X, eig, op_apply, NULL, &o, 1e-12, 0, &sm, &err);
    CHECK(rc == FU_OK && sm.iterations == 0 && sm.converged == 0 && sm.n_applies == nev,
          "maxiter = 0 is a Rayleigh-Ritz step on the guess only");
    CHECK(o.maxm <= 12, "apply/precond never see more than nev vectors at once");

    free(d);
    free(A);
    free(A2);
    free(w);
    free(w2);
    free(X0);
    free(X);
}

static void test_degenerate(void) {
    const int n = 120;
    double lam[120];
    lam[0] = lam[1] = lam[2] = 1.0;
    lam[3] = 2.0;
    lam[4] = 2.5;
    for (int i = 5; i < n; i++) lam[i] = 3.0 + 5.0 * urand();
    cplx *A = known_spectrum(n, lam);
    double *w = ref_eig(n, A);
    op_t o = {.n = n, .A = A};
    const int nev = 5;
    cplx *X = malloc(sizeof(cplx) * n * nev);
    double eig[5];
    fill_random(X, (size_t)n * nev);
    fu_eig_stats st;
    fu_err err = {0};
    int rc = fu_lobpcg(n, nev, nev, X, eig, op_apply, NULL, &o, 1e-9, 500, &st, &err);
    CHECK(rc == FU_OK && st.converged, "triply degenerate lowest eigenvalue: converges");
    CHECK(fabs(eig[0] - 1) < 1e-10 && fabs(eig[1] - 1) < 1e-10 && fabs(eig[2] - 1) < 1e-10,
          "triply degenerate eigenvalue found three times");
    CHECK(max_eig_diff(nev, eig, w) < 1e-10, "degenerate case matches zheevd to 1e-10");
    CHECK(orth_err(n, nev, X) < 1e-12, "degenerate eigenvectors orthonormal (span the cluster)");
    CHECK(true_residual(&o, 3, X, eig) < 1e-9, "each of the three vectors lies in the eigenspace");
    free(A);

    /* Cluster cut by the nev boundary: eigenvalues 0, .5, 1, 1 | 1, ... */
    double lam2[120];
    lam2[0] = 0;
    lam2[1] = 0.5;
    lam2[2] = lam2[3] = lam2[4] = 1.0;
    for (int i = 5; i < n; i++) lam2[i] = 2.0 + 5.0 * urand();
    A = known_spectrum(n, lam2);
    o.A = A;
    fill_random(X, (size_t)n * 4);
    rc = fu_lobpcg(n, 4, 4, X, eig, op_apply, NULL, &o, 1e-9, 500, &st, &err);
    CHECK(rc == FU_OK && st.converged, "degenerate cluster straddling nev: converges");
    CHECK(fabs(eig[2] - 1) < 1e-10 && fabs(eig[3] - 1) < 1e-10 && fabs(eig[0]) < 1e-10,
          "degenerate cluster straddling nev: eigenvalues 0, .5, 1, 1");
    free(A);
    free(w);
    free(X);
}

static void test_dense_fallback(void) {
    const int n = 20, nev = 6;
    double lam[20];
    for (int i = 0; i < n; i++) lam[i] = 4.0 * urand() - 1.0;
    cplx *A = known_spectrum(n, lam);
    double *w = ref_eig(n, A);
    op_t o = {.n = n, .A = A};
    cplx X[20 * 6];
    double eig[6];
    fill_random(X, (size_t)n * nev);
    fu_eig_stats st;
    fu_err err = {0};
    int rc = fu_lobpcg(n, nev, 3, X, eig, op_apply, NULL, &o, 1e-9, 100, &st, &err);
    CHECK(rc == FU_OK && st.converged && st.iterations == 0 && st.n_applies == n,
          "n < 3 nev + 5 takes the dense path (no iterations, A applied to the identity)");
    CHECK(max_eig_diff(nev, eig, w) < 1e-12, "dense path eigenvalues match zheevd");
    CHECK(orth_err(n, nev, X) < 1e-13, "dense path eigenvectors orthonormal");
    CHECK(true_residual(&o, nev, X, eig) < 1e-12, "dense path residuals at rounding level");
    CHECK(o.maxm <= nev, "dense path applies A to at most nev vectors at once");
    free(A);
    free(w);
}

static void test_bad_guess_and_errors(void) {
    const int n = 150, nev = 6;
    double lam[150];
    for (int i = 0; i < n; i++) lam[i] = (double)i / 10 + 0.05 * urand();
    cplx *A = known_spectrum(n, lam);
    double *w = ref_eig(n, A);
    op_t o = {.n = n, .A = A};
    cplx *X = malloc(sizeof(cplx) * n * nev);
    double eig[6];
    fill_random(X, (size_t)n * nev);
    memcpy(X + n, X, sizeof(cplx) * n);         /* column 1 == column 0 */
    memset(X + 3 * n, 0, sizeof(cplx) * n);     /* column 3 == 0 */
    for (int i = 0; i < n; i++) X[4 * n + i] = X[2 * n + i] * 2.0; /* column 4 = 2 column 2 */
    fu_eig_stats st;
    fu_err err = {0};
    int rc = fu_lobpcg(n, nev, nev, X, eig, op_apply, NULL, &o, 1e-9, 500, &st, &err);
    CHECK(rc == FU_OK && st.converged, "rank-deficient guess (equal, zero, parallel columns) converges");
    CHECK(all_finite(X, (size_t)n * nev), "rank-deficient guess: no NaN in the vectors");
    CHECK(max_eig_diff(nev, eig, w) < 1e-10, "rank-deficient guess: eigenvalues match zheevd");
    CHECK(orth_err(n, nev, X) < 1e-12, "rank-deficient guess: vectors orthonormal");

    /* Identical columns in the dense path too (leading 15 x 15 block). */
    cplx Xd[15 * 4];
    cplx *A15 = malloc(sizeof(cplx) * 15 * 15);
    for (int j = 0; j < 15; j++)
        for (int i = 0; i < 15; i++) A15[i + j * 15] = A[i + (size_t)j * n];
    op_t od = {.n = 15, .A = A15};
    fill_random(Xd, 15 * 4);
    memcpy(Xd + 15, Xd, sizeof(cplx) * 15);
    rc = fu_lobpcg(15, 4, 4, Xd, eig, op_apply, NULL, &od, 1e-9, 10, &st, &err);
    CHECK(rc == FU_OK && all_finite(Xd, 15 * 4) && orth_err(15, 4, Xd) < 1e-13,
          "dense path ignores a rank-deficient guess");

    /* Operator returning NaN: an error, never NaN output. */
    o.poison_at = 3;
    o.calls = 0;
    fill_random(X, (size_t)n * nev);
    for (int j = 0; j < nev; j++) eig[j] = 0;
    err.msg[0] = 0;
    rc = fu_lobpcg(n, nev, nev, X, eig, op_apply, NULL, &o, 1e-9, 500, &st, &err);
    CHECK(rc == FU_EPHYS && err.code == FU_EPHYS && strlen(err.msg) > 0 && !strchr(err.msg, '\n'),
          "NaN from the operator -> FU_EPHYS with a one-line message");
    int fin = all_finite(X, (size_t)n * nev);
    for (int j = 0; j < nev; j++) fin &= isfinite(eig[j]);
    CHECK(fin && st.converged == 0, "NaN from the operator: returned vectors and values stay finite");
    o.poison_at = 0;

    /* Bad arguments. */
    rc = fu_lobpcg(n, nev, 0, X, eig, op_apply, NULL, &o, 1e-9, 10, &st, &err);
    CHECK(rc == FU_EINPUT, "nconv = 0 rejected");
    rc = fu_lobpcg(n, nev, nev + 1, X, eig, op_apply, NULL, &o, 1e-9, 10, &st, &err);
    CHECK(rc == FU_EINPUT, "nconv > nev rejected");
    rc = fu_lobpcg(4, 5, 5, X, eig, op_apply, NULL, &o, 1e-9, 10, &st, &err);
    CHECK(rc == FU_EINPUT, "nev > n rejected");
    rc = fu_lobpcg(n, nev, nev, X, eig, NULL, NULL, &o, 1e-9, 10, &st, &err);
    CHECK(rc == FU_EINPUT, "NULL apply rejected");
    rc = fu_lobpcg(n, nev, nev, X, eig, op_apply, NULL, &o, NAN, 10, &st, &err);
    CHECK(rc == FU_EINPUT, "NaN tolerance rejected");
    rc = fu_lobpcg(n, nev, nev, X, eig, op_apply, NULL, &o, 1e-9, -1, &st, &err);
    CHECK(rc == FU_EINPUT, "negative maxiter rejected");
    X[5] = NAN;
    rc = fu_lobpcg(n, nev, nev, X, eig, op_apply, NULL, &o, 1e-9, 10, &st, &err);
    CHECK(rc == FU_EINPUT, "non-finite starting vectors rejected");
    free(A);
    free(A15);
    free(w);
    free(X);
}

/* Shift-invert diagonal "preconditioner" 1/(d_i - ritz): on a diagonal
 * operator it maps each residual exactly onto its own Ritz vector. */
static void shift_invert(void *ctx, int m, const double *ritz, cplx *R) {
    op_t *o = ctx;
    for (int j = 0; j < m; j++)
        for (int i = 0; i < o->n; i++) {
            double den = o->d[i] - ritz[j];
            if (fabs(den) < 1e-8) den = den < 0 ? -1e-8 : 1e-8;
            R[(size_t)j * o->n + i] /= den;
        }
}

static void test_awkward_operators(void) {
    fu_eig_stats st;
    fu_err err = {0};
    double eig[10];
    /* Diagonal operator + shift-invert: every preconditioned residual lies
     * in span(X), the [X W P] basis would be singular. */
    {
        const int n = 300, nev = 10;
        double *d = malloc(sizeof(double) * n);
        cplx *A = calloc((size_t)n * n, sizeof(cplx));
        for (int i = 0; i < n; i++) A[i + (size_t)i * n] = d[i] = 0.01 * i;
        op_t o = {.n = n, .A = A, .d = d};
        cplx *X = malloc(sizeof(cplx) * n * nev);
        fill_random(X, (size_t)n * nev);
        int rc = fu_lobpcg(n, nev, nev, X, eig, op_apply, shift_invert, &o, 1e-10, 300, &st, &err);
        int ok = 1;
        for (int j = 0; j < nev; j++) ok &= fabs(eig[j] - 0.01 * j) < 1e-12;
        CHECK(rc == FU_OK && st.converged && ok,
              "preconditioner mapping residuals into span(X): falls back to plain residuals, converges");
        CHECK(all_finite(X, (size_t)n * nev) && orth_err(n, nev, X) < 1e-12,
              "dependent preconditioned residuals: vectors finite and orthonormal");
        free(d);
        free(A);
        free(X);
    }
    /* Smallest size taking the iterative path: the subspace [X W P] nearly
     * fills the space (3 nev of n = 3 nev + 5 dimensions). */
    {
        const int n = 35, nev = 10;
        double lam[35];
        for (int i = 0; i < n; i++) lam[i] = urand();
        cplx *A = known_spectrum(n, lam);
        double *w = ref_eig(n, A);
        op_t o = {.n = n, .A = A};
        cplx X[35 * 10];
        fill_random(X, (size_t)n * nev);
        int rc = fu_lobpcg(n, nev, nev, X, eig, op_apply, NULL, &o, 1e-11, 300, &st, &err);
        CHECK(rc == FU_OK && st.converged && st.iterations > 0 && max_eig_diff(nev, eig, w) < 1e-12,
              "n = 3 nev + 5 (iterative path, nearly full subspace) converges to zheevd's values");
        CHECK(orth_err(n, nev, X) < 1e-12, "n = 3 nev + 5: vectors orthonormal");
        free(A);
        free(w);
    }
    /* Zero operator: converged at once, no division by a zero residual. */
    {
        const int n = 60, nev = 4;
        cplx *A = calloc((size_t)n * n, sizeof(cplx)), X[60 * 4];
        op_t o = {.n = n, .A = A};
        fill_random(X, (size_t)n * nev);
        int rc = fu_lobpcg(n, nev, nev, X, eig, op_apply, NULL, &o, 1e-12, 10, &st, &err);
        CHECK(rc == FU_OK && st.converged && st.iterations == 0 && fabs(eig[0]) < 1e-15 &&
                  all_finite(X, (size_t)n * nev),
              "zero operator: eigenvalues 0 after the initial Rayleigh-Ritz step");
        free(A);
    }
}

/* Banded Hamiltonian-like operator (matrix-free) for the timing. */
static void banded(int n, int band, double *d, cplx *off) {
    for (int i = 0; i < n; i++) d[i] = 50.0 * pow((double)i / n, 2.0 / 3.0) + 0.5 * (urand() - 0.5);
    for (int b = 0; b < band; b++)
        for (int i = 0; i < n; i++) off[(size_t)b * n + i] = 0.3 * ((urand() - 0.5) + I * (urand() - 0.5));
}

static double dense_time(int n, int band, const double *d, const cplx *off, double *w) {
    cplx *A = padded_matrix(n);
    if (!A) return NAN;
    op_t o = {.n = n, .d = d, .off = off, .band = band};
    for (int j = 0; j < n; j++) A[j + (size_t)j * n] = 1;
    cplx *E = malloc(sizeof(cplx) * n * n);
    memcpy(E, A, sizeof(cplx) * n * n);
    op_apply(&o, n, E, A);
    free(E);
    double t = now();
    int info = heevd(n, A, w, 'V');
    t = now() - t;
    free(A);
    return info == 0 ? t : NAN;
}

static void test_timing(void) {
    const int band = 3, nev = 16;
    int sizes[2] = {1000, 5000};
    double t1000 = NAN;
    for (int s = 0; s < 2; s++) {
        int n = sizes[s];
        double *d = malloc(sizeof(double) * n), *w = malloc(sizeof(double) * n);
        cplx *off = malloc(sizeof(cplx) * n * band), *X = malloc(sizeof(cplx) * n * nev);
        double eig[16];
        banded(n, band, d, off);
        op_t o = {.n = n, .d = d, .off = off, .band = band};
        fill_random(X, (size_t)n * nev);
        fu_eig_stats st;
        fu_err err = {0};
        double t = now();
        int rc = fu_lobpcg(n, nev, nev, X, eig, op_apply, op_precond, &o, 1e-9, 500, &st, &err);
        t = now() - t;
        CHECK(rc == FU_OK && st.converged, "timing problem converges");
        CHECK(true_residual(&o, nev, X, eig) < 1e-9, "timing problem: true residuals below tol");
        int full = n <= 1000 || getenv("FURUI_EIG_BENCH");
        double td = full ? dense_time(n, band, d, off, w) : NAN;
        if (full) CHECK(max_eig_diff(nev, eig, w) < 1e-10, "timing problem: eigenvalues match zheevd");
        if (n == 1000) t1000 = td;
        if (full)
            printf("timing n=%d nev=%d tol 1e-9: LOBPCG %.3f s (%d iterations, %d applies), zheevd %.3f s\n",
                   n, nev, t, st.iterations, st.n_applies, td);
        else
            printf("timing n=%d nev=%d tol 1e-9: LOBPCG %.3f s (%d iterations, %d applies), zheevd ~%.0f s "
                   "(n^3 from n=1000; FURUI_EIG_BENCH=1 measures it)\n",
                   n, nev, t, st.iterations, st.n_applies, t1000 * 125.0);
        free(d);
        free(w);
        free(off);
        free(X);
    }
}

/* Real symmetric operator for fu_lobpcg_real_split: a dense matrix. */
typedef struct {
    int n, maxm;
    const double *A;
} rop_t;

static void rop_apply(void *ctx, int m, const double *X, double *Y) {
    rop_t *o = ctx;
    if (m > o->maxm) o->maxm = m;
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, o->n, m, o->n, 1.0, o->A, o->n, X, o->n,
                0.0, Y, o->n);
}

static void rop_precond(void *ctx, int m, const double *ritz, double *R) {
    rop_t *o = ctx;
    for (int j = 0; j < m; j++) {
        double t = 1.0 + (ritz[j] > 0 ? ritz[j] : 0);
        for (int i = 0; i < o->n; i++) {
            double d = o->A[i + (size_t)i * o->n];
            R[(size_t)j * o->n + i] *= t / (t + (d > 0 ? d : 0));
        }
    }
}

/* The real path (orbitals at time-reversal-invariant k) against LAPACK's
 * dsyevd: a plane-wave-like real symmetric matrix whose diagonal comes in
 * exactly degenerate pairs (cos/sin of one G), LOBPCG and dense paths. */
static void test_real_symmetric(void) {
    for (int pass = 0; pass < 2; pass++) {
        const int n = pass == 0 ? 300 : 24, nev = 12, nconv = 9, nsearch = 11; /* 12: passive */
        double *A = malloc(sizeof(double) * n * n), *B = calloc((size_t)n * n + 8 * (size_t)n + 64, sizeof(double));
        double *X = malloc(sizeof(double) * n * nev), *w = malloc(sizeof(double) * n), eig[12];
        for (int j = 0; j < n; j++)
            for (int i = 0; i <= j; i++) {
                double v = i == j ? 50.0 * pow((double)(i / 2) / n, 2.0 / 3.0)
                                  : 0.3 / sqrt(n) * (urand() - 0.5);
                A[i + (size_t)j * n] = A[j + (size_t)i * n] = v;
            }
        memcpy(B, A, sizeof(double) * n * n);
        CHECK(LAPACKE_dsyevd(LAPACK_COL_MAJOR, 'N', 'U', n, B, n, w) == 0, "dsyevd reference");
        for (size_t i = 0; i < (size_t)n * nev; i++) X[i] = urand() - 0.5;
        rop_t o = {.n = n, .A = A};
        fu_eig_stats st;
        fu_err err = {0};
        int rc = fu_lobpcg_real_split(n, nev, nconv, nsearch, X, eig, rop_apply, rop_precond, &o,
                                      1e-9, 1e-5, 300, &st, &err);
        if (rc) fprintf(stderr, "real LOBPCG: %s\n", err.msg);
        CHECK(rc == FU_OK && st.converged, "real LOBPCG converges");
        CHECK(pass == 1 ? st.iterations == 0 : st.iterations > 0,
              "n = 300 iterates, n = 24 < 3 nev + 5 takes the dense path");
        double de = 0, derest = 0, orth = 0, res = 0;
        for (int j = 0; j < nev; j++) {
            if (j < nconv) de = fmax(de, fabs(eig[j] - w[j]));
            else if (j < nsearch) derest = fmax(derest, fabs(eig[j] - w[j]));
        }
        double *AX = malloc(sizeof(double) * n * nev);
        rop_apply(&o, nev, X, AX);
        for (int j = 0; j < nev; j++) {
            double s = 0;
            for (int i = 0; i < n; i++) {
                double z = AX[i + (size_t)j * n] - eig[j] * X[i + (size_t)j * n];
                s += z * z;
            }
            if (j < nconv) res = fmax(res, sqrt(s));
            for (int k = 0; k < nev; k++)
                orth = fmax(orth, fabs(cblas_ddot(n, X + (size_t)j * n, 1, X + (size_t)k * n, 1) -
                                       (j == k ? 1.0 : 0.0)));
        }
        /* residual r bounds the eigenvalue error by ~r^2/gap: 1e-9 -> far below 1e-12 */
        CHECK_CLOSE(de, 0, 1e-12, "real: converged eigenvalues match dsyevd");
        CHECK_CLOSE(derest, 0, 1e-8, "real: vectors nconv..nsearch within their 1e-5 residual's reach");
        CHECK_CLOSE(res, 0, 1e-9, "real: residuals of the converged vectors below tol");
        CHECK_CLOSE(orth, 0, 1e-12, "real: eigenvectors orthonormal");
        CHECK(o.maxm <= nev, "real: A applied to at most nev vectors at once");
        free(A);
        free(B);
        free(X);
        free(w);
        free(AX);
    }
}

int main(void) {
    /* Small blocks: OpenBLAS threads only add synchronisation (and under
     * ASan a lot of it); one thread also makes the printed timings fair. */
    if (!getenv("OPENBLAS_NUM_THREADS")) openblas_set_num_threads(1);
    test_known_spectrum();
    test_preconditioner_warm_buffer();
    test_degenerate();
    test_dense_fallback();
    test_real_symmetric();
    test_bad_guess_and_errors();
    test_awkward_operators();
    test_timing();
    CHECK_DONE();
}
