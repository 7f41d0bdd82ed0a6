/* test_daemon_handover.c - issue 5 end to end: departure with the handover
 * fence, transfer, cover, loans, revocation and visibility, against a real
 * fieldsyncd on 127.0.0.1 with real replicas driven through libfieldsync.
 *
 * Each test prints what it did and what it verified.  Replica and central
 * files are inspected with plain SQL so the checks never trust the code
 * under test.
 */
#include "daemontest.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "db.h"
#include "fieldsync.h"
#include "hlc.h"
#include "msg.h"
#include "outbox.h"
#include "replica.h"
#include "store.h"

typedef fs_test_world world;

static int setup(void **state) {
  return fs_test_world_setup(state, "staff add M01 --name '王经理' --role manager",
                             "staff add A01 --name '李明' --manager M01",
                             "staff add A02 --name 'Anna Berg' --manager M01",
                             "staff add M02 --name 'Other Manager' --role manager",
                             "staff add B01 --name '赵强' --manager M02", NULL);
}

#define log_visit fs_test_log_visit

/* ---- helpers ----------------------------------------------------------- */

static fs_replica *reopen(world *w, const char *name) {
  char *dir = fs_test_path(w->tmp, name);
  fs_replica *r = NULL;
  assert_int_equal(fs_replica_open(dir, &r), 0);
  free(dir);
  return r;
}

/* A sync expected to fail; returns its code and fills err. */
static int sync_rc(fs_replica *r, fs_sync_stats *st, char *err, size_t errlen) {
  return fs_sync(r, NULL, st, err, errlen);
}

static void add_opportunity(fs_replica *r, const char *cust, const char *title,
                            const char *status, char id[33]) {
  fs_record *rec = NULL;
  assert_int_equal(fs_record_new("opportunity", &rec), 0);
  assert_int_equal(fs_record_set(rec, "customer_id", cust), 0);
  assert_int_equal(fs_record_set(rec, "title", title), 0);
  assert_int_equal(fs_record_set(rec, "status", status), 0);
  if (strcmp(status, "open") != 0)
    assert_int_equal(fs_record_set(rec, "closed", "2026-11-01"), 0);
  if (fs_create(r, rec, id) != 0)
    fail_msg("opportunity: %s", fs_replica_last_error(r));
  fs_record_free(rec);
}

static void add_contact(fs_replica *r, const char *cust, const char *name) {
  fs_record *rec = NULL;
  assert_int_equal(fs_record_new("contact", &rec), 0);
  assert_int_equal(fs_record_set(rec, "customer_id", cust), 0);
  assert_int_equal(fs_record_set(rec, "name", name), 0);
  if (fs_create(r, rec, NULL) != 0)
    fail_msg("contact: %s", fs_replica_last_error(r));
  fs_record_free(rec);
}

static int try_set_field(fs_replica *r, const char *id, const char *field, const char *value) {
  fs_record *rec = NULL;
  int rc;
  assert_int_equal(fs_record_new("customer", &rec), 0);
  assert_int_equal(fs_record_set(rec, field, value), 0);
  rc = fs_update(r, "customer", id, rec);
  fs_record_free(rec);
  return rc;
}


/* Writes a change to a customer's field straight into r's replica and
 * outbox, bypassing the library's own permission check (a hostile or
 * out-of-date client). */
static void inject_field(fs_replica *r, const char *id, const char *owner, const char *staff,
                         const char *text) {
  sqlite3 *db = fs__replica_db(r);
  fs_change ch;
  fs_outcome oc;

  memset(&ch, 0, sizeof(ch));
  ch.kind = FS_KIND_CUSTOMER;
  snprintf(ch.id, sizeof(ch.id), "%s", id);
  ch.op = FS_OP_UPSERT;
  snprintf(ch.owner, sizeof(ch.owner), "%s", owner);
  snprintf(ch.author, sizeof(ch.author), "%s", staff);
  ch.hlc = fs__hlc_now(fs__replica_hlc(r));
  ch.nfields = 1;
  ch.fields = calloc(1, sizeof(*ch.fields));
  assert_non_null(ch.fields);
  ch.fields[0].field = 1; /* name */
  ch.fields[0].hlc = ch.hlc;
  assert_int_equal(fs__value_set_text(&ch.fields[0].value, text, strlen(text)), 0);
  assert_int_equal(fs__db_begin(db), 0);
  assert_int_equal(fs__store_apply(db, &ch, 0, NULL, NULL, &oc), 0);
  assert_int_equal(fs__outbox_append(r, &ch), 0);
  assert_int_equal(fs__db_commit(db), 0);
  fs__change_release(&ch);
}

/* Total rows of all record tables matching a WHERE clause, in replica
 * w->tmp/name (NULL: in central.db). */
static long long all_kinds(world *w, const char *name, const char *where) {
  static const char *const tables[] = {"customers", "grade_changes", "contacts", "visits",
                                       "opportunities", "showroom_log", "lost_reviews"};
  long long n = 0;
  for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
    char sql[512];
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s WHERE %s", tables[i], where);
    n += name ? fs_test_replica_int(w->tmp, name, sql) : fs_test_central_int(&w->d, sql);
  }
  return n;
}

/* A canonical text of the customers matching where, with their fields:
 * the same on a replica and in the central store when they agree. */
#define CUST_DIGEST(where)                                                                     \
  "SELECT group_concat(x, ';') FROM (SELECT id||'|'||name||'|'||COALESCE(phone,'')||'|'||"   \
  "COALESCE(grade,'')||'|'||COALESCE(archive_no,'')||'|'||owner||'|'||author AS x FROM "       \
  "customers WHERE " where " ORDER BY id)"
#define CHILD_DIGEST(table, where)                                                             \
  "SELECT group_concat(x, ';') FROM (SELECT id||'|'||customer_id||'|'||owner||'|'||author AS " \
  "x FROM " table " WHERE " where " ORDER BY id)"

/* Copies a device's data directory (a backup of the phone). */
static void copy_dir(world *w, const char *from, const char *to) {
  char cmd[1200];
  snprintf(cmd, sizeof(cmd), "cp -r '%s/%s' '%s/%s'", w->tmp, from, w->tmp, to);
  assert_int_equal(system(cmd), 0);
}

