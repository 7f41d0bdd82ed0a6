/* funnel.c - the funnel report: prospects per grade and stage now, and
 * the grade movement of the period (report.h "funnel"). */
#include "report_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cadence.h"
#include "fs_errno.h"

#define STAGE_CASE(col)                                                                  \
  "CASE " col " WHEN 'contact' THEN 1 WHEN 'explanation' THEN 2 WHEN 'demonstration' "   \
  "THEN 3 WHEN 'proposal' THEN 4 WHEN 'contract' THEN 5 END"
#define GRADE_ORDER(col)                                                                 \
  "CASE " col " WHEN 'new' THEN 0 WHEN 'O' THEN 1 WHEN 'A' THEN 2 WHEN 'B' THEN 3 "      \
  "WHEN 'C' THEN 4 WHEN 'delivered' THEN 5 WHEN 'lost' THEN 6 ELSE 7 END"

static const fs_col funnel_cols[] = {
    {"rep", FS_COL_TEXT, NULL},        {"grade", FS_COL_TEXT, NULL},
    {"none", FS_COL_INT, NULL},        {"contact", FS_COL_INT, NULL},
    {"explanation", FS_COL_INT, NULL}, {"demonstration", FS_COL_INT, NULL},
    {"proposal", FS_COL_INT, NULL},    {"contract", FS_COL_INT, NULL},
    {"total", FS_COL_INT, NULL}};
static const fs_col movement_cols[] = {{"from_grade", FS_COL_TEXT, NULL},
                                       {"to_grade", FS_COL_TEXT, NULL},
                                       {"count", FS_COL_INT, NULL}};

static int funnel_row(rsec *s, const char *rep, const char *grade, const int64_t *n) {
  rsec *row = fs__rpt_row(s);
  int64_t total = 0;
  int rc;
  if (row == NULL)
    return FS_ENOMEM;
  rc = fs__rpt_text(row, 0, rep);
  if (rc == 0)
    rc = fs__rpt_text(row, 1, grade);
  for (int i = 0; i <= NSTAGES; i++) {
    fs__rpt_int(row, 2 + i, n[i]);
    total += n[i];
  }
  fs__rpt_int(row, 8, total);
  return rc;
}

/* The visits that record a stage, a corrected one read once (cadence.h). */
#define FUNNEL_VISITS_SQL                                                                \
  "SELECT customer_id, at, " STAGE_CASE("stage") " FROM visits v WHERE v.deleted = 0"    \
  " AND stage IS NOT NULL AND " FS_SQL_VISIT_CURRENT("v")

/* --as-of (month-end stock-take): each card's grade at the end of the
 * month, replayed from its grade changes (grades.c); cards opened later or
 * deleted by then are dropped (c->g = -2).  Cards deleted after it count
 * with the grade of their last change, as in visits. */
static int funnel_asof_grades(rpt *r, fcusts *cs) {
  gchg *gc = NULL;
  size_t ngc = 0, k = 0;
  int rc = fs__rpt_changes_load(r, cs, &gc, &ngc);

  for (size_t i = 0; rc == 0 && i < cs->n; i++) {
    fcust *c = &cs->a[i];
    gline l;
    int deleted_by_then = c->gone <= r->dasof; /* INT64_MAX if not deleted */
    fs__rpt_gline_of(cs, i, gc, ngc, &k, &l);
    c->g = deleted_by_then ? -2 : fs__rpt_gline_at(&l, r->dasof);
  }
  free(gc);
  return rc;
}

/* Each loaded card's stage: that of its most advanced open opportunity
 * (ostage), and of its latest visit recording one (vstage). */
static int funnel_stages(rpt *r, fcusts *cs, int asof) {
  sqlite3_stmt *st = NULL;
  int src = SQLITE_DONE, rc = 0;

  /* Open opportunities: the most advanced stage per customer.  They keep
   * no stage history (only the stage they are at now), so a month-end
   * stock-take reads the stages of the visits alone. */
  if (!asof)
    rc = fs__rpt_prep(r,
                      "SELECT customer_id, " STAGE_CASE(
                          "stage") " FROM opportunities"
                                   " WHERE deleted = 0 AND stage IS NOT NULL AND "
                                   "coalesce(status, 'open') = 'open'",
                      &st);
  if (rc)
    return rc;
  while (st && (src = sqlite3_step(st)) == SQLITE_ROW) {
    fcust *c = fs__rpt_custs_find(cs, col_text(st, 0));
    int stg = sqlite3_column_int(st, 1);
    if (c && stg > c->ostage)
      c->ostage = stg;
  }
  rc = st ? fs__rpt_step_end(r, src) : 0;
  sqlite3_finalize(st);
  st = NULL;
  if (rc)
    return rc;
  /* Visits recording a stage: the latest current one per customer (a corrected visit read once) (ties: the first
   * read keeps it); --as-of: the latest dated up to the month's end. */
  rc = fs__rpt_prep(r, asof ? FUNNEL_VISITS_SQL " AND at < :asof1" : FUNNEL_VISITS_SQL, &st);
  if (rc)
    return rc;
  while ((src = sqlite3_step(st)) == SQLITE_ROW) {
    fcust *c = fs__rpt_custs_find(cs, col_text(st, 0));
    const char *at = col_text(st, 1);
    if (c == NULL || at == NULL || (c->vat[0] && strcmp(at, c->vat) <= 0))
      continue;
    snprintf(c->vat, sizeof(c->vat), "%s", at);
    c->vstage = sqlite3_column_int(st, 2);
  }
  rc = fs__rpt_step_end(r, src);
  sqlite3_finalize(st);
  return rc;
}

