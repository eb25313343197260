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
        /* Real orbitals (kb->real): ψ_n(r) = e^{ik·r} u_n(r) is real, so
         * |e^{ik·r}(√f_n u_n + i √f_m u_m)|² = f_n ψ_n² + f_m ψ_m²: one FFT for
         * two bands of non-negative occupation. */
        int m = n + 1;
        while (m < nband && occ[m] == 0.0) m++;
        int two = kb->real && m < nband && occ[n] > 0 && occ[m] > 0;
        double an = two ? sqrt(occ[n]) : 1.0, am = two ? sqrt(occ[m]) : 0.0;
        memset(box, 0, sizeof(double complex) * g->ntot);
        const double complex *c = psi + (size_t)n * kb->npw, *d = psi + (size_t)m * kb->npw;
        if (two)
            for (int ig = 0; ig < kb->npw; ig++) box[kb->box[ig]] = an * c[ig] + I * am * d[ig];
        else
            for (int ig = 0; ig < kb->npw; ig++) box[kb->box[ig]] = c[ig];
        fu_fft_sphere_g2r(g, &kb->sphere, box);
        double f = weight * (two ? 1.0 : occ[n]) / g->volume;
        for (int i = 0; i < g->ntot; i++) rho_r[i] += f * creal(box[i] * conj(box[i]));
        if (two) n = m;
    }
}

/* R^{-T} of each operation: the action on integer frequencies. */
static void inverse_transposes(const fu_symmetry *sym, int (*rinvT)[3][3]) {
    for (int s = 0; s < sym->nsym; s++) {
        const int(*R)[3] = sym->rot[s];
        int det = R[0][0] * (R[1][1] * R[2][2] - R[1][2] * R[2][1]) -
                  R[0][1] * (R[1][0] * R[2][2] - R[1][2] * R[2][0]) +
                  R[0][2] * (R[1][0] * R[2][1] - R[1][1] * R[2][0]);
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++) {
                int i1 = (i + 1) % 3, i2 = (i + 2) % 3, j1 = (j + 1) % 3, j2 = (j + 2) % 3;
                /* R^{-1} = cofactor^T/det, so R^{-T} = cofactor/det */
                rinvT[s][i][j] = (R[i1][j1] * R[i2][j2] - R[i1][j2] * R[i2][j1]) / det;
            }
    }
}

/* Image of box point (i0,i1,i2) under an operation with R^{-T} = rinvT: its
 * box index and integer frequency mp, or -1 if the image is not a frequency
 * the box holds unambiguously. */
static int image_index(const fu_fftgrid *g, const int rinvT[3][3], int i0, int i1, int i2,
                       int mp[3]) {
    const int *n = g->n;
    int m[3] = {fu_fft_freq(i0, n[0]), fu_fft_freq(i1, n[1]), fu_fft_freq(i2, n[2])};
    int idx[3];
    for (int i = 0; i < 3; i++) {
        mp[i] = rinvT[i][0] * m[0] + rinvT[i][1] * m[1] + rinvT[i][2] * m[2];
        if (2 * abs(mp[i]) >= n[i]) return -1; /* beyond or on Nyquist */
        idx[i] = mp[i] < 0 ? mp[i] + n[i] : mp[i];
    }
    return (idx[0] * n[1] + idx[1]) * n[2] + idx[2];
}

/* The same with the phase e^{2πi mp·t} of the operation's translation t. */
static int image(const fu_fftgrid *g, const int rinvT[3][3], const double t[3], int i0, int i1,
                 int i2, double complex *phase) {
    int mp[3];
    int j = image_index(g, rinvT, i0, i1, i2, mp);
    if (j < 0) return -1;
    double arg = 2.0 * FU_PI * (mp[0] * t[0] + mp[1] * t[1] + mp[2] * t[2]);
    *phase = cos(arg) + I * sin(arg);
    return j;
}

void fu_density_symmap_free(fu_symmap *m) {
    free(m->rep);
    free(m->tr);
    free(m->pt);
    free(m->img);
    free(m->phase);
    free(m->tfac);
    memset(m, 0, sizeof *m);
}

static int is_identity(const int R[3][3]) {
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            if (R[i][j] != (i == j)) return 0;
    return 1;
}

