/* The subspace matrices of band-parallel LOBPCG solved distributed over the
 * band ranks with ScaLAPACK (Debian libscalapack-openmpi-dev).
 *
 * LOBPCG on row-distributed blocks (eigensolver.h, fu_rowdist) sums its
 * small matrices over the band ranks, so every rank holds the same k x k
 * Rayleigh-Ritz matrix (k up to 3 nev) and m x m Gram matrices. Solved
 * replicated, each rank does the whole O(k^3) eigenproblem and holds its
 * backup and LAPACK work (~4 k^2 numbers) besides. Here each rank copies its
 * blocks of a 2-D block-cyclic layout out of the replicated matrix (no
 * communication), the BLACS grid of the band ranks solves it (p?syevd /
 * p?heevd, p?potrf), and the result comes back replicated (each rank's
 * blocks broadcast in turn into the input's array), because the callers
 * multiply their G-vector rows by the whole coefficient matrix. Memory per
 * rank for a k x k matrix: the replicated input/result plus ~3.5-4 k^2/P
 * (the distributed matrix, which then receives the broadcasts, its
 * eigenvectors, ScaLAPACK's work), against ~4 k^2 replicated (matrix,
 * backup, LAPACK work). The triangular solve W R^-1 stays the callers'
 * local ?trsm on their rows: it is already split evenly over the band ranks,
 * and p?trsm would need the n x m block in block-cyclic layout (two more
 * transposes of it per orthogonalisation).
 *
 * Every rank gets the same bits (eigenvalues broadcast from rank 0, the
 * factors gathered from the one distributed copy), so the replicated
 * decisions of LOBPCG stay identical on all ranks. */
#ifndef FURUI_DFT_SCALAPACK_H
#define FURUI_DFT_SCALAPACK_H

#include <mpi.h>

#include "core/error.h"

/* Default order from which band ranks solve a subspace matrix with
 * ScaLAPACK (fu_scf_params.scalapack_min). Measured here (Debian's reference
 * ScaLAPACK against OpenBLAS's LAPACK, validation/scalapack_crossover.py):
 * below ~1000 the distributed solve is 2-7x slower than solving the whole
 * matrix on every rank; it wins from ~1200 (complex, 2 ranks) and ~1600
 * (real, 4 ranks); real on 2 ranks it is still 1.2x slower at 3200, where
 * it saves memory instead (validation/README.md, "ScaLAPACK"). */
#define FU_SCALAPACK_MIN_DEFAULT 1500
/* Block size of the block-cyclic layout (smaller for matrices too small to
 * give every process column a block). */
#define FU_SCALAPACK_NB 32

typedef struct fu_scalapack {
    MPI_Comm comm;
    int rank, size;
    int sysh, ctxt;          /* BLACS system handle and grid context */
    int nprow, npcol, myrow, mycol;
    int *prow, *pcol;        /* [size] grid coordinates of each rank of comm */
    int *cnt, *dsp;          /* [size] scratch */
    double *a, *z, *work, *rwork, *gath; /* grow-only buffers */
    size_t cap_a, cap_z, cap_work, cap_rwork, cap_gath;
    int *iwork;
    size_t cap_iwork;
    int solves;              /* distributed solves done (eigen + Cholesky), for the log */
} fu_scalapack;

/* BLACS grid of the ranks of comm (nprow x npcol as square as the count
 * allows, nprow <= npcol). Collective. */
int fu_scalapack_init(fu_scalapack *g, MPI_Comm comm, fu_err *err);
void fu_scalapack_free(fu_scalapack *g);

/* Eigen-decomposition of the n x n Hermitian (cplx = 1: complex, else real
 * symmetric) matrix H, upper triangle, leading dimension n, the same on
 * every rank: w ascending, H overwritten by the eigenvectors, the same on
 * every rank. Divide and conquer (p?syevd/p?heevd), QR (p?syev/p?heev) if
 * that fails. Returns the ScaLAPACK info (0 on success) or -1000 when out
 * of memory; collective. */
int fu_scalapack_heev(fu_scalapack *g, int n, int cplx, double *H, double *w);

/* Cholesky factor (upper) of the n x n Hermitian positive definite R (upper
 * triangle, leading dimension n, the same on every rank), in place on every
 * rank when info is 0. Returns p?potrf's info (> 0: the leading minor of
 * that order is not positive definite; R then undefined) or -1000 when out
 * of memory, the same on every rank. Collective. */
int fu_scalapack_potrf(fu_scalapack *g, int n, int cplx, double *R);

#endif
