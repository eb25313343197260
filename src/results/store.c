#include "results/store.h"
#include "results/diff.h"

#include "core/h5mem.h"

#include <errno.h>
#include <fcntl.h>
#include <hdf5.h>
#include <libgen.h>
#include <math.h>
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/atomicfile.h"
#include "core/hash.h"
#include "core/regfile.h"
#include "props/warnings.h"
#include "results/idmap.h"

#define ID_BUF (FU_CAND_ID_LEN + 1)

/* ---- small helpers -------------------------------------------------------- */

static void iso_utc(double t, char buf[32]) {
    if (!(t > 0)) {
        buf[0] = '\0';
        return;
    }
    time_t s = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&s, &tm) || !strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm)) buf[0] = '\0';
}

static double now_unix(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static char *dup_str(const char *s) {
    size_t n = s ? strlen(s) : 0;
    char *c = malloc(n + 1);
    if (c) {
        if (n) memcpy(c, s, n);
        c[n] = '\0';
    }
    return c;
}

static int cmp_rec(const void *a, const void *b) {
    return strcmp(((const fu_cand_record *)a)->id, ((const fu_cand_record *)b)->id);
}

static int cmp_id(const void *a, const void *b) { return strcmp((const char *)a, (const char *)b); }

/* rename() is durable only once the directory entry is on disk. */
static int sync_parent_dir(const char *path) {
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s", path);
    int fd = open(dirname(tmp), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    int r = fsync(fd);
    if (r != 0 && (errno == EINVAL || errno == EBADF)) r = 0; /* not supported: not a loss */
    close(fd);
    return r;
}

void fu_results_free(fu_results *r) {
    if (!r) return;
    for (size_t i = 0; i < r->n; i++) fu_cand_record_free(&r->rec[i]);
    free(r->rec);
    for (size_t i = 0; i < r->nruns; i++) fu_run_info_free(&r->runs[i]);
    free(r->runs);
    free(r->sweep);
    for (size_t i = 0; i < r->nsweeps; i++) free(r->sweeps[i]);
    free(r->sweeps);
    for (size_t i = 0; i < r->nsources; i++) free(r->sources[i].path);
    free(r->sources);
    memset(r, 0, sizeof *r);
}

int fu_results_add_sweep(fu_results *r, const char *text, fu_err *err) {
    if (!text || !text[0]) return FU_OK;
    for (size_t i = 0; i < r->nsweeps; i++)
        if (strcmp(r->sweeps[i], text) == 0) return FU_OK;
    char **q = realloc(r->sweeps, (r->nsweeps + 1) * sizeof *q);
    if (!q) return fu_fail(err, FU_ENOMEM, "results: out of memory for the sweep texts");
    r->sweeps = q;
    if (!(q[r->nsweeps] = dup_str(text))) return fu_fail(err, FU_ENOMEM, "results: out of memory for the sweep texts");
    r->nsweeps++;
    if (!r->sweep || !r->sweep[0]) {
        free(r->sweep);
        if (!(r->sweep = dup_str(text))) return fu_fail(err, FU_ENOMEM, "results: out of memory");
    }
    return FU_OK;
}

long fu_results_find(const fu_results *r, const char *id) {
    if (!r->n || !id) return -1;
    fu_cand_record *hit = bsearch(id, r->rec, r->n, sizeof *r->rec, cmp_id);
    return hit ? (long)(hit - r->rec) : -1;
}

static void count_states(const fu_results *r, size_t *ndone, size_t *nfailed, size_t *ninvalid,
                         size_t *nunfinished) {
    *ndone = *nfailed = *ninvalid = *nunfinished = 0;
    for (size_t i = 0; i < r->n; i++) {
        switch (r->rec[i].state) {
        case FU_CAND_DONE: (*ndone)++; break;
        case FU_CAND_FAILED: (*nfailed)++; break;
        case FU_CAND_INVALID: (*ninvalid)++; break;
        default: (*nunfinished)++; break;
        }
    }
}

/* Appends a copy of run (sweep moved out of it) to r->runs. */
static int push_run(fu_results *r, fu_run_info *run, fu_err *err) {
    fu_run_info *q = realloc(r->runs, (r->nruns + 1) * sizeof *q);
    if (!q) return fu_fail(err, FU_ENOMEM, "results: out of memory for session records");
    r->runs = q;
    r->runs[r->nruns++] = *run;
    run->sweep = NULL;
    return FU_OK;
}

/* ---- journal -> one row per candidate --------------------------------------- */

typedef struct {
    fu_results *res;
    size_t cap;
    fu_idmap map;
    int *attempts;           /* highest attempt per row */
    size_t nrecords, nsuperseded;
    const char *path;
} collapse_ctx;

static int collapse_run(void *vctx, fu_run_info *run, fu_err *err) {
    collapse_ctx *c = vctx;
    if (c->res->nruns == 0) {
        free(c->res->sweep);
        c->res->sweep = dup_str(run->sweep);
        if (!c->res->sweep) return fu_fail(err, FU_ENOMEM, "%s: out of memory", c->path);
    }
    int rc = fu_results_add_sweep(c->res, run->sweep, err);
    return rc ? rc : push_run(c->res, run, err);
}

static int collapse_cand(void *vctx, fu_cand_record *rec, fu_err *err) {
    collapse_ctx *c = vctx;
    fu_results *r = c->res;
    c->nrecords++;
    int added;
    size_t i = fu_idmap_get(&c->map, rec->id, r->n, &added);
    if (i == SIZE_MAX) return fu_fail(err, FU_ENOMEM, "%s: out of memory", c->path);
    if (added) {
        if (r->n == c->cap) {
            size_t cap = c->cap ? 2 * c->cap : 64;
            fu_cand_record *q = realloc(r->rec, cap * sizeof *q);
            int *a = realloc(c->attempts, cap * sizeof *a);
            if (q) r->rec = q;
            if (a) c->attempts = a;
            if (!q || !a) return fu_fail(err, FU_ENOMEM, "%s: out of memory", c->path);
            c->cap = cap;
        }
        r->rec[r->n] = *rec; /* take the record over */
        c->attempts[r->n] = rec->attempt;
        r->n++;
        fu_cand_record_init(rec);
        return FU_OK;
    }
    fu_cand_record *w = &r->rec[i];
    if (rec->attempt > c->attempts[i]) c->attempts[i] = rec->attempt;
    c->nsuperseded++;
    if (fu_cand_supersedes(w->state, w->final, rec->state, rec->final)) {
        fu_cand_record_free(w);
        *w = *rec;
        fu_cand_record_init(rec);
    }
    return FU_OK;
}

static void fill_source(fu_results_source *s, const char *path, const char *kind, size_t ncand) {
    memset(s, 0, sizeof *s);
    s->path = dup_str(path);
    snprintf(s->kind, sizeof s->kind, "%s", kind);
    s->ncand = ncand;
    if (fu_sha256_file(path, s->sha256, NULL)) s->sha256[0] = '\0';
}

/* Appends to w a note that sessions or inputs disagree on the sweep. */
static void note(char *w, size_t cap, const char *text) {
    size_t n = strlen(w);
    if (n && n + 2 < cap) {
        memcpy(w + n, "; ", 3);
        n += 2;
    }
    if (n < cap) snprintf(w + n, cap - n, "%s", text);
}

/* A stage record (type 17) names the stage of its candidate's rows. */
static int apply_stage(void *ctx, const fu_cand_stage *s, fu_err *err) {
    (void)err;
    fu_results *r = ctx;
    long i = fu_results_find(r, s->id);
    if (i >= 0) {
        r->rec[i].stage = s->stage;
        snprintf(r->rec[i].stage_name, sizeof r->rec[i].stage_name, "%s", s->name);
        snprintf(r->rec[i].stage_root, sizeof r->rec[i].stage_root, "%s", s->root);
    }
    return FU_OK;
}

/* A layout record (type 19) names the group a candidate's attempt ran on: the last one of
 * an ID is that of its row's attempt (it precedes the attempt's terminal record). */
static int apply_layout(void *ctx, const fu_cand_layout *l, fu_err *err) {
    (void)err;
    fu_results *r = ctx;
    long i = fu_results_find(r, l->id);
    if (i >= 0) r->rec[i].ranks = l->ranks, r->rec[i].npk = l->npk, r->rec[i].npb = l->npb;
    return FU_OK;
}

int fu_results_from_journal(const char *journal_path, fu_results *out, fu_store_report *rep,
                            fu_err *err) {
    fu_store_report local;
    if (!rep) rep = &local;
    memset(rep, 0, sizeof *rep);
    memset(out, 0, sizeof *out);
    out->schema_version = FU_RESULTS_SCHEMA_VERSION;
    collapse_ctx c = {out, 0, {0}, NULL, 0, 0, journal_path};
    int rc = fu_journal_read(journal_path, collapse_run, collapse_cand, &c, &rep->diag, err);
    if (!rc) {
        for (size_t i = 0; i < out->n; i++) out->rec[i].attempt = c.attempts[i];
        if (out->n) qsort(out->rec, out->n, sizeof *out->rec, cmp_rec);
        if (!out->sweep) out->sweep = dup_str("");
        out->sources = calloc(1, sizeof *out->sources);
        if (!out->sweep || !out->sources) rc = fu_fail(err, FU_ENOMEM, "%s: out of memory", journal_path);
    }
    if (!rc) rc = fu_journal_read_stages(journal_path, apply_stage, out, err);
    if (!rc) rc = fu_journal_read_layouts(journal_path, apply_layout, out, err);
    fu_idmap_free(&c.map);
    free(c.attempts);
    if (rc) {
        fu_results_free(out);
        return rc;
    }
    out->nsources = 1;
    fill_source(&out->sources[0], journal_path, "journal", out->n);
    rep->nrecords = c.nrecords;
    rep->nsuperseded = c.nsuperseded;
    rep->ncand = out->n;
    count_states(out, &rep->ndone, &rep->nfailed, &rep->ninvalid, &rep->nunfinished);
    snprintf(rep->warning, sizeof rep->warning, "%s", rep->diag.warning);
    for (size_t k = 1; k < out->nruns; k++)
        if (strcmp(out->runs[k].sweep_sha256, out->runs[0].sweep_sha256) != 0) {
            char t[128];
            snprintf(t, sizeof t, "sweep text changed in session %zu of %zu (provenance keeps every "
                     "text)", k + 1, out->nruns);
            note(rep->warning, sizeof rep->warning, t);
            break;
        }
    return FU_OK;
}

/* ---- HDF5 helpers ------------------------------------------------------------ */

/* Collects the first failure so the message names what could not be written
 * or read, while the code stays a flat sequence of calls. */
typedef struct {
    int bad;
    fu_status code;
    int sys;           /* errno at the first failure: HDF5 itself does not say "disk full" */
    char what[256];
} h5ctx;

static void h5fail(h5ctx *c, fu_status code, const char *fmt, const char *name) {
    if (c->bad) return;
    c->bad = 1;
    c->code = code;
    c->sys = errno;
    snprintf(c->what, sizeof c->what, fmt, name);
}

typedef struct {
    H5E_auto2_t func;
    void *data;
} h5quiet;

/* File access without HDF5's file locks: results files are written once
 * under a private temporary name and never modified after the rename, so
 * locks protect nothing, and they fail on file systems without flock
 * (Lustre mounted without -o flock). */
static hid_t fapl_nolock(void) {
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
#if H5_VERSION_GE(1, 10, 7)
    if (fapl >= 0) H5Pset_file_locking(fapl, 0, 1);
#endif
    return fapl;
}

/* HDF5 prints its error stack to stderr by default; we report via fu_err. */
static h5quiet quiet_begin(void) {
    h5quiet q;
    H5Eget_auto2(H5E_DEFAULT, &q.func, &q.data);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    return q;
}
static void quiet_end(h5quiet q) { H5Eset_auto2(H5E_DEFAULT, q.func, q.data); }

static hid_t vstr_type(void) {
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    return t;
}

static hid_t id_type(void) {
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, FU_CAND_ID_LEN);
    H5Tset_strpad(t, H5T_STR_NULLPAD);
    return t;
}

/* Memory type for reading IDs: NUL-terminated, so each slot is a C string. */
static hid_t id_mem_type(void) {
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, ID_BUF);
    H5Tset_strpad(t, H5T_STR_NULLTERM);
    return t;
}

