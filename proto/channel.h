/* channel.h - the encrypted channel of the wire protocol (PROTOCOL.md s.3-4).
 *
 * Transport-agnostic: the channel never touches sockets.  The caller feeds
 * it the bytes that arrived and sends the bytes it produces, so the libuv
 * daemon and the blocking client share it.
 *
 * Handshake: Noise_IK_25519_ChaChaPoly_BLAKE2b, prologue "fieldsync/1"
 * (11 bytes, no NUL).  The client (initiator) knows the daemon's static
 * public key; the daemon (responder) learns the client's static key from
 * message 1.  Message 1 carries the client's hello payload, message 2 the
 * daemon's auth-result payload (both opaque bytes here).  Every handshake
 * and transport message is one frame (frame.h).
 *
 * Transport: each message is one frame whose body is the ChaChaPoly
 * ciphertext (+16-byte tag) under the split keys with implicit counter
 * nonces; empty associated data.  A message may be up to the frame maximum
 * (this relaxes Noise's 65535-byte limit; the nonce/tag rules are the
 * same).  Any authentication failure (tampered, truncated, replayed,
 * reordered frame) returns FS_EREPLAY and closes the channel for good.
 * After every rekey_interval messages in one direction, both sides call
 * Noise REKEY() on that direction's cipher state (sender after sending
 * message number k*interval, receiver after receiving it).
 *
 * State machine:
 *
 *  CLIENT (initiator)
 *    INIT --fs__channel_client_start (writes msg 1)--> WAIT_REPLY
 *    WAIT_REPLY --feed msg 2 ok: FS_CHANNEL_EV_OPEN--> OPEN
 *
 *  DAEMON (responder)
 *    WAIT_HELLO --feed msg 1, lookup ok: FS_CHANNEL_EV_HELLO--> HELLO
 *    WAIT_HELLO --feed msg 1, lookup refuses (err < 0)------> REFUSED
 *    HELLO   --fs__channel_server_respond (writes msg 2)--> OPEN
 *    REFUSED --fs__channel_server_respond (writes msg 2)--> CLOSED
 *              (optional: lets the daemon tell an authenticated client why)
 *
 *  BOTH
 *    OPEN --fs__channel_encrypt / feed: FS_CHANNEL_EV_MESSAGE--> OPEN
 *    any state --error (bad frame, auth failure, wrong key, replayed
 *                hello, calls out of order)------------------> CLOSED
 *    CLOSED: every call returns the error that closed it (FS_ECLOSED if
 *            closed by fs__channel_close).
 *
 * Replay cache: Noise IK message 1 can be replayed by an eavesdropper (the
 * daemon would answer, though the replayer cannot read it).  The daemon
 * keeps one fs_replay_cache shared by all connections; a responder channel
 * given a cache refuses (FS_EREPLAY) a message 1 whose initiator ephemeral
 * key was already seen among the last `capacity` accepted ones.  The hello
 * payload must also carry a timestamp that the daemon's lookup callback
 * checks (outside this module), so replays older than the cache window are
 * refused too.
 *
 * Not thread-safe per channel; the replay cache is not thread-safe either
 * (the daemon uses it from its loop thread).
 */
#ifndef FS_CHANNEL_H
#define FS_CHANNEL_H

#include <stddef.h>
#include <stdint.h>

#include "frame.h"
#include "keys.h"

#define FS_CHANNEL_PROLOGUE "fieldsync/1"
#define FS_CHANNEL_PROTOCOL "Noise_IK_25519_ChaChaPoly_BLAKE2b"
/* Messages per direction between two REKEYs (configurable per channel). */
#define FS_CHANNEL_REKEY_INTERVAL 65536u
#define FS_CHANNEL_TAGLEN 16
/* Handshake payload bound: message 1 is 32 (e) + 48 (s + tag) + payload +
 * 16, message 2 is 32 (e) + payload + 16; both must fit Noise's 65535. */
#define FS_CHANNEL_HS_PAYLOAD_MAX (65535u - 96u)
/* Default replay cache capacity (initiator ephemeral keys remembered). */
#define FS_REPLAY_CACHE_DEFAULT 4096u

