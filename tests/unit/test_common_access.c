/* test_common_access.c - the read rule of after-sales staff (access.h,
 * issue 14): of their team's records, customer cards graded delivered
 * only (and loans, as for anyone); every other role reads as before. */
#include "testutil.h"

#include <string.h>

#include "access.h"
#include "fs_errno.h"

#define CUST "0190a1b2c3d4e5f60718293a4b5c6d7e"
#define LOAN "0190a1b2c3d4e5f60718293a4b5c6d7f"

static void test_after_sales_reads_delivered_cards(void **state) {
  fs_access a;
  (void)state;

  assert_int_equal(fs__access_init(&a, "S01", FS_ROLE_AFTER_SALES), 0);
  assert_int_equal(fs__access_add_owner(&a, "M01"), 0);
  assert_int_equal(fs__access_add_owner(&a, "A01"), 0);
  assert_int_equal(fs__access_add_loan(&a, LOAN), 0);
  /* The team's delivered card: yes; another grade, unset, a child: no. */
  assert_int_equal(
      fs__access_can_read_record(&a, FS_KIND_CUSTOMER, "A01", CUST, "delivered"), 1);
  assert_int_equal(fs__access_can_read_record(&a, FS_KIND_CUSTOMER, "A01", CUST, "B"), 0);
  assert_int_equal(fs__access_can_read_record(&a, FS_KIND_CUSTOMER, "A01", CUST, NULL),
                   0);
  assert_int_equal(fs__access_can_read_record(&a, FS_KIND_VISIT, "A01", CUST, NULL), 0);
  /* Another team's delivered card: no; a loaned card: yes, read-only. */
  assert_int_equal(
      fs__access_can_read_record(&a, FS_KIND_CUSTOMER, "B01", CUST, "delivered"), 0);
  assert_int_equal(fs__access_can_read_record(&a, FS_KIND_VISIT, "B01", LOAN, NULL), 1);
  assert_int_equal(fs__access_check_write(&a, "B01", LOAN), FS_EREADONLY);
  /* The team passes the ownership check; rule A1 narrows the writes. */
  assert_int_equal(fs__access_check_write(&a, "A01", CUST), 0);
  assert_int_equal(fs__access_check_write(&a, "B01", CUST), FS_EFORBIDDEN);
  assert_string_equal(fs__role_name(FS_ROLE_AFTER_SALES), "after_sales");
  assert_int_equal(fs__role_parse("after_sales"), FS_ROLE_AFTER_SALES);
}

/* A manager reads every record of the team, whatever the grade. */
static void test_manager_unchanged(void **state) {
  fs_access a;
  (void)state;

  assert_int_equal(fs__access_init(&a, "M01", FS_ROLE_MANAGER), 0);
  assert_int_equal(fs__access_add_owner(&a, "A01"), 0);
  assert_int_equal(fs__access_can_read_record(&a, FS_KIND_VISIT, "A01", CUST, NULL), 1);
  assert_int_equal(fs__access_can_read_record(&a, FS_KIND_CUSTOMER, "A01", CUST, "B"), 1);
  assert_int_equal(
      fs__access_can_read_record(&a, FS_KIND_CUSTOMER, "B01", CUST, "delivered"), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_after_sales_reads_delivered_cards),
      cmocka_unit_test(test_manager_unchanged),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
