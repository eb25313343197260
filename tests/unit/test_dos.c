// labels: physics
/* Gaussian-broadened DOS:
 *  - one flat band (the same eigenvalue at every k) gives exactly the
 *    analytic Gaussian f/(σ√2π) exp(-(E-ε)²/2σ²), and its integrated DOS the
 *    analytic error function (to 1e-12: the formula, not a fit);
 *  - the trapezoid integral of g(E) equals the analytic integrated DOS to
 *    1e-4 electrons (grid step σ/20, the trapezoid's O(h²) error): g and N
 *    are consistent;
 *  - Al (fcc, Gaussian smearing of width t): the SCF occupations are
 *    ½erfc((ε-E_F)/t) per state, so the DOS broadened with σ = t/√2 integrates to exactly
 *    N_el at E_F (1e-8 electrons: the SCF's Fermi-level precision), and the
 *    metal has g(E_F) > 0 (> 1 state/Ha/cell, free electrons give ~4.5);
 *  - Si: with E_F mid-gap and σ = 2 mHa (mid-gap is > 4.5σ from both
 *    edges), N(E_F) = 8 electrons to 1e-4 (Gaussian tails across
 *    E_F are below 1e-5) and g(E_F) < 1e-3 states/Ha/cell (an insulator). */
#include <math.h>
#include <mpi.h>
#include <string.h>

#include "check.h"
#include "core/units.h"
#include "dft/scf.h"
#include "props/bands.h"
#include "props/dos.h"

