/* bench_common_report.c - each manager's report over a company-sized store.
 *
 * Generates (raw prepared INSERTs, time-ordered ids, into a temporary
 * central-role database) 100,000 customers and 1,000,000 visits over the
 * year 2025-04-01 .. 2026-03-31 with, in proportion, 300,000 grade changes,
 * 50,000 opportunities, 200,000 showroom entries and 10,000 lost reviews,
 * owned by 100 reps in 10 teams.  Then times every report (CSV, best of
 * two runs) for the month of March 2026 over the whole company, and the
 * visits report for one team, next to a baseline measured in the same
 * run: a full scan of the visits table (SELECT count(*) FROM visits WHERE
 * deleted = 0; deleted is in no index; memory-mapped like the reports).  Prints each time, the baseline and
 * the ratio.  Goal: every report under one second.
 *
 * usage: bench_common_report [SCALE]   SCALE 0.01..1 (default 1) scales
 * every count down for a quick run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "date.h"
#include "db.h"
#include "fs_errno.h"
#include "id.h"
#include "model.h"
#include "report.h"
#include "strbuf.h"

#define NREPS 100
#define TEAM 10

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* xorshift: reproducible data without libc rand's global state. */
static unsigned long long rng = 88172645463325252ULL;
static unsigned rnd(unsigned n) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return (unsigned)(rng % n);
}

static uint64_t id_ms = 1743465600000ULL; /* 2025-04-01 */
static void next_id(char out[33]) { fs__id_new_at(out, id_ms++); }

static int64_t day0; /* 2025-04-01 */
#define YEAR_DAYS 365

static void day_text(int64_t d, char out[11]) { fs__date_format(day0 + d, out); }

static void rep_code(int i, char out[8]) { snprintf(out, 8, "R%03d", i % NREPS + 1); }

static int exec(sqlite3 *db, const char *sql) {
  int rc = fs__db_exec(db, sql);
  if (rc)
    fprintf(stderr, "bench: %s: %s\n", sql, fs_strerror(rc));
  return rc;
}

/* Commits every CHUNK rows so the WAL stays small. */
#define CHUNK 50000
static int chunk(sqlite3 *db, long i) {
  if (i % CHUNK != CHUNK - 1)
    return 0;
  return exec(db, "COMMIT") || exec(db, "BEGIN");
}

static int prep(sqlite3 *db, const char *sql, sqlite3_stmt **st) {
  if (sqlite3_prepare_v2(db, sql, -1, st, NULL) != SQLITE_OK) {
    fprintf(stderr, "bench: %s\n", sqlite3_errmsg(db));
    return FS_EDB;
  }
  return 0;
}

static int step(sqlite3 *db, sqlite3_stmt *st) {
  int rc = sqlite3_step(st);
  sqlite3_reset(st);
  if (rc != SQLITE_DONE) {
    fprintf(stderr, "bench: insert: %s\n", sqlite3_errmsg(db));
    return FS_EDB;
  }
  return 0;
}

#define T(i, v) sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT)
#define I(i, v) sqlite3_bind_int64(st, i, v)
#define N(i) sqlite3_bind_null(st, i)

typedef struct cust {
  char id[33];
  int rep;
} cust;