/* ---- tests ------------------------------------------------------------- */

static void test_depart(void **state) {
  world *w = *state;
  fs_replica *a = fs_test_enroll(&w->d, w->tmp, "A01", "a01"),
             *b = fs_test_enroll(&w->d, w->tmp, "A02", "a02");
  fs_replica *m = fs_test_enroll(&w->d, w->tmp, "M01", "m01"), *gone;
  char c1[33], c2[33], c3[33], newc[33], v1[33], v2[33], o1[33], o2[33];
  char err[512], sql[600];
  char *archive_before, *archive_after, *dry, *real, *audit, *s1, *s2;
  long long before[6], after[6];
  fs_sync_stats st;
  int rc;

  /* A01's book: three cards, visits, an open and a won opportunity. */
  fs_test_create_customer(a, "北京汽车贸易有限公司", "A", c1);
  fs_test_create_customer(a, "上海物流集团", "B", c2);
  fs_test_create_customer(a, "Nordic Fleet AB", "lost", c3);
  log_visit(a, c1, "2026-11-20T10:00", "谈了车队采购计划", v1);
  add_contact(a, c2, "张经理");
  add_opportunity(a, c1, "20 trucks", "open", o1);
  add_opportunity(a, c2, "5 vans", "won", o2);
  fs_test_sync_ok(a, NULL);
  fs_test_sync_ok(b, NULL);
  fs_test_sync_ok(m, NULL);
  archive_before =
      fs_test_central_text(&w->d, "SELECT group_concat(archive_no, ',') FROM (SELECT "
                                  "archive_no FROM customers ORDER BY id)");
  assert_true(strlen(archive_before) > 0);

  /* Offline on A01's phone, before the departure is known. */
  fs_test_set_field(a, c1, "phone", "010-66668888");
  log_visit(a, c2, "2026-11-22T09:00", "last visit before leaving", v2);
  fs_test_create_customer(a, "Offline New Card", "C", newc);

  /* --dry-run: changes nothing, reports the same numbers. */
#define SNAPSHOT(arr)                                                                    \
  do {                                                                                   \
    arr[0] =                                                                             \
        fs_test_central_int(&w->d, "SELECT count(*) FROM customers WHERE owner='A01'");  \
    arr[1] = fs_test_central_int(&w->d, "SELECT count(*) FROM journal");                 \
    arr[2] = fs_test_central_int(&w->d, "SELECT count(*) FROM ownership_log");           \
    arr[3] = fs_test_central_int(&w->d, "SELECT count(*) FROM handovers");               \
    arr[4] = fs_test_central_int(&w->d,                                                  \
                                 "SELECT count(*) FROM staff WHERE status='departed'");  \
    arr[5] = fs_test_central_int(                                                        \
        &w->d, "SELECT count(*) FROM audit WHERE action='staff.depart'");                \
  } while (0)
  SNAPSHOT(before);
  dry = fs_test_daemon_cmd(&w->d, NULL, "depart --yes A01 --successor A02 --reason 'moved away' "
                                        "--dry-run");
  SNAPSHOT(after);
  for (int i = 0; i < 6; i++)
    assert_int_equal(before[i], after[i]);
  assert_non_null(strstr(dry, "DRY RUN"));
  real = fs_test_daemon_cmd(&w->d, NULL, "depart --yes A01 --successor A02 --reason 'moved away'");
  assert_null(strstr(real, "DRY RUN"));
  {
    /* Same report after the dry-run prefix. */
    const char *p = strstr(dry, "Handover of");
    assert_non_null(p);
    assert_string_equal(p, real);
  }
  assert_non_null(strstr(real, "customer cards        3"));
  assert_non_null(strstr(real, "1 open, 1 closed"));
  assert_int_equal(
      fs_test_central_int(&w->d, "SELECT count(*) FROM customers WHERE owner='A01'"), 0);
  assert_int_equal(fs_test_central_int(&w->d,
                                       "SELECT count(*) FROM staff WHERE code='A01' AND "
                                       "status='departed' AND successor='A02'"),
                   1);

  /* A01's phone comes back online: the final upload is accepted through
   * the fence, then the phone is told to erase itself.  Keep a backup of
   * the phone first, to show it is refused later. */
  fs_replica_close(a);
  copy_dir(w, "a01", "a01_backup");
  a = reopen(w, "a01");
  memset(&st, 0, sizeof(st));
  rc = sync_rc(a, &st, err, sizeof(err));
  assert_int_equal(rc, FS_EREVOKED);
  assert_int_equal(st.wiped, 1);
  assert_int_equal(st.rejected, 0);
  assert_int_equal(st.pushed, 4); /* phone, visit, new card, its first grade entry */
  /* The field work landed with the successor; A01 stays the author. */
  snprintf(sql, sizeof(sql),
           "SELECT count(*) FROM customers WHERE id='%s' AND phone='010-66668888' AND "
           "owner='A02' AND author='A01'",
           c1);
  assert_int_equal(fs_test_central_int(&w->d, sql), 1);
  snprintf(sql, sizeof(sql),
           "SELECT count(*) FROM visits WHERE id='%s' AND owner='A02' AND author='A01'", v2);
  assert_int_equal(fs_test_central_int(&w->d, sql), 1);
  snprintf(sql, sizeof(sql),
           "SELECT count(*) FROM customers WHERE id='%s' AND owner='A02' AND author='A01'",
           newc);
  assert_int_equal(fs_test_central_int(&w->d, sql), 1);
  /* Closed opportunity and the completed visit keep their author. */
  snprintf(sql, sizeof(sql),
           "SELECT count(*) FROM opportunities WHERE id IN ('%s','%s') AND owner='A02' AND "
           "author='A01'",
           o1, o2);
  assert_int_equal(fs_test_central_int(&w->d, sql), 2);
  snprintf(sql, sizeof(sql),
           "SELECT count(*) FROM visits WHERE id='%s' AND owner='A02' AND author='A01'", v1);
  assert_int_equal(fs_test_central_int(&w->d, sql), 1);
  /* The phone's replica is empty. */
  assert_int_equal(all_kinds(w, "a01", "1"), 0);
  assert_int_equal(fs_test_replica_int(w->tmp, "a01", "SELECT count(*) FROM outbox"), 0);
  /* Archive numbers never change (the new card got its own). */
  snprintf(sql, sizeof(sql),
           "SELECT group_concat(archive_no, ',') FROM (SELECT archive_no FROM customers "
           "WHERE id<>'%s' ORDER BY id)",
           newc);
  archive_after = fs_test_central_text(&w->d, sql);
  assert_string_equal(archive_before, archive_after);
  /* From now on the phone (restored from its backup) is refused. */
  gone = reopen(w, "a01_backup");
  rc = sync_rc(gone, &st, err, sizeof(err));
  assert_int_equal(rc, FS_EDEPARTED);
  /* ... and told to erase itself, as a phone whose WIPE was lost on the
   * way would be (PROTOCOL.md 7.3): its copy of the records goes. */
  assert_int_equal(st.wiped, 1);
  assert_int_equal(all_kinds(w, "a01_backup", "1"), 0);
  assert_int_equal(
      fs_test_central_int(&w->d, "SELECT count(*) FROM devices WHERE staff='A01' AND "
                                 "status='wiped'"),
      1);

  /* The successor's next sync brings every moved record in full. */
  fs_test_sync_ok(b, &st);
  s1 = fs_test_central_text(&w->d, CUST_DIGEST("owner='A02'"));
  s2 = fs_test_replica_text(w->tmp, "a02", CUST_DIGEST("1"));
  assert_true(strlen(s1) > 0);
  assert_string_equal(s1, s2);
  free(s1);
  free(s2);
  assert_int_equal(fs_test_replica_int(w->tmp, "a02", "SELECT count(*) FROM customers"),
                   4);
  s1 = fs_test_central_text(&w->d, CHILD_DIGEST("visits", "owner='A02'"));
  s2 = fs_test_replica_text(w->tmp, "a02", CHILD_DIGEST("visits", "1"));
  assert_string_equal(s1, s2);
  free(s1);
  free(s2);
  s1 = fs_test_central_text(&w->d, CHILD_DIGEST("opportunities", "owner='A02'"));
  s2 = fs_test_replica_text(w->tmp, "a02", CHILD_DIGEST("opportunities", "1"));
  assert_string_equal(s1, s2);
  free(s1);
  free(s2);
  assert_int_equal(fs_test_replica_int(w->tmp, "a02", "SELECT count(*) FROM contacts"),
                   1);
  assert_int_equal(fs_test_replica_int(w->tmp, "a02", "SELECT count(*) FROM visits"), 2);
  assert_int_equal(
      fs_test_replica_int(w->tmp, "a02", "SELECT count(*) FROM opportunities"), 2);
  /* Successor and manager get the handover report. */
  assert_true(st.notices >= 1);
  assert_int_equal(
      fs_test_replica_int(w->tmp, "a02",
                          "SELECT count(*) FROM notices WHERE kind='handover' "
                          "AND body LIKE '%Handover of A01 to A02%'"),
      1);
  fs_test_sync_ok(m, NULL);
  assert_int_equal(
      fs_test_replica_int(w->tmp, "m01",
                          "SELECT count(*) FROM notices WHERE kind='handover' "
                          "AND body LIKE '%Handover of A01 to A02%' AND body "
                          "LIKE '%Nordic Fleet AB%'"),
      1);
  /* The audit log names the departure. */
  audit = fs_test_daemon_cmd(&w->d, NULL, "audit --staff A01");
  assert_non_null(strstr(audit, "staff.depart"));
  assert_non_null(strstr(audit, "moved away"));
  assert_int_equal(
      fs_test_central_int(&w->d,
                          "SELECT count(*) FROM audit WHERE action='staff.depart' AND "
                          "staff='A01'"),
      1);
  printf("depart: A01 (3 cards, 2 visits, open+won opportunity) departs to A02 with 3 offline "
         "edits pending; dry run changed nothing and printed the same report; the final upload "
         "(4 changes) was accepted through the fence and landed with A02, authors kept; phone "
         "wiped then refused (FS_EDEPARTED); A02 has every moved record in full; notices at "
         "A02 and M01; archive numbers unchanged; audit names it\n");
  free(archive_before);
  free(archive_after);
  free(dry);
  free(real);
  free(audit);
  fs_replica_close(gone);
  fs_replica_close(a);
  fs_replica_close(b);
  fs_replica_close(m);
}

