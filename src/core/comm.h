/* MPI collectives that also work in a process that never called MPI_Init.
 *
 * A one-rank `furui scf` (or bands, relax) does not start MPI at all:
 * Open MPI's singleton start-up takes 0.2-0.3 s, as long as a small SCF.
 * Such a process is one rank, so every collective is the identity. Under
 * mpiexec, or in `furui screen`, MPI is initialised and these are the plain
 * MPI calls (in place). */
#ifndef FURUI_CORE_COMM_H
#define FURUI_CORE_COMM_H

#include <mpi.h>

static inline int fu_mpi_running(void) {
    int on = 0, off = 0;
    MPI_Initialized(&on);
    if (on) MPI_Finalized(&off);
    return on && !off;
}

static inline void fu_comm_rank(MPI_Comm c, int *rank) {
    if (fu_mpi_running()) MPI_Comm_rank(c, rank);
    else *rank = 0;
}

static inline void fu_comm_size(MPI_Comm c, int *size) {
    if (fu_mpi_running()) MPI_Comm_size(c, size);
    else *size = 1;
}

/* MPI_Allreduce in place. */
static inline void fu_allreduce(void *buf, int count, MPI_Datatype t, MPI_Op op, MPI_Comm c) {
    if (fu_mpi_running()) MPI_Allreduce(MPI_IN_PLACE, buf, count, t, op, c);
}

static inline void fu_bcast(void *buf, int count, MPI_Datatype t, int root, MPI_Comm c) {
    if (fu_mpi_running()) MPI_Bcast(buf, count, t, root, c);
}

#endif
