/* The term table (term.h), in the order of FU_ENERGY_TERMS. */
#include "dft/term.h"

const fu_term *const fu_terms[] = {
#define FU_TERM_ENTRY_(id, name, label, term) &term,
    FU_ENERGY_TERMS(FU_TERM_ENTRY_)
#undef FU_TERM_ENTRY_
};

int fu_term_in_total(const fu_term *t) { return t->kind != FU_TERM_REPORTED; }
