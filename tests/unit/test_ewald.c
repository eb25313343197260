// labels: unit
/* Ewald energy, forces and stress: literature values (R1-R6 of the research
 * notes), ABINIT 9.6.2 "Ewald energy" of the six reference runs, finite
 * differences, invariances, η independence, supercells and skewed bases. */
#include "check.h"
#include "dft/ewald.h"

#include <string.h>

#define MAXAT 64

typedef struct {
    double lat[3][3];
    int n;
    double x[MAXAT][3];
    double z[MAXAT];
} cell;

static double det3(const double m[3][3]) {
    return m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
           m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
           m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
}

static void inv3(const double m[3][3], double r[3][3]) {
    double d = det3(m);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            int i1 = (j + 1) % 3, i2 = (j + 2) % 3, j1 = (i + 1) % 3, j2 = (i + 2) % 3;
            r[i][j] = (m[i1][j1] * m[i2][j2] - m[i1][j2] * m[i2][j1]) / d;
        }
}

static double energy(const cell *c) {
    double e = NAN;
    fu_err err = {0};
    if (fu_ewald(c->lat, c->n, (const double (*)[3])c->x, c->z, &e, NULL, NULL, &err) != FU_OK)
        fprintf(stderr, "fu_ewald failed: %s\n", err.msg);
    return e;
}

static int full(const cell *c, double *e, double f[][3], double s[3][3]) {
    fu_err err = {0};
    int st = fu_ewald(c->lat, c->n, (const double (*)[3])c->x, c->z, e, f, s, &err);
    if (st != FU_OK) fprintf(stderr, "fu_ewald failed: %s\n", err.msg);
    return st;
}

/* fcc-like primitive lattice a·[[0,1,1],[1,0,1],[1,1,0]] (ABINIT rprim). */
static void fcc(cell *c, double a) {
    double l[3][3] = {{0, a, a}, {a, 0, a}, {a, a, 0}};
    memcpy(c->lat, l, sizeof l);
}

static void cubic(cell *c, double a) {
    memset(c->lat, 0, sizeof c->lat);
    for (int i = 0; i < 3; i++) c->lat[i][i] = a;
}

static void add(cell *c, double x0, double x1, double x2, double z) {
    c->x[c->n][0] = x0;
    c->x[c->n][1] = x1;
    c->x[c->n][2] = x2;
    c->z[c->n] = z;
    c->n++;
}

/* The same crystal described by a unimodular integer basis change M
 * (new rows = M · old rows); atoms re-expressed in the new basis. */
static void rebase(const cell *c, const int m[3][3], cell *out) {
    *out = *c;
    for (int i = 0; i < 3; i++)
        for (int k = 0; k < 3; k++) {
            out->lat[i][k] = 0;
            for (int j = 0; j < 3; j++) out->lat[i][k] += m[i][j] * c->lat[j][k];
        }
    double inv[3][3];
    inv3(out->lat, inv);
    for (int a = 0; a < c->n; a++) {
        double t[3];
        for (int k = 0; k < 3; k++)
            t[k] =
                c->x[a][0] * c->lat[0][k] + c->x[a][1] * c->lat[1][k] + c->x[a][2] * c->lat[2][k];
        for (int k = 0; k < 3; k++)
            out->x[a][k] = t[0] * inv[0][k] + t[1] * inv[1][k] + t[2] * inv[2][k];
    }
}

/* Force on atom a along Cartesian c by a 4-point central difference of E. */
static double fd_force(const cell *c0, int a, int dir, double h) {
    double inv[3][3], e[4], step[4] = {-2 * h, -h, h, 2 * h};
    inv3(c0->lat, inv);
    for (int s = 0; s < 4; s++) {
        cell c = *c0;
        for (int k = 0; k < 3; k++) c.x[a][k] += step[s] * inv[dir][k];
        e[s] = energy(&c);
    }
    return -(8.0 * (e[2] - e[1]) - (e[3] - e[0])) / (12.0 * h);
}

