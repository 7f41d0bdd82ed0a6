/* cadence.c - visit cadence rules (see cadence.h). */
#include "cadence.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "dbutil.h"
#include "fs_errno.h"
#include "model.h"

/* Fixed cadences; "delivered" is handled apart, "lost" has none. */
static const struct {
  const char *grade;
  int days;
} fixed[] = {{"O", 7}, {"A", 2}, {"B", 7}, {"C", 14}};

#define DELIVERED_NEAR 14 /* days, inside the after-sale window */
#define DELIVERED_FAR 90  /* days, after it */

/* Last day of the after-sale window, or 0 in *known if no delivery date. */
static int window_end(const char *delivery_date, int64_t *end, int *known) {
  int64_t d;

  *known = 0;
  if (delivery_date == NULL || delivery_date[0] == '\0')
    return 0;
  if (fs__date_parse(delivery_date, &d) != 0)
    return FS_EINVAL;
  *end = fs__date_add_months(d, FS_CADENCE_DELIVERED_MONTHS);
  *known = 1;
  return 0;
}

/* Fixed cadence for grade; 0 for delivered/lost handled by callers; -1 if
 * the grade is unknown. */
static int fixed_days(const char *grade) {
  for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
    if (strcmp(grade, fixed[i].grade) == 0)
      return fixed[i].days;
  return -1;
}

int fs__cadence_days(const char *grade, const char *delivery_date, const char *on_date) {
  int64_t end = 0, on;
  int known, rc, days;

  if (grade == NULL)
    return FS_EINVAL;
  days = fixed_days(grade);
  if (days > 0)
    return days;
  if (strcmp(grade, "lost") == 0)
    return FS_CADENCE_NONE;
  if (strcmp(grade, "delivered") != 0)
    return FS_EINVAL;
  rc = window_end(delivery_date, &end, &known);
  if (rc)
    return rc;
  if (!known)
    return DELIVERED_FAR;
  if (fs__date_parse(on_date, &on) != 0)
    return FS_EINVAL;
  return on <= end ? DELIVERED_NEAR : DELIVERED_FAR;
}

/* on - due in days if positive, else 0. */
static int overdue(const char *on_date, int64_t due, int *out) {
  int64_t on;

  if (out == NULL)
    return 0;
  if (fs__date_parse(on_date, &on) != 0)
    return FS_EINVAL;
  *out = on > due ? (int)(on - due) : 0;
  return 0;
}

const char *fs__cadence_clock(const char *last_contact, const char *graded) {
  if (last_contact == NULL || last_contact[0] == '\0')
    return graded && graded[0] ? graded : NULL;
  if (graded == NULL || graded[0] == '\0')
    return last_contact;
  return strncmp(graded, last_contact, 10) > 0 ? graded : last_contact;
}

int fs__cadence_due(const char *grade, const char *delivery_date,
                    const char *last_contact, const char *on_date, char due_date[11],
                    int *overdue_days) {
  int64_t last, end = 0, due;
  int known = 0, days, rc;

  if (due_date == NULL || grade == NULL)
    return FS_EINVAL;
  due_date[0] = '\0';
  if (overdue_days)
    *overdue_days = 0;
  days = fixed_days(grade);
  if (days < 0) {
    if (strcmp(grade, "lost") == 0)
      return 0; /* no cadence: nothing is ever due */
    if (strcmp(grade, "delivered") != 0)
      return FS_EINVAL;
    rc = window_end(delivery_date, &end, &known);
    if (rc)
      return rc;
    days = DELIVERED_FAR;
  }
  if (fs__date_parse(last_contact, &last) != 0)
    return FS_EINVAL;
  due = last + days;
  /* delivered: the near cadence applies if its due day is still inside the
   * window; otherwise the day after last + 14 is judged by the far rule,
   * which is only broken after last + 90. */
  if (days == DELIVERED_FAR && known && last + DELIVERED_NEAR < end)
    due = last + DELIVERED_NEAR;
  rc = overdue(on_date, due, overdue_days);
  if (rc)
    return rc;
  return fs__date_format(due, due_date) == 0 ? 0 : FS_EINVAL;
}

