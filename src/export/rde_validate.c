/* `furui validate`: an RDE package (directory or zip) checked against its
 * own metadata-def.json and SHA256SUMS (rde.h). rdetoolkit's `validate
 * metadata` checks only the structure of metadata.json, not its keys, types
 * and units against metadata-def.json; that cross-check is done here. */
#include "export/rde.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <zip.h>

#include "core/hash.h"

#define PATHLEN 4200
#define DEF "tasksupport/metadata-def.json"

typedef struct {
    char *name;           /* path inside the package, '/'-separated */
    unsigned char *data;
    size_t len;
} mfile;

typedef struct {
    char label[PATHLEN];  /* the package as the user named it */
    char sep;             /* '/' for a directory, ':' for a zip */
    size_t n, cap;
    mfile *f;             /* sorted by name */
    FILE *out;
    fu_rde_check *rep;
} vpkg;

static void vpkg_free(vpkg *p) {
    for (size_t i = 0; i < p->n; i++) {
        free(p->f[i].name);
        free(p->f[i].data);
    }
    free(p->f);
    p->f = NULL;
    p->n = p->cap = 0;
}

/* One problem line: PACKAGE/FILE: KEY: message (KEY omitted when NULL). */
static void problem(vpkg *p, const char *file, const char *key, const char *fmt, ...) {
    fprintf(p->out, "%s%c%s: ", p->label, p->sep, file);
    if (key) fprintf(p->out, "%s: ", key);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(p->out, fmt, ap);
    va_end(ap);
    fputc('\n', p->out);
    p->rep->nproblems++;
}

static int add_file(vpkg *p, const char *name, unsigned char *data, size_t len, fu_err *err) {
    if (p->n == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 64;
        mfile *f2 = realloc(p->f, cap * sizeof *f2);
        if (!f2) return fu_fail(err, FU_ENOMEM, "out of memory reading %s", p->label);
        p->f = f2;
        p->cap = cap;
    }
    char *nm = strdup(name);
    if (!nm) return fu_fail(err, FU_ENOMEM, "out of memory reading %s", p->label);
    p->f[p->n++] = (mfile){nm, data, len};
    return FU_OK;
}

static int read_all(const char *path, unsigned char **data, size_t *len, fu_err *err) {
    FILE *f = fopen(path, "rb");
    if (!f) return fu_fail(err, FU_EINPUT, "%s: cannot read: %s", path, strerror(errno));
    size_t cap = 4096, n = 0;
    unsigned char *b = malloc(cap);
    while (b) {
        n += fread(b + n, 1, cap - n, f);
        if (n < cap) break;
        unsigned char *b2 = realloc(b, cap *= 2);
        if (!b2) free(b);
        b = b2;
    }
    int bad = ferror(f);
    fclose(f);
    if (!b) return fu_fail(err, FU_ENOMEM, "%s: out of memory", path);
    if (bad) {
        free(b);
        return fu_fail(err, FU_EINPUT, "%s: read error", path);
    }
    *data = b;
    *len = n;
    return FU_OK;
}

