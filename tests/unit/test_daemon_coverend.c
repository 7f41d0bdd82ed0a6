/* test_daemon_coverend.c - issue 15, point 5, against a real fieldsyncd and
 * real replicas: covers and loans are listed and ended early (`cover end`,
 * `lend end`), and then leave the stand-in's or borrower's device at its
 * next sync as when they end by themselves; audited and in the admin-event
 * log; a second cover of the same absent rep on days already covered is
 * refused naming the cover it meets; `staff edit --manager` moves a rep's
 * records between the managers' devices; `staff edit --role` gives that
 * person's devices exactly what the new role may see at their next sync
 * (and the role itself).  Checks read the files with plain
 * SQL.
 */
#include "daemontest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldsync.h"

typedef fs_test_world world;

static int setup(void **state) {
  return fs_test_world_setup(state, "staff add M01 --name 'Manager' --role manager",
                             "staff add A01 --name 'Li' --manager M01",
                             "staff add A02 --name 'Anna' --manager M01",
                             "staff add A03 --name 'Zhou' --manager M01",
                             "staff add M02 --name 'Other' --role manager", NULL);
}

/* The text of file name in the daemon's data directory (malloc'd). */
static char *data_file(world *w, const char *name) {
  char *path = fs_test_path(w->d.dir, name), *text;
  size_t len;
  text = fs_test_slurp(path, &len);
  free(path);
  return text;
}

/* The hex of an admin command's name as the admin-event log holds it. */
#define HEX_COVER_END "636f7665722e656e64"
#define HEX_LEND_END "6c656e642e656e64"

static void test_cover_end_early(void **state) {
  world *w = *state;
  fs_replica *a = fs_test_enroll(&w->d, w->tmp, "A01", "a01"),
             *b = fs_test_enroll(&w->d, w->tmp, "A02", "a02");
  char c[2][33], today[11], later[11], far[11], farther[11];
  char *out, *log;
  int status;

  fs_test_create_customer(a, "Covered One", "A", c[0]);
  fs_test_create_customer(a, "Covered Two", "B", c[1]);
  fs_test_sync_ok(a, NULL);
  fs_test_day(today, 0);
  fs_test_day(later, 5);
  fs_test_day(far, 10);
  fs_test_day(farther, 12);
  free(fs_test_daemon_cmd(&w->d, NULL, "cover A01 --by A02 --from %s --to %s", today, later));
  fs_test_sync_ok(b, NULL);
  assert_int_equal(
      fs_test_replica_int(w->tmp, "a02", "SELECT count(*) FROM customers WHERE owner='A01'"),
      2);

  /* Overlapping days for the same absent rep: refused, naming the cover. */
  out = fs_test_daemon_cmd(&w->d, &status, "cover A01 --by A03 --from %s --to %s", later, far);
  assert_int_equal(status, 1);
  free(out);
  log = data_file(w, "cmd.log");
  assert_non_null(strstr(log, "A01 is already covered by A02"));
  assert_non_null(strstr(log, "cover end 1"));
  free(log);
  assert_int_equal(fs_test_central_int(&w->d, "SELECT count(*) FROM covers"), 1);
  /* Days after it are fine: a planned second cover. */
  free(fs_test_daemon_cmd(&w->d, NULL, "cover A01 --by A03 --from %s --to %s", far, farther));

  out = fs_test_daemon_cmd(&w->d, NULL, "cover list");
  assert_non_null(strstr(out, "running"));
  assert_non_null(strstr(out, "planned"));
  free(out);

  /* Ended early: A02's device drops A01's cards at its next sync. */
  out = fs_test_daemon_cmd(&w->d, NULL, "cover end 1");
  assert_non_null(strstr(out, "cover 1 ended"));
  free(out);
  assert_int_equal(fs_test_central_int(&w->d, "SELECT state FROM covers WHERE id=1"), 2);
  assert_true(fs_test_central_int(&w->d, "SELECT ended_at FROM covers WHERE id=1") > 0);
  fs_test_sync_ok(b, NULL);
  assert_int_equal(
      fs_test_replica_int(w->tmp, "a02", "SELECT count(*) FROM customers WHERE owner='A01'"),
      0);
  out = fs_test_daemon_cmd(&w->d, &status, "cover end 1");
  assert_int_equal(status, 1);
  free(out);
  out = fs_test_daemon_cmd(&w->d, &status, "cover end 99");
  assert_int_equal(status, 1);
  free(out);
  /* The planned one is cancelled without ever starting. */
  free(fs_test_daemon_cmd(&w->d, NULL, "cover end 2"));
  assert_int_equal(fs_test_central_int(&w->d, "SELECT count(*) FROM covers WHERE state=2"), 2);
  out = fs_test_daemon_cmd(&w->d, NULL, "cover list");
  assert_null(strstr(out, "A03"));
  free(out);
  out = fs_test_daemon_cmd(&w->d, NULL, "cover list --all");
  assert_non_null(strstr(out, "A03"));
  free(out);
  assert_int_equal(fs_test_central_int(&w->d, "SELECT count(*) FROM audit WHERE "
                                              "action='cover.end' AND detail LIKE '%early%'"),
                   1);
  assert_int_equal(fs_test_central_int(&w->d, "SELECT count(*) FROM audit WHERE "
                                              "action='cover.end' AND detail LIKE "
                                              "'%cancelled%'"),
                   1);
  log = data_file(w, "admin-events.log");
  assert_non_null(strstr(log, HEX_COVER_END));
  free(log);
  printf("cover end: a running cover ended early (A02 dropped A01's 2 cards at its next "
         "sync), a planned one cancelled; an overlapping cover refused naming cover 1; "
         "listed, audited\n");
  fs_replica_close(a);
  fs_replica_close(b);
}

