/* conflicts.c - the conflict log and the notices the daemon sent, as the
 * public API shows them (fieldsync.h): listing (with each record's
 * customer), accept, dismiss, resolve; fs_notice_list. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "fieldsync.h"
#include "fs_errno.h"
#include "model.h"
#include "replica.h"

/* The open item n: its kind, record id, field and lost value (text). */
typedef struct item {
  char kind[32];
  char id[33];
  char field[64];
  char *value; /* NULL: the lost value was empty */
} item;

static int item_load(fs_replica *r, int64_t n, item *it) {
  sqlite3_stmt *st = NULL;
  int rc;

  memset(it, 0, sizeof(*it));
  rc = sqlite3_prepare_v2(fs__replica_db(r),
                          "SELECT kind, record_id, field, loser, resolved FROM conflicts "
                          "WHERE id=?1",
                          -1, &st, NULL);
  if (rc != SQLITE_OK)
    return fs__db_err(fs__replica_db(r), rc);
  sqlite3_bind_int64(st, 1, n);
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW && sqlite3_column_type(st, 4) != SQLITE_NULL) {
    rc = fs__replica_fail(r, FS_EEXIST, "item %lld was already %s", (long long)n,
                          sqlite3_column_text(st, 4));
  } else if (rc == SQLITE_ROW) {
    snprintf(it->kind, sizeof(it->kind), "%s", sqlite3_column_text(st, 0));
    snprintf(it->id, sizeof(it->id), "%s", sqlite3_column_text(st, 1));
    snprintf(it->field, sizeof(it->field), "%s", sqlite3_column_text(st, 2));
    if (sqlite3_column_type(st, 3) != SQLITE_NULL) {
      it->value = strdup((const char *)sqlite3_column_text(st, 3));
      rc = it->value ? 0 : FS_ENOMEM;
    } else {
      rc = 0;
    }
  } else if (rc == SQLITE_DONE) {
    rc = fs__replica_fail(r, FS_ENOTFOUND, "no item %lld; see fieldsync conflicts",
                          (long long)n);
  } else {
    rc = fs__db_err(fs__replica_db(r), rc);
  }
  sqlite3_finalize(st);
  return rc;
}

static int item_resolve(fs_replica *r, int64_t n, const char *how) {
  sqlite3_stmt *st = NULL;
  int rc;

  rc = sqlite3_prepare_v2(
      fs__replica_db(r),
      "UPDATE conflicts SET resolved=?2 WHERE id=?1 AND resolved IS NULL", -1, &st, NULL);
  if (rc != SQLITE_OK)
    return fs__db_err(fs__replica_db(r), rc);
  sqlite3_bind_int64(st, 1, n);
  sqlite3_bind_text(st, 2, how, -1, SQLITE_STATIC);
  rc = sqlite3_step(st);
  rc = rc == SQLITE_DONE ? 0 : fs__db_err(fs__replica_db(r), rc);
  sqlite3_finalize(st);
  return rc;
}

int fs_conflict_accept(fs_replica *r, int64_t n) {
  fs_record *rec = NULL;
  item it;
  int rc;

  if (r == NULL)
    return FS_EINVAL;
  rc = item_load(r, n, &it);
  if (rc)
    goto out;
  /* An ordinary local edit by this replica's user (the owner): it goes
   * through the outbox and the daemon's rules like any other. */
  if (strcmp(it.field, "(deleted)") == 0) {
    rc = fs_delete(r, it.kind, it.id);
  } else {
    rc = fs_record_new(it.kind, &rec);
    if (rc == 0 && (rc = fs_record_set(rec, it.field, it.value)) != 0)
      rc = fs__replica_fail(r, rc, "%s", fs_errmsg(NULL));
    if (rc == 0)
      rc = fs_update(r, it.kind, it.id, rec);
  }
  if (rc == 0)
    rc = item_resolve(r, n, "accepted");
out:
  fs_record_free(rec);
  free(it.value);
  return rc;
}

/* Closes open item n as `how` without touching any record. */
static int close_item(fs_replica *r, int64_t n, const char *how) {
  item it;
  int rc;

  if (r == NULL)
    return FS_EINVAL;
  rc = item_load(r, n, &it);
  if (rc == 0)
    rc = item_resolve(r, n, how);
  free(it.value);
  return rc;
}

int fs_conflict_dismiss(fs_replica *r, int64_t n) { return close_item(r, n, "dismissed"); }

int fs_conflict_resolve(fs_replica *r, int64_t n) { return close_item(r, n, "resolved"); }

/* ---- listing ------------------------------------------------------------------ */

static const char *col_text(sqlite3_stmt *st, int i) {
  const char *s = (const char *)sqlite3_column_text(st, i);
  return s ? s : "";
}

/* Prepares a read of r's database; on failure r's message says what could
 * not be read. */
static int prepare_read(fs_replica *r, const char *sql, const char *what,
                        sqlite3_stmt **st) {
  sqlite3 *db = fs__replica_db(r);
  int rc = sqlite3_prepare_v2(db, sql, -1, st, NULL);
  if (rc == SQLITE_OK)
    return 0;
  return fs__replica_fail(r, fs__db_err(db, rc), "cannot read the %s: %s", what,
                          sqlite3_errmsg(db));
}

