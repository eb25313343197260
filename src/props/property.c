#include "props/property.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- the SCF block ---------------------------------------------------------- */

#define OFF(field) offsetof(fu_cand_result, field)
#define F64(n, u, field, t) {.name = n, .units = u, .kind = FU_FIELD_F64, .count = 1, .offset = OFF(field), .tol = t}
#define I32(n, field, t) {.name = n, .kind = FU_FIELD_I32, .count = 1, .offset = OFF(field), .tol = t, .ifill = -1}
static const fu_property_field scf_fields[] = {
    /* the record head (journal format: see property.h) */
    F64("energy/total", "Ha", etotal, FU_TOL_INPUT), /* variational: second order */
#define ENERGY_FIELD(id, name, label, term) F64("energy/" name, FU_ENERGY_UNIT, energy[FU_ENERGY_##id], FU_TOL_SCF),
    FU_ENERGY_TERMS(ENERGY_FIELD)
#undef ENERGY_FIELD
    F64("fermi_level", "Ha", efermi, FU_TOL_SCF),
    F64("vbm", "Ha", vbm, FU_TOL_SCF),
    F64("cbm", "Ha", cbm, FU_TOL_SCF),
    F64("band_gap", "Ha", gap, FU_TOL_SCF),
    F64("nelec", "electrons", nelec, FU_TOL_INPUT),
    F64("volume", "bohr^3", volume, FU_TOL_INPUT),
    F64("ecut", "Ha", ecut, FU_TOL_INPUT),
    F64("smearing_width", "Ha", tsmear, FU_TOL_INPUT),
    F64("scf_last_denergy", "Ha", last_denergy, FU_TOL_SCF),
    F64("scf_last_drho", "1", last_drho, FU_TOL_SCF),
    I32("band_gap_direct", gap_direct, FU_TOL_INPUT),
    I32("vbm_k", vbm_k, FU_TOL_INPUT),
    I32("cbm_k", cbm_k, FU_TOL_INPUT),
    I32("converged", converged, FU_TOL_INPUT),
    I32("scf_iterations", iterations, FU_TOL_PATH),
    I32("nsym", nsym, FU_TOL_INPUT),
    I32("spacegroup", spacegroup, FU_TOL_INPUT),
    I32("have_forces", have_forces, FU_TOL_INPUT),
    I32("have_stress", have_stress, FU_TOL_INPUT),
    {.name = "kgrid", .kind = FU_FIELD_I32, .count = 3, .offset = OFF(kgrid), .tol = FU_TOL_INPUT, .ifill = -1},
    {.name = "kshift", .units = "1", .kind = FU_FIELD_F64, .count = 3, .offset = OFF(kshift), .tol = FU_TOL_INPUT},
    {.name = "lattice", .units = "bohr", .kind = FU_FIELD_F64, .count = 9, .offset = OFF(lattice), .tol = FU_TOL_INPUT},
    {.name = "stress", .units = "Ha/bohr^3", .kind = FU_FIELD_F64, .count = 9, .offset = OFF(stress), .tol = FU_TOL_SCF},
    /* after the head: compared after the per-k arrays (record_diff) */
    F64("magnetization", "mu_B", magnetization, FU_TOL_SCF),
    F64("abs_magnetization", "mu_B", abs_magnetization, FU_TOL_SCF),
};
#undef F64
#undef I32
_Static_assert(sizeof scf_fields / sizeof scf_fields[0] == FU_SCFBLOCK_NHEAD + 2, "SCF block head");

const fu_property fu_scfblock_property = {
    .name = "scf",
    .description = "the self-consistent ground state: energies, levels, structure, stress",
    .inline_block = 1,
    .fields = scf_fields,
    .nfields = sizeof scf_fields / sizeof scf_fields[0],
};

/* ---- the registry --------------------------------------------------------------
 * One line per property. Built-in properties first (their indices are fixed), then block
 * properties; tests add theirs with fu_property_register. */
static const fu_property *registry[FU_PROPERTY_MAX] = {
    &fu_scfblock_property,
    &fu_relax_property,
    &fu_eos_property,
    &fu_bandstructure_property,
};
static size_t nregistry = 4;

const fu_property *const *fu_property_registry(size_t *n) {
    *n = nregistry;
    return registry;
}

long fu_property_find(const char *name) {
    for (size_t i = 0; name && i < nregistry; i++)
        if (strcmp(registry[i]->name, name) == 0) return (long)i;
    return -1;
}

long fu_property_register(const fu_property *p) {
    if (!p || p->inline_block || !p->name || nregistry == FU_PROPERTY_MAX || fu_property_find(p->name) >= 0 ||
        p->block_size == 0 || p->ncolumns > FU_PROPERTY_COLUMNS)
        return -1;
    /* block fields: fixed shapes the results file and the codec handle (<= 9 numbers, a string) */
    for (size_t k = 0; k < p->nfields; k++) {
        const fu_property_field *f = &p->fields[k];
        if (!f->name || (f->kind == FU_FIELD_STR ? f->count < 2 : f->count < 1 || f->count > 9) ||
            f->offset + (size_t)f->count * (f->kind == FU_FIELD_F64 ? 8 : f->kind == FU_FIELD_I32 ? 4 : 1) >
                p->block_size)
            return -1;
    }
    for (size_t k = 0; k < p->ncolumns; k++)
        if (p->columns[k].field < 0 || (size_t)p->columns[k].field >= p->nfields ||
            p->fields[p->columns[k].field].kind == FU_FIELD_STR)
            return -1;
    registry[nregistry] = p;
    return (long)nregistry++;
}

const void *fu_property_data(const fu_property *p, size_t index, const fu_cand_result *r) {
    if (p->inline_block) return r;
    return index < FU_PROPERTY_MAX ? r->block[index] : NULL;
}

int fu_property_present(const fu_property *p, size_t index, const fu_cand_result *r) {
    if (p->inline_block) return p->present ? p->present(r) : 1;
    return fu_property_data(p, index, r) != NULL;
}

double fu_property_value(const fu_property_field *f, const void *data, int e) {
    const char *at = (const char *)data + f->offset;
    if (f->kind == FU_FIELD_F64) return ((const double *)at)[e];
    if (f->kind == FU_FIELD_I32) return ((const int *)at)[e];
    return NAN;
}

void fu_property_blocks_free(fu_cand_result *r) {
    for (int i = 0; i < FU_PROPERTY_MAX; i++) {
        free(r->block[i]);
        r->block[i] = NULL;
    }
}

void fu_property_run_blocks(const unsigned char *on, const double (*opts)[FU_PROPERTY_OPTS], fu_property_run ctx,
                            void *blocks[FU_PROPERTY_MAX], char *note, size_t note_len) {
    if (note_len) note[0] = '\0';
    for (size_t i = 0; i < nregistry; i++) {
        const fu_property *p = registry[i];
        if (p->inline_block || !p->run || !on[i]) continue;
        fu_err e = {0};
        ctx.opts = opts[i];
        blocks[i] = calloc(1, p->block_size);
        int rc = blocks[i] ? p->run(&ctx, blocks[i], &e) : fu_fail(&e, FU_ENOMEM, "out of memory");
        if (rc) {
            free(blocks[i]);
            blocks[i] = NULL;
            size_t at = strlen(note);
            if (at < note_len) snprintf(note + at, note_len - at, "%s%s: %s", at ? "; " : "", p->name, e.msg);
        }
    }
}
