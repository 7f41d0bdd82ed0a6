/* store.h - generic record storage and the field-level merge.
 *
 * Both the client replica and the daemon's central store keep records with
 * these functions, so the merge rule exists once:
 *
 *   - Each field has its own clock (the row's clk blob).  An incoming field
 *     write wins if its hlc is greater than the stored field's; equal clocks
 *     are broken by the value (NULL < integer < text, then by bytes), so
 *     every replica decides alike without storing the writer.  Equal clock
 *     and value is the same write again: idempotent.  Different fields of
 *     one record never overwrite each other.  A tombstone keeps only what
 *     sync needs (id, owner, author, clocks, FS_F_KEY fields): a delete
 *     clears every content field, and edits meeting a tombstone only raise
 *     its clocks, so rows converge whatever the order and no edit brings
 *     content back.  Details in store.c.
 *   - Append-only kinds (visits, grade changes): a record is created once.
 *     A later upsert whose values all equal the stored ones is a duplicate
 *     (APPLIED, nothing changes); any other is SUPERSEDED as a whole and
 *     its differing values are reported to the conflict callback.
 *   - Deletes are tombstones (deleted=1) and win over every edit, earlier or
 *     later: an edit that meets a tombstone is superseded and reported to the
 *     conflict callback, without its value (loser NULL): a deleted record's
 *     content reaches no conflict log.  Deterministic on every replica.
 *   - Each losing value of a same-field conflict (the incoming one that lost,
 *     or the stored one that was overwritten by a concurrent write) is
 *     reported to cb so the caller can keep it in its conflict log.  An
 *     overwrite is concurrent unless the write had seen the stored value:
 *     its base (fs_field_change.base, the field clock its writer's replica
 *     held) equals the stored field clock (fs__write_saw).  A write without
 *     a base (0) has seen nothing: any overwrite of a written, different
 *     value by it is reported.  An incoming value that lost is always
 *     reported.  The base decides only what is reported, never which write
 *     wins.  loser points into c->fields[] when the incoming value lost.  A
 *     delete reports the fields written after its clock (again without
 *     values).
 *
 * All functions run inside the caller's transaction and return 0 or an
 * fs_errno (SQLite errors translated via fs__db_err).
 */
#ifndef FS_STORE_H
#define FS_STORE_H

#include <sqlite3.h>
#include <stdint.h>

#include "model.h"

typedef struct fs_row {
  fs_kind kind;
  char id[33];
  char owner[17];
  char author[17];
  int deleted;
  uint64_t hlc; /* newest field clock */
  uint64_t seq; /* daemon's change sequence (0 on clients) */
  int nfields;
  fs_value *values; /* nfields */
  uint64_t *clk;    /* nfields */
} fs_row;

int fs__row_init(fs_row *r, fs_kind k); /* allocates values/clk; FS_ENOMEM */
void fs__row_release(fs_row *r);        /* takes NULL */

typedef enum fs_outcome {
  FS_OUTCOME_APPLIED = 1,    /* every field of the change won */
  FS_OUTCOME_MERGED = 2,     /* some fields won, some lost */
  FS_OUTCOME_SUPERSEDED = 3, /* nothing won: stored values are newer */
  FS_OUTCOME_REJECTED = 4    /* refused (validation, permission) */
} fs_outcome;

typedef void (*fs_conflict_cb)(void *arg, const fs_change *c, int field,
                               const fs_value *loser, uint64_t loser_hlc,
                               const fs_value *winner, uint64_t winner_hlc);

/* The conflict rule, one place for daemon and replica: 1 if the write fc,
 * overwriting a stored field whose clock is stored_clk, had seen that value
 * (fc->base == stored_clk != 0), so the overwrite is an ordinary edit and
 * not a conflict; 0 if it had not (also for base 0: no base).  Takes NULL
 * (0). */
int fs__write_saw(const fs_field_change *fc, uint64_t stored_clk);

/* Loads one row (also tombstones).  FS_ENOTFOUND if absent. */
int fs__store_get(sqlite3 *db, fs_kind k, const char *id, fs_row *out);
/* Merges c into the store, stamping seq on the row if seq != 0.  A create
 * uses c->owner/c->author; later changes never alter author; owner is only
 * changed by fs__store_set_owner.  *outcome receives the result. */
int fs__store_apply(sqlite3 *db, const fs_change *c, uint64_t seq,
                    fs_conflict_cb cb, void *arg, fs_outcome *outcome);
/* 1 if fc, merged into the live row r of an ordinary (not append-only)
 * kind, is the field's value afterwards: the same write again, or the
 * newer one (fs__store_apply's rule). */
int fs__store_field_wins(const fs_row *r, const fs_field_change *fc);
/* Drops from c the writes of immutable fields (FS_F_IMMUTABLE) whose value
 * equals the one stored in the live row r of an ordinary (not append-only)
 * kind: restating a value changes nothing (a device re-uploading a whole
 * record after a store restore, PROTOCOL.md 5.5.2), while changing it stays
 * refused (fs__validate_change).  The dropped values are freed.  Returns
 * how many were dropped. */
int fs__change_drop_restated(fs_change *c, const fs_row *r);
/* Replaces a whole row as given (pull on the client).  A row with deleted
 * set is written without its content fields (NULL), whatever it holds. */
int fs__store_put_row(sqlite3 *db, const fs_row *row);
/* Removes a row entirely (eviction from a replica).  0 also if absent. */
int fs__store_remove(sqlite3 *db, fs_kind k, const char *id);
/* Reads the current row of stmt (a SELECT of fs__store_columns(k)) into r. */
int fs__store_row_from_stmt(sqlite3_stmt *st, fs_kind k, fs_row *r);
/* "id, owner, author, deleted, hlc, seq, clk, <fields...>" for kind k
 * (static string). */
const char *fs__store_columns(fs_kind k);

#endif
