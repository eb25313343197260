/* The distributed subspace solves (src/dft/scalapack.h) against LAPACK on
 * the same matrices: real symmetric and complex Hermitian matrices of orders
 * 1-97 (below, at and across the block size, so that blocks are split
 * unevenly over the process grid) with known spectra that include
 * degenerate eigenvalues. Checked: the eigenvalues against the constructed
 * spectrum and LAPACK's, the eigenvectors by their residual ‖H V - V Λ‖ and
 * orthonormality (not element by element: in a degenerate subspace any
 * orthonormal basis is right), the Cholesky factor against LAPACK's (unique
 * with a positive diagonal), a non-positive-definite matrix giving LAPACK's
 * info, and every result the same bits on every rank. Run on 1 rank (unit)
 * and on 3 and 4 ranks (1 x 3 and 2 x 2 grids: tests/CMakeLists.txt). */
#include <complex.h>
#include <math.h>
#include <mpi.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>
#include <lapacke.h>

#include "check.h"
#include "dft/scalapack.h"

/* The spectrum: 0, 0, 0, 0.3, 0.3, 0.3, ... (exact triple degeneracies, as
 * at a cubic cell's Γ point). */
static double level(int j) { return 0.1 * (j / 3 * 3); }

/* Same bits on every rank: max over ranks of |x - x on rank 0|. */
static double spread(const double *x, size_t n) {
    double *r0 = malloc(sizeof(double) * n);
    memcpy(r0, x, sizeof(double) * n);
    MPI_Bcast(r0, (int)n, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    double d = 0;
    for (size_t i = 0; i < n; i++) d = fmax(d, fabs(x[i] - r0[i]));
    MPI_Allreduce(MPI_IN_PLACE, &d, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    free(r0);
    return d;
}

/* H = Q diag(level) Q^H with Q a random unitary (QR of a random matrix),
 * the same on every rank; complex if cplx. Column-major, ld n. */
static void build(int n, int cplx, double *H, uint64_t seed) {
    double complex *Q = malloc(sizeof(double complex) * n * n), *tau = malloc(sizeof(double complex) * n);
    for (int i = 0; i < n * n; i++) Q[i] = check_random(&seed) + (cplx ? I * check_random(&seed) : 0);
    LAPACKE_zgeqrf(LAPACK_COL_MAJOR, n, n, Q, n, tau);
    LAPACKE_zungqr(LAPACK_COL_MAJOR, n, n, n, Q, n, tau);
    for (int a = 0; a < n; a++)
        for (int b = 0; b < n; b++) {
            double complex v = 0;
            for (int j = 0; j < n; j++) v += Q[a + j * n] * level(j) * conj(Q[b + j * n]);
            if (cplx) {
                H[2 * (a + b * n)] = creal(v);
                H[2 * (a + b * n) + 1] = b == a ? 0 : cimag(v);
            } else {
                H[a + b * n] = creal(v);
            }
        }
    free(Q);
    free(tau);
}

static void eigen(fu_scalapack *g, int n, int cplx) {
    const int per = cplx ? 2 : 1;
    size_t nn = (size_t)n * n * per;
    double *H = malloc(sizeof(double) * nn), *V = malloc(sizeof(double) * nn);
    double *w = malloc(sizeof(double) * n), *wl = malloc(sizeof(double) * n);
    build(n, cplx, H, 1000 + (uint64_t)n);
    memcpy(V, H, sizeof(double) * nn);
    int info = fu_scalapack_heev(g, n, cplx, V, w);
    char what[120];
    snprintf(what, sizeof what, "%s n = %d: ScaLAPACK info 0", cplx ? "complex" : "real", n);
    CHECK(info == 0, what);
    /* LAPACK on the same matrix */
    double *L = malloc(sizeof(double) * nn);
    memcpy(L, H, sizeof(double) * nn);
    if (cplx)
        LAPACKE_zheevd(LAPACK_COL_MAJOR, 'V', 'U', n, (double complex *)L, n, wl);
    else
        LAPACKE_dsyevd(LAPACK_COL_MAJOR, 'V', 'U', n, L, n, wl);
    double dw = 0, dl = 0;
    for (int j = 0; j < n; j++) {
        dw = fmax(dw, fabs(w[j] - wl[j]));
        dl = fmax(dl, fabs(w[j] - level(j)));
    }
    snprintf(what, sizeof what, "%s n = %d: eigenvalues = LAPACK's", cplx ? "complex" : "real", n);
    CHECK_CLOSE(dw, 0, 1e-13 * (1 + n), what);
    snprintf(what, sizeof what, "%s n = %d: eigenvalues = the spectrum built in", cplx ? "complex" : "real", n);
    CHECK_CLOSE(dl, 0, 1e-13 * (1 + n), what);
    /* residual and orthonormality of the eigenvectors */
    double res = 0, orth = 0;
    for (int j = 0; j < n; j++) {
        for (int a = 0; a < n; a++) {
            double complex hv = 0;
            for (int b = 0; b < n; b++) {
                /* the full H from its upper triangle */
                double complex hab = cplx ? (a <= b ? H[2 * (a + b * n)] + I * H[2 * (a + b * n) + 1]
                                                    : H[2 * (b + a * n)] - I * H[2 * (b + a * n) + 1])
                                          : (a <= b ? H[a + b * n] : H[b + a * n]);
                double complex vb = cplx ? V[2 * (b + j * n)] + I * V[2 * (b + j * n) + 1] : V[b + j * n];
                hv += hab * vb;
            }
            double complex va = cplx ? V[2 * (a + j * n)] + I * V[2 * (a + j * n) + 1] : V[a + j * n];
            res = fmax(res, cabs(hv - w[j] * va));
        }
        for (int k = 0; k <= j; k++) {
            double complex d = 0;
            for (int a = 0; a < n; a++) {
                double complex x = cplx ? V[2 * (a + k * n)] + I * V[2 * (a + k * n) + 1] : V[a + k * n];
                double complex y = cplx ? V[2 * (a + j * n)] + I * V[2 * (a + j * n) + 1] : V[a + j * n];
                d += conj(x) * y;
            }
            orth = fmax(orth, cabs(d - (k == j)));
        }
    }
    snprintf(what, sizeof what, "%s n = %d: ||H v - w v|| small", cplx ? "complex" : "real", n);
    CHECK_CLOSE(res, 0, 1e-12 * (1 + n), what);
    snprintf(what, sizeof what, "%s n = %d: eigenvectors orthonormal", cplx ? "complex" : "real", n);
    CHECK_CLOSE(orth, 0, 1e-12 * (1 + n), what);
    snprintf(what, sizeof what, "%s n = %d: same eigenpairs on every rank", cplx ? "complex" : "real", n);
    CHECK(spread(w, (size_t)n) == 0 && spread(V, nn) == 0, what);
    free(H);
    free(V);
    free(w);
    free(wl);
    free(L);
}

static void cholesky(fu_scalapack *g, int n, int cplx) {
    const int per = cplx ? 2 : 1;
    size_t nn = (size_t)n * n * per;
    double *H = malloc(sizeof(double) * nn), *R = malloc(sizeof(double) * nn),
           *L = malloc(sizeof(double) * nn);
    build(n, cplx, H, 2000 + (uint64_t)n);
    for (int j = 0; j < n; j++) H[per * (j + j * n)] += 1.0; /* spectrum 1 .. : positive definite */
    memcpy(R, H, sizeof(double) * nn);
    memcpy(L, H, sizeof(double) * nn);
    int info = fu_scalapack_potrf(g, n, cplx, R);
    int infol = cplx ? LAPACKE_zpotrf(LAPACK_COL_MAJOR, 'U', n, (double complex *)L, n)
                     : LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'U', n, L, n);
    char what[120];
    snprintf(what, sizeof what, "%s n = %d: potrf info 0 as LAPACK", cplx ? "complex" : "real", n);
    CHECK(info == 0 && infol == 0, what);
    double d = 0;
    for (int b = 0; b < n; b++)
        for (int a = 0; a <= b; a++)
            for (int c = 0; c < per; c++)
                d = fmax(d, fabs(R[per * (a + b * n) + c] - L[per * (a + b * n) + c]));
    snprintf(what, sizeof what, "%s n = %d: Cholesky factor = LAPACK's", cplx ? "complex" : "real", n);
    CHECK_CLOSE(d, 0, 1e-12 * (1 + n), what);
    snprintf(what, sizeof what, "%s n = %d: same factor on every rank", cplx ? "complex" : "real", n);
    CHECK(spread(R, nn) == 0, what);
    if (n >= 5) { /* the spectrum shifted down: not positive definite */
        for (int j = 0; j < n; j++) H[per * (j + j * n)] -= 1.0 + 0.25;
        memcpy(R, H, sizeof(double) * nn);
        memcpy(L, H, sizeof(double) * nn);
        info = fu_scalapack_potrf(g, n, cplx, R);
        infol = cplx ? LAPACKE_zpotrf(LAPACK_COL_MAJOR, 'U', n, (double complex *)L, n)
                     : LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'U', n, L, n);
        snprintf(what, sizeof what, "%s n = %d: indefinite: info > 0, as LAPACK's (%d)",
                 cplx ? "complex" : "real", n, infol);
        CHECK(info > 0 && infol > 0, what);
        double inf = info;
        CHECK(spread(&inf, 1) == 0, "indefinite: the same info on every rank");
    }
    free(H);
    free(R);
    free(L);
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    fu_scalapack g;
    fu_err err = {0};
    int rc = fu_scalapack_init(&g, MPI_COMM_WORLD, &err);
    CHECK(rc == FU_OK, "BLACS grid set up");
    if (rc == FU_OK) {
        CHECK(g.nprow * g.npcol == size && g.nprow <= g.npcol, "grid nprow x npcol = ranks");
        const int orders[] = {1, 2, 3, 7, 31, 32, 33, 64, 97};
        for (size_t i = 0; i < sizeof orders / sizeof *orders; i++)
            for (int cplx = 0; cplx < 2; cplx++) {
                eigen(&g, orders[i], cplx);
                cholesky(&g, orders[i], cplx);
            }
        fu_scalapack_free(&g);
    }
    int fails = check_failures;
    MPI_Allreduce(MPI_IN_PLACE, &fails, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    if (rank != 0) check_failures = 0, check_count = 1; /* rank 0 reports for all */
    else check_failures = fails;
    MPI_Finalize();
    CHECK_DONE();
}
