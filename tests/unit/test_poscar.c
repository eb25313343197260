// labels: unit
/* POSCAR reader (scale, volume, Cartesian, selective dynamics, species
 * labels), hostile files, and the POSCAR/CIF writers with a round trip. */
#include "check.h"
#include "core/units.h"
#include "crystal/poscar.h"

#include <string.h>
#include <unistd.h>

#define DATA FURUI_TEST_DATA "/poscar/"

static const double A2B = 1.0 / FU_BOHR_ANGSTROM;

static void test_direct(void) {
    fu_structure s;
    fu_err err = {0};
    int rc = fu_poscar_read(DATA "si_direct.vasp", &s, &err);
    CHECK(rc == FU_OK, "Si POSCAR (Direct) reads");
    if (rc) {
        fprintf(stderr, "  %s\n", err.msg);
        return;
    }
    CHECK(s.natom == 2 && s.nspecies == 1 && s.znucl[0] == 14 && !strcmp(s.symbol[0], "Si"),
          "2 Si atoms, one species");
    CHECK_CLOSE(s.lattice[0][1], 2.715 * A2B, 1e-12, "a1_y = 5.43/2 A in bohr");
    CHECK_CLOSE(s.lattice[2][2], 0, 0, "a3_z = 0");
    CHECK_CLOSE(s.xred[1][2], 0.25, 0, "Direct coordinates kept as given");
    CHECK(s.typat[0] == 0 && s.typat[1] == 0, "typat");
    fu_structure_free(&s);
}

static void test_cartesian_volume(void) {
    fu_structure s;
    fu_err err = {0};
    int rc = fu_poscar_read(DATA "nacl_cartesian_volume.vasp", &s, &err);
    CHECK(rc == FU_OK, "NaCl POSCAR (volume scale, selective dynamics, Cartesian) reads");
    if (rc) {
        fprintf(stderr, "  %s\n", err.msg);
        return;
    }
    /* -44.851536 A^3 = (5.64 A)^3 / 4, so the scale is 5.64. */
    CHECK_CLOSE(fabs(fu_lattice_det(s.lattice)), 44.851536 * pow(A2B, 3), 1e-9,
                "negative scale is the cell volume in A^3");
    CHECK_CLOSE(s.lattice[1][0], 2.82 * A2B, 1e-12, "scale 5.64 recovered from the volume");
    CHECK(s.nspecies == 2 && s.znucl[0] == 11 && s.znucl[1] == 17 && !strcmp(s.symbol[0], "Na"),
          "Na_pv label is sodium; species order kept");
    for (int j = 0; j < 3; j++)
        CHECK_CLOSE(s.xred[1][j], 0.5, 1e-12, "Cartesian (scaled) -> fractional (1/2,1/2,1/2)");
    fu_structure_free(&s);
}

static void test_groups_scale3(void) {
    fu_structure s;
    fu_err err = {0};
    int rc = fu_poscar_read(DATA "groups_scale3.vasp", &s, &err);
    CHECK(rc == FU_OK, "repeated species groups with three scale factors read");
    if (rc) {
        fprintf(stderr, "  %s\n", err.msg);
        return;
    }
    CHECK(s.natom == 3 && s.nspecies == 2 && s.znucl[0] == 14 && s.znucl[1] == 8,
          "Si O Si groups -> species Si, O");
    CHECK(s.typat[0] == 0 && s.typat[1] == 1 && s.typat[2] == 0, "atom order kept, typat");
    CHECK_CLOSE(s.lattice[0][0], 2 * A2B, 1e-12, "x scaled by 2");
    CHECK_CLOSE(s.lattice[1][1], 3 * A2B, 1e-12, "y scaled by 3");
    CHECK_CLOSE(s.lattice[2][2], 4 * A2B, 1e-12, "z scaled by 4");
    double want[3][3] = {{0.5, 0.5, 0.5}, {0, 0.5, 0}, {0.25, 0, 0.75}};
    double worst = 0;
    for (int a = 0; a < 3; a++)
        for (int j = 0; j < 3; j++) worst = fmax(worst, fabs(s.xred[a][j] - want[a][j]));
    CHECK_CLOSE(worst, 0, 1e-12, "'K'artesian positions scaled per component");
    fu_structure_free(&s);
}

