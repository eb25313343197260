/* MPI byte counter for validation/scaling.py: a PMPI interposer loaded with
 * LD_PRELOAD into an unchanged furui, because Debian 12 packages no MPI
 * profiler (mpiP, Score-P, IPM are not in it). It sees FFTW's MPI interface
 * too (libfftw3_mpi calls MPI_Alltoall(v), MPI_Sendrecv, MPI_Send/Recv,
 * MPI_Allreduce, MPI_Bcast through the dynamic linker, so the slab FFT's
 * transposes are counted like furui's own calls).
 *
 * Counts per rank the calls and the bytes of each operation. Bytes are what
 * this rank contributes or takes beyond its own part, per operation:
 *   allreduce, reduce, iallreduce: the payload (the wire traffic depends on
 *     the library's algorithm: a ring allreduce moves about 2 (p-1)/p times
 *     it; scaling.py states the factor);
 *   bcast, ibcast: the buffer at the root, 0 elsewhere;
 *   alltoall(v), ialltoallv: what goes to the other ranks (the part a rank
 *     keeps is not communication); an Alltoallv on the communicator furui
 *     names "fu_fft_ranks" is "alltoallv_fftranks": the FFT ranks' column
 *     exchanges (src/dft/fftcols.c), apart from the band transposes;
 *   allgather(v), iallgatherv: what comes from the other ranks ((p-1)/p of
 *     the gathered array for equal parts; in place or not); an Allgatherv of
 *     as many elements as the FFT grid has points (MPICOUNT_GRID, else the
 *     element count of the first Reduce_scatter) is "allgatherv_grid": the
 *     slabs of V_eff or rho(G) gathered whole, apart from the eigensolver's
 *     gathers of subspace coefficients;
 *   reduce_scatter(_block): the parts of the send buffer summed on the other
 *     ranks ((p-1)/p of it for equal parts: what a ring reduce-scatter sends);
 *   gather(v): the send buffer;
 *   send, isend, sendrecv: what is sent to another rank;
 *   recv: what arrived (status); irecv: the posted size (an upper bound:
 *     the sender's count is the exact one);
 *   barrier: calls only.
 * Only calls on communicators of more than one rank are counted. Calls made
 * inside fftw_mpi_execute_dft (also wrapped here, found with dlsym) are
 * tallied apart as "fft:KIND", with "fft:transforms" the number of slab
 * transforms executed on more than one rank (an MPI plan run through
 * fftw_execute is not seen as such: its calls land in the plain kinds).
 *
 * Per SCF step: every call of the kind named by MPICOUNT_STEP (default
 * reduce_scatter: the band densities are reduce-scattered into slabs once
 * per SCF step and spin channel) opens a new segment, so segment 0 is the
 * set-up with the first eigensolver pass, the interior segments are whole
 * SCF steps (density side, then the next eigensolver pass) and the last one
 * ends with forces and stress. At MPI_Finalize each rank writes
 * MPICOUNT_DIR/mpicount.RANK.json: the totals per kind and the segments. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { ALLREDUCE, REDUCE, ALLTOALLV, ALLTOALL, BCAST, ALLGATHER, ALLGATHERV, GATHER, SEND,
       REDUCE_SCATTER, REDUCE_SCATTER_BLOCK, SENDRECV, ISEND, RECV, IRECV, BARRIER, TRANSFORMS,
       ALLGATHERV_GRID, ALLTOALLV_FFTRANKS, NKIND };
static const char *kind_name[NKIND] = {
    "allreduce", "reduce", "alltoallv", "alltoall", "bcast",    "allgather", "allgatherv", "gather",
    "send",      "reduce_scatter", "reduce_scatter_block", "sendrecv", "isend", "recv", "irecv",
    "barrier", "transforms", "allgatherv_grid", "alltoallv_fftranks"};
/* [0]: furui's own calls, [1]: calls inside a slab FFT */
typedef struct {
    long long calls[2][NKIND];
    double bytes[2][NKIND];
} tally;
static tally total, *seg;
static int nseg, capseg, step_kind = -2; /* -2: not read yet, -1: no segments */

