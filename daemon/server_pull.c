/* server_pull.c - PULL of a READY session: a thread-pool job on a pool
 * read handle (server_int.h).
 *
 * The worker reads and encodes the whole answer (PULL_BATCH* EVICT?
 * CONFLICTS* NOTICE* CHECKPOINT, PROTOCOL.md 7.1) into a list of plaintext
 * messages without touching the connection; the loop thread then sends
 * them.  Loaned cards delivered are logged by a writer job afterwards.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs_assert.h"
#include "fs_errno.h"
#include "hlc.h"
#include "log.h"
#include "server_int.h"
#include "store/session.h"

typedef struct outmsg {
  struct outmsg *next;
  size_t len;
  uint8_t data[];
} outmsg;

typedef struct pull_job {
  uv_work_t req;
  fs__device_conn *d;
  fs_server *s;
  fs_device dev; /* copied at submit; the worker reads no conn state */
  char why[160];
  uint64_t cursor;
  uint32_t limit;
  int model;            /* newest model generation the device decodes */
  uint64_t snap_floor1; /* in: the connection's; out: after this pull */
  fs_access *acc;
  int rc;
  outmsg *head, *tail;
  /* encoding state (worker) */
  fs_buf batch[FS_KIND__COUNT];
  fs_batch_enc enc[FS_KIND__COUNT];
  int open[FS_KIND__COUNT];
  fs_evict_item *ev;
  uint32_t nev, capev;
  uint64_t next;
  int more;
  uint32_t rows, evicted;
  /* loaned cards delivered (recorded: who read what) */
  fs_loan_read loaned[FS_ACCESS_MAX_LOANS];
  int nloaned;
} pull_job;

int fs__pull_model(uint64_t hello_model) {
  if (hello_model == 0)
    return FS_MODEL_GENERATION_V010;
  return hello_model > FS_MODEL_GENERATION ? FS_MODEL_GENERATION : (int)hello_model;
}

/* ---- the answer, message by message (worker) ------------------------- */

static outmsg *out_new(const uint8_t *p, size_t n) {
  outmsg *o = malloc(sizeof(*o) + n);
  if (o == NULL)
    return NULL;
  o->next = NULL;
  o->len = n;
  memcpy(o->data, p, n);
  return o;
}

static void out_append(pull_job *pj, outmsg *o) {
  if (pj->tail)
    pj->tail->next = o;
  else
    pj->head = o;
  pj->tail = o;
}

static int out_push(pull_job *pj, const uint8_t *p, size_t n) {
  outmsg *o = out_new(p, n);
  if (o == NULL)
    return FS_ENOMEM;
  out_append(pj, o);
  return 0;
}

/* Encodes m into b (reset) and queues it. */
static int out_msg(pull_job *pj, fs_buf *b, const fs_msg *m) {
  int rc;

  fs__buf_reset(b);
  rc = fs__msg_encode(m, b);
  if (rc == 0)
    rc = out_push(pj, b->data, b->len);
  fs__buf_reset(b);
  return rc;
}

static int batch_flush(pull_job *pj, fs_kind k) {
  int rc;
  if (!pj->open[k])
    return 0;
  rc = fs__batch_finish(&pj->enc[k]);
  if (rc == 0)
    rc = out_push(pj, pj->batch[k].data, pj->batch[k].len);
  fs__buf_reset(&pj->batch[k]);
  pj->open[k] = 0;
  return rc;
}

static int batch_open(pull_job *pj, fs_kind k) {
  const fs_kind_def *kd = fs__kind_def(k);
  int cols[FS_MSG_MAX_FIELDS];
  for (int i = 0; i < kd->nfields; i++)
    cols[i] = i;
  pj->open[k] = 1;
  /* Leave room under the frame max for the AEAD tag and framing. */
  return fs__batch_begin(&pj->enc[k], &pj->batch[k], k, cols, kd->nfields,
                         FS_MSG_MAX_BYTES - 64);
}

static void note_loan(pull_job *pj, const fs_row *row) {
  const fs_kind_def *kd = fs__kind_def(row->kind);
  const char *cust =
      row->kind == FS_KIND_CUSTOMER ? row->id
      : kd->parent_field >= 0 && row->values[kd->parent_field].type == FS_V_TEXT
          ? row->values[kd->parent_field].s
          : NULL;
  int i;
  if (cust == NULL)
    return;
  for (i = 0; i < pj->nloaned; i++)
    if (strcmp(pj->loaned[i].customer, cust) == 0)
      break;
  if (i == pj->nloaned) {
    /* Only loaned cards get here, and the access set holds at most
     * FS_ACCESS_MAX_LOANS of them. */
    FS_ASSERT(pj->nloaned < FS_ACCESS_MAX_LOANS);
    if (pj->nloaned == FS_ACCESS_MAX_LOANS)
      return;
    snprintf(pj->loaned[pj->nloaned].customer, FS_ID_HEX + 1, "%s", cust);
    pj->loaned[pj->nloaned++].rows = 0;
  }
  pj->loaned[i].rows++;
}

