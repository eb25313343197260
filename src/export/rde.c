/* RDE package writer (format: rde.h, src/export/README.md). */
#include "export/rde.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zip.h>

#include "core/hash.h"
#include "core/units.h"
#include "crystal/elements.h"
#include "crystal/poscar.h"
#include "export/csv.h"
#include "export/structure_png.h"
#include "furui_git_version.h"

#define PATHLEN 4200
#define RDE_IMAGE_SIZE 320 /* pixels of the main_image picture */

/* One metadata key: the two RDE "common" keys or a non-Magpie column of the
 * feature table (its name, unit and descriptions come from the catalog). */
typedef struct {
    const char *key, *type, *unit; /* unit NULL: none */
    const char *ja, *en, *desc;
    const char *fixed;             /* value of a common key, else NULL */
    fu_col_role role;
    size_t col;
} rde_item;

/* RDE's own common keys (NIMS templates use them; names as in NIMS XRD/AES
 * templates). "calculation" is our proposal: no NIMS source gives a
 * technical category for computations. */
static const rde_item common_items[] = {
    {"common.data_origin", "string", NULL, "データの起源", "Data Origin",
     "origin of the data: simulations (MDR/Hyrax vocabulary)", "simulations", FU_COL_META, 0},
    {"common.technical_category", "string", NULL, "技術カテゴリー", "Technical Category",
     "technical category; \"calculation\" is furui's proposal (no NIMS value for computations)",
     "calculation", FU_COL_META, 0},
};
#define NCOMMON (sizeof common_items / sizeof common_items[0])

static int is_magpie(const fu_col *c) { return strncmp(c->name, "MagpieData ", 11) == 0; }

/* 1 if numeric meta column c has a value in every row: a column some rows
 * lack (a computation diagnostic of an optional property) stays in
 * structured/ only, since every metadata key is defined for every tile. */
static int meta_number_everywhere(const fu_feature_table *t, size_t c) {
    for (size_t i = 0; i < t->nrow; i++)
        if (!isfinite(strtod(t->meta_val[i * t->nmeta + c], NULL))) return 0;
    return 1;
}

/* The metadata keys in metadata-def order; *n items. */
static rde_item *build_items(const fu_feature_table *t, size_t *n, fu_err *err) {
    size_t cap = NCOMMON + t->nmeta + t->nfeat + t->ntarget, k = 0;
    rde_item *it = calloc(cap, sizeof *it);
    if (!it) {
        fu_fail(err, FU_ENOMEM, "out of memory building the RDE metadata definition");
        return NULL;
    }
    for (size_t i = 0; i < NCOMMON; i++) it[k++] = common_items[i];
    const fu_col *sets[3] = {t->meta, t->feat, t->target};
    size_t ns[3] = {t->nmeta, t->nfeat, t->ntarget};
    const fu_col_role roles[3] = {FU_COL_META, FU_COL_FEATURE, FU_COL_TARGET};
    for (int s = 0; s < 3; s++)
        for (size_t c = 0; c < ns[s]; c++) {
            const fu_col *x = &sets[s][c];
            if (is_magpie(x)) continue; /* in structured/ only: 100+ statistics are not metadata */
            if (s == 0 && x->unit[0] && !meta_number_everywhere(t, c)) continue; /* e.g. EOS diagnostics */
            rde_item *y = &it[k++];
            y->key = x->name;
            y->type = s == 0 && !x->unit[0] ? "string" : x->is_int ? "integer" : "number";
            y->unit = x->unit[0] ? x->unit : NULL;
            y->en = x->description;
            y->ja = x->description_ja[0] ? x->description_ja : x->description;
            y->desc = x->description;
            y->role = roles[s];
            y->col = c;
        }
    *n = k;
    return it;
}

static json_t *metadata_def_json(const rde_item *it, size_t n) {
    json_t *root = json_object();
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_pack("{s:{s:s, s:s}, s:{s:s}}", "name", "ja", it[i].ja, "en", it[i].en, "schema", "type",
                              it[i].type);
        if (it[i].unit) json_object_set_new(e, "unit", json_string(it[i].unit));
        json_object_set_new(e, "description", json_string(it[i].desc));
        json_object_set_new(e, "order", json_integer((json_int_t)i + 1));
        json_object_set_new(root, it[i].key, e);
    }
    return root;
}

