/* Staged sweeps: who proceeds, the farm over the stages, one row per candidate
 * for rank/export, the expected IDs for merge (campaign/stages.h). */
#include "campaign/stages.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "rank/catalog.h"
#include "rank/rank_expr.h"

/* Properties of the whole campaign (catalog.c fills them across rows): recognised by
 * name, so that one added later under these words is covered too. */
static int campaign_prop(const char *name) {
    static const char *const words[] = {"hull", "formation", "decomposition", "is_stable", NULL};
    for (int i = 0; words[i]; i++)
        if (strstr(name, words[i])) return 1;
    return 0;
}

int fu_stages_where_campaign(const char *where, char *name, size_t len) {
    fu_rank_expr *e = NULL;
    fu_err err = {0};
    if (!where || !where[0] || fu_rank_expr_parse(where, &e, &err)) return err.code == FU_ENOMEM ? -1 : 0;
    size_t n;
    const fu_prop_def *d = fu_prop_catalog(&n);
    int hit = 0;
    for (size_t p = 0; p < n && !hit; p++)
        if (campaign_prop(d[p].name) && fu_rank_expr_uses(e, (long)p)) {
            hit = 1;
            if (name && len) snprintf(name, len, "%s", d[p].name);
        }
    fu_rank_expr_free(e);
    return hit;
}

long fu_stages_select(const fu_sweep *prev, const fu_sweep *t, const fu_results *r,
                      const unsigned char *considered, unsigned char *sel, size_t *nopen, fu_err *err) {
    size_t n = prev->n > 0 ? (size_t)prev->n : 0;
    *nopen = 0;
    memset(sel, 0, n ? n : 1);
    /* the considered rows of the stage before, shallow copies: campaign properties of the
     * where (hull) are those of this stage's candidates only */
    fu_results sub;
    memset(&sub, 0, sizeof sub);
    sub.rec = malloc((n ? n : 1) * sizeof *sub.rec);
    long *row_of = malloc((n ? n : 1) * sizeof *row_of);
    if (!sub.rec || !row_of) {
        free(sub.rec), free(row_of);
        fu_fail(err, FU_ENOMEM, "stage %s: out of memory", t->stage_name);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        row_of[i] = -1;
        if (considered && !considered[i]) continue;
        long k = fu_results_find(r, prev->cand[i].id);
        int st = k >= 0 ? r->rec[k].state : 0;
        if (k < 0 || st == FU_RECORD_QUEUED || st == FU_RECORD_STARTED) {
            (*nopen)++;
            continue;
        }
        row_of[i] = (long)sub.n;
        sub.rec[sub.n++] = r->rec[k];
    }
    fu_prop_table tab;
    memset(&tab, 0, sizeof tab);
    fu_rank_expr *e = NULL;
    int rc = FU_OK;
    if (t->stage_where[0]) {
        rc = fu_rank_expr_parse(t->stage_where, &e, err);
        if (!rc) rc = fu_prop_table_build(&sub, &tab, err);
        if (rc) fu_err_prefix(err, "stage %s: where", t->stage_name);
    }
    long nsel = 0;
    for (size_t i = 0; !rc && i < n; i++) {
        long k = row_of[i];
        if (k < 0 || sub.rec[k].state != FU_RECORD_DONE) continue;
        if (e && fu_rank_expr_eval(e, &tab, (size_t)k) != 1) continue;
        sel[i] = 1;
        nsel++;
    }
    fu_rank_expr_free(e);
    if (t->stage_where[0]) fu_prop_table_free(&tab);
    free(sub.rec); /* shallow: the records stay r's */
    free(row_of);
    return rc ? -1 : nsel;
}

