/* store.c - generic record storage and the field-level merge (store.h).
 *
 * Merge rule as implemented (the contract in store.h, made precise):
 *
 *   Field LWW.  Field f of an incoming upsert wins over the stored value if
 *   its clock is greater than the stored field clock, or the clocks are
 *   equal and its value is greater in a fixed total order (NULL < integer <
 *   text; integers by value; text by bytes, then length).  The writer device
 *   is not stored: comparing values instead of devices gives the same
 *   decision on every replica without extra storage.  Equal clock and equal
 *   value is the same write seen twice: idempotent, counted as won.
 *   A clock missing from a short clk blob (a row written before its column
 *   existed) counts as 0.
 *
 *   Append-only kinds.  Once a row exists, no field is ever overwritten,
 *   whatever the clocks: an upsert whose values all equal the stored ones
 *   (every field it carries; a field never written counts as nil) is a
 *   duplicate, a retry of the create under any counter or clock: APPLIED,
 *   nothing written.  Any other is SUPERSEDED as a whole (also when some
 *   of its values are equal) and each differing value is reported (loser
 *   the incoming value, winner the stored one).  validate.h lets such
 *   upserts through so that this rule decides them.
 *
 *   Tombstones.  A delete sets deleted=1 (a delete of an unknown id inserts
 *   a tombstone row with the change's owner and author) and clears every
 *   content field: a tombstone keeps only what sync needs, its id, owner,
 *   author, clocks and the FS_F_KEY fields (archive number, a child's
 *   customer_id; model.h).  An upsert that meets a tombstone is SUPERSEDED
 *   and every field it carries is reported as a loser without its value
 *   (loser NULL, winner NULL, winner_hlc the row's hlc): the content of a
 *   deleted record goes into no conflict log.  It still raises the field
 *   clocks and the row clock (max), and a key field merges by the rule
 *   above (append-only kinds: only if never written), so a replica that saw
 *   "edit, delete" and one that saw "delete, edit" hold the same row, and
 *   no later edit, whatever its clock, brings content back.  A delete
 *   meeting a live row reports the fields whose clock is newer than the
 *   delete (edits the deleter cannot have seen), also without their values.
 *   fs__store_put_row never writes content into a tombstone either, so no
 *   path stores a deleted record's content (clear_content below).
 *
 *   Reported conflicts ("concurrent").  Each field write carries its base:
 *   the field clock its writer's replica held when the write was made (the
 *   clock of the value it replaced; 0 if none or not sent).  Of the
 *   same-field decisions between two different values where the stored one
 *   had been written (stored clock != 0), the store reports:
 *     - a stored value overwritten by an incoming one, unless the incoming
 *       write had seen it (fs__write_saw: base == stored clock): that is an
 *       ordinary sequential edit.  A base of 0 has seen nothing, so a write
 *       without a base is reported as it always was;
 *     - every incoming value that lost, whatever its base: either the two
 *       writes were concurrent, or the writer had seen the stored value
 *       but its clock was behind (it loses by LWW all the same, and the
 *       value the user typed would otherwise vanish unlogged).
 *   The base never changes which write wins, so a wrong base can only
 *   leave an overwrite out of the log.  In the callback, loser points into
 *   c->fields[] when the incoming value lost, else at the stored value.
 *
 *   Row clock.  hlc = max over every field clock written and every delete
 *   clock applied (a new row also takes c->hlc).  seq is stamped on the row
 *   when seq != 0 and anything in the row changed.
 *
 * Statements are prepared once per connection and kind (fs__db_stmt).
 */
#include "store.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "fs_errno.h"
#include "log.h"

#define SYS_COLS 7 /* id, owner, author, deleted, hlc, seq, clk */
#define MAX_FIELDS 128

enum { SQL_SELECT = 0, SQL_UPSERT, SQL_DELETE, SQL__COUNT };

static char *cols_sql[FS_KIND__COUNT];
static char *stmt_sql[FS_KIND__COUNT][SQL__COUNT];
static int build_err;
static pthread_once_t build_once = PTHREAD_ONCE_INIT;

