/* report.c - the managers' reports over a replica (fieldsync.h "managers'
 * reports"): the query and its options, a run kept as typed sections, and
 * the three renderings of the report module (common/report/report.h). */
#include <stdlib.h>
#include <string.h>

#include "fieldsync.h"
#include "keyaccounts.h"
#include "replica.h"
#include "report.h"
#include "table.h"

/* Report text: bounded so that a runaway cannot exhaust memory. */
#define REPORT_TEXT_MAX ((size_t)256 << 20)

_Static_assert(FS_REPORT_REPS_MAX == FS_REPORT_OWNERS_MAX, "one bound for --rep codes");
_Static_assert((int)FS_REPORT_TEXT == (int)FS_COL_TEXT &&
                   (int)FS_REPORT_INT == (int)FS_COL_INT &&
                   (int)FS_REPORT_PCT == (int)FS_COL_PCT &&
                   (int)FS_REPORT_NUM == (int)FS_COL_NUM &&
                   (int)FS_REPORT_TIME == (int)FS_COL_TIME &&
                   (int)FS_REPORT_MONEY == (int)FS_COL_MONEY,
               "fs_report_type mirrors fs_col_type");

struct fs_report {
  fs_report_out *o;
  fs__strbuf text; /* the last rendering */
};

int fs_report_option(const char *opt) {
  const fs_report_opt *o = fs__report_opt_find(opt);
  if (o == NULL)
    return FS_ENOTFOUND;
  return o->value != NULL;
}

const char *fs_report_option_suggest(const char *opt) {
  return opt ? fs__report_opt_suggest(opt) : NULL;
}

int fs_report_option_doc(int i, const char **opt, const char **help) {
  for (int k = 0; fs__report_opt_docs[k].name; k++) {
    if (k != i)
      continue;
    if (opt)
      *opt = fs__report_opt_docs[k].name;
    if (help)
      *help = fs__report_opt_docs[k].help;
    return 0;
  }
  return FS_ENOTFOUND;
}

/* The query as the report module's request (same fields). */
static void to_request(const fs_report_query *q, fs_report_request *rq) {
  memset(rq, 0, sizeof(*rq));
  rq->name = q->name;
  rq->from = q->from;
  rq->to = q->to;
  rq->team = q->team;
  rq->weights = q->weights;
  rq->nreps = q->nreps < 0                    ? 0
              : q->nreps > FS_REPORT_REPS_MAX ? FS_REPORT_REPS_MAX
                                              : q->nreps;
  for (int i = 0; i < rq->nreps; i++)
    rq->reps[i] = q->reps[i];
  rq->csv = q->csv;
  rq->top = q->top;
  rq->contact_methods = q->contact_methods;
  rq->backdate_days = q->backdate_days;
  rq->convert_days = q->convert_days;
  rq->as_of = q->as_of;
  rq->stale_days = q->stale_days;
  rq->scoring = q->scoring;
  rq->width = q->width;
}

int fs_report_query_set(fs_report_query *q, const char *opt, const char *value) {
  const fs_report_opt *o = fs__report_opt_find(opt);
  fs_report_request rq;
  char err[FS_REPORT_ERR_MAX];
  int rc;

  if (q == NULL)
    return fs__errmsg_thread(FS_EINVAL, "no report query");
  if (o == NULL)
    return fs__errmsg_thread(FS_EUSAGE, "unknown option %s", opt ? opt : "");
  to_request(q, &rq);
  rc = fs__report_request_set(&rq, o, value, err);
  if (rc)
    return fs__errmsg_thread(rc, "%s", err);
  q->from = rq.from;
  q->to = rq.to;
  q->team = rq.team;
  q->weights = rq.weights;
  for (int i = q->nreps; i < rq.nreps; i++)
    q->reps[i] = rq.reps[i];
  q->nreps = rq.nreps;
  q->csv = rq.csv;
  q->top = rq.top;
  q->contact_methods = rq.contact_methods;
  q->backdate_days = rq.backdate_days;
  q->convert_days = rq.convert_days;
  q->as_of = rq.as_of;
  q->stale_days = rq.stale_days;
  q->scoring = rq.scoring;
  return 0;
}

int fs_report_run(fs_replica *r, const fs_report_query *q, fs_report **out) {
  return fs__report_query_run_each(r, q, NULL, NULL, out);
}

