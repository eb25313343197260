/* Nonlinear core correction [Louie, Froyen, Cohen, PRB 26, 1738 (1982)]:
 * exchange-correlation sees ρ_val + ρ_c, with ρ_c(G) = (1/Ω) Σ_a ρ̃_c,a(|G|)
 * e^{-iG·R_a} the model core charges of the pseudopotentials (psp.h). The
 * core moves with the atoms but is not scaled by a strain, which gives
 *   F_a = Σ_G Re[i G V̄*_xc(G) ρ̃_c,a(|G|) e^{-iG·R_a}]
 *   σ_αβ += -(1/Ω) Σ_G Re[V̄*_xc(G) Σ_a ρ̃'_c,a(|G|) e^{-iG·R_a}] G_α G_β/|G|
 * besides the diagonal (E_xc - ∫V_xc (ρ_val + ρ_c))/Ω that the xc stress
 * takes from the total density; V̄_xc is the spin average (the core is split
 * evenly between the channels). */
#ifndef FURUI_DFT_NLCC_H
#define FURUI_DFT_NLCC_H

#include "dft/basis.h"

/* 1 if any species has a model core charge. */
int fu_nlcc_present(const fu_basis *b);
/* rhoc_g[ntot]: coefficients of ρ_c inside the density sphere (G = 0 included). */
void fu_nlcc_density(const fu_basis *b, double complex *rhoc_g);
/* Adds the core terms above, for V̄_xc coefficients vxc_g[ntot], to forces
 * (Ha/bohr) and stress (Ha/bohr³); either may be NULL. */
void fu_nlcc_forces_stress(const fu_basis *b, const double complex *vxc_g, double (*forces)[3],
                           double stress[3][3]);

#endif
