/* wiretest.c - a hostile device speaking the wire protocol directly
 * (wiretest.h). */
#include "wiretest.h"

#include "testutil.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "buf.h"
#include "db.h"
#include "fs_errno.h"
#include "hlc.h"

uint64_t fs_wire_now_ms(void) {
  return fs__now_ms();
}

void fs_wire_load(fs_wire_dev *h, const char *tmp, const char *name) {
  char *dir = fs_test_path(tmp, name), *p = fs_test_path(dir, "replica.db");
  char *kpath = fs_test_path(dir, "device.key");
  char pubtxt[64];
  sqlite3 *db = NULL;

  memset(h, 0, sizeof(*h));
  assert_int_equal(sqlite3_open_v2(p, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  assert_int_equal(fs__meta_get_text(db, "daemon_addr", h->addr, sizeof(h->addr)), 0);
  assert_int_equal(fs__meta_get_text(db, "daemon_pub", pubtxt, sizeof(pubtxt)), 0);
  sqlite3_close(db);
  assert_int_equal(fs__key_from_text(pubtxt, strlen(pubtxt), h->daemon_pub), 0);
  assert_int_equal(fs__keypair_load(&h->kp, kpath), 0);
  free(kpath);
  free(p);
  free(dir);
}

void fs_wire_free(fs_wire_dev *h) {
  if (h == NULL)
    return;
  fs_wire_close(h);
  fs__keypair_free(h->kp);
  h->kp = NULL;
}

void fs_wire_hello_msg(const fs_wire_hello *hello, fs_msg *m) {
  fs_wire_hello dflt = {0};

  if (hello == NULL)
    hello = &dflt;
  fs__msg_init(m, FS_MSG_HELLO);
  m->u.hello.sw = "fieldsync-wiretest/1";
  m->u.hello.time = hello->time ? hello->time : fs_wire_now_ms();
  m->u.hello.cursor = hello->cursor;
  m->u.hello.outbox = hello->outbox;
  m->u.hello.oldest = hello->oldest;
  m->u.hello.want = hello->want ? hello->want : FS_WANT_SYNC;
  m->u.hello.token = (char *)hello->token;
  m->u.hello.model = hello->model;
}

int fs_wire_open(fs_wire_dev *h, const fs_wire_hello *hello) {
  fs_msg m;
  int rc;

  fs_wire_close(h);
  fs_wire_hello_msg(hello, &m);
  memset(&h->net, 0, sizeof(h->net));
  if (hello && hello->version) { /* hello may be NULL (defaults) */
    /* Another version: the envelope's first element is rewritten in place
     * (a positive fixint, so versions 0..127). */
    fs_buf b;
    assert_true(*hello->version < 128);
    fs__buf_init(&b, FS_MSG_MAX_BYTES);
    assert_int_equal(fs__msg_encode(&m, &b), 0);
    assert_int_equal(b.data[0], 0x93);
    assert_int_equal(b.data[1], FS_MSG_VERSION);
    b.data[1] = (uint8_t)*hello->version;
    rc = fs__net_open_raw(&h->net, h->addr, h->kp, h->daemon_pub, b.data, b.len, 5000,
                          &h->welcome);
    fs__buf_release(&b);
  } else {
    rc = fs__net_open(&h->net, h->addr, h->kp, h->daemon_pub, &m, 5000, &h->welcome);
  }
  if (rc == 0)
    h->open = 1;
  else
    memset(&h->welcome, 0, sizeof(h->welcome)); /* released by fs__net_open */
  return rc;
}

void fs_wire_close(fs_wire_dev *h) {
  if (h->open)
    fs__net_close(&h->net);
  h->open = 0;
  fs__msg_release(&h->welcome);
  memset(&h->welcome, 0, sizeof(h->welcome));
}

int fs_wire_send(fs_wire_dev *h, const fs_msg *m) {
  if (!h->open)
    return FS_ECLOSED;
  return fs__net_send(&h->net, m);
}

int fs_wire_recv(fs_wire_dev *h, fs_msg *m, int timeout_ms) {
  if (!h->open)
    return FS_ECLOSED;
  return fs__net_recv(&h->net, m, timeout_ms);
}

int fs_wire_push(fs_wire_dev *h, fs_change *changes, uint32_t n, uint64_t outbox,
                 int *outcomes, int *codes, int *wiped) {
  fs_msg m, res;
  int rc;

  if (wiped)
    *wiped = 0;
  fs__msg_init(&m, FS_MSG_PUSH);
  m.u.push.changes = changes;
  m.u.push.n = n;
  m.u.push.outbox = outbox;
  rc = fs_wire_send(h, &m);
  if (rc)
    return rc;
  for (;;) {
    rc = fs_wire_recv(h, &res, 5000);
    if (rc)
      return rc;
    if (res.type == FS_MSG_NOTIFY) { /* a watcher may get these any time */
      fs__msg_release(&res);
      continue;
    }
    break;
  }
  if (res.type == FS_MSG_ERROR) {
    rc = res.u.error.code ? res.u.error.code : FS_EPROTO;
  } else if (res.type == FS_MSG_PUSH_RESULT && res.u.push_result.n == n) {
    for (uint32_t i = 0; i < n; i++) {
      if (outcomes)
        outcomes[i] = res.u.push_result.results[i].outcome;
      if (codes)
        codes[i] = res.u.push_result.results[i].code;
    }
    rc = 0;
  } else {
    rc = FS_EPROTO;
  }
  fs__msg_release(&res);
  if (rc == 0 && wiped) {
    /* WIPE, if any, follows the result at once. */
    if (fs_wire_recv(h, &res, 1000) == 0) {
      *wiped = res.type == FS_MSG_WIPE;
      fs__msg_release(&res);
    }
  }
  return rc;
}

int fs_wire_pull(fs_wire_dev *h, uint64_t cursor, fs_wire_page *page) {
  fs_msg m;
  int rc;

  memset(page, 0, sizeof(*page));
  fs__msg_init(&m, FS_MSG_PULL);
  m.u.pull.cursor = cursor;
  rc = fs_wire_send(h, &m);
  if (rc)
    return rc;
  while (!page->got_checkpoint) {
    rc = fs_wire_recv(h, &m, 5000);
    if (rc)
      return rc;
    switch (m.type) {
    case FS_MSG_PULL_BATCH:
      page->rows += m.u.pull_batch.nrows;
      if ((int)m.u.pull_batch.kind >= 0 && m.u.pull_batch.kind < FS_KIND__COUNT)
        page->kind_rows[m.u.pull_batch.kind] += m.u.pull_batch.nrows;
      for (uint32_t i = 0; m.u.pull_batch.kind == FS_KIND_CUSTOMER && i < m.u.pull_batch.nrows &&
                           page->ncust < 256;
           i++)
        snprintf(page->cust[page->ncust++], FS_ID_HEX + 1, "%s", m.u.pull_batch.rows[i].id);
      break;
    case FS_MSG_EVICT:
      page->evicted += m.u.evict.n;
      for (uint32_t i = 0; i < m.u.evict.n; i++)
        if ((int)m.u.evict.items[i].kind >= 0 && m.u.evict.items[i].kind < FS_KIND__COUNT)
          page->kind_evicted[m.u.evict.items[i].kind]++;
      break;
    case FS_MSG_CONFLICTS:
      page->conflicts += m.u.conflicts.n;
      break;
    case FS_MSG_NOTICE:
      page->notices++;
      break;
    case FS_MSG_CHECKPOINT:
      page->cursor = m.u.checkpoint.cursor;
      page->more = m.u.checkpoint.more;
      page->got_checkpoint = 1;
      break;
    case FS_MSG_ERROR:
      page->error = m.u.error.code ? m.u.error.code : FS_EPROTO;
      fs__msg_release(&m);
      return page->error;
    default:
      break; /* NOTIFY, PONG: not part of the page */
    }
    fs__msg_release(&m);
  }
  return 0;
}

int fs_wire_wait_notify(fs_wire_dev *h, int ms) {
  uint64_t end = fs_wire_now_ms() + (uint64_t)ms;
  fs_msg m;

  while (fs_wire_now_ms() < end) {
    int left = (int)(end - fs_wire_now_ms());
    if (fs_wire_recv(h, &m, left > 0 ? left : 1) != 0)
      return 0;
    if (m.type == FS_MSG_NOTIFY) {
      fs__msg_release(&m);
      return 1;
    }
    fs__msg_release(&m);
  }
  return 0;
}

void fs_wire_change_init(fs_change *c, fs_kind kind, const char *id, const char *owner,
                         uint64_t counter, uint64_t hlc) {
  memset(c, 0, sizeof(*c));
  c->kind = kind;
  snprintf(c->id, sizeof(c->id), "%s", id);
  c->op = FS_OP_UPSERT;
  snprintf(c->owner, sizeof(c->owner), "%s", owner);
  snprintf(c->author, sizeof(c->author), "%s", owner);
  c->counter = counter;
  c->hlc = hlc ? hlc : (fs_wire_now_ms() << 16) + (counter & 0xffff);
}

void fs_wire_change_set(fs_change *c, const char *field, const char *text) {
  const fs_kind_def *kd = fs__kind_def(c->kind);
  int fi = fs__field_index(kd, field);
  fs_field_change *f;

  assert_true(fi >= 0);
  c->fields = realloc(c->fields, sizeof(*c->fields) * (size_t)(c->nfields + 1));
  assert_non_null(c->fields);
  f = &c->fields[c->nfields++];
  memset(f, 0, sizeof(*f));
  f->field = fi;
  f->hlc = c->hlc;
  assert_int_equal(fs__value_set_text(&f->value, text, strlen(text)), 0);
}

void fs_wire_change_set_base(fs_change *c, const char *field, uint64_t base) {
  int fi = fs__field_index(fs__kind_def(c->kind), field);

  for (int i = 0; i < c->nfields; i++)
    if (c->fields[i].field == fi) {
      c->fields[i].base = base;
      return;
    }
  fail_msg("no write of %s in the change", field);
}

void fs_wire_change_release(fs_change *c) { fs__change_release(c); }

/* ---- raw handshakes --------------------------------------------------- */

int fs_wire_tcp(int port) {
  struct sockaddr_in sa;
  int fd = socket(AF_INET, SOCK_STREAM, 0);

  assert_true(fd >= 0);
  memset(&sa, 0, sizeof(sa));
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sa.sin_port = htons((uint16_t)port);
  assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
  return fd;
}

void fs_wire_raw_start(fs_wire_raw *r, const fs_wire_dev *h, const fs_keypair *kp,
                       const uint8_t *payload, size_t len, const uint8_t *after,
                       size_t nafter, const uint8_t *e_priv) {
  const char *colon = strrchr(h->addr, ':');
  fs_channel_config cc;
  size_t cap = fs__channel_hello_size(len) + nafter, n = 0;
  uint8_t *m1 = malloc(cap);

  assert_non_null(colon);
  assert_non_null(m1);
  memset(r, 0, sizeof(*r));
  memset(&cc, 0, sizeof(cc));
  cc.local = kp ? kp : h->kp;
  cc.server_pub = h->daemon_pub;
  cc.e_priv = e_priv;
  assert_int_equal(fs__channel_client_new(&r->ch, &cc), 0);
  assert_int_equal(fs__channel_client_start(r->ch, payload, len, m1, cap, &n), 0);
  if (nafter)
    memcpy(m1 + n, after, nafter);
  r->fd = fs_wire_tcp(atoi(colon + 1));
  assert_int_equal(write(r->fd, m1, n + nafter), (ssize_t)(n + nafter));
  free(m1);
}

void fs_wire_raw_finish(fs_wire_raw *r, int stop_at_welcome, int timeout_ms,
                        fs_wire_answer *a) {
  uint8_t buf[4096];
  uint64_t end = fs_wire_now_ms() + (uint64_t)timeout_ms;

  memset(a, 0, sizeof(*a));
  while (!a->closed && !(stop_at_welcome && a->welcome)) {
    struct pollfd pfd = {r->fd, POLLIN, 0};
    uint64_t now = fs_wire_now_ms();
    ssize_t got;
    size_t off = 0;

    if (now >= end || poll(&pfd, 1, (int)(end - now)) <= 0)
      break;
    got = read(r->fd, buf, sizeof(buf));
    if (got <= 0) {
      a->closed = 1; /* EOF, or a reset: either way the daemon closed */
      break;
    }
    /* A one-byte frame is a handshake note (3.2); anything else is fed to
     * the channel as message 2. */
    if (a->bytes == 0 && got == FS_FRAME_HEADER_LEN + 1 && buf[0] == 0 && buf[1] == 0 &&
        buf[2] == 0 && buf[3] == 1) {
      a->note = buf[FS_FRAME_HEADER_LEN];
      a->bytes += (size_t)got;
      continue;
    }
    a->bytes += (size_t)got;
    while (off < (size_t)got && !a->welcome) {
      size_t used = 0;
      int ev = fs__channel_feed(r->ch, buf + off, (size_t)got - off, &used);
      const uint8_t *p;
      size_t plen;
      off += used;
      if (ev < 0)
        break;
      if (ev == FS_CHANNEL_EV_OPEN && fs__channel_message(r->ch, &p, &plen) == 0 &&
          fs__msg_decode(p, plen, &a->msg) == 0)
        a->welcome = 1;
      if (used == 0)
        break;
    }
  }
  close(r->fd);
  fs__channel_free(r->ch);
  memset(r, 0, sizeof(*r));
}

uint8_t *fs_wire_encode(const fs_msg *m, size_t *len) {
  fs_buf b;
  uint8_t *p;

  fs__buf_init(&b, FS_MSG_MAX_BYTES);
  assert_int_equal(fs__msg_encode(m, &b), 0);
  p = malloc(b.len ? b.len : 1);
  assert_non_null(p);
  memcpy(p, b.data, b.len);
  *len = b.len;
  fs__buf_release(&b);
  return p;
}
