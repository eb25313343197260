/* HDF5 helpers of the results file's writer and reader (results/h5io.h). */
#include "results/h5io.h"

#include <errno.h>
#include <fcntl.h>
#include <hdf5.h>
#include <libgen.h>
#include <math.h>
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- HDF5 helpers ------------------------------------------------------------ */


void fu_h5io_fail(fu_h5io_ctx *c, fu_status code, const char *fmt, const char *name) {
    if (c->bad) return;
    c->bad = 1;
    c->code = code;
    c->sys = errno;
    snprintf(c->what, sizeof c->what, fmt, name);
}


/* File access without HDF5's file locks: results files are written once
 * under a private temporary name and never modified after the rename, so
 * locks protect nothing, and they fail on file systems without flock
 * (Lustre mounted without -o flock). */
hid_t fu_h5io_fapl_nolock(void) {
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
#if H5_VERSION_GE(1, 10, 7)
    if (fapl >= 0) H5Pset_file_locking(fapl, 0, 1);
#endif
    return fapl;
}

/* HDF5 prints its error stack to stderr by default; we report via fu_err. */
fu_h5io_quiet fu_h5io_quiet_begin(void) {
    fu_h5io_quiet q;
    H5Eget_auto2(H5E_DEFAULT, &q.func, &q.data);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    return q;
}
void fu_h5io_quiet_end(fu_h5io_quiet q) { H5Eset_auto2(H5E_DEFAULT, q.func, q.data); }

hid_t fu_h5io_vstr_type(void) {
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    return t;
}

hid_t fu_h5io_id_type(void) {
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, FU_RECORD_ID_LEN);
    H5Tset_strpad(t, H5T_STR_NULLPAD);
    return t;
}

/* Memory type for reading IDs: NUL-terminated, so each slot is a C string. */
hid_t fu_h5io_id_mem_type(void) {
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, FU_H5IO_ID_BUF);
    H5Tset_strpad(t, H5T_STR_NULLTERM);
    return t;
}

hid_t fu_h5io_state_type(void) {
    hid_t t = H5Tenum_create(H5T_NATIVE_SCHAR);
    for (signed char v = FU_RECORD_QUEUED; v <= FU_RECORD_INVALID; v++)
        H5Tenum_insert(t, fu_record_state_name(v), &v);
    return t;
}

void fu_h5io_attr_str(fu_h5io_ctx *c, hid_t obj, const char *name, const char *value) {
    if (c->bad) return;
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, strlen(value) + 1);
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(obj, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
    if (a < 0 || H5Awrite(a, t, value) < 0) fu_h5io_fail(c, FU_EIO, "attribute %s", name);
    if (a >= 0) H5Aclose(a);
    H5Sclose(sp);
    H5Tclose(t);
}

void fu_h5io_attr_i64(fu_h5io_ctx *c, hid_t obj, const char *name, long long v) {
    if (c->bad) return;
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(obj, name, H5T_STD_I64LE, sp, H5P_DEFAULT, H5P_DEFAULT);
    if (a < 0 || H5Awrite(a, H5T_NATIVE_LLONG, &v) < 0) fu_h5io_fail(c, FU_EIO, "attribute %s", name);
    if (a >= 0) H5Aclose(a);
    H5Sclose(sp);
}

/* Dataset name (intermediate groups created) of rank 0 (scalar), 1 or 2.
 * A "units" attribute is attached when units is not NULL. */
