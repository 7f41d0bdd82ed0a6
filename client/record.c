/* record.c - fs_record values and the record write operations (create,
 * update, delete, get, grade change, id resolution). */
#include "record.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "archive.h"
#include "serials.h"
#include "db.h"
#include "date.h"
#include "fs_errno.h"
#include "id.h"
#include "ident.h"
#include "money.h"
#include "replica.h"
#include "suggest.h"
#include "validate.h"

/* ---- the record object ---------------------------------------------------- */

int fs__record_alloc(const fs_kind_def *kd, fs_record **out) {
  fs_record *rec;

  rec = calloc(1, sizeof(*rec));
  if (rec == NULL)
    return FS_ENOMEM;
  rec->kd = kd;
  rec->nfields = kd->nfields;
  rec->values = calloc((size_t)kd->nfields, sizeof(*rec->values));
  rec->isset = calloc((size_t)kd->nfields, 1);
  rec->text = calloc((size_t)kd->nfields, sizeof(*rec->text));
  if (!rec->values || !rec->isset || !rec->text) {
    fs_record_free(rec);
    return FS_ENOMEM;
  }
  *out = rec;
  return 0;
}

int fs_record_new(const char *kind, fs_record **out) {
  const fs_kind_def *kd = fs__kind_by_name(kind);

  if (out == NULL)
    return FS_EINVAL;
  *out = NULL;
  if (kd == NULL)
    return fs__errmsg_thread(FS_EINVAL, "\"%.40s\" is not a kind of record",
                             kind ? kind : "");
  return fs__record_alloc(kd, out);
}

static void record_clear(fs_record *rec) {
  for (int i = 0; i < rec->nfields; i++) {
    fs__value_free(&rec->values[i]);
    free(rec->text[i]);
    rec->text[i] = NULL;
    rec->isset[i] = 0;
  }
}

void fs_record_free(fs_record *rec) {
  if (rec == NULL)
    return;
  if (rec->values && rec->text && rec->isset)
    record_clear(rec);
  free(rec->values);
  free(rec->isset);
  free(rec->text);
  free(rec);
}

int fs__record_load_row(fs_record *rec, const fs_row *row) {
  int rc;

  record_clear(rec);
  snprintf(rec->id, sizeof(rec->id), "%s", row->id);
  snprintf(rec->owner, sizeof(rec->owner), "%s", row->owner);
  snprintf(rec->author, sizeof(rec->author), "%s", row->author);
  rec->hlc = row->hlc;
  for (int i = 0; i < rec->nfields && i < row->nfields; i++) {
    rc = fs__value_copy(&rec->values[i], &row->values[i]);
    if (rc)
      return rc;
    rec->isset[i] = 1;
  }
  return 0;
}

/* Parses text for field f into v (v is NULL-typed on entry). */
static int parse_text(const fs_field *f, const char *text, fs_value *v, char *err, size_t errlen) {
  size_t len;

  if (text == NULL || *text == '\0')
    return 0; /* NULL clears */
  len = strlen(text);
  if (f->type == FS_FT_INT && (f->flags & FS_F_MONEY)) {
    /* Money is typed in currency units (issue 15): "12,345.60". */
    int64_t minor = 0;
    int rc = fs__money_parse(text, &minor);
    if (rc) {
      snprintf(err, errlen,
               "%s: \"%.40s\" is not an amount in currency units with at most two "
               "decimals (e.g. 12345, 12,345.60)%s",
               f->name, text, rc == FS_EOVERFLOW ? ": too large" : "");
      return FS_EVALIDATE;
    }
    fs__value_set_int(v, minor);
    return 0;
  }
  switch (f->type) {
  case FS_FT_INT: {
    char *end = NULL;
    long long n;
    errno = 0;
    n = strtoll(text, &end, 10);
    if (errno || end == text || *end != '\0' || isspace((unsigned char)text[0])) {
      snprintf(err, errlen, "%s: \"%.40s\" is not a whole number (%" PRId64 "..%" PRId64 ")",
               f->name, text, f->min, f->max);
      return FS_EVALIDATE;
    }
    fs__value_set_int(v, n);
    return 0;
  }
  case FS_FT_BOOL:
    if (!strcasecmp(text, "yes") || !strcasecmp(text, "true") || !strcmp(text, "1")) {
      fs__value_set_int(v, 1);
      return 0;
    }
    if (!strcasecmp(text, "no") || !strcasecmp(text, "false") || !strcmp(text, "0")) {
      fs__value_set_int(v, 0);
      return 0;
    }
    snprintf(err, errlen, "%s: \"%.40s\" is not one of yes, no, true, false, 1, 0", f->name,
             text);
    return FS_EVALIDATE;
  default:
    return fs__value_set_text(v, text, len);
  }
}

