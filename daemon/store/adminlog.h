/* adminlog.h - the admin-event log: security decisions a restore must not
 * roll back.
 *
 * A file beside the central store, DATA/admin-events.log (0600), never
 * part of a backup.  Each admin command that changes who may do what -
 * staff.add, staff.edit, revoke (also --wipe: a wipe order), depart
 * (departure and handover), transfer, cover, cover.end, lend, lend.end,
 * person.erase; never a --dry-run - is
 * appended as one line
 *     E <id> <at_ms> <hex of the msgpack ADMIN message (PROTOCOL.md 5.5.12)>\n
 * and fdatasync'ed inside the command's own store transaction, before its
 * commit, while the same transaction writes meta 'admin_event' = id.  So:
 *   - every committed command is in the log (the log is written first);
 *   - a store (and so every backup of it) says exactly which events it
 *     holds: those with id <= its meta 'admin_event';
 *   - a command whose commit then failed is in the log but not in the
 *     store; a restore replays it (the operator sees it listed).
 * Enrollments are logged the same way (fs__adminlog_enrolled).
 * ids rise by one from 1.  A torn last line (a crash mid-append) is
 * ignored; any other malformed line stops a replay (FS_EDB).
 * `fieldsyncd restore` replays, in id order, every event above the
 * restored store's meta 'admin_event' (fs__adminlog_replay).
 *
 * Writers are serialised by the store's writer claim (central.h): one
 * process, one writer thread.
 */
#ifndef FS_STORE_ADMINLOG_H
#define FS_STORE_ADMINLOG_H

#include <stddef.h>
#include <stdint.h>

#include "msg.h"
#include "store/cstore.h"

#define FS_ADMINLOG_NAME "admin-events.log"
#define FS_ADMINLOG_META "admin_event"

/* DIR/admin-events.log for the store c (DIR: the store file's directory).
 * 0 or FS_EOVERFLOW. */
int fs__adminlog_path(fs_central *c, char *buf, size_t len);

/* Creates the log (empty, 0600) if missing; fsyncs the directory.  0 or
 * FS_EIO (logged). */
int fs__adminlog_create(fs_central *c);

/* Inside the writer transaction of an admin command that succeeded:
 * appends req if it is one of the commands above (else does nothing) and
 * sets meta 'admin_event'.  0, FS_EIO / FS_EFULL (nothing may be
 * committed then), FS_ENOMEM, or a translated storage error.  Does
 * nothing while fs__adminlog_replay runs in this process. */
int fs__adminlog_record(fs_central *c, const fs_msg_admin *req);

/* The event name of an enrollment (not an admin command). */
#define FS_ADMINLOG_ENROLLED "device.enrolled"

/* Inside the writer transaction of an enrollment (after the device row is
 * written): logs it as event "device.enrolled" with args device (int),
 * staff, slot (int) and pubkey (64 hex), so a restore registers a device
 * enrolled after the backup again and it can re-upload what it holds.
 * Errors as fs__adminlog_record. */
int fs__adminlog_enrolled(fs_central *c, uint64_t device, const char *staff, int slot,
                          const uint8_t pub[32]);

/* Replays a "device.enrolled" event in c's open transaction: registers
 * the device with its id, key, staff and slot unless the store already
 * knows that id or key, or lacks the staff member.  *added 1 if it was
 * registered (why says why not).  0 or a storage error. */
int fs__adminlog_enroll_replay(fs_central *c, const fs_msg_admin *req, int *added,
                               char *why, size_t whylen);

/* One replayed event: runs req inside the open writer transaction of c.
 * Returns 0 to commit it, < 0 to stop the replay with that error.  A
 * command the restored store refuses (a device it does not know) is not
 * an error: the callback reports it and returns 0. */
typedef int (*fs_adminlog_exec_fn)(void *arg, fs_central *c, uint64_t id, int64_t at_ms,
                                   const fs_msg_admin *req);

/* Replays every event of the log at path with an id above c's meta
 * 'admin_event', each in its own transaction that also raises the meta.
 * *replayed (may be NULL) counts them.  0, FS_ENOTFOUND (no log at path),
 * FS_EDB (a malformed line), FS_EIO, or the callback's or the store's
 * error. */
int fs__adminlog_replay(fs_central *c, const char *path, fs_adminlog_exec_fn fn,
                        void *arg, int *replayed);

#endif
