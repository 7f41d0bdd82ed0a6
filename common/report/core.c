/* core.c - what the report files share (report_int.h): messages, typed
 * sections, the SQL helpers, per-rep counters, customers in memory. */
#include "report_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "db.h"
#include "fs_errno.h"

int fs__rpt_fail(rpt *r, int rc, const char *fmt, ...) {
  va_list ap;
  if (r->err && r->err[0] == '\0') {
    va_start(ap, fmt);
    vsnprintf(r->err, FS_REPORT_ERR_MAX, fmt, ap);
    va_end(ap);
  }
  return rc;
}

int fs__rpt_errf(char *err, int rc, const char *fmt, ...) {
  va_list ap;
  if (err) {
    va_start(ap, fmt);
    vsnprintf(err, FS_REPORT_ERR_MAX, fmt, ap);
    va_end(ap);
  }
  return rc;
}

/* ---- sections: typed tables ---------------------------------------------- */

/* A section has at most this many rows: the longest lists (per rep and
 * day, per customer of a ranking) of a company's whole store fit. */
#define SEC_ROWS_MAX ((size_t)16 << 20)

rsec *fs__rpt_sec(rpt *r, const char *name, const char *title, const fs_col *cols,
                  int ncols) {
  rsec *s;
  if (r->nsecs >= MAX_SECS) {
    r->sec_failed = 1;
    return NULL;
  }
  s = &r->secs[r->nsecs];
  memset(s, 0, sizeof(*s));
  if (fs__table_new_typed(cols, ncols, SEC_ROWS_MAX, &s->t) != 0) {
    r->sec_failed = 1;
    return NULL;
  }
  /* A section's columns stand in order of importance: on a narrow
   * terminal (fs_report_params.width) the last are dropped first, the
   * first never.  A report may rank them otherwise (fs__rpt_drop). */
  for (int c = 1; c < ncols; c++)
    fs__table_set_drop(s->t, c, c);
  r->nsecs++;
  s->name = name;
  s->title = title;
  s->cols = cols;
  s->ncols = ncols;
  return s;
}

void fs__rpt_drop(rsec *s, const int *ranks) {
  for (int c = 0; s && c < s->ncols; c++)
    fs__table_set_drop(s->t, c, ranks[c]);
}

rsec *fs__rpt_row(rsec *s) {
  return s && fs__table_row(s->t) == 0 ? s : NULL;
}

int fs__rpt_text(rsec *s, int col, const char *v) {
  return fs__table_set_text(s->t, col, v);
}

void fs__rpt_int(rsec *s, int col, int64_t v) {
  fs__table_set_int(s->t, col, v);
}

void fs__rpt_num(rsec *s, int col, double v) {
  fs__table_set_num(s->t, col, v);
}

void fs__rpt_release(rpt *r) {
  for (int k = 0; k < r->nsecs; k++)
    fs__table_free(r->secs[k].t);
  r->nsecs = 0;
}

/* ---- SQL helpers -------------------------------------------------------------- */

#define OWNER_PARAM0 101 /* owners bind as ?101, ?102, ... */

/* " AND col IN (?101,...)" for the owner filter, or "". */
void fs__rpt_owners(const rpt *r, const char *col, char *buf, size_t len) {
  size_t n;
  buf[0] = '\0';
  if (r->p->nowners <= 0)
    return;
  n = (size_t)snprintf(buf, len, " AND %s IN (", col);
  for (int i = 0; i < r->p->nowners && n < len; i++)
    n += (size_t)snprintf(buf + n, len - n, "%s?%d", i ? "," : "", OWNER_PARAM0 + i);
  if (n < len)
    snprintf(buf + n, len - n, ")");
}

static int bind_named(sqlite3_stmt *st, const char *name, const char *v) {
  int i = sqlite3_bind_parameter_index(st, name);
  return i > 0 ? sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC) : SQLITE_OK;
}

/* Prepares sql and binds :from, :to, :to1, :asof, :asof1 and the owners
 * where used. */
