/* Results files and journals merged into one (fu_results_merge). */
#include "results/store.h"

#include "results/diff.h"
#include "results/h5io.h"
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
    fu_record *rec;
    size_t src;
} entry;

static int cmp_entry(const void *a, const void *b) {
    const entry *x = a, *y = b;
    int c = strcmp(x->rec->id, y->rec->id);
    if (c) return c;
    return x->src < y->src ? -1 : x->src > y->src;
}

static int push_id(char (**list)[FU_H5IO_ID_BUF], size_t *n, const char *id) {
    char(*q)[FU_H5IO_ID_BUF] = realloc(*list, (*n + 1) * sizeof *q);
    if (!q) return -1;
    memcpy(q[*n], id, FU_H5IO_ID_BUF);
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
    char (*exp)[FU_H5IO_ID_BUF] = NULL;
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
        rc = fu_results_read_any(inputs[s], &in[s], &r1, &j, err);
        is_journal[s] = (char)j;
        if (!rc && r1.diag.warning[0]) fu_store_note(rep->warning, sizeof rep->warning, r1.diag.warning);
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
            fu_store_note(rep->warning, sizeof rep->warning, t);
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
            const fu_record *w = all[win].rec, *y = all[x].rec;
            const char *diff = fu_diff_record(w, y, 0);
            if (!diff) {
                rep->ncollapsed++;
                continue;
            }
            rep->nsuperseded++;
            int wd = w->state == FU_RECORD_DONE, yd = y->state == FU_RECORD_DONE;
            const char *far = wd && yd ? fu_diff_record_close(w, y) : diff;
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
            int wt = fu_record_state_terminal(w->state, w->final);
            int yt = fu_record_state_terminal(y->state, y->final);
            if (yd || (yt && !wt) || (yt == wt && y->time_end > w->time_end)) win = x;
        }
        fu_record *dst = &out.rec[out.n++];
        *dst = *all[win].rec; /* move; the inputs are freed below */
        fu_record_init(all[win].rec);
        dst->attempt = maxatt;
        a = b;
    }
    if (rep->nconflicts) {
        rc = fu_fail(err, FU_EINPUT, "merge: %zu conflicting candidate(s); first: %s",
                     rep->nconflicts, rep->conflict);
        goto done;
    }

    for (size_t i = 0; i < out.n; i++) {
        const fu_record *x = &out.rec[i];
        int bad = 0;
        if (x->state == FU_RECORD_FAILED || x->state == FU_RECORD_INVALID)
            bad = push_id(&rep->failed, &rep->nfailed_ids, x->id);
        else if (x->state != FU_RECORD_DONE)
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
            fu_record tmp;
            fu_record_init(&tmp);
            if ((rc = fu_record_set_id(&tmp, expected[i], err))) {
                fu_err_prefix(err, "merge: expected id %zu", i + 1);
                goto done;
            }
            memcpy(exp[i], tmp.id, FU_H5IO_ID_BUF);
        }
        if (nexpected) qsort(exp, nexpected, sizeof *exp, fu_store_cmp_id);
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
    fu_store_count_states(&out, &rep->ndone, &rep->nfailed, &rep->ninvalid, &rep->nunfinished);

    if (out_path) {
        for (size_t s = 0; s < ninputs && !rc; s++) {
            rc = fu_results_add_sweep(&out, in[s].sweep, err);
            for (size_t k = 0; k < in[s].nsweeps && !rc; k++) rc = fu_results_add_sweep(&out, in[s].sweeps[k], err);
        }
        if (!rc && !out.sweep && !(out.sweep = fu_store_dup(""))) rc = fu_fail(err, FU_ENOMEM, "merge: out of memory");
        if (rc) goto done;
        for (size_t s = 0; s < ninputs && !rc; s++) {
            for (size_t i = 0; i < in[s].nruns && !rc; i++) rc = fu_store_push_run(&out, &in[s].runs[i], err);
            fu_store_fill_source(&out.sources[out.nsources++], inputs[s],
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