int fs__report_query_run_each(fs_replica *r, const fs_report_query *q, fs_rank_each each,
                              void *ctx, fs_report **out) {
  fs_report_request rq;
  fs_report *rep;
  char err[FS_REPORT_ERR_MAX] = "";
  int rc;

  if (out)
    *out = NULL;
  if (r == NULL || q == NULL || out == NULL)
    return fs__replica_fail(r, FS_EINVAL, "report: missing argument");
  rep = calloc(1, sizeof(*rep));
  if (rep == NULL)
    return fs__replica_fail(r, FS_ENOMEM, "out of memory");
  fs__strbuf_init(&rep->text, REPORT_TEXT_MAX);
  to_request(q, &rq);
  rq.each = each;
  rq.each_ctx = ctx;
  rc = fs__report_request_compute(fs__replica_db(r), &rq, &rep->o, err);
  if (rc) {
    fs_report_free(rep);
    return fs__replica_fail(r, rc, "%s", err[0] ? err : fs_strerror(rc));
  }
  *out = rep;
  return 0;
}

void fs_report_free(fs_report *rep) {
  if (rep == NULL)
    return;
  fs__report_out_free(rep->o);
  fs__strbuf_release(&rep->text);
  free(rep);
}

const char *fs_report_from(const fs_report *rep) {
  return rep ? fs__report_out_from(rep->o) : NULL;
}

const char *fs_report_to(const fs_report *rep) {
  return rep ? fs__report_out_to(rep->o) : NULL;
}

int fs_report_sections(const fs_report *rep) {
  return rep ? fs__report_out_sections(rep->o) : 0;
}

/* Section s's table, or NULL. */
static const fs_table *section(const fs_report *rep, int s, const char **name,
                               const char **title) {
  return rep ? fs__report_out_section(rep->o, s, name, title) : NULL;
}

const char *fs_report_section_name(const fs_report *rep, int s) {
  const char *name = NULL;
  return section(rep, s, &name, NULL) ? name : NULL;
}

const char *fs_report_section_title(const fs_report *rep, int s) {
  const char *title = NULL;
  return section(rep, s, NULL, &title) ? title : NULL;
}

int fs_report_columns(const fs_report *rep, int s) {
  return fs__table_cols(section(rep, s, NULL, NULL));
}

size_t fs_report_rows(const fs_report *rep, int s) {
  return fs__table_rows(section(rep, s, NULL, NULL));
}

int fs_report_column(const fs_report *rep, int s, int c, const char **name,
                     fs_report_type *type) {
  const fs_col *col = fs__table_col(section(rep, s, NULL, NULL), c);

  if (col == NULL)
    return FS_EINVAL;
  if (name)
    *name = col->name;
  if (type)
    *type = (fs_report_type)col->type;
  return 0;
}

int fs_report_cell_get(const fs_report *rep, int s, size_t row, int c,
                       fs_report_cell *out) {
  const fs_table *t = section(rep, s, NULL, NULL);
  const fs_col *col = fs__table_col(t, c);
  int set;

  if (col == NULL || out == NULL)
    return FS_EINVAL;
  memset(out, 0, sizeof(*out));
  set = fs__table_value(t, row, c, &out->i, &out->num, &out->text);
  if (set < 0)
    return set;
  out->set = set;
  out->type = (fs_report_type)col->type;
  if (set && (col->type == FS_COL_INT || col->type == FS_COL_TIME))
    out->num = (double)out->i;
  if (set && col->type == FS_COL_MONEY)
    out->num = (double)out->i / 100.0; /* currency units */
  return 0;
}

const char *fs_report_render(fs_report *rep, fs_report_style style, size_t *len,
                             int *rc) {
  char err[FS_REPORT_ERR_MAX];
  int e;

  if (len)
    *len = 0;
  if (rep == NULL || (style != FS_REPORT_STYLE_TEXT && style != FS_REPORT_STYLE_CSV &&
                      style != FS_REPORT_STYLE_JSON)) {
    if (rc)
      *rc = FS_EINVAL;
    return NULL;
  }
  fs__strbuf_release(&rep->text);
  fs__strbuf_init(&rep->text, REPORT_TEXT_MAX);
  e = fs__report_out_render(rep->o,
                            style == FS_REPORT_STYLE_JSON  ? FS_REPORT_JSON
                            : style == FS_REPORT_STYLE_CSV ? FS_REPORT_CSV
                                                           : FS_REPORT_TABLE,
                            &rep->text, err);
  if (e == 0 && rep->text.s == NULL)
    e = fs__strbuf_append(&rep->text, "", 0);
  if (rc)
    *rc = e;
  if (e) {
    fs__errmsg_thread(e, "%s", err[0] ? err : fs_strerror(e));
    return NULL;
  }
  if (len)
    *len = rep->text.len;
  return rep->text.s ? rep->text.s : "";
}
