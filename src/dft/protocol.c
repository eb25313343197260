#include "dft/protocol.h"

#include <string.h>

#include "core/units.h"

#define RY 0.5                            /* 1 Ry in Ha */
#define PER_ANGSTROM FU_BOHR_ANGSTROM     /* 1 Å⁻¹ in bohr⁻¹ */
#define GPA (1.0 / FU_HA_BOHR3_GPA)       /* 1 GPa in Ha/bohr³ */

/* aiida-quantumespresso protocols (docs "Protocol"; Nascimento et al.,
 * arXiv:2504.03962): smearing cold 0.0275 / 0.02 / 0.0125 Ry, kpoints_distance
 * 0.30 / 0.15 / 0.10 Å⁻¹, conv_thr 4e-10 / 2e-10 / 1e-10 Ry per atom,
 * forc_conv_thr 1e-3 / 1e-4 / 5e-5 Ry/bohr. Stress: QE's press_conv_thr
 * default 0.5 kbar (0.05 GPa), which the aiida relax work chain keeps, for
 * all three. Cutoff: the table's low / normal / high hint (PseudoDojo). */
static const fu_protocol table[] = {
    {"fast", 0.30 * PER_ANGSTROM, FU_SMEAR_MARZARI_VANDERBILT, 0.0275 * RY, 4e-10 * RY,
     1e-3 * RY, 0.05 * GPA, 0},
    {"balanced", 0.15 * PER_ANGSTROM, FU_SMEAR_MARZARI_VANDERBILT, 0.02 * RY, 2e-10 * RY,
     1e-4 * RY, 0.05 * GPA, 1},
    {"stringent", 0.10 * PER_ANGSTROM, FU_SMEAR_MARZARI_VANDERBILT, 0.0125 * RY, 1e-10 * RY,
     5e-5 * RY, 0.05 * GPA, 2},
};

const fu_protocol *fu_protocol_find(const char *name) {
    for (size_t i = 0; name && i < sizeof table / sizeof table[0]; i++)
        if (!strcmp(table[i].name, name)) return &table[i];
    return NULL;
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
