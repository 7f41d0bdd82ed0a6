/* session.c - the central store's calls for sessions (store/session.h),
 * SQLite implementation. */
#include "store/session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs_errno.h"
#include "store/central.h"
#include "store/impl.h"

/* The result of a finished step loop: SQLITE_DONE is success, an fs_errno
 * (negative) passes through, any other SQLite code is translated. */
static int step_end(sqlite3 *db, int rc) {
  if (rc == SQLITE_DONE)
    return 0;
  return rc < 0 ? rc : fs__db_err(db, rc);
}

static int prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st) {
  int rc = sqlite3_prepare_v2(db, sql, -1, st, NULL);
  return rc == SQLITE_OK ? 0 : fs__db_err(db, rc);
}

/* Runs st (bound) to completion and finalizes it. */
static int run_once(sqlite3 *db, sqlite3_stmt *st) {
  int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  return step_end(db, rc);
}

/* ---- devices -------------------------------------------------------- */

int fs__store_device_pushed(fs_central *c, uint64_t device, int64_t now_ms,
                            uint64_t outbox_left, uint64_t oldest, uint64_t cursor) {
  sqlite3 *db = fs__central_db(c);
  sqlite3_stmt *st = NULL;
  int rc;

  rc = prepare(db,
               "UPDATE devices SET last_seen=?1, outbox_depth=?2, oldest_unsynced=?3, "
               "cursor=?5 WHERE id=?4",
               &st);
  if (rc)
    return rc;
  sqlite3_bind_int64(st, 1, (sqlite3_int64)now_ms);
  sqlite3_bind_int64(st, 2, (sqlite3_int64)outbox_left);
  if (outbox_left > 0)
    sqlite3_bind_int64(st, 3, (sqlite3_int64)oldest);
  else
    sqlite3_bind_null(st, 3);
  sqlite3_bind_int64(st, 4, (sqlite3_int64)device);
  sqlite3_bind_int64(st, 5, (sqlite3_int64)cursor);
  return run_once(db, st);
}

int fs__store_device_cursor(fs_central *c, uint64_t device, int64_t now_ms,
                            uint64_t cursor) {
  sqlite3 *db = fs__central_db(c);
  sqlite3_stmt *st = NULL;
  int rc;

  rc = prepare(db, "UPDATE devices SET last_seen=?1, cursor=?2 WHERE id=?3", &st);
  if (rc)
    return rc;
  sqlite3_bind_int64(st, 1, (sqlite3_int64)now_ms);
  sqlite3_bind_int64(st, 2, (sqlite3_int64)cursor);
  sqlite3_bind_int64(st, 3, (sqlite3_int64)device);
  return run_once(db, st);
}

int fs__store_applied_max(fs_store_rd *r, uint64_t device, uint64_t *counter) {
  sqlite3 *db = fs__rd_db(r);
  sqlite3_stmt *st = NULL;
  int rc;

  *counter = 0;
  rc =
      prepare(db, "SELECT COALESCE(max(counter),0) FROM applied WHERE device_id=?1", &st);
  if (rc)
    return rc;
  sqlite3_bind_int64(st, 1, (sqlite3_int64)device);
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    *counter = (uint64_t)sqlite3_column_int64(st, 0);
    rc = SQLITE_DONE;
  }
  sqlite3_finalize(st);
  return step_end(db, rc);
}

int fs__store_staff_name(fs_store_rd *r, const char *code, char *name, size_t cap) {
  sqlite3 *db = fs__rd_db(r);
  sqlite3_stmt *st = NULL;
  int rc;

  name[0] = '\0';
  rc = prepare(db, "SELECT name FROM staff WHERE code=?1", &st);
  if (rc)
    return rc;
  sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    snprintf(name, cap, "%s", (const char *)sqlite3_column_text(st, 0));
    rc = SQLITE_DONE;
  } else if (rc == SQLITE_DONE) {
    rc = FS_ENOTFOUND;
  }
  sqlite3_finalize(st);
  return step_end(db, rc);
}

