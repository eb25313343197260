#include "core/yamldoc.h"
#include "core/regfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "core/units.h"

/* ------------------------------------------------------------------ errors */

/* Messages must stay on one line even when they quote hostile keys/values. */
static void one_line(fu_err *err) {
    for (char *c = err->msg; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f) *c = '?';
}

static int vfail_at(fu_err *err, const fu_ydoc *doc, int line, const char *name,
                    fu_status code, const char *fmt, va_list ap) {
    if (!err) return (int)code;
    const char *path = doc && doc->path ? doc->path : "(input)";
    int w = line > 0 ? snprintf(err->msg, sizeof err->msg, "%s:%d: %s: ", path, line, name)
                     : snprintf(err->msg, sizeof err->msg, "%s: %s: ", path, name);
    if (w >= 0 && (size_t)w < sizeof err->msg)
        vsnprintf(err->msg + w, sizeof err->msg - (size_t)w, fmt, ap);
    err->code = code;
    one_line(err);
    return (int)code;
}

static int fail_at(fu_err *err, const fu_ydoc *doc, int line, const char *name,
                   fu_status code, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static int fail_at(fu_err *err, const fu_ydoc *doc, int line, const char *name,
                   fu_status code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int rc = vfail_at(err, doc, line, name, code, fmt, ap);
    va_end(ap);
    return rc;
}

void fu_ynode_name(const fu_ynode *node, char *buf, size_t len) {
    if (!buf || len == 0) return;
    buf[0] = '\0';
    const fu_ynode *chain[FU_YDOC_MAX_DEPTH + 2];
    int depth = 0;
    for (const fu_ynode *n = node; n && n->parent && depth < FU_YDOC_MAX_DEPTH + 2; n = n->parent)
        chain[depth++] = n;
    if (depth == 0) {
        snprintf(buf, len, "(top level)");
        return;
    }
    size_t used = 0;
    for (int d = depth - 1; d >= 0 && used < len; d--) {
        const fu_ynode *n = chain[d];
        int w;
        if (n->parent->kind == FU_YMAP)
            w = snprintf(buf + used, len - used, "%s%s", used ? "." : "", n->parent->key[n->index]);
        else
            w = snprintf(buf + used, len - used, "[%d]", n->index);
        if (w < 0) break;
        used += (size_t)w;
    }
}

int fu_ynode_fail(fu_err *err, const fu_ydoc *doc, const fu_ynode *node, fu_status code,
                  const char *fmt, ...) {
    char name[512];
    fu_ynode_name(node, name, sizeof name);
    va_list ap;
    va_start(ap, fmt);
    int rc = vfail_at(err, doc, node ? node->line : 0, name, code, fmt, ap);
    va_end(ap);
    return rc;
}

const char *fu_ykind_name(fu_ykind kind) {
    switch (kind) {
    case FU_YSCALAR: return "scalar";
    case FU_YSEQ: return "sequence";
    case FU_YMAP: return "map";
    }
    return "?";
}

/* A value quoted in a message, shortened so hostile scalars cannot fill it. */
static const char *shorten(const char *s, char *buf, size_t len) {
    size_t n = strlen(s);
    if (n < len) return s;
    snprintf(buf, len, "%.*s...", (int)(len - 4), s);
    return buf;
}

/* ------------------------------------------------------------------- tree */

static void node_free(fu_ynode *n) {
    if (!n) return;
    for (int i = 0; i < n->n; i++) {
        node_free(n->item[i]);
        if (n->key) free(n->key[i]);
    }
    free(n->item);
    free(n->key);
    free(n->key_line);
    free(n->value);
    free(n);
}

void fu_ydoc_free(fu_ydoc *doc) {
    if (!doc) return;
    node_free(doc->root);
    free(doc->text);
    free(doc->path);
    memset(doc, 0, sizeof *doc);
}

/* Appends child (with its key for maps; key ownership passes) to parent. */
static int append(fu_ynode *parent, fu_ynode *child, char *key, int key_line) {
    if (parent->n == parent->cap) {
        int cap = parent->cap ? 2 * parent->cap : 4;
        fu_ynode **item = realloc(parent->item, (size_t)cap * sizeof *item);
        if (!item) return -1;
        parent->item = item;
        if (parent->kind == FU_YMAP) {
            char **k = realloc(parent->key, (size_t)cap * sizeof *k);
            if (!k) return -1;
            parent->key = k;
            int *kl = realloc(parent->key_line, (size_t)cap * sizeof *kl);
            if (!kl) return -1;
            parent->key_line = kl;
        }
        parent->cap = cap;
    }
    child->parent = parent;
    child->index = parent->n;
    parent->item[parent->n] = child;
    if (parent->kind == FU_YMAP) {
        parent->key[parent->n] = key;
        parent->key_line[parent->n] = key_line;
        child->line = key_line; /* "key:" rather than the first line of a block below it */
    }
    parent->n++;
    return 0;
}

typedef struct {
    fu_ynode *node;
    char *key;     /* map: key read, waiting for its value */
    int key_line;
} frame;

typedef struct {
    const char *key;
    int idx;
} keyref;

static int keyref_cmp(const void *a, const void *b) {
    const keyref *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : (x->idx > y->idx) - (x->idx < y->idx);
}

/* Duplicate keys, found by sorting so hostile maps with many keys stay
 * O(n log n); reports the earliest second occurrence. */
static int check_duplicates(const fu_ydoc *doc, const fu_ynode *map, fu_err *err) {
    if (map->n < 2) return FU_OK;
    keyref *r = malloc((size_t)map->n * sizeof *r);
    if (!r) return fu_fail(err, FU_ENOMEM, "%s: out of memory", doc->path);
    for (int i = 0; i < map->n; i++) r[i] = (keyref){map->key[i], i};
    qsort(r, (size_t)map->n, sizeof *r, keyref_cmp);
    int dup = -1, first = -1, head = 0;
    for (int i = 1; i < map->n; i++) {
        if (strcmp(r[i].key, r[i - 1].key) != 0) {
            head = i;
            continue;
        }
        if (dup < 0 || r[i].idx < dup) {
            dup = r[i].idx;
            first = r[head].idx;
        }
    }
    free(r);
    if (dup < 0) return FU_OK;
    return fu_ynode_fail(err, doc, map->item[dup], FU_EINPUT,
                         "duplicate key (first given at line %d)", map->key_line[first]);
}

/* 1-based line of byte offset off in the text. */
static int line_of_offset(const fu_ydoc *doc, size_t off) {
    int line = 1;
    for (size_t i = 0; i < off && i < doc->len; i++)
        if (doc->text[i] == '\n') line++;
    return line;
}

/* Whether the (0-based) line contains a tab: libyaml's message for a tab in
 * indentation is cryptic, so the error adds a hint. */
static int line_has_tab(const fu_ydoc *doc, size_t line0) {
    size_t i = 0, l = 0;
    while (i < doc->len && l < line0) {
        if (doc->text[i] == '\n') l++;
        i++;
    }
    for (; i < doc->len && doc->text[i] != '\n'; i++)
        if (doc->text[i] == '\t') return 1;
    return 0;
}

static int syntax_error(const fu_ydoc *doc, const yaml_parser_t *p, fu_err *err) {
    const char *problem = p->problem ? p->problem : "unknown error";
    switch (p->error) {
    case YAML_MEMORY_ERROR:
        return fu_fail(err, FU_ENOMEM, "%s: out of memory while parsing YAML", doc->path);
    case YAML_READER_ERROR: {
        int bad_utf8 = strstr(problem, "UTF-8") != NULL;
        return fail_at(err, doc, line_of_offset(doc, p->problem_offset),
                       bad_utf8 ? "encoding" : "characters", FU_EINPUT,
                       "%s at byte %zu%s", problem, p->problem_offset,
                       bad_utf8 ? "; the file must be UTF-8 text" : "");
    }
    default: {
        size_t line0 = p->problem_mark.line;
        char ctx[256] = "";
        if (p->context)
            snprintf(ctx, sizeof ctx, " (%s at line %zu)", p->context,
                     (size_t)p->context_mark.line + 1);
        return fail_at(err, doc, (int)line0 + 1, "syntax", FU_EINPUT, "%s%s%s", problem, ctx,
                       line_has_tab(doc, line0) ? "; tabs are not allowed for indentation" : "");
    }
    }
}

static fu_ynode *new_node(fu_ydoc *doc, fu_ykind kind, const yaml_event_t *ev) {
    if (doc->nnodes >= FU_YDOC_MAX_NODES) return NULL;
    fu_ynode *n = calloc(1, sizeof *n);
    if (!n) return NULL;
    n->kind = kind;
    n->line = (int)ev->start_mark.line + 1;
    doc->nnodes++;
    return n;
}

/* Anchors, aliases and explicit tags: rejected (see the header). */
static int check_props(const fu_ydoc *doc, const yaml_char_t *anchor, const yaml_char_t *tag,
                       const yaml_event_t *ev, fu_err *err) {
    int line = (int)ev->start_mark.line + 1;
    if (anchor)
        return fail_at(err, doc, line, "anchor", FU_EINPUT,
                       "anchors (&%s) and aliases are not supported; write the value out",
                       (const char *)anchor);
    if (tag)
        return fail_at(err, doc, line, "tag", FU_EINPUT,
                       "explicit tags (%s) are not supported; write a plain value",
                       (const char *)tag);
    return FU_OK;
}

/* Builds the tree from libyaml events. */
static int build(fu_ydoc *doc, fu_err *err) {
    yaml_parser_t p;
    if (!yaml_parser_initialize(&p))
        return fu_fail(err, FU_ENOMEM, "%s: cannot initialise the YAML parser", doc->path);
    yaml_parser_set_input_string(&p, (const unsigned char *)doc->text, doc->len);
    /* Forced, so a UTF-16 byte-order mark is an encoding error, not a switch. */
    yaml_parser_set_encoding(&p, YAML_UTF8_ENCODING);

    frame stack[FU_YDOC_MAX_DEPTH + 1];
    int depth = 0, ndocs = 0, done = 0, rc = FU_OK;
    while (!done && rc == FU_OK) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&p, &ev)) {
            rc = syntax_error(doc, &p, err);
            break;
        }
        int line = (int)ev.start_mark.line + 1;
        fu_ynode *node = NULL;
        switch (ev.type) {
        case YAML_STREAM_END_EVENT: done = 1; break;
        case YAML_DOCUMENT_START_EVENT:
            if (++ndocs > 1)
                rc = fail_at(err, doc, line, "document", FU_EINPUT,
                             "a second YAML document ('---') is not allowed; one document "
                             "per file");
            break;
        case YAML_ALIAS_EVENT:
            rc = fail_at(err, doc, line, "alias", FU_EINPUT,
                         "aliases (*%s) and anchors are not supported; write the value out",
                         (const char *)ev.data.alias.anchor);
            break;
        case YAML_SCALAR_EVENT:
            rc = check_props(doc, ev.data.scalar.anchor, ev.data.scalar.tag, &ev, err);
            if (rc) break;
            if (memchr(ev.data.scalar.value, '\0', ev.data.scalar.length)) {
                rc = fail_at(err, doc, line, "characters", FU_EINPUT,
                             "a value contains a NUL character");
                break;
            }
            node = new_node(doc, FU_YSCALAR, &ev);
            if (node) {
                node->plain = ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
                node->value = malloc(ev.data.scalar.length + 1);
                if (node->value) {
                    memcpy(node->value, ev.data.scalar.value, ev.data.scalar.length);
                    node->value[ev.data.scalar.length] = '\0';
                }
            }
            break;
        case YAML_SEQUENCE_START_EVENT:
            rc = check_props(doc, ev.data.sequence_start.anchor, ev.data.sequence_start.tag,
                             &ev, err);
            if (!rc) node = new_node(doc, FU_YSEQ, &ev);
            break;
        case YAML_MAPPING_START_EVENT:
            rc = check_props(doc, ev.data.mapping_start.anchor, ev.data.mapping_start.tag,
                             &ev, err);
            if (!rc) node = new_node(doc, FU_YMAP, &ev);
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            depth--;
            if (stack[depth].node->kind == FU_YMAP)
                rc = check_duplicates(doc, stack[depth].node, err);
            break;
        default: break; /* stream start, document end */
        }
        int is_start = ev.type == YAML_SEQUENCE_START_EVENT || ev.type == YAML_MAPPING_START_EVENT;
        int is_node = is_start || ev.type == YAML_SCALAR_EVENT;
        yaml_event_delete(&ev);
        if (rc || !is_node) continue;

        if (!node || (node->kind == FU_YSCALAR && !node->value)) {
            if (doc->nnodes >= FU_YDOC_MAX_NODES)
                rc = fail_at(err, doc, line, "document", FU_EINPUT,
                             "more than %d values; not an input file", FU_YDOC_MAX_NODES);
            else
                rc = fu_fail(err, FU_ENOMEM, "%s:%d: out of memory", doc->path, line);
            node_free(node);
            continue;
        }
        frame *top = depth ? &stack[depth - 1] : NULL;
        if (!top) {
            doc->root = node;
        } else if (top->node->kind == FU_YMAP && !top->key) {
            /* A key. Only scalars: complex keys cannot be named in messages. */
            char name[512];
            fu_ynode_name(top->node, name, sizeof name);
            if (node->kind != FU_YSCALAR) {
                rc = fail_at(err, doc, line, name, FU_EINPUT,
                             "a %s as a map key is not supported", fu_ykind_name(node->kind));
                node_free(node);
                continue;
            }
            if (strlen(node->value) > FU_YDOC_MAX_KEY) {
                rc = fail_at(err, doc, line, name, FU_EINPUT, "key longer than %d characters",
                             FU_YDOC_MAX_KEY);
                node_free(node);
                continue;
            }
            top->key = node->value;
            top->key_line = node->line;
            node->value = NULL;
            node_free(node);
            doc->nnodes--;
            continue;
        } else {
            if (append(top->node, node, top->key, top->key_line)) {
                rc = fu_fail(err, FU_ENOMEM, "%s:%d: out of memory", doc->path, line);
                node_free(node);
                continue;
            }
            top->key = NULL;
        }
        if (is_start) {
            if (depth >= FU_YDOC_MAX_DEPTH) {
                rc = fail_at(err, doc, line, "document", FU_EINPUT,
                             "nested deeper than %d levels", FU_YDOC_MAX_DEPTH);
                continue;
            }
            stack[depth++] = (frame){node, NULL, 0};
        }
    }
    for (int d = 0; d < depth; d++) free(stack[d].key);
    yaml_parser_delete(&p);
    if (rc) return rc;
    if (!doc->root || fu_ynode_is_null(doc->root))
        return fail_at(err, doc, 1, "document", FU_EINPUT,
                       "empty document (nothing but blanks or comments)");
    return FU_OK;
}

