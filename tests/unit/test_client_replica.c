/* test_client_replica.c - libfieldsync: records, the write path, outbox,
 * crash safety and the sync internals. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "db.h"
#include "fieldsync.h"
#include "id.h"
#include "outbox.h"
#include "replica.h"

typedef struct fx {
  char *dir;
  fs_replica *r;
} fx;

static fs_identity ident(const char *staff, int slot) {
  fs_identity id;
  memset(&id, 0, sizeof(id));
  snprintf(id.staff, sizeof(id.staff), "%s", staff);
  id.role = FS_ROLE_REP;
  id.device_id = 7;
  id.slot = slot;
  return id;
}

static int setup(void **state) {
  fx *f = calloc(1, sizeof(*f));
  fs_identity id = ident("A01", 1);

  assert_non_null(f);
  f->dir = fs_test_tmpdir();
  assert_int_equal(fs_replica_init(f->dir, &id, &f->r), 0);
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fx *f = *state;
  fs_replica_close(f->r);
  fs_test_rmdir(f->dir);
  free(f);
  return 0;
}

static long long count_sql(fs_replica *r, const char *sql) {
  sqlite3_stmt *st = NULL;
  long long n = -1;

  assert_int_equal(sqlite3_prepare_v2(fs__replica_db(r), sql, -1, &st, NULL), SQLITE_OK);
  if (sqlite3_step(st) == SQLITE_ROW)
    n = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return n;
}

static uint64_t pending(fs_replica *r) {
  uint64_t p = 0, rej = 0;
  assert_int_equal(fs_outbox_count(r, &p, &rej), 0);
  return p;
}

/* Creates a customer; returns its id in id. */
static void add_customer(fs_replica *r, const char *name, const char *grade, char id[33]) {
  fs_record *rec = NULL;
  assert_int_equal(fs_record_new("customer", &rec), 0);
  assert_int_equal(fs_record_set(rec, "name", name), 0);
  assert_int_equal(fs_record_set(rec, "grade", grade), 0);
  assert_int_equal(fs_create(r, rec, id), 0);
  fs_record_free(rec);
}

static int count_cb(void *arg, fs_record *rec) {
  (void)rec;
  (*(int *)arg)++;
  return 0;
}

static int list_count(fs_replica *r, const char *kind, const fs_query *q) {
  int n = 0;
  assert_int_equal(fs_list(r, kind, q, count_cb, &n), 0);
  return n;
}

/* ---- tests ------------------------------------------------------------------- */

static void test_open_requires_identity(void **state) {
  fx *f = *state;
  char *other = fs_test_tmpdir();
  fs_identity id = ident("B02", 1);
  fs_replica *r = (fs_replica *)1;

  assert_int_equal(fs_replica_open(other, &r), FS_ENOTENROLLED);
  assert_null(r);
  /* Same identity again: fine; another one: refused. */
  id = ident("A01", 1);
  assert_int_equal(fs_replica_init(f->dir, &id, NULL), 0);
  id = ident("B02", 1);
  assert_int_equal(fs_replica_init(f->dir, &id, NULL), FS_EEXIST);
  id = ident("bad", 1);
  assert_int_equal(fs_replica_init(other, &id, NULL), FS_EVALIDATE);
  id = ident("A01", 65);
  assert_int_equal(fs_replica_init(other, &id, NULL), FS_EVALIDATE);
  fs_test_rmdir(other);
}

