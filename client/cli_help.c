/* cli_help.c - fieldsync's side of the conventions both programs share
 * (common/cmdline.h, common/suggest.h; issue 15): "did you mean", required
 * options and value errors as usage errors (exit 2), and the bash
 * completion made from the command table. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cmdline.h"
#include "suggest.h"

/* Option names of a command, for suggestions and completion: its own, the
 * record's fields as --field-name, --set. */
typedef struct optnames {
  char names[96][48];
  int n;
} optnames;

/* Adds name; dashes is "--" for a field name, "" for an option. */
static void optnames_add(optnames *o, const char *dashes, const char *name) {
  if (o->n >= (int)(sizeof(o->names) / sizeof(o->names[0])))
    return;
  snprintf(o->names[o->n], sizeof(o->names[0]), "%s%s", dashes, name);
  for (char *p = o->names[o->n] + 2; *p; p++)
    if (*p == '_')
      *p = '-';
  o->n++;
}

static void optnames_of_kind(optnames *o, const char *kind) {
  fs_kind_info ki;
  fs_field_info fi;

  if (kind == NULL || fs_kind_describe(kind, &ki) != 0)
    return;
  for (int i = 0; i < ki.nfields; i++)
    if (fs_field_describe(kind, i, &fi) == 0)
      optnames_add(o, "--", fi.name);
  optnames_add(o, "", "--set");
  if (ki.flags & FS_KIND_IS_CHILD)
    optnames_add(o, "", "--customer");
}

int cli_unknown_option(cli_ctx *c, const cli_args *a, const char *arg) {
  char msg[160];
  optnames o;
  fs_suggest sg;

  o.n = 0;
  for (int k = 0; a->opts && a->opts[k].name; k++)
    optnames_add(&o, "", a->opts[k].name);
  if (a->rec)
    optnames_of_kind(&o, fs_record_kind(a->rec));
  fs__suggest_init(&sg, arg);
  for (int i = 0; i < o.n; i++)
    fs__suggest_add(&sg, o.names[i]);
  if (fs__suggest_best(&sg))
    snprintf(msg, sizeof(msg), "unknown option %.60s; did you mean %s?", arg,
             fs__suggest_best(&sg));
  else
    snprintf(msg, sizeof(msg), "unknown option %.60s", arg);
  return cli_usage_error(c, msg, NULL);
}

int cli_unknown_command(const cli_cmd *cmds, int n, int argc, char **argv) {
  char firsts[64][32], word[160], best[160];
  fs_suggest sg;
  int group = 0, nfirst = 0;

  /* "customer ad": the nearest second word of the group. */
  for (int i = 0; argc > 1 && i < n; i++) {
    size_t k = strlen(argv[0]);
    if (strncmp(cmds[i].name, argv[0], k) == 0 && cmds[i].name[k] == ' ')
      group = 1;
  }
  fs__suggest_init(&sg, group ? argv[1] : argv[0]);
  for (int i = 0; i < n; i++) {
    size_t k = strcspn(cmds[i].name, " ");
    int seen = 0;
    if (group) {
      if (strncmp(cmds[i].name, argv[0], k) == 0 && strlen(argv[0]) == k &&
          cmds[i].name[k] == ' ')
        fs__suggest_add(&sg, cmds[i].name + k + 1);
      continue;
    }
    /* Candidates: the first word of every command, once each. */
    for (int g = 0; g < nfirst; g++)
      seen |= strlen(firsts[g]) == k && strncmp(firsts[g], cmds[i].name, k) == 0;
    if (seen || nfirst == 64)
      continue;
    snprintf(firsts[nfirst], sizeof(firsts[0]), "%.*s", (int)k, cmds[i].name);
    fs__suggest_add(&sg, firsts[nfirst++]);
  }
  if (!group) {
    fs__help_unknown(stderr, "fieldsync", "command", argv[0], fs__suggest_best(&sg),
                     "fieldsync --help");
    return CLI_USAGE;
  }
  snprintf(word, sizeof(word), "%.60s %.60s", argv[0], argv[1]);
  if (fs__suggest_best(&sg))
    snprintf(best, sizeof(best), "%.60s %.60s", argv[0], fs__suggest_best(&sg));
  fs__help_unknown(stderr, "fieldsync", "command", word,
                   fs__suggest_best(&sg) ? best : NULL, "fieldsync --help");
  return CLI_USAGE;
}

