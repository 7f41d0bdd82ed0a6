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

#include "archive.h"
#include "frame.h"
#include "fs_errno.h"
#include "id.h"

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

static size_t rd_left(const rd *r) {
  return (size_t)(r->end - r->p);
}

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
  case 0xcc:
  case 0xcd:
  case 0xce:
  case 0xcf:
    return rd_be(r, (size_t)1 << (b - 0xcc), u);
  case 0xd0:
  case 0xd1:
  case 0xd2:
  case 0xd3: {
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

/* A uint of at most max (the field's range, msg.h): above it FS_EPROTO,
 * before anything is stored. */
static int rd_umax(rd *r, uint64_t *v, uint64_t max) {
  int rc = rd_uint(r, v);

  if (rc == 0 && *v > max)
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

/* A container header: fix .. fix + 15 (count in the low nibble), or tag16
 * / tag16 + 1 followed by a 16 / 32-bit count.  At most max entries; each
 * needs at least min_elem bytes, so a count the input cannot hold is
 * refused before the caller allocates for it. */
static int rd_container(rd *r, uint8_t fix, uint8_t tag16, uint32_t *n, uint32_t max,
                        size_t min_elem) {
  uint8_t b;
  uint64_t x;
  int rc = rd_byte(r, &b);

  if (rc)
    return rc;
  if (b >= fix && b <= fix + 0x0f)
    x = b & 0x0f;
  else if (b == tag16 || b == tag16 + 1)
    rc = rd_be(r, b == tag16 ? 2 : 4, &x);
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

/* An array header of at most max elements of at least min_elem bytes. */
static int rd_array(rd *r, uint32_t *n, uint32_t max, size_t min_elem) {
  return rd_container(r, 0x90, 0xdc, n, max, min_elem);
}

/* An array that must have exactly n elements (positional records). */
static int rd_tuple(rd *r, uint32_t n) {
  uint32_t got;
  int rc = rd_array(r, &got, UINT32_MAX, 1);

  if (rc == 0 && got != n)
    rc = FS_EPROTO;
  return rc;
}

/* A map header of at most max pairs (a pair is at least 2 bytes). */
static int rd_map(rd *r, uint32_t *n, uint32_t max) {
  return rd_container(r, 0x80, 0xde, n, max, 2);
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
  case 0xc4:
  case 0xc5:
  case 0xc6: /* bin */
    rc = rd_be(r, (size_t)1 << (b - 0xc4), &n);
    return rc ? rc : rd_advance(r, n);
  case 0xc7:
  case 0xc8:
  case 0xc9: /* ext: length, type byte, data */
    rc = rd_be(r, (size_t)1 << (b - 0xc7), &n);
    return rc ? rc : rd_advance(r, n + 1);
  case 0xca:
    return rd_advance(r, 4);
  case 0xcb:
    return rd_advance(r, 8);
  case 0xcc:
  case 0xcd:
  case 0xce:
  case 0xcf:
    return rd_advance(r, (uint64_t)1 << (b - 0xcc));
  case 0xd0:
  case 0xd1:
  case 0xd2:
  case 0xd3:
    return rd_advance(r, (uint64_t)1 << (b - 0xd0));
  case 0xd4:
  case 0xd5:
  case 0xd6:
  case 0xd7:
  case 0xd8: /* fixext */
    return rd_advance(r, ((uint64_t)1 << (b - 0xd4)) + 1);
  case 0xd9:
  case 0xda:
  case 0xdb: /* str */
    rc = rd_be(r, (size_t)1 << (b - 0xd9), &n);
    return rc ? rc : rd_advance(r, n);
  case 0xdc:
  case 0xdd:
    rc = rd_be(r, b == 0xdc ? 2 : 4, &n);
    if (rc)
      return rc;
    goto elems;
  case 0xde:
  case 0xdf:
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

/* A uint within its range (msg.h); the decoder would refuse any other. */
static int pk_umax(pk_t *pk, uint64_t v, uint64_t max) {
  if (v > max)
    return FS_EINVAL;
  return msgpack_pack_uint64(pk, v);
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

/* ======================================================================
 * Changes (PUSH and the outbox payload)
 * ====================================================================== */

/* [counter, kind, id, op, owner, author, hlc, [[name, hlc, value]...]] */
static int pk_change(pk_t *pk, const fs_change *c) {
  const fs_kind_def *kd = fs__kind_def(c->kind);
  unsigned char seen[FS_MSG_MAX_FIELDS] = {0};
  int rc;

  if (kd == NULL || (c->op != FS_OP_UPSERT && c->op != FS_OP_DELETE) || c->nfields < 0 ||
      (c->nfields > 0 && c->fields == NULL))
    return FS_EINVAL;
  if (c->nfields > FS_MSG_MAX_FIELDS)
    return FS_EOVERFLOW;
  rc = msgpack_pack_array(pk, 8);
  if (rc == 0)
    rc = pk_umax(pk, c->counter, FS_MSG_UINT_MAX);
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
    rc = pk_umax(pk, c->hlc, FS_MSG_UINT_MAX);
  if (rc == 0)
    rc = msgpack_pack_array(pk, (size_t)c->nfields);
  for (int i = 0; rc == 0 && i < c->nfields; i++) {
    const fs_field_change *f = &c->fields[i];
    /* The decoder refuses unknown and repeated fields; so do we. */
    if (f->field < 0 || f->field >= kd->nfields || f->field >= FS_MSG_MAX_FIELDS ||
        seen[f->field])
      return FS_EINVAL;
    seen[f->field] = 1;
    rc = msgpack_pack_array(pk, 3);
    if (rc == 0)
      rc = pk_key(pk, kd->fields[f->field].name);
    if (rc == 0)
      rc = pk_umax(pk, f->hlc, FS_MSG_UINT_MAX);
    if (rc == 0)
      rc = pk_value(pk, &f->value);
  }
  return rc;
}

/* Decodes one change into *c (zeroed by the caller).  *unknown is set when
 * the kind or a field name is unknown here; *nwire (may be NULL) receives
 * the number of field writes on the wire (c->nfields leaves unknown ones
 * out). */
static int rd_change(rd *r, fs_change *c, int *unknown, uint32_t *nwire) {
  const fs_kind_def *kd;
  char name[FS_MSG_NAME_MAX + 1];
  uint64_t op;
  uint32_t nf;
  unsigned char seen[FS_MSG_MAX_FIELDS];
  fs_value junk = {0};
  int rc;

  *unknown = 0;
  rc = rd_tuple(r, 8);
  if (rc == 0)
    rc = rd_umax(r, &c->counter, FS_MSG_UINT_MAX);
  if (rc == 0)
    rc = rd_strcpy(r, name, sizeof name);
  if (rc)
    return rc;
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
    rc = rd_umax(r, &c->hlc, FS_MSG_UINT_MAX);
  /* A field entry is at least 4 bytes: fixarray, fixstr, fixint, nil. */
  if (rc == 0)
    rc = rd_array(r, &nf, FS_MSG_MAX_FIELDS, 4);
  if (rc)
    return rc;
  if (nwire)
    *nwire = nf;
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
      rc = rd_strcpy(r, name, sizeof name);
    if (rc)
      break;
    idx = kd ? fs__field_index(kd, name) : -1;
    /* Every kind has at most FS_MSG_MAX_FIELDS fields (checked by the unit
     * test), so the index fits seen[]. */
    if (idx >= FS_MSG_MAX_FIELDS)
      idx = -1;
    rc = rd_umax(r, &hlc, FS_MSG_UINT_MAX);
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
    if (h > FS_MSG_UINT_MAX)
      return FS_EINVAL; /* a clock is an hlc: in range like every uint */
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
    rc = pk_umax(pk, row->hlc, FS_MSG_UINT_MAX);
  if (rc == 0)
    rc = pk_umax(pk, row->seq, FS_MSG_UINT_MAX);
  if (rc == 0)
    rc = msgpack_pack_bin_with_body(pk, clk, 8 * (size_t)ncols);
  for (int c = 0; rc == 0 && c < ncols; c++)
    rc = pk_value(pk, &row->values[cols[c]]);
  return rc;
}

/* Decodes one row of a batch with the given columns into *row, which
 * fs__row_init has prepared for the batch's kind. */
static int rd_row(rd *r, const int *cols, int ncols, fs_row *row, int *unknown) {
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
    rc = rd_umax(r, &row->hlc, FS_MSG_UINT_MAX);
  if (rc == 0)
    rc = rd_umax(r, &row->seq, FS_MSG_UINT_MAX);
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
    if (h > FS_MSG_UINT_MAX) {
      rc = FS_EPROTO; /* each clock is an hlc, in range like a uint */
      break;
    }
    row->clk[f] = h;
    rc = rd_value(r, &row->values[f]);
  }
  return rc;
}

/* ======================================================================
 * Body maps: one description per message type
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
                          F_LIST with check_count: elements */
  size_t off;          /* the member; F_LIST: its count (see check_count) */
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

static void *member(void *body, const field *f) {
  return (char *)body + f->off;
}

static const void *cmember(const void *body, const field *f) {
  return (const char *)body + f->off;
}

/* Whether f goes on the wire (see F_OPT). */
static int field_present(const field *f, const void *body) {
  const void *p = cmember(body, f);

  if (!(f->flags & F_OPT))
    return 1;
  switch (f->kind) {
  case F_UINT:
    return *(const uint64_t *)p != 0;
  case F_STR: {
    const char *s = *(char *const *)p;
    return s && s[0];
  }
  case F_STAFF:
    return ((const char *)p)[0] != '\0';
  case F_LIST:
    if (f->ops->present)
      return f->ops->present(body);
    return *(const int *)p != 0;
  default:
    return *(const int *)p != 0;
  }
}

/* Runs the checks of every F_LIST field of the table: 0 or its error. */
static int fields_check(const field *f, int nf, const void *body) {
  int rc = 0;

  for (int i = 0; rc == 0 && i < nf; i++)
    if (f[i].kind == F_LIST && f[i].ops->check)
      rc = f[i].ops->check(&f[i], body);
  return rc;
}

static int enc_field(pk_t *pk, const field *f, const void *body) {
  const void *p = cmember(body, f);

  switch (f->kind) {
  case F_UINT:
    return pk_umax(pk, *(const uint64_t *)p, f->max);
  case F_BOOL:
    return pk_bool(pk, *(const int *)p);
  case F_INT:
    return msgpack_pack_int(pk, *(const int *)p);
  case F_STR:
    return pk_str(pk, *(char *const *)p, f->max);
  case F_STAFF:
    return pk_staff(pk, p, 1);
  case F_ID:
    return pk_id(pk, p);
  case F_VALUE:
    return pk_value(pk, p);
  default:
    return f->ops->enc(pk, body);
  }
}

/* Writes the map of the present fields of body, in table order.  With
 * open_last the last present field's key is written but not its value: the
 * caller appends it (incremental encoders).  Does not run the checks. */
static int enc_map(pk_t *pk, const field *f, int nf, const void *body, int open_last) {
  size_t n = 0;
  int rc, last = -1;

  for (int i = 0; i < nf; i++)
    if (field_present(&f[i], body)) {
      n++;
      last = i;
    }
  rc = msgpack_pack_map(pk, n);
  for (int i = 0; rc == 0 && i < nf; i++) {
    if (!field_present(&f[i], body))
      continue;
    rc = pk_key(pk, f[i].key);
    if (rc == 0 && !(open_last && i == last))
      rc = enc_field(pk, &f[i], body);
  }
  return rc;
}

/* Checks body, then writes the envelope [version, type, body map]. */
static int enc_msg(pk_t *pk, fs_msg_type type, const field *f, int nf, const void *body,
                   int open_last) {
  int rc = fields_check(f, nf, body);

  if (rc == 0)
    rc = msgpack_pack_array(pk, 3);
  if (rc == 0)
    rc = msgpack_pack_uint32(pk, FS_MSG_VERSION);
  if (rc == 0)
    rc = msgpack_pack_uint32(pk, (uint32_t)type);
  if (rc == 0)
    rc = enc_map(pk, f, nf, body, open_last);
  return rc;
}

static int dec_field(rd *r, const field *f, void *body, uint32_t seen) {
  void *p = member(body, f);

  switch (f->kind) {
  case F_UINT:
    return rd_umax(r, p, f->max);
  case F_BOOL:
    return rd_bool(r, p);
  case F_INT:
    return rd_cint(r, p);
  case F_STR:
    return rd_strdup(r, f->max, p);
  case F_STAFF:
    return rd_staff(r, p, 1);
  case F_ID:
    return rd_id(r, p);
  case F_VALUE:
    return rd_value(r, p);
  default:
    return f->ops->dec(r, body, seen);
  }
}

/* Reads one map key.  A key of the table (at most 32 fields) sets *idx and
 * is refused if repeated; an unknown key has its value skipped and sets
 * *idx = -1. */
static int rd_key(rd *r, const field *f, int nf, uint32_t *seen, int *idx) {
  const uint8_t *s;
  size_t n;
  int rc = rd_str(r, FS_MSG_NAME_MAX, &s, &n);

  if (rc)
    return rc;
  for (int i = 0; i < nf; i++) {
    if (strlen(f[i].key) == n && memcmp(f[i].key, s, n) == 0) {
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

/* Reads a map of at most FS_MSG_MAX_KEYS keys into body: known keys once
 * each, unknown ones skipped, and every key without F_OPT present. */
static int dec_map(rd *r, const field *f, int nf, void *body) {
  uint32_t n, seen = 0, need = 0;
  int k, rc = rd_map(r, &n, FS_MSG_MAX_KEYS);

  for (uint32_t i = 0; rc == 0 && i < n; i++) {
    rc = rd_key(r, f, nf, &seen, &k);
    if (rc == 0 && k >= 0)
      rc = dec_field(r, &f[k], body, seen);
  }
  if (rc)
    return rc;
  for (int i = 0; i < nf; i++)
    if (!(f[i].flags & F_OPT))
      need |= 1u << i;
  return (seen & need) == need ? 0 : FS_EPROTO;
}

/* Frees what the fields of body own.  Takes members that are NULL. */
static void release_map(const field *f, int nf, void *body) {
  for (int i = 0; i < nf; i++) {
    void *p = member(body, &f[i]);
    if (f[i].kind == F_STR)
      free(*(char **)p);
    else if (f[i].kind == F_VALUE)
      fs__value_free(p);
    else if (f[i].kind == F_LIST && f[i].ops->release)
      f[i].ops->release(body);
  }
}

/* check of a list whose uint32_t count at f->off is bounded by f->max. */
static int check_count(const field *f, const void *body) {
  return *(const uint32_t *)cmember(body, f) > f->max ? FS_EOVERFLOW : 0;
}

/* Reads an array header of at most max elements of at least min_elem
 * bytes and allocates *n zeroed elements of size bytes into *items (NULL
 * for an empty array or on error). */
static int rd_list(rd *r, uint32_t max, size_t min_elem, size_t size, void **items,
                   uint32_t *n) {
  int rc = rd_array(r, n, max, min_elem);

  *items = NULL;
  if (rc || *n == 0)
    return rc;
  *items = calloc(*n, size);
  return *items ? 0 : FS_ENOMEM;
}

/* ---- HELLO ------------------------------------------------------------- */

static const char *const want_names[] = {"sync", "watch", "admin", NULL};

static int want_check(const field *f, const void *body) {
  const fs_msg_hello *h = body;

  (void)f;
  return h->want & ~(FS_WANT_SYNC | FS_WANT_WATCH | FS_WANT_ADMIN) ? FS_EINVAL : 0;
}

static int want_enc(pk_t *pk, const void *body) {
  const fs_msg_hello *h = body;
  int nw = 0, rc;

  for (int i = 0; want_names[i]; i++)
    nw += (h->want >> i) & 1;
  rc = msgpack_pack_array(pk, (size_t)nw);
  for (int i = 0; rc == 0 && want_names[i]; i++)
    if ((h->want >> i) & 1)
      rc = pk_key(pk, want_names[i]);
  return rc;
}

static int want_dec(rd *r, void *body, uint32_t seen) {
  fs_msg_hello *h = body;
  uint32_t n;
  const uint8_t *s;
  size_t len;
  int rc = rd_array(r, &n, FS_MSG_MAX_WANT, 1);

  (void)seen;
  h->want = 0;
  for (uint32_t i = 0; rc == 0 && i < n; i++) {
    rc = rd_str(r, FS_MSG_NAME_MAX, &s, &len);
    for (int k = 0; rc == 0 && want_names[k]; k++)
      if (strlen(want_names[k]) == len && memcmp(want_names[k], s, len) == 0)
        h->want |= 1u << k;
    /* other strings: asked by a newer client, ignored */
  }
  return rc;
}

static const list_ops want_ops = {want_check, want_enc, want_dec, NULL, NULL};

static const field hello_fields[] = {
    FIELD(fs_msg_hello, sw, "sw", F_STR, 0, FS_MSG_STR_MAX, NULL),
    FIELD(fs_msg_hello, time, "time", F_UINT, 0, U_MS, NULL),
    FIELD(fs_msg_hello, cursor, "cursor", F_UINT, 0, U_ANY, NULL),
    FIELD(fs_msg_hello, outbox, "outbox", F_UINT, 0, U_ANY, NULL),
    FIELD(fs_msg_hello, oldest, "oldest", F_UINT, 0, U_MS, NULL),
    FIELD(fs_msg_hello, want, "want", F_LIST, 0, 0, &want_ops),
    /* only an enrolling device sends a token */
    FIELD(fs_msg_hello, token, "token", F_STR, F_OPT, FS_MSG_STR_MAX, NULL),
};

/* ---- WELCOME ----------------------------------------------------------- */

static const field welcome_fields[] = {
    FIELD(fs_msg_welcome, ok, "ok", F_BOOL, 0, 0, NULL),
    FIELD(fs_msg_welcome, code, "code", F_INT, 0, 0, NULL),
    FIELD(fs_msg_welcome, text, "text", F_STR, 0, FS_MSG_STR_MAX, NULL),
    FIELD(fs_msg_welcome, time, "time", F_UINT, 0, U_MS, NULL),
    FIELD(fs_msg_welcome, device, "device", F_UINT, 0, U_ANY, NULL),
    FIELD(fs_msg_welcome, staff, "staff", F_STAFF, 0, 0, NULL),
    FIELD(fs_msg_welcome, role, "role", F_STR, 0, FS_MSG_NAME_MAX, NULL),
    FIELD(fs_msg_welcome, slot, "slot", F_UINT, 0, U_SLOT, NULL),
    FIELD(fs_msg_welcome, name, "name", F_STR, 0, FS_MSG_STR_MAX, NULL),
    FIELD(fs_msg_welcome, wipe, "wipe", F_BOOL, 0, 0, NULL),
    /* owners and counter were added within version 1 */
    FIELD(fs_msg_welcome, owners, "owners", F_STR, F_OPT, FS_MSG_STR_MAX, NULL),
    FIELD(fs_msg_welcome, counter, "counter", F_UINT, F_OPT, U_ANY, NULL),
    /* issue 16: the store's generation (PROTOCOL.md 5.5.2) */
    FIELD(fs_msg_welcome, generation, "generation", F_STR, F_OPT, FS_MSG_NAME_MAX, NULL),
};

/* ---- PUSH -------------------------------------------------------------- */

static int changes_check(const field *f, const void *body) {
  const fs_msg_push *m = body;
  int rc = check_count(f, body);

  if (rc == 0 && m->n > 0 && m->changes == NULL)
    rc = FS_EINVAL;
  return rc;
}

static int changes_enc(pk_t *pk, const void *body) {
  const fs_msg_push *m = body;
  int rc = msgpack_pack_array(pk, m->n);

  for (uint32_t i = 0; rc == 0 && i < m->n; i++)
    rc = pk_change(pk, &m->changes[i]);
  return rc;
}

static int changes_dec(rd *r, void *body, uint32_t seen) {
  fs_msg_push *m = body;
  uint32_t n;
  void *items;
  /* The smallest change: fixarray + 7 one-byte-ish items + a 34-byte id +
   * two 3-byte staff codes; 40 is a safe lower bound. */
  int rc = rd_list(r, FS_MSG_MAX_CHANGES, 40, sizeof *m->changes, &items, &n);

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
    rc = rd_change(r, &m->changes[i], &unknown, &m->nwire[i]);
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
    rc = pk_umax(pk, c->fields[i].base, FS_MSG_UINT_MAX);
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
  rc = rd_array(r, &n, FS_MSG_MAX_CHANGES, 1);
  if (rc == 0 && n != m->n)
    rc = FS_EPROTO;
  for (uint32_t i = 0; rc == 0 && i < n; i++) {
    if (r->p < r->end && *r->p == 0xc0) {
      r->p++; /* nil: this change carries no base */
      continue;
    }
    rc = rd_array(r, &nf, FS_MSG_MAX_FIELDS, 1);
    if (rc == 0 && nf != m->nwire[i])
      rc = FS_EPROTO;
    for (uint32_t j = 0; rc == 0 && j < nf; j++) {
      uint64_t b;
      rc = rd_umax(r, &b, FS_MSG_UINT_MAX);
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
      rc = pk_umax(pk, x->counter, FS_MSG_UINT_MAX);
    if (rc == 0)
      rc = msgpack_pack_uint32(pk, (uint32_t)x->outcome);
    if (rc == 0)
      rc = msgpack_pack_int(pk, x->code);
    if (rc == 0)
      rc = pk_str(pk, x->reason, FS_MSG_STR_MAX);
  }
  return rc;
}

static int results_dec(rd *r, void *body, uint32_t seen) {
  fs_msg_push_result *m = body;
  void *items;
  int rc = rd_list(r, FS_MSG_MAX_ITEMS, 5, sizeof *m->results, &items, &m->n);

  (void)seen;
  m->results = items;
  for (uint32_t i = 0; rc == 0 && i < m->n; i++) {
    fs_push_result *x = &m->results[i];
    uint64_t outcome;
    rc = rd_tuple(r, 4);
    if (rc == 0)
      rc = rd_umax(r, &x->counter, FS_MSG_UINT_MAX);
    if (rc == 0)
      rc = rd_uint(r, &outcome);
    if (rc == 0 && (outcome < FS_OUTCOME_APPLIED || outcome > FS_OUTCOME_REJECTED))
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

static void results_release(void *body) {
  fs_msg_push_result *m = body;

  for (uint32_t i = 0; m->results && i < m->n; i++)
    free(m->results[i].reason);
  free(m->results);
}

static const list_ops results_ops = {check_count, results_enc, results_dec,
                                     results_release, NULL};

static const field push_result_fields[] = {
    FIELD(fs_msg_push_result, n, "results", F_LIST, 0, FS_MSG_MAX_ITEMS, &results_ops),
};

/* ---- PULL, CHECKPOINT, NOTIFY, PING, PONG ------------------------------ */

static const field pull_fields[] = {
    FIELD(fs_msg_pull, cursor, "cursor", F_UINT, 0, U_ANY, NULL),
    FIELD(fs_msg_pull, limit, "limit", F_UINT, 0, U_ANY, NULL),
};

static const field checkpoint_fields[] = {
    FIELD(fs_msg_checkpoint, cursor, "cursor", F_UINT, 0, U_ANY, NULL),
    FIELD(fs_msg_checkpoint, more, "more", F_BOOL, 0, 0, NULL),
};

static const field notify_fields[] = {
    FIELD(fs_msg_notify, seq, "seq", F_UINT, 0, U_ANY, NULL),
};

static const field ping_fields[] = {
    FIELD(fs_msg_ping, n, "n", F_UINT, 0, U_ANY, NULL),
};

/* ---- PULL_BATCH (rows are written by fs__batch_add_row) ---------------- */

static int kind_enc(pk_t *pk, const void *body) {
  const fs_msg_pull_batch *m = body;

  return pk_key(pk, fs__kind_def(m->kind)->name); /* checked by the caller */
}

static int kind_dec(rd *r, void *body, uint32_t seen) {
  fs_msg_pull_batch *m = body;
  const fs_kind_def *kd;
  char name[FS_MSG_NAME_MAX + 1];
  int rc = rd_strcpy(r, name, sizeof name);

  (void)seen;
  if (rc)
    return rc;
  kd = fs__kind_by_name(name);
  if (kd == NULL)
    return FS_EUNKNOWN_FIELD; /* no row of it can be stored here */
  m->kind = kd->kind;
  return 0;
}

static int cols_enc(pk_t *pk, const void *body) {
  const fs_msg_pull_batch *m = body;
  const fs_kind_def *kd = fs__kind_def(m->kind);
  int rc = msgpack_pack_array(pk, (size_t)m->ncols);

  for (int c = 0; rc == 0 && c < m->ncols; c++)
    rc = pk_key(pk, kd->fields[m->cols[c]].name);
  return rc;
}

/* Columns are names of kind's fields: kind must come first. */
static int cols_dec(rd *r, void *body, uint32_t seen) {
  fs_msg_pull_batch *m = body;
  const fs_kind_def *kd = fs__kind_def(m->kind);
  uint32_t n;
  char name[FS_MSG_NAME_MAX + 1];
  unsigned char used[FS_MSG_MAX_FIELDS] = {0};
  int rc = (seen & 1u) ? rd_array(r, &n, FS_MSG_MAX_FIELDS, 1) : FS_EPROTO;

  for (uint32_t c = 0; rc == 0 && c < n; c++) {
    int idx;
    rc = rd_strcpy(r, name, sizeof name);
    if (rc)
      break;
    idx = fs__field_index(kd, name);
    if (idx >= FS_MSG_MAX_FIELDS)
      idx = -1;
    if (idx >= 0 && used[idx])
      rc = FS_EPROTO;
    else if (idx >= 0)
      used[idx] = 1;
    m->cols[c] = idx;
  }
  if (rc == 0)
    m->ncols = (int)n;
  return rc;
}

/* Rows need kind and fields first. */
static int rows_dec(rd *r, void *body, uint32_t seen) {
  fs_msg_pull_batch *m = body;
  uint32_t n;
  void *items;
  int unknown_col = 0, rc;

  if ((seen & 3u) != 3u)
    return FS_EPROTO;
  /* A row is at least fixarray + 34-byte id + 2 x 3-byte staff codes +
   * bool, hlc, seq, bin header, one byte per column. */
  rc = rd_list(r, FS_MSG_MAX_ROWS, 45 + (size_t)m->ncols, sizeof *m->rows, &items, &n);
  m->rows = items;
  if (rc || n == 0)
    return rc;
  for (int c = 0; c < m->ncols; c++)
    unknown_col |= m->cols[c] < 0;
  m->rcs = calloc(n, sizeof *m->rcs);
  if (m->rcs == NULL)
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

static void rows_release(void *body) {
  fs_msg_pull_batch *m = body;

  for (uint32_t i = 0; m->rows && i < m->nrows; i++)
    fs__row_release(&m->rows[i]);
  free(m->rows);
  free(m->rcs);
}

static const list_ops kind_ops = {NULL, kind_enc, kind_dec, NULL, NULL};
static const list_ops cols_ops = {NULL, cols_enc, cols_dec, NULL, NULL};
static const list_ops rows_ops = {NULL, NULL, rows_dec, rows_release, NULL};

/* "rows" last: a decoder needs kind and fields first. */
static const field pull_batch_fields[] = {
    FIELD(fs_msg_pull_batch, kind, "kind", F_LIST, 0, 0, &kind_ops),
    FIELD(fs_msg_pull_batch, ncols, "fields", F_LIST, 0, 0, &cols_ops),
    FIELD(fs_msg_pull_batch, nrows, "rows", F_LIST, 0, 0, &rows_ops),
};

/* ---- EVICT ------------------------------------------------------------- */

static int evict_enc(pk_t *pk, const void *body) {
  const fs_msg_evict *m = body;
  int rc = msgpack_pack_array(pk, m->n);

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

static int evict_dec(rd *r, void *body, uint32_t seen) {
  fs_msg_evict *m = body;
  uint32_t cnt;
  char name[FS_MSG_NAME_MAX + 1];
  void *items;
  int rc = rd_list(r, FS_MSG_MAX_ITEMS, 36, sizeof *m->items, &items, &cnt);

  (void)seen;
  m->items = items;
  for (uint32_t j = 0; rc == 0 && j < cnt; j++) {
    const fs_kind_def *kd;
    fs_evict_item *x = &m->items[m->n];
    rc = rd_tuple(r, 2);
    if (rc == 0)
      rc = rd_strcpy(r, name, sizeof name);
    if (rc)
      break;
    kd = fs__kind_by_name(name);
    rc = rd_id(r, x->id);
    if (rc == 0 && kd) { /* unknown kinds: nothing to erase here */
      x->kind = kd->kind;
      m->n++;
    }
  }
  return rc;
}

static void evict_release(void *body) {
  free(((fs_msg_evict *)body)->items);
}

static const list_ops evict_ops = {check_count, evict_enc, evict_dec, evict_release,
                                   NULL};

static const field evict_fields[] = {
    FIELD(fs_msg_evict, n, "items", F_LIST, 0, FS_MSG_MAX_ITEMS, &evict_ops),
};

/* ---- WIPE, BYE --------------------------------------------------------- */

static const field reason_fields[] = {
    FIELD(fs_msg_reason, reason, "reason", F_STR, 0, FS_MSG_STR_MAX, NULL),
};

/* ---- ERROR ------------------------------------------------------------- */

static int versions_check(const field *f, const void *body) {
  const fs_msg_error *m = body;

  (void)f;
  return m->nversions < 0 || m->nversions > FS_MSG_MAX_VERSIONS ? FS_EOVERFLOW : 0;
}

static int versions_enc(pk_t *pk, const void *body) {
  const fs_msg_error *m = body;
  int rc = msgpack_pack_array(pk, (size_t)m->nversions);

  for (int i = 0; rc == 0 && i < m->nversions; i++)
    rc = msgpack_pack_uint32(pk, m->versions[i]);
  return rc;
}

static int versions_dec(rd *r, void *body, uint32_t seen) {
  fs_msg_error *m = body;
  uint32_t cnt;
  int rc = rd_array(r, &cnt, FS_MSG_MAX_VERSIONS, 1);

  (void)seen;
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
  return rc;
}

static const list_ops versions_ops = {versions_check, versions_enc, versions_dec, NULL,
                                      NULL};

static const field error_fields[] = {
    FIELD(fs_msg_error, code, "code", F_INT, 0, 0, NULL),
    FIELD(fs_msg_error, text, "text", F_STR, 0, FS_MSG_STR_MAX, NULL),
    /* sent with FS_EVERSION */
    FIELD(fs_msg_error, nversions, "versions", F_LIST, F_OPT, 0, &versions_ops),
};

/* ---- ADMIN ------------------------------------------------------------- */

static int args_enc(pk_t *pk, const void *body) {
  const fs_msg_admin *m = body;
  int rc = msgpack_pack_map(pk, m->nargs);

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

static int dec_arg(rd *r, fs_admin_arg *a) {
  uint8_t b;
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
    void *items;
    a->type = FS_ARG_LIST;
    rc = rd_list(r, FS_MSG_MAX_LIST, 1, sizeof *a->list, &items, &a->nlist);
    a->list = items;
    for (uint32_t i = 0; rc == 0 && i < a->nlist; i++)
      rc = rd_strdup(r, FS_MSG_STR_MAX, &a->list[i]);
    return rc;
  }
  a->type = FS_ARG_INT;
  return rd_int(r, &a->i); /* anything else is refused here */
}

static int args_dec(rd *r, void *body, uint32_t seen) {
  fs_msg_admin *m = body;
  uint32_t n;
  int rc = rd_map(r, &n, FS_MSG_MAX_ARGS);

  (void)seen;
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

static void args_release(void *body) {
  fs_msg_admin *m = body;

  for (uint32_t i = 0; m->args && i < m->nargs; i++) {
    fs_admin_arg *a = &m->args[i];
    free(a->key);
    free(a->s);
    for (uint32_t j = 0; a->list && j < a->nlist; j++)
      free(a->list[j]);
    free(a->list);
  }
  free(m->args);
}

static const list_ops args_ops = {check_count, args_enc, args_dec, args_release, NULL};

static const field admin_fields[] = {
    FIELD(fs_msg_admin, cmd, "cmd", F_STR, 0, FS_MSG_NAME_MAX, NULL),
    FIELD(fs_msg_admin, nargs, "args", F_LIST, 0, FS_MSG_MAX_ARGS, &args_ops),
};

/* ---- ADMIN_RESULT ------------------------------------------------------ */

static const field admin_result_fields[] = {
    FIELD(fs_msg_admin_result, ok, "ok", F_BOOL, 0, 0, NULL),
    FIELD(fs_msg_admin_result, code, "code", F_INT, 0, 0, NULL),
    FIELD(fs_msg_admin_result, text, "text", F_STR, 0, FS_MSG_STR_MAX, NULL),
    FIELD(fs_msg_admin_result, out, "out", F_STR, 0, FS_MSG_BLOB_MAX, NULL),
    FIELD(fs_msg_admin_result, json, "json", F_STR, 0, FS_MSG_BLOB_MAX, NULL),
};

/* ---- CONFLICTS: a list of maps ----------------------------------------- */

static const field conflict_fields[] = {
    /* optional, first: a fenced item (msg.h) */
    FIELD(fs_conflict_item, fenced, "fenced", F_STAFF, F_OPT, 0, NULL),
    FIELD(fs_conflict_item, kind, "kind", F_STR, 0, FS_MSG_NAME_MAX, NULL),
    FIELD(fs_conflict_item, id, "id", F_ID, 0, 0, NULL),
    FIELD(fs_conflict_item, field, "field", F_STR, 0, FS_MSG_NAME_MAX, NULL),
    FIELD(fs_conflict_item, loser, "loser", F_VALUE, 0, 0, NULL),
    FIELD(fs_conflict_item, loser_hlc, "loser_hlc", F_UINT, 0, U_ANY, NULL),
    FIELD(fs_conflict_item, winner, "winner", F_VALUE, 0, 0, NULL),
    FIELD(fs_conflict_item, winner_hlc, "winner_hlc", F_UINT, 0, U_ANY, NULL),
    FIELD(fs_conflict_item, author, "author", F_STAFF, 0, 0, NULL),
    FIELD(fs_conflict_item, at, "at", F_UINT, 0, U_MS, NULL),
};

static int conflicts_enc(pk_t *pk, const void *body) {
  const fs_msg_conflicts *m = body;
  int rc = msgpack_pack_array(pk, m->n);

  for (uint32_t i = 0; rc == 0 && i < m->n; i++)
    rc = enc_map(pk, conflict_fields, NFIELDS(conflict_fields), &m->items[i], 0);
  return rc;
}

static int conflicts_dec(rd *r, void *body, uint32_t seen) {
  fs_msg_conflicts *m = body;
  void *items;
  int rc = rd_list(r, FS_MSG_MAX_ITEMS, 60, sizeof *m->items, &items, &m->n);

  (void)seen;
  m->items = items;
  for (uint32_t j = 0; rc == 0 && j < m->n; j++)
    rc = dec_map(r, conflict_fields, NFIELDS(conflict_fields), &m->items[j]);
  return rc;
}

static void conflicts_release(void *body) {
  fs_msg_conflicts *m = body;

  for (uint32_t i = 0; m->items && i < m->n; i++)
    release_map(conflict_fields, NFIELDS(conflict_fields), &m->items[i]);
  free(m->items);
}

static const list_ops conflicts_ops = {check_count, conflicts_enc, conflicts_dec,
                                       conflicts_release, NULL};

static const field conflicts_fields[] = {
    FIELD(fs_msg_conflicts, n, "items", F_LIST, 0, FS_MSG_MAX_ITEMS, &conflicts_ops),
};

/* ---- NOTICE ------------------------------------------------------------ */

static const field notice_fields[] = {
    FIELD(fs_msg_notice, kind, "kind", F_STR, 0, FS_MSG_NAME_MAX, NULL),
    FIELD(fs_msg_notice, at, "at", F_UINT, 0, U_MS, NULL),
    FIELD(fs_msg_notice, body, "body", F_STR, 0, FS_MSG_TEXT_MAX, NULL),
};

/* ---- all bodies -------------------------------------------------------- */

typedef struct body_desc {
  const field *f;
  int n;
} body_desc;

#define BODY(t)                                                                          \
  { t, NFIELDS(t) }

/* Every body struct is a member of the union fs_msg.u, so &m->u is it. */
static const body_desc bodies[FS_MSG_TYPE_MAX + 1] = {
    [FS_MSG_HELLO] = BODY(hello_fields),
    [FS_MSG_WELCOME] = BODY(welcome_fields),
    [FS_MSG_PUSH] = BODY(push_fields),
    [FS_MSG_PUSH_RESULT] = BODY(push_result_fields),
    [FS_MSG_PULL] = BODY(pull_fields),
    [FS_MSG_PULL_BATCH] = BODY(pull_batch_fields),
    [FS_MSG_CHECKPOINT] = BODY(checkpoint_fields),
    [FS_MSG_NOTIFY] = BODY(notify_fields),
    [FS_MSG_EVICT] = BODY(evict_fields),
    [FS_MSG_WIPE] = BODY(reason_fields),
    [FS_MSG_ERROR] = BODY(error_fields),
    [FS_MSG_ADMIN] = BODY(admin_fields),
    [FS_MSG_ADMIN_RESULT] = BODY(admin_result_fields),
    [FS_MSG_CONFLICTS] = BODY(conflicts_fields),
    [FS_MSG_NOTICE] = BODY(notice_fields),
    [FS_MSG_PING] = BODY(ping_fields),
    [FS_MSG_PONG] = BODY(ping_fields),
    [FS_MSG_BYE] = BODY(reason_fields),
};

/* The body of a valid type, NULL for any other. */
static const body_desc *body_of(int type) {
  if (type < 1 || type > FS_MSG_TYPE_MAX)
    return NULL;
  return &bodies[type];
}

/* ======================================================================
 * Encoding entry points
 * ====================================================================== */

/* Ends an encoding step that started at out->len == mark of a message that
 * started at start: one over max bytes is FS_ETOOBIG, and on any error the
 * buffer goes back to mark. */
static int enc_end(fs_buf *out, size_t mark, size_t start, size_t max, int rc) {
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
  return enc_end(out, start, start, FS_MSG_MAX_BYTES, rc);
}

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

int fs__change_encode(const fs_change *c, fs_buf *out) {
  msgpack_packer pk;
  size_t start;

  if (c == NULL || out == NULL)
    return FS_EINVAL;
  start = out->len;
  msgpack_packer_init(&pk, out, fs__buf_msgpack_write);
  return enc_end(out, start, start, FS_MSG_MAX_BYTES, pk_change(&pk, c));
}

/* ---- incremental PUSH and PULL_BATCH -----------------------------------
 * Both write the message up to its last key, then an array32 header whose
 * count is patched by finish, then one element per add. */

/* Starts an incremental message of type (body: its fields but the last
 * list) at out->len, at most max_bytes long.  On error out is as on entry
 * and *eout NULL. */
static int incr_begin(fs_buf **eout, size_t *start, size_t *max, size_t *count_at,
                      fs_buf *out, size_t max_bytes, fs_msg_type type, const void *body) {
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
  rc = enc_end(out, *start, *start, *max, rc);
  *eout = rc ? NULL : out;
  return rc;
}

/* Ends an incremental message holding n elements. */
static int incr_finish(fs_buf *out, size_t count_at, uint32_t n) {
  /* Only after a successful begin (which leaves out NULL on failure). */
  if (out == NULL || count_at + 4 > out->len)
    return FS_ESTATE;
  out->data[count_at] = (uint8_t)(n >> 24);
  out->data[count_at + 1] = (uint8_t)(n >> 16);
  out->data[count_at + 2] = (uint8_t)(n >> 8);
  out->data[count_at + 3] = (uint8_t)n;
  return 0;
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
  rc = incr_begin(&e->out, &e->start, &e->max, &e->count_at, out, max_bytes, FS_MSG_PUSH,
                  &head);
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
  rc = pk_change(&pk, c);
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
  rc = incr_finish(e->out, e->count_at, e->n);
  if (rc == 0 && e->any_base) {
    size_t mark = e->out->len;
    msgpack_packer_init(&pk, e->out, fs__buf_msgpack_write);
    rc = pk_key(&pk, "bases");
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

int fs__batch_begin(fs_batch_enc *e, fs_buf *out, fs_kind kind, const int *cols,
                    int ncols, size_t max_bytes) {
  const fs_kind_def *kd = fs__kind_def(kind);
  unsigned char seen[FS_MSG_MAX_FIELDS] = {0};
  fs_msg_pull_batch head = {0};

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
    head.cols[c] = cols[c];
  }
  e->kind = kind;
  e->ncols = ncols;
  e->n = 0;
  head.kind = kind;
  head.ncols = ncols;
  return incr_begin(&e->out, &e->start, &e->max, &e->count_at, out, max_bytes,
                    FS_MSG_PULL_BATCH, &head);
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
  rc = enc_end(e->out, mark, e->start, e->max, pk_row(&pk, e->cols, e->ncols, r));
  if (rc == 0)
    e->n++;
  return rc;
}

int fs__batch_finish(fs_batch_enc *e) {
  return e ? incr_finish(e->out, e->count_at, e->n) : FS_ESTATE;
}

/* ======================================================================
 * Decoding entry points
 * ====================================================================== */

/* Points r at the n input bytes: FS_ETRUNC for none (which also keeps
 * NULL + 0 out of the reader), FS_ETOOBIG for more than a message. */
static int rd_open(rd *r, const uint8_t *p, size_t n) {
  if (n == 0)
    return FS_ETRUNC;
  if (n > FS_MSG_MAX_BYTES)
    return FS_ETOOBIG;
  r->p = p;
  r->end = p + n;
  return 0;
}

/* Reads the envelope's array header and its first element, the version
 * (frozen forever: PROTOCOL.md section 8). */
static int rd_version(rd *r, uint32_t *cnt, uint64_t *version) {
  int rc = rd_array(r, cnt, UINT32_MAX, 1);
  if (rc == 0 && *cnt < 1)
    rc = FS_EPROTO;
  if (rc == 0)
    rc = rd_uint(r, version);
  return rc;
}

int fs__msg_peek_version(const uint8_t *p, size_t n, uint64_t *version) {
  rd r;
  uint32_t cnt;
  int rc;

  if (version == NULL || (p == NULL && n > 0))
    return FS_EINVAL;
  rc = rd_open(&r, p, n);
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
  rc = rd_open(&r, p, n);
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
    rc = rd_uint(&r, &type);
  bd = rc == 0 && type <= FS_MSG_TYPE_MAX ? body_of((int)type) : NULL;
  if (rc == 0 && bd == NULL)
    rc = FS_EPROTO;
  if (rc)
    goto out;
  out->type = (fs_msg_type)type;
  rc = dec_map(&r, bd->f, bd->n, &out->u);
  if (rc == 0 && r.p != r.end)
    rc = FS_EPROTO; /* trailing bytes */
out:
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
  rc = rd_open(&r, p, n);
  if (rc)
    return rc;
  rc = rd_change(&r, c, &unknown, NULL);
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
  const body_desc *bd;

  if (m == NULL)
    return;
  bd = body_of(m->type);
  if (bd)
    release_map(bd->f, bd->n, &m->u);
  memset(m, 0, sizeof *m);
}
