/* test_common_archive.c - archive numbers from offline devices never
 * collide, format and parse round-trip, and bad input is refused. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "archive.h"
#include "fs_errno.h"

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

/* Sorts v and asserts all n entries are distinct and non-zero. */
static void assert_distinct(uint64_t *v, size_t n) {
  qsort(v, n, sizeof(*v), cmp_u64);
  assert_true(v[0] > 0);
  for (size_t i = 1; i < n; i++)
    assert_true(v[i - 1] < v[i]);
}

static void test_known_serials(void **state) {
  (void)state;
  assert_int_equal(fs__archive_serial(1, 0), 1);
  assert_int_equal(fs__archive_serial(1, 99), 100);
  assert_int_equal(fs__archive_serial(2, 0), 101);
  assert_int_equal(fs__archive_serial(2, 99), 200);
  assert_int_equal(fs__archive_serial(64, 0), 6301);
  /* Slot 1's second block comes after all 64 slots' first blocks. */
  assert_int_equal(fs__archive_serial(1, 100), 6401);
  assert_int_equal(fs__archive_serial(2, 100), 6501);
  assert_int_equal(fs__archive_serial(0, 0), 0);
  assert_int_equal(fs__archive_serial(-1, 0), 0);
  assert_int_equal(fs__archive_serial(FS_ARCHIVE_SLOTS + 1, 0), 0);
  assert_int_equal(fs__archive_serial(1, UINT64_MAX), 0);
  assert_int_equal(fs__archive_serial(64, UINT64_MAX / 2), 0);
}

static void test_two_devices_100k_each(void **state) {
  const size_t n = 100000;
  uint64_t *v = malloc(2 * n * sizeof(*v));
  (void)state;

  assert_non_null(v);
  for (size_t i = 0; i < n; i++) {
    v[i] = fs__archive_serial(1, i);
    v[n + i] = fs__archive_serial(2, i);
    assert_true(v[i] <= FS_ARCHIVE_SERIAL_MAX);
  }
  /* Each device's own serials increase with n. */
  for (size_t i = 1; i < n; i++) {
    assert_true(v[i] > v[i - 1]);
    assert_true(v[n + i] > v[n + i - 1]);
  }
  assert_distinct(v, 2 * n);
  free(v);
}

static void test_all_slots(void **state) {
  const size_t per = 1000;
  uint64_t *v = malloc(FS_ARCHIVE_SLOTS * per * sizeof(*v));
  size_t k = 0;
  (void)state;

  assert_non_null(v);
  for (int s = 1; s <= FS_ARCHIVE_SLOTS; s++)
    for (size_t i = 0; i < per; i++)
      v[k++] = fs__archive_serial(s, i);
  assert_distinct(v, k);
  /* 64 slots x 1000 cards fill exactly 1..64000: no serial is wasted. */
  assert_int_equal(v[0], 1);
  assert_int_equal(v[k - 1], FS_ARCHIVE_SLOTS * per);
  free(v);
}

static void test_large_n_near_limit(void **state) {
  uint64_t last_ok = 0, s;
  uint64_t n =
      (FS_ARCHIVE_SERIAL_MAX / FS_ARCHIVE_BLOCK / FS_ARCHIVE_SLOTS) * FS_ARCHIVE_BLOCK;
  (void)state;

  /* Walk over the top: serials stay below the maximum, then become 0. */
  for (uint64_t i = n - 2 * FS_ARCHIVE_BLOCK * FS_ARCHIVE_SLOTS; i < n + 200; i++) {
    s = fs__archive_serial(64, i);
    if (s == 0)
      break;
    assert_true(s <= FS_ARCHIVE_SERIAL_MAX);
    assert_true(s > last_ok);
    last_ok = s;
  }
  assert_true(last_ok > 0);
  assert_int_equal(fs__archive_serial(64, n + 200), 0);
}

