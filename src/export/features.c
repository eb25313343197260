#include "export/features.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/units.h"
#include "crystal/elements.h"
#include "export/element_data.h"
#include "rank/catalog.h"

static const char *const stat_names[FU_MAGPIE_NSTAT] = {"minimum", "maximum", "range",
                                                        "mean",    "avg_dev", "mode"};
static const char *const stat_ja[FU_MAGPIE_NSTAT] = {"最小値", "最大値", "範囲", "組成加重平均",
                                                     "組成加重平均絶対偏差", "最多元素の値"};

/* Catalog numbers that describe how a candidate was computed, not what it
 * is: kept as meta columns, never features (they would leak settings). */
/* numeric catalog columns that describe how a candidate was computed, not the
 * material: meta columns, never features */
static const char *const settings_cols[] = {"ecut_ev",       "scf_iterations", "attempts",
                                            "spin_polarized", "relax_steps",    "eos_fit_rms_mev_per_atom",
                                            "eos_minimum_outside"};

const char *fu_magpie_stat_name(int stat) {
    return stat >= 0 && stat < FU_MAGPIE_NSTAT ? stat_names[stat] : "";
}

int fu_magpie_stats(size_t prop, const int *z, const double *w, int n, double out[FU_MAGPIE_NSTAT]) {
    if (n < 1) return -1;
    double v[FU_MAX_Z + 1], wsum = 0, wmax = 0;
    if (n > FU_MAX_Z + 1) return -1;
    for (int k = 0; k < n; k++) {
        v[k] = fu_elprop_value(prop, z[k]);
        if (!isfinite(v[k])) return z[k] > 0 ? z[k] : -1;
        if (!(w[k] > 0)) return -1;
        wsum += w[k];
        wmax = fmax(wmax, w[k]);
    }
    double mn = v[0], mx = v[0], mean = 0, dev = 0, mode = INFINITY;
    for (int k = 0; k < n; k++) {
        mn = fmin(mn, v[k]);
        mx = fmax(mx, v[k]);
        mean += w[k] * v[k];
    }
    mean /= wsum;
    for (int k = 0; k < n; k++) {
        dev += w[k] * fabs(v[k] - mean);
        /* numpy.isclose(w, w.max()): |w - wmax| <= 1e-8 + 1e-5 |wmax| */
        if (fabs(w[k] - wmax) <= 1e-8 + 1e-5 * wmax) mode = fmin(mode, v[k]);
    }
    out[FU_STAT_MINIMUM] = mn;
    out[FU_STAT_MAXIMUM] = mx;
    out[FU_STAT_RANGE] = mx - mn;
    out[FU_STAT_MEAN] = mean;
    out[FU_STAT_AVG_DEV] = dev / wsum;
    out[FU_STAT_MODE] = mode;
    return 0;
}

static double dot3(const double a[3], const double b[3]) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }

