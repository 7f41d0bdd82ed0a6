/* cli.h - internals of the `fieldsync` command line tool.
 *
 * Commands live in ONE table (cli.c) of {name, handler, summary, usage,
 * kind}; names may be two words ("customer add").  Handlers get the
 * arguments after the command name and return an exit code:
 *   CLI_OK 0, CLI_ERR 1 (refused or failed; a message was printed),
 *   CLI_USAGE 2 (bad command line; usage was printed), CLI_INTERRUPTED
 *   130 (Ctrl-C stopped `sync`: what was sent was said, nothing is lost).
 * Global options, accepted anywhere before "--": --data DIR (else
 * $FIELDSYNC_HOME, else ~/.fieldsync), --json, --csv (list commands:
 * RFC 4180 CSV instead of the human table; see cli_list_end; a command
 * without CSV refuses it, exit 2) and --no-pager.
 *
 * The terminal (common/term.h, shared with fieldsyncd; issue 15): on a
 * terminal, tables are fitted to its width ($COLUMNS, else the terminal's) and the output of reading
 * commands goes through $PAGER (default less -FRX; empty or "cat": none)
 * unless --no-pager; a pipe or a file gets whole cells and no pager.
 */
#ifndef FS_CLIENT_CLI_H
#define FS_CLIENT_CLI_H

#include <stdio.h>

#include "cmdline.h"  /* generic helpers (common/): help text, exit codes, */
#include "fieldsync.h" /* the library: the CLI uses nothing else of it */
#include "json.h"      /* JSON writer, */
#include "table.h"     /* table renderer, strbuf.h, utf8.h */
#include "term.h"      /* terminal width and pager */

#define CLI_OK 0
#define CLI_ERR 1
#define CLI_USAGE 2
#define CLI_INTERRUPTED 130 /* Ctrl-C stopped a sync (128 + SIGINT, as shells say) */
#define CLI_MAX_POS 4
#define CLI_LIST_MAX_ROWS 1000000 /* rows one human table holds */

struct cli_ctx;
typedef int (*cli_fn)(struct cli_ctx *c, int argc, char **argv);

typedef struct cli_cmd {
  const char *name;    /* "customer add" */
  cli_fn fn;
  const char *summary; /* one line */
  const char *usage;   /* argument synopsis after the name */
  const char *kind;    /* record kind for generic handlers, or NULL */
} cli_cmd;

typedef struct cli_ctx {
  const char *data;   /* data directory */
  int json;           /* --json given */
  int csv;            /* --csv given (list commands) */
  fs_replica *r;      /* opened by cli_open */
  const cli_cmd *cmd; /* command being run */
  int width;          /* display columns tables fit (fs__term_width), 0: whole */
} cli_ctx;


/* Options of one command.  has_arg 0: *flag = 1; else *sval = value. */
typedef struct cli_opt {
  const char *name; /* "--grade" */
  int has_arg;
  const char **sval;
  int *flag;
} cli_opt;

typedef struct cli_args {
  const cli_opt *opts;    /* NULL-name terminated, may be NULL */
  fs_record *rec;         /* if set: --field-name VALUE and --set f=V */
  const char *pos[CLI_MAX_POS];
  int npos, minpos, maxpos;
} cli_args;

/* Opens the replica of c->data into c->r; prints why not.  CLI_OK/ERR. */
int cli_open(cli_ctx *c);
/* cli_open, then cli_parse of argv into *a (set up by the caller: opts,
 * rec, minpos, maxpos).  CLI_OK, or CLI_ERR/CLI_USAGE (message printed). */
int cli_start(cli_ctx *c, int argc, char **argv, cli_args *a);
/* Resolves text (full id, prefix or archive number: fs_resolve_id) of
 * kind to the full id; prints why not (no match, ambiguous with the
 * candidates: CLI_ERR; malformed or too short: CLI_USAGE).  CLI_OK. */
