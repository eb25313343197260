/* Candidate records: one state change of one candidate (fu_record) with its result,
 * and the other records a journal holds (checkpoints, stages, layouts, sessions). Their byte
 * encoding is results/codec.h, their comparison results/diff.h, the file results/journal.h. */
#ifndef FURUI_RESULTS_RECORD_H
#define FURUI_RESULTS_RECORD_H

#include <stddef.h>

#include "core/error.h"
#include "dft/params.h"
#include "dft/scf.h"
#include "props/property.h"

#define FU_RECORD_ID_LEN 16          /* candidate IDs are 16 lowercase hex digits */

typedef enum {
    FU_RECORD_QUEUED = 1,  /* known to the coordinator, not yet handed out */
    FU_RECORD_STARTED = 2, /* attempt `attempt` handed to a worker group */
    FU_RECORD_DONE = 3,    /* finished with a result (terminal) */
    FU_RECORD_FAILED = 4,  /* attempt failed; terminal only when `final` is set */
    FU_RECORD_INVALID = 5  /* rejected before running, e.g. by pre-flight checks (terminal) */
} fu_record_state;

/* "queued", "started", "done", "failed", "invalid"; "unknown" otherwise. */
const char *fu_record_state_name(int state);
/* 1 if a record with this state/final flag ends the candidate: a rerun skips it. */
int fu_record_state_terminal(int state, int final);
/* The one rule for two records of a candidate in journal order: 1 if the later one (new_*)
 * replaces the one kept so far (old_*): the last terminal record wins, and a later
 * non-terminal one (an interrupted forced rerun) does not undo a terminal one. The resume
 * scan and the collapse into a results file both follow it. */
int fu_record_supersedes(int old_state, int old_final, int new_state, int new_final);

/* fu_cand_result, the per-candidate result, is props/property.h's: the SCF block and the
 * property blocks its descriptors describe. */

/* One rung of the SCF recovery ladder tried on a candidate (campaign/recovery.h). */
typedef struct {
    char *rung;                   /* "as-given", "damping", "more-bands", "smearing" */
    char *outcome;                /* "done" or the failure class ("no-convergence", ...) */
    int iterations;               /* SCF iterations of this rung */
    double seconds;               /* wall time of this rung on the group leader, s */
    char *message;                /* one-line SCF message ("" when done) */
} fu_record_rung;

#define FU_RECORD_STAGE_NAME_LEN 32

/* One state change of one candidate. Strings may be NULL (= ""). */
typedef struct {
    char id[FU_RECORD_ID_LEN + 1];
    int state;                    /* fu_record_state */
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
    fu_record_rung *rungs;          /* [nrungs] */
    /* The stage of a staged sweep (campaign/stages.h): not part of the candidate record's
     * encoding but of the stage record (type 17) of its ID; kept by fu_record_copy. */
    int stage;                    /* 1-based stage number; 0: not from a staged sweep */
    char stage_name[FU_RECORD_STAGE_NAME_LEN];
    char stage_root[FU_RECORD_ID_LEN + 1]; /* ID of the same structure in the first stage */
    /* The group that ran it (campaign/farm.h): likewise not in the encoding but in the layout
     * record (type 19) of its ID; kept by fu_record_copy. 0: not recorded. */
    int ranks;                    /* ranks of the group */
    int npk, npb;                 /* their layout: k-groups x band ranks (dft/bandpar.h);
                                     0 x 0 when no SCF ran */
    int npg;                      /* FFT ranks per band among the npb; <= 1: none */
} fu_record;

void fu_record_init(fu_record *r);
void fu_record_free(fu_record *r);   /* frees owned data, leaves it initialised */
int fu_record_copy(fu_record *dst, const fu_record *src, fu_err *err);
/* Validates (16 hex digits) and stores the ID in lowercase. */
int fu_record_set_id(fu_record *r, const char *id, fu_err *err);
/* Replaces *field (a string of a record) by a copy of value (NULL allowed). */
int fu_record_set_str(char **field, const char *value, fu_err *err);
/* Allocates the per-atom, per-k and per-species arrays of res (zeroed;
 * forces only if have_forces is already set). */
int fu_record_result_alloc(fu_cand_result *res, int natom, int nk, int nband, int nspecies,
                         fu_err *err);
/* Fills res (have_result is the caller's) from one SCF run. */
/* Makes room for nspin channels in eig and occ (the first one kept). */
int fu_record_result_set_nspin(fu_cand_result *res, int nspin, fu_err *err);
int fu_record_result_from_scf(fu_cand_result *res, const fu_structure *s, const fu_scf_params *p,
                            const fu_scf_result *r, fu_err *err);
/* Appends one rung to r->rungs. */
int fu_record_add_rung(fu_record *r, const char *rung, const char *outcome, int iterations,
                     double seconds, const char *message, fu_err *err);

/* Internal to src/results: ID checks and a calloc that treats 0 elements as "no array". */
/* 1 if id is FU_RECORD_ID_LEN hex digits (upper case only with upper_ok) and a NUL. */
int fu_record_id_valid(const char *id, int upper_ok);
/* id for a one-line message: letters and digits kept, anything else '?'. */
const char *fu_record_id_shown(const char *id, char out[41]);
int fu_record_zalloc(void *pp, size_t n, size_t size, fu_err *err);

/* A checkpoint of a running candidate: one accepted relaxation step (its structure) or one
 * computed equation-of-state point, so that a rerun after a stop or a kill continues from
 * there instead of from the input structure. Journal record type 16. Types 16 and above are
 * optional annotations: a reader that does not know one skips it without calling it damage
 * (furui before this record existed counts it as one corrupt record and skips it). */
enum { FU_CKPT_RELAX = 1, FU_CKPT_EOS = 2 };
typedef struct {
    char id[FU_RECORD_ID_LEN + 1];
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
} fu_record_checkpoint;

void fu_record_checkpoint_free(fu_record_checkpoint *c);

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

/* Stage record (type 17, optional like checkpoints): which stage of a staged sweep a
 * candidate ID belongs to, appended before the candidate's first record. */
typedef struct {
    char id[FU_RECORD_ID_LEN + 1];
    int stage;                    /* 1-based */
    char name[FU_RECORD_STAGE_NAME_LEN];
    char root[FU_RECORD_ID_LEN + 1]; /* the same structure's ID in stage 1 */
} fu_record_stage;

/* Layout record (type 19, optional like checkpoints): the group an attempt of a candidate
 * ran on, appended by the coordinator before the attempt's terminal record
 * (id[16] | i32 attempt | i32 ranks | i32 npk | i32 npb [| i32 npg, only when > 1]). Finalize
 * and merge put the last one of each ID in the results file's columns ranks, k_groups,
 * band_ranks (and fft_ranks where any ran with FFT ranks). */
typedef struct {
    char id[FU_RECORD_ID_LEN + 1];
    int attempt;
    int ranks, npk, npb;          /* ranks >= 1; npk, npb >= 0 (0: no SCF ran) */
    int npg;                      /* FFT ranks per band among the npb (dft/bandpar.h); <= 1: none */
} fu_record_layout;

#endif
