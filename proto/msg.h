/* msg.h - the msgpack message layer of the fieldsync wire protocol.
 *
 * Messages are the plaintext of Noise transport messages (HELLO and WELCOME
 * are the payloads of handshake messages 1 and 2).  This module only turns
 * messages into bytes and back; proto/PROTOCOL.md sections 5-8 are the
 * normative description of every schema, bound and rule used here.
 *
 * Envelope: every message is the msgpack array [version, type, body] with
 * version = FS_MSG_VERSION, type one of fs_msg_type and body a map with
 * string keys.
 *
 * Decoding is strict and allocation-bounded: every count and length is
 * checked against the limits below and against the bytes left *before*
 * anything is allocated; trailing bytes, wrong msgpack types, missing
 * required keys, duplicate keys, invalid UTF-8 and NUL bytes in strings are
 * refused.  Unknown keys in body maps are skipped (forward compatibility),
 * but unknown kinds or field names inside record data are reported per
 * record as FS_EUNKNOWN_FIELD (see fs_msg_push.rcs, fs_msg_pull_batch.rcs).
 *
 * Return codes of the decoders:
 *   0               decoded; *out owns heap data, fs__msg_release frees it
 *   FS_EVERSION     envelope version is not FS_MSG_VERSION (answer with
 *                   ERROR{code FS_EVERSION, versions [1]} and close)
 *   FS_EPROTO       malformed: unknown type, wrong msgpack type, missing or
 *                   duplicate key, bad id/UTF-8, an integer out of its
 *                   range (FS_MSG_UINT_MAX below), trailing bytes, ...
 *   FS_ETRUNC       input ends inside a value (or a count promises more
 *                   elements than bytes are left)
 *   FS_EOVERFLOW    a count or length is over one of the limits below
 *   FS_ETOOBIG      input longer than FS_MSG_MAX_BYTES
 *   FS_EUNKNOWN_FIELD  PULL_BATCH of a kind this build does not know (the
 *                   whole batch is unusable), or fs__change_decode of a
 *                   change naming an unknown kind/field
 *   FS_ENOMEM
 * On any error *out is left released (type 0, nothing to free).
 *
 * Encoders take a caller-owned fs_buf (see buf.h) and append to it; its max
 * should be FS_MSG_MAX_BYTES.  They check the same limits (FS_EOVERFLOW,
 * FS_EINVAL for values a decoder would refuse), so a peer never receives a
 * message it must reject.  On error the buffer is rolled back to its length
 * on entry.
 */
#ifndef FS_MSG_H
#define FS_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "archive.h"
#include "buf.h"
#include "model.h"
#include "store.h"

#define FS_MSG_VERSION 1

/* ---- limits (part of the protocol: PROTOCOL.md section 5) -------------- */
/* One encoded message: the frame maximum (frame.h, 1 MiB) less the 16-byte
 * AEAD tag, since a message is the plaintext of one transport frame.
 * HELLO/WELCOME ride in handshake messages and must also fit
 * FS_CHANNEL_HS_PAYLOAD_MAX (they are a few hundred bytes). */
#define FS_MSG_MAX_BYTES (1048576u - 16u)
#define FS_MSG_MAX_CHANGES 10000         /* changes in one PUSH */
#define FS_MSG_MAX_FIELDS 100            /* fields per change, columns/batch */
#define FS_MSG_MAX_ROWS 10000            /* rows in one PULL_BATCH */
#define FS_MSG_MAX_ITEMS 10000 /* PUSH_RESULT results, EVICT/CONFLICTS items */
#define FS_MSG_TEXT_MAX 65536  /* bytes of one text field value */
#define FS_MSG_STR_MAX 4096    /* sw, text, reason, role, name, body, args */
#define FS_MSG_NAME_MAX 64     /* kind/field names, want, cmd, arg keys */
#define FS_MSG_BLOB_MAX FS_MSG_MAX_BYTES /* ADMIN_RESULT out and json */
#define FS_MSG_MAX_WANT 8      /* HELLO want entries */
#define FS_MSG_MAX_ARGS 32     /* ADMIN args */
#define FS_MSG_MAX_LIST 256    /* strings in one ADMIN list argument */
#define FS_MSG_MAX_VERSIONS 16 /* ERROR versions */
#define FS_MSG_MAX_KEYS 64     /* keys in any body map (incl. unknown ones) */
#define FS_MSG_MAX_DEPTH 16    /* nesting of skipped unknown values */

