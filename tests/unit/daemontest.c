/* daemontest.c - helpers for the daemon-layer tests (daemontest.h). */
#include "daemontest.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "date.h"
#include "hlc.h"

/* fs_test_world_start with the commands in ap. */
static void world_vstart(fs_test_daemon *d, char **tmp, va_list ap) {
  const char *cmd;

  fs_test_daemon_start(d);
  *tmp = fs_test_tmpdir();
  while ((cmd = va_arg(ap, const char *)) != NULL)
    free(fs_test_daemon_cmd(d, NULL, "%s", cmd));
}

void fs_test_world_start(fs_test_daemon *d, char **tmp, ...) {
  va_list ap;

  va_start(ap, tmp);
  world_vstart(d, tmp, ap);
  va_end(ap);
}

void fs_test_world_stop(fs_test_daemon *d, char *tmp) {
  fs_test_daemon_stop(d);
  fs_test_rmdir(tmp);
}

/* The body of fs_test_world_setup(_size): the commands in ap. */
static int world_vsetup(void **state, size_t size, va_list ap) {
  fs_test_world *w;

  assert_true(size >= sizeof(fs_test_world));
  w = calloc(1, size);
  assert_non_null(w);
  world_vstart(&w->d, &w->tmp, ap);
  *state = w;
  return 0;
}

int fs_test_world_setup(void **state, ...) {
  va_list ap;
  int rc;

  va_start(ap, state);
  rc = world_vsetup(state, sizeof(fs_test_world), ap);
  va_end(ap);
  return rc;
}

int fs_test_world_setup_size(void **state, size_t size, ...) {
  va_list ap;
  int rc;

  va_start(ap, size);
  rc = world_vsetup(state, size, ap);
  va_end(ap);
  return rc;
}

int fs_test_world_teardown(void **state) {
  fs_test_world *w = *state;

  if (w == NULL)
    return 0;
  for (int i = 0; i < w->ndev; i++)
    fs_replica_close(w->dev[i]);
  fs_test_world_stop(&w->d, w->tmp);
  fs__clock_set_skew(0);
  free(w);
  *state = NULL;
  return 0;
}

fs_replica *fs_test_world_device(fs_test_world *w, const char *staff, const char *name) {
  fs_replica *r;

  assert_true(w->ndev < FS_TEST_WORLD_DEVICES);
  r = fs_test_enroll(&w->d, w->tmp, staff, name);
  w->dev[w->ndev++] = r;
  return r;
}

void fs_test_daemon_conf(fs_test_daemon *d, const char *line) {
  char *conf = fs_test_path(d->dir, "fieldsyncd.conf");
  FILE *f;

  fs_test_daemon_kill(d, SIGTERM);
  f = fopen(conf, "a");
  assert_non_null(f);
  fprintf(f, "\n%s\n", line);
  assert_int_equal(fclose(f), 0);
  free(conf);
  fs_test_daemon_serve(d);
}

void fs_test_clock_advance(int64_t ms) {
  fs__clock_add_skew(ms);
}

/* ---- the watcher ---------------------------------------------------------- */

/* In the watching process: the write end of the event pipe. */
static int watcher_out = -1;

static void watcher_event(char ev) {
  /* The parent reads every byte; a failed write shows as a missing event. */
  if (write(watcher_out, &ev, 1) != 1)
    _exit(4);
}

static int watcher_progress(void *arg, fs_sync_phase phase, const fs_sync_stats *s) {
  (void)arg;
  (void)s;
  if (phase == FS_SYNC_DONE)
    watcher_event('D');
  return 0;
}

static void watcher_on_change(void *arg, const fs_sync_stats *s) {
  (void)arg;
  (void)s;
  watcher_event('N');
}

/* Reads one event within ms: the byte, or 0 (timeout or the watcher gone). */
static char watcher_next(fs_test_watcher *wt, int ms) {
  struct pollfd p = {wt->fd, POLLIN, 0};
  char ev = 0;

  if (poll(&p, 1, ms) <= 0 || read(wt->fd, &ev, 1) != 1)
    return 0;
  if (ev == 'N')
    wt->notifies++;
  return ev;
}

