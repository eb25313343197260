/* The slab-decomposed grid FFT (src/dft/fftslab.h) against the serial FFTW
 * transform of the whole grid and, on a small grid, against the DFT sum
 * written out: forward and backward of random data, the round trip, the
 * gather and the reduce-scatter, on grids whose first axis does not divide
 * by the rank count (7, 9, 10 planes on 3 or 4 ranks) or is smaller than it
 * (3 planes on 4 ranks: a rank without planes), on all ranks and on a
 * split communicator. Run on 1 rank (unit) and on 2, 3 and 4
 * (tests/cli/cli_tests.cmake, oversubscribed). */
#include <complex.h>
#include <math.h>
#include <mpi.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <fftw3.h>

#include "check_mpi.h"
#include "dft/fftslab.h"

#define TOL 2e-14 /* max |slab - serial| / max |serial| */

static double maxabs(const double complex *a, long n) {
    double m = 0;
    for (long i = 0; i < n; i++) m = fmax(m, cabs(a[i]));
    return m;
}

/* max over the ranks of comm of max_i |a_i - b_i| / scale */
static double rel_diff(const double complex *a, const double complex *b, long n, double scale,
                       MPI_Comm comm) {
    double d = 0;
    for (long i = 0; i < n; i++) d = fmax(d, cabs(a[i] - b[i]));
    d /= scale;
    MPI_Allreduce(MPI_IN_PLACE, &d, 1, MPI_DOUBLE, MPI_MAX, comm);
    return d;
}

static void one_grid(const int n[3], MPI_Comm comm, const char *what) {
    char msg[160];
    int rank, size;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    long nt = (long)n[0] * n[1] * n[2];
    double complex *f = fftw_malloc(sizeof(double complex) * nt);
    double complex *fg = fftw_malloc(sizeof(double complex) * nt);
    double complex *fr = fftw_malloc(sizeof(double complex) * nt);
    double complex *whole = fftw_malloc(sizeof(double complex) * nt);
    uint64_t seed = 12345u + (uint64_t)nt; /* the same data on every rank */
    for (long i = 0; i < nt; i++) f[i] = check_random(&seed) + I * check_random(&seed);
    /* serial reference: FFTW's plain 3D transform of the whole grid */
    fftw_plan pf = fftw_plan_dft_3d(n[0], n[1], n[2], (fftw_complex *)f, (fftw_complex *)fg,
                                    FFTW_FORWARD, FFTW_ESTIMATE);
    fftw_plan pb = fftw_plan_dft_3d(n[0], n[1], n[2], (fftw_complex *)f, (fftw_complex *)fr,
                                    FFTW_BACKWARD, FFTW_ESTIMATE);
    fftw_execute(pf);
    fftw_execute(pb);
    for (long i = 0; i < nt; i++) fg[i] /= (double)nt;

    fu_fftslab s;
    fu_err err = {0};
    int rc = fu_fftslab_init(&s, n, comm, 0, &err);
    snprintf(msg, sizeof msg, "%s %dx%dx%d on %d ranks: set up", what, n[0], n[1], n[2], size);
    CHECK(rc == FU_OK, msg);
    if (rc) goto done;
    /* the slabs tile the grid in rank order */
    long sum = 0;
    int tiled = 1;
    for (int r = 0; r < size; r++) {
        tiled = tiled && s.displs[r] == sum && s.counts[r] % (n[1] * n[2]) == 0;
        sum += s.counts[r];
    }
    snprintf(msg, sizeof msg, "%s %dx%dx%d on %d ranks: slabs tile the grid", what, n[0], n[1],
             n[2], size);
    CHECK(tiled && sum == nt && s.off == s.displs[rank] && s.nloc == s.counts[rank] &&
              s.nloc == (long)s.n0 * n[1] * n[2] && s.alloc >= (size_t)s.nloc,
          msg);

    double complex *a = fu_fftslab_alloc(&s);
    /* forward */
    memcpy(a, f + s.off, sizeof(double complex) * s.nloc);
    fu_fftslab_r2g(&s, a);
    double d = rel_diff(a, fg + s.off, s.nloc, maxabs(fg, nt), comm);
    snprintf(msg, sizeof msg, "%s %dx%dx%d on %d ranks: forward = serial FFTW (rel %.2g)", what,
             n[0], n[1], n[2], size, d);
    CHECK(d <= TOL, msg);
    /* gather of the coefficients */
    fu_fftslab_gather(&s, a, whole);
    d = rel_diff(whole, fg, nt, maxabs(fg, nt), comm);
    snprintf(msg, sizeof msg, "%s %dx%dx%d on %d ranks: gathered coefficients", what, n[0], n[1],
             n[2], size);
    CHECK(d <= TOL, msg);
    /* round trip back to f */
    fu_fftslab_g2r(&s, a);
    d = rel_diff(a, f + s.off, s.nloc, maxabs(f, nt), comm);
    snprintf(msg, sizeof msg, "%s %dx%dx%d on %d ranks: backward(forward) = input (rel %.2g)",
             what, n[0], n[1], n[2], size, d);
    CHECK(d <= TOL, msg);
    /* backward of f itself */
    memcpy(a, f + s.off, sizeof(double complex) * s.nloc);
    fu_fftslab_g2r(&s, a);
    d = rel_diff(a, fr + s.off, s.nloc, maxabs(fr, nt), comm);
    snprintf(msg, sizeof msg, "%s %dx%dx%d on %d ranks: backward = serial FFTW (rel %.2g)", what,
             n[0], n[1], n[2], size, d);
    CHECK(d <= TOL, msg);
    /* reduce-scatter: rank r adds (r + 1) x the real part of f */
    double *re = malloc(sizeof(double) * nt), *sl = malloc(sizeof(double) * (s.nloc + 1));
    double *back = malloc(sizeof(double) * nt);
    for (long i = 0; i < nt; i++) re[i] = (rank + 1) * creal(f[i]);
    fu_fftslab_reduce_scatter_real(&s, re, sl);
    double want = 0.5 * size * (size + 1), worst = 0;
    for (long i = 0; i < s.nloc; i++) worst = fmax(worst, fabs(sl[i] - want * creal(f[s.off + i])));
    fu_fftslab_gather_real(&s, sl, back);
    for (long i = 0; i < nt; i++) worst = fmax(worst, fabs(back[i] - want * creal(f[i])));
    MPI_Allreduce(MPI_IN_PLACE, &worst, 1, MPI_DOUBLE, MPI_MAX, comm);
    snprintf(msg, sizeof msg, "%s %dx%dx%d on %d ranks: reduce-scatter = sum, gathered", what,
             n[0], n[1], n[2], size);
    CHECK(worst <= 1e-14 * want, msg);
    free(re);
    free(sl);
    free(back);
    fftw_free(a);
    fu_fftslab_free(&s);
done:
    fftw_destroy_plan(pf);
    fftw_destroy_plan(pb);
    fftw_free(f);
    fftw_free(fg);
    fftw_free(fr);
    fftw_free(whole);
}

