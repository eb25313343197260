// labels: unit
/* The model of fu_basis (model.h) and its set-up, against the HGH files
 * themselves (PRB 58, 3641 (1998), ABINIT's 31ga.3.hgh and 33as.5.hgh):
 *  - Z_ion per atom and the electron count are the files' zion (3 + 5);
 *  - the projectors are those of the files' nonzero h_ii (ABINIT's rule):
 *    Ga s 3, p 2, d 1 and As the same (its f channel is all zero), so
 *    2 x (3 + 2 x 3 + 1 x 5) = 28 in all;
 *  - D_ij is h^l_ij: the diagonal from the file, the off-diagonal s term
 *    h12 = -1/2 sqrt(3/5) h22 (HGH98 eq. 4), and no coupling across atoms,
 *    channels or m;
 *  - fu_basis_init and fu_basis_init_klist build the same model;
 *  - errors: a pseudopotential for another element, and a bad ecut reported
 *    before any pseudopotential is read (as before the split). */
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "dft/basis.h"
#include "dft/model.h"
#include "dft/scf_input.h"

/* GaAs at 5.34 bohr, a 2x2x2 mesh, 5 Ha: small, the model does not depend on them */
static const char *GAAS =
    "structure:\n"
    "  lattice: {unit: bohr, vectors: [[0, 5.34, 5.34], [5.34, 0, 5.34], [5.34, 5.34, 0]]}\n"
    "  coordinates: fractional\n"
    "  atoms: [[Ga, 0, 0, 0], [As, 0.25, 0.25, 0.25]]\n"
    "pseudopotentials: {Ga: abinit:31ga.3.hgh, As: abinit:33as.5.hgh}\n"
    "xc: lda\n"
    "ecut: 5 Ha\n"
    "kpoints: {grid: [2, 2, 2]}\n";

static int read_gaas(fu_scf_input *in) {
    fu_err err = {0};
    int rc = fu_scf_input_parse(GAAS, "<gaas>", in, &err);
    if (rc) fprintf(stderr, "input: %s\n", err.msg);
    CHECK(rc == FU_OK, "GaAs input");
    return rc;
}

static void test_model(void) {
    fu_scf_input in;
    if (read_gaas(&in)) return;
    const fu_structure s = in.structure;
    const fu_scf_params p = in.params;
    fu_model m;
    fu_err err = {0};
    int rc = fu_model_init(&m, &s, &p, &err);
    if (rc) fprintf(stderr, "model: %s\n", err.msg);
    CHECK(rc == FU_OK, "model of GaAs");
    if (rc) {
        fu_scf_input_free(&in);
        return;
    }
    CHECK(m.zion[0] == 3.0 && m.zion[1] == 5.0, "Z_ion: Ga 3, As 5 (the files)");
    CHECK(m.nelec == 8.0, "8 valence electrons");
    CHECK(m.nproj == 28, "28 projectors: per atom s 3, p 2 x 3, d 1 x 5");
    const int np = m.nproj;
    /* projector order: atom, l, m, i; Ga s i = 0..2 first */
    CHECK(m.projs[0].atom == 0 && m.projs[0].l == 0 && m.projs[2].i == 2, "Ga s first");
    CHECK_CLOSE(m.dij[0], 2.369325, 1e-12, "Ga h11s");
    CHECK_CLOSE(m.dij[1 * np + 1], -0.249015, 1e-12, "Ga h22s");
    CHECK_CLOSE(m.dij[0 * np + 1], -0.5 * sqrt(3.0 / 5.0) * -0.249015, 1e-12,
                "Ga h12s = -1/2 sqrt(3/5) h22s");
    int blocks = 1, symmetric = 1;
    for (int a = 0; a < np; a++)
        for (int b = 0; b < np; b++) {
            const fu_projector *x = &m.projs[a], *y = &m.projs[b];
            int same = x->atom == y->atom && x->l == y->l && x->m == y->m;
            if (!same && m.dij[(size_t)a * np + b] != 0) blocks = 0;
            if (m.dij[(size_t)a * np + b] != m.dij[(size_t)b * np + a]) symmetric = 0;
        }
    CHECK(blocks, "no coupling across atoms, l or m");
    CHECK(symmetric, "D_ij symmetric");
    CHECK(m.projs[14].atom == 1 && m.projs[14].l == 0, "As projectors after Ga's");
    CHECK_CLOSE(m.dij[14 * np + 14], 4.560761, 1e-12, "As h11s");

    /* the SCF basis and a k-list basis hold the same model */
    fu_basis b, bl;
    rc = fu_basis_init(&b, &s, &p, MPI_COMM_WORLD, &err);
    CHECK(rc == FU_OK, "basis");
    const double k[2][3] = {{0, 0, 0}, {0.5, 0, 0}};
    int rcl = rc ? rc : fu_basis_init_klist(&bl, &s, &p, b.grid.n, 2, k, 4, MPI_COMM_WORLD, &err);
    CHECK(rcl == FU_OK, "k-list basis");
    if (!rc && !rcl) {
        const fu_model *mb = &b.model, *ml = &bl.model;
        CHECK(mb->nelec == m.nelec && ml->nelec == m.nelec, "nelec");
        CHECK(mb->nproj == np && ml->nproj == np, "nproj");
        CHECK(!memcmp(mb->dij, m.dij, sizeof(double) * np * np) &&
                  !memcmp(ml->dij, m.dij, sizeof(double) * np * np),
              "the same D_ij");
        int owned = 0;
        for (int ik = 0; ik < b.kp.nk; ik++) owned += fu_basis_owns(&b, ik);
        CHECK(b.layout.npk * b.layout.npb == b.layout.size, "npk x npb = ranks");
        CHECK(b.layout.size > 1 || owned == b.kp.nk, "one rank owns every k-point");
    }
    if (!rcl) fu_basis_free(&bl);
    if (!rc) fu_basis_free(&b);
    fu_model_free(&m);
    fu_scf_input_free(&in);
}

static void test_errors(void) {
    fu_scf_input in;
    if (read_gaas(&in)) return;
    const fu_structure s = in.structure;
    fu_scf_params p = in.params;
    strcpy(p.pseudo[0], "abinit:33as.5.hgh"); /* As file for Ga */
    fu_model m;
    fu_err err = {0};
    int rc = fu_model_init(&m, &s, &p, &err);
    CHECK(rc == FU_EINPUT, "a pseudopotential of another element is an input error");
    CHECK(strncmp(err.msg, "pseudopotentials: Ga", 20) == 0 && !strchr(err.msg, '\n'),
          "one line naming the species");
    fu_model_free(&m);
    p.ecut = 0;
    fu_basis b;
    err = (fu_err){0};
    rc = fu_basis_init(&b, &s, &p, MPI_COMM_WORLD, &err);
    CHECK(rc == FU_EINPUT && strncmp(err.msg, "ecut:", 5) == 0, "ecut checked first");
    fu_basis_free(&b);
    fu_scf_input_free(&in);
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    test_model();
    test_errors();
    MPI_Finalize();
    CHECK_DONE();
}
