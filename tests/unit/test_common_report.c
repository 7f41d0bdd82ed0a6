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
    "  NULL, NULL, 100, NULL, 100, 100),"
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

/* p: report name over [from, to] with owners (NULL-terminated list). */
static void params(fs_report_params *p, const char *name, const char *from, const char *to,
                   const char *const *owners) {
  int n = 0;

  while (owners && owners[n])
    n++;
  memset(p, 0, sizeof(*p));
  p->name = name;
  p->from = from;
  p->to = to;
  p->owners = owners;
  p->nowners = n;
}

/* Runs a report over March 2026 with owners (NULL-terminated list). */
static const char *run_fmt(fixture *fx, const char *name, const char *const *owners,
                           fs_report_format fmt) {
  fs_report_params p;

  params(&p, name, "2026-03-01", "2026-03-31", owners);
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

/* Month-end stock-take (issue 14): funnel --as-of 2026-02, the state at the
 * end of 2026-02-28, replayed from the grade changes.  Cards then: C1
 * (opened 01-10), C3, C4, C5, C6, C8 and Z's card (A02, deleted on 03-20,
 * after the month: its grade B of 02-20 counts); C2 (opened 03-20) and C7
 * (04-05) came later, C9 was deleted in 1970.  Grades on 02-28 (every
 * change of the data set is in March, so each card had its first change's
 * previous grade): C1 C, C3 A, C4 C, C6 B (lost only on 03-10), C8 C, C5
 * delivered (no changes: its own).  Stages: only visits dated by 02-28
 * count (opportunities keep no stage history): C6's proposal of 02-10;
 * its contract of 03-10 and C4's proposal of 03-12 are later.  Period:
 * February; movement: Z's new -> B of 02-20. */
static void test_funnel_as_of(void **state) {
  fixture *fx = *state;
  static const char *const sql[] = {
      "INSERT INTO customers(id, owner, author, hlc, deleted, archive_no) VALUES"
      " (" ID("c", "40") ", 'A02', 'A02', "
      "CAST(((julianday('2026-03-20') - 2440587.5) * 86400 + 43200) * 1000 AS INTEGER) << 16,"
      " 1, 'A02-2026-0009')",
      "INSERT INTO grade_changes(id, owner, author, hlc, deleted, customer_id, grade,"
      " prev_grade, date) VALUES"
      " (" ID("d", "40") ", 'A02', 'A02', 1, 0, " ID("c", "40") ", 'B', NULL, '2026-02-20')",
      "INSERT INTO visits(id, owner, author, hlc, deleted, customer_id, at, method, stage)"
      " VALUES (" ID("a", "40") ", 'A01', 'A01', 1, 0, " C6 ", '2026-02-10T10:00',"
      " 'in_person', 'proposal')",
  };
  fs_report_params p;

  for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]); i++)
    assert_int_equal(fs__db_exec(fx->db, sql[i]), 0);
  memset(&p, 0, sizeof(p));
  p.name = "funnel";
  p.as_of = "2026-02";
  p.today = "2026-04-10";
  assert_int_equal(run_sections(fx, &p), 0);
  assert_string_equal(
      fx->out.s,
      "section,rep,grade,none,contact,explanation,demonstration,proposal,contract,total\n"
      "grades,A01,A,1,0,0,0,0,0,1\n"
      "grades,A01,B,0,0,0,0,1,0,1\n"
      "grades,A01,C,1,0,0,0,0,0,1\n"
      "grades,A02,B,1,0,0,0,0,0,1\n"
      "grades,A02,C,1,0,0,0,0,0,1\n"
      "grades,A02,delivered,1,0,0,0,0,0,1\n"
      "grades,B01,C,1,0,0,0,0,0,1\n"
      "grades,*,A,1,0,0,0,0,0,1\n"
      "grades,*,B,1,0,0,0,1,0,2\n"
      "grades,*,C,3,0,0,0,0,0,3\n"
      "grades,*,delivered,1,0,0,0,0,0,1\n"
      "\n"
      "section,from_grade,to_grade,count\n"
      "movement,new,B,1\n");
  /* The text names the snapshot and the period it defaulted to. */
  fx->out.len = 0;
  assert_int_equal(fs__report_run(fx->db, &p, FS_REPORT_TABLE, &fx->out, fx->err), 0);
  assert_non_null(strstr(fx->out.s, "period 2026-02-01 .. 2026-02-28 (default: the --as-of "
                                    "month); as of the end of 2026-02 (2026-02-28)\n"));
  /* The same month on the day after it ended, with A01 only. */
  {
    static const char *const a01[] = {"A01"};
    p.today = "2026-03-01";
    p.owners = a01;
    p.nowners = 1;
    assert_int_equal(run_sections(fx, &p), 0);
    assert_non_null(strstr(fx->out.s, "grades,*,B,0,0,0,0,1,0,1\n"));
    p.owners = NULL;
    p.nowners = 0;
  }
  /* A month that has not ended, a bad month, another report: refused. */
  p.today = "2026-02-28";
  assert_int_equal(run_sections(fx, &p), FS_EINVAL);
  assert_non_null(strstr(fx->err, "has not ended"));
  p.today = "2026-04-10";
  p.as_of = "2026-13";
  assert_int_equal(run_sections(fx, &p), FS_EINVAL);
  assert_non_null(strstr(fx->err, "not a month"));
  p.as_of = "2026-02";
  p.name = "visits";
  assert_int_equal(run_sections(fx, &p), FS_EINVAL);
  assert_non_null(strstr(fx->err, "funnel report only"));
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
 * Set (issue 14: every customer, prospects included): C1..C5, C7 (a
 * prospect: no revenue, growth 100, credit 100, strategic 100) and C8
 * (revenue 0); C6 lost and C9 deleted are not.  Total 10000, max revenue
 * 5000, max margin 1000.  Default weights 30 20 15 15 10 10 (sum 100):
 *   C3 30 + 20 + 13.5 + 13.5 + 9 + 9 = 95
 *   C2 .3*60 + .2*30 + .15*40 + .15*60 + .1*60 + .1*40 = 49
 *   C1 .3*20 + .2*20 + .15*50 + .15*80 + .1*70 + .1*20 = 38.5
 *   C7 .15*100 + .1*100 + .1*100 = 35
 *   C4 3 + 2 + 1.5 + 1.5 + 1 + 1 = 10, C5 .3*10 = 3, C8 0
 * Default cut-offs diamond 70, gold 50, silver 30: C3 diamond; C2, C1 and
 * the prospect C7 silver (key accounts: 4, revenue 9000 = 90%); C4, C5,
 * C8 none.  Prospects: C7, C8.  cum_share in score order 50, 80, 90, 90,
 * 95, 100, 100.  pareto_80: by revenue C3 (50%), C2 (80%) = 2.
 * The cards: C3 stored gold by the manager's override; C2 stored silver,
 * key (as computed); C1 and C7 store nothing: to_apply 2. */