/* Integer ranges (PROTOCOL.md 5.1 and 5.3).  Every uint on the wire is at
 * most FS_MSG_UINT_MAX = 2^63-1, so it is an SQLite INTEGER wherever it is
 * stored (2^64-1 would become a REAL); ms at most FS_MSG_MS_MAX, the ms a
 * clock (hlc, 48-bit ms << 16 | counter) can carry within that bound;
 * WELCOME slot at most FS_ARCHIVE_SLOTS; codes fit a 32-bit int.  A value
 * out of its range is FS_EPROTO for the decoder, FS_EINVAL for the
 * encoders. */
#define FS_MSG_UINT_MAX ((uint64_t)INT64_MAX)
#define FS_MSG_MS_MAX (FS_MSG_UINT_MAX >> 16)

typedef enum fs_msg_type {
  FS_MSG_HELLO = 1,
  FS_MSG_WELCOME = 2,
  FS_MSG_PUSH = 3,
  FS_MSG_PUSH_RESULT = 4,
  FS_MSG_PULL = 5,
  FS_MSG_PULL_BATCH = 6,
  FS_MSG_CHECKPOINT = 7,
  FS_MSG_NOTIFY = 8,
  FS_MSG_EVICT = 9,
  FS_MSG_WIPE = 10,
  FS_MSG_ERROR = 11,
  FS_MSG_ADMIN = 12,
  FS_MSG_ADMIN_RESULT = 13,
  FS_MSG_CONFLICTS = 14,
  FS_MSG_NOTICE = 15,
  FS_MSG_PING = 16,
  FS_MSG_PONG = 17,
  FS_MSG_BYE = 18
} fs_msg_type;

#define FS_MSG_TYPE_MAX 18

/* "HELLO", "PULL_BATCH", ... ; "UNKNOWN" for anything else.  Never NULL. */
const char *fs__msg_type_name(int type);

/* HELLO want bits; on the wire the strings "sync", "watch", "admin".
 * Unknown strings are ignored (a newer client may ask for more). */
#define FS_WANT_SYNC 0x1u
#define FS_WANT_WATCH 0x2u
#define FS_WANT_ADMIN 0x4u

/* ---- bodies ------------------------------------------------------------
 * Strings (char *) are heap, NUL-terminated, never NULL after a decode
 * (empty string ""); encoders treat NULL as "".  Staff codes and ids are
 * inline arrays. */

typedef struct fs_msg_hello {
  char *sw;        /* software name/version, e.g. "fieldsync/0.1.0" */
  uint64_t time;   /* client wall clock, ms since epoch */
  uint64_t cursor; /* client's pull cursor */
  uint64_t outbox; /* pending changes */
  uint64_t oldest; /* ms of the oldest pending change, 0 if none */
  unsigned want;   /* FS_WANT_* */
  char *token;     /* optional: enrollment token text ("fs1...."), only
                      from a device enrolling with a new key; NULL/"" else */
  uint64_t model;  /* optional: the newest model generation the device
                      decodes (FS_MODEL_GENERATION); 0 = absent, i.e. 1 */
  int blocks;      /* optional (issue 14): 1 if the client numbers cards
                      from serial blocks (WELCOME serials); sent only true */
  uint64_t serials_left; /* optional: serials of its blocks it has not used
                            (0 is not sent); 0..FS_ARCHIVE_SERIAL_MAX */
} fs_msg_hello;

