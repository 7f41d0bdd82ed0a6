/* bench_daemon_load.c - 1,000 devices x 100 changes against one daemon.
 *
 * Setup (not timed): 1,000 reps R0000.. with one enrollment token each
 * (in-process admin, one transaction), a real fieldsyncd, then a pool of
 * threads enrolls the 1,000 devices (fs_enroll) and writes 100 offline
 * changes on each (1 customer card + its grade entry via fs_create, 98
 * visits in one transaction).
 *
 * Timed: the pool (THREADS threads, each driving devices one after another
 * from a shared counter) opens each replica, runs fs_sync (push 100, pull
 * them back) and closes it.  Prints the aggregate changes/s, per-sync
 * p50/p99, and the daemon's peak memory (VmHWM from /proc/PID/status).
 *
 * Baseline, same run and daemon: one device (rep BASE) pushing 10,000
 * offline changes in one fs_sync (the single-client rate of
 * bench_daemon_push, also measured as a whole sync).
 *
 * usage: bench_daemon_load [SCALE]  (SCALE 1.0 = 1,000 devices, 10,000
 * baseline changes)
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "benchutil.h"
#include "fieldsync.h"
#include "fs_errno.h"

#define THREADS 32
#define PER_CLIENT 100

typedef struct shared {
  bu_daemon *d;
  long n;
  char (*tokens)[BU_TOKEN_MAX];
  double *lat; /* per-device sync seconds */
  atomic_long next;
  atomic_int failed;
  int phase; /* 0 enroll + write, 1 sync */
} shared;

static void dev_name(long i, char *buf, size_t len) { snprintf(buf, len, "c%04ld", i % 100000); }

static int prepare_one(shared *sh, long i) {
  char name[32], cid[33];
  fs_replica *r = NULL;
  int rc;

  dev_name(i, name, sizeof(name));
  rc = bu_client_enroll(sh->d, name, sh->tokens[i], &r);
  if (rc == 0)
    rc = bu_client_customer(r, i, cid);
  if (rc == 0)
    rc = bu_client_visits(r, cid, 0, PER_CLIENT - 2, PER_CLIENT);
  fs_replica_close(r);
  return rc;
}

static int sync_one(shared *sh, long i) {
  char name[32], dir[BU_PATH_MAX + 32], err[256];
  fs_replica *r = NULL;
  fs_sync_options opt;
  fs_sync_stats st;
  double t0 = bu_now();
  int rc;

  dev_name(i, name, sizeof(name));
  bu_client_dir(sh->d, name, dir, sizeof(dir));
  memset(&opt, 0, sizeof(opt));
  opt.timeout_ms = 60000;
  rc = fs_replica_open(dir, &r);
  if (rc == 0) {
    rc = fs_sync(r, &opt, &st, err, sizeof(err));
    if (rc)
      fprintf(stderr, "bench_daemon_load: %s: sync: %s\n", name, err);
  }
  if (rc == 0 && st.applied != PER_CLIENT) {
    fprintf(stderr, "bench_daemon_load: %s: %llu applied, %llu rejected\n", name,
            (unsigned long long)st.applied, (unsigned long long)st.rejected);
    rc = FS_EINTERNAL;
  }
  fs_replica_close(r);
  sh->lat[i] = bu_now() - t0;
  return rc;
}

static void *worker(void *arg) {
  shared *sh = arg;

  for (;;) {
    long i = atomic_fetch_add(&sh->next, 1);
    int rc;
    if (i >= sh->n || atomic_load(&sh->failed))
      break;
    rc = sh->phase == 0 ? prepare_one(sh, i) : sync_one(sh, i);
    if (rc) {
      fprintf(stderr, "bench_daemon_load: device %ld: %s\n", i, fs_strerror(rc));
      atomic_store(&sh->failed, rc);
    }
  }
  return NULL;
}