/* Kinds of a later model generation than the device's never reach it
 * (PROTOCOL.md 8.1): it would stop at them.  A client that learns them
 * takes a fresh snapshot (client/sync.c model_catch_up). */
static int kind_hidden(const pull_job *pj, fs_kind k) {
  return fs__kind_def(k)->model > pj->model;
}

static int sink_row(void *arg, const fs_row *row) {
  pull_job *pj = arg;
  int rc;

  if (kind_hidden(pj, row->kind))
    return 0;

  if (!fs__access_owner_ok(pj->acc, row->owner))
    note_loan(pj, row);

  if (!pj->open[row->kind] && (rc = batch_open(pj, row->kind)) != 0)
    return rc;
  rc = fs__batch_add_row(&pj->enc[row->kind], row);
  if (rc == FS_ETOOBIG) {
    rc = batch_flush(pj, row->kind);
    if (rc == 0)
      rc = batch_open(pj, row->kind);
    if (rc == 0)
      rc = fs__batch_add_row(&pj->enc[row->kind], row);
  }
  pj->rows++;
  return rc;
}

static int sink_evict(void *arg, fs_kind k, const char *id) {
  pull_job *pj = arg;

  if (kind_hidden(pj, k))
    return 0;
  if (pj->nev == pj->capev) {
    uint32_t cap = pj->capev ? pj->capev * 2 : 64;
    fs_evict_item *p;
    if (cap > FS_MSG_MAX_ITEMS)
      return FS_EOVERFLOW; /* the page limit keeps us far below this */
    p = realloc(pj->ev, cap * sizeof(*p));
    if (p == NULL)
      return FS_ENOMEM;
    pj->ev = p;
    pj->capev = cap;
  }
  pj->ev[pj->nev].kind = k;
  snprintf(pj->ev[pj->nev].id, sizeof(pj->ev[pj->nev].id), "%s", id);
  pj->nev++;
  pj->evicted++;
  return 0;
}

/* ---- the side pages: conflicts and notices --------------------------
 * The side messages of a page (CONFLICTS, NOTICE) are bounded per page
 * (server.h).  A page that cannot hold the next item ends before it: the
 * CHECKPOINT cursor is lowered to just below that item's seq and `more`
 * set, so the cursor never passes an item that was not sent.  The items of
 * one seq (one change's conflicts, one handover's report) are never split
 * across pages, and the first seq of a page always goes in whole, so every
 * page advances the cursor (store/session.h does the cutting).  Rows of
 * the page above the lowered cursor come again with the next page; rows
 * are whole and keyed by id, so a client applies them twice harmlessly
 * (PROTOCOL.md 7.2). */

static void page_end_before(pull_job *pj, uint64_t seq) {
  /* The first seq of a page is always taken whole, so seq is above it. */
  FS_ASSERT(seq > pj->cursor + 1 && seq - 1 < pj->next);
  pj->next = seq - 1;
  pj->more = 1;
}

/* Queues items as CONFLICTS messages, as many as needed: a run that does
 * not fit one frame is halved (one item always fits: values are bounded). */
static int conflicts_send(pull_job *pj, fs_conflict_item *items, uint32_t n) {
  fs_msg m;
  fs_buf b;
  int rc;

  fs__msg_init(&m, FS_MSG_CONFLICTS);
  m.u.conflicts.items = items;
  m.u.conflicts.n = n;
  fs__buf_init(&b, FS_MSG_MAX_BYTES - 64);
  rc = n > FS_MSG_MAX_ITEMS ? FS_ETOOBIG : fs__msg_encode(&m, &b);
  if (rc == 0)
    rc = out_push(pj, b.data, b.len);
  fs__buf_release(&b);
  if (rc == FS_ETOOBIG && n > 1) {
    rc = conflicts_send(pj, items, n / 2);
    if (rc == 0)
      rc = conflicts_send(pj, items + n / 2, n - n / 2);
  }
  return rc;
}

/* Conflicts logged in (cursor, next] on records this device may see, at
 * most FS_PULL_CONFLICTS_MAX (plus the rest of one change's) per page. */
