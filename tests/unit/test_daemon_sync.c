/* test_daemon_sync.c - the sync engine end to end: a real fieldsyncd on
 * 127.0.0.1 in a fresh directory, several real replicas with their own data
 * directories, driven through the public libfieldsync API.
 *
 * Each test prints what it did and what it verified.
 */
#include "daemontest.h"

#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "db.h"
#include "hlc.h"
#include "fieldsync.h"
#include "msg.h"
#include "outbox.h"
#include "replica.h"
#include "store.h"

typedef fs_test_world world;

static int setup(void **state) {
  return fs_test_world_setup(state, "staff add M01 --name '王经理' --role manager",
                             "staff add A01 --name '李明' --manager M01",
                             "staff add A02 --name 'Anna Berg' --manager M01", NULL);
}

/* ---- tests ------------------------------------------------------------- */

static void test_offline_edits_converge(void **state) {
  world *w = *state;
  fs_replica *a = fs_test_enroll(&w->d, w->tmp, "A01", "a01"),
             *b = fs_test_enroll(&w->d, w->tmp, "A02", "a02");
  fs_replica *m = fs_test_enroll(&w->d, w->tmp, "M01", "m01");
  char ids[6][33];
  fs_sync_stats st;

  /* Both reps work offline. */
  fs_test_create_customer(a, "北京汽车贸易有限公司", "A", ids[0]);
  fs_test_create_customer(a, "上海物流集团", "B", ids[1]);
  fs_test_create_customer(a, "Nordic Fleet AB", "C", ids[2]);
  fs_test_log_visit(a, ids[0], "2026-11-20T10:00", "谈了车队采购计划", NULL);
  fs_test_create_customer(b, "Acme Trucks", "O", ids[3]);
  fs_test_create_customer(b, "广州汽车服务", "A", ids[4]);
  fs_test_log_visit(b, ids[3], "2026-11-21T09:30", "signed the order", NULL);
  fs_test_sync_ok(a, &st);
  assert_int_equal(st.rejected, 0);
  assert_int_equal(st.applied, st.pushed);
  fs_test_sync_ok(b, NULL);
  fs_test_sync_ok(m, &st);
  /* The manager sees the whole team; each rep only their own. */
  assert_int_equal(fs_test_replica_int(w->tmp, "m01", "SELECT count(*) FROM customers"),
                   5);
  assert_int_equal(fs_test_replica_int(w->tmp, "m01", "SELECT count(*) FROM visits"), 2);
  assert_int_equal(fs_test_replica_int(w->tmp, "a01", "SELECT count(*) FROM customers"),
                   3);
  assert_int_equal(
      fs_test_replica_int(w->tmp, "a01",
                          "SELECT count(*) FROM customers WHERE owner<>'A01'"),
      0);
  assert_int_equal(
      fs_test_replica_int(w->tmp, "a02",
                          "SELECT count(*) FROM customers WHERE owner<>'A02'"),
      0);
  assert_int_equal(fs_test_replica_int(w->tmp, "a02",
                                       "SELECT count(*) FROM visits WHERE owner<>'A02'"),
                   0);
  /* The daemon's view equals the union; Chinese text intact. */
  assert_int_equal(fs_test_central_int(&w->d, "SELECT count(*) FROM customers"), 5);
  assert_int_equal(fs_test_central_int(&w->d, "SELECT count(*) FROM customers WHERE name="
                                              "'北京汽车贸易有限公司' AND owner='A01'"),
                   1);
  {
    char *v = fs_test_get_field(m, ids[0], "name");
    assert_string_equal(v, "北京汽车贸易有限公司");
    free(v);
  }
  /* Nothing left to push anywhere. */
  {
    uint64_t p = 9, rj = 9;
    assert_int_equal(fs_outbox_count(a, &p, &rj), 0);
    assert_int_equal(p, 0);
    assert_int_equal(rj, 0);
  }
  printf("converge: 2 reps offline (5 cards, 2 visits) + manager; replicas hold only what "
         "their owner may see; daemon holds all 5\n");
  fs_replica_close(a);
  fs_replica_close(b);
  fs_replica_close(m);
}