/* The forward transform against the DFT sum f_G = (1/N) Σ_r f(r) e^{-iG·r}
 * on a 3 x 4 x 5 grid: the reference does not come from FFTW. */
static void direct_sum(MPI_Comm comm) {
    const int n[3] = {3, 4, 5};
    long nt = 60;
    double complex f[60], fg[60];
    uint64_t seed = 7;
    for (long i = 0; i < nt; i++) f[i] = check_random(&seed) + I * check_random(&seed);
    for (int a = 0; a < n[0]; a++)
        for (int b = 0; b < n[1]; b++)
            for (int c = 0; c < n[2]; c++) {
                double complex sum = 0;
                for (int x = 0; x < n[0]; x++)
                    for (int y = 0; y < n[1]; y++)
                        for (int z = 0; z < n[2]; z++) {
                            double ph = 2 * 3.14159265358979323846 * ((double)a * x / n[0] + (double)b * y / n[1] +
                                                    (double)c * z / n[2]);
                            sum += f[(x * n[1] + y) * n[2] + z] * cexp(-I * ph);
                        }
                fg[(a * n[1] + b) * n[2] + c] = sum / (double)nt;
            }
    fu_fftslab s;
    fu_err err = {0};
    CHECK(fu_fftslab_init(&s, n, comm, 0, &err) == FU_OK, "3x4x5: set up");
    double complex *a = fu_fftslab_alloc(&s);
    memcpy(a, f + s.off, sizeof(double complex) * s.nloc);
    fu_fftslab_r2g(&s, a);
    double d = rel_diff(a, fg + s.off, s.nloc, maxabs(fg, nt), comm);
    CHECK(d <= 1e-13, "3x4x5: slab forward = the DFT sum written out");
    fftw_free(a);
    fu_fftslab_free(&s);
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    /* first axes 6, 7, 9, 10, 3, 1, 16: divisible by 2 and 3, prime, fewer planes than ranks */
    static const int grids[][3] = {{6, 5, 4}, {7, 9, 5}, {9, 4, 10}, {10, 6, 3},
                                   {3, 8, 10}, {1, 6, 6}, {16, 15, 12}};
    for (size_t i = 0; i < sizeof grids / sizeof grids[0]; i++)
        one_grid(grids[i], MPI_COMM_WORLD, "world");
    direct_sum(MPI_COMM_WORLD);
    /* a band communicator is a part of the world: two halves (4 ranks: 2 + 2, 3: 2 + 1) */
    MPI_Comm half;
    MPI_Comm_split(MPI_COMM_WORLD, rank % 2, rank, &half);
    for (size_t i = 0; i < sizeof grids / sizeof grids[0]; i++) one_grid(grids[i], half, "half");
    MPI_Comm_free(&half);
    CHECK_DONE_MPI();
}
