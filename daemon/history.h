/* history.h - the per-record history of device changes in the central
 * store (table history, schema version 4; `fieldsyncd history`,
 * PROTOCOL.md 9.2, docs/RETENTION.md).
 *
 * One row per change a device pushed that was merged (applied, merged or
 * superseded): when (at, ms), the record (kind, record_id), the customer it
 * is filed under (its customer_id, or the record itself), staff, device,
 * the change's outcome, and in fields what it wrote:
 *
 *   NULL             a delete
 *   msgpack bin      a create (of a record the store did not have): the
 *                    indexes of the fields it set, one byte each (a kind's
 *                    fields are only ever appended, common/model.h); their
 *                    values are not copied but found again when printed:
 *                    for each field, the old value of the record's first
 *                    later row that names it, else the record's value now.
 *                    Every device write to a record's fields has a row,
 *                    and what clears values (a delete, person erase)
 *                    clears the record and its history alike, so that is
 *                    what the create wrote, or what is left of it.
 *   msgpack array    any other upsert: [[name, new] | [name, old, new, won], ...]
 *
 * The short entry is a field that had no value before and won (a field
 * set for the first time).  won is true if the write is the stored value now,
 * false if it was superseded.  A field written with the value it already
 * had is left out; a change that changed nothing writes no row.
 *
 * The row is written in the push's transaction for every change, so it is
 * kept cheap: one append to a rowid table plus one index entry (customer),
 * values encoded once (a create's not at all) and decoded only when
 * `fieldsyncd history` prints.
 */
#ifndef FS_HISTORY_H
#define FS_HISTORY_H

#include <stddef.h>

#include "buf.h"
#include "model.h"
#include "msg.h"
#include "store.h"

#define FS_HISTORY_NAME_MAX 63 /* bytes of a field name in an entry */
/* A blob holds at most a change's new values (one message) and the old
 * values of as many fields: the limit of the buffers that encode one. */
#define FS_HISTORY_BLOB_MAX                                                              \
  ((size_t)FS_MSG_MAX_BYTES + (size_t)FS_MSG_MAX_FIELDS * (FS_MSG_TEXT_MAX + 64))

/* One decoded entry.  old and nv own their text. */
typedef struct fs_history_field {
  char name[FS_HISTORY_NAME_MAX + 1];
  fs_value old, nv;
  int won;
} fs_history_field;

/* Encodes into b (emptied first) the fields of upsert ch as merged with
 * outcome into existing (NULL: the record was new).  *due is 1 if a row is
 * due, with b as its fields, 0 if the
 * change changed nothing.  0, FS_EINVAL, FS_ENOMEM, FS_ETOOBIG (b's
 * limit). */
int fs__history_encode(fs_buf *b, const fs_change *ch, const fs_row *existing,
                       fs_outcome outcome, int *due);

/* 1 if fields blob p is a create's, with *idx and *n set to its field
 * indexes (pointing into p), else 0. */
int fs__history_created(const void *p, size_t len, const unsigned char **idx, size_t *n);

/* Decodes a fields blob (not a create's) into *out (n entries; free with
 * fs__history_fields_free).  0, FS_EPROTO (not a fields blob), FS_ENOMEM. */
int fs__history_decode(const void *p, size_t len, fs_history_field **out, int *n);
void fs__history_fields_free(fs_history_field *f, int n); /* takes NULL */

/* Which values fs__history_clear removes. */
typedef enum fs_history_clear {
  FS_HISTORY_DELETED = 1, /* all but those a tombstone keeps (a delete) */
  FS_HISTORY_ALL,         /* every value (the record was the person's) */
  FS_HISTORY_PERSONAL     /* the FS_F_PERSONAL fields' values */
} fs_history_clear;

/* Writes into b (emptied first) fields blob (p, len) of a record of kind
 * with the values what names set to nil; *changed is 1 if a value went
 * (else b is not meant to be stored).  A create's blob holds no values
 * (*changed 0).  0, FS_EINVAL, FS_EPROTO, FS_ENOMEM.  The rows are cleared
 * through fs__history_clear (store/history.h). */
int fs__history_blob_clear(fs_kind kind, const void *p, size_t len, fs_history_clear what,
                           fs_buf *b, int *changed);

#endif
