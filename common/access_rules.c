/* access_rules.c - the manager's controls (see access_rules.h). */
#include "access_rules.h"

#include <stdio.h>
#include <string.h>

#include "date.h"
#include "dbutil.h"
#include "fs_errno.h"
#include "hlc.h"
#include "store.h"

static int is_set(const fs_value *v) {
  return v && v->type != FS_V_NULL;
}

/* The text of a value c writes (c may be NULL), else of the stored row's
 * field (row may be NULL); NULL if neither holds text. */
static const char *after(const fs_change *c, const fs_row *row, const char *name) {
  const fs_value *v = fs__change_written(c, name);
  int f;
  if (v)
    return v->type == FS_V_TEXT ? v->s : NULL;
  if (row == NULL)
    return NULL;
  f = fs__field_index(fs__kind_def(row->kind), name);
  return f >= 0 && row->values[f].type == FS_V_TEXT ? row->values[f].s : NULL;
}

static int text_is(const fs_value *v, const char *s) {
  return v && v->type == FS_V_TEXT && strcmp(v->s, s) == 0;
}

/* 1 if the query (one text parameter: the customer id) returns a row. */
static int exists(sqlite3 *db, const char *sql, const char *customer_id) {
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);

  if (rc != SQLITE_OK)
    return fs__db_err(db, rc);
  sqlite3_bind_text(st, 1, customer_id, -1, SQLITE_STATIC);
  rc = sqlite3_step(st);
  rc = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : fs__db_err(db, rc);
  sqlite3_finalize(st);
  return rc;
}

/* L1: the card's lost-sale record awaiting review, and the refusal. */
#define LOST_PENDING_SQL                                                                 \
  "SELECT 1 FROM lost_reviews WHERE customer_id = ?1 AND deleted = 0 AND "               \
  "reviewed_by IS NULL LIMIT 1"
#define LOST_NO_RECORD                                                                   \
  "grade: a card is set lost only with its lost-sale record (lost_review: the date, "    \
  "the reason and its class, the competitor), which the manager then confirms; record "  \
  "the loss with `fieldsync customer lost`"

/* Loads a row; *found 0 if absent (or a tombstone when live is set). */
static int load(sqlite3 *db, fs_kind k, const char *id, int live, fs_row *row,
                int *found) {
  int rc = fs__store_get(db, k, id, row);
  *found = rc == 0 && !(live && row->deleted);
  return rc == FS_ENOTFOUND ? 0 : rc;
}

/* C2: a re-rating dated `date` of the card `card`, made on `made`.  Back-
 * dated is fine unless it would erase a deadline: the contact due (counted
 * on `date`, from the card's history up to then) fell in [date, made), and
 * no contact or earlier re-rating met it.  The day itself is never refused:
 * a missed deadline stays missed whatever is re-rated after it
 * (fs__cadence_card_due). */
static int check_rerating(sqlite3 *db, const fs_row *card, const char *field,
                          const char *date, const char *made, const fs_cadence_methods *m,
                          char *err, size_t errlen) {
  const char *opened = after(NULL, card, "created"),
             *deliv = after(NULL, card, "delivery_date");
  char due[11], due2[11];
  int rc;

  if (strcmp(date, made) > 0) {
    snprintf(err, errlen,
             "%s: a re-rating dated %s lies after the day it was made (%s); date it the "
             "day the grade was judged",
             field, date, made);
    return FS_EVALIDATE;
  }
  if (strcmp(date, made) == 0)
    return 0;
  if (opened == NULL)
    opened = after(NULL, card, "grade_date");
  rc = fs__cadence_card_due(db, card->id, NULL, deliv, opened, date, m, due, NULL);
  if (rc == FS_ENOTFOUND || rc == FS_EINVAL)
    return 0; /* nothing to count from: no deadline to erase */
  if (rc)
    return rc;
  if (due[0] == '\0' || strcmp(due, date) < 0 || strcmp(due, made) >= 0)
    return 0; /* lost then, missed already then (it stays), or not yet passed */
  rc = fs__cadence_card_due(db, card->id, NULL, deliv, opened, due, m, due2, NULL);
  if (rc == FS_ENOTFOUND || rc == FS_EINVAL)
    return 0;
  if (rc)
    return rc;
  if (due2[0] == '\0' || strcmp(due2, due) > 0)
    return 0; /* met, re-rated or lost by then */
  snprintf(
      err, errlen,
      "%s: a re-rating dated %s, made on %s, would erase the contact due by %s, which "
      "was missed; date it the day it is made: it starts a new clock and the missed "
      "deadline stays missed",
      field, date, made, due);
  return FS_EVALIDATE;
}

