// labels: unit
/* Space-group operations from spglib: counts and space groups of standard
 * crystals, and, for every operation, checks made here independently of the
 * library: integer rotation with det ±1 that is orthogonal in Cartesian
 * space, identity first, atom_map a species-preserving permutation with
 * R x_a + t = x_map(a) mod 1, closure of the set under composition, and
 * R^{-T} as the action on reduced k. */
#include "check.h"
#include "crystal/elements.h"
#include "crystal/symmetry.h"

#include <string.h>

#define SYMPREC 1e-5

static void build(fu_structure *s, const double lat[3][3], int natom, const double (*x)[3],
                  const int *typat, int nsp, const int *znucl) {
    fu_err err = {0};
    fu_structure_alloc(s, natom, &err);
    memcpy(s->lattice, lat, sizeof s->lattice);
    memcpy(s->xred, x, sizeof *x * (size_t)natom);
    memcpy(s->typat, typat, sizeof *typat * (size_t)natom);
    s->nspecies = nsp;
    for (int k = 0; k < nsp; k++) {
        s->znucl[k] = znucl[k];
        snprintf(s->symbol[k], FU_SYMBOL_LEN, "%s", fu_element_symbol(znucl[k]));
    }
}

static void fcc(double lat[3][3], double a) {
    double v[3][3] = {{0, a, a}, {a, 0, a}, {a, a, 0}};
    memcpy(lat, v, sizeof v);
}

static double frac_dist(const double lat[3][3], const double d[3]) {
    double f[3], r[3] = {0, 0, 0};
    for (int i = 0; i < 3; i++) f[i] = d[i] - round(d[i]);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) r[j] += f[i] * lat[i][j];
    return sqrt(r[0] * r[0] + r[1] * r[1] + r[2] * r[2]);
}

static void inv3(const double m[3][3], double r[3][3]) {
    double d = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
               m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
               m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            int i1 = (j + 1) % 3, i2 = (j + 2) % 3, j1 = (i + 1) % 3, j2 = (i + 2) % 3;
            r[i][j] = (m[i1][j1] * m[i2][j2] - m[i1][j2] * m[i2][j1]) / d;
        }
}

/* Everything an operation set must satisfy; returns 1 if all hold. */
static int verify_ops(const fu_structure *s, const fu_symmetry *sym, double tol) {
    int ok = sym->nsym >= 1 && sym->natom == s->natom;
    /* Identity first with zero translation. */
    for (int i = 0; i < 3; i++) {
        for (int j = 0; j < 3; j++) ok = ok && sym->rot[0][i][j] == (i == j);
        ok = ok && sym->trans[0][i] == 0;
    }
    if (!ok) fprintf(stderr, "  identity is not op 0\n");
    /* Cartesian W = A^T R A^{-T} must be orthogonal (A has rows a_i). */
    double At[3][3], Ait[3][3];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) At[i][j] = s->lattice[j][i];
    inv3(At, Ait);
    for (int k = 0; k < sym->nsym; k++) {
        const int(*R)[3] = sym->rot[k];
        double W[3][3] = {{0}};
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                for (int p = 0; p < 3; p++)
                    for (int q = 0; q < 3; q++) W[i][j] += At[i][p] * R[p][q] * Ait[q][j];
        double worst = 0;
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++) {
                double d = W[0][i] * W[0][j] + W[1][i] * W[1][j] + W[2][i] * W[2][j];
                worst = fmax(worst, fabs(d - (i == j)));
            }
        if (worst > 1e-6) {
            fprintf(stderr, "  op %d: W^T W - 1 = %g\n", k, worst);
            ok = 0;
        }
        /* k-space action: S = R^{-T} satisfies S^T R = 1 (k . x is invariant). */
        int S[3][3];
        if (!fu_rot_reciprocal(R, S)) ok = 0;
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++) {
                int d = S[0][i] * R[0][j] + S[1][i] * R[1][j] + S[2][i] * R[2][j];
                if (d != (i == j)) ok = 0;
            }
        /* atom_map: species-preserving permutation realised by the op. */
        int *seen = calloc((size_t)s->natom, sizeof *seen);
        for (int a = 0; a < s->natom; a++) {
            int b = sym->atom_map[k][a];
            if (b < 0 || b >= s->natom || seen[b] || s->typat[a] != s->typat[b]) {
                ok = 0;
                continue;
            }
            seen[b] = 1;
            double d[3];
            for (int i = 0; i < 3; i++)
                d[i] = R[i][0] * s->xred[a][0] + R[i][1] * s->xred[a][1] +
                       R[i][2] * s->xred[a][2] + sym->trans[k][i] - s->xred[b][i];
            if (frac_dist(s->lattice, d) > tol) {
                fprintf(stderr, "  op %d atom %d -> %d off by %g bohr\n", k, a, b,
                        frac_dist(s->lattice, d));
                ok = 0;
            }
        }
        free(seen);
    }
    /* Closure: {R1|t1}{R2|t2} = {R1 R2 | R1 t2 + t1} is again in the set. */
    for (int a = 0; a < sym->nsym && ok; a++)
        for (int b = 0; b < sym->nsym && ok; b++) {
            int P[3][3];
            double t[3];
            for (int i = 0; i < 3; i++) {
                t[i] = sym->trans[a][i];
                for (int j = 0; j < 3; j++) {
                    P[i][j] = 0;
                    for (int p = 0; p < 3; p++) P[i][j] += sym->rot[a][i][p] * sym->rot[b][p][j];
                    t[i] += sym->rot[a][i][j] * sym->trans[b][j];
                }
            }
            int found = 0;
            for (int c = 0; c < sym->nsym && !found; c++) {
                if (memcmp(P, sym->rot[c], sizeof P)) continue;
                double d[3] = {t[0] - sym->trans[c][0], t[1] - sym->trans[c][1],
                               t[2] - sym->trans[c][2]};
                found = frac_dist(s->lattice, d) < 2 * tol;
            }
            if (!found) {
                fprintf(stderr, "  product of ops %d and %d is not an op\n", a, b);
                ok = 0;
            }
        }
    return ok;
}

