/* test_daemon_session.c - issue 11, holes 1 and 3: what a device may do is
 * decided from the daemon's store at every request, never from what the
 * device claims or from what was true at its handshake.
 *
 * A real fieldsyncd on 127.0.0.1 and real enrolled replicas; the attacker
 * is tests/unit/wiretest.h, a device that speaks the wire protocol itself
 * with a genuine device key.
 *
 * Hole 1 (wiped phone keeps reading): after `revoke N --wipe` or a
 * departure the device may only PUSH, PING and BYE; a HELLO claiming a big
 * outbox and asking to watch, then PULL, gets ERROR and not one row (not
 * even of cards made after the order), and no NOTIFY; once the final
 * upload's deadline is over the handshake is refused and the device marked
 * wiped (handshake and periodic sweep); a store upgraded with a NULL
 * wipe_at starts the window at first sight.
 *
 * Hole 3 (revoke leaves the open session alive): a session open before
 * revoke (with and without --wipe), depart, transfer-away or the end of a
 * cover is closed at once with ERROR; its pushes are refused; and a device
 * revoked behind the daemon's back (the store changed directly) is refused
 * at its next PULL or PUSH: the standing is read again for every request.
 */
#include "daemontest.h"
#include "wiretest.h"

#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fs_errno.h"

typedef fs_test_world world;

static int setup(void **state) {
  return fs_test_world_setup(state, "staff add M01 --name 'Manager' --role manager",
                             "staff add A01 --name 'Li' --manager M01",
                             "staff add A02 --name 'Anna' --manager M01",
                             "staff add A03 --name 'Wang' --manager M01", NULL);
}

static fs_replica *enroll(world *w, const char *staff, const char *name, long long *id) {
  fs_replica *r = fs_test_enroll(&w->d, w->tmp, staff, name);
  if (id)
    *id = fs_test_central_int(&w->d, "SELECT max(id) FROM devices");
  return r;
}

/* Opens a session claiming a big outbox (a final upload that never ends)
 * and asking to watch. */
static int open_claiming(fs_wire_dev *h, unsigned want) {
  fs_wire_hello hello = {0};
  hello.outbox = 1000;
  hello.oldest = fs_wire_now_ms() - 3600000;
  hello.want = want;
  return fs_wire_open(h, &hello);
}

/* Reads what the daemon sends for up to ms: returns the code of an ERROR
 * (then waits for the close), FS_ECLOSED if it closed without one, or
 * FS_ETIMEDOUT if the session is still open; *notifies counts NOTIFYs. */
static int session_fate(fs_wire_dev *h, int ms, int *notifies) {
  uint64_t end = fs_wire_now_ms() + (uint64_t)ms;
  int code = 0;
  while (fs_wire_now_ms() < end) {
    fs_msg m;
    int rc = fs_wire_recv(h, &m, (int)(end - fs_wire_now_ms()) + 1);
    if (rc == FS_ETIMEDOUT)
      break;
    if (rc)
      return code ? code : FS_ECLOSED;
    if (m.type == FS_MSG_NOTIFY && notifies)
      (*notifies)++;
    if (m.type == FS_MSG_ERROR && code == 0)
      code = m.u.error.code;
    fs__msg_release(&m);
  }
  return code ? code : FS_ETIMEDOUT;
}

/* Pushes an edit of customer id's name from h; 0 and the outcome, or the
 * refusal. */
static int push_name(fs_wire_dev *h, const char *id, const char *owner, uint64_t counter,
                     const char *name, uint64_t outbox, int *outcome, int *code,
                     int *wiped) {
  fs_change c;
  int rc;
  fs_wire_change_init(&c, FS_KIND_CUSTOMER, id, owner, counter, 0);
  fs_wire_change_set(&c, "name", name);
  rc = fs_wire_push(h, &c, 1, outbox, outcome, code, wiped);
  fs_wire_change_release(&c);
  return rc;
}

/* ---- hole 1: a wipe session uploads and leaves ------------------------- */