/* C3: a card with visits is never silently erased by its rep. */
static int check_rep_delete(sqlite3 *db, fs_role role, const fs_change *c, char *err,
                            size_t errlen) {
  int rc;

  if (role != FS_ROLE_REP)
    return 0;
  rc = exists(db, "SELECT 1 FROM visits WHERE customer_id = ?1 AND deleted = 0 LIMIT 1",
              c->id);
  if (rc <= 0)
    return rc;
  snprintf(
      err, errlen,
      "customer %s: a rep does not delete a card with visit records; ask the manager "
      "to (set delete_requested: `fieldsync customer delete` does), who deletes it "
      "or keeps it",
      c->id);
  return FS_EFORBIDDEN;
}

/* C5: the deletion request.  row/found: the stored card (live). */
static int check_delete_request(fs_role role, const char *staff, const fs_change *c,
                                const fs_row *row, int found, char *err, size_t errlen) {
  const fs_value *req = fs__change_written(c, "delete_requested");
  const char *owner = found ? row->owner : c->owner,
             *pending = found ? after(NULL, row, "delete_requested") : NULL;

  if (c->op == FS_OP_DELETE) {
    if (role != FS_ROLE_REP || pending == NULL)
      return 0;
    snprintf(err, errlen,
             "customer %s: its deletion, asked for on %s, awaits the manager's decision "
             "(`fieldsync customer delete-review`)",
             c->id, pending);
    return FS_EFORBIDDEN;
  }
  if (is_set(fs__change_written(c, "delete_note")) && role == FS_ROLE_REP) {
    snprintf(err, errlen,
             "delete_note: only a manager or the central office answers a deletion "
             "request; %s is a rep",
             staff);
    return FS_EFORBIDDEN;
  }
  if (req == NULL || (!is_set(req) && pending == NULL))
    return 0; /* not written, or cleared when nothing was asked */
  if (is_set(req) && strcmp(owner, staff) != 0) {
    snprintf(err, errlen,
             "delete_requested: only the card's owner (%s) asks for its deletion; a "
             "manager deletes it directly",
             owner);
    return FS_EFORBIDDEN;
  }
  if (!is_set(req) && role == FS_ROLE_REP && strcmp(owner, staff) != 0) {
    snprintf(err, errlen,
             "delete_requested: only the card's owner (%s) withdraws the request, or the "
             "manager rejects it",
             owner);
    return FS_EFORBIDDEN;
  }
  return 0;
}

/* K1: the card's tier, key_account and tier_override are the manager's
 * (issue 14, key customers): a rep's change of an existing card that
 * writes one of them with another value than the card holds is refused;
 * writing what is there says nothing (a re-send, a form that sends every
 * field).  A rep's new card may carry a first guess of tier and
 * key_account (never tier_override): a rep is never stopped from recording
 * a customer (a 0.1.0 client sends them on `customer add`), and
 * `keyaccounts apply` sets them from the score. */
static int check_tier(fs_role role, const char *staff, const fs_change *c,
                      const fs_row *row, int found, char *err, size_t errlen) {
  static const char *const fields[] = {"tier", "key_account", "tier_override"};

  if (role != FS_ROLE_REP)
    return 0;
  for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
    const fs_value *v = fs__change_written(c, fields[i]), *was = NULL;
    int f, same;
    if (v == NULL || (!found && i < 2))
      continue;
    f = fs__field_index(fs__kind_def(FS_KIND_CUSTOMER), fields[i]);
    if (found && f >= 0)
      was = &row->values[f];
    if (was && is_set(was))
      same = is_set(v) && v->type == was->type &&
             (v->type == FS_V_TEXT ? strcmp(v->s, was->s) == 0 : v->i == was->i);
    else /* nothing stored: the default says nothing */
      same = !is_set(v) || (v->type == FS_V_TEXT ? strcmp(v->s, "none") == 0 : v->i == 0);
    if (same)
      continue;
    snprintf(
        err, errlen,
        "%s: a card's key-account tier follows the composite score (the manager "
        "applies it with `fieldsync keyaccounts apply`) or is the manager's override "
        "(`fieldsync keyaccounts override`); %s is a rep",
        fields[i], staff);
    return FS_EFORBIDDEN;
  }
  return 0;
}

