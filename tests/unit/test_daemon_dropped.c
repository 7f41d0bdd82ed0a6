/* test_daemon_dropped.c - issue 13: nothing is dropped in silence.
 *
 * 1. A PULL page that cannot hold all its CONFLICTS items or NOTICEs ends
 *    early; none is skipped.  The page bounds are FS_PULL_CONFLICTS_MAX and
 *    FS_PULL_NOTICES_MAX (daemon/server.h).  The central store gets one and
 *    a half pages of each, spread over the seqs of the rep's journal entries
 *    (as many changes' conflicts and as many handovers would be), then a
 *    hostile device (wiretest.h) pulls page by page from cursor 0 and must
 *    receive every item exactly once, in more than one page, with a cursor
 *    that always advances; and a real replica enrolled afterwards must
 *    store every item.  Before the fix the daemon sent the first 1000
 *    conflicts and 100 notices of a page and moved the cursor past the rest.
 * 2. A NOTICE the replica cannot store fails the page (and comes again)
 *    instead of being dropped; a handover's report, logged at a seq above
 *    its moved records' journal entries, reaches the successor at the sync
 *    right after it, not at some later change.
 * 3. A departed rep's phone is told to WIPE and clearing the records inside
 *    the replica fails (a table it empties is missing): fs_sync still
 *    returns FS_EREVOKED with stats->wiped (the caller must erase the
 *    files), and its message says the clear failed and what to do.  Before,
 *    the failure was only logged.
 */
#include "daemontest.h"
#include "wiretest.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fs_errno.h"
#include "server.h"

#define N_CONFLICTS (FS_PULL_CONFLICTS_MAX * 3 / 2)
#define N_NOTICES (FS_PULL_NOTICES_MAX * 3 / 2)
#define N_CARDS 8

typedef fs_test_world world;

static int setup(void **state) {
  return fs_test_world_setup(state, "staff add M01 --name 'Manager' --role manager",
                             "staff add A01 --name 'Anna' --manager M01",
                             "staff add A02 --name 'Bo' --manager M01", NULL);
}

/* Spreads n rows of `insert_select` (an INSERT ... SELECT over x in
 * [0, n), with s.seq the seq it belongs to) over A01's journal seqs, so
 * each seq holds n / seqs items: several seqs per page. */
static void spread_over_journal(world *w, int n, const char *insert_select) {
  char sql[2048];
  snprintf(
      sql, sizeof(sql),
      "WITH RECURSIVE n(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM n WHERE x < %d), "
      "j(seq, k) AS (SELECT seq, row_number() OVER (ORDER BY seq) - 1 FROM journal "
      "WHERE audience = 'A01'), "
      "s(x, seq) AS (SELECT x, (SELECT seq FROM j WHERE k = x %% (SELECT count(*) FROM "
      "j)) "
      "FROM n) %s",
      n - 1, insert_select);
  fs_test_central_exec(&w->d, sql);
}

static void test_pull_pages_skip_nothing(void **state) {
  world *w = *state;
  fs_replica *a, *b;
  fs_wire_dev h;
  fs_wire_page page;
  uint64_t cursor = 0, conflicts = 0, notices = 0;
  long long seqs;
  int pages = 0;

  a = fs_test_enroll(&w->d, w->tmp, "A01", "a01");
  for (int i = 0; i < N_CARDS; i++) {
    char name[32];
    snprintf(name, sizeof(name), "Card %d", i);
    fs_test_create_customer(a, name, "B", NULL);
  }
  fs_test_sync_ok(a, NULL);
  seqs = fs_test_central_int(&w->d, "SELECT count(*) FROM journal WHERE audience='A01'");
  /* Enough seqs that a page bound falls between two of them. */
  assert_true(seqs >= 4);
  spread_over_journal(
      w, N_CONFLICTS,
      "INSERT INTO conflicts(seq, kind, record_id, field, loser, loser_hlc, "
      "winner, winner_hlc, owner, at) SELECT seq, 'customer', "
      "printf('%032x', x + 1), 'name', 'lost ' || x, 1, 'kept ' || x, 2, "
      "'A01', 1000 + x FROM s");
  spread_over_journal(
      w, N_NOTICES,
      "INSERT INTO handovers(at, kind, from_staff, to_staff, dry_run, report, "
      "seq, manager) SELECT 1000 + x, 'transfer', 'A02', 'A01', 0, "
      "'handover report ' || x, seq, 'M01' FROM s");
  assert_int_equal(fs_test_central_int(&w->d, "SELECT count(*) FROM conflicts"),
                   N_CONFLICTS);
  assert_int_equal(fs_test_central_int(&w->d, "SELECT count(*) FROM handovers"),
                   N_NOTICES);

  /* The wire: page by page from cursor 0. */
  fs_wire_load(&h, w->tmp, "a01");
  assert_int_equal(fs_wire_open(&h, NULL), 0);
  do {
    assert_int_equal(fs_wire_pull(&h, cursor, &page), 0);
    assert_int_equal(page.error, 0);
    assert_true(page.got_checkpoint);
    assert_true(page.conflicts <= FS_PULL_CONFLICTS_MAX + N_CONFLICTS / seqs + 1);
    assert_true(page.notices <= FS_PULL_NOTICES_MAX + N_NOTICES / seqs + 1);
    printf("page %d: cursor %llu -> %llu, %u rows, %u conflicts, %u notices, more %d\n",
           pages, (unsigned long long)cursor, (unsigned long long)page.cursor, page.rows,
           page.conflicts, page.notices, page.more);
    /* Every page advances, and ends with more=1 until the last. */
    assert_true(page.cursor > cursor || !page.more);
    cursor = page.cursor;
    conflicts += page.conflicts;
    notices += page.notices;
    pages++;
  } while (page.more && pages < 100);
  fs_wire_close(&h);
  fs_wire_free(&h);
  assert_false(page.more);
  assert_true(pages >= 2);
  assert_int_equal(conflicts, N_CONFLICTS);
  assert_int_equal(notices, N_NOTICES);

  /* A real replica of the same rep, enrolled now, stores every item. */
  b = fs_test_enroll(&w->d, w->tmp, "A01", "a01b");
  fs_test_sync_ok(b, NULL);
  assert_int_equal(fs_test_replica_int(w->tmp, "a01b", "SELECT count(*) FROM conflicts"),
                   N_CONFLICTS);
  assert_int_equal(fs_test_replica_int(w->tmp, "a01b", "SELECT count(*) FROM notices"),
                   N_NOTICES);
  fs_replica_close(b);
  fs_replica_close(a);
}

