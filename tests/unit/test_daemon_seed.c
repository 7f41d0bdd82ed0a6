/* test_daemon_seed.c - fieldsyncd seed: counts, consistency of the
 * generated story (owners exist, grade history ends in the card's grade,
 * dates inside the window, children follow their card's owner),
 * distributions (showroom peaks, share leaving details), determinism, and
 * that a pull for one rep returns exactly that rep's records. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "store/central.h"
#include "store/impl.h"
#include "fs_errno.h"
#include "hlc.h"
#include "seed.h"

typedef struct fx {
  char *dir;
  fs_central *c;
  fs_seed_stats st;
} fx;

static fs_seed_opts opts(int reps, int customers, int months, uint64_t seed) {
  fs_seed_opts o;
  memset(&o, 0, sizeof(o));
  o.reps = reps;
  o.customers = customers;
  o.months = months;
  o.seed = seed;
  o.end = "2026-06-30";
  o.batch = 1000; /* several batches */
  return o;
}

static int progress_calls;
static void on_progress(void *arg, const fs_seed_stats *s, int done) {
  (void)arg;
  (void)s;
  assert_true(done >= 0);
  progress_calls++;
}

static fs_central *open_store(const char *dir, const char *name) {
  char *path = fs_test_path(dir, name);
  fs_central *c = NULL;
  assert_int_equal(fs__central_open(path, 1, &c), 0);
  free(path);
  return c;
}

static int setup(void **state) {
  fx *f = calloc(1, sizeof(*f));
  fs_seed_opts o = opts(3, 400, 6, 42);

  assert_non_null(f);
  f->dir = fs_test_tmpdir();
  f->c = open_store(f->dir, "central.db");
  progress_calls = 0;
  o.progress = on_progress;
  assert_int_equal(fs__seed_run(f->c, &o, &f->st), 0);
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fx *f = *state;
  fs__central_free(f->c);
  fs_test_rmdir(f->dir);
  free(f);
  return 0;
}

static long long q1(fs_central *c, const char *sql) {
  sqlite3_stmt *st = NULL;
  long long n = -1;

  assert_int_equal(sqlite3_prepare_v2(fs__central_db(c), sql, -1, &st, NULL), SQLITE_OK);
  if (sqlite3_step(st) == SQLITE_ROW)
    n = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return n;
}

static void test_counts(void **state) {
  fx *f = *state;

  assert_int_equal(f->st.staff, 4);
  assert_int_equal(f->st.customers, 400);
  assert_int_equal(q1(f->c, "SELECT count(*) FROM customers"), 400);
  assert_int_equal(q1(f->c, "SELECT count(*) FROM grade_changes"), (long long)f->st.grade_changes);
  assert_int_equal(q1(f->c, "SELECT count(*) FROM contacts"), (long long)f->st.contacts);
  assert_int_equal(q1(f->c, "SELECT count(*) FROM visits"), (long long)f->st.visits);
  assert_int_equal(q1(f->c, "SELECT count(*) FROM opportunities"), (long long)f->st.opportunities);
  assert_int_equal(q1(f->c, "SELECT count(*) FROM showroom_log"), (long long)f->st.showroom);
  assert_int_equal(q1(f->c, "SELECT count(*) FROM lost_reviews"), (long long)f->st.lost_reviews);
  assert_int_equal(f->st.rows, f->st.customers + f->st.grade_changes + f->st.contacts +
                                   f->st.visits + f->st.opportunities + f->st.showroom +
                                   f->st.lost_reviews);
  /* One journal entry per record, every row stamped with a seq. */
  assert_int_equal(q1(f->c, "SELECT count(*) FROM journal"), (long long)f->st.rows);
  assert_int_equal(q1(f->c, "SELECT count(*) FROM visits WHERE seq IS NULL OR seq = 0"), 0);
  assert_int_equal((long long)fs__central_seq(f->c),
                   q1(f->c, "SELECT max(seq) FROM journal"));
  /* Several batches were committed and reported. */
  assert_true(progress_calls >= 2);
  /* Plausible volumes: every customer has a card history and contacts,
   * most have visits. */
  assert_true(f->st.grade_changes >= 400);
  assert_true(f->st.contacts >= 400 && f->st.contacts <= 1600);
  assert_true(f->st.visits > 2 * 400);
  assert_true(f->st.lost_reviews > 0 && f->st.lost_reviews < 400 / 2);
}

