#include "export/export.h"

#include <errno.h>
#include <hdf5.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/h5mem.h"
#include "core/hash.h"
#include "core/outdir.h"
#include "core/units.h"
#include "crystal/symmetry.h"
#include "dft/occupations.h"
#include "crystal/elements.h"
#include "export/csv.h"
#include "export/element_data.h"
#include "export/features.h"
#include "export/mdr.h"
#include "rank/catalog.h"
#include "export/rde.h"
#include "furui_git_version.h"
#include "results/store.h"
#include "results/pick.h"
#include "campaign/sweep.h"

#define EXPORT_FORMAT "furui.ml-export"
#define EXPORT_FORMAT_VERSION 1
#define PATHLEN 4200

/* Files of the bundle, in SHA256SUMS order; dataset.json last among the
 * data files because it records the checksums of the others. */
static const char *const data_files[] = {"features.csv", "features.h5", "skipped.csv", "structures.extxyz"};
#define NDATA (sizeof data_files / sizeof data_files[0])

/* ---- file helpers ---- */

/* dir/name into path[PATHLEN]; -1 if it does not fit. */
static int join(char *path, const char *dir, const char *name) {
    int n = snprintf(path, PATHLEN, "%s/%s", dir, name);
    return n < 0 || n >= PATHLEN ? -1 : 0;
}

static FILE *open_out(const char *dir, const char *name, char *path, fu_err *err) {
    FILE *f = join(path, dir, name) ? NULL : fopen(path, "w");
    if (!f) fu_fail(err, FU_EIO, "%s: cannot create: %s", path, strerror(errno));
    return f;
}

/* ---- features.csv / skipped.csv ---- */

static int write_features_csv(const char *dir, const fu_feature_table *t, fu_err *err) {
    char path[PATHLEN];
    FILE *f = open_out(dir, "features.csv", path, err);
    if (!f) return FU_EIO;
    fu_features_csv_write(f, t, 0, t->nrow);
    return fu_outdir_close(f, path, err);
}

static int write_skipped_csv(const char *dir, const fu_results *r, const fu_feature_table *t, fu_err *err) {
    char path[PATHLEN];
    FILE *f = open_out(dir, "skipped.csv", path, err);
    if (!f) return FU_EIO;
    fputs("id,label,state,cause,message,reason\r\n", f);
    for (size_t i = 0; i < t->nskip; i++) {
        const fu_skip *s = &t->skip[i];
        long k = fu_results_find(r, s->id);
        const fu_record *rec = k >= 0 ? &r->rec[k] : NULL;
        const char *fields[6] = {s->id, s->label, s->state, rec && rec->cause ? rec->cause : "",
                                 rec && rec->message ? rec->message : "", s->reason};
        for (int c = 0; c < 6; c++) {
            if (c) fputc(',', f);
            fu_csv_field(f, fields[c]);
        }
        fputs("\r\n", f);
    }
    return fu_outdir_close(f, path, err);
}

/* ---- structures.extxyz ---- */

static int write_extxyz(const char *dir, const fu_results *r, const fu_feature_table *t, fu_err *err) {
    char path[PATHLEN];
    FILE *f = open_out(dir, "structures.extxyz", path, err);
    if (!f) return FU_EIO;
    const double fconv = FU_HA_EV / FU_BOHR_ANGSTROM;
    for (size_t i = 0; i < t->nrow; i++) {
        const fu_record *rec = &r->rec[t->rec[i]];
        const fu_cand_result *res = &rec->res;
        double lat[3][3];
        for (int a = 0; a < 3; a++)
            for (int x = 0; x < 3; x++) lat[a][x] = res->lattice[a][x] * FU_BOHR_ANGSTROM;
        int forces = res->have_forces && res->forces;
        fprintf(f, "%d\nLattice=\"", res->natom);
        for (int a = 0; a < 3; a++)
            for (int x = 0; x < 3; x++) fprintf(f, "%s%.17g", a || x ? " " : "", lat[a][x]);
        /* "furui:" keeps ASE from reading an all-digit or exponent-like hex ID as a number */
        fprintf(f, "\" Properties=species:S:1:pos:R:3%s energy=%.17g pbc=\"T T T\" id=furui:%s formula=%s\n",
                forces ? ":forces:R:3" : "", res->etotal * FU_HA_EV, rec->id,
                res->formula && res->formula[0] ? res->formula : "X");
        for (int a = 0; a < res->natom; a++) {
            const char *sym = fu_element_symbol(res->atomic_number[a]);
            double p[3];
            for (int x = 0; x < 3; x++)
                p[x] = res->xred[a][0] * lat[0][x] + res->xred[a][1] * lat[1][x] + res->xred[a][2] * lat[2][x];
            fprintf(f, "%s %.17g %.17g %.17g", sym ? sym : "X", p[0], p[1], p[2]);
            if (forces)
                fprintf(f, " %.17g %.17g %.17g", res->forces[a][0] * fconv, res->forces[a][1] * fconv,
                        res->forces[a][2] * fconv);
            fputc('\n', f);
        }
    }
    return fu_outdir_close(f, path, err);
}

