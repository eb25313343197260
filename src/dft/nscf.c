#include "dft/nscf.h"

#include <complex.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/comm.h"
#include "dft/basis.h"
#include "dft/eigensolver.h"
#include "dft/hamiltonian.h"

int fu_nscf_eigenvalues(const fu_structure *s, const fu_scf_params *p, const int fft[3],
                        int nspin, const double *veff_r, int nk, const double (*kred)[3],
                        int nband, double tol, MPI_Comm comm, double *eig, fu_nscf_stats *stats,
                        fu_err *err) {
    if (nspin != 1 && nspin != 2)
        return fu_fail(err, FU_EINPUT, "nscf: nspin must be 1 or 2, got %d", nspin);
    if (!veff_r) return fu_fail(err, FU_EINPUT, "nscf: no effective potential given");
    if (!(tol > 0)) tol = FU_NSCF_TOL;
    fu_basis b;
    fu_hamiltonian ham;
    memset(&ham, 0, sizeof ham);
    int rc = fu_basis_init_klist(&b, s, p, fft, nk, kred, nband, comm, err);
    /* buffer bands: convergence of the top reported band is slow when it is
     * (nearly) degenerate with the next one */
    int nbuf = nband / 4 > 4 ? nband / 4 : 4, nev = nband + nbuf;
    if (!rc)
        for (int ik = 0; ik < nk; ik++)
            if (fu_basis_owns(&b, ik) && b.kb[ik].npw < nev) nev = b.kb[ik].npw;
    fu_allreduce(&rc, 1, MPI_INT, MPI_MAX, comm);
    if (rc) {
        if (err && err->code == FU_OK) fu_fail(err, rc, "nscf: basis set-up failed on another rank");
        fu_basis_free(&b);
        return rc;
    }
    fu_allreduce(&nev, 1, MPI_INT, MPI_MIN, comm);
    size_t nt = (size_t)b.grid.ntot;
    double *ev = calloc((size_t)nev, sizeof(double));
    double *all = calloc((size_t)nspin * nk * nband, sizeof(double));
    size_t maxpw = 1;
    for (int ik = 0; ik < nk; ik++)
        if (fu_basis_owns(&b, ik) && (size_t)b.kb[ik].npw > maxpw) maxpw = (size_t)b.kb[ik].npw;
    double complex *X = malloc(sizeof(double complex) * maxpw * (size_t)nev);
    rc = (!ev || !all || !X) ? fu_fail(err, FU_ENOMEM, "nscf: out of memory") : FU_OK;
    if (!rc) rc = fu_hamiltonian_init(&ham, &b, nev, err);
    int maxit = 0, notconv = 0;
    double maxres = 0;
    for (int iks = 0; !rc && iks < nspin * nk; iks++) {
        int ik = iks % nk, spin = iks / nk;
        if (!fu_basis_owns(&b, ik)) continue;
        const fu_kblock *kb = &b.kb[ik];
        if (fu_kblock_start_guess(kb, nev, 0xba5d0000ULL + (uint64_t)ik * 7919ULL, X)) { rc = fu_fail(err, FU_ENOMEM, "nscf: out of memory"); break; }
        fu_hamiltonian_set(&ham, kb, veff_r + (size_t)spin * nt);
        /* restarts from the current iterate: a fixed sequence, so the result
         * does not depend on the rank */
        int its = 0;
        fu_eig_stats st = {0};
        for (int round = 0; round < 6; round++) {
            rc = fu_lobpcg(kb->npw, nev, nband, X, ev, fu_hamiltonian_apply,
                           fu_hamiltonian_precondition, &ham, tol, 100, &st, err);
            its += st.iterations;
            if (rc || st.converged) break;
        }
        if (rc) {
            fu_err_prefix(err, "nscf: k-point %d%s", ik + 1, nspin == 2 ? (spin ? " spin down" : " spin up") : "");
            break;
        }
        if (!st.converged) notconv++;
        if (its > maxit) maxit = its;
        if (st.max_residual > maxres) maxres = st.max_residual;
        memcpy(all + (size_t)iks * nband, ev, sizeof(double) * (size_t)nband);
    }
    /* every rank must take part in the reductions, also after an error */
    int fail = rc;
    fu_allreduce(&fail, 1, MPI_INT, MPI_MAX, comm);
    if (!rc && fail) rc = fu_fail(err, fail, "nscf: failed on another rank");
    if (all) {
        fu_allreduce(all, nspin * nk * nband, MPI_DOUBLE, MPI_SUM, comm);
        memcpy(eig, all, sizeof(double) * (size_t)nspin * nk * nband);
    }
    fu_allreduce(&maxit, 1, MPI_INT, MPI_MAX, comm);
    fu_allreduce(&maxres, 1, MPI_DOUBLE, MPI_MAX, comm);
    fu_allreduce(&notconv, 1, MPI_INT, MPI_SUM, comm);
    if (stats) {
        stats->max_iterations = maxit;
        stats->max_residual = maxres;
        stats->nbuffer = nev - nband;
    }
    if (!rc && notconv)
        rc = fu_fail(err, FU_ENOCONV,
                     "nscf: %d k-point(s) not converged to residual %g Ha (largest %g)", notconv,
                     tol, maxres);
    fu_hamiltonian_free(&ham);
    free(X);
    free(ev);
    free(all);
    fu_basis_free(&b);
    return rc;
}
