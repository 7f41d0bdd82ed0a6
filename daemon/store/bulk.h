/* store/bulk.h - the daemon's own writes of sample data into the central
 * store (`fieldsyncd seed`, daemon/seed.c; the benches' seeding).  Every
 * call runs inside the writer transaction of c (fs__central_begin), so a
 * caller batches as many as it likes per commit.
 */
#ifndef FS_STORE_BULK_H
#define FS_STORE_BULK_H

#include <stdint.h>

#include "access.h"
#include "store/central.h"

/* Adds active staff member code (name, role, manager: NULL for none,
 * created_at_ms) unless a member with that code exists, which is kept as
 * it is.  *added (may be NULL) is 1 if the row was added, 0 if kept.  0 or
 * a translated storage error. */
int fs__bulk_staff_add(fs_central *c, const char *code, const char *name, fs_role role,
                       const char *manager, int64_t created_at_ms, int *added);

/* Stores ch (already validated) as the daemon's own write: merged with a
 * fresh seq, journalled for ch->owner, and the store's clock moved past
 * ch->hlc.  No conflict log, no history (nobody's device wrote it).
 * *outcome (may be NULL) gets the merge's outcome.  0 or a translated
 * storage error. */
int fs__bulk_record_put(fs_central *c, const fs_change *ch, fs_outcome *outcome);

#endif
