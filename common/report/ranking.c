/* ranking.c - the ranking report: key customers by the composite score
 * over all customers, their tier by the setting's cut-offs, the Pareto
 * view beside it, and what the cards store (report.h "ranking"). */
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
  int tier;                      /* the report's: index into fs__tiers, 0 none */
  int card_tier, card_key, over; /* stored on the card */
  int from_card;                 /* no sales history: the card's revenue, margin */
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

/* What the summary counts. */
typedef struct rsum {
  size_t n, prospects, nkey, ntier[4], pareto, overrides, to_apply, from_card;
  double total, keyrev;
} rsum;

static const fs_col rank_summary_cols[] = {
    {"customers", FS_COL_INT, NULL}, {"prospects", FS_COL_INT, NULL},
    {"revenue", FS_COL_MONEY, NULL},   {"key_accounts", FS_COL_INT, NULL},
    {"key_share", FS_COL_PCT, NULL}, {"diamond", FS_COL_INT, NULL},
    {"gold", FS_COL_INT, NULL},      {"silver", FS_COL_INT, NULL},
    {"pareto_80", FS_COL_INT, NULL}, {"overrides", FS_COL_INT, NULL},
    {"to_apply", FS_COL_INT, NULL},  {"from_card", FS_COL_INT, NULL}};
static const fs_col rank_cols[] = {
    {"rank", FS_COL_INT, NULL},      {"archive_no", FS_COL_TEXT, NULL},
    {"name", FS_COL_TEXT, NULL},     {"owner", FS_COL_TEXT, NULL},
    {"revenue", FS_COL_MONEY, NULL},   {"margin", FS_COL_MONEY, NULL},
    {"revenue_n", FS_COL_NUM, NULL}, {"margin_n", FS_COL_NUM, NULL},
    {"growth", FS_COL_INT, NULL},    {"payment", FS_COL_INT, NULL},
    {"credit", FS_COL_INT, NULL},    {"strategic", FS_COL_INT, NULL},
    {"score", FS_COL_NUM, NULL},     {"share", FS_COL_PCT, NULL},
    {"cum_share", FS_COL_PCT, NULL}, {"key", FS_COL_TEXT, NULL},
    {"tier", FS_COL_TEXT, NULL},     {"card_tier", FS_COL_TEXT, NULL},
    {"override", FS_COL_TEXT, NULL}, {"source", FS_COL_TEXT, NULL}};
#define NRANK_COLS ((int)(sizeof(rank_cols) / sizeof(rank_cols[0])))

#define PARETO_SHARE 0.80

static int summary(rpt *r, const rsum *m) {
  rsec *s = fs__rpt_row(fs__rpt_sec(r, "summary", "Key customers by composite score",
                                    rank_summary_cols, 12));
  if (s == NULL)
    return FS_ENOMEM;
  fs__rpt_int(s, 0, (int64_t)m->n);
  fs__rpt_int(s, 1, (int64_t)m->prospects);
  fs__rpt_int(s, 2, (int64_t)m->total);
  fs__rpt_int(s, 3, (int64_t)m->nkey);
  fs__rpt_num(s, 4, m->total > 0 ? 100.0 * m->keyrev / m->total : 0.0);
  for (int t = 1; t <= 3; t++)
    fs__rpt_int(s, 4 + t, (int64_t)m->ntier[t]);
  fs__rpt_int(s, 8, (int64_t)m->pareto);
  fs__rpt_int(s, 9, (int64_t)m->overrides);
  fs__rpt_int(s, 10, (int64_t)m->to_apply);
  fs__rpt_int(s, 11, (int64_t)m->from_card);
  return 0;
}

