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
 * weights. Every full-mesh point is checked to be reconstructed. */
int fu_kpoints_mp(const int grid[3], const double shift[3], const fu_symmetry *sym,
                  int time_reversal, fu_kpoints *kp, fu_err *err);
/* An explicit list of k-points with weights (normalised to sum 1). */
int fu_kpoints_list(int nk, const double (*kred)[3], const double *weight, fu_kpoints *kp,
                    fu_err *err);
void fu_kpoints_free(fu_kpoints *kp);

#endif
