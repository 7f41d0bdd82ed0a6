/* server.c - connections, handshake, dispatch (server.h). */
#include "server.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "admin.h"
#include "store/generation.h"
#include "store/central.h"
#include "store/impl.h" /* transitional: SQL still here moves into daemon/store/ */
#include "channel.h"
#include "db.h"
#include "fs_assert.h"
#include "fs_errno.h"
#include "handover.h"
#include "keys.h"
#include "log.h"
#include "msg.h"
#include "privacy.h"
#include "token.h"
#include "writer.h"

#define READ_BUF 65536
#define HELLO_MAX_AGE_MS (24LL * 3600 * 1000)
#define NOTIFY_MAX_AUD 16
#define RPOOL_MAX 8
/* An unauthenticated connection younger than this is never shed in favour
 * of a newcomer: a real client's message 1 arrives within a round trip. */
#define STARTUP_GRACE_MS 1000

enum { ST_HANDSHAKE = 1, ST_ENROLLING, ST_READY, ST_CLOSING };

/* A connection; fs__session (server.h) to the fuzzing seam. */
typedef struct fs__session conn;

struct fs_server {
  uv_loop_t *loop;
  fs_config cfg;
  char datadir[PATH_MAX];
  char sockpath[PATH_MAX];
  fs_keypair *key;
  fs_replay_cache replay;
  fs_central *central;
  fs_writer *writer;
  fs_store_rd *rd; /* loop thread's read handle */
  char generation[FS_GENERATION_HEX + 1]; /* store/generation.h, sent in WELCOME */
  char dbpath[PATH_MAX];
  uv_mutex_t rpool_mu; /* read handles for the thread pool */
  fs_store_rd *rpool[RPOOL_MAX];
  int nrpool;
  uv_tcp_t tcp;
  uv_pipe_t admin;
  uv_timer_t sweep;
  uv_timer_t expiry; /* covers and loans start and end by themselves */
  int expiry_busy;
  unsigned expiry_runs;
  conn *conns;
  unsigned nconns;
  /* Unauthenticated device connections (HANDSHAKE, ENROLLING), oldest
   * first: their own budget (max_startups, per source address). */
  conn *startups, *startups_tail;
  unsigned nstartups;
  uint64_t evict_seen; /* journal seq up to which evictions were checked */
  int stopping;
  int started; /* handles initialised by fs__server_start */
  int port;
  uint8_t readbuf[READ_BUF];
  int readbuf_busy;
};

struct fs__session {
  fs_server *s;
  union {
    uv_handle_t h;
    uv_stream_t st;
    uv_tcp_t tcp;
    uv_pipe_t pipe;
  } u;
  int is_admin;
  int state;
  fs_channel *ch;         /* device connections */
  fs_frame_decoder fd;    /* admin connections (plaintext frames) */
  fs_device dev;
  char staff_name[128];
  fs_token *enroll;       /* token presented in HELLO (sodium_malloc) */
  fs_msg hello;
  fs_access *acc;         /* for NOTIFY filtering; refreshed on pull */
  int watch;
  int busy;               /* a job is in flight */
  int refs;               /* jobs holding this conn */
  int handle_closed;
  int reading;
  uint8_t *pending;       /* unprocessed input while busy */
  size_t npending;
  size_t wq_bytes;
  uint64_t deadline;      /* handshake deadline or idle deadline (ms) */
  int close_after_write;
  int must_wipe;          /* departed staff or revoked with --wipe */
  int refuse_wipe;        /* refused: its wipe order's final upload is over */
  char why[256];          /* refusal text for WELCOME */
  uint64_t accepted_ms;
  int in_startups; /* on s->startups */
  conn *sprev, *snext;
  uint8_t src[16]; /* source address (IPv6: its /64), for the budget */
  /* gc_floor when this connection pulled from cursor 0, plus one (0: no
   * snapshot here): pages of that snapshot may sit below a floor that has
   * not moved since, they lost nothing to the GC. */
  uint64_t snap_floor1;
  fs__session_tap tap; /* tap.msg set: a session without socket or channel */
  conn *prev, *next;
};

typedef struct wreq {
  uv_write_t req;
  conn *c;
  size_t len;
  uint8_t data[];
} wreq;

static void conn_close(conn *c, const char *why);
static int session_admit(conn *c);
static void send_note_close(conn *c, uint8_t note, const char *why);
static void conn_process(conn *c, const uint8_t *data, size_t len);
static void conn_resume(conn *c);
static void sessions_recheck(fs_server *s);

static uint64_t now_ms(void) { return fs__now_ms(); }

/* ---- read handle pool (thread pool workers) ------------------------- */

static int rpool_get(fs_server *s, fs_store_rd **out) {
  int rc = 0;

  uv_mutex_lock(&s->rpool_mu);
  if (s->nrpool > 0) {
    *out = s->rpool[--s->nrpool];
    uv_mutex_unlock(&s->rpool_mu);
    return 0;
  }
  uv_mutex_unlock(&s->rpool_mu);
  rc = fs__store_rd_open(s->dbpath, out);
  return rc;
}

static void rpool_put(fs_server *s, fs_store_rd *r) {
  uv_mutex_lock(&s->rpool_mu);
  if (s->nrpool < RPOOL_MAX) {
    s->rpool[s->nrpool++] = r;
    r = NULL;
  }
  uv_mutex_unlock(&s->rpool_mu);
  fs__store_rd_free(r);
}

/* ---- sending -------------------------------------------------------- */

static void on_write(uv_write_t *req, int status) {
  wreq *w = (wreq *)req;
  conn *c = w->c;

  c->wq_bytes -= w->len;
  c->refs--;
  free(w);
  if (status < 0 && c->state != ST_CLOSING) {
    conn_close(c, uv_strerror(status));
    return;
  }
  if (c->state == ST_CLOSING) {
    if (c->close_after_write && c->wq_bytes == 0)
      conn_close(c, NULL);
    else if (c->refs == 0 && c->handle_closed)
      conn_close(c, NULL);
    return;
  }
  /* Back-pressure released below half the limit. */
  if (!c->reading && !c->busy && c->wq_bytes < c->s->cfg.write_queue_max / 2)
    conn_resume(c);
}

/* Sends plaintext bytes: sealed in a transport frame for devices, a plain
 * frame for the admin socket. */
static int send_plain(conn *c, const uint8_t *p, size_t n) {
  size_t cap, outlen = 0;
  wreq *w;
  uv_buf_t b;
  int rc;

  if (c->handle_closed)
    return FS_ECLOSED;
  if (c->tap.msg) {
    c->tap.msg(c->tap.ud, p, n);
    return 0;
  }
  cap = c->is_admin ? n + FS_FRAME_HEADER_LEN : fs__channel_sealed_size(n);
  w = malloc(sizeof(*w) + cap);
  if (w == NULL)
    return FS_ENOMEM;
  if (c->is_admin) {
    fs__frame_header(w->data, (uint32_t)n);
    memcpy(w->data + FS_FRAME_HEADER_LEN, p, n);
    outlen = cap;
  } else {
    rc = fs__channel_encrypt(c->ch, p, n, w->data, cap, &outlen);
    if (rc) {
      free(w);
      return rc;
    }
  }
  w->c = c;
  w->len = outlen;
  b = uv_buf_init((char *)w->data, (unsigned)outlen);
  rc = uv_write(&w->req, &c->u.st, &b, 1, on_write);
  if (rc) {
    free(w);
    return FS_ECLOSED;
  }
  c->refs++;
  c->wq_bytes += outlen;
  if (c->reading && c->wq_bytes > c->s->cfg.write_queue_max) {
    uv_read_stop(&c->u.st);
    c->reading = 0;
  }
  return 0;
}

/* Queues bytes as they are (handshake message 2, handshake notes). */
static int write_raw(conn *c, const uint8_t *p, size_t n) {
  wreq *w;
  uv_buf_t b;

  if (c->handle_closed)
    return FS_ECLOSED;
  w = malloc(sizeof(*w) + n);
  if (w == NULL)
    return FS_ENOMEM;
  memcpy(w->data, p, n);
  w->c = c;
  w->len = n;
  b = uv_buf_init((char *)w->data, (unsigned)n);
  if (uv_write(&w->req, &c->u.st, &b, 1, on_write) != 0) {
    free(w);
    return FS_ECLOSED;
  }
  c->refs++;
  c->wq_bytes += n;
  return 0;
}

static int send_msg(conn *c, const fs_msg *m) {
  fs_buf b;
  int rc;

  fs__buf_init(&b, FS_MSG_MAX_BYTES);
  rc = fs__msg_encode(m, &b);
  if (rc == 0)
    rc = send_plain(c, b.data, b.len);
  fs__buf_release(&b);
  if (rc)
    FS_WARN("cannot send %s: %s", fs__msg_type_name(m->type), fs_strerror(rc));
  return rc;
}

/* Sends ERROR{code,text} and closes after it is written. */
static void send_error_close(conn *c, int code, const char *text) {
  fs_msg m;

  fs__msg_init(&m, FS_MSG_ERROR);
  m.u.error.code = code;
  m.u.error.text = (char *)text;
  if (code == FS_EVERSION) {
    m.u.error.nversions = 1;
    m.u.error.versions[0] = FS_MSG_VERSION;
  }
  if (c->ch == NULL || fs__channel_is_open(c->ch) || c->is_admin) {
    if (send_msg(c, &m) == 0) {
      c->close_after_write = 1;
      conn_close(c, text);
      return;
    }
  }
  conn_close(c, text);
}

/* ---- connection lifecycle ------------------------------------------- */

static void startups_remove(conn *c) {
  fs_server *s = c->s;

  if (!c->in_startups)
    return;
  if (c->sprev)
    c->sprev->snext = c->snext;
  else
    s->startups = c->snext;
  if (c->snext)
    c->snext->sprev = c->sprev;
  else
    s->startups_tail = c->sprev;
  c->sprev = c->snext = NULL;
  c->in_startups = 0;
  s->nstartups--;
}

static void conn_free(conn *c) {
  fs_server *s = c->s;

  startups_remove(c);
  if (c->prev)
    c->prev->next = c->next;
  else
    s->conns = c->next;
  if (c->next)
    c->next->prev = c->prev;
  s->nconns--;
  fs__channel_free(c->ch);
  fs__frame_decoder_release(&c->fd);
  if (c->enroll) {
    sodium_memzero(c->enroll, sizeof(*c->enroll));
    sodium_free(c->enroll);
  }
  fs__msg_release(&c->hello);
  free(c->acc);
  free(c->pending);
  if (c->tap.freed)
    c->tap.freed(c->tap.ud);
  free(c);
}

static void on_handle_closed(uv_handle_t *h) {
  conn *c = h->data;
  c->handle_closed = 1;
  if (c->refs == 0)
    conn_free(c);
}

/* Closes a connection; why (if given) is logged.  Safe to call twice.
 * With close_after_write set, waits for queued writes first. */
