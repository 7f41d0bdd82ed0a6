/* verify_cmd.h - `fieldsyncd verify` (docs/OPERATIONS.md): checks the
 * central store (store/backup.h's fs__store_verify), as after a restore.
 *
 * Returns an exit code: 0 clean, 1 error or findings, 2 usage.  Messages
 * to stderr say what failed and what to do.
 */
#ifndef FS_DAEMON_VERIFY_CMD_H
#define FS_DAEMON_VERIFY_CMD_H

#define FS_VERIFY_USAGE "verify"

int fs__verify_cmd(const char *data, int argc, char **argv);

#endif
