/* JSON documents written whole or not at all (core/atomicfile.h). */
#ifndef FURUI_CORE_JSONFILE_H
#define FURUI_CORE_JSONFILE_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

#include "core/error.h"

/* Writes j (jansson dump flags) and a newline to f, which will become path;
 * a failed write names its cause (EFBIG, ENOSPC, ...): a large document
 * fails inside json_dumpf's fwrite, not at the final flush. */
int fu_json_dump(const json_t *j, FILE *f, const char *path, size_t flags, fu_err *err);
/* The same into path atomically. j is not consumed. */
int fu_json_write_atomic(const json_t *j, const char *path, size_t flags, fu_err *err);

#endif
