/* check.h's end of main for a test run on several ranks (MPI_Init called). */
#ifndef FURUI_TESTS_CHECK_MPI_H
#define FURUI_TESTS_CHECK_MPI_H

#include <mpi.h>

#include "check.h"

/* The failures summed over MPI_COMM_WORLD; rank 0 reports them, every rank
 * exits failing if any rank failed. Finalizes MPI. */
#define CHECK_DONE_MPI()                                                          \
    do {                                                                          \
        int fails_ = check_failures, all_ = 0, rank_ = 0;                         \
        MPI_Allreduce(&fails_, &all_, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);       \
        MPI_Comm_rank(MPI_COMM_WORLD, &rank_);                                    \
        check_failures = all_;                                                    \
        MPI_Finalize();                                                           \
        if (rank_ != 0) return all_ ? EXIT_FAILURE : EXIT_SUCCESS;                \
        CHECK_DONE();                                                             \
    } while (0)

#endif
