#include "dft/fftgrid.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "crystal/structure.h"

/* Column batch sizes of the a2 pass (plans p2_fwd/p2_bwd[j]). */
static const int COLBATCH[4] = {8, 4, 2, 1};

static double gsq(const double rec[3][3], double m0, double m1, double m2) {
    double g[3];
    for (int c = 0; c < 3; c++) g[c] = m0 * rec[0][c] + m1 * rec[1][c] + m2 * rec[2][c];
    return g[0] * g[0] + g[1] * g[1] + g[2] * g[2];
}

/* Minimum |G|² over the six outer planes; *plane gets the axis where it occurs. */
static double box_sphere2(const double rec[3][3], const int n[3], int *plane) {
    double best = INFINITY;
    int best_axis = 0;
    for (int ax = 0; ax < 3; ax++) {
        int a1 = (ax + 1) % 3, a2 = (ax + 2) % 3;
        int h = n[ax] / 2, h1 = n[a1] / 2, h2 = n[a2] / 2;
        for (int s = -1; s <= 1; s += 2)
            for (int i = -h1; i <= h1; i++)
                for (int j = -h2; j <= h2; j++) {
                    int m[3];
                    m[ax] = s * h;
                    m[a1] = i;
                    m[a2] = j;
                    double d = gsq(rec, m[0], m[1], m[2]);
                    if (d < best) {
                        best = d;
                        best_axis = ax;
                    }
                }
    }
    if (plane) *plane = best_axis;
    return best;
}

double fu_fftgrid_box_sphere2(const double rec[3][3], const int n[3]) {
    return box_sphere2(rec, n, NULL);
}

static int next_235(int n) {
    for (int m = n;; m++) {
        int r = m;
        while (r % 2 == 0) r /= 2;
        while (r % 3 == 0) r /= 3;
        while (r % 5 == 0) r /= 5;
        if (r == 1) return m;
    }
}

static int compatible(const int n[3], int nsym, const int (*rot)[3][3]) {
    /* A rotation maps grid points onto grid points iff n_i R_ij / n_j ∈ Z
     * (fractional coordinates j/n transform as x' = R x). */
    for (int s = 0; s < nsym; s++)
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                if (rot[s][i][j] != 0 && (n[i] * rot[s][i][j]) % n[j] != 0) return 0;
    return 1;
}

/* FFTW 3.3.10 time of a complex 3D transform per N log2 N (ns), measured
 * with FFTW_MEASURE on the 2-core x86-64 development machine (Debian 12) for
 * cubic grids. Sizes differ by up to 3.5x: 27³ costs more than 32³. Sizes
 * not listed (above 128) count as 0.25, which picks the smallest. */
static const struct { int n; double eff; } fft_eff[] = {
    {8, 0.134},   {9, 0.201},   {10, 0.134},  {12, 0.116},  {15, 0.153}, {16, 0.158},
    {18, 0.441},  {20, 0.123},  {24, 0.317},  {25, 0.216},  {27, 0.434}, {30, 0.300},
    {32, 0.209},  {36, 0.259},  {40, 0.246},  {45, 0.353},  {48, 0.249}, {50, 0.260},
    {54, 0.306},  {60, 0.222},  {64, 0.187},  {72, 0.219},  {75, 0.301}, {80, 0.214},
    {81, 0.321},  {90, 0.336},  {96, 0.210},  {100, 0.228}, {108, 0.288}, {120, 0.321},
    {125, 0.527}, {128, 0.244}};

static double size_eff(int n) {
    for (size_t i = 0; i < sizeof fft_eff / sizeof fft_eff[0]; i++)
        if (fft_eff[i].n == n) return fft_eff[i].eff;
    return 0.25;
}

static double grid_cost(const int n[3]) {
    double N = (double)n[0] * n[1] * n[2];
    return N * log2(N) * (size_eff(n[0]) + size_eff(n[1]) + size_eff(n[2])) / 3.0;
}

