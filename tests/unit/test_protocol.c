// labels: unit
/* Named protocols (dft/protocol.h, input/README.md "protocol"):
 *  - the table is aiida-quantumespresso's documented one (smearing Ry,
 *    kpoints_distance Å⁻¹, conv_thr Ry/atom, forc_conv_thr Ry/bohr), converted
 *    here by hand;
 *  - a sweep with `protocol:` and no ecut runs every candidate at one cutoff,
 *    the largest hint of its level over every element of the sweep (here
 *    PseudoDojo PBE standard: Si 14/18/24 Ha, Al 16/20/26 Ha), Γ-centred
 *    meshes from the spacing (|b| = 2π√3/a for fcc lattices), cold smearing,
 *    the energy tolerance times the atoms;
 *  - explicit keys override, the protocol name is not physics (same ID);
 *  - no hint for an element: one line asking for ecut; an explicit ecut below
 *    a low hint: refused unless allow_unconverged. The test table is made here
 *    from Debian's psp8 files and a standard.djson with those hints. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "core/units.h"
#include "dft/protocol.h"
#include "dft/scf_input.h"
#include "campaign/sweep.h"

#define PBE_DIR "/usr/share/abinit/psp/Pseudodojo_nc_sr_04_pbe_standard_psp8"

static char tab[64]; /* the test table directory */

static int copy_file(const char *from, const char *to) {
    FILE *in = fopen(from, "rb"), *out = in ? fopen(to, "wb") : NULL;
    int ok = in && out;
    char buf[8192];
    size_t n;
    while (ok && (n = fread(buf, 1, sizeof buf, in)) > 0) ok = fwrite(buf, 1, n, out) == n;
    if (in) fclose(in);
    if (out && fclose(out)) ok = 0;
    return ok;
}

static int make_table(void) {
    snprintf(tab, sizeof tab, "/tmp/furui_protocol_XXXXXX");
    if (!mkdtemp(tab)) return 0;
    char a[128], b[128];
    const char *el[] = {"Si", "Al", "O"};
    for (int i = 0; i < 3; i++) {
        snprintf(a, sizeof a, PBE_DIR "/%s.psp8", el[i]);
        snprintf(b, sizeof b, "%s/%s.psp8", tab, el[i]);
        if (!copy_file(a, b)) return 0;
    }
    snprintf(b, sizeof b, "%s/standard.djson", tab);
    FILE *f = fopen(b, "w");
    if (!f) return 0;
    /* PseudoDojo nc-sr-04 PBE standard hints (Ha); O given without hints */
    fprintf(f, "{\"pseudos_metadata\": {\n"
               "\"Si\": {\"basename\": \"Si.psp8\", \"Z_val\": 4.0, \"hints\": {\"low\": {\"ecut\": 14.0}, "
               "\"normal\": {\"ecut\": 18.0}, \"high\": {\"ecut\": 24.0}}},\n"
               "\"Al\": {\"basename\": \"Al.psp8\", \"Z_val\": 3.0, \"hints\": {\"low\": {\"ecut\": 16.0}, "
               "\"normal\": {\"ecut\": 20.0}, \"high\": {\"ecut\": 26.0}}},\n"
               "\"O\": {\"basename\": \"O.psp8\", \"Z_val\": 6.0}}}\n");
    return fclose(f) == 0;
}

static void remove_table(void) {
    const char *names[] = {"Si.psp8", "Al.psp8", "O.psp8", "standard.djson"};
    char p[128];
    for (int i = 0; i < 4; i++) {
        snprintf(p, sizeof p, "%s/%s", tab, names[i]);
        unlink(p);
    }
    rmdir(tab);
}

/* Si diamond a = 5.43 Å and Al fcc a = 4.05 Å with the extra lines `more`. */
static int sweep(const char *more, fu_sweep *sw, fu_err *err) {
    char text[2048];
    snprintf(text, sizeof text,
             "candidates:\n"
             "  - prototype: diamond\n    A: Si\n    a: 5.43 angstrom\n"
             "  - prototype: fcc\n    A: Al\n    a: 4.05 angstrom\n"
             "pseudopotentials: {pbe: \"table:%s\"}\nxc: pbe\n%s",
             tab, more);
    return fu_sweep_parse(text, "/tmp/protocol_test.yaml", sw, err);
}

