/* test_common_utf8.c - decoding, display widths and terminal-safe output
 * (common/utf8.h, fs__strbuf_pad): an escape sequence, DEL or a C1 control
 * in a record never reaches a terminal as it is. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs_errno.h"
#include "strbuf.h"
#include "utf8.h"

static void next_is(const char *s, size_t n, size_t want_len, uint32_t want_cp) {
  uint32_t cp = 0;
  assert_int_equal(fs__utf8_next((const unsigned char *)s, n, &cp), want_len);
  assert_int_equal(cp, want_cp);
}

static void test_decode(void **state) {
  (void)state;
  next_is("A", 1, 1, 'A');
  next_is("\xc3\xa9", 2, 2, 0xe9);         /* é */
  next_is("\xe4\xb8\xad", 3, 3, 0x4e2d);   /* 中 */
  next_is("\xf0\x9f\x98\x80", 4, 4, 0x1f600);
  next_is("\xc2\x9b", 2, 2, 0x9b);         /* C1 CSI, well formed */
  next_is("\x9b", 1, 1, 0xfffd);           /* stray continuation byte */
  next_is("\xc0\x80", 2, 1, 0xfffd);       /* overlong lead */
  next_is("\xf5\x80\x80\x80", 4, 1, 0xfffd);
  next_is("\xe4\xb8", 2, 1, 0xfffd);       /* truncated by n */
  next_is("\xe4\xb8\xad", 2, 1, 0xfffd);   /* the bound is n, not the NUL */
  next_is("\xe4\x41\xad", 3, 1, 0xfffd);   /* bad continuation */
}

static void test_widths(void **state) {
  (void)state;
  assert_true(fs__cp_is_control(0x1b));
  assert_true(fs__cp_is_control(0x7f));
  assert_true(fs__cp_is_control(0x9b));
  assert_false(fs__cp_is_control(0xa0));
  assert_false(fs__cp_is_control(' '));
  assert_int_equal(fs__cp_width('a'), 1);
  assert_int_equal(fs__cp_width(0x4e2d), 2);
  assert_int_equal(fs__cp_width(0xff01), 2); /* fullwidth ! */
  assert_int_equal(fs__cp_width(0x301), 0);  /* combining acute */
  assert_int_equal(fs__cp_width(0x1b), 0);
  assert_int_equal(fs__display_width(NULL), 0);
  assert_int_equal(fs__display_width(""), 0);
  assert_int_equal(fs__display_width("上海 Motors"), 11);
  /* As shown: a control is one space, a stray byte one '?'. */
  assert_int_equal(fs__display_width("a\x1b[2Jb"), 6);
  assert_int_equal(fs__display_width("a\x9b"), 2);
}

static char *pad(const char *s, int width) {
  fs__strbuf b;
  fs__strbuf_init(&b, 256);
  assert_int_equal(fs__strbuf_pad(&b, s, width), 0);
  return fs__strbuf_take(&b);
}

static void pad_is(const char *s, int width, const char *want) {
  char *got = pad(s, width);
  assert_string_equal(got, want);
  free(got);
}

static void test_pad(void **state) {
  (void)state;
  pad_is("abc", 5, "abc  ");
  pad_is("abcdef", 4, "abcd");
  pad_is("中文字", 5, "中文 "); /* a wide character is not split */
  pad_is("中文", -1, "中文");
  pad_is(NULL, 2, "  ");
  /* ESC [2J (clear screen), DEL, C1 CSI, a stray 0x9b, newline, tab. */
  pad_is("x\x1b[2Jy", -1, "x [2Jy");
  pad_is("a\x7f\xc2\x9b" "b", -1, "a  b");
  pad_is("a\x9b" "b", 4, "a?b ");
  pad_is("l1\nl2\t", -1, "l1 l2 ");
}

/* fs__print_text of s with indent into a malloc'd string. */
static char *printed(const char *s, int indent) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);

  assert_non_null(f);
  fs__print_text(f, s, indent);
  assert_int_equal(fclose(f), 0);
  return buf;
}

static void printed_is(const char *s, int indent, const char *want) {
  char *got = printed(s, indent);
  assert_string_equal(got, want);
  free(got);
}

/* The one sanitiser behind every human writer: the daemon prints admin
 * listings with indent 0 (lines kept), one-line messages with -1. */
static void test_print_text(void **state) {
  const char *shown;
  size_t len;
  int cols;
  (void)state;

  assert_int_equal(
      fs__shown_next((const unsigned char *)"\x1b[", 2, 1, &shown, &len, &cols), 1);
  assert_memory_equal(shown, " ", 1);
  assert_int_equal(cols, 1);
  assert_int_equal(fs__shown_next((const unsigned char *)"\n", 1, 1, &shown, &len, &cols),
                   1);
  assert_memory_equal(shown, "\n", 1);
  assert_int_equal(cols, 0);
  assert_int_equal(fs__shown_next((const unsigned char *)"\n", 1, 0, &shown, &len, &cols),
                   1);
  assert_memory_equal(shown, " ", 1);
  assert_int_equal(fs__shown_next((const unsigned char *)"中", 3, 0, &shown, &len, &cols),
                   3);
  assert_int_equal(len, 3);
  assert_int_equal(cols, 2);

  printed_is("a\x1b[31mb\x07\n\x1b]0;t\x07"
             "c",
             0, "a [31mb \n ]0;t c");
  printed_is("a\nb", 4, "a\n    b");
  printed_is("a\nb\r\xc2\x9b\x9b", -1, "a b  ?");
  printed_is(NULL, 0, "");
}

/* One log line: the same rule, in place, newlines too. */
static void test_shown_line(void **state) {
  char line[] = "device 3 (A01): name \x1b[2J\n\xc2\x9b\x9b 李";
  (void)state;

  assert_int_equal(fs__shown_line(line), strlen("device 3 (A01): name  [2J  ? 李"));
  assert_string_equal(line, "device 3 (A01): name  [2J  ? 李");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_decode),     cmocka_unit_test(test_widths),
      cmocka_unit_test(test_pad),        cmocka_unit_test(test_print_text),
      cmocka_unit_test(test_shown_line),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
