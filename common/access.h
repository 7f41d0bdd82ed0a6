/* access.h - who may read and write which records.  The one place where the
 * ownership rule lives; the daemon enforces it on every push and pull, the
 * client applies the same rule to refuse a local write early.
 *
 *   - a rep reads and writes records they own, and those of reps they cover
 *     for (an active cover); reads only customer cards loaned to them;
 *   - a manager reads and writes their own and their team's records (staff
 *     whose manager they are), plus covers as for a rep;
 *   - an admin (the central office) reads and writes everything;
 *   - after-sales staff (role after_sales, issue 14) own nothing: the
 *     owners added to their set are their team (their manager, the staff
 *     whose manager that is, recursively), and of those owners' records
 *     they read only customer cards graded delivered
 *     (fs__access_can_read_record) and write only the service part of
 *     such a card (fs__access_check_write lets the team's records through;
 *     access_rules.h rule A1 narrows it to the service fields of an
 *     existing delivered card and refuses everything else with a reason).
 *
 * An fs_access is filled by the side that knows the facts (the daemon from
 * its staff/covers/loans tables; the client from its identity) and then
 * queried.  Bounded: at most FS_ACCESS_MAX_CODES owners and
 * FS_ACCESS_MAX_LOANS loaned cards; adding more returns FS_EOVERFLOW.
 */
#ifndef FS_ACCESS_H
#define FS_ACCESS_H

#include "fs_enums.h" /* fs_role */
#include "model.h"

#define FS_ACCESS_MAX_CODES 512
#define FS_ACCESS_MAX_LOANS 256

typedef struct fs_access {
  char staff[FS_STAFF_MAX + 1];
  fs_role role;
  int all; /* admin: everything */
  int ncodes;
  char codes[FS_ACCESS_MAX_CODES][FS_STAFF_MAX + 1]; /* owners read+write */
  int nloans;
  char loans[FS_ACCESS_MAX_LOANS][FS_ID_HEX + 1]; /* customer ids, read-only */
} fs_access;

/* Starts an access set for staff with role; the staff's own code is added.
 * Returns 0 or FS_EINVAL (bad code). */
int fs__access_init(fs_access *a, const char *staff, fs_role role);
/* Adds an owner whose records this staff may read and write (team member,
 * covered rep).  Duplicates are ignored.  0, FS_EINVAL, FS_EOVERFLOW. */
int fs__access_add_owner(fs_access *a, const char *owner);
/* Adds a read-only loaned customer card.  0, FS_EINVAL, FS_EOVERFLOW. */
int fs__access_add_loan(fs_access *a, const char *customer_id);

/* 1 if records owned by owner may be written (and read), else 0. */
int fs__access_owner_ok(const fs_access *a, const char *owner);
/* May this staff read a record of owner that belongs to customer_id (the
 * record's own id for customers, its customer_id for child records, NULL
 * for others)?  1 or 0. */
int fs__access_can_read(const fs_access *a, const char *owner, const char *customer_id);
/* The same for a record of kind k; grade is the customer card's grade when
 * k is FS_KIND_CUSTOMER (NULL if unset or another kind).  For after-sales
 * staff: a customer card of the team graded delivered (or their own
 * record, or a card loaned to them), nothing else; for every other role fs__access_can_read.  1 or
 * 0. */
int fs__access_can_read_record(const fs_access *a, fs_kind k, const char *owner,
                               const char *customer_id, const char *grade);
/* May it write such a record?  0 if yes, FS_EREADONLY if it may only read
 * it (loan), FS_EFORBIDDEN otherwise. */
int fs__access_check_write(const fs_access *a, const char *owner, const char *customer_id);

/* "rep"/"manager"/"admin"/"after_sales" <-> fs_role; -1 / NULL if unknown. */
int fs__role_parse(const char *s);
const char *fs__role_name(fs_role r);

#endif
