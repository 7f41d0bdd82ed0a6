/* test_daemon_rules.c - issue 14, the manager's controls at the daemon: a
 * hostile device (wiretest.h: a real device key, hand-made changes, none of
 * libfieldsync's checks on the way) tries to bypass each rule of
 * common/access_rules.h and is refused per change with a reason, while the
 * rest of its push and the daemon go on:
 *   - a rep sets confirmed / reviewed_by on their own lost sale;
 *   - a manager signs a review with another code;
 *   - a rep sets a card lost without the lost-sale record;
 *   - a rep clears an overdue card by a back-dated re-rating (the same-day
 *     re-rating passes, but the card stays overdue);
 *   - a visit dated in the future;
 *   - a rep deletes a card with visits;
 *   - a card graded delivered without its delivery date;
 *   - a letter logged as the A-grade contact (accepted as a log entry, but
 *     the card stays overdue);
 *   - a rep sets a card's tier, key_account or tier_override (K1: the
 *     manager's, by `keyaccounts apply` or override);
 *   - a sales_period mid-month, or a second one for the same month (M1,
 *     M2). */
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
  fs_replica *a1; /* the rep's real device */
  fs_wire_dev h;  /* the same device key, hostile */
  uint64_t clock; /* the hostile device's next clock */
  uint64_t counter;
} world;

static int setup(void **state) {
  world *w = calloc(1, sizeof(*w));
  assert_non_null(w);
  fs_test_world_start(&w->d, &w->tmp, "staff add M01 --name 'Manager' --role manager",
                      "staff add A01 --name '李明' --manager M01", NULL);
  w->a1 = fs_test_enroll(&w->d, w->tmp, "A01", "a01");
  *state = w;
  return 0;
}

static int teardown(void **state) {
  world *w = *state;
  fs_wire_free(&w->h);
  fs_replica_close(w->a1);
  fs_test_world_stop(&w->d, w->tmp);
  free(w);
  return 0;
}

/* Opens the hostile session of replica `name`'s key; clocks start above
 * everything the daemon acknowledged. */
static void hostile(world *w, const char *name) {
  uint64_t now = fs__hlc_make(fs_wire_now_ms(), 0);
  long long last = fs_test_central_int(&w->d, "SELECT max(last_hlc) FROM devices");
  fs_wire_free(&w->h);
  memset(&w->h, 0, sizeof(w->h));
  fs_wire_load(&w->h, w->tmp, name);
  assert_int_equal(fs_wire_open(&w->h, NULL), 0);
  w->clock = last > 0 && (uint64_t)last >= now ? (uint64_t)last + 1 : now;
  w->counter = 1000;
}

static void change(world *w, fs_change *c, fs_kind k, const char *id, fs_op op) {
  fs_wire_change_init(c, k, id, "A01", ++w->counter, w->clock++);
  c->op = op;
}

/* Writes an integer (bool) field at the change's clock. */
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
  if (reason) {
    char like[400];
    snprintf(
        like, sizeof(like),
        "SELECT count(*) FROM applied WHERE counter = %llu AND instr(reason, '%s') > 0",
        (unsigned long long)counter, reason);
    if (fs_test_central_int(&w->d, like) != 1)
      fail_msg("reason of change %llu does not contain \"%s\"",
               (unsigned long long)counter, reason);
  }
  return oc;
}

/* A customer card of A01 made on the real device (synced). */
static void card(world *w, const char *name, const char *grade, const char *created,
                 char id[33]) {
  fs_record *rec = NULL;
  assert_int_equal(fs_record_new("customer", &rec), 0);
  assert_int_equal(fs_record_set(rec, "name", name), 0);
  assert_int_equal(fs_record_set(rec, "grade", grade), 0);
  if (created)
    assert_int_equal(fs_record_set(rec, "created", created), 0);
  assert_int_equal(fs_create(w->a1, rec, id), 0);
  fs_record_free(rec);
  fs_test_sync_ok(w->a1, NULL);
}

static long long central_grade_is(world *w, const char *id, const char *grade) {
  return fs_test_central_intf(
      &w->d, "SELECT count(*) FROM customers WHERE id='%s' AND grade='%s'", id, grade);
}

/* ---- lost sales ------------------------------------------------------------ */