void fs_test_watcher_start(fs_test_watcher *wt, const char *tmp, const char *name) {
  char *dir = fs_test_path(tmp, name);
  int fds[2];
  pid_t pid;

  memset(wt, 0, sizeof(*wt));
  wt->db = fs_test_path(dir, "replica.db");
  assert_int_equal(pipe(fds), 0);
  pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    fs_replica *r = NULL;
    fs_sync_options o;
    fs_sync_stats st;

    close(fds[0]);
    watcher_out = fds[1];
    memset(&o, 0, sizeof(o));
    o.watch = 1;
    o.watch_poll_ms = 20;
    o.progress = watcher_progress;
    o.on_change = watcher_on_change;
    if (fs_replica_open(dir, &r) != 0)
      _exit(2);
    fs_replica_sync(r, &o, &st);
    _exit(3); /* the watch ended: fs_test_watcher_alive says so */
  }
  close(fds[1]);
  free(dir);
  wt->pid = (int)pid;
  wt->fd = fds[0];
  if (watcher_next(wt, 10000) != 'D')
    fail_msg("the watcher of %s did not finish its first round within 10 s", name);
}

int fs_test_watcher_wait(fs_test_watcher *wt, const char *sql, long long want, int ms) {
  uint64_t end = fs__now_ms() + (uint64_t)ms;

  for (;;) {
    uint64_t now = fs__now_ms();
    char ev;
    if (now >= end)
      return 0;
    ev = watcher_next(wt, (int)(end - now));
    if (ev == 0)
      return 0;
    if (ev == 'N' && fs_test_db_int(wt->db, sql) == want)
      return wt->notifies;
  }
}

int fs_test_watcher_alive(fs_test_watcher *wt) {
  int st;
  return wt->pid > 0 && waitpid((pid_t)wt->pid, &st, WNOHANG) == 0;
}

void fs_test_watcher_stop(fs_test_watcher *wt) {
  if (wt->pid > 0) {
    kill((pid_t)wt->pid, SIGKILL);
    waitpid((pid_t)wt->pid, NULL, 0);
  }
  if (wt->fd > 0)
    close(wt->fd);
  free(wt->db);
  memset(wt, 0, sizeof(*wt));
}

fs_replica *fs_test_enroll(fs_test_daemon *d, const char *tmp, const char *staff,
                           const char *name) {
  char *token = fs_test_daemon_cmd(d, NULL, "enroll %s", staff);
  char *dir = fs_test_path(tmp, name);
  char err[512];
  fs_identity id;
  fs_replica *r = NULL;
  int rc = fs_enroll(dir, token, 5000, &id, err, sizeof(err));
  if (rc)
    fail_msg("enroll %s: %s", staff, err);
  assert_string_equal(id.staff, staff);
  assert_int_equal(fs_replica_open(dir, &r), 0);
  free(token);
  free(dir);
  return r;
}

void fs_test_sync_ok(fs_replica *r, fs_sync_stats *st) {
  char err[512];
  fs_sync_stats local;
  int rc = fs_sync(r, NULL, st ? st : &local, err, sizeof(err));
  if (rc)
    fail_msg("sync failed: %s (%s)", err, fs_strerror(rc));
}

void fs_test_create_customer(fs_replica *r, const char *name, const char *grade, char id[33]) {
  fs_record *rec = NULL;
  assert_int_equal(fs_record_new("customer", &rec), 0);
  assert_int_equal(fs_record_set(rec, "name", name), 0);
  assert_int_equal(fs_record_set(rec, "grade", grade), 0);
  if (fs_create(r, rec, id) != 0)
    fail_msg("create: %s", fs_replica_last_error(r));
  fs_record_free(rec);
}