/* Concatenates the NULL-terminated list of strings into a malloc'd one. */
static char *concat(const char *const *parts) {
  size_t n = 1, at = 0;
  char *s;

  for (int i = 0; parts[i]; i++)
    n += strlen(parts[i]);
  s = malloc(n);
  if (s == NULL)
    return NULL;
  for (int i = 0; parts[i]; i++) {
    size_t l = strlen(parts[i]);
    memcpy(s + at, parts[i], l);
    at += l;
  }
  s[at] = '\0';
  return s;
}

/* Builds the column list and the three statements of kind kd. */
static int build_kind(const fs_kind_def *kd) {
  size_t cap = 256, len;
  char *cols = NULL, *vals = NULL, *sets = NULL;
  int rc = FS_ENOMEM;

  if (kd->nfields > MAX_FIELDS)
    return FS_EINTERNAL;
  for (int i = 0; i < kd->nfields; i++)
    cap += 2 * strlen(kd->fields[i].name) + 32;
  cols = malloc(cap);
  vals = malloc(cap);
  sets = malloc(4 * cap);
  if (cols == NULL || vals == NULL || sets == NULL)
    goto out;
  strcpy(cols, "id, owner, author, deleted, hlc, seq, clk");
  strcpy(vals, "?, ?, ?, ?, ?, ?, ?");
  /* author never changes once a row exists. */
  strcpy(sets, "owner=excluded.owner, deleted=excluded.deleted, hlc=excluded.hlc, "
               "seq=excluded.seq, clk=excluded.clk");
  for (int i = 0; i < kd->nfields; i++) {
    const char *n = kd->fields[i].name;
    len = strlen(cols);
    snprintf(cols + len, cap - len, ", \"%s\"", n);
    len = strlen(vals);
    snprintf(vals + len, cap - len, ", ?");
    len = strlen(sets);
    snprintf(sets + len, 4 * cap - len, ", \"%s\"=excluded.\"%s\"", n, n);
  }
  cols_sql[kd->kind] = cols;
  stmt_sql[kd->kind][SQL_SELECT] = concat(
      (const char *const[]){"SELECT ", cols, " FROM \"", kd->table, "\" WHERE id=?", NULL});
  stmt_sql[kd->kind][SQL_DELETE] =
      concat((const char *const[]){"DELETE FROM \"", kd->table, "\" WHERE id=?", NULL});
  stmt_sql[kd->kind][SQL_UPSERT] =
      concat((const char *const[]){"INSERT INTO \"", kd->table, "\"(", cols, ") VALUES(",
                                   vals, ") ON CONFLICT(id) DO UPDATE SET ", sets, NULL});
  cols = NULL;
  rc = 0;
  for (int s = 0; s < SQL__COUNT; s++)
    if (stmt_sql[kd->kind][s] == NULL)
      rc = FS_ENOMEM;
out:
  free(cols);
  free(vals);
  free(sets);
  return rc;
}

static void build_all(void) {
  for (int k = 0; k < FS_KIND__COUNT && build_err == 0; k++)
    build_err = build_kind(fs__kind_def((fs_kind)k));
}

static int built(void) {
  pthread_once(&build_once, build_all);
  return build_err;
}

const char *fs__store_columns(fs_kind k) {
  if (fs__kind_def(k) == NULL || built())
    return NULL;
  return cols_sql[k];
}

static int kind_stmt(sqlite3 *db, fs_kind k, int which, sqlite3_stmt **st) {
  int rc = built();

  if (rc)
    return rc;
  return fs__db_stmt(db, (int)k * SQL__COUNT + which, stmt_sql[k][which], st);
}

/* ---- rows -------------------------------------------------------------- */

int fs__row_init(fs_row *r, fs_kind k) {
  const fs_kind_def *kd = fs__kind_def(k);

  if (r == NULL || kd == NULL)
    return FS_EINVAL;
  memset(r, 0, sizeof(*r));
  r->kind = k;
  r->values = calloc((size_t)kd->nfields, sizeof(*r->values));
  r->clk = calloc((size_t)kd->nfields, sizeof(*r->clk));
  if (r->values == NULL || r->clk == NULL) {
    fs__row_release(r);
    return FS_ENOMEM;
  }
  r->nfields = kd->nfields;
  return 0;
}

void fs__row_release(fs_row *r) {
  if (r == NULL)
    return;
  for (int i = 0; r->values && i < r->nfields; i++)
    fs__value_free(&r->values[i]);
  free(r->values);
  free(r->clk);
  r->values = NULL;
  r->clk = NULL;
  r->nfields = 0;
}