static void test_wipe_session_reads_nothing(void **state) {
  world *w = *state;
  long long id;
  fs_replica *a = enroll(w, "A01", "a01", &id), *b = enroll(w, "A01", "b01", NULL);
  char c1[33], c2[33], sql[256];
  fs_wire_dev h;
  fs_wire_page page;
  int rc, notifies = 0, outcome = 0, code = 0, wiped = 0;
  char *out;

  fs_test_create_customer(a, "Before the revoke", "A", c1);
  fs_test_sync_ok(a, NULL);
  fs_test_sync_ok(b, NULL);
  fs_replica_close(a);
  out = fs_test_daemon_cmd(&w->d, NULL, "revoke %lld --wipe", id);
  free(out);
  /* A card made by the rep's other phone after the revoke. */
  fs_test_create_customer(b, "After the revoke", "B", c2);
  fs_test_sync_ok(b, NULL);

  fs_wire_load(&h, w->tmp, "a01");
  /* HELLO claims 1000 pending changes and asks to watch; then PULL. */
  rc = open_claiming(&h, FS_WANT_SYNC | FS_WANT_WATCH);
  assert_int_equal(rc, 0);
  assert_true(h.welcome.u.welcome.wipe);
  rc = fs_wire_pull(&h, 0, &page);
  printf(
      "wipe session: PULL from cursor 0 after HELLO outbox=1000 -> rc %d (%s), %u rows, "
      "%u customers\n",
      rc, fs_strerror(rc), page.rows, page.ncust);
  assert_int_equal(page.rows, 0);
  assert_int_equal(rc, FS_EREVOKED);
  assert_int_equal(session_fate(&h, 2000, NULL), FS_ECLOSED);
  /* The order's time is recorded: the upload window runs from it. */
  snprintf(sql, sizeof(sql), "SELECT wipe_at IS NOT NULL FROM devices WHERE id=%lld", id);
  assert_int_equal(fs_test_central_int(&w->d, sql), 1);

  /* Watching: no NOTIFY, even for its rep's cards; a PULL from a later
   * cursor is refused too. */
  rc = open_claiming(&h, FS_WANT_SYNC | FS_WANT_WATCH);
  assert_int_equal(rc, 0);
  fs_test_set_field(b, c1, "phone", "0755-1");
  fs_test_sync_ok(b, NULL);
  fs_test_set_field(b, c2, "phone", "0755-2");
  fs_test_sync_ok(b, NULL);
  notifies = fs_wire_wait_notify(&h, 1500);
  printf("wipe session: NOTIFYs while watching: %d\n", notifies);
  assert_int_equal(notifies, 0);
  rc = fs_wire_pull(&h, 1, &page);
  assert_int_equal(page.rows, 0);
  assert_int_equal(rc, FS_EREVOKED);

  /* What it may do: PING, then upload (quarantined) and be told to wipe. */
  rc = open_claiming(&h, FS_WANT_SYNC);
  assert_int_equal(rc, 0);
  {
    fs_msg ping, pong;
    fs__msg_init(&ping, FS_MSG_PING);
    ping.u.ping.n = 7;
    assert_int_equal(fs_wire_send(&h, &ping), 0);
    assert_int_equal(fs_wire_recv(&h, &pong, 5000), 0);
    assert_int_equal(pong.type, FS_MSG_PONG);
    fs__msg_release(&pong);
  }
  rc = push_name(&h, c1, "A01", 900, "uploaded by the revoked phone", 1, &outcome, &code,
                 &wiped);
  assert_int_equal(rc, 0);
  assert_int_equal(outcome, FS_OUTCOME_REJECTED);
  assert_int_equal(code, FS_EREVOKED);
  assert_int_equal(wiped, 1);
  snprintf(sql, sizeof(sql),
           "SELECT count(*) FROM devices WHERE id=%lld AND status='wiped'", id);
  assert_int_equal(fs_test_central_wait(&w->d, sql, 0, 1), 1);
  assert_int_equal(fs_test_central_int(&w->d, "SELECT count(*) FROM quarantine"), 1);
  assert_int_equal(open_claiming(&h, FS_WANT_SYNC), FS_EREVOKED);
  printf("wipe session: PING answered, the final PUSH quarantined and answered with "
         "WIPE; the "
         "device is wiped and refused\n");
  fs_wire_free(&h);
  fs_replica_close(b);
}

