/* sq.h - statement helpers private to the SQLite implementation of the
 * central store (daemon/store/ .c files only, like impl.h).
 *
 * A spec string binds the arguments that follow it to ?1, ?2, ... in
 * order, one character each:
 *   t  const char *      (NULL binds NULL; the text must outlive the step)
 *   i  int
 *   I  int64_t
 *   b  const void *, size_t   (a blob)
 */
#ifndef FS_STORE_SQ_H
#define FS_STORE_SQ_H

#include <stdarg.h>
#include <stdint.h>

#include "store/impl.h"

/* Prepares sql on db and binds the arguments.  0 or a translated error
 * (then *out is NULL).  The caller finalizes *out. */
int fs__sq_prep(sqlite3 *db, sqlite3_stmt **out, const char *sql, const char *spec, ...);

/* Prepares, binds, runs to the end and finalizes a statement that returns
 * no rows.  *changed (may be NULL) receives the rows it changed.  0 or a
 * translated error. */
int fs__sq_run(sqlite3 *db, int *changed, const char *sql, const char *spec, ...);

/* Steps st: 1 a row, 0 done, or a translated error (negative). */
int fs__sq_step(sqlite3 *db, sqlite3_stmt *st);

/* Column c of the current row as text: "" for NULL. */
const char *fs__sq_text(sqlite3_stmt *st, int c);

#endif
