/* sq.c - statement helpers of the SQLite store (sq.h). */
#include "store/sq.h"

#include <stddef.h>
#include <string.h>

#include "fs_errno.h"

static int bind_all(sqlite3_stmt *st, const char *spec, va_list ap) {
  int rc = SQLITE_OK;

  /* A spec that does not match the statement is a bug of the caller. */
  if ((int)strlen(spec) != sqlite3_bind_parameter_count(st))
    return SQLITE_MISUSE;
  for (int i = 1; rc == SQLITE_OK && spec[i - 1]; i++) {
    switch (spec[i - 1]) {
    case 't':
      rc = sqlite3_bind_text(st, i, va_arg(ap, const char *), -1, SQLITE_STATIC);
      break;
    case 'i':
      rc = sqlite3_bind_int(st, i, va_arg(ap, int));
      break;
    case 'I':
      rc = sqlite3_bind_int64(st, i, (sqlite3_int64)va_arg(ap, int64_t));
      break;
    case 'b': {
      const void *p = va_arg(ap, const void *);
      size_t n = va_arg(ap, size_t);
      rc = sqlite3_bind_blob(st, i, p, (int)n, SQLITE_STATIC);
      break;
    }
    default:
      rc = SQLITE_MISUSE;
    }
  }
  return rc;
}

static int vprep(sqlite3 *db, sqlite3_stmt **out, const char *sql, const char *spec,
                 va_list ap) {
  int rc;

  *out = NULL;
  rc = sqlite3_prepare_v2(db, sql, -1, out, NULL);
  if (rc == SQLITE_OK)
    rc = bind_all(*out, spec, ap);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(*out);
    *out = NULL;
    return fs__db_err(db, rc);
  }
  return 0;
}

int fs__sq_prep(sqlite3 *db, sqlite3_stmt **out, const char *sql, const char *spec, ...) {
  va_list ap;
  int rc;

  va_start(ap, spec);
  rc = vprep(db, out, sql, spec, ap);
  va_end(ap);
  return rc;
}

int fs__sq_run(sqlite3 *db, int *changed, const char *sql, const char *spec, ...) {
  sqlite3_stmt *st = NULL;
  va_list ap;
  int rc;

  va_start(ap, spec);
  rc = vprep(db, &st, sql, spec, ap);
  va_end(ap);
  if (rc)
    return rc;
  rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE)
    return fs__db_err(db, rc);
  if (changed)
    *changed = sqlite3_changes(db);
  return 0;
}

int fs__sq_step(sqlite3 *db, sqlite3_stmt *st) {
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW)
    return 1;
  return rc == SQLITE_DONE ? 0 : fs__db_err(db, rc);
}

const char *fs__sq_text(sqlite3_stmt *st, int c) {
  const unsigned char *s = sqlite3_column_text(st, c);
  return s ? (const char *)s : "";
}
