/* Local pseudopotential: V_loc(G) = (1/Ω) Σ_a v_a(|G|) e^{-iG·R_a} inside the
 * density sphere, V_loc(0) = 0 (its finite part is the psp core term, psp_core.h). */
#ifndef FURUI_DFT_LOCAL_H
#define FURUI_DFT_LOCAL_H

#include "dft/basis.h"

/* vloc_g[ntot]: coefficients of the local potential on the FFT box. */
void fu_local_potential(const fu_basis *b, double complex *vloc_g);
/* Cartesian forces -∂E_loc/∂R_a (added to forces[natom][3]) and stress
 * (added to stress, Ha/bohr³) of the density rho_g[ntot]; e_loc its energy. */
void fu_local_forces_stress(const fu_basis *b, const double complex *rho_g, double e_loc,
                            double (*forces)[3], double stress[3][3]);

#endif
