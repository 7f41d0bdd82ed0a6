/* fieldsync.h - libfieldsync, the offline client library.
 *
 * What a mobile app (or the `fieldsync` CLI, which is built on this header
 * alone) includes.  A replica is a local SQLite database (DIR/replica.db)
 * holding the records this device may see and an outbox of local changes
 * not yet pushed to the daemon.  Every write is local, immediate and
 * durable; synchronisation happens later.
 *
 * Conventions (they hold for every call unless its comment says otherwise):
 *   - Return codes: 0 or a negative fs_errno (fs_errno.h, public);
 *     fs_strerror() turns a code into English.
 *   - Messages, ONE channel: after a call that takes a replica fails,
 *     fs_errmsg(r) says why for a user (naming the field and, for
 *     enumerations, the allowed values).  Calls that take no replica
 *     (fs_replica_open, fs_replica_init, fs_replica_enroll, fs_record_new,
 *     fs_record_set) leave theirs in fs_errmsg(NULL), kept per thread.
 *   - Ownership: handles are opaque and belong to the caller once returned
 *     through an `out` parameter; each has one free/close function that
 *     accepts NULL.  Strings passed to a callback are valid during the call
 *     only; strings returned by a getter are valid until the object changes
 *     or is freed, as the getter says.
 *   - Strings are UTF-8.  Field values are passed as text and parsed per
 *     field type: INT from decimal, BOOL from yes/no/true/false/1/0, dates
 *     as YYYY-MM-DD, date-times as YYYY-MM-DDTHH:MM[:SS]; "" clears a
 *     field.  Which kinds and fields exist, their types, labels, allowed
 *     values and required flags: the model calls below (fs_kind_describe,
 *     fs_field_describe), enough to build a form.
 *   - Dates: "today" on a device is the device's local calendar date
 *     (fs_today); the daemon judges its own dates in UTC.
 *   - Threads: a replica handle is used from one thread at a time.  The
 *     exceptions are named per call ("Thread-safe"): fs_sync_cancel may be
 *     called from any thread while another syncs; the model calls,
 *     fs_version, fs_strerror, the *_name / *_parse helpers, fs_today and
 *     fs_date_valid touch no shared state and may be called from any thread.
 *     fs_errmsg(NULL) reads the calling thread's own message.
 *
 * This header includes only public headers: fs_errno.h (the error table),
 * fs_enums.h (fs_role, fs_outbox_status) and fs_version.h
 * (FIELDSYNC_VERSION).
 */
#ifndef FIELDSYNC_H
#define FIELDSYNC_H

#include <stddef.h>
#include <stdint.h>

#include "fs_enums.h"
#include "fs_errno.h"
#include "fs_version.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct fs_replica fs_replica;
typedef struct fs_record fs_record;

/* ---- sizes ---------------------------------------------------------------- */

#define FS_STAFF_CODE_MAX 16 /* chars of a staff code: A-Z, then 1-15 of A-Z 0-9 */
#define FS_ID_MAX 32         /* chars of a record id: 32 lowercase hex digits */
#define FS_DATE_MAX 10       /* chars of a date, "YYYY-MM-DD" */
#define FS_ERRMSG_MAX 512    /* bytes of a message fs_errmsg returns, NUL included */
#define FS_SYNC_PAGE_MAX 10000 /* rows a pull page may ask for (fs_sync_options.page) */

/* The release of the library linked in ("0.2.0"); FIELDSYNC_VERSION
 * (fs_version.h) is the one the app was compiled against.  Static string.
 * Thread-safe. */
const char *fs_version(void);

/* The message of the last failure: of a call on r (r not NULL), or of the
 * calling thread's last failed call that takes no replica (r NULL); "" if
 * none failed yet.  Read it right after a call returned an error: a
 * successful call may leave an older message in place.  Never NULL; at most
 * FS_ERRMSG_MAX bytes; valid until the next call on r (r NULL: the next
 * such call on this thread).  fs_errmsg(r) is not thread-safe with other
 * calls on r. */
const char *fs_errmsg(const fs_replica *r);

/* ---- dates ------------------------------------------------------------------ */

/* Today's date on this device (local time zone) as "YYYY-MM-DD" into
 * out.  The date records get when a call says "today".  Thread-safe. */
void fs_today(char out[FS_DATE_MAX + 1]);
/* 0 if text is a real calendar date "YYYY-MM-DD" (with datetime: or a
 * date-time "YYYY-MM-DDTHH:MM[:SS]"), else FS_EVALIDATE.  Thread-safe. */
int fs_date_valid(const char *text, int datetime);

/* ---- roles ------------------------------------------------------------------ */

/* "rep", "manager", "admin", "after_sales"; NULL for a value out of range.
 * Thread-safe. */
const char *fs_role_name(fs_role role);
/* The role named text into *out.  0 or FS_EINVAL.  Thread-safe. */
int fs_role_parse(const char *text, fs_role *out);

/* ---- replica ---------------------------------------------------------------- */

/* Who this device acts for.  Filled by local setup (fs_replica_init) and
 * later by enrollment. */
typedef struct fs_identity {
  char staff[FS_STAFF_CODE_MAX + 1]; /* staff code, e.g. "A01" */
  fs_role role;
  uint64_t device_id; /* daemon-assigned device number (0: none yet) */
  int slot;           /* archive slot 1..64 */
} fs_identity;

/* Opens DIR/replica.db.  FS_ENOTENROLLED if the directory holds no replica
 * or the replica has no identity yet; FS_ESCHEMA_NEWER, FS_EIO, FS_EDB.
 * DIR and its files are made private first: a DIR group or others can
 * access is changed to 0700, files to 0600, each with a warning on the log;
 * a DIR owned by another user is refused (FS_EIO, the log says why).  The
 * library creates every file 0600 whatever the process umask.
 * On success *out must be closed with fs_replica_close; on failure *out is
 * NULL and fs_errmsg(NULL) says why. */
int fs_replica_open(const char *dir, fs_replica **out);
/* Creates DIR (mode 0700; an existing one is checked as by
 * fs_replica_open) and DIR/replica.db (0600) if missing and stores the
 * identity (validated: staff code, role, slot 1..64).  FS_EEXIST if the
 * replica already has a different identity (same one: no-op);
 * FS_EVALIDATE for a bad identity.  out may be NULL (the replica is then
 * closed again).  Messages: fs_errmsg(NULL). */
int fs_replica_init(const char *dir, const fs_identity *id, fs_replica **out);
/* Closes r and frees it; r is invalid afterwards.  Takes NULL.  Must not
 * run while another thread is inside a call on r. */
