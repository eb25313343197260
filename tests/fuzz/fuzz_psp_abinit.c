/* Fuzz harness: the ABINIT pseudopotential parser (GTH/HGH pspcod 2, 3, 10;
 * ONCVPSP pspcod 8). */
#include "fuzz_psp_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = fz_cstring(data, size);
    fu_psp psp;
    fu_err e;
    memset(&psp, 0, sizeof psp);
    fz_err_init(&e);
    int rc = fu_psp_parse_abinit(text, "fuzz.hgh", &psp, &e);
    fz_check_status(rc, &e);
    if (rc == FU_OK) fz_check_psp(&psp);
    fu_psp_release(&psp);
    free(text);
    return 0;
}
