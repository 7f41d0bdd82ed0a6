/* outbox.c - the queue of local changes (see outbox.h). */
#include "outbox.h"
#include "replica_handle.h"
#include "log.h"
#include "status.h"

#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "db.h"
#include "fs_errno.h"
#include "hlc.h"
#include "msg.h"

_Static_assert((int)FS_RECORD_UPSERT == (int)FS_OP_UPSERT &&
                   (int)FS_RECORD_DELETE == (int)FS_OP_DELETE,
               "fs_record_op mirrors the wire's fs_op");

const char *fs_record_op_name(fs_record_op op) {
  return op == FS_RECORD_DELETE ? "delete" : op == FS_RECORD_UPSERT ? "upsert" : NULL;
}

const char *fs_outbox_status_name(fs_outbox_status status) {
  return fs__outbox_status_name(status);
}

/* Prepares sql on the replica's database into *st: 0 or an FS_E* code. */
static int prepare(fs_replica *r, const char *sql, sqlite3_stmt **st) {
  int rc = sqlite3_prepare_v2(r->db, sql, -1, st, NULL);
  return rc == SQLITE_OK ? 0 : fs__db_err(r->db, rc);
}

static int step_done(sqlite3 *db, sqlite3_stmt *st) {
  int rc = sqlite3_step(st);
  return rc == SQLITE_DONE ? 0 : fs__db_err(db, rc);
}

/* The bases column of c (schema v4): each field write's base as uint64
 * little-endian, in c->fields order, into out (8 * FS_MSG_MAX_FIELDS
 * bytes).  Returns the length, 0 when every base is 0 (stored as NULL). */
static int bases_blob(const fs_change *c, unsigned char *out) {
  int any = 0;

  for (int i = 0; i < c->nfields && i < FS_MSG_MAX_FIELDS; i++) {
    for (int b = 0; b < 8; b++)
      out[i * 8 + b] = (unsigned char)(c->fields[i].base >> (8 * b));
    any |= c->fields[i].base != 0;
  }
  return any ? c->nfields * 8 : 0;
}

int fs__outbox_append(fs_replica *r, fs_change *c) {
  static const char sql[] =
      "INSERT INTO outbox(counter, kind, record_id, op, hlc, payload, status, code,"
      " reason, created_at, attempts, bases)"
      " VALUES (?1, ?2, ?3, ?4, ?5, ?6, '" FS_OUTBOX_PENDING_S "', 0, '', ?7, 0, ?8)";
  unsigned char bases[8 * FS_MSG_MAX_FIELDS];
  sqlite3_stmt *st = NULL;
  long long counter = 0;
  fs_buf buf;
  int rc, nb;

  fs__buf_init(&buf, FS_OUTBOX_PAYLOAD_MAX);
  rc = fs__meta_get_int(r->db, "counter", &counter);
  if (rc == FS_ENOTFOUND)
    rc = 0;
  if (rc)
    goto out;
  counter++;
  rc = fs__meta_set_int(r->db, "counter", counter);
  if (rc)
    goto out;
  c->counter = (uint64_t)counter;
  rc = fs__change_encode(c, &buf);
  if (rc)
    goto out;
  rc = prepare(r, sql, &st);
  if (rc)
    goto out;
  sqlite3_bind_int64(st, 1, counter);
  sqlite3_bind_text(st, 2, fs__kind_def(c->kind)->name, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, c->id, -1, SQLITE_STATIC);
  sqlite3_bind_int(st, 4, (int)c->op);
  sqlite3_bind_int64(st, 5, (sqlite3_int64)c->hlc);
  sqlite3_bind_blob(st, 6, buf.data, (int)buf.len, SQLITE_STATIC);
  sqlite3_bind_int64(st, 7, (sqlite3_int64)fs__now_ms());
  /* fs__change_encode refused more than FS_MSG_MAX_FIELDS writes. */
  nb = bases_blob(c, bases);
  if (nb)
    sqlite3_bind_blob(st, 8, bases, nb, SQLITE_STATIC);
  else
    sqlite3_bind_null(st, 8);
  rc = step_done(r->db, st);
out:
  sqlite3_finalize(st);
  fs__buf_release(&buf);
  return rc;
}

/* Decodes the payload column of st into *c. */
static int decode_payload(fs_replica *r, sqlite3_stmt *st, int col, fs_change *c) {
  const void *p = sqlite3_column_blob(st, col);
  int n = sqlite3_column_bytes(st, col);
  int rc;

  memset(c, 0, sizeof(*c));
  if (p == NULL || n <= 0)
    return FS_EINTERNAL;
  rc = fs__change_decode(p, (size_t)n, c);
  if (rc == 0)
    c->device_id = r->id.device_id;
  return rc;
}

