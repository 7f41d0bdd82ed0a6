/* table.c - aligned tables with CJK display widths (see table.h). */
#include "table.h"

#include <stdlib.h>
#include <string.h>

#include "fs_errno.h"
#include "strbuf.h"
#include "utf8.h"

struct fs_table {
  int ncols;
  size_t max_rows, nrows, cap;
  char **cells; /* (nrows + 1) * ncols, row 0 = headers; as given (CSV
                   prints them whole), cut to a cell when printed */
  size_t width[FS_TABLE_MAX_COLS];
};

/* Copy of s fit for one cell: shown as utf8.h says (a newline or tab as a
 * space), cut to FS_TABLE_CELL_MAX columns. */
static char *cell_copy(const char *s) {
  const unsigned char *p = (const unsigned char *)(s ? s : "");
  size_t len = strlen((const char *)p), w = 0, j = 0;
  int cut = fs__display_width((const char *)p) > FS_TABLE_CELL_MAX;
  char *out = malloc(len + 4);

  if (out == NULL)
    return NULL;
  while (len > 0) {
    const char *shown;
    size_t sl, n;
    int cw;
    n = fs__shown_next(p, len, 0, &shown, &sl, &cw);
    if (cut && w + (size_t)cw > FS_TABLE_CELL_MAX - 3) {
      memcpy(out + j, "...", 3);
      j += 3;
      break;
    }
    memcpy(out + j, shown, sl); /* sl <= n: never longer than the input */
    j += sl;
    w += (size_t)cw;
    p += n;
    len -= n;
  }
  out[j] = '\0';
  return out;
}

/* Display width of s as one cell; (size_t)-1 if out of memory. */
static size_t cell_width(const char *s) {
  char *cell = cell_copy(s);
  size_t w;

  if (cell == NULL)
    return (size_t)-1;
  w = fs__display_width(cell);
  free(cell);
  return w;
}

int fs__table_new(int ncols, const char *const *headers, size_t max_rows,
                  fs_table **out) {
  fs_table *t;

  if (out == NULL || ncols < 1 || ncols > FS_TABLE_MAX_COLS || headers == NULL)
    return FS_EINVAL;
  *out = NULL;
  t = calloc(1, sizeof(*t));
  if (t == NULL)
    return FS_ENOMEM;
  t->ncols = ncols;
  t->max_rows = max_rows;
  t->cap = 16;
  t->cells = calloc(t->cap * (size_t)ncols, sizeof(char *));
  if (t->cells == NULL) {
    free(t);
    return FS_ENOMEM;
  }
  for (int c = 0; c < ncols; c++) {
    t->cells[c] = strdup(headers[c] ? headers[c] : "");
    if (t->cells[c] == NULL || (t->width[c] = cell_width(headers[c])) == (size_t)-1) {
      fs__table_free(t);
      return FS_ENOMEM;
    }
  }
  *out = t;
  return 0;
}

int fs__table_add(fs_table *t, const char *const *cells) {
  char **row;

  if (t == NULL || cells == NULL)
    return FS_EINVAL;
  if (t->nrows >= t->max_rows)
    return FS_EOVERFLOW;
  if (t->nrows + 2 > t->cap) {
    size_t ncap = t->cap * 2;
    char **nc = realloc(t->cells, ncap * (size_t)t->ncols * sizeof(char *));
    if (nc == NULL)
      return FS_ENOMEM;
    memset(nc + t->cap * (size_t)t->ncols, 0,
           (ncap - t->cap) * (size_t)t->ncols * sizeof(char *));
    t->cells = nc;
    t->cap = ncap;
  }
  row = t->cells + (t->nrows + 1) * (size_t)t->ncols;
  for (int c = 0; c < t->ncols; c++) {
    size_t w = cell_width(cells[c]);
    row[c] = w == (size_t)-1 ? NULL : strdup(cells[c] ? cells[c] : "");
    if (row[c] == NULL) {
      for (int k = 0; k < c; k++) {
        free(row[k]);
        row[k] = NULL;
      }
      return FS_ENOMEM;
    }
    if (w > t->width[c])
      t->width[c] = w;
  }
  t->nrows++;
  return 0;
}

size_t fs__table_rows(const fs_table *t) {
  return t ? t->nrows : 0;
}

void fs__print_padded(FILE *f, const char *s, size_t width) {
  size_t w = fs__display_width(s);

  fputs(s, f);
  for (; w < width; w++)
    fputc(' ', f);
}

void fs__table_print(const fs_table *t, FILE *f) {
  if (t == NULL)
    return;
  for (size_t r = 0; r <= t->nrows; r++) {
    char **row = t->cells + r * (size_t)t->ncols;
    for (int c = 0; c < t->ncols; c++) {
      char *cell = cell_copy(row[c]);
      const char *shown = cell ? cell : row[c];
      if (c == t->ncols - 1) {
        fputs(shown, f);
      } else {
        fs__print_padded(f, shown, t->width[c]);
        fputs("  ", f);
      }
      free(cell);
    }
    fputc('\n', f);
  }
}

int fs__csv_row(FILE *f, int n, const char *const *cells) {
  fs__strbuf b;
  int rc;

  /* Cells are bounded by the caller (record text, FS_TABLE_MAX_COLS). */
  fs__strbuf_init(&b, (size_t)64 << 20);
  rc = fs__strbuf_csv_row(&b, n, cells, "\r\n");
  if (rc == 0 && fwrite(b.s, 1, b.len, f) != b.len)
    rc = FS_EIO;
  fs__strbuf_release(&b);
  return rc;
}

int fs__table_print_csv(const fs_table *t, FILE *f) {
  int rc = 0;

  if (t == NULL)
    return FS_EINVAL;
  for (size_t r = 0; rc == 0 && r <= t->nrows; r++)
    rc = fs__csv_row(f, t->ncols, (const char *const *)(t->cells + r * (size_t)t->ncols));
  return rc;
}

void fs__table_free(fs_table *t) {
  if (t == NULL)
    return;
  for (size_t i = 0; t->cells && i < (t->nrows + 1) * (size_t)t->ncols; i++)
    free(t->cells[i]);
  free(t->cells);
  free(t);
}
