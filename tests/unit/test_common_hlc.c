/* test_common_hlc.c - the hybrid logical clock stays monotonic and causal
 * under an injected wall clock that stalls, jumps and runs backwards. */
#include "testutil.h"

#include <stdint.h>
#include <time.h>

#include "fs_errno.h"
#include "hlc.h"

#define DAY_MS (UINT64_C(24) * 3600 * 1000)
#define HOUR_MS (UINT64_C(3600) * 1000)
#define T0 UINT64_C(1767225600000) /* 2026-01-01T00:00:00Z */

static uint64_t fake_wall(void *arg) {
  return *(const uint64_t *)arg;
}

static void clock_at(fs_hlc *h, uint64_t *wall, uint64_t ms, uint64_t persisted) {
  *wall = ms;
  fs__hlc_init(h, persisted);
  fs__hlc_set_wallclock(h, fake_wall, wall);
}

static void test_follows_wall_clock(void **state) {
  fs_hlc h;
  uint64_t wall, a, b;
  (void)state;

  clock_at(&h, &wall, T0, 0);
  a = fs__hlc_now(&h);
  assert_int_equal(fs__hlc_ms(a), T0);
  assert_int_equal(a & 0xffff, 0);
  b = fs__hlc_now(&h); /* same ms: the counter moves */
  assert_int_equal(b, a + 1);
  wall = T0 + 5;
  b = fs__hlc_now(&h);
  assert_int_equal(b, fs__hlc_make(T0 + 5, 0));
  assert_int_equal(fs__hlc_last(&h), b);
  assert_int_equal(fs__hlc_wall(&h), T0 + 5);
}

static void test_wall_backwards_one_hour(void **state) {
  fs_hlc h;
  uint64_t wall, prev, s;
  (void)state;

  clock_at(&h, &wall, T0, 0);
  prev = fs__hlc_now(&h);
  wall = T0 - HOUR_MS;
  for (int i = 0; i < 1000; i++) {
    s = fs__hlc_now(&h);
    assert_true(s > prev);
    assert_int_equal(fs__hlc_ms(s), T0); /* carried by the counter */
    prev = s;
  }
  /* Once the wall clock passes the old time again, it takes over. */
  wall = T0 + 1;
  s = fs__hlc_now(&h);
  assert_true(s > prev);
  assert_int_equal(s, fs__hlc_make(T0 + 1, 0));
}

static void test_standing_still_100k_ticks(void **state) {
  fs_hlc h;
  uint64_t wall, prev, s;
  (void)state;

  clock_at(&h, &wall, T0, 0);
  prev = fs__hlc_now(&h);
  for (int i = 0; i < 100000; i++) {
    s = fs__hlc_now(&h);
    assert_true(s > prev);
    prev = s;
  }
  /* 100000 > 65535: the counter overflowed into the ms part once. */
  assert_int_equal(prev, fs__hlc_make(T0, 0) + 100000);
  assert_int_equal(fs__hlc_ms(prev), T0 + 1);
  assert_int_equal(prev & 0xffff, 100000 - 65536);
}

static void test_counter_overflow_bumps_ms(void **state) {
  fs_hlc h;
  uint64_t wall, s;
  (void)state;

  clock_at(&h, &wall, T0, fs__hlc_make(T0, 0xffff));
  s = fs__hlc_now(&h);
  assert_int_equal(s, fs__hlc_make(T0 + 1, 0));
}

static void test_jump_days_ahead_then_back(void **state) {
  fs_hlc h;
  uint64_t wall, a, b, c;
  (void)state;

  clock_at(&h, &wall, T0, 0);
  a = fs__hlc_now(&h);
  wall = T0 + 3 * DAY_MS;
  b = fs__hlc_now(&h);
  assert_true(b > a);
  assert_int_equal(fs__hlc_ms(b), T0 + 3 * DAY_MS);
  wall = T0 + 10;
  c = fs__hlc_now(&h);
  assert_true(c > b);
  assert_int_equal(fs__hlc_ms(c), T0 + 3 * DAY_MS);
}

