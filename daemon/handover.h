/* handover.h - ownership changes: departure handover, territory transfer,
 * cover and loans, and the sweep that starts and ends covers and loans.
 *
 * Every function runs inside the writer's transaction (fs_central begun).
 *
 * Moving a record from A to B (one customer card and everything that
 * hangs off it):
 *   owner := B on the row (authors never change: closed opportunities and
 *   completed visits keep their author for credit and history; archive
 *   numbers never change)
 *   journal (B, ROW) so B's devices receive it in full at their next sync,
 *   however old it is;  journal (A, EVICT) so A's devices drop it;
 *   ownership_log (old A, new B, seq) for the handover fence (central.c).
 *
 * Dry runs do all of it inside a nested transaction (store/nest.h) and
 * undo it, so the preview is exactly what a real run would move.  The
 * store calls are store/ownership.h, store/cover.h, store/staff.h and
 * store/devadmin.h; nothing here runs SQL.
 */
#ifndef FS_HANDOVER_H
#define FS_HANDOVER_H

#include "store/central.h"
#include "store/cover.h"
#include "strbuf.h"

typedef struct fs_handover_req {
  const char *kind;       /* "departure" or "transfer" */
  const char *from;       /* staff code */
  const char *to;         /* successor; NULL: from's manager */
  const char *const *customers; /* transfer of some customers only; NULL: all */
  int ncustomers;
  int dry_run;
  const char *reason;
  const char *actor;
} fs_handover_req;

/* Runs a departure or transfer.  Writes the human report to out and JSON
 * to json.  Returns 0 on success; FS_ENOTFOUND / FS_EVALIDATE / FS_EDEPARTED
 * with a message in *errmsg (static or in out) for refused requests; or a
 * storage error. */
int fs__handover_run(fs_central *c, const fs_handover_req *req, fs__strbuf *out,
                     fs__strbuf *json, char *err, size_t errlen);

/* Delivers one customer card (and its children) to staff for reading
 * until `until_ms`.  0, FS_ENOTFOUND, storage errors. */
int fs__loan_start(fs_central *c, const char *customer_id, const char *staff,
                   int64_t until_ms, int64_t *loan_id);

/* Starts covers whose first day has come and ends covers and loans whose
 * time is over, writing the journal entries that deliver or evict the
 * records.  *changed (may be NULL) counts what it did. */
int fs__handover_sweep(fs_central *c, int64_t now_ms, int *changed);

/* Ends cover cv (planned or running; the caller checked) now, before its
 * last day, as the sweep ends one: a running cover's records are evicted
 * from the stand-in's devices and the end bounds the cover fence; a
 * planned one just never starts.  Audited as cover.end by actor.  0 or a
 * storage error. */
int fs__cover_end_early(fs_central *c, const fs_cover_info *cv, const char *actor,
                        int64_t now_ms);

/* Ends running loan l now, as the sweep ends one at its time (the card is
 * evicted from the borrower's devices).  Audited as loan.end by actor.  0
 * or a storage error. */
int fs__loan_end_early(fs_central *c, const fs_loan_info *l, const char *actor);

/* Wipe orders (revoke --wipe, departure) end by themselves: a device whose
 * final upload has not finished wipe_deadline_days (fs__central_wipe_deadline)
 * after devices.wipe_at is marked 'wiped' (audited) and refused from then on.
 * A device under a wipe order with no wipe_at (a store upgraded from schema
 * v2) gets wipe_at = now_ms: its window starts at first sight.  *changed
 * (may be NULL) counts the devices marked.  0 or a storage error. */
int fs__wipe_sweep(fs_central *c, int64_t now_ms, int *changed);
/* Marks device wiped (unless it is already) and audits detail.  0 or a
 * storage error. */
int fs__wipe_mark(fs_central *c, int64_t device, const char *detail);

/* Journals every record of owner for audience with op (used by covers). */
int fs__journal_owner(fs_central *c, const char *owner, const char *audience, int op);

#endif
