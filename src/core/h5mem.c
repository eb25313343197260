#include "core/h5mem.h"

#include <stdlib.h>
#include <string.h>

#include "core/atomicfile.h"

hid_t fu_h5mem_create(const char *name, fu_err *err) {
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    /* 1 MiB growth steps; backing_store 0: the image never goes to disk by HDF5 */
    hid_t f = -1;
    if (fapl >= 0 && H5Pset_fapl_core(fapl, (size_t)1 << 20, 0) >= 0)
        f = H5Fcreate(name, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    if (fapl >= 0) H5Pclose(fapl);
    if (f < 0) fu_fail(err, FU_ELIB, "%s: cannot create an in-memory HDF5 file", name);
    return f;
}

int fu_h5mem_commit(hid_t f, const char *path, fu_err *err) {
    ssize_t n = H5Fflush(f, H5F_SCOPE_GLOBAL) < 0 ? -1 : H5Fget_file_image(f, NULL, 0);
    void *img = n > 0 ? malloc((size_t)n) : NULL;
    if (img && H5Fget_file_image(f, img, (size_t)n) != n) {
        free(img);
        img = NULL;
    }
    H5Fclose(f);
    if (!img) {
        if (n > 0) return fu_fail(err, FU_ENOMEM, "%s: out of memory for the HDF5 image (%zd bytes)", path, n);
        return fu_fail(err, FU_ELIB, "%s: HDF5 could not produce the file image", path);
    }
    fu_atomic_file af;
    int rc = fu_atomic_open(&af, path, err);
    if (!rc) {
        if (fwrite(img, 1, (size_t)n, af.f) != (size_t)n) {
            /* fu_atomic_commit sees the stream error and reports it */
        }
        rc = fu_atomic_commit(&af, err);
    }
    free(img);
    return rc;
}

herr_t fu_h5_attr_str(hid_t obj, const char *name, const char *value) {
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, strlen(value) + 1);
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(obj, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
    herr_t st = a < 0 ? -1 : H5Awrite(a, t, value);
    if (a >= 0) H5Aclose(a);
    H5Sclose(sp);
    H5Tclose(t);
    return st;
}

herr_t fu_h5_dset(hid_t loc, const char *name, hid_t type, int rank, const hsize_t *dims,
                  const void *data, const char *units) {
    hid_t sp = rank ? H5Screate_simple(rank, dims, NULL) : H5Screate(H5S_SCALAR);
    hid_t d = H5Dcreate2(loc, name, type, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    herr_t st = d < 0 ? -1 : H5Dwrite(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data);
    if (st >= 0 && units) st = fu_h5_attr_str(d, "units", units);
    if (d >= 0) H5Dclose(d);
    H5Sclose(sp);
    return st;
}

herr_t fu_h5_dstr(hid_t loc, const char *name, const char *value) {
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, strlen(value) + 1);
    herr_t st = fu_h5_dset(loc, name, t, 0, NULL, value, NULL);
    H5Tclose(t);
    return st;
}

herr_t fu_h5_scalar(hid_t loc, const char *name, double v, const char *units) {
    return fu_h5_dset(loc, name, H5T_NATIVE_DOUBLE, 0, NULL, &v, units);
}
