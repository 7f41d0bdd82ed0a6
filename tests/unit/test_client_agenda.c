/* test_client_agenda.c - fs_agenda against hand-worked dates (cadence per
 * grade, the delivered window, agreed next contacts, showroom call-backs,
 * key-account follow-ups, ordering), and the manager write rule of
 * fs__replica_may_write. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldsync.h"
#include "date.h"
#include "db.h"
#include "replica.h"

#define MAXGOT 32

typedef struct got_item {
  char due[11];
  int overdue;
  char kind[16];
  char name[64];
  char reason[128];
  char customer_id[33];
} got_item;

typedef struct got {
  int n;
  got_item it[MAXGOT];
  int stop_after; /* return 99 after this many items (0: never) */
} got;

typedef struct fx {
  char *dir;
  fs_replica *r;
} fx;

static int open_as(void **state, const char *staff, const char *role) {
  fx *f = calloc(1, sizeof(*f));
  fs_identity id;

  assert_non_null(f);
  memset(&id, 0, sizeof(id));
  snprintf(id.staff, sizeof(id.staff), "%s", staff);
  assert_int_equal(fs_role_parse(role, &id.role), 0);
  id.slot = 1;
  f->dir = fs_test_tmpdir();
  assert_int_equal(fs_replica_init(f->dir, &id, &f->r), 0);
  *state = f;
  return 0;
}

static int setup(void **state) { return open_as(state, "A01", "rep"); }
static int setup_manager(void **state) { return open_as(state, "M01", "manager"); }

static int teardown(void **state) {
  fx *f = *state;
  fs_replica_close(f->r);
  fs_test_rmdir(f->dir);
  free(f);
  return 0;
}

static int collect(void *arg, const fs_agenda_item *it) {
  got *g = arg;
  got_item *x;

  assert_true(g->n < MAXGOT);
  x = &g->it[g->n++];
  snprintf(x->due, sizeof(x->due), "%s", it->due);
  x->overdue = it->overdue_days;
  snprintf(x->kind, sizeof(x->kind), "%s", it->kind);
  snprintf(x->name, sizeof(x->name), "%s", it->name);
  snprintf(x->reason, sizeof(x->reason), "%s", it->reason);
  snprintf(x->customer_id, sizeof(x->customer_id), "%s", it->customer_id);
  if (g->stop_after && g->n >= g->stop_after)
    return 99;
  return 0;
}

static void run(fs_replica *r, const char *date, got *g) {
  memset(g, 0, sizeof(*g));
  assert_int_equal(fs_agenda(r, date, collect, g), 0);
}

/* Creates a record of kind from "field=value" pairs (NULL-terminated);
 * returns its id in id (may be NULL). */
static void make(fs_replica *r, const char *kind, char id[33], ...) {
  fs_record *rec = NULL;
  const char *pair;
  char buf[33];
  va_list ap;

  assert_int_equal(fs_record_new(kind, &rec), 0);
  va_start(ap, id);
  while ((pair = va_arg(ap, const char *)) != NULL) {
    char field[64];
    const char *eq = strchr(pair, '=');
    assert_non_null(eq);
    snprintf(field, sizeof(field), "%.*s", (int)(eq - pair), pair);
    assert_int_equal(fs_record_set(rec, field, eq + 1), 0);
  }
  va_end(ap);
  assert_int_equal(fs_create(r, rec, id ? id : buf), 0);
  fs_record_free(rec);
}

static void expect(const got *g, int i, const char *due, int overdue, const char *kind,
                   const char *name) {
  assert_true(i < g->n);
  assert_string_equal(g->it[i].due, due);
  assert_int_equal(g->it[i].overdue, overdue);
  assert_string_equal(g->it[i].kind, kind);
  assert_string_equal(g->it[i].name, name);
}

/* A visit to customer cid at `at` ("at=..."), with up to two more
 * "field=value" pairs. */
