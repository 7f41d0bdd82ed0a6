/* server_session.c - the device session state machine (server_int.h).
 *
 * Connection states (one device connection):
 *
 *   accept --> HANDSHAKE --msg 1 ok, device known--------> READY
 *                 |   \--msg 1 with enrollment token --> ENROLLING --> READY
 *                 |--lookup refuses: WELCOME{ok=false}--> CLOSING
 *                 |--bad bytes / timeout ---------------> CLOSING
 *   READY: PUSH -> (writer, group commit) -> PUSH_RESULT      (server_push.c)
 *          PULL -> (thread pool, read handle) -> PULL_BATCH* EVICT? CONFLICTS*
 *                  NOTICE* CHECKPOINT                          (server_pull.c)
 *          PING -> PONG;  BYE -> CLOSING;  idle timeout -> CLOSING
 *          (watchers also receive NOTIFY after commits they can see)
 *   CLOSING --all writes and jobs done--> freed
 *
 * A device's standing (device and staff status, wipe order and its
 * deadline) is read from the store for every request, not only at the
 * handshake: PUSH inside the writer transaction, PULL in its pool job, PING
 * on the loop.  A session under a wipe order may only PUSH, PING and BYE
 * and is never sent NOTIFY; once its outbox is uploaded it is sent WIPE.
 * After every successful admin command and every sweep that changed
 * something, and after a device was marked wiped, all READY sessions are
 * judged again (server_watch.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "admin.h"
#include "fs_errno.h"
#include "hlc.h"
#include "log.h"
#include "store/privacy.h"
#include "handover.h"
#include "server_int.h"
#include "store/session.h"

#define HELLO_MAX_AGE_MS (24LL * 3600 * 1000)

static int session_admit(fs__device_conn *d);
static void on_message(fs__conn *c, const uint8_t *p, size_t n);

/* ---- standing: may this device go on? ------------------------------ */

/* A wipe order's final upload is over once wipe_at + the deadline has
 * come.  wipe_at 0 (an order from before the column existed, not yet
 * backfilled by the sweep) counts as given now. */
static int wipe_expired(const fs_device *d, int64_t deadline_ms, uint64_t now) {
  return d->wipe_at > 0 && (int64_t)now >= d->wipe_at + deadline_ms;
}

/* Whether device d, as the store says now, may go on with a session opened
 * with must_wipe (1: a final-upload session).  0, or FS_EREVOKED /
 * FS_EDEPARTED with the reason in why.  Runs on any thread: it only reads
 * its arguments. */
static int standing(const fs_device *d, int must_wipe, int64_t deadline_ms, uint64_t now,
                    char *why, size_t len) {
  int code = d->departed ? FS_EDEPARTED : FS_EREVOKED;
  int wipe_now = d->departed || d->status == FS_DEVICE_WIPE;

  if (d->status == FS_DEVICE_REVOKED) {
    snprintf(why, len, "this device has been revoked; it may not sync any more");
    return FS_EREVOKED;
  }
  if (d->status == FS_DEVICE_WIPED) {
    snprintf(why, len,
             "this device's replica was ordered erased and its final upload is "
             "over; it may not sync any more");
    return code;
  }
  if (!wipe_now && d->status != FS_DEVICE_ACTIVE) {
    snprintf(why, len, "this device's status is \"%s\"; it may not sync",
             fs__device_status_name(d->status));
    return FS_EREVOKED;
  }
  if (wipe_now && wipe_expired(d, deadline_ms, now)) {
    snprintf(why, len,
             "the final upload of this device was due within %lld day(s) of the %s; "
             "that time is over and it may not sync any more",
             (long long)(deadline_ms / 86400000LL),
             d->departed ? "staff member's departure" : "wipe order");
    return code;
  }
  if (wipe_now != must_wipe) {
    snprintf(why, len,
             "%s; connect again to upload the outbox once more, then the replica is "
             "erased",
             d->departed ? "the staff member of this device has departed"
                         : "this device was revoked with --wipe");
    return code;
  }
  return 0;
}

int fs__standing_now(fs_store_rd *r, fs_device *now, uint64_t id, int must_wipe,
                     int64_t deadline_ms, char *why, size_t len) {
  int rc = fs__central_device_by_id(r, id, now);
  if (rc == FS_EUNKNOWN_DEVICE) {
    snprintf(why, len, "this device is no longer registered; it may not sync");
    return FS_EREVOKED;
  }
  if (rc) {
    snprintf(why, len, "cannot check this device's standing: %s; retry later",
             fs_strerror(rc));
    return rc;
  }
  return standing(now, must_wipe, deadline_ms, fs__now_ms(), why, len);
}

