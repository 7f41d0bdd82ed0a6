/* db.c - opening the SQLite database, error translation, transactions,
 * meta helpers and a per-connection prepared-statement cache. */
#include "db.h"

#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fs_errno.h"
#include "log.h"
#include "privdir.h"

int fs__db_err(sqlite3 *db, int sqlite_rc) {
  int rc;

  switch (sqlite_rc & 0xff) {
  case SQLITE_OK:
  case SQLITE_ROW:
  case SQLITE_DONE:
    return 0;
  case SQLITE_FULL:
    rc = FS_EFULL;
    break;
  case SQLITE_BUSY:
  case SQLITE_LOCKED:
    rc = FS_EBUSY;
    break;
  case SQLITE_CONSTRAINT:
    rc = FS_EVALIDATE;
    break;
  case SQLITE_NOTFOUND:
  case SQLITE_CANTOPEN:
  case SQLITE_IOERR:
  case SQLITE_PERM:
  case SQLITE_READONLY:
    rc = FS_EIO;
    break;
  case SQLITE_NOMEM:
    rc = FS_ENOMEM;
    break;
  case SQLITE_TOOBIG:
    rc = FS_ETOOBIG;
    break;
  default: /* NOTADB, CORRUPT, ERROR, MISUSE, SCHEMA, ... */
    rc = FS_EDB;
    break;
  }
  FS_DEBUG("sqlite: %s (%d): %s", sqlite3_errstr(sqlite_rc), sqlite_rc,
           db ? sqlite3_errmsg(db) : "-");
  return rc;
}

/* ---- statement cache ----------------------------------------------------
 * SQLite 3.40 has no per-connection client data, so the caches live in a
 * small list keyed by connection, guarded by a mutex (lookups are short). */

typedef struct stmt_cache {
  sqlite3 *db;
  sqlite3_stmt *st[FS_DB_STMT_SLOTS];
  struct stmt_cache *next;
} stmt_cache;

static pthread_mutex_t caches_mu = PTHREAD_MUTEX_INITIALIZER;
static stmt_cache *caches;

int fs__db_stmt(sqlite3 *db, int slot, const char *sql, sqlite3_stmt **out) {
  stmt_cache *c;
  sqlite3_stmt *st = NULL;
  int rc = 0;

  if (out)
    *out = NULL;
  if (db == NULL || sql == NULL || out == NULL || slot < 0 || slot >= FS_DB_STMT_SLOTS)
    return FS_EINVAL;
  pthread_mutex_lock(&caches_mu);
  for (c = caches; c && c->db != db; c = c->next)
    ;
  if (c == NULL) {
    c = calloc(1, sizeof(*c));
    if (c == NULL) {
      rc = FS_ENOMEM;
      goto out;
    }
    c->db = db;
    c->next = caches;
    caches = c;
  }
  if (c->st[slot] == NULL) {
    rc = sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
    if (rc) {
      rc = fs__db_err(db, rc);
      goto out;
    }
    c->st[slot] = st;
  }
  st = c->st[slot];
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
  *out = st;
out:
  pthread_mutex_unlock(&caches_mu);
  return rc;
}

static void stmt_cache_drop(sqlite3 *db) {
  stmt_cache **pp, *c = NULL;

  pthread_mutex_lock(&caches_mu);
  for (pp = &caches; *pp; pp = &(*pp)->next) {
    if ((*pp)->db == db) {
      c = *pp;
      *pp = c->next;
      break;
    }
  }
  pthread_mutex_unlock(&caches_mu);
  if (c == NULL)
    return;
  for (int i = 0; i < FS_DB_STMT_SLOTS; i++)
    sqlite3_finalize(c->st[i]);
  free(c);
}

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