int fs_record_set(fs_record *rec, const char *field, const char *text) {
  fs_value v = {FS_V_NULL, 0, NULL, 0};
  const fs_field *f;
  int idx, rc;

  if (rec == NULL || field == NULL)
    return FS_EINVAL;
  rec->err[0] = '\0';
  idx = fs__field_index(rec->kd, field);
  if (idx < 0) {
    snprintf(rec->err, sizeof(rec->err), "%s: not a field of %s", field, rec->kd->name);
    return fs__errmsg_thread(FS_EUNKNOWN_FIELD, "%s", rec->err);
  }
  f = &rec->kd->fields[idx];
  /* Enumerations in any case ("a" is grade A): stored as spelled in the model. */
  if (f->type == FS_FT_ENUM && text && fs__enum_match(f->enum_values, text))
    text = fs__enum_match(f->enum_values, text);
  rc = parse_text(f, text, &v, rec->err, sizeof(rec->err));
  if (rc == 0)
    rc = fs__validate_value(f, &v, rec->err, sizeof(rec->err));
  /* One spelling in storage (seconds always, 'T'), so text comparisons
   * order correctly and "10:00" equals "10:00:00". */
  if (rc == 0)
    rc = fs__value_canonical(f, &v);
  if (rc) {
    fs__value_free(&v);
    return fs__errmsg_thread(rc, "%s", rec->err);
  }
  fs__value_free(&rec->values[idx]);
  rec->values[idx] = v; /* takes ownership of v's text */
  free(rec->text[idx]);
  rec->text[idx] = NULL;
  rec->isset[idx] = 1;
  return 0;
}

const char *fs_record_get(fs_record *rec, const char *field) {
  const fs_value *v;
  int idx;

  if (rec == NULL || field == NULL)
    return NULL;
  idx = fs__field_index(rec->kd, field);
  if (idx < 0 || !rec->isset[idx])
    return NULL;
  v = &rec->values[idx];
  if (v->type == FS_V_TEXT)
    return v->s;
  if (v->type != FS_V_INT)
    return NULL;
  if (rec->kd->fields[idx].type == FS_FT_BOOL)
    return v->i ? "yes" : "no";
  if (rec->text[idx] == NULL) {
    char buf[FS__MONEY_TEXT_MAX];
    if (rec->kd->fields[idx].flags & FS_F_MONEY)
      fs__money_plain(v->i, buf, sizeof(buf));
    else
      snprintf(buf, sizeof(buf), "%" PRId64, v->i);
    rec->text[idx] = strdup(buf);
  }
  return rec->text[idx];
}

int fs_record_isset(const fs_record *rec, const char *field) {
  int idx = rec ? fs__field_index(rec->kd, field) : -1;
  return idx >= 0 && rec->isset[idx];
}

const char *fs_record_id(const fs_record *rec) { return rec ? rec->id : ""; }
const char *fs_record_kind(const fs_record *rec) { return rec ? rec->kd->name : ""; }
const char *fs_record_owner(const fs_record *rec) { return rec ? rec->owner : ""; }
const char *fs_record_author(const fs_record *rec) { return rec ? rec->author : ""; }
uint64_t fs_record_hlc(const fs_record *rec) { return rec ? rec->hlc : 0; }

/* ---- building changes ------------------------------------------------------ */

