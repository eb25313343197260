// labels: unit hull
/* Formation energies, energy above hull and decompositions (props/hull.h) on
 * hand-made systems with known answers, degenerate cases, hostile inputs and
 * invariances of random many-element systems. The cross-check against
 * pymatgen is tests/hull/compare_pymatgen.py. */
#include "check.h"
#include "core/units.h"
#include "crystal/elements.h"
#include "props/hull.h"

#include <string.h>

typedef struct {
    const char *id, *formula;
    double e;
} row;

static int build(const row *rows, int n, fu_hull_entry *es) {
    fu_err err;
    for (int i = 0; i < n; i++)
        if (fu_hull_entry_from_formula(&es[i], rows[i].id, rows[i].formula, rows[i].e, &err)) {
            fprintf(stderr, "build: %s\n", err.msg);
            return 1;
        }
    return 0;
}

/* Fraction of entry `of` in the decomposition of `id` (0 if absent). */
static double frac(const fu_hull *h, const fu_hull_entry *es, int n, const char *id,
                   const char *of) {
    int i = fu_hull_find(es, n, id), j = fu_hull_find(es, n, of);
    if (i < 0 || j < 0) return -1;
    for (int k = h->decomp_off[i]; k < h->decomp_off[i + 1]; k++)
        if (h->decomp_idx[k] == j) return h->decomp_frac[k];
    return 0;
}
static int ndecomp(const fu_hull *h, const fu_hull_entry *es, int n, const char *id) {
    int i = fu_hull_find(es, n, id);
    return h->decomp_off[i + 1] - h->decomp_off[i];
}
#define IDX(id) fu_hull_find(es, n, id)

static const row binary[] = {
    {"li", "Li", -0.2},       {"li_b", "Li2", -0.38},    {"o", "O2", -1.0},
    {"li2o", "Li2O", -1.26},  {"lio2", "LiO2", -1.8},    {"li2o2", "Li2O2", -1.72},
    {"lio", "LiO", -0.8},     {"li4o2", "Li4O2", -2.3},
};

