// labels: unit
/* Crystal prototypes: every prototype has the space group of its structure
 * type (spglib), the right atom count and formula, and the covalent-radius
 * rule puts its nearest neighbours exactly at the sum of the radii; an
 * explicit lattice parameter is used as given. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <spglib.h>

#include "check.h"
#include "core/units.h"
#include "crystal/elements.h"
#include "crystal/prototypes.h"
#include "crystal/symmetry.h"

/* Shortest distance (bohr) between an atom of species sa and one of sb over
 * periodic images (sa == sb: distinct atoms or images). Cells here are
 * compact, so images -2..2 suffice. */
static double min_dist(const fu_structure *s, int sa, int sb) {
    double best = INFINITY;
    for (int a = 0; a < s->natom; a++)
        for (int b = 0; b < s->natom; b++) {
            if (s->typat[a] != sa || s->typat[b] != sb) continue;
            for (int n0 = -2; n0 <= 2; n0++)
                for (int n1 = -2; n1 <= 2; n1++)
                    for (int n2 = -2; n2 <= 2; n2++) {
                        if (a == b && !n0 && !n1 && !n2) continue;
                        double f[3] = {s->xred[b][0] - s->xred[a][0] + n0,
                                       s->xred[b][1] - s->xred[a][1] + n1,
                                       s->xred[b][2] - s->xred[a][2] + n2};
                        double r2 = 0;
                        for (int j = 0; j < 3; j++) {
                            double r = f[0] * s->lattice[0][j] + f[1] * s->lattice[1][j] +
                                       f[2] * s->lattice[2][j];
                            r2 += r * r;
                        }
                        if (sqrt(r2) < best) best = sqrt(r2);
                    }
        }
    return best;
}

static double min_dist_all(const fu_structure *s) {
    double best = INFINITY;
    for (int a = 0; a < s->nspecies; a++)
        for (int b = 0; b < s->nspecies; b++) {
            double d = min_dist(s, a, b);
            if (d < best) best = d;
        }
    return best;
}

static double rad(int z) {
    return fu_element_covalent_radius(z) / FU_BOHR_ANGSTROM;
}

typedef struct {
    const char *name;
    const char *elements[3];
    int spacegroup;
    int natom;
    const char *formula; /* fu_structure_formula_reduced: alphabetical */
} proto_case;

