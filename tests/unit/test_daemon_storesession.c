/* test_daemon_storesession.c - issue 13: the session calls of the central
 * store interface (daemon/store/session.h), on a real store without a
 * daemon.
 *
 * The SQL the server ran inline moved behind typed calls; these tests pin
 * their contracts, above all the paging of a pull's side pages: at most max
 * items, the items of one seq never split, the first seq always whole, the
 * cut reported as the seq of the first item left out, and items a device
 * may not see neither sent nor counted.  Also the reads of a handshake and
 * a re-check (applied counter, staff name, gc floor, evicted audiences) and
 * the writes of device health, loan reads and the admin write mark.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fs_errno.h"
#include "store/central.h"
#include "store/impl.h" /* the test writes fixtures with SQL */
#include "store/session.h"
#include "testutil.h"

typedef struct fixture {
  char *dir;
  fs_central *c;
  fs_store_rd *rd;
} fixture;

static int setup(void **state) {
  fixture *f = calloc(1, sizeof(*f));
  char *path;

  assert_non_null(f);
  f->dir = fs_test_tmpdir();
  path = fs_test_path(f->dir, "central.db");
  assert_int_equal(fs__central_open(path, 1, &f->c), 0);
  assert_int_equal(fs__store_rd_open(path, &f->rd), 0);
  free(path);
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fixture *f = *state;

  fs__store_rd_free(f->rd);
  fs__central_free(f->c);
  fs_test_rmdir(f->dir);
  free(f);
  return 0;
}

static void sql(fixture *f, const char *q) {
  assert_int_equal(fs__db_exec(fs__central_db(f->c), q), 0);
}

static void conflict(fixture *f, int seq, const char *owner, const char *field) {
  char q[512];

  snprintf(q, sizeof(q),
           "INSERT INTO conflicts(seq, kind, record_id, field, loser, loser_hlc, winner, "
           "winner_hlc, loser_device, owner, at) VALUES(%d, 'customer', "
           "'0123456789abcdef0123456789abcdef', '%s', 'old', 1, 'new', 2, NULL, '%s', 5)",
           seq, field, owner);
  sql(f, q);
}

/* Conflicts of A01 at seqs 10 (3 items), 12 (2), 13 (1); B01's at 11 and
 * 12 are not A01's to see. */
static void conflicts_fixture(fixture *f) {
  conflict(f, 10, "A01", "name");
  conflict(f, 10, "A01", "phone");
  conflict(f, 10, "A01", "address");
  conflict(f, 11, "B01", "name");
  conflict(f, 12, "B01", "name");
  conflict(f, 12, "A01", "name");
  conflict(f, 12, "A01", "phone");
  conflict(f, 13, "A01", "name");
}

static void test_conflicts_page_cuts_between_seqs(void **state) {
  fixture *f = *state;
  fs_access *a = calloc(1, sizeof(*a));
  fs_conflict_item *items = NULL;
  uint32_t n = 0;
  uint64_t cut = 0;

  assert_non_null(a);
  assert_int_equal(fs__access_init(a, "A01", FS_ROLE_REP), 0);
  conflicts_fixture(f);
  /* max 3: seq 10 fills the page, the next visible item (seq 12) is cut;
   * B01's item at 11 is neither sent nor a reason to cut. */
  assert_int_equal(fs__store_conflicts_page(f->rd, a, 0, 20, 3, &items, &n, &cut), 0);
  assert_int_equal(n, 3);
  assert_int_equal(cut, 12);
  for (uint32_t i = 0; i < n; i++)
    assert_string_equal(items[i].kind, "customer");
  assert_int_equal(items[0].loser.type, FS_V_TEXT);
  assert_string_equal(items[0].loser.s, "old");
  fs__store_conflicts_free(items, n);
  /* max 4: seq 12 starts below the bound and goes in whole (5 items). */
  assert_int_equal(fs__store_conflicts_page(f->rd, a, 0, 20, 4, &items, &n, &cut), 0);
  assert_int_equal(n, 5);
  assert_int_equal(cut, 13);
  fs__store_conflicts_free(items, n);
  /* The first seq of a page always goes in whole, even over the bound. */
  assert_int_equal(fs__store_conflicts_page(f->rd, a, 0, 20, 1, &items, &n, &cut), 0);
  assert_int_equal(n, 3);
  assert_int_equal(cut, 12);
  fs__store_conflicts_free(items, n);
  /* Within (after, upto] only; nothing left out: no cut. */
  assert_int_equal(fs__store_conflicts_page(f->rd, a, 10, 12, 4, &items, &n, &cut), 0);
  assert_int_equal(n, 2);
  assert_int_equal(cut, 0);
  fs__store_conflicts_free(items, n);
  free(a);
}

