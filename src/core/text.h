/* Text that furui stores and prints: UTF-8 without control characters. */
#ifndef FURUI_CORE_TEXT_H
#define FURUI_CORE_TEXT_H

/* 1 if s is valid UTF-8 (shortest forms, no surrogates, at most U+10FFFF)
 * and holds no C0 control character or DEL; 0 otherwise. */
int fu_text_is_clean(const char *s);

/* Replaces every byte that breaks the rule above by '?', in place; returns
 * the number of bytes replaced. */
int fu_text_sanitize(char *s);

#endif
