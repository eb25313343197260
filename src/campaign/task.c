/* The farm's task message (task.h). */
#include "campaign/task.h"

#include "core/bytebuf.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char task_magic[6] = {'F', 'U', 'T', 'A', 'S', 'K'};

/* A new field of these structs needs its line in the codec below (and in the format of
 * task.h and the round trip of tests/unit/test_task.c); these sizes, on the LP64 ABIs furui
 * is built for, make a forgotten one fail the build instead of the message. */
#if defined(__LP64__) && FU_MAX_SPECIES == 16 && FU_PROPERTY_MAX % 8 == 0 && FU_SPEC_LEN == 512 && FU_SYMBOL_LEN == 4
_Static_assert(sizeof(fu_scf_params) == 8648, "fu_scf_params changed: update the task codec (task.c)");
/* a field added into the tail padding would keep the size: the last field must end the
 * struct but for its 4 bytes of padding (one more int would fill them unseen: the next
 * field is to be a double or come in a pair of ints) */
_Static_assert(offsetof(fu_scf_params, npfft) + 2 * sizeof(int) == sizeof(fu_scf_params),
               "fu_scf_params: a field after npfft: update the task codec (task.c)");
_Static_assert(sizeof(fu_relax_opts) == 112, "fu_relax_opts changed: update the task codec (task.c)");
_Static_assert(sizeof(fu_cand_tasks) == 152 + FU_PROPERTY_MAX + FU_PROPERTY_MAX * FU_PROPERTY_OPTS * 8, "fu_cand_tasks changed: update the task codec (task.c)");
_Static_assert(sizeof(fu_structure) == 232, "fu_structure changed: update the task codec (task.c)");
#endif

/* ---- writer ---- */
typedef fu_bytebuf wbuf;
#define w_bytes fu_bytebuf_put
#define w_u32 fu_bytebuf_u32
#define w_i32 fu_bytebuf_i32
#define w_f64 fu_bytebuf_f64

/* s: a NUL-terminated string within cap bytes (cut at cap if not) */
static void w_str(wbuf *b, const char *s, size_t cap) {
    size_t n = strnlen(s, cap);
    w_u32(b, (uint32_t)n);
    w_bytes(b, s, n);
}

/* ---- reader ---- */
typedef struct {
    const unsigned char *p;
    size_t len, pos;
    int bad; /* truncated or out of range */
} rbuf;

static int r_has(rbuf *b, size_t n) {
    if (b->bad || b->len - b->pos < n) {
        b->bad = 1;
        return 0;
    }
    return 1;
}

static uint32_t r_u32(rbuf *b) {
    if (!r_has(b, 4)) return 0;
    const unsigned char *c = b->p + b->pos;
    b->pos += 4;
    return (uint32_t)c[0] | (uint32_t)c[1] << 8 | (uint32_t)c[2] << 16 | (uint32_t)c[3] << 24;
}

static int r_i32(rbuf *b) { return (int)(int32_t)r_u32(b); }

static double r_f64(rbuf *b) {
    uint64_t lo = r_u32(b), hi = r_u32(b);
    uint64_t u = lo | hi << 32;
    double v;
    memcpy(&v, &u, 8);
    return v;
}

/* into dst[cap] with a NUL; longer than cap - 1 is out of range */
static void r_str(rbuf *b, char *dst, size_t cap) {
    uint32_t n = r_u32(b);
    if (b->bad || n >= cap || !r_has(b, n)) {
        b->bad = 1;
        if (cap) dst[0] = '\0';
        return;
    }
    memcpy(dst, b->p + b->pos, n);
    dst[n] = '\0';
    b->pos += n;
}

/* ---- the message ---- */

