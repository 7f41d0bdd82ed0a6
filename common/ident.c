/* ident.c - one rule for naming records on the command line (ident.h). */
#include "ident.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "archive.h"
#include "dbutil.h"
#include "fs_errno.h"

/* Fields that tell a candidate apart for a person, first two present win. */
static const char *const label_fields[] = {
    "archive_no", "name", "title", "visitor", "at", "arrived", "lost_date", "date", NULL};

typedef struct match {
  int n; /* every match seen */
  char id[FS_IDENT_SHOW_MAX][33];
  int kind[FS_IDENT_SHOW_MAX];
  char label[FS_IDENT_SHOW_MAX][64];
} match;

/* Copies at most cap-1 bytes of s, cut on a UTF-8 character boundary. */
static void copy_cut(char *dst, size_t cap, const char *s) {
  size_t n = strlen(s);
  if (n >= cap) {
    n = cap - 1;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
      n--;
  }
  memcpy(dst, s, n);
  dst[n] = '\0';
  /* A label is shown inside a one-line message: no control characters. */
  for (char *p = dst; *p; p++)
    if ((unsigned char)*p < 0x20 || *p == 0x7f)
      *p = ' ';
}

/* "a01-26-7" -> "A01-26-0007", "a01-2026-d2-7" -> "A01-2026-D2-0007"
 * (every form of common/archive.h); 0, or FS_EINVAL if s is no archive
 * number in any spelling. */
static int archive_canonical(const char *s, char *out, size_t cap) {
  char up[FS_ARCHIVE_TEXT_MAX + 1];
  const char *dash, *serial;
  size_t n = strlen(s);
  fs_archive_no a;
  uint64_t v = 0;

  if (n > FS_ARCHIVE_TEXT_MAX + 8)
    return FS_EINVAL;
  dash = strrchr(s, '-');
  if (dash == NULL || dash[1] == '\0')
    return FS_EINVAL;
  /* Serial digits without their padding (at most 18 significant). */
  serial = dash + 1;
  while (*serial == '0' && serial[1] != '\0')
    serial++;
  for (const char *p = serial; *p; p++) {
    if (!isdigit((unsigned char)*p) || p - serial >= 18)
      return FS_EINVAL;
    v = v * 10 + (uint64_t)(*p - '0');
  }
  if ((size_t)(dash - s) >= sizeof(up))
    return FS_EINVAL;
  for (size_t i = 0; i < (size_t)(dash - s); i++)
    up[i] = (char)toupper((unsigned char)s[i]);
  up[dash - s] = '\0';
  /* up is now REP-YEAR[-D<slot>]: reuse the strict parser on a padded
   * serial. */
  {
    char probe[FS_ARCHIVE_TEXT_MAX + 8];
    snprintf(probe, sizeof(probe), "%s-0001", up);
    if (fs__archive_read(probe, &a) != 0)
      return FS_EINVAL;
  }
  a.serial = v;
  return fs__archive_print(out, cap, &a) ? FS_EINVAL : 0;
}

int fs__ident_parse(const char *text, int kind, fs_ident *out, char *err, size_t errlen) {
  const char *s = text;
  size_t n, hex = 0;
  int archive_ok = kind == FS_KIND_CUSTOMER || kind == FS_IDENT_ANY;

  if (text == NULL || out == NULL)
    return FS_EINVAL;
  memset(out, 0, sizeof(*out));
  while (isspace((unsigned char)*s))
    s++;
  n = strlen(s);
  while (n > 0 && isspace((unsigned char)s[n - 1]))
    n--;
  while (hex < n && isxdigit((unsigned char)s[hex]))
    hex++;
  if (n > 0 && hex == n && n <= 32) {
    if (n < FS_IDENT_PREFIX_MIN) {
      snprintf(err, errlen,
               "id prefix \"%.*s\" is too short: give at least %d characters of the id "
               "(the lists show %d)",
               (int)n, s, FS_IDENT_PREFIX_MIN, FS_IDENT_SHORT_LEN);
      return FS_EUSAGE;
    }
    for (size_t i = 0; i < n; i++)
      out->text[i] = (char)tolower((unsigned char)s[i]);
    out->text[n] = '\0';
    out->form = n == 32 ? FS_IDENT_FULL : FS_IDENT_PREFIX;
    return 0;
  }
  if (archive_ok && n > 0 && n < sizeof(out->text)) {
    char tmp[sizeof(out->text)];
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    if (archive_canonical(tmp, out->text, sizeof(out->text)) == 0) {
      out->form = FS_IDENT_ARCHIVE;
      return 0;
    }
  }
  snprintf(err, errlen,
           "\"%.*s\" is not %s id (32 hex characters or a unique prefix of %d or more%s)",
           n > 40 ? 40 : (int)n, s,
           kind == FS_IDENT_ANY       ? "a record"
           : kind == FS_KIND_CUSTOMER ? "a customer"
                                      : "an",
           FS_IDENT_PREFIX_MIN,
           archive_ok ? ", or an archive number like A01-26-0001" : "");
  return FS_EUSAGE;
}

