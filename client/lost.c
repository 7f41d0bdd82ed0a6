/* lost.c - fs_lost_review: a manager confirms or rejects a lost sale a rep
 * recorded (domain.md: "a lost customer's card goes to the manager, who
 * confirms the loss"). */
#include <stdio.h>
#include <string.h>

#include "fieldsync.h"
#include "replica.h"

int fs_lost_review(fs_replica *r, const char *id, int confirm, const char *note,
                   char on_out[FS_DATE_MAX + 1]) {
  fs_record *rec = NULL;
  fs_identity me;
  char today[FS_DATE_MAX + 1];
  int rc;

  if (r == NULL || id == NULL)
    return FS_EINVAL;
  rc = fs_replica_identity(r, &me);
  if (rc)
    return rc;
  /* The device refuses early; the daemon re-checks the team rule. */
  if (me.role != FS_ROLE_MANAGER && me.role != FS_ROLE_ADMIN)
    return fs__replica_fail(r, FS_EFORBIDDEN,
                            "only a manager or the central office may review lost sales; "
                            "%s is a %s",
                            me.staff, fs_role_name(me.role));
  rc = fs_record_new("lost_review", &rec);
  if (rc)
    return fs__replica_fail(r, rc, "%s", fs_errmsg(NULL));
  fs_today(today);
  rc = fs_record_set(rec, "confirmed", confirm ? "yes" : "no");
  if (rc == 0)
    rc = fs_record_set(rec, "reviewed_by", me.staff);
  if (rc == 0)
    rc = fs_record_set(rec, "reviewed_on", today);
  if (rc == 0 && note)
    rc = fs_record_set(rec, "review_note", note);
  if (rc) {
    rc = fs__replica_fail(r, rc, "%s", fs_errmsg(NULL));
    goto out;
  }
  rc = fs_update(r, "lost_review", id, rec);
  if (rc == 0 && on_out)
    snprintf(on_out, FS_DATE_MAX + 1, "%s", today);
out:
  fs_record_free(rec);
  return rc;
}