void fs_replica_close(fs_replica *r);
/* Deprecated: fs_errmsg(r) (kept for code outside the library that still
 * calls it; the same string). */
const char *fs_replica_last_error(const fs_replica *r);
/* Copies the identity out.  0, FS_EINVAL. */
int fs_replica_identity(const fs_replica *r, fs_identity *out);

/* ---- records ------------------------------------------------------------ */

/* A record in memory: a kind, an id (empty until created or loaded) and
 * field values, each either unset, NULL or a value.  Used to build creates
 * and updates (only set fields are written) and to return loaded rows.
 * A record belongs to no replica: any thread may build its own records. */
/* A new empty record of kind into *out (free with fs_record_free).
 * FS_EINVAL (unknown kind), FS_ENOMEM; message in fs_errmsg(NULL). */
int fs_record_new(const char *kind, fs_record **out);
void fs_record_free(fs_record *rec); /* takes NULL */
/* Parses text per the field's type and checks it against the field
 * (FS_EVALIDATE, FS_EUNKNOWN_FIELD); "" or NULL sets the field to NULL.
 * On failure the record is unchanged and fs_errmsg(NULL) explains. */
int fs_record_set(fs_record *rec, const char *field, const char *text);
/* Text of a field: NULL if the field is unknown, unset or NULL.  INT as
 * decimal, BOOL as "yes"/"no".  Valid until the record changes or is freed. */
const char *fs_record_get(fs_record *rec, const char *field);
/* 1 if the field was set (also to NULL) on this record, else 0. */
int fs_record_isset(const fs_record *rec, const char *field);
const char *fs_record_id(const fs_record *rec);     /* "" if new */
const char *fs_record_kind(const fs_record *rec);   /* "customer" ... */
const char *fs_record_owner(const fs_record *rec);  /* "" if new */
const char *fs_record_author(const fs_record *rec); /* "" if new */
uint64_t fs_record_hlc(const fs_record *rec);       /* newest field clock */

/* ---- writes (each one SQLite transaction, with its outbox entries) ------- */
/* On failure nothing was written; fs_errmsg(r) explains. */

/* Creates rec (fields set on it) as a new record owned by this replica's
 * staff member (children: by their customer's owner, who must be us).
 * Customers get their archive number (fs_archive_info below), the
 * dates created/grade_date (today if unset) and a first grade_change entry.
 * id_out (may be NULL) receives the new id; rec's id is set too.
 * FS_EVALIDATE, FS_EUNKNOWN_FIELD, FS_ENOTFOUND (customer_id), FS_EFORBIDDEN,
 * FS_EBUSY, FS_EFULL, FS_EDB. */
int fs_create(fs_replica *r, fs_record *rec, char id_out[FS_ID_MAX + 1]);

/* ---- archive numbers (issue 14, PROTOCOL.md 5.5.2 "Archive serials") ----
 * A customer's archive number is <rep>-<yy>-<serial>: the next serial of
 * the blocks the daemon handed this device at its last sync.  A device
 * with none left still creates the card, with a fallback number
 * <rep>-<yy>-D<slot>-<n> that cannot collide; tell the user (it stays the
 * card's number; the next sync brings new serials). */
typedef struct fs_archive_info {
  int year_digits;                 /* 2 or 4; 0: the daemon hands out no blocks
                                      (legacy numbers, as release 0.1.0) */
  unsigned long long serials_left; /* serials of its blocks not yet used */
  unsigned long long last_serial;  /* the highest serial this device used */
  unsigned long long fallbacks;    /* fallback numbers made so far */
} fs_archive_info;
/* Fills out from the replica.  0, FS_EINVAL, or a storage error. */
int fs_archive_info_get(fs_replica *r, fs_archive_info *out);
/* 1 if archive_no is a fallback number (made without a serial), else 0. */
int fs_archive_is_fallback(const char *archive_no);
/* Writes the fields set on rec that differ from the stored record (none:
 * returns 0 and writes nothing).  FS_ENOTFOUND, FS_EFORBIDDEN, FS_EVALIDATE
 * (also for immutable fields and append-only kinds). */
int fs_update(fs_replica *r, const char *kind, const char *id, const fs_record *rec);
/* Deletes (tombstones) a record.  FS_ENOTFOUND, FS_EFORBIDDEN (also a
 * rep's delete of a customer card with visits, or of one whose deletion
 * request is pending: the rep sets the card's delete_requested instead and
 * a manager answers it, fs_customer_delete_review; access_rules.h C3, C5). */
int fs_delete(fs_replica *r, const char *kind, const char *id);
/* Items of the conflict log (`fieldsync conflicts`), by their number n
 * (conflicts.id): a value that lost to a concurrent write (one its writer
 * had not seen; PROTOCOL.md 5.5.14), or a change that arrived after a
 * handover from the old owner's device and was not applied (fenced).
 * Lifecycle: open -> accepted | dismissed | resolved, once; never back.
 * Accept applies the item's value as an ordinary local edit (an item for
 * field "(deleted)" deletes the record); dismiss keeps the record as it
 * is; resolve only marks the item dealt with (the user settled it some
 * other way, e.g. by editing the card) and changes no record.  Each
 * records its state ('accepted'/'dismissed'/'resolved') in this replica
 * only (it is not sent to the daemon).  FS_EINVAL (r NULL), FS_ENOTFOUND
 * (no item n, or for accept its record is gone), FS_EEXIST (not open),
 * and the errors of fs_update / fs_delete. */
int fs_conflict_accept(fs_replica *r, int64_t n);
int fs_conflict_dismiss(fs_replica *r, int64_t n);
int fs_conflict_resolve(fs_replica *r, int64_t n);

/* What became of a conflict log item. */
typedef enum fs_conflict_state {
  FS_CONFLICT_OPEN = 0,      /* not acted on */
  FS_CONFLICT_ACCEPTED = 1,  /* fs_conflict_accept */
  FS_CONFLICT_DISMISSED = 2, /* fs_conflict_dismiss */
  FS_CONFLICT_RESOLVED = 3   /* fs_conflict_resolve */
} fs_conflict_state;

/* One item of the conflict log.  Strings are never NULL and are valid
 * during the callback.  Members after `state` were added later, at the
 * end (the struct is only ever passed by the library, by pointer). */