int fs__change_add(fs_change *c, int field, const fs_value *v) {
  fs_field_change *nf;

  nf = realloc(c->fields, (size_t)(c->nfields + 1) * sizeof(*nf));
  if (nf == NULL)
    return FS_ENOMEM;
  c->fields = nf;
  memset(&nf[c->nfields], 0, sizeof(*nf));
  nf[c->nfields].field = field;
  c->nfields++;
  return fs__value_copy(&nf[c->nfields - 1].value, v);
}

int fs__change_add_text(fs_change *c, const fs_kind_def *kd, const char *name,
                        const char *text) {
  fs_value v = {FS_V_TEXT, 0, (char *)text, strlen(text)};
  int idx = fs__field_index(kd, name);

  if (idx < 0)
    return FS_EINTERNAL;
  return fs__change_add(c, idx, &v);
}

void fs__change_setup(fs_change *c, const fs_kind_def *kd, const char *id, fs_op op) {
  memset(c, 0, sizeof(*c));
  c->kind = kd->kind;
  c->op = op;
  snprintf(c->id, sizeof(c->id), "%s", id);
}

const fs_value *fs__row_value(const fs_row *row, const char *name) {
  int idx = fs__field_index(fs__kind_def(row->kind), name);
  return idx < 0 ? NULL : &row->values[idx];
}

int fs__record_load_live(fs_replica *r, const fs_kind_def *kd, const char *id, fs_row *row) {
  int rc = fs__store_get(fs__replica_db(r), kd->kind, id, row);

  if (rc == 0 && row->deleted)
    rc = FS_ENOTFOUND;
  if (rc == FS_ENOTFOUND)
    fs__replica_fail(r, rc, "no %s with id %s", kd->name, id);
  return rc;
}

/* ---- create ------------------------------------------------------------------ */

typedef struct create_ctx {
  fs_record *rec;
  fs_change *c; /* 1 or 2 changes (customer + its first grade_change) */
  int n;
} create_ctx;

static int create_pre(fs_replica *r, void *arg) {
  create_ctx *x = arg;
  const fs_kind_def *kd = x->rec->kd;
  fs_change *c = &x->c[0];
  char today[11], archive[FS_ARCHIVE_TEXT_MAX + 1];
  fs_row parent;
  int rc = 0;

  memset(&parent, 0, sizeof(parent));
  fs__today(today);
  if (kd->flags & FS_K_CHILD) {
    /* A child belongs to its customer's owner, who must be us (checked by
     * the write path); the customer must exist here. */
    const fs_value *cid = &x->rec->values[kd->parent_field];
    if (!x->rec->isset[kd->parent_field] || cid->type != FS_V_TEXT)
      return fs__replica_fail(r, FS_EVALIDATE, "customer_id: required");
    rc = fs__record_load_live(r, fs__kind_def(FS_KIND_CUSTOMER), cid->s, &parent);
    if (rc)
      goto out;
    snprintf(c->owner, sizeof(c->owner), "%s", parent.owner);
  } else {
    snprintf(c->owner, sizeof(c->owner), "%s", r->id.staff);
  }
  snprintf(c->author, sizeof(c->author), "%s", r->id.staff);

  if (kd->kind == FS_KIND_CUSTOMER) {
    int fallback = 0;
    rc = fs__serials_next(r, atoi(today), archive, &fallback);
    (void)fallback; /* the caller tells the user: fs_archive_is_fallback */
    if (rc == 0)
      rc = fs__change_add_text(c, kd, "archive_no", archive);
    if (rc)
      goto out;
    if (x->n == 2) {
      /* The first entry of the grade history: the grade the card opens with. */
      fs_change *g = &x->c[1];
      const fs_kind_def *gd = fs__kind_def(FS_KIND_GRADE_CHANGE);
      const char *gdate = fs_record_get(x->rec, "grade_date");
      snprintf(g->owner, sizeof(g->owner), "%s", c->owner);
      snprintf(g->author, sizeof(g->author), "%s", c->author);
      rc = fs__change_add_text(g, gd, "customer_id", c->id);
      if (rc == 0)
        rc = fs__change_add_text(g, gd, "grade", fs_record_get(x->rec, "grade"));
      if (rc == 0)
        rc = fs__change_add_text(g, gd, "date", gdate ? gdate : today);
    }
  }
out:
  fs__row_release(&parent);
  return rc;
}