static const char ranking_all[] =
    "section,customers,prospects,revenue,key_accounts,key_share,diamond,gold,silver,"
    "pareto_80,overrides,to_apply,from_card\n"
    "summary,7,2,100.00,4,90.0%,1,0,3,2,1,2,7\n"
    "\n"
    "section,rank,archive_no,name,owner,revenue,margin,revenue_n,margin_n,growth,payment,"
    "credit,strategic,score,share,cum_share,key,tier,card_tier,override,source\n"
    "ranking,1,A01-2025-0003,Charlie 查理车队,A01,50.00,10.00,100.00,100.00,90,90,90,90,95.00,"
    "50.0%,50.0%,yes,diamond,gold,yes,card\n"
    "ranking,2,A01-2026-0002,Bravo 布拉沃,A01,30.00,3.00,60.00,30.00,40,60,60,40,49.00,30.0%,"
    "80.0%,yes,silver,silver,no,card\n"
    "ranking,3,A01-2026-0001,Alpha Motors,A01,10.00,2.00,20.00,20.00,50,80,70,20,38.50,10.0%,"
    "90.0%,yes,silver,none,no,card\n"
    "ranking,4,B01-2026-0001,Golf,B01,0.00,0.00,0.00,0.00,100,0,100,100,35.00,0.0%,90.0%,yes,"
    "silver,none,no,card\n"
    "ranking,5,A02-2026-0001,Delta 德尔塔,A02,5.00,1.00,10.00,10.00,10,10,10,10,10.00,5.0%,"
    "95.0%,no,none,none,no,card\n"
    "ranking,6,A02-2025-0001,Echo,A02,5.00,0.00,10.00,0.00,0,0,0,0,3.00,5.0%,100.0%,no,none,"
    "none,no,card\n"
    "ranking,7,B01-2026-0002,Hotel 酒店,B01,0.00,0.00,0.00,0.00,0,0,0,0,0.00,0.0%,100.0%,no,none,"
    "none,no,card\n";

static void test_ranking(void **state) {
  fixture *fx = *state;
  static const char *const a02[] = {"A02", NULL};
  fs_report_params p;
  fs_report_weights w;
  char err[FS_REPORT_ERR_MAX];
  const char *s;

  assert_int_equal(fs__db_exec(fx->db, "UPDATE customers SET tier = 'gold', key_account = 1,"
                                       " tier_override = 1 WHERE id = " C3),
                   0);
  assert_int_equal(fs__db_exec(fx->db, "UPDATE customers SET tier = 'silver',"
                                       " key_account = 1 WHERE id = " C2),
                   0);
  assert_string_equal(run(fx, "ranking", NULL), ranking_all);
  /* A02 alone: max revenue 500, margin 100.  C4 30 + 20 + 1.5 + 1.5 + 1 +
   * 1 = 55 gold, C5 30 silver (the cut-off itself counts). */
  s = run(fx, "ranking", a02);
  assert_non_null(strstr(s, "summary,2,0,10.00,2,100.0%,0,1,1,2,0,2,2\n"));
  assert_non_null(strstr(s, "ranking,1,A02-2026-0001,Delta 德尔塔,A02,5.00,1.00,100.00,100.00,"
                            "10,10,10,10,55.00,50.0%,50.0%,yes,gold,none,no,card\n"));
  assert_non_null(strstr(s, "ranking,2,A02-2025-0001,Echo,A02,5.00,0.00,100.00,0.00,0,0,0,0,"
                            "30.00,50.0%,100.0%,yes,silver,none,no,card\n"));
  /* Weights file text: revenue and margin only, equal: C3 100, C2 45, C1
   * 20, C4 10, C5 5, C7 and C8 0 (same revenue: by id). */
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
  assert_non_null(strstr(fx->out.s, ",90,90,90,90,100.00,50.0%,50.0%,yes,diamond,gold,yes,card\n"));
  assert_non_null(strstr(fx->out.s, ",40,60,60,40,45.00,30.0%,80.0%,yes,silver,silver,no,card\n"));
  assert_non_null(strstr(fx->out.s, "ranking,3,A01-2026-0001,Alpha Motors,A01,10.00,2.00,20.00,"
                                    "20.00,50,80,70,20,20.00,10.0%,90.0%,no,none,none,no,card\n"));
  assert_null(strstr(fx->out.s, "ranking,4,")); /* --top 3 */
  /* The setting over the file: strategic value alone, cut-offs 90 40 20:
   * C7 100 and C3 90 diamond, C2 40 gold, C1 20 silver, C4 10 none. */
  p.weights = NULL;
  p.scoring = "revenue=0, margin=0,growth=0;payment=0,credit=0,strategic=5,"
              "diamond=90,gold=40,silver=20";
  p.top = 0;
  fx->out.len = 0;
  assert_int_equal(run_sections(fx, &p), 0);
  assert_non_null(strstr(fx->out.s, "summary,7,2,100.00,4,90.0%,2,1,1,2,1,3,7\n"));
  assert_non_null(strstr(fx->out.s, "ranking,1,B01-2026-0001,Golf,B01,0.00,0.00,0.00,0.00,100,0,"
                                    "100,100,100.00,0.0%,0.0%,yes,diamond,none,no,card\n"));
  assert_non_null(strstr(fx->out.s, ",90,90,90,90,90.00,50.0%,50.0%,yes,diamond,gold,yes,card\n"));
  assert_non_null(strstr(fx->out.s, ",40,60,60,40,40.00,30.0%,80.0%,yes,gold,silver,no,card\n"));
  assert_non_null(strstr(fx->out.s, ",50,80,70,20,20.00,10.0%,90.0%,yes,silver,none,no,card\n"));
  assert_non_null(strstr(fx->out.s, ",10,10,10,10,10.00,5.0%,95.0%,no,none,none,no,card\n"));
  /* A bad setting is refused with what is wrong. */
  p.scoring = "diamond=40,gold=50";
  assert_int_equal(fs__report_run(fx->db, &p, FS_REPORT_CSV, &fx->out, fx->err), FS_EINVAL);
  assert_non_null(strstr(fx->err, "silver <= gold <= diamond"));
}

