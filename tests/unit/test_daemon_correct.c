/* test_daemon_correct.c - issue 15, visit corrections at the daemon: a
 * hostile device (wiretest.h: a real device key, hand-made changes, none of
 * libfieldsync's checks) tries each way around the correction rules of
 * common/access_rules.h (V1-V5) and is refused per change with a reason,
 * while the rest goes on; real devices correct through fs_visit_correct:
 *   - counts_on without corrects; corrects naming no visit; a correction
 *     moved to another card;
 *   - a back-dated correction that would meet a missed deadline (its
 *     counts_on claims the corrected date): refused; with the day it was
 *     made: applied, and the missed deadline stays missed (hand-worked:
 *     grade A since 2026-03-01, the contact due by 03-03);
 *   - a second correction of the same visit; the chain's head corrected;
 *   - a covering rep corrects a visit that is not theirs: refused; the
 *     rep's manager corrects it on a real device: applied;
 *   - lists count a corrected visit once. */
#include "daemontest.h"
#include "wiretest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "fieldsync.h"
#include "fs_errno.h"
#include "hlc.h"
#include "id.h"
#include "store.h"

typedef struct world {
  fs_test_daemon d;
  char *tmp;
  fs_replica *a1, *m1; /* the rep's and the manager's real devices */
  fs_wire_dev h;       /* a device key, hostile */
  const char *staff;   /* whose key h is */
  uint64_t clock;      /* the hostile device's next clock */
  uint64_t counter;
} world;

static int setup(void **state) {
  world *w = calloc(1, sizeof(*w));
  assert_non_null(w);
  fs_test_world_start(&w->d, &w->tmp, "staff add M01 --name 'Manager' --role manager",
                      "staff add A01 --name '李明' --manager M01",
                      "staff add A02 --name 'Wang' --manager M01", NULL);
  w->a1 = fs_test_enroll(&w->d, w->tmp, "A01", "a01");
  *state = w;
  return 0;
}

static int teardown(void **state) {
  world *w = *state;
  fs_wire_free(&w->h);
  fs_replica_close(w->a1);
  fs_replica_close(w->m1);
  fs_test_world_stop(&w->d, w->tmp);
  free(w);
  return 0;
}

/* Opens the hostile session of replica `name` (staff `staff`); clocks start
 * above everything the daemon acknowledged. */
static void hostile(world *w, const char *name, const char *staff) {
  uint64_t now = fs__hlc_make(fs_wire_now_ms(), 0);
  long long last = fs_test_central_int(&w->d, "SELECT max(last_hlc) FROM devices");
  fs_wire_free(&w->h);
  memset(&w->h, 0, sizeof(w->h));
  fs_wire_load(&w->h, w->tmp, name);
  assert_int_equal(fs_wire_open(&w->h, NULL), 0);
  w->clock = last > 0 && (uint64_t)last >= now ? (uint64_t)last + 1 : now;
  w->counter = 1000;
  w->staff = staff;
}

/* A new visit of card cust at `at` by method, correcting `corrects` (NULL:
 * none) with counts_on `on` (NULL: unset). */
static void visit(world *w, fs_change *c, char id[33], const char *cust, const char *at,
                  const char *method, const char *corrects, const char *on) {
  fs__id_new(id);
  fs_wire_change_init(c, FS_KIND_VISIT, id, w->staff, ++w->counter, w->clock++);
  fs_wire_change_set(c, "customer_id", cust);
  fs_wire_change_set(c, "at", at);
  fs_wire_change_set(c, "method", method);
  if (corrects)
    fs_wire_change_set(c, "corrects", corrects);
  if (on)
    fs_wire_change_set(c, "counts_on", on);
}

/* Pushes one change: its outcome; *code its code.  The reason the daemon
 * recorded must contain `reason` when given. */
static int push1(world *w, fs_change *c, int *code, const char *reason) {
  int oc = 0, cd = 0;
  uint64_t counter = c->counter;
  assert_int_equal(fs_wire_push(&w->h, c, 1, 1, &oc, &cd, NULL), 0);
  fs_wire_change_release(c);
  if (code)
    *code = cd;
  if (reason &&
      fs_test_central_intf(&w->d,
                           "SELECT count(*) FROM applied WHERE counter = %llu AND "
                           "instr(reason, '%s') > 0",
                           (unsigned long long)counter, reason) != 1)
    fail_msg("reason of change %llu does not contain \"%s\"", (unsigned long long)counter,
             reason);
  return oc;
}