static void test_departed_session_reads_nothing(void **state) {
  world *w = *state;
  long long id;
  fs_replica *r = enroll(w, "A03", "a03", &id);
  char c1[33], sql[256];
  fs_wire_dev h;
  fs_wire_page page;
  int rc;
  char *out;

  fs_test_create_customer(r, "Wang's card", "A", c1);
  fs_test_sync_ok(r, NULL);
  fs_replica_close(r);
  out = fs_test_daemon_cmd(&w->d, NULL, "depart --yes A03 --successor A01 --reason left");
  free(out);
  fs_wire_load(&h, w->tmp, "a03");
  rc = open_claiming(&h, FS_WANT_SYNC | FS_WANT_WATCH);
  assert_int_equal(rc, 0);
  assert_true(h.welcome.u.welcome.wipe);
  rc = fs_wire_pull(&h, 0, &page);
  printf("departed rep's device: PULL after HELLO outbox=1000 -> rc %d (%s), %u rows\n",
         rc, fs_strerror(rc), page.rows);
  assert_int_equal(page.rows, 0);
  assert_int_equal(rc, FS_EDEPARTED);
  /* The departure is the wipe order of each of the rep's devices. */
  snprintf(sql, sizeof(sql), "SELECT wipe_at IS NOT NULL FROM devices WHERE id=%lld", id);
  assert_int_equal(fs_test_central_int(&w->d, sql), 1);
  /* Anything but PUSH, PING, BYE is refused the same way. */
  rc = open_claiming(&h, FS_WANT_SYNC);
  assert_int_equal(rc, 0);
  {
    fs_msg m;
    fs_admin_arg arg;
    memset(&arg, 0, sizeof(arg));
    arg.key = "code";
    arg.type = FS_ARG_STR;
    arg.s = "A03";
    fs__msg_init(&m, FS_MSG_ADMIN);
    m.u.admin.cmd = "devices";
    m.u.admin.args = &arg;
    m.u.admin.nargs = 1;
    assert_int_equal(fs_wire_send(&h, &m), 0);
    assert_int_equal(session_fate(&h, 3000, NULL), FS_EDEPARTED);
  }
  fs_wire_free(&h);
}

/* Waits up to ms for a WIPE: 1 if it came, 0 if not (session still open
 * or closed without one). */
static int got_wipe(fs_wire_dev *h, int ms) {
  uint64_t end = fs_wire_now_ms() + (uint64_t)ms;
  while (fs_wire_now_ms() < end) {
    fs_msg m;
    int wipe;
    if (fs_wire_recv(h, &m, (int)(end - fs_wire_now_ms()) + 1))
      return 0;
    wipe = m.type == FS_MSG_WIPE;
    fs__msg_release(&m);
    if (wipe)
      return 1;
  }
  return 0;
}

/* A HELLO made before the wipe order (a replayed message 1 of the
 * morning, outbox 0) does not end the final upload: the rep's offline
 * work since then must not be erased.  A HELLO made after it does. */
static void test_old_hello_keeps_final_upload(void **state) {
  world *w = *state;
  long long id;
  fs_replica *r = enroll(w, "A03", "a03", &id);
  fs_wire_hello hello = {0};
  fs_wire_dev h;
  char c1[33];
  uint64_t morning;
  char *out;

  fs_test_create_customer(r, "Zhao's card", "B", c1);
  fs_test_sync_ok(r, NULL);
  fs_replica_close(r);
  morning = fs_wire_now_ms() - 1000;
  out = fs_test_daemon_cmd(&w->d, NULL, "depart --yes A03 --successor A01 --reason left");
  free(out);
  fs_wire_load(&h, w->tmp, "a03");
  hello.time = morning; /* outbox 0, but from before the order */
  assert_int_equal(fs_wire_open(&h, &hello), 0);
  assert_true(h.welcome.u.welcome.wipe);
  assert_int_equal(got_wipe(&h, 1500), 0);
  assert_int_equal(fs_test_central_intf(&w->d,
                                        "SELECT count(*) FROM devices WHERE id=%lld AND "
                                        "status='wiped'",
                                        id),
                   0);
  hello.time = 0; /* now: after the order */
  assert_int_equal(fs_wire_open(&h, &hello), 0);
  assert_int_equal(got_wipe(&h, 5000), 1);
  printf("final upload: a HELLO from before the wipe order (outbox 0) got no WIPE, one "
         "from after it did\n");
  fs_wire_free(&h);
}

