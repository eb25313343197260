#include "dft/hartree.h"
#include "dft/term.h"

#include <math.h>

#include "core/units.h"

/* Over the n box points from linear index off (rho_g, vh_g hold those). */
static double hartree_part(const fu_fftgrid *g, long off, long n, const double complex *rho_g,
                           double complex *vh_g) {
    double e = 0;
    for (long i = 0; i < n; i++) {
        double g2 = g->g2[off + i];
        if (g2 == 0.0 || g2 > g->gcut2) {
            vh_g[i] = 0;
            continue;
        }
        vh_g[i] = 4.0 * FU_PI * rho_g[i] / g2;
        e += creal(conj(rho_g[i]) * vh_g[i]);
    }
    return 0.5 * g->volume * e;
}

double fu_hartree(const fu_fftgrid *g, const double complex *rho_g, double complex *vh_g) {
    return hartree_part(g, 0, g->ntot, rho_g, vh_g);
}

/* Σ_G 4π|ρ_G|² G_a G_c/|G|⁴ over the n points from off into sig. */
static void hartree_stress_part(const fu_fftgrid *g, long off, long n, const double complex *rho_g,
                                double sig[3][3]) {
    for (long i = 0; i < n; i++) {
        long idx = off + i;
        double g2 = g->g2[idx];
        if (g2 == 0.0 || g2 > g->gcut2) continue;
        int m[3];
        double G[3];
        fu_fftgrid_gvec(g, (int)idx, m, G);
        double r2 = creal(rho_g[i] * conj(rho_g[i]));
        double w = 4.0 * FU_PI * r2 / (g2 * g2);
        for (int a = 0; a < 3; a++)
            for (int c = 0; c < 3; c++) sig[a][c] += w * G[a] * G[c];
    }
}

void fu_hartree_stress(const fu_fftgrid *g, const double complex *rho_g, double e_h,
                       double stress[3][3]) {
    double sig[3][3] = {{0}};
    hartree_stress_part(g, 0, g->ntot, rho_g, sig);
    for (int a = 0; a < 3; a++) {
        for (int c = 0; c < 3; c++) stress[a][c] += sig[a][c];
        stress[a][a] -= e_h / g->volume;
    }
}

/* The term (term.h): E_H and V_H of the total density (the first channel). */
static int hartree_term_energy(fu_term_ctx *c, const double *rho_r, const double complex *rho_g,
                               double *e, double complex *v_g, double *v_r, fu_err *err) {
    (void)rho_r;
    (void)v_r;
    (void)err;
    const fu_fftgrid *g = &c->b->grid;
    long n = fu_term_np(c);
    *e = hartree_part(g, fu_term_off(c), n, rho_g, c->box);
    fu_term_sum(c, e, 1);
    if (v_g)
        for (long i = 0; i < n; i++) v_g[i] += c->box[i];
    return FU_OK;
}

/* No forces: E_H depends on the atoms only through ρ. */
static int hartree_term_forces_stress(fu_term_ctx *c, const double *rho_r,
                                      const double complex *rho_g, double e, double (*forces)[3],
                                      double stress[3][3], fu_err *err) {
    (void)rho_r;
    (void)forces;
    (void)err;
    if (!stress) return FU_OK;
    const fu_fftgrid *g = &c->b->grid;
    double sig[3][3] = {{0}};
    hartree_stress_part(g, fu_term_off(c), fu_term_np(c), rho_g, sig);
    fu_term_sum(c, &sig[0][0], 9);
    for (int a = 0; a < 3; a++) {
        for (int b = 0; b < 3; b++) stress[a][b] += sig[a][b];
        stress[a][a] -= e / g->volume;
    }
    return FU_OK;
}

const fu_term fu_hartree_term = {.id = FU_ENERGY_HARTREE,
                                 .kind = FU_TERM_DENSITY,
                                 .energy = hartree_term_energy,
                                 .forces_stress = hartree_term_forces_stress};
