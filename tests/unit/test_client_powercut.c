/* test_client_powercut.c - a rep's local write survives the battery dying.
 *
 * Only the public API (fieldsync.h) drives the replica, the way the CLI or
 * a phone app does; the "powercut" VFS (powercut_vfs.h) is the default VFS
 * underneath.  Each fs_create/fs_update/fs_customer_set_grade returns after
 * its transaction commits; then the power is cut (every write not followed
 * by a sync is lost), the disk put back as the cut left it, and the replica
 * reopened: every write that returned is there, with its outbox entry, so
 * the next sync still sends it. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldsync.h"
#include "powercut_vfs.h"

#define NCUSTOMERS 12

static fs_identity ident(void) {
  fs_identity id;
  memset(&id, 0, sizeof(id));
  snprintf(id.staff, sizeof(id.staff), "A01");
  id.role = FS_ROLE_REP;
  id.device_id = 3;
  id.slot = 1;
  return id;
}

static uint64_t pending(fs_replica *r) {
  uint64_t p = 0, rej = 0;
  assert_int_equal(fs_outbox_count(r, &p, &rej), 0);
  assert_int_equal(rej, 0);
  return p;
}

static void test_local_writes_survive(void **state) {
  char *dir = fs_test_tmpdir();
  fs_identity id = ident();
  fs_replica *r = NULL;
  fs_record *rec = NULL;
  char ids[NCUSTOMERS][33], name[32];
  uint64_t before;

  (void)state;
  assert_int_equal(fs_powercut_register(1), SQLITE_OK);
  assert_int_equal(fs_replica_init(dir, &id, &r), 0);
  for (int i = 0; i < NCUSTOMERS; i++) {
    snprintf(name, sizeof(name), "Powercut Motors %d", i);
    assert_int_equal(fs_record_new("customer", &rec), 0);
    assert_int_equal(fs_record_set(rec, "name", name), 0);
    assert_int_equal(fs_record_set(rec, "grade", "B"), 0);
    assert_int_equal(fs_create(r, rec, ids[i]), 0);
    fs_record_free(rec);
    rec = NULL;
  }
  /* An edit and a re-grade of the last card, also returned before the cut. */
  assert_int_equal(fs_record_new("customer", &rec), 0);
  assert_int_equal(fs_record_set(rec, "phone", "+86 10 5555 0101"), 0);
  assert_int_equal(fs_update(r, "customer", ids[NCUSTOMERS - 1], rec), 0);
  fs_record_free(rec);
  rec = NULL;
  assert_int_equal(fs_customer_set_grade(r, ids[NCUSTOMERS - 1], "A", NULL, NULL), 0);
  before = pending(r);
  assert_true(before >= NCUSTOMERS + 2);

  fs_powercut_cut();
  fs_replica_close(r); /* nothing it writes now reaches the disk */
  r = NULL;
  assert_int_equal(fs_powercut_restore(), 0);

  assert_int_equal(fs_replica_open(dir, &r), 0);
  for (int i = 0; i < NCUSTOMERS; i++) {
    snprintf(name, sizeof(name), "Powercut Motors %d", i);
    assert_int_equal(fs_get(r, "customer", ids[i], &rec), 0);
    assert_string_equal(fs_record_get(rec, "name"), name);
    fs_record_free(rec);
    rec = NULL;
  }
  assert_int_equal(fs_get(r, "customer", ids[NCUSTOMERS - 1], &rec), 0);
  assert_string_equal(fs_record_get(rec, "phone"), "+86 10 5555 0101");
  assert_string_equal(fs_record_get(rec, "grade"), "A");
  fs_record_free(rec);
  assert_int_equal(pending(r), before); /* the next sync sends every one */
  fs_replica_close(r);
  fs_powercut_unregister();
  fs_test_rmdir(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_local_writes_survive),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
