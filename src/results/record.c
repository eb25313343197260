/* Candidate records and the other records a journal holds (results/record.h). */
/* realpath (a pseudopotential file's path in the record) is XSI, hidden under plain POSIX. */
#define _XOPEN_SOURCE 700
#include "results/record.h"

#include "core/text.h"
#include "furui_git_version.h"
#include "results/codec.h"
#include "dft/occupations.h"

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

/* ---- states ------------------------------------------------------------ */

const char *fu_record_state_name(int state) {
    switch (state) {
    case FU_RECORD_QUEUED: return "queued";
    case FU_RECORD_STARTED: return "started";
    case FU_RECORD_DONE: return "done";
    case FU_RECORD_FAILED: return "failed";
    case FU_RECORD_INVALID: return "invalid";
    default: return "unknown";
    }
}

int fu_record_state_terminal(int state, int final) {
    return state == FU_RECORD_DONE || state == FU_RECORD_INVALID ||
           (state == FU_RECORD_FAILED && final);
}

int fu_record_supersedes(int old_state, int old_final, int new_state, int new_final) {
    return fu_record_state_terminal(new_state, new_final) || !fu_record_state_terminal(old_state, old_final);
}

/* ---- records ----------------------------------------------------------- */

void fu_record_init(fu_record *r) {
    memset(r, 0, sizeof *r);
    r->group = -1;
    r->engine_seconds = NAN;
    r->io_seconds = NAN;
}