typedef struct fs_msg_welcome {
  int ok;
  int code;        /* fs_errno, 0 if ok */
  char *text;
  uint64_t time;   /* daemon clock, ms */
  uint64_t device; /* device id */
  char staff[FS_STAFF_MAX + 1];
  char *role;      /* "rep" / "manager" / "admin" */
  uint64_t slot;   /* archive slot */
  char *name;      /* staff name */
  int wipe;        /* device must upload, then erase */
  char *owners;    /* optional: comma-separated staff codes besides its own
                      whose records this staff may write now (team for a
                      manager, reps covered); NULL/"" if none */
  uint64_t counter; /* optional: highest change counter the daemon has
                       applied from this device (0: none / not sent) */
  char *generation; /* optional: the store's generation, 32 lowercase hex
                       (daemon/store/generation.h); NULL/"" if not sent */
  /* optional (issue 14), sent together to a client that sent HELLO blocks:
   * the year width of block numbers (2 or 4; 0: not sent) and the serial
   * ranges of the device's blocks the daemon has not seen used, ascending
   * and disjoint (fs__serial_ranges_check). */
  uint64_t archive_year;
  uint32_t nserials;
  fs_serial_range serials[FS_ARCHIVE_RANGES_MAX];
} fs_msg_welcome;

/* PUSH.  The optional "bases" key is written when some field write has a
 * base != 0 and decoded into changes[i].fields[j].base (0 when absent).
 * changes[i].device_id is not on the wire: decoded as 0, the daemon
 * fills it from the authenticated session.  rcs[i] is 0, or
 * FS_EUNKNOWN_FIELD if change i names a kind or field this build does not
 * know (its known fields are still decoded; with an unknown kind, kind is
 * FS_KIND__COUNT and no fields).  rcs is NULL when encoding is fine. */
typedef struct fs_msg_push {
  fs_change *changes; /* with their bases (fs_field_change.base) */
  int *rcs;
  uint32_t *nwire; /* decoded: field writes of change i on the wire */
  uint32_t n;
  uint64_t outbox;
  uint64_t oldest;
} fs_msg_push;

typedef struct fs_push_result {
  uint64_t counter;
  int outcome; /* fs_outcome 1..4 */
  int code;    /* fs_errno, 0 unless rejected */
  char *reason;
} fs_push_result;

typedef struct fs_msg_push_result {
  fs_push_result *results;
  uint32_t n;
} fs_msg_push_result;

typedef struct fs_msg_pull {
  uint64_t cursor;
  uint64_t limit; /* max rows per batch; the daemon clamps to its own max */
} fs_msg_pull;

/* PULL_BATCH.  cols[c] is the kind's field index of wire column c, or -1
 * for a column name this build does not know (decoded rows then have
 * rcs[i] = FS_EUNKNOWN_FIELD and lack that value).  Each row holds all
 * fields of the kind (fs__row_init); fields not in cols are NULL, clock 0. */
typedef struct fs_msg_pull_batch {
  fs_kind kind;
  int ncols;
  int cols[FS_MSG_MAX_FIELDS];
  fs_row *rows;
  int *rcs; /* decoded only; may be NULL when encoding */
  uint32_t nrows;
} fs_msg_pull_batch;

typedef struct fs_msg_checkpoint {
  uint64_t cursor;
  int more;
} fs_msg_checkpoint;

typedef struct fs_msg_notify {
  uint64_t seq;
} fs_msg_notify;

typedef struct fs_evict_item {
  fs_kind kind;
  char id[FS_ID_HEX + 1];
} fs_evict_item;

/* EVICT items of a kind this build does not know are dropped by the
 * decoder: the replica cannot hold such records. */
typedef struct fs_msg_evict {
  fs_evict_item *items;
  uint32_t n;
} fs_msg_evict;

typedef struct fs_msg_reason { /* WIPE, BYE */
  char *reason;
} fs_msg_reason;

typedef struct fs_msg_error {
  int code;
  char *text;
  int nversions; /* optional "versions" key: sent with FS_EVERSION */
  uint32_t versions[FS_MSG_MAX_VERSIONS];
} fs_msg_error;