/* Issue 14: ranking on a chosen period of the sales history (sales_period).
 * Period 2026-01-15 .. 2026-03-31: months from January (the first of
 * --from's month) to March.
 *   C3 history Jan 2000/400, Feb 1000/100, Mar 500/-50: 3500, margin 450
 *   C4 history Dec 9000/900 (before), Mar 4000/800: 4000, margin 800
 *   C2 only a deleted record: the card's 3000/300 (source card); C1, C5,
 *   C7, C8 the card's too.
 * Max revenue 4000 (C4), max margin 800:
 *   C3 .3*87.5 + .2*56.25 + 45 = 82.50 diamond
 *   C4 30 + 20 + 5 = 55.00 gold; C2 .3*75 + .2*37.5 + 25 = 55.00 gold
 *   (same score: C4's revenue first)
 *   C1 .3*25 + .2*25 + 28.5 = 41.00 silver; C7 35.00 silver; C5 .3*12.5 =
 *   3.75; C8 0.
 * Total 12000: shares C3 29.2, C4 33.3, C2 25.0, C1 8.3, C5 4.2; key
 * accounts C3 C4 C2 C1 C7 = 11500 = 95.8%; pareto_80 by revenue C4 4000,
 * C3 7500, C2 10500 >= 9600: 3; from_card 5. */
static void test_ranking_period(void **state) {
  fixture *fx = *state;
  fs_report_params p;

  assert_int_equal(
      fs__db_exec(fx->db,
                  "INSERT INTO sales_periods(id, owner, author, hlc, deleted, customer_id,"
                  " period, revenue, margin, units, share) VALUES"
                  " (" ID("s", "01") ", 'A01', 'A01', 1, 0, " C3 ", '2026-01-01', 2000, 400,"
                  "  2, 50),"
                  " (" ID("s", "02") ", 'A01', 'A01', 1, 0, " C3 ", '2026-02-01', 1000, 100,"
                  "  1, 40),"
                  " (" ID("s", "03") ", 'A01', 'A01', 1, 0, " C3 ", '2026-03-01', 500, -50,"
                  "  1, 10),"
                  " (" ID("s", "04") ", 'A02', 'A02', 1, 0, " C4 ", '2025-12-01', 9000, 900,"
                  "  9, 90),"
                  " (" ID("s", "05") ", 'A02', 'A02', 1, 0, " C4 ", '2026-03-01', 4000, 800,"
                  "  4, 60),"
                  " (" ID("s", "06") ", 'A01', 'A01', 1, 1, " C2 ", '2026-03-01', 7777, 7,"
                  "  7, 7)"),
      0);
  memset(&p, 0, sizeof(p));
  p.name = "ranking";
  p.from = "2026-01-15";
  p.to = "2026-03-31";
  assert_int_equal(run_sections(fx, &p), 0);
  assert_non_null(strstr(fx->out.s, "summary,7,2,120.00,5,95.8%,1,2,2,3,0,5,5\n"));
  assert_non_null(strstr(fx->out.s, "ranking,1,A01-2025-0003,Charlie 查理车队,A01,35.00,4.50,"
                                    "87.50,56.25,90,90,90,90,82.50,29.2%,29.2%,yes,diamond,"
                                    "none,no,history\n"));
  assert_non_null(strstr(fx->out.s, "ranking,2,A02-2026-0001,Delta 德尔塔,A02,40.00,8.00,"
                                    "100.00,100.00,10,10,10,10,55.00,33.3%,62.5%,yes,gold,"
                                    "none,no,history\n"));
  assert_non_null(strstr(fx->out.s, "ranking,3,A01-2026-0002,Bravo 布拉沃,A01,30.00,3.00,75.00,"
                                    "37.50,40,60,60,40,55.00,25.0%,87.5%,yes,gold,none,no,"
                                    "card\n"));
  assert_non_null(strstr(fx->out.s, "ranking,4,A01-2026-0001,Alpha Motors,A01,10.00,2.00,25.00,"
                                    "25.00,50,80,70,20,41.00,8.3%,95.8%,yes,silver,none,no,"
                                    "card\n"));
  assert_non_null(strstr(fx->out.s, "ranking,6,A02-2025-0001,Echo,A02,5.00,0.00,12.50,0.00,0,0,0,"
                                    "0,3.75,4.2%,100.0%,no,none,none,no,card\n"));
  /* December alone: only C4's 9000 of history (C3 has none then: 0). */
  p.from = "2025-12-01";
  p.to = "2025-12-31";
  assert_int_equal(run_sections(fx, &p), 0);
  assert_non_null(strstr(fx->out.s, ",A01-2025-0003,Charlie 查理车队,A01,0.00,0.00,0.00,0.00,"));
  assert_non_null(strstr(fx->out.s, ",A02-2026-0001,Delta 德尔塔,A02,90.00,9.00,100.00,100.00,"));
  /* The default period: 12 months to date. */
  p.from = NULL;
  p.to = "2026-03-31";
  assert_int_equal(run_sections(fx, &p), 0);
  assert_non_null(strstr(fx->out.s, ",A02-2026-0001,Delta 德尔塔,A02,130.00,17.00,"));
  fx->out.len = 0;
  assert_int_equal(fs__report_run(fx->db, &p, FS_REPORT_TABLE, &fx->out, fx->err), 0);
  assert_non_null(
      strstr(fx->out.s, "period 2025-04-01 .. 2026-03-31 (--from default: the first of the "
                        "12th month back from --to)\n"));
}

