/* test_daemon_datadir.c - one data directory, one writer.
 *
 * The central store has a single writer (central.h): the serving daemon,
 * or an admin command / seed working on the store directly when no daemon
 * runs.  The writer keeps the journal's seq counter in memory, so a second
 * writer makes both hand out the same seq numbers: pushes are then
 * rejected ("value refused by validation") or land below the cursor of
 * devices that already pulled past them, and are never delivered.
 *
 * Real fieldsyncd on 127.0.0.1:
 *   - a second `serve` on the same directory is refused with a clear error,
 *     leaves the first daemon's admin socket alone, and the first one keeps
 *     serving;
 *   - with the admin socket gone while a daemon serves, admin commands and
 *     seed refuse to write the store behind its back; after a kill -9 they
 *     work again (the claim dies with the process);
 *   - a store whose committed seq lags its journal (left by such a second
 *     writer) is repaired on open: new pushes are applied and delivered.
 */
#include "daemontest.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef fs_test_world world;

static int setup(void **state) {
  return fs_test_world_setup(state, "staff add A01 --name 'Li Ming' --role rep",
                             (const char *)NULL);
}

/* Runs `fieldsyncd --data DIR argv...` with stdout and stderr into
 * tmp/run.out; returns its exit status.  A process still running after
 * 10 s is killed and the test fails (a second daemon that serves). */
static int run_fieldsyncd(world *w, const char *const *args, char *out, size_t outlen) {
  char bin[600], *path = fs_test_path(w->tmp, "run.out");
  const char *argv[16];
  int n = 0, st = 0;
  pid_t pid;
  FILE *f;

  snprintf(bin, sizeof(bin), "%s/fieldsyncd", FS_BIN);
  argv[n++] = bin;
  argv[n++] = "--data";
  argv[n++] = w->d.dir;
  for (int i = 0; args[i] && n < 15; i++)
    argv[n++] = args[i];
  argv[n] = NULL;
  pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
    }
    execv(bin, (char *const *)argv);
    _exit(127);
  }
  for (int i = 0; i < 1000; i++) {
    struct timespec ts = {0, 10 * 1000 * 1000};
    if (waitpid(pid, &st, WNOHANG) == pid)
      break;
    if (i == 999) {
      kill(pid, SIGKILL);
      waitpid(pid, &st, 0);
      fail_msg("fieldsyncd %s still running after 10 s", args[0]);
    }
    nanosleep(&ts, NULL);
  }
  f = fopen(path, "r");
  assert_non_null(f);
  n = (int)fread(out, 1, outlen - 1, f);
  out[n < 0 ? 0 : n] = '\0';
  fclose(f);
  free(path);
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static int admin_socket_exists(const world *w) {
  char *p = fs_test_path(w->d.dir, "admin.sock");
  struct stat st;
  int ok = stat(p, &st) == 0 && S_ISSOCK(st.st_mode);
  free(p);
  return ok;
}

static long long staff_count(world *w, const char *code) {
  char sql[128];
  snprintf(sql, sizeof(sql), "SELECT count(*) FROM staff WHERE code='%s'", code);
  return fs_test_central_int(&w->d, sql);
}

static void test_second_serve_refused(void **state) {
  world *w = *state;
  const char *serve[] = {"serve", "--listen", "127.0.0.1:0", NULL};
  char out[4096], *dev;
  fs_replica *r = fs_test_enroll(&w->d, w->tmp, "A01", "dev");
  fs_sync_stats st;
  int status;

  fs_test_create_customer(r, "Before", "A", NULL);
  fs_test_sync_ok(r, NULL);

  status = run_fieldsyncd(w, serve, out, sizeof(out));
  assert_int_equal(status, 1);
  if (strstr(out, "another fieldsyncd") == NULL || strstr(out, w->d.dir) == NULL)
    fail_msg("second serve: no clear error naming the directory: %s", out);
  /* The first daemon keeps its admin socket and keeps serving. */
  assert_true(admin_socket_exists(w));
  dev = fs_test_daemon_cmd(&w->d, NULL, "devices");
  assert_non_null(strstr(dev, "A01"));
  free(dev);
  fs_test_create_customer(r, "After", "B", NULL);
  memset(&st, 0, sizeof(st));
  fs_test_sync_ok(r, &st);
  assert_int_equal(st.rejected, 0);
  assert_int_equal(st.applied, 2);
  assert_int_equal(fs_test_central_int(&w->d, "SELECT count(*) FROM customers"), 2);
  fs_replica_close(r);
}

