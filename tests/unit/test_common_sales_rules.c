/* test_common_sales_rules.c - issue 14, key customers: the rules of
 * common/access_rules.h on the sales history (M1 a month on its first
 * day, M2 one record per customer and month, M3 written by the card's
 * owner, their manager or admin) and on the card's tier (K1), called as
 * both sides call them, on a store with a staff table (the daemon's). */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access_rules.h"
#include "db.h"
#include "fs_errno.h"
#include "hlc.h"

#define Z29 "00000000000000000000000000000"
#define CUST "c" Z29 "01"
#define SP1 "s" Z29 "01"
#define SP2 "s" Z29 "02"

typedef struct fixture {
  char *dir;
  sqlite3 *db;
} fixture;

static int setup(void **state) {
  fixture *fx = calloc(1, sizeof(*fx));
  char *p;

  assert_non_null(fx);
  fx->dir = fs_test_tmpdir();
  p = fs_test_path(fx->dir, "central.db");
  assert_int_equal(fs__db_open(p, 1, FS_SCHEMA_DAEMON, &fx->db), 0);
  free(p);
  assert_int_equal(
      fs__db_exec(fx->db, "INSERT INTO staff(code, name, role, manager) VALUES"
                          " ('M01', 'Ma', 'manager', NULL), ('A01', 'An', 'rep', 'M01'),"
                          " ('A02', 'Bo', 'rep', 'M01'), ('M02', 'Mo', 'manager', NULL)"),
      0);
  assert_int_equal(
      fs__db_exec(fx->db, "INSERT INTO customers(id, owner, author, hlc, deleted, name,"
                          " grade, tier) VALUES ('" CUST "', 'A01', 'A01', 1, 0, 'Acme',"
                          " 'B', 'gold')"),
      0);
  assert_int_equal(fs__db_exec(fx->db, "INSERT INTO sales_periods(id, owner, author, hlc,"
                                       " deleted, customer_id, period, revenue) VALUES"
                                       " ('" SP1 "', 'A01', 'A01', 1, 0, '" CUST "',"
                                       " '2026-03-01', 100)"),
                   0);
  *state = fx;
  return 0;
}

static int teardown(void **state) {
  fixture *fx = *state;
  fs__db_close(fx->db);
  fs_test_rmdir(fx->dir);
  free(fx);
  return 0;
}

static void text_field(fs_change *c, const char *name, const char *v) {
  fs_field_change *f;
  c->fields = realloc(c->fields, (size_t)(c->nfields + 1) * sizeof(*c->fields));
  assert_non_null(c->fields);
  f = &c->fields[c->nfields++];
  memset(f, 0, sizeof(*f));
  f->field = fs__field_index(fs__kind_def(c->kind), name);
  assert_true(f->field >= 0);
  f->value.type = FS_V_TEXT;
  assert_int_equal(fs__value_set_text(&f->value, v, strlen(v)), 0);
}

/* A new change of kind k on id with one text field. */
static void mk(fs_change *c, fs_kind k, const char *id) {
  memset(c, 0, sizeof(*c));
  c->kind = k;
  c->op = FS_OP_UPSERT;
  snprintf(c->id, sizeof(c->id), "%s", id);
  snprintf(c->owner, sizeof(c->owner), "A01");
  c->hlc = fs__hlc_make(1772323200000ULL, 0); /* 2026-03-01 */
}

static int check(fixture *fx, fs_role role, const char *staff, fs_change *c, char *err) {
  int rc = fs__access_rules_check(fx->db, role, staff, c, NULL, err, 300);
  fs__change_release(c);
  return rc;
}

static void test_sales_rules(void **state) {
  fixture *fx = *state;
  char err[300];
  fs_change c;

  /* M1: the month's first day. */
  mk(&c, FS_KIND_SALES_PERIOD, SP2);
  text_field(&c, "customer_id", CUST);
  text_field(&c, "period", "2026-04-15");
  assert_int_equal(check(fx, FS_ROLE_REP, "A01", &c, err), FS_EVALIDATE);
  assert_non_null(strstr(err, "written as its first day (2026-04-01)"));
  /* M2: March is taken by SP1; April is free; SP1 itself may change. */
  mk(&c, FS_KIND_SALES_PERIOD, SP2);
  text_field(&c, "customer_id", CUST);
  text_field(&c, "period", "2026-03-01");
  assert_int_equal(check(fx, FS_ROLE_REP, "A01", &c, err), FS_EVALIDATE);
  assert_non_null(strstr(err, "already has its sales of 2026-03 (sales_period " SP1));
  mk(&c, FS_KIND_SALES_PERIOD, SP2);
  text_field(&c, "customer_id", CUST);
  text_field(&c, "period", "2026-04-01");
  assert_int_equal(check(fx, FS_ROLE_REP, "A01", &c, err), 0);
  mk(&c, FS_KIND_SALES_PERIOD, SP1);
  text_field(&c, "note", "corrected");
  assert_int_equal(check(fx, FS_ROLE_REP, "A01", &c, err), 0);
  /* M3: another rep (a cover), another team's manager: refused; the
   * owner's manager and the central office: fine. */
  mk(&c, FS_KIND_SALES_PERIOD, SP1);
  text_field(&c, "note", "x");
  assert_int_equal(check(fx, FS_ROLE_REP, "A02", &c, err), FS_EFORBIDDEN);
  assert_non_null(strstr(err, "written by its owner (A01) or their manager"));
  mk(&c, FS_KIND_SALES_PERIOD, SP1);
  text_field(&c, "note", "x");
  assert_int_equal(check(fx, FS_ROLE_MANAGER, "M02", &c, err), FS_EFORBIDDEN);
  assert_non_null(strstr(err, "their manager (M01); M02 is neither"));
  mk(&c, FS_KIND_SALES_PERIOD, SP1);
  text_field(&c, "note", "x");
  assert_int_equal(check(fx, FS_ROLE_MANAGER, "M01", &c, err), 0);
  mk(&c, FS_KIND_SALES_PERIOD, SP1);
  text_field(&c, "note", "x");
  assert_int_equal(check(fx, FS_ROLE_ADMIN, "HQ1", &c, err), 0);
}

static void test_tier_rule(void **state) {
  fixture *fx = *state;
  char err[300];
  fs_change c;

  /* K1: the rep changes the card's tier: refused; writes what it holds:
   * fine; the manager: fine; a new card may carry a first guess. */
  mk(&c, FS_KIND_CUSTOMER, CUST);
  text_field(&c, "tier", "diamond");
  assert_int_equal(check(fx, FS_ROLE_REP, "A01", &c, err), FS_EFORBIDDEN);
  assert_non_null(
      strstr(err, "tier: a card's key-account tier follows the composite score"));
  mk(&c, FS_KIND_CUSTOMER, CUST);
  text_field(&c, "tier", "gold");
  assert_int_equal(check(fx, FS_ROLE_REP, "A01", &c, err), 0);
  mk(&c, FS_KIND_CUSTOMER, CUST);
  text_field(&c, "tier", "diamond");
  assert_int_equal(check(fx, FS_ROLE_MANAGER, "M01", &c, err), 0);
  mk(&c, FS_KIND_CUSTOMER, "c" Z29 "09");
  text_field(&c, "name", "New");
  text_field(&c, "tier", "silver");
  assert_int_equal(check(fx, FS_ROLE_REP, "A01", &c, err), 0);
}

int main(void) {
  fs_test_schema_records_only();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_sales_rules, setup, teardown),
      cmocka_unit_test_setup_teardown(test_tier_rule, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