static void conn_close(conn *c, const char *why) {
  if (why && c->state != ST_CLOSING)
    FS_INFO("closing connection%s%s%s: %s", c->dev.staff[0] ? " of " : "", c->dev.staff,
            c->is_admin ? " (admin)" : "", why);
  c->state = ST_CLOSING;
  startups_remove(c);
  if (c->reading) {
    uv_read_stop(&c->u.st);
    c->reading = 0;
  }
  if (c->close_after_write && c->wq_bytes > 0)
    return;
  if (!uv_is_closing(&c->u.h))
    uv_close(&c->u.h, on_handle_closed);
  else if (c->handle_closed && c->refs == 0)
    conn_free(c);
}

/* Drops a job's hold on c; frees it if it was closed meanwhile. */
static int conn_unref(conn *c) {
  FS_ASSERT(c->refs > 0); /* every job that unrefs took a ref */
  c->refs--;
  if (c->state == ST_CLOSING) {
    if (c->handle_closed && c->refs == 0)
      conn_free(c);
    else
      conn_close(c, NULL);
    return 1;
  }
  return 0;
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf) {
  conn *c = h->data;
  (void)hint;
  /* One shared read buffer: reads are processed synchronously in on_read,
   * and leftovers are copied out (engineering notes: buffer reuse). */
  if (c->s->readbuf_busy) {
    buf->base = NULL;
    buf->len = 0;
    return;
  }
  c->s->readbuf_busy = 1;
  buf->base = (char *)c->s->readbuf;
  buf->len = READ_BUF;
}

static void on_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf) {
  conn *c = st->data;

  if (buf->base == (char *)c->s->readbuf)
    c->s->readbuf_busy = 0;
  if (nread == 0)
    return;
  if (nread < 0) {
    conn_close(c, nread == UV_EOF ? NULL : uv_strerror((int)nread));
    return;
  }
  if (c->state == ST_CLOSING)
    return;
  if (c->state == ST_READY)
    c->deadline = now_ms() + c->s->cfg.idle_ms;
  conn_process(c, (const uint8_t *)buf->base, (size_t)nread);
}

static void conn_resume(conn *c) {
  if (c->state == ST_CLOSING || c->busy)
    return;
  if (c->npending) {
    uint8_t *p = c->pending;
    size_t n = c->npending;
    c->pending = NULL;
    c->npending = 0;
    conn_process(c, p, n);
    free(p);
    if (c->state == ST_CLOSING || c->busy)
      return;
  }
  if (!c->reading && c->wq_bytes <= c->s->cfg.write_queue_max) {
    if (uv_read_start(&c->u.st, on_alloc, on_read) == 0)
      c->reading = 1;
  }
}

/* ---- notifications -------------------------------------------------- */

static void notify_watchers(fs_server *s, conn *origin, char aud[][FS_STAFF_MAX + 1],
                            int naud, uint64_t seq) {
  fs_msg m;

  fs__msg_init(&m, FS_MSG_NOTIFY);
  m.u.notify.seq = seq;
  for (conn *c = s->conns; c; c = c->next) {
    int hit = naud < 0;
    if (c == origin || !c->watch || c->must_wipe || c->state != ST_READY ||
        c->acc == NULL)
      continue;
    for (int i = 0; !hit && i < naud; i++)
      hit = fs__access_owner_ok(c->acc, aud[i]);
    if (hit)
      send_msg(c, &m);
  }
}

/* ---- standing: may this device go on? ------------------------------ */

static int64_t wipe_deadline_ms(const fs_server *s) {
  return (int64_t)s->cfg.wipe_deadline_days * 86400000LL;
}

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

/* Re-reads device id on db and judges it (see standing). */
static int standing_now(fs_store_rd *db, fs_device *now, uint64_t id, int must_wipe,
                        int64_t deadline_ms, char *why, size_t len) {
  int rc = fs__central_device_by_id(db, id, now);
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
    FS_ERROR("cannot mark device %llu wiped: %s", (unsigned long long)((wipe_job *)job)->device,
             fs_strerror(rc));
  free(job);
  /* Another session of the same device (opened before the final upload
   * ended) may not stay open: it is judged again and closed. */
  if (rc == 0 && !s->stopping)
    sessions_recheck(s);
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
static void send_wipe(conn *c) {
  fs_msg m;

  fs__msg_init(&m, FS_MSG_WIPE);
  m.u.wipe.reason = c->dev.departed
                        ? "your staff account has been handed over; this replica is erased"
                        : "this device was revoked; its replica is erased";
  send_msg(c, &m);
  FS_INFO("device %llu (%s): final upload done, WIPE sent", (unsigned long long)c->dev.id,
          c->dev.staff);
  mark_wiped(c->s, c->dev.id,
             c->dev.departed ? "final upload received after departure; replica erased"
                             : "revoked device uploaded its outbox; replica erased");
  c->close_after_write = 1;
  conn_close(c, NULL);
}

/* ---- push ----------------------------------------------------------- */

typedef struct push_job {
  fs_writer_job job;
  conn *c;
  fs_device dev; /* the device as the store says inside the transaction */
  int must_wipe; /* the session's */
  int refused;   /* FS_EREVOKED / FS_EDEPARTED: nothing applied, close */
  char why[160];
  fs_msg msg;
  fs_push_result *results;
  char aud[NOTIFY_MAX_AUD][FS_STAFF_MAX + 1];
  int naud; /* -1: too many, notify everyone */
  uint64_t seq;
} push_job;

static int push_run(fs_writer_job *job, fs_central *central) {
  push_job *pj = (push_job *)job;
  fs_msg_push *p = &pj->msg.u.push;
  fs_device now;
  int rc;

  /* The device's standing is read again here, inside the transaction that
   * would apply the push: a revoke, wipe order or departure committed
   * before it is seen, whatever the session was told at its handshake. */
  rc = standing_now(fs__central_rd(central), &now, pj->dev.id, pj->must_wipe,
                    fs__central_wipe_deadline(central), pj->why, sizeof(pj->why));
  if (rc == FS_EREVOKED || rc == FS_EDEPARTED) {
    pj->refused = rc;
    return 0;
  }
  if (rc)
    return rc;
  /* The cursor is the session's (raised by HELLO and PULL), the rest the
   * store's. */
  if (now.cursor < pj->dev.cursor)
    now.cursor = pj->dev.cursor;
  pj->dev = now;
  rc = fs__central_push(central, &pj->dev, p->changes, p->rcs, p->n, pj->results);
  if (rc)
    return rc;
  /* Health of the device for `fieldsyncd devices`. */
  {
    sqlite3 *db = fs__central_db(central);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db,
                           "UPDATE devices SET last_seen=?1, outbox_depth=?2, "
                           "oldest_unsynced=?3, cursor=?5 WHERE id=?4",
                           -1, &st, NULL) == SQLITE_OK) {
      sqlite3_bind_int64(st, 1, (sqlite3_int64)fs__now_ms());
      /* The device reported its depth before this push; what is left is
       * what this push did not carry. */
      sqlite3_bind_int64(st, 2, (sqlite3_int64)(p->outbox > p->n ? p->outbox - p->n : 0));
      if (p->outbox > p->n)
        sqlite3_bind_int64(st, 3, (sqlite3_int64)p->oldest);
      else
        sqlite3_bind_null(st, 3);
      sqlite3_bind_int64(st, 4, (sqlite3_int64)pj->dev.id);
      sqlite3_bind_int64(st, 5, (sqlite3_int64)pj->dev.cursor);
      rc = sqlite3_step(st) == SQLITE_DONE ? 0 : fs__db_err(db, sqlite3_errcode(db));
    }
    sqlite3_finalize(st);
  }
  for (uint32_t i = 0; rc == 0 && i < p->n; i++) {
    int o = pj->results[i].outcome, dup = 0;
    if (o != FS_OUTCOME_APPLIED && o != FS_OUTCOME_MERGED)
      continue;
    for (int k = 0; pj->naud >= 0 && k < pj->naud; k++)
      dup |= strcmp(pj->aud[k], p->changes[i].owner) == 0;
    if (dup || pj->naud < 0)
      continue;
    if (pj->naud == NOTIFY_MAX_AUD)
      pj->naud = -1;
    else
      snprintf(pj->aud[pj->naud++], FS_STAFF_MAX + 1, "%s", p->changes[i].owner);
  }
  pj->seq = fs__central_seq(central);
  return rc;
}

static void push_job_free(push_job *pj) {
  for (uint32_t i = 0; pj->results && i < pj->msg.u.push.n; i++)
    free(pj->results[i].reason);
  free(pj->results);
  fs__msg_release(&pj->msg);
  free(pj);
}

static void push_done(fs_writer_job *job, int rc) {
  push_job *pj = (push_job *)job;
  conn *c = pj->c;
  fs_msg m;
  int anything = 0;

  if (conn_unref(c)) {
    push_job_free(pj);
    return;
  }
  c->busy = 0;
  if (rc == 0 && pj->refused) {
    FS_WARN("device %llu (%s): push refused: %s", (unsigned long long)c->dev.id,
            c->dev.staff, pj->why);
    send_error_close(c, pj->refused, pj->why);
    push_job_free(pj);
    return;
  }
  if (rc == 0)
    c->dev = pj->dev;
  if (rc) {
    /* Nothing of this push was committed: tell the device, which keeps
     * the changes and retries later. */
    char text[200];
    snprintf(text, sizeof(text), "push not stored: %s; the device keeps its changes",
             fs_strerror(rc));
    fs__msg_init(&m, FS_MSG_ERROR);
    m.u.error.code = rc;
    m.u.error.text = text;
    send_msg(c, &m);
  } else {
    fs__msg_init(&m, FS_MSG_PUSH_RESULT);
    m.u.push_result.results = pj->results;
    m.u.push_result.n = pj->msg.u.push.n;
    send_msg(c, &m);
    anything = pj->naud != 0;
  }
  if (anything)
    notify_watchers(c->s, c, pj->aud, pj->naud, pj->seq);
  if (rc == 0 && c->must_wipe && pj->msg.u.push.outbox <= pj->msg.u.push.n) {
    push_job_free(pj);
    send_wipe(c);
    return;
  }
  push_job_free(pj);
  conn_resume(c);
}

static void handle_push(conn *c, fs_msg *m) {
  push_job *pj = calloc(1, sizeof(*pj));
  int rc;

  if (pj == NULL) {
    send_error_close(c, FS_ENOMEM, "daemon out of memory");
    fs__msg_release(m);
    return;
  }
  pj->msg = *m;
  memset(m, 0, sizeof(*m));
  pj->c = c;
  pj->dev = c->dev;
  pj->must_wipe = c->must_wipe;
  pj->results = calloc(pj->msg.u.push.n ? pj->msg.u.push.n : 1, sizeof(fs_push_result));
  pj->job.run = push_run;
  pj->job.done = push_done;
  if (pj->results == NULL) {
    push_job_free(pj);
    send_error_close(c, FS_ENOMEM, "daemon out of memory");
    return;
  }
  rc = fs__writer_submit(c->s->writer, &pj->job);
  if (rc) {
    fs_msg e;
    push_job_free(pj);
    fs__msg_init(&e, FS_MSG_ERROR);
    e.u.error.code = FS_EBUSY;
    e.u.error.text = "daemon is busy; retry the push later";
    send_msg(c, &e);
    return;
  }
  c->refs++;
  c->busy = 1;
}

