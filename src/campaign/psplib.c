/* The pseudopotential library of a sweep: `pseudopotentials:` families and maps, one loaded
 * fu_psp per (xc, element) (campaign/sweep_parse.h). */
#include "campaign/sweep_parse.h"

#include "campaign/groupsize.h"

#include "props/bandstructure.h"
#include "props/eos.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "core/hash.h"
#include "core/text.h"
#include "core/units.h"
#include "core/yamldoc.h"
#include "crystal/elements.h"
#include "crystal/kpoints.h"
#include "crystal/poscar.h"
#include "crystal/structfile.h"
#include "crystal/prototypes.h"
#include "crystal/refstate.h"
#include "crystal/symmetry.h"
#include "dft/basis.h"
#include "dft/fftgrid.h"
#include "dft/occupations.h"
#include "dft/protocol.h"
#include "props/eos.h"
#include "dft/scf_input.h"
#include "dft/xc.h"
#include "props/converge.h"
#include "rank/rank_expr.h"

/* ------------------------------------------------------- pseudopotentials */

static int is_element_key(const char *key) {
    int z = fu_element_z(key);
    return z > 0 && fu_element_symbol(z) != NULL;
}

/* Checks one spec string as the scf input does, relative to the sweep file. */
static int resolve_spec(const ctx *c, const fu_ynode *n, char *out, size_t len) {
    return fu_input_read_pseudo_spec(c->d, c->dir, n, out, len, c->err);
}

static int read_whole_file(const char *path, char **text, fu_err *err) {
    struct stat st;
    if (stat(path, &st) != 0)
        return fu_fail(err, FU_EIO, "%s: cannot open: %s", path, strerror(errno));
    if (!S_ISREG(st.st_mode)) return fu_fail(err, FU_EIO, "%s: not a regular file", path);
    if (st.st_size > (off_t)(64 << 20)) return fu_fail(err, FU_EINPUT, "%s: over 64 MiB", path);
    FILE *f = fopen(path, "rb");
    if (!f) return fu_fail(err, FU_EIO, "%s: cannot open: %s", path, strerror(errno));
    char *buf = malloc((size_t)st.st_size + 1);
    if (!buf) {
        fclose(f);
        return fu_fail(err, FU_ENOMEM, "%s: out of memory", path);
    }
    size_t n = fread(buf, 1, (size_t)st.st_size, f);
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return fu_fail(err, FU_EIO, "%s: read error", path);
    }
    buf[n] = '\0';
    if (memchr(buf, '\0', n)) {
        free(buf);
        return fu_fail(err, FU_EINPUT, "%s: contains a NUL byte: not a text file", path);
    }
    *text = buf;
    return FU_OK;
}

/* Text of a CP2K potential file, read once per sweep. */
static int cp2k_text(ctx *c, const char *path, const char **text, fu_err *err) {
    for (int i = 0; i < c->ncp2k; i++)
        if (!strcmp(c->cp2k[i].path, path)) {
            *text = c->cp2k[i].text;
            return FU_OK;
        }
    if (c->ncp2k == MAX_CP2K_FILES)
        return fu_fail(err, FU_EINPUT, "more than %d CP2K potential files", MAX_CP2K_FILES);
    char *t = NULL;
    int rc = read_whole_file(path, &t, err);
    if (rc) return rc;
    text_file *f = &c->cp2k[c->ncp2k++];
    snprintf(f->path, sizeof f->path, "%s", path);
    f->text = t;
    *text = t;
    return FU_OK;
}

/* A family spec: cp2k:PREFIX, cp2k:FILE:PREFIX or abinit:SUFFIX. Splits it
 * into the CP2K file (path) and prefix, or the ABINIT directory and suffix. */
typedef struct {
    int cp2k;                     /* 1 CP2K, 0 ABINIT */
    int table;                    /* 1: table:DIR, a pseudopotential table (psp_table.h) */
    char file[FU_SWEEP_PATH_LEN]; /* CP2K file or ABINIT directory */
    int explicit_file;            /* cp2k:FILE:PREFIX (the spec then names the file) */
    char word[128];               /* CP2K name prefix or ABINIT file suffix */
} family;

