/* Reading, validating and expanding sweep specs. The format, the rules
 * (valence choice, k-spacing, validity, ID, cost) and their reasons are in
 * input/sweep_README.md; keep the two in step. */
#include "campaign/sweep.h"
#include "campaign/groupsize.h"

#include "props/bandstructure.h"
#include "props/eos.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "core/hash.h"
#include "core/text.h"
#include "core/units.h"
#include "core/yamldoc.h"
#include "crystal/elements.h"
#include "crystal/kpoints.h"
#include "crystal/poscar.h"
#include "crystal/structfile.h"
#include "crystal/prototypes.h"
#include "crystal/refstate.h"
#include "crystal/symmetry.h"
#include "dft/basis.h"
#include "dft/fftgrid.h"
#include "dft/occupations.h"
#include "dft/protocol.h"
#include "props/eos.h"
#include "dft/scf_input.h"
#include "dft/xc.h"
#include "props/converge.h"
#include "rank/rank_expr.h"

/* Limits beyond which a spec is a mistake rather than a campaign. */
#define MAX_LIST 1000 /* items of one parameter or element list */
#define MAX_XC 16
#define MAX_ATOMS FU_INPUT_MAX_ATOMS /* as the scf input */
#define MAX_KGRID FU_INPUT_MAX_KGRID
#define MIN_STRAIN 0.5
#define MAX_STRAIN 2.0
#define MAX_A 200.0 /* bohr: explicit prototype lattice parameter */
#define MAX_DIR_FILES 100000
#define MAX_CP2K_FILES 8

/* ------------------------------------------------------------ small helpers */

typedef struct {
    char *s;
    size_t len, cap;
    int oom;
} strbuf;

static void sb_printf(strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(strbuf *b, const char *fmt, ...) {
    if (b->oom) return;
    for (;;) {
        size_t room = b->cap - b->len;
        va_list ap;
        va_start(ap, fmt);
        int w = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? room : 0, fmt, ap);
        va_end(ap);
        if (w < 0) {
            b->oom = 1;
            return;
        }
        if (b->s && (size_t)w < room) {
            b->len += (size_t)w;
            return;
        }
        size_t cap = b->cap ? b->cap : 1024;
        while (cap < b->len + (size_t)w + 1) cap *= 2;
        char *t = realloc(b->s, cap);
        if (!t) {
            b->oom = 1;
            return;
        }
        b->s = t;
        b->cap = cap;
    }
}

/* snprintf for messages and labels, where cutting an over-long text is the
 * intended behaviour (and the compiler need not warn about it). */
static void textf(char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void textf(char *buf, size_t len, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, len, fmt, ap);
    va_end(ap);
}

static void one_line(char *msg) {
    for (char *s = msg; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f) *s = '?';
}

static const char *env_or(const char *var, const char *fallback) {
    const char *v = getenv(var);
    return v && *v ? v : fallback;
}

/* Rounds to an integer number of `unit` (1e-8 bohr, ...) for the canonical
 * text; adding 0 turns -0 into +0. */
static long long quantize(double v, double unit) {
    return llround(v / unit) + 0LL;
}

/* Reduced formula with elements in species order ("NaCl", "SrTiO3"). */
static void formula_species_order(const fu_structure *s, char *buf, size_t len) {
    int count[FU_MAX_SPECIES] = {0}, g = 0;
    for (int sp = 0; sp < s->nspecies; sp++) {
        count[sp] = fu_structure_count(s, sp);
        int x = count[sp], y = g;
        while (y) {
            int t = x % y;
            x = y;
            y = t;
        }
        g = x;
    }
    size_t used = 0;
    buf[0] = '\0';
    for (int sp = 0; sp < s->nspecies && used < len; sp++) {
        int n = g > 0 ? count[sp] / g : count[sp];
        int w = n == 1 ? snprintf(buf + used, len - used, "%s", s->symbol[sp])
                       : snprintf(buf + used, len - used, "%s%d", s->symbol[sp], n);
        if (w < 0) break;
        used += (size_t)w;
    }
}

/* ------------------------------------------------------- canonical text, ID */

/* Everything of a pseudopotential that enters the Hamiltonian, exactly (the
 * name, path and checksum of the file do not: moving or renaming a file, or
 * editing other entries of GTH_POTENTIALS, keeps the physics and the ID). */
