/* review_notice.c - the rep hears of the manager's decisions (issue 14):
 * a lost sale confirmed or rejected, a deletion request confirmed or
 * rejected.  The
 * notice is a handovers row of kind 'review' (from_staff: the manager,
 * to_staff: the card's owner, report: the text), sent to the owner as a
 * NOTICE of kind "review" (server_pull.c, PROTOCOL.md 5.5.15); the
 * retention and erase of handover reports (privacy.c) cover it too. */
#include <stdio.h>
#include <string.h>

#include "date.h"
#include "fs_errno.h"
#include "store/push_impl.h"
#include "store/sq.h"

#define NOTICE_MAX 1024

/* The text of field name in row, else dflt. */
static const char *text_of(const fs_row *row, const char *name, const char *dflt) {
  int f = fs__field_index(fs__kind_def(row->kind), name);
  return f >= 0 && row->values[f].type == FS_V_TEXT ? row->values[f].s : dflt;
}

/* "name (archive no.)" of a customer row. */
static void card_name(const fs_row *card, char *out, size_t n) {
  const char *no = text_of(card, "archive_no", NULL);
  snprintf(out, n, "%s%s%s%s", text_of(card, "name", card->id), no ? " (" : "",
           no ? no : "", no ? ")" : "");
}

/* A lost_review change that confirms or rejects (confirmed 1 or 0, with
 * reviewed_by): the text, or "" if the change is neither. */
static int lost_text(fs_central *c, const fs_device *d, const fs__push_item *it,
                     char *body, size_t n) {
  const fs_value *conf = fs__change_written(it->ch, "confirmed"),
                 *by = fs__change_written(it->ch, "reviewed_by"),
                 *note = fs__change_written(it->ch, "review_note");
  char name[300];
  fs_row card;
  int rc;

  if (!it->found || it->ch->op == FS_OP_DELETE || conf == NULL ||
      conf->type != FS_V_INT || by == NULL || by->type != FS_V_TEXT || it->cust == NULL)
    return 0;
  memset(&card, 0, sizeof(card));
  rc = fs__store_get(c->db, FS_KIND_CUSTOMER, it->cust, &card);
  if (rc == 0 && conf->i == 0) {
    card_name(&card, name, sizeof(name));
    snprintf(body, n,
             "your lost sale of %s was rejected by %s%s%s; the card is back at grade %s",
             name, d->staff, note && note->type == FS_V_TEXT ? ": " : "",
             note && note->type == FS_V_TEXT ? note->s : "",
             text_of(&it->existing, "prev_grade", "C"));
  } else if (rc == 0) {
    card_name(&card, name, sizeof(name));
    snprintf(body, n,
             "your lost sale of %s was confirmed by %s%s%s; the card leaves your agenda",
             name, d->staff, note && note->type == FS_V_TEXT ? ": " : "",
             note && note->type == FS_V_TEXT ? note->s : "");
  }
  fs__row_release(&card);
  return rc == FS_ENOTFOUND ? 0 : rc;
}

/* A manager's answer to a deletion request: the DELETE of a card with a
 * request (confirmed), or the request cleared (rejected). */
static void delete_text(const fs_device *d, const fs__push_item *it, char *body,
                        size_t n) {
  const fs_value *req = fs__change_written(it->ch, "delete_requested"),
                 *wn = fs__change_written(it->ch, "delete_note");
  const char *asked = text_of(&it->existing, "delete_requested", NULL),
             *note = wn ? (wn->type == FS_V_TEXT ? wn->s : NULL)
                        : text_of(&it->existing, "delete_note", NULL);
  int confirm = it->ch->op == FS_OP_DELETE;
  char name[300];

  if (!it->found || asked == NULL ||
      (!confirm && (req == NULL || req->type != FS_V_NULL)))
    return;
  card_name(&it->existing, name, sizeof(name));
  snprintf(body, n, "your request of %s to delete the card of %s was %s by %s%s%s%s",
           asked, name, confirm ? "confirmed" : "rejected", d->staff, note ? ": " : "",
           note ? note : "",
           confirm ? "; the card is deleted (its missed deadlines stay in the reports)"
                   : "; the card stays yours");
}

int fs__push_review_notice(fs_central *c, const fs_device *d, const fs__push_item *it) {
  char body[NOTICE_MAX];
  int rc = 0;

  body[0] = '\0';
  if (d->role != FS_ROLE_MANAGER && d->role != FS_ROLE_ADMIN)
    return 0; /* a rep withdrawing their own request tells nobody */
  if (strcmp(it->owner, d->staff) == 0)
    return 0; /* their own card */
  if (it->ch->kind == FS_KIND_LOST_REVIEW)
    rc = lost_text(c, d, it, body, sizeof(body));
  else if (it->ch->kind == FS_KIND_CUSTOMER)
    delete_text(d, it, body, sizeof(body));
  if (rc || body[0] == '\0')
    return rc;
  return fs__sq_run(
      c->db, NULL,
      "INSERT INTO handovers(at, kind, from_staff, to_staff, dry_run, report, "
      "seq) VALUES(?1,'review',?2,?3,0,?4,?5)",
      "ItttI", (int64_t)fs__hlc_wall(&c->hlc), d->staff, it->owner, body,
      (int64_t)fs__central_next_seq(c));
}
