/* request.c - the options of `report NAME` both command lines share, and
 * running what they ask for (report.h).  No argv here: the programs parse
 * their own command lines. */
#include "report_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "cmdline.h"
#include "fs_errno.h"
#include "suggest.h"

const fs_report_opt fs__report_opts[] = {{"--from", FS_ROPT_FROM, "YYYY-MM-DD"},
                                         {"--to", FS_ROPT_TO, "YYYY-MM-DD"},
                                         {"--rep", FS_ROPT_REP, "CODE"},
                                         {"--team", FS_ROPT_TEAM, "MANAGER"},
                                         {"--csv", FS_ROPT_CSV, NULL},
                                         {"--weights", FS_ROPT_WEIGHTS, "FILE"},
                                         {"--top", FS_ROPT_TOP, "N"},
                                         {"--contact-methods", FS_ROPT_CONTACT_METHODS,
                                          "GRADE=METHOD,...;..."},
                                         {"--backdate-days", FS_ROPT_BACKDATE_DAYS, "N"},
                                         {"--convert-days", FS_ROPT_CONVERT_DAYS, "N"},
                                         {"--as-of", FS_ROPT_AS_OF, "YYYY-MM"},
                                         {"--stale-days", FS_ROPT_STALE_DAYS, "N"},
                                         {"--scoring", FS_ROPT_SCORING, "NAME=N,..."},
                                         {NULL, FS_ROPT_FROM, NULL}};

const fs_cmd_opt fs__report_opt_docs[] = {
    {"NAME", "visits, funnel, lost, ranking, showroom, activity, signoff, cards or keyvisits "
             "(required); shares "
             "and compliance in percent (42.5%), n/a where nothing was due"},
    {"--from YYYY-MM-DD",
     "first day (default: the first of --to's month, so month to date; activity: "
     "--to, so today alone; ranking: 12 months to date, its sales history summed per "
     "month)"},
    {"--to YYYY-MM-DD", "last day (default: today); the report's period line says "
                        "which defaults it used"},
    {"--rep CODE", "only this rep; repeat for several (default: everyone)"},
    {"--team MANAGER", "the manager and their reps (default: everyone)"},
    {"--csv", "CSV instead of the table: ONE header row, \"section\" then every "
              "column of the report's sections; a row leaves the columns of other "
              "sections empty"},
    {"--weights FILE", "ranking weights, name=weight lines; a weight it does not name is "
                       "0 (default: the built-in weights of --scoring)"},
    {"--top N", "ranking: the first N only (default: all)"},
    {"--contact-methods GRADE=METHOD,...;...",
     "visits: which visit methods count as a contact for each grade (default: a "
     "letter or an e-mail is no A-grade contact)"},
    {"--backdate-days N",
     "activity: flag visits recorded more than N days after their date (default: 2)"},
    {"--convert-days N",
     "showroom: a first-time visitor converts with an order on the linked card (grade O "
     "or delivered, or a won opportunity) dated up to N days after the visit (default: "
     "30)"},
    {"--as-of YYYY-MM",
     "funnel: the grades and stages at the end of that past month (month-end "
     "stock-take), replayed from the grade changes and visits; the period defaults to "
     "that month (default: now)"},
    {"--stale-days N",
     "cards: list open cards whose data nobody verified for more than N days (default: "
     "90)"},
    {"--scoring NAME=N,...",
     "ranking and keyaccounts: the weights of revenue, margin, growth, payment, credit "
     "and strategic, and the score a customer needs for diamond, gold and silver (a key "
     "account); names not given keep their value (default, the product's own choice: "
     FS_REPORT_SCORING_DEFAULT ")"},
    {NULL, NULL}};

const fs_report_opt *fs__report_opt_find(const char *arg) {
  for (const fs_report_opt *o = fs__report_opts; arg && o->name; o++)
    if (strcmp(o->name, arg) == 0)
      return o;
  return NULL;
}

const char *fs__report_opt_suggest(const char *arg) {
  fs_suggest sg;
  fs__suggest_init(&sg, arg);
  for (const fs_report_opt *o = fs__report_opts; o->name; o++)
    fs__suggest_add(&sg, o->name);
  return fs__suggest_best(&sg);
}

