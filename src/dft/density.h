/* Electron density: from orbitals, symmetrised, and the starting guess. */
#ifndef FURUI_DFT_DENSITY_H
#define FURUI_DFT_DENSITY_H

#include "dft/basis.h"

/* rho_r[ntot] += weight Σ_n occ_n |ψ_n(r)|² (e/bohr³). box is FFT scratch
 * (ntot, FFTW-aligned). */
void fu_density_add(const fu_basis *b, const fu_kblock *kb, int nband, const double complex *psi,
                    const double *occ, double weight, double *rho_r, double complex *box);
/* Symmetrises coefficients rho_g[ntot] with the basis' space group:
 * ρ(m) <- (1/N_S) Σ_S ρ(R_S^{-T} m) e^{2πi (R_S^{-T} m)·t_S}, evaluated as the average
 * over the pure translations (a factor per m) and then over one operation per
 * rotation (b->symmap). tmp[ntot] scratch. */
void fu_density_symmetrize(const fu_basis *b, double complex *rho_g, double complex *tmp);
/* The same for the np coefficients from linear index off only (a slab):
 * rho_g[ntot] whole (overwritten where a pure translation forbids a
 * coefficient), out[np] the symmetrised ones. Each output needs the images
 * of its G under the rotations, anywhere in the box, so the band ranks
 * gather the whole ρ(G) first (scf.c). */
void fu_density_symmetrize_part(const fu_basis *b, double complex *rho_g, long off, long np,
                                double complex *out);
/* Splits the group into translations and rotations, and tabulates the images
 * when they fit in memory, into b->symmap (called by fu_basis_init). */
int fu_density_symmap_init(fu_basis *b, fu_err *err);
void fu_density_symmap_free(fu_symmap *m);

/* Superposition of Gaussian atomic charges Z_ion exp(-G² L²/4)... normalised
 * to N_el, L from the pseudopotential radius (see density.c). */
void fu_density_guess(const fu_basis *b, double complex *rho_g);
/* Starting magnetisation ρ↑ - ρ↓ for collinear spin: the same Gaussians as
 * fu_density_guess with moment[species] (μB) in place of Z_ion, i.e. each
 * atom's charge split (Z+μ)/2 up, (Z-μ)/2 down, as ABINIT's spinat does for its
 * atomic starting density. With |μ| <= Z_ion both channels stay >= 0. */
void fu_density_guess_magnetization(const fu_basis *b, const double *moment, double complex *m_g);

#endif
