/* MPI task farm of a screening shard (design: farm.h). */
#include "campaign/farm.h"
#include "campaign/pipeline.h"

#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/atomicfile.h"
#include "core/clock.h"
#include "dft/scf.h"
#include "props/bandstructure.h"
#include "props/eos.h"
#include "props/relax.h"
#include "props/warnings.h"
#include "results/idmap.h"
#include "results/journal.h"
#include "results/codec.h"
#include "campaign/recovery.h"
#include "results/store.h"
#include "campaign/task.h"

enum { TAG_READY = 701, TAG_TASK, TAG_RESULT, TAG_STOP, TAG_LOG, TAG_CKPT, TAG_LAYOUT };

void fu_farm_opts_default(fu_farm_opts *o) {
    memset(o, 0, sizeof *o);
    o->group_size = 1;
    o->max_attempts = 2;
    o->recovery_rungs = FU_RECOVERY_RUNGS;
    o->shard_index = 0;
    o->shard_count = 1;
}

static int cmp_cand_id(const void *a, const void *b) {
    const fu_candidate *x = *(const fu_candidate *const *)a, *y = *(const fu_candidate *const *)b;
    return strcmp(x->id, y->id);
}

int fu_farm_shard_mask(const fu_sweep *sw, int index, int count, unsigned char *mask) {
    if (count < 1 || index < 0 || index >= count || sw->n < 0) return -1;
    size_t n = (size_t)sw->n;
    const fu_candidate **by_id = malloc((n ? n : 1) * sizeof *by_id);
    if (!by_id) return -1;
    for (size_t i = 0; i < n; i++) by_id[i] = &sw->cand[i], mask[i] = 0;
    qsort(by_id, n, sizeof *by_id, cmp_cand_id);
    int k = 0;
    for (size_t pos = 0; pos < n; pos++)
        if (pos % (size_t)count == (size_t)index) mask[by_id[pos] - sw->cand] = 1, k++;
    free(by_id);
    return k;
}

static void nap(void) {
    struct timespec ts = {0, 2000000}; /* 2 ms: idle ranks must not steal cores from SCFs */
    nanosleep(&ts, NULL);
}

/* Completes a request without busy-polling: Open MPI spins in blocking calls,
 * and a rank that has finished would spin for as long as others compute. */
static void wait_sleepy(MPI_Request *req) {
    int done = 0;
    for (;;) {
        MPI_Test(req, &done, MPI_STATUS_IGNORE);
        if (done) return;
        nap();
    }
}

/* ---- worker side ---- */

/* The job's one SCF log, PREFIX.log, written by the coordinator only: parallel
 * file systems want O(1) files per job, not one per group. */
static FILE *job_log(const char *prefix) {
    char path[FU_SWEEP_PATH_LEN + 32];
    snprintf(path, sizeof path, "%s.log", prefix);
    return fopen(path, "a"); /* diagnostics only: a missing log is no failure */
}

/* Worker side of a checkpoint: to the coordinator, which journals it. */
static void send_ckpt(void *ctx, const unsigned char *buf, size_t len) {
    if (len <= INT32_MAX) MPI_Send(buf, (int)len, MPI_BYTE, 0, TAG_CKPT, *(MPI_Comm *)ctx);
}

/* Leader and members of one group until the coordinator says stop. The
 * leader writes its SCF log to memory and sends it (TAG_LOG) just before
 * each result, so the coordinator can append it to the job log. */
static void worker_loop(MPI_Comm world, MPI_Comm group, const volatile sig_atomic_t *stop,
                        int threads) {
    int me = 0;
    MPI_Comm_rank(group, &me);
    if (me == 0) MPI_Send(NULL, 0, MPI_BYTE, 0, TAG_READY, world);
    for (;;) {
        int len = 0;
        unsigned char *buf = NULL;
        if (me == 0) {
            MPI_Status st;
            int flag = 0;
            while (MPI_Iprobe(0, MPI_ANY_TAG, world, &flag, &st), !flag) nap();
            MPI_Get_count(&st, MPI_BYTE, &len);
            buf = malloc(len > 0 ? (size_t)len : 1);
            MPI_Recv(buf, len, MPI_BYTE, 0, st.MPI_TAG, world, MPI_STATUS_IGNORE);
            if (st.MPI_TAG != TAG_TASK) len = 0;
        }
        MPI_Request rq;
        MPI_Ibcast(&len, 1, MPI_INT, 0, group, &rq);
        wait_sleepy(&rq);
        if (len <= 0) {
            free(buf);
            break;
        }
        if (me != 0) buf = malloc((size_t)len);
        MPI_Bcast(buf, len, MPI_BYTE, 0, group);
        fu_record rec;
        fu_err err = {0};
        char *text = NULL;
        size_t tlen = 0;
        FILE *log = me == 0 ? open_memstream(&text, &tlen) : NULL;
        int layout[4];
        int rc = fu_pipeline_run(buf, len, group, log, stop, threads, send_ckpt, &world, &rec, layout, &err);
        free(buf);
        if (log) fclose(log);
        if (me == 0) MPI_Send(layout, 4, MPI_INT, 0, TAG_LAYOUT, world); /* before the result */
        if (me == 0) {
            /* a log too large for one message is cut: it is diagnostics */
            int n = text ? (tlen > INT32_MAX / 2 ? INT32_MAX / 2 : (int)tlen) : 0;
            MPI_Send(text, n, MPI_BYTE, 0, TAG_LOG, world);
        }
        free(text);
        if (me == 0) {
            unsigned char *out = NULL;
            size_t olen = 0;
            if (!rc) rc = fu_codec_record_encode(&rec, &out, &olen, &err);
            if (rc || olen > INT32_MAX) {
                /* the coordinator records an empty result as a failure */
                free(out);
                out = NULL;
                olen = 0;
            }
            MPI_Send(out, (int)olen, MPI_BYTE, 0, TAG_RESULT, world);
            free(out);
            fu_record_free(&rec);
        }
    }
}

/* ---- coordinator ---- */

