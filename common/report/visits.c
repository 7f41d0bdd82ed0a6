/* visits.c - the visits report: cadence compliance per rep, grade and team
 * (report.h "visits" says what is counted). */
#include "report_int.h"

#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "cadence.h"
#include "date.h"
#include "fs_errno.h"

/* Counter layout per grade g: base g*V_N + {customers, due, met, done,
 * overdue}; V_UNIQ (after the last grade's block) counts each customer of
 * the rep once, for the rep's "*" row. */
enum { V_CUST = 0, V_DUE, V_MET, V_DONE, V_OVER, V_N = 6 };
#define V_UNIQ (NGRADES * V_N)

/* The first change day in (after, upto], else NO_DAY. */
static int64_t gline_next(const gline *l, int64_t after, int64_t upto) {
  int64_t d = NO_DAY;
  for (int i = 0; i < l->n; i++)
    if (l->ch[i].day > after) {
      d = l->ch[i].day;
      break;
    }
  /* The delete is the last change of a deleted card. */
  if (l->gone > after && l->gone < d)
    d = l->gone;
  return d <= upto ? d : NO_DAY;
}

/* The first day after `after` on which the customer is open again (a
 * change to an open grade), else NO_DAY. */
static int64_t gline_reopen(const gline *l, int64_t after) {
  for (int64_t d = gline_next(l, after, NO_DAY - 1); d != NO_DAY;
       d = gline_next(l, d, NO_DAY - 1))
    if (fs__rpt_gline_at(l, d) < LOST_G)
      return d;
  return NO_DAY;
}

/* A day with visit records and the methods used on it (a bit per
 * fs__visit_methods index). */
typedef struct cday {
  int64_t day;
  unsigned mask;
} cday;

typedef struct vcust {
  gline gl;
  const int *cad; /* fixed cadence days per grade; 0: ask fs__cadence_due */
  const char *delivery;
  int64_t anchor;
  const cday *days; /* distinct visit days in the period, ascending */
  int ndays;
  const fs_cadence_methods *m; /* which methods are a contact, per grade */
} vcust;

/* The deadline of grade g counted from day s (fs__cadence_due on day
 * numbers); *overdue (may be NULL) is its lateness on --to. */
static int due_from(rpt *r, const vcust *c, int g, int64_t s, int64_t *due,
                    int *overdue) {
  char ls[11], ds[11];
  int rc;

  if (overdue == NULL && c->cad[g] > 0) {
    /* A fixed cadence needs no calendar: the walk's hot path. */
    *due = s + c->cad[g];
    return 0;
  }
  if (fs__date_format(s, ls) != 0)
    return fs__rpt_fail(r, FS_EINVAL, "date out of range");
  rc = fs__cadence_due(fs__grades[g], c->delivery, ls, overdue ? r->to : NULL, ds,
                       overdue);
  if (rc == 0)
    rc = fs__date_parse(ds, due);
  if (rc)
    return fs__rpt_fail(r, FS_EINVAL, "cadence: bad grade or delivery date (%s, %s)",
                        fs__grades[g], c->delivery ? c->delivery : "-");
  return 0;
}

/* Index of the first visit day > s, from k on. */
static int day_after(const vcust *c, int k, int64_t s) {
  while (k < c->ndays && c->days[k].day <= s)
    k++;
  return k;
}

/* Index of the first day from k on, up to lim, with a contact for grade g
 * (a method that counts for it); -1 if none. */
static int contact_from(const vcust *c, int k, int64_t lim, int g) {
  for (; k < c->ndays && c->days[k].day <= lim; k++)
    if (c->days[k].mask & c->m->mask[g])
      return k;
  return -1;
}

/* Walks the deadlines of one customer (report.h) into the rep's counters
 * n (grade blocks of V_N). */