/* σ_pq from E under the symmetric strain ε_pq = ε_qp = h/2 (ε_pp = h). */
static double fd_stress(const cell *c0, int p, int q, double h) {
    double e[4], step[4] = {-2 * h, -h, h, 2 * h};
    for (int s = 0; s < 4; s++) {
        double eps[3][3] = {{0}};
        if (p == q) {
            eps[p][p] = step[s];
        } else {
            eps[p][q] = eps[q][p] = 0.5 * step[s];
        }
        cell c = *c0;
        for (int i = 0; i < 3; i++)
            for (int k = 0; k < 3; k++) {
                c.lat[i][k] = c0->lat[i][k];
                for (int d = 0; d < 3; d++) c.lat[i][k] += eps[k][d] * c0->lat[i][d];
            }
        e[s] = energy(&c);
    }
    return (8.0 * (e[2] - e[1]) - (e[3] - e[0])) / (12.0 * h) / fabs(det3(c0->lat));
}

static void check_fd(const cell *c, const char *name) {
    double e, f[MAXAT][3], s[3][3];
    if (full(c, &e, f, s) != FU_OK) {
        CHECK(0, name);
        return;
    }
    double maxf = 0, maxs = 0, fsum[3] = {0, 0, 0};
    for (int a = 0; a < c->n; a++)
        for (int d = 0; d < 3; d++) {
            double df = fabs(f[a][d] - fd_force(c, a, d, 1e-3));
            if (df > maxf) maxf = df;
            fsum[d] += f[a][d];
        }
    for (int p = 0; p < 3; p++)
        for (int q = p; q < 3; q++) {
            double ds = fabs(s[p][q] - fd_stress(c, p, q, 1e-4));
            if (ds > maxs) maxs = ds;
            CHECK_CLOSE(s[p][q], s[q][p], 1e-14, "stress tensor is symmetric");
        }
    printf("%-22s E = %.14f  max|F-F_fd| = %.2e  max|σ-σ_fd| = %.2e  |ΣF| = %.1e\n", name, e, maxf,
           maxs, fabs(fsum[0]) + fabs(fsum[1]) + fabs(fsum[2]));
    CHECK_CLOSE(maxf, 0, 1e-8, "analytic forces = -dE/dτ (4-point finite differences)");
    CHECK_CLOSE(maxs, 0, 1e-8, "analytic stress = (1/Ω) dE/dε (4-point finite differences)");
    for (int d = 0; d < 3; d++) CHECK_CLOSE(fsum[d], 0, 1e-11, "forces sum to zero");
    /* E is homogeneous of degree -1 in all lengths: Ω tr σ = -E (virial). */
    CHECK_CLOSE((s[0][0] + s[1][1] + s[2][2]) * fabs(det3(c->lat)), -e, 1e-11 * fabs(e) + 1e-13,
                "Coulomb virial: Ω tr σ = -E");
}

/* Energy, forces and stress with two explicit η must agree with fu_ewald. */
static void check_eta(const cell *c, const char *name) {
    double e0, f0[MAXAT][3], s0[3][3];
    if (full(c, &e0, f0, s0) != FU_OK) {
        CHECK(0, name);
        return;
    }
    double omega = fabs(det3(c->lat));
    double eta0 = sqrt(3.14159265358979323846) * pow(c->n, 1.0 / 6.0) / cbrt(omega);
    double facs[2] = {0.45, 2.3};
    for (int t = 0; t < 2; t++) {
        double e, f[MAXAT][3], s[3][3];
        fu_err err = {0};
        int st = fu_ewald_eta(c->lat, c->n, (const double (*)[3])c->x, c->z, eta0 * facs[t], &e, f,
                              s, &err);
        CHECK(st == FU_OK, "fu_ewald_eta runs for a reasonable η");
        if (st != FU_OK) {
            fprintf(stderr, "%s\n", err.msg);
            continue;
        }
        double df = 0, ds = 0;
        for (int a = 0; a < c->n; a++)
            for (int d = 0; d < 3; d++) df = fmax(df, fabs(f[a][d] - f0[a][d]));
        for (int p = 0; p < 3; p++)
            for (int q = 0; q < 3; q++) ds = fmax(ds, fabs(s[p][q] - s0[p][q]));
        printf("%-22s η×%.2f: |ΔE| = %.1e |ΔF| = %.1e |Δσ| = %.1e\n", name, facs[t], fabs(e - e0),
               df, ds);
        CHECK_CLOSE(e, e0, 1e-12 * fmax(1.0, fabs(e0)), "energy independent of η (1e-12 relative)");
        CHECK_CLOSE(df, 0, 1e-11, "forces independent of η");
        CHECK_CLOSE(ds, 0, 1e-12, "stress independent of η");
    }
}

