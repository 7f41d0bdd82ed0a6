/* test_client_api.c - the public calls a mobile app needs besides records
 * (issue 13), driven the way an app would: the model for building forms,
 * the one error channel (per replica, per thread), roles, the outbox as
 * enums, the conflict log (list, dismiss), notices, the lost-sale review,
 * and a report as typed sections whose rendering is the CLI's.  Sync
 * progress and cancellation need a daemon: test_daemon_client_api.c. */
#include "testutil.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldsync.h"
#include "replica.h"
#include "report.h"

typedef struct fx {
  char *dir;
  fs_replica *r;
} fx;

static int open_as(void **state, const char *staff, fs_role role) {
  fx *f = calloc(1, sizeof(*f));
  fs_identity id;

  assert_non_null(f);
  memset(&id, 0, sizeof(id));
  snprintf(id.staff, sizeof(id.staff), "%s", staff);
  id.role = role;
  id.slot = 1;
  f->dir = fs_test_tmpdir();
  assert_int_equal(fs_replica_init(f->dir, &id, &f->r), 0);
  *state = f;
  return 0;
}

static int setup_rep(void **state) {
  return open_as(state, "A01", FS_ROLE_REP);
}
static int setup_manager(void **state) {
  return open_as(state, "M01", FS_ROLE_MANAGER);
}

static int teardown(void **state) {
  fx *f = *state;
  fs_replica_close(f->r);
  fs_test_rmdir(f->dir);
  free(f);
  return 0;
}

/* Creates a record of kind from NULL-terminated field/value pairs; its id
 * into id (may be NULL). */
static void make(fs_replica *r, const char *kind, char id[FS_ID_MAX + 1], ...) {
  fs_record *rec = NULL;
  va_list ap;
  const char *k;

  assert_int_equal(fs_record_new(kind, &rec), 0);
  va_start(ap, id);
  while ((k = va_arg(ap, const char *)) != NULL) {
    const char *v = va_arg(ap, const char *);
    assert_int_equal(fs_record_set(rec, k, v), 0);
  }
  va_end(ap);
  if (fs_create(r, rec, id) != 0)
    fail_msg("create %s: %s", kind, fs_errmsg(r));
  fs_record_free(rec);
}

/* ---- the model ------------------------------------------------------------- */

static void test_model_for_forms(void **state) {
  fs_kind_info ki;
  fs_field_info fi;
  int n = 0, idx = -1, customer = 0, required = 0;

  (void)state;
  for (const char *k; (k = fs_kind_at(n)) != NULL; n++) {
    assert_int_equal(fs_kind_describe(k, &ki), 0);
    assert_string_equal(ki.name, k);
    assert_true(ki.nfields > 0);
    customer |= strcmp(k, "customer") == 0;
    /* Every field of every kind is described, in form order. */
    for (int i = 0; i < ki.nfields; i++) {
      assert_int_equal(fs_field_describe(k, i, &fi), 0);
      assert_non_null(fi.name);
      assert_non_null(fi.label);
      assert_int_equal(fi.type == FS_TYPE_ENUM, fi.values != NULL);
      assert_int_equal(fi.type == FS_TYPE_REF, fi.ref_kind != NULL);
    }
    assert_int_equal(fs_field_describe(k, ki.nfields, &fi), FS_ENOTFOUND);
  }
  assert_int_equal(n, 10); /* generation 1 (7 kinds) and 2 (3) */
  assert_true(customer);
  assert_null(fs_kind_at(-1));
  assert_int_equal(fs_kind_describe("nonsense", &ki), FS_EINVAL);

  /* A customer form: grade is a required choice among the grades. */
  assert_int_equal(fs_field_find("customer", "grade", &idx, &fi), 0);
  assert_true(idx >= 0);
  assert_int_equal(fi.type, FS_TYPE_ENUM);
  assert_true(fi.flags & FS_FIELD_REQUIRED);
  for (int v = 0; fi.values[v]; v++)
    required |= strcmp(fi.values[v], "delivered") == 0;
  assert_true(required);
  assert_int_equal(fs_field_find("customer", "name", NULL, &fi), 0);
  assert_true(fi.flags & FS_FIELD_REQUIRED);
  assert_int_equal(fs_field_find("customer", "nonsense", NULL, NULL), FS_EUNKNOWN_FIELD);
  /* A visit belongs to a customer, by reference. */
  assert_int_equal(fs_kind_describe("visit", &ki), 0);
  assert_true(ki.flags & FS_KIND_IS_CHILD);
  assert_int_equal(fs_field_find("visit", "customer_id", NULL, &fi), 0);
  assert_int_equal(fi.type, FS_TYPE_REF);
  assert_string_equal(fi.ref_kind, "customer");
  assert_int_equal(fs_field_find("visit", "at", NULL, &fi), 0);
  assert_int_equal(fi.type, FS_TYPE_DATETIME);
}