static void test_customer_crud(void **state) {
  fx *f = *state;
  fs_record *rec = NULL, *got = NULL;
  char id[33];
  fs_query q;

  add_customer(f->r, "Acme Trading", "B", id);
  assert_int_equal(fs_get(f->r, "customer", id, &got), 0);
  assert_string_equal(fs_record_get(got, "name"), "Acme Trading");
  assert_string_equal(fs_record_get(got, "grade"), "B");
  assert_string_equal(fs_record_owner(got), "A01");
  assert_string_equal(fs_record_author(got), "A01");
  assert_non_null(fs_record_get(got, "created"));
  assert_null(fs_record_get(got, "phone"));
  fs_record_free(got);

  assert_int_equal(fs_record_new("customer", &rec), 0);
  assert_int_equal(fs_record_set(rec, "phone", "+86 21 5555 0101"), 0);
  assert_int_equal(fs_record_set(rec, "revenue", "125000"), 0);
  assert_int_equal(fs_record_set(rec, "key_account", "yes"), 0);
  /* Issue 14 (access_rules.h K1): key_account is the manager's. */
  assert_int_equal(fs_update(f->r, "customer", id, rec), FS_EFORBIDDEN);
  fs_record_free(rec);
  assert_int_equal(fs_record_new("customer", &rec), 0);
  assert_int_equal(fs_record_set(rec, "phone", "+86 21 5555 0101"), 0);
  assert_int_equal(fs_record_set(rec, "revenue", "125000"), 0);
  assert_int_equal(fs_record_set(rec, "key_account", "no"), 0); /* what it holds: fine */
  assert_int_equal(fs_update(f->r, "customer", id, rec), 0);
  fs_record_free(rec);
  assert_int_equal(fs_get(f->r, "customer", id, &got), 0);
  assert_string_equal(fs_record_get(got, "phone"), "+86 21 5555 0101");
  assert_string_equal(fs_record_get(got, "revenue"), "125000.00"); /* currency units */
  assert_string_equal(fs_record_get(got, "key_account"), "no");
  fs_record_free(got);

  memset(&q, 0, sizeof(q));
  q.search = "5555";
  assert_int_equal(list_count(f->r, "customer", &q), 1);
  q.search = "nomatch";
  assert_int_equal(list_count(f->r, "customer", &q), 0);
  memset(&q, 0, sizeof(q));
  q.grade = "B";
  assert_int_equal(list_count(f->r, "customer", &q), 1);
  q.grade = "A";
  assert_int_equal(list_count(f->r, "customer", &q), 0);

  /* A rep does not delete a card with visits (issue 14): the device
   * refuses first, with the daemon's message, and nothing is queued. */
  {
    fs_record *v = NULL;
    uint64_t before;
    assert_int_equal(fs_record_new("visit", &v), 0);
    assert_int_equal(fs_record_set(v, "customer_id", id), 0);
    assert_int_equal(fs_record_set(v, "at", "2026-03-02T10:00"), 0);
    assert_int_equal(fs_record_set(v, "method", "phone"), 0);
    assert_int_equal(fs_create(f->r, v, NULL), 0);
    fs_record_free(v);
    before = pending(f->r);
    assert_int_equal(fs_delete(f->r, "customer", id), FS_EFORBIDDEN);
    assert_non_null(strstr(fs_replica_last_error(f->r), "a rep does not delete a card with "
                                                        "visit records"));
    assert_int_equal(pending(f->r), before);
  }
  assert_int_equal(fs_get(f->r, "customer", id, &got), 0);
  fs_record_free(got);
  got = NULL;
  /* One without visits (made by mistake) its rep may delete. */
  add_customer(f->r, "Typo Trading", "C", id);
  assert_int_equal(fs_delete(f->r, "customer", id), 0);
  assert_int_equal(fs_get(f->r, "customer", id, &got), FS_ENOTFOUND);
  assert_null(got);
  assert_int_equal(list_count(f->r, "customer", NULL), 1);
  assert_int_equal(fs_delete(f->r, "customer", id), FS_ENOTFOUND);
}

static void test_child_kinds(void **state) {
  fx *f = *state;
  static const struct {
    const char *kind;
    const char *fields[6][2];
  } cases[] = {
      {"contact", {{"name", "王经理"}, {"buying_role", "decision_maker"}, {"stance", "support"}}},
      {"visit", {{"at", "2026-03-02 10:30"}, {"method", "in_person"}, {"stage", "proposal"}}},
      {"opportunity", {{"title", "Fleet of 12"}, {"amount", "3600000"}, {"q_real", "yes"}}},
      {"lost_review", {{"lost_date", "2026-03-05"}, {"reason", "price"}}},
  };
  char cid[33], id[33];
  fs_record *rec = NULL, *got = NULL;
  fs_query q;

  add_customer(f->r, "Child Test", "A", cid);
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    assert_int_equal(fs_record_new(cases[i].kind, &rec), 0);
    assert_int_equal(fs_record_set(rec, "customer_id", cid), 0);
    for (int j = 0; j < 6 && cases[i].fields[j][0]; j++)
      assert_int_equal(fs_record_set(rec, cases[i].fields[j][0], cases[i].fields[j][1]), 0);
    assert_int_equal(fs_create(f->r, rec, id), 0);
    fs_record_free(rec);
    assert_int_equal(fs_get(f->r, cases[i].kind, id, &got), 0);
    assert_string_equal(fs_record_owner(got), "A01");
    assert_string_equal(fs_record_get(got, "customer_id"), cid);
    if (strcmp(cases[i].kind, "visit") == 0)
      assert_string_equal(fs_record_get(got, "at"), "2026-03-02T10:30:00");
    else
      assert_string_equal(fs_record_get(got, cases[i].fields[0][0]), cases[i].fields[0][1]);
    fs_record_free(got);
    memset(&q, 0, sizeof(q));
    q.customer_id = cid;
    assert_int_equal(list_count(f->r, cases[i].kind, &q), 1);
    assert_int_equal(fs_delete(f->r, cases[i].kind, id), 0);
    assert_int_equal(list_count(f->r, cases[i].kind, &q), 0);
  }
  /* Visits are append-only: an edit is refused. */
  assert_int_equal(fs_record_new("visit", &rec), 0);
  assert_int_equal(fs_record_set(rec, "customer_id", cid), 0);
  assert_int_equal(fs_record_set(rec, "at", "2026-03-03T09:00"), 0);
  assert_int_equal(fs_record_set(rec, "method", "phone"), 0);
  assert_int_equal(fs_create(f->r, rec, id), 0);
  fs_record_free(rec);
  assert_int_equal(fs_record_new("visit", &rec), 0);
  assert_int_equal(fs_record_set(rec, "place", "office"), 0);
  assert_int_equal(fs_update(f->r, "visit", id, rec), FS_EVALIDATE);
  fs_record_free(rec);
  memset(&q, 0, sizeof(q));
  q.from = "2026-03-03";
  q.to = "2026-03-03";
  assert_int_equal(list_count(f->r, "visit", &q), 1);
  q.from = "2026-03-04";
  q.to = NULL;
  assert_int_equal(list_count(f->r, "visit", &q), 0);

  /* Showroom: owned by the rep; rep_on_duty defaults to us. */
  assert_int_equal(fs_record_new("showroom", &rec), 0);
  assert_int_equal(fs_record_set(rec, "arrived", "2026-03-02T14:00"), 0);
  assert_int_equal(fs_record_set(rec, "left_details", "no"), 0);
  assert_int_equal(fs_create(f->r, rec, id), 0);
  fs_record_free(rec);
  assert_int_equal(fs_get(f->r, "showroom", id, &got), 0);
  assert_string_equal(fs_record_get(got, "rep_on_duty"), "A01");
  assert_string_equal(fs_record_get(got, "left_details"), "no");
  fs_record_free(got);

  /* A child of a missing customer is refused. */
  assert_int_equal(fs_record_new("contact", &rec), 0);
  assert_int_equal(fs_record_set(rec, "customer_id", "0123456789abcdef0123456789abcdef"), 0);
  assert_int_equal(fs_record_set(rec, "name", "x"), 0);
  assert_int_equal(fs_create(f->r, rec, id), FS_ENOTFOUND);
  fs_record_free(rec);
}

