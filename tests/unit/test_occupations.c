// labels: unit
/* Smearing functions and Fermi level: R20 identities for every kind, charge
 * conservation, T -> 0 limits, analytic two-level cases, fixed-occupation
 * errors, entropy sign, and the ABINIT occopt mapping checked against ABINIT
 * 9.6.2 runs of fcc Al. */
#include "check.h"
#include "dft/occupations.h"

#include <string.h>

#define SQRTPI 1.77245385090551602730

/* ---- ABINIT 9.6.2 fcc Al, 8x8x8 k (29 irreducible), 6 bands, tsmear 0.01 ----
 * occopt 3: shared/reference/abinit/al_fcc_metal.json (eigenvalues_ha,
 * fermie, "'-kT*entropy'"). occopt 4-7: the same abinit_input with only
 * occopt changed, run with the local ABINIT 9.6.2 (Debian package); numbers
 * from its _EIG file (5 decimals) and the fermie / '-kT*entropy' lines of
 * the .abo. k weights are the printed wtk, i.e. multiplicities / 512. */
static const int al_mult[29] = {1,  8,  8, 8,  4,  6, 24, 24, 24, 24, 24, 12, 6,  24, 24,
                                24, 12, 6, 24, 12, 3, 24, 48, 24, 24, 48, 24, 12, 6};