int fs__rpt_prep(rpt *r, const char *sql, sqlite3_stmt **st) {
  int rc = sqlite3_prepare_v2(r->db, sql, -1, st, NULL);

  if (rc == SQLITE_OK)
    rc = bind_named(*st, ":from", r->from);
  if (rc == SQLITE_OK)
    rc = bind_named(*st, ":to", r->to);
  if (rc == SQLITE_OK)
    rc = bind_named(*st, ":to1", r->to1);
  if (rc == SQLITE_OK)
    rc = bind_named(*st, ":asof", r->asof);
  if (rc == SQLITE_OK)
    rc = bind_named(*st, ":asof1", r->asof1);
  for (int i = 0; rc == SQLITE_OK && i < r->p->nowners &&
                  OWNER_PARAM0 + i <= sqlite3_bind_parameter_count(*st);
       i++)
    rc = sqlite3_bind_text(*st, OWNER_PARAM0 + i, r->p->owners[i], -1, SQLITE_STATIC);
  if (rc != SQLITE_OK) {
    fs__rpt_fail(r, 0, "report query failed: %s", sqlite3_errmsg(r->db));
    rc = fs__db_err(r->db, rc);
    sqlite3_finalize(*st);
    *st = NULL;
    return rc ? rc : FS_EDB;
  }
  return 0;
}

/* After a loop of sqlite3_step: 0 for DONE, else the translated error. */
int fs__rpt_step_end(rpt *r, int src) {
  if (src == SQLITE_DONE || src == SQLITE_ROW)
    return 0;
  fs__rpt_fail(r, 0, "report query failed: %s", sqlite3_errmsg(r->db));
  return fs__db_err(r->db, src);
}

/* Makes room for one more element in a growing array *a of *cap elements
 * of size elem holding n: doubles it (first `initial`).  0 or FS_ENOMEM
 * (the array is left as it was). */
int fs__rpt_grow(void *a, size_t *cap, size_t n, size_t elem, size_t initial) {
  void *old, *p;
  size_t ncap;
  if (n < *cap)
    return 0;
  ncap = *cap ? *cap * 2 : initial;
  /* a points at a T *: copied, not read through a void ** (aliasing). */
  memcpy(&old, a, sizeof(old));
  p = realloc(old, ncap * elem);
  if (p == NULL)
    return FS_ENOMEM;
  memcpy(a, &p, sizeof(p));
  *cap = ncap;
  return 0;
}

/* ---- per-rep accumulators -------------------------------------------------- */

racc *fs__rpt_acc(raccs *s, const char *code) {
  if (code == NULL)
    code = "";
  if (s->last < s->n && strcmp(s->a[s->last].code, code) == 0)
    return &s->a[s->last];
  for (int i = 0; i < s->n; i++)
    if (strcmp(s->a[i].code, code) == 0) {
      s->last = i;
      return &s->a[i];
    }
  if (s->n == s->cap) {
    int cap = s->cap ? s->cap * 2 : 16;
    racc *a = realloc(s->a, (size_t)cap * sizeof(*a));
    if (a == NULL)
      return NULL;
    s->a = a;
    s->cap = cap;
  }
  memset(&s->a[s->n], 0, sizeof(s->a[s->n]));
  snprintf(s->a[s->n].code, sizeof(s->a[s->n].code), "%s", code);
  s->last = s->n;
  return &s->a[s->n++];
}

int fs__rpt_acc_cmp(const void *a, const void *b) {
  return strcmp(((const racc *)a)->code, ((const racc *)b)->code);
}

void fs__rpt_accs_sort(raccs *s) {
  if (s->n > 1)
    qsort(s->a, (size_t)s->n, sizeof(*s->a), fs__rpt_acc_cmp);
  s->last = 0;
}

/* Runs sql and appends each row to s: text columns as text, others int. */
int fs__rpt_fill(rpt *r, rsec *s, const char *sql) {
  sqlite3_stmt *st = NULL;
  int rc, src;

  rc = fs__rpt_prep(r, sql, &st);
  if (rc)
    return rc;
  while ((src = sqlite3_step(st)) == SQLITE_ROW) {
    rsec *row = fs__rpt_row(s);
    if (row == NULL) {
      rc = FS_ENOMEM;
      break;
    }
    for (int j = 0; j < s->ncols && rc == 0; j++) {
      if (sqlite3_column_type(st, j) == SQLITE_NULL)
        continue;
      if (s->cols[j].type == FS_COL_TEXT)
        rc = fs__rpt_text(row, j, col_text(st, j));
      else if (s->cols[j].type == FS_COL_INT || s->cols[j].type == FS_COL_MONEY)
        fs__rpt_int(row, j, sqlite3_column_int64(st, j));
      else
        fs__rpt_num(row, j, sqlite3_column_double(st, j));
    }
    if (rc)
      break;
  }
  if (rc == 0)
    rc = fs__rpt_step_end(r, src);
  sqlite3_finalize(st);
  return rc;
}

