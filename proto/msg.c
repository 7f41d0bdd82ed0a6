/* msg.c - msgpack message codec (see msg.h and PROTOCOL.md sections 5-8).
 *
 * Encoding uses msgpack-c's packer writing into a bounded fs_buf.  Decoding
 * uses the small strict reader below rather than msgpack_unpack: the
 * unpacker allocates storage for a container as soon as it reads the count,
 * so 5 hostile bytes could ask for gigabytes.  The reader checks every count
 * against the protocol limit and against the bytes actually left before any
 * allocation, and decodes straight into fs_change / fs_row without an
 * intermediate object tree.
 */
#include "msg.h"

#include <limits.h>
#include <msgpack.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "fs_errno.h"
#include "id.h"

_Static_assert(FS_MSG_MAX_BYTES + 16u <= FS_FRAME_MAX_DEFAULT,
               "a message plus its AEAD tag must fit one frame");

static const char *const type_names[FS_MSG_TYPE_MAX + 1] = {
    NULL,         "HELLO",  "WELCOME", "PUSH",   "PUSH_RESULT",  "PULL",
    "PULL_BATCH", "CHECKPOINT", "NOTIFY", "EVICT", "WIPE", "ERROR", "ADMIN",
    "ADMIN_RESULT", "CONFLICTS", "NOTICE", "PING", "PONG", "BYE"};

const char *fs__msg_type_name(int type) {
  if (type < 1 || type > FS_MSG_TYPE_MAX)
    return "UNKNOWN";
  return type_names[type];
}

/* ======================================================================
 * Shared validation
 * ====================================================================== */

/* Strict UTF-8 (no overlongs, surrogates or code points past U+10FFFF) and
 * no NUL: strings become C strings, and an embedded NUL would let two
 * peers disagree about a value. */