typedef struct {
    const fu_sweep *sw;
    const fu_farm_opts *o;
    fu_journal *j;
    fu_farm_report *rep;
    int ngroups;
    int *pending;        /* candidate indices in hand-out order */
    int *scratch;        /* [sw->n] for reordering pending */
    unsigned char *late; /* [sw->n] 1: interrupted --max-attempts times, handed out last */
    int *attempt;        /* [sw->n] attempt number of the next run */
    int npending;
    int *taken;          /* [npending] 1 once handed out */
    int *run_idx;        /* [ngroups] candidate running on the group, -1 */
    double *run_t0;      /* [ngroups] */
    double *run_io;      /* [ngroups] coordinator I/O for the running candidate, s */
    int (*run_layout)[4]; /* [ngroups] ranks, k-groups, band ranks, FFT ranks its group reported */
    int workers;         /* ranks computing (world size - 1; 1 serial) */
    const unsigned char *scope; /* [sw->n] the candidates of this shard or stage, all passes */
    int queue_rest;      /* 1: journal the scope's candidates of later passes as queued */
    double io_total;     /* coordinator journal and log I/O of this session, s */
    double engine_total; /* engine seconds reported by the workers */
    int nshard;          /* candidates of this shard */
    int nstatic;         /* static mode: handed out so far (position in pending) */
    double t0;
    double sum_wall, sum_cost, max_rate; /* finished this session, for ETA and deadline */
    double left_cost;
    size_t done, failed;
    int stopping;
    int status;          /* first framework failure */
    FILE *log;           /* the job's SCF log (may be NULL) */
    fu_pipeline_ckpt **ck;      /* [sw->n] checkpoints of earlier attempts, NULL if none */
    const char *jpath, *hpath;
    int snapshot;        /* the results file was written when the stop began */
    fu_err err;
} coord;

static const fu_candidate *cand_of(const coord *c, int idx) { return &c->sw->cand[idx]; }

static int append(coord *c, const fu_record *r, int sync) {
    if (c->status) return c->status;
    fu_err e = {0};
    int rc = fu_journal_append(c->j, r, sync, &e);
    if (rc) {
        c->status = rc;
        c->err = e;
        c->stopping = 1; /* the journal is the truth: without it, no more work */
    }
    return rc;
}

static int base_record(fu_record *r, const fu_candidate *cd, int state, fu_err *err) {
    fu_record_init(r);
    int rc = fu_record_set_id(r, cd->id, err);
    if (!rc) rc = fu_record_set_str(&r->label, cd->label, err);
    r->state = state;
    r->group = -1;
    r->time_start = r->time_end = fu_realtime_seconds();
    return rc;
}

static void progress(coord *c, const char *what, const fu_candidate *cd) {
    if (!c->o->progress) return;
    size_t fin = c->rep->nskipped + c->rep->nrun, total = c->rep->ncand;
    double rate = c->sum_cost > 0 ? c->sum_wall / c->sum_cost : 0;
    char eta[32] = "?";
    if (rate > 0) {
        double s = c->left_cost > 0 ? c->left_cost * rate / c->ngroups : 0;
        snprintf(eta, sizeof eta, "%.0f s", s);
    }
    fprintf(c->o->progress, "screen: %zu/%zu finished, %zu failed this run, ETA %s | %s %s %s\n", fin,
            total, c->failed, eta, what, cd->id, cd->label);
    fflush(c->o->progress);
}

/* Ranks of group g: group_size, less for the last group when it does not divide the workers. */
static int group_ranks(const coord *c, int g) {
    int G = c->o->group_size > 0 ? c->o->group_size : 1, left = c->workers - g * G;
    return left < G ? (left > 0 ? left : 1) : G;
}

/* Next candidate (index into sw->cand) for group g, or -1 (stop). */
static int pick(coord *c, int g) {
    if (c->o->stop && *c->o->stop && !c->stopping) {
        c->stopping = 1;
        if (c->o->progress) fprintf(c->o->progress, "screen: signal received: no new work; finishing running candidates\n");
    }
    if (c->stopping) return -1;
    double t = fu_realtime_seconds() - c->t0;
    int blocked = 0;
    for (int k = 0; k < c->npending; k++) {
        if (c->taken[k]) continue;
        const fu_candidate *cd = cand_of(c, c->pending[k]);
        /* too large for the smaller last group's memory: a full group's (static: group 0's) */
        if (c->o->static_assign) {
            int to = k % c->ngroups;
            if (cd->min_ranks > group_ranks(c, to)) to = 0;
            if (to != g) continue;
        } else if (cd->min_ranks > group_ranks(c, g)) {
            continue;
        }
        if (c->o->deadline > 0) {
            /* 1.5 x the slowest seconds per cost unit seen: costs are rough */
            double est = 1.5 * c->max_rate * cd->cost;
            if (t >= c->o->deadline || t + est > c->o->deadline) {
                blocked = 1;
                if (c->o->static_assign) break; /* the order is fixed */
                continue;                       /* a cheaper one may still fit */
            }
        }
        c->taken[k] = 1;
        return c->pending[k];
    }
    if (blocked) {
        int left = 0;
        for (int k = 0; k < c->npending; k++) left += !c->taken[k];
        c->stopping = 1;
        if (c->o->progress)
            fprintf(c->o->progress, "screen: deadline near: %d candidate(s) left for a rerun\n", left);
    }
    return -1;
}

