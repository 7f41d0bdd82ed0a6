/* test_proto_frame.c - streaming frame decoder. */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "frame.h"
#include "fs_errno.h"

/* Builds header + body of n bytes (body[i] = i*7+seed) into a malloc'd
 * buffer. */
static uint8_t *make_frame(size_t n, uint8_t seed, size_t *total) {
  uint8_t *b = malloc(FS_FRAME_HEADER_LEN + n);
  assert_non_null(b);
  fs__frame_header(b, (uint32_t)n);
  for (size_t i = 0; i < n; i++)
    b[FS_FRAME_HEADER_LEN + i] = (uint8_t)(i * 7 + seed);
  *total = FS_FRAME_HEADER_LEN + n;
  return b;
}

static void test_header_writer(void **state) {
  (void)state;
  uint8_t h[4];
  size_t l = 0;
  fs__frame_header(h, 0x01020304u);
  assert_int_equal(h[0], 1);
  assert_int_equal(h[1], 2);
  assert_int_equal(h[2], 3);
  assert_int_equal(h[3], 4);
  assert_int_equal(fs__frame_header_parse(h, UINT32_MAX, &l), 0);
  assert_int_equal(l, 0x01020304u);
  assert_int_equal(fs__frame_header_parse(h, 100, &l), FS_ETOOBIG);
  fs__frame_header(h, 0);
  assert_int_equal(fs__frame_header_parse(h, 100, &l), FS_EPROTO);
}

static void test_one_byte_at_a_time(void **state) {
  (void)state;
  fs_frame_decoder d;
  size_t total, used;
  uint8_t *f = make_frame(300, 3, &total);
  fs__frame_decoder_init(&d, 0);
  assert_int_equal(d.max, FS_FRAME_MAX_DEFAULT);
  for (size_t i = 0; i < total; i++) {
    int rc = fs__frame_feed(&d, f + i, 1, &used);
    assert_int_equal(used, 1);
    assert_int_equal(rc, i + 1 == total ? 1 : 0);
  }
  uint8_t *p;
  size_t n;
  assert_int_equal(fs__frame_body(&d, &p, &n), 0);
  assert_int_equal(n, 300);
  assert_memory_equal(p, f + 4, 300);
  assert_true(d.cap <= 300);
  fs__frame_decoder_release(&d);
  free(f);
}

static void test_many_frames_one_buffer(void **state) {
  (void)state;
  size_t sizes[] = {1, 5, 4096, 4097, 10000, 2};
  size_t nf = sizeof(sizes) / sizeof(sizes[0]);
  size_t cap = 0, off = 0;
  for (size_t i = 0; i < nf; i++)
    cap += 4 + sizes[i];
  uint8_t *all = malloc(cap);
  assert_non_null(all);
  for (size_t i = 0; i < nf; i++) {
    size_t t;
    uint8_t *f = make_frame(sizes[i], (uint8_t)i, &t);
    memcpy(all + off, f, t);
    off += t;
    free(f);
  }
  fs_frame_decoder d;
  fs__frame_decoder_init(&d, 20000);
  size_t pos = 0, got = 0;
  while (pos < cap) {
    size_t used;
    int rc = fs__frame_feed(&d, all + pos, cap - pos, &used);
    assert_true(rc >= 0);
    pos += used;
    if (rc == 1) {
      uint8_t *p;
      size_t n;
      assert_int_equal(fs__frame_body(&d, &p, &n), 0);
      assert_int_equal(n, sizes[got]);
      assert_int_equal(p[n - 1], (uint8_t)((n - 1) * 7 + got));
      got++;
    }
  }
  assert_int_equal(got, nf);
  assert_true(fs__frame_idle(&d));
  fs__frame_decoder_release(&d);
  free(all);
}