static const char *const al_eig_occopt3[29] = {
    "-0.05057 0.82396 0.82396 0.82396 0.85894 0.85894 ",
    "-0.03508 0.66190 0.78313 0.78313 0.89073 0.91986 ",
    "0.01113 0.48341 0.75378 0.75378 0.87966 0.89436 ",
    "0.08741 0.32550 0.74967 0.74967 0.82310 0.82310 ",
    "0.18956 0.19592 0.76461 0.76461 0.78226 0.78226 ",
    "-0.02993 0.71797 0.71797 0.73501 0.81761 0.89532 ",
    "0.00601 0.55180 0.67862 0.73719 0.77925 0.86945 ",
    "0.07222 0.38792 0.66561 0.69397 0.72950 0.94880 ",
    "0.16761 0.24722 0.63418 0.67916 0.74558 0.89384 ",
    "0.13269 0.29112 0.60180 0.71893 0.78866 0.86370 ",
    "0.04684 0.43946 0.59790 0.78331 0.85728 0.86015 ",
    "-0.00937 0.59488 0.63612 0.85804 0.86417 0.92058 ",
    "0.03155 0.62983 0.62983 0.63726 0.65923 0.75172 ",
    "0.08733 0.47589 0.56140 0.60775 0.66496 0.80563 ",
    "0.17235 0.32968 0.49069 0.61235 0.67681 0.94009 ",
    "0.20725 0.28478 0.44932 0.64357 0.71264 1.00088 ",
    "0.11260 0.40375 0.45622 0.70119 0.77482 0.98342 ",
    "0.13239 0.45203 0.57653 0.57664 0.57664 0.70053 ",
    "0.20586 0.37105 0.43828 0.57226 0.62643 0.77172 ",
    "0.28848 0.30847 0.34082 0.59457 0.65790 0.92532 ",
    "0.25008 0.29846 0.55615 0.55891 0.55891 0.68245 ",
    "0.05192 0.49968 0.54750 0.67682 0.80339 0.85806 ",
    "0.12762 0.36243 0.52418 0.59854 0.82284 0.89806 ",
    "0.22820 0.23577 0.54137 0.55237 0.83882 0.86033 ",
    "0.15241 0.44223 0.46867 0.49511 0.74845 0.81307 ",
    "0.24514 0.32344 0.41041 0.48781 0.78919 0.93516 ",
    "0.21202 0.34613 0.39818 0.52870 0.83223 0.95443 ",
    "0.26928 0.31833 0.42303 0.47413 0.72966 0.79670 ",
    "0.32692 0.32692 0.36629 0.39168 0.93704 0.93705 ",
};
static const char *const al_eig_occopt4[29] = {
    "-0.05054 0.82400 0.82400 0.82400 0.85899 0.85899 ",
    "-0.03505 0.66194 0.78318 0.78318 0.89078 0.91992 ",
    "0.01116 0.48344 0.75382 0.75382 0.87970 0.89440 ",
    "0.08744 0.32554 0.74971 0.74971 0.82314 0.82314 ",
    "0.18958 0.19597 0.76467 0.76467 0.78228 0.78228 ",
    "-0.02990 0.71801 0.71801 0.73507 0.81765 0.89534 ",
    "0.00604 0.55184 0.67866 0.73723 0.77929 0.86948 ",
    "0.07224 0.38796 0.66565 0.69401 0.72954 0.94884 ",
    "0.16764 0.24725 0.63421 0.67920 0.74561 0.89388 ",
    "0.13272 0.29116 0.60183 0.71897 0.78869 0.86373 ",
    "0.04687 0.43950 0.59793 0.78336 0.85731 0.86018 ",
    "-0.00934 0.59492 0.63615 0.85810 0.86421 0.92058 ",
    "0.03158 0.62986 0.62986 0.63732 0.65926 0.75173 ",
    "0.08736 0.47592 0.56143 0.60778 0.66500 0.80565 ",
    "0.17238 0.32971 0.49072 0.61238 0.67684 0.94013 ",
    "0.20728 0.28482 0.44935 0.64360 0.71268 1.00092 ",
    "0.11262 0.40380 0.45624 0.70122 0.77486 0.98347 ",
    "0.13242 0.45206 0.57659 0.57667 0.57667 0.70054 ",
    "0.20589 0.37108 0.43832 0.57229 0.62647 0.77174 ",
    "0.28853 0.30849 0.34084 0.59460 0.65794 0.92536 ",
    "0.25012 0.29847 0.55621 0.55895 0.55895 0.68246 ",
    "0.05195 0.49972 0.54753 0.67686 0.80343 0.85808 ",
    "0.12765 0.36246 0.52420 0.59858 0.82288 0.89810 ",
    "0.22822 0.23582 0.54139 0.55242 0.83886 0.86036 ",
    "0.15244 0.44227 0.46869 0.49515 0.74849 0.81310 ",
    "0.24518 0.32348 0.41043 0.48784 0.78923 0.93519 ",
    "0.21205 0.34617 0.39820 0.52873 0.83227 0.95448 ",
    "0.26932 0.31835 0.42308 0.47416 0.72971 0.79672 ",
    "0.32696 0.32696 0.36628 0.39173 0.93709 0.93710 ",
};
static const char *const al_eig_occopt5[29] = {
    "-0.05054 0.82400 0.82400 0.82400 0.85898 0.85898 ",
    "-0.03506 0.66194 0.78318 0.78318 0.89078 0.91991 ",
    "0.01116 0.48344 0.75382 0.75382 0.87970 0.89440 ",
    "0.08744 0.32554 0.74971 0.74971 0.82314 0.82314 ",
    "0.18958 0.19597 0.76467 0.76467 0.78228 0.78228 ",
    "-0.02990 0.71801 0.71801 0.73506 0.81765 0.89534 ",
    "0.00604 0.55184 0.67866 0.73723 0.77929 0.86948 ",
    "0.07224 0.38796 0.66565 0.69401 0.72953 0.94884 ",
    "0.16764 0.24725 0.63421 0.67920 0.74561 0.89388 ",
    "0.13272 0.29116 0.60183 0.71897 0.78869 0.86373 ",
    "0.04687 0.43949 0.59793 0.78336 0.85731 0.86018 ",
    "-0.00934 0.59492 0.63615 0.85810 0.86421 0.92058 ",
    "0.03158 0.62986 0.62986 0.63732 0.65926 0.75173 ",
    "0.08736 0.47592 0.56143 0.60778 0.66500 0.80565 ",
    "0.17238 0.32971 0.49072 0.61238 0.67684 0.94012 ",
    "0.20728 0.28482 0.44934 0.64360 0.71267 1.00092 ",
    "0.11262 0.40379 0.45624 0.70122 0.77486 0.98347 ",
    "0.13242 0.45205 0.57659 0.57667 0.57667 0.70054 ",
    "0.20589 0.37108 0.43832 0.57229 0.62647 0.77174 ",
    "0.28853 0.30849 0.34084 0.59460 0.65794 0.92536 ",
    "0.25012 0.29847 0.55621 0.55895 0.55895 0.68246 ",
    "0.05194 0.49972 0.54752 0.67685 0.80343 0.85808 ",
    "0.12765 0.36246 0.52420 0.59857 0.82288 0.89809 ",
    "0.22822 0.23581 0.54139 0.55242 0.83886 0.86036 ",
    "0.15244 0.44227 0.46869 0.49514 0.74849 0.81309 ",
    "0.24518 0.32347 0.41043 0.48784 0.78923 0.93519 ",
    "0.21205 0.34617 0.39820 0.52873 0.83226 0.95448 ",
    "0.26932 0.31834 0.42308 0.47416 0.72971 0.79672 ",
    "0.32696 0.32696 0.36628 0.39173 0.93709 0.93710 ",
};
static const char *const al_eig_occopt6[29] = {
    "-0.05053 0.82401 0.82401 0.82401 0.85899 0.85899 ",
    "-0.03505 0.66194 0.78318 0.78318 0.89078 0.91992 ",
    "0.01117 0.48345 0.75383 0.75383 0.87971 0.89440 ",
    "0.08744 0.32554 0.74972 0.74972 0.82314 0.82314 ",
    "0.18958 0.19597 0.76467 0.76467 0.78228 0.78228 ",
    "-0.02990 0.71801 0.71801 0.73507 0.81765 0.89534 ",
    "0.00605 0.55184 0.67866 0.73724 0.77929 0.86948 ",
    "0.07225 0.38796 0.66565 0.69401 0.72954 0.94884 ",
    "0.16764 0.24725 0.63421 0.67920 0.74562 0.89388 ",
    "0.13273 0.29116 0.60183 0.71897 0.78870 0.86374 ",
    "0.04687 0.43950 0.59793 0.78336 0.85732 0.86019 ",
    "-0.00933 0.59493 0.63615 0.85811 0.86422 0.92059 ",
    "0.03158 0.62986 0.62986 0.63732 0.65927 0.75173 ",
    "0.08736 0.47593 0.56143 0.60779 0.66500 0.80565 ",
    "0.17238 0.32972 0.49072 0.61239 0.67685 0.94013 ",
    "0.20728 0.28482 0.44935 0.64361 0.71268 1.00092 ",
    "0.11263 0.40380 0.45625 0.70123 0.77486 0.98348 ",
    "0.13242 0.45206 0.57659 0.57668 0.57668 0.70054 ",
    "0.20589 0.37108 0.43833 0.57230 0.62647 0.77174 ",
    "0.28853 0.30849 0.34084 0.59460 0.65794 0.92536 ",
    "0.25012 0.29847 0.55621 0.55895 0.55895 0.68246 ",
    "0.05195 0.49973 0.54753 0.67686 0.80344 0.85809 ",
    "0.12765 0.36247 0.52421 0.59858 0.82288 0.89810 ",
    "0.22822 0.23582 0.54139 0.55242 0.83886 0.86037 ",
    "0.15244 0.44227 0.46869 0.49515 0.74850 0.81310 ",
    "0.24518 0.32348 0.41043 0.48785 0.78923 0.93519 ",
    "0.21205 0.34617 0.39820 0.52873 0.83227 0.95448 ",
    "0.26932 0.31835 0.42308 0.47416 0.72971 0.79672 ",
    "0.32697 0.32697 0.36628 0.39174 0.93709 0.93710 ",
};
static const char *const al_eig_occopt7[29] = {
    "-0.05055 0.82399 0.82399 0.82399 0.85897 0.85897 ",
    "-0.03506 0.66193 0.78316 0.78316 0.89076 0.91990 ",
    "0.01115 0.48343 0.75381 0.75381 0.87969 0.89439 ",
    "0.08743 0.32553 0.74970 0.74970 0.82313 0.82313 ",
    "0.18957 0.19595 0.76465 0.76465 0.78227 0.78227 ",
    "-0.02991 0.71800 0.71800 0.73505 0.81764 0.89534 ",
    "0.00603 0.55183 0.67865 0.73722 0.77928 0.86947 ",
    "0.07224 0.38795 0.66564 0.69400 0.72953 0.94883 ",
    "0.16763 0.24724 0.63420 0.67919 0.74560 0.89387 ",
    "0.13272 0.29115 0.60182 0.71896 0.78868 0.86372 ",
    "0.04686 0.43948 0.59792 0.78335 0.85730 0.86017 ",
    "-0.00935 0.59491 0.63614 0.85809 0.86420 0.92058 ",
    "0.03157 0.62985 0.62985 0.63730 0.65925 0.75172 ",
    "0.08735 0.47591 0.56142 0.60777 0.66499 0.80564 ",
    "0.17237 0.32970 0.49071 0.61237 0.67683 0.94012 ",
    "0.20727 0.28481 0.44934 0.64359 0.71266 1.00091 ",
    "0.11262 0.40378 0.45624 0.70121 0.77485 0.98346 ",
    "0.13241 0.45205 0.57657 0.57666 0.57666 0.70054 ",
    "0.20588 0.37107 0.43831 0.57228 0.62646 0.77173 ",
    "0.28851 0.30848 0.34083 0.59459 0.65793 0.92535 ",
    "0.25011 0.29847 0.55619 0.55894 0.55894 0.68245 ",
    "0.05194 0.49971 0.54752 0.67684 0.80342 0.85808 ",
    "0.12764 0.36245 0.52420 0.59857 0.82287 0.89808 ",
    "0.22821 0.23580 0.54138 0.55240 0.83885 0.86035 ",
    "0.15243 0.44226 0.46868 0.49513 0.74848 0.81309 ",
    "0.24517 0.32347 0.41042 0.48783 0.78922 0.93518 ",
    "0.21204 0.34616 0.39819 0.52872 0.83225 0.95446 ",
    "0.26931 0.31834 0.42306 0.47415 0.72970 0.79671 ",
    "0.32695 0.32695 0.36628 0.39172 0.93707 0.93708 ",
};