int cli_resolve(cli_ctx *c, const char *kind, const char *text, char id[FS_ID_MAX + 1]);
/* Prints "fieldsync: <what>: <replica's last error or strerror(rc)>" and
 * returns CLI_ERR. */
int cli_fail(cli_ctx *c, int rc, const char *what);
/* Prints "fieldsync <cmd>: <msg>" and the usage line; returns CLI_USAGE. */
int cli_usage_error(cli_ctx *c, const char *msg, const char *arg);
/* Parses argv into a; REF field values are resolved to ids (c->r must be
 * open if a->rec is set).  CLI_OK, CLI_ERR (bad value), CLI_USAGE. */
int cli_parse(cli_ctx *c, int argc, char **argv, cli_args *a);
/* Prints help for the command (its fields too, for add/edit). */
void cli_help_cmd(const cli_cmd *cmd, FILE *f);

/* The command table (cli.c): *n receives its length. */
const cli_cmd *cli_commands(int *n);

/* Conventions shared with fieldsyncd (cli_help.c, common/cmdline.h). */
/* "unknown option ARG; did you mean --x?" as a usage error: CLI_USAGE. */
int cli_unknown_option(cli_ctx *c, const cli_args *a, const char *arg);
/* "unknown command"; suggests the nearest command (or subcommand of the
 * group argv[0] names).  CLI_USAGE. */
int cli_unknown_command(const cli_cmd *cmds, int n, int argc, char **argv);
/* A value of the wrong form (not a date, grade, ...): the message and
 * where to look; CLI_USAGE. */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
int cli_value_error(cli_ctx *c, const char *fmt, ...);
/* A usage error naming the first required field of rec (add/log) that
 * was not given and the device does not fill in; else CLI_OK. */
int cli_check_required(cli_ctx *c, fs_record *rec);
/* What the device fills field `field` of kind with on create when not
 * given ("today"), for help; NULL if nothing. */
const char *cli_field_default(const char *kind, const char *field);
/* A usage error if rec (edit) sets no field: an edit must change something. */
int cli_check_changes(cli_ctx *c, fs_record *rec);
int cli_cmd_completion(cli_ctx *c, int argc, char **argv);
/* `visit correct ID [--FIELD VALUE...]` (cli_record.c). */
int cli_cmd_visit_correct(cli_ctx *c, int argc, char **argv);
/* 1 if `visit correct` takes field name as an option (not customer_id,
 * corrects, counts_on: the device keeps or sets those). */
int cli_correct_field(const char *name);
/* What --help lists for the command's options, with defaults (NULL-name
 * terminated), or NULL (add/edit list the kind's fields; init explains
 * itself). */
const fs_cmd_opt *cli_cmd_opts(const char *name);

/* Printing records (cli_record.c). */
/* Money as people read it (issue 15): the plain text fs_record_get gives
 * ("12345.60") with thousands commas ("12,345.60") in buf; NULL stays
 * NULL, text that is not an amount is returned as it is. */
const char *cli_money_human(const char *plain, char buf[FS_MONEY_TEXT_MAX]);
/* 1 if field of kind holds money (FS_FIELD_MONEY). */
int cli_is_money(const char *kind, const char *field);
void cli_json_record(void *json, fs_record *rec);
/* Prints rec as one JSON document.  CLI_OK, or CLI_ERR if stdout failed. */
int cli_print_json_record(fs_record *rec);

/* A child record's customer as people name it (cli_show.c). */
typedef struct cli_cust {
  char id[FS_ID_MAX + 1];
  char archive_no[64]; /* "" if the card is not held here */
  char name[512];      /* the name, or the short id if not held here */
} cli_cust;
/* Fills *out for customer id (NULL or "": all empty); keeps *out as it is
 * if it already holds id (a cache of one, for lists). */
void cli_customer_of(cli_ctx *c, const char *id, cli_cust *out);

