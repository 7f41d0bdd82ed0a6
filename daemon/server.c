/* server.c - fs_server: init, listeners, timers, stop and free; the pool
 * of read handles for pull jobs (server.h; the pieces: server_int.h). */
#include "server.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs_errno.h"
#include "handover.h"
#include "hlc.h"
#include "log.h"
#include "store/privacy.h"
#include "server_int.h"

/* ---- read handle pool (thread pool workers) ------------------------- */

int fs__rpool_get(fs_server *s, fs_store_rd **out) {
  uv_mutex_lock(&s->rpool_mu);
  if (s->nrpool > 0) {
    *out = s->rpool[--s->nrpool];
    uv_mutex_unlock(&s->rpool_mu);
    return 0;
  }
  uv_mutex_unlock(&s->rpool_mu);
  return fs__store_rd_open(s->dbpath, out);
}

void fs__rpool_put(fs_server *s, fs_store_rd *r) {
  uv_mutex_lock(&s->rpool_mu);
  if (s->nrpool < FS_SRV_RPOOL_MAX) {
    s->rpool[s->nrpool++] = r;
    r = NULL;
  }
  uv_mutex_unlock(&s->rpool_mu);
  fs__store_rd_free(r);
}

int64_t fs__server_wipe_deadline(const fs_server *s) {
  return (int64_t)s->cfg.wipe_deadline_days * 86400000LL;
}

/* ---- timers ----------------------------------------------------------- */

/* Closes connections past their handshake or idle deadline. */
static void on_sweep(uv_timer_t *t) {
  fs_server *s = t->data;
  uint64_t now = fs__now_ms();
  fs__conn *c, *next;

  for (c = s->conns; c; c = next) {
    next = c->next;
    if (c->state == FS_ST_CLOSING || c->busy || c->deadline > now)
      continue;
    fs__conn_close(c, c->state == FS_ST_READY ? "idle timeout" : "handshake timeout");
  }
}

/* ---- covers and loans end by themselves ----------------------------- */

typedef struct expiry_job {
  fs_writer_job job;
  fs_server *s;
  int changed;
} expiry_job;

static int expiry_run(fs_writer_job *job, fs_central *central) {
  expiry_job *ej = (expiry_job *)job;
  int wiped = 0;
  int rc = fs__handover_sweep(central, (int64_t)fs__now_ms(), &ej->changed);
  if (rc == 0)
    rc = fs__wipe_sweep(central, (int64_t)fs__now_ms(), &wiped);
  ej->changed += wiped;
  /* Tombstone collection hourly (every 360th sweep of 10 s). */
  if (rc == 0 && ej->s->expiry_runs++ % 360 == 0) {
    rc = fs__central_gc(central, (int64_t)fs__now_ms(), (int)ej->s->cfg.tombstone_days,
                        NULL, NULL);
    /* Retention (docs/RETENTION.md): the change history is kept
     * history_days, then purged. */
    if (rc == 0)
      rc = fs__history_purge(central, (int64_t)fs__now_ms(), (int)ej->s->cfg.history_days,
                             NULL, NULL, NULL);
  }
  return rc;
}

static void expiry_done(fs_writer_job *job, int rc) {
  expiry_job *ej = (expiry_job *)job;
  fs_server *s = ej->s;

  s->expiry_busy = 0;
  if (rc)
    FS_WARN("cover/loan expiry sweep failed: %s (retried)", fs_strerror(rc));
  else if (ej->changed && s->writer) {
    fs__sessions_recheck(s);
    fs__watch_notify(s, NULL, NULL, -1, fs__writer_committed_seq(s->writer));
  }
  free(ej);
}

static void on_expiry(uv_timer_t *t) {
  fs_server *s = t->data;
  expiry_job *ej;

  if (s->expiry_busy || s->stopping || s->writer == NULL)
    return;
  ej = calloc(1, sizeof(*ej));
  if (ej == NULL)
    return;
  ej->s = s;
  ej->job.run = expiry_run;
  ej->job.done = expiry_done;
  if (fs__writer_submit(s->writer, &ej->job) == 0)
    s->expiry_busy = 1;
  else
    free(ej);
}