int main(void) {
    cell c;

    /* ---- R1, R2: DFTK Si, a = 5.131570667152971, ±(1/8,1/8,1/8) ---- */
    memset(&c, 0, sizeof c);
    fcc(&c, 5.131570667152971);
    add(&c, 0.125, 0.125, 0.125, 4);
    add(&c, -0.125, -0.125, -0.125, 4);
    double e_si = energy(&c);
    printf("R1 Si Z=4   %.15f\n", e_si);
    CHECK_CLOSE(e_si, -8.397893578467201, 1e-10, "R1 Si Ewald (DFTK test/energy_nuclear.jl)");
    CHECK_CLOSE(e_si, -8.39789357839024, 1e-9, "R1 Si Ewald (ABINIT, same structure)");
    c.z[0] = c.z[1] = 14;
    printf("R2 Si Z=14  %.15f\n", energy(&c));
    CHECK_CLOSE(energy(&c), -102.8741963352893, 1e-8, "R2 Si Z=14 (DFTK test/ewald.jl)");

    /* ---- R3: H at origin, cube 16 bohr: -α_SC/(2a), α_SC = 2.837297479480620 ---- */
    memset(&c, 0, sizeof c);
    cubic(&c, 16);
    add(&c, 0, 0, 0, 1);
    printf("R3 H cube   %.15f\n", energy(&c));
    CHECK_CLOSE(energy(&c), -0.088665545, 1e-8, "R3 H in 16 bohr cube (DFTK test/ewald.jl)");
    CHECK_CLOSE(energy(&c), -2.837297479480620 / 32.0, 1e-13, "simple-cubic Madelung constant");
    check_fd(&c, "1 atom cubic");

    /* ---- R4: B2 ---- */
    memset(&c, 0, sizeof c);
    cubic(&c, 16);
    add(&c, 0, 0, 0, 5);
    add(&c, 0.14763485355139283, 0, 0, 5);
    printf("R4 B2       %.15f\n", energy(&c));
    CHECK_CLOSE(energy(&c), 1.790634595, 1e-7, "R4 B2 (DFTK test/ewald.jl)");

    /* ---- R5: H2 ---- */
    memset(&c, 0, sizeof c);
    cubic(&c, 16);
    add(&c, 0.45312500031210007, 0.5, 0.5, 1);
    add(&c, 0.5468749996028622, 0.5, 0.5, 1);
    printf("R5 H2       %.15f\n", energy(&c));
    CHECK_CLOSE(energy(&c), 0.31316999, 1e-7, "R5 H2 (DFTK test/ewald.jl)");

    /* ---- R6: LiH, Li with Z_ion 1 ---- */
    memset(&c, 0, sizeof c);
    cubic(&c, 16);
    add(&c, 0.5, 0.5, 0.5953697526034847, 1);
    add(&c, 0.5, 0.5, 0.40463024613039883, 1);
    printf("R6 LiH      %.15f\n", energy(&c));
    CHECK_CLOSE(energy(&c), -0.02196861, 1e-8, "R6 LiH (DFTK test/energy_nuclear.jl)");

    /* ---- ABINIT 9.6.2 reference runs, shared/reference/abinit/<file>.json ---- */
    struct {
        const char *file;
        double a;
        int n;
        double x[2][3];
        double z[2];
        double ewald;
    } ref[6] = {
        /* al_fcc_metal.json: Al (zion 3) */
        {"al_fcc_metal", 3.825, 1, {{0, 0, 0}}, {3}, -2.69697769065519},
        /* gaas_zincblende.json: Ga (3), As (5) */
        {"gaas_zincblende", 5.3415, 2, {{0, 0, 0}, {0.25, 0.25, 0.25}}, {3, 5}, -8.42195027710896},
        /* mgo_rocksalt.json: Mg (2), O (6) */
        {"mgo_rocksalt", 3.98, 2, {{0, 0, 0}, {0.5, 0.5, 0.5}}, {2, 6}, -13.1625673493022},
        /* nacl_rocksalt.json: Na (1), Cl (7) */
        {"nacl_rocksalt", 5.33, 2, {{0, 0, 0}, {0.5, 0.5, 0.5}}, {1, 7}, -11.4680752389097},
        /* si_diamond.json: Si (4) */
        {"si_diamond", 5.1315, 2, {{0, 0, 0}, {0.25, 0.25, 0.25}}, {4, 4}, -8.39800922793231},
        /* si_distorted.json: Si (4) */
        {"si_distorted",
         5.1315,
         2,
         {{0.01, -0.02, 0.015}, {0.25, 0.25, 0.25}},
         {4, 4},
         -8.39548706041617},
    };
    for (int r = 0; r < 6; r++) {
        memset(&c, 0, sizeof c);
        fcc(&c, ref[r].a);
        for (int i = 0; i < ref[r].n; i++)
            add(&c, ref[r].x[i][0], ref[r].x[i][1], ref[r].x[i][2], ref[r].z[i]);
        double e = energy(&c);
        printf("ABINIT %-16s %.14f  ref %.14f  diff %.1e\n", ref[r].file, e, ref[r].ewald,
               e - ref[r].ewald);
        CHECK_CLOSE(e, ref[r].ewald, 1e-8, "ABINIT 9.6.2 Ewald energy of a reference run");
        check_fd(&c, ref[r].file);
        check_eta(&c, ref[r].file);
    }

    /* ---- supercell: conventional fcc Al (4 atoms) = 4 × primitive ---- */
    memset(&c, 0, sizeof c);
    cubic(&c, 7.65);
    add(&c, 0, 0, 0, 3);
    add(&c, 0, 0.5, 0.5, 3);
    add(&c, 0.5, 0, 0.5, 3);
    add(&c, 0.5, 0.5, 0, 3);
    CHECK_CLOSE(energy(&c), 4 * -2.69697769065519, 4e-8,
                "conventional fcc cell = 4 primitive cells");

    /* ---- a low-symmetry triclinic cell with mixed charges ---- */
    cell tri;
    memset(&tri, 0, sizeof tri);
    double lt[3][3] = {{6.1, 0.3, -0.2}, {1.7, 5.4, 0.4}, {-0.9, 1.1, 7.3}};
    memcpy(tri.lat, lt, sizeof lt);
    add(&tri, 0.02, 0.11, 0.93, 3);
    add(&tri, 0.37, 0.52, 0.21, 5);
    add(&tri, 0.71, 0.08, 0.47, 1);
    add(&tri, 0.55, 0.81, 0.66, 6);
    double et = energy(&tri);
    check_fd(&tri, "triclinic 4 atoms");
    check_eta(&tri, "triclinic 4 atoms");

    /* translation: same energy and forces */
    {
        cell sh = tri;
        for (int a = 0; a < sh.n; a++) {
            sh.x[a][0] += 0.123;
            sh.x[a][1] -= 3.456;
            sh.x[a][2] += 0.789;
        }
        double e1, f0[MAXAT][3], f1[MAXAT][3], s0[3][3], s1[3][3], e0;
        full(&tri, &e0, f0, s0);
        full(&sh, &e1, f1, s1);
        CHECK_CLOSE(e1, e0, 1e-12 * fabs(e0), "energy invariant under rigid translation");
        double df = 0;
        for (int a = 0; a < sh.n; a++)
            for (int d = 0; d < 3; d++) df = fmax(df, fabs(f1[a][d] - f0[a][d]));
        CHECK_CLOSE(df, 0, 1e-11, "forces invariant under rigid translation");

        /* permutation: reversed atom order */
        cell pm = tri;
        for (int a = 0; a < tri.n; a++) {
            memcpy(pm.x[a], tri.x[tri.n - 1 - a], sizeof pm.x[a]);
            pm.z[a] = tri.z[tri.n - 1 - a];
        }
        full(&pm, &e1, f1, s1);
        CHECK_CLOSE(e1, e0, 1e-12 * fabs(e0), "energy invariant under atom permutation");
        df = 0;
        for (int a = 0; a < tri.n; a++)
            for (int d = 0; d < 3; d++) df = fmax(df, fabs(f1[a][d] - f0[tri.n - 1 - a][d]));
        CHECK_CLOSE(df, 0, 1e-11, "forces follow the permutation");
        double ds = 0;
        for (int p = 0; p < 3; p++)
            for (int q = 0; q < 3; q++) ds = fmax(ds, fabs(s1[p][q] - s0[p][q]));
        CHECK_CLOSE(ds, 0, 1e-13, "stress invariant under atom permutation");

        /* 2x1x3 supercell: 6 × energy, same forces */
        cell sc;
        memset(&sc, 0, sizeof sc);
        for (int k = 0; k < 3; k++) {
            sc.lat[0][k] = 2 * tri.lat[0][k];
            sc.lat[1][k] = tri.lat[1][k];
            sc.lat[2][k] = 3 * tri.lat[2][k];
        }
        for (int i0 = 0; i0 < 2; i0++)
            for (int i2 = 0; i2 < 3; i2++)
                for (int a = 0; a < tri.n; a++)
                    add(&sc, (tri.x[a][0] + i0) / 2, tri.x[a][1], (tri.x[a][2] + i2) / 3, tri.z[a]);
        double es, fs[MAXAT][3], ss[3][3];
        full(&sc, &es, fs, ss);
        CHECK_CLOSE(es, 6 * e0, 1e-12 * fabs(6 * e0), "2x1x3 supercell energy = 6 × cell energy");
        df = 0;
        for (int a = 0; a < sc.n; a++)
            for (int d = 0; d < 3; d++) df = fmax(df, fabs(fs[a][d] - f0[a % tri.n][d]));
        CHECK_CLOSE(df, 0, 1e-11, "supercell forces = cell forces");
        ds = 0;
        for (int p = 0; p < 3; p++)
            for (int q = 0; q < 3; q++) ds = fmax(ds, fabs(ss[p][q] - s0[p][q]));
        CHECK_CLOSE(ds, 0, 1e-13, "supercell stress = cell stress");
    }

    /* ---- hexagonal cell, and the same crystal in a very skewed basis ---- */
    cell hex;
    memset(&hex, 0, sizeof hex);
    {
        double a = 6.0, cc = 9.7;
        double lh[3][3] = {{a, 0, 0}, {-0.5 * a, 0.5 * sqrt(3.0) * a, 0}, {0, 0, cc}};
        memcpy(hex.lat, lh, sizeof lh);
        add(&hex, 1.0 / 3, 2.0 / 3, 0.25, 2);
        add(&hex, 2.0 / 3, 1.0 / 3, 0.75, 2);
        add(&hex, 1.0 / 3, 2.0 / 3, 0.62, 6);
        add(&hex, 2.0 / 3, 1.0 / 3, 0.12, 6);
    }
    double eh = energy(&hex);
    check_fd(&hex, "hexagonal 4 atoms");
    check_eta(&hex, "hexagonal 4 atoms");
    {
        const int m[3][3] = {{1, 0, 0}, {7, 1, 0}, {-13, 9, 1}}; /* det 1 */
        cell sk;
        rebase(&hex, m, &sk);
        double e1, f0[MAXAT][3], f1[MAXAT][3], s0[3][3], s1[3][3];
        full(&hex, &eh, f0, s0);
        full(&sk, &e1, f1, s1);
        printf("skewed basis: E = %.15f vs %.15f\n", e1, eh);
        CHECK_CLOSE(e1, eh, 1e-12 * fabs(eh), "energy independent of the lattice basis (skewed)");
        double df = 0, ds = 0;
        for (int a = 0; a < hex.n; a++)
            for (int d = 0; d < 3; d++) df = fmax(df, fabs(f1[a][d] - f0[a][d]));
        for (int p = 0; p < 3; p++)
            for (int q = 0; q < 3; q++) ds = fmax(ds, fabs(s1[p][q] - s0[p][q]));
        CHECK_CLOSE(df, 0, 1e-11, "forces independent of the lattice basis");
        CHECK_CLOSE(ds, 0, 1e-13, "stress independent of the lattice basis");
        check_fd(&sk, "skewed hexagonal");
        check_eta(&sk, "skewed hexagonal");
        /* extremely skewed (vectors ~3000× longer than the reduced ones);
         * positions lose ~1e-12 bohr to rounding in this representation. */
        const int mhuge[3][3] = {{1, 0, 0}, {1000, 1, 0}, {-3000, 77, 1}};
        rebase(&hex, mhuge, &sk);
        full(&sk, &e1, f1, s1);
        df = 0;
        for (int a = 0; a < hex.n; a++)
            for (int d = 0; d < 3; d++) df = fmax(df, fabs(f1[a][d] - f0[a][d]));
        printf("extremely skewed basis: |ΔE| = %.1e |ΔF| = %.1e\n", fabs(e1 - eh), df);
        CHECK_CLOSE(e1, eh, 1e-10, "energy for an extremely skewed basis of the same lattice");
        CHECK_CLOSE(df, 0, 1e-9, "forces for an extremely skewed basis of the same lattice");
        /* a left-handed basis of the same lattice */
        const int mneg[3][3] = {{0, 1, 0}, {1, 0, 0}, {0, 0, 1}};
        rebase(&hex, mneg, &sk);
        CHECK_CLOSE(energy(&sk), eh, 1e-12 * fabs(eh), "energy independent of basis handedness");
    }

    /* ---- long thin cell (aspect ratio 25) and a flat one ---- */
    {
        cell ln;
        memset(&ln, 0, sizeof ln);
        double ll[3][3] = {{4.0, 0, 0}, {0.3, 4.2, 0}, {0.5, -0.4, 100.0}};
        memcpy(ln.lat, ll, sizeof ll);
        add(&ln, 0.1, 0.2, 0.05, 1);
        add(&ln, 0.6, 0.7, 0.31, 1);
        add(&ln, 0.3, 0.9, 0.77, 4);
        check_fd(&ln, "long thin cell");
        check_eta(&ln, "long thin cell");
        cell fl;
        memset(&fl, 0, sizeof fl);
        double lf[3][3] = {{40.0, 0, 0}, {3.0, 38.0, 0}, {0.2, 0.1, 2.5}};
        memcpy(fl.lat, lf, sizeof lf);
        add(&fl, 0.1, 0.2, 0.05, 2);
        add(&fl, 0.6, 0.7, 0.51, 2);
        check_fd(&fl, "flat cell");
        check_eta(&fl, "flat cell");
    }

    /* ---- errors ---- */
    {
        fu_err err = {0};
        double e;
        cell bad = tri;
        bad.x[1][0] = bad.x[0][0] + 2.0;
        bad.x[1][1] = bad.x[0][1] - 1.0;
        bad.x[1][2] = bad.x[0][2];
        CHECK(fu_ewald(bad.lat, bad.n, (const double (*)[3])bad.x, bad.z, &e, NULL, NULL, &err) ==
                  FU_EINPUT,
              "coinciding atoms (modulo a lattice vector) are an input error");
        CHECK(strstr(err.msg, "coincide") != NULL, "message names the coincidence");
        bad = tri;
        for (int k = 0; k < 3; k++) bad.lat[2][k] = bad.lat[0][k] + bad.lat[1][k];
        CHECK(fu_ewald(bad.lat, bad.n, (const double (*)[3])bad.x, bad.z, &e, NULL, NULL, &err) ==
                  FU_EINPUT,
              "singular lattice is an input error");
        CHECK(fu_ewald(tri.lat, 0, (const double (*)[3])tri.x, tri.z, &e, NULL, NULL, &err) ==
                  FU_EINPUT,
              "natom = 0 is an input error");
        CHECK(fu_ewald_eta(tri.lat, tri.n, (const double (*)[3])tri.x, tri.z, 1e-4, &e, NULL, NULL,
                           &err) == FU_EINPUT,
              "an absurd η is refused instead of summing for hours");
        CHECK(strchr(err.msg, '\n') == NULL, "error message is one line");
    }
    (void)et;
    CHECK_DONE();
}