static void psp_fingerprint(const fu_psp *p, strbuf *b) {
    /* a radial-grid file is its numbers: its checksum identifies them */
    if (p->radial) {
        sb_printf(b, "Z=%d zion=%.17g %s sha256=%s", p->znucl, p->zion, p->format, p->sha256);
        return;
    }
    sb_printf(b, "Z=%d zion=%.17g rloc=%.17g c=%.17g,%.17g,%.17g,%.17g", p->znucl, p->zion, p->rloc,
              p->cloc[0], p->cloc[1], p->cloc[2], p->cloc[3]);
    for (int l = 0; l <= p->lmax && l < FU_PSP_MAXL; l++) {
        sb_printf(b, " l%d r=%.17g n=%d h=", l, p->rl[l], p->nproj[l]);
        for (int i = 0; i < p->nproj[l] && i < FU_PSP_MAXPROJ; i++)
            for (int j = i; j < p->nproj[l] && j < FU_PSP_MAXPROJ; j++)
                sb_printf(b, "%s%.17g", (i || j) ? "," : "", p->h[l][i][j]);
    }
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* libxc names of an xc spec, sorted and '+'-joined, plus the family label a
 * pseudopotential must have been made for (fu_xc_init's). */
static int xc_canonical(const char *spec, char *canon, size_t clen, char *label, size_t llen,
                        fu_err *err) {
    fu_xc xc;
    int rc = fu_xc_init(&xc, spec, err);
    if (rc) return rc;
    char names[sizeof xc.names];
    snprintf(names, sizeof names, "%s", xc.names);
    if (label) snprintf(label, llen, "%s", xc.label);
    fu_xc_free(&xc);
    char *part[FU_XC_MAXFUNC + 1];
    int n = 0;
    char *save = NULL;
    for (char *t = strtok_r(names, "+", &save); t && n <= FU_XC_MAXFUNC;
         t = strtok_r(NULL, "+", &save))
        part[n++] = t;
    qsort(part, (size_t)n, sizeof part[0], cmp_str);
    size_t used = 0;
    canon[0] = '\0';
    for (int i = 0; i < n && used < clen; i++) {
        int w = snprintf(canon + used, clen - used, "%s%s", i ? "+" : "", part[i]);
        if (w < 0) break;
        used += (size_t)w;
    }
    return FU_OK;
}

typedef struct {
    int key;        /* species rank */
    long long r[3]; /* Cartesian position, units of 1e-8 bohr */
} atom_key;

static int cmp_atom(const void *pa, const void *pb) {
    const atom_key *a = pa, *b = pb;
    if (a->key != b->key) return a->key < b->key ? -1 : 1;
    for (int j = 0; j < 3; j++)
        if (a->r[j] != b->r[j]) return a->r[j] < b->r[j] ? -1 : 1;
    return 0;
}

static int build_canonical(const fu_structure *s, const fu_scf_params *p, const char *xc_canon,
                           const fu_psp *const *psp, const fu_cand_tasks *t, char **out, fu_err *err) {
    const double LEN = 1e-8; /* bohr */
    *out = NULL;
    if (!s || s->natom < 1 || !s->xred || !s->typat || s->nspecies < 1 ||
        s->nspecies > FU_MAX_SPECIES)
        return fu_fail(err, FU_EINPUT, "candidate id: empty or malformed structure");
    /* Species are identified by their pseudopotential (which carries Z), not
     * by their index, so the order of species and atoms does not matter. */
    char *spkey[FU_MAX_SPECIES];
    int rank[FU_MAX_SPECIES];
    int rc = FU_OK;
    for (int sp = 0; sp < s->nspecies; sp++) spkey[sp] = NULL;
    for (int sp = 0; sp < s->nspecies && !rc; sp++) {
        strbuf b = {0};
        psp_fingerprint(psp[sp], &b);
        if (b.oom) {
            free(b.s);
            b.s = NULL;
            rc = fu_fail(err, FU_ENOMEM, "candidate id: out of memory");
        }
        spkey[sp] = b.s;
    }
    char *sorted[FU_MAX_SPECIES];
    int nuniq = 0;
    if (!rc) {
        memcpy(sorted, spkey, sizeof(char *) * (size_t)s->nspecies);
        qsort(sorted, (size_t)s->nspecies, sizeof sorted[0], cmp_str);
        for (int i = 0; i < s->nspecies; i++)
            if (i == 0 || strcmp(sorted[i], sorted[nuniq - 1]) != 0) sorted[nuniq++] = sorted[i];
        for (int sp = 0; sp < s->nspecies; sp++)
            for (int k = 0; k < nuniq; k++)
                if (!strcmp(spkey[sp], sorted[k])) rank[sp] = k;
    }
    atom_key *ak = rc ? NULL : malloc(sizeof *ak * (size_t)s->natom);
    if (!rc && !ak) rc = fu_fail(err, FU_ENOMEM, "candidate id: out of memory");
    strbuf b = {0};
    if (!rc) {
        for (int a = 0; a < s->natom; a++) {
            /* wrapped into the cell, so x and x + 1 are the same atom */
            double f[3];
            for (int j = 0; j < 3; j++) {
                f[j] = s->xred[a][j] - floor(s->xred[a][j]);
                if (f[j] > 1.0 - 1e-12) f[j] = 0.0;
            }
            ak[a].key = rank[s->typat[a]];
            for (int j = 0; j < 3; j++)
                ak[a].r[j] = quantize(
                    f[0] * s->lattice[0][j] + f[1] * s->lattice[1][j] + f[2] * s->lattice[2][j],
                    LEN);
        }
        qsort(ak, (size_t)s->natom, sizeof *ak, cmp_atom);
        sb_printf(&b, "furui-candidate v1\nlattice (1e-8 bohr)\n");
        for (int i = 0; i < 3; i++)
            sb_printf(&b, "%lld %lld %lld\n", quantize(s->lattice[i][0], LEN),
                      quantize(s->lattice[i][1], LEN), quantize(s->lattice[i][2], LEN));
        sb_printf(&b, "species %d\n", nuniq);
        for (int k = 0; k < nuniq; k++) sb_printf(&b, "%d %s\n", k, sorted[k]);
        sb_printf(&b, "atoms %d (species, Cartesian 1e-8 bohr)\n", s->natom);
        for (int a = 0; a < s->natom; a++)
            sb_printf(&b, "%d %lld %lld %lld\n", ak[a].key, ak[a].r[0], ak[a].r[1], ak[a].r[2]);
        sb_printf(&b, "xc %s\n", xc_canon);
        sb_printf(&b, "ecut (1e-8 Ha) %lld\n", quantize(p->ecut, 1e-8));
        sb_printf(&b, "kgrid %d %d %d shift/2 %lld %lld %lld\n", p->kgrid[0], p->kgrid[1],
                  p->kgrid[2], quantize(p->kshift[0], 0.5), quantize(p->kshift[1], 0.5),
                  quantize(p->kshift[2], 0.5));
        sb_printf(&b, "smearing %s", fu_smearing_name(p->smearing));
        if (p->smearing == FU_SMEAR_METHFESSEL_PAXTON)
            sb_printf(&b, " order %d", p->smearing_order);
        if (p->smearing != FU_SMEAR_NONE)
            sb_printf(&b, " width (1e-10 Ha) %lld", quantize(p->tsmear, 1e-10));
        sb_printf(&b, "\nbands %d fft %d %d %d\n", p->nband, p->fft[0], p->fft[1], p->fft[2]);
        sb_printf(&b, "symmetry %d time_reversal %d tolerance (1e-12 bohr) %lld\n", p->use_symmetry,
                  p->time_reversal, quantize(p->symprec, 1e-12));
        sb_printf(&b, "tolerances energy %.6e Ha density %.6e\n", p->tol_energy, p->tol_density);
        /* lines added after v1 appear only when used, so earlier IDs stay valid */
        if (p->nspin == 2) {
            sb_printf(&b, "spin 2 moments (1e-8 muB)");
            for (int k = 0; k < nuniq; k++)
                for (int sp = 0; sp < s->nspecies; sp++)
                    if (rank[sp] == k) {
                        sb_printf(&b, " %lld", quantize(p->spin_moment[sp], 1e-8));
                        break;
                    }
            sb_printf(&b, "\n");
        }
        if (t && t->relax) {
            const fu_relax_opts *r = &t->relax_opts;
            sb_printf(&b, "relax cell %d pressure %.6e algorithm %d max_steps %d force_tol %.6e stress_tol %.6e "
                          "max_step %.6e h0 %.6e final_scf %d\n",
                      r->relax_cell, r->pressure, r->algorithm, r->max_steps, r->force_tol, r->stress_tol,
                      r->max_step, r->h0, r->final_scf);
        }
        if (t && t->bands) sb_printf(&b, "bands path density %.6e\n", t->bands_density);
        if (t && t->eos) sb_printf(&b, "eos points %d range %.6e\n", t->eos_points, t->eos_range);
        size_t nreg;
        const fu_property *const *reg = fu_property_registry(&nreg);
        for (size_t i = 0; t && i < nreg; i++)
            if (t->block_on[i]) {
                sb_printf(&b, "property %s", reg[i]->name);
                for (int k = 0; k < FU_PROPERTY_OPTS; k++) sb_printf(&b, " %.6e", t->block_opts[i][k]);
                sb_printf(&b, "\n");
            }
        if (b.oom) rc = fu_fail(err, FU_ENOMEM, "candidate id: out of memory");
    }
    free(ak);
    for (int sp = 0; sp < s->nspecies; sp++) free(spkey[sp]);
    if (rc) {
        free(b.s);
        return rc;
    }
    *out = b.s;
    return FU_OK;
}

static int id_of_text(const char *text, char id[FU_RECORD_ID_LEN + 1], fu_err *err) {
    char hex[FU_SHA256_HEX_LEN];
    int rc = fu_sha256_hex(text, strlen(text), hex, err);
    if (rc) return rc;
    memcpy(id, hex, FU_RECORD_ID_LEN);
    id[FU_RECORD_ID_LEN] = '\0';
    return FU_OK;
}

int fu_candidate_canonical(const fu_structure *s, const fu_scf_params *p, const fu_psp *psp,
                           char **text, fu_err *err) {
    char canon[256];
    if (!text) return fu_fail(err, FU_EINPUT, "candidate id: no output given");
    *text = NULL;
    if (!p || !psp) return fu_fail(err, FU_EINPUT, "candidate id: no parameters given");
    int rc = xc_canonical(p->xc, canon, sizeof canon, NULL, 0, err);
    if (rc) return rc;
    if (!s || s->nspecies < 1 || s->nspecies > FU_MAX_SPECIES)
        return fu_fail(err, FU_EINPUT, "candidate id: empty or malformed structure");
    const fu_psp *ptr[FU_MAX_SPECIES];
    for (int sp = 0; sp < s->nspecies; sp++) ptr[sp] = &psp[sp];
    return build_canonical(s, p, canon, ptr, NULL, text, err);
}

int fu_candidate_id(const fu_structure *s, const fu_scf_params *p, const fu_psp *psp,
                    char id[FU_RECORD_ID_LEN + 1], fu_err *err) {
    char *text;
    int rc = fu_candidate_canonical(s, p, psp, &text, err);
    if (rc) return rc;
    rc = id_of_text(text, id, err);
    free(text);
    return rc;
}

/* ------------------------------------------------------------- parse state */

typedef struct {
    int state;              /* 0 unresolved, 1 ok, -1 no usable pseudopotential */
    int used;               /* 1: some candidate uses it (protocol scan) */
    char spec[FU_SPEC_LEN]; /* what the SCF is given */
    fu_psp psp;
    char msg[FU_ERR_MSG_LEN]; /* why not (state -1) */
} psp_slot;

typedef struct {
    char name[128];         /* as written */
    char canon[256];        /* libxc names, sorted */
    char label[16];         /* LDA, PBE, GGA */
    const fu_ynode *node;   /* xc item (NULL: default) */
    const fu_ynode *ps;     /* its pseudopotentials entry (a family or a map) */
    const fu_ynode *elmap;  /* map with element keys, or NULL */
    const fu_ynode *family; /* family string node, or NULL */
    psp_slot *slot[FU_MAX_Z + 1];
} xc_opt;

typedef struct {
    int grid[3];
    double spacing; /* > 0: grid follows from it per candidate (1/bohr) */
} k_opt;

typedef struct {
    fu_smearing kind;
    int order;
    double width;
} smear_opt;

typedef struct {
    char path[FU_SWEEP_PATH_LEN];
    char *text;
} text_file;

typedef struct {
    const fu_ydoc *d;
    char dir[FU_SWEEP_PATH_LEN];
    fu_err *err;
    fu_scf_params base;
    xc_opt xc[MAX_XC];
    int nxc;
    double ecut[MAX_LIST];
    int necut;
    k_opt k[MAX_LIST];
    int nk;
    double kshift[3];
    smear_opt sm[MAX_LIST];
    int nsm;
    double strain[MAX_LIST];
    int nstrain;
    long nparams; /* product of the list lengths */
    text_file cp2k[MAX_CP2K_FILES];
    int ncp2k;
    fu_cand_tasks tasks;          /* `properties:` */
    int spin_mode;                /* `spin: polarized:` 0 false, 1 true, 2 auto */
    double moment[FU_MAX_Z + 1];  /* `spin: moments:` per element, μB */
    const fu_ynode *moment_node[FU_MAX_Z + 1];
    fu_candidate *cand;
    int n, cap;
    long planned; /* upper bound of candidates so far */
    const fu_protocol *proto;     /* `protocol:`, NULL if none */
    const fu_ynode *proto_node, *ecut_node;
    int ecut_given;               /* 0: the campaign cutoff comes from the hints */
    int allow_unconverged;        /* `allow_unconverged: true`: ecut below a low hint */
    double tol_per_atom;          /* > 0: scf energy tolerance per atom (protocol), Ha */
    int scan;                     /* 1: expansion only marks the pseudopotentials used */
    const fu_ynode *refs_node;    /* `references: auto`, NULL if not given */
    const fu_refstate *ref_cur;   /* the reference state being emitted (spin, Γ point) */
    const volatile sig_atomic_t *stop; /* set by a stop signal; NULL: none */
    int stage;                    /* 1-based stage of a staged sweep, 0 without stages */
    const char *stage_name;
} ctx;

/* A stop request while the candidates are expanded (a large sweep takes
 * seconds): FU_ETIME at once, like the farm's stop between candidates. */
static int stopped(ctx *c) {
    if (!c->stop || !*c->stop) return FU_OK;
    return fu_fail(c->err, FU_ETIME, "%s: stopped by a signal while reading the sweep (%d candidates so far)",
                   c->d->path, c->n);
}

/* The scf input's helpers, with this file's document, directory and error. */
static int join_path(const ctx *c, const fu_ynode *n, const char *rel, char *out, size_t len) {
    return fu_input_join_path(c->d, c->dir, n, rel, out, len, c->err);
}

static int positive(const ctx *c, const fu_ynode *n, double v, const char *unit) {
    return fu_input_positive(c->d, n, v, unit, c->err);
}

/* A value that may be one item or a list of them: calls item() on each.
 * An empty list is an error (the product would be empty). */
typedef int (*item_fn)(ctx *c, const fu_ynode *n, int index);
static int each_item(ctx *c, const fu_ynode *n, int *count, item_fn item) {
    if (n->kind != FU_YSEQ) {
        *count = 1;
        return item(c, n, 0);
    }
    if (n->n == 0)
        return fu_ynode_fail(c->err, c->d, n, FU_EINPUT, "empty list: the sweep would be empty");
    if (n->n > MAX_LIST)
        return fu_ynode_fail(c->err, c->d, n, FU_EINPUT, "%d items; at most %d", n->n, MAX_LIST);
    *count = n->n;
    for (int i = 0; i < n->n; i++) {
        int rc = item(c, n->item[i], i);
        if (rc) return rc;
    }
    return FU_OK;
}

/* -------------------------------------------------------- parameter lists */

/* fu_xc_init's messages start with "xc: "; ours already name the key. */
static const char *strip_xc(const char *msg) {
    return strncmp(msg, "xc: ", 4) ? msg : msg + 4;
}

static int xc_item(ctx *c, const fu_ynode *n, int i) {
    if (i >= MAX_XC)
        return fu_ynode_fail(c->err, c->d, n, FU_EINPUT, "at most %d functionals", MAX_XC);
    xc_opt *x = &c->xc[i];
    int rc = fu_ynode_string_copy(c->d, n, x->name, sizeof x->name, c->err);
    if (rc) return rc;
    for (const char *s = x->name; *s; s++)
        if (!(isalnum((unsigned char)*s) || *s == '_' || *s == '+'))
            return fu_ynode_fail(c->err, c->d, n, FU_EINPUT,
                                 "expected lda, pbe or libxc names joined by '+', found '%.60s'",
                                 x->name);
    fu_err e = {0};
    if (xc_canonical(x->name, x->canon, sizeof x->canon, x->label, sizeof x->label, &e))
        return fu_ynode_fail(c->err, c->d, n, FU_EINPUT, "%s", strip_xc(e.msg));
    x->node = n;
    return FU_OK;
}

static int ecut_item(ctx *c, const fu_ynode *n, int i) {
    return fu_input_read_ecut(c->d, n, &c->ecut[i], c->err);
}

static int strain_item(ctx *c, const fu_ynode *n, int i) {
    double *s = &c->strain[i];
    int rc = fu_ynode_double(c->d, n, s, c->err);
    if (!rc && !(*s >= MIN_STRAIN && *s <= MAX_STRAIN))
        rc = fu_ynode_fail(c->err, c->d, n, FU_EINPUT,
                           "must be a lattice scale factor in [%g, %g], got %g", MIN_STRAIN,
                           MAX_STRAIN, *s);
    return rc;
}

static int grid_item(ctx *c, const fu_ynode *n, int i) {
    c->k[i].spacing = 0;
    return fu_ynode_ints(c->d, n, 3, 1, MAX_KGRID, c->k[i].grid, c->err);
}

static int spacing_item(ctx *c, const fu_ynode *n, int i) {
    return fu_input_read_kspacing(c->d, n, &c->k[i].spacing, c->err);
}

static int read_kpoints(ctx *c, const fu_ynode *kp) {
    static const char *const keys[] = {"grid", "spacing", "shift", NULL};
    int rc = fu_ymap_check_keys(c->d, kp, keys, c->err);
    if (rc) return rc;
    const fu_ynode *g = fu_ymap_get(kp, "grid"), *sp = fu_ymap_get(kp, "spacing"),
                   *sh = fu_ymap_get(kp, "shift");
    if (g && sp)
        return fu_ynode_fail(c->err, c->d, sp, FU_EINPUT,
                             "give either grid (line %d) or spacing, not both", g->line);
    if (!g && !sp) {
        if (!c->proto)
            return fu_ynode_fail(c->err, c->d, kp, FU_EINPUT,
                                 "give grid: [n1, n2, n3] (or a list of grids) or spacing: a "
                                 "k-point spacing such as 0.3 1/angstrom (or a list)");
        c->nk = 1; /* the protocol's spacing (kpoints: {shift: ...} only) */
        c->k[0].spacing = c->proto->kspacing;
    } else if (g) {
        if (g->kind != FU_YSEQ)
            return fu_ynode_fail(c->err, c->d, g, FU_EINPUT,
                                 "expected [n1, n2, n3] or a list of such grids, found a %s",
                                 fu_ykind_name(g->kind));
        /* [4, 4, 4] is one grid; [[4, 4, 4], [6, 6, 6]] a list */
        if (g->n > 0 && g->item[0]->kind == FU_YSEQ)
            rc = each_item(c, g, &c->nk, grid_item);
        else {
            c->nk = 1;
            rc = grid_item(c, g, 0);
        }
    } else {
        if (sp->kind == FU_YMAP)
            return fu_ynode_fail(
                c->err, c->d, sp, FU_EINPUT,
                "expected a spacing such as 0.3 1/angstrom or a list, found a map");
        rc = each_item(c, sp, &c->nk, spacing_item);
    }
    if (rc || !sh) return rc;
    return fu_input_read_kshift(c->d, sh, c->kshift, c->err);
}

/* One smearing of a list: the scf input's block, its defaults (width,
 * order) taken from the fixed parameters, which are read before. */
static int smear_item(ctx *c, const fu_ynode *sm, int i) {
    fu_scf_params p = c->base;
    int rc = fu_ynode_expect(c->d, sm, FU_YMAP, c->err);
    if (!rc) rc = fu_input_read_smearing(c->d, sm, &p, c->err);
    if (rc) return rc;
    c->sm[i] = (smear_opt){p.smearing, p.smearing_order, p.tsmear};
    return FU_OK;
}

/* ------------------------------------------------------- pseudopotentials */

static int is_element_key(const char *key) {
    int z = fu_element_z(key);
    return z > 0 && fu_element_symbol(z) != NULL;
}

/* Checks one spec string as the scf input does, relative to the sweep file. */
static int resolve_spec(const ctx *c, const fu_ynode *n, char *out, size_t len) {
    return fu_input_read_pseudo_spec(c->d, c->dir, n, out, len, c->err);
}

static int read_whole_file(const char *path, char **text, fu_err *err) {
    struct stat st;
    if (stat(path, &st) != 0)
        return fu_fail(err, FU_EIO, "%s: cannot open: %s", path, strerror(errno));
    if (!S_ISREG(st.st_mode)) return fu_fail(err, FU_EIO, "%s: not a regular file", path);
    if (st.st_size > (off_t)(64 << 20)) return fu_fail(err, FU_EINPUT, "%s: over 64 MiB", path);
    FILE *f = fopen(path, "rb");
    if (!f) return fu_fail(err, FU_EIO, "%s: cannot open: %s", path, strerror(errno));
    char *buf = malloc((size_t)st.st_size + 1);
    if (!buf) {
        fclose(f);
        return fu_fail(err, FU_ENOMEM, "%s: out of memory", path);
    }
    size_t n = fread(buf, 1, (size_t)st.st_size, f);
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return fu_fail(err, FU_EIO, "%s: read error", path);
    }
    buf[n] = '\0';
    if (memchr(buf, '\0', n)) {
        free(buf);
        return fu_fail(err, FU_EINPUT, "%s: contains a NUL byte: not a text file", path);
    }
    *text = buf;
    return FU_OK;
}

/* Text of a CP2K potential file, read once per sweep. */
static int cp2k_text(ctx *c, const char *path, const char **text, fu_err *err) {
    for (int i = 0; i < c->ncp2k; i++)
        if (!strcmp(c->cp2k[i].path, path)) {
            *text = c->cp2k[i].text;
            return FU_OK;
        }
    if (c->ncp2k == MAX_CP2K_FILES)
        return fu_fail(err, FU_EINPUT, "more than %d CP2K potential files", MAX_CP2K_FILES);
    char *t = NULL;
    int rc = read_whole_file(path, &t, err);
    if (rc) return rc;
    text_file *f = &c->cp2k[c->ncp2k++];
    snprintf(f->path, sizeof f->path, "%s", path);
    f->text = t;
    *text = t;
    return FU_OK;
}

/* A family spec: cp2k:PREFIX, cp2k:FILE:PREFIX or abinit:SUFFIX. Splits it
 * into the CP2K file (path) and prefix, or the ABINIT directory and suffix. */
typedef struct {
    int cp2k;                     /* 1 CP2K, 0 ABINIT */
    int table;                    /* 1: table:DIR, a pseudopotential table (psp_table.h) */
    char file[FU_SWEEP_PATH_LEN]; /* CP2K file or ABINIT directory */
    int explicit_file;            /* cp2k:FILE:PREFIX (the spec then names the file) */
    char word[128];               /* CP2K name prefix or ABINIT file suffix */
} family;

static int parse_family(const ctx *c, const fu_ynode *n, family *f) {
    const char *spec;
    int rc = fu_ynode_string(c->d, n, &spec, c->err);
    if (rc) return rc;
    memset(f, 0, sizeof *f);
    const char *word;
    if (!strncmp(spec, "cp2k:", 5)) {
        f->cp2k = 1;
        const char *rest = spec + 5, *colon = strrchr(rest, ':');
        if (colon) {
            if (colon == rest)
                return fu_ynode_fail(c->err, c->d, n, FU_EINPUT, "empty file name in '%.80s'",
                                     spec);
            char rel[FU_SWEEP_PATH_LEN];
            if ((size_t)(colon - rest) >= sizeof rel)
                return fu_ynode_fail(c->err, c->d, n, FU_EINPUT, "path too long");
            snprintf(rel, sizeof rel, "%.*s", (int)(colon - rest), rest);
            rc = join_path(c, n, rel, f->file, sizeof f->file);
            if (rc) return rc;
            f->explicit_file = 1;
            word = colon + 1;
        } else {
            textf(f->file, sizeof f->file, "%s",
                  env_or("FURUI_CP2K_POTENTIALS", "/usr/share/cp2k/GTH_POTENTIALS"));
            word = rest;
        }
    } else if (!strncmp(spec, "abinit:", 7)) {
        textf(f->file, sizeof f->file, "%s",
              env_or("FURUI_ABINIT_PSP_DIR", "/usr/share/abinit/psp"));
        word = spec + 7;
    } else if (!strncmp(spec, "table:", 6)) {
        if (!spec[6]) return fu_ynode_fail(c->err, c->d, n, FU_EINPUT, "empty table directory");
        f->table = 1;
        return join_path(c, n, spec + 6, f->file, sizeof f->file);
    } else {
        return fu_ynode_fail(c->err, c->d, n, FU_EINPUT,
                             "expected a family cp2k:PREFIX (e.g. cp2k:GTH-PADE), "
                             "cp2k:FILE:PREFIX, abinit:SUFFIX (e.g. abinit:hgh), table:DIR, or a "
                             "map of element specs; found '%.80s'",
                             spec);
    }
    if (!*word || strlen(word) >= sizeof f->word)
        return fu_ynode_fail(c->err, c->d, n, FU_EINPUT, "empty or too long family name in '%.80s'",
                             spec);
    for (const char *s = word; *s; s++)
        if (!(isalnum((unsigned char)*s) || *s == '-' || *s == '_' || *s == '.'))
            return fu_ynode_fail(c->err, c->d, n, FU_EINPUT,
                                 "family name '%.80s' may contain only letters, digits, '-', "
                                 "'_', '.'",
                                 word);
    snprintf(f->word, sizeof f->word, "%s", word);
    return FU_OK;
}

/* Parses "<prefix>-q<N>" (case-insensitive prefix); N or 0. */
static int family_q(const char *name, const char *prefix) {
    size_t n = strlen(prefix);
    if (strncasecmp(name, prefix, n) != 0 || name[n] != '-' ||
        (name[n + 1] != 'q' && name[n + 1] != 'Q'))
        return 0;
    const char *d = name + n + 2;
    if (!*d || strlen(d) > 3) return 0;
    for (const char *s = d; *s; s++)
        if (!isdigit((unsigned char)*s)) return 0;
    return atoi(d);
}

/* Smallest-q entry of element z named PREFIX-qN in a CP2K file (headers:
 * "El NAME ALIAS ..."; aliases count too). */
static int cp2k_family_pick(const char *text, int z, const char *prefix, char *name, size_t len) {
    const char *sym = fu_element_symbol(z);
    int best = 0;
    const char *line = text;
    while (line && *line) {
        const char *end = strchr(line, '\n');
        size_t ll = end ? (size_t)(end - line) : strlen(line);
        char buf[512];
        if (ll < sizeof buf && isalpha((unsigned char)line[0])) {
            memcpy(buf, line, ll);
            buf[ll] = '\0';
            char *hash = strchr(buf, '#');
            if (hash) *hash = '\0';
            char *save = NULL, *tok = strtok_r(buf, " \t\r", &save);
            if (tok && !strcasecmp(tok, sym))
                for (tok = strtok_r(NULL, " \t\r", &save); tok;
                     tok = strtok_r(NULL, " \t\r", &save)) {
                    int q = family_q(tok, prefix);
                    if (q > 0 && (best == 0 || q < best)) {
                        best = q;
                        snprintf(name, len, "%s", tok);
                    }
                }
        }
        line = end ? end + 1 : NULL;
    }
    return best;
}

/* Resolves (xc, element) to a loaded pseudopotential, once; failures are
 * remembered as a message (spec-level or per-candidate is the caller's call). */
static psp_slot *get_psp(ctx *c, int xi, int z) {
    xc_opt *x = &c->xc[xi];
    if (x->slot[z]) return x->slot[z];
    psp_slot *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    x->slot[z] = s;
    const char *sym = fu_element_symbol(z);
    fu_err e = {0};
    int rc = FU_OK;
    const fu_ynode *own = NULL;
    for (int i = 0; x->elmap && i < x->elmap->n && !own; i++)
        if (fu_element_z(x->elmap->key[i]) == z) own = x->elmap->item[i];
    char where[600];
    {
        char nm[256];
        fu_ynode_name(own ? own : x->ps, nm, sizeof nm);
        textf(where, sizeof where, "%s at line %d", nm, (own ? own : x->ps)->line);
    }
    if (own) {
        fu_err e2 = {0};
        fu_err *keep = c->err; /* resolve_spec reports through c->err */
        c->err = &e2;
        rc = resolve_spec(c, own, s->spec, sizeof s->spec);
        c->err = keep;
        if (rc) {
            textf(s->msg, sizeof s->msg, "%s", e2.msg);
        } else if ((rc = fu_psp_load(s->spec, sym, &s->psp, &e))) {
            textf(s->msg, sizeof s->msg, "%s: %s", where, e.msg);
        }
    } else if (x->family) {
        family f;
        fu_err e2 = {0};
        fu_err *keep = c->err;
        c->err = &e2;
        rc = parse_family(c, x->family, &f);
        c->err = keep;
        if (rc) {
            textf(s->msg, sizeof s->msg, "%s", e2.msg);
        } else if (f.table) {
            int w = snprintf(s->spec, sizeof s->spec, "table:%s", f.file);
            if (w < 0 || (size_t)w >= sizeof s->spec) {
                rc = FU_EINPUT;
                textf(s->msg, sizeof s->msg, "%s: path too long", where);
            } else if ((rc = fu_psp_load(s->spec, sym, &s->psp, &e))) {
                textf(s->msg, sizeof s->msg, "%s: %s", where, e.msg);
            }
        } else if (f.cp2k) {
            const char *text;
            char name[128];
            rc = cp2k_text(c, f.file, &text, &e);
            if (rc) {
                textf(s->msg, sizeof s->msg, "%s: %s", where, e.msg);
            } else if (!cp2k_family_pick(text, z, f.word, name, sizeof name)) {
                rc = FU_EINPUT;
                textf(s->msg, sizeof s->msg,
                      "no pseudopotential for %s in family %s-q<N> of %s "
                      "(%s)",
                      sym, f.word, f.file, where);
            } else {
                int w = f.explicit_file
                            ? snprintf(s->spec, sizeof s->spec, "cp2k:%s:%s", f.file, name)
                            : snprintf(s->spec, sizeof s->spec, "cp2k:%s", name);
                if (w < 0 || (size_t)w >= sizeof s->spec) {
                    rc = FU_EINPUT;
                    textf(s->msg, sizeof s->msg, "%s: path too long", where);
                } else if ((rc = fu_psp_parse_cp2k(text, f.file, sym, name, &s->psp, &e))) {
                    textf(s->msg, sizeof s->msg, "%s: %s", where, e.msg);
                }
            }
        } else {
            /* ABINIT names its HGH files <Z><symbol>.<valence>.<suffix>. */
            char low[8], path[FU_SWEEP_PATH_LEN + 64];
            int k = 0;
            for (; sym[k] && k < 7; k++) low[k] = (char)tolower((unsigned char)sym[k]);
            low[k] = '\0';
            int found = 0;
            for (int q = 1; q <= z && !found; q++) {
                struct stat st;
                textf(path, sizeof path, "%s/%d%s.%d.%s", f.file, z, low, q, f.word);
                if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
                    found = 1;
                    textf(s->spec, sizeof s->spec, "abinit:%d%s.%d.%s", z, low, q, f.word);
                }
            }
            if (!found) {
                rc = FU_EINPUT;
                textf(s->msg, sizeof s->msg,
                      "no pseudopotential for %s in family %s: no file "
                      "%d%s.<N>.%s in %s (%s)",
                      sym, f.word, z, low, f.word, f.file, where);
            } else if ((rc = fu_psp_load(s->spec, sym, &s->psp, &e))) {
                textf(s->msg, sizeof s->msg, "%s: %s", where, e.msg);
            }
        }
    } else {
        rc = FU_EINPUT;
        textf(s->msg, sizeof s->msg,
              "no pseudopotential for %s: %s gives no family and no "
              "entry for it",
              sym, where);
    }
    /* The SCF refuses a pseudopotential made for another functional; say so now. */
    if (!rc && strcmp(s->psp.functional, "unknown") && s->psp.functional[0] &&
        strcmp(s->psp.functional, x->label)) {
        rc = FU_EINPUT;
        textf(s->msg, sizeof s->msg, "%s: %s (%s) was made for %s but xc %s is %s", where, sym,
              s->spec, s->psp.functional, x->name, x->label);
    }
    one_line(s->msg);
    s->state = rc ? -1 : 1;
    return s;
}

