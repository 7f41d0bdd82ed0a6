/* test_daemon_schema.c - the generated schema (common/schema.c with the
 * daemon's fragment, daemon/store/schema.c, registered): both roles get
 * version 4 and their tables, a role's fragment is registered once, CHECKs refuse bad values written with plain SQL, a
 * version-1 database and a version-3 one (v0.1.0) upgrade in place keeping
 * their rows byte for byte, a newer database is refused untouched, and a
 * failing step leaves nothing. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "db.h"
#include "fs_errno.h"
#include "schema.h"
#include "store/impl.h" /* fs__store_schema_register */

#define ID1 "0190a1b2c3d4e5f60718293a4b5c6d7e"
#define CN_NAME "王小明 汽车销售有限公司"

static int count_rows(sqlite3 *db, const char *sql) {
  sqlite3_stmt *st;
  int n = -1;

  assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
  if (sqlite3_step(st) == SQLITE_ROW)
    n = sqlite3_column_int(st, 0);
  sqlite3_finalize(st);
  return n;
}

static int has_table(sqlite3 *db, const char *name) {
  char sql[200];
  snprintf(sql, sizeof(sql),
           "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='%s'", name);
  return count_rows(db, sql);
}

static int has_index(sqlite3 *db, const char *name) {
  char sql[200];
  snprintf(sql, sizeof(sql),
           "SELECT count(*) FROM sqlite_master WHERE type='index' AND name='%s'", name);
  return count_rows(db, sql);
}

static int has_column(sqlite3 *db, const char *table, const char *col) {
  char sql[200];
  snprintf(sql, sizeof(sql), "SELECT count(*) FROM pragma_table_info('%s') WHERE name='%s'",
           table, col);
  return count_rows(db, sql);
}

static int version(sqlite3 *db) { return count_rows(db, "PRAGMA user_version"); }

static sqlite3 *raw_open(const char *path) {
  sqlite3 *db = NULL;
  assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                                   NULL),
                   SQLITE_OK);
  return db;
}

static unsigned char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  unsigned char *buf;
  long n;

  assert_non_null(f);
  assert_int_equal(fseek(f, 0, SEEK_END), 0);
  n = ftell(f);
  assert_true(n > 0);
  rewind(f);
  buf = malloc((size_t)n);
  assert_non_null(buf);
  assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
  fclose(f);
  *len = (size_t)n;
  return buf;
}

static void test_fresh_tables(void **state) {
  static const char *records[] = {"customers",   "grade_changes", "contacts",
                                  "visits",      "opportunities", "showroom_log",
                                  "lost_reviews",  "day_signoffs",  "activity_plans",
                                  "sales_periods"};
  static const char *client_only[] = {"outbox", "notices"};
  static const char *daemon_only[] = {"devices",   "applied",    "audit",  "tokens",
                                      "journal",   "covers",     "loans",  "loan_reads",
                                      "handovers", "quarantine", "history",
                                      "serial_blocks"};
  char *dir = fs_test_tmpdir();
  (void)state;

  for (int role = FS_SCHEMA_CLIENT; role <= FS_SCHEMA_DAEMON; role++) {
    char *p = fs_test_path(dir, role == FS_SCHEMA_CLIENT ? "c.db" : "d.db");
    sqlite3 *db = NULL;

    assert_int_equal(fs__db_open(p, 1, (fs_schema_role)role, &db), 0);
    assert_int_equal(version(db), FS_SCHEMA_VERSION);
    assert_int_equal(fs__schema_version(), 14);
    for (size_t i = 0; i < sizeof(records) / sizeof(records[0]); i++)
      assert_int_equal(has_table(db, records[i]), 1);
    assert_int_equal(has_table(db, "meta"), 1);
    assert_int_equal(has_table(db, "staff"), 1);
    assert_int_equal(has_table(db, "conflicts"), 1);
    for (size_t i = 0; i < sizeof(client_only) / sizeof(client_only[0]); i++)
      assert_int_equal(has_table(db, client_only[i]), role == FS_SCHEMA_CLIENT);
    for (size_t i = 0; i < sizeof(daemon_only) / sizeof(daemon_only[0]); i++)
      assert_int_equal(has_table(db, daemon_only[i]), role == FS_SCHEMA_DAEMON);
    assert_int_equal(has_column(db, "conflicts", "loser_device"), role == FS_SCHEMA_DAEMON);
    assert_int_equal(has_column(db, "customers", "next_contact"), 1);
    assert_int_equal(has_column(db, "customers", "source"), 1);
    assert_int_equal(has_column(db, "customers", "delete_requested"), 1);
    assert_int_equal(has_column(db, "customers", "delete_note"), 1);
    assert_int_equal(has_column(db, "customers", "tier_override"), 1);
    assert_int_equal(has_column(db, "lost_reviews", "reason_class"), 1);
    assert_int_equal(has_column(db, "showroom_log", "left"), 1);
    assert_int_equal(has_index(db, "customers_phone"), 1);
    assert_int_equal(has_index(db, "customers_archive_no"), 1);
    assert_int_equal(has_index(db, "visits_customer_at"), 1);
    assert_int_equal(has_index(db, "contacts_customer"), 1);
    assert_int_equal(has_index(db, "lost_reviews_seq"), 1);
    assert_int_equal(has_index(db, "showroom_log_arrived"), 1);
    /* v9 (issue 14, the showroom): returning visitor, walk-in or call, and
     * the indexes that find a visitor's earlier entries. */
    assert_int_equal(has_column(db, "showroom_log", "revisit"), 1);
    assert_int_equal(has_column(db, "showroom_log", "channel"), 1);
    assert_int_equal(has_index(db, "showroom_log_customer"), 1);
    assert_int_equal(has_index(db, "showroom_log_phone"), 1);
    /* v11 (issue 15): visit corrections. */
    assert_int_equal(has_column(db, "visits", "corrects"), 1);
    assert_int_equal(has_column(db, "visits", "counts_on"), 1);
    assert_int_equal(has_index(db, "visits_corrects"), 1);
    /* Migrating again is a no-op. */
    assert_int_equal(fs__schema_migrate(db, (fs_schema_role)role), 0);
    assert_int_equal(version(db), FS_SCHEMA_VERSION);
    fs__db_close(db);

    /* The other role cannot open it. */
    assert_int_equal(fs__db_open(p, 0, role == FS_SCHEMA_CLIENT ? FS_SCHEMA_DAEMON
                                                                : FS_SCHEMA_CLIENT,
                                 &db),
                     FS_EINVAL);
    assert_null(db);
    free(p);
  }
  fs_test_rmdir(dir);
}

