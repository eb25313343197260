/* Radial-grid pseudopotentials: quadrature, q tables and their
 * interpolation. Conventions and accuracy in psp_radial.h. */
#include "dft/psp_radial.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/units.h"

#define MAX_OWNED (8 + FU_PSP_RADIAL_MAXBETA * 2)
#define VALUE_MAX 1e8 /* bound on |values| read: beyond it a file is corrupt */

typedef struct {
    fu_psp_radial pub;
    double *owned[MAX_OWNED];
    int nowned;
} radial_box;

static double *own(fu_psp_radial *rad, size_t n) {
    radial_box *box = (radial_box *)rad;
    if (box->nowned == MAX_OWNED) return NULL;
    double *a = calloc(n ? n : 1, sizeof(double));
    if (a) box->owned[box->nowned++] = a;
    return a;
}

fu_psp_radial *fu_psp_radial_new(int nr) {
    if (nr < 1) return NULL;
    radial_box *box = calloc(1, sizeof *box);
    if (!box) return NULL;
    fu_psp_radial *rad = &box->pub;
    rad->nr = nr;
    for (int l = 0; l < FU_PSP_MAXL; l++)
        for (int i = 0; i < FU_PSP_MAXPROJ; i++) rad->beta_of[l][i] = -1;
    rad->r = own(rad, (size_t)nr);
    rad->w = own(rad, (size_t)nr);
    rad->vloc = own(rad, (size_t)nr);
    if (!rad->r || !rad->w || !rad->vloc) {
        fu_psp_radial_free(rad);
        return NULL;
    }
    return rad;
}

double *fu_psp_radial_array(fu_psp_radial *rad) { return own(rad, (size_t)rad->nr); }

static void free_tables(fu_psp_radial *rad) {
    free(rad->t_vsr);
    free(rad->t_core);
    free(rad->t_val);
    for (int b = 0; b < FU_PSP_RADIAL_MAXBETA; b++) {
        free(rad->t_beta[b]);
        rad->t_beta[b] = NULL;
    }
    rad->t_vsr = rad->t_core = rad->t_val = NULL;
    rad->nq = 0;
}

void fu_psp_radial_free(fu_psp_radial *rad) {
    if (!rad) return;
    radial_box *box = (radial_box *)rad;
    free_tables(rad);
    for (int k = 0; k < box->nowned; k++) free(box->owned[k]);
    free(box);
}

/* ----------------------------------------------------------- Bessel functions */

/* J_l(x) = j_l(x)/x^l for l = 0..3: the series below x = 0.5 (truncation
 * < 3e-11 relative), the closed forms above (cancellation < 1e-11). */
static void bessel_over_xl(double x, double J[4]) {
    if (x < 0.5) {
        double x2 = x * x;
        static const double dfact[4] = {1.0, 3.0, 15.0, 105.0};
        for (int l = 0; l < 4; l++) {
            double a = 2 * l + 3, b = a + 2, c = b + 2, d = c + 2;
            double t = 1 - x2 / (2 * a) * (1 - x2 / (4 * b) * (1 - x2 / (6 * c) * (1 - x2 / (8 * d))));
            J[l] = t / dfact[l];
        }
        return;
    }
    double s = sin(x), c = cos(x), ix = 1 / x, ix2 = ix * ix;
    double j0 = s * ix;
    double j1 = (s * ix - c) * ix;
    double j2 = ((3 * ix2 - 1) * s - 3 * c * ix) * ix;
    double j3 = ((15 * ix2 - 6) * ix * s - (15 * ix2 - 1) * c) * ix;
    J[0] = j0;
    J[1] = j1 * ix;
    J[2] = j2 * ix2;
    J[3] = j3 * ix2 * ix;
}

/* ------------------------------------------------------------ integrands */

enum { F_VSR, F_CORE, F_VAL, F_BETA0 };

/* V_loc + Z erf(r)/r (erf(r)/r -> 2/√π at r = 0) */
static double vsr_at(const fu_psp_radial *rad, int i) {
    double r = rad->r[i];
    double e = r < 1e-12 ? 2 / sqrt(FU_PI) : erf(r) / r;
    return rad->vloc[i] + rad->zion * e;
}