static void test_max_accepted_max_plus_one_refused(void **state) {
  (void)state;
  fs_frame_decoder d;
  size_t total, used;
  const size_t max = 70000;
  uint8_t *f = make_frame(max, 9, &total);
  fs__frame_decoder_init(&d, max);
  assert_int_equal(fs__frame_feed(&d, f, total, &used), 1);
  assert_int_equal(used, total);
  uint8_t *take;
  size_t n;
  assert_int_equal(fs__frame_body_take(&d, &take, &n), 0);
  assert_int_equal(n, max);
  assert_memory_equal(take, f + 4, max);
  free(take);
  assert_int_equal(fs__frame_body(&d, &take, &n), FS_ESTATE);

  /* max + 1: refused on the 4th header byte with nothing allocated. */
  uint8_t h[4];
  fs__frame_header(h, (uint32_t)max + 1);
  assert_int_equal(fs__frame_feed(&d, h, 3, &used), 0);
  assert_int_equal(fs__frame_feed(&d, h + 3, 1, &used), FS_ETOOBIG);
  assert_int_equal(used, 1);
  assert_null(d.buf);
  assert_int_equal(d.cap, 0);
  /* sticky */
  assert_int_equal(fs__frame_feed(&d, f, 10, &used), FS_ETOOBIG);
  assert_int_equal(used, 0);
  fs__frame_reset(&d);
  assert_int_equal(fs__frame_feed(&d, f, total, &used), 1);
  fs__frame_decoder_release(&d);

  /* default max: 1 MiB + 1 refused, huge lengths refused. */
  fs__frame_decoder_init(&d, 0);
  fs__frame_header(h, FS_FRAME_MAX_DEFAULT + 1);
  assert_int_equal(fs__frame_feed(&d, h, 4, &used), FS_ETOOBIG);
  assert_null(d.buf);
  fs__frame_reset(&d);
  fs__frame_header(h, UINT32_MAX);
  assert_int_equal(fs__frame_feed(&d, h, 4, &used), FS_ETOOBIG);
  assert_null(d.buf);
  fs__frame_decoder_release(&d);
  free(f);
}

static void test_zero_length(void **state) {
  (void)state;
  fs_frame_decoder d;
  uint8_t h[6] = {0, 0, 0, 0, 1, 2};
  size_t used;
  fs__frame_decoder_init(&d, 100);
  assert_int_equal(fs__frame_feed(&d, h, sizeof(h), &used), FS_EPROTO);
  assert_int_equal(used, 4);
  assert_null(d.buf);
  fs__frame_decoder_release(&d);
}

static void test_truncation(void **state) {
  (void)state;
  fs_frame_decoder d;
  size_t total, used;
  uint8_t *f = make_frame(5000, 1, &total);
  fs__frame_decoder_init(&d, 0);
  /* Everything but the last byte: need more, never complete. */
  assert_int_equal(fs__frame_feed(&d, f, total - 1, &used), 0);
  assert_int_equal(used, total - 1);
  assert_false(fs__frame_idle(&d));
  uint8_t *p;
  size_t n;
  assert_int_equal(fs__frame_body(&d, &p, &n), FS_ESTATE);
  /* the body buffer never exceeds the announced length */
  assert_true(d.cap <= 5000);
  /* header cut short: still need more */
  fs__frame_reset(&d);
  assert_int_equal(fs__frame_feed(&d, f, 2, &used), 0);
  assert_int_equal(fs__frame_body(&d, &p, &n), FS_ESTATE);
  assert_int_equal(fs__frame_feed(NULL, f, 2, &used), FS_EINVAL);
  assert_int_equal(fs__frame_feed(&d, NULL, 2, &used), FS_EINVAL);
  fs__frame_decoder_release(&d);
  fs__frame_decoder_release(NULL);
  free(f);
}

static void test_stops_at_frame_end(void **state) {
  (void)state;
  fs_frame_decoder d;
  uint8_t buf[4 + 3 + 4 + 2] = {0, 0, 0, 3, 'a', 'b', 'c', 0, 0, 0, 2, 'x', 'y'};
  size_t used;
  uint8_t *p;
  size_t n;
  fs__frame_decoder_init(&d, 10);
  assert_int_equal(fs__frame_feed(&d, buf, sizeof(buf), &used), 1);
  assert_int_equal(used, 7);
  assert_int_equal(fs__frame_body(&d, &p, &n), 0);
  assert_memory_equal(p, "abc", 3);
  assert_int_equal(fs__frame_feed(&d, buf + 7, 6, &used), 1);
  assert_int_equal(used, 6);
  assert_int_equal(fs__frame_body(&d, &p, &n), 0);
  assert_int_equal(n, 2);
  assert_memory_equal(p, "xy", 2);
  fs__frame_decoder_release(&d);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_header_writer),
      cmocka_unit_test(test_one_byte_at_a_time),
      cmocka_unit_test(test_many_frames_one_buffer),
      cmocka_unit_test(test_max_accepted_max_plus_one_refused),
      cmocka_unit_test(test_zero_length),
      cmocka_unit_test(test_truncation),
      cmocka_unit_test(test_stops_at_frame_end),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
