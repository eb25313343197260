// labels: unit
/* Fitted formation-energy corrections (props/correction.h) and their use in
 * the property catalog, on a hand-made correction set and hand-made energies:
 *  - analytic: a correction of x eV per anion atom changes the formation
 *    energy of a compound with n_anion anions in n_atoms atoms by exactly
 *    x n_anion / n_atoms (MgO, Li2O, LiF, a cell of two formula units), and
 *    leaves pure elements at 0; an anion listed as uncorrected (C in SiC) gets
 *    0; an anion without a term (S) and a peroxide (O-O 1.5 Å) are refused
 *    with the species named; H is corrected in LiH but not in LiOH;
 *  - the shipped set: Si and Sb terms applied by the same rule (Mg2Si, AlSb),
 *    C, As, Pb by their terms where fitted, else uncorrected (SiC with C as
 *    the anion, not Si; TiC, AlAs, Mg2Pb), S refused;
 *  - the key: another functional, smearing width, a lower cutoff, another
 *    pseudopotential file of one element, an element the table lacks are each
 *    refused with a reason naming what differs; a higher cutoff is accepted;
 *  - in the catalog: corrected and uncorrected formation energies side by
 *    side (MgO, Mg2O, MgF2 by hand), the hull distance of a binary with one
 *    anion unchanged by a constant per-anion term (the shift is linear in
 *    the anion fraction: lever rule by hand), the hull columns from the
 *    corrected energies by default and from the uncorrected ones with
 *    --hull uncorrected, and a campaign with another O file gets no
 *    corrected values, the reason in its note, and (--hull corrected) no
 *    hull columns. */
#include <math.h>
#include <string.h>

#include "check.h"
#include "core/units.h"
#include "crystal/elements.h"
#include "props/correction.h"
#include "rank/catalog.h"

#define SHA(c) c c c c c c c c c c c c c c c c /* 64 hex digits */

static const fu_correction_psp PSP[] = {{1, SHA("1111")}, {3, SHA("3333")}, {6, SHA("6666")}, {8, SHA("8888")},
                                        {9, SHA("9999")}, {12, SHA("cccc")}, {14, SHA("eeee")}, {16, SHA("ffff")}};
static const fu_correction_term TERMS[] = {{"oxide", -0.70, 0.01}, {"F", -0.45, 0.02}, {"H", -0.18, 0.03}};
static const fu_correction_set SET = {"test-set", "pbe", "test table", "fast", 39.0, "marzari-vanderbilt",
                                      0.01375, 8, PSP, 3, TERMS, "C,Si"};

static double corr(const int *zlist, int n, const char *ox, int *fail, char *why) {
    int count[FU_MAX_Z + 1] = {0};
    for (int i = 0; i < n; i++) count[zlist[i]]++;
    double c = NAN;
    *fail = fu_correction_energy(&SET, count, ox, &c, why, 512);
    return c;
}