static void w_params(wbuf *b, const fu_scf_params *p) {
    w_u32(b, FU_MAX_SPECIES);
    for (int i = 0; i < FU_MAX_SPECIES; i++) w_str(b, p->pseudo[i], sizeof p->pseudo[i]);
    w_str(b, p->xc, sizeof p->xc);
    w_f64(b, p->ecut);
    for (int i = 0; i < 3; i++) w_i32(b, p->kgrid[i]);
    for (int i = 0; i < 3; i++) w_f64(b, p->kshift[i]);
    for (int i = 0; i < 3; i++) w_i32(b, p->fft[i]);
    w_i32(b, p->nband);
    w_i32(b, (int)p->smearing);
    w_i32(b, p->smearing_order);
    w_f64(b, p->tsmear);
    w_i32(b, p->use_symmetry);
    w_i32(b, p->time_reversal);
    w_f64(b, p->symprec);
    w_i32(b, p->max_iterations);
    w_f64(b, p->tol_energy);
    w_f64(b, p->tol_density);
    w_f64(b, p->mixing_damping);
    w_i32(b, p->mixing_history);
    w_f64(b, p->kerker_k0);
    w_i32(b, p->compute_forces);
    w_i32(b, p->compute_stress);
    w_i32(b, p->verbosity);
    w_i32(b, p->nspin);
    w_u32(b, FU_MAX_SPECIES);
    for (int i = 0; i < FU_MAX_SPECIES; i++) w_f64(b, p->spin_moment[i]);
    w_i32(b, p->fft_patient);
    w_i32(b, p->threads);
    w_str(b, p->protocol, sizeof p->protocol);
    w_i32(b, p->npband);
    w_i32(b, p->scalapack_min);
    w_i32(b, p->npfft);
}

static void r_params(rbuf *b, fu_scf_params *p) {
    uint32_t n = r_u32(b);
    for (uint32_t i = 0; i < n && !b->bad; i++) {
        char tmp[FU_SPEC_LEN];
        r_str(b, tmp, sizeof tmp);
        if (i < FU_MAX_SPECIES) memcpy(p->pseudo[i], tmp, sizeof tmp);
        else if (tmp[0]) b->bad = 1; /* a species this build cannot hold */
    }
    r_str(b, p->xc, sizeof p->xc);
    p->ecut = r_f64(b);
    for (int i = 0; i < 3; i++) p->kgrid[i] = r_i32(b);
    for (int i = 0; i < 3; i++) p->kshift[i] = r_f64(b);
    for (int i = 0; i < 3; i++) p->fft[i] = r_i32(b);
    p->nband = r_i32(b);
    p->smearing = (fu_smearing)r_i32(b);
    p->smearing_order = r_i32(b);
    p->tsmear = r_f64(b);
    p->use_symmetry = r_i32(b);
    p->time_reversal = r_i32(b);
    p->symprec = r_f64(b);
    p->max_iterations = r_i32(b);
    p->tol_energy = r_f64(b);
    p->tol_density = r_f64(b);
    p->mixing_damping = r_f64(b);
    p->mixing_history = r_i32(b);
    p->kerker_k0 = r_f64(b);
    p->compute_forces = r_i32(b);
    p->compute_stress = r_i32(b);
    p->verbosity = r_i32(b);
    p->nspin = r_i32(b);
    n = r_u32(b);
    for (uint32_t i = 0; i < n && !b->bad; i++) {
        double m = r_f64(b);
        if (i < FU_MAX_SPECIES) p->spin_moment[i] = m;
        else if (m != 0) b->bad = 1;
    }
    p->fft_patient = r_i32(b);
    p->threads = r_i32(b);
    r_str(b, p->protocol, sizeof p->protocol);
    p->npband = r_i32(b);
    p->scalapack_min = r_i32(b);
    p->npfft = r_i32(b);
}

static void w_tasks(wbuf *b, const fu_cand_tasks *t) {
    const fu_relax_opts *r = &t->relax_opts;
    w_i32(b, t->relax);
    w_i32(b, r->relax_cell);
    w_f64(b, r->pressure);
    w_i32(b, r->max_steps);
    w_f64(b, r->force_tol);
    w_f64(b, r->stress_tol);
    w_i32(b, r->algorithm);
    w_f64(b, r->max_step);
    w_f64(b, r->h0);
    w_i32(b, r->final_scf);
    w_f64(b, r->deadline);
    w_i32(b, t->bands);
    w_f64(b, t->bands_density);
    w_i32(b, t->eos);
    w_i32(b, t->eos_points);
    w_f64(b, t->eos_range);
    w_u32(b, FU_PROPERTY_MAX);
    w_u32(b, FU_PROPERTY_OPTS);
    for (int i = 0; i < FU_PROPERTY_MAX; i++) {
        w_i32(b, t->block_on[i]);
        for (int o = 0; o < FU_PROPERTY_OPTS; o++) w_f64(b, t->block_opts[i][o]);
    }
}

