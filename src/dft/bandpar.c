#include "dft/bandpar.h"

#include <stdlib.h>
#include <string.h>

void fu_bandpar_split(int n, int p, int j, int *off, int *cnt) {
    int q = n / p, r = n % p;
    *cnt = q + (j < r);
    *off = j * q + (j < r ? j : r);
}

int fu_bandpar_nbuffer(int nband) { return nband / 8 > 2 ? nband / 8 : 2; }

double fu_bandpar_cost(int nk, int npk, int npb) {
    return (double)((nk + npk - 1) / npk) / (1.0 + FU_BANDPAR_EFF * (npb - 1));
}

int fu_bandpar_layout(int nk, int size, int npw_min, int nev, int want_npb, int *npk, int *npb,
                      fu_err *err) {
    if (size < 1) size = 1;
    if (nk < 1) nk = 1;
    /* splittable with npb band ranks: a band and a plane-wave row each, and
     * LOBPCG rather than the dense fallback (which needs all rows) */
    int max_npb = npw_min >= 3 * nev + 5 ? nev : 1;
    if (max_npb > npw_min / FU_BANDPAR_MIN_ROWS) max_npb = npw_min / FU_BANDPAR_MIN_ROWS;
    if (max_npb < 1) max_npb = 1;
    if (want_npb > 0) {
        if (size % want_npb)
            return fu_fail(err, FU_EINPUT,
                           "layout: %d band ranks do not divide the %d ranks of the group",
                           want_npb, size);
        if (want_npb > max_npb)
            return fu_fail(err, FU_EINPUT,
                           "layout: %d band ranks cannot share %d bands of %d plane waves "
                           "(at most %d: a band and %d plane waves each, and >= 3 x bands + 5 "
                           "plane waves)",
                           want_npb, nev, npw_min, max_npb, FU_BANDPAR_MIN_ROWS);
        *npb = want_npb;
        *npk = size / want_npb;
        return FU_OK;
    }
    double best = 0;
    *npk = size;
    *npb = 1;
    for (int b = 1; b <= size && b <= max_npb; b++) {
        if (size % b) continue;
        int k = size / b;
        double cost = fu_bandpar_cost(nk, k, b);
        if (b == 1 || cost < best * (1 - 1e-12)) {
            best = cost;
            *npk = k;
            *npb = b;
        }
    }
    return FU_OK;
}

int fu_bandpar_init(fu_bandpar *bp, MPI_Comm comm, int npw_max, int nev, int sl_min,
                    fu_err *err) {
    memset(bp, 0, sizeof *bp);
    bp->comm = comm;
    MPI_Comm_rank(comm, &bp->rank);
    MPI_Comm_size(comm, &bp->size);
    int cmax = (nev + bp->size - 1) / bp->size;
    bp->cap = (size_t)(npw_max > 0 ? npw_max : 1) * (cmax > 0 ? cmax : 1) * 2;
    bp->sc = malloc(sizeof(int) * 4 * (size_t)bp->size);
    bp->cin = malloc(sizeof(double) * bp->cap);
    bp->cout = malloc(sizeof(double) * bp->cap);
    bp->tmp = malloc(sizeof(double) * bp->cap);
    bp->perm = malloc(sizeof(int) * 2 * (size_t)(nev > 0 ? nev : 1));
    bp->col2 = malloc(sizeof(double) * 4 * (size_t)((npw_max + bp->size - 1) / bp->size + 1));
    if (!bp->sc || !bp->cin || !bp->cout || !bp->tmp || !bp->perm || !bp->col2) {
        fu_bandpar_free(bp);
        return fu_fail(err, FU_ENOMEM, "band parallelism: out of memory for %d x %d buffers",
                       npw_max, cmax);
    }
    bp->sd = bp->sc + bp->size;
    bp->rc = bp->sd + bp->size;
    bp->rd = bp->rc + bp->size;
    bp->sl_min = sl_min > 0 ? sl_min : FU_SCALAPACK_MIN_DEFAULT;
    if (bp->size > 1 && 3 * nev >= bp->sl_min) {
        int rc = fu_scalapack_init(&bp->sl, comm, err);
        if (rc) {
            fu_bandpar_free(bp);
            return rc;
        }
    }
    return FU_OK;
}

