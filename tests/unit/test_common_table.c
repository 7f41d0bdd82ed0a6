/* test_common_table.c - the one typed table renderer (table.h) that the
 * CLI's lists, the daemon's admin listings and the reports share: exact
 * bytes of the text layouts (CJK widths, numbers right-aligned, times,
 * the rule and "(none)", cut cells, sanitised control characters), of CSV
 * with a leading section column, and of JSON (typed values, null for an
 * unset cell, escapes); the row bound. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fs_errno.h"
#include "json.h"
#include "table.h"

static const fs_col cols[] = {{"rep", FS_COL_TEXT, NULL},  {"n", FS_COL_INT, "COUNT"},
                              {"share", FS_COL_PCT, NULL}, {"score", FS_COL_NUM, NULL},
                              {"seen", FS_COL_TIME, NULL}, {"note", FS_COL_TEXT, NULL}};

/* Two rows: Chinese text, a control character, an unset cell. */
static fs_table *sample(void) {
  fs_table *t = NULL;

  assert_int_equal(fs__table_new_typed(cols, 6, 10, &t), 0);
  assert_int_equal(fs__table_row(t), 0);
  assert_int_equal(fs__table_set_text(t, 0, "张三"), 0);
  fs__table_set_int(t, 1, 7);
  fs__table_set_num(t, 2, 12.345);
  fs__table_set_num(t, 3, 0.5);
  fs__table_set_int(t, 4, 1700000000000LL); /* 2023-11-14 22:13 UTC, 11-15 06:13 +08 */
  assert_int_equal(fs__table_set_text(t, 5, "a\"b\\c\nd"), 0);
  assert_int_equal(fs__table_row(t), 0);
  assert_int_equal(fs__table_set_text(t, 0, "A01"), 0);
  fs__table_set_int(t, 1, 1234);
  fs__table_set_num(t, 2, 100);
  fs__table_set_num(t, 3, -2);
  fs__table_set_int(t, 4, 0); /* never: "-" */
  return t;                   /* note unset */
}

static char *text_of(const fs_table *t, const fs_table_style *st) {
  fs__strbuf b;
  fs__strbuf_init(&b, 1 << 16);
  assert_int_equal(fs__table_text(t, st, &b), 0);
  return fs__strbuf_take(&b);
}

static void test_text_report(void **state) {
  fs_table *t = sample();
  char *got = text_of(t, &fs__table_report);
  (void)state;

  /* 张三 is four columns wide; numbers and their headers right-aligned;
   * the newline in the last cell shows as a space; no padding after it. */
  assert_string_equal(got, "rep   COUNT   share  score  seen                     note\n"
                           "----  -----  ------  -----  -----------------------  -------\n"
                           "张三      7   12.3%   0.50  2023-11-15 06:13 +08:00  a\"b\\c d\n"
                           "A01    1234  100.0%  -2.00  -                        \n");
  free(got);
  fs__table_free(t);
}

static void test_text_empty_and_cut(void **state) {
  static const fs_col one[] = {{"name", FS_COL_TEXT, NULL}, {"n", FS_COL_INT, NULL}};
  fs_table *t = NULL;
  char *got;
  (void)state;

  assert_int_equal(fs__table_new_typed(one, 2, 10, &t), 0);
  got = text_of(t, &fs__table_report);
  assert_string_equal(got, "name  n\n----  -\n(none)\n");
  free(got);
  got = text_of(t, &fs__table_list); /* the one style: a list prints header and rule */
  assert_string_equal(got, "name  n\n----  -\n");
  free(got);
  /* Whole cells (a pipe or a file, issue 15): never cut. */
  assert_int_equal(fs__table_row(t), 0);
  assert_int_equal(fs__table_set_text(t, 0, "一二三四五六七八九十一二三四五六七八九十X"),
                   0);
  fs__table_set_int(t, 1, 3);
  got = text_of(t, &fs__table_list);
  assert_string_equal(got, "name                                       n\n"
                           "-----------------------------------------  -\n"
                           "一二三四五六七八九十一二三四五六七八九十X  3\n");
  free(got);
  fs__table_free(t);
}

