/* The byte encoding of the journal's records (results/codec.h). */
#include "results/codec.h"

#include "core/bytebuf.h"
#include "core/hash.h"
#include "core/text.h"

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

/* ---- serialisation ------------------------------------------------------
 * The payload is a fixed sequence of little-endian fields (see README.md).
 * The tables below fix the order of the scalar fields: changing them
 * changes the journal format and requires a new FU_JOURNAL_VERSION. */

/* The SCF block's head fields (props/property.h): FU_SCFBLOCK_NF64 doubles, then
 * FU_SCFBLOCK_NI32 ints, then kgrid, kshift, lattice, stress. */
#define res_f64 (fu_scfblock_property.fields)
#define res_i32 (fu_scfblock_property.fields + FU_SCFBLOCK_NF64)

const fu_codec_field *fu_codec_f64_fields(size_t *n) {
    *n = FU_SCFBLOCK_NF64;
    return res_f64;
}
const fu_codec_field *fu_codec_i32_fields(size_t *n) {
    *n = FU_SCFBLOCK_NI32;
    return res_i32;
}

#define MAX_RUNGS 64 /* a longer history is corruption */

typedef fu_bytebuf wbuf;
#define w_bytes fu_bytebuf_put
#define w_u8 fu_bytebuf_u8
#define w_u32 fu_bytebuf_u32
#define w_i32 fu_bytebuf_i32
#define w_f64 fu_bytebuf_f64
static void w_f64s(wbuf *b, const double *v, size_t n) {
    for (size_t i = 0; i < n; i++) w_f64(b, v ? v[i] : 0.0);
}
static void w_str(wbuf *b, const char *s) {
    size_t n = s ? strlen(s) : 0;
    w_u32(b, (uint32_t)n);
    w_bytes(b, s, n);
}

static int r_has(fu_codec_reader *b, size_t n) {
    if (b->bad || n > b->len - b->pos) {
        b->bad = 1;
        return 0;
    }
    return 1;
}
static unsigned r_u8(fu_codec_reader *b) { return r_has(b, 1) ? b->p[b->pos++] : 0; }
/* A candidate ID: FU_RECORD_ID_LEN bytes, no terminator (dst left as it is if short). */
static void r_id(fu_codec_reader *b, char *dst) {
    if (!r_has(b, FU_RECORD_ID_LEN)) return;
    memcpy(dst, b->p + b->pos, FU_RECORD_ID_LEN);
    b->pos += FU_RECORD_ID_LEN;
}
static uint32_t r_u32(fu_codec_reader *b) {
    if (!r_has(b, 4)) return 0;
    const unsigned char *c = b->p + b->pos;
    b->pos += 4;
    return (uint32_t)c[0] | (uint32_t)c[1] << 8 | (uint32_t)c[2] << 16 | (uint32_t)c[3] << 24;
}
int fu_codec_get_i32(fu_codec_reader *b) { return (int)r_u32(b); }
static double r_f64(fu_codec_reader *b) {
    if (!r_has(b, 8)) return 0.0;
    uint64_t u = 0;
    for (int i = 0; i < 8; i++) u |= (uint64_t)b->p[b->pos + i] << (8 * i);
    b->pos += 8;
    double v;
    memcpy(&v, &u, 8);
    return v;
}
static void r_f64s(fu_codec_reader *b, double *v, size_t n) {
    if (!r_has(b, n * 8)) return; /* n*8 cannot overflow: n was bounded by the payload */
    for (size_t i = 0; i < n; i++) v[i] = r_f64(b);
}
/* Checked count of elements of elem_bytes each: a count larger than the
 * rest of the payload cannot be genuine and would only drive a huge malloc. */
static size_t r_count(fu_codec_reader *b, size_t elem_bytes) {
    uint32_t n = r_u32(b);
    if (b->bad || (elem_bytes && n > (b->len - b->pos) / elem_bytes)) {
        b->bad = 1;
        return 0;
    }
    return n;
}
static char *r_str(fu_codec_reader *b) {
    size_t n = r_count(b, 1);
    if (b->bad) return NULL;
    char *s = malloc(n + 1);
    if (!s) {
        b->bad = 2;
        return NULL;
    }
    memcpy(s, b->p + b->pos, n);
    s[n] = '\0';
    b->pos += n;
    return s;
}
static void r_fixed(fu_codec_reader *b, char *dst, size_t cap) {
    char *s = r_str(b);
    snprintf(dst, cap, "%s", s ? s : "");
    free(s);
}

/* Fields of a property's data in table order (ragged fields are the built-in codec's). */
static void encode_fields(wbuf *b, const fu_property_field *f, size_t nf, const void *data) {
    for (size_t k = 0; k < nf; k++) {
        const char *at = (const char *)data + f[k].offset;
        for (int e = 0; f[k].kind != FU_FIELD_STR && e < f[k].count; e++) {
            if (f[k].kind == FU_FIELD_F64) w_f64(b, ((const double *)at)[e]);
            else w_i32(b, ((const int *)at)[e]);
        }
        if (f[k].kind == FU_FIELD_STR) {
            size_t n = strnlen(at, (size_t)f[k].count);
            w_u32(b, (uint32_t)n);
            w_bytes(b, at, n);
        }
    }
}

