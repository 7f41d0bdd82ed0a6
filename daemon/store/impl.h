/* impl.h - private to the SQLite implementation of the central store
 * (daemon/store/ (.c files)).  Nothing outside daemon/store/ includes it.
 */
#ifndef FS_STORE_IMPL_H
#define FS_STORE_IMPL_H

#include <sqlite3.h>

#include "db.h"
#include "store/cstore.h"

struct fs_store_rd {
  sqlite3 *db;
  int owned; /* closed by fs__store_rd_free (0 for fs__central_rd's) */
};

/* The connection behind a handle. */
static inline sqlite3 *fs__rd_db(fs_store_rd *r) {
  return r->db;
}
sqlite3 *fs__central_db(fs_central *c);

#endif
