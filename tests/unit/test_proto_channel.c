/* test_proto_channel.c - Noise_IK channel: handshake, transport, attacks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include <sodium.h>

#include "channel.h"
#include "fs_errno.h"
#include "keys.h"

typedef struct lookup_ctx {
  uint8_t known[32]; /* the only accepted device key */
  int verdict_unknown;
  int calls;
  uint8_t hello[64];
  size_t hello_len;
} lookup_ctx;

static int lookup(void *ud, const uint8_t pub[32], const uint8_t *hello,
                  size_t len) {
  lookup_ctx *c = ud;
  c->calls++;
  c->hello_len = len < sizeof(c->hello) ? len : sizeof(c->hello);
  memcpy(c->hello, hello, c->hello_len);
  if (memcmp(pub, c->known, 32) != 0)
    return c->verdict_unknown;
  return 0;
}

typedef struct fixture {
  fs_keypair *dev, *daemon;
  lookup_ctx lc;
  fs_replay_cache cache;
  fs_channel *cli, *srv;
  uint64_t rekey;
  size_t frame_max;
} fixture;

static int setup(void **state) {
  fixture *f = calloc(1, sizeof(*f));
  assert_non_null(f);
  assert_int_equal(fs__keypair_generate(&f->dev), 0);
  assert_int_equal(fs__keypair_generate(&f->daemon), 0);
  memcpy(f->lc.known, f->dev->pub, 32);
  f->lc.verdict_unknown = FS_EUNKNOWN_DEVICE;
  assert_int_equal(fs__replay_cache_init(&f->cache, 8), 0);
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fixture *f = *state;
  fs__channel_free(f->cli);
  fs__channel_free(f->srv);
  fs__keypair_free(f->dev);
  fs__keypair_free(f->daemon);
  fs__replay_cache_release(&f->cache);
  free(f);
  return 0;
}

static void make_channels(fixture *f, const uint8_t *server_pub) {
  fs_channel_config cc = {.local = f->dev, .server_pub = server_pub,
                          .rekey_interval = f->rekey, .frame_max = f->frame_max};
  fs_channel_config sc = {.local = f->daemon, .lookup = lookup,
                          .lookup_ud = &f->lc, .replay = &f->cache,
                          .rekey_interval = f->rekey, .frame_max = f->frame_max};
  fs__channel_free(f->cli);
  fs__channel_free(f->srv);
  f->cli = f->srv = NULL;
  assert_int_equal(fs__channel_client_new(&f->cli, &cc), 0);
  assert_int_equal(fs__channel_server_new(&f->srv, &sc), 0);
}

/* Feeds all of buf to ch; expects exactly one event at the end. */
static int feed_all(fs_channel *ch, const uint8_t *buf, size_t len) {
  size_t pos = 0, used = 0;
  int rc = 0;
  while (pos < len) {
    rc = fs__channel_feed(ch, buf + pos, len - pos, &used);
    if (rc < 0)
      return rc;
    pos += used;
    if (rc > 0)
      assert_int_equal(pos, len);
  }
  return rc;
}

/* Runs the handshake; returns message 1 bytes in m1 (cap 256). */
static void handshake(fixture *f, uint8_t *m1, size_t *m1len) {
  uint8_t m2[256];
  size_t n2 = 0;
  const uint8_t *p;
  size_t n;
  assert_int_equal(fs__channel_client_start(f->cli, (const uint8_t *)"HELLO", 5,
                                            m1, 256, m1len),
                   0);
  assert_int_equal(*m1len, fs__channel_hello_size(5));
  assert_int_equal(feed_all(f->srv, m1, *m1len), FS_CHANNEL_EV_HELLO);
  assert_int_equal(fs__channel_message(f->srv, &p, &n), 0);
  assert_int_equal(n, 5);
  assert_memory_equal(p, "HELLO", 5);
  assert_int_equal(f->lc.hello_len, 5);
  assert_memory_equal(f->lc.hello, "HELLO", 5);
  uint8_t rk[32];
  assert_int_equal(fs__channel_remote_key(f->srv, rk), 0);
  assert_memory_equal(rk, f->dev->pub, 32);
  assert_int_equal(fs__channel_server_respond(f->srv, (const uint8_t *)"OK", 2,
                                              m2, sizeof(m2), &n2),
                   0);
  assert_int_equal(n2, fs__channel_reply_size(2));
  assert_true(fs__channel_is_open(f->srv));
  assert_int_equal(feed_all(f->cli, m2, n2), FS_CHANNEL_EV_OPEN);
  assert_int_equal(fs__channel_message(f->cli, &p, &n), 0);
  assert_int_equal(n, 2);
  assert_memory_equal(p, "OK", 2);
  assert_true(fs__channel_is_open(f->cli));
  uint8_t h1[64], h2[64];
  assert_int_equal(fs__channel_handshake_hash(f->cli, h1), 0);
  assert_int_equal(fs__channel_handshake_hash(f->srv, h2), 0);
  assert_memory_equal(h1, h2, 64);
}

