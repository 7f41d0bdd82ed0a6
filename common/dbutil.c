/* dbutil.c - SQLite error translation, transactions, meta helpers and a
 * per-connection prepared-statement cache (dbutil.h). */
#include "dbutil.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "fs_errno.h"
#include "log.h"

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

int fs__db_begin(sqlite3 *db) {
  return fs__db_exec(db, "BEGIN IMMEDIATE");
}

int fs__db_commit(sqlite3 *db) {
  return fs__db_exec(db, "COMMIT");
}

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