static void test_grade_history(void **state) {
  fx *f = *state;
  char id[33];
  fs_record *got = NULL;
  fs_query q;
  uint64_t before;

  add_customer(f->r, "Grade Co", "C", id);
  memset(&q, 0, sizeof(q));
  q.customer_id = id;
  assert_int_equal(list_count(f->r, "grade_change", &q), 1);
  assert_int_equal(fs_customer_set_grade(f->r, id, "A", "2026-03-01", NULL), 0);
  assert_int_equal(list_count(f->r, "grade_change", &q), 2);
  assert_int_equal(fs_get(f->r, "customer", id, &got), 0);
  assert_string_equal(fs_record_get(got, "grade"), "A");
  assert_string_equal(fs_record_get(got, "grade_date"), "2026-03-01");
  fs_record_free(got);

  before = pending(f->r);
  assert_int_equal(fs_customer_set_grade(f->r, id, "delivered", NULL, NULL), FS_EVALIDATE);
  assert_non_null(strstr(fs_errmsg(f->r), "delivery_date"));
  assert_int_equal(fs_customer_set_grade(f->r, id, "Z", NULL, NULL), FS_EVALIDATE);
  assert_non_null(strstr(fs_errmsg(f->r), "O, A, B, C, delivered, lost"));
  assert_int_equal(pending(f->r), before);
  assert_int_equal(list_count(f->r, "grade_change", &q), 2);
  assert_int_equal(fs_customer_set_grade(f->r, id, "delivered", "2026-03-10", "2026-03-09"), 0);
  assert_int_equal(list_count(f->r, "grade_change", &q), 3);
  assert_int_equal(pending(f->r), before + 2);
}

static void test_validation_writes_nothing(void **state) {
  fx *f = *state;
  fs_record *rec = NULL;
  long long rows;
  uint64_t ob;
  char id[33];

  add_customer(f->r, "Existing", "B", id);
  rows = count_sql(f->r, "SELECT count(*) FROM customers");
  ob = pending(f->r);

  assert_int_equal(fs_record_new("customer", &rec), 0);
  assert_int_equal(fs_record_set(rec, "grade", "X"), FS_EVALIDATE);
  assert_non_null(strstr(fs_errmsg(NULL), "grade"));
  assert_non_null(strstr(fs_errmsg(NULL), "delivered"));
  assert_int_equal(fs_record_set(rec, "founded", "2026-02-30"), FS_EVALIDATE);
  assert_int_equal(fs_record_set(rec, "nonsense", "1"), FS_EUNKNOWN_FIELD);
  assert_int_equal(fs_record_set(rec, "revenue", "12abc"), FS_EVALIDATE);
  assert_int_equal(fs_record_set(rec, "key_account", "maybe"), FS_EVALIDATE);
  /* Missing required name. */
  assert_int_equal(fs_record_set(rec, "grade", "A"), 0);
  assert_int_equal(fs_create(f->r, rec, id), FS_EVALIDATE);
  assert_non_null(strstr(fs_errmsg(f->r), "name"));
  /* archive_no is the device's to assign. */
  assert_int_equal(fs_record_set(rec, "name", "N"), 0);
  assert_int_equal(fs_record_set(rec, "archive_no", "A01-2026-0099"), 0);
  assert_int_equal(fs_create(f->r, rec, id), FS_EVALIDATE);
  fs_record_free(rec);

  assert_int_equal(count_sql(f->r, "SELECT count(*) FROM customers"), rows);
  assert_int_equal(pending(f->r), ob);
}

