/* The physics of one calculation, independent of cutoff and k-mesh: the
 * structure, its pseudopotentials and electron count, and the nonlocal
 * projectors with their coupling. The functional and the spin are the SCF's
 * (fu_scf_params, scf.c); a basis (basis.h) discretises a model. */
#ifndef FURUI_DFT_MODEL_H
#define FURUI_DFT_MODEL_H

#include "core/error.h"
#include "crystal/structure.h"
#include "dft/params.h"
#include "dft/psp.h"

/* One nonlocal projector p = (atom, l, m, i). */
typedef struct {
    int atom, l, m, i;
} fu_projector;

typedef struct {
    fu_structure s;                 /* own copy */
    fu_psp psp[FU_MAX_SPECIES];     /* by species */
    double *zion;                   /* [natom] valence charge of each atom */
    double nelec;                   /* Σ zion */
    int nproj;
    fu_projector *projs;            /* [nproj] */
    double *dij;                    /* [nproj*nproj] nonlocal coupling h^l_ij (Ha) */
    int *dfirst, *dcount;           /* [nproj] row p of dij is zero outside columns
                                       dfirst[p] .. dfirst[p] + dcount[p] - 1 (its atom, l, m) */
} fu_model;

/* Copies s, reads the pseudopotential of each species from p->pseudo and
 * checks it against the structure (element, Z, l <= 3), sums the valence
 * charges and lists the projectors with their D_ij. Whether a
 * pseudopotential suits the functional is the SCF's check (scf.c). The
 * radial tables of numerical pseudopotentials are extended to a basis's
 * cutoff by the basis (fu_psp_prepare). */
int fu_model_init(fu_model *m, const fu_structure *s, const fu_scf_params *p, fu_err *err);
void fu_model_free(fu_model *m);

#endif
