/* test_daemon_review.c - issue 14, the manager's decisions end to end: a
 * rep's deletion request confirmed or rejected by the rep's manager
 * (fs_customer_delete_review), and the rep told of it and of a confirmed
 * or rejected lost sale (a NOTICE of kind "review", fs_notice_list).  Hostile devices
 * (wiretest.h) try to bypass rule C5 of common/access_rules.h: the rep
 * deletes a card whose request is pending or writes the manager's note,
 * another team's manager deletes the card, a manager sets the request. */
#include "daemontest.h"
#include "wiretest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldsync.h"
#include "fs_errno.h"
#include "hlc.h"
#include "store.h"

typedef struct world {
  fs_test_daemon d;
  char *tmp;
  fs_replica *a1, *m1, *m2;
  fs_wire_dev h;
  uint64_t clock, counter;
} world;

static int setup(void **state) {
  world *w = calloc(1, sizeof(*w));
  assert_non_null(w);
  fs_test_world_start(&w->d, &w->tmp, "staff add M01 --name 'Manager' --role manager",
                      "staff add M02 --name 'Other Manager' --role manager",
                      "staff add A01 --name '李明' --manager M01", NULL);
  w->a1 = fs_test_enroll(&w->d, w->tmp, "A01", "a01");
  w->m1 = fs_test_enroll(&w->d, w->tmp, "M01", "m01");
  w->m2 = fs_test_enroll(&w->d, w->tmp, "M02", "m02");
  *state = w;
  return 0;
}

static int teardown(void **state) {
  world *w = *state;
  fs_wire_free(&w->h);
  fs_replica_close(w->a1);
  fs_replica_close(w->m1);
  fs_replica_close(w->m2);
  fs_test_world_stop(&w->d, w->tmp);
  free(w);
  return 0;
}

/* The hostile session of replica `name`'s key. */
static void hostile(world *w, const char *name) {
  w->clock = fs_wire_hostile(&w->h, &w->d, w->tmp, name);
  w->counter = 1000;
}

/* Pushes one change of customer id: outcome; the recorded reason must
 * contain `reason` when given, the code be `code` when refused. */
static int push1(world *w, fs_change *c, int code, const char *reason) {
  return fs_wire_push1(&w->h, &w->d, c, code, reason);
}

static void change(world *w, fs_change *c, const char *id, fs_op op) {
  fs_wire_change_init(c, FS_KIND_CUSTOMER, id, "A01", ++w->counter, w->clock++);
  c->op = op;
}

/* The body of the last notice of kind "review" on r ("" if none), and
 * how many there are. */
typedef struct last_notice {
  int n;
  char body[1024];
} last_notice;

static int notice_cb(void *arg, const fs_notice *nt) {
  last_notice *l = arg;
  if (strcmp(nt->kind, "review") == 0) {
    l->n++;
    snprintf(l->body, sizeof(l->body), "%s", nt->body);
  }
  return 0;
}

static last_notice notices_of(fs_replica *r) {
  last_notice l;
  memset(&l, 0, sizeof(l));
  fs_test_sync_ok(r, NULL);
  assert_int_equal(fs_notice_list(r, notice_cb, &l), 0);
  return l;
}

static void expect_in(const char *hay, const char *needle) {
  if (strstr(hay, needle) == NULL)
    fail_msg("\"%s\" does not contain \"%s\"", hay, needle);
}

/* A01 asks to delete `id` (what `fieldsync customer delete` does). */
static void request(world *w, const char *id) {
  fs_test_set_field(w->a1, id, "delete_requested", "2026-03-03");
  fs_test_sync_ok(w->a1, NULL);
}