/* ---- features.h5 ---- */

static hid_t str_type(void) {
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    return t;
}

static int h5_strings(hid_t loc, const char *name, const char *const *s, size_t n, int attr) {
    hsize_t dim = n;
    hid_t sp = H5Screate_simple(1, &dim, NULL), ty = str_type();
    hid_t d = attr ? H5Acreate2(loc, name, ty, sp, H5P_DEFAULT, H5P_DEFAULT)
                   : H5Dcreate2(loc, name, ty, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    int ok = d >= 0;
    if (ok && n) ok = (attr ? H5Awrite(d, ty, s) : H5Dwrite(d, ty, H5S_ALL, H5S_ALL, H5P_DEFAULT, s)) >= 0;
    if (d >= 0) attr ? H5Aclose(d) : H5Dclose(d);
    H5Tclose(ty);
    H5Sclose(sp);
    return ok ? 0 : -1;
}

static int h5_attr_str(hid_t loc, const char *name, const char *value) {
    hid_t sp = H5Screate(H5S_SCALAR), ty = str_type();
    hid_t a = H5Acreate2(loc, name, ty, sp, H5P_DEFAULT, H5P_DEFAULT);
    int ok = a >= 0 && H5Awrite(a, ty, &value) >= 0;
    if (a >= 0) H5Aclose(a);
    H5Tclose(ty);
    H5Sclose(sp);
    return ok ? 0 : -1;
}

static int h5_attr_long(hid_t loc, const char *name, long long v) {
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(loc, name, H5T_NATIVE_LLONG, sp, H5P_DEFAULT, H5P_DEFAULT);
    int ok = a >= 0 && H5Awrite(a, H5T_NATIVE_LLONG, &v) >= 0;
    if (a >= 0) H5Aclose(a);
    H5Sclose(sp);
    return ok ? 0 : -1;
}

/* A float64 matrix with its column names, units and descriptions as
 * attributes and as sibling datasets (PREFIX_names, _units, _descriptions). */
static int h5_matrix(hid_t file, const char *name, const char *prefix, const double *v, size_t nrow,
                     const fu_col *cols, size_t ncol) {
    hsize_t dims[2] = {nrow, ncol};
    hid_t sp = H5Screate_simple(2, dims, NULL);
    hid_t d = H5Dcreate2(file, name, H5T_IEEE_F64LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    int ok = d >= 0;
    if (ok && nrow && ncol) ok = H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0;
    const char **names = calloc(ncol ? ncol : 1, sizeof *names), **units = calloc(ncol ? ncol : 1, sizeof *units),
               **desc = calloc(ncol ? ncol : 1, sizeof *desc);
    ok = ok && names && units && desc;
    for (size_t c = 0; ok && c < ncol; c++) {
        names[c] = cols[c].name;
        units[c] = cols[c].unit;
        desc[c] = cols[c].description;
    }
    char nm[64];
    if (ok) ok = h5_strings(d, "column_names", names, ncol, 1) == 0 && h5_strings(d, "units", units, ncol, 1) == 0 &&
                 h5_strings(d, "descriptions", desc, ncol, 1) == 0;
    snprintf(nm, sizeof nm, "%s_names", prefix);
    if (ok) ok = h5_strings(file, nm, names, ncol, 0) == 0;
    snprintf(nm, sizeof nm, "%s_units", prefix);
    if (ok) ok = h5_strings(file, nm, units, ncol, 0) == 0;
    snprintf(nm, sizeof nm, "%s_descriptions", prefix);
    if (ok) ok = h5_strings(file, nm, desc, ncol, 0) == 0;
    free(names);
    free(units);
    free(desc);
    if (d >= 0) H5Dclose(d);
    H5Sclose(sp);
    return ok ? 0 : -1;
}

static int write_h5(const char *dir, const fu_results *r, const fu_feature_table *t, const char *src_sha,
                    fu_err *err) {
    char path[PATHLEN];
    if (join(path, dir, "features.h5")) return fu_fail(err, FU_EINPUT, "%s: path too long", dir);
    hid_t f = fu_h5mem_create(path, err);
    int ok = f >= 0;
    size_t n = t->nrow;
    const char **ids = calloc(n ? n : 1, sizeof *ids), **forms = calloc(n ? n : 1, sizeof *forms),
               **labels = calloc(n ? n : 1, sizeof *labels);
    ok = ok && ids && forms && labels;
    for (size_t i = 0; ok && i < n; i++) {
        const fu_record *rec = &r->rec[t->rec[i]];
        ids[i] = rec->id;
        forms[i] = rec->res.formula ? rec->res.formula : "";
        labels[i] = rec->label ? rec->label : "";
    }
    if (ok) ok = h5_matrix(f, "X", "feature", t->X, n, t->feat, t->nfeat) == 0;
    if (ok) ok = h5_matrix(f, "Y", "target", t->Y, n, t->target, t->ntarget) == 0;
    if (ok) ok = h5_strings(f, "ids", ids, n, 0) == 0 && h5_strings(f, "formulas", forms, n, 0) == 0 &&
                 h5_strings(f, "labels", labels, n, 0) == 0;
    if (ok)
        ok = h5_attr_str(f, "format", EXPORT_FORMAT) == 0 && h5_attr_long(f, "format_version", EXPORT_FORMAT_VERSION) == 0 &&
             h5_attr_long(f, "n_rows", (long long)n) == 0 && h5_attr_str(f, "source_results_sha256", src_sha) == 0 &&
             h5_attr_str(f, "code_version", FURUI_VERSION) == 0 && h5_attr_str(f, "git_version", FURUI_GIT_VERSION) == 0 &&
             h5_attr_str(f, "description",
                         "furui ML export: X features [n_rows x n_features], Y targets [n_rows x n_targets], "
                         "no NaN; column units in X/Y attribute 'units'; full card in dataset.json") == 0;
    free(ids);
    free(forms);
    free(labels);
    if (f < 0) return err->code ? err->code : FU_EIO;
    if (!ok) {
        H5Fclose(f);
        return fu_fail(err, FU_EIO, "%s: cannot build the HDF5 file", path);
    }
    return fu_h5mem_commit(f, path, err); /* in memory until complete: a full disk cannot crash HDF5 */
}

/* ---- dataset.json ---- */

static json_t *jnum(double v) { return isfinite(v) ? json_real(v) : json_null(); }

static void utc_iso(double t, char *buf, size_t len) {
    time_t s = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&s, &tm) || !strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm)) snprintf(buf, len, "unknown");
}

