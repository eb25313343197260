#include "dft/scalapack.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* BLACS (C interface) and ScaLAPACK (Fortran) as libscalapack-openmpi
 * exports them; Debian ships no header. The trailing size_t arguments are
 * gfortran's hidden lengths of the character arguments. */
int Csys2blacs_handle(MPI_Comm comm);
void Cfree_blacs_system_handle(int handle);
void Cblacs_gridinit(int *ctxt, char *order, int nprow, int npcol);
void Cblacs_gridinfo(int ctxt, int *nprow, int *npcol, int *myrow, int *mycol);
void Cblacs_gridexit(int ctxt);
int numroc_(const int *n, const int *nb, const int *iproc, const int *isrc, const int *nprocs);
void descinit_(int *desc, const int *m, const int *n, const int *mb, const int *nb,
               const int *irsrc, const int *icsrc, const int *ctxt, const int *lld, int *info);
void pdsyevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *ia,
              const int *ja, const int *desca, double *w, double *z, const int *iz, const int *jz,
              const int *descz, double *work, const int *lwork, int *iwork, const int *liwork,
              int *info, size_t, size_t);
void pzheevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *ia,
              const int *ja, const int *desca, double *w, double *z, const int *iz, const int *jz,
              const int *descz, double *work, const int *lwork, double *rwork, const int *lrwork,
              int *iwork, const int *liwork, int *info, size_t, size_t);
void pdsyev_(const char *jobz, const char *uplo, const int *n, double *a, const int *ia,
             const int *ja, const int *desca, double *w, double *z, const int *iz, const int *jz,
             const int *descz, double *work, const int *lwork, int *info, size_t, size_t);
void pzheev_(const char *jobz, const char *uplo, const int *n, double *a, const int *ia,
             const int *ja, const int *desca, double *w, double *z, const int *iz, const int *jz,
             const int *descz, double *work, const int *lwork, double *rwork, const int *lrwork,
             int *info, size_t, size_t);
void pdpotrf_(const char *uplo, const int *n, double *a, const int *ia, const int *ja,
              const int *desca, int *info, size_t);
void pzpotrf_(const char *uplo, const int *n, double *a, const int *ia, const int *ja,
              const int *desca, int *info, size_t);

#define NOMEM (-1000)

int fu_scalapack_init(fu_scalapack *g, MPI_Comm comm, fu_err *err) {
    memset(g, 0, sizeof *g);
    g->comm = comm;
    MPI_Comm_rank(comm, &g->rank);
    MPI_Comm_size(comm, &g->size);
    g->nprow = 1;
    for (int r = 1; r * r <= g->size; r++)
        if (g->size % r == 0) g->nprow = r;
    g->npcol = g->size / g->nprow;
    g->prow = malloc(sizeof(int) * 4 * (size_t)g->size);
    int ok = g->prow != NULL;
    MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_MIN, comm);
    if (!ok) {
        free(g->prow);
        g->prow = NULL;
        return fu_fail(err, FU_ENOMEM, "scalapack: out of memory for a grid of %d ranks", g->size);
    }
    g->pcol = g->prow + g->size;
    g->cnt = g->pcol + g->size;
    g->dsp = g->cnt + g->size;
    g->sysh = Csys2blacs_handle(comm);
    g->ctxt = g->sysh;
    Cblacs_gridinit(&g->ctxt, "Row", g->nprow, g->npcol);
    int npr, npc;
    Cblacs_gridinfo(g->ctxt, &npr, &npc, &g->myrow, &g->mycol);
    if (npr != g->nprow || npc != g->npcol || g->myrow < 0) {
        Cfree_blacs_system_handle(g->sysh);
        free(g->prow);
        g->prow = NULL;
        return fu_fail(err, FU_ELIB, "scalapack: BLACS did not set up a %d x %d grid", g->nprow,
                       g->npcol);
    }
    int me[2] = {g->myrow, g->mycol};
    int *all = g->cnt; /* scratch: 2 ints per rank fit in cnt and dsp */
    MPI_Allgather(me, 2, MPI_INT, all, 2, MPI_INT, comm);
    for (int r = 0; r < g->size; r++) {
        g->prow[r] = all[2 * r];
        g->pcol[r] = all[2 * r + 1];
    }
    return FU_OK;
}

void fu_scalapack_free(fu_scalapack *g) {
    if (g->prow) {
        Cblacs_gridexit(g->ctxt);
        Cfree_blacs_system_handle(g->sysh);
    }
    free(g->prow);
    free(g->a);
    free(g->z);
    free(g->work);
    free(g->rwork);
    free(g->gath);
    free(g->iwork);
    memset(g, 0, sizeof *g);
}

