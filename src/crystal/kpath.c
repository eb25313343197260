#include "crystal/kpath.h"

#include <math.h>
#include <spglib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/units.h"

/* One special point in reduced coordinates of the paper's primitive cell. */
typedef struct {
    const char *label;
    double k[3];
} spt;

static void inv3(const double m[3][3], double out[3][3]) {
    double d = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
               m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
               m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            int i1 = (j + 1) % 3, i2 = (j + 2) % 3, j1 = (i + 1) % 3, j2 = (i + 2) % 3;
            out[i][j] = (m[i1][j1] * m[i2][j2] - m[i1][j2] * m[i2][j1]) / d;
        }
}

static double norm3(const double v[3]) { return sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]); }

/* Adds points and the path "A-B-C|D-E" (labels separated by '-' or '|'). */
static int set_path(fu_kpath *kp, const spt *pts, int npt, const char *path,
                    const double bprim[3][3], const double lattice[3][3], fu_err *err) {
    kp->npoint = npt;
    for (int i = 0; i < npt; i++) {
        snprintf(kp->label[i], FU_KPATH_LABEL, "%s", pts[i].label);
        for (int c = 0; c < 3; c++)
            kp->kcart[i][c] = pts[i].k[0] * bprim[0][c] + pts[i].k[1] * bprim[1][c] +
                              pts[i].k[2] * bprim[2][c];
        /* k_red,j = a_j · k / 2π */
        for (int j = 0; j < 3; j++) {
            double v = 0;
            for (int c = 0; c < 3; c++) v += lattice[j][c] * kp->kcart[i][c];
            v /= 2.0 * FU_PI;
            kp->kred[i][j] = fabs(v) < 1e-12 ? 0.0 : v;
        }
    }
    kp->nseq = 0;
    const char *p = path;
    while (*p) {
        if (*p == '|') {
            kp->seq[kp->nseq++] = -1;
            p++;
            continue;
        }
        if (*p == '-') { p++; continue; }
        size_t n = strcspn(p, "-|");
        int found = -1;
        for (int i = 0; i < npt; i++)
            if (strlen(pts[i].label) == n && strncmp(pts[i].label, p, n) == 0) found = i;
        if (found < 0 || kp->nseq >= FU_KPATH_MAXSEQ)
            return fu_fail(err, FU_EINTERNAL, "kpath: bad path table entry near '%s'", p);
        kp->seq[kp->nseq++] = found;
        p += n;
    }
    return FU_OK;
}