static int type_size(MPI_Datatype t) {
    int s = 0;
    PMPI_Type_size(t, &s);
    return s;
}

static int me_of(MPI_Comm c) {
    int me = 0;
    PMPI_Comm_rank(c, &me);
    return me;
}

static int size_of(MPI_Comm c) {
    int p = 1;
    PMPI_Comm_size(c, &p);
    return p;
}

static void bump(int i, int kind, double b) {
    total.calls[i][kind]++;
    total.bytes[i][kind] += b;
    if (step_kind >= 0) {
        seg[nseg - 1].calls[i][kind]++;
        seg[nseg - 1].bytes[i][kind] += b;
    }
}

static int in_fft, fft_first;
static void add(int kind, double b, MPI_Comm c) {
    if (size_of(c) < 2) return;
    if (step_kind == -2) {
        const char *e = getenv("MPICOUNT_STEP");
        step_kind = -1;
        for (int k = 0; k < NKIND; k++)
            if (!strcmp(e ? e : "reduce_scatter", kind_name[k])) step_kind = k;
    }
    if (step_kind >= 0 && (nseg == 0 || (kind == step_kind && !in_fft))) {
        if (nseg == capseg) {
            int cap = capseg ? 2 * capseg : 64;
            tally *t = realloc(seg, sizeof *seg * cap);
            if (!t) {
                step_kind = -1; /* out of memory: totals only */
                goto count;
            }
            seg = t, capseg = cap;
        }
        memset(&seg[nseg++], 0, sizeof *seg);
    }
count:
    if (in_fft && fft_first) {
        fft_first = 0;
        bump(1, TRANSFORMS, 0.0);
    }
    bump(in_fft, kind, b);
}

/* points of the FFT grid: 0 until known */
static double grid_points = -1;
static double grid(void) {
    if (grid_points < 0) {
        const char *e = getenv("MPICOUNT_GRID");
        grid_points = e ? atof(e) : 0;
    }
    return grid_points;
}

static double sum_counts(const int *counts, MPI_Comm c) {
    int p = size_of(c);
    double n = 0;
    for (int j = 0; j < p; j++) n += counts[j];
    return n;
}

/* sum of counts[j] over j != me, in bytes */
static double others(const int *counts, MPI_Datatype t, MPI_Comm c) {
    int me = me_of(c), p = size_of(c);
    double n = 0;
    for (int j = 0; j < p; j++)
        if (j != me) n += counts[j];
    return n * type_size(t);
}

int MPI_Allreduce(const void *s, void *r, int n, MPI_Datatype t, MPI_Op op, MPI_Comm c) {
    add(ALLREDUCE, (double)n * type_size(t), c);
    return PMPI_Allreduce(s, r, n, t, op, c);
}

int MPI_Iallreduce(const void *s, void *r, int n, MPI_Datatype t, MPI_Op op, MPI_Comm c,
                   MPI_Request *req) {
    add(ALLREDUCE, (double)n * type_size(t), c);
    return PMPI_Iallreduce(s, r, n, t, op, c, req);
}

int MPI_Reduce(const void *s, void *r, int n, MPI_Datatype t, MPI_Op op, int root, MPI_Comm c) {
    add(REDUCE, (double)n * type_size(t), c);
    return PMPI_Reduce(s, r, n, t, op, root, c);
}

int MPI_Bcast(void *b, int n, MPI_Datatype t, int root, MPI_Comm c) {
    add(BCAST, me_of(c) == root ? (double)n * type_size(t) : 0.0, c);
    return PMPI_Bcast(b, n, t, root, c);
}

int MPI_Ibcast(void *b, int n, MPI_Datatype t, int root, MPI_Comm c, MPI_Request *req) {
    add(BCAST, me_of(c) == root ? (double)n * type_size(t) : 0.0, c);
    return PMPI_Ibcast(b, n, t, root, c, req);
}