/* A NOTICE the replica cannot store fails the sync and is pulled again,
 * never dropped while the cursor moves on (before: a failed prepare of its
 * INSERT was ignored and the notice lost). */
static void test_notice_store_failure_not_dropped(void **state) {
  world *w = *state;
  fs_replica *a, *b;
  fs_sync_stats st;
  char id[33], err[256], *out, *db;
  sqlite3 *h;
  int status = -1;

  a = fs_test_enroll(&w->d, w->tmp, "A01", "a01");
  b = fs_test_enroll(&w->d, w->tmp, "A02", "a02");
  fs_test_create_customer(b, "Moving card", "A", id);
  fs_test_sync_ok(b, NULL);
  fs_test_sync_ok(a, NULL);
  out = fs_test_daemon_cmd(&w->d, &status, "transfer --yes --from A02 --to A01 --customer %s",
                           id);
  assert_int_equal(status, 0);
  free(out);

  /* The replica's notices table is gone: storing the notice fails. */
  db = fs_test_path(w->tmp, "a01/replica.db");
  assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
  assert_int_equal(
      sqlite3_exec(h, "ALTER TABLE notices RENAME TO notices_away", NULL, NULL, NULL),
      SQLITE_OK);
  memset(&st, 0, sizeof(st));
  assert_int_not_equal(fs_sync(a, NULL, &st, err, sizeof(err)), 0);
  printf("sync with no notices table: %s\n", err);
  assert_int_equal(
      fs_test_replica_int(w->tmp, "a01", "SELECT count(*) FROM notices_away"), 0);
  /* Repaired: the same notice comes again, with the page it belongs to. */
  assert_int_equal(
      sqlite3_exec(h, "ALTER TABLE notices_away RENAME TO notices", NULL, NULL, NULL),
      SQLITE_OK);
  sqlite3_close(h);
  free(db);
  fs_test_sync_ok(a, NULL);
  assert_int_equal(fs_test_replica_int(w->tmp, "a01", "SELECT count(*) FROM notices"), 1);
  assert_int_equal(fs_test_replica_int(
                       w->tmp, "a01", "SELECT count(*) FROM customers WHERE owner='A01'"),
                   1);
  fs_replica_close(a);
  fs_replica_close(b);
}

static void test_failed_clear_is_reported(void **state) {
  world *w = *state;
  char *dir = fs_test_path(w->tmp, "a01"), *db = fs_test_path(dir, "replica.db"),
       err[512];
  fs_replica *r = fs_test_enroll(&w->d, w->tmp, "A01", "a01");
  fs_sync_stats st;
  struct stat sb;
  sqlite3 *h = NULL;
  int rc;

  fs_test_create_customer(r, "Before the departure", "A", NULL);
  fs_test_sync_ok(r, NULL);
  fs_replica_close(r);
  free(fs_test_daemon_cmd(&w->d, NULL, "depart --yes A01 --successor A02"));

  assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
  assert_int_equal(
      sqlite3_exec(h, "ALTER TABLE resync_seen RENAME TO resync_gone", NULL, NULL, NULL),
      SQLITE_OK);
  sqlite3_close(h);

  assert_int_equal(fs_replica_open(dir, &r), 0);
  memset(&st, 0, sizeof(st));
  rc = fs_sync(r, NULL, &st, err, sizeof(err));
  printf("sync after departure, clear failing: %d (%s): %s\n", rc, fs_strerror(rc), err);
  assert_int_equal(rc, FS_EREVOKED);
  assert_true(st.wiped);
  assert_non_null(strstr(err, "clearing the records inside the replica failed"));
  assert_non_null(strstr(err, "fs_replica_erase"));
  /* The files still go. */
  assert_int_equal(fs_replica_erase(r, NULL, NULL), 0);
  assert_int_not_equal(stat(dir, &sb), 0);
  free(db);
  free(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_pull_pages_skip_nothing, setup,
                                      fs_test_world_teardown),
      cmocka_unit_test_setup_teardown(test_notice_store_failure_not_dropped, setup,
                                      fs_test_world_teardown),
      cmocka_unit_test_setup_teardown(test_failed_clear_is_reported, setup,
                                      fs_test_world_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
