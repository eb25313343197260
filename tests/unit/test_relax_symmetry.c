// labels: physics
/* Symmetry is kept by the relaxation (fu_relax_run, positions and cell).
 * Zincblende GaAs (ABINIT 31ga.3.hgh + 33as.5.hgh, LDA, ecut 8 Ha, 4x4x4
 * Γ-centred mesh) started 2 % too large: F-43m (216) has no free internal
 * coordinate and only one lattice parameter, so a relaxation that kept the
 * symmetry can change only the cubic lattice constant. Checks:
 *  - converged; space group 216 found by spglib (src/crystal/symmetry.h) in
 *    the relaxed structure with a tight tolerance (1e-8 bohr) and at every
 *    step of the history (the SCF's own spglib call);
 *  - atoms still on their Wyckoff positions 4a (0,0,0) and 4c (1/4,1/4,1/4)
 *    of the primitive cell, to 1e-10 (fractional): the steps are symmetric
 *    to round-off, and the re-symmetrisation removes the rest;
 *  - the cell stays fcc (equal lengths, 60°) to 1e-10 relative, and the
 *    lattice constant moved (the test is not vacuous).
 * A second run with FIRE checks that the alternative minimiser reaches the
 * same lattice constant (to 2e-4 relative: both stop at |σ| < stress_tol).
 * Runs in ~10 s on one core. */
#include <math.h>
#include <mpi.h>
#include <string.h>

#include "check.h"
#include "core/units.h"
#include "crystal/symmetry.h"
#include "dft/scf.h"
#include "props/relax.h"

static double norm3(const double v[3]) { return sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]); }

static void make_gaas(fu_structure *s, double a) {
    fu_err err;
    fu_structure_alloc(s, 2, &err);
    double h = 0.5 * a;
    double lat[3][3] = {{0, h, h}, {h, 0, h}, {h, h, 0}};
    memcpy(s->lattice, lat, sizeof lat);
    s->nspecies = 2;
    strcpy(s->symbol[0], "Ga");
    strcpy(s->symbol[1], "As");
    s->znucl[0] = 31;
    s->znucl[1] = 33;
    s->typat[1] = 1;
    for (int c = 0; c < 3; c++) s->xred[1][c] = 0.25;
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    fu_scf_params p;
    fu_scf_params_default(&p);
    strcpy(p.pseudo[0], "abinit:31ga.3.hgh");
    strcpy(p.pseudo[1], "abinit:33as.5.hgh");
    p.ecut = 8.0;
    p.kgrid[0] = p.kgrid[1] = p.kgrid[2] = 4;
    p.tol_energy = 1e-10;
    p.tol_density = 1e-9;
    p.verbosity = 0;
    double a_start = 1.02 * 5.65 / FU_BOHR_ANGSTROM;
    fu_structure s;
    make_gaas(&s, a_start);

    double a_bfgs = 0;
    for (int alg = 0; alg < 2; alg++) {
        fu_relax_opts o;
        fu_relax_opts_default(&o);
        o.relax_cell = 1;
        o.max_steps = alg == 0 ? 30 : 120;
        o.algorithm = alg == 0 ? FU_RELAX_BFGS : FU_RELAX_FIRE;
        fu_relax_result r;
        fu_err err = {0};
        int rc = fu_relax_run(&s, &p, &o, MPI_COMM_WORLD, &r, &err);
        if (rc) fprintf(stderr, "relax: %s\n", err.msg);
        CHECK(rc == FU_OK && r.converged, "GaAs cell relaxation converges");
        double a = norm3(r.structure.lattice[0]) * sqrt(2.0);
        printf("%s: %d SCFs, a = %.6f bohr, sg %d -> %d, %d symmetry corrections\n",
               alg ? "FIRE" : "BFGS", r.nsteps, a, r.spacegroup_initial, r.spacegroup_final,
               r.resymmetrised);
        if (alg == 0) {
            a_bfgs = a;
            CHECK(fabs(a / a_start - 1) > 5e-3, "the lattice constant changed");
            CHECK(r.spacegroup_initial == 216, "initial space group F-43m");
            for (int i = 0; i < r.nsteps; i++)
                CHECK(r.hist[i].spacegroup_number == 216, "space group kept at every step");
            fu_symmetry sym;
            rc = fu_symmetry_find(&r.structure, 1e-8, &sym, &err);
            CHECK(rc == FU_OK && sym.spacegroup_number == 216 && sym.nsym == 24,
                  "relaxed structure is F-43m at symprec 1e-8 bohr");
            if (!rc) fu_symmetry_free(&sym);
            for (int c = 0; c < 3; c++) {
                double d0 = r.structure.xred[0][c] - floor(r.structure.xred[0][c] + 0.5);
                double d1 = r.structure.xred[1][c] - 0.25;
                d1 -= floor(d1 + 0.5);
                d1 -= d0; /* a common translation is allowed */
                CHECK_CLOSE(d1, 0.0, 1e-10, "As on 4c relative to Ga on 4a (fractional)");
            }
            double l0 = norm3(r.structure.lattice[0]);
            for (int i = 0; i < 3; i++) {
                const double *u = r.structure.lattice[i], *v = r.structure.lattice[(i + 1) % 3];
                CHECK_CLOSE(norm3(u) / l0, 1.0, 1e-10, "fcc: equal lengths");
                CHECK_CLOSE((u[0] * v[0] + u[1] * v[1] + u[2] * v[2]) / (norm3(u) * norm3(v)),
                            0.5, 1e-10, "fcc: 60°");
            }
        } else {
            CHECK_CLOSE(a / a_bfgs, 1.0, 2e-4, "FIRE reaches the BFGS lattice constant");
        }
        fu_relax_result_free(&r);
    }
    fu_structure_free(&s);
    MPI_Finalize();
    CHECK_DONE();
}
