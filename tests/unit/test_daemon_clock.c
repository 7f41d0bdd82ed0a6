/* test_daemon_clock.c - issue 13: the test clock reaches fieldsyncd.
 *
 * FS_TEST_CLOCK_SKEW_MS in the daemon's environment moves its wall clock
 * (common/hlc.h, fs__now_ms): the WELCOME time it sends and what it
 * decides with that clock.  Here the daemon runs two days ahead: a HELLO
 * stamped by the system clock is two days old for it and refused as a
 * replay (HELLO_MAX_AGE_MS, one day), one stamped two days ahead is
 * welcomed with the daemon's (skewed) time, and its log says the clock is
 * skewed.  What a device claims never moves the daemon's clock: the same
 * device's HELLO is judged by the daemon's own time both ways.  Before the
 * hook the daemon ignored the variable: the first HELLO was welcomed. */
#include "daemontest.h"
#include "wiretest.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hlc.h"

#define AHEAD_MS (2 * 86400000LL)

static int setup(void **state) {
  return fs_test_world_setup(state, "staff add A01 --name 'Li' --role rep", NULL);
}

static void test_daemon_runs_ahead(void **state) {
  fs_test_world *w = *state;
  fs_wire_dev h;
  fs_wire_hello hello = {0};
  char skew[32], *log, *path;
  size_t len;
  uint64_t now;
  int rc;

  /* The device enrolls while the daemon keeps the system clock. */
  fs_replica_close(fs_test_enroll(&w->d, w->tmp, "A01", "a01"));
  /* This process keeps its own clock whatever its environment says. */
  fs__clock_set_skew(0);
  snprintf(skew, sizeof(skew), "%lld", AHEAD_MS);
  assert_int_equal(setenv(FS_TEST_CLOCK_ENV, skew, 1), 0);
  fs_test_daemon_kill(&w->d, SIGTERM);
  fs_test_daemon_serve(&w->d);
  assert_int_equal(unsetenv(FS_TEST_CLOCK_ENV), 0);

  fs_wire_load(&h, w->tmp, "a01");
  rc = fs_wire_open(&h, NULL);
  printf("clock: a HELLO stamped now, to a daemon two days ahead: %s\n",
         rc ? fs_strerror(rc) : "welcomed");
  assert_int_not_equal(rc, 0);
  fs_wire_close(&h);
  now = fs__now_ms();
  hello.time = now + (uint64_t)AHEAD_MS;
  assert_int_equal(fs_wire_open(&h, &hello), 0);
  printf("clock: WELCOME time %lld ms ahead of this process\n",
         (long long)(h.welcome.u.welcome.time - now));
  assert_true(h.welcome.u.welcome.time >= now + (uint64_t)AHEAD_MS - 1000);
  assert_true(h.welcome.u.welcome.time < now + (uint64_t)AHEAD_MS + 60 * 1000);
  fs_wire_free(&h);

  path = fs_test_path(w->d.dir, "daemon.log");
  log = fs_test_slurp(path, &len);
  assert_non_null(strstr(log, FS_TEST_CLOCK_ENV "=172800000"));
  free(log);
  free(path);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_daemon_runs_ahead, setup,
                                      fs_test_world_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
