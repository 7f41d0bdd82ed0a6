/* test_daemon_fence.c - issue 11 holes 2 and 4 against a real fieldsyncd:
 * the handover fence admits only a device's work made before the move,
 * a device's clocks rise with its changes, fenced changes to fields the
 * new owner wrote (and fenced deletes) become items for the owner, and
 * every clock of a change is bounded.  The attacks use the hostile wire
 * client (wiretest.h) with the real device key of an enrolled replica;
 * the genuine paths use libfieldsync.  Central and replica files are read
 * with plain SQL. */
#include "daemontest.h"
#include "wiretest.h"

#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs_errno.h"
#include "hlc.h"
#include "store.h"

typedef fs_test_world world;

static int setup(void **state) {
  return fs_test_world_setup(state, "staff add M01 --name 'Manager' --role manager",
                             "staff add A01 --name 'Successor' --manager M01",
                             "staff add A02 --name 'Colleague' --manager M01",
                             "staff add A03 --name 'Leaver' --manager M01", NULL);
}

/* One PUSH of one change in its own session, from the device of replica
 * `name`, claiming a big outbox.  Returns the outcome; a refusal at any
 * step (handshake, ERROR, dropped connection) counts as REJECTED with its
 * code in *code. */
static int wire_push1(world *w, const char *name, fs_change *ch, int *code) {
  fs_wire_dev h;
  fs_wire_hello hello;
  int oc = 0, cd = 0, rc;

  memset(&hello, 0, sizeof(hello));
  hello.outbox = 1000;
  fs_wire_load(&h, w->tmp, name);
  rc = fs_wire_open(&h, &hello);
  if (rc == 0)
    rc = fs_wire_push(&h, ch, 1, 1000, &oc, &cd, NULL);
  fs_wire_free(&h);
  if (code)
    *code = rc ? rc : cd;
  return rc ? FS_OUTCOME_REJECTED : oc;
}

static void edit_change(fs_change *ch, const char *id, uint64_t counter, uint64_t hlc,
                        const char *field, const char *value) {
  fs_wire_change_init(ch, FS_KIND_CUSTOMER, id, "A03", counter, hlc);
  fs_wire_change_set(ch, field, value);
}

static void delete_change(fs_change *ch, const char *id, uint64_t counter, uint64_t hlc) {
  fs_wire_change_init(ch, FS_KIND_CUSTOMER, id, "A03", counter, hlc);
  ch->op = FS_OP_DELETE;
}

/* A sync that may end in the departed device's wipe (FS_EREVOKED). */
static void final_upload(fs_replica *r, fs_sync_stats *st) {
  char err[512];
  int rc;
  memset(st, 0, sizeof(*st));
  rc = fs_sync(r, NULL, st, err, sizeof(err));
  if (rc != 0 && rc != FS_EREVOKED)
    fail_msg("final upload: %s (%s)", err, fs_strerror(rc));
}

static void set_fields(fs_replica *r, const char *id, const char *f1, const char *v1,
                       const char *f2, const char *v2) {
  fs_record *rec = NULL;
  assert_int_equal(fs_record_new("customer", &rec), 0);
  assert_int_equal(fs_record_set(rec, f1, v1), 0);
  if (f2)
    assert_int_equal(fs_record_set(rec, f2, v2), 0);
  if (fs_update(r, "customer", id, rec) != 0)
    fail_msg("update: %s", fs_replica_last_error(r));
  fs_record_free(rec);
}

/* A departed rep's device pushes an edit and a delete of handed-over
 * cards stamped after the departure, in two sessions: both refused, the
 * cards intact.  (Before the fence had a time rule, both applied.) */
