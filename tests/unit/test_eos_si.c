// labels: physics
/* LDA Si equation of state (fu_eos_scan). Setup: ABINIT 14si.4.hgh, Teter93
 * LDA, ecut 12 Ha, 4x4x4 MP mesh, 7 points ±1.5 % in a around a = 5.40 Å.
 *
 * A. Constant-basis scan (ecut_i = 12 Ha / s_i², eos.h): E(V) is then the
 *    energy whose volume derivative furui's analytic stress is, so the fit
 *    can be checked sharply against quantities it never saw:
 *     - one SCF at the fitted V0 has |P| < 0.05 GPa;
 *     - B0 is within 5 % (observed: well under 1 %) of -V dP/dV from a
 *       least-squares fit of the analytic pressures at the sample points;
 *     - the SCF energy at V0 equals the fitted E0 (2 uHa); rms residual
 *       < 1 uHa (the data are smooth).
 * B. Constant-ecut scan (the standard EOS): against the literature for LDA
 *    Si (a0 5.38-5.40 Å, B0 96-98 GPa at converged cutoffs): a0 within 0.5 %
 *    of 5.40 Å; B0 in 88-102 GPa (12 Ha is not converged for this hard HGH
 *    psp); B0 within 5 % of the stress slope. The E(V) minimum and the stress
 *    zero differ here by the Pulay stress (observed P(V0) ~ -1.1 GPa): it is
 *    reported and bounded (|P| < 2 GPa), not asserted to vanish, and the
 *    constant-ecut a0 is within 0.5 % of the constant-basis one.
 * Runs in ~12 s CPU on one rank (Release build, 2-core development machine). */
#include <math.h>
#include <mpi.h>
#include <string.h>
#include <time.h>

#include <lapacke.h>

#include "check.h"
#include "core/units.h"
#include "crystal/structure.h"
#include "dft/scf.h"
#include "props/eos.h"

static void make_si(fu_structure *s, double a_bohr) {
    fu_err err;
    fu_structure_alloc(s, 2, &err);
    double h = 0.5 * a_bohr;
    double lat[3][3] = {{0, h, h}, {h, 0, h}, {h, h, 0}};
    memcpy(s->lattice, lat, sizeof lat);
    s->nspecies = 1;
    strcpy(s->symbol[0], "Si");
    s->znucl[0] = 14;
    s->typat[0] = s->typat[1] = 0;
    for (int c = 0; c < 3; c++) {
        s->xred[0][c] = 0.0;
        s->xred[1][c] = 0.25;
    }
}

/* Least-squares cubic of the analytic pressure in u = ln(V/V0): returns
 * B = -dP/du at V0 (Ha/bohr³) and P at V0 (Ha/bohr³). */
static int stress_fit(const fu_eos_scan_result *r, double v0, double *b, double *p0) {
    int n = r->npoints;
    double A[FU_EOS_MAXPOINTS * 4], y[FU_EOS_MAXPOINTS];
    for (int i = 0; i < n; i++) {
        double u = log(r->volume[i] / v0) / 0.05; /* scaled to ~[-1, 1] */
        A[4 * i] = 1, A[4 * i + 1] = u, A[4 * i + 2] = u * u, A[4 * i + 3] = u * u * u;
        y[i] = r->pressure[i];
    }
    lapack_int info = LAPACKE_dgels(LAPACK_ROW_MAJOR, 'N', n, 4, 1, A, 4, y, 1);
    *b = -y[1] / 0.05;
    *p0 = y[0];
    return (int)info;
}