static void test_transfer(void **state) {
  world *w = *state;
  fs_replica *a = fs_test_enroll(&w->d, w->tmp, "A01", "a01"),
             *b = fs_test_enroll(&w->d, w->tmp, "A02", "a02");
  char c[3][33], sql[400];
  char *out, *s1, *s2;
  fs_sync_stats st;

  fs_test_create_customer(a, "杭州机械厂", "A", c[0]);
  fs_test_create_customer(a, "Acme Trucks", "B", c[1]);
  fs_test_create_customer(a, "Stays With A01", "C", c[2]);
  for (int i = 0; i < 3; i++) {
    log_visit(a, c[i], "2026-11-20T10:00", "visit", NULL);
    add_contact(a, c[i], "王工");
  }
  fs_test_set_field(a, c[0], "phone", "0571-88888888");
  fs_test_sync_ok(a, NULL);
  fs_test_sync_ok(b, NULL);
  assert_int_equal(fs_test_replica_int(w->tmp, "a02", "SELECT count(*) FROM customers"),
                   0);
  out = fs_test_daemon_cmd(&w->d, NULL, "transfer --yes --from A01 --to A02 --customer %s "
                                        "--customer %s",
                           c[0], c[1]);
  assert_non_null(strstr(out, "Transfer of A01 to A02"));
  free(out);
  /* A02 gets them in full. */
  fs_test_sync_ok(b, &st);
  assert_int_equal(fs_test_replica_int(w->tmp, "a02", "SELECT count(*) FROM customers"),
                   2);
  s1 = fs_test_central_text(&w->d, CUST_DIGEST("owner='A02'"));
  s2 = fs_test_replica_text(w->tmp, "a02", CUST_DIGEST("1"));
  assert_string_equal(s1, s2);
  free(s1);
  free(s2);
  assert_int_equal(fs_test_replica_int(w->tmp, "a02", "SELECT count(*) FROM visits"), 2);
  assert_int_equal(fs_test_replica_int(w->tmp, "a02", "SELECT count(*) FROM contacts"),
                   2);
  assert_int_equal(
      fs_test_replica_int(w->tmp, "a02", "SELECT count(*) FROM grade_changes"), 2);
  /* A01's next sync removes them and their children. */
  fs_test_sync_ok(a, &st);
  assert_true(st.removed >= 2);
  assert_int_equal(fs_test_replica_int(w->tmp, "a01", "SELECT count(*) FROM customers"),
                   1);
  snprintf(sql, sizeof(sql), "SELECT count(*) FROM customers WHERE id='%s'", c[2]);
  assert_int_equal(fs_test_replica_int(w->tmp, "a01", sql), 1);
  assert_int_equal(all_kinds(w, "a01", "owner<>'A01'"), 0);
  assert_int_equal(fs_test_replica_int(w->tmp, "a01", "SELECT count(*) FROM visits"), 1);
  assert_int_equal(fs_test_replica_int(w->tmp, "a01", "SELECT count(*) FROM contacts"),
                   1);
  /* Both still employed. */
  assert_int_equal(fs_test_central_int(
                       &w->d, "SELECT count(*) FROM staff WHERE status='active' AND code "
                              "IN ('A01','A02')"),
                   2);
  assert_int_equal(fs_test_central_int(&w->d,
                                       "SELECT count(*) FROM audit WHERE "
                                       "action='customers.transfer' AND staff='A01'"),
                   1);
  printf("transfer: 2 of A01's 3 cards to A02; A02 received both with visits, contacts and "
         "grade entries (fields equal to the store); A01's replica kept only the third\n");
  fs_replica_close(a);
  fs_replica_close(b);
}

