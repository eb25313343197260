/* OFD locks (per open file, not per process) are Linux's; without them we
 * fall back to POSIX record locks. */
#define _GNU_SOURCE
#include "results/journal.h"

#include "core/bytebuf.h"
#include "core/hash.h"
#include "core/regfile.h"
#include "results/codec.h"
#include "results/idmap.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <math.h>
#include <limits.h>
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- file framing --------------------------------------------------------
 * File: 16-byte header "FURUIJNL" u32 version u32 0, then frames
 * [A5 'F' 'J' 5A][u32 payload length][32-byte SHA-256 of payload][payload]. */

static const unsigned char file_magic[8] = {'F', 'U', 'R', 'U', 'I', 'J', 'N', 'L'};
static const unsigned char frame_magic[4] = {0xA5, 'F', 'J', 0x5A};
#define HEADER_LEN 16
#define FRAME_HEAD 40

static void put_u32(unsigned char *c, uint32_t v) {
    for (int i = 0; i < 4; i++) c[i] = (unsigned char)(v >> (8 * i));
}
static uint32_t get_u32(const unsigned char *c) {
    return (uint32_t)c[0] | (uint32_t)c[1] << 8 | (uint32_t)c[2] << 16 | (uint32_t)c[3] << 24;
}

static int digest(const unsigned char *data, size_t n, unsigned char out[32], fu_err *err) {
    char hex[FU_SHA256_HEX_LEN];
    int rc = fu_sha256_hex(data, n, hex, err);
    if (rc) return rc;
    for (int i = 0; i < 32; i++) {
        unsigned v = 0;
        for (int k = 0; k < 2; k++) {
            char c = hex[2 * i + k];
            v = v * 16 + (unsigned)(c <= '9' ? c - '0' : c - 'a' + 10);
        }
        out[i] = (unsigned char)v;
    }
    return FU_OK;
}

/* Builds a frame around payload (which starts FRAME_HEAD bytes into buf). */
static int frame_seal(unsigned char *buf, size_t payload_len, fu_err *err) {
    memcpy(buf, frame_magic, 4);
    put_u32(buf + 4, (uint32_t)payload_len);
    return digest(buf + FRAME_HEAD, payload_len, buf + 8, err);
}

