// labels: physics
/* Cell relaxation of diamond Si (fu_relax_run, cell: true) against an
 * independent estimate of the equilibrium lattice constant. Setup: ABINIT
 * 14si.4.hgh, LDA, ecut 10 Ha (deliberately small), 4x4x4 Γ-centred mesh,
 * start at a = 5.55 Å (~3 % too large).
 *
 * The relaxation finds the zero of furui's analytic stress, which is the
 * strain derivative at a *fixed* plane-wave set. The independent estimate is
 * the minimum of a Birch-Murnaghan fit of E(V) from SCF energies only
 * (fu_eos_scan, 7 points ±1 % in a), with the constant-basis option
 * (ecut_i = ecut/s_i², eos.h) centred on the relaxed cell: every point then
 * has the plane-wave set of the relaxed cell, so dE/dV along the scan is the
 * same derivative the stress measures and the two must agree up to
 *   - the stress tolerance: |Δa/a| = ΔP/(3B) ≈ 5e-7/(3·3.3e-3) ≈ 5e-5,
 *   - the BM3 fit error over ±1 % (observed < 1e-5 in a),
 * so we assert |a_EOS/a_relax - 1| < 2e-4 (well below the 0.1 % target).
 * For contrast, the constant-ecut E(V) minimum (the standard EOS) differs
 * from the stress zero by the Pulay stress at this unconverged cutoff (~1 GPa
 * for Si at 10-12 Ha, i.e. a few 0.1 % in a): it is printed and only bounded
 * (< 1.5 %), not asserted to agree.
 * Also: the final fresh-grid SCF is reported, its residual stress is within
 * 10 stress_tol (the relaxation grid is the first SCF's grid, and a 3 %
 * smaller cell may get a smaller automatic grid), and the converged cell
 * keeps the fcc shape (all |a_i| equal, angles 60°) to 1e-8.
 * Finally a relaxation at a target pressure of 5 GPa (see below).
 * Runs in ~25 s on one core. */
#include <math.h>
#include <mpi.h>
#include <string.h>

#include "check.h"
#include "core/units.h"
#include "dft/scf.h"
#include "props/eos.h"
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