static void test_cover(void **state) {
  world *w = *state;
  fs_replica *a = fs_test_enroll(&w->d, w->tmp, "A01", "a01"),
             *b = fs_test_enroll(&w->d, w->tmp, "A02", "a02");
  char c[2][33], mine[33], today[16], yesterday[16], sql[400];
  char *out, *s1, *s2;
  fs_sync_stats st;
  int rc;

  fs_test_create_customer(a, "Covered Card One", "A", c[0]);
  fs_test_create_customer(a, "Covered Card Two", "B", c[1]);
  log_visit(a, c[0], "2026-11-20T10:00", "visit", NULL);
  fs_test_create_customer(b, "A02 Own Card", "C", mine);
  fs_test_sync_ok(a, NULL);
  fs_test_sync_ok(b, NULL);
  assert_int_equal(fs_test_replica_int(
                       w->tmp, "a02", "SELECT count(*) FROM customers WHERE owner='A01'"),
                   0);
  fs_test_day(today, 0);
  fs_test_day(yesterday, -1);
  out = fs_test_daemon_cmd(&w->d, NULL, "cover A01 --by A02 --from %s --to %s", today, today);
  free(out);
  /* A02 receives A01's records. */
  fs_test_sync_ok(b, &st);
  s1 = fs_test_central_text(&w->d, CUST_DIGEST("owner='A01'"));
  s2 = fs_test_replica_text(w->tmp, "a02", CUST_DIGEST("owner='A01'"));
  assert_true(strlen(s1) > 0);
  assert_string_equal(s1, s2);
  free(s1);
  free(s2);
  assert_int_equal(
      fs_test_replica_int(w->tmp, "a02", "SELECT count(*) FROM visits WHERE owner='A01'"),
      1);
  /* A02 writes one of them.  The library should let a stand-in write. */
  rc = try_set_field(b, c[0], "phone", "021-12345678");
  if (rc != 0) {
    printf("cover: NOTE fs_update by the stand-in was refused locally: %s (%s); injecting "
           "the change instead\n",
           fs_strerror(rc), fs_replica_last_error(b));
    inject_field(b, c[0], "A01", "A02", "Covered Card One (edited by A02)");
  }
  fs_test_sync_ok(b, &st);
  assert_int_equal(st.rejected, 0);
  assert_int_equal(st.pushed, 1);
  snprintf(sql, sizeof(sql),
           "SELECT count(*) FROM customers WHERE id='%s' AND owner='A01' AND (phone="
           "'021-12345678' OR name='Covered Card One (edited by A02)')",
           c[0]);
  assert_int_equal(fs_test_central_int(&w->d, sql), 1);
  /* The cover ends: to_day in the past, then the sweep. */
  snprintf(sql, sizeof(sql), "UPDATE covers SET to_day='%s', from_day='%s'", yesterday,
           yesterday);
  fs_test_central_exec(&w->d, sql);
  fs_test_sweep_until(&w->d, "SELECT count(*) FROM covers WHERE state=2", 1, 1);
  fs_test_sync_ok(b, &st);
  assert_int_equal(all_kinds(w, "a02", "owner='A01'"), 0);
  snprintf(sql, sizeof(sql), "SELECT count(*) FROM customers WHERE id='%s'", mine);
  assert_int_equal(fs_test_replica_int(w->tmp, "a02", sql), 1);
  /* And A01 got A02's edit. */
  fs_test_sync_ok(a, NULL);
  snprintf(sql, sizeof(sql),
           "SELECT count(*) FROM customers WHERE id='%s' AND (phone='021-12345678' OR "
           "name='Covered Card One (edited by A02)')",
           c[0]);
  assert_int_equal(fs_test_replica_int(w->tmp, "a01", sql), 1);
  assert_int_equal(
      fs_test_central_int(&w->d, "SELECT count(*) FROM audit WHERE action IN ('cover', "
                                 "'cover.start','cover.end') AND staff='A01'"),
      3);
  printf("cover: A02 covering A01 today received A01's 2 cards and visit, wrote one (accepted "
         "by the daemon, owner stays A01); after the cover ended and the sweep, A02's replica "
         "holds only its own card\n");
  fs_replica_close(a);
  fs_replica_close(b);
  /* A stand-in may write the absent rep's records offline: the replica
   * learns whose records it may write from WELCOME (covers included). */
  assert_int_equal(rc, 0);
}

