/* backup.h - the central store's side of backup, restore and verify
 * (the commands are daemon/backup_cmd.c, restore_cmd.c and verify_cmd.c;
 * the archive file is daemon/backup_file.c's).
 */
#ifndef FS_STORE_BACKUP_H
#define FS_STORE_BACKUP_H

#include <stdint.h>

#include "store/cstore.h"

/* Progress of a copy: pages done out of total (total may grow while the
 * daemon writes). */
typedef void (*fs_snapshot_progress_fn)(void *arg, long done, long total);

/* Copies the store at src into a new database file dst (which must not
 * exist; created 0600), consistent as of one committed moment, while a
 * daemon may be serving: the copy runs on its own read-only connection
 * inside one read transaction (WAL: the writer is never blocked, only
 * checkpoints wait for the copy), page by page with SQLite's backup API.
 * progress may be NULL.  0, FS_ENOTFOUND (no store at src), FS_EEXIST,
 * FS_EFULL, FS_EIO, FS_EDB, FS_ENOMEM.  On error dst is removed. */
int fs__store_snapshot(const char *src, const char *dst, fs_snapshot_progress_fn progress,
                       void *arg);

/* One finding of fs__store_verify: a short category ("integrity",
 * "journal", "devices", "seq") and a line of text. */
typedef void (*fs_verify_fn)(void *arg, const char *what, const char *text);

/* Checks the store at path (read-only; a daemon may be serving):
 *   integrity  PRAGMA integrity_check;
 *   journal    every live record has a journal entry (op row) for its
 *              owner; no journal entry names a record the store lacks;
 *   devices    every device's staff member exists;
 *   seq        meta 'seq' is at or above every seq in journal, conflicts,
 *              ownership_log and the record tables; gc_floor is at or below
 *              it; the generation (store/generation.h) is well formed.
 * Each finding goes to fn; *findings counts them (at most the first 100
 * of each check are reported, all are counted).  0 (whatever was found),
 * or the error that stopped the check (FS_ENOTFOUND: no store). */
int fs__store_verify(const char *path, fs_verify_fn fn, void *arg, long *findings);

/* 1 if a process holds the writer claim on the store at path (a daemon
 * serves it, or an admin command or restore runs on it), else 0. */
int fs__store_in_use(const char *path);

/* What a snapshot file (or any store file, read-only) says of itself:
 * its generation ("" if it has none), meta 'admin_event' (0 if none:
 * store/adminlog.h) and meta 'seq'.  0, FS_ENOTFOUND, FS_EDB. */
int fs__store_snapshot_info(const char *path, char gen[33], long long *admin_event,
                            long long *seq);

/* How far a restore moves the store's seq counter forward. */
#define FS_RESTORE_SEQ_GAP (UINT64_C(1) << 32)

/* Run by `fieldsyncd restore` on the restored store file at path before
 * any handle opens it: moves meta 'seq' forward by FS_RESTORE_SEQ_GAP.
 * Why: the restored store's history up to its seq S is the one its devices
 * saw, but since the backup the lost store handed out seqs above S, and
 * devices hold cursors from them.  Every seq from now on is above all of
 * those (more than 4 billion changes between a backup and its restore
 * cannot happen), so a device pulling from such a cursor still gets every
 * change made after the restore (also an older client that knows nothing
 * of generations), and the GC horizon and the handover fence, which
 * compare device cursors with seqs, stay right.  *seq_out (may be NULL)
 * gets the new value.  0 or a translated error. */
int fs__store_restore_seq_jump(const char *path, uint64_t *seq_out);

#endif
