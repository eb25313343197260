/* Formation energies, energy above hull and decompositions by a small dense
 * revised simplex per entry (see props/hull.h for the method and tolerances). */
#include "props/hull.h"

#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crystal/elements.h"

#define PRICE_TOL 1e-13  /* Ha/atom: reduced costs above -PRICE_TOL count as optimal */
#define PIV_TOL 1e-12    /* ratio-test pivots must exceed this */
#define COMP_TOL 1e-12   /* atomic fractions equal within this: same composition */

/* ---- entries ------------------------------------------------------------ */

/* Common start of every entry constructor: a cleared entry with its ID and energy. */
static int entry_begin(fu_hull_entry *e, const char *id, double energy_ha, fu_err *err) {
    memset(e, 0, sizeof *e);
    e->energy_ha = energy_ha;
    if (!id || !id[0]) return fu_fail(err, FU_EINPUT, "hull: entry ID is empty");
    if (strlen(id) >= FU_HULL_ID_LEN)
        return fu_fail(err, FU_EINPUT, "hull: entry ID '%.40s...' longer than %d characters", id,
                       FU_HULL_ID_LEN - 1);
    snprintf(e->id, sizeof e->id, "%s", id);
    return FU_OK;
}

static int add_amount(fu_hull_entry *e, int z, double amount, const char *what, fu_err *err) {
    if (!(isfinite(amount) && amount > 0))
        return fu_fail(err, FU_EINPUT, "hull: entry '%s' (%s): amount of %s must be finite and > 0",
                       e->id, what, fu_element_symbol(z) ? fu_element_symbol(z) : "?");
    for (int k = 0; k < e->nelem; k++)
        if (e->z[k] == z) {
            e->amount[k] += amount;
            return FU_OK;
        }
    if (e->nelem >= FU_HULL_MAX_ELEM)
        return fu_fail(err, FU_EINPUT, "hull: entry '%s' (%s): more than %d elements", e->id, what,
                       FU_HULL_MAX_ELEM);
    e->z[e->nelem] = z;
    e->amount[e->nelem] = amount;
    e->nelem++;
    return FU_OK;
}

int fu_hull_entry_from_formula(fu_hull_entry *e, const char *id, const char *formula,
                               double energy_ha, fu_err *err) {
    int rc = entry_begin(e, id, energy_ha, err);
    if (rc) return rc;
    if (!formula || !formula[0])
        return fu_fail(err, FU_EINPUT, "hull: entry '%s': empty formula", e->id);
    const char *p = formula;
    while (*p) {
        if (!isupper((unsigned char)*p))
            return fu_fail(err, FU_EINPUT,
                           "hull: entry '%s': formula '%s': expected an element symbol at '%s'",
                           e->id, formula, p);
        char sym[4] = {*p++, 0, 0, 0};
        if (islower((unsigned char)*p)) sym[1] = *p++;
        int z = fu_element_z(sym);
        if (z == 0)
            return fu_fail(err, FU_EINPUT, "hull: entry '%s': formula '%s': unknown element '%s'",
                           e->id, formula, sym);
        double amount = 1.0;
        size_t len = strspn(p, "0123456789.");
        if (len > 0) {
            char num[64];
            const char *dot = memchr(p, '.', len);
            if (len >= sizeof num || (dot && memchr(dot + 1, '.', len - (size_t)(dot + 1 - p))) ||
                (len == 1 && *p == '.'))
                return fu_fail(err, FU_EINPUT, "hull: entry '%s': formula '%s': bad amount at '%s'",
                               e->id, formula, p);
            memcpy(num, p, len);
            num[len] = '\0';
            char *end = NULL;
            amount = strtod(num, &end);
            if (end != num + len)
                return fu_fail(err, FU_EINPUT, "hull: entry '%s': formula '%s': bad amount at '%s'",
                               e->id, formula, p);
            p += len;
        }
        rc = add_amount(e, z, amount, formula, err);
        if (rc) return rc;
    }
    return FU_OK;
}

int fu_hull_entry_from_amounts(fu_hull_entry *e, const char *id, const double *amount_by_z,
                               double energy_ha, fu_err *err) {
    int rc = entry_begin(e, id, energy_ha, err);
    if (rc) return rc;
    for (int z = 1; z <= FU_MAX_Z; z++) {
        if (amount_by_z[z] == 0) continue;
        rc = add_amount(e, z, amount_by_z[z], "amounts", err);
        if (rc) return rc;
    }
    if (e->nelem == 0) return fu_fail(err, FU_EINPUT, "hull: entry '%s': no elements", e->id);
    return FU_OK;
}

