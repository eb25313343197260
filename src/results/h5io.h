/* Internal to src/results: the HDF5 helpers and the layout pieces the results file's
 * writer (write.c) and reader (read.c) share. A helper records the first failure in its
 * fu_h5io_ctx and does nothing once one is recorded, so the code stays a flat sequence of calls. */
#ifndef FURUI_RESULTS_H5IO_H
#define FURUI_RESULTS_H5IO_H

#include <hdf5.h>
#include <stddef.h>

#include "results/store.h"

#define FU_H5IO_ID_BUF (FU_RECORD_ID_LEN + 1)

/* Collects the first failure so the message names what could not be written
 * or read, while the code stays a flat sequence of calls. */
typedef struct {
    int bad;
    fu_status code;
    int sys;           /* errno at the first failure: HDF5 itself does not say "disk full" */
    char what[256];
} fu_h5io_ctx;

typedef struct {
    H5E_auto2_t func;
    void *data;
} fu_h5io_quiet;

/* Per-candidate offsets into the concatenated per-atom, per-k, per-(k,band)
 * and per-species arrays (CSR style: rows of candidate i are
 * offset[i] .. offset[i+1]-1). */
typedef struct {
    long long *atom, *k, *band, *species, *eos;
} fu_h5io_offsets;

/* The per-run provenance fields, string then integer, in file order: one
 * list drives both the writer and the reader. */
#define FU_H5IO_RUN_INFO_FIELDS(STR, INT)                                              \
    STR("code_version", code_version) STR("git_version", git_version)         \
    STR("build_type", build_type) STR("mpi_library", mpi_library)             \
    STR("host", host) STR("sweep_sha256", sweep_sha256) INT("ranks", ranks)   \
    INT("group_size", group_size) INT("shard_index", shard_index)             \
    INT("shard_count", shard_count)

void fu_h5io_fail(fu_h5io_ctx *c, fu_status code, const char *fmt, const char *name);
hid_t fu_h5io_fapl_nolock(void);
fu_h5io_quiet fu_h5io_quiet_begin(void);
void fu_h5io_quiet_end(fu_h5io_quiet q);
hid_t fu_h5io_vstr_type(void);
hid_t fu_h5io_id_type(void);
hid_t fu_h5io_id_mem_type(void);
hid_t fu_h5io_state_type(void);
void fu_h5io_attr_str(fu_h5io_ctx *c, hid_t obj, const char *name, const char *value);
void fu_h5io_attr_i64(fu_h5io_ctx *c, hid_t obj, const char *name, long long v);
void fu_h5io_put(fu_h5io_ctx *c, hid_t loc, const char *name, hid_t ftype, hid_t mtype, int rank, const hsize_t *dims, const void *data, const char *units);
void fu_h5io_put_f64(fu_h5io_ctx *c, hid_t loc, const char *name, size_t n, int cols, const double *v, const char *units);
void fu_h5io_put_i32(fu_h5io_ctx *c, hid_t loc, const char *name, size_t n, int cols, const int *v);
void fu_h5io_put_i64(fu_h5io_ctx *c, hid_t loc, const char *name, size_t n, const long long *v);
void fu_h5io_put_vstr(fu_h5io_ctx *c, hid_t loc, const char *name, size_t n, const char **v);
void fu_h5io_put_str(fu_h5io_ctx *c, hid_t loc, const char *name, const char *v);
void fu_h5io_put_scalar_f64(fu_h5io_ctx *c, hid_t loc, const char *name, double v, const char *units);
void fu_h5io_put_scalar_i32(fu_h5io_ctx *c, hid_t loc, const char *name, int v);
hid_t fu_h5io_open_checked(fu_h5io_ctx *c, hid_t loc, const char *name, hsize_t nelem);
void fu_h5io_get(fu_h5io_ctx *c, hid_t loc, const char *name, hid_t mtype, hsize_t nelem, void *out);
char **fu_h5io_get_vstr(fu_h5io_ctx *c, hid_t loc, const char *name, size_t n);
char *fu_h5io_get_str(fu_h5io_ctx *c, hid_t loc, const char *name);
void fu_h5io_free_strs(char **v, size_t n);
int fu_h5io_read_attr_str(hid_t obj, const char *name, char *buf, size_t cap);
int fu_h5io_read_attr_i64(hid_t obj, const char *name, long long *v);
void fu_h5io_offsets_free(fu_h5io_offsets *o);

#endif
