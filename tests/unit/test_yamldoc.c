// labels: unit
/* The strict YAML reader: tree and line numbers, typed getters, quantities
 * with units, and rejection of everything ambiguous or hostile, always with
 * a one-line "origin:line: key: what" message. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/units.h"
#include "core/yamldoc.h"

#ifndef FURUI_TEST_DATA
#define FURUI_TEST_DATA "tests/data"
#endif

static int one_line(const char *s) { return strchr(s, '\n') == NULL && strchr(s, '\r') == NULL; }

/* Parses text, expects failure with a one-line message containing want. */
static void expect_parse_error(const char *text, size_t len, const char *want) {
    fu_ydoc d;
    fu_err err = {0};
    int rc = fu_ydoc_parse(text, len, "t.yaml", &d, &err);
    CHECK(rc != FU_OK, want);
    CHECK(d.root == NULL && d.text == NULL, "a failed parse leaves nothing allocated");
    CHECK(one_line(err.msg), "error message is one line");
    CHECK(strstr(err.msg, "t.yaml") != NULL, "error names the origin");
    if (!strstr(err.msg, want)) {
        check_failures++;
        fprintf(stderr, "FAIL message '%s' lacks '%s'\n", err.msg, want);
    }
    check_count++;
}

static int parse(const char *text, fu_ydoc *d) {
    fu_err err = {0};
    int rc = fu_ydoc_parse(text, strlen(text), "t.yaml", d, &err);
    if (rc) fprintf(stderr, "unexpected parse error: %s\n", err.msg);
    return rc;
}

/* Value of scalar `key` in a one-key document, through a getter kind. */
typedef enum { G_DOUBLE, G_INT, G_BOOL, G_ENERGY, G_LENGTH, G_INVLEN } getter;

static int get(const char *value, getter g, double *out, char *msg) {
    char text[256];
    snprintf(text, sizeof text, "v: %s\n", value);
    fu_ydoc d;
    if (parse(text, &d)) return -1;
    const fu_ynode *n = fu_ymap_get(d.root, "v");
    fu_err err = {0};
    int rc, i = 0;
    switch (g) {
    case G_DOUBLE: rc = fu_ynode_double(&d, n, out, &err); break;
    case G_INT: rc = fu_ynode_int(&d, n, -10, 1000, &i, &err); *out = i; break;
    case G_BOOL: rc = fu_ynode_bool(&d, n, &i, &err); *out = i; break;
    case G_ENERGY: rc = fu_ynode_quantity(&d, n, FU_UNIT_ENERGY, out, &err); break;
    case G_LENGTH: rc = fu_ynode_quantity(&d, n, FU_UNIT_LENGTH, out, &err); break;
    default: rc = fu_ynode_quantity(&d, n, FU_UNIT_INVLENGTH, out, &err); break;
    }
    if (msg) snprintf(msg, FU_ERR_MSG_LEN, "%s", rc ? err.msg : "");
    if (rc && !(one_line(err.msg) && strstr(err.msg, "t.yaml:1: v: "))) {
        check_failures++;
        fprintf(stderr, "FAIL getter message '%s' is not 't.yaml:1: v: ...' on one line\n",
                err.msg);
    }
    fu_ydoc_free(&d);
    return rc;
}

static void expect_value(const char *value, getter g, double want, double rtol) {
    double v = NAN;
    int rc = get(value, g, &v, NULL);
    CHECK(rc == FU_OK, value);
    CHECK_CLOSE(v, want, rtol * fabs(want), value);
}

static void expect_reject(const char *value, getter g, const char *want) {
    double v = 0;
    char msg[FU_ERR_MSG_LEN];
    int rc = get(value, g, &v, msg);
    CHECK(rc != FU_OK, value);
    if (rc && !strstr(msg, want)) {
        check_failures++;
        fprintf(stderr, "FAIL '%s': message '%s' lacks '%s'\n", value, msg, want);
    }
    check_count++;
}

