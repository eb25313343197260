/* Writes the seed corpora of the record and journal harnesses from the store
 * test fixture (tests/store/store_fixture.h). Not part of the build; rerun by
 * hand if the journal format changes, linking as the harnesses are linked
 * (see BUILD/tests/CMakeFiles/fuzz_record.dir/link.txt):
 *   cc -std=c11 -D_POSIX_C_SOURCE=200809L -Isrc -Itests -IBUILD/generated \
 *      -I/usr/include/hdf5/openmpi -isystem /usr/lib/x86_64-linux-gnu/openmpi/include \
 *      tests/fuzz/make_journal_seeds.c BUILD/libfurui.a LIBS... -o make_seeds
 *   ./make_seeds tests/fuzz/corpus /tmp/scratch.journal
 * The session record carries this machine's host name and MPI version. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_fixture.h"

static void write_file(const char *dir, const char *name, unsigned char prefix, int use_prefix,
                       const unsigned char *d, size_t n) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f) {
        perror(path);
        exit(1);
    }
    if (use_prefix) fputc(prefix, f);
    fwrite(d, 1, n, f);
    fclose(f);
}

static unsigned char *slurp(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    if (!f) exit(1);
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc((size_t)len + 1);
    if (fread(b, 1, (size_t)len, f) != (size_t)len) exit(1);
    fclose(f);
    *n = (size_t)len;
    return b;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s CORPUS_DIR SCRATCH_JOURNAL\n", argv[0]);
        return 64;
    }
    char rdir[1024], jdir[1024];
    snprintf(rdir, sizeof rdir, "%s/record", argv[1]);
    snprintf(jdir, sizeof jdir, "%s/journal", argv[1]);
    static const int states[] = {FU_RECORD_QUEUED, FU_RECORD_STARTED, FU_RECORD_DONE,
                                 FU_RECORD_FAILED, FU_RECORD_INVALID, FU_RECORD_DONE};
    static const char *names[] = {"queued", "started", "done", "failed", "invalid", "done_forces"};
    fu_err e;
    remove(argv[2]);
    fu_run_info ri;
    fu_run_info_local(&ri);
    ri.ranks = 4;
    ri.group_size = 2;
    ri.shard_count = 1;
    ri.sweep = "candidates:\n  - prototype: diamond\n    A: Si\n";
    fu_journal *j;
    if (fu_journal_open(argv[2], &ri, &j, NULL, &e)) {
        fprintf(stderr, "%s\n", e.msg);
        return 1;
    }
    for (int i = 0; i < 6; i++) {
        fu_record r;
        if (fx_record(&r, i, states[i], i == 3 ? 2 : 1, 2, 2, 3)) return 1;
        unsigned char *buf;
        size_t len;
        if (fu_codec_record_encode(&r, &buf, &len, &e)) {
            fprintf(stderr, "%s\n", e.msg);
            return 1;
        }
        write_file(rdir, names[i], 0, 0, buf, len);
        free(buf);
        if (fu_journal_append(j, &r, 0, &e)) return 1;
        fu_record_free(&r);
    }
    if (fu_journal_close(j, &e)) return 1;
    size_t n;
    unsigned char *jn = slurp(argv[2], &n);
    /* raw mode (first byte even): the file itself, torn, damaged, header only */
    write_file(jdir, "raw_intact", 0, 1, jn, n);
    write_file(jdir, "raw_torn", 0, 1, jn, n - 17);
    unsigned char *dmg = malloc(n);
    memcpy(dmg, jn, n);
    dmg[16 + 40 + 5] ^= 0x40; /* a bit flip in the session record */
    write_file(jdir, "raw_damaged", 0, 1, dmg, n);
    free(dmg);
    write_file(jdir, "raw_header_only", 0, 1, jn, 16);
    write_file(jdir, "raw_torn_header", 0, 1, jn, 7);
    /* framed mode (first byte odd): u16 length | payload per frame */
    unsigned char *fr = malloc(n);
    size_t m = 0;
    for (size_t off = 16; off + 40 <= n;) {
        size_t len = (size_t)jn[off + 4] | (size_t)jn[off + 5] << 8 | (size_t)jn[off + 6] << 16 |
                     (size_t)jn[off + 7] << 24;
        if (len > 0x7fff) return 1;
        fr[m++] = (unsigned char)(len & 0xff);
        fr[m++] = (unsigned char)(len >> 8);
        memcpy(fr + m, jn + off + 40, len);
        m += len;
        off += 40 + len;
    }
    write_file(jdir, "framed_all", 1, 1, fr, m);
    free(fr);
    free(jn);
    remove(argv[2]);
    return 0;
}
