/* devadmin.h - the devices table, administration side: enrollment, the
 * listing, revocation and wipe orders (status.h has the lifecycle).  The
 * lookups a connection makes (by key, by id) are central.h's.
 *
 * A wipe order has a time (devices.wipe_at): the device's final upload
 * closes wipe_deadline_days after it (fs__central_wipe_deadline).
 */
#ifndef FS_STORE_DEVADMIN_H
#define FS_STORE_DEVADMIN_H

#include <stdint.h>

#include "store/cstore.h"

/* Registers pub for staff with the next free archive slot (slots are never
 * reused), active, enrolled at now_ms.  *slot and *id receive the slot and
 * the new device's id.  Writer transaction.  0, FS_EOVERFLOW (no free slot
 * left, FS_ARCHIVE_SLOTS), FS_EEXIST (the key is enrolled already), or a
 * translated storage error. */
int fs__device_add(fs_central *c, const char *staff, const uint8_t pub[32],
                   int64_t now_ms, int *slot, uint64_t *id);

/* One row of the device listing. */
typedef struct fs_device_row {
  int64_t id;
  const char *staff;
  int64_t slot;
  const char *status;      /* as stored */
  int64_t last_seen;       /* ms, 0 if never */
  int64_t outbox;          /* outbox depth it last reported */
  int64_t oldest_unsynced; /* ms, 0 if none */
} fs_device_row;

/* Feeds every device to row in id order (text valid during the call);
 * row's non-zero return stops and is returned.  0 or a storage error. */
int fs__device_list(fs_store_rd *r, int (*row)(void *arg, const fs_device_row *d),
                    void *arg);

/* Revokes device (not one already wiped): status revoked, or with wipe an
 * order to wipe at now_ms (an earlier order keeps its time).  Writer
 * transaction.  0, FS_ENOTFOUND (no such device, or wiped), or a storage
 * error. */
int fs__device_revoke(fs_central *c, int64_t device, int wipe, int64_t now_ms);

/* Orders the wipe of every active or wipe-ordered device of staff at
 * now_ms (a departure); an earlier order keeps its time.  Writer
 * transaction.  0 or a storage error. */
int fs__device_wipe_order_staff(fs_central *c, const char *staff, int64_t now_ms);

/* Gives every device under a wipe order (status wipe, or active with
 * departed staff) that has no order time yet (a store upgraded from schema
 * v2) the time now_ms.  Writer transaction.  0 or a storage error. */
int fs__device_wipe_order_fill(fs_central *c, int64_t now_ms);

/* Up to max ids (in ids) of devices under a wipe order whose order is at
 * least deadline_ms old at now_ms and that are not yet marked wiped; *n
 * receives the count.  0 or a storage error. */
int fs__device_wipe_due(fs_store_rd *r, int64_t now_ms, int64_t deadline_ms, int64_t *ids,
                        int max, int *n);

/* Marks device wiped unless it is already; *marked is 1 if it changed.
 * Writer transaction.  0 or a storage error. */
int fs__device_set_wiped(fs_central *c, int64_t device, int *marked);

#endif
