/* `furui export RESULTS -o DIR`: the ML dataset of a screening campaign.
 *
 * DIR receives features.csv, features.h5, skipped.csv, structures.extxyz,
 * dataset.json and SHA256SUMS (format: src/export/README.md); with opts.rde
 * also rde/rdeformat_KKKK/ + .zip and mdr/metadata.yaml. The directory
 * is built as DIR.tmp.PID beside DIR and renamed into place only when every
 * file is written and synced, so DIR is complete or absent. An existing
 * non-empty DIR is refused unless force is set; with force it is replaced
 * only after the new one is complete. */
#ifndef FURUI_EXPORT_EXPORT_H
#define FURUI_EXPORT_EXPORT_H

#include <stddef.h>

#include "core/error.h"

typedef struct {
    int force;                /* replace an existing non-empty DIR */
    int rde;                  /* also write rde/ (RDE packages, export/rde.h) and
                                 mdr/metadata.yaml (export/mdr.h) */
    size_t rde_max_tiles;     /* tiles per RDE package, 1..9999; 0 = 9999 */
    const char *stage;        /* staged results: the stage to export (name or number); NULL:
                                 each candidate's last stage (campaign/stages.h) */
    int hull;                 /* fu_hull_energies (rank/catalog.h): the hull columns' energies */
} fu_export_opts;

typedef struct {
    size_t ncand;             /* candidates in the results file */
    size_t nrow;              /* exported rows */
    size_t nskip;             /* candidates left out (skipped.csv) */
    size_t nfeat, ntarget;    /* columns of X and Y */
    size_t ndropped;          /* columns dropped by the NaN rule */
    size_t npackages;         /* RDE packages written (opts.rde) */
} fu_export_report;

/* results_path: a results file (or a journal). FU_EINPUT for an unreadable
 * or foreign results file or a refused DIR; FU_EIO for write failures.
 * rep may be NULL. */
int fu_export_run(const char *results_path, const char *out_dir, const fu_export_opts *opts,
                  fu_export_report *rep, fu_err *err);

/* `furui featurize SWEEP -o DIR`: the feature columns of every candidate of a
 * sweep before any is computed (unlabelled mode of export/features.h, from
 * the as-given structures), for a model trained on an export to predict
 * them: DIR/features.csv (meta and feature columns, the same names and
 * definitions as an export's), DIR/columns.csv (name, role meta/feature,
 * unit, description of each column) and DIR/skipped.csv (invalid candidates
 * with their reason). rep->nrow rows, rep->nskip skipped, rep->nfeat features. */
int fu_featurize_run(const char *sweep_path, const char *out_dir, const fu_export_opts *opts,
                     fu_export_report *rep, fu_err *err);

#endif