static void unit_checks(void) {
    char why[512];
    int fail;
    /* x n_anion / n_atoms, with x the term */
    int mgo[] = {12, 8}, li2o[] = {3, 3, 8}, lif[] = {3, 9}, mg2o2[] = {12, 12, 8, 8};
    CHECK_CLOSE(corr(mgo, 2, "oxide", &fail, why) / 2, -0.70 * 1 / 2, 1e-15, "MgO: x/2 per atom");
    CHECK_CLOSE(corr(li2o, 3, "oxide", &fail, why) / 3, -0.70 * 1 / 3, 1e-15, "Li2O: x/3 per atom");
    CHECK_CLOSE(corr(lif, 2, NULL, &fail, why) / 2, -0.45 / 2, 1e-15, "LiF: the F term, x/2");
    CHECK_CLOSE(corr(mg2o2, 4, "oxide", &fail, why) / 4, -0.70 / 2, 1e-15, "two formula units: same per atom");
    int mg[] = {12, 12}, sic[] = {14, 6}, lih[] = {3, 1}, lioh[] = {3, 8, 1};
    CHECK(corr(mg, 2, NULL, &fail, why) == 0 && !fail, "a pure element is never corrected");
    CHECK(corr(sic, 2, NULL, &fail, why) == 0 && !fail, "C, listed uncorrected, gets 0 in SiC");
    CHECK_CLOSE(corr(lih, 2, NULL, &fail, why), -0.18, 1e-15, "H is the anion of LiH");
    CHECK_CLOSE(corr(lioh, 3, "oxide", &fail, why), -0.70, 1e-15, "LiOH: O corrected, H (not the anion) not");
    int li2s[] = {3, 3, 16}, li2o2[] = {3, 3, 8, 8};
    corr(li2s, 3, NULL, &fail, why);
    CHECK(fail && strstr(why, "for S"), "Li2S: no S term, refused naming S");
    corr(li2o2, 4, "peroxide", &fail, why);
    CHECK(fail && strstr(why, "peroxide"), "a peroxide has no term here: refused naming it");

    /* the key */
    int z2[] = {12, 8};
    const char *ok2[] = {SHA("cccc"), SHA("8888")}, *bad2[] = {SHA("cccc"), SHA("8889")};
    CHECK(fu_correction_match(&SET, "pbe", 39.0, "marzari-vanderbilt", 0.01375, 2, z2, ok2, why, sizeof why),
          "the fit's own settings match");
    CHECK(fu_correction_match(&SET, "pbe", 45.0, "marzari-vanderbilt", 0.01375, 2, z2, ok2, why, sizeof why),
          "a higher cutoff matches");
    CHECK(!fu_correction_match(&SET, "lda", 39.0, "marzari-vanderbilt", 0.01375, 2, z2, ok2, why, sizeof why) &&
              strstr(why, "xc pbe, not lda"),
          "another functional is refused, the reason names both");
    CHECK(!fu_correction_match(&SET, "pbe", 30.0, "marzari-vanderbilt", 0.01375, 2, z2, ok2, why, sizeof why) &&
              strstr(why, "cutoff"),
          "a lower cutoff is refused");
    CHECK(!fu_correction_match(&SET, "pbe", 39.0, "marzari-vanderbilt", 0.01, 2, z2, ok2, why, sizeof why) &&
              strstr(why, "smearing"),
          "another smearing width is refused");
    CHECK(!fu_correction_match(&SET, "pbe", 39.0, "marzari-vanderbilt", 0.01375, 2, z2, bad2, why, sizeof why) &&
              strstr(why, "pseudopotential of O "),
          "another O file is refused, naming O");
    int z3[] = {12, 8, 26};
    const char *sha3[] = {SHA("cccc"), SHA("8888"), SHA("2626")};
    CHECK(!fu_correction_match(&SET, "pbe", 39.0, "marzari-vanderbilt", 0.01375, 3, z3, sha3, why, sizeof why) &&
              strstr(why, "no pseudopotential for Fe"),
          "an element outside the table is refused, naming it");

    /* oxide type from O-O distances */
    fu_structure s;
    fu_err err;
    fu_structure_alloc(&s, 2, &err);
    double a = 4.2 / FU_BOHR_ANGSTROM;
    double lat[3][3] = {{0, a / 2, a / 2}, {a / 2, 0, a / 2}, {a / 2, a / 2, 0}};
    memcpy(s.lattice, lat, sizeof lat);
    s.nspecies = 2;
    s.znucl[0] = 12, s.znucl[1] = 8;
    s.typat[0] = 0, s.typat[1] = 1;
    s.xred[1][0] = s.xred[1][1] = s.xred[1][2] = 0.5;
    CHECK(fu_correction_oxide_type(&s) && !strcmp(fu_correction_oxide_type(&s), "oxide"), "rock-salt MgO: oxide");
    /* an O2 unit of 1.5 Å in a 6 Å cube: peroxide; 1.3 Å: superoxide */
    double c = 6.0 / FU_BOHR_ANGSTROM;
    double cub[3][3] = {{c, 0, 0}, {0, c, 0}, {0, 0, c}};
    memcpy(s.lattice, cub, sizeof cub);
    s.znucl[0] = 8;
    memset(s.xred, 0, 2 * sizeof s.xred[0]);
    s.xred[1][2] = 1.5 / 6.0;
    CHECK(!strcmp(fu_correction_oxide_type(&s), "peroxide"), "O-O 1.5 Å: peroxide");
    s.xred[1][2] = 1.3 / 6.0;
    CHECK(!strcmp(fu_correction_oxide_type(&s), "superoxide"), "O-O 1.3 Å: superoxide");
    s.znucl[0] = s.znucl[1] = 12;
    CHECK(fu_correction_oxide_type(&s) == NULL, "no O: no oxide type");
    fu_structure_free(&s);
}

