/* handover.c - departure, transfer, cover and loans (handover.h). */
#include "handover.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "store/impl.h" /* transitional: SQL here moves into daemon/store/ */
#include "fs_assert.h"
#include "date.h"
#include "fs_errno.h"
#include "id.h"
#include "json.h"
#include "log.h"
#include "status.h"

#define MAX_LOST_LISTED 200

typedef struct counts {
  int n[FS_KIND__COUNT];
  int opp_open, opp_closed, followups;
} counts;

static int staff_get(sqlite3 *db, const char *code, char *role, char *status, char *manager) {
  sqlite3_stmt *st = NULL;
  int rc;

  rc = sqlite3_prepare_v2(db, "SELECT role, status, COALESCE(manager,'') FROM staff WHERE code=?1",
                          -1, &st, NULL);
  if (rc != SQLITE_OK)
    return fs__db_err(db, rc);
  sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    snprintf(role, 16, "%s", sqlite3_column_text(st, 0));
    snprintf(status, 16, "%s", sqlite3_column_text(st, 1));
    snprintf(manager, FS_STAFF_MAX + 1, "%s", sqlite3_column_text(st, 2));
    rc = 0;
  } else {
    rc = rc == SQLITE_DONE ? FS_ENOTFOUND : fs__db_err(db, rc);
  }
  sqlite3_finalize(st);
  return rc;
}

/* Audiences told to evict a moved record, read per query (handover.c
 * move_record loops until all are told). */
#define HANDOVER_AUDIENCE_BATCH 64

/* Moves one record's ownership (see handover.h). */
static int move_record(fs_central *c, fs_kind k, const char *id, const char *from,
                       const char *to, int64_t handover_id) {
  sqlite3 *db = fs__central_db(c);
  const fs_kind_def *kd = fs__kind_def(k);
  sqlite3_stmt *st = NULL;
  char sql[160];
  uint64_t seq;
  int rc;

  seq = fs__central_next_seq(c);
  snprintf(sql, sizeof(sql), "UPDATE \"%s\" SET owner=?1, seq=?2 WHERE id=?3", kd->table);
  rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
  if (rc != SQLITE_OK)
    return fs__db_err(db, rc);
  sqlite3_bind_text(st, 1, to, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 2, (sqlite3_int64)seq);
  sqlite3_bind_text(st, 3, id, -1, SQLITE_STATIC);
  rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE)
    return fs__db_err(db, rc);
  /* Anyone else who was sent this record (a stand-in covering the old
   * owner, a borrower) gets an eviction entry too: their access is decided
   * again at their next pull, so a record that left the covered rep does
   * not linger on the stand-in's device.  A stand-in may have it without
   * an entry of its own (a record the covered rep made during the cover
   * reaches the stand-in through the rep's audience, which the stand-in
   * stops reading when the cover ends): every active stand-in of the old
   * owner is told too. */
  /* In batches of HANDOVER_AUDIENCE_BATCH: an audience once journaled
   * EVICT matches neither half of the query again, so the loop ends when a
   * batch comes back short and no audience is ever left out. */
  for (;;) {
    char aud[HANDOVER_AUDIENCE_BATCH][FS_STAFF_MAX + 1];
    int na = 0;
    rc = sqlite3_prepare_v2(db,
                            "SELECT audience FROM journal WHERE kind=?1 AND record_id=?2 AND "
                            "op=?5 AND audience<>?3 AND audience<>?4 UNION SELECT by_staff "
                            "FROM covers WHERE absent=?3 AND state=1 AND by_staff<>?4 AND "
                            "by_staff NOT IN (SELECT audience FROM journal WHERE kind=?1 AND "
                            "record_id=?2 AND op=?6) LIMIT ?7",
                            -1, &st, NULL);
    if (rc != SQLITE_OK)
      return fs__db_err(db, rc);
    sqlite3_bind_int(st, 1, (int)k);
    sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, from, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, to, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 5, FS_JOURNAL_ROW);
    sqlite3_bind_int(st, 6, FS_JOURNAL_EVICT);
    sqlite3_bind_int(st, 7, HANDOVER_AUDIENCE_BATCH);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      FS_ASSERT(na < HANDOVER_AUDIENCE_BATCH); /* the LIMIT */
      snprintf(aud[na++], FS_STAFF_MAX + 1, "%s", sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
      return fs__db_err(db, rc);
    for (int i = 0; i < na; i++) {
      rc = fs__central_journal(c, k, id, aud[i], FS_JOURNAL_EVICT);
      if (rc)
        return rc;
    }
    if (na < HANDOVER_AUDIENCE_BATCH)
      break;
  }
  /* Evict first, then deliver: the old owner's devices drop the record
   * and the new owner's devices get the whole current row. */
  rc = fs__central_journal(c, k, id, from, FS_JOURNAL_EVICT);
  if (rc == 0)
    rc = fs__central_journal(c, k, id, to, FS_JOURNAL_ROW);
  if (rc)
    return rc;
  rc = sqlite3_prepare_v2(db,
                          "INSERT INTO ownership_log(seq, kind, record_id, old_owner, "
                          "new_owner, at, handover) VALUES(?1,?2,?3,?4,?5,?6,?7)",
                          -1, &st, NULL);
  if (rc != SQLITE_OK)
    return fs__db_err(db, rc);
  sqlite3_bind_int64(st, 1, (sqlite3_int64)fs__central_seq(c));
  sqlite3_bind_int(st, 2, (int)k);
  sqlite3_bind_text(st, 3, id, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 4, from, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 5, to, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 6, (sqlite3_int64)fs__now_ms());
  sqlite3_bind_int64(st, 7, handover_id);
  rc = sqlite3_step(st);
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? 0 : fs__db_err(db, rc);
}

