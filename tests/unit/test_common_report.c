/* test_common_report.c - every number of every report (common/report.h)
 * against a small data set whose answers were worked out by hand (the
 * reasoning is in the comments next to the expected texts), on a central
 * store and on a replica; CSV, JSON and table shapes; owner and team
 * filters; weights files; default periods; errors. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "fs_errno.h"
#include "report.h"
#include "strbuf.h"
#include "table.h"
#include "utf8.h"

#define Z29 "00000000000000000000000000000"
#define ID(p, n) "'" p Z29 n "'"
#define C1 ID("c", "01")
#define C2 ID("c", "02")
#define C3 ID("c", "03")
#define C4 ID("c", "04")
#define C5 ID("c", "05")
#define C6 ID("c", "06")
#define C7 ID("c", "07")
#define C8 ID("c", "08")
#define C9 ID("c", "09")

/* The data set.  Period of most tests: March 2026 (2026-03-01 is a Sunday).
 *
 * customer  owner grade      created     notes
 * C1 Alpha  A01   C (14d)    2026-01-10  visits 02-20, 03-04, 03-25 (+ deleted 03-18)
 * C2 Bravo  A01   A (2d)     2026-03-20  visits 03-20, 03-21 x2, 03-26
 * C3 Charl. A01   O (7d)     2025-12-01  no visits
 * C4 Delta  A02   B (7d)     2026-01-05  visits 02-27, 03-05, 12, 19, 26 (+ 04-01)
 * C5 Echo   A02   delivered  2025-10-01  delivered 2026-01-10, visit 02-25
 * C6 Foxt.  A01   lost       2026-01-01  visit 03-10
 * C7 Golf   B01   C          2026-04-05  (after the period)
 * C8 Hotel  B01   A (2d)     2026-02-01  visits 03-15, 03-30
 * C9 India  A01   A, deleted
 */
static const char *const data_sql[] = {
    "INSERT INTO staff(code, name, role, manager) VALUES ('M01', 'Ma', 'manager', NULL),"
    " ('A01', 'An', 'rep', 'M01'), ('A02', 'Bo', 'rep', 'M01'),"
    " ('M02', 'Mo', 'manager', NULL), ('B01', 'Be', 'rep', 'M02')",

    "INSERT INTO customers(id, owner, author, hlc, deleted, archive_no, name, grade, created,"
    " delivery_date, revenue, margin, growth, payment, credit, strategic) VALUES"
    " (" C1 ", 'A01', 'A01', 1, 0, 'A01-2026-0001', 'Alpha Motors', 'C', '2026-01-10', NULL,"
    "  1000, 200, 50, 80, 70, 20),"
    " (" C2 ", 'A01', 'A01', 1, 0, 'A01-2026-0002', 'Bravo 布拉沃', 'A', '2026-03-20', NULL,"
    "  3000, 300, 40, 60, 60, 40),"
    " (" C3 ", 'A01', 'A01', 1, 0, 'A01-2025-0003', 'Charlie 查理车队', 'O', '2025-12-01', NULL,"
    "  5000, 1000, 90, 90, 90, 90),"
    " (" C4 ", 'A02', 'A02', 1, 0, 'A02-2026-0001', 'Delta 德尔塔', 'B', '2026-01-05', NULL,"
    "  500, 100, 10, 10, 10, 10),"
    " (" C5 ", 'A02', 'A02', 1, 0, 'A02-2025-0001', 'Echo', 'delivered', '2025-10-01',"
    "  '2026-01-10', 500, NULL, NULL, NULL, NULL, NULL),"
    " (" C6 ", 'A01', 'A01', 1, 0, 'A01-2026-0003', 'Foxtrot', 'lost', '2026-01-01', NULL,"
    "  9000, 900, 50, 50, 50, 50),"
    " (" C7 ", 'B01', 'B01', 1, 0, 'B01-2026-0001', 'Golf', 'C', '2026-04-05', NULL,"
    "  NULL, NULL, NULL, NULL, NULL, NULL),"
    " (" C8 ", 'B01', 'B01', 1, 0, 'B01-2026-0002', 'Hotel 酒店', 'A', '2026-02-01', NULL,"
    "  0, 0, 0, 0, 0, 0),"
    " (" C9 ", 'A01', 'A01', 1, 1, 'A01-2026-0004', 'India', 'A', '2026-03-21', NULL,"
    "  99999, 1, 1, 1, 1, 1)",

    "INSERT INTO visits(id, owner, author, hlc, deleted, customer_id, at, method, stage) VALUES"
    " (" ID("a", "01") ", 'A01', 'A01', 1, 0, " C1 ", '2026-02-20T10:00', 'in_person', NULL),"
    " (" ID("a", "02") ", 'A01', 'A01', 1, 0, " C1 ", '2026-03-04T10:00', 'in_person', 'explanation'),"
    " (" ID("a", "03") ", 'A01', 'A01', 1, 0, " C1 ", '2026-03-25T16:30', 'phone', 'contact'),"
    " (" ID("a", "04") ", 'A01', 'A01', 1, 1, " C1 ", '2026-03-18T09:00', 'in_person', 'contract'),"
    " (" ID("a", "05") ", 'A01', 'A01', 1, 0, " C2 ", '2026-03-20T10:00', 'phone', NULL),"
    " (" ID("a", "06") ", 'A01', 'A01', 1, 0, " C2 ", '2026-03-21T09:00', 'in_person', NULL),"
    " (" ID("a", "07") ", 'A01', 'A01', 1, 0, " C2 ", '2026-03-21T15:00:30', 'showroom', NULL),"
    " (" ID("a", "08") ", 'A01', 'A01', 1, 0, " C2 ", '2026-03-26T11:00', 'event', 'contact'),"
    " (" ID("a", "09") ", 'A02', 'A02', 1, 0, " C4 ", '2026-02-27T10:00', 'in_person', NULL),"
    " (" ID("a", "10") ", 'A02', 'A02', 1, 0, " C4 ", '2026-03-05T10:00', 'phone', NULL),"
    " (" ID("a", "11") ", 'A02', 'A02', 1, 0, " C4 ", '2026-03-12T10:00', 'in_person', 'proposal'),"
    " (" ID("a", "12") ", 'A02', 'A01', 1, 0, " C4 ", '2026-03-19T10:00', 'in_person', NULL),"
    " (" ID("a", "13") ", 'A02', 'A02', 1, 0, " C4 ", '2026-03-26T10:00', 'letter', NULL),"
    " (" ID("a", "14") ", 'A02', 'A02', 1, 0, " C5 ", '2026-02-25T10:00', 'phone', NULL),"
    " (" ID("a", "15") ", 'A01', 'A01', 1, 0, " C6 ", '2026-03-10T10:00', 'in_person', 'contract'),"
    " (" ID("a", "16") ", 'B01', 'B01', 1, 0, " C8 ", '2026-03-15T10:00', 'phone', NULL),"
    " (" ID("a", "17") ", 'B01', 'B01', 1, 0, " C8 ", '2026-03-30T10:00', 'email', NULL),"
    " (" ID("a", "18") ", 'A02', 'A02', 1, 0, " C4 ", '2026-04-01T00:00', 'phone', NULL)",

    "INSERT INTO opportunities(id, owner, author, hlc, deleted, customer_id, title, stage,"
    " status) VALUES"
    " (" ID("b", "01") ", 'A01', 'A01', 1, 0, " C2 ", 'fleet', 'demonstration', 'open'),"
    " (" ID("b", "02") ", 'A01', 'A01', 1, 0, " C2 ", 'old', 'contract', 'won'),"
    " (" ID("b", "03") ", 'A01', 'A01', 1, 0, " C3 ", 'vans', 'proposal', NULL),"
    " (" ID("b", "04") ", 'A01', 'A01', 1, 1, " C3 ", 'gone', 'contract', 'open')",

    "INSERT INTO grade_changes(id, owner, author, hlc, deleted, customer_id, grade, prev_grade,"
    " date) VALUES"
    " (" ID("d", "01") ", 'A01', 'A01', 1, 0, " C1 ", 'A', 'C', '2026-03-01'),"
    " (" ID("d", "02") ", 'A01', 'A01', 1, 0, " C1 ", 'C', 'A', '2026-03-05'),"
    " (" ID("d", "03") ", 'A01', 'A01', 1, 0, " C2 ", 'A', NULL, '2026-03-20'),"
    " (" ID("d", "04") ", 'A01', 'A01', 1, 0, " C6 ", 'lost', 'B', '2026-03-10'),"
    " (" ID("d", "05") ", 'A01', 'A01', 1, 0, " C3 ", 'O', 'A', '2026-03-15'),"
    " (" ID("d", "06") ", 'A02', 'A02', 1, 0, " C4 ", 'B', 'C', '2026-03-02'),"
    " (" ID("d", "07") ", 'B01', 'B01', 1, 0, " C8 ", 'A', 'C', '2026-03-03'),"
    " (" ID("d", "08") ", 'B01', 'B01', 1, 0, " C7 ", 'C', NULL, '2026-04-05'),"
    " (" ID("d", "09") ", 'A01', 'A01', 1, 1, " C2 ", 'O', 'A', '2026-03-20')",

    "INSERT INTO lost_reviews(id, owner, author, hlc, deleted, customer_id, lost_date, reason,"
    " competitor, confirmed) VALUES"
    " (" ID("e", "01") ", 'A01', 'A01', 1, 0, " C6 ", '2026-03-10', 'price', 'Toyota', 1),"
    " (" ID("e", "02") ", 'A01', 'A01', 1, 0, " C1 ", '2026-03-12', 'price', NULL, 0),"
    " (" ID("e", "03") ", 'B01', 'B01', 1, 0, " C8 ", '2026-03-28', 'delivery time 交期',"
    "  '比亚迪', NULL),"
    " (" ID("e", "04") ", 'A02', 'A02', 1, 0, " C4 ", '2026-02-15', 'price', 'Toyota', 0),"
    " (" ID("e", "05") ", 'A02', 'A02', 1, 0, " C5 ", '2026-04-02', 'service', NULL, 0),"
    " (" ID("e", "06") ", 'A01', 'A01', 1, 1, " C1 ", '2026-03-05', 'deleted one', 'X', 0)",

    "INSERT INTO showroom_log(id, owner, author, hlc, deleted, arrived, customer_id, phone,"
    " left_details, model, grade, rep_on_duty, ordered) VALUES"
    " (" ID("f", "01") ", 'A01', 'A01', 1, 0, '2026-03-02T10:15', " C2 ", NULL, 1, '汉 EV', 'A',"
    "  'A01', 0),"
    " (" ID("f", "02") ", 'A02', 'A02', 1, 0, '2026-03-09T10:40', " C2 ", NULL, 1, '汉 EV', 'O',"
    "  'A02', 1),"
    " (" ID("f", "03") ", 'A01', 'A01', 1, 0, '2026-03-07T14:05', NULL, '138 0000', 1,"
    "  'Model Y', 'C', 'A01', 0),"
    " (" ID("f", "04") ", 'A01', 'A01', 1, 0, '2026-03-08T15:30', NULL, ' 138 0000 ', 1,"
    "  '汉 EV', 'B', 'A01', 0),"
    " (" ID("f", "05") ", 'A02', 'A02', 1, 0, '2026-03-07T14:20', NULL, NULL, 0, 'Model Y',"
    "  NULL, 'A02', NULL),"
    " (" ID("f", "06") ", 'A02', 'A02', 1, 0, '2026-03-07T14:25', NULL, '', 0, NULL, 'C',"
    "  'A02', 0),"
    " (" ID("f", "07") ", 'A01', 'A01', 1, 0, '2026-04-01T10:00', NULL, NULL, 0, 'X', 'A',"
    "  'A01', 0),"
    " (" ID("f", "08") ", 'A01', 'A01', 1, 1, '2026-03-10T10:00', NULL, NULL, 1, 'X', 'A',"
    "  'A01', 1)",
};

