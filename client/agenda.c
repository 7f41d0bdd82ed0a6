/* agenda.c - fs_agenda: who must be contacted on a day, from the replica
 * alone (see fieldsync.h for the rules).
 *
 * Three read-only queries gather the candidates (customers with their last
 * visit, unanswered showroom contacts, key-account visits with no later
 * visit); the due dates come from common/cadence.h so the daemon's visits
 * report counts the same way.  Items due on or before the day are kept in
 * a bounded array, sorted, and handed to the callback. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cadence.h"
#include "date.h"
#include "db.h"
#include "fs_errno.h"
#include "replica.h"

/* Sort rank of each kind of item on the same due date. */
enum {
  PRIO_LOST = 0,
  PRIO_DELETE,
  PRIO_CALLBACK,
  PRIO_FOLLOWUP,
  PRIO_NEXT,
  PRIO_CADENCE
};

static const char *const kind_names[] = {"lost_review", "delete_request", "callback",
                                         "followup",    "next_contact",   "cadence"};

typedef struct item {
  char due[11];
  int overdue;
  int prio;
  char reason[128];
  char customer_id[33];
  char archive_no[41];
  char name[201];
  char phone[41];
  char grade[16];
  char owner[17];
  char source_id[33];
} item;

typedef struct agenda {
  fs_replica *r;
  char date[11];
  int64_t day; /* day number of date */
  item *items;
  size_t n, cap;
} agenda;

static void copy(char *dst, size_t n, const unsigned char *src) {
  snprintf(dst, n, "%s", src ? (const char *)src : "");
}

/* Appends an item due on `due`, `late` days overdue, of kind prio (the
 * rest zeroed); NULL with *rc set when full or out of memory. */
static item *agenda_push(agenda *a, const char *due, int late, int prio, int *rc) {
  item *it;

  if (a->n == a->cap) {
    size_t ncap = a->cap ? a->cap * 2 : 64;
    item *ni;
    if (a->cap >= FS_AGENDA_MAX) {
      *rc = fs__replica_fail(a->r, FS_EOVERFLOW, "agenda: more than %d items", FS_AGENDA_MAX);
      return NULL;
    }
    if (ncap > FS_AGENDA_MAX)
      ncap = FS_AGENDA_MAX;
    ni = realloc(a->items, ncap * sizeof(*ni));
    if (ni == NULL) {
      *rc = FS_ENOMEM;
      return NULL;
    }
    a->items = ni;
    a->cap = ncap;
  }
  it = &a->items[a->n++];
  memset(it, 0, sizeof(*it));
  snprintf(it->due, sizeof(it->due), "%s", due);
  it->overdue = late;
  it->prio = prio;
  return it;
}

/* Copies the six customer columns from col of st (id, archive number,
 * name, phone, grade, owner) into it. */
static void copy_customer(item *it, sqlite3_stmt *st, int col) {
  copy(it->customer_id, sizeof(it->customer_id), sqlite3_column_text(st, col));
  copy(it->archive_no, sizeof(it->archive_no), sqlite3_column_text(st, col + 1));
  copy(it->name, sizeof(it->name), sqlite3_column_text(st, col + 2));
  copy(it->phone, sizeof(it->phone), sqlite3_column_text(st, col + 3));
  copy(it->grade, sizeof(it->grade), sqlite3_column_text(st, col + 4));
  copy(it->owner, sizeof(it->owner), sqlite3_column_text(st, col + 5));
}

/* Overdue days of due on the agenda's day (0 if not late); -1 if due lies
 * after the day (not on the agenda), -2 if due is not a date. */
static int late_days(const agenda *a, const char *due) {
  int64_t d;

  if (fs__date_parse(due, &d) != 0)
    return -2;
  if (d > a->day)
    return -1;
  return (int)(a->day - d);
}