/* Handshake notes: a daemon may answer message 1 with a frame whose body
 * is this one byte instead of message 2, then close (PROTOCOL.md s.3.2):
 * BUSY, too many unauthenticated connections (retry later); UNREADABLE,
 * message 1 did not decrypt with the daemon's key. */
#define FS_CHANNEL_NOTE_BUSY 1
#define FS_CHANNEL_NOTE_UNREADABLE 2

/* Events returned (positive) by fs__channel_feed. */
typedef enum fs_channel_event {
  FS_CHANNEL_EV_NONE = 0,    /* all bytes consumed, need more */
  FS_CHANNEL_EV_HELLO = 1,   /* daemon: message 1 accepted, respond now */
  FS_CHANNEL_EV_OPEN = 2,    /* client: message 2 ok; payload available */
  FS_CHANNEL_EV_MESSAGE = 3  /* transport message decrypted */
} fs_channel_event;

/* ---- replay cache ----------------------------------------------------- */

typedef struct fs_replay_cache {
  /* private */
  uint8_t (*keys)[32]; /* ring of capacity entries */
  size_t cap;
  size_t n;    /* entries in use */
  size_t next; /* ring position of the next insertion */
} fs_replay_cache;

/* capacity 0 = FS_REPLAY_CACHE_DEFAULT.  Returns 0, FS_EINVAL, FS_ENOMEM. */
int fs__replay_cache_init(fs_replay_cache *c, size_t capacity);
/* Returns FS_EREPLAY if key is among the remembered ones (not added
 * again); else remembers it (evicting the oldest when full) and returns 0.
 * FS_EINVAL on NULL. */
int fs__replay_cache_check_and_add(fs_replay_cache *c, const uint8_t key[32]);
/* Frees the entries.  Takes NULL. */
void fs__replay_cache_release(fs_replay_cache *c);

/* ---- channel ---------------------------------------------------------- */

/* Daemon's decision on a connecting device, called once message 1 has been
 * authenticated (its payload decrypted) and BEFORE message 2 is produced.
 * client_pub: the device's static key; hello/hello_len: the decrypted
 * message 1 payload (valid during the call).  Return 0 to accept, or a
 * negative FS_E code (FS_EUNKNOWN_DEVICE, FS_EREVOKED, FS_EAUTH, ...) to
 * refuse; the refusal code is returned by fs__channel_feed. */
typedef int (*fs_channel_lookup_fn)(void *ud, const uint8_t client_pub[32],
                                    const uint8_t *hello, size_t hello_len);

typedef struct fs_channel_config {
  /* Our static key pair: required (the device key or the daemon key).
   * Borrowed during init only: the private key is copied. */
  const fs_keypair *local;
  /* Client: the daemon's static public key (required).  Daemon: NULL. */
  const uint8_t *server_pub;
  /* Daemon: lookup callback (required) and its user data. */
  fs_channel_lookup_fn lookup;
  void *lookup_ud;
  /* Daemon: replay cache shared across connections (may be NULL to
   * disable; borrowed, must outlive the channel). */
  fs_replay_cache *replay;
  /* Maximum frame body accepted from the peer; 0 = FS_FRAME_MAX_DEFAULT.
   * Also bounds what fs__channel_encrypt will produce. */
  size_t frame_max;
  /* Messages per direction between rekeys; 0 = FS_CHANNEL_REKEY_INTERVAL.
   * Both ends must use the same value. */
  uint64_t rekey_interval;
  /* TESTS ONLY: fixed ephemeral private key (32 bytes); NULL in
   * production. */
  const uint8_t *e_priv;
} fs_channel_config;

typedef struct fs_channel fs_channel;

/* Creates a client (initiator) channel in INIT.  Returns 0, FS_EINVAL
 * (missing keys), FS_ENOMEM, FS_ECRYPTO. */
int fs__channel_client_new(fs_channel **out, const fs_channel_config *cfg);
/* Creates a daemon (responder) channel in WAIT_HELLO.  Same codes. */
int fs__channel_server_new(fs_channel **out, const fs_channel_config *cfg);
/* Wipes and frees.  Takes NULL. */
void fs__channel_free(fs_channel *ch);

