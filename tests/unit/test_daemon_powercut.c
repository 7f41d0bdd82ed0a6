/* test_daemon_powercut.c - the central store keeps what it acknowledged.
 *
 * The "powercut" VFS (powercut_vfs.h) is the default VFS under
 * fs__central_open, the daemon's own open path.  Writes are committed the
 * way the writer thread commits a group (fs__central_begin, the jobs,
 * fs__central_commit: the daemon acknowledges after that commit returns),
 * then the power is cut (every write not followed by a sync is lost) and
 * the store reopened: every committed group is there. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/central.h"
#include "store/impl.h"
#include "db.h"
#include "fs_errno.h"
#include "powercut_vfs.h"

#define NGROUPS 10
#define GROUP 5

static void test_acknowledged_groups_survive(void **state) {
  char *dir = fs_test_tmpdir();
  char *path = fs_test_path(dir, "central.db");
  fs_central *c = NULL;
  char key[32];

  (void)state;
  assert_int_equal(fs_powercut_register(1), SQLITE_OK);
  assert_int_equal(fs__central_open(path, 1, &c), 0);
  fs__central_free(c);
  c = NULL;
  assert_int_equal(fs__central_open(path, 0, &c), 0);
  for (int g = 0; g < NGROUPS; g++) {
    assert_int_equal(fs__central_begin(c), 0);
    for (int j = 0; j < GROUP; j++) {
      snprintf(key, sizeof(key), "powercut.%d", g * GROUP + j);
      assert_int_equal(fs__meta_set_int(fs__central_db(c), key, j), 0);
    }
    assert_int_equal(fs__central_commit(c), 0); /* acknowledged from here */
  }
  fs_powercut_cut();
  fs__central_free(c); /* nothing it writes now reaches the disk */
  c = NULL;
  assert_int_equal(fs_powercut_restore(), 0);
  assert_int_equal(fs__central_open(path, 0, &c), 0);
  assert_int_equal(fs_powercut_count_written(fs__central_db(c)), NGROUPS * GROUP);
  fs__central_free(c);
  fs_powercut_unregister();
  free(path);
  fs_test_rmdir(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_acknowledged_groups_survive),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
