/* test_daemon_wipereport.c - issue 13: the wipe reports its errors.
 *
 * A departed rep's phone syncs, uploads, and is told to WIPE.  Clearing the
 * records inside the replica fails here (a table it empties is missing);
 * fs_sync still returns FS_EREVOKED with stats->wiped (the caller must erase
 * the files), and its message says the clear failed and what to do.
 * Before, the failure was only logged and the message was the daemon's
 * reason alone.
 */
#include "daemontest.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fs_errno.h"

typedef struct world {
  fs_test_daemon d;
  char *tmp;
} world;

static int setup(void **state) {
  world *w = calloc(1, sizeof(*w));
  assert_non_null(w);
  fs_test_world_start(&w->d, &w->tmp, "staff add M01 --name 'Manager' --role manager",
                      "staff add A01 --name 'Anna' --manager M01",
                      "staff add A02 --name 'Bo' --manager M01", NULL);
  *state = w;
  return 0;
}

static int teardown(void **state) {
  world *w = *state;
  fs_test_world_stop(&w->d, w->tmp);
  free(w);
  return 0;
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
  free(fs_test_daemon_cmd(&w->d, NULL, "depart A01 --successor A02"));

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
      cmocka_unit_test_setup_teardown(test_failed_clear_is_reported, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
