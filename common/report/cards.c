/* cards.c - the cards report (issue 14, smaller gaps): the upkeep of the
 * customer cards a manager controls - delivered cards filed by licence
 * month (按领照月份归档) with their vehicles, the delivered cards that do
 * not reconcile, the cards nobody verified for N days (动态管理) and the
 * deletion requests awaiting the manager (report.h "cards"). */
#include "report_int.h"

#include <stdio.h>

#include "fs_errno.h"

static const fs_col summary_cols[] = {
    {"open_cards", FS_COL_INT, NULL},     {"stale", FS_COL_INT, NULL},
    {"never_verified", FS_COL_INT, NULL}, {"delivered", FS_COL_INT, NULL},
    {"unfiled", FS_COL_INT, NULL},        {"units", FS_COL_INT, NULL},
    {"delete_requests", FS_COL_INT, NULL}};
static const fs_col month_cols[] = {{"month", FS_COL_TEXT, NULL},
                                    {"cards", FS_COL_INT, NULL},
                                    {"units", FS_COL_INT, NULL},
                                    {"without_units", FS_COL_INT, NULL}};
static const fs_col filed_cols[] = {
    {"month", FS_COL_TEXT, NULL},         {"rep", FS_COL_TEXT, NULL},
    {"archive_no", FS_COL_TEXT, NULL},    {"customer", FS_COL_TEXT, NULL},
    {"delivery_date", FS_COL_TEXT, NULL}, {"licence_date", FS_COL_TEXT, NULL},
    {"units", FS_COL_INT, NULL}};
static const fs_col check_cols[] = {
    {"rep", FS_COL_TEXT, NULL},           {"archive_no", FS_COL_TEXT, NULL},
    {"customer", FS_COL_TEXT, NULL},      {"grade", FS_COL_TEXT, NULL},
    {"delivery_date", FS_COL_TEXT, NULL}, {"licence_date", FS_COL_TEXT, NULL},
    {"units", FS_COL_INT, NULL},          {"problem", FS_COL_TEXT, NULL}};
static const fs_col stale_cols[] = {{"rep", FS_COL_TEXT, NULL},
                                    {"archive_no", FS_COL_TEXT, NULL},
                                    {"customer", FS_COL_TEXT, NULL},
                                    {"grade", FS_COL_TEXT, NULL},
                                    {"last_verified", FS_COL_TEXT, NULL},
                                    {"since", FS_COL_TEXT, NULL},
                                    {"days", FS_COL_INT, NULL}};
static const fs_col delreq_cols[] = {
    {"requested", FS_COL_TEXT, NULL},  {"rep", FS_COL_TEXT, NULL},
    {"archive_no", FS_COL_TEXT, NULL}, {"customer", FS_COL_TEXT, NULL},
    {"grade", FS_COL_TEXT, NULL},      {"visits", FS_COL_INT, NULL}};

/* The problems of a card with the service part (report.h "cards"). */
#define PROBLEM_SQL                                                                      \
  "rtrim(CASE WHEN grade = 'delivered' AND licence_date IS NULL"                         \
  "  THEN 'no licence date (not filed); ' ELSE '' END ||"                                \
  " CASE WHEN grade = 'delivered' AND units_delivered IS NULL"                           \
  "  THEN 'units delivered missing (counted as 1); ' ELSE '' END ||"                     \
  " CASE WHEN (grade IS NULL OR grade <> 'delivered') AND"                               \
  "  (licence_date IS NOT NULL OR units_delivered IS NOT NULL)"                          \
  "  THEN 'licence date or units on a card not delivered; ' ELSE '' END, '; ')"

/* The day a card's data was last known good: its last verification, else
 * the day it was opened (NULL: neither). */
#define VERIFIED_SQL "coalesce(last_verified, created)"

