/* run.c - fs__report_run: checks the parameters, reads one snapshot, runs
 * the named report (one file each) and renders its sections through the
 * one table renderer (table.h) and JSON writer (json.h). */
#include "report_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "date.h"
#include "db.h"
#include "fs_errno.h"
#include "json.h"

const char *const fs__report_names[] = {"visits",   "funnel",   "lost",  "ranking",
                                        "showroom", "activity", "signoff", "cards",
                                        "keyvisits", NULL};
static const char *const summaries[] = {
    "cadence compliance per rep and grade: due, met, missed, done, overdue",
    "prospects per grade and stage; grade movement in the period",
    "lost sales by reason, competitor, rep and month; reviews awaiting the manager",
    "key customers by composite score over all customers; diamond/gold/silver tier; "
    "Pareto share",
    "showroom visitors: first-time and returning, details, valid, conversion by model, "
    "rep, month, lead source and walk-in or call",
    "each rep's visits, calls, new prospects and grade changes per day; plan against "
    "actual",
    "each rep's days with work: signed off by the manager or not",
    "delivered cards by licence month, delivery checks, stale cards, deletion requests",
    "key accounts and their visits by supervisor-level staff, per account and supervisor",
};
/* In the order of fs__report_names. */
static int (*const reports[])(rpt *r) = {fs__rpt_visits,   fs__rpt_funnel,
                                         fs__rpt_lost,     fs__rpt_ranking,
                                         fs__rpt_showroom, fs__rpt_activity,
                                         fs__rpt_signoff,  fs__rpt_cards,
                                         fs__rpt_key_visits};

const char *fs__report_summary(const char *name) {
  int i = fs__enum_index(fs__report_names, name);
  return i < 0 ? NULL : summaries[i];
}

/* ---- rendering ------------------------------------------------------------ */

/* What the period line says of the defaults that made it (report.h
 * "Period"), "" if --from and --to were both given. */
static const char *period_note(const rpt *r) {
  int day = strcmp(r->p->name, "activity") == 0, year = strcmp(r->p->name, "ranking") == 0;
  if (r->from_set && r->to_set)
    return "";
  if (r->asof[0])
    return r->from_set  ? " (--to default: the last day of the --as-of month)"
           : r->to_set ? " (--from default: the first of the --as-of month)"
                       : " (default: the --as-of month)";
  if (r->from_set)
    return " (--to default: today)";
  if (r->to_set)
    return day    ? " (--from default: --to)"
           : year ? " (--from default: the first of the 12th month back from --to)"
                  : " (--from default: the first of --to's month)";
  return day ? " (default: today)" : year ? " (default: 12 months to date)"
                                          : " (default: month to date)";
}

/* The human text: a title, the period and staff, then each section's
 * title and table. */
static int render_text(rpt *r, int idx, fs__strbuf *out) {
  const fs_report_params *p = r->p;
  int rc = fs__strbuf_printf(out, "%s: %s\nperiod %s .. %s%s", p->name, summaries[idx],
                             r->from, r->to, period_note(r));
  for (int i = 0; rc == 0 && i < p->nowners; i++)
    rc = fs__strbuf_printf(out, "%s%s", i ? ", " : "; staff ", p->owners[i]);
  /* showroom: the conversion window it counted with (report.h). */
  if (rc == 0 && strcmp(p->name, "showroom") == 0)
    rc = fs__strbuf_printf(out, "\nconversion window %d days after the visit%s",
                           r->convert_days,
                           p->convert_days > 0 ? "" : " (default; --convert-days)");
  if (rc == 0 && r->asof[0])
    rc = fs__strbuf_printf(out, "; as of the end of %.7s (%s)", r->asof, r->asof);
  if (rc == 0)
    rc = fs__strbuf_append(out, "\n", 1);
  for (int k = 0; k < r->nsecs && rc == 0; k++) {
    rc = fs__strbuf_printf(out, "\n%s\n", r->secs[k].title);
    if (rc == 0)
      rc = fs__table_text_fit(r->secs[k].t, &fs__table_report, p->width, out);
  }
  return rc;
}

/* CSV: ONE table, as a spreadsheet reads it: one header row, "section"
 * and the union of the sections' columns (fs__table_csv_merged), then
 * every section's rows led by its name. */
static int render_csv(rpt *r, fs__strbuf *out) {
  const fs_table *ts[MAX_SECS];
  const char *names[MAX_SECS];
  for (int k = 0; k < r->nsecs; k++) {
    ts[k] = r->secs[k].t;
    names[k] = r->secs[k].name;
  }
  return fs__table_csv_merged(ts, names, r->nsecs, "section", "\n", out);
}