static void test_scoring(void **state) {
  fs_report_scoring sc, d;
  char err[FS_REPORT_ERR_MAX];

  (void)state;
  fs__report_scoring_default(&d);
  assert_true(d.w.w[FS_RC_REVENUE] == 30 && d.w.w[FS_RC_MARGIN] == 20 &&
              d.w.w[FS_RC_GROWTH] == 15 && d.w.w[FS_RC_PAYMENT] == 15 &&
              d.w.w[FS_RC_CREDIT] == 10 && d.w.w[FS_RC_STRATEGIC] == 10);
  assert_true(d.cut[0] == 70 && d.cut[1] == 50 && d.cut[2] == 30);
  /* The default stated in --help and README is the built-in one. */
  sc = d;
  sc.cut[0] = 1;
  assert_int_equal(fs__report_scoring_parse(FS_REPORT_SCORING_DEFAULT, &sc, err, sizeof(err)),
                   0);
  assert_memory_equal(&sc, &d, sizeof(sc));
  /* Names not given keep their value. */
  assert_int_equal(fs__report_scoring_parse(" gold = 60 ; credit=0", &sc, err, sizeof(err)),
                   0);
  assert_true(sc.cut[1] == 60 && sc.cut[0] == 70 && sc.w.w[FS_RC_CREDIT] == 0 &&
              sc.w.w[FS_RC_REVENUE] == 30);
  assert_int_equal(fs__report_scoring_parse(NULL, &sc, err, sizeof(err)), 0);
  /* Errors leave it as it was. */
  sc = d;
  assert_int_equal(fs__report_scoring_parse("revenue=1,bogus=2", &sc, err, sizeof(err)),
                   FS_EINVAL);
  assert_non_null(strstr(err, "bogus"));
  assert_int_equal(fs__report_scoring_parse("margin=-1", &sc, err, sizeof(err)), FS_EINVAL);
  assert_non_null(strstr(err, "margin"));
  assert_int_equal(fs__report_scoring_parse("diamond=101", &sc, err, sizeof(err)), FS_EINVAL);
  assert_int_equal(fs__report_scoring_parse("silver=0", &sc, err, sizeof(err)), FS_EINVAL);
  assert_int_equal(fs__report_scoring_parse("gold=80", &sc, err, sizeof(err)), FS_EINVAL);
  assert_int_equal(fs__report_scoring_parse("growth", &sc, err, sizeof(err)), FS_EINVAL);
  assert_int_equal(fs__report_scoring_parse("credit=x", &sc, err, sizeof(err)), FS_EINVAL);
  assert_int_equal(
      fs__report_scoring_parse("revenue=0,margin=0,growth=0,payment=0,credit=0,strategic=0",
                               &sc, err, sizeof(err)),
      FS_EINVAL);
  assert_non_null(strstr(err, "all 0"));
  assert_memory_equal(&sc, &d, sizeof(sc));
}