static void test_forbidden_other_owner(void **state) {
  fx *f = *state;
  fs_change c;
  fs_field_change fc;
  fs_outcome oc;
  fs_record *rec = NULL;
  uint64_t ob = pending(f->r);
  char id[33];

  /* A card of B07 arrives (as if pulled). */
  memset(&c, 0, sizeof(c));
  memset(&fc, 0, sizeof(fc));
  fs__id_new(id);
  c.kind = FS_KIND_CUSTOMER;
  snprintf(c.id, sizeof(c.id), "%s", id);
  c.op = FS_OP_UPSERT;
  snprintf(c.owner, sizeof(c.owner), "B07");
  snprintf(c.author, sizeof(c.author), "B07");
  c.hlc = fs__hlc_make(1000, 0);
  fc.field = 1; /* name */
  fc.hlc = c.hlc;
  fc.value.type = FS_V_TEXT;
  fc.value.s = "Theirs";
  fc.value.len = 6;
  c.nfields = 1;
  c.fields = &fc;
  assert_int_equal(fs__store_apply(fs__replica_db(f->r), &c, 0, NULL, NULL, &oc), 0);

  assert_int_equal(fs_record_new("customer", &rec), 0);
  assert_int_equal(fs_record_set(rec, "name", "Mine now"), 0);
  assert_int_equal(fs_update(f->r, "customer", id, rec), FS_EFORBIDDEN);
  assert_non_null(strstr(fs_errmsg(f->r), "B07"));
  fs_record_free(rec);
  assert_int_equal(fs_delete(f->r, "customer", id), FS_EFORBIDDEN);
  assert_int_equal(fs_customer_set_grade(f->r, id, "A", NULL, NULL), FS_EFORBIDDEN);
  assert_int_equal(fs_record_new("contact", &rec), 0);
  assert_int_equal(fs_record_set(rec, "customer_id", id), 0);
  assert_int_equal(fs_record_set(rec, "name", "x"), 0);
  assert_int_equal(fs_create(f->r, rec, NULL), FS_EFORBIDDEN);
  fs_record_free(rec);
  assert_int_equal(pending(f->r), ob);
}

static void test_outbox_changed_fields(void **state) {
  fx *f = *state;
  fs_record *rec = NULL;
  fs_change *cs = NULL;
  size_t n = 0;
  char id[33];
  const fs_kind_def *kd = fs__kind_def(FS_KIND_CUSTOMER);

  add_customer(f->r, "Outbox Co", "B", id);
  assert_int_equal(fs_record_new("customer", &rec), 0);
  assert_int_equal(fs_record_set(rec, "name", "Outbox Co"), 0); /* unchanged */
  assert_int_equal(fs_record_set(rec, "phone", "123"), 0);
  assert_int_equal(fs_update(f->r, "customer", id, rec), 0);
  /* Nothing differs any more: no entry. */
  assert_int_equal(fs_update(f->r, "customer", id, rec), 0);
  fs_record_free(rec);

  assert_int_equal(fs__outbox_pending(f->r, 100, &cs, &n), 0);
  assert_int_equal(n, 3); /* customer, grade_change, update */
  assert_int_equal(cs[0].kind, FS_KIND_CUSTOMER);
  assert_int_equal(cs[1].kind, FS_KIND_GRADE_CHANGE);
  assert_int_equal(cs[2].kind, FS_KIND_CUSTOMER);
  assert_string_equal(cs[2].id, id);
  assert_int_equal(cs[2].nfields, 1);
  assert_string_equal(kd->fields[cs[2].fields[0].field].name, "phone");
  assert_string_equal(cs[2].fields[0].value.s, "123");
  assert_int_equal(cs[2].fields[0].hlc, cs[2].hlc);
  assert_true(cs[2].hlc > cs[1].hlc);
  assert_true(cs[1].hlc > cs[0].hlc);
  assert_int_equal(cs[2].device_id, 7);
  assert_int_equal(cs[0].counter + 1, cs[1].counter);
  assert_int_equal(cs[1].counter + 1, cs[2].counter);
  /* The create carries the archive number and every given field. */
  for (int i = 0; i < cs[0].nfields; i++)
    assert_int_equal(cs[0].fields[i].hlc, cs[0].hlc);
  assert_true(cs[0].nfields >= 4); /* archive_no, name, grade, grade_date, created */

  /* Settle: ack the first, reject the second. */
  {
    fs_outbox_result res[2] = {{cs[0].counter, 0, NULL}, {cs[1].counter, FS_EVALIDATE, "no"}};
    uint64_t p = 0, rj = 0;
    assert_int_equal(fs__outbox_settle(f->r, res, 2), 0);
    assert_int_equal(fs_outbox_count(f->r, &p, &rj), 0);
    assert_int_equal(p, 1);
    assert_int_equal(rj, 1);
  }
  fs__outbox_changes_free(cs, n);
}

