#include "dft/local.h"

#include <math.h>
#include <string.h>

#include "core/units.h"

double complex fu_structure_factor(const fu_structure *s, int sp, const int m[3]) {
    double complex sf = 0;
    for (int a = 0; a < s->natom; a++) {
        if (s->typat[a] != sp) continue;
        double arg = -2.0 * FU_PI * (m[0] * s->xred[a][0] + m[1] * s->xred[a][1] + m[2] * s->xred[a][2]);
        sf += cos(arg) + I * sin(arg);
    }
    return sf;
}

void fu_local_potential(const fu_basis *b, double complex *vloc_g) {
    const fu_fftgrid *g = &b->grid;
    memset(vloc_g, 0, sizeof(double complex) * g->ntot);
    for (int idx = 0; idx < g->ntot; idx++) {
        double g2 = g->g2[idx];
        if (g2 == 0.0 || g2 > g->gcut2) continue;
        int m[3];
        double G[3];
        fu_fftgrid_gvec(g, idx, m, G);
        double gn = sqrt(g2);
        double complex v = 0;
        for (int sp = 0; sp < b->s.nspecies; sp++)
            v += fu_psp_vloc_q(&b->psp[sp], gn) * fu_structure_factor(&b->s, sp, m);
        vloc_g[idx] = v / g->volume;
    }
}

void fu_local_forces_stress(const fu_basis *b, const double complex *rho_g, double e_loc,
                            double (*forces)[3], double stress[3][3]) {
    const fu_fftgrid *g = &b->grid;
    const fu_structure *s = &b->s;
    double sig[3][3] = {{0}};
    for (int idx = 0; idx < g->ntot; idx++) {
        double g2 = g->g2[idx];
        if (g2 == 0.0 || g2 > g->gcut2) continue;
        int m[3];
        double G[3];
        fu_fftgrid_gvec(g, idx, m, G);
        double gn = sqrt(g2);
        double complex rc = conj(rho_g[idx]);
        if (forces) {
            /* E = Ω Σ_G ρ*_G V_G, ∂V_G/∂R_a = -iG v(G) e^{-iG·R_a}/Ω */
            for (int a = 0; a < s->natom; a++) {
                const double *x = s->xred[a];
                double arg = -2.0 * FU_PI * (m[0] * x[0] + m[1] * x[1] + m[2] * x[2]);
                double complex ph = cos(arg) + I * sin(arg);
                double v = fu_psp_vloc_q(&b->psp[s->typat[a]], gn);
                double f = creal(I * rc * v * ph);
                for (int c = 0; c < 3; c++) forces[a][c] += f * G[c];
            }
        }
        if (stress) {
            double complex t = 0;
            for (int sp = 0; sp < s->nspecies; sp++)
                t += fu_psp_dvloc_q(&b->psp[sp], gn) * fu_structure_factor(s, sp, m);
            /* -(1/Ω) Re[ρ*_G S(G) v'(|G|)] G_α G_β/|G| with ρ per volume -> no 1/Ω */
            double w = -creal(rc * t) / gn / g->volume;
            for (int al = 0; al < 3; al++)
                for (int be = 0; be < 3; be++) sig[al][be] += w * G[al] * G[be];
        }
    }
    if (stress)
        for (int al = 0; al < 3; al++) {
            for (int be = 0; be < 3; be++) stress[al][be] += sig[al][be];
            stress[al][al] -= e_loc / g->volume;
        }
}

double fu_psp_core_energy(const fu_basis *b) {
    double eps = 0;
    for (int a = 0; a < b->s.natom; a++) eps += fu_psp_epsatm(&b->psp[b->s.typat[a]]);
    return b->nelec * eps / b->grid.volume;
}
