#include "dft/bandpar.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/comm.h"
#include "dft/nonlocal.h"

void fu_bandpar_split(int n, int p, int j, int *off, int *cnt) {
    int q = n / p, r = n % p;
    *cnt = q + (j < r);
    *off = j * q + (j < r ? j : r);
}

int fu_bandpar_nbuffer(int nband) { return nband / 8 > 2 ? nband / 8 : 2; }

double fu_bandpar_cost(int nk, int npk, int npb, int npg) {
    if (npg < 1) npg = 1;
    return (double)((nk + npk - 1) / npk) / (1.0 + FU_BANDPAR_EFF * (npb / npg - 1)) /
           (1.0 + FU_BANDPAR_EFF_FFT * (npg - 1));
}

int fu_bandpar_layout(int nk, int size, int npw_min, int nev, int want_npb, int want_npg,
                      int *npk, int *npb, int *npg, fu_err *err) {
    if (size < 1) size = 1;
    if (nk < 1) nk = 1;
    int g_out = 1;
    if (!npg) npg = &g_out, want_npg = want_npg > 1 ? want_npg : 1;
    /* band ranks: a plane-wave row each (LOBPCG's row split), and LOBPCG
     * rather than the dense fallback (which needs all rows); band groups: a
     * band each */
    int max_rows = npw_min >= 3 * nev + 5 ? npw_min / FU_BANDPAR_MIN_ROWS : 1;
    int max_groups = npw_min >= 3 * nev + 5 ? nev : 1;
    if (max_rows < 1) max_rows = 1;
    if (max_groups < 1) max_groups = 1;
    if (want_npb > 0) {
        if (size % want_npb)
            return fu_fail(err, FU_EINPUT,
                           "layout: %d band ranks do not divide the %d ranks of the group",
                           want_npb, size);
        if (want_npg > 0 && want_npb % want_npg)
            return fu_fail(err, FU_EINPUT, "layout: %d FFT ranks do not divide the %d band ranks",
                           want_npg, want_npb);
    } else if (want_npg > 0 && size % want_npg) {
        return fu_fail(err, FU_EINPUT, "layout: %d FFT ranks do not divide the %d ranks of the group",
                       want_npg, size);
    }
    if (want_npb > 0 && (want_npg > 0 || want_npb > max_rows)) {
        int groups = want_npb / (want_npg > 0 ? want_npg : 1);
        if (want_npb > max_rows || groups > max_groups)
            return fu_fail(err, FU_EINPUT,
                           "layout: %d band ranks%s cannot share %d bands of %d plane waves "
                           "(at most %d band ranks of %d plane waves each and %d band group%s of "
                           ">= 1 band; >= 3 x bands + 5 plane waves)",
                           want_npb, want_npg > 1 ? " in FFT groups" : "", nev, npw_min, max_rows,
                           FU_BANDPAR_MIN_ROWS, max_groups, max_groups == 1 ? "" : "s");
        *npb = want_npb;
        *npg = want_npg;
        *npk = size / want_npb;
        return FU_OK;
    }
    double best = 0;
    int found = 0;
    for (int b = 1; b <= size; b++) {
        if (size % b || (want_npb > 0 && b != want_npb) || b > max_rows) continue;
        for (int g = 1; g <= b; g++) {
            if (b % g || (want_npg > 0 && g != want_npg) || b / g > max_groups) continue;
            double cost = fu_bandpar_cost(nk, size / b, b, g);
            if (!found || cost < best * (1 - 1e-12)) { /* ties: more k-groups, fewer FFT ranks */
                best = cost;
                *npk = size / b;
                *npb = b;
                *npg = g;
                found = 1;
            }
        }
    }
    if (!found) /* only an asked npg can leave nothing */
        return fu_fail(err, FU_EINPUT,
                       "layout: %d FFT ranks per band do not fit %d ranks, %d bands and %d plane "
                       "waves (band ranks of >= %d plane waves each)",
                       want_npg, size, nev, npw_min, FU_BANDPAR_MIN_ROWS);
    return FU_OK;
}