int fs__store_gc_floor(fs_store_rd *r, uint64_t *floor) {
  long long v = 0;
  int rc = fs__meta_get_int(fs__rd_db(r), "gc_floor", &v);

  *floor = rc == 0 && v > 0 ? (uint64_t)v : 0;
  return rc == FS_ENOTFOUND ? 0 : rc;
}

int fs__store_evicted_audiences(fs_store_rd *r, uint64_t after,
                                char (**out)[FS_STAFF_MAX + 1], int *n) {
  sqlite3 *db = fs__rd_db(r);
  sqlite3_stmt *st = NULL;
  char(*list)[FS_STAFF_MAX + 1] = NULL;
  int rc, cnt = 0;

  *out = NULL;
  *n = 0;
  rc = prepare(db, "SELECT DISTINCT audience FROM journal WHERE seq>?1 AND op=?2", &st);
  if (rc)
    return rc;
  sqlite3_bind_int64(st, 1, (sqlite3_int64)after);
  sqlite3_bind_int(st, 2, FS_JOURNAL_EVICT);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    char(*p)[FS_STAFF_MAX + 1] = realloc(list, (size_t)(cnt + 1) * sizeof(*list));
    if (p == NULL) {
      rc = FS_ENOMEM;
      break;
    }
    list = p;
    snprintf(list[cnt++], FS_STAFF_MAX + 1, "%s", sqlite3_column_text(st, 0));
  }
  sqlite3_finalize(st);
  rc = step_end(db, rc);
  if (rc) {
    free(list);
    return rc;
  }
  *out = list;
  *n = cnt;
  return 0;
}

uint64_t fs__store_write_mark(fs_central *c) {
  return (uint64_t)sqlite3_total_changes64(fs__central_db(c));
}

/* ---- the side pages of a pull ---------------------------------------- */

/* One side page being read: the rule of store/session.h, once for both
 * kinds of item.  A kind supplies which rows its reader may see (visible,
 * NULL: all) and how a row becomes an item (take: appends to its own
 * vector, counted in its own *n so that a half-made item is freed too). */
typedef struct page_walk {
  int seq_col; /* the column holding the row's seq */
  uint32_t max;
  int (*visible)(void *arg, sqlite3_stmt *st);
  int (*take)(void *arg, sqlite3_stmt *st, uint64_t seq);
  void *arg;
} page_walk;

/* Steps through st (bound, ordered by seq) and finalizes it.  *cut: the
 * seq of the first item left out, 0 if none.  0 or an error. */
static int page_walk_run(sqlite3 *db, sqlite3_stmt *st, const page_walk *w,
                         uint64_t *cut) {
  uint32_t taken = 0;
  uint64_t last = 0;
  int rc;

  *cut = 0;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    uint64_t seq = (uint64_t)sqlite3_column_int64(st, w->seq_col);
    if (w->visible && !w->visible(w->arg, st))
      continue;
    /* Full, and this item starts a new seq: one seq's items never split,
     * and the first seq of a page always goes in whole. */
    if (taken >= w->max && seq != last) {
      *cut = seq;
      rc = SQLITE_DONE;
      break;
    }
    last = seq;
    rc = w->take(w->arg, st, seq);
    if (rc)
      break;
    taken++;
  }
  sqlite3_finalize(st);
  rc = step_end(db, rc);
  if (rc)
    *cut = 0;
  return rc;
}

/* Grows *v (elements of size sz) to hold one more than n. */
static int grow(void **v, uint32_t n, uint32_t *cap, size_t sz, uint32_t first) {
  void *p;
  uint32_t ncap;

  if (n < *cap)
    return 0;
  ncap = *cap ? *cap * 2 : first;
  p = realloc(*v, ncap * sz);
  if (p == NULL)
    return FS_ENOMEM;
  *v = p;
  *cap = ncap;
  return 0;
}

