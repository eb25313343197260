// labels: unit
/* ML export features (src/export/features.h):
 *  - Magpie statistics by hand for NaCl, GaAs and Al2O3 (given as Al4O6, so
 *    only ratios may matter): minimum/maximum/range unweighted, mean and
 *    avg_dev fraction-weighted, mode = value of the most abundant element,
 *    ties -> smallest (matminer PropertyStats); e.g. Al2O3 mean Number =
 *    (2·13 + 3·8)/5 = 10, avg_dev = 0.4·3 + 0.6·2 = 2.4, mode 8;
 *  - the element table holds the pymatgen values used by hand (Pauling
 *    electronegativities, Magpie's valence convention: Ga has 10 d valence
 *    electrons) and an unknown value (He electronegativity) is reported,
 *    not turned into a number;
 *  - packing fraction and coordination numbers from structures: diamond Si
 *    (4, primitive and 8-atom cubic cell agree), rocksalt NaCl (6), bcc Na
 *    (8, 1-atom primitive and 2-atom cubic cell);
 *  - the table builder: a failed and an unreferenced candidate are skipped
 *    with reasons, a target absent everywhere is dropped, a Magpie property
 *    unknown for an exported element (He electronegativity) is dropped with
 *    the element named, X and Y hold no NaN. */
#include <math.h>
#include <string.h>

#include "check.h"
#include "core/units.h"
#include "crystal/elements.h"
#include "export/element_data.h"
#include "export/features.h"

static long prop(const char *name) {
    size_t n;
    const fu_elprop_def *d = fu_elprop_defs(&n);
    for (size_t i = 0; i < n; i++)
        if (strcmp(d[i].name, name) == 0) return (long)i;
    return -1;
}

static void stats(const char *p, const int *z, const double *w, int n, double out[6]) {
    long q = prop(p);
    CHECK(q >= 0, "property exists in the element table");
    int rc = fu_magpie_stats((size_t)q, z, w, n, out);
    CHECK(rc == 0, "statistics defined");
}

static void check6(const double got[6], double mn, double mx, double mean, double dev, double mode,
                   const char *what) {
    char buf[128];
    const char *names[6] = {"minimum", "maximum", "range", "mean", "avg_dev", "mode"};
    double want[6] = {mn, mx, mx - mn, mean, dev, mode};
    for (int s = 0; s < 6; s++) {
        snprintf(buf, sizeof buf, "%s %s", what, names[s]);
        CHECK_CLOSE(got[s], want[s], 1e-12, buf);
    }
}

static void cell_fcc(double a, double lat[3][3]) {
    double h = a / 2, l[3][3] = {{0, h, h}, {h, 0, h}, {h, h, 0}};
    memcpy(lat, l, sizeof l);
}

