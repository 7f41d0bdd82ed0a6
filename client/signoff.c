/* signoff.c - the manager's sign-off of a rep's day and the rep's monthly
 * activity plan (fieldsync.h; issue 14).  Records owned by the rep they are
 * about, written by the manager (sign-off) or the rep or manager (plan);
 * the rules both sides apply are common/access_rules.h S and P. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "date.h"
#include "fs_errno.h"
#include "id.h"
#include "record.h"
#include "replica.h"
#include "report.h"

/* A new record of kd about rep, owned by rep (the record is the rep's)
 * and written by this staff member (*me), with rep and the date field
 * `date` = day, into *c (release with fs__change_release, also on
 * failure).  0, the identity's error, or FS_ENOMEM. */
static int rep_change(fs_replica *r, const fs_kind_def *kd, const char *rep,
                      const char *date, const char *day, fs_change *c, fs_identity *me) {
  char id[FS_ID_MAX + 1];
  int rc;

  fs__id_new(id);
  fs__change_setup(c, kd, id, FS_OP_UPSERT);
  rc = fs_replica_identity(r, me);
  if (rc)
    return rc;
  snprintf(c->owner, sizeof(c->owner), "%s", rep);
  snprintf(c->author, sizeof(c->author), "%s", me->staff);
  rc = fs__change_add_text(c, kd, "rep", rep);
  if (rc == 0)
    rc = fs__change_add_text(c, kd, date, day);
  return rc ? fs__replica_fail(r, FS_ENOMEM, "out of memory") : 0;
}

typedef struct signoff_ctx {
  fs_change *c;
  const char *rep, *day;
} signoff_ctx;

/* Inside the write transaction: what the sign-off covers, counted on the
 * records this replica holds now. */
static int signoff_pre(fs_replica *r, void *arg) {
  signoff_ctx *x = arg;
  const fs_kind_def *kd = fs__kind_def(FS_KIND_DAY_SIGNOFF);
  int64_t visits = 0, changes = 0;
  fs_value v = {FS_V_NULL, 0, NULL, 0};
  int rc = fs__report_day_counts(fs__replica_db(r), x->rep, x->day, &visits, &changes);

  if (rc)
    return fs__replica_fail(r, rc, "counting %s's work of %s failed: %s", x->rep, x->day,
                            fs_strerror(rc));
  fs__value_set_int(&v, visits);
  rc = fs__change_add(x->c, fs__field_index(kd, "visits"), &v);
  fs__value_set_int(&v, changes);
  if (rc == 0)
    rc = fs__change_add(x->c, fs__field_index(kd, "changes"), &v);
  return rc;
}

