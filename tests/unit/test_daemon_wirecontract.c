/* test_daemon_wirecontract.c - issue 12: what PROTOCOL.md promises, checked
 * at the protocol level against a real fieldsyncd on 127.0.0.1, with a
 * device speaking the wire protocol directly with a genuine device key
 * (wiretest.h), or raw TCP bytes.
 *
 * Re-send (5.5.4).  The device pushes a
 * card the validator refuses (an escape character in its name): outcome 4,
 * FS_EVALIDATE, a reason naming the field.  It pushes the same change
 * again - the same counter (a retry after a lost PUSH_RESULT), then under
 * a new counter with the same clock (an outbox renumbered after a restore
 * from a backup) - and each time gets outcome 4, the same code and exactly
 * the same reason, not the code's generic message.  The daemon stores the
 * reason with the recorded outcome (applied.reason).
 *
 * Registered key with a token (3, 3.1).  A HELLO from a registered key that
 * also carries a token - a valid one, or garbage - is an ordinary session
 * (WELCOME ok, text "welcome"); the token is not used up and still enrolls
 * a new device afterwards.
 *
 * Answered or closed silently (6.1).  In HANDSHAKE: a zero-length frame and
 * a message 1 under 96 bytes close without a byte, a message 1 that does
 * not decrypt gets the UNREADABLE note.  In READY: a zero-length frame, an
 * oversized frame (refused from its header, never ERROR FS_ETOOBIG) and a
 * frame that fails authentication close silently; an empty plaintext is
 * answered ERROR FS_ETRUNC, a message a device may not send ERROR
 * FS_EPROTO.
 */
#include "daemontest.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <sodium.h>

#include "channel.h"
#include "frame.h"
#include "fs_errno.h"
#include "id.h"
#include "msg.h"
#include "wiretest.h"

typedef fs_test_world world;

static int setup(void **state) {
  world *w;

  fs_test_world_setup(state, "staff add A01 --name 'Li' --role rep", NULL);
  w = *state;
  fs_replica_close(
      fs_test_enroll(&w->d, w->tmp, "A01", "a01")); /* its key, for the wire */
  return 0;
}

/* One change's PUSH_RESULT, reason included. */
typedef struct result {
  int outcome, code;
  char reason[FS_MSG_STR_MAX + 1];
} result;

/* Pushes the one change c over h and returns its result (fails the test
 * unless the answer is a PUSH_RESULT with one result for c). */
static void push_one(fs_wire_dev *h, fs_change *c, result *out) {
  out->outcome = fs_wire_push_one(h, c, &out->code, out->reason, sizeof(out->reason));
}

static void test_resend_keeps_reason(void **state) {
  world *w = *state;
  fs_wire_dev h;
  fs_change c;
  char id[FS_ID_HEX + 1];
  result first, again, renumbered, later;

  fs__id_new(id);
  fs_wire_load(&h, w->tmp, "a01");
  assert_int_equal(fs_wire_open(&h, NULL), 0);
  fs_wire_change_init(&c, FS_KIND_CUSTOMER, id, "A01", 7, 0);
  fs_wire_change_set(&c, "name", "Evil\x1b[31m Co");
  fs_wire_change_set(&c, "grade", "B");
  push_one(&h, &c, &first);
  assert_int_equal(first.outcome, FS_OUTCOME_REJECTED);
  assert_int_equal(first.code, FS_EVALIDATE);
  /* A reason of its own, not the code's message. */
  assert_non_null(strstr(first.reason, "name"));
  assert_string_not_equal(first.reason, fs_strerror(FS_EVALIDATE));

  /* The same change again, same counter (its PUSH_RESULT was lost). */
  push_one(&h, &c, &again);
  assert_int_equal(again.outcome, FS_OUTCOME_REJECTED);
  assert_int_equal(again.code, FS_EVALIDATE);
  assert_string_equal(again.reason, first.reason);

  /* On a new connection, under another counter with the same clock (an
   * outbox renumbered after a restore): the recorded change, same reason. */
  fs_wire_close(&h);
  assert_int_equal(fs_wire_open(&h, NULL), 0);
  c.counter = 8;
  push_one(&h, &c, &renumbered);
  assert_int_equal(renumbered.outcome, FS_OUTCOME_REJECTED);
  assert_int_equal(renumbered.code, FS_EVALIDATE);
  assert_string_equal(renumbered.reason, first.reason);
  c.counter = 7;
  push_one(&h, &c, &later);
  assert_string_equal(later.reason, first.reason);
  fs_wire_change_release(&c);
  fs_wire_free(&h);

  /* Stored with the outcome; nothing of the card was applied. */
  assert_int_equal(fs_test_central_int(&w->d,
                                       "SELECT count(*) FROM applied WHERE counter=7 "
                                       "AND outcome=4 AND instr(reason, 'name') > 0"),
                   1);
  assert_int_equal(fs_test_central_int(&w->d, "SELECT count(*) FROM customers"), 0);
}

