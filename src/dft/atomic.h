/* Fields that are sums of atom-centred spherical functions, f(G) = (1/Ω)
 * Σ_a φ_a(|G|) e^{-iG·R_a} with φ a form factor of the atom's
 * pseudopotential (the local potential, the model core charge), and the
 * forces and stress of an energy E = Ω Σ_G c*(G) f(G) that is linear in f:
 *   F_a = Σ_G Re[i G c*(G) φ_a(|G|) e^{-iG·R_a}]
 *   σ_αβ += -(1/Ω) Σ_G Re[c*(G) Σ_a φ'_a(|G|) e^{-iG·R_a}] G_α G_β/|G|
 * (the strain derivative of φ(|G|) at fixed reduced positions; terms from
 * the 1/Ω of f and of c are the caller's). G = 0 is left out of both. */
#ifndef FURUI_DFT_ATOMIC_H
#define FURUI_DFT_ATOMIC_H

#include "dft/basis.h"

typedef double (*fu_atomic_form)(const fu_psp *psp, double q);

/* f[ntot] over the density sphere (G = 0 included if with_g0, else 0). */
void fu_atomic_superpose(const fu_basis *b, fu_atomic_form phi, int with_g0, double complex *f);
/* Adds the forces and stress above for coefficients c[ntot]; either output may be NULL. */
void fu_atomic_forces_stress(const fu_basis *b, const double complex *c, fu_atomic_form phi,
                             fu_atomic_form dphi, double (*forces)[3], double stress[3][3]);

#endif