/* ---- lifecycle ------------------------------------------------------ */

int fs__server_init(fs_server **out, uv_loop_t *loop, const fs_config *cfg,
                    const char *datadir) {
  fs_server *s = calloc(1, sizeof(*s));
  char keypath[PATH_MAX];
  int rc;

  *out = NULL;
  if (s == NULL)
    return FS_ENOMEM;
  s->loop = loop;
  s->cfg = *cfg;
  /* Unauthenticated connections must never be able to take every slot. */
  if (s->cfg.max_startups[2] >= s->cfg.max_conns) {
    unsigned full = s->cfg.max_conns / 2 ? s->cfg.max_conns / 2 : 1;
    FS_WARN("max_startups full (%u) is not below max_conns (%u): using %u so that "
            "authenticated devices keep slots",
            s->cfg.max_startups[2], s->cfg.max_conns, full);
    s->cfg.max_startups[2] = full;
    if (s->cfg.max_startups[0] > full)
      s->cfg.max_startups[0] = full;
  }
  uv_mutex_init(&s->rpool_mu);
  snprintf(s->datadir, sizeof(s->datadir), "%s", datadir);
  snprintf(s->dbpath, sizeof(s->dbpath), "%s/central.db", datadir);
  snprintf(s->sockpath, sizeof(s->sockpath), "%s/admin.sock", datadir);
  snprintf(keypath, sizeof(keypath), "%s/daemon.key", datadir);
  rc = fs__keypair_load(&s->key, keypath);
  if (rc) {
    /* A missing key means an unfinished setup; a damaged one must come back
     * from a backup: a new key would orphan every enrolled device. */
    if (access(keypath, F_OK) != 0)
      FS_ERROR("cannot load the daemon key %s: %s (run fieldsyncd init --data %s)",
               keypath, fs_strerror(rc), datadir);
    else
      FS_ERROR("cannot load the daemon key %s: %s; restore it from a backup (mode 0600): "
               "devices are enrolled against this key, a new one would lock them all out",
               keypath, fs_strerror(rc));
    goto out;
  }
  rc = fs__replay_cache_init(&s->replay, 65536);
  if (rc)
    goto out;
  rc = fs__central_open(s->dbpath, 0, &s->central);
  if (rc == FS_EBUSY) {
    FS_ERROR(
        "%s is in use by another fieldsyncd (pid %ld): one daemon per data directory; "
        "stop that one first",
        datadir, fs__central_holder(s->dbpath));
    goto out;
  }
  if (rc) {
    FS_ERROR("cannot open the central store %s: %s", s->dbpath, fs_strerror(rc));
    goto out;
  }
  fs__central_set_wipe_deadline(s->central,
                                (int64_t)cfg->wipe_deadline_days * 86400000LL);
  rc = fs__generation_ensure(s->central, s->generation);
  if (rc == 0)
    rc = fs__store_rd_open(s->dbpath, &s->rd);
  if (rc)
    goto out;
  rc = fs__writer_start(&s->writer, loop, s->central, cfg->writer_queue);
out:
  if (rc) {
    fs__server_free(s);
    return rc;
  }
  *out = s;
  return 0;
}