static void test_prototype(const proto_case *pc) {
    char what[1400];
    int p = fu_prototype_from_name(pc->name);
    snprintf(what, sizeof what, "%s: known prototype", pc->name);
    CHECK(p >= 0, what);
    if (p < 0) return;
    int ns = fu_prototype_nsites((fu_prototype)p);
    int z[3] = {0, 0, 0};
    for (int i = 0; i < ns; i++) z[i] = fu_element_z(pc->elements[i]);
    fu_structure s;
    fu_err err = {0};
    int rc = fu_prototype_build((fu_prototype)p, z, 0.0, &s, &err);
    snprintf(what, sizeof what, "%s: builds with the radius rule (%s)", pc->name, err.msg);
    CHECK(rc == 0, what);
    if (rc) return;
    snprintf(what, sizeof what, "%s: %d atoms in the primitive cell", pc->name, pc->natom);
    CHECK(s.natom == pc->natom, what);
    char formula[32];
    fu_structure_formula_reduced(&s, formula, sizeof formula);
    snprintf(what, sizeof what, "%s: formula %s (got %s)", pc->name, pc->formula, formula);
    CHECK(!strcmp(formula, pc->formula), what);
    snprintf(what, sizeof what, "%s: passes the structure check", pc->name);
    CHECK(fu_structure_check(&s, 0.5, pc->name, &err) == 0, what);

    fu_symmetry sym;
    rc = fu_symmetry_find(&s, 1e-5, &sym, &err);
    snprintf(what, sizeof what, "%s: space group %d (got %d %s)", pc->name, pc->spacegroup,
             rc ? -1 : sym.spacegroup_number, rc ? err.msg : sym.spacegroup_symbol);
    CHECK(rc == 0 && sym.spacegroup_number == pc->spacegroup, what);
    CHECK(fu_prototype_spacegroup((fu_prototype)p) == pc->spacegroup,
          "the table's space group is the one spglib finds");
    if (!rc) fu_symmetry_free(&sym);

    /* the rule: nearest neighbours at the sum of covalent radii */
    double nn = fu_prototype_rule_nn((fu_prototype)p, z);
    double dmin = min_dist_all(&s);
    if (p != FU_PROTO_PEROVSKITE) {
        double want = ns == 1 ? 2 * rad(z[0]) : rad(z[0]) + rad(z[1]);
        snprintf(what, sizeof what, "%s: rule bond = r_A + r_B (bohr)", pc->name);
        CHECK_CLOSE(nn, want, 1e-12, what);
        snprintf(what, sizeof what, "%s: nearest-neighbour distance = the rule's value (bohr)",
                 pc->name);
        CHECK_CLOSE(dmin, nn, 1e-10, what);
        if (ns == 2) {
            snprintf(what, sizeof what, "%s: the nearest neighbours are A-B pairs", pc->name);
            CHECK_CLOSE(min_dist(&s, 0, 1), nn, 1e-10, what);
        }
    } else {
        /* A–X or B–X has exactly its radius sum, the other at least its own */
        double ax = min_dist(&s, 0, 2) - (rad(z[0]) + rad(z[2]));
        double bx = min_dist(&s, 1, 2) - (rad(z[1]) + rad(z[2]));
        CHECK_CLOSE(fmin(ax, bx), 0.0, 1e-10, "perovskite: the tighter bond is at its radius sum");
        CHECK(ax >= -1e-10 && bx >= -1e-10, "perovskite: no bond shorter than its radius sum");
        CHECK_CLOSE(dmin, min_dist(&s, 1, 2), 1e-10, "perovskite: B-X is the shortest distance");
    }
    double a_rule;
    CHECK(fu_prototype_rule_a((fu_prototype)p, z, &a_rule, &err) == 0 && a_rule > 0,
          "rule lattice parameter");
    fu_structure_free(&s);

    /* an explicit lattice parameter scales the same cell */
    double a = 1.1 * a_rule;
    rc = fu_prototype_build((fu_prototype)p, z, a, &s, &err);
    CHECK(rc == 0, "builds with an explicit lattice parameter");
    if (!rc) {
        snprintf(what, sizeof what, "%s: explicit a scales every distance", pc->name);
        CHECK_CLOSE(min_dist_all(&s), 1.1 * dmin, 1e-10, what);
        fu_structure_free(&s);
    }
}

