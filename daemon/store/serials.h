/* serials.h - archive serial blocks (issue 14; PROTOCOL.md 5.5.2 "Archive
 * serials"; common/archive.h for the number forms).
 *
 * A rep's serial is one running number per staff member.  The daemon hands
 * each device that numbers from blocks (HELLO blocks true) blocks of it
 * ahead of need, records which block went to which device, and accepts a
 * block-form archive number on a create only from the device it gave that
 * serial's block to.  It decides from these rows, never from what the device
 * claims: HELLO serials_left can only make it grant sooner, up to
 * FS_SERIALS_OPEN_MAX blocks a device has not been seen to finish.
 *
 * Writes take the writer (fs_central) inside its open transaction; reads a
 * read handle.  0 or a negative fs_errno (storage errors translated).
 */
#ifndef FS_STORE_SERIALS_H
#define FS_STORE_SERIALS_H

#include <stddef.h>
#include <stdint.h>

#include "archive.h"
#include "store/central.h"
#include "store/cstore.h"

#define FS_SERIALS_BLOCK_DEFAULT 20 /* config serial_block */
#define FS_SERIALS_BLOCK_MAX 10000
/* Blocks a device may hold that it has not been seen to use up. */
#define FS_SERIALS_OPEN_MAX 4

/* The year width of this store's block numbers: meta archive_year_digits,
 * 2 when absent (stores of schema < 10 switch to the seeds' form for new
 * cards; their numbers stay).  *digits is 2 or 4. */
int fs__serials_year_digits(fs_store_rd *r, int *digits);
/* Sets it; only a store without any customer card may change it
 * (FS_EEXIST otherwise): the four-digit block form spells the same text
 * as the legacy form. */
int fs__serials_set_year_digits(fs_central *c, int digits);

/* Hands device d a new block of `block` serials (1..FS_SERIALS_BLOCK_MAX)
 * when fewer than `block` of its serials are left: left is what the
 * daemon's rows say (serials above the highest seen used), lowered to
 * claimed_left (HELLO serials_left) when that is smaller.  No block when
 * the device already holds FS_SERIALS_OPEN_MAX unfinished ones.  *granted
 * (may be NULL) is 1 if a block was handed out. */
int fs__serials_grant(fs_central *c, const fs_device *d, uint64_t claimed_left,
                      unsigned block, int64_t now_ms, int *granted);
/* What device may still use, as WELCOME serials: of each of its blocks the
 * serials above the highest seen used, ascending; at most
 * FS_ARCHIVE_RANGES_MAX ranges (the lowest). */
int fs__serials_open(fs_store_rd *r, uint64_t device, fs_serial_range *out, uint32_t *n);

/* Judges the archive number of a new customer card pushed by device d:
 * 0 (allowed; a block serial is recorded as used), or FS_EFORBIDDEN with
 * the reason in err: a block-form number whose serial is in no block
 * given to d, or that names another rep; a fallback number that names
 * another rep or slot.  Legacy numbers and text of no form are accepted
 * as before (release 0.1.0 clients). */
int fs__serials_check(fs_central *c, const fs_device *d, const char *archive_no,
                      char *err, size_t errlen);

/* One row of `fieldsyncd serials`: a block and what is left of it. */
typedef struct fs_serials_row {
  uint64_t device;
  const char *staff;
  const char *status;         /* the device's: active, revoked, wipe, wiped */
  uint64_t first, last, used; /* used: highest seen, 0 if none */
  int64_t granted_at;
} fs_serials_row;
/* Every block, by staff then first serial; only_unused: blocks with
 * serials left.  row's strings live until it returns. */
int fs__serials_list(fs_store_rd *r, int only_unused,
                     int (*row)(void *arg, const fs_serials_row *b), void *arg);

#endif
