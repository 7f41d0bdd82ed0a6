/* test_common_strbuf.c - the exact bytes of fs__strbuf_json_str (quotes,
 * backslashes, every control character, UTF-8 passed through, NULL as
 * null) and the overflow bound of the builder. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs_errno.h"
#include "strbuf.h"

/* fs__strbuf_json_str of s as a malloc'd string. */
static char *json_of(const char *s) {
  fs__strbuf b;

  fs__strbuf_init(&b, 1 << 16);
  assert_int_equal(fs__strbuf_json_str(&b, s), 0);
  return fs__strbuf_take(&b);
}

static void check(const char *in, const char *want) {
  char *got = json_of(in);
  assert_string_equal(got, want);
  free(got);
}

static void test_json_str_escapes(void **state) {
  (void)state;
  check(NULL, "null");
  check("", "\"\"");
  check("plain", "\"plain\"");
  check("a\"b\\c/d", "\"a\\\"b\\\\c/d\"");
  check("\n\r\t", "\"\\n\\r\\t\"");
  check("\b\f", "\"\\b\\f\"");
  check("\x01\x1f\x7f", "\"\\u0001\\u001f\x7f\"");
  check("上海 \"浦东\"", "\"上海 \\\"浦东\\\"\"");
}

static void test_json_str_every_control(void **state) {
  (void)state;
  for (int c = 1; c < 0x20; c++) {
    char in[2] = {(char)c, '\0'}, want[16];
    switch (c) {
    case '\n':
      snprintf(want, sizeof(want), "\"\\n\"");
      break;
    case '\r':
      snprintf(want, sizeof(want), "\"\\r\"");
      break;
    case '\t':
      snprintf(want, sizeof(want), "\"\\t\"");
      break;
    case '\b':
      snprintf(want, sizeof(want), "\"\\b\"");
      break;
    case '\f':
      snprintf(want, sizeof(want), "\"\\f\"");
      break;
    default:
      snprintf(want, sizeof(want), "\"\\u%04x\"", (unsigned)c);
    }
    check(in, want);
  }
}

/* An escape that would pass max is refused whole and sets overflow. */
static void test_json_str_bound(void **state) {
  fs__strbuf b;
  (void)state;

  fs__strbuf_init(&b, 4);
  assert_int_equal(fs__strbuf_json_str(&b, "ab"), 0);
  assert_string_equal(b.s, "\"ab\"");
  assert_int_equal(fs__strbuf_json_str(&b, "x"), FS_EOVERFLOW);
  assert_int_equal(b.overflow, 1);
  assert_string_equal(b.s, "\"ab\"");
  fs__strbuf_release(&b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_json_str_escapes),
      cmocka_unit_test(test_json_str_every_control),
      cmocka_unit_test(test_json_str_bound),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