int fs__report_request_set(fs_report_request *q, const fs_report_opt *o,
                           const char *value, char *err) {
  char *end;
  long v;

  if (err)
    err[0] = '\0';
  if (q == NULL || o == NULL)
    return fs__rpt_errf(err, FS_EUSAGE, "no option");
  if (o->value && value == NULL)
    return fs__rpt_errf(err, FS_EUSAGE, "missing value for %s", o->name);
  switch (o->id) {
  case FS_ROPT_FROM:
    q->from = value;
    break;
  case FS_ROPT_TO:
    q->to = value;
    break;
  case FS_ROPT_TEAM:
    q->team = value;
    break;
  case FS_ROPT_CONTACT_METHODS:
    q->contact_methods = value;
    break;
  case FS_ROPT_BACKDATE_DAYS:
  case FS_ROPT_CONVERT_DAYS:
  case FS_ROPT_STALE_DAYS: {
    char *bend = NULL;
    long days = strtol(value, &bend, 10);
    if (bend == value || *bend != '\0' || days < 1 || days > 3650)
      return fs__rpt_errf(err, FS_EUSAGE, "%s wants 1..3650 days, not %s", o->name,
                          value);
    if (o->id == FS_ROPT_CONVERT_DAYS)
      q->convert_days = (int)days;
    else if (o->id == FS_ROPT_STALE_DAYS)
      q->stale_days = (int)days;
    else
      q->backdate_days = (int)days;
    break;
  }
  case FS_ROPT_AS_OF:
    q->as_of = value;
    break;
  case FS_ROPT_WEIGHTS:
    q->weights = value;
    break;
  case FS_ROPT_SCORING:
    q->scoring = value;
    break;
  case FS_ROPT_CSV:
    q->csv = 1;
    break;
  case FS_ROPT_REP:
    if (q->nreps >= FS_REPORT_OWNERS_MAX)
      return fs__rpt_errf(err, FS_EUSAGE, "at most %d --rep", FS_REPORT_OWNERS_MAX);
    q->reps[q->nreps++] = value;
    break;
  case FS_ROPT_TOP:
    errno = 0;
    v = strtol(value, &end, 10);
    if (*value == '\0' || *end || errno || v < 0 || v > 100000000)
      return fs__rpt_errf(err, FS_EUSAGE, "--top wants a count (0 = all), not %s", value);
    q->top = v == 0 ? -1 : (int)v;
    break;
  }
  return 0;
}