static int pull_conflicts(pull_job *pj, fs_store_rd *rd) {
  fs_conflict_item *items = NULL;
  uint32_t n = 0;
  uint64_t cut = 0;
  int rc;

  rc = fs__store_conflicts_page(rd, pj->acc, pj->cursor, pj->next, FS_PULL_CONFLICTS_MAX,
                                &items, &n, &cut);
  if (rc == 0 && cut)
    page_end_before(pj, cut);
  if (rc == 0 && n > 0)
    rc = conflicts_send(pj, items, n);
  fs__store_conflicts_free(items, n);
  return rc;
}

/* One encoded NOTICE waiting for the page's final cursor. */
typedef struct notice_out {
  uint64_t seq;
  outmsg *msg;
} notice_out;

typedef struct notice_list {
  notice_out *v;
  uint32_t n;
} notice_list;

static void notice_list_free(notice_list *l) {
  for (uint32_t i = 0; i < l->n; i++)
    free(l->v[i].msg);
  free(l->v);
  memset(l, 0, sizeof(*l));
}

/* Handover reports for the successor and the manager, as NOTICEs: at most
 * FS_PULL_NOTICES_MAX per page.  Encoded into l and queued by notices_queue
 * once the page's cursor is final (pull_conflicts may still lower it). */
static int pull_notices(pull_job *pj, fs_store_rd *rd, notice_list *l) {
  fs_notice_row *rows = NULL;
  uint32_t n = 0;
  uint64_t cut = 0;
  fs_buf b;
  int rc;

  rc = fs__store_notices_page(rd, pj->dev.staff, pj->cursor, pj->next,
                              FS_PULL_NOTICES_MAX, &rows, &n, &cut);
  if (rc == 0 && cut)
    page_end_before(pj, cut);
  if (rc == 0 && n > 0) {
    l->v = calloc(n, sizeof(*l->v));
    rc = l->v ? 0 : FS_ENOMEM;
  }
  fs__buf_init(&b, FS_MSG_MAX_BYTES - 64);
  for (uint32_t i = 0; rc == 0 && i < n; i++) {
    fs_msg m;
    fs__msg_init(&m, FS_MSG_NOTICE);
    m.u.notice.kind = rows[i].review ? "review" : "handover";
    m.u.notice.at = rows[i].at;
    m.u.notice.body = rows[i].body;
    fs__buf_reset(&b);
    rc = fs__msg_encode(&m, &b);
    if (rc == 0) {
      l->v[l->n].seq = rows[i].seq;
      l->v[l->n].msg = out_new(b.data, b.len);
      rc = l->v[l->n++].msg ? 0 : FS_ENOMEM;
    }
  }
  fs__buf_release(&b);
  fs__store_notices_free(rows, n);
  return rc;
}

/* Queues the notices at or below the page's final cursor (the others come
 * with the next page) and empties l. */
static void notices_queue(pull_job *pj, notice_list *l) {
  for (uint32_t i = 0; i < l->n; i++) {
    if (l->v[i].seq > pj->next)
      continue;
    out_append(pj, l->v[i].msg);
    l->v[i].msg = NULL;
  }
  notice_list_free(l);
}

/* ---- the worker ------------------------------------------------------ */

/* Whether the device may pull from its cursor: 0, or FS_ERESYNC when
 * tombstones it would need are gone (it must take a fresh snapshot).  Not
 * for a device in the middle of a snapshot begun on this connection since
 * the last purge: it never held those records. */
static int pull_horizon(pull_job *pj, fs_store_rd *rd) {
  uint64_t floor = 0;
  int rc = fs__store_gc_floor(rd, &floor);

  if (rc)
    return rc;
  if (pj->cursor == 0)
    pj->snap_floor1 = floor + 1;
  else if (pj->cursor < floor && pj->snap_floor1 != floor + 1)
    return FS_ERESYNC;
  return 0;
}

/* Rows and evictions of the page, then the side pages. */
static int pull_page(pull_job *pj, fs_store_rd *rd, fs_buf *b) {
  fs_pull_sink sink = {pj, sink_row, sink_evict};
  notice_list notices = {NULL, 0};
  fs_msg m;
  int rc;

  rc = fs__central_pull(rd, pj->acc, pj->cursor, pj->limit, &sink, &pj->next, &pj->more);
  for (int k = 0; rc == 0 && k < FS_KIND__COUNT; k++)
    rc = batch_flush(pj, (fs_kind)k);
  if (rc == 0 && pj->nev) {
    fs__msg_init(&m, FS_MSG_EVICT);
    m.u.evict.items = pj->ev;
    m.u.evict.n = pj->nev;
    rc = out_msg(pj, b, &m);
  }
  /* Notices first: a full page of them lowers the cursor the conflicts are
   * read up to; conflicts may lower it again, so the notices are queued
   * (after CONFLICTS, PROTOCOL.md 7.1) only once it is final. */
  if (rc == 0 && pj->next > pj->cursor)
    rc = pull_notices(pj, rd, &notices);
  if (rc == 0 && pj->next > pj->cursor)
    rc = pull_conflicts(pj, rd);
  if (rc == 0)
    notices_queue(pj, &notices);
  notice_list_free(&notices);
  return rc;
}

