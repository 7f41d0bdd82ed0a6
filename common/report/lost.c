/* lost.c - the lost report: lost sales by reason, competitor, rep and
 * month, and the reviews awaiting the manager (report.h "lost"). */
#include "report_int.h"

#include <stdio.h>

static const fs_col lost_summary_cols[] = {{"lost", FS_COL_INT, NULL},
                                           {"confirmed", FS_COL_INT, NULL},
                                           {"pending", FS_COL_INT, NULL},
                                           {"awaiting_review", FS_COL_INT, NULL},
                                           {"listed", FS_COL_INT, NULL}};
static const fs_col lost_reason_cols[] = {{"reason", FS_COL_TEXT, NULL},
                                          {"lost", FS_COL_INT, NULL},
                                          {"confirmed", FS_COL_INT, NULL},
                                          {"pending", FS_COL_INT, NULL}};
static const fs_col lost_comp_cols[] = {{"competitor", FS_COL_TEXT, NULL},
                                        {"lost", FS_COL_INT, NULL},
                                        {"confirmed", FS_COL_INT, NULL},
                                        {"pending", FS_COL_INT, NULL}};
static const fs_col lost_rep_cols[] = {{"rep", FS_COL_TEXT, NULL},
                                       {"lost", FS_COL_INT, NULL},
                                       {"confirmed", FS_COL_INT, NULL},
                                       {"pending", FS_COL_INT, NULL}};
static const fs_col lost_month_cols[] = {{"month", FS_COL_TEXT, NULL},
                                         {"lost", FS_COL_INT, NULL},
                                         {"confirmed", FS_COL_INT, NULL},
                                         {"pending", FS_COL_INT, NULL}};
static const fs_col lost_class_cols[] = {{"class", FS_COL_TEXT, NULL},
                                         {"lost_sales", FS_COL_INT, NULL},
                                         {"confirmed", FS_COL_INT, NULL},
                                         {"pending", FS_COL_INT, NULL},
                                         {"lost_opportunities", FS_COL_INT, NULL},
                                         {"opportunity_amount", FS_COL_MONEY, NULL}};
static const fs_col lost_opp_cols[] = {{"closed", FS_COL_TEXT, NULL},
                                       {"rep", FS_COL_TEXT, NULL},
                                       {"archive_no", FS_COL_TEXT, NULL},
                                       {"title", FS_COL_TEXT, NULL},
                                       {"class", FS_COL_TEXT, NULL},
                                       {"reason", FS_COL_TEXT, NULL},
                                       {"amount", FS_COL_MONEY, NULL}};
static const fs_col lost_pending_cols[] = {
    {"lost_date", FS_COL_TEXT, NULL},  {"rep", FS_COL_TEXT, NULL},
    {"archive_no", FS_COL_TEXT, NULL}, {"customer", FS_COL_TEXT, NULL},
    {"reason", FS_COL_TEXT, NULL},     {"competitor", FS_COL_TEXT, NULL}};

