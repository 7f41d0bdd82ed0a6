/* test_daemon_conflicts.c - issue 12, "conflicts mean concurrent writes", at
 * the protocol level against a real fieldsyncd, driven by the wire client
 * (wiretest.h) with the real keys of two enrolled devices of one rep, and
 * with two real replicas.
 *
 * The rule (PROTOCOL.md 5.5.3 "bases", 7.2 merge rule; common/store.h
 * fs__write_saw): each field write carries its base, the field clock its
 * device held for the field when the write was made.  A write that
 * overwrites the stored value of a field whose clock equals its base had
 * seen that value: an ordinary edit, nothing logged.  Any other overwrite
 * of a written value (no base, or another base) is a conflict, and so is
 * every pushed value that loses.  The base never changes which write wins
 * (field LWW by clock), so a lying base can only leave a conflict out of
 * the log.  Before bases existed every overwrite was logged. */
#include "daemontest.h"
#include "wiretest.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fs_errno.h"
#include "hlc.h"
#include "msg.h"
#include "replica.h"
#include "store.h"

typedef struct world {
  fs_test_world tw;    /* first: daemontest.h */
  fs_replica *r1, *r2; /* two devices of A01: a01 and a01b */
  fs_wire_dev h1, h2;  /* their keys on the wire (opened by open_wire) */
  uint64_t counter;    /* next wire counter, far above the replicas' own */
} world;

static int setup(void **state) {
  world *w;

  fs_test_world_setup_size(state, sizeof(world), "staff add A01 --name 'Rep' --role rep",
                           NULL);
  w = *state;
  w->r1 = fs_test_world_device(&w->tw, "A01", "a01");
  w->r2 = fs_test_world_device(&w->tw, "A01", "a01b");
  w->counter = 1000;
  return 0;
}

static int teardown(void **state) {
  world *w = *state;
  fs_wire_free(&w->h1);
  fs_wire_free(&w->h2);
  return fs_test_world_teardown(state);
}

/* A customer card created on r1 and synced: its id, and the clock of its
 * fields (every field of a create has the change's clock, the row hlc). */
static uint64_t card(world *w, const char *name, char id[33]) {
  fs_test_create_customer(w->r1, name, "A", id);
  fs_test_sync_ok(w->r1, NULL);
  return (uint64_t)fs_test_central_intf(&w->tw.d,
                                        "SELECT hlc FROM customers WHERE id='%s'", id);
}

/* Opens both wire sessions; the first clock to use: above every clock the
 * daemon has from the devices (a device's clocks rise, 5.5.3), near now. */
static uint64_t open_wire(world *w) {
  uint64_t now = fs__hlc_make(fs_wire_now_ms(), 0);
  long long last = fs_test_central_intf(&w->tw.d, "SELECT max(last_hlc) FROM devices");

  fs_wire_load(&w->h1, w->tw.tmp, "a01");
  fs_wire_load(&w->h2, w->tw.tmp, "a01b");
  assert_int_equal(fs_wire_open(&w->h1, NULL), 0);
  assert_int_equal(fs_wire_open(&w->h2, NULL), 0);
  return last > 0 && (uint64_t)last >= now ? (uint64_t)last + 1 : now;
}

/* Pushes one edit of the customer's name at clock hlc with the given base
 * (0: none sent) from h: its outcome. */
static int edit(world *w, fs_wire_dev *h, const char *id, uint64_t hlc, const char *value,
                uint64_t base) {
  fs_change ch;
  int oc = 0, code = 0;

  fs_wire_change_init(&ch, FS_KIND_CUSTOMER, id, "A01", ++w->counter, hlc);
  fs_wire_change_set(&ch, "name", value);
  if (base)
    fs_wire_change_set_base(&ch, "name", base);
  assert_int_equal(fs_wire_push(h, &ch, 1, 1, &oc, &code, NULL), 0);
  assert_int_equal(code, 0);
  fs_wire_change_release(&ch);
  return oc;
}