static int prepare(agenda *a, const char *sql, sqlite3_stmt **st) {
  sqlite3 *db = fs__replica_db(a->r);
  int rc = sqlite3_prepare_v2(db, sql, -1, st, NULL);

  if (rc != SQLITE_OK)
    return fs__replica_fail(a->r, fs__db_err(db, rc), "agenda query failed: %s",
                            sqlite3_errmsg(db));
  sqlite3_bind_text(*st, 1, a->date, -1, SQLITE_STATIC);
  return 0;
}

/* Ends a query begun by prepare: rc is the last sqlite3_step result or an
 * FS_E* code from the loop; returns 0 or an FS_E* code.  Finalizes st. */
static int query_end(agenda *a, sqlite3_stmt *st, int rc) {
  if (rc == SQLITE_DONE)
    rc = 0;
  else if (rc > 0)
    rc = fs__db_err(fs__replica_db(a->r), rc);
  sqlite3_finalize(st);
  return rc;
}

/* ---- 1. cadence and agreed next contacts ---------------------------------- */

static int gather_cadence(agenda *a) {
  /* Visits after the day being judged do not count: an agenda for a past
   * day shows what was due then. */
  static const char sql[] =
      "SELECT c.id, c.archive_no, c.name, c.phone, c.grade, c.delivery_date,"
      " COALESCE(c.created, c.grade_date), c.next_contact, c.owner,"
      " (SELECT " FS_SQL_VISIT_DAY("v") " AS d FROM visits v WHERE v.customer_id = c.id"
      "   AND v.deleted = 0 AND " FS_SQL_VISIT_CURRENT("v")
      "   AND d <= ?1 ORDER BY d DESC, v.at DESC, v.id DESC LIMIT 1),"
      " (SELECT v.next_contact FROM visits v WHERE v.customer_id = c.id AND v.deleted = 0"
      "   AND " FS_SQL_VISIT_CURRENT("v") " AND " FS_SQL_VISIT_DAY("v") " <= ?1"
      "   ORDER BY " FS_SQL_VISIT_DAY("v") " DESC, v.at DESC, v.id DESC LIMIT 1),"
      " CASE WHEN c.grade_date <= ?1 THEN c.grade_date END"
      " FROM customers c WHERE c.deleted = 0 AND c.grade IS NOT NULL AND c.grade <> 'lost'";
  sqlite3_stmt *st = NULL;
  int rc;

  rc = prepare(a, sql, &st);
  if (rc)
    return rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    const char *grade = (const char *)sqlite3_column_text(st, 4);
    const char *delivery = (const char *)sqlite3_column_text(st, 5);
    const char *opened = (const char *)sqlite3_column_text(st, 6);
    const char *card_next = (const char *)sqlite3_column_text(st, 7);
    const char *last_visit = (const char *)sqlite3_column_text(st, 9);
    const char *visit_next = (const char *)sqlite3_column_text(st, 10);
    /* The cadence counts from the last contact or a later re-rating, but
     * a deadline missed before a re-rating stays due (cadence.h). */
    const char *last = last_visit ? last_visit : opened;
    const char *agreed = NULL;
    char due[11], last_day[11];
    int late, prio = PRIO_CADENCE, days, missed = 0;
    item *it;

    rc = fs__cadence_card_due(fs__replica_db(a->r), (const char *)sqlite3_column_text(st, 0),
                              grade, delivery, opened, a->date, NULL, due, &missed);
    if (rc == FS_ENOTFOUND || rc == FS_EINVAL || last == NULL) {
      rc = 0;
      continue; /* no date to count from, or a grade the model does not know */
    }
    if (rc)
      break;
    snprintf(last_day, sizeof(last_day), "%.10s", last);
    /* An agreed date counts if it was set for after the last contact and
     * comes before the cadence would. */
    if (visit_next && strcmp(visit_next, last_day) > 0 && strcmp(visit_next, due) < 0)
      agreed = visit_next;
    if (card_next && strcmp(card_next, last_day) > 0 &&
        strcmp(card_next, agreed ? agreed : due) < 0)
      agreed = card_next;
    if (agreed && !missed) {
      snprintf(due, sizeof(due), "%s", agreed);
      prio = PRIO_NEXT;
    }
    late = late_days(a, due);
    if (late < 0)
      continue;
    it = agenda_push(a, due, late, prio, &rc);
    if (it == NULL)
      break;
    copy(it->customer_id, sizeof(it->customer_id), sqlite3_column_text(st, 0));
    copy(it->source_id, sizeof(it->source_id), sqlite3_column_text(st, 0));
    copy(it->archive_no, sizeof(it->archive_no), sqlite3_column_text(st, 1));
    copy(it->name, sizeof(it->name), sqlite3_column_text(st, 2));
    copy(it->phone, sizeof(it->phone), sqlite3_column_text(st, 3));
    copy(it->grade, sizeof(it->grade), (const unsigned char *)grade);
    copy(it->owner, sizeof(it->owner), sqlite3_column_text(st, 8));
    days = fs__cadence_days(grade, delivery, due);
    if (prio == PRIO_NEXT)
      snprintf(it->reason, sizeof(it->reason), "agreed next contact (last contact %s)",
               last_day);
    else if (missed)
      snprintf(it->reason, sizeof(it->reason),
               "missed before a re-rating: due until a contact is made");
    else if (strcmp(grade, "delivered") == 0)
      snprintf(it->reason, sizeof(it->reason), "delivered: every %d days", days);
    else
      snprintf(it->reason, sizeof(it->reason), "grade %s: every %d days", grade, days);
  }
  return query_end(a, st, rc);
}

