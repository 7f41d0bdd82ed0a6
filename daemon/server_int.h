/* server_int.h - private to fieldsyncd's network side (daemon/server*.c).
 *
 * The server is split the way libuv splits stream/tcp/pipe:
 *
 *   server.c          fs_server: init, listeners, timers (idle sweep, cover
 *                     and loan expiry), stop/free, the read-handle pool
 *   server_conn.c     the connection core (fs__conn): reads, read pause and
 *                     resume, the write queue and its back-pressure, close
 *                     and free, job references
 *   server_tcp.c      accepting device connections: the unauthenticated
 *                     budget (max_startups), handshake notes
 *   server_session.c  the device session (fs__device_conn): the state
 *                     machine (diagram there), handshake, enrollment,
 *                     standing, READY dispatch, wipe sessions
 *   server_push.c     PUSH: a writer job (group commit)
 *   server_pull.c     PULL: a thread-pool job on a pool read handle
 *   server_admin.c    the admin socket (fs__admin_conn): ADMIN as writer jobs
 *   server_watch.c    NOTIFY to watchers; sessions judged again after rights
 *                     changed
 *
 * A connection is an fs__conn (the core) embedded first in its type's
 * struct; its ops say how bytes become messages and messages bytes.  Every
 * function here runs on the loop thread unless it says otherwise.
 */
#ifndef FS_SERVER_INT_H
#define FS_SERVER_INT_H

#include <limits.h>
#include <stdint.h>
#include <uv.h>

#include "access.h"
#include "channel.h"
#include "config.h"
#include "frame.h"
#include "keys.h"
#include "msg.h"
#include "server.h"
#include "store/central.h"
#include "store/generation.h"
#include "token.h"
#include "writer.h"

#define FS_SRV_READ_BUF 65536
#define FS_SRV_NOTIFY_MAX_AUD 16
#define FS_SRV_RPOOL_MAX 8

/* Connection states (the device session's machine: server_session.c). */
enum { FS_ST_HANDSHAKE = 1, FS_ST_ENROLLING, FS_ST_READY, FS_ST_CLOSING };

typedef struct fs__conn fs__conn;
typedef struct fs__device_conn fs__device_conn;
typedef struct fs__admin_conn fs__admin_conn;

/* What a connection type does with bytes and messages. */
typedef struct fs__conn_ops {
  const char *tag; /* appended to its log lines: "" or " (admin)" */
  /* Consumes input p[0..n): sets *used and dispatches at most one message;
   * may close c. */
  void (*input)(fs__conn *c, const uint8_t *p, size_t n, size_t *used);
  /* Dispatches one plaintext message (the fuzzing seam, server.h). */
  void (*message)(fs__conn *c, const uint8_t *p, size_t n);
  /* Bytes on the wire for a message of n bytes, and the sealing. */
  size_t (*sealed_size)(fs__conn *c, size_t n);
  int (*seal)(fs__conn *c, const uint8_t *p, size_t n, uint8_t *out, size_t cap,
              size_t *outlen);
  /* 1 if an ERROR message can be sent now (a channel is open). */
  int (*can_send)(fs__conn *c);
  /* The connection starts closing (may be NULL). */
  void (*closing)(fs__conn *c);
  /* Frees what the type owns, not c itself. */
  void (*release)(fs__conn *c);
  /* The staff code for log lines ("" if none). */
  const char *(*who)(const fs__conn *c);
} fs__conn_ops;

/* The connection core. */
struct fs__conn {
  fs_server *s;
  const fs__conn_ops *ops;
  union {
    uv_handle_t h;
    uv_stream_t st;
    uv_tcp_t tcp;
    uv_pipe_t pipe;
  } u;
  int state;
  int busy; /* a request is in flight: reads paused */
  int refs; /* writes and jobs holding c */
  int handle_closed;
  int reading;
  uint8_t *pending; /* unprocessed input while busy (one read buffer) */
  size_t npending;
  size_t wq_bytes;   /* bytes queued for writing */
  uint64_t deadline; /* handshake deadline or idle deadline (ms) */
  int close_after_write;
  fs__session_tap tap; /* tap.msg set: a session without socket or channel */
  fs__conn *prev, *next;
};

/* A device connection: handshake, then a session. */
struct fs__device_conn {
  fs__conn base; /* first */
  fs_channel *ch;
  fs_device dev;
  char staff_name[128];
  fs_token *enroll; /* token presented in HELLO (sodium_malloc) */
  fs_msg hello;
  fs_access *acc; /* for NOTIFY filtering; refreshed on pull */
  int watch;
  int must_wipe;   /* departed staff or revoked with --wipe */
  int refuse_wipe; /* refused: its wipe order's final upload is over */
  char why[256];   /* refusal text for WELCOME */
  uint64_t accepted_ms;
  int in_startups; /* on s->startups */
  fs__device_conn *sprev, *snext;
  uint8_t src[16]; /* source address (IPv6: its /64), for the budget */
  /* gc_floor when this connection pulled from cursor 0, plus one (0: no
   * snapshot here): pages of that snapshot may sit below a floor that has
   * not moved since, they lost nothing to the GC. */
  uint64_t snap_floor1;
};

/* An admin-socket connection: plaintext frames, ADMIN messages only. */
struct fs__admin_conn {
  fs__conn base; /* first */
  fs_frame_decoder fd;
};

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
  fs_store_rd *rpool[FS_SRV_RPOOL_MAX];
  int nrpool;
  uv_tcp_t tcp;
  uv_pipe_t admin;
  uv_timer_t sweep;
  uv_timer_t expiry; /* covers and loans start and end by themselves */
  int expiry_busy;
  unsigned expiry_runs;
  fs__conn *conns;
  unsigned nconns;
  /* Unauthenticated device connections (HANDSHAKE, ENROLLING), oldest
   * first: their own budget (max_startups, per source address). */
  fs__device_conn *startups, *startups_tail;
  unsigned nstartups;
  uint64_t evict_seen; /* journal seq up to which evictions were checked */
  int stopping;
  int started; /* handles initialised by fs__server_start */
  int port;
  uint8_t readbuf[FS_SRV_READ_BUF];
  int readbuf_busy;
};

