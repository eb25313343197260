/* Nonlocal (Kleinman-Bylander form) HGH term: V_nl = Σ_pq |β_p⟩ D_pq ⟨β_q|. */
#ifndef FURUI_DFT_NONLOCAL_H
#define FURUI_DFT_NONLOCAL_H

#include <mpi.h>

#include "dft/basis.h"

/* Y[m][npw] += V_nl X[m][npw]. work needs 2*m*nproj complex numbers. */
void fu_nonlocal_apply(const fu_basis *b, const fu_kblock *kb, int m, const double complex *X,
                       double complex *Y, double complex *work);
/* The same on a real k-block in its real coordinates (kb->proj_real):
 * Y[m][npw] += V_nl X[m][npw]; work needs 2*m*nproj doubles. */
void fu_nonlocal_apply_real(const fu_basis *b, const fu_kblock *kb, int m, const double *X,
                            double *Y, double *work);
/* The same on rows r0 .. r0 + n - 1 of kb's plane waves (or real
 * coordinates), X and Y [m][n]: the projections are summed over comm (the
 * ranks holding the other rows; collective). work as above. */
void fu_nonlocal_apply_rows(const fu_basis *b, const fu_kblock *kb, int r0, int n, int m,
                            const double complex *X, double complex *Y, double complex *work,
                            MPI_Comm comm);
void fu_nonlocal_apply_real_rows(const fu_basis *b, const fu_kblock *kb, int r0, int n, int m,
                                 const double *X, double *Y, double *work, MPI_Comm comm);
/* Σ_n occ_n ⟨ψ_n|V_nl|ψ_n⟩ for nband orbitals psi[nband][npw] (Ha, weight not applied). */
double fu_nonlocal_energy(const fu_basis *b, const fu_kblock *kb, int nband,
                          const double complex *psi, const double *occ);
/* Adds weight × (forces -∂E_nl/∂R_a, Ha/bohr) and weight × stress (Ha/bohr³)
 * of one k-point; either output may be NULL. */
int fu_nonlocal_forces_stress(const fu_basis *b, const fu_kblock *kb, int nband,
                              const double complex *psi, const double *occ, double weight,
                              double (*forces)[3], double stress[3][3], fu_err *err);

#endif