/* A lower bound of the minimal grid per axis: the box holds the density
 * sphere only if the point (n_i/2) b_i of its outer plane lies outside it,
 * so n_i >= 2 sqrt(8 Ecut) / |b_i|. The search below grows n from 2 and
 * evaluates O(n^2) points per step: without this bound a 1e6-bohr cell never
 * finished. */
static void grid_lower_bound(const double rec[3][3], double ecut, double lo[3]) {
    double need = 8.0 * ecut * (1.0 - 1e-12);
    for (int i = 0; i < 3; i++) {
        double b = sqrt(rec[i][0] * rec[i][0] + rec[i][1] * rec[i][1] + rec[i][2] * rec[i][2]);
        lo[i] = b > 0 ? 2.0 * sqrt(need) / b : INFINITY;
    }
}

int fu_fftgrid_check_size(const double lattice[3][3], double ecut, fu_err *err) {
    double rec[3][3], lo[3];
    fu_lattice_reciprocal(lattice, rec);
    grid_lower_bound(rec, ecut, lo);
    for (int i = 0; i < 3; i++)
        if (!(lo[i] <= FU_FFT_MAX_N))
            return fu_fail(err, FU_EINPUT,
                           "cell too large: its FFT grid at ecut %.6g Ha needs at least %.3g points "
                           "along a%d, more than the limit of %d",
                           ecut, lo[i], i + 1, FU_FFT_MAX_N);
    double tot = ceil(lo[0]) * ceil(lo[1]) * ceil(lo[2]);
    if (tot > (double)FU_FFT_MAX_POINTS)
        return fu_fail(err, FU_EINPUT,
                       "cell too large: its FFT grid at ecut %.6g Ha needs at least %.3g points, "
                       "more than the limit of %ld",
                       ecut, tot, (long)FU_FFT_MAX_POINTS);
    return FU_OK;
}

void fu_fftgrid_minimal(const double lattice[3][3], double ecut, int n[3]) {
    double rec[3][3], lo[3];
    fu_lattice_reciprocal(lattice, rec);
    if (fu_fftgrid_check_size(lattice, ecut, NULL)) {
        /* too large: a size fu_fftgrid_init refuses, without the search */
        grid_lower_bound(rec, ecut, lo);
        for (int i = 0; i < 3; i++)
            n[i] = lo[i] > FU_FFT_MAX_N ? FU_FFT_MAX_N + 1 : lo[i] < 2 ? 2 : (int)ceil(lo[i]);
        if (n[0] <= FU_FFT_MAX_N && n[1] <= FU_FFT_MAX_N && n[2] <= FU_FFT_MAX_N)
            n[0] = FU_FFT_MAX_N + 1; /* the product is over the limit */
        return;
    }
    double need = 8.0 * ecut; /* (2 √(2 Ecut))² */
    n[0] = n[1] = n[2] = 2;
    for (;;) {
        int plane;
        if (box_sphere2(rec, n, &plane) >= need * (1.0 - 1e-12)) break;
        /* a skewed cell can pass the bound and still need more: stop there */
        int grown = next_235(n[plane] + 1);
        if (grown > FU_FFT_MAX_N || (long)n[0] * n[1] * n[2] / n[plane] * grown > FU_FFT_MAX_POINTS) {
            n[plane] = FU_FFT_MAX_N + 1;
            return;
        }
        n[plane] = grown;
    }
}

static int too_large(const int n[3]) {
    for (int i = 0; i < 3; i++)
        if (n[i] > FU_FFT_MAX_N) return 1;
    return (long)n[0] * n[1] * n[2] > FU_FFT_MAX_POINTS;
}