/* The first `top` customers by score (cs in score order, n of them). */
static int ranking(rpt *r, const rcust *cs, size_t n) {
  rsec *s =
      fs__rpt_sec(r, "ranking", "Ranking by composite score", rank_cols, NRANK_COLS);
  size_t top =
      r->p->top < 0 ? n : (size_t)(r->p->top ? r->p->top : FS_REPORT_TOP_DEFAULT);
  int rc = 0;

  for (size_t i = 0; i < n && i < top && rc == 0; i++) {
    const rcust *c = &cs[i];
    rsec *row = fs__rpt_row(s);
    if (row == NULL)
      return FS_ENOMEM;
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
      rc = fs__rpt_text(row, 15, c->tier ? "yes" : "no");
    if (rc == 0)
      rc = fs__rpt_text(row, 16, fs__tiers[c->tier]);
    if (rc == 0)
      rc = fs__rpt_text(row, 17, fs__tiers[c->card_tier]);
    if (rc == 0)
      rc = fs__rpt_text(row, 18, c->over ? "yes" : "no");
    if (rc == 0)
      rc = fs__rpt_text(row, 19, c->from_card ? "card" : "history");
  }
  return rc;
}

/* Reads the set into *cs (*n of them), with the maxima of revenue and
 * margin. */
static int load(rpt *r, rcust **cs, size_t *n, int64_t max[2]) {
  char own[OWN_MAX], sql[8192];
  sqlite3_stmt *st = NULL;
  size_t cap = 0;
  int src = SQLITE_DONE, rc;

  fs__rpt_owners(r, "c.owner", own, sizeof(own));
  /* Revenue and margin: the months of the sales history whose first day
   * lies in [first of --from's month, --to]; a card without any history
   * counts its own fields (report.h "ranking"). */
  snprintf(
      sql, sizeof(sql),
      "SELECT c.id, c.owner, c.archive_no, c.name,"
      " CASE WHEN h.n IS NULL THEN coalesce(c.revenue, 0) ELSE h.rev END,"
      " CASE WHEN h.n IS NULL THEN coalesce(c.margin, 0) ELSE h.mar END,"
      " coalesce(c.growth, 0), coalesce(c.payment, 0), coalesce(c.credit, 0),"
      " coalesce(c.strategic, 0), coalesce(c.tier, 'none'), coalesce(c.key_account, 0),"
      " coalesce(c.tier_override, 0), h.n IS NULL FROM customers c LEFT JOIN"
      " (SELECT customer_id, count(*) AS n,"
      "  total(CASE WHEN period >= date(:from, 'start of month') AND period <= :to"
      "   THEN coalesce(revenue, 0) END) AS rev,"
      "  total(CASE WHEN period >= date(:from, 'start of month') AND period <= :to"
      "   THEN coalesce(margin, 0) END) AS mar"
      "  FROM sales_periods WHERE deleted = 0 GROUP BY customer_id) h"
      " ON h.customer_id = c.id"
      " WHERE c.deleted = 0 AND coalesce(c.grade, '') <> 'lost'%s",
      own);
  rc = fs__rpt_prep(r, sql, &st);
  while (rc == 0 && (src = sqlite3_step(st)) == SQLITE_ROW) {
    rcust *c;
    int t;
    rc = fs__rpt_grow(cs, &cap, *n, sizeof(**cs), 256);
    if (rc)
      break;
    c = &(*cs)[(*n)++];
    memset(c, 0, sizeof(*c));
    snprintf(c->id, sizeof(c->id), "%s", col_text(st, 0));
    snprintf(c->owner, sizeof(c->owner), "%s", col_text(st, 1));
    if (col_text(st, 2) && (c->archive_no = strdup(col_text(st, 2))) == NULL)
      rc = FS_ENOMEM;
    if (col_text(st, 3) && (c->name = strdup(col_text(st, 3))) == NULL)
      rc = FS_ENOMEM;
    for (int i = 0; i < FS_RC__COUNT; i++)
      c->v[i] = sqlite3_column_int64(st, 4 + i);
    for (int i = 0; i < 2; i++)
      if (c->v[i] > max[i])
        max[i] = c->v[i];
    t = fs__enum_index(fs__tiers, col_text(st, 10));
    c->card_tier = t > 0 ? t : 0;
    c->card_key = sqlite3_column_int(st, 11) != 0;
    c->over = sqlite3_column_int(st, 12) != 0;
    c->from_card = sqlite3_column_int(st, 13) != 0;
  }
  if (rc == 0)
    rc = fs__rpt_step_end(r, src);
  sqlite3_finalize(st);
  return rc;
}