/* ---- wipe ----------------------------------------------------------- */

typedef struct wipe_job {
  fs_writer_job job;
  fs_server *s;
  uint64_t device;
  char detail[160];
} wipe_job;

static int wipe_run(fs_writer_job *job, fs_central *central) {
  wipe_job *wj = (wipe_job *)job;
  return fs__wipe_mark(central, (int64_t)wj->device, wj->detail);
}

static void wipe_done(fs_writer_job *job, int rc) {
  fs_server *s = ((wipe_job *)job)->s;
  if (rc)
    FS_ERROR("cannot mark device %llu wiped: %s",
             (unsigned long long)((wipe_job *)job)->device, fs_strerror(rc));
  free(job);
  /* Another session of the same device (opened before the final upload
   * ended) may not stay open: it is judged again and closed. */
  if (rc == 0 && !s->stopping)
    fs__sessions_recheck(s);
}

/* Marks a device wiped in the store (writer job; best effort: the periodic
 * sweep marks it too if this one cannot be queued). */
static void mark_wiped(fs_server *s, uint64_t device, const char *detail) {
  wipe_job *wj = calloc(1, sizeof(*wj));
  int rc = FS_ENOMEM;

  if (wj != NULL) {
    wj->s = s;
    wj->device = device;
    snprintf(wj->detail, sizeof(wj->detail), "%s", detail);
    wj->job.run = wipe_run;
    wj->job.done = wipe_done;
    rc = fs__writer_submit(s->writer, &wj->job);
  }
  if (rc) {
    /* Not lost: the periodic sweep marks it; say so rather than drop it. */
    FS_WARN("device %llu: cannot queue marking it wiped (%s); the next sweep will",
            (unsigned long long)device, fs_strerror(rc));
    free(wj);
  }
}

/* The final word to a departed rep's or revoked phone's device: erase. */
void fs__session_send_wipe(fs__device_conn *d) {
  fs_msg m;

  fs__msg_init(&m, FS_MSG_WIPE);
  m.u.wipe.reason =
      d->dev.departed ? "your staff account has been handed over to your successor"
                      : "this device was revoked by the central office";
  fs__conn_send_msg(&d->base, &m);
  FS_INFO("device %llu (%s): final upload done, WIPE sent", (unsigned long long)d->dev.id,
          d->dev.staff);
  mark_wiped(d->base.s, d->dev.id,
             d->dev.departed ? "final upload received after departure; replica erased"
                             : "revoked device uploaded its outbox; replica erased");
  d->base.close_after_write = 1;
  fs__conn_close(&d->base, NULL);
}

/* ---- handshake ------------------------------------------------------ */

/* The owners this staff may write besides its own, comma-separated, for the
 * device's offline permission check (team, active covers). */
static void welcome_owners(const fs__device_conn *d, char *owners, size_t cap) {
  owners[0] = '\0';
  for (int i = 0; d->acc && i < d->acc->ncodes; i++) {
    size_t len = strlen(owners);
    if (strcmp(d->acc->codes[i], d->dev.staff) == 0 || len + FS_STAFF_MAX + 2 > cap)
      continue;
    snprintf(owners + len, cap - len, "%s%s", len ? "," : "", d->acc->codes[i]);
  }
}

/* Encodes WELCOME m and hands it over: handshake message 2, or to the tap. */
static int welcome_deliver(fs__device_conn *d, const fs_msg *m) {
  uint8_t *out = NULL;
  size_t outlen = 0, cap;
  fs_buf b;
  int rc;

  fs__buf_init(&b, FS_CHANNEL_HS_PAYLOAD_MAX);
  rc = fs__msg_encode(m, &b);
  if (rc == 0 && d->base.tap.msg) {
    /* A session without a channel (server.h): WELCOME as a message. */
    d->base.tap.msg(d->base.tap.ud, b.data, b.len);
  } else if (rc == 0) {
    cap = fs__channel_reply_size(b.len);
    out = malloc(cap);
    rc = out ? fs__channel_server_respond(d->ch, b.data, b.len, out, cap, &outlen)
             : FS_ENOMEM;
  }
  fs__buf_release(&b);
  if (rc == 0 && out)
    fs__conn_write_raw(&d->base, out, outlen);
  free(out);
  return rc;
}