int cli_value_error(cli_ctx *c, const char *fmt, ...) {
  va_list ap;

  fprintf(stderr, "fieldsync %s: ", c->cmd->name);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\n(see fieldsync %s --help)\n", c->cmd->name);
  return CLI_USAGE;
}

const char *cli_field_default(const char *kind, const char *field) {
  /* What fs_create fills in when the option is not given. */
  if (strcmp(kind, "showroom") == 0 && strcmp(field, "rep_on_duty") == 0)
    return "this device's staff code";
  /* The showroom report reads these when unset (common/report/report.h). */
  if (strcmp(kind, "showroom") == 0 && strcmp(field, "revisit") == 0)
    return "none; the report counts it returning if an earlier entry has this card or "
           "phone";
  if (strcmp(kind, "showroom") == 0 && strcmp(field, "channel") == 0)
    return "none; the report takes phone if --source is phone, else walk_in";
  if (strcmp(kind, "customer") == 0 && strcmp(field, "created") == 0)
    return "today";
  if (strcmp(kind, "customer") == 0 && strcmp(field, "grade_date") == 0)
    return "the created date";
  return NULL;
}

int cli_check_required(cli_ctx *c, fs_record *rec) {
  const char *kind = fs_record_kind(rec);
  fs_kind_info ki;
  fs_field_info f;

  if (fs_kind_describe(kind, &ki) != 0)
    return CLI_OK;
  for (int i = 0; i < ki.nfields; i++) {
    char opt[64];
    if (fs_field_describe(kind, i, &f) != 0 || !(f.flags & FS_FIELD_REQUIRED) ||
        fs_record_isset(rec, f.name) || cli_field_default(kind, f.name))
      continue;
    if (strcmp(f.name, "customer_id") == 0)
      snprintf(opt, sizeof(opt), "--customer");
    else
      snprintf(opt, sizeof(opt), "--%s", f.name);
    for (char *p = opt + 2; *p; p++)
      if (*p == '_')
        *p = '-';
    return cli_usage_error(c, "missing required option", opt);
  }
  return CLI_OK;
}

int cli_cmd_completion(cli_ctx *c, int argc, char **argv) {
  const cli_cmd *cmds;
  fs_completion_cmd cc[96];
  static char words[96][2048];
  int n = 0;

  if (argc != 1 || strcmp(argv[0], "bash") != 0)
    return cli_usage_error(c, "which shell? only bash is supported", NULL);
  cmds = cli_commands(&n);
  if (n > 96)
    n = 96;
  for (int i = 0; i < n; i++) {
    optnames o;
    size_t used = 0;
    o.n = 0;
    /* add/edit take the kind's fields as options. */
    if (cmds[i].fn == cli_cmd_add || cmds[i].fn == cli_cmd_edit ||
        cmds[i].fn == cli_cmd_visit_correct)
      optnames_of_kind(&o, cmds[i].kind);
    words[i][0] = '\0';
    for (int k = 0; k < o.n && used + 50 < sizeof(words[0]); k++)
      used +=
          (size_t)snprintf(words[i] + used, sizeof(words[0]) - used, "%s ", o.names[k]);
    cc[i].name = cmds[i].name;
    cc[i].usage = cmds[i].usage;
    cc[i].words = words[i];
  }
  return fs__completion_bash(stdout, "fieldsync", cc, (size_t)n) ? CLI_ERR : CLI_OK;
}

int cli_check_changes(cli_ctx *c, fs_record *rec) {
  const char *kind = fs_record_kind(rec);
  fs_field_info f;

  for (int i = 0; fs_field_describe(kind, i, &f) == 0; i++)
    if (fs_record_isset(rec, f.name))
      return CLI_OK;
  return cli_usage_error(c,
                         "nothing to change: give at least one --FIELD VALUE (or --set "
                         "FIELD=VALUE)",
                         NULL);
}

