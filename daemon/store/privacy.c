/* privacy.c - personal data export and erase, history retention
 * (store/privacy.h, docs/RETENTION.md).
 *
 * Both requests first make a plan: the records that hold the person's data
 * (the card or one contact, plus, for a whole card, its contacts, its child
 * records and the showroom entries linked to it), each marked "whole" (the
 * record is the person's: deleted, every field exported) or not (it stays:
 * only its FS_F_PERSONAL fields are exported or cleared).  Export prints
 * the plan's values; erase applies it to the store, the journal and the
 * history.
 */
#include "store/privacy.h"
#include "store/impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fs_errno.h"
#include "store/record_history.h"
#include "json.h"
#include "log.h"
#include "status.h"
#include "msg.h"
#include "store.h"

#define MAX_TARGETS 20000 /* records one request may touch */
#define MAX_SCRUB 20000   /* distinct values looked for in free text */
#define SCRUB_MIN 3       /* shorter values ("A", "") would match anywhere */
#define MAX_AUDIENCES 64  /* journal audiences of one record */
#define ERASED_MARK "[erased]"

typedef struct target {
  fs_kind kind;
  char id[FS_ID_HEX + 1];
  int whole; /* the record is the person's; else only its personal fields */
} target;

typedef struct plan {
  char cust[FS_ID_HEX + 1];
  int contact_only;
  target *t;
  int n, cap;
  char **scrub; /* personal values to replace in free text */
  int nscrub, capscrub;
} plan;

static void plan_free(plan *p) {
  for (int i = 0; i < p->nscrub; i++)
    free(p->scrub[i]);
  free(p->scrub);
  free(p->t);
  memset(p, 0, sizeof(*p));
}

/* Makes room for element n of the array *a (capacity *cap, elements of
 * size bytes, at most max): 0, FS_EOVERFLOW or FS_ENOMEM. */
static int grow(void **a, int *cap, int n, size_t size, int max) {
  void *p;
  int c;

  if (n < *cap)
    return 0;
  if (n >= max)
    return FS_EOVERFLOW;
  c = *cap ? *cap * 2 : 32;
  p = realloc(*a, (size_t)c * size);
  if (p == NULL)
    return FS_ENOMEM;
  *a = p;
  *cap = c;
  return 0;
}

static int plan_add(plan *p, fs_kind k, const char *id, int whole) {
  int rc = grow((void **)&p->t, &p->cap, p->n, sizeof(*p->t), MAX_TARGETS);

  if (rc)
    return rc;
  p->t[p->n].kind = k;
  snprintf(p->t[p->n].id, sizeof(p->t[p->n].id), "%s", id);
  p->t[p->n].whole = whole;
  p->n++;
  return 0;
}

static const target *plan_find(const plan *p, fs_kind k, const char *id) {
  for (int i = 0; i < p->n; i++)
    if (p->t[i].kind == k && strcmp(p->t[i].id, id) == 0)
      return &p->t[i];
  return NULL;
}

/* Notes a personal value to look for in free text (audit, reports). */
static int scrub_add(plan *p, const char *s, size_t len) {
  char *v;
  int rc;

  if (s == NULL || len < SCRUB_MIN)
    return 0;
  for (int i = 0; i < p->nscrub; i++)
    if (strlen(p->scrub[i]) == len && memcmp(p->scrub[i], s, len) == 0)
      return 0;
  rc = grow((void **)&p->scrub, &p->capscrub, p->nscrub, sizeof(*p->scrub), MAX_SCRUB);
  if (rc)
    return rc;
  v = malloc(len + 1);
  if (v == NULL)
    return FS_ENOMEM;
  memcpy(v, s, len);
  v[len] = '\0';
  p->scrub[p->nscrub++] = v;
  return 0;
}

/* A field the request covers on a record of this target: every field of a
 * whole record, else the personal ones. */
static int covered(const target *t, const fs_kind_def *kd, int f) {
  return t->whole || (kd->fields[f].flags & FS_F_PERSONAL) != 0;
}