static void visit(fs_replica *r, const char *cid, const char *at, const char *extra1,
                  const char *extra2) {
  char cpair[48];
  snprintf(cpair, sizeof(cpair), "customer_id=%s", cid);
  if (extra2)
    make(r, "visit", NULL, cpair, at, "method=in_person", extra1, extra2, NULL);
  else if (extra1)
    make(r, "visit", NULL, cpair, at, "method=in_person", extra1, NULL);
  else
    make(r, "visit", NULL, cpair, at, "method=in_person", NULL);
}

/* Cadence per grade on 2026-03-10, worked by hand:
 *   O  last visit 02-28       + 7  = 03-07  overdue 3
 *   A  last visit 03-07T09:00 + 2  = 03-09  overdue 1
 *   B  opened 03-03, no visit + 7  = 03-10  due today
 *   A2 opened 03-08; its visit of 03-12 is after the day: + 2 = 03-10
 *   C  opened 03-01           + 14 = 03-15  not yet
 *   delivered 02-01, visit 02-20: 03-06 is inside the 3-month window,
 *      so 14 days: 03-06, overdue 4
 *   delivered 2025-06-01, visit 2026-01-05: past the window, 90 days:
 *      2026-04-05, not yet
 *   lost: never. */
static void test_cadence(void **state) {
  fx *f = *state;
  char o[33], a[33], b[33], a2[33], c[33], d1[33], d2[33], l[33];
  got g;

  make(f->r, "customer", o, "name=Order Co", "grade=O", "created=2026-02-20", NULL);
  visit(f->r, o, "at=2026-02-28T10:00", NULL, NULL);
  make(f->r, "customer", a, "name=华为汽车", "grade=A", "created=2026-03-01", NULL);
  visit(f->r, a, "at=2026-03-05T16:00", NULL, NULL);
  visit(f->r, a, "at=2026-03-07T09:00", NULL, NULL);
  make(f->r, "customer", b, "name=Bravo", "grade=B", "created=2026-03-03", NULL);
  make(f->r, "customer", a2, "name=Alpha Two", "grade=A", "created=2026-03-08", NULL);
  visit(f->r, a2, "at=2026-03-12T09:00", NULL, NULL);
  make(f->r, "customer", c, "name=Cold", "grade=C", "created=2026-03-01", NULL);
  make(f->r, "customer", d1, "name=Delivered New", "grade=delivered",
       "delivery_date=2026-02-01", "created=2026-01-01", NULL);
  visit(f->r, d1, "at=2026-02-20T11:00", NULL, NULL);
  make(f->r, "customer", d2, "name=Delivered Old", "grade=delivered",
       "delivery_date=2025-06-01", "created=2025-05-01", NULL);
  visit(f->r, d2, "at=2026-01-05T11:00", NULL, NULL);
  make(f->r, "customer", l, "name=Lost Ltd", "grade=lost", "created=2025-01-01", NULL);

  run(f->r, "2026-03-10", &g);
  assert_int_equal(g.n, 5);
  expect(&g, 0, "2026-03-06", 4, "cadence", "Delivered New");
  assert_string_equal(g.it[0].reason, "delivered: every 14 days");
  expect(&g, 1, "2026-03-07", 3, "cadence", "Order Co");
  assert_string_equal(g.it[1].reason, "grade O: every 7 days");
  expect(&g, 2, "2026-03-09", 1, "cadence", "华为汽车");
  assert_string_equal(g.it[2].reason, "grade A: every 2 days");
  assert_string_equal(g.it[2].customer_id, a);
  /* Same day: archive number order (Bravo's card was opened first). */
  expect(&g, 3, "2026-03-10", 0, "cadence", "Bravo");
  expect(&g, 4, "2026-03-10", 0, "cadence", "Alpha Two");

  /* A day earlier: only what was due by 03-09; the 03-07 visit of A
   * counts (03-09), the O customer is 2 days late. */
  run(f->r, "2026-03-09", &g);
  assert_int_equal(g.n, 3);
  expect(&g, 1, "2026-03-07", 2, "cadence", "Order Co");
  expect(&g, 2, "2026-03-09", 0, "cadence", "华为汽车");

  /* 2026-04-06: Delivered Old is one day past its 90 days (04-05). */
  run(f->r, "2026-04-06", &g);
  {
    int found = 0;
    for (int i = 0; i < g.n; i++)
      if (strcmp(g.it[i].name, "Delivered Old") == 0) {
        found = 1;
        assert_string_equal(g.it[i].due, "2026-04-05");
        assert_int_equal(g.it[i].overdue, 1);
        assert_string_equal(g.it[i].reason, "delivered: every 90 days");
      }
    assert_int_equal(found, 1);
    for (int i = 0; i < g.n; i++)
      assert_string_not_equal(g.it[i].name, "Lost Ltd");
  }
}

