/* test_proto_tokentext.c - a token as a person pastes it (issue 15):
 * blanks around it and line breaks a terminal put inside it are dropped;
 * a malformed token says what is wrong (prefix, position of a character
 * no token holds, how many characters are missing or extra, a damaged
 * field) instead of "malformed". */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs_errno.h"
#include "token.h"

static char good[FS_TOKEN_TEXT_MAX + 1];

static int make_token(void **state) {
  fs_token t;
  uint8_t pub[FS_TOKEN_KEY_LEN];

  (void)state;
  memset(pub, 7, sizeof(pub));
  assert_int_equal(fs__token_make(&t, "127.0.0.1:7700", "A01", pub, 2000000000u), 0);
  assert_int_equal(fs__token_encode(&t, good, sizeof(good)), 0);
  fs__token_wipe(&t);
  return 0;
}

static int parse(const char *text, char *clean, char *err) {
  fs_token t;
  int rc = fs__token_parse_pasted(text, &t, clean, err, 256);
  fs__token_wipe(&t);
  return rc;
}

static void test_whitespace_dropped(void **state) {
  char in[1024], clean[FS_TOKEN_TEXT_MAX + 1], err[256];
  size_t n = strlen(good);

  (void)state;
  /* Around it, and wrapped at 40 columns with CRLF and an indent. */
  snprintf(in, sizeof(in), "  \t%.40s\r\n  %.40s\n%s \n", good, good + 40, good + 80);
  assert_int_equal(parse(in, clean, err), 0);
  assert_string_equal(clean, good);
  assert_int_equal(strlen(clean), n);
  assert_int_equal(parse(good, clean, err), 0);
}

static void test_explains(void **state) {
  char in[1024], clean[FS_TOKEN_TEXT_MAX + 1], err[256];
  size_t n = strlen(good);

  (void)state;
  assert_int_equal(parse("   \n", clean, err), FS_ETOKEN);
  assert_non_null(strstr(err, "empty"));
  assert_int_equal(parse("hello", clean, err), FS_ETOKEN);
  assert_non_null(strstr(err, "must start with fs1."));
  assert_int_equal(parse("fs2.AAAA", clean, err), FS_ETOKEN);
  assert_non_null(strstr(err, "version 2"));
  /* A character no token holds, at its position (1-based, blanks aside). */
  snprintf(in, sizeof(in), "%s", good);
  in[30] = '*';
  assert_int_equal(parse(in, clean, err), FS_ETOKEN);
  assert_non_null(strstr(err, "position 31 ('*'"));
  /* Cut short: how many characters are missing. */
  snprintf(in, sizeof(in), "%.*s", (int)(n - 20), good);
  assert_int_equal(parse(in, clean, err), FS_ETOKEN);
  snprintf(in, sizeof(in), "%zu characters where it needs %zu (the last 20 are missing)",
           n - 20, n);
  assert_non_null(strstr(err, in));
  /* Extra characters at the end. */
  snprintf(in, sizeof(in), "%sABCD", good);
  assert_int_equal(parse(in, clean, err), FS_ETOKEN);
  assert_non_null(strstr(err, "4 extra at the end"));
  /* Far too long. */
  memset(in, 'A', 600);
  memcpy(in, "fs1.", 4);
  in[600] = '\0';
  assert_int_equal(parse(in, clean, err), FS_ETOKEN);
  assert_non_null(strstr(err, "too long: 600 characters"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup(test_whitespace_dropped, make_token),
      cmocka_unit_test_setup(test_explains, make_token),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