/* Adds the ids of kind k selected by sql (?1 = the card id) to the plan. */
static int select_into(sqlite3 *db, plan *p, const char *sql, fs_kind k, int whole) {
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);

  if (rc != SQLITE_OK)
    return fs__db_err(db, rc);
  sqlite3_bind_text(st, 1, p->cust, -1, SQLITE_STATIC);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    rc = plan_add(p, k, (const char *)sqlite3_column_text(st, 0), whole);
    if (rc)
      break;
  }
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? 0 : rc > 0 ? fs__db_err(db, rc) : rc;
}

/* Finds the card (and contact) and lists the records, children first and
 * the card last, the order in which erase journals them (a replica that
 * evicts the card evicts its children with it). */
static int plan_make(sqlite3 *db, const fs_person_req *r, plan *p, char *err,
                     size_t errlen) {
  sqlite3_stmt *st = NULL;
  char sql[256];
  int rc;

  memset(p, 0, sizeof(*p));
  if (r->customer == NULL) {
    snprintf(err, errlen, "name the customer: --customer ARCHIVE_NO|ID");
    return FS_EUSAGE;
  }
  rc = sqlite3_prepare_v2(
      db, "SELECT id FROM customers WHERE id=?1 OR archive_no=?1 LIMIT 1", -1, &st, NULL);
  if (rc != SQLITE_OK)
    return fs__db_err(db, rc);
  sqlite3_bind_text(st, 1, r->customer, -1, SQLITE_STATIC);
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW)
    snprintf(p->cust, sizeof(p->cust), "%s", sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return fs__db_err(db, rc);
  if (p->cust[0] == '\0') {
    snprintf(err, errlen, "no customer %s (give the card id or archive number)",
             r->customer);
    return FS_ENOTFOUND;
  }
  if (r->contact) {
    p->contact_only = 1;
    rc = sqlite3_prepare_v2(db, "SELECT id FROM contacts WHERE id=?1 AND customer_id=?2",
                            -1, &st, NULL);
    if (rc != SQLITE_OK)
      return fs__db_err(db, rc);
    sqlite3_bind_text(st, 1, r->contact, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, p->cust, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc == SQLITE_DONE) {
      snprintf(err, errlen, "customer %s has no contact %s", r->customer, r->contact);
      return FS_ENOTFOUND;
    }
    if (rc != SQLITE_ROW)
      return fs__db_err(db, rc);
    return plan_add(p, FS_KIND_CONTACT, r->contact, 1);
  }
  rc = 0;
  for (int k = 0; k < FS_KIND__COUNT && rc == 0; k++) {
    const fs_kind_def *kd = fs__kind_def((fs_kind)k);
    if (k == FS_KIND_CUSTOMER || k == FS_KIND_CONTACT ||
        fs__field_index(kd, "customer_id") < 0)
      continue;
    /* Child records and linked showroom entries stay (reports count them);
     * their personal text goes. */
    snprintf(sql, sizeof(sql), "SELECT id FROM \"%s\" WHERE customer_id=?1 ORDER BY id",
             kd->table);
    rc = select_into(db, p, sql, (fs_kind)k, 0);
  }
  if (rc == 0)
    rc = select_into(db, p, "SELECT id FROM contacts WHERE customer_id=?1 ORDER BY id",
                     FS_KIND_CONTACT, 1);
  if (rc == 0)
    rc = plan_add(p, FS_KIND_CUSTOMER, p->cust, 1);
  if (rc == FS_EOVERFLOW)
    snprintf(err, errlen, "customer %s has more than %d records; not done", r->customer,
             MAX_TARGETS);
  return rc;
}

/* " AND field IN ('a','b')" of the personal fields of kd, or "" for a
 * whole record (every field). */
static void field_filter(const target *t, const fs_kind_def *kd, char *buf, size_t len) {
  size_t at = 0;
  int n = 0;

  buf[0] = '\0';
  if (t->whole)
    return;
  at += (size_t)snprintf(buf, len, " AND field IN (");
  for (int f = 0; f < kd->nfields && at < len; f++)
    if (kd->fields[f].flags & FS_F_PERSONAL)
      at += (size_t)snprintf(buf + at, len - at, "%s'%s'", n++ ? "," : "",
                             kd->fields[f].name);
  if (n == 0)
    snprintf(buf, len, " AND 0");
  else if (at < len)
    snprintf(buf + at, len - at, ")");
}