static void test_values(void) {
    /* Cordero et al. 2008, Table 2 */
    CHECK_CLOSE(fu_element_covalent_radius(1), 0.31, 0, "H 0.31 A");
    CHECK_CLOSE(fu_element_covalent_radius(6), 0.76, 0, "C sp3 0.76 A");
    CHECK_CLOSE(fu_element_covalent_radius(14), 1.11, 0, "Si 1.11 A");
    CHECK_CLOSE(fu_element_covalent_radius(26), 1.32, 0, "Fe low-spin 1.32 A");
    CHECK_CLOSE(fu_element_covalent_radius(55), 2.44, 0, "Cs 2.44 A");
    CHECK_CLOSE(fu_element_covalent_radius(79), 1.36, 0, "Au 1.36 A");
    CHECK_CLOSE(fu_element_covalent_radius(96), 1.69, 0, "Cm 1.69 A (last in the paper)");
    CHECK(fu_element_covalent_radius(97) == 0 && fu_element_covalent_radius(0) == 0,
          "no radius beyond Cm or for Z = 0");
    int all = 1;
    for (int z = 1; z <= 96; z++)
        if (!(fu_element_covalent_radius(z) > 0.2 && fu_element_covalent_radius(z) < 2.7)) all = 0;
    CHECK(all, "Z 1..96 all have radii in 0.2..2.7 A");

    /* documented examples of the rule */
    int nacl[2] = {11, 17}, al[1] = {13}, si[1] = {14};
    double a;
    fu_err err = {0};
    fu_prototype_rule_a(FU_PROTO_ROCKSALT, nacl, &a, &err);
    CHECK_CLOSE(a * FU_BOHR_ANGSTROM, 5.36, 1e-12, "NaCl rocksalt a = 2 (1.66 + 1.02) A");
    fu_prototype_rule_a(FU_PROTO_FCC, al, &a, &err);
    CHECK_CLOSE(a * FU_BOHR_ANGSTROM, 2 * sqrt(2.0) * 1.21, 1e-12, "fcc Al a = 2 sqrt2 r");
    fu_prototype_rule_a(FU_PROTO_DIAMOND, si, &a, &err);
    CHECK_CLOSE(a * FU_BOHR_ANGSTROM, 8 * 1.11 / sqrt(3.0), 1e-12, "diamond Si a = 8 r/sqrt3");

    /* explicit a: the conventional cubic parameter (Si: 5.43 A -> fcc vectors a/2) */
    fu_structure s;
    double a_si = 5.43 / FU_BOHR_ANGSTROM;
    if (!fu_prototype_build(FU_PROTO_DIAMOND, si, a_si, &s, &err)) {
        CHECK_CLOSE(s.lattice[0][1], a_si / 2, 1e-14, "diamond a1 = a/2 (0,1,1)");
        CHECK_CLOSE(fabs(fu_lattice_det((const double(*)[3])s.lattice)), a_si * a_si * a_si / 4,
                    1e-9, "fcc primitive volume a^3/4");
        fu_structure_free(&s);
    }
    int zn[2] = {30, 8};
    if (!fu_prototype_build(FU_PROTO_WURTZITE, zn, 0, &s, &err)) {
        double c_over_a = s.lattice[2][2] / s.lattice[0][0];
        CHECK_CLOSE(c_over_a, sqrt(8.0 / 3.0), 1e-14, "wurtzite ideal c/a");
        CHECK_CLOSE(s.xred[2][2], 0.375, 0, "wurtzite u = 3/8");
        CHECK(fu_lattice_det((const double(*)[3])s.lattice) > 0, "right-handed hexagonal cell");
        fu_structure_free(&s);
    }
    int sisi[2] = {14, 14};
    if (!fu_prototype_build(FU_PROTO_ZINCBLENDE, sisi, 0, &s, &err)) {
        fu_symmetry sym;
        CHECK(s.nspecies == 1 && s.natom == 2, "zincblende Si/Si has one species");
        if (!fu_symmetry_find(&s, 1e-5, &sym, &err)) {
            CHECK(sym.spacegroup_number == 227, "zincblende with A = B is diamond (227)");
            fu_symmetry_free(&sym);
        }
        fu_structure_free(&s);
    }
    int sto[3] = {38, 22, 8};
    if (!fu_prototype_build(FU_PROTO_PEROVSKITE, sto, 0, &s, &err)) {
        char f[32];
        fu_structure_formula_reduced(&s, f, sizeof f);
        CHECK(!strcmp(f, "O3SrTi") && s.typat[0] == 0 && s.typat[1] == 1 && s.typat[4] == 2,
              "SrTiO3: species in site order A, B, X");
        fu_structure_free(&s);
    }

    /* errors */
    int bk[1] = {97};
    CHECK(fu_prototype_build(FU_PROTO_FCC, bk, 0, &s, &err) == FU_EINPUT &&
              strstr(err.msg, "no covalent radius for Bk"),
          "rule without a radius fails naming the element");
    CHECK(fu_prototype_build(FU_PROTO_FCC, bk, 8.0, &s, &err) == 0, "explicit a needs no radius");
    fu_structure_free(&s);
    int bad[1] = {0};
    CHECK(fu_prototype_build(FU_PROTO_FCC, bad, 8.0, &s, &err) == FU_EINPUT, "unknown element");
    CHECK(fu_prototype_build(FU_PROTO_FCC, al, NAN, &s, &err) == FU_EINPUT,
          "NaN lattice parameter");
    CHECK(fu_prototype_build((fu_prototype)42, al, 8.0, &s, &err) == FU_EINPUT,
          "invalid prototype");
    CHECK(fu_prototype_from_name("CsCl") < 0 && fu_prototype_from_name("rocksalt") == 0 &&
              fu_prototype_from_name(NULL) < 0,
          "names: one spelling, lower case");
    int counts[3];
    CHECK(fu_prototype_site_counts(FU_PROTO_WURTZITE, counts) == 2 && counts[0] == 1 &&
              counts[1] == 1,
          "wurtzite A2B2 is formula AB");
    CHECK(fu_prototype_site_counts(FU_PROTO_FLUORITE, counts) == 2 && counts[0] == 1 &&
              counts[1] == 2,
          "fluorite AB2");
    for (int p = 0; p < FU_PROTO_COUNT; p++)
        CHECK(fu_prototype_from_name(fu_prototype_name((fu_prototype)p)) == p &&
                  strstr(fu_prototype_names(), fu_prototype_name((fu_prototype)p)),
              "every name round-trips and is listed");
}

