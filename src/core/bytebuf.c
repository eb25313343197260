#include "core/bytebuf.h"

#include <stdlib.h>
#include <string.h>

void fu_bytebuf_put(fu_bytebuf *b, const void *d, size_t n) {
    if (b->oom) return;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n) cap *= 2;
        unsigned char *q = realloc(b->p, cap);
        if (!q) {
            b->oom = 1;
            return;
        }
        b->p = q;
        b->cap = cap;
    }
    if (n) memcpy(b->p + b->len, d, n);
    b->len += n;
}

void fu_bytebuf_u8(fu_bytebuf *b, unsigned v) {
    unsigned char c = (unsigned char)v;
    fu_bytebuf_put(b, &c, 1);
}

void fu_bytebuf_u32(fu_bytebuf *b, uint32_t v) {
    unsigned char c[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 24)};
    fu_bytebuf_put(b, c, 4);
}

void fu_bytebuf_i32(fu_bytebuf *b, int v) { fu_bytebuf_u32(b, (uint32_t)v); }

void fu_bytebuf_f64(fu_bytebuf *b, double v) {
    uint64_t u;
    memcpy(&u, &v, 8);
    unsigned char c[8];
    for (int i = 0; i < 8; i++) c[i] = (unsigned char)(u >> (8 * i));
    fu_bytebuf_put(b, c, 8);
}