int fu_kpath_find(const fu_structure *s, double symprec, fu_kpath *kp, fu_err *err) {
    memset(kp, 0, sizeof *kp);
    double lat[3][3];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) lat[i][j] = s->lattice[j][i]; /* spglib: columns */
    double(*pos)[3] = malloc(sizeof *pos * (size_t)(s->natom > 0 ? s->natom : 1));
    if (!pos) return fu_fail(err, FU_ENOMEM, "kpath: out of memory");
    memcpy(pos, s->xred, sizeof *pos * (size_t)s->natom);
    SpglibDataset *ds = spg_get_dataset(lat, pos, s->typat, s->natom, symprec);
    free(pos);

    int sg = ds ? ds->spacegroup_number : 0;
    char centring = ds ? ds->international_symbol[0] : 'P';
    /* Conventional standard cell in the structure's frame, rows:
     * (a_s b_s c_s) = (a b c) P⁻¹  =>  conv_j = Σ_i (P⁻¹)_ij a_i. */
    double conv[3][3] = {{0}};
    if (ds) {
        double pinv[3][3];
        inv3(ds->transformation_matrix, pinv);
        for (int j = 0; j < 3; j++)
            for (int c = 0; c < 3; c++) {
                double v = 0;
                for (int i = 0; i < 3; i++) v += pinv[i][j] * s->lattice[i][c];
                conv[j][c] = v;
            }
        spg_free_dataset(ds);
    }
    kp->spacegroup_number = sg;

    const char *bravais = "aP";
    if (sg >= 195) bravais = centring == 'F' ? "cF" : centring == 'I' ? "cI" : "cP";
    else if (sg >= 168) bravais = "hP";
    else if (sg >= 143) bravais = centring == 'R' ? "hR" : "hP";
    else if (sg >= 75) bravais = centring == 'I' ? "tI" : "tP";
    else if (sg >= 16) bravais = centring == 'P' ? "oP" : centring == 'F' ? "oF"
                                : centring == 'I' ? "oI" : "oC";
    else if (sg >= 3) bravais = centring == 'P' ? "mP" : "mC";
    snprintf(kp->bravais, sizeof kp->bravais, "%s", bravais);

    /* primitive rows in units of the conventional rows (the paper's choice) */
    static const double ident[3][3] = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
    static const double fcc[3][3] = {{0, .5, .5}, {.5, 0, .5}, {.5, .5, 0}};
    static const double bcc[3][3] = {{-.5, .5, .5}, {.5, -.5, .5}, {.5, .5, -.5}};
    static const double rhl[3][3] = {{2. / 3, 1. / 3, 1. / 3}, {-1. / 3, 1. / 3, 1. / 3},
                                     {-1. / 3, -2. / 3, 1. / 3}}; /* spglib's obverse hR */
    const double(*cen)[3] = ident;
    double la = norm3(conv[0]), lc = norm3(conv[2]);
    if (!strcmp(bravais, "cF")) cen = fcc;
    else if (!strcmp(bravais, "cI") || !strcmp(bravais, "tI")) cen = bcc;
    else if (!strcmp(bravais, "hR")) cen = rhl;
    else if (!strcmp(bravais, "oP")) {
        /* ORC wants a < b < c: sort the conventional axes by length */
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 2 - i; j++)
                if (norm3(conv[j]) > norm3(conv[j + 1])) {
                    double t[3];
                    memcpy(t, conv[j], sizeof t);
                    memcpy(conv[j], conv[j + 1], sizeof t);
                    memcpy(conv[j + 1], t, sizeof t);
                }
    }
    double prim[3][3], bprim[3][3];
    for (int i = 0; i < 3; i++)
        for (int c = 0; c < 3; c++)
            prim[i][c] = cen[i][0] * conv[0][c] + cen[i][1] * conv[1][c] + cen[i][2] * conv[2][c];
    if (fabs(fu_lattice_det(prim)) > 1e-8 * la * la * la) fu_lattice_reciprocal(prim, bprim);
    else bravais = "aP"; /* no usable dataset: fall back */

