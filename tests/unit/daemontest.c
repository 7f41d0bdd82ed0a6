/* daemontest.c - helpers for the daemon-layer tests (daemontest.h). */
#include "daemontest.h"

#include <dirent.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void fs_test_world_start(fs_test_daemon *d, char **tmp, ...) {
  const char *cmd;
  va_list ap;

  fs_test_daemon_start(d);
  *tmp = fs_test_tmpdir();
  va_start(ap, tmp);
  while ((cmd = va_arg(ap, const char *)) != NULL)
    free(fs_test_daemon_cmd(d, NULL, "%s", cmd));
  va_end(ap);
}

void fs_test_world_stop(fs_test_daemon *d, char *tmp) {
  fs_test_daemon_stop(d);
  fs_test_rmdir(tmp);
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
  sqlite3_busy_timeout(db, 5000);
  if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
    fail_msg("%s: %s", sql, msg ? msg : "?");
  sqlite3_free(msg);
  sqlite3_close(db);
  free(p);
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
