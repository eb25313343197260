/* Band-parallel layout (src/dft/bandpar.h) and the memory estimate per
 * layout (src/dft/memory.h): the splits cover every item once, the layouts
 * are those the documented cost model gives by hand, a layout that cannot
 * divide the work is refused, and a memory limit moves the choice to the
 * fastest layout that fits. The numerical agreement of band-parallel runs
 * with one rank is tests/cli/band_parallel.py. */
#include <math.h>
#include <string.h>

#include "check.h"
#include "dft/bandpar.h"
#include "dft/memory.h"

static void splits(void) {
    int ok = 1;
    for (int n = 0; n < 40 && ok; n++)
        for (int p = 1; p < 9 && ok; p++) {
            int next = 0;
            for (int j = 0; j < p; j++) {
                int off, cnt;
                fu_bandpar_split(n, p, j, &off, &cnt);
                ok &= off == next && cnt >= n / p && cnt <= n / p + 1;
                next = off + cnt;
            }
            ok &= next == n;
        }
    CHECK(ok, "splits are contiguous, balanced to one item and cover n");
    /* the cyclic band ownership: each band once, a rank's count that of its
     * transpose slice, and its share of the first nb bands counted by hand */
    ok = 1;
    for (int n = 0; n < 40 && ok; n++)
        for (int p = 1; p < 9 && ok; p++) {
            int seen[40] = {0};
            for (int j = 0; j < p; j++) {
                int off, cnt;
                fu_bandpar_split(n, p, j, &off, &cnt);
                for (int t = 0; t < cnt; t++) {
                    int band = fu_bandpar_band(p, j, t);
                    ok &= band >= 0 && band < n && band % p == j;
                    if (ok) seen[band]++;
                }
                for (int nb = 0; nb <= n; nb++) {
                    int below = 0;
                    for (int t = 0; t < cnt; t++) below += fu_bandpar_band(p, j, t) < nb;
                    ok &= fu_bandpar_nlocal(p, j, nb) == below;
                }
            }
            for (int i = 0; i < n; i++) ok &= seen[i] == 1;
        }
    CHECK(ok, "cyclic bands: each once, as many per rank as its slice, shares of the first nb");
}

static void layouts(void) {
    int npk, npb, npg;
    fu_err err = {0};
    /* by hand: cost = ceil(nk/npk) / (1 + 0.7 (npb - 1)) */
    CHECK(!fu_bandpar_layout(1, 4, 5000, 100, 0, 0, &npk, &npb, &npg, &err) && npk == 1 && npb == 4,
          "one k-point, 4 ranks: 1 x 4 (cost 0.32 against 0.59 for 2 x 2, 1 for 4 x 1)");
    CHECK(!fu_bandpar_layout(13, 3, 5000, 100, 0, 0, &npk, &npb, &npg, &err) && npk == 3 && npb == 1,
          "13 k-points, 3 ranks: 3 x 1 (cost 5 against 13/2.4 = 5.4)");
    CHECK(!fu_bandpar_layout(2, 4, 5000, 100, 0, 0, &npk, &npb, &npg, &err) && npk == 2 && npb == 2,
          "2 k-points, 4 ranks: 2 x 2 (cost 0.59 against 0.65 for 1 x 4)");
    CHECK(!fu_bandpar_layout(8, 4, 5000, 100, 0, 0, &npk, &npb, &npg, &err) && npk == 4 && npb == 1,
          "8 k-points, 4 ranks: 4 x 1 (k-points need no communication)");
    CHECK(!fu_bandpar_layout(1, 4, 250, 10, 0, 0, &npk, &npb, &npg, &err) && npk == 2 && npb == 2,
          "250 plane waves: at most 2 band ranks (100 rows each), so 2 x 2");
    CHECK(!fu_bandpar_layout(1, 4, 30, 10, 0, 0, &npk, &npb, &npg, &err) && npk == 4 && npb == 1,
          "30 plane waves < 3 x 10 bands + 5: no band ranks");
    CHECK(!fu_bandpar_layout(1, 1, 5000, 100, 0, 0, &npk, &npb, &npg, &err) && npk == 1 && npb == 1,
          "one rank: 1 x 1");
    CHECK(fu_bandpar_layout(1, 4, 5000, 100, 3, 0, &npk, &npb, &npg, &err) == FU_EINPUT &&
              strstr(err.msg, "3 band ranks do not divide the 4 ranks"),
          "--npband 3 on 4 ranks refused in one line");
    CHECK(fu_bandpar_layout(1, 4, 250, 10, 4, 0, &npk, &npb, &npg, &err) == FU_EINPUT &&
              strstr(err.msg, "cannot share"),
          "--npband 4 with 250 plane waves refused");
    CHECK(!fu_bandpar_layout(13, 4, 5000, 100, 2, 0, &npk, &npb, &npg, &err) && npk == 2 && npb == 2,
          "--npband 2 on 4 ranks: 2 x 2 whatever the cost model says");
    CHECK(npg == 1, "band ranks with bands enough for each: no FFT ranks");
    /* FFT ranks: cost x 1 / (1 + 0.5 (npg - 1)) */
    CHECK(!fu_bandpar_layout(1, 4, 5000, 2, 0, 0, &npk, &npb, &npg, &err) && npk == 1 && npb == 4 &&
              npg == 2,
          "2 bands, 4 ranks: 1 x 4 in 2 band groups of 2 FFT ranks (cost 1/(1.7 x 1.5) = 0.39 "
          "against 0.59 for 2 x 2, one k-group idle)");
    CHECK(!fu_bandpar_layout(1, 4, 5000, 1, 0, 0, &npk, &npb, &npg, &err) && npb == 4 && npg == 4,
          "1 band, 4 ranks: one band group of 4 FFT ranks (cost 0.4)");
    CHECK(!fu_bandpar_layout(1, 4, 5000, 100, 0, 2, &npk, &npb, &npg, &err) && npk == 1 &&
              npb == 4 && npg == 2,
          "--npfft 2 on 4 ranks: 1 x 4 in 2 groups of 2");
    CHECK(!fu_bandpar_layout(1, 4, 5000, 100, 2, 2, &npk, &npb, &npg, &err) && npk == 2 &&
              npb == 2 && npg == 2,
          "--npband 2 --npfft 2 on 4 ranks: 2 x 2, both ranks of a k-group one band group");
    CHECK(fu_bandpar_layout(1, 4, 5000, 100, 4, 3, &npk, &npb, &npg, &err) == FU_EINPUT &&
              strstr(err.msg, "3 FFT ranks do not divide the 4 band ranks"),
          "--npfft 3 with --npband 4 refused in one line");
    CHECK(fu_bandpar_layout(1, 4, 5000, 100, 0, 3, &npk, &npb, &npg, &err) == FU_EINPUT &&
              strstr(err.msg, "3 FFT ranks do not divide the 4 ranks"),
          "--npfft 3 on 4 ranks refused in one line");
    CHECK(fu_bandpar_layout(1, 4, 250, 10, 0, 4, &npk, &npb, &npg, &err) == FU_EINPUT &&
              strstr(err.msg, "4 FFT ranks per band do not fit"),
          "--npfft 4 with 250 plane waves (at most 2 band ranks of 100 rows) refused");
}

