#include "core/regfile.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

int fu_open_regular(const char *path, struct stat *st, fu_err *err) {
    struct stat sb;
    if (!st) st = &sb;
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        fu_fail(err, FU_EIO, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    const char *why = NULL;
    if (fstat(fd, st) != 0) why = strerror(errno);
    else if (S_ISDIR(st->st_mode)) why = strerror(EISDIR);
    else if (!S_ISREG(st->st_mode)) why = "not a regular file (a FIFO, device or socket)";
    int fl = why ? 0 : fcntl(fd, F_GETFL);
    if (!why && (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0)) why = strerror(errno);
    if (why) {
        fu_fail(err, FU_EIO, "%s: cannot read: %s", path, why);
        close(fd);
        return -1;
    }
    return fd;
}

FILE *fu_fopen_regular(const char *path, struct stat *st, fu_err *err) {
    int fd = fu_open_regular(path, st, err);
    if (fd < 0) return NULL;
    FILE *f = fdopen(fd, "r");
    if (!f) {
        fu_fail(err, FU_EIO, "%s: cannot open: %s", path, strerror(errno));
        close(fd);
    }
    return f;
}

int fu_check_regular(const char *path, fu_err *err) {
    int fd = fu_open_regular(path, NULL, err);
    if (fd < 0) return FU_EIO;
    close(fd);
    return FU_OK;
}
