/* Opening the files furui reads: regular files only.
 *
 * open(2) of a FIFO for reading blocks until a writer appears, which for an
 * input given on the command line means forever. The file is therefore opened
 * O_NONBLOCK (a FIFO opens at once), checked with fstat and only then made
 * blocking again; there is no window between the check and the open. */
#ifndef FURUI_CORE_REGFILE_H
#define FURUI_CORE_REGFILE_H

#include <stdio.h>
#include <sys/stat.h>

#include "core/error.h"

/* Opens path read-only (close-on-exec) if it is a regular file. Returns the
 * descriptor, or -1 with err set to FU_EIO and one of
 *   "PATH: cannot open: <strerror>"
 *   "PATH: cannot read: Is a directory"
 *   "PATH: cannot read: not a regular file (a FIFO, device or socket)".
 * st, if not NULL, receives the file's status. */
int fu_open_regular(const char *path, struct stat *st, fu_err *err);

/* The same as a stdio stream (mode "r"); NULL with err set on failure. */
FILE *fu_fopen_regular(const char *path, struct stat *st, fu_err *err);

/* Only the check, for readers that open by name themselves (HDF5): FU_OK if
 * path is a regular file, else FU_EIO with the messages above. */
int fu_check_regular(const char *path, fu_err *err);

#endif
