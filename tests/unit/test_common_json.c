/* test_common_json.c - the exact bytes of the one JSON writer (json.h):
 * string escapes (quotes, backslashes, control characters: those of
 * fs__json_escape; UTF-8 passed through), the same bytes into a stream and
 * into a text buffer, commas between items and keys, null/bool/ints/fixed
 * numbers, the spaced layout with line breaks, and fs__json_finish's
 * errors. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs_errno.h"
#include "json.h"
#include "strbuf.h"

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

/* Whole strings: escapes amid UTF-8 text, NULL (each byte: below). */
static void test_string_escapes(void **state) {
  static const char *const cases[][2] = {
      {NULL, "null"},
      {"北京 \"a\\b\"\n\b\f\x01/\x7f", "\"北京 \\\"a\\\\b\\\"\\n\\b\\f\\u0001/\x7f\""},
  };
  (void)state;
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    char *got = string_of(cases[i][0]);
    assert_string_equal(got, cases[i][1]);
    free(got);
  }
}

/* Every byte is written alike into a stream and into a text buffer (the
 * buffer's bytes are pinned in test_common_strbuf.c): one writer for every
 * JSON the system writes. */
static void test_string_like_strbuf(void **state) {
  (void)state;
  for (int c = 1; c < 0x100; c++) {
    char in[4] = {'a', (char)c, 'z', '\0'};
    char *got = string_of(in), *want;
    fs__strbuf b;
    fs_json j;

    fs__strbuf_init(&b, 64);
    fs__json_init_buf(&j, &b);
    fs__json_string(&j, in);
    assert_int_equal(fs__json_end(&j), 0);
    want = fs__strbuf_take(&b);
    assert_string_equal(got, want);
    free(got);
    free(want);
  }
}

/* Fixed-point numbers, and the spaced layout with line breaks that
 * `fieldsyncd schema --json` uses. */
static void test_fixed_and_layout(void **state) {
  fs__strbuf b;
  fs_json j;
  (void)state;

  fs__strbuf_init(&b, 1024);
  fs__json_init_buf(&j, &b);
  fs__json_spaced(&j, 1);
  fs__json_begin_object(&j);
  fs__json_key(&j, "pct");
  fs__json_fixed(&j, 12.345, 1);
  fs__json_key(&j, "num");
  fs__json_fixed(&j, -0.5, 2);
  fs__json_key(&j, "nan");
  fs__json_fixed(&j, 0.0 / 0.0, 2);
  fs__json_break(&j, 1);
  fs__json_key(&j, "list");
  fs__json_begin_array(&j);
  fs__json_break(&j, 2);
  fs__json_int(&j, 1);
  fs__json_break(&j, 2);
  fs__json_int(&j, 2);
  fs__json_end_array(&j);
  fs__json_end_object(&j);
  assert_int_equal(fs__json_finish(&j), 0);
  assert_string_equal(
      b.s, "{\"pct\": 12.3, \"num\": -0.50, \"nan\": null,\n \"list\": [\n  1,\n  2]}\n");
  fs__strbuf_release(&b);
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
      cmocka_unit_test(test_string_escapes),   cmocka_unit_test(test_string_like_strbuf),
      cmocka_unit_test(test_fixed_and_layout), cmocka_unit_test(test_document),
      cmocka_unit_test(test_finish_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
