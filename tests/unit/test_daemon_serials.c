/* test_daemon_serials.c - archive numbers as the seeds write them (issue
 * 14): `<rep>-<yy>-<serial>` from blocks of a per-rep running serial the
 * daemon hands each device ahead of need (PROTOCOL.md 5.5.2 "Archive
 * serials").  One device numbers 0001, 0002, ... without jumps across
 * syncs and a daemon restart; two offline devices of one rep never
 * collide; a device without serials still creates cards with a fallback
 * number; a hostile device that pushes a number outside its blocks is
 * refused with the reason; `fieldsyncd serials` reports unused blocks. */
#include "daemontest.h"
#include "wiretest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs_errno.h"
#include "id.h"

static int setup(void **state) {
  return fs_test_world_setup(state, "staff add A01 --name 'Li Wei' --role rep",
                             "staff add A02 --name 'Wang Fang' --role rep", NULL);
}

/* "A01-26-0007" for rep, this year, serial. */
static void number(char *out, size_t cap, const char *rep, unsigned long long serial) {
  char today[11];

  fs_test_day(today, 0);
  snprintf(out, cap, "%s-%.2s-%04llu", rep, today + 2, serial);
}

/* Creates a card on r and returns its archive number (malloc'd). */
static char *create(fs_replica *r, const char *name) {
  char id[33];

  fs_test_create_customer(r, name, "B", id);
  return fs_test_get_field(r, id, "archive_no");
}

static void assert_number(char *got, const char *rep, unsigned long long serial) {
  char want[48];

  number(want, sizeof(want), rep, serial);
  assert_string_equal(got, want);
  free(got);
}

static void assert_outbox_clean(fs_replica *r) {
  uint64_t pending = 9, rejected = 9;

  assert_int_equal(fs_outbox_count(r, &pending, &rejected), 0);
  assert_int_equal(pending, 0);
  assert_int_equal(rejected, 0);
}

/* One device: 0001, 0002, ... with no jumps, across syncs, blocks and a
 * daemon restart (small blocks so several are handed out). */
static void test_one_device_no_jumps(void **state) {
  fs_test_world *w = *state;
  fs_replica *a;
  unsigned long long n = 0;

  fs_test_daemon_conf(&w->d, "serial_block = 2");
  a = fs_test_world_device(w, "A01", "a01");
  for (int round = 0; round < 4; round++) {
    char name[32];
    snprintf(name, sizeof(name), "Card %d", round);
    assert_number(create(a, name), "A01", ++n);
    fs_test_sync_ok(a, NULL);
    if (round == 1) /* blocks are the store's, not the process's */
      fs_test_daemon_conf(&w->d, "# restarted");
  }
  /* Two more offline, then a sync: still no jump. */
  assert_number(create(a, "Offline 1"), "A01", ++n);
  assert_number(create(a, "Offline 2"), "A01", ++n);
  fs_test_sync_ok(a, NULL);
  assert_number(create(a, "After"), "A01", ++n);
  fs_test_sync_ok(a, NULL);
  assert_outbox_clean(a);
  assert_int_equal(
      fs_test_central_int(&w->d, "SELECT count(*) FROM customers WHERE owner='A01'"),
      (long long)n);
  /* The daemon saw every serial used in order: max used is n. */
  assert_int_equal(fs_test_central_int(&w->d, "SELECT max(used) FROM serial_blocks"),
                   (long long)n);
}

/* Two devices of one rep, both offline: their numbers never collide and
 * both outboxes are applied. */
static void test_two_devices_offline(void **state) {
  fs_test_world *w = *state;
  fs_replica *a = fs_test_world_device(w, "A01", "a01");
  fs_replica *b = fs_test_world_device(w, "A01", "a01b");
  char *na[5], *nb[5];

  for (int i = 0; i < 5; i++) {
    na[i] = create(a, "Phone card");
    nb[i] = create(b, "Tablet card");
  }
  for (int i = 0; i < 5; i++)
    for (int j = 0; j < 5; j++)
      assert_string_not_equal(na[i], nb[j]);
  /* Each device's own run has no jumps: 0001.. on one, its block on the other. */
  assert_number(na[0], "A01", 1);
  assert_number(na[4], "A01", 5);
  assert_number(nb[0], "A01", 21); /* the second device's block: 21..40 */
  assert_number(nb[4], "A01", 25);
  for (int i = 1; i < 4; i++) {
    free(na[i]);
    free(nb[i]);
  }
  fs_test_sync_ok(a, NULL);
  fs_test_sync_ok(b, NULL);
  fs_test_sync_ok(a, NULL);
  assert_outbox_clean(a);
  assert_outbox_clean(b);
  assert_int_equal(fs_test_central_int(&w->d, "SELECT count(DISTINCT archive_no) FROM "
                                              "customers WHERE owner='A01'"),
                   10);
}