void fs__store_conflicts_free(fs_conflict_item *items, uint32_t n) {
  fs_msg m;

  fs__msg_init(&m, FS_MSG_CONFLICTS);
  m.u.conflicts.items = items;
  m.u.conflicts.n = n;
  fs__msg_release(&m);
}

/* Fills it from the current row of the conflicts query. */
static int conflict_fill(sqlite3_stmt *st, fs_conflict_item *it) {
  memset(it, 0, sizeof(*it));
  it->kind = strdup((const char *)sqlite3_column_text(st, 0));
  snprintf(it->id, sizeof(it->id), "%s", sqlite3_column_text(st, 1));
  it->field = strdup((const char *)sqlite3_column_text(st, 2));
  for (int v = 0; v < 2; v++) {
    int col = v ? 5 : 3;
    fs_value *val = v ? &it->winner : &it->loser;
    if (sqlite3_column_type(st, col) == SQLITE_INTEGER)
      fs__value_set_int(val, sqlite3_column_int64(st, col));
    else if (sqlite3_column_type(st, col) == SQLITE_TEXT &&
             fs__value_set_text(val, (const char *)sqlite3_column_text(st, col),
                                (size_t)sqlite3_column_bytes(st, col)) != 0)
      return FS_ENOMEM;
  }
  it->loser_hlc = (uint64_t)sqlite3_column_int64(st, 4);
  it->winner_hlc = (uint64_t)sqlite3_column_int64(st, 6);
  snprintf(it->author, sizeof(it->author), "%s", sqlite3_column_text(st, 7));
  it->at = (uint64_t)sqlite3_column_int64(st, 8);
  /* A fenced item (central.c apply_fenced): the staff whose device sent it. */
  snprintf(it->fenced, sizeof(it->fenced), "%s", sqlite3_column_text(st, 10));
  snprintf(it->winner_author, sizeof(it->winner_author), "%s", sqlite3_column_text(st, 12));
  return it->kind && it->field ? 0 : FS_ENOMEM;
}

typedef struct conflict_vec {
  const fs_access *a;
  fs_conflict_item *v;
  uint32_t n, cap;
} conflict_vec;

static int conflict_visible(void *arg, sqlite3_stmt *st) {
  const fs_access *a = ((conflict_vec *)arg)->a;
  const char *author = (const char *)sqlite3_column_text(st, 7);

  /* After-sales staff read only delivered cards of their team: of its
   * conflicts, only those of their own writes (the service part). */
  if (a->role == FS_ROLE_AFTER_SALES && (author == NULL || strcmp(author, a->staff) != 0))
    return 0;
  return fs__access_owner_ok(a, (const char *)sqlite3_column_text(st, 9));
}

static int conflict_take(void *arg, sqlite3_stmt *st, uint64_t seq) {
  conflict_vec *cv = arg;
  int rc = grow((void **)&cv->v, cv->n, &cv->cap, sizeof(*cv->v), 64);

  (void)seq;
  return rc ? rc : conflict_fill(st, &cv->v[cv->n++]);
}

int fs__store_conflicts_page(fs_store_rd *r, const fs_access *a, uint64_t after,
                             uint64_t upto, uint32_t max, fs_conflict_item **items,
                             uint32_t *n, uint64_t *cut) {
  sqlite3 *db = fs__rd_db(r);
  sqlite3_stmt *st = NULL;
  conflict_vec cv = {a, NULL, 0, 0};
  page_walk w = {11, max, conflict_visible, conflict_take, &cv};
  int rc;

  *items = NULL;
  *n = 0;
  *cut = 0;
  rc = prepare(db,
               "SELECT c.kind, c.record_id, c.field, c.loser, c.loser_hlc, "
               "c.winner, c.winner_hlc, COALESCE(d.staff, c.loser_staff, ''), c.at, "
               "c.owner, COALESCE(c.fenced,''), c.seq, COALESCE(c.winner_staff,'') "
               "FROM conflicts c LEFT JOIN devices d ON d.id=c.loser_device "
               "WHERE c.seq>?1 AND c.seq<=?2 ORDER BY c.seq, c.id",
               &st);
  if (rc)
    return rc;
  sqlite3_bind_int64(st, 1, (sqlite3_int64)after);
  sqlite3_bind_int64(st, 2, (sqlite3_int64)upto);
  rc = page_walk_run(db, st, &w, cut);
  if (rc) {
    fs__store_conflicts_free(cv.v, cv.n);
    return rc;
  }
  *items = cv.v;
  *n = cv.n;
  return 0;
}