/* JSON: {"report":NAME,"from":D,"to":D,"owners":[...],SECTION:[...],...} */
static int render_json(rpt *r, fs__strbuf *out) {
  fs_json j;

  fs__json_init_buf(&j, out);
  fs__json_begin_object(&j);
  fs__json_key(&j, "report");
  fs__json_string(&j, r->p->name);
  fs__json_key(&j, "from");
  fs__json_string(&j, r->from);
  fs__json_key(&j, "to");
  fs__json_string(&j, r->to);
  fs__json_key(&j, "owners");
  fs__json_begin_array(&j);
  for (int i = 0; i < r->p->nowners; i++)
    fs__json_string(&j, r->p->owners[i]);
  fs__json_end_array(&j);
  if (r->asof[0]) {
    fs__json_key(&j, "as_of");
    fs__json_string(&j, r->asof);
  }
  for (int k = 0; k < r->nsecs; k++) {
    fs__json_key(&j, r->secs[k].name);
    fs__table_json(r->secs[k].t, &j);
  }
  fs__json_end_object(&j);
  return fs__json_finish(&j);
}

static int render(rpt *r, int idx, fs_report_format fmt, fs__strbuf *out) {
  if (r->sec_failed)
    return FS_ENOMEM; /* a section could not be made: the output would lack it */
  return fmt == FS_REPORT_TABLE ? render_text(r, idx, out)
         : fmt == FS_REPORT_CSV ? render_csv(r, out)
                                : render_json(r, out);
}

/* ---- entry point ------------------------------------------------------------ */

static int bad_date(rpt *r, const char *opt, const char *v) {
  fs_date_problem pr = fs__civil_parse(v, strlen(v), FS_DATE_ONLY, NULL);
  return fs__rpt_fail(r, FS_EINVAL, "%s %s is not a date (%s); use YYYY-MM-DD", opt, v,
                      pr == FS_DATE_SYNTAX  ? "not the YYYY-MM-DD form"
                      : pr == FS_DATE_YEAR  ? "year outside 1900..2999"
                      : pr == FS_DATE_MONTH ? "no such month"
                      : pr == FS_DATE_DAY   ? "no such day in that month"
                                            : "bad value");
}

/* funnel --as-of YYYY-MM: the month's last day into r->asof (and the day
 * after into r->asof1), *first its first day.  The month must have ended
 * before today: the state at the end of a month to come is not known. */
static int as_of(rpt *r, const char *today, int64_t *first) {
  const char *v = r->p->as_of;
  char day1[11];
  int64_t dtoday;

  if (strcmp(r->p->name, "funnel") != 0)
    return fs__rpt_fail(r, FS_EINVAL,
                        "--as-of applies to the funnel report only, not to %s",
                        r->p->name);
  snprintf(day1, sizeof(day1), "%.7s-01", v);
  if (strlen(v) != 7 || fs__civil_parse(day1, 10, FS_DATE_ONLY, NULL) != FS_DATE_OK ||
      fs__date_parse(day1, first) != 0)
    return fs__rpt_fail(r, FS_EINVAL, "--as-of %s is not a month; use YYYY-MM", v);
  r->dasof = fs__date_add_months(*first, 1) - 1;
  if (fs__date_format(r->dasof, r->asof) || fs__date_format(r->dasof + 1, r->asof1) ||
      fs__date_parse(today, &dtoday) != 0)
    return fs__rpt_fail(r, FS_EINVAL, "period out of range");
  if (r->dasof >= dtoday) {
    r->asof[0] = '\0';
    return fs__rpt_fail(r, FS_EINVAL,
                        "--as-of %s: that month has not ended yet (today is %s); leave "
                        "--as-of out to see the funnel now",
                        v, today);
  }
  return 0;
}

static int period(rpt *r) {
  const fs_report_params *p = r->p;
  char today[11];
  int64_t first = 0;
  int y, m, d, rc;

  if (p->today)
    snprintf(today, sizeof(today), "%s", p->today);
  else
    fs__today(today);
  r->from_set = p->from != NULL;
  r->to_set = p->to != NULL;
  if (p->as_of) {
    rc = as_of(r, today, &first);
    if (rc)
      return rc;
  }
  if (p->to) {
    if (fs__civil_parse(p->to, strlen(p->to), FS_DATE_ONLY, NULL) != FS_DATE_OK ||
        fs__date_parse(p->to, &r->dto) != 0)
      return bad_date(r, "--to", p->to);
  } else if (p->as_of) {
    r->dto = r->dasof;
  } else if (fs__date_parse(today, &r->dto) != 0) {
    return bad_date(r, "today", today);
  }
  if (p->from) {
    if (fs__civil_parse(p->from, strlen(p->from), FS_DATE_ONLY, NULL) != FS_DATE_OK ||
        fs__date_parse(p->from, &r->dfrom) != 0)
      return bad_date(r, "--from", p->from);
  } else if (p->as_of) {
    r->dfrom = first;
  } else if (strcmp(p->name, "activity") == 0) {
    r->dfrom = r->dto;
  } else {
    fs__civil_from_days(r->dto, &y, &m, &d);
    /* ranking: the sales history of the 12 months to date (issue 14). */
    if (strcmp(p->name, "ranking") == 0 && (m -= 11) < 1) {
      m += 12;
      y--;
    }
    r->dfrom = fs__days_from_civil(y, m, 1);
  }
  if (fs__date_format(r->dfrom, r->from) || fs__date_format(r->dto, r->to) ||
      fs__date_format(r->dto + 1, r->to1))
    return fs__rpt_fail(r, FS_EINVAL, "period out of range");
  if (r->dfrom > r->dto)
    return fs__rpt_fail(r, FS_EINVAL, "--from %s is after --to %s", r->from, r->to);
  return 0;
}