static void test_wipe_deadline(void **state) {
  world *w = *state;
  long long id1, id2, id3;
  fs_replica *a = enroll(w, "A01", "a01", &id1), *b = enroll(w, "A01", "b01", &id2);
  fs_replica *c = enroll(w, "A02", "a02", &id3);
  char sql[256];
  fs_wire_dev h;
  char *out;
  int rc;

  fs_replica_close(a);
  fs_replica_close(b);
  fs_replica_close(c);
  out = fs_test_daemon_cmd(&w->d, NULL, "revoke %lld --wipe", id1);
  free(out);
  out = fs_test_daemon_cmd(&w->d, NULL, "revoke %lld --wipe", id2);
  free(out);
  /* Stopped: a1's order is 15 days old (deadline 14); a2's has no time at
   * all, as in a store upgraded from before wipe_at. */
  fs_test_daemon_kill(&w->d, SIGTERM);
  snprintf(sql, sizeof(sql), "UPDATE devices SET wipe_at=%lld WHERE id=%lld",
           (long long)fs_wire_now_ms() - 15LL * 86400000, id1);
  fs_test_central_exec(&w->d, sql);
  snprintf(sql, sizeof(sql), "UPDATE devices SET wipe_at=NULL WHERE id=%lld", id2);
  fs_test_central_exec(&w->d, sql);
  fs_test_daemon_serve(&w->d);
  /* The periodic sweep (it runs at start) marks a1 wiped without any
   * connection; a2's window starts now. */
  snprintf(sql, sizeof(sql),
           "SELECT count(*) FROM devices WHERE id=%lld AND status='wiped'", id1);
  assert_int_equal(fs_test_central_wait(&w->d, sql, 0, 1), 1);
  snprintf(sql, sizeof(sql),
           "SELECT count(*) FROM devices WHERE id=%lld AND status='wipe' AND "
           "wipe_at IS NOT NULL",
           id2);
  assert_int_equal(fs_test_central_wait(&w->d, sql, 0, 1), 1);
  fs_wire_load(&h, w->tmp, "a01");
  rc = open_claiming(&h, FS_WANT_SYNC);
  printf("wipe deadline: an order 15 days old (deadline 14): handshake -> %d (%s)\n", rc,
         fs_strerror(rc));
  assert_int_equal(rc, FS_EREVOKED);
  fs_wire_free(&h);
  fs_wire_load(&h, w->tmp, "b01");
  rc = open_claiming(&h, FS_WANT_SYNC);
  printf("wipe deadline: an order with no time (upgraded store): handshake -> %d\n", rc);
  assert_int_equal(rc, 0);
  assert_true(h.welcome.u.welcome.wipe);
  fs_wire_free(&h);

  /* With wipe_deadline_days = 0 an order is over at once: the handshake
   * itself refuses and marks the device wiped, for a departure too. */
  fs_test_daemon_conf(&w->d, "wipe_deadline_days = 0");
  out = fs_test_daemon_cmd(&w->d, NULL, "depart --yes A02 --successor A01");
  free(out);
  fs_wire_load(&h, w->tmp, "a02");
  rc = open_claiming(&h, FS_WANT_SYNC);
  printf("wipe deadline 0: departed rep's device at the handshake -> %d (%s)\n", rc,
         fs_strerror(rc));
  assert_int_equal(rc, FS_EDEPARTED);
  snprintf(sql, sizeof(sql),
           "SELECT count(*) FROM devices WHERE id=%lld AND status='wiped'", id3);
  assert_int_equal(fs_test_central_wait(&w->d, sql, 0, 1), 1);
  assert_true(fs_test_central_int(
                  &w->d, "SELECT count(*) FROM audit WHERE action='device.wiped' AND "
                         "detail LIKE '%deadline%'") >= 2);
  fs_wire_free(&h);
}

/* ---- hole 3: open sessions follow the store ------------------------------ */

/* A watching session of `name` is open; `pre_sql` (if any) is written to
 * the store and `cmd` (a fieldsyncd command) runs; the session must be
 * closed at once with ERROR `want`, get no NOTIFY after, and its push be
 * refused. */