static int visits_walk(rpt *r, const vcust *c, int64_t *n) {
  int64_t s = c->anchor, d, t, last, missed = NO_DAY;
  int k = 0, j, od = 0, g, rc;

  for (;;) {
    g = fs__rpt_gline_at(&c->gl, s);
    if (g >= LOST_G) {
      /* Lost: no cadence until the card is reopened, counting from then. */
      s = gline_reopen(&c->gl, s);
      if (s == NO_DAY || s > r->dto)
        break;
      missed = NO_DAY; /* a loss closes what was due */
      continue;
    }
    rc = due_from(r, c, g, s, &d, NULL);
    if (rc)
      return rc;
    if (d > r->dto)
      break;
    t = gline_next(&c->gl, s, d);
    k = day_after(c, k, s);
    j = contact_from(c, k, d, g);
    if (j >= 0 && (t == NO_DAY || c->days[j].day <= t)) {
      /* Met (a contact on the day of a re-rating comes first); the clock
       * moves to the last contact before the deadline and any re-rating. */
      int64_t lim = t == NO_DAY ? d : t;
      for (int i = j + 1; i < c->ndays && c->days[i].day <= lim; i++)
        if (c->days[i].mask & c->m->mask[g])
          j = i;
      if (d >= r->dfrom) {
        n[g * V_N + V_DUE]++;
        n[g * V_N + V_MET]++;
      }
      s = c->days[j].day;
      missed = NO_DAY;
    } else if (t != NO_DAY) {
      s = t; /* re-rated before the deadline: the clock restarts */
    } else if (d < r->dfrom && strcmp(fs__grades[g], "delivered") != 0) {
      /* Missed before the period, where there are no contact days: a fixed
       * cadence steps evenly, so jump to the last deadline before --from
       * (and before the next re-rating) instead of walking from an old
       * anchor. */
      int64_t step = d - s, lim = r->dfrom - 1, nx = gline_next(&c->gl, d, NO_DAY - 1);
      if (nx != NO_DAY && nx - 1 < lim)
        lim = nx - 1;
      if (step > 0 && lim > d)
        d += ((lim - d) / step) * step;
      s = d;
      if (missed == NO_DAY)
        missed = d;
    } else {
      if (d >= r->dfrom)
        n[g * V_N + V_DUE]++;
      s = d; /* missed: in arrears one contact stays due every cadence */
      if (missed == NO_DAY)
        missed = d;
    }
  }
  /* Overdue on --to: a deadline missed and not followed by a contact
   * stays overdue whatever re-ratings came after it (issue 14); else the
   * next due date counted from the later of the last contact and the last
   * re-rating (common/cadence.h, "the clock"). */
  g = fs__rpt_gline_at(&c->gl, r->dto);
  if (g >= LOST_G)
    return 0;
  /* A contact after the walk's last deadline (which lies past --to) also
   * closes a missed one. */
  for (int i = 0; missed != NO_DAY && i < c->ndays; i++)
    if (c->days[i].day > missed &&
        (c->days[i].mask & c->m->mask[fs__rpt_gline_at(&c->gl, c->days[i].day - 1) < LOST_G
                                          ? fs__rpt_gline_at(&c->gl, c->days[i].day - 1)
                                          : g]))
      missed = NO_DAY;
  if (missed != NO_DAY && missed < r->dto) {
    n[g * V_N + V_OVER]++;
    return 0;
  }
  last = c->anchor;
  for (int i = c->ndays - 1; i >= 0; i--)
    if (c->days[i].mask & c->m->mask[g]) {
      last = c->days[i].day;
      break;
    }
  for (t = gline_next(&c->gl, last, r->dto); t != NO_DAY;
       t = gline_next(&c->gl, t, r->dto))
    last = t;
  rc = due_from(r, c, g, last, &d, &od);
  if (rc)
    return rc;
  if (od > 0)
    n[g * V_N + V_OVER]++;
  return 0;
}

/* Which open grades the customer held on some day of [lo, to]: a bit per
 * grade index; 0 if lost all along. */
static unsigned grades_held(const rpt *r, const gline *l, int64_t lo) {
  unsigned m = 0;
  for (int64_t d = lo; d != NO_DAY; d = gline_next(l, d, r->dto)) {
    int g = fs__rpt_gline_at(l, d);
    if (g < LOST_G)
      m |= 1u << g;
  }
  return m;
}

static const fs_col visits_cols[] = {
    {"rep", FS_COL_TEXT, NULL},      {"grade", FS_COL_TEXT, NULL},
    {"customers", FS_COL_INT, NULL}, {"due", FS_COL_INT, NULL},
    {"met", FS_COL_INT, NULL},       {"missed", FS_COL_INT, NULL},
    {"done", FS_COL_INT, NULL},      {"overdue", FS_COL_INT, NULL},
    {"compliance", FS_COL_PCT, NULL}};

