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

#endif
