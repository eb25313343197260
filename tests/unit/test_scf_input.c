// labels: unit
/* The SCF input file: every example parses to the documented values in
 * atomic units, defaults fill what is omitted, and each hostile input in
 * tests/data/input fails with a one-line message naming the file and the
 * offending key or line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/units.h"
#include "dft/scf_input.h"

#ifndef FURUI_TEST_DATA
#define FURUI_TEST_DATA "tests/data"
#endif
#define INPUTS FURUI_TEST_DATA "/input/"
#define EXAMPLES FURUI_TEST_DATA "/../../input/examples/"

static int ends_with(const char *s, const char *tail) {
    size_t a = strlen(s), b = strlen(tail);
    return a >= b && !strcmp(s + a - b, tail);
}

static char *slurp(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *buf = calloc(1, 1 << 16);
    size_t n = fread(buf, 1, (1 << 16) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static int read_ok(const char *path, fu_scf_input *in) {
    fu_err err = {0};
    int rc = fu_scf_input_read(path, in, &err);
    if (rc) fprintf(stderr, "unexpected error: %s\n", err.msg);
    return rc;
}

static void check_fcc(const fu_scf_input *in, double half) {
    static const double dir[3][3] = {{0, 1, 1}, {1, 0, 1}, {1, 1, 0}};
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            CHECK_CLOSE(in->structure.lattice[i][j], dir[i][j] * half, 1e-12 * half,
                        "fcc lattice vector component (bohr)");
}

static void test_si_example(void) {
    fu_scf_input in;
    const char *path = EXAMPLES "si_diamond.yaml";
    if (read_ok(path, &in)) {
        CHECK(0, "si_diamond.yaml parses");
        return;
    }
    const fu_structure *s = &in.structure;
    const fu_scf_params *p = &in.params;
    check_fcc(&in, 5.1315);
    CHECK(s->natom == 2 && s->nspecies == 1, "two Si atoms, one species");
    CHECK(!strcmp(s->symbol[0], "Si") && s->znucl[0] == 14, "species Si, Z = 14");
    CHECK(s->typat[0] == 0 && s->typat[1] == 0, "typat");
    CHECK_CLOSE(s->xred[1][0], 0.25, 0, "fractional position kept");
    CHECK(!strcmp(p->pseudo[0], "abinit:14si.4.hgh"), "library spec kept verbatim");
    CHECK(!strcmp(p->xc, "lda"), "xc");
    CHECK_CLOSE(p->ecut, 15.0, 0, "ecut 15 Ha");
    CHECK(p->kgrid[0] == 4 && p->kgrid[1] == 4 && p->kgrid[2] == 4, "k-grid 4x4x4");
    CHECK(p->kshift[0] == 0 && p->kshift[2] == 0, "unshifted");
    CHECK(p->nband == 8, "bands");
    CHECK(p->fft[0] == 0, "FFT automatic");
    CHECK(p->smearing == FU_SMEAR_NONE, "no smearing");
    CHECK(p->use_symmetry == 1 && p->time_reversal == 1, "symmetry flags");
    CHECK_CLOSE(p->symprec, 1e-5, 1e-20, "symmetry tolerance 1e-5 bohr");
    CHECK(p->max_iterations == 100, "max iterations");
    CHECK_CLOSE(p->tol_energy, 1e-10, 1e-24, "energy tolerance");
    CHECK_CLOSE(p->tol_density, 1e-8, 1e-22, "density tolerance");
    CHECK_CLOSE(p->mixing_damping, 0.7, 0, "damping");
    CHECK(p->mixing_history == 8, "history");
    CHECK(p->kerker_k0 < 0, "Kerker left automatic");
    CHECK(p->compute_forces == 1 && p->compute_stress == 1, "forces and stress");
    CHECK(!strcmp(in.output_prefix, "si"), "output prefix");
    CHECK(!strcmp(in.path, path), "path recorded");
    char *text = slurp(path);
    CHECK(text && in.text && !strcmp(text, in.text), "verbatim input text kept");
    free(text);
    fu_scf_input_free(&in);
    CHECK(in.text == NULL && in.structure.xred == NULL, "free clears");
    fu_scf_input_free(&in);
}

static void test_al_example(void) {
    fu_scf_input in;
    if (read_ok(EXAMPLES "al_fcc_metal.yaml", &in)) {
        CHECK(0, "al_fcc_metal.yaml parses");
        return;
    }
    check_fcc(&in, 3.8175);
    CHECK(in.structure.natom == 1 && in.structure.znucl[0] == 13, "one Al atom");
    CHECK(!strcmp(in.params.pseudo[0], "abinit:13al.3.hgh"), "Al pseudopotential");
    CHECK(in.params.smearing == FU_SMEAR_FERMI_DIRAC, "Fermi-Dirac");
    CHECK_CLOSE(in.params.tsmear, 0.01, 1e-17, "width 0.01 Ha");
    CHECK(in.params.kgrid[0] == 8 && in.params.kgrid[1] == 8 && in.params.kgrid[2] == 8, "8x8x8");
    CHECK_CLOSE(in.params.ecut, 15.0, 0, "ecut");
    CHECK(!strcmp(in.output_prefix, "al"), "prefix");
    fu_scf_input_free(&in);
}

static void test_gaas_example(void) {
    fu_scf_input in;
    if (read_ok(EXAMPLES "gaas_zincblende_angstrom.yaml", &in)) {
        CHECK(0, "gaas_zincblende_angstrom.yaml parses");
        return;
    }
    const fu_structure *s = &in.structure;
    check_fcc(&in, 2.825 / FU_BOHR_ANGSTROM);
    CHECK(s->nspecies == 2 && !strcmp(s->symbol[0], "Ga") && !strcmp(s->symbol[1], "As") &&
              s->znucl[0] == 31 && s->znucl[1] == 33,
          "species in order of first appearance");
    CHECK(s->typat[0] == 0 && s->typat[1] == 1, "typat");
    for (int j = 0; j < 3; j++) {
        CHECK_CLOSE(s->xred[0][j], 0.0, 1e-14, "Ga at the origin");
        CHECK_CLOSE(s->xred[1][j], 0.25, 1e-12, "As at (1/4,1/4,1/4) from Cartesian angstrom");
    }
    CHECK(!strcmp(in.params.pseudo[0], "cp2k:GTH-PADE-q3") &&
              !strcmp(in.params.pseudo[1], "cp2k:GTH-PADE-q5"),
          "pseudopotential per species");
    CHECK_CLOSE(in.params.ecut, 408.2 / FU_HA_EV, 1e-14, "408.2 eV in Ha (CODATA 2018)");
    CHECK(in.params.ecut > 15.00107 && in.params.ecut < 15.00108, "408.2 eV = 15.00107 Ha");
    CHECK(in.params.kshift[0] == 0.5 && in.params.kshift[2] == 0.5, "shifted mesh");
    CHECK_CLOSE(in.params.mixing_damping, 0.5, 0, "damping");
    CHECK(in.params.mixing_history == 10, "history");
    fu_scf_input_free(&in);
}

static void test_units_and_options(void) {
    fu_scf_input in;
    if (read_ok(INPUTS "good_units.yaml", &in)) {
        CHECK(0, "good_units.yaml parses");
        return;
    }
    const fu_structure *s = &in.structure;
    const fu_scf_params *p = &in.params;
    check_fcc(&in, 2.7155 / FU_BOHR_ANGSTROM);
    CHECK(s->nspecies == 1 && !strcmp(s->symbol[0], "Si"), "'si' and 'Si' are one species");
    for (int j = 0; j < 3; j++) CHECK_CLOSE(s->xred[1][j], 0.25, 1e-12, "Cartesian Å -> fractional");
    CHECK(ends_with(p->pseudo[0], "/input/psp/14si.4.hgh") &&
              !strncmp(p->pseudo[0], FURUI_TEST_DATA, strlen(FURUI_TEST_DATA)),
          "a bare pseudopotential path is relative to the input file");
    CHECK(!strcmp(p->xc, "gga_x_pbe+gga_c_pbe"), "libxc names");
    CHECK_CLOSE(p->ecut, 408.2 / FU_HA_EV, 1e-14, "eV");
    CHECK(p->kshift[1] == 0.5, "shift");
    CHECK(p->nband == 12, "bands");
    CHECK(p->fft[0] == 24 && p->fft[2] == 30, "fft grid");
    CHECK(p->smearing == FU_SMEAR_METHFESSEL_PAXTON && p->smearing_order == 2, "MP order 2");
    CHECK_CLOSE(p->tsmear, 300 * FU_KB_HA_PER_K, 1e-18, "300 K as k_B T");
    CHECK(p->use_symmetry == 0 && p->time_reversal == 0, "symmetry off");
    CHECK_CLOSE(p->symprec, 1e-4 / FU_BOHR_ANGSTROM, 1e-18, "tolerance in Å -> bohr");
    CHECK(p->max_iterations == 40, "iterations");
    CHECK_CLOSE(p->tol_energy, 1e-3 / FU_HA_EV, 1e-18, "1 meV");
    CHECK_CLOSE(p->tol_density, 1e-6, 0, "density tolerance");
    CHECK_CLOSE(p->mixing_damping, 0.3, 0, "damping");
    CHECK(p->mixing_history == 4, "history");
    CHECK_CLOSE(p->kerker_k0, 1.5 * FU_BOHR_ANGSTROM, 1e-14, "1.5 1/Å -> 1/bohr");
    CHECK(p->compute_forces == 0 && p->compute_stress == 0, "forces/stress off");
    CHECK(!strcmp(in.output_prefix, "/tmp/furui_units"), "absolute prefix");
    CHECK(p->verbosity == 2, "verbosity");
    fu_scf_input_free(&in);
}

static void test_defaults_and_poscar(void) {
    fu_scf_input in;
    if (!read_ok(INPUTS "good_minimal.yaml", &in)) {
        fu_scf_params d;
        fu_scf_params_default(&d);
        const fu_scf_params *p = &in.params;
        CHECK(!strcmp(p->xc, "lda") && !strcmp(d.xc, "lda"), "default xc lda");
        CHECK(d.ecut == 0, "no default cutoff");
        CHECK(p->nband == 0 && p->fft[0] == 0 && p->fft[1] == 0 && p->fft[2] == 0, "automatic");
        CHECK(p->smearing == FU_SMEAR_NONE && p->tsmear == 0.01, "no smearing, 0.01 Ha width");
        CHECK(p->use_symmetry && p->time_reversal && p->symprec == 1e-5, "symmetry defaults");
        CHECK(p->max_iterations == 100 && p->tol_energy == 1e-9 && p->tol_density == 1e-7,
              "convergence defaults");
        CHECK(p->mixing_damping == 1.0 && p->mixing_history == 8 && p->kerker_k0 < 0,
              "mixing defaults");
        CHECK(p->compute_forces && p->compute_stress && p->verbosity == 1, "output defaults");
        CHECK(!strcmp(in.output_prefix, "good_minimal"), "prefix from the file name");
        fu_scf_input_free(&in);
    } else {
        CHECK(0, "good_minimal.yaml parses");
    }

    if (!read_ok(INPUTS "good_poscar.yaml", &in)) {
        check_fcc(&in, 2.7155 / FU_BOHR_ANGSTROM);
        CHECK(in.structure.natom == 2 && in.structure.znucl[0] == 14, "POSCAR relative to input");
        CHECK_CLOSE(in.params.ecut, 15.0, 1e-15, "30 Ry = 15 Ha");
        fu_scf_input_free(&in);
    } else {
        CHECK(0, "good_poscar.yaml parses");
    }

    /* from memory, as a fuzzer would */
    char *text = slurp(INPUTS "good_minimal.yaml");
    fu_err err = {0};
    int rc = fu_scf_input_parse(text, "<memory>", &in, &err);
    CHECK(rc == FU_OK && in.text && !strcmp(in.text, text), "parse from memory");
    if (!rc) fu_scf_input_free(&in);
    rc = fu_scf_input_parse(text, NULL, &in, &err);
    CHECK(rc != FU_OK, "an origin is required");
    rc = fu_scf_input_parse(NULL, "<null>", &in, &err);
    CHECK(rc != FU_OK && strstr(err.msg, "<null>:1: document: empty"), "NULL text is empty");
    free(text);
}