static void test_dates_and_roles(void **state) {
  char today[FS_DATE_MAX + 1];
  fs_role role;

  (void)state;
  fs_today(today);
  assert_int_equal(strlen(today), FS_DATE_MAX);
  assert_int_equal(fs_date_valid(today, 0), 0);
  assert_int_equal(fs_date_valid("2026-02-30", 0), FS_EVALIDATE);
  assert_int_equal(fs_date_valid("2026-02-28T10:15", 0), FS_EVALIDATE);
  assert_int_equal(fs_date_valid("2026-02-28T10:15", 1), 0);
  for (int i = FS_ROLE_REP; i <= FS_ROLE_ADMIN; i++) {
    assert_int_equal(fs_role_parse(fs_role_name((fs_role)i), &role), 0);
    assert_int_equal(role, i);
  }
  assert_string_equal(fs_role_name(FS_ROLE_MANAGER), "manager");
  assert_null(fs_role_name((fs_role)7));
  assert_int_equal(fs_role_parse("boss", &role), FS_EINVAL);
  assert_string_equal(fs_sync_phase_name(FS_SYNC_PULL), "pull");
  assert_string_equal(fs_strerror(FS_ECANCELED), "operation cancelled");
}

/* ---- one error channel --------------------------------------------------------- */

static void *other_thread(void *arg) {
  /* fs_errmsg(NULL) is per thread: this one has failed nothing yet. */
  *(int *)arg = fs_errmsg(NULL)[0] == '\0';
  return NULL;
}

static void test_errmsg(void **state) {
  fx *f = *state;
  fs_replica *r = NULL;
  fs_record *rec = NULL, *bad = NULL;
  char *empty = fs_test_tmpdir();
  pthread_t t;
  int clean = 0;

  /* Calls without a replica: the thread's message. */
  assert_int_equal(fs_replica_open(empty, &r), FS_ENOTENROLLED);
  assert_null(r);
  assert_string_not_equal(fs_errmsg(NULL), "");
  assert_int_equal(fs_record_new("customer", &rec), 0);
  assert_int_equal(fs_record_set(rec, "grade", "Z"), FS_EVALIDATE);
  assert_non_null(strstr(fs_errmsg(NULL), "grade"));
  assert_int_equal(fs_record_new("nonsense", &bad), FS_EINVAL);
  assert_null(bad);
  assert_non_null(strstr(fs_errmsg(NULL), "nonsense"));
  assert_int_equal(pthread_create(&t, NULL, other_thread, &clean), 0);
  assert_int_equal(pthread_join(t, NULL), 0);
  assert_true(clean);
  fs_record_free(rec);
  /* Calls on a replica: its message (the deprecated name reads the same). */
  assert_int_equal(
      fs_customer_set_grade(f->r, "00000000000000000000000000000000", "Z", NULL, NULL),
      FS_EVALIDATE);
  assert_non_null(strstr(fs_errmsg(f->r), "O, A, B, C, delivered, lost"));
  assert_ptr_equal(fs_replica_last_error(f->r), fs_errmsg(f->r));
  fs_test_rmdir(empty);
}

/* ---- the outbox as enums ------------------------------------------------------- */

typedef struct ob_seen {
  int n, pending, upserts;
} ob_seen;