static void session_closed_by(world *w, const char *name, const char *owner,
                              const char *pre_sql, const char *cmd, int want,
                              fs_replica *other, const char *card) {
  fs_wire_dev h;
  int rc, fate, notifies = 0, outcome = 0;
  char *out, sql[256];
  uint64_t t0;

  fs_wire_load(&h, w->tmp, name);
  assert_int_equal(
      fs_wire_open(&h, &(fs_wire_hello){.want = FS_WANT_SYNC | FS_WANT_WATCH}), 0);
  /* The session works: a change by another device is notified. */
  fs_test_set_field(other, card, "phone", "1");
  fs_test_sync_ok(other, NULL);
  assert_int_equal(fs_wire_wait_notify(&h, 3000), 1);
  /* A listing changes nothing: no re-check, no NOTIFY. */
  out = fs_test_daemon_cmd(&w->d, NULL, "devices");
  free(out);
  assert_int_equal(fs_wire_wait_notify(&h, 500), 0);
  if (pre_sql)
    fs_test_central_exec(&w->d, pre_sql);
  t0 = fs_wire_now_ms();
  out = fs_test_daemon_cmd(&w->d, NULL, "%s", cmd);
  free(out);
  fs_test_set_field(other, card, "phone", "2");
  fs_test_sync_ok(other, NULL);
  fate = session_fate(&h, 2000, &notifies);
  printf("session of %s after `%s`: %s (%d) within %llu ms, %d NOTIFY after\n", name, cmd,
         fs_strerror(fate), fate, (unsigned long long)(fs_wire_now_ms() - t0), notifies);
  assert_int_equal(fate, want);
  assert_int_equal(notifies, 0);
  /* Its push is not applied (refused or dropped). */
  rc = push_name(&h, card, owner, 4242, "pushed on a stale session", 1, &outcome, NULL,
                 NULL);
  snprintf(sql, sizeof(sql),
           "SELECT count(*) FROM customers WHERE name='pushed on a stale "
           "session'");
  assert_int_not_equal(rc, 0);
  assert_int_equal(fs_test_central_int(&w->d, sql), 0);
  fs_wire_free(&h);
}

static void test_revoke_closes_session(void **state) {
  world *w = *state;
  long long id1, id2;
  fs_replica *a = enroll(w, "A01", "a01", &id1), *b = enroll(w, "A01", "b01", &id2);
  fs_replica *m = enroll(w, "M01", "m01", NULL);
  char card[33], cmd[64];

  /* A01's card; the manager's device (team access) changes it. */
  fs_test_create_customer(a, "A01's card", "A", card);
  fs_test_sync_ok(a, NULL);
  fs_test_sync_ok(m, NULL);
  fs_replica_close(a);
  snprintf(cmd, sizeof(cmd), "revoke %lld", id1);
  session_closed_by(w, "a01", "A01", NULL, cmd, FS_EREVOKED, m, card);
  snprintf(cmd, sizeof(cmd), "revoke %lld --wipe", id2);
  session_closed_by(w, "b01", "A01", NULL, cmd, FS_EREVOKED, m, card);
  fs_replica_close(b);
  fs_replica_close(m);
}

static void test_depart_closes_session(void **state) {
  world *w = *state;
  fs_replica *a = enroll(w, "A03", "a03", NULL), *m = enroll(w, "M01", "m01", NULL);
  char card[33];

  fs_test_create_customer(a, "Wang's card", "A", card);
  fs_test_sync_ok(a, NULL);
  fs_test_sync_ok(m, NULL);
  fs_replica_close(a);
  session_closed_by(w, "a03", "A03", NULL, "depart --yes A03 --successor A01", FS_EDEPARTED, m,
                    card);
  fs_replica_close(m);
}