static const fu_smearing kinds[] = {FU_SMEAR_FERMI_DIRAC,       FU_SMEAR_GAUSSIAN,
                                    FU_SMEAR_METHFESSEL_PAXTON, FU_SMEAR_MARZARI_VANDERBILT,
                                    FU_SMEAR_COLD_ABINIT_BUMP,  FU_SMEAR_COLD_ABINIT_MONO};
#define NKINDS ((int)(sizeof kinds / sizeof kinds[0]))

/* R20 (DFTK test/occupation.jl) and more, for one smearing function. */
static void check_identities(fu_smearing kind, int order) {
    char what[200];
    const char *nm = fu_smearing_name(kind);
    double xs[] = {-INFINITY, -1e300, -1e3, -40.0};
    for (int i = 0; i < 4; i++) {
        snprintf(what, sizeof what, "%s order %d: f(-inf) = 1, s = δ = 0 there", nm, order);
        CHECK_CLOSE(fu_smear_occ(kind, order, xs[i]), 1.0, 1e-15, what);
        CHECK_CLOSE(fu_smear_occ(kind, order, -xs[i]), 0.0, 1e-15, what);
        CHECK_CLOSE(fu_smear_entropy(kind, order, xs[i]), 0.0, 1e-15, what);
        CHECK_CLOSE(fu_smear_entropy(kind, order, -xs[i]), 0.0, 1e-15, what);
        CHECK_CLOSE(fu_smear_delta(kind, order, xs[i]), 0.0, 1e-15, what);
        CHECK_CLOSE(fu_smear_delta(kind, order, -xs[i]), 0.0, 1e-15, what);
    }
    /* s'(x) = x f'(x) and δ = -f' by central differences */
    double max_s = 0, max_d = 0;
    const double h = 1e-5;
    for (double x = -6.0; x <= 6.0; x += 0.0371) {
        double fp = (fu_smear_occ(kind, order, x + h) - fu_smear_occ(kind, order, x - h)) / (2 * h);
        double sp =
            (fu_smear_entropy(kind, order, x + h) - fu_smear_entropy(kind, order, x - h)) / (2 * h);
        max_s = fmax(max_s, fabs(sp - x * fp));
        max_d = fmax(max_d, fabs(fu_smear_delta(kind, order, x) + fp));
    }
    { /* the R20 point itself, with DFTK's ε = 1e-8 */
        double x = 0.04, e = 1e-8;
        double fp = (fu_smear_occ(kind, order, x + e) - fu_smear_occ(kind, order, x)) / e;
        double sp = (fu_smear_entropy(kind, order, x + e) - fu_smear_entropy(kind, order, x)) / e;
        snprintf(what, sizeof what, "%s order %d: R20 s'(0.04) = 0.04 f'(0.04)", nm, order);
        CHECK_CLOSE(sp, x * fp, 1e-4, what);
    }
    snprintf(what, sizeof what, "%s order %d: s'(x) = x f'(x) on [-6,6]", nm, order);
    CHECK_CLOSE(max_s, 0, 1e-9, what);
    snprintf(what, sizeof what, "%s order %d: δ = -f' on [-6,6]", nm, order);
    CHECK_CLOSE(max_d, 0, 1e-9, what);
    /* ∫δ = 1, ∫xδ = 0 (s(±inf) = 0), and f(x) = ∫_x^inf δ, by Simpson */
    const double a = -45, b = 45;
    const int n = 180000;
    const double dx = (b - a) / n;
    double i0 = 0, i1 = 0, tail = 0, max_f = 0;
    for (int k = n; k >= 0; k--) {
        double x = a + k * dx, w = (k == 0 || k == n) ? 1 : (k % 2 ? 4 : 2);
        double d = fu_smear_delta(kind, order, x);
        i0 += w * d;
        i1 += w * x * d;
        if (k % 2 == 0 && k < n) {
            /* ∫_x^{x+2dx} δ by Simpson, accumulated from +45 downwards */
            tail += dx / 3 *
                    (d + 4 * fu_smear_delta(kind, order, x + dx) +
                     fu_smear_delta(kind, order, x + 2 * dx));
            if (fabs(x) < 8) max_f = fmax(max_f, fabs(tail - fu_smear_occ(kind, order, x)));
        }
    }
    i0 *= dx / 3;
    i1 *= dx / 3;
    snprintf(what, sizeof what, "%s order %d: ∫δ = 1", nm, order);
    CHECK_CLOSE(i0, 1.0, 1e-12, what);
    snprintf(what, sizeof what, "%s order %d: ∫xδ = 0", nm, order);
    CHECK_CLOSE(i1, 0.0, 1e-12, what);
    snprintf(what, sizeof what, "%s order %d: f(x) = ∫_x^inf δ", nm, order);
    CHECK_CLOSE(max_f, 0.0, 1e-12, what);
    printf(
        "%-20s order %d: max|s'-xf'| %.1e  max|δ+f'| %.1e  ∫δ-1 %.1e  ∫xδ %.1e  max|f-∫δ| %.1e\n",
        nm, order, max_s, max_d, i0 - 1, i1, max_f);
}

