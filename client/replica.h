/* replica.h - internals of the client replica, for record.c, query.c,
 * outbox.c and the sync engine (sync.c).  replica.c: identity, open, the
 * write path; pull_store.c: what a pull stores (rows, evictions, cursor,
 * conflicts); erase.c: fs_replica_erase.
 *
 * The write path (fs__replica_write) is the only place that changes records
 * on behalf of the user:
 *
 *   BEGIN IMMEDIATE
 *     for each change:  stamp HLC -> check permission -> validate
 *                       -> fs__store_apply (seq 0) -> [fault hook]
 *                       -> outbox append (new device counter)
 *     meta 'hlc' := last stamp
 *   COMMIT                       (any failure: ROLLBACK, nothing written)
 *
 * Pulled data goes through fs__replica_apply_row, which never creates
 * outbox entries.
 *
 * meta keys used: staff, role, device_id, slot (identity), hlc, counter,
 * cursor, archive:<year> (cards made this year on this device).
 */
#ifndef FS_CLIENT_REPLICA_H
#define FS_CLIENT_REPLICA_H

#include <sqlite3.h>
#include <stdint.h>

#include "fieldsync.h"
#include "hlc.h"
#include "model.h"
#include "msg.h"
#include "replica_handle.h"
#include "store.h"

/* Sets r->err (printf style) and returns rc, for `return fs__replica_fail(...)`. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
int fs__replica_fail(fs_replica *r, int rc, const char *fmt, ...);

sqlite3 *fs__replica_db(fs_replica *r);
fs_hlc *fs__replica_hlc(fs_replica *r);

/* Arms fault point f: when reached, hook (if set) is called, then the write
 * fails with FS_EINTERNAL and is rolled back.  FS_FAULT_NONE disarms. */
void fs__replica_fault(fs_replica *r, fs_fault f);
void fs__replica_fault_hook(fs_replica *r, fs_fault_hook hook, void *arg);

/* The one write-permission rule: 0 if this replica may write a record owned
 * by `owner`, else FS_EFORBIDDEN (with r->err set).  The owner must be our
 * staff member; for a manager also any owner of a record already in this
 * replica (the team: the daemon only lets a manager pull its team's
 * records, and re-checks on push).  (Cover and loan rules will extend
 * this.) */
int fs__replica_may_write(fs_replica *r, const char *owner);

/* A replica that has not synced for meta 'lock_days' days (default
 * FS_LOCK_DAYS_DEFAULT) locks: reads and writes return FS_ELOCKED (message in
 * r->err) until a sync succeeds.  Offline-only replicas never lock. */
#define FS_LOCK_DAYS_DEFAULT 30
int fs__replica_check_lock(fs_replica *r);

/* The write path (see top).  changes[i] are filled except clocks and
 * device fields: fs__replica_write stamps one new HLC per change on it and
 * on each of its fields, and sets device_id.  creates[i] says whether
 * change i creates its record (validation of required fields).  If `pre`
 * is not NULL it runs first inside the transaction (to read current state,
 * assign archive numbers...) and may fill or amend the changes.  A
 * non-create UPSERT left with no fields is skipped. */
typedef int (*fs_write_pre)(fs_replica *r, void *arg);
int fs__replica_write(fs_replica *r, fs_change *changes, const int *creates, int n,
                      fs_write_pre pre, void *arg);

/* ---- for sync ------------------------------------------------------------
 * These run in their own transaction (one each) unless noted. */

/* Stores a pulled row (fs__store_put_row), then re-applies the still
 * pending outbox changes of that record on top, so unsynced local edits
 * are not lost.  Runs inside the caller's transaction if one is open
 * (sqlite3_get_autocommit() == 0), else in its own. */
int fs__replica_apply_row(fs_replica *r, const fs_row *row);
/* Removes a record and everything derived from it (issue 11, hole 7): for
 * a customer all its child records; of each of them, conflict-log rows,
 * outbox entries the daemon rejected and resync_seen rows (pending outbox
 * entries are unsynced work and stay: they are pushed, and the daemon
 * decides); for a customer also every line of a notice naming its archive
 * number or name (replaced by a placeholder).  secure_delete (db.c)
 * overwrites the freed bytes.  Same transaction rule as
 * fs__replica_apply_row.  Call fs__replica_scrub after the transaction. */
int fs__replica_evict(fs_replica *r, fs_kind k, const char *id);
/* After evictions (outside a transaction): checkpoints the WAL
 * (TRUNCATE), so no older page image of an evicted record stays in
 * replica.db-wal.  No-op if nothing was evicted.  If another connection
 * holds the WAL, warns and returns 0 (retried at the next scrub). */
int fs__replica_scrub(fs_replica *r);
/* Pull cursor in meta 'cursor' (0 if never set). */
int fs__replica_cursor_get(fs_replica *r, uint64_t *out);
int fs__replica_cursor_set(fs_replica *r, uint64_t cursor);
/* Records a conflict reported by the daemon (CONFLICTS message item
 * fields) in the conflicts table. */
int fs__replica_conflict_add(fs_replica *r, const char *kind, const char *id,
                             const char *field, const fs_value *loser, uint64_t loser_hlc,
                             const fs_value *winner, uint64_t winner_hlc,
                             const char *author, uint64_t at);
/* The same for an item with the CONFLICTS key `fenced`: the staff code
 * whose device sent a change that arrived after a handover and was not
 * applied, for the owner to accept or dismiss (NULL or "": an ordinary
 * conflict). */
int fs__replica_conflict_add_fenced(fs_replica *r, const char *kind, const char *id,
                                    const char *field, const fs_value *loser,
                                    uint64_t loser_hlc, const fs_value *winner,
                                    uint64_t winner_hlc, const char *author, uint64_t at,
                                    const char *fenced);
/* The same for a CONFLICTS item as received, `winner_author` included. */
int fs__replica_conflict_item_add(fs_replica *r, const fs_conflict_item *it);
/* Stores the identity (after enrollment).  Own transaction. */
int fs__replica_set_identity(fs_replica *r, const fs_identity *id);
/* The role the daemon's WELCOME names (`role`, issue 15: `fieldsyncd staff
 * edit --role` changes it): stored as this replica's identity's role if it
 * differs, so the local checks follow it.  An unknown or NULL text changes
 * nothing.  0 or a storage error. */
int fs__replica_adopt_role(fs_replica *r, const char *role_text);
/* fs_replica_erase(r, NULL, NULL): leftovers are only logged. */
int fs__replica_wipe(fs_replica *r);

#endif