/* ---- pull ----------------------------------------------------------- */

typedef struct outmsg {
  struct outmsg *next;
  size_t len;
  uint8_t data[];
} outmsg;

typedef struct pull_job {
  uv_work_t req;
  conn *c;
  fs_server *s;
  fs_device dev; /* copied at submit; the worker reads no conn state */
  char why[160];
  uint64_t cursor;
  uint32_t limit;
  uint64_t snap_floor1; /* in: the connection's; out: after this pull */
  fs_access *acc;
  int rc;
  outmsg *head, *tail;
  /* encoding state (worker) */
  fs_buf batch[FS_KIND__COUNT];
  fs_batch_enc enc[FS_KIND__COUNT];
  int open[FS_KIND__COUNT];
  fs_evict_item *ev;
  uint32_t nev, capev;
  uint64_t next;
  int more;
  uint32_t rows, evicted;
  /* loaned cards delivered (recorded: who read what) */
  char loaned[FS_ACCESS_MAX_LOANS][FS_ID_HEX + 1];
  int loan_rows[FS_ACCESS_MAX_LOANS];
  int nloaned;
} pull_job;

static int out_push(pull_job *pj, const uint8_t *p, size_t n) {
  outmsg *o = malloc(sizeof(*o) + n);
  if (o == NULL)
    return FS_ENOMEM;
  o->next = NULL;
  o->len = n;
  memcpy(o->data, p, n);
  if (pj->tail)
    pj->tail->next = o;
  else
    pj->head = o;
  pj->tail = o;
  return 0;
}

static int batch_flush(pull_job *pj, fs_kind k) {
  int rc;
  if (!pj->open[k])
    return 0;
  rc = fs__batch_finish(&pj->enc[k]);
  if (rc == 0)
    rc = out_push(pj, pj->batch[k].data, pj->batch[k].len);
  fs__buf_reset(&pj->batch[k]);
  pj->open[k] = 0;
  return rc;
}

static int batch_open(pull_job *pj, fs_kind k) {
  const fs_kind_def *kd = fs__kind_def(k);
  int cols[FS_MSG_MAX_FIELDS];
  for (int i = 0; i < kd->nfields; i++)
    cols[i] = i;
  pj->open[k] = 1;
  /* Leave room under the frame max for the AEAD tag and framing. */
  return fs__batch_begin(&pj->enc[k], &pj->batch[k], k, cols, kd->nfields,
                         FS_MSG_MAX_BYTES - 64);
}

static void note_loan(pull_job *pj, const fs_row *row) {
  const fs_kind_def *kd = fs__kind_def(row->kind);
  const char *cust = row->kind == FS_KIND_CUSTOMER ? row->id
                     : kd->parent_field >= 0 && row->values[kd->parent_field].type == FS_V_TEXT
                         ? row->values[kd->parent_field].s
                         : NULL;
  int i;
  if (cust == NULL)
    return;
  for (i = 0; i < pj->nloaned; i++)
    if (strcmp(pj->loaned[i], cust) == 0)
      break;
  if (i == pj->nloaned) {
    /* Only loaned cards get here, and the access set holds at most
     * FS_ACCESS_MAX_LOANS of them. */
    FS_ASSERT(pj->nloaned < FS_ACCESS_MAX_LOANS);
    if (pj->nloaned == FS_ACCESS_MAX_LOANS)
      return;
    snprintf(pj->loaned[pj->nloaned++], FS_ID_HEX + 1, "%s", cust);
  }
  pj->loan_rows[i]++;
}

static int sink_row(void *arg, const fs_row *row) {
  pull_job *pj = arg;
  int rc;

  if (!fs__access_owner_ok(pj->acc, row->owner))
    note_loan(pj, row);

  if (!pj->open[row->kind] && (rc = batch_open(pj, row->kind)) != 0)
    return rc;
  rc = fs__batch_add_row(&pj->enc[row->kind], row);
  if (rc == FS_ETOOBIG) {
    rc = batch_flush(pj, row->kind);
    if (rc == 0)
      rc = batch_open(pj, row->kind);
    if (rc == 0)
      rc = fs__batch_add_row(&pj->enc[row->kind], row);
  }
  pj->rows++;
  return rc;
}

static int sink_evict(void *arg, fs_kind k, const char *id) {
  pull_job *pj = arg;

  if (pj->nev == pj->capev) {
    uint32_t cap = pj->capev ? pj->capev * 2 : 64;
    fs_evict_item *p;
    if (cap > FS_MSG_MAX_ITEMS)
      return FS_EOVERFLOW; /* the page limit keeps us far below this */
    p = realloc(pj->ev, cap * sizeof(*p));
    if (p == NULL)
      return FS_ENOMEM;
    pj->ev = p;
    pj->capev = cap;
  }
  pj->ev[pj->nev].kind = k;
  snprintf(pj->ev[pj->nev].id, sizeof(pj->ev[pj->nev].id), "%s", id);
  pj->nev++;
  pj->evicted++;
  return 0;
}

/* The side messages of a page (CONFLICTS, NOTICE) are bounded per page
 * (server.h).  A page that cannot hold the next item ends before it: the
 * CHECKPOINT cursor is lowered to just below that item's seq and `more`
 * set, so the cursor never passes an item that was not sent.  The items of
 * one seq (one change's conflicts, one handover's report) are never split
 * across pages, and the first seq of a page always goes in whole, so every
 * page advances the cursor.  Rows of the page above the lowered cursor
 * come again with the next page; rows are whole and keyed by id, so a
 * client applies them twice harmlessly (PROTOCOL.md 7.2). */
static int page_full(uint32_t n, uint32_t max, uint64_t last_seq, uint64_t seq) {
  return n >= max && seq != last_seq;
}

static void page_end_before(pull_job *pj, uint64_t seq) {
  /* The first seq of a page is always taken whole, so seq is above it. */
  FS_ASSERT(seq > pj->cursor + 1 && seq - 1 < pj->next);
  pj->next = seq - 1;
  pj->more = 1;
}

static void conflict_items_free(fs_conflict_item *items, uint32_t n) {
  fs_msg m;
  fs__msg_init(&m, FS_MSG_CONFLICTS);
  m.u.conflicts.items = items;
  m.u.conflicts.n = n;
  fs__msg_release(&m);
}

/* Queues items as CONFLICTS messages, as many as needed: a run that does
 * not fit one frame is halved (one item always fits: values are bounded). */
static int conflicts_send(pull_job *pj, fs_conflict_item *items, uint32_t n) {
  fs_msg m;
  fs_buf b;
  int rc;

  fs__msg_init(&m, FS_MSG_CONFLICTS);
  m.u.conflicts.items = items;
  m.u.conflicts.n = n;
  fs__buf_init(&b, FS_MSG_MAX_BYTES - 64);
  rc = n > FS_MSG_MAX_ITEMS ? FS_ETOOBIG : fs__msg_encode(&m, &b);
  if (rc == 0)
    rc = out_push(pj, b.data, b.len);
  fs__buf_release(&b);
  if (rc == FS_ETOOBIG && n > 1) {
    rc = conflicts_send(pj, items, n / 2);
    if (rc == 0)
      rc = conflicts_send(pj, items + n / 2, n - n / 2);
  }
  return rc;
}

/* Conflicts logged in (cursor, next] on records this device may see, at
 * most FS_PULL_CONFLICTS_MAX (plus the rest of one change's) per page. */
static int pull_conflicts(pull_job *pj, sqlite3 *db) {
  sqlite3_stmt *st = NULL;
  fs_conflict_item *items = NULL;
  uint32_t n = 0, cap = 0;
  uint64_t last = 0;
  int rc;

  rc = sqlite3_prepare_v2(db,
                          "SELECT c.kind, c.record_id, c.field, c.loser, c.loser_hlc, "
                          "c.winner, c.winner_hlc, COALESCE(d.staff,''), c.at, c.owner, "
                          "COALESCE(c.fenced,''), c.seq "
                          "FROM conflicts c LEFT JOIN devices d ON d.id=c.loser_device "
                          "WHERE c.seq>?1 AND c.seq<=?2 ORDER BY c.seq, c.id",
                          -1, &st, NULL);
  if (rc != SQLITE_OK)
    return fs__db_err(db, rc);
  sqlite3_bind_int64(st, 1, (sqlite3_int64)pj->cursor);
  sqlite3_bind_int64(st, 2, (sqlite3_int64)pj->next);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    uint64_t seq = (uint64_t)sqlite3_column_int64(st, 11);
    fs_conflict_item *it;
    if (!fs__access_owner_ok(pj->acc, (const char *)sqlite3_column_text(st, 9)))
      continue;
    if (page_full(n, FS_PULL_CONFLICTS_MAX, last, seq)) {
      page_end_before(pj, seq);
      rc = SQLITE_DONE;
      break;
    }
    last = seq;
    if (n == cap) {
      uint32_t ncap = cap ? cap * 2 : 64;
      it = realloc(items, ncap * sizeof(*items));
      if (it == NULL) {
        rc = FS_ENOMEM;
        break;
      }
      items = it;
      cap = ncap;
    }
    it = &items[n++];
    memset(it, 0, sizeof(*it));
    it->kind = strdup((const char *)sqlite3_column_text(st, 0));
    snprintf(it->id, sizeof(it->id), "%s", sqlite3_column_text(st, 1));
    it->field = strdup((const char *)sqlite3_column_text(st, 2));
    for (int v = 0; v < 2; v++) {
      int col = v ? 5 : 3;
      fs_value *val = v ? &it->winner : &it->loser;
      if (sqlite3_column_type(st, col) == SQLITE_INTEGER)
        fs__value_set_int(val, sqlite3_column_int64(st, col));
      else if (sqlite3_column_type(st, col) == SQLITE_TEXT)
        fs__value_set_text(val, (const char *)sqlite3_column_text(st, col),
                           (size_t)sqlite3_column_bytes(st, col));
    }
    it->loser_hlc = (uint64_t)sqlite3_column_int64(st, 4);
    it->winner_hlc = (uint64_t)sqlite3_column_int64(st, 6);
    snprintf(it->author, sizeof(it->author), "%s", sqlite3_column_text(st, 7));
    it->at = (uint64_t)sqlite3_column_int64(st, 8);
    /* A fenced item (central.c apply_fenced): the staff whose device sent it. */
    snprintf(it->fenced, sizeof(it->fenced), "%s", sqlite3_column_text(st, 10));
    if (it->kind == NULL || it->field == NULL) {
      rc = FS_ENOMEM;
      break;
    }
  }
  sqlite3_finalize(st);
  if (rc == SQLITE_DONE)
    rc = 0;
  else if (rc > 0)
    rc = fs__db_err(db, rc);
  if (rc == 0 && n > 0)
    rc = conflicts_send(pj, items, n);
  conflict_items_free(items, n);
  return rc;
}

/* One encoded NOTICE waiting for the page's final cursor. */
typedef struct notice_out {
  uint64_t seq;
  outmsg *msg;
} notice_out;

