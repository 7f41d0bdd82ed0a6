/* msg_change.c - record data of the message codec: changes (PUSH and the
 * client outbox payload) and rows (PULL_BATCH) (see msg.h, msg_int.h and
 * PROTOCOL.md sections 5.5.3 and 5.5.6).
 *
 * Both are positional arrays, not maps.  Names of kinds and fields travel
 * as text and are looked up in the model here; what this build does not
 * know is decoded all the same (so a malformed value is refused either
 * way) and reported as unknown.
 */
#include "msg.h"

#include <stdlib.h>
#include <string.h>

#include "fs_errno.h"
#include "msg_int.h"

/* ======================================================================
 * Changes (PUSH and the outbox payload)
 * ====================================================================== */

int fs__pk_change(pk_t *pk, const fs_change *c) {
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
    rc = fs__pk_umax(pk, c->counter, FS_MSG_UINT_MAX);
  if (rc == 0)
    rc = fs__pk_key(pk, kd->name);
  if (rc == 0)
    rc = fs__pk_id(pk, c->id);
  if (rc == 0)
    rc = msgpack_pack_uint32(pk, (uint32_t)c->op);
  if (rc == 0)
    rc = fs__pk_staff(pk, c->owner, 0);
  if (rc == 0)
    rc = fs__pk_staff(pk, c->author, 0);
  if (rc == 0)
    rc = fs__pk_umax(pk, c->hlc, FS_MSG_UINT_MAX);
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
      rc = fs__pk_key(pk, kd->fields[f->field].name);
    if (rc == 0)
      rc = fs__pk_umax(pk, f->hlc, FS_MSG_UINT_MAX);
    if (rc == 0)
      rc = fs__pk_value(pk, &f->value);
  }
  return rc;
}

int fs__rd_change(rd *r, fs_change *c, int *unknown, uint32_t *nwire) {
  const fs_kind_def *kd;
  char name[FS_MSG_NAME_MAX + 1];
  uint64_t op;
  uint32_t nf;
  unsigned char seen[FS_MSG_MAX_FIELDS];
  fs_value junk = {0};
  int rc;

  *unknown = 0;
  rc = fs__rd_tuple(r, 8);
  if (rc == 0)
    rc = fs__rd_umax(r, &c->counter, FS_MSG_UINT_MAX);
  if (rc == 0)
    rc = fs__rd_strcpy(r, name, sizeof name);
  if (rc)
    return rc;
  kd = fs__kind_by_name(name);
  c->kind = kd ? kd->kind : FS_KIND__COUNT;
  if (kd == NULL)
    *unknown = 1;
  rc = fs__rd_id(r, c->id);
  if (rc == 0)
    rc = fs__rd_uint(r, &op);
  if (rc == 0 && op != FS_OP_UPSERT && op != FS_OP_DELETE)
    rc = FS_EPROTO;
  if (rc)
    return rc;
  c->op = (fs_op)op;
  rc = fs__rd_staff(r, c->owner, 0);
  if (rc == 0)
    rc = fs__rd_staff(r, c->author, 0);
  if (rc == 0)
    rc = fs__rd_umax(r, &c->hlc, FS_MSG_UINT_MAX);
  /* A field entry is at least 4 bytes: fixarray, fixstr, fixint, nil. */
  if (rc == 0)
    rc = fs__rd_array(r, &nf, FS_MSG_MAX_FIELDS, 4);
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

    rc = fs__rd_tuple(r, 3);
    if (rc == 0)
      rc = fs__rd_strcpy(r, name, sizeof name);
    if (rc)
      break;
    idx = kd ? fs__field_index(kd, name) : -1;
    /* Every kind has at most FS_MSG_MAX_FIELDS fields (checked by the unit
     * test), so the index fits seen[]. */
    if (idx >= FS_MSG_MAX_FIELDS)
      idx = -1;
    rc = fs__rd_umax(r, &hlc, FS_MSG_UINT_MAX);
    if (rc)
      break;
    if (idx < 0) {
      /* Still decoded, so a malformed value is refused either way. */
      *unknown = 1;
      rc = fs__rd_value(r, &junk);
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
    rc = fs__rd_value(r, &f->value);
    c->nfields++; /* counted even on error: value may own memory */
    if (rc)
      break;
  }
  return rc;
}