static int read_pseudopotentials(ctx *c, const fu_ynode *ps) {
    int rc = fu_ynode_expect(c->d, ps, FU_YMAP, c->err);
    if (rc) return rc;
    if (ps->n == 0)
        return fu_ynode_fail(c->err, c->d, ps, FU_EINPUT,
                             "empty; give a family per xc ({lda: cp2k:GTH-PADE}) or a spec per "
                             "element");
    if (is_element_key(ps->key[0])) {
        /* one spec per element, whatever the functional */
        for (int i = 0; i < ps->n; i++) {
            if (!is_element_key(ps->key[i]))
                return fu_ynode_fail(c->err, c->d, ps->item[i], FU_EINPUT,
                                     "unknown element '%.40s' (keys are either all element "
                                     "symbols or all xc functionals, not both)",
                                     ps->key[i]);
            for (int j = 0; j < i; j++)
                if (fu_element_z(ps->key[j]) == fu_element_z(ps->key[i]))
                    return fu_ynode_fail(
                        c->err, c->d, ps->item[i], FU_EINPUT, "%s given twice (line %d)",
                        fu_element_symbol(fu_element_z(ps->key[i])), ps->key_line[j]);
            char tmp[FU_SPEC_LEN];
            if ((rc = resolve_spec(c, ps->item[i], tmp, sizeof tmp))) return rc;
        }
        for (int x = 0; x < c->nxc; x++) {
            c->xc[x].ps = ps;
            c->xc[x].elmap = ps;
        }
        return FU_OK;
    }
    /* one entry per functional: a family, or a map {family: ..., El: spec} */
    char canon[MAX_XC * 2][256];
    for (int i = 0; i < ps->n; i++) {
        const fu_ynode *v = ps->item[i];
        if (is_element_key(ps->key[i]))
            return fu_ynode_fail(c->err, c->d, v, FU_EINPUT,
                                 "an element among xc keys (keys are either all element symbols "
                                 "or all xc functionals, not both)");
        fu_err e = {0};
        char label[16];
        if (i >= MAX_XC * 2)
            return fu_ynode_fail(c->err, c->d, v, FU_EINPUT, "more than %d functionals",
                                 MAX_XC * 2);
        if (strlen(ps->key[i]) >= sizeof c->xc[0].name ||
            xc_canonical(ps->key[i], canon[i], sizeof canon[0], label, sizeof label, &e))
            return fu_ynode_fail(c->err, c->d, v, FU_EINPUT,
                                 "neither an element symbol nor an xc functional (%s)",
                                 strip_xc(e.msg));
        for (int j = 0; j < i; j++)
            if (!strcmp(canon[j], canon[i]))
                return fu_ynode_fail(c->err, c->d, v, FU_EINPUT,
                                     "the same functional as '%.40s' (line %d)", ps->key[j],
                                     ps->key_line[j]);
        const fu_ynode *fam = NULL, *elmap = NULL;
        if (v->kind == FU_YSCALAR) {
            fam = v;
        } else if (v->kind == FU_YMAP) {
            for (int k = 0; k < v->n; k++) {
                if (!strcmp(v->key[k], "family")) {
                    fam = v->item[k];
                    continue;
                }
                if (!is_element_key(v->key[k]))
                    return fu_ynode_fail(c->err, c->d, v->item[k], FU_EINPUT,
                                         "expected 'family' or an element symbol");
                for (int j = 0; j < k; j++)
                    if (fu_element_z(v->key[j]) == fu_element_z(v->key[k]))
                        return fu_ynode_fail(c->err, c->d, v->item[k], FU_EINPUT,
                                             "given twice (line %d)", v->key_line[j]);
                char tmp[FU_SPEC_LEN];
                if ((rc = resolve_spec(c, v->item[k], tmp, sizeof tmp))) return rc;
                elmap = v;
            }
        } else {
            return fu_ynode_fail(c->err, c->d, v, FU_EINPUT,
                                 "expected a family (cp2k:GTH-PADE) or a map of element specs, "
                                 "found a sequence");
        }
        if (fam) {
            family f;
            if ((rc = parse_family(c, fam, &f))) return rc;
            /* the family's source must exist: a spec-level mistake */
            struct stat st;
            if (f.cp2k) {
                const char *text;
                fu_err e2 = {0};
                if (cp2k_text(c, f.file, &text, &e2))
                    return fu_ynode_fail(c->err, c->d, fam, FU_EINPUT, "%s", e2.msg);
            } else if (stat(f.file, &st) != 0) {
                return fu_ynode_fail(c->err, c->d, fam, FU_EINPUT,
                                     "ABINIT pseudopotential directory %s: %s", f.file,
                                     strerror(errno));
            } else if (!S_ISDIR(st.st_mode)) {
                return fu_ynode_fail(c->err, c->d, fam, FU_EINPUT,
                                     "ABINIT pseudopotential directory %s: not a directory",
                                     f.file);
            }
        }
        for (int x = 0; x < c->nxc; x++)
            if (!strcmp(c->xc[x].canon, canon[i])) {
                c->xc[x].ps = v;
                c->xc[x].family = fam;
                c->xc[x].elmap = elmap;
            }
    }
    for (int x = 0; x < c->nxc; x++)
        if (!c->xc[x].ps)
            return fu_ynode_fail(c->err, c->d, ps, FU_EINPUT,
                                 "nothing for xc '%s'; give e.g. %s: cp2k:GTH-%s", c->xc[x].name,
                                 c->xc[x].name,
                                 strcmp(c->xc[x].label, "LDA") ? c->xc[x].label : "PADE");
    return FU_OK;
}

/* ------------------------------------------------------- candidate output */

static fu_candidate *new_candidate(ctx *c) {
    if (c->n == c->cap) {
        int cap = c->cap ? 2 * c->cap : 64;
        if (cap > FU_SWEEP_MAX_CANDIDATES) cap = FU_SWEEP_MAX_CANDIDATES;
        if (c->n >= cap) return NULL;
        fu_candidate *t = realloc(c->cand, sizeof *t * (size_t)cap);
        if (!t) return NULL;
        c->cand = t;
        c->cap = cap;
    }
    fu_candidate *k = &c->cand[c->n++];
    memset(k, 0, sizeof *k);
    return k;
}

/* An entry that cannot run: one per file / (structure, xc) / (structure,
 * strain), not multiplied by the other parameters. Its ID hashes what it is
 * independently of where the sweep lives (shards of one campaign may see it
 * under different paths): for a file of a poscar_dir its name in that
 * directory and the SHA-256 of its bytes, else the source without its
 * directory ("sweep.yaml:12"), plus `what` ("xc lda", "strain 0.5"; "" for
 * the whole file). Not the reason, whose text names paths. */
static int add_invalid(ctx *c, fu_candidate_kind kind, const char *source, const char *label,
                       const char *reason, double strain, const char *what) {
    if (stopped(c)) return FU_ETIME;
    fu_candidate *k = new_candidate(c);
    if (!k) return fu_fail(c->err, FU_ENOMEM, "%s: out of memory for candidates", c->d->path);
    k->kind = kind;
    k->valid = 0;
    k->strain = strain;
    textf(k->source, sizeof k->source, "%s", source);
    textf(k->label, sizeof k->label, "%s", label);
    textf(k->reason, sizeof k->reason, "%s", reason);
    one_line(k->reason);
    fu_scf_params_default(&k->params);
    strbuf b = {0};
    const char *slash = strrchr(source, '/');
    const char *base = slash ? slash + 1 : source;
    char hex[FU_SHA256_HEX_LEN] = "unreadable";
    struct stat sb;
    if (kind == FU_CANDIDATE_POSCAR) {
        /* a FIFO would block the reader; an unreadable file is its name only */
        if (slash && stat(source, &sb) == 0 && S_ISREG(sb.st_mode) && fu_sha256_file(source, hex, NULL) != FU_OK)
            snprintf(hex, sizeof hex, "unreadable");
        sb_printf(&b, "furui-invalid v2\nfile %s\nsha256 %s\n%s\n", base, hex, what);
    } else {
        sb_printf(&b, "furui-invalid v2\nsource %s\n%s\n", base, what);
    }
    if (b.oom) {
        free(b.s);
        return fu_fail(c->err, FU_ENOMEM, "out of memory");
    }
    int rc = id_of_text(b.s, k->id, c->err);
    free(b.s);
    return rc;
}