/* g[i] such that the transform is Σ_i g[i] J_l(q r_i); returns the count of
 * points up to the last nonzero one, or 0 if the function is absent. */
static int integrand(const fu_psp_radial *rad, int f, double *g, int *l) {
    const int nr = rad->nr;
    const double *src = NULL;
    *l = 0;
    if (f == F_CORE) src = rad->rhoc;
    else if (f == F_VAL) src = rad->rhov;
    else if (f >= F_BETA0) {
        src = rad->beta[f - F_BETA0];
        *l = rad->beta_l[f - F_BETA0];
    }
    if (f != F_VSR && !src) return 0;
    int last = 0;
    for (int i = 0; i < nr; i++) {
        double r = rad->r[i], v;
        if (f == F_VSR) v = r * r * vsr_at(rad, i);
        else if (f >= F_BETA0) v = pow(r, *l + 1) * src[i];
        else v = r * r * src[i];
        g[i] = 4 * FU_PI * rad->w[i] * v;
        if (g[i] != 0.0) last = i + 1;
    }
    return last;
}

static int nfunc(const fu_psp_radial *rad) { return F_BETA0 + rad->nbeta; }

/* Direct quadrature of function f at q (the slow path beyond the tables). */
static double transform(const fu_psp_radial *rad, int f, double q) {
    double *g = malloc(sizeof(double) * (size_t)rad->nr);
    if (!g) return NAN;
    int l, n = integrand(rad, f, g, &l);
    double s = 0, J[4];
    for (int i = 0; i < n; i++) {
        bessel_over_xl(q * rad->r[i], J);
        s += g[i] * J[l];
    }
    free(g);
    return s;
}

/* ------------------------------------------------------------- tables */

static double **table_of(fu_psp_radial *rad, int f) {
    if (f == F_VSR) return &rad->t_vsr;
    if (f == F_CORE) return &rad->t_core;
    if (f == F_VAL) return &rad->t_val;
    return &rad->t_beta[f - F_BETA0];
}

int fu_psp_radial_tabulate(fu_psp_radial *rad, double qmax, fu_err *err) {
    double dq = FU_PSP_RADIAL_DQ;
    if (!(qmax >= 0) || qmax > 1e4)
        return fu_fail(err, FU_EINPUT, "pseudopotential tables: q range %g bohr^-1 is out of reach",
                       qmax);
    int nq = (int)ceil(qmax / dq) + 8; /* the 6-point stencil reaches 3 points past q */
    if (rad->nq >= nq) return FU_OK;
    const int nf = nfunc(rad), nr = rad->nr;
    double *g = malloc(sizeof(double) * (size_t)nr * nf);
    int *len = malloc(sizeof(int) * nf), *lf = malloc(sizeof(int) * nf);
    double *tab[F_BETA0 + FU_PSP_RADIAL_MAXBETA] = {0};
    int rc = g && len && lf ? FU_OK : FU_ENOMEM;
    int nmax = 0;
    for (int f = 0; f < nf && !rc; f++) {
        len[f] = integrand(rad, f, g + (size_t)f * nr, &lf[f]);
        if (len[f] > nmax) nmax = len[f];
        if (len[f] > 0 || f == F_VSR) {
            tab[f] = calloc((size_t)nq, sizeof(double));
            if (!tab[f]) rc = FU_ENOMEM;
        }
    }
    if (!rc) {
        double (*J)[4] = malloc(sizeof *J * (size_t)(nmax ? nmax : 1));
        if (!J) rc = FU_ENOMEM;
        for (int k = 0; k < nq && !rc; k++) {
            double q = k * dq;
            for (int i = 0; i < nmax; i++) bessel_over_xl(q * rad->r[i], J[i]);
            for (int f = 0; f < nf; f++) {
                if (!tab[f]) continue;
                const double *gf = g + (size_t)f * nr;
                double s = 0;
                for (int i = 0; i < len[f]; i++) s += gf[i] * J[i][lf[f]];
                tab[f][k] = s;
            }
        }
        free(J);
    }
    free(g);
    free(len);
    free(lf);
    if (rc) {
        for (int f = 0; f < nf; f++) free(tab[f]);
        return fu_fail(err, FU_ENOMEM, "pseudopotential tables: out of memory (%d q points)", nq);
    }
    free_tables(rad);
    for (int f = 0; f < nf; f++) *table_of(rad, f) = tab[f];
    rad->dq = dq;
    rad->nq = nq;
    return FU_OK;
}

