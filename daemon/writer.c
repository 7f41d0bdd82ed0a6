/* writer.c - group-committing writer thread (writer.h). */
#include "writer.h"

#include <stdlib.h>

#include "fs_errno.h"
#include "log.h"

struct fs_writer {
  uv_loop_t *loop;
  fs_central *c;
  uv_thread_t thread;
  uv_mutex_t mu;
  uv_cond_t cv;
  uv_async_t async;
  fs_writer_job *head, *tail; /* queued */
  fs_writer_job *done_head;   /* completed, for the loop */
  unsigned queued, max_jobs, inflight;
  int stopping;
  uint64_t committed_seq;
};

static void run_group(fs_writer *w, fs_writer_job *group) {
  fs_writer_job *j;
  int rc;

  rc = fs__central_begin(w->c);
  for (j = group; j; j = j->next) {
    if (rc) {
      j->rc = rc;
      continue;
    }
    j->rc = j->run(j, w->c);
    /* A storage error poisons the transaction: everything in it fails. */
    if (j->rc == FS_EFULL || j->rc == FS_EIO || j->rc == FS_EDB || j->rc == FS_EBUSY)
      rc = j->rc;
  }
  if (rc == 0)
    rc = fs__central_commit(w->c);
  else
    fs__central_rollback(w->c);
  if (rc) {
    FS_ERROR("store transaction failed: %s; nothing of it was acknowledged", fs_strerror(rc));
    for (j = group; j; j = j->next)
      j->rc = rc;
  }
}

static void writer_main(void *arg) {
  fs_writer *w = arg;

  uv_mutex_lock(&w->mu);
  for (;;) {
    fs_writer_job *group, *last;
    unsigned n = 0;

    while (w->head == NULL && !w->stopping)
      uv_cond_wait(&w->cv, &w->mu);
    if (w->head == NULL && w->stopping)
      break;
    group = last = w->head;
    while (last->next && n + 1 < FS_WRITER_GROUP) {
      last = last->next;
      n++;
    }
    w->head = last->next;
    if (w->head == NULL)
      w->tail = NULL;
    last->next = NULL;
    w->queued -= n + 1;
    uv_mutex_unlock(&w->mu);

    run_group(w, group);

    uv_mutex_lock(&w->mu);
    w->committed_seq = fs__central_seq(w->c);
    last->next = w->done_head;
    w->done_head = group;
    uv_mutex_unlock(&w->mu);
    uv_async_send(&w->async);
    uv_mutex_lock(&w->mu);
  }
  uv_mutex_unlock(&w->mu);
}

static void on_async(uv_async_t *h) {
  fs_writer *w = h->data;
  fs_writer_job *list, *next, *rev = NULL;

  uv_mutex_lock(&w->mu);
  list = w->done_head;
  w->done_head = NULL;
  uv_mutex_unlock(&w->mu);
  /* Completed groups were pushed in front; reverse to keep submit order
   * within the delivery. */
  while (list) {
    next = list->next;
    list->next = rev;
    rev = list;
    list = next;
  }
  for (; rev; rev = next) {
    next = rev->next;
    rev->next = NULL;
    w->inflight--;
    rev->done(rev, rev->rc);
  }
}

int fs__writer_start(fs_writer **out, uv_loop_t *loop, fs_central *c, unsigned max_jobs) {
  fs_writer *w = calloc(1, sizeof(*w));
  int rc;

  *out = NULL;
  if (w == NULL)
    return FS_ENOMEM;
  w->loop = loop;
  w->c = c;
  w->max_jobs = max_jobs ? max_jobs : 4096;
  w->committed_seq = fs__central_seq(c);
  uv_mutex_init(&w->mu);
  uv_cond_init(&w->cv);
  uv_async_init(loop, &w->async, on_async);
  w->async.data = w;
  rc = uv_thread_create(&w->thread, writer_main, w);
  if (rc) {
    uv_close((uv_handle_t *)&w->async, NULL);
    free(w);
    return FS_ENOMEM;
  }
  *out = w;
  return 0;
}

int fs__writer_submit(fs_writer *w, fs_writer_job *job) {
  int rc = 0;

  uv_mutex_lock(&w->mu);
  if (w->stopping || w->queued >= w->max_jobs) {
    rc = FS_EBUSY;
  } else {
    job->next = NULL;
    if (w->tail)
      w->tail->next = job;
    else
      w->head = job;
    w->tail = job;
    w->queued++;
    w->inflight++;
    uv_cond_signal(&w->cv);
  }
  uv_mutex_unlock(&w->mu);
  return rc;
}

unsigned fs__writer_depth(fs_writer *w) { return w->inflight; }

uint64_t fs__writer_committed_seq(fs_writer *w) {
  uint64_t s;
  uv_mutex_lock(&w->mu);
  s = w->committed_seq;
  uv_mutex_unlock(&w->mu);
  return s;
}

static void on_close_free(uv_handle_t *h) { free(h->data); }

void fs__writer_stop(fs_writer *w) {
  if (w == NULL)
    return;
  uv_mutex_lock(&w->mu);
  w->stopping = 1;
  uv_cond_signal(&w->cv);
  uv_mutex_unlock(&w->mu);
  uv_thread_join(&w->thread);
  on_async(&w->async); /* deliver what finished last */
  uv_mutex_destroy(&w->mu);
  uv_cond_destroy(&w->cv);
  uv_close((uv_handle_t *)&w->async, on_close_free);
}
