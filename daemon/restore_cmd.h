/* restore_cmd.h - `fieldsyncd restore` (docs/OPERATIONS.md): a backup
 * file (backup_cmd.h, its format backup_file.h) into a stopped data
 * directory, with a new store generation and the admin-event log
 * (store/adminlog.h) replayed on top.
 *
 * Returns an exit code: 0 ok, 1 error, 2 usage.  Messages to stderr say
 * what failed and what to do.
 */
#ifndef FS_DAEMON_RESTORE_CMD_H
#define FS_DAEMON_RESTORE_CMD_H

#define FS_RESTORE_USAGE                                                                 \
  "restore FILE [--force] [--passphrase-file F] [--events LOG] [--force-insecure]"

int fs__restore_cmd(const char *data, int argc, char **argv);

#endif
