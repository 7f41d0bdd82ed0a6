/* test_common_date.c - civil calendar arithmetic against known answers. */
#include "testutil.h"

#include <string.h>

#include "date.h"
#include "fs_errno.h"

static void test_known_day_numbers(void **state) {
  (void)state;
  assert_int_equal(fs__days_from_civil(1970, 1, 1), 0);
  assert_int_equal(fs__days_from_civil(1969, 12, 31), -1);
  assert_int_equal(fs__days_from_civil(2000, 3, 1), 11017);
  assert_int_equal(fs__days_from_civil(1900, 1, 1), -25567);
  assert_int_equal(fs__days_from_civil(2026, 1, 1), 20454);
  assert_int_equal(fs__days_from_civil(2024, 2, 29), 19782);
  assert_int_equal(fs__days_from_civil(2999, 12, 31), 376199);
}

/* Every day from 1900 to 2999 maps back to itself and follows the day
 * before it in calendar order. */
static void test_round_trip_every_day(void **state) {
  int64_t first = fs__days_from_civil(1900, 1, 1);
  int64_t last = fs__days_from_civil(2999, 12, 31);
  int py = 1899, pm = 12, pd = 31, y, m, d;
  (void)state;

  for (int64_t z = first; z <= last; z++) {
    fs__civil_from_days(z, &y, &m, &d);
    assert_int_equal(fs__days_from_civil(y, m, d), z);
    if (d == 1) {
      assert_int_equal(pd, fs__days_in_month(py, pm)); /* previous month ended */
      assert_true((m == pm + 1 && y == py) || (m == 1 && pm == 12 && y == py + 1));
    } else {
      assert_int_equal(d, pd + 1);
      assert_int_equal(m, pm);
    }
    py = y;
    pm = m;
    pd = d;
  }
  assert_int_equal(y, 2999);
}

static void test_leap_years(void **state) {
  (void)state;
  assert_int_equal(fs__is_leap(2024), 1);
  assert_int_equal(fs__is_leap(2026), 0);
  assert_int_equal(fs__is_leap(1900), 0);
  assert_int_equal(fs__is_leap(2000), 1);
  assert_int_equal(fs__is_leap(2100), 0);
  assert_int_equal(fs__days_in_month(2024, 2), 29);
  assert_int_equal(fs__days_in_month(2026, 2), 28);
  assert_int_equal(fs__days_in_month(2026, 4), 30);
  assert_int_equal(fs__days_in_month(2026, 12), 31);
  assert_int_equal(fs__days_in_month(2026, 0), 0);
  assert_int_equal(fs__days_in_month(2026, 13), 0);
}

static int64_t day(const char *s) {
  int64_t d = -999999;
  assert_int_equal(fs__date_parse(s, &d), 0);
  return d;
}

static void assert_day(int64_t d, const char *want) {
  char buf[11];
  assert_int_equal(fs__date_format(d, buf), 0);
  assert_string_equal(buf, want);
}

static void test_parse_and_format(void **state) {
  char buf[20];
  int64_t s = 0;
  fs_civil c;
  (void)state;

  assert_int_equal(day("1970-01-01"), 0);
  assert_int_equal(day("2024-02-29"), 19782);
  assert_int_equal(day("2026-03-01T09:30"), day("2026-03-01")); /* date part */
  assert_int_equal(fs__date_parse("2026-02-29", &s), FS_EVALIDATE);
  assert_int_equal(fs__date_parse(NULL, &s), FS_EVALIDATE);
  assert_int_equal(fs__date_parse("2026-03-01T09:30:00x", &s), FS_EVALIDATE);
  assert_day(19782, "2024-02-29");
  assert_day(-25567, "1900-01-01");
  assert_int_equal(fs__date_format(-719529, buf), FS_EOVERFLOW); /* year -1 */
  assert_string_equal(buf, "");
  assert_int_equal(fs__date_format(2932897, buf), FS_EOVERFLOW); /* year 10000 */

  assert_int_equal(fs__datetime_parse("1970-01-02T01:02:03", &s), 0);
  assert_int_equal(s, 86400 + 3723);
  assert_int_equal(fs__datetime_parse("1970-01-02 01:02", &s), 0);
  assert_int_equal(s, 86400 + 3720);
  assert_int_equal(fs__datetime_parse("1970-01-02", &s), 0);
  assert_int_equal(s, 86400);
  assert_int_equal(fs__datetime_format(86400 + 3723, buf), 0);
  assert_string_equal(buf, "1970-01-02T01:02:03");
  assert_int_equal(fs__datetime_format(-1, buf), 0);
  assert_string_equal(buf, "1969-12-31T23:59:59");
  assert_int_equal(fs__datetime_parse("2024-02-29T23:59:59", &s), 0);
  assert_int_equal(fs__datetime_format(s + 1, buf), 0);
  assert_string_equal(buf, "2024-03-01T00:00:00");

  assert_int_equal(fs__civil_parse("2026-03-01T09:30:15", 19, FS_DATE_EITHER, &c),
                   FS_DATE_OK);
  assert_int_equal(c.y, 2026);
  assert_int_equal(c.m, 3);
  assert_int_equal(c.d, 1);
  assert_int_equal(c.hh, 9);
  assert_int_equal(c.mi, 30);
  assert_int_equal(c.ss, 15);
  assert_int_equal(c.has_time, 1);
  assert_int_equal(fs__civil_parse("2026-03-01", 10, FS_DATETIME_ONLY, &c),
                   FS_DATE_SYNTAX);
  assert_int_equal(fs__civil_parse("2026-03-32", 10, FS_DATE_ONLY, &c), FS_DATE_DAY);
  assert_int_equal(fs__civil_parse("2026-00-01", 10, FS_DATE_ONLY, &c), FS_DATE_MONTH);
  assert_int_equal(fs__civil_parse("3026-01-01", 10, FS_DATE_ONLY, &c), FS_DATE_YEAR);
  assert_int_equal(fs__civil_parse("2026-01-01T24:00", 16, FS_DATE_EITHER, &c),
                   FS_DATE_TIME);
  /* len bounds the parse: a date inside a longer buffer. */
  assert_int_equal(fs__civil_parse("2026-01-01garbage", 10, FS_DATE_ONLY, &c),
                   FS_DATE_OK);
  assert_int_equal(fs__civil_parse(NULL, 10, FS_DATE_ONLY, &c), FS_DATE_SYNTAX);
}

