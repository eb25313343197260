/* Reading, validating and expanding sweep specs. The format, the rules
 * (valence choice, k-spacing, validity, ID, cost) and their reasons are in
 * input/sweep_README.md; keep the two in step. */
#include "campaign/sweep.h"
#include "campaign/sweep_parse.h"

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
#include "crystal/formula.h"
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

void fu_sweep_sb_printf(strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void fu_sweep_sb_printf(strbuf *b, const char *fmt, ...) {
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
void fu_sweep_textf(char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void fu_sweep_textf(char *buf, size_t len, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, len, fmt, ap);
    va_end(ap);
}

void fu_sweep_one_line(char *msg) {
    for (char *s = msg; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f) *s = '?';
}

const char *fu_sweep_env_or(const char *var, const char *fallback) {
    const char *v = getenv(var);
    return v && *v ? v : fallback;
}

/* Rounds to an integer number of `unit` (1e-8 bohr, ...) for the canonical
 * text; adding 0 turns -0 into +0. */
long long fu_sweep_quantize(double v, double unit) {
    return llround(v / unit) + 0LL;
}

/* Reduced formula with elements in species order ("NaCl", "SrTiO3"). */
void fu_sweep_formula_species_order(const fu_structure *s, char *buf, size_t len) {
    int count[FU_MAX_SPECIES] = {0};
    for (int sp = 0; sp < s->nspecies; sp++) count[sp] = fu_structure_count(s, sp);
    int g = fu_formula_gcd(count, s->nspecies);
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


/* A stop request while the candidates are expanded (a large sweep takes
 * seconds): FU_ETIME at once, like the farm's stop between candidates. */
int fu_sweep_stopped(ctx *c) {
    if (!c->stop || !*c->stop) return FU_OK;
    return fu_fail(c->err, FU_ETIME, "%s: fu_sweep_stopped by a signal while reading the sweep (%d candidates so far)",
                   c->d->path, c->n);
}

/* The scf input's helpers, with this file's document, directory and error. */
int fu_sweep_join_path(const ctx *c, const fu_ynode *n, const char *rel, char *out, size_t len) {
    return fu_input_join_path(c->d, c->dir, n, rel, out, len, c->err);
}

int fu_sweep_positive(const ctx *c, const fu_ynode *n, double v, const char *unit) {
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
const char *fu_sweep_strip_xc(const char *msg) {
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
    if (fu_candidate_xc_canonical(x->name, x->canon, sizeof x->canon, x->label, sizeof x->label, &e))
        return fu_ynode_fail(c->err, c->d, n, FU_EINPUT, "%s", fu_sweep_strip_xc(e.msg));
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
    int rc = fu_source_read(c, cands);
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
    fu_sweep_textf(sw->ecut_source, sizeof sw->ecut_source, "%s hint of %s (%s)",
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
            rc = fu_candidate_xc_canonical("lda", c->xc[0].canon, sizeof c->xc[0].canon, c->xc[0].label,
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
    /* farm controls (campaign/recovery.h, fu_farm_opts) */
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
    if (!rc) rc = fu_psplib_read(c, ps);
    if (!rc) {
        c->nparams = (long)c->nxc * c->necut * c->nk * c->nsm * c->nstrain;
        if (c->nparams > FU_SWEEP_MAX_CANDIDATES)
            rc = fu_ynode_fail(err, d, root, FU_EINPUT,
                               "the parameter lists alone give %ld combinations, more than the "
                               "limit %d",
                               c->nparams, FU_SWEEP_MAX_CANDIDATES);
    }
    if (!rc && !c->ecut_given) rc = campaign_ecut(c, cands, sw);
    if (!rc) rc = fu_source_read(c, cands);
    if (!rc && c->refs_node) rc = fu_source_add_references(c);
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
        if (err) fu_sweep_one_line(err->msg);
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
        if (err) fu_sweep_one_line(err->msg);
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
        if (err) fu_sweep_one_line(err->msg);
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
        if (err) fu_sweep_one_line(err->msg);
        return rc;
    }
    return finish(&d, sw, NULL, err);
}

int fu_sweep_apply_mem_limit(fu_sweep *sw, double limit, int group_size, int threads, const char *how) {
    if (group_size < 1) group_size = 1;
    fu_groupsize_opts o = {group_size, group_size, limit, threads, how, NULL, 0, 0};
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
