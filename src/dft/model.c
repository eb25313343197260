#include "dft/model.h"

#include <stdlib.h>
#include <string.h>

static int setup_projectors(fu_model *m, fu_err *err) {
    int np = 0;
    for (int a = 0; a < m->s.natom; a++) {
        const fu_psp *psp = &m->psp[m->s.typat[a]];
        for (int l = 0; l <= psp->lmax; l++) np += (2 * l + 1) * psp->nproj[l];
    }
    m->nproj = np;
    m->projs = malloc(sizeof(fu_projector) * (np ? np : 1));
    m->dij = calloc((size_t)(np ? np : 1) * (np ? np : 1), sizeof(double));
    m->dfirst = malloc(sizeof(int) * 2 * (np ? np : 1));
    if (!m->projs || !m->dij || !m->dfirst) return fu_fail(err, FU_ENOMEM, "projectors: out of memory");
    m->dcount = m->dfirst + (np ? np : 1);
    int p = 0;
    for (int a = 0; a < m->s.natom; a++) {
        const fu_psp *psp = &m->psp[m->s.typat[a]];
        for (int l = 0; l <= psp->lmax; l++)
            for (int mm = -l; mm <= l; mm++) {
                int first = p;
                for (int i = 0; i < psp->nproj[l]; i++) {
                    m->projs[p] = (fu_projector){a, l, mm, i};
                    p++;
                }
                for (int i = 0; i < psp->nproj[l]; i++) {
                    m->dfirst[first + i] = first;
                    m->dcount[first + i] = psp->nproj[l];
                    for (int j = 0; j < psp->nproj[l]; j++)
                        m->dij[(size_t)(first + i) * np + first + j] = psp->h[l][i][j];
                }
            }
    }
    return FU_OK;
}

int fu_model_init(fu_model *m, const fu_structure *s, const fu_scf_params *p, fu_err *err) {
    memset(m, 0, sizeof *m);
    int rc = fu_structure_copy(&m->s, s, err);
    if (rc) return rc;
    for (int sp = 0; sp < s->nspecies; sp++) {
        rc = fu_psp_load(p->pseudo[sp], s->symbol[sp], &m->psp[sp], err);
        if (rc) {
            fu_err_prefix(err, "pseudopotentials: %s", s->symbol[sp]);
            return rc;
        }
        if (m->psp[sp].znucl != s->znucl[sp])
            return fu_fail(err, FU_EINPUT,
                           "pseudopotentials: %s: file %s is for Z=%d, the structure has Z=%d",
                           s->symbol[sp], m->psp[sp].path, m->psp[sp].znucl, s->znucl[sp]);
        if (m->psp[sp].lmax > 3)
            return fu_fail(err, FU_EINPUT, "pseudopotentials: %s: l > 3 is not supported",
                           s->symbol[sp]);
    }
    m->zion = malloc(sizeof(double) * (size_t)s->natom);
    if (!m->zion) return fu_fail(err, FU_ENOMEM, "out of memory");
    for (int a = 0; a < s->natom; a++) {
        m->zion[a] = m->psp[s->typat[a]].zion;
        m->nelec += m->zion[a];
    }
    return setup_projectors(m, err);
}

void fu_model_free(fu_model *m) {
    free(m->projs);
    free(m->dij);
    free(m->dfirst);
    free(m->zion);
    fu_structure_free(&m->s);
    memset(m, 0, sizeof *m);
}
