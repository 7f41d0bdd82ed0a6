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

/* One outbox slot in the new order: a pending entry (its counter) or a
 * record to re-upload. */
typedef struct item {
  uint64_t hlc;  /* pending: its clock; re-upload: the record's (for a
                    child at least its customer's, so that comes first) */
  int pending;   /* 1: outbox entry with counter `old` */
  int folded;    /* re-upload that replaces pending entries of its record */
  long long old; /* pending: its counter */
  fs_kind kind;
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

/* By clock; on a tie customers before their child records. */
static int item_cmp(const void *a, const void *b) {
  const item *x = a, *y = b;
  if (x->hlc != y->hlc)
    return x->hlc < y->hlc ? -1 : 1;
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

/* Re-uploads: every live record whose owner this replica may write.
 * folded: it has pending outbox entries, which its re-upload replaces
 * (the row holds their writes). */
static int collect_records(fs_replica *r, const char *owners, items *s) {
  int rc = 0;

  for (int k = 0; rc == 0 && k < FS_KIND__COUNT; k++) {
    const fs_kind_def *kd = fs__kind_def((fs_kind)k);
    sqlite3_stmt *st = NULL;
    char sql[768];
    int step;

    if (kd->flags & FS_K_CHILD)
      snprintf(
          sql, sizeof(sql),
          "SELECT c.id, c.owner, max(c.hlc, COALESCE(p.hlc, 0)), EXISTS (SELECT 1 FROM "
          "outbox o WHERE o.status='" FS_OUTBOX_PENDING_S "' AND o.kind='%s' AND "
          "o.record_id=c.id) FROM \"%s\" c LEFT JOIN \"%s\" p ON p.id = c.customer_id "
          "WHERE c.deleted=0",
          kd->name, kd->table, fs__kind_def(FS_KIND_CUSTOMER)->table);
    else
      snprintf(sql, sizeof(sql),
               "SELECT c.id, c.owner, c.hlc, EXISTS (SELECT 1 FROM outbox o WHERE "
               "o.status='" FS_OUTBOX_PENDING_S "' AND o.kind='%s' AND o.record_id=c.id) "
               "FROM \"%s\" c WHERE c.deleted=0",
               kd->name, kd->table);
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
      it.folded = sqlite3_column_int(st, 3);
      rc = items_add(s, &it);
    }
    if (rc == 0 && step != SQLITE_DONE)
      rc = fs__db_err(r->db, step);
    sqlite3_finalize(st);
  }
  return rc;
}

/* Pending entries of records that get no re-upload (deletes, records no
 * longer held or not writable): they keep their place by clock. */
static int collect_pending(fs_replica *r, const items *re, items *s) {
  sqlite3_stmt *st = NULL;
  int rc = 0, step;

  if (sqlite3_prepare_v2(r->db,
                         "SELECT counter, hlc, kind, record_id FROM outbox WHERE "
                         "status='" FS_OUTBOX_PENDING_S "' ORDER BY counter",
                         -1, &st, NULL) != SQLITE_OK)
    return fs__db_err(r->db, sqlite3_errcode(r->db));
  while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
    const fs_kind_def *kd = fs__kind_by_name((const char *)sqlite3_column_text(st, 2));
    const char *id = (const char *)sqlite3_column_text(st, 3);
    int covered = 0;
    item it;
    for (size_t i = 0; kd && id && i < re->n && !covered; i++)
      covered =
          re->v[i].folded && re->v[i].kind == kd->kind && strcmp(re->v[i].id, id) == 0;
    if (covered)
      continue;
    memset(&it, 0, sizeof(it));
    it.pending = 1;
    it.old = sqlite3_column_int64(st, 0);
    it.hlc = (uint64_t)sqlite3_column_int64(st, 1);
    it.kind = kd ? kd->kind : FS_KIND__COUNT;
    rc = items_add(s, &it);
  }
  if (rc == 0 && step != SQLITE_DONE)
    rc = fs__db_err(r->db, step);
  sqlite3_finalize(st);
  return rc;
}

static int exec_int2(fs_replica *r, const char *sql, long long a, long long b) {
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(r->db, sql, -1, &st, NULL) == SQLITE_OK
               ? 0
               : fs__db_err(r->db, sqlite3_errcode(r->db));
  if (rc == 0) {
    sqlite3_bind_int64(st, 1, a);
    sqlite3_bind_int64(st, 2, b);
    rc = sqlite3_step(st) == SQLITE_DONE ? 0 : fs__db_err(r->db, sqlite3_errcode(r->db));
  }
  sqlite3_finalize(st);
  return rc;
}

/* Queues the row (k, id) as one change carrying every field that has a
 * clock, at that clock; the change's own clock is `clock` (at least the
 * highest field clock: a change clock may exceed its field clocks, never
 * the reverse, validate.h).  A folded re-upload replaces the record's
 * pending entries and is an ordinary pending change (a refusal shows);
 * any other is marked FS_OUTBOX_RECOVER_CODE.  *queued 1 if queued. */
