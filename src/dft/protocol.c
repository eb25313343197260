#include "dft/protocol.h"

#include <string.h>

#include "core/units.h"

#define RY 0.5                            /* 1 Ry in Ha */
#define PER_ANGSTROM FU_BOHR_ANGSTROM     /* 1 Å⁻¹ in bohr⁻¹ */
#define GPA (1.0 / FU_HA_BOHR3_GPA)       /* 1 GPa in Ha/bohr³ */
#define MEV (1e-3 / FU_HA_EV)             /* 1 meV in Ha */
#define MEV_A (MEV * FU_BOHR_ANGSTROM)    /* 1 meV/Å in Ha/bohr */

/* Convergence targets (furui converge), furui's own choice: balanced is the
 * 1 meV/atom that production cutoffs (PseudoDojo's `normal` hint) aim at,
 * fast five times looser, stringent ten times tighter; forces, pressure (the
 * Pulay stress of a low cutoff) and gap in the same ratios. */
/* aiida-quantumespresso protocols (docs "Protocol"; Nascimento et al.,
 * arXiv:2504.03962): smearing cold 0.0275 / 0.02 / 0.0125 Ry, kpoints_distance
 * 0.30 / 0.15 / 0.10 Å⁻¹, conv_thr 4e-10 / 2e-10 / 1e-10 Ry per atom,
 * forc_conv_thr 1e-3 / 1e-4 / 5e-5 Ry/bohr. Stress: QE's press_conv_thr
 * default 0.5 kbar (0.05 GPa), which the aiida relax work chain keeps, for
 * all three. Cutoff: the table's low / normal / high hint (PseudoDojo). */
static const fu_protocol table[] = {
    {"fast", 0.30 * PER_ANGSTROM, FU_SMEAR_MARZARI_VANDERBILT, 0.0275 * RY, 4e-10 * RY,
     1e-3 * RY, 0.05 * GPA, 0, 5 * MEV, 50 * MEV_A, 1.0 * GPA, 50 * MEV},
    {"balanced", 0.15 * PER_ANGSTROM, FU_SMEAR_MARZARI_VANDERBILT, 0.02 * RY, 2e-10 * RY,
     1e-4 * RY, 0.05 * GPA, 1, 1 * MEV, 10 * MEV_A, 0.2 * GPA, 10 * MEV},
    {"stringent", 0.10 * PER_ANGSTROM, FU_SMEAR_MARZARI_VANDERBILT, 0.0125 * RY, 1e-10 * RY,
     5e-5 * RY, 0.05 * GPA, 2, 0.1 * MEV, 1 * MEV_A, 0.02 * GPA, 1 * MEV},
};

const fu_protocol *fu_protocol_find(const char *name) {
    for (size_t i = 0; name && i < sizeof table / sizeof table[0]; i++)
        if (!strcmp(table[i].name, name)) return &table[i];
    return NULL;
}

const fu_protocol *fu_protocol_all(int *n) {
    *n = (int)(sizeof table / sizeof table[0]);
    return table;
}

const char *fu_protocol_hint_name(int hint) {
    return hint == 0 ? "low" : hint == 1 ? "normal" : "high";
}

int fu_protocol_ecut(const fu_psp *const *psp, int n, int hint, double *ecut) {
    int which = -1;
    double best = 0;
    for (int i = 0; i < n; i++) {
        double h = psp[i]->hint_ecut[hint];
        if (!(h > 0)) return -1 - i;
        if (h > best) {
            best = h;
            which = i;
        }
    }
    if (which >= 0) *ecut = best;
    return which;
}