typedef struct notice_list {
  notice_out *v;
  uint32_t n, cap;
} notice_list;

static void notice_list_free(notice_list *l) {
  for (uint32_t i = 0; i < l->n; i++)
    free(l->v[i].msg);
  free(l->v);
  memset(l, 0, sizeof(*l));
}

/* Handover reports for the successor and the manager, as NOTICEs: at most
 * FS_PULL_NOTICES_MAX per page.  Encoded into l and queued by notices_queue
 * once the page's cursor is final (pull_conflicts may still lower it). */
static int pull_notices(pull_job *pj, sqlite3 *db, notice_list *l) {
  sqlite3_stmt *st = NULL;
  uint64_t last = 0;
  fs_buf b;
  int rc;

  rc = sqlite3_prepare_v2(
      db,
      "SELECT at, kind, COALESCE(report,''), seq FROM handovers WHERE "
      "seq>?1 AND seq<=?2 AND dry_run=0 AND (to_staff=?3 OR manager=?3) "
      "ORDER BY seq, id",
      -1, &st, NULL);
  if (rc != SQLITE_OK)
    return fs__db_err(db, rc);
  sqlite3_bind_int64(st, 1, (sqlite3_int64)pj->cursor);
  sqlite3_bind_int64(st, 2, (sqlite3_int64)pj->next);
  sqlite3_bind_text(st, 3, pj->dev.staff, -1, SQLITE_STATIC);
  fs__buf_init(&b, FS_MSG_MAX_BYTES - 64);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    uint64_t seq = (uint64_t)sqlite3_column_int64(st, 3);
    fs_msg m;
    outmsg *o;
    if (page_full(l->n, FS_PULL_NOTICES_MAX, last, seq)) {
      page_end_before(pj, seq);
      rc = SQLITE_DONE;
      break;
    }
    last = seq;
    fs__msg_init(&m, FS_MSG_NOTICE);
    m.u.notice.kind = "handover";
    m.u.notice.at = (uint64_t)sqlite3_column_int64(st, 0);
    m.u.notice.body = (char *)sqlite3_column_text(st, 2);
    fs__buf_reset(&b);
    rc = fs__msg_encode(&m, &b);
    if (rc)
      break;
    if (l->n == l->cap) {
      uint32_t ncap = l->cap ? l->cap * 2 : 16;
      notice_out *v = realloc(l->v, ncap * sizeof(*v));
      if (v == NULL) {
        rc = FS_ENOMEM;
        break;
      }
      l->v = v;
      l->cap = ncap;
    }
    o = malloc(sizeof(*o) + b.len);
    if (o == NULL) {
      rc = FS_ENOMEM;
      break;
    }
    o->next = NULL;
    o->len = b.len;
    memcpy(o->data, b.data, b.len);
    l->v[l->n].seq = seq;
    l->v[l->n++].msg = o;
  }
  fs__buf_release(&b);
  sqlite3_finalize(st);
  if (rc == SQLITE_DONE)
    return 0;
  return rc > 0 ? fs__db_err(db, rc) : rc;
}

/* Queues the notices at or below the page's final cursor (the others come
 * with the next page) and empties l. */
static void notices_queue(pull_job *pj, notice_list *l) {
  for (uint32_t i = 0; i < l->n; i++) {
    if (l->v[i].seq > pj->next)
      continue;
    if (pj->tail)
      pj->tail->next = l->v[i].msg;
    else
      pj->head = l->v[i].msg;
    pj->tail = l->v[i].msg;
    l->v[i].msg = NULL;
  }
  notice_list_free(l);
}

typedef struct loan_job {
  fs_writer_job job;
  uint64_t device;
  char staff[FS_STAFF_MAX + 1];
  int n;
  char cust[FS_ACCESS_MAX_LOANS][FS_ID_HEX + 1];
  int rows[FS_ACCESS_MAX_LOANS];
} loan_job;

static int loan_run(fs_writer_job *job, fs_central *central) {
  loan_job *lj = (loan_job *)job;
  sqlite3 *db = fs__central_db(central);
  sqlite3_stmt *st = NULL;
  int rc = 0;

  if (sqlite3_prepare_v2(
          db,
          "INSERT INTO loan_reads(loan_id, device_id, at, record_count) SELECT id, "
          "?1, ?2, ?3 FROM loans WHERE staff=?4 AND customer_id=?5 AND ended=0",
          -1, &st, NULL) != SQLITE_OK)
    return fs__db_err(db, sqlite3_errcode(db));
  for (int i = 0; rc == 0 && i < lj->n; i++) {
    sqlite3_bind_int64(st, 1, (sqlite3_int64)lj->device);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)fs__now_ms());
    sqlite3_bind_int(st, 3, lj->rows[i]);
    sqlite3_bind_text(st, 4, lj->staff, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, lj->cust[i], -1, SQLITE_STATIC);
    rc = sqlite3_step(st) == SQLITE_DONE ? 0 : fs__db_err(db, sqlite3_errcode(db));
    sqlite3_reset(st);
  }
  sqlite3_finalize(st);
  return rc;
}

static void loan_done(fs_writer_job *job, int rc) {
  if (rc)
    FS_WARN("cannot record loan reads: %s", fs_strerror(rc));
  free(job);
}

static void record_loan_reads(conn *c, pull_job *pj) {
  loan_job *lj;
  if (pj->nloaned == 0)
    return;
  lj = calloc(1, sizeof(*lj));
  if (lj == NULL) {
    FS_WARN("device %llu (%s): cannot record %d loaned card read(s): out of memory",
            (unsigned long long)c->dev.id, c->dev.staff, pj->nloaned);
    return;
  }
  lj->device = c->dev.id;
  snprintf(lj->staff, sizeof(lj->staff), "%s", c->dev.staff);
  lj->n = pj->nloaned;
  memcpy(lj->cust, pj->loaned, sizeof(lj->cust));
  memcpy(lj->rows, pj->loan_rows, sizeof(lj->rows));
  lj->job.run = loan_run;
  lj->job.done = loan_done;
  if (fs__writer_submit(c->s->writer, &lj->job)) {
    FS_WARN("device %llu (%s): cannot record %d loaned card read(s): the writer is busy",
            (unsigned long long)c->dev.id, c->dev.staff, pj->nloaned);
    free(lj);
  }
}

static void pull_work(uv_work_t *req) {
  pull_job *pj = req->data;
  fs_store_rd *rd = NULL;
  sqlite3 *db = NULL;
  fs_pull_sink sink = {pj, sink_row, sink_evict};
  notice_list notices = {NULL, 0, 0};
  fs_msg m;
  fs_buf b;
  int rc;

  fs__buf_init(&b, FS_MSG_MAX_BYTES - 64);
  rc = rpool_get(pj->s, &rd);
  if (rc)
    goto out;
  db = fs__rd_db(rd);
  {
    /* Standing and rights as the store says now, not as at the handshake.
     * (A wipe session never gets here: it may not PULL.) */
    fs_device now;
    rc = standing_now(rd, &now, pj->dev.id, 0, wipe_deadline_ms(pj->s), pj->why,
                      sizeof(pj->why));
    if (rc)
      goto out;
  }
  rc = fs__central_access(rd, pj->dev.staff, (int64_t)fs__now_ms(), pj->acc);
  if (rc)
    goto out;
  {
    long long floor = 0;
    fs__meta_get_int(db, "gc_floor", &floor);
    if (pj->cursor == 0) {
      pj->snap_floor1 = (uint64_t)floor + 1;
    } else if (pj->cursor < (uint64_t)floor && pj->snap_floor1 != (uint64_t)floor + 1) {
      /* Tombstones it would need are gone: it must take a fresh snapshot.
       * (Not a device in the middle of a snapshot begun on this
       * connection since the last purge: it never held those records.) */
      rc = FS_ERESYNC;
      goto out;
    }
  }
  rc = fs__central_pull(rd, pj->acc, pj->cursor, pj->limit, &sink, &pj->next, &pj->more);
  for (int k = 0; rc == 0 && k < FS_KIND__COUNT; k++)
    rc = batch_flush(pj, (fs_kind)k);
  if (rc == 0 && pj->nev) {
    fs__msg_init(&m, FS_MSG_EVICT);
    m.u.evict.items = pj->ev;
    m.u.evict.n = pj->nev;
    rc = fs__msg_encode(&m, &b);
    if (rc == 0)
      rc = out_push(pj, b.data, b.len);
    fs__buf_reset(&b);
  }
  /* Notices first: a full page of them lowers the cursor the conflicts are
   * read up to; conflicts may lower it again, so the notices are queued
   * (after CONFLICTS, PROTOCOL.md 7.1) only once it is final. */
  if (rc == 0 && pj->next > pj->cursor)
    rc = pull_notices(pj, db, &notices);
  if (rc == 0 && pj->next > pj->cursor)
    rc = pull_conflicts(pj, db);
  if (rc == 0)
    notices_queue(pj, &notices);
  if (rc == 0) {
    fs__msg_init(&m, FS_MSG_CHECKPOINT);
    m.u.checkpoint.cursor = pj->next;
    m.u.checkpoint.more = pj->more;
    rc = fs__msg_encode(&m, &b);
    if (rc == 0)
      rc = out_push(pj, b.data, b.len);
  }
out:
  notice_list_free(&notices);
  fs__buf_release(&b);
  if (rd)
    rpool_put(pj->s, rd);
  pj->rc = rc;
}

static void pull_job_free(pull_job *pj) {
  outmsg *o, *n;
  for (o = pj->head; o; o = n) {
    n = o->next;
    free(o);
  }
  for (int k = 0; k < FS_KIND__COUNT; k++)
    fs__buf_release(&pj->batch[k]);
  free(pj->ev);
  free(pj->acc);
  free(pj);
}

static void pull_done(uv_work_t *req, int status) {
  pull_job *pj = req->data;
  conn *c = pj->c;

  (void)status;
  if (conn_unref(c)) {
    pull_job_free(pj);
    return;
  }
  c->busy = 0;
  c->snap_floor1 = pj->snap_floor1;
  if (pj->rc == FS_ERESYNC) {
    fs_msg e;
    fs__msg_init(&e, FS_MSG_ERROR);
    e.u.error.code = FS_ERESYNC;
    e.u.error.text = "this replica is older than the daemon's history; pull again from "
                     "cursor 0 (a full snapshot) and keep unsynced changes";
    send_msg(c, &e);
    FS_INFO("device %llu (%s): cursor %llu is behind the tombstone horizon; resync",
            (unsigned long long)c->dev.id, c->dev.staff, (unsigned long long)pj->cursor);
    pull_job_free(pj);
    conn_resume(c);
    return;
  }
  if (pj->rc == FS_EREVOKED || pj->rc == FS_EDEPARTED) {
    FS_WARN("device %llu (%s): pull refused: %s", (unsigned long long)c->dev.id,
            c->dev.staff, pj->why);
    send_error_close(c, pj->rc, pj->why);
    pull_job_free(pj);
    return;
  }
  if (pj->rc) {
    char text[200];
    snprintf(text, sizeof(text), "pull failed: %s", fs_strerror(pj->rc));
    FS_WARN("device %llu (%s): %s", (unsigned long long)c->dev.id, c->dev.staff, text);
    send_error_close(c, pj->rc, text);
    pull_job_free(pj);
    return;
  }
  /* Keep the fresh access set for NOTIFY filtering. */
  free(c->acc);
  c->acc = pj->acc;
  pj->acc = NULL;
  for (outmsg *o = pj->head; o; o = o->next)
    if (send_plain(c, o->data, o->len) != 0)
      break;
  record_loan_reads(c, pj);
  FS_DEBUG("device %llu (%s): pull %llu -> %llu, %u rows, %u evicted",
           (unsigned long long)c->dev.id, c->dev.staff, (unsigned long long)pj->cursor,
           (unsigned long long)pj->next, pj->rows, pj->evicted);
  pull_job_free(pj);
  conn_resume(c);
}