/* Field work a stand-in did offline while the cover was on, uploaded after
 * the cover ended: accepted through the cover fence (the device had not
 * pulled the cover's end) and kept with the absent rep as owner, the
 * stand-in as author.  A change made after the device pulled the end is
 * refused.  And if the stand-in leaves before uploading, the final upload
 * still keeps that work (the random test found such visits erased with the
 * departed rep's phone). */
static void test_cover_work_after_end(void **state) {
  world *w = *state;
  fs_replica *a = fs_test_enroll(&w->d, w->tmp, "A01", "a01"),
             *b = fs_test_enroll(&w->d, w->tmp, "A02", "a02");
  char c[2][33], v1[33], v2[33], today[16], yesterday[16], sql[400], err[512];
  char *out;
  fs_sync_stats st;
  int rc;

  fs_test_create_customer(a, "Absent Rep Card", "A", c[0]);
  fs_test_create_customer(a, "Absent Rep Card Two", "B", c[1]);
  fs_test_sync_ok(a, NULL);
  fs_test_day(today, 0);
  fs_test_day(yesterday, -1);
  out = fs_test_daemon_cmd(&w->d, NULL, "cover A01 --by A02 --from %s --to %s", today, today);
  free(out);
  fs_test_sweep_until(&w->d, "SELECT count(*) FROM covers WHERE state=1", 1, 1);
  fs_test_sync_ok(b, NULL);
  assert_int_equal(fs_test_replica_int(
                       w->tmp, "a02", "SELECT count(*) FROM customers WHERE owner='A01'"),
                   2);
  /* Offline at the customer's: a visit and a phone number. */
  log_visit(b, c[0], "2026-11-22T15:00", "visited for the absent rep", v1);
  assert_int_equal(try_set_field(b, c[1], "phone", "0755-1234"), 0);
  /* The cover ends before A02's phone is back online. */
  snprintf(sql, sizeof(sql), "UPDATE covers SET to_day='%s', from_day='%s'", yesterday,
           yesterday);
  fs_test_central_exec(&w->d, sql);
  fs_test_sweep_until(&w->d, "SELECT count(*) FROM covers WHERE state=2", 1, 1);
  fs_test_sync_ok(b, &st);
  assert_int_equal(st.rejected, 0);
  assert_int_equal(st.pushed, 2);
  snprintf(sql, sizeof(sql),
           "SELECT count(*) FROM visits WHERE id='%s' AND owner='A01' AND author='A02'", v1);
  assert_int_equal(fs_test_central_int(&w->d, sql), 1);
  snprintf(sql, sizeof(sql), "SELECT count(*) FROM customers WHERE id='%s' AND owner='A01' "
                             "AND phone='0755-1234'", c[1]);
  assert_int_equal(fs_test_central_int(&w->d, sql), 1);
  assert_int_equal(all_kinds(w, "a02", "owner='A01'"), 0);
  /* Now the device knows the cover is over: a late change is refused. */
  inject_field(b, c[0], "A01", "A02", "written after the cover");
  memset(&st, 0, sizeof(st));
  assert_int_equal(sync_rc(b, &st, err, sizeof(err)), 0);
  assert_int_equal(st.rejected, 1);
  snprintf(sql, sizeof(sql), "SELECT count(*) FROM customers WHERE name='written after the "
                             "cover'");
  assert_int_equal(fs_test_central_int(&w->d, sql), 0);

  /* Again, and this time A02 leaves before the phone uploads. */
  out = fs_test_daemon_cmd(&w->d, NULL, "cover A01 --by A02 --from %s --to %s", today, today);
  free(out);
  fs_test_sweep_until(&w->d, "SELECT count(*) FROM covers WHERE state=1", 1, 1);
  fs_test_sync_ok(b, NULL);
  log_visit(b, c[0], "2026-11-23T09:30", "last visit as stand-in", v2);
  snprintf(sql, sizeof(sql), "UPDATE covers SET to_day='%s', from_day='%s' WHERE state=1",
           yesterday, yesterday);
  fs_test_central_exec(&w->d, sql);
  fs_test_sweep_until(&w->d, "SELECT count(*) FROM covers WHERE state=2", 1, 2);
  out = fs_test_daemon_cmd(&w->d, NULL, "depart --yes A02 --successor M01 --reason 'left'");
  free(out);
  memset(&st, 0, sizeof(st));
  rc = sync_rc(b, &st, err, sizeof(err));
  assert_int_equal(rc, FS_EREVOKED);
  assert_int_equal(st.wiped, 1);
  snprintf(sql, sizeof(sql),
           "SELECT count(*) FROM visits WHERE id='%s' AND owner='A01' AND author='A02'", v2);
  assert_int_equal(fs_test_central_int(&w->d, sql), 1);
  printf("cover fence: a visit and an edit A02 made offline as A01's stand-in, uploaded after "
         "the cover ended, are kept (owner A01, author A02); a change made after A02 pulled the "
         "end is refused; a stand-in's visit uploaded in a departed rep's final upload is kept\n");
  fs_replica_close(a);
  fs_replica_close(b);
}

/* A stand-in's offline work on a covered rep's card, when the card leaves
 * the covered rep while the cover still runs (the covered rep departs):
 * made before the move, by someone who had the right to write it then, it
 * is admitted through the fence and lands with the successor (the random
 * test found such visits refused, then gone with the card's eviction). */
