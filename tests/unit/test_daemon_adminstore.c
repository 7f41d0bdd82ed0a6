/* test_daemon_adminstore.c - the central-store modules the administration
 * commands and the handover use (daemon/store/{nest,staff,enroll,devadmin,
 * ownership,adminread}.h), on a fresh store without a daemon:
 *   - nested transactions: an inner one undone takes its writes (and
 *     those of transactions nested in it) away, a kept one's writes commit
 *     with the writer transaction, whatever the depth;
 *   - fs__enroll_check on a read handle of its own (not the writer's
 *     connection): usable, used, expired, someone else's, departed staff;
 *   - a device key enrolls once; slots count up; revoke and quarantine
 *     drop of what is not there say FS_ENOTFOUND;
 *   - fs__ids_select refuses a selection that does not fit the kind.
 */
#include "daemontest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "fs_errno.h"
#include "hlc.h"
#include "store/adminread.h"
#include "store/central.h"
#include "store/devadmin.h"
#include "store/enroll.h"
#include "store/nest.h"
#include "store/ownership.h"
#include "store/staff.h"

typedef struct world {
  char *dir, *path;
  fs_central *c;
} world;

static int setup(void **state) {
  world *w = calloc(1, sizeof(*w));
  assert_non_null(w);
  w->dir = fs_test_tmpdir();
  w->path = fs_test_path(w->dir, "central.db");
  assert_int_equal(fs__central_open(w->path, 1, &w->c), 0);
  *state = w;
  return 0;
}

static int teardown(void **state) {
  world *w = *state;
  fs__central_free(w->c);
  free(w->path);
  fs_test_rmdir(w->dir);
  free(w);
  return 0;
}

static void add(world *w, const char *code) {
  assert_int_equal(fs__staff_add(w->c, code, code, FS_ROLE_REP, NULL, 1), 0);
}

/* 1 if staff code is stored, as a separate reader sees it. */
static int stored(world *w, const char *code) {
  fs_store_rd *r = NULL;
  int rc;

  assert_int_equal(fs__store_rd_open(w->path, &r), 0);
  rc = fs__staff_get(r, code, NULL);
  fs__store_rd_free(r);
  assert_true(rc == 0 || rc == FS_ENOTFOUND);
  return rc == 0;
}

static void test_nested_transactions(void **state) {
  world *w = *state;

  assert_int_equal(fs__central_begin(w->c), 0);
  add(w, "A01");
  assert_int_equal(fs__central_nest_begin(w->c), 0);
  add(w, "A02");
  assert_int_equal(fs__central_nest_begin(w->c), 0);
  add(w, "A03");
  assert_int_equal(fs__central_nest_end(w->c, 1), 0); /* kept inside A02's */
  /* The writer's own reads see the open transaction. */
  assert_int_equal(fs__staff_get(fs__central_rd(w->c), "A03", NULL), 0);
  assert_int_equal(fs__central_nest_end(w->c, 0), 0); /* undoes A02 and A03 */
  assert_int_equal(fs__staff_get(fs__central_rd(w->c), "A03", NULL), FS_ENOTFOUND);
  assert_int_equal(fs__central_nest_begin(w->c), 0);
  add(w, "A04");
  assert_int_equal(fs__central_nest_end(w->c, 1), 0);
  assert_false(stored(w, "A01")); /* nothing committed yet */
  assert_int_equal(fs__central_commit(w->c), 0);
  assert_true(stored(w, "A01"));
  assert_false(stored(w, "A02"));
  assert_false(stored(w, "A03"));
  assert_true(stored(w, "A04"));
}

/* A token for staff expiring at expires_s, stored (hash in the store). */
static void token(world *w, fs_token *t, const char *staff, uint64_t expires_s) {
  static const uint8_t pub[32];
  uint8_t hash[FS_TOKEN_SECRET_HASH_LEN];

  assert_int_equal(fs__token_make(t, "127.0.0.1:7447", staff, pub, expires_s), 0);
  assert_int_equal(fs__token_secret_hash(t->secret, hash), 0);
  assert_int_equal(fs__token_add(w->c, hash, staff, (int64_t)expires_s), 0);
}