int fs__rpt_funnel(rpt *r) {
  char own[OWN_MAX], sql[8192];
  sqlite3_stmt *st = NULL;
  raccs accs = {0};
  fcusts cs = {0};
  int64_t tot[NGRADES][NSTAGES + 1];
  int src = SQLITE_DONE, rc, asof = r->asof[0] != '\0';
  rsec *s;

  memset(tot, 0, sizeof(tot));
  rc = asof ? fs__rpt_custs_load(r, " AND (created IS NULL OR created <= :asof)", 1, &cs)
            : fs__rpt_custs_load(r, "", 0, &cs);
  if (rc == 0 && asof)
    rc = funnel_asof_grades(r, &cs);
  if (rc)
    goto out;
  rc = funnel_stages(r, &cs, asof);
  if (rc)
    goto out;
  for (size_t i = 0; i < cs.n; i++) {
    fcust *c = &cs.a[i];
    racc *a;
    int stg = c->ostage ? c->ostage : c->vstage;
    if (c->g < 0)
      continue; /* --as-of: not there at the month's end */
    a = fs__rpt_acc(&accs, c->owner);
    if (a == NULL) {
      rc = FS_ENOMEM;
      goto out;
    }
    if (stg < 0 || stg > NSTAGES)
      stg = 0;
    a->n[c->g * (NSTAGES + 1) + stg]++;
    tot[c->g][stg]++;
  }
  fs__rpt_accs_sort(&accs);
  s = fs__rpt_sec(r, "grades",
                  asof ? "Prospects per grade and stage at the end of the --as-of month"
                       : "Prospects per grade and stage (now)",
                  funnel_cols, 9);
  for (int i = 0; i < accs.n && rc == 0; i++)
    for (int g = 0; g < NGRADES && rc == 0; g++) {
      int64_t *n = &accs.a[i].n[g * (NSTAGES + 1)], any = 0;
      for (int k = 0; k <= NSTAGES; k++)
        any += n[k];
      if (any)
        rc = funnel_row(s, accs.a[i].code, fs__grades[g], n);
    }
  for (int g = 0; g < NGRADES && rc == 0; g++) {
    int64_t any = 0;
    for (int k = 0; k <= NSTAGES; k++)
      any += tot[g][k];
    if (any)
      rc = funnel_row(s, "*", fs__grades[g], tot[g]);
  }
  if (rc)
    goto out;

  fs__rpt_owners(r, "owner", own, sizeof(own));
  snprintf(
      sql, sizeof(sql),
      "SELECT coalesce(prev_grade, 'new') AS f, grade AS t, count(*) FROM grade_changes"
      " WHERE deleted = 0 AND grade IS NOT NULL AND date >= :from AND date <= :to%s"
      " GROUP BY f, t ORDER BY " GRADE_ORDER("f") ", " GRADE_ORDER("t"),
      own);
  rc = fs__rpt_prep(r, sql, &st);
  if (rc)
    goto out;
  s = fs__rpt_sec(r, "movement", "Grade changes in the period (from -> to)",
                  movement_cols, 3);
  while ((src = sqlite3_step(st)) == SQLITE_ROW) {
    rsec *row = fs__rpt_row(s);
    if (row == NULL) {
      rc = FS_ENOMEM;
      goto out;
    }
    rc = fs__rpt_text(row, 0, col_text(st, 0));
    if (rc == 0)
      rc = fs__rpt_text(row, 1, col_text(st, 1));
    if (rc)
      goto out;
    fs__rpt_int(row, 2, sqlite3_column_int64(st, 2));
  }
  rc = fs__rpt_step_end(r, src);
out:
  sqlite3_finalize(st);
  fs__rpt_custs_release(&cs);
  free(accs.a);
  return rc;
}