/* A done candidate: atoms z[0..natom) at fractional positions x (or spread
 * along the diagonal), energy e_ha, the psp file of each element as in PSP
 * (or "other" for O with other_o). */
static void add(fu_results *r, const char *id, const int *z, int natom, double e_ha, const char *xc, int other_o) {
    fu_err err;
    fu_record *rec = &r->rec[r->n++];
    fu_record_init(rec);
    fu_record_set_id(rec, id, &err);
    rec->state = FU_RECORD_DONE;
    rec->have_result = 1;
    rec->attempt = 1;
    fu_cand_result *res = &rec->res;
    int zs[4], nsp = 0;
    for (int k = 0; k < natom; k++) {
        int seen = 0;
        for (int q = 0; q < nsp; q++) seen |= zs[q] == z[k];
        if (!seen) zs[nsp++] = z[k];
    }
    fu_record_result_alloc(res, natom, 1, 1, nsp, &err);
    for (int sp = 0; sp < nsp; sp++) {
        snprintf(res->species[sp], sizeof res->species[sp], "%s", fu_element_symbol(zs[sp]));
        const char *h = "";
        for (int p = 0; p < 8; p++)
            if (PSP[p].z == zs[sp]) h = PSP[p].sha256;
        snprintf(res->psp_sha256[sp], sizeof res->psp_sha256[sp], "%s", other_o && zs[sp] == 8 ? SHA("0000") : h);
    }
    /* atoms 2 Å apart along a 10 Å cube's diagonal: no O-O pair below 1.6 Å */
    double c = 10.0 / FU_BOHR_ANGSTROM;
    double lat[3][3] = {{c, 0, 0}, {0, c, 0}, {0, 0, c}};
    memcpy(res->lattice, lat, sizeof lat);
    for (int k = 0; k < natom; k++) {
        res->atomic_number[k] = z[k];
        res->xred[k][0] = res->xred[k][1] = res->xred[k][2] = 0.2 * k / sqrt(3.0);
    }
    res->volume = c * c * c;
    res->etotal = e_ha;
    res->ecut = 39.0;
    res->tsmear = 0.01375;
    char formula[16];
    snprintf(formula, sizeof formula, "%s", id);
    fu_record_set_str(&res->formula, formula, &err);
    fu_record_set_str(&res->xc, xc, &err);
    fu_record_set_str(&res->smearing, "marzari-vanderbilt", &err);
}

/* Mg -1 Ha/atom, O -2, F -3; E_f: MgO -0.10, Mg2O -0.06, MgF2 -0.15 Ha/atom. */
static void campaign(fu_results *r, int other_o) {
    memset(r, 0, sizeof *r);
    r->rec = calloc(6, sizeof *r->rec);
    int mg[] = {12}, o2[] = {8, 8}, mgo[] = {12, 8}, mg2o[] = {12, 12, 8}, mgf2[] = {12, 9, 9}, f2[] = {9, 9};
    add(r, "0000000000000001", mg, 1, -1.0, "pbe", other_o);
    add(r, "0000000000000002", o2, 2, -4.0, "pbe", other_o);
    add(r, "0000000000000003", mgo, 2, 2 * (-1.5 - 0.10), "pbe", other_o);
    add(r, "0000000000000004", mg2o, 3, (2 * -1.0 - 2.0) - 3 * 0.06, "pbe", other_o);
    add(r, "0000000000000005", f2, 2, -6.0, "pbe", other_o);
    add(r, "0000000000000006", mgf2, 3, (-1.0 - 6.0) - 3 * 0.15, "pbe", other_o);
}

static void campaign_free(fu_results *r) {
    for (size_t i = 0; i < r->n; i++) fu_record_free(&r->rec[i]);
    free(r->rec);
}

