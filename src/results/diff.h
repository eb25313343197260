/* Comparison of two candidate records: bit for bit, or within the merge tolerance. */
#ifndef FURUI_RESULTS_DIFF_H
#define FURUI_RESULTS_DIFF_H

#include "results/record.h"

/* Name of the first field in which a and b differ ("label", "energy/total",
 * "eigenvalues", ...), or NULL if equal. Numbers compare bit for bit (NaN
 * equals NaN). with_meta = 0 ignores attempt, group, times and the recovery
 * history (timings), i.e. compares what a candidate's outcome is, not when or
 * where it was computed. */
const char *fu_diff_record(const fu_record *a, const fu_record *b, int with_meta);
/* Tolerances of fu_diff_record_close: |a - b| <= REL max(1, |a|) + ABS.
 * ABS is SCF_TOL (atomic units: Ha, electrons, Ha/bohr, Ha/bohr³) for the
 * quantities that are first order in the SCF density error (energy terms,
 * eigenvalues, occupations, Fermi level, gap, forces, stress): two runs of one
 * calculation differing only in the SCF path (k-points split over ranks, FFT
 * plans) differ there by up to ~1e-9 (seen: occupations 1.4e-9 with 0.01 Ha
 * Fermi-Dirac), while a different calculation differs by far more. The total
 * energy (variational, second order), structure and inputs keep ABS. */
#define FU_DIFF_REL_TOL 1e-9
#define FU_DIFF_ABS_TOL 1e-12
#define FU_DIFF_SCF_TOL 1e-7
/* As fu_diff_record(a, b, 0), but floating-point numbers of the result
 * are equal within the merge tolerance (above), and the SCF path (iteration
 * count, the message of a done record, which lists the recovery rungs) is
 * ignored: two runs of one calculation on different rank counts differ by
 * rounding (~1e-13 Ha) and may take an iteration more or less. */
const char *fu_diff_record_close(const fu_record *a, const fu_record *b);

#endif