/* What the candidates of one structure (at one strain, one xc) share. */
typedef struct {
    fu_candidate_kind kind;
    const char *source;
    const char *head;      /* "FORMULA/SOURCE" of the label */
    const fu_structure *s; /* strained */
    double strain;
    int xc;
    const fu_psp *const *psp; /* [nspecies] */
    double nelec;
    int nproj;
    const fu_symmetry *sym; /* of the unstrained structure: strain keeps it */
    struct {
        int grid[3];
        int nk;
    } cache[64]; /* irreducible k count per mesh */
    int ncache;
} structure_job;

static int irreducible_k(structure_job *j, const fu_scf_params *p) {
    for (int q = 0; q < j->ncache; q++)
        if (!memcmp(j->cache[q].grid, p->kgrid, sizeof p->kgrid)) return j->cache[q].nk;
    fu_kpoints kp;
    fu_err e = {0};
    int nk = p->kgrid[0] * p->kgrid[1] * p->kgrid[2];
    if (!fu_kpoints_mp(p->kgrid, p->kshift, j->sym, p->time_reversal, &kp, &e)) {
        nk = kp.nk;
        fu_kpoints_free(&kp);
    }
    if (j->ncache < (int)(sizeof j->cache / sizeof j->cache[0])) {
        memcpy(j->cache[j->ncache].grid, p->kgrid, sizeof p->kgrid);
        j->cache[j->ncache++].nk = nk;
    }
    return nk;
}

/* One valid candidate: parameters, cost, label, ID. */
static int emit(ctx *c, structure_job *j, int ie, int ik, int ism) {
    if (stopped(c)) return FU_ETIME;
    const fu_structure *s = j->s;
    const xc_opt *x = &c->xc[j->xc];
    fu_candidate *k = new_candidate(c);
    if (!k) return fu_fail(c->err, FU_ENOMEM, "out of memory for candidates");
    k->kind = j->kind;
    k->valid = 1;
    k->strain = j->strain;
    textf(k->source, sizeof k->source, "%s", j->source);
    int rc = fu_structure_copy(&k->structure, s, c->err);
    if (rc) return rc;
    fu_scf_params *p = &k->params;
    *p = c->base;
    snprintf(p->xc, sizeof p->xc, "%s", x->name);
    for (int sp = 0; sp < s->nspecies; sp++)
        snprintf(p->pseudo[sp], sizeof p->pseudo[sp], "%s", x->slot[s->znucl[sp]]->spec);
    p->ecut = c->ecut[ie];
    if (c->k[ik].spacing > 0) {
        fu_kpoints_grid_from_spacing(s->lattice, c->k[ik].spacing, MAX_KGRID, p->kgrid);
        /* a gap asked for: a Γ-centred mesh holding the band-edge points; a molecule or
         * slab: one k-point across its vacuum (crystal/kpoints.h) */
        int gamma = c->kshift[0] == 0 && c->kshift[1] == 0 && c->kshift[2] == 0;
        if (c->tasks.bands && gamma) {
            rc = fu_kpoints_grid_with_edges(s, c->base.symprec, MAX_KGRID, p->kgrid, c->err);
            if (rc) return rc;
        }
        fu_kpoints_vacuum_axes(s, FU_KPOINTS_VACUUM, p->kgrid);
    } else
        memcpy(p->kgrid, c->k[ik].grid, sizeof p->kgrid);
    memcpy(p->kshift, c->kshift, sizeof p->kshift);
    p->smearing = c->sm[ism].kind;
    p->smearing_order = c->sm[ism].order;
    p->tsmear = c->sm[ism].width;
    if (c->tol_per_atom > 0) p->tol_energy = c->tol_per_atom * s->natom;
    if (c->proto) snprintf(p->protocol, sizeof p->protocol, "%s", c->proto->name);
    k->tasks = c->tasks;
    int polarized = c->spin_mode == 1;
    for (int sp = 0; sp < s->nspecies && c->spin_mode == 2; sp++)
        if (c->moment_node[s->znucl[sp]]) polarized = 1;
    /* a reference state's own spin (O2 triplet, Fe/Co/Ni) and a molecule's Γ point */
    const fu_refstate *ref = c->ref_cur;
    if (ref && ref->moment > 0) polarized = 1;
    if (ref && ref->molecule) {
        p->kgrid[0] = p->kgrid[1] = p->kgrid[2] = 1;
        p->kshift[0] = p->kshift[1] = p->kshift[2] = 0;
        /* a box has no equation of state or bands worth computing; its size is fixed */
        k->tasks.eos = 0;
        k->tasks.bands = 0;
        k->tasks.relax_opts.relax_cell = 0;
    }
    p->nspin = polarized ? 2 : 1;
    for (int sp = 0; sp < s->nspecies && polarized; sp++) {
        int z = s->znucl[sp];
        p->spin_moment[sp] = ref && ref->moment > 0 ? ref->moment
                             : c->moment_node[z]    ? c->moment[z]
                                                    : 0.0;
        if (fabs(p->spin_moment[sp]) > j->psp[sp]->zion)
            return fu_ynode_fail(c->err, c->d, ref ? c->refs_node : c->moment_node[z], FU_EINPUT,
                                 "|%g| muB exceeds the %g valence electrons of %s's pseudopotential (%s)",
                                 p->spin_moment[sp], j->psp[sp]->zion, s->symbol[sp], x->name);
    }

    /* cost model (input/sweep_README.md) */
    int nfft[3];
    fu_fftgrid_choose(s->lattice, p->ecut, j->sym->nsym, (const int(*)[3][3])j->sym->rot, nfft);
    double vol = fabs(fu_lattice_det((const double(*)[3])s->lattice));
    k->nk = irreducible_k(j, p);
    k->nelec = j->nelec;
    k->nproj = j->nproj;
    k->nband = fu_default_nband(j->nelec, p->smearing != FU_SMEAR_NONE, s->natom);
    k->npw = vol * pow(2.0 * p->ecut, 1.5) / (6.0 * FU_PI * FU_PI);
    k->nfft = nfft[0] * nfft[1] * nfft[2];
    double nf = k->nfft > 2 ? (double)k->nfft : 2.0;
    k->cost = 1e-9 * k->nk * k->nband *
              (2.0 * nf * log2(nf) + k->npw * (2.0 * j->nproj + 9.0 * k->nband));
    k->memc.nk_owned = k->nk;
    k->memc.nspin = p->nspin;
    k->memc.nband = k->nband;
    k->memc.nproj = k->nproj;
    k->memc.history = p->mixing_history;
    k->memc.nthreads = 1;
    k->memc.gga = strstr(x->canon, "gga") != NULL;
    for (int sp = 0; sp < s->nspecies; sp++) k->memc.nlcc |= j->psp[sp]->has_core;
    k->memc.npw = k->npw;
    k->memc.nfft = k->nfft;
    fu_mem_estimate me;
    fu_memory_estimate_counts(&k->memc, &me);
    k->mem = me.total;
    /* Fixed occupations of an unpolarised run need whole doubly occupied
     * bands (fu_occupations): an odd count would fail in the farm. */
    double half = 0.5 * j->nelec;
    if (p->nspin == 1 && p->smearing == FU_SMEAR_NONE &&
        fabs(half - nearbyint(half)) > 1e-9 * fmax(1.0, half)) {
        k->valid = 0;
        k->cost = 0;
        textf(k->reason, sizeof k->reason,
              "%s: smearing: %.10g valence electrons cannot fill whole doubly occupied bands "
              "without smearing; give smearing or spin: polarized",
              j->source, j->nelec);
    }

    char sm[64], strain[32] = "";
    if (p->smearing == FU_SMEAR_NONE)
        textf(sm, sizeof sm, "none");
    else if (p->smearing == FU_SMEAR_METHFESSEL_PAXTON)
        textf(sm, sizeof sm, "%s%d:%gHa", fu_smearing_name(p->smearing), p->smearing_order,
              p->tsmear);
    else
        textf(sm, sizeof sm, "%s:%gHa", fu_smearing_name(p->smearing), p->tsmear);
    if (j->strain != 1.0) textf(strain, sizeof strain, "/strain=%g", j->strain);
    char proto[48] = "";
    if (c->proto) textf(proto, sizeof proto, "/protocol=%s", c->proto->name);
    textf(k->label, sizeof k->label, "%s/%s/ecut=%gHa/k=%dx%dx%d/%s%s%s%s%s%s%s", j->head, x->name,
          p->ecut, p->kgrid[0], p->kgrid[1], p->kgrid[2], sm, strain, polarized ? "/spin" : "",
          k->tasks.relax ? (k->tasks.relax_opts.relax_cell ? "/relax-cell" : "/relax") : "",
          k->tasks.bands ? "/bands" : "", k->tasks.eos ? "/eos" : "", proto);

    char *text;
    rc = build_canonical(&k->structure, p, x->canon, j->psp, &k->tasks, &text, c->err);
    if (rc) return rc;
    k->stage = c->stage;
    if (c->stage > 1) {
        /* a later stage is another row of the store even with stage 1's settings */
        strbuf b = {text, strlen(text), strlen(text) + 1, 0};
        sb_printf(&b, "stage %d %s\n", c->stage, c->stage_name);
        if (b.oom) {
            free(b.s);
            return fu_fail(c->err, FU_ENOMEM, "candidate id: out of memory");
        }
        text = b.s;
    }
    rc = id_of_text(text, k->id, c->err);
    free(text);
    return rc;
}

/* Space group of s for the k-point count; identity when symmetry is off (or
 * spglib fails: the count is an estimate, without symmetry just larger). */
static int find_symmetry(const ctx *c, const fu_structure *s, const char *source,
                         fu_symmetry *sym) {
    fu_err e = {0};
    if (c->base.use_symmetry && !fu_symmetry_find(s, c->base.symprec, sym, &e)) return FU_OK;
    if (fu_symmetry_identity(s, sym, &e))
        return fu_fail(c->err, FU_ENOMEM, "%s: %s", source, e.msg);
    return FU_OK;
}

/* All candidates of one base structure. sp_node[sp]: where species sp is
 * named in the spec (prototype site, structure block): a missing
 * pseudopotential is then a spec-level error there. NULL for a POSCAR of a
 * directory, whose problems make invalid candidates instead. known: the
 * structure's symmetry if the caller has it, else NULL. */
static int add_structure(ctx *c, const fu_structure *base, fu_candidate_kind kind,
                         const char *source, const char *formula, const char *what,
                         const fu_ynode *const *sp_node, const fu_symmetry *known) {
    int rc = stopped(c);
    if (rc) return rc;
    int ok_xc[MAX_XC];
    const fu_psp *psps[MAX_XC][FU_MAX_SPECIES];
    char head[FU_CANDIDATE_LABEL_LEN];
    textf(head, sizeof head, "%s/%s", formula, what);

    /* pseudopotentials per functional */
    for (int x = 0; x < c->nxc; x++) {
        ok_xc[x] = 1;
        for (int sp = 0; sp < base->nspecies && ok_xc[x]; sp++) {
            psp_slot *s = get_psp(c, x, base->znucl[sp]);
            if (!s) return fu_fail(c->err, FU_ENOMEM, "out of memory");
            if (s->state > 0) {
                psps[x][sp] = &s->psp;
                s->used = 1;
                double low = s->psp.hint_ecut[0];
                for (int ie = 0; ie < c->necut && c->ecut_given && !c->allow_unconverged; ie++)
                    if (low > 0 && c->ecut[ie] < low)
                        return fu_ynode_fail(
                            c->err, c->d, c->ecut_node, FU_EINPUT,
                            "%g Ha is below the low cutoff hint %g Ha of %s (%s); raise it or "
                            "write allow_unconverged: true",
                            c->ecut[ie], low, base->symbol[sp], s->spec);
                continue;
            }
            if (sp_node)
                return fu_ynode_fail(c->err, c->d, sp_node[sp], FU_EINPUT, "%s (xc %s): %s",
                                     base->symbol[sp], c->xc[x].name, s->msg);
            char label[FU_CANDIDATE_LABEL_LEN];
            textf(label, sizeof label, "%s/%s", head, c->xc[x].name);
            char what[96];
            textf(what, sizeof what, "xc %s", c->xc[x].canon);
            if ((rc = add_invalid(c, kind, source, label, s->msg, 1.0, what))) return rc;
            ok_xc[x] = 0;
        }
    }

    if (c->scan) return FU_OK; /* the campaign cutoff needs only the elements */
    fu_symmetry own;
    memset(&own, 0, sizeof own);
    if (!known && (rc = find_symmetry(c, base, source, &own))) return rc;
    const fu_symmetry *sym = known ? known : &own;
    fu_err e = {0};
    fu_structure s;
    rc = fu_structure_copy(&s, base, c->err);
    if (rc) {
        if (!known) fu_symmetry_free(&own);
        return rc;
    }
    structure_job *j = calloc(1, sizeof *j);
    if (!j) rc = fu_fail(c->err, FU_ENOMEM, "out of memory");
    for (int is = 0; is < c->nstrain && !rc; is++) {
        double f = c->strain[is];
        for (int a = 0; a < 3; a++)
            for (int b = 0; b < 3; b++) s.lattice[a][b] = f * base->lattice[a][b];
        double ecut_max = 0;
        for (int ie = 0; ie < c->necut; ie++) ecut_max = fmax(ecut_max, c->ecut[ie]);
        /* a huge cell: refused here in constant time, not by the FFT grid search */
        int bad = fu_structure_check(&s, FU_INPUT_MIN_DIST, source, &e);
        if (!bad && fu_fftgrid_check_size((const double(*)[3])s.lattice, ecut_max, &e)) {
            fu_err_prefix(&e, "%s", source);
            bad = 1;
        }
        if (bad) {
            char label[FU_CANDIDATE_LABEL_LEN];
            textf(label, sizeof label, "%s/strain=%g", head, f);
            char what[64];
            textf(what, sizeof what, "strain %.17g", f);
            rc = add_invalid(c, kind, source, label, e.msg, f, what);
            continue;
        }
        for (int x = 0; x < c->nxc && !rc; x++) {
            if (!ok_xc[x]) continue;
            /* fields set one by one: the k cache stays valid for every
             * strain and xc of this structure (same symmetry) */
            j->kind = kind;
            j->source = source;
            j->head = head;
            j->s = &s;
            j->strain = f;
            j->xc = x;
            j->psp = psps[x];
            j->sym = sym;
            j->nelec = 0;
            j->nproj = 0;
            for (int a = 0; a < s.natom; a++) {
                const fu_psp *p = psps[x][s.typat[a]];
                j->nelec += p->zion;
                for (int l = 0; l <= p->lmax && l < FU_PSP_MAXL; l++)
                    j->nproj += p->nproj[l] * (2 * l + 1);
            }
            for (int ie = 0; ie < c->necut && !rc; ie++)
                for (int ik = 0; ik < c->nk && !rc; ik++)
                    for (int ism = 0; ism < c->nsm && !rc; ism++) rc = emit(c, j, ie, ik, ism);
        }
    }
    free(j);
    fu_structure_free(&s);
    if (!known) fu_symmetry_free(&own);
    return rc;
}

