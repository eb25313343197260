/* OFD locks (per open file, not per process) are Linux's; without them we
 * fall back to POSIX record locks. */
#define _GNU_SOURCE
#include "core/bytebuf.h"
#include "core/regfile.h"
#include "core/text.h"
#include "furui_git_version.h"
#include "results/journal.h"

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

#include "core/hash.h"
#include "dft/occupations.h"
#include "results/idmap.h"

/* ---- states ------------------------------------------------------------ */

const char *fu_cand_state_name(int state) {
    switch (state) {
    case FU_CAND_QUEUED: return "queued";
    case FU_CAND_STARTED: return "started";
    case FU_CAND_DONE: return "done";
    case FU_CAND_FAILED: return "failed";
    case FU_CAND_INVALID: return "invalid";
    default: return "unknown";
    }
}

int fu_cand_state_terminal(int state, int final) {
    return state == FU_CAND_DONE || state == FU_CAND_INVALID ||
           (state == FU_CAND_FAILED && final);
}

int fu_cand_supersedes(int old_state, int old_final, int new_state, int new_final) {
    return fu_cand_state_terminal(new_state, new_final) || !fu_cand_state_terminal(old_state, old_final);
}

/* ---- records ----------------------------------------------------------- */

void fu_cand_record_init(fu_cand_record *r) {
    memset(r, 0, sizeof *r);
    r->group = -1;
    r->engine_seconds = NAN;
    r->io_seconds = NAN;
}

static void rungs_free(fu_cand_record *r) {
    for (int i = 0; i < r->nrungs; i++) {
        free(r->rungs[i].rung);
        free(r->rungs[i].outcome);
        free(r->rungs[i].message);
    }
    free(r->rungs);
    r->rungs = NULL;
    r->nrungs = 0;
}

static void result_free(fu_cand_result *res) {
    free(res->formula);
    free(res->xc);
    free(res->smearing);
    free(res->atomic_number);
    free(res->xred);
    free(res->forces);
    free(res->kred);
    free(res->kweight);
    free(res->eig);
    free(res->occ);
    free(res->species);
    free(res->psp_name);
    free(res->psp_sha256);
    free(res->psp);
    fu_property_blocks_free(res);
    memset(res, 0, sizeof *res);
}

void fu_cand_record_free(fu_cand_record *r) {
    if (!r) return;
    free(r->label);
    free(r->cause);
    free(r->message);
    result_free(&r->res);
    rungs_free(r);
    fu_cand_record_init(r);
}

int fu_cand_set_str(char **field, const char *value, fu_err *err) {
    char *c = NULL;
    if (value) {
        size_t n = strlen(value);
        c = malloc(n + 1);
        if (!c) return fu_fail(err, FU_ENOMEM, "record: out of memory for a string of %zu bytes", n);
        memcpy(c, value, n + 1);
    }
    free(*field);
    *field = c;
    return FU_OK;
}

/* upper_ok: callers may hand in upper case (normalised on set); stored and
 * decoded IDs must already be lower case, or look-ups by ID would miss them. */
int fu_cand_add_rung(fu_cand_record *r, const char *rung, const char *outcome, int iterations,
                     double seconds, const char *message, fu_err *err) {
    fu_cand_rung *v = realloc(r->rungs, (size_t)(r->nrungs + 1) * sizeof *v);
    if (!v) return fu_fail(err, FU_ENOMEM, "record: out of memory for the recovery history");
    r->rungs = v;
    fu_cand_rung *g = &v[r->nrungs];
    memset(g, 0, sizeof *g);
    g->iterations = iterations;
    g->seconds = seconds;
    r->nrungs++;
    int rc = fu_cand_set_str(&g->rung, rung, err);
    if (!rc) rc = fu_cand_set_str(&g->outcome, outcome, err);
    if (!rc) rc = fu_cand_set_str(&g->message, message, err);
    return rc;
}

static int valid_id_case(const char *id, int upper_ok) {
    for (int i = 0; i < FU_CAND_ID_LEN; i++) {
        char c = id[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
              (upper_ok && c >= 'A' && c <= 'F')))
            return 0;
    }
    return id[FU_CAND_ID_LEN] == '\0';
}

static int valid_id(const char *id) { return valid_id_case(id, 1); }

/* An invalid ID shown in a message: letters and digits kept, anything else
 * (newlines, control or non-UTF-8 bytes) as '?', so the message stays one line. */
static const char *shown_id(const char *id, char out[41]) {
    int i = 0;
    for (; id && id[i] && i < 40; i++) {
        unsigned char c = (unsigned char)id[i];
        out[i] = (c < 128 && isalnum(c)) ? (char)c : '?';
    }
    out[i] = '\0';
    return out;
}

int fu_cand_record_set_id(fu_cand_record *r, const char *id, fu_err *err) {
    char shown[41];
    if (!id || strlen(id) != FU_CAND_ID_LEN || !valid_id(id))
        return fu_fail(err, FU_EINPUT, "record: candidate id '%s' is not %d hex digits",
                       id ? shown_id(id, shown) : "(null)", FU_CAND_ID_LEN);
    for (int i = 0; i <= FU_CAND_ID_LEN; i++)
        r->id[i] = (char)((id[i] >= 'A' && id[i] <= 'F') ? id[i] - 'A' + 'a' : id[i]);
    return FU_OK;
}

/* calloc that treats 0 elements as "no array" and reports failures. */
static int zalloc(void *pp, size_t n, size_t size, fu_err *err) {
    void **p = pp;
    *p = NULL;
    if (n == 0) return FU_OK;
    *p = calloc(n, size);
    if (!*p) return fu_fail(err, FU_ENOMEM, "record: out of memory for %zu x %zu bytes", n, size);
    return FU_OK;
}

int fu_cand_result_alloc(fu_cand_result *res, int natom, int nk, int nband, int nspecies,
                         fu_err *err) {
    if (natom < 0 || nk < 0 || nband < 0 || nspecies < 0)
        return fu_fail(err, FU_EINTERNAL, "record: negative array size");
    res->natom = natom;
    res->nk = nk;
    res->nband = nband;
    res->nspecies = nspecies;
    size_t nkb = (size_t)nk * (size_t)nband;
    int rc = zalloc(&res->atomic_number, natom, sizeof *res->atomic_number, err);
    if (!rc) rc = zalloc(&res->xred, natom, sizeof *res->xred, err);
    if (!rc && res->have_forces) rc = zalloc(&res->forces, natom, sizeof *res->forces, err);
    if (!rc) rc = zalloc(&res->kred, nk, sizeof *res->kred, err);
    if (!rc) rc = zalloc(&res->kweight, nk, sizeof *res->kweight, err);
    if (!rc) rc = zalloc(&res->eig, nkb, sizeof *res->eig, err);
    if (!rc) rc = zalloc(&res->occ, nkb, sizeof *res->occ, err);
    if (!rc) rc = zalloc(&res->species, nspecies, sizeof *res->species, err);
    if (!rc) rc = zalloc(&res->psp_name, nspecies, sizeof *res->psp_name, err);
    if (!rc) rc = zalloc(&res->psp_sha256, nspecies, sizeof *res->psp_sha256, err);
    if (!rc) rc = zalloc(&res->psp, nspecies, sizeof *res->psp, err);
    return rc;
}