static int check_customer(sqlite3 *db, fs_role role, const char *staff,
                          const fs_change *c, const char *made,
                          const fs_cadence_methods *m, char *err, size_t errlen) {
  const fs_value *grade = fs__change_written(c, "grade"),
                 *gdate = fs__change_written(c, "grade_date");
  const char *g_after, *deliv;
  fs_row row;
  int found, rc;

  memset(&row, 0, sizeof(row));
  rc = load(db, FS_KIND_CUSTOMER, c->id, 1, &row, &found);
  if (rc == 0)
    rc = check_delete_request(role, staff, c, &row, found, err, errlen);
  if (rc == 0 && c->op != FS_OP_DELETE)
    rc = check_tier(role, staff, c, &row, found, err, errlen);
  if (rc == 0 && c->op == FS_OP_DELETE)
    rc = check_rep_delete(db, role, c, err, errlen);
  if (rc || c->op == FS_OP_DELETE)
    goto out;
  /* L1: lost only with the lost-sale record awaiting review. */
  if (text_is(grade, "lost")) {
    const char *before = found ? after(NULL, &row, "grade") : NULL;
    int has = found ? exists(db, LOST_PENDING_SQL, c->id) : 0;
    if (has < 0) {
      rc = has;
      goto out;
    }
    if (found && (before == NULL || strcmp(before, "lost") != 0) && !has) {
      snprintf(err, errlen, "%s", LOST_NO_RECORD);
      rc = FS_EVALIDATE;
      goto out;
    }
  }
  /* C4: delivered needs its delivery date. */
  g_after = after(c, found ? &row : NULL, "grade");
  deliv = after(c, found ? &row : NULL, "delivery_date");
  if ((grade || fs__change_written(c, "delivery_date")) && g_after &&
      strcmp(g_after, "delivered") == 0 && deliv == NULL) {
    snprintf(
        err, errlen,
        "delivery_date: required when grade is delivered (give the date the customer "
        "took delivery)");
    rc = FS_EVALIDATE;
    goto out;
  }
  /* C2: a re-rating of an existing card. */
  if (found && is_set(gdate) && gdate->type == FS_V_TEXT)
    rc = check_rerating(db, &row, "grade_date", gdate->s, made, m, err, errlen);
out:
  fs__row_release(&row);
  return rc;
}

static int check_grade_change(sqlite3 *db, const fs_change *c, const char *made,
                              const fs_cadence_methods *m, char *err, size_t errlen) {
  const fs_value *cust = fs__change_written(c, "customer_id"),
                 *date = fs__change_written(c, "date");
  fs_row row, card;
  int found, rc;

  memset(&row, 0, sizeof(row));
  memset(&card, 0, sizeof(card));
  if (c->op == FS_OP_DELETE || !is_set(cust) || !is_set(date) || date->type != FS_V_TEXT)
    return 0;
  rc = load(db, FS_KIND_GRADE_CHANGE, c->id, 0, &row, &found);
  if (rc || found)
    goto out; /* append-only: the merge decides a re-send */
  rc = load(db, FS_KIND_CUSTOMER, cust->s, 1, &card, &found);
  if (rc || !found)
    goto out; /* the write path says the customer does not exist */
  /* L1 for the history too: a loss is logged only with its record. */
  if (text_is(fs__change_written(c, "grade"), "lost") &&
      is_set(fs__change_written(c, "prev_grade")) &&
      !text_is(fs__change_written(c, "prev_grade"), "lost")) {
    rc = exists(db, LOST_PENDING_SQL, cust->s);
    if (rc < 0)
      goto out;
    if (rc == 0) {
      snprintf(err, errlen, "%s", LOST_NO_RECORD);
      rc = FS_EVALIDATE;
      goto out;
    }
    rc = 0;
  }
  /* The card's opening entry (no previous grade, no history yet) is dated
   * when the card was opened, which may be earlier: not a re-rating. */
  if (!is_set(fs__change_written(c, "prev_grade"))) {
    rc = exists(
        db, "SELECT 1 FROM grade_changes WHERE customer_id = ?1 AND deleted = 0 LIMIT 1",
        cust->s);
    if (rc <= 0)
      goto out;
  }
  rc = check_rerating(db, &card, "date", date->s, made, m, err, errlen);
out:
  fs__row_release(&row);
  fs__row_release(&card);
  return rc;
}

