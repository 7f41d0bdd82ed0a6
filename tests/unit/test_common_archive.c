/* test_common_archive.c - archive numbers from offline devices never
 * collide, format and parse round-trip, and bad input is refused. */
#include "testutil.h"

#include <stdio.h>
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

/* ---- issue 14: the seeds' form, fallback numbers, serial ranges ---------- */

static void test_forms_round_trip(void **state) {
  static const struct {
    const char *text;
    int digits, year, slot;
    uint64_t serial;
    fs_archive_form in2, in4; /* classified in a 2- and a 4-digit store */
  } ok[] = {
      {"A01-07-0001", 2, 7, 0, 1, FS_ARCHIVE_FORM_BLOCK, FS_ARCHIVE_FORM_OTHER},
      {"A01-26-12345", 2, 26, 0, 12345, FS_ARCHIVE_FORM_BLOCK, FS_ARCHIVE_FORM_OTHER},
      {"A01-2026-0101", 4, 2026, 0, 101, FS_ARCHIVE_FORM_LEGACY, FS_ARCHIVE_FORM_BLOCK},
      {"A01-26-D2-0001", 2, 26, 2, 1, FS_ARCHIVE_FORM_FALLBACK, FS_ARCHIVE_FORM_FALLBACK},
      {"B12-2026-D64-0042", 4, 2026, 64, 42, FS_ARCHIVE_FORM_FALLBACK,
       FS_ARCHIVE_FORM_FALLBACK},
  };
  char buf[64];
  fs_archive_no a;
  (void)state;

  for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
    assert_int_equal(fs__archive_read(ok[i].text, &a), 0);
    assert_int_equal(a.year_digits, ok[i].digits);
    assert_int_equal(a.year, ok[i].year);
    assert_int_equal(a.slot, ok[i].slot);
    assert_int_equal(a.serial, ok[i].serial);
    assert_int_equal(fs__archive_print(buf, sizeof(buf), &a), 0);
    assert_string_equal(buf, ok[i].text);
    assert_int_equal(fs__archive_classify(ok[i].text, 2, NULL), ok[i].in2);
    assert_int_equal(fs__archive_classify(ok[i].text, 4, NULL), ok[i].in4);
  }
  assert_int_equal(fs__archive_year(2026, 2), 26);
  assert_int_equal(fs__archive_year(2007, 2), 7);
  assert_int_equal(fs__archive_year(2026, 4), 2026);
  /* The longest fallback number fits the field. */
  memset(&a, 0, sizeof(a));
  snprintf(a.rep, sizeof(a.rep), "ABCDEFGHIJKLMNOP");
  a.year_digits = 4;
  a.year = 2999;
  a.slot = FS_ARCHIVE_SLOTS;
  a.serial = FS_ARCHIVE_FALLBACK_MAX;
  assert_int_equal(fs__archive_print(buf, sizeof(buf), &a), 0);
  assert_true(strlen(buf) <= FS_ARCHIVE_TEXT_MAX);
  a.serial++;
  assert_int_equal(fs__archive_print(buf, sizeof(buf), &a), FS_EINVAL);
}

static void test_forms_refused(void **state) {
  static const char *const bad[] = {"A01-7-0001",
                                    "A01-026-0001",
                                    "A01-26-001",
                                    "A01-26-00001",
                                    "A01-26-0000",
                                    "A01-26-D0-0001",
                                    "A01-26-D65-0001",
                                    "A01-26-D02-0001",
                                    "A01-26-d2-0001",
                                    "A01-26-D2-",
                                    "A01-26-D2",
                                    "A01-26-X2-0001",
                                    "a01-26-0001",
                                    "A01-26-0001-",
                                    "A01-26-D2-0001-1",
                                    "",
                                    NULL};
  fs_archive_no a;
  (void)state;

  for (int i = 0; bad[i]; i++)
    if (fs__archive_read(bad[i], &a) != FS_EINVAL)
      fail_msg("accepted \"%s\"", bad[i]);
  assert_int_equal(fs__archive_classify("not a number", 2, &a), FS_ARCHIVE_FORM_OTHER);
  assert_int_equal(fs__archive_read(NULL, &a), FS_EINVAL);
}

static void test_serial_ranges(void **state) {
  fs_serial_range r[FS_ARCHIVE_RANGES_MAX + 1];
  char text[FS_ARCHIVE_RANGES_TEXT];
  int n = 0;
  (void)state;

  assert_int_equal(fs__serial_ranges_parse("1-20,41-60", r, FS_ARCHIVE_RANGES_MAX, &n),
                   0);
  assert_int_equal(n, 2);
  /* In order, without jumps inside a block, and across to the next. */
  assert_int_equal(fs__serial_next(r, n, 0), 1);
  assert_int_equal(fs__serial_next(r, n, 1), 2);
  assert_int_equal(fs__serial_next(r, n, 20), 41);
  assert_int_equal(fs__serial_next(r, n, 59), 60);
  assert_int_equal(fs__serial_next(r, n, 60), 0);
  assert_int_equal(fs__serial_left(r, n, 0), 40);
  assert_int_equal(fs__serial_left(r, n, 5), 35);
  assert_int_equal(fs__serial_left(r, n, 45), 15);
  assert_int_equal(fs__serial_left(r, n, 60), 0);
  assert_int_equal(fs__serial_ranges_text(text, sizeof(text), r, n), 0);
  assert_string_equal(text, "1-20,41-60");
  assert_int_equal(fs__serial_ranges_parse("", r, FS_ARCHIVE_RANGES_MAX, &n), 0);
  assert_int_equal(n, 0);
  assert_int_equal(fs__serial_next(r, 0, 0), 0);
  /* Refused: zero, reversed, overlapping, unordered, junk, too many. */
  static const char *const bad[] = {
      "0-5", "5-1", "1-5,5-9", "10-20,1-5", "1-5,", "x", "1-1000000000000000000", NULL};
  for (int i = 0; bad[i]; i++)
    assert_int_equal(fs__serial_ranges_parse(bad[i], r, FS_ARCHIVE_RANGES_MAX, &n),
                     FS_EINVAL);
  for (int i = 0; i <= FS_ARCHIVE_RANGES_MAX; i++) {
    r[i].first = (uint64_t)i * 10 + 1;
    r[i].last = (uint64_t)i * 10 + 5;
  }
  assert_int_equal(fs__serial_ranges_check(r, FS_ARCHIVE_RANGES_MAX), 0);
  assert_int_equal(fs__serial_ranges_check(r, FS_ARCHIVE_RANGES_MAX + 1), FS_EINVAL);
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
      cmocka_unit_test(test_forms_round_trip),
      cmocka_unit_test(test_forms_refused),
      cmocka_unit_test(test_serial_ranges),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