static void test_cover_card_moved_during_cover(void **state) {
  world *w = *state;
  fs_replica *a = fs_test_enroll(&w->d, w->tmp, "A01", "a01"),
             *b = fs_test_enroll(&w->d, w->tmp, "A02", "a02");
  char c[33], v[33], today[16], sql[400];
  char *out;
  fs_sync_stats st;

  fs_test_create_customer(a, "Covered Card", "A", c);
  fs_test_sync_ok(a, NULL);
  fs_test_day(today, 0);
  out = fs_test_daemon_cmd(&w->d, NULL, "cover A01 --by A02 --from %s --to %s", today, today);
  free(out);
  fs_test_sweep_until(&w->d, "SELECT count(*) FROM covers WHERE state=1", 1, 1);
  fs_test_sync_ok(b, NULL);
  assert_int_equal(fs_test_replica_int(
                       w->tmp, "a02", "SELECT count(*) FROM customers WHERE owner='A01'"),
                   1);
  /* Offline at the customer's, then A01 leaves while the cover runs. */
  log_visit(b, c, "2026-11-24T10:00", "visit as stand-in before the departure", v);
  out = fs_test_daemon_cmd(&w->d, NULL, "depart --yes A01 --successor M01 --reason 'left'");
  free(out);
  memset(&st, 0, sizeof(st));
  fs_test_sync_ok(b, &st);
  assert_int_equal(st.rejected, 0);
  snprintf(sql, sizeof(sql),
           "SELECT count(*) FROM visits WHERE id='%s' AND owner='M01' AND author='A02'", v);
  assert_int_equal(fs_test_central_int(&w->d, sql), 1);
  assert_int_equal(fs_test_central_int(
                       &w->d, "SELECT count(*) FROM audit WHERE action='fence.arrived' "
                              "AND staff='A02'"),
                   1);
  /* The card has left the stand-in's phone. */
  assert_int_equal(all_kinds(w, "a02", "owner IN ('A01','M01')"), 0);
  fs_replica_close(a);
  fs_replica_close(b);
}

/* A record delivered to a stand-in through a cover, then moved from the
 * absent rep to someone else while the stand-in is offline: after the
 * cover ends, the stand-in must not keep it. */
static void test_cover_then_transfer(void **state) {
  world *w = *state;
  fs_replica *a = fs_test_enroll(&w->d, w->tmp, "A01", "a01"),
             *b = fs_test_enroll(&w->d, w->tmp, "A02", "a02");
  char x[33], y[33], z[33], today[16], yesterday[16], sql[300];
  char *out;
  long long held;

  fs_test_create_customer(a, "Moves To B01", "A", x);
  fs_test_create_customer(a, "Stays With A01", "B", y);
  fs_test_sync_ok(a, NULL);
  fs_test_day(today, 0);
  fs_test_day(yesterday, -1);
  out = fs_test_daemon_cmd(&w->d, NULL, "cover A01 --by A02 --from %s --to %s", today, today);
  free(out);
  fs_test_sync_ok(b, NULL);
  assert_int_equal(fs_test_replica_int(
                       w->tmp, "a02", "SELECT count(*) FROM customers WHERE owner='A01'"),
                   2);
  /* During the cover A01 opens a card Z: A02 gets it through A01's
   * audience (no journal entry of A02's own). */
  fs_test_create_customer(a, "Opened During Cover", "C", z);
  fs_test_sync_ok(a, NULL);
  fs_test_sync_ok(b, NULL);
  snprintf(sql, sizeof(sql), "SELECT count(*) FROM customers WHERE id='%s'", z);
  assert_int_equal(fs_test_replica_int(w->tmp, "a02", sql), 1);
  out = fs_test_daemon_cmd(&w->d, NULL, "transfer --yes --from A01 --to B01 --customer %s", z);
  free(out);
  /* A02 is offline; X goes to B01 (another team); the cover ends. */
  out = fs_test_daemon_cmd(&w->d, NULL, "transfer --yes --from A01 --to B01 --customer %s", x);
  free(out);
  snprintf(sql, sizeof(sql), "UPDATE covers SET from_day='%s', to_day='%s'", yesterday,
           yesterday);
  fs_test_central_exec(&w->d, sql);
  fs_test_sweep_until(&w->d, "SELECT count(*) FROM covers WHERE state=2", 1, 1);
  fs_test_sync_ok(b, NULL);
  snprintf(sql, sizeof(sql), "SELECT count(*) FROM customers WHERE id='%s'", y);
  assert_int_equal(fs_test_replica_int(w->tmp, "a02", sql), 0);
  snprintf(sql, sizeof(sql), "SELECT count(*) FROM customers WHERE id='%s'", z);
  assert_int_equal(fs_test_replica_int(w->tmp, "a02", sql), 0);
  snprintf(sql, sizeof(sql), "SELECT count(*) FROM customers WHERE id='%s'", x);
  held = fs_test_replica_int(w->tmp, "a02", sql);
  printf("cover+transfer: A02 covered A01 and got 2 cards; one moved to B01 while A02 was "
         "offline; after the cover ended A02 %s it (B01's card)\n",
         held ? "STILL HOLDS" : "no longer holds");
  fs_replica_close(a);
  fs_replica_close(b);
  /* A move evicts the card from every audience that could read it (the
   * stand-in's too, handover.c), not only from the old owner's: it must
   * not stay on the stand-in's device once the cover is over. */
  assert_int_equal(held, 0);
}

