/* CSV output shared by features.csv and the RDE package's per-tile
 * structured/ tables: RFC 4180 (CRLF, fields holding , " CR or LF quoted,
 * UTF-8), numbers %.17g so the stored doubles read back bit for bit. */
#ifndef FURUI_EXPORT_CSV_H
#define FURUI_EXPORT_CSV_H

#include <stdio.h>

#include "core/outdir.h" /* fu_csv_field: one field, quoted when needed */
#include "export/features.h"

/* The header row and rows [r0, r1) of t: meta, feature, then target columns. */
void fu_features_csv_write(FILE *f, const fu_feature_table *t, size_t r0, size_t r1);

#endif
