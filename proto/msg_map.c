/* msg_map.c - body maps of the message codec: the one encoder, decoder and
 * release that walk the field tables describing every body (msg_int.h;
 * see msg.h and PROTOCOL.md sections 5-8).
 *
 * The tables themselves are kept with their messages (msg_session.c,
 * msg_push.c, msg_pull.c, msg_admin.c); a value that is not a plain field
 * (F_LIST) is read and written by the list_ops of its table.
 */
#include "msg_int.h"

#include <stdlib.h>
#include <string.h>

#include "fs_errno.h"

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

int fs__map_check(const field *f, int nf, const void *body) {
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
    return fs__pk_umax(pk, *(const uint64_t *)p, f->max);
  case F_BOOL:
    return fs__pk_bool(pk, *(const int *)p);
  case F_INT:
    return msgpack_pack_int(pk, *(const int *)p);
  case F_STR:
    return fs__pk_str(pk, *(char *const *)p, f->max);
  case F_STAFF:
    return fs__pk_staff(pk, p, 1);
  case F_ID:
    return fs__pk_id(pk, p);
  case F_VALUE:
    return fs__pk_value(pk, p);
  default:
    return f->ops->enc(pk, body);
  }
}

int fs__map_enc(pk_t *pk, const field *f, int nf, const void *body, int open_last) {
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
    rc = fs__pk_key(pk, f[i].key);
    if (rc == 0 && !(open_last && i == last))
      rc = enc_field(pk, &f[i], body);
  }
  return rc;
}

static int dec_field(rd *r, const field *f, void *body, uint32_t seen) {
  void *p = member(body, f);

  switch (f->kind) {
  case F_UINT:
    return fs__rd_umax(r, p, f->max);
  case F_BOOL:
    return fs__rd_bool(r, p);
  case F_INT:
    return fs__rd_cint(r, p);
  case F_STR:
    return fs__rd_strdup(r, f->max, p);
  case F_STAFF:
    return fs__rd_staff(r, p, 1);
  case F_ID:
    return fs__rd_id(r, p);
  case F_VALUE:
    return fs__rd_value(r, p);
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
  int rc = fs__rd_str(r, FS_MSG_NAME_MAX, &s, &n);

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
  return fs__rd_skip(r, 1);
}

int fs__map_dec(rd *r, const field *f, int nf, void *body) {
  uint32_t n, seen = 0, need = 0;
  int k, rc = fs__rd_map(r, &n, FS_MSG_MAX_KEYS);

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

void fs__map_release(const field *f, int nf, void *body) {
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

int fs__map_check_count(const field *f, const void *body) {
  return *(const uint32_t *)cmember(body, f) > f->max ? FS_EOVERFLOW : 0;
}