/* Writes "started" for idx on group g; returns the packed task or NULL. */
static int start(coord *c, int idx, int g, unsigned char **buf, int *len) {
    const fu_candidate *cd = cand_of(c, idx);
    fu_record r;
    fu_err e = {0};
    int rc = base_record(&r, cd, FU_RECORD_STARTED, &e);
    r.attempt = c->attempt[idx];
    r.group = g;
    double t_io = fu_monotonic_seconds();
    /* Not synced: a written record survives the death of any process (it is in
     * the page cache), which is what "started" must outlive to count crashes;
     * only a node crash can lose it, and then the candidate is merely rerun
     * without counting that attempt. The terminal record's fdatasync makes it
     * durable too. One sync per candidate instead of two. */
    if (!rc) rc = append(c, &r, 0);
    else if (!c->status) c->status = rc, c->err = e, c->stopping = 1;
    t_io = fu_monotonic_seconds() - t_io;
    c->io_total += t_io;
    c->run_io[g] = t_io;
    double t_start = r.time_start;
    fu_record_free(&r);
    if (rc) return rc;
    c->run_idx[g] = idx;
    c->run_t0[g] = t_start;
    fu_pipeline_ctl ctl = {0, c->o->candidate_time_limit, c->o->recovery_rungs > 0 ? c->o->recovery_rungs : 1,
                    c->o->fault_nan_rungs, 0, {0, 0, 0}, 0};
    if (c->o->deadline > 0) {
        ctl.job_seconds_left = c->o->deadline - (fu_realtime_seconds() - c->t0);
        if (ctl.job_seconds_left <= 0) ctl.job_seconds_left = 1e-9; /* already due: stop at once */
    }
    rc = fu_pipeline_pack(&ctl, cd, c->ck ? c->ck[idx] : NULL, buf, len, &e);
    if (rc && !c->status) c->status = rc, c->err = e, c->stopping = 1;
    return rc;
}

/* Journals a checkpoint group g sent for its running candidate (not synced: like "started",
 * it has to outlive a process, not the node). */
static void checkpoint(coord *c, int g, const unsigned char *buf, int len) {
    int idx = g >= 0 && g < c->ngroups ? c->run_idx[g] : -1;
    if (idx < 0 || len <= 0) return;
    fu_record_checkpoint ck;
    if (fu_codec_checkpoint_decode(buf, (size_t)len, &ck, NULL)) return;
    if (strcmp(ck.id, cand_of(c, idx)->id) == 0 &&
        (ck.kind != FU_CKPT_RELAX || ck.natom == cand_of(c, idx)->structure.natom)) {
        ck.attempt = c->attempt[idx];
        double t_io = fu_monotonic_seconds();
        fu_err e = {0};
        /* a lost checkpoint costs only time: no reason to stop the job */
        if (!c->status && fu_journal_append_checkpoint(c->j, &ck, 0, &e) && c->o->progress)
            fprintf(c->o->progress, "screen: warning: %s\n", e.msg);
        t_io = fu_monotonic_seconds() - t_io;
        c->io_total += t_io;
        c->run_io[g] += t_io;
    }
    fu_record_checkpoint_free(&ck);
}

static void serial_ckpt(void *ctx, const unsigned char *buf, size_t len) {
    if (len <= INT32_MAX) checkpoint(ctx, 0, buf, (int)len);
}

/* The checkpoints of the journal, for the candidates about to run. */
typedef struct {
    coord *c;
    fu_idmap map;
} ckpt_read_ctx;

static int ckpt_read(void *vctx, fu_record_checkpoint *r, fu_err *err) {
    ckpt_read_ctx *x = vctx;
    coord *c = x->c;
    int added;
    size_t i = fu_idmap_get(&x->map, r->id, (size_t)c->sw->n, &added);
    if (i == SIZE_MAX) return fu_fail(err, FU_ENOMEM, "out of memory reading checkpoints");
    if (i >= (size_t)c->sw->n || c->attempt[i] <= 0) return FU_OK; /* not to be run */
    const fu_candidate *cd = cand_of(c, (int)i);
    if (r->kind == FU_CKPT_RELAX && r->natom != cd->structure.natom) return FU_OK;
    if (!c->ck[i] && !(c->ck[i] = calloc(1, sizeof *c->ck[i])))
        return fu_fail(err, FU_ENOMEM, "out of memory reading checkpoints");
    fu_pipeline_ckpt *k = c->ck[i];
    if (r->kind == FU_CKPT_RELAX) { /* the latest accepted step */
        if (r->nsteps < k->relax_steps) return FU_OK;
        free(k->xred);
        k->xred = r->xred;
        r->xred = NULL;
        k->relax_steps = r->nsteps;
        memcpy(k->relax_fft, r->fft, sizeof k->relax_fft);
        memcpy(k->lattice, r->lattice, sizeof k->lattice);
    } else {
        int j = 0;
        while (j < k->neos && fabs(k->eos_v[j] - r->volume) > 1e-12 * r->volume) j++;
        if (j == FU_CAND_EOS_MAXPOINTS) return FU_OK;
        k->eos_v[j] = r->volume;
        k->eos_e[j] = r->energy;
        if (j == k->neos) k->neos++;
    }
    return FU_OK;
}

static int read_checkpoints(coord *c, const char *jpath, fu_err *err) {
    c->ck = calloc(c->sw->n > 0 ? (size_t)c->sw->n : 1, sizeof *c->ck);
    if (!c->ck) return fu_fail(err, FU_ENOMEM, "out of memory");
    ckpt_read_ctx x = {c, {0}};
    for (int i = 0; i < c->sw->n; i++) {
        int added;
        if (fu_idmap_get(&x.map, c->sw->cand[i].id, (size_t)i, &added) == SIZE_MAX) {
            fu_idmap_free(&x.map);
            return fu_fail(err, FU_ENOMEM, "out of memory");
        }
    }
    int rc = fu_journal_read_checkpoints(jpath, ckpt_read, &x, err);
    fu_idmap_free(&x.map);
    return rc;
}

static void ckpts_free(coord *c) {
    for (int i = 0; c->ck && i < c->sw->n; i++) fu_pipeline_ckpt_free(c->ck[i]);
    free(c->ck);
    c->ck = NULL;
}

