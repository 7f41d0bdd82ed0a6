/* bench_daemon_incr.c - incremental sync of 100 changes: its cost must
 * follow the change, not the size of the central store.
 *
 * Run twice, each on its own real fieldsyncd: a store of 10,000 rows and
 * one of 1,000,000 rows.  The bulk belongs to rep B01 (customers and
 * visit-like rows written straight into the central store before serving:
 * fs__store_apply + fs__central_journal in big transactions).  Rep A01
 * owns 1,000 rows; two devices of A01 are enrolled and pull those first
 * (not timed).  Then, ROUNDS times: device 1 writes 100 visits offline,
 * and we time device 1's fs_sync (push 100, pull them back) and device 2's
 * fs_sync (pull the 100).  A sync with nothing to do is timed too (the
 * fixed cost: connect + handshake + empty pull).  Medians are printed per
 * store, and the ratio big/small, which should be ~1.
 *
 * usage: bench_daemon_incr [SCALE]   (SCALE 1.0 = 1,000,000 rows; the small
 * store stays at 10,000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "benchutil.h"
#include "fieldsync.h"
#include "fs_errno.h"

#define ROUNDS 7
#define CHANGES 100

typedef struct result {
  long rows;
  double seed;              /* seconds */
  double push, pull, empty; /* medians, seconds */
} result;

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof(*v), cmp_double);
  return v[n / 2];
}

static int timed_sync(fs_replica *r, double *secs, fs_sync_stats *st) {
  fs_sync_options opt;
  char err[256];
  double t0;
  int rc;

  memset(&opt, 0, sizeof(opt));
  opt.timeout_ms = 60000;
  t0 = bu_now();
  rc = fs_sync(r, &opt, st, err, sizeof(err));
  *secs = bu_now() - t0;
  if (rc)
    fprintf(stderr, "bench_daemon_incr: sync: %s\n", err);
  return rc;
}

static int run_store(long rows, result *res) {
  bu_daemon d;
  bu_admin *a = NULL;
  fs_replica *r1 = NULL, *r2 = NULL;
  fs_sync_stats st;
  char tok1[BU_TOKEN_MAX], tok2[BU_TOKEN_MAX], cust[33];
  double push[ROUNDS], pull[ROUNDS], empty[ROUNDS], t0, dummy;
  long bcust = rows / 100 > 0 ? rows / 100 : 1;
  int rc;

  memset(&d, 0, sizeof(d));
  memset(res, 0, sizeof(*res));
  res->rows = rows;
  rc = bu_daemon_setup(&d, NULL);
  if (rc == 0)
    rc = bu_admin_open(&d, &a);
  if (rc == 0)
    rc = bu_admin_staff_token(a, "A01", "rep", tok1, sizeof(tok1));
  if (rc == 0)
    rc = bu_admin_run(a, tok2, sizeof(tok2), "enroll", "code", "A01", (const char *)NULL);
  if (rc == 0)
    rc = bu_admin_run(a, NULL, 0, "staff.add", "code", "B01", "name", "B01", "role", "rep",
                      (const char *)NULL);
  if (a)
    rc = bu_admin_close(a, rc == 0) ? FS_EDB : rc;
  if (rc == 0 && strchr(tok2, '\n'))
    *strchr(tok2, '\n') = '\0';
  t0 = bu_now();
  if (rc == 0)
    rc = bu_seed_central(&d, "B01", bcust, rows - bcust, 100000);
  if (rc == 0)
    rc = bu_seed_central(&d, "A01", 10, 990, 100000);
  res->seed = bu_now() - t0;
  if (rc == 0)
    rc = bu_daemon_serve(&d);
  if (rc == 0)
    rc = bu_client_enroll(&d, "dev1", tok1, &r1);
  if (rc == 0)
    rc = bu_client_enroll(&d, "dev2", tok2, &r2);
  if (rc == 0)
    rc = timed_sync(r1, &dummy, &st);
  if (rc == 0 && st.pulled != 1000) {
    fprintf(stderr, "bench_daemon_incr: device 1 pulled %llu rows, expected 1000\n",
            (unsigned long long)st.pulled);
    rc = FS_EINTERNAL;
  }
  if (rc == 0)
    rc = timed_sync(r2, &dummy, &st);
  if (rc == 0)
    rc = bu_client_customer(r1, 0, cust);
  if (rc == 0)
    rc = timed_sync(r1, &dummy, &st);
  if (rc == 0)
    rc = timed_sync(r2, &dummy, &st);
  for (int i = 0; rc == 0 && i < ROUNDS; i++) {
    rc = bu_client_visits(r1, cust, (long)i * CHANGES, CHANGES, CHANGES);
    if (rc == 0)
      rc = timed_sync(r1, &push[i], &st);
    if (rc == 0 && st.applied != CHANGES) {
      fprintf(stderr, "bench_daemon_incr: %llu of %d applied\n",
              (unsigned long long)st.applied, CHANGES);
      rc = FS_EINTERNAL;
    }
    if (rc == 0)
      rc = timed_sync(r2, &pull[i], &st);
    if (rc == 0 && st.pulled != CHANGES) {
      fprintf(stderr, "bench_daemon_incr: device 2 pulled %llu of %d\n",
              (unsigned long long)st.pulled, CHANGES);
      rc = FS_EINTERNAL;
    }
    if (rc == 0)
      rc = timed_sync(r2, &empty[i], &st);
  }
  fs_replica_close(r1);
  fs_replica_close(r2);
  bu_daemon_cleanup(&d);
  if (rc == 0) {
    res->push = median(push, ROUNDS);
    res->pull = median(pull, ROUNDS);
    res->empty = median(empty, ROUNDS);
  }
  return rc;
}

int main(int argc, char **argv) {
  double scale = bu_scale(argc, argv);
  long big = (long)(1000000 * scale) > 20000 ? (long)(1000000 * scale) : 20000;
  result small, large;
  int rc;

  rc = run_store(10000, &small);
  if (rc == 0)
    rc = run_store(big, &large);
  if (rc) {
    fprintf(stderr, "bench_daemon_incr: %s\n", fs_strerror(rc));
    return 1;
  }
  printf("incremental sync of %d changes, medians of %d rounds (seeding: %ld rows in %.1f s, "
         "%ld rows in %.1f s)\n", CHANGES, ROUNDS, small.rows, small.seed, large.rows,
         large.seed);
  printf("%-28s %12s %12s %8s\n", "", "store 10k", "store big", "big/10k");
  printf("%-28s %9.2f ms %9.2f ms %8.2f\n", "push 100 (+ pull back)", small.push * 1e3,
         large.push * 1e3, large.push / small.push);
  printf("%-28s %9.2f ms %9.2f ms %8.2f\n", "pull 100 on another device", small.pull * 1e3,
         large.pull * 1e3, large.pull / small.pull);
  printf("%-28s %9.2f ms %9.2f ms %8.2f\n", "empty sync (fixed cost)", small.empty * 1e3,
         large.empty * 1e3, large.empty / small.empty);
  return 0;
}
