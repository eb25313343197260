/* Crash test of the screening journal: a forked writer works through the
 * candidates of a shard as the coordinator would (skip finished ones,
 * "started" then "done", each record synced), and the parent kills it with
 * SIGKILL at seeded random moments. After every kill the parent reads the
 * journal and checks that every record the writer had reported durable is
 * there, bit for bit, in order, and that nothing else is corrupt; the next
 * writer reopens the journal (cutting any torn tail) and carries on. At the
 * end, finalize must give every candidate exactly once, done.
 *
 * usage: store_crash [SEED [KILLS [OUTDIR]]]   (defaults 20240601 24 store_crash_out)
 * Prints the numbers; exits 0 when every check holds. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "results/store.h"
#include "results/diff.h"
#include "store/store_fixture.h"

#define NCAND 240

static int failures = 0;
#define EXPECT(cond, ...)                                  \
    do {                                                   \
        if (!(cond)) {                                     \
            failures++;                                    \
            fprintf(stderr, "FAIL: " __VA_ARGS__);         \
            fputc('\n', stderr);                           \
        }                                                  \
    } while (0)

/* Repeatable on every libc: xorshift64*. */
static uint64_t rng_state;
static uint64_t rng(void) {
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1DULL;
}

/* Record sizes vary so that kills land in writes of different lengths; some
 * done records are ~0.5 MB, long enough to be cut by a SIGKILL mid-write. */
static void shape(int i, int *natom, int *nk, int *nband) {
    *natom = 2 + i % 7;
    *nk = (i % 9 == 0) ? 800 : 10 + (i * 37) % 90;
    *nband = 40;
}

static int make(fu_record *r, int i, int state, int attempt) {
    int na, nk, nb;
    shape(i, &na, &nk, &nb);
    return fx_record(r, i, state, attempt, na, nk, nb);
}

typedef struct {
    int32_t kind;    /* 1: journal opened, 2: record durable, 3: about to append */
    int32_t i, state, attempt;
    int64_t extra;   /* kind 1: torn bytes cut off on opening */
} msg;

static void say(int fd, msg m) {
    ssize_t w = write(fd, &m, sizeof m);
    (void)w; /* the parent notices a missing message */
}

/* The writer: what a coordinator does, minus the physics. */
static int writer(const char *jpath, int fd) {
    fu_err e;
    fu_run_info run;
    fu_run_info_local(&run);
    run.ranks = 4;
    run.group_size = 1;
    run.shard_count = 1;
    run.sweep = "sweep: crash test\ncandidates: 240\n";
    fu_journal *j;
    fu_journal_scan sc;
    if (fu_journal_open(jpath, &run, &j, &sc, &e)) {
        fprintf(stderr, "writer: %s\n", e.msg);
        return 2;
    }
    say(fd, (msg){1, (int32_t)sc.ncand, 0, 0, sc.diag.torn_bytes});
    for (int i = 0; i < NCAND; i++) {
        char id[FU_RECORD_ID_LEN + 1];
        fx_id(i, id);
        const fu_journal_status *st = fu_journal_scan_find(&sc, id);
        if (st && st->final) continue; /* resume: skip finished candidates */
        int attempt = (st ? st->attempts : 0) + 1;
        static const int states[2] = {FU_RECORD_STARTED, FU_RECORD_DONE};
        for (int k = 0; k < 2; k++) {
            fu_record r;
            if (make(&r, i, states[k], attempt)) return 3;
            say(fd, (msg){3, i, states[k], attempt, 0});
            int rc = fu_journal_append(j, &r, 1, &e);
            fu_record_free(&r);
            if (rc) {
                fprintf(stderr, "writer: %s\n", e.msg);
                return 4;
            }
            say(fd, (msg){2, i, states[k], attempt, 0});
        }
    }
    fu_journal_scan_free(&sc);
    return fu_journal_close(j, &e) ? 5 : 0;
}

typedef struct {
    int i, state, attempt;
} key;