/* Agreed dates on 2026-03-10:
 *   C, opened 03-01, visit 03-02 agreed next contact 03-05: 03-05, 5 late
 *     (cadence alone would be 03-16)
 *   B, opened 03-05, card next_contact 03-08: 03-08, 2 late (cadence 03-12)
 *   C, card next_contact 03-01 but visited 03-04: stale, cadence 03-18 */
static void test_next_contact(void **state) {
  fx *f = *state;
  char c1[33], b1[33], c2[33];
  got g;

  make(f->r, "customer", c1, "name=Agreed Visit", "grade=C", "created=2026-03-01", NULL);
  visit(f->r, c1, "at=2026-03-02T10:00", "next_contact=2026-03-05", NULL);
  make(f->r, "customer", b1, "name=Agreed Card", "grade=B", "created=2026-03-05",
       "next_contact=2026-03-08", NULL);
  make(f->r, "customer", c2, "name=Stale Card", "grade=C", "created=2026-02-20",
       "next_contact=2026-03-01", NULL);
  visit(f->r, c2, "at=2026-03-04T10:00", NULL, NULL);

  run(f->r, "2026-03-10", &g);
  assert_int_equal(g.n, 2);
  expect(&g, 0, "2026-03-05", 5, "next_contact", "Agreed Visit");
  assert_string_equal(g.it[0].reason, "agreed next contact (last contact 2026-03-02)");
  expect(&g, 1, "2026-03-08", 2, "next_contact", "Agreed Card");

  run(f->r, "2026-03-18", &g);
  assert_int_equal(g.n, 3);
  expect(&g, 2, "2026-03-18", 0, "cadence", "Stale Card");
}

/* Showroom call-backs:
 *   arrived 03-08T15:30, details, no card: due 03-09 15:30, on 03-10 1 late
 *   arrived 03-09T10:00, details, card visited 03-09T16:00: called back
 *   arrived 03-09T11:00, no details: nothing to call
 *   arrived 03-10T09:00, details: due 03-11, not on 03-10's agenda */
static void test_callback(void **state) {
  fx *f = *state;
  char x[33], xpair[48];
  got g;

  make(f->r, "showroom", NULL, "arrived=2026-03-08T15:30", "left_details=yes",
       "visitor=王女士", "phone=13911112222", "rep_on_duty=A01", NULL);
  make(f->r, "customer", x, "name=Walk In Card", "grade=C", "created=2026-03-09", NULL);
  snprintf(xpair, sizeof(xpair), "customer_id=%s", x);
  make(f->r, "showroom", NULL, "arrived=2026-03-09T10:00", "left_details=yes", xpair,
       "rep_on_duty=A01", NULL);
  visit(f->r, x, "at=2026-03-09T16:00", NULL, NULL);
  make(f->r, "showroom", NULL, "arrived=2026-03-09T11:00", "left_details=no",
       "visitor=Anonymous", "rep_on_duty=A01", NULL);
  make(f->r, "showroom", NULL, "arrived=2026-03-10T09:00", "left_details=yes",
       "visitor=Late Visitor", "rep_on_duty=A01", NULL);

  run(f->r, "2026-03-10", &g);
  assert_int_equal(g.n, 1);
  expect(&g, 0, "2026-03-09", 1, "callback", "王女士");
  assert_string_equal(g.it[0].reason, "call back walk-in within 24h (by 15:30)");
  assert_string_equal(g.it[0].customer_id, "");

  run(f->r, "2026-03-11", &g);
  assert_int_equal(g.n, 2);
  expect(&g, 0, "2026-03-09", 2, "callback", "王女士");
  expect(&g, 1, "2026-03-11", 0, "callback", "Late Visitor");
}