int fu_ydoc_parse(const char *text, size_t len, const char *origin, fu_ydoc *doc,
                  fu_err *err) {
    memset(doc, 0, sizeof *doc);
    doc->path = strdup(origin ? origin : "(input)");
    if (!doc->path) return fu_fail(err, FU_ENOMEM, "out of memory");
    if (len > FU_YDOC_MAX_BYTES) {
        int rc = fail_at(err, doc, 0, "file", FU_EINPUT, "too large (%zu bytes; limit %u)",
                         len, FU_YDOC_MAX_BYTES);
        fu_ydoc_free(doc);
        return rc;
    }
    doc->text = malloc(len + 1);
    if (!doc->text) {
        fu_ydoc_free(doc);
        return fu_fail(err, FU_ENOMEM, "%s: out of memory", origin);
    }
    if (len) memcpy(doc->text, text, len);
    doc->text[len] = '\0';
    doc->len = len;
    int rc = build(doc, err);
    if (rc) fu_ydoc_free(doc);
    return rc;
}

int fu_ydoc_load(const char *path, fu_ydoc *doc, fu_err *err) {
    memset(doc, 0, sizeof *doc);
    struct stat st;
    int fd = fu_open_regular(path, &st, err); /* a FIFO would block in open(2) */
    if (fd < 0) return FU_EIO;
    if (st.st_size > (off_t)FU_YDOC_MAX_BYTES) {
        close(fd);
        return fu_fail(err, FU_EINPUT, "%s: file: too large (%lld bytes; limit %u)", path,
                       (long long)st.st_size, FU_YDOC_MAX_BYTES);
    }
    /* Read to EOF rather than trusting st_size: the file may change. */
    size_t cap = (size_t)st.st_size + 1, len = 0;
    char *buf = malloc(cap);
    if (!buf) {
        close(fd);
        return fu_fail(err, FU_ENOMEM, "%s: out of memory", path);
    }
    for (;;) {
        if (len == cap) {
            if (cap > FU_YDOC_MAX_BYTES) {
                free(buf);
                close(fd);
                return fu_fail(err, FU_EINPUT, "%s: file: too large (limit %u bytes)", path,
                               FU_YDOC_MAX_BYTES);
            }
            char *nb = realloc(buf, 2 * cap);
            if (!nb) {
                free(buf);
                close(fd);
                return fu_fail(err, FU_ENOMEM, "%s: out of memory", path);
            }
            buf = nb;
            cap *= 2;
        }
        ssize_t r = read(fd, buf + len, cap - len);
        if (r < 0) {
            if (errno == EINTR) continue;
            int e = errno;
            free(buf);
            close(fd);
            return fu_fail(err, FU_EIO, "%s: cannot read: %s", path, strerror(e));
        }
        if (r == 0) break;
        len += (size_t)r;
    }
    close(fd);
    int rc = fu_ydoc_parse(buf, len, path, doc, err);
    free(buf);
    return rc;
}