static void test_rep_cannot_review_or_lose_silently(void **state) {
  world *w = *state;
  char cust[33], other[33], lid[33], fake[33];
  fs_record *rec = NULL;
  fs_change c;
  int code;

  card(w, "Lost Co", "B", NULL, cust);
  card(w, "Vanishing Co", "A", NULL, other);
  /* The rep's real device records a loss properly. */
  assert_int_equal(fs_record_new("lost_review", &rec), 0);
  assert_int_equal(fs_record_set(rec, "lost_date", "2026-03-05"), 0);
  assert_int_equal(fs_record_set(rec, "reason", "cheaper"), 0);
  assert_int_equal(fs_record_set(rec, "reason_class", "price"), 0);
  assert_int_equal(fs_customer_set_lost(w->a1, cust, rec, lid), 0);
  fs_record_free(rec);
  fs_test_sync_ok(w->a1, NULL);
  assert_int_equal(central_grade_is(w, cust, "lost"), 1);

  hostile(w, "a01");
  /* 1. confirm their own loss. */
  change(w, &c, FS_KIND_LOST_REVIEW, lid, FS_OP_UPSERT);
  set_int(&c, "confirmed", 1);
  assert_int_equal(push1(w, &c, &code, "only a manager or the central office confirms"),
                   FS_OUTCOME_REJECTED);
  assert_int_equal(code, FS_EFORBIDDEN);
  /* 2. sign it as the manager. */
  change(w, &c, FS_KIND_LOST_REVIEW, lid, FS_OP_UPSERT);
  fs_wire_change_set(&c, "reviewed_by", "M01");
  assert_int_equal(push1(w, &c, &code, "reviewed_by: only a manager"),
                   FS_OUTCOME_REJECTED);
  assert_int_equal(code, FS_EFORBIDDEN);
  /* 3. a new lost-sale record born confirmed. */
  fs__id_new(fake);
  change(w, &c, FS_KIND_LOST_REVIEW, fake, FS_OP_UPSERT);
  fs_wire_change_set(&c, "customer_id", other);
  fs_wire_change_set(&c, "lost_date", "2026-03-06");
  fs_wire_change_set(&c, "reason", "gone");
  set_int(&c, "confirmed", 1);
  assert_int_equal(push1(w, &c, &code, "confirmed: only a manager"), FS_OUTCOME_REJECTED);
  /* 4. make a card disappear: lost without the record. */
  change(w, &c, FS_KIND_CUSTOMER, other, FS_OP_UPSERT);
  fs_wire_change_set(&c, "grade", "lost");
  assert_int_equal(
      push1(w, &c, &code, "a card is set lost only with its lost-sale record"),
      FS_OUTCOME_REJECTED);
  assert_int_equal(code, FS_EVALIDATE);
  /* ... nor its grade history (a 0.1.0 client sends both). */
  fs__id_new(fake);
  change(w, &c, FS_KIND_GRADE_CHANGE, fake, FS_OP_UPSERT);
  fs_wire_change_set(&c, "customer_id", other);
  fs_wire_change_set(&c, "grade", "lost");
  fs_wire_change_set(&c, "prev_grade", "A");
  {
    char today[11];
    fs__today(today);
    fs_wire_change_set(&c, "date", today);
  }
  assert_int_equal(
      push1(w, &c, &code, "a card is set lost only with its lost-sale record"),
      FS_OUTCOME_REJECTED);
  assert_int_equal(central_grade_is(w, other, "A"), 1);
  assert_int_equal(
      fs_test_central_intf(&w->d,
                           "SELECT count(*) FROM lost_reviews WHERE id='%s' AND "
                           "confirmed IS NULL AND reviewed_by IS NULL",
                           lid),
      1);
  /* Legitimate work on the same session still lands. */
  change(w, &c, FS_KIND_CUSTOMER, other, FS_OP_UPSERT);
  fs_wire_change_set(&c, "phone", "021-5555");
  assert_int_equal(push1(w, &c, &code, NULL), FS_OUTCOME_APPLIED);
  fs_wire_close(&w->h);

  /* The manager signs with another code: refused; with their own: fine. */
  {
    fs_replica *m = fs_test_enroll(&w->d, w->tmp, "M01", "m01");
    fs_test_sync_ok(m, NULL);
    hostile(w, "m01");
    change(w, &c, FS_KIND_LOST_REVIEW, lid, FS_OP_UPSERT);
    set_int(&c, "confirmed", 1);
    fs_wire_change_set(&c, "reviewed_by", "A01");
    assert_int_equal(push1(w, &c, &code, "a review is signed by who makes it (M01)"),
                     FS_OUTCOME_REJECTED);
    change(w, &c, FS_KIND_LOST_REVIEW, lid, FS_OP_UPSERT);
    set_int(&c, "confirmed", 1);
    assert_int_equal(push1(w, &c, &code, "names its reviewer"), FS_OUTCOME_REJECTED);
    change(w, &c, FS_KIND_LOST_REVIEW, lid, FS_OP_UPSERT);
    set_int(&c, "confirmed", 1);
    fs_wire_change_set(&c, "reviewed_by", "M01");
    assert_int_equal(push1(w, &c, &code, NULL), FS_OUTCOME_APPLIED);
    fs_replica_close(m);
  }
  printf("lost: a rep's confirm, a rep signing as the manager, a record born confirmed "
         "and a "
         "card set lost without its record were refused with reasons; the manager's own "
         "signature landed\n");
}

