#include "dft/atomic.h"

#include <math.h>
#include <string.h>

#include "core/units.h"

double complex fu_atomic_structure_factor(const fu_structure *s, int sp, const int m[3]) {
    double complex sf = 0;
    for (int a = 0; a < s->natom; a++) {
        if (s->typat[a] != sp) continue;
        double arg = -2.0 * FU_PI * (m[0] * s->xred[a][0] + m[1] * s->xred[a][1] + m[2] * s->xred[a][2]);
        sf += cos(arg) + I * sin(arg);
    }
    return sf;
}

void fu_atomic_superpose(const fu_basis *b, fu_atomic_form phi, int with_g0, double complex *f) {
    const fu_fftgrid *g = &b->grid;
    memset(f, 0, sizeof(double complex) * g->ntot);
    for (int idx = 0; idx < g->ntot; idx++) {
        double g2 = g->g2[idx];
        if ((g2 == 0.0 && !with_g0) || g2 > g->gcut2) continue;
        int m[3];
        double G[3];
        fu_fftgrid_gvec(g, idx, m, G);
        double gn = sqrt(g2);
        double complex v = 0;
        for (int sp = 0; sp < b->s.nspecies; sp++)
            v += phi(&b->psp[sp], gn) * fu_atomic_structure_factor(&b->s, sp, m);
        f[idx] = v / g->volume;
    }
}

void fu_atomic_forces_stress(const fu_basis *b, const double complex *c, fu_atomic_form phi,
                             fu_atomic_form dphi, double (*forces)[3], double stress[3][3]) {
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
        double complex cc = conj(c[idx]);
        if (forces) {
            for (int a = 0; a < s->natom; a++) {
                const double *x = s->xred[a];
                double arg = -2.0 * FU_PI * (m[0] * x[0] + m[1] * x[1] + m[2] * x[2]);
                double complex ph = cos(arg) + I * sin(arg);
                double v = phi(&b->psp[s->typat[a]], gn);
                double f = creal(I * cc * v * ph);
                for (int k = 0; k < 3; k++) forces[a][k] += f * G[k];
            }
        }
        if (stress) {
            double complex t = 0;
            for (int sp = 0; sp < s->nspecies; sp++)
                t += dphi(&b->psp[sp], gn) * fu_atomic_structure_factor(s, sp, m);
            double w = -creal(cc * t) / gn / g->volume;
            for (int al = 0; al < 3; al++)
                for (int be = 0; be < 3; be++) sig[al][be] += w * G[al] * G[be];
        }
    }
    if (stress)
        for (int al = 0; al < 3; al++)
            for (int be = 0; be < 3; be++) stress[al][be] += sig[al][be];
}
