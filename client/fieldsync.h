/* fieldsync.h - libfieldsync, the offline client library.
 *
 * What a mobile app (or the `fieldsync` CLI) includes.  A replica is a
 * local SQLite database (DIR/replica.db) holding the records this device may
 * see and an outbox of local changes not yet pushed to the daemon.  Every
 * write is local, immediate and durable; synchronisation happens later.
 *
 * Conventions:
 *   - Functions return 0 or a negative fs_errno (fs_errno.h); fs_strerror()
 *     turns it into English.  After a failure of a function that takes an
 *     fs_replica, fs_replica_last_error() gives a message naming the field
 *     and, for enumerations, the allowed values.
 *   - Handles are opaque.  Every *_free / *_close accepts NULL.
 *   - Strings are UTF-8.  Values are passed as text and parsed per field
 *     type: INT from decimal, BOOL from yes/no/true/false/1/0, dates as
 *     YYYY-MM-DD, date-times as YYYY-MM-DDTHH:MM[:SS]; "" clears a field.
 *   - Kind names: customer, grade_change, contact, visit, opportunity,
 *     showroom, lost_review.  Field names are those of the model (see
 *     `fieldsync <kind> add --help`).
 *   - A replica handle is not thread-safe: use it from one thread at a time.
 */
#ifndef FIELDSYNC_H
#define FIELDSYNC_H

#include <stddef.h>
#include <stdint.h>

#include "fs_errno.h"
#include "fs_version.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct fs_replica fs_replica;
typedef struct fs_record fs_record;

/* The release of the library linked in ("0.2.0"); FIELDSYNC_VERSION
 * (fs_version.h) is the one the app was compiled against.  Static string. */
const char *fs_version(void);

/* ---- replica ------------------------------------------------------------ */

/* Who this device acts for.  Filled by local setup (fs_replica_init) and
 * later by enrollment. */
typedef struct fs_identity {
  char staff[17];     /* staff code, e.g. "A01" */
  char role[16];      /* "rep", "manager" or "admin" */
  uint64_t device_id; /* daemon-assigned device number (0: none yet) */
  int slot;           /* archive slot 1..64 */
} fs_identity;

/* Opens DIR/replica.db.  FS_ENOTENROLLED if the directory holds no replica
 * or the replica has no identity yet; FS_ESCHEMA_NEWER, FS_EIO, FS_EDB.
 * DIR and its files are made private first: a DIR group or others can
 * access is changed to 0700, files to 0600, each with a warning on the log;
 * a DIR owned by another user is refused (FS_EIO, the log says why).  The
 * library creates every file 0600 whatever the process umask.
 * On success *out must be closed with fs_replica_close. */
int fs_replica_open(const char *dir, fs_replica **out);
/* Creates DIR (mode 0700; an existing one is checked as by
 * fs_replica_open) and DIR/replica.db (0600) if missing and stores the
 * identity (validated: staff code, role, slot 1..64).  FS_EEXIST if the
 * replica already has a different identity (same one: no-op).  out may be
 * NULL (the replica is then closed again). */
int fs_replica_init(const char *dir, const fs_identity *id, fs_replica **out);
void fs_replica_close(fs_replica *r); /* takes NULL */
/* Message of the last failure on r ("" if none).  Valid until the next
 * call on r.  r NULL: a static message. */
const char *fs_replica_last_error(const fs_replica *r);
/* Copies the identity out. */
int fs_replica_identity(const fs_replica *r, fs_identity *out);

/* ---- records ------------------------------------------------------------ */

/* A record in memory: a kind, an id (empty until created or loaded) and
 * field values, each either unset, NULL or a value.  Used to build creates
 * and updates (only set fields are written) and to return loaded rows. */
int fs_record_new(const char *kind, fs_record **out); /* FS_EINVAL kind */
void fs_record_free(fs_record *rec);                  /* takes NULL */
/* Parses text per the field's type and checks it against the field
 * (FS_EVALIDATE, FS_EUNKNOWN_FIELD); "" or NULL sets the field to NULL.
 * On failure the record is unchanged and fs_record_last_error() explains. */
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
const char *fs_record_last_error(const fs_record *rec);