static void test_add_months(void **state) {
  (void)state;
  assert_day(fs__date_add_months(day("2026-01-10"), 3), "2026-04-10");
  assert_day(fs__date_add_months(day("2026-01-31"), 1), "2026-02-28");
  assert_day(fs__date_add_months(day("2024-01-31"), 1), "2024-02-29");
  assert_day(fs__date_add_months(day("2025-11-30"), 3), "2026-02-28");
  assert_day(fs__date_add_months(day("2023-11-30"), 3), "2024-02-29");
  assert_day(fs__date_add_months(day("2026-10-31"), 3), "2027-01-31");
  assert_day(fs__date_add_months(day("2026-03-31"), -1), "2026-02-28");
  assert_day(fs__date_add_months(day("2026-01-15"), -13), "2024-12-15");
  assert_day(fs__date_add_months(day("2024-02-29"), 12), "2025-02-28");
  assert_day(fs__date_add_months(day("2026-05-05"), 0), "2026-05-05");
}

static void test_months_between(void **state) {
  (void)state;
  assert_int_equal(fs__date_months_between(day("2026-01-10"), day("2026-04-09")), 2);
  assert_int_equal(fs__date_months_between(day("2026-01-10"), day("2026-04-10")), 3);
  assert_int_equal(fs__date_months_between(day("2026-01-10"), day("2026-04-11")), 3);
  assert_int_equal(fs__date_months_between(day("2026-01-10"), day("2026-01-10")), 0);
  assert_int_equal(fs__date_months_between(day("2026-01-10"), day("2026-02-09")), 0);
  assert_int_equal(fs__date_months_between(day("2026-01-31"), day("2026-02-28")), 1);
  assert_int_equal(fs__date_months_between(day("2025-12-15"), day("2027-01-14")), 12);
  assert_int_equal(fs__date_months_between(day("2026-04-10"), day("2026-01-10")), -3);
}

/* One stored form of a datetime (issue 15): seconds always, 'T'; every
 * accepted spelling maps to it, and a non-datetime is refused. */
static void test_datetime_canonical(void **state) {
  char buf[20];
  (void)state;

  assert_int_equal(fs__datetime_canonical("2026-03-01T10:00", 16, buf), 0);
  assert_string_equal(buf, "2026-03-01T10:00:00");
  assert_int_equal(fs__datetime_canonical("2026-03-01 10:00", 16, buf), 0);
  assert_string_equal(buf, "2026-03-01T10:00:00");
  assert_int_equal(fs__datetime_canonical("2026-03-01T10:00:00", 19, buf), 0);
  assert_string_equal(buf, "2026-03-01T10:00:00");
  assert_int_equal(fs__datetime_canonical("2026-03-01 23:59:59", 19, buf), 0);
  assert_string_equal(buf, "2026-03-01T23:59:59");
  assert_int_equal(fs__datetime_canonical("2026-03-01", 10, buf), FS_EVALIDATE);
  assert_string_equal(buf, "");
  assert_int_equal(fs__datetime_canonical("2026-02-30T10:00", 16, buf), FS_EVALIDATE);
  assert_int_equal(fs__datetime_canonical("2026-03-01T24:00", 16, buf), FS_EVALIDATE);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_datetime_canonical),
      cmocka_unit_test(test_known_day_numbers),
      cmocka_unit_test(test_round_trip_every_day),
      cmocka_unit_test(test_leap_years),
      cmocka_unit_test(test_parse_and_format),
      cmocka_unit_test(test_add_months),
      cmocka_unit_test(test_months_between),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
