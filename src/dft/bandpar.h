/* Band parallelism inside a k-point (issue 24, first layer).
 *
 * A group of `size` ranks is laid out as npk k-groups of npb band ranks
 * (npk * npb = size). The npb ranks of a k-group share each of its
 * k-points: between SCF steps each holds every npb-th band (columns) of the
 * orbitals (fu_bandpar_band), from which it adds its share of the density, energies,
 * forces and stress (the sums over the whole group count every band once).
 * LOBPCG works on a row (G-vector) split of the same orbitals, so that its
 * O(n m²) products split evenly and only the small subspace matrices are
 * summed (MPI_Allreduce) and solved on every rank alike with LAPACK. H is
 * applied on a band split: an all-to-all transpose turns the rows of a
 * block into whole columns, each rank does the FFTs and projectors of its
 * columns, and a second transpose returns the rows (ABINIT's "band-FFT"
 * scheme with one FFT rank per band). The band ranks also split the
 * density side on the FFT grid in slabs (fftslab.h; scf.c): densities,
 * potentials, mixing, xc, Hartree; V_eff is gathered whole for H.
 *
 * FFT ranks (npg > 1, the third level of the layout): the band ranks form
 * npb / npg band groups of npg ranks (rank = group * npg + frank), and the
 * npg ranks of a group share each of its bands' FFTs (ABINIT's npfft): the
 * transpose sends each rank of a group the plane waves of its columns of the
 * sphere, the local potential is applied by the group's shared FFTs
 * (fftcols.h: columns along a3, then planes; FU_BANDPAR_FFT_BATCH bands per
 * collective), and the kinetic and nonlocal parts are applied on the LOBPCG
 * rows themselves (projections summed over the band ranks). Real orbitals
 * keep their real coordinates: a coordinate pair of G goes to the ranks of
 * G's and of -G's columns, and the two halves of H's result are added. */
#ifndef FURUI_DFT_BANDPAR_H
#define FURUI_DFT_BANDPAR_H

#include <mpi.h>

#include "core/error.h"
#include "dft/eigensolver.h"
#include "dft/fftcols.h"
#include "dft/hamiltonian.h"
#include "dft/scalapack.h"

/* Balanced split of n items over p parts: part j gets cnt items from off. */
void fu_bandpar_split(int n, int p, int j, int *off, int *cnt);

/* Buffer bands the SCF adds to nband (they keep the top requested band off
 * the edge of the LOBPCG block; see scf.c). */
int fu_bandpar_nbuffer(int nband);

/* Layout of size ranks for nk k-points (spin channels counted apart) of at
 * least npw_min plane waves and nev bands. want_npb > 0 asks for that many
 * band ranks (FU_EINPUT, one line, if it does not divide size or the bands or
 * plane waves cannot be split so); 0 picks by the cost model: time per SCF
 * step ∝ ceil(nk/npk) / (1 + FU_BANDPAR_EFF (npb - 1)), the smallest, ties
 * to more k-groups; band ranks only where each gets >= 1 band and
 * FU_BANDPAR_MIN_ROWS plane waves and the problem is large enough for
 * LOBPCG (npw_min >= 3 nev + 5). Below ~100 rows a rank's share of a block
 * product costs less than the collectives around it. */
#define FU_BANDPAR_MIN_ROWS 100
#define FU_BANDPAR_EFF 0.7
/* FFT ranks (npg of the npb band ranks share each band) are worth less per
 * rank than band groups: every wave-function FFT then moves the sphere's
 * columns between them (fftcols.h), on top of the band transposes. The cost
 * model multiplies 1 / (1 + FU_BANDPAR_EFF_FFT (npg - 1)) in, so it takes
 * FFT ranks only where the bands or plane waves cannot absorb more band groups. */
#define FU_BANDPAR_EFF_FFT 0.5
/* FFTs (complex bands or pairs of real ones) per FFT-rank collective */
#define FU_BANDPAR_FFT_BATCH 8
double fu_bandpar_cost(int nk, int npk, int npb, int npg);
/* want_npg > 0 asks for that many FFT ranks per band (they must divide the
 * band ranks; want_npb 0 then picks the band ranks among multiples of it),
 * 0 lets the cost model pick (band groups of >= 1 band each, band ranks of
 * >= FU_BANDPAR_MIN_ROWS plane waves each). npg may be NULL: then 1. */
int fu_bandpar_layout(int nk, int size, int npw_min, int nev, int want_npb, int want_npg,
                      int *npk, int *npb, int *npg, fu_err *err);

