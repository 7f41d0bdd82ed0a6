/* msg_pull.c - the bodies of PULL and of its answer: PULL_BATCH, EVICT,
 * CONFLICTS, NOTICE and CHECKPOINT; NOTIFY, which asks a watching client
 * to pull; and the incremental PULL_BATCH encoder of msg.h
 * (fs__batch_begin / add_row / finish).  See msg_int.h and PROTOCOL.md
 * sections 5.5.5 - 5.5.9, 5.5.14 and 5.5.15.
 *
 * The rows themselves are written and read by msg_change.c.
 */
#include "msg.h"

#include <stdlib.h>

#include "fs_errno.h"
#include "msg_int.h"

/* ---- PULL, CHECKPOINT, NOTIFY ------------------------------------------ */

static const field pull_fields[] = {
    FIELD(fs_msg_pull, cursor, "cursor", F_UINT, 0, U_ANY, NULL),
    FIELD(fs_msg_pull, limit, "limit", F_UINT, 0, U_ANY, NULL),
};
const body_desc fs__msg_pull_body = BODY(pull_fields);

static const field checkpoint_fields[] = {
    FIELD(fs_msg_checkpoint, cursor, "cursor", F_UINT, 0, U_ANY, NULL),
    FIELD(fs_msg_checkpoint, more, "more", F_BOOL, 0, 0, NULL),
};
const body_desc fs__msg_checkpoint_body = BODY(checkpoint_fields);

static const field notify_fields[] = {
    FIELD(fs_msg_notify, seq, "seq", F_UINT, 0, U_ANY, NULL),
};
const body_desc fs__msg_notify_body = BODY(notify_fields);

/* ---- PULL_BATCH (rows are written by fs__batch_add_row) ---------------- */

static int kind_enc(pk_t *pk, const void *body) {
  const fs_msg_pull_batch *m = body;

  return fs__pk_key(pk, fs__kind_def(m->kind)->name); /* checked by the caller */
}

static int kind_dec(rd *r, void *body, uint32_t seen) {
  fs_msg_pull_batch *m = body;
  const fs_kind_def *kd;
  char name[FS_MSG_NAME_MAX + 1];
  int rc = fs__rd_strcpy(r, name, sizeof name);

  (void)seen;
  if (rc)
    return rc;
  kd = fs__kind_by_name(name);
  if (kd == NULL)
    return FS_EUNKNOWN_FIELD; /* no row of it can be stored here */
  m->kind = kd->kind;
  return 0;
}

static int cols_enc(pk_t *pk, const void *body) {
  const fs_msg_pull_batch *m = body;
  const fs_kind_def *kd = fs__kind_def(m->kind);
  int rc = msgpack_pack_array(pk, (size_t)m->ncols);

  for (int c = 0; rc == 0 && c < m->ncols; c++)
    rc = fs__pk_key(pk, kd->fields[m->cols[c]].name);
  return rc;
}

/* Columns are names of kind's fields: kind must come first. */
static int cols_dec(rd *r, void *body, uint32_t seen) {
  fs_msg_pull_batch *m = body;
  const fs_kind_def *kd = fs__kind_def(m->kind);
  uint32_t n;
  char name[FS_MSG_NAME_MAX + 1];
  unsigned char used[FS_MSG_MAX_FIELDS] = {0};
  int rc = (seen & 1u) ? fs__rd_array(r, &n, FS_MSG_MAX_FIELDS, 1) : FS_EPROTO;

  for (uint32_t c = 0; rc == 0 && c < n; c++) {
    int idx;
    rc = fs__rd_strcpy(r, name, sizeof name);
    if (rc)
      break;
    idx = fs__field_index(kd, name);
    if (idx >= FS_MSG_MAX_FIELDS)
      idx = -1;
    if (idx >= 0 && used[idx])
      rc = FS_EPROTO;
    else if (idx >= 0)
      used[idx] = 1;
    m->cols[c] = idx;
  }
  if (rc == 0)
    m->ncols = (int)n;
  return rc;
}

/* Rows need kind and fields first. */
static int rows_dec(rd *r, void *body, uint32_t seen) {
  fs_msg_pull_batch *m = body;
  uint32_t n;
  void *items;
  int unknown_col = 0, rc;

  if ((seen & 3u) != 3u)
    return FS_EPROTO;
  /* A row is at least fixarray + 34-byte id + 2 x 3-byte staff codes +
   * bool, hlc, seq, bin header, one byte per column. */
  rc =
      fs__rd_list(r, FS_MSG_MAX_ROWS, 45 + (size_t)m->ncols, sizeof *m->rows, &items, &n);
  m->rows = items;
  if (rc || n == 0)
    return rc;
  for (int c = 0; c < m->ncols; c++)
    unknown_col |= m->cols[c] < 0;
  m->rcs = calloc(n, sizeof *m->rcs);
  if (m->rcs == NULL)
    return FS_ENOMEM;
  for (uint32_t i = 0; i < n; i++) {
    int unknown;
    rc = fs__row_init(&m->rows[i], m->kind);
    if (rc)
      return rc;
    m->nrows = i + 1; /* only initialised rows are released */
    rc = fs__rd_row(r, m->cols, m->ncols, &m->rows[i], &unknown);
    if (rc)
      return rc;
    m->rcs[i] = (unknown || unknown_col) ? FS_EUNKNOWN_FIELD : 0;
  }
  return 0;
}