int fu_struct_descriptors(const double lat[3][3], const double (*xred)[3], const int *z, int natom,
                          double tol, fu_struct_desc *out, fu_err *err) {
    memset(out, 0, sizeof *out);
    if (natom < 1) return fu_fail(err, FU_EINPUT, "structure has no atoms");
    /* reciprocal rows b_k with a_i . b_k = δ_ik (no 2π): plane spacing 1/|b_k| */
    double c[3][3];
    for (int i = 0; i < 3; i++)
        for (int k = 0; k < 3; k++)
            c[i][k] = lat[(i + 1) % 3][(k + 1) % 3] * lat[(i + 2) % 3][(k + 2) % 3] -
                      lat[(i + 1) % 3][(k + 2) % 3] * lat[(i + 2) % 3][(k + 1) % 3];
    double det = dot3(lat[0], c[0]);
    double vol = fabs(det);
    if (!(vol > 1e-10) || !isfinite(vol)) return fu_fail(err, FU_EINPUT, "degenerate cell (volume %g angstrom^3)", vol);
    double b[3][3];
    for (int k = 0; k < 3; k++)
        for (int x = 0; x < 3; x++) b[k][x] = c[k][x] / det;
    double rmax = 0, vat = 0;
    for (int a = 0; a < natom; a++) {
        double r = fu_element_covalent_radius(z[a]);
        if (!(r > 0))
            return fu_fail(err, FU_EINPUT, "no covalent radius for element Z=%d (%s)", z[a],
                           fu_element_symbol(z[a]) ? fu_element_symbol(z[a]) : "?");
        rmax = fmax(rmax, r);
        vat += 4.0 / 3.0 * FU_PI * r * r * r;
    }
    double rcut = 2 * rmax * (1 + tol);
    int nimg[3];
    for (int k = 0; k < 3; k++) nimg[k] = (int)ceil(rcut * sqrt(dot3(b[k], b[k]))) + 1;
    double cmin = INFINITY, cmax = 0, csum = 0;
    for (int i = 0; i < natom; i++) {
        double ri = fu_element_covalent_radius(z[i]);
        int count = 0;
        for (int j = 0; j < natom; j++) {
            double cut = (ri + fu_element_covalent_radius(z[j])) * (1 + tol);
            double d0[3];
            for (int k = 0; k < 3; k++) {
                d0[k] = xred[j][k] - xred[i][k];
                d0[k] -= floor(d0[k] + 0.5); /* nearest image first, then shells around it */
            }
            for (int n0 = -nimg[0]; n0 <= nimg[0]; n0++)
                for (int n1 = -nimg[1]; n1 <= nimg[1]; n1++)
                    for (int n2 = -nimg[2]; n2 <= nimg[2]; n2++) {
                        double f[3] = {d0[0] + n0, d0[1] + n1, d0[2] + n2}, r[3];
                        for (int x = 0; x < 3; x++) r[x] = f[0] * lat[0][x] + f[1] * lat[1][x] + f[2] * lat[2][x];
                        double d = sqrt(dot3(r, r));
                        if (d > 1e-8 && d <= cut) count++;
                    }
        }
        cmin = fmin(cmin, count);
        cmax = fmax(cmax, count);
        csum += count;
    }
    out->volume_per_atom = vol / natom;
    out->packing_fraction = vat / vol;
    out->coord_mean = csum / natom;
    out->coord_min = cmin;
    out->coord_max = cmax;
    return FU_OK;
}

/* ---- the table ---- */

static char *dupstr(const char *s) { return strdup(s ? s : ""); }

static void col_free(fu_col *c) {
    free(c->name);
    free(c->unit);
    free(c->description);
    free(c->description_ja);
    free(c->source);
}

void fu_feature_table_free(fu_feature_table *t) {
    for (size_t i = 0; i < t->nmeta; i++) col_free(&t->meta[i]);
    for (size_t i = 0; i < t->nfeat; i++) col_free(&t->feat[i]);
    for (size_t i = 0; i < t->ntarget; i++) col_free(&t->target[i]);
    if (t->meta_val)
        for (size_t i = 0; i < t->nrow * t->nmeta; i++) free(t->meta_val[i]);
    for (size_t i = 0; i < t->nskip; i++) {
        free(t->skip[i].label);
        free(t->skip[i].state);
        free(t->skip[i].reason);
    }
    for (size_t i = 0; i < t->ndropped; i++) {
        free(t->dropped[i].name);
        free(t->dropped[i].reason);
    }
    free(t->meta);
    free(t->feat);
    free(t->target);
    free(t->meta_val);
    free(t->X);
    free(t->Y);
    free(t->rec);
    free(t->skip);
    free(t->dropped);
    memset(t, 0, sizeof *t);
}

long fu_features_find(const fu_feature_table *t, fu_col_role role, const char *name) {
    const fu_col *c = role == FU_COL_META ? t->meta : role == FU_COL_FEATURE ? t->feat : t->target;
    size_t n = role == FU_COL_META ? t->nmeta : role == FU_COL_FEATURE ? t->nfeat : t->ntarget;
    for (size_t i = 0; i < n; i++)
        if (strcmp(c[i].name, name) == 0) return (long)i;
    return -1;
}

