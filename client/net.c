/* net.c - blocking client connection with timeouts (net.h). */
#include "net.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fs_errno.h"
#include "hlc.h"

#define FS_NET_READ 65536

static int wait_fd(int fd, short ev, int timeout_ms) {
  struct pollfd p = {fd, ev, 0};
  int rc;
  do
    rc = poll(&p, 1, timeout_ms);
  while (rc < 0 && errno == EINTR);
  if (rc == 0)
    return FS_ETIMEDOUT;
  if (rc < 0)
    return FS_EIO;
  return 0;
}

static int connect_addr(fs_net *n, const char *addr, int timeout_ms) {
  char host[256], port[16];
  const char *colon = strrchr(addr, ':');
  struct addrinfo hints, *res = NULL, *ai;
  int fd = -1, rc = FS_ECONN;

  if (colon == NULL || colon == addr || (size_t)(colon - addr) >= sizeof(host) ||
      strlen(colon + 1) >= sizeof(port)) {
    snprintf(n->err, sizeof(n->err), "daemon address \"%.200s\" is not host:port", addr);
    return FS_EINVAL;
  }
  memcpy(host, addr, (size_t)(colon - addr));
  host[colon - addr] = '\0';
  snprintf(port, sizeof(port), "%s", colon + 1);
  memset(&hints, 0, sizeof(hints));
  hints.ai_socktype = SOCK_STREAM;
  if (getaddrinfo(host, port, &hints, &res) != 0) {
    snprintf(n->err, sizeof(n->err), "cannot resolve %.200s", host);
    return FS_ECONN;
  }
  for (ai = res; ai; ai = ai->ai_next) {
    int one = 1, soerr = 0;
    socklen_t sl = sizeof(soerr);
    fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0)
      continue;
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0 && errno != EINPROGRESS) {
      close(fd);
      fd = -1;
      continue;
    }
    rc = wait_fd(fd, POLLOUT, timeout_ms);
    if (rc == 0 && (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0 || soerr != 0))
      rc = FS_ECONN;
    if (rc) {
      close(fd);
      fd = -1;
      continue;
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    break;
  }
  freeaddrinfo(res);
  if (fd < 0) {
    snprintf(
        n->err, sizeof(n->err),
        "cannot connect to %.200s: %s; check that fieldsyncd runs there and that the "
        "network is up, then retry (local changes stay in the outbox)",
        addr, rc == FS_ETIMEDOUT ? "timed out" : "connection refused or unreachable");
    return rc == FS_ETIMEDOUT ? FS_ETIMEDOUT : FS_ECONN;
  }
  n->fd = fd;
  return 0;
}

static int write_all(fs_net *n, const uint8_t *p, size_t len) {
  while (len > 0) {
    ssize_t w = send(n->fd, p, len, MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EINTR)
        continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        int rc = wait_fd(n->fd, POLLOUT, n->timeout_ms);
        if (rc)
          return rc;
        continue;
      }
      return FS_ECLOSED;
    }
    p += w;
    len -= (size_t)w;
    n->bytes_out += (uint64_t)w;
  }
  return 0;
}

/* Reads what is available into n->in (waiting up to timeout_ms). */
static int fill(fs_net *n, int timeout_ms) {
  ssize_t r;
  int rc;

  if (n->in_off == n->in_len)
    n->in_off = n->in_len = 0;
  rc = wait_fd(n->fd, POLLIN, timeout_ms);
  if (rc)
    return rc == FS_ETIMEDOUT && timeout_ms == 0 ? FS_EAGAIN : rc;
  do
    r = recv(n->fd, n->in + n->in_len, FS_NET_READ - n->in_len, 0);
  while (r < 0 && errno == EINTR);
  if (r == 0)
    return FS_ECLOSED;
  if (r < 0)
    return errno == EAGAIN ? FS_EAGAIN : FS_ECLOSED;
  n->in_len += (size_t)r;
  n->bytes_in += (uint64_t)r;
  return 0;
}

/* Feeds buffered bytes to the channel until it reports an event. */
static int next_event(fs_net *n, int timeout_ms) {
  for (;;) {
    while (n->in_off < n->in_len) {
      size_t used = 0;
      int ev = fs__channel_feed(n->ch, n->in + n->in_off, n->in_len - n->in_off, &used);
      n->in_off += used;
      if (ev != 0)
        return ev;
    }
    int rc = fill(n, timeout_ms);
    if (rc)
      return rc;
  }
}

