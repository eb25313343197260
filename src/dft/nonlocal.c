#include "dft/nonlocal.h"
#include "dft/term.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/units.h"

static const double complex ONE = 1.0, ZERO = 0.0;

/* C[m][nproj] = X P^H : C_np = Σ_G conj(β_p(G)) x_n(G) */
static void project(const fu_kblock *kb, int nproj, int m, const double complex *X,
                    const double complex *P, double complex *C) {
    cblas_zgemm(CblasRowMajor, CblasNoTrans, CblasConjTrans, m, nproj, kb->npw, &ONE, X, kb->npw,
                P, kb->npw, &ZERO, C, nproj);
}

/* DC[m][nproj] = C D (D real symmetric, block diagonal per atom and l, m);
 * each entry of C is ncomp doubles (2: complex, 1: real orbitals). */
static void apply_d(const fu_basis *b, int m, int ncomp, const double *C, double *DC) {
    const int np = b->model.nproj;
    for (int n = 0; n < m; n++)
        for (int p = 0; p < np; p++)
            for (int c = 0; c < ncomp; c++) {
                double s = 0;
                const double *drow = b->model.dij + (size_t)p * np;
                const int q1 = b->model.dfirst[p] + b->model.dcount[p];
                for (int q = b->model.dfirst[p]; q < q1; q++)
                    if (drow[q] != 0.0) s += drow[q] * C[((size_t)n * np + q) * ncomp + c];
                DC[((size_t)n * np + p) * ncomp + c] = s;
            }
}

void fu_nonlocal_apply(const fu_basis *b, const fu_kblock *kb, int m, const double complex *X,
                       double complex *Y, double complex *work) {
    const int np = b->model.nproj;
    if (np == 0) return;
    double complex *C = work, *DC = work + (size_t)m * np;
    project(kb, np, m, X, kb->proj, C);
    apply_d(b, m, 2, (const double *)C, (double *)DC);
    cblas_zgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, kb->npw, np, &ONE, DC, np,
                kb->proj, kb->npw, &ONE, Y, kb->npw);
}

void fu_nonlocal_apply_real(const fu_basis *b, const fu_kblock *kb, int m, const double *X,
                            double *Y, double *work) {
    const int np = b->model.nproj;
    if (np == 0) return;
    double *C = work, *DC = work + (size_t)m * np;
    /* b_p . v = φ_p^{-1/2} <β_p|c> is real, and D couples only p, q of
     * one atom and l, whose phases φ are equal: V_nl = B D Bᵀ */
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, np, kb->npw, 1.0, X, kb->npw,
                kb->proj_real, kb->npw, 0.0, C, np);
    apply_d(b, m, 1, C, DC);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, kb->npw, np, 1.0, DC, np,
                kb->proj_real, kb->npw, 1.0, Y, kb->npw);
}

void fu_nonlocal_apply_rows(const fu_basis *b, const fu_kblock *kb, int r0, int n, int m,
                            const double complex *X, double complex *Y, double complex *work,
                            MPI_Comm comm) {
    const int np = b->model.nproj;
    if (np == 0 || m == 0) return;
    double complex *C = work, *DC = work + (size_t)m * np;
    if (n > 0)
        cblas_zgemm(CblasRowMajor, CblasNoTrans, CblasConjTrans, m, np, n, &ONE, X, n,
                    kb->proj + r0, kb->npw, &ZERO, C, np);
    else
        memset(C, 0, sizeof(double complex) * (size_t)m * np);
    MPI_Allreduce(MPI_IN_PLACE, C, m * np, MPI_C_DOUBLE_COMPLEX, MPI_SUM, comm);
    apply_d(b, m, 2, (const double *)C, (double *)DC);
    if (n > 0)
        cblas_zgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, np, &ONE, DC, np,
                    kb->proj + r0, kb->npw, &ONE, Y, n);
}

void fu_nonlocal_apply_real_rows(const fu_basis *b, const fu_kblock *kb, int r0, int n, int m,
                                 const double *X, double *Y, double *work, MPI_Comm comm) {
    const int np = b->model.nproj;
    if (np == 0 || m == 0) return;
    double *C = work, *DC = work + (size_t)m * np;
    if (n > 0)
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, np, n, 1.0, X, n,
                    kb->proj_real + r0, kb->npw, 0.0, C, np);
    else
        memset(C, 0, sizeof(double) * (size_t)m * np);
    MPI_Allreduce(MPI_IN_PLACE, C, m * np, MPI_DOUBLE, MPI_SUM, comm);
    apply_d(b, m, 1, C, DC);
    if (n > 0)
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, np, 1.0, DC, np,
                    kb->proj_real + r0, kb->npw, 1.0, Y, n);
}

