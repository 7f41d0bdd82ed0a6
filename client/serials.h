/* serials.h - the device side of archive serial blocks (issue 14,
 * PROTOCOL.md 5.5.2 "Archive serials"; common/archive.h for the forms).
 *
 * Replica meta keys:
 *   archive_year_digits  2 or 4, from the last WELCOME that carried
 *                        archive_year; absent: the daemon hands out no
 *                        blocks (older daemon) and cards get legacy numbers
 *   archive_serials      that WELCOME's serials as text ("1-20,41-60")
 *   archive_serial_last  the highest serial this device used
 *   archive_fallback     fallback numbers made so far
 *   archive:<year>       legacy numbering's per-year count (before v10)
 * Internal to libfieldsync.
 */
#ifndef FS_CLIENT_SERIALS_H
#define FS_CLIENT_SERIALS_H

#include <stdint.h>

#include "archive.h"
#include "fieldsync.h"
#include "msg.h"

/* Fills HELLO's blocks (1) and serials_left from the replica. */
int fs__serials_hello(fs_replica *r, fs_msg_hello *h);
/* Stores what WELCOME w says of serials (or that it says nothing). */
int fs__serials_welcome(fs_replica *r, const fs_msg_welcome *w);
/* The next archive number of this device for a card made on calendar
 * year `year`, inside the caller's write transaction: the next serial of
 * its blocks, else a fallback number (*fallback 1), or the legacy form if
 * the daemon hands out no blocks.  0, FS_EOVERFLOW (no number left, with
 * fs__replica_fail's message), or a storage error. */
int fs__serials_next(fs_replica *r, int year, char out[FS_ARCHIVE_TEXT_MAX + 1],
                     int *fallback);

#endif