/* Fitting a terminal's width (issue 15): long text shortened to the soft
 * limit first, then columns dropped by rank, then shortened further. */
static void test_text_fit(void **state) {
  static const char *const heads[] = {"id", "name", "phone", "owner"};
  fs_table *t = NULL;
  fs__strbuf b;
  (void)state;

  assert_int_equal(fs__table_new(4, heads, 10, &t), 0);
  assert_int_equal(fs__table_set_drop(t, 0, 2), 0);
  assert_int_equal(fs__table_set_drop(t, 3, 1), 0);
  assert_int_equal(fs__table_set_drop(t, 4, 1), FS_EINVAL);
  {
    const char *row[] = {"0123456789abcdef", "北京宏达物流有限公司北京宏达物流有限公司", "010-1234",
                         "A01"};
    assert_int_equal(fs__table_add(t, row), 0);
  }
  /* Wide enough: every cell whole. */
  fs__strbuf_init(&b, 1 << 16);
  assert_int_equal(fs__table_text_fit(t, &fs__table_list, 200, &b), 0);
  assert_non_null(strstr(b.s, "北京宏达物流有限公司北京宏达物流有限公司  010-1234  A01\n"));
  fs__strbuf_release(&b);
  /* 60: the name shortened by what is too much: 16+2+25+2+8+2+5 = 60. */
  fs__strbuf_init(&b, 1 << 16);
  assert_int_equal(fs__table_text_fit(t, &fs__table_list, 60, &b), 0);
  assert_string_equal(b.s, "id                name                       phone     owner\n"
                           "----------------  -------------------------  --------  -----\n"
                           "0123456789abcdef  北京宏达物流有限公司北...  010-1234  A01\n");
  fs__strbuf_release(&b);
  /* 40: owner (rank 1) dropped, then id (rank 2); phone never. */
  fs__strbuf_init(&b, 1 << 16);
  assert_int_equal(fs__table_text_fit(t, &fs__table_list, 40, &b), 0);
  assert_string_equal(b.s, "name                      phone\n"
                           "------------------------  --------\n"
                           "北京宏达物流有限公司...   010-1234\n");
  fs__strbuf_release(&b);
  /* 20: the name shortened below the soft limit, to 10. */
  fs__strbuf_init(&b, 1 << 16);
  assert_int_equal(fs__table_text_fit(t, &fs__table_list, 20, &b), 0);
  assert_string_equal(b.s, "name        phone\n"
                           "----------  --------\n"
                           "北京宏...   010-1234\n");
  fs__strbuf_release(&b);
  fs__table_free(t);
}

static void test_csv(void **state) {
  fs_table *t = sample();
  fs__strbuf b;
  (void)state;

  fs__strbuf_init(&b, 1 << 16);
  assert_int_equal(fs__table_csv(t, "section", "s1", "\n", &b), 0);
  assert_string_equal(b.s, "section,rep,n,share,score,seen,note\n"
                           "s1,张三,7,12.3%,0.50,2023-11-15 06:13 +08:00,\"a\"\"b\\c\nd\"\n"
                           "s1,A01,1234,100.0%,-2.00,,\n");
  fs__strbuf_release(&b);
  fs__strbuf_init(&b, 1 << 16);
  assert_int_equal(fs__table_csv(t, NULL, NULL, "\r\n", &b), 0);
  {
    const char *want = "rep,n,share,score,seen,note\r\n张三,7,";
    assert_int_equal(strncmp(b.s, want, strlen(want)), 0);
    assert_non_null(strstr(b.s, "\r\nA01,1234,100.0%,-2.00,,\r\n"));
  }
  fs__strbuf_release(&b);
  fs__table_free(t);
}

/* Several tables as one CSV table: one header, the union of the columns
 * in first-seen order, a column a table lacks empty; an unset share is
 * "n/a". */