/* Sets the bases of c from the bases column col of st (bases_blob).  NULL
 * (a change queued before schema v4) leaves them 0: pushed without a base,
 * so the daemon logs its overwrites as it always did. */
static void decode_bases(sqlite3_stmt *st, int col, fs_change *c) {
  const unsigned char *p = sqlite3_column_blob(st, col);
  int n = sqlite3_column_bytes(st, col);

  if (p == NULL || n != c->nfields * 8)
    return; /* none, or not of this change: no base rather than a wrong one */
  for (int i = 0; i < c->nfields; i++) {
    uint64_t v = 0;
    for (int b = 7; b >= 0; b--)
      v = (v << 8) | p[i * 8 + b];
    c->fields[i].base = v;
  }
}

void fs__outbox_changes_free(fs_change *c, size_t n) {
  if (c == NULL)
    return;
  for (size_t i = 0; i < n; i++)
    fs__change_release(&c[i]);
  free(c);
}

int fs__outbox_pending(fs_replica *r, size_t max, fs_change **out, size_t *n) {
  static const char sql[] = "SELECT payload, counter, bases FROM outbox"
                            " WHERE status = '" FS_OUTBOX_PENDING_S "' ORDER BY counter LIMIT ?1";
  sqlite3_stmt *st = NULL;
  fs_change *cs = NULL;
  size_t cnt = 0;
  int rc;

  if (r == NULL || out == NULL || n == NULL || max > (size_t)INT32_MAX)
    return FS_EINVAL;
  *out = NULL;
  *n = 0;
  if (max == 0)
    return 0;
  cs = calloc(max, sizeof(*cs));
  if (cs == NULL)
    return FS_ENOMEM;
  rc = prepare(r, sql, &st);
  if (rc)
    goto out;
  sqlite3_bind_int64(st, 1, (sqlite3_int64)max);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    rc = decode_payload(r, st, 0, &cs[cnt]);
    if (rc)
      goto out;
    /* The column is authoritative: fs__outbox_renumber may move it. */
    cs[cnt].counter = (uint64_t)sqlite3_column_int64(st, 1);
    decode_bases(st, 2, &cs[cnt]);
    cnt++;
  }
  rc = rc == SQLITE_DONE ? 0 : fs__db_err(r->db, rc);
out:
  sqlite3_finalize(st);
  if (rc) {
    fs__outbox_changes_free(cs, cnt);
    return rc;
  }
  *out = cs;
  *n = cnt;
  return 0;
}

int fs__outbox_settle(fs_replica *r, const fs_outbox_result *res, size_t n) {
  static const char del_sql[] = "DELETE FROM outbox WHERE counter = ?1";
  static const char rej_sql[] = "UPDATE outbox SET status = '" FS_OUTBOX_REJECTED_S
                                "', code = ?2, reason = ?3 WHERE counter = ?1";
  /* A refused re-upload after a store restore (recover.h) is dropped: the
   * store holds that record or a newer one, or this device may not write
   * it; it is no change of the user's to review. */
  static const char drop_sql[] = "DELETE FROM outbox WHERE counter = ?1 AND code = ?2";
  sqlite3_stmt *del = NULL, *rej = NULL, *drop = NULL;
  int rc;

  if (r == NULL || (n && res == NULL))
    return FS_EINVAL;
  rc = fs__db_begin(r->db);
  if (rc)
    return rc;
  rc = sqlite3_prepare_v2(r->db, del_sql, -1, &del, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_prepare_v2(r->db, rej_sql, -1, &rej, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_prepare_v2(r->db, drop_sql, -1, &drop, NULL);
  if (rc != SQLITE_OK) {
    rc = fs__db_err(r->db, rc);
    goto out;
  }
  for (size_t i = 0; i < n; i++) {
    sqlite3_stmt *st = res[i].code ? rej : del;
    const char *reason = res[i].reason ? res[i].reason : "";
    size_t rlen = strnlen(reason, FS_OUTBOX_REASON_MAX);

    if (res[i].code) {
      sqlite3_reset(drop);
      sqlite3_bind_int64(drop, 1, (sqlite3_int64)res[i].counter);
      sqlite3_bind_int(drop, 2, FS_OUTBOX_RECOVER_CODE);
      rc = step_done(r->db, drop);
      if (rc)
        goto out;
    }
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, (sqlite3_int64)res[i].counter);
    if (res[i].code) {
      sqlite3_bind_int(st, 2, res[i].code);
      sqlite3_bind_text(st, 3, reason, (int)rlen, SQLITE_STATIC);
    }
    rc = step_done(r->db, st);
    if (rc)
      goto out;
  }
  rc = fs__db_commit(r->db);
out:
  sqlite3_finalize(del);
  sqlite3_finalize(rej);
  sqlite3_finalize(drop);
  if (rc)
    fs__db_rollback(r->db);
  return rc;
}

int fs__outbox_attempted(fs_replica *r, uint64_t upto) {
  static const char sql[] =
      "UPDATE outbox SET attempts = attempts + 1 WHERE status = '" FS_OUTBOX_PENDING_S
      "' AND counter <= ?1";
  sqlite3_stmt *st = NULL;
  int rc;

  if (r == NULL)
    return FS_EINVAL;
  rc = prepare(r, sql, &st);
  if (rc)
    return rc;
  sqlite3_bind_int64(st, 1, (sqlite3_int64)(upto > INT64_MAX ? INT64_MAX : upto));
  rc = step_done(r->db, st);
  sqlite3_finalize(st);
  return rc;
}

int fs__outbox_oldest(fs_replica *r, uint64_t *ms) {
  static const char sql[] =
      "SELECT created_at FROM outbox WHERE status = '" FS_OUTBOX_PENDING_S
      "' ORDER BY counter LIMIT 1";
  sqlite3_stmt *st = NULL;
  int rc;

  if (r == NULL || ms == NULL)
    return FS_EINVAL;
  *ms = 0;
  rc = prepare(r, sql, &st);
  if (rc)
    return rc;
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    *ms = (uint64_t)sqlite3_column_int64(st, 0);
    rc = 0;
  } else {
    rc = rc == SQLITE_DONE ? 0 : fs__db_err(r->db, rc);
  }
  sqlite3_finalize(st);
  return rc;
}