static hid_t state_type(void) {
    hid_t t = H5Tenum_create(H5T_NATIVE_SCHAR);
    for (signed char v = FU_CAND_QUEUED; v <= FU_CAND_INVALID; v++)
        H5Tenum_insert(t, fu_cand_state_name(v), &v);
    return t;
}

static void attr_str(h5ctx *c, hid_t obj, const char *name, const char *value) {
    if (c->bad) return;
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, strlen(value) + 1);
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(obj, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
    if (a < 0 || H5Awrite(a, t, value) < 0) h5fail(c, FU_EIO, "attribute %s", name);
    if (a >= 0) H5Aclose(a);
    H5Sclose(sp);
    H5Tclose(t);
}

static void attr_i64(h5ctx *c, hid_t obj, const char *name, long long v) {
    if (c->bad) return;
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(obj, name, H5T_STD_I64LE, sp, H5P_DEFAULT, H5P_DEFAULT);
    if (a < 0 || H5Awrite(a, H5T_NATIVE_LLONG, &v) < 0) h5fail(c, FU_EIO, "attribute %s", name);
    if (a >= 0) H5Aclose(a);
    H5Sclose(sp);
}

/* Dataset name (intermediate groups created) of rank 0 (scalar), 1 or 2.
 * A "units" attribute is attached when units is not NULL. */
static void put(h5ctx *c, hid_t loc, const char *name, hid_t ftype, hid_t mtype, int rank,
                const hsize_t *dims, const void *data, const char *units) {
    if (c->bad) return;
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    hid_t sp = rank ? H5Screate_simple(rank, dims, NULL) : H5Screate(H5S_SCALAR);
    hid_t d = H5Dcreate2(loc, name, ftype, sp, lcpl, H5P_DEFAULT, H5P_DEFAULT);
    hssize_t np = H5Sget_simple_extent_npoints(sp);
    if (d < 0 || (np > 0 && H5Dwrite(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0))
        h5fail(c, FU_EIO, "dataset %s", name);
    if (d >= 0 && units) attr_str(c, d, "units", units);
    if (d >= 0) H5Dclose(d);
    H5Sclose(sp);
    H5Pclose(lcpl);
}

static void put_f64(h5ctx *c, hid_t loc, const char *name, size_t n, int cols, const double *v,
                    const char *units) {
    hsize_t dims[2] = {n, (hsize_t)cols};
    put(c, loc, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, cols > 1 ? 2 : 1, dims, v, units);
}
static void put_i32(h5ctx *c, hid_t loc, const char *name, size_t n, int cols, const int *v) {
    hsize_t dims[2] = {n, (hsize_t)cols};
    put(c, loc, name, H5T_STD_I32LE, H5T_NATIVE_INT, cols > 1 ? 2 : 1, dims, v, NULL);
}
static void put_i64(h5ctx *c, hid_t loc, const char *name, size_t n, const long long *v) {
    hsize_t dims[1] = {n};
    put(c, loc, name, H5T_STD_I64LE, H5T_NATIVE_LLONG, 1, dims, v, NULL);
}
static void put_vstr(h5ctx *c, hid_t loc, const char *name, size_t n, const char **v) {
    hid_t t = vstr_type();
    hsize_t dims[1] = {n};
    put(c, loc, name, t, t, 1, dims, v, NULL);
    H5Tclose(t);
}
static void put_str(h5ctx *c, hid_t loc, const char *name, const char *v) {
    const char *one[1] = {v ? v : ""};
    hid_t t = vstr_type();
    put(c, loc, name, t, t, 0, NULL, one, NULL);
    H5Tclose(t);
}
static void put_scalar_f64(h5ctx *c, hid_t loc, const char *name, double v, const char *units) {
    put(c, loc, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 0, NULL, &v, units);
}
static void put_scalar_i32(h5ctx *c, hid_t loc, const char *name, int v) {
    put(c, loc, name, H5T_STD_I32LE, H5T_NATIVE_INT, 0, NULL, &v, NULL);
}

/* Opens dataset name and checks it holds exactly nelem elements. */
static hid_t open_checked(h5ctx *c, hid_t loc, const char *name, hsize_t nelem) {
    if (c->bad) return -1;
    if (H5Lexists(loc, name, H5P_DEFAULT) <= 0) {
        h5fail(c, FU_EINPUT, "dataset %s is missing", name);
        return -1;
    }
    hid_t d = H5Dopen2(loc, name, H5P_DEFAULT);
    if (d < 0) {
        h5fail(c, FU_EINPUT, "dataset %s cannot be opened", name);
        return -1;
    }
    hid_t sp = H5Dget_space(d);
    hssize_t np = H5Sget_simple_extent_npoints(sp);
    H5Sclose(sp);
    if (np < 0 || (hsize_t)np != nelem) {
        H5Dclose(d);
        h5fail(c, FU_EINPUT, "dataset %s has the wrong number of elements", name);
        return -1;
    }
    return d;
}

static void get(h5ctx *c, hid_t loc, const char *name, hid_t mtype, hsize_t nelem, void *out) {
    hid_t d = open_checked(c, loc, name, nelem);
    if (d < 0) return;
    if (nelem && H5Dread(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, out) < 0)
        h5fail(c, FU_EINPUT, "dataset %s cannot be read", name);
    H5Dclose(d);
}

/* Reads n variable-length strings as malloc'd copies (NULL on failure). */
static char **get_vstr(h5ctx *c, hid_t loc, const char *name, size_t n) {
    hid_t d = open_checked(c, loc, name, n);
    if (d < 0) return NULL;
    char **tmp = calloc(n ? n : 1, sizeof *tmp);
    char **out = calloc(n ? n : 1, sizeof *out);
    hid_t t = vstr_type();
    if (!tmp || !out) {
        h5fail(c, FU_ENOMEM, "out of memory reading %s", name);
    } else if (n && H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, tmp) < 0) {
        h5fail(c, FU_EINPUT, "dataset %s cannot be read as strings", name);
    } else {
        for (size_t i = 0; i < n && !c->bad; i++)
            if (!(out[i] = dup_str(tmp[i]))) h5fail(c, FU_ENOMEM, "out of memory reading %s", name);
        if (n) {
            hid_t sp = H5Dget_space(d);
            H5Dvlen_reclaim(t, sp, H5P_DEFAULT, tmp);
            H5Sclose(sp);
        }
    }
    H5Tclose(t);
    H5Dclose(d);
    free(tmp);
    if (c->bad && out) {
        for (size_t i = 0; i < n; i++) free(out[i]);
        free(out);
        out = NULL;
    }
    return out;
}

static void free_strs(char **v, size_t n) {
    if (!v) return;
    for (size_t i = 0; i < n; i++) free(v[i]);
    free(v);
}

static char *get_str(h5ctx *c, hid_t loc, const char *name) {
    char **v = get_vstr(c, loc, name, 1);
    if (!v) return NULL;
    char *s = v[0];
    free(v);
    return s;
}

/* String attribute, fixed-length or variable-length (h5py writes the latter). */
static int read_attr_str(hid_t obj, const char *name, char *buf, size_t cap) {
    buf[0] = '\0';
    if (H5Aexists(obj, name) <= 0) return -1;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    if (a < 0) return -1;
    hid_t t = H5Aget_type(a);
    int rc = -1;
    if (H5Tget_class(t) == H5T_STRING) {
        if (H5Tis_variable_str(t) > 0) {
            char *s = NULL;
            hid_t mt = vstr_type();
            if (H5Aread(a, mt, &s) >= 0 && s) {
                snprintf(buf, cap, "%s", s);
                H5free_memory(s);
                rc = 0;
            }
            H5Tclose(mt);
        } else {
            size_t n = H5Tget_size(t);
            char *s = calloc(n + 1, 1);
            if (s && H5Aread(a, t, s) >= 0) {
                snprintf(buf, cap, "%s", s);
                rc = 0;
            }
            free(s);
        }
    }
    H5Tclose(t);
    H5Aclose(a);
    return rc;
}

static int read_attr_i64(hid_t obj, const char *name, long long *v) {
    if (H5Aexists(obj, name) <= 0) return -1;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    if (a < 0) return -1;
    hid_t t = H5Aget_type(a);
    int rc = (H5Tget_class(t) == H5T_INTEGER && H5Aread(a, H5T_NATIVE_LLONG, v) >= 0) ? 0 : -1;
    H5Tclose(t);
    H5Aclose(a);
    return rc;
}

/* ---- writing ------------------------------------------------------------------ */

/* Per-candidate offsets into the concatenated per-atom, per-k, per-(k,band)
 * and per-species arrays (CSR style: rows of candidate i are
 * offset[i] .. offset[i+1]-1). */
typedef struct {
    long long *atom, *k, *band, *species, *eos;
} offsets;

static int build_offsets(const fu_results *r, offsets *o) {
    size_t n = r->n;
    o->atom = calloc(n + 1, sizeof(long long));
    o->k = calloc(n + 1, sizeof(long long));
    o->band = calloc(n + 1, sizeof(long long));
    o->species = calloc(n + 1, sizeof(long long));
    o->eos = calloc(n + 1, sizeof(long long));
    if (!o->atom || !o->k || !o->band || !o->species || !o->eos) return -1;
    for (size_t i = 0; i < n; i++) {
        const fu_cand_record *x = &r->rec[i];
        const fu_cand_result *s = &x->res;
        int h = x->have_result;
        o->atom[i + 1] = o->atom[i] + (h ? s->natom : 0);
        o->k[i + 1] = o->k[i] + (h ? s->nk : 0);
        o->band[i + 1] = o->band[i] + (h ? (long long)fu_cand_nspin(s) * s->nk * s->nband : 0);
        o->species[i + 1] = o->species[i] + (h ? s->nspecies : 0);
        o->eos[i + 1] = o->eos[i] + (h ? s->eos_npoints : 0);
    }
    return 0;
}

