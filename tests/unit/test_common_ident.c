/* test_common_ident.c - the one rule for naming records (common/ident.h,
 * issue 15): full ids and prefixes in any case, archive numbers in any
 * case and without serial padding, too-short prefixes refused naming the
 * minimum, ambiguity listing the candidates like git, tombstones only when
 * asked, any kind for history. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "fs_errno.h"
#include "ident.h"

/* Three customers made in the same second share 10 leading characters. */
#define C1 "01a23cf7e045043c0000000000000001"
#define C2 "01a23cf7e045ffff0000000000000002"
#define C3 "01a23cf7e0aa00000000000000000003"
#define K1 "0190000000000000000000000000000a"  /* a contact */
#define DEL "0200000000000000000000000000000d" /* a deleted customer */

typedef struct fixture {
  char *dir;
  sqlite3 *db;
} fixture;

static void exec(sqlite3 *db, const char *sql) {
  char *err = NULL;
  int rc = sqlite3_exec(db, sql, NULL, NULL, &err);
  if (rc != SQLITE_OK)
    fail_msg("%s: %s", sql, err ? err : "?");
}

static int setup(void **state) {
  fixture *fx = calloc(1, sizeof(*fx));
  char *p;

  assert_non_null(fx);
  fx->dir = fs_test_tmpdir();
  p = fs_test_path(fx->dir, "c.db");
  assert_int_equal(fs__db_open(p, 1, FS_SCHEMA_DAEMON, &fx->db), 0);
  free(p);
  exec(fx->db,
       "INSERT INTO customers(id, owner, author, archive_no, name, grade, deleted, hlc, "
       "clk) VALUES('" C1 "','A01','A01','A01-2026-0001','Acme','B',0,1,x''),"
       "('" C2 "','A01','A01','A01-2026-0002','Beta','A',0,1,x''),"
       "('" C3 "','A01','A01','A01-2026-0105','Gamma','C',0,1,x''),"
       "('" DEL "','A01','A01','A01-2026-0009','Gone','C',1,1,x'')");
  exec(fx->db,
       "INSERT INTO contacts(id, owner, author, customer_id, name, deleted, hlc, clk) "
       "VALUES('" K1 "','A01','A01','" C1 "','Wang',0,1,x'')");
  *state = fx;
  return 0;
}

static int teardown(void **state) {
  fixture *fx = *state;
  fs__db_close(fx->db);
  fs_test_rmdir(fx->dir);
  free(fx);
  return 0;
}

static int resolve(fixture *fx, int kind, const char *text, unsigned flags, char id[33],
                   char *err) {
  return fs__ident_resolve(fx->db, kind, text, flags, id, NULL, err, 512);
}

static void test_parse_forms(void **state) {
  fs_ident q;
  char err[256];

  (void)state;
  assert_int_equal(
      fs__ident_parse("  01A23CF7E045043C\n", FS_KIND_CUSTOMER, &q, err, sizeof(err)), 0);
  assert_int_equal(q.form, FS_IDENT_PREFIX);
  assert_string_equal(q.text, "01a23cf7e045043c");
  assert_int_equal(fs__ident_parse(C1, FS_KIND_CONTACT, &q, err, sizeof(err)), 0);
  assert_int_equal(q.form, FS_IDENT_FULL);
  assert_int_equal(fs__ident_parse("a01-2026-7", FS_KIND_CUSTOMER, &q, err, sizeof(err)),
                   0);
  assert_int_equal(q.form, FS_IDENT_ARCHIVE);
  assert_string_equal(q.text, "A01-2026-0007");
  assert_int_equal(
      fs__ident_parse("a01-2026-00012345", FS_KIND_CUSTOMER, &q, err, sizeof(err)), 0);
  assert_string_equal(q.text, "A01-2026-12345");
  /* Archive numbers name customers only. */
  assert_int_equal(
      fs__ident_parse("A01-2026-0001", FS_KIND_CONTACT, &q, err, sizeof(err)), FS_EUSAGE);
  assert_int_equal(fs__ident_parse("01a2", FS_KIND_CUSTOMER, &q, err, sizeof(err)),
                   FS_EUSAGE);
  assert_non_null(strstr(err, "too short"));
  assert_non_null(strstr(err, "at least 6"));
  assert_int_equal(fs__ident_parse("", FS_KIND_CUSTOMER, &q, err, sizeof(err)),
                   FS_EUSAGE);
  assert_int_equal(fs__ident_parse("A01-20x6-1", FS_KIND_CUSTOMER, &q, err, sizeof(err)),
                   FS_EUSAGE);
  assert_int_equal(fs__ident_parse(C1 "0", FS_KIND_CUSTOMER, &q, err, sizeof(err)),
                   FS_EUSAGE);
}