static double norm3(const double v[3]) { return sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]); }

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    fu_scf_params p;
    fu_scf_params_default(&p);
    strcpy(p.pseudo[0], "abinit:14si.4.hgh");
    p.ecut = 10.0;
    p.kgrid[0] = p.kgrid[1] = p.kgrid[2] = 4;
    p.tol_energy = 1e-10;
    p.tol_density = 1e-9;
    p.verbosity = 0;
    fu_structure s;
    make_si(&s, 5.55 / FU_BOHR_ANGSTROM);

    fu_relax_opts o;
    fu_relax_opts_default(&o);
    o.relax_cell = 1;
    o.max_steps = 30;
    fu_relax_result r;
    fu_err err = {0};
    int rc = fu_relax_run(&s, &p, &o, MPI_COMM_WORLD, &r, &err);
    if (rc) fprintf(stderr, "relax: %s\n", err.msg);
    CHECK(rc == FU_OK && r.converged, "cell relaxation converges");
    CHECK(r.max_stress <= o.stress_tol, "final |σ| below stress_tol");
    double a1 = norm3(r.structure.lattice[0]);
    double a_relax = a1 * sqrt(2.0); /* fcc primitive vector = a/√2 */
    printf("relaxed: %d SCFs, a = %.6f bohr = %.6f Å, max|σ| %.2e Ha/bohr³\n", r.nsteps,
           a_relax, a_relax * FU_BOHR_ANGSTROM, r.max_stress);
    for (int i = 0; i < 3; i++)
        CHECK_CLOSE(norm3(r.structure.lattice[i]), a1, 1e-8 * a1, "fcc: equal lengths (bohr)");
    for (int i = 0; i < 3; i++) {
        const double *u = r.structure.lattice[i], *v = r.structure.lattice[(i + 1) % 3];
        double cosang = (u[0] * v[0] + u[1] * v[1] + u[2] * v[2]) / (norm3(u) * norm3(v));
        CHECK_CLOSE(cosang, 0.5, 1e-8, "fcc: 60° between primitive vectors");
    }
    CHECK(r.have_final, "fresh-grid SCF was run");
    printf("fresh grid %dx%dx%d (relaxation %dx%dx%d): max|σ| %.2e Ha/bohr³\n", r.final_fft[0],
           r.final_fft[1], r.final_fft[2], r.fft[0], r.fft[1], r.fft[2], r.final_max_stress);
    CHECK(r.final_max_stress < 10 * o.stress_tol, "fresh-grid residual stress small");

    /* independent estimate: constant-basis BM3 fit centred on the relaxed cell */
    fu_eos_scan_opts eo;
    fu_eos_scan_opts_default(&eo);
    eo.npoints = 7;
    eo.a_range = 0.01;
    eo.constant_basis = 1;
    fu_eos_scan_result er;
    rc = fu_eos_scan(&r.structure, &p, MPI_COMM_WORLD, &eo, &er, &err);
    if (rc) fprintf(stderr, "eos: %s\n", err.msg);
    CHECK(rc == FU_OK, "constant-basis EOS scan and fit");
    if (!rc) {
        double a_eos = fu_eos_cubic_a0(er.fit.v0, 4, 1);
        printf("constant-basis EOS: a0 = %.6f bohr, B0 = %.1f GPa, rel. diff %.2e\n", a_eos,
               er.fit.b0_gpa, a_eos / a_relax - 1);
        CHECK_CLOSE(a_eos / a_relax, 1.0, 2e-4, "stress zero = constant-basis E(V) minimum");
    }
    /* target pressure: relax at P = 5 GPa from the zero-pressure cell, then a
     * constant-basis scan centred on the compressed cell: its BM3 pressure
     * -dE/dV at the relaxed volume (s = 1, same plane-wave set) must be 5 GPa to
     * the stress tolerance plus fit error (asserted: 0.05 GPa, 1 %), and the
     * volume must have shrunk by about P/B (sanity, 20 %). */
    if (!rc) {
        double v_relax0 = fabs(fu_lattice_det(r.structure.lattice)), b0 = er.fit.b0;
        fu_relax_opts op = o;
        op.pressure = 5.0 / FU_HA_BOHR3_GPA;
        fu_relax_result rp;
        int prc = fu_relax_run(&r.structure, &p, &op, MPI_COMM_WORLD, &rp, &err);
        if (prc) fprintf(stderr, "relax at 5 GPa: %s\n", err.msg);
        CHECK(prc == FU_OK, "relaxation at 5 GPa converges");
        if (!prc) {
            double v = fabs(fu_lattice_det(rp.structure.lattice));
            for (int i = 0; i < 3; i++)
                CHECK_CLOSE(rp.stress[i][i], -op.pressure, op.stress_tol, "σ = -P at the target");
            CHECK_CLOSE((v / v_relax0 - 1) / (-op.pressure / b0), 1.0, 0.2,
                        "ΔV/V ≈ -P/B under 5 GPa");
            fu_eos_scan_result ep;
            prc = fu_eos_scan(&rp.structure, &p, MPI_COMM_WORLD, &eo, &ep, &err);
            CHECK(prc == FU_OK, "constant-basis scan about the 5 GPa cell");
            if (!prc) {
                double pbm = fu_eos_bm_pressure(v, ep.fit.v0, ep.fit.b0, ep.fit.b0_prime);
                printf("5 GPa: ΔV/V %.4f (-P/B %.4f), BM3 pressure at the relaxed volume %.4f GPa\n",
                       v / v_relax0 - 1, -op.pressure / b0, pbm * FU_HA_BOHR3_GPA);
                CHECK_CLOSE(pbm * FU_HA_BOHR3_GPA, 5.0, 0.05, "E(V) slope = target pressure (GPa)");
            }
        }
        fu_relax_result_free(&rp);
    }
    eo.constant_basis = 0;
    rc = fu_eos_scan(&r.structure, &p, MPI_COMM_WORLD, &eo, &er, &err);
    CHECK(rc == FU_OK, "constant-ecut EOS scan and fit");
    if (!rc) {
        double a_eos = fu_eos_cubic_a0(er.fit.v0, 4, 1);
        printf("constant-ecut EOS: a0 = %.6f bohr, rel. diff %.2e (Pulay stress, expected)\n",
               a_eos, a_eos / a_relax - 1);
        CHECK_CLOSE(a_eos / a_relax, 1.0, 1.5e-2, "constant-ecut minimum within the Pulay bound");
    }
    fu_relax_result_free(&r);
    fu_structure_free(&s);
    MPI_Finalize();
    CHECK_DONE();
}