static int ob_cb(void *arg, const fs_outbox_entry *e) {
  ob_seen *s = arg;
  s->n++;
  s->pending += e->status == FS_OUTBOX_PENDING;
  s->upserts += e->op == FS_RECORD_UPSERT;
  assert_string_equal(fs_outbox_status_name(e->status), "pending");
  assert_string_equal(fs_record_op_name(e->op), "upsert");
  return 0;
}

static void test_outbox_enums(void **state) {
  fx *f = *state;
  ob_seen s = {0, 0, 0};
  uint64_t p = 0, rj = 0;

  make(f->r, "customer", NULL, "name", "Ada", "grade", "B", NULL);
  assert_int_equal(fs_outbox_count(f->r, &p, &rj), 0);
  assert_int_equal(fs_outbox_list(f->r, FS_OUTBOX_ONLY_PENDING, ob_cb, &s), 0);
  assert_int_equal(s.n, (int)p);
  assert_int_equal(s.pending, s.n);
  assert_int_equal(s.upserts, s.n);
  memset(&s, 0, sizeof(s));
  assert_int_equal(fs_outbox_list(f->r, FS_OUTBOX_ONLY_REJECTED, ob_cb, &s), 0);
  assert_int_equal(s.n, 0);
  assert_int_equal(fs_outbox_list(f->r, (fs_outbox_filter)3, ob_cb, &s), FS_EINVAL);
}

/* ---- conflicts and notices ------------------------------------------------------ */

typedef struct cf_seen {
  int n;
  int64_t last;
  fs_conflict_state state;
  char fenced[FS_STAFF_CODE_MAX + 1], lost[64], kept[64], field[32];
  char archive[64], name[64], label[64], lost_by[FS_STAFF_CODE_MAX + 1];
  int mine, open;
} cf_seen;

static int cf_cb(void *arg, const fs_conflict *c) {
  cf_seen *s = arg;
  s->n++;
  s->last = c->n;
  s->state = c->state;
  snprintf(s->fenced, sizeof(s->fenced), "%s", c->fenced);
  snprintf(s->lost, sizeof(s->lost), "%s", c->lost);
  snprintf(s->kept, sizeof(s->kept), "%s", c->kept);
  snprintf(s->field, sizeof(s->field), "%s", c->field);
  snprintf(s->archive, sizeof(s->archive), "%s", c->customer_archive);
  snprintf(s->name, sizeof(s->name), "%s", c->customer_name);
  snprintf(s->label, sizeof(s->label), "%s", c->field_label);
  snprintf(s->lost_by, sizeof(s->lost_by), "%s", c->lost_by);
  s->mine = c->lost_mine;
  s->open += c->state == FS_CONFLICT_OPEN;
  return 0;
}

static int stop_first(void *arg, const fs_conflict *c) {
  cf_cb(arg, c);
  return 1;
}

static int stop_cb(void *arg, const fs_conflict *c) {
  (void)arg;
  (void)c;
  return 42;
}

static void test_conflicts_list_and_resolve(void **state) {
  fx *f = *state;
  char id[FS_ID_MAX + 1];
  fs_value lost = {FS_V_TEXT, 0, "0311 999", 8}, kept = {FS_V_TEXT, 0, "0311 111", 8};
  cf_seen s;

  make(f->r, "customer", id, "name", "Ada", "grade", "B", "phone", "0311 111", NULL);
  memset(&s, 0, sizeof(s));
  assert_int_equal(fs_conflict_list(f->r, cf_cb, &s), 0);
  assert_int_equal(s.n, 0);
  /* What a pull stores when the daemon reports a change fenced by a
   * handover (the sync engine's call). */
  assert_int_equal(fs__replica_conflict_add_fenced(f->r, "customer", id, "phone", &lost,
                                                   5, &kept, 9, "A02", 1700000000000ULL,
                                                   "A02"),
                   0);
  assert_int_equal(fs_conflict_list(f->r, cf_cb, &s), 0);
  assert_int_equal(s.n, 1);
  assert_int_equal(s.state, FS_CONFLICT_OPEN);
  assert_string_equal(s.fenced, "A02");
  assert_string_equal(s.lost, "0311 999");
  assert_string_equal(s.kept, "0311 111");
  assert_string_equal(s.field, "phone");
  assert_int_equal(fs_conflict_list(f->r, stop_cb, NULL), 42);
  /* The app dismisses it: the list shows it so, a second time is refused. */
  assert_int_equal(fs_conflict_dismiss(f->r, s.last), 0);
  memset(&s, 0, sizeof(s));
  assert_int_equal(fs_conflict_list(f->r, cf_cb, &s), 0);
  assert_int_equal(s.state, FS_CONFLICT_DISMISSED);
  assert_int_equal(fs_conflict_accept(f->r, s.last), FS_EEXIST);
  assert_string_not_equal(fs_errmsg(f->r), "");
}

