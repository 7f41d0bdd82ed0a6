/* store/privacy.h - personal data on request (export, erase) and how long the
 * central office's change history keeps anything (docs/RETENTION.md).
 *
 * Personal fields are the model's FS_F_PERSONAL fields (common/model.c):
 * the customer card's name, address, phone, principal and their traits; a
 * contact's name, rank, phone, e-mail and notes; the free text of the
 * customer's child records (visit place, person met, points, the
 * customer's view, next step; grade-change notes; opportunity evidence
 * notes and loss reason; lost-review reason and note) and of showroom
 * entries linked to the card (visitor, phone, notes).
 *
 * Every function runs inside the caller's writer transaction (the admin
 * command's) and returns 0, a storage error (FS_EFULL, FS_EIO, FS_EDB,
 * FS_EBUSY, FS_ENOMEM: roll back), or, for a request that cannot be done,
 * FS_ENOTFOUND / FS_EOVERFLOW with a message for the admin in err.
 */
#ifndef FS_STORE_PRIVACY_H
#define FS_STORE_PRIVACY_H

#include <stdint.h>

#include "store/central.h"
#include "strbuf.h"

typedef struct fs_person_req {
  const char *customer; /* card id or archive number (required) */
  const char *contact;  /* one contact id of that card; NULL: the whole card */
  const char *reason;   /* for the audit row; may be NULL */
  const char *actor;    /* who asks, for the audit row */
  int dry_run;          /* erase: count, change nothing */
} fs_person_req;

/* Writes into json every personal field the store holds on the person:
 * with no contact, the card (all its fields), its contacts (all fields),
 * the personal fields of its child records and linked showroom entries,
 * and the values the change history (conflict log) still keeps on them;
 * with a contact, that contact and its history.  Reads only, on any
 * handle (the writer's own: fs__central_rd). */
int fs__person_export(fs_store_rd *rd, const fs_person_req *r, fs__strbuf *json,
                      char *err, size_t errlen);

/* Erases the person: with no contact, deletes the card and its contacts
 * (tombstones: content cleared, store.h) and clears the personal fields of
 * its child records and linked showroom entries, which stay and still
 * count in reports; with a contact, deletes that contact only.  Every
 * record touched is journalled to its audiences, so each replica clears it
 * at its next sync.  The history loses the values too: conflict-log values
 * of those records (and fields) become NULL, quarantined uploads touching
 * them are dropped (payload NULL, status 'erased'), and the personal values
 * are replaced by "[erased]" in audit details and reasons and in handover
 * reports.  Writes one audit row (actor, customer id, counts; never a
 * value).  A dry run counts and rolls back.  Human text into out, JSON into
 * json. */
int fs__person_erase(fs_central *c, const fs_person_req *r, fs__strbuf *out,
                     fs__strbuf *json, char *err, size_t errlen);

/* Purges the change history older than days before now_ms: conflict-log
 * rows, quarantined uploads, per-record history rows, and the text of
 * handover reports (the handover row stays).  Counts into *conflicts, *quarantined,
 * *reports (each may be NULL).  Runs hourly with the GC (server.c) and with `fieldsyncd
 * gc`. */
int fs__history_purge(fs_central *c, int64_t now_ms, int days, int *conflicts,
                      int *quarantined, int *reports);

#endif
