/* admin_history.c - what happened: the audit log and the change history
 * of a record (admin_cmd.h). */
#include <stdlib.h>
#include <string.h>

#include "admin_cmd.h"
#include "fs_errno.h"
#include "money.h"
#include "history.h"
#include "store/adminread.h"

/* ---- audit ---------------------------------------------------------- */

/* Audit entries one `audit` command lists (the oldest first). */
#define AUDIT_LIST_MAX 10000

static const fs_col audit_cols[] = {
    {"at", FS_COL_TIME, NULL},       {"actor", FS_COL_TEXT, NULL},
    {"action", FS_COL_TEXT, NULL},   {"staff", FS_COL_TEXT, NULL},
    {"customer", FS_COL_TEXT, NULL}, {"device", FS_COL_INT, NULL},
    {"detail", FS_COL_TEXT, NULL},   {"reason", FS_COL_TEXT, NULL}};

static int audit_row(void *arg, const fs_audit_row *a) {
  const char *text[] = {NULL,        a->actor, a->action, a->staff,
                        a->customer, NULL,     a->detail, a->reason};
  fs_table *t = arg;
  int rc = fs__table_row(t);

  for (int c = 0; rc == 0 && c < 8; c++)
    if (text[c])
      rc = fs__table_set_text(t, c, text[c]);
  if (rc == 0) {
    fs__table_set_int(t, 0, a->at);
    if (a->device >= 0) /* else unset: JSON null */
      fs__table_set_int(t, 5, a->device);
  }
  return rc;
}

int fs__admin_audit(fs_admin_cmd *x) {
  const char *staff = fs__admin_arg_str(x, "staff"),
             *cust = fs__admin_arg_str(x, "customer");
  /* Narrow terminal: the device first, then the reason, customer, staff. */
  static const int drop[] = {0, 0, 0, 1, 2, 4, 0, 3};
  fs_table *t = fs__admin_list_new(audit_cols, 8);
  size_t n = 0;
  int rc = t ? fs__audit_list(fs__admin_rd(x), staff, cust, AUDIT_LIST_MAX, audit_row, t)
             : FS_ENOMEM;

  fs__admin_list_drop(t, drop);
  /* The one table style, header included (issue 15); every stored text
   * shown through the sanitiser, so one audit row is one line. */
  rc = fs__admin_list_end(x, t, rc, NULL, &n);
  if (rc == 0 && x->res->ok && n == AUDIT_LIST_MAX)
    fs__strbuf_printf(&x->out,
                      "(at most the first %d entries are shown; narrow the list with "
                      "--staff or --customer)\n",
                      AUDIT_LIST_MAX);
  return rc;
}

/* ---- history -------------------------------------------------------- */

/* The listing in progress: the command and the fields printed so far. */
typedef struct hist_ctx {
  fs_admin_cmd *x;
  int n;
  const char *rec;
  int bad; /* a stored entry could not be decoded (res says so) */
} hist_ctx;

/* Appends a history value (nil: "-") to the human output; money in
 * currency units (issue 15). */
static void out_value(fs_admin_cmd *x, const fs_value *v, int money) {
  char buf[FS__MONEY_TEXT_MAX];
  if (v->type == FS_V_NULL)
    fs__strbuf_append(&x->out, "-", 1);
  else if (v->type == FS_V_INT && money && fs__money_format(v->i, buf, sizeof(buf)) > 0)
    fs__strbuf_printf(&x->out, "%s", buf);
  else if (v->type == FS_V_INT)
    fs__strbuf_printf(&x->out, "%lld", (long long)v->i);
  else
    fs__admin_out_text(x, v->s, 0);
}

static void json_value(fs_admin_cmd *x, const fs_value *v, int money) {
  if (v->type == FS_V_NULL)
    fs__json_null(&x->j);
  else if (v->type == FS_V_INT && money)
    fs__json_fixed(&x->j, (double)v->i / 100.0, 2);
  else if (v->type == FS_V_INT)
    fs__json_int(&x->j, v->i);
  else
    fs__json_string(&x->j, v->s);
}

