/* The wave-function FFTs of one band shared by the ranks of a communicator
 * (the FFT ranks of bandpar.h), pruned to the plane-wave sphere as the
 * serial passes are (fftgrid.h) and as QE and ABINIT do it: each rank holds
 * whole columns of the sphere along a3 (contiguous in the sphere's box order,
 * split by point count), transforms them along a3, and one all-to-all turns
 * them into planes along a3, each rank a slab of planes, which it transforms
 * over (a1, a2). Only the sphere's columns travel: ~1/5 of the box, where a
 * slab FFT of the whole box (fftslab.h) transposes it twice each way.
 *
 * hm transforms at a time (bands, or pairs of real bands): one collective
 * for hm. Real side: planes z0 .. z0 + nz - 1 of a3,
 * planes[(t * nz + zl) * n0 n1 + i0 n1 + i1]. Reciprocal side: the caller
 * puts coefficient q of its sphere points (ig0 .. ig0 + nsph - 1) at
 * cols[t * ncol n2 + slot[q]] (zero elsewhere) and reads them back there.
 * Conventions as fftgrid.h: g2r the plain sum, r2g divided by N. */
#ifndef FURUI_DFT_FFTCOLS_H
#define FURUI_DFT_FFTCOLS_H

#include <complex.h>

#include <fftw3.h>
#include <mpi.h>

#include "core/error.h"

typedef struct {
    MPI_Comm comm; /* not owned */
    int rank, size;
    int n[3], hm;
    long ntot;
    int z0, nz;             /* this rank's planes along a3 */
    int *zcnt, *zoff;       /* [size] every rank's */
    double complex *planes; /* [hm][nz][n0 n1] */
    fftw_plan pl_g2r, pl_r2g;
    /* per sphere (fu_fftcols_set) */
    int *bound;             /* [size + 1] first sphere point of each rank's columns */
    int ig0, nsph;          /* this rank's sphere points */
    int ncol;               /* its columns */
    int *slot;              /* [nsph] column * n2 + i2 of each point */
    int ncol_all;
    int *col_pos;           /* [ncol_all] i0 n1 + i1 of every column, rank by rank */
    int *ccnt, *coff;       /* [size] columns of each rank and the first */
    double complex *cols;   /* [hm][ncol][n2] */
    double complex *sbuf, *rbuf;
    size_t cap_cols, cap_buf; /* complex numbers held */
    fftw_plan col_g2r, col_r2g; /* NULL without columns */
    int *sc, *sd, *rc, *rd; /* [size] all-to-all counts, doubles */
    int npw_cap;
} fu_fftcols;

/* Plans the plane transforms of an n grid for hm at a time over comm
 * (collective); effort >= 1: FFTW_MEASURE. */
int fu_fftcols_init(fu_fftcols *f, const int n[3], int hm, MPI_Comm comm, int effort, fu_err *err);
void fu_fftcols_free(fu_fftcols *f);
/* The columns of a sphere of npw points at box indices box[] (ascending, as
 * basis.c orders them), the same on every rank: the split, this rank's
 * slots and buffers. Not collective; FU_ENOMEM on this rank alone. */
int fu_fftcols_set(fu_fftcols *f, int npw, const int *box, fu_err *err);
/* FFT rank holding sphere point ig. */
int fu_fftcols_owner(const fu_fftcols *f, int ig);
/* cols -> planes (cols is destroyed). Collective. */
void fu_fftcols_g2r(fu_fftcols *f);
/* planes -> cols, divided by N (planes destroyed). Collective. */
void fu_fftcols_r2g(fu_fftcols *f);
/* part[nz n0 n1] from whole[ntot] (box order): this rank's real-side points. */
void fu_fftcols_take_real(const fu_fftcols *f, const double *whole, double *part);

#endif