typedef struct {
    MPI_Comm comm;         /* the band ranks of this k-group */
    int rank, size;
    int *sc, *sd, *rc, *rd; /* [size] all-to-all counts and displacements */
    double *cin, *cout, *tmp; /* [npw_max * ceil(nev/size) * 2] each */
    size_t cap;            /* doubles in each of cin, cout, tmp */
    fu_hamiltonian *h;     /* set per k-point */
    fu_rowdist rows;       /* this rank's rows of the current k-block */
    fu_scalapack sl;       /* BLACS grid of comm (sl.prow NULL: none) */
    int sl_min;            /* subspace matrices of this order or more go to sl */
    int *perm;             /* [2 nev] band <-> slice order */
    double *col2;          /* two columns of a rank's rows, complex */
    /* FFT ranks (npg > 1; the rest is unused when npg = 1) */
    int npg, nbg, group, frank; /* this rank: band group and FFT rank in it */
    MPI_Comm fcomm;        /* the npg ranks of this band group */
    fu_fftcols fc;         /* the band group's shared FFTs (FU_BANDPAR_FFT_BATCH at a time) */
    double *veff_z;        /* V_eff on my planes of the real side (fftcols.h) */
    int nev;               /* largest block */
    /* per k-block (fu_bandpar_set): */
    int ig0, nsph;         /* the sphere points of my columns: ig0 .. ig0 + nsph - 1 */
    int nneed;             /* coordinates my columns need (complex: those points; real: the
                              coordinate pairs of them and of their mates) */
    int *need_pos;         /* [nsph] real: position in the need list of each point's pair */
    unsigned char *need_kind; /* [nsph] real: 1 representative, 2 self-mate, 0 the mate */
    int *rcnt;             /* [size] of my need list in rank s's rows (contiguous, in order) */
    int *sidx, *scnt, *soff; /* my rows each FFT rank needs, grouped by FFT rank ([2 rows]),
                              how many and where its group starts ([npg] each) */
    const fu_kblock *fft_kb; /* the k-block these tables are of (NULL: none yet) */
    int *tmp_int;          /* [npw_max] scratch */
    double *sbuf, *rbuf, *lin, *lout; /* transposes and the group's coordinates */
    size_t scap, lcap;     /* doubles in sbuf = rbuf, lin = lout */
    double *nlw;           /* [2 nev nproj] complex: nonlocal projections on the rows */
} fu_bandpar;

/* comm: the band ranks (not freed here). Buffers for k-blocks of up to
 * npw_max plane waves and blocks of up to nev vectors. sl_min >= 1: the
 * order from which LOBPCG's subspace matrices (up to 3 nev) are solved with
 * ScaLAPACK on a BLACS grid of comm (set up only if some can be). */
int fu_bandpar_init(fu_bandpar *bp, MPI_Comm comm, int npw_max, int nev, int sl_min,
                    fu_err *err);
/* The FFT ranks: npg (> 1, dividing the band ranks) share each band's FFTs of
 * grid n (fftslab.h, planned with effort) for a model of nproj projectors.
 * Collective over the band ranks. */
int fu_bandpar_init_fft(fu_bandpar *bp, int npg, const int n[3], int effort, int nproj,
                        fu_err *err);
void fu_bandpar_free(fu_bandpar *bp);
/* Points the callbacks at h (already set to its k-point) and splits the
 * k-block's npw rows (with FFT ranks: the transpose tables of the k-block). */
int fu_bandpar_set(fu_bandpar *bp, fu_hamiltonian *h, fu_err *err);

/* Transposes of a block of c vectors of n rows, per doubles per element
 * (2 complex, 1 real): cols holds this rank's columns of the column split of
 * c (whole, leading dimension n), rows its rows of the row split of n for
 * all c columns (leading dimension of its row count). Collective. */
void fu_bandpar_cols_to_rows(fu_bandpar *bp, int n, int c, int per, const double *cols,
                             double *rows);
void fu_bandpar_rows_to_cols(fu_bandpar *bp, int n, int c, int per, const double *rows,
                             double *cols);

/* Between SCF steps rank j of P holds bands j, j + P, j + 2P, ... (cyclic),
 * so that the occupied bands, the first ones, and with them the density,
 * energies, forces and stress split evenly (a contiguous split gave Si64 on 2
 * ranks 86 and 42 of its 128 occupied bands, one rank waiting on the other).
 * Band of local column t of rank j, and how many of the first nb bands are
 * rank j's (they are its first ones). */
int fu_bandpar_band(int p, int j, int t);
int fu_bandpar_nlocal(int p, int j, int nb);
/* The transposes above for the c bands of an SCF step held so: rows in band
 * order. rows_to_psi reorders rows in place first (left in slice order). */
void fu_bandpar_psi_to_rows(fu_bandpar *bp, int n, int c, int per, const double *cols,
                            double *rows);
void fu_bandpar_rows_to_psi(fu_bandpar *bp, int n, int c, int per, double *rows, double *cols);

/* LOBPCG callbacks on row-distributed blocks; ctx is an fu_bandpar*. */
void fu_bandpar_apply(void *ctx, int m, const double complex *X, double complex *Y);
void fu_bandpar_precondition(void *ctx, int m, const double *ritz, double complex *R);
void fu_bandpar_apply_real(void *ctx, int m, const double *X, double *Y);
void fu_bandpar_precondition_real(void *ctx, int m, const double *ritz, double *R);

#endif
