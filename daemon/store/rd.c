/* rd.c - read handles on the central store (cstore.h). */
#include <stdlib.h>

#include "fs_errno.h"
#include "store/impl.h"

int fs__store_rd_open(const char *path, fs_store_rd **out) {
  fs_store_rd *r = NULL;
  int rc = 0;

  *out = NULL;
  r = calloc(1, sizeof(*r));
  if (r == NULL)
    return FS_ENOMEM;
  r->owned = 1;
  rc = fs__store_schema_register();
  if (rc == 0)
    rc = fs__db_open(path, 0, FS_SCHEMA_DAEMON, &r->db);
  if (rc) {
    free(r);
    return rc;
  }
  *out = r;
  return 0;
}

void fs__store_rd_free(fs_store_rd *r) {
  if (r == NULL || !r->owned)
    return;
  fs__db_close(r->db);
  free(r);
}

int fs__store_rd_begin(fs_store_rd *r) {
  return fs__db_exec(r->db, "BEGIN");
}

void fs__store_rd_end(fs_store_rd *r) {
  (void)fs__db_exec(r->db, "COMMIT");
}
