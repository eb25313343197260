#include "dft/nlcc.h"

#include "dft/atomic.h"

int fu_nlcc_present(const fu_basis *b) {
    for (int sp = 0; sp < b->model.s.nspecies; sp++)
        if (b->model.psp[sp].has_core) return 1;
    return 0;
}

void fu_nlcc_density(const fu_basis *b, double complex *rhoc_g) {
    fu_atomic_superpose(b, fu_psp_rhocore_q, 1, rhoc_g);
}

/* E_xc's core part varies as Ω Σ_G V̄*_xc(G) δρ_c(G); the 1/Ω of ρ_c enters
 * the xc stress's diagonal through the total density (nlcc.h) */
void fu_nlcc_forces_stress(const fu_basis *b, const double complex *vxc_g, double (*forces)[3],
                           double stress[3][3]) {
    fu_atomic_forces_stress(b, vxc_g, fu_psp_rhocore_q, fu_psp_drhocore_q, forces, stress);
}