static int parse_family(const ctx *c, const fu_ynode *n, family *f) {
    const char *spec;
    int rc = fu_ynode_string(c->d, n, &spec, c->err);
    if (rc) return rc;
    memset(f, 0, sizeof *f);
    const char *word;
    if (!strncmp(spec, "cp2k:", 5)) {
        f->cp2k = 1;
        const char *rest = spec + 5, *colon = strrchr(rest, ':');
        if (colon) {
            if (colon == rest)
                return fu_ynode_fail(c->err, c->d, n, FU_EINPUT, "empty file name in '%.80s'",
                                     spec);
            char rel[FU_SWEEP_PATH_LEN];
            if ((size_t)(colon - rest) >= sizeof rel)
                return fu_ynode_fail(c->err, c->d, n, FU_EINPUT, "path too long");
            snprintf(rel, sizeof rel, "%.*s", (int)(colon - rest), rest);
            rc = fu_sweep_join_path(c, n, rel, f->file, sizeof f->file);
            if (rc) return rc;
            f->explicit_file = 1;
            word = colon + 1;
        } else {
            fu_sweep_textf(f->file, sizeof f->file, "%s",
                  fu_sweep_env_or("FURUI_CP2K_POTENTIALS", "/usr/share/cp2k/GTH_POTENTIALS"));
            word = rest;
        }
    } else if (!strncmp(spec, "abinit:", 7)) {
        fu_sweep_textf(f->file, sizeof f->file, "%s",
              fu_sweep_env_or("FURUI_ABINIT_PSP_DIR", "/usr/share/abinit/psp"));
        word = spec + 7;
    } else if (!strncmp(spec, "table:", 6)) {
        if (!spec[6]) return fu_ynode_fail(c->err, c->d, n, FU_EINPUT, "empty table directory");
        f->table = 1;
        return fu_sweep_join_path(c, n, spec + 6, f->file, sizeof f->file);
    } else {
        return fu_ynode_fail(c->err, c->d, n, FU_EINPUT,
                             "expected a family cp2k:PREFIX (e.g. cp2k:GTH-PADE), "
                             "cp2k:FILE:PREFIX, abinit:SUFFIX (e.g. abinit:hgh), table:DIR, or a "
                             "map of element specs; found '%.80s'",
                             spec);
    }
    if (!*word || strlen(word) >= sizeof f->word)
        return fu_ynode_fail(c->err, c->d, n, FU_EINPUT, "empty or too long family name in '%.80s'",
                             spec);
    for (const char *s = word; *s; s++)
        if (!(isalnum((unsigned char)*s) || *s == '-' || *s == '_' || *s == '.'))
            return fu_ynode_fail(c->err, c->d, n, FU_EINPUT,
                                 "family name '%.80s' may contain only letters, digits, '-', "
                                 "'_', '.'",
                                 word);
    snprintf(f->word, sizeof f->word, "%s", word);
    return FU_OK;
}

/* Parses "<prefix>-q<N>" (case-insensitive prefix); N or 0. */
static int family_q(const char *name, const char *prefix) {
    size_t n = strlen(prefix);
    if (strncasecmp(name, prefix, n) != 0 || name[n] != '-' ||
        (name[n + 1] != 'q' && name[n + 1] != 'Q'))
        return 0;
    const char *d = name + n + 2;
    if (!*d || strlen(d) > 3) return 0;
    for (const char *s = d; *s; s++)
        if (!isdigit((unsigned char)*s)) return 0;
    return atoi(d);
}

/* Smallest-q entry of element z named PREFIX-qN in a CP2K file (headers:
 * "El NAME ALIAS ..."; aliases count too). */
