/* The energy-term table (energy.h). */
#include <stddef.h>

#include "dft/energy.h"

const fu_energy_info fu_energy_terms[] = {
#define FU_ENERGY_INFO_(id, name, label, term) {name, label},
    FU_ENERGY_TERMS(FU_ENERGY_INFO_)
#undef FU_ENERGY_INFO_
};
