/* cli.c - `fieldsync`: the command table, dispatch, option parsing and
 * help.  The commands themselves are in cli_*.c. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmdline.h"
#include "fs_errno.h"
#include "log.h"

/* THE command table.  Two-word names are matched before one-word ones. */
static const cli_cmd commands[] = {
    {"init", cli_cmd_init, "enroll this device with a token, or set up an offline replica",
     "--token TOKEN | --staff CODE [--role rep|manager|admin|after_sales] [--slot N] [--device N]", NULL},
    {"customer add", cli_cmd_add, "create a customer card", "--name NAME --grade G [--FIELD VALUE...]",
     "customer"},
    {"customer edit", cli_cmd_edit, "change fields of a customer card",
     "ID [--FIELD VALUE...] [--set FIELD=VALUE...]", "customer"},
    {"customer show", cli_cmd_show, "show a customer card", "ID [--all]", "customer"},
    {"customer list", cli_cmd_list, "list customers",
     "[--grade G] [--delete-requested] [--owner CODE] [--search TEXT] [--limit N] "
     "[--offset N] [--order FIELD]",
     "customer"},
    {"customer grade", cli_cmd_grade, "change a customer's grade (kept in the grade history)",
     "ID GRADE [--date D] [--delivery-date D]", "customer"},
    {"customer search", cli_cmd_search, "search customers by name, phone or archive number",
     "TEXT", "customer"},
    {"customer lost", cli_cmd_customer_lost,
     "record a lost sale: the card goes to the manager for confirmation",
     "ID --reason-class C --reason TEXT [--competitor NAME] [--lost-date D]", "customer"},
    {"customer delete", cli_cmd_delete,
     "delete a customer card (a rep's delete is a request the manager confirms)", "ID [--yes]",
     "customer"},
    {"customer delete-review", cli_cmd_customer_delete_review,
     "confirm or reject a rep's request to delete a card (managers)",
     "ID --confirm|--reject [--note TEXT]", "customer"},
    {"customer history", cli_cmd_list, "list a customer's grade changes", "--customer ID",
     "grade_change"},
    {"contact add", cli_cmd_add, "add a buying-centre contact",
     "--customer ID --name NAME [--FIELD VALUE...]", "contact"},
    {"contact edit", cli_cmd_edit, "change a contact", "ID [--FIELD VALUE...]", "contact"},
    {"contact show", cli_cmd_show, "show a contact", "ID [--all]", "contact"},
    {"contact list", cli_cmd_list, "list contacts", "[--customer ID] [--search TEXT]", "contact"},
    {"contact delete", cli_cmd_delete, "delete a contact", "ID", "contact"},
    {"visit log", cli_cmd_add, "log a visit",
     "--customer ID --at DATETIME --method M [--FIELD VALUE...]", "visit"},
    {"visit correct", cli_cmd_visit_correct,
     "correct a wrongly logged visit: a new visit supersedes it, the original is kept",
     "ID [--FIELD VALUE...]", "visit"},
    {"visit show", cli_cmd_show, "show a visit", "ID [--all]", "visit"},
    {"visit list", cli_cmd_list, "list visits", "[--customer ID] [--from D] [--to D]", "visit"},
    {"opportunity add", cli_cmd_add, "add a sales opportunity",
     "--customer ID --title TITLE [--FIELD VALUE...]", "opportunity"},
    {"opportunity edit", cli_cmd_edit, "change an opportunity", "ID [--FIELD VALUE...]",
     "opportunity"},
    {"opportunity show", cli_cmd_show, "show an opportunity", "ID [--all]", "opportunity"},
    {"opportunity list", cli_cmd_list, "list opportunities", "[--customer ID]", "opportunity"},
    {"opportunity delete", cli_cmd_delete, "delete an opportunity", "ID", "opportunity"},
    {"showroom log", cli_cmd_add, "log a showroom walk-in or call",
     "--arrived DATETIME [--FIELD VALUE...]", "showroom"},
    {"showroom edit", cli_cmd_edit, "change a showroom entry", "ID [--FIELD VALUE...]",
     "showroom"},
    {"showroom show", cli_cmd_show, "show a showroom entry", "ID [--all]", "showroom"},
    {"showroom list", cli_cmd_list, "list the showroom log", "[--from D] [--to D]", "showroom"},
    {"lost add", cli_cmd_add, "record a lost sale for review",
     "--customer ID --lost-date D --reason TEXT", "lost_review"},
    {"lost list", cli_cmd_list, "list lost-sale reviews (--pending: awaiting the manager)",
     "[--customer ID] [--pending] [--from D] [--to D]", "lost_review"},
    {"lost review", cli_cmd_lost_review, "confirm or reject a lost sale (managers)",
     "ID --confirm|--reject [--note TEXT]", "lost_review"},
    {"notices", cli_cmd_notices,
     "what the daemon told you: handovers, and the manager's decisions on your cards", "",
     NULL},
    {"agenda", cli_cmd_agenda, "who to contact today and who is overdue, most urgent first",
     "[--date YYYY-MM-DD]", NULL},
    {"signoff", cli_cmd_signoff, "sign off a rep's day (managers): its visits and card changes",
     "REP YYYY-MM-DD [--note TEXT]", NULL},
    {"signoff list", cli_cmd_signoff_list,
     "days with work per rep, signed off or not (report signoff)",
     "[--from YYYY-MM-DD] [--to YYYY-MM-DD] [--rep CODE]... [--team MANAGER]", NULL},
    {"plan set", cli_cmd_plan_set, "enter a rep's monthly activity plan (the rep or manager)",
     "--month YYYY-MM [--rep CODE] [--visits-o N] [--visits-a N] [--visits-b N] "
     "[--visits-c N] [--new-prospects N] [--showroom-followups N] [--deliveries N] "
     "[--note TEXT]",
     "activity_plan"},
    {"plan show", cli_cmd_plan_show, "a month's plan against what was done",
     "[--month YYYY-MM] [--rep CODE]", NULL},
    {"sales add", cli_cmd_sales_add,
     "record a customer's sales of one month (revenue and margin in currency units)",
     "--customer ID --month YYYY-MM [--revenue AMOUNT] [--margin AMOUNT] [--units N] "
     "[--share PCT] [--note TEXT]",
     NULL},
    {"sales list", cli_cmd_sales_list, "list the sales history per month",
     "[--customer ID] [--from YYYY-MM] [--to YYYY-MM]", NULL},
    {"keyaccounts apply", cli_cmd_keyaccounts_apply,
     "set the cards' tier and key_account from the composite score (managers)",
     "[--dry-run] [--rep CODE]... [--team MANAGER] [--weights FILE] [--scoring NAME=N,...]",
     NULL},
    {"keyaccounts override", cli_cmd_keyaccounts_override,
     "make a card's tier the manager's choice, or --clear it (managers)",
     "ID TIER|--clear", NULL},
    {"report", cli_cmd_report, "managers' reports over this replica's records",
     FS_REPORT_QUERY_USAGE, NULL},
    {"outbox", cli_cmd_outbox, "list local changes not yet synced", "[--rejected]", NULL},
    {"sync", cli_cmd_sync, "push local changes and pull what changed (--watch: stay live)",
     "[--watch] [--addr HOST:PORT] [--page N] [--timeout SECONDS]", NULL},
    {"conflicts", cli_cmd_conflicts,
     "list open conflicts (same field written on two devices, neither having seen the "
     "other's value) and changes that arrived after a handover",
     "[--all]", NULL},
    {"conflicts accept", cli_cmd_conflict_accept,
     "apply item N's value as your own edit (a deletion item deletes the card)", "N", NULL},
    {"conflicts dismiss", cli_cmd_conflict_dismiss, "keep the card as it is; close item N", "N",
     NULL},
    {"conflicts resolve", cli_cmd_conflict_resolve,
     "mark item N resolved (settled some other way); changes no card", "N", NULL},
    {"completion", cli_cmd_completion,
     "print the bash completion script, made from this command table", "bash", NULL},
    {"help", NULL, "show help for a command", "[COMMAND]", NULL},
};
#define NCOMMANDS ((int)(sizeof(commands) / sizeof(commands[0])))

