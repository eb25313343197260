/* A staged funnel in one sweep (`stages:`, input/README.md "Stages"): stage 1
 * runs every candidate; each later stage runs, at its own settings, the
 * candidates whose row of the stage before is done and satisfies the stage's
 * `where:` (the language of `furui rank --where`, rank/rank_expr.h). Every
 * stage writes to the same journal and results file; a stage record (journal
 * type 17) tags each candidate ID with its stage (number, name) and with the
 * ID of its structure in stage 1 (`stage_root`), so a candidate's rows of all
 * stages can be found together.
 *
 * Resume: the farm skips what the journal holds as final, so a rerun passes
 * through the finished stages without computing (the where is evaluated again
 * on the same rows, so it selects the same candidates) and continues where
 * the job stopped. A stage starts only when every candidate of the stage
 * before is finished.
 *
 * Shards: a stage-k candidate belongs to the shard of its stage-1 structure,
 * so each shard evaluates the where on its own rows. A where that reads a
 * property of the whole campaign (formation energy, hull distance,
 * decomposition: computed across candidates) is refused in a sharded run,
 * before any file is made: a shard cannot know the other shards' rows. */
#ifndef FURUI_CAMPAIGN_STAGES_H
#define FURUI_CAMPAIGN_STAGES_H

#include <mpi.h>
#include <stddef.h>

#include "core/error.h"
#include "campaign/farm.h"
#include "results/store.h"
#include "campaign/sweep.h"

/* 1 if where reads a property computed across the campaign's candidates, with its name
 * in name[len]; 0 if not (or where does not parse); -1 out of memory. */
int fu_stages_where_campaign(const char *where, char *name, size_t len);

/* Who enters stage t (t->stage >= 2) after the stage before, prev: sel[i] = 1 when
 * considered[i] (NULL: all), prev->cand[i]'s row of r is done and t->stage_where is true
 * on it (evaluated among the considered rows of prev). *nopen counts considered
 * candidates of prev without a finished row (queued, started or absent). Returns the
 * number selected, or -1 with err set. */
long fu_stages_select(const fu_sweep *prev, const fu_sweep *t, const fu_results *r,
                      const unsigned char *considered, unsigned char *sel, size_t *nopen, fu_err *err);

/* The farm over every stage of sw in turn (fu_farm_run otherwise): collective like
 * fu_farm_run, sw and prefix used on rank 0. rep sums the stages' runs; its counts are
 * those of the whole results file after the last stage run. */
int fu_stages_run(const fu_sweep *sw, const char *prefix, const fu_farm_opts *o, MPI_Comm world,
                  fu_farm_report *rep, fu_err *err);

/* The IDs a staged campaign should hold given its rows in r: every stage-1 candidate,
 * and each later stage's candidates selected by its where from r (for merge --sweep).
 * *ids is malloc'd. */
int fu_stages_expected(const fu_sweep *sw, const fu_results *r, char (**ids)[FU_RECORD_ID_LEN + 1],
                       size_t *n, fu_err *err);

#endif