static void test_tree(void) {
    const char *text =
        "# comment\n"
        "a: 1\n"
        "b:\n"
        "  c: [x, y,\n"
        "      z]\n"
        "  d:\n"
        "    - {e: 2}\n"
        "    - 'quoted'\n"
        "empty:\n";
    fu_ydoc d;
    CHECK(parse(text, &d) == FU_OK, "a plain document parses");
    CHECK(d.root->kind == FU_YMAP && d.root->n == 3, "root is a map with 3 keys");
    CHECK(d.len == strlen(text) && !strcmp(d.text, text), "verbatim text kept");
    const fu_ynode *a = fu_ymap_get(d.root, "a"), *b = fu_ymap_get(d.root, "b");
    CHECK(a && a->kind == FU_YSCALAR && !strcmp(a->value, "1") && a->line == 2, "a: 1 at line 2");
    const fu_ynode *c = fu_ymap_get(b, "c");
    CHECK(c && c->kind == FU_YSEQ && c->n == 3 && c->line == 4, "flow list at line 4");
    CHECK(b->line == 3, "a block map value has the line of its key");
    CHECK(c->item[2]->line == 5 && !strcmp(c->item[2]->value, "z"), "item on its own line");
    const fu_ynode *dd = fu_ymap_get(b, "d");
    const fu_ynode *e = fu_ymap_get(dd->item[0], "e");
    CHECK(e && e->line == 7, "nested map value line");
    CHECK(b->key_line[1] == 6, "key line recorded");
    char name[128];
    fu_ynode_name(e, name, sizeof name);
    CHECK(!strcmp(name, "b.d[0].e"), "key path of a nested node");
    fu_ynode_name(d.root, name, sizeof name);
    CHECK(!strcmp(name, "(top level)"), "root name");
    CHECK(!dd->item[1]->plain && !strcmp(dd->item[1]->value, "quoted"), "quoted scalar");
    CHECK(fu_ynode_is_null(fu_ymap_get(d.root, "empty")), "empty value is null");
    CHECK(fu_ymap_get(d.root, "nope") == NULL && fu_ymap_get(a, "x") == NULL,
          "missing key / non-map give NULL");

    fu_err err = {0};
    const fu_ynode *out;
    CHECK(fu_ymap_require(&d, b, "zz", &out, &err) != FU_OK &&
              strstr(err.msg, "t.yaml:3: b.zz: missing required key"),
          "missing required key names parent.key and the map's line");
    static const char *const allowed[] = {"c", "x", NULL};
    CHECK(fu_ymap_check_keys(&d, b, allowed, &err) != FU_OK &&
              strstr(err.msg, "t.yaml:6: b.d: unknown key; allowed: c, x"),
          "unknown key named with its line and the allowed list");
    CHECK(fu_ynode_expect(&d, a, FU_YMAP, &err) != FU_OK &&
              strstr(err.msg, "a: expected a map, found a scalar"),
          "kind mismatch message");
    CHECK(fu_ynode_expect(&d, fu_ymap_get(d.root, "empty"), FU_YSEQ, &err) != FU_OK &&
              strstr(err.msg, "empty: no value; expected a list"),
          "null where a list is expected");
    char small[4];
    CHECK(fu_ynode_string_copy(&d, dd->item[1], small, sizeof small, &err) != FU_OK &&
              strstr(err.msg, "too long"),
          "string_copy refuses to truncate");
    double v3[3];
    CHECK(fu_ynode_doubles(&d, c, 3, v3, &err) != FU_OK && strstr(err.msg, "b.c[0]: expected a number"),
          "list of numbers: a bad item is named by index");
    int i2[2];
    CHECK(fu_ynode_ints(&d, c, 2, 0, 9, i2, &err) != FU_OK &&
              strstr(err.msg, "expected a list of 2 integers, found 3"),
          "list length checked");
    fu_ydoc_free(&d);
    fu_ydoc_free(&d); /* idempotent */
}