int fu_bandpar_init(fu_bandpar *bp, MPI_Comm comm, int npw_max, int nev, int sl_min,
                    fu_err *err) {
    memset(bp, 0, sizeof *bp);
    bp->comm = comm;
    bp->npg = 1;
    bp->nev = nev;
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

int fu_bandpar_init_fft(fu_bandpar *bp, int npg, const int n[3], int effort, int nproj,
                        fu_err *err) {
    if (npg <= 1) return FU_OK;
    if (bp->size % npg)
        return fu_fail(err, FU_EINPUT, "layout: %d FFT ranks do not divide the %d band ranks", npg,
                       bp->size);
    bp->npg = npg;
    bp->nbg = bp->size / npg;
    free(bp->cin); /* whole bands for H: not with FFT ranks */
    free(bp->cout);
    bp->cin = bp->cout = NULL;
    bp->group = bp->rank / npg;
    bp->frank = bp->rank % npg;
    MPI_Comm_split(bp->comm, bp->group, bp->rank, &bp->fcomm);
    /* named, so that tools (validation/mpicount) tell its traffic from the band transposes' */
    MPI_Comm_set_name(bp->fcomm, "fu_fft_ranks");
    int rc = fu_fftcols_init(&bp->fc, n, FU_BANDPAR_FFT_BATCH, bp->fcomm, effort, err);
    if (rc) return rc;
    bp->veff_z = malloc(sizeof(double) * ((size_t)bp->fc.nz * n[0] * n[1] + 1));
    bp->rcnt = malloc(sizeof(int) * (size_t)bp->size);
    bp->scnt = malloc(sizeof(int) * 2 * (size_t)npg);
    if (bp->scnt) bp->soff = bp->scnt + npg;
    bp->nlw = malloc(sizeof(double complex) * 2 * (size_t)(bp->nev > 0 ? bp->nev : 1) *
                     (nproj > 0 ? nproj : 1));
    int ok = bp->rcnt && bp->scnt && bp->nlw && bp->veff_z;
    MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_MIN, bp->comm); /* all go on, or none */
    return ok ? FU_OK : fu_fail(err, FU_ENOMEM, "FFT ranks: out of memory");
}

void fu_bandpar_free(fu_bandpar *bp) {
    if (bp->npg > 1) {
        fu_fftcols_free(&bp->fc);
        if (fu_mpi_running()) MPI_Comm_free(&bp->fcomm);
    }
    free(bp->need_pos);
    free(bp->need_kind);
    free(bp->rcnt);
    free(bp->sidx);
    free(bp->scnt);
    free(bp->tmp_int);
    free(bp->sbuf);
    free(bp->rbuf);
    free(bp->lin);
    free(bp->lout);
    free(bp->nlw);
    free(bp->veff_z);
    if (bp->sl.prow) fu_scalapack_free(&bp->sl);
    free(bp->sc);
    free(bp->cin);
    free(bp->cout);
    free(bp->tmp);
    free(bp->perm);
    free(bp->col2);
    memset(bp, 0, sizeof *bp);
}

/* *p holds at least n doubles (grown, contents not kept). */
static int grow(double **p, size_t *cap, size_t n) {
    if (n <= *cap) return 1;
    free(*p);
    *p = malloc(sizeof(double) * (n > 0 ? n : 1));
    *cap = *p ? n : 0;
    return *p != NULL;
}

/* The transpose tables of the FFT ranks for k-block kb: my sphere points,
 * the coordinates they need (complex: their own rows; real: the pair of
 * each point's representative), how many of those each rank's rows hold,
 * and my rows grouped by the FFT ranks that need them. */