static int gen(sqlite3 *db, double scale, long *counts) {
  static const char *const models[] = {"汉 EV", "Model Y", "秦 PLUS", "Camry", "Accord",
                                       "Golf", "宋 PRO", "CR-V", "Tiguan", "海豹"};
  static const int hour_w[] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 6, 8, 5, 4, 6, 8, 7, 5, 4, 2};
  long nc = (long)(100000 * scale), nv = (long)(1000000 * scale), ng = (long)(300000 * scale),
       no = (long)(50000 * scale), ns = (long)(200000 * scale), nl = (long)(10000 * scale);
  sqlite3_stmt *st = NULL;
  cust *cs = calloc((size_t)nc, sizeof(*cs));
  char id[33], d[11], at[20], rep[8], buf[64];
  int rc;

  if (cs == NULL)
    return FS_ENOMEM;
  rc = exec(db, "BEGIN");
  for (int m = 0; m < NREPS / TEAM && rc == 0; m++) {
    char sql[160];
    snprintf(sql, sizeof(sql), "INSERT INTO staff(code, name, role) VALUES ('M%02d', 'm', "
                               "'manager')", m + 1);
    rc = exec(db, sql);
    for (int r = 0; r < TEAM && rc == 0; r++) {
      snprintf(sql, sizeof(sql), "INSERT INTO staff(code, name, role, manager) VALUES "
                                 "('R%03d', 'r', 'rep', 'M%02d')", m * TEAM + r + 1, m + 1);
      rc = exec(db, sql);
    }
  }
  /* customers: grades O 5%, A 10%, B 20%, C 30%, delivered 25%, lost 10%;
   * revenue skewed so that about a fifth make 80%. */
  if (rc == 0)
    rc = prep(db,
              "INSERT INTO customers(id, owner, author, hlc, archive_no, name, phone, grade,"
              " created, delivery_date, revenue, margin, growth, payment, credit, strategic)"
              " VALUES (?1, ?2, ?2, 1, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
              &st);
  for (long i = 0; i < nc && rc == 0; i++) {
    static const char *const g[] = {"O", "A", "A", "B", "B", "B", "B", "C", "C", "C",
                                    "C", "C", "C", "delivered", "delivered", "delivered",
                                    "delivered", "delivered", "lost", "lost"};
    const char *grade = g[rnd(20)];
    int64_t rev = (int64_t)(rnd(100) < 20 ? 1000 + rnd(9000) : rnd(500)) * 10000;
    next_id(cs[i].id);
    cs[i].rep = (int)rnd(NREPS);
    rep_code(cs[i].rep, rep);
    T(1, cs[i].id);
    T(2, rep);
    snprintf(buf, sizeof(buf), "%s-X-%07ld", rep, i); /* unique */
    T(3, buf);
    snprintf(buf, sizeof(buf), "客户 %ld 汽车销售有限公司", i);
    T(4, buf);
    snprintf(buf, sizeof(buf), "+86 10 %08ld", i);
    T(5, buf);
    T(6, grade);
    day_text(rnd(YEAR_DAYS), d);
    T(7, d);
    if (strcmp(grade, "delivered") == 0) {
      day_text(rnd(YEAR_DAYS), d);
      T(8, d);
    } else {
      N(8);
    }
    I(9, rev);
    I(10, rev / 10);
    for (int k = 0; k < 4; k++)
      I(11 + k, rnd(101));
    rc = step(db, st);
    if (rc == 0)
      rc = chunk(db, i);
  }
  sqlite3_finalize(st);
  st = NULL;
  /* visits: random customers and days, daytime hours. */
  if (rc == 0)
    rc = prep(db,
              "INSERT INTO visits(id, owner, author, hlc, customer_id, at, method, stage,"
              " duration_min) VALUES (?1, ?2, ?2, 1, ?3, ?4, ?5, ?6, 30)",
              &st);
  for (long i = 0; i < nv && rc == 0; i++) {
    cust *c = &cs[rnd((unsigned)nc)];
    next_id(id);
    rep_code(c->rep, rep);
    T(1, id);
    T(2, rep);
    T(3, c->id);
    day_text(rnd(YEAR_DAYS), d);
    snprintf(at, sizeof(at), "%sT%02u:%02u", d, 8 + rnd(11), rnd(60));
    T(4, at);
    T(5, fs__visit_methods[rnd(6)]);
    if (rnd(3) == 0)
      T(6, fs__stages[rnd(5)]);
    else
      N(6);
    rc = step(db, st);
    if (rc == 0)
      rc = chunk(db, i);
  }
  sqlite3_finalize(st);
  st = NULL;
  if (rc == 0)
    rc = prep(db,
              "INSERT INTO grade_changes(id, owner, author, hlc, customer_id, grade,"
              " prev_grade, date) VALUES (?1, ?2, ?2, 1, ?3, ?4, ?5, ?6)",
              &st);
  for (long i = 0; i < ng && rc == 0; i++) {
    cust *c = &cs[rnd((unsigned)nc)];
    next_id(id);
    rep_code(c->rep, rep);
    T(1, id);
    T(2, rep);
    T(3, c->id);
    T(4, fs__grades[rnd(6)]);
    if (rnd(4))
      T(5, fs__grades[rnd(6)]);
    else
      N(5);
    day_text(rnd(YEAR_DAYS), d);
    T(6, d);
    rc = step(db, st);
    if (rc == 0)
      rc = chunk(db, i);
  }
  sqlite3_finalize(st);
  st = NULL;
  if (rc == 0)
    rc = prep(db,
              "INSERT INTO opportunities(id, owner, author, hlc, customer_id, title, amount,"
              " stage, status) VALUES (?1, ?2, ?2, 1, ?3, 'fleet', ?4, ?5, ?6)",
              &st);
  for (long i = 0; i < no && rc == 0; i++) {
    cust *c = &cs[rnd((unsigned)nc)];
    next_id(id);
    rep_code(c->rep, rep);
    T(1, id);
    T(2, rep);
    T(3, c->id);
    I(4, rnd(1000) * 10000);
    T(5, fs__stages[rnd(5)]);
    T(6, fs__opp_status[rnd(3)]);
    rc = step(db, st);
    if (rc == 0)
      rc = chunk(db, i);
  }
  sqlite3_finalize(st);
  st = NULL;
  /* showroom: a third with a card, a third with a phone from a pool (so
   * repeat visitors exist), a third anonymous; hours peak late morning and
   * afternoon. */
  if (rc == 0)
    rc = prep(db,
              "INSERT INTO showroom_log(id, owner, author, hlc, arrived, customer_id, phone,"
              " left_details, model, grade, rep_on_duty, ordered)"
              " VALUES (?1, ?2, ?2, 1, ?3, ?4, ?5, ?6, ?7, ?8, ?2, ?9)",
              &st);
  for (long i = 0; i < ns && rc == 0; i++) {
    unsigned kind = rnd(3), h, w = rnd(57);
    next_id(id);
    rep_code((int)rnd(NREPS), rep);
    for (h = 0; h < 19 && w >= (unsigned)hour_w[h]; h++)
      w -= (unsigned)hour_w[h];
    T(1, id);
    T(2, rep);
    day_text(rnd(YEAR_DAYS), d);
    snprintf(at, sizeof(at), "%sT%02u:%02u", d, h, rnd(60));
    T(3, at);
    if (kind == 0)
      T(4, cs[rnd((unsigned)nc)].id);
    else
      N(4);
    if (kind == 1) {
      snprintf(buf, sizeof(buf), "139%08u", rnd(50000));
      T(5, buf);
    } else {
      N(5);
    }
    I(6, kind < 2);
    T(7, models[rnd(10)]);
    T(8, fs__grades[rnd(5)]);
    I(9, rnd(20) == 0);
    rc = step(db, st);
    if (rc == 0)
      rc = chunk(db, i);
  }
  sqlite3_finalize(st);
  st = NULL;
  if (rc == 0)
    rc = prep(db,
              "INSERT INTO lost_reviews(id, owner, author, hlc, customer_id, lost_date, reason,"
              " competitor, confirmed) VALUES (?1, ?2, ?2, 1, ?3, ?4, ?5, ?6, ?7)",
              &st);
  for (long i = 0; i < nl && rc == 0; i++) {
    static const char *const reasons[] = {"price / 价格", "financing", "delivery time",
                                          "relationship", "product fit"};
    static const char *const comps[] = {"Toyota", "比亚迪 BYD", "VW", "Honda", ""};
    cust *c = &cs[rnd((unsigned)nc)];
    next_id(id);
    rep_code(c->rep, rep);
    T(1, id);
    T(2, rep);
    T(3, c->id);
    day_text(rnd(YEAR_DAYS), d);
    T(4, d);
    T(5, reasons[rnd(5)]);
    T(6, comps[rnd(5)]);
    I(7, rnd(2));
    rc = step(db, st);
    if (rc == 0)
      rc = chunk(db, i);
  }
  sqlite3_finalize(st);
  if (rc == 0)
    rc = exec(db, "COMMIT");
  if (rc == 0)
    rc = exec(db, "ANALYZE");
  counts[0] = nc;
  counts[1] = nv;
  counts[2] = ng;
  counts[3] = no;
  counts[4] = ns;
  counts[5] = nl;
  free(cs);
  return rc;
}

