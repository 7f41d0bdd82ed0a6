/* plan.c - the activity report's plan against actual (report.h "activity",
 * section "plan"): each rep's monthly activity plan (月度销售活动计划表)
 * and what was done in that month up to --to. */
#include "report_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "fs_errno.h"

#define NITEMS 7
#define PLANS_MAX 4096 /* plans in one report: reps x months */

static const char *const items[NITEMS] = {
    "visits_o",      "visits_a",           "visits_b",  "visits_c",
    "new_prospects", "showroom_followups", "deliveries"};

static const fs_col plan_cols[] = {
    {"rep", FS_COL_TEXT, NULL},  {"month", FS_COL_TEXT, NULL},
    {"item", FS_COL_TEXT, NULL}, {"planned", FS_COL_INT, NULL},
    {"done", FS_COL_INT, NULL},  {"share", FS_COL_PCT, NULL}};

typedef struct plan {
  char rep[FS_STAFF_MAX + 1];
  char month[11], end[11], end1[11]; /* first day; last day counted; the day after */
  int set[NITEMS];
  int64_t planned[NITEMS], done[NITEMS];
} plan;

/* Binds the plan's rep, month and window to st's :rep, :m, :e, :e1. */
static void bind_plan(sqlite3_stmt *st, const plan *p) {
  static const char *const names[] = {":rep", ":m", ":e", ":e1"};
  const char *vals[] = {p->rep, p->month, p->end, p->end1};
  for (int i = 0; i < 4; i++) {
    int k = sqlite3_bind_parameter_index(st, names[i]);
    if (k > 0)
      sqlite3_bind_text(st, k, vals[i], -1, SQLITE_STATIC);
  }
}

/* Runs a count query for plan p into *n. */
static int count1(rpt *r, const char *sql, const plan *p, int64_t *n) {
  sqlite3_stmt *st = NULL;
  int src, rc = fs__rpt_prep(r, sql, &st);
  if (rc)
    return rc;
  bind_plan(st, p);
  src = sqlite3_step(st);
  if (src == SQLITE_ROW)
    *n = sqlite3_column_int64(st, 0);
  rc = fs__rpt_step_end(r, src);
  sqlite3_finalize(st);
  return rc;
}

/* The plans of the owner filter whose month lies in [the first of
 * --from's month, --to]; the window of each ends at the month's end or
 * --to, whichever comes first. */
static int plans_load(rpt *r, plan **out, int *nout) {
  char own[OWN_MAX], sql[OWN_MAX + 512];
  sqlite3_stmt *st = NULL;
  plan *a = NULL;
  size_t cap = 0, n = 0;
  int src, rc;

  fs__rpt_owners(r, "rep", own, sizeof(own));
  snprintf(sql, sizeof(sql),
           "SELECT rep, month, visits_o, visits_a, visits_b, visits_c, new_prospects,"
           " showroom_followups, deliveries FROM activity_plans WHERE deleted = 0"
           " AND month >= substr(:from, 1, 8) || '01' AND month <= :to%s"
           " ORDER BY rep, month LIMIT %d",
           own, PLANS_MAX);
  rc = fs__rpt_prep(r, sql, &st);
  if (rc)
    return rc;
  while ((src = sqlite3_step(st)) == SQLITE_ROW) {
    plan *p;
    int64_t m, e;
    if (fs__date_parse(col_text(st, 1), &m) != 0)
      continue;
    rc = fs__rpt_grow(&a, &cap, n, sizeof(*a), 16);
    if (rc)
      break;
    p = &a[n++];
    memset(p, 0, sizeof(*p));
    snprintf(p->rep, sizeof(p->rep), "%s", col_text(st, 0) ? col_text(st, 0) : "");
    e = fs__date_add_months(m, 1) - 1;
    if (e > r->dto)
      e = r->dto;
    fs__date_format(m, p->month);
    fs__date_format(e, p->end);
    fs__date_format(e + 1, p->end1);
    for (int i = 0; i < NITEMS; i++) {
      p->set[i] = sqlite3_column_type(st, 2 + i) != SQLITE_NULL;
      p->planned[i] = sqlite3_column_int64(st, 2 + i);
    }
  }
  if (rc == 0)
    rc = fs__rpt_step_end(r, src);
  sqlite3_finalize(st);
  *out = a;
  *nout = (int)n;
  return rc;
}

/* Visits per grade: the plans' reps' visit records (any method) in their
 * windows, under the grade the card had as that day began (as visits'
 * "done"); one scan, the cards' grade history in memory. */