static void expect_group(const fu_structure *s, int nsym, int number, const char *symbol,
                         const char *what) {
    fu_symmetry sym;
    fu_err err = {0};
    int rc = fu_symmetry_find(s, SYMPREC, &sym, &err);
    if (rc) {
        fprintf(stderr, "  %s: %s\n", what, err.msg);
        CHECK(rc == FU_OK, what);
        return;
    }
    int ok = sym.nsym == nsym && sym.spacegroup_number == number &&
             (!symbol || strcmp(sym.spacegroup_symbol, symbol) == 0);
    if (!ok)
        fprintf(stderr, "  %s: %d ops, #%d %s\n", what, sym.nsym, sym.spacegroup_number,
                sym.spacegroup_symbol);
    CHECK(ok, what);
    CHECK(verify_ops(s, &sym, SYMPREC), "every op is a verified symmetry; the set is a group");
    fu_symmetry_free(&sym);
    CHECK(sym.rot == NULL && sym.nsym == 0, "free resets");
}

static void test_cubic(void) {
    double lat[3][3];
    fu_structure s;
    double x2[2][3] = {{0, 0, 0}, {0.25, 0.25, 0.25}};
    int same[2] = {0, 0}, diff[2] = {0, 1};

    fcc(lat, 5.1315);
    build(&s, lat, 2, x2, same, 1, (int[]){14});
    expect_group(&s, 48, 227, "Fd-3m", "diamond Si: 48 ops, Fd-3m (227)");
    fu_structure_free(&s);

    /* The DFTK setting: atoms at ±(1/8,1/8,1/8), same group. */
    double xd[2][3] = {{0.125, 0.125, 0.125}, {-0.125, -0.125, -0.125}};
    build(&s, lat, 2, xd, same, 1, (int[]){14});
    expect_group(&s, 48, 227, "Fd-3m", "diamond Si at +-1/8: 48 ops, 227");
    fu_structure_free(&s);

    fcc(lat, 5.3415);
    build(&s, lat, 2, x2, diff, 2, (int[]){31, 33});
    expect_group(&s, 24, 216, "F-43m", "zincblende GaAs: 24 ops, F-43m (216)");
    fu_structure_free(&s);

    fcc(lat, 5.33);
    double xr[2][3] = {{0, 0, 0}, {0.5, 0.5, 0.5}};
    build(&s, lat, 2, xr, diff, 2, (int[]){11, 17});
    expect_group(&s, 48, 225, "Fm-3m", "rocksalt NaCl: 48 ops, Fm-3m (225)");
    fu_structure_free(&s);

    fcc(lat, 3.825);
    double x1[1][3] = {{0, 0, 0}};
    build(&s, lat, 1, x1, same, 1, (int[]){13});
    expect_group(&s, 48, 225, "Fm-3m", "fcc Al: 48 ops, 225");
    fu_structure_free(&s);

    /* bcc Na */
    double bcc[3][3] = {{-4, 4, 4}, {4, -4, 4}, {4, 4, -4}};
    build(&s, bcc, 1, x1, same, 1, (int[]){11});
    expect_group(&s, 48, 229, "Im-3m", "bcc Na: 48 ops, Im-3m (229)");
    fu_structure_free(&s);

    /* The conventional cubic cell of diamond Si (8 atoms): each rotation
     * appears with the 4 fcc centring translations. */
    double cub[3][3] = {{10.263, 0, 0}, {0, 10.263, 0}, {0, 0, 10.263}};
    double x8[8][3];
    const double centring[4][3] = {{0, 0, 0}, {0, 0.5, 0.5}, {0.5, 0, 0.5}, {0.5, 0.5, 0}};
    for (int c = 0; c < 4; c++)
        for (int j = 0; j < 3; j++) {
            x8[c][j] = centring[c][j];
            x8[c + 4][j] = centring[c][j] + 0.25;
        }
    int t8[8] = {0};
    build(&s, cub, 8, x8, t8, 1, (int[]){14});
    expect_group(&s, 192, 227, "Fd-3m", "conventional diamond cell: 192 ops (48 x 4 centrings)");
    fu_structure_free(&s);
}

