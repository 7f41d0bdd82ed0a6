/* ranking.c - the ranking report: key customers by weighted score, their
 * Pareto share and tier (report.h "ranking"). */
#include "report_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs_errno.h"

typedef struct rcust {
  char id[FS_ID_HEX + 1];
  char owner[FS_STAFF_MAX + 1];
  char *archive_no, *name;
  int64_t v[FS_RC__COUNT]; /* raw: revenue, margin, growth... */
  double comp[FS_RC__COUNT], score, share, cum;
  int key, tier; /* tier: index into fs__tiers */
} rcust;

static int by_revenue(const void *a, const void *b) {
  const rcust *x = a, *y = b;
  if (x->v[FS_RC_REVENUE] != y->v[FS_RC_REVENUE])
    return x->v[FS_RC_REVENUE] > y->v[FS_RC_REVENUE] ? -1 : 1;
  return strcmp(x->id, y->id);
}

static int by_score(const void *a, const void *b) {
  const rcust *x = a, *y = b;
  if (x->score != y->score)
    return x->score > y->score ? -1 : 1;
  return by_revenue(a, b);
}

static const fs_col rank_summary_cols[] = {
    {"customers", FS_COL_INT, NULL},    {"revenue", FS_COL_INT, NULL},
    {"key_accounts", FS_COL_INT, NULL}, {"key_share", FS_COL_PCT, NULL},
    {"diamond", FS_COL_INT, NULL},      {"gold", FS_COL_INT, NULL},
    {"silver", FS_COL_INT, NULL}};
static const fs_col rank_cols[] = {
    {"rank", FS_COL_INT, NULL},      {"archive_no", FS_COL_TEXT, NULL},
    {"name", FS_COL_TEXT, NULL},     {"owner", FS_COL_TEXT, NULL},
    {"revenue", FS_COL_INT, NULL},   {"margin", FS_COL_INT, NULL},
    {"revenue_n", FS_COL_NUM, NULL}, {"margin_n", FS_COL_NUM, NULL},
    {"growth", FS_COL_INT, NULL},    {"payment", FS_COL_INT, NULL},
    {"credit", FS_COL_INT, NULL},    {"strategic", FS_COL_INT, NULL},
    {"score", FS_COL_NUM, NULL},     {"share", FS_COL_PCT, NULL},
    {"cum_share", FS_COL_PCT, NULL}, {"key", FS_COL_TEXT, NULL},
    {"tier", FS_COL_TEXT, NULL}};

#define PARETO_SHARE 0.80
#define TIER_DIAMOND 0.20
#define TIER_GOLD 0.50

/* The summary section and the first `top` customers by score (cs in score
 * order; n of them, revenue total, nkey key accounts holding keyrev, ntier
 * per tier). */
static int sections(rpt *r, const rcust *cs, size_t n, double total, double keyrev,
                    size_t nkey, const size_t *ntier) {
  size_t top;
  int rc = 0;
  rsec *s;

  s = fs__rpt_row(
      fs__rpt_sec(r, "summary", "Key customers (80% of revenue)", rank_summary_cols, 7));
  if (s == NULL)
    return FS_ENOMEM;
  fs__rpt_int(s, 0, (int64_t)n);
  fs__rpt_int(s, 1, (int64_t)total);
  fs__rpt_int(s, 2, (int64_t)nkey);
  fs__rpt_num(s, 3, total > 0 ? 100.0 * keyrev / total : 0.0);
  fs__rpt_int(s, 4, (int64_t)ntier[1]);
  fs__rpt_int(s, 5, (int64_t)ntier[2]);
  fs__rpt_int(s, 6, (int64_t)ntier[3]);
  s = fs__rpt_sec(r, "ranking", "Ranking by weighted score", rank_cols, 17);
  /* Narrow terminal: the score's components go first, the rank, the
   * customer, its score and tier stay. */
  fs__rpt_drop(s,
               (const int[17]){0, 0, 0, 8, 7, 9, 16, 15, 14, 13, 12, 11, 0, 6, 10, 5, 0});
  top = r->p->top < 0 ? n : (size_t)(r->p->top ? r->p->top : FS_REPORT_TOP_DEFAULT);
  for (size_t i = 0; i < n && i < top && rc == 0; i++) {
    const rcust *c = &cs[i];
    rsec *row = fs__rpt_row(s);
    if (row == NULL) {
      rc = FS_ENOMEM;
      break;
    }
    fs__rpt_int(row, 0, (int64_t)i + 1);
    rc = fs__rpt_text(row, 1, c->archive_no);
    if (rc == 0)
      rc = fs__rpt_text(row, 2, c->name);
    if (rc == 0)
      rc = fs__rpt_text(row, 3, c->owner);
    fs__rpt_int(row, 4, c->v[FS_RC_REVENUE]);
    fs__rpt_int(row, 5, c->v[FS_RC_MARGIN]);
    fs__rpt_num(row, 6, c->comp[FS_RC_REVENUE]);
    fs__rpt_num(row, 7, c->comp[FS_RC_MARGIN]);
    for (int k = FS_RC_GROWTH; k < FS_RC__COUNT; k++)
      fs__rpt_int(row, 8 + k - FS_RC_GROWTH, c->v[k]);
    fs__rpt_num(row, 12, c->score);
    fs__rpt_num(row, 13, c->share);
    fs__rpt_num(row, 14, c->cum);
    if (rc == 0)
      rc = fs__rpt_text(row, 15, c->key ? "yes" : "no");
    if (rc == 0)
      rc = fs__rpt_text(row, 16, fs__tiers[c->tier]);
  }
  return rc;
}