/* The same columns, grouped by team. */
static const fs_col teams_cols[] = {
    {"team", FS_COL_TEXT, NULL},     {"grade", FS_COL_TEXT, NULL},
    {"customers", FS_COL_INT, NULL}, {"due", FS_COL_INT, NULL},
    {"met", FS_COL_INT, NULL},       {"missed", FS_COL_INT, NULL},
    {"done", FS_COL_INT, NULL},      {"overdue", FS_COL_INT, NULL},
    {"compliance", FS_COL_PCT, NULL}};

static int visits_row(rsec *s, const char *rep, const char *grade, const int64_t *n) {
  rsec *row = fs__rpt_row(s);
  int rc;
  if (row == NULL)
    return FS_ENOMEM;
  rc = fs__rpt_text(row, 0, rep);
  if (rc == 0)
    rc = fs__rpt_text(row, 1, grade);
  fs__rpt_int(row, 2, n[V_CUST]);
  fs__rpt_int(row, 3, n[V_DUE]);
  fs__rpt_int(row, 4, n[V_MET]);
  fs__rpt_int(row, 5, n[V_DUE] - n[V_MET]);
  fs__rpt_int(row, 6, n[V_DONE]);
  fs__rpt_int(row, 7, n[V_OVER]);
  if (n[V_DUE]) /* nothing due: no compliance (n/a, JSON null) */
    fs__rpt_num(row, 8, pct(n[V_MET], n[V_DUE]));
  return rc;
}

/* (customer, day, method bit) of a visit in the period. */
typedef struct vday {
  size_t c;
  int64_t day;
  unsigned mask;
} vday;

static int vday_cmp(const void *a, const void *b) {
  const vday *x = a, *y = b;
  if (x->c != y->c)
    return x->c < y->c ? -1 : 1;
  return x->day < y->day ? -1 : x->day > y->day;
}

/* Adds every counter of b to a. */
static void acc_add(racc *a, const racc *b) {
  for (int j = 0; j < NCOUNT; j++)
    a->n[j] += b->n[j];
}

/* The rows of one rep, team or the whole scope (code "*"): one per grade
 * it had customers in, then its "*" row with each customer once (V_UNIQ);
 * the scope's "*" row is written even with no customers. */
static int visits_group(rsec *s, const char *code, const int64_t *n) {
  int64_t sum[V_N] = {0};
  int rc = 0;
  for (int g = 0; g < LOST_G && rc == 0; g++) {
    const int64_t *ng = &n[g * V_N];
    if (ng[V_CUST] == 0)
      continue;
    for (int j = 0; j < V_N; j++)
      sum[j] += ng[j];
    rc = visits_row(s, code, fs__grades[g], ng);
  }
  sum[V_CUST] = n[V_UNIQ];
  if (rc == 0 && (sum[V_CUST] || strcmp(code, "*") == 0))
    rc = visits_row(s, code, "*", sum);
  return rc;
}

/* Section "teams": the reps' counters summed per team, a team being a
 * manager and the staff whose manager they are (FS_RPT_STAFF_SQL, also on
 * a manager's replica; fs__report_team).  A card
 * has one owner, so the reps' "*" customers add up.  Staff the store does
 * not know, or with no manager who are not managers, belong to no team;
 * no section if nobody has one. */
