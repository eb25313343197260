/* Analytic norm-conserving Goedecker-Teter-Hutter / Hartwigsen-Goedecker-
 * Hutter pseudopotentials: reading and evaluating their form factors.
 *
 * References: [GTH96] PRB 54, 1703; [HGH98] PRB 58, 3641.
 * Fourier conventions follow DFTK (see validation notes): a form factor is the
 * continuous transform over R³ without any 1/Ω. */
#ifndef FURUI_DFT_PSP_H
#define FURUI_DFT_PSP_H

#include "core/error.h"

#define FU_PSP_MAXL 4     /* s, p, d, f */
#define FU_PSP_MAXPROJ 3  /* projectors per channel */

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
    char sha256[65];        /* checksum of that file (hex) for provenance */
} fu_psp;

/* Loads a pseudopotential for `element` from a spec:
 *   "cp2k:NAME"          entry NAME for element in $FURUI_CP2K_POTENTIALS or
 *                        /usr/share/cp2k/GTH_POTENTIALS (e.g. cp2k:GTH-PADE-q4)
 *   "cp2k:FILE:NAME"     entry NAME in an explicit CP2K-format file
 *   "abinit:FILE"        ABINIT HGH/GTH file (pspcod 2, 3, 10) under
 *                        $FURUI_ABINIT_PSP_DIR or /usr/share/abinit/psp
 *   any other string     a path to an ABINIT pspcod 2/3/10 file
 * Checks that the file's element matches `element`. Errors name file and line. */
int fu_psp_load(const char *spec, const char *element, fu_psp *psp, fu_err *err);

/* Parsers, exposed for tests and fuzzing. `origin` names the source in messages. */
int fu_psp_parse_cp2k(const char *text, const char *origin, const char *element,
                      const char *name, fu_psp *psp, fu_err *err);
int fu_psp_parse_abinit(const char *text, const char *origin, fu_psp *psp, fu_err *err);

/* Local part in reciprocal space, v(q) = ∫ V_loc(r) e^{-iq·r} d³r (Ha·bohr³),
 * q in bohr⁻¹; v(0) := 0 (the divergent -4πZ/q² and the finite limit are
 * handled by fu_psp_epsatm and the Ewald background). */
double fu_psp_vloc_q(const fu_psp *psp, double q);
/* d v(q)/dq, for stress. */
double fu_psp_dvloc_q(const fu_psp *psp, double q);
/* ε = lim_{q->0} [v(q) + 4π Z/q²] (Ha·bohr³), ABINIT's epsatm. */
double fu_psp_epsatm(const fu_psp *psp);

/* Radial projector form factor divided by p^l, [HGH98] eqs. (7)-(15):
 * f_il(p) = p^{-l} 4π ∫ r² p_il(r) j_l(p r) dr, i = 0..nproj[l]-1. */
double fu_psp_proj_q(const fu_psp *psp, int l, int i, double p);
/* d f_il(p)/dp, for stress. */
double fu_psp_dproj_q(const fu_psp *psp, int l, int i, double p);

/* Local potential in real space (Ha), r in bohr, [HGH98] eq. (1). */
double fu_psp_vloc_r(const fu_psp *psp, double r);

#endif