static int plan_visits(rpt *r, plan *ps, int np) {
  fcusts cs = {0};
  gchg *gc = NULL;
  gline *gl = NULL;
  size_t ngc = 0, k = 0;
  sqlite3_stmt *st = NULL;
  int src, rc;

  /* Every card: a rep's visit may be to a colleague's card (the filter
   * is on the plans' reps, the visits' authors). */
  {
    const fs_report_params *p = r->p;
    fs_report_params all = *p;
    all.owners = NULL;
    all.nowners = 0;
    r->p = &all;
    rc = fs__rpt_custs_load(r, "", 1, &cs);
    r->p = p;
  }
  if (rc == 0)
    rc = fs__rpt_changes_load(r, &cs, &gc, &ngc);
  if (rc)
    goto out;
  gl = calloc(cs.n ? cs.n : 1, sizeof(*gl));
  if (gl == NULL) {
    rc = FS_ENOMEM;
    goto out;
  }
  for (size_t i = 0; i < cs.n; i++)
    fs__rpt_gline_of(&cs, i, gc, ngc, &k, &gl[i]);
  rc = fs__rpt_prep(r,
                    "SELECT customer_id, author, at FROM visits WHERE deleted = 0"
                    " AND at >= substr(:from, 1, 8) || '01' AND at < :to1",
                    &st);
  if (rc)
    goto out;
  while ((src = sqlite3_step(st)) == SQLITE_ROW) {
    fcust *c = fs__rpt_custs_find(&cs, col_text(st, 0));
    const char *rep = col_text(st, 1), *at = col_text(st, 2);
    int64_t day;
    int g;
    if (c == NULL || rep == NULL || at == NULL || fs__date_parse(at, &day) != 0)
      continue;
    g = fs__rpt_gline_at(&gl[c - cs.a], day - 1);
    if (g < 0 || g > 3)
      continue; /* O, A, B, C: the grades a plan names */
    for (int i = 0; i < np; i++)
      if (strcmp(ps[i].rep, rep) == 0 && memcmp(at, ps[i].month, 7) == 0 &&
          memcmp(at, ps[i].end1, 10) < 0)
        ps[i].done[g]++;
  }
  rc = fs__rpt_step_end(r, src);
out:
  sqlite3_finalize(st);
  free(gl);
  free(gc);
  fs__rpt_custs_release(&cs);
  return rc;
}

int fs__rpt_plan(rpt *r) {
  plan *ps = NULL;
  int np = 0, rc;
  rsec *s = fs__rpt_sec(r, "plan", "Monthly activity plan against actual (month to --to)",
                        plan_cols, 6);

  rc = plans_load(r, &ps, &np);
  if (rc == 0 && np)
    rc = plan_visits(r, ps, np);
  for (int i = 0; i < np && rc == 0; i++) {
    plan *p = &ps[i];
    rc = count1(r,
                "SELECT count(*) FROM customers WHERE deleted = 0 AND author = :rep"
                " AND created >= :m AND created <= :e",
                p, &p->done[4]);
    /* A showroom visitor who left details is followed up by the first
     * visit record of their card after the arrival (visits' "callbacks"). */
    if (rc == 0)
      rc = count1(r,
                  "SELECT count(*) FROM (SELECT (SELECT v.id FROM visits v"
                  "  WHERE v.deleted = 0 AND v.customer_id = s.customer_id"
                  "  AND v.at > s.arrived ORDER BY v.at, v.id LIMIT 1) AS vid"
                  " FROM showroom_log s WHERE s.deleted = 0 AND s.left_details = 1"
                  " AND s.customer_id IS NOT NULL AND s.arrived < :e1) f"
                  " JOIN visits v ON v.id = f.vid"
                  " WHERE v.author = :rep AND v.at >= :m AND v.at < :e1",
                  p, &p->done[5]);
    if (rc == 0)
      rc = count1(r,
                  "SELECT count(*) FROM customers WHERE deleted = 0 AND owner = :rep"
                  " AND delivery_date >= :m AND delivery_date <= :e",
                  p, &p->done[6]);
    for (int j = 0; j < NITEMS && rc == 0; j++) {
      rsec *row = fs__rpt_row(s);
      if (row == NULL) {
        rc = FS_ENOMEM;
        break;
      }
      rc = fs__rpt_text(row, 0, p->rep);
      if (rc == 0) {
        char month[8];
        snprintf(month, sizeof(month), "%.7s", p->month);
        rc = fs__rpt_text(row, 1, month);
      }
      if (rc == 0)
        rc = fs__rpt_text(row, 2, items[j]);
      if (p->set[j])
        fs__rpt_int(row, 3, p->planned[j]);
      fs__rpt_int(row, 4, p->done[j]);
      if (p->set[j] && p->planned[j] > 0)
        fs__rpt_num(row, 5, pct(p->done[j], p->planned[j]));
    }
  }
  free(ps);
  return rc;
}
