/* The per-candidate pipeline a worker group runs for one task message: the SCF with its
 * recovery ladder, then the properties, checkpoints on the way (campaign/pipeline.h). */
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


/* ---- crash evidence ----
 * A hard kill of the job (node failure, scheduler SIGKILL) and a candidate that crashes
 * its own ranks both leave it "started" in the journal. Only the latter may count towards
 * --max-attempts, so a rank that dies of a fatal signal while it runs a candidate appends
 * "ID\n" to PREFIX.crashes (open/write are async-signal-safe; the file exists only after a
 * crash, O(1) files per job); the resume reads it. */
static char crash_path[FU_SWEEP_PATH_LEN + 16];
static char crash_line[FU_RECORD_ID_LEN + 2];
static volatile sig_atomic_t crash_armed;
static const int crash_signals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
static struct sigaction crash_prev[sizeof crash_signals / sizeof crash_signals[0]];

static void on_crash(int sig) {
    if (crash_armed && crash_path[0]) {
        int fd = open(crash_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            ssize_t w = write(fd, crash_line, FU_RECORD_ID_LEN + 1);
            (void)w;
            close(fd);
        }
    }
    /* then whatever handled it before (Open MPI's backtrace, or the default action) */
    for (size_t i = 0; i < sizeof crash_signals / sizeof crash_signals[0]; i++)
        if (crash_signals[i] == sig) sigaction(sig, &crash_prev[i], NULL);
    raise(sig);
}

void fu_pipeline_crash_install(const char *prefix) {
    snprintf(crash_path, sizeof crash_path, "%s.crashes", prefix);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_crash;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_NODEFER;
    for (size_t i = 0; i < sizeof crash_signals / sizeof crash_signals[0]; i++)
        sigaction(crash_signals[i], &sa, &crash_prev[i]);
}

void fu_pipeline_crash_arm(const char *id) {
    crash_armed = 0;
    snprintf(crash_line, sizeof crash_line, "%.*s\n", FU_RECORD_ID_LEN, id);
    crash_armed = strlen(crash_line) == FU_RECORD_ID_LEN + 1;
    /* fault injection for tests: this candidate crashes its rank (tests/screen) */
    const char *inject = getenv("FURUI_FAULT_CRASH_ID");
    if (crash_armed && inject && strcmp(inject, id) == 0) raise(SIGSEGV);
}

/* The IDs in PREFIX.crashes into *ids (n NUL-terminated IDs, in file order); 0 if none. */
size_t fu_pipeline_crash_ids_read(char (**ids)[FU_RECORD_ID_LEN + 1]) {
    *ids = NULL;
    FILE *f = fopen(crash_path, "r");
    if (!f) return 0;
    size_t n = 0, cap = 0;
    char line[64];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (strlen(line) != FU_RECORD_ID_LEN) continue; /* a torn line of a dying rank */
        if (n == cap) {
            cap = cap ? 2 * cap : 16;
            char(*q)[FU_RECORD_ID_LEN + 1] = realloc(*ids, cap * sizeof *q);
            if (!q) break;
            *ids = q;
        }
        memcpy((*ids)[n++], line, FU_RECORD_ID_LEN + 1);
    }
    fclose(f);
    return n;
}

int fu_pipeline_crash_listed(char (*ids)[FU_RECORD_ID_LEN + 1], size_t n, const char *id) {
    for (size_t i = 0; i < n; i++)
        if (strcmp(ids[i], id) == 0) return 1;
    return 0;
}

void fu_pipeline_crash_clear(void) {
    if (crash_path[0]) unlink(crash_path);
}

/* ---- task message (campaign/task.h) ---- */


_Static_assert(FU_CAND_EOS_MAXPOINTS == FU_EOS_MAXPOINTS, "journal and EOS point limits differ");


void fu_pipeline_ckpt_free(fu_pipeline_ckpt *k) {
    if (k) free(k->xred);
    free(k);
}

