/* nest.h - nested transactions inside the writer's transaction.
 *
 * An administration command, a handover dry run and a handover that meets
 * a refusal half-way must undo their own writes without ending the
 * writer's transaction, which may hold other work of the same group
 * commit.  A nested transaction does that: begun inside an open writer
 * transaction (fs__central_begin), it ends either keeping its writes
 * (they commit or roll back with the outer transaction) or undoing them.
 * Nesting is allowed to any depth; each end closes the innermost one.
 *
 * Seqs allocated inside an undone nested transaction are not given back
 * (fs__central_next_seq): a gap in seq is harmless, a reused one is not.
 */
#ifndef FS_STORE_NEST_H
#define FS_STORE_NEST_H

#include "store/cstore.h"

/* Opens a nested transaction.  0 or a translated storage error. */
int fs__central_nest_begin(fs_central *c);

/* Closes the innermost nested transaction: keep != 0 keeps its writes,
 * 0 undoes them.  0 or a translated storage error (after an error the
 * caller must roll the writer transaction back). */
int fs__central_nest_end(fs_central *c, int keep);

#endif
