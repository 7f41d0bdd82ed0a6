/* cli_lost.c - lost sales (domain.md: "a lost customer's card goes to the
 * manager, who confirms the loss"): `fieldsync customer lost`, the rep
 * records the loss (fs_customer_set_lost), and `fieldsync lost review`, the
 * manager confirms or rejects it (fs_lost_review; a rejection reopens the
 * card).  `lost list --pending` (the generic list in cli_record.c) shows
 * those still awaiting review.  `customer delete-review`: the manager's
 * answer to a rep's deletion request (fs_customer_delete_review), the
 * pending ones being `customer list --delete-requested`. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "fs_errno.h"

/* --confirm or --reject, by a manager or admin (the device refuses
 * early; the daemon re-checks the team rule).  CLI_OK or the exit code. */
static int review_start(cli_ctx *c, int argc, char **argv, cli_args *a, const int *confirm,
                        const int *reject, const char *what, const char *deed,
                        fs_identity *me) {
  int rc = cli_start(c, argc, argv, a);

  if (rc)
    return rc;
  if (*confirm == *reject)
    return cli_usage_error(c, "give exactly one of --confirm and --reject", NULL);
  rc = fs_replica_identity(c->r, me);
  if (rc)
    return cli_fail(c, rc, what);
  if (me->role != FS_ROLE_MANAGER && me->role != FS_ROLE_ADMIN) {
    fprintf(stderr, "fieldsync: %s: only a manager or the central office may %s; %s is a %s\n",
            what, deed, me->staff, fs_role_name(me->role));
    return CLI_ERR;
  }
  return CLI_OK;
}

int cli_cmd_customer_delete_review(cli_ctx *c, int argc, char **argv) {
  const char *note = NULL;
  int confirm = 0, reject = 0, rc;
  cli_opt opts[] = {{"--confirm", 0, NULL, &confirm},
                    {"--reject", 0, NULL, &reject},
                    {"--note", 1, &note, NULL},
                    {NULL, 0, NULL, NULL}};
  cli_args a = {.opts = opts, .minpos = 1, .maxpos = 1};
  char id[FS_ID_MAX + 1];
  fs_identity me;

  rc = review_start(c, argc, argv, &a, &confirm, &reject, "customer delete-review",
                    "answer deletion requests", &me);
  if (rc)
    return rc;
  if (cli_resolve(c, "customer", a.pos[0], id))
    return CLI_ERR;
  rc = fs_customer_delete_review(c->r, id, confirm, note);
  if (rc)
    return cli_fail(c, rc, "customer delete-review");
  if (c->json)
    printf("{\"id\":\"%s\",\"deleted\":%s,\"reviewed_by\":\"%s\"}\n", id,
           confirm ? "true" : "false", me.staff);
  else
    printf("deletion of customer %s %s by %s%s\n", id, confirm ? "confirmed" : "rejected",
           me.staff, confirm ? "; the card is deleted" : "; the card stays with its rep");
  return CLI_OK;
}

int cli_cmd_lost_review(cli_ctx *c, int argc, char **argv) {
  const char *note = NULL;
  int confirm = 0, reject = 0, rc;
  cli_opt opts[] = {{"--confirm", 0, NULL, &confirm},
                    {"--reject", 0, NULL, &reject},
                    {"--note", 1, &note, NULL},
                    {NULL, 0, NULL, NULL}};
  fs_identity me;
  char id[FS_ID_MAX + 1], today[FS_DATE_MAX + 1];
  cli_args a = {.opts = opts, .minpos = 1, .maxpos = 1};

  rc = review_start(c, argc, argv, &a, &confirm, &reject, "lost review", "review lost sales",
                    &me);
  if (rc)
    return rc;
  if (cli_resolve(c, "lost_review", a.pos[0], id))
    return CLI_ERR;
  /* A rejection reopens the card at its grade before the loss, in the same
   * transaction (fs_lost_review). */
  rc = fs_lost_review(c->r, id, confirm, note, today);
  if (rc)
    return cli_fail(c, rc, "lost review");
  if (c->json)
    printf("{\"id\":\"%s\",\"confirmed\":%s,\"reviewed_by\":\"%s\",\"reviewed_on\":\"%s\"}\n",
           id, confirm ? "true" : "false", me.staff, today);
  else
    printf("lost sale %s %s by %s on %s%s\n", id, confirm ? "confirmed" : "rejected", me.staff,
           today, confirm ? "" : "; the card is open again at its previous grade");
  return CLI_OK;
}

int cli_cmd_customer_lost(cli_ctx *c, int argc, char **argv) {
  const char *cls = NULL, *reason = NULL, *competitor = NULL, *date = NULL;
  cli_opt opts[] = {{"--reason-class", 1, &cls, NULL},
                    {"--reason", 1, &reason, NULL},
                    {"--competitor", 1, &competitor, NULL},
                    {"--lost-date", 1, &date, NULL},
                    {NULL, 0, NULL, NULL}};
  cli_args a = {.opts = opts, .minpos = 1, .maxpos = 1};
  fs_record *rec = NULL;
  char id[FS_ID_MAX + 1], lid[FS_ID_MAX + 1], today[FS_DATE_MAX + 1];
  int rc;

  rc = cli_start(c, argc, argv, &a);
  if (rc)
    return rc;
  if (cls == NULL || reason == NULL)
    return cli_usage_error(c, "give --reason-class and --reason", NULL);
  if (cli_resolve(c, "customer", a.pos[0], id))
    return CLI_ERR;
  if (fs_record_new("lost_review", &rec))
    return cli_fail(c, FS_ENOMEM, "customer lost");
  fs_today(today);
  rc = fs_record_set(rec, "lost_date", date ? date : today);
  if (rc == 0)
    rc = fs_record_set(rec, "reason_class", cls);
  if (rc == 0)
    rc = fs_record_set(rec, "reason", reason);
  if (rc == 0 && competitor)
    rc = fs_record_set(rec, "competitor", competitor);
  if (rc) {
    fprintf(stderr, "fieldsync: customer lost: %s\n", fs_errmsg(NULL));
    rc = CLI_ERR;
    goto out;
  }
  rc = fs_customer_set_lost(c->r, id, rec, lid);
  if (rc) {
    rc = cli_fail(c, rc, "customer lost");
    goto out;
  }
  if (c->json)
    printf("{\"id\":\"%s\",\"lost_review\":\"%s\",\"grade\":\"lost\"}\n", id, lid);
  else
    printf("customer %s is lost; lost sale %s awaits the manager's confirmation\n", id, lid);
out:
  fs_record_free(rec);
  return rc;
}