static void test_delete_request(void **state) {
  world *w = *state;
  char cust[33], vid[33], today[FS_DATE_MAX + 1], at[32];
  last_notice l;
  fs_change c;

  fs_test_create_customer(w->a1, "Busy Co", "B", cust);
  fs_today(today);
  snprintf(at, sizeof(at), "%sT00:01", today);
  fs_test_log_visit(w->a1, cust, at, "demo", vid);
  request(w, cust);
  /* A rep neither answers nor deletes over the pending request. */
  assert_int_equal(fs_customer_delete_review(w->a1, cust, 1, NULL), FS_EFORBIDDEN);
  hostile(w, "a01");
  change(w, &c, cust, FS_OP_DELETE);
  assert_int_equal(push1(w, &c, FS_EFORBIDDEN, "awaits the manager"),
                   FS_OUTCOME_REJECTED);
  change(w, &c, cust, FS_OP_UPSERT);
  fs_wire_change_set(&c, "delete_note", "approved, says me");
  assert_int_equal(push1(w, &c, FS_EFORBIDDEN, "delete_note: only a manager"),
                   FS_OUTCOME_REJECTED);
  fs_wire_close(&w->h);
  /* Another team's manager: not on their replica, refused at the daemon. */
  fs_test_sync_ok(w->m2, NULL);
  assert_int_equal(fs_customer_delete_review(w->m2, cust, 1, NULL), FS_ENOTFOUND);
  hostile(w, "m02");
  change(w, &c, cust, FS_OP_DELETE);
  assert_int_equal(push1(w, &c, FS_EFORBIDDEN, NULL), FS_OUTCOME_REJECTED);
  fs_wire_close(&w->h);
  /* The rep's manager may not ask in the rep's name. */
  hostile(w, "m01");
  change(w, &c, cust, FS_OP_UPSERT);
  fs_wire_change_set(&c, "delete_requested", "2026-03-04");
  assert_int_equal(push1(w, &c, FS_EFORBIDDEN, "(A01) asks for its deletion"),
                   FS_OUTCOME_REJECTED);
  fs_wire_close(&w->h);
  /* Rejected: the request is cleared, the card stays; the rep is told. */
  fs_test_sync_ok(w->m1, NULL);
  assert_int_equal(fs_customer_delete_review(w->m1, cust, 0, "keep calling them"), 0);
  fs_test_sync_ok(w->m1, NULL);
  assert_int_equal(
      fs_test_central_intf(&w->d,
                           "SELECT count(*) FROM customers WHERE id='%s' AND "
                           "deleted=0 AND delete_requested IS NULL AND "
                           "delete_note='keep calling them'",
                           cust),
      1);
  l = notices_of(w->a1);
  assert_int_equal(l.n, 1);
  expect_in(l.body, "to delete the card of Busy Co");
  expect_in(l.body, "was rejected by M01: keep calling them; the card stays yours");
  /* No request pending: nothing to answer. */
  assert_int_equal(fs_customer_delete_review(w->m1, cust, 1, NULL), FS_EVALIDATE);
  /* Asked again, confirmed: deleted (a tombstone), its visit kept. */
  request(w, cust);
  fs_test_sync_ok(w->m1, NULL);
  assert_int_equal(fs_customer_delete_review(w->m1, cust, 1, "duplicate card"), 0);
  fs_test_sync_ok(w->m1, NULL);
  assert_int_equal(
      fs_test_central_intf(
          &w->d, "SELECT count(*) FROM customers WHERE id='%s' AND deleted=1", cust),
      1);
  assert_int_equal(
      fs_test_central_intf(
          &w->d, "SELECT count(*) FROM visits WHERE id='%s' AND deleted=0", vid),
      1);
  l = notices_of(w->a1);
  assert_int_equal(l.n, 2);
  expect_in(l.body, "was confirmed by M01: duplicate card; the card is deleted");
  printf("delete request: the rep's delete over the request, the rep's note, another "
         "team's manager and the manager asking were refused; rejected and confirmed, "
         "the rep was told\n");
}

/* A01 loses a card of `grade` (reason class `cls`), M01 confirms (1) or
 * rejects (0) it with `note`: the rep's review notices after a sync. */
static last_notice lost_decided(world *w, const char *name, const char *grade,
                                const char *cls, int confirm, const char *note) {
  char cust[33], lid[33];
  fs_record *rec = NULL;

  fs_test_create_customer(w->a1, name, grade, cust);
  assert_int_equal(fs_record_new("lost_review", &rec), 0);
  assert_int_equal(fs_record_set(rec, "lost_date", "2026-03-05"), 0);
  assert_int_equal(fs_record_set(rec, "reason", "cheaper elsewhere"), 0);
  assert_int_equal(fs_record_set(rec, "reason_class", cls), 0);
  assert_int_equal(fs_customer_set_lost(w->a1, cust, rec, lid), 0);
  fs_record_free(rec);
  fs_test_sync_ok(w->a1, NULL);
  fs_test_sync_ok(w->m1, NULL);
  assert_int_equal(fs_lost_review(w->m1, lid, confirm, note, NULL), 0);
  fs_test_sync_ok(w->m1, NULL);
  return notices_of(w->a1);
}

static void test_lost_rejected_notice(void **state) {
  world *w = *state;
  last_notice l = lost_decided(w, "Gone Co", "A", "price", 0, "call the fleet manager");

  assert_int_equal(l.n, 1);
  expect_in(l.body, "your lost sale of Gone Co");
  expect_in(l.body,
            "was rejected by M01: call the fleet manager; the card is back at grade A");
  /* The other manager hears nothing. */
  assert_int_equal(notices_of(w->m2).n, 0);
  assert_int_equal(
      fs_test_central_int(&w->d, "SELECT count(*) FROM handovers WHERE kind='review'"),
      1);
  printf("lost sale rejected: the rep was told, with the manager's note and the grade\n");
}

/* Issue 14 (partial item of the last stop): a confirmed lost sale tells
 * the rep too, with the manager's note. */
static void test_lost_confirmed_notice(void **state) {
  world *w = *state;
  last_notice l = lost_decided(w, "Went Co", "B", "product", 1, "agreed, no chance");

  assert_int_equal(l.n, 1);
  expect_in(l.body, "your lost sale of Went Co");
  expect_in(l.body, "was confirmed by M01: agreed, no chance; the card leaves your agenda");
  assert_int_equal(notices_of(w->m2).n, 0);
  printf("lost sale confirmed: the rep was told, with the manager's note\n");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_delete_request, setup, teardown),
      cmocka_unit_test_setup_teardown(test_lost_rejected_notice, setup, teardown),
      cmocka_unit_test_setup_teardown(test_lost_confirmed_notice, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