/* ---- server.c -------------------------------------------------------- */

/* A read handle for a thread-pool job (any thread); back with _put. */
int fs__rpool_get(fs_server *s, fs_store_rd **out);
void fs__rpool_put(fs_server *s, fs_store_rd *r);
/* The configured wipe deadline in ms (any thread: reads s->cfg). */
int64_t fs__server_wipe_deadline(const fs_server *s);

/* ---- server_conn.c: the connection core ------------------------------ */

/* Links c (zeroed, of its type's size) into s with ops, in state, with a
 * deadline timeout_ms from now.  The handle is the caller's to init. */
void fs__conn_link(fs__conn *c, fs_server *s, const fs__conn_ops *ops, int state,
                   uint64_t timeout_ms);
/* Frees c at once (a handle that was never initialised). */
void fs__conn_free(fs__conn *c);
/* Accepts a connection from server into c, whose handle init returned
 * init_rc.  0: c is open; else c is freed or closing (nothing more to do).
 * Refuses (closes) while the server stops. */
int fs__conn_accept(fs__conn *c, uv_stream_t *server, int init_rc);
/* Closes c; why (if given) is logged.  Safe to call twice.  With
 * close_after_write set, waits for queued writes first. */
void fs__conn_close(fs__conn *c, const char *why);
/* Starts reading.  0 or a libuv error. */
int fs__conn_read_start(fs__conn *c);
/* A job starts for c: it holds a reference and reads pause. */
void fs__conn_hold(fs__conn *c);
/* Drops a job's hold on c: 1 if c is closing (the job must not touch it
 * any more; it is freed when nothing else holds it), else 0. */
int fs__conn_unref(fs__conn *c);
/* Processes pending input, then reads again (unless busy or closing). */
void fs__conn_resume(fs__conn *c);
/* Sends plaintext message bytes, sealed by the type.  0, FS_ECLOSED,
 * FS_ENOMEM or a sealing error. */
int fs__conn_send_plain(fs__conn *c, const uint8_t *p, size_t n);
/* Queues bytes as they are (handshake message 2, handshake notes). */
int fs__conn_write_raw(fs__conn *c, const uint8_t *p, size_t n);
/* Encodes and sends m (failures are logged). */
int fs__conn_send_msg(fs__conn *c, const fs_msg *m);
/* Sends ERROR{code,text} and closes after it is written. */
void fs__conn_error_close(fs__conn *c, int code, const char *text);
/* Sends ERROR{code,text} and stays open. */
void fs__conn_error(fs__conn *c, int code, const char *text);

/* ---- server_tcp.c: accepting devices ---------------------------------- */

void fs__tcp_on_conn(uv_stream_t *server, int status);
/* Takes d off the unauthenticated budget (idempotent). */
void fs__startups_remove(fs__device_conn *d);
/* Sends a handshake note (PROTOCOL.md s.3.2) instead of message 2, then
 * closes d (why is logged). */
void fs__device_note_close(fs__device_conn *d, uint8_t note, const char *why);

/* ---- server_session.c: the device session ---------------------------- */

extern const fs__conn_ops fs__device_ops;
/* A new device connection in HANDSHAKE, linked into s; NULL if out of
 * memory.  The caller inits its handle. */
fs__device_conn *fs__device_new(fs_server *s);
/* Sets up d's Noise channel (server side; HELLO judged by the session). */
int fs__device_channel(fs__device_conn *d);
/* d if c is a device connection, else NULL. */
fs__device_conn *fs__device_of(fs__conn *c);
/* Re-reads device id on r and judges whether a session opened with
 * must_wipe may go on.  0, FS_EREVOKED / FS_EDEPARTED with the reason in
 * why, or a storage error (why says so).  Any thread. */
int fs__standing_now(fs_store_rd *r, fs_device *now, uint64_t id, int must_wipe,
                     int64_t deadline_ms, char *why, size_t len);
/* Sends WIPE, marks the device wiped, closes after the write. */
void fs__session_send_wipe(fs__device_conn *d);

/* ---- server_push.c / server_pull.c ----------------------------------- */

/* Take m's contents (m is left empty). */
void fs__push_handle(fs__device_conn *d, fs_msg *m);
void fs__pull_handle(fs__device_conn *d, const fs_msg_pull *p);
/* The model generation a PULL answer is cut to, from HELLO `model`: 0
 * (absent, release 0.1.0) is 1; above this build's, this build's. */
int fs__pull_model(uint64_t hello_model);

/* ---- server_admin.c -------------------------------------------------- */

void fs__admin_on_conn(uv_stream_t *server, int status);
/* A new admin connection in READY, linked into s; NULL if out of memory. */
fs__admin_conn *fs__admin_new(fs_server *s);

/* ---- server_watch.c -------------------------------------------------- */

/* Sends NOTIFY{seq} to watching READY sessions but origin that may read
 * one of the naud audiences (naud < 0: everyone). */
void fs__watch_notify(fs_server *s, fs__conn *origin, char aud[][FS_STAFF_MAX + 1],
                      int naud, uint64_t seq);
/* Judges every READY device session again from the store (after an admin
 * change, a sweep, a device marked wiped); closes those that lost standing
 * or rights. */
void fs__sessions_recheck(fs_server *s);

#endif
