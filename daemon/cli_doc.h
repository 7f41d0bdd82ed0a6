/* cli_doc.h - what `fieldsyncd COMMAND --help` says about every option:
 * its meaning and its default (issue 15, point 6).  One entry per command
 * and per subcommand ("staff add"); the layout is common/cmdline.h's, the
 * same as fieldsync's.
 */
#ifndef FS_DAEMON_CLI_DOC_H
#define FS_DAEMON_CLI_DOC_H

#include <stddef.h>

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

#endif