static double sum_occ(int nk, const double *w, int nb, const double *occ) {
    double s = 0;
    for (int k = 0; k < nk; k++)
        for (int b = 0; b < nb; b++) s += w[k] * occ[k * nb + b];
    return s;
}

/* Run against one ABINIT Al calculation. */
static void check_abinit_al(int occopt, const char *const tab[29], double fermie, double mkts,
                            double tol_ef, double tol_ts) {
    double w[29], eig[29 * 6], occ[29 * 6], ef, mts;
    for (int k = 0; k < 29; k++) {
        w[k] = al_mult[k] / 512.0;
        const char *p = tab[k];
        for (int b = 0; b < 6; b++) {
            char *end;
            eig[k * 6 + b] = strtod(p, &end);
            p = end;
        }
    }
    fu_smearing kind;
    int order;
    CHECK(fu_smearing_from_abinit_occopt(occopt, &kind, &order) == 0, "occopt 3-7 are mapped");
    fu_err err = {0};
    int st = fu_occupations(kind, order, 0.01, 3.0, 2.0, 29, w, 6, eig, occ, &ef, &mts, &err);
    CHECK(st == FU_OK, "Al occupations");
    printf("ABINIT occopt %d (%s): ε_F %.9f vs %.9f (%.1e)  -TS %.6e vs %.6e (%.1e)\n", occopt,
           fu_smearing_name(kind), ef, fermie, ef - fermie, mts, mkts, mts - mkts);
    char what[160];
    snprintf(what, sizeof what,
             "ABINIT 9.6.2 Al occopt %d: Fermi level (eigenvalues printed to 1e-5)", occopt);
    CHECK_CLOSE(ef, fermie, tol_ef, what);
    snprintf(what, sizeof what, "ABINIT 9.6.2 Al occopt %d: -kT*entropy", occopt);
    CHECK_CLOSE(mts, mkts, tol_ts, what);
    CHECK_CLOSE(sum_occ(29, w, 6, occ), 3.0, 1e-12, "Al: Σ w occ = 3");
}