/* Adds the matches of q among records of kind kd to m. */
static int search_kind(sqlite3 *db, const fs_kind_def *kd, const fs_ident *q,
                       unsigned flags, match *m) {
  char sql[512], hi[sizeof(q->text) + 1];
  const char *lab[2] = {NULL, NULL};
  sqlite3_stmt *st = NULL;
  int nlab = 0, rc;

  if (q->form == FS_IDENT_ARCHIVE && kd->kind != FS_KIND_CUSTOMER)
    return 0;
  for (int i = 0; label_fields[i] && nlab < 2; i++)
    if (fs__field_index(kd, label_fields[i]) >= 0)
      lab[nlab++] = label_fields[i];
  /* A prefix is a range of the primary key: id >= p AND id < p || 'g'
   * ('g' follows every hex digit), so the lookup stays an index seek. */
  snprintf(sql, sizeof(sql),
           "SELECT id, COALESCE(%s%s%s, '') FROM \"%s\" WHERE %s%s LIMIT %d",
           nlab ? lab[0] : "''", nlab > 1 ? " || ' ' || " : "", nlab > 1 ? lab[1] : "",
           kd->table,
           q->form == FS_IDENT_ARCHIVE ? "archive_no = ?1"
           : q->form == FS_IDENT_FULL  ? "id = ?1"
                                       : "id >= ?1 AND id < ?2",
           (flags & FS_IDENT_TOMBSTONES) ? "" : " AND deleted = 0", FS_IDENT_COUNT_MAX);
  rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
  if (rc != SQLITE_OK)
    return fs__db_err(db, rc);
  sqlite3_bind_text(st, 1, q->text, -1, SQLITE_STATIC);
  if (q->form == FS_IDENT_PREFIX) {
    size_t n = strlen(q->text);
    memcpy(hi, q->text, n);
    hi[n] = 'g';
    hi[n + 1] = '\0';
    sqlite3_bind_text(st, 2, hi, -1, SQLITE_STATIC);
  }
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (m->n < FS_IDENT_SHOW_MAX) {
      copy_cut(m->id[m->n], sizeof(m->id[0]), (const char *)sqlite3_column_text(st, 0));
      copy_cut(m->label[m->n], sizeof(m->label[0]),
               (const char *)sqlite3_column_text(st, 1));
      m->kind[m->n] = (int)kd->kind;
    }
    m->n++;
  }
  rc = rc == SQLITE_DONE ? 0 : fs__db_err(db, rc);
  sqlite3_finalize(st);
  return rc;
}

int fs__ident_resolve(sqlite3 *db, int kind, const char *text, unsigned flags,
                      char id_out[33], int *kind_out, char *err, size_t errlen) {
  const char *what = kind == FS_IDENT_ANY ? "record" : fs__kind_def((fs_kind)kind)->name;
  fs_ident q;
  match m;
  size_t used;
  int rc;

  if (db == NULL || text == NULL || id_out == NULL || err == NULL || errlen == 0 ||
      (kind != FS_IDENT_ANY && fs__kind_def((fs_kind)kind) == NULL))
    return FS_EINVAL;
  err[0] = '\0';
  rc = fs__ident_parse(text, kind, &q, err, errlen);
  if (rc)
    return rc;
  memset(&m, 0, sizeof(m));
  for (int k = 0; rc == 0 && k < FS_KIND__COUNT; k++)
    if (kind == FS_IDENT_ANY || k == kind)
      rc = search_kind(db, fs__kind_def((fs_kind)k), &q, flags, &m);
  if (rc) {
    snprintf(err, errlen, "cannot look up %s \"%s\": %s", what, q.text, fs_strerror(rc));
    return rc;
  }
  if (m.n == 1) {
    memcpy(id_out, m.id[0], 33);
    if (kind_out)
      *kind_out = m.kind[0];
    return 0;
  }
  if (m.n == 0) {
    snprintf(err, errlen, "no %s matches \"%s\"%s", what, q.text,
             q.form == FS_IDENT_PREFIX ? " (see the id column of the lists)" : "");
    return FS_ENOTFOUND;
  }
  /* Like git: say which records the short id could mean. */
  used = (size_t)snprintf(err, errlen,
                          "short id %s is ambiguous: %s%d %s records match; "
                          "candidates are:",
                          q.text, m.n >= FS_IDENT_COUNT_MAX ? "at least " : "", m.n, what);
  for (int i = 0; i < m.n && i < FS_IDENT_SHOW_MAX && used < errlen; i++)
    used += (size_t)snprintf(err + used, errlen - used, "\n  %.16s %s%s%s", m.id[i],
                             fs__kind_def((fs_kind)m.kind[i])->name,
                             m.label[i][0] ? " " : "", m.label[i]);
  if (m.n > FS_IDENT_SHOW_MAX && used < errlen)
    snprintf(err + used, errlen - used, "\n  ... and %s%d more; give more of the id",
             m.n >= FS_IDENT_COUNT_MAX ? "at least " : "", m.n - FS_IDENT_SHOW_MAX);
  return FS_EINVAL;
}
