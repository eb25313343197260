/* A toy block property for tests (props/property.h): the cell volume per atom, from the
 * structure alone, with one option. It is the whole of what a new property needs: this file
 * (descriptor, options reader, run function) and one registry line (here the test's
 * fu_property_register call). */
#ifndef FURUI_TESTS_TOY_PROPERTY_H
#define FURUI_TESTS_TOY_PROPERTY_H

#include <math.h>
#include <stddef.h>
#include <stdio.h>

#include "core/units.h"
#include "props/property.h"

typedef struct {
    double volume_per_atom; /* bohr³ */
    double scaled_cell;     /* scale × cell volume, bohr³ */
    int natom;
    char note[16];
} toy_block;

static const fu_property_field toy_fields[] = {
    {.name = "volume_per_atom", .units = "bohr^3", .kind = FU_FIELD_F64, .count = 1,
     .offset = offsetof(toy_block, volume_per_atom), .tol = FU_TOL_INPUT},
    {.name = "scaled_cell", .units = "bohr^3", .kind = FU_FIELD_F64, .count = 1,
     .offset = offsetof(toy_block, scaled_cell), .tol = FU_TOL_INPUT},
    {.name = "natom", .kind = FU_FIELD_I32, .count = 1, .offset = offsetof(toy_block, natom), .ifill = -1},
    {.name = "note", .kind = FU_FIELD_STR, .count = 16, .offset = offsetof(toy_block, note)},
};

static const fu_property_column toy_columns[] = {
    {.name = "toy_volume_per_atom_angstrom3", .unit = "angstrom^3/atom", .description = "toy: cell volume per atom",
     .description_ja = "トイ: 原子あたり体積", .target = 1, .field = 0,
     .scale = FU_BOHR_ANGSTROM * FU_BOHR_ANGSTROM * FU_BOHR_ANGSTROM},
    {.name = "toy_scaled_per_atom_bohr3", .unit = "bohr^3/atom", .description = "toy: scale x volume per atom",
     .description_ja = "トイ: 倍率×原子あたり体積", .target = 0, .field = 1, .scale = 1.0, .per_atom = 1},
};

static void toy_default(double *o) { o[0] = 1.0; }

static int toy_read(const fu_ydoc *d, const fu_ynode *n, double *o, fu_err *err) {
    static const char *const keys[] = {"scale", NULL};
    int rc = fu_ymap_check_keys(d, n, keys, err);
    const fu_ynode *v = rc ? NULL : fu_ymap_get(n, "scale");
    if (v) rc = fu_ynode_double(d, v, &o[0], err);
    if (!rc && !(o[0] > 0)) rc = fu_ynode_fail(err, d, v, FU_EINPUT, "must be positive, got %g", o[0]);
    return rc;
}

static int toy_run(const fu_property_run *ctx, void *block, fu_err *err) {
    toy_block *b = block;
    if (ctx->s->natom < 1) return fu_fail(err, FU_EINPUT, "no atoms");
    double v = fabs(fu_lattice_det((const double(*)[3])ctx->s->lattice));
    b->volume_per_atom = v / ctx->s->natom;
    b->scaled_cell = ctx->opts[0] * v;
    b->natom = ctx->s->natom;
    snprintf(b->note, sizeof b->note, "Ω/N");
    return FU_OK;
}

static const fu_property toy_property = {
    .name = "toy",
    .description = "test property: volume per atom",
    .block_size = sizeof(toy_block),
    .fields = toy_fields,
    .nfields = sizeof toy_fields / sizeof toy_fields[0],
    .columns = toy_columns,
    .ncolumns = sizeof toy_columns / sizeof toy_columns[0],
    .read_opts = toy_read,
    .default_opts = toy_default,
    .run = toy_run,
};

#endif
