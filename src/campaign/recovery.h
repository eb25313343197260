/* The SCF recovery ladder of a screening candidate: when an SCF does not
 * converge or diverges, the farm retries it on the same ranks with gentler
 * settings, a bounded number of times, before recording the candidate as
 * failed. Rungs (input/sweep_README.md, "Recovery"):
 *
 *   0 as-given       the sweep's parameters
 *   1 damping        mixing damping x 0.5, Anderson history >= 12, iteration
 *                    limit x 1.5, restarted from the last finite density
 *   2 more-bands     damping x 0.25, bands + max(4, 25 %) (of the bands the
 *                    failed run used), restarted from the last density
 *   3 smearing       only for runs without smearing (insulator settings):
 *                    Fermi-Dirac of FU_RECOVERY_TSMEAR, damping x 0.25. The
 *                    stored result then carries this smearing, so it is
 *                    never mistaken for a result with the sweep's settings.
 *
 * Only no-convergence and divergence (FU_ENOCONV, FU_EPHYS) are retried: an
 * input error fails the same way every time, and a stop (FU_ETIME) must not
 * be prolonged. None of the rungs changes what a converged answer means
 * (damping, history, bands beyond the occupied ones and the start density
 * only change the path), except the smearing rung, which is recorded. */
#ifndef FURUI_CAMPAIGN_RECOVERY_H
#define FURUI_CAMPAIGN_RECOVERY_H

#include <stddef.h>

#include "dft/params.h"

#define FU_RECOVERY_RUNGS 4
#define FU_RECOVERY_TSMEAR 0.001 /* Ha (316 K): small against any gap worth screening */

/* Parameters of rung k (0 <= k < FU_RECOVERY_RUNGS) derived from the given
 * ones; nband_used is the band count of the last failed run (0 if unknown).
 * Returns 0 if rung k does not apply to these parameters (out unchanged),
 * else 1 with name set ("as-given", "damping", ...). */
int fu_recovery_rung(const fu_scf_params *given, int k, int nband_used, fu_scf_params *out,
                     const char **name);

/* 1 if a run that ended with this status may be retried on the next rung. */
int fu_recovery_retryable(int status);

#endif