static void test_low_symmetry(void) {
    fu_structure s;
    int same[2] = {0, 0}, diff[2] = {0, 1};

    /* shared/reference/abinit/si_distorted.json "case": the displaced atom
     * leaves only the inversion through the bond centre. */
    double lat[3][3];
    fcc(lat, 5.1315);
    double xd[2][3] = {{0.01, -0.02, 0.015}, {0.25, 0.25, 0.25}};
    build(&s, lat, 2, xd, same, 1, (int[]){14});
    expect_group(&s, 2, 2, "P-1", "distorted Si: identity and inversion, P-1 (2)");
    fu_structure_free(&s);

    /* hcp Mg, a = 6.0, c = 9.75 bohr */
    double hcp[3][3] = {{6.0, 0, 0}, {-3.0, 3.0 * sqrt(3.0), 0}, {0, 0, 9.75}};
    double xh[2][3] = {{1.0 / 3, 2.0 / 3, 0.25}, {2.0 / 3, 1.0 / 3, 0.75}};
    build(&s, hcp, 2, xh, same, 1, (int[]){12});
    expect_group(&s, 24, 194, "P6_3/mmc", "hcp Mg: 24 ops, P6_3/mmc (194)");
    fu_structure_free(&s);

    /* Monoclinic P2: Si and C on the 2-fold axis b. */
    double mono[3][3] = {{5.5, 0, 0}, {0, 11.0, 0}, {1.3, 0, 7.2}};
    double xm[2][3] = {{0, 0, 0}, {0, 0.3, 0}};
    build(&s, mono, 2, xm, diff, 2, (int[]){14, 6});
    expect_group(&s, 2, 3, "P2", "monoclinic SiC on the b axis: P2 (3), 2 ops");
    fu_structure_free(&s);

    /* Triclinic P1 */
    double tri[3][3] = {{5.0, 0, 0}, {0.8, 5.6, 0}, {0.6, 1.1, 6.3}};
    double xt[2][3] = {{0, 0, 0}, {0.31, 0.22, 0.45}};
    build(&s, tri, 2, xt, diff, 2, (int[]){14, 6});
    expect_group(&s, 1, 1, "P1", "triclinic SiC: identity only, P1 (1)");
    fu_structure_free(&s);

    /* Noise below symprec keeps the group; the verified op maps atoms
     * within the tolerance, not exactly. */
    fcc(lat, 5.1315);
    double xn[2][3] = {{1e-7, -2e-7, 0}, {0.25, 0.25 + 1.5e-7, 0.25}};
    build(&s, lat, 2, xn, same, 1, (int[]){14});
    expect_group(&s, 48, 227, "Fd-3m", "Si with 1e-6 bohr noise: still 48 ops at symprec 1e-5");
    fu_structure_free(&s);

    /* Two pseudopotential species of one element are distinct to spglib:
     * diamond with the two sites labelled differently is zincblende. */
    build(&s, lat, 2, (const double(*)[3])(double[2][3]){{0, 0, 0}, {0.25, 0.25, 0.25}}, diff, 2,
          (int[]){14, 14});
    expect_group(&s, 24, 216, "F-43m", "Si with two species labels: 24 ops (216)");
    fu_structure_free(&s);
}