static void test_getters(void) {
    expect_value("1.5", G_DOUBLE, 1.5, 0);
    expect_value("-2e3", G_DOUBLE, -2000, 0);
    expect_value("+.5", G_DOUBLE, 0.5, 0);
    expect_value("'7.25'", G_DOUBLE, 7.25, 0);
    expect_value("1e-400", G_DOUBLE, 0.0, 0); /* underflow to zero is not an error */
    expect_reject(".nan", G_DOUBLE, "'.nan' is not a finite number");
    expect_reject("NaN", G_DOUBLE, "not a finite number");
    expect_reject(".inf", G_DOUBLE, "not a finite number");
    expect_reject("-.Inf", G_DOUBLE, "not a finite number");
    expect_reject("inf", G_DOUBLE, "not a finite number");
    expect_reject("1e999", G_DOUBLE, "out of range");
    expect_reject("-1e999", G_DOUBLE, "out of range");
    expect_reject("0x10", G_DOUBLE, "expected a number");
    expect_reject("1,5", G_DOUBLE, "expected a number");
    expect_reject("1.5.2", G_DOUBLE, "expected a number");
    expect_reject("''", G_DOUBLE, "expected a number");
    expect_reject("", G_DOUBLE, "no value");
    expect_reject("[1]", G_DOUBLE, "found a sequence");

    expect_value("42", G_INT, 42, 0);
    expect_value("-3", G_INT, -3, 0);
    expect_value("+7", G_INT, 7, 0);
    expect_reject("4.0", G_INT, "expected an integer, found '4.0'");
    expect_reject("4x", G_INT, "expected an integer");
    expect_reject("'4 '", G_INT, "expected an integer");
    expect_reject("1001", G_INT, "must be between -10 and 1000, got 1001");
    expect_reject("-11", G_INT, "must be between -10 and 1000");
    expect_reject("99999999999999999999999", G_INT, "must be between");
    expect_reject(".nan", G_INT, "not a finite number");

    expect_value("true", G_BOOL, 1, 0);
    expect_value("False", G_BOOL, 0, 0);
    expect_reject("yes", G_BOOL, "expected true or false, found 'yes'");
    expect_reject("1", G_BOOL, "expected true or false");
}

static void test_quantities(void) {
    expect_value("15 Ha", G_ENERGY, 15.0, 1e-15);
    expect_value("15Ha", G_ENERGY, 15.0, 1e-15);
    expect_value("408.2 eV", G_ENERGY, 408.2 / FU_HA_EV, 1e-15);
    expect_value("30 Ry", G_ENERGY, 15.0, 1e-15);
    expect_value("0.01 Ha", G_ENERGY, 0.01, 1e-15);
    expect_value("1 meV", G_ENERGY, 1e-3 / FU_HA_EV, 1e-15);
    expect_value("300 K", G_ENERGY, 300 * FU_KB_HA_PER_K, 1e-15);
    expect_value("5.43 angstrom", G_LENGTH, 5.43 / FU_BOHR_ANGSTROM, 1e-15);
    expect_value("5.43 \xC3\x85", G_LENGTH, 5.43 / FU_BOHR_ANGSTROM, 1e-15);
    expect_value("5.43 \xE2\x84\xAB", G_LENGTH, 5.43 / FU_BOHR_ANGSTROM, 1e-15);
    expect_value("10.2 bohr", G_LENGTH, 10.2, 1e-15);
    expect_value("0.8 1/bohr", G_INVLEN, 0.8, 1e-15);
    expect_value("1.5 1/angstrom", G_INVLEN, 1.5 * FU_BOHR_ANGSTROM, 1e-15);
    /* 408.2 eV is 15.0012... Ha with the CODATA 2018 factor */
    double v;
    CHECK(get("408.2 eV", G_ENERGY, &v, NULL) == 0, "eV parses");
    CHECK(v > 15.00107 && v < 15.00108, "408.2 eV = 15.00107 Ha");

    expect_reject("15", G_ENERGY, "missing unit, write e.g. '15 Ha'");
    expect_reject("5.43", G_LENGTH, "missing unit, write e.g. '5.43 bohr'");
    expect_reject("0.8", G_INVLEN, "missing unit, write e.g. '0.8 1/bohr'");
    expect_reject("15 bohr", G_ENERGY, "'bohr' is a length unit, expected an energy unit");
    expect_reject("15 Ha", G_LENGTH, "'Ha' is an energy unit, expected a length unit");
    expect_reject("1 angstrom", G_INVLEN, "expected an inverse length unit");
    expect_reject("15 ha", G_ENERGY, "unknown unit 'ha'");
    expect_reject("15 Ha extra", G_ENERGY, "unknown unit 'Ha extra'");
    expect_reject(".nan Ha", G_ENERGY, "not a finite number");
    expect_reject("1e999 Ha", G_ENERGY, "out of range");
    expect_reject("1e308 angstrom", G_LENGTH, "out of range"); /* overflows in conversion */
    expect_reject("Ha", G_ENERGY, "expected a quantity like '15 Ha'");
    expect_reject("[15, Ha]", G_ENERGY, "found a sequence");

    fu_unit_kind k;
    double f;
    CHECK(fu_unit_lookup("Ry", &k, &f) == 0 && k == FU_UNIT_ENERGY && f == 0.5, "unit table");
    CHECK(fu_unit_lookup("parsec", &k, &f) == -1, "unknown unit");
    fu_ydoc d;
    fu_err err = {0};
    CHECK(parse("unit: angstrom\nbad: eV\n", &d) == 0, "unit doc");
    CHECK(fu_ynode_unit(&d, fu_ymap_get(d.root, "unit"), FU_UNIT_LENGTH, &f, &err) == 0 &&
              fabs(f - 1.0 / FU_BOHR_ANGSTROM) < 1e-15,
          "bare unit name");
    CHECK(fu_ynode_unit(&d, fu_ymap_get(d.root, "bad"), FU_UNIT_LENGTH, &f, &err) != 0 &&
              strstr(err.msg, "t.yaml:2: bad: 'eV' is an energy unit"),
          "bare unit of the wrong kind");
    fu_ydoc_free(&d);
}

