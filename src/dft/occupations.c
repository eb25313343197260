/* Smearing functions, Fermi level and smearing entropy.
 *
 * Convention: x = (ε - ε_F)/T, f(-∞) = 1, f(+∞) = 0, δ = -f', and the
 * entropy function s obeys s' = x f' with s(±∞) = 0, so that the free energy
 * E - T Σ w maxocc s is variational in the occupations. */
#include "dft/occupations.h"
#include "dft/term.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define OC_PI 3.14159265358979323846
#define OC_SQRT2 1.41421356237309504880
/* Beyond |x|² > this every Gaussian-type term has underflowed (e^{-700} ≈
 * 1e-304); returning the limits avoids inf·0 for huge polynomials. */
#define OC_X2_MAX 700.0
#define OC_MP_ORDER_MAX 100

/* ABINIT writes the cold-smearing parameters as default-real literals
 * (aa=-.5634, aa=-.8165), so the values it uses are the single-precision
 * roundings; the difference (~3e-8 in a) moves energies by < 1e-9 Ha. */
static double cold_a(fu_smearing kind) {
    return kind == FU_SMEAR_COLD_ABINIT_BUMP ? (double)-0.5634f : (double)-0.8165f;
}

int fu_smearing_from_name(const char *name) {
    if (!name) return -1;
    static const struct {
        const char *name;
        fu_smearing kind;
    } tab[] = {
        {"none", FU_SMEAR_NONE},
        {"fermi-dirac", FU_SMEAR_FERMI_DIRAC},
        {"gaussian", FU_SMEAR_GAUSSIAN},
        {"methfessel-paxton", FU_SMEAR_METHFESSEL_PAXTON},
        {"marzari-vanderbilt", FU_SMEAR_MARZARI_VANDERBILT},
        {"cold", FU_SMEAR_MARZARI_VANDERBILT},
        {"cold-abinit-bump", FU_SMEAR_COLD_ABINIT_BUMP},
        {"cold-abinit-mono", FU_SMEAR_COLD_ABINIT_MONO},
    };
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
        if (strcmp(name, tab[i].name) == 0) return (int)tab[i].kind;
    return -1;
}

const char *fu_smearing_name(fu_smearing kind) {
    switch (kind) {
        case FU_SMEAR_NONE: return "none";
        case FU_SMEAR_FERMI_DIRAC: return "fermi-dirac";
        case FU_SMEAR_GAUSSIAN: return "gaussian";
        case FU_SMEAR_METHFESSEL_PAXTON: return "methfessel-paxton";
        case FU_SMEAR_MARZARI_VANDERBILT: return "marzari-vanderbilt";
        case FU_SMEAR_COLD_ABINIT_BUMP: return "cold-abinit-bump";
        case FU_SMEAR_COLD_ABINIT_MONO: return "cold-abinit-mono";
    }
    return "unknown";
}

int fu_smearing_from_abinit_occopt(int occopt, fu_smearing *kind, int *order) {
    fu_smearing k;
    int o = 0;
    switch (occopt) {
        case 1: k = FU_SMEAR_NONE; break;
        case 3: k = FU_SMEAR_FERMI_DIRAC; break;
        case 4: k = FU_SMEAR_COLD_ABINIT_BUMP; break;
        case 5: k = FU_SMEAR_COLD_ABINIT_MONO; break;
        case 6:
            k = FU_SMEAR_METHFESSEL_PAXTON;
            o = 1;
            break;
        case 7: k = FU_SMEAR_GAUSSIAN; break;
        default: return -1;
    }
    if (kind) *kind = k;
    if (order) *order = o;
    return 0;
}

/* Methfessel-Paxton of order N: with A_i = (-1)^i / (i! 4^i √π) and
 * physicists' Hermite polynomials H_n,
 *   δ = e^{-x²} Σ_{i=0..N} A_i H_{2i},  f = erfc(x)/2 + e^{-x²} Σ_{i=1..N} A_i H_{2i-1},
 *   s = ½ A_N H_{2N} e^{-x²}  (the sum Σ A_i (H_{2i}/2 + 2i H_{2i-2}) telescopes,
 *   since A_i·2i = -A_{i-1}/2). which: 0 = f, 1 = s, 2 = δ. */