/* 1 if `boss` is the manager of `code`, or above it in the staff table's
 * chain of managers; 0 if not; -1 if the table does not know `code` (a
 * replica: it holds no staff rows, the daemon judges); <0 error. */
static int manages(sqlite3 *db, const char *boss, const char *code) {
  static const char sql[] =
      "WITH RECURSIVE up(c, n) AS (SELECT manager, 0 FROM staff WHERE code = ?1"
      " UNION SELECT s.manager, up.n + 1 FROM staff s JOIN up ON s.code = up.c"
      " WHERE up.n < 64)"
      " SELECT (SELECT count(*) FROM staff WHERE code = ?1),"
      " EXISTS (SELECT 1 FROM up WHERE c = ?2)";
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);

  if (rc != SQLITE_OK)
    return fs__db_err(db, rc);
  sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, boss, -1, SQLITE_STATIC);
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW)
    rc = sqlite3_column_int(st, 0) == 0 ? -1 : sqlite3_column_int(st, 1);
  else
    rc = fs__db_err(db, rc);
  sqlite3_finalize(st);
  return rc;
}

/* V4: who may correct the visit o: its author, its owner, or a manager of
 * either.  A replica without staff rows lets a manager or admin through
 * (the daemon decides from its staff table). */
static int correction_writer_ok(sqlite3 *db, fs_role role, const char *staff,
                                const fs_row *o) {
  int rc, unknown = 0;

  if (strcmp(staff, o->author) == 0 || strcmp(staff, o->owner) == 0)
    return 1;
  if (role == FS_ROLE_REP)
    return 0;
  for (int i = 0; i < 2; i++) {
    rc = manages(db, staff, i ? o->owner : o->author);
    if (rc == 1 || (rc < 0 && rc != -1))
      return rc;
    unknown |= rc == -1;
  }
  return unknown ? 1 : 0;
}

/* The live visit correcting `id` other than `self` into by (""), 1 if
 * there is one, 0 if not, <0 error. */
static int corrected_by(sqlite3 *db, const char *id, const char *self, char by[33]) {
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(
      db, "SELECT id FROM visits WHERE corrects = ?1 AND deleted = 0 AND id <> ?2 LIMIT 1",
      -1, &st, NULL);

  by[0] = '\0';
  if (rc != SQLITE_OK)
    return fs__db_err(db, rc);
  sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, self, -1, SQLITE_STATIC);
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW)
    snprintf(by, 33, "%s", (const char *)sqlite3_column_text(st, 0));
  rc = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : fs__db_err(db, rc);
  sqlite3_finalize(st);
  return rc;
}

/* V2-V5: a new visit that corrects another (cadence.h, "visit
 * corrections"). */