int fu_cand_result_set_nspin(fu_cand_result *res, int nspin, fu_err *err) {
    if (nspin != 1 && nspin != 2) return fu_fail(err, FU_EINPUT, "record: nspin %d is not 1 or 2", nspin);
    size_t nkb = (size_t)res->nk * (size_t)res->nband;
    if (fu_cand_nspin(res) != nspin && nkb) {
        double *e = realloc(res->eig, (size_t)nspin * nkb * sizeof *e);
        if (e) res->eig = e;
        double *o = e ? realloc(res->occ, (size_t)nspin * nkb * sizeof *o) : NULL;
        if (o) res->occ = o;
        if (!e || !o) return fu_fail(err, FU_ENOMEM, "record: out of memory for a second spin channel");
        if (nspin == 2) {
            memset(res->eig + nkb, 0, nkb * sizeof *res->eig);
            memset(res->occ + nkb, 0, nkb * sizeof *res->occ);
        }
    }
    res->nspin = nspin;
    return FU_OK;
}

static void copy_fixed(char *dst, size_t cap, const char *src) {
    snprintf(dst, cap, "%s", src ? src : "");
}

int fu_cand_result_from_scf(fu_cand_result *res, const fu_structure *s, const fu_scf_params *p,
                            const fu_scf_result *r, fu_err *err) {
    result_free(res);
    res->etotal = r->etotal;
    memcpy(res->energy, r->energy, sizeof res->energy);
    res->efermi = r->efermi;
    res->vbm = r->vbm;
    res->cbm = r->cbm;
    res->gap = r->gap;
    res->nelec = r->nelec;
    res->volume = r->volume;
    res->ecut = p->ecut;
    res->tsmear = p->tsmear;
    res->last_denergy = r->last_denergy;
    res->last_drho = r->last_drho;
    res->gap_direct = r->gap_direct;
    res->vbm_k = r->vbm_k;
    res->cbm_k = r->cbm_k;
    res->converged = r->converged;
    res->iterations = r->iterations;
    res->nsym = r->nsym;
    res->spacegroup = r->spacegroup_number;
    res->have_forces = r->have_forces && r->forces;
    res->have_stress = r->have_stress;
    for (int i = 0; i < 3; i++) {
        res->kgrid[i] = p->kgrid[i];
        res->kshift[i] = p->kshift[i];
        for (int j = 0; j < 3; j++) {
            res->lattice[i][j] = s->lattice[i][j];
            res->stress[i][j] = r->have_stress ? r->stress[i][j] : 0.0;
        }
    }
    char formula[256];
    fu_structure_formula_reduced(s, formula, sizeof formula);
    int nsp = r->nspecies > 0 ? r->nspecies : s->nspecies;
    int rc = fu_cand_result_alloc(res, s->natom, r->nk, r->nband, nsp, err);
    if (!rc) rc = fu_cand_set_str(&res->formula, formula, err);
    if (!rc) rc = fu_cand_set_str(&res->xc, r->xc_names, err);
    if (!rc) rc = fu_cand_set_str(&res->smearing, fu_smearing_name(p->smearing), err);
    if (rc) {
        result_free(res);
        return rc;
    }
    for (int a = 0; a < s->natom; a++) {
        res->atomic_number[a] = s->znucl[s->typat[a]];
        memcpy(res->xred[a], s->xred[a], sizeof res->xred[a]);
        if (res->have_forces) memcpy(res->forces[a], r->forces[a], sizeof res->forces[a]);
    }
    for (int k = 0; k < r->nk; k++) {
        memcpy(res->kred[k], r->kred[k], sizeof res->kred[k]);
        res->kweight[k] = r->kweight[k];
    }
    int nspin = r->nspin == 2 ? 2 : 1;
    rc = fu_cand_result_set_nspin(res, nspin, err);
    if (rc) {
        result_free(res);
        return rc;
    }
    size_t nkb = (size_t)nspin * (size_t)r->nk * (size_t)r->nband;
    if (nkb) {
        memcpy(res->eig, r->eig, nkb * sizeof *res->eig);
        if (r->occ) memcpy(res->occ, r->occ, nkb * sizeof *res->occ);
    }
    res->magnetization = nspin == 2 ? r->magnetization : 0.0;
    res->abs_magnetization = nspin == 2 ? r->abs_magnetization : 0.0;
    for (int sp = 0; sp < nsp && sp < FU_MAX_SPECIES; sp++) {
        copy_fixed(res->species[sp], sizeof res->species[sp], sp < s->nspecies ? s->symbol[sp] : "");
        copy_fixed(res->psp_name[sp], sizeof res->psp_name[sp], r->psp_names[sp]);
        copy_fixed(res->psp_sha256[sp], sizeof res->psp_sha256[sp], r->psp_sha256[sp]);
        fu_cand_psp *q = &res->psp[sp];
        /* absolute, so that the stored path still names the file from another directory */
        char abs[PATH_MAX];
        const char *path = realpath(r->psp_paths[sp], abs) ? abs : r->psp_paths[sp];
        copy_fixed(q->path, sizeof q->path, fu_text_is_clean(path) && strlen(path) < sizeof q->path ? path : "");
        copy_fixed(q->format, sizeof q->format, r->psp_format[sp]);
        q->valence = r->psp_valence[sp];
        memcpy(q->hints, r->psp_hints[sp], sizeof q->hints);
    }
    return FU_OK;
}

/* ---- serialisation ------------------------------------------------------
 * The payload is a fixed sequence of little-endian fields (see README.md).
 * The tables below fix the order of the scalar fields: changing them
 * changes the journal format and requires a new FU_JOURNAL_VERSION. */

/* The SCF block's head fields (props/property.h): FU_SCFBLOCK_NF64 doubles, then
 * FU_SCFBLOCK_NI32 ints, then kgrid, kshift, lattice, stress. */
