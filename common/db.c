/* db.c - opening a fieldsync SQLite database (db.h); the helpers it and the
 * schema share are in dbutil.c. */
#include "db.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fs_errno.h"
#include "log.h"
#include "privdir.h"

/* ---- open / close ------------------------------------------------------- */

static int user_version(sqlite3 *db, int *out) {
  sqlite3_stmt *st = NULL;
  int rc;

  rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL);
  if (rc == SQLITE_OK) {
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
      *out = sqlite3_column_int(st, 0);
      rc = SQLITE_OK;
    }
  }
  rc = fs__db_err(db, rc);
  sqlite3_finalize(st);
  return rc;
}

/* Says why path did not open and what to do: the caller's message only
 * has the fs_errno (e.g. "database error" for a file that is not one). */
static void log_open_failure(sqlite3 *db, const char *path, int create, int rc) {
  int code = db ? sqlite3_errcode(db) & 0xff : SQLITE_NOMEM;
  const char *why = db ? sqlite3_errmsg(db) : "out of memory";

  if (code == SQLITE_CANTOPEN && !create && access(path, F_OK) != 0)
    return; /* absent: the caller knows what that means (not enrolled...) */
  if (code == SQLITE_NOTADB || code == SQLITE_CORRUPT)
    FS_ERROR(
        "%s is not a fieldsync database or is damaged (%s); restore it from a backup, "
        "or move it aside and set the device up again",
        path, why);
  else if (code == SQLITE_READONLY || code == SQLITE_PERM ||
           (code == SQLITE_CANTOPEN && access(path, F_OK) == 0))
    FS_ERROR(
        "%s cannot be opened for writing (%s); this user needs write access to the file "
        "and to its directory",
        path, why);
  else if (rc == FS_EBUSY)
    FS_ERROR("%s is locked by another program (%s); retry when it is done", path, why);
  else if (rc == FS_EFULL)
    FS_ERROR("%s: the disk is full; free some space and retry", path);
  else if (code == SQLITE_OK) /* SQLite opened it; our own step refused (logged) */
    FS_ERROR("cannot open %s: %s", path, fs_strerror(rc));
  else
    FS_ERROR("cannot open %s: %s", path, why);
}

/* The database and its -wal/-shm/-journal are made 0600 before SQLite
 * opens them: SQLite creates a WAL, shared-memory or journal file with the
 * mode of the database file (unix VFS, also in 3.40), so making the main
 * file ourselves is what keeps the caller's umask (an app linking the
 * library) out of it.  Files left 0644 by an older fieldsync are tightened
 * with a warning. */
static int db_files_private(const char *path, int create) {
  static const char *const suffix[] = {"-wal", "-shm", "-journal"};
  char side[4096];
  int rc;

  if (*path == '\0' || strcmp(path, ":memory:") == 0 || strncmp(path, "file:", 5) == 0)
    return 0;
  rc = fs__privfile_fix(path, create);
  for (size_t i = 0; rc == 0 && i < sizeof(suffix) / sizeof(suffix[0]); i++) {
    if ((size_t)snprintf(side, sizeof(side), "%s%s", path, suffix[i]) >= sizeof(side))
      return FS_EINVAL;
    rc = fs__privfile_fix(side, 0);
  }
  return rc;
}

/* secure_delete=ON on a replica: a deleted or evicted record's bytes are
 * overwritten, not left in free pages (the build default varies, so it is
 * set and checked on every connection). */
static int secure_delete_on(sqlite3 *db) {
  sqlite3_stmt *st = NULL;
  int rc, on = 0;

  rc = sqlite3_prepare_v2(db, "PRAGMA secure_delete=ON", -1, &st, NULL);
  if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    on = sqlite3_column_int(st, 0);
    rc = SQLITE_OK;
  }
  rc = fs__db_err(db, rc);
  sqlite3_finalize(st);
  if (rc == 0 && on != 1) {
    FS_ERROR(
        "this SQLite build refuses PRAGMA secure_delete; fieldsync needs it to erase "
        "records for good");
    rc = FS_EDB;
  }
  return rc;
}

int fs__db_pragmas(sqlite3 *db) {
  /* secure_delete: pages freed by a delete, an erase or a cleared
   * tombstone are overwritten with zeros, so no deleted content lingers in
   * the file's free pages (docs/RETENTION.md); set explicitly, whatever the
   * system SQLite was built with.
   * synchronous=FULL: in WAL mode every COMMIT fsyncs the WAL before it
   * returns, so a commit that returned is on stable storage and survives a
   * power cut or a kernel crash, not only a process crash (NORMAL syncs
   * only at checkpoints and can lose the last commits).  The daemon
   * acknowledges a change only after its commit, and its writer's group
   * commit pays one sync for many changes; a replica's local write
   * survives the phone's battery dying (PROTOCOL.md 7.2). */
  return fs__db_exec(db, "PRAGMA secure_delete=ON;"
                         "PRAGMA journal_mode=WAL;"
                         "PRAGMA synchronous=FULL;"
                         "PRAGMA cache_size=-65536;"
                         "PRAGMA temp_store=MEMORY;");
}

int fs__db_open(const char *path, int create, fs_schema_role role, sqlite3 **out) {
  sqlite3 *db = NULL;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
  int rc, v = 0;

  if (out)
    *out = NULL;
  if (path == NULL || out == NULL ||
      (role != FS_SCHEMA_CLIENT && role != FS_SCHEMA_DAEMON))
    return FS_EINVAL;
  /* sodium_init is idempotent and thread-safe; the stores use its RNG. */
  if (sodium_init() < 0)
    return FS_ECRYPTO;
  if (create)
    flags |= SQLITE_OPEN_CREATE;
  rc = db_files_private(path, create);
  if (rc)
    return rc;
  rc = sqlite3_open_v2(path, &db, flags, NULL);
  if (rc) {
    rc = fs__db_err(db, rc);
    goto out;
  }
  sqlite3_extended_result_codes(db, 1);
  rc = fs__db_exec(db, "PRAGMA busy_timeout=5000");
  if (rc == 0 && role == FS_SCHEMA_CLIENT)
    rc = secure_delete_on(db);
  if (rc)
    goto out;
  /* Refuse a newer database before anything (even journal_mode=WAL, which
   * rewrites the header) can change the file. */
  rc = user_version(db, &v);
  if (rc)
    goto out;
  if (v > FS_SCHEMA_VERSION) {
    FS_ERROR("%s: schema version %d is newer than %d", path, v, FS_SCHEMA_VERSION);
    rc = FS_ESCHEMA_NEWER;
    goto out;
  }
  rc = fs__db_pragmas(db);
  if (rc)
    goto out;
  rc = fs__schema_migrate(db, role);
  if (rc)
    goto out;
  *out = db;
  db = NULL;
out:
  if (rc && rc != FS_ESCHEMA_NEWER)
    log_open_failure(db, path, create, rc);
  fs__db_close(db);
  return rc;
}