static int visits_teams(rpt *r, const raccs *reps) {
  sqlite3_stmt *st = NULL;
  raccs teams = {0};
  int rc, src;
  rsec *s;

  rc = fs__rpt_prep(r, FS_RPT_STAFF_SQL, &st);
  if (rc)
    return rc;
  while ((src = sqlite3_step(st)) == SQLITE_ROW) {
    const char *code = col_text(st, 0), *role = col_text(st, 1), *mgr = col_text(st, 2);
    racc key, *rep, *t;
    if (code == NULL)
      continue;
    snprintf(key.code, sizeof(key.code), "%s", code);
    rep = reps->n
              ? bsearch(&key, reps->a, (size_t)reps->n, sizeof(*reps->a), fs__rpt_acc_cmp)
              : NULL;
    if (rep == NULL)
      continue;
    if (mgr == NULL || mgr[0] == '\0')
      mgr = fs__role_parse(role) == FS_ROLE_MANAGER ? code : NULL;
    if (mgr == NULL)
      continue;
    t = fs__rpt_acc(&teams, mgr);
    if (t == NULL) {
      src = SQLITE_NOMEM;
      break;
    }
    acc_add(t, rep);
  }
  rc = src == SQLITE_NOMEM ? FS_ENOMEM : fs__rpt_step_end(r, src);
  sqlite3_finalize(st);
  if (rc == 0 && teams.n) {
    fs__rpt_accs_sort(&teams);
    s = fs__rpt_sec(r, "teams", "Cadence compliance per team (a manager and their staff)",
                    teams_cols, 9);
    for (int i = 0; i < teams.n && rc == 0; i++)
      rc = visits_group(s, teams.a[i].code, teams.a[i].n);
  }
  free(teams.a);
  return rc;
}

/* ---- the 24-hour call-back and the one-week key-account follow-up ------------
 * (issue 14): compliance per rep, in the rule's own unit (report.h). */

static const fs_col callback_cols[] = {
    {"rep", FS_COL_TEXT, NULL},        {"due", FS_COL_INT, NULL},
    {"met", FS_COL_INT, NULL},         {"late", FS_COL_INT, NULL},
    {"missed", FS_COL_INT, NULL},      {"compliance", FS_COL_PCT, NULL},
    {"avg_hours", FS_COL_NUM, NULL},   {"max_hours", FS_COL_NUM, NULL}};
static const fs_col followup_cols[] = {
    {"rep", FS_COL_TEXT, NULL},        {"due", FS_COL_INT, NULL},
    {"met", FS_COL_INT, NULL},         {"late", FS_COL_INT, NULL},
    {"missed", FS_COL_INT, NULL},      {"compliance", FS_COL_PCT, NULL},
    {"avg_days", FS_COL_NUM, NULL},    {"max_days", FS_COL_NUM, NULL}};

/* The counts of f(rep, ok, late, span) per rep and for all ("*" last). */
#define DUTY_COUNTS                                                                      \
  "count(*), coalesce(sum(ok), 0), coalesce(sum(late), 0),"                             \
  " coalesce(sum(NOT ok AND NOT late), 0),"                                             \
  " CASE WHEN count(*) THEN 100.0 * sum(ok) / count(*) END, avg(span), max(span)"

/* The rows per rep, then "*", from f. */
#define DUTY_ROWS                                                                        \
  " SELECT * FROM (SELECT rep, " DUTY_COUNTS ", 0 AS k FROM f GROUP BY rep"              \
  " UNION ALL SELECT '*', " DUTY_COUNTS ", 1 FROM f) ORDER BY k, rep"

