/* How many ranks the farm gives each candidate (issue 24: group sizes that follow the
 * candidates), decided on rank 0 before the farm from the sweep's cost model and the
 * memory estimate (dft/memory.h):
 *
 *  - memory: the fewest ranks on which some layout (k-groups x band ranks, bandpar.h) fits
 *    the limit per rank (min_ranks); a candidate that fits on none of the job's worker
 *    ranks is refused (invalid, mem_refused, not final: a rerun with more memory runs it);
 *  - cost (automatic sizes): a candidate whose one-rank cost c exceeds the job's fair
 *    share T = C / W (C the cost of all candidates planned together, W worker ranks) would
 *    hold the job's end back on one rank; it gets the fewest ranks s with
 *    c / speedup(s) <= T, or, if none reaches T, the fewest with the largest speedup.
 *    speedup(s) is the cost model's (fu_bandpar_cost of the layout fu_bandpar_layout picks
 *    for s ranks: ideal over k-groups up to the k-points, FU_BANDPAR_EFF per band rank).
 *    Cheap candidates keep one rank each: many small SCFs side by side waste no rank on
 *    communication;
 *  - a fixed size (--group-size G): every candidate G ranks, more only where memory needs it.
 *
 * The result is machine-dependent (limit, ranks) and stays out of candidate IDs. */
#ifndef FURUI_CAMPAIGN_GROUPSIZE_H
#define FURUI_CAMPAIGN_GROUPSIZE_H

#include "campaign/sweep.h"

typedef struct {
    int workers;                /* ranks that compute candidates (>= 1) */
    int fixed;                  /* > 0: this group size for every candidate; 0: automatic */
    double limit;               /* bytes per rank; <= 0: none */
    int threads;                /* threads per rank (one FFT box each in the estimate) */
    const char *how;            /* where the limit came from, for the reason of a refusal */
    const unsigned char *mask;  /* [sw->n] the candidates planned together (a shard); NULL: all */
    int npband;                 /* > 0: band ranks per k-point for every candidate (--npband): group
                                   sizes become multiples of it; 0: the cost model's */
    int npfft;                  /* > 0 (with npband, dividing it): FFT ranks per band of those
                                   (--npfft); 0: the cost model's */
} fu_groupsize_opts;

/* Sets nranks, min_ranks, npk, npb, mem and params.npband (band ranks only where memory asks
 * for more than the cost model's layout, or o->npband) of every valid candidate of sw in
 * o->mask, and refuses (valid = 0, mem_refused = 1, reason naming the estimate of the layout
 * needing least memory on all o->workers ranks, the limit and o->how) those that fit on no
 * group of the job. Returns the number refused; -1 with err set (FU_EINPUT, one line naming
 * the candidate and --npband or --group-size) when o->npband cannot divide the work: more
 * band ranks than the job's workers, not dividing a fixed group size, or more than a
 * candidate's bands or plane waves can be shared among (dft/bandpar.h). */
int fu_groupsize_plan(fu_sweep *sw, const fu_groupsize_opts *o, fu_err *err);

/* The cost model's speedup of candidate c on s ranks over one rank, and the layout it picks
 * (npk x npb = s; want_npb > 0: that many band ranks). */
double fu_groupsize_speedup(const fu_candidate *c, int s, int want_npb, int *npk, int *npb);

/* The fewest bytes per rank any layout of candidate c on at most `workers` ranks needs with
 * `threads` threads (a limit below it refuses c). */
double fu_groupsize_min_mem(const fu_candidate *c, int workers, int threads);

#endif