static int copy_text_col(sqlite3_stmt *st, int col, char *dst, size_t cap) {
  const unsigned char *s = sqlite3_column_text(st, col);
  size_t n = (size_t)sqlite3_column_bytes(st, col);

  if (s == NULL || n >= cap)
    return FS_EDB;
  memcpy(dst, s, n);
  dst[n] = '\0';
  return 0;
}

int fs__store_row_from_stmt(sqlite3_stmt *st, fs_kind k, fs_row *r) {
  const fs_kind_def *kd = fs__kind_def(k);
  const unsigned char *blob;
  int rc = 0, n;

  if (st == NULL || r == NULL || kd == NULL)
    return FS_EINVAL;
  /* r may be zeroed memory or a row of any kind: make it a row of k. */
  if (r->values == NULL || r->kind != k || r->nfields != kd->nfields) {
    fs__row_release(r);
    rc = fs__row_init(r, k);
    if (rc)
      return rc;
  }
  if (sqlite3_column_count(st) < SYS_COLS + kd->nfields)
    return FS_EINVAL;
  rc = copy_text_col(st, 0, r->id, sizeof(r->id));
  if (rc == 0)
    rc = copy_text_col(st, 1, r->owner, sizeof(r->owner));
  if (rc == 0)
    rc = copy_text_col(st, 2, r->author, sizeof(r->author));
  if (rc)
    return rc;
  r->deleted = sqlite3_column_int(st, 3) != 0;
  r->hlc = (uint64_t)sqlite3_column_int64(st, 4);
  r->seq = (uint64_t)sqlite3_column_int64(st, 5);
  blob = sqlite3_column_blob(st, 6);
  n = sqlite3_column_bytes(st, 6) / 8;
  for (int i = 0; i < kd->nfields; i++) {
    uint64_t v = 0;
    /* Fields added after the row was written have no clock: 0. */
    for (int b = 7; blob && i < n && b >= 0; b--)
      v = (v << 8) | blob[i * 8 + b];
    r->clk[i] = v;
  }
  for (int i = 0; i < kd->nfields && rc == 0; i++) {
    int col = SYS_COLS + i;
    fs_value *v = &r->values[i];
    switch (sqlite3_column_type(st, col)) {
    case SQLITE_NULL:
      fs__value_free(v);
      break;
    case SQLITE_INTEGER:
    case SQLITE_FLOAT:
      fs__value_set_int(v, sqlite3_column_int64(st, col));
      break;
    default: {
      const unsigned char *s = sqlite3_column_text(st, col);
      if (s == NULL) {
        rc = FS_ENOMEM;
        break;
      }
      rc = fs__value_set_text(v, (const char *)s, (size_t)sqlite3_column_bytes(st, col));
      break;
    }
    }
  }
  return rc;
}

int fs__store_get(sqlite3 *db, fs_kind k, const char *id, fs_row *out) {
  sqlite3_stmt *st = NULL;
  int rc;

  if (db == NULL || id == NULL || out == NULL || fs__kind_def(k) == NULL)
    return FS_EINVAL;
  rc = kind_stmt(db, k, SQL_SELECT, &st);
  if (rc)
    return rc;
  rc = sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
  if (rc == SQLITE_OK)
    rc = sqlite3_step(st);
  if (rc == SQLITE_ROW)
    rc = fs__store_row_from_stmt(st, k, out);
  else if (rc == SQLITE_DONE)
    rc = FS_ENOTFOUND;
  else
    rc = fs__db_err(db, rc);
  sqlite3_reset(st); /* release the read snapshot now */
  return rc;
}

static int bind_value(sqlite3_stmt *st, int col, const fs_value *v) {
  switch (v->type) {
  case FS_V_INT:
    return sqlite3_bind_int64(st, col, v->i);
  case FS_V_TEXT:
    if (v->len > 0x7fffffff)
      return SQLITE_TOOBIG;
    return sqlite3_bind_text(st, col, v->s ? v->s : "", (int)v->len, SQLITE_STATIC);
  default:
    return sqlite3_bind_null(st, col);
  }
}

