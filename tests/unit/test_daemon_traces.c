/* test_daemon_traces.c - issue 11, holes 7 and 12: nothing of a card stays
 * on a device that lost it, and a wipe leaves nothing of fieldsync's.
 *
 * Real fieldsyncd on 127.0.0.1, real replicas.
 *
 * Eviction (hole 7).  A03's card (distinctive name, phone, grade lost) goes
 * to A01 with A03's departure, so A01's device holds the handover notice
 * naming it; A01's two devices edit the same field, so the device holds a
 * conflict with both values; A01 adds a contact to it and has 300 cards of
 * its own around it.  Then `transfer --from A01 --to A02 --customer ID` and
 * one sync of A01's device: every file of its data directory is read byte
 * by byte (while the replica is still open, and again after close) and none
 * holds the name, the phone, the conflict values, the contact's name or the
 * card's archive number.
 *
 * Wipe (hole 12).  A departed rep's device whose data directory also holds
 * replica.db.bak (a copy with all the customers), a copy under another name
 * in a sub-directory, and things that are not fieldsync's (notes.txt,
 * photos/a.jpg) syncs with the real `fieldsync` CLI and gets WIPE:
 * afterwards no fieldsync file and no byte of the customer's name or phone
 * remains anywhere under the directory, the CLI names each path it left and
 * does not say "erased".  A device with a clean directory is erased
 * completely (the directory is gone) through the library.  When not root, a
 * copy that cannot be removed (read-only directory) is named with the reason.
 */
#include "daemontest.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fieldsync.h"

typedef fs_test_world world;

static int setup(void **state) {
  return fs_test_world_setup(state, "staff add M01 --name 'Mgr One' --role manager",
                             "staff add A01 --name 'Rep One' --manager M01",
                             "staff add A02 --name 'Rep Two' --manager M01",
                             "staff add A03 --name 'Rep Three' --manager M01", NULL);
}

/* ---- eviction ------------------------------------------------------------ */

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
  archive = fs_test_get_field(r3, id, "archive_no");
  assert_true(strlen(archive) > 0);
  fs_test_sync_ok(r1, NULL); /* a first snapshot: notices come with later pulls */
  out = fs_test_daemon_cmd(&w->d, NULL, "depart --yes A03 --successor A01 --reason 'moved'");
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
  fs_test_clock_advance(50); /* r1b's write is later: it wins */
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
  out = fs_test_daemon_cmd(&w->d, NULL, "transfer --yes --from A01 --to A02 --customer %s", id);
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

/* ---- wipe ---------------------------------------------------------------- */

static void copy_file(const char *from, const char *to) {
  char cmd[2048];
  snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", from, to);
  assert_int_equal(system(cmd), 0);
}

static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  assert_int_equal(fclose(f), 0);
}

static char *read_text(const char *path) {
  FILE *f = fopen(path, "r");
  char *buf = calloc(1, 65536);
  assert_non_null(f);
  assert_non_null(buf);
  assert_true(fread(buf, 1, 65535, f) < 65535);
  fclose(f);
  return buf;
}

static int exists(const char *dir, const char *name) {
  char *p = fs_test_path(dir, name);
  int yes = access(p, F_OK) == 0;
  free(p);
  return yes;
}

/* A01's device in tmp/name with one customer, synced and closed. */
static char *device_with_card(world *w, const char *name) {
  fs_replica *r = fs_test_enroll(&w->d, w->tmp, "A01", name);
  char id[33];
  fs_test_create_customer(r, "Oyelaran Wipetest", "A", id);
  fs_test_set_field(r, id, "phone", "13712340987");
  fs_test_sync_ok(r, NULL);
  fs_replica_close(r); /* the WAL is folded into replica.db: the copies hold the card */
  return fs_test_path(w->tmp, name);
}