static void test_consistency(void **state) {
  fx *f = *state;

  /* Staff: one manager, reps in its team. */
  assert_int_equal(q1(f->c, "SELECT count(*) FROM staff WHERE role='manager' AND code='M01'"), 1);
  assert_int_equal(q1(f->c, "SELECT count(*) FROM staff WHERE role='rep' AND manager='M01'"), 3);
  /* Every customer's owner exists and is a rep; spread evenly. */
  assert_int_equal(q1(f->c, "SELECT count(*) FROM customers c WHERE NOT EXISTS (SELECT 1 FROM "
                            "staff s WHERE s.code=c.owner AND s.role='rep')"),
                   0);
  assert_int_equal(q1(f->c, "SELECT min(n) FROM (SELECT count(*) n FROM customers GROUP BY "
                            "owner)"),
                   133);
  /* Children belong to their card's owner. */
  static const char *const children[] = {"grade_changes", "contacts", "visits", "opportunities",
                                         "lost_reviews"};
  for (size_t i = 0; i < sizeof(children) / sizeof(children[0]); i++) {
    char sql[256];
    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM %s x LEFT JOIN customers c ON c.id=x.customer_id WHERE "
             "c.id IS NULL OR c.owner<>x.owner",
             children[i]);
    assert_int_equal(q1(f->c, sql), 0);
  }
  /* Grade history: starts without a previous grade, each step's previous
   * grade is the step before, and the last one is the card's grade and
   * grade date. */
  assert_int_equal(q1(f->c, "SELECT count(*) FROM customers c WHERE (SELECT g.grade FROM "
                            "grade_changes g WHERE g.customer_id=c.id ORDER BY g.date DESC "
                            "LIMIT 1) IS NOT c.grade"),
                   0);
  assert_int_equal(q1(f->c, "SELECT count(*) FROM customers c WHERE (SELECT max(g.date) FROM "
                            "grade_changes g WHERE g.customer_id=c.id) IS NOT c.grade_date"),
                   0);
  assert_int_equal(q1(f->c, "SELECT count(*) FROM grade_changes g WHERE g.prev_grade IS NULL"),
                   400);
  assert_int_equal(q1(f->c, "SELECT count(*) FROM grade_changes g WHERE g.prev_grade IS NOT "
                            "(SELECT p.grade FROM grade_changes p WHERE p.customer_id = "
                            "g.customer_id AND p.date < g.date ORDER BY p.date DESC LIMIT 1)"),
                   0);
  /* Grades evolve: some customers changed grade, and all grades occur. */
  assert_true(q1(f->c, "SELECT count(*) FROM grade_changes WHERE prev_grade IS NOT NULL") > 100);
  assert_int_equal(q1(f->c, "SELECT count(DISTINCT grade) FROM customers"), 6);
  /* Delivered cards carry the delivery date; lost ones a lost review. */
  assert_int_equal(q1(f->c, "SELECT count(*) FROM customers WHERE grade='delivered' AND "
                            "delivery_date IS NULL"),
                   0);
  assert_int_equal(q1(f->c, "SELECT count(*) FROM customers c WHERE grade='lost' AND NOT "
                            "EXISTS (SELECT 1 FROM lost_reviews l WHERE l.customer_id=c.id)"),
                   0);
  assert_true(q1(f->c, "SELECT count(*) FROM lost_reviews WHERE reviewed_by IS NULL") > 0);
  assert_true(q1(f->c, "SELECT count(*) FROM lost_reviews WHERE confirmed=1 AND "
                       "reviewed_by='M01'") > 0);
  /* Dates inside the window 2025-12-31 .. 2026-06-30. */
  assert_int_equal(q1(f->c, "SELECT count(*) FROM visits WHERE at < '2025-12-31' OR "
                            "substr(at,1,10) > '2026-06-30'"),
                   0);
  assert_int_equal(q1(f->c, "SELECT count(*) FROM customers WHERE created < '2025-12-31' OR "
                            "created > '2026-06-30'"),
                   0);
  assert_int_equal(q1(f->c, "SELECT count(*) FROM showroom_log WHERE arrived < '2025-12-31' OR "
                            "substr(arrived,1,10) > '2026-06-30'"),
                   0);
  /* No visit to a customer before its card was opened. */
  assert_int_equal(q1(f->c, "SELECT count(*) FROM visits v JOIN customers c ON "
                            "c.id=v.customer_id WHERE substr(v.at,1,10) < c.created"),
                   0);
  /* Chinese and English names both occur. */
  assert_true(q1(f->c, "SELECT count(*) FROM customers WHERE name LIKE '%有限公司'") > 100);
  assert_true(q1(f->c, "SELECT count(*) FROM customers WHERE name GLOB '[A-Z]*'") > 50);
  /* Archive numbers are unique and use slot 64's serials. */
  assert_int_equal(q1(f->c, "SELECT count(DISTINCT archive_no) FROM customers"), 400);
  assert_int_equal(q1(f->c, "SELECT count(*) FROM customers WHERE archive_no NOT GLOB "
                            "'A0[1-3]-202[56]-*' OR (CAST(substr(archive_no, 10) AS INTEGER) "
                            "- 1) / 100 % 64 <> 63"),
                   0);
  assert_int_equal(q1(f->c, "SELECT count(*) FROM customers WHERE archive_no GLOB "
                            "'A0[1-3]-2026-6301'"),
                   3); /* each rep's first card of the year */
}

