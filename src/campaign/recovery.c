#include "campaign/recovery.h"

#include <math.h>

#include "core/error.h"

int fu_recovery_retryable(int status) { return status == FU_ENOCONV || status == FU_EPHYS; }

int fu_recovery_rung(const fu_scf_params *given, int k, int nband_used, fu_scf_params *out,
                     const char **name) {
    fu_scf_params p = *given;
    switch (k) {
    case 0:
        *name = "as-given";
        break;
    case 1:
        *name = "damping";
        p.mixing_damping = 0.5 * given->mixing_damping;
        if (p.mixing_history < 12) p.mixing_history = 12;
        p.max_iterations = given->max_iterations + given->max_iterations / 2;
        break;
    case 2: {
        *name = "more-bands";
        p.mixing_damping = 0.25 * given->mixing_damping;
        if (p.mixing_history < 12) p.mixing_history = 12;
        p.max_iterations = given->max_iterations + given->max_iterations / 2;
        int base = nband_used > 0 ? nband_used : given->nband;
        if (base <= 0) return 0; /* automatic and unknown: nothing to add to */
        int extra = (int)ceil(0.25 * base);
        p.nband = base + (extra > 4 ? extra : 4);
        break;
    }
    case 3:
        if (given->smearing != FU_SMEAR_NONE) return 0;
        *name = "smearing";
        p.smearing = FU_SMEAR_FERMI_DIRAC;
        p.tsmear = FU_RECOVERY_TSMEAR;
        p.mixing_damping = 0.25 * given->mixing_damping;
        if (p.mixing_history < 12) p.mixing_history = 12;
        p.max_iterations = given->max_iterations + given->max_iterations / 2;
        break;
    default:
        return 0;
    }
    *out = p;
    return 1;
}