static void test_fields_merge_and_conflict(void **state) {
  world *w = *state;
  fs_replica *r1 = fs_test_enroll(&w->d, w->tmp, "A01", "a01"),
             *r2 = fs_test_enroll(&w->d, w->tmp, "A01", "a01b");
  char id[33];
  char *v1, *v2;

  fs_test_create_customer(r1, "杭州机械厂", "B", id);
  fs_test_sync_ok(r1, NULL);
  fs_test_sync_ok(r2, NULL);
  assert_int_equal(fs_test_replica_int(w->tmp, "a01b", "SELECT count(*) FROM customers"),
                   1);
  /* Offline on both devices: different fields, and one field on both. */
  fs_test_set_field(r1, id, "phone", "0571-88888888");
  fs_test_set_field(r2, id, "address", "杭州市西湖区");
  fs_test_set_field(r1, id, "industry", "机械制造");
  fs_test_clock_advance(50); /* r2's write is later: it wins the same-field conflict */
  fs_test_set_field(r2, id, "industry", "Machinery");
  fs_test_sync_ok(r1, NULL);
  fs_test_sync_ok(r2, NULL);
  fs_test_sync_ok(r1, NULL);
  v1 = fs_test_get_field(r1, id, "phone");
  v2 = fs_test_get_field(r2, id, "phone");
  assert_string_equal(v1, "0571-88888888");
  assert_string_equal(v2, "0571-88888888");
  free(v1);
  free(v2);
  v1 = fs_test_get_field(r1, id, "address");
  v2 = fs_test_get_field(r2, id, "address");
  assert_string_equal(v1, "杭州市西湖区");
  assert_string_equal(v2, "杭州市西湖区");
  free(v1);
  free(v2);
  v1 = fs_test_get_field(r1, id, "industry");
  v2 = fs_test_get_field(r2, id, "industry");
  assert_string_equal(v1, v2);
  assert_string_equal(v1, "Machinery");
  free(v1);
  free(v2);
  /* The losing value is in the daemon's conflict log and on the device. */
  assert_int_equal(fs_test_central_int(
                       &w->d, "SELECT count(*) FROM conflicts WHERE field='industry' AND "
                              "loser='机械制造' AND winner='Machinery'"),
                   1);
  assert_true(
      fs_test_replica_int(w->tmp, "a01",
                          "SELECT count(*) FROM conflicts WHERE loser='机械制造'") >= 1);
  printf("merge: different fields from two devices both survive; same-field conflict -> "
         "'Machinery' on both replicas, loser '机械制造' in the conflict log\n");
  fs_replica_close(r1);
  fs_replica_close(r2);
}

