/* Numerical pseudopotentials on a radial grid (ONCVPSP psp8, UPF): the
 * functions of r as read, and their Fourier-Bessel transforms tabulated on a
 * uniform q grid. fu_psp (psp.h) evaluates them through the fu_psp_radial_*
 * calls below; nothing else needs this header.
 *
 * Transforms, all continuous over R³ without 1/Ω (psp.h):
 *   local      v(q) = 4π ∫ r² V(r) j0(qr) dr. V → -Z/r is split as
 *              V_sr(r) = V(r) + Z erf(r)/r, smooth and even in r, so
 *              v(q) = w(q) - 4πZ e^{-q²/4}/q², w(q) = 4π ∫ r² V_sr j0(qr) dr,
 *              and ε = lim [v + 4πZ/q²] = w(0) + πZ.
 *   projector  f_i(q)/q^l = 4π ∫ r^{l+1} u_i(r) [j_l(qr)/(qr)^l] dr, u_i = r β_i
 *   densities  ρ̃(q) = 4π ∫ r² ρ(r) j0(qr) dr (model core, atomic valence)
 * Every integrand is smooth and even in r (ONCV functions carry the parity of
 * r^l), so on a uniform grid from r = 0 the trapezoidal rule converges
 * faster than any power of the spacing; other grids use Simpson's rule with
 * the file's dr/di. The tables are read back by 6-point Lagrange
 * interpolation (each function is even in q, which gives the points below
 * q = 0): error ~ dq⁶ f⁽⁶⁾, below 1e-10 of the values at dq = 0.02 bohr⁻¹. */
#ifndef FURUI_DFT_PSP_RADIAL_H
#define FURUI_DFT_PSP_RADIAL_H

#include "core/error.h"
#include "dft/psp.h"

#define FU_PSP_RADIAL_MAXBETA (FU_PSP_MAXL * FU_PSP_MAXPROJ)
#define FU_PSP_RADIAL_DQ 0.02 /* bohr⁻¹, spacing of the q tables */

typedef struct fu_psp_radial {
    int nr;                 /* grid points */
    double *r;              /* [nr] bohr, increasing, r[0] >= 0 */
    double *w;              /* [nr] quadrature weights (bohr) */
    double zion;
    double *vloc;           /* [nr] V_loc(r) (Ha) */
    int nbeta;
    int beta_l[FU_PSP_RADIAL_MAXBETA];
    int beta_of[FU_PSP_MAXL][FU_PSP_MAXPROJ]; /* index of projector i of channel l */
    double *beta[FU_PSP_RADIAL_MAXBETA];      /* [nr] u = r β(r) (bohr^-1/2) */
    double *rhoc;           /* [nr] model core charge ρ_c(r) (e/bohr³), or NULL */
    double *rhov;           /* [nr] atomic valence density (e/bohr³), or NULL */
    /* q tables: point k is q = k dq, k = 0..nq-1 */
    int nq;
    double dq;
    double *t_vsr;          /* [nq] w(q) */
    double *t_beta[FU_PSP_RADIAL_MAXBETA]; /* [nq] f_i(q)/q^l */
    double *t_core, *t_val; /* [nq] or NULL */
} fu_psp_radial;

/* A zeroed object with arrays for nr points (beta, rhoc, rhov: allocated
 * by the caller through fu_psp_radial_array). NULL when out of memory. */
fu_psp_radial *fu_psp_radial_new(int nr);
double *fu_psp_radial_array(fu_psp_radial *rad); /* one more [nr] array, owned by rad */
void fu_psp_radial_free(fu_psp_radial *rad);

/* After the arrays are filled: checks the grid (strictly increasing, finite)
 * and values (finite), sets the weights (rab: dr/di per point, or NULL for a
 * uniform grid from 0) and tabulates up to qmax. `origin` names the file in
 * messages. */
int fu_psp_radial_finish(fu_psp_radial *rad, const double *rab, double qmax, const char *origin,
                         fu_err *err);
/* Extends the tables to qmax (no-op if they reach it). */
int fu_psp_radial_tabulate(fu_psp_radial *rad, double qmax, fu_err *err);

double fu_psp_radial_vloc_q(const fu_psp_radial *rad, double q);
double fu_psp_radial_dvloc_q(const fu_psp_radial *rad, double q);
double fu_psp_radial_epsatm(const fu_psp_radial *rad);
double fu_psp_radial_vloc_r(const fu_psp_radial *rad, double r);
double fu_psp_radial_proj_q(const fu_psp_radial *rad, int l, int i, double q);
double fu_psp_radial_dproj_q(const fu_psp_radial *rad, int l, int i, double q);
double fu_psp_radial_rhocore_q(const fu_psp_radial *rad, double q);
double fu_psp_radial_drhocore_q(const fu_psp_radial *rad, double q);
double fu_psp_radial_rhoval_q(const fu_psp_radial *rad, double q);

#endif