static void test_restart_continues_above_persisted(void **state) {
  fs_hlc h, h2;
  uint64_t wall, wall2, last, s;
  (void)state;

  clock_at(&h, &wall, T0 + DAY_MS, 0);
  for (int i = 0; i < 10; i++)
    fs__hlc_now(&h);
  last = fs__hlc_last(&h);
  /* Restart on a device whose clock is now a day earlier. */
  clock_at(&h2, &wall2, T0, last);
  assert_int_equal(fs__hlc_last(&h2), last);
  s = fs__hlc_now(&h2);
  assert_true(s > last);
  assert_int_equal(s, last + 1);
}

static void test_recv_within_bound(void **state) {
  fs_hlc h;
  uint64_t wall, out = 0, remote, s;
  (void)state;

  clock_at(&h, &wall, T0, 0);
  fs__hlc_now(&h);
  /* Remote 4 minutes ahead: accepted, and we move past it. */
  remote = fs__hlc_make(T0 + 4 * 60 * 1000, 7);
  assert_int_equal(fs__hlc_recv(&h, remote, &out), 0);
  assert_true(out > remote);
  assert_int_equal(out, remote + 1);
  assert_int_equal(fs__hlc_last(&h), out);
  s = fs__hlc_now(&h);
  assert_true(s > out);
  /* Exactly at the bound is still accepted. */
  remote = fs__hlc_make(T0 + FS_HLC_DEFAULT_MAX_AHEAD_MS, 0);
  assert_int_equal(fs__hlc_recv(&h, remote, NULL), 0);
  assert_true(fs__hlc_last(&h) > remote);
  /* A remote stamp in the past: we still step strictly forward. */
  s = fs__hlc_last(&h);
  assert_int_equal(fs__hlc_recv(&h, fs__hlc_make(T0 - HOUR_MS, 0), &out), 0);
  assert_int_equal(out, s + 1);
}

static void test_recv_beyond_bound(void **state) {
  fs_hlc h;
  uint64_t wall, out = 42, before;
  (void)state;

  clock_at(&h, &wall, T0, 0);
  before = fs__hlc_now(&h);
  assert_int_equal(
      fs__hlc_recv(&h, fs__hlc_make(T0 + FS_HLC_DEFAULT_MAX_AHEAD_MS + 1, 0), &out),
      FS_ECLOCK);
  assert_int_equal(fs__hlc_last(&h), before); /* untouched */
  assert_int_equal(out, 42);
  assert_int_equal(fs__hlc_recv(&h, fs__hlc_make(T0 + 2 * DAY_MS, 0), &out), FS_ECLOCK);
  assert_int_equal(fs__hlc_recv(&h, UINT64_MAX, &out), FS_ECLOCK);
  assert_int_equal(fs__hlc_last(&h), before);
  /* A custom, tighter bound. */
  h.max_ahead_ms = 1000;
  assert_int_equal(fs__hlc_recv(&h, fs__hlc_make(T0 + 1001, 0), &out), FS_ECLOCK);
  assert_int_equal(fs__hlc_recv(&h, fs__hlc_make(T0 + 1000, 0), &out), 0);
  assert_int_equal(fs__hlc_recv(NULL, 1, &out), FS_EINVAL);
}

static void test_offset_correction(void **state) {
  fs_hlc h;
  uint64_t wall, s;
  (void)state;

  /* The device runs 10 minutes ahead; the daemon says so at handshake. */
  clock_at(&h, &wall, T0 + 10 * 60 * 1000, 0);
  fs__hlc_set_offset(&h, -10 * 60 * 1000);
  assert_int_equal(fs__hlc_wall(&h), T0);
  s = fs__hlc_now(&h);
  assert_int_equal(fs__hlc_ms(s), T0);
  fs__hlc_set_offset(&h, 2500);
  assert_int_equal(fs__hlc_wall(&h), T0 + 10 * 60 * 1000 + 2500);
  /* A silly offset saturates at 0 instead of wrapping. */
  fs__hlc_set_offset(&h, INT64_MIN);
  assert_int_equal(fs__hlc_wall(&h), 0);
  assert_true(fs__hlc_now(&h) > s);
  fs__hlc_set_offset(&h, INT64_MAX);
  assert_int_equal(fs__hlc_wall(&h), (UINT64_C(1) << 48) - 1);
}

