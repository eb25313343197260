/* Monkhorst-Pack k-point meshes and their irreducible wedge. */
#ifndef FURUI_CRYSTAL_KPOINTS_H
#define FURUI_CRYSTAL_KPOINTS_H

#include "crystal/symmetry.h"

typedef struct {
    int nk;               /* irreducible k-points */
    double (*kred)[3];    /* [nk] reduced coordinates (units of reciprocal vectors), in [-1/2,1/2) */
    double *weight;       /* [nk] weights, sum 1 */
    /* the full mesh and how it unfolds from the irreducible set */
    int nfull;
    double (*kfull)[3];   /* [nfull] */
    int *full_irr;        /* [nfull] index of the irreducible representative */
    int *full_sym;        /* [nfull] symmetry op index s with kfull = ± R_s^{-T} kred (mod G) */
    int *full_trev;       /* [nfull] 1 if time reversal (k -> -k) is also applied */
} fu_kpoints;

/* Mesh k = (m + shift)/n, m = 0..n-1 folded into [-1/2,1/2), shift each 0 or
 * 1/2. Reduced with the rotations of sym (those mapping the mesh onto itself)
 * and, if time_reversal, k -> -k. The irreducible set has ABINIT's size and
 * weights. Every full-mesh point is checked to be reconstructed.
 * Precisely (as ABINIT's symkpt): two mesh points are equivalent when some op
 * of sym, with or without k -> -k, maps one onto the other mod G. An op that
 * does not map the whole mesh onto itself still merges the points whose
 * images are on the mesh; ABINIT does the same with chksymbreak 0 (Si fcc
 * 4x4x2 shift (0,0,1/2): ABINIT and all 48 ops give 5 points, the 8
 * mesh-keeping ops alone give 6). Pass only the mesh-keeping ops to get the
 * subgroup reduction instead. Mesh order is first index fastest; each
 * irreducible point is the first mesh point of its orbit in that order. */
int fu_kpoints_mp(const int grid[3], const double shift[3], const fu_symmetry *sym,
                  int time_reversal, fu_kpoints *kp, fu_err *err);
/* An explicit list of k-points with weights (normalised to sum 1; NULL =
 * equal). Points are folded into [-1/2,1/2); the "full mesh" is the list
 * itself (full_irr[i] = i, full_sym = 0, full_trev = 0). */
int fu_kpoints_list(int nk, const double (*kred)[3], const double *weight, fu_kpoints *kp,
                    fu_err *err);
void fu_kpoints_free(fu_kpoints *kp);

/* Monkhorst-Pack divisions from a k-point spacing (bohr⁻¹, 2π included:
 * VASP's KSPACING rule): n_i = max(1, ceil(|b_i| / spacing)), at most maxn;
 * 1e-6 of slack so that rounding noise in the lattice cannot add a point. */
void fu_kpoints_grid_from_spacing(const double lat[3][3], double spacing, int maxn, int grid[3]);

/* When a gap is asked for: each n_i of a Γ-centred grid rounded up to a
 * multiple of m_i so that the mesh contains the special points of the
 * structure's band path (crystal/kpath.h) whose reduced coordinates are
 * multiples of 1/2 or 1/3 (Γ, X, L, M, K, A, H, R, N, ...: where band edges of
 * most materials sit; points such as fcc W or K at 1/4, 3/8 would force
 * multiples of 4 or 8 and are left out). At most maxn. */
int fu_kpoints_grid_with_edges(const fu_structure *s, double symprec, int maxn, int grid[3],
                               fu_err *err);

/* Empty space (bohr) between periodic images along a lattice direction from
 * which on that direction gets one k-point (a molecule in a box: Γ only; a
 * slab: none across its vacuum). 5 Å: more than any interlayer distance of a
 * bulk crystal (graphite 3.35 Å, MoS2 layers ~3 Å apart). */
#define FU_KPOINTS_VACUUM 9.4486
/* Sets grid[i] = 1 along each direction whose largest gap between atomic
 * planes (distance between the planes of consecutive atoms along a_i,
 * periodic) is at least vacuum bohr. Returns how many directions. */
int fu_kpoints_vacuum_axes(const fu_structure *s, double vacuum, int grid[3]);

/* out = ± R_s^{-T} k (minus if trev): the image of reduced k under op s of sym
 * (and time reversal), as recorded in full_sym/full_trev. */
void fu_kpoint_apply(const fu_symmetry *sym, int s, int trev, const double k[3], double out[3]);

#endif