/* Every regular file below root/rel. */
static int load_dir(vpkg *p, const char *root, const char *rel, fu_err *err) {
    char path[PATHLEN];
    snprintf(path, sizeof path, "%s%s%s", root, rel[0] ? "/" : "", rel);
    DIR *d = opendir(path);
    if (!d) return fu_fail(err, FU_EINPUT, "%s: cannot read directory: %s", path, strerror(errno));
    struct dirent *e;
    int rc = FU_OK;
    while (!rc && (e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        char sub[PATHLEN], full[PATHLEN];
        if (snprintf(sub, sizeof sub, "%s%s%s", rel, rel[0] ? "/" : "", e->d_name) >= (int)sizeof sub ||
            snprintf(full, sizeof full, "%s/%s", root, sub) >= (int)sizeof full) {
            rc = fu_fail(err, FU_EINPUT, "%s: path too long", path);
            break;
        }
        struct stat st;
        if (lstat(full, &st) != 0) {
            rc = fu_fail(err, FU_EINPUT, "%s: %s", full, strerror(errno));
        } else if (S_ISDIR(st.st_mode)) {
            rc = load_dir(p, root, sub, err);
        } else {
            unsigned char *data = NULL;
            size_t len = 0;
            rc = read_all(full, &data, &len, err);
            if (!rc) rc = add_file(p, sub, data, len, err);
            if (rc) free(data);
        }
    }
    closedir(d);
    return rc;
}

static int load_zip(vpkg *p, const char *path, fu_err *err) {
    int ze = 0;
    zip_t *z = zip_open(path, ZIP_RDONLY | ZIP_CHECKCONS, &ze);
    if (!z) {
        zip_error_t e;
        zip_error_init_with_code(&e, ze);
        int rc = fu_fail(err, FU_EINPUT, "%s: not a readable zip: %s", path, zip_error_strerror(&e));
        zip_error_fini(&e);
        return rc;
    }
    int rc = FU_OK;
    zip_int64_t n = zip_get_num_entries(z, 0);
    for (zip_int64_t i = 0; i < n && !rc; i++) {
        zip_stat_t st;
        if (zip_stat_index(z, (zip_uint64_t)i, 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE) || !st.name) {
            rc = fu_fail(err, FU_EINPUT, "%s: entry %lld unreadable: %s", path, (long long)i, zip_strerror(z));
            break;
        }
        size_t nl = strlen(st.name);
        if (nl && st.name[nl - 1] == '/') continue; /* a directory entry */
        unsigned char *data = malloc(st.size ? st.size : 1);
        zip_file_t *f = data ? zip_fopen_index(z, (zip_uint64_t)i, 0) : NULL;
        if (!data) rc = fu_fail(err, FU_ENOMEM, "%s: out of memory", path);
        else if (!f || zip_fread(f, data, st.size) != (zip_int64_t)st.size)
            rc = fu_fail(err, FU_EINPUT, "%s: %s: cannot read (corrupt zip?): %s", path, st.name, zip_strerror(z));
        if (f) zip_fclose(f);
        if (!rc) rc = add_file(p, st.name, data, st.size, err);
        if (rc) free(data);
    }
    zip_discard(z);
    return rc;
}

static int cmp_mfile(const void *a, const void *b) { return strcmp(((const mfile *)a)->name, ((const mfile *)b)->name); }

static const mfile *find(const vpkg *p, const char *name) {
    mfile key = {(char *)name, NULL, 0};
    return bsearch(&key, p->f, p->n, sizeof *p->f, cmp_mfile);
}

/* Parses a JSON file of the package; a problem line and NULL if it fails. */
static json_t *load_json(vpkg *p, const char *name, int required) {
    const mfile *f = find(p, name);
    if (!f) {
        if (required) problem(p, name, NULL, "missing");
        return NULL;
    }
    json_error_t je;
    json_t *j = json_loadb((const char *)f->data, f->len, JSON_REJECT_DUPLICATES, &je);
    if (!j) problem(p, name, NULL, "not valid JSON: line %d: %s", je.line, je.text);
    return j;
}

/* ---- SHA256SUMS ---- */

static void check_sums(vpkg *p) {
    const mfile *s = find(p, "SHA256SUMS");
    if (!s) {
        problem(p, "SHA256SUMS", NULL, "missing: file hashes cannot be checked");
        return;
    }
    char *listed = calloc(p->n ? p->n : 1, 1);
    if (!listed) {
        problem(p, "SHA256SUMS", NULL, "out of memory");
        return;
    }
    const char *t = (const char *)s->data, *end = t + s->len;
    for (int line = 1; t < end; line++) {
        const char *nl = memchr(t, '\n', (size_t)(end - t));
        size_t n = nl ? (size_t)(nl - t) : (size_t)(end - t);
        char buf[PATHLEN];
        char where[32];
        snprintf(where, sizeof where, "line %d", line);
        if (n == 0 || n >= sizeof buf) {
            problem(p, "SHA256SUMS", where, n ? "line too long" : "empty line");
        } else {
            memcpy(buf, t, n);
            buf[n] = '\0';
            int hexok = n > 66;
            for (int i = 0; hexok && i < 64; i++) hexok = isxdigit((unsigned char)buf[i]) != 0;
            if (!hexok || buf[64] != ' ' || (buf[65] != ' ' && buf[65] != '*')) {
                problem(p, "SHA256SUMS", where, "not \"<64 hex digits>  <path>\"");
            } else {
                const char *name = buf + 66;
                const mfile *f = find(p, name);
                if (!f) {
                    problem(p, name, NULL, "listed in SHA256SUMS but absent");
                } else {
                    listed[f - p->f] = 1;
                    char hex[FU_SHA256_HEX_LEN];
                    fu_err e = {0};
                    p->rep->nfiles++;
                    if (fu_sha256_hex(f->data, f->len, hex, &e) != FU_OK)
                        problem(p, name, NULL, "cannot hash: %s", e.msg);
                    else if (strncasecmp(hex, buf, 64) != 0)
                        problem(p, name, NULL, "SHA-256 %s differs from SHA256SUMS (%.64s): file changed", hex, buf);
                }
            }
        }
        t += n + 1;
    }
    for (size_t i = 0; i < p->n; i++)
        if (!listed[i] && strcmp(p->f[i].name, "SHA256SUMS") != 0) problem(p, p->f[i].name, NULL, "not listed in SHA256SUMS");
    free(listed);
}

/* ---- values against definitions ---- */

static const char *json_kind(const json_t *v) {
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a real number";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    default: return "null";
    }
}