/* s cut to at most FU_RDE_STRING_MAX bytes at a UTF-8 boundary, "..."
 * marking the cut (the full value stays in structured/). */
static json_t *bounded_string(const char *s) {
    size_t len = strlen(s);
    if (len <= FU_RDE_STRING_MAX) return json_string(s);
    size_t keep = FU_RDE_STRING_MAX - 3;
    while (keep > 0 && ((unsigned char)s[keep] & 0xC0) == 0x80) keep--;
    char *b = malloc(keep + 4);
    if (!b) return NULL;
    memcpy(b, s, keep);
    memcpy(b + keep, "...", 4);
    json_t *j = json_string(b);
    free(b);
    return j;
}

static json_t *item_value(const rde_item *it, const fu_feature_table *t, size_t row) {
    if (it->fixed) return json_string(it->fixed);
    int is_str = strcmp(it->type, "string") == 0, is_int = strcmp(it->type, "integer") == 0;
    double v;
    if (it->role == FU_COL_META) {
        const char *s = t->meta_val[row * t->nmeta + it->col];
        if (is_str) return bounded_string(s);
        v = strtod(s, NULL);
    } else {
        v = it->role == FU_COL_FEATURE ? t->X[row * t->nfeat + it->col] : t->Y[row * t->ntarget + it->col];
    }
    if (!isfinite(v)) return json_null(); /* not reached: the feature table holds no NaN */
    return is_int ? json_integer((json_int_t)llround(v)) : json_real(v);
}

static json_t *metadata_json(const rde_item *it, size_t n, const fu_feature_table *t, size_t row) {
    json_t *c = json_object();
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_object();
        json_object_set_new(e, "value", item_value(&it[i], t, row));
        if (it[i].unit) json_object_set_new(e, "unit", json_string(it[i].unit));
        json_object_set_new(c, it[i].key, e);
    }
    return json_pack("{s:o, s:[]}", "constant", c, "variable");
}

/* ---- package files ---- */

/* A package goes straight into its zip (libzip keeps the buffers until
 * zip_close): no unzipped tree, so 10^4 candidates cost one file, not 6*10^4
 * (inode quotas of parallel file systems), and no second copy on disk. */
typedef struct {
    char zip_path[PATHLEN];
    zip_t *z;
    size_t n, cap;
    char **rel;                    /* entry names, in writing order */
    char (*sha)[FU_SHA256_HEX_LEN];
} pkg;

static void pkg_free(pkg *p) {
    for (size_t i = 0; i < p->n; i++) free(p->rel[i]);
    free(p->rel);
    free(p->sha);
    if (p->z) {
        zip_discard(p->z);
        remove(p->zip_path);
    }
    memset(p, 0, sizeof *p);
}

static int pkg_open(pkg *p, fu_err *err) {
    int ze = 0;
    p->z = zip_open(p->zip_path, ZIP_CREATE | ZIP_EXCL, &ze);
    if (p->z) return FU_OK;
    zip_error_t e;
    zip_error_init_with_code(&e, ze);
    int rc = fu_fail(err, FU_EIO, "%s: cannot create: %s", p->zip_path, zip_error_strerror(&e));
    zip_error_fini(&e);
    return rc;
}

static int pkg_put(pkg *p, const char *rel, const void *data, size_t len, fu_err *err) {
    if (p->n == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 64;
        char **r2 = realloc(p->rel, cap * sizeof *r2);
        if (r2) p->rel = r2;
        char(*s2)[FU_SHA256_HEX_LEN] = realloc(p->sha, cap * sizeof *s2);
        if (s2) p->sha = s2;
        if (!r2 || !s2) return fu_fail(err, FU_ENOMEM, "out of memory writing %s", p->zip_path);
        p->cap = cap;
    }
    int rc = fu_sha256_hex(data, len, p->sha[p->n], err);
    if (rc) return rc;
    void *copy = malloc(len ? len : 1);
    if (!copy || !(p->rel[p->n] = strdup(rel))) {
        free(copy);
        return fu_fail(err, FU_ENOMEM, "out of memory writing %s", p->zip_path);
    }
    memcpy(copy, data, len);
    zip_source_t *s = zip_source_buffer(p->z, copy, len, 1);
    zip_int64_t idx = s ? zip_file_add(p->z, rel, s, ZIP_FL_ENC_UTF_8) : -1;
    if (idx < 0) {
        if (s) zip_source_free(s);
        else free(copy);
        free(p->rel[p->n]);
        return fu_fail(err, FU_EIO, "%s: cannot add %s: %s", p->zip_path, rel, zip_strerror(p->z));
    }
    /* a PNG is deflated already */
    size_t l = strlen(rel);
    if (l > 4 && strcmp(rel + l - 4, ".png") == 0) zip_set_file_compression(p->z, (zip_uint64_t)idx, ZIP_CM_STORE, 0);
    p->n++;
    return FU_OK;
}

