/* Test front end to crystal/: writes a structure as POSCAR (Å, direct) on
 * stdout for the Python cross-checks in this directory.
 *   structure_driver proto NAME EL [EL [EL]]   a prototype, rule lattice parameter
 *   structure_driver read FILE                 a POSCAR or CIF (crystal/structfile.h)
 * Errors: the library's one-line message on stderr, exit 1. */
#include <stdio.h>
#include <string.h>

#include "crystal/elements.h"
#include "crystal/prototypes.h"
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