/* -------------------------------------------------------------- accessors */

int fu_ynode_is_null(const fu_ynode *n) {
    if (!n || n->kind != FU_YSCALAR || !n->plain) return 0;
    const char *v = n->value;
    return !v[0] || !strcmp(v, "~") || !strcmp(v, "null") || !strcmp(v, "Null") ||
           !strcmp(v, "NULL");
}

const fu_ynode *fu_ymap_get(const fu_ynode *map, const char *key) {
    if (!map || map->kind != FU_YMAP) return NULL;
    for (int i = 0; i < map->n; i++)
        if (!strcmp(map->key[i], key)) return map->item[i];
    return NULL;
}

int fu_ymap_require(const fu_ydoc *doc, const fu_ynode *map, const char *key,
                    const fu_ynode **out, fu_err *err) {
    *out = fu_ymap_get(map, key);
    if (*out) return FU_OK;
    char name[512];
    fu_ynode_name(map, name, sizeof name);
    char full[800];
    if (map && map->parent)
        snprintf(full, sizeof full, "%s.%s", name, key);
    else
        snprintf(full, sizeof full, "%s", key);
    return fail_at(err, doc, map ? map->line : 1, full, FU_EINPUT, "missing required key");
}

int fu_ynode_expect(const fu_ydoc *doc, const fu_ynode *n, fu_ykind kind, fu_err *err) {
    if (!n) return fu_fail(err, FU_EINTERNAL, "%s: missing node", doc ? doc->path : "?");
    if (n && n->kind == kind && !(kind == FU_YSCALAR && fu_ynode_is_null(n))) return FU_OK;
    const char *want = kind == FU_YMAP ? "a map" : kind == FU_YSEQ ? "a list" : "a value";
    if (fu_ynode_is_null(n)) return fu_ynode_fail(err, doc, n, FU_EINPUT, "no value; expected %s", want);
    return fu_ynode_fail(err, doc, n, FU_EINPUT, "expected %s, found a %s", want,
                         fu_ykind_name(n->kind));
}