static void test_weights(void **state) {
  fs_report_weights w, d;
  char err[FS_REPORT_ERR_MAX], *path;
  fixture *fx = *state;
  FILE *f;

  fs__report_weights_default(&d);
  assert_true(d.w[FS_RC_REVENUE] == 30 && d.w[FS_RC_MARGIN] == 20 &&
              d.w[FS_RC_GROWTH] == 15 && d.w[FS_RC_PAYMENT] == 15 &&
              d.w[FS_RC_CREDIT] == 10 && d.w[FS_RC_STRATEGIC] == 10);
  w = d;
  assert_int_equal(fs__report_weights_parse("revenue = 1\nfoo = 2\n", &w, err), FS_EINVAL);
  assert_non_null(strstr(err, "line 2"));
  assert_non_null(strstr(err, "foo"));
  assert_true(w.w[FS_RC_REVENUE] == 30); /* untouched on error */
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

/* What the showroom test adds to the fixture (kept out of data_sql: the
 * visits call-backs count showroom entries too). */
static const char *const showroom_sql[] = {
    "UPDATE showroom_log SET source = 'walk_in' WHERE id IN"
    " (" ID("f", "01") ", " ID("f", "02") ", " ID("f", "06") ")",
    "UPDATE showroom_log SET source = 'phone' WHERE id = " ID("f", "03"),
    "UPDATE showroom_log SET channel = 'walk_in' WHERE id = " ID("f", "04"),
    "INSERT INTO showroom_log(id, owner, author, hlc, deleted, arrived, customer_id,"
    " phone, left_details, model, grade, rep_on_duty, ordered, source, channel,"
    " revisit) VALUES"
    " (" ID("f", "09") ", 'A01', 'A01', 1, 0, '2026-03-14T11:00', " C3 ","
    "  '139 1111', NULL, 'Model Y', 'O', 'A01', 1, 'referral', 'phone', 0),"
    " (" ID("f", "10") ", 'A02', 'A02', 1, 0, '2026-03-20T09:30', NULL,"
    "  '138 0000', 1, '汉 EV', NULL, 'A02', 1, 'event', 'walk_in', 0),"
    " (" ID("f", "11") ", 'A01', 'A01', 1, 0, '2026-03-21T16:00', NULL,"
    "  NULL, 0, NULL, NULL, 'A01', 0, 'phone', NULL, 1)",
    /* A won opportunity closed: the conversion of C2's visitor. */
    "INSERT INTO opportunities(id, owner, author, hlc, deleted, customer_id, title,"
    " stage, status, closed) VALUES"
    " (" ID("b", "05") ", 'A01', 'A01', 1, 0, " C2 ", 'deal', 'contract', 'won',"
    "  '2026-03-28')",
};

/* ---- showroom ------------------------------------------------------------
 * Entries of March (S7 after --to, S8 deleted); 2026-03-01 is a Sunday.
 * Returning (report.h): the rep's word (revisit), else an earlier entry
 * with the same card or (trimmed) phone.  ld: first-time and left details
 * or a card linked; valid: ld and grade O, A, B or C; converted: ld,
 * linked, and an order on the card from the visit's day to 30 days after.
 *   S1  03-02 10:15 Mon A01 汉 EV  walk_in/-       C2: first; ld; A valid;
 *       won opportunity b05 closed 03-28 <= 04-01: converted
 *   S2  03-09 10:40 Mon A02 汉 EV  walk_in/-       C2 again: returning (S1)
 *   S3  03-07 14:05 Sat A01 Model Y phone/-        138 0000: first; ld; C valid
 *   S4  03-08 15:30 Sun A01 汉 EV  -/walk_in       " 138 0000 ": returning (S3)
 *   S5  03-07 14:20 Sat A02 Model Y -/-            anonymous first, no details
 *   S6  03-07 14:25 Sat A02 (none)  walk_in/-      phone "": first, no details
 *   S9  03-14 11:00 Sat A01 Model Y referral/phone C3, revisit no: first; ld
 *       (the card; left_details unset); O valid; C3 graded O on 03-15:
 *       converted; its ordered box ticked and shown
 *   S10 03-20 09:30 Fri A02 汉 EV  event/walk_in   138 0000 but revisit no
 *       (the rep's word wins): first; ld; no grade; no card: not
 *       converted, its ordered box ticked unverified
 *   S11 03-21 16:00 Sat A01 (none)  phone/-        revisit yes, no details
 * Channel unset: phone if the source is phone, else walk_in.
 * Summary: 9 entries, 3 returning (S2 S4 S11), 6 first-time, 4 ld (S1 S3
 * S9 S10) = 66.7%, 3 valid = 75.0%, 2 converted (S1 S9) = 50.0%, 1 ticked
 * unverified (S10). */
static void test_showroom(void **state) {
  fixture *fx = *state;
  fs__strbuf want;
  const char *s;

  for (size_t i = 0; i < sizeof(showroom_sql) / sizeof(showroom_sql[0]); i++)
    assert_int_equal(fs__db_exec(fx->db, showroom_sql[i]), 0);
  fs__strbuf_init(&want, 1 << 16);
  fs__strbuf_printf(&want, "section,entries,returning,first_time,left_details,details_share,"
                           "valid,valid_share,converted,conversion,ticked_unverified,"
                           "window_days\n"
                           "summary,9,3,6,4,66.7%%,3,75.0%%,2,50.0%%,1,30\n\n"
                           "section,hour,entries,first_time,left_details\n");
  /* 09 S10; 10 S1 S2; 11 S9; 14 S3 S5 S6; 15 S4; 16 S11. */
  for (int h = 0; h < 24; h++)
    fs__strbuf_printf(&want, "hours,%02d,%d,%d,%d\n", h,
                      h == 10 ? 2 : h == 14 ? 3 : (h == 9 || h == 11 || h == 15 || h == 16),
                      h == 14 ? 3 : (h >= 9 && h <= 11), (h >= 9 && h <= 11) || h == 14);
  fs__strbuf_printf(&want, "\nsection,weekday,day,entries,first_time,left_details\n"
                           "weekdays,0,Sun,1,0,0\nweekdays,1,Mon,2,1,1\nweekdays,2,Tue,0,0,0\n"
                           "weekdays,3,Wed,0,0,0\nweekdays,4,Thu,0,0,0\nweekdays,5,Fri,1,1,1\n"
                           "weekdays,6,Sat,5,4,2\n"
                           /* 汉 EV: S1 S2 S4 S10; Model Y: S3 S5 S9; (none): S6 S11.
                            * Most ld first, then most entries. */
                           "\nsection,model,entries,returning,left_details,valid,converted,"
                           "conversion\n"
                           "models,汉 EV,4,2,2,1,1,50.0%%\n"
                           "models,Model Y,3,0,2,2,1,50.0%%\n"
                           "models,(none),2,1,0,0,0,n/a\n"
                           /* A01: S1 S3 S4 S9 S11; A02: S2 S5 S6 S10. */
                           "\nsection,rep,entries,returning,left_details,valid,converted,"
                           "conversion\n"
                           "reps,A01,5,2,3,3,2,66.7%%\n"
                           "reps,A02,4,1,1,0,0,0.0%%\n"
                           /* walk_in: S1 S2 S6; phone: S3 S11; (none): S4 S5;
                            * referral: S9; event: S10.  Most ld first. */
                           "\nsection,month,source,entries,returning,left_details,valid,"
                           "converted,conversion\n"
                           "sources,2026-03,event,1,0,1,0,0,0.0%%\n"
                           "sources,2026-03,phone,2,1,1,1,0,0.0%%\n"
                           "sources,2026-03,referral,1,0,1,1,1,100.0%%\n"
                           "sources,2026-03,walk_in,3,1,1,1,1,100.0%%\n"
                           "sources,2026-03,(none),2,1,0,0,0,n/a\n"
                           /* walk_in: S1 S2 S4 S5 S6 S10; phone: S3 S9 S11. */
                           "\nsection,month,channel,entries,returning,left_details,valid,"
                           "converted,conversion\n"
                           "channels,2026-03,walk_in,6,2,2,1,1,50.0%%\n"
                           "channels,2026-03,phone,3,1,2,2,1,50.0%%\n");
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

/* The conversion window (--convert-days): S1's order (03-28) is 26 days
 * after its visit (03-02), S9's (03-15) one day after its own (03-14): with
 * 26 days both convert, with 25 only S9 (the last day counts, the one after
 * does not).  The header says the window, and whether it is the default.
 * A02 alone: S2 is still returning (S1 was A01's: any rep's entry counts). */
static void test_showroom_window(void **state) {
  fixture *fx = *state;
  static const char *const a02[] = {"A02", NULL};
  fs_report_params p;
  const char *s;

  for (size_t i = 0; i < sizeof(showroom_sql) / sizeof(showroom_sql[0]); i++)
    assert_int_equal(fs__db_exec(fx->db, showroom_sql[i]), 0);
  memset(&p, 0, sizeof(p));
  p.name = "showroom";
  p.from = "2026-03-01";
  p.to = "2026-03-31";
  for (int w = 25; w <= 26; w++) {
    char line[96];
    p.convert_days = w;
    assert_int_equal(run_sections(fx, &p), 0);
    snprintf(line, sizeof(line), "summary,9,3,6,4,66.7%%,3,75.0%%,%d,%s,1,%d\n", w - 24,
             w == 25 ? "25.0%" : "50.0%", w);
    assert_non_null(strstr(fx->out.s, line));
    assert_non_null(strstr(fx->out.s, w == 25 ? "reps,A01,5,2,3,3,1,33.3%\n"
                                              : "reps,A01,5,2,3,3,2,66.7%\n"));
  }
  fx->out.len = 0;
  assert_int_equal(fs__report_run(fx->db, &p, FS_REPORT_TABLE, &fx->out, fx->err), 0);
  assert_non_null(strstr(fx->out.s, "period 2026-03-01 .. 2026-03-31\n"
                                    "conversion window 26 days after the visit\n"));
  s = run_fmt(fx, "showroom", NULL, FS_REPORT_TABLE);
  assert_non_null(
      strstr(s, "\nconversion window 30 days after the visit (default; --convert-days)\n"));
  s = run(fx, "showroom", a02);
  assert_non_null(strstr(s, "summary,4,1,3,1,33.3%,0,0.0%,0,0.0%,1,30\n"));
  p.convert_days = 3651;
  assert_int_equal(fs__report_run(fx->db, &p, FS_REPORT_TABLE, &fx->out, fx->err),
                   FS_EINVAL);
  assert_non_null(strstr(fx->err, "1..3650 days"));
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
                      "section,rep,recorded,visit_date,archive_no,customer,method,days_late\n"
                      "\n"
                      "section,rep,month,item,planned,done,share\n");
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
                                 "method,days_late\n"
                                 "\n"
                                 "section,rep,month,item,planned,done,share\n");
}