#define SETP(V, P, PATH)                                                                      \
    do {                                                                                      \
        snprintf(kp->variant, sizeof kp->variant, "%s", V);                                   \
        return set_path(kp, P, (int)(sizeof(P) / sizeof(P[0])), PATH, bprim, s->lattice, err); \
    } while (0)

    if (!strcmp(bravais, "cP")) {
        const spt p[] = {{"Γ", {0, 0, 0}}, {"M", {.5, .5, 0}}, {"R", {.5, .5, .5}}, {"X", {0, .5, 0}}};
        SETP("CUB", p, "Γ-X-M-Γ-R-X|M-R");
    }
    if (!strcmp(bravais, "cF")) {
        const spt p[] = {{"Γ", {0, 0, 0}}, {"K", {3. / 8, 3. / 8, 3. / 4}}, {"L", {.5, .5, .5}},
                         {"U", {5. / 8, 1. / 4, 5. / 8}}, {"W", {.5, .25, .75}}, {"X", {.5, 0, .5}}};
        SETP("FCC", p, "Γ-X-W-K-Γ-L-U-W-L-K|U-X");
    }
    if (!strcmp(bravais, "cI")) {
        const spt p[] = {{"Γ", {0, 0, 0}}, {"H", {.5, -.5, .5}}, {"P", {.25, .25, .25}}, {"N", {0, 0, .5}}};
        SETP("BCC", p, "Γ-H-N-Γ-P-H|P-N");
    }
    if (!strcmp(bravais, "hP")) {
        const spt p[] = {{"Γ", {0, 0, 0}}, {"A", {0, 0, .5}}, {"H", {1. / 3, 1. / 3, .5}},
                         {"K", {1. / 3, 1. / 3, 0}}, {"L", {.5, 0, .5}}, {"M", {.5, 0, 0}}};
        /* the paper's K = (1/3,1/3,0) needs γ = 120° between a1 and a2 (spglib's) */
        SETP("HEX", p, "Γ-M-K-Γ-A-L-H-A|L-M|K-H");
    }
    if (!strcmp(bravais, "tP")) {
        const spt p[] = {{"Γ", {0, 0, 0}}, {"A", {.5, .5, .5}}, {"M", {.5, .5, 0}},
                         {"R", {0, .5, .5}}, {"X", {0, .5, 0}}, {"Z", {0, 0, .5}}};
        SETP("TET", p, "Γ-X-M-Γ-Z-R-A-Z|X-R|M-A");
    }
    if (!strcmp(bravais, "tI")) {
        if (lc < la) {
            double e = (1 + lc * lc / (la * la)) / 4;
            const spt p[] = {{"Γ", {0, 0, 0}}, {"M", {-.5, .5, .5}}, {"N", {0, .5, 0}},
                             {"P", {.25, .25, .25}}, {"X", {0, 0, .5}}, {"Z", {e, e, -e}},
                             {"Z1", {-e, 1 - e, e}}};
            SETP("BCT1", p, "Γ-X-M-Γ-Z-P-N-Z1-M|X-P");
        } else {
            double e = (1 + la * la / (lc * lc)) / 4, z = la * la / (2 * lc * lc);
            const spt p[] = {{"Γ", {0, 0, 0}}, {"N", {0, .5, 0}}, {"P", {.25, .25, .25}},
                             {"Σ", {-e, e, e}}, {"Σ1", {e, 1 - e, -e}}, {"X", {0, 0, .5}},
                             {"Y", {-z, z, .5}}, {"Y1", {.5, .5, -z}}, {"Z", {.5, .5, -.5}}};
            SETP("BCT2", p, "Γ-X-Y-Σ-Γ-Z-Σ1-N-P-Y1-Z|X-P");
        }
    }
    if (!strcmp(bravais, "oP")) {
        const spt p[] = {{"Γ", {0, 0, 0}}, {"R", {.5, .5, .5}}, {"S", {.5, .5, 0}},
                         {"T", {0, .5, .5}}, {"U", {.5, 0, .5}}, {"X", {.5, 0, 0}},
                         {"Y", {0, .5, 0}}, {"Z", {0, 0, .5}}};
        SETP("ORC", p, "Γ-X-S-Y-Γ-Z-U-R-T-Z|Y-T|U-X|S-R");
    }
    if (!strcmp(bravais, "hR")) {
        double ca = (prim[0][0] * prim[1][0] + prim[0][1] * prim[1][1] + prim[0][2] * prim[1][2]) /
                    (norm3(prim[0]) * norm3(prim[1]));
        if (ca > 0) { /* α < 90° */
            double e = (1 + 4 * ca) / (2 + 4 * ca), n = 0.75 - e / 2;
            const spt p[] = {{"Γ", {0, 0, 0}}, {"B", {e, .5, 1 - e}}, {"B1", {.5, 1 - e, e - 1}},
                             {"F", {.5, .5, 0}}, {"L", {.5, 0, 0}}, {"L1", {0, 0, -.5}},
                             {"P", {e, n, n}}, {"P1", {1 - n, 1 - n, 1 - e}},
                             {"P2", {n, n, e - 1}}, {"Q", {1 - n, n, 0}}, {"X", {n, 0, -n}},
                             {"Z", {.5, .5, .5}}};
            SETP("RHL1", p, "Γ-L-B1|B-Z-Γ-X|Q-F-P1-Z|L-P");
        } else {
            double al = acos(ca), t = tan(al / 2);
            double e = 1 / (2 * t * t), n = 0.75 - e / 2;
            const spt p[] = {{"Γ", {0, 0, 0}}, {"F", {.5, -.5, 0}}, {"L", {.5, 0, 0}},
                             {"P", {1 - n, -n, 1 - n}}, {"P1", {n, n - 1, n - 1}},
                             {"Q", {e, e, e}}, {"Q1", {1 - e, -e, -e}}, {"Z", {.5, -.5, .5}}};
            SETP("RHL2", p, "Γ-P-Z-Q-Γ-F-P1-Q1-L-Z");
        }
    }
    /* fallback: the structure's own reciprocal axes */
    fu_lattice_reciprocal(s->lattice, bprim);
    const spt p[] = {{"Γ", {0, 0, 0}}, {"X", {.5, 0, 0}}, {"Y", {0, .5, 0}}, {"Z", {0, 0, .5}}};
    SETP("fallback", p, "X-Γ-Y|Γ-Z");