int fu_ymap_check_keys(const fu_ydoc *doc, const fu_ynode *map, const char *const *allowed,
                       fu_err *err) {
    int rc = fu_ynode_expect(doc, map, FU_YMAP, err);
    if (rc) return rc;
    for (int i = 0; i < map->n; i++) {
        int ok = 0;
        for (const char *const *a = allowed; *a && !ok; a++) ok = !strcmp(*a, map->key[i]);
        if (ok) continue;
        char list[600] = "";
        size_t used = 0;
        for (const char *const *a = allowed; *a && used < sizeof list; a++) {
            int w = snprintf(list + used, sizeof list - used, "%s%s", a == allowed ? "" : ", ", *a);
            if (w < 0) break;
            used += (size_t)w;
        }
        char name[512];
        fu_ynode_name(map->item[i], name, sizeof name);
        return fail_at(err, doc, map->key_line[i], name, FU_EINPUT, "unknown key; allowed: %s",
                       list);
    }
    return FU_OK;
}

static int need_scalar(const fu_ydoc *doc, const fu_ynode *n, const char *want, fu_err *err) {
    if (!n) return fu_fail(err, FU_EINTERNAL, "%s: missing node", doc ? doc->path : "?");
    if (n->kind != FU_YSCALAR)
        return fu_ynode_fail(err, doc, n, FU_EINPUT, "expected %s, found a %s", want,
                             fu_ykind_name(n->kind));
    if (fu_ynode_is_null(n)) return fu_ynode_fail(err, doc, n, FU_EINPUT, "no value; expected %s", want);
    return FU_OK;
}

