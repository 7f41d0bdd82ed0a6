/* query.c - fs_list: filtered, ordered listings of live records.
 *
 * The SQL is assembled from fixed pieces and quoted model names only; every
 * user-supplied value is bound as a parameter. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cadence.h"
#include "db.h"
#include "fs_errno.h"
#include "record.h"
#include "replica.h"

#define SQL_MAX 4096
#define SEARCH_MAX 200 /* bytes of a search text */

/* The date field a from/to range applies to, per kind. */
static const char *date_field(fs_kind k) {
  switch (k) {
  case FS_KIND_CUSTOMER: return "created";
  case FS_KIND_GRADE_CHANGE: return "date";
  case FS_KIND_VISIT: return "at";
  case FS_KIND_OPPORTUNITY: return "follow_up";
  case FS_KIND_SHOWROOM: return "arrived";
  case FS_KIND_LOST_REVIEW: return "lost_date";
  default: return NULL;
  }
}

/* Fields a text search looks in: the FS_F_SEARCH ones, or for kinds
 * without any, the name-like text fields. */
static int search_field(const fs_kind_def *kd, int i) {
  const char *n = kd->fields[i].name;
  int any = 0;

  for (int j = 0; j < kd->nfields; j++)
    if (kd->fields[j].flags & FS_F_SEARCH)
      any = 1;
  if (any)
    return (kd->fields[i].flags & FS_F_SEARCH) != 0;
  return kd->fields[i].type == FS_FT_TEXT &&
         (!strcmp(n, "name") || !strcmp(n, "title") || !strcmp(n, "visitor") ||
          !strcmp(n, "phone") || !strcmp(n, "points") || !strcmp(n, "notes") ||
          !strcmp(n, "place") || !strcmp(n, "reason"));
}

typedef struct sqlb {
  char s[SQL_MAX];
  size_t len;
  int overflow;
} sqlb;

/* Appends the strings (NULL-terminated list) to b. */
static void sql_cat(sqlb *b, ...) {
  const char *piece;
  va_list ap;

  va_start(ap, b);
  while ((piece = va_arg(ap, const char *)) != NULL) {
    size_t n = strlen(piece);
    if (b->len + n >= sizeof(b->s)) {
      b->overflow = 1;
      break;
    }
    memcpy(b->s + b->len, piece, n + 1);
    b->len += n;
  }
  va_end(ap);
}

/* LIKE pattern %text% with \ escaping of % _ and \ itself. */
static char *like_pattern(const char *text) {
  size_t n = strlen(text), j = 0;
  char *p = malloc(2 * n + 3);

  if (p == NULL)
    return NULL;
  p[j++] = '%';
  for (size_t i = 0; i < n; i++) {
    if (text[i] == '%' || text[i] == '_' || text[i] == '\\')
      p[j++] = '\\';
    p[j++] = text[i];
  }
  p[j++] = '%';
  p[j] = '\0';
  return p;
}

/* The sort of a listing: field index oi (-1: "id", "owner" or creation
 * order), order (its name), desc. */
typedef struct list_order {
  const char *name;
  int desc, oi;
} list_order;

/* Checks q against kd and parses its order.  0 or FS_EINVAL (r's message). */
static int list_check(fs_replica *r, const fs_kind_def *kd, const fs_query *q,
                      list_order *o) {
  const char *df = date_field(kd->kind);

  o->name = q->order;
  o->desc = 0;
  o->oi = -1;
  if (o->name && *o->name == '-') {
    o->desc = 1;
    o->name++;
  }
  if (o->name && *o->name) {
    o->oi = fs__field_index(kd, o->name);
    if (o->oi < 0 && strcmp(o->name, "id") != 0 && strcmp(o->name, "owner") != 0)
      return fs__replica_fail(r, FS_EINVAL, "order: %s is not a field of %s", o->name,
                              kd->name);
  }
  if ((q->grade && fs__field_index(kd, "grade") < 0) ||
      (q->customer_id && fs__field_index(kd, "customer_id") < 0) ||
      ((q->from || q->to) && df == NULL))
    return fs__replica_fail(r, FS_EINVAL, "filter does not apply to %s records", kd->name);
  if (q->search && strlen(q->search) > SEARCH_MAX)
    return fs__replica_fail(r, FS_EINVAL, "search: longer than %d bytes", SEARCH_MAX);
  if (q->limit < 0 || q->offset < 0)
    return fs__replica_fail(r, FS_EINVAL, "limit/offset: must not be negative");
  if (fs__store_columns(kd->kind) == NULL)
    return fs__replica_fail(r, FS_EINTERNAL, "no column list for %s", kd->name);
  return 0;
}

