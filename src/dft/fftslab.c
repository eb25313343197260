/* Slab-decomposed grid FFT over FFTW's MPI interface (fftslab.h). */
#include "dft/fftslab.h"

#include <stdlib.h>
#include <string.h>

#include <fftw3-mpi.h>

int fu_fftslab_init(fu_fftslab *s, const int n[3], MPI_Comm comm, int effort, fu_err *err) {
    memset(s, 0, sizeof *s);
    /* idempotent in FFTW 3.3 (a static flag): every caller may ask */
    fftw_mpi_init();
    s->comm = comm;
    MPI_Comm_rank(comm, &s->rank);
    MPI_Comm_size(comm, &s->size);
    memcpy(s->n, n, sizeof s->n);
    s->ntot = (long)n[0] * n[1] * n[2];
    ptrdiff_t ln0, l0;
    ptrdiff_t alloc = fftw_mpi_local_size_3d(n[0], n[1], n[2], comm, &ln0, &l0);
    /* a rank without planes gets local_0_start 0 from FFTW: place it at the end */
    if (ln0 == 0) l0 = n[0];
    s->n0 = (int)ln0;
    s->start0 = (int)l0;
    long plane = (long)n[1] * n[2];
    s->off = l0 * plane;
    s->nloc = ln0 * plane;
    /* FFTW may ask for 0 on a rank without planes; keep arrays non-NULL */
    s->alloc = alloc > 0 ? (size_t)alloc : 1;
    s->counts = malloc(sizeof(int) * s->size);
    s->displs = malloc(sizeof(int) * s->size);
    s->work = fftw_malloc(sizeof(double complex) * s->alloc);
    int ok = s->counts && s->displs && s->work;
    /* every rank must reach the planner (collective), so decide together */
    MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_MIN, comm);
    if (!ok) {
        fu_fftslab_free(s);
        return fu_fail(err, FU_ENOMEM, "slab fft %dx%dx%d: out of memory", n[0], n[1], n[2]);
    }
    int mine[2] = {(int)s->nloc, (int)s->off}, *all = malloc(sizeof(int) * 2 * s->size);
    if (!all) ok = 0;
    else {
        MPI_Allgather(mine, 2, MPI_INT, all, 2, MPI_INT, comm);
        for (int r = 0; r < s->size; r++) s->counts[r] = all[2 * r], s->displs[r] = all[2 * r + 1];
        free(all);
    }
    memset(s->work, 0, sizeof(double complex) * s->alloc);
    unsigned flags = effort >= 1 ? FFTW_MEASURE : FFTW_ESTIMATE;
    fftw_complex *w = (fftw_complex *)s->work;
    s->fwd = fftw_mpi_plan_dft_3d(n[0], n[1], n[2], w, w, comm, FFTW_FORWARD, flags);
    s->bwd = fftw_mpi_plan_dft_3d(n[0], n[1], n[2], w, w, comm, FFTW_BACKWARD, flags);
    ok = ok && s->fwd && s->bwd;
    MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_MIN, comm);
    if (!ok) {
        fu_fftslab_free(s);
        return fu_fail(err, FU_ELIB, "FFTW (MPI) could not plan a %dx%dx%d slab transform", n[0],
                       n[1], n[2]);
    }
    return FU_OK;
}

void fu_fftslab_free(fu_fftslab *s) {
    if (s->fwd) fftw_destroy_plan(s->fwd);
    if (s->bwd) fftw_destroy_plan(s->bwd);
    fftw_free(s->work);
    free(s->counts);
    free(s->displs);
    memset(s, 0, sizeof *s);
}

double complex *fu_fftslab_alloc(const fu_fftslab *s) {
    double complex *a = fftw_malloc(sizeof(double complex) * s->alloc);
    if (a) memset(a, 0, sizeof(double complex) * s->alloc);
    return a;
}

void fu_fftslab_r2g(const fu_fftslab *s, double complex *data) {
    fftw_mpi_execute_dft(s->fwd, (fftw_complex *)data, (fftw_complex *)data);
    double f = 1.0 / (double)s->ntot;
    for (long i = 0; i < s->nloc; i++) data[i] *= f;
}

void fu_fftslab_g2r(const fu_fftslab *s, double complex *data) {
    fftw_mpi_execute_dft(s->bwd, (fftw_complex *)data, (fftw_complex *)data);
}

void fu_fftslab_gather(const fu_fftslab *s, const double complex *slab, double complex *whole) {
    MPI_Allgatherv(slab == whole + s->off ? MPI_IN_PLACE : slab, (int)s->nloc, MPI_C_DOUBLE_COMPLEX, whole, s->counts, s->displs,
                   MPI_C_DOUBLE_COMPLEX, s->comm);
}

void fu_fftslab_gather_real(const fu_fftslab *s, const double *slab, double *whole) {
    MPI_Allgatherv(slab == whole + s->off ? MPI_IN_PLACE : slab, (int)s->nloc, MPI_DOUBLE, whole, s->counts, s->displs, MPI_DOUBLE,
                   s->comm);
}

void fu_fftslab_reduce_scatter_real(const fu_fftslab *s, const double *whole, double *slab) {
    MPI_Reduce_scatter(whole, slab, s->counts, MPI_DOUBLE, MPI_SUM, s->comm);
}
