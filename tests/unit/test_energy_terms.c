// labels: physics
/* The energy-term table (dft/energy.h, dft/term.h) that the SCF loops over:
 *  - every descriptor sits in its own slot and has the hooks its kind needs;
 *  - on two ABINIT 9.6.2 reference runs (validation/reference/abinit: Si, an
 *    insulator; fcc Al, a Fermi-Dirac metal), run on ABINIT's FFT grid, each
 *    term of the table equals ABINIT's term of the same name within 1e-5 Ha
 *    (the tolerance of tests/abinit/compare_reference.py), and the terms the
 *    table counts in the total (all but the REPORTED band energy) are the ones
 *    whose ABINIT values sum to ABINIT's total energy;
 *  - the terms sum to fu_scf_result.etotal, and every term of the table is in
 *    the JSON (energy_ha.NAME), the HDF5 file (/energy/NAME, units Ha) and the
 *    log report (its label) with the result's value. */
#include <hdf5.h>
#include <jansson.h>
#include <mpi.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "dft/occupations.h"
#include "dft/scf.h"
#include "dft/scf_output.h"
#include "dft/term.h"

/* ABINIT's name of each term in the reference files (_ABINIT_ "energy_terms"). */
static const char *abinit_name(fu_energy_term t) {
    switch (t) {
        case FU_ENERGY_EWALD: return "Ewald energy";
        case FU_ENERGY_NONLOCAL: return "non_local_psp";
        case FU_ENERGY_ENTROPY: return "'-kT*entropy'";
        case FU_ENERGY_BAND: return "band_energy";
        default: return fu_energy_terms[t].name;
    }
}

static void test_table(void) {
    for (int t = 0; t < FU_ENERGY_NTERMS; t++) {
        const fu_term *d = fu_terms[t];
        const char *n = fu_energy_terms[t].name;
        CHECK(d && (int)d->id == t, "each descriptor sits in the slot of its id");
        if (!d) continue;
        switch (d->kind) {
            case FU_TERM_STRUCTURE: CHECK(d->setup && !d->energy && !d->orbital_energy, n); break;
            case FU_TERM_DENSITY: CHECK(d->energy && !d->orbital_energy, n); break;
            case FU_TERM_ORBITAL: CHECK(d->orbital_energy && !d->energy && !d->setup, n); break;
            default: CHECK(!d->energy && !d->orbital_energy && !d->setup, n); break;
        }
        for (int u = 0; u < t; u++) CHECK(strcmp(n, fu_energy_terms[u].name) != 0, "names unique");
    }
}

typedef struct {
    const char *json, *psp, *symbol, *smearing;
    double a, tsmear, xred[2][3];
    int natom, z, ecut, kgrid, nband, fft;
} ref_case;

static double ref_term(json_t *terms, const char *name) {
    json_t *v = json_object_get(terms, name);
    return v ? json_number_value(v) : NAN;
}

/* Every term in the JSON, the HDF5 file and the report, with the result's value. */
static void check_outputs(const fu_structure *s, const fu_scf_params *p, const fu_scf_result *r,
                          const char *tag) {
    char dir[] = "/tmp/furui_terms_XXXXXX", jp[64], hp[64];
    if (!mkdtemp(dir)) { CHECK(0, "temporary directory"); return; }
    snprintf(jp, sizeof jp, "%s/r.json", dir);
    snprintf(hp, sizeof hp, "%s/r.h5", dir);
    fu_err err = {0};
    CHECK(fu_scf_write_json(jp, s, p, r, NULL, NULL, 0, NULL, &err) == FU_OK, "JSON written");
    CHECK(fu_scf_write_hdf5(hp, s, p, r, NULL, NULL, &err) == FU_OK, "HDF5 written");
    json_t *js = json_load_file(jp, 0, NULL), *en = json_object_get(js, "energy_ha");
    hid_t f = H5Fopen(hp, H5F_ACC_RDONLY, H5P_DEFAULT);
    CHECK(en && f >= 0, "outputs read back");
    char *rep = NULL;
    size_t rep_len = 0;
    FILE *mf = open_memstream(&rep, &rep_len);
    fu_scf_write_report(mf, s, r);
    fclose(mf);
    for (int t = 0; t < FU_ENERGY_NTERMS && en && f >= 0; t++) {
        const char *n = fu_energy_terms[t].name;
        char what[160];
        json_t *v = json_object_get(en, n);
        snprintf(what, sizeof what, "%s: JSON energy_ha.%s is the result's value", tag, n);
        CHECK(json_is_real(v) && json_real_value(v) == r->energy[t], what);
        double h = NAN;
        char path[64], units[16] = "";
        snprintf(path, sizeof path, "/energy/%s", n);
        hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
        if (d >= 0) {
            H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, &h);
            hid_t a = H5Aopen(d, "units", H5P_DEFAULT), ty = H5Aget_type(a);
            if (H5Tget_size(ty) < sizeof units) H5Aread(a, ty, units);
            H5Tclose(ty);
            H5Aclose(a);
            H5Dclose(d);
        }
        snprintf(what, sizeof what, "%s: HDF5 %s is the result's value, units Ha", tag, path);
        CHECK(h == r->energy[t] && strcmp(units, FU_ENERGY_UNIT) == 0, what);
        const char *label = fu_energy_terms[t].log_label;
        snprintf(what, sizeof what, "%s: the log report prints %s", tag, n);
        CHECK(!label || (rep && strstr(rep, label)), what);
    }
    if (f >= 0) H5Fclose(f);
    json_decref(js);
    free(rep);
    unlink(jp);
    unlink(hp);
    rmdir(dir);
}