#undef SETP
}

void fu_kpath_string(const fu_kpath *kp, char *buf, int len) {
    int off = 0;
    buf[0] = '\0';
    for (int i = 0; i < kp->nseq && off < len; i++) {
        const char *sep = (i == 0 || kp->seq[i - 1] < 0 || kp->seq[i] < 0) ? "" : "-";
        if (kp->seq[i] < 0) off += snprintf(buf + off, (size_t)(len - off), "|");
        else off += snprintf(buf + off, (size_t)(len - off), "%s%s", sep, kp->label[kp->seq[i]]);
    }
}

void fu_kpath_samples_free(fu_kpath_samples *smp) {
    free(smp->kred);
    free(smp->dist);
    free(smp->special);
    free(smp->brk);
    memset(smp, 0, sizeof *smp);
}

int fu_kpath_sample(const fu_kpath *kp, const double lattice[3][3], double density,
                    fu_kpath_samples *out, fu_err *err) {
    memset(out, 0, sizeof *out);
    if (!(density > 0) || !isfinite(density))
        return fu_fail(err, FU_EINPUT, "kpath: density must be > 0 points per bohr^-1, got %g",
                       density);
    double rec[3][3];
    fu_lattice_reciprocal(lattice, rec);
    for (int pass = 0; pass < 2; pass++) {
        int n = 0, prev = -1;
        double d = 0;
        for (int i = 0; i < kp->nseq; i++) {
            int q = kp->seq[i];
            if (q < 0) { prev = -1; continue; }
            if (prev < 0) { /* branch start */
                if (pass) {
                    memcpy(out->kred[n], kp->kred[q], sizeof out->kred[n]);
                    out->dist[n] = d;
                    out->special[n] = q;
                    out->brk[n] = n > 0;
                }
                n++;
                prev = q;
                continue;
            }
            double dk[3], dc[3] = {0, 0, 0};
            for (int c = 0; c < 3; c++) dk[c] = kp->kred[q][c] - kp->kred[prev][c];
            for (int c = 0; c < 3; c++) dc[c] = dk[0] * rec[0][c] + dk[1] * rec[1][c] + dk[2] * rec[2][c];
            double len = norm3(dc);
            int nint = (int)ceil(len * density - 1e-9);
            if (nint < 1) nint = 1;
            if (nint > 100000)
                return fu_fail(err, FU_EINPUT, "kpath: density %g gives %d points on one segment",
                               density, nint);
            for (int t = 1; t <= nint; t++) {
                if (pass) {
                    double f = (double)t / nint;
                    for (int c = 0; c < 3; c++) out->kred[n][c] = kp->kred[prev][c] + f * dk[c];
                    out->dist[n] = d + f * len;
                    out->special[n] = t == nint ? q : -1;
                    out->brk[n] = 0;
                }
                n++;
            }
            d += len;
            prev = q;
        }
        if (!pass) {
            out->n = n;
            out->kred = malloc(sizeof *out->kred * (size_t)(n ? n : 1));
            out->dist = malloc(sizeof(double) * (size_t)(n ? n : 1));
            out->special = malloc(sizeof(int) * (size_t)(n ? n : 1));
            out->brk = malloc(sizeof(int) * (size_t)(n ? n : 1));
            if (!out->kred || !out->dist || !out->special || !out->brk) {
                fu_kpath_samples_free(out);
                return fu_fail(err, FU_ENOMEM, "kpath: out of memory for %d points", n);
            }
        }
    }
    return FU_OK;
}
