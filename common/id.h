/* id.h - 128-bit record ids, made on the device with no server round trip.
 *
 * Layout (as UUIDv7): 48 bits of milliseconds since the epoch, then 80 random
 * bits from libsodium's CSPRNG.  Time-ordered ids keep SQLite's B-tree inserts
 * at the right edge (see engineering-notes: ~1.8x faster than random keys).
 * Text form: 32 lowercase hex characters.
 */
#ifndef FS_ID_H
#define FS_ID_H

#include <stddef.h>
#include <stdint.h>

/* Writes 32 hex chars and a NUL into out.  Needs sodium_init() done (any
 * fs__ open function does it). */
void fs__id_new(char out[33]);
/* 1 if s is exactly 32 lowercase hex chars, else 0. */
int fs__id_valid(const char *s);
/* 1 if s is a staff code: [A-Z][A-Z0-9]{1,15}. */
int fs__staff_code_valid(const char *s);

#endif