const cli_cmd *cli_commands(int *n) {
  *n = NCOMMANDS;
  return commands;
}

/* The command named exactly name, or NULL. */
static const cli_cmd *cmd_named(const char *name) {
  for (int i = 0; i < NCOMMANDS; i++)
    if (strcmp(commands[i].name, name) == 0)
      return &commands[i];
  return NULL;
}

/* Finds the command named by argv[0] (and argv[1] for two-word names);
 * *used receives how many words it took (left alone if none matched). */
static const cli_cmd *find_cmd(int argc, char **argv, int *used) {
  const cli_cmd *cmd = NULL;
  char two[128];

  if (argc >= 2) {
    snprintf(two, sizeof(two), "%s %s", argv[0], argv[1]);
    if ((cmd = cmd_named(two)) != NULL) {
      *used = 2;
      return cmd;
    }
  }
  if (argc >= 1 && (cmd = cmd_named(argv[0])) != NULL)
    *used = 1;
  return cmd;
}

/* 1 if some command's first word is `word`. */
static int is_group(const char *word) {
  size_t n = strlen(word);
  for (int i = 0; i < NCOMMANDS; i++)
    if (strncmp(commands[i].name, word, n) == 0 && commands[i].name[n] == ' ')
      return 1;
  return 0;
}

