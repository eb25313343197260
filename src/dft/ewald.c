/* Ewald sum for point charges in a neutralising background.
 *
 * E = E_real + E_recip + E_self + E_background with splitting parameter η:
 *   E_real  = ½ Σ'_{i,j,R} Z_i Z_j erfc(η r)/r,       r = |τ_i - τ_j + R|
 *   E_recip = (2π/Ω) Σ_{G≠0} |S(G)|² e^{-G²/4η²}/G², S(G) = Σ_j Z_j e^{iG·τ_j}
 *   E_self  = -(η/√π) Σ_i Z_i²
 *   E_bg    = -π (Σ_i Z_i)² / (2 Ω η²)
 * Both sums are cut where the Gaussian factor falls below e^{-X²}, X = 6.5
 * (e^{-42} ≈ 6e-19), so the result is converged to rounding for any η.
 *
 * Skewed cells: the direct and the reciprocal bases are LLL-reduced
 * separately before the integer boxes enclosing the cut-off spheres are
 * built; a reduced basis is nearly orthogonal, so the box is a bounded
 * multiple of the sphere whatever the input cell looks like. The energy,
 * Cartesian forces and stress do not depend on the basis chosen. */
#include "dft/ewald.h"
#include "dft/term.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>

#define EW_PI 3.14159265358979323846
#define EW_X 6.5 /* Gaussian cut: terms below e^{-X²} dropped */
#define EW_MAX_TERMS 4.0e9 /* refuse η choices that would take hours */