static void test_departed_writes_after_move(void **state) {
  world *w = *state;
  fs_replica *a3 = fs_test_enroll(&w->d, w->tmp, "A03", "a03");
  fs_replica *a1 = fs_test_enroll(&w->d, w->tmp, "A01", "a01");
  char c1[33], c2[33];
  char *out;
  fs_change ch;
  int oc, code;

  fs_test_create_customer(a3, "Leaver Card One", "A", c1);
  fs_test_create_customer(a3, "Leaver Card Two", "B", c2);
  fs_test_sync_ok(a3, NULL);
  out = fs_test_daemon_cmd(&w->d, NULL, "depart --yes A03 --successor A01 --reason left");
  free(out);

  /* Session 1: an edit stamped now, after the move. */
  edit_change(&ch, c1, 1001, 0, "name", "rewritten after leaving");
  oc = wire_push1(w, "a03", &ch, &code);
  fs_wire_change_release(&ch);
  assert_int_equal(oc, FS_OUTCOME_REJECTED);
  /* Session 2: a delete stamped now. */
  delete_change(&ch, c2, 1002, 0);
  oc = wire_push1(w, "a03", &ch, &code);
  fs_wire_change_release(&ch);
  assert_int_equal(oc, FS_OUTCOME_REJECTED);

  assert_int_equal(
      fs_test_central_intf(&w->d,
                           "SELECT count(*) FROM customers WHERE id='%s' AND "
                           "name='Leaver Card One' AND owner='A01'",
                           c1),
      1);
  assert_int_equal(
      fs_test_central_intf(
          &w->d, "SELECT count(*) FROM customers WHERE id='%s' AND deleted=0", c2),
      1);
  assert_int_equal(fs_test_central_intf(
                       &w->d, "SELECT count(*) FROM audit WHERE action='fence.arrived'"),
                   0);
  fs_test_sync_ok(a1, NULL);
  assert_int_equal(fs_test_replica_intf(w->tmp, "a01",
                                        "SELECT count(*) FROM customers WHERE deleted=0"),
                   2);
  printf(
      "fence: a departed rep's device pushed an edit and a delete of handed-over cards "
      "stamped after the move, in two sessions: both refused, both cards intact at "
      "A01\n");
  fs_replica_close(a3);
  fs_replica_close(a1);
}

/* Backdated clocks: stamped before the move but at or below what the
 * device already sent -> refused (FS_ECLOCK), whatever the fence says. */
static void test_backdated_clocks(void **state) {
  world *w = *state;
  fs_replica *a3 = fs_test_enroll(&w->d, w->tmp, "A03", "a03");
  char c1[33], sql[256];
  char *out;
  fs_change ch;
  long long sent;
  int oc, code;

  fs_test_create_customer(a3, "Backdate Target", "A", c1);
  /* The newest clocks belong to another card, so the backdated edits of
   * c1 below are new changes, not re-sends of one the daemon has. */
  fs_test_create_customer(a3, "Written Later", "B", NULL);
  fs_test_sync_ok(a3, NULL);
  /* The newest clock the daemon has from this device (its records). */
  sent =
      fs_test_central_int(&w->d, "SELECT max(hlc) FROM (SELECT hlc FROM customers WHERE "
                                 "author='A03' UNION ALL SELECT hlc FROM grade_changes "
                                 "WHERE author='A03')");
  assert_true(sent > 0);
  out = fs_test_daemon_cmd(&w->d, NULL, "depart --yes A03 --successor A01");
  free(out);
  /* phone was never written: a merge would take any clock. */
  edit_change(&ch, c1, 2001, (uint64_t)sent - 1, "phone", "backdated-1");
  oc = wire_push1(w, "a03", &ch, &code);
  fs_wire_change_release(&ch);
  assert_int_equal(oc, FS_OUTCOME_REJECTED);
  assert_int_equal(code, FS_ECLOCK);
  edit_change(&ch, c1, 2002, (uint64_t)sent, "phone", "backdated-2");
  oc = wire_push1(w, "a03", &ch, &code);
  fs_wire_change_release(&ch);
  assert_int_equal(oc, FS_OUTCOME_REJECTED);
  assert_int_equal(code, FS_ECLOCK);
  snprintf(sql, sizeof(sql),
           "SELECT count(*) FROM customers WHERE id='%s' AND phone IS NULL", c1);
  assert_int_equal(fs_test_central_int(&w->d, sql), 1);
  /* last_hlc is kept by the daemon itself. */
  assert_true(fs_test_central_int(
                  &w->d, "SELECT last_hlc FROM devices WHERE staff='A03'") >= sent);
  printf("fence: edits stamped before the move but at or below the device's last clock "
         "(%lld) refused with FS_ECLOCK; the card unchanged\n",
         sent);
  fs_replica_close(a3);
}