static void r_tasks(rbuf *b, fu_cand_tasks *t) {
    fu_relax_opts *r = &t->relax_opts;
    t->relax = r_i32(b);
    r->relax_cell = r_i32(b);
    r->pressure = r_f64(b);
    r->max_steps = r_i32(b);
    r->force_tol = r_f64(b);
    r->stress_tol = r_f64(b);
    r->algorithm = r_i32(b);
    r->max_step = r_f64(b);
    r->h0 = r_f64(b);
    r->final_scf = r_i32(b);
    r->deadline = r_f64(b);
    t->bands = r_i32(b);
    t->bands_density = r_f64(b);
    t->eos = r_i32(b);
    t->eos_points = r_i32(b);
    t->eos_range = r_f64(b);
    /* block properties (props/property.h): the same registry on both ends of one job */
    uint32_t nprop = r_u32(b), nopt = r_u32(b);
    if (nprop != FU_PROPERTY_MAX || nopt != FU_PROPERTY_OPTS) b->bad = 1;
    for (int i = 0; i < FU_PROPERTY_MAX && !b->bad; i++) {
        int on = r_i32(b);
        if (on != 0 && on != 1) b->bad = 1;
        t->block_on[i] = (unsigned char)on;
        for (int o = 0; o < FU_PROPERTY_OPTS; o++) t->block_opts[i][o] = r_f64(b);
    }
}

/* more atoms than this are a damaged message (FU_JOURNAL_MAX_RECORD's order) */
#define MAX_ATOMS (1 << 22)

int fu_task_encode(const fu_task *t, unsigned char **buf, size_t *len, fu_err *err) {
    *buf = NULL;
    *len = 0;
    const fu_structure *s = &t->structure;
    if (s->natom < 1 || s->natom > MAX_ATOMS || !s->xred || !s->typat || s->nspecies < 0 ||
        s->nspecies > FU_MAX_SPECIES || t->neos < 0 || t->neos > FU_EOS_MAXPOINTS ||
        (t->relax_steps > 0 && s->natom && !t->relax_xred))
        return fu_fail(err, FU_EINPUT, "candidate %.16s: task of %d atoms, %d species, %d EOS points out of range",
                       t->id, s->natom, s->nspecies, t->neos);
    wbuf b = {0};
    w_bytes(&b, task_magic, sizeof task_magic);
    unsigned char ver[2] = {FU_TASK_VERSION & 0xff, FU_TASK_VERSION >> 8};
    w_bytes(&b, ver, 2);
    w_f64(&b, t->job_seconds_left);
    w_f64(&b, t->time_limit);
    w_i32(&b, t->recovery_rungs);
    w_i32(&b, t->fault_nan_rungs);
    w_str(&b, t->id, sizeof t->id);
    w_params(&b, &t->params);
    w_tasks(&b, &t->tasks);
    for (int i = 0; i < 9; i++) w_f64(&b, (&s->lattice[0][0])[i]);
    w_i32(&b, s->nspecies);
    for (int i = 0; i < s->nspecies; i++) {
        w_str(&b, s->symbol[i], sizeof s->symbol[i]);
        w_i32(&b, s->znucl[i]);
    }
    w_i32(&b, s->natom);
    for (int a = 0; a < s->natom; a++) {
        for (int k = 0; k < 3; k++) w_f64(&b, s->xred[a][k]);
        w_i32(&b, s->typat[a]);
    }
    int rs = t->relax_steps > 0 ? t->relax_steps : 0;
    w_i32(&b, rs);
    if (rs) {
        for (int k = 0; k < 3; k++) w_i32(&b, t->relax_fft[k]);
        for (int i = 0; i < 9; i++) w_f64(&b, (&t->relax_lattice[0][0])[i]);
        for (int a = 0; a < s->natom; a++)
            for (int k = 0; k < 3; k++) w_f64(&b, t->relax_xred[a][k]);
    }
    w_i32(&b, t->neos);
    for (int i = 0; i < t->neos; i++) {
        w_f64(&b, t->eos_volume[i]);
        w_f64(&b, t->eos_energy[i]);
    }
    if (b.oom) {
        free(b.p);
        return fu_fail(err, FU_ENOMEM, "out of memory encoding the task of %.16s", t->id);
    }
    *buf = b.p;
    *len = b.len;
    return FU_OK;
}

