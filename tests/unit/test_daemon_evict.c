/* test_daemon_evict.c - issue 11, hole 7: a card transferred away leaves no
 * trace on the device it left.
 *
 * Real fieldsyncd on 127.0.0.1, real replicas.  A03's card (distinctive
 * name, phone, grade lost) goes to A01 with A03's departure, so A01's
 * device holds the handover notice naming it; A01's two devices edit the
 * same field, so the device holds a conflict with both values; A01 adds a
 * contact to it.  Then `transfer --from A01 --to A02 --customer ID` and one
 * sync of A01's device: every file of its data directory is read byte by
 * byte (while the replica is still open, and again after close) and none
 * holds the name, the phone, the conflict values, the contact's name or the
 * card's archive number.
 */
#include "daemontest.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fieldsync.h"

typedef struct world {
  fs_test_daemon d;
  char *tmp;
} world;

static int setup(void **state) {
  world *w = calloc(1, sizeof(*w));
  assert_non_null(w);
  fs_test_world_start(&w->d, &w->tmp, "staff add M01 --name 'Mgr One' --role manager",
                      "staff add A01 --name 'Rep One' --manager M01",
                      "staff add A02 --name 'Rep Two' --manager M01",
                      "staff add A03 --name 'Rep Three' --manager M01", NULL);
  *state = w;
  return 0;
}

static int teardown(void **state) {
  world *w = *state;
  fs_test_world_stop(&w->d, w->tmp);
  free(w);
  return 0;
}

static char *get_field(fs_replica *r, const char *id, const char *field) {
  fs_record *rec = NULL;
  char *v;
  assert_int_equal(fs_get(r, "customer", id, &rec), 0);
  v = strdup(fs_record_get(rec, field) ? fs_record_get(rec, field) : "");
  fs_record_free(rec);
  return v;
}

static void test_evicted_card_leaves_no_trace(void **state) {
  world *w = *state;
  fs_replica *r3 = fs_test_enroll(&w->d, w->tmp, "A03", "a03");
  fs_replica *r1 = fs_test_enroll(&w->d, w->tmp, "A01", "a01");
  fs_replica *r1b = fs_test_enroll(&w->d, w->tmp, "A01", "a01b");
  fs_record *rec = NULL;
  fs_sync_stats st;
  char id[33], keep[33], cid[33], *archive, *out, *dir;
  const char *needles[7];
  long long n;

  /* A03's lost card: the departure report (a notice for A01) names it. */
  fs_test_create_customer(r3, "Qiaoyun Zhuangfeldt", "lost", id);
  fs_test_set_field(r3, id, "phone", "13987650001");
  fs_test_create_customer(r3, "Kept Customer Ltd", "B", keep);
  fs_test_sync_ok(r3, NULL);
  archive = get_field(r3, id, "archive_no");
  assert_true(strlen(archive) > 0);
  fs_test_sync_ok(r1, NULL); /* a first snapshot: notices come with later pulls */
  out = fs_test_daemon_cmd(&w->d, NULL, "depart A03 --successor A01 --reason 'moved'");
  free(out);
  memset(&st, 0, sizeof(st));
  fs_test_sync_ok(r1, &st);
  fs_test_sync_ok(r1b, NULL);

  /* A contact on the card, and a same-field conflict between A01's devices. */
  assert_int_equal(fs_record_new("contact", &rec), 0);
  assert_int_equal(fs_record_set(rec, "customer_id", id), 0);
  assert_int_equal(fs_record_set(rec, "name", "Xenodora Contactperson"), 0);
  assert_int_equal(fs_create(r1, rec, cid), 0);
  fs_record_free(rec);
  fs_test_set_field(r1, id, "industry", "Loserindustry Nine");
  usleep(50000);
  fs_test_set_field(r1b, id, "industry", "Winnerindustry Ten");
  fs_test_sync_ok(r1, NULL);
  fs_test_sync_ok(r1b, NULL);
  fs_test_sync_ok(r1, NULL);
  n = fs_test_replica_int(
      w->tmp, "a01", "SELECT count(*) FROM conflicts WHERE loser='Loserindustry Nine'");
  assert_true(n >= 1);
  /* (The report arrives with a pull past its seq: the syncs above.) */
  assert_int_equal(fs_test_replica_int(w->tmp, "a01",
                                       "SELECT count(*) FROM notices WHERE body LIKE "
                                       "'%Qiaoyun Zhuangfeldt%'"),
                   1);

  /* A01's own book, so the tables and their name/phone indexes span many
   * pages and the card sits among its neighbours. */
  for (int i = 0; i < 300; i++) {
    char nm[64], fid[33], ph[16];
    snprintf(nm, sizeof(nm), "Qiaoyun Filler %03d", i);
    snprintf(ph, sizeof(ph), "1398765%04d", 1000 + i);
    fs_test_create_customer(r1, nm, "C", fid);
    fs_test_set_field(r1, fid, "phone", ph);
  }
  fs_test_sync_ok(r1, NULL);

  /* The card goes to A02; A01's device syncs once. */
  out = fs_test_daemon_cmd(&w->d, NULL, "transfer --from A01 --to A02 --customer %s", id);
  free(out);
  memset(&st, 0, sizeof(st));
  fs_test_sync_ok(r1, &st);
  assert_true(st.removed >= 1);

  needles[0] = "Qiaoyun Zhuangfeldt";
  needles[1] = "13987650001";
  needles[2] = "Loserindustry Nine";
  needles[3] = "Winnerindustry Ten";
  needles[4] = "Xenodora Contactperson";
  needles[5] = archive;
  needles[6] = NULL;
  dir = fs_test_path(w->tmp, "a01");
  /* While the replica is still open (an app keeps it open)... */
  assert_int_equal(fs_test_traces_in(dir, needles), 0);
  /* ...what is not the card's stays: the kept card, the notice's counts. */
  assert_int_equal(fs_test_replica_int(w->tmp, "a01",
                                       "SELECT count(*) FROM customers WHERE "
                                       "name='Kept Customer Ltd'"),
                   1);
  assert_int_equal(fs_test_replica_int(w->tmp, "a01",
                                       "SELECT count(*) FROM notices WHERE body LIKE "
                                       "'%Handover of A03 to A01%'"),
                   1);
  fs_replica_close(r1);
  /* ...and after it is closed. */
  assert_int_equal(fs_test_traces_in(dir, needles), 0);
  printf("evict: after the transfer and one sync, no byte of the card's name, phone, "
         "conflict values, contact or archive number remains in %s\n",
         dir);
  free(dir);
  free(archive);
  fs_replica_close(r1b);
  fs_replica_close(r3);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_evicted_card_leaves_no_trace, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