#define REPORT_MMAP (256LL << 20)

/* The connection's mmap_size, or -1 if it cannot be read. */
static long long mmap_get(sqlite3 *db) {
  sqlite3_stmt *st = NULL;
  long long v = -1;
  if (sqlite3_prepare_v2(db, "PRAGMA mmap_size", -1, &st, NULL) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW)
    v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return v;
}

/* Best effort: a report runs the same without it, only slower. */
static void mmap_set(sqlite3 *db, long long v) {
  char sql[48];
  snprintf(sql, sizeof(sql), "PRAGMA mmap_size=%lld", v);
  fs__db_exec(db, sql);
}

/* Checks p, reads one snapshot and computes report p->name into r (its
 * sections, r->from/to), *idx its index.  On failure r holds no section
 * and r->err (if set) the message. */
static int compute(rpt *r, sqlite3 *db, const fs_report_params *p, char *err, int *idx) {
  int rc, began = 0;
  long long mmap_was = -1;
  char merr[160];

  if (err)
    err[0] = '\0';
  memset(r, 0, sizeof(*r));
  r->err = err;
  r->db = db;
  r->p = p;
  if (db == NULL || p == NULL)
    return fs__rpt_fail(r, FS_EINVAL, "report: missing argument");
  *idx = p->name ? fs__enum_index(fs__report_names, p->name) : -1;
  if (*idx < 0)
    return fs__rpt_fail(
        r, FS_EINVAL,
        "unknown report \"%s\" (visits, funnel, lost, ranking, showroom, activity, "
        "signoff)",
        p->name ? p->name : "");
  if (p->nowners < 0 || p->nowners > FS_REPORT_OWNERS_MAX || (p->nowners && !p->owners))
    return fs__rpt_fail(r, FS_EINVAL, "at most %d staff codes in a filter",
                        FS_REPORT_OWNERS_MAX);
  for (int i = 0; i < p->nowners; i++)
    if (!fs__staff_code_valid(p->owners[i]))
      return fs__rpt_fail(r, FS_EINVAL, "\"%s\" is not a staff code",
                          p->owners[i] ? p->owners[i] : "");
  rc = period(r);
  if (rc)
    return rc;
  /* ranking: the built-in setting, a weights file's weights over it, then
   * --scoring over those. */
  fs__report_scoring_default(&r->sc);
  if (p->weights)
    r->sc.w = *p->weights;
  rc = fs__rpt_weights_check(r, &r->sc.w);
  if (rc == 0 && fs__report_scoring_parse(p->scoring, &r->sc, merr, sizeof(merr)) != 0)
    rc = fs__rpt_fail(r, FS_EINVAL, "%s", merr);
  if (rc == 0 && (p->convert_days < 0 || p->convert_days > 3650))
    rc = fs__rpt_fail(r, FS_EINVAL, "the conversion window is 1..3650 days, not %d",
                      p->convert_days);
  r->convert_days = p->convert_days > 0 ? p->convert_days : FS_REPORT_CONVERT_DAYS;
  /* visits: which methods are each grade's contact (cadence.h). */
  if (rc == 0 &&
      fs__cadence_methods_parse(p->contact_methods, &r->methods, merr, sizeof(merr)) != 0)
    rc = fs__rpt_fail(r, FS_EINVAL, "%s", merr);
  if (rc)
    return rc;
  /* Reports scan whole tables: memory-mapped reads save a read() call per
   * page (on a VM, about half the scan), for this report only. */
  mmap_was = mmap_get(db);
  if (mmap_was >= 0 && mmap_was < REPORT_MMAP)
    mmap_set(db, REPORT_MMAP);
  /* One snapshot for all the queries of the report. */
  if (sqlite3_get_autocommit(db)) {
    rc = fs__db_exec(db, "BEGIN");
    if (rc) {
      fs__rpt_fail(r, rc, "cannot read the database: %s", fs_strerror(rc));
      goto out;
    }
    began = 1;
  }
  rc = reports[*idx](r);
  if (began)
    fs__db_exec(db, "COMMIT"); /* read only: nothing to lose */
out:
  if (mmap_was >= 0 && mmap_was < REPORT_MMAP)
    mmap_set(db, mmap_was);
  if (rc)
    fs__rpt_release(r);
  return rc;
}

