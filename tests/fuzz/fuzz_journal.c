/* Fuzz harness: the journal reader (fu_journal_read, fu_journal_scan_file),
 * which reads only files: the journal goes to a file in a per-process
 * temporary directory.
 *
 * Frames carry a SHA-256 of their payload, which a fuzzer cannot forge, so
 * the first input byte picks a mode:
 *   even: the rest of the input is the file, verbatim (header, framing,
 *         resynchronisation after damage, torn tails);
 *   odd:  the rest is a list of chunks "u16 length (LE) | bytes"; the file is
 *         a valid header followed by each chunk sealed as an intact frame
 *         (payload decoding of session and candidate records), except that
 *         a chunk whose length has the top bit set is written unsealed. */
#include "fuzz_common.h"

#include "core/hash.h"
#include "results/journal.h"
#include "results/codec.h"

typedef struct {
    size_t nrun, ncand;
} counts;

static int on_run(void *ctx, fu_run_info *run, fu_err *err) {
    (void)err;
    ((counts *)ctx)->nrun++;
    if (!memchr(run->host, '\0', sizeof run->host) ||
        !memchr(run->code_version, '\0', sizeof run->code_version) ||
        !memchr(run->mpi_library, '\0', sizeof run->mpi_library))
        fz_die("run info string not terminated", NULL);
    return 0;
}

static int on_cand(void *ctx, fu_record *rec, fu_err *err) {
    (void)err;
    ((counts *)ctx)->ncand++;
    unsigned char *buf = NULL;
    size_t len = 0;
    fu_err e;
    fz_err_init(&e);
    int rc = fu_codec_record_encode(rec, &buf, &len, &e);
    fz_check_status(rc, &e);
    if (rc) fz_die("a record read from a journal does not encode", e.msg);
    free(buf);
    return 0;
}

static void put_u32(unsigned char *c, uint32_t v) {
    for (int i = 0; i < 4; i++) c[i] = (unsigned char)(v >> (8 * i));
}

static unsigned char *build_framed(const uint8_t *data, size_t size, size_t *out_len) {
    size_t cap = 16 + size + 40 * (size / 2 + 1), n = 0;
    unsigned char *f = malloc(cap);
    if (!f) abort();
    memcpy(f, "FURUIJNL", 8);
    put_u32(f + 8, 1);
    put_u32(f + 12, 0);
    n = 16;
    size_t pos = 0;
    while (pos + 2 <= size) {
        unsigned len = (unsigned)data[pos] | ((unsigned)data[pos + 1] << 8);
        int unsealed = (len & 0x8000u) != 0;
        len &= 0x7fffu;
        pos += 2;
        if (len > size - pos) len = (unsigned)(size - pos);
        unsigned char *h = f + n;
        h[0] = 0xA5;
        h[1] = 'F';
        h[2] = 'J';
        h[3] = 0x5A;
        put_u32(h + 4, len);
        char hex[FU_SHA256_HEX_LEN];
        fu_err e;
        if (fu_sha256_hex(data + pos, len, hex, &e)) abort();
        for (int i = 0; i < 32; i++) {
            unsigned v;
            if (sscanf(hex + 2 * i, "%2x", &v) != 1) abort();
            h[8 + i] = (unsigned char)(unsealed ? v ^ 1u : v);
        }
        memcpy(h + 40, data + pos, len);
        n += 40 + len;
        pos += len;
    }
    *out_len = n;
    return f;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    const char *path;
    if (data[0] & 1) {
        size_t n;
        unsigned char *f = build_framed(data + 1, size - 1, &n);
        path = fz_write_temp("journal", f, n);
        free(f);
    } else {
        path = fz_write_temp("journal", data + 1, size - 1);
    }
    counts c = {0, 0};
    fu_journal_diag diag;
    fu_err e;
    fz_err_init(&e);
    int rc = fu_journal_read(path, on_run, on_cand, &c, &diag, &e);
    fz_check_status(rc, &e);
    if (rc == FU_OK) {
        if (diag.nrecords != c.ncand || diag.nruns != c.nrun)
            fz_die("diag counts differ from the callbacks", NULL);
        if (!memchr(diag.warning, '\0', sizeof diag.warning) || strchr(diag.warning, '\n'))
            fz_die("journal warning is not one line", diag.warning);
        if ((diag.nbad || diag.torn_bytes) && !diag.warning[0])
            fz_die("damage without a warning", NULL);
        if (diag.torn_bytes < 0 || diag.valid_end < 0)
            fz_die("diag offsets out of range", NULL);
    }
    fu_journal_scan scan;
    memset(&scan, 0, sizeof scan);
    fz_err_init(&e);
    int rc2 = fu_journal_scan_file(path, &scan, &e);
    fz_check_status(rc2, &e);
    if ((rc == FU_OK) != (rc2 == FU_OK)) fz_die("fu_journal_read and scan_file disagree", NULL);
    if (rc2 == FU_OK) {
        if (scan.diag.nrecords != diag.nrecords) fz_die("scan counts differ from read", NULL);
        for (size_t i = 0; i < scan.ncand; i++) {
#if FZ_OPEN_BUG_UPPERCASE_ID
            if (strpbrk(scan.cand[i].id, "ABCDEF")) continue;
#endif
            if (fu_journal_scan_find(&scan, scan.cand[i].id) != &scan.cand[i])
                fz_die("scan_find misses a candidate", scan.cand[i].id);
        }
        for (size_t i = 1; i < scan.ncand; i++)
            if (strcmp(scan.cand[i - 1].id, scan.cand[i].id) >= 0)
                fz_die("scan table not sorted and unique", NULL);
    }
    fu_journal_scan_free(&scan);
    return 0;
}
