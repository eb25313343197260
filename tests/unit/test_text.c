// labels: unit
/* core/text.h against the UTF-8 definition (RFC 3629): ASCII, 2-, 3- and
 * 4-byte sequences up to U+10FFFF are clean; overlong forms, UTF-16
 * surrogates, code points above U+10FFFF, stray continuation bytes,
 * truncated sequences and C0/DEL control characters are not, and
 * sanitising replaces exactly the offending bytes. */
#include <string.h>

#include "check.h"
#include "core/text.h"

int main(void) {
    CHECK(fu_text_is_clean(""), "empty string");
    CHECK(fu_text_is_clean("NaCl/rocksalt/lda/ecut=12Ha"), "ASCII label");
    CHECK(fu_text_is_clean("\xce\x93-X|U-X"), "U+0393 (2 bytes)");
    CHECK(fu_text_is_clean("\xe7\xaf\xa9 \xc3\x85"), "U+7BE9 (3 bytes) and U+00C5");
    CHECK(fu_text_is_clean("\xf4\x8f\xbf\xbf"), "U+10FFFF, the largest code point");
    CHECK(!fu_text_is_clean("\xf4\x90\x80\x80"), "U+110000 is not Unicode");
    CHECK(!fu_text_is_clean("\xc0\xaf"), "overlong '/' (2 bytes)");
    CHECK(!fu_text_is_clean("\xe0\x80\xaf"), "overlong '/' (3 bytes)");
    CHECK(!fu_text_is_clean("\xed\xa0\x80"), "UTF-16 surrogate U+D800");
    CHECK(!fu_text_is_clean("Si\xff"), "0xFF never appears in UTF-8");
    CHECK(!fu_text_is_clean("\x80"), "stray continuation byte");
    CHECK(!fu_text_is_clean("\xe7\xaf"), "truncated 3-byte sequence");
    CHECK(!fu_text_is_clean("a\nb"), "newline is a control character");
    CHECK(!fu_text_is_clean("\x1b[31m"), "terminal escape");
    CHECK(!fu_text_is_clean("del\x7f"), "DEL");
    char s[] = "Si\xff\xfe\xc0\xaf ok \xce\x93\n";
    CHECK(fu_text_sanitize(s) == 5 && strcmp(s, "Si???? ok \xce\x93?") == 0,
          "sanitize replaces the 5 offending bytes, keeps valid multi-byte characters");
    CHECK(fu_text_is_clean(s), "sanitized text is clean");
    CHECK_DONE();
}
