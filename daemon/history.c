/* history.c - the per-record history's fields blob and its clearing
 * (history.h). */
#include "history.h"

#include <msgpack.h>
#include <stdlib.h>
#include <string.h>

#include "fs_errno.h"

static int pack_value(msgpack_packer *pk, const fs_value *v) {
  if (v == NULL || v->type == FS_V_NULL)
    return msgpack_pack_nil(pk);
  if (v->type == FS_V_INT)
    return msgpack_pack_int64(pk, v->i);
  return msgpack_pack_str_with_body(pk, v->s ? v->s : "", v->s ? v->len : 0);
}

static int is_nil(const fs_value *v) {
  return v == NULL || v->type == FS_V_NULL;
}

/* One entry: the short form when nothing was there before and it won. */
static int pack_entry(msgpack_packer *pk, const char *name, const fs_value *old,
                      const fs_value *nv, int won) {
  int rc, shrt = won && is_nil(old);

  rc = msgpack_pack_array(pk, shrt ? 2 : 4);
  if (rc == 0)
    rc = msgpack_pack_str_with_body(pk, name, strlen(name));
  if (rc == 0 && !shrt)
    rc = pack_value(pk, old);
  if (rc == 0)
    rc = pack_value(pk, nv);
  if (rc == 0 && !shrt)
    rc = won ? msgpack_pack_true(pk) : msgpack_pack_false(pk);
  return rc;
}

/* What field i of ch did: its old and new value and whether it won; 0 if
 * it changed nothing (the value it already had, written again). */
static int entry_of(const fs_change *ch, int i, const fs_row *existing,
                    fs_outcome outcome, const fs_value **old, const fs_value **nv,
                    int *won) {
  const fs_field_change *fc = &ch->fields[i];
  int live = existing && !existing->deleted;

  *old = live ? &existing->values[fc->field] : NULL;
  /* A write that meets a tombstone leaves no content (common/store.c). */
  *nv = existing && existing->deleted ? NULL : &fc->value;
  /* Which fields won follows from the outcome but for a merge, which is
   * decided field by field on the row as it was (no read-back). */
  *won = outcome == FS_OUTCOME_APPLIED ||
         (outcome == FS_OUTCOME_MERGED && live && fs__store_field_wins(existing, fc));
  if (*old && fs__value_equal(*old, &fc->value))
    return 0;
  return 1;
}

int fs__history_encode(fs_buf *b, const fs_change *ch, const fs_row *existing,
                       fs_outcome outcome, int *due) {
  const fs_kind_def *kd = ch ? fs__kind_def(ch->kind) : NULL;
  const fs_value *old, *nv;
  msgpack_packer pk;
  int rc, won, count = 0;

  if (b == NULL || kd == NULL || due == NULL)
    return FS_EINVAL;
  *due = 0;
  fs__buf_reset(b);
  /* A create (the bulk of field work: logged visits, new cards) is not
   * copied: what it wrote is found again when printed (history.h). */
  if (existing == NULL && outcome == FS_OUTCOME_APPLIED) {
    unsigned char idx[FS_MSG_MAX_FIELDS];
    if (ch->nfields > FS_MSG_MAX_FIELDS)
      return FS_EINVAL;
    for (int i = 0; i < ch->nfields; i++)
      idx[i] = (unsigned char)ch->fields[i].field;
    msgpack_packer_init(&pk, b, fs__buf_msgpack_write);
    rc = msgpack_pack_bin(&pk, (size_t)ch->nfields);
    if (rc == 0)
      rc = msgpack_pack_bin_body(&pk, idx, (size_t)ch->nfields);
    *due = rc == 0;
    return rc;
  }
  /* Counted first: msgpack writes the length before the elements. */
  for (int i = 0; i < ch->nfields; i++)
    count += entry_of(ch, i, existing, outcome, &old, &nv, &won);
  if (count == 0)
    return 0;
  msgpack_packer_init(&pk, b, fs__buf_msgpack_write);
  rc = msgpack_pack_array(&pk, (size_t)count);
  for (int i = 0; rc == 0 && i < ch->nfields; i++)
    if (entry_of(ch, i, existing, outcome, &old, &nv, &won))
      rc = pack_entry(&pk, kd->fields[ch->fields[i].field].name, old, nv, won);
  if (rc == 0)
    *due = 1;
  return rc;
}

int fs__history_created(const void *p, size_t len, const unsigned char **idx, size_t *n) {
  const unsigned char *b = p;

  /* bin 8: 0xc4, length, bytes (at most FS_MSG_MAX_FIELDS of them). */
  if (b == NULL || len < 2 || b[0] != 0xc4 || (size_t)b[1] + 2 != len)
    return 0;
  *idx = b + 2;
  *n = b[1];
  return 1;
}

