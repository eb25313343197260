/* Sphere-column FFTs shared by ranks (fftcols.h). */
#include "dft/fftcols.h"

#include <stdlib.h>
#include <string.h>

static void split(int n, int p, int j, int *off, int *cnt) {
    int q = n / p, r = n % p;
    *cnt = q + (j < r);
    *off = j * q + (j < r ? j : r);
}

int fu_fftcols_init(fu_fftcols *f, const int n[3], int hm, MPI_Comm comm, int effort, fu_err *err) {
    memset(f, 0, sizeof *f);
    f->comm = comm;
    MPI_Comm_rank(comm, &f->rank);
    MPI_Comm_size(comm, &f->size);
    memcpy(f->n, n, sizeof f->n);
    f->hm = hm > 0 ? hm : 1;
    f->ntot = (long)n[0] * n[1] * n[2];
    const int P = f->size;
    f->zcnt = malloc(sizeof(int) * 7 * (size_t)P);
    f->bound = malloc(sizeof(int) * (size_t)(P + 1));
    if (f->zcnt) {
        f->zoff = f->zcnt + P;
        f->ccnt = f->zoff + P;
        f->coff = f->ccnt + P;
        f->sc = f->coff + P;
        f->sd = f->sc + P;
        f->rc = f->sd + P;
    }
    f->rd = malloc(sizeof(int) * (size_t)P);
    if (f->zcnt)
        for (int j = 0; j < P; j++) split(n[2], P, j, &f->zoff[j], &f->zcnt[j]);
    if (f->zcnt) f->z0 = f->zoff[f->rank], f->nz = f->zcnt[f->rank];
    size_t plane = (size_t)n[0] * n[1], np = (size_t)f->hm * f->nz * plane;
    f->planes = fftw_malloc(sizeof(double complex) * (np > 0 ? np : 1));
    int ok = f->zcnt && f->bound && f->rd && f->planes;
    if (ok && f->nz > 0) {
        unsigned flags = effort >= 1 ? FFTW_MEASURE : FFTW_ESTIMATE;
        int dims[2] = {n[0], n[1]}, many = f->hm * f->nz;
        fftw_complex *a = (fftw_complex *)f->planes;
        f->pl_g2r = fftw_plan_many_dft(2, dims, many, a, NULL, 1, (int)plane, a, NULL, 1, (int)plane,
                                       FFTW_BACKWARD, flags);
        f->pl_r2g = fftw_plan_many_dft(2, dims, many, a, NULL, 1, (int)plane, a, NULL, 1, (int)plane,
                                       FFTW_FORWARD, flags);
        ok = f->pl_g2r && f->pl_r2g;
    }
    /* every rank goes on together (the transforms are collective) */
    MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_MIN, comm);
    if (!ok) {
        fu_fftcols_free(f);
        return fu_fail(err, FU_ENOMEM, "FFT ranks: cannot set up %d transforms of %dx%dx%d", hm,
                       n[0], n[1], n[2]);
    }
    return FU_OK;
}

void fu_fftcols_free(fu_fftcols *f) {
    if (f->pl_g2r) fftw_destroy_plan(f->pl_g2r);
    if (f->pl_r2g) fftw_destroy_plan(f->pl_r2g);
    if (f->col_g2r) fftw_destroy_plan(f->col_g2r);
    if (f->col_r2g) fftw_destroy_plan(f->col_r2g);
    fftw_free(f->planes);
    fftw_free(f->cols);
    free(f->sbuf);
    free(f->rbuf);
    free(f->zcnt);
    free(f->rd);
    free(f->bound);
    free(f->slot);
    free(f->col_pos);
    memset(f, 0, sizeof *f);
}

