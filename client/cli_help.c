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

static void optnames_of_kind(optnames *o, const fs_kind_def *kd) {
  for (int i = 0; kd && i < kd->nfields; i++)
    optnames_add(o, "--", kd->fields[i].name);
  if (kd) {
    optnames_add(o, "", "--set");
    if (kd->flags & FS_K_CHILD)
      optnames_add(o, "", "--customer");
  }
}

int cli_unknown_option(cli_ctx *c, const cli_args *a, const char *arg) {
  char msg[160];
  optnames o;
  fs_suggest sg;

  o.n = 0;
  for (int k = 0; a->opts && a->opts[k].name; k++)
    optnames_add(&o, "", a->opts[k].name);
  if (a->rec)
    optnames_of_kind(&o, fs__kind_by_name(fs_record_kind(a->rec)));
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

const char *cli_field_default(const fs_kind_def *kd, const fs_field *f) {
  /* What fs_create fills in when the option is not given. */
  if (kd->kind == FS_KIND_SHOWROOM && strcmp(f->name, "rep_on_duty") == 0)
    return "this device's staff code";
  if (kd->kind == FS_KIND_CUSTOMER && strcmp(f->name, "created") == 0)
    return "today";
  if (kd->kind == FS_KIND_CUSTOMER && strcmp(f->name, "grade_date") == 0)
    return "the created date";
  return NULL;
}

int cli_check_required(cli_ctx *c, fs_record *rec) {
  const fs_kind_def *kd = fs__kind_by_name(fs_record_kind(rec));

  for (int i = 0; kd && i < kd->nfields; i++) {
    const fs_field *f = &kd->fields[i];
    char opt[64];
    if (!(f->flags & FS_F_REQUIRED) || fs_record_isset(rec, f->name) ||
        cli_field_default(kd, f))
      continue;
    if (strcmp(f->name, "customer_id") == 0)
      snprintf(opt, sizeof(opt), "--customer");
    else
      snprintf(opt, sizeof(opt), "--%s", f->name);
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
    const fs_kind_def *kd = cmds[i].kind ? fs__kind_by_name(cmds[i].kind) : NULL;
    optnames o;
    size_t used = 0;
    o.n = 0;
    /* add/edit take the kind's fields as options. */
    if (kd && (cmds[i].fn == cli_cmd_add || cmds[i].fn == cli_cmd_edit))
      optnames_of_kind(&o, kd);
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
  const fs_kind_def *kd = fs__kind_by_name(fs_record_kind(rec));

  for (int i = 0; kd && i < kd->nfields; i++)
    if (fs_record_isset(rec, kd->fields[i].name))
      return CLI_OK;
  return cli_usage_error(c,
                         "nothing to change: give at least one --FIELD VALUE (or --set "
                         "FIELD=VALUE)",
                         NULL);
}
