/* Candidate records and the per-shard append-only journal.
 *
 * The journal is the source of truth of a screening shard: the coordinator
 * (the only writer of the shard) appends one record per state change of a
 * candidate (queued, started, done, failed, invalid) and, for "done", the
 * result a screening needs. Each record is framed with its length and a
 * SHA-256 checksum and made durable with fdatasync, so a kill -9 or a node
 * failure loses at most the record being written; that torn tail is
 * detected on reading and cut off when the journal is next opened for
 * appending. The on-disk format is described in src/screen/README.md. */
#ifndef FURUI_RESULTS_JOURNAL_H
#define FURUI_RESULTS_JOURNAL_H

#include <stddef.h>

#include "core/error.h"
#include "dft/params.h"
#include "dft/scf.h"
#include "props/property.h"

#define FU_CAND_ID_LEN 16          /* candidate IDs are 16 lowercase hex digits */
#define FU_JOURNAL_VERSION 4       /* newest journal format this code writes; reads 1 to 4 */
#define FU_JOURNAL_MAX_RECORD (256u << 20) /* larger length fields are corruption */

typedef enum {
    FU_CAND_QUEUED = 1,  /* known to the coordinator, not yet handed out */
    FU_CAND_STARTED = 2, /* attempt `attempt` handed to a worker group */
    FU_CAND_DONE = 3,    /* finished with a result (terminal) */
    FU_CAND_FAILED = 4,  /* attempt failed; terminal only when `final` is set */
    FU_CAND_INVALID = 5  /* rejected before running, e.g. by pre-flight checks (terminal) */
} fu_cand_state;

/* "queued", "started", "done", "failed", "invalid"; "unknown" otherwise. */
const char *fu_cand_state_name(int state);
/* 1 if a record with this state/final flag ends the candidate: a rerun skips it. */
int fu_cand_state_terminal(int state, int final);
/* The one rule for two records of a candidate in journal order: 1 if the later one (new_*)
 * replaces the one kept so far (old_*): the last terminal record wins, and a later
 * non-terminal one (an interrupted forced rerun) does not undo a terminal one. The resume
 * scan and the collapse into a results file both follow it. */
int fu_cand_supersedes(int old_state, int old_final, int new_state, int new_final);

/* fu_cand_result, the per-candidate result, is props/property.h's: the SCF block and the
 * property blocks its descriptors describe. */

/* One rung of the SCF recovery ladder tried on a candidate (screen/recovery.h). */
typedef struct {
    char *rung;                   /* "as-given", "damping", "more-bands", "smearing" */
    char *outcome;                /* "done" or the failure class ("no-convergence", ...) */
    int iterations;               /* SCF iterations of this rung */
    double seconds;               /* wall time of this rung on the group leader, s */
    char *message;                /* one-line SCF message ("" when done) */
} fu_cand_rung;

#define FU_CAND_STAGE_NAME_LEN 32

/* One state change of one candidate. Strings may be NULL (= ""). */
typedef struct {
    char id[FU_CAND_ID_LEN + 1];
    int state;                    /* fu_cand_state */
    int final;                    /* FAILED: no further attempts will be made */
    int attempt;                  /* 1, 2, ... (0 for queued/invalid) */
    int group;                    /* worker group that ran it, -1 if none */
    double time_start;            /* UNIX time the attempt began (s) */
    double time_end;              /* UNIX time this state was reached (s) */
    char *label;                  /* human-readable name from the sweep */
    char *cause;                  /* failure class, e.g. "no-convergence", "crashed" */
    char *message;                /* one-line failure message */
    int have_result;              /* res is filled (done; optionally failed, for diagnosis) */
    fu_cand_result res;
    /* added in journal version 2 (record type 3); version-1 records read as NaN/0 */
    double engine_seconds;        /* leader's wall time inside the SCF (all rungs), s; NaN: none */
    double io_seconds;            /* coordinator's time writing this candidate's "started"
                                     record (synced) and its log, s; NaN: none */
    int settings_changed;         /* 1: res was computed with a smearing other than the
                                     sweep's (recovery rung "smearing") */
    int nrungs;                   /* recovery ladder rungs tried, in order */
    fu_cand_rung *rungs;          /* [nrungs] */
    /* The stage of a staged sweep (screen/stages.h): not part of the candidate record's
     * encoding but of the stage record (type 17) of its ID; kept by fu_cand_record_copy. */
    int stage;                    /* 1-based stage number; 0: not from a staged sweep */
    char stage_name[FU_CAND_STAGE_NAME_LEN];
    char stage_root[FU_CAND_ID_LEN + 1]; /* ID of the same structure in the first stage */
    /* The group that ran it (screen/farm.h): likewise not in the encoding but in the layout
     * record (type 19) of its ID; kept by fu_cand_record_copy. 0: not recorded. */
    int ranks;                    /* ranks of the group */
    int npk, npb;                 /* their layout: k-groups x band ranks (dft/bandpar.h);
                                     0 x 0 when no SCF ran */
} fu_cand_record;