/* (1/|T|) Σ_t e^{2πi m·t} for the integer frequency m. */
static double translation_factor(const fu_symmetry *sym, const fu_symmap *m, const int f[3]) {
    double s = 0;
    for (int a = 0; a < m->ntr; a++) {
        const double *t = sym->trans[m->tr[a]];
        s += cos(2.0 * FU_PI * (f[0] * t[0] + f[1] * t[1] + f[2] * t[2]));
    }
    return s / m->ntr;
}

/* Splits the operations into pure translations and one representative per
 * rotation (two operations with one rotation differ by a pure translation). */
static int split_cosets(const fu_symmetry *sym, fu_symmap *m, fu_err *err) {
    m->rep = malloc(sizeof(int) * (size_t)sym->nsym);
    m->tr = malloc(sizeof(int) * (size_t)sym->nsym);
    if (!m->rep || !m->tr) return fu_fail(err, FU_ENOMEM, "density symmetrisation: out of memory");
    for (int s = 0; s < sym->nsym; s++) {
        if (is_identity(sym->rot[s])) m->tr[m->ntr++] = s;
        int seen = 0;
        for (int r = 0; r < m->nrep && !seen; r++)
            seen = memcmp(sym->rot[m->rep[r]], sym->rot[s], sizeof(int[3][3])) == 0;
        if (!seen) m->rep[m->nrep++] = s;
    }
    if (m->ntr * m->nrep != sym->nsym)
        return fu_fail(err, FU_EINTERNAL,
                       "density symmetrisation: %d operations are not %d rotations x %d "
                       "translations (not a group?)", sym->nsym, m->nrep, m->ntr);
    return FU_OK;
}

int fu_density_symmap_init(fu_basis *b, fu_err *err) {
    const fu_fftgrid *g = &b->grid;
    const fu_symmetry *sym = &b->sym;
    fu_symmap *m = &b->symmap;
    memset(m, 0, sizeof *m);
    if (sym->nsym <= 1) return FU_OK;
    int rc = split_cosets(sym, m, err);
    if (rc) return rc;
    /* Only the density sphere is tabulated; outside it the density vanishes
     * when the box holds the 2 G_max sphere. With a smaller box, or when the
     * table would exceed ~400 MB, the slow path evaluates images on the fly. */
    if (g->gcut2 < 8.0 * b->ecut * (1 - 1e-9)) return FU_OK;
    int npt = 0;
    for (int i = 0; i < g->ntot; i++) npt += g->g2[i] <= g->gcut2;
    if ((double)npt * m->nrep > 2e7) return FU_OK;
    const int nr = m->nrep;
    m->pt = malloc(sizeof(int) * (size_t)npt);
    m->img = malloc(sizeof(int) * (size_t)npt * nr);
    m->phase = malloc(sizeof(double complex) * (size_t)npt * nr);
    m->tfac = malloc(sizeof(double) * (size_t)npt);
    int(*rinvT)[3][3] = malloc(sizeof(*rinvT) * (size_t)sym->nsym);
    const int *n = g->n;
    /* e^{2πi mp_i t_i} per representative, axis and frequency |mp_i| < n_i/2:
     * the phase is their product (a sine and cosine per point and operation
     * took as long as the rest of the SCF set-up) */
    const int nf = n[0] + n[1] + n[2];
    double complex *ph1 = malloc(sizeof(double complex) * (size_t)nr * nf);
    if (!m->pt || !m->img || !m->phase || !m->tfac || !rinvT || !ph1) {
        free(rinvT);
        free(ph1);
        fu_density_symmap_free(m);
        return fu_fail(err, FU_ENOMEM, "density symmetrisation: out of memory");
    }
    inverse_transposes(sym, rinvT);
    for (int r = 0; r < nr; r++)
        for (int i = 0, off = 0; i < 3; off += n[i], i++)
            for (int f = 0; f < n[i]; f++) {
                double arg = 2.0 * FU_PI * (f - n[i] / 2) * sym->trans[m->rep[r]][i];
                ph1[(size_t)r * nf + off + f] = cos(arg) + I * sin(arg);
            }
    int k = 0;
    for (int i0 = 0; i0 < n[0]; i0++)
        for (int i1 = 0; i1 < n[1]; i1++)
            for (int i2 = 0; i2 < n[2]; i2++) {
                int idx = (i0 * n[1] + i1) * n[2] + i2;
                if (g->g2[idx] > g->gcut2) continue;
                int f[3] = {fu_fft_freq(i0, n[0]), fu_fft_freq(i1, n[1]), fu_fft_freq(i2, n[2])};
                m->pt[k] = idx;
                m->tfac[k] = translation_factor(sym, m, f);
                for (int r = 0; r < nr; r++) {
                    size_t e = (size_t)k * nr + r;
                    int mp[3];
                    m->img[e] = image_index(g, rinvT[m->rep[r]], i0, i1, i2, mp);
                    const double complex *p = ph1 + (size_t)r * nf;
                    m->phase[e] = m->img[e] < 0 ? 0
                                                : p[mp[0] + n[0] / 2] * p[n[0] + mp[1] + n[1] / 2] *
                                                      p[n[0] + n[1] + mp[2] + n[2] / 2];
                }
                k++;
            }
    m->npt = npt;
    free(rinvT);
    free(ph1);
    return FU_OK;
}

