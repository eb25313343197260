/* The real-space FFT grid of a cell, its reciprocal-space box, and FFTW plans.
 *
 * Conventions (as ABINIT and QE): a periodic function is f(r) = Σ_G f_G e^{iG·r};
 * forward transform f_G = (1/N) Σ_j f(r_j) e^{-iG·r_j}. Box index i in 0..n-1
 * stands for the integer frequency i if i <= n/2, else i - n. */
#ifndef FURUI_DFT_FFTGRID_H
#define FURUI_DFT_FFTGRID_H

#include <complex.h>
#include <fftw3.h>
#include "core/error.h"

typedef struct {
    int n[3];              /* grid points along a1, a2, a3 */
    int ntot;
    double lattice[3][3];  /* rows a_i (bohr) */
    double rec[3][3];      /* rows b_i (bohr⁻¹) */
    double volume;         /* bohr³ */
    double *g2;            /* [ntot] |G|² of every box point (bohr⁻²) */
    double gcut2;          /* sphere for densities and potentials: min(8 Ecut, box sphere) */
    fftw_plan plan_fwd;    /* in place on `work` (use fftw_execute_dft for other arrays) */
    fftw_plan plan_bwd;
    /* 1D passes for transforms of orbitals confined to a sphere (see
     * fu_fft_sphere_*): along a2 (8, 4, 2 or 1 adjacent columns at once),
     * a1 (one plane), a0 (all) */
    fftw_plan p2_fwd[4], p2_bwd[4], p1_fwd, p1_bwd, p0_fwd, p0_bwd;
    double complex *work;  /* [ntot] scratch aligned for FFTW */
} fu_fftgrid;

/* Integer frequency of box index i on an axis of n points. */
static inline int fu_fft_freq(int i, int n) { return i <= n / 2 ? i : i - n; }
/* Box index of integer frequency m (any m; wraps). */
static inline int fu_fft_index(int m, int n) { return ((m % n) + n) % n; }

/* Integer frequencies m and Cartesian G (bohr⁻¹) of linear box index idx. */
static inline void fu_fftgrid_gvec(const fu_fftgrid *g, int idx, int m[3], double G[3]) {
    const int *n = g->n;
    m[2] = fu_fft_freq(idx % n[2], n[2]);
    m[1] = fu_fft_freq((idx / n[2]) % n[1], n[1]);
    m[0] = fu_fft_freq(idx / (n[1] * n[2]), n[0]);
    for (int c = 0; c < 3; c++) G[c] = m[0] * g->rec[0][c] + m[1] * g->rec[1][c] + m[2] * g->rec[2][c];
}

/* Largest FFT grid furui sets up: at most FU_FFT_MAX_N points per axis (also
 * the input's fft_grid range) and FU_FFT_MAX_POINTS in all (2 GiB per complex
 * array, of which an SCF holds several). A larger cell at its ecut is refused
 * (input/README.md, fft_grid). */
#define FU_FFT_MAX_N 1024
#define FU_FFT_MAX_POINTS (1L << 27)

/* Constant-time check that the automatic grid of lattice at ecut can fit the
 * limits above: FU_EINPUT naming the axis and the points it needs if even a
 * lower bound of the grid exceeds them (a huge cell), else FU_OK. */
int fu_fftgrid_check_size(const double lattice[3][3], double ecut, fu_err *err);

/* Smallest |G|² over the outer planes ±n_i/2 of the box (bohr⁻²), the
 * radius² of the largest G-sphere the box holds (ABINIT's `bound`). */
double fu_fftgrid_box_sphere2(const double rec[3][3], const int n[3]);

/* ABINIT's getng rule with boxcutmin = 2, before symmetry adjustment. If the
 * grid would exceed the limits above, returns at once with some n[i] >
 * FU_FFT_MAX_N (or a product over FU_FFT_MAX_POINTS), which fu_fftgrid_init
 * refuses. */
void fu_fftgrid_minimal(const double lattice[3][3], double ecut, int n[3]);
/* Automatic grid: first ABINIT's getng rule with boxcutmin = 2 (grow n,
 * products of 2, 3, 5, on the axis whose boundary is nearest until the box
 * holds the sphere |G| <= 2 √(2 Ecut)); then, among sizes up to 30% larger
 * per axis that are compatible with the rotations (n_i R_ij / n_j integer),
 * the one with the lowest FFTW cost by a measured per-size table (fftgrid.c).
 * rot may be NULL (nsym 0). */
void fu_fftgrid_choose(const double lattice[3][3], double ecut, int nsym, const int (*rot)[3][3],
                       int n[3]);

/* Sets up the grid and plans the wave-function passes with FFTW_ESTIMATE
 * (effort 0), FFTW_MEASURE (1) or FFTW_PATIENT (2). */
int fu_fftgrid_init(fu_fftgrid *g, const double lattice[3][3], const int n[3], double ecut,
                    int effort, fu_err *err);
void fu_fftgrid_free(fu_fftgrid *g);

/* In-place transforms of an [ntot] array: r2g divides by N (coefficients),
 * g2r is the plain sum f(r_j) = Σ_G f_G e^{iG·r_j}. */
void fu_fft_r2g(const fu_fftgrid *g, double complex *data);
void fu_fft_g2r(const fu_fftgrid *g, double complex *data);

/* Which parts of the box a G-sphere touches: columns (i0, i1) holding any of
 * its points and planes i0 holding any. */
typedef struct {
    int ncol, nplane;
    int *col;    /* [ncol] i0*n1 + i1 */
    int *plane;  /* [nplane] i0 */
    int nrun;    /* runs of adjacent columns (consecutive col), transformed in batches */
    int *run;    /* [2*nrun] first column, length */
} fu_fft_sphere;

/* From the box indices of the sphere's points. */
int fu_fft_sphere_init(fu_fft_sphere *sp, const fu_fftgrid *g, int npw, const int *box,
                       fu_err *err);
void fu_fft_sphere_free(fu_fft_sphere *sp);
/* Backward transform (plain sum, like fu_fft_g2r) of a box that is zero
 * outside the sphere: skips the 1D transforms of empty columns and planes. */
void fu_fft_sphere_g2r(const fu_fftgrid *g, const fu_fft_sphere *sp, double complex *data);
/* Forward transform, unnormalised (no 1/N), correct only at the sphere's
 * points: the passes that do not reach them are skipped. */
void fu_fft_sphere_r2g(const fu_fftgrid *g, const fu_fft_sphere *sp, double complex *data);

#endif
