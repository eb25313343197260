// labels: unit
/* Periodic table, lattice algebra, structure checks and the reduced formula. */
#include "check.h"
#include "core/units.h"
#include "crystal/elements.h"
#include "crystal/structure.h"

#include <string.h>

static void test_elements(void) {
    int ok = 1;
    for (int z = 1; z <= FU_MAX_Z; z++) {
        const char *s = fu_element_symbol(z);
        if (!s || fu_element_z(s) != z || !(fu_element_mass(z) > 0)) ok = 0;
        for (int y = 1; y < z && ok; y++)
            if (strcmp(fu_element_symbol(y), s) == 0) ok = 0;
    }
    CHECK(ok, "Z 1..103 have distinct symbols that map back to Z, and positive masses");
    CHECK(fu_element_symbol(0) == NULL && fu_element_symbol(104) == NULL, "Z outside 1..103");
    CHECK(strcmp(fu_element_symbol(1), "H") == 0 && strcmp(fu_element_symbol(103), "Lr") == 0,
          "table ends are H and Lr");
    CHECK(fu_element_z("Si") == 14 && fu_element_z("SI") == 14 && fu_element_z("si") == 14,
          "symbols are case-insensitive");
    CHECK(fu_element_z("Xx") == 0 && fu_element_z("") == 0 && fu_element_z(NULL) == 0 &&
              fu_element_z("Si ") == 0 && fu_element_z("S") == 16,
          "unknown or padded symbols give 0; 'S' is sulfur, not a prefix match");
    CHECK(fu_element_z("Og") == 0, "no elements beyond Lr");
    /* IUPAC 2021 abridged values (conventional values for intervals). */
    CHECK_CLOSE(fu_element_mass(1), 1.008, 0, "H conventional weight");
    CHECK_CLOSE(fu_element_mass(6), 12.011, 0, "C conventional weight");
    CHECK_CLOSE(fu_element_mass(8), 15.999, 0, "O conventional weight");
    CHECK_CLOSE(fu_element_mass(14), 28.085, 0, "Si conventional weight");
    CHECK_CLOSE(fu_element_mass(26), 55.845, 0, "Fe standard weight");
    CHECK_CLOSE(fu_element_mass(31), 69.723, 0, "Ga standard weight");
    CHECK_CLOSE(fu_element_mass(33), 74.922, 0, "As standard weight");
    CHECK_CLOSE(fu_element_mass(79), 196.97, 0, "Au standard weight");
    CHECK_CLOSE(fu_element_mass(92), 238.03, 0, "U standard weight");
    CHECK_CLOSE(fu_element_mass(43), 97, 0, "Tc: mass number of Tc-97");
    CHECK_CLOSE(fu_element_mass(0), 0, 0, "unknown Z has mass 0");
    /* Neighbouring elements whose weights are famously out of order. */
    CHECK(fu_element_mass(18) > fu_element_mass(19) && fu_element_mass(27) > fu_element_mass(28) &&
              fu_element_mass(52) > fu_element_mass(53),
          "Ar > K, Co > Ni, Te > I (table not sorted by mass)");
}

static void set_fcc(double lat[3][3], double a) {
    double v[3][3] = {{0, a, a}, {a, 0, a}, {a, a, 0}};
    memcpy(lat, v, sizeof v);
}

/* A structure from plain arrays (znucl per species). */
static int build(fu_structure *s, const double lat[3][3], int natom, const double (*x)[3],
                 const int *typat, int nsp, const int *znucl) {
    fu_err err = {0};
    if (fu_structure_alloc(s, natom, &err)) return 1;
    memcpy(s->lattice, lat, sizeof s->lattice);
    memcpy(s->xred, x, sizeof *x * (size_t)natom);
    memcpy(s->typat, typat, sizeof *typat * (size_t)natom);
    s->nspecies = nsp;
    for (int k = 0; k < nsp; k++) {
        s->znucl[k] = znucl[k];
        snprintf(s->symbol[k], FU_SYMBOL_LEN, "%s", fu_element_symbol(znucl[k]));
    }
    return 0;
}

