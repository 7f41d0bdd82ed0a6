/* test_daemon_modelgen.c - model generations (PROTOCOL.md 5.5.1, 8.1).
 *
 * A kind introduced after release 0.1.0 (generation 2: sales_period,
 * day_signoff, activity_plan) must never reach a device that cannot decode
 * it: the 0.1.0 client stops its pull at a batch of an unknown kind.  A
 * device names the newest generation it decodes in HELLO `model`; without
 * the key it is a 0.1.0 device.  The daemon decides per PULL from what the
 * session's HELLO said, and a client that learns new kinds by an upgrade
 * takes one fresh snapshot so it receives the records it was never sent,
 * keeping its unsynced changes.
 *
 * The device side is a wire-level client with A01's real device key, so
 * the HELLO is exactly what the test says.
 */
#include "daemontest.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs_errno.h"
#include "model.h"
#include "msg.h"
#include "wiretest.h"

static int setup(void **state) {
  return fs_test_world_setup(state, "staff add A01 --name 'Li' --role rep", NULL);
}

/* A01's month of sales for customer cust. */
static void add_sales(fs_replica *r, const char *cust, const char *period, char id[33]) {
  fs_record *rec = NULL;

  assert_int_equal(fs_record_new("sales_period", &rec), 0);
  assert_int_equal(fs_record_set(rec, "customer_id", cust), 0);
  assert_int_equal(fs_record_set(rec, "period", period), 0);
  assert_int_equal(fs_record_set(rec, "revenue", "1250000"), 0);
  assert_int_equal(fs_record_set(rec, "units", "3"), 0);
  assert_int_equal(fs_record_set(rec, "share", "40"), 0);
  if (fs_create(r, rec, id) != 0)
    fail_msg("sales_period: %s", fs_replica_last_error(r));
  fs_record_free(rec);
}

/* One snapshot pulled by a wire device with A01's key whose HELLO carries
 * `model` (0: no key). */
static void pull_with_model(fs_test_world *w, uint64_t model, fs_wire_page *page) {
  fs_wire_hello hello = {0};
  fs_wire_dev h;

  fs_wire_load(&h, w->tmp, "a01");
  hello.model = model;
  assert_int_equal(fs_wire_open(&h, &hello), 0);
  assert_int_equal(fs_wire_pull(&h, 0, page), 0);
  assert_int_equal(page->error, 0);
  fs_wire_free(&h);
}

static void test_hello_model_cuts_pull(void **state) {
  fs_test_world *w = *state;
  fs_replica *a = fs_test_world_device(w, "A01", "a01");
  fs_wire_page page;
  char cust[33], sp[33];

  fs_test_create_customer(a, "Acme", "B", cust);
  add_sales(a, cust, "2026-11-01", sp);
  fs_test_sync_ok(a, NULL);
  assert_int_equal(
      fs_test_central_intf(&w->d, "SELECT count(*) FROM sales_periods WHERE id='%s'", sp),
      1);

  /* No `model`: a 0.1.0 device.  It gets the card, never the new kind. */
  pull_with_model(w, 0, &page);
  assert_int_equal(page.kind_rows[FS_KIND_CUSTOMER], 1);
  assert_int_equal(page.kind_rows[FS_KIND_SALES_PERIOD], 0);
  assert_true(page.kind_rows[FS_KIND_GRADE_CHANGE] >= 1);

  /* Generation 1 said explicitly: the same. */
  pull_with_model(w, 1, &page);
  assert_int_equal(page.kind_rows[FS_KIND_CUSTOMER], 1);
  assert_int_equal(page.kind_rows[FS_KIND_SALES_PERIOD], 0);

  /* This build's generation: everything. */
  pull_with_model(w, FS_MODEL_GENERATION, &page);
  assert_int_equal(page.kind_rows[FS_KIND_CUSTOMER], 1);
  assert_int_equal(page.kind_rows[FS_KIND_SALES_PERIOD], 1);

  /* A newer app than the daemon gets what the daemon has. */
  pull_with_model(w, 1000, &page);
  assert_int_equal(page.kind_rows[FS_KIND_SALES_PERIOD], 1);
}

/* The tombstone of a generation-2 record is a row of that kind: an older
 * device is not sent it either, and its pull goes on past it. */