/* Reads fields in table order until the block ends: a block written with fewer fields (an
 * older table) leaves the rest zero; bytes after the last known field (a newer table) are
 * left for the caller to skip. A field cut short is damage. */
static void decode_fields(fu_codec_reader *b, const fu_property_field *f, size_t nf, void *data) {
    for (size_t k = 0; k < nf && !b->bad && b->pos < b->len; k++) {
        char *at = (char *)data + f[k].offset;
        for (int e = 0; f[k].kind != FU_FIELD_STR && e < f[k].count; e++) {
            if (f[k].kind == FU_FIELD_F64) ((double *)at)[e] = r_f64(b);
            else ((int *)at)[e] = fu_codec_get_i32(b);
        }
        if (f[k].kind == FU_FIELD_STR) {
            size_t n = r_count(b, 1);
            if (b->bad || n >= (size_t)f[k].count || memchr(b->p + b->pos, 0, n)) {
                b->bad = 1;
                return;
            }
            memcpy(at, b->p + b->pos, n);
            at[n] = '\0';
            b->pos += n;
        }
    }
}

/* The tagged blocks of the block properties (props/property.h): per computed block, string
 * name | u32 length | its fields in table order. */
int fu_codec_has_blocks(const fu_cand_result *res) {
    for (int i = 0; i < FU_PROPERTY_MAX; i++)
        if (res->block[i]) return 1;
    return 0;
}

void fu_codec_put_blocks(wbuf *b, const fu_cand_result *res) {
    size_t n;
    const fu_property *const *reg = fu_property_registry(&n);
    for (size_t i = 0; i < n; i++) {
        const fu_property *p = reg[i];
        if (p->inline_block || !res->block[i]) continue;
        w_str(b, p->name);
        size_t at = b->len;
        w_u32(b, 0);
        encode_fields(b, p->fields, p->nfields, res->block[i]);
        if (!b->oom) {
            uint32_t len = (uint32_t)(b->len - at - 4);
            unsigned char c[4] = {(unsigned char)len, (unsigned char)(len >> 8), (unsigned char)(len >> 16),
                                  (unsigned char)(len >> 24)};
            memcpy(b->p + at, c, 4);
        }
    }
}

/* Blocks up to the end of b; a name this furui does not know is skipped. */
void fu_codec_get_blocks(fu_codec_reader *b, fu_cand_result *res) {
    while (!b->bad && b->pos < b->len) {
        char *name = r_str(b);
        size_t n = r_count(b, 1);
        if (b->bad) {
            free(name);
            return;
        }
        long i = fu_property_find(name);
        free(name);
        size_t nreg;
        const fu_property *p = i >= 0 ? fu_property_registry(&nreg)[i] : NULL;
        if (p && !p->inline_block) {
            if (res->block[i]) { /* twice: damage */
                b->bad = 1;
                return;
            }
            if (!(res->block[i] = calloc(1, p->block_size))) {
                b->bad = 2;
                return;
            }
            fu_codec_reader sub = {b->p + b->pos, n, 0, 0};
            decode_fields(&sub, p->fields, p->nfields, res->block[i]);
            if (sub.bad) b->bad = sub.bad;
        }
        b->pos += n;
    }
}

static void encode_result(wbuf *b, const fu_cand_result *res) {
    encode_fields(b, fu_scfblock_property.fields, FU_SCFBLOCK_NHEAD, res);
    w_str(b, res->formula);
    w_str(b, res->xc);
    w_str(b, res->smearing);
    w_u32(b, (uint32_t)res->natom);
    for (int a = 0; a < res->natom; a++) w_i32(b, res->atomic_number[a]);
    w_f64s(b, res->xred ? &res->xred[0][0] : NULL, (size_t)res->natom * 3);
    if (res->have_forces) w_f64s(b, res->forces ? &res->forces[0][0] : NULL, (size_t)res->natom * 3);
    w_u32(b, (uint32_t)res->nk);
    w_u32(b, (uint32_t)res->nband);
    w_f64s(b, res->kred ? &res->kred[0][0] : NULL, (size_t)res->nk * 3);
    w_f64s(b, res->kweight, (size_t)res->nk);
    size_t nkb = (size_t)res->nk * (size_t)res->nband;
    w_f64s(b, res->eig, nkb);
    w_f64s(b, res->occ, nkb);
    w_u32(b, (uint32_t)res->nspecies);
    for (int sp = 0; sp < res->nspecies; sp++) {
        w_str(b, res->species[sp]);
        w_str(b, res->psp_name[sp]);
        w_str(b, res->psp_sha256[sp]);
    }
}