static int nomem(fu_err *err) { return fu_fail(err, FU_ENOMEM, "out of memory building the feature table"); }

static int add_col(fu_col **cols, size_t *n, const char *name, const char *unit, const char *desc,
                   const char *desc_ja, const char *source, fu_col_role role, int is_int, fu_err *err) {
    fu_col *c = realloc(*cols, (*n + 1) * sizeof **cols);
    if (!c) return nomem(err);
    *cols = c;
    fu_col *x = &c[*n];
    memset(x, 0, sizeof *x);
    x->name = dupstr(name);
    x->unit = dupstr(unit);
    x->description = dupstr(desc);
    x->description_ja = dupstr(desc_ja);
    x->source = dupstr(source);
    x->role = role;
    x->is_int = is_int;
    (*n)++;
    if (!x->name || !x->unit || !x->description || !x->description_ja || !x->source) return nomem(err);
    return FU_OK;
}

static int add_skip(fu_feature_table *t, const fu_record *rec, const char *reason, fu_err *err) {
    fu_skip *s = realloc(t->skip, (t->nskip + 1) * sizeof *s);
    if (!s) return nomem(err);
    t->skip = s;
    fu_skip *x = &s[t->nskip++];
    memset(x, 0, sizeof *x);
    snprintf(x->id, sizeof x->id, "%s", rec->id);
    x->label = dupstr(rec->label);
    x->state = dupstr(fu_record_state_name(rec->state));
    x->reason = dupstr(reason);
    return (x->label && x->state && x->reason) ? FU_OK : nomem(err);
}

static int add_dropped(fu_feature_table *t, const char *name, fu_col_role role, const char *reason, fu_err *err) {
    fu_dropped *d = realloc(t->dropped, (t->ndropped + 1) * sizeof *d);
    if (!d) return nomem(err);
    t->dropped = d;
    fu_dropped *x = &d[t->ndropped++];
    x->name = dupstr(name);
    x->role = role;
    x->reason = dupstr(reason);
    return (x->name && x->reason) ? FU_OK : nomem(err);
}

static int is_settings_col(const char *name) {
    for (size_t i = 0; i < sizeof settings_cols / sizeof settings_cols[0]; i++)
        if (strcmp(name, settings_cols[i]) == 0) return 1;
    return 0;
}

/* Catalog targets kept as metadata: absolute energies and eigenvalues depend on the code's
 * reference (pseudopotentials, G=0 convention), so a model of them learns the code, not the
 * material; pressure and forces describe how far the computed structure is from relaxed; the
 * correction and the two hull distances restate formation_energy_corrected_ev_per_atom and
 * e_above_hull_ev_per_atom (as targets they would only cost rows where one is missing). */
static const char *const meta_targets[] = {"energy_per_atom_ev", "vbm_ev", "cbm_ev", "fermi_level_ev",
                                           "pressure_gpa", "max_force_ev_per_angstrom",
                                           "energy_correction_ev_per_atom", "e_above_hull_uncorrected_ev_per_atom",
                                           "e_above_hull_corrected_ev_per_atom"};

static int is_meta_target(const char *name) {
    for (size_t i = 0; i < sizeof meta_targets / sizeof meta_targets[0]; i++)
        if (strcmp(name, meta_targets[i]) == 0) return 1;
    return 0;
}