static int type_ok(const char *type, const json_t *v) {
    if (strcmp(type, "string") == 0) return json_is_string(v);
    if (strcmp(type, "integer") == 0) return json_is_integer(v);
    if (strcmp(type, "number") == 0) return json_is_number(v);
    if (strcmp(type, "boolean") == 0) return json_is_boolean(v);
    if (strcmp(type, "array") == 0) return json_is_array(v);
    return 0;
}

static const char *const known_types[] = {"string", "integer", "number", "boolean", "array"};

/* Checks every definition: names ja/en, schema.type, unit. */
static void check_def(vpkg *p, json_t *def) {
    if (!json_is_object(def)) {
        problem(p, DEF, NULL, "top level is %s, not an object of key definitions", json_kind(def));
        return;
    }
    const char *key;
    json_t *e;
    json_object_foreach(def, key, e) {
        if (!json_is_object(e)) {
            problem(p, DEF, key, "definition is %s, not an object", json_kind(e));
            continue;
        }
        json_t *name = json_object_get(e, "name");
        for (int l = 0; l < 2; l++) {
            const char *lang = l ? "en" : "ja";
            json_t *s = json_is_object(name) ? json_object_get(name, lang) : NULL;
            if (!json_is_string(s) || !json_string_length(s)) problem(p, DEF, key, "name.%s missing or empty", lang);
        }
        json_t *sch = json_object_get(e, "schema"), *ty = json_is_object(sch) ? json_object_get(sch, "type") : NULL;
        int ok = 0;
        for (size_t i = 0; json_is_string(ty) && i < sizeof known_types / sizeof *known_types; i++)
            ok |= strcmp(json_string_value(ty), known_types[i]) == 0;
        if (!ok) problem(p, DEF, key, "schema.type missing or not one of string, integer, number, boolean, array");
        json_t *u = json_object_get(e, "unit");
        if (u && !json_is_string(u) && !json_is_null(u)) problem(p, DEF, key, "unit is %s, not a string", json_kind(u));
    }
}