static const fu_candidate *by_formula(const fu_sweep *sw, const char *f) {
    for (int i = 0; i < sw->n; i++)
        if (!strncmp(sw->cand[i].label, f, strlen(f)) && sw->cand[i].label[strlen(f)] == '/')
            return &sw->cand[i];
    return NULL;
}

static void test_table(void) {
    const double ry = 0.5, ang = 1.0 / FU_BOHR_ANGSTROM; /* 1 Å⁻¹ = 0.529 bohr⁻¹ */
    const struct {
        const char *name;
        double k, degauss_ry, conv_ry, forc_ry;
        int hint;
    } doc[] = {{"fast", 0.30, 0.0275, 4e-10, 1e-3, 0},
               {"balanced", 0.15, 0.02, 2e-10, 1e-4, 1},
               {"stringent", 0.10, 0.0125, 1e-10, 5e-5, 2}};
    for (int i = 0; i < 3; i++) {
        const fu_protocol *p = fu_protocol_find(doc[i].name);
        CHECK(p != NULL, doc[i].name);
        if (!p) continue;
        CHECK_CLOSE(p->kspacing, doc[i].k / ang, 1e-12, "k spacing, Å⁻¹ -> bohr⁻¹");
        CHECK(p->smearing == FU_SMEAR_MARZARI_VANDERBILT, "cold smearing");
        CHECK_CLOSE(p->tsmear, doc[i].degauss_ry * ry, 1e-15, "smearing Ry -> Ha");
        CHECK_CLOSE(p->tol_energy_per_atom, doc[i].conv_ry * ry, 1e-22, "conv_thr per atom");
        CHECK_CLOSE(p->force_tol, doc[i].forc_ry * ry, 1e-15, "forc_conv_thr Ry/bohr -> Ha/bohr");
        CHECK_CLOSE(p->stress_tol * FU_HA_BOHR3_GPA, 0.05, 1e-12, "0.5 kbar");
        CHECK(p->hint == doc[i].hint, "cutoff hint level");
    }
    CHECK(fu_protocol_find("moderate") == NULL && fu_protocol_find("") == NULL &&
              fu_protocol_find(NULL) == NULL,
          "unknown names");
}

static int mesh(double a_ang, double spacing_ang) {
    return (int)ceil(2.0 * FU_PI * sqrt(3.0) / a_ang / spacing_ang - 1e-6);
}

static void test_campaign(void) {
    const char *lev[] = {"fast", "balanced", "stringent"};
    const double al_hint[] = {16, 20, 26};
    const double kdist[] = {0.30, 0.15, 0.10};
    for (int i = 0; i < 3; i++) {
        char more[64];
        snprintf(more, sizeof more, "protocol: %s\n", lev[i]);
        fu_sweep sw;
        fu_err err = {0};
        int rc = sweep(more, &sw, &err);
        CHECK(rc == FU_OK, err.msg);
        if (rc) continue;
        const fu_candidate *si = by_formula(&sw, "Si"), *al = by_formula(&sw, "Al");
        CHECK(sw.n == 2 && si && al, "two candidates");
        if (!si || !al) {
            fu_sweep_free(&sw);
            continue;
        }
        /* Al's hint is above Si's at every level: it sets the campaign cutoff */
        CHECK(si->params.ecut == al_hint[i] && al->params.ecut == al_hint[i],
              "one cutoff, Al's hint, for Si too");
        CHECK(sw.campaign_ecut == al_hint[i] && strstr(sw.ecut_source, "Al"),
              "the sweep says Al sets it");
        int ns = mesh(5.43, kdist[i]), na = mesh(4.05, kdist[i]);
        CHECK(si->params.kgrid[0] == ns && si->params.kgrid[2] == ns && al->params.kgrid[1] == na,
              "meshes from the spacing, per candidate");
        CHECK(si->params.kshift[0] == 0 && al->params.kshift[0] == 0, "Γ-centred");
        const fu_protocol *p = fu_protocol_find(lev[i]);
        CHECK(si->params.smearing == FU_SMEAR_MARZARI_VANDERBILT && si->params.tsmear == p->tsmear,
              "protocol smearing");
        CHECK_CLOSE(si->params.tol_energy, 2 * p->tol_energy_per_atom, 1e-25, "2 atoms");
        CHECK_CLOSE(al->params.tol_energy, 1 * p->tol_energy_per_atom, 1e-25, "1 atom");
        CHECK(!strcmp(si->params.protocol, lev[i]) && strstr(si->label, lev[i]),
              "the protocol is in the parameters and the label");
        fu_sweep_free(&sw);
    }
}

