/* The discretisation of one calculation: cutoff, bands, FFT grid,
 * symmetry, k-points with their plane-wave spheres (k-blocks). It holds the
 * model it discretises (model.h: structure, pseudopotentials, projectors)
 * and the parallel layout (layout.h: which ranks hold which k-points and
 * bands), each its own.
 *
 * Orbitals: ψ_nk(r) = Ω^{-1/2} Σ_G c(G) e^{i(k+G)·r}, Σ_G |c|² = 1, with G over
 * the sphere ½|k+G|² <= Ecut. Densities and potentials: coefficients as in
 * fftgrid.h (f_G = (1/N) Σ_r f(r) e^{-iG·r}). */
#ifndef FURUI_DFT_BASIS_H
#define FURUI_DFT_BASIS_H

#include <complex.h>
#include <mpi.h>
#include <stdint.h>

#include "crystal/kpoints.h"
#include "crystal/structure.h"
#include "crystal/symmetry.h"
#include "dft/fftgrid.h"
#include "dft/layout.h"
#include "dft/model.h"
#include "dft/params.h"
#include "dft/psp.h"

typedef struct {
    double kred[3];        /* reduced coordinates */
    double kcart[3];       /* bohr⁻¹ */
    double weight;         /* sum over k is 1 */
    int npw;
    int (*gred)[3];        /* [npw] integer G */
    int *box;              /* [npw] linear FFT box index of G */
    double (*kpg)[3];      /* [npw] Cartesian k+G */
    double *kin;           /* [npw] ½|k+G|² */
    double complex *proj;  /* [nproj][npw] nonlocal projectors β_p(k+G) */
    fu_fft_sphere sphere;  /* box columns/planes the sphere touches (pruned FFTs) */
    /* Real orbitals (time-reversal-invariant k: 2k a reciprocal lattice
     * vector G0, ABINIT's istwfk > 1). H is real in real space, so it maps
     * orbitals with c(-G-G0) = c(G)* onto such orbitals and its eigenvectors
     * can be taken so; their npw real coordinates are fu_kblock_to_real's. */
    int real;              /* 1: the SCF solves this k-point in real arithmetic */
    int *mate;             /* [npw] index of -G-G0 (real only) */
    int nrep;              /* G with index <= that of its mate (real only) */
    int *rep;              /* [nrep] their indices, ascending */
    double *slot_kin;      /* [npw] ½|k+G|² of each real coordinate */
    double *proj_real;     /* [nproj][npw] real coordinates of φ_p^{1/2} β_p, φ_p =
                              (-1)^l e^{-iG0·R_a}: then <β_p|c> φ_p^{-1/2} is real */
} fu_kblock;

/* Density symmetrisation table: for each point of the density sphere and each
 * operation, the box index of its image and the phase (see density.c). */
typedef struct {
    /* The pure translations T (identity rotation; a supercell has many) form
     * a normal subgroup, so the group average is the average over T, a
     * factor per G, then over one operation per rotation. */
    int nrep;                       /* operations kept: one per rotation (0: not set up) */
    int *rep;                       /* [nrep] their indices in sym */
    int ntr;                        /* pure translations, identity included */
    int *tr;                        /* [ntr] their indices in sym */
    int npt;                        /* sphere points (0: table not built, use the slow path) */
    int *pt;                        /* [npt] box index */
    int *img;                       /* [nrep*npt] image box index */
    double complex *phase;          /* [nrep*npt] */
    double *tfac;                   /* [npt] (1/|T|) Σ_t e^{2πi G·t}: 1 or 0 */
} fu_symmap;

typedef struct {
    fu_model model;                 /* the physics (model.h) */
    fu_layout layout;               /* the ranks (layout.h) */
    double ecut;
    int nband;                      /* bands computed per k */
    fu_fftgrid grid;
    fu_symmetry sym;
    fu_kpoints kp;
    fu_kblock *kb;                  /* [kp.nk]; arrays filled only for owned k */
    fu_symmap symmap;
    int max_npw;                    /* largest npw of the owned k-points */
} fu_basis;

/* This rank (its k-group) holds k-point ik. */
static inline int fu_basis_owns(const fu_basis *b, int ik) {
    return b->layout.k_owner[ik] == b->layout.kgroup;
}

/* Builds everything that depends on geometry and cutoff, once: the model
 * (fu_model_init: p->pseudo read and checked against the structure), the
 * layout over comm (k-groups × band ranks by p->npband or the cost model),
 * symmetry, k-points, the FFT grid, the density symmetrisation table and the
 * k-blocks of this rank's k-points. */
int fu_basis_init(fu_basis *b, const fu_structure *s, const fu_scf_params *p, MPI_Comm comm,
                  fu_err *err);
void fu_basis_free(fu_basis *b);
/* Basis for an explicit list of k-points (band structures): the same model
 * (pseudopotentials, projectors) and cutoff as fu_basis_init, on the given FFT
 * grid fft (that of the run whose potential will be used), nband bands, no
 * symmetry (identity only; the density table symmap is not built) and equal
 * k weights. k-point ik is owned by rank ik % size of comm. Every owned
 * k-point must have at least nband plane waves. */
int fu_basis_init_klist(fu_basis *b, const fu_structure *s, const fu_scf_params *p,
                        const int fft[3], int nk, const double (*kred)[3], int nband,
                        MPI_Comm comm, fu_err *err);


/* Real solid harmonic R_lm(q) = |q|^l Y_lm(q̂) (Y_lm real, orthonormal on
 * the sphere), l <= 3, m = -l..l, with its gradient (grad may be NULL). */
double fu_solid_harmonic(int l, int m, const double q[3], double grad[3]);

/* Bands needed: nelec/2 occupied plus a margin (more for smearing). */
int fu_default_nband(double nelec, int smeared, int natom);

/* Starting orbitals of one k-block: band n on the n-th lowest-½|k+G|² plane
 * wave (the free-electron solution) plus a little noise damped at high |k+G|
 * that breaks degeneracies; deterministic for a given seed (splitmix64), so
 * runs are reproducible whatever the rank layout. X is [nev][npw]. Returns
 * FU_OK or FU_ENOMEM. */
int fu_kblock_start_guess(const fu_kblock *kb, int nev, uint64_t seed, double complex *X);
/* The same for a real k-block, in its real coordinates: X is [nev][npw]. */
int fu_kblock_start_guess_real(const fu_kblock *kb, int nev, uint64_t seed, double *X);

/* Real coordinates of m orbitals of a real k-block (kb->real): for each
 * representative G (index <= its mate's) with mate G', in kb->rep order,
 * √2 Re c(G), √2 Im c(G) if G' != G, and c(G) alone if G' = G (G = 0 at Γ):
 * npw numbers, an isometry (Σ|c|² = Σ v²). fu_kblock_to_real projects
 * onto the orbitals with c(G') = c(G)* first; fu_kblock_from_real is its
 * inverse on them. c is [m][npw] complex, v [m][npw] real. */
void fu_kblock_to_real(const fu_kblock *kb, int m, const double complex *c, double *v);
void fu_kblock_from_real(const fu_kblock *kb, int m, const double *v, double complex *c);

#endif