/* ---- what --help says about each option ------------------------------------ */

#define END                                                                              \
  { NULL, NULL }
/* clang-format off */
#define LIST_COMMON                                                                     \
  {"--owner CODE", "only records this staff member owns (default: all held here)"},     \
  {"--search TEXT", "only records whose searchable fields contain TEXT"},               \
  {"--limit N", "at most N rows (default: all)"},                                       \
  {"--offset N", "skip the first N rows (default: 0)"},                                 \
  {"--order FIELD", "sort by FIELD, -FIELD descending (default: creation order)"}
#define PERIOD                                                                          \
  {"--from YYYY-MM-DD", "first day, inclusive (default: no limit)"},                    \
  {"--to YYYY-MM-DD", "last day, inclusive, not before --from (default: no limit)"}
#define CUSTOMER_FILTER                                                                 \
  {"--customer NAME", "only this customer's: archive number, id or id prefix (default: all)"}
/* clang-format on */

static const fs_cmd_opt o_customer_delete[] = {
    {"ID",
     "full id, unique prefix of 6+ characters (the lists show 16), or the archive "
     "number, any case (required)"},
    {"--yes", "delete without asking (-y; default: on a terminal, say how many visits, "
              "contacts and opportunities go with the card and ask; elsewhere refuse)"},
    END};
static const fs_cmd_opt o_id[] = {
    {"ID",
     "full id, unique prefix of 6+ characters (the lists show 16), or for customers "
     "the archive number, any case (required)"},
    END};
static const fs_cmd_opt o_show[] = {
    {"ID",
     "full id, unique prefix of 6+ characters (the lists show 16), or for customers "
     "the archive number, any case (required)"},
    {"--all", "every field, the empty ones too, and for a customer every visit "
              "(default: only fields with a value, the latest 10 visits)"},
    END};
static const fs_cmd_opt o_edit[] = {
    {"ID", "the record: full id, unique id prefix, or archive number (required)"},
    {"--set FIELD=VALUE", "set a field by its name; at least one field must change"},
    END};
static const fs_cmd_opt o_correct[] = {
    {"ID", "the visit to correct: full id or unique prefix of 6+ characters (required)"},
    {"--set FIELD=VALUE", "set a field by its name (default: every field as the original)"},
    END};
static const fs_cmd_opt o_customer_list[] = {
    {"--grade G",
     "only this grade, any case: O, A, B, C, delivered, lost (default: all)"},
    {"--delete-requested",
     "only cards whose rep asked for their deletion, awaiting the manager's "
     "`customer delete-review` (default: all)"},
    LIST_COMMON,
    END};
static const fs_cmd_opt o_grade[] = {
    {"ID", "the customer: archive number, id or id prefix (required)"},
    {"GRADE", "O, A, B, C, delivered or lost, any case (required)"},
    {"--date YYYY-MM-DD", "when the grade changed (default: today)"},
    {"--delivery-date YYYY-MM-DD",
     "for delivered: the delivery date (default: the one on the card)"},
    END};
static const fs_cmd_opt o_customer_lost[] = {
    {"ID", "the customer: archive number, id or id prefix (required)"},
    {"--reason-class C",
     "price, product, delivery_time, financing, service, relationship, postponed or "
     "other (required)"},
    {"--reason TEXT", "what happened, in a sentence (required)"},
    {"--competitor NAME", "who won the sale (default: none)"},
    {"--lost-date YYYY-MM-DD", "when the sale was lost (default: today)"},
    END};
static const fs_cmd_opt o_search[] = {
    {"TEXT", "part of a name, phone or archive number (required)"}, END};
static const fs_cmd_opt o_history[] = {
    {"--customer NAME", "the customer: archive number, id or id prefix (required)"},
    PERIOD,
    LIST_COMMON,
    END};
static const fs_cmd_opt o_child_list[] = {CUSTOMER_FILTER, LIST_COMMON, END};
static const fs_cmd_opt o_dated_list[] = {CUSTOMER_FILTER, PERIOD, LIST_COMMON, END};
static const fs_cmd_opt o_showroom_list[] = {PERIOD, LIST_COMMON, END};
static const fs_cmd_opt o_lost_list[] = {
    CUSTOMER_FILTER,
    {"--pending", "only reviews the manager has not confirmed or rejected yet"},
    PERIOD,
    LIST_COMMON,
    END};