static int scf(const char *el, int z, const char *psp, double a, int natom, double ecut, int kg,
               fu_smearing sm, double tsmear, fu_scf_result *r) {
    fu_err err = {0};
    fu_structure s;
    fu_structure_alloc(&s, natom, &err);
    double lat[3][3] = {{0, a, a}, {a, 0, a}, {a, a, 0}};
    memcpy(s.lattice, lat, sizeof lat);
    s.nspecies = 1;
    strcpy(s.symbol[0], el);
    s.znucl[0] = z;
    if (natom == 2)
        for (int c = 0; c < 3; c++) s.xred[1][c] = 0.25;
    fu_scf_params p;
    fu_scf_params_default(&p);
    strcpy(p.pseudo[0], psp);
    p.ecut = ecut;
    p.kgrid[0] = p.kgrid[1] = p.kgrid[2] = kg;
    p.smearing = sm;
    p.tsmear = tsmear;
    p.tol_energy = 1e-11;
    p.tol_density = 1e-9;
    p.verbosity = 0;
    int rc = fu_scf_run(&s, &p, MPI_COMM_WORLD, NULL, r, &err);
    if (rc) fprintf(stderr, "SCF %s: %s\n", el, err.msg);
    fu_structure_free(&s);
    return rc;
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    fu_err err = {0};
    /* flat band */
    {
        const double w[3] = {0.2, 0.3, 0.5}, e[3] = {0.1, 0.1, 0.1}, sg = 0.01;
        double E[5] = {0.1, 0.09, 0.125, 0.07, 0.2}, g[5], n[5];
        CHECK(fu_dos_gaussian(1, 3, 1, e, w, sg, 5, E, g, n, &err) == 0, "dos runs");
        for (int i = 0; i < 5; i++) {
            double x = (E[i] - 0.1) / sg;
            CHECK_CLOSE(g[i], 2 * exp(-0.5 * x * x) / (sg * sqrt(2 * FU_PI)), 1e-12,
                        "flat band: analytic Gaussian (nspin 1: 2 states per band)");
            CHECK_CLOSE(n[i], 1 + erf(x / sqrt(2.0)), 1e-12, "flat band: analytic erf");
        }
        double e2[2] = {0.1, 0.3}, w1 = 1.0, g2[2];
        fu_dos_gaussian(2, 1, 1, e2, &w1, sg, 1, &E[0], g2, NULL, &err);
        CHECK_CLOSE(g2[0], 1 / (sg * sqrt(2 * FU_PI)), 1e-12, "nspin 2: one state per channel band");
        CHECK_CLOSE(g2[1], 0, 1e-12, "nspin 2: the other channel is far away");
    }
    /* Al */
    fu_scf_result r;
    /* furui's (ABINIT's) Gaussian smearing of width t is exp(-x²)/√π with
     * x = (ε-E_F)/t, i.e. our Gaussian with σ = t/√2 */
    const double tsmear = 0.01, sigma_al = tsmear / sqrt(2.0);
    if (scf("Al", 13, "abinit:13al.3.hgh", 3.8175, 1, 6.0, 6, FU_SMEAR_GAUSSIAN, tsmear, &r) == 0) {
        double *grid;
        int ne;
        CHECK(fu_dos_grid(1, r.nk, r.nband, r.eig, sigma_al, sigma_al / 20, &grid, &ne, &err) == 0,
              "grid");
        double *g = malloc(sizeof(double) * ne), *n = malloc(sizeof(double) * ne);
        fu_dos_gaussian(1, r.nk, r.nband, r.eig, r.kweight, sigma_al, ne, grid, g, n, &err);
        double trap = n[0], maxd = 0; /* the grid starts 5σ below the lowest band */
        for (int i = 1; i < ne; i++) {
            trap += 0.5 * (g[i] + g[i - 1]) * (grid[i] - grid[i - 1]);
            maxd = fmax(maxd, fabs(trap - n[i]));
        }
        CHECK_CLOSE(maxd, 0, 1e-4, "trapezoid (step σ/20, O(h²) error) ∫g = analytic N(E) everywhere");
        double nf, gf;
        fu_dos_gaussian(1, r.nk, r.nband, r.eig, r.kweight, sigma_al, 1, &r.efermi, &gf, &nf, &err);
        printf("Al: E_F %.6f Ha, N(E_F) %.10f (N_el %g), g(E_F) %.4f states/Ha/cell\n", r.efermi,
               nf, r.nelec, gf);
        CHECK_CLOSE(nf, r.nelec, 1e-8, "Al: N(E_F) = N_el with the SCF's Gaussian width");
        CHECK(gf > 1.0, "Al: metal, g(E_F) > 0");
        int nocc[2], partial;
        fu_bands_occupied(1, r.nk, r.nband, r.occ, r.kweight, nocc, &partial);
        fu_eigset set = {r.nk, r.nband, (const double(*)[3])r.kred, r.eig, NULL};
        fu_gap_info gi;
        fu_band_gap(1, nocc, 1, &set, partial, &gi, &err);
        CHECK(gi.metal && gi.gap == 0, "Al: metal, gap 0");
        free(grid);
        free(g);
        free(n);
        fu_scf_result_free(&r);
    } else {
        CHECK(0, "Al SCF");
    }
    /* Si */
    if (scf("Si", 14, "abinit:14si.4.hgh", 5.1315, 2, 6.0, 4, FU_SMEAR_NONE, 0, &r) == 0) {
        int nocc[2], partial;
        fu_bands_occupied(1, r.nk, r.nband, r.occ, r.kweight, nocc, &partial);
        CHECK(nocc[0] == 4 && !partial, "Si: 4 occupied bands");
        fu_eigset set = {r.nk, r.nband, (const double(*)[3])r.kred, r.eig, NULL};
        fu_gap_info gi;
        fu_band_gap(1, nocc, 1, &set, 0, &gi, &err);
        double mid = 0.5 * (gi.vbm + gi.cbm), sg = 0.002, nf, gf;
        fu_dos_gaussian(1, r.nk, r.nband, r.eig, r.kweight, sg, 1, &mid, &gf, &nf, &err);
        printf("Si: mesh gap %.4f eV, N(mid-gap) %.8f, g(mid-gap) %.2e states/Ha/cell\n",
               gi.gap * FU_HA_EV, nf, gf);
        CHECK(gi.gap > 9 * sg, "Si: the gap is > 4.5σ from mid-gap to each edge");
        CHECK_CLOSE(nf, 8.0, 1e-4, "Si: N(E_F) = 8 electrons");
        CHECK(gf < 1e-3, "Si: g(E_F) ~ 0");
        CHECK_CLOSE(fu_dos_at(1, r.nk, r.nband, r.eig, r.kweight, sg, mid), gf, 1e-15, "fu_dos_at");
        fu_scf_result_free(&r);
    } else {
        CHECK(0, "Si SCF");
    }
    MPI_Finalize();
    CHECK_DONE();
}