static void memory(void) {
    fu_mem_counts c;
    memset(&c, 0, sizeof c);
    c.nspin = 1;
    c.nband = 160;
    c.nproj = 320;
    c.history = 8;
    c.nthreads = 1;
    c.npw = 13000;
    c.nfft = 54.0 * 54 * 54;
    c.nk = 2;
    fu_mem_estimate e21, e12, e;
    int def = 0;
    fu_err err = {0};
    /* 2 ranks, 2 k-points: the cost model takes 2 x 1 */
    CHECK(!fu_memory_layout(&c, 2, 0, 0, 0, &e21, &def, &err) && c.npb == 1 && def == 1,
          "2 k-points on 2 ranks without a limit: 2 x 1");
    CHECK(!fu_memory_layout(&c, 2, 2, 0, 0, &e12, &def, &err) && c.npb == 2 && c.nk_owned == 2,
          "--npband 2: 1 x 2, both k-points on each rank");
    CHECK(e12.total < e21.total && e12.wavefunctions + e12.solver < e21.wavefunctions + e21.solver,
          "band ranks split the solver's blocks: 1 x 2 needs less per rank");
    CHECK(e12.grids < e21.grids && e12.grids > 0.5 * e21.grids && 2 * e12.mixer == e21.mixer,
          "band ranks split the grid arrays in slabs but for the whole ones (box, V_eff, FFT "
          "work), and the mixer's history");
    {
        fu_mem_counts r = c;
        fu_mem_estimate er;
        r.real_k = 1;
        fu_memory_estimate_counts(&r, &er);
        /* LOBPCG's 8 blocks of nev x npw/npb in doubles instead of complex numbers */
        double nev = c.nband + fu_bandpar_nbuffer(c.nband), rows = 13000 / 2;
        CHECK(fabs(e12.solver - er.solver - 8 * nev * rows * 8) < 1,
              "real orbitals: the solver's blocks counted in doubles");
    }
    CHECK(!fu_memory_layout(&c, 2, 0, 0, 0.5 * (e12.total + e21.total), &e, &def, &err) && c.npb == 2 &&
              def == 1 && e.total == e12.total,
          "a limit between the two estimates: 1 x 2, the only layout that fits");
    CHECK(!fu_memory_layout(&c, 2, 0, 0, 1e6, &e, &def, &err) && c.npb == 2 && e.total > 1e6,
          "a limit below every layout: the smallest one, over the limit for the caller to refuse");
}

int main(void) {
    splits();
    layouts();
    memory();
    CHECK_DONE();
}
