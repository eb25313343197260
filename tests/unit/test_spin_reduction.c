// labels: physics
/* Collinear spin reduces to the unpolarised engine: Si (a non-magnetic
 * insulator) run with nspin 2 and zero initial moments must give the nspin 1
 * total energy to 1e-9 Ha and zero magnetisation, for LDA without smearing
 * (the per-k aufbau occupations over both channels) and for PBE with
 * Fermi-Dirac smearing (one Fermi level over 2·nk weighted channels, the spin
 * GGA gradient terms, and the xc stress with spin). The same holds for the
 * forces and stress of a displaced atom. Equal channels are the exact
 * unpolarised limit of every spin term, so anything above rounding in the
 * differences would be a bookkeeping error (a factor 2 in occupations, a
 * missing spin sum, a wrong σ↑↓ term). */
#include <math.h>
#include <mpi.h>
#include <string.h>

#include "check.h"
#include "dft/scf.h"

static void make_si(fu_structure *s) {
    fu_err err;
    fu_structure_alloc(s, 2, &err);
    const double a = 5.1315;
    double lat[3][3] = {{0, a, a}, {a, 0, a}, {a, a, 0}};
    memcpy(s->lattice, lat, sizeof lat);
    s->nspecies = 1;
    strcpy(s->symbol[0], "Si");
    s->znucl[0] = 14;
    s->typat[0] = s->typat[1] = 0;
    const double d[3] = {0.011, -0.017, 0.006}; /* off-equilibrium: forces nonzero */
    for (int c = 0; c < 3; c++) {
        s->xred[0][c] = 0.0;
        s->xred[1][c] = 0.25 + d[c];
    }
}

static int run(const fu_structure *s, const fu_scf_params *p, fu_scf_result *r) {
    fu_err err = {0};
    int rc = fu_scf_run(s, p, MPI_COMM_WORLD, NULL, r, &err);
    if (rc) fprintf(stderr, "scf failed: %s\n", err.msg);
    return rc;
}

static void compare(const fu_structure *s, fu_scf_params *p, const char *what) {
    fu_scf_result r1, r2;
    char msg[160];
    p->nspin = 1;
    int rc1 = run(s, p, &r1);
    p->nspin = 2;
    int rc2 = run(s, p, &r2);
    CHECK(rc1 == 0 && rc2 == 0, "both SCF runs converge");
    if (rc1 || rc2) return;
    printf("%s: E(nspin 1) = %.12f  E(nspin 2) = %.12f  diff %.2e Ha, M = %.2e, |M| = %.2e\n",
           what, r1.etotal, r2.etotal, r2.etotal - r1.etotal, r2.magnetization,
           r2.abs_magnetization);
    snprintf(msg, sizeof msg, "%s: nspin 2 with zero moments gives the nspin 1 energy", what);
    CHECK_CLOSE(r2.etotal, r1.etotal, 1e-9, msg);
    snprintf(msg, sizeof msg, "%s: and no magnetisation anywhere", what);
    CHECK_CLOSE(r2.abs_magnetization, 0.0, 1e-9, msg);
    CHECK(r2.nspin == 2 && r1.nspin == 1, "results say how many channels they hold");
    /* each channel holds half of every band: eigenvalues equal, occupations halved */
    double de = 0, dof = 0;
    for (int i = 0; i < r1.nk * r1.nband; i++)
        for (int sp = 0; sp < 2; sp++) {
            int j = sp * r1.nk * r1.nband + i;
            de = fmax(de, fabs(r2.eig[j] - r1.eig[i]));
            dof = fmax(dof, fabs(2.0 * r2.occ[j] - r1.occ[i]));
        }
    snprintf(msg, sizeof msg, "%s: both channels carry the unpolarised eigenvalues", what);
    CHECK_CLOSE(de, 0.0, 1e-7, msg);
    snprintf(msg, sizeof msg, "%s: each channel holds half the unpolarised occupation", what);
    CHECK_CLOSE(dof, 0.0, 1e-7, msg);
    double df = 0, ds = 0;
    for (int a = 0; a < 2; a++)
        for (int c = 0; c < 3; c++) df = fmax(df, fabs(r2.forces[a][c] - r1.forces[a][c]));
    for (int a = 0; a < 3; a++)
        for (int c = 0; c < 3; c++) ds = fmax(ds, fabs(r2.stress[a][c] - r1.stress[a][c]));
    printf("%s: max |dF| %.2e Ha/bohr, max |dsigma| %.2e Ha/bohr^3, band gap %.6f vs %.6f\n", what,
           df, ds, r1.gap, r2.gap);
    snprintf(msg, sizeof msg, "%s: forces with spin equal the unpolarised ones", what);
    CHECK_CLOSE(df, 0.0, 1e-8, msg);
    snprintf(msg, sizeof msg, "%s: stress with spin (incl. xc) equals the unpolarised one", what);
    CHECK_CLOSE(ds, 0.0, 1e-10, msg);
    snprintf(msg, sizeof msg, "%s: band edges over both channels match", what);
    CHECK_CLOSE(r2.gap, r1.gap, 1e-7, msg);
    fu_scf_result_free(&r1);
    fu_scf_result_free(&r2);
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    fu_structure s;
    make_si(&s);
    fu_scf_params p;
    fu_scf_params_default(&p);
    strcpy(p.pseudo[0], "abinit:14si.4.hgh");
    p.ecut = 8.0;
    p.kgrid[0] = p.kgrid[1] = p.kgrid[2] = 2;
    p.nband = 6;
    p.tol_energy = 1e-12;
    p.tol_density = 1e-10;
    p.verbosity = 0;
    compare(&s, &p, "Si LDA, no smearing");

    strcpy(p.pseudo[0], "cp2k:GTH-PBE-q4");
    strcpy(p.xc, "pbe");
    p.smearing = FU_SMEAR_FERMI_DIRAC;
    p.tsmear = 0.01;
    p.nband = 8;
    compare(&s, &p, "Si PBE, Fermi-Dirac");
    fu_structure_free(&s);
    MPI_Finalize();
    CHECK_DONE();
}