static int run_pool(shared *sh, int phase) {
  pthread_t th[THREADS];
  int nth = 0;

  sh->phase = phase;
  atomic_store(&sh->next, 0);
  for (; nth < THREADS; nth++)
    if (pthread_create(&th[nth], NULL, worker, sh) != 0)
      break;
  for (int i = 0; i < nth; i++)
    pthread_join(th[i], NULL);
  if (nth == 0)
    return FS_ENOMEM;
  return atomic_load(&sh->failed);
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* The baseline: one device, `total` offline changes, one fs_sync. */
static int baseline(bu_daemon *d, const char *token, long total, double *secs) {
  fs_replica *r = NULL;
  fs_sync_options opt;
  fs_sync_stats st;
  char err[256], cid[33];
  long ncust = total / 200 > 0 ? total / 200 : 1, nvis = total - 2 * ncust;
  double t0;
  int rc;

  rc = bu_client_enroll(d, "base", token, &r);
  for (long i = 0; rc == 0 && i < ncust; i++) {
    rc = bu_client_customer(r, i, cid);
    if (rc == 0)
      rc = bu_client_visits(r, cid, 0, nvis / ncust + (i < nvis % ncust), 500);
  }
  memset(&opt, 0, sizeof(opt));
  opt.timeout_ms = 60000;
  if (rc == 0) {
    t0 = bu_now();
    rc = fs_sync(r, &opt, &st, err, sizeof(err));
    *secs = bu_now() - t0;
    if (rc)
      fprintf(stderr, "bench_daemon_load: baseline sync: %s\n", err);
  }
  if (rc == 0 && st.applied != (uint64_t)total)
    rc = FS_EINTERNAL;
  fs_replica_close(r);
  return rc;
}

int main(int argc, char **argv) {
  double scale = bu_scale(argc, argv);
  long n = (long)(1000 * scale) > 0 ? (long)(1000 * scale) : 1;
  long nbase = (long)(10000 * scale) > 200 ? (long)(10000 * scale) : 200;
  bu_daemon d;
  bu_admin *a = NULL;
  shared sh;
  char base_tok[BU_TOKEN_MAX];
  double t0, t_admin = 0, t_prep = 0, t_load = 0, t_base = 0;
  long rss_before = 0, hwm = 0, rss_after = 0;
  int rc;

  memset(&d, 0, sizeof(d));
  memset(&sh, 0, sizeof(sh));
  sh.d = &d;
  sh.n = n;
  sh.tokens = calloc((size_t)n, sizeof(*sh.tokens));
  sh.lat = calloc((size_t)n, sizeof(*sh.lat));
  rc = sh.tokens && sh.lat ? 0 : FS_ENOMEM;
  if (rc == 0)
    rc = bu_daemon_setup(&d, NULL);
  t0 = bu_now();
  if (rc == 0)
    rc = bu_admin_open(&d, &a);
  for (long i = 0; rc == 0 && i < n; i++) {
    char code[32];
    snprintf(code, sizeof(code), "R%04ld", i % 100000);
    rc = bu_admin_staff_token(a, code, "rep", sh.tokens[i], BU_TOKEN_MAX);
  }
  if (rc == 0)
    rc = bu_admin_staff_token(a, "BASE", "rep", base_tok, sizeof(base_tok));
  if (a)
    rc = bu_admin_close(a, rc == 0) ? FS_EDB : rc;
  t_admin = bu_now() - t0;
  if (rc == 0)
    rc = bu_daemon_serve(&d);
  t0 = bu_now();
  if (rc == 0)
    rc = run_pool(&sh, 0);
  t_prep = bu_now() - t0;
  if (rc == 0)
    rc = baseline(&d, base_tok, nbase, &t_base);
  if (rc == 0) {
    rss_before = bu_proc_kb(d.pid, "VmRSS");
    t0 = bu_now();
    rc = run_pool(&sh, 1);
    t_load = bu_now() - t0;
    rss_after = bu_proc_kb(d.pid, "VmRSS");
  }
  if (d.pid > 0)
    hwm = bu_proc_kb(d.pid, "VmHWM");
  bu_daemon_cleanup(&d);
  if (rc == 0) {
    double p50, p99, total = (double)n * PER_CLIENT;
    qsort(sh.lat, (size_t)n, sizeof(*sh.lat), cmp_double);
    p50 = sh.lat[n / 2];
    p99 = sh.lat[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1];
    printf("setup: %ld staff + tokens in %.2f s; %ld devices enrolled with %d offline "
           "changes each in %.2f s\n", n, t_admin, n, PER_CLIENT, t_prep);
    printf("load: %ld devices x %d changes, %d threads: %.0f changes in %.3f s = %.0f "
           "changes/s (each sync pushes %d and pulls them back)\n", n, PER_CLIENT, THREADS,
           total, t_load, total / t_load, PER_CLIENT);
    printf("per-device sync (open, handshake, push, pull, close): p50 %.1f ms, p99 %.1f ms, "
           "max %.1f ms\n", p50 * 1e3, p99 * 1e3, sh.lat[n - 1] * 1e3);
    printf("baseline, one device pushing %ld changes in one sync: %.3f s = %.0f changes/s\n",
           nbase, t_base, nbase / t_base);
    printf("ratio aggregate/single-device throughput: %.2f\n", (total / t_load) /
           (nbase / t_base));
    printf("daemon memory: peak (VmHWM) %ld KiB; RSS before load %ld KiB, after %ld KiB\n",
           hwm, rss_before, rss_after);
  } else {
    fprintf(stderr, "bench_daemon_load: %s\n", fs_strerror(rc));
  }
  free(sh.tokens);
  free(sh.lat);
  return rc ? 1 : 0;
}
