/* HDF5 files built in memory and written to disk by furui's own atomic
 * writer. HDF5 1.10 does not survive a write error inside H5Fclose (a full
 * disk): the half-closed file stays registered and the library's exit
 * handler crashes on it. Building the file with the core driver (no backing
 * store) keeps every disk write out of HDF5, so a full disk is an ordinary
 * write error of fu_atomic_commit and the target is never touched. Costs
 * the file's size in memory twice for a moment. */
#ifndef FURUI_CORE_H5MEM_H
#define FURUI_CORE_H5MEM_H

#include <hdf5.h>

#include "core/error.h"

/* A new empty in-memory HDF5 file; name only labels it (nothing is created
 * on disk). Returns a file id or a negative value with err set. */
hid_t fu_h5mem_create(const char *name, fu_err *err);
/* Closes f and writes its image atomically to path (temporary file, fsync,
 * rename). f is closed in every case. */
int fu_h5mem_commit(hid_t f, const char *path, fu_err *err);

/* Writers of small self-describing pieces; they return < 0 on failure so a
 * caller can OR the results and check once. Datasets carry a "units"
 * attribute when units is not NULL. */
herr_t fu_h5_attr_str(hid_t obj, const char *name, const char *value);
herr_t fu_h5_dset(hid_t loc, const char *name, hid_t type, int rank, const hsize_t *dims,
                  const void *data, const char *units);
herr_t fu_h5_dstr(hid_t loc, const char *name, const char *value);
herr_t fu_h5_scalar(hid_t loc, const char *name, double v, const char *units);

#endif