/* Records what group g sent back for its running candidate. */
static void finish(coord *c, int g, const unsigned char *buf, int len) {
    int idx = c->run_idx[g];
    if (idx < 0) return;
    const fu_candidate *cd = cand_of(c, idx);
    c->run_idx[g] = -1;
    fu_record r;
    fu_err e = {0};
    int rc = len > 0 ? fu_codec_record_decode(buf, (size_t)len, &r, &e)
                     : fu_fail(&e, FU_EINTERNAL, "the worker could not encode its result");
    if (!rc && strcmp(r.id, cd->id) != 0)
        rc = fu_fail(&e, FU_EINTERNAL, "worker answered for %s, expected %s", r.id, cd->id);
    if (rc) {
        fu_record_init(&r);
        fu_record_set_id(&r, cd->id, NULL);
        r.state = FU_RECORD_FAILED;
        r.final = 1;
        fu_record_set_str(&r.cause, fu_status_name(rc), NULL);
        fu_record_set_str(&r.message, e.msg, NULL);
    }
    fu_record_set_str(&r.label, cd->label, NULL);
    r.attempt = c->attempt[idx];
    r.group = g;
    r.time_start = c->run_t0[g];
    r.time_end = fu_realtime_seconds();
    /* this record's own append cannot be in it: it counts in the session total */
    r.io_seconds = c->run_io[g];
    if (isfinite(r.engine_seconds)) c->engine_total += r.engine_seconds;
    double t_io = fu_monotonic_seconds();
    /* the group it ran on, before the terminal record (whose sync makes both durable) */
    fu_record_layout lay;
    memset(&lay, 0, sizeof lay);
    memcpy(lay.id, cd->id, FU_RECORD_ID_LEN);
    lay.attempt = r.attempt;
    lay.ranks = c->run_layout[g][0] > 0 ? c->run_layout[g][0] : group_ranks(c, g);
    lay.npk = c->run_layout[g][1], lay.npb = c->run_layout[g][2], lay.npg = c->run_layout[g][3];
    if (lay.npk < 0 || lay.npb < 0 || (long long)lay.npk * lay.npb > lay.ranks) lay.npk = lay.npb = 0;
    if (lay.npg < 0 || lay.npb == 0 || (lay.npg > 0 && lay.npb % lay.npg)) lay.npg = 0;
    if (!c->status) {
        fu_err le = {0};
        /* a lost layout record loses a column entry, not the result: no reason to stop */
        if (fu_journal_append_layout(c->j, &lay, 0, &le) && c->o->progress)
            fprintf(c->o->progress, "screen: warning: %s\n", le.msg);
    }
    memset(c->run_layout[g], 0, sizeof c->run_layout[g]);
    append(c, &r, 1);
    c->io_total += fu_monotonic_seconds() - t_io;
    double wall = r.time_end - r.time_start;
    if (cd->cost > 0) {
        c->sum_wall += wall;
        c->sum_cost += cd->cost;
        if (wall / cd->cost > c->max_rate) c->max_rate = wall / cd->cost;
    }
    c->left_cost -= cd->cost;
    c->rep->nrun++;
    int ok = r.state == FU_RECORD_DONE;
    if (ok) c->done++;
    else c->failed++;
    char what[96];
    /* not final (a stop signal, a lost rank): a rerun redoes it, so it did not fail */
    const char *verdict = ok ? "done" : r.final ? "FAILED" : "interrupted";
    if (lay.npk > 0 && lay.npg > 1)
        snprintf(what, sizeof what, "%s (%.1f s, %d rank%s: %d x %d, %d FFT ranks per band)", verdict, wall,
                 lay.ranks, lay.ranks == 1 ? "" : "s", lay.npk, lay.npb, lay.npg);
    else if (lay.npk > 0)
        snprintf(what, sizeof what, "%s (%.1f s, %d rank%s: %d x %d)", verdict, wall, lay.ranks,
                 lay.ranks == 1 ? "" : "s", lay.npk, lay.npb);
    else
        snprintf(what, sizeof what, "%s (%.1f s, %d rank%s)", verdict, wall, lay.ranks, lay.ranks == 1 ? "" : "s");
    progress(c, what, cd);
    if (!ok && c->o->progress)
        fprintf(c->o->progress, "screen:   %s: %s\n", r.cause ? r.cause : "", r.message ? r.message : "");
    fu_record_free(&r);
}

static int cmp_cost_desc(const void *a, const void *b, void *ctx) {
    const fu_sweep *sw = ctx;
    int i = *(const int *)a, k = *(const int *)b;
    double ci = sw->cand[i].cost, ck = sw->cand[k].cost;
    if (ci != ck) return ci > ck ? -1 : 1;
    return (i > k) - (i < k);
}

/* Merge sort with a context (qsort_r is not C11). cmp_cost_desc is a total
 * order, so the result is the same as any sort's. The insertion sort this
 * replaces was quadratic: 100 000 candidates took a minute before the first
 * SCF, deaf to a stop signal. */
static void sort_pending(int *v, int n, const fu_sweep *sw) {
    int *tmp = n > 1 ? malloc(sizeof(int) * (size_t)n) : NULL;
    if (!tmp) { /* out of memory: the slow way still works */
        for (int i = 1; i < n; i++) {
            int x = v[i], k = i - 1;
            while (k >= 0 && cmp_cost_desc(&v[k], &x, (void *)sw) > 0) v[k + 1] = v[k], k--;
            v[k + 1] = x;
        }
        return;
    }
    for (int w = 1; w < n; w *= 2) {
        for (int lo = 0; lo < n; lo += 2 * w) {
            int mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
            int a = lo, b = mid, o = lo;
            while (a < mid && b < hi) tmp[o++] = cmp_cost_desc(&v[b], &v[a], (void *)sw) < 0 ? v[b++] : v[a++];
            while (a < mid) tmp[o++] = v[a++];
            while (b < hi) tmp[o++] = v[b++];
        }
        memcpy(v, tmp, sizeof(int) * (size_t)n);
    }
    free(tmp);
}

