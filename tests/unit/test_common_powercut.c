/* test_common_powercut.c - a commit that returned survives a power cut.
 *
 * The "powercut" VFS (powercut_vfs.h), registered as the default, sits
 * under fs__db_open unchanged: the replica (client role, as
 * client/replica.c opens it) and the central store (daemon role) are opened
 * with their real pragmas (fs__db_pragmas), commit writes one transaction
 * each, then the power is cut (every write not followed by a sync is
 * lost) and the database reopened.  With the pragmas fieldsync sets every
 * committed write is there; with synchronous=NORMAL the same scenario
 * loses the last commits, which shows the shim really drops them. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "fs_errno.h"
#include "powercut_vfs.h"

#define NCOMMITS 20

/* Commits NCOMMITS writes (one transaction each, as a local write or a
 * writer group does), cuts the power, reopens: returns how many survived;
 * *nsync is the number of syncs the commits made. */
static int survivors(fs_schema_role role, int normal, unsigned long *nsync) {
  char *dir = fs_test_tmpdir();
  char *path = fs_test_path(dir, "store.db");
  sqlite3 *db = NULL;
  char key[32];
  unsigned long syncs;
  int n;

  assert_int_equal(fs_powercut_register(1), SQLITE_OK);
  /* A store that exists, closed cleanly (checkpointed and synced). */
  assert_int_equal(fs__db_open(path, 1, role, &db), 0);
  fs__db_close(db);
  assert_int_equal(fs__db_open(path, 0, role, &db), 0);
  if (normal)
    assert_int_equal(fs__db_exec(db, "PRAGMA synchronous=NORMAL"), 0);
  syncs = fs_powercut_syncs();
  for (int i = 0; i < NCOMMITS; i++) {
    snprintf(key, sizeof(key), "powercut.%d", i);
    assert_int_equal(fs__db_begin(db), 0);
    assert_int_equal(fs__meta_set_int(db, key, i), 0);
    assert_int_equal(fs__db_commit(db), 0);
  }
  *nsync = fs_powercut_syncs() - syncs;
  fs_powercut_cut();
  fs__db_close(db); /* nothing it writes now reaches the disk */
  assert_int_equal(fs_powercut_restore(), 0);
  db = NULL;
  assert_int_equal(fs__db_open(path, 0, role, &db), 0);
  n = fs_powercut_count_written(db);
  fs__db_close(db);
  fs_powercut_unregister();
  free(path);
  fs_test_rmdir(dir);
  return n;
}

static void test_replica_commits_survive(void **state) {
  unsigned long nsync;

  (void)state;
  assert_int_equal(survivors(FS_SCHEMA_CLIENT, 0, &nsync), NCOMMITS);
  assert_true(nsync >= NCOMMITS); /* FULL: a sync per commit */
}

static void test_central_commits_survive(void **state) {
  unsigned long nsync;

  (void)state;
  assert_int_equal(survivors(FS_SCHEMA_DAEMON, 0, &nsync), NCOMMITS);
  assert_true(nsync >= NCOMMITS);
}

/* The control: the shim does drop unsynced commits. */
static void test_normal_loses_commits(void **state) {
  unsigned long nsync;

  (void)state;
  assert_true(survivors(FS_SCHEMA_CLIENT, 1, &nsync) < NCOMMITS);
  assert_true(survivors(FS_SCHEMA_DAEMON, 1, &nsync) < NCOMMITS);
}

int main(void) {
  fs_test_schema_records_only();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_replica_commits_survive),
      cmocka_unit_test(test_central_commits_survive),
      cmocka_unit_test(test_normal_loses_commits),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