static void test_binary(void) {
    enum { n = sizeof binary / sizeof binary[0] };
    fu_hull_entry es[n];
    fu_hull h;
    fu_err err;
    if (build(binary, n, es) || fu_hull_compute(es, n, NULL, 0, &h, &err)) {
        CHECK(0, "binary Li-O computes");
        return;
    }
    CHECK(h.nelem == 2 && h.z[0] == 3 && h.z[1] == 8, "system is Li, O in ascending Z");
    CHECK(h.ref[0] == IDX("li") && h.ref[1] == IDX("o"), "references: lowest pure entries");
    CHECK_CLOSE(h.mu_ha[0], -0.2, 1e-15, "mu(Li) = -0.2 Ha/atom");
    CHECK_CLOSE(h.mu_ha[1], -0.5, 1e-15, "mu(O) = -0.5 Ha/atom (O2 per atom)");
    CHECK_CLOSE(h.e_form_ha[IDX("li2o")], -0.12, 1e-14, "E_f(Li2O) = -1.26/3 + 0.3");
    CHECK_CLOSE(h.e_form_ha[IDX("lio2")], -0.2, 1e-14, "E_f(LiO2)");
    CHECK_CLOSE(fu_hull_e_form_ev(&h, IDX("lio2")), -0.2 * FU_HA_EV, 1e-12, "E_f in eV/atom");
    CHECK(h.stable[IDX("li")] && h.stable[IDX("o")] && h.stable[IDX("li2o")] &&
              h.stable[IDX("lio2")],
          "Li, O2, Li2O, LiO2 are the hull vertices");
    CHECK(!h.stable[IDX("li_b")] && !h.stable[IDX("li2o2")] && !h.stable[IDX("lio")] &&
              !h.stable[IDX("li4o2")],
          "the others are not");
    CHECK(h.e_above_hull_ha[IDX("li2o")] == 0 && ndecomp(&h, es, n, "li2o") == 1 &&
              frac(&h, es, n, "li2o", "li2o") == 1.0,
          "a compound on the hull: 0 above, decomposes to itself");
    CHECK_CLOSE(h.e_above_hull_ha[IDX("li2o2")], 0.08, 1e-14,
                "Li2O2 0.08 Ha/atom above the Li2O-LiO2 tie line");
    CHECK_CLOSE(fu_hull_e_above_hull_ev(&h, IDX("li2o2")), 0.08 * FU_HA_EV, 1e-12,
                "e_above_hull in eV/atom");
    CHECK(ndecomp(&h, es, n, "li2o2") == 2, "Li2O2 -> two phases");
    CHECK_CLOSE(frac(&h, es, n, "li2o2", "li2o"), 0.5, 1e-14, "Li2O2 -> 1/2 Li2O (atoms)");
    CHECK_CLOSE(frac(&h, es, n, "li2o2", "lio2"), 0.5, 1e-14, "Li2O2 -> 1/2 LiO2 (atoms)");
    CHECK_CLOSE(h.e_above_hull_ha[IDX("lio")], 0.11, 1e-14, "LiO (same composition) 0.11 above");
    CHECK_CLOSE(h.e_above_hull_ha[IDX("li_b")], 0.01, 1e-14,
                "Li polymorph above hull by its energy difference per atom");
    CHECK(ndecomp(&h, es, n, "li_b") == 1 && frac(&h, es, n, "li_b", "li") == 1.0,
          "the Li polymorph decomposes to the ground-state Li");
    CHECK_CLOSE(h.e_above_hull_ha[IDX("li4o2")], -2.3 / 6 + 0.42, 1e-14,
                "scaled duplicate Li4O2 compared per atom with Li2O");
    CHECK(ndecomp(&h, es, n, "li4o2") == 1 && frac(&h, es, n, "li4o2", "li2o") == 1.0,
          "Li4O2 decomposes to Li2O");
    char buf[128];
    int len = fu_hull_decomp_string(&h, es, IDX("li2o2"), buf, sizeof buf);
    CHECK(strcmp(buf, "li2o:0.5;lio2:0.5") == 0 && len == (int)strlen(buf),
          "decomposition as text, input order");
    char small[6];
    CHECK(fu_hull_decomp_string(&h, es, IDX("li2o2"), small, sizeof small) == len &&
              strcmp(small, "li2o:") == 0,
          "decomposition text truncates like snprintf");
    int st[n];
    CHECK(fu_hull_stable_indices(&h, st) == 4 && st[0] == IDX("li") && st[1] == IDX("o") &&
              st[2] == IDX("li2o") && st[3] == IDX("lio2"),
          "stable set in input order");
    fu_hull_free(&h);
    CHECK(h.e_form_ha == NULL && h.nentry == 0, "fu_hull_free clears");
    fu_hull_free(&h);
}

static void test_ternary(void) {
    static const row t[] = {
        {"na", "Na", -1.0},           {"k", "K", -2.0},          {"cl", "Cl2", -6.0},
        {"nacl", "NaCl", -4.6},       {"kcl", "KCl", -5.7},      {"naklcl2", "NaKCl2", -10.25},
        {"nak2cl3", "NaK2Cl3", -16.2}, {"na2cl", "Na2Cl", -5.2}, {"nak", "NaK", -2.95},
    };
    enum { n = sizeof t / sizeof t[0] };
    fu_hull_entry es[n];
    fu_hull h;
    fu_err err;
    if (build(t, n, es) || fu_hull_compute(es, n, NULL, 0, &h, &err)) {
        CHECK(0, "ternary computes");
        return;
    }
    CHECK(h.stable[IDX("nak2cl3")] && h.e_above_hull_ha[IDX("nak2cl3")] == 0,
          "NaK2Cl3, 1/30 Ha/atom below the NaCl-KCl line, is stable");
    CHECK_CLOSE(h.e_form_ha[IDX("nak2cl3")], -16.2 / 6 + 14.0 / 6, 1e-14, "E_f(NaK2Cl3)");
    CHECK_CLOSE(h.e_above_hull_ha[IDX("naklcl2")], 0.0375, 1e-14,
                "NaKCl2 0.0375 Ha/atom above 1/4 NaCl + 3/4 NaK2Cl3");
    CHECK_CLOSE(frac(&h, es, n, "naklcl2", "nacl"), 0.25, 1e-14, "NaKCl2 -> 1/4 NaCl");
    CHECK_CLOSE(frac(&h, es, n, "naklcl2", "nak2cl3"), 0.75, 1e-14, "NaKCl2 -> 3/4 NaK2Cl3");
    CHECK(ndecomp(&h, es, n, "naklcl2") == 2, "a two-phase decomposition inside a ternary");
    CHECK_CLOSE(h.e_above_hull_ha[IDX("na2cl")], 0.2 - (1.0 / 15.0 + 0.0), 1e-12,
                "Na2Cl above 1/3 Na + 2/3 NaCl");
    CHECK_CLOSE(frac(&h, es, n, "na2cl", "na"), 1.0 / 3, 1e-14, "Na2Cl -> 1/3 Na");
    CHECK_CLOSE(frac(&h, es, n, "na2cl", "nacl"), 2.0 / 3, 1e-14, "Na2Cl -> 2/3 NaCl");
    CHECK_CLOSE(h.e_form_ha[IDX("nak")], 0.025, 1e-14, "positive formation energy kept");
    CHECK_CLOSE(h.e_above_hull_ha[IDX("nak")], 0.025, 1e-14, "NaK above the elements");
    CHECK_CLOSE(frac(&h, es, n, "nak", "na"), 0.5, 1e-14, "NaK -> 1/2 Na + 1/2 K");
    fu_hull_free(&h);
}

