/* record_history.c - the per-record history table of the central store
 * (store/record_history.h; the rows' format: daemon/history.h). */
#include "store/record_history.h"
#include "store/push_impl.h"

#include <stdio.h>
#include <string.h>

#include "fs_errno.h"

int fs__history_add(fs_central *c, const fs_device *d, const fs_change *ch,
                    const char *cust, const fs_row *existing, int found,
                    fs_outcome outcome) {
  sqlite3_stmt *st = c->st_history;
  int rc, due = 0;

  if (ch->op == FS_OP_DELETE) {
    fs__buf_reset(&c->hist);
  } else {
    rc = fs__history_encode(&c->hist, ch, found ? existing : NULL, outcome, &due);
    if (rc || !due)
      return rc;
  }
  sqlite3_bind_int64(st, 1, (sqlite3_int64)fs__now_ms());
  /* Filed under the customer (the one index), a record without one under
   * itself. */
  sqlite3_bind_text(st, 2, cust ? cust : ch->id, -1, SQLITE_STATIC);
  sqlite3_bind_int(st, 3, (int)ch->kind);
  sqlite3_bind_text(st, 4, ch->id, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 5, d->staff, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 6, (sqlite3_int64)d->id);
  sqlite3_bind_int(st, 7, (int)outcome);
  if (ch->op == FS_OP_DELETE)
    sqlite3_bind_null(st, 8);
  else
    sqlite3_bind_blob(st, 8, c->hist.len ? (const void *)c->hist.data : "",
                      (int)c->hist.len, SQLITE_STATIC);
  rc = sqlite3_step(st);
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
  rc = rc == SQLITE_DONE ? 0 : fs__db_err(c->db, rc);
  /* A deleted record keeps no content, in its history neither. */
  if (rc == 0 && ch->op == FS_OP_DELETE && outcome != FS_OUTCOME_SUPERSEDED)
    rc = fs__history_clear(c, cust, ch->kind, ch->id, FS_HISTORY_DELETED);
  return rc;
}

int fs__history_clear(fs_central *c, const char *cust, fs_kind kind, const char *id,
                      fs_history_clear what) {
  sqlite3 *db = c ? c->db : NULL;
  const fs_kind_def *kd = fs__kind_def(kind);
  sqlite3_stmt *sel = NULL, *upd = NULL;
  fs_buf b;
  int rc;

  if (db == NULL || kd == NULL || id == NULL)
    return FS_EINVAL;
  fs__buf_init(&b, FS_HISTORY_BLOB_MAX);
  /* Through the index on customer: the record's rows are filed under its
   * customer, or under itself.  A delete (NULL) has no values, an
   * create none of its own. */
  rc = sqlite3_prepare_v2(db,
                          "SELECT id, fields FROM history WHERE customer IN (?1, ?3) AND "
                          "kind=?2 AND record_id=?3 AND length(fields) > 0",
                          -1, &sel, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_prepare_v2(db, "UPDATE history SET fields=?2 WHERE id=?1", -1, &upd,
                            NULL);
  if (rc != SQLITE_OK) {
    rc = fs__db_err(db, rc);
    goto out;
  }
  sqlite3_bind_text(sel, 1, cust && *cust ? cust : id, -1, SQLITE_STATIC);
  sqlite3_bind_int(sel, 2, (int)kind);
  sqlite3_bind_text(sel, 3, id, -1, SQLITE_STATIC);
  /* Only the blob of rows already visited changes, never an indexed
   * column, so the scan is not disturbed. */
  while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
    int changed = 0;
    rc = fs__history_blob_clear(kind, sqlite3_column_blob(sel, 1),
                                (size_t)sqlite3_column_bytes(sel, 1), what, &b, &changed);
    if (rc == 0 && changed) {
      sqlite3_bind_int64(upd, 1, sqlite3_column_int64(sel, 0));
      sqlite3_bind_blob(upd, 2, b.data, (int)b.len, SQLITE_STATIC);
      rc = sqlite3_step(upd) == SQLITE_DONE ? 0 : fs__db_err(db, sqlite3_errcode(db));
      sqlite3_reset(upd);
    }
    if (rc)
      goto out;
  }
  rc = rc == SQLITE_DONE ? 0 : fs__db_err(db, rc);
out:
  sqlite3_finalize(sel);
  sqlite3_finalize(upd);
  fs__buf_release(&b);
  return rc;
}

/* 1 if fields blob (p, len) of a row of kind set field f and won. */
static int row_set_field(const fs_kind_def *kd, const void *p, size_t len, int f) {
  const unsigned char *idx;
  fs_history_field *e = NULL;
  size_t n;
  int ne = 0, hit = 0;

  if (fs__history_created(p, len, &idx, &n)) {
    for (size_t i = 0; i < n; i++)
      hit |= idx[i] == f;
    return hit;
  }
  if (fs__history_decode(p, len, &e, &ne) != 0)
    return 0; /* a row it cannot read names nobody */
  for (int i = 0; i < ne && !hit; i++)
    hit = e[i].won && strcmp(e[i].name, kd->fields[f].name) == 0;
  fs__history_fields_free(e, ne);
  return hit;
}

int fs__history_field_writer(fs_central *c, const char *cust, fs_kind kind,
                             const char *id, int f, char staff[FS_STAFF_MAX + 1]) {
  const fs_kind_def *kd = fs__kind_def(kind);
  sqlite3_stmt *st = NULL;
  int rc, step;

  staff[0] = '\0';
  if (kd == NULL || f < 0 || f >= kd->nfields)
    return 0;
  rc = sqlite3_prepare_v2(
      c->db,
      "SELECT staff, fields FROM history WHERE customer=?1 AND kind=?2 "
      "AND record_id=?3 AND fields IS NOT NULL ORDER BY id DESC LIMIT ?4",
      -1, &st, NULL);
  if (rc != SQLITE_OK)
    return fs__db_err(c->db, rc);
  sqlite3_bind_text(st, 1, cust && cust[0] ? cust : id, -1, SQLITE_STATIC);
  sqlite3_bind_int(st, 2, (int)kind);
  sqlite3_bind_text(st, 3, id, -1, SQLITE_STATIC);
  sqlite3_bind_int(st, 4, FS_HISTORY_WRITER_ROWS);
  while ((step = sqlite3_step(st)) == SQLITE_ROW) {
    if (row_set_field(kd, sqlite3_column_blob(st, 1), (size_t)sqlite3_column_bytes(st, 1),
                      f)) {
      snprintf(staff, FS_STAFF_MAX + 1, "%s", (const char *)sqlite3_column_text(st, 0));
      break;
    }
  }
  rc = step == SQLITE_ROW || step == SQLITE_DONE ? 0 : fs__db_err(c->db, step);
  sqlite3_finalize(st);
  return rc;
}