/* Journal open and the records of the plan: invalid, queued, crashed. */
static int coord_setup(coord *c, const char *jpath, int ranks, fu_err *err) {
    const fu_sweep *sw = c->sw;
    fu_run_info ri;
    fu_run_info_local(&ri);
    ri.ranks = ranks;
    ri.group_size = c->o->group_size;
    ri.shard_index = c->o->shard_count > 1 ? c->o->shard_index : 0;
    ri.shard_count = c->o->shard_count > 1 ? c->o->shard_count : 1;
    ri.sweep = sw->text;
    size_t n = sw->n > 0 ? (size_t)sw->n : 1;
    unsigned char *in_shard = malloc(n);
    int nshard = !in_shard ? -1
                 : c->o->select ? 0
                 : fu_farm_shard_mask(sw, ri.shard_index, ri.shard_count, in_shard);
    for (int i = 0; in_shard && c->o->select && i < sw->n; i++) nshard += (in_shard[i] = c->o->select[i]) != 0;
    if (nshard < 0) {
        free(in_shard);
        return fu_fail(err, FU_EINPUT, "shard %d of %d: invalid shard or out of memory", ri.shard_index,
                       ri.shard_count);
    }
    c->nshard = nshard;
    c->rep->ncand = (size_t)nshard;
    fu_journal_scan scan;
    memset(&scan, 0, sizeof scan);
    int rc = fu_journal_open(jpath, &ri, &c->j, &scan, err);
    if (rc) {
        free(in_shard);
        return rc;
    }
    if (scan.diag.warning[0] && c->o->progress)
        fprintf(c->o->progress, "screen: warning: %s\n", scan.diag.warning);
    c->pending = malloc(n * sizeof(int));
    c->scratch = malloc(n * sizeof(int));
    c->taken = calloc(n, sizeof(int));
    c->attempt = calloc(n, sizeof(int));
    c->late = calloc(n, 1);
    if (!c->pending || !c->scratch || !c->taken || !c->attempt || !c->late) {
        fu_journal_scan_free(&scan);
        free(in_shard);
        return fu_fail(err, FU_ENOMEM, "out of memory planning %d candidates", sw->n);
    }
    size_t known = 0; /* journal entries that are candidates of this shard */
    for (int i = 0; i < sw->n; i++)
        if ((c->scope ? c->scope : in_shard)[i] && fu_journal_scan_find(&scan, sw->cand[i].id)) known++;
    if (scan.ncand > known && c->o->progress && !sw->nstages) /* a staged journal holds every stage */
        fprintf(c->o->progress,
                "screen: warning: %s holds %zu candidate(s) not in this shard (another shard, shard count "
                "or sweep?); they stay in its results: use one prefix per shard\n",
                jpath, scan.ncand - known);
    char(*crashed)[FU_RECORD_ID_LEN + 1] = NULL;
    size_t ncrashed = fu_pipeline_crash_ids_read(&crashed);
    for (int i = 0; i < sw->n && !rc; i++) {
        const fu_candidate *cd = &sw->cand[i];
        if (!in_shard[i] && !(c->queue_rest && c->scope && c->scope[i])) continue; /* another shard's */
        /* queueing 100 000 candidates takes most of a minute: a stop request
         * ends it here, with the records so far complete (the rerun queues the rest) */
        if (c->o->stop && *c->o->stop) {
            c->stopping = 1;
            if (c->o->progress)
                fprintf(c->o->progress, "screen: signal received while queueing the candidates (%d of %d "
                        "looked at): no work started\n", i, sw->n);
            break;
        }
        const fu_journal_status *st = fu_journal_scan_find(&scan, cd->id);
        if (!in_shard[i] && (st || !cd->valid)) continue; /* a later pass's, known already */
        /* a candidate given up as crashed runs again when more attempts are allowed */
        if (st && st->final && !(st->final_crash && st->crashes < c->o->max_attempts)) {
            c->rep->nskipped++;
            continue;
        }
        fu_record r;
        if (!st && sw->nstages) { /* which stage the ID is, before its first record */
            fu_record_stage sg;
            memset(&sg, 0, sizeof sg);
            memcpy(sg.id, cd->id, FU_RECORD_ID_LEN);
            memcpy(sg.root, cd->root, FU_RECORD_ID_LEN);
            sg.stage = sw->stage;
            snprintf(sg.name, sizeof sg.name, "%s", sw->stage_name);
            rc = fu_journal_append_stage(c->j, &sg, 0, err);
            if (rc) break;
        }
        if (!cd->valid) {
            /* too large for this run's memory limit: not final, a rerun with
             * more memory per rank computes it */
            rc = base_record(&r, cd, cd->mem_refused ? FU_RECORD_FAILED : FU_RECORD_INVALID, err);
            if (!rc) rc = fu_record_set_str(&r.cause, cd->mem_refused ? "memory" : "invalid", err);
            if (!rc) rc = fu_record_set_str(&r.message, cd->reason, err);
            if (!rc) rc = fu_journal_append(c->j, &r, 0, err);
            fu_record_free(&r);
            c->rep->nskipped++;
            continue;
        }
        int att = st ? st->attempts : 0;
        if (st && st->open) {
            /* the job ended while it ran: its own crash (PREFIX.crashes) counts towards
             * --max-attempts; a kill of the whole job (or another candidate's crash) does not */
            int own = fu_pipeline_crash_listed(crashed, ncrashed, cd->id);
            rc = base_record(&r, cd, FU_RECORD_FAILED, err);
            r.final = own && st->crashes + 1 >= c->o->max_attempts;
            r.attempt = att;
            if (!rc) rc = fu_record_set_str(&r.cause, own ? "crashed" : "interrupted", err);
            char msg[160];
            if (own)
                snprintf(msg, sizeof msg, "attempt %d crashed (fatal signal in a rank running it): crash %d of "
                         "--max-attempts %d", att, st->crashes + 1, c->o->max_attempts);
            else
                snprintf(msg, sizeof msg, "attempt %d interrupted: the job ended while it ran (killed, node "
                         "failure or another candidate's crash)", att);
            if (!rc) rc = fu_record_set_str(&r.message, msg, err);
            if (!rc) rc = fu_journal_append(c->j, &r, 0, err);
            int given_up = r.final;
            fu_record_free(&r);
            if (given_up) {
                c->rep->nskipped++;
                continue;
            }
        }
        /* interrupted again and again (an OOM kill leaves no crash evidence): last, so that
         * it cannot keep the others from finishing */
        if (st && st->interruptions + (st->open ? 1 : 0) >= c->o->max_attempts) c->late[i] = 1;
        if (!st) {
            rc = base_record(&r, cd, FU_RECORD_QUEUED, err);
            if (!rc) rc = fu_journal_append(c->j, &r, 0, err);
            fu_record_free(&r);
        }
        if (!in_shard[i]) continue; /* queued for its own pass */
        c->attempt[i] = att + 1;
        c->pending[c->npending++] = i;
        c->left_cost += cd->cost;
    }
    fu_journal_scan_free(&scan);
    free(in_shard);
    free(crashed);
    if (!rc) rc = fu_journal_sync(c->j, err);
    if (!rc && c->npending) rc = read_checkpoints(c, jpath, err);
    /* recorded and synced: the evidence has been used */
    if (!rc && ncrashed) fu_pipeline_crash_clear();
    if (!rc && !c->o->static_assign) sort_pending(c->pending, c->npending, sw);
    if (!rc) { /* stable: the late ones after the others, each part in its order */
        int k = 0;
        for (int pass = 0; pass < 2; pass++)
            for (int q = 0; q < c->npending; q++)
                if (c->late[c->pending[q]] == pass) c->scratch[k++] = c->pending[q];
        memcpy(c->pending, c->scratch, (size_t)c->npending * sizeof *c->pending);
    }
    return rc;
}

