/* Machine-learning features and targets of a screening campaign: one row per
 * exported candidate, named columns with units.
 *
 * Columns come in three roles:
 *   meta     text identity and settings (id, label, formula, xc, ...), for
 *            CSV and provenance, not for learning;
 *   feature  numbers in X: structure columns of the property catalog
 *            (rank/catalog.h, non-target numeric entries except settings),
 *            structure descriptors computed here (packing fraction,
 *            coordination numbers), and Magpie composition statistics with
 *            matminer's labels ("MagpieData mean Number", ...);
 *   target   numbers in Y: every numeric catalog entry with target = 1, so a
 *            target added to the catalog flows through automatically.
 *
 * X and Y never contain NaN. The rules, applied in this order:
 *   1. rows: only candidates in state done, with a result and converged = 1;
 *      every other candidate is listed in skipped with its state, cause and
 *      message;
 *   2. targets: a target that no remaining row has (NaN everywhere, e.g.
 *      formation energy in a campaign without elemental references) is
 *      dropped and listed in dropped;
 *   3. rows lacking any remaining target, or whose structure descriptors are
 *      undefined (element without covalent radius), are skipped with the
 *      reason (the catalog's note, e.g. "no elemental reference for Na");
 *   4. features: a Magpie property that is unknown for an element of any
 *      exported row (e.g. Electronegativity of a noble gas) is dropped for the
 *      whole campaign (all six statistics) and listed with the elements; a
 *      catalog feature column NaN in any exported row is dropped likewise.
 *
 * Units: energies eV, lengths angstrom, volumes angstrom^3, density g/cm^3
 * (see each column's unit). */
#ifndef FURUI_EXPORT_FEATURES_H
#define FURUI_EXPORT_FEATURES_H

#include <stddef.h>

#include "core/error.h"
#include "results/store.h"

/* Neighbour criterion of the coordination numbers: atoms i, j (any periodic
 * image) are neighbours when |r_ij| <= (r_i + r_j)(1 + FU_COORD_TOL), with
 * Cordero covalent radii (crystal/elements.h). 0.15 counts the 4 of diamond
 * Si (bond/(2r) = 1.06), the 6 of rocksalt NaCl (Na-Cl 1.05, but Na-Na 1.20
 * excluded) and the 8 of bcc alkali metals (Na 1.10, second shell 1.27). */
#define FU_COORD_TOL 0.15

/* Magpie statistics in matminer's order (PropertyStats). */
#define FU_MAGPIE_NSTAT 6
enum { FU_STAT_MINIMUM, FU_STAT_MAXIMUM, FU_STAT_RANGE, FU_STAT_MEAN, FU_STAT_AVG_DEV, FU_STAT_MODE };
/* "minimum", "maximum", "range", "mean", "avg_dev", "mode". */
const char *fu_magpie_stat_name(int stat);

/* Statistics of elemental property prop (export/element_data.h) over a
 * composition of n elements z[k] with amounts w[k] > 0 (counts or fractions;
 * only ratios matter), as matminer's PropertyStats with weights:
 *   minimum, maximum, range = max - min: unweighted over the elements;
 *   mean = Σ w v / Σ w;  avg_dev = Σ w |v - mean| / Σ w;
 *   mode = value of the most abundant element (weights equal within
 *          numpy.isclose), ties -> the smallest value.
 * Returns 0 and fills out[FU_MAGPIE_NSTAT]; returns the first element whose
 * value is unknown (out untouched) or -1 for bad arguments. */
int fu_magpie_stats(size_t prop, const int *z, const double *w, int n, double out[FU_MAGPIE_NSTAT]);

/* Structure descriptors of one cell. */
typedef struct {
    double volume_per_atom;   /* angstrom^3/atom */
    double packing_fraction;  /* 1: Σ (4/3)π r_cov³ / V, Cordero covalent radii */
    double coord_mean, coord_min, coord_max; /* neighbours per atom (FU_COORD_TOL) */
} fu_struct_desc;

/* lattice rows a1..a3 in angstrom, xred fractional, z atomic numbers.
 * FU_EINPUT (one line) when an element has no covalent radius or the cell is
 * degenerate. */
int fu_struct_descriptors(const double lattice[3][3], const double (*xred)[3], const int *z,
                          int natom, double tol, fu_struct_desc *out, fu_err *err);

typedef enum { FU_COL_META = 0, FU_COL_FEATURE = 1, FU_COL_TARGET = 2 } fu_col_role;

typedef struct {
    char *name;           /* CSV header / HDF5 name */
    char *unit;           /* "eV/atom", "1", ... ; "" for text */
    char *description;    /* one line, English */
    char *description_ja; /* one line, Japanese; "" if none */
    char *source;         /* "catalog", "structure", or the element data source */
    fu_col_role role;
    int is_int;           /* integer-valued (counts, flags) */
} fu_col;

typedef struct {
    char id[17];          /* candidate ID */
    char *label;
    char *state;          /* done, failed, invalid, queued, started */
    char *reason;         /* one line */
} fu_skip;

typedef struct {
    char *name;
    fu_col_role role;
    char *reason;         /* one line */
} fu_dropped;

typedef struct {
    size_t nrow;
    size_t nmeta, nfeat, ntarget;
    fu_col *meta, *feat, *target;
    char **meta_val;      /* [nrow*nmeta] text */
    double *X;            /* [nrow*nfeat] row-major, no NaN */
    double *Y;            /* [nrow*ntarget] row-major, no NaN */
    size_t *rec;          /* [nrow] index of the row's candidate in the fu_results */
    size_t nskip;
    fu_skip *skip;        /* in the results file's (ID) order */
    size_t ndropped;
    fu_dropped *dropped;
} fu_feature_table;

/* Builds the table of r by the rules above. Rows keep the results file's
 * (ascending ID) order. */
int fu_features_build(const fu_results *r, fu_feature_table *t, fu_err *err);
/* The same with the hull columns from the energies hull selects (fu_hull_energies). */
int fu_features_build_hull(const fu_results *r, int hull, fu_feature_table *t, fu_err *err);
/* Unlabelled mode (`furui featurize`): every record with a structure is a
 * row whatever its state (rules 1-3 reduce to "has atoms and descriptors"),
 * and there are no target columns; rule 4 applies. The features are those of
 * the stored (for candidates not yet computed: the as-given) structure. */
int fu_features_build_unlabelled(const fu_results *r, fu_feature_table *t, fu_err *err);
void fu_feature_table_free(fu_feature_table *t);

/* Index of a column by name within role, -1 if absent. */
long fu_features_find(const fu_feature_table *t, fu_col_role role, const char *name);

#endif
