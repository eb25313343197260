/* Pseudopotential core term: the G = 0 limit of the local part, which the
 * local term leaves out (V_loc(0) = 0). With ε_a = lim_{q→0} [v_a(q) + 4πZ_a/q²]
 * (fu_psp_epsatm, ABINIT's epsatm),
 *   E_psp = (N_el/Ω) Σ_a ε_a  (Ha),
 * fixed by the structure: no forces, stress -E_psp/Ω δ_αβ (Ha/bohr³). */
#ifndef FURUI_DFT_PSP_CORE_H
#define FURUI_DFT_PSP_CORE_H

#include "dft/basis.h"

double fu_psp_core_energy(const fu_basis *b);

#endif
