/* test_common_cadence.c - the visit cadence rules, with answers worked out
 * by hand from the domain table (domain.md). */
#include "testutil.h"

#include <string.h>

#include "cadence.h"
#include "fs_errno.h"

static void test_fixed_grades(void **state) {
  (void)state;
  assert_int_equal(fs__cadence_days("O", NULL, NULL), 7);
  assert_int_equal(fs__cadence_days("A", NULL, NULL), 2);
  assert_int_equal(fs__cadence_days("B", NULL, NULL), 7);
  assert_int_equal(fs__cadence_days("C", NULL, "2026-01-01"), 14);
  assert_int_equal(fs__cadence_days("lost", "2026-01-01", "2026-01-02"), FS_CADENCE_NONE);
  assert_int_equal(fs__cadence_days("X", NULL, NULL), FS_EINVAL);
  assert_int_equal(fs__cadence_days("a", NULL, NULL), FS_EINVAL);
  assert_int_equal(fs__cadence_days("", NULL, NULL), FS_EINVAL);
  assert_int_equal(fs__cadence_days(NULL, NULL, NULL), FS_EINVAL);
}

static void test_delivered_window(void **state) {
  (void)state;
  /* Delivered 2026-01-10: the window runs to 2026-04-10 inclusive. */
  assert_int_equal(fs__cadence_days("delivered", "2026-01-10", "2026-01-10"), 14);
  assert_int_equal(fs__cadence_days("delivered", "2026-01-10", "2026-04-09"), 14);
  assert_int_equal(fs__cadence_days("delivered", "2026-01-10", "2026-04-10"), 14);
  assert_int_equal(fs__cadence_days("delivered", "2026-01-10", "2026-04-11"), 90);
  assert_int_equal(fs__cadence_days("delivered", "2026-01-10", "2027-01-10"), 90);
  /* Month-end clamping, non-leap and leap February. */
  assert_int_equal(fs__cadence_days("delivered", "2025-11-30", "2026-02-28"), 14);
  assert_int_equal(fs__cadence_days("delivered", "2025-11-30", "2026-03-01"), 90);
  assert_int_equal(fs__cadence_days("delivered", "2023-11-30", "2024-02-29"), 14);
  assert_int_equal(fs__cadence_days("delivered", "2023-11-30", "2024-03-01"), 90);
  assert_int_equal(fs__cadence_days("delivered", "2023-11-29", "2024-02-29"), 14);
  assert_int_equal(fs__cadence_days("delivered", "2023-11-29", "2024-03-01"), 90);
  assert_int_equal(fs__cadence_days("delivered", "2025-12-31", "2026-03-31"), 14);
  assert_int_equal(fs__cadence_days("delivered", "2025-12-31", "2026-04-01"), 90);
  /* Across a year end. */
  assert_int_equal(fs__cadence_days("delivered", "2026-10-31", "2027-01-31"), 14);
  assert_int_equal(fs__cadence_days("delivered", "2026-10-31", "2027-02-01"), 90);
  /* Unknown delivery date: the long-term rule. */
  assert_int_equal(fs__cadence_days("delivered", NULL, "2026-01-01"), 90);
  assert_int_equal(fs__cadence_days("delivered", "", NULL), 90);
  /* Bad dates. */
  assert_int_equal(fs__cadence_days("delivered", "2026-02-30", "2026-03-01"), FS_EINVAL);
  assert_int_equal(fs__cadence_days("delivered", "2026-01-10", "soon"), FS_EINVAL);
  assert_int_equal(fs__cadence_days("delivered", "2026-01-10", NULL), FS_EINVAL);
}

/* Runs fs__cadence_due and checks due date and overdue days. */
static void due_is(const char *grade, const char *delivery, const char *last,
                   const char *on, const char *want_due, int want_overdue) {
  char due[11] = "junk";
  int over = -1;

  assert_int_equal(fs__cadence_due(grade, delivery, last, on, due, &over), 0);
  assert_string_equal(due, want_due);
  assert_int_equal(over, want_overdue);
}