/* ---- the history: conflict log and quarantine ------------------------- */

typedef int (*conflict_fn)(void *arg, const target *t, sqlite3_stmt *st);

/* Prepares "<verb> conflicts <set> WHERE <the rows of t's covered fields
 * that still hold a value> <tail>", bound and ready to step. */
static int conflicts_stmt(sqlite3 *db, const target *t, const char *verb, const char *set,
                          const char *tail, sqlite3_stmt **st) {
  const fs_kind_def *kd = fs__kind_def(t->kind);
  char filter[2048], sql[2600];
  int rc;

  field_filter(t, kd, filter, sizeof(filter));
  snprintf(
      sql, sizeof(sql),
      "%s conflicts%s WHERE kind=?1 AND record_id=?2 AND (loser IS NOT NULL OR winner IS "
      "NOT NULL)%s%s",
      verb, set, filter, tail);
  rc = sqlite3_prepare_v2(db, sql, -1, st, NULL);
  if (rc != SQLITE_OK)
    return fs__db_err(db, rc);
  sqlite3_bind_text(*st, 1, kd->name, -1, SQLITE_STATIC);
  sqlite3_bind_text(*st, 2, t->id, -1, SQLITE_STATIC);
  return 0;
}

/* Calls fn for each conflict-log row of t's covered fields that still holds
 * a value; st columns: field, loser, winner, at. */
static int conflicts_each(sqlite3 *db, const target *t, conflict_fn fn, void *arg) {
  sqlite3_stmt *st = NULL;
  int rc = conflicts_stmt(db, t, "SELECT field, loser, winner, at FROM", "",
                          " ORDER BY id", &st);

  if (rc)
    return rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW)
    if ((rc = fn(arg, t, st)) != 0)
      break;
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? 0 : rc > 0 ? fs__db_err(db, rc) : rc;
}

/* Clears the values of t's covered fields from the conflict log; counts
 * the rows into *n. */
static int conflicts_clear(sqlite3 *db, const target *t, int *n) {
  sqlite3_stmt *st = NULL;
  int rc = conflicts_stmt(db, t, "UPDATE", " SET loser=NULL, winner=NULL", "", &st);

  if (rc)
    return rc;
  rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE)
    return fs__db_err(db, rc);
  *n += sqlite3_changes(db);
  return 0;
}

typedef int (*quarantine_fn)(void *arg, long long qid, const target *t,
                             const fs_change *ch);

/* Calls fn for every quarantined upload that touches the plan: a change to
 * one of its records, or (whole card) one naming the card as customer_id.
 * t is the record's target, or a synthetic one (whole for a contact). */
static int quarantine_each(sqlite3 *db, const plan *p, quarantine_fn fn, void *arg) {
  sqlite3_stmt *st = NULL;
  int rc;

  rc = sqlite3_prepare_v2(db,
                          "SELECT id, payload FROM quarantine WHERE payload IS NOT NULL "
                          "ORDER BY id",
                          -1, &st, NULL);
  if (rc != SQLITE_OK)
    return fs__db_err(db, rc);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    const uint8_t *b = sqlite3_column_blob(st, 1);
    long long qid = sqlite3_column_int64(st, 0);
    const target *t;
    target other;
    fs_change ch;
    int drc;

    memset(&ch, 0, sizeof(ch));
    drc = fs__change_decode(b, (size_t)sqlite3_column_bytes(st, 1), &ch);
    if (drc && drc != FS_EUNKNOWN_FIELD) {
      FS_WARN("quarantined change %lld cannot be read (%s); left as is", qid,
              fs_strerror(drc));
      continue;
    }
    t = plan_find(p, ch.kind, ch.id);
    if (t == NULL && !p->contact_only) {
      int pf = fs__field_index(fs__kind_def(ch.kind), "customer_id");
      for (int i = 0; pf >= 0 && i < ch.nfields; i++)
        if (ch.fields[i].field == pf && ch.fields[i].value.type == FS_V_TEXT &&
            strcmp(ch.fields[i].value.s, p->cust) == 0) {
          /* A record of the card this store never got (not applied). */
          other.kind = ch.kind;
          snprintf(other.id, sizeof(other.id), "%s", ch.id);
          other.whole = ch.kind == FS_KIND_CONTACT;
          t = &other;
        }
    }
    rc = t ? fn(arg, qid, t, &ch) : 0;
    fs__change_release(&ch);
    if (rc)
      break;
  }
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? 0 : rc > 0 ? fs__db_err(db, rc) : rc;
}

