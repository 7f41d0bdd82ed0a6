/* db.h - SQLite helpers shared by replica and central store.
 *
 * fs__db_open opens (creating if asked) a database in WAL mode with the
 * pragmas fieldsync relies on (busy_timeout 5 s, then fs__db_pragmas; no
 * foreign keys: replicated records arrive in any order) and runs
 * fs__schema_migrate.  The file (created 0600 before SQLite opens it, so
 * its -wal/-shm get 0600 too, whatever the umask) and existing -wal/-shm/
 * -journal that others may read are made 0600 with a warning
 * (privdir.h).  A client-role connection runs with secure_delete=ON
 * (checked: FS_EDB if this SQLite refuses it).  A database newer than FS_SCHEMA_VERSION
 * is refused with FS_ESCHEMA_NEWER before anything is written to it.  On error *out is
 * NULL.  fs__db_err translates an SQLite result code into
 * fs_errno at this module boundary (SQLITE_FULL -> FS_EFULL, BUSY/LOCKED ->
 * FS_EBUSY, CONSTRAINT -> FS_EVALIDATE, NOTFOUND/CANTOPEN/IOERR/PERM/
 * READONLY -> FS_EIO, NOMEM -> FS_ENOMEM, TOOBIG -> FS_ETOOBIG, OK/ROW/DONE
 * -> 0, else (NOTADB, CORRUPT, ...) FS_EDB) and logs sqlite3_errmsg at
 * debug level.  db may be NULL.
 */
#ifndef FS_DB_H
#define FS_DB_H

#include <sqlite3.h>

#include "schema.h"

int fs__db_open(const char *path, int create, fs_schema_role role, sqlite3 **out);
void fs__db_close(sqlite3 *db); /* takes NULL */
/* The storage pragmas of every fieldsync database (central store and
 * replica), run by fs__db_open: secure_delete=ON, journal_mode=WAL,
 * synchronous=FULL (each COMMIT syncs the WAL before returning: a commit
 * that returned survives a power cut, see PROTOCOL.md 7.2), 64 MiB cache,
 * temp_store in memory.  0 or a translated SQLite error. */
int fs__db_pragmas(sqlite3 *db);
int fs__db_err(sqlite3 *db, int sqlite_rc);
/* Runs sql (no results) and translates errors. */
int fs__db_exec(sqlite3 *db, const char *sql);
int fs__db_begin(sqlite3 *db); /* BEGIN IMMEDIATE */
int fs__db_commit(sqlite3 *db);
void fs__db_rollback(sqlite3 *db); /* safe if no transaction is open */
/* meta(key TEXT PRIMARY KEY, value) helpers */
int fs__meta_get_int(sqlite3 *db, const char *key, long long *out); /* FS_ENOTFOUND */
int fs__meta_set_int(sqlite3 *db, const char *key, long long v);
int fs__meta_get_text(sqlite3 *db, const char *key, char *buf, size_t len);
int fs__meta_set_text(sqlite3 *db, const char *key, const char *v);

/* Per-connection cache of prepared statements for hot paths.  A slot in
 * [0, FS_DB_STMT_SLOTS) is always used with the same sql (store.c uses
 * 0..FS_DB_STMT_STORE_END-1; others take slots above).  *out is reset with
 * its bindings cleared; the caller must not finalize it (fs__db_close does).
 * A connection using this must be closed with fs__db_close, and used by one
 * thread at a time.  0, FS_EINVAL, FS_ENOMEM or a translated SQLite error. */
#define FS_DB_STMT_SLOTS 64
#define FS_DB_STMT_STORE_END 32
#define FS_DB_STMT_OUTBOX_RECORD 48 /* client/outbox.c */
#define FS_DB_STMT_RESYNC_SEEN 49   /* client/sync.c */
int fs__db_stmt(sqlite3 *db, int slot, const char *sql, sqlite3_stmt **out);

#endif
