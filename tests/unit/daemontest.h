/* daemontest.h - helpers for the daemon-layer tests that drive real
 * replicas against a real fieldsyncd (linked into test_daemon_*.c only). */
#ifndef FS_DAEMONTEST_H
#define FS_DAEMONTEST_H

#include "testutil.h"

#include "fieldsync.h"

/* ---- the test world ----------------------------------------------------
 * One fieldsyncd in a fresh directory (testutil.h) with the staff a test
 * needs, a temporary directory for the replicas of its devices, and the
 * replicas opened through fs_test_world_device (closed at the teardown).
 * A test file states its scenario only:
 *
 *   static int setup(void **state) {
 *     return fs_test_world_setup(state, "staff add A01 --name 'Li' --role rep", NULL);
 *   }
 *   ... cmocka_unit_test_setup_teardown(test_x, setup, fs_test_world_teardown) ...
 *   static void test_x(void **state) {
 *     fs_test_world *w = *state;
 *     fs_replica *a = fs_test_world_device(w, "A01", "a01");
 *     ...
 *   }
 *
 * A file with state of its own declares `typedef struct world {
 * fs_test_world tw; ...} world;` (tw first), sets it up with
 * fs_test_world_setup_size and frees its own parts before calling
 * fs_test_world_teardown. */
#define FS_TEST_WORLD_DEVICES 16
typedef struct fs_test_world {
  fs_test_daemon d;
  char *tmp;                              /* the devices' data directories live here */
  fs_replica *dev[FS_TEST_WORLD_DEVICES]; /* closed by the teardown */
  int ndev;
} fs_test_world;

/* For a cmocka setup: *state = a new world (calloc'd, size bytes, size >=
 * sizeof(fs_test_world), fs_test_world first) whose daemon ran each
 * `fieldsyncd` command of the NULL-terminated list.  Returns 0; fails the
 * test on error. */
int fs_test_world_setup(void **state, ...);
int fs_test_world_setup_size(void **state, size_t size, ...);
/* For a cmocka teardown: closes the world's devices, stops the daemon,
 * removes both directories, resets the test clock (fs__clock_set_skew(0))
 * and frees *state.  Takes a NULL *state.  Returns 0. */
int fs_test_world_teardown(void **state);
/* fs_test_enroll of a device of staff in w->tmp/name, kept in w->dev (the
 * teardown closes it; do not close it yourself). */
fs_replica *fs_test_world_device(fs_test_world *w, const char *staff, const char *name);
/* Appends line to the daemon's fieldsyncd.conf and restarts it on its port
 * (stopped with SIGTERM, which must exit 0). */
void fs_test_daemon_conf(fs_test_daemon *d, const char *line);

/* ---- the test clock (common/hlc.h: fs__clock_set_skew) -----------------
 * Moves this process's wall clock ms forward: a change made afterwards by
 * any replica of the test is later than those made before, without a
 * sleep.  The daemon keeps the system clock (its stamps bound incoming
 * ones by 5 minutes: keep the sum of advances far below).  The world's
 * teardown resets it. */
void fs_test_clock_advance(int64_t ms);

/* ---- a watching device, and proof of its NOTIFYs -----------------------
 * A process that watches: it opens replica tmp/name and runs fs_sync with
 * watch on.  After its first round it pulls only when a NOTIFY comes (the
 * library's watch loop: a pull per NOTIFY, then on_change), when it
 * reconnects after a rights change, or when its own outbox holds changes
 * (a test must not write to the watching replica). */
typedef struct fs_test_watcher {
  int pid;      /* the watching process, 0 once stopped */
  int fd;       /* its events: 'D' first round done, 'N' a NOTIFY's pull done */
  int notifies; /* NOTIFY pulls read from fd so far */
  char *db;     /* its replica.db (malloc'd) */
} fs_test_watcher;

/* Forks the watcher; returns once its first round is over and it watches
 * (fails the test if that takes over 10 s or the watch ends). */
void fs_test_watcher_start(fs_test_watcher *wt, const char *tmp, const char *name);
/* Waits up to ms for a pull made for a NOTIFY after which the integer of
 * sql on the watcher's replica is want: returns the number of NOTIFY pulls
 * so far (>= 1), or 0 if none brought that within ms (the caller asserts).
 * Only pulls that end with on_change count: the one path where a NOTIFY
 * came, not the watcher's own rounds. */
int fs_test_watcher_wait(fs_test_watcher *wt, const char *sql, long long want, int ms);
/* 1 if the watch still runs (it ends only on error), else 0; does not
 * wait. */