static const fs_cmd_opt o_lost_review[] = {
    {"ID", "the lost-sale review: full id or unique id prefix (required)"},
    {"--confirm", "the sale is lost: the card becomes grade lost"},
    {"--reject", "not lost: the rep keeps working the customer"},
    {"--note TEXT", "the manager's note (default: none)"},
    END};
static const fs_cmd_opt o_delete_review[] = {
    {"ID", "the customer: archive number, id or id prefix (required)"},
    {"--confirm",
     "delete the card as the rep asked (its missed deadlines stay in the reports)"},
    {"--reject", "keep the card: the request is cleared and the rep keeps working it"},
    {"--note TEXT", "the manager's note, shown to the rep (default: none)"},
    END};
static const fs_cmd_opt o_sales_add[] = {
    {"--customer ID", "the customer: archive number, id or id prefix (required)"},
    {"--month YYYY-MM", "the month (required); one record per customer and month"},
    {"--revenue AMOUNT",
     "the month's revenue in currency units, e.g. 12,345.60 (default: none)"},
    {"--margin AMOUNT",
     "the month's margin in currency units, may be negative (default: none)"},
    {"--units N", "units sold in the month (default: none)"},
    {"--share PCT",
     "our share of the customer's purchases that month, 0..100 (default: none)"},
    {"--note TEXT", "a note (default: none)"},
    END};
static const fs_cmd_opt o_sales_list[] = {
    {"--customer ID", "only this customer (default: every card of this replica)"},
    {"--from YYYY-MM", "first month (default: the earliest)"},
    {"--to YYYY-MM", "last month (default: the latest)"},
    END};
static const fs_cmd_opt o_ka_apply[] = {
    {"--dry-run", "list the cards that would change; write nothing"},
    {"--rep CODE", "rank and apply among this rep's cards only; repeat for several "
                   "(default: every card of this replica)"},
    {"--team MANAGER",
     "the manager and their reps (default: every card of this replica)"},
    {"--weights FILE", "ranking weights, name=weight lines (default: the built-in ones)"},
    {"--scoring NAME=N,...",
     "weights and the score each tier needs, as `report ranking --scoring` (default: "
     "revenue=30,margin=20,growth=15,payment=15,credit=10,strategic=10,diamond=70,gold="
     "50,"
     "silver=30, the product's own choice)"},
    END};
static const fs_cmd_opt o_ka_override[] = {
    {"ID", "the customer: archive number, id or id prefix (required)"},
    {"TIER",
     "none, diamond, gold or silver: kept until --clear (key_account follows it)"},
    {"--clear",
     "end the override: the next `keyaccounts apply` sets the tier from the score"},
    END};
static const fs_cmd_opt o_agenda[] = {
    {"--date YYYY-MM-DD", "the day to plan (default: today)"}, END};
static const fs_cmd_opt o_outbox[] = {
    {"--rejected", "only changes the daemon refused, with why (default: all unsynced)"},
    END};
static const fs_cmd_opt o_sync[] = {
    {"--watch", "stay connected and apply others' changes as they come (Ctrl-C ends)"},
    {"--addr HOST:PORT",
     "reach the daemon here this once (default: the enrolled address)"},
    {"--page N", "rows per pull page, 1..10000 (default: the daemon's)"},
    {"--timeout SECONDS",
     "wait at most this long to connect and for each answer, 1..3600 "
     "(default: 15)"},
    END};
static const fs_cmd_opt o_n[] = {{"N", "the item number `conflicts` shows (required)"},
                                 END};
static const fs_cmd_opt o_conflicts[] = {
    {"--all", "also the items already accepted, dismissed or resolved"}, END};
static const fs_cmd_opt o_completion[] = {
    {"bash", "the script for bash (the only shell so far)"}, END};
static const fs_cmd_opt o_help[] = {{"COMMAND", "a command (default: list them all)"},
                                    END};

