/* test_daemon_load.c - issue 7: many concurrent connections held open while
 * clients sync.
 *
 * A real fieldsyncd on 127.0.0.1.  The test opens FS_LOAD_CONNS (default
 * 300; the long run uses 2000) authenticated connections (full Noise
 * handshake with a genuine device key) and keeps them open and idle, then
 * 20 enrolled devices (forked processes) each push 10 new cards and pull at
 * the same time.  Verified: every handshake succeeded, every device synced
 * and its cards are stored once, the manager pulls all of them, and every
 * held connection is still open afterwards.  RLIMIT_NOFILE is raised for
 * the test and the daemon (a child of the test) as far as the hard limit
 * allows.
 */
#include "testutil.h"

#include <poll.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "db.h"
#include "fieldsync.h"
#include "keys.h"
#include "msg.h"
#include "net.h"

#define NCLIENTS 20
#define CARDS 10

static int64_t now_ms(void) {
  struct timeval tv;
  gettimeofday(&tv, NULL);
  return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

static long long central_int(fs_test_daemon *d, const char *sql) {
  char *p = fs_test_path(d->dir, "central.db");
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  long long v = -1;
  assert_int_equal(sqlite3_open_v2(p, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
  if (sqlite3_step(st) == SQLITE_ROW)
    v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  free(p);
  return v;
}

static void enroll(fs_test_daemon *d, const char *tmp, const char *staff, const char *name) {
  char *token = fs_test_daemon_cmd(d, NULL, "enroll %s", staff);
  char *dir = fs_test_path(tmp, name);
  char err[512];
  fs_identity id;
  if (fs_enroll(dir, token, 10000, &id, err, sizeof(err)))
    fail_msg("enroll %s: %s", staff, err);
  free(token);
  free(dir);
}

static void test_held_connections(void **state) {
  fs_test_daemon d;
  char *tmp, *out;
  int want = 300, nconns, synced = 0;
  const char *env = getenv("FS_LOAD_CONNS");
  struct rlimit rl;
  fs_net *held;
  fs_keypair *kp = NULL;
  uint8_t pub[32];
  char addr[256], pubtxt[64];
  int64_t t0, t_hs, t_sync;
  pid_t pids[NCLIENTS];
  int still_open = 0;

  (void)state;
  if (env && *env)
    want = atoi(env);
  /* Raise the fd limit before the daemon is forked: it inherits it. */
  assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
  if (rl.rlim_cur < (rlim_t)want * 2 + 256) {
    rl.rlim_cur = (rlim_t)want * 2 + 256;
    if (rl.rlim_cur > rl.rlim_max)
      rl.rlim_cur = rl.rlim_max;
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
  }
  nconns = want;
  if ((rlim_t)nconns + 200 > rl.rlim_cur) {
    nconns = (int)rl.rlim_cur - 200;
    printf("load: RLIMIT_NOFILE hard limit %llu: holding %d connections instead of %d\n",
           (unsigned long long)rl.rlim_max, nconns, want);
  }
  fs_test_daemon_start(&d);
  tmp = fs_test_tmpdir();
  out = fs_test_daemon_cmd(&d, NULL, "staff add M01 --name 'Manager' --role manager");
  free(out);
  out = fs_test_daemon_cmd(&d, NULL, "staff add A01 --name 'A' --manager M01");
  free(out);
  out = fs_test_daemon_cmd(&d, NULL, "staff add A02 --name 'B' --manager M01");
  free(out);
  enroll(&d, tmp, "A01", "holder");
  enroll(&d, tmp, "M01", "m01");
  for (int i = 0; i < NCLIENTS; i++) {
    char name[32];
    snprintf(name, sizeof(name), "c%02d", i);
    enroll(&d, tmp, i % 2 ? "A02" : "A01", name);
  }
  {
    char *dir = fs_test_path(tmp, "holder"), *p = fs_test_path(dir, "replica.db");
    char *k = fs_test_path(dir, "device.key");
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(p, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(fs__meta_get_text(db, "daemon_addr", addr, sizeof(addr)), 0);
    assert_int_equal(fs__meta_get_text(db, "daemon_pub", pubtxt, sizeof(pubtxt)), 0);
    sqlite3_close(db);
    assert_int_equal(fs__key_from_text(pubtxt, strlen(pubtxt), pub), 0);
    assert_int_equal(fs__keypair_load(&kp, k), 0);
    free(k);
    free(p);
    free(dir);
  }

  /* Open and authenticate nconns connections; keep them idle. */
  held = calloc((size_t)nconns, sizeof(*held));
  assert_non_null(held);
  t0 = now_ms();
  for (int i = 0; i < nconns; i++) {
    fs_msg hello, welcome;
    int rc;
    fs__msg_init(&hello, FS_MSG_HELLO);
    hello.u.hello.sw = "fieldsync-load/1";
    hello.u.hello.time = (uint64_t)now_ms();
    hello.u.hello.want = FS_WANT_SYNC;
    rc = fs__net_open(&held[i], addr, kp, pub, &hello, 10000, &welcome);
    if (rc)
      fail_msg("connection %d: %s (%s)", i, held[i].err, fs_strerror(rc));
    fs__msg_release(&welcome);
  }
  t_hs = now_ms() - t0;

  /* 20 devices push and pull at once. */
  for (int i = 0; i < NCLIENTS; i++) {
    char name[32];
    fs_replica *r = NULL;
    snprintf(name, sizeof(name), "c%02d", i);
    {
      char *dir = fs_test_path(tmp, name);
      assert_int_equal(fs_replica_open(dir, &r), 0);
      free(dir);
    }
    for (int k = 0; k < CARDS; k++) {
      fs_record *rec = NULL;
      char cn[64];
      snprintf(cn, sizeof(cn), "load %s card %d", name, k);
      assert_int_equal(fs_record_new("customer", &rec), 0);
      assert_int_equal(fs_record_set(rec, "name", cn), 0);
      assert_int_equal(fs_record_set(rec, "grade", "B"), 0);
      assert_int_equal(fs_create(r, rec, NULL), 0);
      fs_record_free(rec);
    }
    fs_replica_close(r);
  }
  t0 = now_ms();
  for (int i = 0; i < NCLIENTS; i++) {
    pids[i] = fork();
    assert_true(pids[i] >= 0);
    if (pids[i] == 0) {
      char name[32], err[256];
      char *dir;
      fs_replica *r = NULL;
      fs_sync_stats st;
      fs_sync_options o;
      uint64_t pending = 1, rejected = 1;
      int rc;
      snprintf(name, sizeof(name), "c%02d", i);
      dir = fs_test_path(tmp, name);
      memset(&o, 0, sizeof(o));
      o.timeout_ms = 30000;
      rc = fs_replica_open(dir, &r);
      if (rc == 0)
        rc = fs_sync(r, &o, &st, err, sizeof(err));
      if (rc)
        fprintf(stderr, "%s: %s\n", name, err);
      if (rc == 0)
        rc = fs_outbox_count(r, &pending, &rejected);
      fs_replica_close(r);
      free(dir);
      _exit(rc == 0 && pending == 0 && rejected == 0 && st.applied == 2 * CARDS ? 0 : 1);
    }
  }
  for (int i = 0; i < NCLIENTS; i++) {
    int st = 0;
    waitpid(pids[i], &st, 0);
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
      synced++;
  }
  t_sync = now_ms() - t0;

  /* The held connections are still up (no EOF, no reset). */
  for (int i = 0; i < nconns; i++) {
    struct pollfd p = {held[i].fd, POLLIN, 0};
    int r = poll(&p, 1, 0);
    if (r == 0)
      still_open++;
    else {
      char c;
      ssize_t k = recv(held[i].fd, &c, 1, MSG_DONTWAIT | MSG_PEEK);
      if (k > 0)
        still_open++; /* a message (e.g. a notify) is not a hang-up */
    }
  }
  {
    char *dir = fs_test_path(tmp, "m01");
    fs_replica *m = NULL;
    fs_sync_stats st;
    char err[256];
    assert_int_equal(fs_replica_open(dir, &m), 0);
    if (fs_sync(m, NULL, &st, err, sizeof(err)))
      fail_msg("manager sync: %s", err);
    fs_replica_close(m);
    free(dir);
  }
  printf("load: %d authenticated connections held idle (handshakes took %lld ms, %.2f ms "
         "each); %d/%d devices pushed %d cards each and pulled concurrently in %lld ms; %d/%d "
         "held connections still open; central has %lld load cards (expected %d)\n",
         nconns, (long long)t_hs, (double)t_hs / nconns, synced, NCLIENTS, CARDS,
         (long long)t_sync, still_open, nconns,
         central_int(&d, "SELECT count(DISTINCT name) FROM customers WHERE name LIKE 'load %'"),
         NCLIENTS * CARDS);
  assert_int_equal(synced, NCLIENTS);
  assert_int_equal(still_open, nconns);
  assert_int_equal(central_int(&d, "SELECT count(*) FROM customers WHERE name LIKE 'load %'"),
                   NCLIENTS * CARDS);
  for (int i = 0; i < nconns; i++)
    fs__net_close(&held[i]);
  free(held);
  fs__keypair_free(kp);
  fs_test_daemon_stop(&d);
  fs_test_rmdir(tmp);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_held_connections),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
