/* table.c - aligned tables with CJK display widths (see table.h). */
#include "table.h"

#include <stdlib.h>
#include <string.h>

#include "fs_errno.h"

struct fs_table {
  int ncols;
  size_t max_rows, nrows, cap;
  char **cells; /* (nrows + 1) * ncols, row 0 = headers; as given (CSV
                   prints them whole), cut to a cell when printed */
  size_t width[FS_TABLE_MAX_COLS];
};

/* East Asian Wide (W) and Fullwidth (F) ranges, from Unicode's
 * EastAsianWidth.txt, coarsened to blocks; sorted. */
static const struct {
  unsigned lo, hi;
} wide[] = {
    {0x1100, 0x115f},   {0x231a, 0x231b},   {0x2329, 0x232a},   {0x23e9, 0x23ec},
    {0x2e80, 0x303e},   {0x3041, 0x33ff},   {0x3400, 0x4dbf},   {0x4e00, 0x9fff},
    {0xa000, 0xa4cf},   {0xa960, 0xa97f},   {0xac00, 0xd7a3},   {0xf900, 0xfaff},
    {0xfe10, 0xfe19},   {0xfe30, 0xfe6f},   {0xff00, 0xff60},   {0xffe0, 0xffe6},
    {0x16fe0, 0x18cff}, {0x1b000, 0x1b2ff}, {0x1f004, 0x1f004}, {0x1f0cf, 0x1f0cf},
    {0x1f18e, 0x1f18e}, {0x1f191, 0x1f19a}, {0x1f200, 0x1f251}, {0x1f300, 0x1f64f},
    {0x1f680, 0x1f6ff}, {0x1f900, 0x1f9ff}, {0x1fa70, 0x1faff}, {0x20000, 0x2fffd},
    {0x30000, 0x3fffd},
};

int fs__cp_width(unsigned cp) {
  size_t lo = 0, hi = sizeof(wide) / sizeof(wide[0]);

  if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0))
    return 0;
  /* Combining marks and zero-width characters. */
  if ((cp >= 0x300 && cp <= 0x36f) || (cp >= 0x200b && cp <= 0x200f) ||
      (cp >= 0xfe00 && cp <= 0xfe0f) || (cp >= 0x20d0 && cp <= 0x20ff))
    return 0;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (cp < wide[mid].lo)
      hi = mid;
    else if (cp > wide[mid].hi)
      lo = mid + 1;
    else
      return 2;
  }
  return 1;
}

/* Decodes one UTF-8 sequence at s; returns its length (1 for a bad byte,
 * with *cp = 0xfffd). */
static size_t utf8_next(const unsigned char *s, unsigned *cp) {
  unsigned c = s[0];
  size_t n;

  if (c < 0x80) {
    *cp = c;
    return 1;
  }
  if (c >= 0xc2 && c < 0xe0)
    n = 2, c &= 0x1f;
  else if (c >= 0xe0 && c < 0xf0)
    n = 3, c &= 0x0f;
  else if (c >= 0xf0 && c < 0xf5)
    n = 4, c &= 0x07;
  else {
    *cp = 0xfffd;
    return 1;
  }
  for (size_t i = 1; i < n; i++) {
    if ((s[i] & 0xc0) != 0x80) {
      *cp = 0xfffd;
      return 1;
    }
    c = (c << 6) | (s[i] & 0x3f);
  }
  *cp = c;
  return n;
}

size_t fs__display_width(const char *s) {
  const unsigned char *p = (const unsigned char *)s;
  size_t w = 0;
  unsigned cp;

  while (p && *p) {
    p += utf8_next(p, &cp);
    w += (size_t)fs__cp_width(cp);
  }
  return w;
}

/* Copy of s fit for one cell: whitespace controls become spaces, cut to
 * FS_TABLE_CELL_MAX columns. */
static char *cell_copy(const char *s) {
  const unsigned char *p = (const unsigned char *)(s ? s : "");
  size_t len = strlen((const char *)p), w = 0, j = 0;
  int cut = fs__display_width((const char *)p) > FS_TABLE_CELL_MAX;
  char *out = malloc(len + 4);
  unsigned cp;

  if (out == NULL)
    return NULL;
  while (*p) {
    size_t n = utf8_next(p, &cp);
    int cw = cp < 0x20 ? 1 : fs__cp_width(cp);
    if (cut && w + (size_t)cw > FS_TABLE_CELL_MAX - 3) {
      memcpy(out + j, "...", 3);
      j += 3;
      break;
    }
    if (cp < 0x20) {
      out[j++] = ' ';
    } else {
      memcpy(out + j, p, n);
      j += n;
    }
    w += (size_t)cw;
    p += n;
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
