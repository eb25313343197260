#include "dft/params.h"

#include <string.h>

/* Every value here is documented in input/README.md; keep the two in step. */
void fu_scf_params_default(fu_scf_params *p) {
    memset(p, 0, sizeof *p);
    strcpy(p->xc, "lda");
    p->ecut = 0.0; /* no sensible default: the input must give it */
    for (int i = 0; i < 3; i++) {
        p->kgrid[i] = 1;
        p->kshift[i] = 0.0;
        p->fft[i] = 0; /* automatic */
    }
    p->nband = 0; /* automatic */
    p->smearing = FU_SMEAR_NONE;
    p->smearing_order = 1;   /* Methfessel-Paxton first order, as ABINIT occopt 6 */
    p->tsmear = 0.01;        /* Ha; used when a smearing kind is given without width */
    p->use_symmetry = 1;
    p->time_reversal = 1;
    p->symprec = 1e-5;       /* bohr */
    p->max_iterations = 100;
    p->tol_energy = 1e-9;    /* Ha per cell */
    p->tol_density = 1e-7;
    p->mixing_damping = 1.0; /* with Anderson + Kerker: fewest steps on the ABINIT set */
    p->mixing_history = 8;
    /* Negative = automatic: 0.5 bohr⁻¹ (see scf.c); 0 switches Kerker off. */
    p->kerker_k0 = -1.0;
    p->compute_forces = 1;
    p->compute_stress = 1;
    p->verbosity = 1;
    p->nspin = 1;
    for (int i = 0; i < FU_MAX_SPECIES; i++) p->spin_moment[i] = 0.0; /* μB */
}