static void help_all(FILE *f, const char *group) {
  size_t n = group ? strlen(group) : 0;

  fprintf(f, "usage: fieldsync " FS_GLOBAL_OPTS_USAGE " COMMAND [ARGS]\n\n");
  fprintf(f, "The offline field-sales client.  Data lives in --data DIR, $FIELDSYNC_HOME\n"
             "or ~/.fieldsync.  Every command takes --help.\n\ncommands:\n");
  for (int i = 0; i < NCOMMANDS; i++) {
    if (group && (strncmp(commands[i].name, group, n) != 0 || commands[i].name[n] != ' '))
      continue;
    fprintf(f, "  %-20s %s\n", commands[i].name, commands[i].summary);
  }
  fs__help_terminal(f);
  fprintf(f, "\nexit codes: 0 ok, 1 error, 2 usage error; fieldsync --version prints the "
             "release\n");
}

/* Longer help of some commands, printed by cli_help_cmd after the summary. */
static const struct {
  const char *name;
  const char *text;
} details[] = {
    {"init",
     "Sets up the data directory once, in one of two ways:\n"
     "\n"
     "  --token TOKEN   enroll this device with the daemon.  An administrator prints\n"
     "                  the one-time TOKEN with `fieldsyncd enroll CODE`; the daemon\n"
     "                  assigns the staff code, role, archive slot and device number,\n"
     "                  and `fieldsync sync` then pushes and pulls.\n"
     "  --staff CODE    an offline replica without a daemon (trying fieldsync out,\n"
     "                  demos, tests): records are kept here only and never synced.\n"
     "                  CODE is a staff code (A-Z, then 1-15 of A-Z, 0-9).\n"
     "\n"
     "Only with --staff (an enrolled device gets these from the daemon):\n"
     "  --role R        rep (default), manager, admin or after_sales: the role the local\n"
     "                  permission checks apply.\n"
     "  --slot N        archive slot 1..64 (default 1): archive numbers made here are\n"
     "                  CODE-YEAR-SERIAL from serial blocks owned by the slot, so two\n"
     "                  replicas of one staff member need different slots.\n"
     "  --device N      the device number kept in this replica's identity\n"
     "                  (default 0: none).\n"
     "\n"
     "--token and --staff exclude each other.  Running init again with the same\n"
     "identity is harmless; another identity is refused.\n"},
    {"visit correct",
     "Visits are never edited.  A correction is a new visit that supersedes ID:\n"
     "it has every field of ID except those given here.  The original is kept\n"
     "(`visit show` names both); lists, reports and the agenda count the\n"
     "correction in its place, once.  Only the visit's author, the card's owner\n"
     "or their manager corrects it, and once: to correct again, correct the\n"
     "correction.\n"
     "\n"
     "A correction never meets a cadence deadline after the fact: if it changes\n"
     "the date or the method, it counts as a contact on the day it is made, not\n"
     "on the corrected date (a correction made the same day counts on its date).\n"
     "A correction that keeps both counts as the original did.\n"},
};

