#include "crystal/structfile.h"

#include <ctype.h>
#include <string.h>

#include "crystal/cif.h"
#include "crystal/poscar.h"

int fu_structfile_is_cif(const char *path) {
    size_t n = path ? strlen(path) : 0;
    if (n < 4) return 0;
    const char *e = path + n - 4;
    return e[0] == '.' && tolower((unsigned char)e[1]) == 'c' &&
           tolower((unsigned char)e[2]) == 'i' && tolower((unsigned char)e[3]) == 'f';
}

int fu_structfile_read(const char *path, fu_structure *s, fu_err *err) {
    return fu_structfile_is_cif(path) ? fu_cif_read(path, s, err) : fu_poscar_read(path, s, err);
}
