/* The per-candidate pipeline (the farm's task, campaign/farm.h): what a worker group does
 * with one task message (campaign/task.h): build the structure and parameters, run the SCF
 * through the recovery ladder (campaign/recovery.h), then the property blocks (relaxation,
 * EOS, band path; props/property.h), emitting checkpoints through a sink, and return the
 * candidate's record. Also the crash evidence a rank that dies of a fatal signal leaves for
 * the resume (PREFIX.crashes). Internal to src/campaign: farm.c is its only caller. */
#ifndef FURUI_CAMPAIGN_PIPELINE_H
#define FURUI_CAMPAIGN_PIPELINE_H

#include <mpi.h>
#include <signal.h>
#include <stdio.h>

#include "campaign/sweep.h"
#include "results/record.h"

/* How a group runs its task; times are relative, because ranks share no clock. */
typedef struct {
    double job_seconds_left; /* until the job's deadline when sent; <= 0: none */
    double time_limit;       /* per candidate, s; <= 0: none */
    int recovery_rungs;      /* rungs of the recovery ladder to try, >= 1 */
    int fault_nan_rungs;     /* fu_farm_opts.fault_nan_rungs */
    int relax_steps_done;    /* > 0: the task carries the structure of a relaxation checkpoint */
    int relax_fft[3];        /* its fixed grid */
    int neos;                /* equation-of-state points already computed (carried) */
} fu_pipeline_ctl;

/* What earlier, interrupted attempts of a candidate left in the journal (journal.h). */
typedef struct {
    int relax_steps;               /* 0: no relaxation checkpoint */
    int relax_fft[3];
    double lattice[3][3];          /* bohr */
    double (*xred)[3];             /* [natom of the candidate] */
    int neos;
    double eos_v[FU_CAND_EOS_MAXPOINTS], eos_e[FU_CAND_EOS_MAXPOINTS]; /* bohr³, Ha */
} fu_pipeline_ckpt;

typedef void (*fu_pipeline_sink)(void *ctx, const unsigned char *buf, size_t len);

/* Crash evidence: handlers writing "ID\n" to PREFIX.crashes while a candidate is armed;
 * the coordinator reads the IDs on resume (a crash of its own counts towards --max-attempts). */
void fu_pipeline_crash_install(const char *prefix);
void fu_pipeline_crash_arm(const char *id);
size_t fu_pipeline_crash_ids_read(char (**ids)[FU_RECORD_ID_LEN + 1]);
int fu_pipeline_crash_listed(char (*ids)[FU_RECORD_ID_LEN + 1], size_t n, const char *id);
void fu_pipeline_ckpt_free(fu_pipeline_ckpt *k);
/* The task message (campaign/task.h): the control, the candidate and its checkpoints. */
int fu_pipeline_pack(const fu_pipeline_ctl *ctl, const fu_candidate *c, const fu_pipeline_ckpt *ck, unsigned char **buf, int *len, fu_err *err);
/* Runs one task message on the group comm (was farm.c task_run); rec gets the outcome,
 * layout the group's ranks, k-groups, band ranks and FFT ranks per band. */
int fu_pipeline_run(const unsigned char *buf, int len, MPI_Comm comm, FILE *log, const volatile sig_atomic_t *stop, int threads, fu_pipeline_sink sink, void *sink_ctx, fu_record *rec, int layout[4], fu_err *err);
/* Removes PREFIX.crashes once its evidence is recorded. */
void fu_pipeline_crash_clear(void);

#endif
