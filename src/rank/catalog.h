/* The property catalog: every named, unit-carrying quantity of a campaign's
 * candidates, one row per candidate of a results file. It is the single
 * vocabulary of `furui rank` (expressions and sort keys), `furui export`
 * (feature and target columns) and the RDE metadata, so a property has one
 * name, one unit and one description everywhere.
 *
 * Names follow OPTIMADE / Materials Project where one exists
 * (chemical_formula_reduced, nsites, nelements, volume, density,
 * spacegroup_number) and otherwise carry their unit in the name
 * (band_gap_ev, e_above_hull_ev_per_atom). Values are in the units named;
 * NaN marks "not available" (candidate not done, no elemental reference,
 * property not requested), with the reason in the row's note.
 *
 * Campaign-level properties (formation energy, energy above hull,
 * decomposition) are computed across rows: candidates are grouped by
 * settings (xc, cut-off, smearing and width, pseudopotential checksums),
 * since energies are comparable only within a group; in each group the
 * elemental reference of an element is its lowest-energy pure candidate
 * (props/hull.h). A candidate containing an element without a pure
 * candidate in its group gets NaN and a note naming the element.
 *
 * Corrections: where a stored correction set matches a group's settings
 * (props/correction.h), formation_energy_corrected_ev_per_atom and
 * e_above_hull_corrected_ev_per_atom come from the energies plus the
 * correction, and the hull columns use them (fu_hull_energies); otherwise
 * those columns are empty and the note says why. */
#ifndef FURUI_RANK_CATALOG_H
#define FURUI_RANK_CATALOG_H

#include <stddef.h>

#include "core/error.h"
#include "props/correction.h"
#include "results/store.h"

typedef enum {
    FU_PROP_REAL = 0, /* double, unit given */
    FU_PROP_INT,      /* integer-valued (counts, flags, space group), stored as double */
    FU_PROP_TEXT      /* string */
} fu_prop_kind;

typedef struct {
    const char *name;        /* e.g. "band_gap_ev" */
    fu_prop_kind kind;
    const char *unit;        /* "eV", "eV/atom", "GPa", "angstrom^3", "g/cm^3"; "1" for
                                dimensionless reals and counts; "" for text */
    const char *description; /* one line, English */
    const char *description_ja; /* one line, Japanese (RDE metadata) */
    int target;              /* 1: a DFT result (ML target); 0: identity/structure/setting */
} fu_prop_def;

/* The catalog in its fixed order. */
const fu_prop_def *fu_prop_catalog(size_t *n);
/* Index of name in the catalog, -1 if unknown. */
long fu_prop_find(const char *name);

typedef struct {
    size_t nrow;              /* candidates, in the results file's (ID) order */
    size_t nprop;             /* = catalog size */
    double *num;              /* [nrow*nprop] numeric values (NaN: not available); 0 for text */
    char **text;              /* [nrow*nprop] text values (NULL for numeric properties) */
    char **note;              /* [nrow] why campaign properties are missing; "" if none */
} fu_prop_table;

/* Which energies the hull columns (e_above_hull_ev_per_atom, is_stable,
 * decomposition) use; both hull distances have their own columns anyway.
 * AUTO: the corrected ones in a group whose settings a stored correction set
 * matches (props/correction.h), else the uncorrected ones. CORRECTED: only
 * those (a group without corrections gets empty hull columns and the reason
 * in its note). */
typedef enum { FU_HULL_AUTO = 0, FU_HULL_CORRECTED, FU_HULL_UNCORRECTED } fu_hull_energies;

/* "auto", "corrected", "uncorrected"; -1 for anything else. */
int fu_prop_hull_parse(const char *s, fu_hull_energies *out);

typedef struct {
    fu_hull_energies hull;
    const fu_correction_set *sets; /* with own_sets: these instead of the stored ones (tests) */
    int nsets;
    int own_sets;
} fu_prop_options;

/* Builds the table for every row of r (every state: not-done rows have
 * identity columns and NaN results). opts NULL: AUTO with the stored sets. */
int fu_prop_table_build(const fu_results *r, fu_prop_table *t, fu_err *err);
int fu_prop_table_build_opts(const fu_results *r, const fu_prop_options *opts, fu_prop_table *t, fu_err *err);
void fu_prop_table_free(fu_prop_table *t);

static inline double fu_prop_num(const fu_prop_table *t, size_t row, size_t prop) {
    return t->num[row * t->nprop + prop];
}
static inline const char *fu_prop_text(const fu_prop_table *t, size_t row, size_t prop) {
    const char *s = t->text[row * t->nprop + prop];
    return s ? s : "";
}

/* 1 if the stored structure of r is a molecule in a box (crystal/molecule.h):
 * the is_molecule column; the ML export leaves such candidates out. */
int fu_prop_record_is_molecule(const fu_cand_result *r);

#endif
