/* test_daemon_privacy.c - issue 11, hole 8: deleted cards keep no content,
 * snapshots carry no deleted records, a person's data is exported and
 * erased across the store, its history and the replicas, and the history
 * is purged after history_days.
 *
 * A real fieldsyncd on 127.0.0.1 with real enrolled devices; the snapshot
 * and conflict parts drive the wire protocol directly (wiretest.h) with
 * genuine device keys.  The checks read central.db and replica.db as
 * files: every column of every table is searched for the person's bytes.
 */
#include "daemontest.h"
#include "wiretest.h"

#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "db.h"
#include "fs_errno.h"
#include "msg.h"
#include "store.h"

typedef fs_test_world world;

static int setup(void **state) {
  return fs_test_world_setup(state, "staff add M01 --name 'Manager' --role manager",
                             "staff add A01 --name '李明' --manager M01",
                             "staff add A02 --name 'Anna' --manager M01", NULL);
}

/* ---- helpers ------------------------------------------------------------ */

static char *central_path(world *w) {
  return fs_test_path(w->d.dir, "central.db");
}

static char *replica_path(world *w, const char *name) {
  char *dir = fs_test_path(w->tmp, name), *p = fs_test_path(dir, "replica.db");
  free(dir);
  return p;
}

/* One text value from sql (?1 = arg) on a database file; "" if no row. */
static void db_text(const char *path, const char *sql, const char *arg, char *out,
                    size_t len) {
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;

  out[0] = '\0';
  assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
  if (arg)
    sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
  if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
    snprintf(out, len, "%s", sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  sqlite3_close(db);
}

/* Rows, over every column of every table of the database file, whose bytes
 * contain needle (text and blobs alike).  Names the first hit in *where. */
static long long count_bytes(const char *path, const char *needle, char *where,
                             size_t wlen) {
  sqlite3 *db = NULL;
  sqlite3_stmt *tabs = NULL;
  long long total = 0;

  if (where)
    where[0] = '\0';
  assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  assert_int_equal(
      sqlite3_prepare_v2(db,
                         "SELECT name FROM sqlite_master WHERE type='table' AND "
                         "name NOT LIKE 'sqlite_%'",
                         -1, &tabs, NULL),
      SQLITE_OK);
  while (sqlite3_step(tabs) == SQLITE_ROW) {
    char table[128], sql[512];
    sqlite3_stmt *cols = NULL;
    snprintf(table, sizeof(table), "%s", sqlite3_column_text(tabs, 0));
    snprintf(sql, sizeof(sql), "SELECT name FROM pragma_table_info('%s')", table);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &cols, NULL), SQLITE_OK);
    while (sqlite3_step(cols) == SQLITE_ROW) {
      sqlite3_stmt *st = NULL;
      char col[128];
      long long n = 0;
      snprintf(col, sizeof(col), "%s", sqlite3_column_text(cols, 0));
      snprintf(sql, sizeof(sql),
               "SELECT count(*) FROM \"%s\" WHERE instr(CAST(\"%s\" AS BLOB), CAST(?1 AS "
               "BLOB))>0",
               table, col);
      assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
      sqlite3_bind_text(st, 1, needle, -1, SQLITE_STATIC);
      if (sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
      sqlite3_finalize(st);
      if (n && where && where[0] == '\0')
        snprintf(where, wlen, "%s.%s", table, col);
      total += n;
    }
    sqlite3_finalize(cols);
  }
  sqlite3_finalize(tabs);
  sqlite3_close(db);
  return total;
}

/* Asserts that no needle is anywhere in the database file. */
static void assert_nowhere(const char *path, const char *const *needles) {
  for (int i = 0; needles[i]; i++) {
    char where[300];
    long long n = count_bytes(path, needles[i], where, sizeof(where));
    if (n)
      fail_msg("%s: \"%s\" still in %lld row(s), first in %s", path, needles[i], n,
               where);
  }
}

/* The record as central.db holds it; asserts it is a tombstone that keeps
 * only what sync needs (its key fields), no content. */
