/* test_daemon_aftersales.c - issue 14, the after-sales role (背面由售后服务
 * 人员完成): after-sales staff (role after_sales) complete the service part
 * of their team's delivered cards without owning them.  A real device of
 * theirs receives only those cards and writes their service fields; a
 * hostile device (wiretest.h) that writes anything else - a sales field, a
 * card not delivered, another team's card, a new card, a visit, a delete -
 * is refused with a reason (common/access_rules.h A1, access.h). */
#include "daemontest.h"
#include "wiretest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldsync.h"
#include "fs_errno.h"
#include "hlc.h"
#include "id.h"
#include "store.h"

typedef struct world {
  fs_test_daemon d;
  char *tmp;
  fs_replica *a1, *b1, *s1;
  fs_wire_dev h;
  uint64_t clock, counter;
  char deliv[33], open[33], other[33];
} world;

/* A card graded delivered (with its delivery date) by r. */
static void delivered_card(fs_replica *r, const char *name, char id[33]) {
  fs_test_create_customer(r, name, "B", id);
  assert_int_equal(fs_customer_set_grade(r, id, "delivered", NULL, "2026-03-02"), 0);
}

static int setup(void **state) {
  world *w = calloc(1, sizeof(*w));
  char vid[33];
  assert_non_null(w);
  fs_test_world_start(
      &w->d, &w->tmp, "staff add M01 --name 'Manager' --role manager",
      "staff add M02 --name 'Other Manager' --role manager",
      "staff add A01 --name '李明' --manager M01",
      "staff add B01 --name 'Bo' --manager M02",
      "staff add S01 --name '售后 Service' --role after_sales --manager M01", NULL);
  w->a1 = fs_test_enroll(&w->d, w->tmp, "A01", "a01");
  w->b1 = fs_test_enroll(&w->d, w->tmp, "B01", "b01");
  w->s1 = fs_test_enroll(&w->d, w->tmp, "S01", "s01");
  delivered_card(w->a1, "Fleet Co", w->deliv);
  fs_test_log_visit(w->a1, w->deliv, "2026-03-02T10:00:00", "handed over the keys", vid);
  fs_test_create_customer(w->a1, "Maybe Co", "B", w->open);
  delivered_card(w->b1, "Elsewhere Co", w->other);
  fs_test_sync_ok(w->a1, NULL);
  fs_test_sync_ok(w->b1, NULL);
  *state = w;
  return 0;
}

static int teardown(void **state) {
  world *w = *state;
  fs_wire_free(&w->h);
  fs_replica_close(w->a1);
  fs_replica_close(w->b1);
  fs_replica_close(w->s1);
  fs_test_world_stop(&w->d, w->tmp);
  free(w);
  return 0;
}

static void hostile(world *w) {
  w->clock = fs_wire_hostile(&w->h, &w->d, w->tmp, "s01");
  w->counter = 1000;
}

/* Pushes c: its outcome; when refused the code must be `code` and the
 * recorded reason contain `reason` (if given). */
static int push1(world *w, fs_change *c, int code, const char *reason) {
  return fs_wire_push1(&w->h, &w->d, c, code, reason);
}

static void change(world *w, fs_change *c, fs_kind k, const char *id, fs_op op) {
  fs_wire_change_init(c, k, id, "A01", ++w->counter, w->clock++);
  c->op = op;
}

/* The device of S01 receives the team's delivered cards and nothing else
 * (no other grade, no child record, no other team), and writes their
 * service part through the library; a sales field is refused on the
 * device first. */
static void test_sees_and_completes_delivered(void **state) {
  world *w = *state;
  fs_identity id;
  fs_record *rec = NULL;
  fs_wire_page page;

  assert_int_equal(fs_replica_identity(w->s1, &id), 0);
  assert_int_equal((int)id.role, FS_ROLE_AFTER_SALES);
  assert_string_equal(fs_role_name(id.role), "after_sales");
  fs_test_sync_ok(w->s1, NULL);
  assert_int_equal(fs_get(w->s1, "customer", w->deliv, &rec), 0);
  fs_record_free(rec);
  rec = NULL;
  assert_int_equal(fs_get(w->s1, "customer", w->open, &rec), FS_ENOTFOUND);
  assert_int_equal(fs_get(w->s1, "customer", w->other, &rec), FS_ENOTFOUND);
  /* On the wire: one row in all (the delivered card; not its visit nor
   * its grade changes). */
  hostile(w);
  memset(&page, 0, sizeof(page));
  assert_int_equal(fs_wire_pull(&w->h, 0, &page), 0);
  assert_int_equal(page.rows, 1);
  assert_int_equal(page.ncust, 1);
  assert_string_equal(page.cust[0], w->deliv);

  fs_test_set_field(w->s1, w->deliv, "licence_date", "2026-03-09");
  fs_test_set_field(w->s1, w->deliv, "service_notes", "first service booked for June");
  assert_int_equal(fs_record_new("customer", &rec), 0);
  assert_int_equal(fs_record_set(rec, "phone", "020-0000"), 0);
  assert_int_equal(fs_update(w->s1, "customer", w->deliv, rec), FS_EFORBIDDEN);
  if (strstr(fs_replica_last_error(w->s1), "phone: not part of the service part") == NULL)
    fail_msg("device refusal: %s", fs_replica_last_error(w->s1));
  fs_record_free(rec);
  fs_test_sync_ok(w->s1, NULL);
  assert_int_equal(
      fs_test_central_intf(&w->d,
                           "SELECT count(*) FROM customers WHERE id = '%s' AND "
                           "licence_date = '2026-03-09' AND owner = 'A01' AND "
                           "service_notes LIKE 'first service%%'",
                           w->deliv),
      1);
  /* The rep sees what after-sales wrote; the card stays the rep's. */
  fs_test_sync_ok(w->a1, NULL);
  assert_int_equal(fs_get(w->a1, "customer", w->deliv, &rec), 0);
  fs_record_free(rec);
  printf(
      "after-sales: sees the team's delivered card only, completes its service part\n");
}