static void test_fault_rollback(void **state) {
  fx *f = *state;
  fs_record *rec = NULL;
  long long rows = count_sql(f->r, "SELECT count(*) FROM customers");
  uint64_t ob = pending(f->r);
  char id[33];

  assert_int_equal(fs_record_new("customer", &rec), 0);
  assert_int_equal(fs_record_set(rec, "name", "Faulty"), 0);
  assert_int_equal(fs_record_set(rec, "grade", "A"), 0);
  fs__replica_fault(f->r, FS_FAULT_AFTER_ROW);
  assert_int_equal(fs_create(f->r, rec, id), FS_EINTERNAL);
  fs__replica_fault(f->r, FS_FAULT_NONE);
  fs_record_free(rec);
  assert_int_equal(count_sql(f->r, "SELECT count(*) FROM customers"), rows);
  assert_int_equal(pending(f->r), ob);
}

static void exit_now(void *arg) {
  (void)arg;
  _exit(0);
}

static void test_crash_between_row_and_outbox(void **state) {
  fx *f = *state;
  fs_replica *r = NULL;
  char id[33];
  pid_t pid;
  int status = -1;

  add_customer(f->r, "Before crash", "B", id);
  fs_replica_close(f->r);
  f->r = NULL;
  pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    fs_record *rec = NULL;
    if (fs_replica_open(f->dir, &r) || fs_record_new("customer", &rec) ||
        fs_record_set(rec, "name", "Crash Co") || fs_record_set(rec, "grade", "A"))
      _exit(3);
    fs__replica_fault(r, FS_FAULT_AFTER_ROW);
    fs__replica_fault_hook(r, exit_now, NULL);
    fs_create(r, rec, id);
    _exit(4); /* not reached: the hook exits */
  }
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), 0);

  assert_int_equal(fs_replica_open(f->dir, &r), 0);
  f->r = r;
  assert_int_equal(count_sql(r, "SELECT count(*) FROM customers"), 1);
  assert_int_equal(count_sql(r, "SELECT count(*) FROM customers WHERE name = 'Crash Co'"), 0);
  assert_int_equal(pending(r), 2);
  {
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(fs__replica_db(r), "PRAGMA integrity_check", -1, &st,
                                        NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "ok");
    sqlite3_finalize(st);
  }
}

static void test_chinese_round_trip(void **state) {
  fx *f = *state;
  static const char name[] = "上海浦东汽车销售有限公司";
  static const char addr[] = "浦东新区世纪大道100号 🚗";
  fs_record *rec = NULL, *got = NULL;
  char id[33];
  fs_query q;

  assert_int_equal(fs_record_new("customer", &rec), 0);
  assert_int_equal(fs_record_set(rec, "name", name), 0);
  assert_int_equal(fs_record_set(rec, "address", addr), 0);
  assert_int_equal(fs_record_set(rec, "grade", "O"), 0);
  assert_int_equal(fs_create(f->r, rec, id), 0);
  fs_record_free(rec);
  assert_int_equal(fs_get(f->r, "customer", id, &got), 0);
  assert_int_equal(strlen(fs_record_get(got, "name")), strlen(name));
  assert_memory_equal(fs_record_get(got, "name"), name, sizeof(name));
  assert_memory_equal(fs_record_get(got, "address"), addr, sizeof(addr));
  fs_record_free(got);
  memset(&q, 0, sizeof(q));
  q.search = "浦东";
  assert_int_equal(list_count(f->r, "customer", &q), 1);
  q.search = "北京";
  assert_int_equal(list_count(f->r, "customer", &q), 0);
}