/* ======================================================================
 * Rows (PULL_BATCH)
 * ====================================================================== */

int fs__pk_row(pk_t *pk, const int *cols, int ncols, const fs_row *row) {
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
    rc = fs__pk_id(pk, row->id);
  if (rc == 0)
    rc = fs__pk_staff(pk, row->owner, 0);
  if (rc == 0)
    rc = fs__pk_staff(pk, row->author, 0);
  if (rc == 0)
    rc = fs__pk_bool(pk, row->deleted);
  if (rc == 0)
    rc = fs__pk_umax(pk, row->hlc, FS_MSG_UINT_MAX);
  if (rc == 0)
    rc = fs__pk_umax(pk, row->seq, FS_MSG_UINT_MAX);
  if (rc == 0)
    rc = msgpack_pack_bin_with_body(pk, clk, 8 * (size_t)ncols);
  for (int c = 0; rc == 0 && c < ncols; c++)
    rc = fs__pk_value(pk, &row->values[cols[c]]);
  return rc;
}

int fs__rd_row(rd *r, const int *cols, int ncols, fs_row *row, int *unknown) {
  const uint8_t *clk;
  size_t nclk;
  fs_value junk = {0};
  int rc;

  *unknown = 0;
  rc = fs__rd_tuple(r, 7 + (uint32_t)ncols);
  if (rc == 0)
    rc = fs__rd_id(r, row->id);
  if (rc == 0)
    rc = fs__rd_staff(r, row->owner, 0);
  if (rc == 0)
    rc = fs__rd_staff(r, row->author, 0);
  if (rc == 0)
    rc = fs__rd_bool(r, &row->deleted);
  if (rc == 0)
    rc = fs__rd_umax(r, &row->hlc, FS_MSG_UINT_MAX);
  if (rc == 0)
    rc = fs__rd_umax(r, &row->seq, FS_MSG_UINT_MAX);
  if (rc == 0)
    rc = fs__rd_bin(r, 8 * (size_t)FS_MSG_MAX_FIELDS, &clk, &nclk);
  if (rc == 0 && nclk != 8 * (size_t)ncols)
    rc = FS_EPROTO;
  for (int c = 0; rc == 0 && c < ncols; c++) {
    int f = cols[c];
    if (f < 0) {
      *unknown = 1;
      rc = fs__rd_value(r, &junk);
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
    rc = fs__rd_value(r, &row->values[f]);
  }
  return rc;
}

/* ======================================================================
 * One change as bytes (the outbox payload)
 * ====================================================================== */

int fs__change_encode(const fs_change *c, fs_buf *out) {
  msgpack_packer pk;
  size_t start;

  if (c == NULL || out == NULL)
    return FS_EINVAL;
  start = out->len;
  msgpack_packer_init(&pk, out, fs__buf_msgpack_write);
  return fs__msg_enc_end(out, start, start, FS_MSG_MAX_BYTES, fs__pk_change(&pk, c));
}

int fs__change_decode(const uint8_t *p, size_t n, fs_change *c) {
  rd r;
  int unknown = 0, rc;

  if (c == NULL || (p == NULL && n > 0))
    return FS_EINVAL;
  memset(c, 0, sizeof *c);
  rc = fs__rd_open(&r, p, n);
  if (rc)
    return rc;
  rc = fs__rd_change(&r, c, &unknown, NULL);
  if (rc == 0 && r.p != r.end)
    rc = FS_EPROTO;
  if (rc) {
    fs__change_release(c);
    memset(c, 0, sizeof *c);
    return rc;
  }
  return unknown ? FS_EUNKNOWN_FIELD : 0;
}
