/* access.c - the ownership rule (see access.h). */
#include "access.h"

#include <string.h>

#include "fs_errno.h"
#include "id.h"

int fs__access_init(fs_access *a, const char *staff, fs_role role) {
  if (a == NULL || !fs__staff_code_valid(staff))
    return FS_EINVAL;
  memset(a, 0, sizeof(*a));
  strcpy(a->staff, staff);
  a->role = role;
  a->all = role == FS_ROLE_ADMIN;
  return fs__access_add_owner(a, staff);
}

int fs__access_add_owner(fs_access *a, const char *owner) {
  if (!fs__staff_code_valid(owner))
    return FS_EINVAL;
  for (int i = 0; i < a->ncodes; i++)
    if (strcmp(a->codes[i], owner) == 0)
      return 0;
  if (a->ncodes == FS_ACCESS_MAX_CODES)
    return FS_EOVERFLOW;
  strcpy(a->codes[a->ncodes++], owner);
  return 0;
}

int fs__access_add_loan(fs_access *a, const char *customer_id) {
  if (!fs__id_valid(customer_id))
    return FS_EINVAL;
  for (int i = 0; i < a->nloans; i++)
    if (strcmp(a->loans[i], customer_id) == 0)
      return 0;
  if (a->nloans == FS_ACCESS_MAX_LOANS)
    return FS_EOVERFLOW;
  strcpy(a->loans[a->nloans++], customer_id);
  return 0;
}

int fs__access_owner_ok(const fs_access *a, const char *owner) {
  if (a->all)
    return 1;
  for (int i = 0; owner && i < a->ncodes; i++)
    if (strcmp(a->codes[i], owner) == 0)
      return 1;
  return 0;
}

static int loaned(const fs_access *a, const char *customer_id) {
  for (int i = 0; customer_id && i < a->nloans; i++)
    if (strcmp(a->loans[i], customer_id) == 0)
      return 1;
  return 0;
}

int fs__access_can_read(const fs_access *a, const char *owner, const char *customer_id) {
  return fs__access_owner_ok(a, owner) || loaned(a, customer_id);
}

int fs__access_can_read_record(const fs_access *a, fs_kind k, const char *owner,
                               const char *customer_id, const char *grade) {
  if (a->role != FS_ROLE_AFTER_SALES)
    return fs__access_can_read(a, owner, customer_id);
  if ((owner && strcmp(owner, a->staff) == 0) || loaned(a, customer_id))
    return 1; /* a loan is read-only, as for anyone (fs__access_check_write) */
  /* The service part is on the card: its child records (visits, contacts,
   * opportunities...) stay with the sales side. */
  return k == FS_KIND_CUSTOMER && grade && strcmp(grade, "delivered") == 0 &&
         fs__access_owner_ok(a, owner);
}

int fs__access_check_write(const fs_access *a, const char *owner, const char *customer_id) {
  if (fs__access_owner_ok(a, owner))
    return 0;
  return loaned(a, customer_id) ? FS_EREADONLY : FS_EFORBIDDEN;
}

int fs__role_parse(const char *s) {
  int i = fs__enum_index(fs__roles, s);
  return i; /* fs__roles is ordered as fs_role */
}

const char *fs__role_name(fs_role r) {
  if ((int)r < 0 || r > FS_ROLE_AFTER_SALES)
    return NULL;
  return fs__roles[r];
}