static double time_sql(sqlite3 *db, const char *sql, long long *out) {
  sqlite3_stmt *st = NULL;
  double t0 = now_s();
  *out = -1;
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
    *out = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return now_s() - t0;
}

/* Best of two runs; *bytes receives the output size. */
static int time_report(sqlite3 *db, const fs_report_params *p, double *secs, size_t *bytes) {
  char err[FS_REPORT_ERR_MAX];
  int rc = 0;

  *secs = 1e9;
  for (int run = 0; run < 2 && rc == 0; run++) {
    fs__strbuf out;
    double t0;
    fs__strbuf_init(&out, (size_t)256 << 20);
    t0 = now_s();
    rc = fs__report_run(db, p, FS_REPORT_CSV, &out, err);
    if (now_s() - t0 < *secs)
      *secs = now_s() - t0;
    *bytes = out.len;
    fs__strbuf_release(&out);
    if (rc)
      fprintf(stderr, "bench: report %s: %s (%s)\n", p->name, err, fs_strerror(rc));
  }
  return rc;
}

/* The central store's own tables are the daemon's (daemon/store/schema.c);
 * this common-layer bench needs only the record tables. */
static const fs_schema_fragment records_only = {FS_SCHEMA_DAEMON, "daemon (records only)",
                                                "", NULL, 0};