void fu_density_symmetrize_part(const fu_basis *b, double complex *rho_g, long off, long np,
                                double complex *out) {
    const fu_fftgrid *g = &b->grid;
    const fu_symmetry *sym = &b->sym;
    const int *n = g->n;
    const fu_symmap *m = &b->symmap;
    const int nr = m->nrep;
    if (sym->nsym <= 1 || nr == 0) {
        if (out != rho_g + off) memcpy(out, rho_g + off, sizeof(double complex) * np);
        return;
    }
    if (m->npt > 0) {
        memset(out, 0, sizeof(double complex) * np);
        for (int k = 0; k < m->npt; k++) { /* translation factor is 1 or 0 */
            if (m->tfac[k] < 0.5) rho_g[m->pt[k]] = 0;
        }
        for (int k = 0; k < m->npt; k++) {
            long at = (long)m->pt[k] - off;
            if (at < 0 || at >= np) continue;
            const int *img = m->img + (size_t)k * nr;
            const double complex *ph = m->phase + (size_t)k * nr;
            double complex acc = 0;
            int outside = 0;
            for (int r = 0; r < nr; r++) {
                if (img[r] < 0) {
                    outside = 1;
                    break;
                }
                acc += rho_g[img[r]] * ph[r];
            }
            out[at] = outside ? 0 : acc / nr;
        }
        return;
    }
    int(*rinvT)[3][3] = malloc(sizeof(*rinvT) * (size_t)sym->nsym);
    if (!rinvT) { /* unreachable in practice; ρ stays unsymmetrised but valid */
        memcpy(out, rho_g + off, sizeof(double complex) * np);
        return;
    }
    inverse_transposes(sym, rinvT);
    if (m->ntr > 1)
        for (int i = 0; i < g->ntot; i++) {
            int f[3];
            double G[3];
            fu_fftgrid_gvec(g, i, f, G);
            if (translation_factor(sym, m, f) < 0.5) rho_g[i] = 0;
        }
    for (long idx = off; idx < off + np; idx++) {
        int i2 = (int)(idx % n[2]), i1 = (int)((idx / n[2]) % n[1]), i0 = (int)(idx / ((long)n[1] * n[2]));
        double complex acc = 0, ph;
        int outside = 0;
        for (int r = 0; r < nr && !outside; r++) {
            int s = m->rep[r];
            int j = image(g, rinvT[s], sym->trans[s], i0, i1, i2, &ph);
            if (j < 0) outside = 1;
            else acc += rho_g[j] * ph;
        }
        out[idx - off] = outside ? 0 : acc / nr;
    }
    free(rinvT);
}

void fu_density_symmetrize(const fu_basis *b, double complex *rho_g, double complex *tmp) {
    if (b->sym.nsym <= 1 || b->symmap.nrep == 0) return;
    fu_density_symmetrize_part(b, rho_g, 0, b->grid.ntot, tmp);
    memcpy(rho_g, tmp, sizeof(double complex) * b->grid.ntot);
}

/* Decay length λ (bohr) of an atom's valence density, modelled as a
 * Gaussian with form factor exp(-G² λ²), by core electrons (Z - Z_ion) and
 * valence electrons: the values ABINIT fitted on atoms (m_atomdata.F90,
 * atom_length; DFTK uses the same table). Starting from these instead of
 * 1.25 r_loc saved up to 4 SCF steps on the ABINIT reference systems (MgO
 * 13 -> 9; Al, GaAs one): the first output density is then close to the
 * guess, not 130 % away. */
