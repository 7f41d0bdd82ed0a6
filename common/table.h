/* table.h - THE typed table and its renderer, shared by both programs:
 * the CLI's lists (fieldsync), the daemon's admin listings (fieldsyncd) and
 * the managers' reports of both (common/report/).  A command builds its
 * rows once, as typed cells; the renderer writes them as
 *   text  aligned columns whose widths count East Asian Wide/Fullwidth
 *         characters (Chinese) as two columns, independent of the locale;
 *         every cell shown through utf8.h's sanitiser (a control character
 *         as a space, a stray byte as '?'); text and times left-aligned,
 *         numbers right-aligned; no padding after a last text column;
 *   CSV   RFC 4180 through strbuf.h's one CSV writer (quoting, formula
 *         neutralising); cells whole (no cut, line breaks kept);
 *   JSON  through json.h's one writer: an array of objects keyed by column
 *         name, numbers as JSON numbers, an unset cell as null.
 *
 * A table is bounded at creation: at most max_rows rows.  The column
 * descriptions are copied.  Not thread-safe: one table per thread. */
#ifndef FS_TABLE_H
#define FS_TABLE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "json.h"
#include "strbuf.h"
#include "utf8.h" /* fs__display_width for callers that align by hand */

#define FS_TABLE_MAX_COLS 32
#define FS_TABLE_CELL_MAX 40 /* display columns of a cell in a list */

typedef enum fs_col_type {
  FS_COL_TEXT = 0, /* left-aligned; JSON string, null if unset or "" */
  FS_COL_INT,      /* right-aligned; JSON integer */
  FS_COL_PCT,      /* a share in percent: right-aligned, one decimal and
                      "%" in text and CSV ("42.5%"), the number in JSON
                      (42.5); unset: "n/a" in text and CSV, null in JSON */
  FS_COL_NUM,      /* right-aligned, two decimals */
  FS_COL_TIME,     /* an instant, ms since 1970, by date.h's one time rule:
                      text and CSV local time with the zone's offset
                      ("2026-12-04 13:05 +08:00"), JSON ISO 8601 with
                      offset ("2026-12-04T13:05:00+08:00"); none (<= 0 or
                      unset): "-" in text, "" in CSV, null in JSON */
  FS_COL_MONEY     /* an amount, int64 minor units (money.h): right-aligned,
                      currency units with two decimals: "12,345.60" in
                      text, "12345.60" in CSV, the number 12345.60 in JSON
                      (issue 15); unset: "" in text and CSV, null in JSON */
} fs_col_type;

typedef struct fs_col {
  const char *name; /* JSON key; the header in CSV and in text unless head */
  fs_col_type type;
  const char *head; /* the text header when it differs from name, or NULL */
} fs_col;

typedef struct fs_table fs_table;

/* A table of ncols (1..FS_TABLE_MAX_COLS) typed columns.  0, FS_EINVAL,
 * FS_ENOMEM. */
int fs__table_new_typed(const fs_col *cols, int ncols, size_t max_rows, fs_table **out);
/* A table of ncols text columns named by headers (copied). */
int fs__table_new(int ncols, const char *const *headers, size_t max_rows, fs_table **out);
void fs__table_free(fs_table *t); /* takes NULL */

/* Column col's drop rank for fitting a width (fs__table_text_fit): 0
 * (the default) never dropped; 1.. dropped when the table does not fit,
 * the highest first (give the least needed column the highest).  0 or
 * FS_EINVAL. */
int fs__table_set_drop(fs_table *t, int col, int rank);

/* Column col's drop rank (0 if never dropped or out of range). */
int fs__table_drop(const fs_table *t, int col);

/* Appends a row of unset cells (text "" , JSON null); the setters below
 * fill the last row.  0, FS_EOVERFLOW after max_rows rows, FS_ENOMEM. */
int fs__table_row(fs_table *t);
/* Cell col of the last row.  set_text copies s (NULL leaves the cell
 * unset): 0 or FS_ENOMEM.  The number setters take any numeric column. */
int fs__table_set_text(fs_table *t, int col, const char *s);
void fs__table_set_int(fs_table *t, int col, int64_t v);
void fs__table_set_num(fs_table *t, int col, double v);
/* Adds a row of ncols text cells (NULL is unset).  fs__table_row's codes. */
int fs__table_add(fs_table *t, const char *const *cells);

size_t fs__table_rows(const fs_table *t);
int fs__table_cols(const fs_table *t);
/* The text of cell (row, col) as CSV shows it ("" if unset); numbers are
 * formatted into buf.  For writers with a layout of their own. */
/* ms since 1970 as the tables show an FS_COL_TIME cell to people (local
 * "YYYY-MM-DD HH:MM +08:00", "-" for 0 or less: date.h's time rule) in
 * buf; returns buf.  For every instant a program prints for people. */
const char *fs__table_time_text(char buf[64], int64_t ms);
const char *fs__table_cell(const fs_table *t, size_t row, int col, char buf[64]);
/* Column col's description (NULL out of range), and the typed value of
 * cell (row, col): *i (INT, TIME), *d (PCT, NUM), *s (TEXT, valid while t
 * lives); returns 1 if set, 0 if unset (all zero/NULL), FS_EINVAL out of
 * range.  For callers that hand the typed cells on (fieldsync.h fs_report). */
