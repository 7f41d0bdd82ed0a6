/* report_cmd.h - `fieldsyncd report NAME ...`: the managers' reports
 * (common/report/report.h) straight from the central store.
 *
 * The store is opened read-only in spirit: a second connection in WAL mode
 * reads one snapshot while a running daemon keeps writing; nothing is
 * written (the schema is already current, so opening takes no write lock).
 */
#ifndef FS_DAEMON_REPORT_CMD_H
#define FS_DAEMON_REPORT_CMD_H

#include "report.h"

/* The synopsis after "fieldsyncd ". */
#define FS_REPORT_CMD_USAGE FS_REPORT_USAGE

/* Runs the report named in argv (the arguments after "report", see
 * FS_REPORT_USAGE) on DATA/central.db, text fitted to width display
 * columns (0: whole); --team resolves through the staff
 * table.  Output to stdout, messages to stderr.  Returns an exit code:
 * 0 ok, 1 error (no store, database error), 2 usage error. */
int fs__report_cmd(const char *data, int json, int width, int argc, char **argv);

#endif