static const char *type_hint(const fs_field_info *f) {
  switch (f->type) {
  case FS_TYPE_INT: return "N";
  case FS_TYPE_BOOL: return "yes|no";
  case FS_TYPE_DATE: return "YYYY-MM-DD";
  case FS_TYPE_DATETIME: return "YYYY-MM-DDTHH:MM";
  case FS_TYPE_ENUM: return "VALUE";
  case FS_TYPE_REF: return "ID";
  case FS_TYPE_STAFF: return "CODE";
  default: return "TEXT";
  }
}

void cli_help_cmd(const cli_cmd *cmd, FILE *f) {
  fs_kind_info ki;
  int kd = cmd->kind && fs_kind_describe(cmd->kind, &ki) == 0;
  int fields = cmd->fn == cli_cmd_add || cmd->fn == cli_cmd_edit ||
               cmd->fn == cli_cmd_visit_correct;
  char head[512];

  snprintf(head, sizeof(head), "%s %s", cmd->name, cmd->usage);
  fs__help_head(f, "fieldsync", head, cmd->summary);
  for (size_t i = 0; i < sizeof(details) / sizeof(details[0]); i++)
    if (strcmp(details[i].name, cmd->name) == 0)
      fprintf(f, "\n%s", details[i].text);
  /* A command that also heads a group ("conflicts") names its subcommands. */
  if (is_group(cmd->name)) {
    size_t n = strlen(cmd->name);
    fprintf(f, "\nsee also:\n");
    for (int i = 0; i < NCOMMANDS; i++)
      if (strncmp(commands[i].name, cmd->name, n) == 0 && commands[i].name[n] == ' ')
        fprintf(f, "  fieldsync %s %s\n", commands[i].name, commands[i].usage);
  }
  fs__help_opts(f, "options", cli_cmd_opts(cmd->name));
  if (kd && fields) {
    fprintf(f, "\nfields of %s (--field-name VALUE, or --set field_name=VALUE;"
               " an empty VALUE clears):\n", ki.name);
    for (int i = 0; i < ki.nfields; i++) {
      fs_field_info fi, *fd = &fi;
      char opt[64], *p;
      fs_field_describe(ki.name, i, &fi);
      if (strcmp(ki.name, "customer") == 0 && strcmp(fd->name, "archive_no") == 0)
        continue; /* assigned by the device */
      if (cmd->fn == cli_cmd_visit_correct && !cli_correct_field(fd->name))
        continue; /* kept from the original, or set by the device */
      snprintf(opt, sizeof(opt), "--%s %s", fd->name,
               (fd->flags & FS_FIELD_MONEY) ? "AMOUNT" : type_hint(fd));
      for (p = opt; *p && *p != ' '; p++)
        if (*p == '_')
          *p = '-';
      fprintf(f, "  %-34s %s", opt, fd->label);
      if (cmd->fn == cli_cmd_add && cli_field_default(ki.name, fd->name))
        fprintf(f, " (default: %s)", cli_field_default(ki.name, fd->name));
      else if ((fd->flags & FS_FIELD_REQUIRED) && cmd->fn != cli_cmd_visit_correct)
        fprintf(f, " (required)");
      if ((fd->flags & FS_FIELD_IMMUTABLE) && cmd->fn == cli_cmd_edit)
        fprintf(f, " (cannot change)");
      fputc('\n', f);
      if (fd->type == FS_TYPE_ENUM) {
        fprintf(f, "  %-34s one of:", "");
        for (int v = 0; fd->values[v]; v++)
          fprintf(f, "%s %s", v ? "," : "", fd->values[v]);
        fputc('\n', f);
      } else if (fd->flags & FS_FIELD_MONEY) {
        fprintf(f, "  %-34s in currency units, up to two decimals (12345, 12,345.60)\n", "");
      } else if (fd->type == FS_TYPE_INT) {
        fprintf(f, "  %-34s %lld..%lld\n", "", (long long)fd->min, (long long)fd->max);
      }
    }
    if ((ki.flags & FS_KIND_IS_CHILD) && cmd->fn != cli_cmd_visit_correct)
      fprintf(f, "  %-34s same as --customer-id; full id, prefix of 6+ or archive number\n",
              "--customer ID");
  }
  fs__help_globals(f, "$FIELDSYNC_HOME, else ~/.fieldsync");
}

