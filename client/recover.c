/* recover.c - re-upload after the store was restored (recover.h). */
#include "recover.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "fs_errno.h"
#include "hlc.h"
#include "log.h"
#include "model.h"
#include "outbox.h"
#include "replica.h"
#include "replica_handle.h"
#include "status.h"
#include "store.h"

#define GEN_META "store_generation"
#define GEN_MAX 64

/* One outbox slot in the new order: a pending entry (old counter) or a
 * record to re-upload. */
typedef struct item {
  uint64_t hlc;
  int pending;   /* 1: outbox entry with counter `old` */
  long long old; /* pending: its counter (negated while renumbering) */
  fs_kind kind;  /* re-upload */
  char id[FS_ID_HEX + 1];
} item;

typedef struct items {
  item *v;
  size_t n, cap;
} items;

static int items_add(items *s, const item *it) {
  if (s->n == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 256;
    item *g = realloc(s->v, cap * sizeof(*g));
    if (g == NULL)
      return FS_ENOMEM;
    s->v = g;
    s->cap = cap;
  }
  s->v[s->n++] = *it;
  return 0;
}

/* Push order: by clock; on a tie a pending change first (its clock is
 * fixed; a re-upload's change clock can move up), then customers before
 * their child records.  The key of a child is at least its customer's
 * clock, so a customer the store lacks is re-created before its visits. */
static int item_cmp(const void *a, const void *b) {
  const item *x = a, *y = b;
  if (x->hlc != y->hlc)
    return x->hlc < y->hlc ? -1 : 1;
  if (x->pending != y->pending)
    return x->pending ? -1 : 1;
  if (x->kind != y->kind)
    return x->kind == FS_KIND_CUSTOMER ? -1 : y->kind == FS_KIND_CUSTOMER ? 1 : 0;
  return x->old < y->old ? -1 : x->old > y->old;
}

/* 1 if this replica may write records of owner: its own staff code, or a
 * code in meta 'write_owners' (the daemon's list at this WELCOME). */
static int may_write(const fs_replica *r, const char *owners, const char *owner) {
  size_t n = strlen(owner);

  if (strcmp(owner, r->id.staff) == 0)
    return 1;
  for (const char *p = owners; p && *p;) {
    const char *e = strchr(p, ',');
    size_t l = e ? (size_t)(e - p) : strlen(p);
    if (l == n && memcmp(p, owner, n) == 0)
      return 1;
    p = e ? e + 1 : NULL;
  }
  return 0;
}

static int collect_records(fs_replica *r, const char *owners, items *s) {
  int rc = 0;

  for (int k = 0; rc == 0 && k < FS_KIND__COUNT; k++) {
    const fs_kind_def *kd = fs__kind_def((fs_kind)k);
    sqlite3_stmt *st = NULL;
    char sql[512];
    int step;

    if (kd->flags & FS_K_CHILD)
      snprintf(sql, sizeof(sql),
               "SELECT c.id, c.owner, max(c.hlc, COALESCE(p.hlc, 0)) FROM \"%s\" c LEFT "
               "JOIN \"%s\" p ON p.id = c.customer_id WHERE c.deleted=0",
               kd->table, fs__kind_def(FS_KIND_CUSTOMER)->table);
    else
      snprintf(sql, sizeof(sql), "SELECT id, owner, hlc FROM \"%s\" WHERE deleted=0",
               kd->table);
    if (sqlite3_prepare_v2(r->db, sql, -1, &st, NULL) != SQLITE_OK)
      return fs__db_err(r->db, sqlite3_errcode(r->db));
    while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
      const char *id = (const char *)sqlite3_column_text(st, 0);
      const char *owner = (const char *)sqlite3_column_text(st, 1);
      item it;
      if (id == NULL || owner == NULL || strlen(id) != FS_ID_HEX ||
          !may_write(r, owners, owner))
        continue;
      memset(&it, 0, sizeof(it));
      it.kind = (fs_kind)k;
      memcpy(it.id, id, FS_ID_HEX + 1);
      it.hlc = (uint64_t)sqlite3_column_int64(st, 2);
      rc = items_add(s, &it);
    }
    if (rc == 0 && step != SQLITE_DONE)
      rc = fs__db_err(r->db, step);
    sqlite3_finalize(st);
  }
  return rc;
}