static void test_lend_end_early(void **state) {
  world *w = *state;
  fs_replica *a = fs_test_enroll(&w->d, w->tmp, "A01", "a01"),
             *b = fs_test_enroll(&w->d, w->tmp, "A02", "a02");
  char c[33];
  char *out;
  int status;

  fs_test_create_customer(a, "Lent Card", "A", c);
  fs_test_sync_ok(a, NULL);
  free(fs_test_daemon_cmd(&w->d, NULL, "lend %s --to A02 --days 30", c));
  fs_test_sync_ok(b, NULL);
  assert_int_equal(fs_test_replica_int(w->tmp, "a02", "SELECT count(*) FROM customers"), 1);
  out = fs_test_daemon_cmd(&w->d, NULL, "lend list");
  assert_non_null(strstr(out, "A02"));
  assert_non_null(strstr(out, "running"));
  free(out);
  out = fs_test_daemon_cmd(&w->d, NULL, "lend end 1");
  assert_non_null(strstr(out, "loan 1 ended"));
  free(out);
  fs_test_sync_ok(b, NULL);
  assert_int_equal(fs_test_replica_int(w->tmp, "a02", "SELECT count(*) FROM customers"), 0);
  assert_int_equal(fs_test_central_int(&w->d, "SELECT ended FROM loans WHERE id=1"), 1);
  out = fs_test_daemon_cmd(&w->d, &status, "lend end 1");
  assert_int_equal(status, 1);
  free(out);
  out = fs_test_daemon_cmd(&w->d, NULL, "lend list");
  assert_null(strstr(out, "A02"));
  free(out);
  out = fs_test_daemon_cmd(&w->d, NULL, "--json lend list --all");
  assert_non_null(strstr(out, "\"ended\""));
  free(out);
  assert_int_equal(fs_test_central_int(&w->d, "SELECT count(*) FROM audit WHERE "
                                              "action='loan.end' AND actor!='fieldsyncd'"),
                   1);
  out = data_file(w, "admin-events.log");
  assert_non_null(strstr(out, HEX_LEND_END));
  free(out);
  printf("lend end: the lent card left A02's replica at its next sync after lend end; "
         "listed, audited\n");
  fs_replica_close(a);
  fs_replica_close(b);
}

/* staff edit --manager moves a rep between teams: the new manager's
 * device receives the rep's cards, the old manager's drops them. */
static void test_staff_edit_manager(void **state) {
  world *w = *state;
  fs_replica *a = fs_test_enroll(&w->d, w->tmp, "A01", "a01"),
             *m1 = fs_test_enroll(&w->d, w->tmp, "M01", "m01"),
             *m2 = fs_test_enroll(&w->d, w->tmp, "M02", "m02");
  char c[33];
  char *out;

  fs_test_create_customer(a, "Team Card", "A", c);
  fs_test_sync_ok(a, NULL);
  fs_test_sync_ok(m1, NULL);
  fs_test_sync_ok(m2, NULL);
  assert_int_equal(fs_test_replica_intf(w->tmp, "m01", "SELECT count(*) FROM customers "
                                                       "WHERE id='%s'", c),
                   1);
  assert_int_equal(fs_test_replica_intf(w->tmp, "m02", "SELECT count(*) FROM customers "
                                                       "WHERE id='%s'", c),
                   0);
  out = fs_test_daemon_cmd(&w->d, NULL, "staff edit A01 --manager M02");
  assert_non_null(strstr(out, "changed A01: manager M02"));
  free(out);
  fs_test_sync_ok(m1, NULL);
  fs_test_sync_ok(m2, NULL);
  assert_int_equal(fs_test_replica_intf(w->tmp, "m01", "SELECT count(*) FROM customers "
                                                       "WHERE id='%s'", c),
                   0);
  assert_int_equal(fs_test_replica_intf(w->tmp, "m02", "SELECT count(*) FROM customers "
                                                       "WHERE id='%s'", c),
                   1);
  assert_int_equal(fs_test_central_int(&w->d, "SELECT count(*) FROM audit WHERE "
                                              "action='staff.edit' AND staff='A01'"),
                   1);
  printf("staff edit --manager: A01's card left M01's replica and reached M02's at their "
         "next sync; audited\n");
  fs_replica_close(a);
  fs_replica_close(m1);
  fs_replica_close(m2);
}