/* ---- helpers used by the commands ------------------------------------------ */

int cli_open(cli_ctx *c) {
  int rc;

  if (c->r)
    return CLI_OK;
  rc = fs_replica_open(c->data, &c->r);
  if (rc == FS_ENOTENROLLED) {
    /* A fresh data directory: say both ways to set it up. */
    fprintf(stderr,
            "fieldsync: %s: this replica is not enrolled; set it up first, either\n"
            "  fieldsync init --token TOKEN   to enroll with the daemon (an administrator "
            "prints TOKEN with fieldsyncd enroll CODE), or\n"
            "  fieldsync init --staff CODE    for an offline replica without a daemon\n"
            "(fieldsync init --help explains both)\n",
            c->data);
    return CLI_ERR;
  }
  if (rc) {
    /* The library's reason (fs_errmsg) names the file when it is about
     * one; else the data directory is named here. */
    const char *msg = fs_errmsg(NULL);
    if (strstr(msg, c->data))
      fprintf(stderr, "fieldsync: %s\n", msg);
    else
      fprintf(stderr, "fieldsync: %s: %s\n", c->data, msg);
    return CLI_ERR;
  }
  return CLI_OK;
}

int cli_start(cli_ctx *c, int argc, char **argv, cli_args *a) {
  if (cli_open(c))
    return CLI_ERR;
  return cli_parse(c, argc, argv, a);
}

int cli_resolve(cli_ctx *c, const char *kind, const char *text, char id[FS_ID_MAX + 1]) {
  int rc = fs_resolve_id(c->r, kind, text, id);

  if (rc == 0)
    return CLI_OK;
  /* The sentence names what was typed; a malformed or too short name is a
   * usage error, no match or several a failure. */
  fprintf(stderr, "fieldsync: %s\n", fs_errmsg(c->r));
  return rc == FS_EUSAGE ? CLI_USAGE : CLI_ERR;
}

int cli_list_begin(cli_list *l, cli_ctx *c, int ncols, const char *const *heads,
                   const int *drop) {
  int rc;

  memset(l, 0, sizeof(*l));
  l->c = c;
  if (!c->json) {
    rc = fs__table_new(ncols, heads, CLI_LIST_MAX_ROWS, &l->t);
    for (int i = 0; rc == 0 && drop && i < ncols; i++)
      rc = fs__table_set_drop(l->t, i, drop[i]);
    return rc;
  }
  fs__json_init(&l->j, stdout);
  fs__json_begin_array(&l->j);
  return 0;
}

int cli_list_end(cli_list *l, int rc, int *summary) {
  if (summary)
    *summary = 0;
  if (l->c->json) {
    fs__json_end_array(&l->j);
    if (fs__json_finish(&l->j) && rc == 0)
      rc = FS_EIO;
  } else if (rc == 0 && l->c->csv) {
    rc = fs__table_print_csv(l->t, stdout);
  } else if (rc == 0) {
    rc = fs__table_print_fit(l->t, stdout, l->c->width);
    if (summary && rc == 0)
      *summary = 1;
  }
  fs__table_free(l->t);
  l->t = NULL;
  return rc;
}