void fu_fftgrid_choose(const double lattice[3][3], double ecut, int nsym, const int (*rot)[3][3],
                       int n[3]) {
    fu_fftgrid_minimal(lattice, ecut, n);
    if (too_large(n)) return; /* fu_fftgrid_init refuses it */
    /* n is now ABINIT's minimal grid. Among 2·3·5-smooth sizes up to 30%
     * larger per axis, take the cheapest compatible with the rotations; a
     * larger box only adds accuracy. Equal sizes are always compatible. */
    int nmax = n[0] > n[1] ? n[0] : n[1];
    if (n[2] > nmax) nmax = n[2];
    int best[3] = {nmax, nmax, nmax};
    double bestcost = compatible(best, nsym, rot) ? grid_cost(best) : INFINITY;
    for (int a = n[0]; a <= 1.3 * n[0] + 1e-9 || a == n[0]; a = next_235(a + 1))
        for (int b = n[1]; b <= 1.3 * n[1] + 1e-9 || b == n[1]; b = next_235(b + 1))
            for (int c = n[2]; c <= 1.3 * n[2] + 1e-9 || c == n[2]; c = next_235(c + 1)) {
                int t[3] = {a, b, c};
                double cost = grid_cost(t);
                if (cost < bestcost && compatible(t, nsym, rot)) {
                    bestcost = cost;
                    memcpy(best, t, sizeof best);
                }
            }
    memcpy(n, best, sizeof best);
}

int fu_fftgrid_init(fu_fftgrid *g, const double lattice[3][3], const int n[3], double ecut,
                    int effort, fu_err *err) {
    memset(g, 0, sizeof *g);
    int rc = fu_fftgrid_check_size(lattice, ecut, err);
    if (rc) return rc;
    for (int i = 0; i < 3; i++)
        if (n[i] < 1)
            return fu_fail(err, FU_EINPUT, "fft_grid: size %d out of range 1..%d", n[i],
                           FU_FFT_MAX_N);
    if (too_large(n))
        return fu_fail(err, FU_EINPUT,
                       "FFT grid %dx%dx%d (or more) is beyond the limit of %d points per axis and "
                       "%ld in all: cell too large for ecut %.6g Ha",
                       n[0], n[1], n[2], FU_FFT_MAX_N, (long)FU_FFT_MAX_POINTS, ecut);
    memcpy(g->n, n, sizeof g->n);
    g->ntot = n[0] * n[1] * n[2];
    memcpy(g->lattice, lattice, sizeof g->lattice);
    fu_lattice_reciprocal(lattice, g->rec);
    g->volume = fabs(fu_lattice_det(lattice));
    double box2 = box_sphere2(g->rec, n, NULL);
    /* The wave-function sphere must fit, or products ψ*ψ alias badly. */
    if (box2 < 2.0 * ecut * (1.0 - 1e-12))
        return fu_fail(err, FU_EINPUT,
                       "fft_grid: %dx%dx%d is too small for ecut %.6g Ha (basis sphere leaves "
                       "the FFT box)",
                       n[0], n[1], n[2], ecut);
    g->gcut2 = fmin(8.0 * ecut, box2) * (1.0 + 1e-10);
    g->g2 = malloc(sizeof(double) * g->ntot);
    g->work = fftw_malloc(sizeof(double complex) * g->ntot);
    if (!g->g2 || !g->work) {
        fu_fftgrid_free(g);
        return fu_fail(err, FU_ENOMEM, "fft grid %dx%dx%d: out of memory", n[0], n[1], n[2]);
    }
    for (int i0 = 0; i0 < n[0]; i0++)
        for (int i1 = 0; i1 < n[1]; i1++)
            for (int i2 = 0; i2 < n[2]; i2++)
                g->g2[(i0 * n[1] + i1) * n[2] + i2] =
                    gsq(g->rec, fu_fft_freq(i0, n[0]), fu_fft_freq(i1, n[1]),
                        fu_fft_freq(i2, n[2]));
    /* The full 3D transforms serve densities and potentials, a few per SCF
     * step: estimated plans suffice. The pruned 1D passes run twice per band
     * and H application: they are worth measuring, or with plans cached across
     * runs (effort 2) planning patiently (FFTW keeps the wisdom for the
     * process, so a campaign pays once per grid size). */
    unsigned flags = effort >= 2 ? FFTW_PATIENT : effort == 1 ? FFTW_MEASURE : FFTW_ESTIMATE;
    fftw_complex *w = (fftw_complex *)g->work;
    g->plan_fwd = fftw_plan_dft_3d(n[0], n[1], n[2], w, w, FFTW_FORWARD, FFTW_ESTIMATE);
    g->plan_bwd = fftw_plan_dft_3d(n[0], n[1], n[2], w, w, FFTW_BACKWARD, FFTW_ESTIMATE);
    /* Pruned passes act on sub-arrays whose alignment varies: plan unaligned. */
    unsigned uflags = flags | FFTW_UNALIGNED;
    int n0 = n[0], n1 = n[1], n2 = n[2];
    /* Batches of adjacent columns: one execute per 27-point column spends
     * as much in FFTW's call overhead as in the transform (batches of 8
     * cut the column pass by 25-40 % on 27³-36³ boxes). */
    for (int j = 0; j < 4; j++) {
        int nb = COLBATCH[j];
        g->p2_fwd[j] = fftw_plan_many_dft(1, &n2, nb, w, NULL, 1, n2, w, NULL, 1, n2, FFTW_FORWARD,
                                          uflags);
        g->p2_bwd[j] = fftw_plan_many_dft(1, &n2, nb, w, NULL, 1, n2, w, NULL, 1, n2,
                                          FFTW_BACKWARD, uflags);
    }
    g->p1_fwd = fftw_plan_many_dft(1, &n1, n2, w, NULL, n2, 1, w, NULL, n2, 1, FFTW_FORWARD, uflags);
    g->p1_bwd = fftw_plan_many_dft(1, &n1, n2, w, NULL, n2, 1, w, NULL, n2, 1, FFTW_BACKWARD, uflags);
    g->p0_fwd = fftw_plan_many_dft(1, &n0, n1 * n2, w, NULL, n1 * n2, 1, w, NULL, n1 * n2, 1,
                                   FFTW_FORWARD, flags);
    g->p0_bwd = fftw_plan_many_dft(1, &n0, n1 * n2, w, NULL, n1 * n2, 1, w, NULL, n1 * n2, 1,
                                   FFTW_BACKWARD, flags);
    int ok = g->plan_fwd && g->plan_bwd && g->p1_fwd && g->p1_bwd && g->p0_fwd && g->p0_bwd;
    for (int j = 0; j < 4; j++) ok = ok && g->p2_fwd[j] && g->p2_bwd[j];
    if (!ok) {
        fu_fftgrid_free(g);
        return fu_fail(err, FU_ELIB, "FFTW could not plan a %dx%dx%d transform", n[0], n[1],
                       n[2]);
    }
    return FU_OK;
}

