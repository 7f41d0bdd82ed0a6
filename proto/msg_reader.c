/* msg_reader.c - the strict bounded msgpack reader of the message codec
 * (contract: msg_int.h; the rules it enforces: msg.h and PROTOCOL.md
 * section 5).
 *
 * Decoding uses this small strict reader rather than msgpack_unpack: the
 * unpacker allocates storage for a container as soon as it reads the count,
 * so 5 hostile bytes could ask for gigabytes.  The reader checks every count
 * against the protocol limit and against the bytes actually left before any
 * allocation, and decodes straight into fs_change / fs_row without an
 * intermediate object tree.
 */
#include "msg_int.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "fs_errno.h"
#include "id.h"

/* ======================================================================
 * Shared validation
 * ====================================================================== */

int fs__msg_utf8_ok(const uint8_t *s, size_t n) {
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

int fs__msg_staff_ok(const char *s, int allow_empty) {
  if (s[0] == '\0')
    return allow_empty;
  return fs__staff_code_valid(s);
}

/* ======================================================================
 * Strict reader
 * ====================================================================== */

int fs__rd_open(rd *r, const uint8_t *p, size_t n) {
  if (n == 0)
    return FS_ETRUNC;
  if (n > FS_MSG_MAX_BYTES)
    return FS_ETOOBIG;
  r->p = p;
  r->end = p + n;
  return 0;
}

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

int fs__rd_uint(rd *r, uint64_t *v) {
  int neg, rc = rd_intraw(r, v, &neg);

  if (rc == 0 && neg)
    rc = FS_EPROTO;
  return rc;
}

int fs__rd_umax(rd *r, uint64_t *v, uint64_t max) {
  int rc = fs__rd_uint(r, v);

  if (rc == 0 && *v > max)
    rc = FS_EPROTO;
  return rc;
}

int fs__rd_int(rd *r, int64_t *v) {
  uint64_t u;
  int neg, rc = rd_intraw(r, &u, &neg);

  if (rc)
    return rc;
  if (!neg && u > (uint64_t)INT64_MAX)
    return FS_EPROTO;
  *v = (int64_t)u;
  return 0;
}

int fs__rd_cint(rd *r, int *v) {
  int64_t x;
  int rc = fs__rd_int(r, &x);

  if (rc)
    return rc;
  if (x < INT_MIN || x > INT_MAX)
    return FS_EPROTO;
  *v = (int)x;
  return 0;
}

int fs__rd_bool(rd *r, int *v) {
  uint8_t b;
  int rc = rd_byte(r, &b);

  if (rc)
    return rc;
  if (b != 0xc2 && b != 0xc3)
    return FS_EPROTO;
  *v = b == 0xc3;
  return 0;
}

int fs__rd_str(rd *r, size_t max, const uint8_t **s, size_t *len) {
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
  if (!fs__msg_utf8_ok(r->p, (size_t)n))
    return FS_EPROTO;
  *s = r->p;
  *len = (size_t)n;
  r->p += n;
  return 0;
}

int fs__rd_strdup(rd *r, size_t max, char **out) {
  const uint8_t *s;
  size_t n;
  char *p;
  int rc = fs__rd_str(r, max, &s, &n);

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

int fs__rd_strcpy(rd *r, char *dst, size_t cap) {
  const uint8_t *s;
  size_t n;
  int rc = fs__rd_str(r, cap - 1, &s, &n);

  if (rc)
    return rc;
  memcpy(dst, s, n);
  dst[n] = '\0';
  return 0;
}

int fs__rd_id(rd *r, char id[FS_ID_HEX + 1]) {
  int rc = fs__rd_strcpy(r, id, FS_ID_HEX + 1);

  if (rc == FS_EOVERFLOW || (rc == 0 && !fs__id_valid(id)))
    rc = FS_EPROTO;
  return rc;
}

int fs__rd_staff(rd *r, char out[FS_STAFF_MAX + 1], int allow_empty) {
  int rc = fs__rd_strcpy(r, out, FS_STAFF_MAX + 1);

  if (rc == FS_EOVERFLOW || (rc == 0 && !fs__msg_staff_ok(out, allow_empty)))
    rc = FS_EPROTO;
  return rc;
}

int fs__rd_bin(rd *r, size_t max, const uint8_t **p, size_t *len) {
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

int fs__rd_array(rd *r, uint32_t *n, uint32_t max, size_t min_elem) {
  return rd_container(r, 0x90, 0xdc, n, max, min_elem);
}

int fs__rd_tuple(rd *r, uint32_t n) {
  uint32_t got;
  int rc = fs__rd_array(r, &got, UINT32_MAX, 1);

  if (rc == 0 && got != n)
    rc = FS_EPROTO;
  return rc;
}

int fs__rd_map(rd *r, uint32_t *n, uint32_t max) {
  return rd_container(r, 0x80, 0xde, n, max, 2);
}

int fs__rd_list(rd *r, uint32_t max, size_t min_elem, size_t size, void **items,
                uint32_t *n) {
  int rc = fs__rd_array(r, n, max, min_elem);

  *items = NULL;
  if (rc || *n == 0)
    return rc;
  *items = calloc(*n, size);
  return *items ? 0 : FS_ENOMEM;
}

static int rd_advance(rd *r, uint64_t n) {
  if (n > rd_left(r))
    return FS_ETRUNC;
  r->p += n;
  return 0;
}

int fs__rd_skip(rd *r, int depth) {
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
    rc = fs__rd_skip(r, depth + 1);
    if (rc)
      return rc;
  }
  return 0;
}

int fs__rd_value(rd *r, fs_value *v) {
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
    rc = fs__rd_str(r, FS_MSG_TEXT_MAX, &s, &n);
    return rc ? rc : fs__value_set_text(v, (const char *)s, n);
  }
  rc = fs__rd_int(r, &i);
  if (rc)
    return rc;
  fs__value_set_int(v, i);
  return 0;
}