/* Collects ids of kind k matching where (one ? = param) into a list. */
typedef struct idlist {
  char (*ids)[FS_ID_HEX + 1];
  int n, cap;
} idlist;

static int idlist_add(idlist *l, const char *id) {
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

static int select_ids(sqlite3 *db, const char *sql, const char *param, idlist *out) {
  sqlite3_stmt *st = NULL;
  int rc;

  rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
  if (rc != SQLITE_OK)
    return fs__db_err(db, rc);
  sqlite3_bind_text(st, 1, param, -1, SQLITE_STATIC);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW)
    if (idlist_add(out, (const char *)sqlite3_column_text(st, 0)))
      break;
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? 0 : rc == SQLITE_ROW ? FS_ENOMEM : fs__db_err(db, rc);
}

/* Moves one customer and everything hanging off it; counts and lists. */
static int move_customer(fs_central *c, const char *cid, const char *from, const char *to,
                         int64_t hid, counts *cnt, fs__strbuf *lost, int *nlost) {
  sqlite3 *db = fs__central_db(c);
  sqlite3_stmt *st = NULL;
  char today[11];
  int rc;

  fs__today(today);
  rc = sqlite3_prepare_v2(db,
                          "SELECT COALESCE(archive_no,''), name, grade, "
                          "COALESCE(next_contact,'') FROM customers WHERE id=?1",
                          -1, &st, NULL);
  if (rc != SQLITE_OK)
    return fs__db_err(db, rc);
  sqlite3_bind_text(st, 1, cid, -1, SQLITE_STATIC);
  if (sqlite3_step(st) == SQLITE_ROW) {
    const char *grade = (const char *)sqlite3_column_text(st, 2);
    if (grade && strcmp(grade, "lost") == 0) {
      /* Stored text, shown through the sanitiser (common/utf8.h). */
      if ((*nlost)++ < MAX_LOST_LISTED) {
        fs__strbuf_append(lost, "    ", 4);
        fs__strbuf_pad(lost, (const char *)sqlite3_column_text(st, 0), -1);
        fs__strbuf_append(lost, "  ", 2);
        fs__strbuf_pad(lost, (const char *)sqlite3_column_text(st, 1), -1);
        fs__strbuf_append(lost, "\n", 1);
      }
    }
    if (sqlite3_column_bytes(st, 3) && strcmp((const char *)sqlite3_column_text(st, 3), today) >= 0)
      cnt->followups++;
  }
  sqlite3_finalize(st);
  rc = move_record(c, FS_KIND_CUSTOMER, cid, from, to, hid);
  cnt->n[FS_KIND_CUSTOMER]++;
  for (int k = 0; rc == 0 && k < FS_KIND__COUNT; k++) {
    const fs_kind_def *kd = fs__kind_def((fs_kind)k);
    idlist l = {0};
    char sql[200];
    if (!(kd->flags & FS_K_CHILD))
      continue;
    /* Children follow their customer whoever holds them now. */
    snprintf(sql, sizeof(sql), "SELECT id FROM \"%s\" WHERE customer_id=?1", kd->table);
    rc = select_ids(db, sql, cid, &l);
    for (int i = 0; rc == 0 && i < l.n; i++) {
      rc = move_record(c, (fs_kind)k, l.ids[i], from, to, hid);
      cnt->n[k]++;
    }
    free(l.ids);
  }
  if (rc == 0) {
    rc = sqlite3_prepare_v2(db,
                            "SELECT sum(COALESCE(status,'open')='open'), "
                            "sum(COALESCE(status,'open')<>'open'), "
                            "sum(COALESCE(follow_up,'')>=?2 AND COALESCE(status,'open')='open') "
                            "FROM opportunities WHERE customer_id=?1 AND deleted=0",
                            -1, &st, NULL);
    if (rc != SQLITE_OK)
      return fs__db_err(db, rc);
    sqlite3_bind_text(st, 1, cid, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, today, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) == SQLITE_ROW) {
      cnt->opp_open += sqlite3_column_int(st, 0);
      cnt->opp_closed += sqlite3_column_int(st, 1);
      cnt->followups += sqlite3_column_int(st, 2);
    }
    sqlite3_finalize(st);
  }
  return rc;
}