static void test_rejections(void) {
#define E(text, want) expect_parse_error(text, strlen(text), want)
    E("a: 1\na: 2\n", "t.yaml:2: a: duplicate key (first given at line 1)");
    E("m:\n  x: 1\n  y: 2\n  x: 3\n  y: 4\n", "t.yaml:4: m.x: duplicate key (first given at line 2)");
    E("a: &x 1\nb: *x\n", "anchors (&x) and aliases are not supported");
    E("b: *x\n", "t.yaml:1: ");
    E("a: !!float 1\n", "explicit tags");
    E("a: 1\n---\nb: 2\n", "t.yaml:2: document: a second YAML document");
    E("", "t.yaml:1: document: empty document");
    E("# only\n", "empty document");
    E("---\n", "empty document");
    E("~\n", "empty document");
    E("a: [1, 2\n", "syntax");
    E("a:\n\tb: 1\n", "tabs are not allowed for indentation");
    E("a: b: c\n", "t.yaml:1: syntax: mapping values are not allowed");
    E("a: \"x\\0y\"\n", "NUL character");
    E("? [1]\n: 2\n", "t.yaml:1: (top level): a sequence as a map key is not supported");
    E("a: \xff\xfe\n", "the file must be UTF-8 text");
    E("a: caf\xe9\n", "t.yaml:1: encoding: ");
    expect_parse_error("a: 1\0b: 2\n", 10, "control characters");
    expect_parse_error("\xff\xfe" "a\0:\0", 6, "UTF-8"); /* UTF-16 is not switched to */
#undef E
    /* nesting beyond the limit */
    char deep[400];
    int n = 0;
    n += snprintf(deep + n, sizeof deep - n, "a: ");
    for (int i = 0; i < 100; i++) deep[n++] = '[';
    for (int i = 0; i < 100; i++) deep[n++] = ']';
    deep[n] = '\0';
    expect_parse_error(deep, strlen(deep), "nested deeper than 64 levels");
    /* a key that would overflow messages */
    char longkey[600];
    memset(longkey, 'k', 300);
    strcpy(longkey + 300, ": 1\n");
    expect_parse_error(longkey, strlen(longkey), "key longer than 256 characters");

    /* many keys: duplicate detection stays fast and finds the late duplicate */
    size_t cap = 40000 * 16;
    char *big = malloc(cap);
    size_t len = 0;
    for (int i = 0; i < 40000; i++) len += (size_t)snprintf(big + len, cap - len, "k%d: %d\n", i, i);
    len += (size_t)snprintf(big + len, cap - len, "k17: 0\n");
    expect_parse_error(big, len, "t.yaml:40001: k17: duplicate key (first given at line 18)");
    free(big);
}

