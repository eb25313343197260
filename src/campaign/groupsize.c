/* Group size per candidate (groupsize.h). */
#include "campaign/groupsize.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/text.h"
#include "dft/bandpar.h"

/* snprintf without -Wformat-truncation: a reason is cut at its buffer on purpose */
static void textf(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void textf(char *buf, size_t len, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, len, fmt, ap);
    va_end(ap);
}

static fu_mem_counts counts(const fu_candidate *c, int threads) {
    fu_mem_counts m = c->memc;
    m.nk = c->nk;
    m.nthreads = threads;
    return m;
}

/* The estimate of c on s ranks in the layout fu_memory_layout picks for the limit (want_npb
 * band ranks if > 0). */
static void layout_on(const fu_candidate *c, int s, int want_npb, int want_npg, int threads, double limit,
                      fu_mem_counts *m, fu_mem_estimate *e, int *npb_default) {
    *m = counts(c, threads);
    *npb_default = 1;
    if (fu_memory_layout(m, s, want_npb, want_npb ? want_npg : 0, limit, e, npb_default, NULL)) { /* k-points only */
        m->npb = 1;
        m->npg = 1;
        m->nk_owned = (c->nk + s - 1) / s;
        fu_memory_estimate_counts(m, e);
    }
}

double fu_groupsize_speedup(const fu_candidate *c, int s, int want_npb, int *npk, int *npb) {
    int nk = c->nk > 0 ? c->nk : 1, nev = c->memc.nband + fu_bandpar_nbuffer(c->memc.nband);
    int pk = s, pb = 1, pg = 1;
    if (fu_bandpar_layout(nk, s, (int)fmin(c->memc.npw, 1e9), nev, want_npb, 0, &pk, &pb, &pg, NULL))
        pk = s, pb = 1, pg = 1;
    if (npk) *npk = pk;
    if (npb) *npb = pb;
    return fu_bandpar_cost(nk, 1, 1, 1) / fu_bandpar_cost(nk, pk, pb, pg);
}

double fu_groupsize_min_mem(const fu_candidate *c, int workers, int threads) {
    double least = INFINITY;
    for (int s = 1; s <= workers; s++) {
        fu_mem_counts m;
        fu_mem_estimate e;
        int d;
        layout_on(c, s, 0, 0, threads, 1.0, &m, &e, &d); /* a limit nothing meets: the least-memory layout */
        if (e.total < least) least = e.total;
    }
    return least;
}

int fu_groupsize_plan(fu_sweep *sw, const fu_groupsize_opts *o, fu_err *err) {
    int W = o->workers > 0 ? o->workers : 1, refused = 0, B = o->npband > 0 ? o->npband : 0;
    if (B > W)
        return fu_fail(err, FU_EINPUT, "--npband %d: more band ranks than the %d worker rank(s) of this job", B, W),
               -1;
    if (B && o->fixed > 0 && o->fixed % B)
        return fu_fail(err, FU_EINPUT, "--npband %d does not divide --group-size %d", B, o->fixed), -1;
    int G = o->npfft > 0 ? o->npfft : 0;
    if (G && !B) return fu_fail(err, FU_EINPUT, "--npfft %d needs --npband (the band ranks it divides)", G), -1;
    if (G && B % G) return fu_fail(err, FU_EINPUT, "--npfft %d does not divide --npband %d", G, B), -1;
    double C = 0;
    for (int i = 0; i < sw->n; i++)
        if (sw->cand[i].valid && (!o->mask || o->mask[i])) C += sw->cand[i].cost;
    double T = C / W; /* each worker's fair share of the cost */
    for (int i = 0; i < sw->n; i++) {
        fu_candidate *k = &sw->cand[i];
        if (!k->valid || (o->mask && !o->mask[i])) continue;
        fu_mem_counts m;
        fu_mem_estimate e;
        int npb_default = 1, need = 0;
        /* memory: the fewest ranks with a layout that fits (the estimate falls with more
           ranks through the k-points and band rows each holds) */
        if (B) { /* can its bands and plane waves be shared among B ranks at all? */
            int nev = k->memc.nband + fu_bandpar_nbuffer(k->memc.nband), pk, pb, pg;
            fu_err le = {0};
            if (fu_bandpar_layout(k->nk > 0 ? k->nk : 1, B, (int)fmin(k->memc.npw, 1e9), nev, B, G,
                                  &pk, &pb, &pg, &le))
                return fu_fail(err, FU_EINPUT, "%s: --npband %d%s: %s (%s)", k->source, B,
                               G ? " --npfft" : "", le.msg, k->label), -1;
        }
        int step = B ? B : 1, Wb = W / step * step;
        for (int s = step; s <= Wb && !need; s += step) {
            layout_on(k, s, B, G, o->threads, o->limit, &m, &e, &npb_default);
            if (!(o->limit > 0) || e.total <= o->limit) need = s;
        }
        if (!need) {
            char t[4][32];
            layout_on(k, Wb, B, G, o->threads, o->limit, &m, &e, &npb_default);
            k->mem = e.total;
            k->npb = m.npb > 1 ? m.npb : 1;
            k->npg = m.npg > 1 ? m.npg : 1;
            k->npk = Wb / k->npb;
            textf(k->reason, sizeof k->reason,
                     "%s: ecut: needs about %s per rank (wave functions %s, grids and mixer %s; %.0f plane "
                     "waves, %d grid points; %d band rank(s) per k-point, the smallest layout of %d rank(s)), "
                     "more than the %s allowed (%s)",
                     k->source, fu_memory_text(e.total, t[0], 32), fu_memory_text(e.wavefunctions, t[1], 32),
                     fu_memory_text(e.grids + e.mixer, t[2], 32), k->npw, k->nfft, k->npb, Wb,
                     fu_memory_text(o->limit, t[3], 32), o->how ? o->how : "limit");
            fu_text_sanitize(k->reason);
            k->valid = 0;
            k->mem_refused = 1;
            k->nranks = k->min_ranks = 0;
            sw->nvalid--;
            sw->ninvalid++;
            sw->total_cost -= k->cost;
            k->cost = 0;
            refused++;
            continue;
        }
        int s = o->fixed > 0 ? o->fixed : step;
        if (o->fixed <= 0 && k->cost > T && W > 1) {
            /* the fewest ranks that bring it down to the fair share, else the best speedup */
            double best = fu_groupsize_speedup(k, step, B, NULL, NULL);
            int sbest = step;
            for (int q = 2 * step; q <= Wb; q += step) {
                double sp = fu_groupsize_speedup(k, q, B, NULL, NULL);
                if (sp > best * (1 + 1e-12)) best = sp, sbest = q;
                if (k->cost / sp <= T) break;
            }
            s = sbest;
        }
        if (s < need) s = need;
        if (s > Wb) s = Wb;
        layout_on(k, s, B, G, o->threads, o->limit, &m, &e, &npb_default);
        k->nranks = s;
        k->min_ranks = need;
        k->npb = m.npb > 1 ? m.npb : 1;
        k->npg = m.npg > 1 ? m.npg : 1;
        k->npk = s / k->npb;
        k->mem = e.total;
        k->params.npband = B ? B : k->npb != npb_default ? k->npb : 0;
        k->params.npfft = B ? G : 0;
    }
    return refused;
}