static void test_resolve(void **state) {
  fixture *fx = *state;
  char id[33], err[512];

  assert_int_equal(resolve(fx, FS_KIND_CUSTOMER, "a01-2026-0002", 0, id, err), 0);
  assert_string_equal(id, C2);
  assert_int_equal(resolve(fx, FS_KIND_CUSTOMER, "A01-2026-105", 0, id, err), 0);
  assert_string_equal(id, C3);
  /* The 16 characters the lists print, in any case. */
  assert_int_equal(resolve(fx, FS_KIND_CUSTOMER, "01A23CF7E045043C", 0, id, err), 0);
  assert_string_equal(id, C1);
  assert_int_equal(resolve(fx, FS_KIND_CUSTOMER, "01a23cf7e0a", 0, id, err), 0);
  assert_string_equal(id, C3);
  assert_int_equal(resolve(fx, FS_KIND_CONTACT, "019000", 0, id, err), 0);
  assert_string_equal(id, K1);
  assert_int_equal(resolve(fx, FS_KIND_CUSTOMER, "A01-2026-0003", 0, id, err),
                   FS_ENOTFOUND);
  assert_non_null(strstr(err, "no customer matches \"A01-2026-0003\""));
}

static void test_ambiguous_lists_candidates(void **state) {
  fixture *fx = *state;
  char id[33], err[512];

  assert_int_equal(resolve(fx, FS_KIND_CUSTOMER, "01a23c", 0, id, err), FS_EINVAL);
  assert_non_null(strstr(err, "short id 01a23c is ambiguous"));
  assert_non_null(strstr(err, "3 customer records"));
  assert_non_null(strstr(err, "\n  01a23cf7e045043c customer A01-2026-0001 Acme"));
  assert_non_null(strstr(err, "\n  01a23cf7e045ffff customer A01-2026-0002 Beta"));
  assert_non_null(strstr(err, "\n  01a23cf7e0aa0000 customer A01-2026-0105 Gamma"));
  assert_int_equal(resolve(fx, FS_KIND_CUSTOMER, "01a23cf7e045", 0, id, err), FS_EINVAL);
  assert_non_null(strstr(err, "2 customer records"));
  assert_null(strstr(err, "Gamma"));
}

static void test_tombstones_and_any_kind(void **state) {
  fixture *fx = *state;
  char id[33], err[512];
  int kind = -5;

  assert_int_equal(resolve(fx, FS_KIND_CUSTOMER, DEL, 0, id, err), FS_ENOTFOUND);
  assert_int_equal(
      resolve(fx, FS_KIND_CUSTOMER, "a01-2026-0009", FS_IDENT_TOMBSTONES, id, err), 0);
  assert_string_equal(id, DEL);
  assert_int_equal(
      fs__ident_resolve(fx->db, FS_IDENT_ANY, "0190000000", 0, id, &kind, err, 512), 0);
  assert_string_equal(id, K1);
  assert_int_equal(kind, FS_KIND_CONTACT);
  assert_int_equal(
      fs__ident_resolve(fx->db, FS_IDENT_ANY, "A01-2026-0001", 0, id, &kind, err, 512),
      0);
  assert_int_equal(kind, FS_KIND_CUSTOMER);
}

int main(void) {
  fs_test_schema_records_only();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_parse_forms),
      cmocka_unit_test_setup_teardown(test_resolve, setup, teardown),
      cmocka_unit_test_setup_teardown(test_ambiguous_lists_candidates, setup, teardown),
      cmocka_unit_test_setup_teardown(test_tombstones_and_any_kind, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
