/* msg_push.c - PUSH and PUSH_RESULT bodies, and the PUSH encoders of
 * msg.h: fs__push_encode and the incremental fs__push_begin / add / finish
 * (see msg_int.h and PROTOCOL.md sections 5.5.3 and 5.5.4).
 *
 * The changes themselves are written and read by msg_change.c.
 */
#include "msg.h"

#include <stdlib.h>

#include "fs_errno.h"
#include "msg_int.h"

/* ---- PUSH -------------------------------------------------------------- */

static int changes_check(const field *f, const void *body) {
  const fs_msg_push *m = body;
  int rc = fs__map_check_count(f, body);

  if (rc == 0 && m->n > 0 && m->changes == NULL)
    rc = FS_EINVAL;
  return rc;
}

static int changes_enc(pk_t *pk, const void *body) {
  const fs_msg_push *m = body;
  int rc = msgpack_pack_array(pk, m->n);

  for (uint32_t i = 0; rc == 0 && i < m->n; i++)
    rc = fs__pk_change(pk, &m->changes[i]);
  return rc;
}

static int changes_dec(rd *r, void *body, uint32_t seen) {
  fs_msg_push *m = body;
  uint32_t n;
  void *items;
  /* The smallest change: fixarray + 7 one-byte-ish items + a 34-byte id +
   * two 3-byte staff codes; 40 is a safe lower bound. */
  int rc = fs__rd_list(r, FS_MSG_MAX_CHANGES, 40, sizeof *m->changes, &items, &n);

  (void)seen;
  m->changes = items;
  if (rc || n == 0)
    return rc;
  m->rcs = calloc(n, sizeof *m->rcs);
  m->nwire = calloc(n, sizeof *m->nwire);
  if (m->rcs == NULL || m->nwire == NULL)
    return FS_ENOMEM;
  m->n = n; /* zeroed entries are safe to release */
  for (uint32_t i = 0; i < n; i++) {
    int unknown;
    rc = fs__rd_change(r, &m->changes[i], &unknown, &m->nwire[i]);
    if (rc)
      return rc;
    m->rcs[i] = unknown ? FS_EUNKNOWN_FIELD : 0;
  }
  return 0;
}

static void changes_release(void *body) {
  fs_msg_push *m = body;

  for (uint32_t i = 0; m->changes && i < m->n; i++)
    fs__change_release(&m->changes[i]);
  free(m->changes);
  free(m->rcs);
  free(m->nwire);
}

static const list_ops changes_ops = {changes_check, changes_enc, changes_dec,
                                     changes_release, NULL};

/* ---- PUSH bases (optional, PROTOCOL.md 5.5.3) ---------------------------
 * One entry per change, in order: nil when every base of the change is 0
 * (none sent), else one hlc per field write of the change, in its order. */

static int change_has_base(const fs_change *c) {
  for (int i = 0; i < c->nfields; i++)
    if (c->fields[i].base != 0)
      return 1;
  return 0;
}

/* The bases entry of one change. */
static int pk_change_bases(pk_t *pk, const fs_change *c) {
  int rc;

  if (!change_has_base(c))
    return msgpack_pack_nil(pk);
  rc = msgpack_pack_array(pk, (size_t)c->nfields);
  for (int i = 0; rc == 0 && i < c->nfields; i++)
    rc = fs__pk_umax(pk, c->fields[i].base, FS_MSG_UINT_MAX);
  return rc;
}

/* Sent only when some change has a base: without one a PUSH is exactly
 * what older clients send. */
static int bases_present(const void *body) {
  const fs_msg_push *m = body;

  for (uint32_t i = 0; m->changes && i < m->n; i++)
    if (change_has_base(&m->changes[i]))
      return 1;
  return 0;
}

static int bases_enc(pk_t *pk, const void *body) {
  const fs_msg_push *m = body;
  int rc = msgpack_pack_array(pk, m->n);

  for (uint32_t i = 0; rc == 0 && i < m->n; i++)
    rc = pk_change_bases(pk, &m->changes[i]);
  return rc;
}

#define PUSH_KEY_CHANGES 2 /* index in push_fields */

/* Reads the bases into the decoded changes: after "changes" (FS_EPROTO
 * before it), one entry per change, each nil or as many hlc as the change
 * has field writes on the wire (also for a change with an unknown kind or
 * field, whose bases are then dropped with it). */