/* Customers on replica name; with owner (NULL: any). */
static long long cards_on(world *w, const char *name, const char *owner) {
  return owner ? fs_test_replica_intf(w->tmp, name,
                                      "SELECT count(*) FROM customers WHERE owner='%s'", owner)
               : fs_test_replica_int(w->tmp, name, "SELECT count(*) FROM customers");
}

static fs_role role_of(fs_replica *r) {
  fs_identity id;
  assert_int_equal(fs_replica_identity(r, &id), 0);
  return id.role;
}

/* staff edit --role (issue 15): a rep made admin receives every card at
 * the next sync, made a rep again loses the others'; a manager made admin
 * and manager again keeps the team's cards and loses the rest. */
static void test_staff_edit_role(void **state) {
  world *w = *state;
  fs_replica *a1 = fs_test_enroll(&w->d, w->tmp, "A01", "a01"),
             *a2 = fs_test_enroll(&w->d, w->tmp, "A02", "a02"),
             *m1 = fs_test_enroll(&w->d, w->tmp, "M01", "m01"),
             *m2 = fs_test_enroll(&w->d, w->tmp, "M02", "m02");
  char *out;

  fs_test_create_customer(a1, "Ann's Card", "A", NULL);
  fs_test_create_customer(a2, "Bo's Card", "B", NULL);
  fs_test_create_customer(m2, "Other Team's Card", "C", NULL);
  fs_test_sync_ok(a1, NULL);
  fs_test_sync_ok(a2, NULL);
  fs_test_sync_ok(m1, NULL);
  fs_test_sync_ok(m2, NULL);
  assert_int_equal(cards_on(w, "a02", NULL), 1);
  assert_int_equal(cards_on(w, "m01", NULL), 2);

  out = fs_test_daemon_cmd(&w->d, NULL, "staff edit A02 --role admin");
  assert_non_null(strstr(out, "changed A02: role admin"));
  free(out);
  fs_test_sync_ok(a2, NULL);
  assert_int_equal(cards_on(w, "a02", NULL), 3);
  assert_int_equal(role_of(a2), FS_ROLE_ADMIN);
  out = fs_test_daemon_cmd(&w->d, NULL, "staff edit A02 --role rep");
  free(out);
  fs_test_sync_ok(a2, NULL);
  assert_int_equal(cards_on(w, "a02", NULL), 1);
  assert_int_equal(cards_on(w, "a02", "A02"), 1);
  assert_int_equal(role_of(a2), FS_ROLE_REP);

  out = fs_test_daemon_cmd(&w->d, NULL, "staff edit M01 --role admin");
  free(out);
  fs_test_sync_ok(m1, NULL);
  assert_int_equal(cards_on(w, "m01", NULL), 3);
  out = fs_test_daemon_cmd(&w->d, NULL, "staff edit M01 --role manager");
  free(out);
  fs_test_sync_ok(m1, NULL);
  assert_int_equal(cards_on(w, "m01", NULL), 2);
  assert_int_equal(cards_on(w, "m01", "M02"), 0);
  assert_int_equal(role_of(m1), FS_ROLE_MANAGER);
  /* A manager without a team made a rep sees what it saw: its own. */
  out = fs_test_daemon_cmd(&w->d, NULL, "staff edit M02 --role rep");
  free(out);
  fs_test_sync_ok(m2, NULL);
  assert_int_equal(cards_on(w, "m02", NULL), 1);
  assert_int_equal(role_of(m2), FS_ROLE_REP);
  printf("staff edit --role: rep->admin received every card, admin->rep kept only its own, "
         "manager->admin->manager kept the team's; each device took its new role\n");
  fs_replica_close(a1);
  fs_replica_close(a2);
  fs_replica_close(m1);
  fs_replica_close(m2);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_cover_end_early, setup, fs_test_world_teardown),
      cmocka_unit_test_setup_teardown(test_lend_end_early, setup, fs_test_world_teardown),
      cmocka_unit_test_setup_teardown(test_staff_edit_manager, setup, fs_test_world_teardown),
      cmocka_unit_test_setup_teardown(test_staff_edit_role, setup, fs_test_world_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