static void test_enroll_check_read_handle(void **state) {
  world *w = *state;
  uint64_t later = fs__now_ms() / 1000 + 3600;
  fs_token ok, used, old, other;
  uint8_t pub[32];
  fs_store_rd *r = NULL;
  fs_device d;

  memset(pub, 7, sizeof(pub));
  assert_int_equal(fs__central_begin(w->c), 0);
  add(w, "A01");
  add(w, "A02");
  token(w, &ok, "A01", later);
  token(w, &used, "A01", later);
  token(w, &old, "A01", fs__now_ms() / 1000 - 1);
  token(w, &other, "A02", later);
  assert_int_equal(fs__enroll_device(w->c, &used, pub, &d), 0);
  assert_string_equal(d.staff, "A01");
  assert_int_equal(fs__central_commit(w->c), 0);

  assert_int_equal(fs__store_rd_open(w->path, &r), 0);
  assert_int_equal(fs__enroll_check(r, &ok), 0);
  assert_int_equal(fs__enroll_check(r, &used), FS_ETOKEN_USED);
  assert_int_equal(fs__enroll_check(r, &old), FS_ETOKEN_EXPIRED);
  /* A token presented under another staff code is nobody's. */
  snprintf(other.staff_code, sizeof(other.staff_code), "A01");
  assert_int_equal(fs__enroll_check(r, &other), FS_ETOKEN);
  fs__store_rd_free(r);

  assert_int_equal(fs__central_begin(w->c), 0);
  assert_int_equal(fs__staff_set_departed(w->c, "A01", "A02", 2), 0);
  assert_int_equal(fs__central_commit(w->c), 0);
  assert_int_equal(fs__store_rd_open(w->path, &r), 0);
  assert_int_equal(fs__enroll_check(r, &ok), FS_EDEPARTED);
  fs__store_rd_free(r);
}

static void test_devices(void **state) {
  world *w = *state;
  uint8_t k1[32], k2[32];
  uint64_t id1 = 0, id2 = 0, idx = 0;
  int slot = 0;

  memset(k1, 1, sizeof(k1));
  memset(k2, 2, sizeof(k2));
  assert_int_equal(fs__central_begin(w->c), 0);
  add(w, "A01");
  assert_int_equal(fs__device_add(w->c, "A01", k1, 5, &slot, &id1), 0);
  assert_int_equal(slot, 1);
  assert_int_equal(fs__device_add(w->c, "A01", k2, 5, &slot, &id2), 0);
  assert_int_equal(slot, 2);
  assert_true(id2 > id1);
  assert_int_equal(fs__device_add(w->c, "A01", k1, 5, &slot, &idx), FS_EEXIST);
  assert_int_equal(fs__device_revoke(w->c, (int64_t)id2 + 100, 0, 5), FS_ENOTFOUND);
  assert_int_equal(fs__device_revoke(w->c, (int64_t)id1, 1, 5), 0);
  assert_int_equal(fs__quarantine_drop(w->c, 12345), FS_ENOTFOUND);
  assert_int_equal(fs__central_commit(w->c), 0);
}

static void test_ids_select_refuses(void **state) {
  world *w = *state;
  fs_idlist l = {0};

  assert_int_equal(
      fs__ids_select(fs__central_rd(w->c), FS_KIND_CUSTOMER, FS_IDS_CHILDREN, "x", &l),
      FS_EINVAL);
  assert_int_equal(
      fs__ids_select(fs__central_rd(w->c), FS_KIND_VISIT, FS_IDS_CUSTOMER_KEY, "x", &l),
      FS_EINVAL);
  assert_int_equal(
      fs__ids_select(fs__central_rd(w->c), FS_KIND_VISIT, FS_IDS_OWNED_LIVE, "A01", &l),
      0);
  assert_int_equal(l.n, 0);
  fs__idlist_free(&l);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_nested_transactions, setup, teardown),
      cmocka_unit_test_setup_teardown(test_enroll_check_read_handle, setup, teardown),
      cmocka_unit_test_setup_teardown(test_devices, setup, teardown),
      cmocka_unit_test_setup_teardown(test_ids_select_refuses, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
