/* The rows of one stage of a staged sweep (campaign/stages.h), for rank and export. */
#ifndef FURUI_RESULTS_PICK_H
#define FURUI_RESULTS_PICK_H

#include <stddef.h>

#include "core/error.h"
#include "results/store.h"

/* Keeps one row per candidate of a staged results file: the row of its last stage
 * present (which NULL or "last"), or of stage `which` (a name or a 1-based number; the
 * candidates without that stage are dropped). Rows without a stage (unstaged sweeps)
 * are kept. FU_EINPUT if which names no stage of r. *nremoved may be NULL. */
int fu_pick_stage(fu_results *r, const char *which, size_t *nremoved, fu_err *err);

#endif
