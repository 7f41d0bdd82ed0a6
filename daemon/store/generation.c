/* generation.c - the store generation (generation.h). */
#include "store/generation.h"

#include <string.h>

#include <sodium.h>

#include "fs_errno.h"
#include "log.h"
#include "store/adminlog.h"
#include "store/central.h"
#include "store/impl.h"

static int well_formed(const char *s) {
  if (strlen(s) != FS_GENERATION_HEX)
    return 0;
  for (const char *p = s; *p; p++)
    if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
      return 0;
  return 1;
}

static int get_db(sqlite3 *db, char out[FS_GENERATION_HEX + 1]) {
  char buf[FS_GENERATION_HEX + 8];
  int rc = fs__meta_get_text(db, FS_GENERATION_META, buf, sizeof(buf));

  out[0] = '\0';
  if (rc)
    return rc;
  if (!well_formed(buf)) {
    FS_ERROR("the store's generation \"%.40s\" is damaged (not 32 hex characters)", buf);
    return FS_EDB;
  }
  memcpy(out, buf, FS_GENERATION_HEX + 1);
  return 0;
}

int fs__generation_get(fs_store_rd *r, char out[FS_GENERATION_HEX + 1]) {
  return get_db(fs__rd_db(r), out);
}

int fs__generation_renew(fs_central *c, char out[FS_GENERATION_HEX + 1]) {
  unsigned char raw[FS_GENERATION_HEX / 2];
  char hex[FS_GENERATION_HEX + 1];
  int rc;

  randombytes_buf(raw, sizeof(raw));
  sodium_bin2hex(hex, sizeof(hex), raw, sizeof(raw));
  rc = fs__meta_set_text(fs__central_db(c), FS_GENERATION_META, hex);
  if (rc == 0)
    memcpy(out, hex, sizeof(hex));
  return rc;
}

int fs__generation_ensure(fs_central *c, char out[FS_GENERATION_HEX + 1]) {
  int rc = get_db(fs__central_db(c), out);

  if (rc == FS_ENOTFOUND) {
    rc = fs__central_begin(c);
    if (rc == 0)
      rc = fs__generation_renew(c, out);
    if (rc == 0)
      rc = fs__central_commit(c);
    else
      fs__central_rollback(c);
    if (rc == 0)
      FS_INFO("the central store has generation %s (first start of this version)", out);
  }
  if (rc == 0)
    rc = fs__adminlog_create(c);
  if (rc)
    FS_ERROR("cannot set up the store's generation or admin-event log: %s",
             fs_strerror(rc));
  return rc;
}