/* the FFT ranks' column exchanges (src/dft/fftcols.c) run on a communicator furui names so */
static int fft_ranks_comm(MPI_Comm c) {
    char name[MPI_MAX_OBJECT_NAME];
    int len = 0;
    return PMPI_Comm_get_name(c, name, &len) == MPI_SUCCESS && !strcmp(name, "fu_fft_ranks");
}

int MPI_Alltoallv(const void *s, const int *sc, const int *sd, MPI_Datatype st, void *r, const int *rc,
                  const int *rd, MPI_Datatype rt, MPI_Comm c) {
    add(fft_ranks_comm(c) ? ALLTOALLV_FFTRANKS : ALLTOALLV, others(sc, st, c), c);
    return PMPI_Alltoallv(s, sc, sd, st, r, rc, rd, rt, c);
}

int MPI_Ialltoallv(const void *s, const int *sc, const int *sd, MPI_Datatype st, void *r,
                   const int *rc, const int *rd, MPI_Datatype rt, MPI_Comm c, MPI_Request *req) {
    add(ALLTOALLV, others(sc, st, c), c);
    return PMPI_Ialltoallv(s, sc, sd, st, r, rc, rd, rt, c, req);
}

int MPI_Alltoall(const void *s, int sc, MPI_Datatype st, void *r, int rc, MPI_Datatype rt, MPI_Comm c) {
    add(ALLTOALL, (double)sc * type_size(st) * (size_of(c) - 1), c);
    return PMPI_Alltoall(s, sc, st, r, rc, rt, c);
}

int MPI_Allgather(const void *s, int sc, MPI_Datatype st, void *r, int rc, MPI_Datatype rt, MPI_Comm c) {
    add(ALLGATHER, (double)rc * type_size(rt) * (size_of(c) - 1), c);
    return PMPI_Allgather(s, sc, st, r, rc, rt, c);
}

int MPI_Allgatherv(const void *s, int sc, MPI_Datatype st, void *r, const int *rc, const int *rd,
                   MPI_Datatype rt, MPI_Comm c) {
    add(size_of(c) > 1 && grid() > 0 && sum_counts(rc, c) == grid() ? ALLGATHERV_GRID : ALLGATHERV,
        others(rc, rt, c), c);
    return PMPI_Allgatherv(s, sc, st, r, rc, rd, rt, c);
}