int fs__store_put_row(sqlite3 *db, const fs_row *row) {
  const fs_kind_def *kd;
  unsigned char clk[MAX_FIELDS * 8];
  sqlite3_stmt *st = NULL;
  int rc;

  if (db == NULL || row == NULL || (kd = fs__kind_def(row->kind)) == NULL ||
      row->nfields != kd->nfields || row->values == NULL || row->clk == NULL)
    return FS_EINVAL;
  rc = kind_stmt(db, row->kind, SQL_UPSERT, &st);
  if (rc)
    return rc;
  for (int i = 0; i < kd->nfields; i++)
    for (int b = 0; b < 8; b++)
      clk[i * 8 + b] = (unsigned char)(row->clk[i] >> (8 * b));
  rc = sqlite3_bind_text(st, 1, row->id, -1, SQLITE_STATIC);
  if (rc == SQLITE_OK)
    rc = sqlite3_bind_text(st, 2, row->owner, -1, SQLITE_STATIC);
  if (rc == SQLITE_OK)
    rc = sqlite3_bind_text(st, 3, row->author, -1, SQLITE_STATIC);
  if (rc == SQLITE_OK)
    rc = sqlite3_bind_int(st, 4, row->deleted ? 1 : 0);
  if (rc == SQLITE_OK)
    rc = sqlite3_bind_int64(st, 5, (sqlite3_int64)row->hlc);
  if (rc == SQLITE_OK)
    rc = sqlite3_bind_int64(st, 6, (sqlite3_int64)row->seq);
  if (rc == SQLITE_OK)
    rc = sqlite3_bind_blob(st, 7, clk, kd->nfields * 8, SQLITE_STATIC);
  for (int i = 0; i < kd->nfields && rc == SQLITE_OK; i++)
    rc = row->deleted && !fs__field_kept_on_tombstone(kd, i)
             ? sqlite3_bind_null(st, SYS_COLS + 1 + i) /* a tombstone holds no content */
             : bind_value(st, SYS_COLS + 1 + i, &row->values[i]);
  if (rc == SQLITE_OK)
    rc = sqlite3_step(st);
  rc = fs__db_err(db, rc);
  sqlite3_reset(st);
  /* Do not keep pointers to the caller's buffers in the cached statement. */
  sqlite3_clear_bindings(st);
  return rc;
}

int fs__store_remove(sqlite3 *db, fs_kind k, const char *id) {
  sqlite3_stmt *st = NULL;
  int rc;

  if (db == NULL || id == NULL || fs__kind_def(k) == NULL)
    return FS_EINVAL;
  rc = kind_stmt(db, k, SQL_DELETE, &st);
  if (rc)
    return rc;
  rc = sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
  if (rc == SQLITE_OK)
    rc = sqlite3_step(st);
  rc = fs__db_err(db, rc);
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
  return rc;
}

/* ---- merge ------------------------------------------------------------- */

int fs__write_saw(const fs_field_change *fc, uint64_t stored_clk) {
  /* The base is the clock the writer's replica held for the field: equal
   * to the stored clock, it replaced exactly the stored value.  0 (never
   * written, or no base sent) has seen nothing, so every overwrite of a
   * written value by such a write is reported, as before bases existed. */
  return fc != NULL && stored_clk != 0 && fc->base == stored_clk;
}

/* The total order used to break clock ties: NULL < int < text. */
static int value_cmp(const fs_value *a, const fs_value *b) {
  size_t n;
  int c;

  if (a->type != b->type)
    return a->type < b->type ? -1 : 1;
  if (a->type == FS_V_INT)
    return a->i < b->i ? -1 : a->i > b->i;
  if (a->type == FS_V_TEXT) {
    n = a->len < b->len ? a->len : b->len;
    c = n ? memcmp(a->s, b->s, n) : 0;
    if (c)
      return c < 0 ? -1 : 1;
    return a->len < b->len ? -1 : a->len > b->len;
  }
  return 0;
}

/* 1 if the write (hlc, v) beats the stored (sh, sv). */
static int lww_wins(uint64_t hlc, const fs_value *v, uint64_t sh, const fs_value *sv) {
  if (hlc != sh)
    return hlc > sh;
  return value_cmp(v, sv) > 0;
}

static const fs_value null_value = {FS_V_NULL, 0, NULL, 0};