int main(int argc, char **argv) {
  fs__schema_register(&records_only);
  static const char *const team[] = {"R001", "R002", "R003", "R004", "R005",
                                     "R006", "R007", "R008", "R009", "R010"};
  char dir[] = "/tmp/bench_report_XXXXXX", path[600];
  double scale = argc > 1 ? atof(argv[1]) : 1.0, t0, tbase, worst = 0;
  long counts[6];
  long long n;
  sqlite3 *db = NULL;
  int rc, fails = 0;

  if (!(scale >= 0.01 && scale <= 1.0)) {
    fprintf(stderr, "usage: %s [SCALE 0.01..1]\n", argv[0]);
    return 2;
  }
  day0 = fs__days_from_civil(2025, 4, 1);
  if (mkdtemp(dir) == NULL) {
    perror("mkdtemp");
    return 1;
  }
  snprintf(path, sizeof(path), "%s/central.db", dir);
  rc = fs__db_open(path, 1, FS_SCHEMA_DAEMON, &db);
  if (rc == 0)
    rc = exec(db, "PRAGMA synchronous=OFF");
  t0 = now_s();
  if (rc == 0)
    rc = gen(db, scale, counts);
  if (rc)
    goto out;
  printf("bench_common_report: scale %.2f: %ld customers, %ld visits, %ld grade changes, "
         "%ld opportunities, %ld showroom, %ld lost reviews generated in %.1f s\n",
         scale, counts[0], counts[1], counts[2], counts[3], counts[4], counts[5],
         now_s() - t0);
  /* Warm the cache with one scan, then the baseline (best of two), read
   * the way the reports read (fs__report_run maps the file: 256 MiB). */
  exec(db, "PRAGMA mmap_size=268435456");
  time_sql(db, "SELECT count(*) FROM visits WHERE deleted = 0", &n);
  tbase = time_sql(db, "SELECT count(*) FROM visits WHERE deleted = 0", &n);
  {
    double t2 = time_sql(db, "SELECT count(*) FROM visits WHERE deleted = 0", &n);
    if (t2 < tbase)
      tbase = t2;
  }
  printf("  %-28s %8.3f s  (%lld rows)\n", "baseline: visits full scan", tbase, n);
  for (int i = 0; fs__report_names[i] && rc == 0; i++) {
    for (int variant = 0; variant < 2 && rc == 0; variant++) {
      fs_report_params p;
      char label[64];
      double secs;
      size_t bytes;
      memset(&p, 0, sizeof(p));
      p.name = fs__report_names[i];
      p.from = "2026-03-01";
      p.to = "2026-03-31";
      if (variant == 1) {
        /* a team of 10 reps, as a manager or --team would ask */
        p.owners = team;
        p.nowners = 10;
      }
      rc = time_report(db, &p, &secs, &bytes);
      if (rc)
        break;
      snprintf(label, sizeof(label), "%s (%s)", p.name, variant ? "one team" : "company");
      printf("  %-28s %8.3f s  ratio %6.2f x baseline  %s  (%zu bytes)\n", label, secs,
             tbase > 0 ? secs / tbase : 0.0, secs < 1.0 ? "ok" : "OVER 1 s", bytes);
      if (secs > worst)
        worst = secs;
      fails += secs >= 1.0;
    }
  }
  if (rc == 0)
    printf("  worst report %.3f s; goal < 1 s: %s; total run %.1f s\n", worst,
           fails ? "MISSED" : "met", now_s() - t0);
out:
  fs__db_close(db);
  snprintf(path, sizeof(path), "rm -rf '%s'", dir);
  if (system(path) != 0)
    fprintf(stderr, "bench: could not remove %s\n", dir);
  if (rc)
    fprintf(stderr, "bench: failed: %s\n", fs_strerror(rc));
  return rc ? 1 : 0;
}