const fs_col *fs__table_col(const fs_table *t, int col);
int fs__table_value(const fs_table *t, size_t row, int col, int64_t *i, double *d,
                    const char **s);

/* The text layout.  Both programs print ONE table style (issue 15): the
 * header, a rule of '-' under it, columns two spaces apart, cells whole
 * unless a width is to be fitted.  The two styles differ only in what an
 * empty table says. */
typedef struct fs_table_style {
  const char *sep;  /* between columns */
  int rule;         /* a line of '-' under the header */
  int cut;          /* display columns a shown cell is cut to, "..." marking
                       the cut; 0: whole */
  const char *none; /* a line printed after the header when there are no
                       rows, or NULL */
} fs_table_style;

/* Lists (CLI and admin): the one style; an empty list prints its header
 * (the caller says "(0 records)"). */
extern const fs_table_style fs__table_list;
/* Report sections: the one style, "(none)" under an empty one. */
extern const fs_table_style fs__table_report;

/* Appends t as text: the header line, the rule if any, a line per row.
 * 0, FS_EOVERFLOW (out's bound), FS_ENOMEM. */
int fs__table_text(const fs_table *t, const fs_table_style *style, fs__strbuf *out);
/* fs__table_text fitted to `width` display columns (a terminal's; 0 or
 * less: no fitting, every cell whole, as for a pipe or a file).  When the
 * whole table is wider: text columns wider than FS_TABLE_FIT_SOFT are
 * shortened to it first, then columns are dropped by their fs_col.drop
 * rank (fs__table_set_drop: highest first; 0 never), then the widest text columns are
 * shortened further (never below their header, nor below 6 columns), a
 * shortened cell ending in "...".  Numbers and times are never cut.  A
 * table that still does not fit is printed as narrow as it got.  The same
 * codes as fs__table_text. */
#define FS_TABLE_FIT_SOFT 24
int fs__table_text_fit(const fs_table *t, const fs_table_style *style, int width,
                       fs__strbuf *out);
/* Appends t as CSV, each record ending in eol ("\r\n" for RFC 4180); with
 * lead_head non-NULL every record starts with one more cell: lead_head in
 * the header, lead in the rows (a report's section name). */
int fs__table_csv(const fs_table *t, const char *lead_head, const char *lead,
                  const char *eol, fs__strbuf *out);
/* Appends n tables as ONE CSV table (a spreadsheet reads one header):
 * a header row of lead_head (if non-NULL) and the union of the tables'
 * column names in first-seen order, then each table's rows, led by
 * leads[i] (a report's section name), a column the table lacks empty.
 * 0; FS_EINVAL; FS_EOVERFLOW if the union has more than
 * FS_TABLE_CSV_MERGED_COLS columns; FS_ENOMEM; the strbuf's codes. */
#define FS_TABLE_CSV_MERGED_COLS 128
int fs__table_csv_merged(const fs_table *const *ts, const char *const *leads, int n,
                         const char *lead_head, const char *eol, fs__strbuf *out);
/* Writes t as a JSON array of objects; fs__json_end's codes. */
int fs__table_json(const fs_table *t, fs_json *j);
/* Writes row `row` of t as one JSON object. */
void fs__table_json_row(const fs_table *t, size_t row, fs_json *j);

/* ---- a table between two processes (table_pack.c) ----
 * fieldsyncd's admin listings travel to the admin's own process, which
 * renders them for its terminal (width, pager, time zone; issue 15).  The
 * packed form is text: a line "fs-table 1", a line per column
 * "c TAB type TAB drop TAB name TAB head" (head "\N" when NULL), a line
 * per row "r" followed by a TAB and a cell per column: empty (unset), "s"
 * and the text, "i" and a decimal integer, "d" and a "%.17g" number.  In
 * names, heads and text a backslash, TAB, LF and CR are written "\\",
 * "\t", "\n", "\r"; nothing else is escaped. */
/* Appends t packed to out.  0, or out's codes (FS_EOVERFLOW, FS_ENOMEM). */
int fs__table_pack(const fs_table *t, fs__strbuf *out);
/* A new *out from the n bytes of a packed table, at most max_rows rows.
 * 0; FS_EINVAL if s is not a packed table (a wrong header, a bad type, a
 * row of the wrong width, a number that does not parse: *out NULL);
 * FS_EOVERFLOW over max_rows; FS_ENOMEM. */
int fs__table_unpack(const char *s, size_t n, size_t max_rows, fs_table **out);

/* Stream conveniences for the CLI.  Print t in the list layout, whole
 * cells (fs__table_print_fit with width 0); 0, FS_ENOMEM, FS_EIO. */
int fs__table_print(const fs_table *t, FILE *f);
/* Print t in the list layout fitted to width (fs__table_text_fit). */
int fs__table_print_fit(const fs_table *t, FILE *f, int width);
/* The header row and every row of t as RFC 4180 CSV (CRLF). */
int fs__table_print_csv(const fs_table *t, FILE *f);
/* One CSV record of n cells (CRLF).  0, FS_ENOMEM, FS_EIO. */
int fs__csv_row(FILE *f, int n, const char *const *cells);
/* Prints s padded with spaces to `width` display columns. */
void fs__print_padded(FILE *f, const char *s, size_t width);

#endif