typedef struct fs_conflict {
  int64_t n;            /* item number, for fs_conflict_accept/dismiss/resolve */
  const char *kind;     /* "customer" ... */
  const char *id;       /* record id */
  const char *field;    /* field name; "(deleted)" for a deletion */
  const char *kept;     /* the value the record kept ("" if none) */
  const char *lost;     /* the value that lost ("" if none) */
  const char *lost_by;  /* staff code whose device wrote the losing value;
                           "" if not known (PROTOCOL.md 5.5.14) */
  uint64_t kept_hlc, lost_hlc; /* their clocks */
  int64_t at;           /* when the daemon logged it (ms since the epoch) */
  const char *fenced;   /* "": an ordinary conflict; else the staff code whose
                           device sent a change after a handover (not
                           applied: the owner accepts or dismisses it) */
  fs_conflict_state state;
  /* The record's customer (the record itself for a customer card; a
   * child's customer_id card), "" if not in this replica or none. */
  const char *customer_archive; /* archive number */
  const char *customer_name;
  const char *field_label; /* the field's human label ("name / 名称"); for
                              "(deleted)" or an unknown field, the field */
  int lost_mine;        /* 1: lost_by is this replica's staff member */
  const char *kept_by;  /* staff code whose device wrote the kept value; ""
                           if not known (an admin or seed value, cleared
                           history, a deletion, or an older daemon) */
  int kept_mine;        /* 1: kept_by is this replica's staff member */
} fs_conflict;

typedef int (*fs_conflict_fn)(void *arg, const fs_conflict *c);
/* Calls cb for every item of the conflict log, oldest (lowest n) first, in
 * every state (the caller filters on state).  A
 * non-zero return of cb stops the listing and is returned.  FS_EINVAL,
 * FS_EDB, FS_EBUSY. */
int fs_conflict_list(fs_replica *r, fs_conflict_fn cb, void *arg);

/* Reviews the lost sale `id` (a lost_review record, fs_customer_set_lost)
 * as this replica's staff member, in one transaction: sets confirmed
 * (confirm non-zero: yes, else no), reviewed_by (our staff code),
 * reviewed_on (fs_today) and, if note is not NULL, review_note.  A
 * rejection also reopens the card if it is still lost: its grade goes
 * back to the review's prev_grade (C for a review recorded without one,
 * by a 0.1.0 client) dated today, with its grade_change entry; the rep's
 * agenda then lists it (fs_agenda, kind "lost_review") until a visit.
 * on_out (may be NULL) receives the review date.  Only a manager or admin
 * may review: a rep is refused with FS_EFORBIDDEN, by the rule the daemon
 * applies too (common/access_rules.h L2); FS_EINVAL (bad id),
 * FS_ENOTFOUND, FS_EVALIDATE (note), and the errors of fs_update. */
int fs_lost_review(fs_replica *r, const char *id, int confirm, const char *note,
                   char on_out[FS_DATE_MAX + 1]);

/* Answers a rep's request to delete the customer card `id` (its
 * delete_requested is set: `fieldsync customer delete` by a rep) as this
 * replica's staff member, in one transaction.  confirm non-zero: the card
 * is deleted (a tombstone, as fs_delete; the reports keep its missed
 * deadlines); else the request is rejected: delete_requested is cleared
 * and the card stays its owner's.  note (may be NULL) is written to the
 * card's delete_note first, so it goes with either answer.  The daemon
 * then sends the card's owner a notice (fs_notice_list, kind "review")
 * saying who decided what.  Only a manager or admin answers, and only for
 * cards they may write (a manager: the team's): FS_EFORBIDDEN for a rep,
 * by the rule the daemon applies too (common/access_rules.h C5);
 * FS_EINVAL (bad id), FS_ENOTFOUND (no such card), FS_EVALIDATE (no
 * request pending, or the note is too long), and the errors of
 * fs_update / fs_delete. */
int fs_customer_delete_review(fs_replica *r, const char *id, int confirm, const char *note);

/* What this replica already knows of the visitor of showroom entry id
 * (issue 14): the suggestion for the rep at the desk, who says whether the
 * visitor is returning (field revisit) and links the card they became
 * (customer_id).  earlier: entries (not deleted) that arrived before it,
 * linked to the same card or with the same trimmed phone: what the
 * showroom report counts as returning while revisit is unset; last_arrived
 * the latest of them ("" if none).  card_*: for an entry with a phone and
 * no card linked, a card (not deleted) with that phone ("" if none).  Only
 * what the replica holds: a rep's own entries and cards.  0, FS_EINVAL,
 * FS_ENOTFOUND (no such entry), FS_EDB/FS_EBUSY; message in fs_errmsg(r). */
typedef struct fs_showroom_seen {
  int earlier;
  char last_arrived[20]; /* "YYYY-MM-DDTHH:MM[:SS]" */
  char card_id[33];
  char card_archive_no[41];
  char card_name[201];
} fs_showroom_seen;
int fs_showroom_seen_get(fs_replica *r, const char *id, fs_showroom_seen *out);

/* Reports the daemon sent this device: handover notices (kind "handover":
 * which cards moved to or from this staff member) and the manager's
 * decisions on this rep's cards (kind "review": a lost sale rejected, a
 * deletion request confirmed or rejected).  Strings valid during the
 * call. */
typedef struct fs_notice {
  int64_t n;        /* local number, ascending in arrival order */
  const char *kind; /* what the notice is about: "handover", "review" */
  int64_t at;       /* when the daemon made it (ms since the epoch) */
  const char *body; /* the text for the user (several lines) */
} fs_notice;

typedef int (*fs_notice_cb)(void *arg, const fs_notice *nt);
/* Calls cb for every notice, oldest first.  A non-zero return of cb stops
 * the listing and is returned.  FS_EINVAL, FS_EDB. */
int fs_notice_list(fs_replica *r, fs_notice_cb cb, void *arg);
/* Loads a record into *out (free with fs_record_free).  FS_ENOTFOUND for
 * absent and deleted records. */
int fs_get(fs_replica *r, const char *kind, const char *id, fs_record **out);
/* Sets a customer's grade and grade_date (date NULL: today) and appends a
 * grade_change entry, in one transaction.  Grade "delivered" needs a
 * delivery date: delivery_date, or one already on the card.
 * delivery_date may be NULL (keep).  The manager's controls apply
 * (common/access_rules.h): "lost" goes through fs_customer_set_lost; a
 * re-rating dated after today, or back-dated across a deadline it would
 * erase, is refused (FS_EVALIDATE, the message says why). */
int fs_customer_set_grade(fs_replica *r, const char *id, const char *grade,
                          const char *date, const char *delivery_date);