/* The product bound is checked before a source is expanded. */
static int plan(ctx *c, const fu_ynode *n, long nstruct) {
    double total = (double)c->planned + (double)nstruct * (double)c->nparams;
    if (total > FU_SWEEP_MAX_CANDIDATES)
        return fu_ynode_fail(c->err, c->d, n, FU_EINPUT,
                             "the sweep reaches %.0f candidates, more than the limit %d; split "
                             "it into several sweeps",
                             total, FU_SWEEP_MAX_CANDIDATES);
    c->planned += nstruct * c->nparams;
    return FU_OK;
}

/* -------------------------------------------------------------- prototypes */

static int read_prototype(ctx *c, const fu_ynode *ent, const fu_ynode *pn) {
    static const char *const keys[] = {"prototype", "A", "B", "X", "a", NULL};
    static const char *const site_key[FU_PROTO_MAX_SITES] = {"A", "B", "X"};
    int rc = fu_ymap_check_keys(c->d, ent, keys, c->err);
    const char *name;
    if (!rc) rc = fu_ynode_string(c->d, pn, &name, c->err);
    if (rc) return rc;
    int p = fu_prototype_from_name(name);
    if (p < 0)
        return fu_ynode_fail(c->err, c->d, pn, FU_EINPUT, "unknown prototype '%.40s'; known: %s",
                             name, fu_prototype_names());
    int ns = fu_prototype_nsites((fu_prototype)p);
    int nz[FU_PROTO_MAX_SITES] = {1, 1, 1};
    int zs[FU_PROTO_MAX_SITES][MAX_LIST];
    const fu_ynode *zn[FU_PROTO_MAX_SITES][MAX_LIST];
    for (int i = 0; i < FU_PROTO_MAX_SITES; i++) {
        const fu_ynode *v = fu_ymap_get(ent, site_key[i]);
        if (i >= ns) {
            if (v)
                return fu_ynode_fail(c->err, c->d, v, FU_EINPUT,
                                     "%s has no site %s (its sites: %s)", name, site_key[i],
                                     ns == 1   ? "A"
                                     : ns == 2 ? "A, B"
                                               : "A, B, X");
            continue;
        }
        if (!v)
            return fu_ynode_fail(c->err, c->d, ent, FU_EINPUT,
                                 "%s needs elements on site %s (its sites: %s)", name, site_key[i],
                                 ns == 1   ? "A"
                                 : ns == 2 ? "A, B"
                                           : "A, B, X");
        if (v->kind == FU_YMAP)
            return fu_ynode_fail(c->err, c->d, v, FU_EINPUT,
                                 "expected an element or a list of elements, found a map");
        int cnt = v->kind == FU_YSEQ ? v->n : 1;
        if (cnt == 0)
            return fu_ynode_fail(c->err, c->d, v, FU_EINPUT,
                                 "empty list: the sweep would be empty");
        if (cnt > MAX_LIST)
            return fu_ynode_fail(c->err, c->d, v, FU_EINPUT, "%d items; at most %d", cnt, MAX_LIST);
        nz[i] = cnt;
        for (int j = 0; j < cnt; j++) {
            const fu_ynode *e = v->kind == FU_YSEQ ? v->item[j] : v;
            const char *sym;
            if ((rc = fu_ynode_string(c->d, e, &sym, c->err))) return rc;
            int z = fu_element_z(sym);
            if (z <= 0 || !fu_element_symbol(z))
                return fu_ynode_fail(c->err, c->d, e, FU_EINPUT, "unknown element '%.20s'", sym);
            zs[i][j] = z;
            zn[i][j] = e;
        }
    }
    double a = 0.0;
    const fu_ynode *an = fu_ymap_get(ent, "a");
    if (an) {
        rc = fu_ynode_quantity(c->d, an, FU_UNIT_LENGTH, &a, c->err);
        if (!rc) rc = positive(c, an, a, "bohr");
        if (!rc && a > MAX_A)
            rc = fu_ynode_fail(
                c->err, c->d, an, FU_EINPUT,
                "%g bohr is not a lattice parameter of a primitive cell (<= %g bohr)", a, MAX_A);
        if (rc) return rc;
    }
    long total = (long)nz[0] * nz[1] * nz[2];
    if ((rc = plan(c, ent, total))) return rc;

    char source[FU_SWEEP_PATH_LEN];
    textf(source, sizeof source, "%s:%d", c->d->path, ent->line);
    char what[96];
    if (an)
        textf(what, sizeof what, "%s(a=%.6gA)", name, a * FU_BOHR_ANGSTROM);
    else
        textf(what, sizeof what, "%s", name);
    /* spglib takes tens of ms per call; substitutions with the same pattern
     * of equal sites have the same operations (same fractional positions,
     * lattice only scaled), so each pattern is analysed once. */
    fu_symmetry psym[8];
    int have_sym[8] = {0};
    int idx[FU_PROTO_MAX_SITES];
    for (long t = 0; t < total && !rc; t++) {
        /* A outermost, X innermost */
        long r = t;
        for (int i = FU_PROTO_MAX_SITES - 1; i >= 0; i--) {
            idx[i] = (int)(r % nz[i]);
            r /= nz[i];
        }
        int z[FU_PROTO_MAX_SITES];
        for (int i = 0; i < ns; i++) z[i] = zs[i][idx[i]];
        fu_structure s;
        fu_err e = {0};
        if (fu_prototype_build((fu_prototype)p, z, a, &s, &e)) {
            /* the only failure left: no covalent radius for the rule */
            const fu_ynode *at = zn[0][idx[0]];
            for (int i = 0; i < ns; i++)
                if (!(fu_element_covalent_radius(z[i]) > 0)) at = zn[i][idx[i]];
            rc = fu_ynode_fail(c->err, c->d, at, FU_EINPUT, "%s", e.msg);
            break;
        }
        /* formula in site order with the prototype's counts */
        int cnt[FU_PROTO_MAX_SITES];
        fu_prototype_site_counts((fu_prototype)p, cnt);
        char formula[64] = "";
        {
            int zz[FU_PROTO_MAX_SITES], cc[FU_PROTO_MAX_SITES], m = 0;
            for (int i = 0; i < ns; i++) {
                int k = 0;
                while (k < m && zz[k] != z[i]) k++;
                if (k == m) {
                    zz[m] = z[i];
                    cc[m++] = 0;
                }
                cc[k] += cnt[i];
            }
            int g = 0;
            for (int k = 0; k < m; k++) {
                int x = cc[k], y = g;
                while (y) {
                    int tt = x % y;
                    x = y;
                    y = tt;
                }
                g = x;
            }
            size_t used = 0;
            for (int k = 0; k < m; k++) {
                int nn = cc[k] / g;
                int w = nn == 1 ? snprintf(formula + used, sizeof formula - used, "%s",
                                           fu_element_symbol(zz[k]))
                                : snprintf(formula + used, sizeof formula - used, "%s%d",
                                           fu_element_symbol(zz[k]), nn);
                if (w > 0) used += (size_t)w;
            }
        }
        /* too small an explicit a is a spec mistake */
        char origin[FU_SWEEP_PATH_LEN + 64];
        textf(origin, sizeof origin, "%s %s", formula, name);
        if (fu_structure_check(&s, FU_INPUT_MIN_DIST, origin, &e)) {
            fu_structure_free(&s);
            rc = fu_ynode_fail(c->err, c->d, an ? an : ent, FU_EINPUT, "%s", e.msg);
            break;
        }
        /* a species' problems are reported at its (first) site */
        const fu_ynode *at[FU_MAX_SPECIES];
        for (int i = ns - 1; i >= 0; i--)
            for (int sp = 0; sp < s.nspecies; sp++)
                if (s.znucl[sp] == z[i]) at[sp] = zn[i][idx[i]];
        int pat = (z[0] == z[1]) | (ns > 2 && z[0] == z[2]) << 1 | (ns > 2 && z[1] == z[2]) << 2;
        if (ns == 1) pat = 0;
        if (!c->scan && !have_sym[pat] && !(rc = find_symmetry(c, &s, source, &psym[pat]))) have_sym[pat] = 1;
        if (!rc)
            rc = add_structure(c, &s, FU_CANDIDATE_PROTOTYPE, source, formula, what, at, &psym[pat]);
        fu_structure_free(&s);
    }
    for (int i = 0; i < 8; i++)
        if (have_sym[i]) fu_symmetry_free(&psym[i]);
    return rc;
}

/* --------------------------------------------------- structures and POSCARs */

/* The scf input's POSCAR species check, plus the atom limit that the scf
 * input's inline structures have (its POSCAR path has none). */
static void canonical_species(fu_structure *s, const char *path, char *reason, size_t len) {
    fu_input_canonical_species(s, path, reason, len);
    if (!reason[0] && s->natom > MAX_ATOMS)
        textf(reason, len, "%s: %d atoms; at most %d are supported", path, s->natom, MAX_ATOMS);
}

static int read_explicit(ctx *c, const fu_ynode *ent, const fu_ynode *st, int index) {
    static const char *const keys[] = {"structure", "name", NULL};
    static const char *const skeys[] = {"lattice", "coordinates", "atoms", "poscar", NULL};
    int rc = fu_ymap_check_keys(c->d, ent, keys, c->err);
    if (!rc) rc = fu_ynode_expect(c->d, st, FU_YMAP, c->err);
    if (!rc) rc = fu_ymap_check_keys(c->d, st, skeys, c->err);
    if (rc) return rc;
    char name[64];
    const fu_ynode *nn = fu_ymap_get(ent, "name");
    if (nn) {
        if ((rc = fu_ynode_string_copy(c->d, nn, name, sizeof name, c->err))) return rc;
        if (fu_input_has_control(name) || strchr(name, '/'))
            return fu_ynode_fail(c->err, c->d, nn, FU_EINPUT,
                                 "a label part: no '/' or control characters");
    } else {
        snprintf(name, sizeof name, "candidates[%d]", index);
    }
    if ((rc = plan(c, ent, 1))) return rc;
    fu_structure s;
    memset(&s, 0, sizeof s);
    const fu_ynode *pos = fu_ymap_get(st, "poscar");
    if (pos) {
        if (st->n > 1) {
            return fu_ynode_fail(c->err, c->d, pos, FU_EINPUT,
                                 "give either poscar or lattice/coordinates/atoms, not both");
        }
        const char *rel;
        char path[FU_SWEEP_PATH_LEN];
        rc = fu_ynode_string(c->d, pos, &rel, c->err);
        if (!rc) rc = join_path(c, pos, rel, path, sizeof path);
        if (rc) return rc;
        fu_err e = {0};
        if (fu_structfile_read(path, &s, &e)) { /* POSCAR or CIF; no FIFOs: core/regfile.h */
            one_line(e.msg);
            return fu_ynode_fail(c->err, c->d, pos, FU_EINPUT, "%s", e.msg);
        }
        char reason[FU_ERR_MSG_LEN];
        canonical_species(&s, path, reason, sizeof reason);
        if (reason[0]) {
            fu_structure_free(&s);
            return fu_ynode_fail(c->err, c->d, pos, FU_EINPUT, "%s", reason);
        }
    } else if ((rc = fu_input_read_inline_structure(c->d, st, &s, c->err))) {
        fu_structure_free(&s);
        return rc;
    }
    char origin[FU_SWEEP_PATH_LEN + 64];
    fu_err e = {0};
    textf(origin, sizeof origin, "%s:%d: candidates[%d].structure", c->d->path, st->line, index);
    if (fu_structure_check(&s, FU_INPUT_MIN_DIST, origin, &e)) {
        fu_structure_free(&s);
        return fu_fail(c->err, FU_EINPUT, "%s", e.msg);
    }
    char source[FU_SWEEP_PATH_LEN], formula[64];
    textf(source, sizeof source, "%s:%d", c->d->path, ent->line);
    formula_species_order(&s, formula, sizeof formula);
    const fu_ynode *at[FU_MAX_SPECIES];
    for (int sp = 0; sp < FU_MAX_SPECIES; sp++) at[sp] = st;
    rc = add_structure(c, &s, FU_CANDIDATE_EXPLICIT, source, formula, name, at, NULL);
    fu_structure_free(&s);
    return rc;
}

static int cmp_name(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int read_poscar_dir(ctx *c, const fu_ynode *ent, const fu_ynode *dn) {
    static const char *const keys[] = {"poscar_dir", "pattern", NULL};
    int rc = fu_ymap_check_keys(c->d, ent, keys, c->err);
    const char *rel, *pattern = "*";
    char dir[FU_SWEEP_PATH_LEN];
    if (!rc) rc = fu_ynode_string(c->d, dn, &rel, c->err);
    if (!rc) rc = join_path(c, dn, rel, dir, sizeof dir);
    const fu_ynode *pn = fu_ymap_get(ent, "pattern");
    if (!rc && pn) rc = fu_ynode_string(c->d, pn, &pattern, c->err);
    if (rc) return rc;
    if (fu_input_has_control(pattern) || strchr(pattern, '/'))
        return fu_ynode_fail(c->err, c->d, pn, FU_EINPUT,
                             "a file name pattern (no '/' or control characters)");
    DIR *dh = opendir(dir);
    if (!dh)
        return fu_ynode_fail(c->err, c->d, dn, FU_EINPUT, "cannot read directory %s: %s", dir,
                             strerror(errno));
    char **names = NULL;
    int n = 0, cap = 0;
    int read_errno = 0;
    for (;;) {
        errno = 0; /* readdir signals an error only through errno */
        struct dirent *de = readdir(dh);
        if (!de) {
            read_errno = errno;
            break;
        }
        if (de->d_name[0] == '.') continue; /* ., .., hidden files */
        if (fnmatch(pattern, de->d_name, 0) != 0) continue;
        if (n == MAX_DIR_FILES) {
            rc = fu_ynode_fail(c->err, c->d, dn, FU_EINPUT, "%s: more than %d files", dir,
                               MAX_DIR_FILES);
            break;
        }
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            char **t = realloc(names, sizeof *t * (size_t)cap);
            if (!t) {
                rc = fu_fail(c->err, FU_ENOMEM, "out of memory");
                break;
            }
            names = t;
        }
        if (!(names[n] = strdup(de->d_name))) {
            rc = fu_fail(c->err, FU_ENOMEM, "out of memory");
            break;
        }
        n++;
    }
    if (!rc && read_errno)
        rc = fu_ynode_fail(c->err, c->d, dn, FU_EINPUT, "cannot read directory %s: %s", dir,
                           strerror(read_errno));
    closedir(dh);
    /* directory order is arbitrary; names make it reproducible */
    if (!rc && n > 1) qsort(names, (size_t)n, sizeof *names, cmp_name);
    int nfile = 0;
    for (int i = 0; i < n && !rc; i++) {
        char path[FU_SWEEP_PATH_LEN];
        struct stat sb;
        int w = snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (w >= 0 && (size_t)w < sizeof path && stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
            free(names[i]);
            names[i] = NULL;
            continue; /* subdirectories are not candidates */
        }
        nfile++;
    }
    if (!rc && nfile == 0)
        rc = fu_ynode_fail(c->err, c->d, pn ? pn : dn, FU_EINPUT,
                           "no files matching '%.60s' in %s: the sweep would be empty", pattern,
                           dir);
    if (!rc) rc = plan(c, ent, nfile);
    for (int i = 0; i < n && !rc; i++) {
        if (!names[i]) continue;
        char path[FU_SWEEP_PATH_LEN];
        int w = snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (w < 0 || (size_t)w >= sizeof path) {
            rc = add_invalid(c, FU_CANDIDATE_POSCAR, names[i], names[i], "path too long", 1.0, "");
            continue;
        }
        fu_structure s;
        fu_err e = {0};
        char reason[FU_ERR_MSG_LEN] = "";
        memset(&s, 0, sizeof s);
        if (fu_structfile_read(path, &s, &e)) /* POSCAR or CIF; no FIFOs: core/regfile.h */
            textf(reason, sizeof reason, "%s", e.msg);
        else
            canonical_species(&s, path, reason, sizeof reason);
        if (!reason[0] && fu_structure_check(&s, FU_INPUT_MIN_DIST, path, &e))
            textf(reason, sizeof reason, "%s", e.msg);
        if (reason[0]) {
            char label[FU_CANDIDATE_LABEL_LEN];
            textf(label, sizeof label, "%s/invalid", names[i]);
            if (s.xred) fu_structure_free(&s);
            rc = add_invalid(c, FU_CANDIDATE_POSCAR, path, label, reason, 1.0, "");
            continue;
        }
        char formula[64];
        formula_species_order(&s, formula, sizeof formula);
        rc = add_structure(c, &s, FU_CANDIDATE_POSCAR, path, formula, names[i], NULL, NULL);
        fu_structure_free(&s);
    }
    for (int i = 0; i < n; i++) free(names[i]);
    free(names);
    return rc;
}