static void test_due_fixed_grades(void **state) {
  (void)state;
  /* A: 2026-02-27 + 2 = 2026-03-01 (February has 28 days). */
  due_is("A", NULL, "2026-02-27", "2026-03-02", "2026-03-01", 1);
  due_is("A", NULL, "2026-02-27", "2026-03-01", "2026-03-01", 0);
  due_is("A", NULL, "2026-02-28", "2026-02-28", "2026-03-02", 0);
  /* Leap year: 2024-02-28 + 2 = 2024-03-01. */
  due_is("A", NULL, "2024-02-28", "2024-03-05", "2024-03-01", 4);
  /* O and B: a week. */
  due_is("O", NULL, "2026-03-01", "2026-03-09", "2026-03-08", 1);
  due_is("B", NULL, "2026-03-01T18:45", "2026-03-01", "2026-03-08", 0); /* datetime */
  /* C across the year end: 2026-12-25 + 14 = 2027-01-08. */
  due_is("C", NULL, "2026-12-25", "2027-01-08", "2027-01-08", 0);
  due_is("C", NULL, "2026-12-25", "2027-01-20", "2027-01-08", 12);
  /* Asking before the last contact: nothing overdue. */
  due_is("C", NULL, "2026-12-25", "2026-01-01", "2027-01-08", 0);
}

static void test_due_delivered(void **state) {
  (void)state;
  /* Delivered 2026-01-10, window to 2026-04-10. */
  /* 2026-03-20 + 14 = 2026-04-03, inside: the 14-day rule. */
  due_is("delivered", "2026-01-10", "2026-03-20", "2026-04-05", "2026-04-03", 2);
  /* 2026-03-26 + 14 = 2026-04-09, still inside. */
  due_is("delivered", "2026-01-10", "2026-03-26", "2026-04-09", "2026-04-09", 0);
  /* 2026-03-27 + 14 = 2026-04-10: on 04-11 the 90-day rule judges, so the
   * contact is due 2026-03-27 + 90 = 2026-06-25. */
  due_is("delivered", "2026-01-10", "2026-03-27", "2026-04-11", "2026-06-25", 0);
  /* The header's example: 2026-04-01 + 90 = 2026-06-30. */
  due_is("delivered", "2026-01-10", "2026-04-01", "2026-07-03", "2026-06-30", 3);
  /* Right after delivery. */
  due_is("delivered", "2026-01-10", "2026-01-10", "2026-01-30", "2026-01-24", 6);
  /* Unknown delivery date: 2026-01-01 + 90 = 2026-04-01. */
  due_is("delivered", NULL, "2026-01-01", "2026-04-02", "2026-04-01", 1);
  /* Leap window: delivered 2023-11-30, window to 2024-02-29;
   * 2024-02-14 + 14 = 2024-02-28 inside; 2024-02-15 + 14 = 2024-02-29 is not
   * before the window end, so 2024-02-15 + 90 = 2024-05-15. */
  due_is("delivered", "2023-11-30", "2024-02-14", "2024-03-01", "2024-02-28", 2);
  due_is("delivered", "2023-11-30", "2024-02-15", "2024-03-01", "2024-05-15", 0);
}

