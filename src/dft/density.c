#include "dft/density.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/units.h"

void fu_density_add(const fu_basis *b, const fu_kblock *kb, int nband, const double complex *psi,
                    const double *occ, double weight, double *rho_r, double complex *box) {
    const fu_fftgrid *g = &b->grid;
    for (int n = 0; n < nband; n++) {
        if (occ[n] == 0.0) continue;
        memset(box, 0, sizeof(double complex) * g->ntot);
        const double complex *c = psi + (size_t)n * kb->npw;
        for (int ig = 0; ig < kb->npw; ig++) box[kb->box[ig]] = c[ig];
        fu_fft_sphere_g2r(g, &kb->sphere, box);
        double f = weight * occ[n] / g->volume;
        for (int i = 0; i < g->ntot; i++) rho_r[i] += f * creal(box[i] * conj(box[i]));
    }
}

void fu_density_symmetrize(const fu_basis *b, double complex *rho_g, double complex *tmp) {
    const fu_fftgrid *g = &b->grid;
    const fu_symmetry *sym = &b->sym;
    const int *n = g->n;
    if (sym->nsym <= 1) return;
    /* inverse-transpose rotations act on integer frequencies */
    int rinvT[sym->nsym][3][3];
    for (int s = 0; s < sym->nsym; s++) {
        const int(*R)[3] = sym->rot[s];
        int det = R[0][0] * (R[1][1] * R[2][2] - R[1][2] * R[2][1]) -
                  R[0][1] * (R[1][0] * R[2][2] - R[1][2] * R[2][0]) +
                  R[0][2] * (R[1][0] * R[2][1] - R[1][1] * R[2][0]);
        int cof[3][3];
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++) {
                int i1 = (i + 1) % 3, i2 = (i + 2) % 3, j1 = (j + 1) % 3, j2 = (j + 2) % 3;
                cof[i][j] = R[i1][j1] * R[i2][j2] - R[i1][j2] * R[i2][j1];
            }
        /* R^{-1} = cof^T/det, so R^{-T} = cof/det */
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++) rinvT[s][i][j] = cof[i][j] / det;
    }
    for (int i0 = 0; i0 < n[0]; i0++)
        for (int i1 = 0; i1 < n[1]; i1++)
            for (int i2 = 0; i2 < n[2]; i2++) {
                int m[3] = {fu_fft_freq(i0, n[0]), fu_fft_freq(i1, n[1]), fu_fft_freq(i2, n[2])};
                double complex acc = 0;
                int outside = 0;
                for (int s = 0; s < sym->nsym && !outside; s++) {
                    int mp[3];
                    for (int i = 0; i < 3; i++)
                        mp[i] = rinvT[s][i][0] * m[0] + rinvT[s][i][1] * m[1] + rinvT[s][i][2] * m[2];
                    int idx[3];
                    for (int i = 0; i < 3; i++) {
                        /* the image must be a frequency the box holds unambiguously */
                        if (2 * abs(mp[i]) >= n[i]) outside = 1; /* beyond or on Nyquist */
                        idx[i] = fu_fft_index(mp[i], n[i]);
                    }
                    if (outside) break;
                    const double *t = sym->trans[s];
                    double arg = 2.0 * FU_PI * (mp[0] * t[0] + mp[1] * t[1] + mp[2] * t[2]);
                    acc += rho_g[(idx[0] * n[1] + idx[1]) * n[2] + idx[2]] * (cos(arg) + I * sin(arg));
                }
                tmp[(i0 * n[1] + i1) * n[2] + i2] = outside ? 0 : acc / sym->nsym;
            }
    memcpy(rho_g, tmp, sizeof(double complex) * g->ntot);
}

void fu_density_guess(const fu_basis *b, double complex *rho_g) {
    const fu_fftgrid *g = &b->grid;
    const fu_structure *s = &b->s;
    const int *n = g->n;
    /* Gaussian width: 2.5 r_loc, clamped to [0.5, 2.5] bohr (compact for
     * first-row anions, diffuse for alkali s shells); only a starting point. */
    double L[FU_MAX_SPECIES];
    for (int sp = 0; sp < s->nspecies; sp++) {
        double l = 2.5 * b->psp[sp].rloc;
        L[sp] = l < 0.5 ? 0.5 : (l > 2.5 ? 2.5 : l);
    }
    for (int i0 = 0; i0 < n[0]; i0++)
        for (int i1 = 0; i1 < n[1]; i1++)
            for (int i2 = 0; i2 < n[2]; i2++) {
                int idx = (i0 * n[1] + i1) * n[2] + i2;
                int m[3] = {fu_fft_freq(i0, n[0]), fu_fft_freq(i1, n[1]), fu_fft_freq(i2, n[2])};
                double g2 = g->g2[idx];
                double complex v = 0;
                if (g2 <= g->gcut2)
                    for (int a = 0; a < s->natom; a++) {
                        const double *x = s->xred[a];
                        double arg = -2.0 * FU_PI * (m[0] * x[0] + m[1] * x[1] + m[2] * x[2]);
                        double l = L[s->typat[a]];
                        v += b->zion[a] * exp(-0.25 * g2 * l * l) * (cos(arg) + I * sin(arg));
                    }
                rho_g[idx] = v / g->volume;
            }
}
