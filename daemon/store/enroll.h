/* enroll.h - one-time enrollment tokens (the tokens table).
 *
 * The store keeps a token's secret only as its hash (token.h:
 * fs__token_secret_hash), the staff member it enrolls, its expiry, and once
 * used, when and which device it enrolled.
 */
#ifndef FS_STORE_ENROLL_H
#define FS_STORE_ENROLL_H

#include <stdint.h>

#include "store/cstore.h"
#include "token.h"

/* Stores a new token for staff expiring at expires_s (seconds since 1970).
 * Writer transaction.  0 or a translated storage error. */
int fs__token_add(fs_central *c, const uint8_t hash[FS_TOKEN_SECRET_HASH_LEN],
                  const char *staff, int64_t expires_s);

/* Is the token of this hash, issued for staff, usable at now_s?  0,
 * FS_ETOKEN (unknown, or issued for someone else), FS_ETOKEN_USED,
 * FS_ETOKEN_EXPIRED, or a translated storage error. */
int fs__token_state(fs_store_rd *r, const uint8_t hash[FS_TOKEN_SECRET_HASH_LEN],
                    const char *staff, int64_t now_s);

/* Marks the token used at now_ms by device.  Writer transaction.  0 or a
 * translated storage error. */
int fs__token_use(fs_central *c, const uint8_t hash[FS_TOKEN_SECRET_HASH_LEN],
                  uint64_t device, int64_t now_ms);

#endif