void fu_cand_record_init(fu_cand_record *r);
void fu_cand_record_free(fu_cand_record *r);   /* frees owned data, leaves it initialised */
int fu_cand_record_copy(fu_cand_record *dst, const fu_cand_record *src, fu_err *err);
/* Validates (16 hex digits) and stores the ID in lowercase. */
int fu_cand_record_set_id(fu_cand_record *r, const char *id, fu_err *err);
/* Replaces *field (a string of a record) by a copy of value (NULL allowed). */
int fu_cand_set_str(char **field, const char *value, fu_err *err);
/* Allocates the per-atom, per-k and per-species arrays of res (zeroed;
 * forces only if have_forces is already set). */
int fu_cand_result_alloc(fu_cand_result *res, int natom, int nk, int nband, int nspecies,
                         fu_err *err);
/* Fills res (have_result is the caller's) from one SCF run. */
/* Makes room for nspin channels in eig and occ (the first one kept). */
int fu_cand_result_set_nspin(fu_cand_result *res, int nspin, fu_err *err);
int fu_cand_result_from_scf(fu_cand_result *res, const fu_structure *s, const fu_scf_params *p,
                            const fu_scf_result *r, fu_err *err);
/* Appends one rung to r->rungs. */
int fu_cand_add_rung(fu_cand_record *r, const char *rung, const char *outcome, int iterations,
                     double seconds, const char *message, fu_err *err);
/* Name of the first field in which a and b differ ("label", "energy/total",
 * "eigenvalues", ...), or NULL if equal. Numbers compare bit for bit (NaN
 * equals NaN). with_meta = 0 ignores attempt, group, times and the recovery
 * history (timings), i.e. compares what a candidate's outcome is, not when or
 * where it was computed. */
const char *fu_cand_record_diff(const fu_cand_record *a, const fu_cand_record *b, int with_meta);
/* Tolerances of fu_cand_record_diff_close: |a - b| <= REL max(1, |a|) + ABS.
 * ABS is SCF_TOL (atomic units: Ha, electrons, Ha/bohr, Ha/bohr³) for the
 * quantities that are first order in the SCF density error (energy terms,
 * eigenvalues, occupations, Fermi level, gap, forces, stress): two runs of one
 * calculation differing only in the SCF path (k-points split over ranks, FFT
 * plans) differ there by up to ~1e-9 (seen: occupations 1.4e-9 with 0.01 Ha
 * Fermi-Dirac), while a different calculation differs by far more. The total
 * energy (variational, second order), structure and inputs keep ABS. */
#define FU_MERGE_REL_TOL 1e-9
#define FU_MERGE_ABS_TOL 1e-12
#define FU_MERGE_SCF_TOL 1e-7
/* As fu_cand_record_diff(a, b, 0), but floating-point numbers of the result
 * are equal within the merge tolerance (above), and the SCF path (iteration
 * count, the message of a done record, which lists the recovery rungs) is
 * ignored: two runs of one calculation on different rank counts differ by
 * rounding (~1e-13 Ha) and may take an iteration more or less. */
