/* server_conn.c - the connection core: reads, back-pressure, the write
 * queue, close and free (server_int.h).
 *
 * At most one request per connection is in flight: while it runs (busy),
 * reads are paused and the bytes already read are kept (at most one read
 * buffer), so a client cannot queue unbounded work.  Reads also pause while
 * more than write_queue_max bytes wait to be sent, and resume below half of
 * it.  A connection is freed once its handle is closed and no write or job
 * holds it (refs).
 */
#include <stdlib.h>
#include <string.h>

#include "fs_assert.h"
#include "fs_errno.h"
#include "hlc.h"
#include "log.h"
#include "server_int.h"

typedef struct wreq {
  uv_write_t req;
  fs__conn *c;
  size_t len;
  uint8_t data[];
} wreq;

void fs__conn_link(fs__conn *c, fs_server *s, const fs__conn_ops *ops, int state,
                   uint64_t timeout_ms) {
  c->s = s;
  c->ops = ops;
  c->state = state;
  c->deadline = fs__now_ms() + timeout_ms;
  c->next = s->conns;
  if (s->conns)
    s->conns->prev = c;
  s->conns = c;
  s->nconns++;
}

void fs__conn_free(fs__conn *c) {
  fs_server *s = c->s;

  if (c->prev)
    c->prev->next = c->next;
  else
    s->conns = c->next;
  if (c->next)
    c->next->prev = c->prev;
  s->nconns--;
  c->ops->release(c);
  free(c->pending);
  if (c->tap.freed)
    c->tap.freed(c->tap.ud);
  free(c);
}

static void on_handle_closed(uv_handle_t *h) {
  fs__conn *c = h->data;
  c->handle_closed = 1;
  if (c->refs == 0)
    fs__conn_free(c);
}

int fs__conn_accept(fs__conn *c, uv_stream_t *server, int init_rc) {
  if (init_rc != 0) {
    fs__conn_free(c);
    return FS_EIO;
  }
  c->u.h.data = c;
  if (uv_accept(server, &c->u.st) != 0) {
    fs__conn_close(c, "accept failed");
    return FS_EIO;
  }
  if (c->s->stopping) {
    fs__conn_close(c, "shutting down");
    return FS_ECLOSED;
  }
  return 0;
}

void fs__conn_close(fs__conn *c, const char *why) {
  const char *who = c->ops->who(c);

  if (why && c->state != FS_ST_CLOSING)
    FS_INFO("closing connection%s%s%s: %s", who[0] ? " of " : "", who, c->ops->tag, why);
  c->state = FS_ST_CLOSING;
  if (c->ops->closing)
    c->ops->closing(c);
  if (c->reading) {
    uv_read_stop(&c->u.st);
    c->reading = 0;
  }
  if (c->close_after_write && c->wq_bytes > 0)
    return;
  if (!uv_is_closing(&c->u.h))
    uv_close(&c->u.h, on_handle_closed);
  else if (c->handle_closed && c->refs == 0)
    fs__conn_free(c);
}

void fs__conn_hold(fs__conn *c) {
  c->refs++;
  c->busy = 1;
}

int fs__conn_unref(fs__conn *c) {
  FS_ASSERT(c->refs > 0); /* every job that unrefs took a ref */
  c->refs--;
  if (c->state == FS_ST_CLOSING) {
    if (c->handle_closed && c->refs == 0)
      fs__conn_free(c);
    else
      fs__conn_close(c, NULL);
    return 1;
  }
  return 0;
}

/* ---- reading --------------------------------------------------------- */

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf) {
  fs__conn *c = h->data;
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
  buf->len = FS_SRV_READ_BUF;
}

/* Feeds input to the connection's type, one message at a time, while no
 * request is in flight; keeps the rest for later. */