static void catalog_checks(void) {
    fu_results r;
    campaign(&r, 0);
    fu_prop_options o = {FU_HULL_AUTO, &SET, 1, 1};
    fu_prop_table t;
    fu_err err;
    int rc = fu_prop_table_build_opts(&r, &o, &t, &err);
    CHECK(rc == FU_OK, "table builds");
    if (rc) {
        fprintf(stderr, "%s\n", err.msg);
        campaign_free(&r);
        return;
    }
    long F = fu_prop_find("formation_energy_ev_per_atom"), FC = fu_prop_find("formation_energy_corrected_ev_per_atom");
    long C = fu_prop_find("energy_correction_ev_per_atom"), H = fu_prop_find("e_above_hull_ev_per_atom");
    long HU = fu_prop_find("e_above_hull_uncorrected_ev_per_atom"), HC = fu_prop_find("e_above_hull_corrected_ev_per_atom");
    long HE = fu_prop_find("hull_energies"), CN = fu_prop_find("corrections");
    CHECK(F >= 0 && FC >= 0 && C >= 0 && H >= 0 && HU >= 0 && HC >= 0 && HE >= 0 && CN >= 0, "columns exist");
    double x = -0.70, xf = -0.45;
    CHECK_CLOSE(fu_prop_num(&t, 2, F), -0.10 * FU_HA_EV, 1e-9, "MgO uncorrected E_f (eV/atom)");
    CHECK_CLOSE(fu_prop_num(&t, 2, FC), -0.10 * FU_HA_EV + x * 1 / 2, 1e-9, "MgO corrected: + x*1/2");
    CHECK_CLOSE(fu_prop_num(&t, 3, FC), -0.06 * FU_HA_EV + x * 1 / 3, 1e-9, "Mg2O corrected: + x*1/3");
    CHECK_CLOSE(fu_prop_num(&t, 5, FC), -0.15 * FU_HA_EV + xf * 2 / 3, 1e-9, "MgF2 corrected: + xF*2/3");
    CHECK_CLOSE(fu_prop_num(&t, 2, C), x / 2, 1e-12, "correction column: x/2 for MgO");
    CHECK(fu_prop_num(&t, 0, C) == 0 && fu_prop_num(&t, 0, FC) == 0, "Mg: no correction, E_f 0");
    CHECK(!strcmp(fu_prop_text(&t, 2, CN), "test-set"), "the set applied is named");
    /* Mg2O against the Mg-MgO line at x_O = 1/3: E_hull = (2/3) E_f(MgO) (lever rule:
     * 1/3 Mg + 2/3 MgO by atoms): -0.06 - (2/3)(-0.10) Ha above. Corrected, both sides
     * move by x/3 (MgO: (2/3)(x/2)), so the distance is the same. */
    double above = (-0.06 - 2.0 / 3.0 * -0.10) * FU_HA_EV;
    CHECK_CLOSE(fu_prop_num(&t, 3, HU), above, 1e-9, "Mg2O above the uncorrected hull by the lever rule");
    CHECK_CLOSE(fu_prop_num(&t, 3, HC), above, 1e-9, "a per-O term leaves a one-anion binary's hull distance");
    CHECK(fu_prop_num(&t, 3, H) == fu_prop_num(&t, 3, HC), "auto: the hull columns are the corrected ones");
    CHECK(!strcmp(fu_prop_text(&t, 3, HE), "corrected"), "hull_energies says corrected");
    fu_prop_table_free(&t);

    o.hull = FU_HULL_UNCORRECTED;
    rc = fu_prop_table_build_opts(&r, &o, &t, &err);
    CHECK(rc == FU_OK && !strcmp(fu_prop_text(&t, 3, HE), "uncorrected") &&
              fu_prop_num(&t, 3, H) == fu_prop_num(&t, 3, HU),
          "--hull uncorrected: hull columns from the uncorrected energies");
    if (!rc) fu_prop_table_free(&t);
    campaign_free(&r);

    /* another O file: the group does not match the set */
    campaign(&r, 1);
    o.hull = FU_HULL_AUTO;
    rc = fu_prop_table_build_opts(&r, &o, &t, &err);
    CHECK(rc == FU_OK, "mismatched campaign builds");
    if (!rc) {
        CHECK(isnan(fu_prop_num(&t, 2, FC)) && isnan(fu_prop_num(&t, 2, C)), "mismatch: no corrected value");
        CHECK_CLOSE(fu_prop_num(&t, 2, F), -0.10 * FU_HA_EV, 1e-9, "mismatch: uncorrected value stands");
        CHECK(strstr(t.note[2], "pseudopotential of O ") != NULL, "mismatch: the note names the O file");
        CHECK(!strcmp(fu_prop_text(&t, 3, HE), "uncorrected"), "auto falls back to the uncorrected hull");
        fu_prop_table_free(&t);
    }
    o.hull = FU_HULL_CORRECTED;
    rc = fu_prop_table_build_opts(&r, &o, &t, &err);
    CHECK(rc == FU_OK, "--hull corrected builds");
    if (!rc) {
        CHECK(isnan(fu_prop_num(&t, 3, H)) && !strcmp(fu_prop_text(&t, 3, HE), ""),
              "--hull corrected without applicable corrections: hull columns empty");
        fu_prop_table_free(&t);
    }
    campaign_free(&r);
}

