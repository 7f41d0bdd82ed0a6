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
/* THE JSON string escaper (RFC 8259) of the one JSON writer (json.h).  Writes
 * the escape of byte c into esc (NUL-terminated) and returns its length
 * (2..6), or returns 0 if c stands for itself (UTF-8 bytes and DEL do).
 * Quote, backslash, \b \f \n \r \t get two-character escapes, other
 * controls \u00XX. */
#define FS_JSON_ESC_MAX 7 /* bytes of esc */
size_t fs__json_escape(unsigned char c, char esc[FS_JSON_ESC_MAX]);
/* Appends s for a terminal (common/utf8.h: control characters as spaces,
 * stray bytes as '?') padded with spaces to `width` display columns
 * (CJK wide characters count 2; fs__display_width); longer text is cut at
 * a character boundary.  width < 0: the whole text, unpadded. */
int fs__strbuf_pad(fs__strbuf *b, const char *s, int width);
/* THE CSV writer (RFC 4180), shared by every CSV the product writes (the
 * CLI's lists, the reports of fieldsync and fieldsyncd).  One cell: a cell
 * holding a comma, double quote, CR or LF is put in double quotes with
 * inner quotes doubled; UTF-8 and line breaks are kept whole.  Formula
 * injection (OWASP): a cell that begins with '=', '+', '-', '@', TAB or CR
 * gets a leading "'" so a spreadsheet shows it as text instead of running
 * it, unless the whole cell is a plain decimal number (-?[0-9]+(.[0-9]+)?):
 * numbers, negative ones included, stay numbers.  NULL is "". */
int fs__strbuf_csv_cell(fs__strbuf *b, const char *s);
/* n cells separated by commas, then eol ("\r\n" for RFC 4180 records). */
int fs__strbuf_csv_row(fs__strbuf *b, int n, const char *const *cells, const char *eol);
/* Hands the text to the caller (malloc'd; "" if empty) and resets b. */
char *fs__strbuf_take(fs__strbuf *b);

#endif