int fu_hull_entry_from_structure(fu_hull_entry *e, const char *id, const fu_structure *s,
                                 double energy_ha, fu_err *err) {
    int rc = entry_begin(e, id, energy_ha, err);
    if (rc) return rc;
    for (int sp = 0; sp < s->nspecies; sp++) {
        int c = fu_structure_count(s, sp);
        if (c == 0) continue;
        int z = s->znucl[sp];
        if (!fu_element_symbol(z))
            return fu_fail(err, FU_EINPUT, "hull: entry '%s': species %d has no known element",
                           e->id, sp + 1);
        rc = add_amount(e, z, (double)c, "structure", err);
        if (rc) return rc;
    }
    if (e->nelem == 0) return fu_fail(err, FU_EINPUT, "hull: entry '%s': no atoms", e->id);
    return FU_OK;
}

int fu_hull_find(const fu_hull_entry *entries, int n, const char *id) {
    for (int i = 0; i < n; i++)
        if (strcmp(entries[i].id, id) == 0) return i;
    return -1;
}

/* "Fe2O3"-like text of an entry for messages (input order, %g amounts). */
static void entry_formula(const fu_hull_entry *e, char *buf, size_t len) {
    size_t used = 0;
    buf[0] = '\0';
    for (int k = 0; k < e->nelem && used < len; k++) {
        const char *s = fu_element_symbol(e->z[k]);
        int w = e->amount[k] == 1.0
                    ? snprintf(buf + used, len - used, "%s", s ? s : "?")
                    : snprintf(buf + used, len - used, "%s%g", s ? s : "?", e->amount[k]);
        if (w < 0) break;
        used += (size_t)w;
    }
}

/* ---- dense linear algebra ---------------------------------------------- */

/* Solves A x = b (A m x m row-major, copied) by Gaussian elimination with
 * partial pivoting. Returns 0 if A is numerically singular. */
static int gauss_solve(int m, const double *A_in, const double *b, double *x) {
    double A[FU_HULL_MAX_ELEM * FU_HULL_MAX_ELEM], r[FU_HULL_MAX_ELEM];
    memcpy(A, A_in, sizeof(double) * (size_t)(m * m));
    memcpy(r, b, sizeof(double) * (size_t)m);
    double scale = 0;
    for (int i = 0; i < m * m; i++) scale = fmax(scale, fabs(A[i]));
    if (!(scale > 0)) return 0;
    for (int c = 0; c < m; c++) {
        int p = c;
        for (int i = c + 1; i < m; i++)
            if (fabs(A[i * m + c]) > fabs(A[p * m + c])) p = i;
        if (!(fabs(A[p * m + c]) > 1e-13 * scale)) return 0;
        if (p != c) {
            for (int j = 0; j < m; j++) {
                double t = A[c * m + j];
                A[c * m + j] = A[p * m + j];
                A[p * m + j] = t;
            }
            double t = r[c];
            r[c] = r[p];
            r[p] = t;
        }
        for (int i = c + 1; i < m; i++) {
            double f = A[i * m + c] / A[c * m + c];
            if (f == 0) continue;
            for (int j = c; j < m; j++) A[i * m + j] -= f * A[c * m + j];
            r[i] -= f * r[c];
        }
    }
    for (int i = m - 1; i >= 0; i--) {
        double s = r[i];
        for (int j = i + 1; j < m; j++) s -= A[i * m + j] * x[j];
        x[i] = s / A[i * m + i];
    }
    return 1;
}

/* ---- the linear program -------------------------------------------------- */

typedef struct {
    int n, M;            /* entries, system elements */
    const double *x;     /* [n][M] atomic fractions */
    const double *ef;    /* [n] formation energy per atom */
    const uint64_t *mask;/* [n] elements present */
} lp_data;

/* min sum_j l_j ef[j] over candidates cand[0..ncand) (entry indices, every
 * one with mask within `rows`) s.t. sum_j l_j x_j = target on the rows (system
 * columns) row[0..m). Output: basis entry indices and their l (m of each) and
 * the optimum. Returns FU_OK or FU_EINTERNAL. */
