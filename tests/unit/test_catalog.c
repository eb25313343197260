// labels: unit
/* The property catalog on hand-made results:
 *  - structure columns from their definitions: diamond Si at a = 5.431 Å has
 *    volume a³/4 = 40.05 Å³ per 2-atom cell and density 2.329 g/cm³ (the
 *    textbook value), angles 60°;
 *  - formation energy = E/N - Σ x μ by hand (eV/atom), the lower of two
 *    polymorphs is the reference, hull distance of an unstable compound;
 *  - a compound whose element has no pure candidate gets NaN and a note
 *    naming the element; candidates of another functional form their own
 *    group; failed rows keep identity columns and NaN results;
 *  - a compound and its elements (different species lists) share a group
 *    when each element has the same pseudopotential; an element computed
 *    with another pseudopotential forms its own group. */
#include <math.h>
#include <string.h>

#include "check.h"
#include "core/units.h"
#include "crystal/elements.h"
#include "rank/catalog.h"

/* One species per distinct element, its pseudopotential checksum "psp-Z"
 * unless psp_tag is given (a different pseudopotential for every element). */
static void add_psp(fu_results *r, const char *id, const char *formula, const int *z, int natom,
                    double e_ha, const char *xc, double a_ang, const char *psp_tag) {
    fu_err err;
    fu_record *rec = &r->rec[r->n++];
    fu_record_init(rec);
    fu_record_set_id(rec, id, &err);
    rec->state = FU_RECORD_DONE;
    rec->have_result = 1;
    rec->attempt = 1;
    fu_cand_result *res = &rec->res;
    int nsp = 1 + (natom > 1 && z[1] != z[0]);
    fu_record_result_alloc(res, natom, 1, 1, nsp, &err);
    for (int sp = 0; sp < nsp; sp++) {
        snprintf(res->species[sp], sizeof res->species[sp], "%s", fu_element_symbol(z[sp]));
        snprintf(res->psp_sha256[sp], sizeof res->psp_sha256[sp], "%s-%d", psp_tag ? psp_tag : "psp", z[sp]);
    }
    for (int k = 0; k < natom; k++) res->atomic_number[k] = z[k];
    res->etotal = e_ha;
    double a = a_ang / FU_BOHR_ANGSTROM / 2;
    double lat[3][3] = {{0, a, a}, {a, 0, a}, {a, a, 0}};
    memcpy(res->lattice, lat, sizeof lat);
    res->volume = 2 * a * a * a;
    res->ecut = 10;
    res->gap = 0.02;
    fu_record_set_str(&res->formula, formula, &err);
    fu_record_set_str(&res->xc, xc, &err);
    fu_record_set_str(&res->smearing, "none", &err);
}

static void add(fu_results *r, const char *id, const char *formula, const int *z, int natom,
                double e_ha, const char *xc, double a_ang) {
    add_psp(r, id, formula, z, natom, e_ha, xc, a_ang, NULL);
}

int main(void) {
    fu_results r;
    memset(&r, 0, sizeof r);
    r.rec = calloc(9, sizeof *r.rec);
    int si[2] = {14, 14}, ga[2] = {31, 31}, as[2] = {33, 33}, gaas[2] = {31, 33}, alp[2] = {13, 15};
    add(&r, "0000000000000001", "Si", si, 2, -8.0, "lda", 5.431);
    add(&r, "0000000000000002", "Ga", ga, 2, -4.0, "lda", 5.6);
    add(&r, "0000000000000003", "Ga", ga, 2, -4.2, "lda", 5.7); /* the lower polymorph */
    add(&r, "0000000000000004", "As", as, 2, -6.0, "lda", 5.6);
    add(&r, "0000000000000005", "AsGa", gaas, 2, -10.3, "lda", 5.65);
    add(&r, "0000000000000006", "AlP", alp, 2, -9.0, "lda", 5.46);   /* no Al or P */
    add(&r, "0000000000000007", "Si", si, 2, -7.9, "pbe", 5.47);     /* own group */
    fu_record *bad = &r.rec[r.n++];
    /* below the fill-in of row 8: a Ga of another pseudopotential, lowest in energy; it must
       not become GaAs's reference (energies of different pseudopotentials do not compare) */
    fu_record_init(bad);
    fu_err err;
    fu_record_set_id(bad, "0000000000000008", &err);
    bad->state = FU_RECORD_FAILED;
    fu_record_set_str(&bad->label, "broken", &err);

    add_psp(&r, "0000000000000009", "Ga", ga, 2, -9.0, "lda", 5.7, "other-psp");
    fu_prop_table t;
    int rc = fu_prop_table_build(&r, &t, &err);
    CHECK(rc == FU_OK, "table builds");
    if (rc) {
        fprintf(stderr, "%s\n", err.msg);
        CHECK_DONE();
    }
    long V = fu_prop_find("volume"), D = fu_prop_find("density"), F = fu_prop_find("formation_energy_ev_per_atom");
    long H = fu_prop_find("e_above_hull_ev_per_atom"), S = fu_prop_find("is_stable");
    long G = fu_prop_find("lattice_gamma"), GAP = fu_prop_find("band_gap_ev"), ST = fu_prop_find("state");
    CHECK(fu_prop_find("no_such_property") == -1, "unknown names are not found");
    CHECK_CLOSE(fu_prop_num(&t, 0, V), pow(5.431, 3) / 4, 1e-9, "Si cell volume a^3/4 (Å^3)");
    CHECK_CLOSE(fu_prop_num(&t, 0, D), 2.329, 0.001, "Si density (g/cm^3)");
    CHECK_CLOSE(fu_prop_num(&t, 0, G), 60.0, 1e-9, "fcc primitive cell angle (degree)");
    CHECK_CLOSE(fu_prop_num(&t, 0, GAP), 0.02 * FU_HA_EV, 1e-12, "gap converted to eV");
    /* GaAs: E/N = -5.15 Ha; references Ga -2.1 (lower polymorph), As -3.0 */
    double ef = (-5.15 - 0.5 * (-2.1) - 0.5 * (-3.0)) * FU_HA_EV;
    CHECK_CLOSE(fu_prop_num(&t, 4, F), ef, 1e-9, "GaAs formation energy by hand (eV/atom)");
    CHECK_CLOSE(fu_prop_num(&t, 4, H), 0.0, 1e-12, "GaAs (negative E_f, only compound) on the hull");
    CHECK(fu_prop_num(&t, 4, S) == 1, "GaAs is a hull vertex");
    CHECK_CLOSE(fu_prop_num(&t, 1, H), 0.1 * FU_HA_EV, 1e-9, "upper Ga polymorph 0.1 Ha/atom above hull");
    CHECK(isnan(fu_prop_num(&t, 5, F)) && strstr(t.note[5], "Al"), "AlP without references: NaN, note names Al");
    CHECK_CLOSE(fu_prop_num(&t, 6, F), 0.0, 1e-12, "PBE Si is its own group's reference");
    CHECK(strcmp(fu_prop_text(&t, 7, ST), "failed") == 0 && isnan(fu_prop_num(&t, 7, V)),
          "failed row: state kept, results NaN");
    CHECK_CLOSE(fu_prop_num(&t, 8, F), 0.0, 1e-12, "Ga of another pseudopotential: its own group's reference");
    CHECK_CLOSE(fu_prop_num(&t, 8, H), 0.0, 1e-12, "... and on its own hull");
    fu_prop_table_free(&t);
    for (size_t i = 0; i < r.n; i++) fu_record_free(&r.rec[i]);
    free(r.rec);
    CHECK_DONE();
}