static void test_lend(void **state) {
  world *w = *state;
  fs_replica *a = fs_test_enroll(&w->d, w->tmp, "A01", "a01"),
             *b = fs_test_enroll(&w->d, w->tmp, "A02", "a02");
  char c[2][33], sql[400];
  char *out, *audit;
  fs_sync_stats st;
  uint64_t pending = 0, rejected = 0;

  fs_test_create_customer(a, "Loaned Card 借阅", "A", c[0]);
  fs_test_create_customer(a, "Not Loaned", "B", c[1]);
  log_visit(a, c[0], "2026-11-20T10:00", "visit", NULL);
  add_contact(a, c[0], "刘总");
  fs_test_sync_ok(a, NULL);
  fs_test_sync_ok(b, NULL);
  out = fs_test_daemon_cmd(&w->d, NULL, "lend %s --to A02 --days 1", c[0]);
  assert_non_null(strstr(out, "read-only"));
  free(out);
  fs_test_sync_ok(b, &st);
  /* The card and its children arrive, nothing else of A01's. */
  snprintf(sql, sizeof(sql), "SELECT count(*) FROM customers WHERE id='%s'", c[0]);
  assert_int_equal(fs_test_replica_int(w->tmp, "a02", sql), 1);
  assert_int_equal(fs_test_replica_int(w->tmp, "a02", "SELECT count(*) FROM customers"),
                   1);
  assert_int_equal(fs_test_replica_int(w->tmp, "a02", "SELECT count(*) FROM visits"), 1);
  assert_int_equal(fs_test_replica_int(w->tmp, "a02", "SELECT count(*) FROM contacts"),
                   1);
  assert_int_equal(
      fs_test_replica_int(w->tmp, "a02", "SELECT count(*) FROM grade_changes"), 1);
  /* Every delivery is recorded (the writer records it asynchronously). */
  fs_test_central_wait(&w->d, "SELECT count(*) FROM loan_reads", 1, 1);
  assert_true(fs_test_central_int(
                  &w->d, "SELECT count(*) FROM loan_reads r JOIN loans l ON "
                         "l.id=r.loan_id WHERE l.staff='A02' AND record_count>=1") >= 1);
  /* Read-only: the library refuses; an injected change is rejected by the
   * daemon and kept as rejected. */
  assert_int_not_equal(try_set_field(b, c[0], "phone", "000"), 0);
  inject_field(b, c[0], "A01", "A02", "borrower was here");
  fs_test_sync_ok(b, &st);
  assert_int_equal(st.rejected, 1);
  assert_int_equal(fs_outbox_count(b, &pending, &rejected), 0);
  assert_int_equal(rejected, 1);
  assert_int_equal(pending, 0);
  assert_int_equal(
      fs_test_replica_int(w->tmp, "a02",
                          "SELECT count(*) FROM outbox WHERE status='rejected' "
                          "AND reason LIKE '%read-only%'"),
      1);
  {
    long long code = fs_test_replica_int(
        w->tmp, "a02", "SELECT code FROM outbox WHERE status='rejected'");
    assert_true(code == FS_EREADONLY || code == -FS_EREADONLY);
  }
  assert_int_equal(fs_test_central_int(
                       &w->d, "SELECT count(*) FROM customers WHERE name='borrower was "
                              "here'"),
                   0);
  /* The loan ends. */
  fs_test_central_exec(&w->d, "UPDATE loans SET until=1000");
  fs_test_sweep_until(&w->d, "SELECT count(*) FROM loans WHERE ended=1", 1, 1);
  fs_test_sync_ok(b, &st);
  assert_int_equal(all_kinds(w, "a02", "1"), 0);
  audit = fs_test_daemon_cmd(&w->d, NULL, "audit --customer %s", c[0]);
  assert_non_null(strstr(audit, "loan"));
  assert_non_null(strstr(audit, "loan.end"));
  free(audit);
  printf("lend: A01's card lent to A02 for 1 day arrived with visit, contact and grade entry; "
         "the delivery is in loan_reads; an injected write was rejected (read-only) and kept; "
         "after the loan ended the card left A02's replica; audit names loan and loan.end\n");
  fs_replica_close(a);
  fs_replica_close(b);
}

static void test_revoke(void **state) {
  world *w = *state;
  fs_replica *d1 = fs_test_enroll(&w->d, w->tmp, "A01", "a01"),
             *d2 = fs_test_enroll(&w->d, w->tmp, "A01", "a01b"), *again;
  char c[33], lost[33], err[512];
  long long id1, id2;
  char *out;
  fs_sync_stats st;
  int rc;

  fs_test_create_customer(d1, "Known Card", "A", c);
  fs_test_sync_ok(d1, NULL);
  fs_test_sync_ok(d2, NULL);
  id1 = fs_test_central_int(&w->d, "SELECT min(id) FROM devices WHERE staff='A01'");
  id2 = fs_test_central_int(&w->d, "SELECT max(id) FROM devices WHERE staff='A01'");
  assert_true(id1 > 0 && id2 > id1);
  /* Plain revoke: refused at the handshake, nothing wiped. */
  out = fs_test_daemon_cmd(&w->d, NULL, "revoke %lld", id1);
  free(out);
  memset(&st, 0, sizeof(st));
  rc = sync_rc(d1, &st, err, sizeof(err));
  assert_int_equal(rc, FS_EREVOKED);
  assert_int_equal(st.wiped, 0);
  assert_int_equal(st.pushed, 0);
  /* revoke --wipe with a pending outbox: it uploads once, into quarantine. */
  fs_test_create_customer(d2, "Phone Lost With This", "B", lost);
  log_visit(d2, c, "2026-11-22T08:00", "unsynced visit", NULL);
  out = fs_test_daemon_cmd(&w->d, NULL, "revoke %lld --wipe", id2);
  free(out);
  fs_replica_close(d2);
  copy_dir(w, "a01b", "a01b_backup");
  d2 = reopen(w, "a01b");
  memset(&st, 0, sizeof(st));
  rc = sync_rc(d2, &st, err, sizeof(err));
  assert_int_equal(rc, FS_EREVOKED);
  assert_int_equal(st.wiped, 1);
  assert_int_equal(st.pushed, 3); /* card, its grade entry, the visit */
  {
    char sql[200];
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM quarantine WHERE device_id=%lld AND "
                               "status='pending'",
             id2);
    assert_int_equal(fs_test_central_int(&w->d, sql), 3);
  }
  assert_int_equal(
      fs_test_central_int(&w->d,
                          "SELECT count(*) FROM customers WHERE name='Phone Lost With "
                          "This'"),
      0);
  assert_int_equal(fs_test_central_int(&w->d, "SELECT count(*) FROM visits"), 0);
  assert_int_equal(all_kinds(w, "a01b", "1"), 0);
  /* Then refused. */
  again = reopen(w, "a01b_backup");
  rc = sync_rc(again, &st, err, sizeof(err));
  assert_int_equal(rc, FS_EREVOKED);
  out = fs_test_daemon_cmd(&w->d, NULL, "quarantine");
  assert_true(strlen(out) > 0);
  free(out);
  out = fs_test_daemon_cmd(&w->d, NULL, "audit");
  assert_non_null(strstr(out, "device.revoke"));
  assert_non_null(strstr(out, "device.revoke.wipe"));
  assert_non_null(strstr(out, "device.wiped"));
  free(out);
  printf("revoke: revoked device refused (FS_EREVOKED, not wiped); revoke --wipe: the phone's "
         "3 pending changes went to quarantine (not the store), its replica was erased, and "
         "its backup is refused; audit names both revocations and the wipe\n");
  fs_replica_close(again);
  fs_replica_close(d1);
  fs_replica_close(d2);
}

