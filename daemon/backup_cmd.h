/* backup_cmd.h - `fieldsyncd backup`, `restore` and `verify`
 * (docs/OPERATIONS.md).
 *
 * The backup file (one file; nothing else needs keeping but the
 * admin-event log, which stays with the daemon: store/adminlog.h):
 *
 *   "FSBACKUP" (8 bytes), version (1 byte, 1), mode (1 byte: 0 plain,
 *   1 passphrase)
 *   mode 1: salt (16), opslimit (u64 LE), memlimit (u64 LE) of
 *           crypto_pwhash (Argon2id), key check (16: BLAKE2b-128 keyed
 *           with the derived key over "fieldsync backup key check"),
 *           secretstream header (24)
 *   chunks: u32 LE length, bit 31 set on the last chunk, then the bytes:
 *           mode 0: payload bytes; after the last chunk the BLAKE2b-256 of
 *                   the whole payload (32);
 *           mode 1: crypto_secretstream_xchacha20poly1305 ciphertext of a
 *                   payload chunk (at most 64 KiB), TAG_FINAL on the last.
 *   payload: entries (u16 LE name length, name, u64 LE data length, data)
 *            ending with a name length of 0:
 *            MANIFEST (text: format, created_at, generation, admin_event,
 *            seq, fieldsyncd version), central.db (a consistent copy of
 *            the store, store/backup.h), daemon.key, daemon.key.pub,
 *            fieldsyncd.conf (when there is one).
 *
 * Each command returns an exit code: 0 ok, 1 error (or, for verify,
 * findings), 2 usage.  Messages to stderr say what failed and what to do.
 */
#ifndef FS_DAEMON_BACKUP_CMD_H
#define FS_DAEMON_BACKUP_CMD_H

#define FS_BACKUP_USAGE "backup --to FILE [--passphrase-file F]"
#define FS_RESTORE_USAGE                                                                 \
  "restore FILE [--force] [--passphrase-file F] [--events LOG] [--force-insecure]"
#define FS_VERIFY_USAGE "verify"

int fs__backup_cmd(const char *data, int argc, char **argv);
int fs__restore_cmd(const char *data, int argc, char **argv);
int fs__verify_cmd(const char *data, int argc, char **argv);

#endif