static void member(fs_json *j, const char *key, int v) {
  fs__json_key(j, key);
  fs__json_int(j, v);
}

/* The handover's summary: the report text (stored, printed and delivered
 * as a NOTICE) into report, and the same counts as a JSON object through
 * the one JSON writer into json. */
static void summary(const fs_handover_req *req, const char *to, const char *manager,
                    const counts *cnt, const fs__strbuf *lost, int nlost,
                    fs__strbuf *report, fs__strbuf *json) {
  int departure = strcmp(req->kind, "departure") == 0;
  fs_json j;

  fs__strbuf_printf(
      report,
      "%s%s of %s to %s%s%s\n"
      "  customer cards        %d\n"
      "  contacts              %d\n"
      "  visits (authors kept) %d\n"
      "  opportunities         %d open, %d closed (authors kept)\n"
      "  grade history entries %d\n"
      "  lost-sale reviews     %d\n"
      "  showroom entries      %d\n"
      "  scheduled follow-ups  %d\n"
      "  lost customers for %s to review: %d\n%s",
      req->dry_run ? "DRY RUN - nothing changed. " : "",
      departure ? "Handover" : "Transfer", req->from, to, req->reason ? ": " : "",
      req->reason ? req->reason : "", cnt->n[FS_KIND_CUSTOMER], cnt->n[FS_KIND_CONTACT],
      cnt->n[FS_KIND_VISIT], cnt->opp_open, cnt->opp_closed, cnt->n[FS_KIND_GRADE_CHANGE],
      cnt->n[FS_KIND_LOST_REVIEW], cnt->n[FS_KIND_SHOWROOM], cnt->followups, manager,
      nlost, lost->s ? lost->s : "");
  if (nlost > MAX_LOST_LISTED)
    fs__strbuf_printf(report, "    ... and %d more\n", nlost - MAX_LOST_LISTED);
  fs__json_init_buf(&j, json);
  fs__json_begin_object(&j);
  fs__json_key(&j, "kind");
  fs__json_string(&j, req->kind);
  fs__json_key(&j, "from");
  fs__json_string(&j, req->from);
  fs__json_key(&j, "to");
  fs__json_string(&j, to);
  fs__json_key(&j, "manager");
  fs__json_string(&j, manager);
  fs__json_key(&j, "dry_run");
  fs__json_bool(&j, req->dry_run);
  member(&j, "customers", cnt->n[FS_KIND_CUSTOMER]);
  member(&j, "contacts", cnt->n[FS_KIND_CONTACT]);
  member(&j, "visits", cnt->n[FS_KIND_VISIT]);
  member(&j, "opportunities_open", cnt->opp_open);
  member(&j, "opportunities_closed", cnt->opp_closed);
  member(&j, "grade_changes", cnt->n[FS_KIND_GRADE_CHANGE]);
  member(&j, "lost_reviews", cnt->n[FS_KIND_LOST_REVIEW]);
  member(&j, "showroom", cnt->n[FS_KIND_SHOWROOM]);
  member(&j, "followups", cnt->followups);
  member(&j, "lost_to_review", nlost);
  fs__json_end_object(&j);
}

