/* Warnings a scientist wants to see next to a result that is computed
 * correctly but may not mean what it seems: a cell far from equilibrium, a
 * relaxation that went uphill or moved far, an equation of state sampled on
 * one side of its minimum or with an implausible B0'. Each is one line; the
 * outputs carry them as a `warnings` list (SCF and relax JSON), log lines and
 * candidate messages. Thresholds are documented in input/README.md. */
#ifndef FURUI_PROPS_WARNINGS_H
#define FURUI_PROPS_WARNINGS_H

#include <stddef.h>

#include "props/eos.h"
#include "props/relax.h"

#define FU_WARN_PRESSURE_GPA 5.0  /* |P| at the end of an SCF that was not a relaxation */
#define FU_WARN_VOLUME_CHANGE 0.10 /* |V_final/V_initial - 1| of a relaxation */
#define FU_WARN_B0P_MIN 2.0        /* plausible B0' of solids: ~3-6 (4 for most) */
#define FU_WARN_B0P_MAX 8.0
#define FU_WARN_MAX 8
#define FU_WARN_LEN 320

typedef struct {
    int n;
    char msg[FU_WARN_MAX][FU_WARN_LEN];
} fu_warnings;

/* |P| = |tr σ|/3 > FU_WARN_PRESSURE_GPA (stress in Ha/bohr³). */
void fu_warn_scf_pressure(const double stress[3][3], fu_warnings *w);
/* Accepted steps whose enthalpy rises over the previous accepted one by more
 * than `noise` Ha (the relaxation's own SCF noise, max(1e-7, 20 tol_energy));
 * a volume change over FU_WARN_VOLUME_CHANGE from the first step to the
 * relaxed cell. */
void fu_warn_relax(const fu_relax_result *r, double noise, fu_warnings *w);
/* The lowest sampled energy at the first or last point of the scan, a fitted
 * V0 outside the sampled range, or B0' outside [FU_WARN_B0P_MIN,
 * FU_WARN_B0P_MAX]. */
void fu_warn_eos(const fu_eos_scan_result *r, fu_warnings *w);
/* The SCF converged only on rung `rung_name` of the recovery ladder (rungs_run
 * > 1): its settings (mixing, bands, smearing) differ from the sweep's.
 * settings_changed: the smearing changed, so the energy is not comparable. */
void fu_warn_recovery(int rungs_run, const char *rung_name, int settings_changed, fu_warnings *w);
/* A gap was asked for (band structure) and the SCF's k-mesh (kgrid, kshift in
 * units of a division) lacks the point of the valence band maximum or of the
 * conduction band minimum found on the path (reduced coordinates): the gap on
 * the mesh (mesh_gap, Ha) then overestimates the true one (path_gap, Ha).
 * Quiet for metals (path_gap <= 0). */
void fu_warn_gap_kmesh(const int kgrid[3], const double kshift[3], const double vbm_k[3],
                       const char *vbm_label, const double cbm_k[3], const char *cbm_label,
                       double mesh_gap, double path_gap, fu_warnings *w);
/* 1 if reduced k is a point of the Monkhorst-Pack mesh (kgrid, kshift), to 1e-6. */
int fu_kmesh_contains(const int kgrid[3], const double kshift[3], const double k[3]);
/* The "warning: ..." parts of a candidate message (parts separated by "; ")
 * joined by "; " into out (cap bytes, always terminated); returns how many. */
int fu_warn_extract(const char *message, char *out, size_t cap);

#endif
