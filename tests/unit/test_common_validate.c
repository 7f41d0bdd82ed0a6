/* test_common_validate.c - the shared validation rules: calendar dates,
 * UTF-8, field types and bounds, enumerations of the whole model, and the
 * rules for whole changes, with the messages a person will read. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs_errno.h"
#include "model.h"
#include "validate.h"

#define ID1 "019a2b3c4d5e6f708192a3b4c5d6e7f8"

static const fs_field *field(fs_kind k, const char *name) {
  const fs_kind_def *kd = fs__kind_def(k);
  int i = fs__field_index(kd, name);
  assert_true(i >= 0);
  return &kd->fields[i];
}

/* Validates text s (len bytes) against field `name` of kind k. */
static int check_text(fs_kind k, const char *name, const char *s, size_t len, char *err,
                      size_t errlen) {
  fs_value v = {FS_V_NULL, 0, NULL, 0};
  int rc;

  assert_int_equal(fs__value_set_text(&v, s, len), 0);
  rc = fs__validate_value(field(k, name), &v, err, errlen);
  fs__value_free(&v);
  return rc;
}

static int check_str(fs_kind k, const char *name, const char *s, char *err,
                     size_t errlen) {
  return check_text(k, name, s, strlen(s), err, errlen);
}

static int check_int(fs_kind k, const char *name, int64_t i, char *err, size_t errlen) {
  fs_value v = {FS_V_NULL, 0, NULL, 0};

  fs__value_set_int(&v, i);
  return fs__validate_value(field(k, name), &v, err, errlen);
}

#define C FS_KIND_CUSTOMER

/* ---- dates ---------------------------------------------------------------- */

static void test_dates(void **state) {
  static const char *const good[] = {"2026-01-01", "2024-02-29", "2000-02-29",
                                     "1900-01-01", "2999-12-31", "2026-12-31",
                                     "2026-04-30", "2026-02-28", NULL};
  static const char *const bad[] = {"2023-02-29",
                                    "1900-02-29",
                                    "2100-02-29",
                                    "2026-04-31",
                                    "2026-06-31",
                                    "2026-13-01",
                                    "2026-00-10",
                                    "2026-01-00",
                                    "2026-01-32",
                                    "1899-12-31",
                                    "3000-01-01",
                                    "2026-1-01",
                                    "2026/01/01",
                                    " 2026-01-01",
                                    "2026-01-01 ",
                                    "2026-01-01T",
                                    "2026-01-01T10:00",
                                    "20260101",
                                    "",
                                    "abcd-ef-gh",
                                    "+026-01-01",
                                    "2026-01-1a",
                                    "2026-01-+1",
                                    NULL};
  (void)state;

  for (int i = 0; good[i]; i++)
    if (fs__valid_date(good[i]) != 0)
      fail_msg("refused date \"%s\"", good[i]);
  for (int i = 0; bad[i]; i++)
    if (fs__valid_date(bad[i]) != FS_EVALIDATE)
      fail_msg("accepted date \"%s\"", bad[i]);
  assert_int_equal(fs__valid_date(NULL), FS_EVALIDATE);
}

static void test_datetimes(void **state) {
  static const char *const good[] = {"2026-03-01T09:30",
                                     "2026-03-01 09:30",
                                     "2026-03-01T09:30:59",
                                     "2026-03-01T00:00:00",
                                     "2026-03-01T23:59",
                                     "2024-02-29T12:00",
                                     NULL};
  static const char *const bad[] = {"2026-03-01",
                                    "2026-03-01T24:00",
                                    "2026-03-01T23:60",
                                    "2026-03-01T23:59:60",
                                    "2026-03-01T9:30",
                                    "2026-03-01T09:30:5",
                                    "2026-03-01X09:30",
                                    "2026-02-29T10:00",
                                    "2026-03-01T09-30",
                                    "2026-03-01T09:30:00Z",
                                    "2026-03-01T09:30:00.5",
                                    "2026-03-01T",
                                    "1899-12-31T23:59",
                                    "",
                                    NULL};
  (void)state;

  for (int i = 0; good[i]; i++)
    if (fs__valid_datetime(good[i]) != 0)
      fail_msg("refused datetime \"%s\"", good[i]);
  for (int i = 0; bad[i]; i++)
    if (fs__valid_datetime(bad[i]) != FS_EVALIDATE)
      fail_msg("accepted datetime \"%s\"", bad[i]);
  assert_int_equal(fs__valid_datetime(NULL), FS_EVALIDATE);
}

/* Times normalised on input (issue 15): both spellings of a visit time
 * store the same canonical text; other fields are left alone. */
static void test_value_canonical(void **state) {
  const fs_kind_def *kd = fs__kind_def(FS_KIND_VISIT);
  const fs_field *at = &kd->fields[fs__field_index(kd, "at")];
  const fs_field *method = &kd->fields[fs__field_index(kd, "method")];
  static const char *const forms[] = {"2026-03-01T10:00", "2026-03-01 10:00",
                                      "2026-03-01T10:00:00", "2026-03-01 10:00:00"};
  fs_value v = {FS_V_NULL, 0, NULL, 0};
  (void)state;

  for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
    assert_int_equal(fs__value_set_text(&v, forms[i], strlen(forms[i])), 0);
    assert_int_equal(fs__value_canonical(at, &v), 0);
    assert_string_equal(v.s, "2026-03-01T10:00:00");
    assert_int_equal(v.len, 19);
  }
  assert_int_equal(fs__value_set_text(&v, "phone", 5), 0);
  assert_int_equal(fs__value_canonical(method, &v), 0);
  assert_string_equal(v.s, "phone");
  assert_int_equal(fs__value_set_text(&v, "2026-03-01", 10), 0);
  assert_int_equal(fs__value_canonical(at, &v), FS_EVALIDATE);
  fs__value_free(&v);
  assert_int_equal(fs__value_canonical(at, &v), 0); /* NULL: nothing to do */
  assert_int_equal(fs__value_canonical(NULL, &v), FS_EINVAL);
}

/* ---- UTF-8 ---------------------------------------------------------------- */