/* Genuine offline work made before the departure lands; a field the
 * successor changed since and a delete become items, delivered to the
 * successor, who accepts one and dismisses the other.  Audit and the
 * handover report list the arrivals. */
static void test_fenced_items(void **state) {
  world *w = *state;
  fs_replica *a3 = fs_test_enroll(&w->d, w->tmp, "A03", "a03");
  fs_replica *a1 = fs_test_enroll(&w->d, w->tmp, "A01", "a01");
  char c1[33], c2[33], sql[512];
  char *out;
  fs_sync_stats st;
  long long phone_item, delete_item;

  fs_test_create_customer(a3, "Item Card", "A", c1);
  fs_test_create_customer(a3, "Delete Me Card", "B", c2);
  fs_test_sync_ok(a3, NULL);
  /* Offline on A03's phone, before the departure. */
  set_fields(a3, c1, "name", "Item Card (renamed offline)", "phone", "111-offline");
  assert_int_equal(fs_delete(a3, "customer", c2), 0);
  out = fs_test_daemon_cmd(&w->d, NULL, "depart --yes A03 --successor A01");
  free(out);
  /* The successor changes the phone after the move. */
  fs_test_sync_ok(a1, NULL);
  set_fields(a1, c1, "phone", "222-successor", NULL, NULL);
  fs_test_sync_ok(a1, NULL);
  /* A03's phone uploads. */
  final_upload(a3, &st);
  assert_int_equal(st.rejected, 0);
  assert_true(st.pushed >= 2);
  assert_int_equal(
      fs_test_central_intf(&w->d,
                           "SELECT count(*) FROM customers WHERE id='%s' AND "
                           "name='Item Card (renamed offline)' AND "
                           "phone='222-successor' AND owner='A01'",
                           c1),
      1);
  assert_int_equal(
      fs_test_central_intf(
          &w->d, "SELECT count(*) FROM customers WHERE id='%s' AND deleted=0", c2),
      1);
  assert_int_equal(
      fs_test_central_intf(&w->d,
                           "SELECT count(*) FROM conflicts WHERE fenced='A03' AND "
                           "record_id='%s' AND field='phone' AND loser='111-offline' AND "
                           "winner='222-successor'",
                           c1),
      1);
  assert_int_equal(
      fs_test_central_intf(&w->d,
                           "SELECT count(*) FROM conflicts WHERE fenced='A03' AND "
                           "record_id='%s' AND field='(deleted)'",
                           c2),
      1);
  assert_int_equal(
      fs_test_central_intf(&w->d,
                           "SELECT count(*) FROM audit WHERE action='fence.arrived' AND "
                           "detail LIKE '%%%s%%'",
                           c1),
      1);
  assert_int_equal(
      fs_test_central_intf(&w->d,
                           "SELECT count(*) FROM audit WHERE action='fence.arrived' AND "
                           "detail LIKE '%%%s%%'",
                           c2),
      1);
  assert_int_equal(
      fs_test_central_intf(&w->d,
                           "SELECT count(*) FROM handovers WHERE from_staff='A03' AND "
                           "report LIKE '%%arrived after the handover from A03''s "
                           "device: customer %s%%'",
                           c1),
      1);
  /* The successor gets the items and the updated report. */
  fs_test_sync_ok(a1, &st);
  assert_int_equal(
      fs_test_replica_intf(w->tmp, "a01",
                           "SELECT count(*) FROM conflicts WHERE fenced='A03'"),
      2);
  assert_true(
      fs_test_replica_intf(w->tmp, "a01",
                           "SELECT count(*) FROM notices WHERE body LIKE "
                           "'%%arrived after the handover from A03''s device%%'") >= 1);
  phone_item = fs_test_replica_intf(w->tmp, "a01",
                                    "SELECT id FROM conflicts WHERE fenced='A03' AND "
                                    "field='phone' AND record_id='%s'",
                                    c1);
  delete_item = fs_test_replica_intf(w->tmp, "a01",
                                     "SELECT id FROM conflicts WHERE fenced='A03' AND "
                                     "field='(deleted)' AND record_id='%s'",
                                     c2);
  assert_true(phone_item > 0 && delete_item > 0);
  assert_int_equal(fs_conflict_accept(a1, phone_item), 0);
  assert_int_equal(fs_conflict_accept(a1, phone_item), FS_EEXIST);
  assert_int_equal(fs_conflict_dismiss(a1, delete_item), 0);
  fs_test_sync_ok(a1, NULL);
  assert_int_equal(
      fs_test_central_intf(&w->d,
                           "SELECT count(*) FROM customers WHERE id='%s' AND "
                           "phone='111-offline'",
                           c1),
      1);
  assert_int_equal(
      fs_test_central_intf(
          &w->d, "SELECT count(*) FROM customers WHERE id='%s' AND deleted=0", c2),
      1);
  snprintf(sql, sizeof(sql),
           "SELECT count(*) FROM conflicts WHERE resolved='accepted' AND "
           "id=%lld",
           phone_item);
  assert_int_equal(fs_test_replica_int(w->tmp, "a01", sql), 1);
  snprintf(sql, sizeof(sql),
           "SELECT count(*) FROM conflicts WHERE resolved='dismissed' AND "
           "id=%lld",
           delete_item);
  assert_int_equal(fs_test_replica_int(w->tmp, "a01", sql), 1);
  printf("fence: A03's offline rename landed; its phone (changed by A01 since) and its "
         "delete became items at A01 (audit, handover report and notice list them); A01 "
         "accepted the phone (now stored centrally) and dismissed the delete (card "
         "kept)\n");
  fs_replica_close(a3);
  fs_replica_close(a1);
}