void fs_test_log_visit(fs_replica *r, const char *cust, const char *at, const char *points,
                       char id[33]) {
  fs_record *rec = NULL;
  assert_int_equal(fs_record_new("visit", &rec), 0);
  assert_int_equal(fs_record_set(rec, "customer_id", cust), 0);
  assert_int_equal(fs_record_set(rec, "at", at), 0);
  assert_int_equal(fs_record_set(rec, "method", "in_person"), 0);
  assert_int_equal(fs_record_set(rec, "points", points), 0);
  if (fs_create(r, rec, id) != 0)
    fail_msg("visit: %s", fs_replica_last_error(r));
  fs_record_free(rec);
}

void fs_test_set_field(fs_replica *r, const char *id, const char *field, const char *value) {
  fs_record *rec = NULL;
  assert_int_equal(fs_record_new("customer", &rec), 0);
  assert_int_equal(fs_record_set(rec, field, value), 0);
  if (fs_update(r, "customer", id, rec) != 0)
    fail_msg("update: %s", fs_replica_last_error(r));
  fs_record_free(rec);
}

long long fs_test_db_int(const char *path, const char *sql) {
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  long long v = -1;
  assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
    fail_msg("%s: %s", sql, sqlite3_errmsg(db));
  if (sqlite3_step(st) == SQLITE_ROW)
    v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return v;
}

void fs_test_central_exec(const fs_test_daemon *d, const char *sql) {
  char *p = fs_test_path(d->dir, "central.db");
  sqlite3 *db = NULL;
  char *msg = NULL;
  assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
  sqlite3_busy_timeout(db, 10000);
  if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
    fail_msg("%s: %s", sql, msg ? msg : "?");
  sqlite3_free(msg);
  sqlite3_close(db);
  free(p);
}

long long fs_test_db_wait(const char *path, const char *sql, int cmp, long long want) {
  long long v = fs_test_db_int(path, sql);
  struct timespec tick = {0, 20 * 1000 * 1000};

  for (int i = 0; i < 750; i++) {
    if (cmp > 0 ? v >= want : cmp < 0 ? v <= want : v == want)
      break;
    nanosleep(&tick, NULL);
    v = fs_test_db_int(path, sql);
  }
  return v;
}

long long fs_test_central_wait(const fs_test_daemon *d, const char *sql, int cmp,
                               long long want) {
  char *p = fs_test_path(d->dir, "central.db");
  long long v = fs_test_db_wait(p, sql, cmp, want);
  free(p);
  return v;
}

void fs_test_sweep_until(fs_test_daemon *d, const char *sql, int cmp, long long want) {
  int status = 0;
  long long v;

  free(fs_test_daemon_cmd(d, &status, "sweep"));
  v = fs_test_central_wait(d, sql, cmp, want);
  if (cmp > 0 ? v < want : cmp < 0 ? v > want : v != want)
    fail_msg("after `fieldsyncd sweep` (exit %d) %s is %lld, not %s %lld within 15 s",
             status, sql, v,
             cmp > 0   ? ">="
             : cmp < 0 ? "<="
                       : "=",
             want);
}

/* Occurrences of needle in the file at path (0 if it cannot be read). */
static int file_count(const char *path, const char *needle) {
  FILE *f = fopen(path, "rb");
  char line[1024];
  int n = 0;

  if (f == NULL)
    return 0;
  /* Log lines are short; a needle is never split across two reads of one. */
  while (fgets(line, sizeof(line), f))
    for (const char *p = strstr(line, needle); p; p = strstr(p + 1, needle))
      n++;
  fclose(f);
  return n;
}

int fs_test_daemon_log_wait(const fs_test_daemon *d, const char *needle, int n) {
  char *path = fs_test_path(d->dir, "daemon.log");
  struct timespec tick = {0, 20 * 1000 * 1000};
  int got = file_count(path, needle);

  for (int i = 0; i < 750 && got < n; i++) {
    nanosleep(&tick, NULL);
    got = file_count(path, needle);
  }
  free(path);
  return got;
}