/* Sends pt from a to b and checks it arrives intact. */
static void send_ok(fs_channel *a, fs_channel *b, const char *pt) {
  uint8_t buf[512];
  size_t n = 0;
  const uint8_t *p;
  size_t m;
  assert_int_equal(fs__channel_encrypt(a, (const uint8_t *)pt, strlen(pt), buf,
                                       sizeof(buf), &n),
                   0);
  assert_int_equal(n, fs__channel_sealed_size(strlen(pt)));
  assert_int_equal(feed_all(b, buf, n), FS_CHANNEL_EV_MESSAGE);
  assert_int_equal(fs__channel_message(b, &p, &m), 0);
  assert_int_equal(m, strlen(pt));
  assert_memory_equal(p, pt, m);
}

static void test_handshake_and_transport(void **state) {
  fixture *f = *state;
  uint8_t m1[256];
  size_t n1;
  make_channels(f, f->daemon->pub);
  handshake(f, m1, &n1);
  assert_int_equal(f->lc.calls, 1);
  send_ok(f->cli, f->srv, "client to daemon");
  send_ok(f->srv, f->cli, "daemon to client");
  send_ok(f->cli, f->srv, "again");
  send_ok(f->cli, f->srv, "");
  send_ok(f->srv, f->cli, "x");
  /* one byte at a time works too */
  uint8_t buf[64];
  size_t n = 0, used = 0;
  assert_int_equal(fs__channel_encrypt(f->cli, (const uint8_t *)"slow", 4, buf,
                                       sizeof(buf), &n), 0);
  for (size_t i = 0; i < n; i++) {
    int rc = fs__channel_feed(f->srv, buf + i, 1, &used);
    assert_int_equal(used, 1);
    assert_int_equal(rc, i + 1 == n ? FS_CHANNEL_EV_MESSAGE : 0);
  }
  /* big message up to the frame max, beyond Noise's 65535 */
  size_t big = 200000;
  uint8_t *pt = malloc(big), *ct = malloc(fs__channel_sealed_size(big));
  assert_non_null(pt);
  assert_non_null(ct);
  randombytes_buf(pt, big);
  assert_int_equal(fs__channel_encrypt(f->srv, pt, big, ct,
                                       fs__channel_sealed_size(big), &n), 0);
  assert_int_equal(feed_all(f->cli, ct, n), FS_CHANNEL_EV_MESSAGE);
  const uint8_t *p;
  size_t m;
  assert_int_equal(fs__channel_message(f->cli, &p, &m), 0);
  assert_int_equal(m, big);
  assert_memory_equal(p, pt, big);
  /* over the max refused at the sender */
  assert_int_equal(fs__channel_encrypt(f->srv, pt, FS_FRAME_MAX_DEFAULT - 15, ct,
                                       fs__channel_sealed_size(big), &n),
                   FS_ETOOBIG);
  free(pt);
  free(ct);
}

