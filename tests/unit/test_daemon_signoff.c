/* test_daemon_signoff.c - issue 14, the manager's sign-off of a rep's day
 * (随日报表送销售主管签核) and the rep's monthly activity plan (月度销售活动
 * 计划表) at the daemon.  The real library signs off and plans from a
 * manager's replica (fs_day_signoff, fs_plan_set) and is refused locally
 * where a rule says no; a hostile device (wiretest.h: a real device key,
 * hand-made changes) tries each rule of common/access_rules.h S and P and
 * is refused per change with the reason:
 *   - a rep pushes a sign-off of their own day, of a colleague's, or
 *     changes the manager's sign-off;
 *   - a manager signs with another code, twice for one day, a day to come,
 *     a sign-off whose rep is not its owner, another team's rep;
 *   - a rep enters a plan for a colleague, a second plan for a month, a
 *     plan for a day that is not the first of a month. */
#include "daemontest.h"
#include "wiretest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "fs_errno.h"
#include "hlc.h"
#include "id.h"
#include "store.h"

typedef struct world {
  fs_test_world tw;
  fs_wire_dev h;
  uint64_t clock, counter;
  char yesterday[11], tomorrow[11], month[11];
} world;

static int setup(void **state) {
  world *w;
  char today[11];
  int64_t d;
  int rc = fs_test_world_setup_size(state, sizeof(world),
                                    "staff add M01 --name 'Ma' --role manager",
                                    "staff add A01 --name '李明' --manager M01",
                                    "staff add A02 --name 'Bo' --manager M01",
                                    "staff add M02 --name 'Mo' --role manager",
                                    "staff add B01 --name 'Be' --manager M02", NULL);
  w = *state;
  fs__today(today);
  assert_int_equal(fs__date_parse(today, &d), 0);
  fs__date_format(d - 1, w->yesterday);
  fs__date_format(d + 1, w->tomorrow);
  snprintf(w->month, sizeof(w->month), "%.8s01", today);
  return rc;
}

static int teardown(void **state) {
  world *w = *state;
  fs_wire_free(&w->h);
  return fs_test_world_teardown(state);
}

/* Opens the hostile session of replica `name`'s key; clocks start above
 * everything the daemon acknowledged. */
static void hostile(world *w, const char *name) {
  uint64_t now = fs__hlc_make(fs_wire_now_ms(), 0);
  long long last = fs_test_central_int(&w->tw.d, "SELECT max(last_hlc) FROM devices");
  fs_wire_free(&w->h);
  memset(&w->h, 0, sizeof(w->h));
  fs_wire_load(&w->h, w->tw.tmp, name);
  assert_int_equal(fs_wire_open(&w->h, NULL), 0);
  w->clock = last > 0 && (uint64_t)last >= now ? (uint64_t)last + 1 : now;
  w->counter = 1000;
}

/* A new record of kind k owned by owner about rep (fields rep and `date`
 * = day), with a fresh id (or id if given). */
static void rec(world *w, fs_change *c, fs_kind k, const char *id, const char *owner,
                const char *rep, const char *date, const char *day) {
  char fresh[33];
  if (id == NULL)
    fs__id_new(fresh);
  fs_wire_change_init(c, k, id ? id : fresh, owner, ++w->counter, w->clock++);
  c->op = FS_OP_UPSERT;
  if (rep)
    fs_wire_change_set(c, "rep", rep);
  if (date)
    fs_wire_change_set(c, date, day);
}

/* Writes an integer field at the change's clock. */
static void set_int(fs_change *c, const char *field, int64_t v) {
  fs_wire_change_set(c, field, "x");
  fs__value_set_int(&c->fields[c->nfields - 1].value, v);
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
      fs_test_central_intf(&w->tw.d,
                           "SELECT count(*) FROM applied WHERE counter = %llu AND "
                           "instr(reason, '%s') > 0",
                           (unsigned long long)counter, reason) != 1)
    fail_msg("reason of change %llu does not contain \"%s\"", (unsigned long long)counter,
             reason);
  return oc;
}

