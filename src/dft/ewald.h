/* Ewald energy of point ions (charges zion) in a neutralising background. */
#ifndef FURUI_DFT_EWALD_H
#define FURUI_DFT_EWALD_H

#include "core/error.h"

/* lattice rows = lattice vectors (bohr); xred[natom] fractional; charge[natom].
 * energy (Ha). forces_cart [natom][3] (Ha/bohr) and stress (Ha/bohr³,
 * σ_αβ = (1/Ω) ∂E/∂ε_αβ, positive = tensile as ABINIT prints) may be NULL.
 * Converged to machine precision (sums cut where terms < eps). */
int fu_ewald(const double lattice[3][3], int natom, const double (*xred)[3],
             const double *charge, double *energy, double (*forces_cart)[3],
             double stress[3][3], fu_err *err);

/* As fu_ewald with the splitting parameter η (bohr⁻¹) given explicitly
 * (fu_ewald picks η = √π natom^{1/6}/Ω^{1/3}, balancing the two sums). The
 * result does not depend on η to rounding; an η so far off that the sums
 * would need more than ~4e9 terms is refused (FU_EINPUT). For tests. */
int fu_ewald_eta(const double lattice[3][3], int natom, const double (*xred)[3],
                 const double *charge, double eta, double *energy, double (*forces_cart)[3],
                 double stress[3][3], fu_err *err);

#endif
