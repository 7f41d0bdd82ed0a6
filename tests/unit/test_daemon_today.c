/* test_daemon_today.c - issue 13: one "today" rule (common/date.h).
 *
 * A rep in UTC+8 (TZ=CST-8, for this process and the daemon it starts)
 * works at 00:30 local time on 2026-03-11, which is still 2026-03-10 in
 * UTC.  The device's today is the rep's local day: the card's defaults,
 * the cadence and the agenda use 03-11; the daemon stores the card's and
 * the visit's dates as the device wrote them (no shift by any zone).
 * Before the rule, the daemon's days were UTC and the device's local, and
 * no clock could be injected to test a rep near midnight.
 */
#include "daemontest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "date.h"

/* 2026-03-10T16:30:00Z = 2026-03-11 00:30 in UTC+8. */
#define NEAR_MIDNIGHT_MS 1773160200000ULL

static uint64_t near_midnight(void) {
  return NEAR_MIDNIGHT_MS;
}

typedef fs_test_world world;

static int setup(void **state) {
  /* POSIX form, no tz database needed: 8 hours east of UTC. */
  setenv("TZ", "CST-8", 1);
  tzset();
  fs__today_set_clock(near_midnight);
  return fs_test_world_setup(state, "staff add A01 --name 'Li' --role rep", NULL);
}

static int teardown(void **state) {
  fs__today_set_clock(NULL);
  return fs_test_world_teardown(state);
}

typedef struct seen {
  int n;
  char due[8][11], cust[8][33];
} seen;

static int on_item(void *arg, const fs_agenda_item *it) {
  seen *s = arg;
  if (s->n < 8) {
    snprintf(s->due[s->n], sizeof(s->due[0]), "%s", it->due);
    snprintf(s->cust[s->n], sizeof(s->cust[0]), "%s", it->customer_id);
    s->n++;
  }
  return 0;
}

static void test_rep_near_midnight_utc8(void **state) {
  world *w = *state;
  fs_replica *a;
  fs_record *rec = NULL;
  char today[11], x[33], y[33], v[33], sql[256];
  seen s;

  /* The rule itself: the same instant is 03-11 here and 03-10 in UTC. */
  fs__today(today);
  assert_string_equal(today, "2026-03-11");
  setenv("TZ", "UTC0", 1);
  tzset();
  fs__today(today);
  assert_string_equal(today, "2026-03-10");
  setenv("TZ", "CST-8", 1);
  tzset();
  assert_int_equal(fs__day_of_ms((int64_t)NEAR_MIDNIGHT_MS, today), 0);
  assert_string_equal(today, "2026-03-11");

  a = fs_test_enroll(&w->d, w->tmp, "A01", "a01");
  /* X: opened now, with the form's defaults (created, grade date). */
  fs_test_create_customer(a, "Opened after midnight", "B", x);
  snprintf(sql, sizeof(sql),
           "SELECT created='2026-03-11' AND grade_date='2026-03-11' FROM customers WHERE "
           "id='%s'",
           x);
  assert_int_equal(fs_test_replica_int(w->tmp, "a01", sql), 1);
  /* Its grade history starts on the local day too. */
  snprintf(
      sql, sizeof(sql),
      "SELECT count(*) FROM grade_changes WHERE customer_id='%s' AND date='2026-03-11'",
      x);
  assert_int_equal(fs_test_replica_int(w->tmp, "a01", sql), 1);
  /* A visit the rep logs at 00:20 local time. */
  fs_test_log_visit(a, x, "2026-03-11T00:20", "met the buyer", v);
  /* Y: a grade-B card opened a week ago, never visited: due today (local). */
  assert_int_equal(fs_record_new("customer", &rec), 0);
  assert_int_equal(fs_record_set(rec, "name", "Opened a week ago"), 0);
  assert_int_equal(fs_record_set(rec, "grade", "B"), 0);
  assert_int_equal(fs_record_set(rec, "created", "2026-03-04"), 0);
  assert_int_equal(fs_create(a, rec, y), 0);
  fs_record_free(rec);

  /* The agenda's today is 03-11: Y is due today; X (visited today) is not
   * listed.  With a UTC today (03-10) Y would not be due yet. */
  memset(&s, 0, sizeof(s));
  assert_int_equal(fs_agenda(a, NULL, on_item, &s), 0);
  assert_int_equal(s.n, 1);
  assert_string_equal(s.cust[0], y);
  assert_string_equal(s.due[0], "2026-03-11");

  /* The daemon keeps the device's dates as written. */
  fs_test_sync_ok(a, NULL);
  snprintf(sql, sizeof(sql),
           "SELECT created='2026-03-11' AND grade_date='2026-03-11' FROM customers WHERE "
           "id='%s'",
           x);
  assert_int_equal(fs_test_central_int(&w->d, sql), 1);
  snprintf(sql, sizeof(sql), "SELECT at='2026-03-11T00:20:00' FROM visits WHERE id='%s'", v);
  assert_int_equal(fs_test_central_int(&w->d, sql), 1);
  fs_replica_close(a);
}

/* The daemon's days are those of its own zone: a cover for "today" in
 * fieldsyncd's TZ runs now, even where that day is not the UTC day.  The
 * zone is picked from the current UTC hour so the local day differs from
 * the UTC day (east of UTC from noon, west before), for this process and
 * the daemon it starts. */
static int setup_off_utc_day(void **state) {
  time_t t = time(NULL);
  struct tm tm;
  char tz[32];

  gmtime_r(&t, &tm);
  if (tm.tm_hour >= 12)
    snprintf(tz, sizeof(tz), "EAST-%d", 24 - tm.tm_hour); /* local: next day 00:mm */
  else
    snprintf(tz, sizeof(tz), "WEST+%d", tm.tm_hour + 1); /* local: previous day 23:mm */
  setenv("TZ", tz, 1);
  tzset();
  return fs_test_world_setup(state, "staff add M01 --name 'Manager' --role manager",
                             "staff add A01 --name 'Li' --manager M01",
                             "staff add A02 --name 'Bo' --manager M01", NULL);
}

static void test_daemon_cover_day_is_its_local_day(void **state) {
  world *w = *state;
  fs_replica *a, *b;
  char local[11], utc[11], *out;
  time_t t = time(NULL);
  struct tm tm;
  int status = -1;

  fs__today(local);
  gmtime_r(&t, &tm);
  strftime(utc, sizeof(utc), "%Y-%m-%d", &tm);
  printf("TZ=%s: local day %s, UTC day %s\n", getenv("TZ"), local, utc);
  assert_string_not_equal(local, utc);

  a = fs_test_enroll(&w->d, w->tmp, "A01", "a01");
  b = fs_test_enroll(&w->d, w->tmp, "A02", "a02");
  fs_test_create_customer(a, "Covered card", "A", NULL);
  fs_test_sync_ok(a, NULL);
  out = fs_test_daemon_cmd(&w->d, &status, "cover A01 --by A02 --from %s --to %s", local,
                           local);
  assert_int_equal(status, 0);
  free(out);
  /* Running now: A02 receives A01's card at once. */
  fs_test_sync_ok(b, NULL);
  assert_int_equal(fs_test_replica_int(w->tmp, "a02",
                                       "SELECT count(*) FROM customers WHERE "
                                       "owner='A01'"),
                   1);
  assert_int_equal(fs_test_central_int(&w->d, "SELECT state FROM covers"), 1);
  fs_replica_close(a);
  fs_replica_close(b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_rep_near_midnight_utc8, setup, teardown),
      cmocka_unit_test_setup_teardown(test_daemon_cover_day_is_its_local_day,
                                      setup_off_utc_day, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