static int bases_dec(rd *r, void *body, uint32_t seen) {
  fs_msg_push *m = body;
  uint32_t n, nf;
  int rc;

  if (!(seen & (1u << PUSH_KEY_CHANGES)))
    return FS_EPROTO;
  rc = fs__rd_array(r, &n, FS_MSG_MAX_CHANGES, 1);
  if (rc == 0 && n != m->n)
    rc = FS_EPROTO;
  for (uint32_t i = 0; rc == 0 && i < n; i++) {
    if (r->p < r->end && *r->p == 0xc0) {
      r->p++; /* nil: this change carries no base */
      continue;
    }
    rc = fs__rd_array(r, &nf, FS_MSG_MAX_FIELDS, 1);
    if (rc == 0 && nf != m->nwire[i])
      rc = FS_EPROTO;
    for (uint32_t j = 0; rc == 0 && j < nf; j++) {
      uint64_t b;
      rc = fs__rd_umax(r, &b, FS_MSG_UINT_MAX);
      if (rc == 0 && m->rcs[i] == 0 && (int)j < m->changes[i].nfields)
        m->changes[i].fields[j].base = b;
    }
  }
  return rc;
}

static const list_ops bases_ops = {NULL, bases_enc, bases_dec, NULL, bases_present};

/* "changes" is the last key the incremental encoder opens (it appends the
 * changes); it writes "bases" after them at finish. */
static const field push_fields[] = {
    FIELD(fs_msg_push, outbox, "outbox", F_UINT, 0, U_ANY, NULL),
    FIELD(fs_msg_push, oldest, "oldest", F_UINT, 0, U_MS, NULL),
    FIELD(fs_msg_push, n, "changes", F_LIST, 0, FS_MSG_MAX_CHANGES, &changes_ops),
    FIELD(fs_msg_push, n, "bases", F_LIST, F_OPT, FS_MSG_MAX_CHANGES, &bases_ops),
};
_Static_assert(PUSH_KEY_CHANGES == 2, "push_fields order");
const body_desc fs__msg_push_body = BODY(push_fields);

/* ---- PUSH_RESULT ------------------------------------------------------- */

static int results_enc(pk_t *pk, const void *body) {
  const fs_msg_push_result *m = body;
  int rc = msgpack_pack_array(pk, m->n);

  for (uint32_t i = 0; rc == 0 && i < m->n; i++) {
    const fs_push_result *x = &m->results[i];
    if (x->outcome < FS_OUTCOME_APPLIED || x->outcome > FS_OUTCOME_REJECTED)
      return FS_EINVAL;
    rc = msgpack_pack_array(pk, 4);
    if (rc == 0)
      rc = fs__pk_umax(pk, x->counter, FS_MSG_UINT_MAX);
    if (rc == 0)
      rc = msgpack_pack_uint32(pk, (uint32_t)x->outcome);
    if (rc == 0)
      rc = msgpack_pack_int(pk, x->code);
    if (rc == 0)
      rc = fs__pk_str(pk, x->reason, FS_MSG_STR_MAX);
  }
  return rc;
}

static int results_dec(rd *r, void *body, uint32_t seen) {
  fs_msg_push_result *m = body;
  void *items;
  int rc = fs__rd_list(r, FS_MSG_MAX_ITEMS, 5, sizeof *m->results, &items, &m->n);

  (void)seen;
  m->results = items;
  for (uint32_t i = 0; rc == 0 && i < m->n; i++) {
    fs_push_result *x = &m->results[i];
    uint64_t outcome;
    rc = fs__rd_tuple(r, 4);
    if (rc == 0)
      rc = fs__rd_umax(r, &x->counter, FS_MSG_UINT_MAX);
    if (rc == 0)
      rc = fs__rd_uint(r, &outcome);
    if (rc == 0 && (outcome < FS_OUTCOME_APPLIED || outcome > FS_OUTCOME_REJECTED))
      rc = FS_EPROTO;
    if (rc == 0) {
      x->outcome = (int)outcome;
      rc = fs__rd_cint(r, &x->code);
    }
    if (rc == 0)
      rc = fs__rd_strdup(r, FS_MSG_STR_MAX, &x->reason);
  }
  return rc;
}

static void results_release(void *body) {
  fs_msg_push_result *m = body;

  for (uint32_t i = 0; m->results && i < m->n; i++)
    free(m->results[i].reason);
  free(m->results);
}