/* A device that used every serial offline still creates the card, with a
 * fallback number the daemon accepts; its next sync brings serials again. */
static void test_fallback_when_out(void **state) {
  fs_test_world *w = *state;
  fs_replica *a;
  fs_archive_info info;
  char *fb, want[48], today[11];

  fs_test_daemon_conf(&w->d, "serial_block = 2");
  a = fs_test_world_device(w, "A01", "a01");
  assert_int_equal(fs_archive_info_get(a, &info), 0);
  assert_int_equal(info.year_digits, 2);
  assert_int_equal(info.serials_left, 2);
  assert_number(create(a, "One"), "A01", 1);
  assert_number(create(a, "Two"), "A01", 2);
  fb = create(a, "Three");
  fs_test_day(today, 0);
  snprintf(want, sizeof(want), "A01-%.2s-D1-0001", today + 2);
  assert_string_equal(fb, want);
  assert_int_equal(fs_archive_is_fallback(fb), 1);
  assert_int_equal(fs_archive_info_get(a, &info), 0);
  assert_int_equal(info.serials_left, 0);
  assert_int_equal(info.fallbacks, 1);
  free(fb);
  fs_test_sync_ok(a, NULL);
  assert_outbox_clean(a);
  assert_int_equal(fs_test_central_intf(&w->d,
                                        "SELECT count(*) FROM customers WHERE "
                                        "archive_no='%s'",
                                        want),
                   1);
  /* Serials again after the sync, going on from where the device was. */
  assert_number(create(a, "Four"), "A01", 3);
  assert_int_equal(fs_archive_is_fallback("A01-26-0003"), 0);
}

/* Pushes one customer create with archive_no and returns its outcome;
 * code and reason (why) of a rejection are copied. */
static int push_card(fs_wire_dev *h, uint64_t counter, const char *archive_no, int *code,
                     char *why, size_t whylen) {
  fs_change c;
  char id[33];
  int outcome;

  fs__id_new(id);
  fs_wire_change_init(&c, FS_KIND_CUSTOMER, id, "A01", counter, 0);
  fs_wire_change_set(&c, "name", "Hostile card");
  fs_wire_change_set(&c, "grade", "B");
  fs_wire_change_set(&c, "archive_no", archive_no);
  outcome = fs_wire_push_one(h, &c, code, why, whylen);
  fs_wire_change_release(&c);
  return outcome;
}

/* A device speaking the protocol directly pushes numbers it was not given:
 * each is refused with its reason; its own and the old forms are taken. */
