/* Results of a screening shard or campaign: the HDF5 file RESULTS.h5
 * (schema "furui.results"), built from a journal (finalize) or from several
 * shards (merge). One row per candidate, columns per quantity, units as
 * attributes; the layout is described in src/results/README.md. Implemented by
 * collapse.c (journal -> rows), write.c, read.c and merge.c; store.c holds the set of rows.
 *
 * Files are written whole or not at all (temporary name, fsync, rename), by
 * one process with the serial HDF5 API; the journal stays the source of
 * truth, so a failed write never loses a result. */
#ifndef FURUI_RESULTS_STORE_H
#define FURUI_RESULTS_STORE_H

#include <stddef.h>

#include "core/error.h"
#include "results/journal.h"

#define FU_RESULTS_SCHEMA "furui.results"
#define FU_RESULTS_SCHEMA_VERSION 2 /* 2: spin channels, relaxation, equation of state; reads 1 */

/* Where a results file's rows came from. */
typedef struct {
    char *path;
    char kind[16];            /* "journal" or "results" */
    char sha256[65];          /* of the file's bytes when it was read */
    size_t ncand;
} fu_results_source;

typedef struct {
    int schema_version;       /* of the file read; FU_RESULTS_SCHEMA_VERSION when built */
    size_t n;
    fu_record *rec;      /* one per candidate, ids strictly ascending */
    size_t nruns;
    fu_run_info *runs;        /* coordinator sessions (sweep NULL; sweep_sha256 set) */
    char *sweep;              /* verbatim sweep text of the first session ("" if none) */
    size_t nsweeps;           /* every distinct sweep text, in order of first appearance (a
                                 campaign merged from several sweeps; sweeps[0] is sweep) */
    char **sweeps;
    size_t nsources;
    fu_results_source *sources;
} fu_results;

void fu_results_free(fu_results *r);

typedef struct {
    size_t ncand, ndone, nfailed, ninvalid, nunfinished; /* unfinished: queued or started */
    size_t nrecords;          /* candidate records read from the journal(s) */
    size_t nsuperseded;       /* records replaced by a later one of the same candidate */
    fu_journal_diag diag;     /* corruption found in the journal */
    char warning[FU_ERR_MSG_LEN]; /* one line: corruption, sweep changed between sessions; "" if none */
} fu_store_report;

/* Collapses a journal to one row per candidate: the last terminal record
 * wins; a candidate with no terminal record keeps its last record (state
 * queued, started or failed-not-final); attempts = highest attempt seen.
 * The journal is read, never modified or locked. rep may be NULL. */
int fu_results_from_journal(const char *journal_path, fu_results *out, fu_store_report *rep,
                            fu_err *err);
/* Writes res atomically to path (HDF5). */
int fu_results_write(const char *path, const fu_results *res, fu_err *err);
/* fu_results_from_journal + fu_results_write. */
int fu_results_finalize(const char *journal_path, const char *results_path, fu_store_report *rep,
                        fu_err *err);

/* Reads a results file. Refuses, with a one-line message, files that are
 * not HDF5, not of schema "furui.results", of a newer schema_version, or
 * inconsistent (column lengths, offsets, duplicate IDs). */
int fu_results_read(const char *path, fu_results *out, fu_err *err);
/* Reads a results file or a journal (told apart by their first bytes). */
int fu_results_load(const char *path, fu_results *out, fu_store_report *rep, fu_err *err);
/* Adds a copy of text to r->sweeps unless empty or already there (and sets r->sweep if
 * unset). */
int fu_results_add_sweep(fu_results *r, const char *text, fu_err *err);
/* Index of id in r->rec, or -1. */
long fu_results_find(const fu_results *r, const char *id);

typedef struct {
    size_t ncand, ndone, nfailed, ninvalid, nunfinished;
    size_t ncollapsed;        /* identical duplicates collapsed into one row */
    size_t nclose;            /* of those: done results equal only within the merge
                                 tolerance (fu_diff_record_close) */
    size_t nsuperseded;       /* duplicates replaced: done beats not done; else latest terminal */
    size_t nconflicts;        /* candidates with two different "done" results */
    char conflict[FU_ERR_MSG_LEN]; /* the first conflict, one line */
    /* ID lists (16 hex + NUL each), ascending */
    size_t nmissing;          /* expected but in no input */
    char (*missing)[FU_RECORD_ID_LEN + 1];
    size_t nunexpected;       /* in an input but not expected */
    char (*unexpected)[FU_RECORD_ID_LEN + 1];
    size_t nfailed_ids;       /* final state failed or invalid */
    char (*failed)[FU_RECORD_ID_LEN + 1];
    size_t nunfinished_ids;   /* final state queued or started */
    char (*unfinished)[FU_RECORD_ID_LEN + 1];
    char warning[FU_ERR_MSG_LEN]; /* inputs with different sweeps, corrupt journals; "" if none */
} fu_merge_report;

void fu_merge_report_free(fu_merge_report *rep);

/* Combines shard results files and/or journals into one results file with
 * every candidate exactly once. Identical duplicates (same outcome, whatever
 * when or where computed) collapse, and so do two "done" results equal
 * within the merge tolerance (fu_diff_record_close: rounding noise of
 * another rank count; the row of the earlier input stays); a "done" row
 * beats rows that are not done; otherwise the latest terminal row wins. Two different "done"
 * results for one candidate are a conflict: FU_EINPUT naming the candidate,
 * the two inputs and the first differing field, and nothing is written.
 * expected (may be NULL) lists the IDs the campaign should contain: missing
 * and unexpected IDs are reported, not errors. out_path NULL only checks. */
int fu_results_merge(const char *const *inputs, size_t ninputs, const char *const *expected,
                     size_t nexpected, const char *out_path, fu_merge_report *rep, fu_err *err);

/* ---- internal to src/results: helpers shared by collapse.c, write.c, read.c, merge.c ---- */
void fu_store_iso_utc(double t, char buf[32]);
double fu_store_now(void);
/* strdup of s (NULL: ""), NULL when out of memory. */
char *fu_store_dup(const char *s);
int fu_store_cmp_rec(const void *a, const void *b);
int fu_store_cmp_id(const void *a, const void *b);
int fu_store_sync_parent_dir(const char *path);
void fu_store_count_states(const fu_results *r, size_t *ndone, size_t *nfailed, size_t *ninvalid, size_t *nunfinished);
int fu_store_push_run(fu_results *r, fu_run_info *run, fu_err *err);
void fu_store_fill_source(fu_results_source *s, const char *path, const char *kind, size_t ncand);
/* Appends to w a note that sessions or inputs disagree on the sweep. */
void fu_store_note(char *w, size_t cap, const char *text);
/* Reads a results file or a journal (told apart by their first bytes) into out. */
int fu_results_read_any(const char *path, fu_results *out, fu_store_report *rep, int *is_journal, fu_err *err);

#endif
