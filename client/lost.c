/* lost.c - lost sales (fieldsync.h; domain.md: "a lost customer's card
 * goes to the manager, who confirms the loss"): fs_customer_set_lost, the
 * rep's record of the loss with the card's grade "lost", and
 * fs_lost_review, the manager's confirmation or rejection, which reopens
 * the card at its grade before the loss.  Each one transaction; the rules
 * both sides apply are common/access_rules.h (L1, L2). */
#include <stdio.h>
#include <string.h>

#include "date.h"
#include "fs_errno.h"
#include "id.h"
#include "record.h"
#include "replica.h"

typedef struct lost_ctx {
  const fs_record *review; /* set lost: the rep's record; NULL when reviewing */
  fs_change *c;            /* [0] lost_review, [1] customer, [2] grade_change */
  int confirm;             /* reviewing: confirm (1) or reject (0) */
  const char *note;        /* reviewing: the manager's note, or NULL */
  const char *today;
  int *creates; /* reviewing: creates[2] is set when the card reopens */
  char prev[16];
  fs__grade_ctx g; /* the card's grade change: c + 1 */
} lost_ctx;

/* Set lost, inside the transaction: the card is open; the review gets the
 * rep's fields, the card and its grade now; the card goes lost. */
static int lost_pre(fs_replica *r, void *arg) {
  lost_ctx *x = arg;
  const fs_kind_def *ld = fs__kind_def(FS_KIND_LOST_REVIEW);
  const fs_value *grade;
  fs_row card;
  int rc;

  memset(&card, 0, sizeof(card));
  rc = fs__record_load_live(r, fs__kind_def(FS_KIND_CUSTOMER), x->c[1].id, &card);
  if (rc)
    goto out;
  grade = fs__row_value(&card, "grade");
  if (grade->type == FS_V_TEXT && strcmp(grade->s, "lost") == 0) {
    rc = fs__replica_fail(r, FS_EVALIDATE, "grade: customer %s is already lost",
                          x->c[1].id);
    goto out;
  }
  snprintf(x->c[0].owner, sizeof(x->c[0].owner), "%s", card.owner);
  snprintf(x->c[0].author, sizeof(x->c[0].author), "%s", r->id.staff);
  for (int i = 0; i < ld->nfields; i++) {
    const char *name = ld->fields[i].name;
    if (!x->review->isset[i] || x->review->values[i].type == FS_V_NULL ||
        strcmp(name, "customer_id") == 0 || strcmp(name, "prev_grade") == 0)
      continue;
    rc = fs__change_add(&x->c[0], i, &x->review->values[i]);
    if (rc)
      goto out;
  }
  rc = fs__change_add_text(&x->c[0], ld, "customer_id", x->c[1].id);
  if (rc == 0 && grade->type == FS_V_TEXT)
    rc = fs__change_add_text(&x->c[0], ld, "prev_grade", grade->s);
  if (rc == 0)
    rc = fs__grade_pre(r, &x->g);
out:
  fs__row_release(&card);
  return rc;
}

/* The three changes of either call: [0] the lost_review review_id (a new
 * id if NULL), [1] the customer customer_id, [2] a new grade_change. */
static void lost_setup(lost_ctx *x, fs_change c[3], const char *review_id,
                       const char *customer_id, const char *today) {
  char gid[FS_ID_MAX + 1], lid[FS_ID_MAX + 1];

  fs__id_new(gid);
  fs__id_new(lid);
  fs__change_setup(&c[0], fs__kind_def(FS_KIND_LOST_REVIEW), review_id ? review_id : lid,
                   FS_OP_UPSERT);
  fs__change_setup(&c[1], fs__kind_def(FS_KIND_CUSTOMER), customer_id, FS_OP_UPSERT);
  fs__change_setup(&c[2], fs__kind_def(FS_KIND_GRADE_CHANGE), gid, FS_OP_UPSERT);
  memset(x, 0, sizeof(*x));
  x->c = c;
  x->today = today;
  x->g.c = &c[1];
  x->g.date = today;
}

