/* Draft deposit metadata for the NIMS Materials Data Repository (MDR):
 * mdr/metadata.yaml in the MDR Schema (github nims-dpfc/mdr-schema,
 * schema.yaml; YAML, validated there with Yamale). Fields that come from the
 * campaign are filled (title, description, keywords, data origin, software,
 * computational methods with dates and settings, files, provenance); those
 * only the depositor knows (creators, contact agents, managing organization,
 * license) are "PLACEHOLDER: ..." strings, listed in the file's header
 * comment and in src/export/README.md. */
#ifndef FURUI_EXPORT_MDR_H
#define FURUI_EXPORT_MDR_H

#include <stddef.h>

#include "core/error.h"
#include "export/features.h"
#include "results/store.h"

/* files: the export's files (paths relative to the export directory) with
 * their MIME types, listed as filesets. */
int fu_mdr_write(const char *path, const fu_results *r, const fu_feature_table *t, const char *src_sha,
                 const char *const *files, const char *const *types, size_t nfiles, fu_err *err);

#endif
