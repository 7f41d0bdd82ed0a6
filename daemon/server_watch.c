/* server_watch.c - NOTIFY to watching sessions, and the re-check of open
 * sessions after rights changed (server_int.h). */
#include <stdlib.h>
#include <string.h>

#include "fs_errno.h"
#include "hlc.h"
#include "log.h"
#include "server_int.h"
#include "store/session.h"

void fs__watch_notify(fs_server *s, fs__conn *origin, char aud[][FS_STAFF_MAX + 1],
                      int naud, uint64_t seq) {
  fs_msg m;

  fs__msg_init(&m, FS_MSG_NOTIFY);
  m.u.notify.seq = seq;
  for (fs__conn *c = s->conns; c; c = c->next) {
    fs__device_conn *d = fs__device_of(c);
    int hit = naud < 0;
    if (d == NULL || c == origin || !d->watch || d->must_wipe ||
        c->state != FS_ST_READY || d->acc == NULL)
      continue;
    for (int i = 0; !hit && i < naud; i++)
      hit = fs__access_owner_ok(d->acc, aud[i]);
    if (hit)
      fs__conn_send_msg(c, &m);
  }
}

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

/* Judges one READY session again: 1 if it was closed. */
static int session_recheck(fs__device_conn *d, char (*aud)[FS_STAFF_MAX + 1], int naud) {
  fs_server *s = d->base.s;
  fs_device now;
  fs_access *a;
  char why[160];
  int rc, shrank = 0;

  rc = fs__standing_now(s->rd, &now, d->dev.id, d->must_wipe, fs__server_wipe_deadline(s),
                        why, sizeof(why));
  if (rc == FS_EREVOKED || rc == FS_EDEPARTED) {
    FS_INFO("device %llu (%s): session closed: %s", (unsigned long long)d->dev.id,
            d->dev.staff, why);
    fs__conn_error_close(&d->base, rc, why);
    return 1;
  }
  if (rc || d->must_wipe)
    return 0; /* a wipe session reads nothing */
  a = malloc(sizeof(*a));
  if (a == NULL || fs__central_access(s->rd, now.staff, (int64_t)fs__now_ms(), a) != 0) {
    free(a);
    return 0;
  }
  if (d->acc)
    shrank = access_shrank(d->acc, a);
  for (int i = 0; !shrank && i < naud; i++)
    shrank =
        d->acc ? fs__access_owner_ok(d->acc, aud[i]) : fs__access_owner_ok(a, aud[i]);
  if (shrank) {
    free(a);
    FS_INFO("device %llu (%s): session closed: its access rights shrank",
            (unsigned long long)d->dev.id, d->dev.staff);
    fs__conn_error_close(
        &d->base, FS_EFORBIDDEN,
        "the records this device may see or write changed (handover, "
        "transfer, cover or loan end); sync again to receive the change");
    return 1;
  }
  free(d->acc);
  d->acc = a;
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
void fs__sessions_recheck(fs_server *s) {
  char(*aud)[FS_STAFF_MAX + 1] = NULL;
  uint64_t head = s->writer ? fs__writer_committed_seq(s->writer) : s->evict_seen;
  int naud = 0, rc, closed = 0;
  fs__conn *c, *next;

  rc = fs__store_evicted_audiences(s->rd, s->evict_seen, &aud, &naud);
  if (rc) {
    FS_WARN("cannot re-check open sessions: %s", fs_strerror(rc));
    return;
  }
  s->evict_seen = head;
  for (c = s->conns; c; c = next) {
    fs__device_conn *d = fs__device_of(c);
    next = c->next;
    if (d == NULL || c->state != FS_ST_READY)
      continue;
    closed += session_recheck(d, aud, naud);
  }
  free(aud);
  if (closed)
    FS_INFO("%d session(s) closed after a change of rights", closed);
}
