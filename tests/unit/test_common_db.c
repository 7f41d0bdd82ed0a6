/* test_common_db.c - opening errors are translated at the boundary, the
 * pragmas are in force, transactions and the meta helpers behave, and the
 * statement cache hands back one statement per slot. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "fs_errno.h"

static int pragma_int(sqlite3 *db, const char *sql) {
  sqlite3_stmt *st;
  int v = -1;

  assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
  if (sqlite3_step(st) == SQLITE_ROW)
    v = sqlite3_column_int(st, 0);
  sqlite3_finalize(st);
  return v;
}

static void test_err_translation(void **state) {
  (void)state;
  assert_int_equal(fs__db_err(NULL, SQLITE_OK), 0);
  assert_int_equal(fs__db_err(NULL, SQLITE_DONE), 0);
  assert_int_equal(fs__db_err(NULL, SQLITE_FULL), FS_EFULL);
  assert_int_equal(fs__db_err(NULL, SQLITE_BUSY), FS_EBUSY);
  assert_int_equal(fs__db_err(NULL, SQLITE_BUSY_SNAPSHOT), FS_EBUSY);
  assert_int_equal(fs__db_err(NULL, SQLITE_LOCKED), FS_EBUSY);
  assert_int_equal(fs__db_err(NULL, SQLITE_CONSTRAINT_CHECK), FS_EVALIDATE);
  assert_int_equal(fs__db_err(NULL, SQLITE_CANTOPEN), FS_EIO);
  assert_int_equal(fs__db_err(NULL, SQLITE_IOERR_WRITE), FS_EIO);
  assert_int_equal(fs__db_err(NULL, SQLITE_NOTADB), FS_EDB);
  assert_int_equal(fs__db_err(NULL, SQLITE_CORRUPT), FS_EDB);
  assert_int_equal(fs__db_err(NULL, SQLITE_NOMEM), FS_ENOMEM);
  assert_int_equal(fs__db_err(NULL, SQLITE_ERROR), FS_EDB);
}

static void test_open_errors(void **state) {
  char *dir = fs_test_tmpdir();
  char *missing = fs_test_path(dir, "nope/x.db");
  char *absent = fs_test_path(dir, "absent.db");
  char *junk = fs_test_path(dir, "junk.db");
  sqlite3 *db = NULL;
  FILE *f;
  (void)state;

  assert_int_equal(fs__db_open(dir, 1, FS_SCHEMA_CLIENT, &db), FS_EIO); /* a directory */
  assert_null(db);
  assert_int_equal(fs__db_open(missing, 1, FS_SCHEMA_CLIENT, &db), FS_EIO);
  assert_int_equal(fs__db_open(absent, 0, FS_SCHEMA_CLIENT, &db), FS_EIO);
  f = fopen(junk, "wb");
  assert_non_null(f);
  for (int i = 0; i < 64; i++)
    fputs("this is not an SQLite database at all. ", f);
  fclose(f);
  assert_int_equal(fs__db_open(junk, 0, FS_SCHEMA_CLIENT, &db), FS_EDB);
  assert_null(db);
  assert_int_equal(fs__db_open(NULL, 1, FS_SCHEMA_CLIENT, &db), FS_EINVAL);
  assert_int_equal(fs__db_open(absent, 1, (fs_schema_role)7, &db), FS_EINVAL);
  fs__db_close(NULL);
  free(missing);
  free(absent);
  free(junk);
  fs_test_rmdir(dir);
}

/* The central store's tables are the daemon's fragment (common/schema.h):
 * a process that has not registered it cannot create or migrate a daemon
 * store, and leaves the file without tables, at version 0. */
