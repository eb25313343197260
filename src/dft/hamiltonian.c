#include "dft/hamiltonian.h"

#include <stdlib.h>
#include <string.h>

#include "dft/nonlocal.h"

#ifdef _OPENMP
#include <omp.h>
#endif

int fu_hamiltonian_init(fu_hamiltonian *h, const fu_basis *b, int maxvec, fu_err *err) {
    memset(h, 0, sizeof *h);
    h->b = b;
    h->maxvec = maxvec;
    h->nthreads = b->layout.nthreads > 1 ? b->layout.nthreads : 1;
    /* Each thread's box starts 64-byte aligned like the one FFTW planned on
     * (new-array execution needs the same alignment). */
    h->box_stride = ((size_t)b->grid.ntot + 3) & ~(size_t)3;
    h->box = fftw_malloc(sizeof(double complex) * h->box_stride * h->nthreads);
    h->nl_work = malloc(sizeof(double complex) * 2 * (size_t)maxvec * (b->model.nproj ? b->model.nproj : 1));
    int any_real = 0;
    for (int ik = 0; ik < b->kp.nk; ik++) any_real |= fu_basis_owns(b, ik) && b->kb[ik].real;
    if (any_real) h->cbuf = malloc(sizeof(double complex) * 2 * (size_t)maxvec * b->max_npw);
    if (!h->box || !h->nl_work || (any_real && !h->cbuf)) {
        fu_hamiltonian_free(h);
        return fu_fail(err, FU_ENOMEM, "hamiltonian: out of memory");
    }
    return FU_OK;
}

void fu_hamiltonian_free(fu_hamiltonian *h) {
    fftw_free(h->box);
    free(h->nl_work);
    free(h->cbuf);
    memset(h, 0, sizeof *h);
}

void fu_hamiltonian_set(fu_hamiltonian *h, const fu_kblock *kb, const double *veff_r) {
    h->kb = kb;
    h->veff_r = veff_r;
}

/* The calling thread's FFT box. */
static double complex *thread_box(const fu_hamiltonian *h) {
#ifdef _OPENMP
    return h->box + (size_t)omp_get_thread_num() * h->box_stride;
#else
    return h->box;
#endif
}

/* box holds sphere coefficients c(G) (zero elsewhere); on return its sphere
 * points hold those of V_eff(r) times that function. */
static void local_pass(const fu_hamiltonian *h, double complex *box) {
    const fu_fftgrid *g = &h->b->grid;
    const double inv_n = 1.0 / g->ntot; /* of the forward transform, folded in */
    fu_fft_sphere_g2r(g, &h->kb->sphere, box);
    for (int i = 0; i < g->ntot; i++) box[i] *= h->veff_r[i] * inv_n;
    fu_fft_sphere_r2g(g, &h->kb->sphere, box);
}

void fu_hamiltonian_apply(void *ctx, int m, const double complex *X, double complex *Y) {
    fu_hamiltonian *h = ctx;
    const fu_kblock *kb = h->kb;
    const int npw = kb->npw;
    double t0 = fu_monotonic_seconds();
#ifdef _OPENMP
#pragma omp parallel for schedule(static) num_threads(h->nthreads) if (h->nthreads > 1 && m > 1)
#endif
    for (int v = 0; v < m; v++) {
        double complex *box = thread_box(h);
        const double complex *x = X + (size_t)v * npw;
        double complex *y = Y + (size_t)v * npw;
        memset(box, 0, sizeof(double complex) * h->b->grid.ntot);
        for (int ig = 0; ig < npw; ig++) box[kb->box[ig]] = x[ig];
        local_pass(h, box);
        for (int ig = 0; ig < npw; ig++) y[ig] = box[kb->box[ig]] + kb->kin[ig] * x[ig];
    }
    double t1 = fu_monotonic_seconds();
    for (int off = 0; off < m; off += h->maxvec) {
        int cnt = m - off < h->maxvec ? m - off : h->maxvec;
        fu_nonlocal_apply(h->b, kb, cnt, X + (size_t)off * npw, Y + (size_t)off * npw,
                          h->nl_work);
    }
    h->t_local += t1 - t0;
    h->t_nonlocal += fu_monotonic_seconds() - t1;
}