static int pkg_put_json(pkg *p, const char *rel, json_t *j, fu_err *err) {
    if (!j) return fu_fail(err, FU_ENOMEM, "%s:%s: cannot build JSON", p->zip_path, rel);
    /* indent 4, UTF-8 unescaped, definition order: as rdetoolkit writes metadata.json */
    char *text = json_dumps(j, JSON_INDENT(4) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
    json_decref(j);
    if (!text) return fu_fail(err, FU_ENOMEM, "%s:%s: cannot encode JSON", p->zip_path, rel);
    size_t len = strlen(text);
    char *t2 = realloc(text, len + 2);
    if (!t2) {
        free(text);
        return fu_fail(err, FU_ENOMEM, "%s:%s: cannot encode JSON", p->zip_path, rel);
    }
    t2[len] = '\n';
    t2[len + 1] = '\0';
    int rc = pkg_put(p, rel, t2, len + 1, err);
    free(t2);
    return rc;
}

static int cmp_rel(const void *a, const void *b) {
    return strcmp(**(char *const *const *)a, **(char *const *const *)b);
}

/* SHA256SUMS (sorted by path), then the zip is written and synced. */
static int pkg_finish(pkg *p, fu_err *err) {
    size_t n = p->n;
    char ***ord = malloc((n ? n : 1) * sizeof *ord); /* pointers to p->rel[i], sorted */
    if (!ord) return fu_fail(err, FU_ENOMEM, "out of memory writing %s", p->zip_path);
    for (size_t i = 0; i < n; i++) ord[i] = &p->rel[i];
    qsort(ord, n, sizeof *ord, cmp_rel);
    char *buf = NULL;
    size_t blen = 0;
    FILE *m = open_memstream(&buf, &blen);
    if (!m) {
        free(ord);
        return fu_fail(err, FU_ENOMEM, "out of memory writing %s", p->zip_path);
    }
    for (size_t i = 0; i < n; i++) fprintf(m, "%s  %s\n", p->sha[ord[i] - p->rel], *ord[i]);
    fclose(m);
    free(ord);
    int rc = pkg_put(p, "SHA256SUMS", buf, blen, err);
    free(buf);
    if (rc) return rc;
    if (zip_close(p->z) != 0) return fu_fail(err, FU_EIO, "%s: write failed: %s", p->zip_path, zip_strerror(p->z));
    p->z = NULL;
    FILE *f = fopen(p->zip_path, "rb");
    if (!f || fsync(fileno(f)) != 0) rc = fu_fail(err, FU_EIO, "%s: fsync failed: %s", p->zip_path, strerror(errno));
    if (f) fclose(f);
    return rc;
}

/* ---- per-tile raw files ---- */

/* The computed cell as a fu_structure (species in order of appearance). */
static int result_structure(const fu_cand_result *res, fu_structure *s, fu_err *err) {
    int rc = fu_structure_alloc(s, res->natom, err);
    if (rc) return rc;
    memcpy(s->lattice, res->lattice, sizeof s->lattice);
    for (int a = 0; a < res->natom; a++) {
        int z = res->atomic_number[a], sp = -1;
        for (int k = 0; k < s->nspecies; k++)
            if (s->znucl[k] == z) sp = k;
        if (sp < 0) {
            const char *sym = fu_element_symbol(z);
            if (s->nspecies >= FU_MAX_SPECIES || !sym)
                return fu_fail(err, FU_EINPUT, "atom %d: element Z=%d cannot be written as POSCAR", a + 1, z);
            sp = s->nspecies++;
            s->znucl[sp] = z;
            snprintf(s->symbol[sp], sizeof s->symbol[sp], "%s", sym);
        }
        s->typat[a] = sp;
        memcpy(s->xred[a], res->xred[a], sizeof s->xred[a]);
    }
    return FU_OK;
}

json_t *fu_rde_psp_json(const fu_cand_result *res, int s) {
    json_t *o = json_pack("{s:s, s:s, s:s}", "element", res->species[s], "name", res->psp_name[s], "sha256",
                          res->psp_sha256[s]);
    const fu_cand_psp *q = res->psp ? &res->psp[s] : NULL;
    if (!o || !q) return o;
    if (q->path[0]) json_object_set_new(o, "file", json_string(q->path));
    if (q->format[0]) json_object_set_new(o, "format", json_string(q->format));
    if (q->valence > 0) json_object_set_new(o, "valence_electrons", json_real(q->valence));
    if (q->hints[1] > 0)
        json_object_set_new(o, "cutoff_hints_ha", json_pack("{s:f, s:f, s:f}", "low", q->hints[0], "normal",
                                                            q->hints[1], "high", q->hints[2]));
    return o;
}

static json_t *settings_json(const fu_record *rec, const char *src_sha, const char *sweep_sha) {
    const fu_cand_result *res = &rec->res;
    json_t *psp = json_array();
    for (int s = 0; s < res->nspecies; s++)
        json_array_append_new(psp, fu_rde_psp_json(res, s));
    return json_pack("{s:s, s:s, s:s, s:s, s:f, s:s, s:f, s:[i,i,i], s:[f,f,f], s:o, s:{s:i, s:i, s:f, s:f}, s:s, s:s, "
                     "s:s}",
                     "id", rec->id, "label", rec->label ? rec->label : "", "software", "furui " FURUI_VERSION " (git "
                     FURUI_GIT_VERSION ")", "xc_functional", res->xc ? res->xc : "", "ecut_ev", res->ecut * FU_HA_EV,
                     "smearing", res->smearing ? res->smearing : "", "smearing_width_ev", res->tsmear * FU_HA_EV,
                     "kpoint_mesh", res->kgrid[0], res->kgrid[1], res->kgrid[2], "kpoint_shift", res->kshift[0],
                     res->kshift[1], res->kshift[2], "pseudopotentials", psp, "scf", "converged", res->converged,
                     "iterations", res->iterations, "last_denergy_ev", res->last_denergy * FU_HA_EV, "last_drho",
                     res->last_drho, "sweep_sha256", sweep_sha, "source_results_sha256", src_sha, "note",
                     "settings of the computed run; the verbatim sweep is in dataset.json (provenance.sweep)");
}

static int write_tile(pkg *p, size_t tile, const rde_item *it, size_t nit, const fu_results *r,
                      const fu_feature_table *t, size_t row, const char *src_sha, const char *sweep_sha, fu_err *err) {
    const fu_record *rec = &r->rec[t->rec[row]];
    char rel[256];
    snprintf(rel, sizeof rel, "divided/%04zu/meta/metadata.json", tile);
    int rc = pkg_put_json(p, rel, metadata_json(it, nit, t, row), err);
    /* structured: the candidate's row of features.csv, same header */
    char *buf = NULL;
    size_t len = 0;
    if (!rc) {
        FILE *m = open_memstream(&buf, &len);
        if (!m) return fu_fail(err, FU_ENOMEM, "out of memory writing %s", p->zip_path);
        fu_features_csv_write(m, t, row, row + 1);
        fclose(m);
        snprintf(rel, sizeof rel, "divided/%04zu/structured/%s.csv", tile, rec->id);
        rc = pkg_put(p, rel, buf, len, err);
        free(buf);
        buf = NULL;
    }
    /* raw: the computed structure and its settings */
    if (!rc) {
        fu_structure s;
        memset(&s, 0, sizeof s);
        rc = result_structure(&rec->res, &s, err);
        FILE *m = rc ? NULL : open_memstream(&buf, &len);
        if (!rc && !m) rc = fu_fail(err, FU_ENOMEM, "out of memory writing %s", p->zip_path);
        if (m) {
            char comment[512];
            snprintf(comment, sizeof comment, "furui %s %s", rec->id, rec->label ? rec->label : "");
            rc = fu_poscar_write(m, &s, comment, err);
            fclose(m);
        }
        fu_structure_free(&s);
        snprintf(rel, sizeof rel, "divided/%04zu/raw/%s.POSCAR", tile, rec->id);
        if (!rc) rc = pkg_put(p, rel, buf, len, err);
        free(buf);
    }
    if (!rc) {
        snprintf(rel, sizeof rel, "divided/%04zu/raw/%s.settings.json", tile, rec->id);
        rc = pkg_put_json(p, rel, settings_json(rec, src_sha, sweep_sha), err);
    }
    /* main_image: a picture of the cell (RDE's preview of the tile) */
    if (!rc) {
        double lat[3][3];
        for (int a = 0; a < 3; a++)
            for (int x = 0; x < 3; x++) lat[a][x] = rec->res.lattice[a][x] * FU_BOHR_ANGSTROM;
        buf = NULL;
        FILE *m = open_memstream(&buf, &len);
        if (!m) return fu_fail(err, FU_ENOMEM, "out of memory writing %s", p->zip_path);
        rc = fu_structure_png(m, lat, (const double(*)[3])rec->res.xred, rec->res.atomic_number, rec->res.natom,
                              RDE_IMAGE_SIZE, err);
        if (fclose(m) != 0 && !rc) rc = fu_fail(err, FU_ENOMEM, "out of memory writing %s", p->zip_path);
        snprintf(rel, sizeof rel, "divided/%04zu/main_image/%s.png", tile, rec->id);
        if (!rc) rc = pkg_put(p, rel, buf, len, err);
        free(buf);
    }
    return rc;
}

/* ---- invoice ---- */

static json_t *invoice_schema_json(const char *src_sha) {
    char id[128];
    snprintf(id, sizeof id, "urn:furui:rde:invoice-schema:%.16s", src_sha);
    return json_pack(
        "{s:s, s:s, s:s, s:s, s:[s], s:{s:{s:s, s:{s:s, s:s}, s:[s,s,s,s], s:{"
        "s:{s:s, s:{s:s, s:s}}, s:{s:s, s:{s:s, s:s}, s:s}, s:{s:s, s:{s:s, s:s}}, "
        "s:{s:s, s:{s:s, s:s}, s:i}, s:{s:s, s:{s:s, s:s}, s:i}}}}}",
        "$schema", "https://json-schema.org/draft/2020-12/schema", "$id", id, "description",
        "invoice of a furui screening export (RDEFormat package)", "type", "object", "required", "custom",
        "properties", "custom", "type", "object", "label", "ja", "固有情報", "en", "Custom Information", "required",
        "software", "source_results_sha256", "package_index", "package_count", "properties", "software", "type",
        "string", "label", "ja", "計算ソフトウェア", "en", "Software", "source_results_sha256", "type", "string",
        "label", "ja", "元の結果ファイルのSHA-256", "en", "Source results file SHA-256", "pattern", "^[0-9a-f]{64}$",
        "campaign", "type", "string", "label", "ja", "スクリーニング名", "en", "Screening campaign", "package_index",
        "type", "integer", "label", "ja", "パッケージ番号", "en", "Package index", "minimum", 1, "package_count",
        "type", "integer", "label", "ja", "パッケージ数", "en", "Package count", "minimum", 1);
}

void fu_rde_sweep_name(const char *sweep, char *out, size_t len) {
    out[0] = '\0';
    for (const char *l = sweep; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
        if (strncmp(l, "name:", 5) == 0) {
            l += 5;
            while (*l == ' ' || *l == '\t') l++;
            size_t n = strcspn(l, "\r\n#");
            while (n && (l[n - 1] == ' ' || l[n - 1] == '\t')) n--;
            snprintf(out, len, "%.*s", (int)n, l);
            return;
        }
}

void fu_rde_campaign_name(const fu_results *r, char *out, size_t len) {
    out[0] = '\0';
    size_t n = r->nsweeps;
    const char *const *texts = (const char *const *)r->sweeps;
    const char *one[1] = {r->sweep};
    if (!n) texts = one, n = 1;
    for (size_t i = 0; i < n; i++) {
        char name[256];
        fu_rde_sweep_name(texts[i], name, sizeof name);
        if (!name[0]) continue;
        int seen = 0; /* the same name twice: shards or resubmissions with an edited sweep */
        for (size_t j = 0; j < i && !seen; j++) {
            char other[256];
            fu_rde_sweep_name(texts[j], other, sizeof other);
            seen = strcmp(other, name) == 0;
        }
        size_t used = strlen(out);
        if (!seen && used + 1 < len) snprintf(out + used, len - used, "%s%s", used ? " + " : "", name);
    }
}

static json_t *invoice_json(const fu_results *r, const char *src_sha, size_t k, size_t np, size_t ntile) {
    char name[256], data_name[400], desc[1024];
    fu_rde_campaign_name(r, name, sizeof name);
    snprintf(data_name, sizeof data_name, "furui screening %s (package %zu of %zu)", name[0] ? name : "(unnamed)", k, np);
    snprintf(desc, sizeof desc,
             "DFT screening results exported by furui %s (git %s): %zu candidates in this package, one data tile "
             "each (divided/NNNN). Source results file SHA-256 %s.",
             FURUI_VERSION, FURUI_GIT_VERSION, ntile, src_sha);
    /* datasetId and dataOwnerId are RDE's identifiers: only the user has them */
    return json_pack("{s:s, s:{s:s, s:s, s:s, s:n, s:n, s:s}, s:{s:s, s:s, s:s, s:i, s:i}}", "datasetId", "",
                     "basic", "dateSubmitted", "", "dataOwnerId", "", "dataName", data_name, "instrumentId",
                     "experimentId", "description", desc, "custom", "software",
                     "furui " FURUI_VERSION " (git " FURUI_GIT_VERSION ")", "source_results_sha256", src_sha,
                     "campaign", name, "package_index", (int)k, "package_count", (int)np);
}

/* ---- driver ---- */

int fu_rde_write(const char *dir, const fu_results *r, const fu_feature_table *t, const char *src_sha,
                 size_t max_tiles, size_t *npackages, fu_err *err) {
    if (max_tiles < 1 || max_tiles > FU_RDE_MAX_TILES)
        return fu_fail(err, FU_EINPUT, "RDE: tiles per package must be 1..%d, got %zu", FU_RDE_MAX_TILES, max_tiles);
    char base[PATHLEN];
    if (snprintf(base, sizeof base, "%s/rde", dir) >= (int)sizeof base) return fu_fail(err, FU_EINPUT, "%s: path too long", dir);
    if (mkdir(base, 0755) != 0 && errno != EEXIST) return fu_fail(err, FU_EIO, "%s: cannot create: %s", base, strerror(errno));
    size_t nit = 0;
    rde_item *it = build_items(t, &nit, err);
    if (!it) return FU_ENOMEM;
    char sweep_sha[FU_SHA256_HEX_LEN] = "";
    const char *sweep = r->sweep ? r->sweep : "";
    int rc = fu_sha256_hex(sweep, strlen(sweep), sweep_sha, err);
    size_t np = t->nrow ? (t->nrow + max_tiles - 1) / max_tiles : 1;
    for (size_t k = 1; k <= np && !rc; k++) {
        pkg p;
        memset(&p, 0, sizeof p);
        if (snprintf(p.zip_path, sizeof p.zip_path, "%s/rdeformat_%04zu.zip", base, k) >= (int)sizeof p.zip_path)
            rc = fu_fail(err, FU_EINPUT, "%s: path too long", base);
        else
            rc = pkg_open(&p, err);
        size_t r0 = (k - 1) * max_tiles, r1 = r0 + max_tiles < t->nrow ? r0 + max_tiles : t->nrow;
        if (r0 > r1) r0 = r1;
        if (!rc) rc = pkg_put_json(&p, "tasksupport/metadata-def.json", metadata_def_json(it, nit), err);
        if (!rc) rc = pkg_put_json(&p, "tasksupport/invoice.schema.json", invoice_schema_json(src_sha), err);
        if (!rc) rc = pkg_put_json(&p, "invoice/invoice.json", invoice_json(r, src_sha, k, np, r1 - r0), err);
        for (size_t row = r0; row < r1 && !rc; row++)
            rc = write_tile(&p, row - r0 + 1, it, nit, r, t, row, src_sha, sweep_sha, err);
        if (!rc) rc = pkg_finish(&p, err);
        pkg_free(&p);
    }
    free(it);
    if (!rc && npackages) *npackages = np;
    return rc;
}