static int read_candidates(ctx *c, const fu_ynode *list) {
    int rc = fu_ynode_expect(c->d, list, FU_YSEQ, c->err);
    if (rc) return rc;
    if (list->n == 0)
        return fu_ynode_fail(c->err, c->d, list, FU_EINPUT, "empty list: the sweep would be empty");
    for (int i = 0; i < list->n && !rc; i++) {
        const fu_ynode *ent = list->item[i], *v;
        if (ent->kind != FU_YMAP)
            return fu_ynode_fail(c->err, c->d, ent, FU_EINPUT,
                                 "expected a map with prototype:, poscar_dir: or structure:, "
                                 "found a %s",
                                 fu_ykind_name(ent->kind));
        int kinds = !!fu_ymap_get(ent, "prototype") + !!fu_ymap_get(ent, "poscar_dir") +
                    !!fu_ymap_get(ent, "structure");
        if (kinds != 1)
            return fu_ynode_fail(c->err, c->d, ent, FU_EINPUT,
                                 "give exactly one of prototype, poscar_dir, structure (found %d)",
                                 kinds);
        if ((v = fu_ymap_get(ent, "prototype")))
            rc = read_prototype(c, ent, v);
        else if ((v = fu_ymap_get(ent, "poscar_dir")))
            rc = read_poscar_dir(c, ent, v);
        else
            rc = read_explicit(c, ent, fu_ymap_get(ent, "structure"), i);
    }
    return rc;
}

/* -------------------------------------------------------- references */

/* `references: auto`: every element of the candidates gets its ground-state
 * phase (crystal/refstate.h) as one more candidate, computed with the
 * sweep's parameters (a molecule at the Γ point, spin-polarised where its
 * ground state is). An element without an entry is an error of the spec. */
static int add_references(ctx *c) {
    int seen[FU_MAX_Z + 1] = {0};
    for (int i = 0; i < c->n; i++) {
        const fu_structure *s = &c->cand[i].structure;
        for (int sp = 0; s->natom > 0 && sp < s->nspecies; sp++)
            if (s->znucl[sp] > 0 && s->znucl[sp] <= FU_MAX_Z) seen[s->znucl[sp]] = 1;
    }
    for (int z = 1; z <= FU_MAX_Z; z++)
        if (seen[z] && !fu_refstate_find(z))
            return fu_ynode_fail(c->err, c->d, c->refs_node, FU_EINPUT,
                                 "auto: no ground-state entry for %s (entries: %s); give its "
                                 "reference phase as a candidate and leave out references: auto",
                                 fu_element_symbol(z), fu_refstate_symbols());
    char source[FU_SWEEP_PATH_LEN];
    textf(source, sizeof source, "%s:%d", c->d->path, c->refs_node->line);
    int rc = FU_OK;
    for (int z = 1; z <= FU_MAX_Z && !rc; z++) {
        if (!seen[z]) continue;
        const fu_refstate *r = fu_refstate_find(z);
        if ((rc = plan(c, c->refs_node, 1))) break;
        fu_structure s;
        fu_err e = {0};
        if (fu_refstate_build(r, &s, &e)) {
            rc = fu_ynode_fail(c->err, c->d, c->refs_node, FU_EINPUT, "auto: %s", e.msg);
            break;
        }
        char formula[16], what[48];
        textf(formula, sizeof formula, r->molecule ? "%s2" : "%s", fu_element_symbol(z));
        textf(what, sizeof what, "reference-%s", fu_prototype_name(r->proto));
        c->ref_cur = r;
        rc = add_structure(c, &s, FU_CANDIDATE_PROTOTYPE, source, formula, what, NULL, NULL);
        c->ref_cur = NULL;
        fu_structure_free(&s);
    }
    return rc;
}

/* ----------------------------------------------------------------- driver */

typedef struct {
    const char *id;
    int index;
} id_ref;

static int cmp_id(const void *pa, const void *pb) {
    const id_ref *a = pa, *b = pb;
    int r = strcmp(a->id, b->id);
    return r ? r : (a->index > b->index) - (a->index < b->index);
}

/* Keeps the first of every ID, in expansion order. */
static int dedupe(ctx *c, fu_sweep *sw) {
    if (c->n == 0) return FU_OK;
    id_ref *r = malloc(sizeof *r * (size_t)c->n);
    char *drop = calloc((size_t)c->n, 1);
    if (!r || !drop) {
        free(r);
        free(drop);
        return fu_fail(c->err, FU_ENOMEM, "out of memory");
    }
    for (int i = 0; i < c->n; i++) r[i] = (id_ref){c->cand[i].id, i};
    qsort(r, (size_t)c->n, sizeof *r, cmp_id);
    for (int i = 1; i < c->n; i++)
        if (!strcmp(r[i].id, r[i - 1].id)) {
            int first = i - 1;
            while (drop[r[first].index]) first--;
            drop[r[i].index] = 1;
            c->cand[r[first].index].nduplicates++;
        }
    int m = 0;
    for (int i = 0; i < c->n; i++) {
        if (drop[i]) {
            fu_structure_free(&c->cand[i].structure);
            sw->nduplicates++;
            continue;
        }
        if (m != i) c->cand[m] = c->cand[i];
        m++;
    }
    c->n = m;
    free(r);
    free(drop);
    return FU_OK;
}

/* only: [ID, ...]: keep just these candidates of the expansion (a subset of a
 * campaign, e.g. the picks of an active-learning round, with the IDs, and so
 * the results, of the full sweep). Every listed ID must be a candidate. */
static int apply_only(ctx *c, const fu_ynode *only, fu_sweep *sw) {
    const fu_ydoc *d = c->d;
    int rc = fu_ynode_expect(d, only, FU_YSEQ, c->err);
    if (rc) return rc;
    char *keep = calloc((size_t)(c->n ? c->n : 1), 1);
    if (!keep) return fu_fail(c->err, FU_ENOMEM, "out of memory");
    for (int k = 0; k < only->n && !rc; k++) {
        const char *id;
        const fu_ynode *v = only->item[k];
        rc = fu_ynode_string(d, v, &id, c->err);
        if (rc) break;
        int found = -1;
        for (int i = 0; i < c->n && found < 0; i++)
            if (!strcmp(c->cand[i].id, id)) found = i;
        if (found < 0)
            rc = fu_ynode_fail(c->err, d, v, FU_EINPUT, "'%.40s' is not the ID of a candidate of this sweep", id);
        else
            keep[found] = 1;
    }
    int m = 0;
    for (int i = 0; i < c->n && !rc; i++) {
        if (!keep[i]) {
            fu_structure_free(&c->cand[i].structure);
            sw->nskipped_only++;
            continue;
        }
        if (m != i) c->cand[m] = c->cand[i];
        m++;
    }
    if (!rc) c->n = m;
    free(keep);
    return rc;
}

static void free_ctx(ctx *c) {
    for (int x = 0; x < MAX_XC; x++)
        for (int z = 0; z <= FU_MAX_Z; z++) free(c->xc[x].slot[z]);
    for (int i = 0; i < c->ncp2k; i++) free(c->cp2k[i].text);
    for (int i = 0; i < c->n; i++) fu_structure_free(&c->cand[i].structure);
    free(c->cand);
}

/* spin: {polarized: true|false|auto, moments: {El: μB, ...}}. auto runs a
 * candidate spin-polarised only when it contains an element with a moment
 * (the elements that may be magnetic); true runs every candidate polarised
 * (start 0 for elements without a moment). */
static int read_sweep_spin(ctx *c, const fu_ynode *sp) {
    static const char *const keys[] = {"polarized", "moments", NULL};
    const fu_ydoc *d = c->d;
    const fu_ynode *n, *m;
    int rc = fu_ynode_expect(d, sp, FU_YMAP, c->err);
    if (!rc) rc = fu_ymap_check_keys(d, sp, keys, c->err);
    if (rc) return rc;
    if ((n = fu_ymap_get(sp, "polarized"))) {
        if (n->kind == FU_YSCALAR && n->value && !strcmp(n->value, "auto")) c->spin_mode = 2;
        else rc = fu_ynode_bool(d, n, &c->spin_mode, c->err);
        if (rc) return fu_ynode_fail(c->err, d, n, FU_EINPUT, "expected true, false or auto");
    }
    if (!(m = fu_ymap_get(sp, "moments"))) {
        if (c->spin_mode == 2)
            return fu_ynode_fail(c->err, d, sp, FU_EINPUT, "polarized: auto needs moments: (the magnetic elements)");
        return FU_OK;
    }
    if (!c->spin_mode)
        return fu_ynode_fail(c->err, d, m, FU_EINPUT, "initial moments need polarized: true or auto");
    rc = fu_ynode_expect(d, m, FU_YMAP, c->err);
    for (int i = 0; !rc && i < m->n; i++) {
        const fu_ynode *v = m->item[i];
        int z = fu_element_z(m->key[i]);
        if (z <= 0 || z > FU_MAX_Z || !fu_element_symbol(z))
            return fu_ynode_fail(c->err, d, v, FU_EINPUT, "unknown element '%.20s'", m->key[i]);
        if (c->moment_node[z]) return fu_ynode_fail(c->err, d, v, FU_EINPUT, "%s given twice", m->key[i]);
        rc = fu_ynode_double(d, v, &c->moment[z], c->err);
        if (!rc && !isfinite(c->moment[z]))
            rc = fu_ynode_fail(c->err, d, v, FU_EINPUT, "must be a finite number of Bohr magnetons");
        c->moment_node[z] = v;
    }
    return rc;
}

/* properties: {relax: {...} | true, bands: {density: D} | true,
 * eos: {points: N, range: R} | true}. */
static int read_properties(ctx *c, const fu_ynode *pr) {
    /* the built-in keys, then every block property the farm can run (props/property.h) */
    const char *keys[3 + FU_PROPERTY_MAX + 1] = {"relax", "bands", "eos"};
    size_t nreg, nkeys = 3;
    const fu_property *const *reg = fu_property_registry(&nreg);
    for (size_t i = 0; i < nreg; i++)
        if (!reg[i]->inline_block && reg[i]->run) keys[nkeys++] = reg[i]->name;
    keys[nkeys] = NULL;
    static const char *const ekeys[] = {"points", "range", NULL};
    static const char *const bkeys[] = {"density", NULL};
    const fu_ydoc *d = c->d;
    const fu_ynode *n, *v;
    int rc = fu_ynode_expect(d, pr, FU_YMAP, c->err);
    if (!rc) rc = fu_ymap_check_keys(d, pr, keys, c->err);
    fu_relax_opts_default(&c->tasks.relax_opts);
    c->tasks.eos_points = 7;
    c->tasks.eos_range = 0.02;
    c->tasks.bands_density = FU_BANDS_DENSITY_DEFAULT;
    if (!rc && (n = fu_ymap_get(pr, "bands"))) {
        if (n->kind == FU_YMAP) {
            c->tasks.bands = 1;
            rc = fu_ymap_check_keys(d, n, bkeys, c->err);
            if (!rc && (v = fu_ymap_get(n, "density"))) {
                rc = fu_ynode_double(d, v, &c->tasks.bands_density, c->err);
                if (!rc && !(c->tasks.bands_density >= 1 && c->tasks.bands_density <= 1000))
                    rc = fu_ynode_fail(c->err, d, v, FU_EINPUT,
                                       "must be path points per bohr^-1 in [1, 1000], got %g", c->tasks.bands_density);
            }
        } else {
            rc = fu_ynode_bool(d, n, &c->tasks.bands, c->err);
        }
    }
    if (!rc && (n = fu_ymap_get(pr, "relax"))) {
        if (n->kind == FU_YMAP) {
            c->tasks.relax = 1;
            rc = fu_relax_read_yaml(d, n, &c->tasks.relax_opts, c->err);
        } else {
            rc = fu_ynode_bool(d, n, &c->tasks.relax, c->err);
        }
        c->tasks.relax_opts.log = NULL;
    }
    if (!rc && (n = fu_ymap_get(pr, "eos"))) {
        if (n->kind == FU_YMAP) {
            c->tasks.eos = 1;
            rc = fu_ymap_check_keys(d, n, ekeys, c->err);
            if (!rc && (v = fu_ymap_get(n, "points"))) rc = fu_ynode_int(d, v, 4, FU_EOS_MAXPOINTS, &c->tasks.eos_points, c->err);
            if (!rc && (v = fu_ymap_get(n, "range"))) {
                rc = fu_ynode_double(d, v, &c->tasks.eos_range, c->err);
                if (!rc && !(c->tasks.eos_range > 0 && c->tasks.eos_range <= 0.3))
                    rc = fu_ynode_fail(c->err, d, v, FU_EINPUT,
                                       "must be a fractional half-range of the lattice constant in (0, 0.3], got %g",
                                       c->tasks.eos_range);
            }
        } else {
            rc = fu_ynode_bool(d, n, &c->tasks.eos, c->err);
        }
    }
    for (size_t i = 0; i < nreg && !rc; i++) {
        const fu_property *p = reg[i];
        if (p->inline_block || !p->run || !(n = fu_ymap_get(pr, p->name))) continue;
        double *o = c->tasks.block_opts[i];
        memset(o, 0, FU_PROPERTY_OPTS * sizeof *o);
        if (p->default_opts) p->default_opts(o);
        int on = 0;
        if (n->kind == FU_YMAP) {
            static const char *const none[] = {NULL};
            on = 1;
            rc = p->read_opts ? p->read_opts(d, n, o, c->err) : fu_ymap_check_keys(d, n, none, c->err);
        } else {
            rc = fu_ynode_bool(d, n, &on, c->err);
        }
        c->tasks.block_on[i] = on != 0;
    }
    return rc;
}

