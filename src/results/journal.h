/* The per-shard append-only journal of candidate records (results/record.h).
 *
 * The journal is the source of truth of a screening shard: the coordinator
 * (the only writer of the shard) appends one record per state change of a
 * candidate (queued, started, done, failed, invalid) and, for "done", the
 * result a screening needs. Each record is framed with its length and a
 * SHA-256 checksum and made durable with fdatasync, so a kill -9 or a node
 * failure loses at most the record being written; that torn tail is
 * detected on reading and cut off when the journal is next opened for
 * appending. The on-disk format is described in src/results/README.md. */
#ifndef FURUI_RESULTS_JOURNAL_H
#define FURUI_RESULTS_JOURNAL_H

#include <stddef.h>

#include "core/error.h"
#include "results/record.h"

#define FU_JOURNAL_VERSION 4       /* newest journal format this code writes; reads 1 to 4 */
#define FU_JOURNAL_MAX_RECORD (256u << 20) /* larger length fields are corruption */

/* What reading a journal found besides its records. Corruption is reported
 * here, never as a failure: the intact records are still usable. */
typedef struct {
    size_t nrecords;           /* intact candidate records */
    size_t nruns;              /* intact session records */
    size_t nbad;               /* corrupt regions skipped between intact records */
    long long first_bad_offset;/* byte offset of the first one, -1 if none */
    long long torn_bytes;      /* bytes after the last intact record (torn write) */
    long long valid_end;       /* end of the last intact record */
    char warning[FU_ERR_MSG_LEN]; /* one line describing the above, "" if clean */
} fu_journal_diag;

/* Latest known state of one candidate (for resuming). */
typedef struct {
    char id[FU_RECORD_ID_LEN + 1];
    int state;                 /* last terminal state if any, else last state */
    int final;                 /* 1: done, invalid or failed-final: a rerun skips it */
    int attempts;              /* highest attempt number recorded */
    int crashes;               /* failed records with cause "crashed" (its own crashes) */
    int interruptions;         /* failed records with cause "interrupted" (stops, job kills) */
    int final_crash;           /* the terminal record is a final "crashed" */
    int open;                  /* the last record is "started": the job ended while it ran */
} fu_journal_status;

typedef struct {
    fu_journal_diag diag;
    size_t ncand;
    fu_journal_status *cand;      /* sorted by id */
} fu_journal_scan;

void fu_journal_scan_free(fu_journal_scan *s);
/* Status of id, or NULL if the journal has never mentioned it. */
const fu_journal_status *fu_journal_scan_find(const fu_journal_scan *s, const char *id);

typedef struct fu_journal fu_journal;

/* Opens (creating if absent) the journal for appending by this process
 * alone: takes an exclusive lock (a second writer fails with a clear
 * message), scans it into *scan (may be NULL), cuts off a torn tail, and
 * appends a session record for run (may be NULL). */
int fu_journal_open(const char *path, const fu_run_info *run, fu_journal **out,
                    fu_journal_scan *scan, fu_err *err);
/* 1 if a coordinator holds the journal's writer lock now (its job is running),
 * 0 if not, -1 if it cannot tell (no such file, file system without locks). */
int fu_journal_writer_active(const char *path);
/* Appends one record as one write; with sync, returns only once it is on
 * disk. A failed write is cut back off so the journal stays well-formed;
 * after a failed sync the journal refuses further appends (reopen it). */
int fu_journal_append(fu_journal *j, const fu_record *r, int sync, fu_err *err);
/* Appends a checkpoint (as fu_journal_append). */
int fu_journal_append_checkpoint(fu_journal *j, const fu_record_checkpoint *c, int sync, fu_err *err);
int fu_journal_sync(fu_journal *j, fu_err *err);
/* Syncs and closes; j may be NULL. */
int fu_journal_close(fu_journal *j, fu_err *err);

/* Reads a journal without modifying or locking it (safe while its writer
 * runs: a record being written shows up as a torn tail). For every intact
 * record in file order, calls on_run or on_cand (either may be NULL). A
 * callback may take over the record's contents (copy the struct, then
 * fu_record_init / clear sweep); what is left is freed after it
 * returns. A non-zero callback status stops the reading and is returned. */
typedef int (*fu_journal_run_fn)(void *ctx, fu_run_info *run, fu_err *err);
typedef int (*fu_journal_cand_fn)(void *ctx, fu_record *rec, fu_err *err);
int fu_journal_read(const char *path, fu_journal_run_fn on_run, fu_journal_cand_fn on_cand,
                    void *ctx, fu_journal_diag *diag, fu_err *err);
/* The checkpoint records of a journal, in file order (the callback may take over xred:
 * set it to NULL). Damage is skipped as by fu_journal_read. */
typedef int (*fu_journal_ckpt_fn)(void *ctx, fu_record_checkpoint *ck, fu_err *err);
int fu_journal_read_checkpoints(const char *path, fu_journal_ckpt_fn on_ckpt, void *ctx, fu_err *err);
int fu_journal_append_stage(fu_journal *j, const fu_record_stage *s, int sync, fu_err *err);
typedef int (*fu_journal_stage_fn)(void *ctx, const fu_record_stage *s, fu_err *err);
/* The stage records of a journal, in file order. */
int fu_journal_read_stages(const char *path, fu_journal_stage_fn on_stage, void *ctx, fu_err *err);
int fu_journal_append_layout(fu_journal *j, const fu_record_layout *l, int sync, fu_err *err);
typedef int (*fu_journal_layout_fn)(void *ctx, const fu_record_layout *l, fu_err *err);
/* The layout records of a journal, in file order. */
int fu_journal_read_layouts(const char *path, fu_journal_layout_fn on_layout, void *ctx, fu_err *err);
/* fu_journal_read into a status table, as fu_journal_open does. */
int fu_journal_scan_file(const char *path, fu_journal_scan *scan, fu_err *err);

#endif
