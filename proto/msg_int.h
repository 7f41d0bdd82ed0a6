/* msg_int.h - private to the message codec (proto/msg*.c); the contract is
 * msg.h, the schemas are PROTOCOL.md sections 5-8.
 *
 * The codec is split by concern, the way libuv splits its handle types:
 *
 *   msg.c          the type table; the envelope [version, type, body];
 *                  encode, decode and release dispatch by type; the frame
 *                  of the incremental encoders; init and release
 *   msg_reader.c   the strict bounded msgpack reader (fs__rd_*) and the
 *                  string checks the reader and the packer share
 *   msg_packer.c   the packer helpers (fs__pk_*): msgpack-c's packer with
 *                  the checks that keep the encoder from writing what the
 *                  reader refuses
 *   msg_map.c      body maps: one encoder, decoder and release for the
 *                  field tables that describe every body (fs__map_*)
 *   msg_change.c   record data: changes (PUSH and the outbox payload,
 *                  fs__change_encode / fs__change_decode) and rows
 *                  (PULL_BATCH)
 *   msg_session.c  HELLO, WELCOME, ERROR, WIPE, BYE, PING and PONG
 *   msg_push.c     PUSH (and the fs__push_* encoders), PUSH_RESULT
 *   msg_pull.c     PULL and its answer: PULL_BATCH (and the fs__batch_*
 *                  encoders), EVICT, CONFLICTS, NOTICE, CHECKPOINT; NOTIFY
 *   msg_admin.c    ADMIN and ADMIN_RESULT (the admin socket)
 *
 * Every body is a field table (below) defined beside its messages; msg.c
 * holds the table of types that points at them.
 */
#ifndef FS_MSG_INT_H
#define FS_MSG_INT_H

#include <msgpack.h>
#include <stddef.h>
#include <stdint.h>

#include "archive.h"
#include "id.h"
#include "msg.h"

/* ======================================================================
 * Strict reader (msg_reader.c)
 *
 * Each fs__rd_* reads one value at r->p and moves r->p past it.  They
 * return 0 or: FS_ETRUNC (the input ends inside the value, or a count
 * promises more elements than bytes are left), FS_EPROTO (another msgpack
 * type, or a value out of its range), FS_EOVERFLOW (a count or length over
 * the given bound), FS_ENOMEM.  After an error the input is refused as a
 * whole: where r stopped is of no use.
 * ====================================================================== */

typedef struct rd {
  const uint8_t *p;
  const uint8_t *end;
} rd;

/* Points r at the n input bytes: FS_ETRUNC for none (which also keeps
 * NULL + 0 out of the reader), FS_ETOOBIG for more than a message. */
int fs__rd_open(rd *r, const uint8_t *p, size_t n);

/* Strict UTF-8 (no overlongs, surrogates or code points past U+10FFFF) and
 * no NUL: strings become C strings, and an embedded NUL would let two
 * peers disagree about a value.  1 if s[0..n) is such a string, else 0. */
int fs__msg_utf8_ok(const uint8_t *s, size_t n);
/* 1 if s is a staff code (fs__staff_code_valid), or "" with allow_empty. */
int fs__msg_staff_ok(const char *s, int allow_empty);

/* A msgpack integer of any width that is not negative. */
int fs__rd_uint(rd *r, uint64_t *v);
/* A uint of at most max (the field's range, msg.h): above it FS_EPROTO,
 * before anything is stored. */
int fs__rd_umax(rd *r, uint64_t *v, uint64_t max);
/* A msgpack integer of any width within the range of int64_t. */
int fs__rd_int(rd *r, int64_t *v);
/* An int within the range of C int (error codes). */
int fs__rd_cint(rd *r, int *v);
/* A bool, as 0 or 1. */
int fs__rd_bool(rd *r, int *v);
/* A str of at most max bytes, valid UTF-8 without NUL; points into input. */
int fs__rd_str(rd *r, size_t max, const uint8_t **s, size_t *len);
/* A str as fs__rd_str, copied into a new heap C string in *out (what *out
 * held is freed: NULL except after a caller bug). */
int fs__rd_strdup(rd *r, size_t max, char **out);
/* A str copied into a fixed array of cap bytes (including the NUL). */
int fs__rd_strcpy(rd *r, char *dst, size_t cap);
/* A record id (fs__id_valid); any other str is FS_EPROTO. */
int fs__rd_id(rd *r, char id[FS_ID_HEX + 1]);
/* A staff code, or "" with allow_empty; any other str is FS_EPROTO. */
int fs__rd_staff(rd *r, char out[FS_STAFF_MAX + 1], int allow_empty);
/* A bin of at most max bytes; points into input. */
int fs__rd_bin(rd *r, size_t max, const uint8_t **p, size_t *len);
/* An array header of at most max elements of at least min_elem bytes. */
int fs__rd_array(rd *r, uint32_t *n, uint32_t max, size_t min_elem);
/* An array that must have exactly n elements (positional records). */
int fs__rd_tuple(rd *r, uint32_t n);
/* A map header of at most max pairs (a pair is at least 2 bytes). */
int fs__rd_map(rd *r, uint32_t *n, uint32_t max);
/* Skips one value of any type (an unknown key's value).  Nesting is bounded
 * by FS_MSG_MAX_DEPTH; element counts are bounded by the bytes left. */