typedef struct fixture {
  char *dir;
  sqlite3 *db;
  fs__strbuf out;
  char err[FS_REPORT_ERR_MAX];
} fixture;

static void load(sqlite3 *db) {
  for (size_t i = 0; i < sizeof(data_sql) / sizeof(data_sql[0]); i++)
    assert_int_equal(fs__db_exec(db, data_sql[i]), 0);
}

static int setup(void **state) {
  fixture *fx = calloc(1, sizeof(*fx));
  char *p;

  assert_non_null(fx);
  fx->dir = fs_test_tmpdir();
  p = fs_test_path(fx->dir, "central.db");
  assert_int_equal(fs__db_open(p, 1, FS_SCHEMA_DAEMON, &fx->db), 0);
  free(p);
  load(fx->db);
  fs__strbuf_init(&fx->out, 1 << 20);
  *state = fx;
  return 0;
}

static int teardown(void **state) {
  fixture *fx = *state;

  fs__db_close(fx->db);
  fs__strbuf_release(&fx->out);
  fs_test_rmdir(fx->dir);
  free(fx);
  return 0;
}

/* Runs p into fx->out as the report's sections, each its own CSV table
 * (its header led by "section", then its rows), an empty line between
 * them: the report's numbers one section at a time.  The CSV the
 * programs write is one table (fs__table_csv_merged); test_csv_one_header
 * holds that layout.  fs__report_compute's code. */
static int run_sections(fixture *fx, const fs_report_params *p) {
  fs_report_out *o = NULL;
  int rc;

  fx->out.len = 0;
  if (fx->out.s)
    fx->out.s[0] = '\0';
  rc = fs__report_compute(fx->db, p, &o, fx->err);
  for (int k = 0; rc == 0 && k < fs__report_out_sections(o); k++) {
    const char *name = NULL;
    const fs_table *t = fs__report_out_section(o, k, &name, NULL);
    if (k)
      rc = fs__strbuf_append(&fx->out, "\n", 1);
    if (rc == 0)
      rc = fs__table_csv(t, "section", name, "\n", &fx->out);
  }
  if (rc == 0 && fx->out.s == NULL)
    rc = fs__strbuf_append(&fx->out, "", 0);
  fs__report_out_free(o);
  return rc;
}

/* Runs a report over March 2026 with owners (NULL-terminated list). */
static const char *run_fmt(fixture *fx, const char *name, const char *const *owners,
                           fs_report_format fmt) {
  fs_report_params p;
  int n = 0;

  while (owners && owners[n])
    n++;
  memset(&p, 0, sizeof(p));
  p.name = name;
  p.from = "2026-03-01";
  p.to = "2026-03-31";
  p.owners = owners;
  p.nowners = n;
  fx->out.len = 0;
  if (fx->out.s)
    fx->out.s[0] = '\0';
  if (fmt == FS_REPORT_CSV)
    assert_int_equal(run_sections(fx, &p), 0);
  else
    assert_int_equal(fs__report_run(fx->db, &p, fmt, &fx->out, fx->err), 0);
  assert_string_equal(fx->err, "");
  return fx->out.s;
}

static const char *run(fixture *fx, const char *name, const char *const *owners) {
  return run_fmt(fx, name, owners, FS_REPORT_CSV);
}

/* ---- visits ----------------------------------------------------------------
 * The grade history is replayed (grade_changes; report.h): a deadline counts
 * under the grade in force when its clock started, a re-rating restarts the
 * clock, lost days have no cadence.
 * C1 (C 14 d; A from 03-01, C again from 03-05): anchor 02-20 (last contact
 *   before March), d = 03-06 but re-rated 03-01 before the contact of 03-04:
 *   clock s = 03-01 (A): d = 03-03 missed (A); s = 03-03, d = 03-05: contact
 *   03-04 before the re-rating of 03-05 -> met (A), s = 03-04; d = 03-06:
 *   re-rated 03-05 first -> s = 03-05 (C): d = 03-19 missed (the deleted
 *   03-18 does not count); s = 03-19, d = 04-02 > to.  A: due 2 met 1 done 1
 *   (03-04); C: due 1 met 0 done 1 (03-25).  Overdue from 03-25 (C): 04-08,
 *   no.  Held A and C in March.
 * C2 (A, opened 03-20 = anchor; contacts 20, 21 x2, 26): s=20 d=22 met s=21;
 *   d=23 missed s=23; d=25 missed s=25; d=27 met s=26; d=28 missed s=28;
 *   d=30 missed s=30; d=04-01 stop -> due 6 met 2 done 4; overdue (from
 *   03-26: 03-28).
 * C3 (A, O from 03-15; created 2025-12-01, never visited): A deadlines
 *   12-03 + 2k; in March 01, 03, ..., 13 missed (7); d = 03-15 meets the
 *   re-rating: s = 03-15 (O), d = 03-22 missed, 03-29 missed, 04-05 stop.
 *   A: due 7; O: due 2; overdue under O (from 03-15: 03-22).
 * C4 (C, B from 03-02; anchor 02-27): d = 03-13, re-rated 03-02 first ->
 *   s = 03-02 (B): d = 03-09 met by 03-05, 03-12 met, 03-19 met (by A01),
 *   03-26 met, 04-02 stop.  B: due 4 met 4 done 4 (04-01 is outside);
 *   not overdue.  Held C on 03-01: a C row with nothing due.
 * C5 (delivered 2026-01-10, window to 04-10 -> 14 d): anchor 02-25;
 *   03-11 missed, 03-25 missed, 04-08 > to: due 2 met 0; overdue.
 * C6 (B, lost from 03-10; created 01-01): B deadlines 01-08 + 7k, 03-05
 *   missed; d = 03-12: the contact of 03-10 comes before the re-rating that
 *   day -> met (and done under B); lost from then on: not overdue.
 * C8 (C, A from 03-03; created 02-01): C: 02-15 missed, 03-01 missed (due
 *   C 1); d = 03-15, re-rated 03-03 first -> s = 03-03 (A): odd days 05..13
 *   missed (5), 15 met (a call), 17..29 missed (7), 31 missed: the e-mail
 *   of 03-30 is logged (done 2) but is not an A-grade contact (issue 14,
 *   cadence.h) -> A due 14 met 1; overdue: the 03-17 deadline was missed
 *   and no contact followed it.
 * C7 created after --to, C9 deleted: not counted.
 * "customers" counts a card under each grade it held in the period, once
 * in the "*" rows.  Section "teams": M01 = A01 + A02, M02 = B01.
 * Section "callbacks" (issue 14), showroom visitors who left details in
 * March, per rep on duty: A01's 03-02T10:15 (C2) is first visited
 * 03-20T10:00, 18 days less 15 minutes = 431.75 h: late; its 03-07 and
 * 03-08 visitors have no card: missed.  A02's 03-09T10:40 (C2): the same
 * visit, 11 days less 40 minutes = 263.33 h: late.  All: mean of 431.75
 * and 263.33 = 347.54.  No key-account visits: "followups" has nothing
 * due (100%). */