/* Why a candidate cannot be a row at all ("" if it can). */
static void not_exportable(const fu_record *rec, char *buf, size_t len) {
    buf[0] = '\0';
    const char *cause = rec->cause ? rec->cause : "", *msg = rec->message ? rec->message : "";
    switch (rec->state) {
    case FU_RECORD_DONE:
        if (!rec->have_result) snprintf(buf, len, "done without a stored result");
        else if (rec->res.converged != 1) snprintf(buf, len, "done but the SCF is not marked converged");
        else if (rec->res.natom < 1) snprintf(buf, len, "done without atoms");
        else if (fu_prop_record_is_molecule(&rec->res))
            snprintf(buf, len, "a molecule in a box (is_molecule 1): the dataset holds solids");
        return;
    case FU_RECORD_FAILED:
    case FU_RECORD_INVALID:
        if (strcmp(cause, fu_record_state_name(rec->state)) == 0) cause = ""; /* "invalid (invalid)" */
        snprintf(buf, len, "%s%s%s%s: %s", fu_record_state_name(rec->state), *cause ? " (" : "", cause,
                 *cause ? ")" : "", *msg ? msg : "no message recorded");
        return;
    default:
        snprintf(buf, len, "unfinished (%s): the candidate has not run to completion; rerun furui screen",
                 fu_record_state_name(rec->state));
        return;
    }
}

/* Distinct elements of a result with their counts. */
static int composition(const fu_cand_result *r, int *z, double *w) {
    int count[FU_MAX_Z + 1] = {0}, n = 0;
    for (int a = 0; a < r->natom; a++)
        if (r->atomic_number[a] >= 1 && r->atomic_number[a] <= FU_MAX_Z) count[r->atomic_number[a]]++;
    for (int k = 1; k <= FU_MAX_Z; k++)
        if (count[k]) {
            z[n] = k;
            w[n++] = count[k];
        }
    return n;
}

static int cmp_skip(const void *a, const void *b) {
    return strcmp(((const fu_skip *)a)->id, ((const fu_skip *)b)->id);
}

/* Cell in angstrom. */
static void lattice_ang(const fu_cand_result *r, double lat[3][3]) {
    for (int i = 0; i < 3; i++)
        for (int k = 0; k < 3; k++) lat[i][k] = r->lattice[i][k] * FU_BOHR_ANGSTROM;
}

static int build(const fu_results *r, int unlabelled, int hull, fu_feature_table *t, fu_err *err);

int fu_features_build(const fu_results *r, fu_feature_table *t, fu_err *err) { return build(r, 0, 0, t, err); }
int fu_features_build_hull(const fu_results *r, int hull, fu_feature_table *t, fu_err *err) {
    return build(r, 0, hull, t, err);
}
int fu_features_build_unlabelled(const fu_results *r, fu_feature_table *t, fu_err *err) {
    return build(r, 1, 0, t, err);
}

/* Kept targets with one value over the kept rows (at least two) become metadata. */
static void demote_constant(const fu_prop_table *pt, size_t ncat, size_t n, const unsigned char *keep,
                            unsigned char *tkeep, unsigned char *meta) {
    for (size_t p = 0; p < ncat; p++) {
        if (!tkeep[p]) continue;
        size_t nfin = 0;
        double v0 = 0;
        int same = 1;
        for (size_t i = 0; i < n && same; i++) {
            double v = keep[i] ? fu_prop_num(pt, i, p) : NAN;
            if (!isfinite(v)) continue;
            if (nfin++ == 0) v0 = v;
            else same = v == v0;
        }
        if (same && nfin >= 2) tkeep[p] = 0, meta[p] = 1;
    }
}