/* Components, score (rounded to what is shown), tier; m counts. */
static void score(rpt *r, rcust *cs, size_t n, const int64_t max[2], rsum *m) {
  double wsum = 0;

  for (int i = 0; i < FS_RC__COUNT; i++)
    wsum += r->sc.w.w[i];
  for (size_t i = 0; i < n; i++) {
    rcust *c = &cs[i];
    double sc = 0;
    for (int k = 0; k < FS_RC__COUNT; k++) {
      if (k < 2) /* a loss-making margin scores 0, not below */
        c->comp[k] =
            max[k] > 0 && c->v[k] > 0 ? 100.0 * (double)c->v[k] / (double)max[k] : 0.0;
      else
        c->comp[k] = (double)c->v[k];
      sc += r->sc.w.w[k] * c->comp[k];
    }
    c->score = round(sc / wsum * 100.0) / 100.0;
    c->tier = c->score >= r->sc.cut[0]   ? 1
              : c->score >= r->sc.cut[1] ? 2
              : c->score >= r->sc.cut[2] ? 3
                                         : 0;
    m->total += (double)c->v[FS_RC_REVENUE];
    m->prospects += c->v[FS_RC_REVENUE] == 0;
    m->ntier[c->tier]++;
    if (c->tier) {
      m->nkey++;
      m->keyrev += (double)c->v[FS_RC_REVENUE];
    }
    m->from_card += c->from_card;
    if (c->over)
      m->overrides++;
    else if (c->card_tier != c->tier || c->card_key != (c->tier > 0))
      m->to_apply++;
  }
}

int fs__rpt_ranking(rpt *r) {
  rcust *cs = NULL;
  size_t n = 0;
  int64_t max[2] = {0, 0};
  double cum = 0;
  rsum m;
  int rc;

  memset(&m, 0, sizeof(m));
  rc = load(r, &cs, &n, max);
  if (rc)
    goto out;
  m.n = n;
  score(r, cs, n, max, &m);
  /* Pareto: how many customers by revenue make 80% of it. */
  if (n > 1)
    qsort(cs, n, sizeof(*cs), by_revenue);
  for (size_t i = 0; i < n && m.total > 0 && cum < PARETO_SHARE * m.total; i++) {
    cum += (double)cs[i].v[FS_RC_REVENUE];
    m.pareto++;
  }
  /* Rank by score; shares in that order. */
  if (n > 1)
    qsort(cs, n, sizeof(*cs), by_score);
  cum = 0;
  for (size_t i = 0; i < n; i++) {
    cum += (double)cs[i].v[FS_RC_REVENUE];
    cs[i].share = m.total > 0 ? 100.0 * (double)cs[i].v[FS_RC_REVENUE] / m.total : 0.0;
    cs[i].cum = m.total > 0 ? 100.0 * cum / m.total : 0.0;
  }
  for (size_t i = 0; i < n && r->p->each && rc == 0; i++) {
    const rcust *c = &cs[i];
    fs_rank_row row = {c->id,   c->archive_no, c->name,     c->owner, c->score,
                       c->tier, c->card_tier,  c->card_key, c->over};
    rc = r->p->each(r->p->each_ctx, &row);
  }
  if (rc == 0)
    rc = summary(r, &m);
  if (rc == 0)
    rc = ranking(r, cs, n);
out:
  for (size_t i = 0; i < n; i++) {
    free(cs[i].archive_no);
    free(cs[i].name);
  }
  free(cs);
  return rc;
}