/* ---- cadence ---------------------------------------------------------------- */

/* The agenda's items: how many, and the last one's due date and reason. */
typedef struct seen {
  int n;
  char due[11], reason[128];
} seen;

static int seen_cb(void *arg, const fs_agenda_item *it) {
  seen *g = arg;
  g->n++;
  snprintf(g->due, sizeof(g->due), "%s", it->due);
  snprintf(g->reason, sizeof(g->reason), "%s", it->reason);
  return 0;
}

static void test_overdue_not_cleared(void **state) {
  world *w = *state;
  char cust[33], gid[33], vid[33], today[11];
  fs_change c;
  int code;

  /* A since 2026-03-01, no contact: overdue since 03-03. */
  card(w, "Hot Co", "A", "2026-03-01", cust);
  fs__today(today);
  hostile(w, "a01");
  /* Back-dated before the deadline: would erase it. */
  change(w, &c, FS_KIND_CUSTOMER, cust, FS_OP_UPSERT);
  fs_wire_change_set(&c, "grade", "B");
  fs_wire_change_set(&c, "grade_date", "2026-03-02");
  assert_int_equal(push1(w, &c, &code, "would erase the contact due by 2026-03-03"),
                   FS_OUTCOME_REJECTED);
  assert_int_equal(code, FS_EVALIDATE);
  fs__id_new(gid);
  change(w, &c, FS_KIND_GRADE_CHANGE, gid, FS_OP_UPSERT);
  fs_wire_change_set(&c, "customer_id", cust);
  fs_wire_change_set(&c, "grade", "B");
  fs_wire_change_set(&c, "prev_grade", "A");
  fs_wire_change_set(&c, "date", "2026-03-02");
  assert_int_equal(push1(w, &c, &code, "date: a re-rating dated 2026-03-02"),
                   FS_OUTCOME_REJECTED);
  /* Dated in the future: refused. */
  change(w, &c, FS_KIND_CUSTOMER, cust, FS_OP_UPSERT);
  fs_wire_change_set(&c, "grade_date", "2999-01-01");
  assert_int_equal(push1(w, &c, &code, "lies after the day it was made"),
                   FS_OUTCOME_REJECTED);
  /* A letter is logged, but is not the A-grade contact. */
  fs__id_new(vid);
  change(w, &c, FS_KIND_VISIT, vid, FS_OP_UPSERT);
  fs_wire_change_set(&c, "customer_id", cust);
  fs_wire_change_set(&c, "at", "2026-03-02T10:00");
  fs_wire_change_set(&c, "method", "letter");
  assert_int_equal(push1(w, &c, &code, NULL), FS_OUTCOME_APPLIED);
  /* Re-rated today: accepted, a new clock... */
  change(w, &c, FS_KIND_CUSTOMER, cust, FS_OP_UPSERT);
  fs_wire_change_set(&c, "grade", "B");
  fs_wire_change_set(&c, "grade_date", today);
  assert_int_equal(push1(w, &c, &code, NULL), FS_OUTCOME_APPLIED);
  fs__id_new(gid);
  change(w, &c, FS_KIND_GRADE_CHANGE, gid, FS_OP_UPSERT);
  fs_wire_change_set(&c, "customer_id", cust);
  fs_wire_change_set(&c, "grade", "B");
  fs_wire_change_set(&c, "prev_grade", "A");
  fs_wire_change_set(&c, "date", today);
  assert_int_equal(push1(w, &c, &code, NULL), FS_OUTCOME_APPLIED);
  fs_wire_close(&w->h);
  /* ... but the deadline missed on 03-03 stays missed: the rep's agenda
   * (fs__cadence_card_due, the daemon's own rule) still shows it. */
  fs_test_sync_ok(w->a1, NULL);
  {
    seen got;
    memset(&got, 0, sizeof(got));
    assert_int_equal(fs_agenda(w->a1, NULL, seen_cb, &got), 0);
    assert_int_equal(got.n, 1);
    assert_string_equal(got.due, "2026-03-03");
    assert_string_equal(got.reason,
                        "missed before a re-rating: due until a contact is made");
  }
  printf(
      "cadence: back-dated and future re-ratings of an overdue card were refused; a "
      "letter "
      "was logged but did not count as the A-grade contact; a same-day re-rating landed "
      "and the card stays overdue since 2026-03-03\n");
}