static void test_degenerate(void) {
    /* Dyadic energies: the degeneracies are exact in floating point. */
    static const row c[] = {
        {"si", "Si", -4.0},        {"c", "C", -5.0},          {"sic", "SiC", -9.5},
        {"si3c", "Si3C", -17.5},   {"si2c2", "Si2C2", -19.0}, {"sic3", "SiC3", -19.0},
    };
    enum { n = sizeof c / sizeof c[0] };
    fu_hull_entry es[n];
    fu_hull h;
    fu_err err;
    if (build(c, n, es) || fu_hull_compute(es, n, NULL, 0, &h, &err)) {
        CHECK(0, "collinear computes");
        return;
    }
    CHECK(h.stable[IDX("sic")] && !h.stable[IDX("si2c2")],
          "degenerate polymorphs: the first one is the vertex");
    CHECK(h.e_above_hull_ha[IDX("si2c2")] == 0 && frac(&h, es, n, "si2c2", "sic") == 1.0,
          "the degenerate twin is 0 above and decomposes to the vertex");
    CHECK(!h.stable[IDX("si3c")] && h.e_above_hull_ha[IDX("si3c")] == 0,
          "collinear Si3C: on the hull, not a vertex");
    CHECK(ndecomp(&h, es, n, "si3c") == 2 && frac(&h, es, n, "si3c", "si") == 0.5 &&
              frac(&h, es, n, "si3c", "sic") == 0.5,
          "collinear Si3C -> 1/2 Si + 1/2 SiC");
    CHECK(h.e_form_ha[IDX("sic3")] == 0 && h.e_above_hull_ha[IDX("sic3")] == 0.125,
          "zero formation energy above the SiC-C line by 1/8");
    fu_hull_free(&h);

    static const row z[] = {{"ge", "Ge", -3.75}, {"sn", "Sn", -3.25}, {"gesn", "GeSn", -7.0}};
    fu_hull_entry ez[3];
    if (build(z, 3, ez) || fu_hull_compute(ez, 3, NULL, 0, &h, &err)) {
        CHECK(0, "zero formation energy computes");
        return;
    }
    CHECK(h.e_form_ha[2] == 0 && h.e_above_hull_ha[2] == 0 && !h.stable[2] &&
              h.decomp_off[3] - h.decomp_off[2] == 2,
          "E_f = 0 with nothing below: on the hull, decomposes into the elements");
    fu_hull_free(&h);
}

