/* test_common_money.c - money as people type and read it (common/money.h). */
#include "testutil.h"

#include <stdint.h>
#include <string.h>

#include "fs_errno.h"
#include "money.h"

static int64_t parsed(const char *text) {
  int64_t v = -7;
  assert_int_equal(fs__money_parse(text, &v), 0);
  return v;
}

static void test_parse_accepts(void **state) {
  (void)state;
  assert_int_equal(parsed("12345"), 1234500);
  assert_int_equal(parsed("12345.6"), 1234560);
  assert_int_equal(parsed("12,345.60"), 1234560);
  assert_int_equal(parsed("1,234,567.89"), 123456789);
  assert_int_equal(parsed("-3.5"), -350);
  assert_int_equal(parsed("+7"), 700);
  assert_int_equal(parsed("  0.05\n"), 5);
  assert_int_equal(parsed("0"), 0);
  assert_int_equal(parsed("10000000000000"), 1000000000000000LL); /* the bound */
}

static void test_parse_refuses(void **state) {
  static const char *bad[] = {"",     " ",         "abc",    "1.234", "1.",    ".5",
                              "1,23", "12,34,567", ",123",   "123,",  "1 000", "--1",
                              "1e5",  "0x10",      "12.3.4", "1,2345"};
  (void)state;
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    int64_t v = 42;
    int rc = fs__money_parse(bad[i], &v);
    if (rc != FS_EUSAGE)
      fail_msg("\"%s\": %d, not FS_EUSAGE", bad[i], rc);
    assert_int_equal(v, 42); /* untouched */
  }
  {
    int64_t v = 42;
    assert_int_equal(fs__money_parse("10000000000000.01", &v), FS_EOVERFLOW);
    assert_int_equal(fs__money_parse("99999999999999999999999", &v), FS_EOVERFLOW);
    assert_int_equal(fs__money_parse(NULL, &v), FS_EUSAGE);
  }
}

static void test_format(void **state) {
  char buf[FS__MONEY_TEXT_MAX];
  (void)state;
  assert_int_equal(fs__money_format(1234560, buf, sizeof(buf)), 9);
  assert_string_equal(buf, "12,345.60");
  fs__money_format(-350, buf, sizeof(buf));
  assert_string_equal(buf, "-3.50");
  fs__money_format(5, buf, sizeof(buf));
  assert_string_equal(buf, "0.05");
  fs__money_format(100000, buf, sizeof(buf));
  assert_string_equal(buf, "1,000.00");
  fs__money_format(99999, buf, sizeof(buf));
  assert_string_equal(buf, "999.99");
  fs__money_format(INT64_MIN, buf, sizeof(buf));
  assert_string_equal(buf, "-92,233,720,368,547,758.08");
  /* too small: nothing half-written */
  assert_int_equal(fs__money_format(1234560, buf, 9), FS_EOVERFLOW);
  assert_string_equal(buf, "");
}

/* Issue 15: CSV and JSON text, without thousands commas, read back. */
static void test_plain(void **state) {
  char buf[FS__MONEY_TEXT_MAX];
  int64_t m = 0;
  (void)state;
  assert_int_equal(fs__money_plain(123456789, buf, sizeof(buf)), 10);
  assert_string_equal(buf, "1234567.89");
  assert_int_equal(fs__money_parse(buf, &m), 0);
  assert_int_equal(m, 123456789);
  assert_int_equal(fs__money_plain(-350, buf, sizeof(buf)), 5);
  assert_string_equal(buf, "-3.50");
  assert_int_equal(fs__money_plain(123456789, buf, 5), FS_EOVERFLOW);
  assert_string_equal(buf, "");
}

static void test_round_trip(void **state) {
  static const int64_t v[] = {
      0, 1, 99, 100, 101, 123456789, -123456789, 1000000000000000LL, -1000000000000000LL};
  (void)state;
  for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
    char buf[FS__MONEY_TEXT_MAX];
    assert_true(fs__money_format(v[i], buf, sizeof(buf)) > 0);
    assert_int_equal(parsed(buf), v[i]);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_parse_accepts),
      cmocka_unit_test(test_parse_refuses),
      cmocka_unit_test(test_format),
      cmocka_unit_test(test_round_trip),
      cmocka_unit_test(test_plain),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
