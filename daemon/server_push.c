/* server_push.c - PUSH of a READY session: a writer job, answered with
 * PUSH_RESULT only after its group committed (server_int.h, writer.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs_errno.h"
#include "hlc.h"
#include "log.h"
#include "server_int.h"
#include "store/session.h"

typedef struct push_job {
  fs_writer_job job;
  fs__device_conn *d;
  fs_device dev; /* the device as the store says inside the transaction */
  int must_wipe; /* the session's */
  int refused;   /* FS_EREVOKED / FS_EDEPARTED: nothing applied, close */
  char why[160];
  fs_msg msg;
  fs_push_result *results;
  char aud[FS_SRV_NOTIFY_MAX_AUD][FS_STAFF_MAX + 1];
  int naud; /* -1: too many, notify everyone */
  uint64_t seq;
} push_job;

/* The audiences (owners) of the changes applied or merged, for NOTIFY. */
static void push_audiences(push_job *pj) {
  fs_msg_push *p = &pj->msg.u.push;

  for (uint32_t i = 0; i < p->n; i++) {
    int o = pj->results[i].outcome, dup = 0;
    if (o != FS_OUTCOME_APPLIED && o != FS_OUTCOME_MERGED)
      continue;
    for (int k = 0; pj->naud >= 0 && k < pj->naud; k++)
      dup |= strcmp(pj->aud[k], p->changes[i].owner) == 0;
    if (dup || pj->naud < 0)
      continue;
    if (pj->naud == FS_SRV_NOTIFY_MAX_AUD)
      pj->naud = -1;
    else
      snprintf(pj->aud[pj->naud++], FS_STAFF_MAX + 1, "%s", p->changes[i].owner);
  }
}

static int push_run(fs_writer_job *job, fs_central *central) {
  push_job *pj = (push_job *)job;
  fs_msg_push *p = &pj->msg.u.push;
  fs_device now;
  int rc;

  /* The device's standing is read again here, inside the transaction that
   * would apply the push: a revoke, wipe order or departure committed
   * before it is seen, whatever the session was told at its handshake. */
  rc = fs__standing_now(fs__central_rd(central), &now, pj->dev.id, pj->must_wipe,
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
  /* Health of the device for `fieldsyncd devices`.  The device reported its
   * depth before this push; what is left is what this push did not carry. */
  if (rc == 0)
    rc = fs__store_device_pushed(central, pj->dev.id, (int64_t)fs__now_ms(),
                                 p->outbox > p->n ? p->outbox - p->n : 0, p->oldest,
                                 pj->dev.cursor);
  if (rc == 0)
    push_audiences(pj);
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
  fs__device_conn *d = pj->d;
  fs__conn *c = &d->base;
  fs_msg m;
  int wipe;

  if (fs__conn_unref(c)) {
    push_job_free(pj);
    return;
  }
  c->busy = 0;
  if (rc == 0 && pj->refused) {
    FS_WARN("device %llu (%s): push refused: %s", (unsigned long long)d->dev.id,
            d->dev.staff, pj->why);
    fs__conn_error_close(c, pj->refused, pj->why);
    push_job_free(pj);
    return;
  }
  if (rc) {
    /* Nothing of this push was committed: tell the device, which keeps
     * the changes and retries later. */
    char text[200];
    snprintf(text, sizeof(text), "push not stored: %s; the device keeps its changes",
             fs_strerror(rc));
    fs__conn_error(c, rc, text);
  } else {
    d->dev = pj->dev;
    fs__msg_init(&m, FS_MSG_PUSH_RESULT);
    m.u.push_result.results = pj->results;
    m.u.push_result.n = pj->msg.u.push.n;
    fs__conn_send_msg(c, &m);
    if (pj->naud != 0)
      fs__watch_notify(c->s, c, pj->aud, pj->naud, pj->seq);
  }
  wipe = rc == 0 && d->must_wipe && pj->msg.u.push.outbox <= pj->msg.u.push.n;
  push_job_free(pj);
  if (wipe)
    fs__session_send_wipe(d);
  else
    fs__conn_resume(c);
}

void fs__push_handle(fs__device_conn *d, fs_msg *m) {
  fs__conn *c = &d->base;
  push_job *pj = calloc(1, sizeof(*pj));

  if (pj == NULL) {
    fs__conn_error_close(c, FS_ENOMEM, "daemon out of memory");
    fs__msg_release(m);
    return;
  }
  pj->msg = *m;
  memset(m, 0, sizeof(*m));
  pj->d = d;
  pj->dev = d->dev;
  pj->must_wipe = d->must_wipe;
  pj->results = calloc(pj->msg.u.push.n ? pj->msg.u.push.n : 1, sizeof(fs_push_result));
  pj->job.run = push_run;
  pj->job.done = push_done;
  if (pj->results == NULL) {
    push_job_free(pj);
    fs__conn_error_close(c, FS_ENOMEM, "daemon out of memory");
    return;
  }
  if (fs__writer_submit(c->s->writer, &pj->job)) {
    push_job_free(pj);
    fs__conn_error(c, FS_EBUSY, "daemon is busy; retry the push later");
    return;
  }
  fs__conn_hold(c);
}