int fs_test_watcher_alive(fs_test_watcher *wt);
/* Kills the watcher (SIGKILL), reaps it, frees its parts. */
void fs_test_watcher_stop(fs_test_watcher *wt);

/* The world without the struct, for tests written before it (new tests use
 * fs_test_world_setup): fs_test_daemon_start, a fresh temporary directory
 * for replicas in *tmp, then each `fieldsyncd` command of the
 * NULL-terminated list (each must succeed). */
void fs_test_world_start(fs_test_daemon *d, char **tmp, ...);
/* Stops the daemon, removes both directories. */
void fs_test_world_stop(fs_test_daemon *d, char *tmp);
/* Enrolls a device for staff in tmp/name (token from `fieldsyncd enroll`)
 * and opens its replica; fails the test on error. */
fs_replica *fs_test_enroll(fs_test_daemon *d, const char *tmp, const char *staff,
                           const char *name);
/* fs_sync that must succeed; st may be NULL. */
void fs_test_sync_ok(fs_replica *r, fs_sync_stats *st);
/* Creates a customer card; id may be NULL. */
void fs_test_create_customer(fs_replica *r, const char *name, const char *grade, char id[33]);
/* Logs an in-person visit; id may be NULL. */
void fs_test_log_visit(fs_replica *r, const char *cust, const char *at, const char *points,
                       char id[33]);
/* Sets one field of a customer; fails the test on error. */
void fs_test_set_field(fs_replica *r, const char *id, const char *field, const char *value);
/* Runs sql on the daemon's central.db while it runs (busy timeout 10 s);
 * fails the test on error. */
void fs_test_central_exec(const fs_test_daemon *d, const char *sql);
/* Waits up to 15 s (polling every 20 ms) until the integer of sql on the
 * database file path is at least want (cmp > 0), equals it (cmp == 0) or
 * is at most want (cmp < 0); returns the last value read (the caller
 * asserts).  The same on the daemon's central.db. */
long long fs_test_db_wait(const char *path, const char *sql, int cmp, long long want);
long long fs_test_central_wait(const fs_test_daemon *d, const char *sql, int cmp,
                               long long want);
/* `fieldsyncd sweep` (ends covers and loans, runs the wipe sweep), then
 * fs_test_central_wait(d, sql, cmp, want); fails the test if the wait did
 * not hold. */
void fs_test_sweep_until(fs_test_daemon *d, const char *sql, int cmp, long long want);
/* Waits up to 15 s until the daemon's log (d->dir/daemon.log) holds
 * needle at least n times; returns how many times it does (the caller
 * asserts).  E.g. "(M01) connected, watching": a session of M01 is ready
 * and watching (daemon/server.c logs it at info level). */
int fs_test_daemon_log_wait(const fs_test_daemon *d, const char *needle, int n);
/* One text value of sql (its first column, "" for NULL or no row) on a
 * database file opened read-only, malloc'd; and the same on central.db. */
char *fs_test_db_text(const char *path, const char *sql);
char *fs_test_central_text(const fs_test_daemon *d, const char *sql);
char *fs_test_replica_text(const char *tmp, const char *name, const char *sql);
/* The text of field of customer id in r (malloc'd, "" if NULL). */
char *fs_test_get_field(fs_replica *r, const char *id, const char *field);
/* The calendar day offset_days from now in this process's zone (the
 * daemon's zone: common/date.h) as YYYY-MM-DD. */
void fs_test_day(char out[11], int offset_days);
/* One integer from sql on a database file opened read-only (-1 if no row). */
long long fs_test_db_int(const char *path, const char *sql);
/* The same on the daemon's central.db and on tmp/name/replica.db. */
long long fs_test_central_int(const fs_test_daemon *d, const char *sql);
long long fs_test_replica_int(const char *tmp, const char *name, const char *sql);
/* The same with the SQL made by printf (at most 1023 bytes). */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
long long
fs_test_central_intf(const fs_test_daemon *d, const char *fmt, ...);
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
long long
fs_test_replica_intf(const char *tmp, const char *name, const char *fmt, ...);
/* The whole file at path in a malloc'd, NUL-terminated buffer (*len bytes
 * before the NUL); fails the test if it cannot be read. */
char *fs_test_slurp(const char *path, size_t *len);
/* How many of the NULL-terminated needles occur, as raw bytes, in the
 * regular files under dir (recursively, symlinks not followed); each hit is
 * printed with its file and offset.  For "no byte of X remains" checks. */
int fs_test_traces_in(const char *dir, const char *const *needles);

#endif
