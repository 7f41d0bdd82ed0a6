/* wiretest.h - a hostile device for the daemon tests: it speaks the wire
 * protocol directly (proto/msg.h messages over the Noise channel, through
 * the transport of client/net.h) with a genuine device key taken from a
 * real enrolled replica, and claims whatever the test wants in HELLO and
 * PUSH.  None of libfieldsync's sync logic (outbox, cursor bookkeeping,
 * wipe handling) is on this path, so the daemon's own rules are what is
 * tested.
 *
 * Typical use:
 *   fs_wire_dev h;
 *   fs_wire_load(&h, tmp, "a01");          // key + daemon address of tmp/a01
 *   fs_wire_hello hello = FS_WIRE_HELLO_DEFAULT;
 *   hello.outbox = 1000;                   // claim a big outbox
 *   rc = fs_wire_open(&h, &hello, &welcome_code);
 *   rc = fs_wire_push(&h, changes, n, outbox_claim, results);
 *   rc = fs_wire_pull(&h, cursor, &page);
 *   fs_wire_close(&h);
 *   fs_wire_free(&h);
 *
 * Every call fails the test only where it says so; otherwise it returns
 * what happened, so a test can assert that an attack was refused.
 */
#ifndef FS_WIRETEST_H
#define FS_WIRETEST_H

#include <stdint.h>

#include "keys.h"
#include "msg.h"
#include "channel.h"
#include "net.h"

typedef struct fs_wire_dev {
  char addr[256];
  uint8_t daemon_pub[32];
  fs_keypair *kp; /* the device's real static key */
  fs_net net;
  int open;
  fs_msg welcome; /* the last WELCOME (type 0 if none) */
} fs_wire_dev;

typedef struct fs_wire_hello {
  uint64_t time;   /* 0: now */
  uint64_t cursor;
  uint64_t outbox;
  uint64_t oldest;
  unsigned want;   /* FS_WANT_*; 0 means FS_WANT_SYNC */
  const char *token;
  const uint64_t *version; /* NULL: FS_MSG_VERSION; else the envelope version
                              written into the encoded HELLO (which is
                              otherwise a version-1 HELLO) */
  uint64_t model;          /* HELLO `model`; 0: the key is left out */
} fs_wire_hello;

/* What one PULL brought back, until CHECKPOINT (or an ERROR). */
typedef struct fs_wire_page {
  int error;          /* ERROR code if the daemon answered ERROR, else 0 */
  uint32_t rows;      /* rows in all PULL_BATCHes */
  uint32_t kind_rows[FS_KIND__COUNT]; /* the same per kind */
  uint32_t kind_evicted[FS_KIND__COUNT]; /* EVICT items per kind */
  uint32_t evicted;   /* EVICT items */
  uint32_t conflicts; /* CONFLICTS items */
  uint32_t notices;   /* NOTICEs */
  uint64_t cursor;    /* CHECKPOINT cursor */
  int more;
  int got_checkpoint;
  /* ids of the rows received (customer kind only), for leak checks */
  uint32_t ncust;
  char cust[256][FS_ID_HEX + 1];
} fs_wire_page;

/* Loads the device key and daemon address/key of replica dir tmp/name
 * (fails the test if they cannot be read). */
void fs_wire_load(fs_wire_dev *h, const char *tmp, const char *name);
/* Frees the key; closes the connection if open.  Takes NULL. */
void fs_wire_free(fs_wire_dev *h);

/* Connects and handshakes with the claims in hello (NULL: defaults).
 * Returns 0 when WELCOME ok; else the refusal code (WELCOME code, or a
 * transport error such as FS_ECLOSED when the daemon dropped us). */
int fs_wire_open(fs_wire_dev *h, const fs_wire_hello *hello);
void fs_wire_close(fs_wire_dev *h);

/* Sends PUSH{changes, outbox, oldest=0}; on PUSH_RESULT copies each result's
 * outcome/code into outcomes[i]/codes[i] (may be NULL) and returns 0.
 * An ERROR answer returns its code (negative); a dropped connection
 * FS_ECLOSED / FS_ETIMEDOUT.  If the daemon sends WIPE right after the
 * result, *wiped (may be NULL) is set. */
