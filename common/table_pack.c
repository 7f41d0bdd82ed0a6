/* table_pack.c - a typed table as text between two processes (table.h,
 * "a table between two processes"). */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "fs_errno.h"
#include "table.h"

#define PACK_HEAD "fs-table 1\n"

/* s with backslash, TAB, LF and CR escaped. */
static int put_esc(fs__strbuf *out, const char *s) {
  int rc = 0;
  for (; rc == 0 && *s; s++) {
    const char *e = *s == '\\'   ? "\\\\"
                    : *s == '\t' ? "\\t"
                    : *s == '\n' ? "\\n"
                    : *s == '\r' ? "\\r"
                                 : NULL;
    rc = e ? fs__strbuf_append(out, e, 2) : fs__strbuf_append(out, s, 1);
  }
  return rc;
}

static int put_cell(fs__strbuf *out, const fs_table *t, size_t row, int col) {
  const fs_col *c = fs__table_col(t, col);
  int64_t i;
  double d;
  const char *s;
  int set = fs__table_value(t, row, col, &i, &d, &s);

  if (set <= 0)
    return 0;
  if (s)
    return fs__strbuf_append(out, "s", 1) ? FS_ENOMEM : put_esc(out, s);
  if (c->type == FS_COL_PCT || c->type == FS_COL_NUM)
    return fs__strbuf_printf(out, "d%.17g", d);
  return fs__strbuf_printf(out, "i%" PRId64, i);
}

int fs__table_pack(const fs_table *t, fs__strbuf *out) {
  int rc = fs__strbuf_append(out, PACK_HEAD, strlen(PACK_HEAD));

  for (int c = 0; rc == 0 && c < fs__table_cols(t); c++) {
    const fs_col *col = fs__table_col(t, c);
    rc = fs__strbuf_printf(out, "c\t%d\t%d\t", (int)col->type, fs__table_drop(t, c));
    if (rc == 0)
      rc = put_esc(out, col->name);
    if (rc == 0)
      rc = fs__strbuf_append(out, "\t", 1);
    if (rc == 0)
      rc = col->head ? put_esc(out, col->head) : fs__strbuf_append(out, "\\N", 2);
    if (rc == 0)
      rc = fs__strbuf_append(out, "\n", 1);
  }
  for (size_t r = 0; rc == 0 && r < fs__table_rows(t); r++) {
    rc = fs__strbuf_append(out, "r", 1);
    for (int c = 0; rc == 0 && c < fs__table_cols(t); c++) {
      rc = fs__strbuf_append(out, "\t", 1);
      if (rc == 0)
        rc = put_cell(out, t, r, c);
    }
    if (rc == 0)
      rc = fs__strbuf_append(out, "\n", 1);
  }
  if (rc == 0 && out->overflow)
    rc = FS_EOVERFLOW;
  return rc;
}

/* ---- unpacking ---------------------------------------------------------- */

/* Unescapes the NUL-terminated field f in place: 0 or FS_EINVAL. */
static int unesc(char *f) {
  char *w = f;
  for (char *p = f; *p; p++) {
    if (*p != '\\') {
      *w++ = *p;
      continue;
    }
    p++;
    if (*p == '\\')
      *w++ = '\\';
    else if (*p == 't')
      *w++ = '\t';
    else if (*p == 'n')
      *w++ = '\n';
    else if (*p == 'r')
      *w++ = '\r';
    else
      return FS_EINVAL;
  }
  *w = '\0';
  return 0;
}

/* Splits the line buf (NUL-terminated, no LF) at its TABs into f[]: the
 * number of fields, or -1 if more than max. */
static int split(char *buf, char **f, int max) {
  int n = 0;
  f[n++] = buf;
  for (char *p = buf; *p; p++) {
    if (*p != '\t')
      continue;
    if (n == max)
      return -1;
    *p = '\0';
    f[n++] = p + 1;
  }
  return n;
}

/* A whole decimal number, or FS_EINVAL. */
static int parse_i(const char *s, int64_t *v) {
  char *end = NULL;
  errno = 0;
  *v = strtoll(s, &end, 10);
  return errno || end == s || *end ? FS_EINVAL : 0;
}