static void run_case(const ref_case *c) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", FURUI_REFERENCE_DIR, c->json);
    json_t *ref = json_load_file(path, 0, NULL), *terms = json_object_get(ref, "energy_terms");
    if (!terms) {
        CHECK(0, "ABINIT reference JSON with energy_terms loads");
        json_decref(ref);
        return;
    }
    fu_err err = {0};
    fu_structure s;
    fu_structure_alloc(&s, c->natom, &err);
    double lat[3][3] = {{0, c->a, c->a}, {c->a, 0, c->a}, {c->a, c->a, 0}};
    memcpy(s.lattice, lat, sizeof lat);
    s.nspecies = 1;
    strcpy(s.symbol[0], c->symbol);
    s.znucl[0] = c->z;
    for (int a = 0; a < c->natom; a++) {
        s.typat[a] = 0;
        memcpy(s.xred[a], c->xred[a], sizeof s.xred[a]);
    }
    fu_scf_params p;
    fu_scf_params_default(&p);
    snprintf(p.pseudo[0], sizeof p.pseudo[0], "abinit:%s", c->psp);
    strcpy(p.xc, "lda");
    p.ecut = c->ecut;
    p.kgrid[0] = p.kgrid[1] = p.kgrid[2] = c->kgrid;
    p.nband = c->nband;
    p.fft[0] = p.fft[1] = p.fft[2] = c->fft;
    if (c->smearing) {
        p.smearing = fu_smearing_from_name(c->smearing);
        p.tsmear = c->tsmear;
    }
    p.tol_energy = 1e-10;
    p.tol_density = 1e-9;
    p.verbosity = 0;
    fu_scf_result r;
    int rc = fu_scf_run(&s, &p, MPI_COMM_WORLD, NULL, &r, &err);
    CHECK(rc == FU_OK, c->json);
    if (rc) {
        fprintf(stderr, "scf: %s\n", err.msg);
        fu_structure_free(&s);
        json_decref(ref);
        return;
    }
    double sum = 0, ref_sum = 0, ref_band = ref_term(terms, "band_energy");
    for (int t = 0; t < FU_ENERGY_NTERMS; t++) {
        char what[160];
        double want = ref_term(terms, abinit_name(t));
        if (t == FU_ENERGY_ENTROPY && !c->smearing && isnan(want)) want = 0; /* not printed */
        printf("%-14s %-18s furui %18.12f  ABINIT %18.12f\n", c->json, fu_energy_terms[t].name,
               r.energy[t], want);
        snprintf(what, sizeof what, "%s: %s equals ABINIT's %s (Ha)", c->json,
                 fu_energy_terms[t].name, abinit_name(t));
        CHECK_CLOSE(r.energy[t], want, 1e-5, what);
        if (fu_term_in_total(fu_terms[t])) {
            sum += r.energy[t];
            ref_sum += want;
        }
    }
    CHECK_CLOSE(sum, r.etotal, 1e-12, "the table's terms sum to etotal (Ha)");
    double ref_total = ref_term(terms, "total_energy");
    CHECK_CLOSE(ref_sum, ref_total, 1e-9,
                "ABINIT's values of the terms counted in the total sum to its total (Ha)");
    CHECK(fabs(ref_sum + ref_band - ref_total) > 1e-3,
          "the band energy is rightly left out (it would change ABINIT's sum)");
    check_outputs(&s, &p, &r, c->json);
    fu_scf_result_free(&r);
    fu_structure_free(&s);
    json_decref(ref);
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    test_table();
    /* the "case" blocks of the two reference files */
    const ref_case cases[] = {
        {"si_diamond.json", "14si.4.hgh", "Si", NULL, 5.1315, 0, {{0, 0, 0}, {.25, .25, .25}},
         2, 14, 15, 4, 8, 27},
        {"al_fcc_metal.json", "13al.3.hgh", "Al", "fermi-dirac", 3.825, 0.01, {{0, 0, 0}},
         1, 13, 15, 8, 6, 20},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) run_case(&cases[k]);
    MPI_Finalize();
    CHECK_DONE();
}