static void check_item(vpkg *p, const char *file, const char *where, json_t *def_e, json_t *item) {
    if (!json_is_object(item)) {
        problem(p, file, where, "is %s, not {\"value\": ..., \"unit\": ...}", json_kind(item));
        return;
    }
    json_t *v = json_object_get(item, "value");
    if (!v) {
        problem(p, file, where, "no \"value\"");
        return;
    }
    json_t *sch = json_object_get(def_e, "schema"), *ty = json_is_object(sch) ? json_object_get(sch, "type") : NULL;
    if (json_is_string(ty) && !type_ok(json_string_value(ty), v))
        problem(p, file, where, "value is %s, metadata-def.json says %s", json_kind(v), json_string_value(ty));
    if (json_is_string(v) && json_string_length(v) > FU_RDE_STRING_MAX)
        problem(p, file, where, "string value is %zu bytes, limit %d (rdetoolkit MAX_VALUE_SIZE)", json_string_length(v),
                FU_RDE_STRING_MAX);
    json_t *du = json_object_get(def_e, "unit"), *iu = json_object_get(item, "unit");
    const char *dus = json_is_string(du) ? json_string_value(du) : NULL;
    const char *ius = json_is_string(iu) ? json_string_value(iu) : NULL;
    if (iu && !json_is_null(iu) && !ius)
        problem(p, file, where, "unit is %s, not a string", json_kind(iu));
    else if (dus && !ius)
        problem(p, file, where, "unit missing, metadata-def.json says \"%s\"", dus);
    else if (dus && strcmp(dus, ius) != 0)
        problem(p, file, where, "unit \"%s\", metadata-def.json says \"%s\"", ius, dus);
    else if (!dus && ius)
        problem(p, file, where, "unit \"%s\" given, metadata-def.json defines none", ius);
}

static void check_metadata(vpkg *p, const char *file, json_t *def) {
    json_t *m = load_json(p, file, 1);
    if (!m) return;
    json_t *c = json_object_get(m, "constant"), *var = json_object_get(m, "variable");
    if (!json_is_object(m)) {
        problem(p, file, NULL, "top level is %s, not an object", json_kind(m));
    } else {
        if (!json_is_object(c)) problem(p, file, "constant", c ? "is %s, not an object" : "missing%s", c ? json_kind(c) : "");
        if (!json_is_array(var))
            problem(p, file, "variable", var ? "is %s, not an array" : "missing%s", var ? json_kind(var) : "");
        const char *k;
        json_t *e;
        char where[1200];
        size_t j;
        if (json_is_object(c))
            json_object_foreach(c, k, e) {
                snprintf(where, sizeof where, "constant.%s", k);
                json_t *d = json_is_object(def) ? json_object_get(def, k) : NULL;
                if (!json_is_object(def)) continue; /* its own problem is reported */
                if (!d) problem(p, file, where, "not defined in " DEF);
                else check_item(p, file, where, d, e);
            }
        if (json_is_array(var))
            json_array_foreach(var, j, e) {
                if (!json_is_object(e)) {
                    snprintf(where, sizeof where, "variable[%zu]", j);
                    problem(p, file, where, "is %s, not an object", json_kind(e));
                    continue;
                }
                const char *k2;
                json_t *e2;
                json_object_foreach(e, k2, e2) {
                    snprintf(where, sizeof where, "variable[%zu].%s", j, k2);
                    json_t *d = json_is_object(def) ? json_object_get(def, k2) : NULL;
                    if (!json_is_object(def)) continue;
                    if (!d) problem(p, file, where, "not defined in " DEF);
                    else check_item(p, file, where, d, e2);
                }
            }
        /* a key defined as constant (no "variable" flag) must be present */
        if (json_is_object(c) && json_is_object(def))
            json_object_foreach(def, k, e) {
                json_t *vf = json_is_object(e) ? json_object_get(e, "variable") : NULL;
                if (vf && json_is_true(vf)) continue;
                if (vf && json_is_integer(vf) && json_integer_value(vf)) continue;
                if (!json_object_get(c, k)) {
                    snprintf(where, sizeof where, "constant.%s", k);
                    problem(p, file, where, "missing (defined in " DEF ")");
                }
            }
    }
    json_decref(m);
}