/* Plan against actual (issue 14): A01's plan for March 2026.  Visit
 * records by A01 in March under the grade their card had as the day began:
 * C1 03-04 (A since 03-01) A; C1 03-25 (C again since 03-05) C; C2 03-20
 * (its first change, new -> A, has no previous grade: A), 03-21 x2, 03-26
 * A; C4 03-19 (A02's card, B since 03-02) B; C6 03-10 (lost only from
 * 03-10: B as the day began) B.  O 0, A 5, B 2, C 1.  New prospects: C2
 * (03-20; C9 is deleted).  Showroom follow-ups: the 03-02 and 03-09
 * visitors of C2 who left details are both followed up by A01's call of
 * 03-20: 2.  Deliveries: no card of A01 delivered in March; the plan sets
 * no target (planned empty, share n/a).  A02's February plan and B01's
 * April plan lie outside.  Up to 03-20 (from 03-15: the plan's month
 * still counts from its first day): A 2 (03-04, 03-20), B 2, C 0, new 1,
 * follow-ups 2. */
static void test_activity_plan(void **state) {
  fixture *fx = *state;
  static const char *const a01[] = {"A01", NULL};
  static const char *const sql[] = {
      "INSERT INTO activity_plans(id, owner, author, hlc, deleted, rep, month, visits_o,"
      " visits_a, visits_b, visits_c, new_prospects, showroom_followups, deliveries) VALUES"
      " (" ID("p", "01") ", 'A01', 'A01', 1, 0, 'A01', '2026-03-01', 1, 10, 2, 4, 2, 1, NULL),"
      " (" ID("p", "02") ", 'A02', 'M01', 1, 0, 'A02', '2026-02-01', 1, 1, 1, 1, 1, 1, 1),"
      " (" ID("p", "03") ", 'B01', 'B01', 1, 0, 'B01', '2026-04-01', 1, 1, 1, 1, 1, 1, 1)",
  };
  const char *out;
  fs_report_params p;

  for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]); i++)
    assert_int_equal(fs__db_exec(fx->db, sql[i]), 0);
  out = run(fx, "activity", a01);
  assert_non_null(strstr(out, "section,rep,month,item,planned,done,share\n"
                              "plan,A01,2026-03,visits_o,1,0,0.0%\n"
                              "plan,A01,2026-03,visits_a,10,5,50.0%\n"
                              "plan,A01,2026-03,visits_b,2,2,100.0%\n"
                              "plan,A01,2026-03,visits_c,4,1,25.0%\n"
                              "plan,A01,2026-03,new_prospects,2,1,50.0%\n"
                              "plan,A01,2026-03,showroom_followups,1,2,200.0%\n"
                              "plan,A01,2026-03,deliveries,,0,n/a\n"));
  /* Everyone: still A01's plan alone. */
  out = run(fx, "activity", NULL);
  assert_null(strstr(out, "plan,A02"));
  assert_null(strstr(out, "plan,B01"));
  memset(&p, 0, sizeof(p));
  p.name = "activity";
  p.from = "2026-03-15";
  p.to = "2026-03-20";
  assert_int_equal(run_sections(fx, &p), 0);
  assert_non_null(strstr(fx->out.s, "plan,A01,2026-03,visits_o,1,0,0.0%\n"
                                    "plan,A01,2026-03,visits_a,10,2,20.0%\n"
                                    "plan,A01,2026-03,visits_b,2,2,100.0%\n"
                                    "plan,A01,2026-03,visits_c,4,0,0.0%\n"
                                    "plan,A01,2026-03,new_prospects,2,1,50.0%\n"
                                    "plan,A01,2026-03,showroom_followups,1,2,200.0%\n"));
}

/* ---- signoff (issue 14) ------------------------------------------------------
 * Days with work in March per author: visit records, cards opened and
 * re-ratings (grade changes with a previous grade) dated that day.
 *   A01: 01 (re-rating C1), 04 (visit), 05 (re-rating), 10 (visit +
 *        re-rating C6), 15 (re-rating C3), 19 (visit of A02's C4), 20
 *        (call + card C2 opened; its opening grade entry is part of
 *        opening it), 21 (2 visits), 25, 26: 10 days;
 *   A02: 02 (re-rating), 05, 12, 26: 4 days; B01: 03 (re-rating), 15,
 *        30: 3 days.
 * Sign-offs: A01's 03-04 by M01, B01's 03-15 by M02; A02's 03-05 one is
 * deleted, so that day is unsigned. */
static void test_signoff_report(void **state) {
  fixture *fx = *state;
  static const char *const sql[] = {
      "INSERT INTO day_signoffs(id, owner, author, hlc, deleted, rep, day, signed_by,"
      " signed_at, visits, changes) VALUES"
      " (" ID("s", "01") ", 'A01', 'M01', 1, 0, 'A01', '2026-03-04', 'M01',"
      "  '2026-03-04T18:00:00', 1, 0),"
      " (" ID("s", "02") ", 'A02', 'M01', 1, 1, 'A02', '2026-03-05', 'M01',"
      "  '2026-03-06T09:00:00', 1, 0),"
      " (" ID("s", "03") ", 'B01', 'M02', 1, 0, 'B01', '2026-03-15', 'M02',"
      "  '2026-03-16T09:00:00', 1, 0)",
  };
  static const char *const b01[] = {"B01", NULL};
  int64_t v = -1, ch = -1;

  for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]); i++)
    assert_int_equal(fs__db_exec(fx->db, sql[i]), 0);
  assert_string_equal(run(fx, "signoff", NULL),
                      "section,rep,work_days,signed,unsigned\n"
                      "reps,A01,10,1,9\n"
                      "reps,A02,4,0,4\n"
                      "reps,B01,3,1,2\n"
                      "reps,*,17,2,15\n"
                      "\n"
                      "section,date,rep,visits,changes\n"
                      "unsigned,2026-03-01,A01,0,1\n"
                      "unsigned,2026-03-02,A02,0,1\n"
                      "unsigned,2026-03-03,B01,0,1\n"
                      "unsigned,2026-03-05,A01,0,1\n"
                      "unsigned,2026-03-05,A02,1,0\n"
                      "unsigned,2026-03-10,A01,1,1\n"
                      "unsigned,2026-03-12,A02,1,0\n"
                      "unsigned,2026-03-15,A01,0,1\n"
                      "unsigned,2026-03-19,A01,1,0\n"
                      "unsigned,2026-03-20,A01,1,1\n"
                      "unsigned,2026-03-21,A01,2,0\n"
                      "unsigned,2026-03-25,A01,1,0\n"
                      "unsigned,2026-03-26,A01,1,0\n"
                      "unsigned,2026-03-26,A02,1,0\n"
                      "unsigned,2026-03-30,B01,1,0\n"
                      "\n"
                      "section,date,rep,signed_by,signed_at,visits,changes\n"
                      "signoffs,2026-03-04,A01,M01,2026-03-04T18:00:00,1,0\n"
                      "signoffs,2026-03-15,B01,M02,2026-03-16T09:00:00,1,0\n");
  assert_string_equal(run(fx, "signoff", b01),
                      "section,rep,work_days,signed,unsigned\n"
                      "reps,B01,3,1,2\n"
                      "reps,*,3,1,2\n"
                      "\n"
                      "section,date,rep,visits,changes\n"
                      "unsigned,2026-03-03,B01,0,1\n"
                      "unsigned,2026-03-30,B01,1,0\n"
                      "\n"
                      "section,date,rep,signed_by,signed_at,visits,changes\n"
                      "signoffs,2026-03-15,B01,M02,2026-03-16T09:00:00,1,0\n");
  /* What a sign-off of A01's 03-20 and 03-21 covers. */
  assert_int_equal(fs__report_day_counts(fx->db, "A01", "2026-03-20", &v, &ch), 0);
  assert_int_equal(v, 1);
  assert_int_equal(ch, 1);
  assert_int_equal(fs__report_day_counts(fx->db, "A01", "2026-03-21", &v, &ch), 0);
  assert_int_equal(v, 2);
  assert_int_equal(ch, 0);
  assert_int_equal(fs__report_day_counts(fx->db, "A01", "2026-13-01", &v, &ch), FS_EINVAL);
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