static void test_signoff(void **state) {
  world *w = *state;
  fs_replica *a1 = fs_test_world_device(&w->tw, "A01", "a01");
  fs_replica *m1 = fs_test_world_device(&w->tw, "M01", "m01");
  char cust[33], sid[33], at[32];
  fs_change c;
  int code;

  /* A01's day: one visit yesterday. */
  fs_test_create_customer(a1, "Day Co", "B", cust);
  snprintf(at, sizeof(at), "%sT10:00", w->yesterday);
  fs_test_log_visit(a1, cust, at, "met the buyer", NULL);
  fs_test_sync_ok(a1, NULL);
  fs_test_sync_ok(m1, NULL);

  /* The rep's own library refuses first. */
  assert_int_equal(fs_day_signoff(a1, "A01", w->yesterday, NULL, NULL), FS_EFORBIDDEN);
  assert_non_null(strstr(fs_errmsg(a1), "only the rep's manager"));
  /* The manager signs off offline, then syncs: recorded with who, when and
   * what it covered. */
  assert_int_equal(fs_day_signoff(m1, "A01", w->yesterday, "good day", sid), 0);
  fs_test_sync_ok(m1, NULL);
  assert_int_equal(
      fs_test_central_intf(&w->tw.d,
                           "SELECT count(*) FROM day_signoffs WHERE id = '%s'"
                           " AND owner = 'A01' AND rep = 'A01' AND day = '%s'"
                           " AND signed_by = 'M01' AND signed_at IS NOT NULL"
                           " AND visits = 1 AND changes = 0 AND note = 'good day'",
                           sid, w->yesterday),
      1);
  /* Twice, their own day, a day to come: refused on the manager's replica. */
  assert_int_equal(fs_day_signoff(m1, "A01", w->yesterday, NULL, NULL), FS_EEXIST);
  assert_non_null(strstr(fs_errmsg(m1), "already signed off by M01"));
  assert_int_equal(fs_day_signoff(m1, "M01", w->yesterday, NULL, NULL), FS_EFORBIDDEN);
  assert_non_null(strstr(fs_errmsg(m1), "nobody signs off their own day"));
  assert_int_equal(fs_day_signoff(m1, "A02", w->tomorrow, NULL, NULL), FS_EVALIDATE);

  /* A hostile rep device. */
  hostile(w, "a01");
  rec(w, &c, FS_KIND_DAY_SIGNOFF, NULL, "A01", "A01", "day", w->yesterday);
  fs_wire_change_set(&c, "signed_by", "A01");
  assert_int_equal(push1(w, &c, &code, "only the rep''s manager or the central office"),
                   FS_OUTCOME_REJECTED);
  assert_int_equal(code, FS_EFORBIDDEN);
  rec(w, &c, FS_KIND_DAY_SIGNOFF, NULL, "A01", "A01", "day", w->tomorrow);
  fs_wire_change_set(&c, "signed_by", "M01");
  assert_int_equal(push1(w, &c, &code, "only the rep''s manager"), FS_OUTCOME_REJECTED);
  rec(w, &c, FS_KIND_DAY_SIGNOFF, sid, "A01", NULL, NULL, NULL);
  fs_wire_change_set(&c, "note", "all fine, says I");
  assert_int_equal(push1(w, &c, &code, "only the rep''s manager"), FS_OUTCOME_REJECTED);
  rec(w, &c, FS_KIND_DAY_SIGNOFF, NULL, "A02", "A02", "day", w->yesterday);
  fs_wire_change_set(&c, "signed_by", "M01");
  assert_int_equal(push1(w, &c, &code, NULL), FS_OUTCOME_REJECTED);
  fs_wire_close(&w->h);
  assert_int_equal(fs_test_central_int(&w->tw.d, "SELECT count(*) FROM day_signoffs"), 1);
  assert_int_equal(
      fs_test_central_intf(&w->tw.d,
                           "SELECT count(*) FROM day_signoffs WHERE id = '%s'"
                           " AND note = 'good day'",
                           sid),
      1);

  /* A hostile manager device: the rules hold without the library. */
  hostile(w, "m01");
  rec(w, &c, FS_KIND_DAY_SIGNOFF, NULL, "A02", "A02", "day", w->yesterday);
  fs_wire_change_set(&c, "signed_by", "A01");
  assert_int_equal(push1(w, &c, &code, "signed_by: a sign-off is signed by who makes it"),
                   FS_OUTCOME_REJECTED);
  assert_int_equal(code, FS_EFORBIDDEN);
  rec(w, &c, FS_KIND_DAY_SIGNOFF, NULL, "A02", "A02", "day", w->yesterday);
  assert_int_equal(push1(w, &c, &code, "set it to M01"), FS_OUTCOME_REJECTED);
  rec(w, &c, FS_KIND_DAY_SIGNOFF, NULL, "A01", "A01", "day", w->yesterday);
  fs_wire_change_set(&c, "signed_by", "M01");
  assert_int_equal(push1(w, &c, &code, "is already signed off by M01"),
                   FS_OUTCOME_REJECTED);
  assert_int_equal(code, FS_EEXIST);
  rec(w, &c, FS_KIND_DAY_SIGNOFF, NULL, "A02", "A02", "day", w->tomorrow);
  fs_wire_change_set(&c, "signed_by", "M01");
  assert_int_equal(push1(w, &c, &code, "sign off a day once it has happened"),
                   FS_OUTCOME_REJECTED);
  assert_int_equal(code, FS_EVALIDATE);
  rec(w, &c, FS_KIND_DAY_SIGNOFF, NULL, "A02", "A01", "day", w->tomorrow);
  fs_wire_change_set(&c, "signed_by", "M01");
  assert_int_equal(push1(w, &c, &code, "rep: a day_signoff belongs to the rep"),
                   FS_OUTCOME_REJECTED);
  rec(w, &c, FS_KIND_DAY_SIGNOFF, NULL, "M01", "M01", "day", w->yesterday);
  fs_wire_change_set(&c, "signed_by", "M01");
  assert_int_equal(push1(w, &c, &code, "nobody signs off their own day"),
                   FS_OUTCOME_REJECTED);
  /* Another team's rep: the ownership rule (access.h). */
  rec(w, &c, FS_KIND_DAY_SIGNOFF, NULL, "B01", "B01", "day", w->yesterday);
  fs_wire_change_set(&c, "signed_by", "M01");
  assert_int_equal(push1(w, &c, &code, NULL), FS_OUTCOME_REJECTED);
  assert_int_equal(code, FS_EFORBIDDEN);
  /* And the rightful sign-off of the same session lands. */
  rec(w, &c, FS_KIND_DAY_SIGNOFF, NULL, "A02", "A02", "day", w->yesterday);
  fs_wire_change_set(&c, "signed_by", "M01");
  assert_int_equal(push1(w, &c, &code, NULL), FS_OUTCOME_APPLIED);
  fs_wire_close(&w->h);
  assert_int_equal(fs_test_central_int(&w->tw.d, "SELECT count(*) FROM day_signoffs"), 2);
}

