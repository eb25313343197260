/* A small, strict YAML document reader for furui's input files (libyaml).
 *
 * A file is loaded into a tree of scalars, sequences and maps; every node
 * keeps its 1-based line so that every later complaint can name
 * "path:line: key: what is wrong". Deliberately rejected, because they make
 * inputs ambiguous or hard to audit: anchors/aliases, explicit tags, several
 * documents in one file, duplicate keys, non-scalar keys, an empty document,
 * non-UTF-8 text. Scalars are kept verbatim as strings; their meaning (number,
 * boolean, quantity with a unit) is decided by the typed getters below, so
 * YAML 1.1 surprises ("no" -> false, "1e3" vs "1.0e3") cannot happen.
 *
 * Dimensional values are written as quantities, "15 Ha", "5.43 angstrom",
 * "0.8 1/bohr", and converted to Hartree atomic units on reading; a bare
 * number where a quantity is expected is an error. */
#ifndef FURUI_CORE_YAMLDOC_H
#define FURUI_CORE_YAMLDOC_H

#include <stddef.h>
#include "core/error.h"

/* Resource limits against hostile files (inputs are a few kB). */
#define FU_YDOC_MAX_BYTES (8u << 20)
#define FU_YDOC_MAX_NODES 1000000
#define FU_YDOC_MAX_DEPTH 64
#define FU_YDOC_MAX_KEY 256

typedef enum { FU_YSCALAR = 0, FU_YSEQ, FU_YMAP } fu_ykind;

typedef struct fu_ynode fu_ynode;
struct fu_ynode {
    fu_ykind kind;
    int line;                /* 1-based line: of its key for a map value, else where
                                the node starts */
    int plain;               /* scalar written without quotes */
    char *value;             /* scalar text (NUL-terminated; never contains NUL) */
    int n;                   /* number of items (sequence) or entries (map) */
    fu_ynode **item;         /* [n] sequence items or map values */
    char **key;              /* [n] map keys (NULL for sequences) */
    int *key_line;           /* [n] line of each map key */
    const fu_ynode *parent;  /* NULL for the root */
    int index;               /* position in the parent */
    int cap;                 /* allocated slots (internal) */
};

typedef struct {
    char *path;      /* file name or origin used in messages */
    char *text;      /* the verbatim file contents, NUL-terminated (provenance) */
    size_t len;      /* bytes in text */
    fu_ynode *root;  /* never NULL after a successful load */
    int nnodes;
} fu_ydoc;

/* Reads and parses a file. Errors: unreadable file or directory (with
 * strerror), too large, invalid UTF-8, YAML syntax, and the rejections
 * listed above; all as one line "path:line: key: what". */
int fu_ydoc_load(const char *path, fu_ydoc *doc, fu_err *err);
/* Parses text[0..len) (which may contain NUL bytes: they are rejected);
 * `origin` names it in messages. The text is copied. */
int fu_ydoc_parse(const char *text, size_t len, const char *origin, fu_ydoc *doc,
                  fu_err *err);
/* Frees everything; safe on a zeroed or already freed doc. */
void fu_ydoc_free(fu_ydoc *doc);

/* Fails with "path:line: NAME: <fmt>" where NAME is the node's key path,
 * e.g. "scf.mixing.damping" or "structure.atoms[1]" (0-based indices).
 * Control characters in the final message are replaced so it stays one
 * line. Returns code. */
