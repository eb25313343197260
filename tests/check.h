/* Minimal assertion helpers for furui's C tests. Each check states what it
 * proves; a failing check prints it and makes the test exit non-zero. */
#ifndef FURUI_TESTS_CHECK_H
#define FURUI_TESTS_CHECK_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static int check_failures = 0;
static int check_count = 0;

/* Reproducible test data: splitmix64 from *s, uniform in [-0.5, 0.5). */
static inline double check_random(uint64_t *s) {
    uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    return (double)(z >> 11) * 0x1.0p-53 - 0.5;
}

/* |got - want| <= tol. */
#define CHECK_CLOSE(got, want, tol, what)                                                   \
    do {                                                                                    \
        double g_ = (got), w_ = (want), t_ = (tol);                                         \
        check_count++;                                                                      \
        if (!(fabs(g_ - w_) <= t_)) {                                                       \
            check_failures++;                                                               \
            fprintf(stderr, "FAIL %s:%d %s: got %.12g want %.12g (|diff| %.3g > tol %.3g)\n", \
                    __FILE__, __LINE__, (what), g_, w_, fabs(g_ - w_), t_);                 \
        }                                                                                   \
    } while (0)

#define CHECK(cond, what)                                                   \
    do {                                                                    \
        check_count++;                                                      \
        if (!(cond)) {                                                      \
            check_failures++;                                               \
            fprintf(stderr, "FAIL %s:%d %s: %s\n", __FILE__, __LINE__, (what), #cond); \
        }                                                                   \
    } while (0)

/* Call at the end of main. */
#define CHECK_DONE()                                                               \
    do {                                                                           \
        printf("%d checks, %d failed\n", check_count, check_failures);             \
        return (check_failures || !check_count) ? EXIT_FAILURE : EXIT_SUCCESS;      \
    } while (0)

#endif
