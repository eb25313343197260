/* Contract checks on a parsed pseudopotential, shared by the CP2K, ABINIT
 * and UPF harnesses: finite parameters, and finite form factors at a few |q|. */
#ifndef FURUI_TESTS_FUZZ_PSP_CHECK_H
#define FURUI_TESTS_FUZZ_PSP_CHECK_H

#include "fuzz_common.h"

#include "dft/psp.h"

static inline void fz_check_psp(const fu_psp *p) {
    fz_check_finite(p->zion, "zion");
    if (!(p->zion > 0)) fz_die("zion not positive", NULL);
    fz_check_finite(p->rloc, "rloc");
    if (!p->radial && !(p->rloc > 0)) fz_die("rloc not positive", NULL);
    fz_check_finite_n(p->cloc, 4, "cloc");
    if (p->lmax < -1 || p->lmax >= FU_PSP_MAXL) fz_die("lmax out of range", NULL);
    fz_check_finite_n(p->rl, FU_PSP_MAXL, "rl");
    fz_check_finite_n(&p->h[0][0][0], FU_PSP_MAXL * FU_PSP_MAXPROJ * FU_PSP_MAXPROJ, "h");
    fz_check_finite_n(&p->proj_norm[0][0], FU_PSP_MAXL * FU_PSP_MAXPROJ, "proj_norm");
    for (int l = 0; l < FU_PSP_MAXL; l++)
        if (p->nproj[l] < 0 || p->nproj[l] > FU_PSP_MAXPROJ) fz_die("nproj out of range", NULL);
    if (!memchr(p->element, '\0', sizeof p->element) || !memchr(p->name, '\0', sizeof p->name) ||
        !memchr(p->functional, '\0', sizeof p->functional))
        fz_die("psp string not terminated", NULL);
    /* the form factors the SCF will evaluate, at typical |G| (bohr^-1) */
    static const double q[] = {0.0, 0.3, 1.0, 4.0};
    for (size_t k = 0; k < sizeof q / sizeof q[0]; k++) {
        fz_check_finite(fu_psp_vloc_q(p, q[k]), "fu_psp_vloc_q");
        fz_check_finite(fu_psp_dvloc_q(p, q[k]), "fu_psp_dvloc_q");
        for (int l = 0; l <= p->lmax; l++)
            for (int i = 0; i < p->nproj[l]; i++) {
                fz_check_finite(fu_psp_proj_q(p, l, i, q[k]), "fu_psp_proj_q");
                fz_check_finite(fu_psp_dproj_q(p, l, i, q[k]), "fu_psp_dproj_q");
            }
    }
    fz_check_finite(fu_psp_epsatm(p), "fu_psp_epsatm");
    fz_check_finite(fu_psp_rhocore_q(p, 1.0), "fu_psp_rhocore_q");
    fz_check_finite(fu_psp_rhoval_q(p, 1.0), "fu_psp_rhoval_q");
    fz_check_finite(fu_psp_vloc_r(p, 1.0), "fu_psp_vloc_r");
}

#endif
