#include "props/bandstructure.h"

#include <stddef.h>

#include "props/property.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/units.h"

int fu_bandstructure_run(const fu_structure *s, const fu_scf_params *p, const fu_scf_result *r,
                         double density, MPI_Comm comm, fu_bandstructure *b, fu_err *err) {
    memset(b, 0, sizeof *b);
    if (!r->veff_r) return fu_fail(err, FU_EINTERNAL, "bands: the SCF result holds no potential (keep_fields)");
    int ns = r->nspin == 2 ? 2 : 1, nb = r->nband;
    b->nspin = ns;
    b->nband = nb;
    int rc = fu_kpath_find(s, p->symprec, &b->kp, err);
    if (!rc) rc = fu_kpath_sample(&b->kp, s->lattice, density > 0 ? density : FU_BANDS_DENSITY_DEFAULT, &b->sm, err);
    if (!rc) {
        b->eig = malloc(sizeof(double) * (size_t)ns * (size_t)b->sm.n * (size_t)nb);
        if (!b->eig) rc = fu_fail(err, FU_ENOMEM, "bands: out of memory");
    }
    if (!rc)
        rc = fu_nscf_eigenvalues(s, p, r->fft, ns, r->veff_r, b->sm.n, (const double(*)[3])b->sm.kred, nb,
                                 FU_NSCF_TOL, comm, b->eig, &b->stats, err);
    if (!rc) {
        fu_bands_occupied(ns, r->nk, r->nband, r->occ, r->kweight, b->nocc, &b->partial);
        const char **lab = malloc(sizeof(char *) * (size_t)(b->sm.n ? b->sm.n : 1));
        if (!lab) return fu_fail(err, FU_ENOMEM, "bands: out of memory");
        for (int i = 0; i < b->sm.n; i++) lab[i] = b->sm.special[i] >= 0 ? b->kp.label[b->sm.special[i]] : NULL;
        fu_eigset sets[2] = {{r->nk, r->nband, (const double(*)[3])r->kred, r->eig, NULL},
                             {b->sm.n, nb, (const double(*)[3])b->sm.kred, b->eig, (const char *const *)lab}};
        rc = fu_band_gap(ns, b->nocc, 2, sets, b->partial, &b->gap, err);
        free(lab);
    }
    return rc;
}

void fu_bandstructure_free(fu_bandstructure *b) {
    free(b->eig);
    fu_kpath_samples_free(&b->sm);
    memset(b, 0, sizeof *b);
}

/* ---- descriptor (props/property.h) ---------------------------------------------- */

static int path_present(const fu_cand_result *r) { return r->path_npoints > 0; }

#define P_OFF(field) offsetof(fu_cand_result, field)
#define P_F64(n, field, c, u, t) \
    {.name = n, .units = u, .kind = FU_FIELD_F64, .count = c, .offset = P_OFF(field), .tol = t, .gated = 1}
#define P_FLAG(n, field) \
    {.name = n, .kind = FU_FIELD_I32, .count = 1, .offset = P_OFF(field), .tol = FU_TOL_INPUT, .gated = 1, .ifill = -1}
#define P_STR(n, field) \
    {.name = n, .kind = FU_FIELD_STR, .count = (int)sizeof(((fu_cand_result *)0)->field), .offset = P_OFF(field), \
     .tol = FU_TOL_INPUT, .gated = 1}
static const fu_property_field path_fields[] = {
    {.name = "path_npoints", .kind = FU_FIELD_I32, .count = 1, .offset = P_OFF(path_npoints), .tol = FU_TOL_INPUT},
    P_FLAG("path_metal", path_metal),
    P_FLAG("path_gap_direct", path_gap_direct),
    P_F64("path_band_gap", path_gap, 1, "Ha", FU_TOL_SCF),
    P_F64("path_direct_gap", path_direct_gap, 1, "Ha", FU_TOL_SCF),
    P_F64("path_vbm", path_vbm, 1, "Ha", FU_TOL_SCF),
    P_F64("path_cbm", path_cbm, 1, "Ha", FU_TOL_SCF),
    P_F64("path_vbm_k", path_vbm_k, 3, "1 (reciprocal lattice)", FU_TOL_INPUT),
    P_F64("path_cbm_k", path_cbm_k, 3, "1 (reciprocal lattice)", FU_TOL_INPUT),
    P_STR("path_vbm_label", path_vbm_label),
    P_STR("path_cbm_label", path_cbm_label),
    P_STR("path", path),
};

/* catalog columns: gaps in eV (0 for a metal), band-edge k-points as labels or coordinates */
static double path_gap_ev(const fu_cand_result *r) { return r->path_metal ? 0.0 : r->path_gap * FU_HA_EV; }
static double path_gap_direct(const fu_cand_result *r) { return r->path_gap_direct; }
static double path_direct_gap_ev(const fu_cand_result *r) {
    return r->path_metal ? 0.0 : r->path_direct_gap * FU_HA_EV;
}
/* A band edge's k-point: its label if it is a special point, else "(x y z)"; "" for a metal. */
static void kpoint_text(char *buf, size_t len, int metal, const char *label, const double k[3]) {
    if (metal) snprintf(buf, len, "%s", "");
    else if (label && label[0]) snprintf(buf, len, "%s", label);
    else snprintf(buf, len, "(%.4f %.4f %.4f)", k[0], k[1], k[2]);
}
static void path_vbm_text(const fu_cand_result *r, char *buf, size_t len) {
    kpoint_text(buf, len, r->path_metal, r->path_vbm_label, r->path_vbm_k);
}
static void path_cbm_text(const fu_cand_result *r, char *buf, size_t len) {
    kpoint_text(buf, len, r->path_metal, r->path_cbm_label, r->path_cbm_k);
}

static const fu_property_column path_columns[] = {
    {.name = "band_gap_path_ev", .unit = "eV",
     .description = "band gap over the SCF k-mesh and the high-symmetry path (0 for metals)",
     .description_ja = "バンドギャップ（高対称経路とSCFメッシュ）", .target = 1, .value = path_gap_ev, .solid = 1},
    {.name = "band_gap_path_direct", .integer = 1, .unit = "1",
     .description = "1 if the path gap is direct (band edges at one k-point)", .description_ja = "経路上で直接遷移型なら1",
     .target = 1, .value = path_gap_direct, .solid = 1},
    {.name = "direct_gap_path_ev", .unit = "eV", .description = "smallest vertical gap over the SCF k-mesh and the path",
     .description_ja = "最小直接ギャップ", .target = 1, .value = path_direct_gap_ev, .solid = 1},
    {.name = "vbm_kpoint", .unit = "",
     .description = "k-point of the valence band maximum: special-point label or reduced coordinates",
     .description_ja = "価電子帯上端のk点", .text = path_vbm_text},
    {.name = "cbm_kpoint", .unit = "",
     .description = "k-point of the conduction band minimum: special-point label or reduced coordinates",
     .description_ja = "伝導帯下端のk点", .text = path_cbm_text},
};

const fu_property fu_bandstructure_property = {
    .columns = path_columns,
    .ncolumns = sizeof path_columns / sizeof path_columns[0],
    .catalog_after = "fermi_level_ev",
    .name = "bands",
    .description = "band structure along the high-symmetry path after the SCF",
    .inline_block = 1,
    .fields = path_fields,
    .nfields = sizeof path_fields / sizeof path_fields[0],
    .present = path_present,
};