/* Key-account follow-up: visit 03-01 (key) -> due 03-08; cadence C 03-15.
 * A later ordinary visit (03-09) ends the follow-up. */
static void test_followup(void **state) {
  fx *f = *state;
  char k[33];
  got g;

  make(f->r, "customer", k, "name=Key Account", "grade=C", "created=2026-02-01", NULL);
  visit(f->r, k, "at=2026-03-01T10:00", "key_account=yes", NULL);
  run(f->r, "2026-03-10", &g);
  assert_int_equal(g.n, 1);
  expect(&g, 0, "2026-03-08", 2, "followup", "Key Account");
  assert_string_equal(g.it[0].reason, "key-account follow-up (visit 2026-03-01)");

  /* Same due day as a cadence item: the follow-up comes first. */
  run(f->r, "2026-03-15", &g);
  assert_int_equal(g.n, 2);
  expect(&g, 0, "2026-03-08", 7, "followup", "Key Account");
  expect(&g, 1, "2026-03-15", 0, "cadence", "Key Account");

  visit(f->r, k, "at=2026-03-09T10:00", NULL, NULL);
  run(f->r, "2026-03-10", &g);
  assert_int_equal(g.n, 0);
  /* An agenda of a day before that visit still shows the follow-up. */
  run(f->r, "2026-03-08", &g);
  assert_int_equal(g.n, 1);
  expect(&g, 0, "2026-03-08", 0, "followup", "Key Account");
}

/* The replica's clock (the day a change is made, access_rules.h) reads
 * noon UTC of `day` from now on; days only move forward in a test. */
static uint64_t fake_ms;
static uint64_t fake_wall(void *arg) {
  (void)arg;
  return fake_ms;
}
static void clock_at(fs_replica *r, const char *day) {
  int64_t d = 0;
  assert_int_equal(fs__date_parse(day, &d), 0);
  fake_ms = (uint64_t)(d * 86400 + 12 * 3600) * 1000;
  fs__hlc_set_wallclock(&r->hlc, fake_wall, NULL);
}

/* A re-rating restarts the clock, but a missed deadline stays missed
 * (issue 14).  Worked by hand, each change made on the day it is dated:
 *   C opened 03-01, visited 03-02 (due 03-16); rated A on 03-10 -> due
 *   03-12 (not 03-04, which would make a prospect overdue the moment it
 *   turned hot).  No contact by 03-12: missed.  Re-rated B on 03-14: the
 *   old rule restarted the clock (due 03-21); now the 03-12 deadline stays
 *   due until a contact: on 03-15 it is 3 days overdue.  A re-rating made
 *   on 03-15 but dated 03-11 (before the deadline) would erase the miss:
 *   refused.  Visit 03-16 -> B's 7 days from it: due 03-23. */
