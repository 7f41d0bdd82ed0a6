/* testutil.h - helpers shared by the cmocka unit tests. */
#ifndef FS_TESTUTIL_H
#define FS_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka.h needs the four headers above first. */
#include <cmocka.h>

/* Makes a fresh temporary directory (mkdtemp under $TMPDIR or /tmp) and
 * returns its malloc'd path. */
char *fs_test_tmpdir(void);
/* rm -rf of a directory made by fs_test_tmpdir; frees path.  Takes NULL. */
void fs_test_rmdir(char *path);
/* malloc'd path "dir/name". */
char *fs_test_path(const char *dir, const char *name);
/* Common-layer tests only (they do not link the daemon): registers an
 * empty daemon schema fragment (common/schema.h), so that FS_SCHEMA_DAEMON
 * databases hold common's tables (records, staff, meta) and nothing of the
 * central store's own.  A daemon test must not call it (the daemon's store
 * registers the real fragment). */
void fs_test_schema_records_only(void);

/* ---- a real fieldsyncd for integration tests ---------------------------
 * The daemon binary is FS_BIN/fieldsyncd (FS_BIN is a compile definition of
 * every test).  It runs in a fresh temporary directory and listens on
 * 127.0.0.1 only, on a port the kernel picks. */
typedef struct fs_test_daemon {
  char *dir;     /* data directory (malloc'd) */
  int pid;       /* serve process, 0 if not running */
  int port;      /* bound port (kept across restarts) */
  char addr[32]; /* "127.0.0.1:PORT" */
} fs_test_daemon;

/* fieldsyncd init in a fresh directory, then serve. */
void fs_test_daemon_start(fs_test_daemon *d);
/* (Re)starts serve on d->port (0 the first time); waits until it listens. */
void fs_test_daemon_serve(fs_test_daemon *d);
/* Sends sig (SIGTERM: graceful, SIGKILL: crash) and waits for the exit;
 * with SIGTERM asserts exit status 0. */
void fs_test_daemon_kill(fs_test_daemon *d, int sig);
/* Stops the daemon and removes its directory. */
void fs_test_daemon_stop(fs_test_daemon *d);
/* Runs `fieldsyncd --data DIR <args>` (args is a shell word list) and
 * returns its stdout (malloc'd, trailing newline stripped); *status gets
 * the exit status (may be NULL: then asserts 0). */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
char *fs_test_daemon_cmd(fs_test_daemon *d, int *status, const char *fmt, ...);

#endif
