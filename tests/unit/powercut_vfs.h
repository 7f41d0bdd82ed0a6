/* powercut_vfs.h - an SQLite VFS for tests that loses unsynced writes.
 *
 * "powercut" wraps the default (unix) VFS.  For every main database, WAL
 * and journal file it keeps a shadow copy of the content as of the file's
 * last xSync (or of its open, for a file that existed then).  A simulated
 * power cut (fs_powercut_cut) makes every later write, truncate, sync and
 * delete a silent no-op, so the connections still open can be closed
 * without touching the disk; fs_powercut_restore then puts every tracked
 * file back to its shadow (a file never synced since its creation comes
 * back empty), i.e. the disk as a power cut would leave it, and re-arms
 * the VFS.  The shared-memory WAL index is volatile anyway: SQLite
 * rebuilds it from the WAL when the first connection reopens.
 *
 * fs_powercut_register(1) makes it the default VFS, so code that opens
 * with a NULL VFS (fs__db_open) goes through it unchanged.  0 or an
 * SQLite error code.  Single-threaded tests only. */
#ifndef FS_POWERCUT_VFS_H
#define FS_POWERCUT_VFS_H

#include <sqlite3.h>

int fs_powercut_register(int make_default);
void fs_powercut_unregister(void); /* restores the previous default; frees shadows */
void fs_powercut_cut(void);
int fs_powercut_restore(void); /* 0, or -1 if a file could not be rewritten */
/* Rows of meta whose key starts with "powercut." (what the tests write):
 * the count, or -1 on an SQLite error. */
int fs_powercut_count_written(sqlite3 *db);
/* Number of xSync calls seen since registration (the test checks FULL syncs). */
unsigned long fs_powercut_syncs(void);

#endif