/* The task message (campaign/task.h): the control, the candidate and its checkpoints. */
int fu_pipeline_pack(const fu_pipeline_ctl *ctl, const fu_candidate *c, const fu_pipeline_ckpt *ck, unsigned char **buf,
                     int *len, fu_err *err) {
    fu_task *t = calloc(1, sizeof *t);
    if (!t) return fu_fail(err, FU_ENOMEM, "out of memory packing a task");
    t->job_seconds_left = ctl->job_seconds_left;
    t->time_limit = ctl->time_limit;
    t->recovery_rungs = ctl->recovery_rungs;
    t->fault_nan_rungs = ctl->fault_nan_rungs;
    memcpy(t->id, c->id, sizeof t->id);
    t->params = c->params;
    t->tasks = c->tasks;
    t->structure = c->structure; /* shallow: only read */
    if (ck && ck->relax_steps > 0 && ck->xred) {
        t->relax_steps = ck->relax_steps;
        memcpy(t->relax_fft, ck->relax_fft, sizeof t->relax_fft);
        memcpy(t->relax_lattice, ck->lattice, sizeof t->relax_lattice);
        t->relax_xred = ck->xred;
    }
    if (ck) {
        t->neos = ck->neos;
        memcpy(t->eos_volume, ck->eos_v, sizeof t->eos_volume);
        memcpy(t->eos_energy, ck->eos_e, sizeof t->eos_energy);
    }
    size_t n = 0;
    int rc = fu_task_encode(t, buf, &n, err);
    free(t); /* nothing of it is owned */
    if (!rc && n > INT32_MAX) {
        free(*buf);
        *buf = NULL;
        rc = fu_fail(err, FU_EINPUT, "candidate %s: structure too large", c->id);
    }
    if (!rc) *len = (int)n;
    return rc;
}

static int task_unpack(const unsigned char *b, int len, fu_pipeline_ctl *ctl, char id[FU_RECORD_ID_LEN + 1],
                       fu_scf_params *par, fu_cand_tasks *tasks, fu_structure *s, fu_pipeline_ckpt *ck,
                       fu_err *err) {
    memset(ck, 0, sizeof *ck);
    memset(ctl, 0, sizeof *ctl);
    memset(par, 0, sizeof *par);
    memset(tasks, 0, sizeof *tasks);
    memset(id, 0, (FU_RECORD_ID_LEN + 1));
    fu_task *t = malloc(sizeof *t);
    if (!t) return fu_fail(err, FU_ENOMEM, "out of memory unpacking a task");
    int rc = fu_task_decode(b, len > 0 ? (size_t)len : 0, t, err);
    if (!rc) {
        ctl->job_seconds_left = t->job_seconds_left;
        ctl->time_limit = t->time_limit;
        ctl->recovery_rungs = t->recovery_rungs;
        ctl->fault_nan_rungs = t->fault_nan_rungs;
        memcpy(id, t->id, (FU_RECORD_ID_LEN + 1));
        id[FU_RECORD_ID_LEN] = '\0';
        *par = t->params;
        *tasks = t->tasks;
        *s = t->structure; /* ownership moves */
        memset(&t->structure, 0, sizeof t->structure);
        if (t->relax_steps > 0 && t->relax_xred) {
            ck->relax_steps = ctl->relax_steps_done = t->relax_steps;
            memcpy(ck->relax_fft, t->relax_fft, sizeof ck->relax_fft);
            memcpy(ctl->relax_fft, t->relax_fft, sizeof ctl->relax_fft);
            memcpy(ck->lattice, t->relax_lattice, sizeof ck->lattice);
            ck->xred = t->relax_xred;
            t->relax_xred = NULL;
        }
        ck->neos = ctl->neos = t->neos;
        memcpy(ck->eos_v, t->eos_volume, sizeof ck->eos_v);
        memcpy(ck->eos_e, t->eos_energy, sizeof ck->eos_e);
    }
    fu_task_free(t);
    free(t);
    return rc;
}

/* Where a running candidate's checkpoints go: the coordinator's journal (serial run) or a
 * TAG_CKPT message to it (worker group leader). */

typedef struct {
    const char *id;
    int leader;          /* rank 0 of the group: the one that sends */
    fu_pipeline_sink sink;
    void *sink_ctx;
    int steps_before;    /* relaxation steps of earlier attempts (a continued relaxation) */
} ckpt_out;

