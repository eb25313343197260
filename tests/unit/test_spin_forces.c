// labels: physics
/* Forces with collinear spin equal minus the finite-difference derivative of
 * the SCF free energy. Cell: the conventional cube of bcc Fe (2 atoms,
 * a = 5.42 bohr), ferromagnetic start (3 μB each), the second atom displaced
 * off its site so that it feels a force; Fermi-Dirac smearing, for which the
 * Hellmann-Feynman force is the derivative of the free energy E - TS. The
 * force is the same expression as without spin, summed over the channels with
 * occupations ≤ 1, so agreement to 1e-5 Ha/bohr of a 0.07 Ha/bohr force
 * (measured: LSDA 1.2e-6, spin-PBE 3.1e-6; the unpolarised PBE run of the same
 * cell and grid shows 1.3e-6, i.e. this is the grid's level) proves that the spin channels' densities,
 * occupations and potentials are consistent with the energy they report:
 * a V_xc↑/↓ that were not the derivatives of E_xc would show here at the
 * 1e-3 level. Run twice: LSDA (Teter93) and spin-PBE, which adds the σ↑↑,
 * σ↑↓, σ↓↓ gradient terms of the potential. The PBE run uses the HGH Fe q8
 * parameters relabelled as a PBE potential (written to a temporary file): the
 * identity holds for any potential, so the mismatch does not matter here. */
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "dft/scf.h"

static void make_fe2(fu_structure *s, double dx) {
    fu_err err;
    fu_structure_alloc(s, 2, &err);
    const double a = 5.60;
    double lat[3][3] = {{a, 0, 0}, {0, a, 0}, {0, 0, a}};
    memcpy(s->lattice, lat, sizeof lat);
    s->nspecies = 1;
    strcpy(s->symbol[0], "Fe");
    s->znucl[0] = 26;
    s->typat[0] = s->typat[1] = 0;
    const double x2[3] = {0.5 + 0.03 + dx / a, 0.5 + 0.01, 0.5};
    for (int c = 0; c < 3; c++) {
        s->xred[0][c] = 0.0;
        s->xred[1][c] = x2[c];
    }
}

static double energy(const fu_scf_params *p, double dx, fu_scf_result *keep) {
    fu_structure s;
    make_fe2(&s, dx);
    fu_scf_result r;
    fu_err err = {0};
    int rc = fu_scf_run(&s, p, MPI_COMM_WORLD, NULL, &r, &err);
    fu_structure_free(&s);
    if (rc) fprintf(stderr, "scf failed: %s\n", err.msg);
    double e = rc ? NAN : r.etotal;
    if (keep && !rc) *keep = r;
    else if (!rc) fu_scf_result_free(&r);
    return e;
}

static void fd_check(fu_scf_params *p, const char *what) {
    const double h = 2e-3;
    fu_scf_result r0;
    double e0 = energy(p, 0.0, &r0);
    CHECK(isfinite(e0), "reference SCF converges");
    if (!isfinite(e0)) return;
    double ep = energy(p, h, NULL), em = energy(p, -h, NULL);
    double fd = -(ep - em) / (2 * h);
    /* forces are reported with the mean removed: atom 2's raw force is
     * (F2 - F1)/2 + net/2, and the net force is the tiny grid error */
    double f2 = r0.forces[1][0] + r0.net_force[0] / 2;
    printf("%s: E %.10f Ha, M %.5f uB, |M| %.5f uB; F_x(atom 2) analytic %.8f, FD %.8f, "
           "diff %.2e Ha/bohr\n",
           what, e0, r0.magnetization, r0.abs_magnetization, f2, fd, f2 - fd);
    char msg[160];
    snprintf(msg, sizeof msg, "%s: the cell is magnetic (the check exercises spin)", what);
    CHECK(r0.magnetization > 2.0, msg);
    snprintf(msg, sizeof msg, "%s: force = -dE/dx with spin", what);
    CHECK_CLOSE(f2, fd, 1e-5, msg);
    snprintf(msg, sizeof msg, "%s: the displaced atom feels a real force", what);
    CHECK(fabs(fd) > 1e-3, msg);
    fu_scf_result_free(&r0);
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    fu_scf_params p;
    fu_scf_params_default(&p);
    strcpy(p.pseudo[0], "abinit:26fe.8.hgh");
    p.ecut = 12.0;
    p.kgrid[0] = p.kgrid[1] = p.kgrid[2] = 2;
    p.kshift[0] = p.kshift[1] = p.kshift[2] = 0.5;
    p.fft[0] = p.fft[1] = p.fft[2] = 24;
    p.smearing = FU_SMEAR_FERMI_DIRAC;
    p.tsmear = 0.02;
    p.tol_energy = 1e-11;
    p.tol_density = 1e-9;
    p.compute_stress = 0;
    p.verbosity = 0;
    p.nspin = 2;
    p.spin_moment[0] = 3.0;
    fd_check(&p, "LSDA");

    /* the same Fe q8 parameters declared as PBE (pspxc 11) */
    char path[] = "/tmp/furui_spin_fe_pbe_XXXXXX";
    int fd = mkstemp(path);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    CHECK(f != NULL, "temporary pseudopotential file can be written");
    if (f) {
        fputs("HGH Fe q8 parameters relabelled PBE, for a finite-difference test only\n"
              "   26   8  010605 zatom,zion,pspdat\n"
              " 3 11   2 0 2001 0  pspcod,pspxc,lmax,lloc,mmax,r2well\n"
              "  0.610000    0.000000    0.000000    0.000000   0.000000 rloc, c1, c2, c3, c4\n"
              "  0.454482    3.016640    2.583038    3.257635          rs, h11s, h22s, h33s\n"
              "  0.638903    1.499642    0.326874    0.000000          rp, h11p, h22p, h33p\n"
              "             -0.014909    0.049793    0.000000          k11p, k22p, k33p\n"
              "  0.308732   -9.145354    0.000000    0.000000          rd, h11d, h22d, h33d\n"
              "              0.005722    0.000000    0.000000          k11d, k22d, k33d\n"
              "  0.000000    0.000000    0.000000    0.000000          rf, h11f, h22f, h33f\n"
              "              0.000000    0.000000    0.000000          k11f, k22f, k33f\n",
              f);
        fclose(f);
        snprintf(p.pseudo[0], sizeof p.pseudo[0], "%s", path);
        strcpy(p.xc, "pbe");
        /* GGA on a coarse grid aliases (|∇ρ|² holds twice the density's
         * frequencies): a finer grid keeps -dE/dx and the force together */
        p.fft[0] = p.fft[1] = p.fft[2] = 36;
        fd_check(&p, "spin-PBE");
        unlink(path);
    }
    MPI_Finalize();
    CHECK_DONE();
}
