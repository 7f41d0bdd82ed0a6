/* push_impl.h - private to the push path of the SQLite central store
 * (store/push.c applies a PUSH; store/fence.c decides and applies the
 * handover fence; store/record_history.c records what landed).  Not part of the
 * store interface: nothing outside daemon/store/ includes it.
 */
#ifndef FS_STORE_PUSH_IMPL_H
#define FS_STORE_PUSH_IMPL_H

#include "store/central.h"
#include "store/impl.h"

/* The conflict log of one applied change (fs__push_on_conflict's arg). */
typedef struct fs__conflict_ctx {
  fs_central *c;
  const fs_device *d;
  const char *owner;
  const char *cust; /* the customer the record is filed under (NULL: itself) */
  uint64_t seq;
  int logged; /* conflicts logged by fs__push_on_conflict */
} fs__conflict_ctx;

/* What the daemon itself knows of the pushing device, read in the writer
 * transaction (not the handshake's copy: a push may follow a revoke). */
typedef struct fs__push_ctx {
  uint64_t last_hlc;   /* devices.last_hlc, raised as changes are recorded */
  int64_t wipe_at;     /* devices.wipe_at, 0 if none */
  int64_t departed_at; /* staff.departed_at, 0 if active */
  int64_t departure;   /* handovers.id of the staff's departure, 0 if none */
  uint64_t now;        /* daemon wall clock, ms */
} fs__push_ctx;

typedef enum fs__fence_kind {
  FS__FENCE_NONE = 0,
  FS__FENCE_MOVE,     /* ownership_log: moved away from the staff after the change */
  FS__FENCE_DEPARTED, /* a departed rep's own new work, landing with the successor */
  FS__FENCE_COVER     /* a stand-in's work during a cover that has ended, or on a
                         card that left the covered rep while the cover ran */
} fs__fence_kind;

typedef struct fs__fence {
  fs__fence_kind kind;
  int64_t at;       /* ms the device's staff member lost the right to write */
  int64_t handover; /* handovers.id whose report lists the arrival; 0 none */
  int64_t late_at;  /* FS__FENCE_NONE: the record left the staff at this ms,
                       before the change's clock (0: it never did) */
  char late_to[FS_STAFF_MAX + 1];
} fs__fence;

/* The change a push is deciding on, with what the store holds of it. */
typedef struct fs__push_item {
  fs_change *ch;
  const fs_kind_def *kd;
  fs_row existing; /* the stored record (found) */
  int found;
  fs_row parent;    /* a new child record's customer (read while resolving) */
  const char *cust; /* the customer it belongs to, NULL if none */
  char owner[FS_STAFF_MAX + 1];
  uint64_t t_ms; /* the change's clock, ms */
} fs__push_item;

/* After an applied change of it by a manager or admin: a notice for the
 * card's owner if it rejects a lost sale or answers a deletion request
 * (review_notice.c).  0 or a translated error. */
int fs__push_review_notice(fs_central *c, const fs_device *d, const fs__push_item *it);

/* Rejects the change: r gets FS_OUTCOME_REJECTED, code and the reason.
 * Returns 1 (rejected) or FS_ENOMEM. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
int fs__push_reject(fs_push_result *r, int code, const char *fmt, ...);

/* Logs one conflict row (fenced: the staff code of a fenced item, or NULL
 * for an ordinary conflict).  0 or a translated error. */
int fs__push_log_conflict(fs__conflict_ctx *x, const fs_change *ch, int field,
                          const fs_value *loser, uint64_t loser_hlc,
                          const fs_value *winner, uint64_t winner_hlc,
                          const char *fenced);
/* fs__store_apply's conflict callback (arg: fs__conflict_ctx). */
void fs__push_on_conflict(void *arg, const fs_change *ch, int field,
                          const fs_value *loser, uint64_t loser_hlc,
                          const fs_value *winner, uint64_t winner_hlc);

/* Decides whether item it, which the access set refused with code
 * (FS_EFORBIDDEN, FS_EREADONLY), is admitted through the handover fence,
 * or whether a rep's own record was someone else's when the change was
 * made.  0 (admitted: f filled, or FS__FENCE_NONE and allowed), 1
 * (rejected, reason in res), <0 storage error.  code 0: the access set
 * allowed it; only the "came back" rule is checked. */
int fs__fence_admit(fs_central *c, const fs_device *d, const fs__push_ctx *p,
                    fs__push_item *it, int code, fs__fence *f, fs_push_result *res);

/* Applies a fenced change (admitted by fs__fence_admit) to the record of
 * its owner: fields written by anyone since the move, and a delete, become
 * items for the owner instead; the rest merges as usual.  Audits the
 * arrival, lists it in the handover report, journals the record for the
 * owner.  *outcome is set. */
int fs__fence_apply(fs_central *c, const fs_device *d, fs__push_item *it,
                    const fs__fence *f, fs__conflict_ctx *cx, fs_outcome *outcome);

/* Records merged change ch in the per-record history (history.h): one row
 * with its fields encoded from the row as it was before (existing, found)
 * and the outcome (a create: none); nothing if it changed no value.  A
 * delete that took effect also clears the record's content values from
 * its history.  0 or a translated error. */
int fs__history_add(fs_central *c, const fs_device *d, const fs_change *ch,
                    const char *cust, const fs_row *existing, int found,
                    fs_outcome outcome);
/* The staff member whose device wrote the value that field f of record
 * (kind, id), filed under customer cust (NULL: the record is its own),
 * holds now: the newest history row that set f and won (a create that
 * set it, or an upsert entry with won).  staff is "" if no row says so
 * (the value came from an admin command or a seed, or the history was
 * cleared).  Reads at most FS_HISTORY_WRITER_ROWS rows.  Inside the writer
 * transaction of c, before this change's own row is written.  0 or a
 * translated storage error. */
#define FS_HISTORY_WRITER_ROWS 256
int fs__history_field_writer(fs_central *c, const char *cust, fs_kind kind, const char *id,
                             int f, char staff[FS_STAFF_MAX + 1]);

#endif
