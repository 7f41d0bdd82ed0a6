/* test_daemon_append.c - issue 12: append-only records (visits, grade
 * changes) at the protocol level, against a real fieldsyncd, driven by the
 * wire client (wiretest.h) with the real key of an enrolled replica.
 *
 * The rule (PROTOCOL.md 7.2, 5.5.4; common/store.h): a later write to a
 * logged record whose values all equal the stored ones is a duplicate and
 * applied (outcome 1), under any counter and clock; any other is
 * superseded (outcome 3, code 0), its differing values go to the conflict
 * log, the record stays as logged.  Never outcome 4 (before issue 12 every
 * such write was FS_EVALIDATE "cannot be changed once logged"). */
#include "daemontest.h"
#include "wiretest.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fs_errno.h"
#include "hlc.h"
#include "id.h"
#include "msg.h"
#include "store.h"

typedef fs_test_world world;

static int setup(void **state) {
  return fs_test_world_setup(state, "staff add A01 --name 'Rep' --role rep", NULL);
}

/* A clock for new changes of the device: above what it has sent (its
 * clocks must rise, PROTOCOL.md 5.5.3), near now. */
static uint64_t first_clock(world *w) {
  uint64_t now = fs__hlc_make(fs_wire_now_ms(), 0);
  long long last = fs_test_central_intf(&w->d, "SELECT max(last_hlc) FROM devices");
  return last > 0 && (uint64_t)last >= now ? (uint64_t)last + 1 : now;
}

/* A customer card of the replica a1 (synced), a fresh id for the record
 * under test, and a wire session of a1's device: the first clock to use. */
static uint64_t start(world *w, fs_replica *a1, const char *name, char cust[33],
                      char id[33], fs_wire_dev *h) {
  uint64_t base;

  fs_test_create_customer(a1, name, "A", cust);
  fs_test_sync_ok(a1, NULL);
  base = first_clock(w);
  fs__id_new(id);
  fs_wire_load(h, w->tmp, "a01");
  assert_int_equal(fs_wire_open(h, NULL), 0);
  return base;
}

/* A visit of customer cust with the given method and points. */
static void visit_change(fs_change *ch, const char *id, const char *cust,
                         uint64_t counter, uint64_t hlc, const char *method,
                         const char *points) {
  fs_wire_change_init(ch, FS_KIND_VISIT, id, "A01", counter, hlc);
  fs_wire_change_set(ch, "customer_id", cust);
  fs_wire_change_set(ch, "at", "2026-03-02T10:30");
  fs_wire_change_set(ch, "method", method);
  fs_wire_change_set(ch, "points", points);
}

/* Pushes one change on the open session h: its outcome, code in *code. */
static int push1(fs_wire_dev *h, fs_change *ch, int *code) {
  int oc = 0, cd = 0;
  assert_int_equal(fs_wire_push(h, ch, 1, 1, &oc, &cd, NULL), 0);
  if (oc == FS_OUTCOME_REJECTED)
    print_message("change %llu rejected: %s\n", (unsigned long long)ch->counter,
                  fs_strerror(cd));
  *code = cd;
  fs_wire_change_release(ch);
  return oc;
}

static void test_visit_resent(void **state) {
  world *w = *state;
  fs_replica *a1 = fs_test_enroll(&w->d, w->tmp, "A01", "a01");
  uint64_t base;
  char cust[33], visit[33];
  fs_wire_dev h;
  fs_change ch;
  int code = 0;

  base = start(w, a1, "Append Only Ltd", cust, visit, &h);

  /* The visit is logged. */
  visit_change(&ch, visit, cust, 1001, base + 1, "in_person", "price of the 7-seater");
  assert_int_equal(push1(&h, &ch, &code), FS_OUTCOME_APPLIED);
  assert_int_equal(code, 0);

  /* The same visit again under a new counter and a later clock (a device
   * that lost its acknowledgement and renumbered): a duplicate, applied. */
  visit_change(&ch, visit, cust, 1002, base + 2, "in_person", "price of the 7-seater");
  assert_int_equal(push1(&h, &ch, &code), FS_OUTCOME_APPLIED);
  assert_int_equal(code, 0);
  /* The very same change again (same counter and clock): its recorded
   * outcome. */
  visit_change(&ch, visit, cust, 1002, base + 2, "in_person", "price of the 7-seater");
  assert_int_equal(push1(&h, &ch, &code), FS_OUTCOME_APPLIED);
  /* The row is the logged one: value and clock of the first write. */
  assert_int_equal(
      fs_test_central_intf(&w->d,
                           "SELECT count(*) FROM visits WHERE id='%s' AND "
                           "points='price of the 7-seater' AND method='in_person' "
                           "AND hlc=%llu AND deleted=0",
                           visit, (unsigned long long)(base + 1)),
      1);
  assert_int_equal(
      fs_test_central_intf(&w->d, "SELECT count(*) FROM conflicts WHERE record_id='%s'",
                           visit),
      0);

  /* A changed version (one value differs, the rest equal): superseded as
   * a whole, not an error; the changed value is in the conflict log. */
  visit_change(&ch, visit, cust, 1003, base + 3, "phone", "price of the 7-seater");
  assert_int_equal(push1(&h, &ch, &code), FS_OUTCOME_SUPERSEDED);
  assert_int_equal(code, 0);
  /* A few fields only, one never written before: superseded too. */
  fs_wire_change_init(&ch, FS_KIND_VISIT, visit, "A01", 1004, base + 4);
  fs_wire_change_set(&ch, "place", "their office");
  assert_int_equal(push1(&h, &ch, &code), FS_OUTCOME_SUPERSEDED);
  assert_int_equal(code, 0);
  assert_int_equal(
      fs_test_central_intf(&w->d,
                           "SELECT count(*) FROM visits WHERE id='%s' AND "
                           "method='in_person' AND place IS NULL AND hlc=%llu",
                           visit, (unsigned long long)(base + 1)),
      1);
  assert_int_equal(
      fs_test_central_intf(&w->d,
                           "SELECT count(*) FROM conflicts WHERE record_id='%s' AND "
                           "kind='visit' AND ((field='method' AND loser='phone' AND "
                           "winner='in_person') OR (field='place' AND "
                           "loser='their office' AND winner IS NULL))",
                           visit),
      2);
  assert_int_equal(
      fs_test_central_intf(&w->d, "SELECT count(*) FROM conflicts WHERE record_id='%s'",
                           visit),
      2);
  /* Nothing was refused. */
  assert_int_equal(
      fs_test_central_intf(&w->d,
                           "SELECT count(*) FROM applied WHERE counter BETWEEN 1001 AND "
                           "1004 AND outcome=4"),
      0);
  fs_wire_free(&h);

  /* The device's own replica gets the logged visit; its later local edit
   * is refused at once, with the reason, nothing queued. */
  fs_test_sync_ok(a1, NULL);
  {
    fs_record *rec = NULL;
    assert_int_equal(fs_record_new("visit", &rec), 0);
    assert_int_equal(fs_record_set(rec, "points", "edited locally"), 0);
    assert_int_equal(fs_update(a1, "visit", visit, rec), FS_EVALIDATE);
    assert_non_null(strstr(fs_replica_last_error(a1), "cannot be changed once logged"));
    fs_record_free(rec);
  }
  {
    char sql[256];
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM outbox WHERE record_id='%s'", visit);
    assert_int_equal(fs_test_replica_int(w->tmp, "a01", sql), 0);
  }
  printf(
      "append-only: a visit re-sent identical under a new counter and clock was applied "
      "(1), a changed one superseded (3) and logged, the row as first logged\n");
  fs_replica_close(a1);
}