static void test_notices_page_cuts_between_seqs(void **state) {
  fixture *f = *state;
  fs_notice_row *rows = NULL;
  uint32_t n = 0;
  uint64_t cut = 0;

  sql(f, "INSERT INTO handovers(at, kind, from_staff, to_staff, dry_run, report, seq, "
         "manager) VALUES(100, 'depart', 'A02', 'A01', 0, 'r1', 20, 'M01'),"
         "(101, 'depart', 'A03', 'C01', 0, 'r2', 20, 'A01'),"
         "(102, 'depart', 'A04', 'A01', 1, 'dry', 21, 'M01'),"
         "(103, 'transfer', 'A05', 'B01', 0, 'other', 22, 'M02'),"
         "(104, 'transfer', 'A06', 'A01', 0, NULL, 23, 'M01')");
  assert_int_equal(fs__store_notices_page(f->rd, "A01", 0, 30, 1, &rows, &n, &cut), 0);
  assert_int_equal(n, 2); /* seq 20 whole: as successor and as manager */
  assert_int_equal(cut, 23);
  assert_int_equal(rows[0].seq, 20);
  assert_int_equal(rows[0].at, 100);
  assert_string_equal(rows[0].body, "r1");
  assert_string_equal(rows[1].body, "r2");
  fs__store_notices_free(rows, n);
  /* The dry run and another staff's handover are never a notice for A01. */
  assert_int_equal(fs__store_notices_page(f->rd, "A01", 20, 30, 10, &rows, &n, &cut), 0);
  assert_int_equal(n, 1);
  assert_int_equal(cut, 0);
  assert_string_equal(rows[0].body, "");
  fs__store_notices_free(rows, n);
}

static void test_handshake_reads(void **state) {
  fixture *f = *state;
  char name[128];
  uint64_t v = 99;

  assert_int_equal(fs__store_staff_name(f->rd, "A01", name, sizeof(name)), FS_ENOTFOUND);
  assert_string_equal(name, "");
  sql(f, "INSERT INTO staff(code, name, role) VALUES('A01', 'Li Wei', 'rep')");
  assert_int_equal(fs__store_staff_name(f->rd, "A01", name, sizeof(name)), 0);
  assert_string_equal(name, "Li Wei");
  assert_int_equal(fs__store_applied_max(f->rd, 7, &v), 0);
  assert_int_equal(v, 0);
  sql(f, "INSERT INTO applied(device_id, counter, outcome) VALUES(7, 3, 1), (7, 41, 1), "
         "(8, 99, 1)");
  assert_int_equal(fs__store_applied_max(f->rd, 7, &v), 0);
  assert_int_equal(v, 41);
  v = 99;
  assert_int_equal(fs__store_gc_floor(f->rd, &v), 0);
  assert_int_equal(v, 0);
  sql(f, "INSERT OR REPLACE INTO meta(key, value) VALUES('gc_floor', 17)");
  assert_int_equal(fs__store_gc_floor(f->rd, &v), 0);
  assert_int_equal(v, 17);
}