int fs_customer_set_lost(fs_replica *r, const char *customer_id, const fs_record *review,
                         char id_out[FS_ID_MAX + 1]) {
  int creates[3] = {1, 0, 1}, cls, rc;
  char today[FS_DATE_MAX + 1];
  fs_change c[3];
  lost_ctx x;

  if (r == NULL)
    return FS_EINVAL;
  if (!fs__id_valid(customer_id) || review == NULL ||
      review->kd->kind != FS_KIND_LOST_REVIEW)
    return fs__replica_fail(r, FS_EINVAL, "bad customer id or not a lost_review record");
  /* The record the manager reviews: classified reason, free text (the
   * model requires lost_date and reason). */
  cls = fs__field_index(review->kd, "reason_class");
  if (cls < 0 || !review->isset[cls] || review->values[cls].type == FS_V_NULL)
    return fs__replica_fail(
        r, FS_EVALIDATE,
        "reason_class: required for a lost sale (one of price, product, "
        "delivery_time, financing, service, relationship, postponed, "
        "other)");
  fs__today(today);
  lost_setup(&x, c, NULL, customer_id, today);
  x.review = review;
  x.g.grade = "lost";
  rc = fs__replica_write(r, c, creates, 3, lost_pre, &x);
  if (rc == 0 && id_out)
    snprintf(id_out, FS_ID_MAX + 1, "%s", c[0].id);
  for (int i = 0; i < 3; i++)
    fs__change_release(&c[i]);
  return rc;
}

/* Review, inside the transaction: the review's fields; on a rejection of a
 * card still lost, its grade back to prev_grade. */
static int review_pre(fs_replica *r, void *arg) {
  lost_ctx *x = arg;
  const fs_kind_def *ld = fs__kind_def(FS_KIND_LOST_REVIEW);
  const fs_value *cust, *prev, *grade;
  fs_value conf = {FS_V_INT, 0, NULL, 0};
  fs_row rev, card;
  int rc;

  memset(&rev, 0, sizeof(rev));
  memset(&card, 0, sizeof(card));
  rc = fs__record_load_live(r, ld, x->c[0].id, &rev);
  if (rc)
    goto out;
  snprintf(x->c[0].owner, sizeof(x->c[0].owner), "%s", rev.owner);
  snprintf(x->c[0].author, sizeof(x->c[0].author), "%s", rev.author);
  conf.i = x->confirm;
  rc = fs__change_add(&x->c[0], fs__field_index(ld, "confirmed"), &conf);
  if (rc == 0)
    rc = fs__change_add_text(&x->c[0], ld, "reviewed_by", r->id.staff);
  if (rc == 0)
    rc = fs__change_add_text(&x->c[0], ld, "reviewed_on", x->today);
  if (rc == 0 && x->note)
    rc = fs__change_add_text(&x->c[0], ld, "review_note", x->note);
  cust = fs__row_value(&rev, "customer_id");
  if (rc || x->confirm || cust->type != FS_V_TEXT)
    goto out;
  /* Rejected: the card reopens at the grade it had before the loss. */
  rc = fs__record_load_live(r, fs__kind_def(FS_KIND_CUSTOMER), cust->s, &card);
  if (rc)
    goto out;
  grade = fs__row_value(&card, "grade");
  if (grade->type != FS_V_TEXT || strcmp(grade->s, "lost") != 0)
    goto out; /* open again already: nothing to reopen */
  snprintf(x->c[1].id, sizeof(x->c[1].id), "%s", cust->s);
  /* A record from before prev_grade existed (0.1.0): the coldest open
   * grade, the manager re-rates if need be. */
  prev = fs__row_value(&rev, "prev_grade");
  snprintf(x->prev, sizeof(x->prev), "%s", prev->type == FS_V_TEXT ? prev->s : "C");
  x->g.grade = x->prev;
  x->creates[2] = 1;
  rc = fs__grade_pre(r, &x->g);
out:
  fs__row_release(&rev);
  fs__row_release(&card);
  return rc;
}

int fs_lost_review(fs_replica *r, const char *id, int confirm, const char *note,
                   char on_out[FS_DATE_MAX + 1]) {
  int creates[3] = {0, 0, 0}, rc;
  char today[FS_DATE_MAX + 1];
  fs_change c[3];
  lost_ctx x;

  if (r == NULL)
    return FS_EINVAL;
  if (!fs__id_valid(id))
    return fs__replica_fail(r, FS_EINVAL, "bad lost_review id");
  fs__today(today);
  lost_setup(&x, c, id, "", today);
  x.confirm = confirm != 0;
  x.note = note;
  x.creates = creates;
  /* Confirmed, or nothing to reopen: only the review is written (the
   * customer update without fields and the grade change not marked as a
   * create are skipped by the write).  A rep's review is refused by the
   * write path's rule (access_rules.h L2), as the daemon would. */
  rc = fs__replica_write(r, c, creates, 3, review_pre, &x);
  if (rc == 0 && on_out)
    snprintf(on_out, FS_DATE_MAX + 1, "%s", today);
  for (int i = 0; i < 3; i++)
    fs__change_release(&c[i]);
  return rc;
}
