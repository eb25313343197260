#include "rank/shortlist.h"
#include "results/pick.h"

#include <hdf5.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/h5mem.h"
#include "core/hash.h"
#include "core/outdir.h"
#include "core/units.h"
#include "crystal/elements.h"
#include "crystal/poscar.h"
#include "furui_git_version.h"
#include "rank/rank_expr.h"
#include "results/store.h"

#define SHORTLIST_FORMAT "furui.shortlist"
#define SHORTLIST_FORMAT_VERSION 1

int fu_rank_sort_parse(const char *text, fu_rank_sort *s, fu_err *err) {
    memset(s, 0, sizeof *s);
    const char *p = text ? text : "";
    for (;;) {
        size_t col = (size_t)(p - text) + 1;
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        char key[128];
        if (len >= sizeof key) return fu_fail(err, FU_EINPUT, "--sort: position %zu: key too long", col);
        memcpy(key, p, len);
        key[len] = '\0';
        int desc = 0;
        char *k = key;
        while (*k == ' ') k++;
        for (size_t l = strlen(k); l && k[l - 1] == ' '; l--) k[l - 1] = '\0';
        if (*k == '-') desc = 1, k++;
        else if (*k == '+') k++;
        char *colon = strchr(k, ':');
        if (colon) {
            if (!strcmp(colon + 1, "desc")) desc = 1;
            else if (strcmp(colon + 1, "asc") != 0)
                return fu_fail(err, FU_EINPUT, "--sort: position %zu: '%s': order must be ':asc' or ':desc'", col, k);
            *colon = '\0';
        }
        if (!*k) return fu_fail(err, FU_EINPUT, "--sort: position %zu: empty key", col);
        long i = fu_prop_find(k);
        if (i < 0) {
            const char *hint = fu_prop_suggest(k);
            return fu_fail(err, FU_EINPUT, "--sort: position %zu: unknown property '%s'%s%s%s", col, k,
                           hint ? " (did you mean '" : "", hint ? hint : "", hint ? "'?)" : "");
        }
        if (s->nkey == FU_RANK_MAX_KEYS)
            return fu_fail(err, FU_EINPUT, "--sort: position %zu: more than %d keys", col, FU_RANK_MAX_KEYS);
        s->prop[s->nkey] = i;
        s->desc[s->nkey++] = desc;
        if (!end) break;
        p = end + 1;
    }
    return FU_OK;
}

/* ---- selection ---- */

typedef struct {
    size_t row;
    const fu_prop_table *t;
    const fu_rank_sort *s;
} item;

static int cmp_item(const void *pa, const void *pb) {
    const item *a = pa, *b = pb;
    size_t np;
    const fu_prop_def *d = fu_prop_catalog(&np);
    for (size_t k = 0; k < a->s->nkey; k++) {
        size_t p = (size_t)a->s->prop[k];
        int c;
        if (d[p].kind == FU_PROP_TEXT) {
            const char *x = fu_prop_text(a->t, a->row, p), *y = fu_prop_text(b->t, b->row, p);
            if (!*x != !*y) return !*x ? 1 : -1; /* empty = missing: last */
            c = strcmp(x, y);
        } else {
            double x = fu_prop_num(a->t, a->row, p), y = fu_prop_num(b->t, b->row, p);
            if (isnan(x) != isnan(y)) return isnan(x) ? 1 : -1;
            c = isnan(x) ? 0 : (x > y) - (x < y);
        }
        if (c) return a->s->desc[k] ? -c : c;
    }
    long id = fu_prop_find("id");
    return strcmp(fu_prop_text(a->t, a->row, (size_t)id), fu_prop_text(b->t, b->row, (size_t)id));
}

static int considered(const fu_prop_table *t, size_t row, int all_states) {
    return all_states || !strcmp(fu_prop_text(t, row, (size_t)fu_prop_find("state")), "done");
}