void fu_bandpar_free(fu_bandpar *bp) {
    if (bp->sl.prow) fu_scalapack_free(&bp->sl);
    free(bp->sc);
    free(bp->cin);
    free(bp->cout);
    free(bp->tmp);
    free(bp->perm);
    free(bp->col2);
    memset(bp, 0, sizeof *bp);
}

void fu_bandpar_set(fu_bandpar *bp, fu_hamiltonian *h) {
    bp->h = h;
    int off, cnt;
    fu_bandpar_split(h->kb->npw, bp->size, bp->rank, &off, &cnt);
    bp->rows = (fu_rowdist){bp->comm, h->kb->npw, off, bp->sl.prow ? &bp->sl : NULL, bp->sl_min};
}

/* Counts exceed an int only for blocks of > 2^31 doubles between two ranks
 * (16 GB): far beyond what one rank of a group holds. */
void fu_bandpar_rows_to_cols(fu_bandpar *bp, int n, int c, int per, const double *rows,
                             double *cols) {
    const int P = bp->size, me = bp->rank;
    int r0, nme, c0, cme;
    fu_bandpar_split(n, P, me, &r0, &nme);
    fu_bandpar_split(c, P, me, &c0, &cme);
    for (int j = 0; j < P; j++) {
        int rj, nj, cj0, cj;
        fu_bandpar_split(n, P, j, &rj, &nj);
        fu_bandpar_split(c, P, j, &cj0, &cj);
        bp->sc[j] = nme * cj * per; /* my rows of j's columns: contiguous */
        bp->sd[j] = nme * cj0 * per;
        bp->rc[j] = nj * cme * per; /* j's rows of my columns */
        bp->rd[j] = rj * cme * per;
    }
    MPI_Alltoallv(rows, bp->sc, bp->sd, MPI_DOUBLE, bp->tmp, bp->rc, bp->rd, MPI_DOUBLE, bp->comm);
    for (int j = 0; j < P; j++) {
        int rj, nj;
        fu_bandpar_split(n, P, j, &rj, &nj);
        for (int t = 0; t < cme; t++)
            memcpy(cols + ((size_t)t * n + rj) * per, bp->tmp + (size_t)rj * cme * per +
                   (size_t)t * nj * per, sizeof(double) * (size_t)nj * per);
    }
}

void fu_bandpar_cols_to_rows(fu_bandpar *bp, int n, int c, int per, const double *cols,
                             double *rows) {
    const int P = bp->size, me = bp->rank;
    int r0, nme, c0, cme;
    fu_bandpar_split(n, P, me, &r0, &nme);
    fu_bandpar_split(c, P, me, &c0, &cme);
    for (int j = 0; j < P; j++) {
        int rj, nj, cj0, cj;
        fu_bandpar_split(n, P, j, &rj, &nj);
        fu_bandpar_split(c, P, j, &cj0, &cj);
        for (int t = 0; t < cme; t++)
            memcpy(bp->tmp + (size_t)rj * cme * per + (size_t)t * nj * per,
                   cols + ((size_t)t * n + rj) * per, sizeof(double) * (size_t)nj * per);
        bp->sc[j] = nj * cme * per;
        bp->sd[j] = rj * cme * per;
        bp->rc[j] = nme * cj * per;
        bp->rd[j] = nme * cj0 * per;
    }
    MPI_Alltoallv(bp->tmp, bp->sc, bp->sd, MPI_DOUBLE, rows, bp->rc, bp->rd, MPI_DOUBLE, bp->comm);
}

int fu_bandpar_band(int p, int j, int t) { return j + t * p; }

int fu_bandpar_nlocal(int p, int j, int nb) { return nb > j ? (nb - j + p - 1) / p : 0; }

/* Slice position q (rank j's columns start at off_j) holds band j + t P at
 * q = off_j + t; fwd: slice order -> band order, else back. In place, one
 * cycle of the permutation at a time through two spare columns. */
