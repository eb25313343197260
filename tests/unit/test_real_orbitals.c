// labels: unit physics
/* Real orbitals at time-reversal-invariant k-points (2k a reciprocal lattice
 * vector, ABINIT's istwfk > 1):
 *  - exactly those k-points of a 3x3x3 mesh get the real layout (Γ only;
 *    a 2x2x2 mesh: all of them);
 *  - G <-> -G-2k is an involution of the sphere that keeps ½|k+G|²;
 *  - the real coordinates are an isometry, to_real projects onto
 *    c(-G-2k) = c(G)* and from_real inverts it there;
 *  - H (kinetic, a real local potential, the nonlocal HGH projectors of
 *    low-symmetry GaAs) maps such orbitals onto such orbitals, i.e. it is
 *    real in real space, and the real apply with its two-orbitals-per-FFT
 *    trick equals the complex apply in real coordinates, for even and odd
 *    block sizes, and is a symmetric matrix;
 *  - a whole SCF gives the same energy, forces, stress and eigenvalues with
 *    real orbitals as with complex ones (symmetry: time_reversal false).
 * The identities hold at any cutoff; a small one keeps it fast. */
#include <complex.h>
#include <math.h>
#include <mpi.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "dft/basis.h"
#include "dft/hamiltonian.h"
#include "dft/scf.h"

typedef double complex cplx;

static uint64_t rng = 88172645463325252ULL;
static double urand(void) { /* in [-0.5, 0.5) */
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (double)(rng >> 11) * 0x1.0p-53 - 0.5;
}

/* GaAs with atom 2 displaced: no inversion, few operations. */
static void make_gaas(fu_structure *s) {
    fu_err err;
    fu_structure_alloc(s, 2, &err);
    const double a = 5.34;
    double lat[3][3] = {{0, a, a}, {a, 0, a}, {a, a, 0}};
    memcpy(s->lattice, lat, sizeof lat);
    s->nspecies = 2;
    strcpy(s->symbol[0], "Ga");
    strcpy(s->symbol[1], "As");
    s->znucl[0] = 31;
    s->znucl[1] = 33;
    s->typat[0] = 0;
    s->typat[1] = 1;
    const double x1[3] = {0.26, 0.243, 0.251};
    memset(s->xred[0], 0, sizeof s->xred[0]);
    memcpy(s->xred[1], x1, sizeof x1);
}

static void params(fu_scf_params *p, int kgrid) {
    fu_scf_params_default(p);
    strcpy(p->pseudo[0], "abinit:31ga.3.hgh");
    strcpy(p->pseudo[1], "abinit:33as.5.hgh");
    p->ecut = 6.0;
    p->kgrid[0] = p->kgrid[1] = p->kgrid[2] = kgrid;
    p->nband = 8;
    p->tol_energy = 1e-12;
    p->tol_density = 1e-10;
    p->compute_forces = 1;
    p->compute_stress = 1;
    p->verbosity = 0;
}

static int tr_invariant(const double k[3]) {
    for (int c = 0; c < 3; c++)
        if (fabs(2 * k[c] - round(2 * k[c])) > 1e-10) return 0;
    return 1;
}

static double sym_error(const fu_kblock *kb, const cplx *c) { /* max |c(G') - c(G)*| */
    double e = 0;
    for (int ig = 0; ig < kb->npw; ig++) e = fmax(e, cabs(c[kb->mate[ig]] - conj(c[ig])));
    return e;
}

