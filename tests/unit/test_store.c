// labels: unit store
/* The screening store (src/results/journal.c, store.c): journal records round
 * trip exactly; a journal cut at every byte of its last record reads back
 * the records before it and is repaired on reopening; corrupt bytes are
 * detected by checksum and skipped, not fatal; finalize collapses a journal
 * to one row per candidate in an HDF5 file with units; resume skips
 * finished candidates; merge collapses identical duplicates, refuses
 * conflicting ones and reports missing/failed IDs; newer schemas and
 * foreign files are refused; an unwritable directory and a full disk
 * (RLIMIT_FSIZE in a forked child) fail cleanly and leave earlier files intact. */
#include "check.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <hdf5.h>
#include <math.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/hash.h"
#include "results/store.h"
#include "results/diff.h"
#include "results/codec.h"
#include "store/store_fixture.h"

static char dir[64];

static const char *P(const char *name) {
    static char buf[8][256];
    static int k = 0;
    k = (k + 1) % 8;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

static long long file_size(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

static unsigned char *slurp(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc(sz > 0 ? (size_t)sz : 1);
    *n = b ? fread(b, 1, (size_t)sz, f) : 0;
    fclose(f);
    return b;
}

static int spit(const char *path, const unsigned char *b, size_t n) {
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    size_t w = fwrite(b, 1, n, f);
    return (fclose(f) == 0 && w == n) ? 0 : -1;
}

static int read_all(const char *path, fx_list *l, fu_journal_diag *d, fu_err *e) {
    memset(l, 0, sizeof *l);
    return fu_journal_read(path, NULL, fx_collect, l, d, e);
}

static fu_run_info test_run(const char *sweep) {
    fu_run_info ri;
    fu_run_info_local(&ri);
    ri.ranks = 8;
    ri.group_size = 2;
    ri.shard_index = 0;
    ri.shard_count = 1;
    ri.sweep = (char *)sweep;
    return ri;
}

/* Appends recs[0..n) to a (new or existing) journal. */
static int append_all(const char *path, const fu_run_info *run, fu_record *recs, int n) {
    fu_err e;
    fu_journal *j;
    if (fu_journal_open(path, run, &j, NULL, &e)) {
        fprintf(stderr, "open: %s\n", e.msg);
        return -1;
    }
    for (int i = 0; i < n; i++)
        if (fu_journal_append(j, &recs[i], 0, &e)) {
            fprintf(stderr, "append: %s\n", e.msg);
            fu_journal_close(j, &e);
            return -1;
        }
    return fu_journal_close(j, &e) ? -1 : 0;
}

/* A spread of records: every state, with and without results/forces. */
#define NREC 12
static void make_records(fu_record *r) {
    static const int states[NREC] = {FU_RECORD_QUEUED, FU_RECORD_STARTED, FU_RECORD_DONE,
                                     FU_RECORD_FAILED, FU_RECORD_INVALID, FU_RECORD_DONE,
                                     FU_RECORD_DONE,   FU_RECORD_FAILED,  FU_RECORD_STARTED,
                                     FU_RECORD_DONE,   FU_RECORD_DONE,    FU_RECORD_DONE};
    for (int i = 0; i < NREC; i++)
        if (fx_record(&r[i], i, states[i], 1 + i % 3, 1 + i % 4, 1 + i % 5, 4 + i % 3))
            fprintf(stderr, "fixture %d failed\n", i);
    r[6].res.natom = 0; /* a done record with no atoms and no k-points is still a record */
    r[6].res.nk = 0;
}

static void test_roundtrip(void) {
    fu_record r[NREC];
    make_records(r);
    fu_err e;
    /* codec alone */
    for (int i = 0; i < NREC; i++) {
        unsigned char *buf;
        size_t len;
        fu_record back;
        CHECK(fu_codec_record_encode(&r[i], &buf, &len, &e) == FU_OK, "a valid record encodes");
        CHECK(fu_codec_record_decode(buf, len, &back, &e) == FU_OK, "and decodes");
        CHECK(fu_diff_record(&r[i], &back, 1) == NULL, "decode(encode(r)) == r, bit for bit");
        fu_record_free(&back);
        CHECK(fu_codec_record_decode(buf, len - 1, &back, &e) == FU_EINPUT,
              "a payload one byte short is malformed, not misread");
        free(buf);
        fu_record_free(&back);
    }
    fu_record cp;
    fu_record_init(&cp);
    CHECK(fu_record_copy(&cp, &r[2], &e) == FU_OK && !fu_diff_record(&cp, &r[2], 1),
          "deep copy equals the original");
    cp.res.eig[1] += 1e-15;
    CHECK(fu_diff_record(&cp, &r[2], 1) && !strcmp(fu_diff_record(&cp, &r[2], 1), "eigenvalues"),
          "diff names the first differing field");
    fu_record_free(&cp);

    /* through a journal file, over two sessions */
    const char *path = P("roundtrip.jnl");
    fu_run_info run = test_run("sweep: roundtrip\n");
    CHECK(append_all(path, &run, r, NREC / 2) == 0, "first session appends");
    CHECK(append_all(path, &run, r + NREC / 2, NREC - NREC / 2) == 0, "second session appends");
    fx_list l;
    fu_journal_diag d;
    CHECK(read_all(path, &l, &d, &e) == FU_OK, "journal reads");
    CHECK(l.n == NREC && d.nrecords == NREC && d.nruns == 2, "all records and both sessions read");
    int same = l.n == NREC;
    for (size_t i = 0; same && i < l.n; i++) same = !fu_diff_record(&l.rec[i], &r[i], 1);
    CHECK(same, "N records written, the same N read back in order, bit for bit");
    CHECK(d.nbad == 0 && d.torn_bytes == 0 && d.warning[0] == '\0', "a clean journal reports nothing");
    fx_list_free(&l);

    fu_record bad;
    fu_record_init(&bad);
    CHECK(fu_record_set_id(&bad, "12345", &e) == FU_EINPUT && strstr(e.msg, "16 hex"),
          "a short candidate id is refused with a message");
    CHECK(fu_record_set_id(&bad, "0123456789ABCDEF", &e) == FU_OK &&
              !strcmp(bad.id, "0123456789abcdef"), "ids are stored in lowercase");
    fu_journal *j;
    CHECK(fu_journal_open(path, NULL, &j, NULL, &e) == FU_OK, "reopen");
    bad.state = 9;
    CHECK(fu_journal_append(j, &bad, 1, &e) == FU_EINPUT && strstr(e.msg, path),
          "a record with an unknown state is refused, naming the journal");
    fu_journal_close(j, &e);
    for (int i = 0; i < NREC; i++) fu_record_free(&r[i]);
}

static void test_truncation(void) {
    fu_record r[NREC];
    make_records(r);
    fu_err e;
    const char *full = P("full.jnl"), *cut = P("cut.jnl");
    fu_run_info run = test_run("sweep: cut\n");
    append_all(full, &run, r, NREC - 1);
    long long s1 = file_size(full);
    append_all(full, NULL, r + NREC - 1, 1); /* the last record, done with a result */
    long long s2 = file_size(full);
    size_t n;
    unsigned char *bytes = slurp(full, &n);
    CHECK(bytes && (long long)n == s2 && s2 > s1 + 500, "journal with a large last record");
    int reads_ok = 1, repairs_ok = 1, cuts = 0;
    for (long long c = s1; c < s2 && bytes; c++) {
        cuts++;
        spit(cut, bytes, (size_t)c);
        fx_list l;
        fu_journal_diag d;
        int rc = read_all(cut, &l, &d, &e);
        int ok = rc == FU_OK && l.n == NREC - 1 && d.nbad == 0 && d.torn_bytes == c - s1 &&
                 d.valid_end == s1 && (c == s1 || strstr(d.warning, "torn"));
        for (size_t i = 0; ok && i < l.n; i++) ok = !fu_diff_record(&l.rec[i], &r[i], 1);
        fx_list_free(&l);
        if (!ok && reads_ok) fprintf(stderr, "cut at %lld: rc %d: %s\n", c, rc, rc ? e.msg : d.warning);
        reads_ok &= ok;
        /* Reopening for append cuts the torn tail; appending the lost record
         * again must reproduce the intact journal byte for byte. */
        fu_journal *j;
        fu_journal_scan sc;
        ok = fu_journal_open(cut, NULL, &j, &sc, &e) == FU_OK;
        ok = ok && sc.diag.torn_bytes == c - s1 && fu_journal_append(j, &r[NREC - 1], 0, &e) == FU_OK;
        ok = fu_journal_close(j, &e) == FU_OK && ok;
        fu_journal_scan_free(&sc);
        size_t m;
        unsigned char *again = slurp(cut, &m);
        ok = ok && again && m == n && memcmp(again, bytes, n) == 0;
        free(again);
        repairs_ok &= ok;
    }
    printf("truncation: last record %lld bytes, cut at each of %d offsets\n", s2 - s1, cuts);
    CHECK(reads_ok, "a journal cut anywhere in its last record reads the preceding records exactly, "
                    "reports the torn tail, never fails");
    CHECK(repairs_ok, "reopening for append cuts the torn tail; re-appending restores the journal "
                      "byte for byte");

    /* Cut inside the 16-byte file header: an empty journal, not an error. */
    int hdr_ok = 1;
    for (size_t c = 0; c < 16 && bytes; c++) {
        spit(cut, bytes, c);
        fx_list l;
        fu_journal_diag d;
        hdr_ok &= read_all(cut, &l, &d, &e) == FU_OK && l.n == 0;
        fx_list_free(&l);
        fu_journal *j;
        fu_journal_scan sc;
        hdr_ok &= fu_journal_open(cut, NULL, &j, &sc, &e) == FU_OK && sc.ncand == 0;
        fu_journal_close(j, &e);
        fu_journal_scan_free(&sc);
        hdr_ok &= file_size(cut) == 16;
    }
    CHECK(hdr_ok, "a journal torn inside its header reads as empty and is re-created on opening");
    free(bytes);
    for (int i = 0; i < NREC; i++) fu_record_free(&r[i]);
}

static void test_corruption(void) {
    fu_record r[NREC];
    make_records(r);
    fu_err e;
    const char *good = P("good.jnl"), *bad = P("bad.jnl");
    long long off[NREC + 1];
    fu_run_info run = test_run("sweep: corrupt\n");
    fu_journal *j;
    fu_journal_open(good, &run, &j, NULL, &e);
    for (int i = 0; i < NREC; i++) {
        off[i] = file_size(good);
        fu_journal_append(j, &r[i], 0, &e);
    }
    fu_journal_close(j, &e);
    off[NREC] = file_size(good);
    size_t n;
    unsigned char *bytes = slurp(good, &n);

    /* A flipped bit in the payload, the checksum, the length or the magic of
     * record k: that record alone is skipped and reported. */
    static const int where[] = {45, 20, 8, 5, 1}; /* 1-based byte within the frame */
    static const char *what[] = {"payload", "checksum", "length (high byte)", "length (low byte)", "magic"};
    for (int w = 0; w < 5; w++) {
        int k = 3 + w;
        unsigned char *b = malloc(n);
        memcpy(b, bytes, n);
        b[off[k] + where[w] - 1] ^= 0x10;
        spit(bad, b, n);
        free(b);
        fx_list l;
        fu_journal_diag d;
        int rc = read_all(bad, &l, &d, &e);
        int ok = rc == FU_OK && l.n == NREC - 1 && d.nbad == 1 && d.first_bad_offset == off[k] &&
                 strstr(d.warning, "corrupt");
        for (size_t i = 0, s = 0; ok && i < NREC; i++)
            if ((int)i != k) ok = !fu_diff_record(&l.rec[s++], &r[i], 1);
        if (!ok) fprintf(stderr, "flip in %s: rc %d nbad %zu warning %s\n", what[w], rc, d.nbad, d.warning);
        CHECK(ok, "a bit flip in one record (payload, checksum, length or magic) is detected, "
                  "reported with its offset, and only that record is lost");
        fx_list_free(&l);
    }

    /* Garbage between two records: all records survive, one region reported. */
    {
        unsigned char junk[37];
        for (int i = 0; i < 37; i++) junk[i] = (unsigned char)(i * 97 + 13);
        junk[5] = 0xA5, junk[6] = 'F', junk[7] = 'J', junk[8] = 0x5A; /* a fake frame start */
        unsigned char *b = malloc(n + sizeof junk);
        memcpy(b, bytes, (size_t)off[6]);
        memcpy(b + off[6], junk, sizeof junk);
        memcpy(b + off[6] + sizeof junk, bytes + off[6], n - (size_t)off[6]);
        spit(bad, b, n + sizeof junk);
        free(b);
        fx_list l;
        fu_journal_diag d;
        int rc = read_all(bad, &l, &d, &e);
        CHECK(rc == FU_OK && l.n == NREC && d.nbad == 1 && d.first_bad_offset == off[6],
              "inserted garbage is skipped (resynchronised on the next intact frame) and reported");
        fx_list_free(&l);
        /* Appending to a journal with a corrupt middle keeps the later records. */
        CHECK(fu_journal_open(bad, NULL, &j, NULL, &e) == FU_OK, "open for append despite corruption");
        fu_journal_append(j, &r[0], 1, &e);
        fu_journal_close(j, &e);
        rc = read_all(bad, &l, &d, &e);
        CHECK(rc == FU_OK && l.n == NREC + 1 && !fu_diff_record(&l.rec[NREC], &r[0], 1),
              "appending does not truncate intact records that follow a corrupt region");
        fx_list_free(&l);
    }
    /* A flipped bit in the last record: a damaged tail, cut on reopening. */
    {
        unsigned char *b = malloc(n);
        memcpy(b, bytes, n);
        b[off[NREC - 1] + 100] ^= 1;
        spit(bad, b, n);
        free(b);
        fx_list l;
        fu_journal_diag d;
        int rc = read_all(bad, &l, &d, &e);
        CHECK(rc == FU_OK && l.n == NREC - 1 && d.torn_bytes == off[NREC] - off[NREC - 1],
              "a damaged last record is reported as a torn tail");
        fx_list_free(&l);
    }
    /* Not a journal; a newer journal format. */
    {
        spit(bad, (const unsigned char *)"energy,volume\n1,2\n", 18);
        CHECK(fu_journal_read(bad, NULL, NULL, NULL, NULL, &e) == FU_EINPUT &&
                  strstr(e.msg, "not a furui journal") && strstr(e.msg, bad),
              "a foreign file is refused as 'not a furui journal', naming it");
        CHECK(fu_journal_open(bad, NULL, &j, NULL, &e) == FU_EINPUT && file_size(bad) == 18,
              "and is not modified by an attempt to append");
        unsigned char *b = malloc(n);
        memcpy(b, bytes, n);
        b[8] = FU_JOURNAL_VERSION + 1;
        spit(bad, b, n);
        free(b);
        CHECK(fu_journal_read(bad, NULL, NULL, NULL, NULL, &e) == FU_EINPUT && strstr(e.msg, "newer"),
              "a journal of a newer format version is refused");
        CHECK(fu_journal_read(P("absent.jnl"), NULL, NULL, NULL, NULL, &e) == FU_EIO &&
                  strstr(e.msg, "absent.jnl"), "a missing journal is an I/O error naming it");
    }
    free(bytes);
    for (int i = 0; i < NREC; i++) fu_record_free(&r[i]);
}

/* The lifecycle of 8 candidates in one journal, with retries, a crash and a
 * duplicated "done" (crash after writing it, before the next record). */
static void scenario(const char *path, const char *sweep, fu_record *winners) {
    fu_record x[32];
    int n = 0;
#define REC(i, st, att) fx_record(&x[n++], i, st, att, 2, 3, 4)
    REC(0, FU_RECORD_QUEUED, 0), REC(1, FU_RECORD_QUEUED, 0), REC(5, FU_RECORD_QUEUED, 0);
    REC(0, FU_RECORD_STARTED, 1), REC(0, FU_RECORD_DONE, 1);
    REC(1, FU_RECORD_STARTED, 1), REC(1, FU_RECORD_FAILED, 1), REC(1, FU_RECORD_STARTED, 2),
        REC(1, FU_RECORD_DONE, 2);
    REC(2, FU_RECORD_STARTED, 1), REC(2, FU_RECORD_FAILED, 1), REC(2, FU_RECORD_STARTED, 2),
        REC(2, FU_RECORD_FAILED, 2);
    REC(3, FU_RECORD_INVALID, 0);
    REC(4, FU_RECORD_STARTED, 1);
    REC(6, FU_RECORD_STARTED, 1), REC(6, FU_RECORD_DONE, 1), REC(6, FU_RECORD_DONE, 1);
    REC(7, FU_RECORD_STARTED, 1), REC(7, FU_RECORD_DONE, 1), REC(7, FU_RECORD_STARTED, 2);
#undef REC
    fu_run_info run = test_run(sweep);
    append_all(path, &run, x, n);
    /* expected rows, ascending id order is the test's business */
    int last[8] = {4, 8, 12, 13, 14, 2, 17, 19};
    fu_err e;
    for (int i = 0; i < 8; i++) {
        fu_record_init(&winners[i]);
        fu_record_copy(&winners[i], &x[last[i]], &e);
    }
    winners[7].attempt = 2;
    for (int i = 0; i < n; i++) fu_record_free(&x[i]);
}

static int attr_units(hid_t f, const char *dset, const char *want) {
    hid_t d = H5Dopen2(f, dset, H5P_DEFAULT);
    if (d < 0) return 0;
    int ok = 0;
    if (H5Aexists(d, "units") > 0) {
        hid_t a = H5Aopen(d, "units", H5P_DEFAULT);
        hid_t t = H5Aget_type(a);
        char buf[128] = {0};
        if (H5Tget_size(t) < sizeof buf && H5Aread(a, t, buf) >= 0) ok = !strcmp(buf, want);
        H5Tclose(t);
        H5Aclose(a);
    }
    H5Dclose(d);
    return ok;
}

static void test_finalize_resume(void) {
    fu_err e;
    const char *jp = P("shard0.jnl"), *hp = P("RESULTS.h5");
    const char *sweep = "sweep:\n  name: test campaign\n  ecut: 15 Ha\n";
    fu_record want[8];
    scenario(jp, sweep, want);

    fu_store_report rep;
    int rc = fu_results_finalize(jp, hp, &rep, &e);
    CHECK(rc == FU_OK, "finalize succeeds");
    if (rc) fprintf(stderr, "%s\n", e.msg);
    CHECK(rep.ncand == 8 && rep.ndone == 4 && rep.nfailed == 1 && rep.ninvalid == 1 &&
              rep.nunfinished == 2 && rep.nrecords == 21 && rep.nsuperseded == 13,
          "report counts: 8 candidates from 21 records (4 done, 1 failed, 1 invalid, 2 unfinished)");
    printf("finalize: %zu records -> %zu candidates (%zu done, %zu failed, %zu invalid, %zu "
           "unfinished)\n", rep.nrecords, rep.ncand, rep.ndone, rep.nfailed, rep.ninvalid,
           rep.nunfinished);
    fu_results r;
    rc = fu_results_read(hp, &r, &e);
    CHECK(rc == FU_OK && r.n == 8, "the C reader opens the results file with all 8 candidates");
    if (rc) fprintf(stderr, "%s\n", e.msg);
    int all = r.n == 8;
    for (int i = 0; all && i < 8; i++) {
        char id[17];
        fx_id(i, id);
        long k = fu_results_find(&r, id);
        all = k >= 0 && !fu_diff_record(&r.rec[k], &want[i], 0);
        if (all && i != 7) all = r.rec[k].attempt == want[i].attempt;
        if (!all) fprintf(stderr, "candidate %d: %s\n", i, k < 0 ? "missing" : fu_diff_record(&r.rec[k], &want[i], 0));
    }
    CHECK(all, "each candidate appears once, as its last terminal record (else its last record), "
               "with every result field exact");
    CHECK(r.rec[fu_results_find(&r, want[7].id)].state == FU_RECORD_DONE &&
              r.rec[fu_results_find(&r, want[7].id)].attempt == 2,
          "an interrupted rerun does not undo a done candidate; attempts counts it");
    CHECK(r.nruns == 1 && r.sweep && !strcmp(r.sweep, sweep) && r.runs[0].ranks == 8 &&
              r.runs[0].group_size == 2,
          "provenance keeps the verbatim sweep and the session (ranks, group size)");
    CHECK(r.nsources == 1 && !strcmp(r.sources[0].kind, "journal") && strlen(r.sources[0].sha256) == 64,
          "the source journal and its checksum are recorded");
    fu_results_free(&r);

    hid_t f = H5Fopen(hp, H5F_ACC_RDONLY, H5P_DEFAULT);
    CHECK(f >= 0, "plain HDF5 opens the file");
    CHECK(attr_units(f, "candidates/energy/total", "Ha") && attr_units(f, "candidates/energy/xc", "Ha") &&
              attr_units(f, "candidates/volume", "bohr^3") && attr_units(f, "candidates/forces", "Ha/bohr") &&
              attr_units(f, "candidates/stress", "Ha/bohr^3") &&
              attr_units(f, "candidates/eigenvalues", "Ha") && attr_units(f, "candidates/band_gap", "Ha") &&
              attr_units(f, "candidates/energy/total_per_atom", "Ha/atom"),
          "quantities carry units attributes");
    hid_t d = H5Dopen2(f, "failures/id", H5P_DEFAULT);
    hid_t sp = H5Dget_space(d);
    CHECK(H5Sget_simple_extent_npoints(sp) == 2, "the failures table lists the failed and the invalid candidate");
    H5Sclose(sp);
    H5Dclose(d);
    H5Fclose(f);

    /* Resume: opening the journal again tells which candidates to skip. */
    fu_journal *j;
    fu_journal_scan sc;
    fu_run_info run = test_run(sweep);
    CHECK(fu_journal_open(jp, &run, &j, &sc, &e) == FU_OK && sc.ncand == 8, "reopen for resume");
    int skip[8], expect_skip[8] = {1, 1, 1, 1, 0, 0, 1, 1};
    int ok = 1;
    for (int i = 0; i < 8; i++) {
        const fu_journal_status *st = fu_journal_scan_find(&sc, want[i].id);
        skip[i] = st && st->final;
        ok &= st && skip[i] == expect_skip[i];
    }
    CHECK(ok, "done, invalid and failed-final candidates are marked final; started, queued are not");
    const fu_journal_status *s4 = fu_journal_scan_find(&sc, want[4].id);
    CHECK(s4 && s4->state == FU_RECORD_STARTED && s4->attempts == 1,
          "an interrupted attempt shows as started with its attempt number");
    CHECK(fu_journal_scan_find(&sc, "ffffffffffffffff") == NULL, "an unknown id is not found");
    /* The resumed run skips the final ones and finishes the others. */
    int ran = 0;
    for (int i = 0; i < 8; i++) {
        if (skip[i]) continue;
        fu_record x;
        int att = fu_journal_scan_find(&sc, want[i].id)->attempts + 1;
        fx_record(&x, i, FU_RECORD_STARTED, att, 2, 3, 4);
        fu_journal_append(j, &x, 1, &e);
        fu_record_free(&x);
        fx_record(&x, i, FU_RECORD_DONE, att, 2, 3, 4);
        fu_journal_append(j, &x, 1, &e);
        fu_record_free(&x);
        ran++;
    }
    fu_journal_close(j, &e);
    fu_journal_scan_free(&sc);
    CHECK(ran == 2, "only the two unfinished candidates are run again");
    rc = fu_results_finalize(jp, hp, &rep, &e);
    CHECK(rc == FU_OK && rep.ncand == 8 && rep.ndone == 6 && rep.nunfinished == 0,
          "after the resumed run, finalize has 8 candidates, 6 done, none unfinished");
    CHECK(fu_results_read(hp, &r, &e) == FU_OK && r.nruns == 2, "both sessions are in the provenance");
    fu_results_free(&r);
    for (int i = 0; i < 8; i++) fu_record_free(&want[i]);

    /* An empty journal finalizes to an empty, readable results file. */
    fu_journal_open(P("empty.jnl"), NULL, &j, NULL, &e);
    fu_journal_close(j, &e);
    CHECK(fu_results_finalize(P("empty.jnl"), P("empty.h5"), &rep, &e) == FU_OK &&
              fu_results_read(P("empty.h5"), &r, &e) == FU_OK && r.n == 0,
          "an empty journal gives a valid results file with 0 candidates");
    fu_results_free(&r);
}

static void test_merge(void) {
    fu_err e;
    fu_record x[8];
    /* shard A (results file): 0 done, 1 failed-final, 2 done */
    fx_record(&x[0], 0, FU_RECORD_DONE, 1, 2, 2, 3);
    fx_record(&x[1], 1, FU_RECORD_FAILED, 2, 0, 0, 0);
    fx_record(&x[2], 2, FU_RECORD_DONE, 1, 2, 2, 3);
    append_all(P("a.jnl"), NULL, x, 3);
    fu_results_finalize(P("a.jnl"), P("a.h5"), NULL, &e);
    /* shard B (journal): 2 done (identical), 1 done (supersedes the failure), 3 done */
    fx_record(&x[3], 1, FU_RECORD_DONE, 1, 2, 2, 3);
    fx_record(&x[4], 3, FU_RECORD_DONE, 1, 2, 2, 3);
    x[2].group = 3; /* computed elsewhere: meta data differ, the outcome does not */
    x[2].time_end += 100;
    fu_record b[3] = {x[2], x[3], x[4]};
    append_all(P("b.jnl"), NULL, b, 3);
    /* shard C (results): 4 failed, not final; 9 done (not expected) */
    fx_record(&x[5], 4, FU_RECORD_FAILED, 1, 0, 0, 0);
    fx_record(&x[6], 9, FU_RECORD_DONE, 1, 1, 1, 2);
    append_all(P("c.jnl"), NULL, x + 5, 2);
    fu_results_finalize(P("c.jnl"), P("c.h5"), NULL, &e);

    char ids[7][17];
    const char *expected[7];
    for (int i = 0; i < 6; i++) fx_id(i, ids[i]), expected[i] = ids[i];
    expected[6] = ids[0]; /* repeats in the expected list are harmless */
    const char *inputs[3] = {P("a.h5"), P("b.jnl"), P("c.h5")};
    fu_merge_report rep;
    int rc = fu_results_merge(inputs, 3, expected, 7, P("merged.h5"), &rep, &e);
    CHECK(rc == FU_OK, "merge of two results files and a journal succeeds");
    if (rc) fprintf(stderr, "%s\n", e.msg);
    printf("merge: %zu candidates, %zu collapsed, %zu superseded, %zu missing, %zu unexpected, "
           "%zu failed\n", rep.ncand, rep.ncollapsed, rep.nsuperseded, rep.nmissing,
           rep.nunexpected, rep.nfailed_ids);
    CHECK(rep.ncand == 6 && rep.ncollapsed == 1 && rep.nsuperseded == 1,
          "identical duplicate collapsed; the failure superseded by the done result");
    CHECK(rep.nmissing == 1 && !strcmp(rep.missing[0], ids[5]), "the expected but absent candidate is reported missing");
    char id9[17];
    fx_id(9, id9);
    CHECK(rep.nunexpected == 1 && !strcmp(rep.unexpected[0], id9), "a candidate outside the expected list is reported");
    CHECK(rep.nfailed_ids == 1 && !strcmp(rep.failed[0], ids[4]) && rep.ndone == 5,
          "failed candidates are listed");
    fu_merge_report_free(&rep);
    fu_results r;
    CHECK(fu_results_read(P("merged.h5"), &r, &e) == FU_OK && r.n == 6, "merged file reads back");
    long k1 = fu_results_find(&r, ids[1]);
    CHECK(k1 >= 0 && r.rec[k1].state == FU_RECORD_DONE && !fu_diff_record(&r.rec[k1], &x[3], 0) &&
              r.rec[k1].attempt == 2, "candidate 1 is the done result, attempts the highest seen");
    int once = 1;
    for (size_t i = 1; i < r.n; i++) once &= strcmp(r.rec[i - 1].id, r.rec[i].id) < 0;
    CHECK(once, "every candidate appears exactly once (strictly ascending ids)");
    CHECK(r.nsources == 3 && !strcmp(r.sources[0].kind, "results") && !strcmp(r.sources[1].kind, "journal"),
          "the merged file lists its three sources and their kinds");
    fu_results_free(&r);

    /* Merging the merged file with a shard again: all duplicates identical. */
    const char *again[2] = {P("merged.h5"), P("a.h5")};
    rc = fu_results_merge(again, 2, NULL, 0, NULL, &rep, &e);
    CHECK(rc == FU_OK && rep.ncand == 6 && rep.ncollapsed == 2 && rep.nsuperseded == 1,
          "re-merging a shard into the merged file changes nothing (check-only mode)");
    fu_merge_report_free(&rep);

    /* Rounding noise (another rank count): candidate 0 done in two shards with
     * energies and eigenvalues 1e-13 apart and another iteration count
     * collapses within the merge tolerance. */
    fx_record(&x[7], 0, FU_RECORD_DONE, 1, 2, 2, 3);
    x[7].res.etotal += 1e-13 * fabs(x[7].res.etotal) + 1e-13;
    if (x[7].res.nk * x[7].res.nband > 0) x[7].res.eig[0] += 1e-13;
    x[7].res.iterations += 1;
    append_all(P("n.jnl"), NULL, x + 7, 1);
    const char *noise[2] = {P("a.h5"), P("n.jnl")};
    rc = fu_results_merge(noise, 2, NULL, 0, NULL, &rep, &e);
    CHECK(rc == FU_OK && rep.nconflicts == 0 && rep.nclose == 1,
          "done results equal within the merge tolerance collapse (no conflict)");
    fu_merge_report_free(&rep);

    /* Conflict: candidate 0 done in two shards with different energies
     * (1e-6 Ha: far beyond the tolerance, a real difference). */
    fx_record(&x[7], 0, FU_RECORD_DONE, 1, 2, 2, 3);
    x[7].res.etotal += 1e-6;
    append_all(P("d.jnl"), NULL, x + 7, 1);
    const char *conflict[2] = {P("a.h5"), P("d.jnl")};
    rc = fu_results_merge(conflict, 2, NULL, 0, P("conflict.h5"), &rep, &e);
    CHECK(rc == FU_EINPUT && strstr(e.msg, ids[0]) && strstr(e.msg, "energy/total") &&
              strstr(e.msg, "d.jnl") && rep.nconflicts == 1,
          "two different done results are an error naming the candidate, both inputs and the field");
    CHECK(file_size(P("conflict.h5")) < 0, "nothing is written when merging finds a conflict");
    printf("conflict message: %s\n", e.msg);
    fu_merge_report_free(&rep);
    const char *bad_exp[1] = {"xyz"};
    CHECK(fu_results_merge(inputs, 1, bad_exp, 1, NULL, &rep, &e) == FU_EINPUT && strstr(e.msg, "expected id 1"),
          "a malformed expected id is refused");
    fu_merge_report_free(&rep);
    for (int i = 0; i < 8; i++) fu_record_free(&x[i]);
}

static void test_schema(void) {
    fu_err e;
    fu_results r;
    const char *hp = P("RESULTS.h5"), *nv = P("newer.h5");
    size_t n;
    unsigned char *b = slurp(hp, &n);
    spit(nv, b, n);
    free(b);
    hid_t f = H5Fopen(nv, H5F_ACC_RDWR, H5P_DEFAULT);
    hid_t a = H5Aopen(f, "schema_version", H5P_DEFAULT);
    long long newer = FU_RESULTS_SCHEMA_VERSION + 1;
    H5Awrite(a, H5T_NATIVE_LLONG, &newer);
    H5Aclose(a);
    H5Fclose(f);
    int rc = fu_results_read(nv, &r, &e);
    CHECK(rc == FU_EINPUT && strstr(e.msg, "newer") && strstr(e.msg, "schema_version 3") && strstr(e.msg, nv),
          "a results file of a newer schema_version is refused, saying so");
    printf("newer schema: %s\n", e.msg);

    const char *other = P("other.h5");
    f = H5Fcreate(other, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, 10);
    hid_t sp = H5Screate(H5S_SCALAR);
    a = H5Acreate2(f, "schema", t, sp, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(a, t, "furui.scf");
    H5Aclose(a);
    H5Sclose(sp);
    H5Tclose(t);
    H5Fclose(f);
    CHECK(fu_results_read(other, &r, &e) == FU_EINPUT && strstr(e.msg, "not a furui results file") &&
              strstr(e.msg, "furui.scf"), "an HDF5 file of another schema is refused, naming the schema");
    f = H5Fcreate(other, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    H5Fclose(f);
    CHECK(fu_results_read(other, &r, &e) == FU_EINPUT && strstr(e.msg, "no 'schema'"),
          "an HDF5 file without a schema attribute is refused");
    spit(P("text.h5"), (const unsigned char *)"hello\n", 6);
    CHECK(fu_results_read(P("text.h5"), &r, &e) == FU_EINPUT && strstr(e.msg, "not an HDF5"),
          "a non-HDF5 file is refused as such");
    CHECK(fu_results_load(P("text.h5"), &r, NULL, &e) == FU_EINPUT && strstr(e.msg, "not an HDF5 results file"),
          "loading a few-byte *.h5 says it is not a results file (not read as a journal)");
    spit(P("text.journal"), (const unsigned char *)"hello, not a journal\n", 21);
    CHECK(fu_results_load(P("text.journal"), &r, NULL, &e) == FU_EINPUT && strstr(e.msg, "not a furui journal"),
          "loading a file that is neither results nor journal says what it is not");
}

static void test_lock_and_dirs(void) {
    fu_err e;
    fu_journal *j1, *j2;
    const char *jp = P("locked.jnl");
    CHECK(fu_journal_open(jp, NULL, &j1, NULL, &e) == FU_OK, "first writer opens");
    CHECK(fu_journal_open(jp, NULL, &j2, NULL, &e) == FU_EIO && strstr(e.msg, "locked"),
          "a second writer of the same shard is refused (one coordinator per shard)");
    fu_journal_close(j1, &e);
    CHECK(fu_journal_open(jp, NULL, &j2, NULL, &e) == FU_OK, "after the first closes, the journal opens");
    fu_journal_close(j2, &e);

    /* Unwritable output locations: clear error, journal and old results intact. */
    const char *jsrc = P("shard0.jnl");
    long long jsize = file_size(jsrc), hsize = file_size(P("RESULTS.h5"));
    spit(P("plainfile"), (const unsigned char *)"x", 1);
    int rc = fu_results_finalize(jsrc, P("plainfile/RESULTS.h5"), NULL, &e);
    CHECK(rc == FU_EIO && strstr(e.msg, "plainfile/RESULTS.h5") && strstr(e.msg, "cannot create"),
          "finalize into a path whose directory is a file fails with a message naming it");
    printf("unwritable: %s\n", e.msg);
    rc = fu_results_finalize(jsrc, P("no/such/dir/RESULTS.h5"), NULL, &e);
    CHECK(rc == FU_EIO && strstr(e.msg, "No such file"), "finalize into a missing directory fails clearly");
    if (geteuid() != 0) { /* root ignores permission bits */
        mkdir(P("ro"), 0555);
        rc = fu_results_finalize(jsrc, P("ro/RESULTS.h5"), NULL, &e);
        CHECK(rc == FU_EIO && strstr(e.msg, "Permission denied"), "finalize into a read-only directory fails clearly");
        rc = fu_journal_open(P("ro/j.jnl"), NULL, &j1, NULL, &e);
        CHECK(rc == FU_EIO && strstr(e.msg, "cannot open journal"), "a journal in a read-only directory fails clearly");
        chmod(P("ro"), 0755);
    }
    CHECK(fu_journal_open(P("plainfile/j.jnl"), NULL, &j1, NULL, &e) == FU_EIO &&
              strstr(e.msg, "plainfile/j.jnl"), "a journal in an unusable directory fails, naming it");
    CHECK(file_size(jsrc) == jsize && file_size(P("RESULTS.h5")) == hsize,
          "the journal and the earlier results file are untouched by the failures");
}

static volatile sig_atomic_t got_xfsz = 0;
static void on_xfsz(int sig) {
    (void)sig;
    got_xfsz = 1;
}

/* Child: with the file size limit just above the journal's size, append a
 * large record and finalize a results file. Exit code bits report what
 * failed cleanly (see the parent). */
static int full_disk_child(const char *jp, const char *hp) {
    /* Without a handler SIGXFSZ kills the process. sigaction, not signal():
     * under strict POSIX glibc's signal() resets the handler after one use. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_xfsz;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGXFSZ, &sa, NULL);
    fu_err e;
    fu_journal *j;
    fu_journal_scan sc;
    if (fu_journal_open(jp, NULL, &j, &sc, &e)) return 100;
    fu_journal_scan_free(&sc);
    struct rlimit rl = {(rlim_t)file_size(jp) + 200, RLIM_INFINITY};
    if (setrlimit(RLIMIT_FSIZE, &rl)) return 101;
    int bits = 0;
    fu_record big;
    fx_record(&big, 99, FU_RECORD_DONE, 1, 20, 30, 40); /* ~20 kB: crosses the limit */
    int rc = fu_journal_append(j, &big, 1, &e);
    if (rc == FU_EIO && strstr(e.msg, "File too large") && strstr(e.msg, jp)) bits |= 1;
    fprintf(stderr, "full disk, journal: %s\n", e.msg);
    /* The partial record was cut back off: a small record still fits. */
    fu_record small;
    fx_record(&small, 98, FU_RECORD_QUEUED, 0, 0, 0, 0);
    if (fu_journal_append(j, &small, 1, &e) == FU_OK) bits |= 2;
    fu_journal_close(j, &e);
    rc = fu_results_finalize(jp, hp, NULL, &e);
    if (rc == FU_EIO && strstr(e.msg, hp)) bits |= 4;
    fprintf(stderr, "full disk, results: %s\n", e.msg);
    if (got_xfsz) bits |= 8;
    fu_record_free(&big);
    fu_record_free(&small);
    return bits;
}

static void test_full_disk(void) {
    fu_err e;
    const char *jp = P("fsize.jnl"), *hp = P("fsize.h5");
    /* an existing journal and results file with some candidates */
    fu_record x[4];
    for (int i = 0; i < 4; i++) fx_record(&x[i], i, FU_RECORD_DONE, 1, 8, 20, 30);
    fu_run_info run = test_run("sweep: full disk\n");
    append_all(jp, &run, x, 4);
    CHECK(fu_results_finalize(jp, hp, NULL, &e) == FU_OK, "results before the disk fills");
    size_t nh;
    unsigned char *h_before = slurp(hp, &nh);
    long long jsize = file_size(jp);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) _exit(full_disk_child(jp, hp));
    int status = 0;
    waitpid(pid, &status, 0);
    int bits = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (!WIFEXITED(status)) fprintf(stderr, "full-disk child killed by signal %d\n", WTERMSIG(status));
    CHECK(bits >= 0 && (bits & 1), "a journal append beyond the file size limit fails with "
                                   "'File too large', naming the journal");
    CHECK(bits >= 0 && (bits & 8), "SIGXFSZ was delivered and caught, not fatal");
    CHECK(bits >= 0 && (bits & 2), "the partial record is cut back off, so the next small append succeeds");
    CHECK(bits >= 0 && (bits & 4), "finalize on the full disk fails with a message naming the results file");
    fx_list l;
    fu_journal_diag d;
    CHECK(read_all(jp, &l, &d, &e) == FU_OK && l.n == 5 && d.nbad == 0 && d.torn_bytes == 0 &&
              file_size(jp) > jsize, "the journal is intact: 4 old records + the small one, no torn bytes");
    fx_list_free(&l);
    size_t nh2;
    unsigned char *h_after = slurp(hp, &nh2);
    CHECK(h_before && h_after && nh == nh2 && !memcmp(h_before, h_after, nh),
          "the earlier results file is byte for byte unchanged");
    free(h_before);
    free(h_after);
    /* no temporary HDF5 left behind */
    DIR *dd = opendir(dir);
    int stray = 0;
    struct dirent *de;
    while (dd && (de = readdir(dd)))
        if (strstr(de->d_name, ".tmp.")) stray++;
    if (dd) closedir(dd);
    CHECK(stray == 0, "no temporary files are left behind");
    for (int i = 0; i < 4; i++) fu_record_free(&x[i]);
}

static void test_from_scf(void) {
    fu_err e;
    fu_structure s;
    fu_structure_alloc(&s, 2, &e);
    s.nspecies = 2;
    snprintf(s.symbol[0], sizeof s.symbol[0], "Ga");
    snprintf(s.symbol[1], sizeof s.symbol[1], "As");
    s.znucl[0] = 31, s.znucl[1] = 33;
    s.typat[0] = 0, s.typat[1] = 1;
    s.xred[1][0] = s.xred[1][1] = s.xred[1][2] = 0.25;
    for (int i = 0; i < 3; i++)
        for (int k = 0; k < 3; k++) s.lattice[i][k] = i == k ? 0.0 : 5.34;
    fu_scf_params p;
    fu_scf_params_default(&p);
    p.ecut = 12.5;
    p.kgrid[0] = p.kgrid[1] = p.kgrid[2] = 4;
    fu_scf_result *r = calloc(1, sizeof *r);
    r->etotal = -8.5;
    r->natom = 2, r->nk = 2, r->nband = 3, r->nspecies = 2;
    double kr[2][3] = {{0, 0, 0}, {0.5, 0, 0}}, kw[2] = {0.25, 0.75}, eig[6] = {1, 2, 3, 4, 5, 6};
    double occ[6] = {2, 2, 0, 2, 2, 0}, fr[2][3] = {{0.1, 0, 0}, {-0.1, 0, 0}};
    r->kred = kr, r->kweight = kw, r->eig = eig, r->occ = occ, r->forces = fr;
    r->have_forces = 1;
    snprintf(r->xc_names, sizeof r->xc_names, "lda");
    snprintf(r->psp_names[1], sizeof r->psp_names[1], "As-q5");
    fu_cand_result res;
    memset(&res, 0, sizeof res);
    CHECK(fu_record_result_from_scf(&res, &s, &p, r, &e) == FU_OK, "result from an SCF run");
    CHECK(res.etotal == -8.5 && res.ecut == 12.5 && res.kgrid[2] == 4 && res.natom == 2 &&
              res.atomic_number[1] == 33 && !strcmp(res.formula, "AsGa") && res.eig[4] == 5 &&
              res.forces[1][0] == -0.1 && !strcmp(res.psp_name[1], "As-q5") &&
              !strcmp(res.species[0], "Ga") && !strcmp(res.xc, "lda"),
          "energies, parameters, structure, eigenvalues, forces and pseudopotentials are carried over");
    fu_record rec;
    fu_record_init(&rec);
    rec.res = res;
    rec.have_result = 1;
    fu_record_free(&rec);
    free(r);
    fu_structure_free(&s);
}

static void rm_tree(const char *path) {
    DIR *d = opendir(path);
    if (!d) {
        unlink(path);
        return;
    }
    struct dirent *de;
    char sub[512];
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
        snprintf(sub, sizeof sub, "%s/%s", path, de->d_name);
        rm_tree(sub);
    }
    closedir(d);
    rmdir(path);
}


/* Checkpoint records (type 16, journal.h): round trip; a journal with them reads its
 * candidate records as before with no damage reported; an optional record of a later
 * furui (type >= 16 not known here) is skipped silently, an unknown type below 16 is damage. */
static int ck_collect(void *ctx, fu_record_checkpoint *ck, fu_err *err) {
    (void)err;
    fu_record_checkpoint *out = ctx;
    int i = 0;
    while (out[i].kind) i++;
    out[i] = *ck;
    ck->xred = NULL; /* taken over */
    return FU_OK;
}

static void put_frame(FILE *f, const unsigned char *payload, uint32_t n) {
    char hex[FU_SHA256_HEX_LEN];
    unsigned char head[40] = {0xA5, 'F', 'J', 0x5A, (unsigned char)n, (unsigned char)(n >> 8),
                              (unsigned char)(n >> 16), (unsigned char)(n >> 24)};
    fu_sha256_hex(payload, n, hex, NULL);
    for (int i = 0; i < 32; i++) {
        unsigned v;
        sscanf(hex + 2 * i, "%2x", &v);
        head[8 + i] = (unsigned char)v;
    }
    fwrite(head, 1, 40, f);
    fwrite(payload, 1, n, f);
}

static void test_checkpoints(void) {
    fu_err e;
    double xred[2][3] = {{0, 0, 0}, {0.25, 0.25, 0.2500001}};
    fu_record_checkpoint rl = {.kind = FU_CKPT_RELAX, .attempt = 2, .time = 1.5e9, .nsteps = 3, .natom = 2,
                             .lattice = {{0, 5.1, 5.1}, {5.1, 0, 5.1}, {5.1, 5.1, 0}}, .xred = xred,
                             .fft = {18, 18, 20}, .energy = -7.5};
    fu_record_checkpoint eo = {.kind = FU_CKPT_EOS, .attempt = 2, .time = 1.5e9 + 1, .index = 4,
                             .volume = 270.25, .energy = -7.49};
    memcpy(rl.id, "00000000000000a1", 17);
    memcpy(eo.id, "00000000000000a1", 17);
    unsigned char *buf;
    size_t len;
    fu_record_checkpoint back;
    CHECK(fu_codec_checkpoint_encode(&rl, &buf, &len, &e) == FU_OK, "a relaxation checkpoint encodes");
    CHECK(fu_codec_checkpoint_decode(buf, len, &back, &e) == FU_OK && back.natom == 2 && back.nsteps == 3 &&
              !memcmp(back.xred, xred, sizeof xred) && !memcmp(back.lattice, rl.lattice, sizeof rl.lattice) &&
              back.fft[2] == 20 && back.energy == -7.5 && !strcmp(back.id, rl.id),
          "and decodes bit for bit");
    fu_record_checkpoint_free(&back);
    CHECK(fu_codec_checkpoint_decode(buf, len - 1, &back, &e) == FU_EINPUT, "one byte short is malformed");
    size_t flen = len;
    unsigned char *future = malloc(len);
    memcpy(future, buf, len);
    future[0] = 17; /* an optional record kind this furui does not know */
    free(buf);
    fu_record_checkpoint bad = rl;
    bad.natom = 0;
    CHECK(fu_codec_checkpoint_encode(&bad, &buf, &len, &e) == FU_EINPUT, "a relaxation step needs a structure");

    fu_record r[NREC];
    make_records(r);
    const char *path = P("ckpt.journal");
    fu_run_info run = test_run("name: ckpt\n");
    CHECK(append_all(path, &run, r, 4) == 0, "journal written");
    fu_journal *j;
    CHECK(fu_journal_open(path, NULL, &j, NULL, &e) == FU_OK, "reopen");
    CHECK(fu_journal_append_checkpoint(j, &rl, 0, &e) == FU_OK, "relaxation checkpoint appended");
    CHECK(fu_journal_append_checkpoint(j, &eo, 0, &e) == FU_OK, "EOS checkpoint appended");
    CHECK(fu_journal_append(j, &r[4], 0, &e) == FU_OK, "a candidate record after them");
    fu_journal_close(j, &e);
    FILE *f = fopen(path, "ab");
    put_frame(f, future, (uint32_t)flen);
    unsigned char t5[1] = {5};
    fclose(f);

    fx_list l;
    fu_journal_diag d;
    CHECK(read_all(path, &l, &d, &e) == FU_OK && l.n == 5, "the candidate records read as before");
    CHECK(d.nbad == 0 && d.warning[0] == '\0', "checkpoints and a later optional record are no damage");
    if (d.warning[0]) fprintf(stderr, "%s\n", d.warning);
    fx_list_free(&l);
    fu_record_checkpoint got[4];
    memset(got, 0, sizeof got);
    CHECK(fu_journal_read_checkpoints(path, ck_collect, got, &e) == FU_OK, "checkpoints read");
    CHECK(got[0].kind == FU_CKPT_RELAX && got[0].natom == 2 && !memcmp(got[0].xred, xred, sizeof xred) &&
              got[1].kind == FU_CKPT_EOS && got[1].volume == 270.25 && got[1].index == 4 && got[2].kind == 0,
          "both, in file order, the future one skipped");
    for (int i = 0; i < 4; i++) fu_record_checkpoint_free(&got[i]);
    fu_store_report sr;
    CHECK(fu_results_finalize(path, P("ckpt.h5"), &sr, &e) == FU_OK && sr.ncand == 5,
          "finalize ignores checkpoints: one row per candidate");
    /* a type below 16 that this furui does not know is damage, as before */
    f = fopen(path, "ab");
    put_frame(f, t5, 1);
    fclose(f);
    CHECK(read_all(path, &l, &d, &e) == FU_OK && l.n == 5 && d.nbad == 1, "an unknown type 5 is counted as damage");
    fx_list_free(&l);
    free(future);
    free(buf);
    for (int i = 0; i < NREC; i++) fu_record_free(&r[i]);
}

int main(void) {
    snprintf(dir, sizeof dir, "store_test_XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_roundtrip();
    test_truncation();
    test_corruption();
    test_finalize_resume();
    test_merge();
    test_schema();
    test_lock_and_dirs();
    test_full_disk();
    test_from_scf();
    test_checkpoints();
    if (!check_failures) rm_tree(dir);
    else fprintf(stderr, "files kept in %s\n", dir);
    CHECK_DONE();
}