void fu_fftgrid_free(fu_fftgrid *g) {
    if (g->plan_fwd) fftw_destroy_plan(g->plan_fwd);
    if (g->plan_bwd) fftw_destroy_plan(g->plan_bwd);
    fftw_plan extra[12] = {g->p1_fwd, g->p1_bwd, g->p0_fwd, g->p0_bwd};
    for (int j = 0; j < 4; j++) {
        extra[4 + 2 * j] = g->p2_fwd[j];
        extra[5 + 2 * j] = g->p2_bwd[j];
    }
    for (int i = 0; i < 12; i++)
        if (extra[i]) fftw_destroy_plan(extra[i]);
    fftw_free(g->work);
    free(g->g2);
    memset(g, 0, sizeof *g);
}

void fu_fft_r2g(const fu_fftgrid *g, double complex *data) {
    fftw_execute_dft(g->plan_fwd, (fftw_complex *)data, (fftw_complex *)data);
    double s = 1.0 / g->ntot;
    for (int i = 0; i < g->ntot; i++) data[i] *= s;
}

void fu_fft_g2r(const fu_fftgrid *g, double complex *data) {
    fftw_execute_dft(g->plan_bwd, (fftw_complex *)data, (fftw_complex *)data);
}

int fu_fft_sphere_init(fu_fft_sphere *sp, const fu_fftgrid *g, int npw, const int *box,
                       fu_err *err) {
    memset(sp, 0, sizeof *sp);
    int n01 = g->n[0] * g->n[1];
    char *colmark = calloc((size_t)n01, 1), *planemark = calloc((size_t)g->n[0], 1);
    if (!colmark || !planemark) {
        free(colmark);
        free(planemark);
        return fu_fail(err, FU_ENOMEM, "fft sphere: out of memory");
    }
    for (int i = 0; i < npw; i++) {
        int col = box[i] / g->n[2];
        colmark[col] = 1;
        planemark[col / g->n[1]] = 1;
    }
    for (int i = 0; i < n01; i++) sp->ncol += colmark[i];
    for (int i = 0; i < g->n[0]; i++) sp->nplane += planemark[i];
    sp->col = malloc(sizeof(int) * (size_t)(sp->ncol ? sp->ncol : 1));
    sp->plane = malloc(sizeof(int) * (size_t)(sp->nplane ? sp->nplane : 1));
    if (!sp->col || !sp->plane) {
        free(colmark);
        free(planemark);
        fu_fft_sphere_free(sp);
        return fu_fail(err, FU_ENOMEM, "fft sphere: out of memory");
    }
    int k = 0;
    for (int i = 0; i < n01; i++)
        if (colmark[i]) sp->col[k++] = i;
    k = 0;
    for (int i = 0; i < g->n[0]; i++)
        if (planemark[i]) sp->plane[k++] = i;
    free(colmark);
    free(planemark);
    for (int c = 0; c < sp->ncol; c++) sp->nrun += c == 0 || sp->col[c] != sp->col[c - 1] + 1;
    sp->run = malloc(sizeof(int) * 2 * (size_t)(sp->nrun ? sp->nrun : 1));
    if (!sp->run) {
        fu_fft_sphere_free(sp);
        return fu_fail(err, FU_ENOMEM, "fft sphere: out of memory");
    }
    for (int c = 0, r = -1; c < sp->ncol; c++) {
        if (c == 0 || sp->col[c] != sp->col[c - 1] + 1) {
            r++;
            sp->run[2 * r] = sp->col[c];
            sp->run[2 * r + 1] = 0;
        }
        sp->run[2 * r + 1]++;
    }
    return FU_OK;
}