static const char visits_all[] =
    "section,rep,grade,customers,due,met,missed,done,overdue,compliance\n"
    "compliance,A01,O,1,2,0,2,0,1,0.0%\n"
    "compliance,A01,A,3,15,3,12,5,1,20.0%\n"
    "compliance,A01,B,1,2,1,1,1,0,50.0%\n"
    "compliance,A01,C,1,1,0,1,1,0,0.0%\n"
    "compliance,A01,*,4,20,4,16,7,2,20.0%\n"
    "compliance,A02,B,1,4,4,0,4,0,100.0%\n"
    "compliance,A02,C,1,0,0,0,0,0,n/a\n"
    "compliance,A02,delivered,1,2,0,2,0,1,0.0%\n"
    "compliance,A02,*,2,6,4,2,4,1,66.7%\n"
    "compliance,B01,A,1,14,1,13,2,1,7.1%\n"
    "compliance,B01,C,1,1,0,1,0,0,0.0%\n"
    "compliance,B01,*,1,15,1,14,2,1,6.7%\n"
    "compliance,*,O,1,2,0,2,0,1,0.0%\n"
    "compliance,*,A,4,29,4,25,7,2,13.8%\n"
    "compliance,*,B,2,6,5,1,5,0,83.3%\n"
    "compliance,*,C,3,2,0,2,1,0,0.0%\n"
    "compliance,*,delivered,1,2,0,2,0,1,0.0%\n"
    "compliance,*,*,7,41,9,32,13,4,22.0%\n"
    "\n"
    "section,team,grade,customers,due,met,missed,done,overdue,compliance\n"
    "teams,M01,O,1,2,0,2,0,1,0.0%\n"
    "teams,M01,A,3,15,3,12,5,1,20.0%\n"
    "teams,M01,B,2,6,5,1,5,0,83.3%\n"
    "teams,M01,C,2,1,0,1,1,0,0.0%\n"
    "teams,M01,delivered,1,2,0,2,0,1,0.0%\n"
    "teams,M01,*,6,26,8,18,11,3,30.8%\n"
    "teams,M02,A,1,14,1,13,2,1,7.1%\n"
    "teams,M02,C,1,1,0,1,0,0,0.0%\n"
    "teams,M02,*,1,15,1,14,2,1,6.7%\n"
    "\n"
    "section,rep,due,met,late,missed,compliance,avg_hours,max_hours\n"
    "callbacks,A01,3,0,1,2,0.0%,431.75,431.75\n"
    "callbacks,A02,1,0,1,0,0.0%,263.33,263.33\n"
    "callbacks,*,4,0,2,2,0.0%,347.54,431.75\n"
    "\n"
    "section,rep,due,met,late,missed,compliance,avg_days,max_days\n"
    "followups,*,0,0,0,0,n/a,,\n";

static void test_visits(void **state) {
  fixture *fx = *state;
  static const char *const a02[] = {"A02", NULL};

  assert_string_equal(run(fx, "visits", NULL), visits_all);
  assert_string_equal(run(fx, "visits", a02),
                      "section,rep,grade,customers,due,met,missed,done,overdue,compliance\n"
                      "compliance,A02,B,1,4,4,0,4,0,100.0%\n"
                      "compliance,A02,C,1,0,0,0,0,0,n/a\n"
                      "compliance,A02,delivered,1,2,0,2,0,1,0.0%\n"
                      "compliance,A02,*,2,6,4,2,4,1,66.7%\n"
                      "compliance,*,B,1,4,4,0,4,0,100.0%\n"
                      "compliance,*,C,1,0,0,0,0,0,n/a\n"
                      "compliance,*,delivered,1,2,0,2,0,1,0.0%\n"
                      "compliance,*,*,2,6,4,2,4,1,66.7%\n"
                      "\n"
                      "section,team,grade,customers,due,met,missed,done,overdue,compliance\n"
                      "teams,M01,B,1,4,4,0,4,0,100.0%\n"
                      "teams,M01,C,1,0,0,0,0,0,n/a\n"
                      "teams,M01,delivered,1,2,0,2,0,1,0.0%\n"
                      "teams,M01,*,2,6,4,2,4,1,66.7%\n"
                      "\n"
                      "section,rep,due,met,late,missed,compliance,avg_hours,max_hours\n"
                      "callbacks,A02,1,0,1,0,0.0%,263.33,263.33\n"
                      "callbacks,*,1,0,1,0,0.0%,263.33,263.33\n"
                      "\n"
                      "section,rep,due,met,late,missed,compliance,avg_days,max_days\n"
                      "followups,*,0,0,0,0,n/a,,\n");
}

/* The call-back and follow-up duties (issue 14), worked by hand for Z02
 * in March.  Card CZ (B); visits v1 03-11T09:00 phone, v2 03-13T08:30
 * phone (key account), v3 03-22T10:00 (key account), v4 03-27T15:00 (key
 * account).  Card CY (C): v5 03-05T10:00 (key account), nothing after.
 * Call-backs (showroom, left details; the first visit to the card after
 * the arrival):
 *   s1 03-10T09:00 -> v1, exactly 24 h: met (24.00)
 *   s2 03-12T18:30 -> v2, 14 h: met
 *   s3 03-20T10:00 -> v3, 48 h: late
 *   s4 03-25T10:00, no card: missed
 *   s5 03-31T20:00, no visit yet, due 04-01T20:00 after --to: not counted
 *   due 4, met 2, late 1, missed 1, 50.0%, mean (24 + 14 + 48) / 3 =
 *   28.67 h, max 48.
 * Follow-ups within 7 days of a key-account visit (the next visit to the
 * card, by day):
 *   v2 03-13 -> v3 03-22, due 03-20: late, 9 days
 *   v3 03-22 -> v4 03-27, due 03-29: met, 5 days
 *   v4 03-27, due 04-03 after --to, none yet: not counted
 *   v5 03-05, due 03-12, none: missed
 *   due 3, met 1, late 1, missed 1, 33.3%, mean (9 + 5) / 2 = 7.00, max 9. */
static void test_visits_duties(void **state) {
  fixture *fx = *state;
  static const char *const z02[] = {"Z02", NULL};
  static const char *const sql[] = {
      "INSERT INTO staff(code, name, role, manager) VALUES ('Z02', 'Zoe', 'rep', 'M01')",
      "INSERT INTO customers(id, owner, author, hlc, deleted, archive_no, name, grade,"
      " created) VALUES"
      " (" ID("c", "20") ", 'Z02', 'Z02', 1, 0, 'Z02-2026-0001', 'CZ', 'B', '2026-03-01'),"
      " (" ID("c", "21") ", 'Z02', 'Z02', 1, 0, 'Z02-2026-0002', 'CY', 'C', '2026-03-01')",
      "INSERT INTO visits(id, owner, author, hlc, deleted, customer_id, at, method,"
      " key_account) VALUES"
      " (" ID("a", "41") ", 'Z02', 'Z02', 1, 0, " ID("c", "20") ", '2026-03-11T09:00', 'phone', 0),"
      " (" ID("a", "42") ", 'Z02', 'Z02', 1, 0, " ID("c", "20") ", '2026-03-13T08:30', 'phone', 1),"
      " (" ID("a", "43") ", 'Z02', 'Z02', 1, 0, " ID("c", "20") ", '2026-03-22T10:00', 'in_person',"
      "  1),"
      " (" ID("a", "44") ", 'Z02', 'Z02', 1, 0, " ID("c", "20") ", '2026-03-27T15:00', 'in_person',"
      "  1),"
      " (" ID("a", "45") ", 'Z02', 'Z02', 1, 0, " ID("c", "21") ", '2026-03-05T10:00', 'in_person',"
      "  1)",
      "INSERT INTO showroom_log(id, owner, author, hlc, deleted, arrived, customer_id,"
      " left_details, rep_on_duty) VALUES"
      " (" ID("f", "21") ", 'Z02', 'Z02', 1, 0, '2026-03-10T09:00', " ID("c", "20") ", 1, 'Z02'),"
      " (" ID("f", "22") ", 'Z02', 'Z02', 1, 0, '2026-03-12T18:30', " ID("c", "20") ", 1, 'Z02'),"
      " (" ID("f", "23") ", 'Z02', 'Z02', 1, 0, '2026-03-20T10:00', " ID("c", "20") ", 1, 'Z02'),"
      " (" ID("f", "24") ", 'Z02', 'Z02', 1, 0, '2026-03-25T10:00', NULL, 1, 'Z02'),"
      " (" ID("f", "25") ", 'Z02', 'Z02', 1, 0, '2026-03-31T20:00', " ID("c", "20") ", 1, 'Z02')",
  };
  const char *out;

  for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]); i++)
    assert_int_equal(fs__db_exec(fx->db, sql[i]), 0);
  out = run(fx, "visits", z02);
  assert_non_null(strstr(out, "section,rep,due,met,late,missed,compliance,avg_hours,max_hours\n"
                              "callbacks,Z02,4,2,1,1,50.0%,28.67,48.00\n"
                              "callbacks,*,4,2,1,1,50.0%,28.67,48.00\n"));
  assert_non_null(strstr(out, "section,rep,due,met,late,missed,compliance,avg_days,max_days\n"
                              "followups,Z02,3,1,1,1,33.3%,7.00,9.00\n"
                              "followups,*,3,1,1,1,33.3%,7.00,9.00\n"));
}

