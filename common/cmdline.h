/* cmdline.h - the conventions fieldsync and fieldsyncd share (issue 15),
 * written once: exit codes, the help layout, the "did you mean" hint and
 * the bash completion generated from a program's command table.
 *
 * Exit codes, every command of both programs:
 *   0 FS_EXIT_OK     done.
 *   1 FS_EXIT_ERR    the command line was understood, and the command
 *                    failed or was refused on what the data holds: no such
 *                    record or staff member (report --rep ZZZ), ambiguous
 *                    id, permission, conflict, network, disk.
 *   2 FS_EXIT_USAGE  the command line itself is wrong, known without
 *                    looking at any data: unknown command or option, a
 *                    missing argument or required option (customer add
 *                    without --grade), a value of the wrong form (not a
 *                    date, number or grade), --from after --to, an edit
 *                    that names no field to change.
 * Help (--help, -h, help COMMAND) and --version exit 0 and print on
 * stdout; a program run without a command prints its usage on stderr and
 * exits 2.
 */
#ifndef FS_CMDLINE_H
#define FS_CMDLINE_H

#include <stddef.h>
#include <stdio.h>

#define FS_EXIT_OK 0
#define FS_EXIT_ERR 1
#define FS_EXIT_USAGE 2

/* The exit code of an fs_errno result by the rule above: 0 -> 0,
 * FS_EUSAGE -> 2, anything else -> 1. */
int fs__exit_code(int rc);

/* A whole decimal number within lo..hi as an option's value ("--reps 5"):
 * 0 and *out, or -1 (not a number, trailing text, out of range; *out
 * untouched).  The caller words the usage error. */
int fs__cmdline_num(const char *s, long long lo, long long hi, long long *out);

/* One option or argument of a command, for its help. */
typedef struct fs_cmd_opt {
  const char *name; /* "--successor CODE", "CODE" */
  const char *help; /* one sentence; a default is stated as "(default: ...)" */
} fs_cmd_opt;

/* The global options, the same in both programs (data_default says where
 * --data points when not given). */
#define FS_GLOBAL_OPTS_USAGE "[--data DIR] [--json|--csv] [--no-pager]"

/* The head of a command's help: "usage: PROG USAGE", a blank line, the
 * summary as a sentence. */
void fs__help_head(FILE *f, const char *prog, const char *usage, const char *summary);
/* "\n<title>:\n" and one line per option (NULL-name terminated; NULL
 * prints nothing): the name in a 24-column field, the help after it. */
void fs__help_opts(FILE *f, const char *title, const fs_cmd_opt *opts);
/* The foot: the global options and where the data lives by default. */
void fs__help_globals(FILE *f, const char *data_default);

/* The terminal paragraph of a program's help (issue 15, common/term.h):
 * width fitting, $COLUMNS, the pager and how to turn it off, pipes. */
void fs__help_terminal(FILE *f);

/* "PROG: unknown WHAT \"word\"; did you mean \"best\"?" when best is not
 * NULL, else without the hint; then "(see HELP)" if help is not NULL. */
void fs__help_unknown(FILE *f, const char *prog, const char *what, const char *word,
                      const char *best, const char *help);

/* One command for the bash completion: its name (one or two words) and
 * the words to offer after it (space separated; "--" options are also
 * taken from usage). */
typedef struct fs_completion_cmd {
  const char *name;
  const char *usage;
  const char *words; /* may be NULL */
} fs_completion_cmd;

/* Writes a bash completion script for prog: the first words of every
 * command, then their second words, then each command's options, and the
 * global options everywhere.  0, or FS_EIO if f failed. */
int fs__completion_bash(FILE *f, const char *prog, const fs_completion_cmd *cmds,
                        size_t n);

/* ---- destructive commands (issue 15) ----
 * A command that erases or hands over records (fieldsync customer delete,
 * fieldsyncd depart and transfer) says what it would change and asks on a
 * terminal; `--yes` (or `-y`) runs it without asking, for scripts.  Not on
 * a terminal and without --yes it is refused as a usage error (exit 2)
 * that says to add --yes. */

/* 1 if arg is --yes or -y. */
int fs__cmdline_is_yes(const char *arg);

/* 1 if a person can be asked: stdin and stderr are both terminals. */
int fs__cmdline_can_ask(void);

/* Writes "question [y/N] " on stderr and reads one line from stdin: 1 if
 * it is "y" or "yes" (any case, blanks around ignored), else 0 (any other
 * answer, end of input or an error). */
int fs__cmdline_confirm(const char *question);

/* The refusal of a destructive command run where no one can be asked
 * without --yes: "PROG CMD: this changes data and nobody can be asked
 * here; add --yes to go ahead (or --dry-run ...)" on stderr.  Returns
 * FS_EXIT_USAGE.  dry_run may be NULL (the command has none). */
int fs__cmdline_need_yes(const char *prog, const char *cmd, const char *dry_run);

#endif