/* Device health and the GC horizon need the cursor each device has
 * committed: record it when it advances (group-committed with pushes). */
typedef struct seen_job {
  fs_writer_job job;
  uint64_t device, cursor;
} seen_job;

static int seen_run(fs_writer_job *job, fs_central *central) {
  seen_job *sj = (seen_job *)job;
  sqlite3 *db = fs__central_db(central);
  char q[160];
  snprintf(q, sizeof(q), "UPDATE devices SET last_seen=%llu, cursor=%llu WHERE id=%llu",
           (unsigned long long)fs__now_ms(), (unsigned long long)sj->cursor,
           (unsigned long long)sj->device);
  return fs__db_exec(db, q);
}

static void seen_done(fs_writer_job *job, int rc) {
  if (rc)
    FS_DEBUG("cannot record device cursor: %s", fs_strerror(rc));
  free(job);
}

static void note_cursor(conn *c, uint64_t cursor) {
  seen_job *sj;
  if (cursor <= c->dev.cursor)
    return;
  c->dev.cursor = cursor;
  sj = calloc(1, sizeof(*sj));
  if (sj == NULL)
    return;
  sj->device = c->dev.id;
  sj->cursor = cursor;
  sj->job.run = seen_run;
  sj->job.done = seen_done;
  if (fs__writer_submit(c->s->writer, &sj->job))
    free(sj);
}

static void handle_pull(conn *c, const fs_msg_pull *p) {
  pull_job *pj = calloc(1, sizeof(*pj));
  int rc;

  if (pj)
    pj->acc = malloc(sizeof(*pj->acc));
  if (pj == NULL || pj->acc == NULL) {
    free(pj);
    send_error_close(c, FS_ENOMEM, "daemon out of memory");
    return;
  }
  pj->c = c;
  pj->s = c->s;
  pj->dev = c->dev;
  pj->cursor = p->cursor;
  pj->snap_floor1 = c->snap_floor1;
  /* What the device asks from is what it has committed: the fence uses it. */
  note_cursor(c, p->cursor);
  pj->limit = (uint32_t)(p->limit && p->limit < c->s->cfg.pull_page ? p->limit
                                                                     : c->s->cfg.pull_page);
  for (int k = 0; k < FS_KIND__COUNT; k++)
    fs__buf_init(&pj->batch[k], FS_MSG_MAX_BYTES - 64);
  pj->req.data = pj;
  rc = uv_queue_work(c->s->loop, &pj->req, pull_work, pull_done);
  if (rc) {
    pull_job_free(pj);
    send_error_close(c, FS_EINTERNAL, "cannot schedule pull");
    return;
  }
  c->refs++;
  c->busy = 1;
}

/* ---- sessions re-checked after rights changed ------------------------ */

/* 1 if b lacks an owner or loaned card that a had. */
static int access_shrank(const fs_access *a, const fs_access *b) {
  if (a->all && !b->all)
    return 1;
  for (int i = 0; i < a->ncodes; i++)
    if (!fs__access_owner_ok(b, a->codes[i]))
      return 1;
  for (int i = 0; i < a->nloans; i++) {
    int found = b->all;
    for (int k = 0; !found && k < b->nloans; k++)
      found = strcmp(a->loans[i], b->loans[k]) == 0;
    if (!found)
      return 1;
  }
  return 0;
}

/* Audiences that lost records (eviction entries) after seq: malloc'd array
 * of *n codes, NULL if none.  0 or an error. */
static int evicted_audiences(sqlite3 *db, uint64_t seq, char (**out)[FS_STAFF_MAX + 1],
                             int *n) {
  sqlite3_stmt *st = NULL;
  char(*list)[FS_STAFF_MAX + 1] = NULL;
  int rc, cnt = 0;

  *out = NULL;
  *n = 0;
  rc = sqlite3_prepare_v2(
      db, "SELECT DISTINCT audience FROM journal WHERE seq>?1 AND op=?2", -1, &st, NULL);
  if (rc != SQLITE_OK)
    return fs__db_err(db, rc);
  sqlite3_bind_int64(st, 1, (sqlite3_int64)seq);
  sqlite3_bind_int(st, 2, FS_JOURNAL_EVICT);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    char(*p)[FS_STAFF_MAX + 1] = realloc(list, (size_t)(cnt + 1) * sizeof(*list));
    if (p == NULL) {
      rc = FS_ENOMEM;
      break;
    }
    list = p;
    snprintf(list[cnt++], FS_STAFF_MAX + 1, "%s", sqlite3_column_text(st, 0));
  }
  sqlite3_finalize(st);
  rc = rc == SQLITE_DONE ? 0 : rc < 0 ? rc : fs__db_err(db, rc);
  if (rc) {
    free(list);
    return rc;
  }
  *out = list;
  *n = cnt;
  return 0;
}

/* After an administrative change (revoke, departure, transfer, cover or
 * loan end, wipe deadline) every open device session is judged again from
 * the store, on the loop thread: a device that may no longer sync, or may
 * now only upload, is sent ERROR and closed; so is one whose rights shrank
 * (an owner or loaned card left its access set, or records it could see
 * were evicted from an audience it reads).  It reconnects under the new
 * rules.  Sessions whose rights only grew get the new access set for
 * NOTIFY. */
static void sessions_recheck(fs_server *s) {
  char(*aud)[FS_STAFF_MAX + 1] = NULL;
  uint64_t head = s->writer ? fs__writer_committed_seq(s->writer) : s->evict_seen;
  int naud = 0, rc, closed = 0;
  conn *c, *next;

  rc = evicted_audiences(fs__rd_db(s->rd), s->evict_seen, &aud, &naud);
  if (rc) {
    FS_WARN("cannot re-check open sessions: %s", fs_strerror(rc));
    return;
  }
  s->evict_seen = head;
  for (c = s->conns; c; c = next) {
    fs_device now;
    fs_access *a;
    char why[160];
    int shrank = 0;

    next = c->next;
    if (c->is_admin || c->state != ST_READY)
      continue;
    rc = standing_now(s->rd, &now, c->dev.id, c->must_wipe, wipe_deadline_ms(s), why,
                      sizeof(why));
    if (rc == FS_EREVOKED || rc == FS_EDEPARTED) {
      FS_INFO("device %llu (%s): session closed: %s", (unsigned long long)c->dev.id,
              c->dev.staff, why);
      send_error_close(c, rc, why);
      closed++;
      continue;
    }
    if (rc || c->must_wipe)
      continue; /* a wipe session reads nothing */
    a = malloc(sizeof(*a));
    if (a == NULL || fs__central_access(s->rd, now.staff, (int64_t)now_ms(), a) != 0) {
      free(a);
      continue;
    }
    if (c->acc)
      shrank = access_shrank(c->acc, a);
    for (int i = 0; !shrank && i < naud; i++)
      shrank =
          c->acc ? fs__access_owner_ok(c->acc, aud[i]) : fs__access_owner_ok(a, aud[i]);
    if (shrank) {
      free(a);
      FS_INFO("device %llu (%s): session closed: its access rights shrank",
              (unsigned long long)c->dev.id, c->dev.staff);
      send_error_close(
          c, FS_EFORBIDDEN,
          "the records this device may see or write changed (handover, transfer, "
          "cover or loan end); sync again to receive the change");
      closed++;
      continue;
    }
    free(c->acc);
    c->acc = a;
  }
  free(aud);
  if (closed)
    FS_INFO("%d session(s) closed after a change of rights", closed);
}

/* ---- admin ---------------------------------------------------------- */

typedef struct admin_job {
  fs_writer_job job;
  conn *c;
  fs_msg req;
  fs_msg res;
  int wrote; /* the command changed rows: rights and views may have moved */
} admin_job;

static int admin_run(fs_writer_job *job, fs_central *central) {
  admin_job *aj = (admin_job *)job;
  fs_admin_ctx ctx;

  ctx.c = central;
  ctx.cfg = &aj->c->s->cfg;
  ctx.daemon_pub = aj->c->s->key->pub;
  ctx.actor = "admin";
  fs__msg_init(&aj->res, FS_MSG_ADMIN_RESULT);
  {
    sqlite3 *db = fs__central_db(central);
    sqlite3_int64 before = sqlite3_total_changes64(db);
    int rc = fs__admin_exec(&ctx, &aj->req.u.admin, &aj->res.u.admin_result);
    /* Decided from what the store did, not from the command's name: a
     * listing writes nothing and needs no session re-check or NOTIFY. */
    aj->wrote = sqlite3_total_changes64(db) != before;
    return rc;
  }
}

static void admin_done(fs_writer_job *job, int rc) {
  admin_job *aj = (admin_job *)job;
  conn *c = aj->c;

  if (!conn_unref(c)) {
    c->busy = 0;
    if (rc) {
      fs__msg_release(&aj->res);
      fs__msg_init(&aj->res, FS_MSG_ADMIN_RESULT);
      aj->res.u.admin_result.code = rc;
      aj->res.u.admin_result.text = strdup(fs_strerror(rc));
    }
    send_msg(c, &aj->res);
    /* Administrative changes (handover, loans...) may concern anyone:
     * sessions whose rights shrank are closed first, the others told. */
    if (rc == 0 && aj->res.u.admin_result.ok && aj->wrote) {
      sessions_recheck(c->s);
      notify_watchers(c->s, NULL, NULL, -1, fs__writer_committed_seq(c->s->writer));
    }
    conn_resume(c);
  }
  fs__msg_release(&aj->req);
  fs__msg_release(&aj->res);
  free(aj);
}

static void handle_admin(conn *c, fs_msg *m) {
  admin_job *aj = calloc(1, sizeof(*aj));

  if (aj == NULL) {
    fs__msg_release(m);
    send_error_close(c, FS_ENOMEM, "daemon out of memory");
    return;
  }
  aj->req = *m;
  memset(m, 0, sizeof(*m));
  aj->c = c;
  aj->job.run = admin_run;
  aj->job.done = admin_done;
  if (fs__writer_submit(c->s->writer, &aj->job)) {
    fs__msg_release(&aj->req);
    free(aj);
    send_error_close(c, FS_EBUSY, "daemon is busy; retry");
    return;
  }
  c->refs++;
  c->busy = 1;
}