static double mp_eval(int order, double x, int which) {
    if (order < 0) order = 0;
    if (x * x > OC_X2_MAX || isinf(x)) return which == 0 ? (x < 0 ? 1.0 : 0.0) : 0.0;
    double g = exp(-x * x);
    double a = 1.0 / sqrt(OC_PI); /* A_0 */
    double hm = 1.0, h = 2.0 * x; /* H_0, H_1 */
    double sum_f = 0.0, sum_d = a; /* A_0 H_0 */
    for (int i = 1; i <= order; i++) {
        a *= -1.0 / (4.0 * i);
        /* h = H_{2i-1}, hm = H_{2i-2} */
        sum_f += a * h;
        double h2 = 2.0 * x * h - 2.0 * (2 * i - 1) * hm; /* H_{2i} */
        double h3 = 2.0 * x * h2 - 2.0 * (2 * i) * h; /* H_{2i+1} */
        sum_d += a * h2;
        hm = h2;
        h = h3;
    }
    switch (which) {
        case 0: return 0.5 * erfc(x) + g * sum_f;
        case 1: return 0.5 * a * hm * g; /* hm = H_{2N} */
        default: return g * sum_d;
    }
}

double fu_smear_occ(fu_smearing kind, int order, double x) {
    switch (kind) {
        case FU_SMEAR_NONE: return x < 0 ? 1.0 : (x > 0 ? 0.0 : 0.5);
        case FU_SMEAR_FERMI_DIRAC:
            /* e^{-|x|} never overflows */
            if (x > 0) {
                double e = exp(-x);
                return e / (1.0 + e);
            }
            return 1.0 / (1.0 + exp(x));
        case FU_SMEAR_GAUSSIAN: return 0.5 * erfc(x);
        case FU_SMEAR_METHFESSEL_PAXTON: return mp_eval(order, x, 0);
        case FU_SMEAR_MARZARI_VANDERBILT: {
            double y = x + 1.0 / OC_SQRT2;
            if (y * y > OC_X2_MAX || isinf(y)) return y < 0 ? 1.0 : 0.0;
            return 0.5 * erfc(y) + exp(-y * y) / sqrt(2.0 * OC_PI);
        }
        case FU_SMEAR_COLD_ABINIT_BUMP:
        case FU_SMEAR_COLD_ABINIT_MONO: {
            if (x * x > OC_X2_MAX || isinf(x)) return x < 0 ? 1.0 : 0.0;
            double a = cold_a(kind);
            return 0.5 * erfc(x) +
                   exp(-x * x) / (4.0 * sqrt(OC_PI)) * (a - 2.0 * x - 2.0 * a * x * x);
        }
    }
    return NAN;
}

double fu_smear_entropy(fu_smearing kind, int order, double x) {
    switch (kind) {
        case FU_SMEAR_NONE: return 0.0;
        case FU_SMEAR_FERMI_DIRAC: {
            /* s = -[f ln f + (1-f) ln(1-f)] = ln(1+e^{-|x|}) + |x| e^{-|x|}/(1+e^{-|x|}),
             * free of cancellation at both ends */
            double ax = fabs(x);
            if (ax > OC_X2_MAX || isnan(x)) return isnan(x) ? x : 0.0;
            double e = exp(-ax);
            return log1p(e) + ax * e / (1.0 + e);
        }
        case FU_SMEAR_GAUSSIAN:
            if (x * x > OC_X2_MAX || isinf(x)) return 0.0;
            return exp(-x * x) / (2.0 * sqrt(OC_PI));
        case FU_SMEAR_METHFESSEL_PAXTON: return mp_eval(order, x, 1);
        case FU_SMEAR_MARZARI_VANDERBILT: {
            double y = x + 1.0 / OC_SQRT2;
            if (y * y > OC_X2_MAX || isinf(y)) return 0.0;
            return y * exp(-y * y) / sqrt(2.0 * OC_PI);
        }
        case FU_SMEAR_COLD_ABINIT_BUMP:
        case FU_SMEAR_COLD_ABINIT_MONO: {
            if (x * x > OC_X2_MAX || isinf(x)) return 0.0;
            double a = cold_a(kind);
            return exp(-x * x) / (4.0 * sqrt(OC_PI)) * (1.0 - 2.0 * x * x - 2.0 * a * x * x * x);
        }
    }
    return NAN;
}

