// labels: physics
/* Relaxation of atomic positions (fu_relax_run, BFGS): diamond Si with one
 * atom displaced by (0.012, 0.007, -0.004) in fractional coordinates (~0.1
 * bohr) relaxes back to the ideal diamond positions. Setup: ABINIT
 * 14si.4.hgh, LDA, ecut 8 Ha, 2x2x2 Γ-centred MP mesh (a mesh without the full point
 * group would itself push the atoms off the ideal sites), a = 5.43 Å, fixed cell.
 * Checks (what each proves):
 *  - converged, with max|f| <= force_tol = 1e-4 Ha/bohr on the final SCF;
 *  - the relative position x2 - x1 is (1/4, 1/4, 1/4) to 1e-4 of the lattice
 *    vectors: with a restoring force constant k ~ 0.3 Ha/bohr² (ideal Si is
 *    the minimum by symmetry), |f| < 1e-4 Ha/bohr means |u| < ~3e-4 bohr
 *    ≈ 3e-5 in fractional units, so 1e-4 is a real bound;
 *  - the energy of every accepted step does not rise by more than the
 *    SCF noise (1e-7 Ha) and the final energy equals that of an SCF at the
 *    ideal structure to 1e-7 Ha (second order in the residual displacement);
 *  - the cell is untouched (positions-only relaxation).
 * Runs in ~3 s on one core. */
#include <math.h>
#include <mpi.h>
#include <string.h>

#include "check.h"
#include "core/units.h"
#include "dft/scf.h"
#include "props/relax.h"

static void make_si(fu_structure *s, double a) {
    fu_err err;
    fu_structure_alloc(s, 2, &err);
    double h = 0.5 * a;
    double lat[3][3] = {{0, h, h}, {h, 0, h}, {h, h, 0}};
    memcpy(s->lattice, lat, sizeof lat);
    s->nspecies = 1;
    strcpy(s->symbol[0], "Si");
    s->znucl[0] = 14;
    for (int c = 0; c < 3; c++) s->xred[1][c] = 0.25;
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    fu_scf_params p;
    fu_scf_params_default(&p);
    strcpy(p.pseudo[0], "abinit:14si.4.hgh");
    p.ecut = 8.0;
    p.kgrid[0] = p.kgrid[1] = p.kgrid[2] = 2;
    p.kshift[0] = p.kshift[1] = p.kshift[2] = 0.0; /* Γ-centred: the mesh keeps the full symmetry */
    p.tol_energy = 1e-10;
    p.tol_density = 1e-9;
    p.verbosity = 0;
    fu_structure s;
    make_si(&s, 5.43 / FU_BOHR_ANGSTROM);
    const double disp[3] = {0.012, 0.007, -0.004};
    for (int c = 0; c < 3; c++) s.xred[1][c] += disp[c];

    fu_relax_opts o;
    fu_relax_opts_default(&o);
    o.max_steps = 40;
    fu_relax_result r;
    fu_err err = {0};
    int rc = fu_relax_run(&s, &p, &o, MPI_COMM_WORLD, &r, &err);
    if (rc) fprintf(stderr, "relax: %s\n", err.msg);
    CHECK(rc == FU_OK && r.converged, "positions-only relaxation converges");
    CHECK(r.max_force <= o.force_tol, "final max|f| below force_tol");
    printf("steps %d, final max|f| %.2e Ha/bohr, E %.10f Ha\n", r.nsteps, r.max_force, r.energy);
    for (int c = 0; c < 3; c++) {
        double d = r.structure.xred[1][c] - r.structure.xred[0][c] - 0.25;
        d -= floor(d + 0.5);
        CHECK_CLOSE(d, 0.0, 1e-4, "x2 - x1 back at (1/4,1/4,1/4) (fractional)");
    }
    double prev = INFINITY;
    for (int i = 0; i < r.nsteps; i++) {
        printf("  step %2d E %.10f max|f| %.3e %s\n", i, r.hist[i].energy, r.hist[i].max_force,
               r.hist[i].accepted ? "" : "rejected");
        if (!r.hist[i].accepted) continue;
        CHECK(r.hist[i].energy <= prev + 1e-7, "accepted steps lower the energy (within SCF noise)");
        prev = r.hist[i].energy;
    }
    CHECK(r.hist[r.nsteps - 1].energy < r.hist[0].energy - 1e-4,
          "the displacement cost energy that the relaxation recovered");
    for (int i = 0; i < 3; i++)
        for (int c = 0; c < 3; c++)
            CHECK_CLOSE(r.structure.lattice[i][c], s.lattice[i][c], 0.0, "cell unchanged");

    /* reference: SCF at the ideal structure on the same (automatic) grid */
    fu_structure ideal;
    make_si(&ideal, 5.43 / FU_BOHR_ANGSTROM);
    fu_scf_result sr;
    fu_scf_params q = p;
    memcpy(q.fft, r.fft, sizeof q.fft);
    rc = fu_scf_run(&ideal, &q, MPI_COMM_WORLD, NULL, &sr, &err);
    CHECK(rc == FU_OK, "reference SCF runs");
    if (!rc) CHECK_CLOSE(r.energy, sr.etotal, 1e-7, "relaxed energy = ideal-structure energy (Ha)");
    fu_scf_result_free(&sr);
    fu_structure_free(&ideal);
    fu_relax_result_free(&r);
    fu_structure_free(&s);
    MPI_Finalize();
    CHECK_DONE();
}