void fs__store_notices_free(fs_notice_row *rows, uint32_t n) {
  for (uint32_t i = 0; rows && i < n; i++)
    free(rows[i].body);
  free(rows);
}

typedef struct notice_vec {
  fs_notice_row *v;
  uint32_t n, cap;
} notice_vec;

static int notice_take(void *arg, sqlite3_stmt *st, uint64_t seq) {
  notice_vec *nv = arg;
  fs_notice_row *row;
  int rc = grow((void **)&nv->v, nv->n, &nv->cap, sizeof(*nv->v), 16);

  if (rc)
    return rc;
  row = &nv->v[nv->n++];
  row->seq = seq;
  row->at = (uint64_t)sqlite3_column_int64(st, 0);
  row->review = strcmp((const char *)sqlite3_column_text(st, 1), "review") == 0;
  row->body = strdup((const char *)sqlite3_column_text(st, 2));
  return row->body ? 0 : FS_ENOMEM;
}

int fs__store_notices_page(fs_store_rd *r, const char *staff, uint64_t after,
                           uint64_t upto, uint32_t max, fs_notice_row **rows, uint32_t *n,
                           uint64_t *cut) {
  sqlite3 *db = fs__rd_db(r);
  sqlite3_stmt *st = NULL;
  notice_vec nv = {NULL, 0, 0};
  page_walk w = {3, max, NULL, notice_take, &nv};
  int rc;

  *rows = NULL;
  *n = 0;
  *cut = 0;
  rc = prepare(db,
               "SELECT at, COALESCE(kind,''), COALESCE(report,''), seq FROM handovers "
               "WHERE seq>?1 AND seq<=?2 AND dry_run=0 AND (to_staff=?3 OR manager=?3) "
               "ORDER BY seq, id",
               &st);
  if (rc)
    return rc;
  sqlite3_bind_int64(st, 1, (sqlite3_int64)after);
  sqlite3_bind_int64(st, 2, (sqlite3_int64)upto);
  sqlite3_bind_text(st, 3, staff, -1, SQLITE_STATIC);
  rc = page_walk_run(db, st, &w, cut);
  if (rc) {
    fs__store_notices_free(nv.v, nv.n);
    return rc;
  }
  *rows = nv.v;
  *n = nv.n;
  return 0;
}

/* ---- loan reads ------------------------------------------------------ */

int fs__store_loan_reads(fs_central *c, uint64_t device, const char *staff,
                         int64_t now_ms, const fs_loan_read *reads, int n) {
  sqlite3 *db = fs__central_db(c);
  sqlite3_stmt *st = NULL;
  int rc;

  rc = prepare(db,
               "INSERT INTO loan_reads(loan_id, device_id, at, record_count) SELECT id, "
               "?1, ?2, ?3 FROM loans WHERE staff=?4 AND customer_id=?5 AND ended=0",
               &st);
  for (int i = 0; rc == 0 && i < n; i++) {
    sqlite3_bind_int64(st, 1, (sqlite3_int64)device);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)now_ms);
    sqlite3_bind_int(st, 3, reads[i].rows);
    sqlite3_bind_text(st, 4, staff, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, reads[i].customer, -1, SQLITE_STATIC);
    rc = step_end(db, sqlite3_step(st));
    sqlite3_reset(st);
  }
  sqlite3_finalize(st);
  return rc;
}