static int set_fft(fu_bandpar *bp, const fu_kblock *kb, fu_err *err) {
    const int npw = kb->npw, P = bp->size, G = bp->npg;
    int rc = fu_fftcols_set(&bp->fc, npw, kb->box, err);
    if (rc) return rc;
    const int ig0 = bp->fc.ig0, ig1 = bp->fc.ig0 + bp->fc.nsph;
    bp->ig0 = ig0;
    bp->nsph = bp->fc.nsph;
    free(bp->need_pos), free(bp->need_kind), free(bp->tmp_int), free(bp->sidx);
    bp->need_pos = malloc(sizeof(int) * (size_t)(bp->nsph + 1));
    bp->need_kind = malloc((size_t)bp->nsph + 1);
    bp->tmp_int = malloc(sizeof(int) * (size_t)(npw + 1) * 2);
    bp->sidx = malloc(sizeof(int) * 2 * (size_t)(npw / P + 2));
    if (!bp->need_pos || !bp->need_kind || !bp->tmp_int || !bp->sidx)
        return fu_fail(err, FU_ENOMEM, "FFT ranks: out of memory for %d plane waves", npw);
    int *slot_of = bp->tmp_int, *mark = bp->tmp_int + npw; /* [npw] each */
    int r0, nr;
    fu_bandpar_split(npw, P, bp->rank, &r0, &nr);
    int *owners = NULL; /* per row of mine: up to two FFT ranks */
    if (kb->real) {
        /* slot of each representative; the first slot of a pair */
        for (int r = 0, slot = 0; r < kb->nrep; r++) {
            int ig = kb->rep[r];
            slot_of[ig] = slot;
            slot += kb->mate[ig] == ig ? 1 : 2;
        }
        memset(mark, 0, sizeof(int) * (size_t)npw);
        for (int q = 0; q < bp->nsph; q++) {
            int ig = ig0 + q, rep = kb->mate[ig] < ig ? kb->mate[ig] : ig, s0 = slot_of[rep];
            mark[s0] = 1;
            if (kb->mate[rep] != rep) mark[s0 + 1] = 1;
        }
        int nneed = 0;
        for (int s = 0; s < npw; s++)
            if (mark[s]) mark[s] = ++nneed; /* position + 1 */
        bp->nneed = nneed;
        for (int q = 0; q < bp->nsph; q++) {
            int ig = ig0 + q, mate = kb->mate[ig], rep = mate < ig ? mate : ig;
            bp->need_pos[q] = mark[slot_of[rep]] - 1;
            bp->need_kind[q] = mate == ig ? 2 : rep == ig ? 1 : 0;
        }
        for (int j = 0, s = 0; j < P; j++) { /* my need list in rank j's rows */
            int rj, nj, c = 0;
            fu_bandpar_split(npw, P, j, &rj, &nj);
            for (; s < rj + nj; s++) c += mark[s] != 0;
            bp->rcnt[j] = c;
        }
        /* FFT ranks needing my rows: those of the columns of the pair's G and -G */
        owners = malloc(sizeof(int) * 2 * (size_t)(nr + 1));
        if (!owners) return fu_fail(err, FU_ENOMEM, "FFT ranks: out of memory");
        for (int r = 0, slot = 0; r < kb->nrep; r++) {
            int ig = kb->rep[r], w = kb->mate[ig] == ig ? 1 : 2;
            for (int t = 0; t < w; t++, slot++)
                if (slot >= r0 && slot < r0 + nr) {
                    int a = fu_fftcols_owner(&bp->fc, ig);
                    int b = fu_fftcols_owner(&bp->fc, kb->mate[ig]);
                    owners[2 * (slot - r0)] = a;
                    owners[2 * (slot - r0) + 1] = b == a ? -1 : b;
                }
        }
    } else {
        bp->nneed = bp->nsph;
        for (int j = 0; j < P; j++) {
            int rj, nj;
            fu_bandpar_split(npw, P, j, &rj, &nj);
            int a = rj > ig0 ? rj : ig0, b = rj + nj < ig1 ? rj + nj : ig1;
            bp->rcnt[j] = b > a ? b - a : 0;
        }
        owners = malloc(sizeof(int) * 2 * (size_t)(nr + 1));
        if (!owners) return fu_fail(err, FU_ENOMEM, "FFT ranks: out of memory");
        for (int i = 0; i < nr; i++) {
            owners[2 * i] = fu_fftcols_owner(&bp->fc, r0 + i);
            owners[2 * i + 1] = -1;
        }
    }
    /* my rows grouped by FFT rank, ascending within each (the receiver's order) */
    memset(bp->scnt, 0, sizeof(int) * (size_t)G);
    for (int i = 0; i < 2 * nr; i++)
        if (owners[i] >= 0) bp->scnt[owners[i]]++;
    int *fill = mark; /* reuse: [G] running offsets */
    for (int g = 0, o = 0; g < G; g++) bp->soff[g] = fill[g] = o, o += bp->scnt[g];
    for (int i = 0; i < nr; i++)
        for (int t = 0; t < 2; t++)
            if (owners[2 * i + t] >= 0) bp->sidx[fill[owners[2 * i + t]]++] = i;
    free(owners);
    size_t stot = 0;
    for (int g = 0; g < G; g++) stot += (size_t)bp->scnt[g];
    /* each direction sends m x stot and receives cols x nneed coordinates, or back */
    size_t cmax = (size_t)(bp->nev + bp->nbg - 1) / bp->nbg, per = kb->real ? 1 : 2;
    size_t need = (size_t)bp->nev * stot > cmax * bp->nneed ? (size_t)bp->nev * stot : cmax * bp->nneed;
    size_t cap = bp->scap;
    if (!grow(&bp->sbuf, &bp->scap, need * per + 1) || !grow(&bp->rbuf, &cap, need * per + 1))
        return fu_fail(err, FU_ENOMEM, "FFT ranks: out of memory for the transposes");
    cap = bp->lcap;
    if (!grow(&bp->lin, &bp->lcap, cmax * bp->nneed * per + 1) ||
        !grow(&bp->lout, &cap, cmax * bp->nneed * per + 1))
        return fu_fail(err, FU_ENOMEM, "FFT ranks: out of memory for the band group's coordinates");
    return FU_OK;
}