static void rows_release(void *body) {
  fs_msg_pull_batch *m = body;

  for (uint32_t i = 0; m->rows && i < m->nrows; i++)
    fs__row_release(&m->rows[i]);
  free(m->rows);
  free(m->rcs);
}

static const list_ops kind_ops = {NULL, kind_enc, kind_dec, NULL, NULL};
static const list_ops cols_ops = {NULL, cols_enc, cols_dec, NULL, NULL};
static const list_ops rows_ops = {NULL, NULL, rows_dec, rows_release, NULL};

/* "rows" last: a decoder needs kind and fields first. */
static const field pull_batch_fields[] = {
    FIELD(fs_msg_pull_batch, kind, "kind", F_LIST, 0, 0, &kind_ops),
    FIELD(fs_msg_pull_batch, ncols, "fields", F_LIST, 0, 0, &cols_ops),
    FIELD(fs_msg_pull_batch, nrows, "rows", F_LIST, 0, 0, &rows_ops),
};
const body_desc fs__msg_pull_batch_body = BODY(pull_batch_fields);

/* ---- EVICT ------------------------------------------------------------- */

static int evict_enc(pk_t *pk, const void *body) {
  const fs_msg_evict *m = body;
  int rc = msgpack_pack_array(pk, m->n);

  for (uint32_t i = 0; rc == 0 && i < m->n; i++) {
    const fs_kind_def *kd = fs__kind_def(m->items[i].kind);
    if (kd == NULL)
      return FS_EINVAL;
    rc = msgpack_pack_array(pk, 2);
    if (rc == 0)
      rc = fs__pk_key(pk, kd->name);
    if (rc == 0)
      rc = fs__pk_id(pk, m->items[i].id);
  }
  return rc;
}

static int evict_dec(rd *r, void *body, uint32_t seen) {
  fs_msg_evict *m = body;
  uint32_t cnt;
  char name[FS_MSG_NAME_MAX + 1];
  void *items;
  int rc = fs__rd_list(r, FS_MSG_MAX_ITEMS, 36, sizeof *m->items, &items, &cnt);

  (void)seen;
  m->items = items;
  for (uint32_t j = 0; rc == 0 && j < cnt; j++) {
    const fs_kind_def *kd;
    fs_evict_item *x = &m->items[m->n];
    rc = fs__rd_tuple(r, 2);
    if (rc == 0)
      rc = fs__rd_strcpy(r, name, sizeof name);
    if (rc)
      break;
    kd = fs__kind_by_name(name);
    rc = fs__rd_id(r, x->id);
    if (rc == 0 && kd) { /* unknown kinds: nothing to erase here */
      x->kind = kd->kind;
      m->n++;
    }
  }
  return rc;
}

static void evict_release(void *body) {
  free(((fs_msg_evict *)body)->items);
}

static const list_ops evict_ops = {fs__map_check_count, evict_enc, evict_dec,
                                   evict_release, NULL};

static const field evict_fields[] = {
    FIELD(fs_msg_evict, n, "items", F_LIST, 0, FS_MSG_MAX_ITEMS, &evict_ops),
};
const body_desc fs__msg_evict_body = BODY(evict_fields);

/* ---- CONFLICTS: a list of maps ----------------------------------------- */

static const field conflict_fields[] = {
    /* optional, first: a fenced item (msg.h) */
    FIELD(fs_conflict_item, fenced, "fenced", F_STAFF, F_OPT, 0, NULL),
    FIELD(fs_conflict_item, kind, "kind", F_STR, 0, FS_MSG_NAME_MAX, NULL),
    FIELD(fs_conflict_item, id, "id", F_ID, 0, 0, NULL),
    FIELD(fs_conflict_item, field, "field", F_STR, 0, FS_MSG_NAME_MAX, NULL),
    FIELD(fs_conflict_item, loser, "loser", F_VALUE, 0, 0, NULL),
    FIELD(fs_conflict_item, loser_hlc, "loser_hlc", F_UINT, 0, U_ANY, NULL),
    FIELD(fs_conflict_item, winner, "winner", F_VALUE, 0, 0, NULL),
    FIELD(fs_conflict_item, winner_hlc, "winner_hlc", F_UINT, 0, U_ANY, NULL),
    FIELD(fs_conflict_item, author, "author", F_STAFF, 0, 0, NULL),
    FIELD(fs_conflict_item, at, "at", F_UINT, 0, U_MS, NULL),
    /* issue 15: added within version 1 */
    FIELD(fs_conflict_item, winner_author, "winner_author", F_STAFF, F_OPT, 0, NULL),
};