static void permute_cols(fu_bandpar *bp, int c, size_t colsz, double *x, int fwd) {
    const int P = bp->size;
    int *dest = bp->perm, *seen = bp->perm + c;
    double *a = bp->col2, *b = bp->col2 + colsz;
    for (int j = 0, q = 0; j < P; j++)
        for (int t = 0; j + t * P < c; t++, q++) {
            int band = j + t * P;
            if (fwd) dest[q] = band; /* slice q -> band */
            else dest[band] = q;     /* band -> slice q */
        }
    memset(seen, 0, sizeof(int) * (size_t)c);
    for (int q0 = 0; q0 < c; q0++) {
        if (seen[q0] || dest[q0] == q0) continue;
        /* carry column q0 along its cycle: x[dest[q]] <- x[q] */
        memcpy(a, x + (size_t)q0 * colsz, sizeof(double) * colsz);
        int q = q0;
        do {
            int d = dest[q];
            memcpy(b, x + (size_t)d * colsz, sizeof(double) * colsz);
            memcpy(x + (size_t)d * colsz, a, sizeof(double) * colsz);
            double *t = a;
            a = b;
            b = t;
            seen[q] = 1;
            q = d;
        } while (q != q0);
    }
}

void fu_bandpar_psi_to_rows(fu_bandpar *bp, int n, int c, int per, const double *cols,
                            double *rows) {
    fu_bandpar_cols_to_rows(bp, n, c, per, cols, rows);
    int r0, nme;
    fu_bandpar_split(n, bp->size, bp->rank, &r0, &nme);
    permute_cols(bp, c, (size_t)nme * per, rows, 1);
}

void fu_bandpar_rows_to_psi(fu_bandpar *bp, int n, int c, int per, double *rows, double *cols) {
    int r0, nme;
    fu_bandpar_split(n, bp->size, bp->rank, &r0, &nme);
    permute_cols(bp, c, (size_t)nme * per, rows, 0);
    fu_bandpar_rows_to_cols(bp, n, c, per, rows, cols);
}

void fu_bandpar_apply(void *ctx, int m, const double complex *X, double complex *Y) {
    fu_bandpar *bp = ctx;
    const int n = bp->h->kb->npw;
    int c0, cme;
    fu_bandpar_split(m, bp->size, bp->rank, &c0, &cme);
    fu_bandpar_rows_to_cols(bp, n, m, 2, (const double *)X, bp->cin);
    fu_hamiltonian_apply(bp->h, cme, (const double complex *)bp->cin, (double complex *)bp->cout);
    fu_bandpar_cols_to_rows(bp, n, m, 2, bp->cout, (double *)Y);
}

void fu_bandpar_apply_real(void *ctx, int m, const double *X, double *Y) {
    fu_bandpar *bp = ctx;
    const int n = bp->h->kb->npw;
    int c0, cme;
    fu_bandpar_split(m, bp->size, bp->rank, &c0, &cme);
    fu_bandpar_rows_to_cols(bp, n, m, 1, X, bp->cin);
    fu_hamiltonian_apply_real(bp->h, cme, bp->cin, bp->cout);
    fu_bandpar_cols_to_rows(bp, n, m, 1, bp->cout, Y);
}

/* The kinetic preconditioner of hamiltonian.c on this rank's rows. */
void fu_bandpar_precondition(void *ctx, int m, const double *ritz, double complex *R) {
    fu_bandpar *bp = ctx;
    const fu_kblock *kb = bp->h->kb;
    int r0, n; /* this rank's rows */
    fu_bandpar_split(kb->npw, bp->size, bp->rank, &r0, &n);
    (void)ritz;
    for (int v = 0; v < m; v++) {
        double complex *r = R + (size_t)v * n;
        for (int i = 0; i < n; i++) r[i] /= 1.0 + kb->kin[r0 + i];
    }
}

void fu_bandpar_precondition_real(void *ctx, int m, const double *ritz, double *R) {
    fu_bandpar *bp = ctx;
    const fu_kblock *kb = bp->h->kb;
    int r0, n; /* this rank's rows */
    fu_bandpar_split(kb->npw, bp->size, bp->rank, &r0, &n);
    (void)ritz;
    for (int v = 0; v < m; v++) {
        double *r = R + (size_t)v * n;
        for (int i = 0; i < n; i++) r[i] /= 1.0 + kb->slot_kin[r0 + i];
    }
}