static void test_lattice(void) {
    double lat[3][3] = {{5.0, 0.1, -0.3}, {0.7, 6.0, 0.2}, {-0.4, 1.1, 7.0}}, rec[3][3];
    fu_lattice_reciprocal(lat, rec);
    double worst = 0;
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            double d = lat[i][0] * rec[j][0] + lat[i][1] * rec[j][1] + lat[i][2] * rec[j][2];
            worst = fmax(worst, fabs(d - (i == j ? 2 * FU_PI : 0)));
        }
    CHECK_CLOSE(worst, 0, 1e-12, "a_i . b_j = 2 pi delta_ij on a skewed cell");
    double fcc[3][3];
    set_fcc(fcc, 5.1315);
    CHECK_CLOSE(fu_lattice_det(fcc), 2 * pow(5.1315, 3), 1e-10,
                "fcc primitive cell volume a^3/4 with a = 2*5.1315");
    double left[3][3] = {{0, 1, 0}, {1, 0, 0}, {0, 0, 1}};
    CHECK_CLOSE(fu_lattice_det(left), -1, 0, "left-handed basis has negative det");

    fu_structure s;
    double x[2][3] = {{0, 0, 0}, {0.25, 0.25, 0.25}};
    int t[2] = {0, 0}, z[1] = {14};
    CHECK(build(&s, fcc, 2, x, t, 1, z) == 0, "alloc");
    double r[3];
    fu_structure_cart(&s, 1, r);
    CHECK_CLOSE(r[0], 0.5 * 5.1315, 1e-14, "Cartesian x of (1/4,1/4,1/4) in fcc");
    CHECK_CLOSE(r[2], 0.5 * 5.1315, 1e-14, "Cartesian z of (1/4,1/4,1/4) in fcc");
    fu_structure c;
    fu_err err = {0};
    CHECK(fu_structure_copy(&c, &s, &err) == FU_OK, "copy");
    CHECK(c.xred != s.xred && c.natom == 2 && c.xred[1][2] == 0.25 && c.znucl[0] == 14 &&
              strcmp(c.symbol[0], "Si") == 0 && c.lattice[2][1] == s.lattice[2][1],
          "copy is deep and complete");
    fu_structure_free(&c);
    CHECK(c.xred == NULL && c.natom == 0, "free resets the structure");
    fu_structure_free(&s);
    CHECK(fu_structure_alloc(&s, 0, &err) != FU_OK && strstr(err.msg, "natom"),
          "alloc rejects natom 0");
}

/* The check fails with a one-line message that contains every fragment. */
static void expect_fail(const fu_structure *s, double dmin, const char *f1, const char *f2,
                        const char *what) {
    fu_err err = {0};
    int rc = fu_structure_check(s, dmin, "cell.yaml", &err);
    int ok = rc != FU_OK && strstr(err.msg, "cell.yaml") && !strchr(err.msg, '\n') &&
             (!f1 || strstr(err.msg, f1)) && (!f2 || strstr(err.msg, f2));
    if (!ok) fprintf(stderr, "  message was: %s\n", err.msg);
    CHECK(ok, what);
}

static void test_check(void) {
    double fcc[3][3];
    set_fcc(fcc, 5.1315);
    double x[2][3] = {{0, 0, 0}, {0.25, 0.25, 0.25}};
    int t[2] = {0, 1}, z[2] = {31, 33};
    fu_structure s;
    build(&s, fcc, 2, x, t, 2, z);
    fu_err err = {0};
    CHECK(fu_structure_check(&s, 1.0, "gaas", &err) == FU_OK, "GaAs passes (bond 4.44 bohr)");
    /* bond length sqrt(3)/4 * 2a = 4.4440 bohr */
    expect_fail(&s, 5.0, "atoms 1 (Ga) and 2 (As)", "4.4440 bohr",
                "min distance names both atoms and their distance");

    s.lattice[1][1] = NAN;
    expect_fail(&s, 0, "lattice", NULL, "NaN lattice rejected");
    s.lattice[1][1] = 0;
    memcpy(s.lattice[2], s.lattice[0], sizeof s.lattice[0]);
    expect_fail(&s, 0, "linearly dependent", NULL, "singular lattice rejected");
    set_fcc(s.lattice, 5.1315);
    s.xred[1][0] = INFINITY;
    expect_fail(&s, 0, "atom 2", "finite", "infinite position rejected");
    s.xred[1][0] = 0.25;
    s.typat[1] = 2;
    expect_fail(&s, 0, "atom 2", "species index", "typat out of range rejected");
    s.typat[1] = 1;
    s.znucl[1] = 150;
    expect_fail(&s, 0, "unknown element", NULL, "unknown Z rejected");
    s.znucl[1] = 33;
    int natom = s.natom;
    s.natom = 0;
    expect_fail(&s, 0, "no atoms", NULL, "natom 0 rejected");
    s.natom = natom;
    fu_structure_free(&s);

    /* Closest pair only across the cell boundary: 0.02 * 10 = 0.2 bohr. */
    double cub[3][3] = {{10, 0, 0}, {0, 10, 0}, {0, 0, 10}};
    double xb[2][3] = {{0.01, 0.5, 0.5}, {0.99, 0.5, 0.5}};
    int tb[2] = {0, 0}, zb[1] = {1};
    build(&s, cub, 2, xb, tb, 1, zb);
    expect_fail(&s, 0.5, "atoms 1 (H) and 2 (H)", "0.2000 bohr",
                "distance over periodic images is found");
    fu_structure_free(&s);

    /* A cell shorter than min_dist: the atom meets its own image. */
    double thin[3][3] = {{0.8, 0, 0}, {0, 10, 0}, {0, 0, 10}};
    double x1[1][3] = {{0, 0, 0}};
    int t1[1] = {0};
    build(&s, thin, 1, x1, t1, 1, zb);
    expect_fail(&s, 1.0, "its own periodic image", "0.8000 bohr", "self-image distance");
    CHECK(fu_structure_check(&s, 0.5, "ok", &err) == FU_OK, "0.8 bohr cell passes at 0.5");
    fu_structure_free(&s);

    /* Strongly sheared cell: the nearest image is not in the first shell of
     * reduced coordinates. a2 = (9.5, 1, 0), so a2 - a1 = (-0.5, 1, 0). */
    double shear[3][3] = {{10, 0, 0}, {9.5, 1, 0}, {0, 0, 10}};
    build(&s, shear, 1, x1, t1, 1, zb);
    expect_fail(&s, 1.2, "own periodic image", "1.1180 bohr", "image found in a sheared cell");
    fu_structure_free(&s);
}

