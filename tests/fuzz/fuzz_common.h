/* Shared helpers of the fuzz harnesses (tests/fuzz/README.md).
 *
 * The harnesses check the library's contract on every input: a parse error is
 * a normal outcome, but its status must be a known code and its message one
 * non-empty line; a success must hold finite values. A violation calls
 * abort(), which libFuzzer (and the replay driver) report as a crash. */
#ifndef FURUI_TESTS_FUZZ_COMMON_H
#define FURUI_TESTS_FUZZ_COMMON_H

#include <dirent.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Known open bugs (tests/fuzz/README.md, regressions/NAME/open-*): while one
 * is set, the harness tolerates that one violation so the short fuzz runs in
 * ctest stay green and keep exploring. The fix of the bug sets it to 0 (or
 * removes it) and drops the open- prefix of its regression input. */
#ifndef FZ_OPEN_BUG_RECORD_ID_MESSAGE /* -DFZ_OPEN_BUG_RECORD_ID_MESSAGE=0 shows it */
#define FZ_OPEN_BUG_RECORD_ID_MESSAGE 0 /* decode error quotes raw id bytes (\r, \n) */
#endif
#ifndef FZ_OPEN_BUG_UPPERCASE_ID /* -DFZ_OPEN_BUG_UPPERCASE_ID=0 shows it */
#define FZ_OPEN_BUG_UPPERCASE_ID 0 /* decoder keeps upper-case ids; scan_find misses them */
#endif

static inline void fz_die(const char *what, const char *detail) {
    fprintf(stderr, "fuzz contract violation: %s%s%s\n", what, detail ? ": " : "",
            detail ? detail : "");
    abort();
}

/* After a call that returned rc with err: rc is a known status, and on
 * failure err has the same code and a non-empty one-line message. */
static inline void fz_check_status(int rc, const fu_err *err) {
    if (rc < FU_OK || rc > FU_EINTERNAL) fz_die("unknown status code", NULL);
    if (rc == FU_OK) return;
    if (rc == FU_EINTERNAL) fz_die("internal error (a bug by definition)", err->msg);
    if ((int)err->code != rc) fz_die("err.code differs from the returned status", err->msg);
    if (memchr(err->msg, '\0', sizeof err->msg) == NULL) fz_die("message not terminated", NULL);
    if (err->msg[0] == '\0') fz_die("empty error message", NULL);
    if (strchr(err->msg, '\n') || strchr(err->msg, '\r'))
        fz_die("error message is not one line", err->msg);
}

static inline void fz_check_finite(double v, const char *what) {
    if (!isfinite(v)) fz_die("non-finite value after a successful parse", what);
}

static inline void fz_check_finite_n(const double *v, size_t n, const char *what) {
    for (size_t i = 0; i < n; i++) fz_check_finite(v[i], what);
}

/* A fresh error struct with a sentinel in it, so that a failure that forgets
 * to fill the message is caught as "empty". */
static inline void fz_err_init(fu_err *e) {
    memset(e, 0, sizeof *e);
    e->code = FU_OK;
}

/* Per-process temporary directory (for parsers that only read files),
 * removed with its contents at exit. */
static char fz_tmpdir_path[512] __attribute__((unused));

static inline void fz_tmpdir_cleanup(void) {
    if (!fz_tmpdir_path[0]) return;
    DIR *d = opendir(fz_tmpdir_path);
    if (d) {
        struct dirent *de;
        char p[1024];
        while ((de = readdir(d)) != NULL) {
            if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
            snprintf(p, sizeof p, "%s/%s", fz_tmpdir_path, de->d_name);
            unlink(p);
        }
        closedir(d);
    }
    rmdir(fz_tmpdir_path);
    fz_tmpdir_path[0] = '\0';
}

static inline const char *fz_tmpdir(void) {
    if (fz_tmpdir_path[0]) return fz_tmpdir_path;
    const char *base = getenv("TMPDIR");
    if (!base || !base[0]) base = "/tmp";
    snprintf(fz_tmpdir_path, sizeof fz_tmpdir_path, "%s/furui-fuzz-XXXXXX", base);
    if (!mkdtemp(fz_tmpdir_path)) {
        perror("mkdtemp");
        abort();
    }
    atexit(fz_tmpdir_cleanup);
    return fz_tmpdir_path;
}

/* Writes data to TMPDIR/name (replacing it) and returns the path (static). */
static inline const char *fz_write_temp(const char *name, const uint8_t *data, size_t size) {
    static char path[1024];
    snprintf(path, sizeof path, "%s/%s", fz_tmpdir(), name);
    FILE *f = fopen(path, "wb");
    if (!f) {
        perror(path);
        abort();
    }
    if (size && fwrite(data, 1, size, f) != size) {
        perror(path);
        abort();
    }
    if (fclose(f) != 0) {
        perror(path);
        abort();
    }
    return path;
}

/* A NUL-terminated copy of data (parsers that take C strings see the text up
 * to the first NUL, as they would from a file reader). */
static inline char *fz_cstring(const uint8_t *data, size_t size) {
    char *s = malloc(size + 1);
    if (!s) abort();
    if (size) memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

#endif