static long long conflicts_on(world *w, const char *id) {
  return fs_test_central_intf(&w->tw.d,
                              "SELECT count(*) FROM conflicts WHERE record_id='%s'", id);
}

/* 1 if the stored name of id is value with clock hlc. */
static long long stored(world *w, const char *id, const char *value, uint64_t hlc) {
  return fs_test_central_intf(
      &w->tw.d, "SELECT count(*) FROM customers WHERE id='%s' AND name='%s' AND hlc=%llu",
      id, value, (unsigned long long)hlc);
}

/* Conflicts logged on id with this loser and winner and their clocks. */
static long long logged(world *w, const char *id, const char *loser, uint64_t lh,
                        const char *winner, uint64_t wh) {
  return fs_test_central_intf(&w->tw.d,
                              "SELECT count(*) FROM conflicts WHERE record_id='%s' AND "
                              "loser='%s' AND loser_hlc=%llu AND winner='%s' AND "
                              "winner_hlc=%llu",
                              id, loser, (unsigned long long)lh, winner,
                              (unsigned long long)wh);
}

/* CONFLICTS items a full PULL of h brings. */
static uint32_t pulled_conflicts(fs_wire_dev *h) {
  fs_wire_page page;
  assert_int_equal(fs_wire_pull(h, 0, &page), 0);
  assert_true(page.got_checkpoint);
  return page.conflicts;
}

/* Device 2 pulled the card, then renamed it: its base is the clock it
 * pulled.  Device 1 pulled that and renamed it again.  Sequential edits by
 * two devices: no conflict (before bases: two). */
static void test_sequential_edits_no_conflict(void **state) {
  world *w = *state;
  char id[33];
  uint64_t t0 = card(w, "Sequential Ltd", id), t = open_wire(w);
  fs_wire_page page;

  assert_int_equal(fs_wire_pull(&w->h2, 0, &page), 0);
  assert_true(page.ncust >= 1);
  assert_int_equal(edit(w, &w->h2, id, t + 1, "Sequential Two", t0), FS_OUTCOME_APPLIED);
  assert_int_equal(fs_wire_pull(&w->h1, 0, &page), 0);
  assert_int_equal(edit(w, &w->h1, id, t + 2, "Sequential One", t + 1),
                   FS_OUTCOME_APPLIED);
  assert_int_equal(stored(w, id, "Sequential One", t + 2), 1);
  assert_int_equal(conflicts_on(w, id), 0);
  assert_int_equal(pulled_conflicts(&w->h1), 0);
  assert_int_equal(pulled_conflicts(&w->h2), 0);
}

/* Both devices rename the card from the same base: one conflict, whichever
 * arrives first, and the later clock wins as it always did. */