static double dot3(const double a[3], const double b[3]) {
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

static double det3(const double m[3][3]) {
    return m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
           m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
           m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
}

/* Rows d_i with a_i·d_j = 2π δ_ij (the dual basis of the rows of a). */
static void dual_basis(const double a[3][3], double d[3][3]) {
    double det = det3(a);
    for (int i = 0; i < 3; i++) {
        int j = (i + 1) % 3, k = (i + 2) % 3;
        d[i][0] = 2.0 * EW_PI * (a[j][1] * a[k][2] - a[j][2] * a[k][1]) / det;
        d[i][1] = 2.0 * EW_PI * (a[j][2] * a[k][0] - a[j][0] * a[k][2]) / det;
        d[i][2] = 2.0 * EW_PI * (a[j][0] * a[k][1] - a[j][1] * a[k][0]) / det;
    }
}

/* Gram-Schmidt of the rows: bs = orthogonalised rows, mu = coefficients. */
static void gram_schmidt(const double b[3][3], double bs[3][3], double mu[3][3], double nrm[3]) {
    for (int i = 0; i < 3; i++) {
        for (int c = 0; c < 3; c++) bs[i][c] = b[i][c];
        for (int j = 0; j < i; j++) {
            mu[i][j] = dot3(b[i], bs[j]) / nrm[j];
            for (int c = 0; c < 3; c++) bs[i][c] -= mu[i][j] * bs[j][c];
        }
        nrm[i] = dot3(bs[i], bs[i]);
    }
}

/* LLL reduction (δ = 0.99) of the rows of b, in place. The rows stay a basis
 * of the same lattice (only integer unimodular row operations are used). */
static void lll_reduce(double b[3][3]) {
    double bs[3][3], mu[3][3], nrm[3];
    gram_schmidt(b, bs, mu, nrm);
    int k = 1;
    for (int iter = 0; k < 3 && iter < 1000; iter++) {
        for (int j = k - 1; j >= 0; j--) {
            double q = nearbyint(mu[k][j]);
            if (q != 0.0) {
                for (int c = 0; c < 3; c++) b[k][c] -= q * b[j][c];
                gram_schmidt(b, bs, mu, nrm);
            }
        }
        if (nrm[k] >= (0.99 - mu[k][k - 1] * mu[k][k - 1]) * nrm[k - 1]) {
            k++;
        } else {
            for (int c = 0; c < 3; c++) {
                double t = b[k][c];
                b[k][c] = b[k - 1][c];
                b[k - 1][c] = t;
            }
            gram_schmidt(b, bs, mu, nrm);
            k = k > 1 ? k - 1 : 1;
        }
    }
}

/* Balances the two sums: the real-space work ∝ natom²/(η³Ω) pair terms and
 * the reciprocal work ∝ natom·η³Ω/π³ structure-factor terms. */
static double default_eta(int natom, double omega) {
    return sqrt(EW_PI) * pow((double)natom, 1.0 / 6.0) / cbrt(omega);
}

int fu_ewald(const double lattice[3][3], int natom, const double (*xred)[3], const double *charge,
             double *energy, double (*forces_cart)[3], double stress[3][3], fu_err *err) {
    /* fu_ewald_eta validates everything; a bad input only needs some η here. */
    double omega = lattice ? fabs(det3(lattice)) : 0.0;
    double eta = (natom >= 1 && omega > 0.0 && isfinite(omega)) ? default_eta(natom, omega) : 1.0;
    return fu_ewald_eta(lattice, natom, xred, charge, eta, energy, forces_cart, stress, err);
}

int fu_ewald_eta(const double lattice[3][3], int natom, const double (*xred)[3],
                 const double *charge, double eta, double *energy, double (*forces_cart)[3],
                 double stress[3][3], fu_err *err) {
    if (!lattice || !xred || !charge || !energy)
        return fu_fail(err, FU_EINPUT,
                       "ewald: arguments: lattice, xred, charge and energy must not be NULL");
    if (natom < 1) return fu_fail(err, FU_EINPUT, "ewald: natom: must be >= 1, got %d", natom);
    if (!(eta > 0.0) || !isfinite(eta))
        return fu_fail(err, FU_EINPUT, "ewald: eta: must be finite and > 0, got %g", eta);
    for (int i = 0; i < 3; i++)
        for (int c = 0; c < 3; c++)
            if (!isfinite(lattice[i][c]))
                return fu_fail(err, FU_EINPUT, "ewald: lattice: vector %d is not finite", i + 1);
    double omega = fabs(det3(lattice));
    if (!(omega > 0.0) || !isfinite(omega))
        return fu_fail(err, FU_EINPUT, "ewald: lattice: singular (volume %g bohr^3)", omega);
    for (int i = 0; i < natom; i++) {
        if (!isfinite(xred[i][0]) || !isfinite(xred[i][1]) || !isfinite(xred[i][2]))
            return fu_fail(err, FU_EINPUT, "ewald: xred: atom %d has a non-finite coordinate",
                           i + 1);
        if (!isfinite(charge[i]))
            return fu_fail(err, FU_EINPUT, "ewald: charge: atom %d has a non-finite charge", i + 1);
    }

    /* Reduced bases: a (direct, for real space) and g (reciprocal). */
    double a[3][3], ad[3][3], g[3][3], gd[3][3];
    for (int i = 0; i < 3; i++)
        for (int c = 0; c < 3; c++) a[i][c] = lattice[i][c];
    lll_reduce(a);
    /* A reduced basis is nearly orthogonal, so a tiny volume relative to its
     * lengths means the lattice is degenerate, not merely given skewed. */
    double len[3] = {sqrt(dot3(a[0], a[0])), sqrt(dot3(a[1], a[1])), sqrt(dot3(a[2], a[2]))};
    if (!(omega > 1e-6 * len[0] * len[1] * len[2]))
        return fu_fail(
            err, FU_EINPUT,
            "ewald: lattice: singular (volume %g bohr^3, reduced vector lengths %g, %g, %g)", omega,
            len[0], len[1], len[2]);
    dual_basis(a, ad); /* reciprocal vectors dual to the reduced a */
    dual_basis(lattice, g);
    lll_reduce(g);
    dual_basis(g, gd); /* direct vectors dual to the reduced g */

    const double rmax = EW_X / eta, gmax = 2.0 * EW_X * eta;
    int ng[3];
    double nterms_r = 1.0, nterms_g = 1.0, bg[3];
    for (int k = 0; k < 3; k++) {
        /* |n_k + d_k| ≤ |ad_k| rmax / 2π bounds every lattice point in the ball. */
        double br = sqrt(dot3(ad[k], ad[k])) * rmax / (2.0 * EW_PI);
        bg[k] = sqrt(dot3(gd[k], gd[k])) * gmax / (2.0 * EW_PI);
        nterms_r *= 2.0 * br + 2.0;
        nterms_g *= 2.0 * bg[k] + 1.0;
    }
    nterms_r *= 0.5 * (double)natom * (double)(natom + 1);
    nterms_g *= (double)natom;
    if (nterms_r > EW_MAX_TERMS || nterms_g > EW_MAX_TERMS)
        return fu_fail(
            err, FU_EINPUT,
            "ewald: eta: %g gives %.3g real-space and %.3g reciprocal terms (limit %.3g)", eta,
            nterms_r, nterms_g, EW_MAX_TERMS);
    for (int k = 0; k < 3; k++) ng[k] = (int)floor(bg[k]); /* fits: 2 bg + 1 <= EW_MAX_TERMS */

    /* Cartesian positions; coordinates in the reduced direct basis (for pair
     * minimal images) and in the basis dual to g (for the phases). */
    double (*tau)[3] = malloc((size_t)natom * sizeof *tau);
    double (*xa)[3] = malloc((size_t)natom * sizeof *xa);
    double (*yg)[3] = malloc((size_t)natom * sizeof *yg);
    size_t mtot = (size_t)(2 * ng[0] + 1) + (size_t)(2 * ng[1] + 1) + (size_t)(2 * ng[2] + 1);
    double *phr = malloc((size_t)natom * mtot * sizeof *phr);
    double *phi = malloc((size_t)natom * mtot * sizeof *phi);
    double *p12r = malloc((size_t)natom * sizeof *p12r);
    double *p12i = malloc((size_t)natom * sizeof *p12i);
    double (*fr)[3] = calloc((size_t)natom, sizeof *fr);
    int status = FU_OK;
    if (!tau || !xa || !yg || !phr || !phi || !p12r || !p12i || !fr) {
        status = fu_fail(err, FU_ENOMEM, "ewald: out of memory for %d atoms", natom);
        goto out;
    }
    for (int i = 0; i < natom; i++) {
        for (int c = 0; c < 3; c++)
            tau[i][c] = xred[i][0] * lattice[0][c] + xred[i][1] * lattice[1][c] +
                        xred[i][2] * lattice[2][c];
        for (int k = 0; k < 3; k++) {
            xa[i][k] = dot3(ad[k], tau[i]) / (2.0 * EW_PI);
            yg[i][k] = dot3(g[k], tau[i]) / (2.0 * EW_PI);
            yg[i][k] -= floor(yg[i][k]); /* keeps 2π m y small and accurate */
        }
    }

    double sig[3][3] = {{0}};
    const double sqpi = sqrt(EW_PI);

    /* ---- real space: pairs i ≤ j, minimal image then the ball ---- */
    double e_real = 0.0;
    for (int i = 0; i < natom; i++) {
        for (int j = i; j < natom; j++) {
            double d[3], lo[3], hi[3];
            for (int k = 0; k < 3; k++) {
                d[k] = xa[i][k] - xa[j][k];
                d[k] -= nearbyint(d[k]);
                double b = sqrt(dot3(ad[k], ad[k])) * rmax / (2.0 * EW_PI);
                lo[k] = ceil(-d[k] - b);
                hi[k] = floor(-d[k] + b);
            }
            /* i < j: both orders (weight 1); i == j: ½ of the self-images. */
            double w = (i == j) ? 0.5 : 1.0, zz = w * charge[i] * charge[j];
            double esum = 0.0, fsum[3] = {0, 0, 0};
            for (double n0 = lo[0]; n0 <= hi[0]; n0++)
                for (double n1 = lo[1]; n1 <= hi[1]; n1++)
                    for (double n2 = lo[2]; n2 <= hi[2]; n2++) {
                        double c0 = d[0] + n0, c1 = d[1] + n1, c2 = d[2] + n2, rv[3];
                        for (int c = 0; c < 3; c++)
                            rv[c] = c0 * a[0][c] + c1 * a[1][c] + c2 * a[2][c];
                        double r2 = dot3(rv, rv);
                        if (r2 > rmax * rmax) continue;
                        if (i == j && n0 == 0 && n1 == 0 && n2 == 0) continue;
                        if (r2 == 0.0) {
                            status = fu_fail(
                                err, FU_EINPUT,
                                "ewald: xred: atoms %d and %d coincide (modulo the lattice)", i + 1,
                                j + 1);
                            goto pairs_done;
                        }
                        double r = sqrt(r2), er = erfc(eta * r) / r;
                        /* dφ/dr / r with φ(r) = erfc(ηr)/r */
                        double dphi = -(er + 2.0 * eta / sqpi * exp(-eta * eta * r2)) / r2;
                        esum += er;
                        for (int c = 0; c < 3; c++) fsum[c] -= dphi * rv[c];
                        for (int p = 0; p < 3; p++)
                            for (int q = 0; q < 3; q++) sig[p][q] += zz * dphi * rv[p] * rv[q];
                    }
            e_real += zz * esum;
            if (i != j)
                for (int c = 0; c < 3; c++) {
                    fr[i][c] += zz * fsum[c];
                    fr[j][c] -= zz * fsum[c];
                }
        }
    }
pairs_done:
    if (status != FU_OK) goto out;

    /* ---- reciprocal space: half of the G ≠ 0 box, doubled ---- */
    double *pr[3], *pi_[3];
    {
        size_t off = 0;
        for (int k = 0; k < 3; k++) {
            pr[k] = phr + (size_t)natom * off;
            pi_[k] = phi + (size_t)natom * off;
            off += (size_t)(2 * ng[k] + 1);
        }
        /* e^{2πi m y}, evaluated directly (no recurrence error build-up). */
        for (int k = 0; k < 3; k++)
            for (int m = -ng[k]; m <= ng[k]; m++)
                for (int i = 0; i < natom; i++) {
                    double t = 2.0 * EW_PI * (double)m * yg[i][k];
                    size_t idx = (size_t)(m + ng[k]) * (size_t)natom + (size_t)i;
                    pr[k][idx] = cos(t);
                    pi_[k][idx] = sin(t);
                }
    }
    const double pref = 2.0 * EW_PI / omega;
    double e_rec = 0.0, srec[3][3] = {{0}};
    const double inv4e2 = 1.0 / (4.0 * eta * eta);
    for (int m0 = 0; m0 <= ng[0]; m0++) {
        for (int m1 = (m0 == 0 ? 0 : -ng[1]); m1 <= ng[1]; m1++) {
            const double *r0 = pr[0] + (size_t)(m0 + ng[0]) * (size_t)natom,
                         *i0 = pi_[0] + (size_t)(m0 + ng[0]) * (size_t)natom;
            const double *r1 = pr[1] + (size_t)(m1 + ng[1]) * (size_t)natom,
                         *i1 = pi_[1] + (size_t)(m1 + ng[1]) * (size_t)natom;
            for (int i = 0; i < natom; i++) {
                p12r[i] = r0[i] * r1[i] - i0[i] * i1[i];
                p12i[i] = r0[i] * i1[i] + i0[i] * r1[i];
            }
            int m2lo = (m0 == 0 && m1 == 0) ? 1 : -ng[2];
            for (int m2 = m2lo; m2 <= ng[2]; m2++) {
                double gv[3];
                for (int c = 0; c < 3; c++) gv[c] = m0 * g[0][c] + m1 * g[1][c] + m2 * g[2][c];
                double g2 = dot3(gv, gv);
                if (g2 > gmax * gmax) continue;
                const double *r2 = pr[2] + (size_t)(m2 + ng[2]) * (size_t)natom,
                             *i2 = pi_[2] + (size_t)(m2 + ng[2]) * (size_t)natom;
                double sr = 0.0, si = 0.0;
                for (int i = 0; i < natom; i++) {
                    double er = p12r[i] * r2[i] - p12i[i] * i2[i];
                    double ei = p12r[i] * i2[i] + p12i[i] * r2[i];
                    sr += charge[i] * er;
                    si += charge[i] * ei;
                }
                /* factor 2 for -G */
                double kern = 2.0 * exp(-g2 * inv4e2) / g2;
                double s2 = sr * sr + si * si;
                e_rec += kern * s2;
                double sfac = kern * s2 * 2.0 * (inv4e2 + 1.0 / g2);
                for (int p = 0; p < 3; p++)
                    for (int q = 0; q < 3; q++) srec[p][q] += sfac * gv[p] * gv[q];
                if (forces_cart) {
                    for (int i = 0; i < natom; i++) {
                        double er = p12r[i] * r2[i] - p12i[i] * i2[i];
                        double ei = p12r[i] * i2[i] + p12i[i] * r2[i];
                        /* F_i = (4π/Ω) Z_i Σ_G G e^{-G²/4η²}/G² Im(S* e^{iG·τ_i}) */
                        double im = sr * ei - si * er;
                        double fi = 2.0 * pref * kern * charge[i] * im;
                        for (int c = 0; c < 3; c++) fr[i][c] += fi * gv[c];
                    }
                }
            }
        }
    }
    e_rec *= pref;

    double q = 0.0, q2 = 0.0;
    for (int i = 0; i < natom; i++) {
        q += charge[i];
        q2 += charge[i] * charge[i];
    }
    double e_self = -eta / sqpi * q2;
    double e_bg = -EW_PI * q * q / (2.0 * omega * eta * eta);
    *energy = e_real + e_rec + e_self + e_bg;

    if (forces_cart) {
        for (int i = 0; i < natom; i++)
            for (int c = 0; c < 3; c++) forces_cart[i][c] = fr[i][c];
    }
    if (stress) {
        for (int p = 0; p < 3; p++)
            for (int qq = 0; qq < 3; qq++) {
                double v = sig[p][qq] + pref * srec[p][qq];
                if (p == qq) v -= e_rec + e_bg; /* Ω-dependence of the 1/Ω prefactors */
                stress[p][qq] = v / omega;
            }
    }

out:
    free(tau);
    free(xa);
    free(yg);
    free(phr);
    free(phi);
    free(p12r);
    free(p12i);
    free(fr);
    return status;
}

/* The term (term.h): the ions of the basis's structure with their valence charges. */
static int ewald_term_setup(fu_term_ctx *c, double *e, fu_err *err) {
    const fu_structure *s = &c->b->model.s;
    return fu_ewald(s->lattice, s->natom, (const double(*)[3])s->xred, c->b->model.zion, e, NULL, NULL,
                    err);
}

static int ewald_term_forces_stress(fu_term_ctx *c, const double *rho_r,
                                    const double complex *rho_g, double e, double (*forces)[3],
                                    double stress[3][3], fu_err *err) {
    (void)rho_r;
    (void)rho_g;
    (void)e;
    const fu_structure *s = &c->b->model.s;
    double (*f)[3] = forces ? calloc((size_t)s->natom, sizeof *f) : NULL, sig[3][3], e2;
    if (forces && !f) return fu_fail(err, FU_ENOMEM, "ewald: out of memory");
    int rc = fu_ewald(s->lattice, s->natom, (const double(*)[3])s->xred, c->b->model.zion, &e2, f,
                      stress ? sig : NULL, err);
    if (!rc && forces)
        for (int a = 0; a < s->natom; a++)
            for (int k = 0; k < 3; k++) forces[a][k] += f[a][k];
    if (!rc && stress)
        for (int a = 0; a < 3; a++)
            for (int k = 0; k < 3; k++) stress[a][k] += sig[a][k];
    free(f);
    return rc;
}

const fu_term fu_ewald_term = {.id = FU_ENERGY_EWALD,
                               .kind = FU_TERM_STRUCTURE,
                               .setup = ewald_term_setup,
                               .forces_stress = ewald_term_forces_stress};
