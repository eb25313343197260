// labels: physics
/* Consistency of the SCF engine without any peer code:
 *  - forces equal minus the central finite difference of the SCF total energy
 *    (proves the Hellmann-Feynman force terms: local, nonlocal, Ewald);
 *  - stress equals (1/Ω) dE/dε by finite differences of strained cells with
 *    the plane-wave set held fixed (shear; isotropic with Ecut scaled), which
 *    proves every stress term including the cell-dependence of projectors;
 *  - the energy is invariant under a rigid translation of all atoms, under a
 *    rigid rotation of the whole crystal (projectors' angular parts), and
 *    under a space-group operation applied to the atoms (GaAs, no inversion);
 *  - the irreducible k-set with symmetrised density gives the full-mesh energy,
 *    also in a supercell (pure translations among the operations).
 * Small cutoffs keep it fast; the identities hold at any cutoff. */
#include <complex.h>
#include <math.h>
#include <mpi.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/units.h"
#include "crystal/elements.h"
#include "crystal/structure.h"
#include "crystal/symmetry.h"
#include "dft/basis.h"
#include "dft/density.h"
#include "dft/scf.h"

static void make_si(fu_structure *s, const double d[3]) {
    fu_err err;
    fu_structure_alloc(s, 2, &err);
    const double a = 5.1315;
    double lat[3][3] = {{0, a, a}, {a, 0, a}, {a, a, 0}};
    memcpy(s->lattice, lat, sizeof lat);
    s->nspecies = 1;
    strcpy(s->symbol[0], "Si");
    s->znucl[0] = 14;
    s->typat[0] = s->typat[1] = 0;
    for (int c = 0; c < 3; c++) {
        s->xred[0][c] = 0.0;
        s->xred[1][c] = 0.25 + d[c];
    }
}

static void params(fu_scf_params *p) {
    fu_scf_params_default(p);
    strcpy(p->pseudo[0], "abinit:14si.4.hgh");
    p->ecut = 8.0;
    p->kgrid[0] = p->kgrid[1] = p->kgrid[2] = 2;
    p->nband = 6;
    p->tol_energy = 1e-12;
    p->tol_density = 1e-10;
    p->fft[0] = p->fft[1] = p->fft[2] = 24; /* fixed so strained cells share the grid */
    p->compute_forces = 1;
    p->compute_stress = 1;
    p->verbosity = 0;
}