static void pull_work(uv_work_t *req) {
  pull_job *pj = req->data;
  fs_store_rd *rd = NULL;
  fs_device now;
  fs_msg m;
  fs_buf b;
  int rc;

  fs__buf_init(&b, FS_MSG_MAX_BYTES - 64);
  rc = fs__rpool_get(pj->s, &rd);
  /* Standing and rights as the store says now, not as at the handshake.
   * (A wipe session never gets here: it may not PULL.) */
  if (rc == 0)
    rc = fs__standing_now(rd, &now, pj->dev.id, 0, fs__server_wipe_deadline(pj->s),
                          pj->why, sizeof(pj->why));
  if (rc == 0)
    rc = fs__central_access(rd, pj->dev.staff, (int64_t)fs__now_ms(), pj->acc);
  if (rc == 0)
    rc = pull_horizon(pj, rd);
  if (rc == 0)
    rc = pull_page(pj, rd, &b);
  if (rc == 0) {
    fs__msg_init(&m, FS_MSG_CHECKPOINT);
    m.u.checkpoint.cursor = pj->next;
    m.u.checkpoint.more = pj->more;
    rc = out_msg(pj, &b, &m);
  }
  fs__buf_release(&b);
  if (rd)
    fs__rpool_put(pj->s, rd);
  pj->rc = rc;
}

/* ---- back on the loop ------------------------------------------------ */

static void pull_job_free(pull_job *pj) {
  outmsg *o, *n;
  for (o = pj->head; o; o = n) {
    n = o->next;
    free(o);
  }
  for (int k = 0; k < FS_KIND__COUNT; k++)
    fs__buf_release(&pj->batch[k]);
  free(pj->ev);
  free(pj->acc);
  free(pj);
}

typedef struct loan_job {
  fs_writer_job job;
  uint64_t device;
  char staff[FS_STAFF_MAX + 1];
  int n;
  fs_loan_read reads[FS_ACCESS_MAX_LOANS];
} loan_job;

static int loan_run(fs_writer_job *job, fs_central *central) {
  loan_job *lj = (loan_job *)job;
  return fs__store_loan_reads(central, lj->device, lj->staff, (int64_t)fs__now_ms(),
                              lj->reads, lj->n);
}

static void loan_done(fs_writer_job *job, int rc) {
  if (rc)
    FS_WARN("cannot record loan reads: %s", fs_strerror(rc));
  free(job);
}

static void record_loan_reads(fs__device_conn *d, pull_job *pj) {
  loan_job *lj;
  if (pj->nloaned == 0)
    return;
  lj = calloc(1, sizeof(*lj));
  if (lj == NULL) {
    FS_WARN("device %llu (%s): cannot record %d loaned card read(s): out of memory",
            (unsigned long long)d->dev.id, d->dev.staff, pj->nloaned);
    return;
  }
  lj->device = d->dev.id;
  snprintf(lj->staff, sizeof(lj->staff), "%s", d->dev.staff);
  lj->n = pj->nloaned;
  memcpy(lj->reads, pj->loaned, sizeof(lj->reads));
  lj->job.run = loan_run;
  lj->job.done = loan_done;
  if (fs__writer_submit(d->base.s->writer, &lj->job)) {
    FS_WARN("device %llu (%s): cannot record %d loaned card read(s): the writer is busy",
            (unsigned long long)d->dev.id, d->dev.staff, pj->nloaned);
    free(lj);
  }
}

