/* adminread.h - what the administration listings read: the audit log, the
 * quarantine, and the change history of one record (fieldsyncd history).
 * Each listing feeds typed rows to a callback; the text of a row is valid
 * during the call only.  A callback's non-zero return stops the listing
 * and is returned.
 */
#ifndef FS_STORE_ADMINREAD_H
#define FS_STORE_ADMINREAD_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "store.h"
#include "store/cstore.h"

/* One audit entry ("" for an unset text). */
typedef struct fs_audit_row {
  int64_t at; /* ms */
  const char *actor, *action, *staff, *customer;
  int64_t device; /* -1 if none */
  const char *detail, *reason;
} fs_audit_row;

/* Feeds at most max audit entries, oldest first, of staff (NULL: any) and
 * customer (NULL: any).  0 or a storage error. */
int fs__audit_list(fs_store_rd *r, const char *staff, const char *customer, int max,
                   int (*row)(void *arg, const fs_audit_row *a), void *arg);

/* One quarantined change. */
typedef struct fs_quarantine_row {
  int64_t id, device;
  const char *staff; /* the device's staff, "" if unknown */
  int64_t counter;
  const char *status; /* as stored */
} fs_quarantine_row;

/* Feeds every quarantined change in id order.  0 or a storage error. */
int fs__quarantine_list(fs_store_rd *r, int (*row)(void *arg, const fs_quarantine_row *q),
                        void *arg);

/* Drops pending quarantined change id.  Writer transaction.  0,
 * FS_ENOTFOUND (no pending change of that id), or a storage error. */
int fs__quarantine_drop(fs_central *c, int64_t id);

/* Reads record (k, id) as stored (a tombstone too) into *out (release with
 * fs__row_release).  0, FS_ENOTFOUND, or a storage error. */
int fs__record_get(fs_store_rd *r, fs_kind k, const char *id, fs_row *out);

/* Where the history of record rec is filed (fieldsyncd history): cust
 * receives the customer (rec itself, by id or archive number; another
 * record's customer, or the record itself if it has none).  1 if rec is a
 * customer, 2 another stored record, 0 neither (no such record, or its
 * tombstone was purged), or a storage error. */
int fs__history_filed(fs_store_rd *r, const char *rec, char *cust, size_t len);

/* One history entry: a device change applied to a record. */
typedef struct fs_history_entry {
  int64_t id, at; /* at: ms */
  const char *staff;
  int64_t device;
  fs_kind kind;
  const char *record_id;
  int outcome;        /* fs_outcome */
  int deleted;        /* 1: a delete, which has no fields blob */
  const void *fields; /* the fields blob (history.h); may be NULL if empty */
  size_t nfields;     /* bytes of fields */
  const char *customer;
} fs_history_entry;

/* Entries fs__history_list feeds, at most (the oldest). */
#define FS_HISTORY_LIST_MAX 10000

/* Feeds the history entries of record rec filed as fs__history_filed
 * said (filed, cust), oldest first: filed 1 every entry of customer cust
 * (its child records too), 2 those of rec filed under cust, 0 those of rec
 * wherever filed.  0 or a storage error. */
int fs__history_list(fs_store_rd *r, int filed, const char *cust, const char *rec,
                     int (*entry)(void *arg, const fs_history_entry *e), void *arg);

/* Feeds the fields blobs (non-empty) of the entries of record (k, rec)
 * filed under cust or rec that are later than entry after, oldest first.
 * 0 or a storage error. */
int fs__history_later(fs_store_rd *r, const char *cust, fs_kind k, const char *rec,
                      int64_t after, int (*blob)(void *arg, const void *p, size_t len),
                      void *arg);

#endif