/* The successor (to: --successor, else the departing rep's manager) and the
 * manager who reviews the lost cards, both checked: active staff, someone
 * else.  0, or an error with err set (or a database error). */
static int parties(sqlite3 *db, const fs_handover_req *req, char to[FS_STAFF_MAX + 1],
                   char manager[FS_STAFF_MAX + 1], char *err, size_t errlen) {
  char frole[16], fstatus[16], fmgr[FS_STAFF_MAX + 1];
  char trole[16], tstatus[16], tmgr[FS_STAFF_MAX + 1];
  int rc;

  rc = staff_get(db, req->from, frole, fstatus, fmgr);
  if (rc == FS_ENOTFOUND) {
    snprintf(err, errlen, "no staff member %s", req->from);
    return rc;
  }
  if (rc)
    return rc;
  if (fs__staff_status_parse(fstatus) != FS_STAFF_ACTIVE) {
    snprintf(err, errlen, "%s has already departed", req->from);
    return FS_EDEPARTED;
  }
  snprintf(to, FS_STAFF_MAX + 1, "%s", req->to ? req->to : fmgr);
  if (to[0] == '\0') {
    snprintf(err, errlen, "%s has no manager; name a successor with --successor CODE",
             req->from);
    return FS_EVALIDATE;
  }
  if (strcmp(to, req->from) == 0) {
    snprintf(err, errlen, "successor must be someone other than %s", req->from);
    return FS_EVALIDATE;
  }
  rc = staff_get(db, to, trole, tstatus, tmgr);
  if (rc == FS_ENOTFOUND) {
    snprintf(err, errlen, "successor %s is not a staff member", to);
    return rc;
  }
  if (rc)
    return rc;
  if (fs__staff_status_parse(tstatus) != FS_STAFF_ACTIVE) {
    snprintf(err, errlen, "successor %s has departed; choose an active colleague", to);
    return FS_EDEPARTED;
  }
  /* The manager who reviews the lost cards: the successor's, or the
   * departing rep's, or the successor if they are the manager. */
  snprintf(manager, FS_STAFF_MAX + 1, "%s", tmgr[0] ? tmgr : fmgr[0] ? fmgr : to);
  return 0;
}

/* What moves: the customers named (each must be req->from's), else all of
 * req->from's customers and showroom entries.  0, FS_ENOTFOUND with err
 * set, or a database error. */
static int targets(sqlite3 *db, const fs_handover_req *req, idlist *cust, idlist *show,
                   char *err, size_t errlen) {
  sqlite3_stmt *st = NULL;
  int rc = 0;

  if (req->customers && req->ncustomers > 0) {
    for (int i = 0; i < req->ncustomers; i++) {
      char owner[FS_STAFF_MAX + 1] = "";
      rc = sqlite3_prepare_v2(db,
                              "SELECT owner FROM customers WHERE (id=?1 OR archive_no=?1) "
                              "AND deleted=0",
                              -1, &st, NULL);
      if (rc != SQLITE_OK)
        return fs__db_err(db, rc);
      sqlite3_bind_text(st, 1, req->customers[i], -1, SQLITE_STATIC);
      if (sqlite3_step(st) == SQLITE_ROW)
        snprintf(owner, sizeof(owner), "%s", sqlite3_column_text(st, 0));
      sqlite3_finalize(st);
      if (strcmp(owner, req->from) != 0) {
        snprintf(err, errlen, owner[0] ? "customer %s belongs to %s, not %s"
                                       : "no customer %s%s%s",
                 req->customers[i], owner, owner[0] ? req->from : "");
        return FS_ENOTFOUND;
      }
      rc = select_ids(db, "SELECT id FROM customers WHERE id=?1 OR archive_no=?1",
                      req->customers[i], cust);
      if (rc)
        return rc;
    }
  } else {
    rc = select_ids(db, "SELECT id FROM customers WHERE owner=?1 ORDER BY archive_no",
                    req->from, cust);
    if (rc == 0)
      rc = select_ids(db, "SELECT id FROM showroom_log WHERE owner=?1", req->from, show);
  }
  return rc;
}