static void report(fs_conflict_cb cb, void *arg, const fs_change *c, int f,
                   const fs_value *loser, uint64_t lh, const fs_value *winner,
                   uint64_t wh) {
  if (cb)
    cb(arg, c, f, loser, lh, winner, wh);
}

/* Clears every content field of r (a tombstone keeps its FS_F_KEY fields
 * and all clocks).  1 if a value was cleared. */
static int clear_content(const fs_kind_def *kd, fs_row *r) {
  int cleared = 0;

  for (int f = 0; f < r->nfields; f++) {
    if (fs__field_kept_on_tombstone(kd, f) || r->values[f].type == FS_V_NULL)
      continue;
    fs__value_free(&r->values[f]);
    cleared = 1;
  }
  return cleared;
}

/* Raises field f's clock (and the row clock) to hlc without a value: what a
 * write that meets a tombstone leaves.  1 if anything rose. */
static int raise_clock(fs_row *r, int f, uint64_t hlc) {
  int changed = 0;

  if (hlc > r->clk[f]) {
    r->clk[f] = hlc;
    changed = 1;
  }
  if (hlc > r->hlc) {
    r->hlc = hlc;
    changed = 1;
  }
  return changed;
}

/* Writes fc into row field f. */
static int set_field(fs_row *r, const fs_field_change *fc) {
  int rc = fs__value_copy(&r->values[fc->field], &fc->value);

  if (rc == 0) {
    r->clk[fc->field] = fc->hlc;
    if (fc->hlc > r->hlc)
      r->hlc = fc->hlc;
  }
  return rc;
}

static int check_change(const fs_change *c, const fs_kind_def **kd) {
  if (c == NULL || (*kd = fs__kind_def(c->kind)) == NULL ||
      (c->op != FS_OP_UPSERT && c->op != FS_OP_DELETE) || c->nfields < 0 ||
      (c->nfields > 0 && c->fields == NULL) || strlen(c->id) != FS_ID_HEX)
    return FS_EINVAL;
  for (int i = 0; i < c->nfields; i++)
    if (c->fields[i].field < 0 || c->fields[i].field >= (*kd)->nfields)
      return FS_EINVAL;
  return 0;
}

int fs__store_field_wins(const fs_row *r, const fs_field_change *fc) {
  const fs_value *sv = &r->values[fc->field];
  uint64_t sh = r->clk[fc->field];

  return (fc->hlc == sh && fs__value_equal(&fc->value, sv)) ||
         lww_wins(fc->hlc, &fc->value, sh, sv);
}

int fs__change_drop_restated(fs_change *c, const fs_row *r) {
  const fs_kind_def *kd = fs__kind_def(c->kind);
  int n = 0, dropped = 0;

  if (kd == NULL || (kd->flags & FS_K_APPEND_ONLY) || r->deleted || c->fields == NULL)
    return 0;
  for (int i = 0; i < c->nfields; i++) {
    fs_field_change *fc = &c->fields[i];
    if (fc->field >= 0 && fc->field < kd->nfields && fc->field < r->nfields &&
        (kd->fields[fc->field].flags & FS_F_IMMUTABLE) &&
        fs__value_equal(&fc->value, &r->values[fc->field])) {
      fs__value_free(&fc->value);
      dropped++;
      continue;
    }
    c->fields[n++] = *fc;
  }
  c->nfields = n;
  return dropped;
}

