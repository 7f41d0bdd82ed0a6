/* fs_enums.h - the enumerations the public client API shares with the
 * rest of fieldsync: one definition each, included by the library's public
 * header (client/fieldsync.h) and by the internal headers that use them
 * (access.h, status.h).
 *
 * This header is part of the public API, like fs_errno.h: it includes
 * nothing and defines only these types.  The numbers are stable (an app
 * may store them); add values at the end.
 */
#ifndef FS_ENUMS_H
#define FS_ENUMS_H

/* What a staff member may do (domain.md; stored as "rep", "manager",
 * "admin", "after_sales"): a rep works on their own records, a manager also
 * on the team's, admin (the central office) on everything; after-sales
 * staff (issue 14, schema v8) own nothing and complete the service part of
 * their team's delivered cards (access.h). */
typedef enum fs_role {
  FS_ROLE_REP = 0,
  FS_ROLE_MANAGER = 1,
  FS_ROLE_ADMIN = 2,
  FS_ROLE_AFTER_SALES = 3
} fs_role;

/* An outbox entry's state (client outbox.status; lifecycle in status.h):
 * pending until the daemon acknowledges it (then the entry is deleted), or
 * rejected for good with a code and a reason kept for the user. */
typedef enum fs_outbox_status {
  FS_OUTBOX_PENDING = 0,
  FS_OUTBOX_REJECTED = 1
} fs_outbox_status;

#endif
