#include "core/jsonfile.h"

#include <errno.h>
#include <string.h>

#include "core/atomicfile.h"

int fu_json_dump(const json_t *j, FILE *f, const char *path, size_t flags, fu_err *err) {
    errno = 0;
    if (!j || json_dumpf(j, f, flags) != 0) {
        int e = errno;
        return fu_fail(err, FU_EIO, "%s: JSON write failed: %s", path, e ? strerror(e) : "encoding error");
    }
    fputc('\n', f);
    return FU_OK;
}

int fu_json_write_atomic(const json_t *j, const char *path, size_t flags, fu_err *err) {
    fu_atomic_file af;
    int rc = fu_atomic_open(&af, path, err);
    if (rc) return rc;
    rc = fu_json_dump(j, af.f, path, flags, err);
    if (rc) {
        fu_atomic_abort(&af);
        return rc;
    }
    return fu_atomic_commit(&af, err);
}
