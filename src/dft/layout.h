/* The parallel layout of one calculation over the ranks of comm: npk
 * k-groups of npb band ranks, rank = kgroup * npb + brank (bandpar.h for
 * what the band ranks split). The npb ranks of a k-group all build its
 * k-blocks and share their bands. */
#ifndef FURUI_DFT_LAYOUT_H
#define FURUI_DFT_LAYOUT_H

#include <mpi.h>

typedef struct {
    MPI_Comm comm;                  /* ranks sharing this calculation */
    int rank, size;
    int npk, npb, kgroup, brank;
    MPI_Comm bcomm;                 /* the ranks of this k-group (MPI_COMM_NULL if npb = 1) */
    int nthreads;                   /* threads of this rank for the H application, >= 1 */
    int *k_owner;                   /* [nk] k-group owning each k-point */
} fu_layout;

#endif
