/* access_service.c - rule A1 of access_rules.h: after-sales staff complete
 * the service part of a delivered customer's card, nothing else (issue 14,
 * 背面由售后服务人员完成). */
#include "access_rules.h"

#include <stdio.h>
#include <string.h>

#include "fs_errno.h"
#include "store.h"

/* "licence_date, units_delivered, ..." : the service fields of the card. */
static void service_fields(char *out, size_t n) {
  const fs_kind_def *kd = fs__kind_def(FS_KIND_CUSTOMER);
  size_t len = 0;

  out[0] = '\0';
  for (int i = 0; i < kd->nfields && len < n; i++)
    if (kd->fields[i].flags & FS_F_SERVICE)
      len += (size_t)snprintf(out + len, n - len, "%s%s", len ? ", " : "",
                              kd->fields[i].name);
}

int fs__access_service_check(sqlite3 *db, const char *staff, const fs_change *c,
                             char *err, size_t errlen) {
  const fs_kind_def *kd = fs__kind_def(c->kind);
  char list[256];
  fs_row row;
  int g, rc;

  service_fields(list, sizeof(list));
  if (c->kind != FS_KIND_CUSTOMER || c->op == FS_OP_DELETE) {
    snprintf(err, errlen,
             "%s %s: %s is after-sales staff, who complete the service part of delivered "
             "customers' cards (%s) and %s nothing else; ask the card's rep",
             kd ? kd->name : "record", c->id, staff, list,
             c->op == FS_OP_DELETE ? "delete" : "write");
    return FS_EFORBIDDEN;
  }
  memset(&row, 0, sizeof(row));
  rc = fs__store_get(db, FS_KIND_CUSTOMER, c->id, &row);
  if (rc == FS_ENOTFOUND || (rc == 0 && row.deleted)) {
    snprintf(err, errlen,
             "customer %s: after-sales staff (%s) do not open customer cards; the rep "
             "who sold opens it, after-sales complete its service part",
             c->id, staff);
    rc = FS_EFORBIDDEN;
    goto out;
  }
  if (rc)
    goto out;
  /* The card as stored decides, never what the change says it becomes. */
  g = fs__field_index(kd, "grade");
  if (row.values[g].type != FS_V_TEXT || strcmp(row.values[g].s, "delivered") != 0) {
    snprintf(
        err, errlen,
        "customer %s: its grade is %s, not delivered; after-sales staff (%s) complete "
        "the service part of delivered customers' cards only",
        c->id, row.values[g].type == FS_V_TEXT ? row.values[g].s : "unset", staff);
    rc = FS_EFORBIDDEN;
    goto out;
  }
  for (int i = 0; i < c->nfields; i++) {
    const fs_field *f = &kd->fields[c->fields[i].field];
    if (f->flags & FS_F_SERVICE)
      continue;
    snprintf(err, errlen,
             "%s: not part of the service part of the card; after-sales staff (%s) write "
             "only %s (the rest is the rep's)",
             f->name, staff, list);
    rc = FS_EFORBIDDEN;
    goto out;
  }
out:
  fs__row_release(&row);
  return rc;
}
