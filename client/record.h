/* record.h - the in-memory record behind the opaque fs_record (internal,
 * shared by record.c and query.c). */
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

#endif
