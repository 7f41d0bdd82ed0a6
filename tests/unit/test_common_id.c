/* test_common_id.c - record ids are unique, well-formed and time-ordered;
 * staff codes are checked to the letter. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hlc.h"
#include "id.h"

#define N_IDS 100000

static int cmp_id(const void *a, const void *b) {
  return strcmp((const char *)a, (const char *)b);
}

static void test_100k_unique_and_valid(void **state) {
  char(*ids)[33] = malloc(sizeof(*ids) * N_IDS);
  uint64_t before = fs__now_ms(), after;
  (void)state;

  assert_non_null(ids);
  for (int i = 0; i < N_IDS; i++) {
    fs__id_new(ids[i]);
    assert_int_equal(strlen(ids[i]), 32);
    assert_int_equal(fs__id_valid(ids[i]), 1);
  }
  after = fs__now_ms();
  assert_true(fs__id_ms(ids[0]) >= before);
  assert_true(fs__id_ms(ids[N_IDS - 1]) <= after);
  qsort(ids, N_IDS, sizeof(*ids), cmp_id);
  for (int i = 1; i < N_IDS; i++)
    assert_true(strcmp(ids[i - 1], ids[i]) < 0); /* strictly: no duplicates */
  free(ids);
}

static void test_time_ordered_across_ms(void **state) {
  char prev[33], cur[33];
  (void)state;

  fs__id_new(prev);
  for (int i = 0; i < 20; i++) {
    fs__clock_add_skew(2); /* 2 ms later, without waiting (hlc.h) */
    fs__id_new(cur);
    assert_true(fs__id_ms(cur) > fs__id_ms(prev));
    assert_true(strcmp(prev, cur) < 0);
    memcpy(prev, cur, sizeof(cur));
  }
  fs__clock_set_skew(0);
}

static void test_layout(void **state) {
  char a[33], b[33];
  (void)state;

  fs__id_new_at(a, UINT64_C(0x0123456789ab));
  assert_memory_equal(a, "0123456789ab", 12);
  assert_int_equal(fs__id_ms(a), UINT64_C(0x0123456789ab));
  fs__id_new_at(b, UINT64_C(0x0123456789ab));
  assert_memory_equal(b, a, 12);
  assert_string_not_equal(a + 12, b + 12); /* 80 random bits differ */
  /* Later ms sorts later whatever the random part. */
  fs__id_new_at(b, UINT64_C(0x0123456789ac));
  assert_true(strcmp(a, b) < 0);
}

static void test_id_invalid_inputs(void **state) {
  (void)state;
  assert_int_equal(fs__id_valid(NULL), 0);
  assert_int_equal(fs__id_valid(""), 0);
  assert_int_equal(fs__id_valid("0123456789abcdef0123456789abcde"), 0);   /* 31 */
  assert_int_equal(fs__id_valid("0123456789abcdef0123456789abcdef0"), 0); /* 33 */
  assert_int_equal(fs__id_valid("0123456789ABCDEF0123456789abcdef"), 0);  /* upper */
  assert_int_equal(fs__id_valid("0123456789abcdeg0123456789abcdef"), 0);  /* g */
  assert_int_equal(fs__id_valid("0123456789abcdef 123456789abcdef"), 0);
  assert_int_equal(fs__id_valid("0123456789abcdef0123456789abcdef"), 1);
  assert_int_equal(fs__id_ms("zz"), 0);
  assert_int_equal(fs__id_ms(NULL), 0);
}

static void test_staff_codes(void **state) {
  (void)state;
  assert_int_equal(fs__staff_code_valid("A01"), 1);
  assert_int_equal(fs__staff_code_valid("AB"), 1);
  assert_int_equal(fs__staff_code_valid("Z9"), 1);
  assert_int_equal(fs__staff_code_valid("ABCDEFGHIJKLMNOP"), 1);  /* 16 */
  assert_int_equal(fs__staff_code_valid("ABCDEFGHIJKLMNOPQ"), 0); /* 17 */
  assert_int_equal(fs__staff_code_valid("A"), 0);
  assert_int_equal(fs__staff_code_valid(""), 0);
  assert_int_equal(fs__staff_code_valid(NULL), 0);
  assert_int_equal(fs__staff_code_valid("a01"), 0);
  assert_int_equal(fs__staff_code_valid("A0a"), 0);
  assert_int_equal(fs__staff_code_valid("1AB"), 0);
  assert_int_equal(fs__staff_code_valid("A-1"), 0);
  assert_int_equal(fs__staff_code_valid("A01 "), 0);
  assert_int_equal(fs__staff_code_valid("王01"), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_100k_unique_and_valid),
      cmocka_unit_test(test_time_ordered_across_ms),
      cmocka_unit_test(test_layout),
      cmocka_unit_test(test_id_invalid_inputs),
      cmocka_unit_test(test_staff_codes),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
