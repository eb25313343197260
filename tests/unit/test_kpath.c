// labels: unit
/* High-symmetry paths (Setyawan & Curtarolo 2010):
 *  - fcc Si in three settings (standard primitive rows; the same lattice with
 *    permuted/recombined rows; the 8-atom conventional cube) gives the FCC
 *    path, and each special point is, in Cartesian coordinates, in the star
 *    of the analytic point (X = 2π/a(0,1,0), L = 2π/a(½,½,½),
 *    W = 2π/a(1,½,0), K = 2π/a(¾,¾,0), U = 2π/a(¼,1,¼)) modulo a primitive
 *    reciprocal lattice vector: the path is the same physical path whatever
 *    the setting;
 *  - hcp Mg gives the HEX path with |M| = 2π/(√3 a), |K| = 4π/(3a), |A| = π/c;
 *  - the sampler: distances non-decreasing, one break per "|", special
 *    points at the segment ends, the total length is the sum of segment
 *    lengths, and the density is honoured. */
#include <math.h>
#include <string.h>

#include "check.h"
#include "core/units.h"
#include "crystal/kpath.h"

static void cart_to_red(const double lat[3][3], const double r[3], double x[3]) {
    double rec[3][3];
    fu_lattice_reciprocal(lat, rec);
    for (int j = 0; j < 3; j++)
        x[j] = (r[0] * rec[j][0] + r[1] * rec[j][1] + r[2] * rec[j][2]) / (2 * FU_PI);
}

/* Is k (Cartesian) = S·k0 + G for a cubic op S (signed permutation) and G in
 * the reciprocal lattice of `prim`? */