/* ---- export ------------------------------------------------------------ */

/* Everything the export writes goes through the one JSON writer (json.h). */
static void json_value(fs_json *j, const fs_value *v, int money) {
  if (v->type == FS_V_INT && money) /* currency units (issue 15) */
    fs__json_fixed(j, (double)v->i / 100.0, 2);
  else if (v->type == FS_V_INT)
    fs__json_int(j, v->i);
  else if (v->type == FS_V_TEXT)
    fs__json_string(j, v->s);
  else
    fs__json_null(j);
}

static void json_col(fs_json *j, sqlite3_stmt *st, int col) {
  if (sqlite3_column_type(st, col) == SQLITE_INTEGER)
    fs__json_int(j, sqlite3_column_int64(st, col));
  else if (sqlite3_column_type(st, col) == SQLITE_NULL)
    fs__json_null(j);
  else
    fs__json_string(j, (const char *)sqlite3_column_text(st, col));
}

static void json_str(fs_json *j, const char *key, const char *v) {
  fs__json_key(j, key);
  fs__json_string(j, v);
}

static int export_conflict(void *arg, const target *t, sqlite3_stmt *st) {
  fs_json *j = arg;

  fs__json_begin_object(j);
  json_str(j, "kind", fs__kind_def(t->kind)->name);
  json_str(j, "id", t->id);
  json_str(j, "field", (const char *)sqlite3_column_text(st, 0));
  fs__json_key(j, "lost");
  json_col(j, st, 1);
  fs__json_key(j, "kept");
  json_col(j, st, 2);
  fs__json_key(j, "at");
  fs__json_time(j, sqlite3_column_int64(st, 3));
  fs__json_end_object(j);
  return 0;
}

static int export_quarantined(void *arg, long long qid, const target *t,
                              const fs_change *ch) {
  fs_json *j = arg;
  const fs_kind_def *kd = fs__kind_def(ch->kind);

  fs__json_begin_object(j);
  fs__json_key(j, "quarantine");
  fs__json_int(j, qid);
  json_str(j, "kind", kd->name);
  json_str(j, "id", ch->id);
  fs__json_key(j, "fields");
  fs__json_begin_object(j);
  for (int i = 0; i < ch->nfields; i++) {
    int f = ch->fields[i].field;
    if (!covered(t, kd, f) || ch->fields[i].value.type == FS_V_NULL)
      continue;
    fs__json_key(j, kd->fields[f].name);
    json_value(j, &ch->fields[i].value, (kd->fields[f].flags & FS_F_MONEY) != 0);
  }
  fs__json_end_object(j);
  fs__json_end_object(j);
  return 0;
}

/* {"kind","id","owner","deleted","fields":{covered, non-NULL}} */
static void export_row(fs_json *j, const target *t, const fs_row *row) {
  const fs_kind_def *kd = fs__kind_def(row->kind);

  fs__json_begin_object(j);
  json_str(j, "kind", kd->name);
  json_str(j, "id", row->id);
  json_str(j, "owner", row->owner);
  fs__json_key(j, "deleted");
  fs__json_bool(j, row->deleted);
  fs__json_key(j, "fields");
  fs__json_begin_object(j);
  for (int f = 0; f < row->nfields; f++) {
    if (!covered(t, kd, f) || row->values[f].type == FS_V_NULL)
      continue;
    fs__json_key(j, kd->fields[f].name);
    json_value(j, &row->values[f], (kd->fields[f].flags & FS_F_MONEY) != 0);
  }
  fs__json_end_object(j);
  fs__json_end_object(j);
}