static void test_forbidden_write_rejected_and_kept(void **state) {
  world *w = *state;
  fs_replica *a = fs_test_enroll(&w->d, w->tmp, "A01", "a01"),
             *b = fs_test_enroll(&w->d, w->tmp, "A02", "a02");
  char theirs[33];
  fs_change ch;
  fs_outcome oc;
  fs_sync_stats st;
  uint64_t pending = 0, rejected = 0;
  sqlite3 *db = fs__replica_db(a);

  fs_test_create_customer(b, "Someone Else's Customer", "A", theirs);
  fs_test_sync_ok(b, NULL);
  /* A hostile or buggy client: write straight into A01's replica and
   * outbox a change to A02's card (the library itself refuses this). */
  memset(&ch, 0, sizeof(ch));
  ch.kind = FS_KIND_CUSTOMER;
  snprintf(ch.id, sizeof(ch.id), "%s", theirs);
  ch.op = FS_OP_UPSERT;
  snprintf(ch.owner, sizeof(ch.owner), "A01");
  snprintf(ch.author, sizeof(ch.author), "A01");
  ch.hlc = fs__hlc_now(fs__replica_hlc(a));
  ch.nfields = 1;
  ch.fields = calloc(1, sizeof(*ch.fields));
  ch.fields[0].field = 1; /* name */
  ch.fields[0].hlc = ch.hlc;
  assert_int_equal(fs__value_set_text(&ch.fields[0].value, "hijacked", 8), 0);
  assert_int_equal(fs__db_begin(db), 0);
  assert_int_equal(fs__store_apply(db, &ch, 0, NULL, NULL, &oc), 0);
  assert_int_equal(fs__outbox_append(a, &ch), 0);
  assert_int_equal(fs__db_commit(db), 0);
  fs__change_release(&ch);

  fs_test_sync_ok(a, &st);
  assert_int_equal(st.rejected, 1);
  assert_int_equal(fs_outbox_count(a, &pending, &rejected), 0);
  assert_int_equal(rejected, 1);
  assert_int_equal(
      fs_test_replica_int(w->tmp, "a01",
                          "SELECT count(*) FROM outbox WHERE status='rejected' "
                          "AND reason LIKE '%belongs to A02%'"),
      1);
  /* Nothing of it reached the store. */
  assert_int_equal(
      fs_test_central_int(&w->d, "SELECT count(*) FROM customers WHERE name='hijacked'"),
      0);
  /* A rejected change is not pushed again. */
  fs_test_sync_ok(a, &st);
  assert_int_equal(st.pushed, 0);
  printf("forbidden: a change to A02's card from A01's device is rejected with a reason, "
         "kept in the outbox as rejected, and nothing stored\n");
  fs_replica_close(a);
  fs_replica_close(b);
}

/* Forks a child that runs one sync of dir and is killed after delay_us. */
static void sync_and_kill(const char *dir, useconds_t delay_us) {
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    fs_replica *r = NULL;
    char err[256];
    fs_sync_stats st;
    if (fs_replica_open(dir, &r) == 0)
      fs_sync(r, NULL, &st, err, sizeof(err));
    _exit(0);
  }
  usleep(delay_us);
  kill(pid, SIGKILL);
  waitpid(pid, NULL, 0);
}

static void make_batch(fs_replica *r, int n, const char *prefix) {
  for (int i = 0; i < n; i++) {
    char name[64], id[33];
    snprintf(name, sizeof(name), "%s %05d 客户", prefix, i);
    fs_test_create_customer(r, name, i % 2 ? "B" : "C", id);
    if (i % 3 == 0)
      fs_test_log_visit(r, id, "2026-11-22T15:00", "follow-up", NULL);
  }
}

static void test_client_killed_mid_sync(void **state) {
  world *w = *state;
  fs_replica *a = fs_test_enroll(&w->d, w->tmp, "A01", "a01");
  char *dir = fs_test_path(w->tmp, "a01");
  char *dir2;
  fs_replica *a2;
  int n = 1500, kills = 0;
  long long expect_rows;

  make_batch(a, n, "kill");
  fs_replica_close(a);
  /* Kill the client at growing delays while it pushes. */
  for (int i = 0; i < 8; i++, kills++)
    sync_and_kill(dir, (useconds_t)(5000 + i * 15000));
  assert_int_equal(fs_replica_open(dir, &a), 0);
  fs_test_sync_ok(a, NULL);
  expect_rows = n + n + (n + 2) / 3; /* cards, their first grade entries, visits */
  assert_int_equal(fs_test_central_int(&w->d, "SELECT count(*) FROM customers"), n);
  assert_int_equal(fs_test_central_int(&w->d, "SELECT count(*) FROM visits"),
                   (n + 2) / 3);
  assert_int_equal(
      fs_test_central_int(&w->d, "SELECT count(*) FROM applied WHERE outcome<>4"),
      expect_rows);
  assert_int_equal(fs_test_replica_int(w->tmp, "a01", "SELECT count(*) FROM outbox"), 0);
  assert_int_equal(
      fs_test_replica_int(
          w->tmp, "a01",
          "SELECT count(*) FROM pragma_integrity_check WHERE integrity_check<>'ok'"),
      0);
  /* A second device pulls everything while being killed mid-pull. */
  a2 = fs_test_enroll(&w->d, w->tmp, "A01", "a01c");
  fs_replica_close(a2);
  dir2 = fs_test_path(w->tmp, "a01c");
  for (int i = 0; i < 6; i++, kills++)
    sync_and_kill(dir2, (useconds_t)(3000 + i * 10000));
  assert_int_equal(fs_replica_open(dir2, &a2), 0);
  fs_test_sync_ok(a2, NULL);
  assert_int_equal(fs_test_replica_int(w->tmp, "a01c", "SELECT count(*) FROM customers"),
                   n);
  assert_int_equal(
      fs_test_replica_int(w->tmp, "a01c", "SELECT count(DISTINCT id) FROM customers"), n);
  assert_int_equal(fs_test_replica_int(w->tmp, "a01c", "SELECT count(*) FROM visits"),
                   (n + 2) / 3);
  printf("client kill -9: %d kills mid-push and mid-pull; %d cards and %d visits stored "
         "exactly once, outbox empty, fresh device has all of them\n",
         kills, n, (n + 2) / 3);
  fs_replica_close(a);
  fs_replica_close(a2);
  free(dir);
  free(dir2);
}