/* Answers a failed pull; 1 if the connection is closing. */
static int pull_failed(fs__device_conn *d, pull_job *pj) {
  fs__conn *c = &d->base;
  char text[200];

  if (pj->rc == FS_ERESYNC) {
    fs__conn_error(c, FS_ERESYNC,
                   "this replica is older than the daemon's history; pull again from "
                   "cursor 0 (a full snapshot) and keep unsynced changes");
    FS_INFO("device %llu (%s): cursor %llu is behind the tombstone horizon; resync",
            (unsigned long long)d->dev.id, d->dev.staff, (unsigned long long)pj->cursor);
    return 0;
  }
  if (pj->rc == FS_EREVOKED || pj->rc == FS_EDEPARTED) {
    FS_WARN("device %llu (%s): pull refused: %s", (unsigned long long)d->dev.id,
            d->dev.staff, pj->why);
    fs__conn_error_close(c, pj->rc, pj->why);
    return 1;
  }
  snprintf(text, sizeof(text), "pull failed: %s", fs_strerror(pj->rc));
  FS_WARN("device %llu (%s): %s", (unsigned long long)d->dev.id, d->dev.staff, text);
  fs__conn_error_close(c, pj->rc, text);
  return 1;
}

static void pull_done(uv_work_t *req, int status) {
  pull_job *pj = req->data;
  fs__device_conn *d = pj->d;
  fs__conn *c = &d->base;

  (void)status;
  if (fs__conn_unref(c)) {
    pull_job_free(pj);
    return;
  }
  c->busy = 0;
  d->snap_floor1 = pj->snap_floor1;
  if (pj->rc) {
    int closing = pull_failed(d, pj);
    pull_job_free(pj);
    if (!closing)
      fs__conn_resume(c);
    return;
  }
  /* Keep the fresh access set for NOTIFY filtering. */
  free(d->acc);
  d->acc = pj->acc;
  pj->acc = NULL;
  for (outmsg *o = pj->head; o; o = o->next)
    if (fs__conn_send_plain(c, o->data, o->len) != 0)
      break;
  record_loan_reads(d, pj);
  FS_DEBUG("device %llu (%s): pull %llu -> %llu, %u rows, %u evicted",
           (unsigned long long)d->dev.id, d->dev.staff, (unsigned long long)pj->cursor,
           (unsigned long long)pj->next, pj->rows, pj->evicted);
  pull_job_free(pj);
  fs__conn_resume(c);
}

/* ---- the committed cursor -------------------------------------------- */

/* Device health and the GC horizon need the cursor each device has
 * committed: record it when it advances (group-committed with pushes). */
typedef struct seen_job {
  fs_writer_job job;
  uint64_t device, cursor;
} seen_job;

static int seen_run(fs_writer_job *job, fs_central *central) {
  seen_job *sj = (seen_job *)job;
  return fs__store_device_cursor(central, sj->device, (int64_t)fs__now_ms(), sj->cursor);
}

static void seen_done(fs_writer_job *job, int rc) {
  if (rc)
    FS_DEBUG("cannot record device cursor: %s", fs_strerror(rc));
  free(job);
}

static void note_cursor(fs__device_conn *d, uint64_t cursor) {
  seen_job *sj;
  if (cursor <= d->dev.cursor)
    return;
  d->dev.cursor = cursor;
  sj = calloc(1, sizeof(*sj));
  if (sj == NULL)
    return;
  sj->device = d->dev.id;
  sj->cursor = cursor;
  sj->job.run = seen_run;
  sj->job.done = seen_done;
  if (fs__writer_submit(d->base.s->writer, &sj->job))
    free(sj);
}

void fs__pull_handle(fs__device_conn *d, const fs_msg_pull *p) {
  fs__conn *c = &d->base;
  fs_server *s = c->s;
  pull_job *pj = calloc(1, sizeof(*pj));

  if (pj)
    pj->acc = malloc(sizeof(*pj->acc));
  if (pj == NULL || pj->acc == NULL) {
    free(pj);
    fs__conn_error_close(c, FS_ENOMEM, "daemon out of memory");
    return;
  }
  pj->d = d;
  pj->s = s;
  pj->dev = d->dev;
  pj->cursor = p->cursor;
  pj->model = fs__pull_model(d->hello.u.hello.model);
  pj->snap_floor1 = d->snap_floor1;
  /* What the device asks from is what it has committed: the fence uses it. */
  note_cursor(d, p->cursor);
  pj->limit =
      (uint32_t)(p->limit && p->limit < s->cfg.pull_page ? p->limit : s->cfg.pull_page);
  for (int k = 0; k < FS_KIND__COUNT; k++)
    fs__buf_init(&pj->batch[k], FS_MSG_MAX_BYTES - 64);
  pj->req.data = pj;
  if (uv_queue_work(s->loop, &pj->req, pull_work, pull_done)) {
    pull_job_free(pj);
    fs__conn_error_close(c, FS_EINTERNAL, "cannot schedule pull");
    return;
  }
  fs__conn_hold(c);
}