int fs__cadence_callback_due(const char *arrived, const char *at, char due[20],
                             int64_t *late_minutes) {
  int64_t t0, t1, due_s;

  if (due == NULL)
    return FS_EINVAL;
  due[0] = '\0';
  if (late_minutes)
    *late_minutes = 0;
  if (fs__datetime_parse(arrived, &t0) != 0)
    return FS_EINVAL;
  due_s = t0 + FS_CADENCE_CALLBACK_HOURS * 3600;
  if (late_minutes) {
    if (fs__datetime_parse(at, &t1) != 0)
      return FS_EINVAL;
    *late_minutes = t1 > due_s ? (t1 - due_s) / 60 : 0;
  }
  return fs__datetime_format(due_s, due) == 0 ? 0 : FS_EINVAL;
}

int fs__cadence_followup_due(const char *visit_at, const char *on_date, char due[11],
                             int *overdue_days) {
  int64_t day, d;
  int rc;

  if (due == NULL)
    return FS_EINVAL;
  due[0] = '\0';
  if (overdue_days)
    *overdue_days = 0;
  if (fs__date_parse(visit_at, &day) != 0)
    return FS_EINVAL;
  d = day + FS_CADENCE_KEY_FOLLOWUP_DAYS;
  rc = overdue(on_date, d, overdue_days);
  if (rc)
    return rc;
  return fs__date_format(d, due) == 0 ? 0 : FS_EINVAL;
}

/* ---- contact methods ------------------------------------------------------ */

#define NMETHODS 6 /* entries of fs__visit_methods */

void fs__cadence_methods_default(fs_cadence_methods *m) {
  unsigned all = (1u << NMETHODS) - 1;
  int a = fs__enum_index(fs__grades, "A");

  for (int g = 0; g < FS_CADENCE_NGRADES; g++)
    m->mask[g] = all;
  /* A: a visit or a call; a letter or an e-mail does not satisfy it. */
  m->mask[a] = all & ~(1u << fs__enum_index(fs__visit_methods, "letter")) &
               ~(1u << fs__enum_index(fs__visit_methods, "email"));
}

int fs__cadence_methods_parse(const char *spec, fs_cadence_methods *m, char *err,
                              size_t errlen) {
  char buf[512], *save = NULL;

  fs__cadence_methods_default(m);
  if (spec == NULL || spec[0] == '\0')
    return 0;
  if (strlen(spec) >= sizeof(buf)) {
    snprintf(err, errlen, "contact methods: setting longer than %zu bytes", sizeof(buf) - 1);
    return FS_EINVAL;
  }
  snprintf(buf, sizeof(buf), "%s", spec);
  for (char *part = strtok_r(buf, ";", &save); part; part = strtok_r(NULL, ";", &save)) {
    char *eq = strchr(part, '='), *s2 = NULL;
    unsigned mask = 0;
    int g;
    if (eq == NULL) {
      snprintf(err, errlen, "contact methods: \"%.40s\" is not GRADE=method,method", part);
      goto bad;
    }
    *eq = '\0';
    g = fs__enum_index(fs__grades, part);
    if (g < 0 || g >= FS_CADENCE_NGRADES) {
      snprintf(err, errlen,
               "contact methods: \"%.20s\" is not one of O, A, B, C, delivered, lost", part);
      goto bad;
    }
    for (char *t = strtok_r(eq + 1, ",", &s2); t; t = strtok_r(NULL, ",", &s2)) {
      int k = fs__enum_index(fs__visit_methods, t);
      if (k < 0) {
        snprintf(err, errlen,
                 "contact methods: \"%.20s\" is not one of in_person, phone, letter, email, "
                 "showroom, event",
                 t);
        goto bad;
      }
      mask |= 1u << k;
    }
    m->mask[g] = mask;
  }
  return 0;
bad:
  fs__cadence_methods_default(m);
  return FS_EINVAL;
}