static int in_star(const double k[3], const double k0[3], const double prim[3][3]) {
    static const int perm[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
    for (int p = 0; p < 6; p++)
        for (int sg = 0; sg < 8; sg++) {
            double d[3];
            for (int c = 0; c < 3; c++)
                d[c] = k[c] - ((sg >> c) & 1 ? -1 : 1) * k0[perm[p][c]];
            /* G·a_i / 2π integer for every primitive a_i */
            int ok = 1;
            for (int i = 0; i < 3; i++) {
                double v = (d[0] * prim[i][0] + d[1] * prim[i][1] + d[2] * prim[i][2]) / (2 * FU_PI);
                if (fabs(v - round(v)) > 1e-8) ok = 0;
            }
            if (ok) return 1;
        }
    return 0;
}

static void make(fu_structure *s, const double lat[3][3], int natom, const double (*cart)[3],
                 const char *sym, int z) {
    fu_err err;
    fu_structure_alloc(s, natom, &err);
    memcpy(s->lattice, lat, sizeof s->lattice);
    s->nspecies = 1;
    strcpy(s->symbol[0], sym);
    s->znucl[0] = z;
    for (int a = 0; a < natom; a++) cart_to_red(lat, cart[a], s->xred[a]);
}

static int find_label(const fu_kpath *kp, const char *l) {
    for (int i = 0; i < kp->npoint; i++)
        if (!strcmp(kp->label[i], l)) return i;
    return -1;
}

static void check_sampler(const fu_kpath *kp, const double lat[3][3], int nbreak_want) {
    fu_err err;
    fu_kpath_samples sm;
    const double dens = 20.0;
    int rc = fu_kpath_sample(kp, lat, dens, &sm, &err);
    CHECK(rc == 0, "sampler runs");
    if (rc) return;
    int nbrk = 0, mono = 1, nspecial = 0, maxgap_ok = 1;
    double rec[3][3];
    fu_lattice_reciprocal(lat, rec);
    for (int i = 0; i < sm.n; i++) {
        nbrk += sm.brk[i];
        if (sm.special[i] >= 0) {
            nspecial++;
            for (int c = 0; c < 3; c++)
                if (fabs(sm.kred[i][c] - kp->kred[sm.special[i]][c]) > 1e-12) mono = 0;
        }
        if (i > 0 && sm.dist[i] < sm.dist[i - 1] - 1e-14) mono = 0;
        if (i > 0 && !sm.brk[i]) {
            double d[3] = {0, 0, 0};
            for (int c = 0; c < 3; c++)
                for (int j = 0; j < 3; j++) d[c] += (sm.kred[i][j] - sm.kred[i - 1][j]) * rec[j][c];
            double step = sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
            if (step > 1.0 / dens + 1e-12) maxgap_ok = 0;
            if (fabs(step - (sm.dist[i] - sm.dist[i - 1])) > 1e-12) mono = 0;
        }
        if (i > 0 && sm.brk[i] && sm.dist[i] != sm.dist[i - 1]) mono = 0;
    }
    int nseq_pts = 0;
    for (int i = 0; i < kp->nseq; i++) nseq_pts += kp->seq[i] >= 0;
    CHECK(mono, "distances follow the points, special points sit at segment ends");
    CHECK(maxgap_ok, "no step longer than 1/density");
    CHECK(nbrk == nbreak_want, "one break per '|'");
    CHECK(nspecial == nseq_pts, "every path entry is one sampled special point");
    fu_kpath_samples_free(&sm);
}

int main(void) {
    fu_err err;
    const double a = 10.26; /* Si, bohr */
    const double tp = 2 * FU_PI / a;
    double prim[3][3] = {{0, a / 2, a / 2}, {a / 2, 0, a / 2}, {a / 2, a / 2, 0}};
    const double si2[2][3] = {{0, 0, 0}, {a / 4, a / 4, a / 4}};
    /* setting B: rows a2, a1 + a3, -a3 (unimodular, det +1 after the sign) */
    double latB[3][3];
    for (int c = 0; c < 3; c++) {
        latB[0][c] = prim[1][c];
        latB[1][c] = prim[0][c] + prim[2][c];
        latB[2][c] = -prim[2][c];
    }
    const double shift[3] = {0.3, -0.7, 1.1}; /* an origin shift must not matter */
    double si2s[2][3];
    for (int i = 0; i < 2; i++)
        for (int c = 0; c < 3; c++) si2s[i][c] = si2[i][c] + shift[c];
    /* setting C: conventional cube, 8 atoms */
    double conv[3][3] = {{a, 0, 0}, {0, a, 0}, {0, 0, a}};
    double si8[8][3];
    const double fccb[4][3] = {{0, 0, 0}, {0, .5, .5}, {.5, 0, .5}, {.5, .5, 0}};
    for (int i = 0; i < 4; i++)
        for (int c = 0; c < 3; c++) {
            si8[i][c] = fccb[i][c] * a;
            si8[4 + i][c] = (fccb[i][c] + 0.25) * a;
        }
    fu_structure set[3];
    make(&set[0], prim, 2, si2, "Si", 14);
    make(&set[1], latB, 2, (const double(*)[3])si2s, "Si", 14);
    make(&set[2], conv, 8, (const double(*)[3])si8, "Si", 14);
    const char *names[3] = {"primitive", "recombined rows", "conventional 8-atom"};
    const char *lab[5] = {"X", "L", "W", "K", "U"};
    const double ana[5][3] = {{0, tp, 0}, {tp / 2, tp / 2, tp / 2}, {tp, tp / 2, 0},
                              {0.75 * tp, 0.75 * tp, 0}, {tp / 4, tp, tp / 4}};
    fu_kpath kps[3];
    for (int t = 0; t < 3; t++) {
        fu_kpath *kp = &kps[t];
        int rc = fu_kpath_find(&set[t], 1e-4, kp, &err);
        CHECK(rc == 0, names[t]);
        char buf[256];
        fu_kpath_string(kp, buf, sizeof buf);
        printf("Si %-20s %s %s SG %d: %s\n", names[t], kp->bravais, kp->variant,
               kp->spacegroup_number, buf);
        CHECK(!strcmp(kp->bravais, "cF") && kp->spacegroup_number == 227, "Si is Fd-3m, cF");
        CHECK(!strcmp(buf, "Γ-X-W-K-Γ-L-U-W-L-K|U-X"), "FCC path of Setyawan-Curtarolo");
        for (int l = 0; l < 5; l++) {
            int i = find_label(kp, lab[l]);
            CHECK(i >= 0 && in_star(kp->kcart[i], ana[l], prim),
                  "special point is the analytic one up to cubic symmetry and G");
            /* the reduced coordinates are those of the structure's own cell */
            double kc[3] = {0, 0, 0}, rec[3][3];
            fu_lattice_reciprocal(set[t].lattice, rec);
            for (int c = 0; c < 3; c++)
                for (int j = 0; j < 3; j++) kc[c] += kp->kred[i][j] * rec[j][c];
            CHECK_CLOSE(kc[0] - kp->kcart[i][0] + kc[1] - kp->kcart[i][1] + kc[2] - kp->kcart[i][2],
                        0, 1e-12, "kred and kcart agree");
            if (t > 0) {
                int j = find_label(&kps[0], lab[l]);
                CHECK(in_star(kp->kcart[i], kps[0].kcart[j], prim),
                      "same point as in the primitive setting, up to symmetry");
            }
        }
        check_sampler(kp, set[t].lattice, 1);
    }
    /* Γ-X distance along the path is |X| = 2π/a */
    {
        fu_kpath_samples sm;
        fu_kpath_sample(&kps[0], prim, 10.0, &sm, &err);
        int ix = -1;
        for (int i = 0; i < sm.n && ix < 0; i++)
            if (sm.special[i] >= 0 && !strcmp(kps[0].label[sm.special[i]], "X")) ix = i;
        CHECK(ix > 0, "X sampled");
        if (ix > 0) CHECK_CLOSE(sm.dist[ix], tp, 1e-12, "path length Γ-X = 2π/a");
        CHECK(sm.n >= 10.0 * tp, "density honoured on Γ-X");
        fu_kpath_samples_free(&sm);
    }

    /* hcp Mg */
    {
        const double ah = 6.06, ch = 9.83;
        double hl[3][3] = {{ah / 2, -ah * sqrt(3) / 2, 0}, {ah / 2, ah * sqrt(3) / 2, 0}, {0, 0, ch}};
        double cart[2][3];
        const double x[2][3] = {{1. / 3, 2. / 3, 0.25}, {2. / 3, 1. / 3, 0.75}};
        for (int i = 0; i < 2; i++)
            for (int c = 0; c < 3; c++)
                cart[i][c] = x[i][0] * hl[0][c] + x[i][1] * hl[1][c] + x[i][2] * hl[2][c];
        fu_structure mg;
        make(&mg, hl, 2, (const double(*)[3])cart, "Mg", 12);
        fu_kpath kp;
        CHECK(fu_kpath_find(&mg, 1e-4, &kp, &err) == 0, "Mg path");
        char buf[256];
        fu_kpath_string(&kp, buf, sizeof buf);
        printf("Mg hcp %s %s SG %d: %s\n", kp.bravais, kp.variant, kp.spacegroup_number, buf);
        CHECK(!strcmp(kp.bravais, "hP") && kp.spacegroup_number == 194, "Mg is P6_3/mmc");
        CHECK(!strcmp(buf, "Γ-M-K-Γ-A-L-H-A|L-M|K-H"), "HEX path of Setyawan-Curtarolo");
        int im = find_label(&kp, "M"), ik = find_label(&kp, "K"), ia = find_label(&kp, "A"),
            ih = find_label(&kp, "H");
        double nm = sqrt(kp.kcart[im][0] * kp.kcart[im][0] + kp.kcart[im][1] * kp.kcart[im][1] +
                         kp.kcart[im][2] * kp.kcart[im][2]);
        double nk = sqrt(kp.kcart[ik][0] * kp.kcart[ik][0] + kp.kcart[ik][1] * kp.kcart[ik][1] +
                         kp.kcart[ik][2] * kp.kcart[ik][2]);
        CHECK_CLOSE(nm, 2 * FU_PI / (sqrt(3) * ah), 1e-10, "|ΓM| = 2π/(√3 a): zone-face centre");
        CHECK_CLOSE(nk, 4 * FU_PI / (3 * ah), 1e-10, "|ΓK| = 4π/(3a): zone corner");
        CHECK_CLOSE(fabs(kp.kcart[ia][2]), FU_PI / ch, 1e-12, "|ΓA| = π/c");
        CHECK_CLOSE(kp.kcart[ia][0] * kp.kcart[ia][0] + kp.kcart[ia][1] * kp.kcart[ia][1], 0, 1e-20,
                    "A is on the c axis");
        CHECK_CLOSE(fabs(kp.kcart[ih][2]), FU_PI / ch, 1e-12, "H is on the top face");
        check_sampler(&kp, mg.lattice, 2);
        fu_structure_free(&mg);
    }
    /* a triclinic cell takes the documented fallback */
    {
        double tl[3][3] = {{5, 0.3, 0.1}, {0.7, 6, 0.2}, {0.4, 0.9, 7}};
        const double cart[2][3] = {{0, 0, 0}, {1.1, 1.7, 2.3}};
        fu_structure t;
        make(&t, tl, 2, cart, "Si", 14);
        fu_kpath kp;
        CHECK(fu_kpath_find(&t, 1e-4, &kp, &err) == 0, "triclinic path");
        char buf[256];
        fu_kpath_string(&kp, buf, sizeof buf);
        CHECK(!strcmp(kp.variant, "fallback") && !strcmp(buf, "X-Γ-Y|Γ-Z"), "fallback path");
        CHECK_CLOSE(kp.kred[find_label(&kp, "Y")][1], 0.5, 1e-14, "Y = b2/2");
        fu_structure_free(&t);
    }
    for (int t = 0; t < 3; t++) fu_structure_free(&set[t]);
    CHECK_DONE();
}
