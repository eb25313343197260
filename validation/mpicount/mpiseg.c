/* Load-independent imbalance meter for band-parallel runs: a PMPI interposer
 * (LD_PRELOAD, furui unchanged) that records, per rank and per collective
 * call on a communicator of more than one rank, the CPU time this rank spent
 * computing since its previous collective returned (CLOCK_PROCESS_CPUTIME_ID:
 * time the rank was descheduled by other users' processes does not count),
 * the wall time spent inside the call, and the caller's return addresses.
 * The ranks call the same collectives in the same order, so call i of every
 * rank closes the same compute segment: max over ranks minus a rank's own
 * segment is what that rank waits for on dedicated cores, whatever the load
 * was while measuring (validation/mpiseg.py sums it by call site). The CPU
 * and wall time inside each call are kept too; mpiseg.py takes the CPU
 * inside of the rank that spent least there (the last comer) as the cost of
 * the transfer itself.
 * At MPI_Finalize each rank writes MPISEG_DIR/mpiseg.RANK.txt. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <execinfo.h>
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define DEPTH 5
typedef struct {
    double seg, inside_wall, inside_cpu;
    int kind;
    uintptr_t at[DEPTH];
} rec;

enum { ALLREDUCE, REDUCE, ALLTOALLV, ALLTOALL, BCAST, ALLGATHER, ALLGATHERV, GATHER, BARRIER, NKIND };
static const char *kind_name[NKIND] = {"allreduce", "reduce",    "alltoallv",  "alltoall", "bcast",
                                       "allgather", "allgatherv", "gather", "barrier"};
static rec *recs;
static size_t nrec, caprec;
static double last_exit = -1, t_enter_wall, t_enter_cpu, first_cpu = -1;

static double cpu_now(void) {
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

static int multi(MPI_Comm c) {
    int n = 1;
    PMPI_Comm_size(c, &n);
    return n > 1;
}

/* Starts a record; returns its index or -1 when not counted. */
static long enter(int kind, MPI_Comm c) {
    if (!multi(c)) return -1;
    double now = cpu_now();
    if (last_exit < 0) last_exit = first_cpu >= 0 ? first_cpu : 0;
    if (nrec == caprec) {
        caprec = caprec ? 2 * caprec : 65536;
        recs = realloc(recs, caprec * sizeof *recs);
        if (!recs) abort();
    }
    rec *r = &recs[nrec];
    r->seg = now - last_exit;
    r->kind = kind;
    void *bt[DEPTH + 2];
    int nb = backtrace(bt, DEPTH + 2);
    for (int i = 0; i < DEPTH; i++) r->at[i] = i + 2 < nb ? (uintptr_t)bt[i + 2] : 0;
    t_enter_wall = PMPI_Wtime();
    t_enter_cpu = now;
    return (long)nrec++;
}

static void leave(long i) {
    if (i < 0) return;
    recs[i].inside_wall = PMPI_Wtime() - t_enter_wall;
    last_exit = cpu_now();
    recs[i].inside_cpu = last_exit - t_enter_cpu;
}

int MPI_Init(int *argc, char ***argv) {
    int rc = PMPI_Init(argc, argv);
    first_cpu = cpu_now();
    return rc;
}

int MPI_Init_thread(int *argc, char ***argv, int req, int *prov) {
    int rc = PMPI_Init_thread(argc, argv, req, prov);
    first_cpu = cpu_now();
    return rc;
}

#define WRAP(kind, call)         \
    long i_ = enter(kind, c);    \
    int rc_ = call;              \
    leave(i_);                   \
    return rc_;

int MPI_Allreduce(const void *s, void *r, int n, MPI_Datatype t, MPI_Op op, MPI_Comm c) {
    WRAP(ALLREDUCE, PMPI_Allreduce(s, r, n, t, op, c))
}
int MPI_Reduce(const void *s, void *r, int n, MPI_Datatype t, MPI_Op op, int root, MPI_Comm c) {
    WRAP(REDUCE, PMPI_Reduce(s, r, n, t, op, root, c))
}
int MPI_Bcast(void *b, int n, MPI_Datatype t, int root, MPI_Comm c) {
    WRAP(BCAST, PMPI_Bcast(b, n, t, root, c))
}
int MPI_Alltoallv(const void *s, const int *sc, const int *sd, MPI_Datatype st, void *r,
                  const int *rc, const int *rd, MPI_Datatype rt, MPI_Comm c) {
    WRAP(ALLTOALLV, PMPI_Alltoallv(s, sc, sd, st, r, rc, rd, rt, c))
}
int MPI_Alltoall(const void *s, int sn, MPI_Datatype st, void *r, int rn, MPI_Datatype rt,
                 MPI_Comm c) {
    WRAP(ALLTOALL, PMPI_Alltoall(s, sn, st, r, rn, rt, c))
}
int MPI_Allgather(const void *s, int sn, MPI_Datatype st, void *r, int rn, MPI_Datatype rt,
                  MPI_Comm c) {
    WRAP(ALLGATHER, PMPI_Allgather(s, sn, st, r, rn, rt, c))
}
int MPI_Allgatherv(const void *s, int sn, MPI_Datatype st, void *r, const int *rc, const int *rd,
                   MPI_Datatype rt, MPI_Comm c) {
    WRAP(ALLGATHERV, PMPI_Allgatherv(s, sn, st, r, rc, rd, rt, c))
}
int MPI_Gather(const void *s, int sn, MPI_Datatype st, void *r, int rn, MPI_Datatype rt, int root,
               MPI_Comm c) {
    WRAP(GATHER, PMPI_Gather(s, sn, st, r, rn, rt, root, c))
}
int MPI_Barrier(MPI_Comm c) { WRAP(BARRIER, PMPI_Barrier(c)) }

int MPI_Finalize(void) {
    double tail = cpu_now() - (last_exit < 0 ? 0 : last_exit);
    int me = 0;
    PMPI_Comm_rank(MPI_COMM_WORLD, &me);
    const char *dir = getenv("MPISEG_DIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/mpiseg.%d.txt", dir ? dir : ".", me);
    FILE *f = fopen(path, "w");
    if (f) {
        fprintf(f, "# total_cpu %.6f tail %.6f first_cpu %.6f\n", cpu_now(), tail, first_cpu);
        for (size_t i = 0; i < nrec; i++) {
            rec *r = &recs[i];
            fprintf(f, "%s %.9f %.9f %.9f", kind_name[r->kind], r->seg, r->inside_wall, r->inside_cpu);
            for (int d = 0; d < DEPTH; d++) {
                Dl_info in;
                if (r->at[d] && dladdr((void *)r->at[d], &in) && in.dli_fname)
                    fprintf(f, " %s+0x%lx", in.dli_fname,
                            (unsigned long)(r->at[d] - (uintptr_t)in.dli_fbase));
                else
                    fprintf(f, " ?");
            }
            fputc('\n', f);
        }
        fclose(f);
    }
    return PMPI_Finalize();
}
