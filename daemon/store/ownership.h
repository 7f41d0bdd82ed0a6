/* ownership.h - what a handover or transfer reads and writes: the records
 * an owner holds, their move to a new owner, the ownership log (the
 * handover fence, central.c) and the handovers table (the report).
 * daemon/handover.c composes these into the move described in handover.h.
 */
#ifndef FS_STORE_OWNERSHIP_H
#define FS_STORE_OWNERSHIP_H

#include <stdint.h>

#include "model.h"
#include "store/cstore.h"

/* A growing list of record ids (free with fs__idlist_free). */
typedef struct fs_idlist {
  char (*ids)[FS_ID_HEX + 1];
  int n, cap;
} fs_idlist;

void fs__idlist_free(fs_idlist *l); /* takes NULL; leaves it empty */

/* Which records of a kind fs__ids_select appends to out. */
typedef enum fs_ids_of {
  FS_IDS_OWNED_LIVE = 1, /* owner = key, not deleted */
  FS_IDS_OWNED,          /* owner = key, deleted or not (customers: in
                            archive-number order) */
  FS_IDS_CHILDREN,       /* customer_id = key (kind must be a child kind) */
  FS_IDS_CUSTOMER_KEY    /* customers whose id or archive number is key */
} fs_ids_of;

/* Appends to out the ids of kind k selected by which/key.  0, FS_ENOMEM,
 * or a storage error. */
int fs__ids_select(fs_store_rd *r, fs_kind k, fs_ids_of which, const char *key,
                   fs_idlist *out);

/* The live (not deleted) customer whose id or archive number is key: its
 * id and owner into id / owner (either may be NULL).  0, FS_ENOTFOUND, or a
 * storage error. */
int fs__customer_find(fs_store_rd *r, const char *key, char id[FS_ID_HEX + 1],
                      char owner[FS_STAFF_MAX + 1]);

/* What a handover report says of one customer card. */
typedef struct fs_customer_brief {
  int found;
  int lost;                 /* graded lost: the manager reviews it */
  int followup;             /* next_contact is today or later */
  char *archive_no;         /* malloc'd, "" if none */
  char *name;               /* malloc'd */
  int opp_open, opp_closed; /* its live opportunities */
  int opp_followups;        /* open ones with a follow-up today or later */
} fs_customer_brief;

/* Reads the brief of customer id, with today (YYYY-MM-DD) deciding the
 * follow-ups.  Release with fs__customer_brief_release.  0 (found 0 if
 * there is no such customer), FS_ENOMEM, or a storage error. */
int fs__customer_brief(fs_store_rd *r, const char *id, const char *today,
                       fs_customer_brief *b);
void fs__customer_brief_release(fs_customer_brief *b); /* takes NULL */

/* Sets the owner of record (k, id) to `to` with seq.  Writer
 * transaction.  0 or a storage error. */
int fs__record_set_owner(fs_central *c, fs_kind k, const char *id, const char *to,
                         uint64_t seq);

/* Audiences other than from and to that must be told to evict record
 * (k, id) when it moves from `from` to `to`: those it was journaled ROW for,
 * and every running stand-in of `from` not yet told EVICT.  Up to max
 * into aud, *n the count.  0 or a storage error. */
int fs__record_evict_audiences(fs_store_rd *r, fs_kind k, const char *id,
                               const char *from, const char *to,
                               char (*aud)[FS_STAFF_MAX + 1], int max, int *n);

/* Logs a move of record (k, id) from `from` to `to` at seq and at_ms,
 * made by handover (its id).  Writer transaction.  0 or a storage error. */
int fs__ownership_log_add(fs_central *c, uint64_t seq, fs_kind k, const char *id,
                          const char *from, const char *to, int64_t at_ms,
                          int64_t handover);

/* A handover or transfer as stored. */
typedef struct fs_handover_row {
  int64_t at_ms;
  const char *kind; /* "departure" or "transfer" */
  const char *from, *to, *manager;
  int dry_run;
  const char *reason; /* may be NULL */
} fs_handover_row;

/* Stores h; *id receives its id.  Writer transaction.  0 or a storage
 * error. */
int fs__handover_add(fs_central *c, const fs_handover_row *h, int64_t *id);

/* Stores the report of handover id, delivered from seq on.  Writer
 * transaction.  0 or a storage error. */
int fs__handover_set_report(fs_central *c, int64_t id, const char *report, uint64_t seq);

#endif
