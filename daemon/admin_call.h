/* admin_call.h - how the fieldsyncd command line runs an admin command
 * (admin.h): through the running daemon's DATA/admin.sock, or, when no
 * daemon listens there, on the store directly inside a transaction of its
 * own.
 */
#ifndef FS_ADMIN_CALL_H
#define FS_ADMIN_CALL_H

#include <stdio.h>

#include "config.h"
#include "msg.h"

/* Runs admin request req for the data directory data (cfg: its
 * configuration, for the offline run); res receives the ADMIN_RESULT
 * (fs__msg_release it).  0, or an fs_errno; *said is set when the reason
 * was already printed on stderr. */
int fs__admin_call(const char *data, const fs_config *cfg, const fs_msg *req, fs_msg *res,
                   int *said);

/* How the admin's process shows a result's output (issue 15): the
 * output formats of fieldsyncd's admin commands. */
typedef enum fs_admin_style {
  FS_ADMIN_TEXT = 0, /* for people: a listing rendered here, fitted to width */
  FS_ADMIN_JSON,     /* the JSON the command built */
  FS_ADMIN_CSV       /* a listing as RFC 4180 CSV (CRLF) */
} fs_admin_style;

/* Prints the output of a successful ADMIN_RESULT r on f.  A listing that
 * came as a typed table (r->table) is rendered in this process, the one
 * that owns the terminal: as text fitted to width display columns (0: every
 * cell whole, for a pipe or a file) in this process's time zone, followed
 * by the text the command wrote after it; or as CSV.  Without a table
 * (another command, or an older daemon) the text is printed as it came,
 * through the one sanitiser (common/utf8.h).  0; FS_EUSAGE for CSV of a
 * result that holds no listing; FS_EIO if f failed; FS_ENOMEM. */
int fs__admin_print(FILE *f, const fs_msg_admin_result *r, fs_admin_style style,
                    int width);

#endif
