/* `furui rank RESULTS --where EXPR --sort KEYS -o DIR`: the narrowing step.
 *
 * The candidates considered are those in state "done" (all states with
 * all_states); the selected ones are those for which EXPR (rank/rank_expr.h)
 * is true, ordered by the sort keys, then by ID. DIR receives (built in
 * DIR.tmp.PID and renamed into place complete, see core/outdir.h):
 *   shortlist.csv   one row per selected candidate, `rank` then every catalog
 *                   property (names and units: rank/catalog.h)
 *   shortlist.h5    the same columns as datasets of group /shortlist with
 *                   "units" and "description" attributes; root attributes
 *                   record the query, the source file and its SHA-256
 *   candidates.csv  every considered candidate with `selected` (0/1) and
 *                   `rank` (0 when not selected): the screening map's data
 *   structures/     RANK_LABEL.vasp (POSCAR, Å), RANK_LABEL.cif and RANK_LABEL.yaml
 *                   (an SCF input at the campaign's settings, for furui scf,
 *                   bands or relax) per selected candidate, the computed
 *                   structure
 * Sort keys: comma-separated catalog names; a leading '-' or a ':desc'
 * suffix sorts that key descending. Missing values sort last either way. */
#ifndef FURUI_RANK_SHORTLIST_H
#define FURUI_RANK_SHORTLIST_H

#include <stddef.h>

#include "core/error.h"
#include "rank/catalog.h"

#define FU_RANK_MAX_KEYS 8

typedef struct {
    size_t nkey;
    long prop[FU_RANK_MAX_KEYS]; /* catalog indices */
    int desc[FU_RANK_MAX_KEYS];
} fu_rank_sort;

/* Parses "band_gap_ev,-e_above_hull_ev_per_atom" (FU_EINPUT with the
 * 1-based position of the bad key). */
int fu_rank_sort_parse(const char *text, fu_rank_sort *s, fu_err *err);

typedef struct {
    const char *where;   /* NULL: every considered candidate */
    const char *sort;    /* NULL: by ID */
    size_t limit;        /* 0: no limit */
    int all_states;      /* consider every candidate, not only "done" ones */
    int force;           /* replace a non-empty DIR */
    const char *stage;   /* staged results: the stage to rank (name or number); NULL: each
                            candidate's last stage (campaign/stages.h) */
    int hull;            /* fu_hull_energies (rank/catalog.h): the hull columns' energies */
} fu_rank_opts;

typedef struct {
    size_t ncand;        /* in the results file */
    size_t nconsidered;
    size_t nselected;    /* after the limit */
    size_t nmatched;     /* EXPR true, before the limit */
    size_t nunknown;     /* EXPR unknown (a missing value decided it) */
} fu_rank_report;

/* Selection and order, for a table already built: idx[nsel] row indices in
 * rank order (caller frees). considered: optional [t->nrow] flags. */
int fu_rank_select(const fu_prop_table *t, const char *where, const fu_rank_sort *sort, int all_states,
                   size_t limit, size_t **idx, size_t *nsel, fu_rank_report *rep, fu_err *err);

/* The whole command: load, select, write DIR. Errors in EXPR or the sort
 * keys are FU_EINPUT with "--where: column N: ..." / "--sort: ...". */
int fu_rank_run(const char *results_path, const char *out_dir, const fu_rank_opts *opts, fu_rank_report *rep,
                fu_err *err);

#endif