/* Marks `from` departed (successor `to`) and orders the wipe of their
 * devices.  0 or a database error. */
static int depart(sqlite3 *db, const char *from, const char *to) {
  sqlite3_stmt *st = NULL;
  int rc = 0;

  /* The rep departs; and this is the wipe order of each of the rep's
   * devices: their final upload (and the handover fence) close
   * wipe_deadline_days after it.  An earlier order (revoke --wipe) keeps
   * its own, earlier, time.  ?1 from, ?2 now, ?3 successor. */
  static const char *const sql[] = {
      "UPDATE staff SET status='" FS_STAFF_DEPARTED_S
      "', departed_at=?2, successor=?3 WHERE code=?1",
      "UPDATE devices SET wipe_at=?2 WHERE staff=?1 AND wipe_at IS NULL AND status IN "
      "('" FS_DEVICE_ACTIVE_S "','" FS_DEVICE_WIPE_S "')"};
  int64_t now = (int64_t)fs__now_ms();
  for (size_t i = 0; rc == 0 && i < sizeof(sql) / sizeof(sql[0]); i++) {
    rc = sqlite3_prepare_v2(db, sql[i], -1, &st, NULL);
    if (rc != SQLITE_OK) {
      rc = fs__db_err(db, rc);
      break;
    }
    sqlite3_bind_text(st, 1, from, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)now);
    if (sqlite3_bind_parameter_count(st) >= 3)
      sqlite3_bind_text(st, 3, to, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    st = NULL;
    rc = rc == SQLITE_DONE ? 0 : fs__db_err(db, rc);
  }
  return rc;
}

int fs__handover_run(fs_central *c, const fs_handover_req *req, fs__strbuf *out,
                     fs__strbuf *json, char *err, size_t errlen) {
  sqlite3 *db = fs__central_db(c);
  char to[FS_STAFF_MAX + 1], manager[FS_STAFF_MAX + 1];
  int departure = strcmp(req->kind, "departure") == 0;
  idlist cust = {0}, show = {0};
  counts cnt;
  fs__strbuf lost, report;
  sqlite3_stmt *st = NULL;
  int64_t hid = 0;
  int rc, nlost = 0, sp = 0;

  memset(&cnt, 0, sizeof(cnt));
  fs__strbuf_init(&lost, 1 << 20);
  fs__strbuf_init(&report, 1 << 20);
  err[0] = '\0';
  rc = parties(db, req, to, manager, err, errlen);
  if (rc)
    goto out;
  rc = fs__db_exec(db, "SAVEPOINT handover");
  if (rc)
    goto out;
  sp = 1;
  rc = targets(db, req, &cust, &show, err, errlen);
  if (rc)
    goto out;
  /* The handover row first, so every moved record can point to it. */
  rc = sqlite3_prepare_v2(db,
                          "INSERT INTO handovers(at, kind, from_staff, to_staff, dry_run, "
                          "manager, reason) VALUES(?1,?2,?3,?4,?5,?6,?7)",
                          -1, &st, NULL);
  if (rc != SQLITE_OK) {
    rc = fs__db_err(db, rc);
    goto out;
  }
  sqlite3_bind_int64(st, 1, (sqlite3_int64)fs__now_ms());
  sqlite3_bind_text(st, 2, req->kind, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, req->from, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 4, to, -1, SQLITE_STATIC);
  sqlite3_bind_int(st, 5, req->dry_run);
  sqlite3_bind_text(st, 6, manager, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 7, req->reason, -1, SQLITE_STATIC);
  rc = sqlite3_step(st);
  sqlite3_finalize(st);
  st = NULL;
  if (rc != SQLITE_DONE) {
    rc = fs__db_err(db, rc);
    goto out;
  }
  hid = sqlite3_last_insert_rowid(db);
  rc = 0;
  for (int i = 0; rc == 0 && i < cust.n; i++)
    rc = move_customer(c, cust.ids[i], req->from, to, hid, &cnt, &lost, &nlost);
  for (int i = 0; rc == 0 && i < show.n; i++) {
    rc = move_record(c, FS_KIND_SHOWROOM, show.ids[i], req->from, to, hid);
    cnt.n[FS_KIND_SHOWROOM]++;
  }
  if (rc)
    goto out;
  if (departure) {
    rc = depart(db, req->from, to);
    if (rc)
      goto out;
  }
  /* The report: printed now, stored, and delivered to the successor's and
   * the manager's devices as a NOTICE at their next sync. */
  summary(req, to, manager, &cnt, &lost, nlost, &report, json);
  fs__strbuf_append(out, report.s ? report.s : "", report.len);
  if (req->dry_run)
    goto out; /* rolled back below */
  rc = sqlite3_prepare_v2(db, "UPDATE handovers SET report=?1, seq=?2 WHERE id=?3", -1, &st,
                          NULL);
  if (rc != SQLITE_OK) {
    rc = fs__db_err(db, rc);
    goto out;
  }
  sqlite3_bind_text(st, 1, report.s ? report.s : "", -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 2, (sqlite3_int64)fs__central_next_seq(c));
  sqlite3_bind_int64(st, 3, hid);
  rc = sqlite3_step(st);
  sqlite3_finalize(st);
  st = NULL;
  rc = rc == SQLITE_DONE ? 0 : fs__db_err(db, rc);
  if (rc == 0) {
    char detail[200];
    snprintf(detail, sizeof(detail), "%s to %s: %d customers, %d records in all",
             departure ? "departure handover" : "transfer", to, cnt.n[FS_KIND_CUSTOMER],
             cnt.n[0] + cnt.n[1] + cnt.n[2] + cnt.n[3] + cnt.n[4] + cnt.n[5] + cnt.n[6]);
    rc = fs__audit(c, req->actor, departure ? "staff.depart" : "customers.transfer", req->from,
                   cust.n == 1 ? cust.ids[0] : NULL, -1, detail, req->reason);
  }
out:
  sqlite3_finalize(st);
  if (sp) {
    if (rc || req->dry_run || err[0])
      fs__db_exec(db, "ROLLBACK TO handover");
    fs__db_exec(db, "RELEASE handover");
  }
  if (rc == 0 && err[0])
    rc = FS_EVALIDATE;
  free(cust.ids);
  free(show.ids);
  fs__strbuf_release(&lost);
  fs__strbuf_release(&report);
  return rc;
}