static double energy(const fu_structure *s, const fu_scf_params *p, fu_scf_result *keep) {
    fu_scf_result r;
    fu_err err = {0};
    int rc = fu_scf_run(s, p, MPI_COMM_WORLD, NULL, &r, &err);
    if (rc) fprintf(stderr, "scf failed: %s\n", err.msg);
    double e = rc ? NAN : r.etotal;
    if (keep) *keep = r;
    else fu_scf_result_free(&r);
    return e;
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    fu_scf_params p;
    params(&p);
    const double d0[3] = {0.013, -0.021, 0.008}; /* off-equilibrium, low symmetry */
    fu_structure s;
    make_si(&s, d0);
    fu_scf_result r0;
    double e0 = energy(&s, &p, &r0);
    CHECK(isfinite(e0), "reference SCF converges");

    /* forces: F_x(atom 2) = -dE/dx, Cartesian displacement h */
    const double h = 2e-3;
    double rec[3][3];
    fu_lattice_reciprocal(s.lattice, rec);
    for (int dir = 0; dir < 3; dir++) {
        double e_pm[2];
        for (int sgn = 0; sgn < 2; sgn++) {
            fu_structure t;
            make_si(&t, d0);
            double dx = (sgn ? -h : h);
            for (int i = 0; i < 3; i++) t.xred[1][i] += dx * rec[i][dir] / (2 * FU_PI);
            e_pm[sgn] = energy(&t, &p, NULL);
            fu_structure_free(&t);
        }
        double fd = -(e_pm[0] - e_pm[1]) / (2 * h);
        CHECK_CLOSE(r0.forces[1][dir], fd, 2e-6, "force = -dE/dR by central difference");
    }

    /* stress: σ_ab = (1/Ω) dE/dε_ab with lattice rows a_i -> a_i (I + ε) */
    const double eps = 1e-3;
    /* Shear strains keep the volume to first order, so the plane-wave set is
     * fixed and plain finite differences apply. */
    int pairs[2][2] = {{0, 1}, {2, 1}};
    for (int q = 0; q < 2; q++) {
        int a = pairs[q][0], b = pairs[q][1];
        double e_pm[2];
        for (int sgn = 0; sgn < 2; sgn++) {
            fu_structure t;
            make_si(&t, d0);
            double strain[3][3] = {{0}};
            double e = sgn ? -eps : eps;
            strain[a][b] += 0.5 * e;
            strain[b][a] += 0.5 * e;
            for (int i = 0; i < 3; i++) {
                double row[3];
                for (int c = 0; c < 3; c++) {
                    row[c] = s.lattice[i][c];
                    for (int k = 0; k < 3; k++) row[c] += s.lattice[i][k] * strain[k][c];
                }
                memcpy(t.lattice[i], row, sizeof row);
            }
            e_pm[sgn] = energy(&t, &p, NULL);
            fu_structure_free(&t);
        }
        double fd = (e_pm[0] - e_pm[1]) / (2 * eps) / r0.volume;
        CHECK_CLOSE(r0.stress[a][b], fd, 2e-7, "stress = (1/Ω) dE/dε by central difference");
    }

    /* Isotropic strain a -> a(1+e) with Ecut -> Ecut/(1+e)² keeps exactly the
     * same G vectors (|k+G|² scales by 1/(1+e)²), so no Pulay term enters:
     * dE/de = Ω Tr σ. */
    {
        double e_pm[2];
        for (int sgn = 0; sgn < 2; sgn++) {
            fu_structure t;
            make_si(&t, d0);
            double e = sgn ? -eps : eps;
            for (int i = 0; i < 3; i++)
                for (int c = 0; c < 3; c++) t.lattice[i][c] = s.lattice[i][c] * (1 + e);
            fu_scf_params q = p;
            q.ecut = p.ecut / ((1 + e) * (1 + e));
            e_pm[sgn] = energy(&t, &q, NULL);
            fu_structure_free(&t);
        }
        double fd = (e_pm[0] - e_pm[1]) / (2 * eps) / r0.volume;
        double tr = r0.stress[0][0] + r0.stress[1][1] + r0.stress[2][2];
        CHECK_CLOSE(tr, fd, 5e-7, "trace of stress = (1/Ω) dE/de at fixed basis");
    }

    /* rigid translation (irrational-looking shift; the FFT grid breaks exact
     * continuous invariance only through aliasing, tiny at boxcut 2) */
    {
        fu_structure t;
        make_si(&t, d0);
        for (int a = 0; a < 2; a++)
            for (int c = 0; c < 3; c++) t.xred[a][c] += 0.1234 * (c + 1);
        double et = energy(&t, &p, NULL);
        CHECK_CLOSE(et, e0, 1e-6, "energy invariant under rigid translation");
        fu_structure_free(&t);
    }

    /* rigid rotation of the crystal in Cartesian space: same energy, forces
     * and stress rotated with it */
    {
        const double th = 0.7, ax[3] = {0.267261241912424, 0.534522483824849, 0.801783725737273};
        double R[3][3];
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++) {
                double K = (i == j) ? 0 : ((i + 1) % 3 == j ? -ax[3 - i - j] : ax[3 - i - j]);
                R[i][j] = (i == j ? cos(th) : 0) + (1 - cos(th)) * ax[i] * ax[j] + sin(th) * K;
            }
        fu_structure t;
        make_si(&t, d0);
        for (int v = 0; v < 3; v++)
            for (int i = 0; i < 3; i++) {
                t.lattice[v][i] = 0;
                for (int j = 0; j < 3; j++) t.lattice[v][i] += R[i][j] * s.lattice[v][j];
            }
        fu_scf_params q = p;
        q.fft[0] = q.fft[1] = q.fft[2] = 24;
        fu_scf_result rr;
        double er = energy(&t, &q, &rr);
        CHECK_CLOSE(er, e0, 1e-9, "energy invariant under a rigid rotation of the crystal");
        double fr = 0;
        for (int i = 0; i < 3; i++) fr += R[0][i] * r0.forces[1][i];
        CHECK_CLOSE(rr.forces[1][0], fr, 1e-7, "forces rotate with the crystal");
        fu_scf_result_free(&rr);
        fu_structure_free(&t);
    }

    /* a space-group operation of zincblende GaAs applied to the atoms
     * (x -> R x + t maps the crystal onto itself, permuting atoms) */
    {
        fu_structure t;
        fu_err err;
        fu_structure_alloc(&t, 2, &err);
        const double a = 5.3;
        double lat[3][3] = {{0, a, a}, {a, 0, a}, {a, a, 0}};
        memcpy(t.lattice, lat, sizeof lat);
        t.nspecies = 2;
        strcpy(t.symbol[0], "Ga");
        strcpy(t.symbol[1], "As");
        t.znucl[0] = 31;
        t.znucl[1] = 33;
        t.typat[0] = 0;
        t.typat[1] = 1;
        for (int c = 0; c < 3; c++) {
            t.xred[0][c] = 0.0;
            t.xred[1][c] = 0.25;
        }
        fu_scf_params q = p;
        strcpy(q.pseudo[0], "abinit:31ga.3.hgh");
        strcpy(q.pseudo[1], "abinit:33as.5.hgh");
        q.nband = 6;
        q.fft[0] = q.fft[1] = q.fft[2] = 0;
        double eg = energy(&t, &q, NULL);
        fu_symmetry sym;
        CHECK(fu_symmetry_find(&t, 1e-5, &sym, &err) == FU_OK && sym.nsym == 24,
              "zincblende has 24 operations");
        int op = sym.nsym - 1; /* a non-trivial one */
        fu_structure u;
        fu_structure_copy(&u, &t, &err);
        for (int at = 0; at < 2; at++)
            for (int i = 0; i < 3; i++) {
                double x = sym.trans[op][i];
                for (int j = 0; j < 3; j++) x += sym.rot[op][i][j] * t.xred[at][j];
                u.xred[at][i] = x;
            }
        double eu = energy(&u, &q, NULL);
        CHECK_CLOSE(eu, eg, 1e-9, "energy invariant under a space-group operation");
        fu_symmetry_free(&sym);
        fu_structure_free(&u);
        fu_structure_free(&t);
    }

    /* Symmetric Si on a mesh that keeps the full group (unshifted): the
     * irreducible k-set with symmetrised density equals the full mesh. (A
     * shifted fcc mesh breaks the group; there furui, like ABINIT, still
     * symmetrises with the whole group, which is the dense-mesh limit.) */
    {
        const double z[3] = {0, 0, 0};
        fu_structure t;
        make_si(&t, z);
        fu_scf_params q = p;
        q.kgrid[0] = q.kgrid[1] = q.kgrid[2] = 3;
        fu_scf_result ri, rf;
        double ei = energy(&t, &q, &ri);
        q.use_symmetry = 0;
        q.time_reversal = 0;
        double ef = energy(&t, &q, &rf);
        CHECK(ri.nk < rf.nk, "symmetry reduces the k-set");
        CHECK(rf.nk == 27, "full mesh has 27 points");
        CHECK_CLOSE(ei, ef, 1e-9, "irreducible-k energy equals full-mesh energy");
        CHECK_CLOSE(ri.stress[0][0], rf.stress[0][0], 1e-9, "irreducible-k stress equals full-mesh stress");
        fu_scf_result_free(&ri);
        fu_scf_result_free(&rf);
        fu_structure_free(&t);
    }
    /* A supercell: the conventional 8-atom cube has 4 pure translations
     * among its 192 operations, which the density symmetrisation averages
     * over as a factor per G (then one operation per rotation). Its energy
     * and stress must equal those of the unsymmetrised calculation. */
    {
        fu_structure t;
        fu_err e2;
        fu_structure_alloc(&t, 8, &e2);
        const double a = 10.263, base[4][3] = {{0, 0, 0}, {0, .5, .5}, {.5, 0, .5}, {.5, .5, 0}};
        double lat[3][3] = {{a, 0, 0}, {0, a, 0}, {0, 0, a}};
        memcpy(t.lattice, lat, sizeof lat);
        t.nspecies = 1;
        strcpy(t.symbol[0], "Si");
        t.znucl[0] = 14;
        for (int i = 0; i < 8; i++) {
            t.typat[i] = 0;
            for (int c = 0; c < 3; c++) t.xred[i][c] = base[i % 4][c] + (i >= 4 ? 0.25 : 0.0);
        }
        fu_scf_params q = p;
        q.kgrid[0] = q.kgrid[1] = q.kgrid[2] = 2;
        q.nband = 20;
        q.fft[0] = q.fft[1] = q.fft[2] = 0;
        q.ecut = 5.0;
        fu_basis bs;
        CHECK(fu_basis_init(&bs, &t, &q, MPI_COMM_WORLD, &e2) == FU_OK, "supercell basis");
        CHECK(bs.symmap.ntr == 4 && bs.symmap.nrep * bs.symmap.ntr == bs.sym.nsym,
              "cube: 4 pure translations times one operation per rotation");
        /* The tabulated images and phases (fast path) against the images
         * and phases evaluated on the fly (the path without a table), on
         * one arbitrary density (symmetrisation is linear), in the density
         * sphere the table covers. */
        size_t nt = (size_t)bs.grid.ntot;
        double complex *r1 = malloc(sizeof(double complex) * nt), *r2 = malloc(sizeof(double complex) * nt),
                       *tmp = malloc(sizeof(double complex) * nt);
        for (size_t i = 0; i < nt; i++) r1[i] = r2[i] = sin(0.37 * i) + I * cos(1.91 * i + 0.2);
        CHECK(bs.symmap.npt > 0, "cube: symmetrisation table built");
        fu_density_symmetrize(&bs, r1, tmp);
        int npt = bs.symmap.npt;
        bs.symmap.npt = 0;
        fu_density_symmetrize(&bs, r2, tmp);
        bs.symmap.npt = npt;
        double dmax = 0, rmax = 0;
        for (size_t i = 0; i < nt; i++) {
            if (bs.grid.g2[i] > bs.grid.gcut2) continue;
            dmax = fmax(dmax, cabs(r1[i] - r2[i]));
            rmax = fmax(rmax, cabs(r2[i]));
        }
        CHECK(rmax > 0.1, "cube: symmetrised test density not zero");
        CHECK_CLOSE(dmax, 0, 1e-12, "cube: tabulated symmetrisation equals on-the-fly");
        free(r1);
        free(r2);
        free(tmp);
        fu_basis_free(&bs);
        fu_scf_result rs, ru;
        double es = energy(&t, &q, &rs);
        q.use_symmetry = 0;
        double eu = energy(&t, &q, &ru);
        CHECK(rs.nk < ru.nk, "symmetry reduces the supercell k-set");
        CHECK_CLOSE(es, eu, 1e-9, "supercell: symmetrised energy equals unsymmetrised (Ha)");
        CHECK_CLOSE(rs.stress[0][0], ru.stress[0][0], 1e-9,
                    "supercell: symmetrised stress equals unsymmetrised (Ha/bohr^3)");
        fu_scf_result_free(&rs);
        fu_scf_result_free(&ru);
        fu_structure_free(&t);
    }
    fu_scf_result_free(&r0);
    fu_structure_free(&s);
    MPI_Finalize();
    CHECK_DONE();
}