int fs__rd_skip(rd *r, int depth);
/* A value into *v: nil (frees *v, leaving it null), an int, or a str of at
 * most FS_MSG_TEXT_MAX bytes (copied). */
int fs__rd_value(rd *r, fs_value *v);
/* Reads an array header of at most max elements of at least min_elem
 * bytes and allocates *n zeroed elements of size bytes into *items (NULL
 * for an empty array or on error). */
int fs__rd_list(rd *r, uint32_t max, size_t min_elem, size_t size, void **items,
                uint32_t *n);

/* ======================================================================
 * Packer helpers (msg_packer.c)
 *
 * They write through msgpack-c's packer into an fs_buf (buf.h) and return
 * 0, the fs_buf's error (FS_ETOOBIG, FS_ENOMEM), or FS_EINVAL /
 * FS_EOVERFLOW for a value the reader would refuse, before writing it.
 * ====================================================================== */

typedef msgpack_packer pk_t;

/* s (NULL as "") as a str of at most max bytes: FS_EOVERFLOW above it,
 * FS_EINVAL unless it is valid UTF-8 without NUL (fs__msg_utf8_ok). */
int fs__pk_str(pk_t *pk, const char *s, size_t max);
/* A key or name of our own tables, written as it is. */
int fs__pk_key(pk_t *pk, const char *k);
/* A record id; FS_EINVAL unless fs__id_valid. */
int fs__pk_id(pk_t *pk, const char *id);
/* A staff code, or "" with allow_empty; FS_EINVAL for anything else. */
int fs__pk_staff(pk_t *pk, const char *s, int allow_empty);
/* A uint within its range (msg.h); the decoder would refuse any other. */
int fs__pk_umax(pk_t *pk, uint64_t v, uint64_t max);
int fs__pk_bool(pk_t *pk, int v);
/* nil, an int, or a text of at most FS_MSG_TEXT_MAX bytes. */
int fs__pk_value(pk_t *pk, const fs_value *v);

/* ======================================================================
 * Record data (msg_change.c)
 * ====================================================================== */

/* [counter, kind, id, op, owner, author, hlc, [[name, hlc, value]...]] */
int fs__pk_change(pk_t *pk, const fs_change *c);
/* Decodes one change into *c (zeroed by the caller).  *unknown is set when
 * the kind or a field name is unknown here; *nwire (may be NULL) receives
 * the number of field writes on the wire (c->nfields leaves unknown ones
 * out).  On error *c may own memory: fs__change_release it. */
int fs__rd_change(rd *r, fs_change *c, int *unknown, uint32_t *nwire);
/* One row of a PULL_BATCH with the given columns (field indices of the
 * row's kind): [id, owner, author, deleted, hlc, seq, clocks, values...],
 * clocks a bin of 8 bytes (little-endian) per column. */
int fs__pk_row(pk_t *pk, const int *cols, int ncols, const fs_row *row);
/* Decodes one row of a batch with the given columns into *row, which
 * fs__row_init has prepared for the batch's kind.  A column < 0 is a field
 * unknown here: its value is read, dropped, and *unknown set. */
int fs__rd_row(rd *r, const int *cols, int ncols, fs_row *row, int *unknown);

/* ======================================================================
 * Body maps: one description per message type (msg_map.c)
 *
 * Every body (and every CONFLICTS item) is a map with string keys,
 * described by a table of fields: key, kind, bound and offset in the C
 * struct.  One encoder, one decoder and one release walk these tables, so
 * the schema of each message is written once (PROTOCOL.md sections 6-8).
 * Key order on the wire is table order.
 * ====================================================================== */

typedef enum fkind {
  F_UINT,  /* uint64_t, msgpack uint */
  F_BOOL,  /* int 0/1, msgpack bool */
  F_INT,   /* int (error codes), msgpack int in the range of C int */
  F_STR,   /* char * (heap), str of at most max bytes */
  F_STAFF, /* char[FS_STAFF_MAX + 1], a staff code or "" */
  F_ID,    /* char[FS_ID_HEX + 1], a record id */
  F_VALUE, /* fs_value: nil, int or text */
  F_LIST   /* anything else: read and written by ops */
} fkind;

/* An optional key: the decoder accepts its absence and the encoder leaves
 * it out when its member is empty (0, NULL or ""; for F_LIST, the int
 * count at off is 0). */
#define F_OPT 1u

typedef struct field field;