static int lp_solve(const lp_data *d, const int *cand, int ncand, const int *row, int m,
                    const double *target, int *basis_entry, double *lam_out, double *obj,
                    fu_err *err) {
    int basis[FU_HULL_MAX_ELEM]; /* positions in cand */
    /* Start: one pure column per row (a unit vector: always feasible). */
    for (int r = 0; r < m; r++) {
        basis[r] = -1;
        for (int j = 0; j < ncand && basis[r] < 0; j++) {
            int e = cand[j];
            if (d->mask[e] == (UINT64_C(1) << row[r])) basis[r] = j;
        }
        if (basis[r] < 0)
            return fu_fail(err, FU_EINTERNAL, "hull: simplex: no pure start column for a row");
    }
    double B[FU_HULL_MAX_ELEM * FU_HULL_MAX_ELEM], BT[FU_HULL_MAX_ELEM * FU_HULL_MAX_ELEM];
    double lam[FU_HULL_MAX_ELEM], y[FU_HULL_MAX_ELEM], cb[FU_HULL_MAX_ELEM], w[FU_HULL_MAX_ELEM];
    double a[FU_HULL_MAX_ELEM];
    long maxit = 100L * (ncand + m) + 1000;
    for (long it = 0;; it++) {
        if (it > maxit)
            return fu_fail(err, FU_EINTERNAL, "hull: simplex did not terminate in %ld pivots",
                           maxit);
        for (int k = 0; k < m; k++) {
            int e = cand[basis[k]];
            for (int r = 0; r < m; r++) {
                B[r * m + k] = d->x[(size_t)e * (size_t)d->M + (size_t)row[r]];
                BT[k * m + r] = B[r * m + k];
            }
            cb[k] = d->ef[e];
        }
        if (!gauss_solve(m, B, target, lam) || !gauss_solve(m, BT, cb, y))
            return fu_fail(err, FU_EINTERNAL, "hull: simplex: singular basis");
        /* Bland: the lowest-index improving column enters. */
        int enter = -1;
        for (int j = 0; j < ncand && enter < 0; j++) {
            int inb = 0;
            for (int k = 0; k < m; k++) inb |= basis[k] == j;
            if (inb) continue;
            int e = cand[j];
            double dj = d->ef[e];
            for (int r = 0; r < m; r++) dj -= y[r] * d->x[(size_t)e * (size_t)d->M + (size_t)row[r]];
            if (dj < -PRICE_TOL) enter = j;
        }
        if (enter < 0) break;
        for (int r = 0; r < m; r++)
            a[r] = d->x[(size_t)cand[enter] * (size_t)d->M + (size_t)row[r]];
        if (!gauss_solve(m, B, a, w))
            return fu_fail(err, FU_EINTERNAL, "hull: simplex: singular basis");
        /* Ratio test; ties broken by the lowest candidate index (Bland). */
        int leave = -1;
        double tmin = 0;
        for (int k = 0; k < m; k++) {
            if (!(w[k] > PIV_TOL)) continue;
            double t = fmax(lam[k], 0.0) / w[k];
            if (leave < 0 || t < tmin - 1e-15) {
                leave = k;
                tmin = t;
            } else if (t <= tmin + 1e-15 && basis[k] < basis[leave]) {
                leave = k;
                tmin = fmin(tmin, t);
            }
        }
        if (leave < 0) return fu_fail(err, FU_EINTERNAL, "hull: simplex: unbounded direction");
        basis[leave] = enter;
    }
    double o = 0;
    for (int k = 0; k < m; k++) {
        if (lam[k] < 0 && lam[k] > -1e-12) lam[k] = 0;
        if (lam[k] < 0) return fu_fail(err, FU_EINTERNAL, "hull: simplex: infeasible basis");
        basis_entry[k] = cand[basis[k]];
        lam_out[k] = lam[k];
        o += lam[k] * cb[k];
    }
    *obj = o;
    return FU_OK;
}

/* ---- the hull ------------------------------------------------------------- */

void fu_hull_free(fu_hull *h) {
    if (!h) return;
    free(h->natom);
    free(h->e_per_atom_ha);
    free(h->e_form_ha);
    free(h->e_hull_ha);
    free(h->e_above_hull_ha);
    free(h->stable);
    free(h->decomp_off);
    free(h->decomp_idx);
    free(h->decomp_frac);
    memset(h, 0, sizeof *h);
}

int fu_hull_stable_indices(const fu_hull *h, int *idx) {
    int c = 0;
    for (int i = 0; i < h->nentry; i++)
        if (h->stable[i]) idx[c++] = i;
    return c;
}