static void test_single_element(void) {
    static const row s[] = {{"fe_bcc", "Fe2", -246.0}, {"fe_fcc", "Fe4", -491.9},
                            {"fe_hcp", "Fe", -122.5}};
    fu_hull_entry es[3];
    fu_hull h;
    fu_err err;
    if (build(s, 3, es) || fu_hull_compute(es, 3, NULL, 0, &h, &err)) {
        CHECK(0, "single element computes");
        return;
    }
    CHECK(h.nelem == 1 && h.stable[0] && !h.stable[1] && !h.stable[2], "bcc is the ground state");
    CHECK_CLOSE(h.e_above_hull_ha[1], 0.025, 1e-13, "fcc 0.025 Ha/atom above");
    CHECK_CLOSE(h.e_above_hull_ha[2], 0.5, 1e-13, "hcp 0.5 Ha/atom above");
    CHECK(h.decomp_idx[h.decomp_off[2]] == 0, "hcp decomposes to bcc");
    fu_hull_free(&h);

    fu_hull_entry one;
    if (fu_hull_entry_from_formula(&one, "x", "Cu", -3, &err) ||
        fu_hull_compute(&one, 1, NULL, 0, &h, &err)) {
        CHECK(0, "one entry computes");
        return;
    }
    CHECK(h.stable[0] && h.e_form_ha[0] == 0 && h.e_above_hull_ha[0] == 0,
          "a lone element is its own reference, stable");
    fu_hull_free(&h);
}

static void test_declared_references(void) {
    enum { n = sizeof binary / sizeof binary[0] };
    fu_hull_entry es[n];
    fu_hull h;
    fu_err err;
    if (build(binary, n, es)) return;
    const char *refs[] = {"o", "li_b"};
    CHECK(fu_hull_compute(es, n, refs, 2, &h, &err) == FU_OK, "declared references accepted");
    CHECK(h.ref[0] == IDX("li_b"), "declared Li reference used though not the lowest");
    CHECK_CLOSE(h.e_form_ha[IDX("li")], -0.01, 1e-15, "the lower polymorph: E_f < 0");
    CHECK(h.stable[IDX("li")] && !h.stable[IDX("li_b")] &&
              fabs(h.e_above_hull_ha[IDX("li_b")] - 0.01) < 1e-15,
          "stability does not depend on the reference choice");
    CHECK_CLOSE(h.e_above_hull_ha[IDX("li2o2")], 0.08, 1e-14, "e_above_hull unchanged");
    fu_hull_free(&h);

    const char *only_o[] = {"o"};
    CHECK(fu_hull_compute(es, n, only_o, 1, &h, &err) == FU_EINPUT &&
              strstr(err.msg, "no elemental reference for Li") && strstr(err.msg, "declare"),
          "declared references must cover every element");
    const char *bad[] = {"o", "li2o"};
    CHECK(fu_hull_compute(es, n, bad, 2, &h, &err) == FU_EINPUT &&
              strstr(err.msg, "'li2o'") && strstr(err.msg, "not a pure element"),
          "a compound cannot be a reference");
    const char *unknown[] = {"o", "nope"};
    CHECK(fu_hull_compute(es, n, unknown, 2, &h, &err) == FU_EINPUT &&
              strstr(err.msg, "'nope' is not an entry"),
          "unknown reference ID");
    const char *two[] = {"o", "li", "li_b"};
    CHECK(fu_hull_compute(es, n, two, 3, &h, &err) == FU_EINPUT &&
              strstr(err.msg, "two declared references for Li"),
          "two references for one element");
    CHECK(h.e_form_ha == NULL, "failed compute leaves the hull empty");
    fu_hull_free(&h);
}