/* The contact methods are a setting (issue 14): counting an e-mail as an
 * A-grade contact gives back B01's C8 its 03-31 deadline (met by the
 * e-mail of 03-30: A due 14 met 2, not overdue; next due 04-01); a setting
 * that names an unknown method is refused. */
static void test_visits_contact_methods(void **state) {
  fixture *fx = *state;
  static const char *const b01[] = {"B01", NULL};
  fs_report_params p;

  memset(&p, 0, sizeof(p));
  p.name = "visits";
  p.from = "2026-03-01";
  p.to = "2026-03-31";
  p.owners = b01;
  p.nowners = 1;
  p.contact_methods = "A=in_person,phone,showroom,event,email";
  fx->out.len = 0;
  assert_int_equal(run_sections(fx, &p), 0);
  assert_non_null(strstr(fx->out.s, "compliance,B01,A,1,14,2,12,2,0,14.3%\n"));
  p.contact_methods = "A=in_person,fax";
  fx->out.len = 0;
  assert_int_equal(fs__report_run(fx->db, &p, FS_REPORT_CSV, &fx->out, fx->err), FS_EINVAL);
  assert_non_null(strstr(fx->err, "\"fax\" is not one of in_person, phone"));
}

/* Missed deadlines of deleted cards stay in the reports (issue 14).  Z03's
 * card B (opened 02-20) was deleted on 03-20 (the tombstone's clock; its
 * content is cleared, so no created date: the anchor is --from).  B from
 * 03-01: 03-08 missed, 03-15 missed; the next deadline 03-22 lies after
 * the delete, which ends the cadence.  due 2, met 0; not overdue (gone). */
static void test_visits_deleted_card(void **state) {
  fixture *fx = *state;
  static const char *const z03[] = {"Z03", NULL};
  static const char *const sql[] = {
      "INSERT INTO staff(code, name, role, manager) VALUES ('Z03', 'Zak', 'rep', 'M01')",
      "INSERT INTO customers(id, owner, author, hlc, deleted, archive_no) VALUES"
      " (" ID("c", "30") ", 'Z03', 'Z03', "
      "CAST(((julianday('2026-03-20') - 2440587.5) * 86400 + 43200) * 1000 AS INTEGER) << 16,"
      " 1, 'Z03-2026-0001')",
      "INSERT INTO grade_changes(id, owner, author, hlc, deleted, customer_id, grade,"
      " prev_grade, date) VALUES"
      " (" ID("d", "30") ", 'Z03', 'Z03', 1, 0, " ID("c", "30") ", 'B', NULL, '2026-02-20')",
  };
  const char *out;

  for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]); i++)
    assert_int_equal(fs__db_exec(fx->db, sql[i]), 0);
  out = run(fx, "visits", z03);
  assert_non_null(strstr(out, "section,rep,grade,customers,due,met,missed,done,overdue,"
                              "compliance\n"
                              "compliance,Z03,B,1,2,0,2,0,0,0.0%\n"
                              "compliance,Z03,*,1,2,0,2,0,0,0.0%\n"));
}

/* Lost and reopened: Z01's R is C from 01-01, lost 02-10, reopened on
 * 03-16 (two changes that day, lost -> C -> B, in clock order: B holds).
 * Anchor 01-01 (C): 01-15, 01-29 missed before the period; d = 02-12
 * lapses at the loss (02-10); no cadence while lost; s = 03-16 (B):
 * d = 03-23 met by 03-20 (s = 03-20); d = 03-27 missed (03-30 is later);
 * d = 04-03 > to.  done 2: the visit of 03-16 was made while the card was
 * still lost as the day began.  Q was lost all through March: not counted,
 * nor its visit. */
static void test_visits_reopened(void **state) {
  fixture *fx = *state;
  static const char *const z01[] = {"Z01", NULL};
  static const char *const sql[] = {
      "INSERT INTO staff(code, name, role, manager) VALUES ('Z01', 'Zed', 'rep', 'M01')",
      "INSERT INTO customers(id, owner, author, hlc, deleted, archive_no, name, grade,"
      " created) VALUES"
      " (" ID("c", "10") ", 'Z01', 'Z01', 1, 0, 'Z01-2026-0001', 'R', 'B', '2026-01-01'),"
      " (" ID("c", "11") ", 'Z01', 'Z01', 1, 0, 'Z01-2026-0002', 'Q', 'lost', '2026-01-01')",
      "INSERT INTO grade_changes(id, owner, author, hlc, deleted, customer_id, grade,"
      " prev_grade, date) VALUES"
      " (" ID("d", "21") ", 'Z01', 'Z01', 1, 0, " ID("c", "10") ", 'C', NULL, '2026-01-01'),"
      " (" ID("d", "22") ", 'Z01', 'Z01', 2, 0, " ID("c", "10") ", 'lost', 'C', '2026-02-10'),"
      " (" ID("d", "24") ", 'Z01', 'Z01', 4, 0, " ID("c", "10") ", 'B', 'C', '2026-03-16'),"
      " (" ID("d", "23") ", 'Z01', 'Z01', 3, 0, " ID("c", "10") ", 'C', 'lost', '2026-03-16'),"
      " (" ID("d", "25") ", 'Z01', 'Z01', 1, 0, " ID("c", "11") ", 'lost', 'A', '2026-02-01')",
      "INSERT INTO visits(id, owner, author, hlc, deleted, customer_id, at, method) VALUES"
      " (" ID("a", "31") ", 'Z01', 'Z01', 1, 0, " ID("c", "10") ", '2026-03-16T09:00', 'phone'),"
      " (" ID("a", "32") ", 'Z01', 'Z01', 1, 0, " ID("c", "10") ", '2026-03-20T09:00', 'phone'),"
      " (" ID("a", "33") ", 'Z01', 'Z01', 1, 0, " ID("c", "10") ", '2026-03-30T09:00', 'phone'),"
      " (" ID("a", "34") ", 'Z01', 'Z01', 1, 0, " ID("c", "11") ", '2026-03-05T09:00', 'phone')",
  };

  for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]); i++)
    assert_int_equal(fs__db_exec(fx->db, sql[i]), 0);
  assert_string_equal(run(fx, "visits", z01),
                      "section,rep,grade,customers,due,met,missed,done,overdue,compliance\n"
                      "compliance,Z01,B,1,2,1,1,2,0,50.0%\n"
                      "compliance,Z01,*,1,2,1,1,2,0,50.0%\n"
                      "compliance,*,B,1,2,1,1,2,0,50.0%\n"
                      "compliance,*,*,1,2,1,1,2,0,50.0%\n"
                      "\n"
                      "section,team,grade,customers,due,met,missed,done,overdue,compliance\n"
                      "teams,M01,B,1,2,1,1,2,0,50.0%\n"
                      "teams,M01,*,1,2,1,1,2,0,50.0%\n"
                      "\n"
                      "section,rep,due,met,late,missed,compliance,avg_hours,max_hours\n"
                      "callbacks,*,0,0,0,0,n/a,,\n"
                      "\n"
                      "section,rep,due,met,late,missed,compliance,avg_days,max_days\n"
                      "followups,*,0,0,0,0,n/a,,\n");
  /* Up to 03-28: the 03-30 visit is outside, so done 1, and from the
   * last contact 03-20 B was due 03-27: overdue. */
  {
    fs_report_params p;
    memset(&p, 0, sizeof(p));
    p.name = "visits";
    p.from = "2026-03-01";
    p.to = "2026-03-28";
    p.owners = z01;
    p.nowners = 1;
    fx->out.len = 0;
    assert_int_equal(run_sections(fx, &p), 0);
    assert_non_null(strstr(fx->out.s, "compliance,Z01,B,1,2,1,1,1,1,50.0%\n"));
  }
}

/* A replica holds the same record tables: same answers. */
static void test_visits_on_replica(void **state) {
  fixture *fx = *state;
  sqlite3 *saved = fx->db, *rdb = NULL;
  char *p = fs_test_path(fx->dir, "replica.db");

  assert_int_equal(fs__db_open(p, 1, FS_SCHEMA_CLIENT, &rdb), 0);
  free(p);
  load(rdb);
  fx->db = rdb;
  assert_string_equal(run(fx, "visits", NULL), visits_all);
  fx->db = saved;
  fs__db_close(rdb);
}

