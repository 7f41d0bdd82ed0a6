/* db.h - opening a fieldsync SQLite database (replica or central store).
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
 * NULL.
 *
 * Layering: db -> schema -> dbutil (the helpers, error translation,
 * transactions, meta, statement cache), so the migrations never include
 * this header.  db.h re-exports dbutil.h for its users.
 */
#ifndef FS_DB_H
#define FS_DB_H

#include <sqlite3.h>

#include "dbutil.h"
#include "schema.h"

int fs__db_open(const char *path, int create, fs_schema_role role, sqlite3 **out);
/* The storage pragmas of every fieldsync database (central store and
 * replica), run by fs__db_open: secure_delete=ON, journal_mode=WAL,
 * synchronous=FULL (each COMMIT syncs the WAL before returning: a commit
 * that returned survives a power cut, see PROTOCOL.md 7.2), 64 MiB cache,
 * temp_store in memory.  0 or a translated SQLite error. */
int fs__db_pragmas(sqlite3 *db);

#endif