static void test_magpie(void) {
    double o[6];
    CHECK_CLOSE(fu_elprop_value((size_t)prop("Electronegativity"), 11), 0.93, 0, "Na Pauling 0.93");
    CHECK_CLOSE(fu_elprop_value((size_t)prop("Electronegativity"), 17), 3.16, 0, "Cl Pauling 3.16");
    CHECK_CLOSE(fu_elprop_value((size_t)prop("Electronegativity"), 31), 1.81, 0, "Ga Pauling 1.81");
    CHECK_CLOSE(fu_elprop_value((size_t)prop("Electronegativity"), 33), 2.18, 0, "As Pauling 2.18");
    CHECK_CLOSE(fu_elprop_value((size_t)prop("Electronegativity"), 13), 1.61, 0, "Al Pauling 1.61");
    CHECK_CLOSE(fu_elprop_value((size_t)prop("Electronegativity"), 8), 3.44, 0, "O Pauling 3.44");
    CHECK_CLOSE(fu_elprop_value((size_t)prop("NdValence"), 31), 10, 0, "Ga: filled 3d counts as valence (Magpie)");
    CHECK_CLOSE(fu_elprop_value((size_t)prop("NpUnfilled"), 8), 2, 0, "O: 2 empty p states");
    CHECK_CLOSE(fu_elprop_value((size_t)prop("NdUnfilled"), 26), 4, 0, "Fe: 4 empty d states");
    CHECK_CLOSE(fu_elprop_value((size_t)prop("CovalentRadius"), 14), 100 * fu_element_covalent_radius(14), 1e-9,
                "CovalentRadius (pm) is the Cordero set of crystal/elements.h");
    CHECK(isnan(fu_elprop_value((size_t)prop("Electronegativity"), 2)), "He has no electronegativity: NaN");
    CHECK(prop("GSbandgap") < 0, "OQMD properties are not invented");

    int nacl[2] = {11, 17};
    double w11[2] = {1, 1};
    stats("Number", nacl, w11, 2, o);
    check6(o, 11, 17, 14, 3, 11, "NaCl Number (tie -> smaller)");
    stats("Electronegativity", nacl, w11, 2, o);
    check6(o, 0.93, 3.16, 2.045, 1.115, 0.93, "NaCl Electronegativity");

    int gaas[2] = {33, 31}; /* order of the elements must not matter */
    double w22[2] = {4, 4};
    stats("Number", gaas, w22, 2, o);
    check6(o, 31, 33, 32, 1, 31, "GaAs Number");
    stats("Electronegativity", gaas, w22, 2, o);
    check6(o, 1.81, 2.18, 1.995, 0.185, 1.81, "GaAs Electronegativity");
    stats("NValence", gaas, w22, 2, o);
    check6(o, 13, 15, 14, 1, 13, "GaAs NValence (3d10 4s2 4p1 / 4p3)");

    int alo[2] = {13, 8};
    double w46[2] = {4, 6};
    stats("Number", alo, w46, 2, o);
    check6(o, 8, 13, 10, 2.4, 8, "Al2O3 Number");
    stats("Electronegativity", alo, w46, 2, o);
    double m = 0.4 * 1.61 + 0.6 * 3.44;
    check6(o, 1.61, 3.44, m, 0.4 * fabs(1.61 - m) + 0.6 * fabs(3.44 - m), 3.44, "Al2O3 Electronegativity");
    stats("NpUnfilled", alo, w46, 2, o);
    check6(o, 2, 5, 0.4 * 5 + 0.6 * 2, 0.4 * 1.8 + 0.6 * 1.2, 2, "Al2O3 NpUnfilled");
    stats("AtomicWeight", alo, w46, 2, o);
    CHECK_CLOSE(o[FU_STAT_MEAN], 0.4 * fu_element_mass(13) + 0.6 * fu_element_mass(8), 2e-3,
                "Al2O3 mean AtomicWeight agrees with crystal/elements.h masses");

    int hene[2] = {1, 2};
    long en = prop("Electronegativity");
    CHECK(fu_magpie_stats((size_t)en, hene, w11, 2, o) == 2, "HHe: unknown He electronegativity reported as Z=2");
    CHECK(strcmp(fu_magpie_stat_name(FU_STAT_AVG_DEV), "avg_dev") == 0, "matminer statistic names");
}

