/* table.c - the typed table and its renderer (see table.h). */
#include "table.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "fs_errno.h"
#include "money.h"

typedef struct cell {
  int set;
  int64_t i;
  double d;
  char *s; /* owned, FS_COL_TEXT */
} cell;

struct fs_table {
  int ncols;
  int drop[FS_TABLE_MAX_COLS]; /* fs__table_set_drop */
  fs_col cols[FS_TABLE_MAX_COLS]; /* names and heads owned */
  size_t max_rows, nrows, cap;
  cell *cells; /* nrows * ncols */
};

const fs_table_style fs__table_list = {"  ", 1, 0, NULL};
const fs_table_style fs__table_report = {"  ", 1, 0, "(none)"};

/* Output too large for one list: a bound that only a runaway would hit. */
#define PRINT_MAX ((size_t)256 << 20)

int fs__table_new_typed(const fs_col *cols, int ncols, size_t max_rows, fs_table **out) {
  fs_table *t;

  if (out == NULL || cols == NULL || ncols < 1 || ncols > FS_TABLE_MAX_COLS)
    return FS_EINVAL;
  *out = NULL;
  t = calloc(1, sizeof(*t));
  if (t == NULL)
    return FS_ENOMEM;
  t->ncols = ncols;
  t->max_rows = max_rows;
  for (int c = 0; c < ncols; c++) {
    t->cols[c].type = cols[c].type;
    t->cols[c].name = strdup(cols[c].name ? cols[c].name : "");
    t->cols[c].head = cols[c].head ? strdup(cols[c].head) : NULL;
    if (t->cols[c].name == NULL || (cols[c].head && t->cols[c].head == NULL)) {
      fs__table_free(t);
      return FS_ENOMEM;
    }
  }
  *out = t;
  return 0;
}

int fs__table_new(int ncols, const char *const *headers, size_t max_rows,
                  fs_table **out) {
  fs_col cols[FS_TABLE_MAX_COLS];

  if (headers == NULL || ncols < 1 || ncols > FS_TABLE_MAX_COLS)
    return FS_EINVAL;
  for (int c = 0; c < ncols; c++) {
    cols[c].name = headers[c];
    cols[c].type = FS_COL_TEXT;
    cols[c].head = NULL;
  }
  return fs__table_new_typed(cols, ncols, max_rows, out);
}

void fs__table_free(fs_table *t) {
  if (t == NULL)
    return;
  for (size_t i = 0; t->cells && i < t->nrows * (size_t)t->ncols; i++)
    free(t->cells[i].s);
  for (int c = 0; c < t->ncols; c++) {
    free((char *)t->cols[c].name);
    free((char *)t->cols[c].head);
  }
  free(t->cells);
  free(t);
}

int fs__table_set_drop(fs_table *t, int col, int rank) {
  if (t == NULL || col < 0 || col >= t->ncols || rank < 0)
    return FS_EINVAL;
  t->drop[col] = rank;
  return 0;
}

int fs__table_drop(const fs_table *t, int col) {
  return t == NULL || col < 0 || col >= t->ncols ? 0 : t->drop[col];
}

int fs__table_row(fs_table *t) {
  if (t == NULL)
    return FS_EINVAL;
  if (t->nrows >= t->max_rows)
    return FS_EOVERFLOW;
  if (t->nrows == t->cap) {
    size_t cap = t->cap ? t->cap * 2 : 16;
    cell *c = realloc(t->cells, cap * (size_t)t->ncols * sizeof(*c));
    if (c == NULL)
      return FS_ENOMEM;
    t->cells = c;
    t->cap = cap;
  }
  memset(&t->cells[t->nrows * (size_t)t->ncols], 0, (size_t)t->ncols * sizeof(cell));
  t->nrows++;
  return 0;
}

/* Cell col of the last row. */
static cell *last(fs_table *t, int col) {
  if (t == NULL || t->nrows == 0 || col < 0 || col >= t->ncols)
    return NULL;
  return &t->cells[(t->nrows - 1) * (size_t)t->ncols + (size_t)col];
}

int fs__table_set_text(fs_table *t, int col, const char *s) {
  cell *c = last(t, col);
  char *copy;

  if (c == NULL)
    return FS_EINVAL;
  if (s == NULL)
    return 0; /* stays unset */
  copy = strdup(s);
  if (copy == NULL)
    return FS_ENOMEM;
  free(c->s);
  c->s = copy;
  c->set = 1;
  return 0;
}