static void test_daemon_killed_mid_push(void **state) {
  world *w = *state;
  fs_replica *a = fs_test_enroll(&w->d, w->tmp, "A01", "a01");
  char *dir = fs_test_path(w->tmp, "a01");
  int n = 1500, kills = 0;
  char err[256];
  fs_sync_stats st;

  make_batch(a, n, "crash");
  fs_replica_close(a);
  for (int i = 0; i < 5; i++, kills++) {
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
      fs_replica *r = NULL;
      if (fs_replica_open(dir, &r) == 0)
        fs_sync(r, NULL, &st, err, sizeof(err));
      fs_replica_close(r);
      _exit(0);
    }
    usleep((useconds_t)(20000 + i * 20000));
    fs_test_daemon_kill(&w->d, SIGKILL);
    waitpid(pid, NULL, 0);
    fs_test_daemon_serve(&w->d); /* same port */
  }
  assert_int_equal(fs_replica_open(dir, &a), 0);
  fs_test_sync_ok(a, NULL);
  fs_test_sync_ok(a, &st);
  assert_int_equal(st.pushed, 0);
  assert_int_equal(fs_test_central_int(&w->d, "SELECT count(*) FROM customers"), n);
  assert_int_equal(fs_test_central_int(&w->d, "SELECT count(*) FROM visits"),
                   (n + 2) / 3);
  assert_int_equal(fs_test_central_int(&w->d, "SELECT count(*) FROM grade_changes"), n);
  assert_int_equal(fs_test_replica_int(w->tmp, "a01", "SELECT count(*) FROM outbox"), 0);
  {
    char *p = fs_test_path(w->d.dir, "central.db");
    sqlite3 *db = NULL;
    sqlite3_stmt *s = NULL;
    assert_int_equal(sqlite3_open_v2(p, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(s, 0), "ok");
    sqlite3_finalize(s);
    sqlite3_close(db);
    free(p);
  }
  printf("daemon kill -9: %d crashes during pushes; afterwards %d cards, %d visits, %d grade "
         "entries each stored once; integrity_check ok\n",
         kills, n, (n + 2) / 3, n);
  fs_replica_close(a);
  free(dir);
}

/* A watching manager's device receives a rep's new card by itself: the
 * pull that brings it follows a NOTIFY (it ends in on_change), the only
 * pull an idle watcher makes. */
