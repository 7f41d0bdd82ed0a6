/* test_common_error.c - the error table is complete and stable. */
#include "testutil.h"

#include <string.h>

#include "fs_errno.h"

static void test_every_code_has_name_and_message(void **state) {
  (void)state;
#define XX(name, num, msg)                                                     \
  assert_string_equal(fs_strerror(FS_##name), msg);                            \
  assert_string_equal(fs_err_name(FS_##name), "FS_" #name);                    \
  assert_int_equal(FS_##name, -(4000 + num));
  FS_ERRNO_MAP(XX)
#undef XX
}

static void test_unknown_code(void **state) {
  (void)state;
  assert_string_equal(fs_strerror(12345), "unknown error");
  assert_string_equal(fs_err_name(-1), "FS_UNKNOWN");
  assert_string_equal(fs_strerror(0), "success");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_code_has_name_and_message),
      cmocka_unit_test(test_unknown_code),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
