/* replica_handle.h - the fields of struct fs_replica, and nothing else.
 *
 * For the modules below the replica (outbox.c) that work on a replica's
 * database and identity but must not call back into replica.c: replica.c
 * calls them, so they include this header, never replica.h (no include
 * circle).  Only replica.c changes these fields after fs_replica_open.
 */
#ifndef FS_CLIENT_REPLICA_HANDLE_H
#define FS_CLIENT_REPLICA_HANDLE_H

#include <sqlite3.h>
#include <stdatomic.h>

#include "fieldsync.h"
#include "hlc.h"

#define FS_REPLICA_ERR_MAX FS_ERRMSG_MAX
#define FS_REPLICA_PATH_MAX 4096

/* Fault injection points (tests only). */
typedef enum fs_fault {
  FS_FAULT_NONE = 0,
  FS_FAULT_AFTER_ROW = 1 /* after the row write, before the outbox append */
} fs_fault;

typedef void (*fs_fault_hook)(void *arg);

struct fs_replica {
  sqlite3 *db;
  fs_hlc hlc;
  fs_identity id;
  char dir[FS_REPLICA_PATH_MAX];
  char path[FS_REPLICA_PATH_MAX];
  char err[FS_REPLICA_ERR_MAX];
  fs_fault fault;     /* armed fault point */
  fs_fault_hook hook; /* called at the fault point (may not return) */
  void *hook_arg;
  int evicted;        /* a record was evicted since the last fs__replica_scrub */
  atomic_int cancel;  /* fs_sync_cancel: set from any thread, cleared when
                         the sync returns */
  uint64_t last_ping; /* watch: when this replica's session last pinged (ms) */
};

/* The message of a failed call that takes no replica, for fs_errmsg(NULL):
 * kept per thread.  Returns rc, for `return fs__errmsg_thread(...)`. */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
int fs__errmsg_thread(int rc, const char *fmt, ...);
/* Why a call failed, for its fs_errmsg: msg if it says something, else
 * the reason the call logged (fs__log_last; the call forgets the previous
 * one with fs__log_forget when it begins: the log may print nothing),
 * else fs_strerror(rc). */
const char *fs__errmsg_why(int rc, const char *msg);

#endif
