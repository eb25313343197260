#include "core/outdir.h"

#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Removes a tree we created or are replacing; does not follow symlinks. */
static int rm_tree(const char *path) {
    struct stat st;
    if (lstat(path, &st) != 0) return errno == ENOENT ? 0 : -1;
    if (!S_ISDIR(st.st_mode)) return unlink(path);
    DIR *d = opendir(path);
    if (!d) return -1;
    struct dirent *e;
    int rc = 0;
    char sub[FU_OUTDIR_PATHLEN];
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        if (snprintf(sub, sizeof sub, "%s/%s", path, e->d_name) >= (int)sizeof sub) rc = -1;
        else if (rm_tree(sub) != 0) rc = -1;
    }
    closedir(d);
    return rmdir(path) == 0 ? rc : -1;
}

/* 0: absent, 1: empty directory, 2: non-empty directory, 3: not a directory. */
static int dir_state(const char *path) {
    struct stat st;
    if (stat(path, &st) != 0) return 0;
    if (!S_ISDIR(st.st_mode)) return 3;
    DIR *d = opendir(path);
    if (!d) return 2;
    struct dirent *e;
    int state = 1;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
            state = 2;
            break;
        }
    closedir(d);
    return state;
}

/* fsync of every file and directory below path (itself included): the data
 * and the entries are durable before the rename publishes them. */
static int sync_tree(const char *path) {
    struct stat st;
    if (lstat(path, &st) != 0) return -1;
    int rc = 0;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        if (!d) return -1;
        struct dirent *e;
        char sub[FU_OUTDIR_PATHLEN];
        while ((e = readdir(d))) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
            if (snprintf(sub, sizeof sub, "%s/%s", path, e->d_name) >= (int)sizeof sub) rc = -1;
            else if (lstat(sub, &st) == 0 && (S_ISDIR(st.st_mode) || S_ISREG(st.st_mode)) && sync_tree(sub) != 0)
                rc = -1;
        }
        closedir(d);
    }
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    if (fsync(fileno(f)) != 0) rc = -1;
    fclose(f);
    return rc;
}

int fu_outdir_begin(fu_outdir *o, const char *dir, int force, fu_err *err) {
    memset(o, 0, sizeof *o);
    o->force = force;
    if (!dir || !dir[0] || snprintf(o->dir, sizeof o->dir, "%s", dir) >= (int)sizeof o->dir)
        return fu_fail(err, FU_EINPUT, "output directory name empty or too long");
    for (size_t l = strlen(o->dir); l > 1 && o->dir[l - 1] == '/'; l--) o->dir[l - 1] = '\0';
    int st = dir_state(o->dir);
    if (st == 3) return fu_fail(err, FU_EINPUT, "%s: exists and is not a directory", o->dir);
    if (st == 2 && !force) return fu_fail(err, FU_EINPUT, "%s: exists and is not empty (--force replaces it)", o->dir);
    snprintf(o->tmp, sizeof o->tmp, "%s.tmp.%ld", o->dir, (long)getpid());
    rm_tree(o->tmp); /* a stale one of a dead process with our PID */
    if (mkdir(o->tmp, 0755) != 0) {
        int e = errno;
        o->tmp[0] = '\0';
        return fu_fail(err, FU_EIO, "%s.tmp.%ld: cannot create: %s", o->dir, (long)getpid(), strerror(e));
    }
    return FU_OK;
}

int fu_outdir_mkdir(fu_outdir *o, const char *sub, fu_err *err) {
    char p[FU_OUTDIR_PATHLEN];
    if (snprintf(p, sizeof p, "%s/%s", o->tmp, sub) >= (int)sizeof p)
        return fu_fail(err, FU_EINPUT, "%s: path too long", o->tmp);
    if (mkdir(p, 0755) != 0 && errno != EEXIST) return fu_fail(err, FU_EIO, "%s: cannot create: %s", p, strerror(errno));
    return FU_OK;
}

FILE *fu_outdir_open(const fu_outdir *o, const char *name, char *path, fu_err *err) {
    if (snprintf(path, FU_OUTDIR_PATHLEN, "%s/%s", o->tmp, name) >= FU_OUTDIR_PATHLEN) {
        fu_fail(err, FU_EINPUT, "%s: path too long", o->tmp);
        return NULL;
    }
    FILE *f = fopen(path, "w");
    if (!f) fu_fail(err, FU_EIO, "%s: cannot create: %s", path, strerror(errno));
    return f;
}

int fu_outdir_close(FILE *f, const char *path, fu_err *err) {
    int bad = ferror(f) || fflush(f) != 0 || fsync(fileno(f)) != 0;
    int e = errno;
    if (fclose(f) != 0) bad = 1;
    return bad ? fu_fail(err, FU_EIO, "%s: write failed: %s", path, strerror(e ? e : EIO)) : FU_OK;
}

int fu_outdir_commit(fu_outdir *o, fu_err *err) {
    int rc = FU_OK;
    if (sync_tree(o->tmp) != 0) rc = fu_fail(err, FU_EIO, "%s: fsync failed: %s", o->tmp, strerror(errno));
    int st = dir_state(o->dir);
    char old[FU_OUTDIR_PATHLEN];
    snprintf(old, sizeof old, "%s.old.%ld", o->dir, (long)getpid());
    if (rc) {
    } else if (st == 2 && !o->force) {
        rc = fu_fail(err, FU_EINPUT, "%s: appeared while writing and is not empty (--force replaces it)", o->dir);
    } else if (st == 3) {
        rc = fu_fail(err, FU_EINPUT, "%s: exists and is not a directory", o->dir);
    } else if (st == 1 && rmdir(o->dir) != 0) {
        rc = fu_fail(err, FU_EIO, "%s: cannot replace the empty directory: %s", o->dir, strerror(errno));
    } else if (st == 2 && rename(o->dir, old) != 0) {
        rc = fu_fail(err, FU_EIO, "%s: cannot move aside: %s", o->dir, strerror(errno));
    } else if (rename(o->tmp, o->dir) != 0) {
        rc = fu_fail(err, FU_EIO, "%s: cannot rename into place: %s", o->dir, strerror(errno));
        if (st == 2) rename(old, o->dir); /* put the old one back */
    } else if (st == 2) {
        rm_tree(old);
    }
    if (rc) fu_outdir_abort(o);
    else o->tmp[0] = '\0';
    return rc;
}

void fu_outdir_abort(fu_outdir *o) {
    if (o->tmp[0]) rm_tree(o->tmp);
    o->tmp[0] = '\0';
}

void fu_csv_field(FILE *f, const char *s) {
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"') fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}
