/* test_common_csv.c - RFC 4180 output of list tables (common/table.c): quoting of
 * commas, quotes and line breaks, CRLF records, whole (uncut) cells, and
 * formula cells neutralised. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "table.h"

/* Prints t as CSV into a memory buffer; returns it (malloc'd). */
static char *csv_of(const fs_table *t) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);

  assert_non_null(f);
  assert_int_equal(fs__table_print_csv(t, f), 0);
  assert_int_equal(fclose(f), 0);
  return buf;
}

/* A table of ncols columns with two rows, printed as CSV (malloc'd). */
static char *csv_of_rows(int ncols, const char *const *heads, const char **row1,
                         const char **row2) {
  fs_table *t = NULL;
  char *out;

  assert_int_equal(fs__table_new(ncols, heads, 10, &t), 0);
  assert_int_equal(fs__table_add(t, row1), 0);
  assert_int_equal(fs__table_add(t, row2), 0);
  out = csv_of(t);
  fs__table_free(t);
  return out;
}

static void test_quoting(void **state) {
  static const char *const heads[] = {"name", "note", "n"};
  const char *row1[] = {"Acme, \"Fleet\" Ltd", "two\nlines", "1"};
  const char *row2[] = {"北京宏达物流有限公司", NULL, "cr\rhere"};
  char *out;

  (void)state;
  out = csv_of_rows(3, heads, row1, row2);
  assert_string_equal(out, "name,note,n\r\n"
                           "\"Acme, \"\"Fleet\"\" Ltd\",\"two\nlines\",1\r\n"
                           "北京宏达物流有限公司,,\"cr\rhere\"\r\n");
  free(out);
}

/* The human table cuts long cells; CSV keeps them whole. */
static void test_whole_cells(void **state) {
  static const char *const heads[] = {"reason"};
  char longcell[200];
  const char *row[1] = {longcell};
  fs_table *t = NULL;
  char *out, want[220];

  (void)state;
  memset(longcell, 'x', 120);
  longcell[120] = '\0';
  assert_int_equal(fs__table_new(1, heads, 10, &t), 0);
  assert_int_equal(fs__table_add(t, row), 0);
  out = csv_of(t);
  snprintf(want, sizeof(want), "reason\r\n%s\r\n", longcell);
  assert_string_equal(out, want);
  free(out);
  {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    /* A pipe or file: every cell whole (issue 15), never "...". */
    fs__table_print(t, f);
    assert_int_equal(fclose(f), 0);
    assert_null(strstr(buf, "..."));
    assert_non_null(strstr(buf, longcell));
    free(buf);
  }
  {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    /* A terminal 30 columns wide: the cell shortened to fit, "..." ending it. */
    fs__table_print_fit(t, f, 30);
    assert_int_equal(fclose(f), 0);
    assert_non_null(strstr(buf, "xxx...\n"));
    assert_null(strstr(buf, longcell));
    for (char *line = buf; *line; line = strchr(line, '\n') + 1)
      assert_true(strchr(line, '\n') - line <= 30);
    free(buf);
  }
  fs__table_free(t);
}

/* Issue 11, hole 9: a card named like a formula is written as text. */
static void test_formula_cells(void **state) {
  static const char *const heads[] = {"name", "amount", "phone"};
  const char *row1[] = {"=cmd|' /C calc'!A0", "-250", "+86 138 0000"};
  const char *row2[] = {"@SUM(1,2)", "3600000", "-1+1"};
  char *out;

  (void)state;
  out = csv_of_rows(3, heads, row1, row2);
  assert_string_equal(out, "name,amount,phone\r\n"
                           "'=cmd|' /C calc'!A0,-250,'+86 138 0000\r\n"
                           "\"'@SUM(1,2)\",3600000,'-1+1\r\n");
  free(out);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_quoting),
      cmocka_unit_test(test_whole_cells),
      cmocka_unit_test(test_formula_cells),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
