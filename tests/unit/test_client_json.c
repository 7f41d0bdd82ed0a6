/* test_client_json.c - the exact bytes of the --json writer (json.h):
 * string escapes (every control character, quotes, backslashes, UTF-8
 * passed through), commas between items and keys, null/bool/ints, and the
 * error results of fs__json_finish. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs_errno.h"
#include "json.h"

typedef struct mem {
  char *buf;
  size_t len;
  FILE *f;
  fs_json j;
} mem;

static void mem_open(mem *m) {
  memset(m, 0, sizeof(*m));
  m->f = open_memstream(&m->buf, &m->len);
  assert_non_null(m->f);
  fs__json_init(&m->j, m->f);
}

/* Finishes the document; returns fs__json_finish's result. */
static int mem_close(mem *m) {
  int rc = fs__json_finish(&m->j);
  assert_int_equal(fclose(m->f), 0);
  return rc;
}

/* The JSON string literal the writer makes of s (malloc'd). */
static char *string_of(const char *s) {
  mem m;
  mem_open(&m);
  fs__json_string(&m.j, s);
  assert_int_equal(mem_close(&m), 0);
  assert_true(m.len > 0 && m.buf[m.len - 1] == '\n');
  m.buf[m.len - 1] = '\0';
  return m.buf;
}

static void check(const char *in, const char *want) {
  char *got = string_of(in);
  assert_string_equal(got, want);
  free(got);
}

static void test_string_escapes(void **state) {
  (void)state;
  check(NULL, "null");
  check("", "\"\"");
  check("a\"b\\c/d", "\"a\\\"b\\\\c/d\"");
  check("\n\r\t\b\f", "\"\\n\\r\\t\\b\\f\"");
  check("\x01\x1f\x7f", "\"\\u0001\\u001f\x7f\"");
  check("北京宏达 \"物流\"", "\"北京宏达 \\\"物流\\\"\"");
}

static void test_string_every_control(void **state) {
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

static void test_document(void **state) {
  mem m;
  (void)state;

  mem_open(&m);
  fs__json_begin_array(&m.j);
  fs__json_begin_object(&m.j);
  fs__json_key(&m.j, "s");
  fs__json_string(&m.j, "x\ty");
  fs__json_key(&m.j, "k\"ey");
  fs__json_null(&m.j);
  fs__json_key(&m.j, NULL);
  fs__json_bool(&m.j, 1);
  fs__json_key(&m.j, "i");
  fs__json_int(&m.j, -42);
  fs__json_key(&m.j, "u");
  fs__json_uint(&m.j, UINT64_MAX);
  fs__json_end_object(&m.j);
  fs__json_begin_object(&m.j);
  fs__json_end_object(&m.j);
  fs__json_bool(&m.j, 0);
  fs__json_end_array(&m.j);
  assert_int_equal(mem_close(&m), 0);
  assert_string_equal(m.buf, "[{\"s\":\"x\\ty\",\"k\\\"ey\":null,\"\":true,\"i\":-42,"
                             "\"u\":18446744073709551615},{},false]\n");
  free(m.buf);
}

static void test_finish_errors(void **state) {
  mem m;
  (void)state;

  mem_open(&m);
  fs__json_begin_array(&m.j);
  assert_int_equal(mem_close(&m), FS_EINVAL); /* left open */
  assert_string_equal(m.buf, "[\n");
  free(m.buf);

  mem_open(&m);
  fs__json_end_array(&m.j);
  assert_int_equal(mem_close(&m), FS_EINVAL); /* nothing to end */
  free(m.buf);

  mem_open(&m);
  for (int i = 0; i <= FS_JSON_MAX_DEPTH; i++)
    fs__json_begin_array(&m.j);
  assert_int_equal(mem_close(&m), FS_EOVERFLOW);
  free(m.buf);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_string_escapes),
      cmocka_unit_test(test_string_every_control),
      cmocka_unit_test(test_document),
      cmocka_unit_test(test_finish_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