static void test_due_lost_and_errors(void **state) {
  char due[11] = "junk";
  int over = -1;
  (void)state;

  assert_int_equal(fs__cadence_due("lost", NULL, "2026-01-01", "2027-01-01", due, &over),
                   0);
  assert_string_equal(due, "");
  assert_int_equal(over, 0);
  assert_int_equal(fs__cadence_due("Z", NULL, "2026-01-01", "2026-01-02", due, &over),
                   FS_EINVAL);
  assert_string_equal(due, "");
  assert_int_equal(fs__cadence_due("A", NULL, "2026-02-30", "2026-03-01", due, &over),
                   FS_EINVAL);
  assert_int_equal(fs__cadence_due("A", NULL, NULL, "2026-03-01", due, &over), FS_EINVAL);
  assert_int_equal(fs__cadence_due("A", NULL, "2026-03-01", NULL, due, &over), FS_EINVAL);
  assert_int_equal(
      fs__cadence_due("delivered", "x", "2026-03-01", "2026-03-01", due, &over),
      FS_EINVAL);
  assert_int_equal(fs__cadence_due("A", NULL, "2026-03-01", "2026-03-01", NULL, &over),
                   FS_EINVAL);
  /* No overdue wanted: on_date may be NULL. */
  assert_int_equal(fs__cadence_due("A", NULL, "2026-03-01", NULL, due, NULL), 0);
  assert_string_equal(due, "2026-03-03");
}

/* The clock: the later of the last contact and the last re-rating. */
static void test_clock(void **state) {
  (void)state;
  assert_string_equal(fs__cadence_clock("2026-03-02T10:00", "2026-03-10"), "2026-03-10");
  assert_string_equal(fs__cadence_clock("2026-03-12T10:00", "2026-03-10"),
                      "2026-03-12T10:00");
  /* Same day: the contact (it has the time of day). */
  assert_string_equal(fs__cadence_clock("2026-03-10T08:00", "2026-03-10"),
                      "2026-03-10T08:00");
  assert_string_equal(fs__cadence_clock(NULL, "2026-03-10"), "2026-03-10");
  assert_string_equal(fs__cadence_clock("", "2026-03-10"), "2026-03-10");
  assert_string_equal(fs__cadence_clock("2026-03-02", NULL), "2026-03-02");
  assert_string_equal(fs__cadence_clock("2026-03-02", ""), "2026-03-02");
  assert_null(fs__cadence_clock(NULL, NULL));
  assert_null(fs__cadence_clock("", ""));
}

static void test_callback_24h(void **state) {
  char due[20];
  int64_t late = -1;
  (void)state;

  assert_int_equal(fs__cadence_callback_due("2026-02-28T15:30", NULL, due, NULL), 0);
  assert_string_equal(due, "2026-03-01T15:30:00");
  assert_int_equal(fs__cadence_callback_due("2024-02-28T23:59:59", NULL, due, NULL), 0);
  assert_string_equal(due, "2024-02-29T23:59:59");
  assert_int_equal(fs__cadence_callback_due("2026-12-31 10:00", NULL, due, NULL), 0);
  assert_string_equal(due, "2027-01-01T10:00:00");

  assert_int_equal(
      fs__cadence_callback_due("2026-02-28T15:30", "2026-03-01T15:30:00", due, &late), 0);
  assert_int_equal(late, 0);
  assert_int_equal(
      fs__cadence_callback_due("2026-02-28T15:30", "2026-03-01T15:31:59", due, &late), 0);
  assert_int_equal(late, 1);
  assert_int_equal(
      fs__cadence_callback_due("2026-02-28T15:30", "2026-03-02T15:30", due, &late), 0);
  assert_int_equal(late, 1440);
  assert_int_equal(
      fs__cadence_callback_due("2026-02-28T15:30", "2026-02-28T16:00", due, &late), 0);
  assert_int_equal(late, 0);

  assert_int_equal(fs__cadence_callback_due("2026-02-29T15:30", NULL, due, NULL),
                   FS_EINVAL);
  assert_string_equal(due, "");
  assert_int_equal(fs__cadence_callback_due(NULL, NULL, due, NULL), FS_EINVAL);
  assert_int_equal(fs__cadence_callback_due("2026-02-28T15:30", NULL, due, &late),
                   FS_EINVAL);
  assert_int_equal(fs__cadence_callback_due("2026-02-28T15:30", NULL, NULL, NULL),
                   FS_EINVAL);
}

