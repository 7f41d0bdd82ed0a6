/* outbox.h - the replica's queue of local changes not yet acknowledged.
 *
 * Table outbox(seq, counter UNIQUE, kind, record_id, op, hlc, payload,
 * status, code, reason, created_at, attempts).  payload is the change as
 * encoded by fs__change_encode (proto/msg.h), with every changed field and
 * its own HLC.  counter is the device-local change number (meta 'counter'),
 * which with the device id makes the change id the daemon deduplicates on.
 *
 * Entry life cycle:
 *
 *   append --> pending --push ok------> (deleted)
 *                 |   --push refused--> rejected (code, reason kept for
 *                 |                     the user; never pushed again)
 *                 +-- attempts++ on each push try
 */
#ifndef FS_CLIENT_OUTBOX_H
#define FS_CLIENT_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include "fieldsync.h"
#include "model.h"

/* Outbox code marking a re-upload (pending entries otherwise hold 0): a
 * rejected re-upload is dropped, not kept as a rejected change
 * (fs__outbox_settle; recover.h queues them). */
#define FS_OUTBOX_RECOVER_CODE 1

#define FS_OUTBOX_PAYLOAD_MAX (1024u * 1024u) /* bytes of one encoded change */
#define FS_OUTBOX_REASON_MAX 1024             /* bytes of a stored reason */

/* Inside the caller's transaction: takes the next counter (meta
 * 'counter'), stores it in c->counter and appends c as pending. */
int fs__outbox_append(fs_replica *r, fs_change *c);

/* Reads up to max pending entries, oldest first, into a new array *out of
 * *n changes (device_id filled in).  Free with fs__outbox_changes_free. */
int fs__outbox_pending(fs_replica *r, size_t max, fs_change **out, size_t *n);
void fs__outbox_changes_free(fs_change *c, size_t n); /* takes NULL */

/* Result of pushing one change.  code 0: acknowledged (entry deleted);
 * else rejected with code and reason (may be NULL). */
typedef struct fs_outbox_result {
  uint64_t counter;
  int code;
  const char *reason;
} fs_outbox_result;

/* Applies n results in one transaction.  Unknown counters are ignored. */
int fs__outbox_settle(fs_replica *r, const fs_outbox_result *res, size_t n);
/* Adds 1 to attempts of pending entries with counter <= upto. */
int fs__outbox_attempted(fs_replica *r, uint64_t upto);
/* The daemon has seen change counters up to `seen` from this device.  If the
 * replica's own counter is behind (restored from a backup), its unsynced
 * entries are renumbered above `seen` and the counter moved past it, so the
 * daemon never mistakes a new change for an old one it acknowledged.  A
 * re-sent change that was in fact applied is harmless: the merge is
 * idempotent for equal clocks and values.  Own transaction. */
int fs__outbox_renumber(fs_replica *r, uint64_t seen);
/* created_at (ms) of the oldest pending entry, 0 if none. */
int fs__outbox_oldest(fs_replica *r, uint64_t *ms);

/* Calls cb for every pending change of record (k, id), oldest first
 * (decoded; the change is valid during the call).  Runs in the caller's
 * transaction. */
typedef int (*fs_change_cb)(void *arg, const fs_change *c);
int fs__outbox_for_record(fs_replica *r, fs_kind k, const char *id, fs_change_cb cb,
                          void *arg);

#endif
