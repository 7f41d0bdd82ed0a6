/* bench_daemon_live.c - live propagation latency from one device to another.
 *
 * Two devices of rep A01 on a real fieldsyncd.  Device A runs fs_sync with
 * opt.watch = 1 on a thread; its on_change callback (called after each
 * live pull) looks for the awaited record with fs_get.  Device B, per
 * sample: creates a visit (not timed), then t0, fs_sync (connect,
 * handshake, push, pull), and the sample is the time from t0 until A's
 * replica holds the visit.  200 samples; p50/p99 printed.  Baseline in the
 * same run: a plain 64-byte TCP round trip on loopback (echo thread,
 * TCP_NODELAY).
 *
 * usage: bench_daemon_live [SCALE]   (SCALE 1.0 = 200 samples)
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "benchutil.h"
#include "fieldsync.h"
#include "fs_errno.h"

typedef struct watch_state {
  fs_replica *r;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  char want[33]; /* awaited visit id, "" if none */
  double seen_at;
  int ready, done;
  int rc;
  volatile int stop;
} watch_state;

static int on_progress(void *arg, fs_sync_phase phase, const fs_sync_stats *s) {
  watch_state *w = arg;
  (void)s;
  if (phase == FS_SYNC_DONE) {
    pthread_mutex_lock(&w->mu);
    w->ready = 1;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
  }
  return 0;
}

/* Runs on A's watch thread between live pulls: the pull is committed. */
static void on_change(void *arg, const fs_sync_stats *s) {
  watch_state *w = arg;
  fs_record *rec = NULL;
  char want[33];
  (void)s;

  pthread_mutex_lock(&w->mu);
  memcpy(want, w->want, sizeof(want));
  pthread_mutex_unlock(&w->mu);
  if (want[0] == '\0' || fs_get(w->r, "visit", want, &rec) != 0)
    return;
  fs_record_free(rec);
  pthread_mutex_lock(&w->mu);
  if (strcmp(w->want, want) == 0) {
    w->seen_at = bu_now();
    w->want[0] = '\0';
    pthread_cond_broadcast(&w->cv);
  }
  pthread_mutex_unlock(&w->mu);
}

static void *watcher(void *arg) {
  watch_state *w = arg;
  fs_sync_options opt;
  fs_sync_stats st;
  char err[256];

  memset(&opt, 0, sizeof(opt));
  opt.timeout_ms = 30000;
  opt.watch = 1;
  opt.stop = &w->stop;
  opt.progress = on_progress;
  opt.progress_arg = w;
  opt.on_change = on_change;
  w->rc = fs_sync(w->r, &opt, &st, err, sizeof(err));
  if (w->rc)
    fprintf(stderr, "bench_daemon_live: watch: %s\n", err);
  pthread_mutex_lock(&w->mu);
  w->done = 1;
  pthread_cond_broadcast(&w->cv);
  pthread_mutex_unlock(&w->mu);
  return NULL;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* ---- TCP round-trip baseline ------------------------------------------- */

static void *echo_server(void *arg) {
  int lfd = *(int *)arg, fd;
  char buf[64];

  fd = accept(lfd, NULL, NULL);
  if (fd < 0)
    return NULL;
  {
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  }
  for (;;) {
    size_t got = 0;
    while (got < sizeof(buf)) {
      ssize_t n = read(fd, buf + got, sizeof(buf) - got);
      if (n <= 0)
        goto out;
      got += (size_t)n;
    }
    if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
      break;
  }
out:
  close(fd);
  return NULL;
}

static int tcp_rtt(int n, double *samples) {
  struct sockaddr_in sa;
  socklen_t len = sizeof(sa);
  pthread_t th;
  int lfd, fd = -1, one = 1, rc = FS_EIO;
  char buf[64];

  lfd = socket(AF_INET, SOCK_STREAM, 0);
  if (lfd < 0)
    return FS_EIO;
  memset(&sa, 0, sizeof(sa));
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) || listen(lfd, 1) ||
      getsockname(lfd, (struct sockaddr *)&sa, &len)) {
    close(lfd);
    return FS_EIO;
  }
  if (pthread_create(&th, NULL, echo_server, &lfd) != 0) {
    close(lfd);
    return FS_ENOMEM;
  }
  fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    memset(buf, 'x', sizeof(buf));
    rc = 0;
    for (int i = -20; rc == 0 && i < n; i++) { /* 20 warm-up round trips */
      double t0 = bu_now();
      size_t got = 0;
      if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
        rc = FS_EIO;
      while (rc == 0 && got < sizeof(buf)) {
        ssize_t k = read(fd, buf + got, sizeof(buf) - got);
        if (k <= 0)
          rc = FS_EIO;
        else
          got += (size_t)k;
      }
      if (i >= 0)
        samples[i] = bu_now() - t0;
    }
  }
  if (fd >= 0)
    close(fd); /* the echo thread sees EOF and ends */
  if (rc)
    shutdown(lfd, SHUT_RDWR);
  pthread_join(th, NULL);
  close(lfd);
  return rc;
}