double fu_nonlocal_energy(const fu_basis *b, const fu_kblock *kb, int nband,
                          const double complex *psi, const double *occ) {
    const int np = b->model.nproj;
    if (np == 0) return 0.0;
    double complex *C = malloc(sizeof(double complex) * 2 * (size_t)nband * np);
    if (!C) return NAN; /* the caller's NaN check reports it */
    double complex *DC = C + (size_t)nband * np;
    project(kb, np, nband, psi, kb->proj, C);
    apply_d(b, nband, 2, (const double *)C, (double *)DC);
    double e = 0;
    for (int n = 0; n < nband; n++) {
        if (occ[n] == 0.0) continue;
        double s = 0;
        for (int p = 0; p < np; p++) s += creal(conj(C[(size_t)n * np + p]) * DC[(size_t)n * np + p]);
        e += occ[n] * s;
    }
    free(C);
    return e;
}

/* Projectors per block of the derivative tables below: the whole tables
 * (3 np npw complex numbers for the stress: 200 MB for Si64 at 8 Ha, on every
 * band rank) set the peak memory of a run; blocks of 32 keep the products
 * BLAS-3 and the tables a few MB. */
#define DERIV_BLOCK 32

int fu_nonlocal_forces_stress(const fu_basis *b, const fu_kblock *kb, int nband,
                              const double complex *psi, const double *occ, double weight,
                              double (*forces)[3], double stress[3][3], fu_err *err) {
    const int np = b->model.nproj, npw = kb->npw;
    if (np == 0) return FU_OK;
    const int pb = np < DERIV_BLOCK ? np : DERIV_BLOCK;
    size_t nc = (size_t)nband * np;
    double complex *C = malloc(sizeof(double complex) * (2 * nc + (size_t)nband * pb));
    double complex *dP = malloc(sizeof(double complex) * (size_t)pb * npw);
    double complex *dR = stress ? malloc(sizeof(double complex) * 3 * (size_t)pb * npw) : NULL;
    double complex *ph = stress ? malloc(sizeof(double complex) * (size_t)npw) : NULL;
    double *acc = calloc((size_t)np, sizeof(double));
    if (!C || !dP || !acc || (stress && (!dR || !ph))) {
        free(C);
        free(dP);
        free(dR);
        free(ph);
        free(acc);
        return fu_fail(err, FU_ENOMEM, "nonlocal forces and stress: out of memory");
    }
    double complex *DC = C + nc, *dC = C + 2 * nc;
    project(kb, np, nband, psi, kb->proj, C);
    apply_d(b, nband, 2, (const double *)C, (double *)DC);
    /* acc[p0 + p] = 2 Re Σ_n occ_n conj(dC_np) DC_n,p0+p for the pc derivative
     * projectors p0.. in dP */
#define ACCUMULATE(p0, pc)                                                              \
    do {                                                                                \
        project(kb, pc, nband, psi, dP, dC);                                            \
        for (int n = 0; n < nband; n++) {                                               \
            if (occ[n] == 0.0) continue;                                                \
            for (int p = 0; p < (pc); p++)                                              \
                acc[(p0) + p] += 2.0 * occ[n] *                                         \
                    creal(conj(dC[(size_t)n * (pc) + p]) * DC[(size_t)n * np + (p0) + p]); \
        }                                                                               \
    } while (0)
    if (forces) {
        for (int dir = 0; dir < 3; dir++) {
            memset(acc, 0, sizeof(double) * np);
            for (int p0 = 0; p0 < np; p0 += pb) {
                int pc = np - p0 < pb ? np - p0 : pb;
                /* ∂β_p/∂R_a = -i G β_p for p on atom a */
                for (int p = 0; p < pc; p++)
                    for (int ig = 0; ig < npw; ig++) {
                        double G = kb->kpg[ig][dir] - kb->kcart[dir];
                        dP[(size_t)p * npw + ig] = -I * G * kb->proj[(size_t)(p0 + p) * npw + ig];
                    }
                ACCUMULATE(p0, pc);
            }
            for (int p = 0; p < np; p++) forces[b->model.projs[p].atom][dir] -= weight * acc[p];
        }
    }
    if (stress) {
        double inv_sqrt_vol = 1.0 / sqrt(b->grid.volume);
        double e = 0;
        for (int n = 0; n < nband; n++)
            for (int p = 0; p < np; p++)
                e += occ[n] * creal(conj(C[(size_t)n * np + p]) * DC[(size_t)n * np + p]);
        /* ∂β/∂ε_αβ = -½δ_αβ β - Ω^{-1/2} e^{-iG·R} ∂_α(R_lm f_il)(q) q_β: the
         * α-part is evaluated once per (projector, G), then reused for all β.
         * acc9[al][be][p] collects each projector's part (summed over p in order
         * at the end, as for one block). */
        double *acc9 = calloc(9 * (size_t)np, sizeof(double));
        if (!acc9) {
            free(C);
            free(dP);
            free(dR);
            free(ph);
            free(acc);
            return fu_fail(err, FU_ENOMEM, "nonlocal stress: out of memory");
        }
        int phase_atom = -1;
        for (int p0 = 0; p0 < np; p0 += pb) {
            int pc = np - p0 < pb ? np - p0 : pb;
            /* -Ω^{-1/2} e^{-iG·R} once per atom: an atom's projectors are consecutive, and a
             * sine and cosine per projector and G were most of this function on every band
             * rank */
            for (int p = 0; p < pc; p++) {
                const fu_projector *pr = &b->model.projs[p0 + p];
                const fu_psp *psp = &b->model.psp[b->model.s.typat[pr->atom]];
                if (pr->atom != phase_atom) {
                    const double *x = b->model.s.xred[pr->atom];
                    for (int ig = 0; ig < npw; ig++) {
                        double arg = -2.0 * FU_PI *
                                     (kb->gred[ig][0] * x[0] + kb->gred[ig][1] * x[1] +
                                      kb->gred[ig][2] * x[2]);
                        ph[ig] = -inv_sqrt_vol * (cos(arg) + I * sin(arg));
                    }
                    phase_atom = pr->atom;
                }
                for (int ig = 0; ig < npw; ig++) {
                    const double *q = kb->kpg[ig];
                    double qn = sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2]);
                    double grad[3];
                    double rlm = fu_solid_harmonic(pr->l, pr->m, q, grad);
                    double f = fu_psp_proj_q(psp, pr->l, pr->i, qn);
                    double df = qn > 1e-12 ? fu_psp_dproj_q(psp, pr->l, pr->i, qn) / qn : 0.0;
                    for (int al = 0; al < 3; al++)
                        dR[((size_t)p * npw + ig) * 3 + al] = ph[ig] * (grad[al] * f + rlm * df * q[al]);
                }
            }
            for (int al = 0; al < 3; al++)
                for (int be = 0; be < 3; be++) {
                    for (int p = 0; p < pc; p++)
                        for (int ig = 0; ig < npw; ig++)
                            dP[(size_t)p * npw + ig] =
                                dR[((size_t)p * npw + ig) * 3 + al] * kb->kpg[ig][be];
                    memset(acc + p0, 0, sizeof(double) * pc);
                    ACCUMULATE(p0, pc);
                    memcpy(acc9 + (size_t)(al * 3 + be) * np + p0, acc + p0, sizeof(double) * pc);
                }
        }
        for (int al = 0; al < 3; al++)
            for (int be = 0; be < 3; be++) {
                double s = 0;
                for (int p = 0; p < np; p++) s += acc9[(size_t)(al * 3 + be) * np + p];
                stress[al][be] += weight * s / b->grid.volume;
            }
        for (int al = 0; al < 3; al++) stress[al][al] -= weight * e / b->grid.volume;
        free(acc9);
    }
#undef ACCUMULATE
    free(acc);
    free(C);
    free(dP);
    free(dR);
    free(ph);
    return FU_OK;
}

/* The term (term.h). */
static double nonlocal_orbital_energy(const fu_term_ctx *c, const fu_kblock *kb, int nband,
                                      const double complex *psi, const double *occ) {
    return fu_nonlocal_energy(c->b, kb, nband, psi, occ);
}

static int nonlocal_orbital_forces_stress(const fu_term_ctx *c, const fu_kblock *kb, int nband,
                                          const double complex *psi, const double *occ,
                                          double weight, double (*forces)[3],
                                          double stress[3][3], fu_err *err) {
    return fu_nonlocal_forces_stress(c->b, kb, nband, psi, occ, weight, forces, stress, err);
}

const fu_term fu_nonlocal_term = {.id = FU_ENERGY_NONLOCAL,
                                  .kind = FU_TERM_ORBITAL,
                                  .orbital_energy = nonlocal_orbital_energy,
                                  .orbital_forces_stress = nonlocal_orbital_forces_stress};
