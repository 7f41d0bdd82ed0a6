/* cli_lost.c - `fieldsync lost review`: the manager confirms or rejects a
 * lost sale recorded by a rep (domain.md: "a lost customer's card goes to
 * the manager, who confirms the loss").  `lost list --pending` (the
 * generic list in cli_record.c) shows those still awaiting review. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "fs_errno.h"

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

  rc = cli_start(c, argc, argv, &a);
  if (rc)
    return rc;
  if (confirm == reject)
    return cli_usage_error(c, "give exactly one of --confirm and --reject", NULL);
  rc = fs_replica_identity(c->r, &me);
  if (rc)
    return cli_fail(c, rc, "lost review");
  /* The device refuses early; the daemon re-checks the team rule. */
  if (me.role != FS_ROLE_MANAGER && me.role != FS_ROLE_ADMIN) {
    fprintf(stderr,
            "fieldsync: lost review: only a manager or the central office may review lost "
            "sales; %s is a %s\n",
            me.staff, fs_role_name(me.role));
    return CLI_ERR;
  }
  if (cli_resolve(c, "lost_review", a.pos[0], id))
    return CLI_ERR;
  rc = fs_lost_review(c->r, id, confirm, note, today);
  if (rc)
    return cli_fail(c, rc, "lost review");
  if (c->json)
    printf("{\"id\":\"%s\",\"confirmed\":%s,\"reviewed_by\":\"%s\",\"reviewed_on\":\"%s\"}\n",
           id, confirm ? "true" : "false", me.staff, today);
  else
    printf("lost sale %s %s by %s on %s\n", id, confirm ? "confirmed" : "rejected", me.staff,
           today);
  return CLI_OK;
}
