/* Hartree term: V_H(G) = 4π ρ(G)/|G|² inside the density sphere, V_H(0) = 0. */
#ifndef FURUI_DFT_HARTREE_H
#define FURUI_DFT_HARTREE_H

#include "dft/fftgrid.h"

/* vh_g[ntot] from rho_g[ntot]; returns E_H = (Ω/2) Σ_G 4π|ρ_G|²/|G|² (Ha). */
double fu_hartree(const fu_fftgrid *g, const double complex *rho_g, double complex *vh_g);
/* Adds the Hartree stress (Ha/bohr³) of rho_g with energy e_h. */
void fu_hartree_stress(const fu_fftgrid *g, const double complex *rho_g, double e_h,
                       double stress[3][3]);

#endif