static void test_csv_merged(void **state) {
  static const fs_col other[] = {{"rep", FS_COL_TEXT, NULL},
                                 {"team", FS_COL_TEXT, NULL},
                                 {"share", FS_COL_PCT, NULL}};
  fs_table *ts[2] = {sample(), NULL};
  const char *names[] = {"s1", "s2"};
  fs__strbuf b;
  (void)state;

  assert_int_equal(fs__table_new_typed(other, 3, 10, &ts[1]), 0);
  assert_int_equal(fs__table_row(ts[1]), 0);
  assert_int_equal(fs__table_set_text(ts[1], 0, "B01"), 0);
  assert_int_equal(fs__table_set_text(ts[1], 1, "M01"), 0);
  fs__strbuf_init(&b, 1 << 16);
  assert_int_equal(fs__table_csv_merged((const fs_table *const *)ts, names, 2, "section",
                                        "\n", &b),
                   0);
  assert_string_equal(b.s, "section,rep,n,share,score,seen,note,team\n"
                           "s1,张三,7,12.3%,0.50,2023-11-15 06:13 +08:00,\"a\"\"b\\c\nd\",\n"
                           "s1,A01,1234,100.0%,-2.00,,,\n"
                           "s2,B01,,n/a,,,,M01\n");
  fs__strbuf_release(&b);
  fs__table_free(ts[0]);
  fs__table_free(ts[1]);
}

static void test_json(void **state) {
  fs_table *t = sample();
  fs__strbuf b;
  fs_json j;
  (void)state;

  fs__strbuf_init(&b, 1 << 16);
  fs__json_init_buf(&j, &b);
  assert_int_equal(fs__table_json(t, &j), 0);
  assert_int_equal(fs__json_end(&j), 0);
  /* Typed: integers, fixed decimals, the time as ISO 8601 with the local
   * offset (none: null, issue 15), null for the unset cell, escapes by the
   * one writer. */
  assert_string_equal(b.s, "[{\"rep\":\"张三\",\"n\":7,\"share\":12.3,\"score\":0.50,"
                           "\"seen\":\"2023-11-15T06:13:20+08:00\",\"note\":\"a\\\"b\\\\c\\nd\"},"
                           "{\"rep\":\"A01\",\"n\":1234,\"share\":100.0,\"score\":-2.00,"
                           "\"seen\":null,\"note\":null}]");
  fs__strbuf_release(&b);
  fs__table_free(t);
}

static void test_bounds(void **state) {
  const char *heads[] = {"a", "b"}, *row[] = {"1", NULL};
  fs_table *t = NULL;
  char buf[64];
  (void)state;

  assert_int_equal(fs__table_new(2, heads, 2, &t), 0);
  assert_int_equal(fs__table_add(t, row), 0);
  assert_int_equal(fs__table_add(t, row), 0);
  assert_int_equal(fs__table_add(t, row), FS_EOVERFLOW);
  assert_int_equal(fs__table_row(t), FS_EOVERFLOW);
  assert_int_equal(fs__table_rows(t), 2);
  assert_string_equal(fs__table_cell(t, 1, 0, buf), "1");
  assert_string_equal(fs__table_cell(t, 1, 1, buf), "");
  assert_string_equal(fs__table_cell(t, 5, 0, buf), "");
  assert_int_equal(fs__table_set_text(t, 9, "x"), FS_EINVAL);
  fs__table_free(t);
  assert_int_equal(fs__table_new(0, heads, 2, &t), FS_EINVAL);
  assert_int_equal(fs__table_new_typed(cols, FS_TABLE_MAX_COLS + 1, 2, &t), FS_EINVAL);
  fs__table_free(NULL);
}

/* The one time rule (date.h, issue 15): local time with the zone's offset
 * for people, ISO 8601 with offset in JSON, none as "-" and null; west of
 * Greenwich too. */
/* Issue 15: a table packed by one process (the daemon) and unpacked by
 * another (the admin's) renders the same bytes, text, CSV and JSON, and
 * keeps its drop ranks; a damaged pack is refused. */