/* Runs report name over [from, to] with owners (NULL-terminated) and
 * stale_days into fx->out, one CSV table per section. */
static const char *run_period(fixture *fx, const char *name, const char *from,
                              const char *to, const char *const *owners, int stale_days) {
  fs_report_params p;

  params(&p, name, from, to, owners);
  p.stale_days = stale_days;
  fx->out.len = 0;
  assert_int_equal(run_sections(fx, &p), 0);
  assert_string_equal(fx->err, "");
  return fx->out.s;
}

/* ---- cards (issue 14, smaller gaps) -----------------------------------------
 * Added to the data set: C5 Echo licence 2026-01-15, 3 units; C3 Charlie
 * (grade O) 2 units; C10 Kilo B01 delivered 03-05, licence 03-10, no units,
 * opened 2026-03-01; C11 Lima A01 delivered 02-20, no licence, 5 units,
 * opened 2025-06-01 but verified 2026-03-30; C4 Delta's deletion asked
 * for on 03-20, C2 Bravo's on 04-02 (after --to).
 * Period 2026-01-01 .. 03-31, stale after 90 days:
 *   open cards: C1 C2 C3 C4 C5 C7 C8 C10 C11 = 9 (C6 lost, C9 deleted);
 *   known good (last_verified, else created) more than 90 days before
 *   03-31: C5 2025-10-01 (31+30+31+31+28+30 = 181 days), C3 2025-12-01
 *   (31+31+28+30 = 120); C1 01-10 is 80 days, C4 01-05 85, C11 verified
 *   03-30 (opened 2025-06-01: stale but for the verification); C7 opened
 *   after --to.  stale 2; never verified: the 9 but C11 = 8.
 *   delivered C5 C10 C11 = 3; unfiled (no licence): C11 = 1; units 3 + 1
 *   (C10 counts 1) + 5 = 9; deletion requests by 03-31: C4 = 1.
 *   licence months: 2026-01 C5 (1 card, 3 units), 2026-03 C10 (1, 1, 1
 *   without units); * 2, 4, 1.
 *   checks: C3 (O with units), C11 (delivered, no licence), C10
 *   (delivered, no units); by owner then archive number.
 *   C4's request: 6 visit records (a09-a13, a18; the 04-01 one counts: the
 *   card keeps them all).
 * With --stale-days 150 only C5 (181 > 150 >= 120) is stale. */
static void cards_data(fixture *fx) {
  assert_int_equal(
      fs__db_exec(fx->db,
                  "UPDATE customers SET licence_date = '2026-01-15', units_delivered = 3"
                  " WHERE id = " C5 ";"
                  "UPDATE customers SET units_delivered = 2 WHERE id = " C3 ";"
                  "UPDATE customers SET delete_requested = '2026-03-20' WHERE id = " C4 ";"
                  "UPDATE customers SET delete_requested = '2026-04-02' WHERE id = " C2 ";"
                  "INSERT INTO customers(id, owner, author, hlc, deleted, archive_no, name,"
                  " grade, created, delivery_date, licence_date, units_delivered,"
                  " last_verified) VALUES"
                  " (" ID("c", "10") ", 'B01', 'B01', 1, 0, 'B01-2026-0003', 'Kilo', "
                  "  'delivered', '2026-03-01', '2026-03-05', '2026-03-10', NULL, NULL),"
                  " (" ID("c", "11") ", 'A01', 'A01', 1, 0, 'A01-2025-0009', 'Lima', "
                  "  'delivered', '2025-06-01', '2026-02-20', NULL, 5, '2026-03-30')"),
      0);
}

static void test_cards(void **state) {
  static const char *const a02[] = {"A02", NULL};
  fixture *fx = *state;
  const char *out;

  cards_data(fx);
  out = run_period(fx, "cards", "2026-01-01", "2026-03-31", NULL, 0);
  assert_string_equal(
      out,
      "section,open_cards,stale,never_verified,delivered,unfiled,units,delete_requests\n"
      "summary,9,2,8,3,1,9,1\n"
      "\n"
      "section,month,cards,units,without_units\n"
      "licence_months,2026-01,1,3,0\n"
      "licence_months,2026-03,1,1,1\n"
      "licence_months,*,2,4,1\n"
      "\n"
      "section,month,rep,archive_no,customer,delivery_date,licence_date,units\n"
      "filed,2026-01,A02,A02-2025-0001,Echo,2026-01-10,2026-01-15,3\n"
      "filed,2026-03,B01,B01-2026-0003,Kilo,2026-03-05,2026-03-10,\n"
      "\n"
      "section,rep,archive_no,customer,grade,delivery_date,licence_date,units,problem\n"
      "delivery_checks,A01,A01-2025-0003,Charlie 查理车队,O,,,2,"
      "licence date or units on a card not delivered\n"
      "delivery_checks,A01,A01-2025-0009,Lima,delivered,2026-02-20,,5,"
      "no licence date (not filed)\n"
      "delivery_checks,B01,B01-2026-0003,Kilo,delivered,2026-03-05,2026-03-10,,"
      "units delivered missing (counted as 1)\n"
      "\n"
      "section,rep,archive_no,customer,grade,last_verified,since,days\n"
      "stale,A02,A02-2025-0001,Echo,delivered,,2025-10-01,181\n"
      "stale,A01,A01-2025-0003,Charlie 查理车队,O,,2025-12-01,120\n"
      "\n"
      "section,requested,rep,archive_no,customer,grade,visits\n"
      "delete_requests,2026-03-20,A02,A02-2026-0001,Delta 德尔塔,B,6\n");
  /* The stale setting; March alone files no January licence. */
  out = run_period(fx, "cards", "2026-03-01", "2026-03-31", NULL, 150);
  assert_non_null(strstr(out, "summary,9,1,8,3,1,9,1\n"));
  assert_non_null(strstr(out, "\nlicence_months,2026-03,1,1,1\nlicence_months,*,1,1,1\n"));
  assert_non_null(strstr(out, "\nstale,A02,A02-2025-0001,Echo,delivered,,2025-10-01,181\n\n"));
  /* A02 alone: C4 and C5 are theirs (open 2, stale C5, delivered C5). */
  out = run_period(fx, "cards", "2026-01-01", "2026-03-31", a02, 0);
  assert_non_null(strstr(out, "summary,2,1,2,1,0,3,1\n"));
  assert_non_null(strstr(out, "licence_months,2026-01,1,3,0\nlicence_months,*,1,3,0\n"));
  assert_null(strstr(out, "delivery_checks,"));
  assert_non_null(strstr(out, "delete_requests,2026-03-20,A02,"));
}

