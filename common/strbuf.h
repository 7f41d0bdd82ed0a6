/* strbuf.h - a bounded text builder for human and JSON output.
 *
 * Appends never grow the text past max bytes: the first append that would
 * is dropped and sets overflow, so the caller can report "output too large"
 * instead of truncating silently.  Text is always NUL-terminated.
 */
#ifndef FS_STRBUF_H
#define FS_STRBUF_H

#include <stddef.h>

typedef struct fs__strbuf {
  char *s;
  size_t len, cap, max;
  int overflow;
} fs__strbuf;

void fs__strbuf_init(fs__strbuf *b, size_t max);
void fs__strbuf_release(fs__strbuf *b); /* takes NULL */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
int fs__strbuf_printf(fs__strbuf *b, const char *fmt, ...);
int fs__strbuf_append(fs__strbuf *b, const char *s, size_t n);
/* THE JSON string escaper (RFC 8259), shared by every JSON writer.  Writes
 * the escape of byte c into esc (NUL-terminated) and returns its length
 * (2..6), or returns 0 if c stands for itself (UTF-8 bytes and DEL do).
 * Quote, backslash, \b \f \n \r \t get two-character escapes, other
 * controls \u00XX. */
#define FS_JSON_ESC_MAX 7 /* bytes of esc */
size_t fs__json_escape(unsigned char c, char esc[FS_JSON_ESC_MAX]);
/* Appends s as a JSON string literal (quotes, fs__json_escape; UTF-8
 * kept). NULL -> null. */
int fs__strbuf_json_str(fs__strbuf *b, const char *s);
/* Appends s for a terminal (common/utf8.h: control characters as spaces,
 * stray bytes as '?') padded with spaces to `width` display columns
 * (CJK wide characters count 2; fs__display_width); longer text is cut at
 * a character boundary.  width < 0: the whole text, unpadded. */
int fs__strbuf_pad(fs__strbuf *b, const char *s, int width);
/* Hands the text to the caller (malloc'd; "" if empty) and resets b. */
char *fs__strbuf_take(fs__strbuf *b);

#endif