int fs__person_export(fs_store_rd *rd, const fs_person_req *r, fs__strbuf *json,
                      char *err, size_t errlen) {
  sqlite3 *db = fs__rd_db(rd);
  static const char *const sections[] = {"customer", "contacts", "records"};
  fs_json j;
  fs_row row;
  plan p;
  int rc;

  memset(&row, 0, sizeof(row));
  err[0] = '\0';
  fs__json_init_buf(&j, json);
  rc = plan_make(db, r, &p, err, errlen);
  if (rc)
    goto out;
  fs__json_begin_object(&j);
  json_str(&j, "customer_id", p.cust);
  /* The card (an object, or null), its contacts, the other records (arrays). */
  for (int s = 0; s < 3; s++) {
    int n = 0;
    if (s == 0 && p.contact_only)
      continue;
    fs__json_key(&j, sections[s]);
    if (s)
      fs__json_begin_array(&j);
    for (int i = 0; i < p.n; i++) {
      const target *t = &p.t[i];
      int sec = t->kind == FS_KIND_CUSTOMER ? 0 : t->kind == FS_KIND_CONTACT ? 1 : 2;
      if (sec != s || (s == 0 && n))
        continue;
      rc = fs__store_get(db, t->kind, t->id, &row);
      if (rc == FS_ENOTFOUND)
        continue;
      if (rc)
        goto out;
      n++;
      export_row(&j, t, &row);
    }
    if (s)
      fs__json_end_array(&j);
    else if (n == 0)
      fs__json_null(&j);
  }
  fs__json_key(&j, "history");
  fs__json_begin_array(&j);
  for (int i = 0; i < p.n && rc == 0; i++)
    rc = conflicts_each(db, &p.t[i], export_conflict, &j);
  if (rc)
    goto out;
  fs__json_end_array(&j);
  fs__json_key(&j, "quarantined");
  fs__json_begin_array(&j);
  rc = quarantine_each(db, &p, export_quarantined, &j);
  if (rc)
    goto out;
  fs__json_end_array(&j);
  fs__json_end_object(&j);
out:
  fs__row_release(&row);
  plan_free(&p);
  return rc;
}

/* ---- erase ------------------------------------------------------------- */

typedef struct erase_counts {
  int deleted;     /* records deleted (tombstones) */
  int cleared;     /* records whose personal fields were cleared */
  int conflicts;   /* conflict-log rows whose values were cleared */
  int quarantined; /* quarantined uploads dropped */
  int texts;       /* audit / handover rows whose text was scrubbed */
} erase_counts;

/* Collects the personal text values of t (its row now) for scrubbing. */
static int scrub_row(sqlite3 *db, plan *p, const target *t) {
  const fs_kind_def *kd = fs__kind_def(t->kind);
  fs_row row;
  int rc;

  memset(&row, 0, sizeof(row));
  rc = fs__store_get(db, t->kind, t->id, &row);
  for (int f = 0; rc == 0 && f < row.nfields; f++)
    if ((kd->fields[f].flags & FS_F_PERSONAL) && row.values[f].type == FS_V_TEXT)
      rc = scrub_add(p, row.values[f].s, row.values[f].len);
  fs__row_release(&row);
  return rc == FS_ENOTFOUND ? 0 : rc;
}

static int scrub_conflict(void *arg, const target *t, sqlite3_stmt *st) {
  plan *p = arg;
  int rc = 0;

  (void)t;
  for (int col = 1; col <= 2 && rc == 0; col++)
    if (sqlite3_column_type(st, col) == SQLITE_TEXT)
      rc = scrub_add(p, (const char *)sqlite3_column_text(st, col),
                     (size_t)sqlite3_column_bytes(st, col));
  return rc;
}

typedef struct qlist {
  plan *p;
  long long *ids;
  int n, cap;
} qlist;