double fu_smear_delta(fu_smearing kind, int order, double x) {
    switch (kind) {
        case FU_SMEAR_NONE: return 0.0;
        case FU_SMEAR_FERMI_DIRAC: {
            double e = exp(-fabs(x)); /* f(1-f) = 1/(4 cosh²(x/2)) */
            return e / ((1.0 + e) * (1.0 + e));
        }
        case FU_SMEAR_GAUSSIAN:
            if (x * x > OC_X2_MAX || isinf(x)) return 0.0;
            return exp(-x * x) / sqrt(OC_PI);
        case FU_SMEAR_METHFESSEL_PAXTON: return mp_eval(order, x, 2);
        case FU_SMEAR_MARZARI_VANDERBILT: {
            double y = x + 1.0 / OC_SQRT2;
            if (y * y > OC_X2_MAX || isinf(y)) return 0.0;
            return exp(-y * y) * (1.0 + OC_SQRT2 * y) / sqrt(OC_PI);
        }
        case FU_SMEAR_COLD_ABINIT_BUMP:
        case FU_SMEAR_COLD_ABINIT_MONO: {
            if (x * x > OC_X2_MAX || isinf(x)) return 0.0;
            double a = cold_a(kind);
            return exp(-x * x) / sqrt(OC_PI) * (1.5 + x * (1.5 * a + x * (-1.0 - a * x)));
        }
    }
    return NAN;
}

/* Σ_k w_k Σ_n maxocc f((ε_nk - ef)/T). */
static double count_electrons(fu_smearing kind, int order, double t, double maxocc, int nk,
                              const double *wk, int nband, const double *eig, double ef) {
    double n = 0.0;
    for (int k = 0; k < nk; k++) {
        double nkk = 0.0;
        for (int b = 0; b < nband; b++)
            nkk += fu_smear_occ(kind, order, (eig[(size_t)k * nband + b] - ef) / t);
        n += wk[k] * nkk;
    }
    return maxocc * n;
}

/* Bisection on the sign of g = N(ef) - nelec, given opposite signs at lo <
 * hi, down to the last representable ε_F (or a width of 1e-15 T, far below
 * any physical resolution). Valid for non-monotone N too: the bracket always
 * keeps a sign change. */
static double bisect(fu_smearing kind, int order, double t, double nelec, double maxocc, int nk,
                     const double *wk, int nband, const double *eig, double lo, double hi) {
    double glo = count_electrons(kind, order, t, maxocc, nk, wk, nband, eig, lo) - nelec;
    double ghi = count_electrons(kind, order, t, maxocc, nk, wk, nband, eig, hi) - nelec;
    const int neg_lo = glo < 0;
    for (int it = 0; it < 400; it++) {
        double mid = 0.5 * (lo + hi);
        if (!(mid > lo && mid < hi) || hi - lo <= 1e-15 * t) break;
        double g = count_electrons(kind, order, t, maxocc, nk, wk, nband, eig, mid) - nelec;
        if ((g < 0) == neg_lo) {
            lo = mid;
            glo = g;
        } else {
            hi = mid;
            ghi = g;
        }
    }
    return fabs(glo) <= fabs(ghi) ? lo : hi;
}

/* The gap between the highest of the lowest nelec/maxocc levels and the
 * lowest of the others, over all k: 1 with *vbm < *cbm when nelec/maxocc is a
 * whole number and that gap is open, else 0. */
static int gap_edges(double nelec, double maxocc, int nk, int nband, const double *eig, double *vbm,
                     double *cbm) {
    double nf = nelec / maxocc;
    int nocc = (int)nearbyint(nf);
    if (fabs(nf - nocc) > 1e-9 || nocc < 1 || nocc >= nband) return 0;
    *vbm = -INFINITY;
    *cbm = INFINITY;
    for (int k = 0; k < nk; k++) {
        const double *e = eig + (size_t)k * nband;
        /* the nocc-th and (nocc+1)-th smallest of this k-point's levels */
        double top = -INFINITY, next = INFINITY;
        for (int b = 0; b < nband; b++) {
            int rank = 0; /* 0-based position in sorted order, ties by index */
            for (int c = 0; c < nband; c++) rank += e[c] < e[b] || (c < b && e[c] == e[b]);
            if (rank == nocc - 1) top = e[b];
            if (rank == nocc) next = e[b];
        }
        *vbm = fmax(*vbm, top);
        *cbm = fmin(*cbm, next);
    }
    return *cbm > *vbm;
}

