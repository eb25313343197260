/* Replicated LAPACK against distributed ScaLAPACK (src/dft/scalapack.c) for
 * LOBPCG's subspace eigenproblem: every rank solves its own copy of an
 * n x n symmetric (or Hermitian) matrix with ?syevd/?heevd, as the
 * replicated path does, or the ranks solve it together with
 * fu_scalapack_heev (block-cyclic copy-out, p?syevd/p?heevd, gather of the
 * eigenvectors to every rank). Per order: best of `reps` wall seconds (the
 * slowest rank) and CPU seconds (summed over the ranks). With only = 1
 * (replicated) or 2 (distributed) just that path runs, and the peak RSS of
 * the largest rank is printed: the solver's memory beyond the matrix and
 * its copy, which both paths hold. Built and run by
 * validation/scalapack_crossover.py. */
#include <complex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <lapacke.h>
#include <mpi.h>

#include "dft/scalapack.h"

static double now(clockid_t c) {
    struct timespec t;
    clock_gettime(c, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

static double rnd(uint64_t *s) {
    uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return (double)((z ^ (z >> 31)) >> 11) * 0x1.0p-53 - 0.5;
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    int cplx = argc > 1 ? atoi(argv[1]) : 0, reps = argc > 2 ? atoi(argv[2]) : 3;
    const char *o = getenv("CROSSOVER_ONLY");
    int only = o ? atoi(o) : 0;
    fu_scalapack g;
    fu_err err = {0};
    if (fu_scalapack_init(&g, MPI_COMM_WORLD, &err)) MPI_Abort(MPI_COMM_WORLD, 1);
    if (rank == 0) printf("# %d ranks, %s, best of %d\n# order  repl_wall repl_cpu  dist_wall dist_cpu\n",
                          size, cplx ? "complex" : "real", reps);
    for (int a = 3; a < argc; a++) {
        int n = atoi(argv[a]), per = cplx ? 2 : 1;
        size_t nn = (size_t)n * n * per;
        double *H = malloc(sizeof(double) * nn), *A = malloc(sizeof(double) * nn),
               *w = malloc(sizeof(double) * n);
        uint64_t seed = 7;
        for (size_t i = 0; i < nn; i++) H[i] = rnd(&seed);
        double best[4] = {1e30, 1e30, 1e30, 1e30};
        for (int r = 0; r < reps; r++)
            for (int dist = 0; dist < 2; dist++) {
                if (only && only != dist + 1) continue;
                memcpy(A, H, sizeof(double) * nn);
                MPI_Barrier(MPI_COMM_WORLD);
                double t0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_PROCESS_CPUTIME_ID);
                if (dist)
                    fu_scalapack_heev(&g, n, cplx, A, w);
                else if (cplx)
                    LAPACKE_zheevd(LAPACK_COL_MAJOR, 'V', 'U', n, (double complex *)A, n, w);
                else
                    LAPACKE_dsyevd(LAPACK_COL_MAJOR, 'V', 'U', n, A, n, w);
                double t[2] = {now(CLOCK_MONOTONIC) - t0, now(CLOCK_PROCESS_CPUTIME_ID) - c0};
                MPI_Allreduce(MPI_IN_PLACE, &t[0], 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
                MPI_Allreduce(MPI_IN_PLACE, &t[1], 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
                if (t[0] < best[2 * dist]) best[2 * dist] = t[0], best[2 * dist + 1] = t[1];
            }
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        long rss = ru.ru_maxrss; /* kB */
        MPI_Allreduce(MPI_IN_PLACE, &rss, 1, MPI_LONG, MPI_MAX, MPI_COMM_WORLD);
        if (rank == 0) {
            printf("%7d", n);
            for (int c = 0; c < 4; c++) {
                if (best[c] < 1e29) printf(" %10.4f", best[c]);
                else printf(" %10s", "-");
            }
            printf("  peak RSS %.1f MB\n", rss / 1024.0);
        }
        free(H);
        free(A);
        free(w);
    }
    fu_scalapack_free(&g);
    MPI_Finalize();
    return 0;
}