static int erase_quarantined(void *arg, long long qid, const target *t,
                             const fs_change *ch) {
  qlist *q = arg;
  const fs_kind_def *kd = fs__kind_def(ch->kind);
  int rc = 0;

  for (int i = 0; i < ch->nfields && rc == 0; i++)
    if (covered(t, kd, ch->fields[i].field) && ch->fields[i].value.type == FS_V_TEXT &&
        (kd->fields[ch->fields[i].field].flags & FS_F_PERSONAL))
      rc = scrub_add(q->p, ch->fields[i].value.s, ch->fields[i].value.len);
  if (rc)
    return rc;
  rc = grow((void **)&q->ids, &q->cap, q->n, sizeof(*q->ids), MAX_TARGETS);
  if (rc)
    return rc;
  q->ids[q->n++] = qid;
  return 0;
}

/* Journals (k, id) to its owner and to every audience that holds it, so
 * each replica gets the cleared row or the tombstone at its next sync. */
static int journal_all(fs_central *c, fs_kind k, const char *id, const char *owner) {
  sqlite3 *db = fs__central_db(c);
  char aud[MAX_AUDIENCES][FS_STAFF_MAX + 1];
  sqlite3_stmt *st = NULL;
  int rc, n = 0;

  rc = sqlite3_prepare_v2(
      db,
      "SELECT DISTINCT audience FROM journal WHERE kind=?1 AND record_id=?2 "
      "AND op=?3 AND audience<>?4 LIMIT ?5",
      -1, &st, NULL);
  if (rc != SQLITE_OK)
    return fs__db_err(db, rc);
  sqlite3_bind_int(st, 1, (int)k);
  sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
  sqlite3_bind_int(st, 3, FS_JOURNAL_ROW);
  sqlite3_bind_text(st, 4, owner, -1, SQLITE_STATIC);
  sqlite3_bind_int(st, 5, MAX_AUDIENCES - 1);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW)
    snprintf(aud[n++], sizeof(aud[0]), "%s", sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE)
    return fs__db_err(db, rc);
  snprintf(aud[n++], sizeof(aud[0]), "%s", owner);
  rc = 0;
  for (int i = 0; i < n && rc == 0; i++)
    rc = fs__central_journal(c, k, id, aud[i], FS_JOURNAL_ROW);
  return rc;
}

/* Deletes a whole record or clears a record's personal fields, stamped
 * with a fresh daemon clock (later than anything a device sent before, so
 * no older edit brings a value back), and journals it. */
static int erase_record(fs_central *c, const target *t, erase_counts *n) {
  sqlite3 *db = fs__central_db(c);
  const fs_kind_def *kd = fs__kind_def(t->kind);
  uint64_t stamp = fs__hlc_now(fs__central_hlc(c));
  int rc, changed = 0;
  fs_row row;

  memset(&row, 0, sizeof(row));
  rc = fs__store_get(db, t->kind, t->id, &row);
  if (rc == FS_ENOTFOUND) {
    rc = 0;
    goto out;
  }
  if (rc)
    goto out;
  for (int f = 0; f < row.nfields; f++) {
    if (!covered(t, kd, f) || fs__field_kept_on_tombstone(kd, f) ||
        row.values[f].type == FS_V_NULL)
      continue;
    changed = 1;
    if (!t->whole) {
      fs__value_free(&row.values[f]);
      row.clk[f] = stamp;
    }
  }
  if (t->whole && (!row.deleted || changed)) {
    fs_change ch;
    fs_outcome oc;
    memset(&ch, 0, sizeof(ch));
    ch.kind = t->kind;
    ch.op = FS_OP_DELETE;
    snprintf(ch.id, sizeof(ch.id), "%s", t->id);
    snprintf(ch.owner, sizeof(ch.owner), "%s", row.owner);
    snprintf(ch.author, sizeof(ch.author), "%s", row.author);
    ch.hlc = stamp;
    /* The merge's own delete: content cleared, nothing logged. */
    rc = fs__store_apply(db, &ch, fs__central_next_seq(c), NULL, NULL, &oc);
    if (!row.deleted)
      n->deleted++;
    changed = 1;
  } else if (changed) {
    if (stamp > row.hlc)
      row.hlc = stamp;
    row.seq = fs__central_next_seq(c);
    rc = fs__store_put_row(db, &row);
    n->cleared++;
  }
  if (rc == 0 && changed)
    rc = journal_all(c, t->kind, t->id, row.owner);
out:
  fs__row_release(&row);
  return rc;
}