int fs__server_start(fs_server *s) {
  char host[128];
  int port, rc;
  struct sockaddr_storage ss;
  int namelen = sizeof(ss);

  if (fs__config_split_addr(s->cfg.listen, host, sizeof(host), &port)) {
    FS_ERROR("listen address \"%s\" is not host:port", s->cfg.listen);
    return FS_EINVAL;
  }
  {
    /* Every connection is a descriptor: take all the system allows. */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
      if (rl.rlim_cur < rl.rlim_max) {
        rlim_t was = rl.rlim_cur;
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) == 0)
          FS_INFO("open file limit raised from %llu to %llu", (unsigned long long)was,
                  (unsigned long long)rl.rlim_cur);
        else
          rl.rlim_cur = was;
      }
      if (rl.rlim_cur < (rlim_t)s->cfg.max_conns + 64)
        FS_WARN("open file limit %llu is below max_conns %u + 64: raise it (ulimit -n, "
                "LimitNOFILE=) or lower max_conns",
                (unsigned long long)rl.rlim_cur, s->cfg.max_conns);
    }
  }
  rc = uv_ip4_addr(host, port, (struct sockaddr_in *)&ss);
  if (rc)
    rc = uv_ip6_addr(host, port, (struct sockaddr_in6 *)&ss);
  if (rc) {
    FS_ERROR("listen address \"%s\": not an IP address", s->cfg.listen);
    return FS_EINVAL;
  }
  uv_tcp_init(s->loop, &s->tcp);
  uv_pipe_init(s->loop, &s->admin, 0);
  uv_timer_init(s->loop, &s->sweep);
  uv_timer_init(s->loop, &s->expiry);
  s->started = 1;
  s->tcp.data = s;
  rc = uv_tcp_bind(&s->tcp, (const struct sockaddr *)&ss, 0);
  if (rc == 0)
    rc = uv_listen((uv_stream_t *)&s->tcp, 1024, fs__tcp_on_conn);
  if (rc) {
    FS_ERROR("cannot listen on %s: %s", s->cfg.listen, uv_strerror(rc));
    return FS_EIO;
  }
  uv_tcp_getsockname(&s->tcp, (struct sockaddr *)&ss, &namelen);
  s->port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
  s->evict_seen = fs__central_seq(s->central);
  /* With port 0 the kernel chose: tokens must name the real port. */
  if (port == 0)
    snprintf(s->cfg.listen, sizeof(s->cfg.listen), "%.100s:%d", host, s->port);

  unlink(s->sockpath); /* a stale socket from a killed daemon */
  s->admin.data = s;
  rc = uv_pipe_bind(&s->admin, s->sockpath);
  if (rc == 0) {
    chmod(s->sockpath, 0600);
    rc = uv_listen((uv_stream_t *)&s->admin, 64, fs__admin_on_conn);
  }
  if (rc) {
    FS_ERROR("cannot listen on %s: %s", s->sockpath, uv_strerror(rc));
    return FS_EIO;
  }
  s->sweep.data = s;
  uv_timer_start(&s->sweep, on_sweep, 250, 250);
  s->expiry.data = s;
  uv_timer_start(&s->expiry, on_expiry, 0, 10000);
  FS_INFO("serving on %s:%d (admin socket %s)", host, s->port, s->sockpath);
  return 0;
}

int fs__server_port(const fs_server *s) {
  return s->port;
}

void fs__server_stop(fs_server *s) {
  fs__conn *c, *next;

  if (s->stopping)
    return;
  s->stopping = 1;
  FS_INFO("stopping: closing %u connections", s->nconns);
  if (s->started) {
    uv_close((uv_handle_t *)&s->tcp, NULL);
    uv_close((uv_handle_t *)&s->admin, NULL);
    uv_close((uv_handle_t *)&s->sweep, NULL);
    uv_close((uv_handle_t *)&s->expiry, NULL);
  }
  for (c = s->conns; c; c = next) {
    next = c->next;
    c->close_after_write = 0;
    fs__conn_close(c, NULL);
  }
  /* Let queued pushes commit and their results be delivered or dropped;
   * the writer's async handle is closed by fs__writer_stop. */
  fs__writer_stop(s->writer);
  s->writer = NULL;
  unlink(s->sockpath);
}

void fs__server_free(fs_server *s) {
  if (s == NULL)
    return;
  fs__writer_stop(s->writer);
  fs__central_free(s->central);
  fs__store_rd_free(s->rd);
  for (int i = 0; i < s->nrpool; i++)
    fs__store_rd_free(s->rpool[i]);
  uv_mutex_destroy(&s->rpool_mu);
  fs__replay_cache_release(&s->replay);
  fs__keypair_free(s->key);
  free(s);
}