#define res_f64 (fu_scfblock_property.fields)
#define res_i32 (fu_scfblock_property.fields + FU_SCFBLOCK_NF64)

const fu_cand_field *fu_cand_result_f64_fields(size_t *n) {
    *n = FU_SCFBLOCK_NF64;
    return res_f64;
}
const fu_cand_field *fu_cand_result_i32_fields(size_t *n) {
    *n = FU_SCFBLOCK_NI32;
    return res_i32;
}

/* REC_CAND is the version-1 candidate record (read only); REC_CAND2 (journal
 * version 2, read only) appends timings, the settings flag and the recovery
 * history; REC_CAND3 (version 3, read only) then the properties block (spin
 * channels, relaxation, equation of state); REC_CAND4 (version 4) then, with a
 * result, each species' pseudopotential file, format, valence and hints. */
enum { REC_RUN = 1, REC_CAND = 2, REC_CAND2 = 3, REC_CAND3 = 4, REC_CAND4 = 5, REC_CKPT = 16, REC_STAGE = 17,
       REC_PROPS = 18, REC_LAYOUT = 19 };
/* types >= REC_OPTIONAL are annotations a reader may skip (journal.h) */
#define REC_OPTIONAL 16
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

typedef struct {
    const unsigned char *p;
    size_t len, pos;
    int bad;
} rbuf;

static int r_has(rbuf *b, size_t n) {
    if (b->bad || n > b->len - b->pos) {
        b->bad = 1;
        return 0;
    }
    return 1;
}
static unsigned r_u8(rbuf *b) { return r_has(b, 1) ? b->p[b->pos++] : 0; }
static uint32_t r_u32(rbuf *b) {
    if (!r_has(b, 4)) return 0;
    const unsigned char *c = b->p + b->pos;
    b->pos += 4;
    return (uint32_t)c[0] | (uint32_t)c[1] << 8 | (uint32_t)c[2] << 16 | (uint32_t)c[3] << 24;
}
static int r_i32(rbuf *b) { return (int)r_u32(b); }
static double r_f64(rbuf *b) {
    if (!r_has(b, 8)) return 0.0;
    uint64_t u = 0;
    for (int i = 0; i < 8; i++) u |= (uint64_t)b->p[b->pos + i] << (8 * i);
    b->pos += 8;
    double v;
    memcpy(&v, &u, 8);
    return v;
}
static void r_f64s(rbuf *b, double *v, size_t n) {
    if (!r_has(b, n * 8)) return; /* n*8 cannot overflow: n was bounded by the payload */
    for (size_t i = 0; i < n; i++) v[i] = r_f64(b);
}
/* Checked count of elements of elem_bytes each: a count larger than the
 * rest of the payload cannot be genuine and would only drive a huge malloc. */