static void test_wrong_server_key(void **state) {
  fixture *f = *state;
  fs_keypair *other = NULL;
  uint8_t m1[256];
  size_t n1 = 0;
  assert_int_equal(fs__keypair_generate(&other), 0);
  make_channels(f, other->pub); /* client expects another daemon */
  assert_int_equal(fs__channel_client_start(f->cli, NULL, 0, m1, sizeof(m1), &n1), 0);
  assert_int_equal(feed_all(f->srv, m1, n1), FS_ECRYPTO);
  assert_int_equal(f->lc.calls, 0);
  assert_int_equal(fs__channel_error(f->srv), FS_ECRYPTO);

  /* and an impostor daemon: a server with another key answering a client
   * that expects the real one cannot even read message 1; a forged reply
   * from it is refused by the client */
  fs_channel *imp = NULL;
  fs_channel_config ic = {.local = other, .lookup = lookup, .lookup_ud = &f->lc};
  uint8_t m2[256];
  size_t n2 = 0;
  make_channels(f, f->daemon->pub);
  assert_int_equal(fs__channel_client_start(f->cli, NULL, 0, m1, sizeof(m1), &n1), 0);
  assert_int_equal(fs__channel_server_new(&imp, &ic), 0);
  assert_int_equal(feed_all(imp, m1, n1), FS_ECRYPTO);
  /* reply made by a legit server for a different client session */
  fs_channel *cli2 = NULL;
  fs_channel_config cc = {.local = f->dev, .server_pub = f->daemon->pub};
  uint8_t m1b[256];
  size_t n1b = 0;
  assert_int_equal(fs__channel_client_new(&cli2, &cc), 0);
  assert_int_equal(fs__channel_client_start(cli2, NULL, 0, m1b, sizeof(m1b), &n1b), 0);
  assert_int_equal(feed_all(f->srv, m1b, n1b), FS_CHANNEL_EV_HELLO);
  assert_int_equal(fs__channel_server_respond(f->srv, NULL, 0, m2, sizeof(m2), &n2), 0);
  assert_int_equal(feed_all(f->cli, m2, n2), FS_ECRYPTO);
  assert_false(fs__channel_is_open(f->cli));
  fs__channel_free(cli2);
  fs__channel_free(imp);
  fs__keypair_free(other);
}

static void test_unknown_device_refused(void **state) {
  fixture *f = *state;
  uint8_t m1[256], m2[256];
  size_t n1 = 0, n2 = 0;
  memset(f->lc.known, 0xAA, 32); /* our device is not registered */
  make_channels(f, f->daemon->pub);
  assert_int_equal(fs__channel_client_start(f->cli, (const uint8_t *)"hi", 2, m1,
                                            sizeof(m1), &n1),
                   0);
  assert_int_equal(feed_all(f->srv, m1, n1), FS_EUNKNOWN_DEVICE);
  assert_int_equal(f->lc.calls, 1);
  assert_false(fs__channel_is_open(f->srv));
  assert_int_equal(fs__channel_error(f->srv), FS_EUNKNOWN_DEVICE);
  /* the daemon may still tell the client why, then the channel is closed */
  assert_int_equal(fs__channel_server_respond(f->srv, (const uint8_t *)"NO", 2,
                                              m2, sizeof(m2), &n2),
                   0);
  assert_false(fs__channel_is_open(f->srv));
  assert_int_equal(fs__channel_error(f->srv), FS_EUNKNOWN_DEVICE);
  uint8_t buf[64];
  size_t n = 0;
  assert_int_equal(fs__channel_encrypt(f->srv, (const uint8_t *)"x", 1, buf,
                                       sizeof(buf), &n),
                   FS_EUNKNOWN_DEVICE);
  assert_int_equal(feed_all(f->cli, m2, n2), FS_CHANNEL_EV_OPEN);

  /* revoked verdict propagates unchanged */
  f->lc.verdict_unknown = FS_EREVOKED;
  make_channels(f, f->daemon->pub);
  assert_int_equal(fs__channel_client_start(f->cli, NULL, 0, m1, sizeof(m1), &n1), 0);
  assert_int_equal(feed_all(f->srv, m1, n1), FS_EREVOKED);
}