int fs__cadence_method_counts(const fs_cadence_methods *m, const char *grade,
                              const char *method) {
  fs_cadence_methods def;
  int g = fs__enum_index(fs__grades, grade), k = fs__enum_index(fs__visit_methods, method);

  if (g < 0 || g >= FS_CADENCE_NGRADES || k < 0)
    return 0;
  if (m == NULL) {
    fs__cadence_methods_default(&def);
    m = &def;
  }
  return (m->mask[g] >> k) & 1u;
}

/* ---- a card's next due date ---------------------------------------------- */

#define CARD_CHANGES_MAX 256 /* grade changes of one card read (the latest) */

typedef struct rerate {
  char date[11];
  char grade[16];
  char prev[16];
} rerate;

/* The grade as day `day` began: that of the last change dated before it;
 * before the first, that change's previous grade (else its own); none at
 * all: the card's grade. */
static const char *grade_before(const rerate *ch, int n, const char *day, const char *card) {
  int i = 0;
  while (i < n && strcmp(ch[i].date, day) < 0)
    i++;
  if (n == 0)
    return card;
  if (i == 0)
    return ch[0].prev[0] ? ch[0].prev : ch[0].grade;
  return ch[i - 1].grade;
}

/* Prepares sql with ?1 = the card's id and ?2 = the day. */
static int card_query(sqlite3 *db, const char *sql, const char *customer_id, const char *day,
                      sqlite3_stmt **st) {
  int rc = sqlite3_prepare_v2(db, sql, -1, st, NULL);
  if (rc != SQLITE_OK)
    return fs__db_err(db, rc);
  sqlite3_bind_text(*st, 1, customer_id, -1, SQLITE_STATIC);
  sqlite3_bind_text(*st, 2, day, -1, SQLITE_STATIC);
  return 0;
}

