#include "core/h5mem.h"

#include <stdlib.h>

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
