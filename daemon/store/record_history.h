/* store/record_history.h - the per-record history table of the central store
 * (what a row holds: daemon/history.h).  Rows are written by the push path
 * (store/push.c); the calls here change them.
 */
#ifndef FS_STORE_RECORD_HISTORY_H
#define FS_STORE_RECORD_HISTORY_H

#include "history.h"
#include "store/central.h"

/* Sets old and new to nil in the history entries of record (kind, id),
 * filed under customer cust (NULL or "": the record is its own), for the
 * fields what names; the rows stay.  Inside the writer transaction of c.
 * 0, FS_EINVAL, or a translated storage error. */
int fs__history_clear(fs_central *c, const char *cust, fs_kind kind, const char *id,
                      fs_history_clear what);

/* The staff member whose device wrote the value that field f of record
 * (kind, id), filed under customer cust (NULL: the record is its own),
 * holds now: the newest history row that set f and won (a create that
 * set it, or an upsert entry with won).  staff is "" if no row says so
 * (the value came from an admin command or a seed, or the history was
 * cleared).  Reads at most FS_HISTORY_WRITER_ROWS rows.  Inside the writer
 * transaction of c, before this change's own row is written.  0 or a
 * translated storage error. */
#define FS_HISTORY_WRITER_ROWS 256
int fs__history_field_writer(fs_central *c, const char *cust, fs_kind kind, const char *id,
                             int f, char staff[FS_STAFF_MAX + 1]);

#endif