/* Decimal number at the start of s; *end past it. 0 on success, otherwise
 * 1 = not a number, 2 = non-finite, 3 = out of range. strtod alone would
 * accept "nan", "inf", hex and leading blanks. */
static int scan_number(const char *s, double *out, const char **end) {
    *end = s;
    const char *q = s;
    if (*q == '+' || *q == '-') q++;
    if (*q == '.') q++;
    const char *w = q;
    if (!strncmp(w, "nan", 3) || !strncmp(w, "NaN", 3) || !strncmp(w, "NAN", 3) ||
        !strncmp(w, "inf", 3) || !strncmp(w, "Inf", 3) || !strncmp(w, "INF", 3))
        return 2;
    if (!(*s == '+' || *s == '-' || *s == '.' || (*s >= '0' && *s <= '9'))) return 1;
    errno = 0;
    char *e;
    double v = strtod(s, &e);
    if (e == s) return 1;
    for (const char *c = s; c < e; c++)
        if (!strchr("0123456789+-.eE", *c)) return 1;
    if (errno == ERANGE && fabs(v) > 1.0) return 3;  /* underflow to ~0 is fine */
    if (!isfinite(v)) return 2;
    *out = v;
    *end = e;
    return 0;
}

static int number_error(const fu_ydoc *doc, const fu_ynode *n, int why, const char *what,
                        fu_err *err) {
    char sb[64];
    const char *v = shorten(n->value, sb, sizeof sb);
    if (why == 2) return fu_ynode_fail(err, doc, n, FU_EINPUT, "'%s' is not a finite number", v);
    if (why == 3) return fu_ynode_fail(err, doc, n, FU_EINPUT, "'%s' is out of range", v);
    return fu_ynode_fail(err, doc, n, FU_EINPUT, "expected %s, found '%s'", what, v);
}