static void test_utf8(void **state) {
  static const struct {
    const char *s;
    size_t len;
    int ok;
  } cases[] = {
      {"plain ascii", 11, 1},
      {"\xe7\x8e\x8b\xe5\xb0\x8f\xe6\x98\x8e", 9, 1}, /* 王小明 */
      {"\xc3\xa9", 2, 1},                             /* é */
      {"\xf0\x9f\x98\x80", 4, 1},                     /* U+1F600 */
      {"\xf4\x8f\xbf\xbf", 4, 1},                     /* U+10FFFF */
      {"\xed\x9f\xbf", 3, 1},                         /* U+D7FF */
      {"\xee\x80\x80", 3, 1},                         /* U+E000 */
      {"\xef\xbf\xbf", 3, 1},                         /* U+FFFF */
      {"\xc2\x80", 2, 1},                             /* U+0080 */
      {"\xe0\xa0\x80", 3, 1},                         /* U+0800 */
      {"\xf0\x90\x80\x80", 4, 1},                     /* U+10000 */
      {"", 0, 1},
      {"a\0b", 3, 0},             /* NUL */
      {"\xc0\x80", 2, 0},         /* overlong NUL */
      {"\xc1\xbf", 2, 0},         /* overlong */
      {"\xe0\x80\x80", 3, 0},     /* overlong 3 */
      {"\xe0\x9f\xbf", 3, 0},     /* overlong 3, top */
      {"\xf0\x80\x80\x80", 4, 0}, /* overlong 4 */
      {"\xf0\x8f\xbf\xbf", 4, 0}, /* overlong 4, top */
      {"\xed\xa0\x80", 3, 0},     /* U+D800 */
      {"\xed\xbf\xbf", 3, 0},     /* U+DFFF */
      {"\xf4\x90\x80\x80", 4, 0}, /* U+110000 */
      {"\xf5\x80\x80\x80", 4, 0},
      {"\xff", 1, 0},
      {"\x80", 1, 0},             /* lone continuation */
      {"\xe7\x8e", 2, 0},         /* truncated */
      {"\xe7\x8e\x8b\xe5", 4, 0}, /* truncated at the end */
      {"\xe7\x41\x8b", 3, 0},     /* bad continuation */
      {"\xf0\x9f\x98", 3, 0},
  };
  (void)state;

  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    int rc = fs__valid_utf8(cases[i].s, cases[i].len);
    if (rc != (cases[i].ok ? 0 : FS_EVALIDATE))
      fail_msg("utf8 case %zu: rc %d", i, rc);
  }
  assert_int_equal(fs__valid_utf8(NULL, 0), 0);
  assert_int_equal(fs__valid_utf8(NULL, 1), FS_EVALIDATE);
}

/* ---- values --------------------------------------------------------------- */

static void test_text_chinese_and_limits(void **state) {
  char err[256];
  char buf[512];
  static const char wang[] = "\xe7\x8e\x8b"; /* 王, 3 bytes */
  (void)state;

  assert_int_equal(check_str(C, "name", "王小明", err, sizeof(err)), 0);
  assert_string_equal(err, "");
  assert_int_equal(check_str(C, "address", "北京市朝阳区", err, sizeof(err)), 0);
  assert_int_equal(check_str(C, "name", "", err, sizeof(err)), 0); /* not required here */

  /* name: max 200 bytes.  66 x 王 = 198 bytes, + "ab" = 200: fits. */
  buf[0] = '\0';
  for (int i = 0; i < 66; i++)
    strcat(buf, wang);
  strcat(buf, "ab");
  assert_int_equal(strlen(buf), 200);
  assert_int_equal(check_str(C, "name", buf, err, sizeof(err)), 0);
  /* 67 x 王 = 201 bytes: one byte too many. */
  buf[0] = '\0';
  for (int i = 0; i < 67; i++)
    strcat(buf, wang);
  assert_int_equal(strlen(buf), 201);
  assert_int_equal(check_str(C, "name", buf, err, sizeof(err)), FS_EVALIDATE);
  assert_string_equal(err, "name: 201 bytes is too long; at most 200 bytes are allowed "
                           "(a Chinese character takes 3 bytes)");
  /* 198 ASCII + 王 = 201 too. */
  memset(buf, 'x', 198);
  memcpy(buf + 198, wang, 4);
  assert_int_equal(check_str(C, "name", buf, err, sizeof(err)), FS_EVALIDATE);
  buf[197] = '\0'; /* 197 + 3 = 200 */
  strcat(buf, wang);
  assert_int_equal(check_str(C, "name", buf, err, sizeof(err)), 0);

  /* phone: 40 bytes exactly and 41. */
  memset(buf, '1', 41);
  assert_int_equal(check_text(C, "phone", buf, 40, err, sizeof(err)), 0);
  assert_int_equal(check_text(C, "phone", buf, 41, err, sizeof(err)), FS_EVALIDATE);
  assert_non_null(strstr(err, "phone: 41 bytes"));

  /* A long text field takes 4000 bytes. */
  char *big = malloc(4001);
  assert_non_null(big);
  memset(big, 'y', 4001);
  assert_int_equal(check_text(C, "philosophy", big, 4000, err, sizeof(err)), 0);
  assert_int_equal(check_text(C, "philosophy", big, 4001, err, sizeof(err)),
                   FS_EVALIDATE);
  free(big);
}

static void test_text_bad_utf8(void **state) {
  char err[256];
  (void)state;

  assert_int_equal(check_text(C, "name", "ab\xff", 3, err, sizeof(err)), FS_EVALIDATE);
  assert_string_equal(err, "name: is not valid UTF-8 at byte 2; text must be UTF-8");
  assert_int_equal(check_text(C, "name", "ab\0c", 4, err, sizeof(err)), FS_EVALIDATE);
  assert_string_equal(err, "name: contains a NUL byte at byte 2; text must be UTF-8");
  assert_int_equal(check_text(C, "name", "\xed\xa0\x80", 3, err, sizeof(err)),
                   FS_EVALIDATE);
  assert_int_equal(check_text(C, "name", "\xc0\xaf", 2, err, sizeof(err)), FS_EVALIDATE);
}

