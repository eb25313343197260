/* Clocks, in seconds. Monotonic for durations; real time for timestamps
 * that are stored (journal records) and compared across processes. */
#ifndef FURUI_CORE_CLOCK_H
#define FURUI_CORE_CLOCK_H

#include <time.h>

static inline double fu_clock_seconds(clockid_t which) {
    struct timespec t;
    clock_gettime(which, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}
static inline double fu_monotonic_seconds(void) { return fu_clock_seconds(CLOCK_MONOTONIC); }
static inline double fu_realtime_seconds(void) { return fu_clock_seconds(CLOCK_REALTIME); }

#endif
