/* cli_doc.h - what `fieldsyncd COMMAND --help` says about every option:
 * its meaning and its default (issue 15, point 6).  One entry per command
 * and per subcommand ("staff add"); the layout is common/cmdline.h's, the
 * same as fieldsync's.
 */
#ifndef FS_DAEMON_CLI_DOC_H
#define FS_DAEMON_CLI_DOC_H

#include <stddef.h>
#include <stdio.h>

#include "cmdline.h"

typedef struct fs_daemon_doc {
  const char *name;       /* "depart", "staff add" */
  const char *usage;      /* after "fieldsyncd " */
  const char *summary;    /* one line */
  const fs_cmd_opt *opts; /* NULL-name terminated */
} fs_daemon_doc;

extern const fs_daemon_doc fs__daemon_docs[];
extern const size_t fs__daemon_ndocs;

/* The entry named name ("staff add" or "staff"), or NULL. */
const fs_daemon_doc *fs__daemon_doc(const char *name);

/* Prints the help of command name (of "name sub" if that has an entry)
 * in the layout of common/cmdline.h.  name must have an entry. */
void fs__daemon_help_cmd(FILE *f, const char *name, const char *sub);
/* Writes the bash completion of every entry.  0 or FS_EIO. */
int fs__daemon_completion_bash(FILE *f);
/* Writes "unknown option ARG" into buf (len bytes), with "; did you mean
 * --X?" for the nearest of the option names (without dashes) of the
 * NULL-terminated lists a, b, c (each may be NULL).  Returns buf. */
const char *fs__daemon_unknown_option(char *buf, size_t len, const char *arg,
                                      const char *const *a, const char *const *b,
                                      const char *const *c);
/* Writes "unknown GROUP subcommand \"WORD\"" into buf, with the nearest
 * subcommand of the entries "GROUP x".  Returns buf. */
const char *fs__daemon_unknown_sub(char *buf, size_t len, const char *group,
                                   const char *word);

/* What a command's output is (issue 15, point 8), from its name and the
 * arguments after it: 1 if it writes CSV with --csv (report and the
 * listings: staff list|show, devices, audit, cover list, lend list,
 * quarantine without --drop; every other command refuses --csv, exit 2),
 * 0 if not. */
int fs__daemon_takes_csv(const char *cmd, int argc, char *const *argv);
/* 1 if it only reads and may print more than a screen (the listings,
 * report, history, a depart or transfer --dry-run): on a terminal its
 * output goes through the pager (common/term.h) unless --no-pager. */
int fs__daemon_pages(const char *cmd, int argc, char *const *argv);

#endif