int fu_ynode_double(const fu_ydoc *doc, const fu_ynode *n, double *out, fu_err *err) {
    int rc = need_scalar(doc, n, "a number", err);
    if (rc) return rc;
    const char *end;
    double v;
    int why = scan_number(n->value, &v, &end);
    if (!why && *end) why = 1;
    if (why) return number_error(doc, n, why, "a number", err);
    *out = v;
    return FU_OK;
}

int fu_ynode_int(const fu_ydoc *doc, const fu_ynode *n, long min, long max, int *out,
                 fu_err *err) {
    int rc = need_scalar(doc, n, "an integer", err);
    if (rc) return rc;
    const char *s = n->value, *q = s;
    if (*q == '+' || *q == '-') q++;
    int digits = *q != '\0';
    for (const char *c = q; *c; c++) digits = digits && *c >= '0' && *c <= '9';
    if (!digits) {
        double d;
        const char *end;
        int why = scan_number(s, &d, &end);
        return number_error(doc, n, why == 2 ? 2 : 1, "an integer", err);
    }
    errno = 0;
    long v = strtol(s, NULL, 10);
    if (max > INT_MAX) max = INT_MAX;
    if (min < INT_MIN) min = INT_MIN;
    if (errno == ERANGE || v < min || v > max) {
        char sb[64];
        const char *vs = shorten(s, sb, sizeof sb);
        if (max == INT_MAX)
            return fu_ynode_fail(err, doc, n, FU_EINPUT, "must be >= %ld, got %s", min, vs);
        return fu_ynode_fail(err, doc, n, FU_EINPUT, "must be between %ld and %ld, got %s", min,
                             max, vs);
    }
    *out = (int)v;
    return FU_OK;
}

int fu_ynode_bool(const fu_ydoc *doc, const fu_ynode *n, int *out, fu_err *err) {
    int rc = need_scalar(doc, n, "true or false", err);
    if (rc) return rc;
    const char *v = n->value;
    if (!strcmp(v, "true") || !strcmp(v, "True") || !strcmp(v, "TRUE")) {
        *out = 1;
        return FU_OK;
    }
    if (!strcmp(v, "false") || !strcmp(v, "False") || !strcmp(v, "FALSE")) {
        *out = 0;
        return FU_OK;
    }
    char sb[64];
    return fu_ynode_fail(err, doc, n, FU_EINPUT, "expected true or false, found '%s'",
                         shorten(v, sb, sizeof sb));
}

