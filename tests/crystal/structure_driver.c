/* Test front end to crystal/: writes a structure as POSCAR (Å, direct) on
 * stdout for the Python cross-checks in this directory.
 *   structure_driver proto NAME EL [EL [EL]]   a prototype, rule lattice parameter
 *   structure_driver read FILE                 a POSCAR or CIF (crystal/structfile.h)
 *   structure_driver ref SYMBOL                the element's reference state (refstate.h)
 *   structure_driver refs                      the reference table, a line per entry:
 *                                              "Z Symbol prototype a_A c/a moment molecule" 
 * Errors: the library's one-line message on stderr, exit 1. */
#include <stdio.h>
#include <string.h>

#include "crystal/elements.h"
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