/* Team M01 = A01, A02 and M01 itself (no cards): the staff table. */
static void test_team(void **state) {
  fixture *fx = *state;
  char codes[8][17], err[FS_REPORT_ERR_MAX];
  const char *owners[9] = {0};
  int n = 0;

  assert_int_equal(fs__report_team(fx->db, "M01", codes, 8, &n, err), 0);
  assert_int_equal(n, 3);
  assert_string_equal(codes[0], "A01");
  assert_string_equal(codes[1], "A02");
  assert_string_equal(codes[2], "M01");
  for (int i = 0; i < n; i++)
    owners[i] = codes[i];
  /* A01 + A02: 6 customers, due 20 + 6, met 4 + 4, done 7 + 4, overdue 3. */
  assert_non_null(strstr(run(fx, "visits", owners), "compliance,*,*,6,26,8,18,11,3,30.8%\n"));
  n = 0;
  assert_int_equal(fs__report_team(fx->db, "Z99", codes, 8, &n, err), FS_ENOTFOUND);
  assert_non_null(strstr(err, "Z99"));
  n = 0;
  assert_int_equal(fs__report_team(fx->db, "M01", codes, 2, &n, err), FS_EOVERFLOW);
}

/* ---- funnel ----------------------------------------------------------------
 * Stages: C1 latest visit with a stage 03-25 contact (the deleted 03-18
 * contract does not count); C2 open opportunity demonstration beats its
 * visit (contact) and the won one (contract); C3 open (status unset)
 * proposal, the deleted one ignored; C4 visit 03-12 proposal (later visits
 * have none); C6 contract; C5, C7, C8 none.  Movement: C->A twice (C1
 * 03-01, C8 03-03), A->C (C1), new->A (C2), B->lost (C6), A->O (C3), C->B
 * (C4); C7 (04-05) outside, the deleted change ignored. */
static void test_funnel(void **state) {
  fixture *fx = *state;
  static const char *const b01[] = {"B01", NULL};

  assert_string_equal(
      run(fx, "funnel", NULL),
      "section,rep,grade,none,contact,explanation,demonstration,proposal,contract,total\n"
      "grades,A01,O,0,0,0,0,1,0,1\n"
      "grades,A01,A,0,0,0,1,0,0,1\n"
      "grades,A01,C,0,1,0,0,0,0,1\n"
      "grades,A01,lost,0,0,0,0,0,1,1\n"
      "grades,A02,B,0,0,0,0,1,0,1\n"
      "grades,A02,delivered,1,0,0,0,0,0,1\n"
      "grades,B01,A,1,0,0,0,0,0,1\n"
      "grades,B01,C,1,0,0,0,0,0,1\n"
      "grades,*,O,0,0,0,0,1,0,1\n"
      "grades,*,A,1,0,0,1,0,0,2\n"
      "grades,*,B,0,0,0,0,1,0,1\n"
      "grades,*,C,1,1,0,0,0,0,2\n"
      "grades,*,delivered,1,0,0,0,0,0,1\n"
      "grades,*,lost,0,0,0,0,0,1,1\n"
      "\n"
      "section,from_grade,to_grade,count\n"
      "movement,new,A,1\n"
      "movement,A,O,1\n"
      "movement,A,C,1\n"
      "movement,B,lost,1\n"
      "movement,C,A,2\n"
      "movement,C,B,1\n");
  assert_string_equal(
      run(fx, "funnel", b01),
      "section,rep,grade,none,contact,explanation,demonstration,proposal,contract,total\n"
      "grades,B01,A,1,0,0,0,0,0,1\n"
      "grades,B01,C,1,0,0,0,0,0,1\n"
      "grades,*,A,1,0,0,0,0,0,1\n"
      "grades,*,C,1,0,0,0,0,0,1\n"
      "\n"
      "section,from_grade,to_grade,count\n"
      "movement,C,A,1\n");
}

/* ---- lost ------------------------------------------------------------------
 * In March: L1 price/Toyota confirmed (A01), L2 price/no competitor (A01),
 * L3 交期/比亚迪 unconfirmed (B01).  Awaiting review up to 03-31: L2, L3
 * and L4 (02-15, A02); L5 (04-02) is later, L6 deleted. */
static void test_lost(void **state) {
  fixture *fx = *state;
  static const char *const b01[] = {"B01", NULL};

  assert_string_equal(run(fx, "lost", NULL),
                      "section,lost,confirmed,pending,awaiting_review,listed\n"
                      "summary,3,1,2,3,3\n"
                      "\n"
                      "section,reason,lost,confirmed,pending\n"
                      "reasons,price,2,1,1\n"
                      "reasons,delivery time 交期,1,0,1\n"
                      "\n"
                      "section,competitor,lost,confirmed,pending\n"
                      "competitors,(none),1,0,1\n"
                      "competitors,Toyota,1,1,0\n"
                      "competitors,比亚迪,1,0,1\n"
                      "\n"
                      "section,rep,lost,confirmed,pending\n"
                      "reps,A01,2,1,1\n"
                      "reps,B01,1,0,1\n"
                      "\n"
                      "section,month,lost,confirmed,pending\n"
                      "months,2026-03,3,1,2\n"
                      "\n"
                      "section,class,lost_sales,confirmed,pending,lost_opportunities,"
                      "opportunity_amount\n"
                      "classes,unclassified,3,1,2,0,0.00\n"
                      "\n"
                      "section,closed,rep,archive_no,title,class,reason,amount\n"
                      "\n"
                      "section,lost_date,rep,archive_no,customer,reason,competitor\n"
                      "pending,2026-02-15,A02,A02-2026-0001,Delta 德尔塔,price,Toyota\n"
                      "pending,2026-03-12,A01,A01-2026-0001,Alpha Motors,price,\n"
                      "pending,2026-03-28,B01,B01-2026-0002,Hotel 酒店,delivery time 交期,"
                      "比亚迪\n");
  /* JSON: the whole object, with the owner list. */
  assert_string_equal(
      run_fmt(fx, "lost", b01, FS_REPORT_JSON),
      "{\"report\":\"lost\",\"from\":\"2026-03-01\",\"to\":\"2026-03-31\",\"owners\":[\"B01\"],"
      "\"summary\":[{\"lost\":1,\"confirmed\":0,\"pending\":1,\"awaiting_review\":1,"
      "\"listed\":1}],"
      "\"reasons\":[{\"reason\":\"delivery time 交期\",\"lost\":1,\"confirmed\":0,"
      "\"pending\":1}],"
      "\"competitors\":[{\"competitor\":\"比亚迪\",\"lost\":1,\"confirmed\":0,\"pending\":1}],"
      "\"reps\":[{\"rep\":\"B01\",\"lost\":1,\"confirmed\":0,\"pending\":1}],"
      "\"months\":[{\"month\":\"2026-03\",\"lost\":1,\"confirmed\":0,\"pending\":1}],"
      "\"classes\":[{\"class\":\"unclassified\",\"lost_sales\":1,\"confirmed\":0,"
      "\"pending\":1,\"lost_opportunities\":0,\"opportunity_amount\":0.00}],"
      "\"opportunities\":[],"
      "\"pending\":[{\"lost_date\":\"2026-03-28\",\"rep\":\"B01\",\"archive_no\":"
      "\"B01-2026-0002\",\"customer\":\"Hotel 酒店\",\"reason\":\"delivery time 交期\","
      "\"competitor\":\"比亚迪\"}]}\n");
  /* Absent text is null in JSON. */
  assert_non_null(strstr(run_fmt(fx, "lost", NULL, FS_REPORT_JSON),
                         "\"reason\":\"price\",\"competitor\":null}"));
}

/* Issue 14: reasons grouped by their class, lost opportunities counted
 * with them, and a rejected loss no longer awaits review.  March, by hand:
 *   e01 (C6, price, confirmed), e02 (C1, unclassified, rejected by M01),
 *   e03 (C8, delivery_time, pending); lost opportunities: C1's "trucks"
 *   (price, 800, closed 03-15) and C8's "vans" (no class, 200, 03-20);
 *   C2's "gone" lost 04-02 is after the period.
 *   classes: price 1 sale (confirmed) + 1 opportunity (800) = 2;
 *   unclassified 1 sale (not confirmed) + 1 opportunity (200) = 2;
 *   delivery_time 1 sale (not confirmed).  Ties by name: price first.
 *   awaiting review up to 03-31: e04 (02-15) and e03; e02 was reviewed. */