typedef enum fs_arg_type {
  FS_ARG_STR = 1,
  FS_ARG_INT,
  FS_ARG_BOOL, /* in i: 0 or 1 */
  FS_ARG_LIST  /* array of strings */
} fs_arg_type;

typedef struct fs_admin_arg {
  char *key;
  fs_arg_type type;
  char *s;      /* FS_ARG_STR */
  int64_t i;    /* FS_ARG_INT, FS_ARG_BOOL */
  char **list;  /* FS_ARG_LIST, nlist strings */
  uint32_t nlist;
} fs_admin_arg;

typedef struct fs_msg_admin {
  char *cmd;
  fs_admin_arg *args;
  uint32_t nargs;
} fs_msg_admin;

typedef struct fs_msg_admin_result {
  int ok;
  int code;
  char *text;
  char *out;  /* human-readable output */
  char *json; /* machine-readable output, JSON text */
  /* Optional (issue 15): a listing's typed table (common/table.h
   * fs__table_pack), rendered by the admin's own process for its
   * terminal, and where the table's text ends in out (what follows it
   * is printed after the rendered table).  NULL/0: none. */
  char *table;
  uint64_t table_end;
} fs_msg_admin_result;

/* One logged conflict, for display: names are kept as text, not mapped. */
typedef struct fs_conflict_item {
  char *kind;
  char id[FS_ID_HEX + 1];
  char *field;
  fs_value loser;
  uint64_t loser_hlc;
  fs_value winner;
  uint64_t winner_hlc;
  char author[FS_STAFF_MAX + 1]; /* author of the losing write */
  uint64_t at;                   /* ms when it was detected */
  /* Optional key "fenced": the staff code whose device sent this change
   * through a handover fence; the change was not applied and is an item
   * for the owner to accept or dismiss ("" for an ordinary conflict). */
  char fenced[FS_STAFF_MAX + 1];
  /* Optional key "winner_author": the staff code whose device wrote the
   * value the record kept ("" if the daemon does not know). */
  char winner_author[FS_STAFF_MAX + 1];
} fs_conflict_item;

typedef struct fs_msg_conflicts {
  fs_conflict_item *items;
  uint32_t n;
} fs_msg_conflicts;

typedef struct fs_msg_notice {
  char *kind; /* e.g. "handover" */
  uint64_t at;
  char *body;
} fs_msg_notice;

typedef struct fs_msg_ping { /* PING, PONG */
  uint64_t n;
} fs_msg_ping;

typedef struct fs_msg {
  fs_msg_type type; /* 0 = empty */
  union {
    fs_msg_hello hello;
    fs_msg_welcome welcome;
    fs_msg_push push;
    fs_msg_push_result push_result;
    fs_msg_pull pull;
    fs_msg_pull_batch pull_batch;
    fs_msg_checkpoint checkpoint;
    fs_msg_notify notify;
    fs_msg_evict evict;
    fs_msg_reason wipe;
    fs_msg_error error;
    fs_msg_admin admin;
    fs_msg_admin_result admin_result;
    fs_msg_conflicts conflicts;
    fs_msg_notice notice;
    fs_msg_ping ping; /* PING and PONG */
    fs_msg_reason bye;
  } u;
} fs_msg;

/* ---- generic codec ----------------------------------------------------- */

/* Zeroes m and sets its type (helper for building messages). */
void fs__msg_init(fs_msg *m, fs_msg_type type);
/* Frees everything m owns (all heap pointers in the active body) and
 * zeroes it.  Takes NULL.  Only for messages whose heap data came from
 * malloc (decoded ones, or built by the caller with malloc). */
void fs__msg_release(fs_msg *m);
/* Appends the encoding of m to out.  0, FS_EINVAL (bad type, id, kind,
 * value, field index, outcome...), FS_EOVERFLOW, FS_ETOOBIG, FS_ENOMEM. */
