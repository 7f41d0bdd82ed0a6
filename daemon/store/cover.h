/* cover.h - covers (a stand-in reads and writes an absent rep's records
 * for some days) and loans (one customer card lent for reading until a
 * time).  The sweep (daemon/handover.c) starts and ends them; the states
 * are status.h's fs_cover_state.
 */
#ifndef FS_STORE_COVER_H
#define FS_STORE_COVER_H

#include <stdint.h>

#include "model.h"
#include "status.h"
#include "store/cstore.h"

/* Plans a cover of absent by `by` from day `from` to day `to` (YYYY-MM-DD,
 * both included), created at now_ms.  Writer transaction.  0 or a storage
 * error. */
int fs__cover_add(fs_central *c, const char *absent, const char *by, const char *from,
                  const char *to, int64_t now_ms);

typedef struct fs_cover_row {
  int64_t id;
  char absent[FS_STAFF_MAX + 1], by[FS_STAFF_MAX + 1];
} fs_cover_row;

/* Which covers fs__covers_due lists on day today. */
typedef enum fs_cover_due {
  FS_COVER_DUE_START = 1, /* planned, and today is within its days */
  FS_COVER_DUE_END        /* not ended, and its last day is before today */
} fs_cover_due;

/* The covers due on today, malloc'd into *out (*n of them; free(*out)).
 * 0, FS_ENOMEM, or a storage error. */
int fs__covers_due(fs_store_rd *r, fs_cover_due which, const char *today,
                   fs_cover_row **out, int *n);

/* Moves cover id to state (FS_COVER_RUNNING, or FS_COVER_ENDED at
 * now_ms: the end bounds the cover fence, central.c).  Writer transaction.
 * 0 or a storage error. */
int fs__cover_set_state(fs_central *c, int64_t id, fs_cover_state state, int64_t now_ms);

/* Lends customer to staff until until_ms, created at now_ms; *id receives
 * the loan's id.  Writer transaction.  0 or a storage error. */
int fs__loan_add(fs_central *c, const char *customer, const char *staff, int64_t until_ms,
                 int64_t now_ms, int64_t *id);

typedef struct fs_loan_row {
  int64_t id;
  char customer[FS_ID_HEX + 1], staff[FS_STAFF_MAX + 1];
} fs_loan_row;

/* The running loans whose time is over at now_ms, malloc'd into *out (*n;
 * free(*out)).  0, FS_ENOMEM, or a storage error. */
int fs__loans_due(fs_store_rd *r, int64_t now_ms, fs_loan_row **out, int *n);

/* Marks loan id ended.  Writer transaction.  0 or a storage error. */
int fs__loan_set_ended(fs_central *c, int64_t id);

/* ---- listing and ending early (issue 15) ---- */

/* One cover as stored. */
typedef struct fs_cover_info {
  int64_t id;
  char absent[FS_STAFF_MAX + 1], by[FS_STAFF_MAX + 1];
  char from[16], to[16]; /* YYYY-MM-DD */
  int state;             /* fs_cover_state */
  int64_t ended_at;      /* ms; 0 unless ended */
} fs_cover_info;

/* Feeds the covers (all, or only the planned and running ones when
 * open_only) to row in id order.  row's non-zero return stops the listing
 * and is returned.  0 or a storage error. */
int fs__covers_list(fs_store_rd *r, int open_only,
                    int (*row)(void *arg, const fs_cover_info *cv), void *arg);

/* Reads cover id into *out.  0, FS_ENOTFOUND, or a storage error. */
int fs__cover_get(fs_store_rd *r, int64_t id, fs_cover_info *out);

/* The first planned or running cover of absent whose days meet from..to
 * (YYYY-MM-DD, both included), into *out.  0 (there is one), FS_ENOTFOUND
 * (none), or a storage error. */
int fs__cover_overlap(fs_store_rd *r, const char *absent, const char *from, const char *to,
                      fs_cover_info *out);

/* One loan as stored; archive_no is the customer's ("" if none). */
typedef struct fs_loan_info {
  int64_t id, until, created_at; /* ms */
  char customer[FS_ID_HEX + 1], archive_no[64], staff[FS_STAFF_MAX + 1];
  int ended;
} fs_loan_info;

/* Feeds the loans (all, or only the running ones when open_only) to row
 * in id order, as fs__covers_list.  0 or a storage error. */
int fs__loans_list(fs_store_rd *r, int open_only,
                   int (*row)(void *arg, const fs_loan_info *l), void *arg);

/* Reads loan id into *out.  0, FS_ENOTFOUND, or a storage error. */
int fs__loan_get(fs_store_rd *r, int64_t id, fs_loan_info *out);

#endif