static void ckpt_emit(ckpt_out *k, fu_record_checkpoint *ck) {
    if (!k->leader || !k->sink) return;
    memcpy(ck->id, k->id, FU_RECORD_ID_LEN);
    ck->id[FU_RECORD_ID_LEN] = '\0';
    ck->time = fu_realtime_seconds();
    unsigned char *buf = NULL;
    size_t len = 0;
    /* a checkpoint that cannot be written is only a lost shortcut */
    if (!fu_codec_checkpoint_encode(ck, &buf, &len, NULL)) k->sink(k->sink_ctx, buf, len);
    free(buf);
}

/* fu_relax_opts.on_step: the accepted structure, with the relaxation's fixed grid so that a
 * continuation keeps it (relax.h). */
static void on_relax_step(void *ctx, const fu_structure *s, const int fft[3], int nsteps, double energy) {
    ckpt_out *k = ctx;
    fu_record_checkpoint ck;
    memset(&ck, 0, sizeof ck);
    ck.kind = FU_CKPT_RELAX;
    ck.nsteps = k->steps_before + nsteps; /* counted over all attempts: the latest is the largest */
    ck.natom = s->natom;
    memcpy(ck.lattice, s->lattice, sizeof ck.lattice);
    ck.xred = s->xred;
    ck.energy = energy;
    memcpy(ck.fft, fft, sizeof ck.fft);
    ckpt_emit(k, &ck);
}

static void on_eos_point(void *ctx, int index, double volume, double energy) {
    fu_record_checkpoint ck;
    memset(&ck, 0, sizeof ck);
    ck.kind = FU_CKPT_EOS;
    ck.index = index;
    ck.volume = volume;
    ck.energy = energy;
    ckpt_emit(ctx, &ck);
}

/* Appends "; " + text to the history line. */
static void history_add(char *hist, size_t len, const char *text) {
    size_t n = strlen(hist);
    if (n + 3 < len) snprintf(hist + n, len - n, "%s%s", n ? "; " : "", text);
}

/* Runs one task on comm (collective), climbing the recovery ladder while
 * the SCF fails in a retryable way. On the leader (rank 0 of comm) fills
 * rec with the outcome: done with its result, or failed with cause and
 * message. Failures are final (the SCF is deterministic) except a stop by
 * the job's deadline or a signal ("interrupted"), which a rerun redoes.
 * message records every rung tried ("recovery: as-given: no-convergence
 * (60 it); damping: done (14 it)") whenever more than one rung ran. Only a
 * failure to build the record itself is returned. */
/* A stop that a rerun must redo: the signal, or the job's deadline (not the candidate's own
 * time limit, which ends the candidate for good). */
static int stopped_by_job(const volatile sig_atomic_t *stop, double job_deadline, double cand_deadline) {
    return (stop && *stop) || (job_deadline > 0 && fu_monotonic_seconds() >= job_deadline &&
                               (cand_deadline <= 0 || job_deadline <= cand_deadline));
}