/* Records the loss of the open card customer_id as this replica's staff
 * member (the card's owner), in one transaction (domain.md: a lost customer's card goes back to the
 * manager, who confirms the loss): review is a new lost_review record with
 * lost_date, reason, reason_class and optionally competitor set (its
 * customer_id and prev_grade are filled in here: the card and its grade
 * now); then the card's grade becomes "lost" dated today, with its
 * grade_change entry.  The card stays on its rep's agenda until the
 * manager reviews it (fs_lost_review).  id_out (may be NULL) receives the
 * new lost_review's id.  This is how a card goes lost: a grade change to
 * "lost" without a lost_review awaiting review is refused, here and by
 * the daemon (common/access_rules.h L1).
 * FS_EINVAL (bad id, review not a lost_review), FS_EVALIDATE (no
 * reason_class, card already lost, a field refused), FS_ENOTFOUND,
 * FS_EFORBIDDEN, and the errors of fs_update. */
int fs_customer_set_lost(fs_replica *r, const char *customer_id, const fs_record *review,
                         char id_out[FS_ID_MAX + 1]);
/* Resolves what a user typed to a full id of kind, by the rule fieldsyncd
 * shares (common/ident.h): a full id or a unique id prefix of at least 6
 * hex chars (any case), or (customers) an archive number (any case).
 * 0; FS_ENOTFOUND (no match), FS_EUSAGE (malformed or too short),
 * FS_EINVAL (ambiguous); the sentence, naming the text and for an
 * ambiguous one the candidates, in fs_errmsg(r). */
int fs_resolve_id(fs_replica *r, const char *kind, const char *text,
                  char id_out[FS_ID_MAX + 1]);

/* ---- visit corrections (issue 15) ------------------------------------------ */

/* Corrects the visit `id`, which was logged wrongly: creates a new visit
 * that supersedes it (the original stays: history kept, and `visit show`
 * names both).  The new visit has every field of the original, replaced by
 * those set on rec (NULL: none; customer_id cannot change: a correction stays
 * on its card), `corrects` = id, and `counts_on`, the day it counts as a
 * contact: the original's if the date and method are kept, else no earlier
 * than today (a correction never meets a cadence deadline after the fact;
 * PROTOCOL.md 5.5.3).  Lists, reports and the agenda then count the
 * correction in place of the original, once.  Only the original's author,
 * owner or their manager corrects it, and only once: a visit already
 * corrected is refused naming its correction (correct that one).
 * id_out (may be NULL) receives the new visit's id.  FS_EINVAL,
 * FS_ENOTFOUND (no such visit here), FS_EVALIDATE, FS_EFORBIDDEN and the
 * errors of fs_create; fs_errmsg(r) explains. */
int fs_visit_correct(fs_replica *r, const char *id, const fs_record *rec,
                     char id_out[FS_ID_MAX + 1]);
/* The visit that corrects visit id (a live one) into out: 0, or
 * FS_ENOTFOUND if it has none; FS_EINVAL, FS_EDB. */
int fs_visit_corrected_by(fs_replica *r, const char *id, char out[FS_ID_MAX + 1]);

/* ---- queries ------------------------------------------------------------- */

/* Filters; NULL / 0 members are not applied. */
typedef struct fs_query {
  const char *owner;       /* staff code */
  const char *grade;       /* kinds with a grade field */
  const char *customer_id; /* kinds with a customer_id field */
  const char *from, *to;   /* date range (inclusive) on the kind's date
                              field: visit.at, showroom.arrived,
                              grade_change.date, lost_review.lost_date,
                              customer.created, opportunity.follow_up */
  const char *search;      /* substring of name/phone/archive_no (customers)
                              or of the kind's name-like fields */
  const char *order;       /* field name, "-field" descending; default:
                              creation order */
  int limit;               /* 0: no limit */
  int offset;
  int superseded;          /* visits: also those a correction replaced
                              (fs_visit_correct); 0: only the current ones */
} fs_query;

/* Calls cb for each live record matching q (q may be NULL).  The record is
 * valid during the call only.  A non-zero return from cb stops the listing
 * and is returned.  FS_EINVAL for an unknown kind or order field. */
typedef int (*fs_record_cb)(void *arg, fs_record *rec);
int fs_list(fs_replica *r, const char *kind, const fs_query *q, fs_record_cb cb, void *arg);

/* ---- outbox (local changes not yet acknowledged by the daemon) ----------- */

/* Entries pending and rejected (either pointer may be NULL).  FS_EINVAL,
 * FS_EDB. */
int fs_outbox_count(fs_replica *r, uint64_t *pending, uint64_t *rejected);

/* What a change does to its record. */
typedef enum fs_record_op { FS_RECORD_UPSERT = 1, FS_RECORD_DELETE = 2 } fs_record_op;
/* "upsert", "delete"; NULL out of range.  Thread-safe. */
const char *fs_record_op_name(fs_record_op op);
/* "pending", "rejected"; NULL out of range.  Thread-safe. */
const char *fs_outbox_status_name(fs_outbox_status status);

typedef struct fs_outbox_entry {
  uint64_t counter;    /* device-local change number */
  const char *kind;    /* "customer" ... */
  const char *id;      /* record id */
  fs_record_op op;
  uint64_t hlc;
  fs_outbox_status status;
  int code;            /* fs_errno of a rejection, else 0 */
  const char *reason;  /* "" unless rejected */
  int64_t created_at;  /* ms since the epoch */
  int attempts;        /* push attempts so far */
  const char *fields;  /* changed field names, comma-separated */
} fs_outbox_entry;

typedef int (*fs_outbox_cb)(void *arg, const fs_outbox_entry *e);
/* Which entries fs_outbox_list shows. */
typedef enum fs_outbox_filter {
  FS_OUTBOX_ALL = 0,
  FS_OUTBOX_ONLY_PENDING = 1,
  FS_OUTBOX_ONLY_REJECTED = 2
} fs_outbox_filter;
/* Calls cb for each entry passing `which`, oldest first; strings valid
 * during the call.  A non-zero return of cb stops and is returned.
 * FS_EINVAL, FS_EDB. */
int fs_outbox_list(fs_replica *r, fs_outbox_filter which, fs_outbox_cb cb, void *arg);

/* ---- sync with fieldsyncd ------------------------------------------------ */

/* Counts of one sync, for progress and the summary. */
typedef struct fs_sync_stats {
  uint64_t pushed;     /* changes sent */
  uint64_t applied, merged, superseded, rejected; /* their outcomes */
  uint64_t pulled;     /* rows received and stored */
  uint64_t removed;    /* records evicted (no longer visible here) */
  uint64_t conflicts;  /* conflict log entries received */
  uint64_t pages;      /* pull pages committed */
  uint64_t notices;    /* handover reports received */
  uint64_t bytes_sent, bytes_received;
  int wiped;           /* the daemon ordered this replica erased */
  uint64_t recovered;  /* records queued for re-upload: the daemon's store was
                          restored from a backup (PROTOCOL.md 5.5.2) */
} fs_sync_stats;

