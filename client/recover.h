/* recover.h - a replica's part after the central store was restored from a
 * backup (PROTOCOL.md 5.5.2, "Store generation and recovery").
 *
 * The replica keeps the store generation of its last WELCOME in meta
 * 'store_generation'.  On a different one it re-uploads what it holds and
 * may write, keeps its unsynced changes, and re-snapshots.
 */
#ifndef FS_CLIENT_RECOVER_H
#define FS_CLIENT_RECOVER_H

#include <stdint.h>

#include "fieldsync.h"

/* Called with WELCOME `generation` (NULL or "" from a daemon that sends
 * none: nothing happens) after meta 'write_owners' was stored.  Unknown
 * before: stored.  Equal: nothing.  Different: in one transaction, queues
 * a re-upload of every record held whose owner this replica may write
 * (its staff code or one in meta 'write_owners') with every field at its
 * own clock, renumbers the pending outbox so counters rise with clocks,
 * sets the cursor to 0 with a full resync pending (the next pull), raises
 * the replica's clock past what it re-uploads, and stores the generation.
 * *queued (may be NULL) gets the number of re-uploads.  0 or an fs_errno
 * (nothing changed then). */
int fs__recover_check(fs_replica *r, const char *generation, uint64_t *queued);

#endif