static void test_evicted_audiences(void **state) {
  fixture *f = *state;
  char(*aud)[FS_STAFF_MAX + 1] = NULL;
  int n = -1;

  sql(f, "INSERT INTO journal(seq, kind, record_id, audience, op) VALUES"
         "(30, 0, 'r1', 'A01', 2), (31, 0, 'r2', 'B01', 2), (32, 0, 'r3', 'B01', 2),"
         "(33, 0, 'r4', 'C01', 1)");
  assert_int_equal(fs__store_evicted_audiences(f->rd, 30, &aud, &n), 0);
  assert_int_equal(n, 1);
  assert_string_equal(aud[0], "B01");
  free(aud);
  assert_int_equal(fs__store_evicted_audiences(f->rd, 40, &aud, &n), 0);
  assert_int_equal(n, 0);
  assert_null(aud);
}

static long long one_int(fixture *f, const char *q) {
  sqlite3_stmt *st = NULL;
  long long v = -1;

  assert_int_equal(sqlite3_prepare_v2(fs__central_db(f->c), q, -1, &st, NULL), SQLITE_OK);
  if (sqlite3_step(st) == SQLITE_ROW)
    v = sqlite3_column_type(st, 0) == SQLITE_NULL ? -2 : sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return v;
}

static void test_writer_calls(void **state) {
  fixture *f = *state;
  fs_loan_read reads[2];
  uint64_t mark;

  sql(f, "INSERT INTO devices(id, staff, pubkey, slot) VALUES(5, 'A01', x'01', 1)");
  sql(f,
      "INSERT INTO loans(customer_id, staff, until, ended) VALUES('cust1', 'A01', 0, 0)");
  assert_int_equal(fs__central_begin(f->c), 0);
  mark = fs__store_write_mark(f->c);
  /* An unknown device: nothing written, the mark stays. */
  assert_int_equal(fs__store_device_cursor(f->c, 6, 1000, 9), 0);
  assert_int_equal(fs__store_write_mark(f->c), mark);
  assert_int_equal(fs__store_device_pushed(f->c, 5, 2000, 4, 1500, 12), 0);
  assert_true(fs__store_write_mark(f->c) != mark);
  memset(reads, 0, sizeof(reads));
  snprintf(reads[0].customer, sizeof(reads[0].customer), "cust1");
  reads[0].rows = 3;
  snprintf(reads[1].customer, sizeof(reads[1].customer), "cust2"); /* no loan */
  reads[1].rows = 1;
  assert_int_equal(fs__store_loan_reads(f->c, 5, "A01", 3000, reads, 2), 0);
  assert_int_equal(fs__central_commit(f->c), 0);
  assert_int_equal(one_int(f, "SELECT outbox_depth FROM devices WHERE id=5"), 4);
  assert_int_equal(one_int(f, "SELECT oldest_unsynced FROM devices WHERE id=5"), 1500);
  assert_int_equal(one_int(f, "SELECT cursor FROM devices WHERE id=5"), 12);
  assert_int_equal(one_int(f, "SELECT count(*) FROM loan_reads"), 1);
  assert_int_equal(one_int(f, "SELECT record_count FROM loan_reads WHERE device_id=5"),
                   3);
  /* Nothing left on the device: no oldest unsynced change. */
  assert_int_equal(fs__central_begin(f->c), 0);
  assert_int_equal(fs__store_device_pushed(f->c, 5, 4000, 0, 1500, 14), 0);
  assert_int_equal(fs__store_device_cursor(f->c, 5, 5000, 15), 0);
  assert_int_equal(fs__central_commit(f->c), 0);
  assert_int_equal(one_int(f, "SELECT oldest_unsynced FROM devices WHERE id=5"), -2);
  assert_int_equal(one_int(f, "SELECT last_seen FROM devices WHERE id=5"), 5000);
  assert_int_equal(one_int(f, "SELECT cursor FROM devices WHERE id=5"), 15);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_conflicts_page_cuts_between_seqs, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_notices_page_cuts_between_seqs, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_handshake_reads, setup, teardown),
      cmocka_unit_test_setup_teardown(test_evicted_audiences, setup, teardown),
      cmocka_unit_test_setup_teardown(test_writer_calls, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