static void test_errors(void) {
    fu_hull_entry es[3];
    fu_hull h;
    fu_err err;
    static const row miss[] = {{"li", "Li", -0.2}, {"li2o", "Li2O", -1.2}};
    build(miss, 2, es);
    CHECK(fu_hull_compute(es, 2, NULL, 0, &h, &err) == FU_EINPUT &&
              strstr(err.msg, "entry 'li2o' (Li2O): no elemental reference for O") &&
              !strchr(err.msg, '\n'),
          "missing reference: one line naming the entry and the element");
    CHECK(fu_hull_compute(es, 0, NULL, 0, &h, &err) == FU_EINPUT &&
              strstr(err.msg, "no entries"),
          "empty input");
    build(miss, 2, es);
    es[0].energy_ha = NAN;
    CHECK(fu_hull_compute(es, 2, NULL, 0, &h, &err) == FU_EINPUT && strstr(err.msg, "'li'") &&
              strstr(err.msg, "not finite"),
          "NaN energy rejected");
    es[0].energy_ha = INFINITY;
    CHECK(fu_hull_compute(es, 2, NULL, 0, &h, &err) == FU_EINPUT, "infinite energy rejected");
    build(miss, 2, es);
    es[1].amount[1] = 0;
    CHECK(fu_hull_compute(es, 2, NULL, 0, &h, &err) == FU_EINPUT &&
              strstr(err.msg, "amount of O"),
          "zero amount rejected");
    build(miss, 2, es);
    es[1].z[1] = 3;
    CHECK(fu_hull_compute(es, 2, NULL, 0, &h, &err) == FU_EINPUT && strstr(err.msg, "twice"),
          "element listed twice");
    build(miss, 2, es);
    es[1].z[1] = 200;
    CHECK(fu_hull_compute(es, 2, NULL, 0, &h, &err) == FU_EINPUT && strstr(err.msg, "Z=200"),
          "unknown Z");
    build(miss, 2, es);
    es[1].nelem = 0;
    CHECK(fu_hull_compute(es, 2, NULL, 0, &h, &err) == FU_EINPUT, "no elements");
    build(miss, 2, es);
    strcpy(es[1].id, "li");
    CHECK(fu_hull_compute(es, 2, NULL, 0, &h, &err) == FU_EINPUT &&
              strstr(err.msg, "'li' appears more than once"),
          "duplicate IDs");
    CHECK(h.e_form_ha == NULL, "failed compute leaves the hull empty");

    const char *bad[] = {"", "Xx2", "fe2", "Fe2O-3", "Fe(OH)2", "Fe0", "Fe1.2.3", "Fe.", "Fe O",
                         "Fe1e5"};
    int ok = 1;
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++)
        if (fu_hull_entry_from_formula(&es[0], "x", bad[k], -1, &err) != FU_EINPUT ||
            !strstr(err.msg, "'x'")) {
            fprintf(stderr, "accepted formula '%s'\n", bad[k]);
            ok = 0;
        }
    CHECK(ok, "malformed formulas rejected with the entry named");
    CHECK(fu_hull_entry_from_formula(&es[0], "", "Fe", -1, &err) == FU_EINPUT, "empty ID");
    char longid[FU_HULL_ID_LEN + 10];
    memset(longid, 'a', sizeof longid - 1);
    longid[sizeof longid - 1] = '\0';
    CHECK(fu_hull_entry_from_formula(&es[0], longid, "Fe", -1, &err) == FU_EINPUT,
          "overlong ID");
    CHECK(fu_hull_entry_from_formula(&es[0], "x", "LiFePO4", -1, &err) == FU_OK &&
              es[0].nelem == 4 && es[0].z[3] == 8 && es[0].amount[3] == 4,
          "LiFePO4 parsed");
    CHECK(fu_hull_entry_from_formula(&es[0], "x", "Na0.5Cl1.0Na1.5", -1, &err) == FU_OK &&
              es[0].nelem == 2 && es[0].amount[0] == 2.0 && es[0].amount[1] == 1.0,
          "decimal and repeated amounts add up");
}

static void test_constructors(void) {
    fu_err err;
    fu_hull_entry e;
    double am[FU_MAX_Z + 1] = {0};
    am[26] = 2;
    am[8] = 3;
    CHECK(fu_hull_entry_from_amounts(&e, "fe2o3", am, -5, &err) == FU_OK && e.nelem == 2 &&
              e.z[0] == 8 && e.amount[0] == 3 && e.z[1] == 26 && e.amount[1] == 2,
          "entry from amounts per Z");
    am[8] = -1;
    CHECK(fu_hull_entry_from_amounts(&e, "x", am, -5, &err) == FU_EINPUT, "negative amount");
    double none[FU_MAX_Z + 1] = {0};
    CHECK(fu_hull_entry_from_amounts(&e, "x", none, -5, &err) == FU_EINPUT, "no elements");

    fu_structure s;
    if (fu_structure_alloc(&s, 8, &err)) return;
    s.nspecies = 3;
    s.znucl[0] = 11;
    s.znucl[1] = 17;
    s.znucl[2] = 11; /* a second Na species (other pseudopotential) */
    for (int i = 0; i < 8; i++) s.typat[i] = i < 3 ? 0 : i < 7 ? 1 : 2;
    CHECK(fu_hull_entry_from_structure(&e, "nacl", &s, -60, &err) == FU_OK && e.nelem == 2 &&
              e.z[0] == 11 && e.amount[0] == 4 && e.z[1] == 17 && e.amount[1] == 4 &&
              e.energy_ha == -60,
          "entry from a structure: species of one element merged, energy per cell");
    fu_structure_free(&s);
}

