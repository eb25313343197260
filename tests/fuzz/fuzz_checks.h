/* Contract checks on parsed structures and SCF parameters, shared by the
 * scf input, sweep and POSCAR harnesses. */
#ifndef FURUI_TESTS_FUZZ_CHECKS_H
#define FURUI_TESTS_FUZZ_CHECKS_H

#include "fuzz_common.h"

#include "crystal/structure.h"
#include "dft/params.h"

static inline void fz_check_structure(const fu_structure *s, int allow_empty) {
    fz_check_finite_n(&s->lattice[0][0], 9, "lattice");
    if (s->natom < 0 || (s->natom == 0 && !allow_empty)) fz_die("structure without atoms", NULL);
    if (s->natom > 0 && (!s->xred || !s->typat)) fz_die("structure arrays missing", NULL);
    if (s->nspecies < 0 || s->nspecies > FU_MAX_SPECIES) fz_die("nspecies out of range", NULL);
    for (int a = 0; a < s->natom; a++) {
        fz_check_finite_n(s->xred[a], 3, "xred");
        if (s->typat[a] < 0 || s->typat[a] >= s->nspecies) fz_die("typat out of range", NULL);
    }
    for (int k = 0; k < s->nspecies; k++) {
        if (!memchr(s->symbol[k], '\0', FU_SYMBOL_LEN)) fz_die("symbol not terminated", NULL);
        if (s->znucl[k] < 0 || s->znucl[k] > 200) fz_die("znucl out of range", NULL);
    }
}

static inline void fz_check_params(const fu_scf_params *p) {
    fz_check_finite(p->ecut, "ecut");
    if (!(p->ecut > 0)) fz_die("ecut not positive", NULL);
    fz_check_finite_n(p->kshift, 3, "kshift");
    fz_check_finite(p->tsmear, "tsmear");
    fz_check_finite(p->symprec, "symprec");
    fz_check_finite(p->tol_energy, "tol_energy");
    fz_check_finite(p->tol_density, "tol_density");
    fz_check_finite(p->mixing_damping, "mixing_damping");
    fz_check_finite(p->kerker_k0, "kerker_k0");
    for (int k = 0; k < 3; k++)
        if (p->kgrid[k] < 1 || p->fft[k] < 0) fz_die("kgrid/fft out of range", NULL);
    if (!memchr(p->xc, '\0', sizeof p->xc)) fz_die("xc not terminated", NULL);
    for (int k = 0; k < FU_MAX_SPECIES; k++)
        if (!memchr(p->pseudo[k], '\0', FU_SPEC_LEN)) fz_die("pseudo spec not terminated", NULL);
}

#endif
