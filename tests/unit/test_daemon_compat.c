/* test_daemon_compat.c - issue 12, "old clients keep working": a client of
 * a protocol version the daemon does not speak is refused at the handshake
 * with a message saying what to update, and loses nothing (PROTOCOL.md
 * section 8).  The previous release's real client is driven by
 * tests/integration/compat_previous.sh; this is the protocol-level half.
 *
 * A device with pending changes sends its HELLO as version 0 (an app older
 * than every version the daemon speaks) and as version 2 (newer than the
 * daemon): each time WELCOME {ok false, FS_EVERSION} whose text says to
 * update the fieldsync app, or that the daemon must be updated first, and
 * that unsynced changes stay on the device; the client's transport (what
 * `fieldsync sync` prints) names the protocol version, not the device, as
 * refused.  The device is not marked in any way: its outbox is as it was
 * and the next ordinary sync pushes all of it.  A version-1 HELLO sent the
 * same way (the envelope byte rewritten in place) is accepted, so the
 * refusals are about the version alone.
 */
#include "daemontest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fs_errno.h"
#include "msg.h"
#include "wiretest.h"

typedef struct world {
  fs_test_world tw; /* first: daemontest.h */
  fs_replica *r;    /* A01's device a01 */
} world;

static int setup(void **state) {
  world *w;

  fs_test_world_setup_size(state, sizeof(world), "staff add A01 --name 'Li' --role rep",
                           NULL);
  w = *state;
  w->r = fs_test_world_device(&w->tw, "A01", "a01");
  return 0;
}

static uint64_t pending(fs_replica *r) {
  uint64_t p = 0, rej = 0;

  assert_int_equal(fs_outbox_count(r, &p, &rej), 0);
  assert_int_equal(rej, 0);
  return p;
}

/* Opens a session whose HELLO carries envelope version v; returns the
 * result, the client's error text in err. */
static int open_version(world *w, uint64_t v, char *err, size_t cap) {
  fs_wire_hello hello = {0};
  fs_wire_dev h;
  int rc;

  fs_wire_load(&h, w->tw.tmp, "a01");
  hello.version = &v;
  hello.outbox = pending(w->r);
  rc = fs_wire_open(&h, &hello);
  snprintf(err, cap, "%s", h.net.err);
  fs_wire_free(&h);
  return rc;
}

static void test_version_refused_outbox_kept(void **state) {
  world *w = *state;
  char err[512], cust[33];
  uint64_t before;

  fs_test_create_customer(w->r, "Acme", "B", cust);
  fs_test_log_visit(w->r, cust, "2026-03-02T10:30", "offer", NULL);
  before = pending(w->r);
  assert_true(before >= 3);

  /* An app older than the daemon: update the app. */
  assert_int_equal(open_version(w, 0, err, sizeof(err)), FS_EVERSION);
  if (strstr(err,
             "daemon refused this app's protocol version: this app is too old "
             "(protocol version 0, the daemon speaks 1): update the fieldsync app") ==
          NULL ||
      strstr(err, "unsynced changes stay on the device") == NULL)
    fail_msg("version 0 refused with: %s", err);
  assert_int_equal(pending(w->r), before);

  /* An app newer than the daemon: the daemon is to be updated. */
  assert_int_equal(open_version(w, 2, err, sizeof(err)), FS_EVERSION);
  if (strstr(err,
             "daemon refused this app's protocol version: this app is newer than the "
             "daemon (protocol version 2, the daemon speaks 1): the daemon must be "
             "updated first") == NULL ||
      strstr(err, "unsynced changes stay on the device") == NULL)
    fail_msg("version 2 refused with: %s", err);
  assert_int_equal(pending(w->r), before);

  /* The same path with the daemon's own version is an ordinary session. */
  assert_int_equal(open_version(w, FS_MSG_VERSION, err, sizeof(err)), 0);

  /* Nothing was held against the device: it syncs everything it kept. */
  assert_int_equal(fs_test_central_int(&w->tw.d, "SELECT count(*) FROM devices WHERE "
                                                 "status='active'"),
                   1);
  fs_test_sync_ok(w->r, NULL);
  assert_int_equal(pending(w->r), 0);
  assert_int_equal(fs_test_central_int(&w->tw.d, "SELECT count(*) FROM applied"),
                   (long long)before);
}

/* fs__msg_peek_version reads the envelope version of any version's message
 * and nothing else. */
static void test_peek_version(void **state) {
  const uint8_t v7[] = {0x93, 0x07, 0x01, 0x80}, v300[] = {0x92, 0xcd, 0x01, 0x2c};
  const uint8_t empty[] = {0x90}, notarray[] = {0x07}, neg[] = {0x93, 0xff};
  uint64_t v = 0;
  fs_buf b;
  fs_msg m;

  (void)state;
  fs__buf_init(&b, FS_MSG_MAX_BYTES);
  fs__msg_init(&m, FS_MSG_PING);
  assert_int_equal(fs__msg_encode(&m, &b), 0);
  assert_int_equal(fs__msg_peek_version(b.data, b.len, &v), 0);
  assert_int_equal(v, FS_MSG_VERSION);
  fs__buf_release(&b);
  assert_int_equal(fs__msg_peek_version(v7, sizeof(v7), &v), 0);
  assert_int_equal(v, 7);
  assert_int_equal(fs__msg_peek_version(v300, sizeof(v300), &v), 0);
  assert_int_equal(v, 300);
  assert_int_equal(fs__msg_peek_version(empty, sizeof(empty), &v), FS_EPROTO);
  assert_int_not_equal(fs__msg_peek_version(notarray, sizeof(notarray), &v), 0);
  assert_int_not_equal(fs__msg_peek_version(neg, sizeof(neg), &v), 0);
  assert_int_equal(fs__msg_peek_version(v7, 1, &v), FS_ETRUNC);
  assert_int_equal(fs__msg_peek_version(NULL, 0, &v), FS_ETRUNC);
  assert_int_equal(fs__msg_peek_version(v7, sizeof(v7), NULL), FS_EINVAL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_peek_version),
      cmocka_unit_test_setup_teardown(test_version_refused_outbox_kept, setup,
                                      fs_test_world_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