static void formula_of(const double (*x)[3], const int *typat, int natom, int nsp,
                       const int *znucl, const char *want, const char *what) {
    double cub[3][3] = {{10, 0, 0}, {0, 10, 0}, {0, 0, 10}};
    fu_structure s;
    build(&s, cub, natom, x, typat, nsp, znucl);
    char buf[64];
    fu_structure_formula_reduced(&s, buf, sizeof buf);
    if (strcmp(buf, want) != 0) fprintf(stderr, "  formula %s, want %s\n", buf, want);
    CHECK(strcmp(buf, want) == 0, what);
    fu_structure_free(&s);
}

static void test_formula(void) {
    double x[10][3] = {{0}};
    for (int a = 0; a < 10; a++) x[a][0] = 0.1 * a;
    int t2[2] = {0, 1};
    formula_of(x, t2, 2, 2, (int[]){11, 17}, "ClNa", "NaCl -> ClNa");
    formula_of(x, t2, 2, 2, (int[]){31, 33}, "AsGa", "GaAs -> AsGa");
    int t10[10] = {0, 0, 0, 0, 1, 1, 1, 1, 1, 1};
    formula_of(x, t10, 10, 2, (int[]){13, 8}, "Al2O3", "Al4O6 -> Al2O3");
    int t1[2] = {0, 0};
    formula_of(x, t1, 2, 1, (int[]){14}, "Si", "Si2 -> Si");
    int t5[5] = {0, 1, 2, 2, 2};
    formula_of(x, t5, 5, 3, (int[]){38, 22, 8}, "O3SrTi", "SrTiO3 -> O3SrTi");
    /* Two species of one element (two pseudopotentials) count as one. */
    int t3[3] = {0, 1, 2};
    formula_of(x, t3, 3, 3, (int[]){26, 26, 8}, "Fe2O", "species of one element merge");
    int t6[6] = {0, 1, 1, 0, 1, 1};
    formula_of(x, t6, 6, 2, (int[]){6, 1}, "CH2", "gcd 2 reduction, C2H4 -> CH2");
    char small[4];
    double cub[3][3] = {{10, 0, 0}, {0, 10, 0}, {0, 0, 10}};
    fu_structure s;
    build(&s, cub, 10, x, t10, 2, (int[]){13, 8});
    fu_structure_formula_reduced(&s, small, sizeof small);
    CHECK(strcmp(small, "Al2") == 0, "short buffer truncates at an element boundary");
    CHECK(fu_structure_count(&s, 1) == 6 && fu_structure_count(&s, 0) == 4, "species counts");
    fu_structure_free(&s);
}

int main(void) {
    test_elements();
    test_lattice();
    test_check();
    test_formula();
    CHECK_DONE();
}
