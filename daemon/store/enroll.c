/* enroll.c - enrollment tokens (enroll.h). */
#include "store/enroll.h"

#include <string.h>

#include "fs_errno.h"
#include "store/sq.h"

int fs__token_add(fs_central *c, const uint8_t hash[FS_TOKEN_SECRET_HASH_LEN],
                  const char *staff, int64_t expires_s) {
  return fs__sq_run(fs__central_db(c), NULL,
                    "INSERT INTO tokens(secret_hash, staff, expires_at) VALUES(?1,?2,?3)",
                    "btI", hash, (size_t)FS_TOKEN_SECRET_HASH_LEN, staff, expires_s);
}

int fs__token_state(fs_store_rd *r, const uint8_t hash[FS_TOKEN_SECRET_HASH_LEN],
                    const char *staff, int64_t now_s) {
  sqlite3 *db = fs__rd_db(r);
  sqlite3_stmt *st = NULL;
  int rc;

  rc = fs__sq_prep(db, &st,
                   "SELECT staff, expires_at, used_at FROM tokens WHERE secret_hash=?1",
                   "b", hash, (size_t)FS_TOKEN_SECRET_HASH_LEN);
  if (rc == 0)
    rc = fs__sq_step(db, st);
  if (rc == 0)
    rc = FS_ETOKEN;
  else if (rc == 1) {
    if (strcmp(fs__sq_text(st, 0), staff) != 0)
      rc = FS_ETOKEN;
    else if (sqlite3_column_type(st, 2) != SQLITE_NULL)
      rc = FS_ETOKEN_USED;
    else if ((uint64_t)sqlite3_column_int64(st, 1) <= (uint64_t)now_s)
      rc = FS_ETOKEN_EXPIRED;
    else
      rc = 0;
  }
  sqlite3_finalize(st);
  return rc;
}

int fs__token_use(fs_central *c, const uint8_t hash[FS_TOKEN_SECRET_HASH_LEN],
                  uint64_t device, int64_t now_ms) {
  return fs__sq_run(fs__central_db(c), NULL,
                    "UPDATE tokens SET used_at=?1, device_id=?2 WHERE secret_hash=?3",
                    "IIb", now_ms, (int64_t)device, hash,
                    (size_t)FS_TOKEN_SECRET_HASH_LEN);
}