void fu_hamiltonian_precondition(void *ctx, int m, const double *ritz, double complex *R) {
    fu_hamiltonian *h = ctx;
    const fu_kblock *kb = h->kb;
    (void)ritz;
    /* Diagonal kinetic preconditioner 1/(1 + ½|k+G|²): damps the high-G
     * components that dominate the residual, leaves the low ones alone. */
    for (int v = 0; v < m; v++) {
        double complex *r = R + (size_t)v * kb->npw;
        for (int ig = 0; ig < kb->npw; ig++) r[ig] /= 1.0 + kb->kin[ig];
    }
}

void fu_hamiltonian_apply_real(void *ctx, int m, const double *X, double *Y) {
    fu_hamiltonian *h = ctx;
    const fu_kblock *kb = h->kb;
    const int npw = kb->npw;
    double t0 = fu_monotonic_seconds();
    double complex *Xc = h->cbuf, *Yc = h->cbuf + (size_t)h->maxvec * npw;
    for (int off = 0; off < m; off += h->maxvec) {
        int cnt = m - off < h->maxvec ? m - off : h->maxvec;
        fu_kblock_from_real(kb, cnt, X + (size_t)off * npw, Xc);
        int npair = (cnt + 1) / 2;
#ifdef _OPENMP
#pragma omp parallel for schedule(static) num_threads(h->nthreads) if (h->nthreads > 1 && npair > 1)
#endif
        for (int q = 0; q < npair; q++) {
            double complex *box = thread_box(h);
            const int v = 2 * q, two = v + 1 < cnt;
            const double complex *x1 = Xc + (size_t)v * npw, *x2 = x1 + npw;
            double complex *y1 = Yc + (size_t)v * npw, *y2 = y1 + npw;
            memset(box, 0, sizeof(double complex) * h->b->grid.ntot);
            if (two)
                for (int ig = 0; ig < npw; ig++) box[kb->box[ig]] = x1[ig] + I * x2[ig];
            else
                for (int ig = 0; ig < npw; ig++) box[kb->box[ig]] = x1[ig];
            local_pass(h, box);
            /* Z = V c1 + i V c2 with (V c)(G') = (V c)(G)* for both halves */
            for (int ig = 0; ig < npw; ig++) {
                double complex z = box[kb->box[ig]];
                if (two) {
                    double complex zm = conj(box[kb->box[kb->mate[ig]]]);
                    y1[ig] = 0.5 * (z + zm) + kb->kin[ig] * x1[ig];
                    y2[ig] = -0.5 * I * (z - zm) + kb->kin[ig] * x2[ig];
                } else {
                    y1[ig] = z + kb->kin[ig] * x1[ig];
                }
            }
        }
        fu_kblock_to_real(kb, cnt, Yc, Y + (size_t)off * npw);
        double t1 = fu_monotonic_seconds();
        fu_nonlocal_apply_real(h->b, kb, cnt, X + (size_t)off * npw, Y + (size_t)off * npw,
                               (double *)h->nl_work);
        double t2 = fu_monotonic_seconds();
        h->t_local += t1 - t0;
        h->t_nonlocal += t2 - t1;
        t0 = t2;
    }
}

void fu_hamiltonian_precondition_real(void *ctx, int m, const double *ritz, double *R) {
    fu_hamiltonian *h = ctx;
    const fu_kblock *kb = h->kb;
    (void)ritz;
    for (int v = 0; v < m; v++) { /* as fu_hamiltonian_precondition, per coordinate */
        double *r = R + (size_t)v * kb->npw;
        for (int s = 0; s < kb->npw; s++) r[s] /= 1.0 + kb->slot_kin[s];
    }
}