/* ---- 2. showroom call-backs -------------------------------------------------- */

static int gather_callbacks(agenda *a) {
  /* A visit to the linked card after the arrival is the call-back.  A
   * visitor with no card cannot be matched to a contact: they stay on the
   * agenda until the entry is linked to a card that gets a visit. */
  static const char sql[] =
      "SELECT s.id, s.arrived, COALESCE(c.id, ''), c.archive_no,"
      " COALESCE(c.name, s.visitor), COALESCE(s.phone, c.phone), COALESCE(s.grade, c.grade),"
      " s.owner"
      " FROM showroom_log s LEFT JOIN customers c ON c.id = s.customer_id AND c.deleted = 0"
      " WHERE s.deleted = 0 AND s.left_details = 1 AND substr(s.arrived, 1, 10) <= ?1"
      " AND (c.grade IS NULL OR c.grade <> 'lost')"
      " AND NOT EXISTS (SELECT 1 FROM visits w WHERE w.customer_id = s.customer_id"
      "   AND w.deleted = 0 AND " FS_SQL_VISIT_CURRENT("w")
      "   AND w.at > s.arrived AND substr(w.at, 1, 10) <= ?1)";
  sqlite3_stmt *st = NULL;
  int rc;

  rc = prepare(a, sql, &st);
  if (rc)
    return rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    const char *arrived = (const char *)sqlite3_column_text(st, 1);
    char due_at[20], due[11];
    int late;
    item *it;

    if (fs__cadence_callback_due(arrived, NULL, due_at, NULL) != 0)
      continue;
    snprintf(due, sizeof(due), "%.10s", due_at);
    late = late_days(a, due);
    if (late < 0)
      continue;
    it = agenda_push(a, due, late, PRIO_CALLBACK, &rc);
    if (it == NULL)
      break;
    copy(it->source_id, sizeof(it->source_id), sqlite3_column_text(st, 0));
    copy_customer(it, st, 2);
    /* The due column shows the day; the hour matters for a 24 h rule. */
    snprintf(it->reason, sizeof(it->reason), "call back walk-in within 24h (by %.5s)",
             due_at + 11);
  }
  return query_end(a, st, rc);
}

/* ---- 3. key-account follow-ups -------------------------------------------------- */