/* Structure types of competing phases and elements: space group and Wyckoff
 * positions as the International Tables and the structure-type literature
 * give them (prototypes.h table), found by spglib on the built cell; the
 * hard-sphere rule: no two atoms of different elements closer than their
 * covalent radius sum, one pair exactly at it. */
typedef struct {
    const char *name;
    const char *elements[3];
    int spacegroup;
    int natom;
    const char *formula; /* alphabetical */
    const char *wyckoff; /* orbits "El:<multiplicity><letter>" in site order; '|' separates
                          * equivalent descriptions (the affine normaliser permutes letters) */
} conv_case;

/* "Li:8c O:4a": each orbit of the primitive cell (spglib's equivalent_atoms)
 * with its multiplicity in the conventional cell and letter, orbits ordered by
 * species then letter. */
static void wyckoff_string(const fu_structure *s, const SpglibDataset *ds, char *buf, size_t len) {
    int nconv_per_prim = ds->n_std_atoms / s->natom;
    buf[0] = 0;
    for (int sp = 0; sp < s->nspecies; sp++)
        for (int letter = 0; letter < 26; letter++)
            for (int a = 0; a < s->natom; a++) {
                if (s->typat[a] != sp || ds->wyckoffs[a] != letter || ds->equivalent_atoms[a] != a)
                    continue;
                int mult = 0;
                for (int b = 0; b < s->natom; b++) mult += ds->equivalent_atoms[b] == a;
                size_t u = strlen(buf);
                snprintf(buf + u, len - u, "%s%s:%d%c", u ? " " : "", s->symbol[sp],
                         mult * nconv_per_prim, 'a' + letter);
            }
}

static int wyckoff_matches(const char *got, const char *want) {
    char w[256];
    snprintf(w, sizeof w, "%s", want);
    char *save = NULL;
    for (char *alt = strtok_r(w, "|", &save); alt; alt = strtok_r(NULL, "|", &save))
        if (!strcmp(alt, got)) return 1;
    return 0;
}

static void test_conv_prototype(const conv_case *pc) {
    char what[1400];
    int p = fu_prototype_from_name(pc->name);
    snprintf(what, sizeof what, "%s: known prototype", pc->name);
    CHECK(p >= 0, what);
    if (p < 0) return;
    int ns = fu_prototype_nsites((fu_prototype)p);
    int z[3] = {0, 0, 0};
    for (int i = 0; i < ns; i++) z[i] = fu_element_z(pc->elements[i]);
    fu_structure s;
    fu_err err = {0};
    int rc = fu_prototype_build((fu_prototype)p, z, 0.0, &s, &err);
    snprintf(what, sizeof what, "%s: builds with the rule (%s)", pc->name, err.msg);
    CHECK(rc == 0, what);
    if (rc) return;
    snprintf(what, sizeof what, "%s: %d atoms in the primitive cell (got %d)", pc->name,
             pc->natom, s.natom);
    CHECK(s.natom == pc->natom, what);
    char formula[32];
    fu_structure_formula_reduced(&s, formula, sizeof formula);
    snprintf(what, sizeof what, "%s: formula %s (got %s)", pc->name, pc->formula, formula);
    CHECK(!strcmp(formula, pc->formula), what);
    snprintf(what, sizeof what, "%s: passes the structure check", pc->name);
    CHECK(fu_structure_check(&s, 0.5, pc->name, &err) == 0, what);
    CHECK(fu_lattice_det((const double(*)[3])s.lattice) > 0, "right-handed cell");

    double lat[3][3], (*pos)[3] = malloc(sizeof *pos * (size_t)s.natom);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) lat[i][j] = s.lattice[j][i];
    memcpy(pos, s.xred, sizeof *pos * (size_t)s.natom);
    SpglibDataset *ds = spg_get_dataset(lat, pos, s.typat, s.natom, 1e-5);
    free(pos);
    snprintf(what, sizeof what, "%s: space group %d (got %d %s)", pc->name, pc->spacegroup,
             ds ? ds->spacegroup_number : -1, ds ? ds->international_symbol : "");
    CHECK(ds && ds->spacegroup_number == pc->spacegroup, what);
    CHECK(fu_prototype_spacegroup((fu_prototype)p) == pc->spacegroup,
          "the table's space group is the literature's");
    if (ds) {
        char got[256];
        wyckoff_string(&s, ds, got, sizeof got);
        snprintf(what, sizeof what, "%s: Wyckoff positions %s (got %s)", pc->name, pc->wyckoff,
                 got);
        CHECK(wyckoff_matches(got, pc->wyckoff), what);
        spg_free_dataset(ds);
    }

    if (p != FU_PROTO_DIMER) {
        /* hard spheres: every pair of different elements (one element: every
         * pair) at least at its radius sum, the closest exactly at it */
        double slack = INFINITY;
        int one = s.nspecies == 1;
        for (int a = 0; a < s.nspecies; a++)
            for (int b = a; b < s.nspecies; b++) {
                if (!one && a == b) continue;
                double d = min_dist(&s, a, b) - (rad(s.znucl[a]) + rad(s.znucl[b]));
                if (d < slack) slack = d;
            }
        snprintf(what, sizeof what, "%s: closest pair at its covalent radius sum (slack %g bohr)",
                 pc->name, slack);
        CHECK_CLOSE(slack, 0.0, 1e-9, what);
    } else {
        double d = min_dist(&s, 0, 0);
        snprintf(what, sizeof what, "%s: %s2 bond", pc->name, pc->elements[0]);
        CHECK_CLOSE(d, fu_prototype_dimer_bond(z[0]), 1e-12, what);
    }
    fu_structure_free(&s);
}

