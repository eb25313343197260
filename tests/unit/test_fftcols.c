/* The shared sphere-column FFTs of the FFT ranks (src/dft/fftcols.h) against
 * FFTW's serial transform of the whole box: hm = 3 transforms of different
 * random coefficients on a sphere of the box (points within an ellipsoid of
 * frequencies, in box order as basis.c lists them), backward to the planes
 * of each rank and forward from them, on grids whose third axis does not
 * divide by the rank count or is smaller than it (a rank without planes),
 * spheres of one point and of the whole box (ranks without columns), on all
 * ranks and on a split communicator. Also that the columns tile the sphere
 * in order and fu_fftcols_owner agrees. Run on 1 rank (unit) and on 2, 3 and
 * 4 (tests/cli/cli_tests.cmake, oversubscribed). */
#include <complex.h>
#include <math.h>
#include <mpi.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <fftw3.h>

#include "check_mpi.h"
#include "dft/fftcols.h"

#define TOL 2e-14 /* max |shared - serial| / max |serial| */
#define HM 3

static int freq(int i, int n) { return i <= n / 2 ? i : i - n; }

static double rel_max(double d, double scale, MPI_Comm comm) {
    d = scale > 0 ? d / scale : d;
    MPI_Allreduce(MPI_IN_PLACE, &d, 1, MPI_DOUBLE, MPI_MAX, comm);
    return d;
}

