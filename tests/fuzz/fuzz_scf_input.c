/* Fuzz harness: the SCF input parser (fu_scf_input_parse). Relative POSCAR and
 * pseudopotential paths resolve against tests/data/input, so seeds that name
 * POSCAR_si reach the POSCAR branch. */
#include "fuzz_checks.h"

#include "dft/scf_input.h"

#ifndef FURUI_FUZZ_DATA
#define FURUI_FUZZ_DATA "tests/data"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = fz_cstring(data, size);
    fu_scf_input in;
    fu_err e;
    memset(&in, 0, sizeof in);
    fz_err_init(&e);
    int rc = fu_scf_input_parse(text, FURUI_FUZZ_DATA "/input/fuzz.yaml", &in, &e);
    fz_check_status(rc, &e);
    if (rc == FU_OK) {
        fz_check_structure(&in.structure, 0);
        fz_check_params(&in.params);
        if (!in.text) fz_die("input text not kept for provenance", NULL);
        if (!memchr(in.output_prefix, '\0', sizeof in.output_prefix))
            fz_die("output prefix not terminated", NULL);
    }
    fu_scf_input_free(&in);
    free(text);
    return 0;
}