int fs__journal_owner(fs_central *c, const char *owner, const char *audience, int op) {
  sqlite3 *db = fs__central_db(c);
  int rc = 0;

  for (int k = 0; rc == 0 && k < FS_KIND__COUNT; k++) {
    idlist l = {0};
    char sql[160];
    snprintf(sql, sizeof(sql), "SELECT id FROM \"%s\" WHERE owner=?1 AND deleted=0",
             fs__kind_def((fs_kind)k)->table);
    rc = select_ids(db, sql, owner, &l);
    for (int i = 0; rc == 0 && i < l.n; i++)
      rc = fs__central_journal(c, (fs_kind)k, l.ids[i], audience, op);
    free(l.ids);
  }
  return rc;
}

/* Journals a customer card and its children for audience. */
static int journal_customer(fs_central *c, const char *cid, const char *audience, int op) {
  sqlite3 *db = fs__central_db(c);
  int rc = fs__central_journal(c, FS_KIND_CUSTOMER, cid, audience, op);

  for (int k = 0; rc == 0 && k < FS_KIND__COUNT; k++) {
    const fs_kind_def *kd = fs__kind_def((fs_kind)k);
    idlist l = {0};
    char sql[160];
    if (!(kd->flags & FS_K_CHILD))
      continue;
    snprintf(sql, sizeof(sql), "SELECT id FROM \"%s\" WHERE customer_id=?1", kd->table);
    rc = select_ids(db, sql, cid, &l);
    for (int i = 0; rc == 0 && i < l.n; i++)
      rc = fs__central_journal(c, (fs_kind)k, l.ids[i], audience, op);
    free(l.ids);
  }
  return rc;
}

int fs__loan_start(fs_central *c, const char *customer_id, const char *staff,
                   int64_t until_ms, int64_t *loan_id) {
  sqlite3 *db = fs__central_db(c);
  sqlite3_stmt *st = NULL;
  int rc;

  rc = sqlite3_prepare_v2(db,
                          "INSERT INTO loans(customer_id, staff, until, created_at, ended) "
                          "VALUES(?1,?2,?3,?4,0)",
                          -1, &st, NULL);
  if (rc != SQLITE_OK)
    return fs__db_err(db, rc);
  sqlite3_bind_text(st, 1, customer_id, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, staff, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 3, until_ms);
  sqlite3_bind_int64(st, 4, (sqlite3_int64)fs__now_ms());
  rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE)
    return fs__db_err(db, rc);
  *loan_id = sqlite3_last_insert_rowid(db);
  return journal_customer(c, customer_id, staff, FS_JOURNAL_ROW);
}