static void test_visits_deletes_delivery(void **state) {
  world *w = *state;
  char cust[33], vid[33];
  fs_change c;
  int code;

  card(w, "Busy Co", "B", NULL, cust);
  fs_test_log_visit(w->a1, cust, "2026-03-02T10:00", "first talk", NULL);
  fs_test_sync_ok(w->a1, NULL);
  hostile(w, "a01");
  /* A visit dated in the future. */
  fs__id_new(vid);
  change(w, &c, FS_KIND_VISIT, vid, FS_OP_UPSERT);
  fs_wire_change_set(&c, "customer_id", cust);
  fs_wire_change_set(&c, "at", "2999-01-01T10:00");
  fs_wire_change_set(&c, "method", "in_person");
  assert_int_equal(
      push1(w, &c, &code, "at: the visit is dated 2999-01-01, after the day it"),
      FS_OUTCOME_REJECTED);
  assert_int_equal(code, FS_EVALIDATE);
  /* Delete a card with visits. */
  change(w, &c, FS_KIND_CUSTOMER, cust, FS_OP_DELETE);
  assert_int_equal(push1(w, &c, &code, "a rep does not delete a card"),
                   FS_OUTCOME_REJECTED);
  assert_int_equal(code, FS_EFORBIDDEN);
  assert_int_equal(
      fs_test_central_intf(&w->d,
                           "SELECT count(*) FROM customers WHERE id='%s' AND "
                           "deleted=0 AND name='Busy Co'",
                           cust),
      1);
  /* Delivered without its date; with it, fine. */
  change(w, &c, FS_KIND_CUSTOMER, cust, FS_OP_UPSERT);
  fs_wire_change_set(&c, "grade", "delivered");
  assert_int_equal(push1(w, &c, &code, "delivery_date: required when grade is delivered"),
                   FS_OUTCOME_REJECTED);
  change(w, &c, FS_KIND_CUSTOMER, cust, FS_OP_UPSERT);
  fs_wire_change_set(&c, "grade", "delivered");
  fs_wire_change_set(&c, "delivery_date", "2026-03-01");
  assert_int_equal(push1(w, &c, &code, NULL), FS_OUTCOME_APPLIED);
  /* The request instead of the delete: lands. */
  change(w, &c, FS_KIND_CUSTOMER, cust, FS_OP_UPSERT);
  fs_wire_change_set(&c, "delete_requested", "2026-03-03");
  assert_int_equal(push1(w, &c, &code, NULL), FS_OUTCOME_APPLIED);
  fs_wire_close(&w->h);
  printf(
      "visits: a future-dated visit, a rep's delete of a card with visits and delivered "
      "without a date were refused with reasons; the deletion request landed\n");
}

/* ---- key customers (K1) ------------------------------------------------------ */

static void set_fields(fs_replica *r, const char *id, const char *const *kv) {
  fs_record *rec = NULL;
  assert_int_equal(fs_record_new("customer", &rec), 0);
  for (; kv[0]; kv += 2)
    assert_int_equal(fs_record_set(rec, kv[0], kv[1]), 0);
  assert_int_equal(fs_update(r, "customer", id, rec), 0);
  fs_record_free(rec);
}