int fu_task_decode(const unsigned char *buf, size_t len, fu_task *t, fu_err *err) {
    memset(t, 0, sizeof *t);
    rbuf b = {buf, len, 0, 0};
    if (len < sizeof task_magic + 2 || memcmp(buf, task_magic, sizeof task_magic) != 0)
        return fu_fail(err, FU_EINTERNAL, "not a furui task message (%zu bytes)", len);
    unsigned ver = buf[6] | (unsigned)buf[7] << 8;
    if (ver != FU_TASK_VERSION)
        return fu_fail(err, FU_EINTERNAL, "task message version %u, this furui reads %d (mixed builds in one job?)",
                       ver, FU_TASK_VERSION);
    b.pos = sizeof task_magic + 2;
    t->job_seconds_left = r_f64(&b);
    t->time_limit = r_f64(&b);
    t->recovery_rungs = r_i32(&b);
    t->fault_nan_rungs = r_i32(&b);
    r_str(&b, t->id, sizeof t->id);
    r_params(&b, &t->params);
    r_tasks(&b, &t->tasks);
    fu_structure *s = &t->structure;
    double lat[9];
    for (int i = 0; i < 9; i++) lat[i] = r_f64(&b);
    int nsp = r_i32(&b);
    if (nsp < 0 || nsp > FU_MAX_SPECIES) b.bad = 1;
    char sym[FU_MAX_SPECIES][FU_SYMBOL_LEN];
    int z[FU_MAX_SPECIES];
    for (int i = 0; i < nsp && !b.bad; i++) {
        r_str(&b, sym[i], sizeof sym[i]);
        z[i] = r_i32(&b);
    }
    int na = r_i32(&b);
    /* each atom takes 28 bytes: a count beyond what is left is damage, not an allocation */
    if (na < 1 || na > MAX_ATOMS || (size_t)na > (b.len - b.pos) / 28) b.bad = 1;
    if (b.bad) return fu_fail(err, FU_EINTERNAL, "task message damaged (at byte %zu of %zu)", b.pos, len);
    int rc = fu_structure_alloc(s, na, err);
    if (rc) return rc;
    memcpy(s->lattice, lat, sizeof lat);
    s->nspecies = nsp;
    for (int i = 0; i < nsp; i++) {
        memcpy(s->symbol[i], sym[i], sizeof sym[i]);
        s->znucl[i] = z[i];
    }
    for (int a = 0; a < na && !b.bad; a++) {
        for (int k = 0; k < 3; k++) s->xred[a][k] = r_f64(&b);
        s->typat[a] = r_i32(&b);
        if (s->typat[a] < 0 || s->typat[a] >= nsp) b.bad = 1;
    }
    t->relax_steps = r_i32(&b);
    if (t->relax_steps < 0) b.bad = 1;
    if (t->relax_steps > 0 && !b.bad) {
        for (int k = 0; k < 3; k++) t->relax_fft[k] = r_i32(&b);
        for (int i = 0; i < 9; i++) (&t->relax_lattice[0][0])[i] = r_f64(&b);
        if (na && !r_has(&b, (size_t)na * 24)) b.bad = 1;
        if (na && !b.bad && !(t->relax_xred = malloc((size_t)na * sizeof *t->relax_xred)))
            return fu_fail(err, FU_ENOMEM, "out of memory decoding a task of %d atoms", na);
        for (int a = 0; a < na && !b.bad; a++)
            for (int k = 0; k < 3; k++) t->relax_xred[a][k] = r_f64(&b);
    }
    t->neos = r_i32(&b);
    if (t->neos < 0 || t->neos > FU_EOS_MAXPOINTS) b.bad = 1, t->neos = 0;
    for (int i = 0; i < t->neos && !b.bad; i++) {
        t->eos_volume[i] = r_f64(&b);
        t->eos_energy[i] = r_f64(&b);
    }
    if (b.bad || b.pos != b.len)
        return fu_fail(err, FU_EINTERNAL, "task message damaged (%s at byte %zu of %zu)",
                       b.bad ? "truncated or out of range" : "trailing bytes", b.pos, len);
    return FU_OK;
}

void fu_task_free(fu_task *t) {
    if (!t) return;
    fu_structure_free(&t->structure);
    free(t->relax_xred);
    t->relax_xred = NULL;
}
