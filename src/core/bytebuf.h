/* A growable byte buffer for the little-endian encodings furui writes (journal records,
 * the farm's task message). An allocation failure sets oom and makes later writes do
 * nothing, so an encoder checks once, at its end. */
#ifndef FURUI_CORE_BYTEBUF_H
#define FURUI_CORE_BYTEBUF_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    unsigned char *p; /* malloc'd; the caller frees it */
    size_t len, cap;
    int oom;
} fu_bytebuf;

void fu_bytebuf_put(fu_bytebuf *b, const void *d, size_t n);
void fu_bytebuf_u8(fu_bytebuf *b, unsigned v);
void fu_bytebuf_u32(fu_bytebuf *b, uint32_t v);
void fu_bytebuf_i32(fu_bytebuf *b, int v);
void fu_bytebuf_f64(fu_bytebuf *b, double v); /* the IEEE bits, bit for bit */

#endif
