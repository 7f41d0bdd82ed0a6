/* msg.c - msgpack message codec (see msg.h and PROTOCOL.md sections 5-8):
 * the type table, the envelope [version, type, body], encode and decode
 * dispatch, the frame of the incremental encoders, init and release.
 *
 * Encoding uses msgpack-c's packer writing into a bounded fs_buf; decoding
 * uses the strict bounded reader of msg_reader.c (why not msgpack_unpack:
 * see there).  Each body is a field table kept with its messages and
 * walked by msg_map.c; msg_int.h maps the files.
 */
#include "msg.h"

#include <msgpack.h>
#include <stdint.h>
#include <string.h>

#include "frame.h"
#include "fs_errno.h"
#include "msg_int.h"

_Static_assert(FS_MSG_MAX_BYTES + 16u <= FS_FRAME_MAX_DEFAULT,
               "a message plus its AEAD tag must fit one frame");

static const char *const type_names[FS_MSG_TYPE_MAX + 1] = {
    NULL,         "HELLO",  "WELCOME", "PUSH", "PUSH_RESULT", "PULL",  "PULL_BATCH",
    "CHECKPOINT", "NOTIFY", "EVICT",   "WIPE", "ERROR",       "ADMIN", "ADMIN_RESULT",
    "CONFLICTS",  "NOTICE", "PING",    "PONG", "BYE"};

const char *fs__msg_type_name(int type) {
  if (type < 1 || type > FS_MSG_TYPE_MAX)
    return "UNKNOWN";
  return type_names[type];
}

/* ======================================================================
 * Bodies
 * ====================================================================== */

/* Every body struct is a member of the union fs_msg.u, so &m->u is it. */
static const body_desc *const bodies[FS_MSG_TYPE_MAX + 1] = {
    [FS_MSG_HELLO] = &fs__msg_hello_body,
    [FS_MSG_WELCOME] = &fs__msg_welcome_body,
    [FS_MSG_PUSH] = &fs__msg_push_body,
    [FS_MSG_PUSH_RESULT] = &fs__msg_push_result_body,
    [FS_MSG_PULL] = &fs__msg_pull_body,
    [FS_MSG_PULL_BATCH] = &fs__msg_pull_batch_body,
    [FS_MSG_CHECKPOINT] = &fs__msg_checkpoint_body,
    [FS_MSG_NOTIFY] = &fs__msg_notify_body,
    [FS_MSG_EVICT] = &fs__msg_evict_body,
    [FS_MSG_WIPE] = &fs__msg_reason_body,
    [FS_MSG_ERROR] = &fs__msg_error_body,
    [FS_MSG_ADMIN] = &fs__msg_admin_body,
    [FS_MSG_ADMIN_RESULT] = &fs__msg_admin_result_body,
    [FS_MSG_CONFLICTS] = &fs__msg_conflicts_body,
    [FS_MSG_NOTICE] = &fs__msg_notice_body,
    [FS_MSG_PING] = &fs__msg_ping_body,
    [FS_MSG_PONG] = &fs__msg_ping_body,
    [FS_MSG_BYE] = &fs__msg_reason_body,
};

/* The body of a valid type, NULL for any other. */
static const body_desc *body_of(int type) {
  if (type < 1 || type > FS_MSG_TYPE_MAX)
    return NULL;
  return bodies[type];
}

/* ======================================================================
 * Encoding entry points
 * ====================================================================== */

/* Checks body, then writes the envelope [version, type, body map]. */
static int enc_msg(pk_t *pk, fs_msg_type type, const field *f, int nf, const void *body,
                   int open_last) {
  int rc = fs__map_check(f, nf, body);

  if (rc == 0)
    rc = msgpack_pack_array(pk, 3);
  if (rc == 0)
    rc = msgpack_pack_uint32(pk, FS_MSG_VERSION);
  if (rc == 0)
    rc = msgpack_pack_uint32(pk, (uint32_t)type);
  if (rc == 0)
    rc = fs__map_enc(pk, f, nf, body, open_last);
  return rc;
}

int fs__msg_enc_end(fs_buf *out, size_t mark, size_t start, size_t max, int rc) {
  if (rc == 0 && out->len - start > max)
    rc = FS_ETOOBIG;
  if (rc)
    fs__buf_truncate(out, mark);
  return rc;
}

static int enc_pull_batch(fs_buf *out, const fs_msg_pull_batch *m) {
  fs_batch_enc e;
  int rc;

  if (m->nrows > FS_MSG_MAX_ROWS)
    return FS_EOVERFLOW;
  if (m->nrows > 0 && m->rows == NULL)
    return FS_EINVAL;
  rc = fs__batch_begin(&e, out, m->kind, m->cols, m->ncols, FS_MSG_MAX_BYTES);
  for (uint32_t i = 0; rc == 0 && i < m->nrows; i++)
    rc = fs__batch_add_row(&e, &m->rows[i]);
  if (rc == 0)
    rc = fs__batch_finish(&e);
  return rc;
}