static void test_live_watch(void **state) {
  world *w = *state;
  fs_replica *a = fs_test_enroll(&w->d, w->tmp, "A01", "a01");
  fs_replica *m = fs_test_enroll(&w->d, w->tmp, "M01", "m01");
  fs_test_watcher wt;
  char id[33];
  uint64_t t0;
  int notifies;

  fs_test_sync_ok(m, NULL);
  fs_replica_close(m);
  fs_test_watcher_start(&wt, w->tmp, "m01");
  fs_test_create_customer(a, "Live Update GmbH", "A", id);
  t0 = fs__now_ms();
  fs_test_sync_ok(a, NULL);
  /* No further sync by the manager: the row must arrive by itself. */
  notifies = fs_test_watcher_wait(
      &wt, "SELECT count(*) FROM customers WHERE name='Live Update GmbH'", 1, 5000);
  fs_test_watcher_stop(&wt);
  assert_true(notifies >= 1);
  printf("live: a watching manager device received a rep's new card through a NOTIFY "
         "within %llu ms of the push, without syncing itself\n",
         (unsigned long long)(fs__now_ms() - t0));
  fs_replica_close(a);
}

static void test_replica_locks_after_days(void **state) {
  world *w = *state;
  fs_replica *a = fs_test_enroll(&w->d, w->tmp, "A01", "a01");
  char id[33];
  char *dir = fs_test_path(w->tmp, "a01");
  char *path = fs_test_path(dir, "replica.db");
  sqlite3 *db = NULL;
  fs_record *rec = NULL;
  long long stale = (long long)fs__now_ms() - 31LL * 86400000LL;
  char sql[128];

  fs_test_create_customer(a, "Lock Test Ltd", "B", id);
  fs_test_sync_ok(a, NULL);
  fs_replica_close(a);
  /* The device was last in touch 31 days ago. */
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  snprintf(sql, sizeof(sql), "UPDATE meta SET value=%lld WHERE key='last_sync'", stale);
  assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close(db);
  assert_int_equal(fs_replica_open(dir, &a), 0);
  assert_int_equal(fs_get(a, "customer", id, &rec), FS_ELOCKED);
  assert_non_null(strstr(fs_replica_last_error(a), "fieldsync sync"));
  assert_int_equal(fs_record_new("customer", &rec), 0);
  assert_int_equal(fs_record_set(rec, "name", "x"), 0);
  assert_int_equal(fs_record_set(rec, "grade", "C"), 0);
  assert_int_equal(fs_create(a, rec, NULL), FS_ELOCKED);
  fs_record_free(rec);
  rec = NULL;
  /* Syncing unlocks it. */
  fs_test_sync_ok(a, NULL);
  assert_int_equal(fs_get(a, "customer", id, &rec), 0);
  fs_record_free(rec);
  printf("lock: a replica unsynced for 31 days refuses reads and writes with a clear message "
         "until it syncs again\n");
  fs_replica_close(a);
  free(path);
  free(dir);
}