/* Transfer of an active rep's cards: the same rules.  A pre-move offline
 * change lands or becomes an item; accepting a delete item deletes the
 * card; a later edit from the same device is refused. */
static void test_transfer_fence(void **state) {
  world *w = *state;
  fs_replica *a3 = fs_test_enroll(&w->d, w->tmp, "A03", "a03");
  fs_replica *a2 = fs_test_enroll(&w->d, w->tmp, "A02", "a02");
  char c1[33], c2[33], c3[33];
  char *out;
  fs_sync_stats st;
  fs_change ch;
  long long item;
  int oc, code;

  fs_test_create_customer(a3, "Transfer Delete", "A", c1);
  fs_test_create_customer(a3, "Transfer Phone", "B", c2);
  fs_test_create_customer(a3, "Stays With A03", "C", c3);
  fs_test_sync_ok(a3, NULL);
  assert_int_equal(fs_delete(a3, "customer", c1), 0);
  set_fields(a3, c2, "phone", "333-before-transfer", NULL, NULL);
  out = fs_test_daemon_cmd(&w->d, NULL,
                           "transfer --yes --from A03 --to A02 --customer %s "
                           "--customer %s",
                           c1, c2);
  free(out);
  fs_test_sync_ok(a2, NULL);
  set_fields(a2, c2, "phone", "444-new-owner", NULL, NULL);
  fs_test_sync_ok(a2, NULL);
  fs_test_sync_ok(a3, &st);
  assert_int_equal(st.rejected, 0);
  assert_int_equal(
      fs_test_central_intf(&w->d,
                           "SELECT count(*) FROM customers WHERE id='%s' AND "
                           "phone='444-new-owner'",
                           c2),
      1);
  assert_int_equal(
      fs_test_central_intf(
          &w->d, "SELECT count(*) FROM customers WHERE id='%s' AND deleted=0", c1),
      1);
  assert_int_equal(
      fs_test_central_intf(&w->d,
                           "SELECT count(*) FROM handovers WHERE kind='transfer' AND "
                           "report LIKE '%%arrived after the handover from A03''s "
                           "device: customer %s%%'",
                           c1),
      1);
  /* Now the device knows; anything newer to the moved cards is refused. */
  edit_change(&ch, c2, 3001, 0, "name", "A03 after the transfer");
  oc = wire_push1(w, "a03", &ch, &code);
  fs_wire_change_release(&ch);
  assert_int_equal(oc, FS_OUTCOME_REJECTED);
  /* ... also with a device claiming it never pulled (cursor 0). */
  delete_change(&ch, c2, 3002, 0);
  oc = wire_push1(w, "a03", &ch, &code);
  fs_wire_change_release(&ch);
  assert_int_equal(oc, FS_OUTCOME_REJECTED);
  assert_int_equal(
      fs_test_central_intf(&w->d,
                           "SELECT count(*) FROM customers WHERE id='%s' AND "
                           "name='Transfer Phone' AND deleted=0",
                           c2),
      1);
  /* The new owner accepts the delete item: the card goes. */
  fs_test_sync_ok(a2, NULL);
  item = fs_test_replica_intf(w->tmp, "a02",
                              "SELECT id FROM conflicts WHERE fenced='A03' AND "
                              "field='(deleted)' AND record_id='%s'",
                              c1);
  assert_true(item > 0);
  assert_int_equal(fs_conflict_accept(a2, item), 0);
  fs_test_sync_ok(a2, NULL);
  assert_int_equal(
      fs_test_central_intf(
          &w->d, "SELECT count(*) FROM customers WHERE id='%s' AND deleted=1", c1),
      1);
  /* A03's own card is untouched by all of it and still writable. */
  set_fields(a3, c3, "phone", "555-own-card", NULL, NULL);
  fs_test_sync_ok(a3, &st);
  assert_int_equal(
      fs_test_central_intf(&w->d,
                           "SELECT count(*) FROM customers WHERE id='%s' AND "
                           "phone='555-own-card' AND owner='A03'",
                           c3),
      1);
  printf("fence (transfer): A03's pre-transfer delete became an item A02 accepted (card "
         "deleted); its pre-transfer phone lost to A02's later edit as an item; A03's "
         "edit and delete after the transfer refused; A03's own card still writable\n");
  fs_replica_close(a3);
  fs_replica_close(a2);
}