static int queue_row(fs_replica *r, const item *it, uint64_t clock, int *queued) {
  fs_row row;
  fs_change c;
  int rc, n = 0;

  *queued = 0;
  memset(&c, 0, sizeof(c));
  memset(&row, 0, sizeof(row));
  rc = fs__store_get(r->db, it->kind, it->id, &row);
  if (rc) {
    fs__row_release(&row);
    return rc;
  }
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
    /* Seen: the value this replica holds is the one it writes again. */
    c.fields[n].base = row.clk[i];
    n++;
  }
  c.nfields = n;
  c.hlc = clock;
  c.kind = it->kind;
  memcpy(c.id, row.id, sizeof(c.id));
  c.op = FS_OP_UPSERT;
  memcpy(c.owner, row.owner, sizeof(c.owner));
  memcpy(c.author, row.author, sizeof(c.author));
  if (n > 0 && it->folded) {
    /* Their writes are in the row, so in this change. */
    sqlite3_stmt *st = NULL;
    rc = sqlite3_prepare_v2(r->db,
                            "DELETE FROM outbox WHERE status='" FS_OUTBOX_PENDING_S
                            "' AND kind=?1 AND record_id=?2",
                            -1, &st, NULL) == SQLITE_OK
             ? 0
             : fs__db_err(r->db, sqlite3_errcode(r->db));
    if (rc == 0) {
      sqlite3_bind_text(st, 1, fs__kind_def(it->kind)->name, -1, SQLITE_STATIC);
      sqlite3_bind_text(st, 2, it->id, -1, SQLITE_STATIC);
      rc =
          sqlite3_step(st) == SQLITE_DONE ? 0 : fs__db_err(r->db, sqlite3_errcode(r->db));
    }
    sqlite3_finalize(st);
  }
  if (rc == 0 && n > 0)
    rc = fs__outbox_append(r, &c);
  if (rc == 0 && n > 0 && !it->folded)
    rc = exec_int2(r, "UPDATE outbox SET code=?2 WHERE counter=?1", (long long)c.counter,
                   FS_OUTBOX_RECOVER_CODE);
  if (rc == 0)
    *queued = n > 0;
  free(c.fields); /* the values belong to row */
  fs__row_release(&row);
  return rc;
}

/* Gives the pending entry that had counter `old` (negated now) the next
 * counter. */
static int renumber_pending(fs_replica *r, long long old) {
  long long counter = 0;
  int rc = fs__meta_get_int(r->db, "counter", &counter);

  if (rc == FS_ENOTFOUND)
    rc = 0;
  if (rc)
    return rc;
  counter++;
  rc = fs__meta_set_int(r->db, "counter", counter);
  if (rc == 0)
    rc = exec_int2(r, "UPDATE outbox SET counter=?1 WHERE counter=?2", counter, -old);
  return rc;
}

/* The highest field clock of the row (k, id), 0 if none. */
static uint64_t row_top(fs_replica *r, const item *it) {
  fs_row row;
  uint64_t top = 0;

  memset(&row, 0, sizeof(row));
  if (fs__store_get(r->db, it->kind, it->id, &row) != 0) {
    fs__row_release(&row);
    return 0;
  }
  for (int i = 0; i < row.nfields; i++)
    if (row.clk[i] > top)
      top = row.clk[i];
  fs__row_release(&row);
  return top;
}

static int recover(fs_replica *r, uint64_t *queued) {
  char owners[4096] = "";
  items re, pend;
  uint64_t top = 0;
  size_t i = 0, j = 0;
  int rc;

  memset(&re, 0, sizeof(re));
  memset(&pend, 0, sizeof(pend));
  if (fs__meta_get_text(r->db, "write_owners", owners, sizeof(owners)) != 0)
    owners[0] = '\0';
  /* After-sales staff (issue 14) hold their team's delivered cards but may
   * write only their service part: whole cards re-sent would all be
   * refused (rule A1).  Only their pending changes go again. */
  if (r->id.role == FS_ROLE_AFTER_SALES)
    owners[0] = '\0';
  rc = collect_records(r, owners, &re);
  if (rc == 0)
    rc = collect_pending(r, &re, &pend);
  if (rc)
    goto out;
  if (re.n > 1)
    qsort(re.v, re.n, sizeof(*re.v), item_cmp);
  /* Pending counters step aside (negated) and come back in clock order
   * among the re-uploads. */
  rc = fs__db_exec(
      r->db, "UPDATE outbox SET counter=-counter WHERE status='" FS_OUTBOX_PENDING_S "'");
  /* The daemon refuses a device's change stamped at or below one it
   * already took from it (5.6): every change goes out with a higher clock
   * than the one before.  Pending entries keep their clocks (they are the
   * user's); a re-upload's change clock is raised when needed, and a
   * pending entry whose clock it would reach goes first. */
  while (rc == 0 && (i < re.n || j < pend.n)) {
    uint64_t c = 0;
    int q = 0;
    if (i < re.n) {
      c = re.v[i].hlc > top ? re.v[i].hlc : top + 1;
      if (re.v[i].folded) {
        uint64_t own = row_top(r, &re.v[i]);
        if (own > c)
          c = own;
      }
    }
    if (j < pend.n && (i == re.n || pend.v[j].hlc <= c)) {
      rc = renumber_pending(r, pend.v[j].old);
      if (pend.v[j].hlc > top)
        top = pend.v[j].hlc;
      j++;
      continue;
    }
    rc = queue_row(r, &re.v[i], c, &q);
    if (rc == 0 && q) {
      (*queued)++;
      top = c;
    }
    i++;
  }
  /* New local changes must be stamped after every clock sent under this
   * device's name. */
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
  free(re.v);
  free(pend.v);
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
