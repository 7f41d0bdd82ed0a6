/* test_daemon_showroom.c - issue 14, the showroom as the seeds measure it,
 * at the daemon: rule W1 of common/access_rules.h.  The link of a showroom
 * entry to a customer card (customer_id) decides whose conversion the
 * card's order counts in (report.h "showroom"), so a hostile device
 * (wiretest.h: a real device key, hand-made changes, none of
 * libfieldsync's checks on the way) tries to
 *   - link a new entry to another rep's card (refused, FS_EFORBIDDEN);
 *   - re-link its own entry to that card (refused);
 *   - link an entry to a card that does not exist (refused, FS_EVALIDATE);
 * while linking to its own card, re-sending an unchanged link and the new
 * fields (revisit, channel) land, and the manager may link the entry to a
 * colleague's card.  The rep's own device refuses the bad link first. */
#include "daemontest.h"
#include "wiretest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldsync.h"
#include "fs_errno.h"
#include "hlc.h"
#include "id.h"

typedef struct world {
  fs_test_daemon d;
  char *tmp;
  fs_replica *a1, *a2; /* the reps' real devices */
  fs_wire_dev h;       /* a device key, hostile */
  uint64_t clock;      /* the hostile device's next clock */
  uint64_t counter;
} world;

static int setup(void **state) {
  world *w = calloc(1, sizeof(*w));
  assert_non_null(w);
  fs_test_world_start(&w->d, &w->tmp, "staff add M01 --name 'Manager' --role manager",
                      "staff add A01 --name '李明' --manager M01",
                      "staff add A02 --name '王芳' --manager M01", NULL);
  w->a1 = fs_test_enroll(&w->d, w->tmp, "A01", "a01");
  w->a2 = fs_test_enroll(&w->d, w->tmp, "A02", "a02");
  *state = w;
  return 0;
}

static int teardown(void **state) {
  world *w = *state;
  fs_wire_free(&w->h);
  fs_replica_close(w->a1);
  fs_replica_close(w->a2);
  fs_test_world_stop(&w->d, w->tmp);
  free(w);
  return 0;
}

static void hostile(world *w, const char *name) {
  w->clock = fs_wire_hostile_open(
      &w->h, w->tmp, name,
      fs_test_central_int(&w->d, "SELECT max(last_hlc) FROM devices"));
  w->counter = 1000;
}

/* A change of showroom entry id, owned by A01 (its rep on duty). */
static void entry(world *w, fs_change *c, const char *id) {
  fs_wire_change_init(c, FS_KIND_SHOWROOM, id, "A01", ++w->counter, w->clock++);
  c->op = FS_OP_UPSERT;
}

/* Pushes one change: its outcome; *code its code.  The reason the daemon
 * recorded must contain `reason` when given. */
static int push1(world *w, fs_change *c, int *code, const char *reason) {
  uint64_t counter = c->counter;
  int oc = fs_wire_push_release(&w->h, c, code);
  if (reason &&
      fs_test_central_intf(&w->d,
                           "SELECT count(*) FROM applied WHERE counter = %llu AND "
                           "instr(reason, '%s') > 0",
                           (unsigned long long)counter, reason) != 1)
    fail_msg("reason of change %llu does not contain \"%s\"", (unsigned long long)counter,
             reason);
  return oc;
}

/* A customer card made on replica r (synced): its id in id. */
static void card(fs_replica *r, const char *name, char id[33]) {
  fs_record *rec = NULL;
  assert_int_equal(fs_record_new("customer", &rec), 0);
  assert_int_equal(fs_record_set(rec, "name", name), 0);
  assert_int_equal(fs_record_set(rec, "grade", "B"), 0);
  assert_int_equal(fs_create(r, rec, id), 0);
  fs_record_free(rec);
  fs_test_sync_ok(r, NULL);
}

static long long linked(world *w, const char *entry_id, const char *card_id) {
  return fs_test_central_intf(
      &w->d, "SELECT count(*) FROM showroom_log WHERE id='%s' AND customer_id='%s'",
      entry_id, card_id);
}