/* After the deadline (move + wipe_deadline_days) fenced changes are
 * refused; before it, the same kind of change lands. */
static void test_fence_deadline(void **state) {
  world *w = *state;
  fs_replica *a3 = fs_test_enroll(&w->d, w->tmp, "A03", "a03");
  fs_replica *spare = fs_test_enroll(&w->d, w->tmp, "A03", "a03b");
  char c1[33], c2[33], sql[400];
  char *out;
  fs_change ch;
  uint64_t old;
  int oc, code;

  fs_test_create_customer(a3, "Old Move", "A", c1);
  fs_test_create_customer(a3, "Recent Move", "B", c2);
  fs_test_sync_ok(a3, NULL);
  out = fs_test_daemon_cmd(&w->d, NULL,
                           "transfer --yes --from A03 --to A01 --customer %s "
                           "--customer %s",
                           c1, c2);
  free(out);
  /* c1's move happened 20 days ago (wipe_deadline_days is 14). */
  snprintf(sql, sizeof(sql),
           "UPDATE ownership_log SET at=at-20*86400000 WHERE record_id='%s'", c1);
  fs_test_central_exec(&w->d, sql);
  /* A second phone of A03 (it never sent anything) with work from 21 days
   * ago: before either move. */
  old = (fs_wire_now_ms() - 21ULL * 86400000ULL) << 16;
  edit_change(&ch, c1, 4001, old, "phone", "from-21-days-ago");
  oc = wire_push1(w, "a03b", &ch, &code);
  fs_wire_change_release(&ch);
  assert_int_equal(oc, FS_OUTCOME_REJECTED);
  assert_int_equal(code, FS_EFORBIDDEN);
  edit_change(&ch, c2, 4002, old + 1, "phone", "from-21-days-ago");
  oc = wire_push1(w, "a03b", &ch, &code);
  fs_wire_change_release(&ch);
  assert_int_equal(oc, FS_OUTCOME_APPLIED);
  assert_int_equal(
      fs_test_central_intf(&w->d,
                           "SELECT count(*) FROM customers WHERE id='%s' AND phone IS "
                           "NULL",
                           c1),
      1);
  assert_int_equal(
      fs_test_central_intf(&w->d,
                           "SELECT count(*) FROM customers WHERE id='%s' AND "
                           "phone='from-21-days-ago'",
                           c2),
      1);
  printf(
      "fence deadline: a change made before a move 20 days ago is refused (fence closed "
      "after 14 days); the same change to a card moved today lands\n");
  fs_replica_close(a3);
  fs_replica_close(spare);
}