/* Replaces every noted value in audit details/reasons and handover
 * reports/reasons; longest first, so a name is not cut by a part of it. */
static int cmp_len_desc(const void *a, const void *b) {
  size_t x = strlen(*(char *const *)a), y = strlen(*(char *const *)b);
  return x < y ? 1 : x > y ? -1 : 0;
}

static int scrub_texts(sqlite3 *db, plan *p, int *n) {
  static const char *const sql[] = {
      "UPDATE audit SET detail=replace(detail, ?1, '" ERASED_MARK
      "'), reason=replace(reason, "
      "?1, '" ERASED_MARK "') WHERE instr(detail, ?1)>0 OR instr(reason, ?1)>0",
      "UPDATE handovers SET report=replace(report, ?1, '" ERASED_MARK
      "'), reason=replace("
      "reason, ?1, '" ERASED_MARK "') WHERE instr(report, ?1)>0 OR instr(reason, ?1)>0",
  };
  int rc = 0;

  /* Nothing to scrub: p->scrub may be NULL, which qsort may not take. */
  if (p->nscrub > 1)
    qsort(p->scrub, (size_t)p->nscrub, sizeof(*p->scrub), cmp_len_desc);
  for (int s = 0; s < 2 && rc == 0; s++) {
    sqlite3_stmt *st = NULL;
    rc = sqlite3_prepare_v2(db, sql[s], -1, &st, NULL);
    if (rc != SQLITE_OK)
      return fs__db_err(db, rc);
    for (int i = 0; i < p->nscrub && rc == 0; i++) {
      sqlite3_bind_text(st, 1, p->scrub[i], -1, SQLITE_STATIC);
      rc = sqlite3_step(st) == SQLITE_DONE ? 0 : fs__db_err(db, sqlite3_errcode(db));
      *n += sqlite3_changes(db);
      sqlite3_reset(st);
    }
    sqlite3_finalize(st);
  }
  return rc;
}

