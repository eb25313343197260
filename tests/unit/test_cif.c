// labels: unit crystal
/* CIF symmetry operations (fu_cif_parse_symop): the matrices and translations
 * of operations as the International Tables write them, and the refusals
 * (coefficients, missing or extra components, unknown terms, singular
 * matrices). Whole files: tests/crystal/cif_test.py. */
#include <string.h>

#include "check.h"
#include "crystal/cif.h"

static int same(const int a[3][3], const int b[3][3]) {
    return !memcmp(a, b, 9 * sizeof(int));
}

int main(void) {
    int rot[3][3];
    double t[3];
    char why[160];
    /* P6_1 (No. 169), operation (2): x-y, x, z+1/6 */
    static const int r61[3][3] = {{1, -1, 0}, {1, 0, 0}, {0, 0, 1}};
    CHECK(fu_cif_parse_symop("x-y, x, z+1/6", rot, t, why, sizeof why) == 0 && same(rot, r61) &&
              t[0] == 0 && t[1] == 0 && t[2] == 1.0 / 6,
          "x-y, x, z+1/6");
    /* Pnma (No. 62): -x+1/2, -y, z+1/2 written with leading fractions and no spaces */
    static const int r62[3][3] = {{-1, 0, 0}, {0, -1, 0}, {0, 0, 1}};
    CHECK(fu_cif_parse_symop("1/2-X,-Y,1/2+Z", rot, t, why, sizeof why) == 0 && same(rot, r62) &&
              t[0] == 0.5 && t[1] == 0 && t[2] == 0.5,
          "1/2-X,-Y,1/2+Z (upper case, fraction first)");
    CHECK(fu_cif_parse_symop("+x, +y+0.25, -z", rot, t, why, sizeof why) == 0 && t[1] == 0.25 &&
              rot[2][2] == -1,
          "+x, +y+0.25, -z (decimal translation)");
    static const char *const bad[][2] = {
        {"2x, y, z", "a number multiplying"}, {"x, y", "three comma-separated"},
        {"x, y, z, x", "three comma-separated"}, {"x, q, z", "unknown term 'q'"},
        {"x, x, z", "determinant 0"},          {"x, , z", "component 2 is empty"},
        {"x/2, y, z", "unknown term '/2'"},    {"x, y, z+1/0", "division by zero"},
        /* found by fuzz_cif: a lone "." once left the parser in place forever */
        {"., y, z", "malformed number"},       {"0x1p3, y, z", "a number multiplying"},
        {"x, y+1/, z", "without a denominator"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char what[256];
        int rc = fu_cif_parse_symop(bad[i][0], rot, t, why, sizeof why);
        snprintf(what, sizeof what, "'%s' refused: %s (got: %s)", bad[i][0], bad[i][1], rc ? why : "accepted");
        CHECK(rc != 0 && strstr(why, bad[i][1]), what);
    }
    CHECK_DONE();
}