int fu_fftcols_set(fu_fftcols *f, int npw, const int *box, fu_err *err) {
    const int P = f->size, n2 = f->n[2];
    /* columns: runs of equal box / n2 (the sphere is in box order) */
    free(f->col_pos);
    f->col_pos = NULL;
    int ncol = 0;
    for (int ig = 0; ig < npw; ig++) ncol += ig == 0 || box[ig] / n2 != box[ig - 1] / n2;
    f->col_pos = malloc(sizeof(int) * (size_t)(ncol + 1));
    int *cstart = malloc(sizeof(int) * (size_t)(ncol + 1));
    if (!f->col_pos || !cstart) {
        free(cstart);
        return fu_fail(err, FU_ENOMEM, "FFT ranks: out of memory for %d columns", ncol);
    }
    for (int ig = 0, c = 0; ig < npw; ig++)
        if (ig == 0 || box[ig] / n2 != box[ig - 1] / n2) {
            f->col_pos[c] = box[ig] / n2;
            cstart[c++] = ig;
        }
    cstart[ncol] = npw;
    f->ncol_all = ncol;
    /* a column goes to the rank whose share j npw / P .. (j + 1) npw / P of the
     * points its first point falls in: whole columns, balanced to one column */
    memset(f->ccnt, 0, sizeof(int) * (size_t)P);
    for (int c = 0; c < ncol; c++) {
        long j = (long)cstart[c] * P / (npw > 0 ? npw : 1);
        f->ccnt[j < P ? j : P - 1]++;
    }
    for (int j = 0, c = 0; j < P; c += f->ccnt[j], j++) {
        f->coff[j] = c;
        f->bound[j] = cstart[c];
    }
    f->bound[P] = npw;
    f->ncol = f->ccnt[f->rank];
    f->ig0 = f->bound[f->rank];
    f->nsph = f->bound[f->rank + 1] - f->ig0;
    free(f->slot);
    f->slot = malloc(sizeof(int) * (size_t)(f->nsph + 1));
    if (!f->slot) {
        free(cstart);
        return fu_fail(err, FU_ENOMEM, "FFT ranks: out of memory");
    }
    for (int c = 0; c < f->ncol; c++) {
        int gc = f->coff[f->rank] + c;
        for (int ig = cstart[gc]; ig < cstart[gc + 1]; ig++)
            f->slot[ig - f->ig0] = c * n2 + box[ig] % n2;
    }
    free(cstart);
    /* my columns' values on every plane, and every column's on my planes */
    size_t nc = (size_t)f->hm * f->ncol * n2, nrecv = (size_t)f->hm * f->ncol_all * f->nz;
    size_t nbuf = nc > nrecv ? nc : nrecv;
    /* the column transforms of this sphere are planned again below (FFTW_ESTIMATE) */
    if (f->col_g2r) fftw_destroy_plan(f->col_g2r);
    if (f->col_r2g) fftw_destroy_plan(f->col_r2g);
    f->col_g2r = f->col_r2g = NULL;
    if (nc > f->cap_cols || !f->cols) {
        fftw_free(f->cols);
        f->cols = fftw_malloc(sizeof(double complex) * (nc > 0 ? nc : 1));
        f->cap_cols = f->cols ? nc : 0;
    }
    if (nbuf > f->cap_buf || !f->sbuf) {
        free(f->sbuf);
        free(f->rbuf);
        f->sbuf = malloc(sizeof(double complex) * (nbuf > 0 ? nbuf : 1));
        f->rbuf = malloc(sizeof(double complex) * (nbuf > 0 ? nbuf : 1));
        f->cap_buf = f->sbuf && f->rbuf ? nbuf : 0;
    }
    if (!f->cols || !f->sbuf || !f->rbuf)
        return fu_fail(err, FU_ENOMEM, "FFT ranks: out of memory for the column transforms");
    int many = f->hm * f->ncol;
    if (many > 0) {
        fftw_complex *a = (fftw_complex *)f->cols;
        f->col_g2r = fftw_plan_many_dft(1, &f->n[2], many, a, NULL, 1, n2, a, NULL, 1, n2,
                                        FFTW_BACKWARD, FFTW_ESTIMATE);
        f->col_r2g = fftw_plan_many_dft(1, &f->n[2], many, a, NULL, 1, n2, a, NULL, 1, n2,
                                        FFTW_FORWARD, FFTW_ESTIMATE);
        if (!f->col_g2r || !f->col_r2g)
            return fu_fail(err, FU_ELIB, "FFTW could not plan %d column transforms", many);
    }
    return FU_OK;
}

int fu_fftcols_owner(const fu_fftcols *f, int ig) {
    int lo = 0, hi = f->size - 1; /* last j with bound[j] <= ig */
    while (lo < hi) {
        int mid = (lo + hi + 1) / 2;
        if (f->bound[mid] <= ig) lo = mid;
        else hi = mid - 1;
    }
    return lo;
}

