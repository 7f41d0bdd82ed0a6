/* bench_daemon_push.c - push of 10,000 offline changes from one device.
 *
 * A device of rep A01 creates, offline, 50 customers (fs_create: card plus
 * first grade entry = 100 changes) and 9,900 visits of them (internal write
 * path, 500 per transaction) = 10,000 outbox changes.  Its fs_sync is then
 * timed.  fs_sync pushes and then pulls; the pull brings the 10,000 rows
 * back (the daemon journals them for A01, whose device this is), so the
 * push alone is isolated by a second device of A01 that pulls the same
 * 10,000 rows afterwards:  push ~= sync(device 1) - pull(device 2).
 * Baseline: the same number of rows inserted raw (prepared INSERT, one
 * transaction, fresh client-schema database) in the same run.
 *
 * usage: bench_daemon_push [SCALE]   (SCALE 1.0 = 10,000 changes)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "benchutil.h"
#include "fieldsync.h"
#include "fs_errno.h"

#define NCUST 50

int main(int argc, char **argv) {
  double scale = bu_scale(argc, argv);
  long total = (long)(10000 * scale);
  long ncust = total / 200 > 0 ? total / 200 : 1, nvis = total - 2 * ncust;
  bu_daemon d;
  bu_admin *a = NULL;
  fs_replica *r = NULL, *r2 = NULL;
  fs_sync_stats st, st2;
  fs_sync_options opt;
  char tok1[BU_TOKEN_MAX], tok2[BU_TOKEN_MAX], err[256];
  double t0, t_sync = 0, t_pull2 = 0, t_raw = 0, t_write = 0;
  uint64_t pending = 0, rejected = 0;
  long hwm = 0;
  int rc;

  memset(&d, 0, sizeof(d));
  memset(&opt, 0, sizeof(opt));
  opt.timeout_ms = 60000;
  rc = bu_daemon_setup(&d, NULL);
  if (rc == 0)
    rc = bu_admin_open(&d, &a);
  if (rc == 0)
    rc = bu_admin_staff_token(a, "A01", "rep", tok1, sizeof(tok1));
  if (rc == 0)
    rc = bu_admin_run(a, tok2, sizeof(tok2), "enroll", "code", "A01", (const char *)NULL);
  if (a)
    rc = bu_admin_close(a, rc == 0) ? FS_EDB : rc;
  if (rc == 0 && strchr(tok2, '\n'))
    *strchr(tok2, '\n') = '\0';
  if (rc == 0)
    rc = bu_raw_insert(d.root, "A01", ncust, total - ncust, &t_raw);
  if (rc == 0)
    rc = bu_daemon_serve(&d);
  if (rc == 0)
    rc = bu_client_enroll(&d, "dev1", tok1, &r);
  if (rc == 0)
    rc = bu_client_enroll(&d, "dev2", tok2, &r2);
  /* offline writes (not timed as sync) */
  t0 = bu_now();
  for (long i = 0; rc == 0 && i < ncust; i++) {
    char cid[33];
    rc = bu_client_customer(r, i, cid);
    if (rc == 0)
      rc = bu_client_visits(r, cid, i * (nvis / ncust + 1), nvis / ncust + (i < nvis % ncust),
                            500);
  }
  t_write = bu_now() - t0;
  if (rc == 0)
    rc = fs_outbox_count(r, &pending, &rejected);
  if (rc == 0 && pending != (uint64_t)total) {
    fprintf(stderr, "bench_daemon_push: outbox holds %llu, expected %ld\n",
            (unsigned long long)pending, total);
    rc = FS_EINTERNAL;
  }
  if (rc == 0) {
    t0 = bu_now();
    rc = fs_sync(r, &opt, &st, err, sizeof(err));
    t_sync = bu_now() - t0;
  }
  if (rc == 0) {
    t0 = bu_now();
    rc = fs_sync(r2, &opt, &st2, err, sizeof(err));
    t_pull2 = bu_now() - t0;
  }
  if (rc)
    fprintf(stderr, "bench_daemon_push: sync: %s\n", err);
  if (rc == 0 && (st.applied != (uint64_t)total || st2.pulled != (uint64_t)total)) {
    fprintf(stderr, "bench_daemon_push: applied %llu (rejected %llu), device 2 pulled %llu; "
            "expected %ld\n", (unsigned long long)st.applied, (unsigned long long)st.rejected,
            (unsigned long long)st2.pulled, total);
    rc = FS_EINTERNAL;
  }
  fs_replica_close(r);
  fs_replica_close(r2);
  if (d.pid > 0)
    hwm = bu_proc_kb(d.pid, "VmHWM");
  bu_daemon_cleanup(&d);
  if (rc) {
    fprintf(stderr, "bench_daemon_push: %s\n", fs_strerror(rc));
    return 1;
  }
  {
    double t_push = t_sync - t_pull2 > 0 ? t_sync - t_pull2 : t_sync;
    printf("offline writes: %ld changes in %.2f s (%ld customers via fs_create, visits in "
           "batches of 500)\n", total, t_write, ncust);
    printf("device 1 fs_sync (push %ld + pull back %llu): %.3f s = %.0f changes/s\n", total,
           (unsigned long long)st.pulled, t_sync, total / t_sync);
    printf("device 2 fs_sync (pull %llu):                %.3f s\n",
           (unsigned long long)st2.pulled, t_pull2);
    printf("push alone (difference):                     %.3f s = %.0f changes/s\n", t_push,
           total / t_push);
    printf("raw SQLite INSERT, same count:  %ld rows in %.3f s = %.0f rows/s\n", total, t_raw,
           total / t_raw);
    printf("ratio push/raw throughput: %.2f (whole sync/raw: %.2f)\n", t_raw / t_push,
           t_raw / t_sync);
    printf("daemon peak memory (VmHWM): %ld KiB\n", hwm);
  }
  return 0;
}