/* Codec of one F_LIST value.  body is the whole struct the table describes.
 * check runs before anything of the message is written (so its error wins
 * over any later one, as the bounds come first); enc writes the value
 * after its key; dec reads it, seen holding the keys read so far, this one
 * included; release frees what dec (or a caller) put in body.  Any of them
 * may be NULL when there is nothing to do. */
typedef struct list_ops {
  int (*check)(const field *f, const void *body);
  int (*enc)(pk_t *pk, const void *body);
  int (*dec)(rd *r, void *body, uint32_t seen);
  void (*release)(void *body);
  /* F_OPT lists only: whether the value goes on the wire (NULL: its int
   * count at off is not 0). */
  int (*present)(const void *body);
} list_ops;

struct field {
  const char *key;
  unsigned char kind;  /* fkind */
  unsigned char flags; /* F_OPT */
  uint64_t max;        /* F_STR: bytes; F_UINT: the largest value (msg.h);
                          F_LIST with fs__map_check_count: elements */
  size_t off;          /* the member; F_LIST: its count (fs__map_check_count) */
  const list_ops *ops; /* F_LIST only */
};

#define FIELD(type, member, key, kind, flags, max, ops)                                  \
  { key, kind, flags, max, offsetof(type, member), ops }

#define NFIELDS(t) ((int)(sizeof(t) / sizeof((t)[0])))

/* Ranges of F_UINT fields (msg.h, PROTOCOL.md 5.3): counters, cursors,
 * sequences, device ids, limits and clocks; wall times; archive slots. */
#define U_ANY FS_MSG_UINT_MAX
#define U_MS FS_MSG_MS_MAX
#define U_SLOT ((uint64_t)FS_ARCHIVE_SLOTS)

/* Runs the checks of every F_LIST field of the table: 0 or its error. */
int fs__map_check(const field *f, int nf, const void *body);
/* Writes the map of the present fields of body, in table order.  With
 * open_last the last present field's key is written but not its value: the
 * caller appends it (incremental encoders).  Does not run the checks. */
int fs__map_enc(pk_t *pk, const field *f, int nf, const void *body, int open_last);
/* Reads a map of at most FS_MSG_MAX_KEYS keys into body: known keys once
 * each, unknown ones skipped, and every key without F_OPT present. */
int fs__map_dec(rd *r, const field *f, int nf, void *body);
/* Frees what the fields of body own.  Takes members that are NULL. */
void fs__map_release(const field *f, int nf, void *body);
/* check of a list whose uint32_t count at f->off is bounded by f->max. */
int fs__map_check_count(const field *f, const void *body);

/* The body of one message type: its field table. */
typedef struct body_desc {
  const field *f;
  int n;
} body_desc;

#define BODY(t)                                                                          \
  { t, NFIELDS(t) }

/* The bodies, each defined with its messages.  WIPE and BYE share
 * fs__msg_reason_body, PING and PONG fs__msg_ping_body. */
/* msg_session.c */
extern const body_desc fs__msg_hello_body, fs__msg_welcome_body, fs__msg_error_body;
extern const body_desc fs__msg_reason_body, fs__msg_ping_body;
/* msg_push.c */
extern const body_desc fs__msg_push_body, fs__msg_push_result_body;
/* msg_pull.c */
extern const body_desc fs__msg_pull_body, fs__msg_pull_batch_body, fs__msg_evict_body;
extern const body_desc fs__msg_conflicts_body, fs__msg_notice_body;
extern const body_desc fs__msg_checkpoint_body, fs__msg_notify_body;
/* msg_admin.c */
extern const body_desc fs__msg_admin_body, fs__msg_admin_result_body;

/* ======================================================================
 * Encoding steps (msg.c)
 * ====================================================================== */

/* Ends an encoding step that started at out->len == mark of a message that
 * started at start: one over max bytes is FS_ETOOBIG, and on any error the
 * buffer goes back to mark.  Returns rc, or FS_ETOOBIG. */
int fs__msg_enc_end(fs_buf *out, size_t mark, size_t start, size_t max, int rc);

/* Incremental PUSH and PULL_BATCH: both write the message up to its last
 * key, then an array32 header whose count is patched by finish, then one
 * element per add. */

/* Starts an incremental message of type (body: its fields but the last
 * list) at out->len, at most max_bytes long (and FS_MSG_MAX_BYTES): sets
 * *start, *max and *count_at, where the count goes.  On error out is as on
 * entry and *eout NULL; else *eout is out. */
int fs__msg_incr_begin(fs_buf **eout, size_t *start, size_t *max, size_t *count_at,
                       fs_buf *out, size_t max_bytes, fs_msg_type type, const void *body);
/* Ends an incremental message holding n elements: FS_ESTATE unless out
 * (NULL after a failed begin) holds the count at count_at. */
int fs__msg_incr_finish(fs_buf *out, size_t count_at, uint32_t n);

#endif