/* table:DIR is a directory, relative to the input like a file path */
static void test_table_spec(void) {
    const char *text =
        "structure:\n  lattice: {unit: bohr, vectors: [[0, 5, 5], [5, 0, 5], [5, 5, 0]]}\n"
        "  coordinates: fractional\n  atoms:\n    - [Si, 0, 0, 0]\n"
        "pseudopotentials: {Si: \"table:pd\"}\necut: 10 Ha\n";
    fu_scf_input in;
    fu_err err = {0};
    int rc = fu_scf_input_parse(text, "/some/where/in.yaml", &in, &err);
    CHECK(rc == FU_OK && !strcmp(in.params.pseudo[0], "table:/some/where/pd"),
          "table:pd -> table:<input dir>/pd");
    if (!rc) fu_scf_input_free(&in);
    rc = fu_scf_input_parse("structure:\n  lattice: {unit: bohr, vectors: [[0, 5, 5], [5, 0, 5], "
                            "[5, 5, 0]]}\n  coordinates: fractional\n  atoms:\n    - [Si, 0, 0, 0]\n"
                            "pseudopotentials: {Si: \"table:\"}\necut: 10 Ha\n",
                            "in.yaml", &in, &err);
    CHECK(rc != FU_OK && strstr(err.msg, "pseudopotentials.Si") && strstr(err.msg, "table"),
          "an empty table directory is refused naming the key");
    if (!rc) fu_scf_input_free(&in);
}