void fs__table_set_int(fs_table *t, int col, int64_t v) {
  cell *c = last(t, col);
  if (c) {
    c->set = 1;
    c->i = v;
  }
}

void fs__table_set_num(fs_table *t, int col, double v) {
  cell *c = last(t, col);
  if (c) {
    c->set = 1;
    c->d = v;
  }
}

int fs__table_add(fs_table *t, const char *const *cells) {
  int rc;

  if (t == NULL || cells == NULL)
    return FS_EINVAL;
  rc = fs__table_row(t);
  if (rc)
    return rc;
  for (int c = 0; rc == 0 && c < t->ncols; c++)
    rc = fs__table_set_text(t, c, cells[c]);
  if (rc) {
    /* All or nothing: a half-filled row does not stay. */
    for (int c = 0; c < t->ncols; c++)
      free(t->cells[(t->nrows - 1) * (size_t)t->ncols + (size_t)c].s);
    t->nrows--;
  }
  return rc;
}

size_t fs__table_rows(const fs_table *t) {
  return t ? t->nrows : 0;
}

int fs__table_cols(const fs_table *t) {
  return t ? t->ncols : 0;
}

static const char *cell_str(const fs_col *col, const cell *c, char buf[64]) {
  if (!c->set)
    return col->type == FS_COL_PCT ? "n/a" : "";
  switch (col->type) {
  case FS_COL_INT:
    snprintf(buf, 64, "%" PRId64, c->i);
    return buf;
  case FS_COL_PCT:
    snprintf(buf, 64, "%.1f%%", c->d);
    return buf;
  case FS_COL_NUM:
    snprintf(buf, 64, "%.2f", c->d);
    return buf;
  case FS_COL_TIME:
    return fs__table_time_text(buf, c->i);
  case FS_COL_MONEY:
    fs__money_plain(c->i, buf, 64);
    return buf;
  default:
    return c->s;
  }
}

const char *fs__table_time_text(char buf[64], int64_t ms) {
  if (fs__instant_format(ms, FS_INSTANT_TEXT, buf) != 0)
    snprintf(buf, 64, "-");
  return buf;
}

const char *fs__table_cell(const fs_table *t, size_t row, int col, char buf[64]) {
  if (t == NULL || row >= t->nrows || col < 0 || col >= t->ncols)
    return "";
  return cell_str(&t->cols[col], &t->cells[row * (size_t)t->ncols + (size_t)col], buf);
}

const fs_col *fs__table_col(const fs_table *t, int col) {
  if (t == NULL || col < 0 || col >= t->ncols)
    return NULL;
  return &t->cols[col];
}

int fs__table_value(const fs_table *t, size_t row, int col, int64_t *i, double *d,
                    const char **s) {
  const cell *c;

  if (t == NULL || row >= t->nrows || col < 0 || col >= t->ncols)
    return FS_EINVAL;
  c = &t->cells[row * (size_t)t->ncols + (size_t)col];
  *i = c->set ? c->i : 0;
  *d = c->set ? c->d : 0.0;
  *s = c->set ? c->s : NULL;
  return c->set;
}

/* ---- text ------------------------------------------------------------------ */

/* s as shown in one cell (utf8.h's sanitiser: a newline or tab as a
 * space), cut to `cut` display columns with "..." marking it (cut 0:
 * whole).  malloc'd, or NULL. */
static char *shown_copy(const char *s, int cut) {
  const unsigned char *p = (const unsigned char *)(s ? s : "");
  size_t len = strlen((const char *)p), w = 0, j = 0;
  int cutting = cut > 0 && fs__display_width((const char *)p) > (size_t)cut;
  char *out = malloc(len * 3 + 4); /* a stray byte may show as "?", a
                                      control as " ": never longer */

  if (out == NULL)
    return NULL;
  while (len > 0) {
    const char *shown;
    size_t sl, n;
    int cw;
    n = fs__shown_next(p, len, 0, &shown, &sl, &cw);
    if (cutting && w + (size_t)cw > (size_t)cut - 3) {
      memcpy(out + j, "...", 3);
      j += 3;
      break;
    }
    memcpy(out + j, shown, sl);
    j += sl;
    w += (size_t)cw;
    p += n;
    len -= n;
  }
  out[j] = '\0';
  return out;
}

