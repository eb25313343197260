/* The terms of the total energy, ABINIT's decomposition, as one named table:
 * their order and names in the log, the JSON (energy_ha.NAME), the HDF5 file
 * (/energy/NAME) and the journal (energy/NAME). All in Ha per cell.
 *
 * X(ID, NAME, LOG_LABEL, TERM): LOG_LABEL NULL = not printed in the log's
 * energy table (the band energy is not a term of the total); TERM the
 * descriptor the SCF calls (term.h), defined in the term's physics file.
 * Appending a term appends a journal field: that needs a new journal
 * version. */
#ifndef FURUI_DFT_ENERGY_H
#define FURUI_DFT_ENERGY_H

#include <stddef.h> /* NULL in the table */

#define FU_ENERGY_TERMS(X)                                                     \
    X(KINETIC, "kinetic", "kinetic", fu_kinetic_term)                          \
    X(HARTREE, "hartree", "hartree", fu_hartree_term)                          \
    X(XC, "xc", "xc", fu_xc_term)                                              \
    X(EWALD, "ewald", "ewald", fu_ewald_term)                                  \
    X(PSP_CORE, "psp_core", "psp_core", fu_psp_core_term)                      \
    X(LOCAL, "local_psp", "local_psp", fu_local_term)                          \
    X(NONLOCAL, "nonlocal_psp", "nonlocal_psp", fu_nonlocal_term)              \
    X(ENTROPY, "minus_kt_entropy", "-kT*entropy", fu_occupations_entropy_term) \
    X(BAND, "band", NULL, fu_occupations_band_term) /* Σ_k w_k Σ_n f_nk ε_nk */

typedef enum {
#define FU_ENERGY_ENUM_(id, name, label, term) FU_ENERGY_##id,
    FU_ENERGY_TERMS(FU_ENERGY_ENUM_)
#undef FU_ENERGY_ENUM_
    FU_ENERGY_NTERMS
} fu_energy_term;

#define FU_ENERGY_UNIT "Ha"

typedef struct {
    const char *name;      /* JSON key, HDF5 dataset, journal field energy/NAME */
    const char *log_label; /* in the log's energy table; NULL: not there */
} fu_energy_info;

/* [FU_ENERGY_NTERMS], in the order of fu_energy_term */
extern const fu_energy_info fu_energy_terms[];

#endif