/* ---- keyvisits (issue 14) ----------------------------------------------------
 * Added: C1 Alpha and C4 Delta are key accounts; C2 Bravo's visit a06
 * (03-21, A01) is flagged key_account.  Visits by managers: M01 on C1
 * 03-10, M01 on C4 02-10 (before the period), M02 on C4 03-15.
 * March:
 *   C1: key-account visits in March a02 (03-04), a03 (03-25), M01's 03-10
 *     (a04 is deleted) = 3; by supervisors 1 (M01); last 03-10.
 *   C2: only the flagged a06 counts (the card is no key account) = 1, none
 *     by a supervisor, never.
 *   C4: a10 a11 a12 a13 (03-05 .. 03-26; a18 is 04-01, a09 and M01's
 *     02-10 before) and M02's 03-15 = 5; by supervisors 1 (M02); last by a
 *     supervisor 03-15 (M01's 02-10 is older).
 *   supervisors: M01 1 card 1 visit, M02 1 card 1 visit; * 2 cards, 2.
 * A02 alone (C4 is theirs): C4's row; M02 1 1; * 1 1. */
static void keyvisits_data(fixture *fx) {
  assert_int_equal(
      fs__db_exec(
          fx->db,
          "UPDATE customers SET key_account = 1 WHERE id IN (" C1 ", " C4 ");"
          "UPDATE visits SET key_account = 1 WHERE id = " ID("a", "06") ";"
          "INSERT INTO visits(id, owner, author, hlc, deleted, customer_id, at, method)"
          " VALUES"
          " (" ID("a", "31") ", 'A01', 'M01', 1, 0, " C1 ", '2026-03-10T09:00', 'in_person'),"
          " (" ID("a", "32") ", 'A02', 'M01', 1, 0, " C4 ", '2026-02-10T09:00', 'in_person'),"
          " (" ID("a", "33") ", 'A02', 'M02', 1, 0, " C4 ", '2026-03-15T09:00', 'in_person')"),
      0);
}

static void test_keyvisits(void **state) {
  static const char *const a02[] = {"A02", NULL};
  fixture *fx = *state;

  keyvisits_data(fx);
  assert_string_equal(
      run(fx, "keyvisits", NULL),
      "section,rep,archive_no,customer,visits,by_supervisors,supervisors,"
      "last_by_supervisor\n"
      "key_accounts,A01,A01-2026-0001,Alpha Motors,3,1,M01,2026-03-10\n"
      "key_accounts,A01,A01-2026-0002,Bravo 布拉沃,1,0,,\n"
      "key_accounts,A02,A02-2026-0001,Delta 德尔塔,5,1,M02,2026-03-15\n"
      "\n"
      "section,supervisor,key_accounts,visits\n"
      "supervisors,M01,1,1\n"
      "supervisors,M02,1,1\n"
      "supervisors,*,2,2\n");
  assert_string_equal(run(fx, "keyvisits", a02),
                      "section,rep,archive_no,customer,visits,by_supervisors,supervisors,"
                      "last_by_supervisor\n"
                      "key_accounts,A02,A02-2026-0001,Delta 德尔塔,5,1,M02,2026-03-15\n"
                      "\n"
                      "section,supervisor,key_accounts,visits\n"
                      "supervisors,M02,1,1\n"
                      "supervisors,*,1,1\n");
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
  set(&q, "--scoring", "gold=60", 0);
  assert_string_equal(q.scoring, "gold=60");
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
  set(&q, "--convert-days", "45", 0);
  assert_int_equal(q.convert_days, 45);
  set(&q, "--convert-days", "0", FS_EUSAGE);
  set(&q, "--convert-days", "3651", FS_EUSAGE);
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
      cmocka_unit_test_setup_teardown(test_funnel_as_of, setup, teardown),
      cmocka_unit_test_setup_teardown(test_lost, setup, teardown),
      cmocka_unit_test_setup_teardown(test_csv_formula_cells, setup, teardown),
      cmocka_unit_test_setup_teardown(test_ranking, setup, teardown),
      cmocka_unit_test_setup_teardown(test_weights, setup, teardown),
      cmocka_unit_test_setup_teardown(test_scoring, setup, teardown),
      cmocka_unit_test_setup_teardown(test_ranking_period, setup, teardown),
      cmocka_unit_test_setup_teardown(test_showroom, setup, teardown),
      cmocka_unit_test_setup_teardown(test_showroom_window, setup, teardown),
      cmocka_unit_test_setup_teardown(test_activity, setup, teardown),
      cmocka_unit_test_setup_teardown(test_activity_plan, setup, teardown),
      cmocka_unit_test_setup_teardown(test_signoff_report, setup, teardown),
      cmocka_unit_test_setup_teardown(test_default_period, setup, teardown),
      cmocka_unit_test_setup_teardown(test_csv_one_header, setup, teardown),
      cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
      cmocka_unit_test_setup_teardown(test_cards, setup, teardown),
      cmocka_unit_test_setup_teardown(test_keyvisits, setup, teardown),
      cmocka_unit_test(test_request),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