int fs_day_signoff(fs_replica *r, const char *rep, const char *day, const char *note,
                   char id_out[FS_ID_MAX + 1]) {
  const fs_kind_def *kd = fs__kind_def(FS_KIND_DAY_SIGNOFF);
  fs_identity me;
  fs_change c;
  signoff_ctx x;
  char at[32];
  time_t now = time(NULL);
  struct tm tm;
  int creates = 1, rc;

  if (r == NULL)
    return FS_EINVAL;
  if (rep == NULL || !fs__staff_code_valid(rep))
    return fs__replica_fail(r, FS_EINVAL, "rep: \"%s\" is not a staff code",
                            rep ? rep : "");
  if (day == NULL || fs__civil_parse(day, strlen(day), FS_DATE_ONLY, NULL) != FS_DATE_OK)
    return fs__replica_fail(r, FS_EVALIDATE, "day: \"%s\" is not a date; use YYYY-MM-DD",
                            day ? day : "");
  if (localtime_r(&now, &tm) == NULL ||
      strftime(at, sizeof(at), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
    return fs__replica_fail(r, FS_EINTERNAL, "the local time cannot be read");
  rc = rep_change(r, kd, rep, "day", day, &c, &me);
  if (rc)
    goto out;
  rc = fs__change_add_text(&c, kd, "signed_by", me.staff);
  if (rc == 0)
    rc = fs__change_add_text(&c, kd, "signed_at", at);
  if (rc == 0 && note && note[0])
    rc = fs__change_add_text(&c, kd, "note", note);
  if (rc) {
    rc = fs__replica_fail(r, rc, "out of memory");
    goto out;
  }
  x.c = &c;
  x.rep = rep;
  x.day = day;
  rc = fs__replica_write(r, &c, &creates, 1, signoff_pre, &x);
  if (rc == 0 && id_out)
    snprintf(id_out, FS_ID_MAX + 1, "%s", c.id);
out:
  fs__change_release(&c);
  return rc;
}

/* The id of the live plan of rep for month (first day) into id: 1, 0 if
 * none, or an error. */
static int plan_find(fs_replica *r, const char *rep, const char *month,
                     char id[FS_ID_MAX + 1]) {
  sqlite3 *db = fs__replica_db(r);
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(
      db, "SELECT id FROM activity_plans WHERE rep = ?1 AND month = ?2 AND deleted = 0",
      -1, &st, NULL);

  if (rc != SQLITE_OK)
    return fs__replica_fail(r, FS_EDB, "reading the plans failed: %s",
                            sqlite3_errmsg(db));
  sqlite3_bind_text(st, 1, rep, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, month, -1, SQLITE_STATIC);
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW)
    snprintf(id, FS_ID_MAX + 1, "%s", (const char *)sqlite3_column_text(st, 0));
  rc = rc == SQLITE_ROW    ? 1
       : rc == SQLITE_DONE ? 0
                           : fs__replica_fail(r, FS_EDB, "reading the plans failed: %s",
                                              sqlite3_errmsg(db));
  sqlite3_finalize(st);
  return rc;
}

int fs_plan_set(fs_replica *r, const char *rep, const char *month, fs_record *plan,
                char id_out[FS_ID_MAX + 1]) {
  const fs_kind_def *kd = fs__kind_def(FS_KIND_ACTIVITY_PLAN);
  char first[11], id[FS_ID_MAX + 1];
  fs_identity me;
  fs_change c;
  int creates = 1, rc;

  if (r == NULL || plan == NULL)
    return FS_EINVAL;
  if (plan->kd != kd)
    return fs__replica_fail(r, FS_EINVAL, "record is a %s, not an activity_plan",
                            plan->kd->name);
  if (rep == NULL || !fs__staff_code_valid(rep))
    return fs__replica_fail(r, FS_EINVAL, "rep: \"%s\" is not a staff code",
                            rep ? rep : "");
  /* "YYYY-MM" or the month's first day; the rules refuse another day. */
  snprintf(first, sizeof(first), "%s%s", month ? month : "",
           month && strlen(month) == 7 ? "-01" : "");
  if (fs__civil_parse(first, strlen(first), FS_DATE_ONLY, NULL) != FS_DATE_OK)
    return fs__replica_fail(r, FS_EVALIDATE, "month: \"%s\" is not a month; use YYYY-MM",
                            month ? month : "");
  rc = plan_find(r, rep, first, id);
  if (rc < 0)
    return rc;
  if (rc == 1) {
    rc = fs_update(r, "activity_plan", id, plan);
    if (rc == 0 && id_out)
      snprintf(id_out, FS_ID_MAX + 1, "%s", id);
    return rc;
  }
  rc = rep_change(r, kd, rep, "month", first, &c, &me);
  for (int i = 0; rc == 0 && i < kd->nfields; i++) {
    const char *name = kd->fields[i].name;
    if (!plan->isset[i] || plan->values[i].type == FS_V_NULL ||
        strcmp(name, "rep") == 0 || strcmp(name, "month") == 0)
      continue;
    rc = fs__change_add(&c, i, &plan->values[i]);
  }
  if (rc == 0)
    rc = fs__replica_write(r, &c, &creates, 1, NULL, NULL);
  if (rc == 0 && id_out)
    snprintf(id_out, FS_ID_MAX + 1, "%s", c.id);
  fs__change_release(&c);
  return rc;
}