static void test_archive_numbers(void **state) {
  fx *f = *state;
  char *dir2 = fs_test_tmpdir();
  fs_identity id2 = ident("A01", 2);
  fs_replica *r2 = NULL;
  fs_record *got = NULL;
  char a[33], b[33], c[33], expect[64], year[5];
  time_t t = time(NULL);
  struct tm tm;

  localtime_r(&t, &tm);
  strftime(year, sizeof(year), "%Y", &tm);
  assert_int_equal(fs_replica_init(dir2, &id2, &r2), 0);
  add_customer(f->r, "One", "A", a);
  add_customer(f->r, "Two", "A", b);
  add_customer(r2, "Three", "A", c);
  assert_int_equal(fs_get(f->r, "customer", a, &got), 0);
  snprintf(expect, sizeof(expect), "A01-%s-0001", year);
  assert_string_equal(fs_record_get(got, "archive_no"), expect);
  fs_record_free(got);
  assert_int_equal(fs_get(f->r, "customer", b, &got), 0);
  snprintf(expect, sizeof(expect), "A01-%s-0002", year);
  assert_string_equal(fs_record_get(got, "archive_no"), expect);
  fs_record_free(got);
  assert_int_equal(fs_get(r2, "customer", c, &got), 0);
  snprintf(expect, sizeof(expect), "A01-%s-0101", year);
  assert_string_equal(fs_record_get(got, "archive_no"), expect);
  fs_record_free(got);
  /* Resolution by archive number and by prefix. */
  {
    char out[33];
    snprintf(expect, sizeof(expect), "A01-%s-0002", year);
    assert_int_equal(fs_resolve_id(f->r, "customer", expect, out), 0);
    assert_string_equal(out, b);
    assert_int_equal(fs_resolve_id(f->r, "customer", "A01-1999-0001", out), FS_ENOTFOUND);
    memcpy(expect, a, 32);
    expect[32] = '\0';
    assert_int_equal(fs_resolve_id(f->r, "customer", expect, out), 0);
    assert_string_equal(out, a);
    /* Too short a prefix is refused saying so (issue 15), not looked up. */
    assert_int_equal(fs_resolve_id(f->r, "customer", "abc", out), FS_EUSAGE);
    assert_non_null(strstr(fs_replica_last_error(f->r), "at least 6"));
    assert_int_equal(fs_resolve_id(f->r, "contact", "abc", out), FS_EUSAGE);
  }
  fs_replica_close(r2);
  fs_test_rmdir(dir2);
}

static void test_reopen_monotonic(void **state) {
  fx *f = *state;
  fs_change *cs = NULL;
  size_t n = 0;
  uint64_t last_hlc, last_counter;
  char id[33];

  add_customer(f->r, "Before", "B", id);
  assert_int_equal(fs__outbox_pending(f->r, 100, &cs, &n), 0);
  assert_int_equal(n, 2);
  last_hlc = cs[1].hlc;
  last_counter = cs[1].counter;
  fs__outbox_changes_free(cs, n);
  fs_replica_close(f->r);
  f->r = NULL;

  assert_int_equal(fs_replica_open(f->dir, &f->r), 0);
  /* A clock that went backwards must not produce older stamps. */
  fs__hlc_set_offset(fs__replica_hlc(f->r), -3600 * 1000);
  add_customer(f->r, "After", "B", id);
  assert_int_equal(fs__outbox_pending(f->r, 100, &cs, &n), 0);
  assert_int_equal(n, 4);
  assert_true(cs[2].hlc > last_hlc);
  assert_true(cs[3].hlc > cs[2].hlc);
  assert_int_equal(cs[2].counter, last_counter + 1);
  fs__outbox_changes_free(cs, n);
}

static void test_sync_internals(void **state) {
  fx *f = *state;
  fs_record *rec = NULL, *got = NULL;
  fs_row row;
  uint64_t cur = 99;
  char id[33], vid[33];

  add_customer(f->r, "Sync Co", "B", id);
  assert_int_equal(fs_record_new("customer", &rec), 0);
  assert_int_equal(fs_record_set(rec, "phone", "local-edit"), 0);
  assert_int_equal(fs_update(f->r, "customer", id, rec), 0);
  fs_record_free(rec);

  /* A pulled version with an older phone clock but a newer name. */
  memset(&row, 0, sizeof(row));
  assert_int_equal(fs__store_get(fs__replica_db(f->r), FS_KIND_CUSTOMER, id, &row), 0);
  {
    const fs_kind_def *kd = fs__kind_def(FS_KIND_CUSTOMER);
    int pi = fs__field_index(kd, "phone"), ni = fs__field_index(kd, "name");
    fs__value_free(&row.values[pi]);
    row.clk[pi] = 0;
    assert_int_equal(fs__value_set_text(&row.values[ni], "Server Name", 11), 0);
    row.clk[ni] = fs__hlc_make(fs__now_ms() + 1000, 0);
    row.seq = 42;
  }
  assert_int_equal(fs__replica_apply_row(f->r, &row), 0);
  fs__row_release(&row);
  assert_int_equal(fs_get(f->r, "customer", id, &got), 0);
  assert_string_equal(fs_record_get(got, "name"), "Server Name");
  assert_string_equal(fs_record_get(got, "phone"), "local-edit");
  fs_record_free(got);

  /* Cursor. */
  assert_int_equal(fs__replica_cursor_get(f->r, &cur), 0);
  assert_int_equal(cur, 0);
  assert_int_equal(fs__replica_cursor_set(f->r, 1234), 0);
  assert_int_equal(fs__replica_cursor_get(f->r, &cur), 0);
  assert_int_equal(cur, 1234);

  /* Eviction takes the children along. */
  assert_int_equal(fs_record_new("visit", &rec), 0);
  assert_int_equal(fs_record_set(rec, "customer_id", id), 0);
  assert_int_equal(fs_record_set(rec, "at", "2026-03-02T10:00"), 0);
  assert_int_equal(fs_record_set(rec, "method", "phone"), 0);
  assert_int_equal(fs_create(f->r, rec, vid), 0);
  fs_record_free(rec);
  assert_int_equal(fs__replica_evict(f->r, FS_KIND_CUSTOMER, id), 0);
  assert_int_equal(fs_get(f->r, "customer", id, &got), FS_ENOTFOUND);
  assert_int_equal(fs_get(f->r, "visit", vid, &got), FS_ENOTFOUND);
  assert_int_equal(count_sql(f->r, "SELECT count(*) FROM grade_changes"), 0);

  {
    fs_value lv = {FS_V_TEXT, 0, "a", 1}, wv = {FS_V_TEXT, 0, "b", 1};
    assert_int_equal(fs__replica_conflict_add(f->r, "customer", id, "phone", &lv, 1, &wv, 2,
                                              "B07", 5),
                     0);
    assert_int_equal(count_sql(f->r, "SELECT count(*) FROM conflicts"), 1);
  }
}