int fu_hull_decomp_string(const fu_hull *h, const fu_hull_entry *entries, int i, char *buf,
                          int len) {
    int used = 0;
    if (buf && len > 0) buf[0] = '\0';
    for (int k = h->decomp_off[i]; k < h->decomp_off[i + 1]; k++) {
        size_t room = buf && used < len ? (size_t)(len - used) : 0;
        int w = snprintf(room ? buf + used : NULL, room, "%s%s:%.10g",
                         k > h->decomp_off[i] ? ";" : "", entries[h->decomp_idx[k]].id,
                         h->decomp_frac[k]);
        if (w < 0) return w;
        used += w;
    }
    return used;
}

static int cmp_id(const void *a, const void *b) {
    const fu_hull_entry *const *x = a, *const *y = b;
    return strcmp((*x)->id, (*y)->id);
}

static int validate(const fu_hull_entry *es, int n, fu_err *err) {
    if (n <= 0 || !es) return fu_fail(err, FU_EINPUT, "hull: no entries");
    for (int i = 0; i < n; i++) {
        const fu_hull_entry *e = &es[i];
        if (!memchr(e->id, '\0', sizeof e->id) || !e->id[0])
            return fu_fail(err, FU_EINPUT, "hull: entry %d: ID is empty or not terminated", i + 1);
        char f[256];
        if (e->nelem < 1 || e->nelem > FU_HULL_MAX_ELEM)
            return fu_fail(err, FU_EINPUT, "hull: entry '%s': %d elements (need 1..%d)", e->id,
                           e->nelem, FU_HULL_MAX_ELEM);
        for (int k = 0; k < e->nelem; k++) {
            if (!fu_element_symbol(e->z[k]))
                return fu_fail(err, FU_EINPUT, "hull: entry '%s': unknown element Z=%d", e->id,
                               e->z[k]);
            for (int l = 0; l < k; l++)
                if (e->z[l] == e->z[k])
                    return fu_fail(err, FU_EINPUT, "hull: entry '%s': element %s listed twice",
                                   e->id, fu_element_symbol(e->z[k]));
            if (!(isfinite(e->amount[k]) && e->amount[k] > 0))
                return fu_fail(err, FU_EINPUT,
                               "hull: entry '%s': amount of %s must be finite and > 0 (got %g)",
                               e->id, fu_element_symbol(e->z[k]), e->amount[k]);
        }
        entry_formula(e, f, sizeof f);
        if (!isfinite(e->energy_ha))
            return fu_fail(err, FU_EINPUT, "hull: entry '%s' (%s): energy is not finite (%g)",
                           e->id, f, e->energy_ha);
    }
    const fu_hull_entry **p = malloc(sizeof *p * (size_t)n);
    if (!p) return fu_fail(err, FU_ENOMEM, "hull: out of memory");
    for (int i = 0; i < n; i++) p[i] = &es[i];
    qsort(p, (size_t)n, sizeof *p, cmp_id);
    for (int i = 1; i < n; i++)
        if (strcmp(p[i - 1]->id, p[i]->id) == 0) {
            int rc = fu_fail(err, FU_EINPUT, "hull: entry ID '%s' appears more than once",
                             p[i]->id);
            free(p);
            return rc;
        }
    free(p);
    return FU_OK;
}

static int same_comp(const lp_data *d, int i, int j) {
    if (d->mask[i] != d->mask[j]) return 0;
    for (int c = 0; c < d->M; c++)
        if (fabs(d->x[(size_t)i * (size_t)d->M + (size_t)c] -
                 d->x[(size_t)j * (size_t)d->M + (size_t)c]) > COMP_TOL)
            return 0;
    return 1;
}

static int is_pure(uint64_t m) { return m != 0 && (m & (m - 1)) == 0; }

