/* bench_daemon_pull.c - initial pull of 100,000 records to a fresh device.
 *
 * The central store of a real fieldsyncd is seeded (before serving) with
 * 1,000 customers and 99,000 visits of rep A01 (~350-byte visit rows).  A
 * fresh device of A01 is enrolled (not timed), then its first fs_sync is
 * timed: handshake, snapshot pull, apply, cursor commits.  The baseline is
 * the same rows inserted with a prepared INSERT in one transaction into a
 * fresh client-schema database, in the same run.  Goal (issue 4): the pull
 * reaches at least 50% of the raw insert rate.
 *
 * usage: bench_daemon_pull [SCALE]   (SCALE 1.0 = 100,000 records)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "benchutil.h"
#include "fieldsync.h"
#include "fs_errno.h"

static int on_progress(void *arg, fs_sync_phase phase, const fs_sync_stats *s) {
  (void)arg;
  (void)phase;
  (void)s;
  return 0;
}

int main(int argc, char **argv) {
  double scale = bu_scale(argc, argv);
  long total = (long)(100000 * scale), ncust = total / 100 > 0 ? total / 100 : 1;
  long nvis = total - ncust;
  bu_daemon d;
  bu_admin *a = NULL;
  fs_replica *r = NULL;
  fs_sync_stats st;
  fs_sync_options opt;
  char token[BU_TOKEN_MAX], err[256];
  double t0, t_seed = 0, t_pull = 0, t_raw = 0, cpu_d = 0, cpu_c = 0;
  long hwm = 0;
  int rc;

  memset(&d, 0, sizeof(d));
  rc = bu_daemon_setup(&d, NULL);
  if (rc == 0)
    rc = bu_admin_open(&d, &a);
  if (rc == 0)
    rc = bu_admin_staff_token(a, "A01", "rep", token, sizeof(token));
  if (a)
    rc = bu_admin_close(a, rc == 0) ? FS_EDB : rc;
  t0 = bu_now();
  if (rc == 0)
    rc = bu_seed_central(&d, "A01", ncust, nvis, 50000);
  t_seed = bu_now() - t0;
  if (rc == 0)
    rc = bu_raw_insert(d.root, "A01", ncust, nvis, &t_raw);
  if (rc == 0)
    rc = bu_daemon_serve(&d);
  if (rc == 0)
    rc = bu_client_enroll(&d, "fresh", token, &r);
  if (rc == 0) {
    memset(&opt, 0, sizeof(opt));
    opt.timeout_ms = 60000;
    opt.progress = on_progress;
    cpu_d = bu_proc_cpu(d.pid);
    cpu_c = bu_proc_cpu(getpid());
    t0 = bu_now();
    rc = fs_sync(r, &opt, &st, err, sizeof(err));
    t_pull = bu_now() - t0;
    cpu_d = bu_proc_cpu(d.pid) - cpu_d;
    cpu_c = bu_proc_cpu(getpid()) - cpu_c;
    if (rc)
      fprintf(stderr, "bench_daemon_pull: sync: %s\n", err);
  }
  if (rc == 0 && st.pulled != (uint64_t)total) {
    fprintf(stderr, "bench_daemon_pull: pulled %llu rows, expected %ld\n",
            (unsigned long long)st.pulled, total);
    rc = FS_EINTERNAL;
  }
  fs_replica_close(r);
  if (d.pid > 0)
    hwm = bu_proc_kb(d.pid, "VmHWM");
  bu_daemon_cleanup(&d);
  if (rc) {
    fprintf(stderr, "bench_daemon_pull: %s\n", fs_strerror(rc));
    return 1;
  }
  printf("seeded %ld customers + %ld visits into the central store in %.2f s\n", ncust, nvis,
         t_seed);
  printf("initial pull to a fresh device: %ld records in %.3f s = %.0f records/s "
         "(%llu pages, %.1f MiB received)\n",
         total, t_pull, total / t_pull, (unsigned long long)st.pages,
         st.bytes_received / 1048576.0);
  printf("  CPU during the pull: client %.2f s, daemon %.2f s (2 cores; wall %.2f s)\n", cpu_c,
         cpu_d, t_pull);
  printf("raw SQLite INSERT, same rows:   %ld rows in %.3f s = %.0f rows/s\n", total, t_raw,
         total / t_raw);
  printf("ratio pull/raw throughput: %.2f (goal >= 0.50: %s)\n", t_raw / t_pull,
         t_raw / t_pull >= 0.5 ? "met" : "NOT met");
  printf("daemon peak memory (VmHWM): %ld KiB\n", hwm);
  return 0;
}