/* ---- handshake ------------------------------------------------------ */

typedef struct enroll_job {
  fs_writer_job job;
  conn *c;
  uint8_t pub[32];
} enroll_job;

static void send_welcome(conn *c, int code, const char *text) {
  char owners[FS_MSG_STR_MAX] = "";
  fs_msg m;
  fs_buf b;
  uint8_t *out = NULL;
  size_t outlen = 0, cap;
  int rc;

  fs__msg_init(&m, FS_MSG_WELCOME);
  m.u.welcome.ok = code == 0;
  m.u.welcome.code = code;
  m.u.welcome.text = (char *)(text ? text : (code ? fs_strerror(code) : "welcome"));
  m.u.welcome.time = now_ms();
  if (code == 0) {
    c->acc = malloc(sizeof(*c->acc));
    if (c->acc && fs__central_access(c->s->rd, c->dev.staff, (int64_t)now_ms(), c->acc)) {
      free(c->acc);
      c->acc = NULL;
    }
    /* Owners this staff may write besides its own, for the device's
     * offline permission check (team, active covers). */
    for (int i = 0; c->acc && i < c->acc->ncodes; i++) {
      size_t len = strlen(owners);
      if (strcmp(c->acc->codes[i], c->dev.staff) == 0 || len + FS_STAFF_MAX + 2 > sizeof(owners))
        continue;
      snprintf(owners + len, sizeof(owners) - len, "%s%s", len ? "," : "", c->acc->codes[i]);
    }
    m.u.welcome.owners = owners;
    {
      /* A replica restored from a backup learns it is behind. */
      sqlite3_stmt *st = NULL;
      if (sqlite3_prepare_v2(fs__rd_db(c->s->rd), "SELECT COALESCE(max(counter),0) FROM applied WHERE "
                                        "device_id=?1",
                             -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, (sqlite3_int64)c->dev.id);
        if (sqlite3_step(st) == SQLITE_ROW)
          m.u.welcome.counter = (uint64_t)sqlite3_column_int64(st, 0);
      }
      sqlite3_finalize(st);
    }
    m.u.welcome.device = c->dev.id;
    snprintf(m.u.welcome.staff, sizeof(m.u.welcome.staff), "%s", c->dev.staff);
    m.u.welcome.role = (char *)fs__role_name(c->dev.role);
    m.u.welcome.slot = (uint64_t)c->dev.slot;
    m.u.welcome.name = c->staff_name;
    m.u.welcome.wipe = c->must_wipe;
    m.u.welcome.generation = c->s->generation;
  } else {
    m.u.welcome.wipe = c->refuse_wipe;
  }
  fs__buf_init(&b, FS_CHANNEL_HS_PAYLOAD_MAX);
  rc = fs__msg_encode(&m, &b);
  if (rc == 0 && c->tap.msg) {
    /* A session without a channel (server.h): WELCOME as a message. */
    c->tap.msg(c->tap.ud, b.data, b.len);
  } else if (rc == 0) {
    cap = fs__channel_reply_size(b.len);
    out = malloc(cap);
    rc = out ? fs__channel_server_respond(c->ch, b.data, b.len, out, cap, &outlen) : FS_ENOMEM;
  }
  fs__buf_release(&b);
  if (rc == 0 && out)
    write_raw(c, out, outlen);
  free(out);
  if (rc || code) {
    c->close_after_write = 1;
    conn_close(c, code ? (text ? text : fs_strerror(code)) : fs_strerror(rc));
    return;
  }
  c->state = ST_READY;
  startups_remove(c);
  c->deadline = now_ms() + c->s->cfg.idle_ms;
  /* A final-upload session is never sent anything unasked, whatever HELLO
   * wants. */
  c->watch = (c->hello.u.hello.want & FS_WANT_WATCH) != 0 && !c->must_wipe;
  FS_INFO("device %llu (%s) connected%s", (unsigned long long)c->dev.id, c->dev.staff,
          c->watch ? ", watching" : "");
  /* "Nothing left" ends the final upload only from a HELLO made after the
   * wipe order: message 1 can be replayed (for up to 24 h, and the replay
   * cache lives in memory), and an old HELLO's outbox 0 from before the
   * rep worked offline must not erase that work.  An earlier HELLO keeps
   * the session a final upload like any other (PROTOCOL.md 7.3). */
  if (c->must_wipe && c->hello.u.hello.outbox == 0 &&
      (int64_t)c->hello.u.hello.time >= c->dev.wipe_at)
    send_wipe(c);
}

static int enroll_run(fs_writer_job *job, fs_central *central) {
  enroll_job *ej = (enroll_job *)job;
  return fs__enroll_device(central, ej->c->enroll, ej->pub, &ej->c->dev);
}