static int sql_rc(sqlite3 *db, const char *sql) {
  return fs__db_err(db, sqlite3_exec(db, sql, NULL, NULL, NULL));
}

#define INS "INSERT INTO customers(id, owner, author, hlc, "

static void test_checks_refuse_bad_values(void **state) {
  char *dir = fs_test_tmpdir();
  char *p = fs_test_path(dir, "c.db");
  char sql[1200], longname[700];
  sqlite3 *db = NULL;
  (void)state;

  assert_int_equal(fs__db_open(p, 1, FS_SCHEMA_CLIENT, &db), 0);
  assert_int_equal(sql_rc(db, INS "name, grade, growth, founded, source) VALUES('" ID1
                                  "', 'A01', 'A01', 1, '" CN_NAME "', 'O', 100, "
                                  "'2024-02-29', 'referral')"),
                   0);
  /* enumeration */
  assert_int_equal(sql_rc(db, "UPDATE customers SET grade='Z'"), FS_EVALIDATE);
  assert_int_equal(sql_rc(db, "UPDATE customers SET source='tv'"), FS_EVALIDATE);
  assert_int_equal(sql_rc(db, "UPDATE customers SET grade='delivered'"), 0);
  /* integer bounds and type */
  assert_int_equal(sql_rc(db, "UPDATE customers SET growth=101"), FS_EVALIDATE);
  assert_int_equal(sql_rc(db, "UPDATE customers SET growth=-1"), FS_EVALIDATE);
  assert_int_equal(sql_rc(db, "UPDATE customers SET growth='lots'"), FS_EVALIDATE);
  assert_int_equal(sql_rc(db, "UPDATE customers SET key_account=2"), FS_EVALIDATE);
  assert_int_equal(sql_rc(db, "UPDATE customers SET key_account=1"), 0);
  /* text length counts bytes: 67 three-byte characters are 201 > 200. */
  longname[0] = '\0';
  for (int i = 0; i < 67; i++)
    strcat(longname, "王");
  snprintf(sql, sizeof(sql), "UPDATE customers SET name='%s'", longname);
  assert_int_equal(sql_rc(db, sql), FS_EVALIDATE);
  longname[strlen(longname) - 3] = '\0'; /* 66 chars, 198 bytes */
  snprintf(sql, sizeof(sql), "UPDATE customers SET name='%s'", longname);
  assert_int_equal(sql_rc(db, sql), 0);
  /* dates */
  assert_int_equal(sql_rc(db, "UPDATE customers SET founded='2024/02/29'"), FS_EVALIDATE);
  assert_int_equal(sql_rc(db, "UPDATE customers SET next_contact='tomorrow'"),
                   FS_EVALIDATE);
  assert_int_equal(sql_rc(db, "UPDATE showroom_log SET arrived='x'"), 0); /* no rows */
  assert_int_equal(sql_rc(db, "INSERT INTO showroom_log(id, owner, author, hlc, arrived, "
                              "rep_on_duty) VALUES('" ID1 "', 'A01', 'A01', 1, "
                              "'2026-01-05T09:3', 'A01')"),
                   FS_EVALIDATE);
  assert_int_equal(sql_rc(db, "INSERT INTO showroom_log(id, owner, author, hlc, arrived, "
                              "rep_on_duty) VALUES('" ID1 "', 'A01', 'A01', 1, "
                              "'2026-01-05T09:30', 'a01')"),
                   FS_EVALIDATE); /* staff codes are upper case */
  assert_int_equal(sql_rc(db, "INSERT INTO showroom_log(id, owner, author, hlc, arrived, "
                              "rep_on_duty) VALUES('" ID1 "', 'A01', 'A01', 1, "
                              "'2026-01-05T09:30:15', 'A01')"),
                   0);
  /* references, ids, tombstone flag */
  assert_int_equal(sql_rc(db, "INSERT INTO contacts(id, owner, author, hlc, customer_id) "
                              "VALUES('" ID1 "', 'A01', 'A01', 1, 'abc')"),
                   FS_EVALIDATE);
  assert_int_equal(sql_rc(db, "INSERT INTO contacts(id, owner, author, hlc) "
                              "VALUES('short', 'A01', 'A01', 1)"),
                   FS_EVALIDATE);
  assert_int_equal(sql_rc(db, "UPDATE customers SET deleted=2"), FS_EVALIDATE);
  /* archive numbers: unique in the central store only; a replica must be
   * able to pull a card even while it holds a reused number (restored from
   * a backup) that the daemon will refuse. */
  assert_int_equal(sql_rc(db, "UPDATE customers SET archive_no='K-1'"), 0);
  assert_int_equal(sql_rc(db, INS "archive_no) VALUES('0190a1b2c3d4e5f60718293a4b5c6d70', "
                                  "'A01', 'A01', 1, 'K-1')"),
                   0);
  {
    char *dp = fs_test_path(dir, "central.db");
    sqlite3 *cdb = NULL;
    assert_int_equal(fs__db_open(dp, 1, FS_SCHEMA_DAEMON, &cdb), 0);
    assert_int_equal(sql_rc(cdb, INS "archive_no) VALUES('0190a1b2c3d4e5f60718293a4b5c6d71', "
                                     "'A01', 'A01', 1, 'K-1')"),
                     0);
    assert_int_equal(sql_rc(cdb, INS "archive_no) VALUES('0190a1b2c3d4e5f60718293a4b5c6d72', "
                                     "'A01', 'A01', 1, 'K-1')"),
                     FS_EVALIDATE);
    fs__db_close(cdb);
    free(dp);
  }
  /* the staff table */
  assert_int_equal(sql_rc(db, "INSERT INTO staff(code, name, role) VALUES('A01','A','boss')"),
                   FS_EVALIDATE);
  assert_int_equal(sql_rc(db, "INSERT INTO staff(code, name, role) VALUES('A01','A','rep')"),
                   0);
  fs__db_close(db);
  free(p);
  fs_test_rmdir(dir);
}

