/* record.h - the in-memory record behind the opaque fs_record, and the
 * change builders of the typed writes (internal, shared by record.c,
 * query.c and lost.c). */
#ifndef FS_CLIENT_RECORD_H
#define FS_CLIENT_RECORD_H

#include "fieldsync.h"
#include "model.h"
#include "store.h"

#define FS_RECORD_ERR_MAX 512

struct fs_record {
  const fs_kind_def *kd;
  char id[33];
  char owner[17];
  char author[17];
  uint64_t hlc;
  int nfields;
  fs_value *values;     /* nfields */
  unsigned char *isset; /* nfields: 1 if set (also to NULL) */
  char **text;          /* nfields: cached text of INT/BOOL values */
  char err[FS_RECORD_ERR_MAX];
};

/* A new empty record of kind kd.  FS_ENOMEM. */
int fs__record_alloc(const fs_kind_def *kd, fs_record **out);
/* Replaces rec's contents by row (all fields set).  FS_ENOMEM. */
int fs__record_load_row(fs_record *rec, const fs_row *row);

/* ---- building changes (record.c; used by the typed writes, lost.c) ---- */

/* Empties c and makes it an op on record id of kind kd. */
void fs__change_setup(fs_change *c, const fs_kind_def *kd, const char *id, fs_op op);
/* Appends (field, copy of v) to c.  Clocks are stamped by the write path.
 * 0, FS_ENOMEM. */
int fs__change_add(fs_change *c, int field, const fs_value *v);
/* The same for a text value of the field named name of kd.  0, FS_ENOMEM,
 * FS_EINTERNAL (no such field). */
int fs__change_add_text(fs_change *c, const fs_kind_def *kd, const char *name,
                        const char *text);
/* The field value of a loaded row by name (NULL if no such field). */
const fs_value *fs__row_value(const fs_row *row, const char *name);
/* Loads the live row id of kd into row (release with fs__row_release).
 * FS_ENOTFOUND (with the replica's message) if absent or deleted. */
int fs__record_load_live(fs_replica *r, const fs_kind_def *kd, const char *id,
                         fs_row *row);

/* A grade change: the customer update c[0] (id set) and the new
 * grade_change c[1], to `grade` dated `date` (delivery: a delivery date to
 * set, or NULL). */
typedef struct fs__grade_ctx {
  fs_change *c;
  const char *grade, *date, *delivery;
} fs__grade_ctx;
/* fs__replica_write's pre step for a fs__grade_ctx (arg): reads the card
 * inside the write transaction and fills both changes (owner, author, the
 * fields that differ, the grade_change entry with prev_grade).
 * FS_ENOTFOUND, FS_EVALIDATE (delivered without a delivery date),
 * FS_ENOMEM. */
int fs__grade_pre(fs_replica *r, void *arg);

#endif