static int cp2k_family_pick(const char *text, int z, const char *prefix, char *name, size_t len) {
    const char *sym = fu_element_symbol(z);
    int best = 0;
    const char *line = text;
    while (line && *line) {
        const char *end = strchr(line, '\n');
        size_t ll = end ? (size_t)(end - line) : strlen(line);
        char buf[512];
        if (ll < sizeof buf && isalpha((unsigned char)line[0])) {
            memcpy(buf, line, ll);
            buf[ll] = '\0';
            char *hash = strchr(buf, '#');
            if (hash) *hash = '\0';
            char *save = NULL, *tok = strtok_r(buf, " \t\r", &save);
            if (tok && !strcasecmp(tok, sym))
                for (tok = strtok_r(NULL, " \t\r", &save); tok;
                     tok = strtok_r(NULL, " \t\r", &save)) {
                    int q = family_q(tok, prefix);
                    if (q > 0 && (best == 0 || q < best)) {
                        best = q;
                        snprintf(name, len, "%s", tok);
                    }
                }
        }
        line = end ? end + 1 : NULL;
    }
    return best;
}

/* Resolves (xc, element) to a loaded pseudopotential, once; failures are
 * remembered as a message (spec-level or per-candidate is the caller's call). */
psp_slot *fu_psplib_get(ctx *c, int xi, int z) {
    xc_opt *x = &c->xc[xi];
    if (x->slot[z]) return x->slot[z];
    psp_slot *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    x->slot[z] = s;
    const char *sym = fu_element_symbol(z);
    fu_err e = {0};
    int rc = FU_OK;
    const fu_ynode *own = NULL;
    for (int i = 0; x->elmap && i < x->elmap->n && !own; i++)
        if (fu_element_z(x->elmap->key[i]) == z) own = x->elmap->item[i];
    char where[600];
    {
        char nm[256];
        fu_ynode_name(own ? own : x->ps, nm, sizeof nm);
        fu_sweep_textf(where, sizeof where, "%s at line %d", nm, (own ? own : x->ps)->line);
    }
    if (own) {
        fu_err e2 = {0};
        fu_err *keep = c->err; /* resolve_spec reports through c->err */
        c->err = &e2;
        rc = resolve_spec(c, own, s->spec, sizeof s->spec);
        c->err = keep;
        if (rc) {
            fu_sweep_textf(s->msg, sizeof s->msg, "%s", e2.msg);
        } else if ((rc = fu_psp_load(s->spec, sym, &s->psp, &e))) {
            fu_sweep_textf(s->msg, sizeof s->msg, "%s: %s", where, e.msg);
        }
    } else if (x->family) {
        family f;
        fu_err e2 = {0};
        fu_err *keep = c->err;
        c->err = &e2;
        rc = parse_family(c, x->family, &f);
        c->err = keep;
        if (rc) {
            fu_sweep_textf(s->msg, sizeof s->msg, "%s", e2.msg);
        } else if (f.table) {
            int w = snprintf(s->spec, sizeof s->spec, "table:%s", f.file);
            if (w < 0 || (size_t)w >= sizeof s->spec) {
                rc = FU_EINPUT;
                fu_sweep_textf(s->msg, sizeof s->msg, "%s: path too long", where);
            } else if ((rc = fu_psp_load(s->spec, sym, &s->psp, &e))) {
                fu_sweep_textf(s->msg, sizeof s->msg, "%s: %s", where, e.msg);
            }
        } else if (f.cp2k) {
            const char *text;
            char name[128];
            rc = cp2k_text(c, f.file, &text, &e);
            if (rc) {
                fu_sweep_textf(s->msg, sizeof s->msg, "%s: %s", where, e.msg);
            } else if (!cp2k_family_pick(text, z, f.word, name, sizeof name)) {
                rc = FU_EINPUT;
                fu_sweep_textf(s->msg, sizeof s->msg,
                      "no pseudopotential for %s in family %s-q<N> of %s "
                      "(%s)",
                      sym, f.word, f.file, where);
            } else {
                int w = f.explicit_file
                            ? snprintf(s->spec, sizeof s->spec, "cp2k:%s:%s", f.file, name)
                            : snprintf(s->spec, sizeof s->spec, "cp2k:%s", name);
                if (w < 0 || (size_t)w >= sizeof s->spec) {
                    rc = FU_EINPUT;
                    fu_sweep_textf(s->msg, sizeof s->msg, "%s: path too long", where);
                } else if ((rc = fu_psp_parse_cp2k(text, f.file, sym, name, &s->psp, &e))) {
                    fu_sweep_textf(s->msg, sizeof s->msg, "%s: %s", where, e.msg);
                }
            }
        } else {
            /* ABINIT names its HGH files <Z><symbol>.<valence>.<suffix>. */
            char low[8], path[FU_SWEEP_PATH_LEN + 64];
            int k = 0;
            for (; sym[k] && k < 7; k++) low[k] = (char)tolower((unsigned char)sym[k]);
            low[k] = '\0';
            int found = 0;
            for (int q = 1; q <= z && !found; q++) {
                struct stat st;
                fu_sweep_textf(path, sizeof path, "%s/%d%s.%d.%s", f.file, z, low, q, f.word);
                if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
                    found = 1;
                    fu_sweep_textf(s->spec, sizeof s->spec, "abinit:%d%s.%d.%s", z, low, q, f.word);
                }
            }
            if (!found) {
                rc = FU_EINPUT;
                fu_sweep_textf(s->msg, sizeof s->msg,
                      "no pseudopotential for %s in family %s: no file "
                      "%d%s.<N>.%s in %s (%s)",
                      sym, f.word, z, low, f.word, f.file, where);
            } else if ((rc = fu_psp_load(s->spec, sym, &s->psp, &e))) {
                fu_sweep_textf(s->msg, sizeof s->msg, "%s: %s", where, e.msg);
            }
        }
    } else {
        rc = FU_EINPUT;
        fu_sweep_textf(s->msg, sizeof s->msg,
              "no pseudopotential for %s: %s gives no family and no "
              "entry for it",
              sym, where);
    }
    /* The SCF refuses a pseudopotential made for another functional; say so now. */
    if (!rc && strcmp(s->psp.functional, "unknown") && s->psp.functional[0] &&
        strcmp(s->psp.functional, x->label)) {
        rc = FU_EINPUT;
        fu_sweep_textf(s->msg, sizeof s->msg, "%s: %s (%s) was made for %s but xc %s is %s", where, sym,
              s->spec, s->psp.functional, x->name, x->label);
    }
    fu_sweep_one_line(s->msg);
    s->state = rc ? -1 : 1;
    return s;
}