int fs__rpt_lost(rpt *r) {
  static const struct {
    const char *name, *title, *expr;
    const fs_col *cols;
  } groups[] = {
      {"reasons", "Lost sales by reason", "reason", lost_reason_cols},
      {"competitors", "Lost sales by competitor",
       "coalesce(nullif(trim(competitor), ''), '(none)')", lost_comp_cols},
      {"reps", "Lost sales by rep", "author", lost_rep_cols},
      {"months", "Lost sales by month", "substr(lost_date, 1, 7)", lost_month_cols},
  };
  char own[OWN_MAX], sql[8192];
  int rc;
  rsec *s;

  fs__rpt_owners(r, "l.author", own, sizeof(own));
  s = fs__rpt_sec(r, "summary", "Lost sales in the period", lost_summary_cols, 5);
  snprintf(sql, sizeof(sql),
           "SELECT count(*), coalesce(sum(coalesce(confirmed, 0) = 1), 0), "
           "coalesce(sum(coalesce(confirmed, 0) <> 1), 0),"
           " (SELECT count(*) FROM lost_reviews l WHERE l.deleted = 0"
           "   AND coalesce(l.confirmed, 0) <> 1 AND l.reviewed_by IS NULL"
           "   AND l.lost_date <= :to%s),"
           " (SELECT min(count(*), %d) FROM lost_reviews l WHERE l.deleted = 0"
           "   AND coalesce(l.confirmed, 0) <> 1 AND l.reviewed_by IS NULL"
           "   AND l.lost_date <= :to%s)"
           " FROM lost_reviews l WHERE l.deleted = 0 AND l.lost_date >= :from"
           " AND l.lost_date <= :to%s",
           own, FS_REPORT_LIST_MAX, own, own);
  rc = fs__rpt_fill(r, s, sql);
  for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]) && rc == 0; i++) {
    s = fs__rpt_sec(r, groups[i].name, groups[i].title, groups[i].cols, 4);
    snprintf(sql, sizeof(sql),
             "SELECT %s AS k, count(*), sum(coalesce(confirmed, 0) = 1), "
             "sum(coalesce(confirmed, 0) <> 1)"
             " FROM lost_reviews l WHERE l.deleted = 0 AND l.lost_date >= :from"
             " AND l.lost_date <= :to%s GROUP BY k ORDER BY %s",
             groups[i].expr, own, i >= 2 ? "k" : "count(*) DESC, k");
    rc = fs__rpt_fill(r, s, sql);
  }
  if (rc)
    return rc;
  /* Issue 14: lost sales and lost opportunities by the class of their
   * reason; records without one are "unclassified". */
  {
    char own_o[OWN_MAX];
    fs__rpt_owners(r, "o.author", own_o, sizeof(own_o));
    s = fs__rpt_sec(r, "classes", "Lost sales and opportunities by reason class",
                    lost_class_cols, 6);
    snprintf(sql, sizeof(sql),
             "SELECT k, sum(sale), sum(conf), sum(pend), sum(opp), sum(amt) FROM ("
             " SELECT coalesce(l.reason_class, 'unclassified') AS k, 1 AS sale,"
             "  coalesce(l.confirmed, 0) = 1 AS conf, coalesce(l.confirmed, 0) <> 1 AS pend,"
             "  0 AS opp, 0 AS amt"
             " FROM lost_reviews l WHERE l.deleted = 0 AND l.lost_date >= :from"
             "  AND l.lost_date <= :to%s"
             " UNION ALL SELECT coalesce(o.lost_class, 'unclassified'), 0, 0, 0, 1,"
             "  coalesce(o.amount, 0)"
             " FROM opportunities o WHERE o.deleted = 0 AND o.status = 'lost'"
             "  AND o.closed >= :from AND o.closed <= :to%s)"
             " GROUP BY k ORDER BY sum(sale) + sum(opp) DESC, k",
             own, own_o);
    rc = fs__rpt_fill(r, s, sql);
    if (rc)
      return rc;
    s = fs__rpt_sec(r, "opportunities", "Opportunities lost in the period, with their reason",
                    lost_opp_cols, 7);
    snprintf(sql, sizeof(sql),
             "SELECT o.closed, o.author, c.archive_no, o.title,"
             " coalesce(o.lost_class, 'unclassified'), o.lost_reason, o.amount"
             " FROM opportunities o LEFT JOIN customers c ON c.id = o.customer_id"
             " WHERE o.deleted = 0 AND o.status = 'lost' AND o.closed >= :from"
             " AND o.closed <= :to%s ORDER BY o.closed, o.id LIMIT %d",
             own_o, FS_REPORT_LIST_MAX);
    rc = fs__rpt_fill(r, s, sql);
    if (rc)
      return rc;
  }
  s = fs__rpt_sec(r, "pending", "Awaiting the manager's review (up to --to)",
                  lost_pending_cols, 6);
  snprintf(
      sql, sizeof(sql),
      "SELECT l.lost_date, l.author, c.archive_no, c.name, l.reason, l.competitor"
      " FROM lost_reviews l LEFT JOIN customers c ON c.id = l.customer_id"
      " WHERE l.deleted = 0 AND coalesce(l.confirmed, 0) <> 1 AND l.reviewed_by IS NULL"
      " AND l.lost_date <= :to%s ORDER BY l.lost_date, l.id LIMIT %d",
      own, FS_REPORT_LIST_MAX);
  return fs__rpt_fill(r, s, sql);
}
