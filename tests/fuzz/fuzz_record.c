/* Fuzz harness: the journal's candidate-record decoder
 * (fu_codec_record_decode). A record that decodes must encode again and decode
 * to the same record (fu_diff_record), and copy. */
#include "fuzz_common.h"

#include "results/journal.h"
#include "results/diff.h"
#include "results/codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fu_record r, r2, r3;
    fu_err e;
    fz_err_init(&e);
    int rc = fu_codec_record_decode(data, size, &r, &e);
#if FZ_OPEN_BUG_RECORD_ID_MESSAGE
    if (rc == FU_EINPUT && strncmp(e.msg, "record: candidate id '", 22) == 0) return 0;
#endif
    fz_check_status(rc, &e);
    if (rc != FU_OK) return 0; /* decode frees what it allocated on error */
    unsigned char *buf = NULL;
    size_t len = 0;
    fz_err_init(&e);
    rc = fu_codec_record_encode(&r, &buf, &len, &e);
    fz_check_status(rc, &e);
    if (rc) fz_die("a decoded record does not encode", e.msg);
    fz_err_init(&e);
    rc = fu_codec_record_decode(buf, len, &r2, &e);
    fz_check_status(rc, &e);
    if (rc) fz_die("a re-encoded record does not decode", e.msg);
    const char *d = fu_diff_record(&r, &r2, 1);
    if (d) fz_die("record changed in an encode/decode round trip", d);
    fu_record_init(&r3);
    fz_err_init(&e);
    rc = fu_record_copy(&r3, &r, &e);
    fz_check_status(rc, &e);
    if (!rc && (d = fu_diff_record(&r, &r3, 1)) != NULL) fz_die("record copy differs", d);
    fu_record_free(&r3);
    fu_record_free(&r2);
    fu_record_free(&r);
    free(buf);
    return 0;
}