static int decode_result(fu_codec_reader *b, fu_cand_result *res, fu_err *err) {
    /* the head is fixed-size: a short payload shows up as b->bad */
    if (r_has(b, (FU_SCFBLOCK_NF64 + 21) * 8 + (FU_SCFBLOCK_NI32 + 3) * 4))
        decode_fields(b, fu_scfblock_property.fields, FU_SCFBLOCK_NHEAD, res);
    res->formula = r_str(b);
    res->xc = r_str(b);
    res->smearing = r_str(b);
    res->have_forces = res->have_forces != 0;
    size_t natom = r_count(b, res->have_forces ? 52 : 28);
    if (b->bad || natom > INT32_MAX) return FU_EINPUT;
    int rc = fu_record_zalloc(&res->atomic_number, natom, sizeof *res->atomic_number, err);
    if (!rc) rc = fu_record_zalloc(&res->xred, natom, sizeof *res->xred, err);
    if (!rc && res->have_forces) rc = fu_record_zalloc(&res->forces, natom, sizeof *res->forces, err);
    if (rc) return rc;
    res->natom = (int)natom;
    for (size_t a = 0; a < natom; a++) res->atomic_number[a] = fu_codec_get_i32(b);
    if (natom) r_f64s(b, &res->xred[0][0], natom * 3);
    if (natom && res->have_forces) r_f64s(b, &res->forces[0][0], natom * 3);
    size_t nk = r_count(b, 32);
    size_t nband = r_u32(b);
    if (b->bad || (nk && nband > (b->len - b->pos) / 16 / nk)) return FU_EINPUT;
    if (nband > INT32_MAX) return FU_EINPUT;
    size_t nkb = nk * nband;
    rc = fu_record_zalloc(&res->kred, nk, sizeof *res->kred, err);
    if (!rc) rc = fu_record_zalloc(&res->kweight, nk, sizeof *res->kweight, err);
    if (!rc) rc = fu_record_zalloc(&res->eig, nkb, sizeof *res->eig, err);
    if (!rc) rc = fu_record_zalloc(&res->occ, nkb, sizeof *res->occ, err);
    if (rc) return rc;
    res->nk = (int)nk;
    res->nband = (int)nband;
    if (nk) {
        r_f64s(b, &res->kred[0][0], nk * 3);
        r_f64s(b, res->kweight, nk);
    }
    if (nkb) {
        r_f64s(b, res->eig, nkb);
        r_f64s(b, res->occ, nkb);
    }
    size_t nsp = r_count(b, 12);
    if (b->bad) return FU_EINPUT;
    rc = fu_record_zalloc(&res->species, nsp, sizeof *res->species, err);
    if (!rc) rc = fu_record_zalloc(&res->psp_name, nsp, sizeof *res->psp_name, err);
    if (!rc) rc = fu_record_zalloc(&res->psp_sha256, nsp, sizeof *res->psp_sha256, err);
    if (!rc) rc = fu_record_zalloc(&res->psp, nsp, sizeof *res->psp, err);
    if (rc) return rc;
    res->nspecies = (int)nsp;
    for (size_t sp = 0; sp < nsp; sp++) {
        r_fixed(b, res->species[sp], sizeof res->species[sp]);
        r_fixed(b, res->psp_name[sp], sizeof res->psp_name[sp]);
        r_fixed(b, res->psp_sha256[sp], sizeof res->psp_sha256[sp]);
    }
    return b->bad ? FU_EINPUT : FU_OK;
}

/* The properties block of FU_CODEC_CAND3 (only with a result). */
static void encode_props(wbuf *b, const fu_cand_result *res) {
    int nspin = fu_cand_nspin(res);
    size_t nkb = (size_t)res->nk * (size_t)res->nband;
    w_u8(b, (unsigned)nspin);
    if (nspin == 2) {
        w_f64(b, res->magnetization);
        w_f64(b, res->abs_magnetization);
        w_f64s(b, res->eig ? res->eig + nkb : NULL, nkb);
        w_f64s(b, res->occ ? res->occ + nkb : NULL, nkb);
    }
    w_i32(b, res->relax_steps);
    w_f64(b, res->relax_initial_volume);
    int n = res->eos_npoints;
    w_u32(b, (uint32_t)n);
    if (n) {
        w_f64s(b, res->eos_volume, (size_t)n);
        w_f64s(b, res->eos_energy, (size_t)n);
        w_f64(b, res->eos_v0);
        w_f64(b, res->eos_e0);
        w_f64(b, res->eos_b0);
        w_f64(b, res->eos_b0_prime);
        w_f64(b, res->eos_rms);
        w_u8(b, res->eos_min_outside ? 1 : 0);
    }
    w_u32(b, (uint32_t)res->path_npoints);
    if (res->path_npoints) {
        w_u8(b, res->path_metal ? 1 : 0);
        w_u8(b, res->path_gap_direct ? 1 : 0);
        w_f64(b, res->path_gap);
        w_f64(b, res->path_direct_gap);
        w_f64(b, res->path_vbm);
        w_f64(b, res->path_cbm);
        w_f64s(b, res->path_vbm_k, 3);
        w_f64s(b, res->path_cbm_k, 3);
        w_str(b, res->path_vbm_label);
        w_str(b, res->path_cbm_label);
        w_str(b, res->path);
    }
}

