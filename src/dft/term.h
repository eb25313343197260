/* The energy-term interface: what the SCF calls on each term of the total
 * energy (energy.h lists them; each physics file defines its descriptor).
 *
 * A term is one of four kinds, by what its energy depends on:
 *   STRUCTURE   the structure only: energy at set-up (Ewald, psp core)
 *   DENSITY     a functional of the density: energy and potential of ρ
 *               (Hartree, xc, local pseudopotential)
 *   ORBITAL     Σ_k w_k Σ_n f_nk ⟨ψ_nk|T|ψ_nk⟩ (kinetic, nonlocal)
 *   OCCUPATION  -T·S of the occupations (their file computes it)
 * and REPORTED for a number kept beside the terms but not part of E (the band
 * energy). The SCF sums E over every kind but REPORTED, V_eff = Σ V of the
 * DENSITY terms, and the forces and stress over every hook that is set.
 *
 * Densities are [nspin][ntot] on the FFT grid: the total, then for nspin 2
 * the magnetisation ρ↑ - ρ↓ (electrons/bohr³, real space and coefficients).
 * With a slab (fftslab.h; the band ranks of a k-group) every grid array of
 * the ctx and the arguments is instead this rank's slab, [nspin][np] with
 * np = fu_term_np(c) points from linear index fu_term_off(c), and a term's
 * energy, forces and stress are summed over the slab's ranks (every rank
 * gets the whole value); box stays whole.
 * Energies Ha per cell; forces Ha/bohr, Cartesian, [natom][3]; stress
 * Ha/bohr³, σ = (1/Ω) ∂E/∂ε. Forces and stress are added to what is there;
 * either output may be NULL (not asked). */
#ifndef FURUI_DFT_TERM_H
#define FURUI_DFT_TERM_H

#include <complex.h>

#include "core/error.h"
#include "dft/basis.h"
#include "dft/energy.h"
#include "dft/fftslab.h"
#include "dft/xc.h"

typedef enum {
    FU_TERM_STRUCTURE,
    FU_TERM_DENSITY,
    FU_TERM_ORBITAL,
    FU_TERM_OCCUPATION,
    FU_TERM_REPORTED
} fu_term_kind;

/* What the terms see of an SCF run; the SCF allocates the arrays (grid-sized,
 * ntot points) and the terms' set-up fills the ones they keep. */
typedef struct {
    const fu_basis *b;
    int nspin;
    const fu_xc *xc;
    double complex *box;      /* [ntot] scratch any term may overwrite */
    double complex *vloc_g;   /* local: V_loc(G), set up once */
    /* xc with a model core charge (nlcc.h; NULL without): ρ_c, set up once,
     * and nspin 1 scratch for ρ + ρ_c */
    double *rhoc_r, *tot_r;
    double complex *rhoc_g, *tot_g;
    double *ud_r;             /* nspin 2: [2][ntot] ρ↑, ρ↓ scratch for xc */
    double complex *ud_g;     /* nspin 2: [2][ntot] their coefficients */
    double *vxc_r;            /* [nspin][ntot] V_xc,σ of the last xc evaluation, Ha */
    const fu_fftslab *slab;   /* NULL: grid arrays whole; else slabs (above) */
} fu_term_ctx;

/* Points and first linear index of the ctx's grid arrays (whole or slab). */
static inline long fu_term_np(const fu_term_ctx *c) {
    return c->slab ? c->slab->nloc : c->b->grid.ntot;
}
static inline long fu_term_off(const fu_term_ctx *c) { return c->slab ? c->slab->off : 0; }
/* x[n] summed over the slab's ranks (nothing without a slab). */
static inline void fu_term_sum(const fu_term_ctx *c, double *x, int n) {
    if (c->slab) MPI_Allreduce(MPI_IN_PLACE, x, n, MPI_DOUBLE, MPI_SUM, c->slab->comm);
}
/* The whole coefficients of a grid array f_g (slab or whole) on every rank:
 * f_g itself without a slab, else gathered into c->box. */
static inline const double complex *fu_term_whole(fu_term_ctx *c, const double complex *f_g) {
    if (!c->slab) return f_g;
    fu_fftslab_gather(c->slab, f_g, c->box);
    return c->box;
}

typedef struct {
    fu_energy_term id; /* its slot in fu_energy_terms[] and fu_scf_result.energy[] */
    fu_term_kind kind;
    /* Once per SCF, before the first density: what the term keeps in c; a
     * STRUCTURE term returns its energy in *e. May be NULL. */
    int (*setup)(fu_term_ctx *c, double *e, fu_err *err);
    /* DENSITY: E[ρ]; if v_g is not NULL adds the spin-independent part of V
     * to its coefficients v_g[ntot], if v_r is not NULL adds V_σ in real
     * space to v_r[nspin][ntot] (↑ then ↓). */
    int (*energy)(fu_term_ctx *c, const double *rho_r, const double complex *rho_g, double *e,
                  double complex *v_g, double *v_r, fu_err *err);
    /* ORBITAL: Σ_n occ_n ⟨ψ_n|T|ψ_n⟩ of nband orbitals psi[nband][npw] of one
     * k-block (k weight not applied). */
    double (*orbital_energy)(const fu_term_ctx *c, const fu_kblock *kb, int nband,
                             const double complex *psi, const double *occ);
    /* STRUCTURE, DENSITY: forces and stress at the density ρ (the converged
     * output density), e the term's energy there. */
    int (*forces_stress)(fu_term_ctx *c, const double *rho_r, const double complex *rho_g,
                         double e, double (*forces)[3], double stress[3][3], fu_err *err);
    /* ORBITAL: weight × forces and stress of one k-block. */
    int (*orbital_forces_stress)(const fu_term_ctx *c, const fu_kblock *kb, int nband,
                                 const double complex *psi, const double *occ, double weight,
                                 double (*forces)[3], double stress[3][3], fu_err *err);
} fu_term;

/* Each physics file's descriptor (named in FU_ENERGY_TERMS). */
#define FU_TERM_DECLARE_(id, name, label, term) extern const fu_term term;
FU_ENERGY_TERMS(FU_TERM_DECLARE_)
#undef FU_TERM_DECLARE_

/* [FU_ENERGY_NTERMS], in the order of fu_energy_term */
extern const fu_term *const fu_terms[];

/* 1 if the term is part of the total energy (every kind but REPORTED). */
int fu_term_in_total(const fu_term *t);

#endif