int fu_pipeline_run(const unsigned char *buf, int len, MPI_Comm comm, FILE *log,
                    const volatile sig_atomic_t *stop, int threads, fu_pipeline_sink sink, void *sink_ctx,
                    fu_record *rec, int layout[4], fu_err *err) {
    int me = 0, csize = 1;
    MPI_Comm_rank(comm, &me);
    MPI_Comm_size(comm, &csize);
    /* ranks, k-groups x band ranks (of which FFT ranks) of the last SCF */
    layout[0] = csize, layout[1] = layout[2] = layout[3] = 0;
    char id[FU_RECORD_ID_LEN + 1];
    fu_pipeline_ctl ctl;
    fu_scf_params given, par;
    fu_cand_tasks tasks;
    fu_structure s;
    memset(&s, 0, sizeof s);
    fu_pipeline_ckpt ck;
    memset(&ck, 0, sizeof ck);
    fu_err e = {0};
    int rc = task_unpack(buf, len, &ctl, id, &given, &tasks, &s, &ck, &e);
    ckpt_out kout = {id, me == 0, sink, sink_ctx, 0};
    if (rc == FU_OK) fu_pipeline_crash_arm(id);
    given.threads = threads; /* this rank's, not the sender's */
    /* band ranks chosen for a group of another size (the smaller last group of a fixed
       --group-size): the cost model's layout for this one */
    if (given.npband > 0 && (given.npband > csize || csize % given.npband)) given.npband = 0;
    if (given.npfft > 0 && (given.npband <= 0 || given.npband % given.npfft)) given.npfft = 0;
    fu_scf_result res;
    memset(&res, 0, sizeof res);
    double t0 = fu_monotonic_seconds();
    double cand_deadline = ctl.time_limit > 0 ? t0 + ctl.time_limit : 0;
    double job_deadline = ctl.job_seconds_left > 0 ? t0 + ctl.job_seconds_left : 0;
    double any_deadline = cand_deadline > 0 && (job_deadline <= 0 || cand_deadline < job_deadline)
                              ? cand_deadline : job_deadline;
    double *rho = NULL; /* last finite density, to restart the next rung from */
    int rho_fft[3] = {0, 0, 0}, nband_used = 0, rungs_run = 0;
    const char *last_rung = NULL; /* the recovery rung the SCF ended on */
    char hist[FU_ERR_MSG_LEN] = "";
    /* every rung tried, for the record (leader only builds the record) */
    fu_record hrec;
    fu_record_init(&hrec);
    double engine = 0;
    int hist_rc = FU_OK, changed = 0;
    int ran = 0, interrupted = 0;
    int unpacked = rc == FU_OK;
    /* relaxation first: the SCF (and EOS) are then of the relaxed structure */
    int relax_steps = 0, relaxed_ok = 1;
    double relax_v0 = 0;
    fu_warnings warn = {0}; /* props/warnings.h: into the candidate's message */
    if (unpacked && tasks.relax) {
        fu_relax_opts ro = tasks.relax_opts;
        ro.log = me == 0 ? log : NULL;
        /* rung as-given below is the SCF on a fresh grid at the relaxed structure, with the
         * recovery ladder behind it: the relaxation's own final SCF would be the same run twice
         * (only a local copy changes: the sweep's final_scf is part of the candidate ID) */
        ro.final_scf = 0;
        ro.stop = stop;
        ro.deadline = any_deadline;
        ro.on_step = on_relax_step;
        ro.on_step_ctx = &kout;
        relax_v0 = fabs(fu_lattice_det((const double(*)[3])s.lattice));
        /* an interrupted attempt left its last accepted structure: go on from there (a fresh
         * BFGS on the same fixed grid), with the steps it took counted against max_steps */
        fu_structure start;
        memset(&start, 0, sizeof start);
        fu_scf_params rpar = given;
        int from_ckpt = ck.relax_steps > 0 && ck.xred && !fu_structure_copy(&start, &s, &e);
        if (from_ckpt) {
            memcpy(start.lattice, ck.lattice, sizeof start.lattice);
            memcpy(start.xred, ck.xred, (size_t)s.natom * sizeof *start.xred);
            if (ck.relax_fft[0] > 0) memcpy(rpar.fft, ck.relax_fft, sizeof rpar.fft);
            ro.max_steps = ro.max_steps > ck.relax_steps ? ro.max_steps - ck.relax_steps : 1;
            kout.steps_before = ck.relax_steps;
        }
        if (log && me == 0) {
            if (from_ckpt)
                fprintf(log, "# candidate %s: relaxation, continued from the checkpoint after %d SCF evaluations\n",
                        id, ck.relax_steps);
            else
                fprintf(log, "# candidate %s: relaxation\n", id);
            fflush(log);
        }
        fu_relax_result rr;
        memset(&rr, 0, sizeof rr);
        double ts = fu_monotonic_seconds();
        fu_err re = {0};
        rc = fu_relax_run(from_ckpt ? &start : &s, &rpar, &ro, comm, &rr, &re);
        if (from_ckpt) fu_structure_free(&start);
        engine += fu_monotonic_seconds() - ts;
        relax_steps = rr.nsteps + (from_ckpt ? ck.relax_steps : 0);
        if (rc == FU_ETIME) interrupted = stopped_by_job(stop, job_deadline, cand_deadline);
        if (!rc) fu_warn_relax(&rr, fmax(1e-7, 20.0 * given.tol_energy), &warn);
        if (!rc) {
            fu_structure relaxed;
            rc = fu_structure_copy(&relaxed, &rr.structure, &re);
            if (!rc) {
                fu_structure_free(&s);
                s = relaxed;
            }
        }
        if (rc) {
            relaxed_ok = 0;
            /* the message says "relax: ..." already when the relaxation itself failed */
            fu_fail(&e, rc, "%s%s", strncmp(re.msg, "relax", 5) ? "relax: " : "", re.msg);
        }
        fu_relax_result_free(&rr);
    }
    for (int k = 0; unpacked && relaxed_ok && k < ctl.recovery_rungs && k < FU_RECOVERY_RUNGS; k++) {
        const char *name = NULL;
        if (!fu_recovery_rung(&given, k, nband_used, &par, &name)) continue;
        if (ran) fu_scf_result_free(&res);
        if (log && me == 0) {
            fprintf(log, "# candidate %s: rung %s\n", id, name);
            fflush(log);
        }
        fu_scf_opts o;
        fu_scf_opts_default(&o);
        o.keep_fields = 1;
        o.stop = stop;
        o.deadline = cand_deadline;
        if (k < ctl.fault_nan_rungs) o.fault_nan_iteration = 2;
        if (job_deadline > 0 && (o.deadline <= 0 || job_deadline < o.deadline)) o.deadline = job_deadline;
        if (rho) {
            o.rho_start = rho;
            o.rho_start_fft = rho_fft;
        }
        e.msg[0] = '\0';
        double ts = fu_monotonic_seconds();
        rc = fu_scf_run_opts(&s, &par, &o, comm, me == 0 ? log : NULL, &res, &e);
        double dt = fu_monotonic_seconds() - ts;
        if (res.npk > 0) layout[1] = res.npk, layout[2] = res.npb, layout[3] = res.npg;
        engine += dt;
        ran = 1;
        rungs_run++;
        last_rung = name;
        /* never report an unconverged energy as a result */
        if (!rc && !res.converged) rc = fu_fail(&e, FU_ENOCONV, "SCF not converged");
        /* the smearing rung computes another quantity than the sweep asked for */
        changed = par.smearing != given.smearing || par.tsmear != given.tsmear;
        if (rc == FU_ETIME) interrupted = stopped_by_job(stop, job_deadline, cand_deadline);
        const char *outcome = !rc ? "done" : interrupted ? "interrupted" : fu_status_name(rc);
        if (me == 0 && !hist_rc)
            hist_rc = fu_record_add_rung(&hrec, name, outcome, res.iterations, dt, rc ? e.msg : "", NULL);
        char line[160];
        snprintf(line, sizeof line, "%s: %s (%d it)", name, outcome, res.iterations);
        history_add(hist, sizeof hist, line);
        if (!rc || !fu_recovery_retryable(rc)) break;
        nband_used = res.nband;
        size_t nt = (size_t)res.fft[0] * res.fft[1] * res.fft[2] * (res.nspin > 1 ? 2 : 1);
        int finite = res.rho_r != NULL;
        for (size_t i = 0; finite && i < nt; i++) finite = isfinite(res.rho_r[i]);
        if (finite) { /* a diverged density is no place to restart from */
            free(rho);
            rho = res.rho_r;
            res.rho_r = NULL;
            memcpy(rho_fft, res.fft, sizeof rho_fft);
        }
    }
    free(rho);
    /* band structure along the path, from the SCF's potential; like the EOS below, a failure leaves
       the candidate done (its SCF result stands) and is noted in its message */
    fu_bandstructure bs;
    memset(&bs, 0, sizeof bs);
    int have_bands = 0;
    char bands_note[FU_ERR_MSG_LEN + 8] = "";
    if (!rc && ran && tasks.bands) {
        if (log && me == 0) {
            fprintf(log, "# candidate %s: band structure along the high-symmetry path\n", id);
            fflush(log);
        }
        double ts = fu_monotonic_seconds();
        fu_err be = {0};
        int r2 = fu_bandstructure_run(&s, &par, &res, tasks.bands_density, comm, &bs, &be);
        engine += fu_monotonic_seconds() - ts;
        if (!r2) have_bands = 1;
        else snprintf(bands_note, sizeof bands_note, "bands: %s", be.msg);
    }
    /* equation of state around the computed structure, with the settings the SCF converged with; a
       failure leaves the candidate done (its SCF result stands) and is noted in its message */
    fu_eos_scan_result er;
    int have_eos = 0;
    char eos_note[FU_ERR_MSG_LEN + 8] = "";
    if (!rc && ran && tasks.eos) {
        fu_eos_scan_opts eo;
        fu_eos_scan_opts_default(&eo);
        eo.npoints = tasks.eos_points;
        eo.a_range = tasks.eos_range;
        eo.log = me == 0 ? log : NULL;
        eo.stop = stop;
        eo.deadline = any_deadline;
        eo.on_point = on_eos_point;
        eo.on_point_ctx = &kout;
        eo.nknown = ck.neos;
        memcpy(eo.known_volume, ck.eos_v, sizeof eo.known_volume);
        memcpy(eo.known_energy, ck.eos_e, sizeof eo.known_energy);
        fu_scf_params ep = par;
        ep.compute_forces = 0; /* E(V) only */
        ep.compute_stress = 0;
        if (log && me == 0) {
            fprintf(log, "# candidate %s: equation of state (%d points, +-%g in a)\n", id, eo.npoints, eo.a_range);
            fflush(log);
        }
        double ts = fu_monotonic_seconds();
        fu_err ee = {0};
        int r3 = fu_eos_scan(&s, &ep, comm, &eo, &er, &ee);
        engine += fu_monotonic_seconds() - ts;
        if (!r3) have_eos = 1;
        else if (r3 == FU_ETIME && stopped_by_job(stop, job_deadline, cand_deadline)) {
            /* stopped by the job: the rerun redoes the candidate, with the points done so far */
            rc = r3;
            interrupted = 1;
            fu_fail(&e, r3, "%s", ee.msg); /* "eos: point ..." */
        } else snprintf(eos_note, sizeof eos_note, "eos: %s", ee.msg);
    }
    /* block properties (props/property.h) on the SCF's structure; a failure is noted, as above */
    void *blocks[FU_PROPERTY_MAX] = {0};
    char blocks_note[FU_ERR_MSG_LEN + 8] = "";
    if (!rc && ran && unpacked) {
        fu_property_run pctx = {&s, &par, &res, comm, me == 0 ? log : NULL, NULL};
        fu_property_run_blocks(tasks.block_on, (const double(*)[FU_PROPERTY_OPTS])tasks.block_opts, pctx, blocks,
                               blocks_note, sizeof blocks_note);
    }
    int out = FU_OK;
    if (me == 0) {
        fu_record_init(rec);
        out = fu_record_set_id(rec, id, err);
        if (!out && hist_rc) out = fu_fail(err, hist_rc, "candidate %s: out of memory for its history", id);
        if (!out) {
            /* the history moves into the record */
            rec->rungs = hrec.rungs, rec->nrungs = hrec.nrungs;
            hrec.rungs = NULL, hrec.nrungs = 0;
            rec->engine_seconds = ran || tasks.relax ? engine : NAN;
        }
        if (!out && !rc) {
            out = fu_record_result_from_scf(&rec->res, &s, &par, &res, &e);
            if (!out) {
                rec->state = FU_RECORD_DONE;
                rec->have_result = 1;
                rec->settings_changed = changed;
                fu_cand_result *cr = &rec->res;
                cr->relax_steps = relax_steps;
                cr->relax_initial_volume = relax_steps ? relax_v0 : 0.0;
                if (have_bands) {
                    const fu_gap_info *g = &bs.gap;
                    cr->path_npoints = bs.sm.n;
                    cr->path_metal = g->metal;
                    cr->path_gap_direct = !g->metal && g->direct;
                    cr->path_gap = g->gap;
                    cr->path_direct_gap = g->direct_gap;
                    cr->path_vbm = g->vbm;
                    cr->path_cbm = g->cbm;
                    memcpy(cr->path_vbm_k, g->vbm_k, sizeof cr->path_vbm_k);
                    memcpy(cr->path_cbm_k, g->cbm_k, sizeof cr->path_cbm_k);
                    snprintf(cr->path_vbm_label, sizeof cr->path_vbm_label, "%s", g->vbm_label);
                    snprintf(cr->path_cbm_label, sizeof cr->path_cbm_label, "%s", g->cbm_label);
                    fu_kpath_string(&bs.kp, cr->path, (int)sizeof cr->path);
                }
                if (have_eos) {
                    cr->eos_npoints = er.npoints;
                    memcpy(cr->eos_volume, er.volume, (size_t)er.npoints * sizeof er.volume[0]);
                    memcpy(cr->eos_energy, er.energy, (size_t)er.npoints * sizeof er.energy[0]);
                    cr->eos_v0 = er.fit.v0;
                    cr->eos_e0 = er.fit.e0;
                    cr->eos_b0 = er.fit.b0;
                    cr->eos_b0_prime = er.fit.b0_prime;
                    cr->eos_rms = er.fit.rms_residual;
                    cr->eos_min_outside = er.fit.min_outside != 0;
                }
                memcpy(cr->block, blocks, sizeof cr->block); /* moved into the record */
                memset(blocks, 0, sizeof blocks);
                char msg[3 * FU_ERR_MSG_LEN] = "";
                if (rungs_run > 1)
                    snprintf(msg, sizeof msg, "recovery: %s%s", hist,
                             changed ? "; computed with the recovery smearing, not the sweep's" : "");
                if (bands_note[0])
                    snprintf(msg + strlen(msg), sizeof msg - strlen(msg), "%s%s", msg[0] ? "; " : "", bands_note);
                if (blocks_note[0])
                    snprintf(msg + strlen(msg), sizeof msg - strlen(msg), "%s%s", msg[0] ? "; " : "", blocks_note);
                if (eos_note[0])
                    snprintf(msg + strlen(msg), sizeof msg - strlen(msg), "%s%s", msg[0] ? "; " : "", eos_note);
                else if (have_eos) {
                    /* minimum at the scan's edge, V0 extrapolated, implausible B0' */
                    fu_warnings ew = {0};
                    fu_warn_eos(&er, &ew);
                    for (int i = 0; i < ew.n; i++)
                        snprintf(msg + strlen(msg), sizeof msg - strlen(msg), "%swarning: %s",
                                 msg[0] ? "; " : "", ew.msg[i]);
                }
                if (!relax_steps && res.have_stress)
                    fu_warn_scf_pressure((const double(*)[3])res.stress, &warn);
                fu_warn_recovery(rungs_run, last_rung, changed, &warn);
                if (have_bands && !bs.gap.metal)
                    fu_warn_gap_kmesh(par.kgrid, par.kshift, bs.gap.vbm_k, bs.gap.vbm_label, bs.gap.cbm_k,
                                      bs.gap.cbm_label, res.gap, bs.gap.gap, &warn);
                for (int i = 0; i < warn.n; i++)
                    snprintf(msg + strlen(msg), sizeof msg - strlen(msg), "%swarning: %s",
                             msg[0] ? "; " : "", warn.msg[i]);
                if (msg[0]) out = fu_record_set_str(&rec->message, msg, err);
            } else {
                rc = out; /* recorded as a failure of this candidate */
                out = FU_OK;
            }
        }
        if (!out && rc) {
            rec->state = FU_RECORD_FAILED;
            rec->final = !interrupted;
            rec->have_result = 0;
            const char *cause = interrupted ? "interrupted" : fu_status_name(rc);
            out = fu_record_set_str(&rec->cause, cause, err);
            char msg[2 * FU_ERR_MSG_LEN + 16];
            if (rungs_run > 1) snprintf(msg, sizeof msg, "%s [recovery: %s]", e.msg, hist);
            else snprintf(msg, sizeof msg, "%s", e.msg);
            if (!out) out = fu_record_set_str(&rec->message, msg, err);
        }
        if (log) {
            fprintf(log, "# candidate %s: %s%s\n", id, rc ? "failed: " : "done", rc ? e.msg : "");
            fflush(log);
        }
    }
    for (int i = 0; i < FU_PROPERTY_MAX; i++) free(blocks[i]);
    if (ran) fu_scf_result_free(&res);
    fu_bandstructure_free(&bs);
    fu_record_free(&hrec);
    fu_structure_free(&s);
    free(ck.xred);
    crash_armed = 0;
    return out;
}