static void test_tombstone_of_new_kind_cut_too(void **state) {
  fs_test_world *w = *state;
  fs_replica *a = fs_test_world_device(w, "A01", "a01");
  fs_wire_page page, again;
  char cust[33], sp[33];

  fs_test_create_customer(a, "Acme", "B", cust);
  add_sales(a, cust, "2026-10-01", sp);
  fs_test_sync_ok(a, NULL);
  pull_with_model(w, 0, &page);
  assert_int_equal(fs_delete(a, "sales_period", sp), 0);
  fs_test_sync_ok(a, NULL);
  {
    fs_wire_hello hello = {0};
    fs_wire_dev h;
    fs_wire_load(&h, w->tmp, "a01");
    assert_int_equal(fs_wire_open(&h, &hello), 0);
    assert_int_equal(fs_wire_pull(&h, page.cursor, &again), 0);
    assert_int_equal(again.rows, 0);
    assert_true(again.cursor > page.cursor); /* moved past the tombstone */
    fs_wire_free(&h);
  }
}

static void replica_exec(fs_test_world *w, const char *name, const char *sql) {
  char path[1024];
  sqlite3 *db = NULL;

  snprintf(path, sizeof(path), "%s/%s/replica.db", w->tmp, name);
  assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
  sqlite3_busy_timeout(db, 10000);
  if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
    fail_msg("%s: %s", sql, sqlite3_errmsg(db));
  sqlite3_close(db);
}

/* A replica last pulled by an app of generation 1 (no "model" in its meta,
 * cursor past the records it was never sent) catches up once: its next
 * sync takes a fresh snapshot, receives the generation-2 records and keeps
 * and pushes its own unsynced change; the sync after is incremental again. */
static void test_upgraded_client_catches_up_once(void **state) {
  fs_test_world *w = *state;
  fs_replica *a = fs_test_world_device(w, "A01", "a01");
  fs_replica *b = fs_test_world_device(w, "A01", "a01b");
  char cust[33], sp[33], visit[33];

  fs_test_create_customer(a, "Acme", "B", cust);
  add_sales(a, cust, "2026-09-01", sp);
  fs_test_sync_ok(a, NULL);
  fs_test_sync_ok(b, NULL);
  assert_int_equal(
      fs_test_replica_int(w->tmp, "a01b", "SELECT count(*) FROM sales_periods"), 1);
  assert_int_equal(
      fs_test_replica_int(w->tmp, "a01b", "SELECT value FROM meta WHERE key='model'"),
      FS_MODEL_GENERATION);

  /* As a 0.1.0 replica upgraded in place would be. */
  replica_exec(w, "a01b",
               "DELETE FROM sales_periods; DELETE FROM meta WHERE key='model'");
  assert_true(fs_test_replica_int(w->tmp, "a01b",
                                  "SELECT value FROM meta WHERE key='cursor'") > 0);
  fs_test_log_visit(b, cust, "2026-11-02T10:00", "price talk", visit);

  fs_test_sync_ok(b, NULL);
  assert_int_equal(
      fs_test_replica_intf(w->tmp, "a01b",
                           "SELECT count(*) FROM sales_periods WHERE id='%s'", sp),
      1);
  assert_int_equal(
      fs_test_replica_int(w->tmp, "a01b", "SELECT value FROM meta WHERE key='model'"),
      FS_MODEL_GENERATION);
  assert_int_equal(fs_test_replica_intf(w->tmp, "a01b",
                                        "SELECT count(*) FROM visits WHERE id='%s'",
                                        visit),
                   1);
  assert_int_equal(
      fs_test_central_intf(&w->d, "SELECT count(*) FROM visits WHERE id='%s'", visit), 1);
  assert_int_equal(fs_test_replica_int(w->tmp, "a01b", "SELECT count(*) FROM outbox"), 0);
  assert_int_equal(
      fs_test_replica_int(w->tmp, "a01b", "SELECT count(*) FROM resync_seen"), 0);

  /* Once: a record lost locally now stays lost until it changes (the
   * cursor is past it), which shows the next sync did not re-snapshot. */
  replica_exec(w, "a01b", "DELETE FROM sales_periods");
  fs_test_sync_ok(b, NULL);
  assert_int_equal(
      fs_test_replica_int(w->tmp, "a01b", "SELECT count(*) FROM sales_periods"), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_hello_model_cuts_pull, setup,
                                      fs_test_world_teardown),
      cmocka_unit_test_setup_teardown(test_tombstone_of_new_kind_cut_too, setup,
                                      fs_test_world_teardown),
      cmocka_unit_test_setup_teardown(test_upgraded_client_catches_up_once, setup,
                                      fs_test_world_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