static void conn_process(fs__conn *c, const uint8_t *data, size_t len) {
  while (len > 0 && !c->busy && c->state != FS_ST_CLOSING) {
    size_t used = 0;
    c->ops->input(c, data, len, &used);
    data += used;
    len -= used;
  }
  if (len > 0 && c->state != FS_ST_CLOSING) {
    /* Busy: keep the rest (at most one read buffer) for later. */
    uint8_t *p = malloc(len + c->npending);
    if (p == NULL) {
      fs__conn_close(c, "out of memory");
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

static void on_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf) {
  fs__conn *c = st->data;

  if (buf->base == (char *)c->s->readbuf)
    c->s->readbuf_busy = 0;
  if (nread == 0)
    return;
  if (nread < 0) {
    fs__conn_close(c, nread == UV_EOF ? NULL : uv_strerror((int)nread));
    return;
  }
  if (c->state == FS_ST_CLOSING)
    return;
  if (c->state == FS_ST_READY)
    c->deadline = fs__now_ms() + c->s->cfg.idle_ms;
  conn_process(c, (const uint8_t *)buf->base, (size_t)nread);
}

int fs__conn_read_start(fs__conn *c) {
  int rc = uv_read_start(&c->u.st, on_alloc, on_read);
  if (rc == 0)
    c->reading = 1;
  return rc;
}

void fs__conn_resume(fs__conn *c) {
  if (c->state == FS_ST_CLOSING || c->busy)
    return;
  if (c->npending) {
    uint8_t *p = c->pending;
    size_t n = c->npending;
    c->pending = NULL;
    c->npending = 0;
    conn_process(c, p, n);
    free(p);
    if (c->state == FS_ST_CLOSING || c->busy)
      return;
  }
  if (!c->reading && c->wq_bytes <= c->s->cfg.write_queue_max)
    (void)fs__conn_read_start(c);
}

/* ---- writing --------------------------------------------------------- */

static void on_write(uv_write_t *req, int status) {
  wreq *w = (wreq *)req;
  fs__conn *c = w->c;

  c->wq_bytes -= w->len;
  c->refs--;
  free(w);
  if (status < 0 && c->state != FS_ST_CLOSING) {
    fs__conn_close(c, uv_strerror(status));
    return;
  }
  if (c->state == FS_ST_CLOSING) {
    if (c->close_after_write && c->wq_bytes == 0)
      fs__conn_close(c, NULL);
    else if (c->refs == 0 && c->handle_closed)
      fs__conn_close(c, NULL);
    return;
  }
  /* Back-pressure released below half the limit. */
  if (!c->reading && !c->busy && c->wq_bytes < c->s->cfg.write_queue_max / 2)
    fs__conn_resume(c);
}

/* Queues w (its data filled, len set) on c's stream. */
static int write_queue(fs__conn *c, wreq *w) {
  uv_buf_t b = uv_buf_init((char *)w->data, (unsigned)w->len);

  w->c = c;
  if (uv_write(&w->req, &c->u.st, &b, 1, on_write) != 0) {
    free(w);
    return FS_ECLOSED;
  }
  c->refs++;
  c->wq_bytes += w->len;
  return 0;
}

int fs__conn_send_plain(fs__conn *c, const uint8_t *p, size_t n) {
  size_t cap, outlen = 0;
  wreq *w;
  int rc;

  if (c->handle_closed)
    return FS_ECLOSED;
  if (c->tap.msg) {
    c->tap.msg(c->tap.ud, p, n);
    return 0;
  }
  cap = c->ops->sealed_size(c, n);
  w = malloc(sizeof(*w) + cap);
  if (w == NULL)
    return FS_ENOMEM;
  rc = c->ops->seal(c, p, n, w->data, cap, &outlen);
  if (rc) {
    free(w);
    return rc;
  }
  w->len = outlen;
  rc = write_queue(c, w);
  if (rc)
    return rc;
  if (c->reading && c->wq_bytes > c->s->cfg.write_queue_max) {
    uv_read_stop(&c->u.st);
    c->reading = 0;
  }
  return 0;
}

int fs__conn_write_raw(fs__conn *c, const uint8_t *p, size_t n) {
  wreq *w;

  if (c->handle_closed)
    return FS_ECLOSED;
  w = malloc(sizeof(*w) + n);
  if (w == NULL)
    return FS_ENOMEM;
  memcpy(w->data, p, n);
  w->len = n;
  return write_queue(c, w);
}

int fs__conn_send_msg(fs__conn *c, const fs_msg *m) {
  fs_buf b;
  int rc;

  fs__buf_init(&b, FS_MSG_MAX_BYTES);
  rc = fs__msg_encode(m, &b);
  if (rc == 0)
    rc = fs__conn_send_plain(c, b.data, b.len);
  fs__buf_release(&b);
  if (rc)
    FS_WARN("cannot send %s: %s", fs__msg_type_name(m->type), fs_strerror(rc));
  return rc;
}

void fs__conn_error(fs__conn *c, int code, const char *text) {
  fs_msg m;

  fs__msg_init(&m, FS_MSG_ERROR);
  m.u.error.code = code;
  m.u.error.text = (char *)text;
  fs__conn_send_msg(c, &m);
}

void fs__conn_error_close(fs__conn *c, int code, const char *text) {
  fs_msg m;

  fs__msg_init(&m, FS_MSG_ERROR);
  m.u.error.code = code;
  m.u.error.text = (char *)text;
  if (code == FS_EVERSION) {
    m.u.error.nversions = 1;
    m.u.error.versions[0] = FS_MSG_VERSION;
  }
  if (c->ops->can_send(c) && fs__conn_send_msg(c, &m) == 0)
    c->close_after_write = 1;
  fs__conn_close(c, text);
}

/* ---- the fuzzing seam (server.h) ------------------------------------- */

int fs__server_session_feed(fs__session *c, const uint8_t *p, size_t n) {
  if (c->state == FS_ST_CLOSING)
    return FS_ECLOSED;
  if (c->busy)
    return FS_EBUSY;
  c->ops->message(c, p, n);
  return 0;
}

int fs__server_idle(const fs_server *s) {
  for (const fs__conn *c = s->conns; c; c = c->next)
    if (c->busy)
      return 0;
  return s->writer == NULL || fs__writer_depth(s->writer) == 0;
}
