/* server_admin.c - the admin socket (DATA/admin.sock): plaintext frames,
 * ADMIN messages only, each run as a writer job (server_int.h, admin.h).
 *
 * An admin connection is READY from its accept; it has no handshake (the
 * socket is the owner's only, mode 0600).  After a command that changed
 * the store, every device session is judged again and watchers are told.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "fs_errno.h"
#include "log.h"
#include "server_int.h"
#include "store/session.h"

typedef struct admin_job {
  fs_writer_job job;
  fs__admin_conn *a;
  fs_msg req;
  fs_msg res;
  int wrote; /* the command changed rows: rights and views may have moved */
} admin_job;

static int admin_run(fs_writer_job *job, fs_central *central) {
  admin_job *aj = (admin_job *)job;
  fs_server *s = aj->a->base.s;
  fs_admin_ctx ctx;
  uint64_t before;
  int rc;

  ctx.c = central;
  ctx.cfg = &s->cfg;
  ctx.daemon_pub = s->key->pub;
  ctx.actor = "admin";
  fs__msg_init(&aj->res, FS_MSG_ADMIN_RESULT);
  before = fs__store_write_mark(central);
  rc = fs__admin_exec(&ctx, &aj->req.u.admin, &aj->res.u.admin_result);
  /* Decided from what the store did, not from the command's name: a
   * listing writes nothing and needs no session re-check or NOTIFY. */
  aj->wrote = fs__store_write_mark(central) != before;
  return rc;
}

static void admin_done(fs_writer_job *job, int rc) {
  admin_job *aj = (admin_job *)job;
  fs__conn *c = &aj->a->base;

  if (!fs__conn_unref(c)) {
    c->busy = 0;
    if (rc) {
      fs__msg_release(&aj->res);
      fs__msg_init(&aj->res, FS_MSG_ADMIN_RESULT);
      aj->res.u.admin_result.code = rc;
      aj->res.u.admin_result.text = strdup(fs_strerror(rc));
    }
    fs__conn_send_msg(c, &aj->res);
    /* Administrative changes (handover, loans...) may concern anyone:
     * sessions whose rights shrank are closed first, the others told. */
    if (rc == 0 && aj->res.u.admin_result.ok && aj->wrote) {
      fs__sessions_recheck(c->s);
      fs__watch_notify(c->s, NULL, NULL, -1, fs__writer_committed_seq(c->s->writer));
    }
    fs__conn_resume(c);
  }
  fs__msg_release(&aj->req);
  fs__msg_release(&aj->res);
  free(aj);
}

static void handle_admin(fs__admin_conn *a, fs_msg *m) {
  fs__conn *c = &a->base;
  admin_job *aj = calloc(1, sizeof(*aj));

  if (aj == NULL) {
    fs__msg_release(m);
    fs__conn_error_close(c, FS_ENOMEM, "daemon out of memory");
    return;
  }
  aj->req = *m;
  memset(m, 0, sizeof(*m));
  aj->a = a;
  aj->job.run = admin_run;
  aj->job.done = admin_done;
  if (fs__writer_submit(c->s->writer, &aj->job)) {
    fs__msg_release(&aj->req);
    free(aj);
    fs__conn_error_close(c, FS_EBUSY, "daemon is busy; retry");
    return;
  }
  fs__conn_hold(c);
}

/* ---- the admin connection type --------------------------------------- */

static void admin_message(fs__conn *c, const uint8_t *p, size_t n) {
  fs_msg m;
  char text[160];
  int rc;

  rc = fs__msg_decode(p, n, &m);
  if (rc) {
    snprintf(text, sizeof(text), "malformed message (%s); closing", fs_strerror(rc));
    fs__conn_error_close(c, rc, text);
    return;
  }
  if (m.type == FS_MSG_ADMIN)
    handle_admin((fs__admin_conn *)c, &m);
  else
    fs__conn_error_close(c, FS_EPROTO, "the admin socket takes ADMIN messages only");
  fs__msg_release(&m);
}

static void admin_input(fs__conn *c, const uint8_t *p, size_t n, size_t *used) {
  fs__admin_conn *a = (fs__admin_conn *)c;
  uint8_t *body;
  size_t len;
  int ev = fs__frame_feed(&a->fd, p, n, used);

  if (ev < 0) {
    fs__conn_error_close(c, ev, "bad frame on admin socket");
    return;
  }
  if (ev == 1 && fs__frame_body(&a->fd, &body, &len) == 0)
    admin_message(c, body, len);
}

static size_t admin_sealed_size(fs__conn *c, size_t n) {
  (void)c;
  return n + FS_FRAME_HEADER_LEN;
}

static int admin_seal(fs__conn *c, const uint8_t *p, size_t n, uint8_t *out, size_t cap,
                      size_t *outlen) {
  (void)c;
  if (cap < n + FS_FRAME_HEADER_LEN)
    return FS_ETOOBIG;
  fs__frame_header(out, (uint32_t)n);
  memcpy(out + FS_FRAME_HEADER_LEN, p, n);
  *outlen = n + FS_FRAME_HEADER_LEN;
  return 0;
}

static int admin_can_send(fs__conn *c) {
  (void)c;
  return 1;
}

static void admin_release(fs__conn *c) {
  fs__frame_decoder_release(&((fs__admin_conn *)c)->fd);
}

static const char *admin_who(const fs__conn *c) {
  (void)c;
  return "";
}

static const fs__conn_ops admin_ops = {
    .tag = " (admin)",
    .input = admin_input,
    .message = admin_message,
    .sealed_size = admin_sealed_size,
    .seal = admin_seal,
    .can_send = admin_can_send,
    .closing = NULL,
    .release = admin_release,
    .who = admin_who,
};

fs__admin_conn *fs__admin_new(fs_server *s) {
  fs__admin_conn *a = calloc(1, sizeof(*a));

  if (a == NULL)
    return NULL;
  fs__conn_link(&a->base, s, &admin_ops, FS_ST_READY, s->cfg.idle_ms);
  fs__frame_decoder_init(&a->fd, s->cfg.frame_max);
  return a;
}

void fs__admin_on_conn(uv_stream_t *server, int status) {
  fs_server *s = server->data;
  fs__admin_conn *a;
  fs__conn *c;

  if (status < 0) {
    FS_WARN("accept failed: %s", uv_strerror(status));
    return;
  }
  a = fs__admin_new(s);
  if (a == NULL)
    return;
  c = &a->base;
  if (fs__conn_accept(c, server, uv_pipe_init(s->loop, &c->u.pipe, 0)) != 0)
    return;
  if (s->nconns > s->cfg.max_conns) {
    fs__conn_close(c, "too many connections");
    return;
  }
  if (fs__conn_read_start(c) != 0)
    fs__conn_close(c, "cannot read");
}
