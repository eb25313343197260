/* Fuzz harness: the CP2K GTH_POTENTIALS parser. Every entry that
 * fu_psp_cp2k_list finds in the input is parsed with fu_psp_parse_cp2k by
 * its element and name, plus one fixed lookup (Si GTH-PADE-q4). */
#include "fuzz_psp_check.h"

#define MAX_ENTRIES 8

static void parse_one(const char *text, const char *element, const char *name) {
    fu_psp psp;
    fu_err e;
    memset(&psp, 0, sizeof psp);
    fz_err_init(&e);
    int rc = fu_psp_parse_cp2k(text, "fuzz.gth", element, name, &psp, &e);
    fz_check_status(rc, &e);
    if (rc == FU_OK) fz_check_psp(&psp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = fz_cstring(data, size);
    fu_psp_cp2k_entry ent[MAX_ENTRIES];
    int n = fu_psp_cp2k_list(text, NULL, ent, MAX_ENTRIES);
    if (n < 0) fz_die("fu_psp_cp2k_list returned a negative count", NULL);
    if (fu_psp_cp2k_list(text, NULL, NULL, 0) != n) fz_die("fu_psp_cp2k_list count varies", NULL);
    for (int k = 0; k < n && k < MAX_ENTRIES; k++) {
        if (!memchr(ent[k].element, '\0', sizeof ent[k].element) ||
            !memchr(ent[k].name, '\0', sizeof ent[k].name))
            fz_die("cp2k entry strings not terminated", NULL);
        if (ent[k].line < 1) fz_die("cp2k entry line < 1", NULL);
        parse_one(text, ent[k].element, ent[k].name);
    }
    parse_one(text, "Si", "GTH-PADE-q4");
    free(text);
    return 0;
}