static void free_offsets(offsets *o) {
    free(o->atom);
    free(o->k);
    free(o->band);
    free(o->species);
    free(o->eos);
}

/* One dataset per field of property p (index in the registry) for the n rows of R: [n],
 * [n, count], or [n, 3, 3] for count 9; ragged fields are written with their offsets by the
 * caller. dv/iv/sv: scratch for n*9 doubles, n*9 ints, n strings. */
static void write_fields(h5ctx *c, hid_t g, const fu_property *p, size_t pi, const fu_cand_record *R, size_t n,
                         double *dv, int *iv, const char **sv) {
    for (size_t k = 0; k < p->nfields; k++) {
        const fu_property_field *f = &p->fields[k];
        if (f->count == 0) continue;
        size_t m = f->kind == FU_FIELD_STR ? 1 : (size_t)f->count;
        for (size_t i = 0; i < n; i++) {
            const void *d = R[i].have_result ? fu_property_data(p, pi, &R[i].res) : NULL;
            int has = d && (!f->gated || fu_property_present(p, pi, &R[i].res));
            const char *at = has ? (const char *)d + f->offset : NULL;
            for (size_t e = 0; e < m; e++) {
                if (f->kind == FU_FIELD_F64) dv[m * i + e] = has ? ((const double *)at)[e] : NAN;
                else if (f->kind == FU_FIELD_I32) iv[m * i + e] = has ? ((const int *)at)[e] : f->ifill;
                else sv[i] = has ? at : "";
            }
        }
        if (f->kind == FU_FIELD_STR) {
            put_vstr(c, g, f->name, n, sv);
        } else if (m == 9) {
            hsize_t d33[3] = {n, 3, 3};
            if (f->kind == FU_FIELD_F64) put(c, g, f->name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 3, d33, dv, f->units);
            else put(c, g, f->name, H5T_STD_I32LE, H5T_NATIVE_INT, 3, d33, iv, NULL);
        } else if (f->kind == FU_FIELD_F64) {
            put_f64(c, g, f->name, n, (int)m, dv, f->units);
        } else {
            put_i32(c, g, f->name, n, (int)m, iv);
        }
    }
}