/* The columns of every run, in batches of COLBATCH[j] (largest first). */
static void column_pass(const fu_fftgrid *g, const fu_fft_sphere *sp, const fftw_plan *plans,
                        double complex *data) {
    const int n2 = g->n[2];
    for (int r = 0; r < sp->nrun; r++) {
        int c = sp->run[2 * r], left = sp->run[2 * r + 1];
        for (int j = 0; j < 4; j++)
            for (; left >= COLBATCH[j]; left -= COLBATCH[j], c += COLBATCH[j]) {
                fftw_complex *p = (fftw_complex *)(data + (size_t)c * n2);
                fftw_execute_dft(plans[j], p, p);
            }
    }
}

void fu_fft_sphere_free(fu_fft_sphere *sp) {
    free(sp->col);
    free(sp->plane);
    free(sp->run);
    memset(sp, 0, sizeof *sp);
}

void fu_fft_sphere_g2r(const fu_fftgrid *g, const fu_fft_sphere *sp, double complex *data) {
    const int n1 = g->n[1], n2 = g->n[2];
    column_pass(g, sp, g->p2_bwd, data);
    for (int c = 0; c < sp->nplane; c++) {
        fftw_complex *p = (fftw_complex *)(data + (size_t)sp->plane[c] * n1 * n2);
        fftw_execute_dft(g->p1_bwd, p, p);
    }
    fftw_execute_dft(g->p0_bwd, (fftw_complex *)data, (fftw_complex *)data);
}

void fu_fft_sphere_r2g(const fu_fftgrid *g, const fu_fft_sphere *sp, double complex *data) {
    const int n1 = g->n[1], n2 = g->n[2];
    fftw_execute_dft(g->p0_fwd, (fftw_complex *)data, (fftw_complex *)data);
    for (int c = 0; c < sp->nplane; c++) {
        fftw_complex *p = (fftw_complex *)(data + (size_t)sp->plane[c] * n1 * n2);
        fftw_execute_dft(g->p1_fwd, p, p);
    }
    column_pass(g, sp, g->p2_fwd, data);
}