char *fs_test_db_text(const char *path, const char *sql) {
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  char *out;

  assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
    fail_msg("%s: %s", sql, sqlite3_errmsg(db));
  if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
    out = strdup((const char *)sqlite3_column_text(st, 0));
  else
    out = strdup("");
  assert_non_null(out);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

char *fs_test_central_text(const fs_test_daemon *d, const char *sql) {
  char *p = fs_test_path(d->dir, "central.db");
  char *v = fs_test_db_text(p, sql);
  free(p);
  return v;
}

char *fs_test_replica_text(const char *tmp, const char *name, const char *sql) {
  char *dir = fs_test_path(tmp, name);
  char *p = fs_test_path(dir, "replica.db");
  char *v = fs_test_db_text(p, sql);
  free(p);
  free(dir);
  return v;
}

char *fs_test_get_field(fs_replica *r, const char *id, const char *field) {
  fs_record *rec = NULL;
  const char *v;
  char *out;

  assert_int_equal(fs_get(r, "customer", id, &rec), 0);
  v = fs_record_get(rec, field);
  out = strdup(v ? v : "");
  assert_non_null(out);
  fs_record_free(rec);
  return out;
}

void fs_test_day(char out[11], int offset_days) {
  (void)fs__day_of_ms((int64_t)fs__now_ms() + (int64_t)offset_days * 86400000, out);
}

long long fs_test_central_int(const fs_test_daemon *d, const char *sql) {
  char *p = fs_test_path(d->dir, "central.db");
  long long v = fs_test_db_int(p, sql);
  free(p);
  return v;
}

long long fs_test_replica_int(const char *tmp, const char *name, const char *sql) {
  char *dir = fs_test_path(tmp, name);
  char *p = fs_test_path(dir, "replica.db");
  long long v = fs_test_db_int(p, sql);
  free(p);
  free(dir);
  return v;
}

/* fmt and ap into sql[1024]; fails the test if it does not fit. */
static void sql_vformat(char sql[1024], const char *fmt, va_list ap) {
  int n = vsnprintf(sql, 1024, fmt, ap);
  assert_true(n >= 0 && n < 1024);
}

long long fs_test_central_intf(const fs_test_daemon *d, const char *fmt, ...) {
  char sql[1024];
  va_list ap;

  va_start(ap, fmt);
  sql_vformat(sql, fmt, ap);
  va_end(ap);
  return fs_test_central_int(d, sql);
}

long long fs_test_replica_intf(const char *tmp, const char *name, const char *fmt, ...) {
  char sql[1024];
  va_list ap;

  va_start(ap, fmt);
  sql_vformat(sql, fmt, ap);
  va_end(ap);
  return fs_test_replica_int(tmp, name, sql);
}

/* (daemontest.h) */
char *fs_test_slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  char *buf = NULL;
  long n;

  assert_non_null(f);
  assert_int_equal(fseek(f, 0, SEEK_END), 0);
  n = ftell(f);
  assert_true(n >= 0);
  rewind(f);
  buf = malloc((size_t)n + 1);
  assert_non_null(buf);
  assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
  buf[n] = '\0';
  fclose(f);
  *len = (size_t)n;
  return buf;
}

/* (daemontest.h) */
int fs_test_traces_in(const char *dir, const char *const *needles) {
  DIR *d = opendir(dir);
  struct dirent *e;
  int hits = 0;

  assert_non_null(d);
  while ((e = readdir(d)) != NULL) {
    struct stat st;
    char *p;
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
      continue;
    p = fs_test_path(dir, e->d_name);
    assert_int_equal(lstat(p, &st), 0);
    if (S_ISDIR(st.st_mode)) {
      hits += fs_test_traces_in(p, needles);
    } else if (S_ISREG(st.st_mode)) {
      size_t len;
      char *buf = fs_test_slurp(p, &len);
      for (int i = 0; needles[i]; i++) {
        size_t nl = strlen(needles[i]);
        for (size_t off = 0; off + nl <= len; off++)
          if (memcmp(buf + off, needles[i], nl) == 0) {
            printf("  trace of \"%s\" in %s at byte %zu\n", needles[i], p, off);
            hits++;
            break;
          }
      }
      free(buf);
    }
    free(p);
  }
  closedir(d);
  return hits;
}
