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
#include <stddef.h>

#include "model.h"

typedef enum fs_schema_role { FS_SCHEMA_CLIENT = 1, FS_SCHEMA_DAEMON = 2 } fs_schema_role;

/* History:
 *   1  record tables, staff, meta; client outbox/conflicts/notices; daemon
 *      devices, applied, conflicts, audit, tokens, journal, covers, loans,
 *      loan_reads, handovers, quarantine.
 *   2  customers.source, customers.next_contact (ALTER TABLE ADD COLUMN,
 *      with their CHECKs) and the index on customers(phone).
 *   4  client outbox.bases (conflict bases of queued changes);
 *      daemon history (per-record history, daemon/history.h).
 *   5  issue 14: customer.delete_requested, opportunity.lost_class,
 *      lost_review.reason_class and prev_grade.
 *   6  issue 14: customer.delete_note (the manager's answer to a deletion
 *      request); daemon handovers rows of kind 'review' (notices to a rep,
 *      no DDL).
 *   7  model generation 2 (issue 14): tables day_signoffs, activity_plans,
 *      sales_periods (schema.c since_kinds).
 *   8  issue 14 (smaller gaps): customer.business_policy, managing_director,
 *      legal_rep, licence_date, units_delivered, service_notes,
 *      last_verified; staff.role also 'after_sales' (the staff table
 *      rebuilt with the new CHECK, rows kept).
 *   9  issue 14, the showroom: showroom_log.revisit and channel; indexes
 *      showroom_log(customer_id) and (trim(phone)).
 *  10  issue 14: daemon serial_blocks (archive serial blocks handed to
 *      devices, store/serials.h); meta archive_year_digits (absent: 2).
 *  11  issue 15: visit.corrects and visit.counts_on (visit corrections)
 *      and the index on visits(corrects).  (8..10 belong to other
 *      branches; the lead merges them.)
 *  12  issue 14 (key customers): customer.tier_override (the card's tier
 *      and key_account are the manager's choice, not the score's).
 *  14  issue 15: daemon conflicts.loser_staff, winner_staff; client
 *      conflicts.winner_author (who wrote each side of a conflict).
 * A field listed in schema.c's "since" table with since > 1 is left out of
 * the version-1 CREATE TABLE and added by its step. */
#define FS_SCHEMA_VERSION 14

/* Schema fragments: each layer owns its tables.  common/ holds the record
 * tables (from the model), staff and meta, and the migration machinery;
 * a role's own tables are a fragment: its version-1 DDL and the SQL of
 * its later steps (since 2..FS_SCHEMA_VERSION, run after the generated
 * columns of that step).  The client's is built in (common/schema.c); the
 * daemon registers the central store's (daemon/store/schema.c) before it
 * opens its store.  Migrating a role with no fragment registered fails
 * with FS_EINVAL (nothing written). */
typedef struct fs_schema_step {
  int since;       /* the version this step produces, 2..FS_SCHEMA_VERSION */
  const char *sql; /* run inside the migration's transaction */
} fs_schema_step;

typedef struct fs_schema_fragment {
  fs_schema_role role;
  const char *name; /* for messages: "daemon", "client" */
  const char *v1;   /* the role's tables as of version 1 */
  const fs_schema_step *steps;
  int nsteps;
} fs_schema_fragment;

/* Registers f (static storage: kept by pointer) as the tables of f->role.
 * The first registration of a role wins; registering the same fragment
 * again is a no-op, from any thread.  0, or FS_EINVAL (malformed, or a
 * different fragment for a role that has one). */
int fs__schema_register(const fs_schema_fragment *f);

int fs__schema_version(void); /* FS_SCHEMA_VERSION */
/* Brings db to FS_SCHEMA_VERSION: 0, FS_ESCHEMA_NEWER (db untouched),
 * FS_EBUSY, FS_EDB...  Idempotent.  Must not be called inside a
 * transaction (it opens its own BEGIN IMMEDIATE). */
int fs__schema_migrate(sqlite3 *db, fs_schema_role role);
/* TEST ONLY: as fs__schema_migrate but stops at `version` (1..
 * FS_SCHEMA_VERSION), to build old databases for upgrade tests. */
int fs__schema_migrate_to(sqlite3 *db, fs_schema_role role, int version);
/* TEST ONLY: makes migration step `version` fail with FS_EDB after part of
 * its work is done (0 disables).  Not thread-safe. */
void fs__schema_test_fail_step(int version);
/* The CHECK expression of field f (column f->name), written
 * into buf ("" if the field has no constraint).  FS_EOVERFLOW if len is too
 * small.  Exposed for tests and tools. */
int fs__schema_field_check(const fs_field *f, char *buf, size_t len);

#endif