/* Where a sync is when it reports progress. */
typedef enum fs_sync_phase {
  FS_SYNC_PUSH = 0, /* after each pushed batch was answered */
  FS_SYNC_PULL = 1, /* after each pulled page was committed */
  FS_SYNC_DONE = 2  /* the push and the pull are over, also after a failure
                       (watch: live from now on success) */
} fs_sync_phase;
/* "push", "pull", "done"; NULL out of range.  Thread-safe. */
const char *fs_sync_phase_name(fs_sync_phase phase);

/* Progress callback: called on the syncing thread with the counts so far.
 * Return 0 to go on; non-zero cancels the sync as fs_sync_cancel does.
 * It must not call into r (the replica is inside a transaction). */
typedef int (*fs_progress_fn)(void *arg, fs_sync_phase phase, const fs_sync_stats *s);

typedef struct fs_sync_options {
  int timeout_ms;          /* connect and reply timeout; 0: 15 s */
  uint32_t page;           /* rows per pull page, 1..FS_SYNC_PAGE_MAX; 0: the daemon's */
  const char *addr;        /* override the enrolled daemon address, or NULL */
  fs_progress_fn progress; /* called after each batch (may be NULL) */
  void *progress_arg;      /* also passed to on_change */
  int watch;               /* stay connected; live changes within ms */
  int watch_poll_ms;       /* how often watch checks the outbox; 0: 200 */
  volatile int *stop;      /* watch ends when *stop becomes non-zero */
  void (*on_change)(void *arg, const fs_sync_stats *s); /* after live pulls */
} fs_sync_options;

/* Enrolls a new device in DIR with a one-time token from `fieldsyncd
 * enroll`: makes the device key (DIR/device.key, mode 0600), registers it
 * with the daemon named in the token, and creates the replica with the
 * identity the daemon assigned, copied to *out (may be NULL).  On failure
 * fs_errmsg(NULL) holds a message for the user.  FS_ETOKEN*, FS_EEXIST (DIR
 * already enrolled), FS_ECONN, FS_ECRYPTO (the daemon did not prove the
 * key in the token), FS_EDEPARTED.  Blocks up to timeout_ms per step. */
int fs_replica_enroll(const char *dir, const char *token, int timeout_ms,
                      fs_identity *out);
/* Pushes the outbox, then pulls what changed since the last sync (or, for a
 * fresh replica, a snapshot).  With opt->watch it then stays connected and
 * pulls whenever the daemon signals a change, pushing local writes as they
 * come, until *opt->stop becomes non-zero (then 0).  stats and opt may be
 * NULL.  Blocking: run it on a worker thread.  Rejected changes stay in the
 * outbox with their reason (fs_outbox_list).  Each pull page is one
 * transaction: whatever ends a sync, the replica holds whole pages and the
 * next sync goes on from the last one.  If the daemon orders a wipe, every
 * record is erased, stats->wiped is set and FS_EREVOKED returned: then call
 * fs_replica_erase to remove DIR.  Errors (message in fs_errmsg(r)):
 * FS_ECONN, FS_ETIMEDOUT, FS_EREVOKED, FS_EUNKNOWN_DEVICE, FS_ENOTENROLLED,
 * FS_EBUSY, FS_EFULL (daemon or local disk full: nothing is lost, retry
 * later), FS_ECANCELED (fs_sync_cancel or a progress callback: stopped
 * after the batch or page in hand, nothing lost). */
int fs_replica_sync(fs_replica *r, const fs_sync_options *opt, fs_sync_stats *stats);
/* Cancels the sync running on r (or, if none runs, the next one to start
 * on r): it stops at its next step (a pushed batch, a pulled page, a watch
 * poll) and returns FS_ECANCELED.  The request ends when that sync
 * returns.  Thread-safe: the one call that may be made from any thread
 * (e.g. the UI's) while another thread is inside fs_replica_sync on r;
 * also async-signal-safe.  r must stay open until the sync returned. */
void fs_sync_cancel(fs_replica *r);
/* Deprecated: fs_replica_enroll, with the message also copied into err
 * (errlen bytes; may be NULL). */
int fs_enroll(const char *dir, const char *token, int timeout_ms, fs_identity *out,
              char *err, size_t errlen);
/* Deprecated: fs_replica_sync, with fs_errmsg(r) also copied into err
 * (errlen bytes; may be NULL) on failure, "" on success. */
int fs_sync(fs_replica *r, const fs_sync_options *opt, fs_sync_stats *stats, char *err,
            size_t errlen);
/* After a wipe order (fs_replica_sync returned FS_EREVOKED with stats->wiped set):
 * erases the data directory DIR of r and closes r (invalid afterwards, also
 * on error).  DIR is fieldsync's because it holds r's replica.db; removed
 * from it, at any depth: every file fieldsync writes and every copy of one
 * (a name beginning with "replica.db" or "device.key", e.g. replica.db.bak;
 * any other SQLite file that is a fieldsync replica), the directories that
 * held only those, then DIR.  Anything else is not fieldsync's to judge: it
 * is left alone.  Every path that remains (not fieldsync's, or that could
 * not be removed) is passed to cb (may be NULL) with why; the strings are
 * valid during the call.  0: DIR is gone.  FS_EIO: something remains (each
 * path was named to cb): do not tell the user the device is erased.
 * FS_EINVAL. */
typedef void (*fs_leftover_fn)(void *arg, const char *path, const char *why);
int fs_replica_erase(fs_replica *r, fs_leftover_fn cb, void *arg);
/* Wall time (ms) of the last completed pull, 0 if never. */
int fs_replica_last_sync(fs_replica *r, int64_t *ms);

/* ---- agenda (client/agenda.c) ------------------------------------------- */

/* One entry of a rep's agenda: a customer (or showroom visitor) who must be
 * contacted by `due`.  Strings are valid during the callback only. */
typedef struct fs_agenda_item {
  const char *due;          /* "YYYY-MM-DD": last day on which contact is on time */
  int overdue_days;         /* date - due if positive, else 0 */
  const char *kind;         /* "cadence", "next_contact", "callback", "followup",
                               "lost_review", "delete_request" */
  const char *reason;       /* for people: "grade A: every 2 days", "call back
                               walk-in within 24h (by 10:15)",
                               "key-account follow-up (visit 2026-03-01)" */
  const char *customer_id;  /* "" for a showroom visitor with no card */
  const char *archive_no;   /* "" if none */
  const char *name;         /* customer name, or the showroom visitor's */
  const char *phone;        /* "" if none */
  const char *grade;        /* "" if none */
  const char *owner;        /* staff code owning the card / rep on duty */
  const char *source_id;    /* the visit or showroom entry that raised it;
                               the customer id for cadence items */
} fs_agenda_item;