/* Answers the handshake: WELCOME ok (code 0: the session is READY) or the
 * refusal (code, text), after which the connection closes. */
static void send_welcome(fs__device_conn *d, int code, const char *text) {
  fs__conn *c = &d->base;
  char owners[FS_MSG_STR_MAX];
  fs_msg m;
  int rc;

  fs__msg_init(&m, FS_MSG_WELCOME);
  m.u.welcome.ok = code == 0;
  m.u.welcome.code = code;
  m.u.welcome.text = (char *)(text ? text : (code ? fs_strerror(code) : "welcome"));
  m.u.welcome.time = fs__now_ms();
  m.u.welcome.wipe = d->refuse_wipe;
  if (code == 0) {
    d->acc = malloc(sizeof(*d->acc));
    if (d->acc &&
        fs__central_access(c->s->rd, d->dev.staff, (int64_t)fs__now_ms(), d->acc)) {
      free(d->acc);
      d->acc = NULL;
    }
    welcome_owners(d, owners, sizeof(owners));
    m.u.welcome.owners = owners;
    /* A replica restored from a backup learns it is behind. */
    rc = fs__store_applied_max(c->s->rd, d->dev.id, &m.u.welcome.counter);
    if (rc)
      FS_WARN("device %llu: cannot read its applied counter: %s",
              (unsigned long long)d->dev.id, fs_strerror(rc));
    m.u.welcome.device = d->dev.id;
    snprintf(m.u.welcome.staff, sizeof(m.u.welcome.staff), "%s", d->dev.staff);
    m.u.welcome.role = (char *)fs__role_name(d->dev.role);
    m.u.welcome.slot = (uint64_t)d->dev.slot;
    m.u.welcome.name = d->staff_name;
    m.u.welcome.wipe = d->must_wipe;
    m.u.welcome.generation = c->s->generation;
  }
  rc = welcome_deliver(d, &m);
  if (rc || code) {
    c->close_after_write = 1;
    fs__conn_close(c, code ? (text ? text : fs_strerror(code)) : fs_strerror(rc));
    return;
  }
  c->state = FS_ST_READY;
  fs__startups_remove(d);
  c->deadline = fs__now_ms() + c->s->cfg.idle_ms;
  /* A final-upload session is never sent anything unasked, whatever HELLO
   * wants. */
  d->watch = (d->hello.u.hello.want & FS_WANT_WATCH) != 0 && !d->must_wipe;
  FS_INFO("device %llu (%s) connected%s", (unsigned long long)d->dev.id, d->dev.staff,
          d->watch ? ", watching" : "");
  /* "Nothing left" ends the final upload only from a HELLO made after the
   * wipe order: message 1 can be replayed (for up to 24 h, and the replay
   * cache lives in memory), and an old HELLO's outbox 0 from before the
   * rep worked offline must not erase that work.  An earlier HELLO keeps
   * the session a final upload like any other (PROTOCOL.md 7.3). */
  if (d->must_wipe && d->hello.u.hello.outbox == 0 &&
      (int64_t)d->hello.u.hello.time >= d->dev.wipe_at)
    fs__session_send_wipe(d);
}

static void staff_name(fs__device_conn *d) {
  /* Unknown or unreadable: WELCOME carries no name, nothing else changes. */
  (void)fs__store_staff_name(d->base.s->rd, d->dev.staff, d->staff_name,
                             sizeof(d->staff_name));
}

typedef struct enroll_job {
  fs_writer_job job;
  fs__device_conn *d;
  uint8_t pub[32];
} enroll_job;

static int enroll_run(fs_writer_job *job, fs_central *central) {
  enroll_job *ej = (enroll_job *)job;
  return fs__enroll_device(central, ej->d->enroll, ej->pub, &ej->d->dev);
}

static void enroll_done(fs_writer_job *job, int rc) {
  enroll_job *ej = (enroll_job *)job;
  fs__device_conn *d = ej->d;

  free(ej);
  if (fs__conn_unref(&d->base))
    return;
  d->base.busy = 0;
  if (rc) {
    FS_WARN("enrollment refused: %s", fs_strerror(rc));
    send_welcome(d, rc, NULL);
    return;
  }
  FS_INFO("device %llu enrolled for %s (slot %d)", (unsigned long long)d->dev.id,
          d->dev.staff, d->dev.slot);
  staff_name(d);
  send_welcome(d, 0, "enrolled");
  fs__conn_resume(&d->base);
}

