/* Fuzz harness: the POSCAR reader (fu_poscar_read), which reads only files:
 * the input goes to a file in a per-process temporary directory. Besides the
 * common contract, the reader's limits: coordinates within FU_MAX_FRACTIONAL,
 * and a "line longer than" refusal only if the input has such a line (seeds
 * longer than 4 KiB let libFuzzer's -max_len reach FU_POSCAR_MAX_LINE). */
#include "fuzz_checks.h"

#include "crystal/poscar.h"

static size_t longest_line(const uint8_t *data, size_t size) {
    size_t best = 0, cur = 0;
    for (size_t i = 0; i < size; i++) {
        cur = data[i] == '\n' ? 0 : cur + 1;
        if (cur > best) best = cur;
    }
    return best;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *path = fz_write_temp("POSCAR", data, size);
    fu_structure s;
    fu_err e;
    memset(&s, 0, sizeof s);
    fz_err_init(&e);
    int rc = fu_poscar_read(path, &s, &e);
    fz_check_status(rc, &e);
    if (rc != FU_OK && strstr(e.msg, "line longer than") && longest_line(data, size) <= FU_POSCAR_MAX_LINE)
        fz_die("line-length refusal without a long line", e.msg);
    if (rc == FU_OK) {
        fz_check_structure(&s, 0);
        for (int a = 0; a < s.natom; a++)
            for (int i = 0; i < 3; i++)
                if (!(fabs(s.xred[a][i]) <= FU_MAX_FRACTIONAL)) fz_die("coordinate beyond FU_MAX_FRACTIONAL", NULL);
        /* what was read can be written back */
        FILE *f = fopen("/dev/null", "w");
        if (f) {
            fz_err_init(&e);
            int wrc = fu_poscar_write(f, &s, "fuzz", &e);
            fz_check_status(wrc, &e);
            fz_err_init(&e);
            wrc = fu_cif_write(f, &s, "fuzz", &e);
            fz_check_status(wrc, &e);
            fclose(f);
        }
    }
    fu_structure_free(&s);
    return 0;
}