/* A stop signal: the results file is written at once from the journal (every finished
 * candidate), before the running ones are waited for, so that a launcher's or scheduler's
 * SIGKILL during the drain (Open MPI's mpiexec sends it odls_base_sigkill_timeout seconds
 * after its SIGTERM, 1 s by default) still leaves the results of everything finished; the
 * running ones stay "started" in the journal and are rerun. Rewritten once they are back. */
static void stop_snapshot(coord *c) {
    if (c->snapshot || !c->o->stop || !*c->o->stop || c->status) return;
    c->snapshot = 1;
    if (!c->stopping) {
        c->stopping = 1;
        if (c->o->progress)
            fprintf(c->o->progress, "screen: signal received: no new work; finishing running candidates\n");
    }
    int running = 0;
    for (int g = 0; g < c->ngroups; g++) running += c->run_idx[g] >= 0;
    if (!running) return; /* the final write follows at once */
    fu_err e = {0};
    fu_store_report sr;
    memset(&sr, 0, sizeof sr);
    double t = fu_monotonic_seconds();
    int rc = fu_journal_sync(c->j, &e);
    if (!rc) rc = fu_results_finalize(c->jpath, c->hpath, &sr, &e);
    if (c->o->progress) {
        if (rc) fprintf(c->o->progress, "screen: warning: results file at the stop not written: %s\n", e.msg);
        else
            fprintf(c->o->progress, "screen: results of the %zu finished candidate(s) written to %s (%.2f s); "
                    "waiting for %d running\n", sr.ndone + sr.nfailed + sr.ninvalid, c->hpath,
                    fu_monotonic_seconds() - t, running);
        fflush(c->o->progress);
    }
}

static void coord_loop_mpi(coord *c, MPI_Comm world) {
    int active = c->ngroups;
    int G = c->o->group_size;
    unsigned char *rbuf = NULL;
    while (active > 0) {
        MPI_Status st;
        int flag = 0;
        MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, world, &flag, &st);
        if (!flag) {
            stop_snapshot(c);
            nap();
            continue;
        }
        int len = 0;
        MPI_Get_count(&st, MPI_BYTE, &len);
        free(rbuf);
        rbuf = malloc(len > 0 ? (size_t)len : 1);
        MPI_Recv(rbuf, len, MPI_BYTE, st.MPI_SOURCE, st.MPI_TAG, world, MPI_STATUS_IGNORE);
        int g = (st.MPI_SOURCE - 1) / G;
        if (st.MPI_TAG == TAG_LOG) { /* the SCF log of the result that follows */
            if (c->log && len > 0) {
                double t_io = fu_monotonic_seconds();
                fwrite(rbuf, 1, (size_t)len, c->log);
                fflush(c->log);
                t_io = fu_monotonic_seconds() - t_io;
                c->io_total += t_io;
                if (g >= 0 && g < c->ngroups) c->run_io[g] += t_io;
            }
            continue;
        }
        if (st.MPI_TAG == TAG_CKPT) {
            checkpoint(c, g, rbuf, len);
            continue;
        }
        if (st.MPI_TAG == TAG_LAYOUT) {
            if (g >= 0 && g < c->ngroups && len == (int)sizeof c->run_layout[g])
                memcpy(c->run_layout[g], rbuf, sizeof c->run_layout[g]);
            continue;
        }
        if (st.MPI_TAG == TAG_RESULT) finish(c, g, rbuf, len);
        int idx = pick(c, g);
        unsigned char *task = NULL;
        int tlen = 0;
        if (idx >= 0 && start(c, idx, g, &task, &tlen)) idx = -1;
        if (idx >= 0) {
            MPI_Send(task, tlen, MPI_BYTE, st.MPI_SOURCE, TAG_TASK, world);
        } else {
            MPI_Send(NULL, 0, MPI_BYTE, st.MPI_SOURCE, TAG_STOP, world);
            active--;
        }
        free(task);
    }
    free(rbuf);
}

static void coord_loop_self(coord *c) {
    for (;;) {
        int idx = pick(c, 0);
        unsigned char *task = NULL;
        int tlen = 0;
        if (idx < 0 || start(c, idx, 0, &task, &tlen)) break;
        fu_record rec;
        fu_err e = {0};
        int rc = fu_pipeline_run(task, tlen, MPI_COMM_SELF, c->log, c->o->stop, c->o->threads, serial_ckpt, c, &rec,
                          c->run_layout[0], &e);
        free(task);
        unsigned char *out = NULL;
        size_t olen = 0;
        if (!rc) rc = fu_codec_record_encode(&rec, &out, &olen, &e);
        fu_record_free(&rec);
        finish(c, 0, rc ? NULL : out, rc ? 0 : (int)olen);
        free(out);
    }
}