static void test_dimer(void) {
    /* Huber and Herzberg (1979) r_e, Å */
    CHECK_CLOSE(fu_prototype_dimer_bond(8) * FU_BOHR_ANGSTROM, 1.20752, 1e-12, "O2 r_e");
    CHECK_CLOSE(fu_prototype_dimer_bond(7) * FU_BOHR_ANGSTROM, 1.09768, 1e-12, "N2 r_e");
    CHECK(fu_prototype_dimer_bond(6) == 0, "no C2 bond length");
    fu_structure s;
    fu_err err = {0};
    int c[1] = {6}, o[1] = {8};
    CHECK(fu_prototype_build(FU_PROTO_DIMER, c, 20.0, &s, &err) == FU_EINPUT &&
              strstr(err.msg, "no tabulated bond length for C"),
          "dimer of an element without a bond length fails naming it");
    CHECK(fu_prototype_build(FU_PROTO_DIMER, o, 3.0, &s, &err) == FU_EINPUT &&
              strstr(err.msg, "box edge"),
          "a box smaller than twice the bond is refused");
    if (!fu_prototype_build(FU_PROTO_DIMER, o, 0, &s, &err)) {
        CHECK_CLOSE(s.lattice[0][0] * FU_BOHR_ANGSTROM, FU_PROTO_DIMER_BOX_ANGSTROM, 1e-12,
                    "default box 10 A");
        fu_structure_free(&s);
    }
}

