/* access_rules_day.c - the manager's sign-off of a rep's day and the rep's
 * monthly activity plan (issue 14; rules S and P of access_rules.h). */
#include "access_rules.h"

#include <stdio.h>
#include <string.h>

#include "dbutil.h"
#include "fs_errno.h"
#include "store.h"

static int is_set(const fs_value *v) {
  return v && v->type != FS_V_NULL;
}

/* A row's text field by name, NULL if unset or not text. */
static const char *row_text(const fs_row *row, const char *name) {
  int f = fs__field_index(fs__kind_def(row->kind), name);
  return f >= 0 && row->values[f].type == FS_V_TEXT ? row->values[f].s : NULL;
}

/* The text c writes to name, else the stored row's (found), else NULL. */
static const char *text_after(const fs_change *c, const fs_row *row, int found,
                              const char *name) {
  const fs_value *v = fs__change_written(c, name);
  if (v)
    return v->type == FS_V_TEXT ? v->s : NULL;
  return found ? row_text(row, name) : NULL;
}

/* The stored record c changes into row (*found 0 if new), and the rep
 * and the date field `date` after the change.  0 or a store error. */
static int load_about(sqlite3 *db, const fs_change *c, const char *date, fs_row *row,
                      int *found, const char **rep, const char **day) {
  int rc = fs__store_get(db, c->kind, c->id, row);
  *found = rc == 0;
  if (rc && rc != FS_ENOTFOUND)
    return rc;
  *rep = text_after(c, row, *found, "rep");
  *day = text_after(c, row, *found, date);
  return 0;
}

/* The id and `signed_by` of another live record of table with rep and the
 * date column col = day; 1 found (*other_by may be ""), 0 none, or a
 * translated SQLite error. */
static int other_for(sqlite3 *db, const char *table, const char *col, const char *rep,
                     const char *day, const char *id, char *other_by, size_t len) {
  char sql[256];
  sqlite3_stmt *st = NULL;
  int rc;

  snprintf(sql, sizeof(sql),
           "SELECT %s FROM %s WHERE rep = ?1 AND %s = ?2 AND id <> ?3 AND deleted = 0 "
           "LIMIT 1",
           strcmp(table, "day_signoffs") == 0 ? "coalesce(signed_by, '')" : "''", table,
           col);
  rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
  if (rc != SQLITE_OK)
    return fs__db_err(db, rc);
  sqlite3_bind_text(st, 1, rep, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, day, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, id, -1, SQLITE_STATIC);
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW)
    snprintf(other_by, len, "%s", (const char *)sqlite3_column_text(st, 0));
  rc = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : fs__db_err(db, rc);
  sqlite3_finalize(st);
  return rc;
}

/* The checks S and P share: rep is the record's owner (a plan and a
 * sign-off belong to the rep they are about).  row/found: the stored
 * record. */
static int check_rep_owner(const fs_change *c, const fs_row *row, int found,
                           const char *rep, char *err, size_t errlen) {
  const char *owner = found ? row->owner : c->owner;
  if (rep == NULL || strcmp(rep, owner) == 0)
    return 0;
  snprintf(err, errlen,
           "rep: a %s belongs to the rep it is about: rep %s, but owner %s; create it "
           "for (owned by) %s",
           fs__kind_def(c->kind)->name, rep, owner, rep);
  return FS_EVALIDATE;
}