/* A grade change re-sent identical is applied, a changed one superseded. */
static void test_grade_change_resent(void **state) {
  world *w = *state;
  fs_replica *a1 = fs_test_enroll(&w->d, w->tmp, "A01", "a01");
  uint64_t base;
  char cust[33], gc[33];
  fs_wire_dev h;
  fs_change ch;
  int code = 0;

  base = start(w, a1, "Graded Ltd", cust, gc, &h);
  for (int i = 0; i < 3; i++) {
    fs_wire_change_init(&ch, FS_KIND_GRADE_CHANGE, gc, "A01", 2001 + (uint64_t)i,
                        base + 1 + (uint64_t)i);
    fs_wire_change_set(&ch, "customer_id", cust);
    fs_wire_change_set(&ch, "grade", i == 2 ? "C" : "A");
    fs_wire_change_set(&ch, "date", "2026-03-02");
    assert_int_equal(push1(&h, &ch, &code),
                     i == 2 ? FS_OUTCOME_SUPERSEDED : FS_OUTCOME_APPLIED);
    assert_int_equal(code, 0);
  }
  fs_wire_free(&h);
  assert_int_equal(
      fs_test_central_intf(
          &w->d, "SELECT count(*) FROM grade_changes WHERE id='%s' AND grade='A'", gc),
      1);
  assert_int_equal(
      fs_test_central_intf(&w->d,
                           "SELECT count(*) FROM conflicts WHERE record_id='%s' AND "
                           "field='grade' AND loser='C'",
                           gc),
      1);
  fs_replica_close(a1);
}

/* A bool field's value is the integer 0 or 1 on the wire; msgpack
 * true/false there does not decode (FS_EPROTO: the daemon answers ERROR
 * and closes, PROTOCOL.md 5.1 and section 11).  What the spec says. */
static void test_bool_is_an_int(void **state) {
  fs_change ch, back;
  fs_buf b;
  (void)state;

  fs_wire_change_init(&ch, FS_KIND_VISIT, "0123456789abcdef0123456789abcdef", "A01", 1,
                      fs__hlc_make(1700000000000ULL, 1));
  ch.fields = calloc(1, sizeof(*ch.fields));
  assert_non_null(ch.fields);
  ch.nfields = 1;
  ch.fields[0].field = fs__field_index(fs__kind_def(FS_KIND_VISIT), "key_account");
  ch.fields[0].hlc = ch.hlc;
  fs__value_set_int(&ch.fields[0].value, 1);
  fs__buf_init(&b, 4096);
  assert_int_equal(fs__change_encode(&ch, &b), 0);
  /* The value is the last element: positive fixint 1. */
  assert_int_equal(b.data[b.len - 1], 0x01);
  memset(&back, 0, sizeof(back));
  assert_int_equal(fs__change_decode(b.data, b.len, &back), 0);
  assert_int_equal(back.fields[0].value.type, FS_V_INT);
  assert_int_equal(back.fields[0].value.i, 1);
  fs__change_release(&back);
  for (uint8_t t = 0xc2; t <= 0xc3; t++) { /* false, true */
    b.data[b.len - 1] = t;
    memset(&back, 0, sizeof(back));
    assert_int_equal(fs__change_decode(b.data, b.len, &back), FS_EPROTO);
    fs__change_release(&back);
  }
  fs__buf_release(&b);
  fs_wire_change_release(&ch);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_visit_resent, setup, fs_test_world_teardown),
      cmocka_unit_test_setup_teardown(test_grade_change_resent, setup,
                                      fs_test_world_teardown),
      cmocka_unit_test(test_bool_is_an_int),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