static void test_daemon_role_needs_its_fragment(void **state) {
  char *dir = fs_test_tmpdir(), *p = fs_test_path(dir, "central.db");
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  (void)state;

  assert_int_equal(fs__db_open(p, 1, FS_SCHEMA_DAEMON, &db), FS_EINVAL);
  assert_null(db);
  assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
  assert_int_equal(sqlite3_prepare_v2(db, "SELECT (SELECT count(*) FROM sqlite_master), "
                                          "(SELECT user_version FROM pragma_user_version)",
                                      -1, &st, NULL),
                   SQLITE_OK);
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  assert_int_equal(sqlite3_column_int(st, 0), 0);
  assert_int_equal(sqlite3_column_int(st, 1), 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  /* The client's fragment is built in. */
  free(p);
  p = fs_test_path(dir, "replica.db");
  assert_int_equal(fs__db_open(p, 1, FS_SCHEMA_CLIENT, &db), 0);
  fs__db_close(db);
  free(p);
  fs_test_rmdir(dir);
}

typedef struct fixture {
  char *dir, *path;
  sqlite3 *db;
} fixture;

static int setup(void **state) {
  fixture *fx = calloc(1, sizeof(*fx));
  assert_non_null(fx);
  fx->dir = fs_test_tmpdir();
  fx->path = fs_test_path(fx->dir, "t.db");
  assert_int_equal(fs__db_open(fx->path, 1, FS_SCHEMA_CLIENT, &fx->db), 0);
  *state = fx;
  return 0;
}

static int teardown(void **state) {
  fixture *fx = *state;
  fs__db_close(fx->db);
  free(fx->path);
  fs_test_rmdir(fx->dir);
  free(fx);
  return 0;
}

static void test_pragmas(void **state) {
  fixture *fx = *state;
  sqlite3_stmt *st;

  assert_int_equal(sqlite3_prepare_v2(fx->db, "PRAGMA journal_mode", -1, &st, NULL),
                   SQLITE_OK);
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
  sqlite3_finalize(st);
  assert_int_equal(pragma_int(fx->db, "PRAGMA busy_timeout"), 5000);
  assert_int_equal(pragma_int(fx->db, "PRAGMA synchronous"), 2); /* FULL */
  assert_int_equal(pragma_int(fx->db, "PRAGMA cache_size"), -65536);
  assert_int_equal(pragma_int(fx->db, "PRAGMA temp_store"), 2); /* MEMORY */
}

static void test_meta(void **state) {
  fixture *fx = *state;
  long long v = 0;
  char buf[64], small[4];

  assert_int_equal(fs__meta_get_int(fx->db, "cursor", &v), FS_ENOTFOUND);
  assert_int_equal(fs__meta_set_int(fx->db, "cursor", 9007199254740993LL), 0);
  assert_int_equal(fs__meta_get_int(fx->db, "cursor", &v), 0);
  assert_int_equal(v, 9007199254740993LL);
  assert_int_equal(fs__meta_set_int(fx->db, "cursor", -3), 0);
  assert_int_equal(fs__meta_get_int(fx->db, "cursor", &v), 0);
  assert_int_equal(v, -3);

  assert_int_equal(fs__meta_get_text(fx->db, "staff", buf, sizeof(buf)), FS_ENOTFOUND);
  assert_int_equal(fs__meta_set_text(fx->db, "staff", "王小明"), 0);
  assert_int_equal(fs__meta_get_text(fx->db, "staff", buf, sizeof(buf)), 0);
  assert_string_equal(buf, "王小明");
  assert_int_equal(fs__meta_get_text(fx->db, "staff", small, sizeof(small)), FS_EOVERFLOW);
  assert_int_equal(fs__meta_get_int(fx->db, "staff", &v), FS_EDB); /* not an integer */
  assert_int_equal(fs__meta_set_text(fx->db, "staff", NULL), FS_EINVAL);
  assert_int_equal(fs__meta_get_text(fx->db, "schema_role", buf, sizeof(buf)), 0);
  assert_string_equal(buf, "client");
}

static void test_transactions(void **state) {
  fixture *fx = *state;
  sqlite3 *other = NULL;
  long long v = 0;

  fs__db_rollback(fx->db); /* no transaction: harmless */
  assert_int_equal(fs__db_begin(fx->db), 0);
  assert_int_equal(fs__meta_set_int(fx->db, "k", 1), 0);
  fs__db_rollback(fx->db);
  assert_int_equal(fs__meta_get_int(fx->db, "k", &v), FS_ENOTFOUND);

  assert_int_equal(fs__db_begin(fx->db), 0);
  assert_int_equal(fs__meta_set_int(fx->db, "k", 2), 0);
  /* A second writer is refused with FS_EBUSY (without waiting 5 s). */
  assert_int_equal(fs__db_open(fx->path, 0, FS_SCHEMA_CLIENT, &other), 0);
  assert_int_equal(fs__db_exec(other, "PRAGMA busy_timeout=0"), 0);
  assert_int_equal(fs__db_begin(other), FS_EBUSY);
  assert_int_equal(fs__db_commit(fx->db), 0);
  assert_int_equal(fs__meta_get_int(other, "k", &v), 0);
  assert_int_equal(v, 2);
  assert_int_equal(fs__db_exec(other, "SELECT nonsense FROM nowhere"), FS_EDB);
  assert_int_equal(fs__db_commit(other), FS_EDB); /* no transaction */
  fs__db_close(other);
}

static void test_stmt_cache(void **state) {
  fixture *fx = *state;
  sqlite3_stmt *a = NULL, *b = NULL;

  assert_int_equal(fs__db_stmt(fx->db, 40, "SELECT ?1 + 1", &a), 0);
  assert_int_equal(sqlite3_bind_int(a, 1, 41), SQLITE_OK);
  assert_int_equal(sqlite3_step(a), SQLITE_ROW);
  assert_int_equal(sqlite3_column_int(a, 0), 42);
  /* Same slot: same statement, reset with bindings cleared. */
  assert_int_equal(fs__db_stmt(fx->db, 40, "SELECT ?1 + 1", &b), 0);
  assert_ptr_equal(a, b);
  assert_int_equal(sqlite3_step(b), SQLITE_ROW);
  assert_int_equal(sqlite3_column_type(b, 0), SQLITE_NULL);
  sqlite3_reset(b);
  assert_int_equal(fs__db_stmt(fx->db, FS_DB_STMT_SLOTS, "SELECT 1", &b), FS_EINVAL);
  assert_null(b);
  assert_int_equal(fs__db_stmt(fx->db, 41, "SELEC 1", &b), FS_EDB);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_err_translation),
      cmocka_unit_test(test_open_errors),
      cmocka_unit_test(test_daemon_role_needs_its_fragment),
      cmocka_unit_test_setup_teardown(test_pragmas, setup, teardown),
      cmocka_unit_test_setup_teardown(test_meta, setup, teardown),
      cmocka_unit_test_setup_teardown(test_transactions, setup, teardown),
      cmocka_unit_test_setup_teardown(test_stmt_cache, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
