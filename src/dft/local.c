#include "dft/local.h"

#include "dft/atomic.h"

void fu_local_potential(const fu_basis *b, double complex *vloc_g) {
    fu_atomic_superpose(b, fu_psp_vloc_q, 0, vloc_g);
}

/* E = Ω Σ_G ρ*_G V_G with V_G = v(|G|) S(G)/Ω; the 1/Ω of ρ and V gives -E_loc δ_αβ/Ω */
void fu_local_forces_stress(const fu_basis *b, const double complex *rho_g, double e_loc,
                            double (*forces)[3], double stress[3][3]) {
    fu_atomic_forces_stress(b, rho_g, fu_psp_vloc_q, fu_psp_dvloc_q, forces, stress);
    if (stress)
        for (int al = 0; al < 3; al++) stress[al][al] -= e_loc / b->grid.volume;
}

double fu_psp_core_energy(const fu_basis *b) {
    double eps = 0;
    for (int a = 0; a < b->s.natom; a++) eps += fu_psp_epsatm(&b->psp[b->s.typat[a]]);
    return b->nelec * eps / b->grid.volume;
}