static void test_overrides(void) {
    fu_sweep sw, plain;
    fu_err err = {0};
    int rc = sweep("protocol: balanced\necut: 22 Ha\nkpoints: {grid: [3, 3, 3]}\n"
                   "smearing: {kind: fermi-dirac, width: 0.002 Ha}\n"
                   "scf: {energy_tolerance: 1e-6 Ha}\nproperties: {relax: {cell: true, force_tol: "
                   "1e-3 Ha/bohr}}\n",
                   &sw, &err);
    CHECK(rc == FU_OK, err.msg);
    if (rc) return;
    const fu_candidate *si = by_formula(&sw, "Si");
    CHECK(si && si->params.ecut == 22 && si->params.kgrid[0] == 3 &&
              si->params.smearing == FU_SMEAR_FERMI_DIRAC && si->params.tsmear == 0.002 &&
              si->params.tol_energy == 1e-6,
          "explicit keys override the protocol");
    CHECK(si && si->tasks.relax_opts.force_tol == 1e-3 &&
              fabs(si->tasks.relax_opts.stress_tol - 0.05 / FU_HA_BOHR3_GPA) < 1e-15,
          "relax: force_tol given, stress_tol from the protocol");
    CHECK(sw.campaign_ecut == 0, "no campaign cutoff from hints when ecut is given");
    /* the same physics without the protocol: the same ID (a name is not physics) */
    rc = sweep("ecut: 22 Ha\nkpoints: {grid: [3, 3, 3]}\n"
               "smearing: {kind: fermi-dirac, width: 0.002 Ha}\n"
               "scf: {energy_tolerance: 1e-6 Ha}\nproperties: {relax: {cell: true, force_tol: "
               "1e-3 Ha/bohr, stress_tol: 0.05 GPa}}\n",
               &plain, &err);
    CHECK(rc == FU_OK, err.msg);
    if (!rc) {
        const fu_candidate *s2 = by_formula(&plain, "Si");
        CHECK(si && s2 && !strcmp(si->id, s2->id), "protocol + overrides = the plain sweep's ID");
        CHECK(s2 && !strstr(s2->label, "protocol") && s2->params.protocol[0] == 0,
              "no protocol, no protocol in the label");
        fu_sweep_free(&plain);
    }
    fu_sweep_free(&sw);
    rc = sweep("protocol: balanced\nproperties: {relax: true}\n", &sw, &err);
    CHECK(rc == FU_OK, err.msg);
    if (!rc) {
        CHECK(sw.cand[0].tasks.relax_opts.force_tol == 1e-4 * 0.5, "relax: the protocol's force_tol");
        fu_sweep_free(&sw);
    }
}