int cli_fail(cli_ctx *c, int rc, const char *what) {
  const char *msg = c->r ? fs_errmsg(c->r) : "";

  fprintf(stderr, "fieldsync: %s: %s\n", what, msg && *msg ? msg : fs_strerror(rc));
  return CLI_ERR;
}

int cli_usage_error(cli_ctx *c, const char *msg, const char *arg) {
  fprintf(stderr, "fieldsync %s: %s%s%s\n", c->cmd->name, msg, arg ? " " : "", arg ? arg : "");
  fprintf(stderr, "usage: fieldsync %s %s\n(see fieldsync %s --help)\n", c->cmd->name,
          c->cmd->usage, c->cmd->name);
  return CLI_USAGE;
}

/* Sets field `name` of a->rec from text; resolves references. */
static int set_field(cli_ctx *c, cli_args *a, const char *name, const char *text) {
  fs_field_info fi;
  int rc;
  char id[FS_ID_MAX + 1];

  if (fs_field_find(fs_record_kind(a->rec), name, NULL, &fi) != 0)
    return cli_usage_error(c, "unknown field", name);
  if (fi.type == FS_TYPE_REF && text && *text) {
    rc = fs_resolve_id(c->r, fi.ref_kind, text, id);
    if (rc) {
      fprintf(stderr, "fieldsync: %s: %s\n", name, fs_errmsg(c->r));
      return rc == FS_EUSAGE ? CLI_USAGE : CLI_ERR;
    }
    text = id;
  }
  rc = fs_record_set(a->rec, name, text);
  if (rc) /* a value of the wrong form: a usage error (common/cmdline.h) */
    return cli_value_error(c, "%s", fs_errmsg(NULL));
  return CLI_OK;
}

int cli_parse(cli_ctx *c, int argc, char **argv, cli_args *a) {
  char name[72];
  int i, rc;

  a->npos = 0;
  for (i = 0; i < argc; i++) {
    const char *arg = argv[i], *eq, *val;
    const cli_opt *o = NULL;
    size_t nlen;

    if (strcmp(arg, "--") == 0) {
      for (i++; i < argc; i++) {
        if (a->npos >= a->maxpos)
          return cli_usage_error(c, "too many arguments:", argv[i]);
        a->pos[a->npos++] = argv[i];
      }
      break;
    }
    if (strncmp(arg, "--", 2) != 0 || arg[2] == '\0') {
      if (a->npos >= a->maxpos)
        return cli_usage_error(c, "unexpected argument:", arg);
      a->pos[a->npos++] = arg;
      continue;
    }
    eq = strchr(arg, '=');
    nlen = eq ? (size_t)(eq - arg) : strlen(arg);
    for (int k = 0; a->opts && a->opts[k].name; k++)
      if (strlen(a->opts[k].name) == nlen && strncmp(a->opts[k].name, arg, nlen) == 0)
        o = &a->opts[k];
    if (o && !o->has_arg) {
      if (eq)
        return cli_usage_error(c, "option takes no value:", arg);
      *o->flag = 1;
      continue;
    }
    /* Everything else takes a value: --opt VALUE or --opt=VALUE. */
    if (eq) {
      val = eq + 1;
    } else {
      if (i + 1 >= argc)
        return cli_usage_error(c, "missing value for", arg);
      val = argv[++i];
    }
    if (o) {
      *o->sval = val;
      continue;
    }
    if (a->rec == NULL || nlen - 2 >= sizeof(name))
      return cli_unknown_option(c, a, arg);
    if (nlen == 5 && strncmp(arg, "--set", 5) == 0) {
      const char *e2 = strchr(val, '=');
      if (e2 == NULL || (size_t)(e2 - val) >= sizeof(name))
        return cli_usage_error(c, "--set wants FIELD=VALUE, not", val);
      memcpy(name, val, (size_t)(e2 - val));
      name[e2 - val] = '\0';
      val = e2 + 1;
    } else {
      memcpy(name, arg + 2, nlen - 2);
      name[nlen - 2] = '\0';
      for (char *p = name; *p; p++)
        if (*p == '-')
          *p = '_';
      if (fs_field_find(fs_record_kind(a->rec), name, NULL, NULL) != 0) {
        char shown[80];
        snprintf(shown, sizeof(shown), "%.*s", (int)nlen, arg);
        return cli_unknown_option(c, a, shown);
      }
    }
    rc = set_field(c, a, name, val);
    if (rc)
      return rc;
  }
  if (a->npos < a->minpos)
    return cli_usage_error(c, "missing argument", NULL);
  return CLI_OK;
}