/* Two devices whose clocks disagree by minutes exchange stamps both ways:
 * every received stamp is above the sender's, so causality holds. */
static void test_skewed_clocks_keep_causality(void **state) {
  fs_hlc a, b;
  uint64_t wa, wb, sa, sb, r;
  (void)state;

  clock_at(&a, &wa, T0 + 3 * 60 * 1000, 0); /* a runs 3 minutes ahead */
  clock_at(&b, &wb, T0, 0);
  for (int i = 0; i < 5000; i++) {
    sa = fs__hlc_now(&a);
    assert_int_equal(fs__hlc_recv(&b, sa, &r), 0);
    assert_true(r > sa);
    sb = fs__hlc_now(&b);
    assert_true(sb > r);
    assert_int_equal(fs__hlc_recv(&a, sb, &r), 0);
    assert_true(r > sb);
    /* Clocks drift unevenly; b's even steps backwards now and then. */
    wa += 1;
    wb += (i % 7 == 0) ? (uint64_t)-3 : 2;
  }
}

static void test_real_clock(void **state) {
  fs_hlc h;
  uint64_t now = fs__now_ms(), s;
  (void)state;

  assert_true(now > T0); /* after 2026-01-01: this code did not exist before */
  fs__hlc_init(&h, 0);
  s = fs__hlc_now(&h);
  assert_true(fs__hlc_ms(s) >= now);
  assert_true(fs__hlc_ms(s) < now + 60 * 1000);
  assert_true(fs__hlc_now(&h) > s);
}

/* The test hook of fs__now_ms (hlc.h): a skew set in-process moves every
 * clock built on it (here an HLC on the real wall clock) without a sleep,
 * back and forth, clamped; 0 restores the system clock. */
static void test_clock_skew_hook(void **state) {
  struct timespec ts;
  uint64_t sys, now, s1, s2;
  fs_hlc h;
  (void)state;

  fs__hlc_init(&h, 0);
  fs__clock_set_skew(0);
  s1 = fs__hlc_now(&h);
  fs__clock_add_skew(50);
  assert_int_equal(fs__clock_skew(), 50);
  s2 = fs__hlc_now(&h);
  assert_true(fs__hlc_ms(s2) >= fs__hlc_ms(s1) + 50);
  fs__clock_set_skew((int64_t)DAY_MS);
  assert_int_equal(clock_gettime(CLOCK_REALTIME, &ts), 0);
  sys = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
  now = fs__now_ms();
  assert_true(now >= sys + DAY_MS && now < sys + DAY_MS + 60 * 1000);
  fs__clock_set_skew(-(int64_t)DAY_MS);
  assert_true(fs__now_ms() < sys - DAY_MS + 60 * 1000);
  fs__clock_set_skew(INT64_MAX);
  assert_int_equal(fs__clock_skew(), FS_CLOCK_SKEW_MAX_MS);
  fs__clock_set_skew(0);
  now = fs__now_ms();
  assert_true(now >= sys && now < sys + 60 * 1000);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_clock_skew_hook),
      cmocka_unit_test(test_follows_wall_clock),
      cmocka_unit_test(test_wall_backwards_one_hour),
      cmocka_unit_test(test_standing_still_100k_ticks),
      cmocka_unit_test(test_counter_overflow_bumps_ms),
      cmocka_unit_test(test_jump_days_ahead_then_back),
      cmocka_unit_test(test_restart_continues_above_persisted),
      cmocka_unit_test(test_recv_within_bound),
      cmocka_unit_test(test_recv_beyond_bound),
      cmocka_unit_test(test_offset_correction),
      cmocka_unit_test(test_skewed_clocks_keep_causality),
      cmocka_unit_test(test_real_clock),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
