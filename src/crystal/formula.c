#include "crystal/formula.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "crystal/elements.h"

/* Pauling electronegativities, Z = 1..103, from Debian's python3-pymatgen
 * 2022.11.7 (Element.X). */
static const double pauling[FU_MAX_Z] = {
    2.2, NAN, 0.98, 1.57, 2.04, 2.55, 3.04, 3.44,
    3.98, NAN, 0.93, 1.31, 1.61, 1.9, 2.19, 2.58,
    3.16, NAN, 0.82, 1.0, 1.36, 1.54, 1.63, 1.66,
    1.55, 1.83, 1.88, 1.91, 1.9, 1.65, 1.81, 2.01,
    2.18, 2.55, 2.96, 3.0, 0.82, 0.95, 1.22, 1.33,
    1.6, 2.16, 1.9, 2.2, 2.28, 2.2, 1.93, 1.69,
    1.78, 1.96, 2.05, 2.1, 2.66, 2.6, 0.79, 0.89,
    1.1, 1.12, 1.13, 1.14, 1.13, 1.17, 1.2, 1.2,
    1.1, 1.22, 1.23, 1.24, 1.25, 1.1, 1.27, 1.3,
    1.5, 2.36, 1.9, 2.2, 2.2, 2.28, 2.54, 2.0,
    1.62, 2.33, 2.02, 2.0, 2.2, 2.2, 0.7, 0.9,
    1.1, 1.3, 1.5, 1.38, 1.36, 1.28, 1.3, 1.3,
    1.3, 1.3, 1.3, 1.3, 1.3, 1.3, 1.3,
};

double fu_formula_electronegativity(int z) {
    return z >= 1 && z <= FU_MAX_Z ? pauling[z - 1] : NAN;
}

static int gcd(int a, int b) {
    while (b) {
        int t = a % b;
        a = b;
        b = t;
    }
    return a;
}

int fu_formula_gcd(const int *count, int n) {
    int g = 0;
    for (int i = 0; i < n; i++) g = gcd(count[i], g);
    return g;
}

/* pymatgen's sort key [X, symbol]; NaN (noble gases) after every number. */
static int before(int a, int b) {
    double xa = pauling[a - 1], xb = pauling[b - 1];
    if (isnan(xa) != isnan(xb)) return isnan(xb);
    if (!isnan(xa) && xa != xb) return xa < xb;
    return strcmp(fu_element_symbol(a), fu_element_symbol(b)) < 0;
}

static void append(char *buf, size_t len, size_t *used, const char *sym, int n) {
    int w = n == 1 ? snprintf(buf + *used, len - *used, "%s", sym)
                   : snprintf(buf + *used, len - *used, "%s%d", sym, n);
    if (w > 0) *used = *used + (size_t)w < len ? *used + (size_t)w : len - 1;
}

void fu_formula_pretty(const int *count, char *buf, size_t len) {
    if (!buf || len == 0) return;
    buf[0] = 0;
    int z[FU_MAX_Z], n = 0, g = 0;
    for (int k = 1; k <= FU_MAX_Z; k++)
        if (count[k] > 0) {
            int i = n++;
            while (i > 0 && before(k, z[i - 1])) {
                z[i] = z[i - 1];
                i--;
            }
            z[i] = k;
            g = gcd(count[k], g);
        }
    if (!n) return;
    static const char *const special[][2] = {{"LiO", "Li2O2"}, {"NaO", "Na2O2"}, {"KO", "K2O2"},
                                             {"HO", "H2O2"},   {"CsO", "Cs2O2"}, {"RbO", "Rb2O2"},
                                             {"O", "O2"},      {"N", "N2"},      {"F", "F2"},
                                             {"Cl", "Cl2"},    {"H", "H2"}};
    /* polyanion: the last two elements, if close in electronegativity and
     * their own reduced group repeats */
    int poly = 0, pf = 1;
    if (n >= 3 && pauling[z[n - 1] - 1] - pauling[z[n - 2] - 1] < 1.65) {
        int a = count[z[n - 2]] / g, b = count[z[n - 1]] / g;
        pf = gcd(a, b);
        poly = pf != 1;
    }
    size_t used = 0;
    for (int i = 0; i < n - (poly ? 2 : 0); i++) append(buf, len, &used, fu_element_symbol(z[i]), count[z[i]] / g);
    if (poly && used + 1 < len) {
        buf[used++] = '(';
        buf[used] = 0;
        append(buf, len, &used, fu_element_symbol(z[n - 2]), count[z[n - 2]] / g / pf);
        append(buf, len, &used, fu_element_symbol(z[n - 1]), count[z[n - 1]] / g / pf);
        int w = snprintf(buf + used, len - used, ")%d", pf);
        if (w > 0) used = used + (size_t)w < len ? used + (size_t)w : len - 1;
    }
    for (size_t k = 0; k < sizeof special / sizeof special[0]; k++)
        if (!strcmp(buf, special[k][0])) {
            snprintf(buf, len, "%s", special[k][1]);
            break;
        }
}