/* Prints one field of history entry e: a line, and an object of the JSON
 * array. */
static void history_field(hist_ctx *h, const fs_history_entry *e, const char *field,
                          const fs_value *old, const fs_value *nv, int won) {
  static const char *const outcomes[] = {"", "applied", "merged", "superseded",
                                         "rejected"};
  fs_admin_cmd *x = h->x;
  const fs_kind_def *kd = fs__kind_def(e->kind);
  const char *kind = kd ? kd->name : "?";
  const char *outcome = e->outcome > 0 && e->outcome < 5 ? outcomes[e->outcome] : "?";
  const char *result = won ? "applied" : "superseded";
  int fi = kd ? fs__field_index(kd, field) : -1;
  int money = fi >= 0 && (kd->fields[fi].flags & FS_F_MONEY) != 0;
  char when[64];

  fs__table_time_text(when, e->at);
  /* Every stored text through the sanitiser: one field, one line. */
  fs__strbuf_printf(&x->out, "%s  ", when);
  fs__admin_out_text(x, e->staff, 8);
  /* People read the kind's label ("grade change"); JSON keeps its name. */
  fs__strbuf_printf(&x->out, " device=%lld  %s ", (long long)e->device,
                    kd ? fs__kind_label(kd) : "?");
  fs__admin_out_text(x, e->record_id, 0);
  fs__strbuf_append(&x->out, "  ", 2);
  fs__admin_out_text(x, field, 0);
  fs__strbuf_append(&x->out, ": ", 2);
  out_value(x, old, money);
  fs__strbuf_append(&x->out, " -> ", 4);
  out_value(x, nv, money);
  fs__strbuf_printf(&x->out, "  %s%s\n", result,
                    e->outcome == FS_OUTCOME_MERGED ? " (change merged)" : "");
  h->n++;
  fs__json_begin_object(&x->j);
  fs__json_key(&x->j, "at");
  fs__json_time(&x->j, e->at);
  fs__admin_obj_str(x, "staff", e->staff);
  fs__admin_obj_int(x, "device", e->device);
  fs__admin_obj_str(x, "kind", kind);
  fs__admin_obj_str(x, "id", e->record_id);
  fs__admin_obj_str(x, "field", field);
  fs__json_key(&x->j, "old");
  json_value(x, old, money);
  fs__json_key(&x->j, "new");
  json_value(x, nv, money);
  fs__admin_obj_str(x, "result", result);
  fs__admin_obj_str(x, "outcome", outcome);
  fs__json_end_object(&x->j);
}

/* The values a create gave the record, found in later entries. */
typedef struct created_ctx {
  const fs_kind_def *kd;
  unsigned char *seen; /* kd->nfields flags */
  fs_value *val;
} created_ctx;

/* Takes from a later entry's blob the old value of each field not seen
 * yet: what the create had put there. */
static int created_later(void *arg, const void *p, size_t len) {
  created_ctx *cc = arg;
  fs_history_field *f = NULL;
  int nf = 0, rc = fs__history_decode(p, len, &f, &nf);

  for (int i = 0; rc == 0 && i < nf; i++) {
    int fi = fs__field_index(cc->kd, f[i].name);
    if (fi >= 0 && !cc->seen[fi]) {
      cc->seen[fi] = 1;
      rc = fs__value_copy(&cc->val[fi], &f[i].old);
    }
  }
  fs__history_fields_free(f, nf);
  return rc;
}

/* The values the create e gave the record, into val (kd->nfields, caller
 * releases): what the first later change of each field found there (its
 * old value), else the record's value now.  0 or an error. */
