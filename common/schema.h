/* schema.h - the one SQLite schema of fieldsync and its migrations.
 *
 * Record tables are generated from the model tables (model.h) with CHECK
 * constraints for every enumeration, bound and date format.  Staff and
 * devices are in both roles; the client adds its outbox and sync state, the
 * daemon its change journal, conflict log, audit log and tokens.
 *
 * Versioning: PRAGMA user_version holds the schema version.  Migrations are
 * an ordered list; fs__schema_migrate applies every missing step inside one
 * BEGIN IMMEDIATE transaction (all or nothing).  A database whose version is
 * newer than FS_SCHEMA_VERSION is refused with FS_ESCHEMA_NEWER and not
 * touched.
 */
#ifndef FS_SCHEMA_H
#define FS_SCHEMA_H

#include <sqlite3.h>

typedef enum fs_schema_role { FS_SCHEMA_CLIENT = 1, FS_SCHEMA_DAEMON = 2 } fs_schema_role;

int fs__schema_version(void);
int fs__schema_migrate(sqlite3 *db, fs_schema_role role);

#endif
