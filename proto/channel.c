/* channel.c - Noise_IK secure channel over frames, transport-agnostic.
 * See channel.h for the state machine and the contract. */
#include "channel.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "fs_errno.h"
#include "noise.h"

enum {
  ST_INIT = 1,   /* client, before message 1 */
  ST_WAIT_REPLY, /* client, message 1 sent */
  ST_WAIT_HELLO, /* daemon, waiting for message 1 */
  ST_HELLO,      /* daemon, message 1 accepted; must respond */
  ST_REFUSED,    /* daemon, lookup refused; may respond then closes */
  ST_OPEN,
  ST_CLOSED
};

/* Message 1: e (32) + encrypted s (48) + payload tag (16). */
#define HELLO_OVERHEAD 96u
/* Message 2: e (32) + payload tag (16). */
#define REPLY_OVERHEAD 48u

struct fs_channel {
  int server;
  int state;
  int err;     /* code that closed the channel (ST_CLOSED) */
  int refusal; /* lookup's code (ST_REFUSED) */
  fs_noise_hs *hs;
  fs_noise_cipher *tx, *rx;
  fs_frame_decoder dec;
  size_t frame_max;
  uint64_t rekey_interval;
  uint64_t tx_count, rx_count;
  fs_channel_lookup_fn lookup;
  void *lookup_ud;
  fs_replay_cache *replay;
  uint8_t remote[32];
  int has_remote;
  uint8_t hash[FS_NOISE_HASHLEN];
  int has_hash;
  /* Last delivered payload: points into hs_payload (handshake) or into the
   * frame decoder's buffer (transport: decrypted there, straight from the
   * caller's bytes when a whole frame arrived in one feed, else in place). */
  const uint8_t *msg;
  size_t msg_len;
  int has_msg;
  uint8_t *hs_payload; /* malloc'd per handshake message, <= 65535 */
};

/* ---- replay cache ----------------------------------------------------- */

int fs__replay_cache_init(fs_replay_cache *c, size_t capacity) {
  if (!c)
    return FS_EINVAL;
  memset(c, 0, sizeof(*c));
  if (capacity == 0)
    capacity = FS_REPLAY_CACHE_DEFAULT;
  c->keys = calloc(capacity, sizeof(*c->keys));
  if (!c->keys)
    return FS_ENOMEM;
  c->cap = capacity;
  return 0;
}

int fs__replay_cache_check_and_add(fs_replay_cache *c, const uint8_t key[32]) {
  if (!c || !c->keys || !key)
    return FS_EINVAL;
  /* Linear scan: 4096 x 32 bytes per handshake is microseconds, far below
   * the cost of the handshake's DH operations. */
  for (size_t i = 0; i < c->n; i++)
    if (memcmp(c->keys[i], key, 32) == 0)
      return FS_EREPLAY;
  memcpy(c->keys[c->next], key, 32);
  c->next = (c->next + 1) % c->cap;
  if (c->n < c->cap)
    c->n++;
  return 0;
}

void fs__replay_cache_release(fs_replay_cache *c) {
  if (!c)
    return;
  free(c->keys);
  memset(c, 0, sizeof(*c));
}

/* ---- helpers ---------------------------------------------------------- */

size_t fs__channel_hello_size(size_t n) {
  return FS_FRAME_HEADER_LEN + HELLO_OVERHEAD + n;
}

size_t fs__channel_reply_size(size_t n) {
  return FS_FRAME_HEADER_LEN + REPLY_OVERHEAD + n;
}

size_t fs__channel_sealed_size(size_t n) {
  return FS_FRAME_HEADER_LEN + n + FS_CHANNEL_TAGLEN;
}

/* Drops every secret and moves to CLOSED with err. Returns err. */
static int channel_fail(fs_channel *ch, int err) {
  fs__noise_hs_free(ch->hs);
  ch->hs = NULL;
  fs__noise_cipher_free(ch->tx);
  fs__noise_cipher_free(ch->rx);
  ch->tx = ch->rx = NULL;
  free(ch->hs_payload);
  ch->hs_payload = NULL;
  fs__frame_decoder_release(&ch->dec);
  ch->has_msg = 0;
  ch->state = ST_CLOSED;
  ch->err = err;
  return err;
}

static int closed_code(const fs_channel *ch) {
  if (ch->state == ST_CLOSED)
    return ch->err;
  return FS_ESTATE;
}

