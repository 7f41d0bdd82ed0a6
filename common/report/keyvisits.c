/* keyvisits.c - the keyvisits report (issue 14): key accounts are visited
 * by supervisor-level staff (大客户开发主管级以上人员实施).  A visit is
 * supervisor-level when its author's role is manager or admin (the staff
 * table; FS_RPT_STAFF_SQL on a replica): derived from who recorded it,
 * never a field a device could claim (report.h "keyvisits"). */
#include "report_int.h"

#include <stdio.h>

#include "fs_errno.h"

static const fs_col account_cols[] = {{"rep", FS_COL_TEXT, NULL},
                                      {"archive_no", FS_COL_TEXT, NULL},
                                      {"customer", FS_COL_TEXT, NULL},
                                      {"visits", FS_COL_INT, NULL},
                                      {"by_supervisors", FS_COL_INT, NULL},
                                      {"supervisors", FS_COL_TEXT, NULL},
                                      {"last_by_supervisor", FS_COL_TEXT, NULL}};
static const fs_col sup_cols[] = {{"supervisor", FS_COL_TEXT, NULL},
                                  {"key_accounts", FS_COL_INT, NULL},
                                  {"visits", FS_COL_INT, NULL}};

/* kv: the key-account visits up to the end of --to (a visit flagged
 * key_account, or any visit of a card that is a key account now) with the
 * day, whether its author is supervisor-level, the card and its owner;
 * deleted cards and visits do not count. */
#define KV_CTE                                                                           \
  "WITH st(code, role, manager) AS (" FS_RPT_STAFF_SQL "),"                              \
  " kv AS (SELECT v.customer_id AS cid, v.author AS author, substr(v.at, 1, 10) AS d,"   \
  "  v.author IN (SELECT code FROM st WHERE role IN ('manager', 'admin')) AS sup,"       \
  "  c.owner AS owner FROM visits v JOIN customers c ON c.id = v.customer_id"            \
  "  WHERE v.deleted = 0 AND c.deleted = 0 AND v.at < :to1"                              \
  "  AND (v.key_account = 1 OR c.key_account = 1))"

int fs__rpt_key_visits(rpt *r) {
  char own[OWN_MAX], own2[OWN_MAX], sql[2 * OWN_MAX + 8192];
  int rc;

  fs__rpt_owners(r, "c.owner", own, sizeof(own));
  fs__rpt_owners(r, "owner", own2, sizeof(own2));
  /* Per key account: every card that is a key account now, and any other
   * with a flagged visit in the period. */
  snprintf(sql, sizeof(sql),
           KV_CTE
           " SELECT c.owner, c.archive_no, c.name,"
           " (SELECT count(*) FROM kv WHERE kv.cid = c.id AND kv.d >= :from),"
           " (SELECT count(*) FROM kv WHERE kv.cid = c.id AND kv.d >= :from"
           "  AND kv.sup),"
           " (SELECT group_concat(author, ',') FROM (SELECT DISTINCT author FROM kv"
           "  WHERE kv.cid = c.id AND kv.d >= :from AND kv.sup ORDER BY author)),"
           " (SELECT max(d) FROM kv WHERE kv.cid = c.id AND kv.sup)"
           " FROM customers c WHERE c.deleted = 0 AND (c.key_account = 1 OR EXISTS"
           " (SELECT 1 FROM kv WHERE kv.cid = c.id AND kv.d >= :from))%s"
           " ORDER BY c.owner, c.archive_no, c.id LIMIT %d",
           own, FS_REPORT_LIST_MAX);
  rc = fs__rpt_fill(r,
                    fs__rpt_sec(r, "key_accounts",
                                "Key accounts and their visits by supervisor-level staff "
                                "(大客户开发主管级以上人员实施)",
                                account_cols, 7),
                    sql);
  if (rc)
    return rc;
  /* Per supervisor (author manager or admin), then "*". */
  snprintf(sql, sizeof(sql),
           KV_CTE " SELECT * FROM (SELECT author, count(DISTINCT cid), count(*) FROM kv"
                  " WHERE sup AND d >= :from%s GROUP BY author ORDER BY author)"
                  " UNION ALL SELECT '*', count(DISTINCT cid), count(*) FROM kv"
                  " WHERE sup AND d >= :from%s",
           own2, own2);
  return fs__rpt_fill(
      r, fs__rpt_sec(r, "supervisors", "Key-account visits per supervisor", sup_cols, 3),
      sql);
}
