/* Test front end to crystal/: writes a structure as POSCAR (Å, direct) on
 * stdout for the Python cross-checks in this directory.
 *   structure_driver proto NAME EL [EL [EL]]   a prototype, rule lattice parameter
 *   structure_driver read FILE                 a POSCAR or CIF (crystal/structfile.h)
 *   structure_driver ref SYMBOL                the element's reference state (refstate.h)
 *   structure_driver formula EL N [EL N ...]   fu_formula_pretty of that composition
 *   structure_driver conv FILE                 conventional a b c (Å) alpha beta gamma
 *   structure_driver molecule FILE             1 if a molecule in a box, else 0
 *   structure_driver refs                      the reference table, a line per entry:
 *                                              "Z Symbol prototype a_A c/a moment molecule" 
 * Errors: the library's one-line message on stderr, exit 1. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crystal/elements.h"
#include "crystal/formula.h"
#include "crystal/molecule.h"
#include "crystal/symmetry.h"
#include "core/units.h"
#include "crystal/prototypes.h"
#include "crystal/refstate.h"
#include "crystal/poscar.h"
#include "crystal/structfile.h"

int main(int argc, char **argv) {
    fu_structure s;
    fu_err err = {0};
    int rc;
    if (argc >= 4 && !strcmp(argv[1], "proto")) {
        int p = fu_prototype_from_name(argv[2]);
        int z[FU_PROTO_MAX_SITES] = {0, 0, 0};
        if (p < 0 || argc - 3 != fu_prototype_nsites((fu_prototype)p)) {
            fprintf(stderr, "structure_driver: unknown prototype or wrong number of elements\n");
            return 2;
        }
        for (int i = 3; i < argc; i++) z[i - 3] = fu_element_z(argv[i]);
        rc = fu_prototype_build((fu_prototype)p, z, 0.0, &s, &err);
    } else if (argc >= 4 && argc % 2 == 0 && !strcmp(argv[1], "formula")) {
        int count[FU_MAX_Z + 1] = {0};
        for (int i = 2; i + 1 < argc; i += 2) {
            int z = fu_element_z(argv[i]);
            if (z <= 0) {
                fprintf(stderr, "structure_driver: unknown element %s\n", argv[i]);
                return 2;
            }
            count[z] += atoi(argv[i + 1]);
        }
        char buf[256];
        fu_formula_pretty(count, buf, sizeof buf);
        printf("%s\n", buf);
        return 0;
    } else if (argc == 3 && (!strcmp(argv[1], "conv") || !strcmp(argv[1], "molecule"))) {
        if (fu_structfile_read(argv[2], &s, &err)) {
            fprintf(stderr, "%s\n", err.msg);
            return 1;
        }
        if (!strcmp(argv[1], "molecule")) {
            printf("%d\n", fu_molecule_is_finite(&s));
        } else {
            double abc[3], ang[3];
            rc = fu_symmetry_conventional(&s, 0.01 / FU_BOHR_ANGSTROM, abc, ang, &err);
            if (rc) {
                fprintf(stderr, "%s\n", err.msg);
                fu_structure_free(&s);
                return 1;
            }
            printf("%.10f %.10f %.10f %.8f %.8f %.8f\n", abc[0] * FU_BOHR_ANGSTROM,
                   abc[1] * FU_BOHR_ANGSTROM, abc[2] * FU_BOHR_ANGSTROM, ang[0], ang[1], ang[2]);
        }
        fu_structure_free(&s);
        return 0;
    } else if (argc == 2 && !strcmp(argv[1], "refs")) {
        const fu_refstate *r;
        for (int i = 0; (r = fu_refstate_at(i)); i++)
            printf("%d %s %s %.6f %.6f %.3f %d %s\n", r->z, fu_element_symbol(r->z),
                   fu_prototype_name(r->proto), r->a, r->ca, r->moment, r->molecule, r->source);
        printf("symbols: %s\n", fu_refstate_symbols());
        return 0;
    } else if (argc == 3 && !strcmp(argv[1], "ref")) {
        const fu_refstate *r = fu_refstate_find(fu_element_z(argv[2]));
        if (!r) {
            fprintf(stderr, "structure_driver: no reference state for %s\n", argv[2]);
            return 1;
        }
        rc = fu_refstate_build(r, &s, &err);
    } else if (argc == 3 && !strcmp(argv[1], "read")) {
        rc = fu_structfile_read(argv[2], &s, &err);
    } else {
        fprintf(stderr, "usage: structure_driver proto NAME EL... | read FILE\n");
        return 2;
    }
    if (rc) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    rc = fu_poscar_write(stdout, &s, "structure_driver", &err);
    fu_structure_free(&s);
    if (rc) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    return 0;
}