static void write_candidates(h5ctx *c, hid_t f, const fu_results *r, const offsets *o) {
    size_t n = r->n;
    hid_t g = H5Gcreate2(f, "candidates", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0) {
        h5fail(c, FU_EIO, "group %s", "candidates");
        return;
    }
    size_t big = n ? n : 1;
    char *ids = calloc(big, FU_CAND_ID_LEN);
    const char **sv = calloc(big, sizeof *sv);
    double *dv = calloc(big * 9, sizeof *dv);
    int *iv = calloc(big * 9, sizeof *iv);
    signed char *st = calloc(big, 1);
    if (!ids || !sv || !dv || !iv || !st) {
        h5fail(c, FU_ENOMEM, "out of memory for %s", "candidates");
        goto out;
    }
    const fu_cand_record *R = r->rec;
    for (size_t i = 0; i < n; i++) memcpy(ids + i * FU_CAND_ID_LEN, R[i].id, FU_CAND_ID_LEN);
    hid_t it = id_type();
    hsize_t dn[1] = {n};
    put(c, g, "id", it, it, 1, dn, ids, NULL);
    H5Tclose(it);
#define STRCOL(name, expr)                                      \
    do {                                                        \
        for (size_t i = 0; i < n; i++) sv[i] = (expr) ? (expr) : ""; \
        put_vstr(c, g, name, n, sv);                            \
    } while (0)
#define INTCOL(name, expr)                           \
    do {                                             \
        for (size_t i = 0; i < n; i++) iv[i] = (expr); \
        put_i32(c, g, name, n, 1, iv);               \
    } while (0)
#define F64COL(name, expr, units)                    \
    do {                                             \
        for (size_t i = 0; i < n; i++) dv[i] = (expr); \
        put_f64(c, g, name, n, 1, dv, units);        \
    } while (0)
    STRCOL("label", R[i].label);
    for (size_t i = 0; i < n; i++) st[i] = (signed char)R[i].state;
    hid_t et = state_type();
    put(c, g, "state", et, et, 1, dn, st, NULL);
    H5Tclose(et);
    INTCOL("final", R[i].final);
    INTCOL("attempts", R[i].attempt);
    INTCOL("group", R[i].group);
    F64COL("time_start", R[i].time_start, "s since 1970-01-01T00:00:00Z");
    F64COL("time_end", R[i].time_end, "s since 1970-01-01T00:00:00Z");
    STRCOL("cause", R[i].cause);
    STRCOL("message", R[i].message);
    {
        /* the warnings of each candidate (props/warnings.h), taken from its message, where the
         * journal keeps them: journals and results files written before this column read as
         * before, and their warnings are found the same way */
        enum { WLEN = 2048 };
        char *wb = calloc(big, WLEN);
        if (!wb) {
            h5fail(c, FU_ENOMEM, "out of memory for %s", "warnings");
        } else {
            for (size_t i = 0; i < n; i++) fu_warn_extract(R[i].message, wb + i * WLEN, WLEN);
            STRCOL("warnings", wb + i * WLEN);
            free(wb);
        }
    }
    INTCOL("have_result", R[i].have_result);
    /* timings and the recovery ladder (added to schema version 1; older files lack them) */
    F64COL("engine_seconds", R[i].engine_seconds, "s");
    F64COL("io_seconds", R[i].io_seconds, "s");
    INTCOL("settings_changed", R[i].settings_changed);
    { /* the stage of a staged sweep (screen/stages.h): only in files that have one */
        int staged = 0;
        for (size_t i = 0; i < n; i++) staged |= R[i].stage > 0;
        if (staged) {
            INTCOL("stage_index", R[i].stage);
            STRCOL("stage", R[i].stage_name);
            STRCOL("stage_root", R[i].stage_root);
        }
    }
    { /* the group each candidate ran on (layout records, screen/farm.h): only in files that have one */
        int any = 0;
        for (size_t i = 0; i < n; i++) any |= R[i].ranks > 0;
        if (any) {
            INTCOL("ranks", R[i].ranks);
            INTCOL("k_groups", R[i].npk);
            INTCOL("band_ranks", R[i].npb);
        }
    }
    {
        long long *ro = calloc(n + 1, sizeof *ro);
        size_t tot = 0;
        for (size_t i = 0; ro && i < n; i++) ro[i + 1] = ro[i] + R[i].nrungs;
        if (ro) tot = (size_t)ro[n];
        const char **rs = calloc(tot ? tot : 1, sizeof *rs);
        int *ri = calloc(tot ? tot : 1, sizeof *ri);
        double *rd = calloc(tot ? tot : 1, sizeof *rd);
        if (!ro || !rs || !ri || !rd) {
            h5fail(c, FU_ENOMEM, "out of memory for %s", "recovery");
        } else {
            put_i64(c, g, "recovery_offset", n + 1, ro);
#define RUNGCOL(put_call, field)                                                         \
    do {                                                                                 \
        for (size_t i = 0; i < n; i++)                                                   \
            for (int q = 0; q < R[i].nrungs; q++) field;                                 \
        put_call;                                                                        \
    } while (0)
            RUNGCOL(put_vstr(c, g, "recovery_rung", tot, rs),
                    rs[ro[i] + q] = R[i].rungs[q].rung ? R[i].rungs[q].rung : "");
            RUNGCOL(put_vstr(c, g, "recovery_outcome", tot, rs),
                    rs[ro[i] + q] = R[i].rungs[q].outcome ? R[i].rungs[q].outcome : "");
            RUNGCOL(put_vstr(c, g, "recovery_message", tot, rs),
                    rs[ro[i] + q] = R[i].rungs[q].message ? R[i].rungs[q].message : "");
            RUNGCOL(put_i32(c, g, "recovery_iterations", tot, 1, ri), ri[ro[i] + q] = R[i].rungs[q].iterations);
            RUNGCOL(put_f64(c, g, "recovery_seconds", tot, 1, rd, "s"), rd[ro[i] + q] = R[i].rungs[q].seconds);
#undef RUNGCOL
        }
        free(ro);
        free(rs);
        free(ri);
        free(rd);
    }

    /* Result columns: NaN (floats), the field's fill (integers) or "" where have_result = 0, or
     * where a gated field's property was not computed; one column per field of every built-in
     * property (props/property.h), in registry order */
    size_t nreg;
    const fu_property *const *reg = fu_property_registry(&nreg);
    for (size_t p = 0; p < nreg; p++)
        if (reg[p]->inline_block) write_fields(c, g, reg[p], p, R, n, dv, iv, sv);
    F64COL("energy/total_per_atom",
           R[i].have_result && R[i].res.natom > 0 ? R[i].res.etotal / R[i].res.natom : NAN,
           "Ha/atom");
    INTCOL("natom", R[i].have_result ? R[i].res.natom : 0);
    INTCOL("nk", R[i].have_result ? R[i].res.nk : 0);
    INTCOL("nband", R[i].have_result ? R[i].res.nband : 0);
    INTCOL("nspecies", R[i].have_result ? R[i].res.nspecies : 0);
    STRCOL("formula", R[i].have_result ? R[i].res.formula : "");
    STRCOL("xc", R[i].have_result ? R[i].res.xc : "");
    STRCOL("smearing", R[i].have_result ? R[i].res.smearing : "");
    /* schema 2: spin */
    INTCOL("nspin", R[i].have_result ? fu_cand_nspin(&R[i].res) : 0);
    /* block properties: a group each, with `present` and one dataset per field */
    for (size_t p = 0; p < nreg; p++)
        if (!reg[p]->inline_block) {
            int any = 0;
            for (size_t i = 0; i < n; i++) any |= R[i].have_result && R[i].res.block[p] != NULL;
            if (!any) continue; /* files of campaigns without it stay as they were */
            hid_t gp = H5Gcreate2(g, reg[p]->name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
            if (gp < 0) {
                h5fail(c, FU_EIO, "group candidates/%s", reg[p]->name);
                continue;
            }
            attr_str(c, gp, "description", reg[p]->description ? reg[p]->description : "");
            for (size_t i = 0; i < n; i++) iv[i] = R[i].have_result && R[i].res.block[p] != NULL;
            put_i32(c, gp, "present", n, 1, iv);
            write_fields(c, gp, reg[p], p, R, n, dv, iv, sv);
            H5Gclose(gp);
        }

    /* Ragged per-atom / per-k / per-band / per-species arrays. */
    put_i64(c, g, "atom_offset", n + 1, o->atom);
    put_i64(c, g, "k_offset", n + 1, o->k);
    put_i64(c, g, "band_offset", n + 1, o->band);
    put_i64(c, g, "species_offset", n + 1, o->species);
    put_i64(c, g, "eos_offset", n + 1, o->eos);
    size_t na = (size_t)o->atom[n], nk = (size_t)o->k[n], nb = (size_t)o->band[n],
           ns = (size_t)o->species[n], ne = (size_t)o->eos[n];
    size_t need = na * 3 > nk * 3 ? na * 3 : nk * 3;
    if (nb > need) need = nb;
    if (ne > need) need = ne;
    double *arr = calloc(need ? need : 1, sizeof *arr);
    int *zarr = calloc(na ? na : 1, sizeof *zarr);
    const char **sarr = calloc(ns ? ns : 1, sizeof *sarr);
    if (!arr || !zarr || !sarr) {
        h5fail(c, FU_ENOMEM, "out of memory for %s", "candidates arrays");
    } else {
        for (size_t i = 0; i < n; i++)
            if (R[i].have_result)
                for (int a = 0; a < R[i].res.natom; a++) zarr[o->atom[i] + a] = R[i].res.atomic_number[a];
        put_i32(c, g, "atomic_numbers", na, 1, zarr);
#define RAGGED(name, lo, count, cols, src, units)                                           \
    do {                                                                                   \
        for (size_t i = 0; i < n; i++) {                                                   \
            if (!R[i].have_result) continue;                                               \
            size_t m_ = (size_t)(count) * (cols);                                          \
            const double *s_ = (src);                                                      \
            for (size_t q = 0; q < m_; q++) arr[(size_t)(lo)[i] * (cols) + q] = s_ ? s_[q] : NAN; \
        }                                                                                  \
        put_f64(c, g, name, (size_t)(lo)[n], cols, arr, units);                            \
    } while (0)
        RAGGED("xred", o->atom, R[i].res.natom, 3, R[i].res.xred ? &R[i].res.xred[0][0] : NULL,
               "1 (fractional)");
        RAGGED("forces", o->atom, R[i].res.natom, 3,
               R[i].res.have_forces && R[i].res.forces ? &R[i].res.forces[0][0] : NULL, "Ha/bohr");
        RAGGED("kpoints_red", o->k, R[i].res.nk, 3, R[i].res.kred ? &R[i].res.kred[0][0] : NULL,
               "1 (reciprocal lattice)");
        RAGGED("kweights", o->k, R[i].res.nk, 1, R[i].res.kweight, "1");
        /* [nspin][nk][nband] per candidate, spin up first */
        RAGGED("eigenvalues", o->band, (size_t)fu_cand_nspin(&R[i].res) * R[i].res.nk * R[i].res.nband, 1,
               R[i].res.eig, "Ha");
        RAGGED("occupations", o->band, (size_t)fu_cand_nspin(&R[i].res) * R[i].res.nk * R[i].res.nband, 1,
               R[i].res.occ, "electrons");
        RAGGED("eos_volume", o->eos, R[i].res.eos_npoints, 1, R[i].res.eos_volume, "bohr^3");
        RAGGED("eos_energy", o->eos, R[i].res.eos_npoints, 1, R[i].res.eos_energy, "Ha");
#undef RAGGED
#define SPCOL(name, field)                                                            \
    do {                                                                              \
        for (size_t i = 0; i < n; i++)                                                \
            if (R[i].have_result)                                                     \
                for (int s = 0; s < R[i].res.nspecies; s++)                           \
                    sarr[o->species[i] + s] = R[i].res.field[s];                      \
        put_vstr(c, g, name, ns, sarr);                                               \
    } while (0)
        SPCOL("species", species);
        SPCOL("pseudopotential", psp_name);
        SPCOL("pseudopotential_sha256", psp_sha256);
#undef SPCOL
        /* what the engine read per species (journal version 4; "" and 0 where unknown) */
        double *pv = calloc(ns ? 4 * ns : 1, sizeof *pv);
        const char **fmt = calloc(ns ? ns : 1, sizeof *fmt);
        if (!pv || !fmt) {
            h5fail(c, FU_ENOMEM, "out of memory for %s", "pseudopotential columns");
        } else {
            for (size_t i = 0; i < n; i++)
                if (R[i].have_result)
                    for (int s = 0; s < R[i].res.nspecies; s++) {
                        static const fu_cand_psp unknown;
                        const fu_cand_psp *q = R[i].res.psp ? &R[i].res.psp[s] : &unknown;
                        size_t k = o->species[i] + (size_t)s;
                        sarr[k] = q->path;
                        fmt[k] = q->format;
                        pv[k] = q->valence;
                        memcpy(pv + ns + 3 * k, q->hints, sizeof q->hints);
                    }
            put_vstr(c, g, "pseudopotential_path", ns, sarr);
            put_vstr(c, g, "pseudopotential_format", ns, fmt);
            put_f64(c, g, "pseudopotential_valence", ns, 1, pv, "electrons");
            put_f64(c, g, "pseudopotential_cutoff_hints", ns, 3, pv + ns, "Ha (low, normal, high; 0 unknown)");
        }
        free(pv);
        free(fmt);
    }
    free(arr);
    free(zarr);
    free(sarr);

    /* The failures table: failed and invalid candidates only. */
    {
        size_t m = 0;
        for (size_t i = 0; i < n; i++)
            if (R[i].state == FU_CAND_FAILED || R[i].state == FU_CAND_INVALID) m++;
        hid_t gf = H5Gcreate2(f, "failures", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        if (gf < 0) {
            h5fail(c, FU_EIO, "group %s", "failures");
        } else {
            const fu_cand_record **F = calloc(m ? m : 1, sizeof *F);
            if (!F) {
                h5fail(c, FU_ENOMEM, "out of memory for %s", "failures");
            } else {
                size_t j = 0;
                for (size_t i = 0; i < n; i++)
                    if (R[i].state == FU_CAND_FAILED || R[i].state == FU_CAND_INVALID) F[j++] = &R[i];
                for (size_t i = 0; i < m; i++) memcpy(ids + i * FU_CAND_ID_LEN, F[i]->id, FU_CAND_ID_LEN);
                hsize_t dm[1] = {m};
                hid_t it2 = id_type();
                put(c, gf, "id", it2, it2, 1, dm, ids, NULL);
                H5Tclose(it2);
                for (size_t i = 0; i < m; i++) st[i] = (signed char)F[i]->state;
                hid_t et2 = state_type();
                put(c, gf, "state", et2, et2, 1, dm, st, NULL);
                H5Tclose(et2);
                for (size_t i = 0; i < m; i++) sv[i] = F[i]->label ? F[i]->label : "";
                put_vstr(c, gf, "label", m, sv);
                for (size_t i = 0; i < m; i++) sv[i] = F[i]->cause ? F[i]->cause : "";
                put_vstr(c, gf, "cause", m, sv);
                for (size_t i = 0; i < m; i++) sv[i] = F[i]->message ? F[i]->message : "";
                put_vstr(c, gf, "message", m, sv);
                for (size_t i = 0; i < m; i++) iv[i] = F[i]->attempt;
                put_i32(c, gf, "attempts", m, 1, iv);
                for (size_t i = 0; i < m; i++) iv[i] = F[i]->final;
                put_i32(c, gf, "final", m, 1, iv);
                free(F);
            }
            H5Gclose(gf);
        }
    }
#undef STRCOL
#undef INTCOL
#undef F64COL
out:
    free(ids);
    free(sv);
    free(dv);
    free(iv);
    free(st);
    H5Gclose(g);
}

/* The per-run provenance fields, string then integer, in file order: one
 * list drives both the writer and the reader. */
#define RUN_INFO_FIELDS(STR, INT)                                              \
    STR("code_version", code_version) STR("git_version", git_version)         \
    STR("build_type", build_type) STR("mpi_library", mpi_library)             \
    STR("host", host) STR("sweep_sha256", sweep_sha256) INT("ranks", ranks)   \
    INT("group_size", group_size) INT("shard_index", shard_index)             \
    INT("shard_count", shard_count)

static void write_provenance(h5ctx *c, hid_t f, const fu_results *r) {
    hid_t g = H5Gcreate2(f, "provenance", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0) {
        h5fail(c, FU_EIO, "group %s", "provenance");
        return;
    }
    /* Scalars describe the first session; runs/ lists every session. */
    fu_run_info none;
    memset(&none, 0, sizeof none);
    const fu_run_info *r0 = r->nruns ? &r->runs[0] : &none;
    double t0 = 0, t1 = 0;
    for (size_t i = 0; i < r->nruns; i++) {
        if (r->runs[i].time > 0 && (t0 == 0 || r->runs[i].time < t0)) t0 = r->runs[i].time;
        if (r->runs[i].time > t1) t1 = r->runs[i].time;
    }
    for (size_t i = 0; i < r->n; i++) {
        double te = r->rec[i].time_end;
        if (te > t1) t1 = te;
        if (r->rec[i].time_start > 0 && (t0 == 0 || r->rec[i].time_start < t0)) t0 = r->rec[i].time_start;
    }
    char b0[32], b1[32], bw[32], hv[64], sweep_hex[FU_SHA256_HEX_LEN];
    iso_utc(t0, b0);
    iso_utc(t1, b1);
    unsigned maj, min, rel;
    H5get_libversion(&maj, &min, &rel);
    snprintf(hv, sizeof hv, "%u.%u.%u", maj, min, rel);
    const char *sweep = r->sweep ? r->sweep : "";
    if (fu_sha256_hex(sweep, strlen(sweep), sweep_hex, NULL)) sweep_hex[0] = '\0';
    put_str(c, g, "code_version", r0->code_version);
    put_str(c, g, "git_version", r0->git_version);
    put_str(c, g, "build_type", r0->build_type);
    put_str(c, g, "mpi_library", r0->mpi_library);
    put_str(c, g, "hdf5_version", hv);
    put_str(c, g, "host", r0->host);
    put_scalar_i32(c, g, "ranks", r0->ranks);
    put_scalar_i32(c, g, "group_size", r0->group_size);
    put_scalar_i32(c, g, "shard_index", r0->shard_index);
    put_scalar_i32(c, g, "shard_count", r0->shard_count);
    put_str(c, g, "sweep", sweep);
    put_str(c, g, "sweep_sha256", sweep_hex);
    /* every sweep of the campaign (merged from several), the first as above */
    if (r->nsweeps) put_vstr(c, g, "sweeps", r->nsweeps, (const char **)r->sweeps);
    put_scalar_f64(c, g, "start_time", t0, "s since 1970-01-01T00:00:00Z");
    put_scalar_f64(c, g, "end_time", t1, "s since 1970-01-01T00:00:00Z");
    put_str(c, g, "start_time_utc", b0);
    put_str(c, g, "end_time_utc", b1);

    fu_run_info me;
    fu_run_info_local(&me);
    iso_utc(me.time, bw);
    put_str(c, g, "written_by/code_version", me.code_version);
    put_str(c, g, "written_by/git_version", me.git_version);
    put_str(c, g, "written_by/build_type", me.build_type);
    put_str(c, g, "written_by/mpi_library", me.mpi_library);
    put_str(c, g, "written_by/hdf5_version", hv);
    put_str(c, g, "written_by/host", me.host);
    put_str(c, g, "written_by/time_utc", bw);

    size_t m = r->nruns, big = m ? m : 1;
    const char **sv = calloc(big, sizeof *sv);
    double *dv = calloc(big, sizeof *dv);
    int *iv = calloc(big, sizeof *iv);
    char (*ts)[32] = calloc(big, sizeof *ts);
    if (!sv || !dv || !iv || !ts) {
        h5fail(c, FU_ENOMEM, "out of memory for %s", "provenance/runs");
    } else {
        const fu_run_info *R = r->runs;
        for (size_t i = 0; i < m; i++) dv[i] = R[i].time;
        put_f64(c, g, "runs/time", m, 1, dv, "s since 1970-01-01T00:00:00Z");
        for (size_t i = 0; i < m; i++) iso_utc(R[i].time, ts[i]), sv[i] = ts[i];
        put_vstr(c, g, "runs/time_utc", m, sv);
#define RSTR(name, field)                              \
    do {                                               \
        for (size_t i = 0; i < m; i++) sv[i] = R[i].field; \
        put_vstr(c, g, "runs/" name, m, sv);           \
    } while (0);
#define RINT(name, field)                              \
    do {                                               \
        for (size_t i = 0; i < m; i++) iv[i] = R[i].field; \
        put_i32(c, g, "runs/" name, m, 1, iv);         \
    } while (0);
        RUN_INFO_FIELDS(RSTR, RINT)
#undef RSTR
#undef RINT
    }
    free(sv);
    free(dv);
    free(iv);
    free(ts);

    size_t ns = r->nsources;
    const char **sp = calloc(ns ? ns : 1, sizeof *sp);
    long long *nv = calloc(ns ? ns : 1, sizeof *nv);
    if (!sp || !nv) {
        h5fail(c, FU_ENOMEM, "out of memory for %s", "provenance/sources");
    } else {
        const fu_results_source *S = r->sources;
        for (size_t i = 0; i < ns; i++) sp[i] = S[i].path ? S[i].path : "";
        put_vstr(c, g, "sources/path", ns, sp);
        for (size_t i = 0; i < ns; i++) sp[i] = S[i].kind;
        put_vstr(c, g, "sources/kind", ns, sp);
        for (size_t i = 0; i < ns; i++) sp[i] = S[i].sha256;
        put_vstr(c, g, "sources/sha256", ns, sp);
        for (size_t i = 0; i < ns; i++) nv[i] = (long long)S[i].ncand;
        put_i64(c, g, "sources/n_candidates", ns, nv);
    }
    free(sp);
    free(nv);
    H5Gclose(g);
}

int fu_results_write(const char *path, const fu_results *res, fu_err *err) {
    for (size_t i = 1; i < res->n; i++)
        if (strcmp(res->rec[i - 1].id, res->rec[i].id) >= 0)
            return fu_fail(err, FU_EINTERNAL, "%s: candidate rows not strictly ascending by id at "
                           "%s", path, res->rec[i].id);
    int rc = FU_OK;
    offsets o = {0};
    if (build_offsets(res, &o)) {
        free_offsets(&o);
        return fu_fail(err, FU_ENOMEM, "%s: out of memory", path);
    }
    h5quiet q = quiet_begin();
    h5ctx c = {0};
    /* Built in memory and written by furui's atomic writer (core/h5mem.h):
     * HDF5 1.10 crashes at exit after a write error inside H5Fclose (a full
     * disk), so no disk write may happen inside HDF5. */
    hid_t f = fu_h5mem_create(path, err);
    if (f < 0) {
        quiet_end(q);
        free_offsets(&o);
        return err ? err->code : FU_ELIB;
    }
    size_t nd, nf, ni, nu;
    count_states(res, &nd, &nf, &ni, &nu);
    char created[32];
    iso_utc(now_unix(), created);
    attr_str(&c, f, "schema", FU_RESULTS_SCHEMA);
    attr_i64(&c, f, "schema_version", FU_RESULTS_SCHEMA_VERSION);
    attr_str(&c, f, "created_utc", created);
    attr_i64(&c, f, "n_candidates", (long long)res->n);
    attr_i64(&c, f, "n_done", (long long)nd);
    attr_i64(&c, f, "n_failed", (long long)nf);
    attr_i64(&c, f, "n_invalid", (long long)ni);
    attr_i64(&c, f, "n_unfinished", (long long)nu);
    attr_str(&c, f, "description",
             "furui screening results: one row per candidate in /candidates (ascending id); "
             "layout in furui's src/screen/README.md");
    if (!c.bad) write_candidates(&c, f, res, &o);
    if (!c.bad) write_provenance(&c, f, res);
    free_offsets(&o);
    if (c.bad) {
        H5Fclose(f); /* in memory: nothing to flush */
        quiet_end(q);
        if (c.code == FU_ENOMEM) return fu_fail(err, FU_ENOMEM, "%s: %s", path, c.what);
        return fu_fail(err, FU_ELIB, "%s: building the HDF5 file failed at %s", path, c.what);
    }
    rc = fu_h5mem_commit(f, path, err); /* closes f; a full disk is its write error */
    quiet_end(q);
    if (!rc && sync_parent_dir(path) != 0)
        rc = fu_fail(err, FU_EIO, "%s: cannot sync its directory: %s", path, strerror(errno));
    return rc;
}

int fu_results_finalize(const char *journal_path, const char *results_path, fu_store_report *rep,
                        fu_err *err) {
    fu_results r;
    int rc = fu_results_from_journal(journal_path, &r, rep, err);
    if (rc) return rc;
    rc = fu_results_write(results_path, &r, err);
    fu_results_free(&r);
    return rc;
}

/* ---- reading -------------------------------------------------------------------- */

static int check_offsets(const long long *o, size_t n, long long total) {
    if (o[0] != 0 || o[n] != total) return -1;
    for (size_t i = 0; i < n; i++)
        if (o[i + 1] < o[i]) return -1;
    return 0;
}

/* Length of a 1-D (or first dimension of an N-D) dataset, -1 if absent. */
static long long dim0(hid_t loc, const char *name) {
    if (H5Lexists(loc, name, H5P_DEFAULT) <= 0) return -1;
    hid_t d = H5Dopen2(loc, name, H5P_DEFAULT);
    if (d < 0) return -1;
    hid_t sp = H5Dget_space(d);
    hsize_t dims[4] = {0};
    int rank = H5Sget_simple_extent_ndims(sp);
    long long v = -1;
    if (rank >= 1 && rank <= 4 && H5Sget_simple_extent_dims(sp, dims, NULL) >= 0) v = (long long)dims[0];
    H5Sclose(sp);
    H5Dclose(d);
    return v;
}

/* The recovery history columns (recovery_offset and recovery_*). */
static void read_recovery(h5ctx *c, hid_t g, fu_cand_record *R, size_t n) {
    long long *ro = calloc(n + 1, sizeof *ro);
    if (!ro) {
        h5fail(c, FU_ENOMEM, "out of memory reading %s", "recovery");
        return;
    }
    get(c, g, "recovery_offset", H5T_NATIVE_LLONG, n + 1, ro);
    long long tot = c->bad ? 0 : ro[n];
    if (!c->bad && (tot < 0 || check_offsets(ro, n, tot))) {
        h5fail(c, FU_EINPUT, "%s", "candidates: recovery_offset is not cumulative counts");
        free(ro);
        return;
    }
    for (size_t i = 0; !c->bad && i < n; i++)
        if (ro[i + 1] - ro[i] > 64) h5fail(c, FU_EINPUT, "%s", "candidates: recovery history too long");
    size_t t = c->bad ? 0 : (size_t)tot;
    char **rung = get_vstr(c, g, "recovery_rung", t), **outc = get_vstr(c, g, "recovery_outcome", t),
         **msg = get_vstr(c, g, "recovery_message", t);
    int *it = calloc(t ? t : 1, sizeof *it);
    double *sec = calloc(t ? t : 1, sizeof *sec);
    if (!it || !sec) h5fail(c, FU_ENOMEM, "out of memory reading %s", "recovery");
    get(c, g, "recovery_iterations", H5T_NATIVE_INT, t, it);
    get(c, g, "recovery_seconds", H5T_NATIVE_DOUBLE, t, sec);
    for (size_t i = 0; !c->bad && i < n; i++)
        for (long long q = ro[i]; !c->bad && q < ro[i + 1]; q++)
            if (fu_cand_add_rung(&R[i], rung[q], outc[q], it[q], sec[q], msg[q], NULL))
                h5fail(c, FU_ENOMEM, "out of memory reading %s", "recovery");
    free_strs(rung, rung ? t : 0);
    free_strs(outc, outc ? t : 0);
    free_strs(msg, msg ? t : 0);
    free(it);
    free(sec);
    free(ro);
}

static size_t field_bytes(const fu_property_field *f) {
    return f->kind == FU_FIELD_STR ? (size_t)f->count
                                   : (size_t)f->count * (f->kind == FU_FIELD_F64 ? sizeof(double) : sizeof(int));
}

/* Fields [from, to) of property p from their datasets in g into the rows of R: into each
 * row's result (inline), or into blocks[i] where blocks is given (NULL entries skipped).
 * Ragged fields are the caller's. A dataset of the wrong size is refused. */
static void read_fields(h5ctx *c, hid_t g, const fu_property *p, size_t from, size_t to, fu_cand_record *R,
                        size_t n, void **blocks, double *dv, int *iv) {
    for (size_t k = from; k < to && !c->bad; k++) {
        const fu_property_field *f = &p->fields[k];
        if (f->count == 0) continue;
        if (blocks && H5Lexists(g, f->name, H5P_DEFAULT) <= 0) continue; /* an older table */
        char **sv = NULL;
        if (f->kind == FU_FIELD_STR) sv = get_vstr(c, g, f->name, n);
        else get(c, g, f->name, f->kind == FU_FIELD_F64 ? H5T_NATIVE_DOUBLE : H5T_NATIVE_INT,
                 (hsize_t)n * (hsize_t)f->count, f->kind == FU_FIELD_F64 ? (void *)dv : (void *)iv);
        for (size_t i = 0; i < n && !c->bad; i++) {
            char *d = blocks ? blocks[i] : (char *)&R[i].res;
            if (!d) continue;
            d += f->offset;
            if (f->kind == FU_FIELD_STR) snprintf(d, (size_t)f->count, "%s", sv && sv[i] ? sv[i] : "");
            else if (f->kind == FU_FIELD_F64) memcpy(d, dv + (size_t)f->count * i, field_bytes(f));
            else memcpy(d, iv + (size_t)f->count * i, field_bytes(f));
        }
        free_strs(sv, sv ? n : 0);
    }
}

/* A block property's group: `present`, then the fields this furui knows (a field the file
 * lacks stays 0; datasets it does not know are ignored). */
static void read_block(h5ctx *c, hid_t g0, const fu_property *p, size_t pi, fu_cand_record *R, size_t n,
                       double *dv, int *iv) {
    hid_t g = H5Gopen2(g0, p->name, H5P_DEFAULT);
    if (g < 0) return;
    void **blocks = calloc(n ? n : 1, sizeof *blocks);
    if (!blocks) h5fail(c, FU_ENOMEM, "out of memory reading %s", p->name);
    get(c, g, "present", H5T_NATIVE_INT, n, iv);
    for (size_t i = 0; i < n && !c->bad; i++)
        if (iv[i] && R[i].have_result && !(blocks[i] = R[i].res.block[pi] = calloc(1, p->block_size)))
            h5fail(c, FU_ENOMEM, "out of memory reading %s", p->name);
    if (!c->bad) read_fields(c, g, p, 0, p->nfields, R, n, blocks, dv, iv);
    free(blocks);
    H5Gclose(g);
}

static void read_candidates(h5ctx *c, hid_t f, fu_results *out) {
    hid_t g = H5Gopen2(f, "candidates", H5P_DEFAULT);
    if (g < 0) {
        h5fail(c, FU_EINPUT, "group %s is missing", "candidates");
        return;
    }
    long long nn = dim0(g, "id");
    if (nn < 0) {
        h5fail(c, FU_EINPUT, "dataset %s is missing", "candidates/id");
        H5Gclose(g);
        return;
    }
    size_t n = (size_t)nn, big = n ? n : 1;
    out->rec = calloc(big, sizeof *out->rec);
    char (*ids)[ID_BUF] = calloc(big, sizeof *ids);
    signed char *st = calloc(big, 1);
    int *iv = calloc(big * 9, sizeof *iv);
    double *dv = calloc(big * 9, sizeof *dv);
    offsets o = {calloc(n + 1, sizeof(long long)), calloc(n + 1, sizeof(long long)),
                 calloc(n + 1, sizeof(long long)), calloc(n + 1, sizeof(long long)),
                 calloc(n + 1, sizeof(long long))};
    char **label = NULL, **cause = NULL, **msg = NULL, **formula = NULL, **xc = NULL, **smear = NULL;
    char **pspp = NULL, **pspf = NULL;
    double *pspv = NULL;
    char **species = NULL, **pspn = NULL, **psph = NULL;
    int *natom = calloc(big, sizeof *natom), *nk = calloc(big, sizeof *nk),
        *nband = calloc(big, sizeof *nband), *nsp = calloc(big, sizeof *nsp),
        *nspin = calloc(big, sizeof *nspin), *neos = calloc(big, sizeof *neos);
    double *arr = NULL;
    int *zarr = NULL;
    long long ta = 0, tk = 0, tb = 0, ts = 0, te = 0; /* totals of atoms, k, (spin,k,band), species, EOS */
    int schema2 = dim0(g, "nspin") >= 0; /* absent in schema 1 */
    if (!out->rec || !ids || !st || !iv || !dv || !o.atom || !o.k || !o.band || !o.species || !o.eos ||
        !natom || !nk || !nband || !nsp || !nspin || !neos) {
        h5fail(c, FU_ENOMEM, "out of memory reading %s", "candidates");
        goto out;
    }
    for (size_t i = 0; i < n; i++) fu_cand_record_init(&out->rec[i]);
    out->n = n;
    fu_cand_record *R = out->rec;
    hid_t imt = id_mem_type();
    get(c, g, "id", imt, n, ids);
    H5Tclose(imt);
    for (size_t i = 0; i < n && !c->bad; i++) {
        fu_err e;
        if (fu_cand_record_set_id(&R[i], ids[i], &e)) h5fail(c, FU_EINPUT, "%s", "candidates/id holds an invalid id");
        else if (i && strcmp(R[i - 1].id, R[i].id) >= 0)
            h5fail(c, FU_EINPUT, "%s", "candidates/id is not strictly ascending (duplicate candidates)");
    }
    hid_t et = state_type();
    get(c, g, "state", et, n, st);
    H5Tclose(et);
    for (size_t i = 0; i < n; i++) R[i].state = st[i];
#define GETINT(name, field)                                 \
    do {                                                    \
        get(c, g, name, H5T_NATIVE_INT, n, iv);             \
        for (size_t i = 0; i < n && !c->bad; i++) field = iv[i]; \
    } while (0)
#define GETF64(name, field)                                 \
    do {                                                    \
        get(c, g, name, H5T_NATIVE_DOUBLE, n, dv);          \
        for (size_t i = 0; i < n && !c->bad; i++) field = dv[i]; \
    } while (0)
    GETINT("final", R[i].final);
    GETINT("attempts", R[i].attempt);
    GETINT("group", R[i].group);
    GETINT("have_result", R[i].have_result);
    GETF64("time_start", R[i].time_start);
    GETF64("time_end", R[i].time_end);
    if (dim0(g, "engine_seconds") >= 0) { /* absent in files of older furui */
        GETF64("engine_seconds", R[i].engine_seconds);
        GETF64("io_seconds", R[i].io_seconds);
        GETINT("settings_changed", R[i].settings_changed);
    }
    if (dim0(g, "stage_index") >= 0) { /* only in files of staged sweeps */
        GETINT("stage_index", R[i].stage);
        char **sn = get_vstr(c, g, "stage", n), **sr = get_vstr(c, g, "stage_root", n);
        for (size_t i = 0; i < n && !c->bad; i++) {
            snprintf(R[i].stage_name, sizeof R[i].stage_name, "%s", sn[i] ? sn[i] : "");
            snprintf(R[i].stage_root, sizeof R[i].stage_root, "%s", sr[i] ? sr[i] : "");
            if (R[i].stage < 0 || R[i].stage > 1000) h5fail(c, FU_EINPUT, "%s", "candidates/stage_index out of range");
        }
        free_strs(sn, sn ? n : 0);
        free_strs(sr, sr ? n : 0);
    }
    if (dim0(g, "ranks") >= 0) { /* only in files with layout records */
        GETINT("ranks", R[i].ranks);
        GETINT("k_groups", R[i].npk);
        GETINT("band_ranks", R[i].npb);
        for (size_t i = 0; i < n && !c->bad; i++)
            if (R[i].ranks < 0 || R[i].npk < 0 || R[i].npb < 0 || (long long)R[i].npk * R[i].npb > R[i].ranks)
                h5fail(c, FU_EINPUT, "%s", "candidates/ranks, k_groups, band_ranks out of range");
    }
    GETINT("natom", natom[i]);
    GETINT("nk", nk[i]);
    GETINT("nband", nband[i]);
    GETINT("nspecies", nsp[i]);
    for (size_t i = 0; i < n; i++) nspin[i] = 1;
    if (schema2) GETINT("nspin", nspin[i]);
    /* the built-in properties' columns: the SCF block's head is in every file, its spin part
     * in schema 2; relax and eos columns in schema 2; band-path ones where path_npoints is */
    size_t nreg;
    const fu_property *const *reg = fu_property_registry(&nreg);
    for (size_t p = 0; p < nreg && !c->bad; p++) {
        const fu_property *pr = reg[p];
        if (!pr->inline_block) {
            if (H5Lexists(g, pr->name, H5P_DEFAULT) > 0) read_block(c, g, pr, p, R, n, dv, iv);
            continue;
        }
        size_t from = 0, to = pr->nfields;
        if (pr == &fu_scfblock_property && !schema2) to = FU_SCFBLOCK_NHEAD;
        if (pr != &fu_scfblock_property && (!schema2 || dim0(g, pr->fields[0].name) < 0)) continue;
        read_fields(c, g, pr, from, to, R, n, NULL, dv, iv);
    }
    for (size_t i = 0; i < n && !c->bad; i++) neos[i] = R[i].res.eos_npoints;
#undef GETINT
#undef GETF64
    label = get_vstr(c, g, "label", n);
    cause = get_vstr(c, g, "cause", n);
    msg = get_vstr(c, g, "message", n);
    formula = get_vstr(c, g, "formula", n);
    xc = get_vstr(c, g, "xc", n);
    smear = get_vstr(c, g, "smearing", n);
    get(c, g, "atom_offset", H5T_NATIVE_LLONG, n + 1, o.atom);
    get(c, g, "k_offset", H5T_NATIVE_LLONG, n + 1, o.k);
    get(c, g, "band_offset", H5T_NATIVE_LLONG, n + 1, o.band);
    get(c, g, "species_offset", H5T_NATIVE_LLONG, n + 1, o.species);
    if (schema2) get(c, g, "eos_offset", H5T_NATIVE_LLONG, n + 1, o.eos);
    if (c->bad) goto out;
    /* The counts and offsets must agree, or slicing would run off the arrays. */
    for (size_t i = 0; i < n; i++) {
        if (!R[i].have_result) {
            natom[i] = nk[i] = nband[i] = nsp[i] = neos[i] = 0;
            nspin[i] = 1;
        }
        if (nspin[i] != 1 && nspin[i] != 2) {
            h5fail(c, FU_EINPUT, "%s", "candidates/nspin holds a value other than 1 or 2");
            goto out;
        }
        if (neos[i] < 0 || neos[i] > FU_CAND_EOS_MAXPOINTS) {
            h5fail(c, FU_EINPUT, "%s", "candidates/eos_npoints out of range");
            goto out;
        }
        if (natom[i] < 0 || nk[i] < 0 || nband[i] < 0 || nsp[i] < 0 ||
            o.atom[i + 1] - o.atom[i] != natom[i] || o.k[i + 1] - o.k[i] != nk[i] ||
            o.band[i + 1] - o.band[i] != (long long)nspin[i] * nk[i] * nband[i] ||
            o.species[i + 1] - o.species[i] != nsp[i] || o.eos[i + 1] - o.eos[i] != neos[i]) {
            h5fail(c, FU_EINPUT, "%s",
                   "candidates: counts (natom, nk, nspin x nband, nspecies, eos_npoints) disagree with the offsets");
            goto out;
        }
        ta += natom[i];
        tk += nk[i];
        tb += (long long)nspin[i] * nk[i] * nband[i];
        ts += nsp[i];
        te += neos[i];
    }
    if (check_offsets(o.atom, n, ta) || check_offsets(o.k, n, tk) || check_offsets(o.band, n, tb) ||
        check_offsets(o.species, n, ts) || check_offsets(o.eos, n, te)) {
        h5fail(c, FU_EINPUT, "%s", "candidates: offsets are not cumulative counts");
        goto out;
    }
    species = get_vstr(c, g, "species", (size_t)ts);
    pspn = get_vstr(c, g, "pseudopotential", (size_t)ts);
    psph = get_vstr(c, g, "pseudopotential_sha256", (size_t)ts);
    if (dim0(g, "pseudopotential_path") >= 0) { /* absent in files of older furui */
        pspp = get_vstr(c, g, "pseudopotential_path", (size_t)ts);
        pspf = get_vstr(c, g, "pseudopotential_format", (size_t)ts);
        pspv = calloc(ts ? 4 * ts : 1, sizeof *pspv);
        if (!pspv) h5fail(c, FU_ENOMEM, "out of memory reading %s", "pseudopotential columns");
        else {
            get(c, g, "pseudopotential_valence", H5T_NATIVE_DOUBLE, (hsize_t)ts, pspv);
            get(c, g, "pseudopotential_cutoff_hints", H5T_NATIVE_DOUBLE, (hsize_t)ts * 3, pspv + ts);
        }
    }
    if (c->bad) goto out;
    for (size_t i = 0; i < n; i++) {
        R[i].label = label[i], label[i] = NULL;
        R[i].cause = cause[i], cause[i] = NULL;
        R[i].message = msg[i], msg[i] = NULL;
        if (!R[i].have_result) {
            /* Columns of rows without a result hold fill values only. */
            memset(&R[i].res, 0, sizeof R[i].res);
            continue;
        }
        fu_cand_result *s = &R[i].res;
        s->formula = formula[i], formula[i] = NULL;
        s->xc = xc[i], xc[i] = NULL;
        s->smearing = smear[i], smear[i] = NULL;
        s->have_forces = s->have_forces != 0;
        fu_err e;
        if (fu_cand_result_alloc(s, natom[i], nk[i], nband[i], nsp[i], &e) ||
            fu_cand_result_set_nspin(s, nspin[i], &e)) {
            h5fail(c, FU_ENOMEM, "out of memory reading %s", "candidates");
            goto out;
        }
        s->eos_npoints = neos[i];
        if (s->path_npoints < 0) {
            h5fail(c, FU_EINPUT, "%s", "candidates/path_npoints is negative");
            goto out;
        }
        /* columns hold fill values where a property was not computed; in memory it is 0 */
        for (size_t p = 0; p < nreg; p++)
            if (reg[p]->inline_block && !fu_property_present(reg[p], p, s))
                for (size_t k = 0; k < reg[p]->nfields; k++)
                    if (reg[p]->fields[k].gated && reg[p]->fields[k].count > 0)
                        memset((char *)s + reg[p]->fields[k].offset, 0, field_bytes(&reg[p]->fields[k]));
        for (int k = 0; k < nsp[i]; k++) {
            snprintf(s->species[k], sizeof s->species[k], "%s", species[o.species[i] + k]);
            snprintf(s->psp_name[k], sizeof s->psp_name[k], "%s", pspn[o.species[i] + k]);
            snprintf(s->psp_sha256[k], sizeof s->psp_sha256[k], "%s", psph[o.species[i] + k]);
            size_t j = o.species[i] + (size_t)k;
            if (pspp && pspf && pspv) {
                fu_cand_psp *q = &s->psp[k];
                snprintf(q->path, sizeof q->path, "%s", pspp[j]);
                snprintf(q->format, sizeof q->format, "%s", pspf[j]);
                q->valence = isfinite(pspv[j]) ? pspv[j] : 0.0;
                for (int h = 0; h < 3; h++)
                    q->hints[h] = isfinite(pspv[ts + 3 * j + h]) ? pspv[ts + 3 * j + h] : 0.0;
            }
        }
    }
    size_t need = (size_t)(3 * ta > 3 * tk ? 3 * ta : 3 * tk);
    if ((size_t)tb > need) need = (size_t)tb;
    if ((size_t)te > need) need = (size_t)te;
    arr = calloc(need ? need : 1, sizeof *arr);
    zarr = calloc(ta ? (size_t)ta : 1, sizeof *zarr);
    if (!arr || !zarr) {
        h5fail(c, FU_ENOMEM, "out of memory reading %s", "candidates arrays");
        goto out;
    }
    get(c, g, "atomic_numbers", H5T_NATIVE_INT, (hsize_t)ta, zarr);
    for (size_t i = 0; i < n && !c->bad; i++)
        for (int a = 0; a < R[i].res.natom; a++) R[i].res.atomic_number[a] = zarr[o.atom[i] + a];
#define UNRAG(name, lo, total, cols, dst_expr, count_expr)                                  \
    do {                                                                                   \
        get(c, g, name, H5T_NATIVE_DOUBLE, (hsize_t)(total) * (cols), arr);               \
        for (size_t i = 0; i < n && !c->bad; i++) {                                        \
            double *d_ = (dst_expr);                                                       \
            if (d_) memcpy(d_, arr + (size_t)(lo)[i] * (cols), (size_t)(count_expr) * (cols) * sizeof(double)); \
        }                                                                                  \
    } while (0)
    UNRAG("xred", o.atom, ta, 3, R[i].res.xred ? &R[i].res.xred[0][0] : NULL, R[i].res.natom);
    UNRAG("forces", o.atom, ta, 3, R[i].res.forces ? &R[i].res.forces[0][0] : NULL, R[i].res.natom);
    UNRAG("kpoints_red", o.k, tk, 3, R[i].res.kred ? &R[i].res.kred[0][0] : NULL, R[i].res.nk);
    UNRAG("kweights", o.k, tk, 1, R[i].res.kweight, R[i].res.nk);
    UNRAG("eigenvalues", o.band, tb, 1, R[i].res.eig, (size_t)nspin[i] * R[i].res.nk * R[i].res.nband);
    UNRAG("occupations", o.band, tb, 1, R[i].res.occ, (size_t)nspin[i] * R[i].res.nk * R[i].res.nband);
    if (schema2) {
        UNRAG("eos_volume", o.eos, te, 1, R[i].have_result ? R[i].res.eos_volume : NULL, R[i].res.eos_npoints);
        UNRAG("eos_energy", o.eos, te, 1, R[i].have_result ? R[i].res.eos_energy : NULL, R[i].res.eos_npoints);
    }
#undef UNRAG
    if (!c->bad && dim0(g, "recovery_offset") >= 0) read_recovery(c, g, R, n);
out:
    free_strs(label, n);
    free_strs(cause, n);
    free_strs(msg, n);
    free_strs(formula, n);
    free_strs(xc, n);
    free_strs(smear, n);
    free_strs(species, (size_t)(species ? ts : 0));
    free_strs(pspn, (size_t)(pspn ? ts : 0));
    free_strs(psph, (size_t)(psph ? ts : 0));
    free_strs(pspp, (size_t)(pspp ? ts : 0));
    free_strs(pspf, (size_t)(pspf ? ts : 0));
    free(pspv);
    free(ids);
    free(st);
    free(iv);
    free(dv);
    free(arr);
    free(zarr);
    free(natom);
    free(nk);
    free(nband);
    free(nsp);
    free(nspin);
    free(neos);
    free_offsets(&o);
    H5Gclose(g);
}

static void read_provenance(h5ctx *c, hid_t f, fu_results *out) {
    hid_t g = H5Gopen2(f, "provenance", H5P_DEFAULT);
    if (g < 0) {
        h5fail(c, FU_EINPUT, "group %s is missing", "provenance");
        return;
    }
    out->sweep = get_str(c, g, "sweep");
    long long nsw = H5Lexists(g, "sweeps", H5P_DEFAULT) > 0 ? dim0(g, "sweeps") : -1;
    if (nsw > 0 && nsw <= 100000) { /* files before it hold the one sweep */
        out->sweeps = get_vstr(c, g, "sweeps", (size_t)nsw);
        if (out->sweeps) out->nsweeps = (size_t)nsw;
    } else if (!c->bad && out->sweep && fu_results_add_sweep(out, out->sweep, NULL)) {
        h5fail(c, FU_ENOMEM, "out of memory reading %s", "provenance");
    }
    long long m = dim0(g, "runs/time");
    if (m < 0) h5fail(c, FU_EINPUT, "dataset %s is missing", "provenance/runs/time");
    size_t nr = m > 0 ? (size_t)m : 0, big = nr ? nr : 1;
    double *dv = calloc(big, sizeof *dv);
    int *iv = calloc(big, sizeof *iv);
    out->runs = calloc(big, sizeof *out->runs);
    if (!dv || !iv || !out->runs) h5fail(c, FU_ENOMEM, "out of memory reading %s", "provenance");
    if (!c->bad) {
        out->nruns = nr;
        fu_run_info *R = out->runs;
        get(c, g, "runs/time", H5T_NATIVE_DOUBLE, nr, dv);
        for (size_t i = 0; i < nr && !c->bad; i++) R[i].time = dv[i];
#define RSTR(name, field)                                                      \
    do {                                                                       \
        char **v_ = get_vstr(c, g, "runs/" name, nr);                          \
        for (size_t i = 0; v_ && i < nr; i++)                                  \
            snprintf(R[i].field, sizeof R[i].field, "%s", v_[i]);              \
        free_strs(v_, nr);                                                     \
    } while (0);
#define RINT(name, field)                                                      \
    do {                                                                       \
        get(c, g, "runs/" name, H5T_NATIVE_INT, nr, iv);                       \
        for (size_t i = 0; i < nr && !c->bad; i++) R[i].field = iv[i];         \
    } while (0);
        RUN_INFO_FIELDS(RSTR, RINT)
#undef RSTR
#undef RINT
    }
    free(dv);
    free(iv);
    long long ms = dim0(g, "sources/path");
    size_t ns = ms > 0 ? (size_t)ms : 0;
    out->sources = calloc(ns ? ns : 1, sizeof *out->sources);
    long long *nv = calloc(ns ? ns : 1, sizeof *nv);
    if (!out->sources || !nv) h5fail(c, FU_ENOMEM, "out of memory reading %s", "provenance");
    char **p = get_vstr(c, g, "sources/path", ns), **k = get_vstr(c, g, "sources/kind", ns),
         **h = get_vstr(c, g, "sources/sha256", ns);
    get(c, g, "sources/n_candidates", H5T_NATIVE_LLONG, ns, nv);
    if (!c->bad) {
        out->nsources = ns;
        for (size_t i = 0; i < ns; i++) {
            out->sources[i].path = p[i], p[i] = NULL;
            snprintf(out->sources[i].kind, sizeof out->sources[i].kind, "%s", k[i]);
            snprintf(out->sources[i].sha256, sizeof out->sources[i].sha256, "%s", h[i]);
            out->sources[i].ncand = nv[i] > 0 ? (size_t)nv[i] : 0;
        }
    }
    free_strs(p, ns);
    free_strs(k, ns);
    free_strs(h, ns);
    free(nv);
    H5Gclose(g);
}

int fu_results_read(const char *path, fu_results *out, fu_err *err) {
    memset(out, 0, sizeof *out);
    if (fu_check_regular(path, err)) return FU_EIO; /* HDF5 would block on a FIFO */
    h5quiet q = quiet_begin();
    int rc = FU_OK;
    if (H5Fis_hdf5(path) <= 0) {
        quiet_end(q);
        return fu_fail(err, FU_EINPUT, "%s: not a furui results file (not an HDF5 file)", path);
    }
    hid_t fapl = fapl_nolock();
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, fapl);
    H5Pclose(fapl);
    if (f < 0) { /* readable (checked above) and not locked (locking off): damaged content */
        quiet_end(q);
        return fu_fail(err, FU_EINPUT, "%s: damaged or truncated HDF5 file (HDF5 cannot open it)",
                       path);
    }
    char schema[128];
    long long ver = 0;
    if (read_attr_str(f, "schema", schema, sizeof schema) != 0)
        rc = fu_fail(err, FU_EINPUT, "%s: not a furui results file (no 'schema' attribute)", path);
    else if (strcmp(schema, FU_RESULTS_SCHEMA) != 0)
        rc = fu_fail(err, FU_EINPUT, "%s: not a furui results file (schema is '%s', expected '%s')",
                     path, schema, FU_RESULTS_SCHEMA);
    else if (read_attr_i64(f, "schema_version", &ver) != 0)
        rc = fu_fail(err, FU_EINPUT, "%s: results file has no integer 'schema_version' attribute",
                     path);
    else if (ver > FU_RESULTS_SCHEMA_VERSION)
        rc = fu_fail(err, FU_EINPUT, "%s: results schema_version %lld is newer than this furui "
                     "supports (%d); read it with a newer furui", path, ver,
                     FU_RESULTS_SCHEMA_VERSION);
    else if (ver < 1)
        rc = fu_fail(err, FU_EINPUT, "%s: results schema_version %lld is invalid", path, ver);
    if (!rc) {
        out->schema_version = (int)ver;
        h5ctx c = {0};
        read_candidates(&c, f, out);
        if (!c.bad) read_provenance(&c, f, out);
        if (c.bad) rc = fu_fail(err, c.code, "%s: %s", path, c.what);
    }
    H5Fclose(f);
    quiet_end(q);
    if (rc) fu_results_free(out);
    return rc;
}

static int load(const char *path, fu_results *out, fu_store_report *rep, int *is_journal,
                fu_err *err) {
    *is_journal = 0;
    unsigned char head[8] = {0};
    FILE *fp = fu_fopen_regular(path, NULL, err); /* a FIFO would block in open(2) */
    if (!fp) {
        memset(out, 0, sizeof *out);
        return FU_EIO;
    }
    size_t got = fread(head, 1, sizeof head, fp);
    fclose(fp);
    static const unsigned char hdf5_sig[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
    if (got == 8 && memcmp(head, hdf5_sig, 8) == 0) {
        if (rep) memset(rep, 0, sizeof *rep);
        int rc = fu_results_read(path, out, err);
        if (!rc && rep) {
            rep->ncand = out->n;
            count_states(out, &rep->ndone, &rep->nfailed, &rep->ninvalid, &rep->nunfinished);
        }
        return rc;
    }
    /* An empty file is an empty journal (killed while being created), but a results file is
       renamed into place only when complete: an empty *.h5 is a lost or truncated copy. */
    size_t l = strlen(path);
    if (got < 8 && ((l >= 3 && !strcmp(path + l - 3, ".h5")) || (l >= 5 && !strcmp(path + l - 5, ".hdf5")))) {
        memset(out, 0, sizeof *out);
        return fu_fail(err, FU_EINPUT, "%s: %s, not an HDF5 results file (truncated copy?)", path,
                       got ? "only a few bytes" : "empty file");
    }
    /* Everything else goes to the journal reader, which names what is wrong. */
    *is_journal = 1;
    return fu_results_from_journal(path, out, rep, err);
}

int fu_results_load(const char *path, fu_results *out, fu_store_report *rep, fu_err *err) {
    int is_journal;
    return load(path, out, rep, &is_journal, err);
}

/* ---- merge ----------------------------------------------------------------------- */

void fu_merge_report_free(fu_merge_report *rep) {
    if (!rep) return;
    free(rep->missing);
    free(rep->unexpected);
    free(rep->failed);
    free(rep->unfinished);
    memset(rep, 0, sizeof *rep);
}

typedef struct {
    fu_cand_record *rec;
    size_t src;
} entry;

static int cmp_entry(const void *a, const void *b) {
    const entry *x = a, *y = b;
    int c = strcmp(x->rec->id, y->rec->id);
    if (c) return c;
    return x->src < y->src ? -1 : x->src > y->src;
}

static int push_id(char (**list)[ID_BUF], size_t *n, const char *id) {
    char(*q)[ID_BUF] = realloc(*list, (*n + 1) * sizeof *q);
    if (!q) return -1;
    memcpy(q[*n], id, ID_BUF);
    *list = q;
    (*n)++;
    return 0;
}

int fu_results_merge(const char *const *inputs, size_t ninputs, const char *const *expected,
                     size_t nexpected, const char *out_path, fu_merge_report *rep, fu_err *err) {
    memset(rep, 0, sizeof *rep);
    if (ninputs == 0) return fu_fail(err, FU_EINPUT, "merge: no input files");
    fu_results *in = calloc(ninputs, sizeof *in);
    fu_results out;
    memset(&out, 0, sizeof out);
    out.schema_version = FU_RESULTS_SCHEMA_VERSION;
    entry *all = NULL;
    char (*exp)[ID_BUF] = NULL;
    int rc = FU_OK;
    if (!in) return fu_fail(err, FU_ENOMEM, "merge: out of memory");

    size_t total = 0;
    char *is_journal = calloc(ninputs, 1);
    if (!is_journal) {
        free(in);
        return fu_fail(err, FU_ENOMEM, "merge: out of memory");
    }
    for (size_t s = 0; s < ninputs && !rc; s++) {
        fu_store_report r1;
        int j;
        rc = load(inputs[s], &in[s], &r1, &j, err);
        is_journal[s] = (char)j;
        if (!rc && r1.diag.warning[0]) note(rep->warning, sizeof rep->warning, r1.diag.warning);
        total += in[s].n;
    }
    if (rc) goto done;
    /* Shards of one sweep share its text; several sweeps are a campaign of several (every
       text is kept), worth a word in case it was not meant. */
    for (size_t s = 1; s < ninputs; s++) {
        if (!in[s].sweep || !in[0].sweep || !in[s].sweep[0] || !in[0].sweep[0]) continue;
        if (strcmp(in[s].sweep, in[0].sweep) != 0) {
            char t[FU_ERR_MSG_LEN];
            snprintf(t, sizeof t, "%.400s and %.400s come from different sweep texts (all kept in "
                     "provenance/sweeps)", inputs[0], inputs[s]);
            note(rep->warning, sizeof rep->warning, t);
            break;
        }
    }

    all = calloc(total ? total : 1, sizeof *all);
    out.rec = calloc(total ? total : 1, sizeof *out.rec);
    out.sources = calloc(ninputs, sizeof *out.sources);
    if (!all || !out.rec || !out.sources) {
        rc = fu_fail(err, FU_ENOMEM, "merge: out of memory");
        goto done;
    }
    size_t k = 0;
    for (size_t s = 0; s < ninputs; s++)
        for (size_t i = 0; i < in[s].n; i++) all[k++] = (entry){&in[s].rec[i], s};
    if (total) qsort(all, total, sizeof *all, cmp_entry);

    for (size_t a = 0; a < total;) {
        size_t b = a + 1;
        while (b < total && strcmp(all[b].rec->id, all[a].rec->id) == 0) b++;
        size_t win = a;
        int maxatt = all[a].rec->attempt;
        for (size_t x = a + 1; x < b; x++) {
            if (all[x].rec->attempt > maxatt) maxatt = all[x].rec->attempt;
            const fu_cand_record *w = all[win].rec, *y = all[x].rec;
            const char *diff = fu_cand_record_diff(w, y, 0);
            if (!diff) {
                rep->ncollapsed++;
                continue;
            }
            rep->nsuperseded++;
            int wd = w->state == FU_CAND_DONE, yd = y->state == FU_CAND_DONE;
            const char *far = wd && yd ? fu_cand_record_diff_close(w, y) : diff;
            if (wd && yd && !far) {
                /* the same calculation up to rounding: the earlier input's row stays */
                rep->nsuperseded--;
                rep->ncollapsed++;
                rep->nclose++;
                continue;
            }
            if (wd && yd) {
                if (rep->nconflicts++ == 0)
                    snprintf(rep->conflict, sizeof rep->conflict,
                             "candidate %s has different done results in %.400s and %.400s "
                             "(first difference beyond rounding: %s)", w->id, inputs[all[win].src],
                             inputs[all[x].src], far);
                continue;
            }
            if (wd) continue;
            int wt = fu_cand_state_terminal(w->state, w->final);
            int yt = fu_cand_state_terminal(y->state, y->final);
            if (yd || (yt && !wt) || (yt == wt && y->time_end > w->time_end)) win = x;
        }
        fu_cand_record *dst = &out.rec[out.n++];
        *dst = *all[win].rec; /* move; the inputs are freed below */
        fu_cand_record_init(all[win].rec);
        dst->attempt = maxatt;
        a = b;
    }
    if (rep->nconflicts) {
        rc = fu_fail(err, FU_EINPUT, "merge: %zu conflicting candidate(s); first: %s",
                     rep->nconflicts, rep->conflict);
        goto done;
    }

    for (size_t i = 0; i < out.n; i++) {
        const fu_cand_record *x = &out.rec[i];
        int bad = 0;
        if (x->state == FU_CAND_FAILED || x->state == FU_CAND_INVALID)
            bad = push_id(&rep->failed, &rep->nfailed_ids, x->id);
        else if (x->state != FU_CAND_DONE)
            bad = push_id(&rep->unfinished, &rep->nunfinished_ids, x->id);
        if (bad) {
            rc = fu_fail(err, FU_ENOMEM, "merge: out of memory");
            goto done;
        }
    }
    if (expected) {
        exp = calloc(nexpected ? nexpected : 1, sizeof *exp);
        if (!exp) {
            rc = fu_fail(err, FU_ENOMEM, "merge: out of memory");
            goto done;
        }
        for (size_t i = 0; i < nexpected; i++) {
            fu_cand_record tmp;
            fu_cand_record_init(&tmp);
            if ((rc = fu_cand_record_set_id(&tmp, expected[i], err))) {
                fu_err_prefix(err, "merge: expected id %zu", i + 1);
                goto done;
            }
            memcpy(exp[i], tmp.id, ID_BUF);
        }
        if (nexpected) qsort(exp, nexpected, sizeof *exp, cmp_id);
        size_t i = 0, j = 0;
        while (i < nexpected || j < out.n) {
            if (i + 1 < nexpected && strcmp(exp[i], exp[i + 1]) == 0) {
                i++; /* the expected list may repeat an ID */
                continue;
            }
            int c = i >= nexpected ? 1 : j >= out.n ? -1 : strcmp(exp[i], out.rec[j].id);
            int bad = 0;
            if (c < 0) bad = push_id(&rep->missing, &rep->nmissing, exp[i++]);
            else if (c > 0) bad = push_id(&rep->unexpected, &rep->nunexpected, out.rec[j++].id);
            else i++, j++;
            if (bad) {
                rc = fu_fail(err, FU_ENOMEM, "merge: out of memory");
                goto done;
            }
        }
    }
    rep->ncand = out.n;
    count_states(&out, &rep->ndone, &rep->nfailed, &rep->ninvalid, &rep->nunfinished);

    if (out_path) {
        for (size_t s = 0; s < ninputs && !rc; s++) {
            rc = fu_results_add_sweep(&out, in[s].sweep, err);
            for (size_t k = 0; k < in[s].nsweeps && !rc; k++) rc = fu_results_add_sweep(&out, in[s].sweeps[k], err);
        }
        if (!rc && !out.sweep && !(out.sweep = dup_str(""))) rc = fu_fail(err, FU_ENOMEM, "merge: out of memory");
        if (rc) goto done;
        for (size_t s = 0; s < ninputs && !rc; s++) {
            for (size_t i = 0; i < in[s].nruns && !rc; i++) rc = push_run(&out, &in[s].runs[i], err);
            fill_source(&out.sources[out.nsources++], inputs[s],
                        is_journal[s] ? "journal" : "results", in[s].n);
        }
        if (!rc) rc = fu_results_write(out_path, &out, err);
    }

done:
    for (size_t s = 0; s < ninputs; s++) fu_results_free(&in[s]);
    free(in);
    free(is_journal);
    free(all);
    free(exp);
    fu_results_free(&out);
    return rc;
}