static void test_type_mismatch(void **state) {
  char err[256];
  fs_value v = {FS_V_NULL, 0, NULL, 0};
  (void)state;

  assert_int_equal(check_int(C, "name", 5, err, sizeof(err)), FS_EVALIDATE);
  assert_string_equal(err, "name: got the number 5, but the field holds text");
  assert_int_equal(check_int(C, "founded", 20260101, err, sizeof(err)), FS_EVALIDATE);
  assert_int_equal(check_int(C, "grade", 1, err, sizeof(err)), FS_EVALIDATE);
  assert_int_equal(check_int(FS_KIND_CONTACT, "customer_id", 1, err, sizeof(err)),
                   FS_EVALIDATE);
  assert_int_equal(check_int(FS_KIND_SHOWROOM, "rep_on_duty", 1, err, sizeof(err)),
                   FS_EVALIDATE);
  assert_int_equal(check_int(FS_KIND_SHOWROOM, "arrived", 1, err, sizeof(err)),
                   FS_EVALIDATE);
  assert_int_equal(check_str(C, "revenue", "100", err, sizeof(err)), FS_EVALIDATE);
  assert_string_equal(err, "revenue: got text \"100\", but the field holds an integer");
  assert_int_equal(check_str(C, "key_account", "1", err, sizeof(err)), FS_EVALIDATE);
  assert_non_null(strstr(err, "a boolean (0 or 1)"));

  /* NULL passes any field; a broken value type does not. */
  assert_int_equal(fs__validate_value(field(C, "name"), &v, err, sizeof(err)), 0);
  v.type = (fs_vtype)9;
  assert_int_equal(fs__validate_value(field(C, "name"), &v, err, sizeof(err)),
                   FS_EVALIDATE);
  assert_string_equal(err, "name: value has an unknown type (9)");
  assert_int_equal(fs__validate_value(NULL, &v, err, sizeof(err)), FS_EINVAL);
  assert_int_equal(fs__validate_value(field(C, "name"), NULL, err, sizeof(err)),
                   FS_EINVAL);
}

static void test_int_bounds(void **state) {
  char err[256];
  (void)state;

  assert_int_equal(check_int(C, "growth", 0, err, sizeof(err)), 0);
  assert_int_equal(check_int(C, "growth", 100, err, sizeof(err)), 0);
  assert_int_equal(check_int(C, "growth", 101, err, sizeof(err)), FS_EVALIDATE);
  assert_string_equal(err, "growth: 101 is above the maximum 100");
  assert_int_equal(check_int(C, "growth", -1, err, sizeof(err)), FS_EVALIDATE);
  assert_string_equal(err, "growth: -1 is below the minimum 0");
  assert_int_equal(check_int(C, "revenue", 1000000000000000LL, err, sizeof(err)), 0);
  assert_int_equal(check_int(C, "revenue", 1000000000000001LL, err, sizeof(err)),
                   FS_EVALIDATE);
  assert_int_equal(check_int(C, "revenue", INT64_MIN, err, sizeof(err)), FS_EVALIDATE);
  assert_int_equal(check_int(FS_KIND_VISIT, "duration_min", 1440, err, sizeof(err)), 0);
  assert_int_equal(check_int(FS_KIND_VISIT, "duration_min", 1441, err, sizeof(err)),
                   FS_EVALIDATE);
  assert_string_equal(err, "duration_min: 1441 is above the maximum 1440");
}

static void test_bool(void **state) {
  char err[256];
  (void)state;

  assert_int_equal(check_int(C, "key_account", 0, err, sizeof(err)), 0);
  assert_int_equal(check_int(C, "key_account", 1, err, sizeof(err)), 0);
  assert_int_equal(check_int(C, "key_account", 2, err, sizeof(err)), FS_EVALIDATE);
  assert_string_equal(err, "key_account: 2 is not a boolean; use 0 or 1");
  assert_int_equal(check_int(C, "key_account", -1, err, sizeof(err)), FS_EVALIDATE);
}

static void test_date_fields(void **state) {
  char err[256];
  (void)state;

  assert_int_equal(check_str(C, "founded", "2024-02-29", err, sizeof(err)), 0);
  assert_int_equal(check_str(C, "founded", "2026-02-29", err, sizeof(err)), FS_EVALIDATE);
  assert_string_equal(
      err, "founded: \"2026-02-29\" is not a real date: February 2026 has 28 days");
  assert_int_equal(check_str(C, "founded", "2026-04-31", err, sizeof(err)), FS_EVALIDATE);
  assert_string_equal(
      err, "founded: \"2026-04-31\" is not a real date: April 2026 has 30 days");
  assert_int_equal(check_str(C, "founded", "2026-13-01", err, sizeof(err)), FS_EVALIDATE);
  assert_string_equal(err, "founded: \"2026-13-01\": the month must be 01 to 12");
  assert_int_equal(check_str(C, "founded", "1850-01-01", err, sizeof(err)), FS_EVALIDATE);
  assert_string_equal(err,
                      "founded: \"1850-01-01\": the year must be between 1900 and 2999");
  assert_int_equal(check_str(C, "founded", "01/03/2026", err, sizeof(err)), FS_EVALIDATE);
  assert_string_equal(err, "founded: \"01/03/2026\" is not a date; expected YYYY-MM-DD, "
                           "e.g. 2026-03-01");
  assert_int_equal(check_str(C, "founded", "", err, sizeof(err)), FS_EVALIDATE);
  assert_string_equal(err, "founded: an empty text is not a date (YYYY-MM-DD); send null "
                           "to clear the field");
  /* The NUL terminator does not count: an embedded NUL is refused. */
  assert_int_equal(check_text(C, "founded", "2026-01-01\0", 11, err, sizeof(err)),
                   FS_EVALIDATE);

  assert_int_equal(check_str(FS_KIND_VISIT, "at", "2026-03-01T09:30", err, sizeof(err)),
                   0);
  assert_int_equal(
      check_str(FS_KIND_VISIT, "at", "2026-03-01 09:30:15", err, sizeof(err)), 0);
  assert_int_equal(check_str(FS_KIND_VISIT, "at", "2026-03-01T25:00", err, sizeof(err)),
                   FS_EVALIDATE);
  assert_string_equal(err,
                      "at: \"2026-03-01T25:00\": the time must be 00:00 to 23:59(:59)");
  assert_int_equal(check_str(FS_KIND_VISIT, "at", "2026-03-01", err, sizeof(err)),
                   FS_EVALIDATE);
  assert_string_equal(err,
                      "at: \"2026-03-01\" is not a date and time; expected "
                      "YYYY-MM-DDTHH:MM or YYYY-MM-DDTHH:MM:SS, e.g. 2026-03-01T09:30");
}

