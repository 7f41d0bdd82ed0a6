/* test_daemon_syncerrors.c - a sync that cannot reach its daemon says what
 * failed and what to do, and keeps every local change.
 *
 * A real fieldsyncd on 127.0.0.1 and one enrolled device with unpushed
 * work.  The device syncs against: a closed port; a listener that never
 * answers; a listener that answers garbage (an HTTP server, say); the real
 * daemon with a different pinned daemon key (another daemon at that
 * address, or one set up anew); without its device key; and a daemon that
 * drops the handshake or answers it busy (overloaded).  Each sync fails
 * with a message naming the cause and the remedy - "enroll again" only
 * where the key really is wrong; the outbox keeps everything, and a normal
 * sync afterwards pushes it all.
 */
#include "daemontest.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct world {
  fs_test_world tw; /* first: daemontest.h */
  fs_replica *r;    /* A01's device, one card not pushed yet */
} world;

static int setup(void **state) {
  world *w;

  fs_test_world_setup_size(state, sizeof(world),
                           "staff add A01 --name 'Li Ming' --role rep",
                           (const char *)NULL);
  w = *state;
  w->r = fs_test_world_device(&w->tw, "A01", "dev");
  fs_test_create_customer(w->r, "Unpushed", "A", NULL); /* card + grade entry */
  return 0;
}

/* A listening socket on 127.0.0.1 (kernel-chosen port) in *port. */
static int listener(int *port) {
  struct sockaddr_in sa;
  socklen_t len = sizeof(sa);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  assert_true(fd >= 0);
  memset(&sa, 0, sizeof(sa));
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
  assert_int_equal(listen(fd, 8), 0);
  assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
  *port = ntohs(sa.sin_port);
  return fd;
}

/* fs_sync against addr (NULL: the enrolled one) that must fail; err must
 * contain each of the NULL-terminated words. */
static void sync_fails(world *w, const char *addr, ...) {
  fs_sync_options o;
  fs_sync_stats st;
  char err[512];
  const char *word;
  uint64_t pending = 0, rejected = 0;
  va_list ap;
  int rc;

  memset(&o, 0, sizeof(o));
  o.addr = addr;
  o.timeout_ms = 1000;
  err[0] = '\0';
  rc = fs_sync(w->r, &o, &st, err, sizeof(err));
  assert_int_not_equal(rc, 0);
  va_start(ap, addr);
  while ((word = va_arg(ap, const char *)) != NULL)
    if (strstr(err, word) == NULL)
      fail_msg("sync error lacks \"%s\": %s", word, err);
  va_end(ap);
  assert_int_equal(fs_outbox_count(w->r, &pending, &rejected), 0);
  assert_int_equal(pending, 2);
  assert_int_equal(rejected, 0);
}

static void set_daemon_pub(world *w, const char *pub) {
  char *path = fs_test_path(w->tw.tmp, "dev/replica.db");
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  assert_int_equal(sqlite3_prepare_v2(db,
                                      "UPDATE meta SET value=?1 WHERE key='daemon_pub'",
                                      -1, &st, NULL),
                   SQLITE_OK);
  sqlite3_bind_text(st, 1, pub, -1, SQLITE_TRANSIENT);
  assert_int_equal(sqlite3_step(st), SQLITE_DONE);
  assert_int_equal(sqlite3_changes(db), 1);
  sqlite3_finalize(st);
  sqlite3_close(db);
  free(path);
}

static void test_unreachable(void **state) {
  world *w = *state;
  char addr[64];
  int port, fd;

  /* Closed port: bound, then closed again. */
  fd = listener(&port);
  close(fd);
  snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
  sync_fails(w, addr, "cannot connect", addr, "fieldsyncd runs", "outbox", (char *)NULL);

  /* Accepts (the kernel does, from the backlog) and never answers. */
  fd = listener(&port);
  snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
  sync_fails(w, addr, "no answer", addr, "--addr", "outbox", (char *)NULL);
  close(fd);
}

static void test_not_a_daemon(void **state) {
  world *w = *state;
  char addr[64];
  int port, fd = listener(&port), st = 0;
  pid_t pid;

  snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
  pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    static const char reply[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
    int c = accept(fd, NULL, NULL);
    char buf[512];
    if (c >= 0 && read(c, buf, sizeof(buf)) >= 0) {
      for (int i = 0; i < 50; i++)
        if (write(c, reply, sizeof(reply) - 1) < 0)
          break;
    }
    sleep(2);
    _exit(0);
  }
  sync_fails(w, addr, "does not answer like a fieldsyncd", addr, "--addr", (char *)NULL);
  kill(pid, SIGKILL);
  waitpid(pid, &st, 0);
  close(fd);
}

