/* utf8.h - decoding and terminal display of UTF-8 text, for every human
 * output (the CLI's tables and cards, the reports, the daemon's admin
 * listings).  Independent of the locale: the width table is built in.
 *
 * Text in records is any valid UTF-8 (common/validate.c), control
 * characters included, and it may come from another person's device.
 * Human output therefore never writes a control character (C0, DEL, C1)
 * as it is: an escape sequence in a customer's name must not drive the
 * manager's terminal.  It shows a control character as a space and a byte
 * that is not UTF-8 as '?', one column each.  --json and --csv keep text
 * whole (escaped/quoted).
 * fs__shown_next below is the one place that rule is written; every human
 * writer (fs__print_text, fs__strbuf_pad, the CLI's tables, the daemon's
 * admin listings and reports) goes through it.
 * Nothing here allocates. */
#ifndef FS_UTF8_H
#define FS_UTF8_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Decodes one UTF-8 sequence at s (n > 0 bytes available); returns its
 * length.  An invalid or truncated sequence (overlong lead bytes C0/C1,
 * leads above F4, a missing continuation) is one byte with *cp = U+FFFD. */
size_t fs__utf8_next(const unsigned char *s, size_t n, uint32_t *cp);

/* 1 for a control character: C0 (below U+0020), DEL, C1 (U+0080..U+009F). */
int fs__cp_is_control(uint32_t cp);

/* Display columns of one code point: 0 (controls, combining marks,
 * zero-width characters), 1, or 2 (East Asian Wide and Fullwidth). */
int fs__cp_width(uint32_t cp);

/* Display columns of a NUL-terminated UTF-8 string as human output shows
 * it (a control character or a stray byte: 1); NULL is 0. */
size_t fs__display_width(const char *s);

/* THE sanitiser of human output.  One character of s (n > 0 bytes) as a
 * terminal is shown it: *shown points at the bytes to write (the character
 * itself, " " for a control character, "?" for a byte that is not UTF-8),
 * *shown_len is their length and *cols their display columns.  With
 * keep_newline a '\n' is shown as itself (0 columns), else as a space.
 * Returns how many bytes of s the character took (>= 1). */
size_t fs__shown_next(const unsigned char *s, size_t n, int keep_newline,
                      const char **shown, size_t *shown_len, int *cols);

/* Prints text for a terminal through fs__shown_next: control characters
 * as spaces, stray bytes as '?'; with indent >= 0 a newline is kept and
 * the next line indented by that many spaces (multi-line notes in a card,
 * the lines of an admin listing); with indent < 0 a newline is a space
 * too.  NULL prints nothing. */
void fs__print_text(FILE *f, const char *s, int indent);

/* Rewrites the NUL-terminated s in place as one line of human output
 * (fs__shown_next without newlines: never longer); returns its new length.
 * For writers that must emit a line in one call (the log). */
size_t fs__shown_line(char *s);

#endif