static void test_grade_message(void **state) {
  char err[256];
  (void)state;

  assert_int_equal(check_str(C, "grade", "X", err, sizeof(err)), FS_EVALIDATE);
  assert_string_equal(err, "grade: \"X\" is not one of O, A, B, C, delivered, lost");
  assert_int_equal(check_str(C, "grade", "a", err, sizeof(err)), FS_EVALIDATE); /* case */
  assert_int_equal(check_str(C, "grade", "", err, sizeof(err)), FS_EVALIDATE);
  assert_string_equal(err, "grade: \"\" is not one of O, A, B, C, delivered, lost");
  /* Unprintable bytes are escaped, Chinese is shown as is. */
  assert_int_equal(check_text(C, "grade", "\xff\"\n", 3, err, sizeof(err)), FS_EVALIDATE);
  assert_string_equal(
      err, "grade: \"\\xff\\x22\\x0a\" is not one of O, A, B, C, delivered, lost");
  assert_int_equal(check_str(C, "grade", "王", err, sizeof(err)), FS_EVALIDATE);
  assert_string_equal(err, "grade: \"王\" is not one of O, A, B, C, delivered, lost");
  /* An embedded NUL does not sneak "O" through. */
  assert_int_equal(check_text(C, "grade", "O\0x", 3, err, sizeof(err)), FS_EVALIDATE);
  /* A long value is cut in the message; the message still ends properly. */
  char longv[300];
  memset(longv, 'Q', sizeof(longv));
  assert_int_equal(check_text(C, "grade", longv, sizeof(longv), err, sizeof(err)),
                   FS_EVALIDATE);
  assert_non_null(strstr(err, "QQQ...\" is not one of O, A"));
  /* A small buffer truncates but terminates. */
  char tiny[8];
  assert_int_equal(check_str(C, "grade", "X", tiny, sizeof(tiny)), FS_EVALIDATE);
  assert_string_equal(tiny, "grade: ");
  assert_int_equal(check_str(C, "grade", "X", NULL, 0), FS_EVALIDATE);
}

/* Every enumeration field of every kind: each allowed value passes, a wrong
 * one is refused with a message listing exactly the allowed values. */
static void test_every_enum_of_the_model(void **state) {
  char err[512], want[512];
  int nenum = 0;
  (void)state;

  for (int k = 0; k < FS_KIND__COUNT; k++) {
    const fs_kind_def *kd = fs__kind_def((fs_kind)k);
    for (int i = 0; i < kd->nfields; i++) {
      const fs_field *f = &kd->fields[i];
      fs_value v = {FS_V_NULL, 0, NULL, 0};
      size_t o;

      if (f->type != FS_FT_ENUM)
        continue;
      nenum++;
      assert_non_null(f->enum_values);
      o = (size_t)snprintf(want, sizeof(want), "%s: \"bogus\" is not one of ", f->name);
      for (int j = 0; f->enum_values[j]; j++) {
        assert_int_equal(
            fs__value_set_text(&v, f->enum_values[j], strlen(f->enum_values[j])), 0);
        if (fs__validate_value(f, &v, err, sizeof(err)) != 0)
          fail_msg("%s.%s refused its own value %s: %s", kd->name, f->name,
                   f->enum_values[j], err);
        o += (size_t)snprintf(want + o, sizeof(want) - o, "%s%s", j ? ", " : "",
                              f->enum_values[j]);
      }
      assert_int_equal(fs__value_set_text(&v, "bogus", 5), 0);
      assert_int_equal(fs__validate_value(f, &v, err, sizeof(err)), FS_EVALIDATE);
      assert_string_equal(err, want);
      fs__value_free(&v);
    }
  }
  assert_true(nenum >= 15); /* the model has that many enum fields */
}

static void test_enum_lists(void **state) {
  char err[256];
  (void)state;

  assert_int_equal(check_str(FS_KIND_VISIT, "method", "fax", err, sizeof(err)),
                   FS_EVALIDATE);
  assert_string_equal(
      err,
      "method: \"fax\" is not one of in_person, phone, letter, email, showroom, event");
  assert_int_equal(check_str(FS_KIND_CONTACT, "stance", "hostile", err, sizeof(err)),
                   FS_EVALIDATE);
  assert_string_equal(err, "stance: \"hostile\" is not one of support, neutral, oppose");
  assert_int_equal(check_str(C, "tier", "platinum", err, sizeof(err)), FS_EVALIDATE);
  assert_string_equal(err,
                      "tier: \"platinum\" is not one of none, diamond, gold, silver");
}

static void test_ref_and_staff(void **state) {
  char err[256];
  (void)state;

  assert_int_equal(check_str(FS_KIND_CONTACT, "customer_id", ID1, err, sizeof(err)), 0);
  assert_int_equal(check_str(FS_KIND_CONTACT, "customer_id",
                             "019A2B3C4D5E6F708192A3B4C5D6E7F8", err, sizeof(err)),
                   FS_EVALIDATE);
  assert_non_null(strstr(err,
                         "customer_id: \"019A2B3C4D5E6F708192A3B4C5D6E7F8\" is not a "
                         "record id (32 lowercase hex characters"));
  assert_int_equal(check_str(FS_KIND_CONTACT, "customer_id", ID1 "0", err, sizeof(err)),
                   FS_EVALIDATE);
  assert_int_equal(check_text(FS_KIND_CONTACT, "customer_id", ID1, 31, err, sizeof(err)),
                   FS_EVALIDATE);
  assert_int_equal(check_str(FS_KIND_CONTACT, "customer_id", "", err, sizeof(err)),
                   FS_EVALIDATE);
  assert_int_equal(check_str(FS_KIND_SHOWROOM, "rep_on_duty", "A01", err, sizeof(err)),
                   0);
  assert_int_equal(check_str(FS_KIND_SHOWROOM, "rep_on_duty", "a01", err, sizeof(err)),
                   FS_EVALIDATE);
  assert_string_equal(err,
                      "rep_on_duty: \"a01\" is not a staff code (a capital letter, then "
                      "1 to 15 capital letters or digits, e.g. A01)");
  assert_int_equal(
      check_text(FS_KIND_SHOWROOM, "rep_on_duty", "A01\0", 4, err, sizeof(err)),
      FS_EVALIDATE);
  assert_int_equal(check_str(FS_KIND_LOST_REVIEW, "reviewed_by", "ABCDEFGHIJKLMNOPQ", err,
                             sizeof(err)),
                   FS_EVALIDATE);
}