static void decode_props(fu_codec_reader *b, fu_cand_result *res, fu_err *err) {
    unsigned nspin = r_u8(b);
    if (b->bad || (nspin != 1 && nspin != 2)) {
        b->bad = 1;
        return;
    }
    if (nspin == 2) {
        if (fu_record_result_set_nspin(res, 2, err)) {
            b->bad = 2;
            return;
        }
        size_t nkb = (size_t)res->nk * (size_t)res->nband;
        res->magnetization = r_f64(b);
        res->abs_magnetization = r_f64(b);
        if (nkb) {
            r_f64s(b, res->eig + nkb, nkb);
            r_f64s(b, res->occ + nkb, nkb);
        }
    }
    res->relax_steps = fu_codec_get_i32(b);
    res->relax_initial_volume = r_f64(b);
    uint32_t n = r_u32(b);
    if (n > FU_CAND_EOS_MAXPOINTS || res->relax_steps < 0) {
        b->bad = 1;
        return;
    }
    res->eos_npoints = (int)n;
    if (n) {
        r_f64s(b, res->eos_volume, n);
        r_f64s(b, res->eos_energy, n);
        res->eos_v0 = r_f64(b);
        res->eos_e0 = r_f64(b);
        res->eos_b0 = r_f64(b);
        res->eos_b0_prime = r_f64(b);
        res->eos_rms = r_f64(b);
        res->eos_min_outside = (int)r_u8(b);
        if (res->eos_min_outside > 1) b->bad = 1;
    }
    uint32_t np = r_u32(b);
    if (np > INT32_MAX) b->bad = 1;
    res->path_npoints = (int)np;
    if (np && !b->bad) {
        res->path_metal = (int)r_u8(b);
        res->path_gap_direct = (int)r_u8(b);
        res->path_gap = r_f64(b);
        res->path_direct_gap = r_f64(b);
        res->path_vbm = r_f64(b);
        res->path_cbm = r_f64(b);
        r_f64s(b, res->path_vbm_k, 3);
        r_f64s(b, res->path_cbm_k, 3);
        r_fixed(b, res->path_vbm_label, sizeof res->path_vbm_label);
        r_fixed(b, res->path_cbm_label, sizeof res->path_cbm_label);
        r_fixed(b, res->path, sizeof res->path);
        if (res->path_metal > 1 || res->path_gap_direct > 1) b->bad = 1;
    }
}

/* The pseudopotential block of FU_CODEC_CAND4 (only with a result). */
static void encode_psp(wbuf *b, const fu_cand_result *res) {
    static const fu_cand_psp unknown;
    for (int sp = 0; sp < res->nspecies; sp++) {
        const fu_cand_psp *q = res->psp ? &res->psp[sp] : &unknown;
        w_str(b, q->path);
        w_str(b, q->format);
        w_f64(b, q->valence);
        w_f64s(b, q->hints, 3);
    }
}

static void decode_psp(fu_codec_reader *b, fu_cand_result *res) {
    for (int sp = 0; sp < res->nspecies && !b->bad; sp++) {
        fu_cand_psp *q = &res->psp[sp];
        r_fixed(b, q->path, sizeof q->path);
        r_fixed(b, q->format, sizeof q->format);
        q->valence = r_f64(b);
        r_f64s(b, q->hints, 3);
        if (!(q->valence >= 0 && q->valence < 200) || !(q->hints[0] >= 0) || !(q->hints[1] >= 0) ||
            !(q->hints[2] >= 0))
            b->bad = 1;
    }
}

/* blocks: 1 appends the tagged blocks (the payload of fu_codec_record_encode); the journal
 * file keeps them in a property record before the candidate record (fu_journal_append). */
void fu_codec_put_record(wbuf *b, const fu_record *r, int blocks) {
    w_u8(b, FU_CODEC_CAND4);
    w_bytes(b, r->id, FU_RECORD_ID_LEN);
    w_u8(b, (unsigned)r->state);
    w_u8(b, r->final ? 1 : 0);
    w_u8(b, r->have_result ? 1 : 0);
    w_i32(b, r->attempt);
    w_i32(b, r->group);
    w_f64(b, r->time_start);
    w_f64(b, r->time_end);
    w_str(b, r->label);
    w_str(b, r->cause);
    w_str(b, r->message);
    if (r->have_result) encode_result(b, &r->res);
    w_f64(b, r->engine_seconds);
    w_f64(b, r->io_seconds);
    w_u8(b, r->settings_changed ? 1 : 0);
    w_u32(b, (uint32_t)r->nrungs);
    for (int i = 0; i < r->nrungs; i++) {
        w_str(b, r->rungs[i].rung);
        w_str(b, r->rungs[i].outcome);
        w_i32(b, r->rungs[i].iterations);
        w_f64(b, r->rungs[i].seconds);
        w_str(b, r->rungs[i].message);
    }
    if (r->have_result) encode_props(b, &r->res);
    if (r->have_result) encode_psp(b, &r->res);
    if (r->have_result && blocks) fu_codec_put_blocks(b, &r->res);
}

