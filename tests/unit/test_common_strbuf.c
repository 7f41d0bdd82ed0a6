/* test_common_strbuf.c - the exact bytes of a JSON string written into a
 * text buffer (json.h over strbuf.h, the escapes of fs__json_escape:
 * quotes, backslashes, every control character, UTF-8 passed through, NULL
 * as null), the overflow bound of the builder, and the one CSV writer
 * (RFC 4180 quoting, formula neutralising). */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs_errno.h"
#include "json.h"
#include "strbuf.h"

/* Appends s as one JSON string (or null) to b; fs__json_end's code. */
static int json_str(fs__strbuf *b, const char *s) {
  fs_json j;

  fs__json_init_buf(&j, b);
  fs__json_string(&j, s);
  return fs__json_end(&j);
}

/* The JSON string literal of s as a malloc'd string. */
static char *json_of(const char *s) {
  fs__strbuf b;

  fs__strbuf_init(&b, 1 << 16);
  assert_int_equal(json_str(&b, s), 0);
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

/* Text that would pass max is refused and sets overflow; the writer says
 * so. */
static void test_json_str_bound(void **state) {
  fs__strbuf b;
  (void)state;

  fs__strbuf_init(&b, 4);
  assert_int_equal(json_str(&b, "ab"), 0);
  assert_string_equal(b.s, "\"ab\"");
  assert_int_equal(json_str(&b, "x"), FS_EOVERFLOW);
  assert_int_equal(b.overflow, 1);
  assert_string_equal(b.s, "\"ab\"");
  fs__strbuf_release(&b);
}

/* fs__strbuf_csv_cell of s as a malloc'd string. */
static void csv_is(const char *in, const char *want) {
  fs__strbuf b;
  char *got;

  fs__strbuf_init(&b, 1 << 16);
  assert_int_equal(fs__strbuf_csv_cell(&b, in), 0);
  got = fs__strbuf_take(&b);
  assert_string_equal(got, want);
  free(got);
}

/* Issue 11, hole 9: the one CSV writer quotes as RFC 4180 says and
 * neutralises a cell a spreadsheet would run as a formula (OWASP): a
 * leading apostrophe before =, +, -, @, TAB or CR; whole numbers stay. */
static void test_csv_cell(void **state) {
  (void)state;
  csv_is(NULL, "");
  csv_is("", "");
  csv_is("plain", "plain");
  csv_is("北京宏达", "北京宏达");
  csv_is("a,b", "\"a,b\"");
  csv_is("say \"hi\"", "\"say \"\"hi\"\"\"");
  csv_is("two\nlines", "\"two\nlines\"");
  /* The attack of the issue, and every trigger. */
  csv_is("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0");
  csv_is("=1+2", "'=1+2");
  csv_is("+86 138", "'+86 138");
  csv_is("+1", "'+1");
  csv_is("-2+3", "'-2+3");
  csv_is("-", "'-");
  csv_is("@SUM(A1:A9)", "'@SUM(A1:A9)");
  csv_is("\t=1", "'\t=1");
  csv_is("\r=1", "\"'\r=1\"");
  /* Neutralised and quoted: the apostrophe goes inside the quotes. */
  csv_is("=HYPERLINK(\"http://x\",\"y\")", "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"");
  /* Numbers, negative ones included, stay numbers. */
  csv_is("-12", "-12");
  csv_is("-0.5", "-0.5");
  csv_is("3600000", "3600000");
  csv_is("50.0", "50.0");
  csv_is("-1e5", "'-1e5");
  csv_is("-.5", "'-.5");
  csv_is("-5.", "'-5.");
  /* Only the first character counts. */
  csv_is("a=b", "a=b");
  csv_is(" =1", " =1");
}

static void test_csv_row(void **state) {
  static const char *const cells[] = {"id", "=x", NULL, "-3"};
  fs__strbuf b;
  (void)state;

  fs__strbuf_init(&b, 1 << 10);
  assert_int_equal(fs__strbuf_csv_row(&b, 4, cells, "\r\n"), 0);
  assert_string_equal(b.s, "id,'=x,,-3\r\n");
  fs__strbuf_release(&b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_json_str_escapes),
      cmocka_unit_test(test_json_str_every_control),
      cmocka_unit_test(test_json_str_bound),
      cmocka_unit_test(test_csv_cell),
      cmocka_unit_test(test_csv_row),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