static void test_format_and_parse(void **state) {
  char buf[64], rep[17];
  int year;
  uint64_t serial;
  (void)state;

  assert_int_equal(fs__archive_format(buf, sizeof(buf), "A01", 2026, 1), 0);
  assert_string_equal(buf, "A01-2026-0001");
  assert_int_equal(fs__archive_parse(buf, rep, &year, &serial), 0);
  assert_string_equal(rep, "A01");
  assert_int_equal(year, 2026);
  assert_int_equal(serial, 1);

  assert_int_equal(fs__archive_format(buf, sizeof(buf), "ZHANG7", 1999, 123456), 0);
  assert_string_equal(buf, "ZHANG7-1999-123456");
  assert_int_equal(fs__archive_parse(buf, rep, &year, &serial), 0);
  assert_string_equal(rep, "ZHANG7");
  assert_int_equal(year, 1999);
  assert_int_equal(serial, 123456);

  /* Round trip over every slot's first card and some large serials. */
  for (int s = 1; s <= FS_ARCHIVE_SLOTS; s++) {
    uint64_t want = fs__archive_serial(s, (uint64_t)s * 977);
    assert_int_equal(fs__archive_format(buf, sizeof(buf), "B12", 2026, want), 0);
    assert_int_equal(fs__archive_parse(buf, rep, &year, &serial), 0);
    assert_int_equal(serial, want);
  }

  /* The longest number is exactly FS_ARCHIVE_TEXT_MAX bytes. */
  assert_int_equal(fs__archive_format(buf, sizeof(buf), "ABCDEFGHIJKLMNOP", 2999,
                                      FS_ARCHIVE_SERIAL_MAX),
                   0);
  assert_int_equal(strlen(buf), FS_ARCHIVE_TEXT_MAX);
  assert_int_equal(fs__archive_parse(buf, rep, &year, &serial), 0);
  assert_string_equal(rep, "ABCDEFGHIJKLMNOP");
  assert_int_equal(serial, FS_ARCHIVE_SERIAL_MAX);
}

static void test_format_refuses(void **state) {
  char buf[64], small[13];
  (void)state;

  assert_int_equal(fs__archive_format(buf, sizeof(buf), "a01", 2026, 1), FS_EINVAL);
  assert_string_equal(buf, "");
  assert_int_equal(fs__archive_format(buf, sizeof(buf), NULL, 2026, 1), FS_EINVAL);
  assert_int_equal(fs__archive_format(buf, sizeof(buf), "A-1", 2026, 1), FS_EINVAL);
  assert_int_equal(fs__archive_format(buf, sizeof(buf), "A01", 1899, 1), FS_EINVAL);
  assert_int_equal(fs__archive_format(buf, sizeof(buf), "A01", 3000, 1), FS_EINVAL);
  assert_int_equal(fs__archive_format(buf, sizeof(buf), "A01", 2026, 0), FS_EINVAL);
  assert_int_equal(
      fs__archive_format(buf, sizeof(buf), "A01", 2026, FS_ARCHIVE_SERIAL_MAX + 1),
      FS_EINVAL);
  assert_int_equal(fs__archive_format(NULL, 10, "A01", 2026, 1), FS_EINVAL);
  assert_int_equal(fs__archive_format(buf, 0, "A01", 2026, 1), FS_EINVAL);
  /* "A01-2026-0001" is 13 bytes: 13 is one short for the NUL. */
  assert_int_equal(fs__archive_format(small, sizeof(small), "A01", 2026, 1),
                   FS_EOVERFLOW);
  assert_string_equal(small, "");
}

static void test_parse_refuses(void **state) {
  static const char *const bad[] = {
      "",
      "A01",
      "A01-2026",
      "A01-2026-",
      "A01-2026-1", /* fewer than four digits */
      "A01-2026-001",
      "A01-2026-00001", /* non-canonical padding */
      "A01-2026-0000",  /* serial 0 */
      "A01-26-0001",
      "A01-20266-0001",
      "A01-1899-0001",
      "A01-3000-0001",
      "a01-2026-0001",
      "A-2026-0001",
      "-2026-0001",
      "ABCDEFGHIJKLMNOPQ-2026-0001", /* rep of 17 chars */
      "A01-2026-0001 ",
      "A01-2026-00x1",
      "A01-2026--001",
      "A01_2026_0001",
      "A01-2026-1000000000000000000", /* 19 digits: above the maximum */
      "A01-2026-99999999999999999999999",
      NULL,
  };
  char rep[17];
  int year = -1;
  uint64_t serial = 77;
  (void)state;

  for (int i = 0; bad[i]; i++) {
    int rc = fs__archive_parse(bad[i], rep, &year, &serial);
    if (rc != FS_EINVAL)
      fail_msg("accepted \"%s\"", bad[i]);
    assert_int_equal(year, -1);
    assert_int_equal(serial, 77);
  }
  assert_int_equal(fs__archive_parse(NULL, rep, &year, &serial), FS_EINVAL);
  assert_int_equal(fs__archive_parse("A01-2026-0001", NULL, &year, &serial), FS_EINVAL);
  assert_int_equal(fs__archive_parse("A01-2026-10000", rep, &year, &serial), 0);
  assert_int_equal(serial, 10000);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_known_serials),
      cmocka_unit_test(test_two_devices_100k_each),
      cmocka_unit_test(test_all_slots),
      cmocka_unit_test(test_large_n_near_limit),
      cmocka_unit_test(test_format_and_parse),
      cmocka_unit_test(test_format_refuses),
      cmocka_unit_test(test_parse_refuses),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