/* Size of the frame produced for a payload/plaintext of n bytes:
 * handshake message 1, message 2, transport message. */
size_t fs__channel_hello_size(size_t n);
size_t fs__channel_reply_size(size_t n);
size_t fs__channel_sealed_size(size_t n);

/* Client, INIT: writes handshake message 1 (frame) carrying hello into out
 * (cap >= fs__channel_hello_size(len)), *outlen = bytes to send.
 * Returns 0, FS_ESTATE, FS_EINVAL (small buffer), FS_ETOOBIG (payload >
 * FS_CHANNEL_HS_PAYLOAD_MAX), FS_ECRYPTO. */
int fs__channel_client_start(fs_channel *ch, const uint8_t *hello,
                             size_t len, uint8_t *out, size_t cap,
                             size_t *outlen);

/* Daemon, HELLO or REFUSED: writes message 2 (frame) carrying reply (the
 * auth result) into out (cap >= fs__channel_reply_size(len)).  Moves to
 * OPEN, or to CLOSED if the lookup refused (returning 0; the channel then
 * reports that refusal code).  Codes as fs__channel_client_start. */
int fs__channel_server_respond(fs_channel *ch, const uint8_t *reply,
                               size_t len, uint8_t *out, size_t cap,
                               size_t *outlen);

/* Feeds received bytes; processes at most one frame per call and stores in
 * *consumed how many bytes were used (call again with the rest).
 * Returns FS_CHANNEL_EV_NONE (0) when everything was consumed without
 * completing a frame, or a positive fs_channel_event: then
 * fs__channel_message gives the payload (hello for EV_HELLO, the reply for
 * EV_OPEN, the plaintext for EV_MESSAGE).
 * Errors close the channel: FS_ETOOBIG / FS_EPROTO (framing), FS_EREPLAY
 * (transport authentication failure), FS_ECRYPTO (handshake message
 * failed: wrong server key, tampering, garbage), FS_ETRUNC (handshake
 * message too short), FS_EREPLAY (hello ephemeral seen before), the lookup
 * callback's refusal code (the channel is then REFUSED: respond or drop),
 * FS_EPROTO also for bytes where none are expected (e.g. after message 1
 * before respond, or to a client before it started), FS_ENOMEM; a client
 * given a handshake note: FS_EBUSY (busy) or FS_ECRYPTO (unreadable).
 * FS_EINVAL (NULL ch/consumed, or data NULL with len > 0) leaves the
 * channel as it was.  consumed is required. */
int fs__channel_feed(fs_channel *ch, const uint8_t *data, size_t len,
                     size_t *consumed);

/* Last payload delivered by fs__channel_feed (owned by ch, valid until the
 * next feed/free).  Returns 0 or FS_ESTATE. */
int fs__channel_message(fs_channel *ch, const uint8_t **p, size_t *n);

/* OPEN: encrypts len bytes into one frame in out (cap >=
 * fs__channel_sealed_size(len)).  len + 16 must be <= frame_max, else
 * FS_ETOOBIG.  out must not overlap pt.  Returns 0, FS_ESTATE (not open /
 * closed: the closing code), FS_EINVAL, FS_ETOOBIG, FS_ECRYPTO. */
int fs__channel_encrypt(fs_channel *ch, const uint8_t *pt, size_t len,
                        uint8_t *out, size_t cap, size_t *outlen);

/* The peer's static key: client = daemon key; daemon = device key once
 * message 1 was read.  Returns 0 or FS_ESTATE. */
int fs__channel_remote_key(const fs_channel *ch, uint8_t out[32]);

/* The Noise handshake hash (64 bytes) once OPEN; a channel binding that
 * both sides agree on.  Returns 0 or FS_ESTATE. */
int fs__channel_handshake_hash(const fs_channel *ch, uint8_t out[64]);

/* 1 when OPEN, else 0. */
int fs__channel_is_open(const fs_channel *ch);
/* 0 while usable, else the (negative) code that closed it. */
int fs__channel_error(const fs_channel *ch);
/* Closes the channel (wipes keys); later calls return FS_ECLOSED. */
void fs__channel_close(fs_channel *ch);

#endif