int fs_create(fs_replica *r, fs_record *rec, char id_out[33]) {
  const fs_kind_def *kd;
  fs_change c[2];
  int creates[2] = {1, 1}, n = 1, rc = 0;
  create_ctx x;
  char id[33], today[11];

  if (r == NULL || rec == NULL)
    return FS_EINVAL;
  r->err[0] = '\0';
  kd = rec->kd;
  memset(c, 0, sizeof(c));
  if (kd->kind == FS_KIND_CUSTOMER && rec->isset[fs__field_index(kd, "archive_no")]) {
    rc = fs__replica_fail(r, FS_EVALIDATE, "archive_no: assigned by the device, cannot be set");
    goto out;
  }
  fs__id_new(id);
  fs__change_setup(&c[0], kd, id, FS_OP_UPSERT);
  /* Defaults that the forms fill in on paper. */
  fs__today(today);
  if (kd->kind == FS_KIND_CUSTOMER) {
    if (!fs_record_isset(rec, "created"))
      rc = fs_record_set(rec, "created", today);
    /* The card was graded when it was opened (a backdated card too). */
    if (rc == 0 && !fs_record_isset(rec, "grade_date") && fs_record_get(rec, "grade"))
      rc = fs_record_set(rec, "grade_date", fs_record_get(rec, "created"));
    if (fs_record_get(rec, "grade")) {
      fs__id_new(id);
      fs__change_setup(&c[1], fs__kind_def(FS_KIND_GRADE_CHANGE), id, FS_OP_UPSERT);
      n = 2;
    }
  } else if (kd->kind == FS_KIND_SHOWROOM && !fs_record_isset(rec, "rep_on_duty")) {
    rc = fs_record_set(rec, "rep_on_duty", r->id.staff);
  }
  if (rc) {
    rc = fs__replica_fail(r, rc, "%s", rec->err);
    goto out;
  }
  for (int i = 0; i < kd->nfields; i++) {
    if (!rec->isset[i] || rec->values[i].type == FS_V_NULL)
      continue;
    rc = fs__change_add(&c[0], i, &rec->values[i]);
    if (rc)
      goto out;
  }
  x.rec = rec;
  x.c = c;
  x.n = n;
  rc = fs__replica_write(r, c, creates, n, create_pre, &x);
  if (rc)
    goto out;
  snprintf(rec->id, sizeof(rec->id), "%s", c[0].id);
  snprintf(rec->owner, sizeof(rec->owner), "%s", c[0].owner);
  snprintf(rec->author, sizeof(rec->author), "%s", c[0].author);
  rec->hlc = c[0].hlc;
  /* The record now shows what was stored, archive number included. */
  for (int i = 0; i < c[0].nfields; i++) {
    int f = c[0].fields[i].field;
    if (fs__value_copy(&rec->values[f], &c[0].fields[i].value) == 0)
      rec->isset[f] = 1;
  }
  if (id_out)
    snprintf(id_out, 33, "%s", c[0].id);
out:
  fs__change_release(&c[0]);
  fs__change_release(&c[1]);
  return rc;
}

/* ---- update / delete -------------------------------------------------------- */

typedef struct update_ctx {
  const fs_record *rec;
  fs_change *c;
} update_ctx;

static int update_pre(fs_replica *r, void *arg) {
  update_ctx *x = arg;
  const fs_kind_def *kd = x->rec->kd;
  fs_row row;
  int rc;

  memset(&row, 0, sizeof(row));
  rc = fs__record_load_live(r, kd, x->c->id, &row);
  if (rc)
    goto out;
  snprintf(x->c->owner, sizeof(x->c->owner), "%s", row.owner);
  snprintf(x->c->author, sizeof(x->c->author), "%s", row.author);
  /* Only what differs travels: other fields keep their clocks, so a
   * concurrent edit of another field elsewhere is not overwritten. */
  for (int i = 0; i < kd->nfields; i++) {
    if (!x->rec->isset[i] || fs__value_equal(&x->rec->values[i], &row.values[i]))
      continue;
    rc = fs__change_add(x->c, i, &x->rec->values[i]);
    if (rc)
      goto out;
  }
  if (x->c->nfields)
    rc = fs__replica_may_write(r, row.owner);
out:
  fs__row_release(&row);
  return rc;
}

