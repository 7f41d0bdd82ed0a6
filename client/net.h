/* net.h - the client's side of a connection to fieldsyncd: a blocking TCP
 * socket with timeouts, the Noise channel and the message codec.
 *
 * A mobile app runs sync on a worker thread of its own, so blocking I/O with
 * poll() timeouts is the simplest correct model here; the daemon is the one
 * that must multiplex thousands of peers.
 *
 *   fs__net_open --TCP--> handshake (HELLO in msg 1, WELCOME in msg 2)
 *     --ok--> OPEN: fs__net_send / fs__net_recv (one message each)
 *     --WELCOME ok=false--> error code from the daemon, text in err
 *   fs__net_close
 */
#ifndef FS_CLIENT_NET_H
#define FS_CLIENT_NET_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "channel.h"
#include "msg.h"

typedef struct fs_net {
  int fd;
  fs_channel *ch;
  int timeout_ms;
  uint8_t *in;        /* read buffer (FS_NET_READ) */
  size_t in_off, in_len;
  fs_buf out;         /* encode buffer, max FS_MSG_MAX_BYTES */
  uint8_t *sealed;    /* encrypt buffer */
  size_t sealed_cap;
  uint64_t bytes_in, bytes_out;
  char err[512];
  int refused_wipe; /* refused with WELCOME wipe true: erase the replica */
} fs_net;

/* Connects to addr ("host:port"), runs the handshake with keypair `local`
 * against the daemon key server_pub, sending hello; fills *welcome (release
 * with fs__msg_release).  Returns 0; FS_ECONN (cannot connect), FS_ETIMEDOUT,
 * FS_ECRYPTO (wrong daemon key), the daemon's refusal code from WELCOME
 * (FS_EUNKNOWN_DEVICE, FS_EREVOKED, FS_ETOKEN*..., FS_EVERSION), FS_EPROTO.
 * On error n->err explains (a refusal: "daemon refused this device: " or,
 * for FS_EVERSION, "daemon refused this app's protocol version: ", then
 * the daemon's text) and the connection is closed. */
int fs__net_open(fs_net *n, const char *addr, const fs_keypair *local,
                 const uint8_t server_pub[32], const fs_msg *hello, int timeout_ms,
                 fs_msg *welcome);
/* fs__net_open with HELLO already encoded (hello, len bytes, sent as is):
 * for tests that speak another protocol version. */
int fs__net_open_raw(fs_net *n, const char *addr, const fs_keypair *local,
                     const uint8_t server_pub[32], const uint8_t *hello, size_t len,
                     int timeout_ms, fs_msg *welcome);
/* Sends one message.  0, FS_ECLOSED, FS_ETIMEDOUT, encode errors. */
int fs__net_send(fs_net *n, const fs_msg *m);
/* Sends raw plaintext (an already encoded message). */
int fs__net_send_raw(fs_net *n, const uint8_t *p, size_t len);
/* Receives one message into *m (release it).  timeout_ms < 0: the
 * connection's default; 0: poll only (FS_EAGAIN if nothing is there).
 * FS_ECLOSED, FS_ETIMEDOUT, FS_EREPLAY (tampered), decode errors. */
int fs__net_recv(fs_net *n, fs_msg *m, int timeout_ms);
/* The socket, for poll() in watch loops. */
int fs__net_fd(const fs_net *n);
/* 1 if bytes already read from the socket wait in n's buffer (a message
 * that came in the same read as the one before it): poll() on the fd does
 * not see them, so a caller waiting for readability asks this first. */
int fs__net_buffered(const fs_net *n);
void fs__net_close(fs_net *n); /* takes NULL; idempotent */

#endif