/* One cutoff for the whole campaign, so that energies entering formation
 * energies and hulls are comparable: the protocol's hint (low, normal, high)
 * maximised over every (xc, element) pseudopotential any candidate uses. A
 * first pass over the candidates only resolves their pseudopotentials. */
static int campaign_ecut(ctx *c, const fu_ynode *cands, fu_sweep *sw) {
    c->scan = 1;
    int rc = read_candidates(c, cands);
    c->scan = 0;
    for (int i = 0; i < c->n; i++) fu_structure_free(&c->cand[i].structure);
    c->n = 0;
    c->planned = 0;
    if (rc) return rc;
    int h = c->proto->hint;
    const psp_slot *best = NULL;
    for (int x = 0; x < c->nxc; x++)
        for (int z = 1; z <= FU_MAX_Z; z++) {
            const psp_slot *s = c->xc[x].slot[z];
            if (!s || !s->used) continue;
            double e = s->psp.hint_ecut[h];
            if (!(e > 0))
                return fu_ynode_fail(c->err, c->d, c->proto_node, FU_EINPUT,
                                     "no %s cutoff hint for %s (%s); give ecut explicitly",
                                     fu_protocol_hint_name(h), fu_element_symbol(z), s->spec);
            if (!best || e > best->psp.hint_ecut[h]) best = s;
        }
    if (!best)
        return fu_ynode_fail(c->err, c->d, c->proto_node, FU_EINPUT,
                             "no candidate has usable pseudopotentials to take a cutoff from; "
                             "give ecut explicitly");
    c->ecut[0] = best->psp.hint_ecut[h];
    if (c->ecut[0] > FU_INPUT_MAX_ECUT)
        return fu_ynode_fail(c->err, c->d, c->proto_node, FU_EINPUT,
                             "the %s hint %g Ha of %s is beyond %g Ha", fu_protocol_hint_name(h),
                             c->ecut[0], best->psp.element, FU_INPUT_MAX_ECUT);
    sw->campaign_ecut = c->ecut[0];
    textf(sw->ecut_source, sizeof sw->ecut_source, "%s hint of %s (%s)",
          fu_protocol_hint_name(h), best->psp.element, best->spec);
    return FU_OK;
}

/* `converge: {structures: [F, ...], ecut: LADDER, kspacing: LADDER, target: energy|all,
 * protocol: NAME}` (input/sweep_README.md "Convergence"). */
static int read_converge(ctx *c, const fu_ynode *n, fu_sweep *sw) {
    static const char *const keys[] = {"structures", "ecut", "kspacing", "target", "protocol", NULL};
    const fu_ydoc *d = c->d;
    const fu_ynode *st, *v;
    int rc = fu_ynode_expect(d, n, FU_YMAP, c->err);
    if (!rc) rc = fu_ymap_check_keys(d, n, keys, c->err);
    if (!rc) rc = fu_ymap_require(d, n, "structures", &st, c->err);
    if (!rc) rc = fu_ynode_expect(d, st, FU_YSEQ, c->err);
    if (!rc && (st->n < 1 || st->n > FU_SWEEP_CONVERGE_MAX))
        rc = fu_ynode_fail(c->err, d, st, FU_EINPUT, "expected 1 to %d formulas of candidates, found %d",
                           FU_SWEEP_CONVERGE_MAX, st->n);
    for (int i = 0; !rc && i < st->n; i++)
        rc = fu_ynode_string_copy(d, st->item[i], sw->converge_formula[i], sizeof sw->converge_formula[i], c->err);
    if (rc) return rc;
    sw->converge_nformula = st->n;
    const char *lad[2] = {"16:64:4 Ha", "0.5,0.4,0.3,0.25,0.2,0.15 1/angstrom"};
    const fu_ynode *ln[2] = {fu_ymap_get(n, "ecut"), fu_ymap_get(n, "kspacing")};
    for (int l = 0; l < 2 && !rc; l++)
        if (ln[l]) rc = fu_ynode_string(d, ln[l], &lad[l], c->err);
    char msg[600];
    double *out[2] = {sw->converge_ecut, sw->converge_kspacing};
    int *cnt[2] = {&sw->converge_necut, &sw->converge_nk};
    for (int l = 0; l < 2 && !rc; l++) {
        int m = fu_converge_parse_ladder(l ? "kspacing" : "ecut", lad[l], l ? FU_UNIT_INVLENGTH : FU_UNIT_ENERGY,
                                         out[l], msg, sizeof msg);
        if (m < 0) return fu_ynode_fail(c->err, d, ln[l] ? ln[l] : n, FU_EINPUT, "%s", msg);
        *cnt[l] = m;
        for (int i = 0; i < m; i++) /* ascending cutoffs; spacings coarse to dense */
            for (int q = i + 1; q < m; q++)
                if (l ? out[l][q] > out[l][i] : out[l][q] < out[l][i]) {
                    double t = out[l][i];
                    out[l][i] = out[l][q], out[l][q] = t;
                }
        if (!l && out[0][m - 1] > FU_INPUT_MAX_ECUT)
            return fu_ynode_fail(c->err, d, ln[0] ? ln[0] : n, FU_EINPUT, "values above %g Ha", FU_INPUT_MAX_ECUT);
    }
    if (!rc && (v = fu_ymap_get(n, "target"))) {
        const char *t;
        rc = fu_ynode_string(d, v, &t, c->err);
        if (!rc && strcmp(t, "energy") && strcmp(t, "all"))
            rc = fu_ynode_fail(c->err, d, v, FU_EINPUT, "expected energy or all, got '%.40s'", t);
        if (!rc) sw->converge_all = !strcmp(t, "all");
    }
    const char *pname = c->proto ? c->proto->name : "balanced";
    if (!rc && (v = fu_ymap_get(n, "protocol"))) {
        rc = fu_ynode_string(d, v, &pname, c->err);
        if (!rc && !fu_protocol_find(pname))
            rc = fu_ynode_fail(c->err, d, v, FU_EINPUT, "unknown protocol '%.40s'; known: %s", pname,
                               FU_PROTOCOL_NAMES);
    }
    if (rc) return rc;
    snprintf(sw->converge_protocol, sizeof sw->converge_protocol, "%s", pname);
    sw->converge = 1;
    sw->converge_line = n->line;
    return FU_OK;
}

/* The first valid candidate of each formula of `converge: structures:` (the label's
 * formula, "MgO" in "MgO/rocksalt/..."). */
static int converge_candidates(ctx *c, const fu_ynode *n, fu_sweep *sw) {
    const fu_ynode *st = fu_ymap_get(n, "structures");
    for (int f = 0; f < sw->converge_nformula; f++) {
        const char *want = sw->converge_formula[f];
        size_t len = strlen(want);
        sw->converge_cand[f] = -1;
        for (int i = 0; i < c->n && sw->converge_cand[f] < 0; i++)
            if (c->cand[i].valid && !strncmp(c->cand[i].label, want, len) && c->cand[i].label[len] == '/')
                sw->converge_cand[f] = i;
        if (sw->converge_cand[f] < 0)
            return fu_ynode_fail(c->err, c->d, st->item[f], FU_EINPUT,
                                 "'%s' is the formula of no valid candidate (as in their labels, e.g. "
                                 "'%.60s')", want, c->n ? c->cand[0].label : "");
    }
    return FU_OK;
}

static int parse_doc(const fu_ydoc *d, fu_sweep *sw, const volatile sig_atomic_t *stop, fu_err *err) {
    static const char *const keys[] = {"name",     "candidates", "pseudopotentials", "xc",
                                       "ecut",     "kpoints",    "smearing",         "strain",
                                       "symmetry", "scf",        "compute",          "verbosity",
                                       "recovery", "candidate_time_limit", "spin",   "properties",
                                       "only",     "protocol",   "allow_unconverged", "references",
                                       "stages",   "converge", NULL};
    const fu_ynode *root = d->root, *n;
    if (root->kind != FU_YMAP)
        return fu_ynode_fail(err, d, root, FU_EINPUT,
                             "expected a map of keys (candidates:, ecut:, ...), found a %s",
                             fu_ykind_name(root->kind));
    /* keys of the scf input that a sweep cannot take, with the reason */
    static const char *const per_structure[] = {"bands", "fft_grid", NULL};
    for (int i = 0; per_structure[i]; i++)
        if ((n = fu_ymap_get(root, per_structure[i])))
            return fu_ynode_fail(err, d, n, FU_EINPUT,
                                 "not supported in a sweep: it depends on each candidate, so the "
                                 "automatic choice is used");
    if ((n = fu_ymap_get(root, "structure")))
        return fu_ynode_fail(err, d, n, FU_EINPUT,
                             "a sweep lists structures under candidates: (- structure: {...})");
    if ((n = fu_ymap_get(root, "output")))
        return fu_ynode_fail(err, d, n, FU_EINPUT,
                             "not supported in a sweep: outputs are named by candidate ID");
    int rc = fu_ymap_check_keys(d, root, keys, err);
    if (rc) return rc;

    ctx *c = calloc(1, sizeof *c);
    if (!c) return fu_fail(err, FU_ENOMEM, "%s: out of memory", d->path);
    c->d = d;
    c->err = err;
    c->stop = stop;
    c->stage = sw->stage;
    c->stage_name = sw->stage_name;
    fu_input_dir_of(d->path, c->dir, sizeof c->dir);
    fu_scf_params_default(&c->base);

    const fu_ynode *cands, *ps, *ec = NULL, *kp = NULL;
    rc = fu_ymap_require(d, root, "candidates", &cands, err);
    if (!rc) rc = fu_ymap_require(d, root, "pseudopotentials", &ps, err);
    if (!rc && (n = fu_ymap_get(root, "protocol"))) {
        const char *name;
        rc = fu_ynode_string(d, n, &name, err);
        if (!rc && !(c->proto = fu_protocol_find(name)))
            rc = fu_ynode_fail(err, d, n, FU_EINPUT, "unknown protocol '%.40s'; known: %s", name,
                               FU_PROTOCOL_NAMES);
        c->proto_node = n;
        if (!rc) snprintf(sw->protocol, sizeof sw->protocol, "%s", c->proto->name);
    }
    if (!rc && (n = fu_ymap_get(root, "allow_unconverged")))
        rc = fu_ynode_bool(d, n, &c->allow_unconverged, err);
    if (!rc && (n = fu_ymap_get(root, "references"))) {
        const char *v;
        rc = fu_ynode_string(d, n, &v, err);
        if (!rc && !strcmp(v, "auto"))
            c->refs_node = n;
        else if (!rc && strcmp(v, "none"))
            rc = fu_ynode_fail(err, d, n, FU_EINPUT, "expected auto or none, got '%.40s'", v);
    }
    /* converge: chooses the cutoff and the k-spacing */
    const fu_ynode *conv = fu_ymap_get(root, "converge");
    for (int q = 0; !rc && conv && q < 2; q++)
        if ((n = fu_ymap_get(root, q ? "kpoints" : "ecut")))
            rc = fu_ynode_fail(err, d, n, FU_EINPUT, "converge: (line %d) chooses it: give one of them, "
                               "not both", conv->line);
    if (!rc && conv) rc = read_converge(c, conv, sw);
    /* a protocol supplies the cutoff and the k-mesh; without one they are required */
    if (!rc && !(ec = fu_ymap_get(root, "ecut")) && !c->proto && !conv)
        rc = fu_ymap_require(d, root, "ecut", &ec, err);
    if (!rc && !(kp = fu_ymap_get(root, "kpoints")) && !c->proto && !conv)
        rc = fu_ymap_require(d, root, "kpoints", &kp, err);
    c->ecut_node = ec;
    c->ecut_given = ec != NULL;
    if (!rc && (n = fu_ymap_get(root, "name"))) {
        rc = fu_ynode_string_copy(d, n, sw->name, sizeof sw->name, err);
        if (!rc && fu_input_has_control(sw->name))
            rc = fu_ynode_fail(err, d, n, FU_EINPUT, "contains control characters");
    }
    /* swept parameters */
    if (!rc) {
        if ((n = fu_ymap_get(root, "xc"))) {
            if (n->kind == FU_YMAP)
                rc = fu_ynode_fail(err, d, n, FU_EINPUT,
                                   "expected a functional or a list of them, found a map");
            else
                rc = each_item(c, n, &c->nxc, xc_item);
        } else {
            c->nxc = 1;
            snprintf(c->xc[0].name, sizeof c->xc[0].name, "lda");
            rc = xc_canonical("lda", c->xc[0].canon, sizeof c->xc[0].canon, c->xc[0].label,
                              sizeof c->xc[0].label, err);
        }
    }
    if (!rc && conv) {
        /* below, with the k-mesh */
    } else if (!rc && !ec) {
        c->necut = 1; /* set after the scan of the elements, below */
    } else if (!rc) {
        if (ec->kind == FU_YMAP)
            rc = fu_ynode_fail(err, d, ec, FU_EINPUT,
                               "expected an energy (15 Ha) or a list of them, found a map");
        else
            rc = each_item(c, ec, &c->necut, ecut_item);
    }
    if (!rc && conv) { /* the values chosen, or until then the ladders' densest */
        c->necut = 1;
        c->ecut[0] = sw->converged_ecut > 0 ? sw->converged_ecut : sw->converge_ecut[sw->converge_necut - 1];
        c->ecut_given = 1;
        c->ecut_node = conv;
        c->nk = 1;
        c->k[0].spacing = sw->converged_kspacing > 0 ? sw->converged_kspacing
                                                     : sw->converge_kspacing[sw->converge_nk - 1];
    } else if (!rc && !kp) {
        c->nk = 1;
        c->k[0].spacing = c->proto->kspacing;
    } else if (!rc) {
        rc = fu_ynode_expect(d, kp, FU_YMAP, err);
        if (!rc) rc = read_kpoints(c, kp);
    }
    /* fixed parameters, read as the scf input reads them (smearing defaults
     * read base values) */
    fu_scf_params *base = &c->base;
    if (!rc && (n = fu_ymap_get(root, "symmetry"))) rc = fu_input_read_symmetry(d, n, base, err);
    if (!rc && (n = fu_ymap_get(root, "scf"))) rc = fu_input_read_scf(d, n, base, err);
    if (!rc && c->proto && !(n && fu_ymap_get(n, "energy_tolerance")))
        c->tol_per_atom = c->proto->tol_energy_per_atom;
    if (!rc && (n = fu_ymap_get(root, "compute"))) rc = fu_input_read_compute(d, n, base, err);
    if (!rc && (n = fu_ymap_get(root, "verbosity")))
        rc = fu_ynode_int(d, n, 0, 2, &c->base.verbosity, err);
    /* farm controls (screen/recovery.h, fu_farm_opts) */
    if (!rc && (n = fu_ymap_get(root, "recovery"))) {
        static const char *const rkeys[] = {"max_rungs", NULL};
        const fu_ynode *m;
        rc = fu_ynode_expect(d, n, FU_YMAP, err);
        if (!rc) rc = fu_ymap_check_keys(d, n, rkeys, err);
        if (!rc) rc = fu_ymap_require(d, n, "max_rungs", &m, err);
        if (!rc) rc = fu_ynode_int(d, m, 1, 4, &sw->recovery_rungs, err);
    }
    if (!rc && (n = fu_ymap_get(root, "candidate_time_limit"))) {
        rc = fu_ynode_double(d, n, &sw->candidate_time_limit, err);
        if (!rc && !(sw->candidate_time_limit > 0 && sw->candidate_time_limit <= 1e9))
            rc = fu_ynode_fail(err, d, n, FU_EINPUT, "must be seconds > 0, got %g",
                               sw->candidate_time_limit);
    }
    if (!rc && (n = fu_ymap_get(root, "spin"))) rc = read_sweep_spin(c, n);
    if (!rc && (n = fu_ymap_get(root, "properties"))) rc = read_properties(c, n);
    if (!rc && c->proto && c->tasks.relax) {
        /* the protocol's thresholds unless relax: gives them */
        const fu_ynode *r = fu_ymap_get(n, "relax");
        int map = r && r->kind == FU_YMAP;
        if (!(map && fu_ymap_get(r, "force_tol"))) c->tasks.relax_opts.force_tol = c->proto->force_tol;
        if (!(map && fu_ymap_get(r, "stress_tol")))
            c->tasks.relax_opts.stress_tol = c->proto->stress_tol;
    }
    if (!rc) {
        if ((n = fu_ymap_get(root, "smearing"))) {
            rc = each_item(c, n, &c->nsm, smear_item);
        } else if (c->proto) {
            c->nsm = 1;
            c->sm[0] = (smear_opt){c->proto->smearing, c->base.smearing_order, c->proto->tsmear};
        } else {
            c->nsm = 1;
            c->sm[0] = (smear_opt){FU_SMEAR_NONE, c->base.smearing_order, c->base.tsmear};
        }
    }
    if (!rc) {
        if ((n = fu_ymap_get(root, "strain"))) {
            if (n->kind == FU_YMAP)
                rc = fu_ynode_fail(err, d, n, FU_EINPUT,
                                   "expected a scale factor (1.02) or a list of them, found a map");
            else
                rc = each_item(c, n, &c->nstrain, strain_item);
        } else {
            c->nstrain = 1;
            c->strain[0] = 1.0;
        }
    }
    if (!rc) rc = read_pseudopotentials(c, ps);
    if (!rc) {
        c->nparams = (long)c->nxc * c->necut * c->nk * c->nsm * c->nstrain;
        if (c->nparams > FU_SWEEP_MAX_CANDIDATES)
            rc = fu_ynode_fail(err, d, root, FU_EINPUT,
                               "the parameter lists alone give %ld combinations, more than the "
                               "limit %d",
                               c->nparams, FU_SWEEP_MAX_CANDIDATES);
    }
    if (!rc && !c->ecut_given) rc = campaign_ecut(c, cands, sw);
    if (!rc) rc = read_candidates(c, cands);
    if (!rc && c->refs_node) rc = add_references(c);
    if (!rc) rc = dedupe(c, sw);
    if (!rc && (n = fu_ymap_get(root, "only"))) rc = apply_only(c, n, sw);
    if (!rc && conv) rc = converge_candidates(c, conv, sw);
    /* labels and reasons carry file names, which may hold any bytes: the journal stores clean text */
    for (int i = 0; !rc && i < c->n; i++) {
        fu_text_sanitize(c->cand[i].label);
        fu_text_sanitize(c->cand[i].reason);
    }
    if (!rc && c->n == 0) rc = fu_ynode_fail(err, d, cands, FU_EINPUT, "no candidates");
    if (!rc) {
        sw->cand = c->cand;
        sw->n = c->n;
        c->cand = NULL;
        c->n = 0;
        for (int i = 0; i < sw->n; i++) {
            if (sw->cand[i].valid) {
                sw->nvalid++;
                sw->total_cost += sw->cand[i].cost;
            } else {
                sw->ninvalid++;
            }
        }
    }
    free_ctx(c);
    free(c);
    return rc;
}