int fu_hull_compute(const fu_hull_entry *es, int n, const char *const *ref_ids, int nref,
                    fu_hull *h, fu_err *err) {
    memset(h, 0, sizeof *h);
    int rc = validate(es, n, err);
    if (rc) return rc;

    /* The chemical system: distinct Z, ascending. */
    int col_of_z[FU_MAX_Z + 1];
    for (int z = 0; z <= FU_MAX_Z; z++) col_of_z[z] = -1;
    for (int i = 0; i < n; i++)
        for (int k = 0; k < es[i].nelem; k++) col_of_z[es[i].z[k]] = 0;
    int M = 0;
    for (int z = 1; z <= FU_MAX_Z; z++)
        if (col_of_z[z] == 0) {
            if (M >= FU_HULL_MAX_SYSTEM)
                return fu_fail(err, FU_EINPUT, "hull: more than %d distinct elements",
                               FU_HULL_MAX_SYSTEM);
            col_of_z[z] = M;
            h->z[M++] = z;
        }
    h->nelem = M;
    h->nentry = n;

    double *x = calloc((size_t)n * (size_t)M, sizeof *x);
    uint64_t *mask = calloc((size_t)n, sizeof *mask);
    int *cand = malloc(sizeof *cand * (size_t)n);
    int *rep = malloc(sizeof *rep * (size_t)n);
    h->natom = malloc(sizeof(double) * (size_t)n);
    h->e_per_atom_ha = malloc(sizeof(double) * (size_t)n);
    h->e_form_ha = malloc(sizeof(double) * (size_t)n);
    h->e_hull_ha = malloc(sizeof(double) * (size_t)n);
    h->e_above_hull_ha = malloc(sizeof(double) * (size_t)n);
    h->stable = calloc((size_t)n, sizeof(int));
    h->decomp_off = calloc((size_t)n + 1, sizeof(int));
    h->decomp_idx = malloc(sizeof(int) * (size_t)n * FU_HULL_MAX_ELEM);
    h->decomp_frac = malloc(sizeof(double) * (size_t)n * FU_HULL_MAX_ELEM);
    if (!x || !mask || !cand || !rep || !h->natom || !h->e_per_atom_ha || !h->e_form_ha ||
        !h->e_hull_ha || !h->e_above_hull_ha || !h->stable || !h->decomp_off || !h->decomp_idx ||
        !h->decomp_frac) {
        rc = fu_fail(err, FU_ENOMEM, "hull: out of memory");
        goto done;
    }

    for (int i = 0; i < n; i++) {
        double N = 0;
        for (int k = 0; k < es[i].nelem; k++) N += es[i].amount[k];
        h->natom[i] = N;
        h->e_per_atom_ha[i] = es[i].energy_ha / N;
        for (int k = 0; k < es[i].nelem; k++) {
            int c = col_of_z[es[i].z[k]];
            x[(size_t)i * (size_t)M + (size_t)c] = es[i].amount[k] / N;
            mask[i] |= UINT64_C(1) << c;
        }
    }

    /* Elemental references. */
    for (int c = 0; c < M; c++) h->ref[c] = -1;
    if (ref_ids && nref > 0) {
        for (int r = 0; r < nref; r++) {
            int i = ref_ids[r] ? fu_hull_find(es, n, ref_ids[r]) : -1;
            if (i < 0) {
                rc = fu_fail(err, FU_EINPUT, "hull: declared reference '%s' is not an entry",
                             ref_ids[r] ? ref_ids[r] : "(null)");
                goto done;
            }
            if (!is_pure(mask[i])) {
                char f[256];
                entry_formula(&es[i], f, sizeof f);
                rc = fu_fail(err, FU_EINPUT,
                             "hull: declared reference '%s' (%s) is not a pure element", es[i].id,
                             f);
                goto done;
            }
            int c = col_of_z[es[i].z[0]];
            if (h->ref[c] >= 0 && h->ref[c] != i) {
                rc = fu_fail(err, FU_EINPUT, "hull: two declared references for %s: '%s' and '%s'",
                             fu_element_symbol(h->z[c]), es[h->ref[c]].id, es[i].id);
                goto done;
            }
            h->ref[c] = i;
        }
    } else {
        for (int i = 0; i < n; i++) {
            if (!is_pure(mask[i])) continue;
            int c = col_of_z[es[i].z[0]];
            if (h->ref[c] < 0 || h->e_per_atom_ha[i] < h->e_per_atom_ha[h->ref[c]]) h->ref[c] = i;
        }
    }
    for (int i = 0; i < n; i++)
        for (int k = 0; k < es[i].nelem; k++) {
            int c = col_of_z[es[i].z[k]];
            if (h->ref[c] < 0) {
                char f[256];
                const char *s = fu_element_symbol(es[i].z[k]);
                entry_formula(&es[i], f, sizeof f);
                rc = fu_fail(err, FU_EINPUT,
                             ref_ids && nref > 0
                                 ? "hull: entry '%s' (%s): no elemental reference for %s: "
                                   "declare one (a pure-%s entry)"
                                 : "hull: entry '%s' (%s): no elemental reference for %s: "
                                   "add a pure-%s entry",
                             es[i].id, f, s, s);
                goto done;
            }
        }
    for (int c = 0; c < M; c++) h->mu_ha[c] = h->e_per_atom_ha[h->ref[c]];

    for (int i = 0; i < n; i++) {
        double ef = h->e_per_atom_ha[i];
        for (int c = 0; c < M; c++) ef -= x[(size_t)i * (size_t)M + (size_t)c] * h->mu_ha[c];
        h->e_form_ha[i] = ef;
    }

    lp_data d = {n, M, x, h->e_form_ha, mask};
    /* Representative of each composition: lowest energy per atom, then first. */
    for (int i = 0; i < n; i++) {
        int best = i;
        for (int j = 0; j < n; j++)
            if (j != best && same_comp(&d, i, j) &&
                (h->e_per_atom_ha[j] < h->e_per_atom_ha[best] ||
                 (h->e_per_atom_ha[j] == h->e_per_atom_ha[best] && j < best)))
                best = j;
        rep[i] = best;
    }

    int row[FU_HULL_MAX_ELEM], bas[FU_HULL_MAX_ELEM];
    double target[FU_HULL_MAX_ELEM], lam[FU_HULL_MAX_ELEM];

    /* Pass 1: hull energy and stability. */
    for (int i = 0; i < n; i++) {
        int m = 0;
        for (int c = 0; c < M; c++)
            if (mask[i] >> c & 1) {
                row[m] = c;
                target[m] = x[(size_t)i * (size_t)M + (size_t)c];
                m++;
            }
        int nc = 0;
        for (int j = 0; j < n; j++)
            if ((mask[j] & ~mask[i]) == 0) cand[nc++] = j;
        double eh;
        rc = lp_solve(&d, cand, nc, row, m, target, bas, lam, &eh, err);
        if (rc) {
            fu_err_prefix(err, "entry '%s'", es[i].id);
            goto done;
        }
        h->e_hull_ha[i] = eh;
        if (rep[i] == i) {
            if (is_pure(mask[i])) {
                h->stable[i] = 1;
            } else {
                int no = 0;
                for (int k = 0; k < nc; k++)
                    if (rep[cand[k]] != i) cand[no++] = cand[k];
                double eo;
                rc = lp_solve(&d, cand, no, row, m, target, bas, lam, &eo, err);
                if (rc) {
                    fu_err_prefix(err, "entry '%s'", es[i].id);
                    goto done;
                }
                h->stable[i] = eo > h->e_form_ha[i] + FU_HULL_TOL_HA;
            }
        }
        if (h->stable[i]) {
            h->e_hull_ha[i] = h->e_form_ha[i];
            h->e_above_hull_ha[i] = 0;
        } else {
            double ea = h->e_form_ha[i] - eh;
            if (ea < -FU_HULL_TOL_HA) {
                rc = fu_fail(err, FU_EINTERNAL,
                             "hull: entry '%s': %.3g Ha/atom below its own hull", es[i].id, ea);
                goto done;
            }
            h->e_above_hull_ha[i] = ea > 0 ? ea : 0;
        }
    }

    /* Pass 2: decompositions into stable entries. */
    int nd = 0;
    for (int i = 0; i < n; i++) {
        h->decomp_off[i] = nd;
        if (h->stable[i]) {
            h->decomp_idx[nd] = i;
            h->decomp_frac[nd++] = 1.0;
            continue;
        }
        int m = 0;
        for (int c = 0; c < M; c++)
            if (mask[i] >> c & 1) {
                row[m] = c;
                target[m] = x[(size_t)i * (size_t)M + (size_t)c];
                m++;
            }
        int nc = 0;
        for (int j = 0; j < n; j++)
            if (h->stable[j] && (mask[j] & ~mask[i]) == 0) cand[nc++] = j;
        double eh;
        rc = lp_solve(&d, cand, nc, row, m, target, bas, lam, &eh, err);
        if (rc) {
            fu_err_prefix(err, "entry '%s': decomposition", es[i].id);
            goto done;
        }
        int first = nd;
        for (int k = 0; k < m; k++) {
            if (!(lam[k] > FU_HULL_FRAC_TOL)) continue;
            /* Insert sorted by entry index. */
            int pos = nd++;
            while (pos > first && h->decomp_idx[pos - 1] > bas[k]) {
                h->decomp_idx[pos] = h->decomp_idx[pos - 1];
                h->decomp_frac[pos] = h->decomp_frac[pos - 1];
                pos--;
            }
            h->decomp_idx[pos] = bas[k];
            h->decomp_frac[pos] = lam[k];
        }
    }
    h->decomp_off[n] = nd;
    rc = FU_OK;

done:
    free(x);
    free(mask);
    free(cand);
    free(rep);
    if (rc) fu_hull_free(h);
    return rc;
}