int fu_bandpar_set(fu_bandpar *bp, fu_hamiltonian *h, fu_err *err) {
    bp->h = h;
    int off, cnt;
    fu_bandpar_split(h->kb->npw, bp->size, bp->rank, &off, &cnt);
    bp->rows = (fu_rowdist){bp->comm, h->kb->npw, off, bp->sl.prow ? &bp->sl : NULL, bp->sl_min};
    if (bp->npg <= 1) return FU_OK;
    /* the tables depend on the k-block only: a Γ-only cell builds them once per SCF */
    int rc = bp->fft_kb == h->kb ? FU_OK : set_fft(bp, h->kb, err), ok = rc == FU_OK;
    bp->fft_kb = ok ? h->kb : NULL;
    if (ok) fu_fftcols_take_real(&bp->fc, h->veff_r, bp->veff_z);
    /* every band rank goes on to the transposes together, or none */
    MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_MIN, bp->comm);
    if (ok) return FU_OK;
    return rc ? rc : fu_fail(err, FU_ENOMEM, "FFT ranks: another band rank ran out of memory");
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

/* FFT ranks: my rows of m columns X[m][rows] (per doubles a coordinate) to
 * my band group's columns, each as the nneed coordinates my sphere columns need:
 * lin[cols][nneed]. Rank d = group * npg + frank gets its group's columns. */
static void fft_forward(fu_bandpar *bp, int m, int per, const double *X) {
    const int P = bp->size, G = bp->npg, n = bp->h->kb->npw;
    int r0, nr, c0, cme;
    fu_bandpar_split(n, P, bp->rank, &r0, &nr);
    fu_bandpar_split(m, bp->nbg, bp->group, &c0, &cme);
    size_t o = 0;
    for (int d = 0; d < P; d++) {
        int g = d % G, cj0, cj, soff = bp->soff[g];
        fu_bandpar_split(m, bp->nbg, d / G, &cj0, &cj);
        bp->sd[d] = (int)o;
        for (int t = 0; t < cj; t++) {
            const double *x = X + (size_t)(cj0 + t) * nr * per;
            for (int k = 0; k < bp->scnt[g]; k++, o += per)
                for (int c = 0; c < per; c++) bp->sbuf[o + c] = x[(size_t)bp->sidx[soff + k] * per + c];
        }
        bp->sc[d] = (int)o - bp->sd[d];
    }
    for (int s = 0, r = 0; s < P; s++) {
        bp->rc[s] = cme * bp->rcnt[s] * per;
        bp->rd[s] = r;
        r += bp->rc[s];
    }
    MPI_Alltoallv(bp->sbuf, bp->sc, bp->sd, MPI_DOUBLE, bp->rbuf, bp->rc, bp->rd, MPI_DOUBLE,
                  bp->comm);
    for (int s = 0, k0 = 0; s < P; k0 += bp->rcnt[s], s++)
        for (int t = 0; t < cme; t++)
            memcpy(bp->lin + ((size_t)t * bp->nneed + k0) * per,
                   bp->rbuf + bp->rd[s] + (size_t)t * bp->rcnt[s] * per,
                   sizeof(double) * (size_t)bp->rcnt[s] * per);
}

/* The way back: lout[cols][nneed] to Y[m][rows], a coordinate needed by two
 * FFT ranks (real orbitals) receiving the sum of their two parts. */