static void test_wrong_daemon_key(void **state) {
  world *w = *state;
  fs_sync_stats st;

  /* A valid key, but not this daemon's: it cannot read the handshake. */
  set_daemon_pub(w, "4Vfv787zbdP-P9ojjkLpYqZb7TapJt0BWr01W7jiSlc");
  sync_fails(w, NULL, w->tw.d.addr, "enrolled with", "fieldsync init --token",
             (char *)NULL);
  /* A low-order point: no handshake can be made with it. */
  set_daemon_pub(w, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
  sync_fails(w, NULL, "enroll", (char *)NULL);
  /* The daemon kept serving, and nothing local was lost. */
  {
    char *out = fs_test_daemon_cmd(&w->tw.d, NULL, "devices");
    char *pub = fs_test_path(w->tw.d.dir, "daemon.key.pub");
    char key[64] = "";
    FILE *f = fopen(pub, "r");
    assert_non_null(f);
    assert_non_null(fgets(key, sizeof(key), f));
    fclose(f);
    key[strcspn(key, "\r\n")] = '\0';
    assert_non_null(strstr(out, "A01"));
    set_daemon_pub(w, key);
    free(pub);
    free(out);
  }
  memset(&st, 0, sizeof(st));
  fs_test_sync_ok(w->r, &st);
  assert_int_equal(st.applied, 2);
  assert_int_equal(fs_test_central_int(&w->tw.d, "SELECT count(*) FROM customers"), 1);
}

/* fs_sync against addr that must fail: its message in err. */
static void sync_err(world *w, const char *addr, char *err, size_t len) {
  fs_sync_options o;
  fs_sync_stats st;
  uint64_t pending = 0, rejected = 0;

  memset(&o, 0, sizeof(o));
  o.addr = addr;
  o.timeout_ms = 3000;
  err[0] = '\0';
  assert_int_not_equal(fs_sync(w->r, &o, &st, err, len), 0);
  assert_int_equal(fs_outbox_count(w->r, &pending, &rejected), 0);
  assert_int_equal(pending, 2);
}

/* A daemon stand-in that takes one connection, reads message 1 and then
 * closes it (reply NULL) or answers reply (n bytes) first. */
static pid_t one_shot(int fd, const uint8_t *reply, size_t n) {
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    int c = accept(fd, NULL, NULL);
    char buf[4096];
    if (c >= 0 && read(c, buf, sizeof(buf)) > 0 && reply)
      if (write(c, reply, n) != (ssize_t)n)
        _exit(1);
    if (c >= 0)
      close(c);
    _exit(0);
  }
  return pid;
}

/* An overloaded daemon drops the handshake, or answers it busy: the rep is
 * told so, and is not told to enroll again (issue 11, hole 6).  Only a
 * daemon that really holds another key gets that advice (see
 * test_wrong_daemon_key). */
static void test_dropped_handshake(void **state) {
  world *w = *state;
  static const uint8_t busy[5] = {0, 0, 0, 1, 1};
  char addr[64], err[512];
  int port, fd = listener(&port), st;
  pid_t pid;

  snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
  pid = one_shot(fd, NULL, 0);
  sync_err(w, addr, err, sizeof(err));
  waitpid(pid, &st, 0);
  printf("handshake dropped: %s\n", err);
  assert_non_null(strstr(err, "closed before the handshake finished"));
  assert_non_null(strstr(err, "overloaded"));
  assert_non_null(strstr(err, "try again later"));
  assert_non_null(strstr(err, addr));
  assert_null(strstr(err, "enroll"));

  pid = one_shot(fd, busy, sizeof(busy));
  sync_err(w, addr, err, sizeof(err));
  waitpid(pid, &st, 0);
  printf("handshake answered busy: %s\n", err);
  assert_non_null(strstr(err, "busy"));
  assert_non_null(strstr(err, "try again later"));
  assert_null(strstr(err, "enroll"));
  close(fd);
  fs_test_sync_ok(w->r, NULL);
}

static void test_device_key_missing(void **state) {
  world *w = *state;
  char *key = fs_test_path(w->tw.tmp, "dev/device.key");
  char *bak = fs_test_path(w->tw.tmp, "device.key.bak");

  assert_int_equal(rename(key, bak), 0);
  sync_fails(w, NULL, key, "missing", "backup", "enroll", (char *)NULL);
  assert_int_equal(rename(bak, key), 0);
  fs_test_sync_ok(w->r, NULL);
  free(key);
  free(bak);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_unreachable, setup, fs_test_world_teardown),
      cmocka_unit_test_setup_teardown(test_not_a_daemon, setup, fs_test_world_teardown),
      cmocka_unit_test_setup_teardown(test_wrong_daemon_key, setup,
                                      fs_test_world_teardown),
      cmocka_unit_test_setup_teardown(test_device_key_missing, setup,
                                      fs_test_world_teardown),
      cmocka_unit_test_setup_teardown(test_dropped_handshake, setup,
                                      fs_test_world_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