static void test_rerating(void **state) {
  fx *f = *state;
  char c[33], h[33];
  got g;

  clock_at(f->r, "2026-03-01");
  make(f->r, "customer", c, "name=Warming Up", "grade=C", "created=2026-03-01", NULL);
  clock_at(f->r, "2026-03-02");
  visit(f->r, c, "at=2026-03-02T10:00", NULL, NULL);
  run(f->r, "2026-03-11", &g);
  assert_int_equal(g.n, 0);
  clock_at(f->r, "2026-03-10");
  assert_int_equal(fs_customer_set_grade(f->r, c, "A", "2026-03-10", NULL), 0);
  run(f->r, "2026-03-11", &g);
  assert_int_equal(g.n, 0);
  run(f->r, "2026-03-14", &g);
  assert_int_equal(g.n, 1);
  expect(&g, 0, "2026-03-12", 2, "cadence", "Warming Up");
  assert_string_equal(g.it[0].reason, "grade A: every 2 days");
  /* An agenda for a day before the re-rating does not count from its
   * (future) date: from the visit, A's 2 days -> due 03-04. */
  run(f->r, "2026-03-05", &g);
  assert_int_equal(g.n, 1);
  expect(&g, 0, "2026-03-04", 1, "cadence", "Warming Up");

  /* Re-rated after the missed deadline: it stays due. */
  clock_at(f->r, "2026-03-14");
  assert_int_equal(fs_customer_set_grade(f->r, c, "B", "2026-03-14", NULL), 0);
  run(f->r, "2026-03-15", &g);
  assert_int_equal(g.n, 1);
  expect(&g, 0, "2026-03-12", 3, "cadence", "Warming Up");
  assert_string_equal(g.it[0].reason, "missed before a re-rating: due until a contact is made");
  /* Back-dated across the deadline: refused by the device first, with the
   * daemon's message, and nothing is stored. */
  clock_at(f->r, "2026-03-15");
  assert_int_equal(fs_customer_set_grade(f->r, c, "C", "2026-03-11", NULL), FS_EVALIDATE);
  assert_string_equal(fs_replica_last_error(f->r),
                      "grade_date: a re-rating dated 2026-03-11, made on 2026-03-15, would "
                      "erase the contact due by 2026-03-12, which was missed; date it the day "
                      "it is made: it starts a new clock and the missed deadline stays missed");
  run(f->r, "2026-03-15", &g);
  assert_int_equal(g.n, 1);
  assert_string_equal(g.it[0].due, "2026-03-12");
  /* Dated in the future: refused too. */
  assert_int_equal(fs_customer_set_grade(f->r, c, "C", "2026-03-16", NULL), FS_EVALIDATE);
  assert_non_null(strstr(fs_replica_last_error(f->r), "lies after the day it was made"));

  /* A contact after the re-rating counts from itself. */
  clock_at(f->r, "2026-03-16");
  visit(f->r, c, "at=2026-03-16T09:00", NULL, NULL);
  run(f->r, "2026-03-17", &g);
  assert_int_equal(g.n, 0);
  run(f->r, "2026-03-24", &g);
  assert_int_equal(g.n, 1);
  expect(&g, 0, "2026-03-23", 1, "cadence", "Warming Up");

  /* A letter is logged but is not the A-grade contact; a call is.  Hot
   * opened 03-16 (due 03-18); letter 03-17: still due 03-18, so on 03-19
   * it is 1 day late; call 03-19: due 03-21. */
  make(f->r, "customer", h, "name=Hot Letter", "grade=A", "created=2026-03-16", NULL);
  clock_at(f->r, "2026-03-17");
  visit(f->r, h, "at=2026-03-17T09:00", "method=letter", NULL);
  /* A visit dated after the day it is recorded is refused. */
  {
    fs_record *rec = NULL;
    assert_int_equal(fs_record_new("visit", &rec), 0);
    assert_int_equal(fs_record_set(rec, "customer_id", h), 0);
    assert_int_equal(fs_record_set(rec, "at", "2026-03-18T09:00"), 0);
    assert_int_equal(fs_record_set(rec, "method", "phone"), 0);
    assert_int_equal(fs_create(f->r, rec, NULL), FS_EVALIDATE);
    assert_string_equal(fs_replica_last_error(f->r),
                        "at: the visit is dated 2026-03-18, after the day it was recorded "
                        "(2026-03-17); log a visit once it has happened");
    fs_record_free(rec);
  }
  run(f->r, "2026-03-19", &g);
  assert_int_equal(g.n, 1);
  expect(&g, 0, "2026-03-18", 1, "cadence", "Hot Letter");
  clock_at(f->r, "2026-03-19");
  visit(f->r, h, "at=2026-03-19T09:00", "method=phone", NULL);
  run(f->r, "2026-03-20", &g);
  assert_int_equal(g.n, 0);
  run(f->r, "2026-03-22", &g);
  assert_int_equal(g.n, 1);
  expect(&g, 0, "2026-03-21", 1, "cadence", "Hot Letter");
}

/* Lost customers drop out of every rule; bad dates and a stopping
 * callback are reported. */