static void card(world *w, const char *name, const char *grade, const char *created,
                 char id[33]) {
  fs_record *rec = NULL;
  assert_int_equal(fs_record_new("customer", &rec), 0);
  assert_int_equal(fs_record_set(rec, "name", name), 0);
  assert_int_equal(fs_record_set(rec, "grade", grade), 0);
  assert_int_equal(fs_record_set(rec, "created", created), 0);
  assert_int_equal(fs_create(w->a1, rec, id), 0);
  fs_record_free(rec);
  fs_test_sync_ok(w->a1, NULL);
}

/* The agenda's items of card `cust`: how many, the last one's due date. */
typedef struct seen {
  const char *cust;
  int n;
  char due[11];
} seen;

static int seen_cb(void *arg, const fs_agenda_item *it) {
  seen *g = arg;
  if (strcmp(it->customer_id, g->cust) != 0)
    return 0;
  g->n++;
  snprintf(g->due, sizeof(g->due), "%s", it->due);
  return 0;
}

static int count_cb(void *arg, fs_record *rec) {
  (void)rec;
  ++*(int *)arg;
  return 0;
}

/* Visits of card cust listed on r: the current ones (superseded 0) or all. */
static int listed(fs_replica *r, const char *cust, int superseded) {
  fs_query q;
  int n = 0;
  memset(&q, 0, sizeof(q));
  q.customer_id = cust;
  q.superseded = superseded;
  assert_int_equal(fs_list(r, "visit", &q, count_cb, &n), 0);
  return n;
}

static void test_correction_rules(void **state) {
  world *w = *state;
  char hot[33], other[33], v[33], c1[33], c2[33], x[33], today[11];
  fs_change c;
  int code;
  seen got;

  fs__today(today);
  /* Grade A since 2026-03-01: a contact is due by 03-03.  The rep logs an
   * e-mail on 03-04 (not a contact for A): 03-03 was missed. */
  card(w, "Hot Co", "A", "2026-03-01", hot);
  card(w, "Other Co", "B", "2026-03-01", other);
  hostile(w, "a01", "A01");
  visit(w, &c, v, hot, "2026-03-04T10:00", "email", NULL, NULL);
  assert_int_equal(push1(w, &c, &code, NULL), FS_OUTCOME_APPLIED);
  /* V1: a contact day of its own without being a correction. */
  visit(w, &c, x, hot, "2026-03-04T11:00", "phone", NULL, "2026-03-02");
  assert_int_equal(push1(w, &c, &code, "counts_on: only a correction"),
                   FS_OUTCOME_REJECTED);
  assert_int_equal(code, FS_EVALIDATE);
  /* V2: nothing to correct; another card. */
  fs__id_new(c2);
  visit(w, &c, x, hot, "2026-03-04T10:00", "email", c2, "2026-03-04");
  assert_int_equal(push1(w, &c, &code, "no visit"), FS_OUTCOME_REJECTED);
  assert_int_equal(code, FS_EVALIDATE);
  visit(w, &c, x, other, "2026-03-04T10:00", "email", v, "2026-03-04");
  assert_int_equal(push1(w, &c, &code, "stays on the card"), FS_OUTCOME_REJECTED);
  /* V5: made today, it would turn the e-mail of 03-04 into a call of 03-02
   * and meet the deadline of 03-03 after the fact: it counts today. */
  visit(w, &c, x, hot, "2026-03-02T10:00", "phone", v, "2026-03-02");
  assert_int_equal(push1(w, &c, &code, "counts as a contact on"), FS_OUTCOME_REJECTED);
  assert_int_equal(code, FS_EVALIDATE);
  visit(w, &c, c1, hot, "2026-03-02T10:00", "phone", v, today);
  assert_int_equal(push1(w, &c, &code, NULL), FS_OUTCOME_APPLIED);
  /* V3: corrected once; the chain's head may be corrected (date and method
   * kept: it counts as the head did). */
  visit(w, &c, x, hot, "2026-03-02T10:00", "phone", v, today);
  assert_int_equal(push1(w, &c, &code, "is already corrected by"), FS_OUTCOME_REJECTED);
  assert_int_equal(code, FS_EVALIDATE);
  visit(w, &c, c2, hot, "2026-03-02T10:00", "phone", c1, "2026-03-02");
  assert_int_equal(push1(w, &c, &code, "counts as a contact on"), FS_OUTCOME_REJECTED);
  visit(w, &c, c2, hot, "2026-03-02T15:00", "phone", c1, today);
  fs_wire_change_set(&c, "points", "the call, at last");
  assert_int_equal(push1(w, &c, &code, NULL), FS_OUTCOME_APPLIED);
  fs_wire_close(&w->h);
  fs_test_sync_ok(w->a1, NULL);
  /* Counted once: the list shows the head only; all three are kept. */
  assert_int_equal(listed(w->a1, hot, 0), 1);
  assert_int_equal(listed(w->a1, hot, 1), 3);
  /* The deadline of 03-03 stays missed: on 03-04 the card was overdue
   * since 03-03 (had the correction counted on 03-02, it would be due
   * 03-04).  Today it has its contact: nothing is due. */
  memset(&got, 0, sizeof(got));
  got.cust = hot;
  assert_int_equal(fs_agenda(w->a1, "2026-03-04", seen_cb, &got), 0);
  assert_int_equal(got.n, 1);
  assert_string_equal(got.due, "2026-03-03");
  memset(&got, 0, sizeof(got));
  got.cust = hot;
  assert_int_equal(fs_agenda(w->a1, NULL, seen_cb, &got), 0);
  assert_int_equal(got.n, 0);
  printf("corrections: counts_on alone, no visit, another card, a back-dated contact day "
         "and a second correction were refused with reasons; the correction counts "
         "today and 2026-03-03 stays missed; the list shows the visit once\n");
}

