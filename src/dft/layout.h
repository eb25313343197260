/* The parallel layout of one calculation over the ranks of comm: npk
 * k-groups of npb band ranks, rank = kgroup * npb + brank (bandpar.h for
 * what the band ranks split). The npb ranks of a k-group all build its
 * k-blocks and share their bands. */
#ifndef FURUI_DFT_LAYOUT_H
#define FURUI_DFT_LAYOUT_H

#include <mpi.h>

#include "core/error.h"

typedef struct {
    MPI_Comm comm;                  /* ranks sharing this calculation */
    int rank, size;
    int npk, npb, kgroup, brank;
    int npg;                        /* of the npb band ranks, FFT ranks sharing each band (>= 1) */
    MPI_Comm bcomm;                 /* the ranks of this k-group (MPI_COMM_NULL if npb = 1) */
    int nthreads;                   /* threads of this rank for the H application, >= 1 */
    int *k_owner;                   /* [nk] k-group owning each k-point */
} fu_layout;

/* Every rank of comm its own k-group holding every band (npk = size,
 * npb = 1); threads < 1 counts as 1. No k-point owners yet. */
void fu_layout_init(fu_layout *l, MPI_Comm comm, int threads);
/* npk k-groups of npb band ranks (of which npg share each band's FFTs) for
 * nk k-points of at least npw_min plane waves and nev bands
 * (fu_bandpar_layout: want_npb, want_npg > 0 as asked, 0 by the cost model), and the k-group's communicator bcomm. The same on every
 * rank; collective over comm when npb > 1. */
int fu_layout_bands(fu_layout *l, int nk, int npw_min, int nev, int want_npb, int want_npg,
                    fu_err *err);
/* k-point ik to k-group ik % npk. */
int fu_layout_kpoints(fu_layout *l, int nk, fu_err *err);
void fu_layout_free(fu_layout *l);

#endif