int fs_wire_push(fs_wire_dev *h, fs_change *changes, uint32_t n, uint64_t outbox,
                 int *outcomes, int *codes, int *wiped);
/* Sends PULL{cursor, limit 0} and reads until CHECKPOINT.  0 with *page
 * filled; ERROR answers fill page->error and return it; FS_ECLOSED etc. */
int fs_wire_pull(fs_wire_dev *h, uint64_t cursor, fs_wire_page *page);
/* Sends any message as is. */
int fs_wire_send(fs_wire_dev *h, const fs_msg *m);
/* Receives one message (release it with fs__msg_release). */
int fs_wire_recv(fs_wire_dev *h, fs_msg *m, int timeout_ms);
/* Waits up to ms for a NOTIFY: 1 if one came, 0 if not (timeout or close). */
int fs_wire_wait_notify(fs_wire_dev *h, int ms);

/* A change builder: kind/id/owner claim, counter; hlc = now<<16 + counter
 * unless hlc != 0.  Free with fs_wire_change_release. */
void fs_wire_change_init(fs_change *c, fs_kind kind, const char *id, const char *owner,
                         uint64_t counter, uint64_t hlc);
/* Adds a text field write at the change's clock. */
void fs_wire_change_set(fs_change *c, const char *field, const char *text);
/* Sets the base of the write of field (added before): the field clock the
 * device claims to have replaced, sent in PUSH "bases" (PROTOCOL.md 5.5.3).
 * A change whose bases are all 0 is sent without one. */
void fs_wire_change_set_base(fs_change *c, const char *field, uint64_t base);
void fs_wire_change_release(fs_change *c);

/* Wall clock in ms: fs__now_ms, so the test clock (fs_test_clock_advance)
 * moves it as it moves the replicas' clocks. */
uint64_t fs_wire_now_ms(void);

/* ---- raw handshakes (PROTOCOL.md 3, 6.1) --------------------------------
 * A connection that sends a handshake message 1 built from any payload
 * bytes (not only a well-formed HELLO), then reads whatever the daemon
 * answers until it closes: nothing, a handshake note, or message 2 (its
 * WELCOME decoded). */
typedef struct fs_wire_raw {
  int fd;
  fs_channel *ch;
} fs_wire_raw;

/* What came back on a raw connection. */
typedef struct fs_wire_answer {
  size_t bytes; /* bytes received in all */
  int note;     /* handshake note byte (FS_CHANNEL_NOTE_*), 0 if none */
  int welcome;  /* 1: message 2 arrived and decoded; see msg */
  fs_msg msg;   /* the WELCOME (release with fs__msg_release) */
  int closed;   /* 1: the daemon closed the connection */
} fs_wire_answer;

/* A plain TCP connection to 127.0.0.1:port (fails the test if refused). */
int fs_wire_tcp(int port);
/* Connects to h's daemon and sends message 1 carrying payload (len bytes,
 * any content) under key kp (NULL: h's key), followed by the nafter bytes
 * of after (may be NULL).  e_priv (may be NULL): a fixed ephemeral private
 * key, for replays.  Fails the test on local errors. */
void fs_wire_raw_start(fs_wire_raw *r, const fs_wire_dev *h, const fs_keypair *kp,
                       const uint8_t *payload, size_t len, const uint8_t *after,
                       size_t nafter, const uint8_t *e_priv);
/* Reads the daemon's answer on r until it closes (or stop_at_welcome and
 * message 2 arrived, or timeout_ms passed), then closes r. */
void fs_wire_raw_finish(fs_wire_raw *r, int stop_at_welcome, int timeout_ms,
                        fs_wire_answer *a);
/* fs__msg_encode of m into a malloc'd buffer (*len bytes). */
uint8_t *fs_wire_encode(const fs_msg *m, size_t *len);
/* A HELLO as fs_wire_open sends it (hello NULL: defaults). */
void fs_wire_hello_msg(const fs_wire_hello *hello, fs_msg *m);

#endif