int fs__handover_sweep(fs_central *c, int64_t now_ms, int *changed) {
  sqlite3 *db = fs__central_db(c);
  sqlite3_stmt *st = NULL;
  char today[11];
  int rc, n = 0;

  fs__day_of_ms(now_ms, today);
  /* Covers: start (state 0 -> 1) and end (-> 2). */
  for (int pass = 0; pass < 2; pass++) {
    const char *sql =
        pass == 0 ? "SELECT id, absent, by_staff FROM covers WHERE state=0 AND from_day<=?1 "
                    "AND to_day>=?1"
                  : "SELECT id, absent, by_staff FROM covers WHERE state<2 AND to_day<?1";
    typedef struct {
      int64_t id;
      char absent[FS_STAFF_MAX + 1], by[FS_STAFF_MAX + 1];
    } cov;
    cov *list = NULL;
    int nl = 0;

    rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
      return fs__db_err(db, rc);
    sqlite3_bind_text(st, 1, today, -1, SQLITE_TRANSIENT);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      cov *p = realloc(list, (size_t)(nl + 1) * sizeof(*list));
      if (p == NULL)
        break;
      list = p;
      list[nl].id = sqlite3_column_int64(st, 0);
      snprintf(list[nl].absent, sizeof(list[nl].absent), "%s", sqlite3_column_text(st, 1));
      snprintf(list[nl].by, sizeof(list[nl].by), "%s", sqlite3_column_text(st, 2));
      nl++;
    }
    sqlite3_finalize(st);
    rc = rc == SQLITE_DONE ? 0 : rc == SQLITE_ROW ? FS_ENOMEM : fs__db_err(db, rc);
    for (int i = 0; rc == 0 && i < nl; i++) {
      char q[128];
      rc = fs__journal_owner(c, list[i].absent, list[i].by,
                             pass == 0 ? FS_JOURNAL_ROW : FS_JOURNAL_EVICT);
      /* ended_at bounds the cover fence (central.c). */
      if (pass == 0)
        snprintf(q, sizeof(q), "UPDATE covers SET state=1 WHERE id=%lld",
                 (long long)list[i].id);
      else
        snprintf(q, sizeof(q), "UPDATE covers SET state=2, ended_at=%lld WHERE id=%lld",
                 (long long)now_ms, (long long)list[i].id);
      if (rc == 0)
        rc = fs__db_exec(db, q);
      if (rc == 0)
        rc = fs__audit(c, "fieldsyncd", pass == 0 ? "cover.start" : "cover.end", list[i].absent,
                       NULL, -1, list[i].by, NULL);
      n++;
    }
    free(list);
    if (rc)
      return rc;
  }
  /* Loans past their time. */
  {
    typedef struct {
      int64_t id;
      char cust[FS_ID_HEX + 1], staff[FS_STAFF_MAX + 1];
    } loan;
    loan *list = NULL;
    int nl = 0;

    rc = sqlite3_prepare_v2(db, "SELECT id, customer_id, staff FROM loans WHERE ended=0 AND "
                                "until<=?1",
                            -1, &st, NULL);
    if (rc != SQLITE_OK)
      return fs__db_err(db, rc);
    sqlite3_bind_int64(st, 1, now_ms);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      loan *p = realloc(list, (size_t)(nl + 1) * sizeof(*list));
      if (p == NULL)
        break;
      list = p;
      list[nl].id = sqlite3_column_int64(st, 0);
      snprintf(list[nl].cust, sizeof(list[nl].cust), "%s", sqlite3_column_text(st, 1));
      snprintf(list[nl].staff, sizeof(list[nl].staff), "%s", sqlite3_column_text(st, 2));
      nl++;
    }
    sqlite3_finalize(st);
    rc = rc == SQLITE_DONE ? 0 : rc == SQLITE_ROW ? FS_ENOMEM : fs__db_err(db, rc);
    for (int i = 0; rc == 0 && i < nl; i++) {
      char q[96];
      rc = journal_customer(c, list[i].cust, list[i].staff, FS_JOURNAL_EVICT);
      snprintf(q, sizeof(q), "UPDATE loans SET ended=1 WHERE id=%lld", (long long)list[i].id);
      if (rc == 0)
        rc = fs__db_exec(db, q);
      if (rc == 0)
        rc = fs__audit(c, "fieldsyncd", "loan.end", list[i].staff, list[i].cust, -1, NULL,
                       NULL);
      n++;
    }
    free(list);
    if (rc)
      return rc;
  }
  if (changed)
    *changed = n;
  return 0;
}