static int channel_new(fs_channel **out, const fs_channel_config *cfg,
                       int server) {
  fs_channel *ch = NULL;
  fs_noise_hs_config hc = {0};
  size_t hs_max;
  int rc;

  if (!out)
    return FS_EINVAL;
  *out = NULL;
  if (!cfg || !cfg->local || !cfg->local->priv)
    return FS_EINVAL;
  if (server ? (!cfg->lookup || cfg->server_pub) : !cfg->server_pub)
    return FS_EINVAL;
  ch = calloc(1, sizeof(*ch));
  if (!ch)
    return FS_ENOMEM;
  ch->server = server;
  ch->frame_max = cfg->frame_max ? cfg->frame_max : FS_FRAME_MAX_DEFAULT;
  if (ch->frame_max > UINT32_MAX)
    ch->frame_max = UINT32_MAX;
  if (ch->frame_max <= FS_CHANNEL_TAGLEN) {
    rc = FS_EINVAL;
    goto out;
  }
  ch->rekey_interval =
      cfg->rekey_interval ? cfg->rekey_interval : FS_CHANNEL_REKEY_INTERVAL;
  ch->lookup = cfg->lookup;
  ch->lookup_ud = cfg->lookup_ud;
  ch->replay = cfg->replay;
  /* Handshake messages are bounded by Noise's 65535 bytes, so garbage with
   * a large length is refused before the handshake allocates anything. */
  hs_max = ch->frame_max < FS_NOISE_MAX_MSG ? ch->frame_max : FS_NOISE_MAX_MSG;
  fs__frame_decoder_init(&ch->dec, hs_max);

  hc.pattern = FS_NOISE_IK;
  hc.role = server ? FS_NOISE_RESPONDER : FS_NOISE_INITIATOR;
  hc.prologue = (const uint8_t *)FS_CHANNEL_PROLOGUE;
  hc.prologue_len = sizeof(FS_CHANNEL_PROLOGUE) - 1;
  hc.s_priv = cfg->local->priv;
  hc.rs_pub = server ? NULL : cfg->server_pub;
  hc.e_priv = cfg->e_priv;
  rc = fs__noise_hs_new(&ch->hs, &hc);
  if (rc)
    goto out;
  if (!server) {
    memcpy(ch->remote, cfg->server_pub, 32);
    ch->has_remote = 1;
  }
  ch->state = server ? ST_WAIT_HELLO : ST_INIT;
  *out = ch;
  ch = NULL;
out:
  fs__channel_free(ch);
  return rc;
}

int fs__channel_client_new(fs_channel **out, const fs_channel_config *cfg) {
  return channel_new(out, cfg, 0);
}

int fs__channel_server_new(fs_channel **out, const fs_channel_config *cfg) {
  return channel_new(out, cfg, 1);
}

void fs__channel_free(fs_channel *ch) {
  if (!ch)
    return;
  channel_fail(ch, FS_ECLOSED);
  sodium_memzero(ch, sizeof(*ch));
  free(ch);
}

void fs__channel_close(fs_channel *ch) {
  if (ch && ch->state != ST_CLOSED)
    channel_fail(ch, FS_ECLOSED);
}

int fs__channel_is_open(const fs_channel *ch) {
  return ch && ch->state == ST_OPEN;
}

int fs__channel_error(const fs_channel *ch) {
  if (!ch)
    return FS_EINVAL;
  if (ch->state == ST_CLOSED)
    return ch->err;
  if (ch->state == ST_REFUSED)
    return ch->refusal;
  return 0;
}

int fs__channel_remote_key(const fs_channel *ch, uint8_t out[32]) {
  if (!ch || !out)
    return FS_EINVAL;
  if (!ch->has_remote)
    return FS_ESTATE;
  memcpy(out, ch->remote, 32);
  return 0;
}

int fs__channel_handshake_hash(const fs_channel *ch, uint8_t out[64]) {
  if (!ch || !out)
    return FS_EINVAL;
  if (!ch->has_hash)
    return FS_ESTATE;
  memcpy(out, ch->hash, FS_NOISE_HASHLEN);
  return 0;
}

int fs__channel_message(fs_channel *ch, const uint8_t **p, size_t *n) {
  if (!ch || !p || !n)
    return FS_EINVAL;
  if (!ch->has_msg)
    return FS_ESTATE;
  *p = ch->msg;
  *n = ch->msg_len;
  return 0;
}

