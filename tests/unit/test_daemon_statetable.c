/* test_daemon_statetable.c - issue 12: the connection state table of
 * PROTOCOL.md 7.4, walked entry by entry at the protocol level.
 *
 * The table lives here, in `entries` below: for every connection state the
 * daemon has (HANDSHAKE, ENROLLING, READY, READY of a device under a wipe
 * order, READY of a device whose standing changed since its handshake,
 * CLOSING, the admin socket) and every input (message types 1-18, the frame
 * and decoding events, the PUSH outcomes, the unsolicited events), what the
 * daemon answers and what state follows.  Each entry names the check that
 * produces it against one real fieldsyncd on 127.0.0.1 with a device that
 * speaks the wire directly (wiretest.h; raw TCP, raw handshake payloads and
 * raw plaintexts where the entry needs them), or says why it cannot be
 * produced over TCP.
 *
 * The table cannot drift from the document: test_doc_matches renders the
 * entries as Markdown and compares them with what PROTOCOL.md holds between
 * <!-- statetable:begin --> and <!-- statetable:end -->.  Run this test with
 * FS_STATETABLE_WRITE=1 to rewrite that block after changing the table;
 * FS_STATETABLE_ONLY=ID[,ID...] runs only the entries named.
 *
 * One daemon for all entries (group setup); its configuration shortens the
 * timeouts (handshake_ms 500, idle_ms 2000), lowers the unauthenticated
 * budget per address (16) and the writer queue (2) so that BUSY and a full
 * queue can be produced in milliseconds.  A full writer queue is made by
 * holding the central store's write lock from the test (BEGIN IMMEDIATE)
 * for well under the daemon's 5 s busy timeout.
 */
#include "daemontest.h"
#include "wiretest.h"

#include <poll.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <sodium.h>

#include "buf.h"
#include "channel.h"
#include "frame.h"
#include "fs_errno.h"
#include "hlc.h"
#include "id.h"
#include "msg.h"
#include "store.h"
#include "token.h"

/* ---- the world ------------------------------------------------------- */

typedef struct world {
  fs_test_world tw; /* first: daemontest.h */
  uint64_t clock;   /* last change clock handed out (all devices) */
  uint64_t counter; /* last change counter handed out (all devices) */
  /* Opened at setup and left silent, for the idle entries: by the time
   * they run, idle_ms has long passed. */
  uint8_t daemon_pub[FS_KEY_LEN];
  fs_wire_dev idle_dev;
  int idle_fd;
  uint64_t idle_since;
} world;

static world *W;

#define IDLE_MS 2000
#define HANDSHAKE_MS 500
#define PER_SOURCE 16

/* Every device of the world: its name here, its staff member, its key and
 * the daemon's id for it.  The devices are registered in the store at
 * setup, as an enrollment would (enrollment itself is the subject of the
 * hs.token-* and en.* entries). */
typedef struct wdev {
  const char *name, *staff;
  fs_keypair *kp;
  long long id;
} wdev;

static wdev devices[] = {
    {"a01", "A01", NULL, 0}, {"a01b", "A01", NULL, 0}, {"a02", "A02", NULL, 0},
    {"rv", "A01", NULL, 0},  {"rw", "A01", NULL, 0},   {"rw0", "A01", NULL, 0},
    {"rwx", "A01", NULL, 0}, {"wp", "A01", NULL, 0},   {"st", "A01", NULL, 0},
    {"ev", "A01", NULL, 0},  {"evw", "A01", NULL, 0},  {"wd", "A01", NULL, 0},
    {"d01", "D01", NULL, 0}, {"d01x", "D01", NULL, 0}, {"d01w", "D01", NULL, 0},
    {"e01", "E01", NULL, 0}, {"f01", "F01", NULL, 0},
};

#define NDEVICES (sizeof(devices) / sizeof(devices[0]))

