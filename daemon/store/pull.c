/* pull.c - one pull page from the journal (fs__central_pull, central.h). */
#include "store/central.h"
#include "store/impl.h"

#include <stdio.h>
#include <string.h>

#include "fs_errno.h"

/* 1 if card cust is deleted or unknown (its child records are not sent),
 * 0 if live, <0 on error.  *st is prepared on first use. */
static int parent_gone(sqlite3 *db, sqlite3_stmt **st, const char *cust) {
  int rc;

  if (*st == NULL &&
      (rc = sqlite3_prepare_v2(db, "SELECT deleted FROM customers WHERE id=?1", -1, st,
                               NULL)) != SQLITE_OK)
    return fs__db_err(db, rc);
  sqlite3_bind_text(*st, 1, cust, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step(*st);
  rc = rc == SQLITE_ROW    ? sqlite3_column_int(*st, 0) != 0
       : rc == SQLITE_DONE ? 1
                           : fs__db_err(db, rc);
  sqlite3_reset(*st);
  return rc;
}

/* The grade of a customer row (NULL: unset, or another kind). */
static const char *grade_of(const fs_row *row) {
  int g = row->kind == FS_KIND_CUSTOMER
              ? fs__field_index(fs__kind_def(FS_KIND_CUSTOMER), "grade")
              : -1;
  return g >= 0 && row->values[g].type == FS_V_TEXT ? row->values[g].s : NULL;
}

int fs__central_pull(fs_store_rd *r, const fs_access *a, uint64_t cursor, uint32_t limit,
                     const fs_pull_sink *sink, uint64_t *next, int *more) {
  sqlite3 *db = fs__rd_db(r);
  char sql[256 + FS_ACCESS_MAX_CODES * 3];
  sqlite3_stmt *st = NULL, *parent_st = NULL;
  fs_row row;
  uint32_t n = 0;
  size_t len;
  int rc;

  memset(&row, 0, sizeof(row));
  *next = cursor;
  *more = 0;
  /* The audiences of this device: itself, team and covered owners, and
   * its own code for loans.  An admin reads every entry. */
  len = (size_t)snprintf(sql, sizeof(sql),
                         "SELECT seq, kind, record_id, op FROM journal WHERE seq>?1");
  if (!a->all) {
    len += (size_t)snprintf(sql + len, sizeof(sql) - len, " AND audience IN (");
    for (int i = 0; i < a->ncodes; i++)
      len += (size_t)snprintf(sql + len, sizeof(sql) - len, "%s?%d", i ? "," : "", i + 3);
    len += (size_t)snprintf(sql + len, sizeof(sql) - len, ")");
  }
  snprintf(sql + len, sizeof(sql) - len, " ORDER BY seq LIMIT ?2");
  rc = fs__db_exec(db, "BEGIN");
  if (rc)
    return rc;
  rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
  if (rc != SQLITE_OK) {
    rc = fs__db_err(db, rc);
    goto out;
  }
  sqlite3_bind_int64(st, 1, (sqlite3_int64)cursor);
  sqlite3_bind_int64(st, 2, (sqlite3_int64)limit);
  for (int i = 0; !a->all && i < a->ncodes; i++)
    sqlite3_bind_text(st, i + 3, a->codes[i], -1, SQLITE_STATIC);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    uint64_t seq = (uint64_t)sqlite3_column_int64(st, 0);
    fs_kind k = (fs_kind)sqlite3_column_int(st, 1);
    const char *id = (const char *)sqlite3_column_text(st, 2);
    const fs_kind_def *kd = fs__kind_def(k);
    const char *cust = NULL;
    int pf, orphan;

    n++;
    *next = seq;
    if (kd == NULL || id == NULL)
      continue;
    rc = fs__store_get(db, k, id, &row);
    if (rc == FS_ENOTFOUND) {
      rc = sink->evict(sink->arg, k, id);
      if (rc)
        goto out;
      continue;
    }
    if (rc)
      goto out;
    pf = kd->parent_field;
    if (k == FS_KIND_CUSTOMER)
      cust = row.id;
    else if (pf >= 0 && row.values[pf].type == FS_V_TEXT)
      cust = row.values[pf].s;
    /* The child records of a deleted card stay in the store (reports count
     * them) but belong to no card a device may hold: a device that held
     * them dropped them with the card's tombstone, so they go out as
     * evictions, never as rows (no orphans, none of their content). */
    orphan = 0;
    if (!row.deleted && k != FS_KIND_CUSTOMER && cust &&
        (orphan = parent_gone(db, &parent_st, cust)) < 0) {
      rc = orphan;
      goto out;
    }
    if (cursor == 0 && (row.deleted || orphan)) {
      /* A snapshot: the device holds no record, so a tombstone or an
       * eviction tells it nothing; deleted records are left out, the
       * cursor still moves past their entries.  Incremental pulls carry
       * tombstones to the devices that may hold the record. */
      fs__row_release(&row);
      continue;
    }
    /* The journal says who should hear of it; whether it is still visible
     * is decided now, so a stale entry never leaks a record. */
    if (!orphan && fs__access_can_read_record(a, k, row.owner, cust, grade_of(&row)))
      rc = sink->row(sink->arg, &row);
    else
      rc = sink->evict(sink->arg, k, id);
    fs__row_release(&row);
    if (rc)
      goto out;
  }
  rc = rc == SQLITE_DONE ? 0 : fs__db_err(db, rc);
  *more = rc == 0 && n == limit;
  if (rc == 0 && !*more) {
    /* No entry left for this device: the page covers every seq committed so
     * far (read in this transaction, so nothing committed later is below
     * it), and the conflicts and handover reports logged at seqs with no
     * journal entry of its own (a change that lost, a handover's report)
     * reach it now, not at its next unrelated change. */
    long long top = 0;
    rc = fs__meta_get_int(db, "seq", &top);
    if (rc == FS_ENOTFOUND)
      rc = 0;
    if (rc == 0 && top > 0 && (uint64_t)top > *next)
      *next = (uint64_t)top;
  }
out:
  fs__row_release(&row);
  sqlite3_finalize(st);
  sqlite3_finalize(parent_st);
  fs__db_exec(db, rc ? "ROLLBACK" : "COMMIT");
  return rc;
}