/* ---- main ---------------------------------------------------------------------- */

static int wants_help(int argc, char **argv) {
  for (int i = 0; i < argc; i++) {
    if (strcmp(argv[i], "--") == 0)
      return 0;
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
      return 1;
  }
  return 0;
}

static int cmd_help(int argc, char **argv) {
  const cli_cmd *cmd;
  int used = 0;

  if (argc == 0 || strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0) {
    help_all(stdout, NULL);
    return CLI_OK;
  }
  cmd = find_cmd(argc, argv, &used);
  if (cmd && !(used == 1 && argc > 1 && is_group(argv[0]))) {
    cli_help_cmd(cmd, stdout);
    return CLI_OK;
  }
  if (is_group(argv[0])) {
    help_all(stdout, argv[0]);
    return CLI_OK;
  }
  fprintf(stderr, "fieldsync help: no command \"%s\"\n", argv[0]);
  return CLI_USAGE;
}

/* 1 if cmd writes CSV with --csv: the lists, the agenda, the outbox,
 * reports and the conflict list.  Others refuse --csv (exit 2). */
static int takes_csv(const cli_cmd *cmd) {
  return cmd->fn == cli_cmd_list || cmd->fn == cli_cmd_search || cmd->fn == cli_cmd_agenda ||
         cmd->fn == cli_cmd_outbox || cmd->fn == cli_cmd_report ||
         cmd->fn == cli_cmd_conflicts;
}

/* 1 if cmd only reads and may print more than a screen: it goes through
 * the pager on a terminal. */
static int pages(const cli_cmd *cmd) {
  return takes_csv(cmd) || cmd->fn == cli_cmd_show;
}

/* The global options, taken out of argv into g (args: the rest, n of
 * them).  CLI_OK or CLI_USAGE (printed). */
typedef struct globals {
  const char *data;
  int json, csv, no_pager;
} globals;

static int parse_globals(int argc, char **argv, globals *g, char **args, int *n) {
  int stop = 0;

  for (int i = 1; i < argc; i++) {
    if (!stop && strcmp(argv[i], "--") == 0)
      stop = 1;
    if (!stop && strcmp(argv[i], "--json") == 0) {
      g->json = 1;
    } else if (!stop && strcmp(argv[i], "--csv") == 0) {
      g->csv = 1;
    } else if (!stop && strcmp(argv[i], "--no-pager") == 0) {
      g->no_pager = 1;
    } else if (!stop && strcmp(argv[i], "--data") == 0) {
      if (i + 1 >= argc) {
        fprintf(stderr, "fieldsync: --data needs a directory\n");
        return CLI_USAGE;
      }
      g->data = argv[++i];
    } else if (!stop && strncmp(argv[i], "--data=", 7) == 0) {
      g->data = argv[i] + 7;
    } else {
      args[(*n)++] = argv[i];
    }
  }
  return CLI_OK;
}

/* Runs cmd with the arguments after its name, on a terminal through the
 * pager.  The exit code. */