static void test_plan(void **state) {
  world *w = *state;
  fs_replica *a1 = fs_test_world_device(&w->tw, "A01", "a01");
  fs_replica *m1 = fs_test_world_device(&w->tw, "M01", "m01");
  fs_record *p = NULL;
  char pid[33], pid2[33], bad[11];
  fs_change c;
  int code;

  fs_test_sync_ok(m1, NULL); /* learns its team (meta write_owners) */
  /* The manager enters A02's plan offline, then changes it: one plan. */
  assert_int_equal(fs_record_new("activity_plan", &p), 0);
  assert_int_equal(fs_record_set(p, "visits_b", "5"), 0);
  assert_int_equal(fs_plan_set(m1, "A02", w->month, p, pid), 0);
  assert_int_equal(fs_record_set(p, "visits_b", "6"), 0);
  assert_int_equal(fs_plan_set(m1, "A02", w->month, p, pid2), 0);
  assert_string_equal(pid, pid2);
  fs_test_sync_ok(m1, NULL);
  assert_int_equal(
      fs_test_central_intf(&w->tw.d,
                           "SELECT count(*) FROM activity_plans WHERE id = '%s'"
                           " AND owner = 'A02' AND rep = 'A02' AND month = '%s'"
                           " AND visits_b = 6",
                           pid, w->month),
      1);
  /* A rep's library refuses a colleague's plan. */
  assert_int_equal(fs_plan_set(a1, "A02", w->month, p, NULL), FS_EFORBIDDEN);
  fs_record_free(p);

  hostile(w, "a01");
  rec(w, &c, FS_KIND_ACTIVITY_PLAN, NULL, "A01", "A01", "month", w->month);
  set_int(&c, "visits_a", 20);
  assert_int_equal(push1(w, &c, &code, NULL), FS_OUTCOME_APPLIED);
  rec(w, &c, FS_KIND_ACTIVITY_PLAN, NULL, "A01", "A01", "month", w->month);
  assert_int_equal(push1(w, &c, &code, "already has a plan for"), FS_OUTCOME_REJECTED);
  assert_int_equal(code, FS_EEXIST);
  snprintf(bad, sizeof(bad), "%.8s05", w->month);
  rec(w, &c, FS_KIND_ACTIVITY_PLAN, NULL, "A01", "A01", "month", bad);
  assert_int_equal(push1(w, &c, &code, "a plan is for a month: give its first day"),
                   FS_OUTCOME_REJECTED);
  assert_int_equal(code, FS_EVALIDATE);
  rec(w, &c, FS_KIND_ACTIVITY_PLAN, NULL, "A01", "A02", "month", w->month);
  assert_int_equal(push1(w, &c, &code, "a rep enters only their own plan"),
                   FS_OUTCOME_REJECTED);
  assert_int_equal(code, FS_EFORBIDDEN);
  rec(w, &c, FS_KIND_ACTIVITY_PLAN, pid, "A02", NULL, NULL, NULL);
  set_int(&c, "visits_b", 0);
  assert_int_equal(push1(w, &c, &code, NULL), FS_OUTCOME_REJECTED);
  fs_wire_close(&w->h);
  assert_int_equal(fs_test_central_int(&w->tw.d, "SELECT count(*) FROM activity_plans"),
                   2);
  assert_int_equal(fs_test_central_int(
                       &w->tw.d, "SELECT visits_b FROM activity_plans WHERE rep = 'A02'"),
                   6);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_signoff, setup, teardown),
      cmocka_unit_test_setup_teardown(test_plan, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