/* Writes a handshake message as one frame into out. */
static int write_hs_frame(fs_channel *ch, const uint8_t *payload, size_t len,
                          uint8_t *out, size_t cap, size_t *outlen) {
  size_t n = 0;
  int rc;
  if (len > FS_CHANNEL_HS_PAYLOAD_MAX)
    return FS_ETOOBIG;
  if (cap < FS_FRAME_HEADER_LEN + fs__noise_hs_overhead(ch->hs) + len)
    return FS_EINVAL;
  rc = fs__noise_hs_write(ch->hs, payload, len, out + FS_FRAME_HEADER_LEN,
                          cap - FS_FRAME_HEADER_LEN, &n);
  if (rc)
    return rc;
  fs__frame_header(out, (uint32_t)n);
  *outlen = FS_FRAME_HEADER_LEN + n;
  return 0;
}

/* Handshake complete: take the transport ciphers, widen the frame limit. */
static int finish_handshake(fs_channel *ch) {
  int rc;
  fs__noise_hs_hash(ch->hs, ch->hash);
  ch->has_hash = 1;
  rc = fs__noise_hs_split(ch->hs, &ch->tx, &ch->rx);
  if (rc)
    return rc;
  fs__noise_hs_free(ch->hs);
  ch->hs = NULL;
  /* The decoder is between frames here: nothing is lost by re-initing. */
  fs__frame_decoder_release(&ch->dec);
  fs__frame_decoder_init(&ch->dec, ch->frame_max);
  ch->state = ST_OPEN;
  return 0;
}

int fs__channel_client_start(fs_channel *ch, const uint8_t *hello, size_t len,
                             uint8_t *out, size_t cap, size_t *outlen) {
  int rc;
  if (!ch || !out || !outlen || (!hello && len))
    return FS_EINVAL;
  if (ch->server || ch->state != ST_INIT)
    return closed_code(ch);
  rc = write_hs_frame(ch, hello, len, out, cap, outlen);
  if (rc == FS_EINVAL || rc == FS_ETOOBIG)
    return rc; /* caller's mistake: nothing was consumed, may retry */
  if (rc)
    return channel_fail(ch, rc);
  ch->state = ST_WAIT_REPLY;
  return 0;
}

int fs__channel_server_respond(fs_channel *ch, const uint8_t *reply,
                               size_t len, uint8_t *out, size_t cap,
                               size_t *outlen) {
  int rc;
  if (!ch || !out || !outlen || (!reply && len))
    return FS_EINVAL;
  if (!ch->server || (ch->state != ST_HELLO && ch->state != ST_REFUSED))
    return closed_code(ch);
  rc = write_hs_frame(ch, reply, len, out, cap, outlen);
  if (rc == FS_EINVAL || rc == FS_ETOOBIG)
    return rc;
  if (rc)
    return channel_fail(ch, rc);
  free(ch->hs_payload);
  ch->hs_payload = NULL;
  ch->has_msg = 0;
  if (ch->state == ST_REFUSED) {
    /* The refusal was delivered; the connection ends here. */
    channel_fail(ch, ch->refusal);
    return 0;
  }
  rc = finish_handshake(ch);
  if (rc)
    return channel_fail(ch, rc);
  return 0;
}

/* Reads handshake message body into a fresh payload buffer. */
static int read_hs(fs_channel *ch, const uint8_t *body, size_t n) {
  size_t plen = 0;
  int rc;
  free(ch->hs_payload);
  ch->hs_payload = malloc(n ? n : 1);
  if (!ch->hs_payload)
    return FS_ENOMEM;
  rc = fs__noise_hs_read(ch->hs, body, n, ch->hs_payload, n, &plen);
  if (rc)
    return rc;
  ch->msg = ch->hs_payload;
  ch->msg_len = plen;
  ch->has_msg = 1;
  return 0;
}

static int on_hello(fs_channel *ch, const uint8_t *body, size_t n) {
  uint8_t re[32];
  int rc;
  rc = read_hs(ch, body, n);
  if (rc)
    return channel_fail(ch, rc);
  rc = fs__noise_hs_remote_static(ch->hs, ch->remote);
  if (rc)
    return channel_fail(ch, FS_EINTERNAL);
  ch->has_remote = 1;
  /* Only an authenticated message 1 reaches the cache, so garbage cannot
   * flush it; a replayed one is refused before the lookup runs. */
  if (ch->replay) {
    rc = fs__noise_hs_remote_ephemeral(ch->hs, re);
    if (rc == 0)
      rc = fs__replay_cache_check_and_add(ch->replay, re);
    if (rc)
      return channel_fail(ch, rc == FS_EREPLAY ? FS_EREPLAY : FS_EINTERNAL);
  }
  rc = ch->lookup(ch->lookup_ud, ch->remote, ch->msg, ch->msg_len);
  if (rc) {
    ch->refusal = rc < 0 ? rc : FS_EAUTH;
    ch->state = ST_REFUSED;
    return ch->refusal;
  }
  ch->state = ST_HELLO;
  return FS_CHANNEL_EV_HELLO;
}