/* Devices read per query by fs__wipe_sweep (it loops until all are marked). */
#define WIPE_SWEEP_BATCH 1000

int fs__wipe_sweep(fs_central *c, int64_t now_ms, int *changed) {
  sqlite3 *db = fs__central_db(c);
  sqlite3_stmt *st = NULL;
  int rc, n = 0;
  int64_t *ids = NULL;
  int nids = 0;

  if (changed)
    *changed = 0;
  /* A store upgraded from before wipe_at may hold devices under a wipe
   * order without its time: their window starts now, at first sight. */
  rc = sqlite3_prepare_v2(db,
                          "UPDATE devices SET wipe_at=?1 WHERE wipe_at IS NULL AND "
                          "(status='" FS_DEVICE_WIPE_S "' OR (status='" FS_DEVICE_ACTIVE_S
                          "' AND staff IN (SELECT code FROM "
                          "staff WHERE status='" FS_STAFF_DEPARTED_S "')))",
                          -1, &st, NULL);
  if (rc != SQLITE_OK)
    return fs__db_err(db, rc);
  sqlite3_bind_int64(st, 1, now_ms);
  rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE)
    return fs__db_err(db, rc);
  /* In batches of WIPE_SWEEP_BATCH: a marked device no longer matches, so
   * the loop ends with a short batch and none is left for the next sweep. */
  do {
    nids = 0;
    rc = sqlite3_prepare_v2(db,
                            "SELECT d.id FROM devices d JOIN staff s ON "
                            "s.code=d.staff WHERE (d.status='" FS_DEVICE_WIPE_S
                            "' OR (d.status='" FS_DEVICE_ACTIVE_S "' AND "
                            "s.status='" FS_STAFF_DEPARTED_S
                            "')) AND d.wipe_at IS NOT NULL AND d.wipe_at+?2<=?1 "
                            "LIMIT ?3",
                            -1, &st, NULL);
    if (rc != SQLITE_OK) {
      rc = fs__db_err(db, rc);
      break;
    }
    sqlite3_bind_int64(st, 1, now_ms);
    sqlite3_bind_int64(st, 2, fs__central_wipe_deadline(c));
    sqlite3_bind_int(st, 3, WIPE_SWEEP_BATCH);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      int64_t *p = realloc(ids, (size_t)(nids + 1) * sizeof(*ids));
      if (p == NULL)
        break;
      ids = p;
      ids[nids++] = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    rc = rc == SQLITE_DONE ? 0 : rc == SQLITE_ROW ? FS_ENOMEM : fs__db_err(db, rc);
    for (int i = 0; rc == 0 && i < nids; i++) {
      rc = fs__wipe_mark(
          c, ids[i],
          "the final upload's deadline passed; the device is refused from now on");
      n++;
    }
  } while (rc == 0 && nids == WIPE_SWEEP_BATCH);
  free(ids);
  if (rc == 0 && changed)
    *changed = n;
  return rc;
}

int fs__wipe_mark(fs_central *c, int64_t device, const char *detail) {
  sqlite3 *db = fs__central_db(c);
  sqlite3_stmt *st = NULL;
  int rc;

  rc = sqlite3_prepare_v2(db,
                          "UPDATE devices SET status='" FS_DEVICE_WIPED_S
                          "' WHERE id=?1 AND status<>'" FS_DEVICE_WIPED_S "'",
                          -1, &st, NULL);
  if (rc != SQLITE_OK)
    return fs__db_err(db, rc);
  sqlite3_bind_int64(st, 1, device);
  rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE)
    return fs__db_err(db, rc);
  if (sqlite3_changes(db) == 0)
    return 0;
  return fs__audit(c, "fieldsyncd", "device.wiped", NULL, NULL, (long long)device, detail,
                   NULL);
}