/* Value (der 0) or q-derivative (der 1) of function f at q >= 0: 6-point
 * Lagrange interpolation on the table, direct quadrature beyond it. */
static double lookup(const fu_psp_radial *rad, int f, const double *tab, double q, int der) {
    if (!tab) return 0.0;
    q = fabs(q);
    double dq = rad->dq;
    int k = (int)floor(q / dq);
    if (k + 3 >= rad->nq) {
        if (!der) return transform(rad, f, q);
        double h = 1e-4; /* central difference of the exact quadrature */
        return (transform(rad, f, q + h) - transform(rad, f, q - h)) / (2 * h);
    }
    double x = q / dq - k, s = 0;
    for (int j = -2; j <= 3; j++) {
        double fj = tab[abs(k + j)]; /* even in q */
        double c = 0;
        if (!der) {
            c = 1;
            for (int m = -2; m <= 3; m++)
                if (m != j) c *= (x - m) / (j - m);
        } else {
            for (int m = -2; m <= 3; m++) {
                if (m == j) continue;
                double t = 1.0 / (j - m);
                for (int n = -2; n <= 3; n++)
                    if (n != j && n != m) t *= (x - n) / (j - n);
                c += t;
            }
            c /= dq;
        }
        s += c * fj;
    }
    return s;
}

/* ------------------------------------------------------------ finishing */

typedef struct {
    const double *a;
    const char *what;
} named_fn;

static int all_finite(const double *a, int n, int *bad) {
    for (int i = 0; i < n; i++)
        if (!isfinite(a[i]) || fabs(a[i]) > VALUE_MAX) {
            *bad = i;
            return 0;
        }
    return 1;
}

int fu_psp_radial_finish(fu_psp_radial *rad, const double *rab, double qmax, const char *origin,
                         fu_err *err) {
    const int nr = rad->nr;
    if (nr < 8) return fu_fail(err, FU_EINPUT, "%s: radial grid: %d points, too few", origin, nr);
    int bad;
    if (!all_finite(rad->r, nr, &bad))
        return fu_fail(err, FU_EINPUT, "%s: radial grid: point %d is not a finite radius", origin,
                       bad + 1);
    if (rad->r[0] < 0)
        return fu_fail(err, FU_EINPUT, "%s: radial grid: negative radius %g", origin, rad->r[0]);
    for (int i = 1; i < nr; i++)
        if (!(rad->r[i] > rad->r[i - 1]))
            return fu_fail(err, FU_EINPUT,
                           "%s: radial grid: not increasing at point %d (r = %g after %g)", origin,
                           i + 1, rad->r[i], rad->r[i - 1]);
    named_fn fn[3 + FU_PSP_RADIAL_MAXBETA] = {{rad->vloc, "local potential"},
                                             {rad->rhoc, "model core charge"},
                                             {rad->rhov, "valence density"}};
    for (int b = 0; b < rad->nbeta; b++) fn[3 + b] = (named_fn){rad->beta[b], "projector"};
    for (int k = 0; k < 3 + rad->nbeta; k++)
        if (fn[k].a && !all_finite(fn[k].a, nr, &bad))
            return fu_fail(err, FU_EINPUT, "%s: %s: value at r = %g bohr (point %d) is not finite",
                           origin, fn[k].what, rad->r[bad], bad + 1);
    double h = rad->r[1] - rad->r[0];
    int uniform = rad->r[0] == 0.0;
    for (int i = 1; i < nr && uniform; i++)
        if (fabs(rad->r[i] - i * h) > 1e-8 * fmax(1.0, rad->r[i])) uniform = 0;
    if (rab && !uniform) {
        if (!all_finite(rab, nr, &bad) || !(rab[bad = 0] >= 0))
            return fu_fail(err, FU_EINPUT, "%s: radial grid: dr/di at point %d is not finite",
                           origin, bad + 1);
        /* Simpson's 1-4-2-...-4-1 on an odd count, the last interval
         * trapezoidal on an even one */
        int n = nr % 2 ? nr : nr - 1;
        for (int i = 0; i < n; i++)
            rad->w[i] = rab[i] / 3.0 * (i == 0 || i == n - 1 ? 1.0 : (i % 2 ? 4.0 : 2.0));
        if (n < nr) {
            double d = rad->r[nr - 1] - rad->r[nr - 2];
            rad->w[nr - 2] += 0.5 * d;
            rad->w[nr - 1] = 0.5 * d;
        }
    } else if (uniform) {
        for (int i = 0; i < nr; i++) rad->w[i] = i == 0 || i == nr - 1 ? 0.5 * h : h;
    } else {
        return fu_fail(err, FU_EINPUT,
                       "%s: radial grid: not uniform from r = 0 and no dr/di (PP_RAB) given",
                       origin);
    }
    return fu_psp_radial_tabulate(rad, qmax, err);
}