int fu_psplib_read(ctx *c, const fu_ynode *ps) {
    int rc = fu_ynode_expect(c->d, ps, FU_YMAP, c->err);
    if (rc) return rc;
    if (ps->n == 0)
        return fu_ynode_fail(c->err, c->d, ps, FU_EINPUT,
                             "empty; give a family per xc ({lda: cp2k:GTH-PADE}) or a spec per "
                             "element");
    if (is_element_key(ps->key[0])) {
        /* one spec per element, whatever the functional */
        for (int i = 0; i < ps->n; i++) {
            if (!is_element_key(ps->key[i]))
                return fu_ynode_fail(c->err, c->d, ps->item[i], FU_EINPUT,
                                     "unknown element '%.40s' (keys are either all element "
                                     "symbols or all xc functionals, not both)",
                                     ps->key[i]);
            for (int j = 0; j < i; j++)
                if (fu_element_z(ps->key[j]) == fu_element_z(ps->key[i]))
                    return fu_ynode_fail(
                        c->err, c->d, ps->item[i], FU_EINPUT, "%s given twice (line %d)",
                        fu_element_symbol(fu_element_z(ps->key[i])), ps->key_line[j]);
            char tmp[FU_SPEC_LEN];
            if ((rc = resolve_spec(c, ps->item[i], tmp, sizeof tmp))) return rc;
        }
        for (int x = 0; x < c->nxc; x++) {
            c->xc[x].ps = ps;
            c->xc[x].elmap = ps;
        }
        return FU_OK;
    }
    /* one entry per functional: a family, or a map {family: ..., El: spec} */
    char canon[MAX_XC * 2][256];
    for (int i = 0; i < ps->n; i++) {
        const fu_ynode *v = ps->item[i];
        if (is_element_key(ps->key[i]))
            return fu_ynode_fail(c->err, c->d, v, FU_EINPUT,
                                 "an element among xc keys (keys are either all element symbols "
                                 "or all xc functionals, not both)");
        fu_err e = {0};
        char label[16];
        if (i >= MAX_XC * 2)
            return fu_ynode_fail(c->err, c->d, v, FU_EINPUT, "more than %d functionals",
                                 MAX_XC * 2);
        if (strlen(ps->key[i]) >= sizeof c->xc[0].name ||
            fu_candidate_xc_canonical(ps->key[i], canon[i], sizeof canon[0], label, sizeof label, &e))
            return fu_ynode_fail(c->err, c->d, v, FU_EINPUT,
                                 "neither an element symbol nor an xc functional (%s)",
                                 fu_sweep_strip_xc(e.msg));
        for (int j = 0; j < i; j++)
            if (!strcmp(canon[j], canon[i]))
                return fu_ynode_fail(c->err, c->d, v, FU_EINPUT,
                                     "the same functional as '%.40s' (line %d)", ps->key[j],
                                     ps->key_line[j]);
        const fu_ynode *fam = NULL, *elmap = NULL;
        if (v->kind == FU_YSCALAR) {
            fam = v;
        } else if (v->kind == FU_YMAP) {
            for (int k = 0; k < v->n; k++) {
                if (!strcmp(v->key[k], "family")) {
                    fam = v->item[k];
                    continue;
                }
                if (!is_element_key(v->key[k]))
                    return fu_ynode_fail(c->err, c->d, v->item[k], FU_EINPUT,
                                         "expected 'family' or an element symbol");
                for (int j = 0; j < k; j++)
                    if (fu_element_z(v->key[j]) == fu_element_z(v->key[k]))
                        return fu_ynode_fail(c->err, c->d, v->item[k], FU_EINPUT,
                                             "given twice (line %d)", v->key_line[j]);
                char tmp[FU_SPEC_LEN];
                if ((rc = resolve_spec(c, v->item[k], tmp, sizeof tmp))) return rc;
                elmap = v;
            }
        } else {
            return fu_ynode_fail(c->err, c->d, v, FU_EINPUT,
                                 "expected a family (cp2k:GTH-PADE) or a map of element specs, "
                                 "found a sequence");
        }
        if (fam) {
            family f;
            if ((rc = parse_family(c, fam, &f))) return rc;
            /* the family's source must exist: a spec-level mistake */
            struct stat st;
            if (f.cp2k) {
                const char *text;
                fu_err e2 = {0};
                if (cp2k_text(c, f.file, &text, &e2))
                    return fu_ynode_fail(c->err, c->d, fam, FU_EINPUT, "%s", e2.msg);
            } else if (stat(f.file, &st) != 0) {
                return fu_ynode_fail(c->err, c->d, fam, FU_EINPUT,
                                     "ABINIT pseudopotential directory %s: %s", f.file,
                                     strerror(errno));
            } else if (!S_ISDIR(st.st_mode)) {
                return fu_ynode_fail(c->err, c->d, fam, FU_EINPUT,
                                     "ABINIT pseudopotential directory %s: not a directory",
                                     f.file);
            }
        }
        for (int x = 0; x < c->nxc; x++)
            if (!strcmp(c->xc[x].canon, canon[i])) {
                c->xc[x].ps = v;
                c->xc[x].family = fam;
                c->xc[x].elmap = elmap;
            }
    }
    for (int x = 0; x < c->nxc; x++)
        if (!c->xc[x].ps)
            return fu_ynode_fail(c->err, c->d, ps, FU_EINPUT,
                                 "nothing for xc '%s'; give e.g. %s: cp2k:GTH-%s", c->xc[x].name,
                                 c->xc[x].name,
                                 strcmp(c->xc[x].label, "LDA") ? c->xc[x].label : "PADE");
    return FU_OK;
}