/* One run of the farm over the candidates of o->select (else the shard) with groups of
 * o->group_size ranks. scope (rank 0, may be NULL): every candidate of the shard or stage over
 * all passes (fu_farm_run); with queue_rest, those of later passes are journaled "queued" now,
 * so that a job stopped before their pass still lists them. */
static int farm_pass(const fu_sweep *sw, const char *prefix, const fu_farm_opts *o, const unsigned char *scope,
                     int queue_rest, MPI_Comm world, fu_farm_report *rep, fu_err *err) {
    int rank = 0, size = 1;
    MPI_Comm_rank(world, &rank);
    MPI_Comm_size(world, &size);
    fu_farm_report local;
    if (!rep) rep = &local;
    memset(rep, 0, sizeof *rep);
    int G = o->group_size > 0 ? o->group_size : 1;
    int ngroups = size == 1 ? 1 : (size - 1 + G - 1) / G;
    double t0 = fu_realtime_seconds();

    /* prefix for the group logs */
    char pfx[FU_SWEEP_PATH_LEN];
    if (rank == 0) snprintf(pfx, sizeof pfx, "%s", prefix ? prefix : "screen");
    MPI_Bcast(pfx, (int)sizeof pfx, MPI_CHAR, 0, world);
    fu_pipeline_crash_install(pfx);

    coord c;
    memset(&c, 0, sizeof c);
    int rc = FU_OK;
    char jpath[FU_SWEEP_PATH_LEN + 16], hpath[FU_SWEEP_PATH_LEN + 16];
    if (rank == 0) {
        snprintf(jpath, sizeof jpath, "%s.journal", pfx);
        snprintf(hpath, sizeof hpath, "%s.h5", pfx);
        c.sw = sw;
        c.o = o;
        c.rep = rep;
        c.ngroups = ngroups;
        c.t0 = t0;
        c.jpath = jpath;
        c.hpath = hpath;
        rep->ncand = (size_t)sw->n;
        c.run_idx = malloc((size_t)ngroups * sizeof(int));
        c.run_t0 = calloc((size_t)ngroups, sizeof(double));
        c.run_io = calloc((size_t)ngroups, sizeof(double));
        c.run_layout = calloc((size_t)ngroups, sizeof *c.run_layout);
        c.workers = size == 1 ? 1 : size - 1;
        c.scope = scope;
        c.queue_rest = queue_rest;
        if (!c.run_idx || !c.run_t0 || !c.run_io || !c.run_layout) rc = fu_fail(err, FU_ENOMEM, "out of memory");
        for (int g = 0; !rc && g < ngroups; g++) c.run_idx[g] = -1;
        if (!rc) rc = coord_setup(&c, jpath, size, err);
        char shard_note[64] = "";
        if (o->shard_count > 1)
            snprintf(shard_note, sizeof shard_note, " (shard %d of %d, %d in the sweep)", o->shard_index,
                     o->shard_count, sw->n);
        if (!rc && o->progress)
            fprintf(o->progress,
                    "screen: %d candidates%s: %zu already final, %d to run on %d group(s) of %d rank(s)%s\n",
                    /* with more ranks the last group holds what is left over */
                    c.nshard, shard_note, rep->nskipped, c.npending, ngroups, size == 1 ? 1 : G,
                    size == 1 ? " (serial)" : " + coordinator");
    }
    MPI_Bcast(&rc, 1, MPI_INT, 0, world);
    if (rc) {
        if (rank == 0) {
            fu_journal_close(c.j, NULL);
            ckpts_free(&c);
            free(c.pending), free(c.scratch), free(c.late), free(c.taken), free(c.attempt), free(c.run_idx),
                free(c.run_t0), free(c.run_io), free(c.run_layout);
        }
        return rc;
    }

    if (rank == 0) c.log = job_log(pfx);
    if (size == 1) {
        coord_loop_self(&c);
    } else {
        int color = rank == 0 ? MPI_UNDEFINED : (rank - 1) / G;
        MPI_Comm group = MPI_COMM_NULL;
        MPI_Comm_split(world, color, rank, &group);
        if (rank == 0) coord_loop_mpi(&c, world);
        else worker_loop(world, group, o->stop, o->threads);
        if (group != MPI_COMM_NULL) MPI_Comm_free(&group);
    }

    if (rank == 0) {
        if (c.log) fclose(c.log);
        rc = c.status;
        if (rc) *err = c.err;
        /* while we hold the journal's lock no other coordinator of this shard runs, so any
           PREFIX.h5.tmp.PID is the leftover of a finalize that was killed */
        int stale = fu_atomic_remove_stale(hpath);
        if (stale > 0 && o->progress)
            fprintf(o->progress, "screen: removed %d temporary file(s) of an interrupted finalize (%s.tmp.*)\n",
                    stale, hpath);
        fu_err e2 = {0};
        int crc = fu_journal_close(c.j, &e2);
        if (crc && !rc) rc = crc, *err = e2;
        rep->stopped = c.stopping;
        rep->engine_seconds = c.engine_total;
        rep->io_seconds = c.io_total;
        if (!rc) {
            fu_store_report sr;
            memset(&sr, 0, sizeof sr);
            double tf = fu_monotonic_seconds();
            rc = fu_results_finalize(jpath, hpath, &sr, err);
            rep->finalize_seconds = fu_monotonic_seconds() - tf;
            rep->ndone = sr.ndone;
            rep->nfailed = sr.nfailed;
            rep->ninvalid = sr.ninvalid;
            rep->nleft = sr.nunfinished;
            rep->ncand = sr.ncand;
            if (!rc && sr.warning[0] && o->progress)
                fprintf(o->progress, "screen: warning: %s\n", sr.warning);
        }
        free(c.pending), free(c.scratch), free(c.late), free(c.taken), free(c.attempt), free(c.run_idx),
                free(c.run_t0), free(c.run_io), free(c.run_layout);
        ckpts_free(&c);
    }
    rep->wall = fu_realtime_seconds() - t0;
    MPI_Request rq;
    MPI_Ibcast(&rc, 1, MPI_INT, 0, world, &rq);
    wait_sleepy(&rq);
    return rc;
}