/* ---- writes (each one SQLite transaction, with its outbox entries) ------- */

/* Creates rec (fields set on it) as a new record owned by this replica's
 * staff member (children: by their customer's owner, who must be us).
 * Customers get their archive number (device slot + per-year counter), the
 * dates created/grade_date (today if unset) and a first grade_change entry.
 * id_out (may be NULL) receives the new id; rec's id is set too.
 * FS_EVALIDATE, FS_EUNKNOWN_FIELD, FS_ENOTFOUND (customer_id), FS_EFORBIDDEN,
 * FS_EBUSY, FS_EFULL, FS_EDB. */
int fs_create(fs_replica *r, fs_record *rec, char id_out[33]);
/* Writes the fields set on rec that differ from the stored record (none:
 * returns 0 and writes nothing).  FS_ENOTFOUND, FS_EFORBIDDEN, FS_EVALIDATE
 * (also for immutable fields and append-only kinds). */
int fs_update(fs_replica *r, const char *kind, const char *id, const fs_record *rec);
/* Deletes (tombstones) a record.  FS_ENOTFOUND, FS_EFORBIDDEN. */
int fs_delete(fs_replica *r, const char *kind, const char *id);
/* Items of the conflict log (`fieldsync conflicts`), by their number n
 * (conflicts.id): a value that lost, or a change that arrived after a
 * handover from the old owner's device and was not applied (fenced).
 * Accept applies the item's value as an ordinary local edit (an item for
 * field "(deleted)" deletes the record); dismiss keeps the record as it
 * is.  Both mark the item resolved ('accepted'/'dismissed').
 * FS_ENOTFOUND (no item n, or its record is gone), FS_EEXIST (already
 * resolved), and the errors of fs_update / fs_delete. */
int fs_conflict_accept(fs_replica *r, int64_t n);
int fs_conflict_dismiss(fs_replica *r, int64_t n);
/* Loads a record into *out (free with fs_record_free).  FS_ENOTFOUND for
 * absent and deleted records. */
int fs_get(fs_replica *r, const char *kind, const char *id, fs_record **out);
/* Sets a customer's grade and grade_date (date NULL: today) and appends a
 * grade_change entry, in one transaction.  Grade "delivered" needs a
 * delivery date: delivery_date, or one already on the card.
 * delivery_date may be NULL (keep). */
int fs_customer_set_grade(fs_replica *r, const char *id, const char *grade,
                          const char *date, const char *delivery_date);

/* Lost sales (issue 14; domain.md: the card goes back to the manager).
 * fs_customer_set_lost: the rep records the loss of an open card in one
 * local transaction: the lost_review `review` (a new lost_review record
 * with lost_date, reason, reason_class and optionally competitor; its
 * customer_id and prev_grade are filled in: the card's grade now), then
 * the card's grade "lost" dated today with its grade change.  The card
 * stays on the agenda until the manager confirms.  id_out (may be NULL)
 * receives the review's id.  FS_EVALIDATE (no reason_class, card already
 * lost, a field refused), FS_ENOTFOUND, FS_EFORBIDDEN.
 * fs_lost_review: a manager (or admin) confirms (confirm != 0) or rejects
 * the lost sale review_id, signed with their own code and today; note may
 * be NULL.  A rejection reopens a card that is still lost at the review's
 * prev_grade (C if unknown) with a grade change dated today, in the same
 * transaction; the rep's agenda then shows it (fs_agenda, "lost_review").
 * A rep is refused with FS_EFORBIDDEN (the daemon's rule, access_rules.h). */
int fs_customer_set_lost(fs_replica *r, const char *customer_id, const fs_record *review,
                         char id_out[33]);
int fs_lost_review(fs_replica *r, const char *review_id, int confirm, const char *note);
/* Resolves what a user typed to a full id of kind: a full id, a unique id
 * prefix of at least 6 hex chars, or (customers) an archive number.
 * FS_ENOTFOUND, FS_EINVAL (ambiguous prefix or too short). */