/* pread until n bytes or EOF; returns bytes read or -1. */
static ssize_t pread_full(int fd, void *dst, size_t n, off_t off) {
    size_t got = 0;
    while (got < n) {
        ssize_t r = pread(fd, (char *)dst + got, n - got, off + (off_t)got);
        if (r < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        if (r == 0) break;
        got += (size_t)r;
    }
    return (ssize_t)got;
}

static int write_full(int fd, const void *src, size_t n) {
    size_t done = 0;
    while (done < n) {
        ssize_t w = write(fd, (const char *)src + done, n - done);
        if (w < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        done += (size_t)w;
    }
    return 0;
}

typedef struct {
    int fd;
    const char *path;
    long long size;
    unsigned char *buf;  /* holds the current payload */
    size_t cap;
} jreader;

/* Checks for an intact frame at off; on success the payload is in r->buf
 * and *len holds its length. Returns 1 intact, 0 not, -1 I/O or memory error. */
static int frame_at(jreader *r, long long off, size_t *len, fu_err *err) {
    unsigned char head[FRAME_HEAD];
    if (off + FRAME_HEAD > r->size) return 0;
    ssize_t got = pread_full(r->fd, head, FRAME_HEAD, (off_t)off);
    if (got < 0) {
        fu_fail(err, FU_EIO, "%s: read failed: %s", r->path, strerror(errno));
        return -1;
    }
    if (got < FRAME_HEAD || memcmp(head, frame_magic, 4) != 0) return 0;
    uint32_t n = get_u32(head + 4);
    if (n == 0 || n > FU_JOURNAL_MAX_RECORD || off + FRAME_HEAD + (long long)n > r->size) return 0;
    if (n > r->cap) {
        unsigned char *q = realloc(r->buf, n);
        if (!q) {
            fu_fail(err, FU_ENOMEM, "%s: out of memory for a %u-byte record", r->path, n);
            return -1;
        }
        r->buf = q;
        r->cap = n;
    }
    got = pread_full(r->fd, r->buf, n, (off_t)(off + FRAME_HEAD));
    if (got < 0) {
        fu_fail(err, FU_EIO, "%s: read failed: %s", r->path, strerror(errno));
        return -1;
    }
    if ((size_t)got < n) return 0;
    unsigned char md[32];
    if (digest(r->buf, n, md, err)) return -1;
    if (memcmp(md, head + 8, 32) != 0) return 0;
    *len = n;
    return 1;
}

/* Next offset > off holding an intact frame, or -1 if none; -2 on error. */
static long long resync(jreader *r, long long off, size_t *len, fu_err *err) {
    unsigned char chunk[1 << 16];
    long long pos = off + 1;
    while (pos + FRAME_HEAD <= r->size) {
        ssize_t got = pread_full(r->fd, chunk, sizeof chunk, (off_t)pos);
        if (got < 0) {
            fu_fail(err, FU_EIO, "%s: read failed: %s", r->path, strerror(errno));
            return -2;
        }
        if (got < 4) return -1;
        for (ssize_t i = 0; i + 4 <= got; i++) {
            if (chunk[i] != frame_magic[0] || memcmp(chunk + i, frame_magic, 4) != 0) continue;
            int ok = frame_at(r, pos + i, len, err);
            if (ok < 0) return -2;
            if (ok) return pos + i;
        }
        pos += got - 3; /* keep an overlap so a magic across chunks is seen */
    }
    return -1;
}

/* Reads the whole journal on fd. *fresh is set if the file holds no
 * complete header (empty, or torn while being created). */
static int read_fd(int fd, const char *path, fu_journal_run_fn on_run, fu_journal_cand_fn on_cand,
                   fu_journal_ckpt_fn on_ckpt, fu_journal_stage_fn on_stage,
                   fu_journal_layout_fn on_layout, void *ctx, fu_journal_diag *diag, int *fresh,
                   fu_err *err) {
    memset(diag, 0, sizeof *diag);
    diag->first_bad_offset = -1;
    *fresh = 0;
    struct stat st;
    if (fstat(fd, &st) != 0) return fu_fail(err, FU_EIO, "%s: cannot stat: %s", path, strerror(errno));
    jreader r = {fd, path, (long long)st.st_size, NULL, 0};
    unsigned char head[HEADER_LEN], want[HEADER_LEN] = {0};
    memcpy(want, file_magic, 8);
    put_u32(want + 8, FU_JOURNAL_VERSION);
    ssize_t got = pread_full(fd, head, HEADER_LEN, 0);
    if (got < 0) return fu_fail(err, FU_EIO, "%s: read failed: %s", path, strerror(errno));
    if (got < HEADER_LEN) {
        if (got > 8) want[8] = head[8]; /* a torn header of any version this code reads */
        if (memcmp(head, want, (size_t)got) != 0 || (got > 8 && (head[8] < 1 || head[8] > FU_JOURNAL_VERSION)))
            return fu_fail(err, FU_EINPUT, "%s: not a furui journal (no FURUIJNL header)", path);
        *fresh = 1;
        diag->torn_bytes = got;
        if (got) snprintf(diag->warning, sizeof diag->warning,
                          "%s: %zd-byte torn header ignored", path, got);
        return FU_OK;
    }
    if (memcmp(head, file_magic, 8) != 0)
        return fu_fail(err, FU_EINPUT, "%s: not a furui journal (no FURUIJNL header)", path);
    uint32_t ver = get_u32(head + 8);
    if (ver > FU_JOURNAL_VERSION)
        return fu_fail(err, FU_EINPUT,
                       "%s: journal format version %u is newer than this furui supports (%d)", path,
                       ver, FU_JOURNAL_VERSION);
    if (ver == 0) return fu_fail(err, FU_EINPUT, "%s: journal format version 0 is invalid", path);

    long long off = HEADER_LEN;
    diag->valid_end = off;
    int rc = FU_OK;
    /* the last property record (FU_CODEC_PROPS), for the candidate record that follows it */
    unsigned char *props = NULL;
    size_t props_len = 0;
    while (!rc && off < r.size) {
        size_t len = 0;
        int ok = frame_at(&r, off, &len, err);
        if (ok < 0) {
            rc = err ? err->code : FU_EIO;
            break;
        }
        if (!ok) {
            long long next = resync(&r, off, &len, err);
            if (next == -2) {
                rc = err ? err->code : FU_EIO;
                break;
            }
            if (next < 0) { /* nothing intact after: a torn (or damaged) tail */
                diag->torn_bytes = r.size - off;
                break;
            }
            if (diag->nbad++ == 0) diag->first_bad_offset = off;
            off = next;
        }
        /* An intact frame (checksum good) whose payload does not decode was
         * written by a different format: counted as corruption, skipped. */
        int type = r.buf[0], bad = 0;
        if (type == FU_CODEC_CAND || type == FU_CODEC_CAND2 || type == FU_CODEC_CAND3 || type == FU_CODEC_CAND4) {
            fu_record rec;
            fu_err e2;
            int d = fu_codec_get_record(r.buf, len, &rec, &e2);
            if (!d && props && rec.have_result && memcmp(props + 1, rec.id, FU_RECORD_ID_LEN) == 0) {
                fu_codec_reader pb = {props, props_len, 1 + FU_RECORD_ID_LEN, 0};
                if (fu_codec_get_i32(&pb) == rec.attempt) fu_codec_get_blocks(&pb, &rec.res);
                const char *unclean = pb.bad ? NULL : fu_codec_unclean(&rec);
                if (pb.bad == 2) d = FU_ENOMEM, snprintf(e2.msg, sizeof e2.msg, "out of memory decoding");
                else if (pb.bad || unclean) { /* a damaged property record: the candidate stands without it */
                    fu_property_blocks_free(&rec.res);
                    if (diag->nbad++ == 0) diag->first_bad_offset = off;
                }
            }
            free(props);
            props = NULL;
            if (d == FU_ENOMEM) rc = fu_fail(err, FU_ENOMEM, "%s: %s", path, e2.msg);
            else if (d) bad = 1;
            else {
                diag->nrecords++;
                if (on_cand) rc = on_cand(ctx, &rec, err);
                fu_record_free(&rec);
            }
        } else if (type == FU_CODEC_RUN) {
            fu_run_info ri;
            int d = fu_codec_get_run(r.buf, len, &ri);
            if (d == FU_ENOMEM) rc = fu_fail(err, FU_ENOMEM, "%s: out of memory", path);
            else if (d) bad = 1;
            else {
                diag->nruns++;
                if (on_run) rc = on_run(ctx, &ri, err);
                fu_run_info_free(&ri);
            }
        } else if (type == FU_CODEC_CKPT) {
            if (on_ckpt) {
                fu_record_checkpoint ck;
                fu_err e2;
                int d = fu_codec_checkpoint_decode(r.buf, len, &ck, &e2);
                if (d == FU_ENOMEM) rc = fu_fail(err, FU_ENOMEM, "%s: %s", path, e2.msg);
                else if (d) bad = 1;
                else {
                    rc = on_ckpt(ctx, &ck, err);
                    fu_record_checkpoint_free(&ck);
                }
            }
        } else if (type == FU_CODEC_STAGE) {
            if (on_stage) {
                fu_record_stage st;
                int d = fu_codec_get_stage(r.buf, len, &st);
                if (d == FU_ENOMEM) rc = fu_fail(err, FU_ENOMEM, "%s: out of memory", path);
                else if (d) bad = 1;
                else rc = on_stage(ctx, &st, err);
            }
        } else if (type == FU_CODEC_PROPS) {
            free(props);
            props = NULL;
            if (len < 1 + FU_RECORD_ID_LEN + 4) bad = 1;
            else if (!(props = malloc(len))) rc = fu_fail(err, FU_ENOMEM, "%s: out of memory", path);
            else memcpy(props, r.buf, props_len = len);
        } else if (type == FU_CODEC_LAYOUT) {
            if (on_layout) {
                fu_record_layout l;
                if (fu_codec_get_layout(r.buf, len, &l)) bad = 1;
                else rc = on_layout(ctx, &l, err);
            }
        } else if (type < FU_CODEC_OPTIONAL) {
            bad = 1; /* an optional record of a later furui is skipped as it is */
        }
        if (bad && diag->nbad++ == 0) diag->first_bad_offset = off;
        off += FRAME_HEAD + (long long)len;
        diag->valid_end = off;
    }
    free(r.buf);
    free(props);
    if (rc) return rc;
    char *w = diag->warning;
    size_t cap = sizeof diag->warning;
    if (diag->nbad && diag->torn_bytes)
        snprintf(w, cap, "%s: %zu corrupt record(s) skipped (first at byte %lld); %lld-byte torn "
                 "tail after byte %lld ignored", path, diag->nbad, diag->first_bad_offset,
                 diag->torn_bytes, diag->valid_end);
    else if (diag->nbad)
        snprintf(w, cap, "%s: %zu corrupt record(s) skipped (first at byte %lld; checksum or "
                 "length mismatch)", path, diag->nbad, diag->first_bad_offset);
    else if (diag->torn_bytes)
        snprintf(w, cap, "%s: %lld-byte torn tail after byte %lld ignored (incomplete last record)",
                 path, diag->torn_bytes, diag->valid_end);
    return FU_OK;
}

int fu_journal_read(const char *path, fu_journal_run_fn on_run, fu_journal_cand_fn on_cand,
                    void *ctx, fu_journal_diag *diag, fu_err *err) {
    fu_journal_diag local;
    if (!diag) diag = &local;
    int fd = fu_open_regular(path, NULL, err); /* a FIFO would block in open(2) */
    if (fd < 0) return FU_EIO;
    int fresh;
    int rc = read_fd(fd, path, on_run, on_cand, NULL, NULL, NULL, ctx, diag, &fresh, err);
    close(fd);
    return rc;
}

int fu_journal_read_checkpoints(const char *path, fu_journal_ckpt_fn on_ckpt, void *ctx, fu_err *err) {
    fu_journal_diag diag;
    int fd = fu_open_regular(path, NULL, err);
    if (fd < 0) return FU_EIO;
    int fresh;
    int rc = read_fd(fd, path, NULL, NULL, on_ckpt, NULL, NULL, ctx, &diag, &fresh, err);
    close(fd);
    return rc;
}

int fu_journal_read_stages(const char *path, fu_journal_stage_fn on_stage, void *ctx, fu_err *err) {
    fu_journal_diag diag;
    int fd = fu_open_regular(path, NULL, err);
    if (fd < 0) return FU_EIO;
    int fresh;
    int rc = read_fd(fd, path, NULL, NULL, NULL, on_stage, NULL, ctx, &diag, &fresh, err);
    close(fd);
    return rc;
}

int fu_journal_read_layouts(const char *path, fu_journal_layout_fn on_layout, void *ctx, fu_err *err) {
    fu_journal_diag diag;
    int fd = fu_open_regular(path, NULL, err);
    if (fd < 0) return FU_EIO;
    int fresh;
    int rc = read_fd(fd, path, NULL, NULL, NULL, NULL, on_layout, ctx, &diag, &fresh, err);
    close(fd);
    return rc;
}

/* ---- status table (resume) ---------------------------------------------- */

typedef struct {
    fu_journal_scan *scan;
    size_t cap;
    fu_idmap map;
    const char *path;
} scan_ctx;

static int scan_cand(void *vctx, fu_record *rec, fu_err *err) {
    scan_ctx *c = vctx;
    fu_journal_scan *s = c->scan;
    int added;
    size_t i = fu_idmap_get(&c->map, rec->id, s->ncand, &added);
    if (i == SIZE_MAX) return fu_fail(err, FU_ENOMEM, "%s: out of memory scanning", c->path);
    if (added) {
        if (s->ncand == c->cap) {
            size_t cap = c->cap ? 2 * c->cap : 64;
            fu_journal_status *q = realloc(s->cand, cap * sizeof *q);
            if (!q) return fu_fail(err, FU_ENOMEM, "%s: out of memory scanning", c->path);
            s->cand = q;
            c->cap = cap;
        }
        fu_journal_status *e = &s->cand[s->ncand++];
        memset(e, 0, sizeof *e);
        memcpy(e->id, rec->id, sizeof e->id);
    }
    fu_journal_status *e = &s->cand[i];
    if (rec->attempt > e->attempts) e->attempts = rec->attempt;
    int failed = rec->state == FU_RECORD_FAILED && rec->cause;
    int crashed = failed && strcmp(rec->cause, "crashed") == 0;
    e->crashes += crashed;
    e->interruptions += failed && strcmp(rec->cause, "interrupted") == 0;
    e->open = rec->state == FU_RECORD_STARTED;
    /* e->final is "terminal" (fu_journal_status) */
    if (fu_record_supersedes(e->state, e->final, rec->state, rec->final)) {
        e->state = rec->state;
        e->final = fu_record_state_terminal(rec->state, rec->final);
        e->final_crash = e->final && crashed;
    }
    return FU_OK;
}

static int cmp_status(const void *a, const void *b) {
    return strcmp(((const fu_journal_status *)a)->id, ((const fu_journal_status *)b)->id);
}

void fu_journal_scan_free(fu_journal_scan *s) {
    if (!s) return;
    free(s->cand);
    memset(s, 0, sizeof *s);
}

const fu_journal_status *fu_journal_scan_find(const fu_journal_scan *s, const char *id) {
    if (!s || !s->ncand || !id || strlen(id) != FU_RECORD_ID_LEN) return NULL; /* bsearch(NULL) is UB */
    fu_journal_status key;
    for (int i = 0; i <= FU_RECORD_ID_LEN; i++)
        key.id[i] = (char)((id[i] >= 'A' && id[i] <= 'F') ? id[i] - 'A' + 'a' : id[i]);
    return bsearch(&key, s->cand, s->ncand, sizeof key, cmp_status);
}

static int scan_fd(int fd, const char *path, fu_journal_scan *scan, int *fresh, fu_err *err) {
    memset(scan, 0, sizeof *scan);
    scan_ctx c = {scan, 0, {0}, path};
    int rc = read_fd(fd, path, NULL, scan_cand, NULL, NULL, NULL, &c, &scan->diag, fresh, err);
    fu_idmap_free(&c.map);
    if (rc) {
        fu_journal_scan_free(scan);
        return rc;
    }
    if (scan->ncand) qsort(scan->cand, scan->ncand, sizeof *scan->cand, cmp_status);
    return FU_OK;
}

int fu_journal_scan_file(const char *path, fu_journal_scan *scan, fu_err *err) {
    int fd = fu_open_regular(path, NULL, err); /* a FIFO would block in open(2) */
    if (fd < 0) {
        memset(scan, 0, sizeof *scan);
        return FU_EIO;
    }
    int fresh;
    int rc = scan_fd(fd, path, scan, &fresh, err);
    close(fd);
    return rc;
}

/* ---- appending ------------------------------------------------------------ */

struct fu_journal {
    int fd;
    int broken;            /* a sync failed: the page cache can no longer be trusted */
    long long end;         /* end of the last record */
    char path[4096];
};

/* Makes a new directory entry durable (the file's own fsync does not). */
static int sync_parent_dir(const char *path) {
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s", path);
    int fd = open(dirname(tmp), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    int r = fsync(fd);
    /* Some file systems refuse fsync on directories; that is not data loss. */
    if (r != 0 && (errno == EINVAL || errno == EBADF)) r = 0;
    close(fd);
    return r;
}

static int lock_fd(int fd, const char *path, fu_err *err) {
    struct flock fl;
    memset(&fl, 0, sizeof fl);
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
#ifdef F_OFD_SETLK
    /* OFD: a reader of the same process closing its own descriptor does not
     * drop the lock, as it would with POSIX record locks. */
    int r = fcntl(fd, F_OFD_SETLK, &fl);
    if (r != 0 && errno == EINVAL) r = fcntl(fd, F_SETLK, &fl); /* kernel without OFD locks */
#else
    int r = fcntl(fd, F_SETLK, &fl);
#endif
    if (r == 0) return FU_OK;
    if (errno == EACCES || errno == EAGAIN)
        return fu_fail(err, FU_EIO, "%s: journal is locked by another writer (one coordinator "
                       "per shard)", path);
    /* File systems without locking (e.g. Lustre without -o flock): proceed. */
    if (errno == ENOLCK || errno == ENOSYS || errno == EOPNOTSUPP) return FU_OK;
    return fu_fail(err, FU_EIO, "%s: cannot lock journal: %s", path, strerror(errno));
}

int fu_journal_writer_active(const char *path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    struct flock fl;
    memset(&fl, 0, sizeof fl);
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
#ifdef F_OFD_GETLK
    int r = fcntl(fd, F_OFD_GETLK, &fl);
    if (r != 0 && errno == EINVAL) r = fcntl(fd, F_GETLK, &fl);
#else
    int r = fcntl(fd, F_GETLK, &fl);
#endif
    close(fd);
    if (r != 0) return -1;
    return fl.l_type != F_UNLCK;
}

static int append_frame(fu_journal *j, const unsigned char *frame, size_t n, int sync, fu_err *err) {
    if (j->broken)
        return fu_fail(err, FU_EIO, "%s: an earlier journal write failed; reopen the journal to "
                       "continue", j->path);
    if (write_full(j->fd, frame, n) != 0) {
        int e = errno;
        /* Cut a partial record back off so later appends follow a clean end. */
        if (ftruncate(j->fd, (off_t)j->end) != 0) j->broken = 1;
        return fu_fail(err, FU_EIO, "%s: journal write failed: %s", j->path, strerror(e));
    }
    j->end += (long long)n;
    if (sync && fdatasync(j->fd) != 0) {
        int e = errno;
        j->broken = 1;
        return fu_fail(err, FU_EIO, "%s: journal sync failed: %s", j->path, strerror(e));
    }
    return FU_OK;
}

/* Frames the payload built in b (whose first FRAME_HEAD bytes are reserved). */
static int append_payload(fu_journal *j, fu_bytebuf *b, int sync, fu_err *err) {
    int rc = FU_OK;
    if (b->oom) rc = fu_fail(err, FU_ENOMEM, "%s: out of memory encoding a record", j->path);
    else if (b->len - FRAME_HEAD > FU_JOURNAL_MAX_RECORD)
        rc = fu_fail(err, FU_EINPUT, "%s: record of %zu bytes exceeds the %u-byte limit", j->path,
                     b->len - FRAME_HEAD, FU_JOURNAL_MAX_RECORD);
    if (!rc) rc = frame_seal(b->p, b->len - FRAME_HEAD, err);
    if (!rc) rc = append_frame(j, b->p, b->len, sync, err);
    free(b->p);
    return rc;
}

int fu_journal_open(const char *path, const fu_run_info *run, fu_journal **out,
                    fu_journal_scan *scan, fu_err *err) {
    *out = NULL;
    fu_journal_scan local;
    if (!scan) scan = &local;
    memset(scan, 0, sizeof *scan);
    fu_journal *j = calloc(1, sizeof *j);
    if (!j) return fu_fail(err, FU_ENOMEM, "%s: out of memory", path);
    if (snprintf(j->path, sizeof j->path, "%s", path) >= (int)sizeof j->path) {
        free(j);
        return fu_fail(err, FU_EINPUT, "%s: path too long", path);
    }
    struct stat st;
    int existed = stat(path, &st) == 0;
    j->fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (j->fd < 0) {
        int e = errno;
        free(j);
        return fu_fail(err, FU_EIO, "%s: cannot open journal for appending: %s", path, strerror(e));
    }
    int fresh = 0;
    int rc = lock_fd(j->fd, path, err);
    if (!rc) rc = scan_fd(j->fd, path, scan, &fresh, err);
    if (!rc && fresh) {
        unsigned char head[HEADER_LEN] = {0};
        memcpy(head, file_magic, 8);
        put_u32(head + 8, FU_JOURNAL_VERSION);
        if (ftruncate(j->fd, 0) != 0 || write_full(j->fd, head, HEADER_LEN) != 0 ||
            fdatasync(j->fd) != 0)
            rc = fu_fail(err, FU_EIO, "%s: cannot write journal header: %s", path, strerror(errno));
        else if (!existed && sync_parent_dir(path) != 0)
            rc = fu_fail(err, FU_EIO, "%s: cannot sync the journal's directory: %s", path,
                         strerror(errno));
        j->end = HEADER_LEN;
    } else if (!rc) {
        j->end = scan->diag.valid_end;
        if (scan->diag.torn_bytes > 0 &&
            (ftruncate(j->fd, (off_t)j->end) != 0 || fdatasync(j->fd) != 0))
            rc = fu_fail(err, FU_EIO, "%s: cannot cut off the torn tail at byte %lld: %s", path,
                         j->end, strerror(errno));
        /* An older journal gets records of this version appended: raise its
         * header, so an older furui refuses it instead of skipping them. A
         * second descriptor, because pwrite on an O_APPEND one appends. */
        unsigned char v[4];
        if (!rc && pread_full(j->fd, v, 4, 8) == 4 && get_u32(v) < FU_JOURNAL_VERSION) {
            int fd2 = open(path, O_WRONLY | O_CLOEXEC);
            put_u32(v, FU_JOURNAL_VERSION);
            if (fd2 < 0 || pwrite(fd2, v, 4, 8) != 4 || fdatasync(fd2) != 0)
                rc = fu_fail(err, FU_EIO, "%s: cannot update the journal header: %s", path, strerror(errno));
            if (fd2 >= 0) close(fd2);
        }
    }
    if (!rc && run) {
        fu_bytebuf b = {0};
        unsigned char zero[FRAME_HEAD] = {0};
        fu_bytebuf_put(&b, zero, FRAME_HEAD);
        fu_codec_put_run(&b, run);
        rc = append_payload(j, &b, 1, err);
    }
    if (rc) {
        close(j->fd);
        free(j);
        fu_journal_scan_free(scan);
        return rc;
    }
    if (scan == &local) fu_journal_scan_free(&local);
    *out = j;
    return FU_OK;
}

/* After a record's check (rc): the frame's header space, to be encoded into and handed to
 * append_payload. */
static int frame_open(fu_journal *j, int rc, fu_bytebuf *b, fu_err *err) {
    if (rc) {
        fu_err_prefix(err, "%s", j->path);
        return rc;
    }
    unsigned char zero[FRAME_HEAD] = {0};
    fu_bytebuf_put(b, zero, FRAME_HEAD);
    return FU_OK;
}

/* Seals the frame that starts at byte `start` of b and runs to its end. */
static int seal_from(fu_journal *j, fu_bytebuf *b, size_t start, fu_err *err) {
    if (b->oom) return fu_fail(err, FU_ENOMEM, "%s: out of memory encoding a record", j->path);
    if (b->len - start - FRAME_HEAD > FU_JOURNAL_MAX_RECORD)
        return fu_fail(err, FU_EINPUT, "%s: record of %zu bytes exceeds the %u-byte limit", j->path,
                       b->len - start - FRAME_HEAD, FU_JOURNAL_MAX_RECORD);
    return frame_seal(b->p + start, b->len - start - FRAME_HEAD, err);
}

int fu_journal_append(fu_journal *j, const fu_record *r, int sync, fu_err *err) {
    fu_bytebuf b = {0};
    int rc = frame_open(j, fu_codec_check_record(r, err), &b, err);
    if (rc) return rc;
    if (!(r->have_result && fu_codec_has_blocks(&r->res))) {
        fu_codec_put_record(&b, r, 0);
        return append_payload(j, &b, sync, err);
    }
    /* The blocks of the block properties go in a property record (FU_CODEC_PROPS: id | i32 attempt |
     * tagged blocks) just before the candidate record, in the same write: a furui that does not
     * know the record skips it as optional and still reads the candidate. */
    fu_bytebuf_u8(&b, FU_CODEC_PROPS);
    fu_bytebuf_put(&b, r->id, FU_RECORD_ID_LEN);
    fu_bytebuf_i32(&b, r->attempt);
    fu_codec_put_blocks(&b, &r->res);
    rc = seal_from(j, &b, 0, err);
    size_t second = b.len;
    unsigned char zero[FRAME_HEAD] = {0};
    fu_bytebuf_put(&b, zero, FRAME_HEAD);
    fu_codec_put_record(&b, r, 0);
    if (!rc) rc = seal_from(j, &b, second, err);
    if (!rc) rc = append_frame(j, b.p, b.len, sync, err);
    free(b.p);
    return rc;
}

int fu_journal_append_checkpoint(fu_journal *j, const fu_record_checkpoint *c, int sync, fu_err *err) {
    fu_bytebuf b = {0};
    int rc = frame_open(j, fu_codec_check_checkpoint(c, err), &b, err);
    if (rc) return rc;
    fu_codec_put_checkpoint(&b, c);
    return append_payload(j, &b, sync, err);
}

int fu_journal_append_stage(fu_journal *j, const fu_record_stage *s, int sync, fu_err *err) {
    fu_bytebuf b = {0};
    int rc = frame_open(j, fu_codec_check_stage(s, err), &b, err);
    if (rc) return rc;
    fu_codec_put_stage(&b, s);
    return append_payload(j, &b, sync, err);
}

int fu_journal_append_layout(fu_journal *j, const fu_record_layout *l, int sync, fu_err *err) {
    fu_bytebuf b = {0};
    int rc = frame_open(j, fu_codec_check_layout(l, err), &b, err);
    if (rc) return rc;
    fu_codec_put_layout(&b, l);
    return append_payload(j, &b, sync, err);
}

int fu_journal_sync(fu_journal *j, fu_err *err) {
    if (j->broken)
        return fu_fail(err, FU_EIO, "%s: an earlier journal write failed; reopen the journal to "
                       "continue", j->path);
    if (fdatasync(j->fd) != 0) {
        j->broken = 1;
        return fu_fail(err, FU_EIO, "%s: journal sync failed: %s", j->path, strerror(errno));
    }
    return FU_OK;
}

int fu_journal_close(fu_journal *j, fu_err *err) {
    if (!j) return FU_OK;
    int rc = FU_OK;
    if (!j->broken && fdatasync(j->fd) != 0)
        rc = fu_fail(err, FU_EIO, "%s: journal sync failed: %s", j->path, strerror(errno));
    if (close(j->fd) != 0 && !rc)
        rc = fu_fail(err, FU_EIO, "%s: journal close failed: %s", j->path, strerror(errno));
    free(j);
    return rc;
}
