/* Norm-conserving pseudopotentials behind one interface: analytic
 * Goedecker-Teter-Hutter / Hartwigsen-Goedecker-Hutter (CP2K, ABINIT pspcod
 * 2, 3, 10) and numerical ones on a radial grid (ONCVPSP psp8, UPF v2; see
 * psp_radial.h). The rest of the code asks only for V_loc(q), the projector
 * form factors with their D_ij (h), the model core charge, the atomic valence
 * density, Z_ion, a fingerprint and the cutoff hints.
 *
 * References: [GTH96] PRB 54, 1703; [HGH98] PRB 58, 3641; [H13] D. R.
 * Hamann, PRB 88, 085117 (ONCVPSP). Fourier conventions follow DFTK (see
 * validation notes): a form factor is the continuous transform over R³
 * without any 1/Ω. */
#ifndef FURUI_DFT_PSP_H
#define FURUI_DFT_PSP_H

#include <stddef.h>

#include "core/error.h"

#define FU_PSP_MAXL 4     /* s, p, d, f */
#define FU_PSP_MAXPROJ 3  /* projectors per channel */

struct fu_psp_radial; /* numerical data of a radial-grid pseudopotential (psp_radial.h) */

typedef struct {
    char element[4];        /* element symbol */
    int znucl;              /* atomic number */
    double zion;            /* valence (ionic) charge */
    double rloc;            /* bohr */
    double cloc[4];         /* C1..C4 (Ha), missing ones are 0 */
    int lmax;               /* highest channel with a radius, -1 if purely local */
    double rl[FU_PSP_MAXL];                         /* channel radii, bohr */
    int nproj[FU_PSP_MAXL];                         /* projectors per channel (0..3) */
    double h[FU_PSP_MAXL][FU_PSP_MAXPROJ][FU_PSP_MAXPROJ]; /* full symmetric h^l_ij (Ha) */
    char functional[16];    /* what it was made for: "LDA", "PBE", "BLYP", ... or "unknown" */
    char name[64];          /* e.g. "GTH-PADE-q4" or the ABINIT file name */
    char path[512];         /* file it came from */
    char sha256[65];        /* checksum of the element's own text (hex): the whole file,
                               or for a multi-element CP2K file the element's entry */
    char format[8];         /* "gth", "psp8" or "upf" */
    /* Radial-grid pseudopotentials (psp8, UPF): then rloc, cloc, rl and
     * proj_norm are unused, h holds the D_ij (Ha) and nproj the projectors per
     * channel; the data are shared and immutable (fu_psp_load caches them for
     * the process), so a fu_psp may be copied by value. NULL for GTH/HGH. */
    const struct fu_psp_radial *radial;
    int has_core;           /* 1: nonlinear core correction (model core charge) */
    int has_valence;        /* 1: the file gives the atomic valence density */
    double hint_ecut[3];    /* the table's low, normal, high cutoff hints (Ha), 0 unknown */
    double proj_norm[FU_PSP_MAXL][FU_PSP_MAXPROJ]; /* cached prefactors of f_il; 0 = not
                                                      cached (computed on use) */
} fu_psp;

/* Loads a pseudopotential for `element` from a spec:
 *   "cp2k:NAME"          entry NAME for element in $FURUI_CP2K_POTENTIALS or
 *                        /usr/share/cp2k/GTH_POTENTIALS (e.g. cp2k:GTH-PADE-q4)
 *   "cp2k:FILE:NAME"     entry NAME in an explicit CP2K-format file
 *   "abinit:FILE"        ABINIT file (pspcod 2, 3, 10 or 8) under
 *                        $FURUI_ABINIT_PSP_DIR or /usr/share/abinit/psp
 *                        (a FILE starting with '/' is used as is)
 *   "table:DIR"          the element's file in a pseudopotential table
 *                        directory (PseudoDojo layout: DIR/standard.djson
 *                        names the file per element and its cutoff hints;
 *                        without it DIR/<El>.psp8, DIR/<El>.upf, ...)
 *   any other string     a path to an ABINIT pspcod 2/3/10/8 or a UPF file
 * Checks that the file's element matches `element`. Errors name file and line.
 * Radial-grid data are read and transformed once per file and process. */