/* Rights at the change's time: a card that went to A01 and came back to
 * A03 was A01's in between; an edit A03's device stamped in that time is
 * refused although A03 owns the card now.  Stamped after it came back, it
 * lands. */
static void test_rights_at_change_time(void **state) {
  world *w = *state;
  fs_replica *a3 = fs_test_enroll(&w->d, w->tmp, "A03", "a03");
  fs_replica *spare = fs_test_enroll(&w->d, w->tmp, "A03", "a03b");
  char c1[33], sql[300];
  char *out;
  fs_change ch;
  long long away, back;
  int oc, code;

  fs_test_create_customer(a3, "Boomerang Card", "A", c1);
  fs_test_sync_ok(a3, NULL);
  out = fs_test_daemon_cmd(&w->d, NULL, "transfer --yes --from A03 --to A01 --customer %s", c1);
  free(out);
  out = fs_test_daemon_cmd(&w->d, NULL, "transfer --yes --from A01 --to A03 --customer %s", c1);
  free(out);
  /* Spread the two moves 10 s apart, so "in between" is a clear time. */
  snprintf(sql, sizeof(sql),
           "UPDATE ownership_log SET at=at-10000 WHERE record_id='%s' AND old_owner='A03'", c1);
  fs_test_central_exec(&w->d, sql);
  snprintf(sql, sizeof(sql),
           "SELECT at FROM ownership_log WHERE record_id='%s' AND old_owner='A03'", c1);
  away = fs_test_central_int(&w->d, sql);
  snprintf(sql, sizeof(sql),
           "SELECT at FROM ownership_log WHERE record_id='%s' AND old_owner='A01'", c1);
  back = fs_test_central_int(&w->d, sql);
  assert_true(away > 0 && back > away + 5000);
  edit_change(&ch, c1, 6001, (uint64_t)(away + 2000) << 16, "phone", "while it was A01's");
  oc = wire_push1(w, "a03b", &ch, &code);
  fs_wire_change_release(&ch);
  assert_int_equal(oc, FS_OUTCOME_REJECTED);
  assert_int_equal(code, FS_EFORBIDDEN);
  edit_change(&ch, c1, 6002, 0, "phone", "after it came back");
  oc = wire_push1(w, "a03b", &ch, &code);
  fs_wire_change_release(&ch);
  assert_int_equal(oc, FS_OUTCOME_APPLIED);
  assert_int_equal(
      fs_test_central_intf(&w->d,
                           "SELECT count(*) FROM customers WHERE id='%s' AND "
                           "phone='after it came back'",
                           c1),
      1);
  printf("rights at the change's time: an edit stamped while the card was A01's refused "
         "though A03 owns it again; one stamped after it came back applied\n");
  fs_replica_close(a3);
  fs_replica_close(spare);
}

