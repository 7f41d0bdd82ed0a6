/* test_common_suggest.c - the shared command-line conventions (issue 15):
 * nearest-name suggestions, enumerations in any case, the exit-code rule,
 * the help layout and the generated bash completion. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"
#include "fs_errno.h"
#include "model.h"
#include "suggest.h"

static const char *nearest(const char *word, const char *const *cands) {
  static fs_suggest s;
  fs__suggest_init(&s, word);
  for (int i = 0; cands[i]; i++)
    fs__suggest_add(&s, cands[i]);
  return fs__suggest_best(&s);
}

static void test_distance(void **state) {
  (void)state;
  assert_int_equal(fs__edit_distance("customer", "customer"), 0);
  assert_int_equal(fs__edit_distance("custmer", "customer"), 1);
  assert_int_equal(fs__edit_distance("--phnoe", "--phone"), 1); /* transposition */
  assert_int_equal(fs__edit_distance("", "abc"), 3);
  assert_int_equal(fs__edit_distance("Sync", "sync"), 0);
}

static void test_suggest(void **state) {
  static const char *const cmds[] = {"init", "customer", "contact", "visit",
                                     "sync", "agenda",   "report",  NULL};
  static const char *const opts[] = {"--name", "--grade", "--phone", "--customer", NULL};
  static const char *const sub[] = {"add", "list", "show", NULL};
  static const char *const gc[] = {"gc", "init", NULL};

  (void)state;
  assert_string_equal(nearest("custmer", cmds), "customer");
  assert_string_equal(nearest("contcat", cmds), "contact");
  assert_string_equal(nearest("Agenda", cmds), "agenda");
  assert_string_equal(nearest("--phnoe", opts), "--phone");
  assert_string_equal(nearest("--grad", opts), "--grade");
  assert_string_equal(nearest("ad", sub), "add");
  assert_null(nearest("frobnicate", cmds));
  assert_null(nearest("ls", gc));     /* two edits of two letters: no hint */
  assert_null(nearest("sync", cmds)); /* the word itself: nothing to suggest */
  assert_null(nearest("--xyz", opts));
}

static void test_enum_any_case(void **state) {
  (void)state;
  assert_string_equal(fs__enum_match(fs__grades, "a"), "A");
  assert_string_equal(fs__enum_match(fs__grades, "o"), "O");
  assert_string_equal(fs__enum_match(fs__grades, "DELIVERED"), "delivered");
  assert_string_equal(fs__enum_match(fs__grades, "Lost"), "lost");
  assert_null(fs__enum_match(fs__grades, "Z"));
  assert_null(fs__enum_match(fs__grades, NULL));
}

static void test_exit_codes(void **state) {
  (void)state;
  assert_int_equal(fs__exit_code(0), 0);
  assert_int_equal(fs__exit_code(FS_EUSAGE), 2);
  assert_int_equal(fs__exit_code(FS_ENOTFOUND), 1);
  assert_int_equal(fs__exit_code(FS_EVALIDATE), 1);
  assert_int_equal(fs__exit_code(FS_EIO), 1);
}

/* Opens a memory stream into *buf (the caller frees it after fclose). */
static void mem_open(FILE **f, size_t *len, char **buf) {
  *buf = NULL;
  *f = open_memstream(buf, len);
  assert_non_null(*f);
}

static void test_help_layout(void **state) {
  static const fs_cmd_opt opts[] = {
      {"CODE", "the rep (required)"},
      {"--successor CODE", "who takes it (default: the manager)"},
      {"--a-very-long-option-name X", "wraps below"},
      {NULL, NULL}};
  FILE *f;
  size_t len;
  char *buf;

  (void)state;
  mem_open(&f, &len, &buf);
  fs__help_head(f, "prog", "depart CODE [--successor CODE]", "a rep leaves");
  fs__help_opts(f, "options", opts);
  fs__help_globals(f, "/var/lib/x");
  fclose(f);
  assert_non_null(
      strstr(buf, "usage: prog depart CODE [--successor CODE]\n\nA rep leaves.\n"));
  assert_non_null(
      strstr(buf, "\noptions:\n  CODE                    the rep (required)\n"));
  assert_non_null(
      strstr(buf, "  --successor CODE        who takes it (default: the manager)\n"));
  assert_non_null(
      strstr(buf, "  --a-very-long-option-name X\n                          wraps"));
  assert_non_null(
      strstr(buf, "--data DIR, --data=DIR  where the data lives (default: /var/lib/x)"));
  assert_non_null(strstr(buf, "exit codes: 0 ok, 1 failed or refused, 2 usage error"));
  free(buf);
}

static void test_completion(void **state) {
  static const fs_completion_cmd cmds[] = {
      {"init", "init --token TOKEN | --staff CODE", NULL},
      {"customer add", "customer add --name NAME --grade G", "--phone --set"},
      {"customer list", "customer list [--grade G]", NULL},
      {"gc", "gc [--keep-days N]", NULL},
  };
  FILE *f;
  size_t len;
  char *buf;

  (void)state;
  mem_open(&f, &len, &buf);
  assert_int_equal(fs__completion_bash(f, "prog", cmds, 4), 0);
  fclose(f);
  assert_non_null(strstr(buf, "\"\") COMPREPLY=($(compgen -W \"init customer gc --data"));
  assert_non_null(
      strstr(buf, "\"customer\") COMPREPLY=($(compgen -W \"add list --help\""));
  assert_non_null(strstr(buf,
                         "\"customer add\" | \"customer add \"*) COMPREPLY=($(compgen -W "
                         "\"--name --grade --phone --set --help\""));
  assert_non_null(
      strstr(buf, "\"gc\" | \"gc \"*) COMPREPLY=($(compgen -W \"--keep-days --help\""));
  assert_non_null(strstr(buf, "complete -F _prog prog\n"));
  free(buf);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_distance),      cmocka_unit_test(test_suggest),
      cmocka_unit_test(test_enum_any_case), cmocka_unit_test(test_exit_codes),
      cmocka_unit_test(test_help_layout),   cmocka_unit_test(test_completion),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
