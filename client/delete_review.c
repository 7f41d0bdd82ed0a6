/* delete_review.c - the manager's answer to a rep's deletion request
 * (fieldsync.h fs_customer_delete_review; issue 14: "deleting a card a rep
 * owns is a request the manager confirms").  One transaction; the rule
 * both sides apply is common/access_rules.h C5, and the daemon tells the
 * rep (a NOTICE of kind "review"). */
#include <stdio.h>
#include <string.h>

#include "fs_errno.h"
#include "id.h"
#include "record.h"
#include "replica.h"

typedef struct delrev_ctx {
  fs_change *c; /* [0] the card's note / cleared request, [1] its DELETE */
  int confirm;
  const char *note;
} delrev_ctx;

/* Inside the transaction: the card has a request; the changes name its
 * owner and author. */
static int delrev_pre(fs_replica *r, void *arg) {
  delrev_ctx *x = arg;
  const fs_kind_def *kd = fs__kind_def(FS_KIND_CUSTOMER);
  fs_value null = {FS_V_NULL, 0, NULL, 0};
  fs_row card;
  int rc;

  memset(&card, 0, sizeof(card));
  rc = fs__record_load_live(r, kd, x->c[0].id, &card);
  if (rc)
    goto out;
  if (fs__row_value(&card, "delete_requested")->type == FS_V_NULL) {
    rc = fs__replica_fail(r, FS_EVALIDATE,
                          "delete_requested: customer %s has no deletion request to "
                          "confirm or reject",
                          x->c[0].id);
    goto out;
  }
  for (int i = 0; i < 2; i++) {
    snprintf(x->c[i].owner, sizeof(x->c[i].owner), "%s", card.owner);
    snprintf(x->c[i].author, sizeof(x->c[i].author), "%s", card.author);
  }
  if (x->note)
    rc = fs__change_add_text(&x->c[0], kd, "delete_note", x->note);
  if (rc == 0 && !x->confirm)
    rc = fs__change_add(&x->c[0], fs__field_index(kd, "delete_requested"), &null);
out:
  fs__row_release(&card);
  return rc;
}

int fs_customer_delete_review(fs_replica *r, const char *id, int confirm,
                              const char *note) {
  const fs_kind_def *kd = fs__kind_def(FS_KIND_CUSTOMER);
  int creates[2] = {0, 0}, rc;
  fs_change c[2];
  delrev_ctx x;

  if (r == NULL)
    return FS_EINVAL;
  if (!fs__id_valid(id))
    return fs__replica_fail(r, FS_EINVAL, "bad customer id");
  if (r->id.role != FS_ROLE_MANAGER && r->id.role != FS_ROLE_ADMIN)
    return fs__replica_fail(r, FS_EFORBIDDEN,
                            "only a manager or the central office confirms or rejects a "
                            "deletion request; %s is a rep",
                            r->id.staff);
  fs__change_setup(&c[0], kd, id, FS_OP_UPSERT);
  fs__change_setup(&c[1], kd, id, FS_OP_DELETE);
  x.c = c;
  x.confirm = confirm != 0;
  x.note = note;
  /* The note goes first, so the daemon's notice of a confirmation can
   * quote it; an UPSERT left without fields is skipped. */
  rc = fs__replica_write(r, c, creates, x.confirm ? 2 : 1, delrev_pre, &x);
  for (int i = 0; i < 2; i++)
    fs__change_release(&c[i]);
  return rc;
}
