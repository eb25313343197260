/* Kinetic energy ½|k+G|² of the orbitals. */
#ifndef FURUI_DFT_KINETIC_H
#define FURUI_DFT_KINETIC_H

#include "dft/basis.h"

/* Σ_n occ_n Σ_G ½|k+G|² |c_n(G)|² (Ha, k weight not applied). */
double fu_kinetic_energy(const fu_kblock *kb, int nband, const double complex *psi,
                         const double *occ);
/* Adds weight × kinetic stress -(1/Ω) Σ_n occ_n Σ_G |c|² (k+G)_α (k+G)_β. */
void fu_kinetic_stress(const fu_kblock *kb, int nband, const double complex *psi,
                       const double *occ, double weight, double volume, double stress[3][3]);

#endif