static void test_structures(void) {
    fu_err err = {0};
    fu_struct_desc d;
    double lat[3][3];
    /* diamond Si, primitive */
    double a = 5.431, rsi = fu_element_covalent_radius(14);
    CHECK_CLOSE(rsi, 1.11, 1e-12, "Cordero Si radius 1.11 angstrom");
    cell_fcc(a, lat);
    double xs[2][3] = {{0, 0, 0}, {0.25, 0.25, 0.25}};
    int zsi[8] = {14, 14, 14, 14, 14, 14, 14, 14};
    CHECK(fu_struct_descriptors(lat, (const double(*)[3])xs, zsi, 2, FU_COORD_TOL, &d, &err) == 0, "Si descriptors");
    double pf_si = 2 * 4.0 / 3.0 * FU_PI * rsi * rsi * rsi / (a * a * a / 4);
    CHECK_CLOSE(d.packing_fraction, pf_si, 1e-12, "diamond Si packing fraction 2(4/3)pi r^3/(a^3/4)");
    CHECK_CLOSE(d.volume_per_atom, a * a * a / 8, 1e-10, "diamond Si volume per atom a^3/8");
    CHECK(d.coord_min == 4 && d.coord_max == 4 && d.coord_mean == 4, "diamond Si: 4 neighbours");
    /* the same crystal in the 8-atom cubic cell */
    double cub[3][3] = {{a, 0, 0}, {0, a, 0}, {0, 0, a}};
    double x8[8][3] = {{0, 0, 0},       {0, .5, .5},      {.5, 0, .5},      {.5, .5, 0},
                       {.25, .25, .25}, {.25, .75, .75}, {.75, .25, .75}, {.75, .75, .25}};
    CHECK(fu_struct_descriptors(cub, (const double(*)[3])x8, zsi, 8, FU_COORD_TOL, &d, &err) == 0, "Si8 descriptors");
    CHECK_CLOSE(d.packing_fraction, pf_si, 1e-12, "packing fraction independent of the cell choice");
    CHECK(d.coord_min == 4 && d.coord_max == 4, "Si cubic cell: 4 neighbours");

    /* rocksalt NaCl */
    double an = 5.64, rna = fu_element_covalent_radius(11), rcl = fu_element_covalent_radius(17);
    cell_fcc(an, lat);
    double xn[2][3] = {{0, 0, 0}, {0.5, 0.5, 0.5}};
    int zn[2] = {11, 17};
    CHECK(fu_struct_descriptors(lat, (const double(*)[3])xn, zn, 2, FU_COORD_TOL, &d, &err) == 0, "NaCl descriptors");
    CHECK_CLOSE(d.packing_fraction, 4.0 / 3.0 * FU_PI * (pow(rna, 3) + pow(rcl, 3)) / (an * an * an / 4), 1e-12,
                "NaCl packing fraction");
    CHECK(d.coord_min == 6 && d.coord_max == 6, "rocksalt NaCl: 6 neighbours (Na-Na at 1.20 (r+r) excluded)");

    /* bcc Na */
    double ab = 4.23;
    double bcc1[3][3] = {{-ab / 2, ab / 2, ab / 2}, {ab / 2, -ab / 2, ab / 2}, {ab / 2, ab / 2, -ab / 2}};
    double x1[1][3] = {{0, 0, 0}};
    int zna[2] = {11, 11};
    CHECK(fu_struct_descriptors(bcc1, (const double(*)[3])x1, zna, 1, FU_COORD_TOL, &d, &err) == 0, "bcc Na");
    CHECK(d.coord_min == 8 && d.coord_max == 8, "bcc Na, 1-atom cell: 8 neighbours, all periodic images");
    double cb[3][3] = {{ab, 0, 0}, {0, ab, 0}, {0, 0, ab}};
    double x2[2][3] = {{0, 0, 0}, {0.5, 0.5, 0.5}};
    CHECK(fu_struct_descriptors(cb, (const double(*)[3])x2, zna, 2, FU_COORD_TOL, &d, &err) == 0, "bcc Na cubic");
    CHECK(d.coord_mean == 8, "bcc Na, 2-atom cubic cell: 8 neighbours");
    CHECK_CLOSE(d.packing_fraction, 2 * 4.0 / 3.0 * FU_PI * pow(rna, 3) / (ab * ab * ab), 1e-12, "bcc packing fraction");

    int zbad[1] = {100};
    CHECK(fu_struct_descriptors(bcc1, (const double(*)[3])x1, zbad, 1, FU_COORD_TOL, &d, &err) == FU_EINPUT,
          "an element without covalent radius is an input error, not a NaN");
    double flat[3][3] = {{1, 0, 0}, {2, 0, 0}, {0, 0, 1}};
    CHECK(fu_struct_descriptors(flat, (const double(*)[3])x1, zna, 1, FU_COORD_TOL, &d, &err) == FU_EINPUT,
          "degenerate cell refused");
}

static void add(fu_results *r, const char *id, int state, const char *formula, const int *z, int natom, double e_ha) {
    fu_err err;
    fu_record *rec = &r->rec[r->n++];
    fu_record_init(rec);
    fu_record_set_id(rec, id, &err);
    rec->state = state;
    fu_record_set_str(&rec->label, formula, &err);
    if (state != FU_RECORD_DONE) {
        fu_record_set_str(&rec->cause, "no-convergence", &err);
        fu_record_set_str(&rec->message, "SCF did not converge in 3 iterations", &err);
        return;
    }
    rec->have_result = 1;
    fu_cand_result *res = &rec->res;
    fu_record_result_alloc(res, natom, 1, 1, 1, &err);
    for (int k = 0; k < natom; k++) {
        res->atomic_number[k] = z[k];
        for (int x = 0; x < 3; x++) res->xred[k][x] = 0.25 * k;
    }
    res->etotal = e_ha;
    res->converged = 1;
    double a = 5.5 / FU_BOHR_ANGSTROM / 2;
    double lat[3][3] = {{0, a, a}, {a, 0, a}, {a, a, 0}};
    memcpy(res->lattice, lat, sizeof lat);
    res->volume = 2 * a * a * a;
    res->ecut = 10;
    fu_record_set_str(&res->formula, formula, &err);
    fu_record_set_str(&res->xc, "lda", &err);
    fu_record_set_str(&res->smearing, "none", &err);
    strcpy(res->species[0], "X");
    strcpy(res->psp_sha256[0], "00");
}

