#include "dft/mixing.h"

#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dft/bandpar.h"

int fu_mixer_init(fu_mixer *m, const fu_fftgrid *g, int history, double damping, double kerker_k0,
                  fu_err *err) {
    return fu_mixer_init_spin(m, g, 1, history, damping, kerker_k0, err);
}

int fu_mixer_init_spin(fu_mixer *m, const fu_fftgrid *g, int nspin, int history, double damping,
                       double kerker_k0, fu_err *err) {
    memset(m, 0, sizeof *m);
    if (history < 1) history = 1;
    if (nspin != 1 && nspin != 2) return fu_fail(err, FU_EINPUT, "mixing: nspin must be 1 or 2");
    m->n = nspin * g->ntot;
    m->comm = MPI_COMM_NULL;
    m->cnt = m->n;
    m->history = history;
    m->damping = damping;
    m->precond = malloc(sizeof(double) * m->n);
    m->x = malloc(sizeof(double complex) * (size_t)history * m->n);
    m->f = malloc(sizeof(double complex) * (size_t)history * m->n);
    if (!m->precond || !m->x || !m->f) {
        fu_mixer_free(m);
        return fu_fail(err, FU_ENOMEM, "mixing: out of memory");
    }
    double k02 = kerker_k0 * kerker_k0;
    for (int i = 0; i < g->ntot; i++)
        m->precond[i] = (k02 > 0 && g->g2[i] > 0) ? g->g2[i] / (g->g2[i] + k02) : 1.0;
    for (int i = g->ntot; i < m->n; i++) m->precond[i] = 1.0; /* magnetisation */
    return FU_OK;
}

/* The dot products are sums of blocks of MIX_BLOCK elements, each summed in
 * order, then the block sums in order (split: a rank's sum of its blocks,
 * then summed over the ranks; the rounding then differs from one rank's by
 * ~1e-16 relative, which the SCF's tolerances absorb: tests/cli/band_parallel.py). */
#define MIX_BLOCK 4096

int fu_mixer_use_slab(fu_mixer *m, const fu_fftslab *sl, fu_err *err) {
    if (m->comm != MPI_COMM_NULL)
        return fu_fail(err, FU_EINPUT, "mixing: already distributed");
    int ns = m->n / (int)sl->ntot;
    long nl = sl->nloc;
    size_t cap = (size_t)(ns * nl > 0 ? ns * nl : 1);
    double *pc = malloc(sizeof(double) * cap);
    double complex *x = malloc(sizeof(double complex) * (size_t)m->history * cap);
    double complex *f = malloc(sizeof(double complex) * (size_t)m->history * cap);
    if (!pc || !x || !f) {
        free(pc);
        free(x);
        free(f);
        return fu_fail(err, FU_ENOMEM, "mixing: out of memory");
    }
    for (int c = 0; c < ns; c++)
        memcpy(pc + c * nl, m->precond + c * sl->ntot + sl->off, sizeof(double) * nl);
    free(m->precond);
    free(m->x);
    free(m->f);
    m->precond = pc;
    m->x = x;
    m->f = f;
    m->comm = sl->comm;
    m->slab = 1;
    m->cnt = ns * (int)nl;
    return FU_OK;
}

void fu_mixer_free(fu_mixer *m) {
    free(m->precond);
    free(m->x);
    free(m->f);
    memset(m, 0, sizeof *m);
}

void fu_mixer_reset(fu_mixer *m) {
    m->count = 0;
    m->head = 0;
}