/* Largest distance between an atom's image and its partner over all ops. */
static double worst_image(const fu_structure *s, const fu_symmetry *sym) {
    double worst = 0;
    for (int k = 0; k < sym->nsym; k++)
        for (int a = 0; a < s->natom; a++) {
            int b = sym->atom_map[k][a];
            double d[3];
            for (int i = 0; i < 3; i++)
                d[i] = sym->rot[k][i][0] * s->xred[a][0] + sym->rot[k][i][1] * s->xred[a][1] +
                       sym->rot[k][i][2] * s->xred[a][2] + sym->trans[k][i] - s->xred[b][i];
            worst = fmax(worst, frac_dist(s->lattice, d));
        }
    return worst;
}

/* spglib symmetrises the translations it returns, so with atoms displaced by
 * a good fraction of symprec an image can land more than symprec from its
 * partner: the library verifies atoms within 2 symprec and must accept
 * spglib's answer. */
static void test_noisy(void) {
    unsigned long long seed = 12345;
    double worst = 0;
    for (int trial = 0; trial < 40; trial++) {
        double a = 10.263, amp = (0.3 + 0.01 * trial) * SYMPREC;
        double cub[3][3] = {{a, 0, 0}, {0, a, 0}, {0, 0, a}};
        const double c[4][3] = {{0, 0, 0}, {0, 0.5, 0.5}, {0.5, 0, 0.5}, {0.5, 0.5, 0}};
        double x[8][3];
        for (int i = 0; i < 8; i++)
            for (int j = 0; j < 3; j++) {
                seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
                double u = (double)(seed >> 11) / 9007199254740992.0 * 2 - 1;
                x[i][j] = c[i % 4][j] + (i >= 4 ? 0.25 : 0) + amp / a * u / sqrt(3.0);
            }
        fu_structure s;
        build(&s, cub, 8, x, (int[8]){0}, 1, (int[]){14});
        fu_symmetry sym;
        fu_err err = {0};
        int rc = fu_symmetry_find(&s, SYMPREC, &sym, &err);
        if (rc) fprintf(stderr, "  trial %d: %s\n", trial, err.msg);
        CHECK(rc == FU_OK, "noisy diamond (0.3-0.7 symprec): spglib's ops pass verification");
        if (!rc) {
            CHECK(verify_ops(&s, &sym, 2 * SYMPREC),
                  "noisy diamond: ops map atoms within 2 symprec and form a group");
            if (sym.nsym == 192) worst = fmax(worst, worst_image(&s, &sym));
            fu_symmetry_free(&sym);
        }
        fu_structure_free(&s);
    }
    CHECK(worst > SYMPREC,
          "some noisy cell keeps all 192 ops with an image more than symprec off (the case the "
          "2 symprec slack is for)");
}

static void test_identity_and_errors(void) {
    double lat[3][3];
    fcc(lat, 5.1315);
    fu_structure s;
    double x2[2][3] = {{0, 0, 0}, {0.25, 0.25, 0.25}};
    build(&s, lat, 2, x2, (int[]){0, 0}, 1, (int[]){14});
    fu_symmetry sym;
    fu_err err = {0};
    CHECK(fu_symmetry_identity(&s, &sym, &err) == FU_OK && sym.nsym == 1 &&
              sym.atom_map[0][1] == 1 && sym.spacegroup_number == 0,
          "identity-only set");
    CHECK(verify_ops(&s, &sym, SYMPREC), "identity set passes the checks");
    fu_symmetry_free(&sym);
    CHECK(fu_symmetry_find(&s, 0, &sym, &err) != FU_OK && strstr(err.msg, "symprec") &&
              sym.rot == NULL,
          "symprec 0 rejected");
    CHECK(fu_symmetry_find(&s, NAN, &sym, &err) != FU_OK, "symprec NaN rejected");
    s.typat[1] = 5;
    CHECK(fu_symmetry_find(&s, SYMPREC, &sym, &err) != FU_OK && strstr(err.msg, "species"),
          "invalid structure rejected before spglib");
    fu_structure_free(&s);
}

int main(void) {
    test_cubic();
    test_low_symmetry();
    test_noisy();
    test_identity_and_errors();
    CHECK_DONE();
}