typedef int (*fs_agenda_cb)(void *arg, const fs_agenda_item *it);

/* Who must be contacted on `date` ("YYYY-MM-DD"; NULL: today) and who is
 * overdue, from this replica alone (works offline), most urgent first:
 * ascending due date (most overdue first), then lost sales, deletion
 * requests, call-backs, key-account
 * follow-ups, agreed next contacts and cadence contacts, then archive
 * number.  Items due after `date` are not listed.  Rules (domain.md):
 *   - every open customer (grade not "lost", not deleted): the next contact
 *     by its grade's cadence, fs__cadence_card_due (common/cadence.h):
 *     counted from the last contact (its latest visit up to `date` by a
 *     method that counts for the grade, else the card's created date, else
 *     its grade date) through its re-ratings, a deadline missed before a
 *     re-rating staying due until a contact (reason "missed before a
 *     re-rating: ..."); if the latest visit's next_contact or the card's
 *     next_contact lies after the latest visit (else the opening date) and
 *     before the cadence due date, and no deadline was missed, that agreed
 *     date is used instead (kind "next_contact");
 *   - a card set lost whose lost-sale record awaits the manager (reviewed_by
 *     unset): due its lost_date, "lost on D: awaiting the manager's
 *     confirmation"; a loss the manager rejected (reviewed_by set,
 *     confirmed not 1) whose card is open again and has had no visit since
 *     reviewed_on: due reviewed_on, "loss rejected by M on D: ..." (kind
 *     "lost_review", first among items of the same day);
 *   - showroom entries with left_details = 1 and no visit to their card
 *     after arrival: call back within 24 hours (kind "callback");
 *   - a key-account visit (visit.key_account = 1) with no later visit to
 *     that customer: follow up within a week (kind "followup");
 *   - on a manager's or admin's replica, a card whose deletion its rep
 *     asked for (customer.delete_requested set, the card not deleted): due
 *     that day, "deletion asked for by A01 on D: confirm or reject it ..."
 *     (kind "delete_request", after "lost_review" on the same day), until
 *     the manager answers (fs_customer_delete_review).
 * Only records visible in the replica count, whoever owns them (a
 * manager's replica gives the team's agenda).  At most FS_AGENDA_MAX items
 * are gathered (FS_EOVERFLOW beyond).  A non-zero return of cb stops the
 * listing and is returned.  FS_EINVAL (bad date), FS_ENOMEM, FS_EDB. */
#define FS_AGENDA_MAX 1000000
int fs_agenda(fs_replica *r, const char *date, fs_agenda_cb cb, void *arg);

/* ---- end of agenda ------------------------------------------------------- */

/* ---- the model: kinds and fields, for building forms ----------------------
 * Static data compiled into the library (the same table drives the schema,
 * validation, the wire and the merge).  Every call here is thread-safe and
 * needs no replica; strings are static. */

typedef enum fs_field_type {
  FS_TYPE_TEXT = 1,  /* UTF-8, at most max bytes */
  FS_TYPE_INT,       /* integer in [min, max] */
  FS_TYPE_BOOL,      /* yes / no */
  FS_TYPE_DATE,      /* "YYYY-MM-DD" */
  FS_TYPE_DATETIME,  /* "YYYY-MM-DDTHH:MM[:SS]" */
  FS_TYPE_ENUM,      /* one of values */
  FS_TYPE_REF,       /* id of a record of kind ref_kind */
  FS_TYPE_STAFF      /* a staff code */
} fs_field_type;

/* fs_field_info.flags */
#define FS_FIELD_REQUIRED 0x01  /* must be given, non-empty, on create */
#define FS_FIELD_IMMUTABLE 0x02 /* set on create only */
#define FS_FIELD_SEARCH 0x04    /* searched by fs_query.search (customers) */
#define FS_FIELD_MULTILINE 0x08 /* text that may hold line breaks */
#define FS_FIELD_KEY 0x10       /* names the record; kept on a deletion */
#define FS_FIELD_PERSONAL 0x20  /* personal data of a natural person */
#define FS_FIELD_UNIQUE 0x40    /* no two records share a value */
#define FS_FIELD_MONEY 0x80     /* money: an int of minor units; people type
                                   and read currency units (fs_money_*) */

/* fs_kind_info.flags */
#define FS_KIND_IS_APPEND_ONLY 0x01 /* a log: entries are not edited */
#define FS_KIND_IS_CHILD 0x02       /* belongs to a customer (customer_id) */

typedef struct fs_kind_info {
  const char *name; /* "customer" ... */
  unsigned flags;   /* FS_KIND_IS_* */
  int nfields;      /* fields, indexes 0..nfields-1 for fs_field_describe */
} fs_kind_info;

typedef struct fs_field_info {
  const char *name;           /* "archive_no": the name fs_record_set takes */
  const char *label;          /* human label, English / 中文 */
  fs_field_type type;
  unsigned flags;             /* FS_FIELD_* */
  const char *const *values;  /* FS_TYPE_ENUM: allowed values, NULL-terminated;
                                 else NULL */
  int64_t min, max;           /* FS_TYPE_INT bounds; FS_TYPE_TEXT: max bytes */
  const char *ref_kind;       /* FS_TYPE_REF: the kind referred to; else NULL */
} fs_field_info;

/* Money.  Amounts are int64 minor units (1/100 of the currency unit) in the
 * replica and on the wire; people type and read currency units.
 * fs_money_parse reads "12345", "12345.6", "12,345.60", "-3.50" (optional
 * sign, optional thousands commas in groups of three, at most two
 * decimals, surrounding blanks ignored) into *minor_out: 0, FS_EUSAGE
 * (not an amount, or more than two decimals), FS_EOVERFLOW (beyond
 * +-10^15 minor units, the model's bound).  fs_money_format writes
 * "12,345.60" ("-3.50") and a NUL into buf: the length written, or
 * FS_EOVERFLOW if cap is too small (FS_MONEY_TEXT_MAX always suffices).
 * Thread-safe. */
#define FS_MONEY_TEXT_MAX 32
int fs_money_parse(const char *text, int64_t *minor_out);
int fs_money_format(int64_t minor, char *buf, size_t cap);

/* The name of kind number i (0, 1, ...), NULL past the last. */
const char *fs_kind_at(int i);
/* What users call a record of kind, in words ("lost sale" for
 * "lost_review", "grade change" for "grade_change"), for messages; kind
 * itself if unknown, "" if NULL.  Static string.  Thread-safe. */