static int cmp_int_desc(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    return (x < y) - (x > y);
}

void fu_farm_report_add(fu_farm_report *rep, const fu_farm_report *part) {
    rep->ncand = part->ncand, rep->ndone = part->ndone, rep->nfailed = part->nfailed;
    rep->ninvalid = part->ninvalid, rep->nleft = part->nleft;
    rep->nrun += part->nrun;
    rep->nskipped += part->nskipped;
    rep->engine_seconds += part->engine_seconds;
    rep->io_seconds += part->io_seconds;
    rep->finalize_seconds += part->finalize_seconds;
    rep->stopped |= part->stopped;
}

/* Group sizes that follow the candidates (campaign/groupsize.h): one pass of the farm per
 * distinct group size, largest first (the most expensive candidates first, as within a
 * pass), each with its own communicator split. One journal and results file throughout:
 * a pass skips what is final, so a rerun passes through the finished ones. */
int fu_farm_run(const fu_sweep *sw, const char *prefix, const fu_farm_opts *o, MPI_Comm world,
                fu_farm_report *rep, fu_err *err) {
    int rank = 0, size = 1;
    MPI_Comm_rank(world, &rank);
    MPI_Comm_size(world, &size);
    fu_farm_report local;
    if (!rep) rep = &local;
    memset(rep, 0, sizeof *rep);
    int W = size == 1 ? 1 : size - 1, G = o->group_size > 0 ? o->group_size : 1;
    int npass = 0, rc = FU_OK;
    int *sizes = NULL;
    unsigned char *scope = NULL, *sel = NULL;
    if (rank == 0) {
        size_t n = sw->n > 0 ? (size_t)sw->n : 1;
        scope = malloc(n);
        sel = malloc(n);
        sizes = malloc(n * sizeof *sizes);
        if (!scope || !sel || !sizes) rc = fu_fail(err, FU_ENOMEM, "out of memory planning the groups");
        else if (o->select) memcpy(scope, o->select, (size_t)sw->n);
        else if (fu_farm_shard_mask(sw, o->shard_count > 1 ? o->shard_index : 0,
                                    o->shard_count > 1 ? o->shard_count : 1, scope) < 0)
            rc = fu_fail(err, FU_EINPUT, "shard %d of %d: invalid shard", o->shard_index, o->shard_count);
        for (int i = 0; !rc && i < sw->n; i++) {
            const fu_candidate *cd = &sw->cand[i];
            if (!scope[i] || !cd->valid) continue;
            int s = size == 1 ? 1 : cd->nranks > 0 ? (cd->nranks < W ? cd->nranks : W) : G;
            int seen = 0;
            for (int k = 0; k < npass && !seen; k++) seen = sizes[k] == s;
            if (!seen) sizes[npass++] = s;
        }
        if (!rc) qsort(sizes, (size_t)npass, sizeof *sizes, cmp_int_desc);
        if (rc) npass = 0;
    }
    MPI_Bcast(&rc, 1, MPI_INT, 0, world);
    MPI_Bcast(&npass, 1, MPI_INT, 0, world);
    if (!rc && rank != 0 && npass > 0 && !(sizes = malloc((size_t)npass * sizeof *sizes))) npass = -1;
    if (rank != 0) { /* every rank must agree to go on */
        int ok = npass >= 0;
        MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_MIN, world);
        if (!ok) rc = FU_ENOMEM;
    } else {
        int ok = 1;
        MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_MIN, world);
        if (!ok && !rc) rc = fu_fail(err, FU_ENOMEM, "out of memory on a worker rank planning the groups");
    }
    if (!rc && npass > 0) MPI_Bcast(sizes, npass, MPI_INT, 0, world);
    if (rc || npass <= 1) {
        /* one group size (or none to run): the farm as it always ran */
        fu_farm_opts so = *o;
        if (npass == 1) so.group_size = sizes[0];
        if (!rc) rc = farm_pass(sw, prefix, &so, NULL, 0, world, rep, err);
        free(sizes), free(scope), free(sel);
        return rc;
    }

    double t0 = fu_realtime_seconds();
    for (int p = 0; p < npass; p++) {
        int go = 1;
        double left = 0;
        fu_farm_opts so = *o;
        so.group_size = sizes[p];
        if (rank == 0) {
            int nsel = 0;
            for (int i = 0; i < sw->n; i++) {
                const fu_candidate *cd = &sw->cand[i];
                int s = cd->nranks > 0 ? (cd->nranks < W ? cd->nranks : W) : G;
                /* the invalid ones are journaled by the first pass */
                sel[i] = scope[i] && (cd->valid ? s == sizes[p] : p == 0);
                nsel += sel[i];
            }
            if (o->deadline > 0 && (left = o->deadline - (fu_realtime_seconds() - t0)) <= 0) {
                go = 0;
                rep->stopped = 1;
                if (o->progress)
                    fprintf(o->progress, "screen: groups of %d rank(s) not started: the job's time is used up; "
                            "rerun the same command to continue\n", sizes[p]);
            }
            if (go && o->stop && *o->stop) go = 0, rep->stopped = 1;
            if (go && o->progress)
                fprintf(o->progress, "screen: pass %d of %d: %d candidate(s) on groups of %d rank(s)\n", p + 1,
                        npass, nsel, sizes[p]);
        }
        MPI_Bcast(&go, 1, MPI_INT, 0, world);
        if (!go) break;
        so.select = rank == 0 ? sel : NULL;
        if (o->deadline > 0) so.deadline = left;
        fu_farm_report pr;
        rc = farm_pass(sw, prefix, &so, scope, p == 0, world, &pr, err);
        fu_farm_report_add(rep, &pr);
        int stop = rank == 0 && pr.stopped;
        MPI_Bcast(&stop, 1, MPI_INT, 0, world);
        if (rc || stop) break;
    }
    rep->wall = fu_realtime_seconds() - t0;
    free(sizes), free(scope), free(sel);
    return rc;
}
