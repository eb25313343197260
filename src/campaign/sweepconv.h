/* A sweep's `converge:` block (input/sweep_README.md "Convergence"): before the
 * farm, a cutoff ladder and then a k-spacing ladder (at the cutoff chosen) on
 * the first candidate of each formula named, with the ladders of
 * props/converge.h. The campaign's cutoff is the largest over those
 * candidates of the first rung meeting the protocol's target, its k-spacing
 * the smallest; the sweep is then read again with them (fu_sweep_read_converged),
 * so every candidate's stored settings (ecut, kgrid) are the chosen ones.
 * PREFIX.converge.json records the ladders and the choice, with the SHA-256
 * of the sweep text: a rerun of the same sweep reuses it instead of running
 * the ladders again. */
#ifndef FURUI_CAMPAIGN_SWEEPCONV_H
#define FURUI_CAMPAIGN_SWEEPCONV_H

#include <stdio.h>

#include "core/error.h"
#include "campaign/sweep.h"

typedef struct {
    double ecut;            /* Ha */
    double kspacing;        /* bohr⁻¹ */
    char ecut_by[32];       /* formula whose ladder set it */
    char kspacing_by[32];
    int reused;             /* 1: taken from an existing PREFIX.converge.json */
} fu_sweepconv_choice;

/* Runs the ladders of sw (sw->converge set) on this process alone (MPI_COMM_SELF),
 * writes PREFIX.converge.json and PREFIX.converge.log, and returns the choice. A ladder
 * in which no rung meets the target is FU_EINPUT naming it (widen the ladder). progress
 * may be NULL. */
int fu_sweepconv_run(const fu_sweep *sw, const char *prefix, FILE *progress, fu_sweepconv_choice *out,
                     fu_err *err);

#endif