static const char *head_of(const fs_col *col) {
  return col->head ? col->head : col->name;
}

/* The layout of a text table: per column whether it is shown, and the
 * display columns it takes. */
typedef struct layout {
  int keep[FS_TABLE_MAX_COLS];
  size_t w[FS_TABLE_MAX_COLS];    /* shown width (cap) */
  size_t head[FS_TABLE_MAX_COLS]; /* header width: a floor */
} layout;

/* One line: cells[] shown, each padded to w[] (right-aligned numbers);
 * a cell wider than its column is cut to it. */
static int text_line(const fs_table *t, const fs_table_style *st, char *const *shown,
                     const layout *ly, fs__strbuf *out) {
  int rc = 0, first = 1, lastc = -1;

  for (int c = 0; c < t->ncols; c++)
    if (ly->keep[c])
      lastc = c;
  for (int c = 0; c < t->ncols && rc == 0; c++) {
    const char *s = shown[c];
    char *cut = NULL;
    size_t sw;
    /* Times read as text: left-aligned like it. */
    int text = t->cols[c].type == FS_COL_TEXT || t->cols[c].type == FS_COL_TIME;
    if (!ly->keep[c])
      continue;
    sw = fs__display_width(s);
    if (sw > ly->w[c]) {
      cut = shown_copy(s, (int)ly->w[c]);
      if (cut == NULL)
        return FS_ENOMEM;
      s = cut;
      sw = fs__display_width(s);
    }
    if (!first)
      rc = fs__strbuf_append(out, st->sep, strlen(st->sep));
    first = 0;
    for (size_t k = sw; rc == 0 && !text && k < ly->w[c]; k++)
      rc = fs__strbuf_append(out, " ", 1);
    if (rc == 0)
      rc = fs__strbuf_append(out, s, strlen(s));
    for (size_t k = sw; rc == 0 && text && c != lastc && k < ly->w[c]; k++)
      rc = fs__strbuf_append(out, " ", 1);
    free(cut);
  }
  return rc ? rc : fs__strbuf_append(out, "\n", 1);
}

static void shown_free(char **shown, size_t n) {
  for (size_t i = 0; shown && i < n; i++)
    free(shown[i]);
  free(shown);
}

/* Display columns the kept columns take, separators included. */
static size_t layout_width(const fs_table *t, const layout *ly, size_t seplen) {
  size_t sum = 0;
  int n = 0;

  for (int c = 0; c < t->ncols; c++)
    if (ly->keep[c]) {
      sum += ly->w[c];
      n++;
    }
  return sum + (n > 1 ? (size_t)(n - 1) * seplen : 0);
}

/* Shortens the widest kept text column wider than its floor (the larger
 * of floor and its header) by what is too much; 1 if one was. */
static int shorten_one(const fs_table *t, layout *ly, size_t floor, size_t over) {
  int best = -1;
  size_t min;

  for (int c = 0; c < t->ncols; c++) {
    size_t f = ly->head[c] > floor ? ly->head[c] : floor;
    if (ly->keep[c] && t->cols[c].type == FS_COL_TEXT && ly->w[c] > f &&
        (best < 0 || ly->w[c] > ly->w[best]))
      best = c;
  }
  if (best < 0)
    return 0;
  min = ly->head[best] > floor ? ly->head[best] : floor;
  ly->w[best] = ly->w[best] > over + min ? ly->w[best] - over : min;
  return 1;
}

/* Drops the kept column of the highest drop rank; 1 if one was. */
static int drop_one(const fs_table *t, layout *ly) {
  int best = -1;

  for (int c = 0; c < t->ncols; c++)
    if (ly->keep[c] && t->drop[c] > 0 &&
        (best < 0 || t->drop[c] >= t->drop[best]))
      best = c;
  if (best >= 0)
    ly->keep[best] = 0;
  return best >= 0;
}

/* Fits ly (natural widths) into width by the rule of fs__table_text_fit. */
static void fit(const fs_table *t, layout *ly, size_t seplen, size_t width) {
  size_t cur;

  while ((cur = layout_width(t, ly, seplen)) > width &&
         shorten_one(t, ly, FS_TABLE_FIT_SOFT, cur - width))
    ;
  while (layout_width(t, ly, seplen) > width && drop_one(t, ly))
    ;
  while ((cur = layout_width(t, ly, seplen)) > width && shorten_one(t, ly, 6, cur - width))
    ;
}