int fs_update(fs_replica *r, const char *kind, const char *id, const fs_record *rec) {
  const fs_kind_def *kd = fs__kind_by_name(kind);
  update_ctx x;
  fs_change c;
  int creates = 0, rc;

  if (r == NULL || rec == NULL || kd == NULL || !fs__id_valid(id))
    return r ? fs__replica_fail(r, FS_EINVAL, "bad kind or id") : FS_EINVAL;
  if (rec->kd != kd)
    return fs__replica_fail(r, FS_EINVAL, "record is a %s, not a %s", rec->kd->name, kd->name);
  fs__change_setup(&c, kd, id, FS_OP_UPSERT);
  x.rec = rec;
  x.c = &c;
  rc = fs__replica_write(r, &c, &creates, 1, update_pre, &x);
  fs__change_release(&c);
  return rc;
}

static int delete_pre(fs_replica *r, void *arg) {
  fs_change *c = arg;
  fs_row row;
  int rc;

  memset(&row, 0, sizeof(row));
  rc = fs__record_load_live(r, fs__kind_def(c->kind), c->id, &row);
  if (rc == 0) {
    snprintf(c->owner, sizeof(c->owner), "%s", row.owner);
    snprintf(c->author, sizeof(c->author), "%s", row.author);
  }
  fs__row_release(&row);
  return rc;
}

int fs_delete(fs_replica *r, const char *kind, const char *id) {
  const fs_kind_def *kd = fs__kind_by_name(kind);
  fs_change c;
  int rc;

  if (r == NULL || kd == NULL || !fs__id_valid(id))
    return r ? fs__replica_fail(r, FS_EINVAL, "bad kind or id") : FS_EINVAL;
  fs__change_setup(&c, kd, id, FS_OP_DELETE);
  rc = fs__replica_write(r, &c, NULL, 1, delete_pre, &c);
  fs__change_release(&c);
  return rc;
}

int fs_get(fs_replica *r, const char *kind, const char *id, fs_record **out) {
  const fs_kind_def *kd = fs__kind_by_name(kind);
  fs_record *rec = NULL;
  fs_row row;
  int rc;

  if (out)
    *out = NULL;
  if (r == NULL || out == NULL || kd == NULL || id == NULL)
    return FS_EINVAL;
  r->err[0] = '\0';
  rc = fs__replica_check_lock(r);
  if (rc)
    return rc;
  memset(&row, 0, sizeof(row));
  rc = fs__record_load_live(r, kd, id, &row);
  if (rc)
    goto out;
  rc = fs__record_alloc(kd, &rec);
  if (rc == 0)
    rc = fs__record_load_row(rec, &row);
out:
  fs__row_release(&row);
  if (rc) {
    fs_record_free(rec);
    return rc;
  }
  *out = rec;
  return 0;
}

/* ---- grade change ------------------------------------------------------------ */