void fu_h5io_put(fu_h5io_ctx *c, hid_t loc, const char *name, hid_t ftype, hid_t mtype, int rank,
                const hsize_t *dims, const void *data, const char *units) {
    if (c->bad) return;
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    hid_t sp = rank ? H5Screate_simple(rank, dims, NULL) : H5Screate(H5S_SCALAR);
    hid_t d = H5Dcreate2(loc, name, ftype, sp, lcpl, H5P_DEFAULT, H5P_DEFAULT);
    hssize_t np = H5Sget_simple_extent_npoints(sp);
    if (d < 0 || (np > 0 && H5Dwrite(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0))
        fu_h5io_fail(c, FU_EIO, "dataset %s", name);
    if (d >= 0 && units) fu_h5io_attr_str(c, d, "units", units);
    if (d >= 0) H5Dclose(d);
    H5Sclose(sp);
    H5Pclose(lcpl);
}

void fu_h5io_put_f64(fu_h5io_ctx *c, hid_t loc, const char *name, size_t n, int cols, const double *v,
                    const char *units) {
    hsize_t dims[2] = {n, (hsize_t)cols};
    fu_h5io_put(c, loc, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, cols > 1 ? 2 : 1, dims, v, units);
}
void fu_h5io_put_i32(fu_h5io_ctx *c, hid_t loc, const char *name, size_t n, int cols, const int *v) {
    hsize_t dims[2] = {n, (hsize_t)cols};
    fu_h5io_put(c, loc, name, H5T_STD_I32LE, H5T_NATIVE_INT, cols > 1 ? 2 : 1, dims, v, NULL);
}
void fu_h5io_put_i64(fu_h5io_ctx *c, hid_t loc, const char *name, size_t n, const long long *v) {
    hsize_t dims[1] = {n};
    fu_h5io_put(c, loc, name, H5T_STD_I64LE, H5T_NATIVE_LLONG, 1, dims, v, NULL);
}
void fu_h5io_put_vstr(fu_h5io_ctx *c, hid_t loc, const char *name, size_t n, const char **v) {
    hid_t t = fu_h5io_vstr_type();
    hsize_t dims[1] = {n};
    fu_h5io_put(c, loc, name, t, t, 1, dims, v, NULL);
    H5Tclose(t);
}
void fu_h5io_put_str(fu_h5io_ctx *c, hid_t loc, const char *name, const char *v) {
    const char *one[1] = {v ? v : ""};
    hid_t t = fu_h5io_vstr_type();
    fu_h5io_put(c, loc, name, t, t, 0, NULL, one, NULL);
    H5Tclose(t);
}
void fu_h5io_put_scalar_f64(fu_h5io_ctx *c, hid_t loc, const char *name, double v, const char *units) {
    fu_h5io_put(c, loc, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 0, NULL, &v, units);
}
void fu_h5io_put_scalar_i32(fu_h5io_ctx *c, hid_t loc, const char *name, int v) {
    fu_h5io_put(c, loc, name, H5T_STD_I32LE, H5T_NATIVE_INT, 0, NULL, &v, NULL);
}

/* Opens dataset name and checks it holds exactly nelem elements. */
hid_t fu_h5io_open_checked(fu_h5io_ctx *c, hid_t loc, const char *name, hsize_t nelem) {
    if (c->bad) return -1;
    if (H5Lexists(loc, name, H5P_DEFAULT) <= 0) {
        fu_h5io_fail(c, FU_EINPUT, "dataset %s is missing", name);
        return -1;
    }
    hid_t d = H5Dopen2(loc, name, H5P_DEFAULT);
    if (d < 0) {
        fu_h5io_fail(c, FU_EINPUT, "dataset %s cannot be opened", name);
        return -1;
    }
    hid_t sp = H5Dget_space(d);
    hssize_t np = H5Sget_simple_extent_npoints(sp);
    H5Sclose(sp);
    if (np < 0 || (hsize_t)np != nelem) {
        H5Dclose(d);
        fu_h5io_fail(c, FU_EINPUT, "dataset %s has the wrong number of elements", name);
        return -1;
    }
    return d;
}

void fu_h5io_get(fu_h5io_ctx *c, hid_t loc, const char *name, hid_t mtype, hsize_t nelem, void *out) {
    hid_t d = fu_h5io_open_checked(c, loc, name, nelem);
    if (d < 0) return;
    if (nelem && H5Dread(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, out) < 0)
        fu_h5io_fail(c, FU_EINPUT, "dataset %s cannot be read", name);
    H5Dclose(d);
}

/* Reads n variable-length strings as malloc'd copies (NULL on failure). */
char **fu_h5io_get_vstr(fu_h5io_ctx *c, hid_t loc, const char *name, size_t n) {
    hid_t d = fu_h5io_open_checked(c, loc, name, n);
    if (d < 0) return NULL;
    char **tmp = calloc(n ? n : 1, sizeof *tmp);
    char **out = calloc(n ? n : 1, sizeof *out);
    hid_t t = fu_h5io_vstr_type();
    if (!tmp || !out) {
        fu_h5io_fail(c, FU_ENOMEM, "out of memory reading %s", name);
    } else if (n && H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, tmp) < 0) {
        fu_h5io_fail(c, FU_EINPUT, "dataset %s cannot be read as strings", name);
    } else {
        for (size_t i = 0; i < n && !c->bad; i++)
            if (!(out[i] = fu_store_dup(tmp[i]))) fu_h5io_fail(c, FU_ENOMEM, "out of memory reading %s", name);
        if (n) {
            hid_t sp = H5Dget_space(d);
            H5Dvlen_reclaim(t, sp, H5P_DEFAULT, tmp);
            H5Sclose(sp);
        }
    }
    H5Tclose(t);
    H5Dclose(d);
    free(tmp);
    if (c->bad && out) {
        for (size_t i = 0; i < n; i++) free(out[i]);
        free(out);
        out = NULL;
    }
    return out;
}

void fu_h5io_free_strs(char **v, size_t n) {
    if (!v) return;
    for (size_t i = 0; i < n; i++) free(v[i]);
    free(v);
}

char *fu_h5io_get_str(fu_h5io_ctx *c, hid_t loc, const char *name) {
    char **v = fu_h5io_get_vstr(c, loc, name, 1);
    if (!v) return NULL;
    char *s = v[0];
    free(v);
    return s;
}

/* String attribute, fixed-length or variable-length (h5py writes the latter). */
int fu_h5io_read_attr_str(hid_t obj, const char *name, char *buf, size_t cap) {
    buf[0] = '\0';
    if (H5Aexists(obj, name) <= 0) return -1;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    if (a < 0) return -1;
    hid_t t = H5Aget_type(a);
    int rc = -1;
    if (H5Tget_class(t) == H5T_STRING) {
        if (H5Tis_variable_str(t) > 0) {
            char *s = NULL;
            hid_t mt = fu_h5io_vstr_type();
            if (H5Aread(a, mt, &s) >= 0 && s) {
                snprintf(buf, cap, "%s", s);
                H5free_memory(s);
                rc = 0;
            }
            H5Tclose(mt);
        } else {
            size_t n = H5Tget_size(t);
            char *s = calloc(n + 1, 1);
            if (s && H5Aread(a, t, s) >= 0) {
                snprintf(buf, cap, "%s", s);
                rc = 0;
            }
            free(s);
        }
    }
    H5Tclose(t);
    H5Aclose(a);
    return rc;
}

int fu_h5io_read_attr_i64(hid_t obj, const char *name, long long *v) {
    if (H5Aexists(obj, name) <= 0) return -1;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    if (a < 0) return -1;
    hid_t t = H5Aget_type(a);
    int rc = (H5Tget_class(t) == H5T_INTEGER && H5Aread(a, H5T_NATIVE_LLONG, v) >= 0) ? 0 : -1;
    H5Tclose(t);
    H5Aclose(a);
    return rc;
}

void fu_h5io_offsets_free(fu_h5io_offsets *o) {
    free(o->atom);
    free(o->k);
    free(o->band);
    free(o->species);
    free(o->eos);
}