int fu_ynode_string(const fu_ydoc *doc, const fu_ynode *n, const char **out, fu_err *err) {
    int rc = need_scalar(doc, n, "a text value", err);
    if (rc) return rc;
    *out = n->value;
    return FU_OK;
}

int fu_ynode_string_copy(const fu_ydoc *doc, const fu_ynode *n, char *buf, size_t len,
                         fu_err *err) {
    const char *s;
    int rc = fu_ynode_string(doc, n, &s, err);
    if (rc) return rc;
    size_t l = strlen(s);
    if (l >= len)
        return fu_ynode_fail(err, doc, n, FU_EINPUT, "too long (%zu characters; limit %zu)", l,
                             len - 1);
    memcpy(buf, s, l + 1);
    return FU_OK;
}

static int need_list(const fu_ydoc *doc, const fu_ynode *n, int count, const char *what,
                     fu_err *err) {
    if (!n) return fu_fail(err, FU_EINTERNAL, "%s: missing node", doc ? doc->path : "?");
    if (n->kind != FU_YSEQ || n->n != count) {
        if (n->kind == FU_YSEQ)
            return fu_ynode_fail(err, doc, n, FU_EINPUT, "expected a list of %d %s, found %d",
                                 count, what, n->n);
        return fu_ynode_fail(err, doc, n, FU_EINPUT, "expected a list of %d %s like [%s], found %s",
                             count, what, count == 3 ? "1, 2, 3" : "...",
                             fu_ynode_is_null(n) ? "no value" :
                             n->kind == FU_YMAP ? "a map" : "a single value");
    }
    return FU_OK;
}

int fu_ynode_doubles(const fu_ydoc *doc, const fu_ynode *n, int count, double *out,
                     fu_err *err) {
    int rc = need_list(doc, n, count, "numbers", err);
    for (int i = 0; !rc && i < count; i++) rc = fu_ynode_double(doc, n->item[i], &out[i], err);
    return rc;
}

int fu_ynode_ints(const fu_ydoc *doc, const fu_ynode *n, int count, long min, long max,
                  int *out, fu_err *err) {
    int rc = need_list(doc, n, count, "integers", err);
    for (int i = 0; !rc && i < count; i++)
        rc = fu_ynode_int(doc, n->item[i], min, max, &out[i], err);
    return rc;
}

/* ------------------------------------------------------------------ units */

typedef struct {
    const char *name;
    fu_unit_kind kind;
    double to_au;
} unit_def;

static const unit_def units[] = {
    {"Ha", FU_UNIT_ENERGY, 1.0},
    {"hartree", FU_UNIT_ENERGY, 1.0},
    {"Hartree", FU_UNIT_ENERGY, 1.0},
    {"eV", FU_UNIT_ENERGY, 1.0 / FU_HA_EV},
    {"meV", FU_UNIT_ENERGY, 1e-3 / FU_HA_EV},
    {"Ry", FU_UNIT_ENERGY, 1.0 / FU_HA_RY},
    {"rydberg", FU_UNIT_ENERGY, 1.0 / FU_HA_RY},
    {"Rydberg", FU_UNIT_ENERGY, 1.0 / FU_HA_RY},
    {"K", FU_UNIT_ENERGY, FU_KB_HA_PER_K},
    {"bohr", FU_UNIT_LENGTH, 1.0},
    {"Bohr", FU_UNIT_LENGTH, 1.0},
    {"angstrom", FU_UNIT_LENGTH, 1.0 / FU_BOHR_ANGSTROM},
    {"Angstrom", FU_UNIT_LENGTH, 1.0 / FU_BOHR_ANGSTROM},
    {"Ang", FU_UNIT_LENGTH, 1.0 / FU_BOHR_ANGSTROM},
    {"\xC3\x85", FU_UNIT_LENGTH, 1.0 / FU_BOHR_ANGSTROM},     /* U+00C5 Å */
    {"\xE2\x84\xAB", FU_UNIT_LENGTH, 1.0 / FU_BOHR_ANGSTROM}, /* U+212B ANGSTROM SIGN */
    {"1/bohr", FU_UNIT_INVLENGTH, 1.0},
    {"1/Bohr", FU_UNIT_INVLENGTH, 1.0},
    {"bohr^-1", FU_UNIT_INVLENGTH, 1.0},
    {"1/angstrom", FU_UNIT_INVLENGTH, FU_BOHR_ANGSTROM},
    {"1/Angstrom", FU_UNIT_INVLENGTH, FU_BOHR_ANGSTROM},
    {"1/Ang", FU_UNIT_INVLENGTH, FU_BOHR_ANGSTROM},
    {"angstrom^-1", FU_UNIT_INVLENGTH, FU_BOHR_ANGSTROM},
    {"1/\xC3\x85", FU_UNIT_INVLENGTH, FU_BOHR_ANGSTROM},
    {"1/\xE2\x84\xAB", FU_UNIT_INVLENGTH, FU_BOHR_ANGSTROM},
};