static json_t *columns_json(const fu_feature_table *t) {
    json_t *a = json_array();
    const fu_col *sets[3] = {t->meta, t->feat, t->target};
    size_t ns[3] = {t->nmeta, t->nfeat, t->ntarget};
    const char *role[3] = {"meta", "feature", "target"};
    for (int s = 0; s < 3; s++)
        for (size_t c = 0; c < ns[s]; c++) {
            const fu_col *x = &sets[s][c];
            /* text columns have no unit (null); numbers always have one ("1" if dimensionless) */
            int text = s == 0 && !x->unit[0];
            const char *dtype = text ? "string" : x->is_int ? "int" : "float64";
            json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:o, s:s, s:s, s:s}", "name", x->name, "role", role[s],
                                               "dtype", dtype, "unit", text ? json_null() : json_string(x->unit[0] ? x->unit : "1"),
                                               "description", x->description, "description_ja", x->description_ja,
                                               "source", x->source));
        }
    return a;
}

static json_t *featurizer_json(void) {
    size_t nel;
    const fu_elprop_def *el = fu_elprop_defs(&nel);
    json_t *props = json_array();
    for (size_t q = 0; q < nel; q++)
        json_array_append_new(props, json_pack("{s:s, s:s, s:s, s:s}", "name", el[q].name, "unit", el[q].unit,
                                               "description", el[q].description, "source", el[q].source));
    json_t *stats = json_array();
    for (int s = 0; s < FU_MAGPIE_NSTAT; s++) json_array_append_new(stats, json_string(fu_magpie_stat_name(s)));
    char tol[32];
    snprintf(tol, sizeof tol, "%.2f", FU_COORD_TOL);
    return json_pack(
        "{s:{s:s, s:s, s:o, s:s, s:o, s:s, s:s, s:b}, s:{s:s, s:f, s:s, s:s}}", "magpie", "labels",
        "MagpieData {stat} {property}, matminer ElementProperty.from_preset('magpie') naming",
        "reference", "Ward et al., npj Comput. Mater. 2, 16028 (2016); matminer PropertyStats",
        "statistics", stats, "statistic_definitions",
        "minimum, maximum, range = max - min over the elements (unweighted); mean = sum x_i v_i; "
        "avg_dev = sum x_i |v_i - mean|; mode = value of the element with the largest amount (weights equal "
        "within numpy.isclose), ties -> the smallest value; x_i = atomic fractions",
        "element_properties", props, "omitted_properties", fu_elprop_omitted(), "element_data_generator",
        fu_elprop_generator(), "impute_nan", 0, "structure", "radius_set",
        "Cordero et al., Dalton Trans. 2008, 2832 (single-bond covalent radii, src/crystal/elements.h)",
        "coordination_tolerance", FU_COORD_TOL, "coordination_rule",
        "atoms i, j (all periodic images) are neighbours when |r_ij| <= (r_i + r_j)(1 + tolerance)",
        "packing_fraction", "sum over the cell's atoms of (4/3) pi r_cov^3 / cell volume");
}

/* A settings group: what the rows share (functional, cutoff, smearing) and one
 * pseudopotential per element. Rows of other compositions join a group as long as no element
 * of theirs has another pseudopotential there: groups are told apart by what differs, not by
 * composition (a 24-row sweep with one set of settings is one group). */
static int same_settings(const fu_cand_result *a, const fu_cand_result *b) {
    return !strcmp(a->xc ? a->xc : "", b->xc ? b->xc : "") && a->ecut == b->ecut && a->tsmear == b->tsmear &&
           !strcmp(a->smearing ? a->smearing : "", b->smearing ? b->smearing : "");
}

/* 1 if res fits group g (its pseudopotentials, json array of {element, name, sha256}), and
 * then adds the elements g lacks. */