/* The WELCOME text refusing a HELLO of another protocol version: which
 * side must be updated, and that the device keeps what it has not synced
 * (PROTOCOL.md section 8).  Both old and new clients show it as is. */
static void version_refusal(const uint8_t *hello, size_t len, char *why, size_t cap) {
  uint64_t v = 0;

  if (fs__msg_peek_version(hello, len, &v) != 0 || v == FS_MSG_VERSION)
    return; /* fs_strerror's text */
  if (v < FS_MSG_VERSION)
    snprintf(
        why, cap,
        "this app is too old (protocol version %llu, the daemon speaks %d): update the "
        "fieldsync app; its unsynced changes stay on the device",
        (unsigned long long)v, FS_MSG_VERSION);
  else
    snprintf(
        why, cap,
        "this app is newer than the daemon (protocol version %llu, the daemon speaks "
        "%d): the daemon must be updated first; unsynced changes stay on the device",
        (unsigned long long)v, FS_MSG_VERSION);
}

/* Channel lookup callback: decides on a device from its key and hello. */
static int on_lookup(void *ud, const uint8_t pub[32], const uint8_t *hello, size_t len) {
  fs__device_conn *d = ud;
  fs_server *s = d->base.s;
  fs_msg_hello *h;
  int rc;

  rc = fs__msg_decode(hello, len, &d->hello);
  if (rc == FS_EVERSION)
    version_refusal(hello, len, d->why, sizeof(d->why));
  if (rc)
    return rc;
  if (d->hello.type != FS_MSG_HELLO)
    return FS_EPROTO;
  h = &d->hello.u.hello;
  /* Replays older than the replay cache can remember are refused by age. */
  if (h->time + HELLO_MAX_AGE_MS < fs__now_ms())
    return FS_EREPLAY;
  rc = fs__central_device_by_key(s->rd, pub, &d->dev);
  if (rc == FS_EUNKNOWN_DEVICE && h->token && h->token[0]) {
    d->enroll = sodium_malloc(sizeof(*d->enroll));
    if (d->enroll == NULL)
      return FS_ENOMEM;
    rc = fs__token_parse(h->token, strlen(h->token), d->enroll);
    if (rc == 0)
      rc = fs__enroll_check(s->rd, d->enroll);
    if (rc == 0)
      d->base.state = FS_ST_ENROLLING;
    return rc;
  }
  if (rc)
    return rc;
  return session_admit(d);
}

/* Judges the known device d->dev (read from the store) for a new session,
 * as HELLO asks (d->hello): 0, or FS_EREVOKED / FS_EDEPARTED with d->why. */
static int session_admit(fs__device_conn *d) {
  fs_msg_hello *h = &d->hello.u.hello;
  int64_t deadline = fs__server_wipe_deadline(d->base.s);
  int rc;

  d->must_wipe = d->dev.departed || d->dev.status == FS_DEVICE_WIPE;
  rc = standing(&d->dev, d->must_wipe, deadline, fs__now_ms(), d->why, sizeof(d->why));
  if (rc) {
    int expired = d->must_wipe && wipe_expired(&d->dev, deadline, fs__now_ms());
    /* Under a wipe order whose final upload is over: the refusal tells the
     * device to erase itself (WELCOME wipe true, PROTOCOL.md 3 and 7.3), so
     * one whose WIPE was lost on the way (connection cut after the last
     * PUSH_RESULT) does not keep the records. */
    d->refuse_wipe = d->dev.status == FS_DEVICE_WIPED ||
                     (expired && d->dev.status != FS_DEVICE_REVOKED);
    /* The final upload's time is over: from now on the device is wiped
     * (the periodic sweep would mark it too). */
    if (expired && (d->dev.status == FS_DEVICE_ACTIVE || d->dev.status == FS_DEVICE_WIPE))
      mark_wiped(d->base.s, d->dev.id,
                 "the final upload's deadline passed; the device is refused from now on");
    return rc;
  }
  if (h->cursor > d->dev.cursor)
    d->dev.cursor = h->cursor;
  return 0;
}

/* Message 1 was accepted: a known device is welcome, a token enrolls. */
static void on_hello(fs__device_conn *d) {
  fs__conn *c = &d->base;

  if (c->state == FS_ST_ENROLLING) {
    enroll_job *ej = calloc(1, sizeof(*ej));
    if (ej == NULL || fs__channel_remote_key(d->ch, ej->pub) != 0) {
      free(ej);
      fs__conn_close(c, "out of memory");
      return;
    }
    ej->d = d;
    ej->job.run = enroll_run;
    ej->job.done = enroll_done;
    if (fs__writer_submit(c->s->writer, &ej->job)) {
      free(ej);
      send_welcome(d, FS_EBUSY, "daemon busy; try again");
      return;
    }
    fs__conn_hold(c);
    return;
  }
  staff_name(d);
  send_welcome(d, 0, NULL);
}

