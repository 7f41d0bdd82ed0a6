/* daemontest.h - helpers for the daemon-layer tests that drive real
 * replicas against a real fieldsyncd (linked into test_daemon_*.c only). */
#ifndef FS_DAEMONTEST_H
#define FS_DAEMONTEST_H

#include "testutil.h"

#include "fieldsync.h"

/* fs_test_daemon_start, a fresh temporary directory for replicas in *tmp,
 * then each `fieldsyncd` command of the NULL-terminated list (each must
 * succeed), e.g. "staff add A01 --name X --role rep". */
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
/* Runs sql on the daemon's central.db while it runs (busy timeout 5 s);
 * fails the test on error. */
void fs_test_central_exec(const fs_test_daemon *d, const char *sql);
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
