/* db.h - SQLite helpers shared by replica and central store.
 *
 * fs__db_open opens (creating if asked) a database in WAL mode with the
 * pragmas fieldsync relies on (foreign_keys, busy_timeout, synchronous=NORMAL
 * in WAL which is durable across process crashes, cache size) and runs
 * fs__schema_migrate.  fs__db_err translates an SQLite result code into
 * fs_errno at this module boundary (SQLITE_FULL -> FS_EFULL, BUSY/LOCKED ->
 * FS_EBUSY, CONSTRAINT -> FS_EVALIDATE, NOTFOUND/CANTOPEN -> FS_EIO, else
 * FS_EDB) and logs sqlite3_errmsg at debug level.
 */
#ifndef FS_DB_H
#define FS_DB_H

#include <sqlite3.h>

#include "schema.h"

int fs__db_open(const char *path, int create, fs_schema_role role, sqlite3 **out);
void fs__db_close(sqlite3 *db); /* takes NULL */
int fs__db_err(sqlite3 *db, int sqlite_rc);
/* Runs sql (no results) and translates errors. */
int fs__db_exec(sqlite3 *db, const char *sql);
int fs__db_begin(sqlite3 *db);    /* BEGIN IMMEDIATE */
int fs__db_commit(sqlite3 *db);
void fs__db_rollback(sqlite3 *db); /* safe if no transaction is open */
/* meta(key TEXT PRIMARY KEY, value) helpers */
int fs__meta_get_int(sqlite3 *db, const char *key, long long *out); /* FS_ENOTFOUND */
int fs__meta_set_int(sqlite3 *db, const char *key, long long v);
int fs__meta_get_text(sqlite3 *db, const char *key, char *buf, size_t len);
int fs__meta_set_text(sqlite3 *db, const char *key, const char *v);

#endif
