/* hull_driver FILE.csv: reads entries "id,formula,energy_ha" (one per line,
 * '#' comments, energy of the formula as written, Ha), runs fu_hull_compute
 * and prints one line per entry:
 *   id,e_form_ev_per_atom,e_above_hull_ev_per_atom,stable,ID:frac;ID:frac...
 * with %.17g numbers. On a furui error: the message on stderr, exit 1.
 * Used by compare_pymatgen.py. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "props/hull.h"

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: hull_driver FILE.csv\n");
        return 64;
    }
    FILE *f = fopen(argv[1], "r");
    if (!f) {
        perror(argv[1]);
        return 2;
    }
    int cap = 64, n = 0;
    fu_hull_entry *es = malloc(sizeof *es * (size_t)cap);
    char line[1024];
    int lineno = 0;
    fu_err err;
    fu_err_clear(&err);
    while (es && fgets(line, sizeof line, f)) {
        lineno++;
        line[strcspn(line, "\r\n")] = '\0';
        if (!line[0] || line[0] == '#') continue;
        char *id = strtok(line, ","), *formula = strtok(NULL, ","), *en = strtok(NULL, ",");
        char *end = NULL;
        double e = en ? strtod(en, &end) : 0;
        if (!id || !formula || !en || end == en || *end) {
            fprintf(stderr, "%s:%d: expected id,formula,energy_ha\n", argv[1], lineno);
            return 1;
        }
        if (n == cap) {
            cap *= 2;
            fu_hull_entry *t = realloc(es, sizeof *es * (size_t)cap);
            if (!t) break;
            es = t;
        }
        if (fu_hull_entry_from_formula(&es[n], id, formula, e, &err)) {
            fprintf(stderr, "%s:%d: %s\n", argv[1], lineno, err.msg);
            return 1;
        }
        n++;
    }
    fclose(f);
    if (!es) return 3;
    fu_hull h;
    if (fu_hull_compute(es, n, NULL, 0, &h, &err)) {
        fprintf(stderr, "%s: %s\n", argv[1], err.msg);
        free(es);
        return 1;
    }
    for (int i = 0; i < n; i++) {
        printf("%s,%.17g,%.17g,%d,", es[i].id, fu_hull_e_form_ev(&h, i),
               fu_hull_e_above_hull_ev(&h, i), h.stable[i]);
        for (int k = h.decomp_off[i]; k < h.decomp_off[i + 1]; k++)
            printf("%s%s:%.17g", k > h.decomp_off[i] ? ";" : "", es[h.decomp_idx[k]].id,
                   h.decomp_frac[k]);
        printf("\n");
    }
    fu_hull_free(&h);
    free(es);
    return 0;
}
