/* NIMS RDE (Research Data Express) dataset packages of an ML export, and
 * their validator.
 *
 * A package is one RDEFormat registration (rdetoolkit extended_mode
 * "rdeformat"): divided/NNNN/ per exported candidate ("data tile", NNNN =
 * 0001..9999) with meta/metadata.json ({"constant": {key: {value, unit}},
 * "variable": []}), structured/<id>.csv (the candidate's row of
 * features.csv), raw/<id>.POSCAR and raw/<id>.settings.json (its computed
 * structure and settings); tasksupport/metadata-def.json (every key with
 * Japanese and English names, type and unit), tasksupport/invoice.schema.json,
 * invoice/invoice.json (a draft: IDs left for the user) and SHA256SUMS over
 * every other file. Keys and units are the feature table's, i.e. the
 * property catalog's (rank/catalog.h), plus common.data_origin and
 * common.technical_category. Format and sources: src/export/README.md. */
#ifndef FURUI_EXPORT_RDE_H
#define FURUI_EXPORT_RDE_H

#include <jansson.h>
#include <stdio.h>

#include "core/error.h"
#include "export/features.h"
#include "results/store.h"

#define FU_RDE_MAX_TILES 9999   /* RDEFormat groups files by a /NNNN/ path part */
#define FU_RDE_STRING_MAX 1024  /* bytes of a string value (rdetoolkit MAX_VALUE_SIZE) */

/* Writes dir/rde/rdeformat_KKKK.zip (K = 1..*npackages; no unzipped copy);
 * rows are split into packages of
 * max_tiles (1..FU_RDE_MAX_TILES) tiles in row order. A campaign without
 * rows gives one package without tiles. src_sha: SHA-256 of the results
 * file. */
int fu_rde_write(const char *dir, const fu_results *r, const fu_feature_table *t, const char *src_sha,
                 size_t max_tiles, size_t *npackages, fu_err *err);

/* Species s's pseudopotential as exported (dataset.json, RDE metadata): element, name,
 * sha256 and, where the results file knows them, the file read, its format, valence
 * (electrons) and the table's cutoff hints (Ha). A new reference. */
json_t *fu_rde_psp_json(const fu_cand_result *res, int s);

/* The sweep's top-level "name:" value ("" if none): the campaign's title. */
void fu_rde_sweep_name(const char *sweep, char *out, size_t len);
/* The campaign's title: the names of all its sweeps (a campaign merged from several),
 * distinct, in order, joined by " + " ("" if none has a name). */
void fu_rde_campaign_name(const fu_results *r, char *out, size_t len);

typedef struct {
    size_t npackages, ntiles, nfiles; /* checked */
    size_t nproblems;                 /* lines printed */
} fu_rde_check;

/* Checks path: a package directory, a package zip, or an export directory
 * (then every rde/rdeformat_* directory and zip in it). Each problem is one
 * line on out: "PACKAGE/FILE: KEY: what is wrong" (PACKAGE:FILE for a zip).
 * Checked: SHA256SUMS against every file (changed, absent, unlisted);
 * metadata-def.json entries (names ja/en, schema.type, unit); every
 * metadata.json against it (unknown and missing keys, value types, units,
 * strings <= FU_RDE_STRING_MAX bytes, constant/variable structure); tile
 * numbering (consecutive from 0001, no other 4-digit path part); invoice.json
 * custom values against invoice.schema.json. Returns FU_OK when the check
 * ran (problems are counted in rep), FU_EINPUT when path is none of the
 * three or cannot be read. */
int fu_rde_validate(const char *path, FILE *out, fu_rde_check *rep, fu_err *err);

#endif