static int check_correction(sqlite3 *db, fs_role role, const char *staff,
                            const fs_change *c, const char *made, char *err,
                            size_t errlen) {
  const fs_value *corr = fs__change_written(c, "corrects"),
                 *on = fs__change_written(c, "counts_on");
  const char *o_at, *at = after(c, NULL, "at"), *cust = after(c, NULL, "customer_id");
  char by[33], day[11];
  fs_row o;
  int found = 0, rc;

  if (!is_set(corr)) {
    if (!is_set(on))
      return 0;
    snprintf(err, errlen,
             "counts_on: only a correction (corrects set) has a contact day of its own");
    return FS_EVALIDATE;
  }
  if (corr->type != FS_V_TEXT)
    return 0; /* validation names it */
  memset(&o, 0, sizeof(o));
  rc = load(db, FS_KIND_VISIT, corr->s, 1, &o, &found);
  if (rc)
    goto out;
  if (!found) {
    snprintf(err, errlen,
             "corrects: no visit %.32s here to correct; sync, then correct a visit of the "
             "list",
             corr->s);
    rc = FS_EVALIDATE;
    goto out;
  }
  o_at = after(NULL, &o, "at");
  if (cust == NULL || after(NULL, &o, "customer_id") == NULL ||
      strcmp(cust, after(NULL, &o, "customer_id")) != 0) {
    snprintf(err, errlen,
             "customer_id: a correction stays on the card of the visit it corrects; log a "
             "visit on the other card instead");
    rc = FS_EVALIDATE;
    goto out;
  }
  rc = correction_writer_ok(db, role, staff, &o);
  if (rc == 0) {
    snprintf(err, errlen,
             "corrects: only the visit's author (%s), its owner (%s) or their manager "
             "corrects it; %s is neither",
             o.author, o.owner, staff);
    rc = FS_EFORBIDDEN;
    goto out;
  }
  if (rc < 0)
    goto out;
  rc = corrected_by(db, o.id, c->id, by);
  if (rc == 1) {
    snprintf(err, errlen,
             "corrects: visit %.16s is already corrected by %.16s; a visit is corrected "
             "once: correct %.16s instead",
             o.id, by, by);
    rc = FS_EVALIDATE;
    goto out;
  }
  if (rc < 0)
    goto out;
  rc = fs__cadence_correction_day(o_at, after(NULL, &o, "method"),
                                  after(NULL, &o, "counts_on"), at ? at : "",
                                  after(c, NULL, "method"), made, day);
  if (rc == 0 && (!is_set(on) || on->type != FS_V_TEXT || strcmp(on->s, day) != 0)) {
    snprintf(err, errlen,
             "counts_on: this correction, made on %s, counts as a contact on %s (a "
             "correction that changes the date or method counts no earlier than the day "
             "it is made), not %s",
             made, day, is_set(on) && on->type == FS_V_TEXT ? on->s : "unset");
    rc = FS_EVALIDATE;
  } else if (rc) {
    rc = 0; /* a bad date: validation names it */
  }
out:
  fs__row_release(&o);
  return rc;
}

static int check_visit(sqlite3 *db, fs_role role, const char *staff, const fs_change *c,
                       const char *made, char *err, size_t errlen) {
  const fs_value *at = fs__change_written(c, "at");
  fs_row row;
  int found, rc;

  if (c->op == FS_OP_DELETE)
    return 0;
  memset(&row, 0, sizeof(row));
  rc = load(db, FS_KIND_VISIT, c->id, 0, &row, &found);
  fs__row_release(&row);
  if (rc || found)
    return rc; /* append-only: the merge decides a re-send */
  if (!is_set(at) || at->type != FS_V_TEXT || at->len < 10 || strncmp(at->s, made, 10) <= 0)
    return check_correction(db, role, staff, c, made, err, errlen);
  snprintf(
      err, errlen,
      "at: the visit is dated %.10s, after the day it was recorded (%s); log a visit "
      "once it has happened",
      at->s, made);
  return FS_EVALIDATE;
}

static int check_lost_review(sqlite3 *db, fs_role role, const char *staff,
                             const fs_change *c, char *err, size_t errlen) {
  static const char *const review[] = {"confirmed", "reviewed_by", "reviewed_on",
                                       "review_note"};
  const fs_value *conf = fs__change_written(c, "confirmed"),
                 *by = fs__change_written(c, "reviewed_by");
  fs_row row;
  int found = 0, rc;

  if (c->op == FS_OP_DELETE)
    return 0;
  if (role == FS_ROLE_REP) {
    memset(&row, 0, sizeof(row));
    rc = load(db, FS_KIND_LOST_REVIEW, c->id, 0, &row, &found);
    fs__row_release(&row);
    if (rc)
      return rc;
    for (size_t i = 0; i < sizeof(review) / sizeof(review[0]); i++) {
      const fs_value *v = fs__change_written(c, review[i]);
      if (!is_set(v))
        continue;
      if (!found && v == conf && v->type == FS_V_INT && v->i == 0)
        continue; /* "not confirmed" on create says nothing */
      snprintf(
          err, errlen,
          "%s: only a manager or the central office confirms or rejects a lost sale; "
          "%s is a rep (the manager reviews it with `fieldsync lost review`)",
          review[i], staff);
      return FS_EFORBIDDEN;
    }
    return 0;
  }
  if (is_set(by) && (by->type != FS_V_TEXT || strcmp(by->s, staff) != 0)) {
    snprintf(err, errlen, "reviewed_by: a review is signed by who makes it (%s), not %s",
             staff, by->type == FS_V_TEXT ? by->s : "?");
    return FS_EFORBIDDEN;
  }
  if (is_set(conf) && !is_set(by)) {
    snprintf(
        err, errlen,
        "reviewed_by: a confirmation or rejection names its reviewer; set reviewed_by "
        "to %s",
        staff);
    return FS_EFORBIDDEN;
  }
  return 0;
}