/* The SELECT of a listing into b; parameters ?1..?8 as list_bind binds. */
static void list_sql(sqlb *b, const fs_kind_def *kd, const fs_query *q, const list_order *o) {
  const char *df = date_field(kd->kind);

  sql_cat(b, "SELECT ", fs__store_columns(kd->kind), " FROM \"", kd->table,
          "\" WHERE deleted = 0", NULL);
  if (kd->kind == FS_KIND_VISIT && !q->superseded)
    sql_cat(b, " AND " FS_SQL_VISIT_CURRENT("visits"), NULL);
  if (q->owner)
    sql_cat(b, " AND owner = ?1", NULL);
  if (q->grade)
    sql_cat(b, " AND grade = ?2", NULL);
  if (q->customer_id)
    sql_cat(b, " AND customer_id = ?3", NULL);
  if (q->from)
    sql_cat(b, " AND \"", df, "\" >= ?4", NULL);
  if (q->to) {
    /* A plain date as upper bound includes that whole day. */
    if (strlen(q->to) == 10)
      sql_cat(b, " AND substr(\"", df, "\", 1, 10) <= ?5", NULL);
    else
      sql_cat(b, " AND \"", df, "\" <= ?5", NULL);
  }
  if (q->search) {
    int first = 1;
    sql_cat(b, " AND (", NULL);
    for (int i = 0; i < kd->nfields; i++) {
      if (!search_field(kd, i))
        continue;
      sql_cat(b, first ? "\"" : " OR \"", kd->fields[i].name, "\" LIKE ?6 ESCAPE '\\'",
              NULL);
      first = 0;
    }
    sql_cat(b, first ? "0)" : ")", NULL);
  }
  if (o->oi >= 0)
    sql_cat(b, " ORDER BY \"", kd->fields[o->oi].name, "\"", o->desc ? " DESC" : "", ", id",
            NULL);
  else
    sql_cat(b, " ORDER BY ", o->name && *o->name ? o->name : "id", o->desc ? " DESC" : "",
            NULL);
  sql_cat(b, " LIMIT ?7 OFFSET ?8", NULL);
}

/* Binds q's filters; *pattern (the caller frees it) holds the LIKE text. */
static int list_bind(sqlite3_stmt *st, const fs_query *q, char **pattern) {
  if (q->owner)
    sqlite3_bind_text(st, 1, q->owner, -1, SQLITE_STATIC);
  if (q->grade)
    sqlite3_bind_text(st, 2, q->grade, -1, SQLITE_STATIC);
  if (q->customer_id)
    sqlite3_bind_text(st, 3, q->customer_id, -1, SQLITE_STATIC);
  if (q->from)
    sqlite3_bind_text(st, 4, q->from, -1, SQLITE_STATIC);
  if (q->to)
    sqlite3_bind_text(st, 5, q->to, -1, SQLITE_STATIC);
  if (q->search) {
    *pattern = like_pattern(q->search);
    if (*pattern == NULL)
      return FS_ENOMEM;
    sqlite3_bind_text(st, 6, *pattern, -1, SQLITE_STATIC);
  }
  sqlite3_bind_int64(st, 7, q->limit > 0 ? q->limit : -1);
  sqlite3_bind_int64(st, 8, q->offset);
  return 0;
}

int fs_list(fs_replica *r, const char *kind, const fs_query *q, fs_record_cb cb, void *arg) {
  static const fs_query none;
  const fs_kind_def *kd = fs__kind_by_name(kind);
  sqlite3_stmt *st = NULL;
  fs_record *rec = NULL;
  char *pattern = NULL;
  list_order o;
  fs_row row;
  sqlb b;
  int rc;

  if (r == NULL || kd == NULL || cb == NULL)
    return r ? fs__replica_fail(r, FS_EINVAL, "unknown kind") : FS_EINVAL;
  r->err[0] = '\0';
  rc = fs__replica_check_lock(r);
  if (rc)
    return rc;
  if (q == NULL)
    q = &none;
  memset(&row, 0, sizeof(row));
  memset(&b, 0, sizeof(b));
  rc = list_check(r, kd, q, &o);
  if (rc)
    return rc;
  list_sql(&b, kd, q, &o);
  if (b.overflow)
    return fs__replica_fail(r, FS_EINTERNAL, "query too long");

  rc = sqlite3_prepare_v2(fs__replica_db(r), b.s, -1, &st, NULL);
  if (rc != SQLITE_OK) {
    rc = fs__replica_fail(r, fs__db_err(fs__replica_db(r), rc), "query failed: %s",
                          sqlite3_errmsg(fs__replica_db(r)));
    goto out;
  }
  rc = list_bind(st, q, &pattern);
  if (rc == 0)
    rc = fs__record_alloc(kd, &rec);
  if (rc)
    goto out;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    rc = fs__row_init(&row, kd->kind);
    if (rc == 0)
      rc = fs__store_row_from_stmt(st, kd->kind, &row);
    if (rc == 0)
      rc = fs__record_load_row(rec, &row);
    fs__row_release(&row);
    if (rc)
      goto out;
    rc = cb(arg, rec);
    if (rc)
      goto out;
  }
  rc = rc == SQLITE_DONE ? 0 : fs__db_err(fs__replica_db(r), rc);
out:
  sqlite3_finalize(st);
  fs_record_free(rec);
  free(pattern);
  return rc;
}