static void test_correction_who(void **state) {
  world *w = *state;
  char cust[33], v[33], x[33], nid[33], today[11], *out;
  fs_record *rec = NULL;
  fs_change c;
  int code, status;

  fs__today(today);
  card(w, "Busy Co", "B", "2026-03-01", cust);
  fs_test_log_visit(w->a1, cust, "2026-03-02T10:00", "first talk", v);
  fs_test_sync_ok(w->a1, NULL);
  /* A02 covers for A01: may write A01's cards, but not correct A01's visits. */
  out = fs_test_daemon_cmd(&w->d, &status, "cover A01 --by A02 --from %s --to %s", today,
                           today);
  assert_int_equal(status, 0);
  free(out);
  fs_replica_close(fs_test_enroll(&w->d, w->tmp, "A02", "a02"));
  hostile(w, "a02", "A02");
  visit(w, &c, x, cust, "2026-03-02T10:00", "in_person", v, "2026-03-02");
  fs_wire_change_set(&c, "points", "not my visit");
  assert_int_equal(push1(w, &c, &code, "or their manager corrects it; A02 is neither"),
                   FS_OUTCOME_REJECTED);
  assert_int_equal(code, FS_EFORBIDDEN);
  /* Yet A02 may log a visit of their own on the card. */
  visit(w, &c, x, cust, "2026-03-02T11:00", "phone", NULL, NULL);
  assert_int_equal(push1(w, &c, &code, NULL), FS_OUTCOME_APPLIED);
  fs_wire_close(&w->h);
  /* The manager corrects it from a real device: the points only, so it
   * counts as the original did. */
  w->m1 = fs_test_enroll(&w->d, w->tmp, "M01", "m01");
  fs_test_sync_ok(w->m1, NULL);
  assert_int_equal(fs_record_new("visit", &rec), 0);
  assert_int_equal(fs_record_set(rec, "points", "first talk, with the owner"), 0);
  assert_int_equal(fs_visit_correct(w->m1, v, rec, nid), 0);
  fs_record_free(rec);
  fs_test_sync_ok(w->m1, NULL);
  assert_int_equal(
      fs_test_central_intf(&w->d,
                           "SELECT count(*) FROM visits WHERE id = '%s' AND "
                           "corrects = '%s' AND counts_on = '2026-03-02' AND "
                           "author = 'M01' AND method = 'in_person'",
                           nid, v),
      1);
  /* The rep's device learns it; a second correction there is refused. */
  fs_test_sync_ok(w->a1, NULL);
  assert_int_equal(fs_visit_corrected_by(w->a1, v, x), 0);
  assert_string_equal(x, nid);
  assert_int_equal(fs_visit_correct(w->a1, v, NULL, x), FS_EVALIDATE);
  assert_non_null(strstr(fs_errmsg(w->a1), "already corrected by"));
  printf("corrections: a covering rep was refused; the manager's correction landed and "
         "counts on the original's day\n");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_correction_rules, setup, teardown),
      cmocka_unit_test_setup_teardown(test_correction_who, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