static void test_distributions(void **state) {
  fx *f = *state;
  /* strftime('%w'): 0 Sunday .. 6 Saturday. */
  long long we_morning = q1(f->c, "SELECT count(*) FROM showroom_log WHERE strftime('%w', "
                                  "arrived) IN ('0','6') AND substr(arrived,12,2) IN "
                                  "('09','10')");
  long long we_afternoon = q1(f->c, "SELECT count(*) FROM showroom_log WHERE strftime('%w', "
                                    "arrived) IN ('0','6') AND substr(arrived,12,2) IN "
                                    "('15','16')");
  long long wd_late_morning = q1(f->c, "SELECT count(*) FROM showroom_log WHERE "
                                       "strftime('%w', arrived) NOT IN ('0','6') AND "
                                       "substr(arrived,12,2) IN ('10','11')");
  long long wd_afternoon = q1(f->c, "SELECT count(*) FROM showroom_log WHERE strftime('%w', "
                                    "arrived) NOT IN ('0','6') AND substr(arrived,12,2) IN "
                                    "('14','15')");
  long long weekend = q1(f->c, "SELECT count(*) FROM showroom_log WHERE strftime('%w', "
                               "arrived) IN ('0','6')");
  long long total = q1(f->c, "SELECT count(*) FROM showroom_log");
  long long details = q1(f->c, "SELECT count(*) FROM showroom_log WHERE left_details=1");

  assert_true(we_afternoon > 2 * we_morning);
  assert_true(wd_late_morning > wd_afternoon * 3 / 2);
  /* 2 of 7 days, but twice as busy: about half of the traffic. */
  assert_true(weekend * 100 / total >= 35 && weekend * 100 / total <= 65);
  assert_true(details * 100 / total >= 30 && details * 100 / total <= 50);
  /* Every entry with details is linked to a card that was called back. */
  assert_int_equal(q1(f->c, "SELECT count(*) FROM showroom_log WHERE left_details=1 AND "
                            "customer_id IS NULL"),
                   0);
  /* Hot prospects are visited more often than cold ones (per customer). */
  assert_true(q1(f->c, "SELECT count(*) * 1000 / (SELECT count(*) FROM customers WHERE "
                       "grade='A') FROM visits v JOIN customers c ON c.id=v.customer_id WHERE "
                       "c.grade='A'") >
              q1(f->c, "SELECT count(*) * 1000 / (SELECT count(*) FROM customers WHERE "
                       "grade='C') FROM visits v JOIN customers c ON c.id=v.customer_id WHERE "
                       "c.grade='C'"));
  /* Revenue: some key accounts with tiers. */
  assert_true(q1(f->c, "SELECT count(*) FROM customers WHERE key_account=1 AND tier<>'none'") >
              0);
}