static void test_link_rule(void **state) {
  world *w = *state;
  char mine[33], theirs[33], ghost[33], e1[33], e2[33], local[33];
  fs_record *rec = NULL;
  fs_change c;
  int code;

  card(w->a1, "Own Co", mine);
  card(w->a2, "Colleague Co", theirs);
  /* The rep's own device refuses the link first: A02's card is not on A01's
   * replica. */
  assert_int_equal(fs_record_new("showroom", &rec), 0);
  assert_int_equal(fs_record_set(rec, "arrived", "2026-03-02T10:15"), 0);
  assert_int_equal(fs_record_set(rec, "customer_id", theirs), 0);
  assert_int_equal(fs_create(w->a1, rec, local), FS_EVALIDATE);
  assert_non_null(strstr(fs_errmsg(w->a1), "customer_id: no customer card"));
  fs_record_free(rec);

  hostile(w, "a01");
  /* 1. A new entry linked to another rep's card. */
  fs__id_new(e1);
  entry(w, &c, e1);
  fs_wire_change_set(&c, "arrived", "2026-03-02T10:15");
  fs_wire_change_set(&c, "rep_on_duty", "A01");
  fs_wire_change_set(&c, "customer_id", theirs);
  assert_int_equal(
      push1(w, &c, &code, "a rep links a showroom entry only to a card of its own"),
      FS_OUTCOME_REJECTED);
  assert_int_equal(code, FS_EFORBIDDEN);
  /* 2. A card that does not exist. */
  fs__id_new(ghost);
  entry(w, &c, e1);
  fs_wire_change_set(&c, "arrived", "2026-03-02T10:15");
  fs_wire_change_set(&c, "rep_on_duty", "A01");
  fs_wire_change_set(&c, "customer_id", ghost);
  assert_int_equal(push1(w, &c, &code, "customer_id: no customer card"),
                   FS_OUTCOME_REJECTED);
  assert_int_equal(code, FS_EVALIDATE);
  /* 3. Its own card, with the new fields: lands. */
  entry(w, &c, e1);
  fs_wire_change_set(&c, "arrived", "2026-03-02T10:15");
  fs_wire_change_set(&c, "rep_on_duty", "A01");
  fs_wire_change_set(&c, "customer_id", mine);
  fs_wire_change_set_int(&c, "revisit", 0);
  fs_wire_change_set(&c, "channel", "phone");
  assert_int_equal(push1(w, &c, &code, NULL), FS_OUTCOME_APPLIED);
  assert_int_equal(linked(w, e1, mine), 1);
  assert_int_equal(fs_test_central_intf(&w->d,
                                        "SELECT count(*) FROM showroom_log WHERE id='%s' "
                                        "AND revisit=0 AND channel='phone'",
                                        e1),
                   1);
  /* 4. Re-linked to the colleague's card: refused, the link stays. */
  entry(w, &c, e1);
  fs_wire_change_set(&c, "customer_id", theirs);
  assert_int_equal(push1(w, &c, &code, "card of its own owner (A01)"),
                   FS_OUTCOME_REJECTED);
  assert_int_equal(linked(w, e1, mine), 1);
  /* 5. The unchanged link written again passes (no new link is made). */
  entry(w, &c, e1);
  fs_wire_change_set(&c, "customer_id", mine);
  fs_wire_change_set(&c, "model", "汉 EV");
  assert_int_equal(push1(w, &c, &code, NULL), FS_OUTCOME_APPLIED);
  /* 6. An entry with no link at all is not the rule's business. */
  fs__id_new(e2);
  entry(w, &c, e2);
  fs_wire_change_set(&c, "arrived", "2026-03-03T11:00");
  fs_wire_change_set(&c, "rep_on_duty", "A01");
  assert_int_equal(push1(w, &c, &code, NULL), FS_OUTCOME_APPLIED);
  fs_wire_close(&w->h);

  /* The manager links A01's entry to A02's card (a visitor handed over to a
   * colleague): lands. */
  {
    fs_replica *m = fs_test_enroll(&w->d, w->tmp, "M01", "m01");
    fs_test_sync_ok(m, NULL);
    hostile(w, "m01");
    entry(w, &c, e2);
    fs_wire_change_set(&c, "customer_id", theirs);
    assert_int_equal(push1(w, &c, &code, NULL), FS_OUTCOME_APPLIED);
    assert_int_equal(linked(w, e2, theirs), 1);
    fs_wire_close(&w->h);
    fs_replica_close(m);
  }
  printf("showroom: a rep's link to a colleague's card and to no card were refused with "
         "reasons (the device refused first); the rep's own link and the manager's link "
         "landed\n");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_link_rule, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