static int run_cmd(const cli_cmd *cmd, const globals *g, int argc, char **argv) {
  cli_ctx c;
  int rc;

  memset(&c, 0, sizeof(c));
  c.data = g->data;
  c.json = g->json;
  c.csv = g->csv && !g->json; /* --json wins: one machine format at a time */
  c.cmd = cmd;
  if (c.csv && !takes_csv(cmd))
    return cli_usage_error(&c, "this command has no CSV output:", "--csv");
  c.width = fs__term_width(); /* before the pager takes stdout */
  if (!g->no_pager && pages(cmd))
    fs__pager_start();
  rc = cmd->fn(&c, argc, argv);
  fs_replica_close(c.r);
  if (fflush(stdout) != 0 && rc == CLI_OK)
    rc = CLI_ERR;
  fs__pager_end();
  return rc;
}

int main(int argc, char **argv) {
  static char home[4096];
  char **args = NULL;
  const char *env;
  const cli_cmd *cmd;
  globals g;
  int n = 0, used = 0, rc;

  /* Everything this program writes (replica, keys, exports redirected by
   * the shell are the shell's) is for this user only; the library makes
   * its own files 0600 anyway (privdir.h). */
  umask(077);
  fs__log_set_tag("fieldsync");
  /* The command says what happened in its own sentences (fs_errmsg), the
   * library's warnings as plain sentences; the timestamped log lines only
   * when asked: FIELDSYNC_LOG=LEVEL. */
  if (getenv("FIELDSYNC_LOG") == NULL) {
    fs__log_set_level(FS_LOG_WARN);
    fs__log_set_plain(1);
  }
  args = calloc((size_t)argc + 1, sizeof(*args));
  if (args == NULL)
    return CLI_ERR;
  memset(&g, 0, sizeof(g));
  /* Global options may stand anywhere (before "--"). */
  if (parse_globals(argc, argv, &g, args, &n) != CLI_OK) {
    free(args);
    return CLI_USAGE;
  }
  if (g.data == NULL && (env = getenv("FIELDSYNC_HOME")) != NULL && *env)
    g.data = env;
  if (g.data == NULL) {
    env = getenv("HOME");
    snprintf(home, sizeof(home), "%s/.fieldsync", env && *env ? env : ".");
    g.data = home;
  }
  if (n == 0) {
    help_all(stderr, NULL);
    free(args);
    return CLI_USAGE;
  }
  if (strcmp(args[0], "--version") == 0) {
    /* The release (compat promise: PROTOCOL.md section 8). */
    rc = CLI_OK;
    if (n > 1) {
      fprintf(stderr, "fieldsync: --version takes no arguments\n");
      rc = CLI_USAGE;
    } else {
      printf("fieldsync %s\n", fs_version());
    }
    free(args);
    return rc;
  }
  if (strcmp(args[0], "help") == 0 && n > 1 && wants_help(n - 1, args + 1)) {
    cli_help_cmd(cmd_named("help"), stdout); /* `help --help` */
    free(args);
    return CLI_OK;
  }
  if (strcmp(args[0], "--help") == 0 || strcmp(args[0], "-h") == 0 ||
      strcmp(args[0], "help") == 0) {
    rc = cmd_help(n - 1, args + 1);
    free(args);
    return rc;
  }
  /* A word that is a command and also heads a group ("conflicts") is that
   * command; find_cmd has already matched its two-word subcommands. */
  cmd = find_cmd(n, args, &used);
  if (cmd == NULL) {
    if (is_group(args[0])) {
      int help = n > 1 && wants_help(n - 1, args + 1);
      if (n > 1 && !help) {
        rc = cli_unknown_command(commands, NCOMMANDS, n, args);
        free(args);
        return rc;
      }
      help_all(help ? stdout : stderr, args[0]);
      free(args);
      return help ? CLI_OK : CLI_USAGE;
    }
    rc = cli_unknown_command(commands, NCOMMANDS, n, args);
    free(args);
    return rc;
  }
  if (wants_help(n - used, args + used)) {
    cli_help_cmd(cmd, stdout);
    free(args);
    return CLI_OK;
  }
  rc = run_cmd(cmd, &g, n - used, args + used);
  free(args);
  return rc;
}