int fu_rank_select(const fu_prop_table *t, const char *where, const fu_rank_sort *sort, int all_states,
                   size_t limit, size_t **idx, size_t *nsel, fu_rank_report *rep, fu_err *err) {
    *idx = NULL;
    *nsel = 0;
    fu_rank_report r = {.ncand = t->nrow};
    fu_rank_expr *e = NULL;
    if (where) {
        fu_err e2 = {0};
        if (fu_rank_expr_parse(where, &e, &e2)) return fu_fail(err, e2.code, "--where: %s", e2.msg);
    }
    item *it = malloc((t->nrow ? t->nrow : 1) * sizeof *it);
    if (!it) {
        fu_rank_expr_free(e);
        return fu_fail(err, FU_ENOMEM, "out of memory ranking %zu candidates", t->nrow);
    }
    fu_rank_sort none = {0};
    size_t n = 0;
    for (size_t i = 0; i < t->nrow; i++) {
        if (!considered(t, i, all_states)) continue;
        r.nconsidered++;
        int v = e ? fu_rank_expr_eval(e, t, i) : 1;
        if (v < 0) r.nunknown++;
        if (v == 1) it[n++] = (item){i, t, sort ? sort : &none};
    }
    fu_rank_expr_free(e);
    qsort(it, n, sizeof *it, cmp_item);
    r.nmatched = n;
    if (limit && n > limit) n = limit;
    size_t *out = malloc((n ? n : 1) * sizeof *out);
    if (!out) {
        free(it);
        return fu_fail(err, FU_ENOMEM, "out of memory ranking %zu candidates", t->nrow);
    }
    for (size_t k = 0; k < n; k++) out[k] = it[k].row;
    free(it);
    r.nselected = n;
    *idx = out;
    *nsel = n;
    if (rep) *rep = r;
    return FU_OK;
}

/* ---- writers ---- */

static void csv_value(FILE *f, const fu_prop_def *d, const fu_prop_table *t, size_t row, size_t p) {
    if (d->kind == FU_PROP_TEXT) {
        fu_csv_field(f, fu_prop_text(t, row, p));
        return;
    }
    double v = fu_prop_num(t, row, p);
    if (isnan(v)) return; /* empty field: pandas reads NaN */
    if (d->kind == FU_PROP_INT) fprintf(f, "%.0f", v);
    else fprintf(f, "%.17g", v);
}

/* rows[n] in order; ranks[n] (0: not selected) and selected flags when map. */
static int write_csv(fu_outdir *o, const char *name, const fu_prop_table *t, const size_t *rows, size_t n,
                     const size_t *rank_of, int map, fu_err *err) {
    char path[FU_OUTDIR_PATHLEN];
    FILE *f = fu_outdir_open(o, name, path, err);
    if (!f) return err->code;
    size_t np;
    const fu_prop_def *d = fu_prop_catalog(&np);
    fputs(map ? "selected,rank" : "rank", f);
    for (size_t p = 0; p < np; p++) fprintf(f, ",%s", d[p].name);
    fputc('\n', f);
    for (size_t k = 0; k < n; k++) {
        size_t rank = rank_of ? rank_of[rows[k]] : k + 1;
        if (map) fprintf(f, "%d,%zu", rank > 0, rank);
        else fprintf(f, "%zu", rank);
        for (size_t p = 0; p < np; p++) {
            fputc(',', f);
            csv_value(f, &d[p], t, rows[k], p);
        }
        fputc('\n', f);
    }
    return fu_outdir_close(f, path, err);
}