int fu_mixer_next(fu_mixer *m, const double complex *rho_in, const double complex *rho_out,
                  double complex *rho_next, fu_err *err) {
    const int n = m->cnt; /* the whole vector or this rank's slabs */
    double complex *next = rho_next;
    double complex *xn = m->x + (size_t)m->head * n, *fn = m->f + (size_t)m->head * n;
    for (int i = 0; i < n; i++) {
        xn[i] = rho_in[i];
        fn[i] = m->precond[i] * (rho_out[i] - rho_in[i]);
    }
    int cur = m->head;
    m->head = (m->head + 1) % m->history;
    if (m->count < m->history) m->count++;
    int np = m->count - 1; /* past pairs besides the current one */
    double beta[64] = {0};
    if (np > 64) np = 64;
    if (np > 0) {
        /* β = argmin ‖f_n + Σ β_i (f_i - f_n)‖: normal equations, solved by a
         * symmetric least-squares (SVD-based, robust to near-collinear pairs). */
        int idx[64], k = 0;
        for (int j = 0; j < m->count && k < np; j++) {
            int s = (cur - 1 - j + 2 * m->history) % m->history;
            idx[k++] = s;
        }
        double A[64 * 64], rhs[64];
        /* per block: rhs[a] then A[a][c <= a], nq numbers (see MIX_BLOCK) */
        /* slab: this rank's blocks, their sums added over the ranks */
        const int nq = np + np * (np + 1) / 2;
        int nblk = (n + MIX_BLOCK - 1) / MIX_BLOCK;
        double *part = calloc((size_t)nq * (nblk > 0 ? nblk : 1), sizeof(double));
        if (!part) return fu_fail(err, FU_ENOMEM, "mixing: out of memory");
        for (int i0 = 0; i0 < n; i0 += MIX_BLOCK) {
            int i1 = i0 + MIX_BLOCK < n ? i0 + MIX_BLOCK : n;
            double *v = part + (size_t)(i0 / MIX_BLOCK) * nq;
            int q = 0;
            for (int a = 0; a < np; a++) {
                const double complex *fa = m->f + (size_t)idx[a] * n;
                double s = 0;
                for (int i = i0; i < i1; i++) s += creal(conj(fa[i] - fn[i]) * fn[i]);
                v[q++] = s;
                for (int c = 0; c <= a; c++) {
                    const double complex *fc = m->f + (size_t)idx[c] * n;
                    double t = 0;
                    for (int i = i0; i < i1; i++) t += creal(conj(fa[i] - fn[i]) * (fc[i] - fn[i]));
                    v[q++] = t;
                }
            }
        }
        if (m->slab) {
            for (int bk = 1; bk < nblk; bk++)
                for (int q = 0; q < nq; q++) part[q] += part[(size_t)bk * nq + q];
            MPI_Allreduce(MPI_IN_PLACE, part, nq, MPI_DOUBLE, MPI_SUM, m->comm);
            nblk = 1;
        }
        for (int a = 0, q = 0; a < np; a++) {
            double s = 0;
            for (int bk = 0; bk < nblk; bk++) s += part[(size_t)bk * nq + q];
            rhs[a] = -s;
            q++;
            for (int c = 0; c <= a; c++, q++) {
                double t = 0;
                for (int bk = 0; bk < nblk; bk++) t += part[(size_t)bk * nq + q];
                A[a * np + c] = A[c * np + a] = t;
            }
        }
        free(part);
        double sv[64];
        lapack_int rank;
        lapack_int info = LAPACKE_dgelsd(LAPACK_ROW_MAJOR, np, np, 1, A, np, rhs, 1, sv, 1e-10,
                                         &rank);
        if (info != 0) return fu_fail(err, FU_ELIB, "mixing: least-squares solve failed (%d)", (int)info);
        for (int a = 0; a < np; a++) beta[a] = rhs[a];
        for (int i = 0; i < n; i++) {
            double complex x = xn[i] + m->damping * fn[i];
            for (int a = 0; a < np; a++) {
                const double complex *xa = m->x + (size_t)idx[a] * n;
                const double complex *fa = m->f + (size_t)idx[a] * n;
                x += beta[a] * (xa[i] - xn[i] + m->damping * (fa[i] - fn[i]));
            }
            next[i] = x;
        }
    } else {
        for (int i = 0; i < n; i++) next[i] = xn[i] + m->damping * fn[i];
    }
    return FU_OK;
}