static int column(fs_col *cols, int *drop, int n, char **f, int nf) {
  int64_t type, rank;

  if (nf != 5 || strcmp(f[0], "c") != 0 || n == FS_TABLE_MAX_COLS ||
      parse_i(f[1], &type) || parse_i(f[2], &rank) || type < FS_COL_TEXT ||
      type > FS_COL_TIME || rank < 0 || rank > 1000 || unesc(f[3]))
    return FS_EINVAL;
  cols[n].type = (fs_col_type)type;
  cols[n].name = f[3];
  cols[n].head = NULL;
  drop[n] = (int)rank;
  if (strcmp(f[4], "\\N") != 0) {
    if (unesc(f[4]))
      return FS_EINVAL;
    cols[n].head = f[4];
  }
  return 0;
}

static int row(fs_table *t, char **f, int nf) {
  int rc;

  if (nf != fs__table_cols(t) + 1 || strcmp(f[0], "r") != 0)
    return FS_EINVAL;
  rc = fs__table_row(t);
  for (int c = 0; rc == 0 && c < nf - 1; c++) {
    char *v = f[c + 1];
    int64_t i;
    char *end = NULL;
    double d;
    if (v[0] == '\0')
      continue; /* unset */
    if (v[0] == 's') {
      rc = unesc(v + 1);
      if (rc == 0)
        rc = fs__table_set_text(t, c, v + 1);
    } else if (v[0] == 'i') {
      rc = parse_i(v + 1, &i);
      if (rc == 0)
        fs__table_set_int(t, c, i);
    } else if (v[0] == 'd') {
      d = strtod(v + 1, &end);
      rc = end == v + 1 || *end ? FS_EINVAL : 0;
      if (rc == 0)
        fs__table_set_num(t, c, d);
    } else {
      rc = FS_EINVAL;
    }
  }
  return rc;
}

int fs__table_unpack(const char *s, size_t n, size_t max_rows, fs_table **out) {
  fs_col cols[FS_TABLE_MAX_COLS];
  int drop[FS_TABLE_MAX_COLS], ncols = 0, rc = 0;
  char *buf = NULL, *p, *f[FS_TABLE_MAX_COLS + 2];
  fs_table *t = NULL;
  size_t hl = strlen(PACK_HEAD);

  *out = NULL;
  if (s == NULL || n < hl || memcmp(s, PACK_HEAD, hl) != 0 || memchr(s, '\0', n))
    return FS_EINVAL;
  buf = malloc(n - hl + 1);
  if (buf == NULL)
    return FS_ENOMEM;
  memcpy(buf, s + hl, n - hl);
  buf[n - hl] = '\0';
  for (p = buf; rc == 0 && *p;) {
    char *nl = strchr(p, '\n');
    int nf;
    if (nl == NULL) {
      rc = FS_EINVAL; /* every line ends in LF */
      break;
    }
    *nl = '\0';
    nf = split(p, f, FS_TABLE_MAX_COLS + 1);
    if (nf < 0)
      rc = FS_EINVAL;
    else if (t == NULL && p[0] == 'c')
      rc = column(cols, drop, ncols++, f, nf);
    else if (t == NULL && ncols == 0)
      rc = FS_EINVAL; /* a row before any column */
    else if (t == NULL)
      rc = fs__table_new_typed(cols, ncols, max_rows, &t);
    if (rc == 0 && t)
      rc = row(t, f, nf);
    p = nl + 1;
  }
  if (rc == 0 && t == NULL && ncols > 0)
    rc = fs__table_new_typed(cols, ncols, max_rows, &t);
  if (rc == 0 && t == NULL)
    rc = FS_EINVAL;
  if (rc == 0)
    for (int c = 0; c < ncols; c++)
      fs__table_set_drop(t, c, drop[c]);
  free(buf);
  if (rc) {
    fs__table_free(t);
    t = NULL;
  }
  *out = t;
  return rc;
}