/* Random many-element systems: invariants that hold whatever the hull. */
static unsigned long long rng_state = 88172645463325252ULL;
static double urand(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (double)(rng_state >> 11) / 9007199254740992.0;
}

static int count_el(const double *am, const int *zs, int nel) {
    int c = 0;
    for (int k = 0; k < nel; k++) c += am[zs[k]] > 0;
    return c;
}

static int random_system(fu_hull_entry *es, int n, int nel, const int *zs) {
    fu_err err;
    double mu[16];
    for (int k = 0; k < nel; k++) mu[k] = -1 - 3 * urand();
    int m = 0;
    for (int k = 0; k < nel; k++, m++) {
        double am[FU_MAX_Z + 1] = {0};
        am[zs[k]] = 1 + (int)(3 * urand());
        char id[16];
        snprintf(id, sizeof id, "el%d", k);
        if (fu_hull_entry_from_amounts(&es[m], id, am, mu[k] * am[zs[k]], &err)) return 1;
    }
    for (; m < n; m++) {
        double am[FU_MAX_Z + 1] = {0}, N = 0, e = 0;
        for (int k = 0; k < nel; k++)
            if (urand() < 0.5) {
                am[zs[k]] = 1 + (int)(5 * urand());
                N += am[zs[k]];
                e += am[zs[k]] * mu[k];
            }
        /* Compounds only (at least two elements). */
        for (int k = 0; k < nel && count_el(am, zs, nel) < 2; k++)
            if (am[zs[k]] == 0) {
                am[zs[k]] = 1;
                N += 1;
                e += mu[k];
            }
        e += N * (-0.06 + 0.07 * urand());
        char id[16];
        snprintf(id, sizeof id, "c%d", m);
        if (fu_hull_entry_from_amounts(&es[m], id, am, e, &err)) return 1;
    }
    return 0;
}

static void check_invariants(const fu_hull_entry *es, int n, const fu_hull *h, const char *what) {
    int ok_sign = 1, ok_sum = 1, ok_comp = 1, ok_energy = 1, ok_self = 1, ok_stable_decomp = 1;
    for (int i = 0; i < n; i++) {
        if (!(h->e_above_hull_ha[i] >= 0)) ok_sign = 0;
        double s = 0, eh = 0, xc[FU_MAX_Z + 1] = {0};
        for (int k = h->decomp_off[i]; k < h->decomp_off[i + 1]; k++) {
            int j = h->decomp_idx[k];
            double f = h->decomp_frac[k];
            s += f;
            eh += f * h->e_form_ha[j];
            if (!h->stable[j]) ok_stable_decomp = 0;
            for (int l = 0; l < es[j].nelem; l++)
                xc[es[j].z[l]] += f * es[j].amount[l] / h->natom[j];
        }
        if (fabs(s - 1) > 1e-12) ok_sum = 0;
        for (int l = 0; l < es[i].nelem; l++)
            if (fabs(xc[es[i].z[l]] - es[i].amount[l] / h->natom[i]) > 1e-12) ok_comp = 0;
        if (fabs(eh - (h->e_form_ha[i] - h->e_above_hull_ha[i])) > 1e-12) ok_energy = 0;
        if (h->stable[i] != (h->decomp_off[i + 1] - h->decomp_off[i] == 1 &&
                             h->decomp_idx[h->decomp_off[i]] == i))
            ok_self = 0;
        /* No entry lies below the hull: e_above of all >= 0 already; and
         * the hull is below every entry: e_hull <= E_f. */
        if (h->e_hull_ha[i] > h->e_form_ha[i] + 1e-12) ok_energy = 0;
    }
    char m[160];
    snprintf(m, sizeof m, "%s: e_above_hull >= 0", what);
    CHECK(ok_sign, m);
    snprintf(m, sizeof m, "%s: decomposition fractions sum to 1", what);
    CHECK(ok_sum, m);
    snprintf(m, sizeof m, "%s: decomposition reproduces the composition", what);
    CHECK(ok_comp, m);
    snprintf(m, sizeof m, "%s: decomposition energy = E_f - e_above_hull", what);
    CHECK(ok_energy, m);
    snprintf(m, sizeof m, "%s: stable <=> decomposes to itself", what);
    CHECK(ok_self, m);
    snprintf(m, sizeof m, "%s: decompositions use stable entries only", what);
    CHECK(ok_stable_decomp, m);
}