static void test_key_account_followup(void **state) {
  char due[11];
  int over = -1;
  (void)state;

  assert_int_equal(fs__cadence_followup_due("2026-12-28T10:00", "2027-01-04", due, &over),
                   0);
  assert_string_equal(due, "2027-01-04");
  assert_int_equal(over, 0);
  assert_int_equal(fs__cadence_followup_due("2026-12-28T10:00", "2027-01-06", due, &over),
                   0);
  assert_int_equal(over, 2);
  assert_int_equal(fs__cadence_followup_due("2024-02-25", NULL, due, NULL), 0);
  assert_string_equal(due, "2024-03-03");
  assert_int_equal(fs__cadence_followup_due("2026-02-25", NULL, due, NULL), 0);
  assert_string_equal(due, "2026-03-04");
  assert_int_equal(fs__cadence_followup_due("2026-02-25T25:00", NULL, due, NULL),
                   FS_EINVAL);
  assert_string_equal(due, "");
  assert_int_equal(fs__cadence_followup_due("2026-02-25", "later", due, &over),
                   FS_EINVAL);
}

/* Visit corrections (issue 15), worked by hand: the day a correction counts
 * as a contact. */
static void test_correction_day(void **state) {
  char d[11];
  (void)state;
  /* Points only, made weeks later: counts as the original, 03-04. */
  assert_int_equal(fs__cadence_correction_day("2026-03-04T10:00", "phone", NULL,
                                              "2026-03-04T10:00:00", "phone", "2026-03-20", d),
                   0);
  assert_string_equal(d, "2026-03-04");
  /* The time of day moves, the date stays: still 03-04. */
  assert_int_equal(fs__cadence_correction_day("2026-03-04T10:00", "phone", "",
                                              "2026-03-04T17:30", "phone", "2026-03-20", d),
                   0);
  assert_string_equal(d, "2026-03-04");
  /* An e-mail of 03-04 made a call of 03-02 on 03-05: counts 03-05, so the
   * A-grade deadline of 03-03 stays missed. */
  assert_int_equal(fs__cadence_correction_day("2026-03-04T10:00", "email", NULL,
                                              "2026-03-02T10:00", "phone", "2026-03-05", d),
                   0);
  assert_string_equal(d, "2026-03-05");
  /* The same correction made on 03-02, before the deadline: counts 03-02. */
  assert_int_equal(fs__cadence_correction_day("2026-03-02T09:00", "email", NULL,
                                              "2026-03-02T10:00", "phone", "2026-03-02", d),
                   0);
  assert_string_equal(d, "2026-03-02");
  /* Moved later (03-01 -> 03-04) on 03-06: counts 03-06, not 03-04. */
  assert_int_equal(fs__cadence_correction_day("2026-03-01T10:00", "phone", NULL,
                                              "2026-03-04T10:00", "phone", "2026-03-06", d),
                   0);
  assert_string_equal(d, "2026-03-06");
  /* A correction of a correction that keeps date and method counts as the
   * head did (its counts_on), not as its date says. */
  assert_int_equal(fs__cadence_correction_day("2026-03-02T10:00", "phone", "2026-03-05",
                                              "2026-03-02T10:00", "phone", "2026-03-09", d),
                   0);
  assert_string_equal(d, "2026-03-05");
  assert_int_equal(fs__cadence_correction_day("x", "phone", NULL, "2026-03-02", "phone",
                                              "2026-03-09", d),
                   FS_EINVAL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fixed_grades),
      cmocka_unit_test(test_delivered_window),
      cmocka_unit_test(test_due_fixed_grades),
      cmocka_unit_test(test_due_delivered),
      cmocka_unit_test(test_due_lost_and_errors),
      cmocka_unit_test(test_clock),
      cmocka_unit_test(test_callback_24h),
      cmocka_unit_test(test_key_account_followup),
      cmocka_unit_test(test_correction_day),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