static void test_store_busy_without_socket(void **state) {
  world *w = *state;
  const char *add[] = {"staff", "add", "B01", "--name", "Bo", "--role", "rep", NULL};
  const char *seed[] = {"seed", "--reps", "1", "--customers", "1", "--months", "1", NULL};
  char out[4096], *sock = fs_test_path(w->d.dir, "admin.sock");
  fs_replica *r;

  /* The socket is gone (deleted by hand, or by a second daemon before this
   * fix): the store must still not get a second writer. */
  assert_int_equal(unlink(sock), 0);
  assert_int_equal(run_fieldsyncd(w, add, out, sizeof(out)), 1);
  if (strstr(out, "admin.sock") == NULL)
    fail_msg("staff add: error does not name the admin socket: %s", out);
  assert_int_equal(staff_count(w, "B01"), 0);
  assert_int_equal(run_fieldsyncd(w, seed, out, sizeof(out)), 1);
  assert_int_equal(staff_count(w, "B01"), 0);
  assert_int_equal(fs_test_central_int(&w->d, "SELECT count(*) FROM customers"), 0);

  /* A crashed daemon's claim dies with it: offline admin works again, and
   * so does a new daemon. */
  fs_test_daemon_kill(&w->d, SIGKILL);
  assert_int_equal(run_fieldsyncd(w, add, out, sizeof(out)), 0);
  assert_int_equal(staff_count(w, "B01"), 1);
  fs_test_daemon_serve(&w->d);
  assert_true(admin_socket_exists(w));
  r = fs_test_enroll(&w->d, w->tmp, "B01", "devb");
  fs_test_create_customer(r, "Bo's first", "C", NULL);
  fs_test_sync_ok(r, NULL);
  assert_int_equal(fs_test_central_int(&w->d, "SELECT count(*) FROM customers"), 1);
  fs_replica_close(r);
  free(sock);
}

static void test_stale_seq_repaired(void **state) {
  world *w = *state;
  fs_replica *r1 = fs_test_enroll(&w->d, w->tmp, "A01", "dev1");
  fs_replica *r2 = fs_test_enroll(&w->d, w->tmp, "A01", "dev2");
  char id[33], sql[160];
  fs_sync_stats st;
  long long top;

  for (int i = 0; i < 4; i++) {
    char name[16];
    snprintf(name, sizeof(name), "Early %d", i);
    fs_test_create_customer(r1, name, "B", NULL);
  }
  fs_test_sync_ok(r1, NULL);
  fs_test_sync_ok(r2, NULL); /* r2's cursor: the top of the journal */
  top = fs_test_central_int(&w->d, "SELECT max(seq) FROM journal");
  assert_true(top >= 8);

  /* What a second writer leaves behind: the committed counter lags the
   * journal. */
  fs_test_daemon_kill(&w->d, SIGTERM);
  {
    char *db = fs_test_path(w->d.dir, "central.db");
    sqlite3 *h = NULL;
    assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
    assert_int_equal(
        sqlite3_exec(h, "UPDATE meta SET value=1 WHERE key='seq'", NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(h);
    free(db);
  }
  fs_test_daemon_serve(&w->d);

  fs_test_create_customer(r1, "Late", "A", id);
  memset(&st, 0, sizeof(st));
  fs_test_sync_ok(r1, &st);
  assert_int_equal(st.rejected, 0);
  assert_int_equal(st.applied, 2);
  snprintf(sql, sizeof(sql), "SELECT min(seq) FROM journal WHERE record_id='%s'", id);
  assert_true(fs_test_central_int(&w->d, sql) > top);
  /* ... and reaches the device that had already pulled past the old seqs. */
  fs_test_sync_ok(r2, NULL);
  snprintf(sql, sizeof(sql), "SELECT count(*) FROM customers WHERE id='%s'", id);
  assert_int_equal(fs_test_replica_int(w->tmp, "dev2", sql), 1);
  fs_replica_close(r1);
  fs_replica_close(r2);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_second_serve_refused, setup,
                                      fs_test_world_teardown),
      cmocka_unit_test_setup_teardown(test_store_busy_without_socket, setup,
                                      fs_test_world_teardown),
      cmocka_unit_test_setup_teardown(test_stale_seq_repaired, setup,
                                      fs_test_world_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