static void test_random(void) {
    enum { n = 120 };
    static fu_hull_entry es[n], perm[n], shifted[n];
    const int zs[6] = {3, 8, 12, 14, 26, 29};
    fu_err err;
    for (int nel = 2; nel <= 6; nel += 2) {
        if (random_system(es, n, nel, zs)) {
            CHECK(0, "random system built");
            return;
        }
        fu_hull h, hp, hs;
        if (fu_hull_compute(es, n, NULL, 0, &h, &err)) {
            fprintf(stderr, "%s\n", err.msg);
            CHECK(0, "random system computes");
            return;
        }
        char what[64];
        snprintf(what, sizeof what, "random %d-element system", nel);
        check_invariants(es, n, &h, what);
        int nst = 0;
        for (int i = 0; i < n; i++) nst += h.stable[i];
        printf("random %d-element system: %d entries, %d stable\n", nel, n, nst);
        CHECK(nst > nel, "random system has stable compounds");
        /* Reversed order (elements first stay first for the start basis
         * only by accident: reverse everything) and shifted chemical
         * potentials (E_i += sum_el amount * delta_el) change nothing. */
        double delta[FU_MAX_Z + 1] = {0};
        for (int k = 0; k < nel; k++) delta[zs[k]] = 10 * urand() - 5;
        for (int i = 0; i < n; i++) {
            perm[i] = es[n - 1 - i];
            shifted[i] = es[i];
            for (int l = 0; l < es[i].nelem; l++)
                shifted[i].energy_ha += es[i].amount[l] * delta[es[i].z[l]];
        }
        if (fu_hull_compute(perm, n, NULL, 0, &hp, &err) ||
            fu_hull_compute(shifted, n, NULL, 0, &hs, &err)) {
            CHECK(0, "permuted/shifted compute");
            fu_hull_free(&h);
            return;
        }
        double dmax = 0;
        int same = 1;
        for (int i = 0; i < n; i++) {
            int p = n - 1 - i;
            dmax = fmax(dmax, fabs(h.e_form_ha[i] - hp.e_form_ha[p]));
            dmax = fmax(dmax, fabs(h.e_above_hull_ha[i] - hp.e_above_hull_ha[p]));
            dmax = fmax(dmax, fabs(h.e_form_ha[i] - hs.e_form_ha[i]));
            dmax = fmax(dmax, fabs(h.e_above_hull_ha[i] - hs.e_above_hull_ha[i]));
            if (h.stable[i] != hp.stable[p] || h.stable[i] != hs.stable[i]) same = 0;
            int nd = h.decomp_off[i + 1] - h.decomp_off[i];
            if (nd != hp.decomp_off[p + 1] - hp.decomp_off[p]) same = 0;
            for (int k = 0; k < nd && same; k++) {
                int j = h.decomp_idx[h.decomp_off[i] + k], found = 0;
                for (int q = hp.decomp_off[p]; q < hp.decomp_off[p + 1]; q++)
                    if (hp.decomp_idx[q] == n - 1 - j &&
                        fabs(hp.decomp_frac[q] - h.decomp_frac[h.decomp_off[i] + k]) < 1e-12)
                        found = 1;
                if (!found) same = 0;
            }
        }
        CHECK(dmax < 1e-12, "order and reference-energy shifts leave E_f and e_above_hull");
        CHECK(same, "order and shifts leave stability and decompositions");
        fu_hull_free(&h);
        fu_hull_free(&hp);
        fu_hull_free(&hs);
    }
}

int main(void) {
    test_binary();
    test_ternary();
    test_degenerate();
    test_single_element();
    test_declared_references();
    test_errors();
    test_constructors();
    test_random();
    CHECK_DONE();
}