/* The all-to-all between columns (mine, all planes) and planes (mine, all
 * columns); fwd: columns -> planes. */
static void exchange(fu_fftcols *f, int fwd) {
    const int P = f->size, hm = f->hm, n2 = f->n[2];
    const size_t plane = (size_t)f->n[0] * f->n[1];
    int o = 0;
    for (int j = 0; j < P; j++) { /* block for j: [t][my column][j's planes] */
        f->sd[j] = o;
        f->sc[j] = 2 * hm * f->ncol * f->zcnt[j];
        o += f->sc[j];
    }
    int r = 0;
    for (int j = 0; j < P; j++) { /* block from j: [t][j's column][my planes] */
        f->rd[j] = r;
        f->rc[j] = 2 * hm * f->ccnt[j] * f->nz;
        r += f->rc[j];
    }
    if (fwd) {
        for (int j = 0; j < P; j++) {
            double complex *s = f->sbuf + f->sd[j] / 2;
            for (int t = 0; t < hm; t++)
                for (int c = 0; c < f->ncol; c++, s += f->zcnt[j])
                    memcpy(s, f->cols + ((size_t)t * f->ncol + c) * n2 + f->zoff[j],
                           sizeof(double complex) * (size_t)f->zcnt[j]);
        }
        MPI_Alltoallv(f->sbuf, f->sc, f->sd, MPI_DOUBLE, f->rbuf, f->rc, f->rd, MPI_DOUBLE, f->comm);
        memset(f->planes, 0, sizeof(double complex) * (size_t)hm * f->nz * plane);
        for (int j = 0; j < P; j++) {
            const double complex *s = f->rbuf + f->rd[j] / 2;
            for (int t = 0; t < hm; t++)
                for (int c = 0; c < f->ccnt[j]; c++) {
                    size_t pos = (size_t)f->col_pos[f->coff[j] + c];
                    for (int z = 0; z < f->nz; z++)
                        f->planes[((size_t)t * f->nz + z) * plane + pos] = *s++;
                }
        }
    } else {
        for (int j = 0; j < P; j++) {
            double complex *s = f->rbuf + f->rd[j] / 2;
            for (int t = 0; t < hm; t++)
                for (int c = 0; c < f->ccnt[j]; c++) {
                    size_t pos = (size_t)f->col_pos[f->coff[j] + c];
                    for (int z = 0; z < f->nz; z++)
                        *s++ = f->planes[((size_t)t * f->nz + z) * plane + pos];
                }
        }
        MPI_Alltoallv(f->rbuf, f->rc, f->rd, MPI_DOUBLE, f->sbuf, f->sc, f->sd, MPI_DOUBLE, f->comm);
        for (int j = 0; j < P; j++) {
            const double complex *s = f->sbuf + f->sd[j] / 2;
            for (int t = 0; t < hm; t++)
                for (int c = 0; c < f->ncol; c++, s += f->zcnt[j])
                    memcpy(f->cols + ((size_t)t * f->ncol + c) * n2 + f->zoff[j], s,
                           sizeof(double complex) * (size_t)f->zcnt[j]);
        }
    }
}

void fu_fftcols_g2r(fu_fftcols *f) {
    if (f->col_g2r) fftw_execute(f->col_g2r);
    exchange(f, 1);
    if (f->pl_g2r) fftw_execute(f->pl_g2r);
}

void fu_fftcols_r2g(fu_fftcols *f) {
    if (f->pl_r2g) fftw_execute(f->pl_r2g);
    exchange(f, 0);
    if (f->col_r2g) fftw_execute(f->col_r2g);
    const double inv = 1.0 / (double)f->ntot;
    const size_t m = (size_t)f->hm * f->ncol * f->n[2];
    for (size_t i = 0; i < m; i++) f->cols[i] *= inv;
}

void fu_fftcols_take_real(const fu_fftcols *f, const double *whole, double *part) {
    const int n2 = f->n[2];
    const size_t plane = (size_t)f->n[0] * f->n[1];
    for (int z = 0; z < f->nz; z++)
        for (size_t p = 0; p < plane; p++) part[(size_t)z * plane + p] = whole[p * n2 + f->z0 + z];
}