int fu_codec_check_record(const fu_record *r, fu_err *err) {
    char shown[41];
    if (!fu_record_id_valid(r->id, 0))
        return fu_fail(err, FU_EINPUT, "record: candidate id '%s' is not %d lower-case hex digits",
                       fu_record_id_shown(r->id, shown), FU_RECORD_ID_LEN);
    if (r->state < FU_RECORD_QUEUED || r->state > FU_RECORD_INVALID)
        return fu_fail(err, FU_EINPUT, "record %s: unknown state %d", r->id, r->state);
    if (r->nrungs < 0 || r->nrungs > MAX_RUNGS || (r->nrungs && !r->rungs))
        return fu_fail(err, FU_EINPUT, "record %s: recovery history of %d rungs", r->id, r->nrungs);
    const fu_cand_result *s = &r->res;
    if (r->have_result &&
        (s->natom < 0 || s->nk < 0 || s->nband < 0 || s->nspecies < 0 ||
         (s->natom && (!s->atomic_number || !s->xred || (s->have_forces && !s->forces))) ||
         (s->nk && (!s->kred || !s->kweight)) ||
         ((size_t)s->nk * (size_t)s->nband != 0 && (!s->eig || !s->occ)) ||
         (s->nspecies && (!s->species || !s->psp_name || !s->psp_sha256))))
        return fu_fail(err, FU_EINPUT, "record %s: result arrays missing for their sizes", r->id);
    return FU_OK;
}

/* Hands an encoded payload to the caller, or frees it when a write ran out of memory. */
static int encoded(wbuf *b, unsigned char **buf, size_t *len, const char *what, const char *id, fu_err *err) {
    if (b->oom) {
        free(b->p);
        return fu_fail(err, FU_ENOMEM, "%s %s: out of memory encoding", what, id);
    }
    *buf = b->p;
    *len = b->len;
    return FU_OK;
}

int fu_codec_record_encode(const fu_record *r, unsigned char **buf, size_t *len, fu_err *err) {
    *buf = NULL;
    *len = 0;
    int rc = fu_codec_check_record(r, err);
    if (rc) return rc;
    wbuf b = {0};
    fu_codec_put_record(&b, r, 1);
    return encoded(&b, buf, len, "record", r->id, err);
}

/* Every string of a record is furui's own clean text (UTF-8 without control
 * characters, core/text.h): anything else is damage or a forgery, and would
 * otherwise travel into results files, terminals and the data hub. */
const char *fu_codec_unclean(const fu_record *r) {
    const fu_cand_result *s = &r->res;
    const char *top[3][2] = {{"label", r->label}, {"cause", r->cause}, {"message", r->message}};
    for (int i = 0; i < 3; i++)
        if (top[i][1] && !fu_text_is_clean(top[i][1])) return top[i][0];
    for (int i = 0; i < r->nrungs; i++)
        if ((r->rungs[i].rung && !fu_text_is_clean(r->rungs[i].rung)) ||
            (r->rungs[i].outcome && !fu_text_is_clean(r->rungs[i].outcome)) ||
            (r->rungs[i].message && !fu_text_is_clean(r->rungs[i].message)))
            return "recovery history";
    if (!r->have_result) return NULL;
    const char *res[3][2] = {{"formula", s->formula}, {"xc", s->xc}, {"smearing", s->smearing}};
    for (int i = 0; i < 3; i++)
        if (res[i][1] && !fu_text_is_clean(res[i][1])) return res[i][0];
    for (int sp = 0; sp < s->nspecies; sp++)
        if (!fu_text_is_clean(s->species[sp]) || !fu_text_is_clean(s->psp_name[sp]) ||
            !fu_text_is_clean(s->psp_sha256[sp]) ||
            (s->psp && (!fu_text_is_clean(s->psp[sp].path) || !fu_text_is_clean(s->psp[sp].format))))
            return "species";
    if (!fu_text_is_clean(s->path) || !fu_text_is_clean(s->path_vbm_label) || !fu_text_is_clean(s->path_cbm_label))
        return "path";
    size_t nreg;
    const fu_property *const *reg = fu_property_registry(&nreg);
    for (size_t i = 0; i < nreg; i++)
        for (size_t k = 0; !reg[i]->inline_block && s->block[i] && k < reg[i]->nfields; k++)
            if (reg[i]->fields[k].kind == FU_FIELD_STR &&
                !fu_text_is_clean((const char *)s->block[i] + reg[i]->fields[k].offset))
                return reg[i]->name;
    return NULL;
}