/* Each hostile input must fail, with a one-line message naming the file
 * and containing `want` (the key and/or line). */
static const struct {
    const char *file, *want;
} hostile[] = {
    {"bad_syntax.yaml", ":16: syntax: did not find expected ',' or ']'"},
    {"bad_tabs.yaml", ":9: syntax: found character that cannot start any token"},
    {"bad_tabs.yaml", "tabs are not allowed"},
    {"bad_duplicate_key.yaml", ":17: ecut: duplicate key (first given at line 15)"},
    {"bad_unknown_key.yaml", ":16: ecutt: unknown key; allowed: structure,"},
    {"bad_missing_unit.yaml", ":15: ecut: missing unit, write e.g. '15 Ha'"},
    {"bad_wrong_unit_kind.yaml", ":15: ecut: 'bohr' is a length unit, expected an energy unit"},
    {"bad_unknown_unit.yaml", ":15: ecut: unknown unit 'furlongs'"},
    {"bad_nan.yaml", ":17: scf.density_tolerance: '.nan' is not a finite number"},
    {"bad_inf.yaml", ":15: ecut: '.inf Ha' is not a finite number"},
    {"bad_overflow.yaml", ":15: ecut: '1e999 Ha' is out of range"},
    {"bad_hex_number.yaml", ":15: ecut: expected a quantity"},
    {"bad_ecut_negative.yaml", ":15: ecut: must be > 0"},
    {"bad_kgrid_negative.yaml", ":16: kpoints.grid[1]: must be between 1 and"},
    {"bad_kgrid_length.yaml", ":16: kpoints.grid: expected a list of 3 integers, found 2"},
    {"bad_kshift.yaml", ":16: kpoints.shift[1]: must be 0 or 0.5"},
    {"bad_bands_zero.yaml", ":17: bands: must be between 1 and"},
    {"bad_int_garbage.yaml", ":17: bands: expected an integer, found '8x'"},
    {"bad_int_fraction.yaml", ":17: bands: expected an integer, found '8.5'"},
    {"bad_fft_absurd.yaml", ":17: fft_grid[2]: must be between 1 and 1024, got 4096"},
    {"bad_bool_yes.yaml", ":17: compute.forces: expected true or false, found 'yes'"},
    {"bad_smearing_width.yaml", ":17: smearing.width: must be > 0"},
    {"bad_smearing_kind.yaml", ":17: smearing.kind: unknown smearing 'fermi'"},
    {"bad_smearing_order.yaml", ":17: smearing.order: an order is only used with"},
    {"bad_damping.yaml", ":17: scf.mixing.damping: must be in (0, 1]"},
    {"bad_history.yaml", ":17: scf.mixing.history: must be between 1 and"},
    {"bad_kerker_unit.yaml", ":17: scf.mixing.kerker: missing unit, write e.g. '0.8 1/bohr'"},
    {"bad_tolerance.yaml", ":17: scf.energy_tolerance: must be > 0"},
    {"bad_density_tolerance_unit.yaml", ":17: scf.density_tolerance: expected a number"},
    {"bad_max_iterations.yaml", ":17: scf.max_iterations: must be between 1 and"},
    {"bad_symprec.yaml", ":17: symmetry.tolerance: must be > 0"},
    {"bad_xc.yaml", ":17: xc: expected lda, pbe or libxc names"},
    {"bad_verbosity.yaml", ":17: verbosity: must be between 0 and 2"},
    {"bad_missing_ecut.yaml", ":2: ecut: missing required key"},
    {"bad_missing_structure.yaml", ":1: structure: missing required key"},
    {"bad_missing_pseudo.yaml", ":13: pseudopotentials.C: missing"},
    {"bad_extra_pseudo.yaml", ":15: pseudopotentials.Ge: pseudopotential for Ge, which is not in"},
    {"bad_pseudo_twice.yaml", ":15: pseudopotentials.SI: Si given twice (line 14)"},
    {"bad_unknown_element.yaml", ":12: structure.atoms[1][0]: unknown element 'Xx'"},
    {"bad_lattice_two_vectors.yaml", ":5: structure.lattice.vectors: expected 3 lattice vectors"},
    {"bad_vector_length.yaml", ":7: structure.lattice.vectors[1]: expected a list of 3 numbers"},
    {"bad_lattice_unit.yaml", ":4: structure.lattice.unit: 'Ha' is an energy unit"},
    {"bad_lattice_no_unit.yaml", ":3: structure.lattice.unit: missing required key"},
    {"bad_atom_length.yaml", ":11: structure.atoms[0]: expected [Element, x, y, z], found 3"},
    {"bad_atom_number.yaml", ":12: structure.atoms[1][2]: expected a number, found 'abc'"},
    {"bad_coordinates.yaml", ":9: structure.coordinates: expected 'fractional' or 'cartesian'"},
    {"bad_atoms_too_close.yaml", ":2: structure: "},
    {"bad_singular_lattice.yaml", ":5: structure.lattice.vectors: singular lattice"},
    {"bad_no_atoms.yaml", ":10: structure.atoms: no atoms"},
    {"bad_poscar_missing.yaml", ":1: structure.poscar: "},
    {"bad_poscar_missing.yaml", "no_such_dir/POSCAR"},
    {"bad_poscar_garbage.yaml", ":1: structure.poscar: "},
    {"bad_poscar_garbage.yaml", "input/bad_syntax.yaml"},
    {"bad_poscar_and_lattice.yaml", ":10: structure.poscar: give either poscar or"},
    {"bad_alias.yaml", ":15: anchor: anchors (&cut) and aliases are not supported"},
    {"bad_tag.yaml", ":15: tag: explicit tags"},
    {"bad_two_documents.yaml", ":17: document: a second YAML document"},
    {"bad_empty.yaml", ":1: document: empty document"},
    {"bad_comments_only.yaml", ":1: document: empty document"},
    {"bad_top_level_list.yaml", ":1: (top level): expected a map of keys"},
    {"bad_scalar_document.yaml", ":1: (top level): expected a map of keys"},
    {"bad_nul_escape.yaml", ":17: characters: a value contains a NUL character"},
    {"bad_newline_key.yaml", ":17: ec?ut: unknown key"},
    {"bad_output_prefix.yaml", ":17: output.prefix: must be a file name prefix"},
    {"bad_deep_nesting.yaml", ":17: document: nested deeper than 64 levels"},
    {"bad_map_key.yaml", ":17: (top level): a sequence as a map key is not supported"},
    {"bad_binary.yaml", ":1: characters: control characters are not allowed"},
    {"bad_latin1.yaml", ":4: encoding: invalid trailing UTF-8 octet"},
    {"bad_utf16.yaml", ":1: encoding: invalid leading UTF-8 octet"},
    {"bad_directory.yaml", "bad_directory.yaml: cannot read: Is a directory"},
    {"no_such_file.yaml", "no_such_file.yaml: cannot open: No such file or directory"},
};