/* ---- changes -------------------------------------------------------------- */

/* A change with room for n fields. */
static void change_init(fs_change *c, fs_kind k, fs_op op, int n) {
  memset(c, 0, sizeof(*c));
  c->kind = k;
  c->op = op;
  strcpy(c->id, ID1);
  strcpy(c->owner, "A01");
  strcpy(c->author, "A01");
  c->device_id = 1;
  c->counter = 1;
  c->hlc = 1;
  if (n > 0) {
    c->fields = calloc((size_t)n, sizeof(*c->fields));
    assert_non_null(c->fields);
  }
}

static void set_text(fs_change *c, const char *name, const char *s) {
  int i = fs__field_index(fs__kind_def(c->kind), name);
  assert_true(i >= 0);
  c->fields[c->nfields].field = i;
  c->fields[c->nfields].hlc = 1;
  assert_int_equal(fs__value_set_text(&c->fields[c->nfields].value, s, strlen(s)), 0);
  c->nfields++;
}

static void set_int(fs_change *c, const char *name, int64_t v) {
  int i = fs__field_index(fs__kind_def(c->kind), name);
  assert_true(i >= 0);
  c->fields[c->nfields].field = i;
  fs__value_set_int(&c->fields[c->nfields].value, v);
  c->nfields++;
}

static void test_change_customer_create(void **state) {
  fs_change c;
  char err[256];
  (void)state;

  change_init(&c, C, FS_OP_UPSERT, 8);
  set_text(&c, "name", "王小明");
  set_text(&c, "address", "北京市朝阳区");
  set_text(&c, "grade", "A");
  set_text(&c, "archive_no", "A01-2026-0001");
  set_int(&c, "key_account", 1);
  assert_int_equal(fs__validate_change(&c, 1, err, sizeof(err)), 0);
  assert_string_equal(err, "");
  fs__change_release(&c);

  /* Missing grade. */
  change_init(&c, C, FS_OP_UPSERT, 2);
  set_text(&c, "name", "王小明");
  assert_int_equal(fs__validate_change(&c, 1, err, sizeof(err)), FS_EVALIDATE);
  assert_string_equal(err, "grade: required (grade / 确度等级); a new customer needs it");
  /* Empty name. */
  fs__value_set_text(&c.fields[0].value, "", 0);
  set_text(&c, "grade", "B");
  assert_int_equal(fs__validate_change(&c, 1, err, sizeof(err)), FS_EVALIDATE);
  assert_string_equal(err, "name: required (name / 名称); a new customer needs it");
  /* NULL name. */
  fs__value_free(&c.fields[0].value);
  assert_int_equal(fs__validate_change(&c, 1, err, sizeof(err)), FS_EVALIDATE);
  assert_non_null(strstr(err, "name: required"));
  /* As an update it is refused too: a required field cannot be emptied. */
  assert_int_equal(fs__validate_change(&c, 0, err, sizeof(err)), FS_EVALIDATE);
  assert_string_equal(err, "name: required (name / 名称); it cannot be emptied");
  /* Blanks only, ASCII or the ideographic space U+3000, are empty too
   * (a tab is refused first: the name is single-line text). */
  fs__value_set_text(&c.fields[0].value, "   ", 3);
  assert_int_equal(fs__validate_change(&c, 1, err, sizeof(err)), FS_EVALIDATE);
  assert_string_equal(err, "name: required (name / 名称); a new customer needs it");
  fs__value_free(&c.fields[0].value);
  fs__value_set_text(&c.fields[0].value, "\xe3\x80\x80 ", 4);
  assert_int_equal(fs__validate_change(&c, 0, err, sizeof(err)), FS_EVALIDATE);
  assert_string_equal(err, "name: required (name / 名称); it cannot be emptied");
  /* A name with a blank around it is a name. */
  fs__value_free(&c.fields[0].value);
  fs__value_set_text(&c.fields[0].value, "\xe3\x80\x80王 ", 7);
  assert_int_equal(fs__validate_change(&c, 0, err, sizeof(err)), 0);
  fs__change_release(&c);
}

static void test_change_update_rules(void **state) {
  fs_change c;
  char err[256];
  (void)state;

  change_init(&c, C, FS_OP_UPSERT, 3);
  set_text(&c, "grade", "delivered");
  set_text(&c, "delivery_date", "2026-01-10");
  assert_int_equal(fs__validate_change(&c, 0, err, sizeof(err)), 0);
  set_text(&c, "archive_no", "A01-2026-0002");
  assert_int_equal(fs__validate_change(&c, 0, err, sizeof(err)), FS_EVALIDATE);
  assert_string_equal(err, "archive_no: cannot be changed after the customer is created");
  fs__change_release(&c);

  /* An invalid value inside a change names its field. */
  change_init(&c, C, FS_OP_UPSERT, 2);
  set_text(&c, "name", "ok");
  set_text(&c, "grade", "X");
  assert_int_equal(fs__validate_change(&c, 0, err, sizeof(err)), FS_EVALIDATE);
  assert_string_equal(err, "grade: \"X\" is not one of O, A, B, C, delivered, lost");
  fs__change_release(&c);

  /* A contact's customer link is immutable, its name is not. */
  change_init(&c, FS_KIND_CONTACT, FS_OP_UPSERT, 2);
  set_text(&c, "name", "李四");
  assert_int_equal(fs__validate_change(&c, 0, err, sizeof(err)), 0);
  set_text(&c, "customer_id", ID1);
  assert_int_equal(fs__validate_change(&c, 0, err, sizeof(err)), FS_EVALIDATE);
  assert_string_equal(err, "customer_id: cannot be changed after the contact is created");
  assert_int_equal(fs__validate_change(&c, 1, err, sizeof(err)), 0);
  fs__change_release(&c);
}