static void check_kblock(const fu_basis *b, const fu_kblock *kb, double *veff) {
    const int npw = kb->npw, m = 5; /* odd: the last orbital has its FFT alone */
    int invol = 1, kin_same = 1, nself = 0;
    for (int ig = 0; ig < npw; ig++) {
        int j = kb->mate[ig];
        invol = invol && j >= 0 && j < npw && kb->mate[j] == ig;
        kin_same = kin_same && fabs(kb->kin[j] - kb->kin[ig]) <= 1e-12 * (1 + kb->kin[ig]);
        nself += j == ig;
    }
    CHECK(invol, "G -> -G-2k is an involution of the sphere");
    CHECK(kin_same, "G and -G-2k have the same kinetic energy");
    CHECK(nself == (tr_invariant(kb->kred) && fabs(kb->kred[0]) + fabs(kb->kred[1]) +
                    fabs(kb->kred[2]) < 1e-12 ? 1 : 0),
          "only G = 0 at Γ is its own partner");
    CHECK(2 * kb->nrep - nself == npw, "representatives and real coordinates add up to npw");

    cplx *c = malloc(sizeof(cplx) * npw * m), *cs = malloc(sizeof(cplx) * npw * m);
    cplx *hc = malloc(sizeof(cplx) * npw * m);
    double *v = malloc(sizeof(double) * npw * m), *v2 = malloc(sizeof(double) * npw * m);
    double *hv = malloc(sizeof(double) * npw * m), *hvc = malloc(sizeof(double) * npw * m);
    for (int i = 0; i < npw * m; i++) c[i] = urand() + I * urand();
    fu_kblock_to_real(kb, m, c, v);
    fu_kblock_from_real(kb, m, v, cs);
    fu_kblock_to_real(kb, m, cs, v2);
    double esym = 0, eround = 0, enorm = 0, eproj = 0;
    for (int j = 0; j < m; j++) {
        const cplx *cj = c + (size_t)j * npw, *sj = cs + (size_t)j * npw;
        esym = fmax(esym, sym_error(kb, sj));
        double nv = 0, nc = 0, dot = 0;
        for (int i = 0; i < npw; i++) {
            eround = fmax(eround, fabs(v2[(size_t)j * npw + i] - v[(size_t)j * npw + i]));
            nv += v[(size_t)j * npw + i] * v[(size_t)j * npw + i];
            nc += creal(conj(sj[i]) * sj[i]);
            dot += creal(conj(sj[i]) * (cj[i] - sj[i]));
        }
        enorm = fmax(enorm, fabs(nv - nc) / nc);
        eproj = fmax(eproj, fabs(dot) / nc); /* c - P c is orthogonal to P c */
    }
    CHECK_CLOSE(esym, 0, 1e-15, "from_real gives c(-G-2k) = c(G)*");
    CHECK_CLOSE(eround, 0, 1e-15, "to_real inverts from_real");
    CHECK_CLOSE(enorm, 0, 1e-14, "real coordinates keep the norm");
    CHECK_CLOSE(eproj, 0, 1e-14, "to_real is the orthogonal projection onto real orbitals");

    fu_hamiltonian h;
    fu_err err = {0};
    CHECK(fu_hamiltonian_init(&h, b, m, &err) == FU_OK, "hamiltonian init");
    fu_hamiltonian_set(&h, kb, veff);
    fu_hamiltonian_apply(&h, m, cs, hc);
    double hsym = 0, hscale = 0;
    for (int j = 0; j < m; j++) hsym = fmax(hsym, sym_error(kb, hc + (size_t)j * npw));
    for (int i = 0; i < npw * m; i++) hscale = fmax(hscale, cabs(hc[i]));
    CHECK_CLOSE(hsym / hscale, 0, 1e-13, "H maps real orbitals onto real orbitals (H real in r)");
    fu_kblock_to_real(kb, m, hc, hvc);
    for (int mm = m; mm >= m - 1; mm--) { /* odd and even blocks */
        fu_hamiltonian_apply_real(&h, mm, v2, hv);
        double d = 0;
        for (int i = 0; i < npw * mm; i++) d = fmax(d, fabs(hv[i] - hvc[i]));
        CHECK_CLOSE(d / hscale, 0, 1e-13, "real apply (two orbitals per FFT) = complex apply");
    }
    double asym = 0; /* v_i . H v_j = v_j . H v_i */
    for (int i = 0; i < m; i++)
        for (int j = 0; j < i; j++) {
            double a = 0, bb = 0;
            for (int s = 0; s < npw; s++) {
                a += v2[(size_t)i * npw + s] * hv[(size_t)j * npw + s];
                bb += v2[(size_t)j * npw + s] * hv[(size_t)i * npw + s];
            }
            asym = fmax(asym, fabs(a - bb));
        }
    CHECK_CLOSE(asym / hscale, 0, 1e-11, "H is symmetric in real coordinates");
    fu_hamiltonian_free(&h);
    free(c);
    free(cs);
    free(hc);
    free(v);
    free(v2);
    free(hv);
    free(hvc);
}

