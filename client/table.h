/* table.h - aligned text tables for human output, with display widths that
 * count East Asian Wide/Fullwidth characters (Chinese) as two columns.
 * Independent of the locale: the width table is built in.
 *
 * A table is bounded at creation: at most max_rows rows; each cell is cut
 * to FS_TABLE_CELL_MAX display columns (with "..." marking the cut) and
 * newlines/tabs in cells print as spaces - when printed as a table; the
 * cells are kept whole for fs__table_print_csv. */
#ifndef FS_CLIENT_TABLE_H
#define FS_CLIENT_TABLE_H

#include <stddef.h>
#include <stdio.h>

#include "utf8.h" /* fs__display_width for callers that align by hand */

#define FS_TABLE_MAX_COLS 16
#define FS_TABLE_CELL_MAX 40

typedef struct fs_table fs_table;

/* ncols 1..FS_TABLE_MAX_COLS headers (copied).  FS_EINVAL, FS_ENOMEM. */
int fs__table_new(int ncols, const char *const *headers, size_t max_rows, fs_table **out);
/* Adds a row of ncols cells (NULL prints as ""; copied).  FS_EOVERFLOW
 * after max_rows rows, FS_ENOMEM. */
int fs__table_add(fs_table *t, const char *const *cells);
size_t fs__table_rows(const fs_table *t);
/* Prints headers and rows, columns separated by two spaces, padded to
 * display width (no trailing blanks). */
void fs__table_print(const fs_table *t, FILE *f);
void fs__table_free(fs_table *t); /* takes NULL */

/* fs__print_text (terminal text, multi-line notes) is in common/utf8.h. */

/* CSV (RFC 4180) through common/strbuf.h's writer (fs__strbuf_csv_cell:
 * quoting, and a leading ' before a cell that a spreadsheet would run as a
 * formula); records end in CRLF.  Cells are written whole (no cut,
 * newlines kept), UTF-8 as is.  0, FS_ENOMEM, FS_EIO. */
int fs__csv_row(FILE *f, int n, const char *const *cells);
/* The header row and every row of t as CSV. */
int fs__table_print_csv(const fs_table *t, FILE *f);
/* Prints s padded with spaces to `width` display columns. */
void fs__print_padded(FILE *f, const char *s, size_t width);

#endif