int MPI_Iallgatherv(const void *s, int sc, MPI_Datatype st, void *r, const int *rc, const int *rd,
                    MPI_Datatype rt, MPI_Comm c, MPI_Request *req) {
    add(ALLGATHERV, others(rc, rt, c), c);
    return PMPI_Iallgatherv(s, sc, st, r, rc, rd, rt, c, req);
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

int MPI_Reduce_scatter(const void *s, void *r, const int *rc, MPI_Datatype t, MPI_Op op,
                       MPI_Comm c) {
    if (size_of(c) > 1 && grid() == 0) grid_points = sum_counts(rc, c);
    add(REDUCE_SCATTER, others(rc, t, c), c);
    return PMPI_Reduce_scatter(s, r, rc, t, op, c);
}

int MPI_Reduce_scatter_block(const void *s, void *r, int rc, MPI_Datatype t, MPI_Op op,
                             MPI_Comm c) {
    add(REDUCE_SCATTER_BLOCK, (double)rc * type_size(t) * (size_of(c) - 1), c);
    return PMPI_Reduce_scatter_block(s, r, rc, t, op, c);
}

int MPI_Barrier(MPI_Comm c) {
    add(BARRIER, 0.0, c);
    return PMPI_Barrier(c);
}

int MPI_Send(const void *b, int n, MPI_Datatype t, int dest, int tag, MPI_Comm c) {
    add(SEND, dest == me_of(c) ? 0.0 : (double)n * type_size(t), c);
    return PMPI_Send(b, n, t, dest, tag, c);
}

int MPI_Isend(const void *b, int n, MPI_Datatype t, int dest, int tag, MPI_Comm c, MPI_Request *req) {
    add(ISEND, dest == me_of(c) ? 0.0 : (double)n * type_size(t), c);
    return PMPI_Isend(b, n, t, dest, tag, c, req);
}

int MPI_Sendrecv(const void *sb, int sc, MPI_Datatype st, int dest, int stag, void *rb, int rc,
                 MPI_Datatype rt, int src, int rtag, MPI_Comm c, MPI_Status *status) {
    add(SENDRECV, dest == me_of(c) ? 0.0 : (double)sc * type_size(st), c);
    return PMPI_Sendrecv(sb, sc, st, dest, stag, rb, rc, rt, src, rtag, c, status);
}

int MPI_Recv(void *b, int n, MPI_Datatype t, int src, int tag, MPI_Comm c, MPI_Status *status) {
    MPI_Status local;
    MPI_Status *st = status == MPI_STATUS_IGNORE ? &local : status;
    int rv = PMPI_Recv(b, n, t, src, tag, c, st);
    int got = 0;
    if (rv == MPI_SUCCESS) PMPI_Get_count(st, t, &got);
    if (got == MPI_UNDEFINED) got = 0;
    add(RECV, st->MPI_SOURCE == me_of(c) ? 0.0 : (double)got * type_size(t), c);
    return rv;
}

int MPI_Irecv(void *b, int n, MPI_Datatype t, int src, int tag, MPI_Comm c, MPI_Request *req) {
    add(IRECV, src == me_of(c) ? 0.0 : (double)n * type_size(t), c);
    return PMPI_Irecv(b, n, t, src, tag, c, req);
}

/* FFTW's MPI plans carry their communicator inside; the transform count is
 * taken by the first collective of the execution (a plan on one rank makes
 * none and is not counted) */
typedef void (*exec_fn)(void *, void *, void *);
static void exec_wrapped(const char *name, exec_fn *real, void *p, void *in, void *out) {
    if (!*real) *real = (exec_fn)dlsym(RTLD_NEXT, name);
    in_fft = 1, fft_first = 1;
    (*real)(p, in, out);
    in_fft = 0, fft_first = 0;
}
static exec_fn real_dft, real_r2c, real_c2r;
void fftw_mpi_execute_dft(void *p, void *in, void *out) {
    exec_wrapped("fftw_mpi_execute_dft", &real_dft, p, in, out);
}
void fftw_mpi_execute_dft_r2c(void *p, void *in, void *out) {
    exec_wrapped("fftw_mpi_execute_dft_r2c", &real_r2c, p, in, out);
}
void fftw_mpi_execute_dft_c2r(void *p, void *in, void *out) {
    exec_wrapped("fftw_mpi_execute_dft_c2r", &real_c2r, p, in, out);
}

static void put(FILE *f, const tally *t) {
    fprintf(f, "{");
    int first = 1;
    for (int i = 0; i < 2; i++)
        for (int k = 0; k < NKIND; k++) {
            if (!t->calls[i][k]) continue;
            fprintf(f, "%s\"%s%s\": [%lld, %.0f]", first ? "" : ", ", i ? "fft:" : "", kind_name[k],
                    t->calls[i][k], t->bytes[i][k]);
            first = 0;
        }
    fprintf(f, "}");
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
            fprintf(f, "{\"step_kind\": \"%s\", \"total\": ",
                    step_kind >= 0 ? kind_name[step_kind] : "");
            put(f, &total);
            fprintf(f, ",\n\"segments\": [");
            for (int i = 0; i < nseg; i++) {
                fprintf(f, "%s", i ? ",\n" : "\n");
                put(f, &seg[i]);
            }
            fprintf(f, "]}\n");
            fclose(f);
        }
    }
    free(seg);
    return PMPI_Finalize();
}