static int on_reply(fs_channel *ch, const uint8_t *body, size_t n) {
  int rc;
  /* A one-byte body cannot be a message 2 (at least 48 bytes): it is the
   * daemon's handshake note (PROTOCOL.md s.3.2).  Unauthenticated, like a
   * closed connection: it only chooses what the user is told. */
  if (n == 1)
    return channel_fail(ch, body[0] == FS_CHANNEL_NOTE_BUSY ? FS_EBUSY : FS_ECRYPTO);
  rc = read_hs(ch, body, n);
  if (rc == 0)
    rc = finish_handshake(ch);
  if (rc)
    return channel_fail(ch, rc);
  return FS_CHANNEL_EV_OPEN;
}

static int on_transport(fs_channel *ch, const uint8_t *src, uint8_t *body,
                        size_t n) {
  size_t m = 0;
  int rc;
  /* Decrypt from where the ciphertext is (the caller's bytes, or the frame
   * buffer itself) into the frame buffer: each byte is read once and
   * written once, no extra copy of big messages.  The implicit nonce makes
   * any replay, reordering, truncation or bit flip an authentication
   * failure. */
  rc = fs__noise_cipher_decrypt(ch->rx, NULL, 0, src, n, body, n, &m);
  if (rc)
    return channel_fail(ch, rc == FS_ECRYPTO ? FS_EREPLAY : rc);
  ch->rx_count++;
  if (ch->rx_count % ch->rekey_interval == 0) {
    rc = fs__noise_cipher_rekey(ch->rx);
    if (rc)
      return channel_fail(ch, rc);
  }
  ch->msg = body;
  ch->msg_len = m;
  ch->has_msg = 1;
  return FS_CHANNEL_EV_MESSAGE;
}

int fs__channel_feed(fs_channel *ch, const uint8_t *data, size_t len,
                     size_t *consumed) {
  const uint8_t *src = NULL;
  uint8_t *body = NULL;
  size_t n = 0, used = 0;
  int rc;

  if (consumed)
    *consumed = 0;
  if (!ch || (!data && len) || !consumed)
    return FS_EINVAL;
  ch->has_msg = 0;
  if (ch->state == ST_CLOSED)
    return ch->err;
  if (len == 0)
    return 0;
  if (ch->state != ST_WAIT_HELLO && ch->state != ST_WAIT_REPLY &&
      ch->state != ST_OPEN) {
    /* Bytes where the protocol allows none (e.g. before we responded). */
    return channel_fail(ch, FS_EPROTO);
  }
  rc = fs__frame_feed_ref(&ch->dec, data, len, &used, &src);
  *consumed = used;
  if (rc < 0)
    return channel_fail(ch, rc);
  if (rc == 0)
    return FS_CHANNEL_EV_NONE;
  rc = fs__frame_body(&ch->dec, &body, &n);
  if (rc)
    return channel_fail(ch, FS_EINTERNAL);
  switch (ch->state) {
  case ST_WAIT_HELLO:
    return on_hello(ch, src, n);
  case ST_WAIT_REPLY:
    return on_reply(ch, src, n);
  default:
    return on_transport(ch, src, body, n);
  }
}

int fs__channel_encrypt(fs_channel *ch, const uint8_t *pt, size_t len,
                        uint8_t *out, size_t cap, size_t *outlen) {
  size_t n = 0;
  int rc;
  if (!ch || !out || !outlen || (!pt && len))
    return FS_EINVAL;
  if (ch->state != ST_OPEN)
    return closed_code(ch);
  if (len > ch->frame_max - FS_CHANNEL_TAGLEN)
    return FS_ETOOBIG;
  if (cap < fs__channel_sealed_size(len))
    return FS_EINVAL;
  rc = fs__noise_cipher_encrypt(ch->tx, NULL, 0, pt, len,
                                out + FS_FRAME_HEADER_LEN,
                                cap - FS_FRAME_HEADER_LEN, &n);
  if (rc)
    return channel_fail(ch, rc);
  fs__frame_header(out, (uint32_t)n);
  *outlen = FS_FRAME_HEADER_LEN + n;
  ch->tx_count++;
  if (ch->tx_count % ch->rekey_interval == 0) {
    rc = fs__noise_cipher_rekey(ch->tx);
    if (rc)
      return channel_fail(ch, rc);
  }
  return 0;
}
