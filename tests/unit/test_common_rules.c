/* test_common_rules.c - issue 13's shared rules: the status tables
 * (status.h), FS_ASSERT (fs_assert.h) and the one "today" rule (date.h).
 */
/* This file checks the assertion's failure path whatever the build type. */
#define FS_ASSERT_ON 1
#include "testutil.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "date.h"
#include "fs_assert.h"
#include "status.h"

/* Every enum value maps to its stored string and back; anything else is
 * -1 one way and "?" the other. */
static void test_status_tables_round_trip(void **state) {
  (void)state;
  for (int v = FS_DEVICE_ACTIVE; v <= FS_DEVICE_WIPED; v++)
    assert_int_equal(fs__device_status_parse(fs__device_status_name((fs_device_status)v)),
                     v);
  for (int v = FS_STAFF_ACTIVE; v <= FS_STAFF_DEPARTED; v++)
    assert_int_equal(fs__staff_status_parse(fs__staff_status_name((fs_staff_status)v)),
                     v);
  for (int v = FS_OUTBOX_PENDING; v <= FS_OUTBOX_REJECTED; v++)
    assert_int_equal(fs__outbox_status_parse(fs__outbox_status_name((fs_outbox_status)v)),
                     v);
  for (int v = FS_QUARANTINE_PENDING; v <= FS_QUARANTINE_ERASED; v++)
    assert_int_equal(
        fs__quarantine_status_parse(fs__quarantine_status_name((fs_quarantine_status)v)),
        v);
  /* The stored strings are the ones the schema and old stores hold. */
  assert_string_equal(fs__device_status_name(FS_DEVICE_WIPE), "wipe");
  assert_string_equal(fs__staff_status_name(FS_STAFF_DEPARTED), "departed");
  assert_int_equal(fs__device_status_parse("Active"), -1);
  assert_int_equal(fs__device_status_parse(NULL), -1);
  assert_int_equal(fs__staff_status_parse("gone"), -1);
  assert_string_equal(fs__device_status_name((fs_device_status)99), "?");
}

static int checked_value(int x) {
  FS_ASSERT(x > 0);
  return x;
}

/* A broken invariant aborts with the condition named; a kept one costs
 * nothing visible. */
static void test_assert_aborts_on_a_broken_invariant(void **state) {
  int fds[2], status = 0;
  char buf[256] = "";
  pid_t pid;
  ssize_t n;

  (void)state;
  assert_int_equal(checked_value(3), 3);
  assert_int_equal(pipe(fds), 0);
  pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    dup2(fds[1], 2);
    close(fds[0]);
    checked_value(0);
    _exit(0); /* not reached */
  }
  close(fds[1]);
  n = read(fds[0], buf, sizeof(buf) - 1);
  close(fds[0]);
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFSIGNALED(status));
  assert_int_equal(WTERMSIG(status), SIGABRT);
  assert_true(n > 0);
  buf[n] = '\0';
  assert_non_null(strstr(buf, "assertion failed: x > 0"));
}

/* 2026-03-10T16:30:00Z: 03-11 00:30 in UTC+8, 03-10 in UTC, 03-10 08:30 in
 * UTC-8. */
static void test_day_of_an_instant_is_local(void **state) {
  const int64_t ms = 1773160200000LL;
  char day[11];
  (void)state;
  setenv("TZ", "CST-8", 1);
  tzset();
  assert_int_equal(fs__day_of_ms(ms, day), 0);
  assert_string_equal(day, "2026-03-11");
  /* 15:59:59.999Z is still 03-10 23:59 there. */
  assert_int_equal(fs__day_of_ms(ms - 30 * 60000 - 1, day), 0);
  assert_string_equal(day, "2026-03-10");
  setenv("TZ", "UTC0", 1);
  tzset();
  assert_int_equal(fs__day_of_ms(ms, day), 0);
  assert_string_equal(day, "2026-03-10");
  setenv("TZ", "PST8", 1);
  tzset();
  assert_int_equal(fs__day_of_ms(ms, day), 0);
  assert_string_equal(day, "2026-03-10");
  unsetenv("TZ");
  tzset();
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_status_tables_round_trip),
      cmocka_unit_test(test_assert_aborts_on_a_broken_invariant),
      cmocka_unit_test(test_day_of_an_instant_is_local),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
