/* Density mixing: Anderson (Pulay) acceleration of the preconditioned
 * residual P(ρ_out - ρ_in), with a Kerker preconditioner
 * P(G) = G²/(G² + k0²) for metals (k0 = 0: plain). */
#ifndef FURUI_DFT_MIXING_H
#define FURUI_DFT_MIXING_H

#include <mpi.h>

#include "dft/fftgrid.h"
#include "dft/fftslab.h"

typedef struct {
    int n;               /* vector length (nspin*ntot complex numbers) */
    int history;         /* maximum stored pairs */
    int count;           /* stored pairs */
    int head;            /* ring position of the next pair */
    double damping;      /* α */
    double *precond;     /* [cnt] P(G) of this rank's points */
    double complex *x;   /* [history][cnt] past inputs (this rank's points) */
    double complex *f;   /* [history][cnt] past preconditioned residuals */
    /* Split over the ranks of comm (fu_mixer_use_slab; else one rank, the
     * whole vector): each holds cnt elements, its slabs of the channels, and
     * the dot products are summed over the ranks. */
    MPI_Comm comm;       /* MPI_COMM_NULL: not split */
    int cnt;
    int slab;            /* 1: split (fu_mixer_use_slab) */
} fu_mixer;

int fu_mixer_init(fu_mixer *m, const fu_fftgrid *g, int history, double damping, double kerker_k0,
                  fu_err *err);
/* Collinear spin: vectors of nspin*ntot coefficients, the total density
 * first (Kerker-preconditioned) and then the magnetisation ρ↑ - ρ↓, which is
 * not preconditioned: it carries no net charge, so no long-wavelength
 * Coulomb sloshing to damp (as DFTK's KerkerMixing). nspin 1 = fu_mixer_init. */
int fu_mixer_init_spin(fu_mixer *m, const fu_fftgrid *g, int nspin, int history, double damping,
                       double kerker_k0, fu_err *err);
/* Splits the mixer of fu_mixer_init_spin (before its first step) over the
 * slab's ranks: the densities given to fu_mixer_next are this rank's slabs
 * of each channel ([nspin][sl->nloc], fftslab.h) and so is rho_next; the
 * history, 2 × history × nspin × ntot complex numbers (the largest grid
 * array), and the mixing work shrink by the rank count, and the dot
 * products are summed over the ranks (the same β on each). Collective in
 * fu_mixer_next. */
int fu_mixer_use_slab(fu_mixer *m, const fu_fftslab *sl, fu_err *err);
void fu_mixer_free(fu_mixer *m);
/* Forgets the history (after a restart of the SCF). */
void fu_mixer_reset(fu_mixer *m);
/* rho_next from the current input and output densities (coefficients, cnt
 * each: whole, or split this rank's slabs). Collective over the ranks of a
 * split mixer. */
int fu_mixer_next(fu_mixer *m, const double complex *rho_in, const double complex *rho_out,
                  double complex *rho_next, fu_err *err);

#endif
