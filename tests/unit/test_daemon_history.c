/* test_daemon_history.c - issue 12: the central office's per-record history
 * (`fieldsyncd history ARCHIVE_NO|ID`).  Two real devices edit a card one
 * after the other and concurrently; the history lists each change with
 * staff, device, field, old -> new and the conflict outcome.  An unknown
 * record is an error (exit 1); old rows are purged after history_days;
 * `person erase` clears the values.
 *
 * A real fieldsyncd on 127.0.0.1, real enrolled replicas (daemontest.h).
 */
#include "daemontest.h"
#include "wiretest.h"

#include <signal.h>
#include <stdarg.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef fs_test_world world;

static int setup(void **state) {
  return fs_test_world_setup(state, "staff add M01 --name 'Manager' --role manager",
                             "staff add A01 --name 'Anna' --manager M01", NULL);
}

/* The archive number the daemon gave customer id (caller frees). */
static char *archive_of(world *w, const char *id) {
  char sql[200], *p = NULL;
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  char *path = fs_test_path(w->d.dir, "central.db");

  snprintf(sql, sizeof(sql), "SELECT archive_no FROM customers WHERE id='%s'", id);
  assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  p = strdup((const char *)sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  sqlite3_close(db);
  free(path);
  return p;
}

/* SQL counting the history rows whose fields blob holds the bytes of s. */
#define HAS(s)                                                                           \
  "SELECT count(*) FROM history WHERE instr(fields, CAST('" s "' AS BLOB)) > 0"

/* Number of lines of text that contain every one of the NULL-terminated
 * needles. */
static int lines_with(const char *text, ...) {
  const char *needles[8];
  const char *line = text;
  int n = 0, k = 0;
  va_list ap;

  va_start(ap, text);
  while (k < 8 && (needles[k] = va_arg(ap, const char *)) != NULL)
    k++;
  va_end(ap);
  while (line && *line) {
    const char *end = strchr(line, '\n');
    size_t len = end ? (size_t)(end - line) : strlen(line);
    char *l = strndup(line, len);
    int all = 1;
    for (int i = 0; i < k; i++)
      if (strstr(l, needles[i]) == NULL)
        all = 0;
    n += all;
    free(l);
    line = end ? end + 1 : NULL;
  }
  return n;
}

static void test_history_lists_changes(void **state) {
  world *w = *state;
  fs_replica *r1 = fs_test_enroll(&w->d, w->tmp, "A01", "a01"),
             *r2 = fs_test_enroll(&w->d, w->tmp, "A01", "a01b");
  char id[33], vid[33], dev1[32], dev2[32], sql[200], *arch, *out;
  int status = 0;

  snprintf(dev1, sizeof(dev1), "device=%lld",
           fs_test_central_int(&w->d, "SELECT min(id) FROM devices"));
  snprintf(dev2, sizeof(dev2), "device=%lld",
           fs_test_central_int(&w->d, "SELECT max(id) FROM devices"));
  fs_test_create_customer(r1, "Hangzhou Works", "B", id);
  fs_test_sync_ok(r1, NULL);
  fs_test_sync_ok(r2, NULL);
  /* One after the other: r1 sets the phone, r2 (having seen it) changes it. */
  fs_test_set_field(r1, id, "phone", "0571-1111");
  fs_test_sync_ok(r1, NULL);
  fs_test_sync_ok(r2, NULL);
  fs_test_set_field(r2, id, "phone", "0571-2222");
  fs_test_sync_ok(r2, NULL);
  /* Concurrently: r2 writes the industry first, r1 later; r1 syncs first,
   * so r2's older write arrives second and is superseded. */
  fs_test_set_field(r2, id, "industry", "OlderValue");
  fs_test_clock_advance(20); /* r1's write is later */
  fs_test_set_field(r1, id, "industry", "NewerValue");
  fs_test_sync_ok(r1, NULL);
  fs_test_sync_ok(r2, NULL);
  /* A change that partly loses (merged): r2 writes revenue (an integer) and industry
   * in one change, older than r1's industry. */
  {
    fs_record *rec = NULL;
    assert_int_equal(fs_record_new("customer", &rec), 0);
    assert_int_equal(fs_record_set(rec, "revenue", "1200"), 0);
    assert_int_equal(fs_record_set(rec, "industry", "MergedLoser"), 0);
    assert_int_equal(fs_update(r2, "customer", id, rec), 0);
    fs_record_free(rec);
  }
  fs_test_clock_advance(20); /* r1's write is later */
  fs_test_set_field(r1, id, "industry", "MergedWinner");
  fs_test_sync_ok(r1, NULL);
  fs_test_sync_ok(r2, NULL);
  /* A rename: the create still shows the name it gave. */
  fs_test_set_field(r1, id, "name", "Hangzhou Works Ltd");
  fs_test_sync_ok(r1, NULL);
  /* A child record appears in its customer's history. */
  fs_test_log_visit(r1, id, "2026-01-05T10:00", "talked fleet", vid);
  fs_test_sync_ok(r1, NULL);
  /* One row per change, whatever its number of fields: the create, two
   * phone edits, three industry edits, the merged change and the rename. */
  snprintf(sql, sizeof(sql), "SELECT count(*) FROM history WHERE record_id='%s'", id);
  assert_int_equal(fs_test_central_int(&w->d, sql), 8);
  /* A create's values are not copied, only which fields it set (history.h):
   * the visit's row holds a few bytes. */
  snprintf(sql, sizeof(sql), "SELECT length(fields) FROM history WHERE record_id='%s'",
           vid);
  assert_true(fs_test_central_int(&w->d, sql) < 24);
  assert_true(fs_test_central_int(&w->d, HAS("talked fleet")) == 0);

  arch = archive_of(w, id);
  out = fs_test_daemon_cmd(&w->d, NULL, "history %s", arch);
  printf("%s\n", out);
  assert_int_equal(lines_with(out, "A01", dev1, "customer", "name: - -> Hangzhou Works  ",
                              "applied", NULL),
                   1);
  assert_int_equal(lines_with(out, "A01", dev1,
                              "name: Hangzhou Works -> Hangzhou Works Ltd  applied", NULL),
                   1);
  /* The card's grade, and its first grade entry's. */
  assert_int_equal(lines_with(out, dev1, "grade: - -> B  applied", NULL), 2);
  /* Not what later changes set, as if the create had. */
  assert_int_equal(lines_with(out, "phone: - -> 0571-2222", NULL), 0);
  assert_int_equal(lines_with(out, "industry: - -> MergedWinner", NULL), 0);
  assert_int_equal(lines_with(out, "A01", dev1, "phone: - -> 0571-1111", "applied", NULL),
                   1);
  assert_int_equal(
      lines_with(out, "A01", dev2, "phone: 0571-1111 -> 0571-2222", "applied", NULL), 1);
  assert_int_equal(lines_with(out, dev1, "industry: - -> NewerValue", "applied", NULL),
                   1);
  assert_int_equal(
      lines_with(out, dev2, "industry: NewerValue -> OlderValue", "superseded", NULL), 1);
  assert_int_equal(lines_with(out, dev1, "visit", "points: - -> talked fleet", NULL), 1);
  assert_int_equal(
      lines_with(out, dev2, "revenue: - -> 1,200.00", "applied", "(change merged)", NULL), 1);
  assert_int_equal(lines_with(out, dev2, "industry: MergedWinner -> MergedLoser",
                              "superseded", "(change merged)", NULL),
                   1);
  free(out);
  /* The same by id, and as JSON. */
  out = fs_test_daemon_cmd(&w->d, NULL, "--json history %s", id);
  assert_true(out[0] == '[');
  assert_non_null(strstr(out, "\"field\":\"industry\",\"old\":\"NewerValue\",\"new\":"
                              "\"OlderValue\",\"result\":\"superseded\",\"outcome\":"
                              "\"superseded\""));
  assert_non_null(strstr(out, "\"staff\":\"A01\""));
  free(out);
  /* A child record by its own id: only its rows. */
  out = fs_test_daemon_cmd(&w->d, NULL, "history %s", vid);
  assert_int_equal(lines_with(out, "visit", "points: - -> talked fleet", NULL), 1);
  assert_int_equal(lines_with(out, "phone", NULL), 0);
  free(out);
  /* An unknown record says so and exits 1. */
  out = fs_test_daemon_cmd(&w->d, &status, "history A01-2099-9999");
  assert_int_equal(status, 1);
  free(out);
  out = fs_test_daemon_cmd(&w->d, NULL, "history --help");
  assert_non_null(strstr(out, "history"));
  free(out);
  printf("history: creation, sequential and concurrent edits (superseded) and a child "
         "visit listed with staff, device, old -> new\n");
  free(arch);
  fs_replica_close(r1);
  fs_replica_close(r2);
}

static void test_history_purged_and_erased(void **state) {
  world *w = *state;
  fs_replica *r = fs_test_enroll(&w->d, w->tmp, "A01", "a01");
  char *conf = fs_test_path(w->d.dir, "fieldsyncd.conf"), *cp, *arch, *out, id[33];
  long long now = (long long)fs_wire_now_ms(), old = now - 3LL * 86400000;
  char sql[512];
  FILE *f;
  sqlite3 *db = NULL;

  fs_test_create_customer(r, "Erase Me Ltd", "B", id);
  fs_test_set_field(r, id, "phone", "13900001234");
  fs_test_sync_ok(r, NULL);
  arch = archive_of(w, id);
  assert_true(fs_test_central_int(&w->d, HAS("13900001234")) >= 1);
  /* Retention: a row older than history_days goes with the hourly GC. */
  fs_test_daemon_kill(&w->d, SIGTERM);
  f = fopen(conf, "a");
  assert_non_null(f);
  fprintf(f, "\nhistory_days = 2\n");
  fclose(f);
  cp = fs_test_path(w->d.dir, "central.db");
  assert_int_equal(sqlite3_open(cp, &db), SQLITE_OK);
  /* fields [["grade", "OLDHISTORY"]] in msgpack (history.h). */
  snprintf(sql, sizeof(sql),
           "INSERT INTO history(at, customer, kind, record_id, staff, device, outcome, "
           "fields) VALUES(%lld, '%s', 0, '%s', 'A01', 1, 1, x'9192a5%sAA%s')",
           old, id, id, "6772616465", "4f4c44484953544f5259");
  assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close(db);
  assert_int_equal(fs_test_db_int(cp, HAS("OLDHISTORY")), 1);
  fs_test_daemon_serve(&w->d);
  assert_int_equal(fs_test_central_wait(&w->d, HAS("OLDHISTORY"), 0, 0), 0);
  assert_true(fs_test_central_int(&w->d, HAS("13900001234")) >= 1);
  /* Erase: the rows stay (who changed what, when), the values go. */
  out = fs_test_daemon_cmd(&w->d, NULL, "history %s", id);
  assert_non_null(strstr(out, "phone: - -> 13900001234"));
  free(out);
  out = fs_test_daemon_cmd(&w->d, NULL, "person erase --customer %s", arch);
  free(out);
  assert_int_equal(fs_test_central_int(&w->d, HAS("13900001234")), 0);
  assert_int_equal(fs_test_central_int(&w->d, HAS("Erase Me Ltd")), 0);
  snprintf(sql, sizeof(sql), "SELECT count(*) FROM history WHERE record_id='%s'", id);
  assert_true(fs_test_central_int(&w->d, sql) >= 2);
  out = fs_test_daemon_cmd(&w->d, NULL, "history %s", id);
  assert_non_null(strstr(out, "phone: - -> -"));
  assert_null(strstr(out, "13900001234"));
  free(out);
  printf(
      "history: rows older than history_days purged; person erase clears the values\n");
  free(arch);
  free(cp);
  free(conf);
  fs_replica_close(r);
}

/* A delete clears the record's content values from its history (the
 * fields a tombstone keeps stay); the rows stay, with a "(deleted)" row. */
static void test_history_delete_clears(void **state) {
  world *w = *state;
  fs_replica *r = fs_test_enroll(&w->d, w->tmp, "A01", "a01");
  fs_record *rec = NULL;
  char id[33], cid[33], sql[200], *out;

  fs_test_create_customer(r, "Delete Co", "B", id);
  assert_int_equal(fs_record_new("contact", &rec), 0);
  assert_int_equal(fs_record_set(rec, "customer_id", id), 0);
  assert_int_equal(fs_record_set(rec, "name", "Li Delete"), 0);
  assert_int_equal(fs_record_set(rec, "phone", "13700007777"), 0);
  assert_int_equal(fs_create(r, rec, cid), 0);
  fs_record_free(rec);
  fs_test_sync_ok(r, NULL);
  out = fs_test_daemon_cmd(&w->d, NULL, "history %s", cid);
  assert_int_equal(lines_with(out, "contact", "phone: - -> 13700007777", "applied", NULL),
                   1);
  free(out);
  assert_int_equal(fs_delete(r, "contact", cid), 0);
  fs_test_sync_ok(r, NULL);
  out = fs_test_daemon_cmd(&w->d, NULL, "history %s", cid);
  printf("%s\n", out);
  assert_null(strstr(out, "13700007777"));
  assert_null(strstr(out, "Li Delete"));
  assert_int_equal(lines_with(out, "contact", "phone: - -> -", NULL), 1);
  assert_int_equal(lines_with(out, "contact", "(deleted): - -> -", "applied", NULL), 1);
  /* The customer link is kept on a tombstone, and in the history. */
  assert_int_equal(lines_with(out, "customer_id: - -> ", id, NULL), 1);
  free(out);
  assert_int_equal(fs_test_central_int(&w->d, HAS("13700007777")), 0);
  snprintf(sql, sizeof(sql), "SELECT count(*) FROM history WHERE record_id='%s'", cid);
  assert_int_equal(fs_test_central_int(&w->d, sql), 2);
  /* The customer's own history is untouched. */
  out = fs_test_daemon_cmd(&w->d, NULL, "history %s", id);
  assert_int_equal(lines_with(out, "customer", "name: - -> Delete Co", NULL), 1);
  free(out);
  printf("history: a delete clears the record's values, keeps its rows and the link\n");
  fs_replica_close(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_history_lists_changes, setup,
                                      fs_test_world_teardown),
      cmocka_unit_test_setup_teardown(test_history_purged_and_erased, setup,
                                      fs_test_world_teardown),
      cmocka_unit_test_setup_teardown(test_history_delete_clears, setup,
                                      fs_test_world_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
