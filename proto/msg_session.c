/* msg_session.c - the bodies of the messages that open, keep and close a
 * device session: HELLO, WELCOME, ERROR (also on the admin socket), WIPE,
 * BYE, PING and PONG (see msg.h, msg_int.h and PROTOCOL.md sections 5.5
 * and 7).
 */
#include "msg.h"

#include <stdint.h>
#include <string.h>

#include "fs_errno.h"
#include "msg_int.h"

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
      rc = fs__pk_key(pk, want_names[i]);
  return rc;
}

static int want_dec(rd *r, void *body, uint32_t seen) {
  fs_msg_hello *h = body;
  uint32_t n;
  const uint8_t *s;
  size_t len;
  int rc = fs__rd_array(r, &n, FS_MSG_MAX_WANT, 1);

  (void)seen;
  h->want = 0;
  for (uint32_t i = 0; rc == 0 && i < n; i++) {
    rc = fs__rd_str(r, FS_MSG_NAME_MAX, &s, &len);
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
    /* model generations (PROTOCOL.md 5.5.1, 8.1): added within version 1 */
    FIELD(fs_msg_hello, model, "model", F_UINT, F_OPT, U_ANY, NULL),
};
const body_desc fs__msg_hello_body = BODY(hello_fields);

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
const body_desc fs__msg_welcome_body = BODY(welcome_fields);

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
  int rc = fs__rd_array(r, &cnt, FS_MSG_MAX_VERSIONS, 1);

  (void)seen;
  for (uint32_t j = 0; rc == 0 && j < cnt; j++) {
    uint64_t v;
    rc = fs__rd_uint(r, &v);
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
const body_desc fs__msg_error_body = BODY(error_fields);

/* ---- WIPE, BYE --------------------------------------------------------- */

static const field reason_fields[] = {
    FIELD(fs_msg_reason, reason, "reason", F_STR, 0, FS_MSG_STR_MAX, NULL),
};
const body_desc fs__msg_reason_body = BODY(reason_fields);

/* ---- PING, PONG -------------------------------------------------------- */

static const field ping_fields[] = {
    FIELD(fs_msg_ping, n, "n", F_UINT, 0, U_ANY, NULL),
};
const body_desc fs__msg_ping_body = BODY(ping_fields);
