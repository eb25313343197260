/* Fuzz harness: the UPF v2 pseudopotential reader (libxml2 underneath). */
#include "fuzz_psp_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = fz_cstring(data, size);
    fu_psp psp;
    fu_err e;
    memset(&psp, 0, sizeof psp);
    fz_err_init(&e);
    int rc = fu_psp_parse_upf(text, strlen(text), "fuzz.upf", &psp, &e);
    fz_check_status(rc, &e);
    if (rc == FU_OK) fz_check_psp(&psp);
    fu_psp_release(&psp);
    free(text);
    return 0;
}