/* A hostile after-sales device: everything but the service part of a
 * delivered team card is refused, with the reason. */
static void test_hostile_after_sales(void **state) {
  world *w = *state;
  char newid[33];
  fs_change c;

  hostile(w);
  change(w, &c, FS_KIND_CUSTOMER, w->deliv, FS_OP_UPSERT);
  fs_wire_change_set(&c, "licence_date", "2026-03-10");
  assert_int_equal(push1(w, &c, 0, NULL), FS_OUTCOME_APPLIED);

  change(w, &c, FS_KIND_CUSTOMER, w->deliv, FS_OP_UPSERT);
  fs_wire_change_set(&c, "phone", "020-1111");
  assert_int_equal(push1(w, &c, FS_EFORBIDDEN, "phone: not part of the service part"),
                   FS_OUTCOME_REJECTED);
  /* A service field beside a sales field: the whole change is refused. */
  change(w, &c, FS_KIND_CUSTOMER, w->deliv, FS_OP_UPSERT);
  fs_wire_change_set(&c, "service_notes", "ok");
  fs_wire_change_set(&c, "grade", "A");
  assert_int_equal(push1(w, &c, FS_EFORBIDDEN, "grade: not part of the service part"),
                   FS_OUTCOME_REJECTED);
  change(w, &c, FS_KIND_CUSTOMER, w->open, FS_OP_UPSERT);
  fs_wire_change_set(&c, "licence_date", "2026-03-10");
  assert_int_equal(push1(w, &c, FS_EFORBIDDEN, "its grade is B, not delivered"),
                   FS_OUTCOME_REJECTED);
  change(w, &c, FS_KIND_CUSTOMER, w->other, FS_OP_UPSERT);
  fs_wire_change_set(&c, "licence_date", "2026-03-10");
  assert_int_equal(push1(w, &c, FS_EFORBIDDEN, NULL), FS_OUTCOME_REJECTED);
  fs__id_new(newid);
  change(w, &c, FS_KIND_CUSTOMER, newid, FS_OP_UPSERT);
  fs_wire_change_set(&c, "name", "Sneaky Co");
  fs_wire_change_set(&c, "grade", "delivered");
  fs_wire_change_set(&c, "delivery_date", "2026-03-01");
  assert_int_equal(push1(w, &c, FS_EFORBIDDEN, "do not open customer cards"),
                   FS_OUTCOME_REJECTED);
  fs__id_new(newid);
  change(w, &c, FS_KIND_VISIT, newid, FS_OP_UPSERT);
  fs_wire_change_set(&c, "customer_id", w->deliv);
  fs_wire_change_set(&c, "at", "2026-03-03T10:00:00");
  fs_wire_change_set(&c, "method", "phone");
  assert_int_equal(push1(w, &c, FS_EFORBIDDEN, "write nothing else"),
                   FS_OUTCOME_REJECTED);
  change(w, &c, FS_KIND_CUSTOMER, w->deliv, FS_OP_DELETE);
  assert_int_equal(push1(w, &c, FS_EFORBIDDEN, "delete nothing else"),
                   FS_OUTCOME_REJECTED);
  assert_int_equal(
      fs_test_central_intf(&w->d,
                           "SELECT count(*) FROM customers WHERE deleted = 0 AND "
                           "phone IS NULL AND grade = 'delivered' AND id = '%s'",
                           w->deliv),
      1);
  assert_int_equal(fs_test_central_int(
                       &w->d, "SELECT count(*) FROM customers WHERE name = 'Sneaky Co'"),
                   0);
  assert_int_equal(
      fs_test_central_intf(&w->d,
                           "SELECT count(*) FROM customers WHERE id = '%s' AND "
                           "licence_date IS NOT NULL",
                           w->other),
      0);
  printf("after-sales: hostile writes refused rule by rule, with reasons\n");
}

/* A rep who owns cards does not become after-sales staff (who own none
 * and could write none of them): the cards are handed over first. */
static void test_rep_with_cards_stays(void **state) {
  world *w = *state;
  int status = 0;
  char *log = fs_test_path(w->d.dir, "cmd.log"), buf[4096];
  FILE *f;
  size_t n;

  free(fs_test_daemon_cmd(&w->d, &status, "staff edit A01 --role after_sales"));
  assert_int_not_equal(status, 0);
  /* fs_test_daemon_cmd appends the command's stderr to cmd.log. */
  f = fopen(log, "r");
  assert_non_null(f);
  n = fread(buf, 1, sizeof(buf) - 1, f);
  buf[n] = '\0';
  fclose(f);
  free(log);
  if (strstr(buf, "A01 owns 2 customer card(s) and after-sales staff own none") == NULL)
    fail_msg("staff edit A01 --role after_sales: %s", buf);
  assert_int_equal(
      fs_test_central_int(
          &w->d, "SELECT count(*) FROM staff WHERE code = 'A01' AND role = 'rep'"),
      1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_sees_and_completes_delivered, setup, teardown),
      cmocka_unit_test_setup_teardown(test_hostile_after_sales, setup, teardown),
      cmocka_unit_test_setup_teardown(test_rep_with_cards_stays, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