/* ---- customers in memory ------------------------------------------------------
 * visits and funnel read the big child tables in one sequential scan each
 * and find the customer by binary search, instead of one index lookup per
 * customer: 100,000 random B-tree probes into 1,000,000 visits cost
 * seconds, a scan a fraction of one. */

void fs__rpt_custs_release(fcusts *cs) {
  free(cs->a);
  free(cs->slot);
  memset(cs, 0, sizeof(*cs));
}

/* Ids end in random hex digits (common/id.h): 16 of them make the hash. */
static size_t id_hash(const char *id) {
  uint64_t h = 0;
  for (int i = FS_ID_HEX - 16; i < FS_ID_HEX; i++)
    h = h * 31 + (unsigned char)id[i];
  return (size_t)(h ^ (h >> 29));
}

/* Builds the hash index over the loaded cards: the scans of the big child
 * tables look a card up per row, and a million binary searches over
 * time-ordered ids (long shared prefixes) cost more than the scan. */
static int custs_index(fcusts *cs) {
  size_t m = 1024;
  while (m < 2 * cs->n)
    m *= 2;
  cs->slot = calloc(m, sizeof(*cs->slot));
  if (cs->slot == NULL)
    return FS_ENOMEM;
  cs->mask = m - 1;
  for (size_t i = 0; i < cs->n; i++) {
    size_t h = id_hash(cs->a[i].id) & cs->mask;
    while (cs->slot[h])
      h = (h + 1) & cs->mask;
    cs->slot[h] = (uint32_t)(i + 1);
  }
  return 0;
}

/* Loads the non-deleted cards with a grade matching `where` and the owner
 * filter, sorted by id. */
int fs__rpt_custs_load(rpt *r, const char *where, int tombs, fcusts *cs) {
  char own[OWN_MAX], sql[8192];
  sqlite3_stmt *st = NULL;
  int rc, src;

  fs__rpt_owners(r, "owner", own, sizeof(own));
  snprintf(sql, sizeof(sql),
           "SELECT id, owner, grade, delivery_date, created, deleted,"
           " date((hlc >> 16) / 1000, 'unixepoch', 'localtime') FROM customers"
           " WHERE ((deleted = 0 AND grade IS NOT NULL%s)%s)%s ORDER BY id",
           where, tombs ? " OR deleted = 1" : "", own);
  rc = fs__rpt_prep(r, sql, &st);
  if (rc)
    return rc;
  while ((src = sqlite3_step(st)) == SQLITE_ROW) {
    const char *id = col_text(st, 0), *d;
    fcust *c;
    int g = grade_idx(col_text(st, 2)), gone = sqlite3_column_int(st, 5);
    int64_t gday = INT64_MAX;
    /* A tombstone: no grade (its content is cleared); the day of the
     * delete ends its cadence (visits). */
    if (gone && (fs__date_parse(col_text(st, 6), &gday) != 0))
      continue;
    if ((g < 0 && !gone) || id == NULL || strlen(id) != FS_ID_HEX)
      continue;
    if (fs__rpt_grow(&cs->a, &cs->cap, cs->n, sizeof(*cs->a), 1024) != 0) {
      sqlite3_finalize(st);
      return FS_ENOMEM;
    }
    c = &cs->a[cs->n++];
    memset(c, 0, sizeof(*c));
    memcpy(c->id, id, FS_ID_HEX + 1);
    snprintf(c->owner, sizeof(c->owner), "%s", col_text(st, 1) ? col_text(st, 1) : "");
    d = col_text(st, 3);
    snprintf(c->delivery, sizeof(c->delivery), "%s", d ? d : "");
    c->g = g;
    c->gone = gday;
    c->anchor = INT64_MIN;
    if ((d = col_text(st, 4)) != NULL && fs__date_parse(d, &c->anchor) != 0)
      c->anchor = INT64_MIN;
  }
  rc = fs__rpt_step_end(r, src);
  sqlite3_finalize(st);
  if (rc == 0 && cs->n >= UINT32_MAX)
    rc = fs__rpt_fail(r, FS_EOVERFLOW, "too many customers for one report");
  if (rc == 0)
    rc = custs_index(cs);
  return rc;
}

fcust *fs__rpt_custs_find(const fcusts *cs, const char *id) {
  size_t h;
  if (id == NULL || cs->slot == NULL || strlen(id) != FS_ID_HEX)
    return NULL;
  for (h = id_hash(id) & cs->mask; cs->slot[h]; h = (h + 1) & cs->mask) {
    fcust *c = &cs->a[cs->slot[h] - 1];
    if (memcmp(c->id, id, FS_ID_HEX) == 0)
      return c;
  }
  return NULL;
}