/* Eviction removes what was derived from the card and its children
 * (issue 11, hole 7): conflict rows, rejected outbox entries, resync rows,
 * notice lines naming it; pending outbox entries (unsynced work) and other
 * cards' traces stay. */
static void test_evict_removes_derived(void **state) {
  fx *f = *state;
  fs_value lv = {FS_V_TEXT, 0, "old", 3}, wv = {FS_V_TEXT, 0, "new", 3};
  fs_record *rec = NULL;
  char id[33], other[33], vid[33], sql[1024], *archive;
  sqlite3 *db = fs__replica_db(f->r);

  add_customer(f->r, "Evicted Name Co", "lost", id);
  add_customer(f->r, "Other Co", "B", other);
  assert_int_equal(fs_record_new("visit", &rec), 0);
  assert_int_equal(fs_record_set(rec, "customer_id", id), 0);
  assert_int_equal(fs_record_set(rec, "at", "2026-03-02T10:00"), 0);
  assert_int_equal(fs_record_set(rec, "method", "phone"), 0);
  assert_int_equal(fs_create(f->r, rec, vid), 0);
  fs_record_free(rec);
  assert_int_equal(fs_get(f->r, "customer", id, &rec), 0);
  archive = strdup(fs_record_get(rec, "archive_no"));
  fs_record_free(rec);
  /* Everything the outbox holds now is pending; one entry of each card and
   * of the visit becomes rejected. */
  assert_int_equal(fs__db_exec(db, "UPDATE outbox SET status='rejected' WHERE seq IN "
                                   "(SELECT min(seq) FROM outbox GROUP BY record_id)"),
                   0);
  /* A later edit of the card: pending, not yet sent. */
  assert_int_equal(fs_record_new("customer", &rec), 0);
  assert_int_equal(fs_record_set(rec, "phone", "0100"), 0);
  assert_int_equal(fs_update(f->r, "customer", id, rec), 0);
  fs_record_free(rec);
  assert_int_equal(
      fs__replica_conflict_add(f->r, "customer", id, "phone", &lv, 1, &wv, 2, "B07", 5),
      0);
  assert_int_equal(
      fs__replica_conflict_add(f->r, "visit", vid, "points", &lv, 1, &wv, 2, "B07", 5),
      0);
  assert_int_equal(fs__replica_conflict_add(f->r, "customer", other, "phone", &lv, 1, &wv,
                                            2, "B07", 5),
                   0);
  snprintf(
      sql, sizeof(sql),
      "INSERT INTO notices(kind, at, body) VALUES('handover', 1, 'Handover of A09 to "
      "A01\n  customer cards        2\n  lost customers for M01 to review: 1\n    %s  "
      "Evicted Name Co\n    A09-2026-0007  Other Co\n')",
      archive);
  assert_int_equal(fs__db_exec(db, sql), 0);
  snprintf(sql, sizeof(sql),
           "INSERT INTO resync_seen(kind, id) VALUES(%d, '%s'), (%d, '%s'), (%d, '%s')",
           (int)FS_KIND_CUSTOMER, id, (int)FS_KIND_VISIT, vid, (int)FS_KIND_CUSTOMER,
           other);
  assert_int_equal(fs__db_exec(db, sql), 0);

  assert_int_equal(fs__replica_evict(f->r, FS_KIND_CUSTOMER, id), 0);
  snprintf(sql, sizeof(sql),
           "SELECT count(*) FROM conflicts WHERE record_id IN ('%s', '%s')", id, vid);
  assert_int_equal(count_sql(f->r, sql), 0);
  snprintf(
      sql, sizeof(sql),
      "SELECT count(*) FROM outbox WHERE status='rejected' AND record_id IN ('%s', '%s')",
      id, vid);
  assert_int_equal(count_sql(f->r, sql), 0);
  snprintf(sql, sizeof(sql),
           "SELECT count(*) FROM outbox WHERE status='pending' AND record_id='%s'", id);
  assert_int_equal(count_sql(f->r, sql), 1); /* the rep's unsynced work stays */
  snprintf(sql, sizeof(sql), "SELECT count(*) FROM resync_seen WHERE id IN ('%s', '%s')",
           id, vid);
  assert_int_equal(count_sql(f->r, sql), 0);
  snprintf(
      sql, sizeof(sql),
      "SELECT count(*) FROM notices WHERE instr(body, '%s') OR instr(body, 'Evicted')",
      archive);
  assert_int_equal(count_sql(f->r, sql), 0);
  /* The rest of the notice and the other card's traces stay. */
  assert_int_equal(count_sql(f->r, "SELECT count(*) FROM notices WHERE instr(body, "
                                   "'A09-2026-0007  Other Co') AND instr(body, "
                                   "'(a card no longer on this device)') AND instr(body, "
                                   "'customer cards        2')"),
                   1);
  snprintf(sql, sizeof(sql), "SELECT count(*) FROM conflicts WHERE record_id='%s'",
           other);
  assert_int_equal(count_sql(f->r, sql), 1);
  snprintf(sql, sizeof(sql), "SELECT count(*) FROM outbox WHERE record_id='%s'", other);
  assert_true(count_sql(f->r, sql) > 0);
  snprintf(sql, sizeof(sql), "SELECT count(*) FROM resync_seen WHERE id='%s'", other);
  assert_int_equal(count_sql(f->r, sql), 1);
  assert_int_equal(fs__replica_scrub(f->r), 0);
  free(archive);
}