/* An insulator with a 5 eV gap and a valence band 1 eV wide (the top at one
 * k-point, as MgO's at Γ), cold smearing of 0.01375 Ha (protocol fast): the
 * physical root of N(ε_F) = N is in the gap, with every valence level full
 * and every conduction level empty; the non-monotone occupation function
 * also allows a root just below the valence top (a partly emptied top band
 * made up for by levels above 2), which MgO once got. */
static void check_insulator_cold(fu_smearing kind, int order) {
    enum { NK = 12, NB = 3 };
    const double ev = 1.0 / 27.211386245988;
    double eig[NK * NB], wk[NK], occ[NK * NB], ef, mts;
    for (int k = 0; k < NK; k++) {
        wk[k] = 1.0 / NK;
        eig[k * NB + 0] = (-3.0 - 0.1 * k) * ev; /* a lower band */
        eig[k * NB + 1] = (-0.09 * k) * ev;      /* top at k = 0: 0 eV */
        eig[k * NB + 2] = (5.0 + 0.2 * k) * ev;  /* conduction band, minimum 5 eV */
    }
    fu_err err = {0};
    int rc = fu_occupations(kind, order, 0.01375, 4.0, 2.0, NK, wk, NB, eig, occ, &ef, &mts, &err);
    CHECK(rc == 0, err.msg);
    int full = 1;
    for (int k = 0; k < NK; k++)
        full = full && fabs(occ[k * NB] - 2) < 1e-12 && fabs(occ[k * NB + 1] - 2) < 1e-12 &&
               fabs(occ[k * NB + 2]) < 1e-12;
    char what[96];
    snprintf(what, sizeof what, "%s, gap 5 eV: valence full, conduction empty (ef %.3f eV)",
             fu_smearing_name(kind), ef / ev);
    CHECK(full && ef > 0.5 * ev && ef < 4.5 * ev, what);
    CHECK(fabs(mts) < 1e-12, "no smearing entropy in the gap");
}