/* ---- READY: dispatch ------------------------------------------------- */

static void handle_ping(fs__device_conn *d, const fs_msg_ping *p) {
  fs_msg r;
  fs_device now;
  char why[160];
  int rc;

  /* Every request is judged on the store's word of now. */
  rc = fs__standing_now(d->base.s->rd, &now, d->dev.id, d->must_wipe,
                        fs__server_wipe_deadline(d->base.s), why, sizeof(why));
  if (rc == FS_EREVOKED || rc == FS_EDEPARTED) {
    fs__conn_error_close(&d->base, rc, why);
    return;
  }
  fs__msg_init(&r, FS_MSG_PONG);
  r.u.ping.n = p->n;
  fs__conn_send_msg(&d->base, &r);
}

static void on_message(fs__conn *c, const uint8_t *p, size_t n) {
  fs__device_conn *d = (fs__device_conn *)c;
  char text[160];
  fs_msg m;
  int rc;

  rc = fs__msg_decode(p, n, &m);
  if (rc) {
    snprintf(text, sizeof(text), "malformed message (%s); closing", fs_strerror(rc));
    fs__conn_error_close(c, rc, text);
    return;
  }
  if (d->must_wipe && m.type != FS_MSG_PUSH && m.type != FS_MSG_PING &&
      m.type != FS_MSG_BYE) {
    /* Under a wipe order a device uploads and leaves; it is sent nothing. */
    snprintf(text, sizeof(text),
             "%s from a device under a wipe order: it may only upload its outbox (PUSH), "
             "PING and leave (BYE); closing",
             fs__msg_type_name(m.type));
    FS_WARN("device %llu (%s): %s", (unsigned long long)d->dev.id, d->dev.staff, text);
    fs__conn_error_close(c, d->dev.departed ? FS_EDEPARTED : FS_EREVOKED, text);
    fs__msg_release(&m);
    return;
  }
  switch (m.type) {
  case FS_MSG_PUSH:
    fs__push_handle(d, &m);
    break;
  case FS_MSG_PULL:
    fs__pull_handle(d, &m.u.pull);
    break;
  case FS_MSG_PING:
    handle_ping(d, &m.u.ping);
    break;
  case FS_MSG_BYE:
    fs__conn_close(c, NULL);
    break;
  default:
    snprintf(text, sizeof(text), "unexpected %s from a device; closing",
             fs__msg_type_name(m.type));
    fs__conn_error_close(c, FS_EPROTO, text);
    break;
  }
  fs__msg_release(&m);
}

/* ---- the device connection type -------------------------------------- */

/* A channel error during the handshake: tell an authenticated device why
 * it is refused, else close. */
static void handshake_failed(fs__device_conn *d, int ev) {
  fs__conn *c = &d->base;

  if (c->state == FS_ST_HANDSHAKE &&
      fs__channel_remote_key(d->ch, (uint8_t[32]){0}) == 0 &&
      (ev == FS_EUNKNOWN_DEVICE || ev == FS_EREVOKED || ev == FS_ETOKEN ||
       ev == FS_ETOKEN_USED || ev == FS_ETOKEN_EXPIRED || ev == FS_EDEPARTED ||
       ev == FS_EVERSION)) {
    /* The device authenticated itself: tell it why it is refused. */
    FS_WARN("handshake refused: %s%s%s", fs_strerror(ev), d->why[0] ? ": " : "", d->why);
    send_welcome(d, ev, d->why[0] ? d->why : NULL);
  } else if (c->state == FS_ST_HANDSHAKE && ev == FS_ECRYPTO) {
    /* Message 1 could not be decrypted with our key: say so, so that a
     * device enrolled with another daemon's key is told (and not an
     * overloaded daemon's silent close). */
    fs__device_note_close(d, FS_CHANNEL_NOTE_UNREADABLE, fs_strerror(ev));
  } else {
    fs__conn_close(c, fs_strerror(ev));
  }
}