static void test_files(void) {
    fu_ydoc d;
    fu_err err = {0};
    int rc = fu_ydoc_load(FURUI_TEST_DATA "/input/no_such_file.yaml", &d, &err);
    CHECK(rc == FU_EIO && strstr(err.msg, "no_such_file.yaml: cannot open: No such file"),
          "missing file: path and strerror");
    rc = fu_ydoc_load(FURUI_TEST_DATA "/input/bad_directory.yaml", &d, &err);
    CHECK(rc == FU_EIO && strstr(err.msg, "bad_directory.yaml: cannot read: Is a directory"),
          "directory refused with strerror");
    rc = fu_ydoc_load(FURUI_TEST_DATA "/input/bad_binary.yaml", &d, &err);
    CHECK(rc == FU_EINPUT && one_line(err.msg) && strstr(err.msg, "bad_binary.yaml:1: "),
          "binary garbage refused");

    const char *path = FURUI_TEST_DATA "/input/good_units.yaml";
    rc = fu_ydoc_load(path, &d, &err);
    CHECK(rc == FU_OK, "good file loads");
    FILE *f = fopen(path, "rb");
    char buf[8192];
    size_t len = f ? fread(buf, 1, sizeof buf, f) : 0;
    if (f) fclose(f);
    CHECK(rc == FU_OK && d.len == len && !memcmp(d.text, buf, len) && d.text[len] == '\0',
          "verbatim text equals the file bytes");
    CHECK(rc == FU_OK && !strcmp(d.path, path), "path kept");
    fu_ydoc_free(&d);
}

/* Mutated and random inputs: never a crash or leak (ASan), and any error
 * is a one-line message naming the origin. */
static void test_mutations(void) {
    const char *seed =
        "structure:\n  lattice:\n    unit: bohr\n    vectors:\n      - [0.0, 5.1, 5.1]\n"
        "      - [5.1, 0.0, 5.1]\n      - [5.1, 5.1, 0.0]\n  atoms:\n    - [Si, 0, 0, 0]\n"
        "ecut: 15 Ha\nkpoints: {grid: [4, 4, 4]}\nname: \"x\\ty\"\n";
    size_t n = strlen(seed);
    char buf[512];
    uint64_t state = 0x9E3779B97F4A7C15u;
    static const char alphabet[] = "[]{}:,-#&*!|>'\"\t\n ?%@`\\\x80\xc3\xff" "0a.";
    int bad = 0;
    for (int it = 0; it < 3000; it++) {
        memcpy(buf, seed, n);
        size_t m = n;
        int nmut = 1 + it % 4;
        for (int k = 0; k < nmut; k++) {
            state = state * 6364136223846793005u + 1442695040888963407u;
            size_t pos = (size_t)(state >> 33) % m;
            char c = alphabet[(state >> 20) % (sizeof alphabet - 1)];
            switch ((state >> 8) % 3) {
            case 0: buf[pos] = c; break;
            case 1: if (m < sizeof buf - 1) { memmove(buf + pos + 1, buf + pos, m - pos); buf[pos] = c; m++; } break;
            default: memmove(buf + pos, buf + pos + 1, m - pos - 1); m--; break;
            }
        }
        fu_ydoc d;
        fu_err err = {0};
        if (fu_ydoc_parse(buf, m, "fuzz.yaml", &d, &err) == FU_OK) {
            fu_ydoc_free(&d);
        } else if (!one_line(err.msg) || strncmp(err.msg, "fuzz.yaml", 9) != 0) {
            if (!bad++) fprintf(stderr, "FAIL mutation %d: message '%s'\n", it, err.msg);
        }
    }
    CHECK(bad == 0, "every mutated input gives a clean one-line result");
}

int main(void) {
    test_tree();
    test_getters();
    test_quantities();
    test_rejections();
    test_files();
    test_mutations();
    CHECK_DONE();
}