/* Decodes a FU_CODEC_CAND payload (type byte included). */
int fu_codec_get_record(const unsigned char *buf, size_t len, fu_record *r, fu_err *err) {
    fu_record_init(r);
    fu_codec_reader b = {buf, len, 0, 0};
    unsigned type = r_u8(&b);
    if (type != FU_CODEC_CAND && type != FU_CODEC_CAND2 && type != FU_CODEC_CAND3 && type != FU_CODEC_CAND4)
        return fu_fail(err, FU_EINPUT, "record: not a candidate record");
    r_id(&b, r->id);
    r->state = (int)r_u8(&b);
    r->final = (int)r_u8(&b);
    r->have_result = (int)r_u8(&b);
    r->attempt = fu_codec_get_i32(&b);
    r->group = fu_codec_get_i32(&b);
    r->time_start = r_f64(&b);
    r->time_end = r_f64(&b);
    r->label = r_str(&b);
    r->cause = r_str(&b);
    r->message = r_str(&b);
    int rc = FU_OK;
    /* decode_result sets err only for ENOMEM; a short or inconsistent
     * payload shows up as b.bad or unconsumed bytes. */
    if (!b.bad && r->have_result) rc = decode_result(&b, &r->res, err);
    if (!rc && !b.bad && type >= FU_CODEC_CAND2) {
        r->engine_seconds = r_f64(&b);
        r->io_seconds = r_f64(&b);
        r->settings_changed = (int)r_u8(&b);
        uint32_t nr = r_u32(&b);
        if (nr > MAX_RUNGS) b.bad = 1;
        for (uint32_t i = 0; !b.bad && i < nr; i++) {
            fu_record_rung *v = realloc(r->rungs, (size_t)(i + 1) * sizeof *v);
            if (!v) {
                b.bad = 2;
                break;
            }
            r->rungs = v;
            memset(&v[i], 0, sizeof v[i]);
            r->nrungs = (int)i + 1;
            v[i].rung = r_str(&b);
            v[i].outcome = r_str(&b);
            v[i].iterations = fu_codec_get_i32(&b);
            v[i].seconds = r_f64(&b);
            v[i].message = r_str(&b);
        }
        if (r->settings_changed > 1) b.bad = 1;
    }
    if (!rc && !b.bad && type >= FU_CODEC_CAND3 && r->have_result) decode_props(&b, &r->res, err);
    if (!rc && !b.bad && type == FU_CODEC_CAND4 && r->have_result) decode_psp(&b, &r->res);
    if (!rc && !b.bad && type == FU_CODEC_CAND4 && r->have_result) fu_codec_get_blocks(&b, &r->res);
    if (rc != FU_ENOMEM && b.bad == 2) rc = fu_fail(err, FU_ENOMEM, "record: out of memory decoding");
    else if (rc != FU_ENOMEM && (rc || b.bad || b.pos != b.len))
        rc = fu_fail(err, FU_EINPUT, "record: payload of %zu bytes is malformed at byte %zu", len,
                     b.pos);
    if (!rc) rc = fu_codec_check_record(r, err);
    const char *bad = rc ? NULL : fu_codec_unclean(r);
    if (bad) rc = fu_fail(err, FU_EINPUT, "record: %s is not UTF-8 text without control characters", bad);
    if (rc) fu_record_free(r);
    return rc;
}

int fu_codec_record_decode(const unsigned char *buf, size_t len, fu_record *r, fu_err *err) {
    return fu_codec_get_record(buf, len, r, err);
}


void fu_codec_put_checkpoint(wbuf *b, const fu_record_checkpoint *c) {
    w_u8(b, FU_CODEC_CKPT);
    w_bytes(b, c->id, FU_RECORD_ID_LEN);
    w_u8(b, (unsigned)c->kind);
    w_i32(b, c->attempt);
    w_f64(b, c->time);
    if (c->kind == FU_CKPT_RELAX) {
        w_i32(b, c->nsteps);
        w_i32(b, c->natom);
        for (int i = 0; i < 3; i++) w_i32(b, c->fft[i]);
        w_f64s(b, &c->lattice[0][0], 9);
        if (c->natom > 0) w_f64s(b, &c->xred[0][0], 3 * (size_t)c->natom);
        w_f64(b, c->energy);
    } else {
        w_i32(b, c->index);
        w_f64(b, c->volume);
        w_f64(b, c->energy);
    }
}