static long long digest_count(fs_central *c, const char *what) {
  char sql[256];
  snprintf(sql, sizeof(sql), "SELECT count(*) FROM (SELECT %s)", what);
  return q1(c, sql);
}

/* Same seed and end day: the same data, ids included; another seed
 * differs. */
static void test_deterministic(void **state) {
  fx *f = *state;
  fs_central *a = open_store(f->dir, "a.db"), *b = open_store(f->dir, "b.db");
  fs_seed_opts o = opts(3, 400, 6, 42), o2 = opts(3, 400, 6, 43);
  fs_seed_stats sa, sb;
  char sql[512];

  assert_int_equal(fs__seed_run(a, &o, &sa), 0);
  assert_int_equal(fs__seed_run(b, &o2, &sb), 0);
  assert_int_equal(sa.rows, f->st.rows);
  assert_int_equal(sa.visits, f->st.visits);
  snprintf(sql, sizeof(sql), "ATTACH '%s/a.db' AS a", f->dir);
  assert_int_equal(sqlite3_exec(fs__central_db(f->c), sql, NULL, NULL, NULL), SQLITE_OK);
  snprintf(sql, sizeof(sql), "ATTACH '%s/b.db' AS b", f->dir);
  assert_int_equal(sqlite3_exec(fs__central_db(f->c), sql, NULL, NULL, NULL), SQLITE_OK);
  assert_int_equal(digest_count(f->c, "id, name, grade, archive_no, hlc FROM customers EXCEPT "
                                      "SELECT id, name, grade, archive_no, hlc FROM a.customers"),
                   0);
  assert_int_equal(digest_count(f->c, "id, at, customer_id FROM visits EXCEPT SELECT id, at, "
                                      "customer_id FROM a.visits"),
                   0);
  assert_true(digest_count(f->c, "id, name FROM customers EXCEPT SELECT id, name FROM "
                                 "b.customers") > 300);
  sqlite3_exec(fs__central_db(f->c), "DETACH a; DETACH b", NULL, NULL, NULL);
  fs__central_free(a);
  fs__central_free(b);
}

typedef struct sink_ctx {
  const char *only; /* expected owner, or NULL */
  long long rows, wrong, evicts;
} sink_ctx;

static int sink_row(void *arg, const fs_row *row) {
  sink_ctx *s = arg;
  s->rows++;
  if (s->only && strcmp(row->owner, s->only) != 0)
    s->wrong++;
  return 0;
}

static int sink_evict(void *arg, fs_kind k, const char *id) {
  sink_ctx *s = arg;
  (void)k;
  (void)id;
  s->evicts++;
  return 0;
}

static void pull_all(fs_central *c, const char *staff, sink_ctx *sc) {
  fs_access *a = malloc(sizeof(*a));
  fs_pull_sink sink = {sc, sink_row, sink_evict};
  uint64_t cursor = 0, next = 0;
  int more = 1;

  assert_non_null(a);
  assert_int_equal(fs__central_access(fs__central_rd(c), staff, (int64_t)fs__now_ms(), a), 0);
  while (more) {
    assert_int_equal(fs__central_pull(fs__central_rd(c), a, cursor, 500, &sink, &next, &more),
                     0);
    assert_true(next >= cursor);
    cursor = next;
  }
  free(a);
}