static size_t r_count(rbuf *b, size_t elem_bytes) {
    uint32_t n = r_u32(b);
    if (b->bad || (elem_bytes && n > (b->len - b->pos) / elem_bytes)) {
        b->bad = 1;
        return 0;
    }
    return n;
}
static char *r_str(rbuf *b) {
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
static void r_fixed(rbuf *b, char *dst, size_t cap) {
    char *s = r_str(b);
    copy_fixed(dst, cap, s);
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
static void decode_fields(rbuf *b, const fu_property_field *f, size_t nf, void *data) {
    for (size_t k = 0; k < nf && !b->bad && b->pos < b->len; k++) {
        char *at = (char *)data + f[k].offset;
        for (int e = 0; f[k].kind != FU_FIELD_STR && e < f[k].count; e++) {
            if (f[k].kind == FU_FIELD_F64) ((double *)at)[e] = r_f64(b);
            else ((int *)at)[e] = r_i32(b);
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
static int has_blocks(const fu_cand_result *res) {
    for (int i = 0; i < FU_PROPERTY_MAX; i++)
        if (res->block[i]) return 1;
    return 0;
}

static void encode_blocks(wbuf *b, const fu_cand_result *res) {
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
static void decode_blocks(rbuf *b, fu_cand_result *res) {
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
            rbuf sub = {b->p + b->pos, n, 0, 0};
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

static int decode_result(rbuf *b, fu_cand_result *res, fu_err *err) {
    /* the head is fixed-size: a short payload shows up as b->bad */
    if (r_has(b, (FU_SCFBLOCK_NF64 + 21) * 8 + (FU_SCFBLOCK_NI32 + 3) * 4))
        decode_fields(b, fu_scfblock_property.fields, FU_SCFBLOCK_NHEAD, res);
    res->formula = r_str(b);
    res->xc = r_str(b);
    res->smearing = r_str(b);
    res->have_forces = res->have_forces != 0;
    size_t natom = r_count(b, res->have_forces ? 52 : 28);
    if (b->bad || natom > INT32_MAX) return FU_EINPUT;
    int rc = zalloc(&res->atomic_number, natom, sizeof *res->atomic_number, err);
    if (!rc) rc = zalloc(&res->xred, natom, sizeof *res->xred, err);
    if (!rc && res->have_forces) rc = zalloc(&res->forces, natom, sizeof *res->forces, err);
    if (rc) return rc;
    res->natom = (int)natom;
    for (size_t a = 0; a < natom; a++) res->atomic_number[a] = r_i32(b);
    if (natom) r_f64s(b, &res->xred[0][0], natom * 3);
    if (natom && res->have_forces) r_f64s(b, &res->forces[0][0], natom * 3);
    size_t nk = r_count(b, 32);
    size_t nband = r_u32(b);
    if (b->bad || (nk && nband > (b->len - b->pos) / 16 / nk)) return FU_EINPUT;
    if (nband > INT32_MAX) return FU_EINPUT;
    size_t nkb = nk * nband;
    rc = zalloc(&res->kred, nk, sizeof *res->kred, err);
    if (!rc) rc = zalloc(&res->kweight, nk, sizeof *res->kweight, err);
    if (!rc) rc = zalloc(&res->eig, nkb, sizeof *res->eig, err);
    if (!rc) rc = zalloc(&res->occ, nkb, sizeof *res->occ, err);
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
    rc = zalloc(&res->species, nsp, sizeof *res->species, err);
    if (!rc) rc = zalloc(&res->psp_name, nsp, sizeof *res->psp_name, err);
    if (!rc) rc = zalloc(&res->psp_sha256, nsp, sizeof *res->psp_sha256, err);
    if (!rc) rc = zalloc(&res->psp, nsp, sizeof *res->psp, err);
    if (rc) return rc;
    res->nspecies = (int)nsp;
    for (size_t sp = 0; sp < nsp; sp++) {
        r_fixed(b, res->species[sp], sizeof res->species[sp]);
        r_fixed(b, res->psp_name[sp], sizeof res->psp_name[sp]);
        r_fixed(b, res->psp_sha256[sp], sizeof res->psp_sha256[sp]);
    }
    return b->bad ? FU_EINPUT : FU_OK;
}

/* The properties block of REC_CAND3 (only with a result). */
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

static void decode_props(rbuf *b, fu_cand_result *res, fu_err *err) {
    unsigned nspin = r_u8(b);
    if (b->bad || (nspin != 1 && nspin != 2)) {
        b->bad = 1;
        return;
    }
    if (nspin == 2) {
        if (fu_cand_result_set_nspin(res, 2, err)) {
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
    res->relax_steps = r_i32(b);
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

/* The pseudopotential block of REC_CAND4 (only with a result). */
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

static void decode_psp(rbuf *b, fu_cand_result *res) {
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

/* blocks: 1 appends the tagged blocks (the payload of fu_cand_record_encode); the journal
 * file keeps them in a property record before the candidate record (fu_journal_append). */
static void encode_cand(wbuf *b, const fu_cand_record *r, int blocks) {
    w_u8(b, REC_CAND4);
    w_bytes(b, r->id, FU_CAND_ID_LEN);
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
    if (r->have_result && blocks) encode_blocks(b, &r->res);
}

static int check_record(const fu_cand_record *r, fu_err *err) {
    char shown[41];
    if (!valid_id_case(r->id, 0))
        return fu_fail(err, FU_EINPUT, "record: candidate id '%s' is not %d lower-case hex digits",
                       shown_id(r->id, shown), FU_CAND_ID_LEN);
    if (r->state < FU_CAND_QUEUED || r->state > FU_CAND_INVALID)
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

int fu_cand_record_encode(const fu_cand_record *r, unsigned char **buf, size_t *len, fu_err *err) {
    *buf = NULL;
    *len = 0;
    int rc = check_record(r, err);
    if (rc) return rc;
    wbuf b = {0};
    encode_cand(&b, r, 1);
    return encoded(&b, buf, len, "record", r->id, err);
}

/* Every string of a record is furui's own clean text (UTF-8 without control
 * characters, core/text.h): anything else is damage or a forgery, and would
 * otherwise travel into results files, terminals and the data hub. */
static const char *unclean_string(const fu_cand_record *r) {
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

/* Decodes a REC_CAND payload (type byte included). */
static int decode_cand(const unsigned char *buf, size_t len, fu_cand_record *r, fu_err *err) {
    fu_cand_record_init(r);
    rbuf b = {buf, len, 0, 0};
    unsigned type = r_u8(&b);
    if (type != REC_CAND && type != REC_CAND2 && type != REC_CAND3 && type != REC_CAND4)
        return fu_fail(err, FU_EINPUT, "record: not a candidate record");
    if (r_has(&b, FU_CAND_ID_LEN)) {
        memcpy(r->id, b.p + b.pos, FU_CAND_ID_LEN);
        b.pos += FU_CAND_ID_LEN;
    }
    r->state = (int)r_u8(&b);
    r->final = (int)r_u8(&b);
    r->have_result = (int)r_u8(&b);
    r->attempt = r_i32(&b);
    r->group = r_i32(&b);
    r->time_start = r_f64(&b);
    r->time_end = r_f64(&b);
    r->label = r_str(&b);
    r->cause = r_str(&b);
    r->message = r_str(&b);
    int rc = FU_OK;
    /* decode_result sets err only for ENOMEM; a short or inconsistent
     * payload shows up as b.bad or unconsumed bytes. */
    if (!b.bad && r->have_result) rc = decode_result(&b, &r->res, err);
    if (!rc && !b.bad && type >= REC_CAND2) {
        r->engine_seconds = r_f64(&b);
        r->io_seconds = r_f64(&b);
        r->settings_changed = (int)r_u8(&b);
        uint32_t nr = r_u32(&b);
        if (nr > MAX_RUNGS) b.bad = 1;
        for (uint32_t i = 0; !b.bad && i < nr; i++) {
            fu_cand_rung *v = realloc(r->rungs, (size_t)(i + 1) * sizeof *v);
            if (!v) {
                b.bad = 2;
                break;
            }
            r->rungs = v;
            memset(&v[i], 0, sizeof v[i]);
            r->nrungs = (int)i + 1;
            v[i].rung = r_str(&b);
            v[i].outcome = r_str(&b);
            v[i].iterations = r_i32(&b);
            v[i].seconds = r_f64(&b);
            v[i].message = r_str(&b);
        }
        if (r->settings_changed > 1) b.bad = 1;
    }
    if (!rc && !b.bad && type >= REC_CAND3 && r->have_result) decode_props(&b, &r->res, err);
    if (!rc && !b.bad && type == REC_CAND4 && r->have_result) decode_psp(&b, &r->res);
    if (!rc && !b.bad && type == REC_CAND4 && r->have_result) decode_blocks(&b, &r->res);
    if (rc != FU_ENOMEM && b.bad == 2) rc = fu_fail(err, FU_ENOMEM, "record: out of memory decoding");
    else if (rc != FU_ENOMEM && (rc || b.bad || b.pos != b.len))
        rc = fu_fail(err, FU_EINPUT, "record: payload of %zu bytes is malformed at byte %zu", len,
                     b.pos);
    if (!rc) rc = check_record(r, err);
    const char *bad = rc ? NULL : unclean_string(r);
    if (bad) rc = fu_fail(err, FU_EINPUT, "record: %s is not UTF-8 text without control characters", bad);
    if (rc) fu_cand_record_free(r);
    return rc;
}

int fu_cand_record_decode(const unsigned char *buf, size_t len, fu_cand_record *r, fu_err *err) {
    return decode_cand(buf, len, r, err);
}

/* ---- checkpoints ---------------------------------------------------------
 * REC_CKPT: id[16] | u8 kind | i32 attempt | f64 time | kind 1: i32 nsteps, i32 natom,
 * i32 fft[3], f64 lattice[9], f64 xred[3 natom], f64 energy | kind 2: i32 index, f64 volume, f64 energy */

void fu_cand_checkpoint_free(fu_cand_checkpoint *c) {
    if (!c) return;
    free(c->xred);
    c->xred = NULL;
    c->natom = 0;
}

static void encode_ckpt(wbuf *b, const fu_cand_checkpoint *c) {
    w_u8(b, REC_CKPT);
    w_bytes(b, c->id, FU_CAND_ID_LEN);
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

static int check_ckpt(const fu_cand_checkpoint *c, fu_err *err) {
    char shown[41];
    if (!valid_id_case(c->id, 0))
        return fu_fail(err, FU_EINPUT, "checkpoint: candidate id '%s' is not %d lower-case hex digits",
                       shown_id(c->id, shown), FU_CAND_ID_LEN);
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

int fu_cand_checkpoint_encode(const fu_cand_checkpoint *c, unsigned char **buf, size_t *len, fu_err *err) {
    *buf = NULL;
    *len = 0;
    int rc = check_ckpt(c, err);
    if (rc) return rc;
    wbuf b = {0};
    encode_ckpt(&b, c);
    return encoded(&b, buf, len, "checkpoint", c->id, err);
}

int fu_cand_checkpoint_decode(const unsigned char *buf, size_t len, fu_cand_checkpoint *c, fu_err *err) {
    memset(c, 0, sizeof *c);
    rbuf b = {buf, len, 0, 0};
    if (r_u8(&b) != REC_CKPT) return fu_fail(err, FU_EINPUT, "record: not a checkpoint");
    if (r_has(&b, FU_CAND_ID_LEN)) {
        memcpy(c->id, b.p + b.pos, FU_CAND_ID_LEN);
        b.pos += FU_CAND_ID_LEN;
    }
    c->kind = (int)r_u8(&b);
    c->attempt = r_i32(&b);
    c->time = r_f64(&b);
    if (c->kind == FU_CKPT_RELAX) {
        c->nsteps = r_i32(&b);
        int na = r_i32(&b);
        for (int i = 0; i < 3; i++) c->fft[i] = r_i32(&b);
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
        c->index = r_i32(&b);
        c->volume = r_f64(&b);
        c->energy = r_f64(&b);
    }
    int rc = FU_OK;
    if (b.bad || b.pos != b.len)
        rc = fu_fail(err, FU_EINPUT, "checkpoint: payload of %zu bytes is malformed at byte %zu", len, b.pos);
    if (!rc) rc = check_ckpt(c, err);
    for (int i = 0; !rc && i < 9; i++)
        if (!isfinite((&c->lattice[0][0])[i])) rc = fu_fail(err, FU_EINPUT, "checkpoint %s: lattice not finite", c->id);
    for (int i = 0; !rc && i < 3 * c->natom; i++)
        if (!isfinite((&c->xred[0][0])[i])) rc = fu_fail(err, FU_EINPUT, "checkpoint %s: positions not finite", c->id);
    if (rc) fu_cand_checkpoint_free(c);
    return rc;
}

/* ---- stage records ---------------------------------------------------------
 * REC_STAGE: id[16] | i32 stage (1-based) | string name | id[16] root */

static int check_stage(const fu_cand_stage *s, fu_err *err) {
    char shown[41];
    if (!valid_id_case(s->id, 0) || !valid_id_case(s->root, 0))
        return fu_fail(err, FU_EINPUT, "stage record: candidate id '%s' is not %d lower-case hex digits",
                       shown_id(valid_id_case(s->id, 0) ? s->root : s->id, shown), FU_CAND_ID_LEN);
    if (s->stage < 1 || s->stage > 1000 || !s->name[0] || memchr(s->name, 0, sizeof s->name) == NULL)
        return fu_fail(err, FU_EINPUT, "stage record %s: stage %d or its name out of range", s->id, s->stage);
    return FU_OK;
}

static void encode_stage(wbuf *b, const fu_cand_stage *s) {
    w_u8(b, REC_STAGE);
    w_bytes(b, s->id, FU_CAND_ID_LEN);
    w_i32(b, s->stage);
    w_str(b, s->name);
    w_bytes(b, s->root, FU_CAND_ID_LEN);
}

static int decode_stage(const unsigned char *buf, size_t len, fu_cand_stage *s) {
    memset(s, 0, sizeof *s);
    rbuf b = {buf, len, 0, 0};
    if (r_u8(&b) != REC_STAGE) return FU_EINPUT;
    if (r_has(&b, FU_CAND_ID_LEN)) {
        memcpy(s->id, b.p + b.pos, FU_CAND_ID_LEN);
        b.pos += FU_CAND_ID_LEN;
    }
    s->stage = r_i32(&b);
    r_fixed(&b, s->name, sizeof s->name);
    if (r_has(&b, FU_CAND_ID_LEN)) {
        memcpy(s->root, b.p + b.pos, FU_CAND_ID_LEN);
        b.pos += FU_CAND_ID_LEN;
    }
    if (b.bad == 2) return FU_ENOMEM;
    if (b.bad || b.pos != b.len) return FU_EINPUT;
    return check_stage(s, NULL) ? FU_EINPUT : FU_OK;
}

/* ---- layout records ----------------------------------------------------------
 * REC_LAYOUT: id[16] | i32 attempt | i32 ranks | i32 npk | i32 npb */

static int check_layout(const fu_cand_layout *l, fu_err *err) {
    char shown[41];
    if (!valid_id_case(l->id, 0))
        return fu_fail(err, FU_EINPUT, "layout record: candidate id '%s' is not %d lower-case hex digits",
                       shown_id(l->id, shown), FU_CAND_ID_LEN);
    if (l->attempt < 0 || l->ranks < 1 || l->ranks > 1 << 24 || l->npk < 0 || l->npb < 0 ||
        (long long)l->npk * l->npb > l->ranks)
        return fu_fail(err, FU_EINPUT, "layout record %s: %d ranks as %d x %d out of range", l->id, l->ranks,
                       l->npk, l->npb);
    return FU_OK;
}

static void encode_layout(wbuf *b, const fu_cand_layout *l) {
    w_u8(b, REC_LAYOUT);
    w_bytes(b, l->id, FU_CAND_ID_LEN);
    w_i32(b, l->attempt);
    w_i32(b, l->ranks);
    w_i32(b, l->npk);
    w_i32(b, l->npb);
}

static int decode_layout(const unsigned char *buf, size_t len, fu_cand_layout *l) {
    memset(l, 0, sizeof *l);
    rbuf b = {buf, len, 0, 0};
    if (r_u8(&b) != REC_LAYOUT) return FU_EINPUT;
    if (r_has(&b, FU_CAND_ID_LEN)) {
        memcpy(l->id, b.p + b.pos, FU_CAND_ID_LEN);
        b.pos += FU_CAND_ID_LEN;
    }
    l->attempt = r_i32(&b);
    l->ranks = r_i32(&b);
    l->npk = r_i32(&b);
    l->npb = r_i32(&b);
    if (b.bad || b.pos != b.len) return FU_EINPUT;
    return check_layout(l, NULL) ? FU_EINPUT : FU_OK;
}

static void encode_run(wbuf *b, const fu_run_info *ri) {
    w_u8(b, REC_RUN);
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

static int decode_run(const unsigned char *buf, size_t len, fu_run_info *ri) {
    memset(ri, 0, sizeof *ri);
    rbuf b = {buf, len, 0, 0};
    r_u8(&b);
    ri->time = r_f64(&b);
    r_fixed(&b, ri->code_version, sizeof ri->code_version);
    r_fixed(&b, ri->git_version, sizeof ri->git_version);
    r_fixed(&b, ri->build_type, sizeof ri->build_type);
    r_fixed(&b, ri->mpi_library, sizeof ri->mpi_library);
    r_fixed(&b, ri->host, sizeof ri->host);
    ri->ranks = r_i32(&b);
    ri->group_size = r_i32(&b);
    ri->shard_index = r_i32(&b);
    ri->shard_count = r_i32(&b);
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

void fu_run_info_local(fu_run_info *ri) {
    memset(ri, 0, sizeof *ri);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ri->time = (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
    copy_fixed(ri->code_version, sizeof ri->code_version, FURUI_VERSION);
    copy_fixed(ri->git_version, sizeof ri->git_version, FURUI_GIT_VERSION);
    copy_fixed(ri->build_type, sizeof ri->build_type, FURUI_BUILD_TYPE);
    char lib[MPI_MAX_LIBRARY_VERSION_STRING];
    int n = 0;
    if (MPI_Get_library_version(lib, &n) == MPI_SUCCESS) {
        lib[n < (int)sizeof lib ? n : (int)sizeof lib - 1] = '\0';
        lib[strcspn(lib, "\r\n")] = '\0'; /* first line: name and version */
        copy_fixed(ri->mpi_library, sizeof ri->mpi_library, lib);
    }
    if (gethostname(ri->host, sizeof ri->host) != 0) copy_fixed(ri->host, sizeof ri->host, "unknown");
    ri->host[sizeof ri->host - 1] = '\0';
}

void fu_run_info_free(fu_run_info *ri) {
    if (!ri) return;
    free(ri->sweep);
    ri->sweep = NULL;
}

/* ---- record comparison --------------------------------------------------- */

static int str_eq(const char *a, const char *b) { return strcmp(a ? a : "", b ? b : "") == 0; }
static int mem_eq(const void *a, const void *b, size_t n) {
    if (!n) return 1;
    if (!a || !b) return a == b;
    return memcmp(a, b, n) == 0;
}

/* Floating-point arrays equal bit for bit (tol 0; NaN equals NaN) or within
 * the merge tolerance (tol 1). */
/* tol 0: bit for bit; 1: the merge tolerance; 2: the SCF tolerance (below). */
static int f64s_eq(const double *a, const double *b, size_t n, int tol) {
    if (!n) return 1;
    if (!a || !b) return a == b;
    if (!tol) return memcmp(a, b, n * sizeof *a) == 0;
    double abs_tol = tol == 2 ? FU_MERGE_SCF_TOL : FU_MERGE_ABS_TOL;
    for (size_t i = 0; i < n; i++) {
        if (isnan(a[i]) || isnan(b[i])) {
            if (isnan(a[i]) != isnan(b[i])) return 0;
            continue;
        }
        if (a[i] == b[i]) continue; /* also equal infinities */
        double m = fabs(a[i]) > 1.0 ? fabs(a[i]) : 1.0;
        if (!(fabs(a[i] - b[i]) <= FU_MERGE_REL_TOL * m + abs_tol)) return 0;
    }
    return 1;
}

static const char *rungs_diff(const fu_cand_record *a, const fu_cand_record *b) {
    if (a->nrungs != b->nrungs) return "recovery";
    for (int i = 0; i < a->nrungs; i++) {
        const fu_cand_rung *x = &a->rungs[i], *y = &b->rungs[i];
        if (!str_eq(x->rung, y->rung) || !str_eq(x->outcome, y->outcome) ||
            x->iterations != y->iterations || !str_eq(x->message, y->message) ||
            !mem_eq(&x->seconds, &y->seconds, sizeof(double)))
            return "recovery";
    }
    return NULL;
}

/* The first field of a property's data in which x and y differ (NULL: none). Fields before a
 * ragged one hold its length, so the lengths agree when it is reached; gated fields count
 * only where the property is present. mode as record_diff. */
static const char *fields_diff(const fu_property_field *f, size_t nf, const void *x, const void *y, int present,
                               int mode) {
    for (size_t k = 0; k < nf; k++) {
        if (f[k].gated && !present) continue;
        if (mode == 2 && f[k].tol == FU_TOL_PATH) continue;
        const char *ax = (const char *)x + f[k].offset, *ay = (const char *)y + f[k].offset;
        size_t n = f[k].count > 0 ? (size_t)f[k].count : (size_t) * (const int *)((const char *)x + f[k].len_offset);
        if (f[k].kind == FU_FIELD_F64) {
            int tol = mode != 2 ? 0 : f[k].tol == FU_TOL_SCF ? 2 : 1;
            if (!f64s_eq((const double *)ax, (const double *)ay, n, tol)) return f[k].name;
        } else if (f[k].kind == FU_FIELD_I32) {
            const int *ix = (const int *)ax, *iy = (const int *)ay;
            for (size_t e = 0; e < n; e++)
                if (mode == 2 && f[k].tol == FU_TOL_PRESENCE ? !ix[e] != !iy[e] : ix[e] != iy[e]) return f[k].name;
        } else if (strncmp(ax, ay, n)) {
            return f[k].name;
        }
    }
    return NULL;
}

/* mode 0: outcome; 1: outcome and meta (when, where, timings, history);
 * 2: outcome with the merge tolerance, the SCF path ignored. */
static const char *record_diff(const fu_cand_record *a, const fu_cand_record *b, int mode) {
    int tol = mode == 2;
    if (strcmp(a->id, b->id)) return "id";
    if (a->state != b->state) return "state";
    if (!a->final != !b->final) return "final";
    if (!str_eq(a->label, b->label)) return "label";
    if (!str_eq(a->cause, b->cause)) return "cause";
    /* a done record's message only lists the recovery rungs (the SCF path) */
    if (!(tol && a->state == FU_CAND_DONE) && !str_eq(a->message, b->message)) return "message";
    if (!a->settings_changed != !b->settings_changed) return "settings_changed";
    if (mode == 1) {
        if (a->attempt != b->attempt) return "attempt";
        if (a->group != b->group) return "group";
        if (!mem_eq(&a->time_start, &b->time_start, sizeof(double))) return "time_start";
        if (!mem_eq(&a->time_end, &b->time_end, sizeof(double))) return "time_end";
        if (!mem_eq(&a->engine_seconds, &b->engine_seconds, sizeof(double))) return "engine_seconds";
        if (!mem_eq(&a->io_seconds, &b->io_seconds, sizeof(double))) return "io_seconds";
        const char *d = rungs_diff(a, b);
        if (d) return d;
    }
    if (!a->have_result != !b->have_result) return "have_result";
    if (!a->have_result) return NULL;
    const fu_cand_result *x = &a->res, *y = &b->res;
    size_t nreg;
    const fu_property *const *reg = fu_property_registry(&nreg);
    const fu_property *scf = &fu_scfblock_property;
    const char *d = fields_diff(scf->fields, FU_SCFBLOCK_NHEAD, x, y, 1, mode);
    if (d) return d;
    if (!str_eq(x->formula, y->formula)) return "formula";
    if (!str_eq(x->xc, y->xc)) return "xc";
    if (!str_eq(x->smearing, y->smearing)) return "smearing";
    if (x->natom != y->natom) return "natom";
    size_t na = (size_t)x->natom;
    if (!mem_eq(x->atomic_number, y->atomic_number, na * sizeof(int))) return "atomic_numbers";
    if (!f64s_eq(x->xred ? &x->xred[0][0] : NULL, y->xred ? &y->xred[0][0] : NULL, na * 3, tol))
        return "xred";
    if (x->have_forces &&
        !f64s_eq(x->forces ? &x->forces[0][0] : NULL, y->forces ? &y->forces[0][0] : NULL, na * 3, tol ? 2 : 0))
        return "forces";
    if (x->nk != y->nk) return "nk";
    if (x->nband != y->nband) return "nband";
    size_t nk = (size_t)x->nk, nkb = nk * (size_t)x->nband;
    if (!f64s_eq(x->kred ? &x->kred[0][0] : NULL, y->kred ? &y->kred[0][0] : NULL, nk * 3, tol))
        return "kpoints_red";
    if (!f64s_eq(x->kweight, y->kweight, nk, tol)) return "kweights";
    if (fu_cand_nspin(x) != fu_cand_nspin(y)) return "nspin";
    nkb *= (size_t)fu_cand_nspin(x);
    if (!f64s_eq(x->eig, y->eig, nkb, tol ? 2 : 0)) return "eigenvalues";
    if (!f64s_eq(x->occ, y->occ, nkb, tol ? 2 : 0)) return "occupations";
    d = fields_diff(scf->fields + FU_SCFBLOCK_NHEAD, scf->nfields - FU_SCFBLOCK_NHEAD, x, y, 1, mode);
    if (d) return d;
    /* every other property, by its descriptor */
    for (size_t i = 1; i < nreg; i++) {
        const fu_property *p = reg[i];
        const void *dx = fu_property_data(p, i, x), *dy = fu_property_data(p, i, y);
        if (!dx != !dy) return p->name;
        if (dx && (d = fields_diff(p->fields, p->nfields, dx, dy, fu_property_present(p, i, x), mode))) return d;
    }
    if (x->nspecies != y->nspecies) return "nspecies";
    for (int sp = 0; sp < x->nspecies; sp++) {
        if (strcmp(x->species[sp], y->species[sp])) return "species";
        if (strcmp(x->psp_name[sp], y->psp_name[sp])) return "pseudopotential";
        if (strcmp(x->psp_sha256[sp], y->psp_sha256[sp])) return "pseudopotential_sha256";
    }
    return NULL;
}

const char *fu_cand_record_diff(const fu_cand_record *a, const fu_cand_record *b, int with_meta) {
    return record_diff(a, b, with_meta ? 1 : 0);
}

const char *fu_cand_record_diff_close(const fu_cand_record *a, const fu_cand_record *b) {
    return record_diff(a, b, 2);
}

int fu_cand_record_copy(fu_cand_record *dst, const fu_cand_record *src, fu_err *err) {
    /* Through the codec: one definition of what a record contains. */
    unsigned char *buf;
    size_t len;
    int rc = fu_cand_record_encode(src, &buf, &len, err);
    if (rc) return rc;
    rc = decode_cand(buf, len, dst, err);
    free(buf);
    if (!rc) { /* the stage is the stage record's, not the codec's */
        dst->stage = src->stage;
        memcpy(dst->stage_name, src->stage_name, sizeof dst->stage_name);
        memcpy(dst->stage_root, src->stage_root, sizeof dst->stage_root);
        dst->ranks = src->ranks, dst->npk = src->npk, dst->npb = src->npb; /* the layout record's */
    }
    return rc;
}

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
    /* the last property record (REC_PROPS), for the candidate record that follows it */
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
        if (type == REC_CAND || type == REC_CAND2 || type == REC_CAND3 || type == REC_CAND4) {
            fu_cand_record rec;
            fu_err e2;
            int d = decode_cand(r.buf, len, &rec, &e2);
            if (!d && props && rec.have_result && memcmp(props + 1, rec.id, FU_CAND_ID_LEN) == 0) {
                rbuf pb = {props, props_len, 1 + FU_CAND_ID_LEN, 0};
                if (r_i32(&pb) == rec.attempt) decode_blocks(&pb, &rec.res);
                const char *unclean = pb.bad ? NULL : unclean_string(&rec);
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
                fu_cand_record_free(&rec);
            }
        } else if (type == REC_RUN) {
            fu_run_info ri;
            int d = decode_run(r.buf, len, &ri);
            if (d == FU_ENOMEM) rc = fu_fail(err, FU_ENOMEM, "%s: out of memory", path);
            else if (d) bad = 1;
            else {
                diag->nruns++;
                if (on_run) rc = on_run(ctx, &ri, err);
                fu_run_info_free(&ri);
            }
        } else if (type == REC_CKPT) {
            if (on_ckpt) {
                fu_cand_checkpoint ck;
                fu_err e2;
                int d = fu_cand_checkpoint_decode(r.buf, len, &ck, &e2);
                if (d == FU_ENOMEM) rc = fu_fail(err, FU_ENOMEM, "%s: %s", path, e2.msg);
                else if (d) bad = 1;
                else {
                    rc = on_ckpt(ctx, &ck, err);
                    fu_cand_checkpoint_free(&ck);
                }
            }
        } else if (type == REC_STAGE) {
            if (on_stage) {
                fu_cand_stage st;
                int d = decode_stage(r.buf, len, &st);
                if (d == FU_ENOMEM) rc = fu_fail(err, FU_ENOMEM, "%s: out of memory", path);
                else if (d) bad = 1;
                else rc = on_stage(ctx, &st, err);
            }
        } else if (type == REC_PROPS) {
            free(props);
            props = NULL;
            if (len < 1 + FU_CAND_ID_LEN + 4) bad = 1;
            else if (!(props = malloc(len))) rc = fu_fail(err, FU_ENOMEM, "%s: out of memory", path);
            else memcpy(props, r.buf, props_len = len);
        } else if (type == REC_LAYOUT) {
            if (on_layout) {
                fu_cand_layout l;
                if (decode_layout(r.buf, len, &l)) bad = 1;
                else rc = on_layout(ctx, &l, err);
            }
        } else if (type < REC_OPTIONAL) {
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

static int scan_cand(void *vctx, fu_cand_record *rec, fu_err *err) {
    scan_ctx *c = vctx;
    fu_journal_scan *s = c->scan;
    int added;
    size_t i = fu_idmap_get(&c->map, rec->id, s->ncand, &added);
    if (i == SIZE_MAX) return fu_fail(err, FU_ENOMEM, "%s: out of memory scanning", c->path);
    if (added) {
        if (s->ncand == c->cap) {
            size_t cap = c->cap ? 2 * c->cap : 64;
            fu_cand_status *q = realloc(s->cand, cap * sizeof *q);
            if (!q) return fu_fail(err, FU_ENOMEM, "%s: out of memory scanning", c->path);
            s->cand = q;
            c->cap = cap;
        }
        fu_cand_status *e = &s->cand[s->ncand++];
        memset(e, 0, sizeof *e);
        memcpy(e->id, rec->id, sizeof e->id);
    }
    fu_cand_status *e = &s->cand[i];
    if (rec->attempt > e->attempts) e->attempts = rec->attempt;
    int failed = rec->state == FU_CAND_FAILED && rec->cause;
    int crashed = failed && strcmp(rec->cause, "crashed") == 0;
    e->crashes += crashed;
    e->interruptions += failed && strcmp(rec->cause, "interrupted") == 0;
    e->open = rec->state == FU_CAND_STARTED;
    /* e->final is "terminal" (fu_cand_status) */
    if (fu_cand_supersedes(e->state, e->final, rec->state, rec->final)) {
        e->state = rec->state;
        e->final = fu_cand_state_terminal(rec->state, rec->final);
        e->final_crash = e->final && crashed;
    }
    return FU_OK;
}

static int cmp_status(const void *a, const void *b) {
    return strcmp(((const fu_cand_status *)a)->id, ((const fu_cand_status *)b)->id);
}

void fu_journal_scan_free(fu_journal_scan *s) {
    if (!s) return;
    free(s->cand);
    memset(s, 0, sizeof *s);
}

const fu_cand_status *fu_journal_scan_find(const fu_journal_scan *s, const char *id) {
    if (!s || !s->ncand || !id || strlen(id) != FU_CAND_ID_LEN) return NULL; /* bsearch(NULL) is UB */
    fu_cand_status key;
    for (int i = 0; i <= FU_CAND_ID_LEN; i++)
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
static int append_payload(fu_journal *j, wbuf *b, int sync, fu_err *err) {
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
        wbuf b = {0};
        unsigned char zero[FRAME_HEAD] = {0};
        w_bytes(&b, zero, FRAME_HEAD);
        encode_run(&b, run);
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
static int frame_open(fu_journal *j, int rc, wbuf *b, fu_err *err) {
    if (rc) {
        fu_err_prefix(err, "%s", j->path);
        return rc;
    }
    unsigned char zero[FRAME_HEAD] = {0};
    w_bytes(b, zero, FRAME_HEAD);
    return FU_OK;
}

/* Seals the frame that starts at byte `start` of b and runs to its end. */
static int seal_from(fu_journal *j, wbuf *b, size_t start, fu_err *err) {
    if (b->oom) return fu_fail(err, FU_ENOMEM, "%s: out of memory encoding a record", j->path);
    if (b->len - start - FRAME_HEAD > FU_JOURNAL_MAX_RECORD)
        return fu_fail(err, FU_EINPUT, "%s: record of %zu bytes exceeds the %u-byte limit", j->path,
                       b->len - start - FRAME_HEAD, FU_JOURNAL_MAX_RECORD);
    return frame_seal(b->p + start, b->len - start - FRAME_HEAD, err);
}

int fu_journal_append(fu_journal *j, const fu_cand_record *r, int sync, fu_err *err) {
    wbuf b = {0};
    int rc = frame_open(j, check_record(r, err), &b, err);
    if (rc) return rc;
    if (!(r->have_result && has_blocks(&r->res))) {
        encode_cand(&b, r, 0);
        return append_payload(j, &b, sync, err);
    }
    /* The blocks of the block properties go in a property record (REC_PROPS: id | i32 attempt |
     * tagged blocks) just before the candidate record, in the same write: a furui that does not
     * know the record skips it as optional and still reads the candidate. */
    w_u8(&b, REC_PROPS);
    w_bytes(&b, r->id, FU_CAND_ID_LEN);
    w_i32(&b, r->attempt);
    encode_blocks(&b, &r->res);
    rc = seal_from(j, &b, 0, err);
    size_t second = b.len;
    unsigned char zero[FRAME_HEAD] = {0};
    w_bytes(&b, zero, FRAME_HEAD);
    encode_cand(&b, r, 0);
    if (!rc) rc = seal_from(j, &b, second, err);
    if (!rc) rc = append_frame(j, b.p, b.len, sync, err);
    free(b.p);
    return rc;
}

int fu_journal_append_checkpoint(fu_journal *j, const fu_cand_checkpoint *c, int sync, fu_err *err) {
    wbuf b = {0};
    int rc = frame_open(j, check_ckpt(c, err), &b, err);
    if (rc) return rc;
    encode_ckpt(&b, c);
    return append_payload(j, &b, sync, err);
}

int fu_journal_append_stage(fu_journal *j, const fu_cand_stage *s, int sync, fu_err *err) {
    wbuf b = {0};
    int rc = frame_open(j, check_stage(s, err), &b, err);
    if (rc) return rc;
    encode_stage(&b, s);
    return append_payload(j, &b, sync, err);
}

int fu_journal_append_layout(fu_journal *j, const fu_cand_layout *l, int sync, fu_err *err) {
    wbuf b = {0};
    int rc = frame_open(j, check_layout(l, err), &b, err);
    if (rc) return rc;
    encode_layout(&b, l);
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