int fu_codec_check_checkpoint(const fu_record_checkpoint *c, fu_err *err) {
    char shown[41];
    if (!fu_record_id_valid(c->id, 0))
        return fu_fail(err, FU_EINPUT, "checkpoint: candidate id '%s' is not %d lower-case hex digits",
                       fu_record_id_shown(c->id, shown), FU_RECORD_ID_LEN);
    if (c->kind != FU_CKPT_RELAX && c->kind != FU_CKPT_EOS)
        return fu_fail(err, FU_EINPUT, "checkpoint %s: unknown kind %d", c->id, c->kind);
    if (c->kind == FU_CKPT_RELAX && (c->natom < 1 || c->natom > 1000000 || !c->xred || c->nsteps < 1 ||
                                     c->fft[0] < 0 || c->fft[1] < 0 || c->fft[2] < 0 || c->fft[0] > 1024 ||
                                     c->fft[1] > 1024 || c->fft[2] > 1024))
        return fu_fail(err, FU_EINPUT, "checkpoint %s: relaxation step without a structure", c->id);
    if (c->kind == FU_CKPT_EOS && (c->index < 0 || c->index >= FU_CAND_EOS_MAXPOINTS || !(c->volume > 0)))
        return fu_fail(err, FU_EINPUT, "checkpoint %s: equation-of-state point out of range", c->id);
    return FU_OK;
}

int fu_codec_checkpoint_encode(const fu_record_checkpoint *c, unsigned char **buf, size_t *len, fu_err *err) {
    *buf = NULL;
    *len = 0;
    int rc = fu_codec_check_checkpoint(c, err);
    if (rc) return rc;
    wbuf b = {0};
    fu_codec_put_checkpoint(&b, c);
    return encoded(&b, buf, len, "checkpoint", c->id, err);
}

int fu_codec_checkpoint_decode(const unsigned char *buf, size_t len, fu_record_checkpoint *c, fu_err *err) {
    memset(c, 0, sizeof *c);
    fu_codec_reader b = {buf, len, 0, 0};
    if (r_u8(&b) != FU_CODEC_CKPT) return fu_fail(err, FU_EINPUT, "record: not a checkpoint");
    r_id(&b, c->id);
    c->kind = (int)r_u8(&b);
    c->attempt = fu_codec_get_i32(&b);
    c->time = r_f64(&b);
    if (c->kind == FU_CKPT_RELAX) {
        c->nsteps = fu_codec_get_i32(&b);
        int na = fu_codec_get_i32(&b);
        for (int i = 0; i < 3; i++) c->fft[i] = fu_codec_get_i32(&b);
        r_f64s(&b, &c->lattice[0][0], 9);
        if (!b.bad && na > 0 && (size_t)na <= (b.len - b.pos) / 24) {
            c->xred = malloc((size_t)na * sizeof *c->xred);
            if (!c->xred) return fu_fail(err, FU_ENOMEM, "checkpoint: out of memory decoding");
            c->natom = na;
            r_f64s(&b, &c->xred[0][0], 3 * (size_t)na);
        } else {
            b.bad = 1;
        }
        c->energy = r_f64(&b);
    } else {
        c->index = fu_codec_get_i32(&b);
        c->volume = r_f64(&b);
        c->energy = r_f64(&b);
    }
    int rc = FU_OK;
    if (b.bad || b.pos != b.len)
        rc = fu_fail(err, FU_EINPUT, "checkpoint: payload of %zu bytes is malformed at byte %zu", len, b.pos);
    if (!rc) rc = fu_codec_check_checkpoint(c, err);
    for (int i = 0; !rc && i < 9; i++)
        if (!isfinite((&c->lattice[0][0])[i])) rc = fu_fail(err, FU_EINPUT, "checkpoint %s: lattice not finite", c->id);
    for (int i = 0; !rc && i < 3 * c->natom; i++)
        if (!isfinite((&c->xred[0][0])[i])) rc = fu_fail(err, FU_EINPUT, "checkpoint %s: positions not finite", c->id);
    if (rc) fu_record_checkpoint_free(c);
    return rc;
}

/* ---- stage records ---------------------------------------------------------
 * FU_CODEC_STAGE: id[16] | i32 stage (1-based) | string name | id[16] root */

int fu_codec_check_stage(const fu_record_stage *s, fu_err *err) {
    char shown[41];
    if (!fu_record_id_valid(s->id, 0) || !fu_record_id_valid(s->root, 0))
        return fu_fail(err, FU_EINPUT, "stage record: candidate id '%s' is not %d lower-case hex digits",
                       fu_record_id_shown(fu_record_id_valid(s->id, 0) ? s->root : s->id, shown), FU_RECORD_ID_LEN);
    if (s->stage < 1 || s->stage > 1000 || !s->name[0] || memchr(s->name, 0, sizeof s->name) == NULL)
        return fu_fail(err, FU_EINPUT, "stage record %s: stage %d or its name out of range", s->id, s->stage);
    return FU_OK;
}

void fu_codec_put_stage(wbuf *b, const fu_record_stage *s) {
    w_u8(b, FU_CODEC_STAGE);
    w_bytes(b, s->id, FU_RECORD_ID_LEN);
    w_i32(b, s->stage);
    w_str(b, s->name);
    w_bytes(b, s->root, FU_RECORD_ID_LEN);
}