/* The shipped set (validation/formation/corrections.json): MP2020's anion rule on the compounds
 * the validation campaign compares with experiment. Si and Sb are anions with terms (Mg2Si,
 * AlSb: x n_anion / n_atoms); C, As and Pb (no MP2020 term) have the terms of the third part
 * of the fit where it had training compounds for them, else they are listed uncorrected (0,
 * not refused): SiC takes the C term, never the Si one; S has no term and is refused. */
static void shipped_checks(void) {
    int n = 0;
    const fu_correction_set *sets = fu_correction_data_sets(&n);
    CHECK(n >= 1, "a correction set is shipped");
    if (n < 1) return;
    const fu_correction_set *set = &sets[0];
    double xsi = NAN, xsb = NAN;
    for (int i = 0; i < set->nterm; i++) {
        if (!strcmp(set->term[i].species, "Si")) xsi = set->term[i].value_ev;
        if (!strcmp(set->term[i].species, "Sb")) xsb = set->term[i].value_ev;
    }
    CHECK(isfinite(xsi) && isfinite(xsb), "the shipped set has Si and Sb terms (MP2020 has both)");
    char why[512];
    int count[FU_MAX_Z + 1];
    double c;
#define CELL(zA, nA, zB, nB) (memset(count, 0, sizeof count), count[zA] = (nA), count[zB] = (nB))
    CELL(12, 2, 14, 1);
    CHECK(!fu_correction_energy(set, count, NULL, &c, why, sizeof why), "Mg2Si corrected");
    CHECK_CLOSE(c / 3, xsi / 3, 1e-15, "Mg2Si: the Si term, x/3 per atom");
    CELL(13, 1, 51, 1);
    CHECK(!fu_correction_energy(set, count, NULL, &c, why, sizeof why), "AlSb corrected");
    CHECK_CLOSE(c / 2, xsb / 2, 1e-15, "AlSb: the Sb term, x/2 per atom");
    static const int cell[][4] = {{14, 1, 6, 1}, {22, 1, 6, 1}, {13, 1, 33, 1}, {12, 2, 82, 1}};
    static const char *const names[] = {"SiC (C, not Si)", "TiC", "AlAs", "Mg2Pb"};
    static const char *const anion[] = {"C", "C", "As", "Pb"};
    for (int i = 0; i < 4; i++) {
        double x = NAN;
        for (int k = 0; k < set->nterm; k++)
            if (!strcmp(set->term[k].species, anion[i])) x = set->term[k].value_ev;
        char list[128], tok[8];
        snprintf(list, sizeof list, ",%s,", set->uncorrected);
        snprintf(tok, sizeof tok, ",%s,", anion[i]);
        int listed = strstr(list, tok) != NULL;
        char what[128];
        snprintf(what, sizeof what, "%s: the %s term or listed uncorrected, not both", names[i], anion[i]);
        CHECK(isfinite(x) != listed, what);
        CELL(cell[i][0], cell[i][1], cell[i][2], cell[i][3]);
        int rc = fu_correction_energy(set, count, NULL, &c, why, sizeof why);
        snprintf(what, sizeof what, "%s: %s", names[i], isfinite(x) ? "x n_anion (one anion per cell)" : "0");
        CHECK(!rc && (isfinite(x) ? fabs(c - x * cell[i][3]) < 1e-15 : c == 0), what);
    }
    CELL(3, 2, 16, 1);
    CHECK(fu_correction_energy(set, count, NULL, &c, why, sizeof why) && strstr(why, "for S"),
          "Li2S: no S term in the shipped set, refused naming S");
#undef CELL
}

int main(void) {
    unit_checks();
    shipped_checks();
    catalog_checks();
    CHECK_DONE();
}