static void test_lost_classes(void **state) {
  fixture *fx = *state;
  static const char *const sql[] = {
      "UPDATE lost_reviews SET reason_class='price' WHERE id=" ID("e", "01"),
      "UPDATE lost_reviews SET reason_class='delivery_time' WHERE id=" ID("e", "03"),
      "UPDATE lost_reviews SET reviewed_by='M01', reviewed_on='2026-03-13', confirmed=0"
      " WHERE id=" ID("e", "02"),
      "INSERT INTO opportunities(id, owner, author, hlc, deleted, customer_id, title, status,"
      " lost_class, lost_reason, amount, closed) VALUES"
      " (" ID("b", "11") ", 'A01', 'A01', 1, 0, " C1 ", 'trucks', 'lost', 'price',"
      "  'cheaper offer', 800, '2026-03-15'),"
      " (" ID("b", "12") ", 'B01', 'B01', 1, 0, " C8 ", 'vans', 'lost', NULL, 'no budget',"
      "  200, '2026-03-20'),"
      " (" ID("b", "13") ", 'A01', 'A01', 1, 0, " C2 ", 'gone', 'lost', 'service', NULL,"
      "  5, '2026-04-02')",
  };
  const char *out;

  for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]); i++)
    assert_int_equal(fs__db_exec(fx->db, sql[i]), 0);
  out = run(fx, "lost", NULL);
  assert_non_null(strstr(out, "summary,3,1,2,2,2\n"));
  assert_non_null(strstr(out, "classes,price,1,1,0,1,8.00\n"
                              "classes,unclassified,1,0,1,1,2.00\n"
                              "classes,delivery_time,1,0,1,0,0.00\n"));
  assert_non_null(strstr(out, "opportunities,2026-03-15,A01,A01-2026-0001,trucks,price,"
                              "cheaper offer,8.00\n"
                              "opportunities,2026-03-20,B01,B01-2026-0002,vans,unclassified,"
                              "no budget,2.00\n"));
  assert_non_null(strstr(out, "section,lost_date,rep,archive_no,customer,reason,competitor\n"
                              "pending,2026-02-15,A02,A02-2026-0001,Delta 德尔塔,price,Toyota\n"
                              "pending,2026-03-28,B01,"));
}

/* Back-dated visits are flagged (issue 14).  Recorded days set by hand
 * (the record's clock, noon UTC): C1's visit of 03-04 recorded 03-09 (5
 * days), C4's of 03-05 recorded 03-08 (3 days), C2's of 03-20 recorded
 * 03-22 (2 days: inside the default window of 2, not listed).  With
 * --backdate-days 4 only the 5-day one is. */
#define REC_HLC(d)                                                                       \
  "CAST(((julianday('" d "') - 2440587.5) * 86400 + 43200) * 1000 AS INTEGER) << 16"
static void test_activity_backdated(void **state) {
  fixture *fx = *state;
  fs_report_params p;
  const char *out;

  assert_int_equal(fs__db_exec(fx->db, "UPDATE visits SET hlc = " REC_HLC("2026-03-09")
                                       " WHERE id = " ID("a", "02")),
                   0);
  assert_int_equal(fs__db_exec(fx->db, "UPDATE visits SET hlc = " REC_HLC("2026-03-08")
                                       " WHERE id = " ID("a", "10")),
                   0);
  assert_int_equal(fs__db_exec(fx->db, "UPDATE visits SET hlc = " REC_HLC("2026-03-22")
                                       " WHERE id = " ID("a", "05")),
                   0);
  out = run(fx, "activity", NULL);
  assert_non_null(strstr(out, "section,rep,recorded,visit_date,archive_no,customer,method,"
                              "days_late\n"
                              "backdated,A02,2026-03-08,2026-03-05,A02-2026-0001,Delta 德尔塔,"
                              "phone,3\n"
                              "backdated,A01,2026-03-09,2026-03-04,A01-2026-0001,Alpha Motors,"
                              "in_person,5\n"));
  memset(&p, 0, sizeof(p));
  p.name = "activity";
  p.from = "2026-03-01";
  p.to = "2026-03-31";
  p.backdate_days = 4;
  fx->out.len = 0;
  assert_int_equal(run_sections(fx, &p), 0);
  assert_non_null(strstr(fx->out.s, "days_late\n"
                                    "backdated,A01,2026-03-09,2026-03-04,A01-2026-0001,"
                                    "Alpha Motors,in_person,5\n"));
  assert_null(strstr(fx->out.s, "backdated,A02"));
}

/* Issue 11, hole 9: report CSV goes through the one CSV writer: text that
 * a spreadsheet would run as a formula gets a leading ', counts stay. */
static void test_csv_formula_cells(void **state) {
  fixture *fx = *state;
  const char *out;

  assert_int_equal(
      sqlite3_exec(fx->db,
                   "UPDATE lost_reviews SET reason='-2+3', competitor="
                   "'=HYPERLINK(\"http://evil\",\"x\")' WHERE id=" ID("e", "01"),
                   NULL, NULL, NULL),
      SQLITE_OK);
  out = run(fx, "lost", NULL);
  assert_non_null(strstr(out, "\nreasons,'-2+3,1,1,0\n"));
  assert_non_null(strstr(
      out, "\ncompetitors,\"'=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\",1,1,0\n"));
  assert_null(strstr(out, ",=HYPERLINK"));
}

/* ---- ranking ---------------------------------------------------------------
 * Set: C1..C5 (C6 lost, C7 no revenue, C8 revenue 0, C9 deleted); total
 * 10000, max revenue 5000, max margin 1000.  Default weights .30 .20 .15
 * .15 .10 .10:
 *   C3 30 + 20 + 13.5 + 13.5 + 9 + 9 = 95
 *   C2 .3*60 + .2*30 + .15*40 + .15*60 + .1*60 + .1*40 = 49
 *   C1 .3*20 + .2*20 + .15*50 + .15*80 + .1*70 + .1*20 = 38.5
 *   C4 10, C5 .3*10 = 3
 * Pareto: C3 50%, C2 80% -> key accounts C3, C2 (80% reached); C1 90, C4
 * 95 (id before C5), C5 100.  K = 2: diamond ceil(0.4) = 1 (C3), gold up
 * to ceil(1.0) = 1 (none more), C2 silver. */
static const char ranking_all[] =
    "section,customers,revenue,key_accounts,key_share,diamond,gold,silver\n"
    "summary,5,100.00,2,80.0%,1,0,1\n"
    "\n"
    "section,rank,archive_no,name,owner,revenue,margin,revenue_n,margin_n,growth,payment,"
    "credit,strategic,score,share,cum_share,key,tier\n"
    "ranking,1,A01-2025-0003,Charlie 查理车队,A01,50.00,10.00,100.00,100.00,90,90,90,90,95.00,"
    "50.0%,50.0%,yes,diamond\n"
    "ranking,2,A01-2026-0002,Bravo 布拉沃,A01,30.00,3.00,60.00,30.00,40,60,60,40,49.00,30.0%,"
    "80.0%,yes,silver\n"
    "ranking,3,A01-2026-0001,Alpha Motors,A01,10.00,2.00,20.00,20.00,50,80,70,20,38.50,10.0%,"
    "90.0%,no,none\n"
    "ranking,4,A02-2026-0001,Delta 德尔塔,A02,5.00,1.00,10.00,10.00,10,10,10,10,10.00,5.0%,"
    "95.0%,no,none\n"
    "ranking,5,A02-2025-0001,Echo,A02,5.00,0.00,10.00,0.00,0,0,0,0,3.00,5.0%,100.0%,no,none\n";

static void test_ranking(void **state) {
  fixture *fx = *state;
  static const char *const a02[] = {"A02", NULL};
  fs_report_params p;
  fs_report_weights w;
  char err[FS_REPORT_ERR_MAX];
  const char *s;

  assert_string_equal(run(fx, "ranking", NULL), ranking_all);
  /* A02 alone: max revenue 500, margin 100.  C4 30 + 20 + 1.5 + 1.5 + 1 +
   * 1 = 55, C5 30; both needed for 80% (50%, 100%): C4 diamond, C5 silver. */
  s = run(fx, "ranking", a02);
  assert_non_null(strstr(s, "summary,2,10.00,2,100.0%,1,0,1\n"));
  assert_non_null(strstr(s, "ranking,1,A02-2026-0001,Delta 德尔塔,A02,5.00,1.00,100.00,100.00,"
                            "10,10,10,10,55.00,50.0%,50.0%,yes,diamond\n"));
  assert_non_null(strstr(s, "ranking,2,A02-2025-0001,Echo,A02,5.00,0.00,100.00,0.00,0,0,0,0,"
                            "30.00,50.0%,100.0%,yes,silver\n"));
  /* Weights file text: revenue and margin only, equal: C3 100, C2 45, C1
   * 20, C4 10, C5 5. */
  assert_int_equal(
      fs__report_weights_parse("# ours\n\n revenue = 1  \nmargin=1 # same\n", &w, err), 0);
  memset(&p, 0, sizeof(p));
  p.name = "ranking";
  p.from = "2026-03-01";
  p.to = "2026-03-31";
  p.weights = &w;
  p.top = 3;
  fx->out.len = 0;
  assert_int_equal(run_sections(fx, &p), 0);
  assert_non_null(strstr(fx->out.s, ",90,90,90,90,100.00,50.0%,50.0%,yes,diamond\n"));
  assert_non_null(strstr(fx->out.s, ",40,60,60,40,45.00,30.0%,80.0%,yes,silver\n"));
  assert_non_null(strstr(fx->out.s, "ranking,3,A01-2026-0001,Alpha Motors,A01,10.00,2.00,20.00,"
                                    "20.00,50,80,70,20,20.00,10.0%,90.0%,no,none\n"));
  assert_null(strstr(fx->out.s, "ranking,4,")); /* --top 3 */
}

