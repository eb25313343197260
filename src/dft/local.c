#include "dft/local.h"

#include <string.h>

#include "dft/atomic.h"
#include "dft/term.h"

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

/* The term (term.h): V_loc set up once; E_loc = Ω Σ_G ρ*_G V_G of the total density. */
static int local_term_setup(fu_term_ctx *c, double *e, fu_err *err) {
    (void)e;
    (void)err;
    if (!c->slab) {
        fu_local_potential(c->b, c->vloc_g);
        return FU_OK;
    }
    fu_local_potential(c->b, c->box); /* whole, once; this rank keeps its slab */
    memcpy(c->vloc_g, c->box + c->slab->off, sizeof(double complex) * c->slab->nloc);
    return FU_OK;
}

static int local_term_energy(fu_term_ctx *c, const double *rho_r, const double complex *rho_g,
                             double *e, double complex *v_g, double *v_r, fu_err *err) {
    (void)rho_r;
    (void)v_r;
    (void)err;
    const fu_fftgrid *g = &c->b->grid;
    long n = fu_term_np(c);
    double s = 0;
    for (long i = 0; i < n; i++) s += creal(conj(rho_g[i]) * c->vloc_g[i]);
    fu_term_sum(c, &s, 1);
    *e = s * g->volume;
    if (v_g)
        for (long i = 0; i < n; i++) v_g[i] += c->vloc_g[i];
    return FU_OK;
}

static int local_term_forces_stress(fu_term_ctx *c, const double *rho_r,
                                    const double complex *rho_g, double e, double (*forces)[3],
                                    double stress[3][3], fu_err *err) {
    (void)rho_r;
    (void)err;
    /* the structure-factor sums want the whole ρ(G): gathered once per run */
    fu_local_forces_stress(c->b, fu_term_whole(c, rho_g), e, forces, stress);
    return FU_OK;
}

const fu_term fu_local_term = {.id = FU_ENERGY_LOCAL,
                               .kind = FU_TERM_DENSITY,
                               .setup = local_term_setup,
                               .energy = local_term_energy,
                               .forces_stress = local_term_forces_stress};
