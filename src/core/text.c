#include "core/text.h"

#include <stddef.h>

/* Length of the valid UTF-8 sequence at s that is not a control character,
 * 0 if there is none. */
static size_t clean_char(const unsigned char *s) {
    unsigned c = s[0];
    if (c < 0x20 || c == 0x7f) return 0;
    if (c < 0x80) return 1;
    size_t n;
    unsigned cp, min;
    if ((c & 0xe0) == 0xc0) n = 2, cp = c & 0x1f, min = 0x80;
    else if ((c & 0xf0) == 0xe0) n = 3, cp = c & 0x0f, min = 0x800;
    else if ((c & 0xf8) == 0xf0) n = 4, cp = c & 0x07, min = 0x10000;
    else return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80) return 0; /* also stops at the NUL */
        cp = cp << 6 | (s[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
    return n;
}

int fu_text_is_clean(const char *s) {
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        size_t n = clean_char(p);
        if (!n) return 0;
        p += n;
    }
    return 1;
}

int fu_text_sanitize(char *s) {
    unsigned char *p = (unsigned char *)s;
    int replaced = 0;
    while (*p) {
        size_t n = clean_char(p);
        if (n) {
            p += n;
        } else {
            *p++ = '?';
            replaced++;
        }
    }
    return replaced;
}
