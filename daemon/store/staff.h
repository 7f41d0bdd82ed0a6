/* staff.h - the staff table: who works here, in which role, under whom.
 *
 * Staff codes are checked by the caller (fs__staff_code_valid); the store
 * keeps what it is given.  A stored role or status this build does not
 * know reads as -1 (status.h: callers treat it as the most restrictive).
 */
#ifndef FS_STORE_STAFF_H
#define FS_STORE_STAFF_H

#include <stdint.h>

#include "access.h"
#include "model.h"
#include "status.h"
#include "store/cstore.h"

/* One staff member's standing. */
typedef struct fs_staff_info {
  int role;                       /* fs_role, or -1 if the stored role is unknown */
  int status;                     /* fs_staff_status, or -1 if unknown */
  char manager[FS_STAFF_MAX + 1]; /* "" if none */
} fs_staff_info;

/* Reads staff member code into *out (may be NULL: an existence check).
 * 0, FS_ENOTFOUND, or a translated storage error. */
int fs__staff_get(fs_store_rd *r, const char *code, fs_staff_info *out);

/* Adds an active staff member (manager may be NULL) created at now_ms.
 * Writer transaction.  0 or a translated storage error (FS_EVALIDATE if
 * the code exists). */
int fs__staff_add(fs_central *c, const char *code, const char *name, fs_role role,
                  const char *manager, int64_t now_ms);

/* One row of the staff listing. */
typedef struct fs_staff_row {
  const char *code, *name, *role, *manager, *status, *successor; /* "" if none */
  int64_t devices;                                               /* active devices */
  int64_t customers; /* customer cards owned, not deleted */
} fs_staff_row;

/* Feeds every staff member (only code, if not NULL) to row in code order;
 * the row's text is valid during the call.  row's non-zero return stops
 * the listing and is returned.  0 or a translated storage error. */
int fs__staff_list(fs_store_rd *r, const char *code,
                   int (*row)(void *arg, const fs_staff_row *s), void *arg);

/* Changes staff member code: name unless NULL, role unless < 0, manager
 * unless NULL ("" clears it).  The caller validated them.  Writer
 * transaction.  0 or a storage error. */
int fs__staff_update(fs_central *c, const char *code, const char *name, int role,
                     const char *manager);

/* How many active staff members have code as their manager.  0 and *n,
 * or a storage error. */
int fs__staff_team_size(fs_store_rd *r, const char *code, int64_t *n);

/* Marks code departed at now_ms with successor to (the end of its
 * lifecycle, status.h).  Writer transaction.  0 or a storage error. */
int fs__staff_set_departed(fs_central *c, const char *code, const char *to,
                           int64_t now_ms);

#endif