/* r2: squared radius of the sphere in units of the half box (>= 3: the whole box) */
static void one_case(const int n[3], double r2, MPI_Comm comm, const char *what) {
    char msg[200];
    int rank, size;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    const long nt = (long)n[0] * n[1] * n[2];
    const size_t plane = (size_t)n[0] * n[1];
    int *box = malloc(sizeof(int) * nt), npw = 0;
    for (int a = 0; a < n[0]; a++)
        for (int b = 0; b < n[1]; b++)
            for (int c = 0; c < n[2]; c++) {
                double x = 2.0 * freq(a, n[0]) / n[0], y = 2.0 * freq(b, n[1]) / n[1],
                       z = 2.0 * freq(c, n[2]) / n[2];
                if (x * x + y * y + z * z <= r2) box[npw++] = (a * n[1] + b) * n[2] + c;
            }
    fu_fftcols f;
    fu_err err = {0};
    int rc = fu_fftcols_init(&f, n, HM, comm, 0, &err);
    if (!rc) rc = fu_fftcols_set(&f, npw, box, &err);
    snprintf(msg, sizeof msg, "%s %dx%dx%d, %d points, %d ranks: set up", what, n[0], n[1], n[2],
             npw, size);
    CHECK(rc == FU_OK, msg);
    if (rc) {
        free(box);
        return;
    }
    /* columns tile the sphere in rank order; owner agrees; planes tile a3 */
    int ok = f.bound[0] == 0 && f.bound[size] == npw, zsum = 0;
    for (int j = 0; j < size; j++) {
        ok = ok && f.bound[j] <= f.bound[j + 1] && f.zoff[j] == zsum;
        zsum += f.zcnt[j];
        for (int ig = f.bound[j]; ig < f.bound[j + 1]; ig++) ok = ok && fu_fftcols_owner(&f, ig) == j;
        /* no column split between ranks */
        if (j > 0 && f.bound[j] > 0 && f.bound[j] < npw)
            ok = ok && box[f.bound[j]] / n[2] != box[f.bound[j] - 1] / n[2];
    }
    snprintf(msg, sizeof msg, "%s %dx%dx%d, %d points, %d ranks: whole columns tile the sphere, "
             "planes tile a3", what, n[0], n[1], n[2], npw, size);
    CHECK(ok && zsum == n[2], msg);

    /* the same random coefficients on every rank, one set per transform */
    double complex *c = calloc((size_t)HM * nt, sizeof(double complex));
    double complex *ref = fftw_malloc(sizeof(double complex) * nt);
    double complex *tmp = fftw_malloc(sizeof(double complex) * nt);
    double complex *fwd = calloc((size_t)HM * nt, sizeof(double complex));
    double complex *real = calloc((size_t)HM * nt, sizeof(double complex));
    uint64_t seed = 99u + (uint64_t)nt + (uint64_t)npw;
    for (int t = 0; t < HM; t++)
        for (int ig = 0; ig < npw; ig++)
            c[(size_t)t * nt + box[ig]] = check_random(&seed) + I * check_random(&seed);
    for (int t = 0; t < HM; t++) /* a real-space field per transform for the forward test */
        for (long i = 0; i < nt; i++) real[(size_t)t * nt + i] = check_random(&seed) + I * check_random(&seed);
    fftw_plan pb = fftw_plan_dft_3d(n[0], n[1], n[2], (fftw_complex *)tmp, (fftw_complex *)ref,
                                    FFTW_BACKWARD, FFTW_ESTIMATE);
    fftw_plan pf = fftw_plan_dft_3d(n[0], n[1], n[2], (fftw_complex *)tmp, (fftw_complex *)ref,
                                    FFTW_FORWARD, FFTW_ESTIMATE);
    /* backward: the planes of each rank against the serial transform */
    const size_t col = (size_t)f.ncol * n[2];
    memset(f.cols, 0, sizeof(double complex) * col * HM);
    for (int t = 0; t < HM; t++)
        for (int q = 0; q < f.nsph; q++) f.cols[t * col + f.slot[q]] = c[(size_t)t * nt + box[f.ig0 + q]];
    fu_fftcols_g2r(&f);
    double d = 0, scale = 0;
    for (int t = 0; t < HM; t++) {
        memcpy(tmp, c + (size_t)t * nt, sizeof(double complex) * nt);
        fftw_execute(pb);
        for (long i = 0; i < nt; i++) scale = fmax(scale, cabs(ref[i]));
        for (int z = 0; z < f.nz; z++)
            for (size_t p = 0; p < plane; p++)
                d = fmax(d, cabs(f.planes[((size_t)t * f.nz + z) * plane + p] -
                                 ref[p * n[2] + f.z0 + z]));
    }
    d = rel_max(d, scale, comm);
    snprintf(msg, sizeof msg, "%s %dx%dx%d, %d points, %d ranks: backward = serial FFTW (rel %.2g)",
             what, n[0], n[1], n[2], npw, size, d);
    CHECK(d <= TOL, msg);
    /* forward: the sphere coefficients of a whole real-space field, divided by N */
    for (int t = 0; t < HM; t++) {
        for (int z = 0; z < f.nz; z++)
            for (size_t p = 0; p < plane; p++)
                f.planes[((size_t)t * f.nz + z) * plane + p] = real[(size_t)t * nt + p * n[2] + f.z0 + z];
        memcpy(tmp, real + (size_t)t * nt, sizeof(double complex) * nt);
        fftw_execute(pf);
        for (long i = 0; i < nt; i++) fwd[(size_t)t * nt + i] = ref[i] / (double)nt;
    }
    fu_fftcols_r2g(&f);
    d = 0;
    scale = 0;
    for (long i = 0; i < (long)HM * nt; i++) scale = fmax(scale, cabs(fwd[i]));
    for (int t = 0; t < HM; t++)
        for (int q = 0; q < f.nsph; q++)
            d = fmax(d, cabs(f.cols[t * col + f.slot[q]] - fwd[(size_t)t * nt + box[f.ig0 + q]]));
    d = rel_max(d, scale, comm);
    snprintf(msg, sizeof msg, "%s %dx%dx%d, %d points, %d ranks: forward = serial FFTW / N on the "
             "sphere (rel %.2g)", what, n[0], n[1], n[2], npw, size, d);
    CHECK(d <= TOL, msg);
    /* V_eff's planes: take_real picks this rank's points of the whole grid */
    double *w = malloc(sizeof(double) * nt), *part = malloc(sizeof(double) * (f.nz * plane + 1));
    for (long i = 0; i < nt; i++) w[i] = (double)i;
    fu_fftcols_take_real(&f, w, part);
    ok = 1;
    for (int z = 0; z < f.nz; z++)
        for (size_t p = 0; p < plane; p++)
            ok = ok && part[z * plane + p] == (double)(p * n[2] + f.z0 + z);
    MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_MIN, comm);
    snprintf(msg, sizeof msg, "%s %dx%dx%d, %d ranks: take_real", what, n[0], n[1], n[2], size);
    CHECK(ok, msg);
    free(w);
    free(part);
    fftw_destroy_plan(pb);
    fftw_destroy_plan(pf);
    fftw_free(ref);
    fftw_free(tmp);
    free(c);
    free(fwd);
    free(real);
    fu_fftcols_free(&f);
    free(box);
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    /* third axes 4, 5, 10, 3, 7: divisible by 2, prime, fewer planes than ranks */
    static const int grids[][3] = {{6, 5, 4}, {7, 9, 5}, {9, 4, 10}, {10, 6, 3}, {8, 8, 7}};
    static const double radii[] = {1.0, 0.3, 3.0, 0.0}; /* sphere, small, whole box, one point */
    for (size_t i = 0; i < sizeof grids / sizeof grids[0]; i++)
        for (size_t r = 0; r < sizeof radii / sizeof radii[0]; r++)
            one_case(grids[i], radii[r], MPI_COMM_WORLD, "world");
    /* the FFT ranks of a band group are a part of the band ranks */
    MPI_Comm half;
    MPI_Comm_split(MPI_COMM_WORLD, rank % 2, rank, &half);
    for (size_t i = 0; i < sizeof grids / sizeof grids[0]; i++) one_case(grids[i], 1.0, half, "half");
    MPI_Comm_free(&half);
    CHECK_DONE_MPI();
}