static int join_group(json_t *psp, const fu_cand_result *res, int add) {
    for (int s = 0; s < res->nspecies; s++) {
        size_t k;
        json_t *p;
        json_array_foreach(psp, k, p) {
            if (strcmp(json_string_value(json_object_get(p, "element")), res->species[s])) continue;
            if (strcmp(json_string_value(json_object_get(p, "sha256")), res->psp_sha256[s]) ||
                strcmp(json_string_value(json_object_get(p, "name")), res->psp_name[s]))
                return 0;
        }
    }
    for (int s = 0; add && s < res->nspecies; s++) {
        size_t k;
        json_t *p;
        int have = 0;
        json_array_foreach(psp, k, p) have |= !strcmp(json_string_value(json_object_get(p, "element")), res->species[s]);
        if (!have)
            json_array_append_new(psp, fu_rde_psp_json(res, s));
    }
    return 1;
}

static json_t *provenance_json(const char *results_path, const char *src_sha, const fu_results *r,
                               const fu_feature_table *t) {
    json_t *prov = json_object();
    /* the exporting process */
    fu_run_info me;
    fu_run_info_local(&me);
    unsigned maj, min, rel;
    H5get_libversion(&maj, &min, &rel);
    char h5v[64], when[64];
    snprintf(h5v, sizeof h5v, "%u.%u.%u", maj, min, rel);
    utc_iso(me.time, when, sizeof when);
    json_object_set_new(prov, "exported_by",
                        json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "software", "furui", "version",
                                  FURUI_VERSION, "git", FURUI_GIT_VERSION, "build_type", FURUI_BUILD_TYPE,
                                  "mpi_library", me.mpi_library, "hdf5_version", h5v, "host", me.host, "time_utc", when));
    json_t *src = json_pack("{s:s, s:s, s:s, s:i, s:i}", "path", results_path, "sha256", src_sha, "schema",
                            FU_RESULTS_SCHEMA, "schema_version", r->schema_version, "n_candidates", (json_int_t)r->n);
    json_t *parts = json_array();
    for (size_t k = 0; k < r->nsources; k++)
        json_array_append_new(parts, json_pack("{s:s, s:s, s:s, s:i}", "path", r->sources[k].path ? r->sources[k].path : "",
                                               "kind", r->sources[k].kind, "sha256", r->sources[k].sha256,
                                               "n_candidates", (json_int_t)r->sources[k].ncand));
    json_object_set_new(src, "built_from", parts);
    json_object_set_new(prov, "source_results", src);
    /* screening sessions: code, build, MPI, hosts */
    json_t *runs = json_array(), *hosts = json_array();
    for (size_t k = 0; k < r->nruns; k++) {
        const fu_run_info *ri = &r->runs[k];
        utc_iso(ri->time, when, sizeof when);
        json_array_append_new(runs, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:i, s:i, s:s}", "time_utc", when,
                                              "code_version", ri->code_version, "git_version", ri->git_version,
                                              "build_type", ri->build_type, "mpi_library", ri->mpi_library, "host",
                                              ri->host, "ranks", ri->ranks, "group_size", ri->group_size,
                                              "shard_index", ri->shard_index, "shard_count", ri->shard_count,
                                              "sweep_sha256", ri->sweep_sha256));
        int seen = 0;
        for (size_t j = 0; j < k; j++) seen |= strcmp(r->runs[j].host, ri->host) == 0;
        if (!seen) json_array_append_new(hosts, json_string(ri->host));
    }
    json_object_set_new(prov, "screening_runs", runs);
    json_object_set_new(prov, "hosts", hosts);
    /* the sweep, verbatim: the first as "sweep", every one of a campaign merged from several
       as "sweeps" */
    char ssha[FU_SHA256_HEX_LEN] = "";
    const char *sweep = r->sweep ? r->sweep : "";
    fu_err e2 = {0};
    if (fu_sha256_hex(sweep, strlen(sweep), ssha, &e2)) ssha[0] = '\0';
    json_object_set_new(prov, "sweep", json_pack("{s:s, s:s}", "sha256", ssha, "text", sweep));
    size_t nsw = r->nsweeps ? r->nsweeps : 1;
    const char *const *texts = r->nsweeps ? (const char *const *)r->sweeps : &sweep;
    json_t *sweeps = json_array();
    char campaign[1024];
    fu_rde_campaign_name(r, campaign, sizeof campaign);
    json_object_set_new(prov, "campaign", json_string(campaign));
    /* convergence criteria: re-expanding the sweeps gives each candidate's SCF
     * parameters (matched by ID); best effort, the verbatim sweeps are above */
    fu_sweep *sw = calloc(nsw, sizeof *sw);
    int nparsed = 0;
    char why[FU_ERR_MSG_LEN + 128] = "";
    for (size_t k = 0; sw && k < nsw; k++) {
        char sha[FU_SHA256_HEX_LEN] = "", name[256];
        if (fu_sha256_hex(texts[k], strlen(texts[k]), sha, &e2)) sha[0] = '\0';
        fu_rde_sweep_name(texts[k], name, sizeof name);
        json_array_append_new(sweeps, json_pack("{s:s, s:s, s:s}", "name", name, "sha256", sha, "text", texts[k]));
        e2.msg[0] = '\0';
        if (texts[k][0] && fu_sweep_parse(texts[k], "sweep.yaml", &sw[k], &e2) == FU_OK) nparsed++;
        else if (!why[0])
            snprintf(why, sizeof why, "the sweep could not be re-expanded here (see provenance.sweeps): %s",
                     texts[k][0] ? e2.msg : "no sweep recorded");
    }
    json_object_set_new(prov, "sweeps", sweeps);
    if (nparsed == (int)nsw) snprintf(why, sizeof why, "sweep%s re-expanded by this furui, matched by candidate ID",
                                      nsw > 1 ? "s" : "");
    json_object_set_new(prov, "convergence_criteria_source", json_string(why));
    /* settings groups and per-row provenance */
    json_t *groups = json_array(), *cands = json_array();
    size_t *gidx = calloc(t->nrow ? t->nrow : 1, sizeof *gidx), ng = 0;
    for (size_t i = 0; gidx && i < t->nrow; i++) {
        const fu_record *rec = &r->rec[t->rec[i]];
        const fu_cand_result *res = &rec->res;
        size_t g = ng;
        for (size_t j = 0; j < ng && g == ng; j++) {
            /* the first row of group j */
            size_t first = 0;
            while (gidx[first] != j) first++;
            json_t *psp = json_object_get(json_array_get(groups, j), "pseudopotentials");
            if (same_settings(&r->rec[t->rec[first]].res, res) && join_group(psp, res, 1)) g = j;
        }
        gidx[i] = g;
        if (g == ng) {
            json_t *psp = json_array();
            join_group(psp, res, 1);
            json_array_append_new(groups, json_pack("{s:i, s:s, s:o, s:s, s:o, s:o}", "group", (json_int_t)ng,
                                                    "xc_functional", res->xc ? res->xc : "", "ecut_ev",
                                                    jnum(res->ecut * FU_HA_EV), "smearing",
                                                    res->smearing ? res->smearing : "", "smearing_width_ev",
                                                    jnum(res->tsmear * FU_HA_EV), "pseudopotentials", psp));
            ng++;
        }
        json_t *c = json_pack("{s:s, s:s, s:i, s:[i,i,i], s:[f,f,f], s:i, s:i, s:o, s:o, s:i}", "id", rec->id,
                              "label", rec->label ? rec->label : "", "settings_group", (json_int_t)g, "kpoint_mesh",
                              res->kgrid[0], res->kgrid[1], res->kgrid[2], "kpoint_shift", res->kshift[0],
                              res->kshift[1], res->kshift[2], "scf_converged", res->converged, "scf_iterations",
                              res->iterations, "scf_last_denergy_ev", jnum(res->last_denergy * FU_HA_EV),
                              "scf_last_drho", jnum(res->last_drho), "attempts", rec->attempt);
        const fu_candidate *hit = NULL;
        for (size_t q = 0; sw && q < nsw && !hit; q++)
            for (int k = 0; k < sw[q].n && !hit; k++)
                if (strcmp(sw[q].cand[k].id, rec->id) == 0) hit = &sw[q].cand[k];
        if (hit) {
            {
                const fu_scf_params *p = &hit->params;
                json_object_set_new(c, "convergence_criteria",
                                    json_pack("{s:i, s:o, s:o, s:o}", "max_iterations", p->max_iterations,
                                              "energy_tolerance_ev_per_cell", jnum(p->tol_energy * FU_HA_EV),
                                              "density_tolerance", jnum(p->tol_density), "symprec_angstrom",
                                              jnum(p->symprec * FU_BOHR_ANGSTROM)));
            }
        }
        json_array_append_new(cands, c);
    }
    free(gidx);
    for (size_t k = 0; sw && k < nsw; k++) fu_sweep_free(&sw[k]);
    free(sw);
    json_object_set_new(prov, "input_hash",
                        json_string("per candidate: id = first 16 hex digits of the SHA-256 of its physics inputs "
                                    "(structure and settings), as computed by furui screen"));
    json_object_set_new(prov, "settings_groups", groups);
    json_object_set_new(prov, "candidates", cands);
    return prov;
}