static void test_hostile_outside_blocks(void **state) {
  fs_test_world *w = *state;
  fs_replica *a = fs_test_world_device(w, "A01", "a01");
  fs_replica *b = fs_test_world_device(w, "A01", "a01b");
  fs_wire_dev h;
  char no[48], why[512], today[11];
  int code = 0;
  uint64_t counter = 1000;

  (void)a;
  (void)b;
  fs_test_day(today, 0);
  fs_wire_load(&h, w->tmp, "a01");
  assert_int_equal(fs_wire_open(&h, NULL), 0);
  /* Never handed out to anyone. */
  number(no, sizeof(no), "A01", 999);
  assert_int_equal(push_card(&h, counter++, no, &code, why, sizeof(why)),
                   FS_OUTCOME_REJECTED);
  assert_int_equal(code, FS_EFORBIDDEN);
  printf("  %s: %s\n", no, why);
  assert_non_null(strstr(why, "in no serial block the daemon gave this device"));
  /* The other device's block (21..40). */
  number(no, sizeof(no), "A01", 21);
  assert_int_equal(push_card(&h, counter++, no, &code, why, sizeof(why)),
                   FS_OUTCOME_REJECTED);
  assert_int_equal(code, FS_EFORBIDDEN);
  /* Another rep's number. */
  number(no, sizeof(no), "A02", 1);
  assert_int_equal(push_card(&h, counter++, no, &code, why, sizeof(why)),
                   FS_OUTCOME_REJECTED);
  assert_non_null(strstr(why, "names rep A02"));
  /* A fallback number naming the other device's slot. */
  snprintf(no, sizeof(no), "A01-%.2s-D2-0001", today + 2);
  assert_int_equal(push_card(&h, counter++, no, &code, why, sizeof(why)),
                   FS_OUTCOME_REJECTED);
  assert_non_null(strstr(why, "slot 2"));
  /* Its own serial, its own fallback slot and a legacy (0.1.0) number pass. */
  number(no, sizeof(no), "A01", 3);
  assert_int_equal(push_card(&h, counter++, no, &code, why, sizeof(why)),
                   FS_OUTCOME_APPLIED);
  snprintf(no, sizeof(no), "A01-%.2s-D1-0007", today + 2);
  assert_int_equal(push_card(&h, counter++, no, &code, why, sizeof(why)),
                   FS_OUTCOME_APPLIED);
  snprintf(no, sizeof(no), "A01-%.4s-0101", today);
  assert_int_equal(push_card(&h, counter++, no, &code, why, sizeof(why)),
                   FS_OUTCOME_APPLIED);
  fs_wire_close(&h);
  fs_wire_free(&h);
  assert_int_equal(fs_test_central_int(
                       &w->d, "SELECT count(*) FROM customers WHERE name='Hostile card'"),
                   3);
}

/* A revoked device's unused serials are reported by `fieldsyncd serials`. */
static void test_revoked_unused_reported(void **state) {
  fs_test_world *w = *state;
  fs_replica *a = fs_test_world_device(w, "A01", "a01");
  char *out;

  free(create(a, "Only card"));
  fs_test_sync_ok(a, NULL);
  free(fs_test_daemon_cmd(&w->d, NULL, "revoke 1 --reason lost"));
  out = fs_test_daemon_cmd(&w->d, NULL, "serials --unused");
  printf("%s", out);
  assert_non_null(strstr(out, "A01"));
  assert_non_null(strstr(out, "revoked"));
  assert_non_null(strstr(out, "2-20")); /* 0001 used, 0002..0020 unused */
  free(out);
}

/* A store made with four-digit years (fieldsyncd init --archive-year 4):
 * cards read A01-2026-0001, and a client that does not number from blocks
 * (release 0.1.0) is refused at the handshake, never later. */
static void test_four_digit_store(void **state) {
  fs_test_world *w = *state;
  fs_replica *a;
  fs_wire_dev h;
  char *no, want[48], today[11];

  fs_test_central_exec(&w->d, "INSERT OR REPLACE INTO meta(key, value) "
                              "VALUES('archive_year_digits', 4)");
  a = fs_test_world_device(w, "A01", "a01");
  no = create(a, "Long year");
  fs_test_day(today, 0);
  snprintf(want, sizeof(want), "A01-%.4s-0001", today);
  assert_string_equal(no, want);
  free(no);
  fs_test_sync_ok(a, NULL);
  assert_outbox_clean(a);
  fs_wire_load(&h, w->tmp, "a01");
  assert_int_equal(fs_wire_open(&h, NULL), FS_EVERSION);
  printf("  %s\n", h.net.err);
  assert_non_null(strstr(h.net.err, "too old for this store"));
  fs_wire_free(&h);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_one_device_no_jumps, setup,
                                      fs_test_world_teardown),
      cmocka_unit_test_setup_teardown(test_two_devices_offline, setup,
                                      fs_test_world_teardown),
      cmocka_unit_test_setup_teardown(test_fallback_when_out, setup,
                                      fs_test_world_teardown),
      cmocka_unit_test_setup_teardown(test_hostile_outside_blocks, setup,
                                      fs_test_world_teardown),
      cmocka_unit_test_setup_teardown(test_revoked_unused_reported, setup,
                                      fs_test_world_teardown),
      cmocka_unit_test_setup_teardown(test_four_digit_store, setup,
                                      fs_test_world_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
