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

/* Writes 32 hex chars and a NUL into out.  Calls sodium_init() itself on
 * first use (idempotent, thread-safe); never fails.  Ids made in the same
 * millisecond are not ordered among themselves. */
void fs__id_new(char out[33]);
/* As fs__id_new with a given time (ms since the epoch, low 48 bits used);
 * for tests and imports that keep a record's original creation time. */
void fs__id_new_at(char out[33], uint64_t ms);
/* 1 if s is exactly 32 lowercase hex chars, else 0 (also for NULL). */
int fs__id_valid(const char *s);
/* The creation time (ms) in a valid id; 0 if s is not a valid id. */
uint64_t fs__id_ms(const char *s);
/* 1 if s is a staff code: [A-Z][A-Z0-9]{1,15}, else 0 (also for NULL). */
int fs__staff_code_valid(const char *s);

#endif