static int write_dataset_json(const char *dir, const char *results_path, const char *src_sha, const fu_results *r,
                              const fu_feature_table *t, char sums[][FU_SHA256_HEX_LEN], fu_err *err) {
    json_t *root = json_object();
    char when[64];
    utc_iso((double)time(NULL), when, sizeof when);
    json_object_set_new(root, "format", json_string(EXPORT_FORMAT));
    json_object_set_new(root, "format_version", json_integer(EXPORT_FORMAT_VERSION));
    json_object_set_new(root, "created_utc", json_string(when));
    json_object_set_new(root, "description",
                        json_string("Machine-learning dataset of a furui screening campaign: one row per converged "
                                    "candidate; features X, DFT targets Y; units per column"));
    json_object_set_new(root, "n_rows", json_integer((json_int_t)t->nrow));
    json_object_set_new(root, "n_features", json_integer((json_int_t)t->nfeat));
    json_object_set_new(root, "n_targets", json_integer((json_int_t)t->ntarget));
    json_object_set_new(root, "n_skipped", json_integer((json_int_t)t->nskip));
    json_object_set_new(root, "n_candidates", json_integer((json_int_t)r->n));
    json_t *files = json_object();
    for (size_t k = 0; k < NDATA; k++) json_object_set_new(files, data_files[k], json_pack("{s:s}", "sha256", sums[k]));
    json_object_set_new(root, "files", files);
    json_object_set_new(root, "columns", columns_json(t));
    json_t *dropped = json_array();
    for (size_t i = 0; i < t->ndropped; i++)
        json_array_append_new(dropped, json_pack("{s:s, s:s, s:s}", "name", t->dropped[i].name, "role",
                                                 t->dropped[i].role == FU_COL_TARGET ? "target" : "feature", "reason",
                                                 t->dropped[i].reason));
    json_object_set_new(root, "dropped_columns", dropped);
    json_object_set_new(
        root, "nan_rule",
        json_string("X and Y contain no NaN. Rows: only done, converged candidates (others in skipped.csv with "
                    "cause and message). A target missing for every such candidate is dropped (dropped_columns); "
                    "then a candidate lacking any remaining target is skipped with the reason. A feature unknown for "
                    "an element or candidate of the exported rows is dropped for the whole dataset (all six "
                    "statistics of a Magpie property). Nothing is imputed."));
    json_object_set_new(root, "featurizer", featurizer_json());
    json_object_set_new(root, "units_convention",
                        json_string("every column has a unit ('1' = dimensionless or count); energies eV, lengths "
                                    "angstrom, forces eV/angstrom (structures.extxyz), pressure GPa"));
    json_object_set_new(root, "provenance", provenance_json(results_path, src_sha, r, t));
    json_object_set_new(root, "license", json_string("PLACEHOLDER: set the license before publishing (e.g. CC-BY-4.0)"));
    json_object_set_new(root, "citation", json_string("PLACEHOLDER: add the citation (authors, title, DOI) before publishing"));
    char path[PATHLEN];
    if (join(path, dir, "dataset.json")) return fu_fail(err, FU_EINPUT, "%s: path too long", dir);
    char *text = json_dumps(root, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
    json_decref(root);
    if (!text) return fu_fail(err, FU_ENOMEM, "%s: cannot encode JSON", path);
    FILE *f = fopen(path, "w");
    if (!f) {
        free(text);
        return fu_fail(err, FU_EIO, "%s: cannot create: %s", path, strerror(errno));
    }
    fputs(text, f);
    fputc('\n', f);
    free(text);
    return fu_outdir_close(f, path, err);
}

/* extra: further files (paths relative to dir: the MDR draft and the RDE
 * zips), hashed here. */
static int write_sums(const char *dir, char sums[][FU_SHA256_HEX_LEN], char *const *extra, size_t nextra, fu_err *err) {
    char path[PATHLEN], p2[PATHLEN], sha[FU_SHA256_HEX_LEN];
    if (join(p2, dir, "dataset.json")) return fu_fail(err, FU_EINPUT, "%s: path too long", dir);
    int rc = fu_sha256_file(p2, sha, err);
    if (rc) return rc;
    FILE *f = open_out(dir, "SHA256SUMS", path, err);
    if (!f) return FU_EIO;
    fprintf(f, "%s  dataset.json\n", sha);
    for (size_t k = 0; k < NDATA; k++) fprintf(f, "%s  %s\n", sums[k], data_files[k]);
    for (size_t k = 0; k < nextra && !rc; k++) {
        rc = join(p2, dir, extra[k]) ? fu_fail(err, FU_EINPUT, "%s: path too long", dir) : fu_sha256_file(p2, sha, err);
        if (!rc) fprintf(f, "%s  %s\n", sha, extra[k]);
    }
    if (rc) {
        fclose(f);
        return rc;
    }
    return fu_outdir_close(f, path, err);
}

static void free_list(char **l, size_t n) {
    for (size_t i = 0; i < n; i++) free(l[i]);
    free(l);
}

/* rde/ and mdr/metadata.yaml; *extra receives the files for SHA256SUMS. */
static int write_rde_mdr(const char *dir, const fu_results *r, const fu_feature_table *t, const char *src_sha,
                         size_t max_tiles, size_t *npk, char ***extra, size_t *nextra, fu_err *err) {
    *extra = NULL;
    *nextra = 0;
    int rc = fu_rde_write(dir, r, t, src_sha, max_tiles ? max_tiles : FU_RDE_MAX_TILES, npk, err);
    if (rc) return rc;
    /* files of the export for the MDR filesets, then the SHA256SUMS extras */
    size_t nf = NDATA + 2 + *npk, ne = 1 + *npk;
    char **files = calloc(nf, sizeof *files), **ex = calloc(ne, sizeof *ex);
    const char **types = calloc(nf, sizeof *types);
    if (!files || !ex || !types) rc = fu_fail(err, FU_ENOMEM, "out of memory");
    static const char *const data_types[NDATA] = {"text/csv", "application/x-hdf5", "text/csv", "text/plain"};
    size_t k = 0;
    for (size_t i = 0; !rc && i < NDATA; i++, k++) {
        files[k] = strdup(data_files[i]);
        types[k] = data_types[i];
    }
    if (!rc) {
        files[k] = strdup("dataset.json");
        types[k++] = "application/json";
        files[k] = strdup("SHA256SUMS");
        types[k++] = "text/plain";
        ex[0] = strdup("mdr/metadata.yaml");
    }
    char nm[64];
    for (size_t p = 1; !rc && p <= *npk; p++, k++) {
        snprintf(nm, sizeof nm, "rde/rdeformat_%04zu.zip", p);
        files[k] = strdup(nm);
        types[k] = "application/zip";
        ex[p] = strdup(nm);
    }
    for (size_t i = 0; !rc && i < nf; i++)
        if (!files[i]) rc = fu_fail(err, FU_ENOMEM, "out of memory");
    for (size_t i = 0; !rc && i < ne; i++)
        if (!ex[i]) rc = fu_fail(err, FU_ENOMEM, "out of memory");
    char path[PATHLEN];
    if (!rc && (join(path, dir, "mdr") || (mkdir(path, 0755) != 0 && errno != EEXIST)))
        rc = fu_fail(err, FU_EIO, "%s/mdr: cannot create: %s", dir, strerror(errno));
    if (!rc && join(path, dir, "mdr/metadata.yaml")) rc = fu_fail(err, FU_EINPUT, "%s: path too long", dir);
    if (!rc) rc = fu_mdr_write(path, r, t, src_sha, (const char *const *)files, types, nf, err);
    if (files) free_list(files, nf);
    free(types);
    if (rc) {
        if (ex) free_list(ex, ne);
        return rc;
    }
    *extra = ex;
    *nextra = ne;
    return FU_OK;
}

/* ---- featurize: a sweep's candidates before any DFT ---- */

/* columns.csv: name, role (meta/feature), unit, description of every features.csv column. */
static int write_columns_csv(const char *dir, const fu_feature_table *t, fu_err *err) {
    char path[PATHLEN];
    FILE *f = open_out(dir, "columns.csv", path, err);
    if (!f) return FU_EIO;
    fputs("name,role,unit,description\r\n", f);
    const fu_col *sets[2] = {t->meta, t->feat};
    size_t ns[2] = {t->nmeta, t->nfeat};
    for (int s = 0; s < 2; s++)
        for (size_t c = 0; c < ns[s]; c++) {
            fu_csv_field(f, sets[s][c].name);
            fputs(s ? ",feature," : ",meta,", f);
            fu_csv_field(f, sets[s][c].unit ? sets[s][c].unit : "");
            fputc(',', f);
            fu_csv_field(f, sets[s][c].description ? sets[s][c].description : "");
            fputs("\r\n", f);
        }
    return fu_outdir_close(f, path, err);
}

static void report(fu_export_report *rep, const fu_results *r, const fu_feature_table *t) {
    rep->ncand = r->n;
    rep->nrow = t->nrow;
    rep->nskip = t->nskip;
    rep->nfeat = t->nfeat;
    rep->ntarget = t->ntarget;
    rep->ndropped = t->ndropped;
}

static int cmp_record_id(const void *a, const void *b) {
    return strcmp(((const fu_record *)a)->id, ((const fu_record *)b)->id);
}

/* A queued record holding candidate c's as-given structure and settings, as a
 * computed result holds its own (what the catalog and the features read). */
static int record_of_candidate(const fu_candidate *c, fu_record *rec, fu_err *err) {
    fu_record_init(rec);
    int rc = fu_record_set_id(rec, c->id, err);
    if (!rc) rc = fu_record_set_str(&rec->label, c->label, err);
    rec->state = c->valid ? FU_RECORD_QUEUED : FU_RECORD_INVALID;
    if (!rc && !c->valid) rc = fu_record_set_str(&rec->message, c->reason, err);
    if (rc || !c->valid || c->structure.natom < 1) return rc;
    const fu_structure *s = &c->structure;
    fu_cand_result *r = &rec->res;
    rc = fu_record_result_alloc(r, s->natom, 0, 0, s->nspecies, err);
    if (rc) return rc;
    rec->have_result = 1;
    memcpy(r->lattice, s->lattice, sizeof r->lattice);
    r->volume = fabs(fu_lattice_det((const double(*)[3])s->lattice));
    for (int a = 0; a < s->natom; a++) {
        r->atomic_number[a] = s->znucl[s->typat[a]];
        memcpy(r->xred[a], s->xred[a], sizeof r->xred[a]);
    }
    for (int sp = 0; sp < s->nspecies; sp++) snprintf(r->species[sp], sizeof r->species[sp], "%s", s->symbol[sp]);
    r->ecut = c->params.ecut;
    r->tsmear = c->params.tsmear;
    memcpy(r->kgrid, c->params.kgrid, sizeof r->kgrid);
    memcpy(r->kshift, c->params.kshift, sizeof r->kshift);
    r->etotal = r->gap = r->efermi = r->vbm = r->cbm = NAN;
    fu_symmetry sym;
    fu_err e2 = {0};
    if (fu_symmetry_find(s, c->params.symprec, &sym, &e2) == FU_OK) {
        r->spacegroup = sym.spacegroup_number;
        fu_symmetry_free(&sym);
    }
    char formula[256];
    fu_structure_formula_reduced(s, formula, sizeof formula);
    rc = fu_record_set_str(&r->formula, formula, err);
    if (!rc) rc = fu_record_set_str(&r->xc, c->params.xc, err);
    if (!rc) rc = fu_record_set_str(&r->smearing, fu_smearing_name(c->params.smearing), err);
    return rc;
}

int fu_featurize_run(const char *sweep_path, const char *out_dir, const fu_export_opts *opts,
                     fu_export_report *rep, fu_err *err) {
    if (rep) memset(rep, 0, sizeof *rep);
    fu_sweep sw;
    memset(&sw, 0, sizeof sw);
    int rc = fu_sweep_read(sweep_path, &sw, err);
    if (rc) return rc == FU_ENOMEM ? rc : FU_EINPUT;
    fu_outdir o;
    rc = fu_outdir_begin(&o, out_dir, opts && opts->force, err);
    if (rc) {
        fu_sweep_free(&sw);
        return rc;
    }
    fu_results r;
    memset(&r, 0, sizeof r);
    r.rec = calloc(sw.n ? (size_t)sw.n : 1, sizeof *r.rec);
    if (!r.rec) rc = fu_fail(err, FU_ENOMEM, "out of memory");
    /* the store's order: ascending IDs */
    for (int i = 0; i < sw.n && !rc; i++) {
        rc = record_of_candidate(&sw.cand[i], &r.rec[r.n], err);
        r.n++;
    }
    if (!rc) qsort(r.rec, r.n, sizeof *r.rec, cmp_record_id);
    fu_feature_table t;
    memset(&t, 0, sizeof t);
    if (!rc) rc = fu_features_build_unlabelled(&r, &t, err);
    if (!rc) rc = write_features_csv(o.tmp, &t, err);
    if (!rc) rc = write_skipped_csv(o.tmp, &r, &t, err);
    if (!rc) rc = write_columns_csv(o.tmp, &t, err);
    if (!rc) rc = fu_outdir_commit(&o, err);
    else fu_outdir_abort(&o);
    if (!rc && rep) report(rep, &r, &t);
    fu_feature_table_free(&t);
    fu_results_free(&r);
    fu_sweep_free(&sw);
    return rc;
}

/* ---- driver ---- */

int fu_export_run(const char *results_path, const char *out_dir, const fu_export_opts *opts, fu_export_report *rep,
                  fu_err *err) {
    if (rep) memset(rep, 0, sizeof *rep);
    fu_outdir o;
    int rc = fu_outdir_begin(&o, out_dir, opts && opts->force, err);
    if (rc) return rc;
    fu_results r;
    memset(&r, 0, sizeof r);
    fu_feature_table t;
    memset(&t, 0, sizeof t);
    char src_sha[FU_SHA256_HEX_LEN];
    rc = fu_results_load(results_path, &r, NULL, err); /* damaged: FU_EINPUT, unreadable: FU_EIO */
    if (!rc) rc = fu_sha256_file(results_path, src_sha, err);
    if (!rc) rc = fu_pick_stage(&r, opts ? opts->stage : NULL, NULL, err); /* one row per candidate */
    if (!rc) rc = fu_features_build_hull(&r, opts ? opts->hull : FU_HULL_AUTO, &t, err);
    const char *tmp = o.tmp;
    if (!rc) rc = write_features_csv(tmp, &t, err);
    if (!rc) rc = write_skipped_csv(tmp, &r, &t, err);
    if (!rc) rc = write_extxyz(tmp, &r, &t, err);
    if (!rc) rc = write_h5(tmp, &r, &t, src_sha, err);
    char sums[NDATA][FU_SHA256_HEX_LEN];
    for (size_t k = 0; k < NDATA && !rc; k++) {
        char p[PATHLEN];
        rc = join(p, tmp, data_files[k]) ? fu_fail(err, FU_EINPUT, "%s: path too long", tmp)
                                          : fu_sha256_file(p, sums[k], err);
    }
    size_t npk = 0, nextra = 0;
    char **extra = NULL;
    if (!rc && opts && opts->rde)
        rc = write_rde_mdr(tmp, &r, &t, src_sha, opts->rde_max_tiles, &npk, &extra, &nextra, err);
    if (!rc) rc = write_dataset_json(tmp, results_path, src_sha, &r, &t, sums, err);
    if (!rc) rc = write_sums(tmp, sums, extra, nextra, err);
    free_list(extra, nextra);
    /* into place: an old DIR goes only after the new one is complete */
    if (!rc) rc = fu_outdir_commit(&o, err);
    else fu_outdir_abort(&o);
    if (!rc && rep) {
        report(rep, &r, &t);
        rep->npackages = npk;
    }
    fu_feature_table_free(&t);
    fu_results_free(&r);
    return rc;
}
