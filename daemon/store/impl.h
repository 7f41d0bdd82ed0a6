/* impl.h - private to the SQLite implementation of the central store
 * (daemon/store/ (.c files)).  Nothing outside daemon/store/ includes it
 * (tests may; tests/integration/layering.sh lists the transitional
 * exceptions).
 */
#ifndef FS_STORE_IMPL_H
#define FS_STORE_IMPL_H

#include <sqlite3.h>

#include "buf.h"
#include "db.h"
#include "hlc.h"
#include "store/cstore.h"

struct fs_store_rd {
  sqlite3 *db;
  int owned; /* closed by fs__store_rd_free (0 for fs__central_rd's) */
};

/* The writer handle (store/central.c opens it; the concern files of
 * store/ use its connection and cached statements). */
struct fs_central {
  sqlite3 *db;
  fs_store_rd rd; /* db as a read handle (fs__central_rd) */
  fs_hlc hlc;
  uint64_t seq;       /* head, including the open transaction */
  uint64_t seq_saved; /* as committed */
  sqlite3_stmt *st_applied_get;
  sqlite3_stmt *st_applied_put;
  sqlite3_stmt *st_journal;
  sqlite3_stmt *st_conflict;
  sqlite3_stmt *st_history;
  fs_buf hist; /* fs__history_add's fields blob, reused */
  int lock_fd; /* flock of path.lock: the single-writer claim */
  int64_t wipe_deadline_ms;
};

/* The connection behind a handle. */
static inline sqlite3 *fs__rd_db(fs_store_rd *r) {
  return r->db;
}
sqlite3 *fs__central_db(fs_central *c);

/* Registers the central store's tables with common/schema (store/schema.c)
 * before a connection is opened; idempotent, any thread.  0 or FS_EINVAL. */
int fs__store_schema_register(void);

#endif