/* Upsert into an existing row r.  *changed, *won, *lost are updated. */
static int merge_upsert(const fs_kind_def *kd, fs_row *r, const fs_change *c,
                        fs_conflict_cb cb, void *arg, int *changed, int *won,
                        int *lost) {
  int append = (kd->flags & FS_K_APPEND_ONLY) != 0;
  int rc = 0;

  for (int i = 0; i < c->nfields && rc == 0; i++) {
    const fs_field_change *fc = &c->fields[i];
    int f = fc->field;
    fs_value *sv = &r->values[f];
    uint64_t sh = r->clk[f];
    int equal = fs__value_equal(&fc->value, sv);
    int wins;

    if (r->deleted) {
      /* The tombstone wins and its content stays cleared: the write only
       * raises the clocks (and a key field merges), so every replica ends
       * with the same row whatever the order, and its value is reported
       * as lost without the value itself. */
      (*lost)++;
      report(cb, arg, c, f, &null_value, fc->hlc, &null_value, r->hlc);
      if (!fs__field_kept_on_tombstone(kd, f)) {
        if (raise_clock(r, f, fc->hlc))
          *changed = 1;
        continue;
      }
      wins = append ? (sh == 0 && !equal) : lww_wins(fc->hlc, &fc->value, sh, sv);
      if (wins) {
        rc = set_field(r, fc);
        *changed = 1;
      }
      continue;
    }
    if (append) {
      if (equal) {
        (*won)++; /* a retry of the create */
      } else {
        (*lost)++;
        report(cb, arg, c, f, &fc->value, fc->hlc, sv, sh);
      }
      continue;
    }
    if (equal && fc->hlc == sh) {
      (*won)++; /* the same write again */
      continue;
    }
    if (lww_wins(fc->hlc, &fc->value, sh, sv)) {
      /* Overwriting the value its writer had seen is an ordinary edit. */
      if (sh != 0 && !equal && !fs__write_saw(fc, sh))
        report(cb, arg, c, f, sv, sh, &fc->value, fc->hlc);
      rc = set_field(r, fc);
      *changed = 1;
      (*won)++;
    } else {
      (*lost)++;
      if (!equal)
        report(cb, arg, c, f, &fc->value, fc->hlc, sv, sh);
    }
  }
  return rc;
}

int fs__store_apply(sqlite3 *db, const fs_change *c, uint64_t seq, fs_conflict_cb cb,
                    void *arg, fs_outcome *outcome) {
  const fs_kind_def *kd = NULL;
  fs_row r = {0};
  int rc, changed = 0, won = 0, lost = 0;
  fs_outcome oc = FS_OUTCOME_APPLIED;

  if (outcome)
    *outcome = FS_OUTCOME_REJECTED;
  if (db == NULL)
    return FS_EINVAL;
  rc = check_change(c, &kd);
  if (rc)
    return rc;
  rc = fs__store_get(db, c->kind, c->id, &r);
  if (rc == FS_ENOTFOUND) {
    /* A new row: a create, or the tombstone of an id we never saw. */
    rc = fs__row_init(&r, c->kind);
    if (rc)
      goto out;
    memcpy(r.id, c->id, sizeof(r.id));
    snprintf(r.owner, sizeof(r.owner), "%s", c->owner);
    snprintf(r.author, sizeof(r.author), "%s", c->author);
    r.deleted = c->op == FS_OP_DELETE;
    r.hlc = c->hlc;
    for (int i = 0; c->op == FS_OP_UPSERT && i < c->nfields && rc == 0; i++) {
      const fs_field_change *fc = &c->fields[i];
      if (lww_wins(fc->hlc, &fc->value, r.clk[fc->field], &r.values[fc->field]))
        rc = set_field(&r, fc);
    }
    changed = 1;
  } else if (rc) {
    goto out;
  } else if (c->op == FS_OP_DELETE) {
    if (!r.deleted) {
      for (int f = 0; f < r.nfields; f++)
        if (r.clk[f] > c->hlc)
          report(cb, arg, c, f, &null_value, r.clk[f], &null_value, c->hlc);
      r.deleted = 1;
      changed = 1;
    }
    /* Also a tombstone written before content was cleared on delete. */
    if (clear_content(kd, &r))
      changed = 1;
    if (c->hlc > r.hlc) {
      r.hlc = c->hlc;
      changed = 1;
    }
  } else {
    int tomb = r.deleted;
    rc = merge_upsert(kd, &r, c, cb, arg, &changed, &won, &lost);
    if (rc)
      goto out;
    /* An append-only record takes nothing after its create: a write that
     * differs anywhere is superseded as a whole, even where some of its
     * values equal the stored ones. */
    if (tomb || (lost > 0 && (won == 0 || (kd->flags & FS_K_APPEND_ONLY))))
      oc = FS_OUTCOME_SUPERSEDED;
    else if (lost > 0)
      oc = FS_OUTCOME_MERGED;
  }
  if (rc)
    goto out;
  if (changed) {
    if (seq)
      r.seq = seq;
    rc = fs__store_put_row(db, &r);
    if (rc)
      goto out;
  }
  if (outcome)
    *outcome = oc;
out:
  fs__row_release(&r);
  return rc;
}