static void test_refusals(void) {
    fu_sweep sw;
    fu_err err = {0};
    char text[1024];
    /* O has no hint in the table */
    snprintf(text, sizeof text,
             "candidates:\n  - prototype: rocksalt\n    A: Al\n    B: O\n"
             "pseudopotentials: {pbe: \"table:%s\"}\nxc: pbe\nprotocol: fast\n",
             tab);
    int rc = fu_sweep_parse(text, "/tmp/p.yaml", &sw, &err);
    CHECK(rc == FU_EINPUT && strstr(err.msg, "/tmp/p.yaml:7: protocol:") &&
              strstr(err.msg, " O ") && strstr(err.msg, "give ecut"),
          err.msg);
    if (!rc) fu_sweep_free(&sw);
    /* an explicit ecut below Al's low hint (16 Ha) */
    rc = sweep("ecut: 15.9 Ha\nkpoints: {grid: [2, 2, 2]}\n", &sw, &err);
    CHECK(rc == FU_EINPUT && strstr(err.msg, "ecut:") && strstr(err.msg, "Al") &&
              strstr(err.msg, "allow_unconverged") && !strchr(err.msg, '\n'),
          err.msg);
    if (!rc) fu_sweep_free(&sw);
    rc = sweep("ecut: [20 Ha, 15 Ha]\nkpoints: {grid: [2, 2, 2]}\n", &sw, &err);
    CHECK(rc == FU_EINPUT && strstr(err.msg, "15 Ha"), "any ecut of a list below the hint");
    if (!rc) fu_sweep_free(&sw);
    rc = sweep("ecut: 15.9 Ha\nkpoints: {grid: [2, 2, 2]}\nallow_unconverged: true\n", &sw, &err);
    CHECK(rc == FU_OK, "allow_unconverged: true lets it run");
    if (!rc) fu_sweep_free(&sw);
    rc = sweep("ecut: 16 Ha\nkpoints: {grid: [2, 2, 2]}\n", &sw, &err);
    CHECK(rc == FU_OK, "at the low hint is not below it");
    if (!rc) fu_sweep_free(&sw);
    rc = sweep("protocol: precise\n", &sw, &err);
    CHECK(rc == FU_EINPUT && strstr(err.msg, "protocol: unknown protocol 'precise'") &&
              strstr(err.msg, FU_PROTOCOL_NAMES),
          err.msg);
    if (!rc) fu_sweep_free(&sw);
    rc = sweep("protocol: balanced\nkpoints: {spacing: 0 1/angstrom}\n", &sw, &err);
    CHECK(rc == FU_EINPUT && strstr(err.msg, "kpoints.spacing"), err.msg);
    if (!rc) fu_sweep_free(&sw);
    rc = sweep("protocol: balanced\nkpoints: {spacing: -0.2 1/angstrom}\n", &sw, &err);
    CHECK(rc == FU_EINPUT && strstr(err.msg, "kpoints.spacing"), err.msg);
    if (!rc) fu_sweep_free(&sw);
}

/* The SCF input: `protocol:` there too, resolved while reading. */
static int scf(const char *atoms, const char *more, fu_scf_input *in, fu_err *err) {
    char text[2048];
    snprintf(text, sizeof text,
             "structure:\n  lattice: {unit: angstrom, vectors: [[0, 2.715, 2.715], [2.715, 0, 2.715], "
             "[2.715, 2.715, 0]]}\n  coordinates: fractional\n  atoms: %s\n"
             "pseudopotentials: {Si: \"table:%s\", Al: \"table:%s\", O: \"table:%s\"}\nxc: pbe\n%s",
             atoms, tab, tab, tab, more);
    /* pseudopotentials for elements not present are an error: keep the present ones */
    char *q = strstr(text, "pseudopotentials: {");
    char line[512] = "pseudopotentials: {";
    const char *el[] = {"Si", "Al", "O"};
    int first = 1;
    for (int i = 0; i < 3; i++) {
        char tag[8];
        snprintf(tag, sizeof tag, "[%s,", el[i]);
        if (!strstr(atoms, tag)) continue;
        snprintf(line + strlen(line), sizeof line - strlen(line), "%s%s: \"table:%s\"",
                 first ? "" : ", ", el[i], tab);
        first = 0;
    }
    char rest[1024];
    snprintf(rest, sizeof rest, "%s", strchr(q, '}') + 1);
    snprintf(q, sizeof text - (size_t)(q - text), "%s}%s", line, rest);
    return fu_scf_input_parse(text, "/tmp/scf_protocol.yaml", in, err);
}