/* Each hostile file fails cleanly with a one-line message naming the file. */
static void test_hostile(void) {
    static const struct {
        const char *file, *fragment;
        int line;
    } bad[] = {
        {"truncated.vasp", "position of atom 2", 10},
        {"nan.vasp", "lattice vector 2", 4},
        {"wrong_counts.vasp", "atom counts", 7},
        {"extra_counts.vasp", "atom counts", 7},
        {"zero_atoms.vasp", "must be >= 1", 7},
        {"negative_counts.vasp", "must be >= 1", 7},
        {"unknown_element.vasp", "unknown element 'Xx'", 6},
        {"singular.vasp", "singular", 3},
        {"vasp4.vasp", "VASP 4", 6},
        {"bad_mode.vasp", "'Direct' or 'Cartesian'", 8},
        {"inf_position.vasp", "position of atom 2", 10},
        {"zero_scale.vasp", "scale factor", 2},
        {"garbage.bin", "binary", 1},
        {"empty.vasp", "comment line", 1},
        {"", "directory", 0}, /* the data directory itself */
        {"no_such_file.vasp", "cannot open", 0},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        char path[512], loc[600];
        snprintf(path, sizeof path, "%s%s", DATA, bad[k].file);
        snprintf(loc, sizeof loc, "%s:%d:", path, bad[k].line);
        fu_structure s;
        memset(&s, 0x5a, sizeof s);
        fu_err err = {0};
        int rc = fu_poscar_read(path, &s, &err);
        int ok = rc != FU_OK && strstr(err.msg, path) && !strchr(err.msg, '\n') &&
                 strstr(err.msg, bad[k].fragment) && (bad[k].line == 0 || strstr(err.msg, loc)) &&
                 s.xred == NULL && s.typat == NULL && s.natom == 0;
        if (!ok) fprintf(stderr, "  %s: rc %d, message: %s\n", bad[k].file, rc, err.msg);
        CHECK(ok, "hostile POSCAR rejected with path:line: message, structure left empty");
    }
}

static int same_structure(const fu_structure *a, const fu_structure *b, double tol) {
    if (a->natom != b->natom || a->nspecies != b->nspecies) return 0;
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            if (fabs(a->lattice[i][j] - b->lattice[i][j]) > tol) return 0;
    for (int k = 0; k < a->nspecies; k++)
        if (a->znucl[k] != b->znucl[k] || strcmp(a->symbol[k], b->symbol[k])) return 0;
    for (int n = 0; n < a->natom; n++) {
        if (a->typat[n] != b->typat[n]) return 0;
        for (int j = 0; j < 3; j++)
            if (fabs(a->xred[n][j] - b->xred[n][j]) > tol) return 0;
    }
    return 1;
}

static FILE *temp_file(char *path, size_t len) {
    snprintf(path, len, "/tmp/furui_test_poscar_XXXXXX");
    int fd = mkstemp(path);
    return fd < 0 ? NULL : fdopen(fd, "w+");
}

static void test_roundtrip(void) {
    /* A skewed triclinic cell with three species, grouped by species. */
    fu_structure s;
    fu_err err = {0};
    fu_structure_alloc(&s, 5, &err);
    double lat[3][3] = {{5.123456789, 0.1, -0.2}, {0.3, 6.987654321, 0.4}, {-0.5, 0.6, 7.5}};
    memcpy(s.lattice, lat, sizeof lat);
    double x[5][3] = {{0, 0, 0}, {0.1234567890123, 0.5, -0.25}, {0.3, 0.7, 0.9},
                      {0.999999999, 0.123, 0.456}, {1.0 / 3, 2.0 / 3, 0.1}};
    int t[5] = {0, 0, 1, 2, 2};
    memcpy(s.xred, x, sizeof x);
    memcpy(s.typat, t, sizeof t);
    s.nspecies = 3;
    const char *sym[3] = {"Ga", "As", "O"};
    int z[3] = {31, 33, 8};
    for (int k = 0; k < 3; k++) {
        snprintf(s.symbol[k], FU_SYMBOL_LEN, "%s", sym[k]);
        s.znucl[k] = z[k];
    }
    char path[64];
    FILE *f = temp_file(path, sizeof path);
    CHECK(f != NULL, "temporary file");
    if (!f) return;
    CHECK(fu_poscar_write(f, &s, "round trip\nwith a newline", &err) == FU_OK, "POSCAR write");
    fclose(f);
    fu_structure r;
    int rc = fu_poscar_read(path, &r, &err);
    CHECK(rc == FU_OK, "written POSCAR reads back");
    if (rc == FU_OK) {
        CHECK(same_structure(&s, &r, 1e-10), "write then read gives the same structure to 1e-10");
        fu_structure_free(&r);
    }

    /* CIF: cell parameters and one site line per atom. */
    f = fopen(path, "w+");
    CHECK(f && fu_cif_write(f, &s, "test cell", &err) == FU_OK, "CIF write");
    if (f) {
        rewind(f);
        char line[256];
        double a = 0, gamma = 0;
        int sites = 0, p1 = 0, block = 0;
        while (fgets(line, sizeof line, f)) {
            sscanf(line, "_cell_length_a %lf", &a);
            sscanf(line, "_cell_angle_gamma %lf", &gamma);
            if (strstr(line, "'P 1'")) p1 = 1;
            if (!strncmp(line, "data_test_cell", 14)) block = 1;
            char lab[16], el[8];
            double fx, fy, fz, occ;
            if (sscanf(line, " %15s %7s %lf %lf %lf %lf", lab, el, &fx, &fy, &fz, &occ) == 6)
                sites++;
        }
        fclose(f);
        double la = sqrt(lat[0][0] * lat[0][0] + lat[0][1] * lat[0][1] + lat[0][2] * lat[0][2]);
        double lb = sqrt(lat[1][0] * lat[1][0] + lat[1][1] * lat[1][1] + lat[1][2] * lat[1][2]);
        double ab = lat[0][0] * lat[1][0] + lat[0][1] * lat[1][1] + lat[0][2] * lat[1][2];
        CHECK_CLOSE(a, la * FU_BOHR_ANGSTROM, 1e-10, "CIF a in A");
        CHECK_CLOSE(gamma, acos(ab / (la * lb)) * 180 / FU_PI, 1e-9, "CIF gamma in degrees");
        CHECK(sites == 5 && p1 && block, "CIF: P1, a data block without spaces, 5 sites");
    }

    /* Interleaved species come back grouped (POSCAR lists atoms by species). */
    int ti[5] = {1, 0, 2, 0, 2};
    memcpy(s.typat, ti, sizeof ti);
    f = fopen(path, "w");
    CHECK(f && fu_poscar_write(f, &s, NULL, &err) == FU_OK, "POSCAR write, interleaved");
    if (f) fclose(f);
    rc = fu_poscar_read(path, &r, &err);
    CHECK(rc == FU_OK, "interleaved structure reads back");
    if (rc == FU_OK) {
        int order[5] = {1, 3, 0, 2, 4}, ok = r.natom == 5; /* Ga atoms, As, O atoms */
        for (int n = 0; n < 5 && ok; n++)
            for (int j = 0; j < 3; j++)
                if (fabs(r.xred[n][j] - s.xred[order[n]][j]) > 1e-12 ||
                    r.typat[n] != s.typat[order[n]])
                    ok = 0;
        CHECK(ok, "atoms regrouped by species, positions and species preserved");
        fu_structure_free(&r);
    }
    unlink(path);
    fu_structure_free(&s);
}

