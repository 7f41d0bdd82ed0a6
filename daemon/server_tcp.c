/* server_tcp.c - accepting device connections, and the budget of
 * unauthenticated ones (server_int.h).
 *
 * Unauthenticated connections (HANDSHAKE, ENROLLING) have their own budget
 * (max_startups start:rate:full, max_startups_per_source; PROTOCOL.md
 * s.3.2): over it, the oldest one still waiting for message 1 past a 1 s
 * grace is shed, else the newcomer is refused, each with the BUSY
 * handshake note.
 */
#include <string.h>
#include <sys/socket.h>

#include <sodium.h>

#include "fs_errno.h"
#include "hlc.h"
#include "log.h"
#include "server_int.h"

/* An unauthenticated connection younger than this is never shed in favour
 * of a newcomer: a real client's message 1 arrives within a round trip. */
#define STARTUP_GRACE_MS 1000

void fs__startups_remove(fs__device_conn *d) {
  fs_server *s = d->base.s;

  if (!d->in_startups)
    return;
  if (d->sprev)
    d->sprev->snext = d->snext;
  else
    s->startups = d->snext;
  if (d->snext)
    d->snext->sprev = d->sprev;
  else
    s->startups_tail = d->sprev;
  d->sprev = d->snext = NULL;
  d->in_startups = 0;
  s->nstartups--;
}

static void startups_add(fs__device_conn *d) {
  fs_server *s = d->base.s;

  d->sprev = s->startups_tail;
  d->snext = NULL;
  if (s->startups_tail)
    s->startups_tail->snext = d;
  else
    s->startups = d;
  s->startups_tail = d;
  d->in_startups = 1;
  s->nstartups++;
}

/* A handshake note (PROTOCOL.md s.3.2) instead of message 2, then close.
 * Input still unread is dropped first so the close is a FIN, not a reset
 * that could destroy the note before the client reads it. */
void fs__device_note_close(fs__device_conn *d, uint8_t note, const char *why) {
  fs__conn *c = &d->base;
  uint8_t frame[FS_FRAME_HEADER_LEN + 1];
  uv_os_fd_t fd;

  if (uv_fileno(&c->u.h, &fd) == 0) {
    uint8_t junk[4096];
    for (int i = 0; i < 16 && recv(fd, junk, sizeof(junk), MSG_DONTWAIT) > 0; i++)
      ;
  }
  fs__frame_header(frame, 1);
  frame[FS_FRAME_HEADER_LEN] = note;
  if (fs__conn_write_raw(c, frame, sizeof(frame)) == 0)
    c->close_after_write = 1;
  fs__conn_close(c, why);
}

/* The source of d for the per-address budget: IPv4 as a v4-mapped IPv6
 * address, IPv6 by its /64 (one subscriber's prefix). */
static void conn_source(fs__device_conn *d) {
  struct sockaddr_storage ss;
  int len = sizeof(ss);

  memset(d->src, 0, sizeof(d->src));
  if (uv_tcp_getpeername(&d->base.u.tcp, (struct sockaddr *)&ss, &len) != 0)
    return;
  if (ss.ss_family == AF_INET) {
    d->src[10] = d->src[11] = 0xff;
    memcpy(d->src + 12, &((struct sockaddr_in *)&ss)->sin_addr, 4);
  } else if (ss.ss_family == AF_INET6) {
    const uint8_t *a = ((struct sockaddr_in6 *)&ss)->sin6_addr.s6_addr;
    memcpy(d->src, a,
           IN6_IS_ADDR_V4MAPPED(&((struct sockaddr_in6 *)&ss)->sin6_addr) ? 16 : 8);
  }
}

/* Admits the new device connection d into the unauthenticated budget
 * (OpenSSH MaxStartups start:rate:full, plus a per-address cap).  When
 * something must give, the oldest unauthenticated connection past
 * STARTUP_GRACE_MS that is still waiting for its message 1 is shed (of the
 * same address, for the per-address cap): a real client sends message 1 at
 * once and is through within a round trip, so what waits is a flood.
 * Only when there is none is the newcomer refused.  1: keep d; 0: refuse
 * it.  Authenticated sessions are outside this budget. */
static int startups_admit(fs_server *s, fs__device_conn *d) {
  const unsigned start = s->cfg.max_startups[0], rate = s->cfg.max_startups[1];
  const unsigned full = s->cfg.max_startups[2];
  fs__device_conn *o, *oldest = NULL, *oldest_same = NULL;
  unsigned same = 0, n = s->nstartups;

  for (o = s->startups; o; o = o->snext) {
    int stale = o->base.state == FS_ST_HANDSHAKE && !o->base.busy &&
                o->accepted_ms + STARTUP_GRACE_MS <= d->accepted_ms;
    int mine = memcmp(o->src, d->src, sizeof(d->src)) == 0;
    same += (unsigned)mine;
    if (stale && oldest == NULL)
      oldest = o;
    if (stale && mine && oldest_same == NULL)
      oldest_same = o;
  }
  if (same >= s->cfg.max_startups_per_source) {
    if (oldest_same == NULL)
      return 0;
    fs__device_note_close(oldest_same, FS_CHANNEL_NOTE_BUSY,
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
  fs__device_note_close(oldest, FS_CHANNEL_NOTE_BUSY,
                        "shed: too many unfinished handshakes");
  return 1;
}

/* A device connection was accepted on the TCP listener: budget, channel,
 * reading. */
void fs__tcp_on_conn(uv_stream_t *server, int status) {
  fs_server *s = server->data;
  fs__device_conn *d;
  fs__conn *c;

  if (status < 0) {
    FS_WARN("accept failed: %s", uv_strerror(status));
    return;
  }
  d = fs__device_new(s);
  if (d == NULL)
    return;
  c = &d->base;
  if (fs__conn_accept(c, server, uv_tcp_init(s->loop, &c->u.tcp)) != 0)
    return;
  d->accepted_ms = fs__now_ms();
  conn_source(d);
  if (s->nconns > s->cfg.max_conns) {
    fs__device_note_close(d, FS_CHANNEL_NOTE_BUSY, "too many connections");
    return;
  }
  if (!startups_admit(s, d)) {
    fs__device_note_close(d, FS_CHANNEL_NOTE_BUSY, NULL);
    return;
  }
  startups_add(d);
  uv_tcp_nodelay(&c->u.tcp, 1);
  if (fs__device_channel(d) != 0) {
    fs__conn_close(c, "cannot set up channel");
    return;
  }
  if (fs__conn_read_start(c) != 0)
    fs__conn_close(c, "cannot read");
}
