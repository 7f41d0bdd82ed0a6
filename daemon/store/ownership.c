/* ownership.c - records changing owner (ownership.h). */
#include "store/ownership.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs_errno.h"
#include "store/central.h"
#include "store/sq.h"

void fs__idlist_free(fs_idlist *l) {
  if (l == NULL)
    return;
  free(l->ids);
  memset(l, 0, sizeof(*l));
}

static int idlist_add(fs_idlist *l, const char *id) {
  if (l->n == l->cap) {
    int cap = l->cap ? l->cap * 2 : 64;
    void *p = realloc(l->ids, (size_t)cap * sizeof(*l->ids));
    if (p == NULL)
      return FS_ENOMEM;
    l->ids = p;
    l->cap = cap;
  }
  snprintf(l->ids[l->n++], FS_ID_HEX + 1, "%s", id);
  return 0;
}

int fs__ids_select(fs_store_rd *r, fs_kind k, fs_ids_of which, const char *key,
                   fs_idlist *out) {
  const fs_kind_def *kd = fs__kind_def(k);
  sqlite3 *db = fs__rd_db(r);
  sqlite3_stmt *st = NULL;
  const char *where;
  char sql[400];
  int rc;

  switch (which) {
  case FS_IDS_OWNED_LIVE:
    where = "owner=?1 AND deleted=0";
    break;
  case FS_IDS_OWNED:
    /* Archive numbers REP-YYYY-SERIAL in their natural order (issue 15):
     * A01-2026-9999 before A01-2026-12700, not as strings. */
    where = k == FS_KIND_CUSTOMER
                ? "owner=?1 ORDER BY substr(archive_no, 1, instr(archive_no, '-')), "
                  "CAST(substr(archive_no, instr(archive_no, '-') + 1, 4) AS INTEGER), "
                  "CAST(substr(archive_no, instr(archive_no, '-') + 6) AS INTEGER), archive_no"
                : "owner=?1";
    break;
  case FS_IDS_CHILDREN:
    where = "customer_id=?1";
    break;
  case FS_IDS_CUSTOMER_KEY:
    where = "id=?1 OR archive_no=?1";
    break;
  default:
    return FS_EINVAL;
  }
  if (kd == NULL || (which == FS_IDS_CHILDREN && !(kd->flags & FS_K_CHILD)) ||
      (which == FS_IDS_CUSTOMER_KEY && k != FS_KIND_CUSTOMER))
    return FS_EINVAL;
  snprintf(sql, sizeof(sql), "SELECT id FROM \"%s\" WHERE %s", kd->table, where);
  rc = fs__sq_prep(db, &st, sql, "t", key);
  while (rc == 0 && (rc = fs__sq_step(db, st)) == 1)
    rc = idlist_add(out, fs__sq_text(st, 0));
  sqlite3_finalize(st);
  return rc;
}

int fs__customer_find(fs_store_rd *r, const char *key, char id[FS_ID_HEX + 1],
                      char owner[FS_STAFF_MAX + 1]) {
  sqlite3 *db = fs__rd_db(r);
  sqlite3_stmt *st = NULL;
  int rc;

  rc = fs__sq_prep(db, &st,
                   "SELECT id, owner FROM customers WHERE (id=?1 OR archive_no=?1) AND "
                   "deleted=0",
                   "t", key);
  if (rc == 0)
    rc = fs__sq_step(db, st);
  if (rc == 1) {
    if (id)
      snprintf(id, FS_ID_HEX + 1, "%s", fs__sq_text(st, 0));
    if (owner)
      snprintf(owner, FS_STAFF_MAX + 1, "%s", fs__sq_text(st, 1));
  }
  sqlite3_finalize(st);
  return rc == 1 ? 0 : rc == 0 ? FS_ENOTFOUND : rc;
}