/* path:line and fragment of the error reading text (written to a temp file);
 * NULL fragment: must read. */
static int reads_as(const char *text, const char *fragment, int line) {
    char path[64], loc[96];
    FILE *f = temp_file(path, sizeof path);
    if (!f) return 0;
    fputs(text, f);
    fclose(f);
    fu_structure s;
    fu_err err = {0};
    int rc = fu_poscar_read(path, &s, &err);
    snprintf(loc, sizeof loc, "%s:%d:", path, line);
    int ok = fragment ? rc == FU_EINPUT && strstr(err.msg, fragment) && strstr(err.msg, loc) : rc == FU_OK;
    if (!ok) fprintf(stderr, "  rc %d, message: %s (want %s %s)\n", rc, err.msg, loc, fragment ? fragment : "ok");
    if (rc == FU_OK) fu_structure_free(&s);
    unlink(path);
    return ok;
}

/* Line and file caps, coordinate range (issue 19: /dev/zero grew to 2.1 GB,
 * 300 000 trailing numbers were accepted, 1e300 failed in spglib). */
static void test_limits(void) {
    static const char head[] = "Si\n5.43\n 0 .5 .5\n .5 0 .5\n .5 .5 0\nSi\n2\nDirect\n 0 0 0\n";
    char *text = malloc(2 * FU_POSCAR_MAX_LINE + 256);
    size_t n = (size_t)sprintf(text, "%s .25 .25 .25", head);
    while (n < sizeof head - 1 + FU_POSCAR_MAX_LINE) text[n++] = ' ';
    strcpy(text + n, "\n");
    CHECK(reads_as(text, NULL, 0), "trailing text up to the line limit is ignored, as in VASP");
    strcpy(text + n, "1\n");
    CHECK(reads_as(text, "line longer than 4096 characters", 10), "one character more is refused");
    sprintf(text, "%s 1e300 .25 .25\n", head);
    CHECK(reads_as(text, "fractional coordinate 1e+300 out of range", 10), "a far-away position");
    sprintf(text, "%s 1000 .25 .25\n", head);
    CHECK(reads_as(text, NULL, 0), "1000 cells away is still read");
    free(text);

    fu_structure s;
    fu_err err = {0};
    CHECK(fu_poscar_read("/dev/zero", &s, &err) == FU_EIO && strstr(err.msg, "not a regular file"),
          "/dev/zero is refused at once");
    char path[64];
    FILE *f = temp_file(path, sizeof path);
    CHECK(f && ftruncate(fileno(f), (off_t)FU_POSCAR_MAX_BYTES + 1) == 0, "a sparse file over the limit");
    if (f) fclose(f);
    CHECK(fu_poscar_read(path, &s, &err) == FU_EINPUT && strstr(err.msg, "larger than any POSCAR"),
          "a file over the size limit is refused before reading");
    unlink(path);
}

int main(void) {
    test_limits();
    test_direct();
    test_cartesian_volume();
    test_groups_scale3();
    test_hostile();
    test_roundtrip();
    CHECK_DONE();
}