static void test_lost_and_errors(void **state) {
  fx *f = *state;
  char l[33], lpair[48];
  got g;

  make(f->r, "customer", l, "name=Gone", "grade=B", "created=2026-02-01", NULL);
  visit(f->r, l, "at=2026-03-01T10:00", "key_account=yes", NULL);
  snprintf(lpair, sizeof(lpair), "customer_id=%s", l);
  make(f->r, "showroom", NULL, "arrived=2026-03-02T10:00", "left_details=yes", lpair,
       "rep_on_duty=A01", NULL);
  run(f->r, "2026-03-20", &g);
  /* follow-up 03-08, cadence 03-08, and the call-back of the showroom
   * visit (no visit to the card after it) 03-03 */
  assert_int_equal(g.n, 3);
  expect(&g, 0, "2026-03-03", 17, "callback", "Gone");
  /* Lost only with the lost-sale record (issue 14): refused without. */
  assert_int_equal(fs_customer_set_grade(f->r, l, "lost", NULL, NULL), FS_EVALIDATE);
  assert_non_null(strstr(fs_replica_last_error(f->r), "a card is set lost only with its "
                                                       "lost-sale record"));
  {
    fs_record *rec = NULL;
    char lid[33];
    assert_int_equal(fs_record_new("lost_review", &rec), 0);
    assert_int_equal(fs_record_set(rec, "lost_date", "2026-03-05"), 0);
    assert_int_equal(fs_record_set(rec, "reason", "cheaper elsewhere"), 0);
    /* The class is required by the API. */
    assert_int_equal(fs_customer_set_lost(f->r, l, rec, lid), FS_EVALIDATE);
    assert_int_equal(fs_record_set(rec, "reason_class", "price"), 0);
    assert_int_equal(fs_record_set(rec, "competitor", "BYD"), 0);
    assert_int_equal(fs_customer_set_lost(f->r, l, rec, lid), 0);
    fs_record_free(rec);
    /* The rep cannot confirm it. */
    assert_int_equal(fs_lost_review(f->r, lid, 1, NULL, NULL), FS_EFORBIDDEN);
    assert_non_null(strstr(fs_replica_last_error(f->r),
                           "only a manager or the central office confirms or rejects"));
    /* Until the manager confirms, the card stays on the agenda. */
    run(f->r, "2026-03-20", &g);
    assert_int_equal(g.n, 1);
    expect(&g, 0, "2026-03-05", 15, "lost_review", "Gone");
    assert_string_equal(g.it[0].reason, "lost on 2026-03-05: awaiting the manager's "
                                        "confirmation");
    /* Confirmed (as a pull brings the manager's review): it leaves. */
    {
      char sql[160];
      snprintf(sql, sizeof(sql),
               "UPDATE lost_reviews SET confirmed=1, reviewed_by='M01' WHERE id='%s'", lid);
      assert_int_equal(sqlite3_exec(fs__replica_db(f->r), sql, NULL, NULL, NULL), SQLITE_OK);
    }
  }
  run(f->r, "2026-03-20", &g);
  assert_int_equal(g.n, 0);

  memset(&g, 0, sizeof(g));
  assert_int_equal(fs_agenda(f->r, "2026-02-30", collect, &g), FS_EINVAL);
  assert_int_equal(fs_agenda(f->r, "2026-3-1", collect, &g), FS_EINVAL);
  assert_int_equal(fs_agenda(NULL, NULL, collect, &g), FS_EINVAL);
  assert_int_equal(fs_agenda(f->r, NULL, NULL, &g), FS_EINVAL);

  make(f->r, "customer", NULL, "name=One", "grade=A", "created=2026-03-01", NULL);
  make(f->r, "customer", NULL, "name=Two", "grade=A", "created=2026-03-02", NULL);
  memset(&g, 0, sizeof(g));
  g.stop_after = 1;
  assert_int_equal(fs_agenda(f->r, "2026-03-20", collect, &g), 99);
  assert_int_equal(g.n, 1);
  /* Default date is today: both A customers are long overdue. */
  run(f->r, NULL, &g);
  assert_int_equal(g.n, 2);
  assert_true(g.it[0].overdue > 0);
}

/* Rewrites the owner of a record as a pull would have stored it. */
static void set_owner(fs_replica *r, const char *table, const char *id, const char *owner) {
  char sql[160];
  snprintf(sql, sizeof(sql), "UPDATE %s SET owner='%s' WHERE id='%s'", table, owner, id);
  assert_int_equal(sqlite3_exec(fs__replica_db(r), sql, NULL, NULL, NULL), SQLITE_OK);
}