static int gather_followups(agenda *a) {
  static const char sql[] =
      "SELECT v.id, v.at, c.id, c.archive_no, c.name, c.phone, c.grade, c.owner"
      " FROM visits v JOIN customers c ON c.id = v.customer_id AND c.deleted = 0"
      " WHERE v.deleted = 0 AND " FS_SQL_VISIT_CURRENT("v")
      " AND v.key_account = 1 AND substr(v.at, 1, 10) <= ?1"
      " AND (c.grade IS NULL OR c.grade <> 'lost')"
      " AND NOT EXISTS (SELECT 1 FROM visits w WHERE w.customer_id = v.customer_id"
      "   AND w.deleted = 0 AND " FS_SQL_VISIT_CURRENT("w")
      "   AND (w.at > v.at OR (w.at = v.at AND w.id > v.id))"
      "   AND substr(w.at, 1, 10) <= ?1)";
  sqlite3_stmt *st = NULL;
  int rc;

  rc = prepare(a, sql, &st);
  if (rc)
    return rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    const char *at = (const char *)sqlite3_column_text(st, 1);
    char due[11];
    int late;
    item *it;

    if (fs__cadence_followup_due(at, NULL, due, NULL) != 0)
      continue;
    late = late_days(a, due);
    if (late < 0)
      continue;
    it = agenda_push(a, due, late, PRIO_FOLLOWUP, &rc);
    if (it == NULL)
      break;
    copy(it->source_id, sizeof(it->source_id), sqlite3_column_text(st, 0));
    copy_customer(it, st, 2);
    snprintf(it->reason, sizeof(it->reason), "key-account follow-up (visit %.10s)", at);
  }
  return query_end(a, st, rc);
}

/* ---- 4. lost sales: awaiting the manager, or rejected ------------------------ */

static int gather_lost(agenda *a) {
  /* A card set lost stays on the agenda until the manager confirms the
   * loss; a rejected loss reopens the card and tells the rep until the
   * next visit (issue 14). */
  static const char sql[] =
      "SELECT l.id, c.id, c.archive_no, c.name, c.phone, c.grade, c.owner, l.lost_date,"
      " l.reviewed_by, l.reviewed_on"
      " FROM lost_reviews l JOIN customers c ON c.id = l.customer_id AND c.deleted = 0"
      " WHERE l.deleted = 0 AND l.lost_date <= ?1 AND ("
      "  (l.reviewed_by IS NULL AND c.grade = 'lost') OR"
      "  (l.reviewed_by IS NOT NULL AND COALESCE(l.confirmed, 0) = 0 AND l.reviewed_on <= ?1"
      "   AND c.grade <> 'lost' AND NOT EXISTS (SELECT 1 FROM visits w"
      "   WHERE w.customer_id = c.id AND w.deleted = 0 AND " FS_SQL_VISIT_CURRENT("w")
      "   AND substr(w.at, 1, 10) BETWEEN l.reviewed_on AND ?1)))";
  sqlite3_stmt *st = NULL;
  int rc;

  rc = prepare(a, sql, &st);
  if (rc)
    return rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    const char *lost = (const char *)sqlite3_column_text(st, 7);
    const char *by = (const char *)sqlite3_column_text(st, 8);
    const char *on = (const char *)sqlite3_column_text(st, 9);
    const char *due = by ? on : lost;
    int late = due ? late_days(a, due) : -1;
    item *it;

    if (late < 0)
      continue;
    it = agenda_push(a, due, late, PRIO_LOST, &rc);
    if (it == NULL)
      break;
    copy(it->source_id, sizeof(it->source_id), sqlite3_column_text(st, 0));
    copy_customer(it, st, 1);
    if (by)
      snprintf(it->reason, sizeof(it->reason),
               "loss rejected by %s on %s: the card is open again, contact the customer", by,
               on);
    else
      snprintf(it->reason, sizeof(it->reason),
               "lost on %s: awaiting the manager's confirmation", lost);
  }
  return query_end(a, st, rc);
}

/* ---- 5. deletion requests awaiting the manager ------------------------------ */

/* On a manager's or admin's replica: every card whose deletion a rep asked
 * for (issue 14), due the day asked, until the manager confirms (the card
 * goes) or rejects (the request is cleared).  A rep's own request is no
 * task of theirs: the manager decides. */
