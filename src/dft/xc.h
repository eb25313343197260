/* Exchange-correlation through libxc (LDA and GGA, unpolarised or collinear spin). */
#ifndef FURUI_DFT_XC_H
#define FURUI_DFT_XC_H

#include <mpi.h>
#include <xc.h>

#include "dft/fftgrid.h"
#include "dft/fftslab.h"

#define FU_XC_MAXFUNC 3

typedef struct {
    int nfunc;
    xc_func_type func[FU_XC_MAXFUNC];
    int gga;                /* 1 if any component needs ∇ρ */
    char family[16];        /* "LDA" or "GGA" */
    char label[16];         /* what a pseudopotential made for it calls it: "LDA", "PBE", ... */
    char names[256];        /* libxc names, '+'-joined, for provenance */
    int nspin;              /* 1: XC_UNPOLARIZED, 2: XC_POLARIZED functionals */
    const fu_fftslab *slab; /* fu_xc_use_slab: grid arrays are slabs (NULL: whole) */
} fu_xc;

/* From now on fu_xc_eval and fu_xc_eval_spin take and return this rank's
 * slab of every grid array ([nspin][slab->nloc], fftslab.h): gradients and
 * the GGA divergence by slab FFTs, energy and stress summed over the slab's
 * ranks (the same on each). NULL: whole. */
void fu_xc_use_slab(fu_xc *xc, const fu_fftslab *slab);

/* spec: "lda" (= XC_LDA_XC_TETER93, ABINIT ixc 1), "pbe" (XC_GGA_X_PBE +
 * XC_GGA_C_PBE), or libxc names/ids joined by '+' ("lda_x+lda_c_pw",
 * "XC_GGA_X_PBE_SOL+XC_GGA_C_PBE_SOL", "1+12"). Only LDA and GGA families. */
int fu_xc_init(fu_xc *xc, const char *spec, fu_err *err);
/* fu_xc_init for nspin 1 (unpolarised) or 2 (libxc XC_POLARIZED). */
int fu_xc_init_nspin(fu_xc *xc, const char *spec, int nspin, fu_err *err);
void fu_xc_free(fu_xc *xc);

/* From the density rho_r[ntot] (e/bohr³, real) and its coefficients rho_g:
 * E_xc (Ha), V_xc(r) into vxc_r[ntot], and if stress != NULL the xc stress
 * (added, Ha/bohr³). Densities below 1e-14 are raised to it (ABINIT's
 * xc_denpos) so that libxc never sees a negative density. */
int fu_xc_eval(const fu_xc *xc, const fu_fftgrid *g, const double *rho_r,
               const double complex *rho_g, double *exc, double *vxc_r, double stress[3][3],
               fu_err *err);

/* Collinear spin (xc initialised with nspin 2): rho_r[2*ntot] and rho_g[2*ntot]
 * hold ρ↑ then ρ↓ (real space and coefficients); returns E_xc, V_xc↑ and V_xc↓
 * in vxc_r[2*ntot] and, if stress != NULL, adds the xc stress. Each channel is
 * raised to half the unpolarised floor, so ρ↑ = ρ↓ = ρ/2 reproduces
 * fu_xc_eval to rounding. */
int fu_xc_eval_spin(const fu_xc *xc, const fu_fftgrid *g, const double *rho_r,
                    const double complex *rho_g, double *exc, double *vxc_r,
                    double stress[3][3], fu_err *err);

#endif