/* Renders r into out, with the message for a failure. */
static int render_into(rpt *r, int idx, fs_report_format fmt, fs__strbuf *out) {
  int rc = render(r, idx, fmt, out);
  if (rc == FS_EOVERFLOW)
    fs__rpt_fail(r, rc, "report output exceeds %zu bytes", out->max);
  else if (rc == FS_ENOMEM)
    fs__rpt_fail(r, rc, "out of memory");
  return rc;
}

int fs__report_run(sqlite3 *db, const fs_report_params *p, fs_report_format fmt,
                   fs__strbuf *out, char *err) {
  rpt r;
  int rc, idx = -1;

  if (fmt != FS_REPORT_TABLE && fmt != FS_REPORT_CSV && fmt != FS_REPORT_JSON) {
    memset(&r, 0, sizeof(r));
    r.err = err;
    if (err)
      err[0] = '\0';
    return fs__rpt_fail(&r, FS_EINVAL, "unknown output format");
  }
  if (out == NULL) {
    memset(&r, 0, sizeof(r));
    r.err = err;
    if (err)
      err[0] = '\0';
    return fs__rpt_fail(&r, FS_EINVAL, "report: missing argument");
  }
  rc = compute(&r, db, p, err, &idx);
  if (rc == 0)
    rc = render_into(&r, idx, fmt, out);
  fs__rpt_release(&r);
  return rc;
}

/* ---- a computed report, kept for a caller that renders it itself ---------- */

struct fs_report_out {
  rpt r;
  int idx;
  fs_report_params p; /* name and owners copied below */
  char name[16];
  char codes[FS_REPORT_OWNERS_MAX][FS_STAFF_MAX + 1];
  const char *owners[FS_REPORT_OWNERS_MAX];
};

int fs__report_compute(sqlite3 *db, const fs_report_params *p, fs_report_out **out,
                       char *err) {
  fs_report_out *o;
  int rc;

  if (err)
    err[0] = '\0';
  if (out == NULL || p == NULL)
    return fs__rpt_errf(err, FS_EINVAL, "report: missing argument");
  *out = NULL;
  o = calloc(1, sizeof(*o));
  if (o == NULL)
    return fs__rpt_errf(err, FS_ENOMEM, "out of memory");
  /* What the rendering reads later (name, owners) must outlive p. */
  o->p = *p;
  snprintf(o->name, sizeof(o->name), "%s", p->name ? p->name : "");
  o->p.name = p->name ? o->name : NULL;
  if (p->nowners > 0 && p->nowners <= FS_REPORT_OWNERS_MAX && p->owners) {
    for (int i = 0; i < p->nowners; i++) {
      snprintf(o->codes[i], sizeof(o->codes[i]), "%s", p->owners[i] ? p->owners[i] : "");
      o->owners[i] = o->codes[i];
    }
    o->p.owners = o->owners;
  }
  rc = compute(&o->r, db, &o->p, err, &o->idx);
  o->r.err = NULL;
  o->r.db = NULL;
  o->p.from = o->p.to = o->p.today = o->p.as_of = NULL;
  o->p.weights = NULL;
  o->p.scoring = NULL;
  if (rc) {
    free(o);
    return rc;
  }
  *out = o;
  return 0;
}

int fs__report_out_render(fs_report_out *o, fs_report_format fmt, fs__strbuf *out,
                          char *err) {
  int rc;

  if (err)
    err[0] = '\0';
  if (o == NULL || out == NULL)
    return fs__rpt_errf(err, FS_EINVAL, "report: missing argument");
  o->r.err = err;
  rc = render_into(&o->r, o->idx, fmt, out);
  o->r.err = NULL;
  return rc;
}

int fs__report_out_sections(const fs_report_out *o) {
  return o ? o->r.nsecs : 0;
}

const fs_table *fs__report_out_section(const fs_report_out *o, int i, const char **name,
                                       const char **title) {
  if (o == NULL || i < 0 || i >= o->r.nsecs)
    return NULL;
  if (name)
    *name = o->r.secs[i].name;
  if (title)
    *title = o->r.secs[i].title;
  return o->r.secs[i].t;
}

const char *fs__report_out_from(const fs_report_out *o) {
  return o ? o->r.from : NULL;
}

const char *fs__report_out_to(const fs_report_out *o) {
  return o ? o->r.to : NULL;
}

void fs__report_out_free(fs_report_out *o) {
  if (o == NULL)
    return;
  fs__rpt_release(&o->r);
  free(o);
}
