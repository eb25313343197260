/* The set of rows (fu_results) and the helpers the results files' code shares (results/store.h). */
#include "results/store.h"

#include "core/hash.h"

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

/* ---- small helpers -------------------------------------------------------- */

void fu_store_iso_utc(double t, char buf[32]) {
    if (!(t > 0)) {
        buf[0] = '\0';
        return;
    }
    time_t s = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&s, &tm) || !strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm)) buf[0] = '\0';
}

double fu_store_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

char *fu_store_dup(const char *s) {
    size_t n = s ? strlen(s) : 0;
    char *c = malloc(n + 1);
    if (c) {
        if (n) memcpy(c, s, n);
        c[n] = '\0';
    }
    return c;
}

int fu_store_cmp_rec(const void *a, const void *b) {
    return strcmp(((const fu_record *)a)->id, ((const fu_record *)b)->id);
}

int fu_store_cmp_id(const void *a, const void *b) { return strcmp((const char *)a, (const char *)b); }

/* rename() is durable only once the directory entry is on disk. */
int fu_store_sync_parent_dir(const char *path) {
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
    for (size_t i = 0; i < r->n; i++) fu_record_free(&r->rec[i]);
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
    if (!(q[r->nsweeps] = fu_store_dup(text))) return fu_fail(err, FU_ENOMEM, "results: out of memory for the sweep texts");
    r->nsweeps++;
    if (!r->sweep || !r->sweep[0]) {
        free(r->sweep);
        if (!(r->sweep = fu_store_dup(text))) return fu_fail(err, FU_ENOMEM, "results: out of memory");
    }
    return FU_OK;
}

long fu_results_find(const fu_results *r, const char *id) {
    if (!r->n || !id) return -1;
    fu_record *hit = bsearch(id, r->rec, r->n, sizeof *r->rec, fu_store_cmp_id);
    return hit ? (long)(hit - r->rec) : -1;
}

void fu_store_count_states(const fu_results *r, size_t *ndone, size_t *nfailed, size_t *ninvalid,
                         size_t *nunfinished) {
    *ndone = *nfailed = *ninvalid = *nunfinished = 0;
    for (size_t i = 0; i < r->n; i++) {
        switch (r->rec[i].state) {
        case FU_RECORD_DONE: (*ndone)++; break;
        case FU_RECORD_FAILED: (*nfailed)++; break;
        case FU_RECORD_INVALID: (*ninvalid)++; break;
        default: (*nunfinished)++; break;
        }
    }
}

/* Appends a copy of run (sweep moved out of it) to r->runs. */
int fu_store_push_run(fu_results *r, fu_run_info *run, fu_err *err) {
    fu_run_info *q = realloc(r->runs, (r->nruns + 1) * sizeof *q);
    if (!q) return fu_fail(err, FU_ENOMEM, "results: out of memory for session records");
    r->runs = q;
    r->runs[r->nruns++] = *run;
    run->sweep = NULL;
    return FU_OK;
}

