#include "props/warnings.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/units.h"

static void add(fu_warnings *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(fu_warnings *w, const char *fmt, ...) {
    if (w->n >= FU_WARN_MAX) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->msg[w->n++], FU_WARN_LEN, fmt, ap);
    va_end(ap);
}

void fu_warn_scf_pressure(const double stress[3][3], fu_warnings *w) {
    double p = -(stress[0][0] + stress[1][1] + stress[2][2]) / 3.0 * FU_HA_BOHR3_GPA;
    if (fabs(p) > FU_WARN_PRESSURE_GPA)
        add(w,
            "pressure %.3g GPa (|P| > %g GPa) in a cell that was not relaxed: the structure is "
            "far from equilibrium for this functional and pseudopotentials: relax it (or sweep "
            "strain) before using its energy",
            p, FU_WARN_PRESSURE_GPA);
}

void fu_warn_relax(const fu_relax_result *r, double noise, fu_warnings *w) {
    int prev = -1, worst = -1;
    double rise = 0;
    for (int i = 0; i < r->nsteps; i++) {
        if (!r->hist[i].accepted) continue;
        if (prev >= 0) {
            double d = r->hist[i].enthalpy - r->hist[prev].enthalpy;
            if (d > noise && d > rise) {
                rise = d;
                worst = i;
            }
        }
        prev = i;
    }
    if (worst >= 0)
        add(w,
            "relaxation: the enthalpy rose by %.3g Ha at step %d (more than the SCF noise %.3g "
            "Ha): forces and stress do not follow the energy: an unconverged SCF, or at constant "
            "cutoff a plane-wave set that changed with the cell (raise ecut)",
            rise, worst + 1, noise);
    if (r->nsteps > 0 && r->hist[0].volume > 0) {
        double v1 = fabs(fu_lattice_det((const double(*)[3])r->structure.lattice));
        double ch = v1 / r->hist[0].volume - 1.0;
        if (fabs(ch) > FU_WARN_VOLUME_CHANGE)
            add(w,
                "relaxation changed the volume by %+.1f %% (more than %g %%): the starting "
                "structure was far off and, at constant cutoff, the plane-wave basis changed with the "
                "cell, so rerun from the relaxed structure",
                100.0 * ch, 100.0 * FU_WARN_VOLUME_CHANGE);
    }
}

void fu_warn_eos(const fu_eos_scan_result *r, fu_warnings *w) {
    int n = r->npoints, imin = 0;
    for (int i = 1; i < n; i++)
        if (r->energy[i] < r->energy[imin]) imin = i;
    if (n > 0 && (imin == 0 || imin == n - 1))
        add(w,
            "eos: the lowest energy is at the %s point of the scan (V = %.6g bohr^3): the "
            "minimum is at or beyond the edge, rescan around it",
            imin == 0 ? "first" : "last", r->volume[imin]);
    else if (r->fit.min_outside)
        add(w, "eos: fitted V0 = %.6g bohr^3 outside the sampled range %.6g..%.6g bohr^3",
            r->fit.v0, r->fit.vmin, r->fit.vmax);
    double bp = r->fit.b0_prime;
    if (!(bp >= FU_WARN_B0P_MIN && bp <= FU_WARN_B0P_MAX))
        add(w,
            "eos: B0' = %.3g is outside %g-%g (solids: ~4): the fit is unreliable (too narrow a "
            "range, too few points or noisy energies)",
            bp, FU_WARN_B0P_MIN, FU_WARN_B0P_MAX);
}

void fu_warn_recovery(int rungs_run, const char *rung_name, int settings_changed, fu_warnings *w) {
    if (rungs_run <= 1) return;
    add(w,
        "the SCF converged only on rung %d (%s) of the recovery ladder%s",
        rungs_run, rung_name ? rung_name : "?",
        settings_changed ? ", with the recovery smearing: its energy is not comparable with the "
                           "sweep's other candidates"
                         : ": check the structure (a closed gap, a magnetic state, a bad geometry)");
}

int fu_kmesh_contains(const int kgrid[3], const double kshift[3], const double k[3]) {
    for (int i = 0; i < 3; i++) {
        /* mesh points: (m + shift) / n for integer m */
        double x = k[i] * kgrid[i] - kshift[i];
        if (fabs(x - nearbyint(x)) > 1e-6 * (kgrid[i] > 0 ? kgrid[i] : 1)) return 0;
    }
    return 1;
}

void fu_warn_gap_kmesh(const int kgrid[3], const double kshift[3], const double vbm_k[3],
                       const char *vbm_label, const double cbm_k[3], const char *cbm_label,
                       double mesh_gap, double path_gap, fu_warnings *w) {
    if (!(path_gap > 0)) return;
    int v = fu_kmesh_contains(kgrid, kshift, vbm_k), c = fu_kmesh_contains(kgrid, kshift, cbm_k);
    if (v && c) return;
    char vb[96] = "", cb[96] = "", what[200];
    if (!v)
        snprintf(vb, sizeof vb, "the VBM at %s (%.4g %.4g %.4g)", vbm_label && vbm_label[0] ? vbm_label : "k",
                 vbm_k[0], vbm_k[1], vbm_k[2]);
    if (!c)
        snprintf(cb, sizeof cb, "the CBM at %s (%.4g %.4g %.4g)", cbm_label && cbm_label[0] ? cbm_label : "k",
                 cbm_k[0], cbm_k[1], cbm_k[2]);
    snprintf(what, sizeof what, "%s%s%s", vb, !v && !c ? " and " : "", cb);
    add(w,
        "the %dx%dx%d k-mesh misses %s: gap %.3f eV on the mesh, %.3f eV on the path: use a mesh "
        "containing the band edges (kpoints: {grid: ...})",
        kgrid[0], kgrid[1], kgrid[2], what, mesh_gap * FU_HA_EV, path_gap * FU_HA_EV);
}

int fu_warn_extract(const char *message, char *out, size_t cap) {
    static const char tag[] = "warning: ";
    int n = 0;
    size_t len = 0;
    if (cap) out[0] = '\0';
    for (const char *p = message; p && *p;) {
        const char *end = strstr(p, "; ");
        size_t part = end ? (size_t)(end - p) : strlen(p);
        if (part > sizeof tag - 1 && !strncmp(p, tag, sizeof tag - 1)) {
            int wrote = snprintf(out + len, cap > len ? cap - len : 0, "%s%.*s", n ? "; " : "",
                                 (int)(part - (sizeof tag - 1)), p + sizeof tag - 1);
            if (wrote > 0) len = len + (size_t)wrote < cap ? len + (size_t)wrote : (cap ? cap - 1 : 0);
            n++;
        }
        p = end ? end + 2 : p + part;
    }
    return n;
}