static key *confirmed = NULL; /* every record reported durable, in order */
static size_t nconfirmed = 0, capconfirmed = 0;

static int index_of(const char *id) {
    for (int i = 0; i < NCAND; i++) {
        char x[FU_RECORD_ID_LEN + 1];
        fx_id(i, x);
        if (!strcmp(x, id)) return i;
    }
    return -1;
}

/* Reads the journal; checks each record is exactly what the writer built and
 * that the confirmed records form a subsequence of it. */
static void verify_journal(const char *jpath, long long *torn, size_t *nrec, key *last) {
    fx_list l;
    memset(&l, 0, sizeof l);
    fu_journal_diag d;
    fu_err e;
    int rc = fu_journal_read(jpath, NULL, fx_collect, &l, &d, &e);
    EXPECT(rc == FU_OK, "journal read failed: %s", e.msg);
    EXPECT(d.nbad == 0, "corrupt records in a killed journal: %s", d.warning);
    *torn = d.torn_bytes;
    *nrec = l.n;
    size_t c = 0;
    for (size_t k = 0; k < l.n; k++) {
        const fu_record *r = &l.rec[k];
        int i = index_of(r->id);
        EXPECT(i >= 0, "record %zu has an unknown id %s", k, r->id);
        if (i < 0) continue;
        fu_record want;
        make(&want, i, r->state, r->attempt);
        const char *diff = fu_diff_record(r, &want, 1);
        EXPECT(!diff, "record %zu (candidate %d) differs from what was written: %s", k, i, diff);
        fu_record_free(&want);
        if (c < nconfirmed && confirmed[c].i == i && confirmed[c].state == r->state &&
            confirmed[c].attempt == r->attempt)
            c++;
    }
    EXPECT(c == nconfirmed, "only %zu of %zu durable records found in order", c, nconfirmed);
    *last = (key){-1, 0, 0};
    if (l.n) *last = (key){index_of(l.rec[l.n - 1].id), l.rec[l.n - 1].state, l.rec[l.n - 1].attempt};
    fx_list_free(&l);
}

typedef struct {
    int got_open, recs;
    int inflight;        /* an append was announced and not yet reported durable */
    key flying;
    long long prev_torn;
    int torn_cut_ok;
} round_state;