static int write_h5(fu_outdir *o, const char *results_path, const char *sha, const fu_rank_opts *opts,
                    const fu_prop_table *t, const size_t *rows, size_t n, const fu_rank_report *rep, fu_err *err) {
    char path[FU_OUTDIR_PATHLEN + 16];
    if (snprintf(path, sizeof path, "%s/shortlist.h5", o->tmp) >= (int)sizeof path)
        return fu_fail(err, FU_EINPUT, "%s: path too long", o->tmp);
    hid_t f = fu_h5mem_create(path, err);
    if (f < 0) return err->code ? err->code : FU_EIO;
    char num[64];
    herr_t st = 0;
    st |= fu_h5_attr_str(f, "format", SHORTLIST_FORMAT);
    snprintf(num, sizeof num, "%d", SHORTLIST_FORMAT_VERSION);
    st |= fu_h5_attr_str(f, "format_version", num);
    st |= fu_h5_attr_str(f, "code_version", FURUI_VERSION);
    st |= fu_h5_attr_str(f, "git_version", FURUI_GIT_VERSION);
    st |= fu_h5_attr_str(f, "where", opts->where ? opts->where : "");
    st |= fu_h5_attr_str(f, "sort", opts->sort ? opts->sort : "id");
    st |= fu_h5_attr_str(f, "source", results_path);
    st |= fu_h5_attr_str(f, "source_sha256", sha);
    snprintf(num, sizeof num, "%zu", rep->nconsidered);
    st |= fu_h5_attr_str(f, "candidates_considered", num);
    hid_t g = H5Gcreate2(f, "shortlist", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    size_t np;
    const fu_prop_def *d = fu_prop_catalog(&np);
    double *v = malloc((n ? n : 1) * sizeof *v);
    const char **s = malloc((n ? n : 1) * sizeof *s);
    hid_t vstr = H5Tcopy(H5T_C_S1);
    H5Tset_size(vstr, H5T_VARIABLE);
    H5Tset_cset(vstr, H5T_CSET_UTF8);
    hsize_t dim = n;
    if (g < 0 || !v || !s) st = -1;
    for (size_t k = 0; k < n && st >= 0; k++) v[k] = (double)(k + 1);
    if (st >= 0) st |= fu_h5_dset(g, "rank", H5T_NATIVE_DOUBLE, 1, &dim, v, "1");
    for (size_t p = 0; p < np && st >= 0; p++) {
        hid_t ds;
        if (d[p].kind == FU_PROP_TEXT) {
            for (size_t k = 0; k < n; k++) s[k] = fu_prop_text(t, rows[k], p);
            st |= fu_h5_dset(g, d[p].name, vstr, 1, &dim, s, d[p].unit);
        } else {
            for (size_t k = 0; k < n; k++) v[k] = fu_prop_num(t, rows[k], p);
            st |= fu_h5_dset(g, d[p].name, H5T_NATIVE_DOUBLE, 1, &dim, v, d[p].unit);
        }
        ds = st >= 0 ? H5Dopen2(g, d[p].name, H5P_DEFAULT) : -1;
        if (ds >= 0) {
            st |= fu_h5_attr_str(ds, "description", d[p].description);
            H5Dclose(ds);
        }
    }
    H5Tclose(vstr);
    free(v);
    free(s);
    if (g >= 0) H5Gclose(g);
    if (st < 0) {
        H5Fclose(f);
        return fu_fail(err, FU_EIO, "%s: cannot build the HDF5 file", path);
    }
    return fu_h5mem_commit(f, path, err);
}

/* The computed structure of a record, species in order of first appearance. */
static int record_structure(const fu_cand_result *res, fu_structure *s, fu_err *err) {
    int rc = fu_structure_alloc(s, res->natom, err);
    if (rc) return rc;
    memcpy(s->lattice, res->lattice, sizeof s->lattice);
    for (int a = 0; a < res->natom; a++) {
        int z = res->atomic_number[a], sp = 0;
        while (sp < s->nspecies && s->znucl[sp] != z) sp++;
        if (sp == s->nspecies) {
            const char *sym = fu_element_symbol(z);
            if (sp == FU_MAX_SPECIES || !sym) {
                fu_structure_free(s);
                return fu_fail(err, FU_EINPUT, "atom %d: atomic number %d not usable", a + 1, z);
            }
            s->znucl[sp] = z;
            snprintf(s->symbol[sp], FU_SYMBOL_LEN, "%s", sym);
            s->nspecies++;
        }
        s->typat[a] = sp;
        memcpy(s->xred[a], res->xred[a], sizeof s->xred[a]);
    }
    return FU_OK;
}

/* RANK_LABEL: the label's first two '/'-separated parts (formula and
 * prototype for sweep labels; the rest repeats the settings), reduced to
 * file-name-safe characters. */
static void structure_name(char *buf, size_t len, size_t rank, const char *label, const char *id) {
    char safe[48];
    size_t k = 0;
    int slashes = 0;
    for (const char *c = label && *label ? label : id; *c && k < sizeof safe - 1 && !(*c == '/' && ++slashes == 2);
         c++)
        safe[k++] = (char)((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
                                   *c == '-' || *c == '.' || *c == '_'
                               ? *c
                               : '_');
    safe[k] = '\0';
    snprintf(buf, len, "%04zu_%s", rank, safe);
}

/* An SCF input (input/README.md) of the candidate at its computed structure
 * with the campaign's settings, for the next step (furui scf, bands, relax).
 * SCF tolerances are not stored in a results file: the defaults apply. */
static void write_scf_input(FILE *f, const fu_record *rec, const char *base) {
    const fu_cand_result *r = &rec->res;
    fprintf(f, "# furui rank: candidate %s (%s) at its computed structure, with the campaign's\n"
               "# settings (SCF tolerances: defaults). furui scf|bands|relax %s.yaml\n",
            rec->id, rec->label ? rec->label : "", base);
    fprintf(f, "structure: {poscar: %s.vasp}\npseudopotentials:\n", base);
    for (int sp = 0; sp < r->nspecies; sp++) {
        const fu_cand_psp *q = r->psp ? &r->psp[sp] : NULL;
        if (q && q->path[0] && strcmp(q->format, "gth") != 0 && !strpbrk(q->path, "\"\\")) {
            /* a psp8 or UPF file: the file the campaign read (results of furui >= journal v4) */
            fprintf(f, "  %s: \"%s\"\n", r->species[sp], q->path);
            continue;
        }
        size_t l = strlen(r->psp_name[sp]);
        int hgh = l > 4 && strcmp(r->psp_name[sp] + l - 4, ".hgh") == 0; /* ABINIT's files, else CP2K's */
        fprintf(f, "  %s: \"%s:%s\"\n", r->species[sp], hgh ? "abinit" : "cp2k", r->psp_name[sp]);
    }
    fprintf(f, "xc: %s\necut: %.17g Ha\n", r->xc && *r->xc ? r->xc : "lda", r->ecut);
    fprintf(f, "kpoints: {grid: [%d, %d, %d], shift: [%.17g, %.17g, %.17g]}\n", r->kgrid[0], r->kgrid[1],
            r->kgrid[2], r->kshift[0], r->kshift[1], r->kshift[2]);
    if (r->smearing && strcmp(r->smearing, "none") != 0)
        fprintf(f, "smearing: {kind: %s, width: %.17g Ha}\n", r->smearing, r->tsmear);
    if (fu_cand_nspin(r) == 2 && r->natom > 0) { /* start from the moment found, spread over the atoms */
        fprintf(f, "spin: {polarized: true, moments: {");
        for (int sp = 0; sp < r->nspecies; sp++)
            fprintf(f, "%s%s: %.6g", sp ? ", " : "", r->species[sp], r->magnetization / r->natom);
        fprintf(f, "}}\n");
    }
    fprintf(f, "compute: {forces: true, stress: true}\n");
}

static int write_structures(fu_outdir *o, const fu_results *r, const size_t *rows, size_t n, fu_err *err) {
    int rc = fu_outdir_mkdir(o, "structures", err);
    for (size_t k = 0; k < n && !rc; k++) {
        const fu_record *rec = &r->rec[rows[k]];
        if (!rec->have_result || rec->res.natom <= 0) continue; /* only with all_states */
        fu_structure s;
        rc = record_structure(&rec->res, &s, err);
        if (rc) return fu_fail(err, rc, "candidate %s: %s", rec->id, err->msg);
        char base[128], name[160], path[FU_OUTDIR_PATHLEN], comment[200];
        structure_name(base, sizeof base, k + 1, rec->label, rec->id);
        snprintf(comment, sizeof comment, "furui rank %zu: %s (candidate %s)", k + 1, rec->label ? rec->label : "",
                 rec->id);
        for (int fmt = 0; fmt < 3 && !rc; fmt++) {
            static const char *const ext[3] = {"vasp", "cif", "yaml"};
            snprintf(name, sizeof name, "structures/%s.%s", base, ext[fmt]);
            FILE *f = fu_outdir_open(o, name, path, err);
            if (!f) {
                rc = err->code;
                break;
            }
            if (fmt == 0) rc = fu_poscar_write(f, &s, comment, err);
            else if (fmt == 1) rc = fu_cif_write(f, &s, rec->label && *rec->label ? rec->label : rec->id, err);
            else write_scf_input(f, rec, base);
            int rc2 = fu_outdir_close(f, path, err);
            if (!rc) rc = rc2;
        }
        fu_structure_free(&s);
    }
    return rc;
}

int fu_rank_run(const char *results_path, const char *out_dir, const fu_rank_opts *opts, fu_rank_report *rep,
                fu_err *err) {
    fu_rank_opts none = {0};
    if (!opts) opts = &none;
    if (rep) memset(rep, 0, sizeof *rep);
    fu_rank_sort sort;
    int rc = fu_rank_sort_parse(opts->sort ? opts->sort : "id", &sort, err);
    if (rc) return rc;
    if (opts->where) { /* parse errors before touching any file */
        fu_rank_expr *e = NULL;
        fu_err e2 = {0};
        if (fu_rank_expr_parse(opts->where, &e, &e2)) return fu_fail(err, e2.code, "--where: %s", e2.msg);
        fu_rank_expr_free(e);
    }
    fu_outdir o;
    rc = fu_outdir_begin(&o, out_dir, opts->force, err);
    if (rc) return rc;
    fu_results r;
    memset(&r, 0, sizeof r);
    fu_prop_table t;
    memset(&t, 0, sizeof t);
    size_t *rows = NULL, nsel = 0, *all = NULL, nall = 0, *rank_of = NULL;
    char sha[FU_SHA256_HEX_LEN];
    fu_rank_report rr = {0};
    rc = fu_results_load(results_path, &r, NULL, err); /* damaged: FU_EINPUT, unreadable: FU_EIO */
    if (!rc) rc = fu_sha256_file(results_path, sha, err);
    if (!rc) rc = fu_pick_stage(&r, opts->stage, NULL, err); /* one row per candidate */
    fu_prop_options po = {(fu_hull_energies)opts->hull, NULL, 0, 0};
    if (!rc) rc = fu_prop_table_build_opts(&r, &po, &t, err);
    if (!rc) rc = fu_rank_select(&t, opts->where, &sort, opts->all_states, opts->limit, &rows, &nsel, &rr, err);
    if (!rc) { /* every considered candidate, in ID order, for the map */
        all = malloc((t.nrow ? t.nrow : 1) * sizeof *all);
        rank_of = calloc(t.nrow ? t.nrow : 1, sizeof *rank_of);
        if (!all || !rank_of) rc = fu_fail(err, FU_ENOMEM, "out of memory");
        for (size_t i = 0; i < t.nrow && !rc; i++)
            if (considered(&t, i, opts->all_states)) all[nall++] = i;
        for (size_t k = 0; k < nsel && !rc; k++) rank_of[rows[k]] = k + 1;
    }
    if (!rc) rc = write_csv(&o, "shortlist.csv", &t, rows, nsel, NULL, 0, err);
    if (!rc) rc = write_csv(&o, "candidates.csv", &t, all, nall, rank_of, 1, err);
    if (!rc) rc = write_h5(&o, results_path, sha, opts, &t, rows, nsel, &rr, err);
    if (!rc) rc = write_structures(&o, &r, rows, nsel, err);
    if (!rc) rc = fu_outdir_commit(&o, err);
    else fu_outdir_abort(&o);
    if (!rc && rep) *rep = rr;
    free(rows);
    free(all);
    free(rank_of);
    fu_prop_table_free(&t);
    fu_results_free(&r);
    return rc;
}