static int gather_delete_requests(agenda *a) {
  static const char sql[] =
      "SELECT c.id, c.id, c.archive_no, c.name, c.phone, c.grade, c.owner,"
      " c.delete_requested FROM customers c"
      " WHERE c.deleted = 0 AND c.delete_requested IS NOT NULL AND c.delete_requested <= ?1";
  sqlite3_stmt *st = NULL;
  int rc;

  if (a->r->id.role != FS_ROLE_MANAGER && a->r->id.role != FS_ROLE_ADMIN)
    return 0;
  rc = prepare(a, sql, &st);
  if (rc)
    return rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    const char *asked = (const char *)sqlite3_column_text(st, 7);
    int late = late_days(a, asked);
    item *it;

    if (late < 0)
      continue;
    it = agenda_push(a, asked, late, PRIO_DELETE, &rc);
    if (it == NULL)
      break;
    copy(it->source_id, sizeof(it->source_id), sqlite3_column_text(st, 0));
    copy_customer(it, st, 1);
    snprintf(it->reason, sizeof(it->reason),
             "deletion asked for by %.16s on %s: confirm or reject it "
             "(customer delete-review)",
             it->owner, asked);
  }
  return query_end(a, st, rc);
}

/* Most urgent first: earliest due, then kind, then archive number, name
 * and source id so the order is total (stable output). */
static int item_cmp(const void *pa, const void *pb) {
  const item *x = pa, *y = pb;
  int d = strcmp(x->due, y->due);

  if (d)
    return d;
  if (x->prio != y->prio)
    return x->prio < y->prio ? -1 : 1;
  if ((d = strcmp(x->archive_no, y->archive_no)) != 0)
    return d;
  if ((d = strcmp(x->name, y->name)) != 0)
    return d;
  return strcmp(x->source_id, y->source_id);
}

int fs_agenda(fs_replica *r, const char *date, fs_agenda_cb cb, void *arg) {
  agenda a;
  int rc;

  if (r == NULL || cb == NULL)
    return FS_EINVAL;
  memset(&a, 0, sizeof(a));
  a.r = r;
  r->err[0] = '\0';
  if (date == NULL)
    fs__today(a.date);
  else if (strlen(date) != 10 || fs__date_parse(date, &a.day) != 0)
    return fs__replica_fail(r, FS_EINVAL, "date: \"%s\" is not a date (YYYY-MM-DD)", date);
  else
    snprintf(a.date, sizeof(a.date), "%s", date);
  rc = fs__date_parse(a.date, &a.day);
  if (rc)
    return fs__replica_fail(r, FS_EINVAL, "date: \"%s\" is not a date", a.date);
  /* One read transaction: the queries see one state. */
  rc = fs__db_exec(fs__replica_db(r), "BEGIN");
  if (rc)
    return rc;
  rc = gather_cadence(&a);
  if (rc == 0)
    rc = gather_callbacks(&a);
  if (rc == 0)
    rc = gather_followups(&a);
  if (rc == 0)
    rc = gather_lost(&a);
  if (rc == 0)
    rc = gather_delete_requests(&a);
  fs__db_exec(fs__replica_db(r), "COMMIT");
  if (rc)
    goto out;
  if (a.n > 1)
    qsort(a.items, a.n, sizeof(item), item_cmp);
  for (size_t i = 0; i < a.n; i++) {
    const item *x = &a.items[i];
    fs_agenda_item it;
    it.due = x->due;
    it.overdue_days = x->overdue;
    it.kind = kind_names[x->prio];
    it.reason = x->reason;
    it.customer_id = x->customer_id;
    it.archive_no = x->archive_no;
    it.name = x->name;
    it.phone = x->phone;
    it.grade = x->grade;
    it.owner = x->owner;
    it.source_id = x->source_id;
    rc = cb(arg, &it);
    if (rc)
      break;
  }
out:
  free(a.items);
  return rc;
}
