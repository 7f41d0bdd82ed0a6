/* privdir.h - the data directory and its files are for their owner only.
 *
 * Everything fieldsync keeps on disk holds customer or staff data or keys,
 * so both programs and the library make their files 0600 and their data
 * directories 0700 whatever the caller's umask, and treat an existing
 * directory the way OpenSSH's StrictModes treats ~/.ssh:
 *
 *   - a directory (or file) that group or others may access is tightened
 *     with a warning naming it: their bits are cleared (0755 -> 0700,
 *     0644 -> 0600; the owner's bits stay, so a read-only 0444 -> 0400);
 *   - a directory owned by another user is refused (FS_EIO, with a message
 *     saying whose it is and what to do): chmod cannot make it private, its
 *     owner can read everything written into it.  root may use any
 *     directory (a service account's, for admin commands).
 *
 * Messages go to the log (FS_WARN / FS_ERROR).
 */
#ifndef FS_PRIVDIR_H
#define FS_PRIVDIR_H

/* Checks dir as above.  create: make it (mode 0700) if missing, else a
 * missing dir is FS_ENOTFOUND (not logged: the caller knows what that
 * means).  FS_EIO if it is not a directory, belongs to another user or
 * cannot be created or tightened (logged). */
int fs__privdir_check(const char *dir, int create);

/* Makes path private.  create: create it (0600, not following a symlink)
 * if missing.  An existing regular file that group or others may access is
 * tightened (group/other bits cleared) with a warning.  Missing and
 * !create: 0.  FS_EIO (logged) if
 * it cannot be created or tightened. */
int fs__privfile_fix(const char *path, int create);

/* fsyncs the directory holding path (its last '/' component's parent;
 * "." without one), so a file created or renamed there survives a power
 * cut.  Best effort: errors are ignored (the data itself was synced). */
void fs__dir_sync_of(const char *path);

#endif