static void test_wipe(void **state) {
  fx *f = *state;
  fs_replica *r = NULL;
  char *p = fs_test_path(f->dir, "replica.db");

  assert_int_equal(fs__replica_wipe(f->r), 0);
  f->r = NULL;
  assert_int_equal(access(p, F_OK), -1);
  assert_int_equal(fs_replica_open(f->dir, &r), FS_ENOTENROLLED);
  free(p);
}

/* The library alone (an app that links it, umask 022, a data directory
 * it made 0755): replica.db and the -wal/-shm SQLite makes next to it are
 * 0600 and the directory is tightened to 0700 (issue 11, hole 5). */
static void test_files_private_whatever_the_umask(void **state) {
  fx *f = *state;
  fs_identity id = ident("A02", 2);
  fs_replica *r = NULL;
  char *dir = fs_test_path(f->dir, "app"), *p;
  static const char *const names[] = {"replica.db", "replica.db-wal", "replica.db-shm"};
  struct stat st;
  mode_t old = umask(022);
  char cid[33];

  assert_int_equal(mkdir(dir, 0755), 0);
  assert_int_equal(fs_replica_init(dir, &id, &r), 0);
  add_customer(r, "Umask Test", "B", cid); /* the WAL holds a frame now */
  assert_int_equal(stat(dir, &st), 0);
  assert_int_equal(st.st_mode & 0777, 0700);
  for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
    p = fs_test_path(dir, names[i]);
    assert_int_equal(stat(p, &st), 0); /* exists while the replica is open */
    assert_int_equal(st.st_mode & 0777, 0600);
    free(p);
  }
  fs_replica_close(r);
  /* An old replica left 0644 is fixed on open. */
  p = fs_test_path(dir, "replica.db");
  assert_int_equal(chmod(p, 0644), 0);
  assert_int_equal(fs_replica_open(dir, &r), 0);
  assert_int_equal(stat(p, &st), 0);
  assert_int_equal(st.st_mode & 0777, 0600);
  fs_replica_close(r);
  umask(old);
  free(p);
  free(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_open_requires_identity, setup, teardown),
      cmocka_unit_test_setup_teardown(test_customer_crud, setup, teardown),
      cmocka_unit_test_setup_teardown(test_child_kinds, setup, teardown),
      cmocka_unit_test_setup_teardown(test_grade_history, setup, teardown),
      cmocka_unit_test_setup_teardown(test_validation_writes_nothing, setup, teardown),
      cmocka_unit_test_setup_teardown(test_forbidden_other_owner, setup, teardown),
      cmocka_unit_test_setup_teardown(test_outbox_changed_fields, setup, teardown),
      cmocka_unit_test_setup_teardown(test_fault_rollback, setup, teardown),
      cmocka_unit_test_setup_teardown(test_crash_between_row_and_outbox, setup, teardown),
      cmocka_unit_test_setup_teardown(test_chinese_round_trip, setup, teardown),
      cmocka_unit_test_setup_teardown(test_archive_numbers, setup, teardown),
      cmocka_unit_test_setup_teardown(test_reopen_monotonic, setup, teardown),
      cmocka_unit_test_setup_teardown(test_sync_internals, setup, teardown),
      cmocka_unit_test_setup_teardown(test_evict_removes_derived, setup, teardown),
      cmocka_unit_test_setup_teardown(test_wipe, setup, teardown),
      cmocka_unit_test_setup_teardown(test_files_private_whatever_the_umask, setup,
                                      teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