static void test_change_append_only(void **state) {
  fs_change c;
  char err[256];
  (void)state;

  change_init(&c, FS_KIND_VISIT, FS_OP_UPSERT, 4);
  set_text(&c, "customer_id", ID1);
  set_text(&c, "at", "2026-03-01T09:30");
  set_text(&c, "method", "in_person");
  assert_int_equal(fs__validate_change(&c, 1, err, sizeof(err)), 0);
  /* A later write to a logged record is not refused here: the merge
   * decides it (a duplicate is applied, anything else superseded), so
   * immutable fields pass... */
  assert_int_equal(fs__validate_change(&c, 0, err, sizeof(err)), 0);
  fs__change_release(&c);
  /* ...and so does a write of a few fields only... */
  change_init(&c, FS_KIND_VISIT, FS_OP_UPSERT, 1);
  set_text(&c, "points", "");
  assert_int_equal(fs__validate_change(&c, 0, err, sizeof(err)), 0);
  fs__change_release(&c);
  /* ...but its values are still checked. */
  change_init(&c, FS_KIND_VISIT, FS_OP_UPSERT, 1);
  set_text(&c, "method", "  ");
  assert_int_equal(fs__validate_change(&c, 0, err, sizeof(err)), FS_EVALIDATE);
  assert_non_null(strstr(err, "method"));
  fs__change_release(&c);
  change_init(&c, FS_KIND_VISIT, FS_OP_UPSERT, 1);
  set_text(&c, "at", "2026-02-30T09:30");
  assert_int_equal(fs__validate_change(&c, 0, err, sizeof(err)), FS_EVALIDATE);
  assert_non_null(strstr(err, "at: "));
  fs__change_release(&c);

  change_init(&c, FS_KIND_GRADE_CHANGE, FS_OP_UPSERT, 0);
  assert_int_equal(fs__validate_change(&c, 0, err, sizeof(err)), 0);
  /* A non-log kind accepts an empty update. */
  c.kind = FS_KIND_OPPORTUNITY;
  assert_int_equal(fs__validate_change(&c, 0, err, sizeof(err)), 0);
  fs__change_release(&c);
}

/* Clock bounds (issue 11 hole 4): the change clock not 0 and at most
 * now + the skew bound ahead; every field clock not 0 and not above the
 * change clock. */
static void test_change_clocks(void **state) {
  const uint64_t now = 1796000000000ULL, skew = 5 * 60 * 1000;
  const uint64_t h = now << 16;
  fs_field_change fc[2];
  fs_change c;
  char err[256];

  (void)state;
  memset(&c, 0, sizeof(c));
  memset(fc, 0, sizeof(fc));
  c.kind = FS_KIND_CUSTOMER;
  c.op = FS_OP_UPSERT;
  c.hlc = h + 7;
  c.fields = fc;
  c.nfields = 2;
  fc[0].field = fs__field_index(fs__kind_def(FS_KIND_CUSTOMER), "name");
  fc[0].hlc = h + 7;
  fc[1].field = fs__field_index(fs__kind_def(FS_KIND_CUSTOMER), "phone");
  fc[1].hlc = h + 3;
  assert_int_equal(fs__validate_clocks(&c, now, skew, err, sizeof(err)), 0);
  /* the change clock: as far ahead as the bound, not one ms more; not 0 */
  c.hlc = fc[0].hlc = (now + skew) << 16 | 0xffff;
  assert_int_equal(fs__validate_clocks(&c, now, skew, err, sizeof(err)), 0);
  c.hlc = fc[0].hlc = (now + skew + 1) << 16;
  assert_int_equal(fs__validate_clocks(&c, now, skew, err, sizeof(err)), FS_ECLOCK);
  assert_non_null(strstr(err, "ahead"));
  c.hlc = 0;
  fc[0].hlc = fc[1].hlc = 0;
  assert_int_equal(fs__validate_clocks(&c, now, skew, err, sizeof(err)), FS_ECLOCK);
  /* field clocks: 10 years ahead, 2^48-1 ms, above the change, 0 */
  c.hlc = h + 7;
  fc[0].hlc = h + 7;
  fc[1].hlc = (now + 3650ULL * 86400000ULL) << 16;
  assert_int_equal(fs__validate_clocks(&c, now, skew, err, sizeof(err)), FS_ECLOCK);
  assert_non_null(strstr(err, "phone"));
  fc[1].hlc = ((1ULL << 48) - 1) << 16;
  assert_int_equal(fs__validate_clocks(&c, now, skew, err, sizeof(err)), FS_ECLOCK);
  fc[1].hlc = h + 8;
  assert_int_equal(fs__validate_clocks(&c, now, skew, err, sizeof(err)), FS_ECLOCK);
  fc[1].hlc = 0;
  assert_int_equal(fs__validate_clocks(&c, now, skew, err, sizeof(err)), FS_ECLOCK);
  /* a delete has no fields; a saturating bound never wraps */
  c.nfields = 0;
  c.op = FS_OP_DELETE;
  assert_int_equal(fs__validate_clocks(&c, now, UINT64_MAX, err, sizeof(err)), 0);
  assert_int_equal(fs__validate_clocks(NULL, now, skew, err, sizeof(err)), FS_EINVAL);
}

static void test_change_delete(void **state) {
  fs_change c;
  char err[256];
  (void)state;

  change_init(&c, FS_KIND_VISIT, FS_OP_DELETE, 1);
  assert_int_equal(fs__validate_change(&c, 0, err, sizeof(err)), 0);
  set_text(&c, "place", "x");
  assert_int_equal(fs__validate_change(&c, 0, err, sizeof(err)), FS_EVALIDATE);
  assert_string_equal(err, "visit " ID1 ": a delete carries no fields, this one has 1");
  fs__change_release(&c);
}