int fs__access_rules_signoff(sqlite3 *db, fs_role role, const char *staff,
                             const fs_change *c, const char *made, char *err,
                             size_t errlen) {
  const fs_value *by = fs__change_written(c, "signed_by");
  const char *rep, *day;
  char other[FS_STAFF_MAX + 1] = "";
  fs_row row;
  int found, rc;

  memset(&row, 0, sizeof(row));
  /* S1: a rep signs off no day, theirs or anyone's (deleting one neither). */
  if (role == FS_ROLE_REP) {
    snprintf(
        err, errlen,
        "day_signoff: only the rep's manager or the central office signs off a rep's "
        "day; %s is a rep",
        staff);
    return FS_EFORBIDDEN;
  }
  if (c->op == FS_OP_DELETE)
    return 0;
  rc = load_about(db, c, "day", &row, &found, &rep, &day);
  if (rc)
    goto out;
  /* S2: nobody signs off their own day. */
  if (rep && strcmp(rep, staff) == 0) {
    snprintf(
        err, errlen,
        "day_signoff: nobody signs off their own day; %s's day is signed off by their "
        "manager or the central office",
        rep);
    rc = FS_EFORBIDDEN;
    goto out;
  }
  rc = check_rep_owner(c, &row, found, rep, err, errlen);
  if (rc)
    goto out;
  /* S3: signed by who makes it, named on create. */
  if ((is_set(by) && (by->type != FS_V_TEXT || strcmp(by->s, staff) != 0)) ||
      (!found && !is_set(by))) {
    snprintf(err, errlen,
             "signed_by: a sign-off is signed by who makes it: set it to %s%s%s", staff,
             is_set(by) && by->type == FS_V_TEXT ? ", not " : "",
             is_set(by) && by->type == FS_V_TEXT ? by->s : "");
    rc = FS_EFORBIDDEN;
    goto out;
  }
  /* S4: a day is signed off once it has happened. */
  if (day && strcmp(day, made) > 0) {
    snprintf(
        err, errlen,
        "day: %s lies after the day of the sign-off (%s); sign off a day once it has "
        "happened",
        day, made);
    rc = FS_EVALIDATE;
    goto out;
  }
  /* S5: one sign-off per rep and day. */
  if (!found && rep && day) {
    rc = other_for(db, "day_signoffs", "day", rep, day, c->id, other, sizeof(other));
    if (rc == 1) {
      snprintf(err, errlen,
               "day_signoff: %s's day %s is already signed off%s%s; change that sign-off "
               "instead of signing it twice",
               rep, day, other[0] ? " by " : "", other);
      rc = FS_EEXIST;
    }
  }
out:
  fs__row_release(&row);
  return rc;
}

int fs__access_rules_plan(sqlite3 *db, fs_role role, const char *staff,
                          const fs_change *c, char *err, size_t errlen) {
  const char *rep, *month;
  char other[FS_STAFF_MAX + 1];
  fs_row row;
  int found, rc;

  memset(&row, 0, sizeof(row));
  rc = load_about(db, c, "month", &row, &found, &rep, &month);
  if (rc)
    goto out;
  /* P1: a rep enters their own plan only (the manager or the central
   * office any of the team's: the ownership rule, access.h). */
  if (role == FS_ROLE_REP && rep && strcmp(rep, staff) != 0) {
    snprintf(
        err, errlen,
        "activity_plan: a rep enters only their own plan; %s's plan is entered by %s "
        "or their manager",
        rep, rep);
    rc = FS_EFORBIDDEN;
    goto out;
  }
  if (c->op == FS_OP_DELETE)
    goto out;
  rc = check_rep_owner(c, &row, found, rep, err, errlen);
  if (rc)
    goto out;
  /* P2: a month is named by its first day. */
  if (month && (strlen(month) != 10 || strcmp(month + 8, "01") != 0)) {
    snprintf(err, errlen,
             "month: a plan is for a month: give its first day (%.8s01), not %s", month,
             month);
    rc = FS_EVALIDATE;
    goto out;
  }
  /* P3: one plan per rep and month. */
  if (!found && rep && month) {
    rc =
        other_for(db, "activity_plans", "month", rep, month, c->id, other, sizeof(other));
    if (rc == 1) {
      snprintf(
          err, errlen,
          "activity_plan: %s already has a plan for %.7s; change that plan (`fieldsync "
          "plan set` does)",
          rep, month);
      rc = FS_EEXIST;
    }
  }
out:
  fs__row_release(&row);
  return rc;
}