static void test_layout_and_apply(int kgrid) {
    fu_structure s;
    make_gaas(&s);
    fu_scf_params p;
    params(&p, kgrid);
    fu_basis b;
    fu_err err = {0};
    int rc = fu_basis_init(&b, &s, &p, MPI_COMM_WORLD, &err);
    if (rc) fprintf(stderr, "basis: %s\n", err.msg);
    CHECK(rc == FU_OK, "basis init");
    if (rc) return;
    double *veff = malloc(sizeof(double) * b.grid.ntot);
    for (int i = 0; i < b.grid.ntot; i++) veff[i] = -0.5 + 0.3 * urand(); /* any real V(r) */
    int nreal = 0, right = 1;
    for (int ik = 0; ik < b.kp.nk; ik++) {
        const fu_kblock *kb = &b.kb[ik];
        right = right && kb->real == tr_invariant(kb->kred);
        if (kb->real) {
            nreal++;
            check_kblock(&b, kb, veff);
        }
    }
    CHECK(right, "real layout exactly at the time-reversal-invariant k-points");
    CHECK(kgrid == 2 ? nreal == b.kp.nk : nreal == 1,
          "2x2x2 mesh: every k-point real; 3x3x3: Γ alone");
    free(veff);
    fu_basis_free(&b);
    fu_structure_free(&s);
}

/* Real vs complex orbitals through a whole SCF. */
static void test_scf_real_vs_complex(void) {
    fu_structure s;
    make_gaas(&s);
    fu_scf_result r[2];
    for (int t = 0; t < 2; t++) {
        fu_scf_params p;
        params(&p, 2);
        p.time_reversal = t == 0; /* false: complex orbitals everywhere */
        fu_err err = {0};
        int rc = fu_scf_run(&s, &p, MPI_COMM_WORLD, NULL, &r[t], &err);
        if (rc) fprintf(stderr, "scf: %s\n", err.msg);
        CHECK(rc == FU_OK && r[t].converged, "SCF converges");
        if (rc) return;
    }
    CHECK(r[0].nk == r[1].nk, "same k-points (all are their own time-reversal images)");
    /* SCF converged to 1e-10 in the density: energies agree far below that */
    CHECK_CLOSE(r[0].etotal, r[1].etotal, 1e-10, "total energy, real vs complex orbitals (Ha)");
    double df = 0, ds = 0, de = 0;
    for (int a = 0; a < 2; a++)
        for (int c = 0; c < 3; c++) df = fmax(df, fabs(r[0].forces[a][c] - r[1].forces[a][c]));
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) ds = fmax(ds, fabs(r[0].stress[i][j] - r[1].stress[i][j]));
    for (int i = 0; i < r[0].nk * r[0].nband; i++) de = fmax(de, fabs(r[0].eig[i] - r[1].eig[i]));
    CHECK_CLOSE(df, 0, 1e-8, "forces, real vs complex orbitals (Ha/bohr)");
    CHECK_CLOSE(ds, 0, 1e-10, "stress, real vs complex orbitals (Ha/bohr^3)");
    CHECK_CLOSE(de, 0, 1e-8, "eigenvalues, real vs complex orbitals (Ha)");
    fu_scf_result_free(&r[0]);
    fu_scf_result_free(&r[1]);
    fu_structure_free(&s);
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    test_layout_and_apply(3);
    test_layout_and_apply(2);
    test_scf_real_vs_complex();
    MPI_Finalize();
    CHECK_DONE();
}