static void test_transfer_and_cover_end_close_sessions(void **state) {
  world *w = *state;
  fs_replica *a = enroll(w, "A01", "a01", NULL), *b = enroll(w, "A02", "a02", NULL);
  fs_replica *m = enroll(w, "M01", "m01", NULL);
  char card[33], other[33], cmd[128], today[16];
  fs_wire_dev hb;
  int fate;

  fs_test_create_customer(a, "Moves away", "A", card);
  fs_test_create_customer(a, "Stays", "A", other);
  fs_test_sync_ok(a, NULL);
  fs_test_sync_ok(m, NULL);
  fs_replica_close(a);
  /* The receiving rep's session stays open (its rights grew). */
  fs_wire_load(&hb, w->tmp, "a02");
  assert_int_equal(fs_wire_open(&hb, &(fs_wire_hello){.want = FS_WANT_SYNC}), 0);
  snprintf(cmd, sizeof(cmd), "transfer --yes --from A01 --to A02 --customer %s", card);
  session_closed_by(w, "a01", "A01", NULL, cmd, FS_EFORBIDDEN, m, other);
  fate = session_fate(&hb, 500, NULL);
  assert_int_equal(fate, FS_ETIMEDOUT);
  fs_wire_close(&hb);

  /* A02 stands in for A01 today; its session opened during the cover is
   * closed when the cover ends. */
  fs_test_day(today, 0);
  free(fs_test_daemon_cmd(&w->d, NULL, "cover A01 --by A02 --from %s --to %s", today,
                          today));
  assert_int_equal(
      fs_test_central_wait(&w->d, "SELECT count(*) FROM covers WHERE state=1", 0, 1), 1);
  fs_test_sync_ok(b, NULL);
  session_closed_by(w, "a02", "A01",
                    "UPDATE covers SET from_day='2000-01-01', to_day='2000-01-02'",
                    "sweep", FS_EFORBIDDEN, m, other);
  assert_int_equal(
      fs_test_central_int(&w->d, "SELECT count(*) FROM covers WHERE state=2"), 1);
  fs_wire_free(&hb);
  fs_replica_close(b);
  fs_replica_close(m);
}

/* A watching device whose session is closed because its rights changed
 * (here: a manager, when a card moves between two reps of the team)
 * connects again by itself and goes on receiving changes: a card made
 * after the transfer reaches it through a NOTIFY (a pull that ends in
 * on_change), not a round of its own. */
static void test_watcher_reconnects(void **state) {
  world *w = *state;
  fs_replica *a = enroll(w, "A01", "a01", NULL), *b = enroll(w, "A02", "a02", NULL);
  fs_replica *m = enroll(w, "M01", "m01", NULL);
  fs_test_watcher wt;
  char card[33], id[33], sql[160];
  int notifies, alive;

  fs_test_create_customer(a, "Moves within the team", "A", card);
  fs_test_sync_ok(a, NULL);
  fs_test_sync_ok(m, NULL);
  fs_replica_close(m);
  fs_test_watcher_start(&wt, w->tmp, "m01");
  assert_int_equal(fs_test_daemon_log_wait(&w->d, "(M01) connected, watching", 1), 1);
  free(fs_test_daemon_cmd(&w->d, NULL, "transfer --yes --from A01 --to A02 --customer %s",
                          card));
  /* The transfer reached the watcher, and it watches again: its new
   * session is ready, so the next change of the team is NOTIFYed to it. */
  snprintf(sql, sizeof(sql),
           "SELECT count(*) FROM customers WHERE id='%s' AND owner='A02'", card);
  assert_int_equal(fs_test_db_wait(wt.db, sql, 0, 1), 1);
  assert_int_equal(fs_test_daemon_log_wait(&w->d, "(M01) connected, watching", 2), 2);
  fs_test_create_customer(b, "Made after the transfer", "B", id);
  fs_test_sync_ok(b, NULL);
  snprintf(sql, sizeof(sql), "SELECT count(*) FROM customers WHERE id='%s'", id);
  notifies = fs_test_watcher_wait(&wt, sql, 1, 5000);
  alive = fs_test_watcher_alive(&wt);
  printf("watcher: manager's watch after a transfer in its team: %s; new card received "
         "through a NOTIFY: %s (%d NOTIFY pulls)\n",
         alive ? "still running" : "ended", notifies ? "yes" : "no", wt.notifies);
  fs_test_watcher_stop(&wt);
  assert_true(alive);
  assert_true(notifies >= 1);
  fs_replica_close(a);
  fs_replica_close(b);
}

/* Standing is read for every request: a revoke written to the store behind
 * the daemon's back (no admin command, no session re-check) still stops
 * the next PULL and PUSH of a session opened before it. */
