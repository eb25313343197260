/* Output directories published whole: a command writes every file into
 * DIR.tmp.PID and, only when all are complete and synced, renames it to DIR
 * (an existing DIR is moved aside first and removed after, so a failure
 * never leaves a half-written DIR nor destroys the previous one). */
#ifndef FURUI_CORE_OUTDIR_H
#define FURUI_CORE_OUTDIR_H

#include <stdio.h>

#include "core/error.h"

#define FU_OUTDIR_PATHLEN 4200

typedef struct {
    char dir[4000];                  /* the target, without trailing '/' */
    char tmp[FU_OUTDIR_PATHLEN];     /* where the files are written */
    int force;                       /* replace a non-empty DIR */
} fu_outdir;

/* Checks DIR (absent, empty, or non-empty with force; else FU_EINPUT) and
 * creates the temporary directory. */
int fu_outdir_begin(fu_outdir *o, const char *dir, int force, fu_err *err);
/* Creates a subdirectory of the temporary directory. */
int fu_outdir_mkdir(fu_outdir *o, const char *sub, fu_err *err);
/* tmp/name into path[FU_OUTDIR_PATHLEN] and opens it for writing. */
FILE *fu_outdir_open(const fu_outdir *o, const char *name, char *path, fu_err *err);
/* Flushes, fsyncs and closes f (opened by fu_outdir_open as path). */
int fu_outdir_close(FILE *f, const char *path, fu_err *err);
/* Syncs the temporary directory and renames it to DIR. On failure the
 * temporary directory is removed and DIR is as before. */
int fu_outdir_commit(fu_outdir *o, fu_err *err);
/* Removes the temporary directory (after a failure). */
void fu_outdir_abort(fu_outdir *o);

/* RFC 4180 CSV field: quoted when it holds a comma, quote, CR or LF. */
void fu_csv_field(FILE *f, const char *s);

#endif