const char *fs_kind_label(const char *kind);
/* Describes kind.  0, FS_EINVAL (unknown kind). */
int fs_kind_describe(const char *kind, fs_kind_info *out);
/* Describes field i (0..nfields-1) of kind, in form order.  0, FS_EINVAL
 * (unknown kind), FS_ENOTFOUND (i out of range). */
int fs_field_describe(const char *kind, int i, fs_field_info *out);
/* Finds field `field` of kind: its index into *index (may be NULL) and its
 * description into *out (may be NULL).  0, FS_EINVAL (unknown kind),
 * FS_EUNKNOWN_FIELD. */
int fs_field_find(const char *kind, const char *field, int *index, fs_field_info *out);
/* The allowed value of enum field `field` of kind that text names, in any
 * case ("a" -> "A", "Delivered" -> "delivered"): a static string, or NULL
 * if text names none (or the field is not an enum).  Thread-safe. */
const char *fs_field_enum_match(const char *kind, const char *field, const char *text);

/* ---- the manager's sign-off and the monthly plan (issue 14) ------------------
 * 随日报表送销售主管签核 and 月度销售活动计划表.  Both records belong to the rep
 * they are about (owner = rep); the rules both sides apply are
 * common/access_rules.h S and P.  Offline: written here, sent at the next
 * sync, refused by the daemon with the same reason if a rule is broken. */

/* Signs off rep's day ("YYYY-MM-DD") from a manager's (or the central
 * office's) replica: a day_signoff with signed_by = this staff member,
 * signed_at = now (local time), visits and changes = what this replica
 * holds of rep's work that day (fs__report_day_counts: visit records dated
 * that day, cards opened and re-ratings dated that day) and note (may be
 * NULL).  id_out (may be NULL) receives its id.  0; FS_EINVAL (rep not a
 * staff code), FS_EVALIDATE (day not a date, or after today), FS_EFORBIDDEN
 * (this staff member is a rep, or rep is themselves, or not of their
 * team), FS_EEXIST (that day is signed off already: one per rep and day),
 * the write errors of fs_create; message in fs_errmsg(r). */
int fs_day_signoff(fs_replica *r, const char *rep, const char *day, const char *note,
                   char id_out[FS_ID_MAX + 1]);

/* Sets rep's plan for month ("YYYY-MM" or its first day) to the fields set
 * on plan (an activity_plan record: visits_o, visits_a, visits_b,
 * visits_c, new_prospects, showroom_followups, deliveries, note; rep and
 * month are taken from the arguments): creates the plan if rep has none
 * for that month (owner rep), else updates it.  Entered by the rep or
 * their manager/the central office.  id_out (may be NULL) receives its id.
 * 0; FS_EINVAL, FS_EVALIDATE (month), FS_EFORBIDDEN (a rep for another
 * rep), FS_EEXIST, and the errors of fs_create/fs_update; message in
 * fs_errmsg(r).  The activity report's section "plan" sets it against what
 * was done (common/report/report.h). */
int fs_plan_set(fs_replica *r, const char *rep, const char *month, fs_record *plan,
                char id_out[FS_ID_MAX + 1]);

/* ---- managers' reports ------------------------------------------------------
 * The reports of `fieldsyncd report` (visits, funnel, lost, ranking,
 * showroom, activity; their definitions: common/report/report.h), run over
 * this replica's records, offline: a manager's replica holds the team's
 * records, a rep's only their own.  A report is a list of sections, each a
 * typed table a caller can render itself, or have rendered as the CLIs do. */

#define FS_REPORT_REPS_MAX 256 /* staff codes in one query */

/* What to report.  Zero it, then set name and what applies.  Pointers must
 * stay valid until fs_report_run returns. */
typedef struct fs_report_query {
  const char *name;    /* visits funnel lost ranking showroom activity signoff cards
                          keyvisits */
  const char *from;    /* "YYYY-MM-DD"; NULL: the report's default */
  const char *to;      /* "YYYY-MM-DD"; NULL: today */
  const char *team;    /* a manager's staff code: adds the team; or NULL */
  const char *weights; /* path of a ranking weights file, or NULL */
  const char *reps[FS_REPORT_REPS_MAX]; /* staff codes to report on (none: all) */
  int nreps;
  int csv;             /* the --csv option was given (for the caller) */
  int top;             /* ranking rows; 0: default 100; < 0: all */
  /* visits: which visit methods are each grade's contact, "GRADE=METHOD,
   * ...;..." (common/cadence.h); NULL: the default (an e-mail or a letter
   * is no A-grade contact). */
  const char *contact_methods;
  int backdate_days;   /* activity: back-dating window in days; 0: default 2 */
  /* showroom: a visitor converts with an order dated up to this many days
   * after the visit; 0: default 30. */
  int convert_days;
  /* funnel: "YYYY-MM", a month that has ended: grades and stages at its
   * end (month-end stock-take); the period defaults to it; NULL: now. */
  const char *as_of;
  int stale_days;      /* cards: days after which a card is stale; 0: default 90 */
  /* ranking (and fs_keyaccounts_apply): the weights and the tier cut-offs,
   * "name=number,..." over the built-in setting or the weights file
   * (report.h "ranking"); NULL: the built-in setting. */
  const char *scoring;
  /* Text: the display columns each table fits (shortened, columns
   * dropped: a terminal's width); 0: every cell whole. */
  int width;
} fs_report_query;

/* The options both command lines take for a report (--from D, --to D,
 * --rep CODE (repeatable), --team CODE, --csv, --weights FILE, --top N,
 * --contact-methods SETTING, --backdate-days N, --convert-days N,
 * --as-of YYYY-MM, --stale-days N, --scoring SETTING),
 * for a front end that parses argv: fs_report_option returns 1 if opt
 * takes a value, 0 if it is a flag, FS_ENOTFOUND if it is not one of them;
 * fs_report_query_set applies it (value NULL for a flag or a missing
 * value) to q: 0, or FS_EUSAGE with the message in fs_errmsg(NULL).
 * Thread-safe (q is the caller's). */
int fs_report_option(const char *opt);
/* The synopsis of those options after `report` (for usage lines). */
#define FS_REPORT_QUERY_USAGE                                                            \
  "visits|funnel|lost|ranking|showroom|activity|signoff|cards|keyvisits "                \
  "[--from YYYY-MM-DD] [--to YYYY-MM-DD] [--rep CODE]... [--team MANAGER] [--csv] "      \
  "[--weights FILE] [--top N] [--contact-methods GRADE=METHOD,...;...] "                 \
  "[--backdate-days N] [--convert-days N] [--as-of YYYY-MM] [--stale-days N] "           \
  "[--scoring NAME=N,...]"