static void test_every_request_checked(void **state) {
  world *w = *state;
  long long id;
  fs_replica *a = enroll(w, "A01", "a01", &id);
  char card[33], sql[128];
  fs_wire_dev h1, h2;
  fs_wire_page page;
  int rc;

  fs_test_create_customer(a, "Checked card", "A", card);
  fs_test_sync_ok(a, NULL);
  fs_replica_close(a);
  fs_wire_load(&h1, w->tmp, "a01");
  fs_wire_load(&h2, w->tmp, "a01");
  assert_int_equal(fs_wire_open(&h1, NULL), 0);
  assert_int_equal(fs_wire_open(&h2, NULL), 0);
  rc = fs_wire_pull(&h1, 0, &page);
  assert_int_equal(rc, 0);
  assert_true(page.rows > 0);
  snprintf(sql, sizeof(sql), "UPDATE devices SET status='revoked' WHERE id=%lld", id);
  fs_test_central_exec(&w->d, sql);
  rc = fs_wire_pull(&h1, 0, &page);
  printf("store says revoked, session open: PULL -> %d (%s), %u rows\n", rc,
         fs_strerror(rc), page.rows);
  assert_int_equal(page.rows, 0);
  assert_int_equal(rc, FS_EREVOKED);
  rc = push_name(&h2, card, "A01", 77, "pushed after the revoke", 0, NULL, NULL, NULL);
  printf("store says revoked, session open: PUSH -> %d (%s)\n", rc, fs_strerror(rc));
  assert_int_equal(rc, FS_EREVOKED);
  assert_int_equal(
      fs_test_central_int(
          &w->d, "SELECT count(*) FROM customers WHERE name='pushed after the revoke'"),
      0);
  fs_wire_free(&h1);
  fs_wire_free(&h2);
}

/* Issue 16 (found by tests/fuzz/fuzz_session.c): two sessions of a device
 * under a wipe order; the final upload on one ends in WIPE and marks the
 * device wiped, and the other one is closed at once with ERROR, not left
 * open until its idle timeout. */
static void test_wipe_closes_other_session(void **state) {
  world *w = *state;
  long long id;
  fs_replica *a = enroll(w, "A01", "a01", &id);
  char card[33];
  fs_wire_dev h1, h2;
  int rc, outcome = 0, code = 0, wiped = 0;
  char *out;

  fs_test_create_customer(a, "Two sessions", "A", card);
  fs_test_sync_ok(a, NULL);
  fs_replica_close(a);
  out = fs_test_daemon_cmd(&w->d, NULL, "revoke %lld --wipe", id);
  free(out);
  fs_wire_load(&h1, w->tmp, "a01");
  fs_wire_load(&h2, w->tmp, "a01");
  assert_int_equal(open_claiming(&h1, FS_WANT_SYNC), 0);
  assert_int_equal(open_claiming(&h2, FS_WANT_SYNC), 0);
  rc = push_name(&h1, card, "A01", 901, "final upload", 1, &outcome, &code, &wiped);
  assert_int_equal(rc, 0);
  assert_int_equal(wiped, 1);
  rc = session_fate(&h2, 1000, NULL);
  printf("wipe: the other session of the wiped device -> %d (%s)\n", rc, fs_strerror(rc));
  assert_int_equal(rc, FS_EREVOKED);
  fs_wire_free(&h1);
  fs_wire_free(&h2);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_wipe_session_reads_nothing, setup,
                                      fs_test_world_teardown),
      cmocka_unit_test_setup_teardown(test_departed_session_reads_nothing, setup,
                                      fs_test_world_teardown),
      cmocka_unit_test_setup_teardown(test_old_hello_keeps_final_upload, setup,
                                      fs_test_world_teardown),
      cmocka_unit_test_setup_teardown(test_wipe_deadline, setup, fs_test_world_teardown),
      cmocka_unit_test_setup_teardown(test_revoke_closes_session, setup,
                                      fs_test_world_teardown),
      cmocka_unit_test_setup_teardown(test_depart_closes_session, setup,
                                      fs_test_world_teardown),
      cmocka_unit_test_setup_teardown(test_transfer_and_cover_end_close_sessions, setup,
                                      fs_test_world_teardown),
      cmocka_unit_test_setup_teardown(test_every_request_checked, setup,
                                      fs_test_world_teardown),
      cmocka_unit_test_setup_teardown(test_watcher_reconnects, setup,
                                      fs_test_world_teardown),
      cmocka_unit_test_setup_teardown(test_wipe_closes_other_session, setup,
                                      fs_test_world_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
