/* test_proto_zerocopy.c - the zero-copy receive path: fs__frame_feed_ref
 * (a whole frame in the input is not copied into the decoder) and the
 * channel built on it (decrypts from the caller's bytes), checked against
 * the ordinary copying path with streams cut at arbitrary points. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "testutil.h"

#include "channel.h"
#include "frame.h"
#include "fs_errno.h"
#include "keys.h"

/* Appends a frame of n bytes (body[i] = i*13+seed) at buf+*len. */
static void put_frame(uint8_t *buf, size_t *len, size_t n, uint8_t seed) {
  fs__frame_header(buf + *len, (uint32_t)n);
  for (size_t i = 0; i < n; i++)
    buf[*len + FS_FRAME_HEADER_LEN + i] = (uint8_t)(i * 13 + seed);
  *len += FS_FRAME_HEADER_LEN + n;
}

static void check_body(const uint8_t *p, size_t n, size_t want, uint8_t seed) {
  assert_int_equal(n, want);
  for (size_t i = 0; i < n; i++)
    assert_int_equal(p[i], (uint8_t)(i * 13 + seed));
}

static void test_whole_frames_point_into_input(void **state) {
  (void)state;
  static const size_t sizes[] = {1, 100, 5000, 70000, 3};
  uint8_t *buf = malloc(100000);
  fs_frame_decoder d;
  size_t len = 0, pos = 0;
  assert_non_null(buf);
  for (size_t i = 0; i < 5; i++)
    put_frame(buf, &len, sizes[i], (uint8_t)i);
  fs__frame_decoder_init(&d, 0);
  for (size_t i = 0; i < 5; i++) {
    const uint8_t *src = NULL;
    uint8_t *body = NULL;
    size_t used = 0, n = 0;
    assert_int_equal(fs__frame_feed_ref(&d, buf + pos, len - pos, &used, &src),
                     1);
    assert_int_equal(used, FS_FRAME_HEADER_LEN + sizes[i]);
    /* not copied: the body is read where it arrived */
    assert_ptr_equal(src, buf + pos + FS_FRAME_HEADER_LEN);
    check_body(src, sizes[i], sizes[i], (uint8_t)i);
    /* the decoder's buffer has room for the caller's output */
    assert_int_equal(fs__frame_body(&d, &body, &n), 0);
    assert_non_null(body);
    assert_int_equal(n, sizes[i]);
    memset(body, 0x5A, n);
    assert_true(fs__frame_idle(&d));
    pos += used;
  }
  assert_int_equal(pos, len);
  fs__frame_decoder_release(&d);
  free(buf);
}

static void test_split_frames_are_assembled(void **state) {
  (void)state;
  uint8_t buf[3000];
  fs_frame_decoder d;
  const uint8_t *src = NULL;
  uint8_t *body = NULL;
  size_t len = 0, used = 0, n = 0;
  put_frame(buf, &len, 2000, 7);
  fs__frame_decoder_init(&d, 0);
  /* header cut in two, then the body in two pieces */
  assert_int_equal(fs__frame_feed_ref(&d, buf, 2, &used, &src), 0);
  assert_int_equal(used, 2);
  assert_null(src);
  assert_int_equal(fs__frame_feed_ref(&d, buf + 2, 1000, &used, &src), 0);
  assert_int_equal(used, 1000);
  assert_int_equal(fs__frame_feed_ref(&d, buf + 1002, len - 1002, &used, &src),
                   1);
  assert_int_equal(used, len - 1002);
  assert_int_equal(fs__frame_body(&d, &body, &n), 0);
  assert_ptr_equal(src, body);
  check_body(src, n, 2000, 7);
  /* whole header, partial body: also the copying path */
  assert_int_equal(fs__frame_feed_ref(&d, buf, 10, &used, &src), 0);
  assert_int_equal(fs__frame_feed_ref(&d, buf + 10, len - 10, &used, &src), 1);
  assert_int_equal(fs__frame_body(&d, &body, &n), 0);
  assert_ptr_equal(src, body);
  check_body(src, n, 2000, 7);
  fs__frame_decoder_release(&d);
}

static void test_errors_match_feed(void **state) {
  (void)state;
  uint8_t buf[64];
  fs_frame_decoder d;
  const uint8_t *src = NULL;
  size_t len = 0, used = 0;
  fs__frame_decoder_init(&d, 32);
  assert_int_equal(fs__frame_feed_ref(&d, buf, 0, &used, NULL), FS_EINVAL);
  assert_int_equal(fs__frame_feed_ref(NULL, buf, 0, &used, &src), FS_EINVAL);
  assert_int_equal(fs__frame_feed_ref(&d, NULL, 4, &used, &src), FS_EINVAL);
  /* over the max, even with the whole (too big) frame present */
  put_frame(buf, &len, 40, 1);
  assert_int_equal(fs__frame_feed_ref(&d, buf, len, &used, &src), FS_ETOOBIG);
  assert_int_equal(used, FS_FRAME_HEADER_LEN);
  /* sticky until reset */
  assert_int_equal(fs__frame_feed_ref(&d, buf, len, &used, &src), FS_ETOOBIG);
  assert_int_equal(used, 0);
  fs__frame_reset(&d);
  /* L == 0 */
  memset(buf, 0, 8);
  assert_int_equal(fs__frame_feed_ref(&d, buf, 8, &used, &src), FS_EPROTO);
  fs__frame_decoder_release(&d);
}

/* ---- channel over a cut stream ----------------------------------------- */

static int accept_all(void *ud, const uint8_t pub[32], const uint8_t *h,
                      size_t n) {
  (void)ud;
  (void)pub;
  (void)h;
  (void)n;
  return 0;
}

