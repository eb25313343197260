#include "dft/atomic.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/units.h"

/* e^{-2πi m x_a,i} per atom a, axis i and grid index j of that axis (m its frequency): the
 * phase e^{-iG·R_a} is the product of three. A sine and cosine per atom and grid point took
 * most of the local forces and stress of a 64-atom cell, on every rank of a group. NULL if
 * out of memory (the callers then take the direct phases). */
static double complex *axis_phases(const fu_fftgrid *g, const fu_structure *s) {
    const int *n = g->n, nf = n[0] + n[1] + n[2];
    double complex *t = malloc(sizeof(double complex) * (size_t)s->natom * nf);
    if (!t) return NULL;
    for (int a = 0; a < s->natom; a++)
        for (int i = 0, off = 0; i < 3; off += n[i], i++)
            for (int j = 0; j < n[i]; j++) {
                double arg = -2.0 * FU_PI * fu_fft_freq(j, n[i]) * s->xred[a][i];
                t[(size_t)a * nf + off + j] = cos(arg) + I * sin(arg);
            }
    return t;
}

/* e^{-iG·R_a} for the grid point idx, from the table or directly */
static double complex atom_phase(const fu_fftgrid *g, const fu_structure *s,
                                 const double complex *t, int a, int idx, const int m[3]) {
    const int *n = g->n;
    if (!t) {
        const double *x = s->xred[a];
        double arg = -2.0 * FU_PI * (m[0] * x[0] + m[1] * x[1] + m[2] * x[2]);
        return cos(arg) + I * sin(arg);
    }
    const double complex *p = t + (size_t)a * (n[0] + n[1] + n[2]);
    int j2 = idx % n[2], j1 = (idx / n[2]) % n[1], j0 = idx / (n[1] * n[2]);
    return p[j0] * p[n[0] + j1] * p[n[0] + n[1] + j2];
}

/* Σ_{a of species sp} e^{-iG·R_a} per species into sf[nspecies] */
static void structure_factors(const fu_fftgrid *g, const fu_structure *s,
                              const double complex *t, int idx, const int m[3],
                              double complex sf[FU_MAX_SPECIES]) {
    for (int sp = 0; sp < s->nspecies; sp++) sf[sp] = 0;
    for (int a = 0; a < s->natom; a++) sf[s->typat[a]] += atom_phase(g, s, t, a, idx, m);
}

void fu_atomic_superpose(const fu_basis *b, fu_atomic_form phi, int with_g0, double complex *f) {
    const fu_fftgrid *g = &b->grid;
    double complex *t = axis_phases(g, &b->model.s);
    memset(f, 0, sizeof(double complex) * g->ntot);
    for (int idx = 0; idx < g->ntot; idx++) {
        double g2 = g->g2[idx];
        if ((g2 == 0.0 && !with_g0) || g2 > g->gcut2) continue;
        int m[3];
        double G[3];
        fu_fftgrid_gvec(g, idx, m, G);
        double gn = sqrt(g2);
        double complex sf[FU_MAX_SPECIES], v = 0;
        structure_factors(g, &b->model.s, t, idx, m, sf);
        for (int sp = 0; sp < b->model.s.nspecies; sp++) v += phi(&b->model.psp[sp], gn) * sf[sp];
        f[idx] = v / g->volume;
    }
    free(t);
}

void fu_atomic_forces_stress(const fu_basis *b, const double complex *c, fu_atomic_form phi,
                             fu_atomic_form dphi, double (*forces)[3], double stress[3][3]) {
    const fu_fftgrid *g = &b->grid;
    const fu_structure *s = &b->model.s;
    double complex *t = axis_phases(g, s);
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
            double v[FU_MAX_SPECIES]; /* φ once per species, not per atom */
            for (int sp = 0; sp < s->nspecies; sp++) v[sp] = phi(&b->model.psp[sp], gn);
            for (int a = 0; a < s->natom; a++) {
                double complex ph = atom_phase(g, s, t, a, idx, m);
                double f = creal(I * cc * v[s->typat[a]] * ph);
                for (int k = 0; k < 3; k++) forces[a][k] += f * G[k];
            }
        }
        if (stress) {
            double complex sf[FU_MAX_SPECIES], u = 0;
            structure_factors(g, s, t, idx, m, sf);
            for (int sp = 0; sp < s->nspecies; sp++) u += dphi(&b->model.psp[sp], gn) * sf[sp];
            double w = -creal(cc * u) / gn / g->volume;
            for (int al = 0; al < 3; al++)
                for (int be = 0; be < 3; be++) sig[al][be] += w * G[al] * G[be];
        }
    }
    free(t);
    if (stress)
        for (int al = 0; al < 3; al++)
            for (int be = 0; be < 3; be++) stress[al][be] += sig[al][be];
}