static void test_weights(void **state) {
  fs_report_weights w, d;
  char err[FS_REPORT_ERR_MAX], *path;
  fixture *fx = *state;
  FILE *f;

  fs__report_weights_default(&d);
  assert_true(d.w[FS_RC_REVENUE] == 0.30 && d.w[FS_RC_MARGIN] == 0.20 &&
              d.w[FS_RC_GROWTH] == 0.15 && d.w[FS_RC_PAYMENT] == 0.15 &&
              d.w[FS_RC_CREDIT] == 0.10 && d.w[FS_RC_STRATEGIC] == 0.10);
  w = d;
  assert_int_equal(fs__report_weights_parse("revenue = 1\nfoo = 2\n", &w, err), FS_EINVAL);
  assert_non_null(strstr(err, "line 2"));
  assert_non_null(strstr(err, "foo"));
  assert_true(w.w[FS_RC_REVENUE] == 0.30); /* untouched on error */
  assert_int_equal(fs__report_weights_parse("revenue = -1\n", &w, err), FS_EINVAL);
  assert_int_equal(fs__report_weights_parse("revenue = x\n", &w, err), FS_EINVAL);
  assert_int_equal(fs__report_weights_parse("revenue 1\n", &w, err), FS_EINVAL);
  assert_int_equal(fs__report_weights_parse("revenue = 1\nrevenue = 2\n", &w, err), FS_EINVAL);
  assert_non_null(strstr(err, "twice"));
  assert_int_equal(fs__report_weights_parse("revenue = 0\n", &w, err), FS_EINVAL);
  assert_non_null(strstr(err, "all 0"));
  assert_int_equal(fs__report_weights_parse("credit = 2.5\nstrategic=0.5", &w, err), 0);
  assert_true(w.w[FS_RC_CREDIT] == 2.5 && w.w[FS_RC_STRATEGIC] == 0.5 &&
              w.w[FS_RC_REVENUE] == 0.0 && w.w[FS_RC_MARGIN] == 0.0);
  /* From a file. */
  path = fs_test_path(fx->dir, "weights.conf");
  f = fopen(path, "w");
  assert_non_null(f);
  fputs("payment = 3\n", f);
  fclose(f);
  assert_int_equal(fs__report_weights_load(path, &w, err), 0);
  assert_true(w.w[FS_RC_PAYMENT] == 3.0 && w.w[FS_RC_REVENUE] == 0.0);
  free(path);
  path = fs_test_path(fx->dir, "absent.conf");
  assert_int_equal(fs__report_weights_load(path, &w, err), FS_EIO);
  assert_non_null(strstr(err, "absent.conf"));
  free(path);
}

/* ---- showroom ------------------------------------------------------------
 * Unique customers: K1 = card C2 (S1 10:15 Mon, S2 10:40 Mon), K2 = phone
 * "138 0000" (S3 14:05 Sat, S4 15:30 Sun, trimmed), K3 = S5, K4 = S6
 * (anonymous, 14:20 and 14:25 Sat).  S7 after --to, S8 deleted.
 * Details: K1, K2; serious: K1 (A, O), K2 (B); ordered: K1. */
static void test_showroom(void **state) {
  fixture *fx = *state;
  fs__strbuf want;
  const char *s;

  fs__strbuf_init(&want, 1 << 16);
  fs__strbuf_printf(&want, "section,entries,customers,left_details,details_share,serious,"
                           "serious_share,ordered,conversion\n"
                           "summary,6,4,2,50.0%%,2,50.0%%,1,25.0%%\n\nsection,hour,entries,customers\n");
  for (int h = 0; h < 24; h++)
    fs__strbuf_printf(&want, "hours,%02d,%d,%d\n", h, h == 10 ? 2 : h == 14 ? 3 : h == 15,
                      h == 10 ? 1 : h == 14 ? 3 : 0);
  fs__strbuf_printf(&want, "\nsection,weekday,day,entries,customers\n"
                           "weekdays,0,Sun,1,0\nweekdays,1,Mon,2,1\nweekdays,2,Tue,0,0\n"
                           "weekdays,3,Wed,0,0\nweekdays,4,Thu,0,0\nweekdays,5,Fri,0,0\n"
                           "weekdays,6,Sat,3,3\n"
                           /* 汉 EV: S1, S2 (K1), S4 (K2); Model Y: S3 (K2, grade C),
                            * S5 (K3); (none): S6. */
                           "\nsection,model,entries,customers,left_details,serious,ordered,"
                           "conversion\n"
                           "models,Model Y,2,2,1,0,0,0.0%%\n"
                           "models,汉 EV,3,2,2,2,1,50.0%%\n"
                           "models,(none),1,1,0,0,0,0.0%%\n"
                           /* A01: S1 (K1), S3, S4 (K2); A02: S2 (K1), S5, S6. */
                           "\nsection,rep,entries,customers,left_details,serious,ordered,"
                           "conversion\n"
                           "reps,A01,3,2,2,2,0,0.0%%\n"
                           "reps,A02,3,3,1,1,1,33.3%%\n");
  assert_int_equal(want.overflow, 0);
  assert_string_equal(run(fx, "showroom", NULL), want.s);
  fs__strbuf_release(&want);

  /* Human table: the model column holds CJK text; every line of that
   * section (header, rule, rows) has the same display width, because the
   * last column is numeric and right-aligned. */
  s = run_fmt(fx, "showroom", NULL, FS_REPORT_TABLE);
  assert_true(strncmp(s, "showroom: ", 10) == 0);
  assert_non_null(strstr(s, "period 2026-03-01 .. 2026-03-31\n"));
  s = strstr(s, "Per model of interest\n");
  assert_non_null(s);
  s += strlen("Per model of interest\n");
  {
    int width = -1, lines = 0;
    while (*s && *s != '\n') {
      const char *e = strchr(s, '\n');
      char line[512];
      int w;
      assert_true((size_t)(e - s) < sizeof(line));
      memcpy(line, s, (size_t)(e - s));
      line[e - s] = '\0';
      w = (int)fs__display_width(line);
      if (width < 0)
        width = w;
      assert_int_equal(w, width);
      lines++;
      s = e + 1;
    }
    assert_int_equal(lines, 5); /* header, rule, three models */
  }
}

/* ---- activity ---------------------------------------------------------------
 * Per author and day: visits (in_person, showroom, event), calls (phone),
 * other (letter, email), new cards (C2 03-20; C9 deleted), grade changes.
 * The 03-19 visit of A02's customer C4 was made by A01. */
static void test_activity(void **state) {
  fixture *fx = *state;
  fs_report_params p;

  assert_string_equal(run(fx, "activity", NULL),
                      "section,date,rep,visits,calls,other,new_prospects,grade_changes\n"
                      "days,2026-03-01,A01,0,0,0,0,1\n"
                      "days,2026-03-02,A02,0,0,0,0,1\n"
                      "days,2026-03-03,B01,0,0,0,0,1\n"
                      "days,2026-03-04,A01,1,0,0,0,0\n"
                      "days,2026-03-05,A01,0,0,0,0,1\n"
                      "days,2026-03-05,A02,0,1,0,0,0\n"
                      "days,2026-03-10,A01,1,0,0,0,1\n"
                      "days,2026-03-12,A02,1,0,0,0,0\n"
                      "days,2026-03-15,A01,0,0,0,0,1\n"
                      "days,2026-03-15,B01,0,1,0,0,0\n"
                      "days,2026-03-19,A01,1,0,0,0,0\n"
                      "days,2026-03-20,A01,0,1,0,1,1\n"
                      "days,2026-03-21,A01,2,0,0,0,0\n"
                      "days,2026-03-25,A01,0,1,0,0,0\n"
                      "days,2026-03-26,A01,1,0,0,0,0\n"
                      "days,2026-03-26,A02,0,0,1,0,0\n"
                      "days,2026-03-30,B01,0,0,1,0,0\n"
                      "\n"
                      "section,rep,visits,calls,other,new_prospects,grade_changes\n"
                      "reps,A01,6,2,0,1,5\n"
                      "reps,A02,1,1,1,0,1\n"
                      "reps,B01,0,1,1,0,1\n"
                      "reps,*,7,4,2,1,7\n"
                      "\n"
                      "section,rep,recorded,visit_date,archive_no,customer,method,days_late\n");
  /* Default period of activity: the one day --to. */
  memset(&p, 0, sizeof(p));
  p.name = "activity";
  p.to = "2026-03-21";
  fx->out.len = 0;
  assert_int_equal(run_sections(fx, &p), 0);
  assert_string_equal(fx->out.s, "section,date,rep,visits,calls,other,new_prospects,grade_changes\n"
                                 "days,2026-03-21,A01,2,0,0,0,0\n"
                                 "\n"
                                 "section,rep,visits,calls,other,new_prospects,grade_changes\n"
                                 "reps,A01,2,0,0,0,0\n"
                                 "reps,*,2,0,0,0,0\n"
                                 "\n"
                                 "section,rep,recorded,visit_date,archive_no,customer,"
                                 "method,days_late\n");
}