static const list_ops results_ops = {fs__map_check_count, results_enc, results_dec,
                                     results_release, NULL};

static const field push_result_fields[] = {
    FIELD(fs_msg_push_result, n, "results", F_LIST, 0, FS_MSG_MAX_ITEMS, &results_ops),
};
const body_desc fs__msg_push_result_body = BODY(push_result_fields);

/* ======================================================================
 * Encoders
 * ====================================================================== */

int fs__push_encode(const fs_change *changes, size_t n, uint64_t outbox, uint64_t oldest,
                    fs_buf *out) {
  fs_msg m;

  if (out == NULL)
    return FS_EINVAL;
  if (n > FS_MSG_MAX_CHANGES)
    return FS_EOVERFLOW;
  fs__msg_init(&m, FS_MSG_PUSH);
  m.u.push.changes = (fs_change *)(uintptr_t)changes; /* only read */
  m.u.push.n = (uint32_t)n;
  m.u.push.outbox = outbox;
  m.u.push.oldest = oldest;
  return fs__msg_encode(&m, out);
}

/* What finish adds before the bases entries: the key (fixstr "bases", 6
 * bytes) and an array header (at most 5 bytes). */
#define PUSH_BASES_HEAD 11u

int fs__push_begin(fs_push_enc *e, fs_buf *out, uint64_t outbox, uint64_t oldest,
                   size_t max_bytes) {
  fs_msg_push head = {0};
  int rc;

  if (e == NULL)
    return FS_EINVAL;
  e->out = NULL; /* unusable until begin succeeds */
  fs__buf_init(&e->bases, FS_MSG_MAX_BYTES);
  e->any_base = 0;
  if (out == NULL)
    return FS_EINVAL;
  e->n = 0;
  head.outbox = outbox;
  head.oldest = oldest;
  rc = fs__msg_incr_begin(&e->out, &e->start, &e->max, &e->count_at, out, max_bytes,
                          FS_MSG_PUSH, &head);
  /* [version, type, {...}]: fixarray and two fixints, then the body map,
   * a fixmap of the 3 keys without "bases" (finish may make it 4). */
  e->map_at = e->start + 3;
  if (rc == 0 && out->data[e->map_at] != 0x83) {
    fs__buf_truncate(out, e->start);
    e->out = NULL;
    rc = FS_EINTERNAL;
  }
  return rc;
}

int fs__push_add(fs_push_enc *e, const fs_change *c) {
  msgpack_packer pk, bk;
  size_t mark, bmark;
  int rc;

  if (e->out == NULL || c == NULL)
    return FS_ESTATE;
  if (e->n >= FS_MSG_MAX_CHANGES)
    return FS_ETOOBIG;
  mark = e->out->len;
  bmark = e->bases.len;
  msgpack_packer_init(&pk, e->out, fs__buf_msgpack_write);
  msgpack_packer_init(&bk, &e->bases, fs__buf_msgpack_write);
  rc = fs__pk_change(&pk, c);
  if (rc == 0)
    rc = pk_change_bases(&bk, c);
  /* The bases finish may append count now, so the message never outgrows
   * max whatever the later changes carry. */
  if (rc == 0 && e->out->len - e->start + PUSH_BASES_HEAD + e->bases.len > e->max)
    rc = FS_ETOOBIG;
  if (rc) {
    fs__buf_truncate(e->out, mark);
    fs__buf_truncate(&e->bases, bmark);
    return rc;
  }
  e->any_base |= change_has_base(c);
  e->n++;
  return 0;
}

int fs__push_finish(fs_push_enc *e) {
  msgpack_packer pk;
  int rc;

  if (e == NULL)
    return FS_ESTATE;
  rc = fs__msg_incr_finish(e->out, e->count_at, e->n);
  if (rc == 0 && e->any_base) {
    size_t mark = e->out->len;
    msgpack_packer_init(&pk, e->out, fs__buf_msgpack_write);
    rc = fs__pk_key(&pk, "bases");
    if (rc == 0)
      rc = msgpack_pack_array(&pk, e->n);
    if (rc == 0)
      rc = fs__buf_append(e->out, e->bases.data, e->bases.len);
    if (rc == 0)
      e->out->data[e->map_at] = 0x84;
    else
      fs__buf_truncate(e->out, mark);
  }
  fs__buf_release(&e->bases);
  return rc;
}