static void check_invoice(vpkg *p) {
    json_t *sch = load_json(p, "tasksupport/invoice.schema.json", 1), *inv = load_json(p, "invoice/invoice.json", 1);
    const char *IF = "invoice/invoice.json";
    if (inv) {
        json_t *b = json_object_get(inv, "basic");
        if (!json_is_string(json_object_get(inv, "datasetId"))) problem(p, IF, "datasetId", "missing or not a string");
        if (!json_is_object(b)) problem(p, IF, "basic", "missing or not an object");
        else if (!json_is_string(json_object_get(b, "dataName"))) problem(p, IF, "basic.dataName", "missing or not a string");
    }
    json_t *cs = sch ? json_object_get(json_object_get(json_object_get(sch, "properties"), "custom"), "properties") : NULL;
    json_t *cu = inv ? json_object_get(inv, "custom") : NULL;
    if (inv && sch && json_is_object(cs)) {
        char where[1200];
        const char *k;
        json_t *e;
        if (!json_is_object(cu)) {
            problem(p, IF, "custom", "missing or not an object (invoice.schema.json defines custom)");
        } else {
            json_object_foreach(cu, k, e) {
                snprintf(where, sizeof where, "custom.%s", k);
                json_t *d = json_object_get(cs, k), *ty = json_object_get(d, "type");
                if (!d) problem(p, IF, where, "not defined in invoice.schema.json");
                else if (json_is_string(ty) && !type_ok(json_string_value(ty), e))
                    problem(p, IF, where, "value is %s, invoice.schema.json says %s", json_kind(e), json_string_value(ty));
            }
            size_t i;
            json_t *req = json_object_get(json_object_get(json_object_get(sch, "properties"), "custom"), "required");
            json_array_foreach(req, i, e) {
                if (json_is_string(e) && !json_object_get(cu, json_string_value(e))) {
                    snprintf(where, sizeof where, "custom.%s", json_string_value(e));
                    problem(p, IF, where, "missing (required by invoice.schema.json)");
                }
            }
        }
    }
    json_decref(sch);
    json_decref(inv);
}

static int is4digits(const char *s, size_t n) {
    if (n != 4) return 0;
    for (size_t i = 0; i < 4; i++)
        if (!isdigit((unsigned char)s[i])) return 0;
    return 1;
}

static void check_tiles(vpkg *p, json_t *def) {
    int *seen = calloc(FU_RDE_MAX_TILES + 1, sizeof *seen);
    if (!seen) {
        problem(p, "divided", NULL, "out of memory");
        return;
    }
    for (size_t i = 0; i < p->n; i++) {
        const char *nm = p->f[i].name;
        int tile = 0;
        if (strncmp(nm, "divided/", 8) == 0) {
            size_t l = strcspn(nm + 8, "/");
            if (is4digits(nm + 8, l) && nm[8 + l] == '/') tile = atoi(nm + 8);
            if (!tile) problem(p, nm, NULL, "not in a divided/NNNN/ tile folder (NNNN = 0001..9999)");
            else seen[tile] = 1;
        }
        /* RDEFormat assigns a file to tile NNNN by the first /NNNN/ in its path */
        const char *q = tile ? nm + 13 : nm;
        for (const char *s = q; *s;) {
            size_t l = strcspn(s, "/");
            if (s[l] == '/' && is4digits(s, l)) {
                problem(p, nm, NULL, "4-digit folder name '%.4s' outside divided/NNNN (RDEFormat would take it as a tile)", s);
                break;
            }
            s += l + (s[l] == '/');
        }
    }
    int last = 0;
    char file[64];
    for (int k = 1; k <= FU_RDE_MAX_TILES; k++) {
        if (!seen[k]) continue;
        if (k != last + 1) {
            snprintf(file, sizeof file, "divided/%04d", k);
            problem(p, file, NULL, "tiles not numbered consecutively from 0001: %04d follows %04d", k, last);
        }
        last = k;
        p->rep->ntiles++;
        snprintf(file, sizeof file, "divided/%04d/meta/metadata.json", k);
        check_metadata(p, file, def);
    }
    free(seen);
}