static void test_change_header_fields(void **state) {
  fs_change c;
  char err[256];
  (void)state;

  change_init(&c, FS_KIND_OPPORTUNITY, FS_OP_UPSERT, 0);
  assert_int_equal(fs__validate_change(&c, 0, err, sizeof(err)), 0);

  c.kind = FS_KIND__COUNT;
  assert_int_equal(fs__validate_change(&c, 0, err, sizeof(err)), FS_EVALIDATE);
  {
    char want[64];
    snprintf(want, sizeof(want), "kind: %d is not a record kind", (int)FS_KIND__COUNT);
    assert_string_equal(err, want);
  }
  c.kind = (fs_kind)-1;
  assert_int_equal(fs__validate_change(&c, 0, err, sizeof(err)), FS_EVALIDATE);
  c.kind = FS_KIND_OPPORTUNITY;

  strcpy(c.id, "XYZ");
  assert_int_equal(fs__validate_change(&c, 0, err, sizeof(err)), FS_EVALIDATE);
  assert_string_equal(err,
                      "id: \"XYZ\" is not a record id (32 lowercase hex characters)");
  memset(c.id, 'a', sizeof(c.id)); /* no terminator */
  assert_int_equal(fs__validate_change(&c, 0, err, sizeof(err)), FS_EVALIDATE);
  assert_non_null(strstr(err, "id: "));
  strcpy(c.id, ID1);

  strcpy(c.owner, "a01");
  assert_int_equal(fs__validate_change(&c, 0, err, sizeof(err)), FS_EVALIDATE);
  assert_string_equal(err, "owner: \"a01\" is not a staff code (e.g. A01)");
  memset(c.owner, 'A', sizeof(c.owner));
  assert_int_equal(fs__validate_change(&c, 0, err, sizeof(err)), FS_EVALIDATE);
  strcpy(c.owner, "A01");
  strcpy(c.author, "");
  assert_int_equal(fs__validate_change(&c, 0, err, sizeof(err)), FS_EVALIDATE);
  assert_string_equal(err, "author: \"\" is not a staff code (e.g. A01)");
  strcpy(c.author, "M7");

  c.op = (fs_op)3;
  assert_int_equal(fs__validate_change(&c, 0, err, sizeof(err)), FS_EVALIDATE);
  assert_string_equal(err, "op: 3 is not an operation (upsert or delete)");
  c.op = FS_OP_UPSERT;

  c.nfields = 2; /* but no array */
  assert_int_equal(fs__validate_change(&c, 0, err, sizeof(err)), FS_EVALIDATE);
  c.nfields = -1;
  assert_int_equal(fs__validate_change(&c, 0, err, sizeof(err)), FS_EVALIDATE);
  c.nfields = 0;
  assert_int_equal(fs__validate_change(&c, 0, err, sizeof(err)), 0);
  assert_int_equal(fs__validate_change(NULL, 0, err, sizeof(err)), FS_EINVAL);
}

static void test_change_field_indexes(void **state) {
  fs_change c;
  char err[256];
  const fs_kind_def *kd = fs__kind_def(FS_KIND_OPPORTUNITY);
  (void)state;

  change_init(&c, FS_KIND_OPPORTUNITY, FS_OP_UPSERT, 3);
  set_text(&c, "title", "fleet of 20");
  set_text(&c, "title", "fleet of 30");
  assert_int_equal(fs__validate_change(&c, 0, err, sizeof(err)), FS_EVALIDATE);
  assert_string_equal(err, "title: set twice in one change");
  c.fields[1].field = kd->nfields;
  assert_int_equal(fs__validate_change(&c, 0, err, sizeof(err)), FS_EUNKNOWN_FIELD);
  assert_string_equal(err, "opportunity: field number 18 does not exist (the kind has 18 "
                           "fields)");
  c.fields[1].field = -1;
  assert_int_equal(fs__validate_change(&c, 0, err, sizeof(err)), FS_EUNKNOWN_FIELD);
  c.fields[1].field = fs__field_index(kd, "follow_up");
  assert_int_equal(fs__validate_change(&c, 0, err, sizeof(err)),
                   FS_EVALIDATE); /* text in a date */
  assert_non_null(strstr(err, "follow_up: \"fleet of 30\" is not a date"));
  fs__change_release(&c);
}

/* A sample valid value for any field. */
static void sample_value(const fs_field *f, fs_value *v) {
  const char *s = NULL;

  switch (f->type) {
  case FS_FT_TEXT:
    s = "王小明";
    break;
  case FS_FT_INT:
  case FS_FT_BOOL:
    fs__value_set_int(v, f->max);
    return;
  case FS_FT_DATE:
    s = "2026-03-01";
    break;
  case FS_FT_DATETIME:
    s = "2026-03-01T09:30";
    break;
  case FS_FT_ENUM:
    s = f->enum_values[0];
    break;
  case FS_FT_REF:
    s = ID1;
    break;
  case FS_FT_STAFF:
    s = "A01";
    break;
  }
  assert_non_null(s);
  assert_int_equal(fs__value_set_text(v, s, strlen(s)), 0);
}

/* For every kind: a create with all fields set passes; leaving out any one
 * required field fails and names exactly that field. */
static void test_every_kind_required_fields(void **state) {
  char err[256], want[128];
  int nreq = 0;
  (void)state;

  for (int k = 0; k < FS_KIND__COUNT; k++) {
    const fs_kind_def *kd = fs__kind_def((fs_kind)k);
    fs_change c;

    change_init(&c, (fs_kind)k, FS_OP_UPSERT, kd->nfields);
    for (int i = 0; i < kd->nfields; i++) {
      c.fields[i].field = i;
      sample_value(&kd->fields[i], &c.fields[i].value);
    }
    c.nfields = kd->nfields;
    if (fs__validate_change(&c, 1, err, sizeof(err)) != 0)
      fail_msg("%s: full create refused: %s", kd->name, err);
    for (int i = 0; i < kd->nfields; i++) {
      fs_value saved = c.fields[i].value;

      if (!(kd->fields[i].flags & FS_F_REQUIRED))
        continue;
      nreq++;
      c.fields[i].value.type = FS_V_NULL; /* borrow, restore below */
      assert_int_equal(fs__validate_change(&c, 1, err, sizeof(err)), FS_EVALIDATE);
      snprintf(want, sizeof(want), "%s: required (", kd->fields[i].name);
      if (strncmp(err, want, strlen(want)) != 0)
        fail_msg("%s: expected \"%s...\", got \"%s\"", kd->name, want, err);
      c.fields[i].value = saved;
    }
    fs__change_release(&c);
  }
  assert_true(nreq >= 15);
}