/* What a failed handshake means for the user, in n->err.  Only a daemon
 * that could not read our message 1 (handshake note) or whose message 2
 * fails to decrypt has another key: then, and only then, enrolling again
 * may be the cure.  But a message damaged on the way fails the same check
 * and looks exactly alike, so the message says to retry first.  A
 * connection closed without a word is most often an overloaded daemon
 * shedding handshakes, or a network that dropped the connection. */
static void handshake_error(fs_net *n, const char *addr, int rc) {
  if (rc == FS_ECRYPTO)
    snprintf(
        n->err, sizeof(n->err),
        "the handshake with %.100s failed its cryptographic check: a message was damaged "
        "on the way (retry), or that daemon does not hold the key this device was "
        "enrolled with (another fieldsyncd, or one set up anew); if a retry fails too, "
        "check the address, and if the daemon was set up anew enroll again (fieldsyncd "
        "enroll, fieldsync init --token)",
        addr);
  else if (rc == FS_EBUSY)
    snprintf(n->err, sizeof(n->err),
             "the daemon at %.100s is busy (too many connections are waiting for their "
             "handshake); try again later (local changes stay in the outbox)",
             addr);
  else if (rc == FS_ECLOSED)
    snprintf(
        n->err, sizeof(n->err),
        "the connection to %.100s was closed before the handshake finished: the "
        "network dropped it or the daemon is overloaded - try again later (local "
        "changes stay in the outbox); if this keeps happening, check the address and "
        "this device's date and time",
        addr);
  else if (rc == FS_ETIMEDOUT)
    snprintf(
        n->err, sizeof(n->err),
        "no answer from %.100s within %d s in the handshake: it is not a fieldsyncd, "
        "it is overloaded, or the network drops the traffic; check the address "
        "(fieldsync sync --addr) and retry (local changes stay in the outbox)",
        addr, (n->timeout_ms + 999) / 1000);
  else if (rc != FS_ENOMEM)
    snprintf(
        n->err, sizeof(n->err),
        "%.100s does not answer like a fieldsyncd (%s): it is another service, or its "
        "reply was damaged on the way; retry, and if it fails again check the address "
        "(fieldsync sync --addr)",
        addr, fs_strerror(rc));
}

/* fs__net_open with HELLO given either as a message or already encoded. */
static int net_open(fs_net *n, const char *addr, const fs_keypair *local,
                    const uint8_t server_pub[32], const fs_msg *hello, const uint8_t *raw,
                    size_t rawlen, int timeout_ms, fs_msg *welcome) {
  fs_channel_config cc;
  uint8_t *m1 = NULL;
  size_t m1len = 0;
  const uint8_t *p;
  size_t plen;
  int rc, ev;

  memset(n, 0, sizeof(*n));
  memset(welcome, 0, sizeof(*welcome));
  n->fd = -1;
  n->timeout_ms = timeout_ms > 0 ? timeout_ms : 15000;
  fs__buf_init(&n->out, FS_MSG_MAX_BYTES);
  n->in = malloc(FS_NET_READ);
  if (n->in == NULL)
    return FS_ENOMEM;
  rc = connect_addr(n, addr, n->timeout_ms);
  if (rc)
    goto out;
  memset(&cc, 0, sizeof(cc));
  cc.local = local;
  cc.server_pub = server_pub;
  rc = fs__channel_client_new(&n->ch, &cc);
  if (rc)
    goto out;
  rc = hello ? fs__msg_encode(hello, &n->out) : fs__buf_append(&n->out, raw, rawlen);
  if (rc)
    goto out;
  m1 = malloc(fs__channel_hello_size(n->out.len));
  rc = m1 ? fs__channel_client_start(n->ch, n->out.data, n->out.len, m1,
                                     fs__channel_hello_size(n->out.len), &m1len)
          : FS_ENOMEM;
  if (rc == FS_ECRYPTO)
    snprintf(n->err, sizeof(n->err),
             "the daemon key stored at enrollment is unusable; enroll this device again "
             "(fieldsyncd enroll, then fieldsync init --token)");
  if (rc == 0) {
    rc = write_all(n, m1, m1len);
    if (rc)
      handshake_error(n, addr, rc);
  }
  if (rc)
    goto out;
  ev = next_event(n, n->timeout_ms);
  if (ev < 0) {
    rc = ev;
    handshake_error(n, addr, rc);
    goto out;
  }
  if (ev != FS_CHANNEL_EV_OPEN) {
    rc = FS_EPROTO;
    goto out;
  }
  rc = fs__channel_message(n->ch, &p, &plen);
  if (rc == 0)
    rc = fs__msg_decode(p, plen, welcome);
  if (rc == 0 && welcome->type != FS_MSG_WELCOME)
    rc = FS_EPROTO;
  if (rc == 0 && !welcome->u.welcome.ok) {
    rc = welcome->u.welcome.code ? welcome->u.welcome.code : FS_EAUTH;
    n->refused_wipe = welcome->u.welcome.wipe;
    /* A version refusal is about the app, not the device: the daemon's
     * text says which side must be updated (PROTOCOL.md section 8). */
    snprintf(n->err, sizeof(n->err), "daemon refused this %s: %s",
             rc == FS_EVERSION ? "app's protocol version" : "device",
             welcome->u.welcome.text ? welcome->u.welcome.text : fs_strerror(rc));
  }
out:
  free(m1);
  fs__buf_reset(&n->out);
  if (rc) {
    if (n->err[0] == '\0')
      snprintf(n->err, sizeof(n->err), "%s", fs_strerror(rc));
    fs__msg_release(welcome);
    fs__net_close(n);
  }
  return rc;
}

