/* Pseudopotential tables (psp_table.h). The djson is JSON, read with jansson. */
#include "dft/psp_table.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define DJSON_MAX (16L << 20) /* bytes; PseudoDojo's are ~100 kB */

static int is_regular(const char *p) {
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static int is_dir(const char *p) {
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int ends_with(const char *s, const char *suffix) {
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int from_djson(const char *djson, const char *dir, const char *element, char *path,
                      size_t cap, double hints[3], double *zval, fu_err *err) {
    struct stat st;
    if (stat(djson, &st) != 0 || !S_ISREG(st.st_mode))
        return fu_fail(err, FU_EIO, "%s: not a regular file", djson);
    if (st.st_size > DJSON_MAX)
        return fu_fail(err, FU_EINPUT, "%s: %lld bytes, larger than any table file", djson,
                       (long long)st.st_size);
    json_error_t je;
    json_t *root = json_load_file(djson, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        return fu_fail(err, FU_EINPUT, "%s:%d: not valid JSON: %s", djson, je.line, je.text);
    int rc = FU_OK;
    json_t *meta = json_object_get(json_object_get(root, "pseudos_metadata"), element);
    const char *base = json_string_value(json_object_get(meta, "basename"));
    if (!meta || !base || !*base || strchr(base, '/')) {
        rc = fu_fail(err, FU_EINPUT, "%s: pseudos_metadata: no file for %s in this table", djson,
                     element);
        goto out;
    }
    json_t *z = json_object_get(meta, "Z_val");
    *zval = json_is_number(z) ? json_number_value(z) : 0.0;
    static const char *const level[3] = {"low", "normal", "high"};
    json_t *h = json_object_get(meta, "hints");
    for (int k = 0; k < 3; k++) {
        json_t *e = json_object_get(json_object_get(h, level[k]), "ecut");
        hints[k] = json_is_number(e) ? json_number_value(e) : 0.0;
        if (!(hints[k] >= 0 && hints[k] < 1e4)) hints[k] = 0.0;
    }
    /* PseudoDojo's archives keep each element in its own folder */
    int n = snprintf(path, cap, "%s/%s/%s", dir, element, base);
    if (n < 0 || (size_t)n >= cap || !is_regular(path)) n = snprintf(path, cap, "%s/%s", dir, base);
    if (n < 0 || (size_t)n >= cap)
        rc = fu_fail(err, FU_EINPUT, "%s: path of %s's file is too long", djson, element);
    else if (!is_regular(path))
        rc = fu_fail(err, FU_EIO, "%s: %s's file %s is not in %s or %s/%s", djson, element, base,
                     dir, dir, element);
out:
    json_decref(root);
    return rc;
}

int fu_psp_table_resolve(const char *dir, const char *element, char *path, size_t cap,
                         double hints[3], double *zval, fu_err *err) {
    hints[0] = hints[1] = hints[2] = 0.0;
    *zval = 0.0;
    char buf[4096];
    if (!dir || !*dir) return fu_fail(err, FU_EINPUT, "table: empty directory name");
    if (strlen(dir) > 2048) return fu_fail(err, FU_EINPUT, "table: directory name too long");
    if (ends_with(dir, ".djson") && is_regular(dir)) {
        snprintf(buf, sizeof buf, "%s", dir);
        char *slash = strrchr(buf, '/');
        if (slash) *slash = '\0';
        else snprintf(buf, sizeof buf, ".");
        return from_djson(dir, buf, element, path, cap, hints, zval, err);
    }
    if (!is_dir(dir))
        return fu_fail(err, FU_EIO, "%s: table: not a directory or a .djson file", dir);
    snprintf(buf, sizeof buf, "%s/standard.djson", dir);
    if (is_regular(buf)) return from_djson(buf, dir, element, path, cap, hints, zval, err);

    /* No table file: the element's one file, <El>.ext or <El>-variant.ext */
    DIR *d = opendir(dir);
    if (!d) return fu_fail(err, FU_EIO, "%s: table: cannot open: %s", dir, strerror(errno));
    char found[8][256];
    int nfound = 0;
    size_t el = strlen(element);
    struct dirent *e;
    while ((e = readdir(d))) {
        const char *nm = e->d_name;
        if (strncmp(nm, element, el) != 0 || (nm[el] != '.' && nm[el] != '-' && nm[el] != '_'))
            continue;
        if (!(ends_with(nm, ".psp8") || ends_with(nm, ".upf") || ends_with(nm, ".UPF")))
            continue;
        if (nfound < 8) snprintf(found[nfound], sizeof found[nfound], "%s", nm);
        nfound++;
    }
    closedir(d);
    if (nfound == 0)
        return fu_fail(err, FU_EINPUT, "%s: table: no file for %s (%s.psp8, %s-*.psp8, %s.upf)",
                       dir, element, element, element, element);
    int pick = 0;
    if (nfound > 1) {
        /* a plain name beats its variants (Mg.psp8 over Mg-low.psp8) */
        int plain = -1;
        for (int k = 0; k < nfound && k < 8; k++)
            if (found[k][el] == '.') plain = plain == -1 ? k : -2;
        if (plain < 0)
            return fu_fail(err, FU_EINPUT,
                           "%s: table: %d files for %s (%s, %s, ...): name one with abinit:FILE "
                           "or add a standard.djson", dir, nfound, element, found[0], found[1]);
        pick = plain;
    }
    int n = snprintf(path, cap, "%s/%s", dir, found[pick]);
    if (n < 0 || (size_t)n >= cap) return fu_fail(err, FU_EINPUT, "%s: path too long", dir);
    return FU_OK;
}
