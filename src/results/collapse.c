/* A journal collapsed into one row per candidate (fu_results_from_journal). */
#include "results/store.h"

#include "core/hash.h"
#include "results/idmap.h"

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
        c->res->sweep = fu_store_dup(run->sweep);
        if (!c->res->sweep) return fu_fail(err, FU_ENOMEM, "%s: out of memory", c->path);
    }
    int rc = fu_results_add_sweep(c->res, run->sweep, err);
    return rc ? rc : fu_store_push_run(c->res, run, err);
}

static int collapse_cand(void *vctx, fu_record *rec, fu_err *err) {
    collapse_ctx *c = vctx;
    fu_results *r = c->res;
    c->nrecords++;
    int added;
    size_t i = fu_idmap_get(&c->map, rec->id, r->n, &added);
    if (i == SIZE_MAX) return fu_fail(err, FU_ENOMEM, "%s: out of memory", c->path);
    if (added) {
        if (r->n == c->cap) {
            size_t cap = c->cap ? 2 * c->cap : 64;
            fu_record *q = realloc(r->rec, cap * sizeof *q);
            int *a = realloc(c->attempts, cap * sizeof *a);
            if (q) r->rec = q;
            if (a) c->attempts = a;
            if (!q || !a) return fu_fail(err, FU_ENOMEM, "%s: out of memory", c->path);
            c->cap = cap;
        }
        r->rec[r->n] = *rec; /* take the record over */
        c->attempts[r->n] = rec->attempt;
        r->n++;
        fu_record_init(rec);
        return FU_OK;
    }
    fu_record *w = &r->rec[i];
    if (rec->attempt > c->attempts[i]) c->attempts[i] = rec->attempt;
    c->nsuperseded++;
    if (fu_record_supersedes(w->state, w->final, rec->state, rec->final)) {
        fu_record_free(w);
        *w = *rec;
        fu_record_init(rec);
    }
    return FU_OK;
}

void fu_store_fill_source(fu_results_source *s, const char *path, const char *kind, size_t ncand) {
    memset(s, 0, sizeof *s);
    s->path = fu_store_dup(path);
    snprintf(s->kind, sizeof s->kind, "%s", kind);
    s->ncand = ncand;
    if (fu_sha256_file(path, s->sha256, NULL)) s->sha256[0] = '\0';
}

/* Appends to w a note that sessions or inputs disagree on the sweep. */
void fu_store_note(char *w, size_t cap, const char *text) {
    size_t n = strlen(w);
    if (n && n + 2 < cap) {
        memcpy(w + n, "; ", 3);
        n += 2;
    }
    if (n < cap) snprintf(w + n, cap - n, "%s", text);
}

/* A stage record (type 17) names the stage of its candidate's rows. */
static int apply_stage(void *ctx, const fu_record_stage *s, fu_err *err) {
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
static int apply_layout(void *ctx, const fu_record_layout *l, fu_err *err) {
    (void)err;
    fu_results *r = ctx;
    long i = fu_results_find(r, l->id);
    if (i >= 0)
        r->rec[i].ranks = l->ranks, r->rec[i].npk = l->npk, r->rec[i].npb = l->npb, r->rec[i].npg = l->npg;
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
        if (out->n) qsort(out->rec, out->n, sizeof *out->rec, fu_store_cmp_rec);
        if (!out->sweep) out->sweep = fu_store_dup("");
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
    fu_store_fill_source(&out->sources[0], journal_path, "journal", out->n);
    rep->nrecords = c.nrecords;
    rep->nsuperseded = c.nsuperseded;
    rep->ncand = out->n;
    fu_store_count_states(out, &rep->ndone, &rep->nfailed, &rep->ninvalid, &rep->nunfinished);
    snprintf(rep->warning, sizeof rep->warning, "%s", rep->diag.warning);
    for (size_t k = 1; k < out->nruns; k++)
        if (strcmp(out->runs[k].sweep_sha256, out->runs[0].sweep_sha256) != 0) {
            char t[128];
            snprintf(t, sizeof t, "sweep text changed in session %zu of %zu (provenance keeps every "
                     "text)", k + 1, out->nruns);
            fu_store_note(rep->warning, sizeof rep->warning, t);
            break;
        }
    return FU_OK;
}