/* The customer card of record (kind, id): the record itself for a
 * customer, else the card its customer_id names.  Empty strings if
 * neither is in this replica. */
typedef struct cust_of {
  char archive[64];
  char name[256];
} cust_of;

static int customer_of(fs_replica *r, const char *kind, const char *id, cust_of *out) {
  const fs_kind_def *kd = fs__kind_by_name(kind);
  const fs_kind_def *cd = fs__kind_def(FS_KIND_CUSTOMER);
  sqlite3_stmt *st = NULL;
  char sql[256];
  int rc;

  out->archive[0] = out->name[0] = '\0';
  if (kd == NULL || (kd != cd && fs__field_index(kd, "customer_id") < 0))
    return 0;
  if (kd == cd)
    snprintf(sql, sizeof(sql), "SELECT archive_no, name FROM \"%s\" WHERE id=?1",
             cd->table);
  else
    snprintf(sql, sizeof(sql),
             "SELECT c.archive_no, c.name FROM \"%s\" c WHERE c.id="
             "(SELECT customer_id FROM \"%s\" WHERE id=?1)",
             cd->table, kd->table);
  rc = prepare_read(r, sql, "conflict log's customers", &st);
  if (rc)
    return rc;
  sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    snprintf(out->archive, sizeof(out->archive), "%s", col_text(st, 0));
    snprintf(out->name, sizeof(out->name), "%s", col_text(st, 1));
  }
  rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : fs__db_err(fs__replica_db(r), rc);
  sqlite3_finalize(st);
  return rc;
}

static const char *field_label(const char *kind, const char *field) {
  const fs_kind_def *kd = fs__kind_by_name(kind);
  int f = kd ? fs__field_index(kd, field) : -1;

  return f >= 0 && kd->fields[f].label ? kd->fields[f].label : field;
}

static fs_conflict_state state_of(const char *resolved) {
  return strcmp(resolved, "accepted") == 0    ? FS_CONFLICT_ACCEPTED
         : strcmp(resolved, "dismissed") == 0 ? FS_CONFLICT_DISMISSED
         : strcmp(resolved, "resolved") == 0  ? FS_CONFLICT_RESOLVED
                                              : FS_CONFLICT_OPEN;
}

int fs_conflict_list(fs_replica *r, fs_conflict_fn cb, void *arg) {
  sqlite3_stmt *st = NULL;
  fs_identity me;
  cust_of cu;
  fs_conflict c;
  int rc;

  if (r == NULL || cb == NULL)
    return FS_EINVAL;
  rc = fs_replica_identity(r, &me);
  if (rc)
    return rc;
  rc = prepare_read(r,
                    "SELECT kind, record_id, field, loser, loser_hlc, winner, "
                    "winner_hlc, loser_author, at, id, fenced, resolved, "
                    "COALESCE(winner_author, '') "
                    "FROM conflicts ORDER BY id",
                    "conflict log", &st);
  if (rc)
    return rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    memset(&c, 0, sizeof(c));
    c.kind = col_text(st, 0);
    c.id = col_text(st, 1);
    c.field = col_text(st, 2);
    c.lost = col_text(st, 3);
    c.lost_hlc = (uint64_t)sqlite3_column_int64(st, 4);
    c.kept = col_text(st, 5);
    c.kept_hlc = (uint64_t)sqlite3_column_int64(st, 6);
    c.lost_by = col_text(st, 7);
    c.at = sqlite3_column_int64(st, 8);
    c.n = sqlite3_column_int64(st, 9);
    c.fenced = col_text(st, 10);
    c.state = state_of(col_text(st, 11));
    rc = customer_of(r, c.kind, c.id, &cu);
    if (rc)
      goto out;
    c.customer_archive = cu.archive;
    c.customer_name = cu.name;
    c.field_label = field_label(c.kind, c.field);
    c.lost_mine = c.lost_by[0] && strcmp(c.lost_by, me.staff) == 0;
    c.kept_by = col_text(st, 12);
    c.kept_mine = c.kept_by[0] && strcmp(c.kept_by, me.staff) == 0;
    rc = cb(arg, &c);
    if (rc)
      goto out;
  }
  rc = rc == SQLITE_DONE ? 0 : fs__db_err(fs__replica_db(r), rc);
out:
  sqlite3_finalize(st);
  return rc;
}

/* ---- notices (kept by the sync engine, sync.c handle_async) -------------------- */

int fs_notice_list(fs_replica *r, fs_notice_cb cb, void *arg) {
  sqlite3_stmt *st = NULL;
  fs_notice nt;
  int rc;

  if (r == NULL || cb == NULL)
    return FS_EINVAL;
  rc = prepare_read(r, "SELECT id, kind, at, body FROM notices ORDER BY id", "notices",
                    &st);
  if (rc)
    return rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    nt.n = sqlite3_column_int64(st, 0);
    nt.kind = col_text(st, 1);
    nt.at = sqlite3_column_int64(st, 2);
    nt.body = col_text(st, 3);
    rc = cb(arg, &nt);
    if (rc)
      goto out;
  }
  rc = rc == SQLITE_DONE ? 0 : fs__db_err(fs__replica_db(r), rc);
out:
  sqlite3_finalize(st);
  return rc;
}
