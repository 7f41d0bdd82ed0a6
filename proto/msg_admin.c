/* msg_admin.c - ADMIN and ADMIN_RESULT bodies, the messages of the admin
 * socket (see msg.h, msg_int.h and PROTOCOL.md sections 5.5.12, 5.5.13
 * and 9).
 */
#include "msg.h"

#include <stdlib.h>
#include <string.h>

#include "fs_errno.h"
#include "msg_int.h"

/* ---- ADMIN ------------------------------------------------------------- */

static int args_enc(pk_t *pk, const void *body) {
  const fs_msg_admin *m = body;
  int rc = msgpack_pack_map(pk, m->nargs);

  for (uint32_t i = 0; rc == 0 && i < m->nargs; i++) {
    const fs_admin_arg *a = &m->args[i];
    for (uint32_t j = 0; j < i; j++)
      if (strcmp(a->key ? a->key : "", m->args[j].key ? m->args[j].key : "") == 0)
        return FS_EINVAL; /* the decoder refuses duplicate keys */
    rc = fs__pk_str(pk, a->key, FS_MSG_NAME_MAX);
    if (rc)
      break;
    switch (a->type) {
    case FS_ARG_STR:
      rc = fs__pk_str(pk, a->s, FS_MSG_STR_MAX);
      break;
    case FS_ARG_INT:
      rc = msgpack_pack_int64(pk, a->i);
      break;
    case FS_ARG_BOOL:
      rc = fs__pk_bool(pk, a->i != 0);
      break;
    case FS_ARG_LIST:
      if (a->nlist > FS_MSG_MAX_LIST)
        return FS_EOVERFLOW;
      rc = msgpack_pack_array(pk, a->nlist);
      for (uint32_t j = 0; rc == 0 && j < a->nlist; j++)
        rc = fs__pk_str(pk, a->list[j], FS_MSG_STR_MAX);
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
    return fs__rd_strdup(r, FS_MSG_STR_MAX, &a->s);
  }
  if (b == 0xc2 || b == 0xc3) {
    int v = 0;
    a->type = FS_ARG_BOOL;
    rc = fs__rd_bool(r, &v);
    a->i = v;
    return rc;
  }
  if ((b >= 0x90 && b <= 0x9f) || b == 0xdc || b == 0xdd) {
    void *items;
    a->type = FS_ARG_LIST;
    rc = fs__rd_list(r, FS_MSG_MAX_LIST, 1, sizeof *a->list, &items, &a->nlist);
    a->list = items;
    for (uint32_t i = 0; rc == 0 && i < a->nlist; i++)
      rc = fs__rd_strdup(r, FS_MSG_STR_MAX, &a->list[i]);
    return rc;
  }
  a->type = FS_ARG_INT;
  return fs__rd_int(r, &a->i); /* anything else is refused here */
}

static int args_dec(rd *r, void *body, uint32_t seen) {
  fs_msg_admin *m = body;
  uint32_t n;
  int rc = fs__rd_map(r, &n, FS_MSG_MAX_ARGS);

  (void)seen;
  if (rc || n == 0)
    return rc;
  m->args = calloc(n, sizeof *m->args);
  if (m->args == NULL)
    return FS_ENOMEM;
  m->nargs = n;
  for (uint32_t i = 0; rc == 0 && i < n; i++) {
    rc = fs__rd_strdup(r, FS_MSG_NAME_MAX, &m->args[i].key);
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

static const list_ops args_ops = {fs__map_check_count, args_enc, args_dec, args_release,
                                  NULL};

static const field admin_fields[] = {
    FIELD(fs_msg_admin, cmd, "cmd", F_STR, 0, FS_MSG_NAME_MAX, NULL),
    FIELD(fs_msg_admin, nargs, "args", F_LIST, 0, FS_MSG_MAX_ARGS, &args_ops),
};
const body_desc fs__msg_admin_body = BODY(admin_fields);

/* ---- ADMIN_RESULT ------------------------------------------------------ */

static const field admin_result_fields[] = {
    FIELD(fs_msg_admin_result, ok, "ok", F_BOOL, 0, 0, NULL),
    FIELD(fs_msg_admin_result, code, "code", F_INT, 0, 0, NULL),
    FIELD(fs_msg_admin_result, text, "text", F_STR, 0, FS_MSG_STR_MAX, NULL),
    FIELD(fs_msg_admin_result, out, "out", F_STR, 0, FS_MSG_BLOB_MAX, NULL),
    FIELD(fs_msg_admin_result, json, "json", F_STR, 0, FS_MSG_BLOB_MAX, NULL),
    FIELD(fs_msg_admin_result, table, "table", F_STR, F_OPT, FS_MSG_BLOB_MAX, NULL),
    FIELD(fs_msg_admin_result, table_end, "table_end", F_UINT, F_OPT, FS_MSG_BLOB_MAX,
          NULL),
};
const body_desc fs__msg_admin_result_body = BODY(admin_result_fields);