/* Issue 15 point 1: an item names the record's customer (also for a child
 * record), the field's label and whether the losing value was ours; a
 * user can mark it resolved (open -> resolved, once; no record changes). */
static void test_conflicts_customer_and_resolve(void **state) {
  fx *f = *state;
  char cust[FS_ID_MAX + 1], contact[FS_ID_MAX + 1];
  fs_value lost = {FS_V_TEXT, 0, "Bob", 3}, kept = {FS_V_TEXT, 0, "Bo", 2};
  cf_seen s;

  make(f->r, "customer", cust, "name", "Ada Ltd", "grade", "B", NULL);
  make(f->r, "contact", contact, "customer_id", cust, "name", "Bo", NULL);
  assert_int_equal(fs__replica_conflict_add(f->r, "contact", contact, "name", &lost, 5,
                                            &kept, 9, "A01", 1700000000000ULL),
                   0);
  assert_int_equal(fs__replica_conflict_add(f->r, "customer", cust, "grade", &lost, 5,
                                            &kept, 9, "", 1700000000000ULL),
                   0);
  memset(&s, 0, sizeof(s));
  assert_int_equal(fs_conflict_list(f->r, cf_cb, &s), 0);
  assert_int_equal(s.n, 2);
  assert_int_equal(s.open, 2);
  /* The last one: a customer card's own field, writer not known. */
  assert_string_equal(s.name, "Ada Ltd");
  assert_string_not_equal(s.archive, "");
  assert_string_equal(s.lost_by, "");
  assert_int_equal(s.mine, 0);
  assert_non_null(strstr(s.label, "grade"));
  /* Resolve the contact's item (the first): its customer is Ada Ltd. */
  assert_int_equal(fs_conflict_resolve(f->r, s.last - 1), 0);
  assert_int_equal(fs_conflict_resolve(f->r, s.last - 1), FS_EEXIST);
  assert_int_equal(fs_conflict_dismiss(f->r, s.last - 1), FS_EEXIST);
  assert_int_equal(fs_conflict_resolve(f->r, s.last + 1), FS_ENOTFOUND);
  assert_int_equal(fs_conflict_resolve(NULL, 1), FS_EINVAL);
  memset(&s, 0, sizeof(s));
  assert_int_equal(fs_conflict_list(f->r, stop_first, &s), 1);
  assert_int_equal(s.state, FS_CONFLICT_RESOLVED);
  assert_string_equal(s.name, "Ada Ltd");
  assert_string_equal(s.lost_by, "A01");
  assert_int_equal(s.mine, 1);
  assert_non_null(strstr(s.label, "name"));
  assert_int_equal(s.open, 0);
}

static int notice_cb(void *arg, const fs_notice *nt) {
  int *n = arg;
  assert_string_equal(nt->kind, "handover");
  assert_int_equal(nt->at, 1700000000000LL);
  assert_non_null(strstr(nt->body, "A02-2026-0001"));
  (*n)++;
  return 0;
}

static void test_notices(void **state) {
  fx *f = *state;
  int n = 0;

  assert_int_equal(fs_notice_list(f->r, notice_cb, &n), 0);
  assert_int_equal(n, 0);
  /* As the sync engine stores a NOTICE message. */
  assert_int_equal(sqlite3_exec(fs__replica_db(f->r),
                                "INSERT INTO notices(kind, at, body) VALUES('handover', "
                                "1700000000000, 'card A02-2026-0001 is yours now')",
                                NULL, NULL, NULL),
                   SQLITE_OK);
  assert_int_equal(fs_notice_list(f->r, notice_cb, &n), 0);
  assert_int_equal(n, 1);
}