/* A manager's replica may write a team member's records it holds; a rep's
 * replica may not; an owner with nothing in the replica is refused. */
static void test_manager_may_write(void **state) {
  fx *f = *state;
  char cid[33], lid[33], cpair[48];
  fs_record *rec = NULL;

  make(f->r, "customer", cid, "name=Team Card", "grade=B", NULL);
  snprintf(cpair, sizeof(cpair), "customer_id=%s", cid);
  make(f->r, "lost_review", lid, cpair, "lost_date=2026-03-01", "reason=price", NULL);
  set_owner(f->r, "customers", cid, "A01");
  set_owner(f->r, "lost_reviews", lid, "A01");
  assert_int_equal(fs_record_new("lost_review", &rec), 0);
  assert_int_equal(fs_record_set(rec, "confirmed", "yes"), 0);
  assert_int_equal(fs_record_set(rec, "reviewed_by", "M01"), 0);
  assert_int_equal(fs_update(f->r, "lost_review", lid, rec), 0);
  fs_record_free(rec);
  assert_int_equal(fs__replica_may_write(f->r, "A01"), 0);
  assert_int_equal(fs__replica_may_write(f->r, "M01"), 0);
  assert_int_equal(fs__replica_may_write(f->r, "A02"), FS_EFORBIDDEN);
}

/* Records the loss of card cid (class price) as this replica's user;
 * returns the review's id in lid. */
static void set_lost(fs_replica *r, const char *cid, char lid[33]) {
  fs_record *rec = NULL;
  char today[11];
  fs__today(today);
  assert_int_equal(fs_record_new("lost_review", &rec), 0);
  assert_int_equal(fs_record_set(rec, "lost_date", today), 0);
  assert_int_equal(fs_record_set(rec, "reason", "cheaper offer"), 0);
  assert_int_equal(fs_record_set(rec, "reason_class", "price"), 0);
  assert_int_equal(fs_customer_set_lost(r, cid, rec, lid), 0);
  fs_record_free(rec);
}

/* The manager rejects a lost sale: the card reopens at its grade before
 * the loss, with a grade change, and the rep's agenda says so until the
 * next visit; a confirmed loss stays lost and off the agenda. */