static int visits_duties(rpt *r) {
  char own[OWN_MAX], sql[4096];
  int rc;
  rsec *s;

  /* Call-backs: seconds, so exactly 24 h is on time. */
  fs__rpt_owners(r, "s.rep_on_duty", own, sizeof(own));
  s = fs__rpt_sec(r, "callbacks",
                  "Showroom call-backs within 24 hours, per rep on duty (hours)", callback_cols,
                  8);
  snprintf(sql, sizeof(sql),
           "WITH e AS (SELECT s.rep_on_duty AS rep,"
           "  CAST(strftime('%%s', s.arrived) AS INTEGER) AS a,"
           "  (SELECT CAST(strftime('%%s', min(v.at)) AS INTEGER) FROM visits v"
           "   WHERE v.deleted = 0 AND " FS_SQL_VISIT_CURRENT("v")
           "   AND v.customer_id = s.customer_id AND v.at > s.arrived"
           "   AND v.at < :to1) AS c"
           " FROM showroom_log s WHERE s.deleted = 0 AND s.left_details = 1"
           " AND s.arrived >= :from AND s.arrived < :to1%s),"
           " f AS (SELECT rep, c IS NOT NULL AND c - a <= %d AS ok,"
           "  c IS NOT NULL AND c - a > %d AS late, (c - a) / 3600.0 AS span FROM e"
           "  WHERE c IS NOT NULL OR a + %d < CAST(strftime('%%s', :to1) AS INTEGER))"
           DUTY_ROWS,
           own, FS_CADENCE_CALLBACK_HOURS * 3600, FS_CADENCE_CALLBACK_HOURS * 3600,
           FS_CADENCE_CALLBACK_HOURS * 3600);
  rc = fs__rpt_fill(r, s, sql);
  if (rc)
    return rc;
  /* Key-account follow-ups: by day, as the rule is. */
  fs__rpt_owners(r, "c.owner", own, sizeof(own));
  s = fs__rpt_sec(r, "followups",
                  "Key-account visits followed up within a week, per rep (days)", followup_cols,
                  8);
  snprintf(sql, sizeof(sql),
           "WITH e AS (SELECT c.owner AS rep, v.at AS a,"
           "  date(substr(v.at, 1, 10), '+%d days') AS dl,"
           "  (SELECT min(w.at) FROM visits w WHERE w.deleted = 0"
           "   AND " FS_SQL_VISIT_CURRENT("w")
           "   AND w.customer_id = v.customer_id"
           "   AND (w.at > v.at OR (w.at = v.at AND w.id > v.id)) AND w.at < :to1) AS c"
           " FROM visits v JOIN customers c ON c.id = v.customer_id AND c.deleted = 0"
           " WHERE v.deleted = 0 AND " FS_SQL_VISIT_CURRENT("v")
           " AND v.key_account = 1 AND v.at >= :from AND v.at < :to1%s),"
           " f AS (SELECT rep, c IS NOT NULL AND substr(c, 1, 10) <= dl AS ok,"
           "  c IS NOT NULL AND substr(c, 1, 10) > dl AS late,"
           "  julianday(substr(c, 1, 10)) - julianday(substr(a, 1, 10)) AS span FROM e"
           "  WHERE c IS NOT NULL OR dl < :to)"
           DUTY_ROWS,
           FS_CADENCE_KEY_FOLLOWUP_DAYS, own);
  return fs__rpt_fill(r, s, sql);
}

/* One pass over the visits up to --to: each loaded card's last contact day
 * before --from (c->before), and the (card, day) pairs of the period into
 * *out (malloc'd, *nout of them, unsorted). */
static int visit_days(rpt *r, fcusts *cs, vday **out, size_t *nout) {
  sqlite3_stmt *st = NULL;
  vday *vd = NULL;
  size_t nvd = 0, capvd = 0;
  int rc, src;

  unsigned every = ~0u;

  /* Before the period only the latest contact matters, and the grade then
   * is not looked up: a method counts there if it counts for every grade. */
  for (int g = 0; g < LOST_G; g++)
    every &= r->methods.mask[g];
  rc = fs__rpt_prep(
      r,
      "SELECT v.customer_id, " FS_SQL_VISIT_DAY("v") ", v.method FROM visits v"
      " WHERE v.deleted = 0 AND " FS_SQL_VISIT_CURRENT("v") " AND " FS_SQL_VISIT_DAY("v")
      " < :to1",
      &st);
  if (rc)
    return rc;
  while ((src = sqlite3_step(st)) == SQLITE_ROW) {
    fcust *c = fs__rpt_custs_find(cs, col_text(st, 0));
    const char *at = col_text(st, 1);
    int meth = fs__enum_index(fs__visit_methods, col_text(st, 2));
    unsigned bit = meth >= 0 ? 1u << meth : 0;
    int64_t d;
    if (c == NULL || at == NULL || strlen(at) < 10)
      continue;
    /* Before the period only the latest day matters: compare the date
     * texts (they sort as dates) and parse once at the end. */
    if (memcmp(at, r->from, 10) < 0) {
      if (!(bit & every))
        continue;
      if (memcmp(at, c->before, 10) > 0 || c->before[0] == '\0')
        memcpy(c->before, at, 10);
      continue;
    }
    if (fs__date_parse(at, &d) != 0)
      continue;
    rc = fs__rpt_grow(&vd, &capvd, nvd, sizeof(*vd), 4096);
    if (rc)
      break;
    vd[nvd].c = (size_t)(c - cs->a);
    vd[nvd].mask = bit;
    vd[nvd++].day = d;
  }
  if (rc == 0)
    rc = fs__rpt_step_end(r, src);
  sqlite3_finalize(st);
  *out = vd;
  *nout = nvd;
  return rc;
}

