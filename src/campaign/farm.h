/* MPI task farm of a screening shard: runs the candidates of a sweep on
 * groups of ranks and records every outcome in the shard's journal, then
 * finalizes the results file.
 *
 * Roles. With one rank, rank 0 both coordinates and computes. With more,
 * world rank 0 is a dedicated coordinator (it sleeps in a poll loop, so an
 * extra rank on an already full node costs little) and ranks 1..N-1 form
 * worker groups of group_size consecutive ranks (the last group may be
 * smaller, and takes only candidates whose min_ranks fit on it); each
 * group's first rank is its leader.
 *
 * Group sizes per candidate (fu_candidate.nranks, campaign/groupsize.h): the
 * farm runs one pass per distinct size, largest first, each pass a farm of
 * its own over those candidates (own communicator split, session record and
 * finalize, same journal); the first pass journals the later passes'
 * candidates "queued", so a job stopped early still lists them. A rerun
 * passes through the finished passes (their candidates are final). The
 * group a candidate ran on (ranks, k-groups x band ranks of its SCF) is
 * journaled in a layout record before its terminal record (journal.h).
 *
 * Protocol (tags on the world communicator, all point-to-point with the
 * coordinator, bytes only):
 *   leader -> coordinator  READY  (empty)                first request
 *   coordinator -> leader  TASK   (campaign/task.h: ID, parameters, structure, checkpoints)
 *   leader -> coordinator  LAYOUT (3 ints: ranks, k-groups, band ranks of its SCF)
 *   leader -> coordinator  RESULT (fu_codec_record_encode: done + result, or
 *                                  failed + cause + message), also the next request
 *   coordinator -> leader  STOP   (empty)                no more work
 * A leader broadcasts each task (or the stop) on its group communicator and
 * the group runs fu_scf_run on it. The coordinator is the only journal
 * writer: "queued"/"invalid" at start, "started" (not synced: it
 * only has to outlive a process, see start() in farm.c) before a task is
 * sent, "done"/"failed" when it comes back. Candidate failures are records,
 * never a dead rank: Open MPI 4.1 cannot survive one.
 *
 * Resume: candidates whose journal state is final are skipped; a candidate
 * left "started" by a killed run is recorded "interrupted" and retried, unless
 * PREFIX.crashes says a rank running it died of a fatal signal: then "crashed",
 * final after max_attempts such crashes (a rerun allowing more retries it).
 *
 * Sharding: with shard_count > 1 the farm runs only the candidates of its
 * shard (fu_farm_shard_mask); the others are not journaled at all, so each
 * shard's journal and results hold its own candidates and furui merge
 * combines the shards. The shard is recorded in the session record.
 *
 * Stopping: when the stop flag is set (signal) or the next candidate is not
 * expected to finish before the deadline, the coordinator hands out no more
 * work, waits for the running candidates, and finalizes; the rest stays
 * queued for a rerun. Running SCFs stop at the end of their current
 * iteration too; such a candidate is recorded failed with cause
 * "interrupted" but not final, so a rerun redoes it. How the stop reaches a
 * group leader that is inside an SCF (and cannot receive a message there):
 * the job deadline travels with every task as "seconds left", turned into a
 * local fu_scf_opts.deadline on arrival (ranks share no clock); a signal is
 * delivered to every rank by the launcher (mpiexec forwards SIGUSR1/SIGUSR2
 * to all ranks, srun and batch systems signal every task) and each rank's
 * own handler sets its own flag, which fu_scf_opts.stop watches.
 *
 * Recovery: a candidate whose SCF does not converge or diverges is retried on
 * the rungs of the recovery ladder (campaign/recovery.h) before it is recorded
 * as failed; every rung tried (name, outcome, iterations, seconds, message)
 * is stored in the record (fu_record.rungs) and summarised in its
 * message.
 *
 * Timings: each record carries the leader's time inside the SCF
 * (engine_seconds) and the coordinator's I/O for the candidate (io_seconds);
 * fu_farm_report sums them for the run. */