/* The output of a list command: a JSON array of objects with --json, else
 * a table printed at the end as CSV (--csv) or aligned for humans.  Row
 * callbacks write l->j when l->c->json, else add cells to l->t. */
typedef struct cli_list {
  cli_ctx *c;
  fs_json j;
  fs_table *t;
} cli_list;
/* Starts the output: opens the JSON array, or makes the table of ncols
 * heads; drop (may be NULL) gives each column's drop rank, which go first
 * on a narrow terminal (fs__table_set_drop).  0, or FS_ENOMEM/FS_EINVAL
 * (nothing to end then). */
int cli_list_begin(cli_list *l, cli_ctx *c, int ncols, const char *const *heads,
                   const int *drop);
/* Ends the output after the rows were produced with result rc (0 or an
 * FS_E* code) and frees the table.  JSON: closes the array and the
 * document.  Table: printed only if rc is 0, fitted to c->width.  Returns rc, or FS_EIO if rc
 * was 0 but the JSON could not be written.  *summary (may be NULL) is set
 * to 1 if the human table was printed, the caller then prints its summary
 * line ("(3 records)"), else 0. */
int cli_list_end(cli_list *l, int rc, int *summary);

/* Handlers. */
int cli_cmd_init(cli_ctx *c, int argc, char **argv);
int cli_cmd_add(cli_ctx *c, int argc, char **argv);
int cli_cmd_edit(cli_ctx *c, int argc, char **argv);
int cli_cmd_show(cli_ctx *c, int argc, char **argv);
int cli_cmd_list(cli_ctx *c, int argc, char **argv);
int cli_cmd_delete(cli_ctx *c, int argc, char **argv);
int cli_cmd_grade(cli_ctx *c, int argc, char **argv);
int cli_cmd_search(cli_ctx *c, int argc, char **argv);
int cli_cmd_outbox(cli_ctx *c, int argc, char **argv);
/* Networked commands (cli_sync.c). */
int cli_enroll(cli_ctx *c, const char *token);
int cli_cmd_sync(cli_ctx *c, int argc, char **argv);
int cli_cmd_conflicts(cli_ctx *c, int argc, char **argv);
int cli_cmd_conflict_accept(cli_ctx *c, int argc, char **argv);
int cli_cmd_conflict_dismiss(cli_ctx *c, int argc, char **argv);
int cli_cmd_conflict_resolve(cli_ctx *c, int argc, char **argv);
/* The rep's agenda and lost-sale reviews (cli_agenda.c, cli_lost.c). */
int cli_cmd_agenda(cli_ctx *c, int argc, char **argv);
int cli_cmd_lost_review(cli_ctx *c, int argc, char **argv);
int cli_cmd_customer_lost(cli_ctx *c, int argc, char **argv);
int cli_cmd_customer_delete_review(cli_ctx *c, int argc, char **argv);
/* What the daemon told this staff member (cli_notices.c). */
int cli_cmd_notices(cli_ctx *c, int argc, char **argv);
int cli_cmd_keyaccounts_apply(cli_ctx *c, int argc, char **argv);
int cli_cmd_sales_add(cli_ctx *c, int argc, char **argv);
int cli_cmd_sales_list(cli_ctx *c, int argc, char **argv);
int cli_cmd_keyaccounts_override(cli_ctx *c, int argc, char **argv);
/* Managers' reports (cli_report.c, common/report/report.h). */
int cli_cmd_report(cli_ctx *c, int argc, char **argv);
/* The manager's sign-off and the monthly plan (cli_signoff.c, issue 14). */
int cli_cmd_signoff(cli_ctx *c, int argc, char **argv);
int cli_cmd_signoff_list(cli_ctx *c, int argc, char **argv);
int cli_cmd_plan_set(cli_ctx *c, int argc, char **argv);
int cli_cmd_plan_show(cli_ctx *c, int argc, char **argv);

#endif