const char *fu_cand_record_diff_close(const fu_cand_record *a, const fu_cand_record *b);

/* The scalar fields of the SCF block (props/property.h: fu_scfblock_property), doubles
 * then ints, in the order the journal stores them; name = HDF5 path under /candidates. */
typedef fu_property_field fu_cand_field;
const fu_cand_field *fu_cand_result_f64_fields(size_t *n);
const fu_cand_field *fu_cand_result_i32_fields(size_t *n);

/* Serialised form of a record (the journal payload; little-endian). */
int fu_cand_record_encode(const fu_cand_record *r, unsigned char **buf, size_t *len, fu_err *err);
int fu_cand_record_decode(const unsigned char *buf, size_t len, fu_cand_record *r, fu_err *err);

/* A checkpoint of a running candidate: one accepted relaxation step (its structure) or one
 * computed equation-of-state point, so that a rerun after a stop or a kill continues from
 * there instead of from the input structure. Journal record type 16. Types 16 and above are
 * optional annotations: a reader that does not know one skips it without calling it damage
 * (furui before this record existed counts it as one corrupt record and skips it). */
enum { FU_CKPT_RELAX = 1, FU_CKPT_EOS = 2 };
typedef struct {
    char id[FU_CAND_ID_LEN + 1];
    int kind;                     /* FU_CKPT_RELAX or FU_CKPT_EOS */
    int attempt;
    double time;                  /* UNIX time, s */
    /* FU_CKPT_RELAX: the last accepted structure */
    int nsteps;                   /* SCF evaluations of the relaxation so far, all attempts */
    int natom;
    double lattice[3][3];         /* rows, bohr */
    double (*xred)[3];            /* [natom] fractional; owned */
    int fft[3];                   /* the relaxation's fixed FFT grid */
    /* FU_CKPT_EOS: one point of the scan */
    int index;
    double volume;                /* bohr³ */
    double energy;                /* Ha per cell (RELAX: of the accepted step) */
} fu_cand_checkpoint;

void fu_cand_checkpoint_free(fu_cand_checkpoint *c);
int fu_cand_checkpoint_encode(const fu_cand_checkpoint *c, unsigned char **buf, size_t *len, fu_err *err);
int fu_cand_checkpoint_decode(const unsigned char *buf, size_t len, fu_cand_checkpoint *c, fu_err *err);

/* One session (run) of the coordinator on a shard: written as a record each
 * time the journal is opened for appending, so the provenance of every
 * resumed run survives into the results file. */
typedef struct {
    double time;               /* UNIX time the session opened the journal */
    char code_version[64];     /* FURUI_VERSION */
    char git_version[64];      /* FURUI_GIT_VERSION */
    char build_type[32];
    char mpi_library[256];     /* MPI_Get_library_version, first line */
    char host[256];            /* coordinator host */
    int ranks, group_size, shard_index, shard_count;
    char *sweep;               /* verbatim sweep (screening input) text; may be NULL */
    char sweep_sha256[65];     /* filled by the readers (not stored in the journal) */
} fu_run_info;

/* Fills time, versions, build type, MPI library and host of this process;
 * ranks/group_size/shard_* = 0 and sweep = NULL for the caller to set.
 * Safe before MPI_Init. */
void fu_run_info_local(fu_run_info *ri);
/* Frees sweep of a run info returned by the reading functions. */
void fu_run_info_free(fu_run_info *ri);

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
    char id[FU_CAND_ID_LEN + 1];
    int state;                 /* last terminal state if any, else last state */
    int final;                 /* 1: done, invalid or failed-final: a rerun skips it */
    int attempts;              /* highest attempt number recorded */
    int crashes;               /* failed records with cause "crashed" (its own crashes) */
    int interruptions;         /* failed records with cause "interrupted" (stops, job kills) */
    int final_crash;           /* the terminal record is a final "crashed" */
    int open;                  /* the last record is "started": the job ended while it ran */
} fu_cand_status;