int fu_codec_get_stage(const unsigned char *buf, size_t len, fu_record_stage *s) {
    memset(s, 0, sizeof *s);
    fu_codec_reader b = {buf, len, 0, 0};
    if (r_u8(&b) != FU_CODEC_STAGE) return FU_EINPUT;
    r_id(&b, s->id);
    s->stage = fu_codec_get_i32(&b);
    r_fixed(&b, s->name, sizeof s->name);
    r_id(&b, s->root);
    if (b.bad == 2) return FU_ENOMEM;
    if (b.bad || b.pos != b.len) return FU_EINPUT;
    return fu_codec_check_stage(s, NULL) ? FU_EINPUT : FU_OK;
}

/* ---- layout records ----------------------------------------------------------
 * FU_CODEC_LAYOUT: id[16] | i32 attempt | i32 ranks | i32 npk | i32 npb [| i32 npg]: npg
 * (FFT ranks) only when > 1, so that the records of runs without FFT ranks keep the first
 * layout's bytes and an older furui still reads them */

int fu_codec_check_layout(const fu_record_layout *l, fu_err *err) {
    char shown[41];
    if (!fu_record_id_valid(l->id, 0))
        return fu_fail(err, FU_EINPUT, "layout record: candidate id '%s' is not %d lower-case hex digits",
                       fu_record_id_shown(l->id, shown), FU_RECORD_ID_LEN);
    if (l->attempt < 0 || l->ranks < 1 || l->ranks > 1 << 24 || l->npk < 0 || l->npb < 0 ||
        (long long)l->npk * l->npb > l->ranks || l->npg < 0 || (l->npg > 1 && l->npb % l->npg))
        return fu_fail(err, FU_EINPUT, "layout record %s: %d ranks as %d x %d (%d FFT) out of range", l->id,
                       l->ranks, l->npk, l->npb, l->npg);
    return FU_OK;
}

void fu_codec_put_layout(wbuf *b, const fu_record_layout *l) {
    w_u8(b, FU_CODEC_LAYOUT);
    w_bytes(b, l->id, FU_RECORD_ID_LEN);
    w_i32(b, l->attempt);
    w_i32(b, l->ranks);
    w_i32(b, l->npk);
    w_i32(b, l->npb);
    if (l->npg > 1) w_i32(b, l->npg);
}

int fu_codec_get_layout(const unsigned char *buf, size_t len, fu_record_layout *l) {
    memset(l, 0, sizeof *l);
    fu_codec_reader b = {buf, len, 0, 0};
    if (r_u8(&b) != FU_CODEC_LAYOUT) return FU_EINPUT;
    r_id(&b, l->id);
    l->attempt = fu_codec_get_i32(&b);
    l->ranks = fu_codec_get_i32(&b);
    l->npk = fu_codec_get_i32(&b);
    l->npb = fu_codec_get_i32(&b);
    int has_npg = b.pos < b.len; /* written only when > 1 */
    l->npg = has_npg ? fu_codec_get_i32(&b) : 1;
    if (b.bad || b.pos != b.len || (has_npg && l->npg < 2)) return FU_EINPUT;
    return fu_codec_check_layout(l, NULL) ? FU_EINPUT : FU_OK;
}

void fu_codec_put_run(wbuf *b, const fu_run_info *ri) {
    w_u8(b, FU_CODEC_RUN);
    w_f64(b, ri->time);
    w_str(b, ri->code_version);
    w_str(b, ri->git_version);
    w_str(b, ri->build_type);
    w_str(b, ri->mpi_library);
    w_str(b, ri->host);
    w_i32(b, ri->ranks);
    w_i32(b, ri->group_size);
    w_i32(b, ri->shard_index);
    w_i32(b, ri->shard_count);
    w_str(b, ri->sweep);
}

int fu_codec_get_run(const unsigned char *buf, size_t len, fu_run_info *ri) {
    memset(ri, 0, sizeof *ri);
    fu_codec_reader b = {buf, len, 0, 0};
    r_u8(&b);
    ri->time = r_f64(&b);
    r_fixed(&b, ri->code_version, sizeof ri->code_version);
    r_fixed(&b, ri->git_version, sizeof ri->git_version);
    r_fixed(&b, ri->build_type, sizeof ri->build_type);
    r_fixed(&b, ri->mpi_library, sizeof ri->mpi_library);
    r_fixed(&b, ri->host, sizeof ri->host);
    ri->ranks = fu_codec_get_i32(&b);
    ri->group_size = fu_codec_get_i32(&b);
    ri->shard_index = fu_codec_get_i32(&b);
    ri->shard_count = fu_codec_get_i32(&b);
    ri->sweep = r_str(&b);
    if (b.bad || b.pos != b.len) {
        fu_run_info_free(ri);
        return b.bad == 2 ? FU_ENOMEM : FU_EINPUT;
    }
    if (fu_sha256_hex(ri->sweep, strlen(ri->sweep), ri->sweep_sha256, NULL)) {
        fu_run_info_free(ri);
        return FU_ENOMEM;
    }
    return FU_OK;
}