int fs__outbox_for_record(fs_replica *r, fs_kind k, const char *id, fs_change_cb cb,
                          void *arg) {
  static const char sql[] = "SELECT payload, bases FROM outbox WHERE status = '" FS_OUTBOX_PENDING_S "'"
                            " AND kind = ?1 AND record_id = ?2 ORDER BY counter";
  sqlite3_stmt *st = NULL;
  fs_change c;
  int rc;

  if (r == NULL || fs__kind_def(k) == NULL || id == NULL || cb == NULL)
    return FS_EINVAL;
  memset(&c, 0, sizeof(c));
  /* Runs once per pulled row while the outbox is not empty: cached. */
  rc = fs__db_stmt(r->db, FS_DB_STMT_OUTBOX_RECORD, sql, &st);
  if (rc)
    return rc;
  sqlite3_bind_text(st, 1, fs__kind_def(k)->name, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    rc = decode_payload(r, st, 0, &c);
    if (rc == 0) {
      decode_bases(st, 1, &c);
      rc = cb(arg, &c);
    }
    fs__change_release(&c);
    if (rc)
      goto out;
  }
  rc = rc == SQLITE_DONE ? 0 : fs__db_err(r->db, rc);
out:
  sqlite3_reset(st);
  return rc;
}

/* ---- public: counts and display ---------------------------------------------- */

int fs_outbox_count(fs_replica *r, uint64_t *pending, uint64_t *rejected) {
  static const char sql[] =
      "SELECT coalesce(sum(status = '" FS_OUTBOX_PENDING_S "'), 0),"
      " coalesce(sum(status = '" FS_OUTBOX_REJECTED_S "'), 0) FROM outbox";
  sqlite3_stmt *st = NULL;
  int rc;

  if (r == NULL)
    return FS_EINVAL;
  rc = prepare(r, sql, &st);
  if (rc)
    return rc;
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    if (pending)
      *pending = (uint64_t)sqlite3_column_int64(st, 0);
    if (rejected)
      *rejected = (uint64_t)sqlite3_column_int64(st, 1);
    rc = 0;
  } else {
    rc = fs__db_err(r->db, rc);
  }
  sqlite3_finalize(st);
  return rc;
}

/* "name,grade,grade_date" of a change's fields into a malloc'd string. */
static char *field_list(const fs_change *c) {
  const fs_kind_def *kd = fs__kind_def(c->kind);
  size_t len = 1, at = 0;
  char *s;

  for (int i = 0; kd && i < c->nfields; i++)
    len += strlen(kd->fields[c->fields[i].field].name) + 1;
  s = malloc(len);
  if (s == NULL)
    return NULL;
  s[0] = '\0';
  for (int i = 0; kd && i < c->nfields; i++) {
    const char *name = kd->fields[c->fields[i].field].name;
    size_t n = strlen(name);
    if (at)
      s[at++] = ',';
    memcpy(s + at, name, n);
    at += n;
    s[at] = '\0';
  }
  return s;
}

