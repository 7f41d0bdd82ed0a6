/* test_daemon_crashloop.c - issue 7: nothing acknowledged is lost when the
 * daemon or the clients are killed with SIGKILL at random moments.
 *
 * Several devices (two of rep A01, one of rep A02, one manager M01) work
 * offline every round (new cards, visits, edits), then sync in forked child
 * processes while the test kill -9s either the daemon (restarted on the same
 * port) or the syncing clients after a random delay.  After the last round
 * every device syncs until its outbox is empty and the test checks:
 *   - every card and visit created on a device is in central.db exactly once;
 *   - outboxes are empty (every change was acknowledged);
 *   - each rep replica holds exactly the central rows of its owner (same ids,
 *     names, phones, grades), the manager's holds all of them;
 *   - PRAGMA integrity_check is "ok" on central.db and every replica.db.
 *
 * Short by default (20 rounds each); FS_CRASH_ROUNDS=200 for the long run,
 * FS_CRASH_SEED to replay a run (the seed is printed).
 */
#include "daemontest.h"

#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fieldsync.h"

#define NDEV 4

typedef struct dev {
  const char *staff;
  const char *name; /* directory under w->tw.tmp; also the card name prefix */
  int cards, visits, edits;
  char last[33]; /* a card of this device, for edits */
} dev;

typedef struct world {
  fs_test_world tw; /* first: daemontest.h */
  dev devs[NDEV];
  unsigned seed;
  int rounds;
} world;

static int env_int(const char *name, int def) {
  const char *v = getenv(name);
  return v && *v ? atoi(v) : def;
}

static int setup(void **state) {
  static const char *staff[NDEV] = {"A01", "A01", "A02", "M01"};
  static const char *names[NDEV] = {"a01", "a01b", "a02", "m01"};
  world *w;

  fs_test_world_setup_size(state, sizeof(world),
                           "staff add M01 --name 'Manager' --role manager",
                           "staff add A01 --name '李明' --manager M01",
                           "staff add A02 --name 'Anna' --manager M01", NULL);
  w = *state;
  for (int i = 0; i < NDEV; i++) {
    /* Enrolled here, opened by each (forked) round. */
    fs_replica_close(fs_test_enroll(&w->tw.d, w->tw.tmp, staff[i], names[i]));
    w->devs[i].staff = staff[i];
    w->devs[i].name = names[i];
  }
  w->seed = (unsigned)env_int("FS_CRASH_SEED", (int)(time(NULL) ^ getpid()));
  w->rounds = env_int("FS_CRASH_ROUNDS", 20);
  srand(w->seed);
  *state = w;
  return 0;
}

static fs_replica *open_dev(world *w, const dev *v) {
  char *dir = fs_test_path(w->tw.tmp, v->name);
  fs_replica *r = NULL;
  int rc = fs_replica_open(dir, &r);
  if (rc)
    fail_msg("open %s: %s", dir, fs_strerror(rc));
  free(dir);
  return r;
}