/* Hole 4: field clocks are bounded like the change clock. */
static void test_field_clock_bounds(void **state) {
  world *w = *state;
  fs_replica *a1 = fs_test_enroll(&w->d, w->tmp, "A01", "a01");
  char c1[33];
  fs_change ch;
  uint64_t now = fs_wire_now_ms() << 16;
  static const char *const what[] = {
      "field clock 10 years ahead", "field clock 2^48-1 ms", "field clock 0",
      "field clock above the change clock", "change clock 0"};
  int oc, code;

  fs_test_create_customer(a1, "Clock Card", "A", c1);
  fs_test_sync_ok(a1, NULL);
  for (int i = 0; i < 5; i++) {
    /* Rising change clocks, so only the field clock is at fault. */
    fs_wire_change_init(&ch, FS_KIND_CUSTOMER, c1, "A01", 5000 + (uint64_t)i,
                        now + 10 + (uint64_t)i);
    fs_wire_change_set(&ch, "phone", "frozen?");
    switch (i) {
    case 0:
      ch.fields[0].hlc = (fs_wire_now_ms() + 3650ULL * 86400000ULL) << 16;
      break;
    case 1:
      ch.fields[0].hlc = ((1ULL << 48) - 1) << 16;
      break;
    case 2:
      ch.fields[0].hlc = 0;
      break;
    case 3:
      ch.fields[0].hlc = ch.hlc + 5;
      break;
    default:
      ch.hlc = 0;
      break;
    }
    oc = wire_push1(w, "a01", &ch, &code);
    if (i == 1 && (code == FS_EINVAL || code == FS_EPROTO)) {
      /* Once integers are range-checked on the wire (hole 11) 2^48-1 ms
       * cannot be sent at all; the largest clock that can: */
      printf("  %s: refused by the codec (%d); sending 2^47-1 ms\n", what[i], code);
      ch.fields[0].hlc = (((1ULL << 47) - 1) << 16) | 0xffff;
      oc = wire_push1(w, "a01", &ch, &code);
    }
    fs_wire_change_release(&ch);
    printf("  %s: outcome %d code %d\n", what[i], oc, code);
    assert_int_equal(oc, FS_OUTCOME_REJECTED);
    assert_int_equal(code, FS_ECLOCK);
  }
  assert_int_equal(
      fs_test_central_intf(&w->d,
                           "SELECT count(*) FROM customers WHERE id='%s' AND phone IS "
                           "NULL",
                           c1),
      1);
  /* A later genuine edit is applied, not "superseded". */
  set_fields(a1, c1, "phone", "010-genuine", NULL, NULL);
  {
    fs_sync_stats st;
    fs_test_sync_ok(a1, &st);
    assert_int_equal(st.rejected, 0);
  }
  assert_int_equal(
      fs_test_central_intf(&w->d,
                           "SELECT count(*) FROM customers WHERE id='%s' AND "
                           "phone='010-genuine'",
                           c1),
      1);
  printf("field clocks: 10 years ahead, 2^48-1 ms, 0, above the change clock, and a zero "
         "change clock all refused (FS_ECLOCK); a later genuine edit applied\n");
  fs_replica_close(a1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_departed_writes_after_move, setup,
                                      fs_test_world_teardown),
      cmocka_unit_test_setup_teardown(test_backdated_clocks, setup,
                                      fs_test_world_teardown),
      cmocka_unit_test_setup_teardown(test_fenced_items, setup, fs_test_world_teardown),
      cmocka_unit_test_setup_teardown(test_transfer_fence, setup, fs_test_world_teardown),
      cmocka_unit_test_setup_teardown(test_fence_deadline, setup, fs_test_world_teardown),
      cmocka_unit_test_setup_teardown(test_rights_at_change_time, setup,
                                      fs_test_world_teardown),
      cmocka_unit_test_setup_teardown(test_field_clock_bounds, setup,
                                      fs_test_world_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