int fs_outbox_list(fs_replica *r, fs_outbox_filter which, fs_outbox_cb cb, void *arg) {
  static const char sql[] =
      "SELECT counter, kind, record_id, op, hlc, status, code, reason, created_at, "
      "attempts,"
      " payload FROM outbox WHERE (?1 = 0) OR (?1 = 1 AND status = '" FS_OUTBOX_PENDING_S
      "')"
      " OR (?1 = 2 AND status = '" FS_OUTBOX_REJECTED_S "') ORDER BY counter";
  sqlite3_stmt *st = NULL;
  fs_outbox_entry e;
  fs_change c;
  char *fields;
  int rc, status;

  if (r == NULL || cb == NULL || (int)which < (int)FS_OUTBOX_ALL ||
      which > FS_OUTBOX_ONLY_REJECTED)
    return FS_EINVAL;
  rc = prepare(r, sql, &st);
  if (rc)
    return rc;
  sqlite3_bind_int(st, 1, (int)which);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    memset(&e, 0, sizeof(e));
    e.counter = (uint64_t)sqlite3_column_int64(st, 0);
    e.kind = (const char *)sqlite3_column_text(st, 1);
    e.id = (const char *)sqlite3_column_text(st, 2);
    e.op = sqlite3_column_int(st, 3) == FS_OP_DELETE ? FS_RECORD_DELETE : FS_RECORD_UPSERT;
    e.hlc = (uint64_t)sqlite3_column_int64(st, 4);
    status = fs__outbox_status_parse((const char *)sqlite3_column_text(st, 5));
    e.status = status == FS_OUTBOX_REJECTED ? FS_OUTBOX_REJECTED : FS_OUTBOX_PENDING;
    e.code = sqlite3_column_int(st, 6);
    e.reason = (const char *)sqlite3_column_text(st, 7);
    e.created_at = sqlite3_column_int64(st, 8);
    e.attempts = sqlite3_column_int(st, 9);
    fields = NULL;
    rc = decode_payload(r, st, 10, &c);
    if (rc == 0 || rc == FS_EUNKNOWN_FIELD)
      fields = field_list(&c);
    fs__change_release(&c);
    e.fields = fields ? fields : "";
    if (!e.kind)
      e.kind = "";
    if (!e.id)
      e.id = "";
    if (!e.reason)
      e.reason = "";
    rc = cb(arg, &e);
    free(fields);
    if (rc)
      goto out;
  }
  rc = rc == SQLITE_DONE ? 0 : fs__db_err(r->db, rc);
out:
  sqlite3_finalize(st);
  return rc;
}

int fs__outbox_renumber(fs_replica *r, uint64_t seen) {
  long long counter = 0, minc = 0, shift;
  sqlite3_stmt *st = NULL;
  char sql[160];
  int rc;

  rc = fs__db_begin(r->db);
  if (rc)
    return rc;
  rc = fs__meta_get_int(r->db, "counter", &counter);
  if (rc == FS_ENOTFOUND)
    rc = 0;
  if (rc || (uint64_t)counter >= seen)
    goto out; /* the normal case: nothing to do */
  rc = prepare(r, "SELECT COALESCE(min(counter), 0) FROM outbox", &st);
  if (rc)
    goto out;
  if (sqlite3_step(st) == SQLITE_ROW)
    minc = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  rc = 0;
  shift = minc > 0 && (uint64_t)minc <= seen ? (long long)seen - minc + 1 : 0;
  if (shift > 0) {
    /* Two steps keep the UNIQUE counter column valid at every row. */
    snprintf(sql, sizeof(sql), "UPDATE outbox SET counter = -counter");
    rc = fs__db_exec(r->db, sql);
    snprintf(sql, sizeof(sql), "UPDATE outbox SET counter = %lld - counter", shift);
    if (rc == 0)
      rc = fs__db_exec(r->db, sql);
  }
  if (rc == 0)
    rc = fs__meta_set_int(r->db, "counter",
                          (long long)seen > counter + shift ? (long long)seen : counter + shift);
  if (rc == 0)
    FS_WARN("this replica's change counter was behind the daemon's (restored from a backup?); "
            "%lld unsynced change(s) renumbered so none is mistaken for an old one",
            shift > 0 ? counter - minc + 1 : 0LL);
out:
  if (rc == 0)
    rc = fs__db_commit(r->db);
  else
    fs__db_rollback(r->db);
  return rc;
}
