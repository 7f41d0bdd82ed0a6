/* cli_keyaccounts.c - key customers (issue 14, 综合打分,找出重点客户):
 * `fieldsync keyaccounts apply` writes the ranking report's tier and
 * key_account to the cards (fs_keyaccounts_apply), `keyaccounts override`
 * makes a card's tier the manager's choice (fs_keyaccount_override).  The
 * ranking options are the report's (fs_report_option). */
#include "cli.h"

#include <stdio.h>
#include <string.h>

#include "fs_errno.h"

typedef struct ka_print {
  cli_ctx *c;
  int n; /* changes printed */
} ka_print;

/* One changed card: a line of text, or a JSON object of the array. */
static void print_change(void *arg, const fs_keyaccount_change *ch) {
  ka_print *p = arg;

  if (p->c->json) {
    printf("%s{\"id\":\"%s\",\"score\":%.2f,\"tier_was\":\"%s\",\"tier\":\"%s\"}",
           p->n++ ? "," : "", ch->id, ch->score, ch->tier_was, ch->tier);
    return;
  }
  printf("  %-16s %-6.2f %s -> %s  ", ch->archive_no ? ch->archive_no : ch->id, ch->score,
         ch->tier_was, ch->tier);
  fs__print_text(stdout, ch->name ? ch->name : "", 0);
  printf("\n");
}

int cli_cmd_keyaccounts_apply(cli_ctx *c, int argc, char **argv) {
  fs_report_query q;
  fs_keyaccounts_result res;
  ka_print pr = {c, 0};
  int dry = 0, rc;

  memset(&q, 0, sizeof(q));
  q.name = "ranking";
  for (int i = 0; i < argc; i++) {
    int takes;
    if (strcmp(argv[i], "--dry-run") == 0) {
      dry = 1;
      continue;
    }
    takes = fs_report_option(argv[i]);
    if (takes < 0 || strcmp(argv[i], "--csv") == 0 || strcmp(argv[i], "--top") == 0) {
      const char *best = fs_report_option_suggest(argv[i]);
      char msg[160];
      snprintf(msg, sizeof(msg), "unknown option %.60s%s%s%s", argv[i],
               best ? "; did you mean " : "", best ? best : "", best ? "?" : "");
      return cli_usage_error(c, msg, NULL);
    }
    if (fs_report_query_set(&q, argv[i], takes && i + 1 < argc ? argv[i + 1] : NULL))
      return cli_usage_error(c, fs_errmsg(NULL), NULL);
    i += takes && i + 1 < argc;
  }
  rc = cli_open(c);
  if (rc != CLI_OK)
    return rc;
  if (c->json)
    printf("{\"changes\":[");
  else
    printf("%s the composite score's tier to the cards that differ:\n",
           dry ? "would apply" : "applying");
  rc = fs_keyaccounts_apply(c->r, &q, dry, print_change, &pr, &res);
  if (c->json)
    printf("]");
  if (rc) {
    if (c->json)
      printf("}\n");
    return cli_fail(c, rc, "keyaccounts apply");
  }
  if (c->json)
    printf(",\"customers\":%d,\"changed\":%d,\"overrides\":%d,\"dry_run\":%s}\n",
           res.customers, res.changed, res.overrides, dry ? "true" : "false");
  else
    printf("%d customers ranked; %d cards %s; %d kept as the manager's override\n",
           res.customers, res.changed, dry ? "would change" : "changed", res.overrides);
  return CLI_OK;
}

int cli_cmd_keyaccounts_override(cli_ctx *c, int argc, char **argv) {
  int clear = 0, rc;
  cli_opt opts[] = {{"--clear", 0, NULL, &clear}, {NULL, 0, NULL, NULL}};
  cli_args a = {.opts = opts, .minpos = 1, .maxpos = 2};
  char id[FS_ID_MAX + 1];
  const char *tier;

  rc = cli_start(c, argc, argv, &a);
  if (rc)
    return rc;
  if (clear == (a.npos == 2))
    return cli_usage_error(
        c, "give either a TIER (none, diamond, gold, silver) or --clear", NULL);
  tier = clear ? NULL : a.pos[1];
  if (cli_resolve(c, "customer", a.pos[0], id))
    return CLI_ERR;
  rc = fs_keyaccount_override(c->r, id, tier);
  if (rc == FS_EINVAL)
    return cli_value_error(c, "%s", fs_errmsg(c->r));
  if (rc)
    return cli_fail(c, rc, "keyaccounts override");
  if (c->json)
    printf("{\"id\":\"%s\",\"tier\":%s%s%s,\"override\":%s}\n", id, tier ? "\"" : "",
           tier ? tier : "null", tier ? "\"" : "", tier ? "true" : "false");
  else if (tier)
    printf("customer %s: tier %s, the manager's override (keyaccounts apply leaves it)\n",
           id, tier);
  else
    printf("customer %s: override cleared; the next keyaccounts apply sets its tier from "
           "the score\n",
           id);
  return CLI_OK;
}