/* Defaults: to = today, from = the first of its month. */
static void test_default_period(void **state) {
  fixture *fx = *state;
  fs_report_params p;

  memset(&p, 0, sizeof(p));
  p.name = "visits";
  p.today = "2026-03-31";
  fx->out.len = 0;
  assert_int_equal(run_sections(fx, &p), 0);
  assert_string_equal(fx->out.s, visits_all);
  fx->out.len = 0;
  assert_int_equal(fs__report_run(fx->db, &p, FS_REPORT_JSON, &fx->out, fx->err), 0);
  {
    static const char head[] =
        "{\"report\":\"visits\",\"from\":\"2026-03-01\",\"to\":\"2026-03-31\","
        "\"owners\":[],\"compliance\":[{\"rep\":\"A01\",\"grade\":\"O\","
        "\"customers\":1,\"due\":2,\"met\":0,\"missed\":2,\"done\":0,"
        "\"overdue\":1,\"compliance\":0.0},";
    assert_memory_equal(fx->out.s, head, strlen(head));
    assert_non_null(strstr(fx->out.s, "{\"rep\":\"*\",\"grade\":\"*\",\"customers\":7,"
                                      "\"due\":41,\"met\":9,\"missed\":32,\"done\":13,"
                                      "\"overdue\":4,\"compliance\":22.0}],"));
    assert_non_null(strstr(fx->out.s, "\"teams\":[{\"team\":\"M01\",\"grade\":\"O\","));
    assert_non_null(strstr(fx->out.s, "{\"team\":\"M02\",\"grade\":\"*\",\"customers\":1,"
                                      "\"due\":15,\"met\":1,\"missed\":14,\"done\":2,"
                                      "\"overdue\":1,\"compliance\":6.7}],"));
    /* Nothing due: null, not 100.0. */
    assert_non_null(strstr(fx->out.s, "\"due\":0,\"met\":0,\"late\":0,\"missed\":0,"
                                      "\"compliance\":null,"));
  }
  /* The period line says which defaults made it. */
  fx->out.len = 0;
  assert_int_equal(fs__report_run(fx->db, &p, FS_REPORT_TABLE, &fx->out, fx->err), 0);
  assert_non_null(strstr(fx->out.s, "\nperiod 2026-03-01 .. 2026-03-31 (default: month to "
                                    "date)\n"));
  p.name = "activity";
  fx->out.len = 0;
  assert_int_equal(fs__report_run(fx->db, &p, FS_REPORT_TABLE, &fx->out, fx->err), 0);
  assert_non_null(strstr(fx->out.s, "\nperiod 2026-03-31 .. 2026-03-31 (default: today)\n"));
  p.from = "2026-03-02";
  fx->out.len = 0;
  assert_int_equal(fs__report_run(fx->db, &p, FS_REPORT_TABLE, &fx->out, fx->err), 0);
  assert_non_null(strstr(fx->out.s, "\nperiod 2026-03-02 .. 2026-03-31 (--to default: "
                                    "today)\n"));
}

/* The CSV the programs write: ONE table, one header row ("section" and
 * the union of the sections' columns), every section's rows under it. */
static void test_csv_one_header(void **state) {
  static const char head[] =
      "section,rep,grade,customers,due,met,missed,done,overdue,compliance,"
      "team,late,avg_hours,max_hours,avg_days,max_days\n"
      "compliance,A01,O,1,2,0,2,0,1,0.0%,,,,,,\n";
  fixture *fx = *state;
  fs_report_params p;
  const char *s;

  memset(&p, 0, sizeof(p));
  p.name = "visits";
  p.from = "2026-03-01";
  p.to = "2026-03-31";
  fx->out.len = 0;
  assert_int_equal(fs__report_run(fx->db, &p, FS_REPORT_CSV, &fx->out, fx->err), 0);
  s = fx->out.s;
  assert_memory_equal(s, head, strlen(head));
  assert_null(strstr(s + 1, "\nsection,"));
  assert_null(strstr(s, "\n\n"));
  assert_non_null(strstr(s, "\nteams,,*,6,26,8,18,11,3,30.8%,M01,,,,,\n"));
  assert_non_null(strstr(s, "\ncallbacks,*,,,4,0,2,,,0.0%,,2,347.54,431.75,,\n"));
  assert_non_null(strstr(s, "\nfollowups,*,,,0,0,0,,,n/a,,0,,,,\n"));
}

static void test_errors(void **state) {
  fixture *fx = *state;
  static const char *const bad[] = {"a01", NULL};
  fs_report_params p;
  fs__strbuf small;

  memset(&p, 0, sizeof(p));
  p.name = "nope";
  p.to = "2026-03-31";
  assert_int_equal(fs__report_run(fx->db, &p, FS_REPORT_CSV, &fx->out, fx->err), FS_EINVAL);
  assert_non_null(strstr(fx->err, "unknown report \"nope\""));
  p.name = "visits";
  p.from = "2026-02-30";
  assert_int_equal(fs__report_run(fx->db, &p, FS_REPORT_CSV, &fx->out, fx->err), FS_EINVAL);
  assert_non_null(strstr(fx->err, "--from 2026-02-30 is not a date"));
  p.from = "2026-3-1";
  assert_int_equal(fs__report_run(fx->db, &p, FS_REPORT_CSV, &fx->out, fx->err), FS_EINVAL);
  assert_non_null(strstr(fx->err, "YYYY-MM-DD"));
  p.from = "2026-04-01";
  assert_int_equal(fs__report_run(fx->db, &p, FS_REPORT_CSV, &fx->out, fx->err), FS_EINVAL);
  assert_non_null(strstr(fx->err, "after --to"));
  p.from = NULL;
  p.owners = bad;
  p.nowners = 1;
  assert_int_equal(fs__report_run(fx->db, &p, FS_REPORT_CSV, &fx->out, fx->err), FS_EINVAL);
  assert_non_null(strstr(fx->err, "a01"));
  p.owners = NULL;
  p.nowners = 0;
  /* A bounded output reports the overflow, not a truncated success. */
  fs__strbuf_init(&small, 100);
  assert_int_equal(fs__report_run(fx->db, &p, FS_REPORT_TABLE, &small, fx->err), FS_EOVERFLOW);
  fs__strbuf_release(&small);
}

/* The options both command lines share (fs__report_opts): data each
 * program parses its argv with; fs__report_request_set checks the values. */
static void set(fs_report_request *q, const char *opt, const char *value, int want) {
  char err[FS_REPORT_ERR_MAX];
  const fs_report_opt *o = fs__report_opt_find(opt);

  assert_non_null(o);
  assert_int_equal(fs__report_request_set(q, o, value, err), want);
  if (want)
    assert_true(err[0] != '\0');
}

static void test_request(void **state) {
  fs_report_request q;
  int nflags = 0;

  (void)state;
  memset(&q, 0, sizeof(q));
  set(&q, "--from", "2026-03-01", 0);
  set(&q, "--rep", "A01", 0);
  set(&q, "--rep", "A02", 0);
  set(&q, "--team", "M01", 0);
  set(&q, "--csv", NULL, 0);
  set(&q, "--top", "5", 0);
  set(&q, "--weights", "w.conf", 0);
  assert_string_equal(q.from, "2026-03-01");
  assert_null(q.to);
  assert_int_equal(q.nreps, 2);
  assert_string_equal(q.reps[1], "A02");
  assert_string_equal(q.team, "M01");
  assert_string_equal(q.weights, "w.conf");
  assert_int_equal(q.csv, 1);
  assert_int_equal(q.top, 5);
  set(&q, "--top", "0", 0);
  assert_int_equal(q.top, -1); /* 0 = all */
  set(&q, "--from", NULL, FS_EUSAGE);
  set(&q, "--top", "-1", FS_EUSAGE);
  set(&q, "--top", "5x", FS_EUSAGE);
  assert_null(fs__report_opt_find("--bogus"));
  assert_null(fs__report_opt_find("visits"));
  /* Every option is in the usage line both programs print. */
  for (const fs_report_opt *o = fs__report_opts; o->name; o++) {
    assert_non_null(strstr(FS_REPORT_USAGE, o->name));
    nflags += o->value == NULL;
  }
  assert_int_equal(nflags, 1); /* --csv */
  assert_non_null(fs__report_summary("ranking"));
  assert_null(fs__report_summary("x"));
}

int main(void) {
  fs_test_schema_records_only();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_visits, setup, teardown),
      cmocka_unit_test_setup_teardown(test_visits_reopened, setup, teardown),
      cmocka_unit_test_setup_teardown(test_visits_duties, setup, teardown),
      cmocka_unit_test_setup_teardown(test_visits_deleted_card, setup, teardown),
      cmocka_unit_test_setup_teardown(test_visits_contact_methods, setup, teardown),
      cmocka_unit_test_setup_teardown(test_lost_classes, setup, teardown),
      cmocka_unit_test_setup_teardown(test_activity_backdated, setup, teardown),
      cmocka_unit_test_setup_teardown(test_visits_on_replica, setup, teardown),
      cmocka_unit_test_setup_teardown(test_team, setup, teardown),
      cmocka_unit_test_setup_teardown(test_funnel, setup, teardown),
      cmocka_unit_test_setup_teardown(test_lost, setup, teardown),
      cmocka_unit_test_setup_teardown(test_csv_formula_cells, setup, teardown),
      cmocka_unit_test_setup_teardown(test_ranking, setup, teardown),
      cmocka_unit_test_setup_teardown(test_weights, setup, teardown),
      cmocka_unit_test_setup_teardown(test_showroom, setup, teardown),
      cmocka_unit_test_setup_teardown(test_activity, setup, teardown),
      cmocka_unit_test_setup_teardown(test_default_period, setup, teardown),
      cmocka_unit_test_setup_teardown(test_csv_one_header, setup, teardown),
      cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
      cmocka_unit_test(test_request),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