int fs__rpt_ranking(rpt *r) {
  char own[OWN_MAX], sql[8192];
  sqlite3_stmt *st = NULL;
  rcust *cs = NULL;
  size_t n = 0, cap = 0, nkey = 0, ntier[4] = {0};
  int64_t max[2] = {0, 0};
  double total = 0, wsum = 0, cum = 0, keyrev = 0;
  int src, rc;

  for (int i = 0; i < FS_RC__COUNT; i++)
    wsum += r->w.w[i];
  fs__rpt_owners(r, "owner", own, sizeof(own));
  snprintf(sql, sizeof(sql),
           "SELECT id, owner, archive_no, name, revenue, coalesce(margin, 0),"
           " coalesce(growth, 0), coalesce(payment, 0), coalesce(credit, 0),"
           " coalesce(strategic, 0) FROM customers"
           " WHERE deleted = 0 AND coalesce(grade, '') <> 'lost' AND revenue > 0%s",
           own);
  rc = fs__rpt_prep(r, sql, &st);
  if (rc)
    goto out;
  while ((src = sqlite3_step(st)) == SQLITE_ROW) {
    rcust *c;
    if (n == cap) {
      size_t nc = cap ? cap * 2 : 256;
      rcust *p = realloc(cs, nc * sizeof(*p));
      if (p == NULL) {
        rc = FS_ENOMEM;
        goto out;
      }
      cs = p;
      cap = nc;
    }
    c = &cs[n++];
    memset(c, 0, sizeof(*c));
    snprintf(c->id, sizeof(c->id), "%s", col_text(st, 0));
    snprintf(c->owner, sizeof(c->owner), "%s", col_text(st, 1));
    if (col_text(st, 2) && (c->archive_no = strdup(col_text(st, 2))) == NULL)
      rc = FS_ENOMEM;
    if (col_text(st, 3) && (c->name = strdup(col_text(st, 3))) == NULL)
      rc = FS_ENOMEM;
    if (rc)
      goto out;
    for (int i = 0; i < FS_RC__COUNT; i++)
      c->v[i] = sqlite3_column_int64(st, 4 + i);
    for (int i = 0; i < 2; i++)
      if (c->v[i] > max[i])
        max[i] = c->v[i];
    total += (double)c->v[FS_RC_REVENUE];
  }
  rc = fs__rpt_step_end(r, src);
  if (rc)
    goto out;
  /* Components and score. */
  for (size_t i = 0; i < n; i++) {
    rcust *c = &cs[i];
    c->score = 0;
    for (int k = 0; k < FS_RC__COUNT; k++) {
      if (k < 2)
        c->comp[k] = max[k] > 0 ? 100.0 * (double)c->v[k] / (double)max[k] : 0.0;
      else
        c->comp[k] = (double)c->v[k];
      c->score += r->w.w[k] * c->comp[k];
    }
    c->score /= wsum;
  }
  /* Pareto in revenue order. */
  if (n > 1)
    qsort(cs, n, sizeof(*cs), by_revenue);
  for (size_t i = 0; i < n; i++) {
    int was_below = cum < PARETO_SHARE * total;
    cs[i].share = 100.0 * (double)cs[i].v[FS_RC_REVENUE] / total;
    cum += (double)cs[i].v[FS_RC_REVENUE];
    cs[i].cum = 100.0 * cum / total;
    cs[i].key = was_below;
    if (was_below) {
      nkey++;
      keyrev += (double)cs[i].v[FS_RC_REVENUE];
    }
  }
  /* Tiers among key accounts in score order. */
  if (n > 1)
    qsort(cs, n, sizeof(*cs), by_score);
  {
    size_t p = 0, nd = (size_t)ceil((double)nkey * TIER_DIAMOND),
           ng = (size_t)ceil((double)nkey * TIER_GOLD);
    for (size_t i = 0; i < n; i++) {
      if (!cs[i].key)
        continue;
      p++;
      cs[i].tier = p <= nd ? 1 : p <= ng ? 2 : 3;
      ntier[cs[i].tier]++;
    }
  }
  rc = sections(r, cs, n, total, keyrev, nkey, ntier);
out:
  sqlite3_finalize(st);
  for (size_t i = 0; i < n; i++) {
    free(cs[i].archive_no);
    free(cs[i].name);
  }
  free(cs);
  return rc;
}
