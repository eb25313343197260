/* The FFT grid split in slabs over the ranks of a communicator (issue 24:
 * G-vector parallelism of the grid arrays), transformed with FFTW's MPI
 * interface (fftw3-mpi.h, Debian libfftw3-mpi-dev).
 *
 * Rank r holds the planes i0 = start0 .. start0 + n0 - 1 along the slowest
 * axis (a1) of the [n0][n1][n2] box, i.e. the linear indices off .. off +
 * nloc - 1 of the whole array, in real space and, after a transform, the
 * same planes of the coefficients (FFTW's transposes are undone: the
 * natural layout on both sides, so that pointwise work in G needs only the
 * whole grid's |G|² at the same indices). FFTW chooses the split (planes of
 * ceil(n0/P) each, the last ranks fewer, possibly none); a rank without
 * planes (start0 = n0 of the grid, nloc 0) still takes part in every collective.
 *
 * Conventions as fftgrid.h: r2g divides by N (coefficients), g2r is the
 * plain sum. */
#ifndef FURUI_DFT_FFTSLAB_H
#define FURUI_DFT_FFTSLAB_H

#include <complex.h>
#include <stddef.h>

#include <fftw3.h>
#include <mpi.h>

#include "core/error.h"

typedef struct {
    MPI_Comm comm;          /* not owned */
    int rank, size;
    int n[3];
    long ntot;
    int start0, n0;         /* this rank's planes */
    long off, nloc;         /* its first linear index and point count (n0 n1 n2) */
    size_t alloc;           /* complex numbers every slab array must hold (>= nloc:
                             * FFTW's in-place transposes may need more) */
    int *counts, *displs;   /* [size] points and first index of each rank's slab */
    fftw_plan fwd, bwd;     /* in place on `work`; other arrays of `alloc` via execute */
    double complex *work;   /* [alloc] */
} fu_fftslab;

/* Plans the slab transforms of an n[0] x n[1] x n[2] grid over comm
 * (collective) with FFTW_ESTIMATE (effort 0) or FFTW_MEASURE (>= 1). */
int fu_fftslab_init(fu_fftslab *s, const int n[3], MPI_Comm comm, int effort, fu_err *err);
void fu_fftslab_free(fu_fftslab *s);
/* A zeroed slab array of s->alloc complex numbers (fftw_free it); NULL if out of memory. */
double complex *fu_fftslab_alloc(const fu_fftslab *s);

/* In-place transforms of this rank's slab (an array of s->alloc). Collective. */
void fu_fftslab_r2g(const fu_fftslab *s, double complex *data);
void fu_fftslab_g2r(const fu_fftslab *s, double complex *data);

/* whole[ntot] on every rank from the slabs (MPI_Allgatherv; in place if
 * slab is whole + off). Collective. */
void fu_fftslab_gather(const fu_fftslab *s, const double complex *slab, double complex *whole);
void fu_fftslab_gather_real(const fu_fftslab *s, const double *slab, double *whole);
/* slab[nloc] = Σ over the ranks of their whole[ntot], this rank's slab of
 * it (MPI_Reduce_scatter: each rank receives only its part of the sum, half
 * the traffic of an allreduce). Collective. */
void fu_fftslab_reduce_scatter_real(const fu_fftslab *s, const double *whole, double *slab);

#endif