static const char *const unit_examples[] = {
    [FU_UNIT_ENERGY] = "Ha, eV, Ry, meV, K",
    [FU_UNIT_LENGTH] = "bohr, angstrom, \xC3\x85",
    [FU_UNIT_INVLENGTH] = "1/bohr, 1/angstrom",
};
static const char *const unit_default[] = {
    [FU_UNIT_ENERGY] = "Ha", [FU_UNIT_LENGTH] = "bohr", [FU_UNIT_INVLENGTH] = "1/bohr"};

const char *fu_unit_kind_name(fu_unit_kind kind) {
    switch (kind) {
    case FU_UNIT_ENERGY: return "energy";
    case FU_UNIT_LENGTH: return "length";
    case FU_UNIT_INVLENGTH: return "inverse length";
    }
    return "?";
}

int fu_unit_lookup(const char *unit, fu_unit_kind *kind, double *to_au) {
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (!strcmp(units[i].name, unit)) {
            *kind = units[i].kind;
            *to_au = units[i].to_au;
            return 0;
        }
    return -1;
}

static int unit_of_kind(const fu_ydoc *doc, const fu_ynode *n, const char *unit,
                        fu_unit_kind kind, double *to_au, fu_err *err) {
    fu_unit_kind k;
    char sb[64];
    if (fu_unit_lookup(unit, &k, to_au) != 0)
        return fu_ynode_fail(err, doc, n, FU_EINPUT, "unknown unit '%s'; %s units: %s",
                             shorten(unit, sb, sizeof sb), fu_unit_kind_name(kind),
                             unit_examples[kind]);
    if (k != kind)
        return fu_ynode_fail(err, doc, n, FU_EINPUT, "'%s' is a%s %s unit, expected a%s %s unit (%s)",
                             unit, k == FU_UNIT_LENGTH ? "" : "n", fu_unit_kind_name(k),
                             kind == FU_UNIT_LENGTH ? "" : "n", fu_unit_kind_name(kind),
                             unit_examples[kind]);
    return FU_OK;
}

int fu_ynode_unit(const fu_ydoc *doc, const fu_ynode *n, fu_unit_kind kind, double *to_au,
                  fu_err *err) {
    int rc = need_scalar(doc, n, "a unit name", err);
    if (rc) return rc;
    return unit_of_kind(doc, n, n->value, kind, to_au, err);
}

int fu_ynode_quantity(const fu_ydoc *doc, const fu_ynode *n, fu_unit_kind kind, double *out,
                      fu_err *err) {
    char want[64];
    snprintf(want, sizeof want, "a quantity like '15 %s'", unit_default[kind]);
    int rc = need_scalar(doc, n, want, err);
    if (rc) return rc;
    const char *end;
    double v;
    int why = scan_number(n->value, &v, &end);
    if (why) return number_error(doc, n, why, want, err);
    const char *u = end;
    while (*u == ' ' || *u == '\t') u++;
    if (!*u) {
        char sb[64];
        return fu_ynode_fail(err, doc, n, FU_EINPUT, "missing unit, write e.g. '%s %s'",
                             shorten(n->value, sb, sizeof sb), unit_default[kind]);
    }
    double f;
    rc = unit_of_kind(doc, n, u, kind, &f, err);
    if (rc) return rc;
    v *= f;
    if (!isfinite(v)) return number_error(doc, n, 3, want, err);
    *out = v;
    return FU_OK;
}
