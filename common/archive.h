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
 *   printed with at least four digits.  This is the legacy ("slot") scheme:
 *   every number of release 0.1.0, always with a four-digit year.
 *
 * Since schema v10 (issue 14, PROTOCOL.md 5.5.2 "Archive serials") the
 * daemon hands each device blocks of a per-rep running serial, and new
 * cards read `<rep>-<yy>-<serial>` as the seeds write them (A01-07-0001;
 * four-digit year if the store was created so).  A device without serials
 * left makes a fallback number that names its slot,
 * `<rep>-<year>-D<slot>-<n>`, unique without the daemon.  The three forms
 * never spell the same text in one store:
 *   block form    3 parts, the store's year width        A01-26-0001
 *   legacy form   3 parts, four-digit year, 2-digit store A01-2026-0101
 *   fallback form 4 parts, third "D" + slot 1..64         A01-26-D2-0001
 * (a four-digit store is new: it holds no legacy numbers, and refuses
 * devices that do not number from blocks at the handshake.)
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

/* ---- every form (issue 14) ------------------------------------------- */

#define FS_ARCHIVE_FALLBACK_MAX UINT64_C(999999999999) /* 12 digits: fits 40 */

typedef struct fs_archive_no {
  char rep[FS_ARCHIVE_REP_MAX + 1];
  int year_digits; /* 2 or 4 */
  int year;        /* as written: 0..99 (2 digits) or 1900..2999 (4 digits) */
  int slot;        /* fallback form: the device slot 1..64; 0 in the others */
  uint64_t serial; /* 1..FS_ARCHIVE_SERIAL_MAX (fallback: ..FALLBACK_MAX) */
} fs_archive_no;

typedef enum fs_archive_form {
  FS_ARCHIVE_FORM_OTHER = 0, /* no archive number of any form */
  FS_ARCHIVE_FORM_BLOCK,     /* a serial of the daemon's blocks */
  FS_ARCHIVE_FORM_LEGACY,    /* the slot scheme (0.1.0, upgraded outboxes) */
  FS_ARCHIVE_FORM_FALLBACK   /* made offline by a device without serials */
} fs_archive_form;

/* Prints a in its canonical spelling (serial padded to four digits, the
 * year to year_digits, the slot without padding).  0, FS_EINVAL for a bad
 * field, FS_EOVERFLOW if it does not fit in len; buf "" on error. */
int fs__archive_print(char *buf, size_t len, const fs_archive_no *a);
/* Parses any form in its canonical spelling only (what fs__archive_print
 * prints).  0 or FS_EINVAL (then *a is zeroed). */
int fs__archive_read(const char *s, fs_archive_no *a);
/* The form of s in a store whose block numbers have store_digits (2 or 4)
 * year digits; *a (may be NULL) gets the parts. */
fs_archive_form fs__archive_classify(const char *s, int store_digits, fs_archive_no *a);
/* The year of a calendar year as written with digits (2: 2026 -> 26). */
int fs__archive_year(int calendar_year, int digits);

/* ---- serial ranges ------------------------------------------------------
 * What a device may still use: ranges [first, last] of its blocks, at most
 * FS_ARCHIVE_RANGES_MAX, sent in WELCOME `serials`.  A device uses its
 * serials in ascending order and remembers the highest it used. */
#define FS_ARCHIVE_RANGES_MAX 64
#define FS_ARCHIVE_RANGES_TEXT (FS_ARCHIVE_RANGES_MAX * 40)

typedef struct fs_serial_range {
  uint64_t first, last;
} fs_serial_range;

/* The smallest serial above `after` inside one of the n ranges, 0 if none. */
uint64_t fs__serial_next(const fs_serial_range *r, int n, uint64_t after);
/* How many serials above `after` the n ranges hold (overlaps counted
 * once is not needed: ranges never overlap). */
uint64_t fs__serial_left(const fs_serial_range *r, int n, uint64_t after);
/* "1-20,41-60" ("" for none); 0 or FS_EOVERFLOW. */
int fs__serial_ranges_text(char *buf, size_t len, const fs_serial_range *r, int n);
/* The reverse; FS_EINVAL on anything else (first 0, first > last, more
 * than max ranges, overlapping or unordered ranges). */
int fs__serial_ranges_parse(const char *s, fs_serial_range *out, int max, int *n);
/* 0 if the n ranges are well formed for the wire (n <= max, 1 <= first <=
 * last <= FS_ARCHIVE_SERIAL_MAX, ascending, disjoint), else FS_EINVAL. */
int fs__serial_ranges_check(const fs_serial_range *r, int n);

#endif