int main(void) {
    check_insulator_cold(FU_SMEAR_MARZARI_VANDERBILT, 0);
    check_insulator_cold(FU_SMEAR_COLD_ABINIT_BUMP, 0);
    check_insulator_cold(FU_SMEAR_METHFESSEL_PAXTON, 1);
    /* ---- names and the ABINIT mapping ---- */
    for (int k = FU_SMEAR_NONE; k <= FU_SMEAR_COLD_ABINIT_MONO; k++)
        CHECK(fu_smearing_from_name(fu_smearing_name((fu_smearing)k)) == k, "name round trip");
    CHECK(fu_smearing_from_name("cold") == FU_SMEAR_MARZARI_VANDERBILT, "alias cold");
    CHECK(fu_smearing_from_name("fermi") == -1 && fu_smearing_from_name(NULL) == -1,
          "unknown names");
    {
        fu_smearing k;
        int o = -7;
        CHECK(fu_smearing_from_abinit_occopt(1, &k, &o) == 0 && k == FU_SMEAR_NONE, "occopt 1");
        CHECK(fu_smearing_from_abinit_occopt(6, &k, &o) == 0 && k == FU_SMEAR_METHFESSEL_PAXTON &&
                  o == 1,
              "occopt 6 = MP order 1");
        CHECK(fu_smearing_from_abinit_occopt(2, &k, &o) == -1 &&
                  fu_smearing_from_abinit_occopt(8, &k, &o) == -1 &&
                  fu_smearing_from_abinit_occopt(9, &k, &o) == -1,
              "occopt 2, 8, 9 not reproduced");
    }

    /* ---- identities for every kind ---- */
    for (int i = 0; i < NKINDS; i++) {
        if (kinds[i] == FU_SMEAR_METHFESSEL_PAXTON)
            for (int order = 0; order <= 5; order++) check_identities(kinds[i], order);
        else
            check_identities(kinds[i], 1);
    }

    /* ---- closed forms at particular points ---- */
    CHECK_CLOSE(fu_smear_occ(FU_SMEAR_FERMI_DIRAC, 0, 0), 0.5, 1e-16, "FD f(0) = 1/2");
    CHECK_CLOSE(fu_smear_entropy(FU_SMEAR_FERMI_DIRAC, 0, 0), log(2.0), 1e-16, "FD s(0) = ln 2");
    CHECK_CLOSE(fu_smear_occ(FU_SMEAR_FERMI_DIRAC, 0, 30), exp(-30) / (1 + exp(-30)), 1e-28,
                "FD tail keeps relative precision");
    CHECK_CLOSE(fu_smear_occ(FU_SMEAR_FERMI_DIRAC, 0, 800), 0.0, 0.0, "FD f(800) = 0, no overflow");
    CHECK_CLOSE(fu_smear_occ(FU_SMEAR_FERMI_DIRAC, 0, -800), 1.0, 0.0,
                "FD f(-800) = 1, no overflow");
    CHECK_CLOSE(fu_smear_entropy(FU_SMEAR_FERMI_DIRAC, 0, 40), exp(-40) * 41, 1e-28,
                "FD s(40) ≈ (1+x)e^{-x} without cancellation");
    CHECK_CLOSE(fu_smear_occ(FU_SMEAR_GAUSSIAN, 0, 1.0), 0.5 * erfc(1.0), 1e-16,
                "Gaussian f = erfc/2");
    CHECK_CLOSE(fu_smear_entropy(FU_SMEAR_GAUSSIAN, 0, 0), 0.5 / SQRTPI, 1e-16, "Gaussian s(0)");
    for (double x = -3; x <= 3; x += 0.25) {
        double g = exp(-x * x) / SQRTPI;
        /* occopt 6 in ABINIT init_occ_ent: (1.5 - x²) e^{-x²}/√π */
        CHECK_CLOSE(fu_smear_delta(FU_SMEAR_METHFESSEL_PAXTON, 1, x), (1.5 - x * x) * g, 1e-15,
                    "MP1 δ = ABINIT occopt 6");
        CHECK_CLOSE(fu_smear_delta(FU_SMEAR_METHFESSEL_PAXTON, 2, x),
                    (15.0 / 8 - 2.5 * x * x + 0.5 * x * x * x * x) * g, 1e-15, "MP2 δ closed form");
        CHECK_CLOSE(fu_smear_delta(FU_SMEAR_METHFESSEL_PAXTON, 0, x), g, 1e-16, "MP0 = Gaussian");
        CHECK_CLOSE(fu_smear_occ(FU_SMEAR_METHFESSEL_PAXTON, 2, x) +
                        fu_smear_occ(FU_SMEAR_METHFESSEL_PAXTON, 2, -x),
                    1.0, 1e-15, "MP f(x) + f(-x) = 1");
        CHECK_CLOSE(
            fu_smear_occ(FU_SMEAR_FERMI_DIRAC, 0, x) + fu_smear_occ(FU_SMEAR_FERMI_DIRAC, 0, -x),
            1.0, 1e-15, "FD f(x) + f(-x) = 1");
        /* ABINIT occopt 4/5 tabulate δ_A(u), u = (ε_F - ε)/tsmear = -x:
         * δ_A(u) = e^{-u²}/√π (1.5 - 1.5 a u - u² + a u³), a = -.5634 / -.8165 */
        double u = -x;
        double aa[2] = {(double)-0.5634f, (double)-0.8165f};
        fu_smearing ck[2] = {FU_SMEAR_COLD_ABINIT_BUMP, FU_SMEAR_COLD_ABINIT_MONO};
        for (int j = 0; j < 2; j++)
            CHECK_CLOSE(fu_smear_delta(ck[j], 0, x),
                        g * (1.5 + u * (-aa[j] * 1.5 + u * (-1.0 + aa[j] * u))), 1e-15,
                        "ABINIT cold δ as in init_occ_ent, with u = -x");
        /* MV 1999 (QE wgauss/w0gauss "m-v", DFTK): δ = e^{-y²}(2 + √2 x)/√π, y = x + 1/√2 */
        double y = x + 1 / sqrt(2.0);
        CHECK_CLOSE(fu_smear_delta(FU_SMEAR_MARZARI_VANDERBILT, 0, x),
                    exp(-y * y) * (2 + sqrt(2.0) * x) / SQRTPI, 1e-15, "MV 1999 δ");
    }
    for (double x = -8; x <= 8; x += 0.1) {
        CHECK(fu_smear_entropy(FU_SMEAR_FERMI_DIRAC, 0, x) >= 0, "FD s >= 0");
        CHECK(fu_smear_entropy(FU_SMEAR_GAUSSIAN, 0, x) >= 0, "Gaussian s >= 0");
    }
    CHECK_CLOSE(fu_smear_occ(FU_SMEAR_COLD_ABINIT_BUMP, 0, 0),
                0.5 + (double)-0.5634f / (4 * SQRTPI), 1e-15,
                "ABINIT cold f(0) = 1/2 + a/(4√π): not symmetric");

    /* ---- ABINIT 9.6.2 fcc Al ---- */
    check_abinit_al(3, al_eig_occopt3, 0.354670003, -0.00368680581594088, 1e-5, 3e-7);
    check_abinit_al(4, al_eig_occopt4, 0.357454194, 2.26231051860389e-05, 1e-5, 3e-7);
    check_abinit_al(5, al_eig_occopt5, 0.357292434, 2.05247842065699e-05, 1e-5, 3e-7);
    check_abinit_al(6, al_eig_occopt6, 0.357664176, 2.86201632556084e-05, 1e-5, 3e-7);
    check_abinit_al(7, al_eig_occopt7, 0.355866655, -0.000508520413655232, 1e-5, 3e-7);

    /* ---- synthetic metal: charge conservation, entropy, every kind ---- */
    enum { NK = 13, NB = 9 };
    double w[NK], eig[NK * NB], occ[NK * NB], wsum = 0;
    for (int k = 0; k < NK; k++) {
        w[k] = 1.0 + (k * 7 % 5);
        wsum += w[k];
        double kk = (k + 0.5) / NK;
        for (int b = 0; b < NB; b++) /* free-electron-like folded bands, unsorted on purpose */
            eig[k * NB + (b * 4) % NB] =
                0.05 * b * b + 0.3 * cos(2 * 3.14159265358979 * kk * (b + 1)) - 0.2;
    }
    for (int k = 0; k < NK; k++) w[k] /= wsum;
    double nelecs[3] = {3.0, 7.3, 11.0};
    double temps[3] = {1e-3, 0.01, 0.1};
    double worst = 0;
    for (int i = 0; i < NKINDS; i++)
        for (int order = 1; order <= (kinds[i] == FU_SMEAR_METHFESSEL_PAXTON ? 3 : 1); order++)
            for (int ne = 0; ne < 3; ne++)
                for (int it = 0; it < 3; it++) {
                    double ef, mts;
                    fu_err err = {0};
                    int st = fu_occupations(kinds[i], order, temps[it], nelecs[ne], 2.0, NK, w, NB,
                                            eig, occ, &ef, &mts, &err);
                    CHECK(st == FU_OK, "metallic occupations succeed");
                    if (st) {
                        fprintf(stderr, "%s\n", err.msg);
                        continue;
                    }
                    double dn = fabs(sum_occ(NK, w, NB, occ) - nelecs[ne]);
                    worst = fmax(worst, dn);
                    CHECK_CLOSE(dn, 0, 1e-10, "charge conservation Σ w occ = nelec");
                    double ts = 0;
                    for (int k = 0; k < NK; k++)
                        for (int b = 0; b < NB; b++)
                            ts += w[k] * 2.0 *
                                  fu_smear_entropy(kinds[i], order,
                                                   (eig[k * NB + b] - ef) / temps[it]);
                    CHECK_CLOSE(mts, -temps[it] * ts, 1e-15, "minus_ts = -T Σ w maxocc s");
                    if (kinds[i] == FU_SMEAR_FERMI_DIRAC || kinds[i] == FU_SMEAR_GAUSSIAN)
                        CHECK(mts <= 0, "minus_ts <= 0 for FD and Gaussian");
                    if (kinds[i] != FU_SMEAR_FERMI_DIRAC && kinds[i] != FU_SMEAR_GAUSSIAN) {
                        /* the root taken is the one next to the Gaussian ε_F */
                        double efg, mg;
                        fu_occupations(FU_SMEAR_GAUSSIAN, 0, temps[it], nelecs[ne], 2.0, NK, w, NB,
                                       eig, occ, &efg, &mg, &err);
                        CHECK(fabs(ef - efg) < 2 * temps[it],
                              "non-monotone kinds: ε_F near the Gaussian one");
                    }
                }
    printf("synthetic metal: worst |Σ w occ - nelec| = %.1e over all kinds, T and nelec\n", worst);

    /* ---- gapped spectrum: T -> 0 of FD and Gaussian gives integer filling ---- */
    {
        double ge[NK * NB], occ0[NK * NB], ef0, m0;
        for (int k = 0; k < NK; k++)
            for (int b = 0; b < NB; b++)
                ge[k * NB + b] = (b < 4 ? -0.5 + 0.05 * b : 0.1 + 0.05 * b) + 0.01 * sin(k + b);
        fu_err err = {0};
        CHECK(fu_occupations(FU_SMEAR_NONE, 0, 0, 8.0, 2.0, NK, w, NB, ge, occ0, &ef0, &m0, &err) ==
                  FU_OK,
              "fixed occupations");
        double vbm = -1e9, cbm = 1e9;
        for (int k = 0; k < NK; k++) {
            vbm = fmax(vbm, ge[k * NB + 3]);
            cbm = fmin(cbm, ge[k * NB + 4]);
        }
        CHECK_CLOSE(ef0, vbm, 0, "no smearing: ε_F = highest occupied eigenvalue");
        CHECK_CLOSE(m0, 0, 0, "no smearing: no entropy");
        fu_smearing mono[2] = {FU_SMEAR_FERMI_DIRAC, FU_SMEAR_GAUSSIAN};
        for (int j = 0; j < 2; j++) {
            double prev = 1;
            for (double t = 0.05; t >= 1e-6; t /= 10) {
                double ef, mts, dmax = 0;
                fu_occupations(mono[j], 0, t, 8.0, 2.0, NK, w, NB, ge, occ, &ef, &mts, &err);
                for (int i = 0; i < NK * NB; i++) dmax = fmax(dmax, fabs(occ[i] - occ0[i]));
                CHECK(dmax <= fmax(prev, 1e-13), "T -> 0: occupations approach integer filling");
                prev = dmax;
                if (t < 1e-3) {
                    CHECK_CLOSE(dmax, 0, 1e-12, "T -> 0: integer filling recovered");
                    CHECK(ef > vbm && ef < cbm, "T -> 0: ε_F in the gap");
                    CHECK_CLOSE(mts, 0, 1e-14, "T -> 0: no entropy");
                }
            }
        }
    }

    /* ---- two levels ±Δ holding one band's worth: ε_F = 0 for symmetric f ---- */
    {
        double e2[2] = {-0.03, 0.03}, o2[2], w1[1] = {1.0}, ef, mts;
        fu_err err = {0};
        fu_smearing sym[3] = {FU_SMEAR_FERMI_DIRAC, FU_SMEAR_GAUSSIAN, FU_SMEAR_METHFESSEL_PAXTON};
        for (int j = 0; j < 3; j++) {
            fu_occupations(sym[j], 2, 0.02, 2.0, 2.0, 1, w1, 2, e2, o2, &ef, &mts, &err);
            CHECK_CLOSE(ef, 0, 1e-15, "symmetric two-level case: ε_F = 0");
            CHECK_CLOSE(o2[0] + o2[1], 2.0, 1e-14, "two-level case: charge");
            CHECK_CLOSE(mts, -0.02 * 2 * 2 * fu_smear_entropy(sym[j], 2, 1.5), 1e-16,
                        "two-level case: -TS = -T·2·2·s(Δ/T)");
        }
        /* FD with an asymmetric filling has a closed form: with z = e^{ε_F/T},
         * a_i = e^{ε_i/T}, f1 + f2 = n gives (2-n) z² + (a1+a2)(1-n) z - n a1 a2 = 0 */
        double t = 0.02, n = 1.3; /* electrons per spin channel; maxocc 1 */
        double a1 = exp(e2[0] / t), a2 = exp(e2[1] / t);
        double qa = 2 - n, qb = (a1 + a2) * (1 - n), qc = -n * a1 * a2;
        double z = (-qb + sqrt(qb * qb - 4 * qa * qc)) / (2 * qa);
        fu_occupations(FU_SMEAR_FERMI_DIRAC, 0, t, n, 1.0, 1, w1, 2, e2, o2, &ef, &mts, &err);
        CHECK_CLOSE(ef, t * log(z), 1e-15, "FD two-level ε_F matches the closed form");
        /* non-symmetric smearings: still the right charge, ε_F ≠ 0 for MV */
        fu_occupations(FU_SMEAR_MARZARI_VANDERBILT, 0, 0.02, 2.0, 2.0, 1, w1, 2, e2, o2, &ef, &mts,
                       &err);
        CHECK_CLOSE(o2[0] + o2[1], 2.0, 1e-14, "MV two-level charge");
        CHECK(fabs(ef) > 1e-4, "MV is not symmetric: ε_F moves off 0");
    }

    /* ---- errors ---- */
    {
        double e3[3] = {0.1, -0.2, 0.3}, o3[3], w1[1] = {1.0}, ef, mts;
        fu_err err = {0};
        CHECK(fu_occupations(FU_SMEAR_NONE, 0, 0, 8.0, 2.0, 1, w1, 3, e3, o3, &ef, &mts, &err) ==
                  FU_EINPUT,
              "too few bands: input error");
        CHECK(strstr(err.msg, "8 electrons need at least 4 bands, got 3") != NULL,
              "message: N electrons need at least M bands, got K");
        CHECK(strchr(err.msg, '\n') == NULL, "one-line message");
        CHECK(fu_occupations(FU_SMEAR_NONE, 0, 0, 3.0, 2.0, 1, w1, 3, e3, o3, &ef, &mts, &err) ==
                  FU_EINPUT,
              "odd electron count with maxocc 2 and no smearing is an error");
        CHECK(strstr(err.msg, "not a whole number") != NULL, "message says why");
        CHECK(fu_occupations(FU_SMEAR_NONE, 0, 0, 2.0, 2.0, 1, w1, 3, e3, o3, &ef, &mts, &err) ==
                      FU_OK &&
                  o3[1] == 2.0 && o3[0] == 0.0 && o3[2] == 0.0 && ef == -0.2,
              "no smearing fills the lowest eigenvalue even if unsorted");
        CHECK(fu_occupations(FU_SMEAR_NONE, 0, 0, 3.0, 1.0, 1, w1, 3, e3, o3, &ef, &mts, &err) ==
                      FU_OK &&
                  ef == 0.3,
              "maxocc 1 (one spin channel) fills 3 bands");
        CHECK(fu_occupations(FU_SMEAR_GAUSSIAN, 0, 0.01, 6.0, 2.0, 1, w1, 3, e3, o3, &ef, &mts,
                             &err) == FU_EINPUT,
              "smearing with all bands full is an error");
        CHECK(strstr(err.msg, "need at least 4 bands") != NULL, "message asks for one more band");
        CHECK(fu_occupations(FU_SMEAR_GAUSSIAN, 0, 0.0, 2.0, 2.0, 1, w1, 3, e3, o3, &ef, &mts,
                             &err) == FU_EINPUT,
              "smearing needs tsmear > 0");
        CHECK(fu_occupations(FU_SMEAR_METHFESSEL_PAXTON, -1, 0.01, 2.0, 2.0, 1, w1, 3, e3, o3, &ef,
                             &mts, &err) == FU_EINPUT,
              "negative MP order rejected");
        double w2[2] = {0.5, 0.4}, e6[6] = {0, 1, 2, 0, 1, 2}, o6[6];
        CHECK(fu_occupations(FU_SMEAR_GAUSSIAN, 0, 0.01, 2.0, 2.0, 2, w2, 3, e6, o6, &ef, &mts,
                             &err) == FU_EINPUT,
              "k weights must sum to 1");
        e3[1] = NAN;
        CHECK(fu_occupations(FU_SMEAR_GAUSSIAN, 0, 0.01, 2.0, 2.0, 1, w1, 3, e3, o3, &ef, &mts,
                             &err) != FU_OK,
              "non-finite eigenvalue rejected");
    }
    CHECK_DONE();
}