static void staff_name(conn *c) {
  sqlite3_stmt *st = NULL;
  c->staff_name[0] = '\0';
  if (sqlite3_prepare_v2(fs__rd_db(c->s->rd), "SELECT name FROM staff WHERE code=?1", -1, &st, NULL) ==
      SQLITE_OK) {
    sqlite3_bind_text(st, 1, c->dev.staff, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
      snprintf(c->staff_name, sizeof(c->staff_name), "%s", sqlite3_column_text(st, 0));
  }
  sqlite3_finalize(st);
}

static void enroll_done(fs_writer_job *job, int rc) {
  enroll_job *ej = (enroll_job *)job;
  conn *c = ej->c;

  free(ej);
  if (conn_unref(c))
    return;
  c->busy = 0;
  if (rc) {
    FS_WARN("enrollment refused: %s", fs_strerror(rc));
    send_welcome(c, rc, NULL);
    return;
  }
  FS_INFO("device %llu enrolled for %s (slot %d)", (unsigned long long)c->dev.id,
          c->dev.staff, c->dev.slot);
  staff_name(c);
  send_welcome(c, 0, "enrolled");
  conn_resume(c);
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
  conn *c = ud;
  fs_msg_hello *h;
  int rc;

  rc = fs__msg_decode(hello, len, &c->hello);
  if (rc == FS_EVERSION)
    version_refusal(hello, len, c->why, sizeof(c->why));
  if (rc)
    return rc;
  if (c->hello.type != FS_MSG_HELLO)
    return FS_EPROTO;
  h = &c->hello.u.hello;
  /* Replays older than the replay cache can remember are refused by age. */
  if (h->time + HELLO_MAX_AGE_MS < now_ms())
    return FS_EREPLAY;
  rc = fs__central_device_by_key(c->s->rd, pub, &c->dev);
  if (rc == FS_EUNKNOWN_DEVICE && h->token && h->token[0]) {
    c->enroll = sodium_malloc(sizeof(*c->enroll));
    if (c->enroll == NULL)
      return FS_ENOMEM;
    rc = fs__token_parse(h->token, strlen(h->token), c->enroll);
    if (rc == 0)
      rc = fs__enroll_check(fs__rd_db(c->s->rd), c->enroll);
    if (rc == 0)
      c->state = ST_ENROLLING;
    return rc;
  }
  if (rc)
    return rc;
  return session_admit(c);
}

/* Judges the known device c->dev (read from the store) for a new session,
 * as HELLO asks (c->hello): 0, or FS_EREVOKED / FS_EDEPARTED with c->why. */
static int session_admit(conn *c) {
  fs_msg_hello *h = &c->hello.u.hello;
  int rc;

  c->must_wipe = c->dev.departed || c->dev.status == FS_DEVICE_WIPE;
  rc = standing(&c->dev, c->must_wipe, wipe_deadline_ms(c->s), now_ms(), c->why,
                sizeof(c->why));
  if (rc) {
    /* Under a wipe order whose final upload is over: the refusal tells the
     * device to erase itself (WELCOME wipe true, PROTOCOL.md 3 and 7.3), so
     * one whose WIPE was lost on the way (connection cut after the last
     * PUSH_RESULT) does not keep the records. */
    c->refuse_wipe =
        c->dev.status == FS_DEVICE_WIPED ||
        (c->must_wipe && c->dev.status != FS_DEVICE_REVOKED &&
         wipe_expired(&c->dev, wipe_deadline_ms(c->s), now_ms()));
    /* The final upload's time is over: from now on the device is wiped
     * (the periodic sweep would mark it too). */
    if (c->must_wipe && wipe_expired(&c->dev, wipe_deadline_ms(c->s), now_ms()) &&
        (c->dev.status == FS_DEVICE_ACTIVE || c->dev.status == FS_DEVICE_WIPE))
      mark_wiped(c->s, c->dev.id,
                 "the final upload's deadline passed; the device is refused from now on");
    return rc;
  }
  if (h->cursor > c->dev.cursor)
    c->dev.cursor = h->cursor;
  return 0;
}

static void on_hello(conn *c) {
  if (c->state == ST_ENROLLING) {
    enroll_job *ej = calloc(1, sizeof(*ej));
    if (ej == NULL || fs__channel_remote_key(c->ch, ej->pub) != 0) {
      free(ej);
      conn_close(c, "out of memory");
      return;
    }
    ej->c = c;
    ej->job.run = enroll_run;
    ej->job.done = enroll_done;
    if (fs__writer_submit(c->s->writer, &ej->job)) {
      free(ej);
      send_welcome(c, FS_EBUSY, "daemon busy; try again");
      return;
    }
    c->refs++;
    c->busy = 1;
    return;
  }
  staff_name(c);
  send_welcome(c, 0, NULL);
}

/* ---- input ---------------------------------------------------------- */

static void on_message(conn *c, const uint8_t *p, size_t n) {
  fs_msg m;
  int rc;

  rc = fs__msg_decode(p, n, &m);
  if (rc) {
    char text[160];
    snprintf(text, sizeof(text), "malformed message (%s); closing", fs_strerror(rc));
    send_error_close(c, rc, text);
    return;
  }
  if (c->is_admin) {
    if (m.type == FS_MSG_ADMIN)
      handle_admin(c, &m);
    else
      send_error_close(c, FS_EPROTO, "the admin socket takes ADMIN messages only");
    fs__msg_release(&m);
    return;
  }
  if (c->must_wipe && m.type != FS_MSG_PUSH && m.type != FS_MSG_PING &&
      m.type != FS_MSG_BYE) {
    /* Under a wipe order a device uploads and leaves; it is sent nothing. */
    char text[160];
    snprintf(text, sizeof(text),
             "%s from a device under a wipe order: it may only upload its outbox (PUSH), "
             "PING and leave (BYE); closing",
             fs__msg_type_name(m.type));
    FS_WARN("device %llu (%s): %s", (unsigned long long)c->dev.id, c->dev.staff, text);
    send_error_close(c, c->dev.departed ? FS_EDEPARTED : FS_EREVOKED, text);
    fs__msg_release(&m);
    return;
  }
  switch (m.type) {
  case FS_MSG_PUSH:
    handle_push(c, &m);
    break;
  case FS_MSG_PULL:
    handle_pull(c, &m.u.pull);
    break;
  case FS_MSG_PING: {
    fs_msg r;
    fs_device now;
    char why[160];
    /* Every request is judged on the store's word of now. */
    rc = standing_now(c->s->rd, &now, c->dev.id, c->must_wipe, wipe_deadline_ms(c->s),
                      why, sizeof(why));
    if (rc == FS_EREVOKED || rc == FS_EDEPARTED) {
      send_error_close(c, rc, why);
      break;
    }
    fs__msg_init(&r, FS_MSG_PONG);
    r.u.ping.n = m.u.ping.n;
    send_msg(c, &r);
    break;
  }
  case FS_MSG_BYE:
    conn_close(c, NULL);
    break;
  default: {
    char text[160];
    snprintf(text, sizeof(text), "unexpected %s from a device; closing",
             fs__msg_type_name(m.type));
    send_error_close(c, FS_EPROTO, text);
    break;
  }
  }
  fs__msg_release(&m);
}

static void conn_process(conn *c, const uint8_t *data, size_t len) {
  while (len > 0 && !c->busy && c->state != ST_CLOSING) {
    size_t used = 0;
    int ev;

    if (c->is_admin) {
      uint8_t *p;
      size_t n;
      ev = fs__frame_feed(&c->fd, data, len, &used);
      data += used;
      len -= used;
      if (ev < 0) {
        send_error_close(c, ev, "bad frame on admin socket");
        return;
      }
      if (ev == 1 && fs__frame_body(&c->fd, &p, &n) == 0)
        on_message(c, p, n);
      continue;
    }
    ev = fs__channel_feed(c->ch, data, len, &used);
    data += used;
    len -= used;
    if (ev < 0) {
      if (c->state == ST_HANDSHAKE && fs__channel_remote_key(c->ch, (uint8_t[32]){0}) == 0 &&
          (ev == FS_EUNKNOWN_DEVICE || ev == FS_EREVOKED || ev == FS_ETOKEN ||
           ev == FS_ETOKEN_USED || ev == FS_ETOKEN_EXPIRED || ev == FS_EDEPARTED ||
           ev == FS_EVERSION)) {
        /* The device authenticated itself: tell it why it is refused. */
        FS_WARN("handshake refused: %s%s%s", fs_strerror(ev), c->why[0] ? ": " : "",
                c->why);
        send_welcome(c, ev, c->why[0] ? c->why : NULL);
      } else if (c->state == ST_HANDSHAKE && ev == FS_ECRYPTO) {
        /* Message 1 could not be decrypted with our key: say so, so that a
         * device enrolled with another daemon's key is told (and not an
         * overloaded daemon's silent close). */
        send_note_close(c, FS_CHANNEL_NOTE_UNREADABLE, fs_strerror(ev));
      } else {
        conn_close(c, fs_strerror(ev));
      }
      return;
    }
    if (ev == FS_CHANNEL_EV_HELLO) {
      on_hello(c);
    } else if (ev == FS_CHANNEL_EV_MESSAGE) {
      const uint8_t *p;
      size_t n;
      if (fs__channel_message(c->ch, &p, &n) == 0)
        on_message(c, p, n);
    }
  }
  if (len > 0 && c->state != ST_CLOSING) {
    /* Busy: keep the rest (at most one read buffer) for later. */
    uint8_t *p = malloc(len + c->npending);
    if (p == NULL) {
      conn_close(c, "out of memory");
      return;
    }
    if (c->npending)
      memcpy(p, c->pending, c->npending);
    memcpy(p + c->npending, data, len);
    free(c->pending);
    c->pending = p;
    c->npending += len;
  }
  if (c->busy && c->reading) {
    uv_read_stop(&c->u.st);
    c->reading = 0;
  }
}

/* ---- unauthenticated connections: their own budget ------------------- */

/* A handshake note (PROTOCOL.md s.3.2) instead of message 2, then close.
 * Input still unread is dropped first so the close is a FIN, not a reset
 * that could destroy the note before the client reads it. */
static void send_note_close(conn *c, uint8_t note, const char *why) {
  uint8_t frame[FS_FRAME_HEADER_LEN + 1];
  uv_os_fd_t fd;

  if (uv_fileno(&c->u.h, &fd) == 0) {
    uint8_t junk[4096];
    for (int i = 0; i < 16 && recv(fd, junk, sizeof(junk), MSG_DONTWAIT) > 0; i++)
      ;
  }
  fs__frame_header(frame, 1);
  frame[FS_FRAME_HEADER_LEN] = note;
  if (write_raw(c, frame, sizeof(frame)) == 0)
    c->close_after_write = 1;
  conn_close(c, why);
}

/* The source of c for the per-address budget: IPv4 as a v4-mapped IPv6
 * address, IPv6 by its /64 (one subscriber's prefix). */
static void conn_source(conn *c) {
  struct sockaddr_storage ss;
  int len = sizeof(ss);

  memset(c->src, 0, sizeof(c->src));
  if (uv_tcp_getpeername(&c->u.tcp, (struct sockaddr *)&ss, &len) != 0)
    return;
  if (ss.ss_family == AF_INET) {
    c->src[10] = c->src[11] = 0xff;
    memcpy(c->src + 12, &((struct sockaddr_in *)&ss)->sin_addr, 4);
  } else if (ss.ss_family == AF_INET6) {
    const uint8_t *a = ((struct sockaddr_in6 *)&ss)->sin6_addr.s6_addr;
    memcpy(c->src, a,
           IN6_IS_ADDR_V4MAPPED(&((struct sockaddr_in6 *)&ss)->sin6_addr) ? 16 : 8);
  }
}

/* Admits the new device connection c into the unauthenticated budget
 * (OpenSSH MaxStartups start:rate:full, plus a per-address cap).  When
 * something must give, the oldest unauthenticated connection past
 * STARTUP_GRACE_MS that is still waiting for its message 1 is shed (of the
 * same address, for the per-address cap): a real client sends message 1 at
 * once and is through within a round trip, so what waits is a flood.
 * Only when there is none is the newcomer refused.  1: keep c; 0: refuse
 * it.  Authenticated sessions are outside this budget. */
static int startups_admit(fs_server *s, conn *c) {
  const unsigned start = s->cfg.max_startups[0], rate = s->cfg.max_startups[1];
  const unsigned full = s->cfg.max_startups[2];
  conn *o, *oldest = NULL, *oldest_same = NULL;
  unsigned same = 0, n = s->nstartups;

  for (o = s->startups; o; o = o->snext) {
    int stale = o->state == ST_HANDSHAKE && !o->busy &&
                o->accepted_ms + STARTUP_GRACE_MS <= c->accepted_ms;
    int mine = memcmp(o->src, c->src, sizeof(c->src)) == 0;
    same += (unsigned)mine;
    if (stale && oldest == NULL)
      oldest = o;
    if (stale && mine && oldest_same == NULL)
      oldest_same = o;
  }
  if (same >= s->cfg.max_startups_per_source) {
    if (oldest_same == NULL)
      return 0;
    send_note_close(oldest_same, FS_CHANNEL_NOTE_BUSY,
                    "shed: too many unfinished handshakes from its "
                    "address");
    return 1;
  }
  if (n < start)
    return 1;
  if (n < full &&
      randombytes_uniform(100) >= rate + (100 - rate) * (n - start) / (full - start))
    return 1;
  if (oldest == NULL)
    return 0;
  send_note_close(oldest, FS_CHANNEL_NOTE_BUSY, "shed: too many unfinished handshakes");
  return 1;
}

static void startups_add(conn *c) {
  fs_server *s = c->s;

  c->sprev = s->startups_tail;
  c->snext = NULL;
  if (s->startups_tail)
    s->startups_tail->snext = c;
  else
    s->startups = c;
  s->startups_tail = c;
  c->in_startups = 1;
  s->nstartups++;
}

/* ---- accept --------------------------------------------------------- */

static conn *conn_new(fs_server *s, int is_admin) {
  conn *c = calloc(1, sizeof(*c));
  if (c == NULL)
    return NULL;
  c->s = s;
  c->is_admin = is_admin;
  c->state = is_admin ? ST_READY : ST_HANDSHAKE;
  c->deadline = now_ms() + (is_admin ? s->cfg.idle_ms : s->cfg.handshake_ms);
  fs__frame_decoder_init(&c->fd, s->cfg.frame_max);
  c->next = s->conns;
  if (s->conns)
    s->conns->prev = c;
  s->conns = c;
  s->nconns++;
  return c;
}

static void on_conn(uv_stream_t *server, int status) {
  fs_server *s = server->data;
  int is_admin = server == (uv_stream_t *)&s->admin;
  fs_channel_config cc;
  conn *c;
  int rc;

  if (status < 0) {
    FS_WARN("accept failed: %s", uv_strerror(status));
    return;
  }
  c = conn_new(s, is_admin);
  if (c == NULL)
    return;
  if (is_admin)
    rc = uv_pipe_init(s->loop, &c->u.pipe, 0);
  else
    rc = uv_tcp_init(s->loop, &c->u.tcp);
  c->u.h.data = c;
  if (rc) {
    conn_free(c);
    return;
  }
  if (uv_accept(server, &c->u.st) != 0) {
    conn_close(c, "accept failed");
    return;
  }
  if (is_admin && s->nconns > s->cfg.max_conns) {
    conn_close(c, "too many connections");
    return;
  }
  if (s->stopping) {
    conn_close(c, "shutting down");
    return;
  }
  if (!is_admin) {
    c->accepted_ms = now_ms();
    conn_source(c);
    if (s->nconns > s->cfg.max_conns) {
      send_note_close(c, FS_CHANNEL_NOTE_BUSY, "too many connections");
      return;
    }
    if (!startups_admit(s, c)) {
      send_note_close(c, FS_CHANNEL_NOTE_BUSY, NULL);
      return;
    }
    startups_add(c);
    uv_tcp_nodelay(&c->u.tcp, 1);
    memset(&cc, 0, sizeof(cc));
    cc.local = s->key;
    cc.lookup = on_lookup;
    cc.lookup_ud = c;
    cc.replay = &s->replay;
    cc.frame_max = s->cfg.frame_max;
    cc.rekey_interval = s->cfg.rekey_interval;
    if (fs__channel_server_new(&c->ch, &cc) != 0) {
      conn_close(c, "cannot set up channel");
      return;
    }
  }
  if (uv_read_start(&c->u.st, on_alloc, on_read) == 0)
    c->reading = 1;
  else
    conn_close(c, "cannot read");
}

static void on_sweep(uv_timer_t *t) {
  fs_server *s = t->data;
  uint64_t now = now_ms();
  conn *c, *next;

  for (c = s->conns; c; c = next) {
    next = c->next;
    if (c->state == ST_CLOSING || c->busy || c->deadline > now)
      continue;
    conn_close(c, c->state == ST_READY ? "idle timeout" : "handshake timeout");
  }
}

/* ---- covers and loans end by themselves ----------------------------- */

typedef struct expiry_job {
  fs_writer_job job;
  fs_server *s;
  int changed;
} expiry_job;

static int expiry_run(fs_writer_job *job, fs_central *central) {
  expiry_job *ej = (expiry_job *)job;
  int wiped = 0;
  int rc = fs__handover_sweep(central, (int64_t)fs__now_ms(), &ej->changed);
  if (rc == 0)
    rc = fs__wipe_sweep(central, (int64_t)fs__now_ms(), &wiped);
  ej->changed += wiped;
  /* Tombstone collection hourly (every 360th sweep of 10 s). */
  if (rc == 0 && ej->s->expiry_runs++ % 360 == 0) {
    rc = fs__central_gc(central, (int64_t)fs__now_ms(), (int)ej->s->cfg.tombstone_days, NULL,
                        NULL);
    /* Retention (docs/RETENTION.md): the change history is kept
     * history_days, then purged. */
    if (rc == 0)
      rc = fs__history_purge(central, (int64_t)fs__now_ms(), (int)ej->s->cfg.history_days,
                             NULL, NULL, NULL);
  }
  return rc;
}

static void expiry_done(fs_writer_job *job, int rc) {
  expiry_job *ej = (expiry_job *)job;
  fs_server *s = ej->s;

  s->expiry_busy = 0;
  if (rc)
    FS_WARN("cover/loan expiry sweep failed: %s (retried)", fs_strerror(rc));
  else if (ej->changed && s->writer) {
    sessions_recheck(s);
    notify_watchers(s, NULL, NULL, -1, fs__writer_committed_seq(s->writer));
  }
  free(ej);
}

static void on_expiry(uv_timer_t *t) {
  fs_server *s = t->data;
  expiry_job *ej;

  if (s->expiry_busy || s->stopping || s->writer == NULL)
    return;
  ej = calloc(1, sizeof(*ej));
  if (ej == NULL)
    return;
  ej->s = s;
  ej->job.run = expiry_run;
  ej->job.done = expiry_done;
  if (fs__writer_submit(s->writer, &ej->job) == 0)
    s->expiry_busy = 1;
  else
    free(ej);
}

/* ---- lifecycle ------------------------------------------------------ */

int fs__server_init(fs_server **out, uv_loop_t *loop, const fs_config *cfg,
                    const char *datadir) {
  fs_server *s = calloc(1, sizeof(*s));
  char keypath[PATH_MAX];
  int rc;

  *out = NULL;
  if (s == NULL)
    return FS_ENOMEM;
  s->loop = loop;
  s->cfg = *cfg;
  /* Unauthenticated connections must never be able to take every slot. */
  if (s->cfg.max_startups[2] >= s->cfg.max_conns) {
    unsigned full = s->cfg.max_conns / 2 ? s->cfg.max_conns / 2 : 1;
    FS_WARN("max_startups full (%u) is not below max_conns (%u): using %u so that "
            "authenticated devices keep slots",
            s->cfg.max_startups[2], s->cfg.max_conns, full);
    s->cfg.max_startups[2] = full;
    if (s->cfg.max_startups[0] > full)
      s->cfg.max_startups[0] = full;
  }
  uv_mutex_init(&s->rpool_mu);
  snprintf(s->datadir, sizeof(s->datadir), "%s", datadir);
  snprintf(s->dbpath, sizeof(s->dbpath), "%s/central.db", datadir);
  snprintf(s->sockpath, sizeof(s->sockpath), "%s/admin.sock", datadir);
  snprintf(keypath, sizeof(keypath), "%s/daemon.key", datadir);
  rc = fs__keypair_load(&s->key, keypath);
  if (rc) {
    /* A missing key means an unfinished setup; a damaged one must come back
     * from a backup: a new key would orphan every enrolled device. */
    if (access(keypath, F_OK) != 0)
      FS_ERROR("cannot load the daemon key %s: %s (run fieldsyncd init --data %s)", keypath,
               fs_strerror(rc), datadir);
    else
      FS_ERROR("cannot load the daemon key %s: %s; restore it from a backup (mode 0600): "
               "devices are enrolled against this key, a new one would lock them all out",
               keypath, fs_strerror(rc));
    goto out;
  }
  rc = fs__replay_cache_init(&s->replay, 65536);
  if (rc)
    goto out;
  rc = fs__central_open(s->dbpath, 0, &s->central);
  if (rc == FS_EBUSY) {
    FS_ERROR(
        "%s is in use by another fieldsyncd (pid %ld): one daemon per data directory; "
        "stop that one first",
        datadir, fs__central_holder(s->dbpath));
    goto out;
  }
  if (rc) {
    FS_ERROR("cannot open the central store %s: %s", s->dbpath, fs_strerror(rc));
    goto out;
  }
  fs__central_set_wipe_deadline(s->central, (int64_t)cfg->wipe_deadline_days * 86400000LL);
  rc = fs__generation_ensure(s->central, s->generation);
  if (rc == 0)
    rc = fs__store_rd_open(s->dbpath, &s->rd);
  if (rc)
    goto out;
  rc = fs__writer_start(&s->writer, loop, s->central, cfg->writer_queue);
out:
  if (rc) {
    fs__server_free(s);
    return rc;
  }
  *out = s;
  return 0;
}

int fs__server_start(fs_server *s) {
  char host[128];
  int port, rc;
  struct sockaddr_storage ss;
  int namelen = sizeof(ss);

  if (fs__config_split_addr(s->cfg.listen, host, sizeof(host), &port)) {
    FS_ERROR("listen address \"%s\" is not host:port", s->cfg.listen);
    return FS_EINVAL;
  }
  {
    /* Every connection is a descriptor: take all the system allows. */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
      if (rl.rlim_cur < rl.rlim_max) {
        rlim_t was = rl.rlim_cur;
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) == 0)
          FS_INFO("open file limit raised from %llu to %llu", (unsigned long long)was,
                  (unsigned long long)rl.rlim_cur);
        else
          rl.rlim_cur = was;
      }
      if (rl.rlim_cur < (rlim_t)s->cfg.max_conns + 64)
        FS_WARN("open file limit %llu is below max_conns %u + 64: raise it (ulimit -n, "
                "LimitNOFILE=) or lower max_conns",
                (unsigned long long)rl.rlim_cur, s->cfg.max_conns);
    }
  }
  rc = uv_ip4_addr(host, port, (struct sockaddr_in *)&ss);
  if (rc)
    rc = uv_ip6_addr(host, port, (struct sockaddr_in6 *)&ss);
  if (rc) {
    FS_ERROR("listen address \"%s\": not an IP address", s->cfg.listen);
    return FS_EINVAL;
  }
  uv_tcp_init(s->loop, &s->tcp);
  uv_pipe_init(s->loop, &s->admin, 0);
  uv_timer_init(s->loop, &s->sweep);
  uv_timer_init(s->loop, &s->expiry);
  s->started = 1;
  s->tcp.data = s;
  rc = uv_tcp_bind(&s->tcp, (const struct sockaddr *)&ss, 0);
  if (rc == 0)
    rc = uv_listen((uv_stream_t *)&s->tcp, 1024, on_conn);
  if (rc) {
    FS_ERROR("cannot listen on %s: %s", s->cfg.listen, uv_strerror(rc));
    return FS_EIO;
  }
  uv_tcp_getsockname(&s->tcp, (struct sockaddr *)&ss, &namelen);
  s->port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
  s->evict_seen = fs__central_seq(s->central);
  /* With port 0 the kernel chose: tokens must name the real port. */
  if (port == 0)
    snprintf(s->cfg.listen, sizeof(s->cfg.listen), "%.100s:%d", host, s->port);

  unlink(s->sockpath); /* a stale socket from a killed daemon */
  s->admin.data = s;
  rc = uv_pipe_bind(&s->admin, s->sockpath);
  if (rc == 0) {
    chmod(s->sockpath, 0600);
    rc = uv_listen((uv_stream_t *)&s->admin, 64, on_conn);
  }
  if (rc) {
    FS_ERROR("cannot listen on %s: %s", s->sockpath, uv_strerror(rc));
    return FS_EIO;
  }
  s->sweep.data = s;
  uv_timer_start(&s->sweep, on_sweep, 250, 250);
  s->expiry.data = s;
  uv_timer_start(&s->expiry, on_expiry, 0, 10000);
  FS_INFO("serving on %s:%d (admin socket %s)", host, s->port, s->sockpath);
  return 0;
}