static int collect_pending(fs_replica *r, items *s) {
  sqlite3_stmt *st = NULL;
  int rc = 0, step;

  if (sqlite3_prepare_v2(
          r->db,
          "SELECT counter, hlc FROM outbox WHERE status='" FS_OUTBOX_PENDING_S
          "' ORDER BY counter",
          -1, &st, NULL) != SQLITE_OK)
    return fs__db_err(r->db, sqlite3_errcode(r->db));
  while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
    item it;
    memset(&it, 0, sizeof(it));
    it.pending = 1;
    it.old = sqlite3_column_int64(st, 0);
    it.hlc = (uint64_t)sqlite3_column_int64(st, 1);
    rc = items_add(s, &it);
  }
  if (rc == 0 && step != SQLITE_DONE)
    rc = fs__db_err(r->db, step);
  sqlite3_finalize(st);
  return rc;
}

/* Queues the row (k, id) as a change carrying every field that has a
 * clock, at that clock; the change's own clock is at least `after` + 1
 * (a change clock may exceed its field clocks, never the reverse:
 * validate.h), so this device's changes reach the daemon with rising
 * clocks.  *hlc gets the change's clock (0: nothing to send, nothing
 * queued). */
static int queue_row(fs_replica *r, fs_kind k, const char *id, uint64_t after,
                     uint64_t *hlc) {
  fs_row row;
  fs_change c;
  int rc, n = 0;

  *hlc = 0;
  memset(&c, 0, sizeof(c));
  rc = fs__store_get(r->db, k, id, &row);
  if (rc)
    return rc;
  c.fields = calloc((size_t)(row.nfields ? row.nfields : 1), sizeof(*c.fields));
  if (c.fields == NULL) {
    fs__row_release(&row);
    return FS_ENOMEM;
  }
  for (int i = 0; i < row.nfields; i++) {
    if (row.clk[i] == 0)
      continue;
    c.fields[n].field = i;
    c.fields[n].hlc = row.clk[i];
    c.fields[n].value = row.values[i]; /* borrowed: encoded by append */
    c.fields[n].base = row.clk[i];
    if (row.clk[i] > c.hlc)
      c.hlc = row.clk[i];
    n++;
  }
  c.nfields = n;
  if (c.hlc <= after)
    c.hlc = after + 1;
  c.kind = k;
  memcpy(c.id, row.id, sizeof(c.id));
  c.op = FS_OP_UPSERT;
  memcpy(c.owner, row.owner, sizeof(c.owner));
  memcpy(c.author, row.author, sizeof(c.author));
  if (n > 0) {
    rc = fs__outbox_append(r, &c);
    if (rc == 0) {
      sqlite3_stmt *st = NULL;
      rc = sqlite3_prepare_v2(r->db, "UPDATE outbox SET code=?2 WHERE counter=?1", -1,
                              &st, NULL) == SQLITE_OK
               ? 0
               : fs__db_err(r->db, sqlite3_errcode(r->db));
      if (rc == 0) {
        sqlite3_bind_int64(st, 1, (sqlite3_int64)c.counter);
        sqlite3_bind_int(st, 2, FS_OUTBOX_RECOVER_CODE);
        rc = sqlite3_step(st) == SQLITE_DONE ? 0
                                             : fs__db_err(r->db, sqlite3_errcode(r->db));
      }
      sqlite3_finalize(st);
    }
    if (rc == 0)
      *hlc = c.hlc;
  }
  free(c.fields); /* the values belong to row */
  fs__row_release(&row);
  return rc;
}

/* Gives the pending entry that had counter `old` (negated now) the next
 * counter. */