static void test_concurrent_edits_one_conflict(void **state) {
  world *w = *state;
  char x[33], y[33];
  uint64_t tx = card(w, "Concurrent X", x), ty = card(w, "Concurrent Y", y);
  uint64_t t = open_wire(w);

  /* X: the earlier clock arrives first, the later one overwrites it. */
  assert_int_equal(edit(w, &w->h1, x, t + 1, "From One", tx), FS_OUTCOME_APPLIED);
  assert_int_equal(conflicts_on(w, x), 0);
  assert_int_equal(edit(w, &w->h2, x, t + 2, "From Two", tx), FS_OUTCOME_APPLIED);
  assert_int_equal(stored(w, x, "From Two", t + 2), 1);
  assert_int_equal(conflicts_on(w, x), 1);
  assert_int_equal(logged(w, x, "From One", t + 1, "From Two", t + 2), 1);
  /* The losing value was the stored one: no losing device, its writer
   * comes from the history (A01's device a01, test_both_writers_named);
   * before issue 15 the pushing device, the winner's, was named. */
  assert_int_equal(fs_test_central_intf(&w->tw.d,
                                        "SELECT count(*) FROM conflicts WHERE "
                                        "record_id='%s' AND loser_device IS NULL AND "
                                        "loser_staff='A01' AND winner_staff='A01'",
                                        x),
                   1);

  /* Y: the later clock arrives first; the earlier one loses. */
  assert_int_equal(edit(w, &w->h2, y, t + 4, "From Two", ty), FS_OUTCOME_APPLIED);
  assert_int_equal(edit(w, &w->h1, y, t + 3, "From One", ty), FS_OUTCOME_SUPERSEDED);
  assert_int_equal(stored(w, y, "From Two", t + 4), 1);
  assert_int_equal(conflicts_on(w, y), 1);
  assert_int_equal(logged(w, y, "From One", t + 3, "From Two", t + 4), 1);
  /* The pushed value lost: its device wrote it and is named. */
  assert_int_equal(fs_test_central_intf(&w->tw.d,
                                        "SELECT count(*) FROM conflicts c JOIN devices d "
                                        "ON d.id=c.loser_device WHERE c.record_id='%s' "
                                        "AND d.staff='A01'",
                                        y),
                   1);
  /* Every device that reads the cards gets the same two items. */
  assert_int_equal(pulled_conflicts(&w->h1), 2);
  assert_int_equal(pulled_conflicts(&w->h2), 2);
}

/* A write without a base (a client of the previous release, or a change
 * queued before the replica was upgraded) is logged as before. */
static void test_missing_base_logged(void **state) {
  world *w = *state;
  char id[33];
  uint64_t t0 = card(w, "No Base Ltd", id), t = open_wire(w);

  assert_int_equal(edit(w, &w->h2, id, t + 1, "Without Base", 0), FS_OUTCOME_APPLIED);
  assert_int_equal(stored(w, id, "Without Base", t + 1), 1);
  assert_int_equal(conflicts_on(w, id), 1);
  assert_int_equal(logged(w, id, "No Base Ltd", t0, "Without Base", t + 1), 1);
  /* Device 1 never pulled "Without Base" and sends no base either. */
  assert_int_equal(edit(w, &w->h1, id, t + 2, "Zero Base", 0), FS_OUTCOME_APPLIED);
  assert_int_equal(conflicts_on(w, id), 2);
}

/* The base is the device's claim: a lie can hide an overwrite from the log
 * but never make a write win or lose. */
static void test_lying_base_only_hides_a_log_line(void **state) {
  world *w = *state;
  char id[33];
  uint64_t t0 = card(w, "Lying Ltd", id), t = open_wire(w);

  assert_int_equal(edit(w, &w->h1, id, t + 1, "Seen By One", t0), FS_OUTCOME_APPLIED);
  /* Device 2 never pulled "Seen By One" but claims it did: the overwrite
   * is not logged; the later clock wins, as it would without the claim. */
  assert_int_equal(edit(w, &w->h2, id, t + 2, "Liar", t + 1), FS_OUTCOME_APPLIED);
  assert_int_equal(stored(w, id, "Liar", t + 2), 1);
  assert_int_equal(conflicts_on(w, id), 0);
  assert_int_equal(edit(w, &w->h1, id, t + 10, "One Again", t + 2), FS_OUTCOME_APPLIED);
  /* An older clock claiming the stored value as its base still loses, and
   * its value is logged: a base cannot win a write. */
  assert_int_equal(edit(w, &w->h2, id, t + 3, "Liar Again", t + 10),
                   FS_OUTCOME_SUPERSEDED);
  assert_int_equal(stored(w, id, "One Again", t + 10), 1);
  assert_int_equal(conflicts_on(w, id), 1);
  assert_int_equal(logged(w, id, "Liar Again", t + 3, "One Again", t + 10), 1);
  /* A base that names no value ever stored changes nothing either. */
  assert_int_equal(edit(w, &w->h2, id, t + 11, "Wild Base", 12345), FS_OUTCOME_APPLIED);
  assert_int_equal(stored(w, id, "Wild Base", t + 11), 1);
  assert_int_equal(conflicts_on(w, id), 2);
}