static double atom_decay_length(double ncore, double nval) {
    static const struct { double core_max; int n; double len[15]; } rows[] = {
        {0.5, 5, {0.6, 0.4, 0.3, 0.25, 0.2}},                               /* no core */
        {2.5, 9, {1.8, 1.4, 1.0, 0.7, 0.6, 0.5, 0.4, 0.35, 0.3}},          /* 1s2 */
        {10.5, 11, {2.0, 1.6, 1.25, 1.1, 1.0, 0.9, 0.8, 0.7, 0.7, 0.7, 0.6}}, /* Ne */
        {12.5, 11, {1.9, 1.5, 1.15, 1.0, 0.9, 0.8, 0.7, 0.6, 0.6, 0.6, 0.5}}, /* Mg */
        {18.5, 13, {2.0, 1.8, 1.5, 1.2, 1.0, 0.9, 0.85, 0.8, 0.75, 0.7, 0.65, 0.65, 0.6}}, /* Ar */
        {28.5, 15, {1.5, 1.25, 1.15, 1.05, 1.0, 0.95, 0.95, 0.9, 0.9, 0.85, 0.85, 0.8, 0.8, 0.75,
                    0.7}},                                                  /* Ar 3d10 */
        {36.5, 13, {2.0, 2.0, 1.6, 1.4, 1.25, 1.1, 1.0, 0.95, 0.9, 0.85, 0.8, 0.75, 0.7}}, /* Kr */
        {1e9, 13, {2.0, 2.0, 1.55, 1.25, 1.15, 1.1, 1.05, 1.0, 0.95, 0.9, 0.85, 0.85, 0.8}}};
    int nv = (int)lround(nval);
    if (nv < 1) nv = 1;
    size_t r = 0;
    while (ncore >= rows[r].core_max) r++;
    return rows[r].len[(nv < rows[r].n ? nv : rows[r].n) - 1];
}

/* Σ_a q_a exp(-G² λ_a²) e^{-iG·τ_a} / Ω with q_a = Z_ion (charge) or the
 * species moment (magnetisation). */
static void gaussian_superposition(const fu_basis *b, const double *moment, double complex *rho_g) {
    const fu_fftgrid *g = &b->grid;
    const fu_structure *s = &b->model.s;
    double L[FU_MAX_SPECIES]; /* 2λ: the form factor below is exp(-G² L²/4) */
    double norm[FU_MAX_SPECIES]; /* charge: the file's atomic valence density, scaled to Z_ion */
    for (int sp = 0; sp < s->nspecies; sp++) {
        const fu_psp *q = &b->model.psp[sp];
        L[sp] = 2.0 * atom_decay_length(q->znucl - q->zion, q->zion);
        double n0 = q->has_valence ? fu_psp_rhoval_q(q, 0.0) : 0.0;
        norm[sp] = !moment && n0 > 0 ? q->zion / n0 : 0.0;
    }
    for (int idx = 0; idx < g->ntot; idx++) {
        int m[3];
        double G[3];
        fu_fftgrid_gvec(g, idx, m, G);
        double g2 = g->g2[idx];
        double complex v = 0;
        if (g2 <= g->gcut2)
            for (int a = 0; a < s->natom; a++) {
                const double *x = s->xred[a];
                double arg = -2.0 * FU_PI * (m[0] * x[0] + m[1] * x[1] + m[2] * x[2]);
                int sp = s->typat[a];
                double l = L[sp];
                double q = moment ? moment[sp] : b->model.zion[a];
                double ff = norm[sp] > 0 ? norm[sp] * fu_psp_rhoval_q(&b->model.psp[sp], sqrt(g2))
                                         : q * exp(-0.25 * g2 * l * l);
                v += ff * (cos(arg) + I * sin(arg));
            }
        rho_g[idx] = v / g->volume;
    }
}

void fu_density_guess(const fu_basis *b, double complex *rho_g) {
    gaussian_superposition(b, NULL, rho_g);
}

void fu_density_guess_magnetization(const fu_basis *b, const double *moment, double complex *m_g) {
    gaussian_superposition(b, moment, m_g);
}