static void test_bit_flips_detected(void **state) {
  fixture *f = *state;
  uint8_t m1[256];
  size_t n1;
  make_channels(f, f->daemon->pub);
  handshake(f, m1, &n1);
  /* Each flipped bit position (body and header) on a fresh message; the
   * sender's counter advances, so pair with fresh channels each time. */
  uint8_t buf[64];
  size_t n = 0;
  assert_int_equal(fs__channel_encrypt(f->cli, (const uint8_t *)"payload!", 8,
                                       buf, sizeof(buf), &n), 0);
  for (size_t bit = 0; bit < n * 8; bit++) {
    make_channels(f, f->daemon->pub);
    handshake(f, m1, &n1);
    assert_int_equal(fs__channel_encrypt(f->cli, (const uint8_t *)"payload!", 8,
                                         buf, sizeof(buf), &n), 0);
    buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    int rc = feed_all(f->srv, buf, n);
    /* body flips fail authentication; header flips change the length: too
     * big, zero, or a truncated/overlong body (never a delivered message) */
    assert_true(rc != FS_CHANNEL_EV_MESSAGE);
    if (bit >= 32)
      assert_int_equal(rc, FS_EREPLAY);
    if (rc < 0) {
      assert_false(fs__channel_is_open(f->srv));
      /* closed for good: even a valid message is refused now */
      assert_int_equal(fs__channel_error(f->srv), rc);
    }
  }
}

static void test_truncated_frames(void **state) {
  fixture *f = *state;
  uint8_t m1[256], buf[64], trunc[64];
  size_t n1, n = 0, used = 0;
  make_channels(f, f->daemon->pub);
  handshake(f, m1, &n1);
  assert_int_equal(fs__channel_encrypt(f->cli, (const uint8_t *)"0123456789", 10,
                                       buf, sizeof(buf), &n), 0);
  /* the frame arrives without its last byte: nothing is delivered */
  assert_int_equal(fs__channel_feed(f->srv, buf, n - 1, &used), 0);
  assert_int_equal(used, n - 1);
  const uint8_t *p;
  size_t m;
  assert_int_equal(fs__channel_message(f->srv, &p, &m), FS_ESTATE);
  /* a frame whose announced length was shortened by an attacker: the
   * ciphertext (missing its tag end) fails authentication */
  make_channels(f, f->daemon->pub);
  handshake(f, m1, &n1);
  assert_int_equal(fs__channel_encrypt(f->cli, (const uint8_t *)"0123456789", 10,
                                       buf, sizeof(buf), &n), 0);
  memcpy(trunc, buf, n);
  fs__frame_header(trunc, (uint32_t)(n - 4 - 3));
  assert_int_equal(feed_all(f->srv, trunc, n - 3), FS_EREPLAY);
  /* shorter than a tag */
  make_channels(f, f->daemon->pub);
  handshake(f, m1, &n1);
  fs__frame_header(trunc, 5);
  assert_int_equal(feed_all(f->srv, trunc, 9), FS_EREPLAY);
  /* a truncated handshake message */
  make_channels(f, f->daemon->pub);
  assert_int_equal(fs__channel_client_start(f->cli, NULL, 0, m1, 256, &n1), 0);
  fs__frame_header(m1, (uint32_t)(n1 - 4 - 20));
  assert_int_equal(feed_all(f->srv, m1, n1 - 20), FS_ETRUNC);
}

static void test_replay_and_reorder(void **state) {
  fixture *f = *state;
  uint8_t m1[256], a[64], b[64];
  size_t n1, na = 0, nb = 0;
  make_channels(f, f->daemon->pub);
  handshake(f, m1, &n1);
  assert_int_equal(fs__channel_encrypt(f->cli, (const uint8_t *)"first", 5, a,
                                       sizeof(a), &na), 0);
  assert_int_equal(fs__channel_encrypt(f->cli, (const uint8_t *)"second", 6, b,
                                       sizeof(b), &nb), 0);
  assert_int_equal(feed_all(f->srv, a, na), FS_CHANNEL_EV_MESSAGE);
  /* replay of "first" */
  assert_int_equal(feed_all(f->srv, a, na), FS_EREPLAY);
  /* the channel is closed: the genuine next message is refused too */
  assert_int_equal(feed_all(f->srv, b, nb), FS_EREPLAY);
  uint8_t out[64];
  size_t no = 0;
  assert_int_equal(fs__channel_encrypt(f->srv, (const uint8_t *)"x", 1, out,
                                       sizeof(out), &no),
                   FS_EREPLAY);

  /* reordering: "second" before "first" */
  make_channels(f, f->daemon->pub);
  handshake(f, m1, &n1);
  assert_int_equal(fs__channel_encrypt(f->cli, (const uint8_t *)"first", 5, a,
                                       sizeof(a), &na), 0);
  assert_int_equal(fs__channel_encrypt(f->cli, (const uint8_t *)"second", 6, b,
                                       sizeof(b), &nb), 0);
  assert_int_equal(feed_all(f->srv, b, nb), FS_EREPLAY);
}