int fs__msg_encode(const fs_msg *m, fs_buf *out) {
  msgpack_packer pk;
  const body_desc *bd;
  size_t start;
  int rc;

  if (m == NULL || out == NULL)
    return FS_EINVAL;
  bd = body_of(m->type);
  if (bd == NULL)
    return FS_EINVAL;
  start = out->len;
  msgpack_packer_init(&pk, out, fs__buf_msgpack_write);
  if (m->type == FS_MSG_PULL_BATCH)
    rc = enc_pull_batch(out, &m->u.pull_batch);
  else
    rc = enc_msg(&pk, m->type, bd->f, bd->n, &m->u, 0);
  return fs__msg_enc_end(out, start, start, FS_MSG_MAX_BYTES, rc);
}

/* ---- incremental PUSH and PULL_BATCH -----------------------------------
 * Both write the message up to its last key, then an array32 header whose
 * count is patched by finish, then one element per add. */

int fs__msg_incr_begin(fs_buf **eout, size_t *start, size_t *max, size_t *count_at,
                       fs_buf *out, size_t max_bytes, fs_msg_type type,
                       const void *body) {
  const body_desc *bd = body_of(type);
  static const uint8_t hdr[5] = {0xdd, 0, 0, 0, 0};
  msgpack_packer pk;
  int rc;

  *start = out->len;
  *max = max_bytes < FS_MSG_MAX_BYTES ? max_bytes : FS_MSG_MAX_BYTES;
  msgpack_packer_init(&pk, out, fs__buf_msgpack_write);
  rc = enc_msg(&pk, type, bd->f, bd->n, body, 1);
  if (rc == 0)
    rc = fs__buf_append(out, hdr, sizeof hdr);
  if (rc == 0)
    *count_at = out->len - 4;
  rc = fs__msg_enc_end(out, *start, *start, *max, rc);
  *eout = rc ? NULL : out;
  return rc;
}

int fs__msg_incr_finish(fs_buf *out, size_t count_at, uint32_t n) {
  /* Only after a successful begin (which leaves out NULL on failure). */
  if (out == NULL || count_at + 4 > out->len)
    return FS_ESTATE;
  out->data[count_at] = (uint8_t)(n >> 24);
  out->data[count_at + 1] = (uint8_t)(n >> 16);
  out->data[count_at + 2] = (uint8_t)(n >> 8);
  out->data[count_at + 3] = (uint8_t)n;
  return 0;
}

/* ======================================================================
 * Decoding entry points
 * ====================================================================== */

/* Reads the envelope's array header and its first element, the version
 * (frozen forever: PROTOCOL.md section 8). */
static int rd_version(rd *r, uint32_t *cnt, uint64_t *version) {
  int rc = fs__rd_array(r, cnt, UINT32_MAX, 1);
  if (rc == 0 && *cnt < 1)
    rc = FS_EPROTO;
  if (rc == 0)
    rc = fs__rd_uint(r, version);
  return rc;
}

int fs__msg_peek_version(const uint8_t *p, size_t n, uint64_t *version) {
  rd r;
  uint32_t cnt;
  int rc;

  if (version == NULL || (p == NULL && n > 0))
    return FS_EINVAL;
  rc = fs__rd_open(&r, p, n);
  if (rc == 0)
    rc = rd_version(&r, &cnt, version);
  return rc;
}

int fs__msg_decode(const uint8_t *p, size_t n, fs_msg *out) {
  rd r;
  uint32_t cnt;
  uint64_t version, type;
  const body_desc *bd;
  int rc;

  if (out == NULL || (p == NULL && n > 0))
    return FS_EINVAL;
  memset(out, 0, sizeof *out);
  rc = fs__rd_open(&r, p, n);
  if (rc)
    return rc;
  /* The version is read before anything else is judged, so a peer of
   * another version gets FS_EVERSION even if the rest differs. */
  rc = rd_version(&r, &cnt, &version);
  if (rc == 0 && version != FS_MSG_VERSION)
    rc = FS_EVERSION;
  if (rc == 0 && cnt != 3)
    rc = FS_EPROTO;
  if (rc == 0)
    rc = fs__rd_uint(&r, &type);
  bd = rc == 0 && type <= FS_MSG_TYPE_MAX ? body_of((int)type) : NULL;
  if (rc == 0 && bd == NULL)
    rc = FS_EPROTO;
  if (rc)
    goto out;
  out->type = (fs_msg_type)type;
  rc = fs__map_dec(&r, bd->f, bd->n, &out->u);
  if (rc == 0 && r.p != r.end)
    rc = FS_EPROTO; /* trailing bytes */
out:
  if (rc)
    fs__msg_release(out);
  return rc;
}

/* ======================================================================
 * Lifecycle
 * ====================================================================== */

void fs__msg_init(fs_msg *m, fs_msg_type type) {
  memset(m, 0, sizeof *m);
  m->type = type;
}

void fs__msg_release(fs_msg *m) {
  const body_desc *bd;

  if (m == NULL)
    return;
  bd = body_of(m->type);
  if (bd)
    fs__map_release(bd->f, bd->n, &m->u);
  memset(m, 0, sizeof *m);
}
