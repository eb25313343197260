/* Files that appear whole or not at all: written to a temporary name in the
 * same directory, flushed to disk, then renamed over the target. A crash
 * leaves at most a stray "*.tmp.PID" file, never a truncated result. */
#ifndef FURUI_CORE_ATOMICFILE_H
#define FURUI_CORE_ATOMICFILE_H

#include <stdio.h>
#include "core/error.h"

typedef struct {
    char path[4096];
    char tmp[4096];
    FILE *f;
} fu_atomic_file;

int fu_atomic_open(fu_atomic_file *af, const char *path, fu_err *err);
/* Flushes, fsyncs and renames; reports write errors (e.g. a full disk). */
int fu_atomic_commit(fu_atomic_file *af, fu_err *err);
/* Removes the temporary file. */
void fu_atomic_abort(fu_atomic_file *af);
/* Temporary name for writers that need a path rather than a FILE* (HDF5):
 * fills af->tmp without opening it; commit with fu_atomic_commit_path. */
int fu_atomic_reserve(fu_atomic_file *af, const char *path, fu_err *err);
int fu_atomic_commit_path(fu_atomic_file *af, fu_err *err);

/* Removes the "PATH.tmp.PID" files of path left by killed writers (any PID
 * but ours). Only for a caller that owns path exclusively (the screening
 * coordinator holds its journal's lock), since a live writer's file has the
 * same shape. Returns the number removed, -1 if the directory is unreadable. */
int fu_atomic_remove_stale(const char *path);

#endif
