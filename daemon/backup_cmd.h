/* backup_cmd.h - `fieldsyncd backup` (docs/OPERATIONS.md): writes the
 * store, the daemon's key pair and its config, consistent while the daemon
 * serves, into one backup file (its format: backup_file.h).  `restore`:
 * restore_cmd.h; `verify`: verify_cmd.h.
 *
 * Returns an exit code: 0 ok, 1 error, 2 usage.  Messages to stderr say
 * what failed and what to do.
 */
#ifndef FS_DAEMON_BACKUP_CMD_H
#define FS_DAEMON_BACKUP_CMD_H

#define FS_BACKUP_USAGE "backup --to FILE [--passphrase-file F]"

int fs__backup_cmd(const char *data, int argc, char **argv);

#endif