/* Issue 11, hole 10: single-line text (names, phones, titles...) holds no
 * control character at all; multi-line text (notes, points, reasons) may
 * hold line breaks and tabs, nothing else; the message names the field, the
 * character and where it is. */
static void test_text_controls(void **state) {
  static const char *const bad[] = {"A\x1b[31mB",
                                    "A\nB",
                                    "A\tB",
                                    "A\rB",
                                    "A\aB",
                                    "A\x7f",
                                    "A\xc2\x9b"
                                    "31m",
                                    "A\xc2\x85"};
  char err[300];
  (void)state;

  assert_int_equal(check_str(C, "name", "A\x1b[31mB", err, sizeof(err)), FS_EVALIDATE);
  assert_string_equal(err,
                      "name: contains an escape character (U+001B) at byte 1; this is "
                      "single-line text: no line breaks, tabs or other control "
                      "characters");
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    assert_int_equal(check_str(C, "name", bad[i], err, sizeof(err)), FS_EVALIDATE);
    assert_non_null(strstr(err, "name: contains "));
    assert_int_equal(check_str(FS_KIND_CONTACT, "phone", bad[i], err, sizeof(err)),
                     FS_EVALIDATE);
    assert_int_equal(check_str(FS_KIND_GRADE_CHANGE, "note", bad[i], err, sizeof(err)),
                     FS_EVALIDATE);
  }
  assert_int_equal(check_str(C, "name", "A\nB", err, sizeof(err)), FS_EVALIDATE);
  assert_non_null(strstr(err, "contains a line break (U+000A) at byte 1"));
  /* Printable text, Chinese and U+00A0 (not C1) included, passes. */
  assert_int_equal(check_str(C, "name", "北京宏达 \xc2\xa0\"Co\", x=1", err, sizeof(err)),
                   0);

  /* Multi-line fields: line breaks and tabs, nothing else. */
  assert_int_equal(
      check_str(FS_KIND_CONTACT, "notes", "line 1\n\tline 2\n", err, sizeof(err)), 0);
  assert_int_equal(check_str(FS_KIND_VISIT, "points", "价格\n交车", err, sizeof(err)), 0);
  assert_int_equal(
      check_str(FS_KIND_CONTACT, "notes", "ok\nthen \x1b[2J", err, sizeof(err)),
      FS_EVALIDATE);
  assert_string_equal(err,
                      "notes: contains an escape character (U+001B) at byte 8; text may "
                      "hold line breaks and tabs but no other control character");
  assert_int_equal(check_str(FS_KIND_CONTACT, "notes", "a\r\nb", err, sizeof(err)),
                   FS_EVALIDATE);
  assert_non_null(strstr(err, "a carriage return"));
  assert_int_equal(
      check_str(FS_KIND_LOST_REVIEW, "reason", "x\xc2\x9b", err, sizeof(err)),
      FS_EVALIDATE);

  /* The same rule for any single-line text (admin arguments). */
  assert_int_equal(fs__validate_line("reason", "x\ny", err, sizeof(err)), FS_EVALIDATE);
  assert_string_equal(err, "reason: contains a line break (U+000A) at byte 1; this is "
                           "single-line text: no line breaks, tabs or other control "
                           "characters");
  assert_int_equal(fs__validate_line("name", "A\x1b[31mB", err, sizeof(err)),
                   FS_EVALIDATE);
  assert_non_null(strstr(err, "name: contains an escape character"));
  assert_int_equal(fs__validate_line("name", "\xff", err, sizeof(err)), FS_EVALIDATE);
  assert_non_null(strstr(err, "not valid UTF-8"));
  assert_int_equal(fs__validate_line("name", "李明", err, sizeof(err)), 0);
  assert_string_equal(err, "");
  assert_int_equal(fs__validate_line("name", NULL, err, sizeof(err)), 0);
}

/* Every multi-line field is text; names and phones are single-line. */
static void test_multiline_marks(void **state) {
  int nmulti = 0;
  (void)state;

  for (int k = 0; k < FS_KIND__COUNT; k++) {
    const fs_kind_def *kd = fs__kind_def((fs_kind)k);
    for (int i = 0; i < kd->nfields; i++) {
      if (!(kd->fields[i].flags & FS_F_MULTILINE))
        continue;
      assert_int_equal(kd->fields[i].type, FS_FT_TEXT);
      nmulti++;
    }
  }
  assert_true(nmulti > 0);
  assert_false(field(C, "name")->flags & FS_F_MULTILINE);
  assert_false(field(C, "phone")->flags & FS_F_MULTILINE);
  assert_false(field(FS_KIND_CONTACT, "name")->flags & FS_F_MULTILINE);
  assert_true(field(FS_KIND_CONTACT, "notes")->flags & FS_F_MULTILINE);
  assert_true(field(FS_KIND_LOST_REVIEW, "reason")->flags & FS_F_MULTILINE);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_dates),
      cmocka_unit_test(test_datetimes),
      cmocka_unit_test(test_value_canonical),
      cmocka_unit_test(test_utf8),
      cmocka_unit_test(test_text_chinese_and_limits),
      cmocka_unit_test(test_text_bad_utf8),
      cmocka_unit_test(test_type_mismatch),
      cmocka_unit_test(test_int_bounds),
      cmocka_unit_test(test_bool),
      cmocka_unit_test(test_date_fields),
      cmocka_unit_test(test_grade_message),
      cmocka_unit_test(test_every_enum_of_the_model),
      cmocka_unit_test(test_enum_lists),
      cmocka_unit_test(test_ref_and_staff),
      cmocka_unit_test(test_change_customer_create),
      cmocka_unit_test(test_change_update_rules),
      cmocka_unit_test(test_change_append_only),
      cmocka_unit_test(test_change_delete),
      cmocka_unit_test(test_change_clocks),
      cmocka_unit_test(test_change_header_fields),
      cmocka_unit_test(test_change_field_indexes),
      cmocka_unit_test(test_every_kind_required_fields),
      cmocka_unit_test(test_text_controls),
      cmocka_unit_test(test_multiline_marks),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