static void handle(const msg *m, round_state *rs) {
    if (m->kind == 1) {
        rs->got_open = 1;
        /* The writer cut exactly the torn tail the parent saw after the last kill. */
        if (m->extra != rs->prev_torn) rs->torn_cut_ok = 0;
    } else if (m->kind == 3) {
        rs->inflight = 1;
        rs->flying = (key){m->i, m->state, m->attempt};
    } else {
        rs->inflight = 0;
        rs->recs++;
        if (nconfirmed == capconfirmed) {
            capconfirmed = capconfirmed ? 2 * capconfirmed : 1024;
            confirmed = realloc(confirmed, capconfirmed * sizeof *confirmed);
        }
        confirmed[nconfirmed++] = (key){m->i, m->state, m->attempt};
    }
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv) {
    uint64_t seed = argc > 1 ? strtoull(argv[1], NULL, 10) : 20240601u;
    int kills = argc > 2 ? atoi(argv[2]) : 24;
    const char *out = argc > 3 ? argv[3] : "store_crash_out";
    rng_state = seed * 0x9E3779B97F4A7C15ULL + 1;
    mkdir(out, 0755);
    char jpath[4096], hpath[4096];
    snprintf(jpath, sizeof jpath, "%s/shard.jnl", out);
    snprintf(hpath, sizeof hpath, "%s/RESULTS.h5", out);
    unlink(jpath);
    unlink(hpath);
    double t0 = now();
    /* A writer killed by SIGXFSZ or a full pipe would be a test bug, not a crash. */
    signal(SIGPIPE, SIG_IGN);

    int killed = 0, torn_seen = 0, early = 0, finished = 0;
    int mid = 0, mid_complete = 0, mid_torn = 0, mid_absent = 0;
    round_state rs = {0};
    rs.torn_cut_ok = 1;
    size_t nrec = 0;
    for (int round = 0; !finished && round <= kills + 50; round++) {
        int p[2];
        if (pipe(p)) {
            perror("pipe");
            return 1;
        }
        fflush(NULL);
        pid_t pid = fork();
        if (pid == 0) {
            close(p[0]);
            _exit(writer(jpath, p[1]));
        }
        close(p[1]);
        rs.got_open = rs.recs = rs.inflight = 0;
        int do_kill = killed < kills;
        /* Where to kill: 1 in 5 rounds at once (inside open, scan or tail
         * cutting), else 0-2 ms after the writer starts the append following
         * 1-12 durable records: inside checksumming, write() or fdatasync.
         * Counting records keeps each round's progress bounded whatever the
         * speed of the machine, so the kills never run out of work. */
        int at_once = do_kill && rng() % 5 == 0;
        int want_recs = 1 + (int)(rng() % 12);
        long delay_us = at_once ? (long)(rng() % 3000) : (long)(rng() % 2000);
        msg m;
        if (do_kill && !at_once)
            while (!(rs.inflight && rs.recs >= want_recs) &&
                   read(p[0], &m, sizeof m) == (ssize_t)sizeof m)
                handle(&m, &rs);
        if (do_kill) {
            struct timespec ts = {0, delay_us * 1000};
            nanosleep(&ts, NULL);
            kill(pid, SIGKILL);
        }
        int status;
        waitpid(pid, &status, 0);
        /* Drain what the writer reported before it died. */
        while (read(p[0], &m, sizeof m) == (ssize_t)sizeof m) handle(&m, &rs);
        close(p[0]);
        int was_killed = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
        if (was_killed) {
            killed++;
            if (!rs.got_open) early++;
        } else {
            EXPECT(WIFEXITED(status) && WEXITSTATUS(status) == 0, "writer failed (status %d)", status);
            finished = WIFEXITED(status) && WEXITSTATUS(status) == 0;
        }
        long long torn = 0;
        key last = {-1, 0, 0};
        if (access(jpath, F_OK) == 0) verify_journal(jpath, &torn, &nrec, &last);
        if (torn > 0) torn_seen++;
        if (was_killed && rs.inflight) { /* killed with a record in flight */
            mid++;
            if (last.i == rs.flying.i && last.state == rs.flying.state &&
                last.attempt == rs.flying.attempt)
                mid_complete++;
            else if (torn > 0)
                mid_torn++;
            else
                mid_absent++;
        }
        rs.prev_torn = torn;
        if (failures) break;
    }
    EXPECT(killed >= kills, "only %d kills happened", killed);
    EXPECT(finished, "the last writer did not finish");
    EXPECT(rs.torn_cut_ok, "a reopened journal did not cut exactly the torn tail seen before");

    fu_store_report rep;
    fu_err e;
    int rc = fu_results_finalize(jpath, hpath, &rep, &e);
    EXPECT(rc == FU_OK, "finalize: %s", e.msg);
    fu_results r;
    memset(&r, 0, sizeof r);
    rc = rc ? rc : fu_results_read(hpath, &r, &e);
    EXPECT(rc == FU_OK, "read: %s", e.msg);
    int once = r.n == NCAND, exact = 1, retried = 0, max_att = 0;
    for (size_t k = 0; k < r.n; k++) {
        if (k && strcmp(r.rec[k - 1].id, r.rec[k].id) >= 0) once = 0;
        int i = index_of(r.rec[k].id);
        fu_record want;
        make(&want, i < 0 ? 0 : i, FU_RECORD_DONE, r.rec[k].attempt);
        if (i < 0 || r.rec[k].state != FU_RECORD_DONE || fu_diff_record(&r.rec[k], &want, 0)) exact = 0;
        fu_record_free(&want);
        if (r.rec[k].attempt > 1) retried++;
        if (r.rec[k].attempt > max_att) max_att = r.rec[k].attempt;
    }
    EXPECT(once, "finalized file has %zu rows for %d candidates (or duplicate ids)", r.n, NCAND);
    EXPECT(exact, "a finalized candidate is not done or differs from its written result");
    EXPECT(rep.diag.nbad == 0 && rep.diag.torn_bytes == 0, "final journal not clean: %s", rep.diag.warning);
    double secs = now() - t0;
    long long jsize = -1;
    struct stat st;
    if (stat(jpath, &st) == 0) jsize = (long long)st.st_size;
    printf("crash test (seed %llu): %d SIGKILLs (%d before the journal was open, %d with a record "
           "in flight: %d complete but unconfirmed, %d torn, %d not yet written); %zu records "
           "confirmed durable, all found intact and in order; %d torn tail(s) seen, each cut "
           "exactly on reopening; journal %zu records, %lld bytes, %zu sessions\n",
           (unsigned long long)seed, killed, early, mid, mid_complete, mid_torn, mid_absent,
           nconfirmed, torn_seen, nrec, jsize, r.nruns);
    printf("finalize: %zu candidates, each exactly once, %zu done (%d needed a second attempt, "
           "max attempts %d); %zu records collapsed; %.1f s\n", r.n, rep.ndone, retried, max_att,
           rep.nsuperseded, secs);
    fu_results_free(&r);

    /* Merge with a second shard's journal holding a failed, an invalid and an
     * unfinished candidate, against the expected ID list (one never ran). */
    char xpath[4096], mpath[4096];
    snprintf(xpath, sizeof xpath, "%s/extra.jnl", out);
    snprintf(mpath, sizeof mpath, "%s/MERGED.h5", out);
    unlink(xpath);
    fu_journal *j;
    fu_record x[3];
    fx_record(&x[0], NCAND, FU_RECORD_FAILED, 2, 0, 0, 0);
    fx_record(&x[1], NCAND + 1, FU_RECORD_INVALID, 0, 0, 0, 0);
    fx_record(&x[2], NCAND + 2, FU_RECORD_STARTED, 1, 0, 0, 0);
    rc = fu_journal_open(xpath, NULL, &j, NULL, &e);
    for (int k = 0; k < 3 && !rc; k++) rc = fu_journal_append(j, &x[k], 0, &e);
    if (!rc) rc = fu_journal_close(j, &e);
    EXPECT(rc == FU_OK, "extra journal: %s", e.msg);
    for (int k = 0; k < 3; k++) fu_record_free(&x[k]);
    static char ids[NCAND + 4][FU_RECORD_ID_LEN + 1];
    const char *expected[NCAND + 4];
    for (int i = 0; i < NCAND + 4; i++) fx_id(i, ids[i]), expected[i] = ids[i];
    const char *inputs[2] = {hpath, xpath};
    fu_merge_report mr;
    rc = fu_results_merge(inputs, 2, expected, NCAND + 4, mpath, &mr, &e);
    EXPECT(rc == FU_OK, "merge: %s", e.msg);
    EXPECT(mr.ncand == NCAND + 3 && mr.ndone == NCAND && mr.nmissing == 1 &&
               !strcmp(mr.missing[0], ids[NCAND + 3]) && mr.nfailed_ids == 2 &&
               mr.nunfinished_ids == 1 && mr.nunexpected == 0,
           "merge report: %zu candidates, %zu missing, %zu failed, %zu unfinished", mr.ncand,
           mr.nmissing, mr.nfailed_ids, mr.nunfinished_ids);
    printf("merge with a second shard: %zu candidates (%zu done, %zu failed or invalid, %zu "
           "unfinished), %zu expected but missing\n", mr.ncand, mr.ndone, mr.nfailed_ids,
           mr.nunfinished_ids, mr.nmissing);
    fu_merge_report_free(&mr);
    free(confirmed);
    printf("%d passed, %d failed\n", failures ? 0 : 1, failures ? 1 : 0);
    return failures ? 1 : 0;
}
