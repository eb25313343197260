/* Density of states from eigenvalues on a weighted k-mesh (the SCF's
 * irreducible mesh), with Gaussian broadening:
 *   g_s(E) = f Σ_k w_k Σ_n exp(-(E-ε_snk)²/2σ²) / (σ√(2π)),
 * f = 2/nspin (spin degeneracy), Σ_k w_k = 1. Units: states/Ha/cell per
 * channel s (nspin 1: the one channel holds both spins, so ∫g = 2·nband).
 * The integrated DOS is the exact integral of the broadened g,
 *   N_s(E) = f Σ_k w_k Σ_n ½[1 + erf((E-ε)/(σ√2))]  (electrons/cell),
 * so N(E_F) counts electrons to within the Gaussian tails across E_F. */
#ifndef FURUI_PROPS_DOS_H
#define FURUI_PROPS_DOS_H

#include "core/error.h"

/* Default broadening, Ha (0.136 eV): resolves band features on a
 * Monkhorst-Pack mesh of a few k-points per direction. */
#define FU_DOS_SIGMA_DEFAULT 0.005

/* eig: [nspin][nk][nband] Ha; kweight: [nk] (sum 1); energy: [ne] Ha.
 * dos: [nspin][ne] states/Ha/cell; idos (may be NULL): [nspin][ne]
 * electrons/cell. sigma <= 0: FU_DOS_SIGMA_DEFAULT. */
int fu_dos_gaussian(int nspin, int nk, int nband, const double *eig, const double *kweight,
                    double sigma, int ne, const double *energy, double *dos, double *idos,
                    fu_err *err);

/* Total DOS (both channels) at one energy, states/Ha/cell. */
double fu_dos_at(int nspin, int nk, int nband, const double *eig, const double *kweight,
                 double sigma, double energy);

/* A uniform energy grid from min(ε) - 5σ to max(ε) + 5σ with step de
 * (ne points returned through *ne; grid malloc'ed, caller frees). */
int fu_dos_grid(int nspin, int nk, int nband, const double *eig, double sigma, double de,
                double **grid, int *ne, fu_err *err);

#endif