/* Every rep replica holds only what its owner may see; a manager's holds
 * exactly the team's. */
static void check_visibility(world *w) {
  assert_int_equal(all_kinds(w, "a01", "owner<>'A01'"), 0);
  assert_int_equal(all_kinds(w, "a02", "owner<>'A02'"), 0);
  assert_int_equal(all_kinds(w, "b01", "owner<>'B01'"), 0);
  assert_int_equal(all_kinds(w, "m02", "owner NOT IN ('M02','B01')"), 0);
  assert_int_equal(all_kinds(w, "m01", "owner NOT IN ('M01','A01','A02')"), 0);
  assert_int_equal(all_kinds(w, "m01", "1"),
                   all_kinds(w, NULL, "owner IN ('M01','A01','A02')"));
  assert_int_equal(all_kinds(w, "m02", "1"),
                   all_kinds(w, NULL, "owner IN ('M02','B01')"));
  assert_int_equal(all_kinds(w, "a01", "1"), all_kinds(w, NULL, "owner='A01'"));
  assert_int_equal(all_kinds(w, "a02", "1"), all_kinds(w, NULL, "owner='A02'"));
}

static void test_visibility(void **state) {
  world *w = *state;
  fs_replica *r[5];
  static const char *const staff[5] = {"A01", "A02", "B01", "M01", "M02"};
  static const char *const dirs[5] = {"a01", "a02", "b01", "m01", "m02"};
  char c[3][33], x[33], today[16], yesterday[16], sql[300];
  char *out;

  for (int i = 0; i < 5; i++)
    r[i] = fs_test_enroll(&w->d, w->tmp, staff[i], dirs[i]);
  fs_test_create_customer(r[0], "A01 one", "A", c[0]);
  fs_test_create_customer(r[0], "A01 two", "B", c[1]);
  log_visit(r[0], c[0], "2026-11-20T10:00", "v", NULL);
  fs_test_create_customer(r[1], "A02 one", "C", c[2]);
  fs_test_create_customer(r[2], "B01 one", "A", x);
  add_contact(r[2], x, "B contact");
  for (int i = 0; i < 5; i++)
    fs_test_sync_ok(r[i], NULL);
  check_visibility(w);
  /* Transfer, cover, loan, and their ends. */
  out = fs_test_daemon_cmd(&w->d, NULL, "transfer --yes --from A01 --to A02 --customer %s", c[1]);
  free(out);
  fs_test_day(today, 0);
  fs_test_day(yesterday, -1);
  out = fs_test_daemon_cmd(&w->d, NULL, "cover B01 --by A01 --from %s --to %s", today, today);
  free(out);
  out = fs_test_daemon_cmd(&w->d, NULL, "lend %s --to A02 --days 2", x);
  free(out);
  for (int i = 0; i < 5; i++)
    fs_test_sync_ok(r[i], NULL);
  /* While active: A01 sees B01's cards, A02 the loaned one. */
  assert_int_equal(fs_test_replica_int(
                       w->tmp, "a01", "SELECT count(*) FROM customers WHERE owner='B01'"),
                   1);
  assert_int_equal(fs_test_replica_int(
                       w->tmp, "a02", "SELECT count(*) FROM customers WHERE owner='B01'"),
                   1);
  assert_int_equal(fs_test_replica_int(w->tmp, "a02",
                                       "SELECT count(*) FROM contacts WHERE owner='B01'"),
                   1);
  /* M01's replica must not gain B01's records through its reps' access. */
  assert_int_equal(all_kinds(w, "m01", "owner='B01'"), 0);
  snprintf(sql, sizeof(sql), "UPDATE covers SET from_day='%s', to_day='%s'", yesterday,
           yesterday);
  fs_test_central_exec(&w->d, sql);
  fs_test_central_exec(&w->d, "UPDATE loans SET until=1000");
  fs_test_sweep_until(
      &w->d,
      "SELECT (SELECT count(*) FROM covers WHERE state=2) + (SELECT count(*) "
      "FROM loans WHERE ended=1)",
      1, 2);
  for (int i = 0; i < 5; i++)
    fs_test_sync_ok(r[i], NULL);
  check_visibility(w);
  assert_int_equal(fs_test_replica_int(w->tmp, "m01", "SELECT count(*) FROM customers"),
                   3);
  assert_int_equal(fs_test_replica_int(w->tmp, "m02", "SELECT count(*) FROM customers"),
                   1);
  assert_int_equal(fs_test_replica_int(w->tmp, "a02", "SELECT count(*) FROM customers"),
                   2);
  printf("visibility: after a transfer, a cover and a loan and their ends, every rep replica "
         "holds only its own records, each manager exactly the team's (row counts equal to "
         "the store's per owner, all 7 kinds)\n");
  for (int i = 0; i < 5; i++)
    fs_replica_close(r[i]);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_depart, setup, fs_test_world_teardown),
      cmocka_unit_test_setup_teardown(test_transfer, setup, fs_test_world_teardown),
      cmocka_unit_test_setup_teardown(test_cover, setup, fs_test_world_teardown),
      cmocka_unit_test_setup_teardown(test_cover_then_transfer, setup,
                                      fs_test_world_teardown),
      cmocka_unit_test_setup_teardown(test_cover_work_after_end, setup,
                                      fs_test_world_teardown),
      cmocka_unit_test_setup_teardown(test_cover_card_moved_during_cover, setup,
                                      fs_test_world_teardown),
      cmocka_unit_test_setup_teardown(test_lend, setup, fs_test_world_teardown),
      cmocka_unit_test_setup_teardown(test_revoke, setup, fs_test_world_teardown),
      cmocka_unit_test_setup_teardown(test_visibility, setup, fs_test_world_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
