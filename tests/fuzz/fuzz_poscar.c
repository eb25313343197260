/* Fuzz harness: the POSCAR reader (fu_poscar_read), which reads only files:
 * the input goes to a file in a per-process temporary directory. */
#include "fuzz_checks.h"

#include "crystal/poscar.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *path = fz_write_temp("POSCAR", data, size);
    fu_structure s;
    fu_err e;
    memset(&s, 0, sizeof s);
    fz_err_init(&e);
    int rc = fu_poscar_read(path, &s, &e);
    fz_check_status(rc, &e);
    if (rc == FU_OK) {
        fz_check_structure(&s, 0);
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