int fs__customer_brief(fs_store_rd *r, const char *id, const char *today,
                       fs_customer_brief *b) {
  sqlite3 *db = fs__rd_db(r);
  sqlite3_stmt *st = NULL;
  int rc;

  memset(b, 0, sizeof(*b));
  rc = fs__sq_prep(db, &st,
                   "SELECT COALESCE(archive_no,''), name, grade, "
                   "COALESCE(next_contact,'') FROM customers WHERE id=?1",
                   "t", id);
  if (rc == 0 && (rc = fs__sq_step(db, st)) == 1) {
    const char *next = fs__sq_text(st, 3);
    b->found = 1;
    b->lost = strcmp(fs__sq_text(st, 2), "lost") == 0;
    b->followup = next[0] && strcmp(next, today) >= 0;
    b->archive_no = strdup(fs__sq_text(st, 0));
    b->name = strdup(fs__sq_text(st, 1));
    rc = b->archive_no && b->name ? 0 : FS_ENOMEM;
  }
  sqlite3_finalize(st);
  st = NULL;
  if (rc == 0)
    rc = fs__sq_prep(db, &st,
                     "SELECT sum(COALESCE(status,'open')='open'), "
                     "sum(COALESCE(status,'open')<>'open'), "
                     "sum(COALESCE(follow_up,'')>=?2 AND COALESCE(status,'open')='open') "
                     "FROM opportunities WHERE customer_id=?1 AND deleted=0",
                     "tt", id, today);
  if (rc == 0 && (rc = fs__sq_step(db, st)) == 1) {
    b->opp_open = sqlite3_column_int(st, 0);
    b->opp_closed = sqlite3_column_int(st, 1);
    b->opp_followups = sqlite3_column_int(st, 2);
    rc = 0;
  }
  sqlite3_finalize(st);
  if (rc)
    fs__customer_brief_release(b);
  return rc;
}

void fs__customer_brief_release(fs_customer_brief *b) {
  if (b == NULL)
    return;
  free(b->archive_no);
  free(b->name);
  memset(b, 0, sizeof(*b));
}

int fs__record_set_owner(fs_central *c, fs_kind k, const char *id, const char *to,
                         uint64_t seq) {
  char sql[160];

  snprintf(sql, sizeof(sql), "UPDATE \"%s\" SET owner=?1, seq=?2 WHERE id=?3",
           fs__kind_def(k)->table);
  return fs__sq_run(fs__central_db(c), NULL, sql, "tIt", to, (int64_t)seq, id);
}

int fs__record_evict_audiences(fs_store_rd *r, fs_kind k, const char *id,
                               const char *from, const char *to,
                               char (*aud)[FS_STAFF_MAX + 1], int max, int *n) {
  sqlite3 *db = fs__rd_db(r);
  sqlite3_stmt *st = NULL;
  int rc;

  *n = 0;
  rc = fs__sq_prep(db, &st,
                   "SELECT audience FROM journal WHERE kind=?1 AND record_id=?2 AND "
                   "op=?5 AND audience<>?3 AND audience<>?4 UNION SELECT by_staff "
                   "FROM covers WHERE absent=?3 AND state=?8 AND by_staff<>?4 AND "
                   "by_staff NOT IN (SELECT audience FROM journal WHERE kind=?1 AND "
                   "record_id=?2 AND op=?6) LIMIT ?7",
                   "itttiiii", (int)k, id, from, to, FS_JOURNAL_ROW, FS_JOURNAL_EVICT,
                   max, (int)FS_COVER_RUNNING);
  while (rc == 0 && *n < max && (rc = fs__sq_step(db, st)) == 1) {
    snprintf(aud[(*n)++], FS_STAFF_MAX + 1, "%s", fs__sq_text(st, 0));
    rc = 0;
  }
  sqlite3_finalize(st);
  return rc;
}

int fs__ownership_log_add(fs_central *c, uint64_t seq, fs_kind k, const char *id,
                          const char *from, const char *to, int64_t at_ms,
                          int64_t handover) {
  return fs__sq_run(fs__central_db(c), NULL,
                    "INSERT INTO ownership_log(seq, kind, record_id, old_owner, "
                    "new_owner, at, handover) VALUES(?1,?2,?3,?4,?5,?6,?7)",
                    "IitttII", (int64_t)seq, (int)k, id, from, to, at_ms, handover);
}

int fs__handover_add(fs_central *c, const fs_handover_row *h, int64_t *id) {
  sqlite3 *db = fs__central_db(c);
  int rc = fs__sq_run(db, NULL,
                      "INSERT INTO handovers(at, kind, from_staff, to_staff, dry_run, "
                      "manager, reason) VALUES(?1,?2,?3,?4,?5,?6,?7)",
                      "Itttitt", h->at_ms, h->kind, h->from, h->to, h->dry_run,
                      h->manager, h->reason);
  if (rc == 0)
    *id = sqlite3_last_insert_rowid(db);
  return rc;
}

int fs__handover_set_report(fs_central *c, int64_t id, const char *report, uint64_t seq) {
  return fs__sq_run(fs__central_db(c), NULL,
                    "UPDATE handovers SET report=?1, seq=?2 WHERE id=?3", "tII", report,
                    (int64_t)seq, id);
}