int fs__report_team(sqlite3 *db, const char *manager, char (*codes)[17], int max, int *n,
                    char *err) {
  sqlite3_stmt *st = NULL;
  int rc, src, found = 0;

  if (err)
    err[0] = '\0';
  if (db == NULL || manager == NULL || codes == NULL || n == NULL)
    return FS_EINVAL;
  rc = sqlite3_prepare_v2(
      db,
      "SELECT code, code = ?1 FROM (" FS_RPT_STAFF_SQL ")"
      " WHERE code = ?1 OR manager = ?1 ORDER BY code",
      -1, &st, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_bind_text(st, 1, manager, -1, SQLITE_STATIC);
  if (rc != SQLITE_OK) {
    rc = fs__db_err(db, rc);
    goto out;
  }
  while ((src = sqlite3_step(st)) == SQLITE_ROW) {
    const char *code = col_text(st, 0);
    int dup = 0;
    found |= sqlite3_column_int(st, 1);
    for (int i = 0; i < *n; i++)
      dup |= strcmp(codes[i], code) == 0;
    if (dup)
      continue;
    if (*n >= max) {
      if (err)
        snprintf(err, FS_REPORT_ERR_MAX, "more than %d staff codes", max);
      rc = FS_EOVERFLOW;
      goto out;
    }
    snprintf(codes[(*n)++], 17, "%s", code);
  }
  rc = fs__db_err(db, src);
  if (rc == 0 && !found) {
    if (err)
      snprintf(err, FS_REPORT_ERR_MAX, "no staff member %s here", manager);
    rc = FS_ENOTFOUND;
  }
out:
  sqlite3_finalize(st);
  return rc;
}

/* 1 if code is known in db: a staff row, the replica's own identity, or
 * the owner or author of a card; 0 if not; or a translated SQLite error. */
static int staff_known(sqlite3 *db, const char *code) {
  sqlite3_stmt *st = NULL;
  int rc;

  rc = sqlite3_prepare_v2(
      db,
      "SELECT 1 FROM staff WHERE code = ?1 UNION ALL "
      "SELECT 1 FROM meta WHERE key = 'staff' AND value = ?1 UNION ALL "
      "SELECT 1 FROM customers WHERE owner = ?1 OR author = ?1 LIMIT 1",
      -1, &st, NULL);
  if (rc != SQLITE_OK)
    return fs__db_err(db, rc);
  sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
  rc = sqlite3_step(st);
  rc = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : fs__db_err(db, rc);
  sqlite3_finalize(st);
  return rc;
}

/* Either of the two ends of a request: render into out, or compute into
 * *res. */
static int request_do(sqlite3 *db, const fs_report_request *q, fs_report_format fmt,
                      fs__strbuf *out, fs_report_out **res, char *err) {
  fs_report_params p;
  fs_report_weights w;
  char(*codes)[17] = NULL;
  const char **owners = NULL;
  int n = 0, rc;

  if (err)
    err[0] = '\0';
  if (q == NULL || q->name == NULL)
    return fs__rpt_errf(
        err, FS_EUSAGE,
        "which report? visits, funnel, lost, ranking, showroom, activity or signoff");
  codes = calloc(FS_REPORT_OWNERS_MAX, sizeof(*codes));
  owners = calloc(FS_REPORT_OWNERS_MAX, sizeof(*owners));
  if (codes == NULL || owners == NULL) {
    rc = FS_ENOMEM;
    if (err)
      snprintf(err, FS_REPORT_ERR_MAX, "out of memory");
    goto out;
  }
  for (int i = 0; i < q->nreps; i++) {
    /* An unknown rep is an error, not an empty report (issue 15). */
    rc = staff_known(db, q->reps[i]);
    if (rc == 0) {
      rc = FS_ENOTFOUND;
      if (err)
        snprintf(err, FS_REPORT_ERR_MAX, "no staff member %.16s here (--rep)",
                 q->reps[i]);
    }
    if (rc < 0)
      goto out;
    snprintf(codes[n++], 17, "%s", q->reps[i]);
  }
  if (q->team) {
    rc = fs__report_team(db, q->team, codes, FS_REPORT_OWNERS_MAX, &n, err);
    if (rc)
      goto out;
  }
  for (int i = 0; i < n; i++)
    owners[i] = codes[i];
  memset(&p, 0, sizeof(p));
  p.name = q->name;
  p.from = q->from;
  p.to = q->to;
  p.owners = owners;
  p.nowners = n;
  p.top = q->top;
  p.contact_methods = q->contact_methods;
  p.backdate_days = q->backdate_days;
  p.convert_days = q->convert_days;
  p.as_of = q->as_of;
  p.stale_days = q->stale_days;
  p.scoring = q->scoring;
  p.each = q->each;
  p.each_ctx = q->each_ctx;
  p.width = q->width;
  if (q->weights) {
    rc = fs__report_weights_load(q->weights, &w, err);
    if (rc)
      goto out;
    p.weights = &w;
  }
  rc = res ? fs__report_compute(db, &p, res, err) : fs__report_run(db, &p, fmt, out, err);
out:
  free(codes);
  free(owners);
  return rc;
}

int fs__report_request_run(sqlite3 *db, const fs_report_request *q, fs_report_format fmt,
                           fs__strbuf *out, char *err) {
  return request_do(db, q, fmt, out, NULL, err);
}

int fs__report_request_compute(sqlite3 *db, const fs_report_request *q,
                               fs_report_out **out, char *err) {
  if (out == NULL)
    return fs__rpt_errf(err, FS_EINVAL, "report: missing argument");
  return request_do(db, q, FS_REPORT_TABLE, NULL, out, err);
}
