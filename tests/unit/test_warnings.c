// labels: unit
/* Warnings (props/warnings.h), each with a case that triggers it and one that
 * does not, on data whose answer is known without the program:
 *  - pressure: a diagonal stress -P·1 is pressure P (P = -tr σ / 3); 6 GPa
 *    and -6 GPa warn, 4.9 GPa does not;
 *  - relaxation: accepted enthalpies rising beyond the noise warn, a rise
 *    within the noise or on a rejected step does not; a cube of edge 1.04
 *    (volume +12.5 %) warns, 1.03 (+9.3 %) does not;
 *  - EOS: Birch-Murnaghan energies (B0' = 4) sampled around V0 give none;
 *    sampled entirely below V0 the lowest point is the last one: warns;
 *    BM data made with B0' = 12 fit back to 12: warns (outside 2-8);
 *  - recovery: an SCF that needed a second rung warns (and says when the
 *    smearing changed), one that converged on the first does not;
 *  - gap k-mesh: Si-like edges (VBM at Γ, CBM at 0.85 X = (0.425, 0, 0.425)
 *    in fcc reduced coordinates) are missed by a 4x4x4 Γ-centred mesh (the
 *    CBM is not (m/4)), a direct gap at Γ and X = (0.5, 0, 0.5) is on the
 *    4x4x4 mesh but X is not on a 3x3x3 one, a shifted mesh lacks Γ; a metal
 *    never warns;
 *  - the warning parts of a candidate message are found among its other
 *    parts ("recovery: ...; warning: A; eos: ...; warning: B" gives "A; B");
 *  - no warning contains "; ", the separator of a candidate's message parts. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/units.h"
#include "props/warnings.h"

/* candidate messages join their parts with "; ": a warning must not contain one */
static void one_part(const fu_warnings *w) {
    for (int i = 0; i < w->n; i++) CHECK(!strchr(w->msg[i], ';'), w->msg[i]);
}

static void test_pressure(void) {
    const double gpa[] = {6.0, -6.0, 4.9, 0.0};
    const int want[] = {1, 1, 0, 0};
    for (int i = 0; i < 4; i++) {
        double s[3][3] = {{0}};
        for (int k = 0; k < 3; k++) s[k][k] = -gpa[i] / FU_HA_BOHR3_GPA;
        fu_warnings w = {0};
        fu_warn_scf_pressure((const double(*)[3])s, &w);
        one_part(&w);
        char what[64];
        snprintf(what, sizeof what, "P = %g GPa: %s", gpa[i], want[i] ? "warns" : "quiet");
        CHECK(w.n == want[i], what);
        if (w.n) CHECK(strstr(w.msg[0], "GPa") && strstr(w.msg[0], "relax"), "says GPa and what to do");
    }
}

static fu_relax_result relax_case(int n, const double *h, const int *acc, double v0, double edge) {
    fu_relax_result r;
    memset(&r, 0, sizeof r);
    r.nsteps = n;
    r.hist = calloc((size_t)n, sizeof *r.hist);
    for (int i = 0; i < n; i++) {
        r.hist[i].enthalpy = h[i];
        r.hist[i].accepted = acc[i];
        r.hist[i].volume = v0;
    }
    for (int k = 0; k < 3; k++) r.structure.lattice[k][k] = edge;
    return r;
}