static int created_values(fs_admin_cmd *x, const fs_history_entry *e,
                          const fs_kind_def *kd, fs_value *val) {
  created_ctx cc = {kd, calloc((size_t)kd->nfields, 1), val};
  fs_row row;
  int rc;

  memset(&row, 0, sizeof(row));
  if (cc.seen == NULL)
    return FS_ENOMEM;
  rc = fs__history_later(fs__admin_rd(x), e->customer, e->kind, e->record_id, e->id,
                         created_later, &cc);
  /* Fields no later change touched hold what the create wrote (a delete
   * or an erase has cleared it there and in the history alike). */
  if (rc == 0)
    rc = fs__record_get(fs__admin_rd(x), kd->kind, e->record_id, &row);
  for (int f = 0; rc == 0 && f < kd->nfields; f++)
    if (!cc.seen[f])
      rc = fs__value_copy(&val[f], &row.values[f]);
  if (rc == FS_ENOTFOUND) /* its tombstone purged: nothing is left */
    rc = 0;
  fs__row_release(&row);
  free(cc.seen);
  return rc;
}

/* Prints create e, which set the fields idx[0..nidx): its values are not
 * copied (history.h) but found again by created_values. */
static int history_created(hist_ctx *h, const fs_history_entry *e,
                           const unsigned char *idx, size_t nidx) {
  static const fs_value nil = {FS_V_NULL, 0, NULL, 0};
  const fs_kind_def *kd = fs__kind_def(e->kind);
  fs_value *val;
  int rc, shown = 0;

  if (kd == NULL)
    return FS_EINTERNAL;
  val = calloc((size_t)kd->nfields, sizeof(*val));
  if (val == NULL)
    return FS_ENOMEM;
  rc = created_values(h->x, e, kd, val);
  for (size_t i = 0; rc == 0 && i < nidx; i++)
    if (idx[i] < kd->nfields) {
      history_field(h, e, kd->fields[idx[i]].name, &nil, &val[idx[i]], 1);
      shown++;
    }
  if (rc == 0 && shown == 0)
    history_field(h, e, "(created)", &nil, &nil, 1);
  for (int f = 0; f < kd->nfields; f++)
    fs__value_free(&val[f]);
  free(val);
  return rc;
}

/* Prints one history entry, field by field. */
static int history_entry(void *arg, const fs_history_entry *e) {
  static const fs_value nil = {FS_V_NULL, 0, NULL, 0};
  hist_ctx *h = arg;
  fs_history_field *f = NULL;
  const unsigned char *idx;
  size_t nidx;
  int rc, nf = 0;

  if (e->deleted) {
    history_field(h, e, "(deleted)", &nil, &nil, e->outcome != FS_OUTCOME_SUPERSEDED);
    return 0;
  }
  if (fs__history_created(e->fields, e->nfields, &idx, &nidx))
    return history_created(h, e, idx, nidx);
  rc = fs__history_decode(e->fields, e->nfields, &f, &nf);
  if (rc) {
    fs__admin_fail(h->x, rc, "history of %s: a stored entry cannot be read (%s)", h->rec,
                   fs_strerror(rc));
    h->bad = 1;
    return rc;
  }
  for (int i = 0; i < nf; i++)
    history_field(h, e, f[i].name, &f[i].old, &f[i].nv, f[i].won);
  fs__history_fields_free(f, nf);
  return 0;
}

/* history ARCHIVE_NO|ID: every applied device change of one record (a
 * customer: also of its child records), per field, oldest first. */
int fs__admin_history(fs_admin_cmd *x) {
  hist_ctx h = {x, 0, fs__admin_arg_str(x, "record"), 0};
  char cust[FS_ID_HEX + 1];
  int rc, filed;

  if (h.rec == NULL)
    return fs__admin_fail(x, FS_EUSAGE, "history needs ARCHIVE_NO or a record id");
  filed = fs__history_filed(fs__admin_rd(x), h.rec, cust, sizeof(cust));
  if (filed < 0)
    return filed;
  fs__json_begin_array(&x->j);
  rc = fs__history_list(fs__admin_rd(x), filed, cust, h.rec, history_entry, &h);
  fs__json_end_array(&x->j);
  if (h.bad)
    return 0; /* refused: res says which entry */
  if (rc)
    return rc;
  if (h.n == 0 && filed != 1)
    return fs__admin_fail(
        x, FS_ENOTFOUND,
        "no record %s with a history (give an archive number or a record "
        "id)",
        h.rec);
  if (h.n == 0)
    fs__strbuf_printf(&x->out, "no changes from devices kept for %s\n", h.rec);
  return 0;
}
