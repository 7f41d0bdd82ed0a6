/* test_daemon_backup.c - issue 16, backups that restore: `fieldsyncd backup`
 * while serving, `restore`, `verify`, the store generation that makes
 * devices re-upload what an older backup lacks, and the admin-event log
 * that keeps revocations across a restore.  A real fieldsyncd on
 * 127.0.0.1 and real replicas; the files are inspected with plain SQL.
 */
#include "daemontest.h"

#include <signal.h>
#include <stdarg.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fieldsync.h"
#include "fs_errno.h"
#include "wiretest.h"

typedef struct world {
  fs_test_daemon d;
  char *tmp;
} world;

static int setup(void **state) {
  world *w = calloc(1, sizeof(*w));
  assert_non_null(w);
  fs_test_world_start(&w->d, &w->tmp, "staff add M01 --name 'Team Lead' --role manager",
                      "staff add A01 --name 'Rep One' --manager M01",
                      "staff add A02 --name 'Rep Two' --manager M01", NULL);
  *state = w;
  return 0;
}

static int teardown(void **state) {
  world *w = *state;
  fs_test_world_stop(&w->d, w->tmp);
  free(w);
  return 0;
}

static char *tmp_file(world *w, const char *name) {
  return fs_test_path(w->tmp, name);
}

/* Runs fieldsyncd with --data dir (not the world's), returns its exit
 * status; output to the test log. */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static int
