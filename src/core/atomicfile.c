#include "core/atomicfile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

int fu_atomic_remove_stale(const char *path) {
    char dir[4096];
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    if (snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".") >= (int)sizeof dir)
        return -1;
    if (slash == path) snprintf(dir, sizeof dir, "/");
    DIR *d = opendir(dir);
    if (!d) return -1;
    size_t bl = strlen(base);
    char own[32], full[8192];
    snprintf(own, sizeof own, "%ld", (long)getpid());
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        const char *nm = e->d_name;
        if (strncmp(nm, base, bl) != 0 || strncmp(nm + bl, ".tmp.", 5) != 0) continue;
        const char *pid = nm + bl + 5;
        size_t k = 0;
        while (pid[k] >= '0' && pid[k] <= '9') k++;
        if (k == 0 || pid[k] != '\0' || strcmp(pid, own) == 0) continue;
        if (snprintf(full, sizeof full, "%s/%s", dir, nm) < (int)sizeof full && unlink(full) == 0) n++;
    }
    closedir(d);
    return n;
}

int fu_atomic_reserve(fu_atomic_file *af, const char *path, fu_err *err) {
    memset(af, 0, sizeof *af);
    if (snprintf(af->path, sizeof af->path, "%s", path) >= (int)sizeof af->path ||
        snprintf(af->tmp, sizeof af->tmp, "%s.tmp.%ld", path, (long)getpid()) >=
            (int)sizeof af->tmp)
        return fu_fail(err, FU_EINPUT, "%s: path too long", path);
    return FU_OK;
}

int fu_atomic_open(fu_atomic_file *af, const char *path, fu_err *err) {
    int rc = fu_atomic_reserve(af, path, err);
    if (rc) return rc;
    af->f = fopen(af->tmp, "w");
    if (!af->f) return fu_fail(err, FU_EIO, "%s: cannot create: %s", af->tmp, strerror(errno));
    return FU_OK;
}

static int sync_path(const char *p) {
    int fd = open(p, O_RDONLY);
    if (fd < 0) return -1;
    int r = fsync(fd);
    close(fd);
    return r;
}

int fu_atomic_commit_path(fu_atomic_file *af, fu_err *err) {
    if (sync_path(af->tmp) != 0) {
        int e = errno;
        unlink(af->tmp);
        return fu_fail(err, FU_EIO, "%s: cannot sync: %s", af->tmp, strerror(e));
    }
    if (rename(af->tmp, af->path) != 0) {
        int e = errno;
        unlink(af->tmp);
        return fu_fail(err, FU_EIO, "%s: cannot rename into place: %s", af->path, strerror(e));
    }
    /* The rename is durable only once the directory entry is on disk. */
    char dir[sizeof af->path];
    snprintf(dir, sizeof dir, "%s", af->path);
    char *slash = strrchr(dir, '/');
    if (slash == dir) dir[1] = '\0';
    else if (slash) *slash = '\0';
    else snprintf(dir, sizeof dir, ".");
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        fsync(fd); /* best effort: some file systems refuse fsync on directories */
        close(fd);
    }
    return FU_OK;
}

int fu_atomic_commit(fu_atomic_file *af, fu_err *err) {
    FILE *f = af->f;
    af->f = NULL;
    int bad = ferror(f);
    if (fflush(f) != 0) bad = 1;
    int e = errno;
    if (fclose(f) != 0) bad = 1, e = errno;
    if (bad) {
        unlink(af->tmp);
        return fu_fail(err, FU_EIO, "%s: write failed: %s", af->path, strerror(e));
    }
    return fu_atomic_commit_path(af, err);
}

void fu_atomic_abort(fu_atomic_file *af) {
    if (af->f) fclose(af->f);
    af->f = NULL;
    if (af->tmp[0]) unlink(af->tmp);
}
