/* server.h - fieldsyncd's network side: libuv TCP server for devices and a
 * Unix-socket admin endpoint.
 *
 * Devices connect over TCP (Noise channel, handshake, then a session: the
 * state machine and its diagram are in server_session.c); the admin socket
 * DATA/admin.sock takes plaintext ADMIN frames (server_admin.c).  Writes go
 * through the one writer thread (writer.h, group commit), pulls run on the
 * libuv thread pool with read handles of their own.  How the pieces split
 * is described in server_int.h.
 *
 * Unauthenticated connections (HANDSHAKE, ENROLLING) have their own budget
 * (max_startups start:rate:full, max_startups_per_source; PROTOCOL.md s.3.2):
 * over it, the oldest one still waiting for message 1 past a 1 s grace is
 * shed, else the newcomer is refused, each with the BUSY handshake note.
 *
 * A device's standing (device and staff status, wipe order and its
 * deadline) is read from the store for every request, not only at the
 * handshake: PUSH inside the writer transaction, PULL in its pool job, PING
 * on the loop.  A session under a wipe order may only PUSH, PING and BYE and
 * is never sent NOTIFY.  After every successful admin command and every
 * sweep that changed something, and after a device was marked wiped (a
 * sibling session's final upload ended), all READY sessions are judged
 * again and those that lost standing or rights are sent ERROR and closed.
 *
 * At most one request per connection is in flight: while it runs, reads
 * are paused (pending bytes kept, at most one read buffer), so a client
 * cannot queue unbounded work.  Reads also pause while more than
 * write_queue_max bytes wait to be sent (back-pressure), and resume below
 * half of it.  Every buffer is bounded by the frame maximum.
 */
#ifndef FS_SERVER_H
#define FS_SERVER_H

#include <uv.h>

#include "config.h"
#include "msg.h"

/* Per PULL answer, at most this many CONFLICTS items and NOTICEs.  A page
 * that has more ends early (CHECKPOINT cursor lowered, `more` set); the
 * items of one seq are never split, so a page may exceed the bound by the
 * rest of one change's conflicts (PROTOCOL.md 5.5.14, 5.5.15). */
#define FS_PULL_CONFLICTS_MAX 1000
#define FS_PULL_NOTICES_MAX 100

typedef struct fs_server fs_server;

/* Opens the store and key in datadir and prepares the listeners (does not
 * listen yet).  0 or an fs_errno with a logged explanation. */
int fs__server_init(fs_server **out, uv_loop_t *loop, const fs_config *cfg,
                    const char *datadir);
/* Binds and listens (TCP and DATA/admin.sock).  0, FS_EIO (address in use...). */
int fs__server_start(fs_server *s);
/* Graceful stop: stop accepting, close connections, let the writer finish
 * and commit; the loop then runs out.  Idempotent. */
void fs__server_stop(fs_server *s);
/* Frees everything after the loop has ended.  Takes NULL. */
void fs__server_free(fs_server *s);
/* The port actually bound (for listen on port 0 in tests). */
int fs__server_port(const fs_server *s);

/* ---- sessions without socket or channel (tests/fuzz/fuzz_session.c) ----
 * The seam where a decoded message is dispatched for a session: a fuzzer
 * drives the state machine above past the handshake, against a server made
 * by fs__server_init (fs__server_start is not needed), on the loop thread. */
/* A connection (a device session or an admin connection). */
typedef struct fs__conn fs__session;
typedef struct fs__session_tap {
  /* Each message the daemon sends the session, as plaintext msgpack. */
  void (*msg)(void *ud, const uint8_t *p, size_t n);
  /* The session is gone (closed and freed): no call for it after this. */
  void (*freed)(void *ud);
  void *ud;
} fs__session_tap;

/* Opens a session for enrolled device device_id as if its handshake with
 * hello (want, cursor, outbox) had just succeeded: judged from the store like
 * a handshake, WELCOME delivered to tap.  device_id 0 opens an admin-socket
 * session (ADMIN only; hello ignored).  *out stays valid until tap.freed.
 * 0, FS_EUNKNOWN_DEVICE, FS_EREVOKED, FS_EDEPARTED (nothing opened, no call
 * of tap), FS_ENOMEM. */
int fs__server_session_open(fs_server *s, uint64_t device_id, const fs_msg_hello *hello,
                            const fs__session_tap *tap, fs__session **out);
/* Dispatches one message (plaintext msgpack, as the channel hands it over).
 * 0; FS_EBUSY while the session's request is in flight (run the loop);
 * FS_ECLOSED once it is closing. */
int fs__server_session_feed(fs__session *c, const uint8_t *p, size_t n);
/* 1 when no session has a request in flight and the writer is idle. */
int fs__server_idle(const fs_server *s);

#endif