static void test_lost_rejected_reopens(void **state) {
  fx *f = *state;
  char cid[33], c2[33], lid[33], l2[33], today[11], on[11], want[128];
  fs_record *rec = NULL;
  got g;

  fs__today(today);
  make(f->r, "customer", cid, "name=Comeback", "grade=A", NULL);
  make(f->r, "customer", c2, "name=Really Gone", "grade=B", NULL);
  set_lost(f->r, cid, lid);
  set_lost(f->r, c2, l2);
  assert_int_equal(fs_get(f->r, "lost_review", lid, &rec), 0);
  assert_string_equal(fs_record_get(rec, "prev_grade"), "A");
  assert_string_equal(fs_record_get(rec, "reason_class"), "price");
  fs_record_free(rec);
  assert_int_equal(fs_lost_review(f->r, lid, 0, "price can be matched", on), 0);
  assert_string_equal(on, today);
  assert_int_equal(fs_lost_review(f->r, l2, 1, NULL, NULL), 0);
  assert_int_equal(fs_get(f->r, "customer", cid, &rec), 0);
  assert_string_equal(fs_record_get(rec, "grade"), "A");
  fs_record_free(rec);
  assert_int_equal(fs_get(f->r, "customer", c2, &rec), 0);
  assert_string_equal(fs_record_get(rec, "grade"), "lost");
  fs_record_free(rec);
  assert_int_equal(fs_get(f->r, "lost_review", lid, &rec), 0);
  assert_string_equal(fs_record_get(rec, "reviewed_by"), "M01");
  assert_string_equal(fs_record_get(rec, "confirmed"), "no");
  fs_record_free(rec);
  run(f->r, NULL, &g);
  assert_int_equal(g.n, 1);
  expect(&g, 0, today, 0, "lost_review", "Comeback");
  snprintf(want, sizeof(want),
           "loss rejected by M01 on %s: the card is open again, contact the customer", today);
  assert_string_equal(g.it[0].reason, want);
  /* grade history: opened A, lost, reopened A. */
  {
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(fs__replica_db(f->r),
                                        "SELECT group_concat(COALESCE(prev_grade,'-') || '>' "
                                        "|| grade, ' ') FROM (SELECT * FROM grade_changes "
                                        "WHERE customer_id = ?1 ORDER BY hlc)",
                                        -1, &st, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(st, 1, cid, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "->A A>lost lost>A");
    sqlite3_finalize(st);
  }
}

/* Issue 14 (partial item of the last stop): a rep's deletion request is on
 * the manager's agenda, due the day asked, until answered.  On 03-08: the
 * request of 03-05 is 3 days overdue; both cards are C, opened 03-01, so
 * their cadence contact is due 03-15 and not listed. */
static void delete_request_data(fx *f) {
  assert_int_equal(
      fs__db_exec(fs__replica_db(f->r),
                  "INSERT INTO customers(id, owner, author, hlc, deleted, archive_no, name,"
                  " grade, created, delete_requested) VALUES"
                  " ('d0000000000000000000000000000001', 'A01', 'A01', 1, 0, 'A01-26-0001',"
                  "  'Kilo', 'C', '2026-03-01', '2026-03-05'),"
                  " ('d0000000000000000000000000000002', 'A01', 'A01', 1, 0, 'A01-26-0002',"
                  "  'Lima', 'C', '2026-03-01', NULL),"
                  " ('d0000000000000000000000000000003', 'A01', 'A01', 1, 0, 'A01-26-0003',"
                  "  'Mike', 'C', '2026-03-01', '2026-03-09')"),
      0);
}

static void test_delete_request_manager(void **state) {
  fx *f = *state;
  got g;

  delete_request_data(f);
  run(f->r, "2026-03-08", &g);
  assert_int_equal(g.n, 1);
  expect(&g, 0, "2026-03-05", 3, "delete_request", "Kilo");
  assert_string_equal(g.it[0].reason, "deletion asked for by A01 on 2026-03-05: confirm or "
                                      "reject it (customer delete-review)");
  run(f->r, "2026-03-09", &g);
  assert_int_equal(g.n, 2);
  expect(&g, 1, "2026-03-09", 0, "delete_request", "Mike");
}

/* A rep's own request is the manager's decision, not a task of the rep. */
static void test_delete_request_not_rep(void **state) {
  fx *f = *state;
  got g;

  delete_request_data(f);
  run(f->r, "2026-03-08", &g);
  assert_int_equal(g.n, 0);
}

static void test_rep_may_not_write_others(void **state) {
  fx *f = *state;
  char cid[33];
  fs_record *rec = NULL;

  make(f->r, "customer", cid, "name=Someone Else's", "grade=B", NULL);
  set_owner(f->r, "customers", cid, "A02");
  assert_int_equal(fs_record_new("customer", &rec), 0);
  assert_int_equal(fs_record_set(rec, "phone", "123"), 0);
  assert_int_equal(fs_update(f->r, "customer", cid, rec), FS_EFORBIDDEN);
  fs_record_free(rec);
  assert_int_equal(fs__replica_may_write(f->r, "A02"), FS_EFORBIDDEN);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_cadence, setup, teardown),
      cmocka_unit_test_setup_teardown(test_next_contact, setup, teardown),
      cmocka_unit_test_setup_teardown(test_callback, setup, teardown),
      cmocka_unit_test_setup_teardown(test_followup, setup, teardown),
      cmocka_unit_test_setup_teardown(test_rerating, setup, teardown),
      cmocka_unit_test_setup_teardown(test_lost_and_errors, setup, teardown),
      cmocka_unit_test_setup_teardown(test_lost_rejected_reopens, setup_manager, teardown),
      cmocka_unit_test_setup_teardown(test_manager_may_write, setup_manager, teardown),
      cmocka_unit_test_setup_teardown(test_rep_may_not_write_others, setup, teardown),
      cmocka_unit_test_setup_teardown(test_delete_request_manager, setup_manager, teardown),
      cmocka_unit_test_setup_teardown(test_delete_request_not_rep, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