static void assert_central_tombstone(world *w, fs_kind k, const char *id) {
  const fs_kind_def *kd = fs__kind_def(k);
  char *p = central_path(w);
  sqlite3 *db = NULL;
  fs_row row;

  memset(&row, 0, sizeof(row));
  assert_int_equal(sqlite3_open_v2(p, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  assert_int_equal(fs__store_get(db, k, id, &row), 0);
  assert_int_equal(row.deleted, 1);
  for (int f = 0; f < row.nfields; f++)
    if (!fs__field_kept_on_tombstone(kd, f) && row.values[f].type != FS_V_NULL)
      fail_msg("deleted %s %s still holds %s", kd->name, id, kd->fields[f].name);
  assert_true(row.hlc > 0);
  fs__row_release(&row);
  fs__db_close(db);
  free(p);
}

static void create_contact(fs_replica *r, const char *cust, const char *name,
                           const char *phone, const char *notes, char id[33]) {
  fs_record *rec = NULL;
  assert_int_equal(fs_record_new("contact", &rec), 0);
  assert_int_equal(fs_record_set(rec, "customer_id", cust), 0);
  assert_int_equal(fs_record_set(rec, "name", name), 0);
  if (phone)
    assert_int_equal(fs_record_set(rec, "phone", phone), 0);
  if (notes)
    assert_int_equal(fs_record_set(rec, "notes", notes), 0);
  if (fs_create(r, rec, id) != 0)
    fail_msg("contact: %s", fs_replica_last_error(r));
  fs_record_free(rec);
}

/* Live records of owner in central.db, not counting the child records of
 * deleted cards. */
static long long live_rows_of(world *w, const char *owner) {
  char sql[4096];
  size_t at = (size_t)snprintf(sql, sizeof(sql), "SELECT 0");
  for (int k = 0; k < FS_KIND__COUNT; k++) {
    const fs_kind_def *kd = fs__kind_def((fs_kind)k);
    at += (size_t)snprintf(
        sql + at, sizeof(sql) - at,
        " + (SELECT count(*) FROM \"%s\" WHERE deleted=0 AND owner='%s'%s)", kd->table,
        owner,
        (kd->flags & FS_K_CHILD) ? " AND customer_id IN (SELECT id FROM "
                                   "customers WHERE deleted=0)"
                                 : "");
  }
  return fs_test_central_int(&w->d, sql);
}

/* Device tmp/name pushes, on the wire, one edit of the card's name and
 * phone stamped hlc; returns the outcome (the push must be answered). */
static int push_edit(world *w, const char *name, const char *cust, uint64_t hlc,
                     const char *n, const char *phone) {
  fs_wire_dev h;
  fs_change ch;
  int oc[1] = {0}, codes[1] = {0};

  fs_wire_load(&h, w->tmp, name);
  assert_int_equal(fs_wire_open(&h, NULL), 0);
  fs_wire_change_init(&ch, FS_KIND_CUSTOMER, cust, "A01", 1, hlc);
  fs_wire_change_set(&ch, "name", n);
  fs_wire_change_set(&ch, "phone", phone);
  assert_int_equal(fs_wire_push(&h, &ch, 1, 0, oc, codes, NULL), 0);
  assert_int_equal(codes[0], 0);
  fs_wire_change_release(&ch);
  fs_wire_free(&h);
  return oc[0];
}

/* ---- 1. a delete clears the content, in the store and on the devices ---- */

#define TOMB_NAME "张三丰 TOMBTEST"
#define TOMB_PHONE "13900007777"

static void test_delete_clears_content(void **state) {
  world *w = *state;
  fs_replica *a = fs_test_enroll(&w->d, w->tmp, "A01", "a01");
  fs_replica *b = fs_test_enroll(&w->d, w->tmp, "A01", "a01b");
  static const char *const needles[] = {"TOMBTEST", TOMB_PHONE, "13900001234", NULL};
  char id[33], other[33], cid[33], sql[256], cursor[32], *rp;
  fs_wire_dev h;
  fs_wire_page page;
  int seen = 0;

  fs_test_create_customer(a, TOMB_NAME, "A", id);
  fs_test_set_field(a, id, "phone", TOMB_PHONE);
  fs_test_set_field(a, id, "principal_traits", "likes tea; two children; TOMBTEST");
  create_contact(a, id, "李四 TOMBTEST", "13900006666", NULL, cid);
  fs_test_create_customer(a, "Stays Ltd", "B", other);
  fs_test_sync_ok(a, NULL);
  fs_test_sync_ok(b, NULL);
  snprintf(sql, sizeof(sql),
           "SELECT count(*) FROM customers WHERE id='%s' AND phone='%s'", id, TOMB_PHONE);
  assert_int_equal(fs_test_replica_int(w->tmp, "a01b", sql), 1);
  rp = replica_path(w, "a01b");
  db_text(rp, "SELECT value FROM meta WHERE key='cursor'", NULL, cursor, sizeof(cursor));
  free(rp);

  /* a deletes the card and its contact: its own replica clears the
   * content at once (the same merge as the daemon's). */
  assert_int_equal(fs_delete(a, "contact", cid), 0);
  assert_int_equal(fs_delete(a, "customer", id), 0);
  snprintf(
      sql, sizeof(sql),
      "SELECT count(*) FROM customers WHERE id='%s' AND deleted=1 AND name IS NULL AND "
      "phone IS NULL AND principal_traits IS NULL",
      id);
  assert_int_equal(fs_test_replica_int(w->tmp, "a01", sql), 1);
  fs_test_sync_ok(a, NULL);

  /* central.db: tombstones, no content (archive number and parent kept). */
  assert_central_tombstone(w, FS_KIND_CUSTOMER, id);
  assert_central_tombstone(w, FS_KIND_CONTACT, cid);
  snprintf(
      sql, sizeof(sql),
      "SELECT count(*) FROM customers WHERE id='%s' AND deleted=1 AND name IS NULL AND "
      "phone IS NULL AND principal_traits IS NULL AND grade IS NULL AND archive_no IS "
      "NOT "
      "NULL",
      id);
  assert_int_equal(fs_test_central_int(&w->d, sql), 1);
  snprintf(sql, sizeof(sql),
           "SELECT count(*) FROM contacts WHERE id='%s' AND customer_id='%s'", cid, id);
  assert_int_equal(fs_test_central_int(&w->d, sql), 1);

  /* b held the card: an incremental pull from its cursor still carries
   * the tombstone (driven on the wire with b's key). */
  fs_wire_load(&h, w->tmp, "a01b");
  assert_int_equal(fs_wire_open(&h, NULL), 0);
  assert_int_equal(fs_wire_pull(&h, (uint64_t)strtoull(cursor, NULL, 10), &page), 0);
  for (uint32_t i = 0; i < page.ncust; i++)
    seen |= strcmp(page.cust[i], id) == 0;
  assert_true(seen);
  /* A late edit from b (which has not seen the delete), stamped after it,
   * loses and brings nothing back: not into the row, not into the
   * conflict log. */
  assert_int_equal(push_edit(w, "a01b", id, (fs_wire_now_ms() + 1000) << 16,
                             "RESURRECT TOMBTEST", "13900001234"),
                   FS_OUTCOME_SUPERSEDED);
  assert_central_tombstone(w, FS_KIND_CUSTOMER, id);
  snprintf(sql, sizeof(sql),
           "SELECT count(*) FROM conflicts WHERE record_id='%s' AND field='name' AND "
           "loser IS NULL",
           id);
  assert_int_equal(fs_test_central_int(&w->d, sql), 1);
  fs_wire_free(&h);
  /* ... and once b syncs, it holds none of the card's content. */
  fs_test_sync_ok(b, NULL);
  snprintf(sql, sizeof(sql),
           "SELECT count(*) FROM customers WHERE id='%s' AND name IS NOT NULL", id);
  assert_int_equal(fs_test_replica_int(w->tmp, "a01b", sql), 0);
  assert_int_equal(
      fs_test_replica_int(w->tmp, "a01b",
                          "SELECT count(*) FROM customers WHERE name='Stays Ltd'"),
      1);
  {
    /* No table of the central store holds a byte of it. */
    char *p = central_path(w);
    assert_nowhere(p, needles);
    free(p);
    rp = replica_path(w, "a01b");
    assert_nowhere(rp, needles);
    free(rp);
    rp = replica_path(w, "a01");
    assert_nowhere(rp, needles);
    free(rp);
  }
  printf(
      "delete: central.db keeps a tombstone without content; both devices hold no byte "
      "of the card\n");
  fs_replica_close(a);
  fs_replica_close(b);
}

/* ---- 2. a fresh device's snapshot carries no deleted record ------------ */

static void test_snapshot_has_no_tombstones(void **state) {
  world *w = *state;
  fs_replica *a = fs_test_enroll(&w->d, w->tmp, "A01", "a01"), *n;
  char id[33], other[33], sql[256];
  fs_wire_dev h;
  fs_wire_page page;
  long long live, head;

  fs_test_create_customer(a, TOMB_NAME, "A", id);
  fs_test_create_customer(a, "Stays Ltd", "B", other);
  fs_test_log_visit(a, other, "2026-01-05T10:00", "fleet of six", NULL);
  fs_test_sync_ok(a, NULL);
  assert_int_equal(fs_delete(a, "customer", id), 0);
  fs_test_sync_ok(a, NULL);

  /* A device enrolled after the delete pulls its snapshot from cursor 0. */
  n = fs_test_enroll(&w->d, w->tmp, "A01", "a01n");
  fs_replica_close(n);
  live = live_rows_of(w, "A01");
  head = fs_test_central_int(&w->d, "SELECT max(seq) FROM journal WHERE audience='A01'");
  assert_true(live >= 2); /* the other card and its visit (and grade log) */
  /* The deleted card's own grade log stays in the store (reports count
   * it) but belongs to no card a new device may hold. */
  snprintf(sql, sizeof(sql),
           "SELECT count(*) FROM grade_changes WHERE customer_id='%s' AND deleted=0", id);
  assert_true(fs_test_central_int(&w->d, sql) > 0);
  fs_wire_load(&h, w->tmp, "a01n");
  assert_int_equal(fs_wire_open(&h, NULL), 0);
  assert_int_equal(fs_wire_pull(&h, 0, &page), 0);
  assert_int_equal(page.error, 0);
  for (uint32_t i = 0; i < page.ncust; i++)
    assert_string_not_equal(page.cust[i], id);
  /* Only the live records: no tombstone row at all. */
  assert_int_equal(page.rows, live);
  assert_int_equal(page.evicted, 0);
  /* The cursor still moves past the tombstone's journal entry. */
  assert_int_equal(page.more, 0);
  assert_int_equal(page.cursor, head);
  fs_wire_free(&h);
  /* The real client on that device ends with the live records only. */
  n = NULL;
  {
    char *dir = fs_test_path(w->tmp, "a01n");
    assert_int_equal(fs_replica_open(dir, &n), 0);
    free(dir);
  }
  fs_test_sync_ok(n, NULL);
  snprintf(sql, sizeof(sql), "SELECT count(*) FROM customers WHERE id='%s'", id);
  assert_int_equal(fs_test_replica_int(w->tmp, "a01n", sql), 0);
  assert_int_equal(fs_test_replica_int(w->tmp, "a01n", "SELECT count(*) FROM customers"),
                   1);
  snprintf(sql, sizeof(sql), "SELECT count(*) FROM grade_changes WHERE customer_id='%s'",
           id);
  assert_int_equal(fs_test_replica_int(w->tmp, "a01n", sql), 0);
  printf("snapshot: a device enrolled after the delete got %u rows (the live ones), no "
         "tombstone, cursor %llu\n",
         page.rows, (unsigned long long)page.cursor);
  fs_replica_close(n);

  /* Incremental pulls never send a deleted card's child records as rows:
   * a cover delivers all of A01's records to A02, the orphaned grade log
   * of the deleted card goes out as an eviction. */
  {
    fs_replica *q = fs_test_enroll(&w->d, w->tmp, "A02", "a02");
    char today[16], *out;
    time_t t = time(NULL);
    struct tm tm;
    fs_test_create_customer(q, "Anna's own", "C", NULL);
    fs_test_sync_ok(q, NULL);
    gmtime_r(&t, &tm);
    strftime(today, sizeof(today), "%Y-%m-%d", &tm);
    out = fs_test_daemon_cmd(&w->d, NULL, "cover A01 --by A02 --from %s --to %s", today,
                             today);
    free(out);
    fs_test_sync_ok(q, NULL);
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM customers WHERE id='%s'", other);
    assert_int_equal(fs_test_replica_int(w->tmp, "a02", sql), 1);
    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM grade_changes WHERE customer_id='%s'", other);
    assert_true(fs_test_replica_int(w->tmp, "a02", sql) > 0);
    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM grade_changes WHERE customer_id='%s'", id);
    assert_int_equal(fs_test_replica_int(w->tmp, "a02", sql), 0);
    fs_replica_close(q);
  }
  printf(
      "cover: the stand-in's incremental pull got the live card's records, none of the "
      "deleted card's\n");
  fs_replica_close(a);
}

/* ---- 3, 4. a person's data: export and erase ---------------------------- */

#define P_NAME "张三丰 PIPLTEST"
#define P_PHONE "13900007771"
#define P_PHONE_B "13900007772"
#define P_PHONE_C "13900007773"
#define P_PHONE_K "13900007774"
#define P_PHONE_Q "13900007775"

typedef struct person {
  char cust[33], c1[33], c2[33], visit[33], other[33], other_visit[33];
  char archive[48];
} person;

/* The card with two contacts and a visit, a same-field conflict logged by
 * two of A01's devices (wire), a loan whose audit reason quotes the name,
 * and a quarantined upload of a contact's notes.  a01 holds the records
 * as they were before the conflict. */
static fs_replica *make_person(world *w, person *p) {
  fs_replica *a = fs_test_enroll(&w->d, w->tmp, "A01", "a01");
  fs_replica *b = fs_test_enroll(&w->d, w->tmp, "A01", "a01b");
  fs_replica *c = fs_test_enroll(&w->d, w->tmp, "A01", "a01c");
  char *cp = central_path(w), *out, sql[256];
  uint64_t hlc = (fs_wire_now_ms() + 1000) << 16;
  fs_change ch;

  fs_replica_close(b);
  fs_replica_close(c);
  fs_test_create_customer(a, P_NAME, "A", p->cust);
  fs_test_set_field(a, p->cust, "phone", P_PHONE);
  fs_test_set_field(a, p->cust, "principal_traits", "PIPLTEST: plays golf, two children");
  create_contact(a, p->cust, "李四 PIPLTEST", "13900006661", "family: wife Mei, PIPLTEST",
                 p->c1);
  create_contact(a, p->cust, "王五 PIPLTEST", "13900006662", NULL, p->c2);
  fs_test_log_visit(a, p->cust, "2026-01-05T10:00", "met 张三丰 PIPLTEST, call " P_PHONE,
                    p->visit);
  fs_test_create_customer(a, "Other Motors", "B", p->other);
  fs_test_log_visit(a, p->other, "2026-01-06T10:00", "fleet of six", p->other_visit);
  fs_test_sync_ok(a, NULL);

  /* Two devices edit name and phone concurrently: b's later clock wins,
   * c's value loses; both old and new values land in the conflict log. */
  assert_int_equal(push_edit(w, "a01b", p->cust, hlc + 2, P_NAME "-B", P_PHONE_B),
                   FS_OUTCOME_APPLIED);
  assert_int_equal(push_edit(w, "a01c", p->cust, hlc + 1, P_NAME "-C", P_PHONE_C),
                   FS_OUTCOME_SUPERSEDED);
  snprintf(sql, sizeof(sql),
           "SELECT count(*) FROM conflicts WHERE record_id='%s' AND "
           "(instr(loser, 'PIPLTEST') OR instr(loser, '1390000777'))",
           p->cust);
  assert_true(fs_test_central_int(&w->d, sql) >= 2);

  db_text(cp, "SELECT archive_no FROM customers WHERE id=?1", p->cust, p->archive,
          sizeof(p->archive));
  assert_true(p->archive[0] != '\0');
  /* An admin quotes the person in a reason. */
  out =
      fs_test_daemon_cmd(&w->d, NULL, "lend %s --to A02 --days 1 --reason 'asked by %s'",
                         p->archive, P_NAME "-B");
  free(out);

  /* A quarantined upload (a revoked phone's last changes) of a contact's
   * notes, put in with the daemon stopped. */
  fs_test_daemon_kill(&w->d, SIGTERM);
  {
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    fs_buf buf;
    fs_wire_change_init(&ch, FS_KIND_CONTACT, p->c1, "A01", 7, 0);
    fs_wire_change_set(&ch, "notes", "PIPLTEST new mobile " P_PHONE_Q);
    fs__buf_init(&buf, FS_MSG_MAX_BYTES);
    assert_int_equal(fs__change_encode(&ch, &buf), 0);
    assert_int_equal(sqlite3_open(cp, &db), SQLITE_OK);
    assert_int_equal(
        sqlite3_prepare_v2(db,
                           "INSERT INTO quarantine(device_id, counter, payload, "
                           "at, status) VALUES(1, 7, ?1, ?2, 'pending')",
                           -1, &st, NULL),
        SQLITE_OK);
    sqlite3_bind_blob(st, 1, buf.data, (int)buf.len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)fs_wire_now_ms());
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
    sqlite3_close(db);
    fs__buf_release(&buf);
    fs_wire_change_release(&ch);
  }
  fs_test_daemon_serve(&w->d);
  free(cp);
  return a;
}

static void test_person_export(void **state) {
  world *w = *state;
  person p;
  fs_replica *a = make_person(w, &p);
  char *out;

  out = fs_test_daemon_cmd(&w->d, NULL, "person export --customer %s", p.archive);
  /* The card, both contacts, the visit's notes, the history and the
   * quarantined upload, as JSON. */
  assert_true(out[0] == '{');
  assert_non_null(strstr(out, "\"customer_id\":\""));
  assert_non_null(strstr(out, P_NAME "-B"));
  assert_non_null(strstr(out, P_PHONE_B));
  assert_non_null(strstr(out, "plays golf"));
  assert_non_null(strstr(out, "李四 PIPLTEST"));
  assert_non_null(strstr(out, "family: wife Mei"));
  assert_non_null(strstr(out, "王五 PIPLTEST"));
  assert_non_null(strstr(out, "met 张三丰 PIPLTEST"));
  assert_non_null(strstr(out, P_PHONE_C)); /* a value only the history holds */
  assert_non_null(strstr(out, P_PHONE_Q)); /* only in the quarantine */
  assert_null(strstr(out, "Other Motors"));
  assert_null(strstr(out, "fleet of six"));
  free(out);
  /* One contact only. */
  out = fs_test_daemon_cmd(&w->d, NULL, "--json person export --customer %s --contact %s",
                           p.cust, p.c2);
  assert_non_null(strstr(out, "王五 PIPLTEST"));
  assert_null(strstr(out, "李四"));
  assert_null(strstr(out, "plays golf"));
  free(out);
  {
    int status = 0;
    out = fs_test_daemon_cmd(&w->d, &status, "person export --customer A01-2099-9999");
    assert_int_not_equal(status, 0);
    free(out);
  }
  printf(
      "export: the card, its contacts, the visit's notes and the values in history and "
      "quarantine printed as JSON\n");
  fs_replica_close(a);
}

static void test_person_erase_everywhere(void **state) {
  world *w = *state;
  static const char *const needles[] = {
      "PIPLTEST", "张三丰",      P_PHONE,      P_PHONE_B,  P_PHONE_C,
      P_PHONE_Q,  "13900006661", "plays golf", "wife Mei", NULL};
  person p;
  fs_replica *a = make_person(w, &p);
  char *cp = central_path(w), *rp = replica_path(w, "a01"), *out, sql[256];
  long long before = count_bytes(cp, "PIPLTEST", NULL, 0);
  fs_sync_stats st;

  assert_true(before > 0);
  /* A dry run changes nothing. */
  out =
      fs_test_daemon_cmd(&w->d, NULL, "person erase --customer %s --dry-run", p.archive);
  assert_non_null(strstr(out, "dry run"));
  free(out);
  assert_int_equal(count_bytes(cp, "PIPLTEST", NULL, 0), before);

  out = fs_test_daemon_cmd(
      &w->d, NULL, "person erase --customer %s --reason 'PIPL request 42'", p.archive);
  assert_non_null(strstr(out, "erased customer"));
  free(out);
  /* Not one byte of the person in any table of central.db. */
  assert_nowhere(cp, needles);
  /* The card and contacts are tombstones; the visit stays (reports count
   * it), its notes are gone; the other customer is untouched. */
  assert_central_tombstone(w, FS_KIND_CUSTOMER, p.cust);
  assert_central_tombstone(w, FS_KIND_CONTACT, p.c1);
  assert_central_tombstone(w, FS_KIND_CONTACT, p.c2);
  snprintf(
      sql, sizeof(sql),
      "SELECT count(*) FROM visits WHERE id='%s' AND deleted=0 AND points IS NULL AND "
      "method='in_person' AND \"at\"='2026-01-05T10:00:00'",
      p.visit);
  assert_int_equal(fs_test_central_int(&w->d, sql), 1);
  snprintf(sql, sizeof(sql),
           "SELECT count(*) FROM visits WHERE id='%s' AND points='fleet of six'",
           p.other_visit);
  assert_int_equal(fs_test_central_int(&w->d, sql), 1);
  /* History rows stay as counts, without values. */
  snprintf(sql, sizeof(sql), "SELECT count(*) FROM conflicts WHERE record_id='%s'",
           p.cust);
  assert_true(fs_test_central_int(&w->d, sql) >= 2);
  assert_int_equal(fs_test_central_int(&w->d, "SELECT count(*) FROM quarantine WHERE "
                                              "status='erased' AND payload IS NULL"),
                   1);
  /* Audited: who, which record, counts; the reason that quoted the name
   * is scrubbed. */
  out = fs_test_daemon_cmd(&w->d, NULL, "audit --customer %s", p.cust);
  assert_non_null(strstr(out, "person.erase"));
  assert_non_null(strstr(out, "PIPL request 42"));
  assert_non_null(strstr(out, "asked by [erased]"));
  free(out);

  /* The device that held the card clears it at its next sync. */
  fs_test_sync_ok(a, &st);
  assert_nowhere(rp, needles);
  assert_int_equal(fs_test_replica_int(w->tmp, "a01", "SELECT count(*) FROM customers"),
                   1);
  printf(
      "erase: no byte of the person in any table of central.db or of the replica after "
      "its sync (%llu pulled); the visit still counts\n",
      (unsigned long long)st.pulled);
  free(cp);
  free(rp);
  fs_replica_close(a);
}

/* ---- 5. the history is purged after history_days ------------------------- */

static void test_history_purge(void **state) {
  world *w = *state;
  char *cp = central_path(w), *conf = fs_test_path(w->d.dir, "fieldsyncd.conf");
  long long now = (long long)fs_wire_now_ms(), old = now - 3LL * 86400000;
  char sql[1024];
  FILE *f;
  sqlite3 *db = NULL;

  fs_test_daemon_kill(&w->d, SIGTERM);
  f = fopen(conf, "a");
  assert_non_null(f);
  fprintf(f, "\nhistory_days = 2\n");
  fclose(f);
  assert_int_equal(sqlite3_open(cp, &db), SQLITE_OK);
  snprintf(sql, sizeof(sql),
           "INSERT INTO conflicts(seq, kind, record_id, field, loser, winner, at, owner) "
           "VALUES(1, 'customer', 'x', 'name', 'OLDVALUE', 'NEW', %lld, 'A01'), "
           "(2, 'customer', 'y', 'name', 'FRESHVALUE', 'NEW', %lld, 'A01');"
           "INSERT INTO quarantine(device_id, counter, payload, at) VALUES(1, 1, x'00', "
           "%lld), "
           "(1, 2, x'01', %lld);"
           "INSERT INTO handovers(at, kind, report, dry_run) VALUES(%lld, 'transfer', "
           "'OLDREPORT', 0), (%lld, 'transfer', 'FRESHREPORT', 0);",
           old, now, old, now, old, now);
  assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close(db);
  /* The hourly GC runs once when the daemon starts. */
  fs_test_daemon_serve(&w->d);
  assert_int_equal(
      fs_test_central_wait(&w->d, "SELECT count(*) FROM conflicts WHERE loser='OLDVALUE'",
                           0, 0),
      0);
  assert_int_equal(fs_test_central_int(&w->d, "SELECT count(*) FROM conflicts WHERE "
                                              "loser='FRESHVALUE'"),
                   1);
  assert_int_equal(fs_test_central_int(&w->d, "SELECT count(*) FROM quarantine"), 1);
  assert_int_equal(
      fs_test_central_int(&w->d, "SELECT count(*) FROM quarantine WHERE counter=2"), 1);
  assert_int_equal(fs_test_central_int(&w->d, "SELECT count(*) FROM handovers WHERE "
                                              "report IS NULL"),
                   1);
  assert_int_equal(fs_test_central_int(&w->d, "SELECT count(*) FROM handovers WHERE "
                                              "report='FRESHREPORT'"),
                   1);
  assert_int_equal(
      count_bytes(cp, "OLDVALUE", NULL, 0) + count_bytes(cp, "OLDREPORT", NULL, 0), 0);
  printf(
      "retention: history older than history_days (conflict values, quarantined uploads, "
      "handover report texts) purged by the hourly GC; newer history kept\n");
  free(conf);
  free(cp);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_delete_clears_content, setup,
                                      fs_test_world_teardown),
      cmocka_unit_test_setup_teardown(test_snapshot_has_no_tombstones, setup,
                                      fs_test_world_teardown),
      cmocka_unit_test_setup_teardown(test_person_export, setup, fs_test_world_teardown),
      cmocka_unit_test_setup_teardown(test_person_erase_everywhere, setup,
                                      fs_test_world_teardown),
      cmocka_unit_test_setup_teardown(test_history_purge, setup, fs_test_world_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