static void test_tier_is_the_managers(void **state) {
  static const char *const scores[] = {"growth", "100", "credit", "100", "strategic",
                                       "100", NULL};
  world *w = *state;
  char cust[33], other[33], fresh[33], fresh2[33];
  fs_record *rec = NULL;
  fs_replica *m;
  fs_keyaccounts_result res;
  fs_report_query q;
  fs_change c;
  int code;

  card(w, "Key Co", "B", NULL, cust);
  card(w, "Other Co", "C", NULL, other);
  /* A prospect with no revenue: growth, credit, strategic 100 = 35, silver
   * by the default cut-offs; the rep may write the scores. */
  set_fields(w->a1, cust, scores);
  /* The rep's own device refuses first, with the rule's text. */
  assert_int_equal(fs_record_new("customer", &rec), 0);
  assert_int_equal(fs_record_set(rec, "tier", "diamond"), 0);
  assert_int_equal(fs_update(w->a1, "customer", cust, rec), FS_EFORBIDDEN);
  assert_non_null(strstr(fs_errmsg(w->a1), "follows the composite score"));
  fs_record_free(rec);
  fs_test_sync_ok(w->a1, NULL);

  hostile(w, "a01");
  change(w, &c, FS_KIND_CUSTOMER, cust, FS_OP_UPSERT);
  fs_wire_change_set(&c, "tier", "diamond");
  assert_int_equal(push1(w, &c, &code, "tier: a card''s key-account tier follows"),
                   FS_OUTCOME_REJECTED);
  assert_int_equal(code, FS_EFORBIDDEN);
  change(w, &c, FS_KIND_CUSTOMER, cust, FS_OP_UPSERT);
  set_int(&c, "key_account", 1);
  assert_int_equal(push1(w, &c, &code, "key_account: a card''s key-account tier"),
                   FS_OUTCOME_REJECTED);
  change(w, &c, FS_KIND_CUSTOMER, cust, FS_OP_UPSERT);
  set_int(&c, "tier_override", 1);
  assert_int_equal(push1(w, &c, &code, "tier_override: "), FS_OUTCOME_REJECTED);
  /* A new card may carry a first guess of tier and key_account (a rep is
   * never stopped from recording a customer), never the override. */
  fs__id_new(fresh);
  change(w, &c, FS_KIND_CUSTOMER, fresh, FS_OP_UPSERT);
  fs_wire_change_set(&c, "name", "Guess Co");
  fs_wire_change_set(&c, "grade", "C");
  fs_wire_change_set(&c, "tier", "gold");
  set_int(&c, "key_account", 1);
  assert_int_equal(push1(w, &c, &code, NULL), FS_OUTCOME_APPLIED);
  fs__id_new(fresh2);
  change(w, &c, FS_KIND_CUSTOMER, fresh2, FS_OP_UPSERT);
  fs_wire_change_set(&c, "name", "Override Co");
  fs_wire_change_set(&c, "grade", "C");
  set_int(&c, "tier_override", 1);
  assert_int_equal(push1(w, &c, &code, "tier_override: "), FS_OUTCOME_REJECTED);
  fs_wire_close(&w->h);
  assert_int_equal(fs_test_central_intf(&w->d,
                                        "SELECT count(*) FROM customers WHERE id='%s' AND"
                                        " tier IS NULL AND key_account IS NULL AND"
                                        " tier_override IS NULL",
                                        cust),
                   1);

  /* The manager: apply sets the score's tier, the override sticks. */
  m = fs_test_enroll(&w->d, w->tmp, "M01", "m01");
  fs_test_sync_ok(m, NULL);
  assert_int_equal(fs_keyaccount_override(w->a1, other, "gold"), FS_EFORBIDDEN);
  assert_int_equal(fs_keyaccount_override(m, other, "gold"), 0);
  memset(&q, 0, sizeof(q));
  assert_int_equal(fs_keyaccounts_apply(w->a1, &q, 0, NULL, NULL, &res), FS_EFORBIDDEN);
  assert_int_equal(fs_keyaccounts_apply(m, &q, 1, NULL, NULL, &res), 0);
  /* Key Co none -> silver; Guess Co gold -> none; Other Co kept. */
  assert_int_equal(res.customers, 3);
  assert_int_equal(res.changed, 2);
  assert_int_equal(res.overrides, 1);
  assert_int_equal(fs_keyaccounts_apply(m, &q, 0, NULL, NULL, &res), 0);
  assert_int_equal(res.changed, 2);
  assert_int_equal(fs_keyaccounts_apply(m, &q, 0, NULL, NULL, &res), 0);
  assert_int_equal(res.changed, 0); /* nothing left to apply */
  fs_test_sync_ok(m, NULL);
  assert_int_equal(fs_test_central_intf(&w->d,
                                        "SELECT count(*) FROM customers WHERE"
                                        " (id='%s' AND tier='silver' AND key_account=1) OR"
                                        " (id='%s' AND tier='none' AND key_account=0) OR"
                                        " (id='%s' AND tier='gold' AND key_account=1 AND"
                                        "  tier_override=1)",
                                        cust, fresh, other),
                   3);
  /* The rep sees it, and writing the value the card holds says nothing. */
  fs_test_sync_ok(w->a1, NULL);
  {
    static const char *const same[] = {"tier", "silver", "phone", "021-1", NULL};
    set_fields(w->a1, cust, same);
  }
  fs_test_sync_ok(w->a1, NULL);
  assert_int_equal(
      fs_test_central_intf(&w->d, "SELECT count(*) FROM customers WHERE id='%s' AND"
                                  " phone='021-1' AND tier='silver'",
                           cust),
      1);
  fs_replica_close(m);
  printf("key customers: a rep's tier, key_account and override were refused with "
         "reasons (device and daemon); the manager's apply and override landed\n");
}