static const fs_cmd_opt o_signoff[] = {
    {"REP", "the rep whose day it is: a staff code of your team (required)"},
    {"YYYY-MM-DD", "the day, today or earlier (required); one sign-off per rep and day"},
    {"--note TEXT", "the manager's note (default: none)"},
    END};
static const fs_cmd_opt o_signoff_list[] = {
    {"--from YYYY-MM-DD", "first day (default: the first of --to's month)"},
    {"--to YYYY-MM-DD", "last day (default: today)"},
    {"--rep CODE", "only this rep; repeat for several (default: everyone here)"},
    {"--team MANAGER", "the manager and their reps (default: everyone here)"},
    END};
static const fs_cmd_opt o_plan_set[] = {
    {"--month YYYY-MM", "the month planned (required); one plan per rep and month: "
                        "setting it again changes it"},
    {"--rep CODE", "whose plan: yourself, or as a manager one of your team (default: you)"},
    {"--visits-o N", "planned visits to customers of grade O (order placed)"},
    {"--visits-a N", "planned visits to customers of grade A"},
    {"--visits-b N", "planned visits to customers of grade B"},
    {"--visits-c N", "planned visits to customers of grade C"},
    {"--new-prospects N", "planned new customer cards"},
    {"--showroom-followups N", "planned call-backs of showroom visitors"},
    {"--deliveries N", "target deliveries"},
    {"--note TEXT", "a note (default: none)"},
    END};
static const fs_cmd_opt o_plan_show[] = {
    {"--month YYYY-MM", "the month (default: this month); counted to today or its end"},
    {"--rep CODE", "only this rep (default: every plan here)"},
    END};

static const struct {
  const char *name;
  const fs_cmd_opt *opts;
} cmd_opts[] = {
    {"signoff", o_signoff},
    {"signoff list", o_signoff_list},
    {"plan set", o_plan_set},
    {"plan show", o_plan_show},
    {"customer edit", o_edit},
    {"contact edit", o_edit},
    {"opportunity edit", o_edit},
    {"showroom edit", o_edit},
    {"customer show", o_show},
    {"contact show", o_show},
    {"visit show", o_show},
    {"visit correct", o_correct},
    {"opportunity show", o_show},
    {"showroom show", o_show},
    {"customer delete", o_customer_delete},
    {"contact delete", o_id},
    {"opportunity delete", o_id},
    {"customer list", o_customer_list},
    {"customer grade", o_grade},
    {"customer search", o_search},
    {"customer lost", o_customer_lost},
    {"customer delete-review", o_delete_review},
    {"customer history", o_history},
    {"contact list", o_child_list},
    {"opportunity list", o_child_list},
    {"visit list", o_dated_list},
    {"showroom list", o_showroom_list},
    {"lost list", o_lost_list},
    {"lost review", o_lost_review},
    {"sales add", o_sales_add},
    {"sales list", o_sales_list},
    {"keyaccounts apply", o_ka_apply},
    {"keyaccounts override", o_ka_override},
    {"agenda", o_agenda},
    {"report", NULL}, /* report_opts() */
    {"outbox", o_outbox},
    {"sync", o_sync},
    {"conflicts", o_conflicts},
    {"conflicts accept", o_n},
    {"conflicts dismiss", o_n},
    {"conflicts resolve", o_n},
    {"completion", o_completion},
    {"help", o_help},
};

/* report's options, as the library documents them (fs_report_option_doc),
 * in the layout of the others.  The CLI is single-threaded. */
static const fs_cmd_opt *report_opts(void) {
  static fs_cmd_opt opts[32];

  if (opts[0].name == NULL)
    for (int i = 0; i < 31 && fs_report_option_doc(i, &opts[i].name, &opts[i].help) == 0;
         i++)
      ;
  return opts;
}

const fs_cmd_opt *cli_cmd_opts(const char *name) {
  if (strcmp(name, "report") == 0)
    return report_opts();
  for (size_t i = 0; i < sizeof(cmd_opts) / sizeof(cmd_opts[0]); i++)
    if (strcmp(cmd_opts[i].name, name) == 0)
      return cmd_opts[i].opts;
  return NULL;
}
