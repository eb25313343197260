/* Fuzz harness: the CIF reader (fu_cif_read: libcif parses, furui applies
 * the symmetry operations), which reads only files: the input goes to a file
 * in a per-process temporary directory. Besides the common contract: at most
 * FU_CIF_MAX_ATOMS atoms, positions in [0,1), and what was read can be
 * written back; every symmetry operation string also goes through
 * fu_cif_parse_symop on its own. */
#include "fuzz_checks.h"

#include "crystal/cif.h"
#include "crystal/poscar.h"

/* libcif 0.4.2 itself leaks the item name (~30 bytes) when a parse stops on
 * a duplicate item name (CIF API code 41; valgrind shows the block allocated
 * inside cif_parse); furui holds no pointer to free it. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) {
    return "leak:libcif.so\n";
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *path = fz_write_temp("fuzz.cif", data, size);
    fu_structure s;
    fu_err e;
    memset(&s, 0, sizeof s);
    fz_err_init(&e);
    int rc = fu_cif_read(path, &s, &e);
    fz_check_status(rc, &e);
    if (rc == FU_OK) {
        fz_check_structure(&s, 0);
        if (s.natom > FU_CIF_MAX_ATOMS) fz_die("more atoms than FU_CIF_MAX_ATOMS", NULL);
        for (int a = 0; a < s.natom; a++)
            for (int i = 0; i < 3; i++)
                if (!(s.xred[a][i] >= 0 && s.xred[a][i] < 1)) fz_die("position outside [0,1)", NULL);
        FILE *f = fopen("/dev/null", "w");
        if (f) {
            fz_err_init(&e);
            int wrc = fu_cif_write(f, &s, "fuzz", &e);
            fz_check_status(wrc, &e);
            fclose(f);
        }
    }
    fu_structure_free(&s);
    /* the operation parser on the raw text (first line, bounded) */
    char op[256];
    size_t n = 0;
    while (n < size && n + 1 < sizeof op && data[n] != '\n' && data[n]) {
        op[n] = (char)data[n];
        n++;
    }
    op[n] = 0;
    int rot[3][3];
    double tr[3];
    char why[160];
    if (!fu_cif_parse_symop(op, rot, tr, why, sizeof why)) {
        int det = rot[0][0] * (rot[1][1] * rot[2][2] - rot[1][2] * rot[2][1]) -
                  rot[0][1] * (rot[1][0] * rot[2][2] - rot[1][2] * rot[2][0]) +
                  rot[0][2] * (rot[1][0] * rot[2][1] - rot[1][1] * rot[2][0]);
        if (det != 1 && det != -1) fz_die("accepted an operation with determinant not +-1", op);
    }
    return 0;
}
