/* Internal to src/results: an open-addressing map from a candidate ID (16 hex
 * digits, read as a 64-bit number) to an index, so journals of many
 * candidates are collapsed in one pass with O(1) lookups. */
#ifndef FURUI_RESULTS_IDMAP_H
#define FURUI_RESULTS_IDMAP_H

#include <stdint.h>
#include <stdlib.h>

typedef struct {
    uint64_t *key;
    size_t *val;   /* SIZE_MAX marks an empty slot */
    size_t cap, n;
} fu_idmap;

static inline uint64_t fu_idmap_key(const char *id) {
    uint64_t k = 0;
    for (int i = 0; i < 16; i++) {
        char c = id[i];
        k = k << 4 | (uint64_t)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
    }
    return k;
}

static inline size_t fu_idmap_slot(uint64_t k, size_t cap) {
    /* IDs are hashes already, but mix anyway: test IDs are often sequential. */
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    return (size_t)k & (cap - 1);
}

static inline int fu_idmap_grow(fu_idmap *m) {
    size_t cap = m->cap ? m->cap * 2 : 64;
    uint64_t *key = malloc(cap * sizeof *key);
    size_t *val = malloc(cap * sizeof *val);
    if (!key || !val) {
        free(key);
        free(val);
        return -1;
    }
    for (size_t i = 0; i < cap; i++) val[i] = SIZE_MAX;
    for (size_t i = 0; i < m->cap; i++) {
        if (m->val[i] == SIZE_MAX) continue;
        size_t h = fu_idmap_slot(m->key[i], cap);
        while (val[h] != SIZE_MAX) h = (h + 1) & (cap - 1);
        key[h] = m->key[i];
        val[h] = m->val[i];
    }
    free(m->key);
    free(m->val);
    m->key = key;
    m->val = val;
    m->cap = cap;
    return 0;
}

/* Index of id; if absent, stores next_index and sets *added. SIZE_MAX when
 * out of memory. */
static inline size_t fu_idmap_get(fu_idmap *m, const char *id, size_t next_index, int *added) {
    *added = 0;
    if ((m->n + 1) * 2 > m->cap && fu_idmap_grow(m)) return SIZE_MAX;
    uint64_t k = fu_idmap_key(id);
    size_t h = fu_idmap_slot(k, m->cap);
    while (m->val[h] != SIZE_MAX) {
        if (m->key[h] == k) return m->val[h];
        h = (h + 1) & (m->cap - 1);
    }
    m->key[h] = k;
    m->val[h] = next_index;
    m->n++;
    *added = 1;
    return next_index;
}

static inline void fu_idmap_free(fu_idmap *m) {
    free(m->key);
    free(m->val);
    m->key = NULL;
    m->val = NULL;
    m->cap = m->n = 0;
}

#endif