/* Offline work of one round on a rep device: 3 cards, a visit, an edit. */
static void work(world *w, dev *v, int round) {
  fs_replica *r = open_dev(w, v);
  for (int i = 0; i < 3; i++) {
    fs_record *rec = NULL;
    char name[96], id[33];
    snprintf(name, sizeof(name), "%s r%04d c%d 客户", v->name, round, i);
    assert_int_equal(fs_record_new("customer", &rec), 0);
    assert_int_equal(fs_record_set(rec, "name", name), 0);
    assert_int_equal(fs_record_set(rec, "grade", i % 2 ? "B" : "C"), 0);
    if (fs_create(r, rec, id))
      fail_msg("create: %s", fs_replica_last_error(r));
    fs_record_free(rec);
    v->cards++;
    if (i == 0) {
      assert_int_equal(fs_record_new("visit", &rec), 0);
      assert_int_equal(fs_record_set(rec, "customer_id", id), 0);
      assert_int_equal(fs_record_set(rec, "at", "2026-11-22T15:00"), 0);
      assert_int_equal(fs_record_set(rec, "method", "phone"), 0);
      if (fs_create(r, rec, NULL))
        fail_msg("visit: %s", fs_replica_last_error(r));
      fs_record_free(rec);
      v->visits++;
    }
  }
  if (v->last[0]) {
    fs_record *rec = NULL;
    char phone[32];
    snprintf(phone, sizeof(phone), "0571-%08d", round);
    assert_int_equal(fs_record_new("customer", &rec), 0);
    assert_int_equal(fs_record_set(rec, "phone", phone), 0);
    if (fs_update(r, "customer", v->last, rec))
      fail_msg("update: %s", fs_replica_last_error(r));
    fs_record_free(rec);
    v->edits++;
  }
  {
    /* Remember the newest card for next round's edit. */
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    char *dir = fs_test_path(w->tw.tmp, v->name), *p = fs_test_path(dir, "replica.db");
    char sql[160];
    snprintf(sql, sizeof(sql), "SELECT id FROM customers WHERE name LIKE '%s r%%' ORDER BY "
             "name DESC LIMIT 1", v->name);
    assert_int_equal(sqlite3_open_v2(p, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    if (sqlite3_step(st) == SQLITE_ROW)
      snprintf(v->last, sizeof(v->last), "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(db);
    free(p);
    free(dir);
  }
  fs_replica_close(r);
}

/* Forks a child syncing device v (once); returns its pid. */
static pid_t sync_child(world *w, const dev *v) {
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    char *dir = fs_test_path(w->tw.tmp, v->name);
    fs_replica *r = NULL;
    fs_sync_options o;
    fs_sync_stats st;
    char err[256];
    int rc = 1;
    memset(&o, 0, sizeof(o));
    o.timeout_ms = 3000;
    o.page = 7; /* small pages: many commits a kill can land between */
    if (fs_replica_open(dir, &r) == 0)
      rc = fs_sync(r, &o, &st, err, sizeof(err));
    fs_replica_close(r);
    free(dir);
    _exit(rc ? 1 : 0);
  }
  return pid;
}

/* Syncs every device in-process until nothing is pending (daemon up). */
static void final_sync(world *w) {
  for (int pass = 0; pass < 2; pass++)
    for (int i = 0; i < NDEV; i++) {
      fs_replica *r = open_dev(w, &w->devs[i]);
      fs_sync_stats st;
      char err[256];
      uint64_t pending = 1, rejected = 1;
      int rc = fs_sync(r, NULL, &st, err, sizeof(err));
      if (rc)
        fail_msg("final sync %s: %s (%s)", w->devs[i].name, err, fs_strerror(rc));
      assert_int_equal(st.rejected, 0);
      assert_int_equal(fs_outbox_count(r, &pending, &rejected), 0);
      assert_int_equal(pending, 0);
      assert_int_equal(rejected, 0);
      fs_replica_close(r);
    }
}

static void check_integrity(const char *path) {
  char *t = fs_test_db_text(path, "PRAGMA integrity_check");
  if (strcmp(t, "ok") != 0)
    fail_msg("integrity_check %s: %s", path, t);
  free(t);
}

/* Fingerprint of the live cards (and visits) of owner ("" = all). */
static char *fingerprint(const char *path, const char *owner) {
  char sql[600];
  char *a, *b, *out;
  snprintf(sql, sizeof(sql),
           "SELECT count(*) || ':' || coalesce(group_concat(id || '|' || name || '|' || "
           "coalesce(phone,'') || '|' || grade, ';'), '') FROM (SELECT * FROM customers "
           "WHERE deleted=0 AND ('%s'='' OR owner='%s') ORDER BY id)",
           owner, owner);
  a = fs_test_db_text(path, sql);
  snprintf(sql, sizeof(sql),
           "SELECT count(*) || ':' || coalesce(group_concat(id || '|' || customer_id, ';'), '') "
           "FROM (SELECT * FROM visits WHERE deleted=0 AND ('%s'='' OR owner='%s') ORDER BY id)",
           owner, owner);
  b = fs_test_db_text(path, sql);
  out = malloc(strlen(a) + strlen(b) + 2);
  assert_non_null(out);
  sprintf(out, "%s#%s", a, b);
  free(a);
  free(b);
  return out;
}

static void verify(world *w, const char *what, int faults) {
  char *central = fs_test_path(w->tw.d.dir, "central.db");
  int total_cards = 0, total_visits = 0, total_edits = 0;
  char sql[256];

  check_integrity(central);
  for (int i = 0; i < NDEV; i++) {
    dev *v = &w->devs[i];
    char *dir = fs_test_path(w->tw.tmp, v->name), *p = fs_test_path(dir, "replica.db");
    char *mine, *theirs;
    check_integrity(p);
    assert_int_equal(fs_test_db_int(p, "SELECT count(*) FROM outbox"), 0);
    if (v->cards) {
      /* Exactly once: as many rows as creates, all names distinct. */
      snprintf(sql, sizeof(sql), "SELECT count(*) FROM customers WHERE name LIKE '%s r%%'",
               v->name);
      assert_int_equal(fs_test_db_int(central, sql), v->cards);
      snprintf(sql, sizeof(sql),
               "SELECT count(DISTINCT name) FROM customers WHERE name LIKE '%s r%%'", v->name);
      assert_int_equal(fs_test_db_int(central, sql), v->cards);
      snprintf(sql, sizeof(sql),
               "SELECT count(*) FROM visits WHERE customer_id IN (SELECT id FROM customers "
               "WHERE name LIKE '%s r%%')",
               v->name);
      assert_int_equal(fs_test_db_int(central, sql), v->visits);
      /* The last edit won. */
      if (v->edits) {
        snprintf(sql, sizeof(sql), "SELECT count(*) FROM customers WHERE phone IS NOT NULL "
                 "AND name LIKE '%s r%%'", v->name);
        assert_true(fs_test_db_int(central, sql) >= 1);
      }
      total_cards += v->cards;
      total_visits += v->visits;
      total_edits += v->edits;
    }
    /* Converged: a rep's replica == the central rows of its owner; the
     * manager's == everything (the whole team). */
    theirs = fingerprint(central, strcmp(v->staff, "M01") == 0 ? "" : v->staff);
    mine = fingerprint(p, strcmp(v->staff, "M01") == 0 ? "" : v->staff);
    assert_string_equal(mine, theirs);
    free(mine);
    free(theirs);
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM customers WHERE owner<>'%s'", v->staff);
    if (strcmp(v->staff, "M01") != 0)
      assert_int_equal(fs_test_db_int(p, sql), 0);
    free(p);
    free(dir);
  }
  assert_int_equal(fs_test_db_int(central, "SELECT count(*) FROM customers"),
                   total_cards);
  printf("%s: seed %u, %d rounds, %d SIGKILLs; %d cards, %d visits, %d edits from 3 rep "
         "devices all stored exactly once; 4 outboxes empty; 4 replicas == central rows of "
         "their owner (manager: all %d); integrity_check ok on 5 databases\n",
         what, w->seed, w->rounds, faults, total_cards, total_visits, total_edits, total_cards);
  free(central);
}

static long long central_cards(world *w) {
  char *central = fs_test_path(w->tw.d.dir, "central.db");
  long long n = fs_test_db_int(central, "SELECT count(*) FROM customers");
  free(central);
  return n;
}

static void test_daemon_crash_loop(void **state) {
  world *w = *state;
  int kills = 0, failed = 0, ok = 0;

  for (int round = 0; round < w->rounds; round++) {
    pid_t pids[NDEV];
    for (int i = 0; i < NDEV; i++)
      if (strcmp(w->devs[i].staff, "M01") != 0)
        work(w, &w->devs[i], round);
    for (int i = 0; i < NDEV; i++)
      pids[i] = sync_child(w, &w->devs[i]);
    /* Kill the daemon at a random moment: often mid-push or mid-pull,
     * sometimes before the clients connected or after they finished. */
    usleep((useconds_t)(rand() % 250000));
    fs_test_daemon_kill(&w->tw.d, SIGKILL);
    kills++;
    for (int i = 0; i < NDEV; i++) {
      int st = 0;
      waitpid(pids[i], &st, 0);
      if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
        ok++;
      else
        failed++;
    }
    fs_test_daemon_serve(&w->tw.d); /* same port */
  }
  printf("daemon crash loop: %d syncs completed before the kill, %d cut by it; %lld of %d "
         "cards stored before the final syncs\n",
         ok, failed, central_cards(w), 3 * 3 * w->rounds);
  final_sync(w);
  verify(w, "daemon crash loop", kills);
}

static void test_client_crash_loop(void **state) {
  world *w = *state;
  int kills = 0, finished = 0;

  for (int round = 0; round < w->rounds; round++) {
    pid_t pids[NDEV];
    for (int i = 0; i < NDEV; i++)
      if (strcmp(w->devs[i].staff, "M01") != 0)
        work(w, &w->devs[i], round);
    for (int i = 0; i < NDEV; i++)
      pids[i] = sync_child(w, &w->devs[i]);
    /* Each client dies at its own random moment of its sync. */
    for (int i = 0; i < NDEV; i++) {
      int st = 0;
      usleep((useconds_t)(rand() % 80000));
      if (waitpid(pids[i], &st, WNOHANG) == pids[i]) {
        finished++;
        continue;
      }
      kill(pids[i], SIGKILL);
      waitpid(pids[i], &st, 0);
      if (WIFSIGNALED(st))
        kills++;
      else
        finished++;
    }
  }
  printf("client crash loop: %d clients killed mid-sync, %d finished first; %lld of %d "
         "cards stored before the final syncs\n",
         kills, finished, central_cards(w), 3 * 3 * w->rounds);
  final_sync(w);
  verify(w, "client crash loop", kills);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_daemon_crash_loop, setup,
                                      fs_test_world_teardown),
      cmocka_unit_test_setup_teardown(test_client_crash_loop, setup,
                                      fs_test_world_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