static int utf8_ok(const uint8_t *s, size_t n) {
  size_t i = 0;

  while (i < n) {
    uint8_t c = s[i];
    uint32_t cp, min;
    size_t k;

    if (c == 0)
      return 0;
    if (c < 0x80) {
      i++;
      continue;
    }
    if ((c & 0xe0) == 0xc0) {
      k = 1, cp = c & 0x1f, min = 0x80;
    } else if ((c & 0xf0) == 0xe0) {
      k = 2, cp = c & 0x0f, min = 0x800;
    } else if ((c & 0xf8) == 0xf0) {
      k = 3, cp = c & 0x07, min = 0x10000;
    } else {
      return 0;
    }
    if (n - i - 1 < k)
      return 0;
    for (size_t j = 1; j <= k; j++) {
      uint8_t b = s[i + j];
      if ((b & 0xc0) != 0x80)
        return 0;
      cp = (cp << 6) | (b & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
      return 0;
    i += k + 1;
  }
  return 1;
}

static int staff_ok(const char *s, int allow_empty) {
  if (s[0] == '\0')
    return allow_empty;
  return fs__staff_code_valid(s);
}

/* ======================================================================
 * Strict reader
 * ====================================================================== */

typedef struct rd {
  const uint8_t *p;
  const uint8_t *end;
} rd;

static size_t rd_left(const rd *r) { return (size_t)(r->end - r->p); }

/* Reads an n-byte big-endian number (n <= 8). */
static int rd_be(rd *r, size_t n, uint64_t *v) {
  uint64_t x = 0;

  if (rd_left(r) < n)
    return FS_ETRUNC;
  for (size_t i = 0; i < n; i++)
    x = (x << 8) | r->p[i];
  r->p += n;
  *v = x;
  return 0;
}

static int rd_byte(rd *r, uint8_t *b) {
  if (r->p >= r->end)
    return FS_ETRUNC;
  *b = *r->p++;
  return 0;
}

/* Any msgpack integer; *neg tells whether it was a negative encoding. */
static int rd_intraw(rd *r, uint64_t *u, int *neg) {
  uint8_t b;
  uint64_t x;
  int rc;

  rc = rd_byte(r, &b);
  if (rc)
    return rc;
  *neg = 0;
  if (b <= 0x7f) {
    *u = b;
    return 0;
  }
  if (b >= 0xe0) {
    *neg = 1;
    *u = (uint64_t)(int64_t)(int8_t)b;
    return 0;
  }
  switch (b) {
  case 0xcc: case 0xcd: case 0xce: case 0xcf:
    return rd_be(r, (size_t)1 << (b - 0xcc), u);
  case 0xd0: case 0xd1: case 0xd2: case 0xd3: {
    size_t n = (size_t)1 << (b - 0xd0);
    rc = rd_be(r, n, &x);
    if (rc)
      return rc;
    /* Sign-extend from n bytes. */
    if (n < 8 && (x >> (8 * n - 1)) & 1)
      x |= ~(uint64_t)0 << (8 * n);
    *neg = (int64_t)x < 0;
    *u = x;
    return 0;
  }
  default:
    return FS_EPROTO;
  }
}

static int rd_uint(rd *r, uint64_t *v) {
  int neg, rc = rd_intraw(r, v, &neg);

  if (rc == 0 && neg)
    rc = FS_EPROTO;
  return rc;
}

static int rd_int(rd *r, int64_t *v) {
  uint64_t u;
  int neg, rc = rd_intraw(r, &u, &neg);

  if (rc)
    return rc;
  if (!neg && u > (uint64_t)INT64_MAX)
    return FS_EPROTO;
  *v = (int64_t)u;
  return 0;
}

/* An int within the range of C int (error codes). */
static int rd_cint(rd *r, int *v) {
  int64_t x;
  int rc = rd_int(r, &x);

  if (rc)
    return rc;
  if (x < INT_MIN || x > INT_MAX)
    return FS_EPROTO;
  *v = (int)x;
  return 0;
}

static int rd_bool(rd *r, int *v) {
  uint8_t b;
  int rc = rd_byte(r, &b);

  if (rc)
    return rc;
  if (b != 0xc2 && b != 0xc3)
    return FS_EPROTO;
  *v = b == 0xc3;
  return 0;
}

/* A str of at most max bytes, valid UTF-8 without NUL; points into input. */
static int rd_str(rd *r, size_t max, const uint8_t **s, size_t *len) {
  uint8_t b;
  uint64_t n;
  int rc = rd_byte(r, &b);

  if (rc)
    return rc;
  if (b >= 0xa0 && b <= 0xbf)
    n = b & 0x1f;
  else if (b >= 0xd9 && b <= 0xdb)
    rc = rd_be(r, (size_t)1 << (b - 0xd9), &n);
  else
    return FS_EPROTO;
  if (rc)
    return rc;
  if (n > max)
    return FS_EOVERFLOW;
  if (n > rd_left(r))
    return FS_ETRUNC;
  if (!utf8_ok(r->p, (size_t)n))
    return FS_EPROTO;
  *s = r->p;
  *len = (size_t)n;
  r->p += n;
  return 0;
}

static int rd_strdup(rd *r, size_t max, char **out) {
  const uint8_t *s;
  size_t n;
  char *p;
  int rc = rd_str(r, max, &s, &n);

  if (rc)
    return rc;
  p = malloc(n + 1);
  if (p == NULL)
    return FS_ENOMEM;
  memcpy(p, s, n);
  p[n] = '\0';
  free(*out); /* NULL except after a caller bug; keeps release exact */
  *out = p;
  return 0;
}

/* A str copied into a fixed array of cap bytes (including the NUL). */
static int rd_strcpy(rd *r, char *dst, size_t cap) {
  const uint8_t *s;
  size_t n;
  int rc = rd_str(r, cap - 1, &s, &n);

  if (rc)
    return rc;
  memcpy(dst, s, n);
  dst[n] = '\0';
  return 0;
}

static int rd_id(rd *r, char id[FS_ID_HEX + 1]) {
  int rc = rd_strcpy(r, id, FS_ID_HEX + 1);

  if (rc == FS_EOVERFLOW || (rc == 0 && !fs__id_valid(id)))
    rc = FS_EPROTO;
  return rc;
}

static int rd_staff(rd *r, char out[FS_STAFF_MAX + 1], int allow_empty) {
  int rc = rd_strcpy(r, out, FS_STAFF_MAX + 1);

  if (rc == FS_EOVERFLOW || (rc == 0 && !staff_ok(out, allow_empty)))
    rc = FS_EPROTO;
  return rc;
}

static int rd_bin(rd *r, size_t max, const uint8_t **p, size_t *len) {
  uint8_t b;
  uint64_t n;
  int rc = rd_byte(r, &b);

  if (rc)
    return rc;
  if (b < 0xc4 || b > 0xc6)
    return FS_EPROTO;
  rc = rd_be(r, (size_t)1 << (b - 0xc4), &n);
  if (rc)
    return rc;
  if (n > max)
    return FS_EOVERFLOW;
  if (n > rd_left(r))
    return FS_ETRUNC;
  *p = r->p;
  *len = (size_t)n;
  r->p += n;
  return 0;
}

/* An array header of at most max elements; each element needs at least
 * min_elem bytes, so a count the input cannot hold is refused before the
 * caller allocates for it. */
static int rd_array(rd *r, uint32_t *n, uint32_t max, size_t min_elem) {
  uint8_t b;
  uint64_t x;
  int rc = rd_byte(r, &b);

  if (rc)
    return rc;
  if (b >= 0x90 && b <= 0x9f)
    x = b & 0x0f;
  else if (b == 0xdc || b == 0xdd)
    rc = rd_be(r, b == 0xdc ? 2 : 4, &x);
  else
    return FS_EPROTO;
  if (rc)
    return rc;
  if (x > max)
    return FS_EOVERFLOW;
  if (x * min_elem > rd_left(r))
    return FS_ETRUNC;
  *n = (uint32_t)x;
  return 0;
}

/* An array that must have exactly n elements (positional records). */
static int rd_tuple(rd *r, uint32_t n) {
  uint32_t got;
  int rc = rd_array(r, &got, UINT32_MAX, 1);

  if (rc == 0 && got != n)
    rc = FS_EPROTO;
  return rc;
}

static int rd_map(rd *r, uint32_t *n, uint32_t max) {
  uint8_t b;
  uint64_t x;
  int rc = rd_byte(r, &b);

  if (rc)
    return rc;
  if (b >= 0x80 && b <= 0x8f)
    x = b & 0x0f;
  else if (b == 0xde || b == 0xdf)
    rc = rd_be(r, b == 0xde ? 2 : 4, &x);
  else
    return FS_EPROTO;
  if (rc)
    return rc;
  if (x > max)
    return FS_EOVERFLOW;
  if (x * 2 > rd_left(r))
    return FS_ETRUNC;
  *n = (uint32_t)x;
  return 0;
}

static int rd_advance(rd *r, uint64_t n) {
  if (n > rd_left(r))
    return FS_ETRUNC;
  r->p += n;
  return 0;
}

/* Skips one value of any type (an unknown key's value).  Nesting is bounded
 * by FS_MSG_MAX_DEPTH; element counts are bounded by the bytes left. */
static int rd_skip(rd *r, int depth) {
  uint8_t b;
  uint64_t n = 0;
  int rc;

  if (depth > FS_MSG_MAX_DEPTH)
    return FS_EOVERFLOW;
  rc = rd_byte(r, &b);
  if (rc)
    return rc;
  if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3)
    return 0;
  if (b >= 0xa0 && b <= 0xbf)
    return rd_advance(r, b & 0x1f);
  if (b >= 0x80 && b <= 0x9f) {
    n = b & 0x0f;
    if (b <= 0x8f)
      n *= 2;
    goto elems;
  }
  switch (b) {
  case 0xc4: case 0xc5: case 0xc6: /* bin */
    rc = rd_be(r, (size_t)1 << (b - 0xc4), &n);
    return rc ? rc : rd_advance(r, n);
  case 0xc7: case 0xc8: case 0xc9: /* ext: length, type byte, data */
    rc = rd_be(r, (size_t)1 << (b - 0xc7), &n);
    return rc ? rc : rd_advance(r, n + 1);
  case 0xca:
    return rd_advance(r, 4);
  case 0xcb:
    return rd_advance(r, 8);
  case 0xcc: case 0xcd: case 0xce: case 0xcf:
    return rd_advance(r, (uint64_t)1 << (b - 0xcc));
  case 0xd0: case 0xd1: case 0xd2: case 0xd3:
    return rd_advance(r, (uint64_t)1 << (b - 0xd0));
  case 0xd4: case 0xd5: case 0xd6: case 0xd7: case 0xd8: /* fixext */
    return rd_advance(r, ((uint64_t)1 << (b - 0xd4)) + 1);
  case 0xd9: case 0xda: case 0xdb: /* str */
    rc = rd_be(r, (size_t)1 << (b - 0xd9), &n);
    return rc ? rc : rd_advance(r, n);
  case 0xdc: case 0xdd:
    rc = rd_be(r, b == 0xdc ? 2 : 4, &n);
    if (rc)
      return rc;
    goto elems;
  case 0xde: case 0xdf:
    rc = rd_be(r, b == 0xde ? 2 : 4, &n);
    if (rc)
      return rc;
    n *= 2;
    goto elems;
  default: /* 0xc1 is never used */
    return FS_EPROTO;
  }
elems:
  if (n > rd_left(r))
    return FS_ETRUNC;
  for (uint64_t i = 0; i < n; i++) {
    rc = rd_skip(r, depth + 1);
    if (rc)
      return rc;
  }
  return 0;
}

/* Reads one body-map key.  Known keys (index into the NULL-terminated
 * keys[], at most 32) set *idx and are refused if repeated; an unknown key
 * has its value skipped and sets *idx = -1. */
static int rd_key(rd *r, const char *const *keys, uint32_t *seen, int *idx) {
  const uint8_t *s;
  size_t n;
  int rc = rd_str(r, FS_MSG_NAME_MAX, &s, &n);

  if (rc)
    return rc;
  for (int i = 0; keys[i]; i++) {
    if (strlen(keys[i]) == n && memcmp(keys[i], s, n) == 0) {
      if (*seen & (1u << i))
        return FS_EPROTO;
      *seen |= 1u << i;
      *idx = i;
      return 0;
    }
  }
  *idx = -1;
  return rd_skip(r, 1);
}

/* All keys of keys[] are required except those in optional_mask. */
static int keys_complete(const char *const *keys, uint32_t seen,
                         uint32_t optional_mask) {
  uint32_t all = 0;

  for (int i = 0; keys[i]; i++)
    all |= 1u << i;
  return ((seen | optional_mask) & all) == all ? 0 : FS_EPROTO;
}

static int rd_value(rd *r, fs_value *v) {
  uint8_t b;
  int64_t i;
  const uint8_t *s;
  size_t n;
  int rc;

  if (r->p >= r->end)
    return FS_ETRUNC;
  b = *r->p;
  if (b == 0xc0) {
    r->p++;
    fs__value_free(v);
    return 0;
  }
  if ((b >= 0xa0 && b <= 0xbf) || (b >= 0xd9 && b <= 0xdb)) {
    rc = rd_str(r, FS_MSG_TEXT_MAX, &s, &n);
    return rc ? rc : fs__value_set_text(v, (const char *)s, n);
  }
  rc = rd_int(r, &i);
  if (rc)
    return rc;
  fs__value_set_int(v, i);
  return 0;
}

/* ======================================================================
 * Packer helpers
 * ====================================================================== */

typedef msgpack_packer pk_t;

static int pk_str_n(pk_t *pk, const char *s, size_t n, size_t max) {
  if (n > max)
    return FS_EOVERFLOW;
  if (!utf8_ok((const uint8_t *)s, n))
    return FS_EINVAL;
  return msgpack_pack_str_with_body(pk, s, n);
}

static int pk_str(pk_t *pk, const char *s, size_t max) {
  if (s == NULL)
    s = "";
  return pk_str_n(pk, s, strlen(s), max);
}

static int pk_key(pk_t *pk, const char *k) {
  return msgpack_pack_str_with_body(pk, k, strlen(k));
}

static int pk_id(pk_t *pk, const char *id) {
  if (!fs__id_valid(id))
    return FS_EINVAL;
  return msgpack_pack_str_with_body(pk, id, FS_ID_HEX);
}

static int pk_staff(pk_t *pk, const char *s, int allow_empty) {
  if (!staff_ok(s, allow_empty))
    return FS_EINVAL;
  return msgpack_pack_str_with_body(pk, s, strlen(s));
}

static int pk_bool(pk_t *pk, int v) {
  return v ? msgpack_pack_true(pk) : msgpack_pack_false(pk);
}

static int pk_value(pk_t *pk, const fs_value *v) {
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

/* Writes the envelope [version, type, {map of nkeys...}]. */
static int pk_envelope(pk_t *pk, fs_msg_type type, size_t nkeys) {
  int rc = msgpack_pack_array(pk, 3);

  if (rc == 0)
    rc = msgpack_pack_uint32(pk, FS_MSG_VERSION);
  if (rc == 0)
    rc = msgpack_pack_uint32(pk, (uint32_t)type);
  if (rc == 0)
    rc = msgpack_pack_map(pk, nkeys);
  return rc;
}

/* Writes an array32 header with count 0 and returns the offset of the
 * count, patched later by patch_count (counts unknown up front). */
static int pk_array32_placeholder(fs_buf *b, size_t *at) {
  static const uint8_t hdr[5] = {0xdd, 0, 0, 0, 0};
  int rc = fs__buf_append(b, hdr, sizeof hdr);

  if (rc == 0)
    *at = b->len - 4;
  return rc;
}

static void patch_count(fs_buf *b, size_t at, uint32_t n) {
  b->data[at] = (uint8_t)(n >> 24);
  b->data[at + 1] = (uint8_t)(n >> 16);
  b->data[at + 2] = (uint8_t)(n >> 8);
  b->data[at + 3] = (uint8_t)n;
}

/* ======================================================================
 * Changes (PUSH and the outbox payload)
 * ====================================================================== */

/* [counter, kind, id, op, owner, author, hlc, [[name, hlc, value]...]] */
static int pk_change(pk_t *pk, const fs_change *c) {
  const fs_kind_def *kd = fs__kind_def(c->kind);
  unsigned char seen[FS_MSG_MAX_FIELDS] = {0};
  int rc;

  if (kd == NULL || (c->op != FS_OP_UPSERT && c->op != FS_OP_DELETE) ||
      c->nfields < 0 || (c->nfields > 0 && c->fields == NULL))
    return FS_EINVAL;
  if (c->nfields > FS_MSG_MAX_FIELDS)
    return FS_EOVERFLOW;
  rc = msgpack_pack_array(pk, 8);
  if (rc == 0)
    rc = msgpack_pack_uint64(pk, c->counter);
  if (rc == 0)
    rc = pk_key(pk, kd->name);
  if (rc == 0)
    rc = pk_id(pk, c->id);
  if (rc == 0)
    rc = msgpack_pack_uint32(pk, (uint32_t)c->op);
  if (rc == 0)
    rc = pk_staff(pk, c->owner, 0);
  if (rc == 0)
    rc = pk_staff(pk, c->author, 0);
  if (rc == 0)
    rc = msgpack_pack_uint64(pk, c->hlc);
  if (rc == 0)
    rc = msgpack_pack_array(pk, (size_t)c->nfields);
  for (int i = 0; rc == 0 && i < c->nfields; i++) {
    const fs_field_change *f = &c->fields[i];
    /* The decoder refuses unknown and repeated fields; so do we. */
    if (f->field < 0 || f->field >= kd->nfields ||
        f->field >= FS_MSG_MAX_FIELDS || seen[f->field])
      return FS_EINVAL;
    seen[f->field] = 1;
    rc = msgpack_pack_array(pk, 3);
    if (rc == 0)
      rc = pk_key(pk, kd->fields[f->field].name);
    if (rc == 0)
      rc = msgpack_pack_uint64(pk, f->hlc);
    if (rc == 0)
      rc = pk_value(pk, &f->value);
  }
  return rc;
}

/* Decodes one change into *c (zeroed by the caller).  *unknown is set when
 * the kind or a field name is unknown here. */
static int rd_change(rd *r, fs_change *c, int *unknown) {
  const fs_kind_def *kd;
  const uint8_t *s;
  size_t n;
  char name[FS_MSG_NAME_MAX + 1];
  uint64_t op;
  uint32_t nf;
  unsigned char seen[FS_MSG_MAX_FIELDS];
  fs_value junk = {0};
  int rc;

  *unknown = 0;
  rc = rd_tuple(r, 8);
  if (rc == 0)
    rc = rd_uint(r, &c->counter);
  if (rc == 0)
    rc = rd_str(r, FS_MSG_NAME_MAX, &s, &n);
  if (rc)
    return rc;
  memcpy(name, s, n);
  name[n] = '\0';
  kd = fs__kind_by_name(name);
  c->kind = kd ? kd->kind : FS_KIND__COUNT;
  if (kd == NULL)
    *unknown = 1;
  rc = rd_id(r, c->id);
  if (rc == 0)
    rc = rd_uint(r, &op);
  if (rc == 0 && op != FS_OP_UPSERT && op != FS_OP_DELETE)
    rc = FS_EPROTO;
  if (rc)
    return rc;
  c->op = (fs_op)op;
  rc = rd_staff(r, c->owner, 0);
  if (rc == 0)
    rc = rd_staff(r, c->author, 0);
  if (rc == 0)
    rc = rd_uint(r, &c->hlc);
  /* A field entry is at least 4 bytes: fixarray, fixstr, fixint, nil. */
  if (rc == 0)
    rc = rd_array(r, &nf, FS_MSG_MAX_FIELDS, 4);
  if (rc)
    return rc;
  if (nf > 0) {
    c->fields = calloc(nf, sizeof *c->fields);
    if (c->fields == NULL)
      return FS_ENOMEM;
  }
  memset(seen, 0, sizeof seen);
  for (uint32_t i = 0; i < nf; i++) {
    fs_field_change *f = &c->fields[c->nfields];
    int idx;
    uint64_t hlc;

    rc = rd_tuple(r, 3);
    if (rc == 0)
      rc = rd_str(r, FS_MSG_NAME_MAX, &s, &n);
    if (rc)
      break;
    memcpy(name, s, n);
    name[n] = '\0';
    idx = kd ? fs__field_index(kd, name) : -1;
    /* Every kind has at most FS_MSG_MAX_FIELDS fields (checked by the unit
     * test), so the index fits seen[]. */
    if (idx >= FS_MSG_MAX_FIELDS)
      idx = -1;
    rc = rd_uint(r, &hlc);
    if (rc)
      break;
    if (idx < 0) {
      /* Still decoded, so a malformed value is refused either way. */
      *unknown = 1;
      rc = rd_value(r, &junk);
      fs__value_free(&junk);
      if (rc)
        break;
      continue;
    }
    if (seen[idx]) {
      rc = FS_EPROTO; /* one write per field and change */
      break;
    }
    seen[idx] = 1;
    f->field = idx;
    f->hlc = hlc;
    rc = rd_value(r, &f->value);
    c->nfields++; /* counted even on error: value may own memory */
    if (rc)
      break;
  }
  return rc;
}

/* ======================================================================
 * Rows (PULL_BATCH)
 * ====================================================================== */

static int pk_row(pk_t *pk, const int *cols, int ncols, const fs_row *row) {
  uint8_t clk[8 * FS_MSG_MAX_FIELDS];
  int rc;

  if (row->nfields < 0 || (row->nfields > 0 && (!row->values || !row->clk)))
    return FS_EINVAL;
  for (int c = 0; c < ncols; c++) {
    uint64_t h;
    if (cols[c] >= row->nfields)
      return FS_EINVAL;
    h = row->clk[cols[c]];
    for (int k = 0; k < 8; k++)
      clk[8 * c + k] = (uint8_t)(h >> (8 * k)); /* little-endian */
  }
  rc = msgpack_pack_array(pk, 7 + (size_t)ncols);
  if (rc == 0)
    rc = pk_id(pk, row->id);
  if (rc == 0)
    rc = pk_staff(pk, row->owner, 0);
  if (rc == 0)
    rc = pk_staff(pk, row->author, 0);
  if (rc == 0)
    rc = pk_bool(pk, row->deleted);
  if (rc == 0)
    rc = msgpack_pack_uint64(pk, row->hlc);
  if (rc == 0)
    rc = msgpack_pack_uint64(pk, row->seq);
  if (rc == 0)
    rc = msgpack_pack_bin_with_body(pk, clk, 8 * (size_t)ncols);
  for (int c = 0; rc == 0 && c < ncols; c++)
    rc = pk_value(pk, &row->values[cols[c]]);
  return rc;
}

/* Decodes one row of a batch with the given columns into *row, which
 * fs__row_init has prepared for the batch's kind. */
static int rd_row(rd *r, const int *cols, int ncols, fs_row *row,
                  int *unknown) {
  const uint8_t *clk;
  size_t nclk;
  fs_value junk = {0};
  int rc;

  *unknown = 0;
  rc = rd_tuple(r, 7 + (uint32_t)ncols);
  if (rc == 0)
    rc = rd_id(r, row->id);
  if (rc == 0)
    rc = rd_staff(r, row->owner, 0);
  if (rc == 0)
    rc = rd_staff(r, row->author, 0);
  if (rc == 0)
    rc = rd_bool(r, &row->deleted);
  if (rc == 0)
    rc = rd_uint(r, &row->hlc);
  if (rc == 0)
    rc = rd_uint(r, &row->seq);
  if (rc == 0)
    rc = rd_bin(r, 8 * (size_t)FS_MSG_MAX_FIELDS, &clk, &nclk);
  if (rc == 0 && nclk != 8 * (size_t)ncols)
    rc = FS_EPROTO;
  for (int c = 0; rc == 0 && c < ncols; c++) {
    int f = cols[c];
    if (f < 0) {
      *unknown = 1;
      rc = rd_value(r, &junk);
      fs__value_free(&junk);
      continue;
    }
    uint64_t h = 0;
    for (int k = 7; k >= 0; k--)
      h = (h << 8) | clk[8 * c + k];
    row->clk[f] = h;
    rc = rd_value(r, &row->values[f]);
  }
  return rc;
}

/* ======================================================================
 * Body encoders
 * ====================================================================== */

static const char *const want_names[] = {"sync", "watch", "admin", NULL};

static int enc_hello(pk_t *pk, const fs_msg_hello *h) {
  int nw = 0, rc;

  if (h->want & ~(FS_WANT_SYNC | FS_WANT_WATCH | FS_WANT_ADMIN))
    return FS_EINVAL;
  for (int i = 0; want_names[i]; i++)
    nw += (h->want >> i) & 1;
  rc = pk_envelope(pk, FS_MSG_HELLO, h->token && h->token[0] ? 7 : 6);
  if (rc == 0)
    rc = pk_key(pk, "sw");
  if (rc == 0)
    rc = pk_str(pk, h->sw, FS_MSG_STR_MAX);
  if (rc == 0)
    rc = pk_key(pk, "time");
  if (rc == 0)
    rc = msgpack_pack_uint64(pk, h->time);
  if (rc == 0)
    rc = pk_key(pk, "cursor");
  if (rc == 0)
    rc = msgpack_pack_uint64(pk, h->cursor);
  if (rc == 0)
    rc = pk_key(pk, "outbox");
  if (rc == 0)
    rc = msgpack_pack_uint64(pk, h->outbox);
  if (rc == 0)
    rc = pk_key(pk, "oldest");
  if (rc == 0)
    rc = msgpack_pack_uint64(pk, h->oldest);
  if (rc == 0)
    rc = pk_key(pk, "want");
  if (rc == 0)
    rc = msgpack_pack_array(pk, (size_t)nw);
  for (int i = 0; rc == 0 && want_names[i]; i++)
    if ((h->want >> i) & 1)
      rc = pk_key(pk, want_names[i]);
  if (rc == 0 && h->token && h->token[0]) {
    rc = pk_key(pk, "token");
    if (rc == 0)
      rc = pk_str(pk, h->token, FS_MSG_STR_MAX);
  }
  return rc;
}

static int enc_welcome(pk_t *pk, const fs_msg_welcome *w) {
  int rc = pk_envelope(pk, FS_MSG_WELCOME,
                       10 + (w->owners && w->owners[0] ? 1 : 0) + (w->counter ? 1 : 0));

  if (rc == 0)
    rc = pk_key(pk, "ok");
  if (rc == 0)
    rc = pk_bool(pk, w->ok);
  if (rc == 0)
    rc = pk_key(pk, "code");
  if (rc == 0)
    rc = msgpack_pack_int(pk, w->code);
  if (rc == 0)
    rc = pk_key(pk, "text");
  if (rc == 0)
    rc = pk_str(pk, w->text, FS_MSG_STR_MAX);
  if (rc == 0)
    rc = pk_key(pk, "time");
  if (rc == 0)
    rc = msgpack_pack_uint64(pk, w->time);
  if (rc == 0)
    rc = pk_key(pk, "device");
  if (rc == 0)
    rc = msgpack_pack_uint64(pk, w->device);
  if (rc == 0)
    rc = pk_key(pk, "staff");
  if (rc == 0)
    rc = pk_staff(pk, w->staff, 1);
  if (rc == 0)
    rc = pk_key(pk, "role");
  if (rc == 0)
    rc = pk_str(pk, w->role, FS_MSG_NAME_MAX);
  if (rc == 0)
    rc = pk_key(pk, "slot");
  if (rc == 0)
    rc = msgpack_pack_uint64(pk, w->slot);
  if (rc == 0)
    rc = pk_key(pk, "name");
  if (rc == 0)
    rc = pk_str(pk, w->name, FS_MSG_STR_MAX);
  if (rc == 0)
    rc = pk_key(pk, "wipe");
  if (rc == 0)
    rc = pk_bool(pk, w->wipe);
  if (rc == 0 && w->owners && w->owners[0]) {
    rc = pk_key(pk, "owners");
    if (rc == 0)
      rc = pk_str(pk, w->owners, FS_MSG_STR_MAX);
  }
  if (rc == 0 && w->counter) {
    rc = pk_key(pk, "counter");
    if (rc == 0)
      rc = msgpack_pack_uint64(pk, w->counter);
  }
  return rc;
}

/* The PUSH header up to the changes array header (written by the caller). */
static int enc_push_head(pk_t *pk, uint64_t outbox, uint64_t oldest) {
  int rc = pk_envelope(pk, FS_MSG_PUSH, 3);

  if (rc == 0)
    rc = pk_key(pk, "outbox");
  if (rc == 0)
    rc = msgpack_pack_uint64(pk, outbox);
  if (rc == 0)
    rc = pk_key(pk, "oldest");
  if (rc == 0)
    rc = msgpack_pack_uint64(pk, oldest);
  if (rc == 0)
    rc = pk_key(pk, "changes");
  return rc;
}

static int enc_push(pk_t *pk, const fs_change *changes, size_t n,
                    uint64_t outbox, uint64_t oldest) {
  int rc;

  if (n > FS_MSG_MAX_CHANGES)
    return FS_EOVERFLOW;
  if (n > 0 && changes == NULL)
    return FS_EINVAL;
  rc = enc_push_head(pk, outbox, oldest);
  if (rc == 0)
    rc = msgpack_pack_array(pk, n);
  for (size_t i = 0; rc == 0 && i < n; i++)
    rc = pk_change(pk, &changes[i]);
  return rc;
}

static int enc_push_result(pk_t *pk, const fs_msg_push_result *m) {
  int rc;

  if (m->n > FS_MSG_MAX_ITEMS)
    return FS_EOVERFLOW;
  rc = pk_envelope(pk, FS_MSG_PUSH_RESULT, 1);
  if (rc == 0)
    rc = pk_key(pk, "results");
  if (rc == 0)
    rc = msgpack_pack_array(pk, m->n);
  for (uint32_t i = 0; rc == 0 && i < m->n; i++) {
    const fs_push_result *x = &m->results[i];
    if (x->outcome < FS_OUTCOME_APPLIED || x->outcome > FS_OUTCOME_REJECTED)
      return FS_EINVAL;
    rc = msgpack_pack_array(pk, 4);
    if (rc == 0)
      rc = msgpack_pack_uint64(pk, x->counter);
    if (rc == 0)
      rc = msgpack_pack_uint32(pk, (uint32_t)x->outcome);
    if (rc == 0)
      rc = msgpack_pack_int(pk, x->code);
    if (rc == 0)
      rc = pk_str(pk, x->reason, FS_MSG_STR_MAX);
  }
  return rc;
}

static int enc_u64_body(pk_t *pk, fs_msg_type t, const char *k1, uint64_t v1,
                        const char *k2, uint64_t v2, int v2_is_bool) {
  int rc = pk_envelope(pk, t, k2 ? 2 : 1);

  if (rc == 0)
    rc = pk_key(pk, k1);
  if (rc == 0)
    rc = msgpack_pack_uint64(pk, v1);
  if (rc == 0 && k2) {
    rc = pk_key(pk, k2);
    if (rc == 0)
      rc = v2_is_bool ? pk_bool(pk, v2 != 0) : msgpack_pack_uint64(pk, v2);
  }
  return rc;
}

static int enc_evict(pk_t *pk, const fs_msg_evict *m) {
  int rc;

  if (m->n > FS_MSG_MAX_ITEMS)
    return FS_EOVERFLOW;
  rc = pk_envelope(pk, FS_MSG_EVICT, 1);
  if (rc == 0)
    rc = pk_key(pk, "items");
  if (rc == 0)
    rc = msgpack_pack_array(pk, m->n);
  for (uint32_t i = 0; rc == 0 && i < m->n; i++) {
    const fs_kind_def *kd = fs__kind_def(m->items[i].kind);
    if (kd == NULL)
      return FS_EINVAL;
    rc = msgpack_pack_array(pk, 2);
    if (rc == 0)
      rc = pk_key(pk, kd->name);
    if (rc == 0)
      rc = pk_id(pk, m->items[i].id);
  }
  return rc;
}

static int enc_reason(pk_t *pk, fs_msg_type t, const fs_msg_reason *m) {
  int rc = pk_envelope(pk, t, 1);

  if (rc == 0)
    rc = pk_key(pk, "reason");
  if (rc == 0)
    rc = pk_str(pk, m->reason, FS_MSG_STR_MAX);
  return rc;
}

static int enc_error(pk_t *pk, const fs_msg_error *m) {
  int rc;

  if (m->nversions < 0 || m->nversions > FS_MSG_MAX_VERSIONS)
    return FS_EOVERFLOW;
  rc = pk_envelope(pk, FS_MSG_ERROR, m->nversions ? 3 : 2);
  if (rc == 0)
    rc = pk_key(pk, "code");
  if (rc == 0)
    rc = msgpack_pack_int(pk, m->code);
  if (rc == 0)
    rc = pk_key(pk, "text");
  if (rc == 0)
    rc = pk_str(pk, m->text, FS_MSG_STR_MAX);
  if (rc == 0 && m->nversions) {
    rc = pk_key(pk, "versions");
    if (rc == 0)
      rc = msgpack_pack_array(pk, (size_t)m->nversions);
    for (int i = 0; rc == 0 && i < m->nversions; i++)
      rc = msgpack_pack_uint32(pk, m->versions[i]);
  }
  return rc;
}

static int enc_admin(pk_t *pk, const fs_msg_admin *m) {
  int rc;

  if (m->nargs > FS_MSG_MAX_ARGS)
    return FS_EOVERFLOW;
  rc = pk_envelope(pk, FS_MSG_ADMIN, 2);
  if (rc == 0)
    rc = pk_key(pk, "cmd");
  if (rc == 0)
    rc = pk_str(pk, m->cmd, FS_MSG_NAME_MAX);
  if (rc == 0)
    rc = pk_key(pk, "args");
  if (rc == 0)
    rc = msgpack_pack_map(pk, m->nargs);
  for (uint32_t i = 0; rc == 0 && i < m->nargs; i++) {
    const fs_admin_arg *a = &m->args[i];
    for (uint32_t j = 0; j < i; j++)
      if (strcmp(a->key ? a->key : "", m->args[j].key ? m->args[j].key : "") == 0)
        return FS_EINVAL; /* the decoder refuses duplicate keys */
    rc = pk_str(pk, a->key, FS_MSG_NAME_MAX);
    if (rc)
      break;
    switch (a->type) {
    case FS_ARG_STR:
      rc = pk_str(pk, a->s, FS_MSG_STR_MAX);
      break;
    case FS_ARG_INT:
      rc = msgpack_pack_int64(pk, a->i);
      break;
    case FS_ARG_BOOL:
      rc = pk_bool(pk, a->i != 0);
      break;
    case FS_ARG_LIST:
      if (a->nlist > FS_MSG_MAX_LIST)
        return FS_EOVERFLOW;
      rc = msgpack_pack_array(pk, a->nlist);
      for (uint32_t j = 0; rc == 0 && j < a->nlist; j++)
        rc = pk_str(pk, a->list[j], FS_MSG_STR_MAX);
      break;
    default:
      rc = FS_EINVAL;
    }
  }
  return rc;
}

static int enc_admin_result(pk_t *pk, const fs_msg_admin_result *m) {
  int rc = pk_envelope(pk, FS_MSG_ADMIN_RESULT, 5);

  if (rc == 0)
    rc = pk_key(pk, "ok");
  if (rc == 0)
    rc = pk_bool(pk, m->ok);
  if (rc == 0)
    rc = pk_key(pk, "code");
  if (rc == 0)
    rc = msgpack_pack_int(pk, m->code);
  if (rc == 0)
    rc = pk_key(pk, "text");
  if (rc == 0)
    rc = pk_str(pk, m->text, FS_MSG_STR_MAX);
  if (rc == 0)
    rc = pk_key(pk, "out");
  if (rc == 0)
    rc = pk_str(pk, m->out, FS_MSG_BLOB_MAX);
  if (rc == 0)
    rc = pk_key(pk, "json");
  if (rc == 0)
    rc = pk_str(pk, m->json, FS_MSG_BLOB_MAX);
  return rc;
}

static int enc_conflicts(pk_t *pk, const fs_msg_conflicts *m) {
  int rc;

  if (m->n > FS_MSG_MAX_ITEMS)
    return FS_EOVERFLOW;
  rc = pk_envelope(pk, FS_MSG_CONFLICTS, 1);
  if (rc == 0)
    rc = pk_key(pk, "items");
  if (rc == 0)
    rc = msgpack_pack_array(pk, m->n);
  for (uint32_t i = 0; rc == 0 && i < m->n; i++) {
    const fs_conflict_item *x = &m->items[i];
    rc = msgpack_pack_map(pk, 9);
    if (rc == 0)
      rc = pk_key(pk, "kind");
    if (rc == 0)
      rc = pk_str(pk, x->kind, FS_MSG_NAME_MAX);
    if (rc == 0)
      rc = pk_key(pk, "id");
    if (rc == 0)
      rc = pk_id(pk, x->id);
    if (rc == 0)
      rc = pk_key(pk, "field");
    if (rc == 0)
      rc = pk_str(pk, x->field, FS_MSG_NAME_MAX);
    if (rc == 0)
      rc = pk_key(pk, "loser");
    if (rc == 0)
      rc = pk_value(pk, &x->loser);
    if (rc == 0)
      rc = pk_key(pk, "loser_hlc");
    if (rc == 0)
      rc = msgpack_pack_uint64(pk, x->loser_hlc);
    if (rc == 0)
      rc = pk_key(pk, "winner");
    if (rc == 0)
      rc = pk_value(pk, &x->winner);
    if (rc == 0)
      rc = pk_key(pk, "winner_hlc");
    if (rc == 0)
      rc = msgpack_pack_uint64(pk, x->winner_hlc);
    if (rc == 0)
      rc = pk_key(pk, "author");
    if (rc == 0)
      rc = pk_staff(pk, x->author, 1);
    if (rc == 0)
      rc = pk_key(pk, "at");
    if (rc == 0)
      rc = msgpack_pack_uint64(pk, x->at);
  }
  return rc;
}

static int enc_notice(pk_t *pk, const fs_msg_notice *m) {
  int rc = pk_envelope(pk, FS_MSG_NOTICE, 3);

  if (rc == 0)
    rc = pk_key(pk, "kind");
  if (rc == 0)
    rc = pk_str(pk, m->kind, FS_MSG_NAME_MAX);
  if (rc == 0)
    rc = pk_key(pk, "at");
  if (rc == 0)
    rc = msgpack_pack_uint64(pk, m->at);
  if (rc == 0)
    rc = pk_key(pk, "body");
  if (rc == 0)
    rc = pk_str(pk, m->body, FS_MSG_TEXT_MAX);
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

static int enc_body(pk_t *pk, fs_buf *out, const fs_msg *m) {
  switch (m->type) {
  case FS_MSG_HELLO:
    return enc_hello(pk, &m->u.hello);
  case FS_MSG_WELCOME:
    return enc_welcome(pk, &m->u.welcome);
  case FS_MSG_PUSH:
    return enc_push(pk, m->u.push.changes, m->u.push.n, m->u.push.outbox,
                    m->u.push.oldest);
  case FS_MSG_PUSH_RESULT:
    return enc_push_result(pk, &m->u.push_result);
  case FS_MSG_PULL:
    return enc_u64_body(pk, FS_MSG_PULL, "cursor", m->u.pull.cursor, "limit",
                        m->u.pull.limit, 0);
  case FS_MSG_PULL_BATCH:
    return enc_pull_batch(out, &m->u.pull_batch);
  case FS_MSG_CHECKPOINT:
    return enc_u64_body(pk, FS_MSG_CHECKPOINT, "cursor",
                        m->u.checkpoint.cursor, "more",
                        (uint64_t)(m->u.checkpoint.more != 0), 1);
  case FS_MSG_NOTIFY:
    return enc_u64_body(pk, FS_MSG_NOTIFY, "seq", m->u.notify.seq, NULL, 0, 0);
  case FS_MSG_EVICT:
    return enc_evict(pk, &m->u.evict);
  case FS_MSG_WIPE:
    return enc_reason(pk, FS_MSG_WIPE, &m->u.wipe);
  case FS_MSG_ERROR:
    return enc_error(pk, &m->u.error);
  case FS_MSG_ADMIN:
    return enc_admin(pk, &m->u.admin);
  case FS_MSG_ADMIN_RESULT:
    return enc_admin_result(pk, &m->u.admin_result);
  case FS_MSG_CONFLICTS:
    return enc_conflicts(pk, &m->u.conflicts);
  case FS_MSG_NOTICE:
    return enc_notice(pk, &m->u.notice);
  case FS_MSG_PING:
  case FS_MSG_PONG:
    return enc_u64_body(pk, m->type, "n", m->u.ping.n, NULL, 0, 0);
  case FS_MSG_BYE:
    return enc_reason(pk, FS_MSG_BYE, &m->u.bye);
  default:
    return FS_EINVAL;
  }
}

/* Runs an encoder and enforces the rules every encoder shares: roll back on
 * error, and never produce more than FS_MSG_MAX_BYTES. */
static int enc_finish(fs_buf *out, size_t start, int rc) {
  if (rc == 0 && out->len - start > FS_MSG_MAX_BYTES)
    rc = FS_ETOOBIG;
  if (rc)
    fs__buf_truncate(out, start);
  return rc;
}

int fs__msg_encode(const fs_msg *m, fs_buf *out) {
  msgpack_packer pk;
  size_t start;

  if (m == NULL || out == NULL)
    return FS_EINVAL;
  start = out->len;
  msgpack_packer_init(&pk, out, fs__buf_msgpack_write);
  return enc_finish(out, start, enc_body(&pk, out, m));
}

int fs__push_encode(const fs_change *changes, size_t n, uint64_t outbox,
                    uint64_t oldest, fs_buf *out) {
  msgpack_packer pk;
  size_t start;

  if (out == NULL)
    return FS_EINVAL;
  start = out->len;
  msgpack_packer_init(&pk, out, fs__buf_msgpack_write);
  return enc_finish(out, start, enc_push(&pk, changes, n, outbox, oldest));
}

int fs__change_encode(const fs_change *c, fs_buf *out) {
  msgpack_packer pk;
  size_t start;

  if (c == NULL || out == NULL)
    return FS_EINVAL;
  start = out->len;
  msgpack_packer_init(&pk, out, fs__buf_msgpack_write);
  return enc_finish(out, start, pk_change(&pk, c));
}

/* ---- incremental PUSH -------------------------------------------------- */

int fs__push_begin(fs_push_enc *e, fs_buf *out, uint64_t outbox,
                   uint64_t oldest, size_t max_bytes) {
  msgpack_packer pk;
  int rc;

  if (e == NULL)
    return FS_EINVAL;
  e->out = NULL; /* unusable until begin succeeds */
  if (out == NULL)
    return FS_EINVAL;
  e->out = out;
  e->start = out->len;
  e->max = max_bytes < FS_MSG_MAX_BYTES ? max_bytes : FS_MSG_MAX_BYTES;
  e->n = 0;
  msgpack_packer_init(&pk, out, fs__buf_msgpack_write);
  rc = enc_push_head(&pk, outbox, oldest);
  if (rc == 0)
    rc = pk_array32_placeholder(out, &e->count_at);
  if (rc == 0 && out->len - e->start > e->max)
    rc = FS_ETOOBIG;
  if (rc) {
    fs__buf_truncate(out, e->start);
    e->out = NULL;
  }
  return rc;
}

int fs__push_add(fs_push_enc *e, const fs_change *c) {
  msgpack_packer pk;
  size_t mark;
  int rc;

  if (e->out == NULL || c == NULL)
    return FS_ESTATE;
  if (e->n >= FS_MSG_MAX_CHANGES)
    return FS_ETOOBIG;
  mark = e->out->len;
  msgpack_packer_init(&pk, e->out, fs__buf_msgpack_write);
  rc = pk_change(&pk, c);
  if (rc == 0 && e->out->len - e->start > e->max)
    rc = FS_ETOOBIG;
  if (rc) {
    fs__buf_truncate(e->out, mark);
    return rc;
  }
  e->n++;
  return 0;
}

int fs__push_finish(fs_push_enc *e) {
  /* Only after a successful begin (which leaves out NULL on failure). */
  if (e == NULL || e->out == NULL || e->count_at + 4 > e->out->len)
    return FS_ESTATE;
  patch_count(e->out, e->count_at, e->n);
  return 0;
}

/* ---- incremental PULL_BATCH -------------------------------------------- */

int fs__batch_begin(fs_batch_enc *e, fs_buf *out, fs_kind kind,
                    const int *cols, int ncols, size_t max_bytes) {
  const fs_kind_def *kd = fs__kind_def(kind);
  unsigned char seen[FS_MSG_MAX_FIELDS] = {0};
  msgpack_packer pk;
  int rc;

  if (e == NULL)
    return FS_EINVAL;
  e->out = NULL; /* unusable until begin succeeds */
  if (out == NULL || kd == NULL || ncols < 0 || (ncols > 0 && cols == NULL))
    return FS_EINVAL;
  if (ncols > FS_MSG_MAX_FIELDS)
    return FS_EOVERFLOW;
  for (int c = 0; c < ncols; c++) {
    if (cols[c] < 0 || cols[c] >= kd->nfields || cols[c] >= FS_MSG_MAX_FIELDS ||
        seen[cols[c]])
      return FS_EINVAL;
    seen[cols[c]] = 1;
    e->cols[c] = cols[c];
  }
  e->out = out;
  e->start = out->len;
  e->max = max_bytes < FS_MSG_MAX_BYTES ? max_bytes : FS_MSG_MAX_BYTES;
  e->kind = kind;
  e->ncols = ncols;
  e->n = 0;
  msgpack_packer_init(&pk, out, fs__buf_msgpack_write);
  /* "rows" must come last: a decoder needs kind and fields first. */
  rc = pk_envelope(&pk, FS_MSG_PULL_BATCH, 3);
  if (rc == 0)
    rc = pk_key(&pk, "kind");
  if (rc == 0)
    rc = pk_key(&pk, kd->name);
  if (rc == 0)
    rc = pk_key(&pk, "fields");
  if (rc == 0)
    rc = msgpack_pack_array(&pk, (size_t)ncols);
  for (int c = 0; rc == 0 && c < ncols; c++)
    rc = pk_key(&pk, kd->fields[cols[c]].name);
  if (rc == 0)
    rc = pk_key(&pk, "rows");
  if (rc == 0)
    rc = pk_array32_placeholder(out, &e->count_at);
  if (rc == 0 && out->len - e->start > e->max)
    rc = FS_ETOOBIG;
  if (rc) {
    fs__buf_truncate(out, e->start);
    e->out = NULL;
  }
  return rc;
}

int fs__batch_add_row(fs_batch_enc *e, const fs_row *r) {
  msgpack_packer pk;
  size_t mark;
  int rc;

  if (e->out == NULL)
    return FS_ESTATE;
  if (r == NULL || r->kind != e->kind)
    return FS_EINVAL;
  if (e->n >= FS_MSG_MAX_ROWS)
    return FS_ETOOBIG;
  mark = e->out->len;
  msgpack_packer_init(&pk, e->out, fs__buf_msgpack_write);
  rc = pk_row(&pk, e->cols, e->ncols, r);
  if (rc == 0 && e->out->len - e->start > e->max)
    rc = FS_ETOOBIG;
  if (rc) {
    fs__buf_truncate(e->out, mark);
    return rc;
  }
  e->n++;
  return 0;
}

int fs__batch_finish(fs_batch_enc *e) {
  /* Only after a successful begin (which leaves out NULL on failure). */
  if (e == NULL || e->out == NULL || e->count_at + 4 > e->out->len)
    return FS_ESTATE;
  patch_count(e->out, e->count_at, e->n);
  return 0;
}

/* ======================================================================
 * Body decoders
 * ====================================================================== */

static int dec_want(rd *r, unsigned *want) {
  uint32_t n;
  const uint8_t *s;
  size_t len;
  int rc = rd_array(r, &n, FS_MSG_MAX_WANT, 1);

  *want = 0;
  for (uint32_t i = 0; rc == 0 && i < n; i++) {
    rc = rd_str(r, FS_MSG_NAME_MAX, &s, &len);
    for (int k = 0; rc == 0 && want_names[k]; k++)
      if (strlen(want_names[k]) == len && memcmp(want_names[k], s, len) == 0)
        *want |= 1u << k;
    /* other strings: asked by a newer client, ignored */
  }
  return rc;
}

static int dec_hello(rd *r, fs_msg_hello *h) {
  static const char *const keys[] = {"sw",     "time",   "cursor", "outbox",
                                     "oldest", "want",   "token",  NULL};
  uint32_t n, seen = 0;
  int k, rc = rd_map(r, &n, FS_MSG_MAX_KEYS);

  for (uint32_t i = 0; rc == 0 && i < n; i++) {
    rc = rd_key(r, keys, &seen, &k);
    if (rc)
      break;
    switch (k) {
    case 0: rc = rd_strdup(r, FS_MSG_STR_MAX, &h->sw); break;
    case 1: rc = rd_uint(r, &h->time); break;
    case 2: rc = rd_uint(r, &h->cursor); break;
    case 3: rc = rd_uint(r, &h->outbox); break;
    case 4: rc = rd_uint(r, &h->oldest); break;
    case 5: rc = dec_want(r, &h->want); break;
    case 6: rc = rd_strdup(r, FS_MSG_STR_MAX, &h->token); break;
    default: break;
    }
  }
  /* token is optional: only an enrolling device sends it. */
  return rc ? rc : keys_complete(keys, seen, 1u << 6);
}

static int dec_welcome(rd *r, fs_msg_welcome *w) {
  static const char *const keys[] = {"ok",    "code", "text", "time",
                                     "device", "staff", "role", "slot",
                                     "name",  "wipe", "owners", "counter", NULL};
  uint32_t n, seen = 0;
  int k, rc = rd_map(r, &n, FS_MSG_MAX_KEYS);

  for (uint32_t i = 0; rc == 0 && i < n; i++) {
    rc = rd_key(r, keys, &seen, &k);
    if (rc)
      break;
    switch (k) {
    case 0: rc = rd_bool(r, &w->ok); break;
    case 1: rc = rd_cint(r, &w->code); break;
    case 2: rc = rd_strdup(r, FS_MSG_STR_MAX, &w->text); break;
    case 3: rc = rd_uint(r, &w->time); break;
    case 4: rc = rd_uint(r, &w->device); break;
    case 5: rc = rd_staff(r, w->staff, 1); break;
    case 6: rc = rd_strdup(r, FS_MSG_NAME_MAX, &w->role); break;
    case 7: rc = rd_uint(r, &w->slot); break;
    case 8: rc = rd_strdup(r, FS_MSG_STR_MAX, &w->name); break;
    case 9: rc = rd_bool(r, &w->wipe); break;
    case 10: rc = rd_strdup(r, FS_MSG_STR_MAX, &w->owners); break;
    case 11: rc = rd_uint(r, &w->counter); break;
    default: break;
    }
  }
  /* owners and counter are optional (added within version 1). */
  return rc ? rc : keys_complete(keys, seen, (1u << 10) | (1u << 11));
}

static int dec_changes(rd *r, fs_msg_push *m) {
  uint32_t n;
  /* The smallest change: fixarray + 7 one-byte-ish items + a 34-byte id +
   * two 3-byte staff codes; 40 is a safe lower bound. */
  int rc = rd_array(r, &n, FS_MSG_MAX_CHANGES, 40);

  if (rc || n == 0)
    return rc;
  m->changes = calloc(n, sizeof *m->changes);
  m->rcs = calloc(n, sizeof *m->rcs);
  if (m->changes == NULL || m->rcs == NULL)
    return FS_ENOMEM;
  m->n = n; /* zeroed entries are safe to release */
  for (uint32_t i = 0; i < n; i++) {
    int unknown;
    rc = rd_change(r, &m->changes[i], &unknown);
    if (rc)
      return rc;
    m->rcs[i] = unknown ? FS_EUNKNOWN_FIELD : 0;
  }
  return 0;
}

static int dec_push(rd *r, fs_msg_push *m) {
  static const char *const keys[] = {"changes", "outbox", "oldest", NULL};
  uint32_t n, seen = 0;
  int k, rc = rd_map(r, &n, FS_MSG_MAX_KEYS);

  for (uint32_t i = 0; rc == 0 && i < n; i++) {
    rc = rd_key(r, keys, &seen, &k);
    if (rc)
      break;
    switch (k) {
    case 0: rc = dec_changes(r, m); break;
    case 1: rc = rd_uint(r, &m->outbox); break;
    case 2: rc = rd_uint(r, &m->oldest); break;
    default: break;
    }
  }
  return rc ? rc : keys_complete(keys, seen, 0);
}

static int dec_results(rd *r, fs_msg_push_result *m) {
  uint32_t n;
  int rc = rd_array(r, &n, FS_MSG_MAX_ITEMS, 5);

  if (rc || n == 0)
    return rc;
  m->results = calloc(n, sizeof *m->results);
  if (m->results == NULL)
    return FS_ENOMEM;
  m->n = n;
  for (uint32_t i = 0; rc == 0 && i < n; i++) {
    fs_push_result *x = &m->results[i];
    uint64_t outcome;
    rc = rd_tuple(r, 4);
    if (rc == 0)
      rc = rd_uint(r, &x->counter);
    if (rc == 0)
      rc = rd_uint(r, &outcome);
    if (rc == 0 &&
        (outcome < FS_OUTCOME_APPLIED || outcome > FS_OUTCOME_REJECTED))
      rc = FS_EPROTO;
    if (rc == 0) {
      x->outcome = (int)outcome;
      rc = rd_cint(r, &x->code);
    }
    if (rc == 0)
      rc = rd_strdup(r, FS_MSG_STR_MAX, &x->reason);
  }
  return rc;
}

static int dec_push_result(rd *r, fs_msg_push_result *m) {
  static const char *const keys[] = {"results", NULL};
  uint32_t n, seen = 0;
  int k, rc = rd_map(r, &n, FS_MSG_MAX_KEYS);

  for (uint32_t i = 0; rc == 0 && i < n; i++) {
    rc = rd_key(r, keys, &seen, &k);
    if (rc == 0 && k == 0)
      rc = dec_results(r, m);
  }
  return rc ? rc : keys_complete(keys, seen, 0);
}

/* Bodies of one or two uint/bool keys: PULL, CHECKPOINT, NOTIFY, PING, PONG.
 * b2 non-NULL means the second key is a bool. */
static int dec_scalars(rd *r, const char *const *keys, uint64_t *u1,
                       uint64_t *u2, int *b2) {
  uint32_t n, seen = 0;
  int k, rc = rd_map(r, &n, FS_MSG_MAX_KEYS);

  for (uint32_t i = 0; rc == 0 && i < n; i++) {
    rc = rd_key(r, keys, &seen, &k);
    if (rc == 0 && k == 0)
      rc = rd_uint(r, u1);
    else if (rc == 0 && k == 1)
      rc = b2 ? rd_bool(r, b2) : rd_uint(r, u2);
  }
  return rc ? rc : keys_complete(keys, seen, 0);
}

static int dec_cols(rd *r, const fs_kind_def *kd, fs_msg_pull_batch *m) {
  uint32_t n;
  const uint8_t *s;
  size_t len;
  char name[FS_MSG_NAME_MAX + 1];
  unsigned char seen[FS_MSG_MAX_FIELDS] = {0};
  int rc = rd_array(r, &n, FS_MSG_MAX_FIELDS, 1);

  for (uint32_t c = 0; rc == 0 && c < n; c++) {
    int idx;
    rc = rd_str(r, FS_MSG_NAME_MAX, &s, &len);
    if (rc)
      break;
    memcpy(name, s, len);
    name[len] = '\0';
    idx = fs__field_index(kd, name);
    if (idx >= FS_MSG_MAX_FIELDS)
      idx = -1;
    if (idx >= 0 && seen[idx])
      rc = FS_EPROTO;
    else if (idx >= 0)
      seen[idx] = 1;
    m->cols[c] = idx;
  }
  if (rc == 0)
    m->ncols = (int)n;
  return rc;
}

static int dec_rows(rd *r, fs_msg_pull_batch *m) {
  uint32_t n;
  int unknown_col = 0;
  /* A row is at least fixarray + 34-byte id + 2 x 3-byte staff codes +
   * bool, hlc, seq, bin header, one byte per column. */
  int rc = rd_array(r, &n, FS_MSG_MAX_ROWS, 45 + (size_t)m->ncols);

  if (rc || n == 0)
    return rc;
  for (int c = 0; c < m->ncols; c++)
    unknown_col |= m->cols[c] < 0;
  m->rows = calloc(n, sizeof *m->rows);
  m->rcs = calloc(n, sizeof *m->rcs);
  if (m->rows == NULL || m->rcs == NULL)
    return FS_ENOMEM;
  for (uint32_t i = 0; i < n; i++) {
    int unknown;
    rc = fs__row_init(&m->rows[i], m->kind);
    if (rc)
      return rc;
    m->nrows = i + 1; /* only initialised rows are released */
    rc = rd_row(r, m->cols, m->ncols, &m->rows[i], &unknown);
    if (rc)
      return rc;
    m->rcs[i] = (unknown || unknown_col) ? FS_EUNKNOWN_FIELD : 0;
  }
  return 0;
}

static int dec_pull_batch(rd *r, fs_msg_pull_batch *m) {
  static const char *const keys[] = {"kind", "fields", "rows", NULL};
  const fs_kind_def *kd = NULL;
  uint32_t n, seen = 0;
  const uint8_t *s;
  size_t len;
  char name[FS_MSG_NAME_MAX + 1];
  int k, rc = rd_map(r, &n, FS_MSG_MAX_KEYS);

  for (uint32_t i = 0; rc == 0 && i < n; i++) {
    rc = rd_key(r, keys, &seen, &k);
    if (rc)
      break;
    switch (k) {
    case 0:
      rc = rd_str(r, FS_MSG_NAME_MAX, &s, &len);
      if (rc)
        break;
      memcpy(name, s, len);
      name[len] = '\0';
      kd = fs__kind_by_name(name);
      if (kd == NULL)
        rc = FS_EUNKNOWN_FIELD; /* no row of it can be stored here */
      else
        m->kind = kd->kind;
      break;
    case 1:
      /* Columns are names of kind's fields: kind must come first. */
      rc = kd ? dec_cols(r, kd, m) : FS_EPROTO;
      break;
    case 2:
      rc = (seen & 3u) == 3u ? dec_rows(r, m) : FS_EPROTO;
      break;
    default:
      break;
    }
  }
  return rc ? rc : keys_complete(keys, seen, 0);
}

static int dec_evict(rd *r, fs_msg_evict *m) {
  static const char *const keys[] = {"items", NULL};
  uint32_t n, cnt, seen = 0;
  const uint8_t *s;
  size_t len;
  char name[FS_MSG_NAME_MAX + 1];
  int k, rc = rd_map(r, &n, FS_MSG_MAX_KEYS);

  for (uint32_t i = 0; rc == 0 && i < n; i++) {
    rc = rd_key(r, keys, &seen, &k);
    if (rc || k != 0)
      continue;
    rc = rd_array(r, &cnt, FS_MSG_MAX_ITEMS, 36);
    if (rc || cnt == 0)
      continue;
    m->items = calloc(cnt, sizeof *m->items);
    if (m->items == NULL) {
      rc = FS_ENOMEM;
      break;
    }
    for (uint32_t j = 0; rc == 0 && j < cnt; j++) {
      const fs_kind_def *kd;
      fs_evict_item *x = &m->items[m->n];
      rc = rd_tuple(r, 2);
      if (rc == 0)
        rc = rd_str(r, FS_MSG_NAME_MAX, &s, &len);
      if (rc)
        break;
      memcpy(name, s, len);
      name[len] = '\0';
      kd = fs__kind_by_name(name);
      rc = rd_id(r, x->id);
      if (rc == 0 && kd) { /* unknown kinds: nothing to erase here */
        x->kind = kd->kind;
        m->n++;
      }
    }
  }
  return rc ? rc : keys_complete(keys, seen, 0);
}

static int dec_reason(rd *r, fs_msg_reason *m) {
  static const char *const keys[] = {"reason", NULL};
  uint32_t n, seen = 0;
  int k, rc = rd_map(r, &n, FS_MSG_MAX_KEYS);

  for (uint32_t i = 0; rc == 0 && i < n; i++) {
    rc = rd_key(r, keys, &seen, &k);
    if (rc == 0 && k == 0)
      rc = rd_strdup(r, FS_MSG_STR_MAX, &m->reason);
  }
  return rc ? rc : keys_complete(keys, seen, 0);
}

static int dec_error(rd *r, fs_msg_error *m) {
  static const char *const keys[] = {"code", "text", "versions", NULL};
  uint32_t n, cnt, seen = 0;
  int k, rc = rd_map(r, &n, FS_MSG_MAX_KEYS);

  for (uint32_t i = 0; rc == 0 && i < n; i++) {
    rc = rd_key(r, keys, &seen, &k);
    if (rc)
      break;
    switch (k) {
    case 0: rc = rd_cint(r, &m->code); break;
    case 1: rc = rd_strdup(r, FS_MSG_STR_MAX, &m->text); break;
    case 2:
      rc = rd_array(r, &cnt, FS_MSG_MAX_VERSIONS, 1);
      for (uint32_t j = 0; rc == 0 && j < cnt; j++) {
        uint64_t v;
        rc = rd_uint(r, &v);
        if (rc == 0 && v > UINT32_MAX)
          rc = FS_EPROTO;
        if (rc == 0)
          m->versions[j] = (uint32_t)v;
      }
      if (rc == 0)
        m->nversions = (int)cnt;
      break;
    default: break;
    }
  }
  return rc ? rc : keys_complete(keys, seen, 1u << 2);
}

static int dec_arg(rd *r, fs_admin_arg *a) {
  uint8_t b;
  uint32_t n;
  int rc;

  if (r->p >= r->end)
    return FS_ETRUNC;
  b = *r->p;
  if ((b >= 0xa0 && b <= 0xbf) || (b >= 0xd9 && b <= 0xdb)) {
    a->type = FS_ARG_STR;
    return rd_strdup(r, FS_MSG_STR_MAX, &a->s);
  }
  if (b == 0xc2 || b == 0xc3) {
    int v = 0;
    a->type = FS_ARG_BOOL;
    rc = rd_bool(r, &v);
    a->i = v;
    return rc;
  }
  if ((b >= 0x90 && b <= 0x9f) || b == 0xdc || b == 0xdd) {
    a->type = FS_ARG_LIST;
    rc = rd_array(r, &n, FS_MSG_MAX_LIST, 1);
    if (rc || n == 0)
      return rc;
    a->list = calloc(n, sizeof *a->list);
    if (a->list == NULL)
      return FS_ENOMEM;
    a->nlist = n;
    for (uint32_t i = 0; rc == 0 && i < n; i++)
      rc = rd_strdup(r, FS_MSG_STR_MAX, &a->list[i]);
    return rc;
  }
  a->type = FS_ARG_INT;
  return rd_int(r, &a->i); /* anything else is refused here */
}

static int dec_args(rd *r, fs_msg_admin *m) {
  uint32_t n;
  int rc = rd_map(r, &n, FS_MSG_MAX_ARGS);

  if (rc || n == 0)
    return rc;
  m->args = calloc(n, sizeof *m->args);
  if (m->args == NULL)
    return FS_ENOMEM;
  m->nargs = n;
  for (uint32_t i = 0; rc == 0 && i < n; i++) {
    rc = rd_strdup(r, FS_MSG_NAME_MAX, &m->args[i].key);
    for (uint32_t j = 0; rc == 0 && j < i; j++)
      if (strcmp(m->args[j].key, m->args[i].key) == 0)
        rc = FS_EPROTO;
    if (rc == 0)
      rc = dec_arg(r, &m->args[i]);
  }
  return rc;
}

static int dec_admin(rd *r, fs_msg_admin *m) {
  static const char *const keys[] = {"cmd", "args", NULL};
  uint32_t n, seen = 0;
  int k, rc = rd_map(r, &n, FS_MSG_MAX_KEYS);

  for (uint32_t i = 0; rc == 0 && i < n; i++) {
    rc = rd_key(r, keys, &seen, &k);
    if (rc == 0 && k == 0)
      rc = rd_strdup(r, FS_MSG_NAME_MAX, &m->cmd);
    else if (rc == 0 && k == 1)
      rc = dec_args(r, m);
  }
  return rc ? rc : keys_complete(keys, seen, 0);
}

static int dec_admin_result(rd *r, fs_msg_admin_result *m) {
  static const char *const keys[] = {"ok", "code", "text", "out", "json", NULL};
  uint32_t n, seen = 0;
  int k, rc = rd_map(r, &n, FS_MSG_MAX_KEYS);

  for (uint32_t i = 0; rc == 0 && i < n; i++) {
    rc = rd_key(r, keys, &seen, &k);
    if (rc)
      break;
    switch (k) {
    case 0: rc = rd_bool(r, &m->ok); break;
    case 1: rc = rd_cint(r, &m->code); break;
    case 2: rc = rd_strdup(r, FS_MSG_STR_MAX, &m->text); break;
    case 3: rc = rd_strdup(r, FS_MSG_BLOB_MAX, &m->out); break;
    case 4: rc = rd_strdup(r, FS_MSG_BLOB_MAX, &m->json); break;
    default: break;
    }
  }
  return rc ? rc : keys_complete(keys, seen, 0);
}

static int dec_conflict(rd *r, fs_conflict_item *x) {
  static const char *const keys[] = {"kind",   "id",         "field",
                                     "loser",  "loser_hlc",  "winner",
                                     "winner_hlc", "author", "at", NULL};
  uint32_t n, seen = 0;
  int k, rc = rd_map(r, &n, FS_MSG_MAX_KEYS);

  for (uint32_t i = 0; rc == 0 && i < n; i++) {
    rc = rd_key(r, keys, &seen, &k);
    if (rc)
      break;
    switch (k) {
    case 0: rc = rd_strdup(r, FS_MSG_NAME_MAX, &x->kind); break;
    case 1: rc = rd_id(r, x->id); break;
    case 2: rc = rd_strdup(r, FS_MSG_NAME_MAX, &x->field); break;
    case 3: rc = rd_value(r, &x->loser); break;
    case 4: rc = rd_uint(r, &x->loser_hlc); break;
    case 5: rc = rd_value(r, &x->winner); break;
    case 6: rc = rd_uint(r, &x->winner_hlc); break;
    case 7: rc = rd_staff(r, x->author, 1); break;
    case 8: rc = rd_uint(r, &x->at); break;
    default: break;
    }
  }
  return rc ? rc : keys_complete(keys, seen, 0);
}

static int dec_conflicts(rd *r, fs_msg_conflicts *m) {
  static const char *const keys[] = {"items", NULL};
  uint32_t n, cnt, seen = 0;
  int k, rc = rd_map(r, &n, FS_MSG_MAX_KEYS);

  for (uint32_t i = 0; rc == 0 && i < n; i++) {
    rc = rd_key(r, keys, &seen, &k);
    if (rc || k != 0)
      continue;
    rc = rd_array(r, &cnt, FS_MSG_MAX_ITEMS, 60);
    if (rc || cnt == 0)
      continue;
    m->items = calloc(cnt, sizeof *m->items);
    if (m->items == NULL) {
      rc = FS_ENOMEM;
      break;
    }
    m->n = cnt;
    for (uint32_t j = 0; rc == 0 && j < cnt; j++)
      rc = dec_conflict(r, &m->items[j]);
  }
  return rc ? rc : keys_complete(keys, seen, 0);
}

static int dec_notice(rd *r, fs_msg_notice *m) {
  static const char *const keys[] = {"kind", "at", "body", NULL};
  uint32_t n, seen = 0;
  int k, rc = rd_map(r, &n, FS_MSG_MAX_KEYS);

  for (uint32_t i = 0; rc == 0 && i < n; i++) {
    rc = rd_key(r, keys, &seen, &k);
    if (rc)
      break;
    switch (k) {
    case 0: rc = rd_strdup(r, FS_MSG_NAME_MAX, &m->kind); break;
    case 1: rc = rd_uint(r, &m->at); break;
    case 2: rc = rd_strdup(r, FS_MSG_TEXT_MAX, &m->body); break;
    default: break;
    }
  }
  return rc ? rc : keys_complete(keys, seen, 0);
}

static int dec_body(rd *r, fs_msg *m) {
  static const char *const pull_keys[] = {"cursor", "limit", NULL};
  static const char *const ckpt_keys[] = {"cursor", "more", NULL};
  static const char *const notify_keys[] = {"seq", NULL};
  static const char *const ping_keys[] = {"n", NULL};

  switch (m->type) {
  case FS_MSG_HELLO:
    return dec_hello(r, &m->u.hello);
  case FS_MSG_WELCOME:
    return dec_welcome(r, &m->u.welcome);
  case FS_MSG_PUSH:
    return dec_push(r, &m->u.push);
  case FS_MSG_PUSH_RESULT:
    return dec_push_result(r, &m->u.push_result);
  case FS_MSG_PULL:
    return dec_scalars(r, pull_keys, &m->u.pull.cursor, &m->u.pull.limit, NULL);
  case FS_MSG_PULL_BATCH:
    return dec_pull_batch(r, &m->u.pull_batch);
  case FS_MSG_CHECKPOINT:
    return dec_scalars(r, ckpt_keys, &m->u.checkpoint.cursor, NULL,
                       &m->u.checkpoint.more);
  case FS_MSG_NOTIFY:
    return dec_scalars(r, notify_keys, &m->u.notify.seq, NULL, NULL);
  case FS_MSG_EVICT:
    return dec_evict(r, &m->u.evict);
  case FS_MSG_WIPE:
    return dec_reason(r, &m->u.wipe);
  case FS_MSG_ERROR:
    return dec_error(r, &m->u.error);
  case FS_MSG_ADMIN:
    return dec_admin(r, &m->u.admin);
  case FS_MSG_ADMIN_RESULT:
    return dec_admin_result(r, &m->u.admin_result);
  case FS_MSG_CONFLICTS:
    return dec_conflicts(r, &m->u.conflicts);
  case FS_MSG_NOTICE:
    return dec_notice(r, &m->u.notice);
  case FS_MSG_PING:
  case FS_MSG_PONG:
    return dec_scalars(r, ping_keys, &m->u.ping.n, NULL, NULL);
  case FS_MSG_BYE:
    return dec_reason(r, &m->u.bye);
  default:
    return FS_EPROTO;
  }
}

int fs__msg_decode(const uint8_t *p, size_t n, fs_msg *out) {
  rd r;
  uint32_t cnt;
  uint64_t version, type;
  int rc;

  if (out == NULL || (p == NULL && n > 0))
    return FS_EINVAL;
  memset(out, 0, sizeof *out);
  if (n == 0)
    return FS_ETRUNC; /* also keeps NULL + 0 out of the reader */
  if (n > FS_MSG_MAX_BYTES)
    return FS_ETOOBIG;
  r.p = p;
  r.end = p + n;
  /* The version is read before anything else is judged, so a peer of
   * another version gets FS_EVERSION even if the rest differs. */
  rc = rd_array(&r, &cnt, UINT32_MAX, 1);
  if (rc == 0 && cnt < 1)
    rc = FS_EPROTO;
  if (rc == 0)
    rc = rd_uint(&r, &version);
  if (rc == 0 && version != FS_MSG_VERSION)
    rc = FS_EVERSION;
  if (rc == 0 && cnt != 3)
    rc = FS_EPROTO;
  if (rc == 0)
    rc = rd_uint(&r, &type);
  if (rc == 0 && (type < 1 || type > FS_MSG_TYPE_MAX))
    rc = FS_EPROTO;
  if (rc)
    goto done;
  out->type = (fs_msg_type)type;
  rc = dec_body(&r, out);
  if (rc == 0 && r.p != r.end)
    rc = FS_EPROTO; /* trailing bytes */
done:
  if (rc)
    fs__msg_release(out);
  return rc;
}

int fs__change_decode(const uint8_t *p, size_t n, fs_change *c) {
  rd r;
  int unknown = 0, rc;

  if (c == NULL || (p == NULL && n > 0))
    return FS_EINVAL;
  memset(c, 0, sizeof *c);
  if (n == 0)
    return FS_ETRUNC;
  if (n > FS_MSG_MAX_BYTES)
    return FS_ETOOBIG;
  r.p = p;
  r.end = p + n;
  rc = rd_change(&r, c, &unknown);
  if (rc == 0 && r.p != r.end)
    rc = FS_EPROTO;
  if (rc) {
    fs__change_release(c);
    memset(c, 0, sizeof *c);
    return rc;
  }
  return unknown ? FS_EUNKNOWN_FIELD : 0;
}

/* ======================================================================
 * Lifecycle
 * ====================================================================== */

void fs__msg_init(fs_msg *m, fs_msg_type type) {
  memset(m, 0, sizeof *m);
  m->type = type;
}

void fs__msg_release(fs_msg *m) {
  if (m == NULL)
    return;
  switch (m->type) {
  case FS_MSG_HELLO:
    free(m->u.hello.sw);
    free(m->u.hello.token);
    break;
  case FS_MSG_WELCOME:
    free(m->u.welcome.text);
    free(m->u.welcome.role);
    free(m->u.welcome.name);
    free(m->u.welcome.owners);
    break;
  case FS_MSG_PUSH:
    for (uint32_t i = 0; m->u.push.changes && i < m->u.push.n; i++)
      fs__change_release(&m->u.push.changes[i]);
    free(m->u.push.changes);
    free(m->u.push.rcs);
    break;
  case FS_MSG_PUSH_RESULT:
    for (uint32_t i = 0; m->u.push_result.results && i < m->u.push_result.n; i++)
      free(m->u.push_result.results[i].reason);
    free(m->u.push_result.results);
    break;
  case FS_MSG_PULL_BATCH:
    for (uint32_t i = 0; m->u.pull_batch.rows && i < m->u.pull_batch.nrows; i++)
      fs__row_release(&m->u.pull_batch.rows[i]);
    free(m->u.pull_batch.rows);
    free(m->u.pull_batch.rcs);
    break;
  case FS_MSG_EVICT:
    free(m->u.evict.items);
    break;
  case FS_MSG_WIPE:
    free(m->u.wipe.reason);
    break;
  case FS_MSG_BYE:
    free(m->u.bye.reason);
    break;
  case FS_MSG_ERROR:
    free(m->u.error.text);
    break;
  case FS_MSG_ADMIN:
    free(m->u.admin.cmd);
    for (uint32_t i = 0; m->u.admin.args && i < m->u.admin.nargs; i++) {
      fs_admin_arg *a = &m->u.admin.args[i];
      free(a->key);
      free(a->s);
      for (uint32_t j = 0; a->list && j < a->nlist; j++)
        free(a->list[j]);
      free(a->list);
    }
    free(m->u.admin.args);
    break;
  case FS_MSG_ADMIN_RESULT:
    free(m->u.admin_result.text);
    free(m->u.admin_result.out);
    free(m->u.admin_result.json);
    break;
  case FS_MSG_CONFLICTS:
    for (uint32_t i = 0; m->u.conflicts.items && i < m->u.conflicts.n; i++) {
      fs_conflict_item *x = &m->u.conflicts.items[i];
      free(x->kind);
      free(x->field);
      fs__value_free(&x->loser);
      fs__value_free(&x->winner);
    }
    free(m->u.conflicts.items);
    break;
  case FS_MSG_NOTICE:
    free(m->u.notice.kind);
    free(m->u.notice.body);
    break;
  default: /* PULL, CHECKPOINT, NOTIFY, PING, PONG own nothing */
    break;
  }
  memset(m, 0, sizeof *m);
}