static void test_hostile(void) {
    int n = (int)(sizeof hostile / sizeof hostile[0]);
    for (int i = 0; i < n; i++) {
        char path[512];
        snprintf(path, sizeof path, INPUTS "%s", hostile[i].file);
        fu_scf_input in;
        fu_err err = {0};
        int rc = fu_scf_input_read(path, &in, &err);
        int ok = rc != FU_OK && err.msg[0] && !strchr(err.msg, '\n') && !strchr(err.msg, '\r') &&
                 strstr(err.msg, path) && strstr(err.msg, hostile[i].want) && in.text == NULL &&
                 in.structure.xred == NULL;
        check_count++;
        if (!ok) {
            check_failures++;
            fprintf(stderr, "FAIL %s: rc %d, message '%s', want '%s'\n", hostile[i].file, rc,
                    err.msg, hostile[i].want);
        }
        fu_scf_input_free(&in);
    }
    CHECK(n >= 25, "at least 25 hostile inputs");
}

/* Mutations of a valid input through the whole reader: no crash or leak
 * (ASan), and every failure is one line naming the origin. */
static void test_mutations(void) {
    char *seed = slurp(INPUTS "good_units.yaml");
    if (!seed) {
        CHECK(0, "good_units.yaml readable");
        return;
    }
    size_t n = strlen(seed);
    char *buf = malloc(n + 64);
    unsigned long long state = 0x2545F4914F6CDD1DULL;
    static const char alphabet[] = "[]{}:,-#&*!'\"\t\n ?0123456789.eE-+aKHz\xc3\x85";
    int bad = 0, accepted = 0;
    for (int it = 0; it < 4000; it++) {
        memcpy(buf, seed, n + 1);
        size_t m = n;
        for (int k = 0; k < 1 + it % 3; k++) {
            state = state * 6364136223846793005ULL + 1442695040888963407ULL;
            size_t pos = (size_t)(state >> 33) % m;
            char ch = alphabet[(state >> 20) % (sizeof alphabet - 1)];
            if ((state >> 8) % 3 == 0 && m + 1 < n + 63) {
                memmove(buf + pos + 1, buf + pos, m - pos + 1);
                buf[pos] = ch;
                m++;
            } else if ((state >> 8) % 3 == 1 && m > 1) {
                memmove(buf + pos, buf + pos + 1, m - pos);
                m--;
            } else {
                buf[pos] = ch;
            }
        }
        fu_scf_input in;
        fu_err err = {0};
        int rc = fu_scf_input_parse(buf, "fuzz/in.yaml", &in, &err);
        if (rc == FU_OK) {
            accepted++;
            int sane = in.params.ecut > 0 && in.structure.natom >= 1 && isfinite(in.params.tsmear);
            if (!sane && !bad++) fprintf(stderr, "FAIL mutation %d accepted insane values\n", it);
        } else if (strchr(err.msg, '\n') || strncmp(err.msg, "fuzz/in.yaml", 12) != 0) {
            if (!bad++) fprintf(stderr, "FAIL mutation %d: message '%s'\n", it, err.msg);
        }
        fu_scf_input_free(&in);
    }
    free(buf);
    free(seed);
    CHECK(bad == 0, "mutated inputs: clean errors or sane values");
    CHECK(accepted > 0 && accepted < 4000, "mutations exercise both outcomes");
}

int main(void) {
    test_si_example();
    test_al_example();
    test_gaas_example();
    test_units_and_options();
    test_defaults_and_poscar();
    test_table_spec();
    test_hostile();
    test_mutations();
    CHECK_DONE();
}