typedef struct pair {
  fs_keypair *dev, *daemon;
  fs_channel *cli, *srv;
} pair;

static void pair_open(pair *p) {
  fs_channel_config cc = {0}, sc = {0};
  uint8_t m[256];
  size_t n = 0, used = 0;
  memset(p, 0, sizeof(*p));
  assert_int_equal(fs__keypair_generate(&p->dev), 0);
  assert_int_equal(fs__keypair_generate(&p->daemon), 0);
  cc.local = p->dev;
  cc.server_pub = p->daemon->pub;
  cc.rekey_interval = 5; /* rekeys happen inside the stream too */
  sc.local = p->daemon;
  sc.lookup = accept_all;
  sc.rekey_interval = 5;
  assert_int_equal(fs__channel_client_new(&p->cli, &cc), 0);
  assert_int_equal(fs__channel_server_new(&p->srv, &sc), 0);
  assert_int_equal(fs__channel_client_start(p->cli, NULL, 0, m, sizeof(m), &n),
                   0);
  assert_int_equal(fs__channel_feed(p->srv, m, n, &used), FS_CHANNEL_EV_HELLO);
  assert_int_equal(
      fs__channel_server_respond(p->srv, NULL, 0, m, sizeof(m), &n), 0);
  assert_int_equal(fs__channel_feed(p->cli, m, n, &used), FS_CHANNEL_EV_OPEN);
}

static void pair_close(pair *p) {
  fs__channel_free(p->cli);
  fs__channel_free(p->srv);
  fs__keypair_free(p->dev);
  fs__keypair_free(p->daemon);
}

#define NMSG 23

/* Encrypts NMSG messages of assorted sizes into one stream. */
static uint8_t *make_stream(pair *p, uint8_t **pts, size_t *lens,
                            size_t *total) {
  size_t cap = 0, len = 0;
  uint8_t *s;
  for (size_t i = 0; i < NMSG; i++) {
    lens[i] = (i * 7919) % 9000 + (i % 4 == 0 ? 70000 : 0);
    cap += fs__channel_sealed_size(lens[i]);
  }
  s = malloc(cap);
  assert_non_null(s);
  for (size_t i = 0; i < NMSG; i++) {
    size_t n = 0;
    pts[i] = malloc(lens[i] ? lens[i] : 1);
    assert_non_null(pts[i]);
    randombytes_buf(pts[i], lens[i]);
    assert_int_equal(fs__channel_encrypt(p->cli, pts[i], lens[i], s + len,
                                         cap - len, &n),
                     0);
    len += n;
  }
  *total = len;
  return s;
}

static void test_channel_stream_any_cuts(void **state) {
  (void)state;
  /* chunk sizes: bytewise, odd, around a frame, the whole stream */
  static const size_t chunks[] = {1, 333, 4096, 65536 + 20, 1u << 30};
  for (size_t c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
    pair p;
    uint8_t *pts[NMSG], *s;
    size_t lens[NMSG], total = 0, pos = 0, got = 0;
    pair_open(&p);
    s = make_stream(&p, pts, lens, &total);
    while (pos < total) {
      size_t end = pos + chunks[c] < total ? pos + chunks[c] : total;
      /* a read buffer's worth: fed until used up, as the daemon does */
      while (pos < end) {
        const uint8_t *m;
        size_t used = 0, n = 0;
        int rc = fs__channel_feed(p.srv, s + pos, end - pos, &used);
        assert_true(rc >= 0);
        pos += used;
        if (rc == FS_CHANNEL_EV_MESSAGE) {
          assert_true(got < NMSG);
          assert_int_equal(fs__channel_message(p.srv, &m, &n), 0);
          assert_int_equal(n, lens[got]);
          assert_memory_equal(m, pts[got], n);
          got++;
        }
      }
    }
    assert_int_equal(got, NMSG);
    for (size_t i = 0; i < NMSG; i++)
      free(pts[i]);
    free(s);
    pair_close(&p);
  }
}

static void test_channel_stream_tamper(void **state) {
  (void)state;
  pair p;
  uint8_t *pts[NMSG], *s;
  size_t lens[NMSG], total = 0, pos = 0, got = 0, used = 0;
  int rc = 0;
  pair_open(&p);
  s = make_stream(&p, pts, lens, &total);
  /* flip one bit deep inside the 6th frame: 5 messages, then failure */
  {
    size_t off = 0;
    for (size_t i = 0; i < 5; i++)
      off += fs__channel_sealed_size(lens[i]);
    s[off + FS_FRAME_HEADER_LEN + lens[5] / 2] ^= 0x10;
  }
  while (pos < total) {
    rc = fs__channel_feed(p.srv, s + pos, total - pos, &used);
    if (rc < 0)
      break;
    pos += used;
    if (rc == FS_CHANNEL_EV_MESSAGE)
      got++;
  }
  assert_int_equal(rc, FS_EREPLAY);
  assert_int_equal(got, 5);
  assert_false(fs__channel_is_open(p.srv));
  /* closed for good: the rest is refused */
  assert_int_equal(fs__channel_feed(p.srv, s, total, &used), FS_EREPLAY);
  for (size_t i = 0; i < NMSG; i++)
    free(pts[i]);
  free(s);
  pair_close(&p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_whole_frames_point_into_input),
      cmocka_unit_test(test_split_frames_are_assembled),
      cmocka_unit_test(test_errors_match_feed),
      cmocka_unit_test(test_channel_stream_any_cuts),
      cmocka_unit_test(test_channel_stream_tamper),
  };
  if (sodium_init() < 0)
    return 1;
  return cmocka_run_group_tests(tests, NULL, NULL);
}