int fs__grade_pre(fs_replica *r, void *arg) {
  fs__grade_ctx *x = arg;
  const fs_kind_def *cd = fs__kind_def(FS_KIND_CUSTOMER);
  const fs_kind_def *gd = fs__kind_def(FS_KIND_GRADE_CHANGE);
  const fs_value *prev, *cur_date, *cur_deliv;
  fs_row row;
  int rc;

  memset(&row, 0, sizeof(row));
  rc = fs__record_load_live(r, cd, x->c[0].id, &row);
  if (rc)
    goto out;
  prev = fs__row_value(&row, "grade");
  cur_date = fs__row_value(&row, "grade_date");
  cur_deliv = fs__row_value(&row, "delivery_date");
  if (strcmp(x->grade, "delivered") == 0 && x->delivery == NULL &&
      cur_deliv->type == FS_V_NULL) {
    rc = fs__replica_fail(r, FS_EVALIDATE,
                          "delivery_date: required when grade is delivered (give the date"
                          " the customer took delivery)");
    goto out;
  }
  for (int i = 0; i < 2; i++) {
    snprintf(x->c[i].owner, sizeof(x->c[i].owner), "%s", row.owner);
    snprintf(x->c[i].author, sizeof(x->c[i].author), "%s", i ? r->id.staff : row.author);
  }
  if (prev->type != FS_V_TEXT || strcmp(prev->s, x->grade) != 0)
    rc = fs__change_add_text(&x->c[0], cd, "grade", x->grade);
  if (rc == 0 && (cur_date->type != FS_V_TEXT || strcmp(cur_date->s, x->date) != 0))
    rc = fs__change_add_text(&x->c[0], cd, "grade_date", x->date);
  if (rc == 0 && x->delivery &&
      (cur_deliv->type != FS_V_TEXT || strcmp(cur_deliv->s, x->delivery) != 0))
    rc = fs__change_add_text(&x->c[0], cd, "delivery_date", x->delivery);
  if (rc == 0)
    rc = fs__change_add_text(&x->c[1], gd, "customer_id", x->c[0].id);
  if (rc == 0)
    rc = fs__change_add_text(&x->c[1], gd, "grade", x->grade);
  if (rc == 0 && prev->type == FS_V_TEXT)
    rc = fs__change_add_text(&x->c[1], gd, "prev_grade", prev->s);
  if (rc == 0)
    rc = fs__change_add_text(&x->c[1], gd, "date", x->date);
out:
  fs__row_release(&row);
  return rc;
}

int fs_customer_set_grade(fs_replica *r, const char *id, const char *grade, const char *date,
                          const char *delivery_date) {
  int creates[2] = {0, 1}, rc;
  char today[11], gid[33];
  fs_change c[2];
  fs__grade_ctx x;

  if (r == NULL)
    return FS_EINVAL;
  r->err[0] = '\0';
  if (!fs__id_valid(id))
    return fs__replica_fail(r, FS_EINVAL, "bad customer id");
  if (grade && fs__enum_match(fs__grades, grade))
    grade = fs__enum_match(fs__grades, grade); /* any case */
  if (grade == NULL || fs__enum_index(fs__grades, grade) < 0)
    return fs__replica_fail(r, FS_EVALIDATE,
                            "grade: \"%.40s\" is not one of O, A, B, C, delivered, lost",
                            grade ? grade : "");
  if (date && fs__valid_date(date))
    return fs__replica_fail(r, FS_EVALIDATE, "date: \"%.40s\" is not a date (YYYY-MM-DD)", date);
  if (delivery_date && fs__valid_date(delivery_date))
    return fs__replica_fail(r, FS_EVALIDATE,
                            "delivery_date: \"%.40s\" is not a date (YYYY-MM-DD)", delivery_date);
  fs__today(today);
  fs__id_new(gid);
  fs__change_setup(&c[0], fs__kind_def(FS_KIND_CUSTOMER), id, FS_OP_UPSERT);
  fs__change_setup(&c[1], fs__kind_def(FS_KIND_GRADE_CHANGE), gid, FS_OP_UPSERT);
  x.c = c;
  x.grade = grade;
  x.date = date ? date : today;
  x.delivery = delivery_date;
  rc = fs__replica_write(r, c, creates, 2, fs__grade_pre, &x);
  fs__change_release(&c[0]);
  fs__change_release(&c[1]);
  return rc;
}

/* ---- id resolution -------------------------------------------------------------- */

int fs_resolve_id(fs_replica *r, const char *kind, const char *text, char id_out[33]) {
  const fs_kind_def *kd = fs__kind_by_name(kind);
  char err[FS_REPLICA_ERR_MAX];
  int rc;

  if (r == NULL || kd == NULL || text == NULL || id_out == NULL)
    return FS_EINVAL;
  r->err[0] = '\0';
  /* The rule is common/ident.h's, the same as fieldsyncd's. */
  rc = fs__ident_resolve(fs__replica_db(r), (int)kd->kind, text, 0, id_out, NULL, err,
                         sizeof(err));
  if (rc)
    return fs__replica_fail(r, rc, "%s", err);
  return 0;
}