#ifndef FURUI_CAMPAIGN_FARM_H
#define FURUI_CAMPAIGN_FARM_H

#include <mpi.h>
#include <signal.h>
#include <stdio.h>

#include "core/error.h"
#include "campaign/sweep.h"

typedef struct {
    int group_size;       /* ranks per worker group, >= 1, for candidates whose nranks is 0 */
    int static_assign;    /* 1: candidate k of the pending list goes to group k mod ngroups */
    double deadline;      /* seconds after the start; <= 0: none */
    int max_attempts;     /* own crashes before "crashed" is final (default 2) */
    const volatile sig_atomic_t *stop; /* set by a signal handler; may be NULL */
    FILE *progress;       /* coordinator's progress lines; may be NULL */
    int shard_index;      /* this run's shard, 0 <= shard_index < shard_count */
    int shard_count;      /* >= 1; 1 (default): the whole sweep */
    double candidate_time_limit; /* s per candidate (all rungs); <= 0: none. A candidate
                                    that hits it fails with cause "time-limit" */
    int recovery_rungs;   /* rungs of the SCF recovery ladder (campaign/recovery.h) to try:
                             1 = no retries; default FU_RECOVERY_RUNGS */
    int threads;          /* threads per rank in each SCF (fu_scf_params.threads): each rank's
                             own value, which it applies to every candidate it computes */
    int fault_nan_rungs;  /* fault injection for tests (0 = off): the SCF of the first N
                             rungs of every candidate diverges (fu_scf_opts.fault_nan_iteration 2) */
    const unsigned char *select; /* rank 0, may be NULL: [sw->n] the candidates to run, in place
                             of the shard's (a stage of a staged sweep, campaign/stages.h) */
} fu_farm_opts;

void fu_farm_opts_default(fu_farm_opts *o);

/* Shards (job arrays): the candidates of sw sorted by their stable ID (byte
 * order of the 16 hex digits), and the candidate at position pos of that
 * order belongs to shard pos % count. The split depends only on the set of
 * IDs, not on the order of the sweep file, the ranks or the machine, so
 * every shard of a campaign computes it alike and the shards are disjoint
 * and together hold every candidate once. Sets mask[i] (i < sw->n) to 1 for
 * the candidates of shard index and returns how many there are; -1 if out
 * of memory or index/count invalid (0 <= index < count is required). */
int fu_farm_shard_mask(const fu_sweep *sw, int index, int count, unsigned char *mask);

typedef struct {
    size_t ncand, ndone, nfailed, ninvalid, nleft; /* whole shard after this run */
    size_t nrun;          /* candidates finished by this run */
    size_t nskipped;      /* final in the journal already */
    int stopped;          /* 1: stopped early (deadline or signal) */
    double wall;          /* seconds, from the start of fu_farm_run to its end on this rank */
    double engine_seconds;   /* sum over this run's candidates of their SCF time (rank 0) */
    double io_seconds;       /* coordinator's journal appends and job-log writes (rank 0) */
    double finalize_seconds; /* writing the results file (rank 0) */
} fu_farm_report;

/* Folds the report of one farm run over part of a campaign (a group-size pass, a stage) into
 * the campaign's: the shard's counts as that run left them, its candidates, skips, seconds
 * and stop added. */
void fu_farm_report_add(fu_farm_report *rep, const fu_farm_report *part);

/* Collective over world. sw and prefix are used on rank 0 only (other ranks
 * may pass NULL); writes PREFIX.journal, PREFIX.h5 and the SCF log of every
 * candidate to one file, PREFIX.log (group leaders send it to the coordinator). Returns the same status on every rank: FU_OK when the farm
 * ran (failed candidates included), otherwise a framework failure (journal
 * locked or not writable, results not written), with err set on rank 0. */
int fu_farm_run(const fu_sweep *sw, const char *prefix, const fu_farm_opts *o, MPI_Comm world,
                fu_farm_report *rep, fu_err *err);

#endif