static void test_replayed_hello_refused(void **state) {
  fixture *f = *state;
  uint8_t m1[256];
  size_t n1;
  make_channels(f, f->daemon->pub);
  handshake(f, m1, &n1);
  /* an eavesdropper replays the captured message 1 on a new connection */
  make_channels(f, f->daemon->pub);
  assert_int_equal(feed_all(f->srv, m1, n1), FS_EREPLAY);
  assert_int_equal(f->lc.calls, 1); /* lookup not called for the replay */
  /* a fresh hello from the same device is fine */
  make_channels(f, f->daemon->pub);
  handshake(f, m1, &n1);
  assert_int_equal(f->lc.calls, 2);
}

static void test_replay_cache_bounded(void **state) {
  (void)state;
  fs_replay_cache c;
  uint8_t k[32];
  assert_int_equal(fs__replay_cache_init(&c, 4), 0);
  for (int i = 0; i < 6; i++) {
    memset(k, i, 32);
    assert_int_equal(fs__replay_cache_check_and_add(&c, k), 0);
    assert_int_equal(fs__replay_cache_check_and_add(&c, k), FS_EREPLAY);
  }
  assert_int_equal(c.n, 4);
  memset(k, 5, 32);
  assert_int_equal(fs__replay_cache_check_and_add(&c, k), FS_EREPLAY);
  memset(k, 0, 32); /* evicted: the oldest of 6 with capacity 4 */
  assert_int_equal(fs__replay_cache_check_and_add(&c, k), 0);
  fs__replay_cache_release(&c);
  fs__replay_cache_release(NULL);
  assert_int_equal(fs__replay_cache_check_and_add(NULL, k), FS_EINVAL);
}

static void test_garbage_before_handshake(void **state) {
  fixture *f = *state;
  uint8_t junk[200];
  make_channels(f, f->daemon->pub);
  /* a plausible-length frame of random bytes */
  randombytes_buf(junk, sizeof(junk));
  fs__frame_header(junk, sizeof(junk) - 4);
  assert_int_equal(feed_all(f->srv, junk, sizeof(junk)), FS_ECRYPTO);
  assert_int_equal(f->lc.calls, 0);
  /* an HTTP request: its "length" is huge -> refused at the header */
  make_channels(f, f->daemon->pub);
  const char *http = "GET / HTTP/1.1\r\n\r\n";
  assert_int_equal(feed_all(f->srv, (const uint8_t *)http, strlen(http)),
                   FS_ETOOBIG);
  /* bytes to a client that has not started */
  make_channels(f, f->daemon->pub);
  assert_int_equal(feed_all(f->cli, junk, 10), FS_EPROTO);
  /* server gets bytes after hello but before responding */
  make_channels(f, f->daemon->pub);
  uint8_t m1[256];
  size_t n1 = 0;
  assert_int_equal(fs__channel_client_start(f->cli, NULL, 0, m1, sizeof(m1), &n1), 0);
  assert_int_equal(feed_all(f->srv, m1, n1), FS_CHANNEL_EV_HELLO);
  assert_int_equal(feed_all(f->srv, junk, 10), FS_EPROTO);
  /* call order enforced */
  make_channels(f, f->daemon->pub);
  uint8_t out[256];
  size_t no = 0;
  assert_int_equal(fs__channel_encrypt(f->cli, junk, 1, out, sizeof(out), &no),
                   FS_ESTATE);
  assert_int_equal(fs__channel_server_respond(f->srv, NULL, 0, out, sizeof(out), &no),
                   FS_ESTATE);
  assert_int_equal(fs__channel_client_start(f->cli, NULL, 0, out, 10, &no), FS_EINVAL);
}