fsd(const char *dir, const char *fmt, ...) {
  char args[2048], cmd[4096];
  va_list ap;
  int st;

  va_start(ap, fmt);
  vsnprintf(args, sizeof(args), fmt, ap);
  va_end(ap);
  snprintf(cmd, sizeof(cmd), "%s/fieldsyncd --data '%s' %s 2>&1", FS_BIN, dir, args);
  printf("$ fieldsyncd --data %s %s\n", dir, args);
  fflush(stdout);
  st = system(cmd);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The count from sql run on the central store with the replica at rpath
 * attached as "r" (both read-only). */
static long long cross_int(world *w, const char *rpath, const char *sql) {
  char *central = fs_test_path(w->d.dir, "central.db");
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  char att[4200];
  long long v = -1;

  assert_int_equal(sqlite3_open_v2(central, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  snprintf(att, sizeof(att), "ATTACH 'file:%s?mode=ro' AS r", rpath);
  assert_int_equal(sqlite3_exec(db, att, NULL, NULL, NULL), SQLITE_OK);
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
    fail_msg("%s: %s", sql, sqlite3_errmsg(db));
  if (sqlite3_step(st) == SQLITE_ROW)
    v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  free(central);
  return v;
}

static long long replica_cross(world *w, const char *name, const char *sql) {
  char *dir = fs_test_path(w->tmp, name);
  char *path = fs_test_path(dir, "replica.db");
  long long v = cross_int(w, path, sql);
  free(path);
  free(dir);
  return v;
}

static void restart_after_restore(world *w, const char *backup, const char *extra) {
  fs_test_daemon_kill(&w->d, SIGTERM);
  assert_int_equal(fsd(w->d.dir, "restore '%s' --force%s", backup, extra), 0);
  assert_int_equal(fsd(w->d.dir, "verify"), 0);
  fs_test_daemon_serve(&w->d);
}

/* ---- backup, restore, verify ------------------------------------------- */

static void test_backup_restore_verify(void **state) {
  world *w = *state;
  fs_replica *a = fs_test_enroll(&w->d, w->tmp, "A01", "a01");
  char *plain = tmp_file(w, "plain.fsb"), *enc = tmp_file(w, "enc.fsb");
  char *pw = tmp_file(w, "pw"), *bad = tmp_file(w, "badpw");
  char *target = tmp_file(w, "restored"), *nolog = tmp_file(w, "nolog");
  char *db;
  struct stat sb;
  FILE *f;
  int status;

  for (int i = 0; i < 20; i++) {
    char name[32];
    snprintf(name, sizeof(name), "Backup Card %02d", i);
    fs_test_create_customer(a, name, "B", NULL);
  }
  fs_test_sync_ok(a, NULL);
  f = fopen(pw, "w");
  fputs("correct horse battery staple\n", f);
  fclose(f);
  f = fopen(bad, "w");
  fputs("not the passphrase\n", f);
  fclose(f);

  /* Online: the daemon keeps serving while the copy is made. */
  assert_int_equal(fsd(w->d.dir, "backup --to '%s'", plain), 0);
  assert_int_equal(stat(plain, &sb), 0);
  assert_int_equal(sb.st_mode & 0777, 0600);
  fs_test_create_customer(a, "After Backup", "C", NULL);
  fs_test_sync_ok(a, NULL);
  assert_int_equal(fsd(w->d.dir, "backup --to '%s' --passphrase-file '%s'", enc, pw), 0);
  assert_int_equal(stat(enc, &sb), 0);
  assert_int_equal(sb.st_mode & 0777, 0600);
  assert_int_equal(fsd(w->d.dir, "verify"), 0);
  {
    /* The encrypted file shows no customer name; the plain one does. */
    const char *const needle[] = {"Backup Card 07", NULL};
    char *only = tmp_file(w, "only");
    mkdir(only, 0700);
    char *cp = fs_test_path(only, "enc.fsb");
    rename(enc, cp);
    assert_int_equal(fs_test_traces_in(only, needle), 0);
    rename(cp, enc);
    free(cp);
    free(only);
  }

  /* A restore into the running daemon's directory is refused. */
  assert_int_equal(fsd(w->d.dir, "restore '%s' --force", plain), 1);

  /* Into a fresh directory: the admin-event log is needed (or
   * --force-insecure). */
  assert_int_equal(fsd(nolog, "restore '%s'", plain), 1);
  assert_int_equal(fsd(nolog, "restore '%s' --force-insecure", plain), 0);
  assert_int_equal(fsd(nolog, "verify"), 0);
  {
    char *ndb = fs_test_path(nolog, "central.db");
    assert_int_equal(
        fs_test_db_int(ndb, "SELECT count(*) FROM customers WHERE deleted=0"), 20);
    free(ndb);
  }
  /* Non-empty without --force: refused. */
  assert_int_equal(fsd(nolog, "restore '%s' --force-insecure", plain), 1);

  /* Encrypted: no passphrase, a wrong one, then the right one. */
  {
    char *log = fs_test_path(w->d.dir, "admin-events.log");
    assert_int_equal(fsd(target, "restore '%s' --events '%s'", enc, log), 1);
    assert_int_equal(
        fsd(target, "restore '%s' --events '%s' --passphrase-file '%s'", enc, log, bad),
        1);
    assert_int_equal(
        fsd(target, "restore '%s' --events '%s' --passphrase-file '%s'", enc, log, pw),
        0);
    free(log);
  }
  db = fs_test_path(target, "central.db");
  assert_int_equal(fs_test_db_int(db, "SELECT count(*) FROM customers WHERE deleted=0"),
                   21);
  /* A new generation, different from the serving store's. */
  {
    char q[256];
    char *src = fs_test_path(w->d.dir, "central.db");
    assert_int_equal(fs_test_db_int(db, "SELECT length(value) FROM meta WHERE "
                                        "key='generation'"),
                     32);
    snprintf(
        q, sizeof(q),
        "SELECT count(*) FROM meta WHERE key='generation' AND value IN (SELECT value "
        "FROM meta WHERE key='generation')");
    assert_int_equal(fs_test_db_int(src, "SELECT length(value) FROM meta WHERE "
                                         "key='generation'"),
                     32);
    free(src);
  }
  {
    /* The daemon key came back with the store, private. */
    char *key = fs_test_path(target, "daemon.key");
    assert_int_equal(stat(key, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    free(key);
  }
  assert_int_equal(fsd(target, "verify"), 0);
  /* A damaged store is reported: a journal entry for a record that is not
   * there, and a device of unknown staff. */
  {
    sqlite3 *h = NULL;
    assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
    assert_int_equal(
        sqlite3_exec(h,
                     "INSERT INTO journal(seq, kind, record_id, audience, op) "
                     "VALUES(999999, 0, 'ffffffffffffffffffffffffffffffff', "
                     "'A01', 1);"
                     "UPDATE devices SET staff='ZZ9' WHERE staff='A01'",
                     NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(h);
  }
  status = fsd(target, "verify");
  assert_int_equal(status, 1);

  fs_replica_close(a);
  free(db);
  free(plain);
  free(enc);
  free(pw);
  free(bad);
  free(target);
  free(nolog);
}

/* ---- recovery from the devices ----------------------------------------- */

/* Records of kind table that replica `name` holds and the central store
 * lacks (live) or holds with an older clock. */
static long long missing_central(world *w, const char *name, const char *table) {
  char sql[512];
  snprintf(sql, sizeof(sql),
           "SELECT count(*) FROM r.\"%s\" x WHERE x.deleted=0 AND NOT EXISTS (SELECT 1 "
           "FROM main.\"%s\" c WHERE c.id=x.id AND c.deleted=0 AND c.hlc >= x.hlc)",
           table, table);
  return replica_cross(w, name, sql);
}

/* Records the replica and the central store disagree on (for what the
 * replica may see: owner in owners). */
static long long diverging(world *w, const char *name, const char *table,
                           const char *owners) {
  char sql[768];
  snprintf(sql, sizeof(sql),
           "SELECT (SELECT count(*) FROM r.\"%s\" x WHERE NOT EXISTS (SELECT 1 FROM "
           "main.\"%s\" c WHERE c.id=x.id AND c.hlc=x.hlc AND c.deleted=0)) + (SELECT "
           "count(*) FROM main.\"%s\" c WHERE c.deleted=0 AND c.owner IN (%s) AND NOT "
           "EXISTS (SELECT 1 FROM r.\"%s\" x WHERE x.id=c.id))",
           table, table, table, owners, table);
  return replica_cross(w, name, sql);
}

static void test_restore_recovers_from_devices(void **state) {
  world *w = *state;
  fs_replica *a1 = fs_test_enroll(&w->d, w->tmp, "A01", "a01");
  fs_replica *a2 = fs_test_enroll(&w->d, w->tmp, "A02", "a02");
  fs_replica *m = fs_test_enroll(&w->d, w->tmp, "M01", "m01");
  char *backup = tmp_file(w, "before.fsb");
  char old1[33], old2[33], late1[33], pend[33], newcard[33];
  fs_replica *a2new;
  fs_sync_stats st;
  long long before_total, total;

  fs_test_create_customer(a1, "Old A01 Card", "B", old1);
  fs_test_create_customer(a2, "Old A02 Card", "B", old2);
  fs_test_sync_ok(a1, NULL);
  fs_test_sync_ok(a2, NULL);
  fs_test_sync_ok(m, NULL);
  assert_int_equal(fsd(w->d.dir, "backup --to '%s'", backup), 0);
  before_total = fs_test_central_int(&w->d, "SELECT count(*) FROM customers");

  /* After the backup, everyone keeps working and syncing. */
  fs_test_create_customer(a1, "Late A01 Card", "A", late1);
  fs_test_log_visit(a1, late1, "2026-11-20T10:00", "after the backup", NULL);
  fs_test_log_visit(a1, old1, "2026-11-20T11:00", "old card, new visit", NULL);
  fs_test_create_customer(a2, "Late A02 Card", "C", NULL);
  /* A phone enrolled after the backup: the restore registers it again
   * (admin-event log), so it can bring back what it holds. */
  a2new = fs_test_enroll(&w->d, w->tmp, "A02", "a02new");
  fs_test_create_customer(a2new, "New Phone Card", "A", newcard);
  fs_test_sync_ok(a2new, NULL);
  fs_test_sync_ok(a1, NULL);
  fs_test_sync_ok(a2, NULL);
  fs_test_sync_ok(m, NULL);
  /* The manager edits a rep's card and makes one of its own. */
  fs_test_set_field(m, old1, "problems", "manager note after the backup");
  fs_test_create_customer(m, "Late M01 Card", "A", NULL);
  fs_test_sync_ok(m, NULL);
  fs_test_sync_ok(a1, NULL);
  fs_test_sync_ok(a2, NULL);
  /* The manager's replica goes away: what it alone did after the backup
   * comes back through A01 (who pulled the note), its own card only
   * through itself - it syncs again below. */
  /* A01 has an unsynced change when the restore happens. */
  fs_test_create_customer(a1, "Unsynced A01 Card", "B", pend);
  total = fs_test_central_int(&w->d, "SELECT count(*) FROM customers");
  assert_true(total > before_total);

  restart_after_restore(w, backup, "");
  assert_int_equal(fs_test_central_intf(&w->d, "SELECT count(*) FROM customers"),
                   before_total);

  /* Everyone syncs: each re-uploads and takes a fresh copy. */
  memset(&st, 0, sizeof(st));
  fs_test_sync_ok(a1, &st);
  assert_true(st.recovered > 0);
  fs_test_sync_ok(a2, NULL);
  fs_test_sync_ok(a2new, NULL);
  fs_test_sync_ok(m, NULL);
  /* And once more, so each pulls what the others brought back. */
  fs_test_sync_ok(a1, NULL);
  fs_test_sync_ok(a2, NULL);
  fs_test_sync_ok(m, &st);
  assert_int_equal(st.recovered, 0); /* only once per generation */

  /* Every record any device holds is back, at its newest. */
  static const char *const tables[] = {"customers", "visits", "grade_changes"};
  for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
    assert_int_equal(missing_central(w, "a01", tables[i]), 0);
    assert_int_equal(missing_central(w, "a02", tables[i]), 0);
    assert_int_equal(missing_central(w, "m01", tables[i]), 0);
  }
  /* Nothing doubled: the same cards as before the restore, plus the
   * unsynced one. */
  assert_int_equal(fs_test_central_int(&w->d, "SELECT count(*) FROM customers"),
                   total + 1);
  assert_int_equal(fs_test_central_int(&w->d, "SELECT count(*) FROM customers WHERE "
                                              "name='Late A01 Card'"),
                   1);
  assert_int_equal(
      fs_test_central_intf(&w->d,
                           "SELECT count(*) FROM customers WHERE id='%s' AND "
                           "problems='manager note after the backup'",
                           old1),
      1);
  assert_int_equal(
      fs_test_central_intf(&w->d, "SELECT count(*) FROM customers WHERE id='%s'", pend),
      1);
  assert_int_equal(fs_test_central_int(&w->d, "SELECT count(*) FROM visits"), 2);
  assert_int_equal(fs_test_central_intf(
                       &w->d, "SELECT count(*) FROM customers WHERE id='%s'", newcard),
                   1);
  assert_int_equal(missing_central(w, "a02new", "customers"), 0);
  /* Replicas converge with the store (each for what it may see). */
  assert_int_equal(diverging(w, "a01", "customers", "'A01'"), 0);
  assert_int_equal(diverging(w, "a02", "customers", "'A02'"), 0);
  assert_int_equal(diverging(w, "m01", "customers", "'A01','A02','M01'"), 0);
  assert_int_equal(diverging(w, "m01", "visits", "'A01','A02','M01'"), 0);
  /* No change of the users' shows as rejected. */
  assert_int_equal(
      fs_test_replica_int(w->tmp, "a01",
                          "SELECT count(*) FROM outbox WHERE status='rejected'"),
      0);
  assert_int_equal(
      fs_test_replica_int(w->tmp, "m01",
                          "SELECT count(*) FROM outbox WHERE status='rejected'"),
      0);
  assert_int_equal(fsd(w->d.dir, "verify"), 0);

  fs_replica_close(a1);
  fs_replica_close(a2);
  fs_replica_close(a2new);
  fs_replica_close(m);
  free(backup);
}

/* ---- security survives a restore --------------------------------------- */

static void test_revocation_survives_restore(void **state) {
  world *w = *state;
  fs_replica *keep = fs_test_enroll(&w->d, w->tmp, "A01", "keep");
  fs_replica *lost = fs_test_enroll(&w->d, w->tmp, "A01", "lost");
  char *backup = tmp_file(w, "b.fsb"), *moved = tmp_file(w, "events.moved");
  char *log = fs_test_path(w->d.dir, "admin-events.log");
  char err[512];
  long long id;
  char *out;
  int rc;

  fs_test_sync_ok(keep, NULL);
  fs_test_sync_ok(lost, NULL);
  assert_int_equal(fsd(w->d.dir, "backup --to '%s'", backup), 0);
  id = fs_test_central_int(&w->d, "SELECT max(id) FROM devices WHERE staff='A01'");
  {
    /* A line torn by a crash mid-append (its command never committed):
     * the next append starts on a line of its own. */
    FILE *f = fopen(log, "a");
    assert_non_null(f);
    fputs("E 77 1796000000000 9301a3", f);
    fclose(f);
  }
  out = fs_test_daemon_cmd(&w->d, NULL, "revoke %lld", id);
  free(out);
  /* A02 departs after the backup: still departed after the restore. */
  out = fs_test_daemon_cmd(&w->d, NULL, "depart --yes A02 --successor A01");
  free(out);
  rc = fs_sync(lost, NULL, NULL, err, sizeof(err));
  assert_int_equal(rc, FS_EREVOKED);

  /* Without the log the restore is refused. */
  fs_test_daemon_kill(&w->d, SIGTERM);
  assert_int_equal(rename(log, moved), 0);
  assert_int_equal(fsd(w->d.dir, "restore '%s' --force", backup), 1);
  assert_int_equal(rename(moved, log), 0);
  fs_test_daemon_serve(&w->d);

  restart_after_restore(w, backup, "");
  assert_int_equal(fs_test_central_intf(&w->d,
                                        "SELECT count(*) FROM devices WHERE id=%lld "
                                        "AND status='revoked'",
                                        id),
                   1);
  assert_int_equal(fs_test_central_int(&w->d,
                                       "SELECT count(*) FROM staff WHERE code='A02' "
                                       "AND status='departed'"),
                   1);
  rc = fs_sync(lost, NULL, NULL, err, sizeof(err));
  printf("revoked device after the restore: %s\n", err);
  assert_int_equal(rc, FS_EREVOKED);
  fs_test_sync_ok(keep, NULL);
  /* The replay is in the audit log, and a second restore replays nothing
   * twice (ids at or below the store's are skipped). */
  out = fs_test_daemon_cmd(&w->d, NULL, "audit");
  assert_non_null(strstr(out, "device.revoke"));
  free(out);

  fs_replica_close(keep);
  fs_replica_close(lost);
  free(backup);
  free(moved);
  free(log);
}

/* ---- a client that knows no generations --------------------------------- */

/* A device of the previous release (here: the wire-level device, which
 * sends no generation and keeps its cursor) pulled past the backup before
 * the restore.  After the restore it must still receive what changes
 * then: the restore moves the seq counter past every cursor of the lost
 * store (store/backup.h). */
static void test_old_client_after_restore(void **state) {
  world *w = *state;
  fs_replica *a1 = fs_test_enroll(&w->d, w->tmp, "A01", "a01");
  fs_replica *a2 = fs_test_enroll(&w->d, w->tmp, "A02", "a02");
  fs_replica *m = fs_test_enroll(&w->d, w->tmp, "M01", "m01");
  char *backup = tmp_file(w, "b.fsb");
  char late[33];
  fs_wire_dev old;
  fs_wire_page page;
  uint64_t cursor;
  int found = 0;

  fs_test_create_customer(a2, "Before Backup", "B", NULL);
  fs_test_sync_ok(a2, NULL);
  fs_test_sync_ok(a1, NULL);
  fs_replica_close(m); /* its key only: the manager's device speaks the wire */
  fs_wire_load(&old, w->tmp, "m01");
  assert_int_equal(fs_wire_open(&old, NULL), 0);
  assert_int_equal(fs_wire_pull(&old, 0, &page), 0);
  assert_int_equal(fsd(w->d.dir, "backup --to '%s'", backup), 0);
  for (int i = 0; i < 10; i++) {
    char name[32];
    snprintf(name, sizeof(name), "Lost %d", i);
    fs_test_create_customer(a1, name, "C", NULL);
  }
  fs_test_sync_ok(a1, NULL);
  assert_int_equal(fs_wire_pull(&old, page.cursor, &page), 0);
  cursor = page.cursor;
  fs_wire_close(&old);

  restart_after_restore(w, backup, "");
  /* A02 syncs (re-uploads its one card) and makes a new one. */
  fs_test_sync_ok(a2, NULL);
  fs_test_create_customer(a2, "After Restore", "A", late);
  fs_test_sync_ok(a2, NULL);
  /* The old device reconnects with its cursor from the lost store. */
  assert_int_equal(fs_wire_open(&old, NULL), 0);
  do {
    assert_int_equal(fs_wire_pull(&old, cursor, &page), 0);
    for (uint32_t i = 0; i < page.ncust; i++)
      found |= strcmp(page.cust[i], late) == 0;
    cursor = page.cursor;
  } while (page.more);
  printf("old client: cursor %llu, got the card made after the restore: %s\n",
         (unsigned long long)cursor, found ? "yes" : "no");
  assert_true(found);
  fs_wire_close(&old);
  fs_wire_free(&old);
  fs_replica_close(a1);
  fs_replica_close(a2);
  free(backup);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_backup_restore_verify, setup, teardown),
      cmocka_unit_test_setup_teardown(test_restore_recovers_from_devices, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_revocation_survives_restore, setup, teardown),
      cmocka_unit_test_setup_teardown(test_old_client_after_restore, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