#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
static long long
central_int(const char *fmt, ...) {
  char sql[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(sql, sizeof(sql), fmt, ap);
  va_end(ap);
  return fs_test_central_int(&W->tw.d, sql);
}

#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
static void
central_exec(const char *fmt, ...) {
  char sql[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(sql, sizeof(sql), fmt, ap);
  va_end(ap);
  fs_test_central_exec(&W->tw.d, sql);
}

#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
static void
admin(const char *fmt, ...) {
  char args[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(args, sizeof(args), fmt, ap);
  va_end(ap);
  free(fs_test_daemon_cmd(&W->tw.d, NULL, "%s", args));
}

static wdev *dev_find(const char *name) {
  for (size_t i = 0; i < NDEVICES; i++)
    if (strcmp(devices[i].name, name) == 0)
      return &devices[i];
  fail_msg("no device %s", name);
  return NULL;
}

/* The daemon's id of device name. */
static long long dev_id(const char *name) {
  return dev_find(name)->id;
}

/* A wire device with the key of device name (free with fs_wire_free). */
static void dev_load(fs_wire_dev *h, const char *name) {
  memset(h, 0, sizeof(*h));
  snprintf(h->addr, sizeof(h->addr), "%s", W->tw.d.addr);
  memcpy(h->daemon_pub, W->daemon_pub, sizeof(h->daemon_pub));
  assert_int_equal(fs__keypair_from_private(&h->kp, dev_find(name)->kp->priv), 0);
}

/* Registers every device: a fresh key, the next slot of its staff member,
 * status active. */
static void devices_register(void) {
  for (size_t i = 0; i < NDEVICES; i++) {
    wdev *d = &devices[i];
    char hex[2 * FS_KEY_LEN + 1];
    assert_int_equal(fs__keypair_generate(&d->kp), 0);
    sodium_bin2hex(hex, sizeof(hex), d->kp->pub, FS_KEY_LEN);
    central_exec(
        "INSERT INTO devices(staff, pubkey, slot, status, enrolled_at, last_seen) "
        "SELECT '%s', X'%s', COALESCE(max(slot), 0) + 1, 'active', %llu, %llu FROM "
        "devices WHERE staff='%s'",
        d->staff, hex, (unsigned long long)fs_wire_now_ms(),
        (unsigned long long)fs_wire_now_ms(), d->staff);
    d->id = central_int("SELECT id FROM devices WHERE pubkey=X'%s'", hex);
    assert_true(d->id > 0);
  }
}

/* A fresh enrollment token for staff (malloc'd). */
static char *token_for(const char *staff) {
  return fs_test_daemon_cmd(&W->tw.d, NULL, "enroll %s", staff);
}

static int admin_connect(void);
static void open_ok(fs_wire_dev *h, const char *name, const fs_wire_hello *hello);

static int group_setup(void **state) {
  void *world_state = NULL;
  char conf[160], *pub;

  fs_test_world_setup_size(
      &world_state, sizeof(world), "staff add M01 --name 'Manager' --role manager",
      "staff add A01 --name 'Rep' --manager M01",
      "staff add A02 --name 'Anna' --manager M01", "staff add D01 --name 'Departs'",
      "staff add E01 --name 'Leaves'", "staff add F01 --name 'Hands over'",
      "staff add O01 --name 'Full'", "staff add G01 --name 'Gone'", NULL);
  W = world_state;
  snprintf(
      conf, sizeof(conf),
      "handshake_ms = %d\nidle_ms = %d\nmax_startups_per_source = %d\nwriter_queue = 2",
      HANDSHAKE_MS, IDLE_MS, PER_SOURCE);
  fs_test_daemon_conf(&W->tw.d, conf);
  pub = fs_test_path(W->tw.d.dir, "daemon.key.pub");
  assert_int_equal(fs__pubkey_load(pub, W->daemon_pub), 0);
  free(pub);
  devices_register();
  W->idle_fd = admin_connect();
  open_ok(&W->idle_dev, "a01", NULL);
  W->idle_since = fs_wire_now_ms();
  /* No group state: each test's state is its entry (initial_state). */
  *state = NULL;
  return 0;
}

static int group_teardown(void **state) {
  void *world_state = W;

  (void)state;
  fs_wire_free(&W->idle_dev);
  close(W->idle_fd);
  for (size_t i = 0; i < NDEVICES; i++) {
    fs__keypair_free(devices[i].kp);
    devices[i].kp = NULL;
  }
  W = NULL;
  return fs_test_world_teardown(&world_state);
}

/* ---- sessions and answers -------------------------------------------- */

/* A clock above every one handed out before (so above every device's
 * last_hlc, 5.5.3), near now. */
static uint64_t tick(void) {
  uint64_t now = fs__hlc_make(fs_wire_now_ms(), 0);
  W->clock = now > W->clock ? now : W->clock + 1;
  return W->clock;
}

/* Opens a READY session of replica name's device (hello NULL: defaults);
 * fails the test unless WELCOME is ok. */
static void open_ok(fs_wire_dev *h, const char *name, const fs_wire_hello *hello) {
  int rc;
  dev_load(h, name);
  rc = fs_wire_open(h, hello);
  if (rc)
    fail_msg("%s: handshake refused: %s", name, fs_strerror(rc));
}

/* The code of a session refused at the handshake (0 if accepted). */
static int open_code(const char *name, const fs_wire_hello *hello) {
  fs_wire_dev h;
  int rc;
  dev_load(&h, name);
  rc = fs_wire_open(&h, hello);
  fs_wire_free(&h);
  return rc;
}

/* The daemon's next message on h, NOTIFY skipped: its type (ERROR: *code
 * set), or a negative code (FS_ECLOSED: closed without a message). */
static int next_msg(fs_wire_dev *h, fs_msg *m) {
  for (;;) {
    int rc = fs_wire_recv(h, m, 5000);
    if (rc)
      return rc;
    if (m->type != FS_MSG_NOTIFY)
      return m->type;
    fs__msg_release(m);
  }
}

/* The daemon sends ERROR code, then closes. */
static void expect_error_close(fs_wire_dev *h, int code) {
  fs_msg m;
  int t = next_msg(h, &m);
  if (t != FS_MSG_ERROR)
    fail_msg("expected ERROR %s, got %s", fs_strerror(code),
             t > 0 ? fs__msg_type_name((fs_msg_type)t) : fs_strerror(t));
  assert_int_equal(m.u.error.code, code);
  fs__msg_release(&m);
  assert_int_equal(fs_wire_recv(h, &m, 5000), FS_ECLOSED);
}

/* The daemon closes without sending anything. */
static void expect_silent_close(fs_wire_dev *h) {
  fs_msg m;
  int rc = fs_wire_recv(h, &m, 5000);
  if (rc == 0) {
    fail_msg("expected a silent close, got %s", fs__msg_type_name(m.type));
    fs__msg_release(&m);
  }
  assert_int_equal(rc, FS_ECLOSED);
}

/* The session is open: PING answered by PONG with the same n. */
static void expect_open(fs_wire_dev *h) {
  fs_msg m;
  uint64_t n = randombytes_random();
  fs__msg_init(&m, FS_MSG_PING);
  m.u.ping.n = n;
  assert_int_equal(fs_wire_send(h, &m), 0);
  assert_int_equal(next_msg(h, &m), FS_MSG_PONG);
  assert_int_equal(m.u.ping.n, n);
  fs__msg_release(&m);
}

/* Writes raw bytes on h's socket. */
static void raw_send(fs_wire_dev *h, const void *p, size_t n) {
  assert_int_equal(write(fs__net_fd(&h->net), p, n), (ssize_t)n);
}

/* One change's PUSH_RESULT. */
typedef struct result {
  int outcome, code;
  char reason[FS_MSG_STR_MAX + 1];
} result;

/* PUSH{changes c[0..n), outbox claim} in *m (c stays the caller's). */
static void push_msg(fs_msg *m, fs_change *c, uint32_t n, uint64_t outbox) {
  fs__msg_init(m, FS_MSG_PUSH);
  m->u.push.changes = c;
  m->u.push.n = n;
  m->u.push.outbox = outbox;
}

static void send_push(fs_wire_dev *h, fs_change *c, uint32_t n, uint64_t outbox) {
  fs_msg m;
  push_msg(&m, c, n, outbox);
  assert_int_equal(fs_wire_send(h, &m), 0);
}

/* Pushes changes with an outbox claim on h and returns the result of
 * each; fails the test unless the answer is a matching PUSH_RESULT. */
static void push_claim(fs_wire_dev *h, fs_change *c, uint32_t n, uint64_t outbox,
                       result *out) {
  fs_msg m;
  send_push(h, c, n, outbox);
  if (next_msg(h, &m) != FS_MSG_PUSH_RESULT)
    fail_msg("PUSH not answered by PUSH_RESULT");
  assert_int_equal(m.u.push_result.n, n);
  for (uint32_t i = 0; i < n; i++) {
    const fs_push_result *r = &m.u.push_result.results[i];
    assert_int_equal(r->counter, c[i].counter);
    out[i].outcome = r->outcome;
    out[i].code = r->code;
    snprintf(out[i].reason, sizeof(out[i].reason), "%s", r->reason ? r->reason : "");
  }
  fs__msg_release(&m);
}

/* The same with the outbox claim n (nothing left after it). */
static void push(fs_wire_dev *h, fs_change *c, uint32_t n, result *out) {
  push_claim(h, c, n, n, out);
}

/* A customer change by owner at a fresh clock and counter; grade may be
 * NULL. */
static void cust(fs_change *c, const char *id, const char *owner, const char *name,
                 const char *grade) {
  fs_wire_change_init(c, FS_KIND_CUSTOMER, id, owner, ++W->counter, tick());
  if (name)
    fs_wire_change_set(c, "name", name);
  if (grade)
    fs_wire_change_set(c, "grade", grade);
}

/* Pushes one change on h, releases it, returns its result. */
static result push1(fs_wire_dev *h, fs_change *c) {
  result r;
  push(h, c, 1, &r);
  fs_wire_change_release(c);
  return r;
}

/* A new customer card of owner pushed over a fresh session of device name;
 * its id in id. */
static void new_card(const char *name, const char *owner, const char *card, char id[33]) {
  fs_wire_dev h;
  fs_change c;
  result r;
  fs__id_new(id);
  open_ok(&h, name, NULL);
  cust(&c, id, owner, card, "B");
  r = push1(&h, &c);
  if (r.outcome != FS_OUTCOME_APPLIED)
    fail_msg("new card: outcome %d %s", r.outcome, r.reason);
  fs_wire_free(&h);
}

/* A minimal valid message of type t (static data: do not release). */
static void sample(fs_msg_type t, fs_msg *m) {
  static fs_evict_item evict = {FS_KIND_CUSTOMER, "0123456789abcdef0123456789abcdef"};
  fs__msg_init(m, t);
  switch (t) {
  case FS_MSG_HELLO:
    m->u.hello.sw = "x";
    m->u.hello.time = fs_wire_now_ms();
    m->u.hello.want = FS_WANT_SYNC;
    break;
  case FS_MSG_WELCOME:
    m->u.welcome.ok = 1;
    m->u.welcome.text = "welcome";
    m->u.welcome.role = "rep";
    m->u.welcome.name = "x";
    break;
  case FS_MSG_PULL_BATCH:
    m->u.pull_batch.kind = FS_KIND_CUSTOMER;
    break;
  case FS_MSG_EVICT:
    m->u.evict.items = &evict;
    m->u.evict.n = 1;
    break;
  case FS_MSG_WIPE:
    m->u.wipe.reason = "x";
    break;
  case FS_MSG_ERROR:
    m->u.error.code = FS_EPROTO;
    m->u.error.text = "x";
    break;
  case FS_MSG_ADMIN:
    m->u.admin.cmd = "devices";
    break;
  case FS_MSG_ADMIN_RESULT:
    m->u.admin_result.ok = 1;
    m->u.admin_result.text = "x";
    m->u.admin_result.out = "";
    m->u.admin_result.json = "";
    break;
  case FS_MSG_NOTICE:
    m->u.notice.kind = "handover";
    m->u.notice.body = "x";
    break;
  case FS_MSG_BYE:
    m->u.bye.reason = "done";
    break;
  default:
    break; /* PUSH, PUSH_RESULT, PULL, CHECKPOINT, NOTIFY, CONFLICTS, PING, PONG:
              zero values are valid */
  }
}

/* Sends the sample message of type t on h. */
static void send_sample(fs_wire_dev *h, int t) {
  fs_msg m;
  sample((fs_msg_type)t, &m);
  assert_int_equal(fs_wire_send(h, &m), 0);
}

/* Sends plaintext bytes as one transport message of h. */
static void send_plain(fs_wire_dev *h, const void *p, size_t n) {
  assert_int_equal(fs__net_send_raw(&h->net, p, n), 0);
}

/* ---- the admin socket ------------------------------------------------- */

static int admin_connect(void) {
  struct sockaddr_un sa;
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  assert_true(fd >= 0);
  memset(&sa, 0, sizeof(sa));
  sa.sun_family = AF_UNIX;
  snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/admin.sock", W->tw.d.dir);
  assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
  return fd;
}

static void admin_send_raw(int fd, const void *p, size_t n) {
  uint8_t hdr[FS_FRAME_HEADER_LEN];
  fs__frame_header(hdr, (uint32_t)n);
  assert_int_equal(write(fd, hdr, sizeof(hdr)), (ssize_t)sizeof(hdr));
  if (n)
    assert_int_equal(write(fd, p, n), (ssize_t)n);
}

static void admin_send(int fd, const fs_msg *m) {
  size_t n;
  uint8_t *p = fs_wire_encode(m, &n);
  admin_send_raw(fd, p, n);
  free(p);
}

/* Reads exactly n bytes (5 s): 0, or FS_ECLOSED. */
static int read_full(int fd, uint8_t *p, size_t n) {
  size_t got = 0;
  while (got < n) {
    struct pollfd pfd = {fd, POLLIN, 0};
    ssize_t r;
    if (poll(&pfd, 1, 5000) <= 0)
      fail_msg("no answer within 5 s");
    r = read(fd, p + got, n - got);
    if (r <= 0)
      return FS_ECLOSED;
    got += (size_t)r;
  }
  return 0;
}

/* The next admin-socket message: its type, or FS_ECLOSED. */
static int admin_recv(int fd, fs_msg *m) {
  uint8_t hdr[FS_FRAME_HEADER_LEN], *body;
  size_t n;
  int rc;
  if (read_full(fd, hdr, sizeof(hdr)))
    return FS_ECLOSED;
  n = (size_t)hdr[0] << 24 | (size_t)hdr[1] << 16 | (size_t)hdr[2] << 8 | hdr[3];
  body = malloc(n ? n : 1);
  assert_non_null(body);
  rc = read_full(fd, body, n);
  if (rc == 0)
    rc = fs__msg_decode(body, n, m);
  free(body);
  return rc ? rc : (int)m->type;
}

static void admin_expect_error_close(int fd, int code) {
  fs_msg m;
  assert_int_equal(admin_recv(fd, &m), FS_MSG_ERROR);
  assert_int_equal(m.u.error.code, code);
  fs__msg_release(&m);
  assert_int_equal(admin_recv(fd, &m), FS_ECLOSED);
  close(fd);
}

/* ---- the table -------------------------------------------------------- */

typedef struct entry entry;
typedef void (*check_fn)(const entry *e);

struct entry {
  const char *id;     /* stable name of the entry */
  const char *state;  /* 7.1 state */
  const char *input;  /* what arrives (or happens) */
  const char *answer; /* what the daemon sends */
  const char *then;   /* the state after it */
  check_fn check;     /* NULL: cannot be produced over TCP, see why */
  const char *check_name;
  int arg;         /* the check's parameter (a message type, ...) */
  const char *why; /* why no check */
};

#define E(id, st, in, ans, then, fn, arg)                                                \
  { id, st, in, ans, then, fn, #fn, arg, NULL }
#define X(id, st, in, ans, then, why)                                                    \
  { id, st, in, ans, then, NULL, NULL, 0, why }

/* ---- HANDSHAKE -------------------------------------------------------- */

/* Sends n raw bytes on a fresh TCP connection and reads until the daemon
 * closes: what it sent. */
static size_t tcp_exchange(const void *p, size_t n, uint8_t *out, size_t cap) {
  int fd = fs_wire_tcp(W->tw.d.port);
  size_t got = 0;
  assert_int_equal(write(fd, p, n), (ssize_t)n);
  for (;;) {
    struct pollfd pfd = {fd, POLLIN, 0};
    ssize_t r;
    if (poll(&pfd, 1, 5000) <= 0)
      fail_msg("the daemon did not close the connection");
    r = read(fd, out + got, cap - got);
    if (r <= 0)
      break;
    got += (size_t)r;
    assert_true(got < cap);
  }
  close(fd);
  return got;
}

static void busy_note(const entry *e) {
  int fds[PER_SOURCE];
  uint8_t out[16];
  int fd;
  ssize_t r;
  struct pollfd pfd;
  (void)e;
  /* PER_SOURCE connections that send nothing, all younger than 1 s: the
   * next one from the same address is refused with BUSY. */
  for (int i = 0; i < PER_SOURCE; i++)
    fds[i] = fs_wire_tcp(W->tw.d.port);
  fd = fs_wire_tcp(W->tw.d.port);
  pfd.fd = fd;
  pfd.events = POLLIN;
  assert_int_equal(poll(&pfd, 1, 5000), 1);
  r = read(fd, out, sizeof(out));
  assert_int_equal(r, FS_FRAME_HEADER_LEN + 1);
  assert_int_equal(out[3], 1);
  assert_int_equal(out[4], FS_CHANNEL_NOTE_BUSY);
  assert_int_equal(read(fd, out, sizeof(out)), 0);
  close(fd);
  for (int i = 0; i < PER_SOURCE; i++)
    close(fds[i]);
  /* Until the daemon has seen them go, the next entries would be BUSY. */
  for (int i = 0; i < 100 && open_code("a01", NULL) == FS_EBUSY; i++)
    usleep(10000);
}

static void hs_zero_frame(const entry *e) {
  uint8_t frame[FS_FRAME_HEADER_LEN] = {0}, out[64];
  (void)e;
  assert_int_equal(tcp_exchange(frame, sizeof(frame), out, sizeof(out)), 0);
}

static void hs_big_frame(const entry *e) {
  uint8_t frame[FS_FRAME_HEADER_LEN], out[64];
  (void)e;
  fs__frame_header(frame, 65536);
  assert_int_equal(tcp_exchange(frame, sizeof(frame), out, sizeof(out)), 0);
}

static void hs_short(const entry *e) {
  uint8_t frame[FS_FRAME_HEADER_LEN + 95], out[64];
  (void)e;
  fs__frame_header(frame, 95);
  randombytes_buf(frame + FS_FRAME_HEADER_LEN, 95);
  assert_int_equal(tcp_exchange(frame, sizeof(frame), out, sizeof(out)), 0);
}

static void hs_unreadable(const entry *e) {
  fs_wire_dev h;
  fs_wire_raw r;
  fs_wire_answer a;
  fs_msg m;
  uint8_t *p;
  size_t n;
  (void)e;
  /* A genuine HELLO of a registered device, sealed for another daemon key
   * (a device enrolled with a daemon that was set up anew). */
  dev_load(&h, "a01");
  randombytes_buf(h.daemon_pub, sizeof(h.daemon_pub));
  fs_wire_hello_msg(NULL, &m);
  p = fs_wire_encode(&m, &n);
  fs_wire_raw_start(&r, &h, NULL, p, n, NULL, 0, NULL);
  fs_wire_raw_finish(&r, 0, 5000, &a);
  assert_true(a.closed);
  assert_int_equal(a.bytes, FS_FRAME_HEADER_LEN + 1);
  assert_int_equal(a.note, FS_CHANNEL_NOTE_UNREADABLE);
  free(p);
  fs_wire_free(&h);
}

/* Message 1 carrying payload p under device name's key (kp: another
 * key): the answer, read until the daemon closes, or until WELCOME with
 * stop set. */
static void hs_exchange(const char *name, const fs_keypair *kp, const void *p, size_t n,
                        const uint8_t *e_priv, int stop, fs_wire_answer *a) {
  fs_wire_dev h;
  fs_wire_raw r;
  dev_load(&h, name);
  fs_wire_raw_start(&r, &h, kp, p, n, NULL, 0, e_priv);
  fs_wire_raw_finish(&r, stop, 5000, a);
  fs_wire_free(&h);
}

/* The same, read until the daemon closes. */
static void hs_payload(const char *name, const fs_keypair *kp, const void *p, size_t n,
                       const uint8_t *e_priv, fs_wire_answer *a) {
  hs_exchange(name, kp, p, n, e_priv, 0, a);
}

/* The answer is a close without a byte. */
static void expect_hs_silent(fs_wire_answer *a) {
  assert_true(a->closed);
  assert_int_equal(a->bytes, 0);
}

/* The answer is WELCOME ok false with code, then a close. */
static void expect_hs_refused(fs_wire_answer *a, int code) {
  assert_true(a->closed);
  assert_true(a->welcome);
  assert_int_equal(a->msg.type, FS_MSG_WELCOME);
  assert_false(a->msg.u.welcome.ok);
  assert_int_equal(a->msg.u.welcome.code, code);
  assert_int_equal(a->msg.u.welcome.device, 0);
  fs__msg_release(&a->msg);
}

static void hs_replay(const entry *e) {
  uint8_t e_priv[32];
  fs_wire_answer a;
  fs_msg m;
  uint8_t *p;
  size_t n;
  (void)e;
  /* Two messages 1 with the same ephemeral key: the first is accepted, the
   * second (a replay as far as the daemon can tell) is closed silently. */
  randombytes_buf(e_priv, sizeof(e_priv));
  fs_wire_hello_msg(NULL, &m);
  p = fs_wire_encode(&m, &n);
  hs_exchange("a01", NULL, p, n, e_priv, 1, &a);
  assert_true(a.welcome);
  assert_true(a.msg.u.welcome.ok);
  fs__msg_release(&a.msg);
  hs_payload("a01", NULL, p, n, e_priv, &a);
  expect_hs_silent(&a);
  free(p);
}

static void hs_garbage(const entry *e) {
  static const uint8_t cut[] = {0x93, 0x01, 0x01, 0x86, 0xa2, 's'};
  static const uint8_t junk[] = {0xc1, 0xff, 0x00};
  fs_wire_answer a;
  (void)e;
  hs_payload("a01", NULL, cut, sizeof(cut), NULL, &a);
  expect_hs_silent(&a);
  hs_payload("a01", NULL, junk, sizeof(junk), NULL, &a);
  expect_hs_silent(&a);
}

static void hs_not_hello(const entry *e) {
  (void)e;
  for (int t = FS_MSG_WELCOME; t <= FS_MSG_TYPE_MAX; t++) {
    fs_wire_answer a;
    fs_msg m;
    size_t n;
    uint8_t *p;
    sample((fs_msg_type)t, &m);
    p = fs_wire_encode(&m, &n);
    hs_payload("a01", NULL, p, n, NULL, &a);
    if (!a.closed || a.bytes != 0)
      fail_msg("message 1 carrying %s: not closed silently", fs__msg_type_name(m.type));
    free(p);
  }
}

static void hs_unknown_type(const entry *e) {
  static const uint8_t p[] = {0x93, 0x01, 19, 0x80};
  fs_wire_answer a;
  (void)e;
  hs_payload("a01", NULL, p, sizeof(p), NULL, &a);
  expect_hs_silent(&a);
}

static void hs_version(const entry *e) {
  /* Version 2, whatever follows. */
  static const uint8_t p[] = {0x93, 0x02, 0x01, 0x80};
  fs_wire_answer a;
  (void)e;
  hs_payload("a01", NULL, p, sizeof(p), NULL, &a);
  expect_hs_refused(&a, FS_EVERSION);
}

static void hs_malformed(const entry *e) {
  static const uint8_t p[] = {0x93, 0x01, 0x01, 0x80}; /* HELLO {} */
  fs_wire_answer a;
  (void)e;
  hs_payload("a01", NULL, p, sizeof(p), NULL, &a);
  expect_hs_silent(&a);
}

static void hs_unknown_key(const entry *e) {
  static const uint8_t extra[] = {0xa7, 'x', '-',  'f',  'u', 't',
                                  'u',  'r', 0x92, 0x01, 0xc0};
  fs_wire_answer a;
  fs_msg m;
  uint8_t *p, *q;
  size_t n;
  (void)e;
  /* A HELLO with one more key, holding an array, appended to its map. */
  fs_wire_hello_msg(NULL, &m);
  p = fs_wire_encode(&m, &n);
  assert_int_equal(p[3] & 0xf0, 0x80); /* a fixmap, after [1, 1, */
  q = malloc(n + sizeof(extra));
  assert_non_null(q);
  memcpy(q, p, n);
  q[3]++;
  memcpy(q + n, extra, sizeof(extra));
  hs_exchange("a01", NULL, q, n + sizeof(extra), NULL, 1, &a);
  assert_true(a.welcome);
  assert_true(a.msg.u.welcome.ok);
  assert_false(a.closed);
  fs__msg_release(&a.msg);
  free(q);
  free(p);
}

static void hs_old(const entry *e) {
  fs_wire_hello hello = {0};
  fs_wire_answer a;
  fs_msg m;
  uint8_t *p;
  size_t n;
  (void)e;
  hello.time = fs_wire_now_ms() - 24ull * 3600 * 1000 - 60000;
  fs_wire_hello_msg(&hello, &m);
  p = fs_wire_encode(&m, &n);
  hs_payload("a01", NULL, p, n, NULL, &a);
  expect_hs_silent(&a);
  free(p);
}

static void hs_active(const entry *e) {
  fs_wire_dev h;
  (void)e;
  open_ok(&h, "a01", NULL);
  assert_true(h.welcome.u.welcome.ok);
  assert_int_equal(h.welcome.u.welcome.code, 0);
  assert_string_equal(h.welcome.u.welcome.text, "welcome");
  assert_false(h.welcome.u.welcome.wipe);
  assert_int_equal(h.welcome.u.welcome.device, dev_id("a01"));
  assert_string_equal(h.welcome.u.welcome.staff, "A01");
  expect_open(&h);
  fs_wire_free(&h);
}

static void hs_registered_token(const entry *e) {
  char *token = token_for("A01");
  fs_wire_hello hello = {0};
  fs_wire_dev h;
  (void)e;
  hello.token = token;
  open_ok(&h, "a01", &hello);
  assert_string_equal(h.welcome.u.welcome.text, "welcome");
  assert_int_equal(h.welcome.u.welcome.device, dev_id("a01"));
  expect_open(&h);
  fs_wire_free(&h);
  hello.token = "fs1.garbage";
  open_ok(&h, "a01", &hello);
  assert_string_equal(h.welcome.u.welcome.text, "welcome");
  fs_wire_free(&h);
  /* Not used up. */
  assert_int_equal(central_int("SELECT count(*) FROM tokens WHERE used_at IS NULL AND "
                               "staff='A01'"),
                   1);
  central_exec("DELETE FROM tokens WHERE used_at IS NULL");
  free(token);
}

/* Message 1 with a HELLO (hello NULL: defaults) under a fresh key: the
 * answer (until WELCOME with stop set, else until the close). */
static void hs_new_key(const fs_wire_hello *hello, int stop, fs_wire_answer *a) {
  fs_keypair *kp = NULL;
  fs_msg m;
  uint8_t *p;
  size_t n;
  assert_int_equal(fs__keypair_generate(&kp), 0);
  fs_wire_hello_msg(hello, &m);
  p = fs_wire_encode(&m, &n);
  hs_exchange("a01", kp, p, n, NULL, stop, a);
  free(p);
  fs__keypair_free(kp);
}

static void hs_unknown_device(const entry *e) {
  fs_wire_answer a;
  (void)e;
  hs_new_key(NULL, 0, &a);
  expect_hs_refused(&a, FS_EUNKNOWN_DEVICE);
}

/* Device name's HELLO (outbox claim), read to the close: the answer. */
static void hs_device(const char *name, uint64_t outbox, fs_wire_answer *a) {
  fs_wire_hello hello = {0};
  fs_msg m;
  uint8_t *p;
  size_t n;
  hello.outbox = outbox;
  fs_wire_hello_msg(&hello, &m);
  p = fs_wire_encode(&m, &n);
  hs_payload(name, NULL, p, n, NULL, a);
  free(p);
}

static void hs_revoked(const entry *e) {
  fs_wire_answer a;
  (void)e;
  admin("revoke %lld", dev_id("rv"));
  hs_device("rv", 0, &a);
  expect_hs_refused(&a, FS_EREVOKED);
}

/* Waits until the central store's answer to sql is 1 (5 s). */
#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
static void
wait_for(const char *fmt, ...) {
  char sql[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(sql, sizeof(sql), fmt, ap);
  va_end(ap);
  if (fs_test_central_wait(&W->tw.d, sql, 0, 1) != 1)
    fail_msg("never true within 15 s: %s", sql);
}

static void depart_once(void);

static void hs_wiped(const entry *e) {
  fs_wire_answer a;
  (void)e;
  depart_once();
  central_exec("UPDATE devices SET status='wiped' WHERE id=%lld", dev_id("wp"));
  hs_device("wp", 1, &a);
  expect_hs_refused(&a, FS_EREVOKED);
  /* D01 departed in depart_once: its wiped devices get FS_EDEPARTED. */
  central_exec("UPDATE devices SET status='wiped' WHERE id=%lld", dev_id("d01w"));
  hs_device("d01w", 1, &a);
  expect_hs_refused(&a, FS_EDEPARTED);
}

/* D01 departs (once): its devices come under a wipe order. */
static void depart_once(void) {
  if (central_int("SELECT count(*) FROM staff WHERE code='D01' AND status='departed'") ==
      0)
    admin("depart --yes D01 --successor A01");
}

/* A clock for the departed rep's own work: before the departure (work
 * stamped after it is refused by the fence, 7.2), rising per call. */
static uint64_t before_departure(void) {
  static uint64_t last;
  long long at = central_int("SELECT departed_at FROM staff WHERE code='D01'");
  uint64_t t = fs__hlc_make((uint64_t)at - 60000, 0);
  assert_true(at > 0);
  last = last >= t ? last + 1 : t;
  return last;
}

static void hs_wipe_expired(const entry *e) {
  long long rwx = dev_id("rwx"), d01x = dev_id("d01x");
  long long old = (long long)fs_wire_now_ms() - 20LL * 86400000;
  fs_wire_answer a;
  (void)e;
  depart_once();
  admin("revoke %lld --wipe", rwx);
  central_exec("UPDATE devices SET wipe_at=%lld WHERE id IN (%lld, %lld)", old, rwx,
               d01x);
  hs_device("rwx", 1, &a);
  expect_hs_refused(&a, FS_EREVOKED);
  hs_device("d01x", 1, &a);
  expect_hs_refused(&a, FS_EDEPARTED);
  /* Marked wiped by the handshake (or the sweep). */
  wait_for("SELECT count(*)=2 FROM devices WHERE status='wiped' AND id IN (%lld, %lld)",
           rwx, d01x);
}

static void hs_wipe_session(const entry *e) {
  fs_wire_hello hello = {0};
  fs_wire_dev h;
  (void)e;
  depart_once();
  if (central_int("SELECT count(*) FROM devices WHERE id=%lld AND status='wipe'",
                  dev_id("rw")) == 0)
    admin("revoke %lld --wipe", dev_id("rw"));
  hello.outbox = 5;
  open_ok(&h, "rw", &hello);
  assert_true(h.welcome.u.welcome.wipe);
  expect_open(&h);
  fs_wire_free(&h);
  open_ok(&h, "d01", &hello);
  assert_true(h.welcome.u.welcome.wipe);
  expect_open(&h);
  fs_wire_free(&h);
}

static void hs_wipe_now(const entry *e) {
  fs_wire_dev h;
  fs_msg m;
  (void)e;
  admin("revoke %lld --wipe", dev_id("rw0"));
  open_ok(&h, "rw0", NULL); /* outbox 0 */
  assert_true(h.welcome.u.welcome.wipe);
  assert_int_equal(next_msg(&h, &m), FS_MSG_WIPE);
  fs__msg_release(&m);
  expect_silent_close(&h);
  fs_wire_free(&h);
  wait_for("SELECT count(*) FROM devices WHERE status='wiped' AND id=%lld",
           dev_id("rw0"));
}

/* A HELLO stamped before the wipe order (a replayed message 1): its
 * outbox 0 does not end the final upload. */
static void hs_wipe_old_hello(const entry *e) {
  fs_wire_hello hello = {0};
  fs_wire_dev h;
  long long at;
  (void)e;
  depart_once();
  at = central_int("SELECT wipe_at FROM devices WHERE id=%lld", dev_id("d01"));
  assert_true(at > 1000);
  hello.time = (uint64_t)(at - 1000); /* outbox 0 */
  open_ok(&h, "d01", &hello);
  assert_true(h.welcome.u.welcome.wipe);
  expect_open(&h);
  fs_wire_free(&h);
  assert_int_equal(
      central_int("SELECT count(*) FROM devices WHERE status='wiped' AND id=%lld",
                  dev_id("d01")),
      0);
}

/* An enrollment HELLO of a fresh key carrying token: the answer. */
static void enroll_with(const char *token, fs_wire_answer *a) {
  fs_wire_hello hello = {0};
  hello.token = token;
  hs_new_key(&hello, 0, a);
}

static void enroll_bad_token(const entry *e) {
  fs_wire_answer a;
  (void)e;
  enroll_with("fs1.not-a-token", &a);
  expect_hs_refused(&a, FS_ETOKEN);
}

static void enroll_unknown_token(const entry *e) {
  char *good = token_for("A01"), text[FS_TOKEN_TEXT_MAX + 1];
  fs_token t;
  fs_wire_answer a;
  (void)e;
  /* Well-formed, names the daemon, but a secret the daemon never issued. */
  assert_int_equal(fs__token_parse(good, strlen(good), &t), 0);
  randombytes_buf(t.secret, sizeof(t.secret));
  assert_int_equal(fs__token_encode(&t, text, sizeof(text)), 0);
  enroll_with(text, &a);
  expect_hs_refused(&a, FS_ETOKEN);
  /* A real token presented for another staff code. */
  assert_int_equal(fs__token_parse(good, strlen(good), &t), 0);
  snprintf(t.staff_code, sizeof(t.staff_code), "A02");
  assert_int_equal(fs__token_encode(&t, text, sizeof(text)), 0);
  enroll_with(text, &a);
  expect_hs_refused(&a, FS_ETOKEN);
  fs__token_wipe(&t);
  central_exec("DELETE FROM tokens WHERE used_at IS NULL");
  free(good);
}

/* An enrollment HELLO of a fresh key with token, read until WELCOME. */
static void enroll_ok_with(const char *token, fs_wire_answer *a) {
  fs_wire_hello hello = {0};
  hello.token = token;
  hs_new_key(&hello, 1, a);
}

static void enroll_used(const entry *e) {
  char *token = token_for("A01");
  fs_wire_answer a;
  (void)e;
  enroll_ok_with(token, &a);
  assert_true(a.welcome && a.msg.u.welcome.ok);
  fs__msg_release(&a.msg);
  enroll_with(token, &a);
  expect_hs_refused(&a, FS_ETOKEN_USED);
  free(token);
}

static void enroll_expired(const entry *e) {
  char *token = token_for("A01");
  fs_wire_answer a;
  (void)e;
  central_exec("UPDATE tokens SET expires_at=%lld WHERE used_at IS NULL",
               (long long)(fs_wire_now_ms() / 1000) - 1);
  enroll_with(token, &a);
  expect_hs_refused(&a, FS_ETOKEN_EXPIRED);
  central_exec("DELETE FROM tokens WHERE used_at IS NULL");
  free(token);
}

static void enroll_departed(const entry *e) {
  char *token = token_for("G01");
  fs_wire_answer a;
  (void)e;
  /* G01 leaves after the token was made. */
  central_exec("UPDATE staff SET status='departed', departed_at=1 WHERE code='G01'");
  enroll_with(token, &a);
  expect_hs_refused(&a, FS_EDEPARTED);
  central_exec("DELETE FROM tokens WHERE used_at IS NULL");
  free(token);
}

static void enroll_ok(const entry *e) {
  char *token = token_for("A02");
  long long slot = central_int("SELECT max(slot) FROM devices WHERE staff='A02'");
  fs_wire_answer a;
  (void)e;
  enroll_ok_with(token, &a);
  assert_true(a.welcome);
  assert_false(a.closed);
  assert_true(a.msg.u.welcome.ok);
  assert_string_equal(a.msg.u.welcome.text, "enrolled");
  assert_string_equal(a.msg.u.welcome.staff, "A02");
  assert_int_equal(a.msg.u.welcome.slot, slot + 1);
  assert_false(a.msg.u.welcome.wipe);
  fs__msg_release(&a.msg);
  free(token);
}

static void hs_timeout(const entry *e) {
  uint8_t out[16];
  uint64_t t0 = fs_wire_now_ms();
  (void)e;
  /* Half a header, then nothing. */
  assert_int_equal(tcp_exchange(out, 2, out, sizeof(out)), 0);
  assert_true(fs_wire_now_ms() - t0 >= HANDSHAKE_MS - 50);
}

/* Message 1 (under kp, or a01's key; with token if not NULL) and a
 * random frame right behind it, before WELCOME could have arrived: WELCOME
 * ok with text, then a silent close. */
static void early_bytes(const fs_keypair *kp, const char *token, const char *text) {
  uint8_t after[FS_FRAME_HEADER_LEN + 40];
  fs_wire_hello hello = {0};
  fs_wire_dev h;
  fs_wire_raw r;
  fs_wire_answer a;
  fs_msg m;
  uint8_t *p;
  size_t n;
  fs__frame_header(after, 40);
  randombytes_buf(after + FS_FRAME_HEADER_LEN, 40);
  hello.token = token;
  fs_wire_hello_msg(&hello, &m);
  p = fs_wire_encode(&m, &n);
  dev_load(&h, "a01");
  fs_wire_raw_start(&r, &h, kp, p, n, after, sizeof(after), NULL);
  fs_wire_raw_finish(&r, 0, 5000, &a);
  assert_true(a.welcome);
  assert_true(a.msg.u.welcome.ok);
  assert_string_equal(a.msg.u.welcome.text, text);
  assert_true(a.closed);
  fs__msg_release(&a.msg);
  fs_wire_free(&h);
  free(p);
}

static void hs_early_bytes(const entry *e) {
  (void)e;
  early_bytes(NULL, NULL, "welcome");
}

/* ---- ENROLLING and a full writer queue -------------------------------- */

static void enroll_early_bytes(const entry *e) {
  char *token = token_for("A02");
  fs_keypair *kp = NULL;
  (void)e;
  /* An enrolling device cannot seal anything before WELCOME: a frame sent
   * while it is enrolled is kept, then fails authentication. */
  assert_int_equal(fs__keypair_generate(&kp), 0);
  early_bytes(kp, token, "enrolled");
  fs__keypair_free(kp);
  free(token);
}

/* Holds the central store's write lock (BEGIN IMMEDIATE) until released:
 * the daemon's writer waits (its busy timeout is 5 s). */
static sqlite3 *lock_store(void) {
  char *p = fs_test_path(W->tw.d.dir, "central.db");
  sqlite3 *db = NULL;
  assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  assert_int_equal(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
  free(p);
  return db;
}

static void unlock_store(sqlite3 *db) {
  assert_int_equal(sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close(db);
}

static void enroll_overflow(const entry *e) {
  char *token = token_for("O01");
  fs_wire_answer a;
  (void)e;
  /* O01 has used the last archive slot (64) already. */
  central_exec("INSERT INTO devices(staff, pubkey, slot, status) VALUES('O01', "
               "randomblob(32), 64, 'revoked')");
  enroll_with(token, &a);
  expect_hs_refused(&a, FS_EOVERFLOW);
  central_exec("DELETE FROM tokens WHERE used_at IS NULL");
  free(token);
}

static void enroll_exist(const entry *e) {
  char *t1 = token_for("A01"), *t2 = token_for("A01");
  fs_keypair *kp = NULL;
  fs_wire_hello hello = {0};
  fs_wire_dev h;
  fs_wire_raw r1, r2;
  fs_wire_answer a1, a2;
  sqlite3 *lock;
  fs_msg m;
  uint8_t *p1, *p2;
  size_t n1, n2;
  (void)e;
  /* One new key, two tokens, two connections at once: while the writer
   * waits for the store, both lookups find the key unknown; the first
   * enrollment registers it, the second finds it taken. */
  assert_int_equal(fs__keypair_generate(&kp), 0);
  dev_load(&h, "a01");
  hello.token = t1;
  fs_wire_hello_msg(&hello, &m);
  p1 = fs_wire_encode(&m, &n1);
  hello.token = t2;
  fs_wire_hello_msg(&hello, &m);
  p2 = fs_wire_encode(&m, &n2);
  lock = lock_store();
  fs_wire_raw_start(&r1, &h, kp, p1, n1, NULL, 0, NULL);
  usleep(100000);
  fs_wire_raw_start(&r2, &h, kp, p2, n2, NULL, 0, NULL);
  usleep(100000);
  unlock_store(lock);
  fs_wire_raw_finish(&r1, 1, 5000, &a1);
  fs_wire_raw_finish(&r2, 0, 5000, &a2);
  assert_true(a1.welcome && a1.msg.u.welcome.ok);
  assert_string_equal(a1.msg.u.welcome.text, "enrolled");
  fs__msg_release(&a1.msg);
  expect_hs_refused(&a2, FS_EEXIST);
  /* The second token stays unused. */
  assert_int_equal(central_int("SELECT count(*) FROM tokens WHERE used_at IS NULL AND "
                               "staff='A01'"),
                   1);
  central_exec("DELETE FROM tokens WHERE used_at IS NULL");
  free(p1);
  free(p2);
  fs_wire_free(&h);
  fs__keypair_free(kp);
  free(t1);
  free(t2);
}

/* While the store is locked, pushes on fresh sessions of a01b until the
 * writer queue is full: the writer holds one job, the queue (2) the next
 * ones.  Returns how many sessions in held[] wait for their PUSH_RESULT;
 * *busy is an open session whose PUSH was answered ERROR FS_EBUSY. */
#define HELD_MAX 6
static int fill_queue(fs_wire_dev held[HELD_MAX], fs_wire_dev *busy) {
  int n = 0;
  for (;;) {
    fs_wire_dev *h = n < HELD_MAX ? &held[n] : busy;
    fs_change c;
    char id[33];
    fs_msg m;
    int rc;
    assert_true(n <= HELD_MAX);
    fs__id_new(id);
    open_ok(h, "a01b", NULL);
    cust(&c, id, "A01", "Queued", "C");
    send_push(h, &c, 1, 1);
    fs_wire_change_release(&c);
    rc = fs_wire_recv(h, &m, 300);
    if (rc == FS_ETIMEDOUT) { /* queued behind the lock */
      assert_true(n < HELD_MAX);
      n++;
      continue;
    }
    assert_int_equal(rc, 0);
    assert_int_equal(m.type, FS_MSG_ERROR);
    assert_int_equal(m.u.error.code, FS_EBUSY);
    fs__msg_release(&m);
    if (h != busy) {
      *busy = *h;
      memset(h, 0, sizeof(*h));
    }
    return n;
  }
}

/* The held pushes are answered once the store is free again. */
static void drain_queue(fs_wire_dev held[HELD_MAX], int n) {
  for (int i = 0; i < n; i++) {
    fs_msg m;
    assert_int_equal(next_msg(&held[i], &m), FS_MSG_PUSH_RESULT);
    assert_int_equal(m.u.push_result.results[0].outcome, FS_OUTCOME_APPLIED);
    fs__msg_release(&m);
    fs_wire_free(&held[i]);
  }
}

static void queue_push(const entry *e) {
  fs_wire_dev held[HELD_MAX], busy;
  sqlite3 *lock = lock_store();
  int n;
  (void)e;
  n = fill_queue(held, &busy);
  /* Nothing was committed; the connection stays open. */
  expect_open(&busy);
  unlock_store(lock);
  drain_queue(held, n);
  fs_wire_free(&busy);
}

static void queue_enroll(const entry *e) {
  char *token = token_for("A02");
  fs_wire_dev held[HELD_MAX], busy;
  fs_wire_answer a;
  sqlite3 *lock = lock_store();
  int n;
  (void)e;
  n = fill_queue(held, &busy);
  enroll_with(token, &a);
  expect_hs_refused(&a, FS_EBUSY);
  unlock_store(lock);
  drain_queue(held, n);
  fs_wire_free(&busy);
  central_exec("DELETE FROM tokens WHERE used_at IS NULL");
  free(token);
}

static void queue_admin(const entry *e) {
  fs_wire_dev held[HELD_MAX], busy;
  sqlite3 *lock = lock_store();
  int n, fd;
  fs_msg m;
  (void)e;
  n = fill_queue(held, &busy);
  fd = admin_connect();
  sample(FS_MSG_ADMIN, &m);
  admin_send(fd, &m);
  admin_expect_error_close(fd, FS_EBUSY);
  unlock_store(lock);
  drain_queue(held, n);
  fs_wire_free(&busy);
}

/* ---- READY: message types --------------------------------------------- */

/* A device message type the daemon does not take: ERROR FS_EPROTO. */
static void ready_type(const entry *e) {
  fs_wire_dev h;
  open_ok(&h, "a01", NULL);
  send_sample(&h, e->arg);
  expect_error_close(&h, FS_EPROTO);
  fs_wire_free(&h);
}

static void ready_push(const entry *e) {
  fs_wire_dev h;
  fs_change c;
  char id[33];
  result r;
  (void)e;
  fs__id_new(id);
  open_ok(&h, "a01", NULL);
  cust(&c, id, "A01", "Pushed", "B");
  r = push1(&h, &c);
  assert_int_equal(r.outcome, FS_OUTCOME_APPLIED);
  assert_int_equal(r.code, 0);
  expect_open(&h);
  fs_wire_free(&h);
}

static void ready_pull(const entry *e) {
  fs_wire_page page;
  fs_wire_dev h;
  (void)e;
  open_ok(&h, "a01", NULL);
  assert_int_equal(fs_wire_pull(&h, 0, &page), 0);
  assert_true(page.got_checkpoint);
  assert_true(page.cursor > 0);
  expect_open(&h);
  fs_wire_free(&h);
}

static void ready_ping(const entry *e) {
  fs_wire_dev h;
  (void)e;
  open_ok(&h, "a01", NULL);
  expect_open(&h);
  expect_open(&h);
  fs_wire_free(&h);
}

static void ready_bye(const entry *e) {
  fs_wire_dev h;
  (void)e;
  open_ok(&h, "a01", NULL);
  send_sample(&h, FS_MSG_BYE);
  expect_silent_close(&h);
  fs_wire_free(&h);
}

/* ---- READY: frames and decoding ---------------------------------------- */

/* Raw bytes on a READY session: the daemon closes without a word. */
static void ready_silent(const uint8_t *frame, size_t n) {
  fs_wire_dev h;
  open_ok(&h, "a01", NULL);
  raw_send(&h, frame, n);
  expect_silent_close(&h);
  fs_wire_free(&h);
}

static void frame_zero(const entry *e) {
  static const uint8_t frame[FS_FRAME_HEADER_LEN] = {0};
  (void)e;
  ready_silent(frame, sizeof(frame));
}

static void frame_big(const entry *e) {
  uint8_t frame[FS_FRAME_HEADER_LEN];
  (void)e;
  fs__frame_header(frame, FS_FRAME_MAX_DEFAULT + 1);
  ready_silent(frame, sizeof(frame));
}

/* A frame of n random bytes (under 16: too short for a tag). */
static void frame_random(const entry *e) {
  uint8_t frame[FS_FRAME_HEADER_LEN + 64];
  size_t n = (size_t)e->arg;
  assert_true(n <= 64);
  fs__frame_header(frame, (uint32_t)n);
  randombytes_buf(frame + FS_FRAME_HEADER_LEN, n);
  ready_silent(frame, FS_FRAME_HEADER_LEN + n);
}

/* Plaintexts that do not decode, each on its own session: the code the
 * entry names comes back in ERROR, then the daemon closes. */
typedef struct plain {
  const uint8_t *p;
  size_t n;
} plain;

static void plain_error(const plain *list, size_t n, int code) {
  for (size_t i = 0; i < n; i++) {
    fs_wire_dev h;
    open_ok(&h, "a01", NULL);
    send_plain(&h, list[i].p, list[i].n);
    expect_error_close(&h, code);
    fs_wire_free(&h);
  }
}

#define P(a)                                                                             \
  { a, sizeof(a) }

static void dec_empty(const entry *e) {
  static const uint8_t one[1] = {0};
  plain list[] = {{one, 0}};
  plain_error(list, 1, e->arg);
}

static void dec_cut(const entry *e) {
  static const uint8_t ping_cut[] = {0x93, 0x01, 0x10, 0x81, 0xa1, 'n'};
  static const uint8_t count[] = {0x93, 0x01, 0x10, 0x82, 0xa1, 'n', 0x01};
  plain list[] = {P(ping_cut), P(count)};
  plain_error(list, 2, e->arg);
}

static void dec_malformed(const entry *e) {
  static const uint8_t nil[] = {0xc0};
  static const uint8_t two[] = {0x92, 0x01, 0x10};
  static const uint8_t str_n[] = {0x93, 0x01, 0x10, 0x81, 0xa1, 'n', 0xa1, 'x'};
  static const uint8_t neg_n[] = {0x93, 0x01, 0x10, 0x81, 0xa1, 'n', 0xff};
  static const uint8_t twice[] = {0x93, 0x01, 0x10, 0x82, 0xa1,
                                  'n',  0x01, 0xa1, 'n',  0x02};
  static const uint8_t trail[] = {0x93, 0x01, 0x10, 0x81, 0xa1, 'n', 0x01, 0xc0};
  static const uint8_t flt[] = {0x93, 0x01, 0x10, 0x81, 0xa1, 'n', 0xca, 0, 0, 0, 0};
  plain list[] = {P(nil), P(two), P(str_n), P(neg_n), P(twice), P(trail), P(flt)};
  plain_error(list, sizeof(list) / sizeof(list[0]), e->arg);
}

static void dec_version(const entry *e) {
  static const uint8_t v2[] = {0x93, 0x02, 0x10, 0x81, 0xa1, 'n', 0x01};
  fs_wire_dev h;
  fs_msg m;
  (void)e;
  open_ok(&h, "a01", NULL);
  send_plain(&h, v2, sizeof(v2));
  assert_int_equal(next_msg(&h, &m), FS_MSG_ERROR);
  assert_int_equal(m.u.error.code, FS_EVERSION);
  assert_int_equal(m.u.error.nversions, 1);
  assert_int_equal(m.u.error.versions[0], FS_MSG_VERSION);
  fs__msg_release(&m);
  expect_silent_close(&h);
  fs_wire_free(&h);
}

static void dec_type(const entry *e) {
  static const uint8_t t19[] = {0x93, 0x01, 19, 0x80};
  static const uint8_t t0[] = {0x93, 0x01, 0, 0x80};
  plain list[] = {P(t19), P(t0)};
  plain_error(list, 2, e->arg);
}

static void dec_missing(const entry *e) {
  static const uint8_t ping[] = {0x93, 0x01, 0x10, 0x80};
  static const uint8_t pull[] = {0x93, 0x01, 0x05, 0x81, 0xa6, 'c',
                                 'u',  'r',  's',  'o',  'r',  0};
  plain list[] = {P(ping), P(pull)};
  plain_error(list, 2, e->arg);
}

static void dec_unknown_key(const entry *e) {
  /* PING {n: 7, zz: [nil, {}]}: the unknown key is skipped. */
  static const uint8_t ping[] = {0x93, 0x01, 0x10, 0x82, 0xa1, 'n', 0x07,
                                 0xa2, 'z',  'z',  0x92, 0xc0, 0x80};
  fs_wire_dev h;
  fs_msg m;
  (void)e;
  open_ok(&h, "a01", NULL);
  send_plain(&h, ping, sizeof(ping));
  assert_int_equal(next_msg(&h, &m), FS_MSG_PONG);
  assert_int_equal(m.u.ping.n, 7);
  fs__msg_release(&m);
  expect_open(&h);
  fs_wire_free(&h);
}

static void dec_overflow(const entry *e) {
  /* PING with 65 keys; and an unknown key nested 17 deep. */
  uint8_t keys[8 + 65 * 5], deep[16 + 17];
  size_t n = 0;
  plain list[2];
  keys[n++] = 0x93;
  keys[n++] = 0x01;
  keys[n++] = 0x10;
  keys[n++] = 0xde;
  keys[n++] = 0;
  keys[n++] = 65;
  keys[n++] = 0xa1;
  keys[n++] = 'n';
  keys[n++] = 0x01;
  for (int i = 0; i < 64; i++) {
    keys[n++] = 0xa2;
    keys[n++] = (uint8_t)('a' + i / 26);
    keys[n++] = (uint8_t)('a' + i % 26);
    keys[n++] = 0xc0;
  }
  list[0].p = keys;
  list[0].n = n;
  n = 0;
  deep[n++] = 0x93;
  deep[n++] = 0x01;
  deep[n++] = 0x10;
  deep[n++] = 0x82;
  deep[n++] = 0xa1;
  deep[n++] = 'n';
  deep[n++] = 0x01;
  deep[n++] = 0xa1;
  deep[n++] = 'z';
  for (int i = 0; i < 17; i++)
    deep[n++] = 0x91;
  deep[n++] = 0xc0;
  list[1].p = deep;
  list[1].n = n;
  plain_error(list, 2, e->arg);
}

/* m encoded, with the first occurrence of from (same length as to)
 * replaced: a message the encoder would not write. */
static uint8_t *patched(const fs_msg *m, const char *from, const char *to, size_t *n) {
  uint8_t *p = fs_wire_encode(m, n);
  size_t fl = strlen(from);
  assert_int_equal(fl, strlen(to));
  for (size_t i = 0; i + fl <= *n; i++)
    if (memcmp(p + i, from, fl) == 0) {
      memcpy(p + i, to, fl);
      return p;
    }
  fail_msg("%s not in the message", from);
  return p;
}

static void dec_unknown_kind_batch(const entry *e) {
  fs_wire_dev h;
  fs_msg m;
  uint8_t *p;
  size_t n;
  sample(FS_MSG_PULL_BATCH, &m);
  p = patched(&m, "customer", "customex", &n);
  open_ok(&h, "a01", NULL);
  send_plain(&h, p, n);
  expect_error_close(&h, e->arg);
  fs_wire_free(&h);
  free(p);
}

static void push_bad_op(const entry *e) {
  fs_wire_dev h;
  fs_change c;
  fs_msg m;
  char id[33];
  uint8_t *p;
  size_t n;
  /* The op after the 32-character id: 1 (upsert) becomes 3. */
  fs__id_new(id);
  cust(&c, id, "A01", "Bad op", "B");
  push_msg(&m, &c, 1, 1);
  p = fs_wire_encode(&m, &n);
  for (size_t i = 0; i + 33 <= n; i++)
    if (memcmp(p + i, id, 32) == 0) {
      assert_int_equal(p[i + 32], FS_OP_UPSERT);
      p[i + 32] = 3;
      break;
    }
  open_ok(&h, "a01", NULL);
  send_plain(&h, p, n);
  expect_error_close(&h, e->arg);
  fs_wire_free(&h);
  fs_wire_change_release(&c);
  free(p);
}

/* Waits until idle_ms has passed since the idle connections were opened
 * at setup (long passed, normally). */
static void idle_wait(void) {
  while (fs_wire_now_ms() < W->idle_since + IDLE_MS + 500)
    usleep(50000);
}

static void idle_device(const entry *e) {
  (void)e;
  idle_wait();
  expect_silent_close(&W->idle_dev);
}

static void closing_ignores(const entry *e) {
  /* An ADMIN (answered ERROR, then close) and a PING in one write: the
   * PING is never read. */
  fs_wire_dev h;
  fs_msg m;
  fs_buf b;
  size_t need, n1 = 0, n2 = 0;
  uint8_t *both;
  (void)e;
  open_ok(&h, "a01", NULL);
  fs__buf_init(&b, FS_MSG_MAX_BYTES);
  sample(FS_MSG_ADMIN, &m);
  assert_int_equal(fs__msg_encode(&m, &b), 0);
  need = 2 * fs__channel_sealed_size(b.len + 32);
  both = malloc(need);
  assert_non_null(both);
  assert_int_equal(fs__channel_encrypt(h.net.ch, b.data, b.len, both, need, &n1), 0);
  fs__buf_reset(&b);
  sample(FS_MSG_PING, &m);
  assert_int_equal(fs__msg_encode(&m, &b), 0);
  assert_int_equal(
      fs__channel_encrypt(h.net.ch, b.data, b.len, both + n1, need - n1, &n2), 0);
  raw_send(&h, both, n1 + n2);
  expect_error_close(&h, FS_EPROTO);
  fs__buf_release(&b);
  free(both);
  fs_wire_free(&h);
}

/* ---- READY: PUSH outcomes ---------------------------------------------- */

/* An edit of A01's customer id at clock hlc: field = value. */
static void edit(fs_change *c, const char *id, uint64_t hlc, const char *field,
                 const char *value) {
  fs_wire_change_init(c, FS_KIND_CUSTOMER, id, "A01", ++W->counter, hlc);
  fs_wire_change_set(c, field, value);
}

static void push_merged(const entry *e) {
  fs_wire_dev a, b;
  fs_change c;
  char id[33];
  uint64_t t1, t2;
  result r;
  (void)e;
  new_card("a01", "A01", "Merge Co", id);
  t1 = tick();
  t2 = tick();
  /* a01 writes the grade at t2; a01b, at t1, the name and the grade. */
  open_ok(&a, "a01", NULL);
  edit(&c, id, t2, "grade", "A");
  assert_int_equal(push1(&a, &c).outcome, FS_OUTCOME_APPLIED);
  open_ok(&b, "a01b", NULL);
  edit(&c, id, t1, "name", "Merge Co Ltd");
  fs_wire_change_set(&c, "grade", "C");
  r = push1(&b, &c);
  assert_int_equal(r.outcome, FS_OUTCOME_MERGED);
  assert_int_equal(r.code, 0);
  assert_int_equal(central_int("SELECT count(*) FROM customers WHERE id='%s' AND "
                               "name='Merge Co Ltd' AND grade='A'",
                               id),
                   1);
  fs_wire_free(&a);
  fs_wire_free(&b);
}

static void push_conflict(const entry *e) {
  fs_wire_dev a, b;
  fs_change c;
  char id[33];
  uint64_t t1, t2;
  result r;
  (void)e;
  new_card("a01", "A01", "Conflict Co", id);
  /* Both devices edit the phone, neither having seen the other's write:
   * the later clock wins, whichever arrives first. */
  t1 = tick();
  t2 = tick();
  open_ok(&a, "a01", NULL);
  open_ok(&b, "a01b", NULL);
  edit(&c, id, t2, "phone", "222");
  r = push1(&a, &c);
  assert_int_equal(r.outcome, FS_OUTCOME_APPLIED);
  edit(&c, id, t1, "phone", "111");
  r = push1(&b, &c);
  assert_int_equal(r.outcome, FS_OUTCOME_SUPERSEDED);
  assert_int_equal(r.code, 0);
  assert_int_equal(
      central_int("SELECT count(*) FROM customers WHERE id='%s' AND phone='222'", id), 1);
  /* The other order: the earlier write first, then the later one wins. */
  t1 = tick();
  t2 = tick();
  edit(&c, id, t1, "phone", "333");
  assert_int_equal(push1(&a, &c).outcome, FS_OUTCOME_APPLIED);
  edit(&c, id, t2, "phone", "444");
  assert_int_equal(push1(&b, &c).outcome, FS_OUTCOME_APPLIED);
  assert_int_equal(
      central_int("SELECT count(*) FROM customers WHERE id='%s' AND phone='444'", id), 1);
  fs_wire_free(&a);
  fs_wire_free(&b);
}

static void push_tombstone(const entry *e) {
  fs_wire_dev h;
  fs_change c;
  char id[33];
  uint64_t t1;
  result r;
  (void)e;
  new_card("a01", "A01", "Deleted Co", id);
  t1 = tick();
  open_ok(&h, "a01", NULL);
  fs_wire_change_init(&c, FS_KIND_CUSTOMER, id, "A01", ++W->counter, tick());
  c.op = FS_OP_DELETE;
  assert_int_equal(push1(&h, &c).outcome, FS_OUTCOME_APPLIED);
  fs_wire_free(&h);
  /* An edit made before the delete, arriving after it, from the other
   * device. */
  open_ok(&h, "a01b", NULL);
  edit(&c, id, t1, "phone", "555");
  r = push1(&h, &c);
  assert_int_equal(r.outcome, FS_OUTCOME_SUPERSEDED);
  assert_int_equal(
      central_int("SELECT count(*) FROM customers WHERE id='%s' AND phone IS NULL", id),
      1);
  fs_wire_free(&h);
}

static void push_resend(const entry *e) {
  fs_wire_dev h;
  fs_change c;
  char id[33];
  result r;
  (void)e;
  fs__id_new(id);
  open_ok(&h, "a01", NULL);
  cust(&c, id, "A01", "Resent Co", "B");
  push(&h, &c, 1, &r);
  assert_int_equal(r.outcome, FS_OUTCOME_APPLIED);
  fs_wire_free(&h);
  /* Its PUSH_RESULT was lost: the same change again, next session. */
  open_ok(&h, "a01", NULL);
  push(&h, &c, 1, &r);
  assert_int_equal(r.outcome, FS_OUTCOME_APPLIED);
  assert_int_equal(central_int("SELECT count(*) FROM applied WHERE device_id=%lld AND "
                               "counter=%llu",
                               dev_id("a01"), (unsigned long long)c.counter),
                   1);
  fs_wire_change_release(&c);
  fs_wire_free(&h);
}

static void visit(fs_change *c, const char *id, const char *cust_id, const char *points) {
  fs_wire_change_init(c, FS_KIND_VISIT, id, "A01", ++W->counter, tick());
  fs_wire_change_set(c, "customer_id", cust_id);
  fs_wire_change_set(c, "at", "2026-03-02T10:30");
  fs_wire_change_set(c, "method", "in_person");
  fs_wire_change_set(c, "points", points);
}

static void push_append_same(const entry *e) {
  fs_wire_dev h;
  fs_change c;
  char card[33], id[33];
  result r;
  long long hlc;
  (void)e;
  new_card("a01", "A01", "Visited Co", card);
  fs__id_new(id);
  open_ok(&h, "a01", NULL);
  visit(&c, id, card, "the 7-seater");
  assert_int_equal(push1(&h, &c).outcome, FS_OUTCOME_APPLIED);
  hlc = central_int("SELECT hlc FROM visits WHERE id='%s'", id);
  /* The same visit under a new counter and clock (an outbox renumbered
   * after a restore): a duplicate, applied, nothing changes. */
  visit(&c, id, card, "the 7-seater");
  r = push1(&h, &c);
  assert_int_equal(r.outcome, FS_OUTCOME_APPLIED);
  assert_int_equal(r.code, 0);
  assert_int_equal(central_int("SELECT hlc FROM visits WHERE id='%s'", id), hlc);
  fs_wire_free(&h);
}

static void push_append_differs(const entry *e) {
  fs_wire_dev h;
  fs_change c;
  char card[33], id[33];
  result r;
  (void)e;
  new_card("a01", "A01", "Visited Again Co", card);
  fs__id_new(id);
  open_ok(&h, "a01", NULL);
  visit(&c, id, card, "first words");
  assert_int_equal(push1(&h, &c).outcome, FS_OUTCOME_APPLIED);
  visit(&c, id, card, "other words");
  r = push1(&h, &c);
  assert_int_equal(r.outcome, FS_OUTCOME_SUPERSEDED);
  assert_int_equal(r.code, 0);
  assert_int_equal(
      central_int("SELECT count(*) FROM visits WHERE id='%s' AND points='first words'",
                  id),
      1);
  fs_wire_free(&h);
}

static void push_rejected_resend(const entry *e) {
  fs_wire_dev h;
  fs_change c;
  char id[33];
  result first, again, renumbered;
  (void)e;
  fs__id_new(id);
  open_ok(&h, "a01", NULL);
  cust(&c, id, "A01", "Evil\x1b[31m Co", "B");
  push(&h, &c, 1, &first);
  assert_int_equal(first.outcome, FS_OUTCOME_REJECTED);
  assert_int_equal(first.code, FS_EVALIDATE);
  assert_string_not_equal(first.reason, fs_strerror(FS_EVALIDATE));
  push(&h, &c, 1, &again);
  assert_int_equal(again.outcome, FS_OUTCOME_REJECTED);
  assert_int_equal(again.code, FS_EVALIDATE);
  assert_string_equal(again.reason, first.reason);
  c.counter = ++W->counter;
  push(&h, &c, 1, &renumbered);
  assert_int_equal(renumbered.outcome, FS_OUTCOME_REJECTED);
  assert_string_equal(renumbered.reason, first.reason);
  fs_wire_change_release(&c);
  fs_wire_free(&h);
}

/* Pushes c on a fresh session of device name: its result. */
static result push_on(const char *name, fs_change *c) {
  fs_wire_dev h;
  result r;
  open_ok(&h, name, NULL);
  r = push1(&h, c);
  fs_wire_free(&h);
  return r;
}

static void expect_rejected(result r, int code) {
  if (r.outcome != FS_OUTCOME_REJECTED || r.code != code)
    fail_msg("expected outcome 4 %s, got %d %s (%s)", fs_strerror(code), r.outcome,
             fs_strerror(r.code), r.reason);
  assert_true(r.reason[0] != '\0');
}

static void push_invalid(const entry *e) {
  fs_change c;
  char id[33];
  result r;
  fs__id_new(id);
  cust(&c, id, "A01", "Bad Grade Co", "Z");
  r = push_on("a01", &c);
  expect_rejected(r, e->arg);
  assert_non_null(strstr(r.reason, "grade"));
}

static void push_forbidden(const entry *e) {
  fs_change c;
  char id[33];
  new_card("a02", "A02", "Anna's Co", id);
  cust(&c, id, "A02", NULL, "O");
  expect_rejected(push_on("a01", &c), e->arg);
}

static void push_readonly(const entry *e) {
  fs_change c;
  char id[33];
  new_card("a02", "A02", "Lent Co", id);
  admin("lend %s --to A01 --days 3", id);
  cust(&c, id, "A02", NULL, "O");
  expect_rejected(push_on("a01", &c), e->arg);
}

static void push_unknown_field(const entry *e) {
  fs_wire_dev h;
  fs_change c[3];
  char id[3][33];
  fs_msg m, res;
  uint8_t *p, *q;
  size_t n;
  /* Three changes: the first of an unknown kind, the second with an
   * unknown field, the third fine. */
  for (int i = 0; i < 3; i++) {
    fs__id_new(id[i]);
    cust(&c[i], id[i], "A01", i == 1 ? "Unknown Field Co" : "Known Co", "B");
  }
  fs_wire_change_set(&c[1], "phone", "1");
  push_msg(&m, c, 3, 3);
  p = patched(&m, "customer", "customex", &n);
  q = p; /* the first "phone" is change 1's */
  for (size_t i = 0; i + 5 <= n; i++)
    if (memcmp(q + i, "phone", 5) == 0) {
      memcpy(q + i, "phonx", 5);
      break;
    }
  open_ok(&h, "a01", NULL);
  send_plain(&h, p, n);
  assert_int_equal(next_msg(&h, &res), FS_MSG_PUSH_RESULT);
  assert_int_equal(res.u.push_result.n, 3);
  assert_int_equal(res.u.push_result.results[0].outcome, FS_OUTCOME_REJECTED);
  assert_int_equal(res.u.push_result.results[0].code, e->arg);
  assert_int_equal(res.u.push_result.results[1].outcome, FS_OUTCOME_REJECTED);
  assert_int_equal(res.u.push_result.results[1].code, e->arg);
  assert_int_equal(res.u.push_result.results[2].outcome, FS_OUTCOME_APPLIED);
  fs__msg_release(&res);
  expect_open(&h);
  fs_wire_free(&h);
  for (int i = 0; i < 3; i++)
    fs_wire_change_release(&c[i]);
  free(p);
}

static void push_clock_ahead(const entry *e) {
  fs_change c;
  char id[33];
  fs__id_new(id);
  fs_wire_change_init(&c, FS_KIND_CUSTOMER, id, "A01", ++W->counter,
                      fs__hlc_make(fs_wire_now_ms() + 6 * 60 * 1000, 0));
  fs_wire_change_set(&c, "name", "Future Co");
  fs_wire_change_set(&c, "grade", "B");
  expect_rejected(push_on("a01", &c), e->arg);
}

static void push_clock_behind(const entry *e) {
  fs_change c;
  char id[33];
  uint64_t t1 = tick();
  fs__id_new(id);
  cust(&c, id, "A01", "Later Co", "B");
  assert_int_equal(push_on("a01", &c).outcome, FS_OUTCOME_APPLIED);
  /* A new change stamped below what the device already sent. */
  fs__id_new(id);
  edit(&c, id, t1, "name", "Earlier Co");
  fs_wire_change_set(&c, "grade", "B");
  expect_rejected(push_on("a01", &c), e->arg);
}

static void push_orphan(const entry *e) {
  fs_change c;
  char id[33], missing[33];
  fs__id_new(id);
  fs__id_new(missing);
  visit(&c, id, missing, "nobody");
  expect_rejected(push_on("a01", &c), e->arg);
}

static void pull_resync(const entry *e) {
  fs_wire_page page;
  fs_wire_dev h;
  long long seq = central_int("SELECT value FROM meta WHERE key='seq'");
  long long floor = central_int("SELECT value FROM meta WHERE key='gc_floor'");
  (void)e;
  assert_true(seq > 1);
  central_exec("INSERT OR REPLACE INTO meta(key, value) VALUES('gc_floor', %lld)", seq);
  open_ok(&h, "a01", NULL);
  assert_int_equal(fs_wire_pull(&h, 1, &page), FS_ERESYNC);
  /* Open: the snapshot from 0 follows on the same connection. */
  assert_int_equal(fs_wire_pull(&h, 0, &page), 0);
  assert_true(page.got_checkpoint);
  fs_wire_free(&h);
  if (floor < 0)
    central_exec("DELETE FROM meta WHERE key='gc_floor'");
  else
    central_exec("UPDATE meta SET value=%lld WHERE key='gc_floor'", floor);
}

/* ---- READY (wipe) ----------------------------------------------------- */

/* A wipe session of device name claiming an outbox of 5. */
static void open_wipe(fs_wire_dev *h, const char *name) {
  fs_wire_hello hello = {0};
  hello.outbox = 5;
  open_ok(h, name, &hello);
  assert_true(h->welcome.u.welcome.wipe);
}

static void wipe_order_rw(void) {
  if (central_int("SELECT count(*) FROM devices WHERE id=%lld AND status='wipe'",
                  dev_id("rw")) == 0)
    admin("revoke %lld --wipe", dev_id("rw"));
}

static void wipe_push_departed(const entry *e) {
  fs_wire_dev h;
  fs_change c[2];
  char id[2][33];
  result r[2];
  (void)e;
  depart_once();
  open_wipe(&h, "d01");
  for (int i = 0; i < 2; i++) {
    fs__id_new(id[i]);
    fs_wire_change_init(&c[i], FS_KIND_CUSTOMER, id[i], "D01", ++W->counter,
                        before_departure());
    fs_wire_change_set(&c[i], "name", "Last Upload Co");
    fs_wire_change_set(&c[i], "grade", "B");
  }
  push_claim(&h, c, 2, 5, r); /* 3 more to come */
  assert_int_equal(r[0].outcome, FS_OUTCOME_APPLIED);
  assert_int_equal(r[1].outcome, FS_OUTCOME_APPLIED);
  /* The new customers land with the successor. */
  assert_int_equal(
      central_int("SELECT count(*) FROM customers WHERE id='%s' AND owner='A01'", id[0]),
      1);
  expect_open(&h);
  fs_wire_free(&h);
  for (int i = 0; i < 2; i++)
    fs_wire_change_release(&c[i]);
}

static void wipe_push_quarantine(const entry *e) {
  fs_wire_dev h;
  fs_change c;
  char id[33];
  result r;
  (void)e;
  wipe_order_rw();
  open_wipe(&h, "rw");
  fs__id_new(id);
  cust(&c, id, "A01", "Quarantined Co", "B");
  push_claim(&h, &c, 1, 5, &r);
  assert_int_equal(r.outcome, FS_OUTCOME_REJECTED);
  assert_int_equal(r.code, FS_EREVOKED);
  assert_int_equal(central_int("SELECT count(*) FROM customers WHERE id='%s'", id), 0);
  expect_open(&h);
  fs_wire_change_release(&c);
  fs_wire_free(&h);
}

static void wipe_last(const entry *e) {
  fs_wire_dev h;
  fs_change c;
  char id[33];
  int oc = 0, wiped = 0;
  fs_msg m;
  (void)e;
  depart_once();
  open_wipe(&h, "d01");
  fs__id_new(id);
  fs_wire_change_init(&c, FS_KIND_CUSTOMER, id, "D01", ++W->counter, before_departure());
  fs_wire_change_set(&c, "name", "Very Last Co");
  fs_wire_change_set(&c, "grade", "B");
  assert_int_equal(fs_wire_push(&h, &c, 1, 1, &oc, NULL, &wiped), 0);
  assert_int_equal(oc, FS_OUTCOME_APPLIED);
  assert_true(wiped);
  assert_int_equal(fs_wire_recv(&h, &m, 5000), FS_ECLOSED);
  fs_wire_change_release(&c);
  fs_wire_free(&h);
  wait_for("SELECT count(*) FROM devices WHERE status='wiped' AND id=%lld",
           dev_id("d01"));
  assert_int_equal(open_code("d01", NULL), FS_EDEPARTED);
}

static void wipe_ping(const entry *e) {
  fs_wire_dev h;
  (void)e;
  wipe_order_rw();
  open_wipe(&h, "rw");
  expect_open(&h);
  fs_wire_free(&h);
}

static void wipe_bye(const entry *e) {
  fs_wire_dev h;
  (void)e;
  wipe_order_rw();
  open_wipe(&h, "rw");
  send_sample(&h, FS_MSG_BYE);
  expect_silent_close(&h);
  fs_wire_free(&h);
}

static void wipe_type(const entry *e) {
  wipe_order_rw();
  for (int t = 1; t <= FS_MSG_TYPE_MAX; t++) {
    fs_wire_dev h;
    if (t == FS_MSG_PUSH || t == FS_MSG_PING || t == FS_MSG_BYE)
      continue;
    if (e->arg && t != e->arg)
      continue;
    if (!e->arg && t == FS_MSG_PULL)
      continue;
    open_wipe(&h, "rw");
    send_sample(&h, t);
    expect_error_close(&h, FS_EREVOKED);
    fs_wire_free(&h);
  }
}

static void wipe_undecodable(const entry *e) {
  fs_wire_dev h;
  static const uint8_t one[1] = {0};
  (void)e;
  wipe_order_rw();
  open_wipe(&h, "rw");
  send_plain(&h, one, 0);
  expect_error_close(&h, FS_ETRUNC);
  fs_wire_free(&h);
}

static void wipe_deadline_event(const entry *e) {
  fs_wire_dev h;
  long long wd = dev_id("wd");
  (void)e;
  admin("revoke %lld --wipe", wd);
  open_wipe(&h, "wd");
  /* The order is 20 days old now; the sweep marks the device wiped and
   * closes its session. */
  central_exec("UPDATE devices SET wipe_at=%lld WHERE id=%lld",
               (long long)fs_wire_now_ms() - 20LL * 86400000, wd);
  admin("sweep");
  expect_error_close(&h, FS_EREVOKED);
  fs_wire_free(&h);
}

/* ---- READY, standing changed since the handshake --------------------- */

/* Message type t on a session of "st" revoked since its handshake. */
static void stale_one(int t) {
  fs_wire_dev h;
  long long st = dev_id("st");
  open_ok(&h, "st", NULL);
  /* Revoked behind the daemon's back (no admin command re-judged the
   * session): the next request reads the store. */
  central_exec("UPDATE devices SET status='revoked' WHERE id=%lld", st);
  if (t == FS_MSG_PUSH) {
    fs_change c;
    char id[33];
    fs__id_new(id);
    cust(&c, id, "A01", "Too Late Co", "B");
    send_push(&h, &c, 1, 1);
    fs_wire_change_release(&c);
    expect_error_close(&h, FS_EREVOKED);
    assert_int_equal(central_int("SELECT count(*) FROM customers WHERE id='%s'", id), 0);
  } else {
    send_sample(&h, t);
    if (t == FS_MSG_BYE)
      expect_silent_close(&h);
    else if (t == FS_MSG_PULL || t == FS_MSG_PING)
      expect_error_close(&h, FS_EREVOKED);
    else
      expect_error_close(&h, FS_EPROTO);
  }
  central_exec("UPDATE devices SET status='active' WHERE id=%lld", st);
  fs_wire_free(&h);
}

/* The entry's type, or (0) every type that is not a request nor BYE. */
static void stale(const entry *e) {
  for (int t = 1; t <= FS_MSG_TYPE_MAX; t++)
    if (e->arg
            ? t == e->arg
            : t != FS_MSG_PUSH && t != FS_MSG_PULL && t != FS_MSG_PING && t != FS_MSG_BYE)
      stale_one(t);
}

/* ---- READY: events ----------------------------------------------------- */

static void event_revoke(const entry *e) {
  fs_wire_dev h;
  (void)e;
  open_ok(&h, "ev", NULL);
  admin("revoke %lld", dev_id("ev"));
  expect_error_close(&h, FS_EREVOKED);
  fs_wire_free(&h);
}

static void event_wipe_order(const entry *e) {
  fs_wire_dev h, g;
  (void)e;
  open_ok(&h, "evw", NULL);
  admin("revoke %lld --wipe", dev_id("evw"));
  expect_error_close(&h, FS_EREVOKED);
  fs_wire_free(&h);
  /* The staff member departs while its device is connected. */
  if (central_int("SELECT count(*) FROM staff WHERE code='E01' AND status='departed'") ==
      0) {
    open_ok(&g, "e01", NULL);
    admin("depart --yes E01 --successor A01");
    expect_error_close(&g, FS_EDEPARTED);
    fs_wire_free(&g);
  }
}

static void event_shrink(const entry *e) {
  fs_wire_page page;
  fs_wire_dev h;
  char id[33];
  (void)e;
  new_card("f01", "F01", "Handed Over Co", id);
  open_ok(&h, "f01", NULL);
  assert_int_equal(fs_wire_pull(&h, 0, &page), 0);
  admin("transfer --yes --from F01 --to A02 --customer %s", id);
  expect_error_close(&h, FS_EFORBIDDEN);
  fs_wire_free(&h);
}

static void event_notify(const entry *e) {
  fs_wire_hello hello = {0};
  fs_wire_dev w, q;
  fs_change c;
  char id[33];
  (void)e;
  hello.want = FS_WANT_SYNC | FS_WANT_WATCH;
  open_ok(&w, "a01", &hello);
  open_ok(&q, "a01b", NULL);
  fs__id_new(id);
  cust(&c, id, "A01", "Noticed Co", "B");
  assert_int_equal(push1(&q, &c).outcome, FS_OUTCOME_APPLIED);
  assert_int_equal(fs_wire_wait_notify(&w, 5000), 1);
  expect_open(&w);
  fs_wire_free(&w);
  fs_wire_free(&q);
}

static void event_no_watch(const entry *e) {
  fs_wire_dev w, q;
  fs_change c;
  char id[33];
  (void)e;
  open_ok(&w, "a01", NULL);
  open_ok(&q, "a01b", NULL);
  fs__id_new(id);
  cust(&c, id, "A01", "Unnoticed Co", "B");
  assert_int_equal(push1(&q, &c).outcome, FS_OUTCOME_APPLIED);
  assert_int_equal(fs_wire_wait_notify(&w, 300), 0);
  expect_open(&w);
  fs_wire_free(&w);
  fs_wire_free(&q);
}

/* ---- the admin socket ------------------------------------------------- */

static void admin_ok(const entry *e) {
  int fd = admin_connect();
  fs_msg m;
  (void)e;
  for (int i = 0; i < 2; i++) { /* twice: the connection stays open */
    sample(FS_MSG_ADMIN, &m);
    admin_send(fd, &m);
    assert_int_equal(admin_recv(fd, &m), FS_MSG_ADMIN_RESULT);
    assert_true(m.u.admin_result.ok);
    assert_non_null(strstr(m.u.admin_result.out, "A01"));
    fs__msg_release(&m);
  }
  close(fd);
}

static void admin_refused(const entry *e) {
  static fs_admin_arg arg = {"code", FS_ARG_STR, "A\n01", 0, NULL, 0};
  int fd = admin_connect();
  fs_msg m;
  sample(FS_MSG_ADMIN, &m);
  if (e->arg == FS_EUSAGE) {
    m.u.admin.cmd = "no.such.command";
  } else {
    m.u.admin.cmd = "staff.show";
    m.u.admin.args = &arg;
    m.u.admin.nargs = 1;
  }
  admin_send(fd, &m);
  assert_int_equal(admin_recv(fd, &m), FS_MSG_ADMIN_RESULT);
  assert_false(m.u.admin_result.ok);
  assert_int_equal(m.u.admin_result.code, e->arg);
  fs__msg_release(&m);
  /* Still open. */
  sample(FS_MSG_ADMIN, &m);
  admin_send(fd, &m);
  assert_int_equal(admin_recv(fd, &m), FS_MSG_ADMIN_RESULT);
  fs__msg_release(&m);
  close(fd);
}

static void admin_type(const entry *e) {
  (void)e;
  for (int t = 1; t <= FS_MSG_TYPE_MAX; t++) {
    int fd;
    fs_msg m;
    if (t == FS_MSG_ADMIN)
      continue;
    fd = admin_connect();
    sample((fs_msg_type)t, &m);
    admin_send(fd, &m);
    admin_expect_error_close(fd, FS_EPROTO);
  }
}

static void admin_frame_zero(const entry *e) {
  int fd = admin_connect();
  admin_send_raw(fd, NULL, 0);
  admin_expect_error_close(fd, e->arg);
}

static void admin_frame_big(const entry *e) {
  int fd = admin_connect();
  uint8_t hdr[FS_FRAME_HEADER_LEN];
  fs__frame_header(hdr, FS_FRAME_MAX_DEFAULT + 1);
  assert_int_equal(write(fd, hdr, sizeof(hdr)), (ssize_t)sizeof(hdr));
  admin_expect_error_close(fd, e->arg);
}

static void admin_undecodable(const entry *e) {
  static const uint8_t v2[] = {0x93, 0x02, 0x0c, 0x80};
  static const uint8_t cut[] = {0x93, 0x01, 0x0c, 0x82};
  int fd = admin_connect();
  (void)e;
  admin_send_raw(fd, v2, sizeof(v2));
  admin_expect_error_close(fd, FS_EVERSION);
  fd = admin_connect();
  admin_send_raw(fd, cut, sizeof(cut));
  admin_expect_error_close(fd, FS_ETRUNC);
}

static void admin_idle(const entry *e) {
  fs_msg m;
  (void)e;
  idle_wait();
  assert_int_equal(admin_recv(W->idle_fd, &m), FS_ECLOSED);
}

/* ---- the entries ------------------------------------------------------ */

#define HS "HANDSHAKE"
#define EN "ENROLLING"
#define RD "READY"
#define RW "READY (wipe)"
#define RS "READY (standing changed)"
#define AD "admin socket"
#define CLOSED "CLOSED"
#define NOT_TCP "not over TCP: "

static const entry entries[] = {
    /* HANDSHAKE: from the TCP accept to WELCOME (3, 3.2). */
    E("hs.busy", HS,
      "connection from an address that already has `max_startups_per_source` unfinished "
      "handshakes, none older than 1 s (3.2)",
      "BUSY note", CLOSED, busy_note, 0),
    E("hs.frame0", HS, "frame length 0", "nothing (`FS_EPROTO` logged)", CLOSED,
      hs_zero_frame, 0),
    E("hs.frame-big", HS, "frame length above 65535, decided on the 4 header bytes",
      "nothing (`FS_ETOOBIG`)", CLOSED, hs_big_frame, 0),
    E("hs.short", HS, "message 1 under 96 bytes", "nothing (`FS_ETRUNC`)", CLOSED,
      hs_short, 0),
    E("hs.unreadable", HS, "message 1 that does not decrypt with the daemon's key",
      "UNREADABLE note", CLOSED, hs_unreadable, 0),
    E("hs.replay", HS, "message 1 whose ephemeral key was seen before (a replay)",
      "nothing (`FS_EREPLAY`)", CLOSED, hs_replay, 0),
    E("hs.garbage", HS, "payload that is not a message (cut short, not msgpack)",
      "nothing (`FS_ETRUNC` / `FS_EPROTO`)", CLOSED, hs_garbage, 0),
    E("hs.not-hello", HS, "payload a well-formed message of type 2..18 (each)",
      "nothing (`FS_EPROTO`)", CLOSED, hs_not_hello, 0),
    E("hs.unknown-type", HS, "payload of an unknown type (19)", "nothing (`FS_EPROTO`)",
      CLOSED, hs_unknown_type, 0),
    E("hs.version", HS, "payload of protocol version 2", "WELCOME `FS_EVERSION`", CLOSED,
      hs_version, 0),
    E("hs.malformed", HS, "HELLO without its required keys", "nothing (`FS_EPROTO`)",
      CLOSED, hs_malformed, 0),
    E("hs.unknown-key", HS, "HELLO with a key the daemon does not know",
      "the key is ignored: as without it", RD, hs_unknown_key, 0),
    E("hs.old", HS, "HELLO `time` more than 24 h before the daemon's clock",
      "nothing (`FS_EREPLAY`)", CLOSED, hs_old, 0),
    E("hs.active", HS, "HELLO, key of an `active` device of an active staff member",
      "WELCOME ok, `text` `welcome`, `wipe` false", RD, hs_active, 0),
    E("hs.registered-token", HS, "HELLO with `token`, key already registered",
      "the token is ignored (not used up): WELCOME ok, `welcome`", RD,
      hs_registered_token, 0),
    E("hs.unknown-device", HS, "HELLO without `token`, key unknown",
      "WELCOME `FS_EUNKNOWN_DEVICE`", CLOSED, hs_unknown_device, 0),
    E("hs.revoked", HS, "HELLO, device `revoked`", "WELCOME `FS_EREVOKED`", CLOSED,
      hs_revoked, 0),
    E("hs.wiped", HS, "HELLO, device `wiped` (final upload done)",
      "WELCOME `FS_EDEPARTED` (staff departed) / `FS_EREVOKED`", CLOSED, hs_wiped, 0),
    E("hs.wipe-expired", HS,
      "HELLO, device under a wipe order whose final upload is over (`wipe_at` + "
      "`wipe_deadline_days`)",
      "WELCOME `FS_EDEPARTED` / `FS_EREVOKED`; the device is marked `wiped`", CLOSED,
      hs_wipe_expired, 0),
    E("hs.wipe-session", HS,
      "HELLO `outbox` > 0, device revoked with `--wipe` or of a departed staff member",
      "WELCOME ok, `wipe` true", RW, hs_wipe_session, 0),
    E("hs.wipe-now", HS,
      "HELLO `outbox` 0 stamped at or after the wipe order, device under a wipe order",
      "WELCOME ok, `wipe` true, then WIPE; the device is marked `wiped`", CLOSED,
      hs_wipe_now, 0),
    E("hs.wipe-old-hello", HS,
      "HELLO `outbox` 0 stamped before the wipe order (a replay), device under one",
      "WELCOME ok, `wipe` true; no WIPE: a final upload as with `outbox` > 0", RW,
      hs_wipe_old_hello, 0),
    E("hs.token-bad", HS, "HELLO, key unknown, `token` that does not parse",
      "WELCOME `FS_ETOKEN`", CLOSED, enroll_bad_token, 0),
    E("hs.token-unknown", HS,
      "HELLO, key unknown, `token` never issued, or issued for another staff code",
      "WELCOME `FS_ETOKEN`", CLOSED, enroll_unknown_token, 0),
    E("hs.token-used", HS, "HELLO, key unknown, `token` already used",
      "WELCOME `FS_ETOKEN_USED`", CLOSED, enroll_used, 0),
    E("hs.token-expired", HS, "HELLO, key unknown, `token` expired",
      "WELCOME `FS_ETOKEN_EXPIRED`", CLOSED, enroll_expired, 0),
    E("hs.token-departed", HS,
      "HELLO, key unknown, `token` of a staff member who departed",
      "WELCOME `FS_EDEPARTED`", CLOSED, enroll_departed, 0),
    E("hs.enroll", HS, "HELLO, key unknown, valid `token`",
      "(ENROLLING, below) WELCOME ok, `text` `enrolled`, the next slot", RD, enroll_ok,
      0),
    X("hs.store-error", HS, "store error or no memory during the lookup", "nothing",
      CLOSED, NOT_TCP "needs a failing store"),
    E("hs.timeout", HS, "no complete handshake within `handshake_ms`", "nothing", CLOSED,
      hs_timeout, 0),
    E("hs.early-bytes", HS, "bytes sent after message 1, before WELCOME arrived",
      "WELCOME; the bytes then fail authentication: nothing more (`FS_EREPLAY`)", CLOSED,
      hs_early_bytes, 0),

    /* ENROLLING: the enrollment transaction (3.1 step 3). */
    E("en.overflow", EN, "the staff member has used every archive slot (64)",
      "WELCOME `FS_EOVERFLOW`", CLOSED, enroll_overflow, 0),
    E("en.early-bytes", EN, "any bytes (the device holds no transport keys yet)",
      "not read until WELCOME ok `enrolled` is sent; then they fail authentication: "
      "nothing more (`FS_EREPLAY`)",
      CLOSED, enroll_early_bytes, 0),
    E("en.exist", EN,
      "the same new key enrolled on two connections at once with two tokens: the later",
      "WELCOME `FS_EEXIST` (its token stays unused)", CLOSED, enroll_exist, 0),
    E("en.busy", EN, "writer queue full", "WELCOME `FS_EBUSY`", CLOSED, queue_enroll, 0),
    X("en.store-error", EN, "the transaction fails in the store",
      "WELCOME with that code (`FS_EDB`, `FS_EFULL`, ...)", CLOSED,
      NOT_TCP "needs a failing store"),

    /* READY: each message type from a device. */
    E("rd.1", RD, "HELLO (1)", "ERROR `FS_EPROTO`", CLOSED, ready_type, FS_MSG_HELLO),
    E("rd.2", RD, "WELCOME (2)", "ERROR `FS_EPROTO`", CLOSED, ready_type, FS_MSG_WELCOME),
    E("rd.3", RD, "PUSH (3)", "PUSH_RESULT after the commit (outcomes: `rd.push.*`)", RD,
      ready_push, 0),
    E("rd.4", RD, "PUSH_RESULT (4)", "ERROR `FS_EPROTO`", CLOSED, ready_type,
      FS_MSG_PUSH_RESULT),
    E("rd.5", RD, "PULL (5)", "PULL_BATCH* EVICT? CONFLICTS? NOTICE* CHECKPOINT", RD,
      ready_pull, 0),
    E("rd.6", RD, "PULL_BATCH (6)", "ERROR `FS_EPROTO`", CLOSED, ready_type,
      FS_MSG_PULL_BATCH),
    E("rd.7", RD, "CHECKPOINT (7)", "ERROR `FS_EPROTO`", CLOSED, ready_type,
      FS_MSG_CHECKPOINT),
    E("rd.8", RD, "NOTIFY (8)", "ERROR `FS_EPROTO`", CLOSED, ready_type, FS_MSG_NOTIFY),
    E("rd.9", RD, "EVICT (9)", "ERROR `FS_EPROTO`", CLOSED, ready_type, FS_MSG_EVICT),
    E("rd.10", RD, "WIPE (10)", "ERROR `FS_EPROTO`", CLOSED, ready_type, FS_MSG_WIPE),
    E("rd.11", RD, "ERROR (11)", "ERROR `FS_EPROTO`", CLOSED, ready_type, FS_MSG_ERROR),
    E("rd.12", RD, "ADMIN (12)", "ERROR `FS_EPROTO`", CLOSED, ready_type, FS_MSG_ADMIN),
    E("rd.13", RD, "ADMIN_RESULT (13)", "ERROR `FS_EPROTO`", CLOSED, ready_type,
      FS_MSG_ADMIN_RESULT),
    E("rd.14", RD, "CONFLICTS (14)", "ERROR `FS_EPROTO`", CLOSED, ready_type,
      FS_MSG_CONFLICTS),
    E("rd.15", RD, "NOTICE (15)", "ERROR `FS_EPROTO`", CLOSED, ready_type, FS_MSG_NOTICE),
    E("rd.16", RD, "PING (16)", "PONG with the same `n`", RD, ready_ping, 0),
    E("rd.17", RD, "PONG (17)", "ERROR `FS_EPROTO`", CLOSED, ready_type, FS_MSG_PONG),
    E("rd.18", RD, "BYE (18)", "nothing", CLOSED, ready_bye, 0),

    /* READY: frames and decoding (4, 5.1). */
    E("rd.frame0", RD, "frame length 0", "nothing (`FS_EPROTO`)", CLOSED, frame_zero, 0),
    E("rd.frame-big", RD,
      "frame length above `frame_max` (1048576), decided on the 4 header bytes",
      "nothing (`FS_ETOOBIG`; never sent as ERROR)", CLOSED, frame_big, 0),
    E("rd.frame-short", RD, "frame under 16 bytes", "nothing (`FS_EREPLAY`)", CLOSED,
      frame_random, 10),
    E("rd.frame-auth", RD,
      "frame that fails authentication (tampered, replayed, injected)",
      "nothing (`FS_EREPLAY`)", CLOSED, frame_random, 40),
    X("rd.nonce-end", RD, "a frame after 2^64-1 messages in one direction",
      "nothing (`FS_EOVERFLOW`)", CLOSED, NOT_TCP "2^64 messages"),
    E("rd.empty", RD, "empty plaintext", "ERROR `FS_ETRUNC`", CLOSED, dec_empty,
      FS_ETRUNC),
    E("rd.cut", RD,
      "plaintext cut short, or a count promising more elements than bytes remain",
      "ERROR `FS_ETRUNC`", CLOSED, dec_cut, FS_ETRUNC),
    E("rd.malformed", RD,
      "malformed message: not an array of 3, wrong msgpack type, float, integer out of "
      "range, repeated key, trailing bytes",
      "ERROR `FS_EPROTO`", CLOSED, dec_malformed, FS_EPROTO),
    E("rd.version", RD, "message of protocol version 2",
      "ERROR `FS_EVERSION`, `versions` [1]", CLOSED, dec_version, 0),
    E("rd.unknown-type", RD, "unknown message type (0, 19)", "ERROR `FS_EPROTO`", CLOSED,
      dec_type, FS_EPROTO),
    E("rd.missing-key", RD, "a required key missing", "ERROR `FS_EPROTO`", CLOSED,
      dec_missing, FS_EPROTO),
    E("rd.unknown-key", RD, "a key the daemon does not know, any value",
      "ignored: answered as without it", RD, dec_unknown_key, 0),
    E("rd.overflow", RD,
      "more than 64 keys in a body map, or nesting over 16 (a 5.2 limit)",
      "ERROR `FS_EOVERFLOW`", CLOSED, dec_overflow, FS_EOVERFLOW),
    E("rd.unknown-kind", RD, "PULL_BATCH of a kind the daemon does not know",
      "ERROR `FS_EUNKNOWN_FIELD`", CLOSED, dec_unknown_kind_batch, FS_EUNKNOWN_FIELD),
    E("rd.bad-op", RD, "PUSH with a change `op` other than 1 or 2", "ERROR `FS_EPROTO`",
      CLOSED, push_bad_op, FS_EPROTO),
    X("rd.too-big", RD, "plaintext over 1048560 bytes", "ERROR `FS_ETOOBIG`", CLOSED,
      NOT_TCP "only with `frame_max` configured above 1048576"),
    X("rd.nomem", RD, "no memory to decode or answer", "ERROR `FS_ENOMEM`", CLOSED,
      NOT_TCP "needs memory exhaustion"),
    E("rd.idle", RD, "nothing received for `idle_ms`", "nothing", CLOSED, idle_device, 0),

    /* READY: the outcome of each change of a PUSH (5.5.4, 7.2). */
    E("rd.push.applied", RD, "PUSH of a new record", "outcome 1, code 0", RD, ready_push,
      0),
    E("rd.push.merged", RD, "PUSH whose fields partly lose to newer stored ones",
      "outcome 2, code 0", RD, push_merged, 0),
    E("rd.push.conflict", RD,
      "PUSH writing a field another device wrote concurrently (neither saw the other)",
      "the larger (hlc, device id) wins in either arrival order: outcome 3 for the older "
      "write arriving last, 1 for the newer",
      RD, push_conflict, 0),
    E("rd.push.tombstone", RD, "PUSH editing a deleted record",
      "outcome 3, code 0; no content comes back", RD, push_tombstone, 0),
    E("rd.push.resend", RD, "PUSH of a change already recorded (same device and counter)",
      "its recorded outcome again; nothing applied twice", RD, push_resend, 0),
    E("rd.push.append-same", RD,
      "PUSH of a visit or grade change identical to the stored one, any counter and "
      "clock",
      "outcome 1 (a duplicate), the row unchanged", RD, push_append_same, 0),
    E("rd.push.append-differs", RD,
      "PUSH of a visit or grade change that differs from the stored one",
      "outcome 3, code 0; the record stays as logged", RD, push_append_differs, 0),
    E("rd.push.rejected-resend", RD,
      "PUSH re-sending a rejected change (same counter, or a new counter with the same "
      "clock)",
      "outcome 4 with the original code and reason", RD, push_rejected_resend, 0),
    E("rd.push.invalid", RD, "PUSH of a change the validator refuses",
      "outcome 4 `FS_EVALIDATE`, `reason` names the field", RD, push_invalid,
      FS_EVALIDATE),
    E("rd.push.forbidden", RD, "PUSH to another owner's record, outside every fence",
      "outcome 4 `FS_EFORBIDDEN`", RD, push_forbidden, FS_EFORBIDDEN),
    E("rd.push.readonly", RD, "PUSH to a card lent to this staff member",
      "outcome 4 `FS_EREADONLY`", RD, push_readonly, FS_EREADONLY),
    E("rd.push.unknown", RD, "PUSH of a change naming an unknown kind or field",
      "outcome 4 `FS_EUNKNOWN_FIELD` for that change, the rest processed", RD,
      push_unknown_field, FS_EUNKNOWN_FIELD),
    E("rd.push.clock-ahead", RD, "PUSH of a change stamped over 5 minutes ahead",
      "outcome 4 `FS_ECLOCK`", RD, push_clock_ahead, FS_ECLOCK),
    E("rd.push.clock-behind", RD,
      "PUSH of a new change stamped at or below a clock the device already sent",
      "outcome 4 `FS_ECLOCK`", RD, push_clock_behind, FS_ECLOCK),
    E("rd.push.orphan", RD, "PUSH of a child record of a missing customer",
      "outcome 4 `FS_ENOTFOUND`", RD, push_orphan, FS_ENOTFOUND),
    E("rd.push.busy", RD, "PUSH while the writer queue is full",
      "ERROR `FS_EBUSY` (nothing committed)", RD, queue_push, 0),
    X("rd.push.store-error", RD, "PUSH whose transaction fails in the store",
      "ERROR with that code (`FS_EDB`, `FS_EFULL`, `FS_EIO`; nothing committed)", RD,
      NOT_TCP "needs a failing store (tests/integration/fault_diskfull.sh)"),
    E("rd.pull.resync", RD, "PULL with 0 < `cursor` < the GC floor", "ERROR `FS_ERESYNC`",
      RD, pull_resync, 0),
    X("rd.pull.store-error", RD, "PULL whose page cannot be read",
      "ERROR with that code (`FS_EDB`, `FS_ENOMEM`, `FS_EINTERNAL`)", CLOSED,
      NOT_TCP "needs a failing store"),

    /* READY (wipe): a session opened with WELCOME `wipe` true (7.3). */
    E("rw.push", RW, "PUSH, `outbox` > its changes, departed rep's device",
      "PUSH_RESULT; applied as usual (new customers go to the successor)", RW,
      wipe_push_departed, 0),
    E("rw.push-quarantine", RW, "PUSH, device revoked with `--wipe`",
      "PUSH_RESULT, every change outcome 4 `FS_EREVOKED` (quarantined)", RW,
      wipe_push_quarantine, 0),
    E("rw.push-last", RW, "PUSH with `outbox` <= its changes (the last batch)",
      "PUSH_RESULT, then WIPE; the device is marked `wiped`", CLOSED, wipe_last, 0),
    E("rw.ping", RW, "PING", "PONG", RW, wipe_ping, 0),
    E("rw.bye", RW, "BYE", "nothing", CLOSED, wipe_bye, 0),
    E("rw.pull", RW, "PULL",
      "ERROR `FS_EREVOKED` (`FS_EDEPARTED` for a departed rep's device)", CLOSED,
      wipe_type, FS_MSG_PULL),
    E("rw.other", RW, "any other message type (1, 2, 4, 6-15, 17)",
      "ERROR `FS_EREVOKED` / `FS_EDEPARTED`", CLOSED, wipe_type, 0),
    E("rw.undecodable", RW, "frames and plaintexts that do not decode",
      "as in READY (e.g. empty plaintext: ERROR `FS_ETRUNC`)", CLOSED, wipe_undecodable,
      0),
    E("rw.deadline", RW, "the final upload's deadline passes (periodic or admin `sweep`)",
      "ERROR `FS_EREVOKED` / `FS_EDEPARTED`; the device is marked `wiped`", CLOSED,
      wipe_deadline_event, 0),

    /* READY, standing changed in the store since the handshake, not yet
     * re-judged by an admin command or sweep (7.1 "Standing on every
     * request"). */
    E("rs.push", RS, "PUSH", "ERROR `FS_EREVOKED` / `FS_EDEPARTED`; nothing applied",
      CLOSED, stale, FS_MSG_PUSH),
    E("rs.pull", RS, "PULL", "ERROR `FS_EREVOKED` / `FS_EDEPARTED`; nothing sent", CLOSED,
      stale, FS_MSG_PULL),
    E("rs.ping", RS, "PING", "ERROR `FS_EREVOKED` / `FS_EDEPARTED`", CLOSED, stale,
      FS_MSG_PING),
    E("rs.bye", RS, "BYE", "nothing", CLOSED, stale, FS_MSG_BYE),
    E("rs.other", RS, "any other message type (1, 2, 4, 6-15, 17)",
      "ERROR `FS_EPROTO` (standing is read for requests only)", CLOSED, stale, 0),

    /* READY: events from elsewhere (7.1 "Sessions follow rights changes"). */
    E("ev.revoke", RD, "admin `revoke` of this device", "ERROR `FS_EREVOKED`", CLOSED,
      event_revoke, 0),
    E("ev.wipe-order", RD,
      "admin `revoke --wipe` of this device, or `depart` of its staff",
      "ERROR `FS_EREVOKED` / `FS_EDEPARTED` (connect again for the final upload)", CLOSED,
      event_wipe_order, 0),
    E("ev.shrink", RD,
      "an admin command or a cover/loan end takes records or owners out of what it reads",
      "ERROR `FS_EFORBIDDEN` (sync again)", CLOSED, event_shrink, 0),
    E("ev.notify", RD,
      "another connection commits a change this device may read; HELLO `want` had "
      "`watch`",
      "NOTIFY", RD, event_notify, 0),
    E("ev.no-watch", RD, "the same without `watch`", "nothing", RD, event_no_watch, 0),

    /* CLOSING: the daemon decided to close (after ERROR, WIPE or a refusal). */
    E("cl.ignored", "CLOSING", "anything, e.g. a request behind the one answered ERROR",
      "not read: nothing more", CLOSED, closing_ignores, 0),

    /* The admin socket (9.1): plain frames, no handshake. */
    E("ad.12", AD, "ADMIN (12)", "ADMIN_RESULT", AD, admin_ok, 0),
    E("ad.usage", AD, "ADMIN with an unknown `cmd`",
      "ADMIN_RESULT `ok` false `FS_EUSAGE`", AD, admin_refused, FS_EUSAGE),
    E("ad.invalid", AD, "ADMIN with a string argument holding a control character",
      "ADMIN_RESULT `ok` false `FS_EVALIDATE`", AD, admin_refused, FS_EVALIDATE),
    E("ad.other", AD, "any other message type (1-11, 13-18)", "ERROR `FS_EPROTO`", CLOSED,
      admin_type, 0),
    E("ad.frame0", AD, "frame length 0", "ERROR `FS_EPROTO`", CLOSED, admin_frame_zero,
      FS_EPROTO),
    E("ad.frame-big", AD, "frame length above `frame_max`", "ERROR `FS_ETOOBIG`", CLOSED,
      admin_frame_big, FS_ETOOBIG),
    E("ad.undecodable", AD, "a body that does not decode",
      "ERROR with the decoding code (`FS_EVERSION`, `FS_ETRUNC`, ...)", CLOSED,
      admin_undecodable, 0),
    E("ad.busy", AD, "ADMIN while the writer queue is full", "ERROR `FS_EBUSY`", CLOSED,
      queue_admin, 0),
    E("ad.idle", AD, "nothing received for `idle_ms`", "nothing", CLOSED, admin_idle, 0),
};

#define NENTRIES (sizeof(entries) / sizeof(entries[0]))

/* ---- the document ----------------------------------------------------- */

#define BEGIN_MARK "<!-- statetable:begin"
#define END_MARK "<!-- statetable:end -->"
#define DOC FS_TEST_DATA "/../../proto/PROTOCOL.md"

/* The Markdown table of the entries (malloc'd). */
static char *render(void) {
  fs_buf b;
  char line[2048], *out;
  fs__buf_init(&b, 1u << 20);
#define ADD(s) assert_int_equal(fs__buf_append(&b, s, strlen(s)), 0)
  ADD("| entry | state | input | daemon answers | then | checked by |\n");
  ADD("|-------|-------|-------|----------------|------|------------|\n");
  for (size_t i = 0; i < NENTRIES; i++) {
    const entry *e = &entries[i];
    char test[256];
    if (e->check)
      snprintf(test, sizeof(test), "`%s`", e->check_name);
    else
      snprintf(test, sizeof(test), "%s", e->why);
    snprintf(line, sizeof(line), "| `%s` | %s | %s | %s | %s | %s |\n", e->id, e->state,
             e->input, e->answer, e->then, test);
    assert_null(strchr(e->input, '|'));
    assert_null(strchr(e->answer, '|'));
    ADD(line);
  }
#undef ADD
  out = malloc(b.len + 1);
  assert_non_null(out);
  memcpy(out, b.data, b.len);
  out[b.len] = '\0';
  fs__buf_release(&b);
  return out;
}

static void test_doc_matches(void **state) {
  size_t len;
  char *doc = fs_test_slurp(DOC, &len), *table = render();
  char *begin = strstr(doc, BEGIN_MARK), *end = strstr(doc, END_MARK), *body;
  (void)state;
  if (begin == NULL || end == NULL || end < begin)
    fail_msg("%s has no %s ... %s block", DOC, BEGIN_MARK, END_MARK);
  assert_null(strstr(begin + 1, BEGIN_MARK));
  body = strchr(begin, '\n');
  assert_non_null(body);
  body++;
  if ((size_t)(end - body) != strlen(table) || memcmp(body, table, strlen(table)) != 0) {
    if (getenv("FS_STATETABLE_WRITE")) {
      FILE *f = fopen(DOC, "wb");
      assert_non_null(f);
      fwrite(doc, 1, (size_t)(body - doc), f);
      fputs(table, f);
      fputs(end, f);
      fclose(f);
      print_message("rewrote the state table of %s\n", DOC);
    } else {
      print_message("expected between the markers:\n%s", table);
      fail_msg(
          "the state table of %s differs from this test's entries: run this test with "
          "FS_STATETABLE_WRITE=1 to rewrite it",
          DOC);
    }
  }
  free(table);
  free(doc);
}

/* Every entry id once. */
static void test_entries_unique(void **state) {
  (void)state;
  for (size_t i = 0; i < NENTRIES; i++)
    for (size_t k = i + 1; k < NENTRIES; k++)
      if (strcmp(entries[i].id, entries[k].id) == 0)
        fail_msg("entry %s twice", entries[i].id);
}

static void run_entry(void **state) {
  const entry *e = *state;
  e->check(e);
}

/* FS_STATETABLE_ONLY=ID[,ID...] runs only those entries (each entry
 * stands alone on the world of group_setup). */
static int wanted(const char *id) {
  const char *only = getenv("FS_STATETABLE_ONLY"), *p;
  size_t n = strlen(id);
  if (only == NULL || only[0] == '\0')
    return 1;
  for (p = only; (p = strstr(p, id)) != NULL; p += n)
    if ((p == only || p[-1] == ',') && (p[n] == '\0' || p[n] == ','))
      return 1;
  return 0;
}

int main(void) {
  struct CMUnitTest tests[NENTRIES + 2];
  char names[NENTRIES][128];
  size_t n = 0;
  int rc;

  tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_doc_matches);
  tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_entries_unique);
  for (size_t i = 0; i < NENTRIES; i++) {
    if (entries[i].check == NULL || !wanted(entries[i].id))
      continue;
    snprintf(names[i], sizeof(names[i]), "%s (%s)", entries[i].id, entries[i].check_name);
    tests[n].name = names[i];
    tests[n].test_func = run_entry;
    tests[n].setup_func = NULL;
    tests[n].teardown_func = NULL;
    tests[n].initial_state = (void *)&entries[i];
    n++;
  }
  rc = _cmocka_run_group_tests("test_daemon_statetable", tests, n, group_setup,
                               group_teardown);
  return rc;
}