void fs__db_close(sqlite3 *db) {
  int rc;

  if (db == NULL)
    return;
  stmt_cache_drop(db);
  rc = sqlite3_close(db);
  if (rc != SQLITE_OK) {
    /* A caller leaked a statement: let SQLite close when it is finalized. */
    FS_WARN("sqlite close: %s; statements still open", sqlite3_errstr(rc));
    sqlite3_close_v2(db);
  }
}

int fs__db_exec(sqlite3 *db, const char *sql) {
  int rc;

  if (db == NULL || sql == NULL)
    return FS_EINVAL;
  rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
  return fs__db_err(db, rc);
}

int fs__db_begin(sqlite3 *db) { return fs__db_exec(db, "BEGIN IMMEDIATE"); }

int fs__db_commit(sqlite3 *db) { return fs__db_exec(db, "COMMIT"); }

void fs__db_rollback(sqlite3 *db) {
  if (db && !sqlite3_get_autocommit(db))
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

/* ---- meta --------------------------------------------------------------- */

/* Prepares the meta lookup for key and steps it: *found is 1 with a row. */
static int meta_find(sqlite3 *db, const char *key, sqlite3_stmt **st, int *found) {
  int rc;

  *found = 0;
  if (db == NULL || key == NULL)
    return FS_EINVAL;
  rc = sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key=?", -1, st, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_bind_text(*st, 1, key, -1, SQLITE_STATIC);
  if (rc == SQLITE_OK) {
    rc = sqlite3_step(*st);
    if (rc == SQLITE_ROW)
      *found = sqlite3_column_type(*st, 0) != SQLITE_NULL;
  }
  return fs__db_err(db, rc);
}

int fs__meta_get_int(sqlite3 *db, const char *key, long long *out) {
  sqlite3_stmt *st = NULL;
  int rc, found;

  rc = meta_find(db, key, &st, &found);
  if (rc)
    goto out;
  if (!found) {
    rc = FS_ENOTFOUND;
    goto out;
  }
  if (sqlite3_column_type(st, 0) != SQLITE_INTEGER) {
    rc = FS_EDB;
    goto out;
  }
  if (out)
    *out = sqlite3_column_int64(st, 0);
out:
  sqlite3_finalize(st);
  return rc;
}

int fs__meta_get_text(sqlite3 *db, const char *key, char *buf, size_t len) {
  sqlite3_stmt *st = NULL;
  const unsigned char *s;
  size_t n;
  int rc, found;

  if (buf == NULL || len == 0)
    return FS_EINVAL;
  rc = meta_find(db, key, &st, &found);
  if (rc)
    goto out;
  if (!found) {
    rc = FS_ENOTFOUND;
    goto out;
  }
  s = sqlite3_column_text(st, 0);
  n = (size_t)sqlite3_column_bytes(st, 0);
  if (s == NULL) {
    rc = FS_ENOMEM;
    goto out;
  }
  if (n >= len) {
    rc = FS_EOVERFLOW;
    goto out;
  }
  memcpy(buf, s, n);
  buf[n] = '\0';
out:
  sqlite3_finalize(st);
  return rc;
}

static int meta_set(sqlite3 *db, const char *key, const char *text, long long v) {
  sqlite3_stmt *st = NULL;
  int rc;

  if (db == NULL || key == NULL)
    return FS_EINVAL;
  rc = sqlite3_prepare_v2(db,
                          "INSERT INTO meta(key, value) VALUES(?, ?) "
                          "ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                          -1, &st, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
  if (rc == SQLITE_OK)
    rc = text ? sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC)
              : sqlite3_bind_int64(st, 2, v);
  if (rc == SQLITE_OK)
    rc = sqlite3_step(st);
  rc = fs__db_err(db, rc);
  sqlite3_finalize(st);
  return rc;
}

int fs__meta_set_int(sqlite3 *db, const char *key, long long v) {
  return meta_set(db, key, NULL, v);
}

int fs__meta_set_text(sqlite3 *db, const char *key, const char *v) {
  if (v == NULL)
    return FS_EINVAL;
  return meta_set(db, key, v, 0);
}