static void test_upgrade_from_v1(void **state) {
  char *dir = fs_test_tmpdir();
  char *p = fs_test_path(dir, "old.db");
  char *q = fs_test_path(dir, "new.db");
  sqlite3 *db = raw_open(p), *fresh = NULL;
  sqlite3_stmt *st;
  (void)state;

  assert_int_equal(fs__schema_migrate_to(db, FS_SCHEMA_CLIENT, 1), 0);
  assert_int_equal(version(db), 1);
  assert_int_equal(has_column(db, "customers", "source"), 0);
  assert_int_equal(has_column(db, "customers", "next_contact"), 0);
  assert_int_equal(has_column(db, "customers", "created"), 1);
  assert_int_equal(has_index(db, "customers_phone"), 0);
  assert_int_equal(sqlite3_exec(db,
                                INS "name, grade, phone, clk) VALUES('" ID1 "', 'A01', 'A01', "
                                    "5, '" CN_NAME "', 'A', '010-1234', x'0500')",
                                NULL, NULL, NULL),
                   SQLITE_OK);
  sqlite3_close(db);

  db = NULL;
  assert_int_equal(fs__db_open(p, 0, FS_SCHEMA_CLIENT, &db), 0);
  assert_int_equal(version(db), FS_SCHEMA_VERSION);
  assert_int_equal(has_index(db, "customers_phone"), 1);
  assert_int_equal(has_column(db, "conflicts", "fenced"), 1);
  assert_int_equal(has_column(db, "conflicts", "resolved"), 1);
  assert_int_equal(has_column(db, "outbox", "bases"), 1);
  assert_int_equal(sqlite3_prepare_v2(db,
                                      "SELECT CAST(name AS BLOB), grade, phone, source, "
                                      "next_contact, hlc, clk FROM customers WHERE id=?",
                                      -1, &st, NULL),
                   SQLITE_OK);
  sqlite3_bind_text(st, 1, ID1, -1, SQLITE_STATIC);
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  assert_int_equal(sqlite3_column_bytes(st, 0), strlen(CN_NAME));
  assert_memory_equal(sqlite3_column_blob(st, 0), CN_NAME, strlen(CN_NAME));
  assert_string_equal((const char *)sqlite3_column_text(st, 1), "A");
  assert_string_equal((const char *)sqlite3_column_text(st, 2), "010-1234");
  assert_int_equal(sqlite3_column_type(st, 3), SQLITE_NULL);
  assert_int_equal(sqlite3_column_type(st, 4), SQLITE_NULL);
  assert_int_equal(sqlite3_column_int(st, 5), 5);
  assert_int_equal(sqlite3_column_bytes(st, 6), 2);
  sqlite3_finalize(st);
  /* The new columns carry their CHECKs. */
  assert_int_equal(sql_rc(db, "UPDATE customers SET source='tv'"), FS_EVALIDATE);
  assert_int_equal(sql_rc(db, "UPDATE customers SET next_contact='2026-13'"), FS_EVALIDATE);
  assert_int_equal(sql_rc(db, "UPDATE customers SET source='event', "
                              "next_contact='2026-03-01'"),
                   0);

  /* An upgraded database has the columns of a fresh one. */
  assert_int_equal(fs__db_open(q, 1, FS_SCHEMA_CLIENT, &fresh), 0);
  assert_int_equal(count_rows(db, "SELECT count(*) FROM pragma_table_info('customers')"),
                   count_rows(fresh, "SELECT count(*) FROM pragma_table_info('customers')"));
  assert_int_equal(count_rows(db, "SELECT count(*) FROM sqlite_master"),
                   count_rows(fresh, "SELECT count(*) FROM sqlite_master"));
  fs__db_close(fresh);
  fs__db_close(db);
  free(p);
  free(q);
  fs_test_rmdir(dir);
}