/* ---- a registered key that also sends a token ------------------------- */

static void test_registered_key_with_token(void **state) {
  world *w = *state;
  char *token = fs_test_daemon_cmd(&w->d, NULL, "enroll A01");
  char *dir = fs_test_path(w->tmp, "a01b"), err[512];
  long long dev = fs_test_central_int(&w->d, "SELECT id FROM devices");
  fs_wire_hello hello = {0};
  fs_identity id;
  fs_wire_dev h;

  fs_wire_load(&h, w->tmp, "a01");
  hello.token = token;
  assert_int_equal(fs_wire_open(&h, &hello), 0);
  assert_true(h.welcome.u.welcome.ok);
  assert_string_equal(h.welcome.u.welcome.text, "welcome");
  assert_int_equal(h.welcome.u.welcome.device, dev);
  assert_string_equal(h.welcome.u.welcome.staff, "A01");
  fs_wire_close(&h);
  hello.token = "fs1.garbage";
  assert_int_equal(fs_wire_open(&h, &hello), 0);
  assert_string_equal(h.welcome.u.welcome.text, "welcome");
  fs_wire_free(&h);
  /* The token was neither used nor refused: it still enrolls a new key. */
  assert_int_equal(fs_test_central_int(&w->d,
                                       "SELECT count(*) FROM tokens WHERE used_at IS "
                                       "NULL"),
                   1);
  if (fs_enroll(dir, token, 5000, &id, err, sizeof(err)) != 0)
    fail_msg("enroll with the token a registered key carried: %s", err);
  assert_true(id.device_id != (uint64_t)dev);
  assert_int_equal(id.slot, 2);
  free(dir);
  free(token);
}

/* ---- answered or closed silently (PROTOCOL.md 6.1) --------------------- */

/* Connects to the daemon over plain TCP, sends n bytes, and reads what the
 * daemon sends until it closes (at most cap bytes, 5 s).  Returns the
 * count; fails the test if the daemon does not close. */
static size_t raw_exchange(world *w, const uint8_t *p, size_t n, uint8_t *out,
                           size_t cap) {
  struct sockaddr_in sa;
  struct timeval tv = {5, 0};
  size_t got = 0;
  int fd = socket(AF_INET, SOCK_STREAM, 0);

  assert_true(fd >= 0);
  memset(&sa, 0, sizeof(sa));
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sa.sin_port = htons((uint16_t)w->d.port);
  assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
  assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
  assert_int_equal(write(fd, p, n), (ssize_t)n);
  for (;;) {
    ssize_t r = read(fd, out + got, cap - got);
    if (r == 0)
      break;
    if (r < 0)
      fail_msg("the daemon did not close the connection");
    got += (size_t)r;
    assert_true(got < cap);
  }
  close(fd);
  return got;
}

static void test_handshake_errors(void **state) {
  world *w = *state;
  uint8_t frame[FS_FRAME_HEADER_LEN + 200], out[64];

  /* Zero-length frame: closed without a byte. */
  memset(frame, 0, sizeof(frame));
  assert_int_equal(raw_exchange(w, frame, FS_FRAME_HEADER_LEN, out, sizeof(out)), 0);
  /* A message 1 under 96 bytes: closed without a byte (no note). */
  fs__frame_header(frame, 95);
  randombytes_buf(frame + FS_FRAME_HEADER_LEN, 95);
  assert_int_equal(raw_exchange(w, frame, FS_FRAME_HEADER_LEN + 95, out, sizeof(out)), 0);
  /* A message 1 that does not decrypt: the UNREADABLE note. */
  fs__frame_header(frame, 200);
  randombytes_buf(frame + FS_FRAME_HEADER_LEN, 200);
  assert_int_equal(raw_exchange(w, frame, sizeof(frame), out, sizeof(out)),
                   FS_FRAME_HEADER_LEN + 1);
  assert_int_equal(out[3], 1);
  assert_int_equal(out[4], FS_CHANNEL_NOTE_UNREADABLE);
  /* A frame announcing more than Noise's 65535 bytes: closed from its header. */
  fs__frame_header(frame, 65536);
  assert_int_equal(raw_exchange(w, frame, FS_FRAME_HEADER_LEN, out, sizeof(out)), 0);
}