typedef struct {
    fu_journal_diag diag;
    size_t ncand;
    fu_cand_status *cand;      /* sorted by id */
} fu_journal_scan;

void fu_journal_scan_free(fu_journal_scan *s);
/* Status of id, or NULL if the journal has never mentioned it. */
const fu_cand_status *fu_journal_scan_find(const fu_journal_scan *s, const char *id);

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
int fu_journal_append(fu_journal *j, const fu_cand_record *r, int sync, fu_err *err);
/* Appends a checkpoint (as fu_journal_append). */
int fu_journal_append_checkpoint(fu_journal *j, const fu_cand_checkpoint *c, int sync, fu_err *err);
int fu_journal_sync(fu_journal *j, fu_err *err);
/* Syncs and closes; j may be NULL. */
int fu_journal_close(fu_journal *j, fu_err *err);

/* Reads a journal without modifying or locking it (safe while its writer
 * runs: a record being written shows up as a torn tail). For every intact
 * record in file order, calls on_run or on_cand (either may be NULL). A
 * callback may take over the record's contents (copy the struct, then
 * fu_cand_record_init / clear sweep); what is left is freed after it
 * returns. A non-zero callback status stops the reading and is returned. */
typedef int (*fu_journal_run_fn)(void *ctx, fu_run_info *run, fu_err *err);
typedef int (*fu_journal_cand_fn)(void *ctx, fu_cand_record *rec, fu_err *err);
int fu_journal_read(const char *path, fu_journal_run_fn on_run, fu_journal_cand_fn on_cand,
                    void *ctx, fu_journal_diag *diag, fu_err *err);
/* The checkpoint records of a journal, in file order (the callback may take over xred:
 * set it to NULL). Damage is skipped as by fu_journal_read. */
typedef int (*fu_journal_ckpt_fn)(void *ctx, fu_cand_checkpoint *ck, fu_err *err);
int fu_journal_read_checkpoints(const char *path, fu_journal_ckpt_fn on_ckpt, void *ctx, fu_err *err);
/* Stage record (type 17, optional like checkpoints): which stage of a staged sweep a
 * candidate ID belongs to, appended before the candidate's first record. */
typedef struct {
    char id[FU_CAND_ID_LEN + 1];
    int stage;                    /* 1-based */
    char name[FU_CAND_STAGE_NAME_LEN];
    char root[FU_CAND_ID_LEN + 1]; /* the same structure's ID in stage 1 */
} fu_cand_stage;
int fu_journal_append_stage(fu_journal *j, const fu_cand_stage *s, int sync, fu_err *err);
typedef int (*fu_journal_stage_fn)(void *ctx, const fu_cand_stage *s, fu_err *err);
/* The stage records of a journal, in file order. */
int fu_journal_read_stages(const char *path, fu_journal_stage_fn on_stage, void *ctx, fu_err *err);

/* Layout record (type 19, optional like checkpoints): the group an attempt of a candidate
 * ran on, appended by the coordinator before the attempt's terminal record
 * (id[16] | i32 attempt | i32 ranks | i32 npk | i32 npb). Finalize and merge put the last
 * one of each ID in the results file's columns ranks, k_groups, band_ranks. */
typedef struct {
    char id[FU_CAND_ID_LEN + 1];
    int attempt;
    int ranks, npk, npb;          /* ranks >= 1; npk, npb >= 0 (0: no SCF ran) */
} fu_cand_layout;
int fu_journal_append_layout(fu_journal *j, const fu_cand_layout *l, int sync, fu_err *err);
typedef int (*fu_journal_layout_fn)(void *ctx, const fu_cand_layout *l, fu_err *err);
/* The layout records of a journal, in file order. */
int fu_journal_read_layouts(const char *path, fu_journal_layout_fn on_layout, void *ctx, fu_err *err);
/* fu_journal_read into a status table, as fu_journal_open does. */
int fu_journal_scan_file(const char *path, fu_journal_scan *scan, fu_err *err);

#endif