int fs_report_query_set(fs_report_query *q, const char *opt, const char *value);
/* The report option nearest to a mistyped opt ("--tem" -> "--team"), for
 * a "did you mean" hint: a static string, or NULL.  Thread-safe. */
const char *fs_report_option_suggest(const char *opt);
/* Help for report's arguments, entry i = 0, 1, ...: its synopsis
 * ("--from YYYY-MM-DD") in *opt and one sentence with its default in *help
 * (static strings).  0, or FS_ENOTFOUND past the last.  Thread-safe. */
int fs_report_option_doc(int i, const char **opt, const char **help);

typedef struct fs_report fs_report;

/* Runs query q over r into *out (free with fs_report_free), in one read
 * snapshot.  0; FS_EINVAL (unknown report, bad date or period, bad
 * weights, bad contact_methods or scoring), FS_EUSAGE (no name), FS_ENOTFOUND (team manager unknown here),
 * FS_EIO (weights file unreadable), FS_ENOMEM, FS_EDB/FS_EBUSY; message in
 * fs_errmsg(r).  Reads only. */
int fs_report_run(fs_replica *r, const fs_report_query *q, fs_report **out);
void fs_report_free(fs_report *rep); /* takes NULL */

/* Cell types of a report column. */
typedef enum fs_report_type {
  FS_REPORT_TEXT = 0, /* text */
  FS_REPORT_INT,      /* integer count */
  FS_REPORT_PCT,      /* a share in percent, 0..100 (number) */
  FS_REPORT_NUM,      /* a number (scores, amounts) */
  FS_REPORT_TIME,     /* ms since the epoch (integer) */
  FS_REPORT_MONEY     /* an amount: i in minor units (1/100), num in currency
                         units (fs_money_format shows it) */
} fs_report_type;

/* One cell.  set 0: no value (text NULL, numbers 0). */
typedef struct fs_report_cell {
  int set;
  fs_report_type type;
  int64_t i;        /* FS_REPORT_INT, FS_REPORT_TIME, FS_REPORT_MONEY */
  double num;       /* FS_REPORT_PCT, FS_REPORT_NUM (and i as a double) */
  const char *text; /* FS_REPORT_TEXT: valid until fs_report_free */
} fs_report_cell;

/* The report's period as run (defaults applied), "YYYY-MM-DD". */
const char *fs_report_from(const fs_report *rep);
const char *fs_report_to(const fs_report *rep);
/* Sections: their number; name (JSON key, "compliance") and title (a
 * line for people) of section s, NULL out of range; columns; rows. */
int fs_report_sections(const fs_report *rep);
const char *fs_report_section_name(const fs_report *rep, int s);
const char *fs_report_section_title(const fs_report *rep, int s);
int fs_report_columns(const fs_report *rep, int s);
size_t fs_report_rows(const fs_report *rep, int s);
/* Column c of section s: name and type.  0 or FS_EINVAL (out of range). */
int fs_report_column(const fs_report *rep, int s, int c, const char **name,
                     fs_report_type *type);
/* Cell (row, c) of section s into *out.  0 or FS_EINVAL (out of range). */
int fs_report_cell_get(const fs_report *rep, int s, size_t row, int c,
                       fs_report_cell *out);

/* How fs_report_render writes a report (the CLIs' three formats). */
typedef enum fs_report_style {
  FS_REPORT_STYLE_TEXT = 0, /* aligned tables for people */
  FS_REPORT_STYLE_CSV,      /* RFC 4180: one header row, "section" first */
  FS_REPORT_STYLE_JSON      /* one JSON object */
} fs_report_style;

/* Renders rep as `fieldsync report` prints it: the text (NUL-terminated,
 * *len bytes; len may be NULL) belongs to rep and stays valid until the
 * next render of rep or fs_report_free.  NULL on failure: FS_ENOMEM or
 * FS_EOVERFLOW (over 256 MiB) in *rc (may be NULL), the message in
 * fs_errmsg(NULL).  Not thread-safe with other calls on rep. */
const char *fs_report_render(fs_report *rep, fs_report_style style, size_t *len, int *rc);

/* ---- key accounts (issue 14: 综合打分,找出重点客户) ---------------------------
 * A card's stored tier and key_account follow the ranking report (the
 * composite score over all customers, common/report/report.h "ranking"),
 * or are clearly the manager's override (customer.tier_override).  Only a
 * manager or the central office sets them; the daemon refuses a rep's
 * change of them (common/access_rules.h K1). */

/* One card whose tier or key_account the ranking changes (or would). */
typedef struct fs_keyaccount_change {
  const char *id, *archive_no, *name, *owner; /* archive_no, name may be NULL */
  double score;
  const char *tier_was; /* stored: "none", "diamond", "gold", "silver" */
  const char *tier;     /* the report's; key_account = tier is not "none" */
} fs_keyaccount_change;
typedef void (*fs_keyaccount_fn)(void *ctx, const fs_keyaccount_change *ch);

typedef struct fs_keyaccounts_result {
  int customers; /* ranked (the report's set) */
  int changed;   /* cards written (dry run: that would be) */
  int overrides; /* cards left alone: the manager's override */
} fs_keyaccounts_result;

/* Runs the ranking report q (its name is ignored; the ranking options
 * apply: --rep, --team, --weights, --scoring) over this replica and writes
 * the report's tier and key_account (tier is not "none") to every card
 * that differs and is not the manager's override, in ONE transaction, as
 * this replica's staff member: on a manager's replica the team's cards
 * ranked among the team (what `fieldsyncd report ranking --team M`
 * shows), on the central office's all cards.  dry_run: writes nothing.
 * each (may be NULL) is called per changed card, in rank order; res (may
 * be NULL) receives the counts.  FS_EFORBIDDEN for a rep; the errors of
 * fs_report_run and fs_update.  A card that became an override or was
 * deleted since the ranking was read is left alone. */
int fs_keyaccounts_apply(fs_replica *r, const fs_report_query *q, int dry_run,
                         fs_keyaccount_fn each, void *ctx, fs_keyaccounts_result *res);
/* The manager's override of customer `id`: tier ("none", "diamond",
 * "gold", "silver") and key_account (tier is not "none") as given, with
 * tier_override set, so that fs_keyaccounts_apply leaves the card and the
 * report and `customer show` say it is the manager's choice.  tier NULL
 * clears the override (the next apply sets the card from the score).
 * FS_EFORBIDDEN for a rep; FS_EINVAL (bad id or tier); the errors of
 * fs_update. */
int fs_keyaccount_override(fs_replica *r, const char *id, const char *tier);

#ifdef __cplusplus
}
#endif

#endif