int fs__cadence_card_due(sqlite3 *db, const char *customer_id, const char *grade,
                         const char *delivery_date, const char *opened, const char *day,
                         const fs_cadence_methods *m, char due[11], int *missed) {
  static const char q_changes[] =
      "SELECT date, grade, COALESCE(prev_grade, '') FROM grade_changes"
      " WHERE customer_id = ?1 AND deleted = 0 AND date IS NOT NULL AND date <= ?2"
      " ORDER BY date DESC, hlc DESC, id DESC LIMIT 256"; /* CARD_CHANGES_MAX */
  static const char q_visits[] =
      "SELECT " FS_SQL_VISIT_DAY("v") " AS d, v.method FROM visits v"
      " WHERE v.customer_id = ?1 AND v.deleted = 0 AND " FS_SQL_VISIT_CURRENT("v")
      " AND d <= ?2 ORDER BY d DESC, v.at DESC, v.id DESC";
  sqlite3_stmt *st = NULL;
  rerate *ch = NULL;
  char last[11] = "", g[16];
  int n = 0, rc, src;

  if (due == NULL || day == NULL)
    return FS_EINVAL;
  due[0] = '\0';
  if (missed)
    *missed = 0;
  if (grade && strcmp(grade, "lost") == 0)
    return 0;
  ch = malloc(CARD_CHANGES_MAX * sizeof(*ch));
  if (ch == NULL)
    return FS_ENOMEM;
  /* The re-ratings, oldest first (read newest first, bounded). */
  rc = card_query(db, q_changes, customer_id, day, &st);
  if (rc)
    goto out;
  while ((src = sqlite3_step(st)) == SQLITE_ROW) {
    rerate *x = &ch[n++];
    snprintf(x->date, sizeof(x->date), "%.10s", (const char *)sqlite3_column_text(st, 0));
    snprintf(x->grade, sizeof(x->grade), "%s", (const char *)sqlite3_column_text(st, 1));
    snprintf(x->prev, sizeof(x->prev), "%s", (const char *)sqlite3_column_text(st, 2));
  }
  rc = src == SQLITE_DONE ? 0 : fs__db_err(db, src);
  sqlite3_finalize(st);
  st = NULL;
  if (rc)
    goto out;
  for (int i = 0; i < n / 2; i++) {
    rerate t = ch[i];
    ch[i] = ch[n - 1 - i];
    ch[n - 1 - i] = t;
  }
  /* The last contact: the newest visit whose method counts for the grade
   * the card had as that day began. */
  rc = card_query(db, q_visits, customer_id, day, &st);
  if (rc)
    goto out;
  while ((src = sqlite3_step(st)) == SQLITE_ROW) {
    const char *vd = (const char *)sqlite3_column_text(st, 0);
    const char *meth = (const char *)sqlite3_column_text(st, 1);
    const char *gv = vd ? grade_before(ch, n, vd, grade) : NULL;
    if (vd && meth && gv && fs__cadence_method_counts(m, gv, meth)) {
      snprintf(last, sizeof(last), "%s", vd);
      break;
    }
  }
  rc = src == SQLITE_ROW || src == SQLITE_DONE ? 0 : fs__db_err(db, src);
  sqlite3_finalize(st);
  st = NULL;
  if (rc)
    goto out;
  if (last[0] == '\0') {
    if (opened == NULL || opened[0] == '\0') {
      rc = n ? 0 : FS_ENOTFOUND;
      if (n)
        snprintf(last, sizeof(last), "%s", ch[0].date);
      if (rc)
        goto out;
    } else {
      snprintf(last, sizeof(last), "%.10s", opened);
    }
  }
  /* Walk the re-ratings from the last contact: one dated on or after it
   * restarts the clock unless the deadline had already passed. */
  snprintf(g, sizeof(g), "%s", grade_before(ch, n, last, grade ? grade : ""));
  for (int i = 0; i < n; i++) {
    if (strcmp(ch[i].date, last) < 0)
      continue;
    if (strcmp(g, "lost") != 0) {
      rc = fs__cadence_due(g, delivery_date, last, NULL, due, NULL);
      if (rc)
        goto out;
      if (strcmp(due, ch[i].date) < 0) {
        if (missed)
          *missed = 1;
        goto out; /* missed before this re-rating: it stays due */
      }
    }
    snprintf(last, sizeof(last), "%s", ch[i].date);
    snprintf(g, sizeof(g), "%s", ch[i].grade);
  }
  /* The grade on `day`: the caller's (the card's own, the truth for now),
   * else the history's. */
  if (grade == NULL && n == 0) {
    rc = FS_ENOTFOUND;
    goto out;
  }
  rc = fs__cadence_due(grade ? grade : g, delivery_date, last, NULL, due, NULL);
out:
  sqlite3_finalize(st);
  free(ch);
  return rc;
}

/* ---- visit corrections ----------------------------------------------------- */

int fs__cadence_correction_day(const char *orig_at, const char *orig_method,
                               const char *orig_counts_on, const char *at,
                               const char *method, const char *made, char day[11]) {
  int64_t d;

  if (day == NULL)
    return FS_EINVAL;
  day[0] = '\0';
  if (fs__date_parse(orig_at, &d) != 0 || fs__date_parse(at, &d) != 0 ||
      fs__date_parse(made, &d) != 0)
    return FS_EINVAL;
  if (strncmp(orig_at, at, 10) == 0 && orig_method && method &&
      strcmp(orig_method, method) == 0) {
    /* Nothing the cadence reads changes: it counts as the original did. */
    const char *src = orig_counts_on && orig_counts_on[0] ? orig_counts_on : orig_at;
    if (fs__date_parse(src, &d) != 0)
      return FS_EINVAL;
    snprintf(day, 11, "%.10s", src);
    return 0;
  }
  snprintf(day, 11, "%.10s", strncmp(at, made, 10) > 0 ? at : made);
  return 0;
}
