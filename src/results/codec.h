/* The byte encoding of a journal's records (little-endian; format in src/results/README.md).
 * The public part serialises a candidate record (the journal payload, the farm's result
 * message) and a checkpoint; the internal part is what results/journal.c frames. */
#ifndef FURUI_RESULTS_CODEC_H
#define FURUI_RESULTS_CODEC_H

#include "core/bytebuf.h"
#include "results/record.h"

/* The scalar fields of the SCF block (props/property.h: fu_scfblock_property), doubles
 * then ints, in the order the journal stores them; name = HDF5 path under /candidates. */
typedef fu_property_field fu_codec_field;
const fu_codec_field *fu_codec_f64_fields(size_t *n);
const fu_codec_field *fu_codec_i32_fields(size_t *n);

/* Serialised form of a record (the journal payload; little-endian). */
int fu_codec_record_encode(const fu_record *r, unsigned char **buf, size_t *len, fu_err *err);
int fu_codec_record_decode(const unsigned char *buf, size_t len, fu_record *r, fu_err *err);
int fu_codec_checkpoint_encode(const fu_record_checkpoint *c, unsigned char **buf, size_t *len, fu_err *err);
int fu_codec_checkpoint_decode(const unsigned char *buf, size_t len, fu_record_checkpoint *c, fu_err *err);

/* ---- internal to src/results (journal.c) ----
 * Record types: the first byte of a payload. CAND is the version-1 candidate record (read
 * only), CAND2 (journal version 2, read only) appends timings, the settings flag and the
 * recovery history; CAND3 (version 3, read only) then the properties block; CAND4 (version
 * 4) then, with a result, each species' pseudopotential. Types >= FU_CODEC_OPTIONAL are
 * annotations a reader may skip. */
enum { FU_CODEC_RUN = 1, FU_CODEC_CAND = 2, FU_CODEC_CAND2 = 3, FU_CODEC_CAND3 = 4, FU_CODEC_CAND4 = 5,
       FU_CODEC_CKPT = 16, FU_CODEC_STAGE = 17, FU_CODEC_PROPS = 18, FU_CODEC_LAYOUT = 19 };
#define FU_CODEC_OPTIONAL 16
/* A payload being read: bad = 1 on a short or malformed payload, 2 out of memory. */
typedef struct {
    const unsigned char *p;
    size_t len, pos;
    int bad;
} fu_codec_reader;
int fu_codec_get_i32(fu_codec_reader *b);
/* blocks: 1 appends the tagged property blocks (fu_codec_record_encode's payload); the
 * journal keeps them in a property record (FU_CODEC_PROPS) before the candidate record. */
void fu_codec_put_record(fu_bytebuf *b, const fu_record *r, int blocks);
int fu_codec_get_record(const unsigned char *buf, size_t len, fu_record *r, fu_err *err);
int fu_codec_check_record(const fu_record *r, fu_err *err);
/* 1 if res carries blocks of block properties (journal: a property record). */
int fu_codec_has_blocks(const fu_cand_result *res);
void fu_codec_put_blocks(fu_bytebuf *b, const fu_cand_result *res);
void fu_codec_get_blocks(fu_codec_reader *b, fu_cand_result *res);
/* The name of the first string of r that is not clean text (core/text.h), NULL if none. */
const char *fu_codec_unclean(const fu_record *r);
int fu_codec_check_checkpoint(const fu_record_checkpoint *c, fu_err *err);
void fu_codec_put_checkpoint(fu_bytebuf *b, const fu_record_checkpoint *c);
int fu_codec_check_stage(const fu_record_stage *s, fu_err *err);
void fu_codec_put_stage(fu_bytebuf *b, const fu_record_stage *s);
int fu_codec_get_stage(const unsigned char *buf, size_t len, fu_record_stage *s);
int fu_codec_check_layout(const fu_record_layout *l, fu_err *err);
void fu_codec_put_layout(fu_bytebuf *b, const fu_record_layout *l);
int fu_codec_get_layout(const unsigned char *buf, size_t len, fu_record_layout *l);
void fu_codec_put_run(fu_bytebuf *b, const fu_run_info *ri);
int fu_codec_get_run(const unsigned char *buf, size_t len, fu_run_info *ri);

#endif