static void test_relax(void) {
    const double noise = 1e-7;
    const double down[] = {-10.0, -10.001, -10.0015, -10.0016};
    const double up[] = {-10.0, -10.001, -10.00099, -10.0016};    /* +1e-5 at step 3 */
    const double jitter[] = {-10.0, -10.001, -10.00099995, -10.0016}; /* +5e-8: noise */
    const int all[] = {1, 1, 1, 1}, rej3[] = {1, 1, 0, 1};
    struct {
        const double *h;
        const int *acc;
        double edge;
        int want;
        const char *what;
    } cases[] = {{down, all, 1.0, 0, "downhill, same volume: quiet"},
                 {up, all, 1.0, 1, "accepted step 1e-5 Ha uphill: warns"},
                 {jitter, all, 1.0, 0, "a rise within the noise: quiet"},
                 {up, rej3, 1.0, 0, "a rejected uphill step: quiet"},
                 {down, all, 1.04, 1, "volume +12.5 %: warns"},
                 {down, all, 1.03, 0, "volume +9.3 %: quiet"},
                 {down, all, 0.96, 1, "volume -11.5 %: warns"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fu_relax_result r = relax_case(4, cases[i].h, cases[i].acc, 1.0, cases[i].edge);
        fu_warnings w = {0};
        fu_warn_relax(&r, noise, &w);
        one_part(&w);
        CHECK(w.n == cases[i].want, cases[i].what);
        if (w.n && cases[i].edge != 1.0)
            CHECK(strstr(w.msg[0], "volume") != NULL, "names the volume");
        if (w.n && cases[i].edge == 1.0)
            CHECK(strstr(w.msg[0], "step 3") != NULL, "names the step");
        free(r.hist);
    }
}

/* BM3 points at volumes v0·(1 + lo + i·(hi - lo)/(n-1)), fitted. */
static int eos_case(double lo, double hi, double b0p, fu_eos_scan_result *r) {
    const double v0 = 270.0, b0 = 100.0 / FU_HA_BOHR3_GPA, e0 = -15.0;
    memset(r, 0, sizeof *r);
    r->npoints = 7;
    for (int i = 0; i < 7; i++) {
        r->volume[i] = v0 * (1.0 + lo + i * (hi - lo) / 6.0);
        r->energy[i] = fu_eos_bm_energy(r->volume[i], e0, v0, b0, b0p);
    }
    fu_err err = {0};
    return fu_eos_fit(7, r->volume, r->energy, &r->fit, &err);
}

static void test_eos(void) {
    fu_eos_scan_result r;
    fu_warnings w = {0};
    CHECK(eos_case(-0.06, 0.06, 4.0, &r) == FU_OK, "fit");
    CHECK_CLOSE(r.fit.b0_prime, 4.0, 1e-6, "B0' recovered");
    fu_warn_eos(&r, &w);
    one_part(&w);
    CHECK(w.n == 0, "centred scan, B0' = 4: quiet");

    memset(&w, 0, sizeof w);
    CHECK(eos_case(-0.20, -0.08, 4.0, &r) == FU_OK, "fit");
    fu_warn_eos(&r, &w);
    one_part(&w);
    CHECK(w.n >= 1 && strstr(w.msg[0], "last point"), "all below V0: minimum at the edge");

    memset(&w, 0, sizeof w);
    CHECK(eos_case(-0.06, 0.06, 12.0, &r) == FU_OK, "fit");
    CHECK_CLOSE(r.fit.b0_prime, 12.0, 1e-5, "B0' = 12 recovered");
    fu_warn_eos(&r, &w);
    one_part(&w);
    CHECK(w.n == 1 && strstr(w.msg[0], "B0'"), "B0' = 12: warns");

    memset(&w, 0, sizeof w);
    CHECK(eos_case(-0.06, 0.06, 7.5, &r) == FU_OK, "fit");
    fu_warn_eos(&r, &w);
    one_part(&w);
    CHECK(w.n == 0, "B0' = 7.5 is within 2-8: quiet");
}

static void test_recovery(void) {
    fu_warnings w = {0};
    fu_warn_recovery(1, "as-given", 0, &w);
    CHECK(w.n == 0, "converged on the first rung: quiet");
    fu_warn_recovery(2, "damped", 0, &w);
    one_part(&w);
    CHECK(w.n == 1 && strstr(w.msg[0], "damped") && strstr(w.msg[0], "recovery"), "second rung: warns");
    fu_warn_recovery(4, "smearing", 1, &w);
    CHECK(w.n == 2 && strstr(w.msg[1], "not comparable"), "smearing rung: says the energy is not comparable");
}

static void test_gap_kmesh(void) {
    const int g4[3] = {4, 4, 4}, g3[3] = {3, 3, 3};
    const double z[3] = {0, 0, 0}, half[3] = {0.5, 0.5, 0.5};
    const double gam[3] = {0, 0, 0}, x[3] = {0.5, 0, 0.5}, cb[3] = {0.425, 0, 0.425};
    const double ha = 1.0 / FU_HA_EV;
    CHECK(fu_kmesh_contains(g4, z, x) && fu_kmesh_contains(g4, z, gam), "X and Γ on 4x4x4");
    CHECK(!fu_kmesh_contains(g3, z, x), "X not on 3x3x3");
    CHECK(!fu_kmesh_contains(g4, half, gam), "Γ not on a shifted mesh");
    const double mx[3] = {-0.5, 0, 1.5};
    CHECK(fu_kmesh_contains(g4, z, mx), "images of X are on the mesh too");
    fu_warnings w = {0};
    fu_warn_gap_kmesh(g4, z, gam, "Γ", cb, "", 1.2 * ha, 0.5 * ha, &w);
    one_part(&w);
    CHECK(w.n == 1 && strstr(w.msg[0], "CBM") && !strstr(w.msg[0], "VBM"), "Si-like CBM off the mesh: warns");
    memset(&w, 0, sizeof w);
    fu_warn_gap_kmesh(g4, z, gam, "Γ", x, "X", 1.0 * ha, 1.0 * ha, &w);
    CHECK(w.n == 0, "edges at Γ and X on 4x4x4: quiet");
    fu_warn_gap_kmesh(g3, z, gam, "Γ", x, "X", 1.3 * ha, 1.0 * ha, &w);
    CHECK(w.n == 1 && strstr(w.msg[0], "X") && strstr(w.msg[0], "3x3x3"), "X off 3x3x3: warns");
    memset(&w, 0, sizeof w);
    fu_warn_gap_kmesh(g4, half, gam, "Γ", gam, "Γ", 1.0 * ha, 0.8 * ha, &w);
    CHECK(w.n == 1 && strstr(w.msg[0], "VBM") && strstr(w.msg[0], "CBM"), "shifted mesh lacks Γ: both edges");
    memset(&w, 0, sizeof w);
    fu_warn_gap_kmesh(g3, z, gam, "", cb, "", 0, 0, &w);
    CHECK(w.n == 0, "metal: quiet");
}

static void test_extract(void) {
    char out[256];
    int n = fu_warn_extract("recovery: as-given: failed; warning: A b; eos: x; warning: C", out, sizeof out);
    CHECK(n == 2 && !strcmp(out, "A b; C"), out);
    n = fu_warn_extract("recovery: as-given: done", out, sizeof out);
    CHECK(n == 0 && !out[0], "no warning part: empty");
    n = fu_warn_extract(NULL, out, sizeof out);
    CHECK(n == 0 && !out[0], "no message: empty");
    char small[4];
    n = fu_warn_extract("warning: long text here", small, sizeof small);
    CHECK(n == 1 && strlen(small) < sizeof small, "truncated, terminated");
}

int main(void) {
    test_recovery();
    test_gap_kmesh();
    test_extract();
    test_pressure();
    test_relax();
    test_eos();
    CHECK_DONE();
}