/* W1: a showroom entry is linked (customer_id) to a live card; a rep links
 * it only to a card of the entry's own owner.  An unchanged link passes. */
static int check_showroom(sqlite3 *db, fs_role role, const fs_change *c, char *err,
                          size_t errlen) {
  const fs_value *cid = fs__change_written(c, "customer_id");
  const char *had;
  fs_row row, card;
  int found = 0, cfound = 0, rc;

  if (c->op == FS_OP_DELETE || !is_set(cid) || cid->type != FS_V_TEXT)
    return 0;
  memset(&row, 0, sizeof(row));
  memset(&card, 0, sizeof(card));
  rc = load(db, FS_KIND_SHOWROOM, c->id, 1, &row, &found);
  had = found ? after(NULL, &row, "customer_id") : NULL;
  if (rc || (had && strcmp(had, cid->s) == 0))
    goto out;
  rc = load(db, FS_KIND_CUSTOMER, cid->s, 1, &card, &cfound);
  if (rc)
    goto out;
  if (!cfound) {
    snprintf(err, errlen,
             "customer_id: no customer card %s here (it must exist and not be deleted); "
             "link the entry to the card the visitor became",
             cid->s);
    rc = FS_EVALIDATE;
  } else if (role == FS_ROLE_REP &&
             strcmp(card.owner, found ? row.owner : c->owner) != 0) {
    snprintf(err, errlen,
             "customer_id: a rep links a showroom entry only to a card of its own owner "
             "(%s); card %s is %s's: ask the manager to link it (the link decides whose "
             "conversion the order counts in)",
             found ? row.owner : c->owner, cid->s, card.owner);
    rc = FS_EFORBIDDEN;
  }
out:
  fs__row_release(&row);
  fs__row_release(&card);
  return rc;
}

/* M1-M3: the sales history (sales_period, issue 14): a month on its first
 * day, one record per customer and month, written by the card's owner,
 * their manager or the central office. */
#define SALES_DUP_SQL                                                                    \
  "SELECT id FROM sales_periods WHERE customer_id = ?1 AND period = ?2 AND id <> ?3"     \
  " AND deleted = 0 LIMIT 1"

/* The staff table's manager of `code` into mgr ("" if none); 1 if the
 * table has a row for code, 0 if not (a replica has no staff rows), or a
 * database error. */
static int manager_of(sqlite3 *db, const char *code, char *mgr, size_t len) {
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(
      db, "SELECT coalesce(manager, '') FROM staff WHERE code = ?1", -1, &st, NULL);
  if (rc != SQLITE_OK)
    return fs__db_err(db, rc);
  sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW)
    snprintf(mgr, len, "%s", (const char *)sqlite3_column_text(st, 0));
  rc = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : fs__db_err(db, rc);
  sqlite3_finalize(st);
  return rc;
}