int fs__rpt_cards(rpt *r) {
  char own[OWN_MAX], sql[8 * OWN_MAX + 4096];
  int stale = r->p->stale_days > 0 ? r->p->stale_days : FS_REPORT_STALE_DAYS;
  int rc;

  fs__rpt_owners(r, "owner", own, sizeof(own));
  /* "Stale" (动态管理): an open card (not lost) whose data was last known
   * good more than `stale` days before --to, or never. */
#define STALE_WHERE                                                                      \
  "deleted = 0 AND grade IS NOT NULL AND grade <> 'lost' AND (" VERIFIED_SQL             \
  " IS NULL OR julianday(:to) - julianday(" VERIFIED_SQL ") > %d)"
  snprintf(
      sql, sizeof(sql),
      "SELECT"
      " (SELECT count(*) FROM customers WHERE deleted = 0 AND grade IS NOT NULL"
      "  AND grade <> 'lost'%s),"
      " (SELECT count(*) FROM customers WHERE " STALE_WHERE "%s),"
      " (SELECT count(*) FROM customers WHERE deleted = 0 AND grade IS NOT NULL"
      "  AND grade <> 'lost' AND last_verified IS NULL%s),"
      " (SELECT count(*) FROM customers WHERE deleted = 0 AND grade = 'delivered'%s),"
      " (SELECT count(*) FROM customers WHERE deleted = 0 AND grade = 'delivered'"
      "  AND licence_date IS NULL%s),"
      " (SELECT coalesce(sum(coalesce(units_delivered, 1)), 0) FROM customers"
      "  WHERE deleted = 0 AND grade = 'delivered'%s),"
      " (SELECT count(*) FROM customers WHERE deleted = 0 AND delete_requested IS NOT"
      "  NULL AND delete_requested <= :to%s)",
      own, stale, own, own, own, own, own, own);
  rc = fs__rpt_fill(r, fs__rpt_sec(r, "summary", "Cards to keep up", summary_cols, 7),
                    sql);
  /* 按领照月份归档: delivered cards by the month of their licence-plate
   * date in the period; a card without units counts as one vehicle. */
  if (rc == 0) {
    snprintf(
        sql, sizeof(sql),
        "SELECT * FROM (SELECT substr(licence_date, 1, 7) AS m, count(*),"
        " sum(coalesce(units_delivered, 1)), sum(units_delivered IS NULL)"
        " FROM customers WHERE deleted = 0 AND grade = 'delivered'"
        " AND licence_date >= :from AND licence_date <= :to%s GROUP BY m ORDER BY m)"
        " UNION ALL SELECT '*', count(*), coalesce(sum(coalesce(units_delivered, 1)),"
        " 0), coalesce(sum(units_delivered IS NULL), 0) FROM customers"
        " WHERE deleted = 0 AND grade = 'delivered' AND licence_date >= :from"
        " AND licence_date <= :to%s",
        own, own);
    rc = fs__rpt_fill(r,
                      fs__rpt_sec(r, "licence_months",
                                  "Delivered cards by licence month (按领照月份归档)",
                                  month_cols, 4),
                      sql);
  }
  /* The cards themselves, filed under their licence month. */
  if (rc == 0) {
    snprintf(
        sql, sizeof(sql),
        "SELECT substr(licence_date, 1, 7), owner, archive_no, name, delivery_date,"
        " licence_date, units_delivered FROM customers WHERE deleted = 0"
        " AND grade = 'delivered' AND licence_date >= :from AND licence_date <= :to%s"
        " ORDER BY licence_date, archive_no, id LIMIT %d",
        own, FS_REPORT_LIST_MAX);
    rc = fs__rpt_fill(
        r,
        fs__rpt_sec(r, "filed", "Delivered cards filed by licence month", filed_cols, 7),
        sql);
  }
  if (rc == 0) {
    snprintf(
        sql, sizeof(sql),
        "SELECT owner, archive_no, name, grade, delivery_date, licence_date,"
        " units_delivered, p FROM (SELECT *, " PROBLEM_SQL " AS p FROM customers"
        " WHERE deleted = 0%s) WHERE p <> '' ORDER BY owner, archive_no, id LIMIT %d",
        own, FS_REPORT_LIST_MAX);
    rc = fs__rpt_fill(
        r,
        fs__rpt_sec(r, "delivery_checks",
                    "Delivered cards that do not reconcile with the vehicles", check_cols,
                    8),
        sql);
  }
  if (rc == 0) {
    char title[96];
    snprintf(title, sizeof(title), "Cards not verified for more than %d days (动态管理)",
             stale);
    snprintf(sql, sizeof(sql),
             "SELECT owner, archive_no, name, grade, last_verified, " VERIFIED_SQL ","
             " CAST(julianday(:to) - julianday(" VERIFIED_SQL ") AS INTEGER)"
             " FROM customers WHERE " STALE_WHERE "%s"
             " ORDER BY " VERIFIED_SQL " IS NOT NULL, " VERIFIED_SQL
             ", owner, archive_no, id"
             " LIMIT %d",
             stale, own, FS_REPORT_LIST_MAX);
    rc = fs__rpt_fill(r, fs__rpt_sec(r, "stale", title, stale_cols, 7), sql);
  }
  /* Deletion requests awaiting the manager (issue 14): asked for by --to,
   * older ones too (they still wait). */
  if (rc == 0) {
    fs__rpt_owners(r, "c.owner", own, sizeof(own));
    snprintf(
        sql, sizeof(sql),
        "SELECT c.delete_requested, c.owner, c.archive_no, c.name, c.grade,"
        " (SELECT count(*) FROM visits v WHERE v.customer_id = c.id AND v.deleted = 0)"
        " FROM customers c WHERE c.deleted = 0 AND c.delete_requested IS NOT NULL"
        " AND c.delete_requested <= :to%s"
        " ORDER BY c.delete_requested, c.owner, c.archive_no, c.id LIMIT %d",
        own, FS_REPORT_LIST_MAX);
    rc = fs__rpt_fill(r,
                      fs__rpt_sec(r, "delete_requests",
                                  "Deletion requests awaiting the manager", delreq_cols,
                                  6),
                      sql);
  }
#undef STALE_WHERE
  return rc;
}