static int unpack_value(const msgpack_object *o, fs_value *v) {
  switch (o->type) {
  case MSGPACK_OBJECT_NIL:
    fs__value_free(v);
    return 0;
  case MSGPACK_OBJECT_POSITIVE_INTEGER:
    if (o->via.u64 > INT64_MAX)
      return FS_EPROTO;
    fs__value_set_int(v, (int64_t)o->via.u64);
    return 0;
  case MSGPACK_OBJECT_NEGATIVE_INTEGER:
    fs__value_set_int(v, o->via.i64);
    return 0;
  case MSGPACK_OBJECT_STR:
    return fs__value_set_text(v, o->via.str.ptr, o->via.str.size);
  default:
    return FS_EPROTO;
  }
}

static int unpack_entry(const msgpack_object *o, fs_history_field *f) {
  const msgpack_object *e = o->via.array.ptr;
  uint32_t n = o->via.array.size;
  int rc;

  if (o->type != MSGPACK_OBJECT_ARRAY || (n != 2 && n != 4) ||
      e[0].type != MSGPACK_OBJECT_STR || e[0].via.str.size > FS_HISTORY_NAME_MAX ||
      (n == 4 && e[3].type != MSGPACK_OBJECT_BOOLEAN))
    return FS_EPROTO;
  memcpy(f->name, e[0].via.str.ptr, e[0].via.str.size);
  f->name[e[0].via.str.size] = '\0';
  f->won = n == 2 || e[3].via.boolean;
  rc = n == 4 ? unpack_value(&e[1], &f->old) : 0;
  return rc ? rc : unpack_value(&e[n == 4 ? 2 : 1], &f->nv);
}

int fs__history_decode(const void *p, size_t len, fs_history_field **out, int *n) {
  msgpack_unpacked u;
  size_t off = 0;
  fs_history_field *f = NULL;
  uint32_t count = 0;
  int rc = 0;

  if (out == NULL || n == NULL || (p == NULL && len > 0))
    return FS_EINVAL;
  *out = NULL;
  *n = 0;
  msgpack_unpacked_init(&u);
  if (msgpack_unpack_next(&u, p, len, &off) != MSGPACK_UNPACK_SUCCESS || off != len ||
      u.data.type != MSGPACK_OBJECT_ARRAY) {
    rc = FS_EPROTO;
    goto out;
  }
  count = u.data.via.array.size;
  if (count > 0) {
    f = calloc(count, sizeof(*f));
    if (f == NULL) {
      rc = FS_ENOMEM;
      goto out;
    }
  }
  for (uint32_t i = 0; i < count && rc == 0; i++)
    rc = unpack_entry(&u.data.via.array.ptr[i], &f[i]);
out:
  msgpack_unpacked_destroy(&u);
  if (rc) {
    fs__history_fields_free(f, (int)count);
    return rc;
  }
  *out = f;
  *n = (int)count;
  return 0;
}

void fs__history_fields_free(fs_history_field *f, int n) {
  for (int i = 0; f && i < n; i++) {
    fs__value_free(&f[i].old);
    fs__value_free(&f[i].nv);
  }
  free(f);
}

/* 1 if the values of field name go under what. */
static int cleared(const fs_kind_def *kd, const char *name, fs_history_clear what) {
  int f = fs__field_index(kd, name);

  if (what == FS_HISTORY_ALL || f < 0) /* a field the model no longer has: clear */
    return 1;
  if (what == FS_HISTORY_PERSONAL)
    return (kd->fields[f].flags & FS_F_PERSONAL) != 0;
  return !fs__field_kept_on_tombstone(kd, f);
}

/* The blob of f with the values what covers set to nil, into b; *changed
 * is 1 if a value went. */
static int clear_fields(const fs_kind_def *kd, fs_history_field *f, int n,
                        fs_history_clear what, fs_buf *b, int *changed) {
  msgpack_packer pk;
  int rc;

  *changed = 0;
  fs__buf_reset(b);
  msgpack_packer_init(&pk, b, fs__buf_msgpack_write);
  rc = msgpack_pack_array(&pk, (size_t)n);
  for (int i = 0; rc == 0 && i < n; i++) {
    if (cleared(kd, f[i].name, what) && (!is_nil(&f[i].old) || !is_nil(&f[i].nv))) {
      fs__value_free(&f[i].old);
      fs__value_free(&f[i].nv);
      *changed = 1;
    }
    rc = pack_entry(&pk, f[i].name, &f[i].old, &f[i].nv, f[i].won);
  }
  return rc;
}

int fs__history_blob_clear(fs_kind kind, const void *p, size_t len, fs_history_clear what,
                           fs_buf *b, int *changed) {
  const fs_kind_def *kd = fs__kind_def(kind);
  fs_history_field *f = NULL;
  const unsigned char *idx;
  size_t ni;
  int rc, n = 0;

  *changed = 0;
  if (kd == NULL)
    return FS_EINVAL;
  if (fs__history_created(p, len, &idx, &ni))
    return 0; /* no values of its own */
  rc = fs__history_decode(p, len, &f, &n);
  if (rc == 0)
    rc = clear_fields(kd, f, n, what, b, changed);
  fs__history_fields_free(f, n);
  return rc;
}