int fu_stages_run(const fu_sweep *sw, const char *prefix, const fu_farm_opts *o, MPI_Comm world,
                  fu_farm_report *rep, fu_err *err) {
    int rank = 0;
    MPI_Comm_rank(world, &rank);
    int nst = rank == 0 ? sw->nstages : 0;
    MPI_Bcast(&nst, 1, MPI_INT, 0, world);
    if (nst == 0) return fu_farm_run(sw, prefix, o, world, rep, err);

    fu_farm_report local;
    if (!rep) rep = &local;
    memset(rep, 0, sizeof *rep);
    int rc = FU_OK;
    FILE *pr = rank == 0 ? o->progress : NULL;
    if (rank == 0 && o->shard_count > 1)
        for (const fu_sweep *t = sw; t && !rc; t = t->next) {
            char name[64];
            int c = fu_stages_where_campaign(t->stage_where, name, sizeof name);
            if (c < 0) rc = fu_fail(err, FU_ENOMEM, "out of memory");
            else if (c)
                rc = fu_fail(err, FU_EINPUT,
                             "%s:%d: stages: where of stage '%s' reads %s, a property of the whole "
                             "campaign that one shard cannot evaluate: run this sweep unsharded, or "
                             "split it into two sweeps and rank the merged shards in between",
                             t->path, t->stage_where_line, t->stage_name, name);
        }
    MPI_Bcast(&rc, 1, MPI_INT, 0, world);
    if (rc) return rc;

    double t0 = fu_realtime_seconds();
    const fu_sweep *prev = NULL, *t = rank == 0 ? sw : NULL;
    size_t n = rank == 0 && sw->n > 0 ? (size_t)sw->n : 1;
    unsigned char *sel = rank == 0 ? calloc(n, 1) : NULL, *was = rank == 0 ? calloc(n, 1) : NULL;
    char jpath[FU_SWEEP_PATH_LEN + 16];
    if (rank == 0) {
        snprintf(jpath, sizeof jpath, "%s.journal", prefix);
        if (!sel || !was) rc = fu_fail(err, FU_ENOMEM, "out of memory");
        else if (o->shard_count > 1 && fu_farm_shard_mask(sw, o->shard_index, o->shard_count, sel) < 0)
            rc = fu_fail(err, FU_EINPUT, "shard %d of %d: invalid shard", o->shard_index, o->shard_count);
        else if (o->shard_count <= 1)
            memset(sel, 1, n);
    }
    for (int k = 1; k <= nst; k++) {
        int go = !rc;
        double left = 0;
        if (rank == 0 && go && k > 1) {
            /* the stage before, from the journal (the source of truth) */
            fu_results r;
            size_t nopen = 0;
            long nsel = -1;
            memcpy(was, sel, n);
            rc = fu_results_from_journal(jpath, &r, NULL, err);
            if (!rc) {
                nsel = fu_stages_select(prev, t, &r, was, sel, &nopen, err);
                if (nsel < 0) rc = err->code ? err->code : FU_EINPUT;
                fu_results_free(&r);
            }
            if (rc) {
                go = 0;
            } else if (nopen) {
                go = 0;
                if (pr)
                    fprintf(pr, "screen: stage %d (%s) not started: %zu candidate(s) of stage %d (%s) are "
                            "unfinished; rerun the same command to continue\n",
                            k, t->stage_name, nopen, k - 1, prev->stage_name);
            } else if (pr) {
                size_t nwas = 0;
                for (size_t i = 0; i < n; i++) nwas += was[i];
                fprintf(pr, "screen: stage %d (%s): %ld of %zu candidate(s) of stage %d proceed (where: %s)\n",
                        k, t->stage_name, nsel, nwas, k - 1, t->stage_where[0] ? t->stage_where : "all done");
            }
        }
        if (rank == 0 && go && o->deadline > 0) {
            left = o->deadline - (fu_realtime_seconds() - t0);
            if (left <= 0) {
                go = 0;
                rep->stopped = 1;
                if (pr)
                    fprintf(pr, "screen: stage %d (%s) not started: the job's time is used up; rerun the "
                            "same command to continue\n", k, t->stage_name);
            }
        }
        if (rank == 0 && go && o->stop && *o->stop) go = 0, rep->stopped = 1;
        if (rank == 0 && go && k > 1 && pr) fprintf(pr, "screen: stage %d of %d: %s\n", k, nst, t->stage_name);
        if (rank == 0 && go && k == 1 && pr) fprintf(pr, "screen: stage 1 of %d: %s\n", nst, t->stage_name);
        MPI_Bcast(&go, 1, MPI_INT, 0, world);
        if (!go) break;
        fu_farm_opts so = *o;
        so.select = rank == 0 ? sel : NULL;
        if (o->deadline > 0) so.deadline = left;
        fu_farm_report sr;
        rc = fu_farm_run(rank == 0 ? t : NULL, prefix, &so, world, &sr, err);
        fu_farm_report_add(rep, &sr);
        int stop = rank == 0 && sr.stopped;
        MPI_Bcast(&stop, 1, MPI_INT, 0, world);
        if (rc || stop) break;
        if (rank == 0) {
            prev = t;
            t = t->next;
        }
    }
    rep->wall = fu_realtime_seconds() - t0;
    free(sel);
    free(was);
    MPI_Bcast(&rc, 1, MPI_INT, 0, world);
    return rc;
}

int fu_stages_expected(const fu_sweep *sw, const fu_results *r, char (**ids)[FU_RECORD_ID_LEN + 1],
                       size_t *nids, fu_err *err) {
    *ids = NULL;
    *nids = 0;
    size_t n = sw->n > 0 ? (size_t)sw->n : 1, cap = 0;
    for (const fu_sweep *t = sw; t; t = t->next) cap += (size_t)t->n;
    char(*out)[FU_RECORD_ID_LEN + 1] = malloc((cap ? cap : 1) * sizeof *out);
    unsigned char *sel = malloc(n), *was = malloc(n);
    int rc = (!out || !sel || !was) ? fu_fail(err, FU_ENOMEM, "out of memory") : FU_OK;
    if (!rc) memset(sel, 1, n);
    const fu_sweep *prev = NULL;
    for (const fu_sweep *t = sw; t && !rc; prev = t, t = t->next) {
        if (prev) {
            size_t nopen;
            memcpy(was, sel, n);
            if (fu_stages_select(prev, t, r, was, sel, &nopen, err) < 0) rc = err->code ? err->code : FU_EINPUT;
        }
        for (int i = 0; !rc && i < t->n; i++)
            if (sel[i]) memcpy(out[(*nids)++], t->cand[i].id, (FU_RECORD_ID_LEN + 1));
    }
    free(sel);
    free(was);
    if (rc) {
        free(out);
        *nids = 0;
        return rc;
    }
    *ids = out;
    return FU_OK;
}