static void device_input(fs__conn *c, const uint8_t *p, size_t n, size_t *used) {
  fs__device_conn *d = (fs__device_conn *)c;
  int ev = fs__channel_feed(d->ch, p, n, used);

  if (ev < 0) {
    handshake_failed(d, ev);
    return;
  }
  if (ev == FS_CHANNEL_EV_HELLO) {
    on_hello(d);
  } else if (ev == FS_CHANNEL_EV_MESSAGE) {
    const uint8_t *m;
    size_t mn;
    if (fs__channel_message(d->ch, &m, &mn) == 0)
      on_message(c, m, mn);
  }
}

static size_t device_sealed_size(fs__conn *c, size_t n) {
  (void)c;
  return fs__channel_sealed_size(n);
}

static int device_seal(fs__conn *c, const uint8_t *p, size_t n, uint8_t *out, size_t cap,
                       size_t *outlen) {
  return fs__channel_encrypt(((fs__device_conn *)c)->ch, p, n, out, cap, outlen);
}

static int device_can_send(fs__conn *c) {
  fs__device_conn *d = (fs__device_conn *)c;
  return d->ch == NULL || fs__channel_is_open(d->ch);
}

static void device_closing(fs__conn *c) {
  fs__startups_remove((fs__device_conn *)c);
}

static void device_release(fs__conn *c) {
  fs__device_conn *d = (fs__device_conn *)c;

  fs__startups_remove(d);
  fs__channel_free(d->ch);
  if (d->enroll) {
    sodium_memzero(d->enroll, sizeof(*d->enroll));
    sodium_free(d->enroll);
  }
  fs__msg_release(&d->hello);
  free(d->acc);
}

static const char *device_who(const fs__conn *c) {
  return ((const fs__device_conn *)c)->dev.staff;
}

const fs__conn_ops fs__device_ops = {
    .tag = "",
    .input = device_input,
    .message = on_message,
    .sealed_size = device_sealed_size,
    .seal = device_seal,
    .can_send = device_can_send,
    .closing = device_closing,
    .release = device_release,
    .who = device_who,
};

fs__device_conn *fs__device_of(fs__conn *c) {
  return c->ops == &fs__device_ops ? (fs__device_conn *)c : NULL;
}

fs__device_conn *fs__device_new(fs_server *s) {
  fs__device_conn *d = calloc(1, sizeof(*d));

  if (d != NULL)
    fs__conn_link(&d->base, s, &fs__device_ops, FS_ST_HANDSHAKE, s->cfg.handshake_ms);
  return d;
}

int fs__device_channel(fs__device_conn *d) {
  fs_server *s = d->base.s;
  fs_channel_config cc;

  memset(&cc, 0, sizeof(cc));
  cc.local = s->key;
  cc.lookup = on_lookup;
  cc.lookup_ud = d;
  cc.replay = &s->replay;
  cc.frame_max = s->cfg.frame_max;
  cc.rekey_interval = s->cfg.rekey_interval;
  return fs__channel_server_new(&d->ch, &cc);
}

/* ---- sessions without socket or channel (server.h) ------------------- */

int fs__server_session_open(fs_server *s, uint64_t device_id, const fs_msg_hello *hello,
                            const fs__session_tap *tap, fs__session **out) {
  fs__device_conn *d;
  fs__conn *c;
  int rc;

  *out = NULL;
  if (device_id == 0) {
    fs__admin_conn *a = fs__admin_new(s);
    if (a == NULL)
      return FS_ENOMEM;
    /* A handle that is never connected: reads cannot start, close works. */
    uv_tcp_init(s->loop, &a->base.u.tcp);
    a->base.u.h.data = &a->base;
    a->base.tap = *tap;
    *out = &a->base;
    return 0;
  }
  d = fs__device_new(s);
  if (d == NULL)
    return FS_ENOMEM;
  c = &d->base;
  uv_tcp_init(s->loop, &c->u.tcp);
  c->u.h.data = c;
  fs__msg_init(&d->hello, FS_MSG_HELLO);
  d->hello.u.hello.want = hello->want;
  d->hello.u.hello.cursor = hello->cursor;
  d->hello.u.hello.outbox = hello->outbox;
  d->hello.u.hello.model = hello->model;
  rc = fs__central_device_by_id(s->rd, device_id, &d->dev);
  if (rc == 0)
    rc = session_admit(d);
  if (rc) {
    fs__conn_close(c, NULL);
    return rc;
  }
  c->tap = *tap;
  staff_name(d);
  send_welcome(d, 0, NULL);
  *out = c;
  return 0;
}