int fs_resolve_id(fs_replica *r, const char *kind, const char *text, char id_out[33]);

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
} fs_query;

/* Calls cb for each live record matching q (q may be NULL).  The record is
 * valid during the call only.  A non-zero return from cb stops the listing
 * and is returned.  FS_EINVAL for an unknown kind or order field. */
typedef int (*fs_record_cb)(void *arg, fs_record *rec);
int fs_list(fs_replica *r, const char *kind, const fs_query *q, fs_record_cb cb, void *arg);

/* ---- outbox (local changes not yet acknowledged by the daemon) ----------- */

int fs_outbox_count(fs_replica *r, uint64_t *pending, uint64_t *rejected);

typedef struct fs_outbox_entry {
  uint64_t counter;    /* device-local change number */
  const char *kind;    /* "customer" ... */
  const char *id;      /* record id */
  const char *op;      /* "upsert" or "delete" */
  uint64_t hlc;
  const char *status;  /* "pending" or "rejected" */
  int code;            /* fs_errno of a rejection, else 0 */
  const char *reason;  /* "" unless rejected */
  int64_t created_at;  /* ms since the epoch */
  int attempts;        /* push attempts so far */
  const char *fields;  /* changed field names, comma-separated */
} fs_outbox_entry;

typedef int (*fs_outbox_cb)(void *arg, const fs_outbox_entry *e);
/* Oldest first.  which: 0 all, 1 pending only, 2 rejected only. */
int fs_outbox_list(fs_replica *r, int which, fs_outbox_cb cb, void *arg);

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
} fs_sync_stats;

typedef void (*fs_progress_fn)(void *arg, const char *phase, const fs_sync_stats *s);

typedef struct fs_sync_options {
  int timeout_ms;          /* connect and reply timeout; 0: 15 s */
  uint32_t page;           /* rows per pull page; 0: the daemon's */
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
 * identity the daemon assigned.  err receives a message for the user.
 * FS_ETOKEN*, FS_EEXIST (DIR already enrolled), FS_ECONN, FS_ECRYPTO (the
 * daemon did not prove the key in the token), FS_EDEPARTED. */
int fs_enroll(const char *dir, const char *token, int timeout_ms, fs_identity *out,
              char *err, size_t errlen);
/* Pushes the outbox, then pulls what changed since the last sync (or, for a
 * fresh replica, a snapshot).  With opt->watch it then stays connected and
 * pulls whenever the daemon signals a change, pushing local writes as they
 * come.  stats and opt may be NULL.  Rejected changes stay in the outbox
 * with their reason (fs_outbox_list).  If the daemon orders a wipe, every
 * record is erased, stats->wiped is set and FS_EREVOKED returned: then call
 * fs_replica_erase to remove DIR.  Errors: FS_ECONN, FS_ETIMEDOUT, FS_EREVOKED,
 * FS_EUNKNOWN_DEVICE, FS_ENOTENROLLED, FS_EBUSY, FS_EFULL (daemon or local
 * disk full: nothing is lost, retry later). */
int fs_sync(fs_replica *r, const fs_sync_options *opt, fs_sync_stats *stats, char *err,
            size_t errlen);
/* After a wipe order (fs_sync returned FS_EREVOKED with stats->wiped set):
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
                               "lost_review" */
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
 * ascending due date (most overdue first), then call-backs, key-account
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
 *     that customer: follow up within a week (kind "followup").
 * Only records visible in the replica count, whoever owns them (a
 * manager's replica gives the team's agenda).  At most FS_AGENDA_MAX items
 * are gathered (FS_EOVERFLOW beyond).  A non-zero return of cb stops the
 * listing and is returned.  FS_EINVAL (bad date), FS_ENOMEM, FS_EDB. */
#define FS_AGENDA_MAX 1000000
int fs_agenda(fs_replica *r, const char *date, fs_agenda_cb cb, void *arg);

/* ---- end of agenda ------------------------------------------------------- */

#ifdef __cplusplus
}
#endif

#endif