static void test_tombstone_gc_and_resync(void **state) {
  world *w = *state;
  fs_replica *a = fs_test_enroll(&w->d, w->tmp, "A01", "a01"),
             *b = fs_test_enroll(&w->d, w->tmp, "A01", "a01b");
  char c1[33], c2[33], c3[33];
  fs_sync_stats st;
  char sql[200], *out, *v;
  fs_record *rec = NULL;
  uint64_t pending = 9, rejected = 9;

  fs_test_create_customer(a, "To Be Deleted", "C", c1);
  fs_test_create_customer(a, "Stays", "B", c2);
  fs_test_create_customer(a, "Edited Offline", "A", c3);
  fs_test_sync_ok(a, NULL);
  fs_test_sync_ok(b, NULL);
  assert_int_equal(fs_test_replica_int(w->tmp, "a01b", "SELECT count(*) FROM customers"),
                   3);
  /* b goes quiet with an unsynced edit; the manager deletes a card (a
   * rep's delete is a request, issue 14). */
  fs_test_set_field(b, c3, "phone", "010-12345678");
  {
    fs_replica *m = fs_test_enroll(&w->d, w->tmp, "M01", "m01");
    fs_test_sync_ok(m, NULL);
    assert_int_equal(fs_delete(m, "customer", c1), 0);
    fs_test_sync_ok(m, NULL);
    fs_replica_close(m);
  }
  fs_test_sync_ok(a, NULL);
  snprintf(sql, sizeof(sql), "SELECT count(*) FROM customers WHERE id='%s' AND deleted=1", c1);
  assert_int_equal(fs_test_central_int(&w->d, sql), 1);
  /* Collect tombstones as if every device had been away longer than the
   * retention: b is now behind the horizon. */
  out = fs_test_daemon_cmd(&w->d, NULL, "gc --keep-days 0");
  assert_non_null(strstr(out, "purged 1 tombstone"));
  free(out);
  snprintf(sql, sizeof(sql), "SELECT count(*) FROM customers WHERE id='%s'", c1);
  assert_int_equal(fs_test_central_int(&w->d, sql), 0);
  /* b comes back: fresh snapshot, its offline edit survives and is pushed. */
  fs_test_sync_ok(b, &st);
  assert_int_equal(fs_get(b, "customer", c1, &rec), FS_ENOTFOUND);
  assert_int_equal(fs_test_replica_int(w->tmp, "a01b", "SELECT count(*) FROM customers"),
                   2);
  v = fs_test_get_field(b, c3, "phone");
  assert_string_equal(v, "010-12345678");
  free(v);
  assert_int_equal(fs_outbox_count(b, &pending, &rejected), 0);
  assert_int_equal(pending, 0);
  snprintf(sql, sizeof(sql), "SELECT count(*) FROM customers WHERE id='%s' AND "
                             "phone='010-12345678'",
           c3);
  assert_int_equal(fs_test_central_int(&w->d, sql), 1);
  assert_int_equal(
      fs_test_replica_int(w->tmp, "a01b", "SELECT count(*) FROM resync_seen"), 0);
  printf("gc: a tombstone every device had passed was purged; a device behind the horizon "
         "resynced from a snapshot (deleted card gone, %llu removed) and kept its unsynced "
         "edit\n",
         (unsigned long long)st.removed);
  /* A device enrolled after the purge takes its first snapshot one row per
   * page: every page lies below the GC floor, none may be refused (the
   * floor is the newest purged entry, and this snapshot began after it). */
  {
    fs_replica *n = fs_test_enroll(&w->d, w->tmp, "A01", "a01n");
    fs_sync_options o;
    char err[512];
    out = fs_test_daemon_cmd(&w->d, NULL, "gc --keep-days 0");
    free(out);
    memset(&o, 0, sizeof(o));
    o.page = 1;
    memset(&st, 0, sizeof(st));
    assert_int_equal(fs_sync(n, &o, &st, err, sizeof(err)), 0);
    assert_true(st.pages > 2);
    assert_int_equal(
        fs_test_replica_int(w->tmp, "a01n", "SELECT count(*) FROM customers"), 2);
    assert_int_equal(
        fs_test_replica_int(w->tmp, "a01n", "SELECT count(*) FROM resync_seen"), 0);
    printf("gc: a device enrolled after the purge pulled its snapshot in %llu one-row pages "
           "without being sent back to cursor 0\n",
           (unsigned long long)st.pages);
    fs_replica_close(n);
  }
  fs_replica_close(a);
  fs_replica_close(b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_offline_edits_converge, setup,
                                      fs_test_world_teardown),
      cmocka_unit_test_setup_teardown(test_fields_merge_and_conflict, setup,
                                      fs_test_world_teardown),
      cmocka_unit_test_setup_teardown(test_forbidden_write_rejected_and_kept, setup,
                                      fs_test_world_teardown),
      cmocka_unit_test_setup_teardown(test_client_killed_mid_sync, setup,
                                      fs_test_world_teardown),
      cmocka_unit_test_setup_teardown(test_daemon_killed_mid_push, setup,
                                      fs_test_world_teardown),
      cmocka_unit_test_setup_teardown(test_live_watch, setup, fs_test_world_teardown),
      cmocka_unit_test_setup_teardown(test_replica_locks_after_days, setup,
                                      fs_test_world_teardown),
      cmocka_unit_test_setup_teardown(test_tombstone_gc_and_resync, setup,
                                      fs_test_world_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