int fs__table_text_fit(const fs_table *t, const fs_table_style *st, int width,
                       fs__strbuf *out) {
  layout ly;
  size_t n;
  char **shown = NULL, buf[64];
  int rc = 0;

  if (t == NULL || st == NULL || out == NULL)
    return FS_EINVAL;
  memset(&ly, 0, sizeof(ly));
  /* Every cell shown once, header first: widths, then the lines. */
  n = (t->nrows + 1) * (size_t)t->ncols;
  shown = calloc(n, sizeof(*shown));
  if (shown == NULL)
    return FS_ENOMEM;
  for (size_t i = 0; i < n; i++) {
    size_t r = i / (size_t)t->ncols, sw;
    int c = (int)(i % (size_t)t->ncols);
    const char *s = r == 0 ? head_of(&t->cols[c]) : fs__table_cell(t, r - 1, c, buf);
    /* People read amounts with thousands commas; CSV keeps them plain. */
    if (r > 0 && t->cols[c].type == FS_COL_MONEY &&
        t->cells[(r - 1) * (size_t)t->ncols + (size_t)c].set)
      fs__money_format(t->cells[(r - 1) * (size_t)t->ncols + (size_t)c].i, buf, 64);
    shown[i] = shown_copy(s, st->cut);
    if (shown[i] == NULL) {
      rc = FS_ENOMEM;
      goto out;
    }
    sw = fs__display_width(shown[i]);
    if (sw > ly.w[c])
      ly.w[c] = sw;
    if (r == 0)
      ly.head[c] = sw;
    ly.keep[c] = 1;
  }
  if (width > 0)
    fit(t, &ly, strlen(st->sep), (size_t)width);
  rc = text_line(t, st, shown, &ly, out);
  for (int c = 0, first = 1; rc == 0 && st->rule && c < t->ncols; c++) {
    if (!ly.keep[c])
      continue;
    if (!first)
      rc = fs__strbuf_append(out, st->sep, strlen(st->sep));
    first = 0;
    for (size_t k = 0; rc == 0 && k < ly.w[c]; k++)
      rc = fs__strbuf_append(out, "-", 1);
  }
  if (rc == 0 && st->rule)
    rc = fs__strbuf_append(out, "\n", 1);
  for (size_t r = 1; rc == 0 && r <= t->nrows; r++)
    rc = text_line(t, st, shown + r * (size_t)t->ncols, &ly, out);
  if (rc == 0 && t->nrows == 0 && st->none)
    rc = fs__strbuf_printf(out, "%s\n", st->none);
out:
  shown_free(shown, n);
  return rc;
}

int fs__table_text(const fs_table *t, const fs_table_style *st, fs__strbuf *out) {
  return fs__table_text_fit(t, st, 0, out);
}

/* ---- CSV and JSON -------------------------------------------------------------- */

/* Index of name in names[0..*n), appended if absent.  -1 if full. */
static int union_col(const char **names, int *n, int max, const char *name) {
  for (int i = 0; i < *n; i++)
    if (strcmp(names[i], name) == 0)
      return i;
  if (*n >= max)
    return -1;
  names[*n] = name;
  return (*n)++;
}

