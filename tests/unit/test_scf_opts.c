// labels: physics
/* Run controls of the SCF (fu_scf_opts), which must never change a converged
 * answer:
 *  - restarting from the converged density of the same structure reproduces
 *    the energy to the SCF tolerance in fewer iterations (the recovery
 *    ladder's "restart from the last density" relies on this);
 *  - the kept potential and density are those of the converged state
 *    (density integrates to the valence charge);
 *  - a deadline already past stops after one iteration with FU_ETIME and
 *    an unconverged result; a density on another grid is refused. */
#include <math.h>
#include <mpi.h>
#include <string.h>

#include "check.h"
#include "core/error.h"
#include "dft/scf.h"

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    fu_err err = {0};
    fu_structure s;
    fu_structure_alloc(&s, 2, &err);
    const double a = 5.1315;
    double lat[3][3] = {{0, a, a}, {a, 0, a}, {a, a, 0}};
    memcpy(s.lattice, lat, sizeof lat);
    s.nspecies = 1;
    strcpy(s.symbol[0], "Si");
    s.znucl[0] = 14;
    s.typat[0] = s.typat[1] = 0;
    for (int c = 0; c < 3; c++) s.xred[0][c] = 0, s.xred[1][c] = 0.25;
    fu_scf_params p;
    fu_scf_params_default(&p);
    strcpy(p.pseudo[0], "abinit:14si.4.hgh");
    p.ecut = 8.0;
    p.kgrid[0] = p.kgrid[1] = p.kgrid[2] = 2;
    p.tol_energy = 1e-10;
    p.tol_density = 1e-8;

    fu_scf_opts o;
    fu_scf_opts_default(&o);
    o.keep_fields = 1;
    fu_scf_result r1, r2, r3;
    int rc = fu_scf_run_opts(&s, &p, &o, MPI_COMM_WORLD, NULL, &r1, &err);
    CHECK(rc == FU_OK && r1.rho_r && r1.veff_r, "first run converges and keeps its fields");
    if (rc) {
        fprintf(stderr, "%s\n", err.msg);
        CHECK_DONE();
    }
    size_t nt = (size_t)r1.fft[0] * r1.fft[1] * r1.fft[2];
    double q = 0;
    for (size_t i = 0; i < nt; i++) q += r1.rho_r[i];
    CHECK_CLOSE(q * r1.volume / nt, 8.0, 1e-8, "kept density holds the 8 valence electrons");

    fu_scf_opts o2;
    fu_scf_opts_default(&o2);
    o2.rho_start = r1.rho_r;
    o2.rho_start_fft = r1.fft;
    rc = fu_scf_run_opts(&s, &p, &o2, MPI_COMM_WORLD, NULL, &r2, &err);
    CHECK(rc == FU_OK, "restart from the converged density converges");
    CHECK_CLOSE(r2.etotal, r1.etotal, 1e-9, "restart gives the same energy (Ha, SCF tolerance)");
    printf("iterations: fresh %d, restarted %d\n", r1.iterations, r2.iterations);
    CHECK(r2.iterations < r1.iterations, "restart needs fewer iterations");
    fu_scf_result_free(&r2);

    fu_scf_opts o3;
    fu_scf_opts_default(&o3);
    o3.deadline = 1e-9; /* long past on the monotonic clock */
    rc = fu_scf_run_opts(&s, &p, &o3, MPI_COMM_WORLD, NULL, &r3, &err);
    CHECK(rc == FU_ETIME && !r3.converged && r3.iterations == 1,
          "a past deadline stops after one iteration, unconverged");
    fu_scf_result_free(&r3);

    int wrong[3] = {r1.fft[0] + 2, r1.fft[1], r1.fft[2]};
    o2.rho_start_fft = wrong;
    rc = fu_scf_run_opts(&s, &p, &o2, MPI_COMM_WORLD, NULL, &r3, &err);
    CHECK(rc == FU_EINPUT && strstr(err.msg, "FFT grid"), "density on another grid is refused");
    fu_scf_result_free(&r3);

    fu_scf_result_free(&r1);
    fu_structure_free(&s);
    MPI_Finalize();
    CHECK_DONE();
}