static void fft_backward(fu_bandpar *bp, int m, int per, double *Y) {
    const int P = bp->size, G = bp->npg, n = bp->h->kb->npw;
    int r0, nr, c0, cme;
    fu_bandpar_split(n, P, bp->rank, &r0, &nr);
    fu_bandpar_split(m, bp->nbg, bp->group, &c0, &cme);
    for (int s = 0, k0 = 0, o = 0; s < P; k0 += bp->rcnt[s], s++) {
        bp->sd[s] = o;
        bp->sc[s] = cme * bp->rcnt[s] * per;
        for (int t = 0; t < cme; t++)
            memcpy(bp->sbuf + o + (size_t)t * bp->rcnt[s] * per,
                   bp->lout + ((size_t)t * bp->nneed + k0) * per,
                   sizeof(double) * (size_t)bp->rcnt[s] * per);
        o += bp->sc[s];
    }
    for (int d = 0, r = 0; d < P; d++) {
        int cj0, cj;
        fu_bandpar_split(m, bp->nbg, d / G, &cj0, &cj);
        bp->rd[d] = r;
        bp->rc[d] = cj * bp->scnt[d % G] * per;
        r += bp->rc[d];
    }
    MPI_Alltoallv(bp->sbuf, bp->sc, bp->sd, MPI_DOUBLE, bp->rbuf, bp->rc, bp->rd, MPI_DOUBLE,
                  bp->comm);
    memset(Y, 0, sizeof(double) * (size_t)m * nr * per);
    for (int d = 0; d < P; d++) {
        int g = d % G, cj0, cj, soff = bp->soff[g];
        fu_bandpar_split(m, bp->nbg, d / G, &cj0, &cj);
        const double *v = bp->rbuf + bp->rd[d];
        for (int t = 0; t < cj; t++) {
            double *y = Y + (size_t)(cj0 + t) * nr * per;
            for (int k = 0; k < bp->scnt[g]; k++, v += per)
                for (int c = 0; c < per; c++) y[(size_t)bp->sidx[soff + k] * per + c] += v[c];
        }
    }
}

/* The hm transforms of the band group's columns <- V_eff times them. */
static void fft_local(fu_bandpar *bp) {
    fu_fftcols *f = &bp->fc;
    const size_t m = (size_t)f->nz * f->n[0] * f->n[1];
    fu_fftcols_g2r(f);
    for (int t = 0; t < f->hm; t++) {
        double complex *p = f->planes + (size_t)t * m;
        for (size_t i = 0; i < m; i++) p[i] *= bp->veff_z[i];
    }
    fu_fftcols_r2g(f);
}

/* Real coordinates of my sphere point q in column v: c(G). */
static double complex real_coef(const fu_bandpar *bp, const double *v, int q) {
    int a = bp->need_pos[q];
    if (bp->need_kind[q] == 2) return v[a];
    double complex z = sqrt(0.5) * (v[a] + I * v[a + 1]);
    return bp->need_kind[q] == 1 ? z : conj(z);
}

/* H on my rows of m columns with FFT ranks: the local potential through the
 * band group's slab FFTs, kinetic and nonlocal parts on the rows. */