static int build(const fu_results *r, int unlabelled, int hull, fu_feature_table *t, fu_err *err) {
    memset(t, 0, sizeof *t);
    size_t ncat = 0, nel = 0;
    const fu_prop_def *cat = fu_prop_catalog(&ncat);
    const fu_elprop_def *el = fu_elprop_defs(&nel);
    fu_prop_table pt;
    fu_prop_options po = {(fu_hull_energies)hull, NULL, 0, 0};
    int rc = fu_prop_table_build_opts(r, &po, &pt, err);
    if (rc) return rc;
    size_t n = r->n;
    unsigned char *keep = calloc(n ? n : 1, 1);
    fu_struct_desc *sd = calloc(n ? n : 1, sizeof *sd);
    unsigned char *tkeep = calloc(ncat, 1), *fkeep = calloc(ncat, 1), *ekeep = calloc(nel ? nel : 1, 1);
    unsigned char *meta = calloc(ncat, 1); /* numeric catalog columns exported as metadata */
    char reason[FU_ERR_MSG_LEN + 256];
    if (!keep || !sd || !tkeep || !fkeep || !ekeep || !meta) rc = nomem(err);
    for (size_t p = 0; p < ncat && !rc; p++)
        meta[p] = cat[p].kind != FU_PROP_TEXT && (is_settings_col(cat[p].name) || is_meta_target(cat[p].name));

    /* 1. candidates that can be rows; structure descriptors */
    for (size_t i = 0; i < n && !rc; i++) {
        const fu_record *rec = &r->rec[i];
        if (!unlabelled) not_exportable(rec, reason, sizeof reason);
        else if (!rec->have_result || rec->res.natom < 1) snprintf(reason, sizeof reason, "no structure");
        else reason[0] = '\0';
        if (!reason[0]) {
            double lat[3][3];
            lattice_ang(&rec->res, lat);
            fu_err e2 = {0};
            if (fu_struct_descriptors(lat, (const double(*)[3])rec->res.xred, rec->res.atomic_number,
                                      rec->res.natom, FU_COORD_TOL, &sd[i], &e2))
                snprintf(reason, sizeof reason, "structure descriptors undefined: %s", e2.msg);
        }
        if (reason[0]) rc = add_skip(t, rec, reason, err);
        else keep[i] = 1;
    }
    /* 2. targets nobody has are dropped (unlabelled: no targets at all) */
    for (size_t p = 0; p < ncat && !rc && !unlabelled; p++) {
        if (!cat[p].target || cat[p].kind == FU_PROP_TEXT || meta[p]) continue;
        const char *note = "";
        for (size_t i = 0; i < n; i++) {
            if (!keep[i]) continue;
            if (isfinite(fu_prop_num(&pt, i, p))) tkeep[p] = 1;
            else if (!note[0]) note = pt.note[i];
        }
        if (!tkeep[p]) {
            snprintf(reason, sizeof reason, "target not available for any exportable candidate%s%s",
                     note[0] ? ", e.g. " : "", note);
            rc = add_dropped(t, cat[p].name, FU_COL_TARGET, reason, err);
        }
    }
    /* 2b. a target with one value in every exportable row that has it (e.g. is_stable of
     * a campaign of stable compounds) teaches a model nothing: metadata, before it can
     * cost rows in 3; again after 3, for the rows actually exported */
    if (!rc && !unlabelled) demote_constant(&pt, ncat, n, keep, tkeep, meta);
    /* 3. rows lacking a kept target are skipped */
    for (size_t i = 0; i < n && !rc && !unlabelled; i++) {
        if (!keep[i]) continue;
        for (size_t p = 0; p < ncat; p++)
            if (tkeep[p] && !isfinite(fu_prop_num(&pt, i, p))) {
                snprintf(reason, sizeof reason, "target %s not available%s%s", cat[p].name,
                         pt.note[i][0] ? ": " : "", pt.note[i]);
                keep[i] = 0;
                rc = add_skip(t, &r->rec[i], reason, err);
                break;
            }
    }
    if (!rc && !unlabelled) demote_constant(&pt, ncat, n, keep, tkeep, meta);
    /* 4. features: catalog columns NaN in an exported row, Magpie properties
     * unknown for an element of an exported row, are dropped campaign-wide */
    for (size_t p = 0; p < ncat && !rc; p++) {
        if (cat[p].target || cat[p].kind == FU_PROP_TEXT || meta[p]) continue;
        fkeep[p] = 1;
        for (size_t i = 0; i < n && fkeep[p]; i++)
            if (keep[i] && !isfinite(fu_prop_num(&pt, i, p))) {
                fkeep[p] = 0;
                snprintf(reason, sizeof reason, "not available for candidate %s", r->rec[i].id);
                rc = add_dropped(t, cat[p].name, FU_COL_FEATURE, reason, err);
            }
    }
    for (size_t q = 0; q < nel && !rc; q++) {
        char missing[FU_MAX_Z + 1] = {0};
        int nmiss = 0;
        for (size_t i = 0; i < n; i++) {
            if (!keep[i]) continue;
            const fu_cand_result *res = &r->rec[i].res;
            for (int a = 0; a < res->natom; a++) {
                int zz = res->atomic_number[a];
                if (zz >= 1 && zz <= FU_MAX_Z && !isfinite(fu_elprop_value(q, zz)) && !missing[zz]) {
                    missing[zz] = 1;
                    nmiss++;
                }
            }
        }
        ekeep[q] = nmiss == 0;
        if (nmiss) {
            int len = snprintf(reason, sizeof reason, "element data has no %s for", el[q].name);
            for (int zz = 1; zz <= FU_MAX_Z && len > 0 && (size_t)len < sizeof reason; zz++)
                if (missing[zz]) len += snprintf(reason + len, sizeof reason - (size_t)len, " %s", fu_element_symbol(zz));
            for (int s = 0; s < FU_MAGPIE_NSTAT && !rc; s++) {
                char name[160];
                snprintf(name, sizeof name, "MagpieData %s %s", stat_names[s], el[q].name);
                rc = add_dropped(t, name, FU_COL_FEATURE, reason, err);
            }
        }
    }

    /* columns */
    for (size_t p = 0; p < ncat && !rc; p++) {
        const fu_prop_def *d = &cat[p];
        if (strcmp(d->name, "state") == 0) continue; /* always "done" in the export */
        if (d->kind == FU_PROP_TEXT || meta[p])
            rc = add_col(&t->meta, &t->nmeta, d->name, d->unit, d->description, d->description_ja, "catalog",
                         FU_COL_META, d->kind == FU_PROP_INT, err);
        else if (d->target && tkeep[p])
            rc = add_col(&t->target, &t->ntarget, d->name, d->unit, d->description, d->description_ja, "catalog",
                         FU_COL_TARGET, d->kind == FU_PROP_INT, err);
        else if (!d->target && fkeep[p])
            rc = add_col(&t->feat, &t->nfeat, d->name, d->unit, d->description, d->description_ja, "catalog",
                         FU_COL_FEATURE, d->kind == FU_PROP_INT, err);
    }
    char src[256];
    snprintf(src, sizeof src, "furui export: Cordero covalent radii (crystal/elements.h), tol %.2f", FU_COORD_TOL);
    if (!rc)
        rc = add_col(&t->feat, &t->nfeat, "packing_fraction", "1",
                     "atomic packing fraction: sum of (4/3)pi r_cov^3 over the cell / cell volume (Cordero covalent radii)",
                     "原子充填率（共有結合半径の球の体積の和／単位胞体積）", src, FU_COL_FEATURE, 0, err);
    const char *cn_name[3] = {"coordination_number_mean", "coordination_number_min", "coordination_number_max"};
    const char *cn_what[3] = {"mean", "minimum", "maximum"}, *cn_ja[3] = {"平均配位数", "最小配位数", "最大配位数"};
    for (int k = 0; k < 3 && !rc; k++) {
        char desc[256];
        snprintf(desc, sizeof desc,
                 "%s over atoms of the neighbours within (r_i + r_j)(1 + %.2f), Cordero covalent radii, periodic images",
                 cn_what[k], FU_COORD_TOL);
        rc = add_col(&t->feat, &t->nfeat, cn_name[k], "1", desc, cn_ja[k], src, FU_COL_FEATURE, 0, err);
    }
    for (size_t q = 0; q < nel && !rc; q++) {
        if (!ekeep[q]) continue;
        for (int s = 0; s < FU_MAGPIE_NSTAT && !rc; s++) {
            char name[160], desc[512], ja[256];
            snprintf(name, sizeof name, "MagpieData %s %s", stat_names[s], el[q].name);
            snprintf(desc, sizeof desc, "%s of the %s over the composition (matminer PropertyStats, weights = element amounts)",
                     stat_names[s], el[q].description);
            snprintf(ja, sizeof ja, "元素特性 %s の%s", el[q].name, stat_ja[s]);
            rc = add_col(&t->feat, &t->nfeat, name, el[q].unit, desc, ja, el[q].source, FU_COL_FEATURE, 0, err);
        }
    }

    /* values */
    size_t nrow = 0;
    for (size_t i = 0; i < n; i++) nrow += keep[i];
    if (!rc) {
        t->nrow = nrow;
        t->X = calloc((nrow ? nrow : 1) * (t->nfeat ? t->nfeat : 1), sizeof(double));
        t->Y = calloc((nrow ? nrow : 1) * (t->ntarget ? t->ntarget : 1), sizeof(double));
        t->meta_val = calloc((nrow ? nrow : 1) * (t->nmeta ? t->nmeta : 1), sizeof(char *));
        t->rec = calloc(nrow ? nrow : 1, sizeof(size_t));
        if (!t->X || !t->Y || !t->meta_val || !t->rec) rc = nomem(err);
    }
    size_t row = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        if (!keep[i]) continue;
        t->rec[row] = i;
        size_t m = 0, f = 0, y = 0;
        for (size_t p = 0; p < ncat && !rc; p++) {
            const fu_prop_def *d = &cat[p];
            if (strcmp(d->name, "state") == 0) continue;
            if (d->kind == FU_PROP_TEXT || meta[p]) {
                char num[64];
                const char *v = fu_prop_text(&pt, i, p);
                if (d->kind != FU_PROP_TEXT) {
                    snprintf(num, sizeof num, "%.17g", fu_prop_num(&pt, i, p));
                    v = num;
                }
                if (!(t->meta_val[row * t->nmeta + m++] = dupstr(v))) rc = nomem(err);
            } else if (d->target && tkeep[p]) {
                t->Y[row * t->ntarget + y++] = fu_prop_num(&pt, i, p);
            } else if (!d->target && fkeep[p]) {
                t->X[row * t->nfeat + f++] = fu_prop_num(&pt, i, p);
            }
        }
        double *x = &t->X[row * t->nfeat];
        x[f++] = sd[i].packing_fraction;
        x[f++] = sd[i].coord_mean;
        x[f++] = sd[i].coord_min;
        x[f++] = sd[i].coord_max;
        int zc[FU_MAX_Z + 1];
        double wc[FU_MAX_Z + 1];
        int nz = composition(&r->rec[i].res, zc, wc);
        for (size_t q = 0; q < nel && !rc; q++) {
            if (!ekeep[q]) continue;
            if (fu_magpie_stats(q, zc, wc, nz, &x[f]) != 0)
                rc = fu_fail(err, FU_EINTERNAL, "candidate %s: Magpie %s undefined after the NaN rule", r->rec[i].id,
                             el[q].name);
            f += FU_MAGPIE_NSTAT;
        }
        if (!rc && f != t->nfeat) rc = fu_fail(err, FU_EINTERNAL, "feature count mismatch (%zu != %zu)", f, t->nfeat);
        /* the promise of this module: no NaN in X or Y */
        for (size_t k = 0; k < t->nfeat && !rc; k++)
            if (!isfinite(x[k])) rc = fu_fail(err, FU_EINTERNAL, "candidate %s: %s is not finite", r->rec[i].id, t->feat[k].name);
        for (size_t k = 0; k < t->ntarget && !rc; k++)
            if (!isfinite(t->Y[row * t->ntarget + k]))
                rc = fu_fail(err, FU_EINTERNAL, "candidate %s: %s is not finite", r->rec[i].id, t->target[k].name);
        row++;
    }
    /* skips were found in two passes: report them in ID order */
    if (!rc && t->nskip) qsort(t->skip, t->nskip, sizeof *t->skip, cmp_skip);
    free(keep);
    free(sd);
    free(tkeep);
    free(fkeep);
    free(meta);
    free(ekeep);
    fu_prop_table_free(&pt);
    if (rc) fu_feature_table_free(t);
    return rc;
}
