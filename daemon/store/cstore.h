/* cstore.h - the central store interface: handles and transactions.
 *
 * Every read and write the daemon makes of its data goes through the
 * functions declared in daemon/store/ headers, one header per table or concern:
 *   central.h         open (single-writer claim), writer transaction, seq;
 *                     and, by concern (one .c each): journal.c, push.c
 *                     (+ fence.c the handover fence, record_history.c),
 *                     pull.c, access.c (access sets), gc.c, audit.c
 *   record_history.h  the per-record history table (clearing values)
 *   privacy.h         person export/erase, history retention
 *   bulk.h            the daemon's own sample-data writes (seed)
 *   reports.h         the managers' reports' reads
 *   (schema.c)        the central store's tables: the daemon's schema
 *                     fragment, registered with common/schema.h on open
 * The SQLite implementation lives in daemon/store/ (.c files, with the
 * private impl.h and push_impl.h); no other daemon file includes sqlite3.h,
 * db.h or store/impl.h (tests/integration/layering.sh checks it, with the
 * files still moving listed).  A second implementation (PostgreSQL) is
 * meant to sit behind the same calls, so the interface names no SQLite
 * concept: no rowid, no changes(), no statement.
 *
 * Two kinds of handle:
 *   fs_central   the store's one writer (daemon/store/central.h), owned by
 *                the writer thread; every write runs inside its explicit
 *                transaction (fs__central_begin / _commit / _rollback), so
 *                a group commit batches many calls in one transaction.
 *   fs_store_rd  a read handle: the loop thread has one, each thread-pool
 *                job borrows one from a pool.  A read handle sees committed
 *                data only; a run of reads that must agree is bracketed by
 *                fs__store_rd_begin / fs__store_rd_end (one snapshot).
 *                fs__central_rd() gives the writer's own connection as a
 *                read handle, for reads inside its open transaction.
 * A handle is used by one thread at a time.
 */
#ifndef FS_CSTORE_H
#define FS_CSTORE_H

typedef struct fs_central fs_central;
typedef struct fs_store_rd fs_store_rd;

/* Opens a read handle on the central store at path (which must exist and
 * be at this build's schema version).  0, FS_EIO, FS_EDB, FS_ESCHEMA_NEWER,
 * FS_ENOMEM; on error *out is NULL.  Free with fs__store_rd_free. */
int fs__store_rd_open(const char *path, fs_store_rd **out);
void fs__store_rd_free(fs_store_rd *r); /* takes NULL; not for fs__central_rd */

/* A read snapshot: reads between begin and end see one committed state.
 * Nesting is not allowed.  0 or a translated error. */
int fs__store_rd_begin(fs_store_rd *r);
void fs__store_rd_end(fs_store_rd *r);

/* The writer's connection as a read handle (sees the writer's open
 * transaction).  Owned by c; valid until fs__central_free. */
fs_store_rd *fs__central_rd(fs_central *c);

#endif