static void test_scf_input(void) {
    const char *si2 = "[[Si, 0, 0, 0], [Si, 0.25, 0.25, 0.25]]";
    const char *alsi = "[[Al, 0, 0, 0], [Si, 0.25, 0.25, 0.25]]";
    fu_scf_input in;
    fu_err err = {0};
    int rc = scf(si2, "protocol: balanced\n", &in, &err);
    CHECK(rc == FU_OK, err.msg);
    if (!rc) {
        const fu_protocol *p = fu_protocol_find("balanced");
        CHECK(in.params.ecut == 18 && !strcmp(in.params.protocol, "balanced"),
              "Si alone: Si's normal hint");
        int n = mesh(5.43, 0.15);
        CHECK(in.params.kgrid[0] == n && in.params.kgrid[1] == n && in.params.kgrid[2] == n &&
                  in.params.kshift[0] == 0,
              "Γ-centred mesh from 0.15 1/angstrom");
        CHECK(in.params.smearing == FU_SMEAR_MARZARI_VANDERBILT && in.params.tsmear == p->tsmear,
              "cold smearing");
        CHECK_CLOSE(in.params.tol_energy, 2 * p->tol_energy_per_atom, 1e-25, "per atom x 2");
        fu_scf_input_free(&in);
    }
    rc = scf(alsi, "protocol: stringent\n", &in, &err);
    CHECK(rc == FU_OK && in.params.ecut == 26, "Al and Si: Al's high hint");
    if (!rc) fu_scf_input_free(&in);
    rc = scf(si2, "protocol: fast\necut: 30 Ha\nkpoints: {grid: [2, 2, 2]}\n"
                  "smearing: {kind: none}\nscf: {energy_tolerance: 1e-7 Ha}\n",
             &in, &err);
    CHECK(rc == FU_OK && in.params.ecut == 30 && in.params.kgrid[0] == 2 &&
              in.params.smearing == FU_SMEAR_NONE && in.params.tol_energy == 1e-7,
          "explicit keys override");
    if (!rc) fu_scf_input_free(&in);
    rc = scf(si2, "ecut: 10 Ha\nkpoints: {spacing: 0.3 1/angstrom}\n", &in, &err);
    CHECK(rc == FU_EINPUT && strstr(err.msg, "scf_protocol.yaml:") && strstr(err.msg, "ecut:") &&
              strstr(err.msg, "14 Ha") && strstr(err.msg, "allow_unconverged"),
          err.msg);
    if (!rc) fu_scf_input_free(&in);
    rc = scf(si2, "ecut: 10 Ha\nallow_unconverged: true\nkpoints: {spacing: 0.3 1/angstrom}\n",
             &in, &err);
    CHECK(rc == FU_OK && in.params.kgrid[0] == mesh(5.43, 0.3), "spacing without a protocol");
    if (!rc) fu_scf_input_free(&in);
    rc = scf(si2, "ecut: 20 Ha\nkpoints: {spacing: 0 1/angstrom}\n", &in, &err);
    CHECK(rc == FU_EINPUT && strstr(err.msg, "kpoints.spacing: must be > 0"), err.msg);
    if (!rc) fu_scf_input_free(&in);
    rc = scf(si2, "protocol: Balanced\n", &in, &err);
    CHECK(rc == FU_EINPUT && strstr(err.msg, "protocol: unknown protocol 'Balanced'"), err.msg);
    if (!rc) fu_scf_input_free(&in);
    rc = scf("[[Al, 0, 0, 0], [O, 0.25, 0.25, 0.25]]", "protocol: fast\n", &in, &err);
    CHECK(rc == FU_EINPUT && strstr(err.msg, "protocol: no low cutoff hint for O") &&
              strstr(err.msg, "give ecut"),
          err.msg);
    if (!rc) fu_scf_input_free(&in);
    rc = scf(si2, "kpoints: {grid: [2, 2, 2]}\n", &in, &err);
    CHECK(rc == FU_EINPUT && strstr(err.msg, "ecut: missing"), "no protocol: ecut required");
    if (!rc) fu_scf_input_free(&in);
}

int main(void) {
    struct stat st;
    if (stat(PBE_DIR "/Al.psp8", &st) != 0) {
        printf("SKIP: %s missing\n", PBE_DIR);
        return 77;
    }
    test_table();
    if (!make_table()) {
        CHECK(0, "test table made");
        CHECK_DONE();
    }
    test_campaign();
    test_overrides();
    test_refusals();
    test_scf_input();
    remove_table();
    CHECK_DONE();
}