static int conflicts_enc(pk_t *pk, const void *body) {
  const fs_msg_conflicts *m = body;
  int rc = msgpack_pack_array(pk, m->n);

  for (uint32_t i = 0; rc == 0 && i < m->n; i++)
    rc = fs__map_enc(pk, conflict_fields, NFIELDS(conflict_fields), &m->items[i], 0);
  return rc;
}

static int conflicts_dec(rd *r, void *body, uint32_t seen) {
  fs_msg_conflicts *m = body;
  void *items;
  int rc = fs__rd_list(r, FS_MSG_MAX_ITEMS, 60, sizeof *m->items, &items, &m->n);

  (void)seen;
  m->items = items;
  for (uint32_t j = 0; rc == 0 && j < m->n; j++)
    rc = fs__map_dec(r, conflict_fields, NFIELDS(conflict_fields), &m->items[j]);
  return rc;
}

static void conflicts_release(void *body) {
  fs_msg_conflicts *m = body;

  for (uint32_t i = 0; m->items && i < m->n; i++)
    fs__map_release(conflict_fields, NFIELDS(conflict_fields), &m->items[i]);
  free(m->items);
}

static const list_ops conflicts_ops = {fs__map_check_count, conflicts_enc, conflicts_dec,
                                       conflicts_release, NULL};

static const field conflicts_fields[] = {
    FIELD(fs_msg_conflicts, n, "items", F_LIST, 0, FS_MSG_MAX_ITEMS, &conflicts_ops),
};
const body_desc fs__msg_conflicts_body = BODY(conflicts_fields);

/* ---- NOTICE ------------------------------------------------------------ */

static const field notice_fields[] = {
    FIELD(fs_msg_notice, kind, "kind", F_STR, 0, FS_MSG_NAME_MAX, NULL),
    FIELD(fs_msg_notice, at, "at", F_UINT, 0, U_MS, NULL),
    FIELD(fs_msg_notice, body, "body", F_STR, 0, FS_MSG_TEXT_MAX, NULL),
};
const body_desc fs__msg_notice_body = BODY(notice_fields);

/* ======================================================================
 * Incremental PULL_BATCH
 * ====================================================================== */

int fs__batch_begin(fs_batch_enc *e, fs_buf *out, fs_kind kind, const int *cols,
                    int ncols, size_t max_bytes) {
  const fs_kind_def *kd = fs__kind_def(kind);
  unsigned char seen[FS_MSG_MAX_FIELDS] = {0};
  fs_msg_pull_batch head = {0};

  if (e == NULL)
    return FS_EINVAL;
  e->out = NULL; /* unusable until begin succeeds */
  if (out == NULL || kd == NULL || ncols < 0 || (ncols > 0 && cols == NULL))
    return FS_EINVAL;
  if (ncols > FS_MSG_MAX_FIELDS)
    return FS_EOVERFLOW;
  for (int c = 0; c < ncols; c++) {
    if (cols[c] < 0 || cols[c] >= kd->nfields || cols[c] >= FS_MSG_MAX_FIELDS ||
        seen[cols[c]])
      return FS_EINVAL;
    seen[cols[c]] = 1;
    e->cols[c] = cols[c];
    head.cols[c] = cols[c];
  }
  e->kind = kind;
  e->ncols = ncols;
  e->n = 0;
  head.kind = kind;
  head.ncols = ncols;
  return fs__msg_incr_begin(&e->out, &e->start, &e->max, &e->count_at, out, max_bytes,
                            FS_MSG_PULL_BATCH, &head);
}

int fs__batch_add_row(fs_batch_enc *e, const fs_row *r) {
  msgpack_packer pk;
  size_t mark;
  int rc;

  if (e->out == NULL)
    return FS_ESTATE;
  if (r == NULL || r->kind != e->kind)
    return FS_EINVAL;
  if (e->n >= FS_MSG_MAX_ROWS)
    return FS_ETOOBIG;
  mark = e->out->len;
  msgpack_packer_init(&pk, e->out, fs__buf_msgpack_write);
  rc = fs__msg_enc_end(e->out, mark, e->start, e->max,
                       fs__pk_row(&pk, e->cols, e->ncols, r));
  if (rc == 0)
    e->n++;
  return rc;
}

int fs__batch_finish(fs_batch_enc *e) {
  return e ? fs__msg_incr_finish(e->out, e->count_at, e->n) : FS_ESTATE;
}