int fs__net_open(fs_net *n, const char *addr, const fs_keypair *local,
                 const uint8_t server_pub[32], const fs_msg *hello, int timeout_ms,
                 fs_msg *welcome) {
  return net_open(n, addr, local, server_pub, hello, NULL, 0, timeout_ms, welcome);
}

int fs__net_open_raw(fs_net *n, const char *addr, const fs_keypair *local,
                     const uint8_t server_pub[32], const uint8_t *hello, size_t len,
                     int timeout_ms, fs_msg *welcome) {
  return net_open(n, addr, local, server_pub, NULL, hello, len, timeout_ms, welcome);
}

int fs__net_send_raw(fs_net *n, const uint8_t *p, size_t len) {
  size_t need = fs__channel_sealed_size(len), outlen = 0;
  int rc;

  if (n->fd < 0)
    return FS_ECLOSED;
  if (need > n->sealed_cap) {
    uint8_t *s = realloc(n->sealed, need);
    if (s == NULL)
      return FS_ENOMEM;
    n->sealed = s;
    n->sealed_cap = need;
  }
  rc = fs__channel_encrypt(n->ch, p, len, n->sealed, n->sealed_cap, &outlen);
  if (rc == 0)
    rc = write_all(n, n->sealed, outlen);
  return rc;
}

int fs__net_send(fs_net *n, const fs_msg *m) {
  int rc;
  fs__buf_reset(&n->out);
  rc = fs__msg_encode(m, &n->out);
  if (rc == 0)
    rc = fs__net_send_raw(n, n->out.data, n->out.len);
  return rc;
}

int fs__net_recv(fs_net *n, fs_msg *m, int timeout_ms) {
  const uint8_t *p;
  size_t plen;
  int ev, rc;

  memset(m, 0, sizeof(*m));
  if (n->fd < 0)
    return FS_ECLOSED;
  ev = next_event(n, timeout_ms < 0 ? n->timeout_ms : timeout_ms);
  if (ev < 0)
    return ev;
  if (ev != FS_CHANNEL_EV_MESSAGE)
    return FS_EPROTO;
  rc = fs__channel_message(n->ch, &p, &plen);
  if (rc == 0)
    rc = fs__msg_decode(p, plen, m);
  return rc;
}

int fs__net_fd(const fs_net *n) { return n->fd; }

int fs__net_buffered(const fs_net *n) {
  return n->fd >= 0 && n->in != NULL && n->in_off < n->in_len;
}

void fs__net_close(fs_net *n) {
  if (n == NULL)
    return;
  if (n->fd >= 0)
    close(n->fd);
  n->fd = -1;
  fs__channel_free(n->ch);
  n->ch = NULL;
  free(n->in);
  n->in = NULL;
  free(n->sealed);
  n->sealed = NULL;
  n->sealed_cap = 0;
  fs__buf_release(&n->out);
}