static int check_sales_period(sqlite3 *db, fs_role role, const char *staff,
                              const fs_change *c, char *err, size_t errlen) {
  const fs_value *period = fs__change_written(c, "period"),
                 *cust = fs__change_written(c, "customer_id");
  const char *cid = NULL, *per = NULL;
  char mgr[FS_STAFF_MAX + 1] = "";
  fs_row row, card;
  int found = 0, cfound = 0, rc;

  memset(&row, 0, sizeof(row));
  memset(&card, 0, sizeof(card));
  if (c->op == FS_OP_DELETE)
    return 0;
  rc = load(db, FS_KIND_SALES_PERIOD, c->id, 0, &row, &found);
  if (rc)
    goto out;
  cid = is_set(cust) && cust->type == FS_V_TEXT
            ? cust->s
            : after(NULL, found ? &row : NULL, "customer_id");
  per = is_set(period) && period->type == FS_V_TEXT
            ? period->s
            : after(NULL, found ? &row : NULL, "period");
  /* M1: the month's first day. */
  if (per && (strlen(per) != 10 || strcmp(per + 8, "01") != 0)) {
    snprintf(
        err, errlen,
        "period: a sales period is a month, written as its first day (%.8s01), not %s",
        per, per);
    rc = FS_EVALIDATE;
    goto out;
  }
  if (cid == NULL)
    goto out; /* the write path says what is missing */
  rc = load(db, FS_KIND_CUSTOMER, cid, 1, &card, &cfound);
  if (rc || !cfound)
    goto out;
  /* M3: the card's owner, their manager or the central office. */
  if (role == FS_ROLE_REP && strcmp(card.owner, staff) != 0) {
    snprintf(
        err, errlen,
        "customer_id: the sales history of a card is written by its owner (%s) or their "
        "manager; %s is neither",
        card.owner, staff);
    rc = FS_EFORBIDDEN;
    goto out;
  }
  if (role == FS_ROLE_MANAGER && strcmp(card.owner, staff) != 0) {
    rc = manager_of(db, card.owner, mgr, sizeof(mgr));
    if (rc < 0)
      goto out;
    if (rc == 1 && strcmp(mgr, staff) != 0) {
      snprintf(err, errlen,
               "customer_id: the sales history of a card is written by its owner (%s) or "
               "their manager (%s); %s is neither",
               card.owner, mgr[0] ? mgr : "none", staff);
      rc = FS_EFORBIDDEN;
      goto out;
    }
    rc = 0;
  }
  /* M2: one record per customer and month. */
  if (per && !found) {
    sqlite3_stmt *st = NULL;
    rc = sqlite3_prepare_v2(db, SALES_DUP_SQL, -1, &st, NULL);
    if (rc != SQLITE_OK) {
      rc = fs__db_err(db, rc);
      goto out;
    }
    sqlite3_bind_text(st, 1, cid, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, per, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, c->id, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
      snprintf(
          err, errlen,
          "period: customer %s already has its sales of %.7s (sales_period %s); change "
          "that record instead",
          cid, per, (const char *)sqlite3_column_text(st, 0));
      rc = FS_EVALIDATE;
    } else {
      rc = rc == SQLITE_DONE ? 0 : fs__db_err(db, rc);
    }
    sqlite3_finalize(st);
  }
out:
  fs__row_release(&row);
  fs__row_release(&card);
  return rc;
}

int fs__access_rules_check(sqlite3 *db, fs_role role, const char *staff,
                           const fs_change *c, const fs_cadence_methods *m, char *err,
                           size_t errlen) {
  char made[11];

  if (db == NULL || staff == NULL || c == NULL || err == NULL || errlen == 0)
    return FS_EINVAL;
  err[0] = '\0';
  fs__day_of_ms((int64_t)fs__hlc_ms(c->hlc), made);
  if (role == FS_ROLE_AFTER_SALES)
    return fs__access_service_check(db, staff, c, err, errlen);
  switch (c->kind) {
  case FS_KIND_CUSTOMER:
    return check_customer(db, role, staff, c, made, m, err, errlen);
  case FS_KIND_GRADE_CHANGE:
    return check_grade_change(db, c, made, m, err, errlen);
  case FS_KIND_VISIT:
    return check_visit(db, role, staff, c, made, err, errlen);
  case FS_KIND_LOST_REVIEW:
    return check_lost_review(db, role, staff, c, err, errlen);
  case FS_KIND_SHOWROOM:
    return check_showroom(db, role, c, err, errlen);
  case FS_KIND_DAY_SIGNOFF:
    return fs__access_rules_signoff(db, role, staff, c, made, err, errlen);
  case FS_KIND_ACTIVITY_PLAN:
    return fs__access_rules_plan(db, role, staff, c, err, errlen);
  case FS_KIND_SALES_PERIOD:
    return check_sales_period(db, role, staff, c, err, errlen);
  default:
    return 0;
  }
}
