/* generation.h - the central store's generation: which life of the store
 * a device last synced with.
 *
 * Definition (the one place; later work - echo suppression, several
 * daemons - uses this same marker):
 *   A generation is 128 random bits (libsodium randombytes), written as 32
 *   lowercase hex characters, kept in the store's meta table under the key
 *   'generation'.  A store gets one when a generation-aware fieldsyncd first
 *   opens it (fs__generation_ensure) and a new one every time it is
 *   restored from a backup (fs__generation_renew, run by `fieldsyncd
 *   restore`).  Nothing else changes it.  Two stores (or two lives of one
 *   store) with the same generation share their history up to the moment
 *   the later one was made; a different generation means "what you
 *   acknowledged with the other one may be missing here".
 *   The daemon sends it in WELCOME `generation` (PROTOCOL.md 5.5.2); a
 *   device compares it as an opaque string for equality only.
 *   A backup carries the generation of the store it copied; a restored
 *   store never has the generation of the backup it came from.
 */
#ifndef FS_STORE_GENERATION_H
#define FS_STORE_GENERATION_H

#include "store/cstore.h"

#define FS_GENERATION_HEX 32 /* characters, without the NUL */
#define FS_GENERATION_META "generation"

/* The store's generation into out.  0, FS_ENOTFOUND (the store has none
 * yet: made by an older fieldsyncd and not opened by a newer one), or a
 * translated storage error.  A stored value that is not 32 lowercase hex
 * characters is FS_EDB. */
int fs__generation_get(fs_store_rd *r, char out[FS_GENERATION_HEX + 1]);

/* Draws a new generation and writes it inside the writer's open
 * transaction.  0 or a translated storage error; out holds it on 0. */
int fs__generation_renew(fs_central *c, char out[FS_GENERATION_HEX + 1]);

/* At daemon start, writer thread not yet running: reads the generation,
 * giving the store one (own transaction) if it has none, and creates the
 * admin-event log beside the store (store/adminlog.h) if it is missing,
 * so that a restore can tell "no admin events yet" from "log lost".
 * 0 or an error (logged). */
int fs__generation_ensure(fs_central *c, char out[FS_GENERATION_HEX + 1]);

#endif