/* ---- main ------------------------------------------------------------------- */

int main(int argc, char **argv) {
  double scale = bu_scale(argc, argv);
  int n = (int)(200 * scale) > 5 ? (int)(200 * scale) : 5;
  bu_daemon d;
  bu_admin *a = NULL;
  fs_replica *rb = NULL;
  watch_state w;
  pthread_t th;
  int th_started = 0;
  char toka[BU_TOKEN_MAX], tokb[BU_TOKEN_MAX], cust[33], err[256];
  double *lat = calloc((size_t)n, sizeof(double)), *bsync = calloc((size_t)n, sizeof(double));
  double *rtt = calloc((size_t)n, sizeof(double));
  fs_sync_options opt;
  fs_sync_stats st;
  int rc = lat && bsync && rtt ? 0 : FS_ENOMEM;

  memset(&d, 0, sizeof(d));
  memset(&w, 0, sizeof(w));
  pthread_mutex_init(&w.mu, NULL);
  pthread_cond_init(&w.cv, NULL);
  memset(&opt, 0, sizeof(opt));
  opt.timeout_ms = 30000;
  if (rc == 0)
    rc = tcp_rtt(n, rtt);
  if (rc == 0)
    rc = bu_daemon_setup(&d, NULL);
  if (rc == 0)
    rc = bu_admin_open(&d, &a);
  if (rc == 0)
    rc = bu_admin_staff_token(a, "A01", "rep", toka, sizeof(toka));
  if (rc == 0)
    rc = bu_admin_run(a, tokb, sizeof(tokb), "enroll", "code", "A01", (const char *)NULL);
  if (a)
    rc = bu_admin_close(a, rc == 0) ? FS_EDB : rc;
  if (rc == 0 && strchr(tokb, '\n'))
    *strchr(tokb, '\n') = '\0';
  if (rc == 0)
    rc = bu_daemon_serve(&d);
  if (rc == 0)
    rc = bu_client_enroll(&d, "devA", toka, &w.r);
  if (rc == 0)
    rc = bu_client_enroll(&d, "devB", tokb, &rb);
  if (rc == 0)
    rc = bu_client_customer(rb, 1, cust);
  if (rc == 0)
    rc = fs_sync(rb, &opt, &st, err, sizeof(err));
  if (rc == 0 && pthread_create(&th, NULL, watcher, &w) == 0)
    th_started = 1;
  else if (rc == 0)
    rc = FS_ENOMEM;
  /* wait until A's first sync is done and it watches */
  pthread_mutex_lock(&w.mu);
  while (rc == 0 && !w.ready && !w.done)
    pthread_cond_wait(&w.cv, &w.mu);
  if (rc == 0 && w.done)
    rc = w.rc ? w.rc : FS_EINTERNAL;
  pthread_mutex_unlock(&w.mu);

  for (int i = 0; rc == 0 && i < n; i++) {
    fs_record *rec = NULL;
    char vid[33], at[32];
    double t0, t1, deadline;

    /* B writes a visit offline (not timed) */
    snprintf(at, sizeof(at), "2026-03-%02dT%02d:%02d", 1 + i % 28, 8 + i % 10, i % 60);
    rc = fs_record_new("visit", &rec);
    if (rc == 0)
      rc = fs_record_set(rec, "customer_id", cust);
    if (rc == 0)
      rc = fs_record_set(rec, "at", at);
    if (rc == 0)
      rc = fs_record_set(rec, "method", "phone");
    if (rc == 0)
      rc = fs_record_set(rec, "points", "Called about the fleet renewal quotation.");
    if (rc == 0)
      rc = fs_create(rb, rec, vid);
    fs_record_free(rec);
    if (rc)
      break;
    pthread_mutex_lock(&w.mu);
    memcpy(w.want, vid, sizeof(vid));
    w.seen_at = 0;
    pthread_mutex_unlock(&w.mu);
    t0 = bu_now();
    rc = fs_sync(rb, &opt, &st, err, sizeof(err));
    t1 = bu_now();
    if (rc) {
      fprintf(stderr, "bench_daemon_live: B sync: %s\n", err);
      break;
    }
    bsync[i] = t1 - t0;
    /* wait (up to 5 s) for A's callback to see the visit */
    deadline = bu_now() + 5;
    pthread_mutex_lock(&w.mu);
    while (w.seen_at == 0 && !w.done && bu_now() < deadline) {
      struct timespec ts;
      clock_gettime(CLOCK_REALTIME, &ts);
      ts.tv_nsec += 10 * 1000000;
      if (ts.tv_nsec >= 1000000000) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000;
      }
      pthread_cond_timedwait(&w.cv, &w.mu, &ts);
    }
    if (w.seen_at == 0) {
      fprintf(stderr, "bench_daemon_live: sample %d: A did not receive the visit within 5 s\n",
              i);
      rc = w.done && w.rc ? w.rc : FS_ETIMEDOUT;
    } else {
      lat[i] = w.seen_at - t0;
    }
    pthread_mutex_unlock(&w.mu);
  }
  if (th_started) {
    w.stop = 1;
    pthread_join(th, NULL);
  }
  fs_replica_close(rb);
  fs_replica_close(w.r);
  bu_daemon_cleanup(&d);
  if (rc == 0) {
    qsort(lat, (size_t)n, sizeof(double), cmp_double);
    qsort(bsync, (size_t)n, sizeof(double), cmp_double);
    qsort(rtt, (size_t)n, sizeof(double), cmp_double);
    printf("live propagation B fs_sync start -> row in A's replica (%d samples): p50 %.2f ms, "
           "p99 %.2f ms, max %.2f ms\n", n, lat[n / 2] * 1e3, lat[n * 99 / 100] * 1e3,
           lat[n - 1] * 1e3);
    printf("  B's whole fs_sync (connect, handshake, push 1, pull): p50 %.2f ms, p99 %.2f ms\n",
           bsync[n / 2] * 1e3, bsync[n * 99 / 100] * 1e3);
    printf("baseline 64-byte TCP round trip on loopback: p50 %.1f us, p99 %.1f us\n",
           rtt[n / 2] * 1e6, rtt[n * 99 / 100] * 1e6);
    printf("ratio propagation/TCP round trip: p50 %.0fx, p99 %.0fx\n", lat[n / 2] / rtt[n / 2],
           lat[n * 99 / 100] / rtt[n * 99 / 100]);
  } else {
    fprintf(stderr, "bench_daemon_live: %s\n", fs_strerror(rc));
  }
  pthread_mutex_destroy(&w.mu);
  pthread_cond_destroy(&w.cv);
  free(lat);
  free(bsync);
  free(rtt);
  return rc ? 1 : 0;
}