static void test_pack_round_trip(void **state) {
  fs_table *t = sample(), *u = NULL;
  fs__strbuf p, a, b;
  static const char *const bad[] = {"",
                                    "fs-table 2\n",
                                    "fs-table 1\nr\ti1\n",
                                    "fs-table 1\nc\t9\t0\tx\t\\N\n",
                                    "fs-table 1\nc\t1\t0\tx\t\\N\nr\tixx\n",
                                    "fs-table 1\nc\t0\t0\tx\t\\N\nr\n",
                                    "fs-table 1\nc\t0\t0\tx\t\\N\nr\ts\\q\n",
                                    "fs-table 1\nc\t0\t0\tx\t\\N"};
  (void)state;

  assert_int_equal(fs__table_set_drop(t, 5, 2), 0);
  fs__strbuf_init(&p, 1 << 16);
  assert_int_equal(fs__table_pack(t, &p), 0);
  assert_int_equal(fs__table_unpack(p.s, p.len, 10, &u), 0);
  assert_int_equal(fs__table_drop(u, 5), 2);
  assert_int_equal(fs__table_drop(u, 0), 0);
  for (int w = 0; w <= 40; w += 40) {
    fs__strbuf_init(&a, 1 << 16);
    fs__strbuf_init(&b, 1 << 16);
    assert_int_equal(fs__table_text_fit(t, &fs__table_list, w, &a), 0);
    assert_int_equal(fs__table_text_fit(u, &fs__table_list, w, &b), 0);
    assert_string_equal(a.s, b.s);
    fs__strbuf_release(&a);
    fs__strbuf_release(&b);
  }
  fs__strbuf_init(&a, 1 << 16);
  fs__strbuf_init(&b, 1 << 16);
  assert_int_equal(fs__table_csv(t, NULL, NULL, "\r\n", &a), 0);
  assert_int_equal(fs__table_csv(u, NULL, NULL, "\r\n", &b), 0);
  assert_string_equal(a.s, b.s);
  fs__strbuf_release(&a);
  fs__strbuf_release(&b);
  /* The row bound holds on the receiving side too. */
  fs__table_free(u);
  assert_int_equal(fs__table_unpack(p.s, p.len, 1, &u), FS_EOVERFLOW);
  assert_null(u);
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    assert_int_equal(fs__table_unpack(bad[i], strlen(bad[i]), 10, &u), FS_EINVAL);
    assert_null(u);
  }
  fs__strbuf_release(&p);
  fs__table_free(t);
}

static void test_time_rule(void **state) {
  char buf[64];
  fs__strbuf b;
  fs_json j;
  (void)state;

  assert_string_equal(fs__table_time_text(buf, 1700000000000LL), "2023-11-15 06:13 +08:00");
  assert_string_equal(fs__table_time_text(buf, 0), "-");
  assert_string_equal(fs__table_time_text(buf, -5), "-");
  fs__strbuf_init(&b, 1 << 10);
  fs__json_init_buf(&j, &b);
  fs__json_begin_array(&j);
  fs__json_time(&j, 1700000000000LL);
  fs__json_time(&j, 0);
  fs__json_end_array(&j);
  assert_int_equal(fs__json_end(&j), 0);
  assert_string_equal(b.s, "[\"2023-11-15T06:13:20+08:00\",null]");
  fs__strbuf_release(&b);
  setenv("TZ", "America/New_York", 1);
  tzset();
  assert_string_equal(fs__table_time_text(buf, 1700000000000LL), "2023-11-14 17:13 -05:00");
  setenv("TZ", "UTC", 1);
  tzset();
  assert_string_equal(fs__table_time_text(buf, 1700000000000LL), "2023-11-14 22:13 +00:00");
  setenv("TZ", "Asia/Shanghai", 1);
  tzset();
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_time_rule),
      cmocka_unit_test(test_text_report), cmocka_unit_test(test_text_empty_and_cut),
      cmocka_unit_test(test_text_fit),
      cmocka_unit_test(test_csv),         cmocka_unit_test(test_csv_merged),
      cmocka_unit_test(test_json),
      cmocka_unit_test(test_bounds),
      cmocka_unit_test(test_pack_round_trip),
  };
  /* Times are local (issue 15): a zone east of Greenwich proves the offset. */
  setenv("TZ", "Asia/Shanghai", 1);
  tzset();
  return cmocka_run_group_tests(tests, NULL, NULL);
}