int fu_psp_load(const char *spec, const char *element, fu_psp *psp, fu_err *err);

/* Makes the reciprocal-space tables of a radial-grid pseudopotential cover
 * |q| <= qmax (bohr⁻¹); no-op for GTH/HGH. Evaluations beyond the tables are
 * still exact (direct quadrature), only slower. */
int fu_psp_prepare(const fu_psp *psp, double qmax, fu_err *err);

/* Parsers, exposed for tests and fuzzing. `origin` names the source in messages. */
int fu_psp_parse_cp2k(const char *text, const char *origin, const char *element,
                      const char *name, fu_psp *psp, fu_err *err);
int fu_psp_parse_abinit(const char *text, const char *origin, fu_psp *psp, fu_err *err);
/* A UPF v2 (or v1) norm-conserving file. */
int fu_psp_parse_upf(const char *text, size_t len, const char *origin, fu_psp *psp, fu_err *err);
/* Frees the radial data a parser attached to psp (not those of fu_psp_load,
 * which the process keeps); safe on GTH/HGH and zeroed structs. */
void fu_psp_release(fu_psp *psp);

/* One entry of a CP2K-format potential file. */
typedef struct {
    char element[4];  /* symbol as written in the file */
    char name[64];    /* primary name (first after the symbol); aliases not listed */
    int line;         /* line number of the entry's header */
} fu_psp_cp2k_entry;

/* Lists the entries of CP2K-format `text` for `element` (NULL or "": all
 * elements; symbols compare case-insensitively) in file order, storing at
 * most `max` of them in `out` (which may be NULL when max is 0). Returns the
 * total number of matching entries; the entries themselves are not validated
 * (fu_psp_parse_cp2k does that). */
int fu_psp_cp2k_list(const char *text, const char *element, fu_psp_cp2k_entry *out, int max);

/* Below this |q| (bohr⁻¹) fu_psp_vloc_q and fu_psp_dvloc_q return 0: the
 * G = 0 convention. Any nonzero |G| of a real cell is many orders above. */
#define FU_PSP_Q_ZERO 1e-8

/* Local part in reciprocal space, v(q) = ∫ V_loc(r) e^{-iq·r} d³r (Ha·bohr³),
 * q in bohr⁻¹; v(0) := 0 (the divergent -4πZ/q² and the finite limit are
 * handled by fu_psp_epsatm and the Ewald background). */
double fu_psp_vloc_q(const fu_psp *psp, double q);
/* d v(q)/dq, for stress. */
double fu_psp_dvloc_q(const fu_psp *psp, double q);
/* ε = lim_{q->0} [v(q) + 4π Z/q²] (Ha·bohr³), ABINIT's epsatm. */
double fu_psp_epsatm(const fu_psp *psp);

/* Radial projector form factor divided by p^l, [HGH98] eqs. (7)-(15):
 * f_il(p) = p^{-l} 4π ∫ r² p_il(r) j_l(p r) dr, i = 0..nproj[l]-1.
 * Evaluated in closed form for every l = 0..3, i = 0..2 whose channel has a
 * radius (rl[l] > 0), including pairs the HGH98 table lacks; 0 otherwise. */
double fu_psp_proj_q(const fu_psp *psp, int l, int i, double p);
/* d f_il(p)/dp, for stress. */
double fu_psp_dproj_q(const fu_psp *psp, int l, int i, double p);

/* Local potential in real space (Ha), r in bohr, [HGH98] eq. (1) or the
 * radial grid's values (interpolated; -Z_ion/r beyond the grid). */
double fu_psp_vloc_r(const fu_psp *psp, double r);

/* Model core charge form factor ρ̃_c(q) = ∫ ρ_c(r) e^{-iq·r} d³r (electrons)
 * and its derivative in q; 0 without a core correction. */
double fu_psp_rhocore_q(const fu_psp *psp, double q);
double fu_psp_drhocore_q(const fu_psp *psp, double q);
/* Atomic valence density form factor (electrons; Z_ion at q = 0), for the
 * starting density; only with has_valence. */
double fu_psp_rhoval_q(const fu_psp *psp, double q);

#endif