/* *buf holds at least n elements of size sz (grow only). */
static int grow(void **buf, size_t *cap, size_t n, size_t sz) {
    if (n <= *cap) return 1;
    void *p = realloc(*buf, n * sz);
    if (!p) return 0;
    *buf = p;
    *cap = n;
    return 1;
}

/* Block size for an n x n matrix: FU_SCALAPACK_NB, or less so that each
 * process column gets a block. */
static int block(const fu_scalapack *g, int n) {
    int d = g->nprow > g->npcol ? g->nprow : g->npcol;
    int nb = (n + d - 1) / d;
    if (nb > FU_SCALAPACK_NB) nb = FU_SCALAPACK_NB;
    return nb < 1 ? 1 : nb;
}

static int local_count(int n, int nb, int iproc, int nprocs) {
    const int zero = 0;
    return numroc_(&n, &nb, &iproc, &zero, &nprocs);
}

/* Global index of local index l in a block-cyclic dimension. */
static int global_index(int l, int nb, int iproc, int nprocs) {
    return ((l / nb) * nprocs + iproc) * nb + l % nb;
}

/* This rank's blocks of the replicated n x n matrix M (per doubles per
 * element) into a (leading dimension lld). */
static void scatter(const fu_scalapack *g, int n, int nb, int per, const double *M, double *a,
                    int lld) {
    int np = local_count(n, nb, g->myrow, g->nprow), nq = local_count(n, nb, g->mycol, g->npcol);
    for (int lj = 0; lj < nq; lj++) {
        int gj = global_index(lj, nb, g->mycol, g->npcol);
        for (int li = 0; li < np; li++) {
            int gi = global_index(li, nb, g->myrow, g->nprow);
            memcpy(a + ((size_t)li + (size_t)lj * lld) * per, M + ((size_t)gi + (size_t)gj * n) * per,
                   sizeof(double) * per);
        }
    }
}

/* Doubles of the largest rank's share of an n x n matrix. */
static size_t share_max(const fu_scalapack *g, int n, int nb, int per) {
    size_t most = 1;
    for (int r = 0; r < g->size; r++) {
        size_t c = (size_t)local_count(n, nb, g->prow[r], g->nprow) *
                   local_count(n, nb, g->pcol[r], g->npcol) * per;
        if (c > most) most = c;
    }
    return most;
}

/* The distributed z (leading dimension lld: this rank's row count, or 1
 * when it has no rows, so z is compact) back into the replicated M on every
 * rank: each rank's blocks broadcast in turn into buf (share_max doubles,
 * not z), so no second whole matrix is needed. */
static void gather(fu_scalapack *g, int n, int nb, int per, double *z, double *buf, double *M) {
    for (int r = 0; r < g->size; r++) {
        int npr = local_count(n, nb, g->prow[r], g->nprow);
        int nqr = local_count(n, nb, g->pcol[r], g->npcol);
        double *src = r == g->rank ? z : buf;
        if (npr * nqr > 0) MPI_Bcast(src, npr * nqr * per, MPI_DOUBLE, r, g->comm);
        for (int lj = 0; lj < nqr; lj++) {
            int gj = global_index(lj, nb, g->pcol[r], g->npcol);
            for (int li = 0; li < npr; li++) {
                int gi = global_index(li, nb, g->prow[r], g->nprow);
                memcpy(M + ((size_t)gi + (size_t)gj * n) * per,
                       src + ((size_t)li + (size_t)lj * npr) * per, sizeof(double) * per);
            }
        }
    }
}

/* Descriptor of an n x n matrix with block nb; *lld its local leading dimension. */
static int describe(const fu_scalapack *g, int n, int nb, int desc[9], int *lld) {
    int np = local_count(n, nb, g->myrow, g->nprow), zero = 0, info = 0;
    *lld = np > 1 ? np : 1;
    descinit_(desc, &n, &n, &nb, &nb, &zero, &zero, &g->ctxt, lld, &info);
    return info;
}

/* The ScaLAPACK eigen-driver of cplx and dc on g->a (vectors into g->z) with the
 * workspaces of g; lw = lr = li = -1 is the workspace query. Returns its info. */
static int driver(fu_scalapack *g, int n, int cplx, int dc, const int desc[9], double *w, int lw,
                  int lr, int li) {
    const int one = 1;
    int info = 0;
    if (cplx && dc)
        pzheevd_("V", "U", &n, g->a, &one, &one, desc, w, g->z, &one, &one, desc, g->work, &lw,
                 g->rwork, &lr, g->iwork, &li, &info, 1, 1);
    else if (cplx)
        pzheev_("V", "U", &n, g->a, &one, &one, desc, w, g->z, &one, &one, desc, g->work, &lw,
                g->rwork, &lr, &info, 1, 1);
    else if (dc)
        pdsyevd_("V", "U", &n, g->a, &one, &one, desc, w, g->z, &one, &one, desc, g->work, &lw,
                 g->iwork, &li, &info, 1, 1);
    else
        pdsyev_("V", "U", &n, g->a, &one, &one, desc, w, g->z, &one, &one, desc, g->work, &lw,
                &info, 1, 1);
    return info;
}