static int renumber_pending(fs_replica *r, long long old) {
  sqlite3_stmt *st = NULL;
  long long counter = 0;
  int rc = fs__meta_get_int(r->db, "counter", &counter);

  if (rc == FS_ENOTFOUND)
    rc = 0;
  if (rc)
    return rc;
  counter++;
  rc = fs__meta_set_int(r->db, "counter", counter);
  if (rc == 0)
    rc = sqlite3_prepare_v2(r->db, "UPDATE outbox SET counter=?1 WHERE counter=?2", -1,
                            &st, NULL) == SQLITE_OK
             ? 0
             : fs__db_err(r->db, sqlite3_errcode(r->db));
  if (rc == 0) {
    sqlite3_bind_int64(st, 1, counter);
    sqlite3_bind_int64(st, 2, -old);
    rc = sqlite3_step(st) == SQLITE_DONE ? 0 : fs__db_err(r->db, sqlite3_errcode(r->db));
  }
  sqlite3_finalize(st);
  return rc;
}

static int recover(fs_replica *r, uint64_t *queued) {
  char owners[4096] = "";
  items s;
  uint64_t top = 0;
  int rc;

  memset(&s, 0, sizeof(s));
  if (fs__meta_get_text(r->db, "write_owners", owners, sizeof(owners)) != 0)
    owners[0] = '\0';
  rc = collect_pending(r, &s);
  if (rc == 0)
    rc = collect_records(r, owners, &s);
  if (rc)
    goto out;
  qsort(s.v, s.n, sizeof(*s.v), item_cmp);
  /* Pending counters step aside (negated) and come back in clock order
   * among the re-uploads. */
  rc = fs__db_exec(
      r->db, "UPDATE outbox SET counter=-counter WHERE status='" FS_OUTBOX_PENDING_S "'");
  for (size_t i = 0; rc == 0 && i < s.n; i++) {
    uint64_t h = 0;
    if (s.v[i].pending) {
      rc = renumber_pending(r, s.v[i].old);
      if (s.v[i].hlc > top)
        top = s.v[i].hlc;
      continue;
    }
    rc = queue_row(r, s.v[i].kind, s.v[i].id, top + 1 > s.v[i].hlc ? top : s.v[i].hlc - 1,
                   &h);
    if (rc == 0 && h) {
      (*queued)++;
      top = h;
    }
  }
  /* New local changes must be stamped after every clock re-uploaded
   * under this device's name (the daemon's per-device clock rule). */
  if (rc == 0 && top && fs__hlc_recv(&r->hlc, top, NULL) == 0)
    rc = fs__meta_set_int(r->db, "hlc", (long long)fs__hlc_last(&r->hlc));
  /* A full resync, as after FS_ERESYNC (client/sync.c): the next pull
   * starts at 0 and drops what the store no longer has, except records
   * with unsynced changes - which now include every re-upload. */
  if (rc == 0)
    rc = fs__db_exec(r->db, "DELETE FROM resync_seen");
  if (rc == 0)
    rc = fs__meta_set_int(r->db, "resync", 1);
  if (rc == 0)
    rc = fs__replica_cursor_set(r, 0);
out:
  free(s.v);
  return rc;
}

int fs__recover_check(fs_replica *r, const char *generation, uint64_t *queued) {
  char known[GEN_MAX + 1];
  uint64_t n = 0;
  int rc, had;

  if (queued)
    *queued = 0;
  if (generation == NULL || generation[0] == '\0')
    return 0;
  had = fs__meta_get_text(r->db, GEN_META, known, sizeof(known)) == 0 && known[0];
  if (had && strcmp(known, generation) == 0)
    return 0;
  rc = fs__db_begin(r->db);
  if (rc)
    return rc;
  if (had)
    rc = recover(r, &n);
  if (rc == 0)
    rc = fs__meta_set_text(r->db, GEN_META, generation);
  if (rc == 0)
    rc = fs__db_commit(r->db);
  else
    fs__db_rollback(r->db);
  if (rc == 0 && had)
    FS_WARN("the daemon's store was restored from a backup (generation %s, was %s): "
            "re-uploading %llu record(s) this device holds and taking a fresh copy; "
            "unsynced changes are kept",
            generation, known, (unsigned long long)n);
  if (rc == 0 && queued)
    *queued = n;
  return rc;
}