/* ---- sales history (M1-M3) --------------------------------------------------- */

static void test_sales_history_rules(void **state) {
  world *w = *state;
  char cust[33], s1[33], s2[33];
  fs_change c;
  int code;

  card(w, "Sales Co", "B", NULL, cust);
  hostile(w, "a01");
  fs__id_new(s1);
  change(w, &c, FS_KIND_SALES_PERIOD, s1, FS_OP_UPSERT);
  fs_wire_change_set(&c, "customer_id", cust);
  fs_wire_change_set(&c, "period", "2026-03-15");
  assert_int_equal(push1(w, &c, &code, "written as its first day (2026-03-01)"),
                   FS_OUTCOME_REJECTED);
  assert_int_equal(code, FS_EVALIDATE);
  change(w, &c, FS_KIND_SALES_PERIOD, s1, FS_OP_UPSERT);
  fs_wire_change_set(&c, "customer_id", cust);
  fs_wire_change_set(&c, "period", "2026-03-01");
  set_int(&c, "revenue", 1234560);
  assert_int_equal(push1(w, &c, &code, NULL), FS_OUTCOME_APPLIED);
  /* A second record for the same month is refused; the first may change. */
  fs__id_new(s2);
  change(w, &c, FS_KIND_SALES_PERIOD, s2, FS_OP_UPSERT);
  fs_wire_change_set(&c, "customer_id", cust);
  fs_wire_change_set(&c, "period", "2026-03-01");
  assert_int_equal(push1(w, &c, &code, "already has its sales of 2026-03"),
                   FS_OUTCOME_REJECTED);
  assert_int_equal(code, FS_EVALIDATE);
  change(w, &c, FS_KIND_SALES_PERIOD, s1, FS_OP_UPSERT);
  set_int(&c, "units", 3);
  assert_int_equal(push1(w, &c, &code, NULL), FS_OUTCOME_APPLIED);
  fs_wire_close(&w->h);
  assert_int_equal(fs_test_central_intf(&w->d,
                                        "SELECT count(*) FROM sales_periods WHERE"
                                        " customer_id='%s' AND deleted=0 AND units=3",
                                        cust),
                   1);
  printf("sales history: a mid-month period and a second record of a month were refused "
         "with reasons; the month's record landed and changed\n");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_rep_cannot_review_or_lose_silently, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_overdue_not_cleared, setup, teardown),
      cmocka_unit_test_setup_teardown(test_visits_deletes_delivery, setup, teardown),
      cmocka_unit_test_setup_teardown(test_tier_is_the_managers, setup, teardown),
      cmocka_unit_test_setup_teardown(test_sales_history_rules, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