/* A malformed "bases" is a malformed message (PROTOCOL.md 5.5.3, 5.1):
 * ERROR FS_EPROTO, nothing of the PUSH applied. */
static void test_bad_bases_refused(void **state) {
  world *w = *state;
  static const uint8_t max[9] = {0xcf, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  char id[33];
  uint64_t t0 = card(w, "Bad Bases Ltd", id), t = open_wire(w);
  fs_change ch;
  fs_msg m, res;
  fs_buf b;
  int patched = 0;

  fs_wire_change_init(&ch, FS_KIND_CUSTOMER, id, "A01", ++w->counter, t + 1);
  fs_wire_change_set(&ch, "name", "Never Stored");
  fs_wire_change_set_base(&ch, "name", FS_MSG_UINT_MAX);
  fs__msg_init(&m, FS_MSG_PUSH);
  m.u.push.changes = &ch;
  m.u.push.n = 1;
  m.u.push.outbox = 1;
  fs__buf_init(&b, FS_MSG_MAX_BYTES);
  assert_int_equal(fs__msg_encode(&m, &b), 0);
  /* The base 2^63-1 becomes 2^63 + ...: outside the hlc range. */
  for (size_t i = 0; i + sizeof(max) <= b.len; i++)
    if (memcmp(b.data + i, max, sizeof(max)) == 0) {
      b.data[i + 1] = 0x80;
      patched++;
    }
  assert_int_equal(patched, 1);
  assert_int_equal(fs__net_send_raw(&w->h1.net, b.data, b.len), 0);
  assert_int_equal(fs_wire_recv(&w->h1, &res, 5000), 0);
  assert_int_equal(res.type, FS_MSG_ERROR);
  assert_int_equal(res.u.error.code, FS_EPROTO);
  fs__msg_release(&res);
  fs__buf_release(&b);
  fs_wire_change_release(&ch);
  assert_int_equal(stored(w, id, "Bad Bases Ltd", t0), 1);
  assert_int_equal(conflicts_on(w, id), 0);
}

/* The conflict log of replica name: rows, and a fingerprint of their
 * values and clocks. */
static void replica_log(world *w, const char *name, const char *id, long long *n,
                        long long *sum) {
  *n = fs_test_replica_intf(w->tw.tmp, name,
                            "SELECT count(*) FROM conflicts WHERE record_id='%s'", id);
  *sum = fs_test_replica_intf(
      w->tw.tmp, name,
      "SELECT coalesce(sum(loser_hlc + 3 * winner_hlc + "
      "(loser='Alpha') + 2 * (winner='Beta')), 0) FROM conflicts WHERE "
      "record_id='%s'",
      id);
}

/* Two real replicas: their own bases reach the daemon, sequential edits
 * log nothing, one concurrent edit logs one conflict, and both replicas
 * hold the same conflict log as the daemon.  A change queued before the
 * upgrade (no bases column value) is logged as before. */
static void test_two_replicas_same_log(void **state) {
  world *w = *state;
  char id[33];
  long long n1, n2, s1, s2, sc;
  sqlite3 *db;

  fs_test_create_customer(w->r1, "Replica Ltd", "A", id);
  fs_test_sync_ok(w->r1, NULL);
  fs_test_sync_ok(w->r2, NULL);
  /* Sequential: each device edits what it pulled. */
  fs_test_set_field(w->r2, id, "name", "Renamed On Two");
  fs_test_sync_ok(w->r2, NULL);
  fs_test_sync_ok(w->r1, NULL);
  fs_test_set_field(w->r1, id, "name", "Renamed On One");
  fs_test_set_field(w->r1, id, "name", "Renamed Again On One"); /* its own value */
  fs_test_sync_ok(w->r1, NULL);
  fs_test_sync_ok(w->r2, NULL);
  assert_int_equal(conflicts_on(w, id), 0);
  assert_int_equal(
      fs_test_replica_intf(w->tw.tmp, "a01", "SELECT count(*) FROM conflicts"), 0);
  assert_int_equal(
      fs_test_replica_intf(w->tw.tmp, "a01b", "SELECT count(*) FROM conflicts"), 0);

  /* Concurrent: both edit the name they both hold. */
  fs_test_set_field(w->r1, id, "name", "Alpha");
  fs_test_set_field(w->r2, id, "name", "Beta");
  fs_test_sync_ok(w->r1, NULL);
  fs_test_sync_ok(w->r2, NULL);
  fs_test_sync_ok(w->r1, NULL);
  assert_int_equal(conflicts_on(w, id), 1);
  replica_log(w, "a01", id, &n1, &s1);
  replica_log(w, "a01b", id, &n2, &s2);
  sc = fs_test_central_intf(
      &w->tw.d,
      "SELECT coalesce(sum(loser_hlc + 3 * winner_hlc + (loser='Alpha') + "
      "2 * (winner='Beta')), 0) FROM conflicts WHERE record_id='%s'",
      id);
  assert_int_equal(n1, 1);
  assert_int_equal(n2, 1);
  assert_int_equal(s1, sc);
  assert_int_equal(s2, sc);
  assert_int_equal(
      fs_test_replica_intf(w->tw.tmp, "a01",
                           "SELECT count(*) FROM customers WHERE id='%s' AND "
                           "name IN ('Alpha', 'Beta')",
                           id),
      1);

  /* A change queued by the previous release (its outbox row has no bases)
   * after the replica's upgrade: pushed without a base, logged as before. */
  fs_test_sync_ok(w->r2, NULL);
  fs_test_set_field(w->r2, id, "name", "Queued Before Upgrade");
  db = fs__replica_db(w->r2);
  assert_int_equal(sqlite3_exec(db, "UPDATE outbox SET bases=NULL", NULL, NULL, NULL),
                   SQLITE_OK);
  fs_test_sync_ok(w->r2, NULL);
  assert_int_equal(conflicts_on(w, id), 2);
  fs_test_sync_ok(w->r1, NULL);
  assert_int_equal(
      fs_test_replica_intf(w->tw.tmp, "a01", "SELECT count(*) FROM conflicts"), 2);
  assert_int_equal(
      fs_test_replica_intf(w->tw.tmp, "a01b", "SELECT count(*) FROM conflicts"), 2);
}

/* ---- who wrote each side (issue 15, point 1) ---------------------------
 * A01's card, renamed by the manager M01 in sequence (no conflict), then by
 * A01 and M01 concurrently from the stale base.  The daemon names the
 * writer of both values, also of the value it held, from the record's
 * history; the replicas show them (fs_conflict kept_by / lost_by). */

static int setup_two(void **state) {
  world *w;

  fs_test_world_setup_size(state, sizeof(world), "staff add M01 --name 'Boss' --role manager",
                           "staff add A01 --name 'Rep' --manager M01", NULL);
  w = *state;
  w->r1 = fs_test_world_device(&w->tw, "A01", "a01");
  w->r2 = fs_test_world_device(&w->tw, "M01", "m01");
  w->counter = 1000;
  return 0;
}

typedef struct seen {
  char kept[64], kept_by[16], lost_by[16];
  int kept_mine, lost_mine, n;
} seen;

static int collect(void *arg, const fs_conflict *c) {
  seen *s = arg;
  if (strcmp(c->field, "name") != 0)
    return 0;
  snprintf(s->kept, sizeof(s->kept), "%s", c->kept);
  snprintf(s->kept_by, sizeof(s->kept_by), "%s", c->kept_by);
  snprintf(s->lost_by, sizeof(s->lost_by), "%s", c->lost_by);
  s->kept_mine = c->kept_mine;
  s->lost_mine = c->lost_mine;
  s->n++;
  return 0;
}

static void test_both_writers_named(void **state) {
  world *w = *state;
  char id[33];
  uint64_t t0 = card(w, "Writers Ltd", id), t;
  fs_wire_page page;
  seen s;

  fs_wire_load(&w->h1, w->tw.tmp, "a01");
  fs_wire_load(&w->h2, w->tw.tmp, "m01");
  assert_int_equal(fs_wire_open(&w->h1, NULL), 0);
  assert_int_equal(fs_wire_open(&w->h2, NULL), 0);
  t = fs__hlc_make(fs_wire_now_ms(), 0);
  {
    long long last = fs_test_central_intf(&w->tw.d, "SELECT max(last_hlc) FROM devices");
    if (last > 0 && (uint64_t)last >= t)
      t = (uint64_t)last + 1;
  }
  /* M01 renames from what it pulled: sequential, the held value is M01's. */
  assert_int_equal(fs_wire_pull(&w->h2, 0, &page), 0);
  assert_int_equal(edit(w, &w->h2, id, t + 1, "By Manager", t0), FS_OUTCOME_APPLIED);
  assert_int_equal(conflicts_on(w, id), 0);

  /* A01 renames from the stale base with a later clock: A01's value wins,
   * M01's held value loses, and M01 is named as its writer. */
  assert_int_equal(edit(w, &w->h1, id, t + 3, "By Rep", t0), FS_OUTCOME_APPLIED);
  assert_int_equal(fs_test_central_intf(&w->tw.d,
                                        "SELECT count(*) FROM conflicts WHERE record_id='%s' "
                                        "AND loser='By Manager' AND loser_staff='M01' AND "
                                        "winner_staff='A01' AND loser_device IS NULL",
                                        id),
                   1);
  /* M01 again from the stale base with an earlier clock: it loses to the
   * held value, which A01 wrote. */
  assert_int_equal(edit(w, &w->h2, id, t + 2, "Late Manager", t0), FS_OUTCOME_SUPERSEDED);
  assert_int_equal(fs_test_central_intf(&w->tw.d,
                                        "SELECT count(*) FROM conflicts WHERE record_id='%s' "
                                        "AND loser='Late Manager' AND loser_staff='M01' AND "
                                        "winner_staff='A01'",
                                        id),
                   1);

  /* Both replicas receive both writers (CONFLICTS author, winner_author). */
  fs_test_sync_ok(w->r1, NULL);
  fs_test_sync_ok(w->r2, NULL);
  memset(&s, 0, sizeof(s));
  assert_int_equal(fs_conflict_list(w->r1, collect, &s), 0);
  assert_int_equal(s.n, 2);
  assert_string_equal(s.kept, "By Rep");
  assert_string_equal(s.kept_by, "A01");
  assert_int_equal(s.kept_mine, 1);
  assert_string_equal(s.lost_by, "M01");
  assert_int_equal(s.lost_mine, 0);
  memset(&s, 0, sizeof(s));
  assert_int_equal(fs_conflict_list(w->r2, collect, &s), 0);
  assert_int_equal(s.n, 2);
  assert_string_equal(s.kept_by, "A01");
  assert_int_equal(s.kept_mine, 0);
  assert_string_equal(s.lost_by, "M01");
  assert_int_equal(s.lost_mine, 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_sequential_edits_no_conflict, setup, teardown),
      cmocka_unit_test_setup_teardown(test_both_writers_named, setup_two, teardown),
      cmocka_unit_test_setup_teardown(test_concurrent_edits_one_conflict, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_missing_base_logged, setup, teardown),
      cmocka_unit_test_setup_teardown(test_lying_base_only_hides_a_log_line, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_bad_bases_refused, setup, teardown),
      cmocka_unit_test_setup_teardown(test_two_replicas_same_log, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