static void test_pull_per_rep(void **state) {
  fx *f = *state;
  sink_ctx a01 = {"A01", 0, 0, 0}, m01 = {NULL, 0, 0, 0};
  long long owned = q1(f->c, "SELECT (SELECT count(*) FROM customers WHERE owner='A01') + "
                             "(SELECT count(*) FROM grade_changes WHERE owner='A01') + "
                             "(SELECT count(*) FROM contacts WHERE owner='A01') + "
                             "(SELECT count(*) FROM visits WHERE owner='A01') + "
                             "(SELECT count(*) FROM opportunities WHERE owner='A01') + "
                             "(SELECT count(*) FROM showroom_log WHERE owner='A01') + "
                             "(SELECT count(*) FROM lost_reviews WHERE owner='A01')");

  pull_all(f->c, "A01", &a01);
  assert_true(owned > 0);
  assert_int_equal(a01.rows, owned);
  assert_int_equal(a01.wrong, 0);
  assert_int_equal(a01.evicts, 0);
  /* The manager pulls the whole team. */
  pull_all(f->c, "M01", &m01);
  assert_int_equal(m01.rows, (long long)f->st.rows);
}

static void test_bad_options(void **state) {
  fx *f = *state;
  fs_seed_opts o = opts(0, 10, 6, 1);

  assert_int_equal(fs__seed_run(f->c, &o, NULL), FS_EINVAL);
  o = opts(FS_SEED_MAX_REPS + 1, 10, 6, 1);
  assert_int_equal(fs__seed_run(f->c, &o, NULL), FS_EINVAL);
  o = opts(2, 10, 0, 1);
  assert_int_equal(fs__seed_run(f->c, &o, NULL), FS_EINVAL);
  o = opts(2, -1, 6, 1);
  assert_int_equal(fs__seed_run(f->c, &o, NULL), FS_EINVAL);
  o = opts(2, 10, 6, 1);
  o.end = "2026-02-30";
  assert_int_equal(fs__seed_run(f->c, &o, NULL), FS_EINVAL);
  assert_int_equal(fs__seed_run(NULL, &o, NULL), FS_EINVAL);
  /* Nothing was added by the refused runs. */
  assert_int_equal(q1(f->c, "SELECT count(*) FROM customers"), 400);
}

/* The daemon check sees a listening admin socket, and none otherwise. */
static void test_daemon_running(void **state) {
  fx *f = *state;
  struct sockaddr_un sa;
  int fd;

  assert_int_equal(fs__seed_daemon_running(f->dir), 0);
  memset(&sa, 0, sizeof(sa));
  sa.sun_family = AF_UNIX;
  snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/admin.sock", f->dir);
  fd = socket(AF_UNIX, SOCK_STREAM, 0);
  assert_true(fd >= 0);
  assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
  assert_int_equal(listen(fd, 4), 0);
  assert_int_equal(fs__seed_daemon_running(f->dir), 1);
  {
    char *argv[] = {"--reps", "1", "--customers", "1", "--months", "1"};
    assert_int_equal(fs__seed_main(f->dir, 6, argv), 1);
  }
  close(fd);
  assert_int_equal(fs__seed_daemon_running(f->dir), 0);
  unlink(sa.sun_path);
  {
    char *argv[] = {"--reps", "1", "--customers", "1"};
    assert_int_equal(fs__seed_main(f->dir, 4, argv), 2);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_counts, setup, teardown),
      cmocka_unit_test_setup_teardown(test_consistency, setup, teardown),
      cmocka_unit_test_setup_teardown(test_distributions, setup, teardown),
      cmocka_unit_test_setup_teardown(test_deterministic, setup, teardown),
      cmocka_unit_test_setup_teardown(test_pull_per_rep, setup, teardown),
      cmocka_unit_test_setup_teardown(test_bad_options, setup, teardown),
      cmocka_unit_test_setup_teardown(test_daemon_running, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