static int fixed_occupations(double nelec, double maxocc, int nk, int nband, const double *eig,
                             double *occ, double *efermi, double *minus_ts, fu_err *err) {
    double q = nelec / maxocc;
    double nf = nearbyint(q);
    if (nf < 1.0 || fabs(q - nf) > 1e-9 * fmax(1.0, q))
        return fu_fail(
            err, FU_EINPUT,
            "occupations: %.10g electrons with at most %g per band is not a whole number "
            "of bands (%.10g); use smearing for a fractional filling",
            nelec, maxocc, q);
    if (nf > nband)
        return fu_fail(err, FU_EINPUT,
                       "occupations: %.10g electrons need at least %.0f bands, got %d", nelec, nf,
                       nband);
    int nfill = (int)nf;
    int *idx = malloc((size_t)nband * sizeof *idx);
    if (!idx) return fu_fail(err, FU_ENOMEM, "occupations: out of memory for %d bands", nband);
    double ef = -INFINITY;
    for (int k = 0; k < nk; k++) {
        const double *e = eig + (size_t)k * nband;
        /* stable insertion sort of band indices by energy (usually sorted already) */
        for (int b = 0; b < nband; b++) {
            int j = b;
            while (j > 0 && e[idx[j - 1]] > e[b]) {
                idx[j] = idx[j - 1];
                j--;
            }
            idx[j] = b;
        }
        for (int r = 0; r < nband; r++) occ[(size_t)k * nband + idx[r]] = r < nfill ? maxocc : 0.0;
        if (nfill > 0 && e[idx[nfill - 1]] > ef) ef = e[idx[nfill - 1]];
    }
    free(idx);
    *efermi = ef;
    *minus_ts = 0.0;
    return FU_OK;
}