static void apply_fft(fu_bandpar *bp, int m, int per, const double *X, double *Y) {
    fu_hamiltonian *h = bp->h;
    const fu_kblock *kb = h->kb;
    const int nn = bp->nneed;
    int r0, nr, c0, cme;
    fu_bandpar_split(kb->npw, bp->size, bp->rank, &r0, &nr);
    fu_bandpar_split(m, bp->nbg, bp->group, &c0, &cme);
    double t0 = fu_monotonic_seconds();
    fft_forward(bp, m, per, X);
    const int hm = bp->fc.hm, *slot = bp->fc.slot;
    const size_t col = (size_t)bp->fc.ncol * bp->fc.n[2]; /* one transform's columns */
    double complex *box = bp->fc.cols;
    const size_t boxsz = sizeof(double complex) * col * hm;
    if (per == 2) {
        for (int tb = 0; tb < cme; tb += hm) {
            const int nb = cme - tb < hm ? cme - tb : hm;
            memset(box, 0, boxsz);
            for (int b = 0; b < nb; b++) {
                const double complex *x = (const double complex *)bp->lin + (size_t)(tb + b) * nn;
                for (int q = 0; q < bp->nsph; q++)
                    box[b * col + slot[q]] = x[q];
            }
            fft_local(bp);
            for (int b = 0; b < nb; b++) {
                double complex *y = (double complex *)bp->lout + (size_t)(tb + b) * nn;
                for (int q = 0; q < bp->nsph; q++)
                    y[q] = box[b * col + slot[q]];
            }
        }
    } else { /* two real orbitals per FFT: ψ1 + iψ2, as fu_hamiltonian_apply_real */
        const double r2 = sqrt(2.0);
        for (int tb = 0; tb < cme; tb += 2 * hm) {
            const int np = (cme - tb + 1) / 2 < hm ? (cme - tb + 1) / 2 : hm;
            memset(box, 0, boxsz);
            for (int b = 0; b < np; b++) {
                const int t = tb + 2 * b, two = t + 1 < cme;
                const double *v1 = bp->lin + (size_t)t * nn, *v2 = v1 + nn;
                for (int q = 0; q < bp->nsph; q++)
                    box[b * col + slot[q]] =
                        real_coef(bp, v1, q) + (two ? I * real_coef(bp, v2, q) : 0);
            }
            fft_local(bp);
            for (int b = 0; b < np; b++) {
                const int t = tb + 2 * b, two = t + 1 < cme;
                double *y1 = bp->lout + (size_t)t * nn, *y2 = y1 + nn;
                memset(y1, 0, sizeof(double) * (size_t)nn * (two ? 2 : 1));
                /* F = Hψ1 + iHψ2 at G and at G' = -G-G0: Hψ1(G) = ½(F(G) + F(G')*),
                 * Hψ2(G) = -½i(F(G) - F(G')*); each point adds its half to its
                 * representative's pair (the other half may be another rank's) */
                for (int q = 0; q < bp->nsph; q++) {
                    double complex f = box[b * col + slot[q]];
                    int a = bp->need_pos[q], kind = bp->need_kind[q];
                    if (kind == 2) {
                        y1[a] += creal(f);
                        if (two) y2[a] += cimag(f);
                        continue;
                    }
                    double complex h1 = kind == 1 ? 0.5 * f : 0.5 * conj(f);
                    double complex h2 = kind == 1 ? -0.5 * I * f : 0.5 * I * conj(f);
                    y1[a] += r2 * creal(h1);
                    y1[a + 1] += r2 * cimag(h1);
                    if (two) {
                        y2[a] += r2 * creal(h2);
                        y2[a + 1] += r2 * cimag(h2);
                    }
                }
            }
        }
    }
    fft_backward(bp, m, per, Y);
    if (per == 2) {
        for (int v = 0; v < m; v++) {
            double complex *y = (double complex *)Y + (size_t)v * nr;
            const double complex *x = (const double complex *)X + (size_t)v * nr;
            for (int i = 0; i < nr; i++) y[i] += kb->kin[r0 + i] * x[i];
        }
    } else {
        for (int v = 0; v < m; v++)
            for (int i = 0; i < nr; i++)
                Y[(size_t)v * nr + i] += kb->slot_kin[r0 + i] * X[(size_t)v * nr + i];
    }
    double t1 = fu_monotonic_seconds();
    if (per == 2)
        fu_nonlocal_apply_rows(h->b, kb, r0, nr, m, (const double complex *)X, (double complex *)Y,
                               (double complex *)bp->nlw, bp->comm);
    else
        fu_nonlocal_apply_real_rows(h->b, kb, r0, nr, m, X, Y, bp->nlw, bp->comm);
    h->t_local += t1 - t0;
    h->t_nonlocal += fu_monotonic_seconds() - t1;
}

void fu_bandpar_apply(void *ctx, int m, const double complex *X, double complex *Y) {
    fu_bandpar *bp = ctx;
    if (bp->npg > 1) {
        apply_fft(bp, m, 2, (const double *)X, (double *)Y);
        return;
    }
    const int n = bp->h->kb->npw;
    int c0, cme;
    fu_bandpar_split(m, bp->size, bp->rank, &c0, &cme);
    fu_bandpar_rows_to_cols(bp, n, m, 2, (const double *)X, bp->cin);
    fu_hamiltonian_apply(bp->h, cme, (const double complex *)bp->cin, (double complex *)bp->cout);
    fu_bandpar_cols_to_rows(bp, n, m, 2, bp->cout, (double *)Y);
}

void fu_bandpar_apply_real(void *ctx, int m, const double *X, double *Y) {
    fu_bandpar *bp = ctx;
    if (bp->npg > 1) {
        apply_fft(bp, m, 1, X, Y);
        return;
    }
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
