/* Pre-flight checks of a sweep before any calculation: problems that make
 * its results misleading rather than wrong input. */
#ifndef FURUI_CAMPAIGN_PREFLIGHT_H
#define FURUI_CAMPAIGN_PREFLIGHT_H

#include <stdio.h>

#include "campaign/sweep.h"

/* Hull coverage: for every chemical system of three or more elements among
 * the valid candidates whose hull has no binary at all (no valid candidate
 * of exactly two of its elements), one line
 *   "# warning: chemical system Br-Cs-Pb has no binary compound: its hull
 *    misses Br-Cs, Br-Pb, Cs-Pb; ..."
 * on f (elements and pairs alphabetical). Returns the number of warnings. */
int fu_preflight_hull(const fu_sweep *sw, FILE *f);

#endif