int fs__person_erase(fs_central *c, const fs_person_req *r, fs__strbuf *out,
                     fs__strbuf *json, char *err, size_t errlen) {
  sqlite3 *db = fs__central_db(c);
  erase_counts n;
  qlist q;
  plan p;
  char detail[300];
  int rc, in_sp = 0;

  memset(&n, 0, sizeof(n));
  memset(&q, 0, sizeof(q));
  err[0] = '\0';
  rc = plan_make(db, r, &p, err, errlen);
  if (rc)
    goto out;
  /* What to look for in free text: the values now, in the history and in
   * quarantined uploads, read before anything is cleared. */
  for (int i = 0; i < p.n && rc == 0; i++)
    rc = scrub_row(db, &p, &p.t[i]);
  for (int i = 0; i < p.n && rc == 0; i++)
    rc = conflicts_each(db, &p.t[i], scrub_conflict, &p);
  q.p = &p;
  if (rc == 0)
    rc = quarantine_each(db, &p, erase_quarantined, &q);
  if (rc == 0)
    rc = fs__db_exec(db, "SAVEPOINT person_erase");
  if (rc)
    goto out;
  in_sp = 1;
  for (int i = 0; i < p.n && rc == 0; i++)
    rc = erase_record(c, &p.t[i], &n);
  for (int i = 0; i < p.n && rc == 0; i++)
    rc = conflicts_clear(db, &p.t[i], &n.conflicts);
  /* The per-record history keeps its rows (who changed what, when). */
  for (int i = 0; i < p.n && rc == 0; i++)
    rc = fs__history_clear(c, p.cust, p.t[i].kind, p.t[i].id,
                           p.t[i].whole ? FS_HISTORY_ALL : FS_HISTORY_PERSONAL);
  for (int i = 0; i < q.n && rc == 0; i++) {
    char sql[128];
    snprintf(sql, sizeof(sql),
             "UPDATE quarantine SET payload=NULL, status='" FS_QUARANTINE_ERASED_S
             "' WHERE id=%lld",
             q.ids[i]);
    rc = fs__db_exec(db, sql);
    n.quarantined++;
  }
  if (rc)
    goto out;
  /* The audit row names the record and counts, never a value; its reason
   * is scrubbed with the rest in case it quotes the person. */
  snprintf(
      detail, sizeof(detail),
      "%s%s%s: %d record(s) deleted, %d cleared; %d conflict value(s), %d quarantined "
      "upload(s) erased",
      p.contact_only ? "contact " : "customer card", p.contact_only ? r->contact : "",
      p.contact_only ? " of the card" : "", n.deleted, n.cleared, n.conflicts,
      n.quarantined);
  rc = fs__audit(c, r->actor, "person.erase", NULL, p.cust, -1, detail, r->reason);
  if (rc == 0)
    rc = scrub_texts(db, &p, &n.texts);
  if (rc)
    goto out;
  fs__strbuf_printf(
      out,
      "%s%s %s: %d record(s) deleted, %d record(s) cleared of personal fields, %d "
      "conflict-log value(s) and %d quarantined upload(s) erased, %d audit/report "
      "text(s) scrubbed%s\n",
      r->dry_run ? "dry run, nothing changed: would erase " : "erased ",
      p.contact_only ? "contact" : "customer", p.contact_only ? r->contact : p.cust,
      n.deleted, n.cleared, n.conflicts, n.quarantined, n.texts,
      r->dry_run ? ""
                 : "; every replica clears them at its next sync; reports keep "
                   "the counts");
  {
    const struct {
      const char *key;
      int v;
    } counts[] = {{"deleted", n.deleted},
                  {"cleared", n.cleared},
                  {"conflicts", n.conflicts},
                  {"quarantined", n.quarantined},
                  {"texts", n.texts}};
    fs_json j;
    fs__json_init_buf(&j, json);
    fs__json_begin_object(&j);
    json_str(&j, "customer", p.cust);
    json_str(&j, "contact", p.contact_only ? r->contact : NULL);
    fs__json_key(&j, "dry_run");
    fs__json_bool(&j, r->dry_run);
    for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
      fs__json_key(&j, counts[i].key);
      fs__json_int(&j, counts[i].v);
    }
    fs__json_end_object(&j);
  }
out:
  if (in_sp) {
    if (rc || r->dry_run)
      fs__db_exec(db, "ROLLBACK TO person_erase");
    fs__db_exec(db, "RELEASE person_erase");
  }
  free(q.ids);
  plan_free(&p);
  return rc;
}

/* ---- retention --------------------------------------------------------- */

int fs__history_purge(fs_central *c, int64_t now_ms, int days, int *conflicts,
                      int *quarantined, int *reports) {
  static const char *const sql[] = {
      "DELETE FROM conflicts WHERE at<?1",
      "DELETE FROM quarantine WHERE at<?1",
      "UPDATE handovers SET report=NULL WHERE at<?1 AND report IS NOT NULL",
      "DELETE FROM history WHERE at<?1",
  };
  int *counts[] = {conflicts, quarantined, reports, NULL};
  sqlite3 *db = fs__central_db(c);
  int64_t cutoff = now_ms - (int64_t)days * 86400000LL;
  int rc = 0;

  for (int i = 0; i < 4 && rc == 0; i++) {
    sqlite3_stmt *st = NULL;
    rc = sqlite3_prepare_v2(db, sql[i], -1, &st, NULL);
    if (rc != SQLITE_OK)
      return fs__db_err(db, rc);
    sqlite3_bind_int64(st, 1, cutoff);
    rc = sqlite3_step(st) == SQLITE_DONE ? 0 : fs__db_err(db, sqlite3_errcode(db));
    sqlite3_finalize(st);
    if (counts[i])
      *counts[i] = rc ? 0 : sqlite3_changes(db);
  }
  return rc;
}