/* A tombstone written by version 2 (which kept a deleted record's content)
 * loses its content when the store is opened by version 3, daemon and
 * replica alike; its key fields, clocks and the live rows stay. */
static void test_upgrade_clears_tombstones(void **state) {
  static const fs_schema_role roles[] = {FS_SCHEMA_CLIENT, FS_SCHEMA_DAEMON};
  (void)state;

  for (int i = 0; i < 2; i++) {
    char *dir = fs_test_tmpdir();
    char *p = fs_test_path(dir, "v2.db");
    sqlite3 *db = raw_open(p);

    assert_int_equal(fs__schema_migrate_to(db, roles[i], 2), 0);
    assert_int_equal(
        sqlite3_exec(db,
                     INS "deleted, archive_no, name, grade, phone, clk) VALUES('" ID1
                         "', 'A01', 'A01', 5, 1, 'A01-2026-0001', '" CN_NAME
                         "', 'A', '010-1234', x'0500');" INS
                         "name, grade, phone) VALUES('"
                         "0190a1b2c3d4e5f60718293a4b5c6d7f', 'A01', 'A01', 6, "
                         "'Live Ltd', 'B', '020-5678');"
                         "INSERT INTO contacts(id, owner, author, hlc, deleted, "
                         "customer_id, name, notes) VALUES('"
                         "0290a1b2c3d4e5f60718293a4b5c6d7e', 'A01', 'A01', 7, 1, '" ID1
                         "', 'Li Wei', 'likes golf')",
                     NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(db);
    db = NULL;
    assert_int_equal(fs__db_open(p, 0, roles[i], &db), 0);
    assert_int_equal(version(db), FS_SCHEMA_VERSION);
    assert_int_equal(count_rows(db,
                                "SELECT count(*) FROM customers WHERE id='" ID1
                                "' AND deleted=1 AND name IS NULL AND phone IS NULL AND "
                                "grade IS NULL AND archive_no='A01-2026-0001' AND hlc=5 "
                                "AND length(clk)=2"),
                     1);
    assert_int_equal(count_rows(db, "SELECT count(*) FROM contacts WHERE deleted=1 AND "
                                    "name IS NULL AND notes IS NULL AND customer_id='" ID1
                                    "'"),
                     1);
    assert_int_equal(count_rows(db, "SELECT count(*) FROM customers WHERE deleted=0 AND "
                                    "name='Live Ltd' AND phone='020-5678'"),
                     1);
    fs__db_close(db);
    free(p);
    fs_test_rmdir(dir);
  }
}

/* A central store of v0.1.0 (version 3) gets the per-record history
 * (version 4) in place; its rows stay, and it ends up like a fresh one. */
static void test_upgrade_from_v3(void **state) {
  char *dir = fs_test_tmpdir();
  char *p = fs_test_path(dir, "v3.db");
  char *q = fs_test_path(dir, "fresh.db");
  sqlite3 *db = raw_open(p), *fresh = NULL;
  (void)state;

  assert_int_equal(fs__schema_migrate_to(db, FS_SCHEMA_DAEMON, 3), 0);
  assert_int_equal(version(db), 3);
  assert_int_equal(has_table(db, "history"), 0);
  assert_int_equal(
      sqlite3_exec(db,
                   INS
                   "name, grade) VALUES('" ID1 "', 'A01', 'A01', 5, '" CN_NAME "', 'B');"
                   "INSERT INTO applied(device_id, counter, outcome, code, kind, "
                   "record_id, hlc, reason) VALUES(1, 7, 1, 0, 0, '" ID1 "', 5, NULL)",
                   NULL, NULL, NULL),
      SQLITE_OK);
  sqlite3_close(db);
  db = NULL;
  assert_int_equal(fs__db_open(p, 0, FS_SCHEMA_DAEMON, &db), 0);
  assert_int_equal(version(db), FS_SCHEMA_VERSION);
  assert_int_equal(has_table(db, "history"), 1);
  assert_int_equal(has_index(db, "history_customer"), 1);
  assert_int_equal(count_rows(db, "SELECT count(*) FROM history"), 0);
  assert_int_equal(count_rows(db, "SELECT count(*) FROM customers WHERE id='" ID1
                                  "' AND name='" CN_NAME "' AND hlc=5"),
                   1);
  assert_int_equal(count_rows(db, "SELECT count(*) FROM applied WHERE counter=7"), 1);
  assert_int_equal(fs__db_open(q, 1, FS_SCHEMA_DAEMON, &fresh), 0);
  assert_int_equal(count_rows(db, "SELECT count(*) FROM sqlite_master"),
                   count_rows(fresh, "SELECT count(*) FROM sqlite_master"));
  assert_int_equal(
      count_rows(db, "SELECT count(*) FROM pragma_table_info('history')"),
      count_rows(fresh, "SELECT count(*) FROM pragma_table_info('history')"));
  /* v5 (issue 14): the record tables gained the same columns as new ones. */
  for (int k = 0; k < FS_KIND__COUNT; k++) {
    char sql[160];
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM pragma_table_info('%s')",
             fs__kind_def((fs_kind)k)->table);
    assert_int_equal(count_rows(db, sql), count_rows(fresh, sql));
  }
  assert_int_equal(has_column(db, "lost_reviews", "prev_grade"), 1);
  assert_int_equal(has_column(db, "opportunities", "lost_class"), 1);
  /* v10 (issue 14): the archive serial blocks, empty in an upgraded store. */
  assert_int_equal(has_index(db, "serial_blocks_device"), 1);
  assert_int_equal(count_rows(db, "SELECT count(*) FROM serial_blocks"), 0);
  fs__db_close(fresh);
  fs__db_close(db);
  /* A replica of v0.1.0 moves to the current version too. */
  free(p);
  p = fs_test_path(dir, "replica3.db");
  db = raw_open(p);
  assert_int_equal(fs__schema_migrate_to(db, FS_SCHEMA_CLIENT, 3), 0);
  sqlite3_close(db);
  db = NULL;
  assert_int_equal(fs__db_open(p, 0, FS_SCHEMA_CLIENT, &db), 0);
  assert_int_equal(version(db), FS_SCHEMA_VERSION);
  assert_int_equal(has_table(db, "history"), 0);
  /* v5 (issue 14): the new fields are columns of the upgraded replica. */
  assert_int_equal(has_column(db, "lost_reviews", "reason_class"), 1);
  assert_int_equal(has_column(db, "customers", "delete_requested"), 1);
  /* v6 (issue 14): the manager's note on a deletion request. */
  assert_int_equal(has_column(db, "customers", "delete_note"), 1);
  /* v9 (issue 14): the showroom's new fields and indexes. */
  assert_int_equal(has_column(db, "showroom_log", "revisit"), 1);
  assert_int_equal(has_column(db, "showroom_log", "channel"), 1);
  assert_int_equal(has_index(db, "showroom_log_phone"), 1);
  /* v12 (issue 14): the manager's tier override. */
  assert_int_equal(has_column(db, "customers", "tier_override"), 1);
  /* v11 (issue 15): visit corrections. */
  assert_int_equal(has_column(db, "visits", "corrects"), 1);
  assert_int_equal(has_column(db, "visits", "counts_on"), 1);
  fs__db_close(db);
  free(p);
  free(q);
  fs_test_rmdir(dir);
}

/* v8 (issue 14): a v6 store keeps its staff rows, gains the new card
 * fields and takes the role after_sales; other roles stay refused. */
static void test_upgrade_from_v6(void **state) {
  char *dir = fs_test_tmpdir();
  (void)state;

  for (int role = FS_SCHEMA_CLIENT; role <= FS_SCHEMA_DAEMON; role++) {
    char *p = fs_test_path(dir, role == FS_SCHEMA_CLIENT ? "c6.db" : "d6.db");
    sqlite3 *db = raw_open(p);

    assert_int_equal(fs__schema_migrate_to(db, (fs_schema_role)role, 6), 0);
    assert_int_equal(sqlite3_exec(db,
                                  "INSERT INTO staff(code, name, role, manager) VALUES"
                                  " ('M01', 'Ma', 'manager', NULL), ('A01', 'Al', 'rep', 'M01')",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_not_equal(sqlite3_exec(db,
                                      "INSERT INTO staff(code, name, role) VALUES"
                                      " ('S01', 'Su', 'after_sales')",
                                      NULL, NULL, NULL),
                         SQLITE_OK);
    assert_int_equal(has_column(db, "customers", "licence_date"), 0);
    sqlite3_close(db);
    db = NULL;
    assert_int_equal(fs__db_open(p, 0, (fs_schema_role)role, &db), 0);
    assert_int_equal(version(db), FS_SCHEMA_VERSION);
    assert_int_equal(count_rows(db, "SELECT count(*) FROM staff WHERE code='A01' AND "
                                    "role='rep' AND manager='M01' AND status='active'"),
                     1);
    assert_int_equal(sqlite3_exec(db,
                                  "INSERT INTO staff(code, name, role, manager) VALUES"
                                  " ('S01', 'Su', 'after_sales', 'M01')",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_not_equal(
        sqlite3_exec(db, "INSERT INTO staff(code, name, role) VALUES ('X01', 'X', 'boss')",
                     NULL, NULL, NULL),
        SQLITE_OK);
    static const char *const cols[] = {"business_policy", "managing_director", "legal_rep",
                                       "licence_date",    "units_delivered",   "service_notes",
                                       "last_verified"};
    for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
      assert_int_equal(has_column(db, "customers", cols[i]), 1);
    assert_int_equal(count_rows(db, "SELECT count(*) FROM sqlite_master WHERE name LIKE "
                                    "'staff_v8%'"),
                     0);
    fs__db_close(db);
    free(p);
  }
  fs_test_rmdir(dir);
}

static void test_newer_refused_untouched(void **state) {
  char *dir = fs_test_tmpdir();
  char *p = fs_test_path(dir, "future.db");
  char *wal = fs_test_path(dir, "future.db-wal");
  unsigned char *before, *after;
  size_t nb, na;
  struct stat sb;
  sqlite3 *db = raw_open(p);
  (void)state;

  assert_int_equal(sqlite3_exec(db, "CREATE TABLE future(x); INSERT INTO future VALUES(1);"
                                    "PRAGMA user_version=99",
                                NULL, NULL, NULL),
                   SQLITE_OK);
  sqlite3_close(db);
  before = read_file(p, &nb);

  db = (sqlite3 *)1;
  assert_int_equal(fs__db_open(p, 1, FS_SCHEMA_CLIENT, &db), FS_ESCHEMA_NEWER);
  assert_null(db);
  after = read_file(p, &na);
  assert_int_equal(na, nb);
  assert_memory_equal(after, before, nb);
  assert_int_not_equal(stat(wal, &sb), 0); /* not switched to WAL either */

  /* fs__schema_migrate on an open handle refuses too. */
  db = raw_open(p);
  assert_int_equal(fs__schema_migrate(db, FS_SCHEMA_DAEMON), FS_ESCHEMA_NEWER);
  assert_int_equal(version(db), 99);
  assert_int_equal(has_table(db, "customers"), 0);
  sqlite3_close(db);
  free(before);
  free(after);
  free(wal);
  free(p);
  fs_test_rmdir(dir);
}

/* A replica upgraded from version 3 keeps its outbox: a queued change keeps
 * its payload and gets no bases (NULL: pushed without a base, PROTOCOL.md
 * 5.5.3); the column then takes the bases of new changes. */
static void test_upgrade_keeps_outbox(void **state) {
  char *dir = fs_test_tmpdir();
  char *p = fs_test_path(dir, "v3.db");
  sqlite3 *db = raw_open(p);
  (void)state;

  assert_int_equal(fs__schema_migrate_to(db, FS_SCHEMA_CLIENT, 3), 0);
  assert_int_equal(has_column(db, "outbox", "bases"), 0);
  assert_int_equal(sqlite3_exec(db,
                                "INSERT INTO outbox(counter, kind, record_id, op, hlc, "
                                "payload, created_at) VALUES(7, 'customer', '" ID1
                                "', 1, 5, x'98070102', 1)",
                                NULL, NULL, NULL),
                   SQLITE_OK);
  sqlite3_close(db);
  db = NULL;
  assert_int_equal(fs__db_open(p, 0, FS_SCHEMA_CLIENT, &db), 0);
  assert_int_equal(version(db), FS_SCHEMA_VERSION);
  assert_int_equal(
      count_rows(db, "SELECT count(*) FROM outbox WHERE counter=7 AND "
                     "status='pending' AND payload=x'98070102' AND bases IS NULL"),
      1);
  assert_int_equal(sql_rc(db, "UPDATE outbox SET bases=x'0500000000000000'"), 0);
  fs__db_close(db);
  free(p);
  fs_test_rmdir(dir);
}

/* Version 7 brings the kinds of model generation 2 as whole tables: a
 * version-6 store or replica has none of them and gets each, with its
 * generic indexes, in place; rows of the old kinds are untouched. */
static void test_upgrade_from_v6_adds_kinds(void **state) {
  static const char *added[] = {"day_signoffs", "activity_plans", "sales_periods"};
  char *dir = fs_test_tmpdir();
  (void)state;

  for (int role = FS_SCHEMA_CLIENT; role <= FS_SCHEMA_DAEMON; role++) {
    char *p = fs_test_path(dir, role == FS_SCHEMA_CLIENT ? "c6.db" : "d6.db");
    sqlite3 *db = raw_open(p);
    assert_int_equal(fs__schema_migrate_to(db, (fs_schema_role)role, 6), 0);
    for (size_t i = 0; i < sizeof(added) / sizeof(added[0]); i++)
      assert_int_equal(has_table(db, added[i]), 0);
    assert_int_equal(sqlite3_exec(db,
                                  "INSERT INTO customers(id, owner, author, hlc, name) VALUES"
                                  "('0123456789abcdef0123456789abcdef','A01','A01',1,'Kept')",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(fs__schema_migrate(db, (fs_schema_role)role), 0);
    assert_int_equal(version(db), FS_SCHEMA_VERSION);
    for (size_t i = 0; i < sizeof(added) / sizeof(added[0]); i++)
      assert_int_equal(has_table(db, added[i]), 1);
    assert_int_equal(has_index(db, "sales_periods_customer"), 1);
    assert_int_equal(has_index(db, "day_signoffs_owner"), 1);
    assert_int_equal(has_column(db, "activity_plans", "deliveries"), 1);
    assert_int_equal(has_column(db, "customers", "delete_note"), 1);
    assert_int_equal(sqlite3_exec(db, "SELECT 1 FROM customers WHERE name='Kept'", NULL, NULL,
                                  NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    free(p);
  }
  fs_test_rmdir(dir);
}

static void test_migration_atomic(void **state) {
  char *dir = fs_test_tmpdir();
  char *p = fs_test_path(dir, "m.db");
  sqlite3 *db = raw_open(p);
  (void)state;

  assert_int_equal(fs__schema_migrate_to(db, FS_SCHEMA_DAEMON, 1), 0);
  fs__schema_test_fail_step(2);
  assert_int_equal(fs__schema_migrate(db, FS_SCHEMA_DAEMON), FS_EDB);
  fs__schema_test_fail_step(0);
  assert_int_equal(version(db), 1);
  assert_int_equal(has_column(db, "customers", "source"), 0); /* added before the fault */
  assert_int_equal(has_column(db, "customers", "next_contact"), 0);
  assert_int_equal(has_index(db, "customers_phone"), 0);
  assert_int_not_equal(sqlite3_get_autocommit(db), 0); /* no transaction left open */
  assert_int_equal(fs__schema_migrate(db, FS_SCHEMA_DAEMON), 0);
  assert_int_equal(version(db), FS_SCHEMA_VERSION);
  assert_int_equal(has_column(db, "customers", "source"), 1);
  assert_int_equal(has_column(db, "devices", "wipe_at"), 1);
  assert_int_equal(has_column(db, "devices", "last_hlc"), 1);
  assert_int_equal(has_column(db, "conflicts", "fenced"), 1);
  sqlite3_close(db);

  /* A failing first step leaves an empty database at version 0. */
  free(p);
  p = fs_test_path(dir, "m2.db");
  db = raw_open(p);
  fs__schema_test_fail_step(1);
  assert_int_equal(fs__schema_migrate(db, FS_SCHEMA_CLIENT), FS_EDB);
  fs__schema_test_fail_step(0);
  assert_int_equal(version(db), 0);
  assert_int_equal(count_rows(db, "SELECT count(*) FROM sqlite_master"), 0);
  assert_int_equal(fs__schema_migrate_to(db, FS_SCHEMA_CLIENT, FS_SCHEMA_VERSION + 1), FS_EINVAL);
  sqlite3_close(db);
  free(p);
  fs_test_rmdir(dir);
}

static void test_field_check_text(void **state) {
  const fs_kind_def *kd = fs__kind_def(FS_KIND_CUSTOMER);
  char buf[512], tiny[8];
  (void)state;

  assert_int_equal(fs__schema_field_check(&kd->fields[fs__field_index(kd, "grade")], buf,
                                          sizeof(buf)),
                   0);
  assert_non_null(strstr(buf, "IN ('O','A','B','C','delivered','lost')"));
  assert_int_equal(fs__schema_field_check(&kd->fields[fs__field_index(kd, "growth")], buf,
                                          sizeof(buf)),
                   0);
  assert_non_null(strstr(buf, "BETWEEN 0 AND 100"));
  assert_int_equal(fs__schema_field_check(&kd->fields[0], tiny, sizeof(tiny)),
                   FS_EOVERFLOW);
  assert_int_equal(fs__schema_field_check(NULL, buf, sizeof(buf)), FS_EINVAL);
}

/* The daemon's tables are its own fragment: registered once (again: a
 * no-op), a different one for the same role refused, a malformed one
 * refused. */
static void test_fragment_registration(void **state) {
  static const fs_schema_step early[] = {{1, "SELECT 1;"}};
  static const fs_schema_fragment other = {FS_SCHEMA_DAEMON, "other", "", NULL, 0};
  static const fs_schema_fragment client_again = {FS_SCHEMA_CLIENT, "client", "", NULL, 0};
  static const fs_schema_fragment bad_step = {FS_SCHEMA_DAEMON, "bad", "", early, 1};
  static const fs_schema_fragment bad_role = {(fs_schema_role)7, "bad", "", NULL, 0};
  (void)state;

  assert_int_equal(fs__store_schema_register(), 0);
  assert_int_equal(fs__store_schema_register(), 0);
  assert_int_equal(fs__schema_register(&other), FS_EINVAL);
  assert_int_equal(fs__schema_register(&client_again), FS_EINVAL);
  assert_int_equal(fs__schema_register(&bad_step), FS_EINVAL);
  assert_int_equal(fs__schema_register(&bad_role), FS_EINVAL);
  assert_int_equal(fs__schema_register(NULL), FS_EINVAL);
}

int main(void) {
  if (fs__store_schema_register() != 0)
    return 1;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fragment_registration),
      cmocka_unit_test(test_fresh_tables),
      cmocka_unit_test(test_checks_refuse_bad_values),
      cmocka_unit_test(test_upgrade_from_v1),
      cmocka_unit_test(test_upgrade_clears_tombstones),
      cmocka_unit_test(test_upgrade_keeps_outbox),
      cmocka_unit_test(test_upgrade_from_v3),
      cmocka_unit_test(test_upgrade_from_v6_adds_kinds),
      cmocka_unit_test(test_upgrade_from_v6),
      cmocka_unit_test(test_newer_refused_untouched),
      cmocka_unit_test(test_migration_atomic),
      cmocka_unit_test(test_field_check_text),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