static void test_table(void) {
    fu_results r;
    memset(&r, 0, sizeof r);
    r.rec = calloc(5, sizeof *r.rec);
    int si[2] = {14, 14}, nacl[2] = {11, 17}, he[2] = {2, 2}, hesi[2] = {2, 14};
    add(&r, "0000000000000001", FU_RECORD_DONE, "Si", si, 2, -8.0);
    add(&r, "0000000000000002", FU_RECORD_DONE, "ClNa", nacl, 2, -20.0);
    add(&r, "0000000000000003", FU_RECORD_FAILED, "Ge", NULL, 0, 0);
    add(&r, "0000000000000004", FU_RECORD_DONE, "He", he, 2, -5.0);
    /* below both references: a formation energy other than the elements' 0 */
    add(&r, "0000000000000005", FU_RECORD_DONE, "HeSi", hesi, 2, -7.0);
    fu_feature_table t;
    fu_err err = {0};
    int rc = fu_features_build(&r, &t, &err);
    CHECK(rc == 0, "table builds");
    if (rc) {
        fprintf(stderr, "%s\n", err.msg);
        return;
    }
    CHECK(t.nrow == 3 && t.rec[0] == 0 && t.rec[1] == 3 && t.rec[2] == 4,
          "the referenced, converged Si, He and HeSi are rows");
    CHECK(t.nskip == 2, "two candidates skipped");
    if (t.nskip == 2) {
        CHECK(strstr(t.skip[0].reason, "no elemental reference for") != NULL, "NaCl skipped: missing reference");
        CHECK(strstr(t.skip[1].reason, "failed (no-convergence): SCF did not converge") != NULL,
              "failed candidate skipped with cause and message");
    }
    CHECK(fu_features_find(&t, FU_COL_TARGET, "formation_energy_ev_per_atom") >= 0, "formation energy is a target");
    /* code-specific absolute values and diagnostics: in the dataset as metadata, never targets */
    const char *meta_only[] = {"energy_per_atom_ev", "vbm_ev", "cbm_ev", "fermi_level_ev", "pressure_gpa",
                               "max_force_ev_per_angstrom"};
    for (size_t k = 0; k < sizeof meta_only / sizeof *meta_only; k++)
        CHECK(fu_features_find(&t, FU_COL_TARGET, meta_only[k]) < 0 && fu_features_find(&t, FU_COL_META, meta_only[k]) >= 0,
              meta_only[k]);
    /* Si, He and HeSi are all on the hull: is_stable = 1 everywhere teaches nothing */
    CHECK(fu_features_find(&t, FU_COL_TARGET, "is_stable") < 0 && fu_features_find(&t, FU_COL_META, "is_stable") >= 0,
          "a constant target (is_stable = 1 in every row) is metadata");
    int listed = 0;
    for (size_t i = 0; i < t.ndropped; i++) listed |= t.dropped[i].role == FU_COL_TARGET;
    CHECK(listed, "dropped target listed");
    CHECK(fu_features_find(&t, FU_COL_FEATURE, "MagpieData mean Number") >= 0, "Magpie column present");
    CHECK(fu_features_find(&t, FU_COL_FEATURE, "coordination_number_mean") >= 0, "coordination column present");
    CHECK(fu_features_find(&t, FU_COL_FEATURE, "ecut_ev") < 0 && fu_features_find(&t, FU_COL_META, "ecut_ev") >= 0,
          "settings are meta, not features");
    long mn = fu_features_find(&t, FU_COL_FEATURE, "MagpieData mean Number");
    if (mn >= 0) CHECK_CLOSE(t.X[mn], 14, 0, "Si mean Number");
    if (mn >= 0 && t.nrow == 2) CHECK_CLOSE(t.X[t.nfeat + mn], 2, 0, "He mean Number");
    CHECK(fu_features_find(&t, FU_COL_FEATURE, "MagpieData mean Electronegativity") < 0 &&
              fu_features_find(&t, FU_COL_FEATURE, "MagpieData mode Electronegativity") < 0,
          "He has no electronegativity: the property is dropped campaign-wide, not imputed");
    int why = 0;
    for (size_t i = 0; i < t.ndropped; i++)
        why |= strcmp(t.dropped[i].name, "MagpieData avg_dev Electronegativity") == 0 &&
               strstr(t.dropped[i].reason, "He") != NULL;
    CHECK(why, "the dropped Magpie columns name the element lacking the value");
    int finite = 1;
    for (size_t k = 0; k < t.nrow * t.nfeat; k++) finite &= isfinite(t.X[k]);
    for (size_t k = 0; k < t.nrow * t.ntarget; k++) finite &= isfinite(t.Y[k]);
    CHECK(finite, "no NaN in X or Y");
    fu_feature_table_free(&t);
    fu_results_free(&r);
}

int main(void) {
    test_magpie();
    test_structures();
    test_table();
    CHECK_DONE();
}