int main(void) {
    static const conv_case conv[] = {
        {"antifluorite", {"Li", "O"}, 225, 3, "Li2O", "Li:8c O:4a"},
        {"rutile", {"Ti", "O"}, 136, 6, "O2Ti", "Ti:2a O:4f"},
        {"anatase", {"Ti", "O"}, 141, 6, "O2Ti", "Ti:4a O:8e|Ti:4b O:8e"},
        {"cdi2", {"Cd", "I"}, 164, 3, "CdI2", "Cd:1a I:2d|Cd:1b I:2d"},
        {"nias", {"Ni", "As"}, 194, 4, "AsNi", "Ni:2a As:2c|Ni:2a As:2d"},
        {"corundum", {"Al", "O"}, 167, 10, "Al2O3", "Al:12c O:18e"},
        {"cotunnite", {"Pb", "Cl"}, 62, 12, "Cl2Pb", "Pb:4c Cl:4c Cl:4c"},
        {"spinel", {"Mg", "Al", "O"}, 227, 14, "Al2MgO4",
         "Mg:8a Al:16d O:32e|Mg:8b Al:16c O:32e"},
        {"heusler", {"Cu", "Mn", "Al"}, 225, 4, "AlCu2Mn",
         "Cu:8c Mn:4a Al:4b|Cu:8c Mn:4b Al:4a"},
        /* F-43m: 4a-4d are permuted by the normaliser; the three sites are
         * distinct letters with the 4c/4d one between the two others */
        {"half-heusler", {"Ti", "Ni", "Sn"}, 216, 3, "NiSnTi",
         "Ti:4a Ni:4c Sn:4b|Ti:4b Ni:4d Sn:4a|Ti:4c Ni:4b Sn:4d|Ti:4d Ni:4a Sn:4c|"
         "Ti:4a Ni:4d Sn:4b|Ti:4b Ni:4c Sn:4a|Ti:4c Ni:4a Sn:4d|Ti:4d Ni:4b Sn:4c"},
        {"rp1", {"Sr", "Ti", "O"}, 139, 7, "O4Sr2Ti", "Sr:4e Ti:2a O:4c O:4e"},
        {"delafossite", {"Cu", "Fe", "O"}, 166, 4, "CuFeO2",
         "Cu:3a Fe:3b O:6c|Cu:3b Fe:3a O:6c"},
        {"graphite", {"C"}, 194, 4, "C", "C:2b C:2c|C:2b C:2d"},
        {"beta-sn", {"Sn"}, 141, 2, "Sn", "Sn:4a|Sn:4b"},
        {"alpha-as", {"As"}, 166, 2, "As", "As:6c"},
        {"gamma-se", {"Se"}, 152, 3, "Se", "Se:3a|Se:3b"},
        {"dimer", {"O"}, 123, 2, "O", "O:2g|O:2h"},
        {"alpha-s", {"S"}, 70, 32, "S", "S:32h S:32h S:32h S:32h"},
        {"alpha-ga", {"Ga"}, 64, 4, "Ga", "Ga:8f"},
        {"indium", {"In"}, 139, 1, "In", "In:2a|In:2b"},
        {"dimer", {"Cl"}, 123, 2, "Cl", "Cl:2g|Cl:2h"},
        /* α-Sn is the diamond structure */
        {"diamond", {"Sn"}, 227, 2, "Sn", "Sn:8a|Sn:8b"},
    };
    for (size_t i = 0; i < sizeof conv / sizeof conv[0]; i++) test_conv_prototype(&conv[i]);
    {
        /* an element's own free parameter: only where the prototype has one */
        fu_structure s;
        fu_err err = {0};
        int zte[3] = {52, 0, 0};
        CHECK(fu_prototype_build_u(FU_PROTO_GAMMA_SE, zte, 8.4, 0, 0.2636, &s, &err) == 0 &&
                  fabs(s.xred[0][0] - 0.2636) < 1e-12,
              "gamma-se with Te's own x");
        if (!err.msg[0]) fu_structure_free(&s);
        CHECK(fu_prototype_build_u(FU_PROTO_FCC, zte, 8.4, 0, 0.25, &s, &err) != 0 && strstr(err.msg, "fcc"),
              "a free parameter for fcc is refused");
    }
    test_dimer();
    static const proto_case cases[] = {
        {"rocksalt", {"Na", "Cl"}, 225, 2, "ClNa"},
        {"zincblende", {"Ga", "As"}, 216, 2, "AsGa"},
        {"wurtzite", {"Zn", "O"}, 186, 4, "OZn"},
        {"cscl", {"Cs", "Cl"}, 221, 2, "ClCs"},
        {"fluorite", {"Ca", "F"}, 225, 3, "CaF2"},
        {"diamond", {"Si"}, 227, 2, "Si"},
        {"fcc", {"Al"}, 225, 1, "Al"},
        {"bcc", {"Fe"}, 229, 1, "Fe"},
        {"hcp", {"Mg"}, 194, 2, "Mg"},
        {"perovskite", {"Sr", "Ti", "O"}, 221, 5, "O3SrTi"},
        /* perovskite where A–X sets a (large A, small B) */
        {"perovskite", {"Cs", "Be", "F"}, 221, 5, "BeCsF3"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) test_prototype(&cases[i]);
    test_values();
    CHECK_DONE();
}
