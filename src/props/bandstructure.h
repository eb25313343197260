/* Band structure along the high-symmetry path of a crystal from a converged
 * SCF: the Setyawan-Curtarolo path of the lattice (crystal/kpath.h), the
 * non-self-consistent eigenvalues on it from the SCF's effective potential
 * (dft/nscf.h), and the gap analysis over the SCF mesh and the path together
 * (props/bands.h). Used by `furui bands` and by the screening farm
 * (`properties: {bands: ...}`). Energies in Ha, k-points reduced. */
#ifndef FURUI_PROPS_BANDSTRUCTURE_H
#define FURUI_PROPS_BANDSTRUCTURE_H

#include <mpi.h>

#include "core/error.h"
#include "crystal/kpath.h"
#include "crystal/structure.h"
#include "dft/nscf.h"
#include "dft/params.h"
#include "dft/scf.h"
#include "props/bands.h"

#define FU_BANDS_DENSITY_DEFAULT 20.0 /* path points per bohr⁻¹ */

typedef struct {
    fu_kpath kp;              /* the path (labels, segments) */
    fu_kpath_samples sm;      /* its sampled k-points */
    int nspin, nband;         /* bands computed on the path (the SCF's count) */
    double *eig;              /* [nspin][sm.n][nband] Ha */
    fu_nscf_stats stats;
    int nocc[2], partial;     /* occupied bands per channel; 1: partial filling (metal) */
    fu_gap_info gap;          /* over the SCF mesh and the path */
} fu_bandstructure;

/* r must come from fu_scf_run_opts with keep_fields (veff_r) on the same s
 * and p; density: path points per bohr⁻¹ (<= 0: the default). Collective
 * over comm; every rank gets the full result. Free with
 * fu_bandstructure_free whatever the return. */
int fu_bandstructure_run(const fu_structure *s, const fu_scf_params *p, const fu_scf_result *r,
                         double density, MPI_Comm comm, fu_bandstructure *b, fu_err *err);
void fu_bandstructure_free(fu_bandstructure *b);

#endif