/* One eigen-solve with the given driver (dc: divide and conquer). */
static int eig_once(fu_scalapack *g, int n, int cplx, int dc, const double *H, double *w) {
    const int per = cplx ? 2 : 1, nb = block(g, n);
    int desc[9], lld, info = describe(g, n, nb, desc, &lld);
    if (info) return info;
    int nq = local_count(n, nb, g->mycol, g->npcol);
    size_t loc = (size_t)lld * (nq > 0 ? nq : 1) * per, most = share_max(g, n, nb, per);
    /* a, destroyed by the solver, is then the gather's receive buffer */
    int ok = grow((void **)&g->a, &g->cap_a, loc > most ? loc : most, sizeof(double)) &&
             grow((void **)&g->z, &g->cap_z, loc, sizeof(double)) &&
             grow((void **)&g->work, &g->cap_work, 4, sizeof(double)) &&
             grow((void **)&g->rwork, &g->cap_rwork, 4, sizeof(double)) &&
             grow((void **)&g->iwork, &g->cap_iwork, 4, sizeof(int));
    MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_MIN, g->comm);
    if (!ok) return NOMEM;
    scatter(g, n, nb, per, H, g->a, lld);
    /* workspace query (documented minima and a small margin on top) */
    int lw = -1, lr = -1, li = -1;
    g->work[0] = g->rwork[0] = 0;
    g->iwork[0] = 0;
    info = driver(g, n, cplx, dc, desc, w, lw, lr, li);
    if (info) return info;
    lw = (int)fmin((g->work[0] > 0 ? g->work[0] : 0) + (double)n * nb + 1024, 2e9);
    lr = (int)fmin(fmax(g->rwork[0], 1.0 + 9.0 * n + 3.0 * loc / per) + 1024, 2e9);
    li = (g->iwork[0] > 7 * n + 8 * g->npcol + 2 ? g->iwork[0] : 7 * n + 8 * g->npcol + 2) + 64;
    ok = grow((void **)&g->work, &g->cap_work, (size_t)lw * per, sizeof(double)) &&
         grow((void **)&g->rwork, &g->cap_rwork, cplx ? (size_t)lr : 4, sizeof(double)) &&
         grow((void **)&g->iwork, &g->cap_iwork, (size_t)li, sizeof(int));
    MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_MIN, g->comm);
    if (!ok) return NOMEM;
    info = driver(g, n, cplx, dc, desc, w, lw, lr, li);
    MPI_Bcast(&info, 1, MPI_INT, 0, g->comm); /* global in ScaLAPACK; made certain */
    return info;
}

int fu_scalapack_heev(fu_scalapack *g, int n, int cplx, double *H, double *w) {
    const int per = cplx ? 2 : 1;
    int info = eig_once(g, n, cplx, 1, H, w);
    if (info != 0 && info != NOMEM) info = eig_once(g, n, cplx, 0, H, w);
    if (info != 0) return info;
    MPI_Bcast(w, n, MPI_DOUBLE, 0, g->comm);
    gather(g, n, block(g, n), per, g->z, g->a, H);
    g->solves++;
    return 0;
}

int fu_scalapack_potrf(fu_scalapack *g, int n, int cplx, double *R) {
    const int per = cplx ? 2 : 1, one = 1, nb = block(g, n);
    int desc[9], lld, info = describe(g, n, nb, desc, &lld);
    if (info) return info;
    int nq = local_count(n, nb, g->mycol, g->npcol);
    int ok = grow((void **)&g->a, &g->cap_a, (size_t)lld * (nq > 0 ? nq : 1) * per, sizeof(double)) &&
             grow((void **)&g->gath, &g->cap_gath, share_max(g, n, nb, per), sizeof(double));
    MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_MIN, g->comm);
    if (!ok) return NOMEM;
    scatter(g, n, nb, per, R, g->a, lld);
    if (cplx)
        pzpotrf_("U", &n, g->a, &one, &one, desc, &info, 1);
    else
        pdpotrf_("U", &n, g->a, &one, &one, desc, &info, 1);
    MPI_Bcast(&info, 1, MPI_INT, 0, g->comm);
    if (info != 0) return info;
    gather(g, n, nb, per, g->a, g->gath, R); /* m x m: a small buffer */
    g->solves++;
    return 0;
}