static void check_package(vpkg *p) {
    qsort(p->f, p->n, sizeof *p->f, cmp_mfile);
    p->rep->npackages++;
    check_sums(p);
    json_t *def = load_json(p, DEF, 1);
    if (def) check_def(p, def);
    check_invoice(p);
    check_tiles(p, def);
    json_decref(def);
}

static int validate_one(const char *path, int is_zip, FILE *out, fu_rde_check *rep, fu_err *err) {
    vpkg p;
    memset(&p, 0, sizeof p);
    snprintf(p.label, sizeof p.label, "%s", path);
    p.sep = is_zip ? ':' : '/';
    p.out = out;
    p.rep = rep;
    int rc = is_zip ? load_zip(&p, path, err) : load_dir(&p, path, "", err);
    if (!rc) check_package(&p);
    vpkg_free(&p);
    return rc;
}

static int exists(const char *dir, const char *name) {
    char path[PATHLEN];
    struct stat st;
    return snprintf(path, sizeof path, "%s/%s", dir, name) < (int)sizeof path && stat(path, &st) == 0;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int fu_rde_validate(const char *path, FILE *out, fu_rde_check *rep, fu_err *err) {
    memset(rep, 0, sizeof *rep);
    struct stat st;
    if (stat(path, &st) != 0) return fu_fail(err, FU_EINPUT, "%s: %s", path, strerror(errno));
    if (S_ISREG(st.st_mode)) return validate_one(path, 1, out, rep, err);
    if (!S_ISDIR(st.st_mode)) return fu_fail(err, FU_EINPUT, "%s: neither a directory nor a zip file", path);
    /* an export directory has a SHA256SUMS too: its rde/ folder decides */
    if (exists(path, DEF) || (!exists(path, "rde") && exists(path, "SHA256SUMS")))
        return validate_one(path, 0, out, rep, err);
    char rde[PATHLEN];
    snprintf(rde, sizeof rde, "%s/rde", path);
    DIR *d = opendir(rde);
    if (!d)
        return fu_fail(err, FU_EINPUT,
                       "%s: not an RDE package (no SHA256SUMS or " DEF ") and no rde/ folder of an export", path);
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = FU_OK;
    struct dirent *e;
    while (!rc && (e = readdir(d))) {
        if (strncmp(e->d_name, "rdeformat_", 10) != 0) continue;
        if (n == cap) {
            char **n2 = realloc(names, (cap = cap ? 2 * cap : 16) * sizeof *n2);
            if (!n2) {
                rc = fu_fail(err, FU_ENOMEM, "out of memory");
                break;
            }
            names = n2;
        }
        if (!(names[n] = strdup(e->d_name))) rc = fu_fail(err, FU_ENOMEM, "out of memory");
        else n++;
    }
    closedir(d);
    if (!rc && n == 0) rc = fu_fail(err, FU_EINPUT, "%s: no rdeformat_* package in it", rde);
    if (!rc) qsort(names, n, sizeof *names, cmp_str);
    for (size_t i = 0; i < n && !rc; i++) {
        char sub[PATHLEN];
        if (snprintf(sub, sizeof sub, "%s/%s", rde, names[i]) >= (int)sizeof sub) {
            rc = fu_fail(err, FU_EINPUT, "%s: path too long", rde);
            break;
        }
        size_t l = strlen(names[i]);
        int zip = l > 4 && strcmp(names[i] + l - 4, ".zip") == 0;
        rc = validate_one(sub, zip, out, rep, err);
    }
    for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
    return rc;
}