static int scan(const fu_scf_params *p, int constant_basis, fu_eos_scan_result *r, int rank) {
    fu_structure s;
    make_si(&s, 5.40 / FU_BOHR_ANGSTROM);
    fu_eos_scan_opts o;
    fu_eos_scan_opts_default(&o);
    o.npoints = 7;
    o.a_range = 0.015;
    o.constant_basis = constant_basis;
    fu_err err = {0};
    int rc = fu_eos_scan(&s, p, MPI_COMM_WORLD, &o, r, &err);
    fu_structure_free(&s);
    if (rc) {
        fprintf(stderr, "eos scan failed: %s\n", err.msg);
        return rc;
    }
    const fu_eos_fit_result *f = &r->fit;
    if (rank == 0) {
        printf("%s scan:\n", constant_basis ? "constant-basis" : "constant-ecut");
        for (int i = 0; i < r->npoints; i++)
            printf("  scale %.4f  ecut %.4f Ha  V %.4f bohr^3  E %.10f Ha  P %+.4f GPa  (%d it)\n",
                   r->scale[i], r->ecut[i], r->volume[i], r->energy[i],
                   r->pressure[i] * FU_HA_BOHR3_GPA, r->iterations[i]);
        double a0 = fu_eos_cubic_a0(f->v0, 4, 1);
        printf("  fit: E0 %.10f Ha  V0 %.4f bohr^3  a0 %.5f bohr = %.5f A  B0 %.3f GPa  B0' %.3f"
               "  rms %.2e Ha  max %.2e Ha  (%.1f s)\n", f->e0, f->v0, a0, a0 * FU_BOHR_ANGSTROM,
               f->b0_gpa, f->b0_prime, f->rms_residual, f->max_residual, r->wall_seconds);
    }
    return FU_OK;
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    double t0 = MPI_Wtime();
    clock_t c0 = clock();
    fu_scf_params p;
    fu_scf_params_default(&p);
    strcpy(p.pseudo[0], "abinit:14si.4.hgh");
    strcpy(p.xc, "lda");
    p.ecut = 12.0;
    p.kgrid[0] = p.kgrid[1] = p.kgrid[2] = 4;
    p.tol_energy = 1e-10;
    p.tol_density = 1e-9;
    p.compute_stress = 1;
    p.verbosity = 0;
    const double gpa = FU_HA_BOHR3_GPA;
    const double a_guess = 5.40 / FU_BOHR_ANGSTROM;

    /* A. constant basis */
    fu_eos_scan_result ra, rb;
    int rc = scan(&p, 1, &ra, rank);
    CHECK(rc == FU_OK, "constant-basis EOS scan runs");
    if (rc) {
        MPI_Finalize();
        CHECK_DONE();
    }
    const fu_eos_fit_result *fa = &ra.fit;
    double a0a = fu_eos_cubic_a0(fa->v0, 4, 1);
    CHECK(!fa->min_outside, "A: minimum inside the sampled range");
    CHECK(fa->rms_residual < 1e-6, "A: smooth data, BM3 rms residual < 1 uHa");
    {
        fu_structure s0;
        make_si(&s0, a0a);
        fu_scf_params q = p;
        double s = a0a / a_guess;
        q.ecut = p.ecut / (s * s); /* same plane-wave set as the scan */
        fu_scf_result r0;
        fu_err err = {0};
        rc = fu_scf_run(&s0, &q, MPI_COMM_WORLD, NULL, &r0, &err);
        CHECK(rc == FU_OK, "A: SCF at V0 converges");
        double pv0 = -(r0.stress[0][0] + r0.stress[1][1] + r0.stress[2][2]) / 3 * gpa;
        if (rank == 0)
            printf("A: SCF at V0: P %.4f GPa, E %.10f Ha (fit E0 %.10f)\n", pv0, r0.etotal, fa->e0);
        CHECK_CLOSE(r0.volume, fa->v0, 1e-8 * fa->v0, "A: cell built from a0 has volume V0");
        CHECK(fabs(pv0) < 0.05, "A: analytic pressure at the fitted V0 below 0.05 GPa");
        CHECK_CLOSE(r0.etotal, fa->e0, 2e-6, "A: SCF energy at V0 equals the fitted E0 (2 uHa)");
        fu_scf_result_free(&r0);
        fu_structure_free(&s0);
    }
    double bs, ps;
    CHECK(stress_fit(&ra, fa->v0, &bs, &ps) == 0, "A: stress-volume fit");
    if (rank == 0)
        printf("A: B from -V dP/dV of the analytic stress %.3f GPa, BM fit %.3f GPa (%+.2f %%); "
               "P-V fit at V0 %.4f GPa\n", bs * gpa, fa->b0_gpa, 100 * (fa->b0 - bs) / bs, ps * gpa);
    CHECK(fabs(fa->b0 - bs) < 0.05 * bs, "A: B0 within 5 % of -V dP/dV from the stresses");

    /* B. constant ecut (standard) */
    rc = scan(&p, 0, &rb, rank);
    CHECK(rc == FU_OK, "constant-ecut EOS scan runs");
    if (rc == FU_OK) {
        const fu_eos_fit_result *fb = &rb.fit;
        double a0b = fu_eos_cubic_a0(fb->v0, 4, 1), a0b_ang = a0b * FU_BOHR_ANGSTROM;
        CHECK(!fb->min_outside, "B: minimum inside the sampled range");
        CHECK(fb->rms_residual < 5e-5, "B: rms residual < 50 uHa (plane-wave count jumps)");
        CHECK(stress_fit(&rb, fb->v0, &bs, &ps) == 0, "B: stress-volume fit");
        if (rank == 0)
            printf("B: B from the stresses %.3f GPa, BM fit %.3f GPa (%+.2f %%); Pulay stress "
                   "P(V0) %.4f GPa; a0 %.5f A vs constant-basis %.5f A\n", bs * gpa, fb->b0_gpa,
                   100 * (fb->b0 - bs) / bs, ps * gpa, a0b_ang, a0a * FU_BOHR_ANGSTROM);
        CHECK(fabs(fb->b0 - bs) < 0.05 * bs, "B: B0 within 5 % of -V dP/dV from the stresses");
        CHECK(fabs(ps * gpa) < 2.0, "B: Pulay stress at V0 below 2 GPa at 12 Ha");
        CHECK(fabs(a0b - a0a) < 0.005 * a0a, "B: a0 within 0.5 % of the constant-basis a0");
        CHECK(fabs(a0b_ang - 5.40) < 0.005 * 5.40, "B: a0 within 0.5 % of 5.40 A (LDA Si)");
        CHECK(fb->b0_gpa > 88 && fb->b0_gpa < 102, "B: B0 in 88-102 GPa (LDA Si 96-98)");
        CHECK(fb->b0_prime > 3.3 && fb->b0_prime < 5.0, "B: B0' in 3.3-5 (LDA Si ~4.2)");
    }

    /* Runtime is printed for information only: speed is measured by
     * validation/benchmark.py, never asserted by a test. */
    double t_all = MPI_Wtime() - t0, cpu = (double)(clock() - c0) / CLOCKS_PER_SEC;
    if (rank == 0) printf("runtime: wall %.1f s, CPU %.1f s (this rank)\n", t_all, cpu);
    MPI_Finalize();
    CHECK_DONE();
}