/* ------------------------------------------------------------ evaluators */

double fu_psp_radial_vloc_q(const fu_psp_radial *rad, double q) {
    q = fabs(q);
    if (q < FU_PSP_Q_ZERO) return 0.0;
    return lookup(rad, F_VSR, rad->t_vsr, q, 0) - 4 * FU_PI * rad->zion * exp(-0.25 * q * q) / (q * q);
}

double fu_psp_radial_dvloc_q(const fu_psp_radial *rad, double q) {
    double s = q < 0 ? -1.0 : 1.0;
    q = fabs(q);
    if (q < FU_PSP_Q_ZERO) return 0.0;
    double coul = 4 * FU_PI * rad->zion * exp(-0.25 * q * q) * (0.5 / q + 2 / (q * q * q));
    return s * (lookup(rad, F_VSR, rad->t_vsr, q, 1) + coul);
}

double fu_psp_radial_epsatm(const fu_psp_radial *rad) {
    return (rad->t_vsr ? rad->t_vsr[0] : transform(rad, F_VSR, 0.0)) + FU_PI * rad->zion;
}

double fu_psp_radial_vloc_r(const fu_psp_radial *rad, double r) {
    r = fabs(r);
    const double *x = rad->r;
    int n = rad->nr;
    if (r >= x[n - 1]) return -rad->zion / r;
    if (r <= x[0]) return rad->vloc[0];
    int lo = 0, hi = n - 1;
    while (hi - lo > 1) {
        int mid = (lo + hi) / 2;
        if (x[mid] <= r) lo = mid;
        else hi = mid;
    }
    double t = (r - x[lo]) / (x[hi] - x[lo]);
    return (1 - t) * rad->vloc[lo] + t * rad->vloc[hi];
}

static int beta_index(const fu_psp_radial *rad, int l, int i) {
    if (l < 0 || l >= FU_PSP_MAXL || i < 0 || i >= FU_PSP_MAXPROJ) return -1;
    int b = rad->beta_of[l][i];
    return b >= 0 && b < rad->nbeta && rad->beta_l[b] == l ? b : -1;
}

double fu_psp_radial_proj_q(const fu_psp_radial *rad, int l, int i, double q) {
    int b = beta_index(rad, l, i);
    return b < 0 ? 0.0 : lookup(rad, F_BETA0 + b, rad->t_beta[b], q, 0);
}

double fu_psp_radial_dproj_q(const fu_psp_radial *rad, int l, int i, double q) {
    int b = beta_index(rad, l, i);
    if (b < 0) return 0.0;
    double d = lookup(rad, F_BETA0 + b, rad->t_beta[b], q, 1);
    return q < 0 ? -d : d;
}

double fu_psp_radial_rhocore_q(const fu_psp_radial *rad, double q) {
    return lookup(rad, F_CORE, rad->t_core, q, 0);
}

double fu_psp_radial_drhocore_q(const fu_psp_radial *rad, double q) {
    double d = lookup(rad, F_CORE, rad->t_core, q, 1);
    return q < 0 ? -d : d;
}

double fu_psp_radial_rhoval_q(const fu_psp_radial *rad, double q) {
    return lookup(rad, F_VAL, rad->t_val, q, 0);
}
