/* Named calculation protocols (`protocol: fast | balanced | stringent`):
 * one documented table of k-point spacing, smearing, SCF tolerance per atom,
 * relaxation thresholds and which cutoff hint of the pseudopotential table to
 * use (input/README.md, "protocol"). The numbers are aiida-quantumespresso's
 * protocols (Nascimento et al., arXiv:2504.03962), converted to Ha and bohr.
 * Any key given explicitly overrides the protocol's value. */
#ifndef FURUI_DFT_PROTOCOL_H
#define FURUI_DFT_PROTOCOL_H

#include "dft/occupations.h"
#include "dft/psp.h"

#define FU_PROTOCOL_NAMES "fast, balanced, stringent"

typedef struct {
    const char *name;
    double kspacing;           /* bohr⁻¹, 2π included (VASP KSPACING, aiida kpoints_distance) */
    fu_smearing smearing;      /* cold (Marzari-Vanderbilt) for every system */
    double tsmear;             /* Ha */
    double tol_energy_per_atom;/* SCF |ΔE| per atom, Ha */
    double force_tol;          /* relaxation, Ha/bohr */
    double stress_tol;         /* cell relaxation, Ha/bohr³ */
    int hint;                  /* cutoff: 0 low, 1 normal, 2 high hint of the table */
    /* Convergence targets of `furui converge` (a cutoff or k-mesh meets the
     * protocol when every quantity differs from the ladder's densest rung by
     * at most these): */
    double conv_energy;        /* |ΔE| per atom, Ha */
    double conv_force;         /* max |ΔF| over atoms and components, Ha/bohr */
    double conv_pressure;      /* |ΔP|, Ha/bohr³ */
    double conv_gap;           /* |Δgap|, Ha */
} fu_protocol;

/* The protocols in order fast, balanced, stringent; *n is set to their count. */
const fu_protocol *fu_protocol_all(int *n);

/* The protocol called `name`, or NULL. */
const fu_protocol *fu_protocol_find(const char *name);
/* "low", "normal", "high". */
const char *fu_protocol_hint_name(int hint);

/* The campaign cutoff: the largest `hint` over psp[0..n-1] (Ha). Returns the
 * index of the pseudopotential that sets it, or -1 - i when psp[i] has no
 * hint (then *ecut is untouched). */
int fu_protocol_ecut(const fu_psp *const *psp, int n, int hint, double *ecut);

#endif