/* ------------------------------------------------------------------ stages */

/* The keys a stage may set: settings and properties, not the candidate list (which every
 * stage shares, so that stage k's candidate i is stage 1's candidate i). */
static const char *const stage_keys[] = {"name",     "where",   "protocol", "ecut",       "kpoints",
                                         "smearing", "scf",     "compute",  "properties", "allow_unconverged",
                                         NULL};

/* The document a stage reads: the sweep's top-level keys (without stages:) with the
 * stage's own keys in their place. Nodes are shared with the document, so messages name
 * the file, line and key path (stages[1].ecut) as written. */
static fu_ynode *stage_view(const fu_ynode *root, const fu_ynode *st) {
    fu_ynode *v = calloc(1, sizeof *v);
    size_t cap = (size_t)(root->n + st->n) + 1;
    if (!v) return NULL;
    v->item = calloc(cap, sizeof *v->item);
    v->key = calloc(cap, sizeof *v->key);
    v->key_line = calloc(cap, sizeof *v->key_line);
    if (!v->item || !v->key || !v->key_line) {
        free(v->item), free(v->key), free(v->key_line), free(v);
        return NULL;
    }
    v->kind = FU_YMAP;
    v->line = root->line;
    for (int i = 0; i < root->n; i++) {
        if (!strcmp(root->key[i], "stages") || fu_ymap_get(st, root->key[i])) continue;
        v->key[v->n] = root->key[i], v->key_line[v->n] = root->key_line[i], v->item[v->n++] = root->item[i];
    }
    for (int i = 0; i < st->n; i++) {
        if (!strcmp(st->key[i], "name") || !strcmp(st->key[i], "where")) continue;
        v->key[v->n] = st->key[i], v->key_line[v->n] = st->key_line[i], v->item[v->n++] = st->item[i];
    }
    v->cap = (int)cap;
    return v;
}

static void stage_view_free(fu_ynode *v) {
    if (!v) return;
    free(v->item), free(v->key), free(v->key_line), free(v);
}

/* stage 1's candidate i and stage k's candidate i must be the same structure */
static int same_structure(const fu_candidate *a, const fu_candidate *b) {
    const fu_structure *x = &a->structure, *y = &b->structure;
    if (a->kind != b->kind || a->strain != b->strain || x->natom != y->natom || x->nspecies != y->nspecies)
        return 0;
    if (memcmp(x->lattice, y->lattice, sizeof x->lattice)) return 0;
    for (int i = 0; i < x->natom; i++)
        if (memcmp(x->xred[i], y->xred[i], sizeof x->xred[i]) || x->typat[i] != y->typat[i]) return 0;
    return 1;
}

static int parse_stages(const fu_ydoc *d, const fu_ynode *stages, fu_sweep *sw,
                        const volatile sig_atomic_t *stop, fu_err *err) {
    const fu_ynode *n;
    int rc = fu_ynode_expect(d, stages, FU_YSEQ, err);
    if (rc) return rc;
    if (stages->n < 1 || stages->n > 16)
        return fu_ynode_fail(err, d, stages, FU_EINPUT, "expected 1 to 16 stages, found %d", stages->n);
    if ((n = fu_ymap_get(d->root, "only")) || (n = fu_ymap_get(d->root, "converge")))
        return fu_ynode_fail(err, d, n, FU_EINPUT, "not supported together with stages:");
    char names[16][FU_SWEEP_STAGE_NAME_LEN];
    for (int k = 0; k < stages->n; k++) {
        const fu_ynode *st = stages->item[k], *nm, *wh;
        rc = fu_ynode_expect(d, st, FU_YMAP, err);
        if (!rc) rc = fu_ymap_check_keys(d, st, stage_keys, err);
        if (!rc) rc = fu_ymap_require(d, st, "name", &nm, err);
        if (!rc) rc = fu_ynode_string_copy(d, nm, names[k], sizeof names[k], err);
        for (const char *c = names[k]; !rc && *c; c++)
            if (!isalnum((unsigned char)*c) && *c != '_' && *c != '-' && *c != '.')
                rc = fu_ynode_fail(err, d, nm, FU_EINPUT,
                                   "'%s': a stage name is letters, digits, '_', '-' and '.'", names[k]);
        for (int q = 0; !rc && q < k; q++)
            if (!strcmp(names[q], names[k]))
                rc = fu_ynode_fail(err, d, nm, FU_EINPUT, "'%s' names stage %d already", names[k], q + 1);
        if (!rc && (wh = fu_ymap_get(st, "where"))) {
            const char *text;
            fu_rank_expr *e = NULL;
            fu_err e2 = {0};
            if (k == 0)
                rc = fu_ynode_fail(err, d, wh, FU_EINPUT,
                                   "the first stage runs every candidate: where: belongs to a later "
                                   "stage (it selects from the stage before)");
            if (!rc) rc = fu_ynode_string(d, wh, &text, err);
            if (!rc && strlen(text) >= FU_SWEEP_WHERE_LEN)
                rc = fu_ynode_fail(err, d, wh, FU_EINPUT, "longer than %d characters", FU_SWEEP_WHERE_LEN - 1);
            if (!rc && fu_rank_expr_parse(text, &e, &e2))
                rc = fu_ynode_fail(err, d, wh, FU_EINPUT, "%s (the language of furui rank --where; "
                                   "furui rank --list names the properties)", e2.msg);
            fu_rank_expr_free(e);
        }
        if (rc) return rc;
    }
    fu_sweep *prev = NULL;
    for (int k = 0; k < stages->n && !rc; k++) {
        const fu_ynode *st = stages->item[k], *wh = fu_ymap_get(st, "where");
        fu_sweep *t = sw;
        if (k > 0 && !(t = calloc(1, sizeof *t))) return fu_fail(err, FU_ENOMEM, "%s: out of memory", d->path);
        t->nstages = stages->n;
        t->stage = k + 1;
        snprintf(t->stage_name, sizeof t->stage_name, "%s", names[k]);
        if (wh) {
            snprintf(t->stage_where, sizeof t->stage_where, "%s", wh->value);
            t->stage_where_line = wh->line;
        }
        fu_ynode *view = stage_view(d->root, st);
        if (!view) rc = fu_fail(err, FU_ENOMEM, "%s: out of memory", d->path);
        fu_ydoc vd = *d;
        vd.root = view;
        if (!rc) rc = parse_doc(&vd, t, stop, err);
        stage_view_free(view);
        if (rc) {
            if (t != sw) {
                fu_sweep_free(t);
                free(t);
            }
            break;
        }
        if (prev) prev->next = t;
        prev = t;
        if (k == 0) {
            for (int i = 0; i < t->n; i++) memcpy(t->cand[i].root, t->cand[i].id, (FU_RECORD_ID_LEN + 1));
            continue;
        }
        int ok = t->n == sw->n;
        for (int i = 0; ok && i < t->n; i++) ok = same_structure(&sw->cand[i], &t->cand[i]);
        if (!ok)
            rc = fu_ynode_fail(err, d, st, FU_EINPUT,
                               "stage '%s' gives %d candidates that are not stage 1's %d in the same "
                               "order: a stage sets one value per key (no lists) and keeps the "
                               "candidate list", names[k], t->n, sw->n);
        for (int i = 0; !rc && i < t->n; i++) memcpy(t->cand[i].root, sw->cand[i].id, (FU_RECORD_ID_LEN + 1));
    }
    return rc;
}

static int parse_top(const fu_ydoc *d, fu_sweep *sw, const volatile sig_atomic_t *stop, fu_err *err) {
    const fu_ynode *stages = d->root->kind == FU_YMAP ? fu_ymap_get(d->root, "stages") : NULL;
    if (!stages) return parse_doc(d, sw, stop, err);
    return parse_stages(d, stages, sw, stop, err);
}

static int finish(fu_ydoc *d, fu_sweep *sw, const volatile sig_atomic_t *stop, fu_err *err) {
    int rc = parse_top(d, sw, stop, err);
    if (rc) {
        if (err) one_line(err->msg);
        fu_ydoc_free(d);
        fu_sweep_free(sw);
        return rc;
    }
    snprintf(sw->path, sizeof sw->path, "%s", d->path);
    if (!sw->name[0]) fu_input_default_name(d->path, "sweep", sw->name, sizeof sw->name);
    for (fu_sweep *t = sw->next; t; t = t->next) {
        snprintf(t->path, sizeof t->path, "%s", d->path);
        snprintf(t->name, sizeof t->name, "%s", sw->name);
        if (!(t->text = strdup(d->text))) {
            fu_ydoc_free(d);
            fu_sweep_free(sw);
            return fu_fail(err, FU_ENOMEM, "out of memory");
        }
    }
    sw->text = d->text; /* kept verbatim for provenance */
    d->text = NULL;
    fu_ydoc_free(d);
    return FU_OK;
}

static int start(const char *origin, fu_sweep *sw, fu_err *err) {
    memset(sw, 0, sizeof *sw);
    if (!origin || strlen(origin) >= FU_SWEEP_PATH_LEN)
        return fu_fail(err, FU_EINPUT, "sweep path: missing or longer than %d characters",
                       FU_SWEEP_PATH_LEN - 1);
    return FU_OK;
}

int fu_sweep_read(const char *path, fu_sweep *sw, fu_err *err) {
    return fu_sweep_read_until(path, NULL, sw, err);
}

int fu_sweep_read_until(const char *path, const volatile sig_atomic_t *stop, fu_sweep *sw,
                        fu_err *err) {
    int rc = start(path, sw, err);
    if (rc) return rc;
    fu_ydoc d;
    rc = fu_ydoc_load(path, &d, err);
    if (rc) {
        if (err) one_line(err->msg);
        return rc;
    }
    return finish(&d, sw, stop, err);
}

int fu_sweep_read_converged(const char *path, double ecut, double kspacing, fu_sweep *sw, fu_err *err) {
    int rc = start(path, sw, err);
    if (rc) return rc;
    if (!(ecut > 0 && kspacing > 0)) return fu_fail(err, FU_EINPUT, "%s: converged values must be > 0", path);
    sw->converged_ecut = ecut;
    sw->converged_kspacing = kspacing;
    fu_ydoc d;
    rc = fu_ydoc_load(path, &d, err);
    if (rc) {
        if (err) one_line(err->msg);
        return rc;
    }
    return finish(&d, sw, NULL, err);
}

int fu_sweep_parse(const char *text, const char *origin, fu_sweep *sw, fu_err *err) {
    int rc = start(origin, sw, err);
    if (rc) return rc;
    fu_ydoc d;
    rc = fu_ydoc_parse(text ? text : "", text ? strlen(text) : 0, origin, &d, err);
    if (rc) {
        if (err) one_line(err->msg);
        return rc;
    }
    return finish(&d, sw, NULL, err);
}

int fu_sweep_apply_mem_limit(fu_sweep *sw, double limit, int group_size, int threads, const char *how) {
    if (group_size < 1) group_size = 1;
    fu_groupsize_opts o = {group_size, group_size, limit, threads, how, NULL, 0};
    return fu_groupsize_plan(sw, &o, NULL); /* without npband: no layout to refuse */
}

void fu_sweep_free(fu_sweep *sw) {
    if (!sw) return;
    if (sw->next) {
        fu_sweep_free(sw->next);
        free(sw->next);
    }
    for (int i = 0; i < sw->n && sw->cand; i++) fu_structure_free(&sw->cand[i].structure);
    free(sw->cand);
    free(sw->text);
    memset(sw, 0, sizeof *sw);
}