static void test_rekey_interval(void **state) {
  fixture *f = *state;
  uint8_t m1[256];
  size_t n1;
  char msg[32];
  f->rekey = 3;
  make_channels(f, f->daemon->pub);
  handshake(f, m1, &n1);
  /* cross the interval several times in both directions */
  for (int i = 0; i < 10; i++) {
    snprintf(msg, sizeof(msg), "c%d", i);
    send_ok(f->cli, f->srv, msg);
    snprintf(msg, sizeof(msg), "s%d", i);
    send_ok(f->srv, f->cli, msg);
  }
  /* a receiver with another interval desynchronises at the first rekey */
  fs_channel *srv2 = NULL, *cli2 = NULL;
  fs_channel_config cc = {.local = f->dev, .server_pub = f->daemon->pub,
                          .rekey_interval = 3};
  fs_channel_config sc = {.local = f->daemon, .lookup = lookup,
                          .lookup_ud = &f->lc, .rekey_interval = 4};
  uint8_t a[256], b[256];
  size_t na = 0, nb = 0;
  assert_int_equal(fs__channel_client_new(&cli2, &cc), 0);
  assert_int_equal(fs__channel_server_new(&srv2, &sc), 0);
  assert_int_equal(fs__channel_client_start(cli2, NULL, 0, a, sizeof(a), &na), 0);
  assert_int_equal(feed_all(srv2, a, na), FS_CHANNEL_EV_HELLO);
  assert_int_equal(fs__channel_server_respond(srv2, NULL, 0, b, sizeof(b), &nb), 0);
  assert_int_equal(feed_all(cli2, b, nb), FS_CHANNEL_EV_OPEN);
  int rc = 0;
  for (int i = 0; i < 4 && rc >= 0; i++) {
    assert_int_equal(fs__channel_encrypt(cli2, (const uint8_t *)"m", 1, a,
                                         sizeof(a), &na), 0);
    rc = feed_all(srv2, a, na);
    assert_int_equal(rc, i < 3 ? FS_CHANNEL_EV_MESSAGE : FS_EREPLAY);
  }
  fs__channel_free(cli2);
  fs__channel_free(srv2);
}

static void test_config_checks(void **state) {
  fixture *f = *state;
  fs_channel *ch = NULL;
  fs_channel_config c = {0};
  assert_int_equal(fs__channel_client_new(&ch, &c), FS_EINVAL);
  c.local = f->dev;
  assert_int_equal(fs__channel_client_new(&ch, &c), FS_EINVAL); /* no server key */
  assert_int_equal(fs__channel_server_new(&ch, &c), FS_EINVAL); /* no lookup */
  assert_null(ch);
  fs__channel_free(NULL);
  fs__channel_close(NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_handshake_and_transport, setup, teardown),
      cmocka_unit_test_setup_teardown(test_wrong_server_key, setup, teardown),
      cmocka_unit_test_setup_teardown(test_unknown_device_refused, setup, teardown),
      cmocka_unit_test_setup_teardown(test_bit_flips_detected, setup, teardown),
      cmocka_unit_test_setup_teardown(test_truncated_frames, setup, teardown),
      cmocka_unit_test_setup_teardown(test_replay_and_reorder, setup, teardown),
      cmocka_unit_test_setup_teardown(test_replayed_hello_refused, setup, teardown),
      cmocka_unit_test(test_replay_cache_bounded),
      cmocka_unit_test_setup_teardown(test_garbage_before_handshake, setup, teardown),
      cmocka_unit_test_setup_teardown(test_rekey_interval, setup, teardown),
      cmocka_unit_test_setup_teardown(test_config_checks, setup, teardown),
  };
  if (sodium_init() < 0)
    return 1;
  return cmocka_run_group_tests(tests, NULL, NULL);
}