int fu_ynode_fail(fu_err *err, const fu_ydoc *doc, const fu_ynode *node, fu_status code,
                  const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* The key path of a node into buf (as used in messages). */
void fu_ynode_name(const fu_ynode *node, char *buf, size_t len);
/* "map", "sequence", "scalar" (for messages). */
const char *fu_ykind_name(fu_ykind kind);

/* A null value: an empty plain scalar, "~" or "null" (unquoted). */
int fu_ynode_is_null(const fu_ynode *node);

/* Entry `key` of a map; NULL if absent or if map is not a map. */
const fu_ynode *fu_ymap_get(const fu_ynode *map, const char *key);
/* Like fu_ymap_get but a missing key is an error
 * "path:line: parent.key: missing required key". */
int fu_ymap_require(const fu_ydoc *doc, const fu_ynode *map, const char *key,
                    const fu_ynode **out, fu_err *err);
/* Error unless node is of `kind` ("expected a map, found a scalar"). */
int fu_ynode_expect(const fu_ydoc *doc, const fu_ynode *node, fu_ykind kind, fu_err *err);
/* Error unless map is a map whose keys are all in the NULL-terminated list
 * `allowed`; the message names the unknown key and lists the allowed ones. */
int fu_ymap_check_keys(const fu_ydoc *doc, const fu_ynode *map, const char *const *allowed,
                       fu_err *err);

/* Typed getters. Each validates and reports "path:line: key: what".
 * Numbers are decimal (digits, sign, '.', exponent) and finite: NaN, Inf,
 * ".nan", ".inf", hex and overflow (1e999) are errors; quoted or not. */
int fu_ynode_double(const fu_ydoc *doc, const fu_ynode *node, double *out, fu_err *err);
/* Decimal integer in [min, max], no fraction or trailing characters. */
int fu_ynode_int(const fu_ydoc *doc, const fu_ynode *node, long min, long max, int *out,
                 fu_err *err);
/* true/false (also True/TRUE/False/FALSE); YAML 1.1 yes/no/on/off are
 * rejected as ambiguous. */
int fu_ynode_bool(const fu_ydoc *doc, const fu_ynode *node, int *out, fu_err *err);
/* A non-null scalar; *out points into the doc. */
int fu_ynode_string(const fu_ydoc *doc, const fu_ynode *node, const char **out, fu_err *err);
/* A non-null scalar copied into buf; too long is an error. */
int fu_ynode_string_copy(const fu_ydoc *doc, const fu_ynode *node, char *buf, size_t len,
                         fu_err *err);
/* A sequence of exactly `count` numbers / integers in [min, max]. */
int fu_ynode_doubles(const fu_ydoc *doc, const fu_ynode *node, int count, double *out,
                     fu_err *err);
int fu_ynode_ints(const fu_ydoc *doc, const fu_ynode *node, int count, long min, long max,
                  int *out, fu_err *err);

/* Physical dimensions of quantities. */
typedef enum {
    FU_UNIT_ENERGY = 0,     /* Ha, hartree, eV, meV, Ry, K (k_B T) -> Ha */
    FU_UNIT_LENGTH,         /* bohr, angstrom, Å, Ang -> bohr */
    FU_UNIT_INVLENGTH       /* 1/bohr, 1/angstrom, 1/Å, 1/Ang -> 1/bohr */
} fu_unit_kind;

/* "energy", "length", "inverse length". */
const char *fu_unit_kind_name(fu_unit_kind kind);
/* Looks up a unit name (case-sensitive, spellings as listed above). Returns
 * 0 and sets *kind and *to_au (multiply a value in that unit by it to get
 * atomic units); -1 if unknown. */
int fu_unit_lookup(const char *unit, fu_unit_kind *kind, double *to_au);
/* A quantity "NUMBER UNIT" of the given kind, converted to atomic units.
 * Errors: bare number ("missing unit, write e.g. '15 Ha'"), unit of another
 * kind ("'bohr' is a length unit, expected an energy: Ha, eV, ..."), unknown
 * unit, bad or non-finite number. */
int fu_ynode_quantity(const fu_ydoc *doc, const fu_ynode *node, fu_unit_kind kind, double *out,
                      fu_err *err);
/* A scalar that is only a unit name of the given kind (e.g. a lattice's
 * "unit: angstrom"); *to_au as in fu_unit_lookup. */
int fu_ynode_unit(const fu_ydoc *doc, const fu_ynode *node, fu_unit_kind kind, double *to_au,
                  fu_err *err);

#endif