static void rungs_free(fu_record *r) {
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

void fu_record_free(fu_record *r) {
    if (!r) return;
    free(r->label);
    free(r->cause);
    free(r->message);
    result_free(&r->res);
    rungs_free(r);
    fu_record_init(r);
}

int fu_record_set_str(char **field, const char *value, fu_err *err) {
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
int fu_record_add_rung(fu_record *r, const char *rung, const char *outcome, int iterations,
                     double seconds, const char *message, fu_err *err) {
    fu_record_rung *v = realloc(r->rungs, (size_t)(r->nrungs + 1) * sizeof *v);
    if (!v) return fu_fail(err, FU_ENOMEM, "record: out of memory for the recovery history");
    r->rungs = v;
    fu_record_rung *g = &v[r->nrungs];
    memset(g, 0, sizeof *g);
    g->iterations = iterations;
    g->seconds = seconds;
    r->nrungs++;
    int rc = fu_record_set_str(&g->rung, rung, err);
    if (!rc) rc = fu_record_set_str(&g->outcome, outcome, err);
    if (!rc) rc = fu_record_set_str(&g->message, message, err);
    return rc;
}

int fu_record_id_valid(const char *id, int upper_ok) {
    for (int i = 0; i < FU_RECORD_ID_LEN; i++) {
        char c = id[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
              (upper_ok && c >= 'A' && c <= 'F')))
            return 0;
    }
    return id[FU_RECORD_ID_LEN] == '\0';
}

int valid_id(const char *id) { return fu_record_id_valid(id, 1); }

/* An invalid ID shown in a message: letters and digits kept, anything else
 * (newlines, control or non-UTF-8 bytes) as '?', so the message stays one line. */
const char *fu_record_id_shown(const char *id, char out[41]) {
    int i = 0;
    for (; id && id[i] && i < 40; i++) {
        unsigned char c = (unsigned char)id[i];
        out[i] = (c < 128 && isalnum(c)) ? (char)c : '?';
    }
    out[i] = '\0';
    return out;
}

int fu_record_set_id(fu_record *r, const char *id, fu_err *err) {
    char shown[41];
    if (!id || strlen(id) != FU_RECORD_ID_LEN || !valid_id(id))
        return fu_fail(err, FU_EINPUT, "record: candidate id '%s' is not %d hex digits",
                       id ? fu_record_id_shown(id, shown) : "(null)", FU_RECORD_ID_LEN);
    for (int i = 0; i <= FU_RECORD_ID_LEN; i++)
        r->id[i] = (char)((id[i] >= 'A' && id[i] <= 'F') ? id[i] - 'A' + 'a' : id[i]);
    return FU_OK;
}

/* calloc that treats 0 elements as "no array" and reports failures. */
int fu_record_zalloc(void *pp, size_t n, size_t size, fu_err *err) {
    void **p = pp;
    *p = NULL;
    if (n == 0) return FU_OK;
    *p = calloc(n, size);
    if (!*p) return fu_fail(err, FU_ENOMEM, "record: out of memory for %zu x %zu bytes", n, size);
    return FU_OK;
}

int fu_record_result_alloc(fu_cand_result *res, int natom, int nk, int nband, int nspecies,
                         fu_err *err) {
    if (natom < 0 || nk < 0 || nband < 0 || nspecies < 0)
        return fu_fail(err, FU_EINTERNAL, "record: negative array size");
    res->natom = natom;
    res->nk = nk;
    res->nband = nband;
    res->nspecies = nspecies;
    size_t nkb = (size_t)nk * (size_t)nband;
    int rc = fu_record_zalloc(&res->atomic_number, natom, sizeof *res->atomic_number, err);
    if (!rc) rc = fu_record_zalloc(&res->xred, natom, sizeof *res->xred, err);
    if (!rc && res->have_forces) rc = fu_record_zalloc(&res->forces, natom, sizeof *res->forces, err);
    if (!rc) rc = fu_record_zalloc(&res->kred, nk, sizeof *res->kred, err);
    if (!rc) rc = fu_record_zalloc(&res->kweight, nk, sizeof *res->kweight, err);
    if (!rc) rc = fu_record_zalloc(&res->eig, nkb, sizeof *res->eig, err);
    if (!rc) rc = fu_record_zalloc(&res->occ, nkb, sizeof *res->occ, err);
    if (!rc) rc = fu_record_zalloc(&res->species, nspecies, sizeof *res->species, err);
    if (!rc) rc = fu_record_zalloc(&res->psp_name, nspecies, sizeof *res->psp_name, err);
    if (!rc) rc = fu_record_zalloc(&res->psp_sha256, nspecies, sizeof *res->psp_sha256, err);
    if (!rc) rc = fu_record_zalloc(&res->psp, nspecies, sizeof *res->psp, err);
    return rc;
}

int fu_record_result_set_nspin(fu_cand_result *res, int nspin, fu_err *err) {
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

int fu_record_result_from_scf(fu_cand_result *res, const fu_structure *s, const fu_scf_params *p,
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
    int rc = fu_record_result_alloc(res, s->natom, r->nk, r->nband, nsp, err);
    if (!rc) rc = fu_record_set_str(&res->formula, formula, err);
    if (!rc) rc = fu_record_set_str(&res->xc, r->xc_names, err);
    if (!rc) rc = fu_record_set_str(&res->smearing, fu_smearing_name(p->smearing), err);
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
    rc = fu_record_result_set_nspin(res, nspin, err);
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

/* ---- checkpoints ---------------------------------------------------------
 * FU_CODEC_CKPT: id[16] | u8 kind | i32 attempt | f64 time | kind 1: i32 nsteps, i32 natom,
 * i32 fft[3], f64 lattice[9], f64 xred[3 natom], f64 energy | kind 2: i32 index, f64 volume, f64 energy */

void fu_record_checkpoint_free(fu_record_checkpoint *c) {
    if (!c) return;
    free(c->xred);
    c->xred = NULL;
    c->natom = 0;
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

int fu_record_copy(fu_record *dst, const fu_record *src, fu_err *err) {
    /* Through the codec: one definition of what a record contains. */
    unsigned char *buf;
    size_t len;
    int rc = fu_codec_record_encode(src, &buf, &len, err);
    if (rc) return rc;
    rc = fu_codec_get_record(buf, len, dst, err);
    free(buf);
    if (!rc) { /* the stage is the stage record's, not the codec's */
        dst->stage = src->stage;
        memcpy(dst->stage_name, src->stage_name, sizeof dst->stage_name);
        memcpy(dst->stage_root, src->stage_root, sizeof dst->stage_root);
        dst->ranks = src->ranks, dst->npk = src->npk, dst->npb = src->npb; /* the layout record's */
        dst->npg = src->npg;
    }
    return rc;
}
