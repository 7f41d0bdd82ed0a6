/* central.h - the sync engine's core over the central store.
 *
 * The daemon's writer thread owns one fs_central (the only write handle of
 * the central store).  Pulls run on read-only handles elsewhere and use the
 * free functions below that take a read handle (store/cstore.h).
 *
 * Journal: every visible change of a record writes one row of the journal
 * table (seq, kind, record_id, audience, op).  audience is the staff code the
 * entry is meant for (the record's owner, or a borrower/coverer), op is
 * FS_JOURNAL_ROW (send the current row) or FS_JOURNAL_EVICT (the record left
 * that audience).  (kind, record_id, audience) is unique: a newer entry
 * replaces the older one with a new, higher seq, so the journal holds one
 * entry per record and audience, never history.  A pull walks the journal
 * from the device's cursor, which makes an incremental sync cost follow the
 * number of changes and a fresh device's bootstrap a snapshot, not a replay.
 *
 * seq: one counter for the whole store (meta 'seq'), allocated only by the
 * writer and committed in order, so a reader never sees seq N+1 before N.
 */
#ifndef FS_CENTRAL_H
#define FS_CENTRAL_H

#include <stdint.h>

#include "access.h"
#include "hlc.h"
#include "model.h"
#include "msg.h"
#include "status.h"
#include "store.h"
#include "store/cstore.h"

#define FS_JOURNAL_ROW 1
#define FS_JOURNAL_EVICT 2

/* What the daemon knows of an authenticated device. */
typedef struct fs_device {
  uint64_t id;
  char staff[FS_STAFF_MAX + 1];
  fs_role role;
  int slot;
  fs_device_status status; /* status.h (an unknown stored value: revoked) */
  char name[64];
  int departed; /* the staff member has departed (handover fence) */
  char successor[FS_STAFF_MAX + 1];
  uint64_t cursor;   /* the device's committed pull cursor, as it last said */
  int64_t wipe_at;   /* ms the wipe order (revoke --wipe, departure) took
                        effect; 0 if none */
  uint64_t last_hlc; /* highest change clock acknowledged from it */
} fs_device;

/* Opens (creating if create) the central store at path.  The handle is the
 * store's one writer: it holds an exclusive claim (flock of path.lock,
 * released by fs__central_free or when the process dies), and a second
 * open, in this or another process, fails with FS_EBUSY.  A committed seq
 * that lags the journal (a store once written by two processes) is moved
 * past it.  0, FS_EBUSY, FS_EIO, FS_EDB, FS_ESCHEMA_NEWER, FS_ENOMEM. */
int fs__central_open(const char *path, int create, fs_central **out);
void fs__central_free(fs_central *c); /* takes NULL */
/* The pid that holds the claim on the store at path, 0 if unknown. */
long fs__central_holder(const char *path);
/* The config's wipe_deadline_days, in ms (default 14 days): how long after
 * a wipe order or an ownership move the final upload and the handover
 * fence stay open. */
void fs__central_set_wipe_deadline(fs_central *c, int64_t ms);
int64_t fs__central_wipe_deadline(const fs_central *c);
fs_hlc *fs__central_hlc(fs_central *c);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK of the writer transaction; commit
 * persists the seq counter first.  A failed commit rolls back and returns
 * the translated error (FS_EFULL on a full disk): nothing is acknowledged. */
int fs__central_begin(fs_central *c);
int fs__central_commit(fs_central *c);
void fs__central_rollback(fs_central *c);
/* Allocates the next seq (inside a transaction). */
uint64_t fs__central_next_seq(fs_central *c);
/* Current committed-or-pending seq head. */
uint64_t fs__central_seq(const fs_central *c);

/* Applies a PUSH of device d inside the open transaction: for each change
 * a result (applied/merged/superseded/rejected with code and reason).
 * rcs may be NULL (per-change decode errors, e.g. FS_EUNKNOWN_FIELD).
 * Changes already applied (same device and counter) get their recorded
 * outcome again and change nothing.  results[i].reason is malloc'd.
 * Returns 0, or a storage error (FS_EFULL, FS_EIO, FS_EDB, FS_EBUSY,
 * FS_ENOMEM) after which the caller must roll back and acknowledge
 * nothing. */
int fs__central_push(fs_central *c, const fs_device *d, fs_change *changes,
                     const int *rcs, uint32_t n, fs_push_result *results);

/* Writes a journal entry (upsert) with a fresh seq.  Used by push and by
 * handover/loan/cover administration. */
int fs__central_journal(fs_central *c, fs_kind k, const char *id, const char *audience,
                        int op);

/* Loads the access set of staff from the staff/covers/loans tables as of
 * now_ms.  Works on any handle.  FS_ENOTFOUND for unknown staff. */
int fs__central_access(fs_store_rd *r, const char *staff, int64_t now_ms, fs_access *a);

/* Receives a pull page. */
typedef struct fs_pull_sink {
  void *arg;
  int (*row)(void *arg, const fs_row *row);
  int (*evict)(void *arg, fs_kind k, const char *id);
} fs_pull_sink;

/* Reads one page of at most limit journal entries after cursor that are
 * meant for a (its audiences), within one read transaction on db, and feeds
 * rows / evictions to sink in seq order.  *next is the new cursor, *more 1
 * if entries may remain; when none remain, *next is the store's committed
 * seq (meta 'seq'), so the page also covers seqs with no entry for a.  The child records
 * of a deleted card are fed as evictions, never as rows.  A snapshot (cursor 0) feeds no
 * deleted record at all, nor those children; tombstones (which carry no content, store.h)
 * go to incremental pulls.  0 or a translated error. */
int fs__central_pull(fs_store_rd *r, const fs_access *a, uint64_t cursor, uint32_t limit,
                     const fs_pull_sink *sink, uint64_t *next, int *more);

/* Collects tombstones (and evictions) that every active device seen within
 * keep_days has pulled past, and raises meta 'gc_floor' to that horizon.  A
 * device whose cursor is below the floor is answered FS_ERESYNC and pulls a
 * fresh snapshot, keeping its unsynced changes (client/sync.c).  Writer
 * transaction.  *floor_out and *removed (tombstone rows dropped) may be NULL. */
int fs__central_gc(fs_central *c, int64_t now_ms, int keep_days, uint64_t *floor_out,
                   int *removed);

/* Looks up a device by public key (any handle).  FS_EUNKNOWN_DEVICE. */
int fs__central_device_by_key(fs_store_rd *r, const uint8_t pub[32], fs_device *d);
/* The same by device id, to re-read a connected device's standing (status,
 * staff status, wipe order) before each of its requests.  FS_EUNKNOWN_DEVICE. */
int fs__central_device_by_id(fs_store_rd *r, uint64_t id, fs_device *d);

/* Writes one audit row (who, when, what, why) inside the caller's
 * transaction: every layer that changes state (admin commands, handover,
 * privacy, the push path's fence) audits here, so none includes another's
 * header for it.  actor NULL means "admin"; staff, customer, detail, reason
 * may be NULL; device < 0 means none.  0 or a translated storage error.
 * (store/audit.c) */
int fs__audit(fs_central *c, const char *actor, const char *action, const char *staff,
              const char *customer, long long device, const char *detail,
              const char *reason);

#endif