int fs__table_csv_merged(const fs_table *const *ts, const char *const *leads, int n,
                         const char *lead_head, const char *eol, fs__strbuf *out) {
  const char *names[FS_TABLE_CSV_MERGED_COLS + 1], *cells[FS_TABLE_CSV_MERGED_COLS + 1];
  char(*bufs)[64] = NULL;
  int k = lead_head ? 1 : 0, ncols = 0, rc = 0;

  if (ts == NULL || n < 0 || (k && leads == NULL) || eol == NULL || out == NULL)
    return FS_EINVAL;
  /* The one header: the union of the column names, in first-seen order. */
  for (int i = 0; i < n && rc == 0; i++)
    for (int c = 0; ts[i] && c < ts[i]->ncols && rc == 0; c++)
      if (union_col(names + k, &ncols, FS_TABLE_CSV_MERGED_COLS, ts[i]->cols[c].name) < 0)
        rc = FS_EOVERFLOW;
  bufs = rc ? NULL : malloc(FS_TABLE_MAX_COLS * sizeof(*bufs));
  if (rc == 0 && bufs == NULL)
    rc = FS_ENOMEM;
  if (k)
    names[0] = lead_head;
  if (rc == 0)
    rc = fs__strbuf_csv_row(out, k + ncols, names, eol);
  for (int i = 0; i < n && rc == 0; i++) {
    const fs_table *t = ts[i];
    int at[FS_TABLE_MAX_COLS];
    for (int c = 0; t && c < t->ncols; c++)
      at[c] = union_col(names + k, &ncols, FS_TABLE_CSV_MERGED_COLS, t->cols[c].name);
    for (size_t r = 0; t && rc == 0 && r < t->nrows; r++) {
      for (int c = 0; c < ncols; c++)
        cells[k + c] = "";
      if (k)
        cells[0] = leads[i];
      for (int c = 0; c < t->ncols; c++) {
        const cell *x = &t->cells[r * (size_t)t->ncols + (size_t)c];
        /* A time that never was is empty, not the text's "-". */
        cells[k + at[c]] = t->cols[c].type == FS_COL_TIME && x->set && x->i <= 0
                               ? ""
                               : fs__table_cell(t, r, c, bufs[c]);
      }
      rc = fs__strbuf_csv_row(out, k + ncols, cells, eol);
    }
  }
  free(bufs);
  return rc;
}

int fs__table_csv(const fs_table *t, const char *lead_head, const char *lead,
                  const char *eol, fs__strbuf *out) {
  if (t == NULL)
    return FS_EINVAL;
  return fs__table_csv_merged(&t, &lead, 1, lead_head, eol, out);
}

void fs__table_json_row(const fs_table *t, size_t row, fs_json *j) {
  fs__json_begin_object(j);
  for (int c = 0; t && row < t->nrows && c < t->ncols; c++) {
    const fs_col *col = &t->cols[c];
    const cell *x = &t->cells[row * (size_t)t->ncols + (size_t)c];
    fs__json_key(j, col->name);
    /* None is null in JSON (issue 15): an unset cell, and an empty text
     * (a listing's "" is "nothing there", e.g. a staff member's manager). */
    if (!x->set || (col->type == FS_COL_TEXT && (x->s == NULL || x->s[0] == '\0')))
      fs__json_null(j);
    else if (col->type == FS_COL_TEXT)
      fs__json_string(j, x->s);
    else if (col->type == FS_COL_PCT || col->type == FS_COL_NUM)
      fs__json_fixed(j, x->d, col->type == FS_COL_PCT ? 1 : 2);
    else if (col->type == FS_COL_TIME)
      fs__json_time(j, x->i);
    else if (col->type == FS_COL_MONEY)
      fs__json_fixed(j, (double)x->i / 100.0, 2);
    else
      fs__json_int(j, x->i);
  }
  fs__json_end_object(j);
}

int fs__table_json(const fs_table *t, fs_json *j) {
  fs__json_begin_array(j);
  for (size_t r = 0; t && r < t->nrows; r++)
    fs__table_json_row(t, r, j);
  fs__json_end_array(j);
  return j->err;
}

/* ---- streams ------------------------------------------------------------------- */

static int write_buf(fs__strbuf *b, int rc, FILE *f) {
  if (rc == 0 && b->len && fwrite(b->s, 1, b->len, f) != b->len)
    rc = FS_EIO;
  fs__strbuf_release(b);
  return rc;
}

int fs__table_print(const fs_table *t, FILE *f) {
  return fs__table_print_fit(t, f, 0);
}

int fs__table_print_fit(const fs_table *t, FILE *f, int width) {
  fs__strbuf b;
  fs__strbuf_init(&b, PRINT_MAX);
  return write_buf(&b, fs__table_text_fit(t, &fs__table_list, width, &b), f);
}

int fs__table_print_csv(const fs_table *t, FILE *f) {
  fs__strbuf b;
  fs__strbuf_init(&b, PRINT_MAX);
  return write_buf(&b, fs__table_csv(t, NULL, NULL, "\r\n", &b), f);
}

int fs__csv_row(FILE *f, int n, const char *const *cells) {
  fs__strbuf b;
  fs__strbuf_init(&b, PRINT_MAX);
  return write_buf(&b, fs__strbuf_csv_row(&b, n, cells, "\r\n"), f);
}

void fs__print_padded(FILE *f, const char *s, size_t width) {
  size_t w = fs__display_width(s);

  fputs(s, f);
  for (; w < width; w++)
    fputc(' ', f);
}