/* ---- lost review --------------------------------------------------------------- */

static void test_lost_review(void **state) {
  fx *f = *state;
  char cust[FS_ID_MAX + 1], lost[FS_ID_MAX + 1], on[FS_DATE_MAX + 1],
      today[FS_DATE_MAX + 1];
  fs_record *rec = NULL;

  make(f->r, "customer", cust, "name", "Ada", "grade", "C", NULL);
  make(f->r, "lost_review", lost, "customer_id", cust, "lost_date", "2026-03-01",
       "reason", "price", NULL);
  assert_int_equal(fs_lost_review(f->r, lost, 1, "agreed", on), 0);
  fs_today(today);
  assert_string_equal(on, today);
  assert_int_equal(fs_get(f->r, "lost_review", lost, &rec), 0);
  assert_string_equal(fs_record_get(rec, "confirmed"), "yes");
  assert_string_equal(fs_record_get(rec, "reviewed_by"), "M01");
  assert_string_equal(fs_record_get(rec, "reviewed_on"), today);
  assert_string_equal(fs_record_get(rec, "review_note"), "agreed");
  fs_record_free(rec);
  assert_int_equal(
      fs_lost_review(f->r, "00000000000000000000000000000000", 0, NULL, NULL),
      FS_ENOTFOUND);
}

static void test_lost_review_rep_refused(void **state) {
  fx *f = *state;
  char cust[FS_ID_MAX + 1], lost[FS_ID_MAX + 1];

  make(f->r, "customer", cust, "name", "Ada", "grade", "C", NULL);
  make(f->r, "lost_review", lost, "customer_id", cust, "lost_date", "2026-03-01",
       "reason", "price", NULL);
  assert_int_equal(fs_lost_review(f->r, lost, 1, NULL, NULL), FS_EFORBIDDEN);
  assert_non_null(strstr(fs_errmsg(f->r), "A01 is a rep"));
}

/* ---- reports -------------------------------------------------------------------- */

/* The typed cell (row, column named col) of section sec; fails if none. */
static fs_report_cell cell(const fs_report *rep, const char *sec, size_t row,
                           const char *col) {
  fs_report_cell out;
  for (int s = 0; s < fs_report_sections(rep); s++) {
    if (strcmp(fs_report_section_name(rep, s), sec) != 0)
      continue;
    for (int c = 0; c < fs_report_columns(rep, s); c++) {
      const char *name;
      fs_report_type type;
      assert_int_equal(fs_report_column(rep, s, c, &name, &type), 0);
      if (strcmp(name, col) != 0)
        continue;
      assert_int_equal(fs_report_cell_get(rep, s, row, c, &out), 0);
      assert_int_equal(out.type, type);
      return out;
    }
  }
  fail_msg("no column %s.%s", sec, col);
  return out;
}

