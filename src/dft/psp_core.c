#include "dft/psp_core.h"

#include "dft/term.h"

double fu_psp_core_energy(const fu_basis *b) {
    double eps = 0;
    for (int a = 0; a < b->model.s.natom; a++) eps += fu_psp_epsatm(&b->model.psp[b->model.s.typat[a]]);
    return b->model.nelec * eps / b->grid.volume;
}

/* The term (term.h). */
static int psp_core_term_setup(fu_term_ctx *c, double *e, fu_err *err) {
    (void)err;
    *e = fu_psp_core_energy(c->b);
    return FU_OK;
}

static int psp_core_term_forces_stress(fu_term_ctx *c, const double *rho_r,
                                       const double complex *rho_g, double e,
                                       double (*forces)[3], double stress[3][3], fu_err *err) {
    (void)rho_r;
    (void)rho_g;
    (void)forces;
    (void)err;
    if (stress)
        for (int a = 0; a < 3; a++) stress[a][a] -= e / c->b->grid.volume;
    return FU_OK;
}

const fu_term fu_psp_core_term = {.id = FU_ENERGY_PSP_CORE,
                                  .kind = FU_TERM_STRUCTURE,
                                  .setup = psp_core_term_setup,
                                  .forces_stress = psp_core_term_forces_stress};
