/* table.c - aligned tables with CJK display widths (see table.h). */
#include "table.h"

#include <stdlib.h>
#include <string.h>

#include "fs_errno.h"
#include "utf8.h"

struct fs_table {
  int ncols;
  size_t max_rows, nrows, cap;
  char **cells; /* (nrows + 1) * ncols, row 0 = headers; as given (CSV
                   prints them whole), cut to a cell when printed */
  size_t width[FS_TABLE_MAX_COLS];
};

/* Copy of s fit for one cell: whitespace controls become spaces, cut to
 * FS_TABLE_CELL_MAX columns. */
static char *cell_copy(const char *s) {
  const unsigned char *p = (const unsigned char *)(s ? s : "");
  size_t len = strlen((const char *)p), w = 0, j = 0;
  int cut = fs__display_width((const char *)p) > FS_TABLE_CELL_MAX;
  char *out = malloc(len + 4);
  uint32_t cp;

  if (out == NULL)
    return NULL;
  while (len > 0) {
    size_t n = fs__utf8_next(p, len, &cp);
    int ctl = fs__cp_is_control(cp), bad = cp == 0xfffd && n == 1;
    int cw = ctl || bad ? 1 : fs__cp_width(cp);
    if (cut && w + (size_t)cw > FS_TABLE_CELL_MAX - 3) {
      memcpy(out + j, "...", 3);
      j += 3;
      break;
    }
    /* utf8.h: never a control character (nor a stray byte) on a terminal. */
    if (ctl || bad) {
      out[j++] = ctl ? ' ' : '?';
    } else {
      memcpy(out + j, p, n);
      j += n;
    }
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

int fs__table_new(int ncols, const char *const *headers, size_t max_rows, fs_table **out) {
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
    memset(nc + t->cap * (size_t)t->ncols, 0, (ncap - t->cap) * (size_t)t->ncols * sizeof(char *));
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

size_t fs__table_rows(const fs_table *t) { return t ? t->nrows : 0; }

void fs__print_padded(FILE *f, const char *s, size_t width) {
  size_t w = fs__display_width(s);

  fputs(s, f);
  for (; w < width; w++)
    fputc(' ', f);
}

void fs__print_text(FILE *f, const char *s, int indent) {
  const unsigned char *p = (const unsigned char *)(s ? s : "");
  size_t len = strlen((const char *)p);
  uint32_t cp;

  while (len > 0) {
    size_t n = fs__utf8_next(p, len, &cp);
    if (cp == '\n' && indent >= 0)
      fprintf(f, "\n%*s", indent, "");
    else if (fs__cp_is_control(cp))
      fputc(' ', f);
    else if (cp == 0xfffd && n == 1)
      fputc('?', f);
    else
      fwrite(p, 1, n, f);
    p += n;
    len -= n;
  }
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

void fs__csv_field(FILE *f, const char *s) {
  if (s == NULL)
    s = "";
  if (strpbrk(s, "\",\r\n") == NULL) {
    fputs(s, f);
    return;
  }
  fputc('"', f);
  for (; *s; s++) {
    if (*s == '"')
      fputc('"', f);
    fputc(*s, f);
  }
  fputc('"', f);
}

void fs__csv_row(FILE *f, int n, const char *const *cells) {
  for (int c = 0; c < n; c++) {
    if (c)
      fputc(',', f);
    fs__csv_field(f, cells[c]);
  }
  fputs("\r\n", f);
}

void fs__table_print_csv(const fs_table *t, FILE *f) {
  if (t == NULL)
    return;
  for (size_t r = 0; r <= t->nrows; r++)
    fs__csv_row(f, t->ncols, (const char *const *)(t->cells + r * (size_t)t->ncols));
}

void fs__table_free(fs_table *t) {
  if (t == NULL)
    return;
  for (size_t i = 0; t->cells && i < (t->nrows + 1) * (size_t)t->ncols; i++)
    free(t->cells[i]);
  free(t->cells);
  free(t);
}
