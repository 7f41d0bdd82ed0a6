/* writer.h - the one writer of the central store.
 *
 * A dedicated thread owns the fs_central write handle.  The event loop
 * submits jobs; the writer takes every job that is waiting (up to
 * FS_WRITER_GROUP), runs them in ONE transaction (group commit: one fsync
 * for many pushes), commits, and only then hands the finished jobs back to
 * the loop through a uv_async.  A job is acknowledged to a client only
 * after that commit, so an acknowledged change is durable.  If the commit
 * fails (disk full, I/O error) every job of the group fails with that code
 * and nothing of it is acknowledged.
 *
 *   loop thread                writer thread
 *   fs__writer_submit --queue--> take group -> BEGIN -> run each -> COMMIT
 *   done_cb(job)  <--async----- completed list <-------------------+
 *
 * The queue is bounded (max_jobs at init): fs__writer_submit returns
 * FS_EBUSY when full, and the caller answers the client with that error
 * instead of buffering without bound.
 */
#ifndef FS_WRITER_H
#define FS_WRITER_H

#include <uv.h>

#include "store/central.h"

#define FS_WRITER_GROUP 256

typedef struct fs_writer fs_writer;
typedef struct fs_writer_job fs_writer_job;

/* Runs on the writer thread inside the group's transaction.  Return 0 or
 * an fs_errno; a storage error (FS_EFULL...) fails the whole group. */
typedef int (*fs_writer_run_fn)(fs_writer_job *job, fs_central *c);
/* Runs on the loop thread after the group committed (rc 0) or failed. */
typedef void (*fs_writer_done_fn)(fs_writer_job *job, int rc);

struct fs_writer_job {
  fs_writer_run_fn run;
  fs_writer_done_fn done;
  void *data; /* the submitter's */
  int rc;     /* set by the writer */
  fs_writer_job *next; /* private */
};

/* Starts the thread.  c stays owned by the caller but is used only by the
 * writer thread until fs__writer_stop returns. */
int fs__writer_start(fs_writer **out, uv_loop_t *loop, fs_central *c, unsigned max_jobs);
/* Queues a job (loop thread).  0 or FS_EBUSY (queue full / stopping). */
int fs__writer_submit(fs_writer *w, fs_writer_job *job);
/* Finishes queued jobs, stops the thread, delivers the last completions,
 * closes the async handle.  Takes NULL. */
void fs__writer_stop(fs_writer *w);
/* Jobs queued or running (loop thread). */
unsigned fs__writer_depth(fs_writer *w);
/* Set by the writer after every commit: the committed seq head. */
uint64_t fs__writer_committed_seq(fs_writer *w);

#endif