int fs__server_port(const fs_server *s) { return s->port; }

/* ---- sessions without socket or channel (server.h) ------------------- */

int fs__server_session_open(fs_server *s, uint64_t device_id, const fs_msg_hello *hello,
                            const fs__session_tap *tap, fs__session **out) {
  conn *c;
  int rc;

  *out = NULL;
  c = conn_new(s, device_id == 0);
  if (c == NULL)
    return FS_ENOMEM;
  /* A handle that is never connected: reads cannot start, close works. */
  uv_tcp_init(s->loop, &c->u.tcp);
  c->u.h.data = c;
  if (device_id == 0) {
    c->tap = *tap;
    *out = c;
    return 0;
  }
  fs__msg_init(&c->hello, FS_MSG_HELLO);
  c->hello.u.hello.want = hello->want;
  c->hello.u.hello.cursor = hello->cursor;
  c->hello.u.hello.outbox = hello->outbox;
  rc = fs__central_device_by_id(s->rd, device_id, &c->dev);
  if (rc == 0)
    rc = session_admit(c);
  if (rc) {
    conn_close(c, NULL);
    return rc;
  }
  c->tap = *tap;
  staff_name(c);
  send_welcome(c, 0, NULL);
  *out = c;
  return 0;
}

int fs__server_session_feed(fs__session *c, const uint8_t *p, size_t n) {
  if (c->state == ST_CLOSING)
    return FS_ECLOSED;
  if (c->busy)
    return FS_EBUSY;
  on_message(c, p, n);
  return 0;
}

int fs__server_idle(const fs_server *s) {
  for (const conn *c = s->conns; c; c = c->next)
    if (c->busy)
      return 0;
  return s->writer == NULL || fs__writer_depth(s->writer) == 0;
}

void fs__server_stop(fs_server *s) {
  conn *c, *next;

  if (s->stopping)
    return;
  s->stopping = 1;
  FS_INFO("stopping: closing %u connections", s->nconns);
  if (s->started) {
    uv_close((uv_handle_t *)&s->tcp, NULL);
    uv_close((uv_handle_t *)&s->admin, NULL);
    uv_close((uv_handle_t *)&s->sweep, NULL);
    uv_close((uv_handle_t *)&s->expiry, NULL);
  }
  for (c = s->conns; c; c = next) {
    next = c->next;
    c->close_after_write = 0;
    conn_close(c, NULL);
  }
  /* Let queued pushes commit and their results be delivered or dropped;
   * the writer's async handle is closed by fs__writer_stop. */
  fs__writer_stop(s->writer);
  s->writer = NULL;
  unlink(s->sockpath);
}

void fs__server_free(fs_server *s) {
  if (s == NULL)
    return;
  fs__writer_stop(s->writer);
  fs__central_free(s->central);
  fs__store_rd_free(s->rd);
  for (int i = 0; i < s->nrpool; i++)
    fs__store_rd_free(s->rpool[i]);
  uv_mutex_destroy(&s->rpool_mu);
  fs__replay_cache_release(&s->replay);
  fs__keypair_free(s->key);
  free(s);
}