int fu_occupations(fu_smearing kind, int order, double tsmear, double nelec, double maxocc, int nk,
                   const double *wk, int nband, const double *eig, double *occ, double *efermi,
                   double *minus_ts, fu_err *err) {
    if (!wk || !eig || !occ || !efermi || !minus_ts)
        return fu_fail(
            err, FU_EINPUT,
            "occupations: arguments: wk, eig, occ, efermi and minus_ts must not be NULL");
    if ((int)kind < FU_SMEAR_NONE || (int)kind > FU_SMEAR_COLD_ABINIT_MONO)
        return fu_fail(err, FU_EINPUT, "occupations: smearing: unknown kind %d", (int)kind);
    if (nk < 1 || nband < 1)
        return fu_fail(
            err, FU_EINPUT,
            "occupations: need at least one k-point and one band, got nk = %d, nband = %d", nk,
            nband);
    if (!(nelec > 0.0) || !isfinite(nelec))
        return fu_fail(err, FU_EINPUT, "occupations: nelec: must be finite and > 0, got %g", nelec);
    if (!(maxocc > 0.0) || !isfinite(maxocc))
        return fu_fail(err, FU_EINPUT, "occupations: maxocc: must be finite and > 0, got %g",
                       maxocc);
    double wsum = 0.0;
    for (int k = 0; k < nk; k++) {
        if (!(wk[k] >= 0.0) || !isfinite(wk[k]))
            return fu_fail(err, FU_EINPUT,
                           "occupations: k-point %d: weight %g is not finite and >= 0", k + 1,
                           wk[k]);
        wsum += wk[k];
    }
    if (fabs(wsum - 1.0) > 1e-8)
        return fu_fail(err, FU_EINPUT, "occupations: k-point weights sum to %.12g, not 1", wsum);
    double emin = INFINITY, emax = -INFINITY;
    for (size_t i = 0; i < (size_t)nk * nband; i++) {
        if (!isfinite(eig[i]))
            return fu_fail(err, FU_EPHYS,
                           "occupations: eigenvalue %zu (k-point %zu, band %zu) is not finite",
                           i + 1, i / (size_t)nband + 1, i % (size_t)nband + 1);
        if (eig[i] < emin) emin = eig[i];
        if (eig[i] > emax) emax = eig[i];
    }

    if (kind == FU_SMEAR_NONE)
        return fixed_occupations(nelec, maxocc, nk, nband, eig, occ, efermi, minus_ts, err);

    if (!(tsmear > 0.0) || !isfinite(tsmear))
        return fu_fail(err, FU_EINPUT,
                       "occupations: tsmear: must be finite and > 0 with %s smearing, got %g",
                       fu_smearing_name(kind), tsmear);
    if (kind == FU_SMEAR_METHFESSEL_PAXTON && (order < 0 || order > OC_MP_ORDER_MAX))
        return fu_fail(err, FU_EINPUT,
                       "occupations: Methfessel-Paxton order must be in 0..%d, got %d",
                       OC_MP_ORDER_MAX, order);
    if (!(nelec < maxocc * nband))
        return fu_fail(
            err, FU_EINPUT,
            "occupations: %.10g electrons need at least %.0f bands with smearing, got %d", nelec,
            floor(nelec / maxocc) + 1.0, nband);

    /* At lo every x ≥ 60 (N ~ e^{-60}·capacity), at hi every x ≤ -60 (N =
     * capacity to rounding), so N(lo) < nelec < N(hi) for every kind. */
    const double t = tsmear;
    double lo = emin - 60.0 * t, hi = emax + 60.0 * t;
    double glo = count_electrons(kind, order, t, maxocc, nk, wk, nband, eig, lo) - nelec;
    double ghi = count_electrons(kind, order, t, maxocc, nk, wk, nband, eig, hi) - nelec;
    if (!(glo < 0.0 && ghi > 0.0))
        return fu_fail(
            err, FU_EINPUT,
            "occupations: %.10g electrons do not fit in %d bands of %g electrons (ε_F would "
            "leave the eigenvalue range)",
            nelec, nband, maxocc);
    double ef;
    if (kind == FU_SMEAR_FERMI_DIRAC || kind == FU_SMEAR_GAUSSIAN ||
        (kind == FU_SMEAR_METHFESSEL_PAXTON && order == 0)) {
        ef = bisect(kind, order, t, nelec, maxocc, nk, wk, nband, eig, lo, hi);
    } else {
        /* Non-monotone f: N(ε_F) = nelec can have several roots. At integer
         * filling with a gap open over all k, take mid-gap when N there is
         * nelec to 1e-9 (the gap several widths wide): the insulator's
         * occupations. Otherwise a root just below the valence top, where the
         * overshoot of f above maxocc makes up for a partly emptied top band,
         * can be found first: MgO with cold smearing came out a metal with a
         * zero gap. (Bisecting inside the gap would not do: N approaches
         * nelec from above there and first crosses it next to the top.) */
        double vbm, cbm;
        if (gap_edges(nelec, maxocc, nk, nband, eig, &vbm, &cbm)) {
            double mid = 0.5 * (vbm + cbm);
            if (fabs(count_electrons(kind, order, t, maxocc, nk, wk, nband, eig, mid) - nelec) <= 1e-9 * nelec) {
                ef = mid;
                goto found;
            }
        }
        /* Otherwise take the root next to the Gaussian ε_F: step away from it
         * (doubling the step) until N - nelec changes sign, then bisect that
         * bracket. */
        double e0 = bisect(FU_SMEAR_GAUSSIAN, 0, t, nelec, maxocc, nk, wk, nband, eig, lo, hi);
        double g0 = count_electrons(kind, order, t, maxocc, nk, wk, nband, eig, e0) - nelec;
        if (fabs(g0) <= 1e-14 * nelec) {
            /* already a root to rounding (e.g. symmetric spectra): stepping
             * off it could only reach a different root */
            ef = e0;
        } else {
            /* too few electrons at e0: raise ε_F, else lower it */
            double dir = g0 < 0 ? 1.0 : -1.0, step = 0.01 * t, a = e0, b = e0;
            for (;;) {
                b = e0 + dir * step;
                if (b >= hi || b <= lo) {
                    b = dir > 0 ? hi : lo; /* the sign there is known to differ */
                    break;
                }
                double gb = count_electrons(kind, order, t, maxocc, nk, wk, nband, eig, b) - nelec;
                if ((gb < 0) != (g0 < 0)) break;
                a = b;
                step *= 2.0;
            }
            ef = bisect(kind, order, t, nelec, maxocc, nk, wk, nband, eig, fmin(a, b), fmax(a, b));
        }
    }

found:;
    double ts = 0.0;
    for (int k = 0; k < nk; k++) {
        double sk = 0.0;
        for (int b = 0; b < nband; b++) {
            size_t i = (size_t)k * nband + b;
            double x = (eig[i] - ef) / t;
            occ[i] = maxocc * fu_smear_occ(kind, order, x);
            sk += fu_smear_entropy(kind, order, x);
        }
        ts += wk[k] * sk;
    }
    *efermi = ef;
    *minus_ts = -t * maxocc * ts;
    if (!isfinite(ef) || !isfinite(*minus_ts))
        return fu_fail(err, FU_EINTERNAL, "occupations: Fermi level or entropy is not finite");
    return FU_OK;
}

/* The terms (term.h) the occupations give: -T·S, a term of the free energy, and
 * the band energy Σ_k w_k Σ_n f_nk ε_nk, reported beside the terms. */
const fu_term fu_occupations_entropy_term = {.id = FU_ENERGY_ENTROPY, .kind = FU_TERM_OCCUPATION};
const fu_term fu_occupations_band_term = {.id = FU_ENERGY_BAND, .kind = FU_TERM_REPORTED};
