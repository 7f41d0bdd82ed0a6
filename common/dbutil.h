/* dbutil.h - SQLite helpers that know nothing of fieldsync's schema: error
 * translation, transactions, meta(key, value) and a per-connection cache of
 * prepared statements.  Used by the schema migrations (schema.c) and by
 * every module that runs SQL; opening a database is db.h's (it runs the
 * migrations, so it sits above both).
 *
 * fs__db_err translates an SQLite result code into
 * fs_errno at this module boundary (SQLITE_FULL -> FS_EFULL, BUSY/LOCKED ->
 * FS_EBUSY, CONSTRAINT -> FS_EVALIDATE, NOTFOUND/CANTOPEN/IOERR/PERM/
 * READONLY -> FS_EIO, NOMEM -> FS_ENOMEM, TOOBIG -> FS_ETOOBIG, OK/ROW/DONE
 * -> 0, else (NOTADB, CORRUPT, ...) FS_EDB) and logs sqlite3_errmsg at
 * debug level.  db may be NULL.
 */
#ifndef FS_DBUTIL_H
#define FS_DBUTIL_H

#include <sqlite3.h>
#include <stddef.h>

/* Closes db and the statements cached for it (fs__db_stmt).  Takes NULL. */
void fs__db_close(sqlite3 *db);
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