static void test_report_typed_and_rendered(void **state) {
  fx *f = *state;
  char c1[FS_ID_MAX + 1], c2[FS_ID_MAX + 1];
  const char *const customers[] = {"Ada", "Bo", "Cy"};
  const char *const methods[] = {"in_person", "in_person", "phone"};
  fs_report_query q;
  fs_report *rep = NULL;
  fs_report_request rq;
  fs__strbuf want;
  char err[FS_REPORT_ERR_MAX];
  const char *text;
  size_t len = 0, last;
  int rc, reps = -1;

  /* One day of a manager's work: 3 new cards, 2 visits and a call. */
  for (int i = 0; i < 3; i++)
    make(f->r, "customer", i == 0 ? c1 : c2, "name", customers[i], "grade", "B",
         "created", "2026-03-02", NULL);
  for (int i = 0; i < 3; i++)
    make(f->r, "visit", NULL, "customer_id", i ? c2 : c1, "at", "2026-03-02T10:00",
         "method", methods[i], NULL);
  memset(&q, 0, sizeof(q));
  q.name = "activity";
  assert_int_equal(fs_report_query_set(&q, "--from", "2026-03-02"), 0);
  assert_int_equal(fs_report_query_set(&q, "--to", "2026-03-02"), 0);
  assert_int_equal(fs_report_query_set(&q, "--rep", "M01"), 0);
  assert_int_equal(q.nreps, 1);
  assert_int_equal(fs_report_run(f->r, &q, &rep), 0);
  assert_string_equal(fs_report_from(rep), "2026-03-02");
  assert_string_equal(fs_report_to(rep), "2026-03-02");
  for (int s = 0; s < fs_report_sections(rep); s++)
    if (strcmp(fs_report_section_name(rep, s), "reps") == 0)
      reps = s;
  assert_true(reps >= 0);
  assert_non_null(fs_report_section_title(rep, reps));
  last = fs_report_rows(rep, reps) - 1; /* the "*" total row */
  assert_string_equal(cell(rep, "reps", last, "rep").text, "*");
  assert_int_equal(cell(rep, "reps", last, "visits").i, 2);
  assert_int_equal(cell(rep, "reps", last, "calls").i, 1);
  assert_int_equal(cell(rep, "reps", last, "new_prospects").i, 3);
  assert_int_equal(cell(rep, "reps", 0, "visits").type, FS_REPORT_INT);
  assert_null(fs_report_section_name(rep, 99));
  assert_int_equal(fs_report_column(rep, 99, 0, NULL, NULL), FS_EINVAL);

  /* Rendered exactly as the report module renders it for both CLIs. */
  memset(&rq, 0, sizeof(rq));
  rq.name = "activity";
  rq.from = rq.to = "2026-03-02";
  rq.reps[0] = "M01";
  rq.nreps = 1;
  const fs_report_style styles[] = {FS_REPORT_STYLE_TEXT, FS_REPORT_STYLE_CSV,
                                    FS_REPORT_STYLE_JSON};
  const fs_report_format fmts[] = {FS_REPORT_TABLE, FS_REPORT_CSV, FS_REPORT_JSON};
  for (int i = 0; i < 3; i++) {
    fs__strbuf_init(&want, 1u << 20);
    assert_int_equal(
        fs__report_request_run(fs__replica_db(f->r), &rq, fmts[i], &want, err), 0);
    text = fs_report_render(rep, styles[i], &len, &rc);
    assert_non_null(text);
    assert_int_equal(rc, 0);
    assert_int_equal(len, want.len);
    assert_memory_equal(text, want.s, len);
    fs__strbuf_release(&want);
  }
  fs_report_free(rep);

  /* Errors: in fs_errmsg, as the CLI prints them. */
  q.name = "nonsense";
  assert_int_equal(fs_report_run(f->r, &q, &rep), FS_EINVAL);
  assert_null(rep);
  assert_non_null(strstr(fs_errmsg(f->r), "unknown report"));
  assert_int_equal(fs_report_query_set(&q, "--top", "many"), FS_EUSAGE);
  assert_string_not_equal(fs_errmsg(NULL), "");
  assert_int_equal(fs_report_option("--csv"), 0);
  assert_int_equal(fs_report_option("--from"), 1);
  assert_int_equal(fs_report_option("--bogus"), FS_ENOTFOUND);
  /* The public usage line is the one fieldsyncd prints. */
  assert_string_equal(FS_REPORT_QUERY_USAGE, FS_REPORT_ARGS_USAGE);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_model_for_forms),
      cmocka_unit_test(test_dates_and_roles),
      cmocka_unit_test_setup_teardown(test_errmsg, setup_rep, teardown),
      cmocka_unit_test_setup_teardown(test_outbox_enums, setup_rep, teardown),
      cmocka_unit_test_setup_teardown(test_conflicts_list_and_resolve, setup_rep,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_conflicts_customer_and_resolve, setup_rep,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_notices, setup_rep, teardown),
      cmocka_unit_test_setup_teardown(test_lost_review, setup_manager, teardown),
      cmocka_unit_test_setup_teardown(test_lost_review_rep_refused, setup_rep, teardown),
      cmocka_unit_test_setup_teardown(test_report_typed_and_rendered, setup_manager,
                                      teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
