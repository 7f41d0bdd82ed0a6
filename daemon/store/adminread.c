/* adminread.c - reads of the administration listings (adminread.h). */
#include "store/adminread.h"

#include <stdio.h>
#include <string.h>

#include "fs_errno.h"
#include "id.h"
#include "status.h"
#include "store/sq.h"

int fs__audit_list(fs_store_rd *r, const char *staff, const char *customer, int max,
                   int (*row)(void *arg, const fs_audit_row *a), void *arg) {
  sqlite3 *db = fs__rd_db(r);
  sqlite3_stmt *st = NULL;
  int rc;

  rc = fs__sq_prep(db, &st,
                   "SELECT at, actor, action, COALESCE(staff,''), COALESCE(customer,''), "
                   "device, COALESCE(detail,''), COALESCE(reason,'') "
                   "FROM audit WHERE (?1 IS NULL OR staff=?1) AND (?2 IS NULL OR "
                   "customer=?2) ORDER BY id LIMIT ?3",
                   "tti", staff, customer, max);
  while (rc == 0 && (rc = fs__sq_step(db, st)) == 1) {
    fs_audit_row a;
    a.at = sqlite3_column_int64(st, 0);
    a.actor = fs__sq_text(st, 1);
    a.action = fs__sq_text(st, 2);
    a.staff = fs__sq_text(st, 3);
    a.customer = fs__sq_text(st, 4);
    a.device =
        sqlite3_column_type(st, 5) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 5);
    a.detail = fs__sq_text(st, 6);
    a.reason = fs__sq_text(st, 7);
    rc = row(arg, &a);
  }
  sqlite3_finalize(st);
  return rc;
}

int fs__quarantine_list(fs_store_rd *r, int (*row)(void *arg, const fs_quarantine_row *q),
                        void *arg) {
  sqlite3 *db = fs__rd_db(r);
  sqlite3_stmt *st = NULL;
  int rc;

  rc = fs__sq_prep(
      db, &st,
      "SELECT q.id, q.device_id, COALESCE(d.staff,''), q.counter, q.status "
      "FROM quarantine q LEFT JOIN devices d ON d.id=q.device_id ORDER BY q.id",
      "");
  while (rc == 0 && (rc = fs__sq_step(db, st)) == 1) {
    fs_quarantine_row q;
    q.id = sqlite3_column_int64(st, 0);
    q.device = sqlite3_column_int64(st, 1);
    q.staff = fs__sq_text(st, 2);
    q.counter = sqlite3_column_int64(st, 3);
    q.status = fs__sq_text(st, 4);
    rc = row(arg, &q);
  }
  sqlite3_finalize(st);
  return rc;
}

int fs__quarantine_drop(fs_central *c, int64_t id) {
  int changed = 0;
  int rc = fs__sq_run(fs__central_db(c), &changed,
                      "UPDATE quarantine SET status='" FS_QUARANTINE_DROPPED_S
                      "' WHERE id=?1 AND status='" FS_QUARANTINE_PENDING_S "'",
                      "I", id);
  return rc ? rc : changed ? 0 : FS_ENOTFOUND;
}

int fs__record_get(fs_store_rd *r, fs_kind k, const char *id, fs_row *out) {
  return fs__store_get(fs__rd_db(r), k, id, out);
}

int fs__history_filed(fs_store_rd *r, const char *rec, char *cust, size_t len) {
  sqlite3 *db = fs__rd_db(r);
  sqlite3_stmt *st = NULL;
  int rc, found = 0;

  cust[0] = '\0';
  rc = fs__sq_prep(
      db, &st, "SELECT id FROM customers WHERE id=?1 OR archive_no=?1 LIMIT 1", "t", rec);
  if (rc == 0 && (rc = fs__sq_step(db, st)) == 1) {
    snprintf(cust, len, "%s", fs__sq_text(st, 0));
    found = 1;
  }
  sqlite3_finalize(st);
  if (rc < 0)
    return rc;
  for (int k = 0; !found && k < FS_KIND__COUNT; k++) {
    const fs_kind_def *kd = fs__kind_def((fs_kind)k);
    int pf = fs__field_index(kd, "customer_id");
    fs_row row;
    memset(&row, 0, sizeof(row));
    if (k == FS_KIND_CUSTOMER || !fs__id_valid(rec))
      continue;
    rc = fs__store_get(db, (fs_kind)k, rec, &row);
    if (rc == 0) {
      int linked = pf >= 0 && row.values[pf].type == FS_V_TEXT;
      snprintf(cust, len, "%s", linked ? row.values[pf].s : rec);
      found = 2;
    }
    fs__row_release(&row);
    if (rc && rc != FS_ENOTFOUND)
      return rc;
  }
  return found;
}

int fs__history_list(fs_store_rd *r, int filed, const char *cust, const char *rec,
                     int (*entry)(void *arg, const fs_history_entry *e), void *arg) {
  /* Through the index on customer; a record the store no longer has
   * (tombstone purged) is a scan of the history kept (rare, admin only). */
  static const char *const sql[] = {
      "SELECT at, staff, device, kind, record_id, outcome, fields, id, customer FROM "
      "history WHERE record_id=?2 ORDER BY id LIMIT ?3",
      "SELECT at, staff, device, kind, record_id, outcome, fields, id, customer FROM "
      "history WHERE customer=?1 ORDER BY id LIMIT ?3",
      "SELECT at, staff, device, kind, record_id, outcome, fields, id, customer FROM "
      "history WHERE customer IN (?1, ?2) AND record_id=?2 ORDER BY id LIMIT ?3",
  };
  sqlite3 *db = fs__rd_db(r);
  sqlite3_stmt *st = NULL;
  int rc;

  if (filed < 0 || filed > 2)
    return FS_EINVAL;
  rc = fs__sq_prep(db, &st, sql[filed], "tti", cust, rec, FS_HISTORY_LIST_MAX);
  while (rc == 0 && (rc = fs__sq_step(db, st)) == 1) {
    fs_history_entry e;
    e.at = sqlite3_column_int64(st, 0);
    e.staff = fs__sq_text(st, 1);
    e.device = sqlite3_column_int64(st, 2);
    e.kind = (fs_kind)sqlite3_column_int(st, 3);
    e.record_id = fs__sq_text(st, 4);
    e.outcome = sqlite3_column_int(st, 5);
    e.deleted = sqlite3_column_type(st, 6) == SQLITE_NULL;
    e.fields = sqlite3_column_blob(st, 6);
    e.nfields = (size_t)sqlite3_column_bytes(st, 6);
    e.id = sqlite3_column_int64(st, 7);
    e.customer = fs__sq_text(st, 8);
    rc = entry(arg, &e);
  }
  sqlite3_finalize(st);
  return rc;
}

int fs__history_later(fs_store_rd *r, const char *cust, fs_kind k, const char *rec,
                      int64_t after, int (*blob)(void *arg, const void *p, size_t len),
                      void *arg) {
  sqlite3 *db = fs__rd_db(r);
  sqlite3_stmt *st = NULL;
  int rc;

  rc = fs__sq_prep(db, &st,
                   "SELECT fields FROM history WHERE customer IN (?1, ?2) AND "
                   "record_id=?2 AND kind=?3 AND id>?4 AND length(fields)>0 ORDER BY id",
                   "ttiI", cust, rec, (int)k, after);
  while (rc == 0 && (rc = fs__sq_step(db, st)) == 1)
    rc = blob(arg, sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0));
  sqlite3_finalize(st);
  return rc;
}