int fs__rpt_visits(rpt *r) {
  raccs accs = {0};
  fcusts cs = {0};
  vday *vd = NULL;
  gchg *gc = NULL;
  size_t nvd = 0, ngc = 0, k = 0, kg = 0;
  racc all;
  cday *days = NULL;
  int cad[NGRADES], rc;
  rsec *s;

  /* Grades whose cadence does not depend on the date (all but delivered,
   * whose window is calendar months after the delivery). */
  for (int g = 0; g < NGRADES; g++)
    cad[g] = strcmp(fs__grades[g], "delivered") == 0
                 ? 0
                 : fs__cadence_days(fs__grades[g], NULL, NULL);
  /* Lost cards too: they may have been open during the period. */
  rc = fs__rpt_custs_load(r, " AND (created IS NULL OR created <= :to)", 1, &cs);
  if (rc == 0)
    rc = fs__rpt_changes_load(r, &cs, &gc, &ngc);
  if (rc)
    goto out;
  rc = visit_days(r, &cs, &vd, &nvd);
  if (rc)
    goto out;
  if (nvd > 1)
    qsort(vd, nvd, sizeof(*vd), vday_cmp);
  days = malloc((nvd ? nvd : 1) * sizeof(*days));
  if (days == NULL) {
    rc = FS_ENOMEM;
    goto out;
  }
  for (size_t i = 0; i < cs.n; i++) {
    fcust *fc = &cs.a[i];
    racc *a;
    vcust c;
    unsigned held;
    int nd = 0;

    memset(&c, 0, sizeof(c));
    c.cad = cad;
    c.m = &r->methods;
    /* A deleted card keeps the grade of its last change until the delete;
     * with no grade history there is nothing to count. */
    fs__rpt_gline_of(&cs, i, gc, ngc, &kg, &c.gl);
    c.delivery = fc->delivery;
    /* anchor: last contact before the period, else created, else from. */
    if (fc->before[0] == '\0' || fs__date_parse(fc->before, &c.anchor) != 0)
      c.anchor = fc->anchor != INT64_MIN ? fc->anchor : r->dfrom;
    held = grades_held(r, &c.gl,
                       fc->anchor != INT64_MIN && fc->anchor > r->dfrom ? fc->anchor
                                                                        : r->dfrom);
    if (held == 0) {
      for (; k < nvd && vd[k].c == i; k++)
        ;
      continue; /* lost all through the period */
    }
    a = fs__rpt_acc(&accs, fc->owner);
    if (a == NULL) {
      rc = FS_ENOMEM;
      goto out;
    }
    a->n[V_UNIQ]++;
    for (int g = 0; g < LOST_G; g++)
      if (held & (1u << g))
        a->n[g * V_N + V_CUST]++;
    /* done: each record under the grade the customer had as the day began
     * (a contact on the day of a re-rating comes first). */
    for (; k < nvd && vd[k].c == i; k++) {
      int g = fs__rpt_gline_at(&c.gl, vd[k].day - 1);
      if (g < LOST_G)
        a->n[g * V_N + V_DONE]++;
      if (nd == 0 || days[nd - 1].day != vd[k].day) {
        days[nd].day = vd[k].day;
        days[nd++].mask = 0;
      }
      days[nd - 1].mask |= vd[k].mask;
    }
    c.days = days;
    c.ndays = nd;
    rc = visits_walk(r, &c, a->n);
    if (rc)
      goto out;
  }
  fs__rpt_accs_sort(&accs);
  s = fs__rpt_sec(r, "compliance", "Cadence compliance per rep and grade", visits_cols,
                  9);
  memset(&all, 0, sizeof(all));
  for (int i = 0; i < accs.n && rc == 0; i++) {
    rc = visits_group(s, accs.a[i].code, accs.a[i].n);
    acc_add(&all, &accs.a[i]);
  }
  if (rc == 0)
    rc = visits_group(s, "*", all.n);
  if (rc == 0)
    rc = visits_teams(r, &accs);
  if (rc == 0)
    rc = visits_duties(r);
out:
  free(days);
  free(vd);
  free(gc);
  fs__rpt_custs_release(&cs);
  free(accs.a);
  return rc;
}