/* Opens a READY session of the device a01. */
static void ready(world *w, fs_wire_dev *h) {
  fs_wire_load(h, w->tmp, "a01");
  assert_int_equal(fs_wire_open(h, NULL), 0);
}

/* Writes raw bytes on h's socket. */
static void raw_send(fs_wire_dev *h, const uint8_t *p, size_t n) {
  assert_int_equal(write(fs__net_fd(&h->net), p, n), (ssize_t)n);
}

/* The daemon's next move on h: its ERROR code, or FS_ECLOSED for a close
 * without a message. */
static int answer(fs_wire_dev *h) {
  fs_msg m;
  int rc = fs_wire_recv(h, &m, 5000);

  if (rc)
    return rc;
  rc = m.type == FS_MSG_ERROR ? m.u.error.code : 1;
  fs__msg_release(&m);
  return rc;
}

static void test_ready_errors(void **state) {
  world *w = *state;
  uint8_t frame[FS_FRAME_HEADER_LEN + 20];
  fs_wire_dev h;
  fs_msg m;

  /* Zero-length frame: silent close. */
  ready(w, &h);
  memset(frame, 0, sizeof(frame));
  raw_send(&h, frame, FS_FRAME_HEADER_LEN);
  assert_int_equal(answer(&h), FS_ECLOSED);
  fs_wire_free(&h);
  /* Over frame_max (1 MiB + 1), and the largest length: refused from the
   * header, silently - FS_ETOOBIG is never sent as ERROR. */
  ready(w, &h);
  fs__frame_header(frame, FS_FRAME_MAX_DEFAULT + 1);
  raw_send(&h, frame, FS_FRAME_HEADER_LEN);
  assert_int_equal(answer(&h), FS_ECLOSED);
  fs_wire_free(&h);
  ready(w, &h);
  fs__frame_header(frame, UINT32_MAX);
  raw_send(&h, frame, FS_FRAME_HEADER_LEN);
  assert_int_equal(answer(&h), FS_ECLOSED);
  fs_wire_free(&h);
  /* A frame that fails authentication: silent close. */
  ready(w, &h);
  fs__frame_header(frame, 20);
  randombytes_buf(frame + FS_FRAME_HEADER_LEN, 20);
  raw_send(&h, frame, sizeof(frame));
  assert_int_equal(answer(&h), FS_ECLOSED);
  fs_wire_free(&h);
  /* An authenticated but empty plaintext: ERROR FS_ETRUNC, then close. */
  ready(w, &h);
  assert_int_equal(fs__net_send_raw(&h.net, frame, 0), 0);
  assert_int_equal(answer(&h), FS_ETRUNC);
  assert_int_equal(answer(&h), FS_ECLOSED);
  fs_wire_free(&h);
  /* A message a device may not send: ERROR FS_EPROTO, then close. */
  ready(w, &h);
  fs__msg_init(&m, FS_MSG_PONG);
  assert_int_equal(fs_wire_send(&h, &m), 0);
  assert_int_equal(answer(&h), FS_EPROTO);
  assert_int_equal(answer(&h), FS_ECLOSED);
  fs_wire_free(&h);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_resend_keeps_reason, setup,
                                      fs_test_world_teardown),
      cmocka_unit_test_setup_teardown(test_registered_key_with_token, setup,
                                      fs_test_world_teardown),
      cmocka_unit_test_setup_teardown(test_handshake_errors, setup,
                                      fs_test_world_teardown),
      cmocka_unit_test_setup_teardown(test_ready_errors, setup, fs_test_world_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
