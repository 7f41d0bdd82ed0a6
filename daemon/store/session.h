/* session.h - the central store's calls for device and admin sessions
 * (daemon/server*.c): device health, the side pages of a pull (conflicts,
 * handover notices), loan-read logging, the reads of a handshake and of the
 * session re-check.
 *
 * Reads take a read handle (store/cstore.h): the loop thread's own, or a
 * pool handle in a pull job.  Writes take the writer (fs_central) and run
 * inside its open transaction (daemon/writer.h: a group commit batches
 * them with pushes); none commits.  Every call returns 0 or a negative
 * fs_errno (a storage error translated: FS_EFULL, FS_EIO, FS_EDB, FS_EBUSY,
 * FS_ENOMEM).  Strings returned are the caller's to free with the free
 * call named beside them.
 */
#ifndef FS_STORE_SESSION_H
#define FS_STORE_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "access.h"
#include "model.h"
#include "msg.h"
#include "store/cstore.h"
#include "token.h"

/* ---- devices: health for `fieldsyncd devices` and the GC horizon ---- */

/* Records a push of device: seen at now_ms, outbox_left changes still
 * waiting on the device (oldest: the ms of the oldest of them, ignored when
 * outbox_left is 0), and its committed pull cursor.  An unknown device
 * changes nothing. */
int fs__store_device_pushed(fs_central *c, uint64_t device, int64_t now_ms,
                            uint64_t outbox_left, uint64_t oldest, uint64_t cursor);
/* Records that device was seen at now_ms with pull cursor cursor. */
int fs__store_device_cursor(fs_central *c, uint64_t device, int64_t now_ms,
                            uint64_t cursor);

/* The highest change counter applied from device (0 if none): a replica
 * restored from a backup learns from it that it is behind. */
int fs__store_applied_max(fs_store_rd *r, uint64_t device, uint64_t *counter);

/* The display name of staff code into name (cap bytes, truncated).
 * FS_ENOTFOUND (name "") for an unknown code. */
int fs__store_staff_name(fs_store_rd *r, const char *code, char *name, size_t cap);

/* The tombstone horizon (meta gc_floor, raised by fs__central_gc): a device
 * whose cursor is below it must pull a fresh snapshot.  0 if never set. */
int fs__store_gc_floor(fs_store_rd *r, uint64_t *floor);

/* Audiences (staff codes) that lost records, i.e. journal evictions with a
 * seq above after: *out a malloc'd array of *n distinct codes (NULL, 0 if
 * none), free with free(). */
int fs__store_evicted_audiences(fs_store_rd *r, uint64_t after,
                                char (**out)[FS_STAFF_MAX + 1], int *n);

/* A mark that grows with every row the writer changes.  Two marks taken
 * around calls inside one transaction differ iff those calls wrote
 * something: an admin command that only listed needs no session re-check
 * and no NOTIFY. */
uint64_t fs__store_write_mark(fs_central *c);

/* ---- the side pages of a pull ----------------------------------------
 * A pull page (fs__central_pull) covers the seqs (after, upto]; conflicts
 * and handover notices logged in that range go with it, at most max items
 * each.  The items of one seq are never split, and the first seq of the
 * page always goes in whole: a page that cannot hold the next item ends
 * before it, *cut is that item's seq (the caller lowers its cursor to
 * *cut - 1 and sets `more`), else *cut is 0.  So a page may hold more than
 * max by the rest of one seq's items (server.h FS_PULL_*_MAX). */

/* Conflicts (and fenced changes) on records a may see, in seq order:
 * *items malloc'd (free with fs__store_conflicts_free), *n of them. */
int fs__store_conflicts_page(fs_store_rd *r, const fs_access *a, uint64_t after,
                             uint64_t upto, uint32_t max, fs_conflict_item **items,
                             uint32_t *n, uint64_t *cut);
void fs__store_conflicts_free(fs_conflict_item *items, uint32_t n); /* takes NULL */

/* One notice: a handover report for a successor or manager, or a
 * manager's decision for a rep (review_notice.c). */
typedef struct fs_notice_row {
  uint64_t seq;
  uint64_t at; /* ms */
  int review;  /* 1: a manager's decision (NOTICE kind "review"), 0: a handover */
  char *body;  /* the report text ("" if none) */
} fs_notice_row;

/* Handover reports (not dry runs) for staff as successor or manager, and
 * the manager's decisions for staff as the card's owner, in seq order:
 * *rows malloc'd (free with fs__store_notices_free). */
int fs__store_notices_page(fs_store_rd *r, const char *staff, uint64_t after,
                           uint64_t upto, uint32_t max, fs_notice_row **rows, uint32_t *n,
                           uint64_t *cut);
void fs__store_notices_free(fs_notice_row *rows, uint32_t n); /* takes NULL */

/* ---- loaned cards read: who read what ------------------------------- */

typedef struct fs_loan_read {
  char customer[FS_ID_HEX + 1];
  int rows; /* records of that card delivered */
} fs_loan_read;

/* Logs that device of staff received n loaned cards at now_ms (one
 * loan_reads row per card still on an open loan to staff). */
int fs__store_loan_reads(fs_central *c, uint64_t device, const char *staff,
                         int64_t now_ms, const fs_loan_read *reads, int n);

#endif