static void test_wipe_removes_copies_and_names_leftovers(void **state) {
  world *w = *state;
  const char *needles[] = {"Oyelaran Wipetest", "13712340987", NULL};
  char *dir = device_with_card(w, "a01");
  char *db = fs_test_path(dir, "replica.db"), *p, *q, *out, *err, cmd[2048];
  int rc;

  copy_file(db, (p = fs_test_path(dir, "replica.db.bak")));
  free(p);
  p = fs_test_path(dir, "old");
  assert_int_equal(mkdir(p, 0700), 0);
  copy_file(db,
            (q = fs_test_path(p, "backup-2026.sqlite"))); /* a copy known by content */
  free(q);
  free(p);
  write_file((p = fs_test_path(dir, "notes.txt")), "the user's own notes\n");
  free(p);
  p = fs_test_path(dir, "photos");
  assert_int_equal(mkdir(p, 0700), 0);
  write_file((q = fs_test_path(p, "a.jpg")), "not a photo\n");
  free(q);
  free(p);
  assert_true(fs_test_traces_in(dir, needles) > 0);

  free(fs_test_daemon_cmd(&w->d, NULL, "depart --yes A01 --successor A02 --reason 'left'"));
  snprintf(cmd, sizeof(cmd), "%s/fieldsync", FS_BIN);
  assert_int_equal(access(cmd, X_OK), 0); /* the CLI is built (target fieldsync_cli) */
  out = fs_test_path(w->tmp, "wipe.out");
  snprintf(cmd, sizeof(cmd), "'%s/fieldsync' --data '%s' sync >'%s' 2>&1", FS_BIN, dir,
           out);
  rc = system(cmd);
  err = read_text(out);
  printf("--- fieldsync sync after the departure:\n%s---\n", err);
  assert_int_not_equal(rc, 0);
  /* fieldsync's files went, copies included, by name and by content. */
  assert_false(exists(dir, "replica.db"));
  assert_false(exists(dir, "replica.db.bak"));
  assert_false(exists(dir, "device.key"));
  assert_false(exists(dir, "device.key.pub"));
  assert_false(exists(dir, "old")); /* emptied, then removed */
  assert_int_equal(fs_test_traces_in(dir, needles), 0);
  /* What is not fieldsync's stays, and is named; nothing claims "erased". */
  assert_true(exists(dir, "notes.txt"));
  assert_true(exists(dir, "photos/a.jpg"));
  p = fs_test_path(dir, "notes.txt");
  assert_non_null(strstr(err, p));
  free(p);
  p = fs_test_path(dir, "photos/a.jpg");
  assert_non_null(strstr(err, p));
  free(p);
  assert_null(strstr(err, "has been erased"));
  assert_null(strstr(err, "have been erased"));
  assert_non_null(strstr(err, "remain"));
  printf("wipe: replica.db.bak and old/backup-2026.sqlite removed, no byte of the card "
         "left; "
         "notes.txt and photos/a.jpg named, no claim of \"erased\"\n");
  free(err);
  free(out);
  free(db);
  free(dir);
}

static void on_left(void *arg, const char *path, const char *why) {
  printf("  left: %s (%s)\n", path, why);
  (*(int *)arg)++;
}

static void test_wipe_clean_directory_is_gone(void **state) {
  world *w = *state;
  char *dir = device_with_card(w, "a01"), *ro = NULL, err[512];
  fs_replica *r = NULL;
  fs_sync_stats st;
  int left = 0, rc;

  if (geteuid() != 0) {
    /* Not root: a copy in a read-only directory cannot be removed. */
    char *bak;
    ro = fs_test_path(dir, "ro");
    assert_int_equal(mkdir(ro, 0700), 0);
    write_file((bak = fs_test_path(ro, "replica.db.bak")), "copy\n");
    free(bak);
    assert_int_equal(chmod(ro, 0500), 0);
  }
  free(fs_test_daemon_cmd(&w->d, NULL, "depart --yes A01 --successor A02"));
  assert_int_equal(fs_replica_open(dir, &r), 0);
  memset(&st, 0, sizeof(st));
  rc = fs_sync(r, NULL, &st, err, sizeof(err));
  assert_int_equal(rc, FS_EREVOKED);
  assert_true(st.wiped);
  rc = fs_replica_erase(r, on_left, &left);
  if (ro == NULL) {
    assert_int_equal(rc, 0);
    assert_int_equal(left, 0);
    assert_int_equal(access(dir, F_OK), -1); /* the directory itself is gone */
  } else {
    assert_int_equal(rc, FS_EIO);
    assert_true(left >= 1);
    assert_int_equal(chmod(ro, 0700), 0); /* so the teardown can remove it */
    free(ro);
  }
  printf(
      "wipe: a clean data directory is removed entirely (fs_replica_erase returns 0)\n");
  free(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_evicted_card_leaves_no_trace, setup,
                                      fs_test_world_teardown),
      cmocka_unit_test_setup_teardown(test_wipe_removes_copies_and_names_leftovers, setup,
                                      fs_test_world_teardown),
      cmocka_unit_test_setup_teardown(test_wipe_clean_directory_is_gone, setup,
                                      fs_test_world_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