int fs__msg_encode(const fs_msg *m, fs_buf *out);
/* Decodes exactly one message filling all n bytes.  See the top comment. */
int fs__msg_decode(const uint8_t *p, size_t n, fs_msg *out);
/* The envelope version of an encoded message of any version (its first
 * element), without judging the rest: to say which side must be updated
 * after fs__msg_decode returned FS_EVERSION.  0, FS_EPROTO, FS_ETRUNC,
 * FS_ETOOBIG, FS_EINVAL. */
int fs__msg_peek_version(const uint8_t *p, size_t n, uint64_t *version);

/* ---- PUSH fast path ---------------------------------------------------- */

/* Encodes PUSH{changes, outbox, oldest} straight from outbox changes. */
int fs__push_encode(const fs_change *changes, size_t n, uint64_t outbox,
                    uint64_t oldest, fs_buf *out);

/* Incremental PUSH builder, so the caller can cut by size:
 *   fs__push_begin -> fs__push_add* -> fs__push_finish.
 * fs__push_add returns FS_ETOOBIG when the change does not fit in max_bytes
 * (or FS_MSG_MAX_CHANGES are already in) and leaves the buffer as it was:
 * finish this message and put the change in the next one.  A single change
 * that cannot fit an empty message also gets FS_ETOOBIG (with count 0).
 * Between begin and finish the buffer holds an incomplete message.  After
 * a failed begin, add and finish return FS_ESTATE.  The bases of the changes
 * are kept aside and written by finish (as "bases", after "changes") when
 * one of them has a base; add counts their bytes against max_bytes.  After
 * a successful begin the caller must call finish (also when it abandons the
 * message): it frees what the encoder holds. */
typedef struct fs_push_enc {
  fs_buf *out;
  size_t start;   /* out->len at begin */
  size_t count_at; /* offset of the array32 count to patch */
  size_t map_at;   /* offset of the body's fixmap header */
  size_t max;     /* max bytes of this message */
  uint32_t n;
  fs_buf bases; /* the "bases" entries of the changes added */
  int any_base; /* some change has a base: finish writes "bases" */
} fs_push_enc;

int fs__push_begin(fs_push_enc *e, fs_buf *out, uint64_t outbox,
                   uint64_t oldest, size_t max_bytes);
int fs__push_add(fs_push_enc *e, const fs_change *c);
int fs__push_finish(fs_push_enc *e);

/* ---- PULL_BATCH fast path ---------------------------------------------- */

/* Incremental PULL_BATCH builder: begin(kind, columns) -> add_row* ->
 * finish.  cols are field indices of kind (each at most once).  add_row
 * returns FS_ETOOBIG if the row would make the message larger than
 * max_bytes or FS_MSG_MAX_ROWS rows are already in; the buffer is then as
 * before the call (finish and start a new batch).  An empty batch is valid.
 * FS_EINVAL if the row's kind differs or its ids/codes are malformed.
 * After a failed begin, add_row and finish return FS_ESTATE. */
typedef struct fs_batch_enc {
  fs_buf *out;
  size_t start;
  size_t count_at;
  size_t max;
  fs_kind kind;
  int ncols;
  int cols[FS_MSG_MAX_FIELDS];
  uint32_t n;
} fs_batch_enc;

int fs__batch_begin(fs_batch_enc *e, fs_buf *out, fs_kind kind,
                    const int *cols, int ncols, size_t max_bytes);
int fs__batch_add_row(fs_batch_enc *e, const fs_row *r);
int fs__batch_finish(fs_batch_enc *e);

/* ---- one change as bytes (client outbox payload column) ---------------- */

/* The change array of PUSH (without device_id).  fs__change_decode fills
 * *c (release with fs__change_release) and returns 0, FS_EUNKNOWN_FIELD
 * (c is filled with what is known; unknown kind leaves no fields), or a
 * decode error as above (c released). */
int fs__change_encode(const fs_change *c, fs_buf *out);
int fs__change_decode(const uint8_t *p, size_t n, fs_change *c);

#endif
