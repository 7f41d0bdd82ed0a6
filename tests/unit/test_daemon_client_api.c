/* test_daemon_client_api.c - sync progress and cancellation through the
 * public API (fieldsync.h fs_replica_sync, fs_progress_fn,
 * fs_sync_cancel), against a real fieldsyncd, the way a mobile app drives
 * them: a progress bar fed per batch and page, a cancel button on the UI
 * thread while a worker thread syncs.  A cancelled sync returns
 * FS_ECANCELED with whole pages kept, and the next sync completes. */
#include "daemontest.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define NCUST 6

typedef struct world {
  fs_test_daemon d;
  char *tmp;
  fs_replica *a, *b; /* two devices of A01 */
} world;

static int setup(void **state) {
  world *w = calloc(1, sizeof(*w));
  assert_non_null(w);
  fs_test_world_start(&w->d, &w->tmp, "staff add A01 --name 'Li Ming' --role rep", NULL);
  w->a = fs_test_enroll(&w->d, w->tmp, "A01", "a");
  w->b = fs_test_enroll(&w->d, w->tmp, "A01", "b");
  /* Device a's cards reach the daemon, for b to pull. */
  for (int i = 0; i < NCUST; i++)
    fs_test_create_customer(w->a, "Customer", "B", NULL);
  *state = w;
  return 0;
}

static int teardown(void **state) {
  world *w = *state;
  fs_replica_close(w->a);
  fs_replica_close(w->b);
  fs_test_world_stop(&w->d, w->tmp);
  free(w);
  return 0;
}

typedef struct seen {
  int push, pull, done;
  int cancel_after_pulls; /* return 1 after this many pull pages (0: never) */
} seen;

static int on_progress(void *arg, fs_sync_phase phase, const fs_sync_stats *s) {
  seen *n = arg;
  assert_non_null(s);
  n->push += phase == FS_SYNC_PUSH;
  n->pull += phase == FS_SYNC_PULL;
  n->done += phase == FS_SYNC_DONE;
  return n->cancel_after_pulls && n->pull >= n->cancel_after_pulls;
}

static long long customers_on(const fs_replica *r, world *w) {
  return fs_test_replica_int(w->tmp, r == w->a ? "a" : "b",
                             "SELECT count(*) FROM customers");
}

/* Progress is reported per pushed batch, per pulled page, and once done. */
static void test_progress_called(void **state) {
  world *w = *state;
  seen n = {0, 0, 0, 0};
  fs_sync_options o;
  fs_sync_stats st;

  memset(&o, 0, sizeof(o));
  o.progress = on_progress;
  o.progress_arg = &n;
  assert_int_equal(fs_replica_sync(w->a, &o, &st), 0);
  assert_true(n.push >= 1);
  assert_int_equal(n.pull, (int)st.pages);
  assert_int_equal(n.done, 1);
  assert_int_equal(st.pushed, 2 * NCUST); /* each card and its first grade entry */
}

/* A progress callback that answers non-zero cancels after that page:
 * FS_ECANCELED, the pages before kept, the next sync goes on from there. */
static void test_progress_cancels(void **state) {
  world *w = *state;
  seen n = {0, 0, 0, 1};
  fs_sync_options o;
  fs_sync_stats st;
  long long before;

  fs_test_sync_ok(w->a, NULL);
  memset(&o, 0, sizeof(o));
  o.page = 1; /* one row per page: several pages to cut between */
  o.progress = on_progress;
  o.progress_arg = &n;
  assert_int_equal(fs_replica_sync(w->b, &o, &st), FS_ECANCELED);
  assert_non_null(strstr(fs_errmsg(w->b), "cancelled"));
  assert_int_equal(st.pages, 1);
  assert_int_equal(n.pull, 1);
  assert_int_equal(n.done, 1); /* the end of the round is reported anyway */
  before = customers_on(w->b, w);
  assert_true(before < NCUST);
  /* Nothing lost: the next sync completes. */
  memset(&n, 0, sizeof(n));
  assert_int_equal(fs_replica_sync(w->b, &o, &st), 0);
  assert_int_equal(customers_on(w->b, w), NCUST);
  assert_int_equal(n.done, 1);
}

/* fs_sync_cancel before a sync: that sync is cancelled, the next is not. */
static void test_cancel_before_start(void **state) {
  world *w = *state;

  fs_sync_cancel(w->a);
  assert_int_equal(fs_replica_sync(w->a, NULL, NULL), FS_ECANCELED);
  assert_int_equal(fs_replica_sync(w->a, NULL, NULL), 0);
}

/* The UI thread cancels a watching sync running on a worker thread. */
typedef struct watcher {
  world *w;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int live; /* the first round is done: the watch is on */
  int rc;
} watcher;

static int watch_progress(void *arg, fs_sync_phase phase, const fs_sync_stats *s) {
  watcher *x = arg;
  (void)s;
  if (phase == FS_SYNC_DONE) {
    pthread_mutex_lock(&x->mu);
    x->live = 1;
    pthread_cond_broadcast(&x->cv);
    pthread_mutex_unlock(&x->mu);
  }
  return 0;
}

static void *watch_thread(void *arg) {
  watcher *x = arg;
  fs_sync_options o;

  memset(&o, 0, sizeof(o));
  o.watch = 1;
  o.watch_poll_ms = 20;
  o.progress = watch_progress;
  o.progress_arg = x;
  x->rc = fs_replica_sync(x->w->a, &o, NULL);
  return NULL;
}

static void test_cancel_from_other_thread(void **state) {
  world *w = *state;
  watcher x;
  pthread_t t;

  memset(&x, 0, sizeof(x));
  x.w = w;
  pthread_mutex_init(&x.mu, NULL);
  pthread_cond_init(&x.cv, NULL);
  assert_int_equal(pthread_create(&t, NULL, watch_thread, &x), 0);
  pthread_mutex_lock(&x.mu);
  while (!x.live)
    pthread_cond_wait(&x.cv, &x.mu);
  pthread_mutex_unlock(&x.mu);
  /* Without the cancel this watch would run until its stop flag is set. */
  fs_sync_cancel(w->a);
  assert_int_equal(pthread_join(t, NULL), 0);
  assert_int_equal(x.rc, FS_ECANCELED);
  pthread_cond_destroy(&x.cv);
  pthread_mutex_destroy(&x.mu);
  /* The request ended with that sync. */
  assert_int_equal(fs_replica_sync(w->a, NULL, NULL), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_progress_called, setup, teardown),
      cmocka_unit_test_setup_teardown(test_progress_cancels, setup, teardown),
      cmocka_unit_test_setup_teardown(test_cancel_before_start, setup, teardown),
      cmocka_unit_test_setup_teardown(test_cancel_from_other_thread, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
