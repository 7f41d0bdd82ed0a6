/* msg_packer.c - the packer helpers of the message codec (contract:
 * msg_int.h; see msg.h and PROTOCOL.md section 5).
 *
 * Encoding uses msgpack-c's packer writing into a bounded fs_buf.  These
 * helpers add the checks of the reader (msg_reader.c) before a value is
 * written, so a peer never receives a value it must refuse.
 */
#include "msg_int.h"

#include <string.h>

#include "fs_errno.h"
#include "id.h"

static int pk_str_n(pk_t *pk, const char *s, size_t n, size_t max) {
  if (n > max)
    return FS_EOVERFLOW;
  if (!fs__msg_utf8_ok((const uint8_t *)s, n))
    return FS_EINVAL;
  return msgpack_pack_str_with_body(pk, s, n);
}

int fs__pk_str(pk_t *pk, const char *s, size_t max) {
  if (s == NULL)
    s = "";
  return pk_str_n(pk, s, strlen(s), max);
}

int fs__pk_key(pk_t *pk, const char *k) {
  return msgpack_pack_str_with_body(pk, k, strlen(k));
}

int fs__pk_id(pk_t *pk, const char *id) {
  if (!fs__id_valid(id))
    return FS_EINVAL;
  return msgpack_pack_str_with_body(pk, id, FS_ID_HEX);
}

int fs__pk_staff(pk_t *pk, const char *s, int allow_empty) {
  if (!fs__msg_staff_ok(s, allow_empty))
    return FS_EINVAL;
  return msgpack_pack_str_with_body(pk, s, strlen(s));
}

int fs__pk_umax(pk_t *pk, uint64_t v, uint64_t max) {
  if (v > max)
    return FS_EINVAL;
  return msgpack_pack_uint64(pk, v);
}

int fs__pk_bool(pk_t *pk, int v) {
  return v ? msgpack_pack_true(pk) : msgpack_pack_false(pk);
}

int fs__pk_value(pk_t *pk, const fs_value *v) {
  switch (v->type) {
  case FS_V_NULL:
    return msgpack_pack_nil(pk);
  case FS_V_INT:
    return msgpack_pack_int64(pk, v->i);
  case FS_V_TEXT:
    return pk_str_n(pk, v->s ? v->s : "", v->s ? v->len : 0, FS_MSG_TEXT_MAX);
  default:
    return FS_EINVAL;
  }
}
