/* MPI byte counter for validation/scaling.py: a PMPI interposer loaded with
 * LD_PRELOAD into an unchanged furui, because Debian 12 packages no MPI
 * profiler (mpiP, Score-P, IPM are not in it).
 *
 * Counts per rank the calls and the payload bytes this rank contributes:
 * Allreduce/Reduce/Allgather(v)/Reduce_scatter the send buffer (an in-place
 * Allgatherv counts nothing), Bcast the buffer at the root, Alltoall(v) what goes to other ranks (the part kept by the rank
 * itself is not communication), point-to-point (Send, Isend, Sendrecv: the
 * slab FFT's pairwise transposes in FFTW's MPI interface) what is sent to
 * another rank. The bytes an
 * MPI library moves on the wire depend on its algorithm (a ring allreduce
 * moves about 2 (p-1)/p times the payload); scaling.py states the factor.
 * Only calls on communicators of more than one rank are counted. At
 * MPI_Finalize each rank writes MPICOUNT_DIR/mpicount.RANK.json. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

enum { ALLREDUCE, REDUCE, ALLTOALLV, ALLTOALL, BCAST, ALLGATHER, ALLGATHERV, GATHER, SEND,
       REDUCE_SCATTER, NKIND };
static const char *kind_name[NKIND] = {"allreduce", "reduce",     "alltoallv", "alltoall", "bcast",
                                       "allgather", "allgatherv", "gather",    "send",
                                       "reduce_scatter"};
static double bytes[NKIND];
static long long calls[NKIND];

static int type_size(MPI_Datatype t) {
    int s = 0;
    PMPI_Type_size(t, &s);
    return s;
}

static int multi(MPI_Comm c) {
    int n = 1;
    PMPI_Comm_size(c, &n);
    return n > 1;
}

static void add(int kind, double b, MPI_Comm c) {
    if (!multi(c)) return;
    calls[kind]++;
    bytes[kind] += b;
}

int MPI_Allreduce(const void *s, void *r, int n, MPI_Datatype t, MPI_Op op, MPI_Comm c) {
    add(ALLREDUCE, (double)n * type_size(t), c);
    return PMPI_Allreduce(s, r, n, t, op, c);
}

int MPI_Reduce(const void *s, void *r, int n, MPI_Datatype t, MPI_Op op, int root, MPI_Comm c) {
    add(REDUCE, (double)n * type_size(t), c);
    return PMPI_Reduce(s, r, n, t, op, root, c);
}

int MPI_Bcast(void *b, int n, MPI_Datatype t, int root, MPI_Comm c) {
    int me = 0;
    PMPI_Comm_rank(c, &me);
    add(BCAST, me == root ? (double)n * type_size(t) : 0.0, c);
    return PMPI_Bcast(b, n, t, root, c);
}

int MPI_Alltoallv(const void *s, const int *sc, const int *sd, MPI_Datatype st, void *r, const int *rc,
                  const int *rd, MPI_Datatype rt, MPI_Comm c) {
    int me = 0, p = 1;
    PMPI_Comm_rank(c, &me);
    PMPI_Comm_size(c, &p);
    double b = 0;
    for (int j = 0; j < p; j++)
        if (j != me) b += (double)sc[j] * type_size(st);
    add(ALLTOALLV, b, c);
    return PMPI_Alltoallv(s, sc, sd, st, r, rc, rd, rt, c);
}

int MPI_Alltoall(const void *s, int sc, MPI_Datatype st, void *r, int rc, MPI_Datatype rt, MPI_Comm c) {
    int p = 1;
    PMPI_Comm_size(c, &p);
    add(ALLTOALL, (double)sc * type_size(st) * (p - 1), c);
    return PMPI_Alltoall(s, sc, st, r, rc, rt, c);
}

int MPI_Allgather(const void *s, int sc, MPI_Datatype st, void *r, int rc, MPI_Datatype rt, MPI_Comm c) {
    add(ALLGATHER, (double)sc * type_size(st), c);
    return PMPI_Allgather(s, sc, st, r, rc, rt, c);
}

int MPI_Allgatherv(const void *s, int sc, MPI_Datatype st, void *r, const int *rc, const int *rd,
                   MPI_Datatype rt, MPI_Comm c) {
    add(ALLGATHERV, (double)sc * type_size(st), c);
    return PMPI_Allgatherv(s, sc, st, r, rc, rd, rt, c);
}

int MPI_Ibcast(void *b, int n, MPI_Datatype t, int root, MPI_Comm c, MPI_Request *req) {
    int me = 0;
    PMPI_Comm_rank(c, &me);
    add(BCAST, me == root ? (double)n * type_size(t) : 0.0, c);
    return PMPI_Ibcast(b, n, t, root, c, req);
}

int MPI_Gather(const void *s, int sc, MPI_Datatype st, void *r, int rc, MPI_Datatype rt, int root,
               MPI_Comm c) {
    add(GATHER, (double)sc * type_size(st), c);
    return PMPI_Gather(s, sc, st, r, rc, rt, root, c);
}

int MPI_Gatherv(const void *s, int sc, MPI_Datatype st, void *r, const int *rc, const int *rd,
                MPI_Datatype rt, int root, MPI_Comm c) {
    add(GATHER, (double)sc * type_size(st), c);
    return PMPI_Gatherv(s, sc, st, r, rc, rd, rt, root, c);
}

int MPI_Send(const void *b, int n, MPI_Datatype t, int dest, int tag, MPI_Comm c) {
    add(SEND, (double)n * type_size(t), c);
    return PMPI_Send(b, n, t, dest, tag, c);
}

int MPI_Isend(const void *b, int n, MPI_Datatype t, int dest, int tag, MPI_Comm c, MPI_Request *req) {
    add(SEND, (double)n * type_size(t), c);
    return PMPI_Isend(b, n, t, dest, tag, c, req);
}

int MPI_Sendrecv(const void *sb, int sc, MPI_Datatype st, int dest, int stag, void *rb, int rc,
                 MPI_Datatype rt, int src, int rtag, MPI_Comm c, MPI_Status *status) {
    int me = 0;
    PMPI_Comm_rank(c, &me);
    add(SEND, dest == me ? 0.0 : (double)sc * type_size(st), c);
    return PMPI_Sendrecv(sb, sc, st, dest, stag, rb, rc, rt, src, rtag, c, status);
}

int MPI_Reduce_scatter(const void *s, void *r, const int *rc, MPI_Datatype t, MPI_Op op,
                       MPI_Comm c) {
    int p = 1;
    PMPI_Comm_size(c, &p);
    double n = 0;
    for (int j = 0; j < p; j++) n += rc[j];
    add(REDUCE_SCATTER, n * type_size(t), c);
    return PMPI_Reduce_scatter(s, r, rc, t, op, c);
}

int MPI_Finalize(void) {
    int me = 0;
    PMPI_Comm_rank(MPI_COMM_WORLD, &me);
    const char *dir = getenv("MPICOUNT_DIR");
    if (dir) {
        char path[4096];
        snprintf(path, sizeof path, "%s/mpicount.%d.json", dir, me);
        FILE *f = fopen(path, "w");
        if (f) {
            fprintf(f, "{");
            for (int k = 0; k < NKIND; k++)
                fprintf(f, "%s\"%s\": {\"calls\": %lld, \"bytes\": %.0f}", k ? ", " : "", kind_name[k],
                        calls[k], bytes[k]);
            fprintf(f, "}\n");
            fclose(f);
        }
    }
    return PMPI_Finalize();
}
