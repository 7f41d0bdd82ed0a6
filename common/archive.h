/* archive.h - customer archive numbers <rep>-<year>-<serial>.
 *
 * Scheme (unique with no server round trip, also when one rep creates cards
 * on several devices that are all offline):
 *   Each device of a staff member gets a slot s in 1..FS_ARCHIVE_SLOTS at
 *   enrollment (the daemon never reuses a slot for that staff member).
 *   Serials are handed out in blocks of FS_ARCHIVE_BLOCK; slot s owns the
 *   blocks b with b % FS_ARCHIVE_SLOTS == s - 1.  The device's n-th card of a
 *   year (n from 0) gets
 *     serial = (n / BLOCK * SLOTS + (s - 1)) * BLOCK + n % BLOCK + 1
 *   so the first device numbers 0001..0100, the second 0101..0200, and so on;
 *   the sets of different slots are disjoint by construction.  Serials are
 *   printed with at least four digits.
 */
#ifndef FS_ARCHIVE_H
#define FS_ARCHIVE_H

#include <stddef.h>
#include <stdint.h>

#define FS_ARCHIVE_SLOTS 64
#define FS_ARCHIVE_BLOCK 100
/* Bounds.  The largest number, 16-char rep code + year + 18-digit serial,
 * is 40 bytes: exactly the max of the customer field archive_no. */
#define FS_ARCHIVE_SERIAL_MAX UINT64_C(999999999999999999) /* 18 digits */
#define FS_ARCHIVE_YEAR_MIN 1900
#define FS_ARCHIVE_YEAR_MAX 2999
#define FS_ARCHIVE_REP_MAX 16
#define FS_ARCHIVE_TEXT_MAX 40 /* without the NUL */

/* Serial for the n-th card (n >= 0) of device slot (1..SLOTS); 0 if the
 * slot is out of range or the serial would exceed FS_ARCHIVE_SERIAL_MAX. */
uint64_t fs__archive_serial(int slot, uint64_t n);
/* Formats "A01-2026-0001" into buf; FS_EINVAL on bad input (rep not a staff
 * code, year outside 1900..2999, serial 0 or > FS_ARCHIVE_SERIAL_MAX),
 * FS_EOVERFLOW if it does not fit in len (41 bytes always do).  On error buf
 * holds "" (if len > 0). */
int fs__archive_format(char *buf, size_t len, const char *rep, int year, uint64_t serial);
/* Parses the canonical form that fs__archive_format prints (so "A01-2026-1"
 * and "A01-2026-00001" are refused: one spelling per number); FS_EINVAL if
 * malformed.  rep receives up to 16 chars + NUL ("" on error). */
int fs__archive_parse(const char *s, char rep[17], int *year, uint64_t *serial);

#endif
