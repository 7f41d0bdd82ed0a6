/* report.c - the managers' reports (see report.h for every definition).
 *
 * Each report fills a few sections (named tables of typed cells) from SQL
 * over the record tables, with the per-customer maths (cadence walk, score
 * index, Pareto) done in C; one renderer then writes the sections as a
 * human table, CSV or JSON.
 */
#include "report.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "access.h"
#include "cadence.h"
#include "date.h"
#include "db.h"
#include "fs_errno.h"
#include "id.h"
#include "model.h"
#include "utf8.h"

const char *const fs__report_names[] = {"visits",   "funnel",   "lost", "ranking",
                                        "showroom", "activity", NULL};
static const char *const summaries[] = {
    "cadence compliance per rep and grade: due, met, missed, done, overdue",
    "prospects per grade and stage; grade movement in the period",
    "lost sales by reason, competitor, rep and month; reviews awaiting the manager",
    "key customers by weighted score; Pareto share; diamond/gold/silver tier",
    "showroom traffic by hour and weekday; details, serious, orders per model and rep",
    "each rep's visits, calls, new prospects and grade changes per day",
};

/* NULL-terminated for fs__enum_index. */
static const char *const comp_names[FS_RC__COUNT + 1] = {
    "revenue", "margin", "growth", "payment", "credit", "strategic", NULL};

/* Open grades in report order; "lost" is last in fs__grades. */
#define NGRADES 6
#define NSTAGES 5

const char *fs__report_summary(const char *name) {
  int i = fs__enum_index(fs__report_names, name);
  return i < 0 ? NULL : summaries[i];
}

/* ---- sections: typed tables -------------------------------------------- */

typedef enum ctype { C_TEXT = 0, C_INT, C_PCT, C_NUM } ctype; /* PCT: 1 dp, NUM: 2 dp */

typedef struct rcol {
  const char *name;
  ctype type;
} rcol;

typedef struct rcell {
  int null;
  int64_t i;
  double d;
  char *s; /* owned, C_TEXT */
} rcell;

typedef struct rsec {
  const char *name, *title;
  const rcol *cols;
  int ncols;
  rcell *cells; /* nrows * ncols */
  size_t nrows, cap;
} rsec;

#define MAX_SECS 8

typedef struct rpt {
  sqlite3 *db;
  const fs_report_params *p;
  char *err;
  char from[11], to[11], to1[11]; /* to1 = to + 1 day, exclusive bound */
  int64_t dfrom, dto;
  fs_report_weights w;
  rsec secs[MAX_SECS];
  int nsecs;
} rpt;

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int fail(rpt *r, int rc, const char *fmt, ...) {
  va_list ap;
  if (r->err && r->err[0] == '\0') {
    va_start(ap, fmt);
    vsnprintf(r->err, FS_REPORT_ERR_MAX, fmt, ap);
    va_end(ap);
  }
  return rc;
}

static rsec *sec_add(rpt *r, const char *name, const char *title, const rcol *cols,
                     int ncols) {
  rsec *s;
  if (r->nsecs >= MAX_SECS)
    return NULL;
  s = &r->secs[r->nsecs++];
  memset(s, 0, sizeof(*s));
  s->name = name;
  s->title = title;
  s->cols = cols;
  s->ncols = ncols;
  return s;
}

/* A new row of NULL cells, or NULL if out of memory. */
static rcell *sec_row(rsec *s) {
  if (s->nrows == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 16;
    rcell *c = realloc(s->cells, cap * (size_t)s->ncols * sizeof(*c));
    if (c == NULL)
      return NULL;
    s->cells = c;
    s->cap = cap;
  }
  rcell *row = &s->cells[s->nrows * (size_t)s->ncols];
  for (int i = 0; i < s->ncols; i++) {
    memset(&row[i], 0, sizeof(row[i]));
    row[i].null = 1;
  }
  s->nrows++;
  return row;
}

static int cell_text(rcell *c, const char *s) {
  if (s == NULL)
    return 0; /* stays null */
  c->s = strdup(s);
  if (c->s == NULL)
    return FS_ENOMEM;
  c->null = 0;
  return 0;
}

static void cell_int(rcell *c, int64_t i) {
  c->null = 0;
  c->i = i;
}

static void cell_num(rcell *c, double d) {
  c->null = 0;
  c->d = d;
}

static double pct(int64_t part, int64_t whole) {
  return whole > 0 ? 100.0 * (double)part / (double)whole : 0.0;
}

static void secs_release(rpt *r) {
  for (int k = 0; k < r->nsecs; k++) {
    rsec *s = &r->secs[k];
    for (size_t i = 0; i < s->nrows * (size_t)s->ncols; i++)
      free(s->cells[i].s);
    free(s->cells);
  }
  r->nsecs = 0;
}

/* ---- rendering ------------------------------------------------------------ */

/* Text of a non-text cell, or of a text cell ("" for null in tables). */
static const char *cell_str(const rcol *col, const rcell *c, char buf[64]) {
  if (c->null)
    return "";
  switch (col->type) {
  case C_INT:
    snprintf(buf, 64, "%" PRId64, c->i);
    return buf;
  case C_PCT:
    snprintf(buf, 64, "%.1f", c->d);
    return buf;
  case C_NUM:
    snprintf(buf, 64, "%.2f", c->d);
    return buf;
  default:
    return c->s;
  }
}

static int render_table(rpt *r, fs__strbuf *out) {
  char buf[64];
  int rc = 0;

  for (int k = 0; k < r->nsecs && rc == 0; k++) {
    rsec *s = &r->secs[k];
    int *w = calloc((size_t)s->ncols, sizeof(int));
    if (w == NULL)
      return FS_ENOMEM;
    for (int j = 0; j < s->ncols; j++)
      w[j] = (int)fs__display_width(s->cols[j].name);
    for (size_t i = 0; i < s->nrows; i++)
      for (int j = 0; j < s->ncols; j++) {
        const char *t = cell_str(&s->cols[j], &s->cells[i * (size_t)s->ncols + j], buf);
        int tw = (int)fs__display_width(t);
        if (tw > w[j])
          w[j] = tw;
      }
    rc = fs__strbuf_printf(out, "\n%s\n", s->title);
    /* Header, rule, rows: text left-aligned, numbers right-aligned, two
     * spaces between columns, no trailing blanks. */
    for (int pass = 0; pass < 2 && rc == 0; pass++) {
      for (int j = 0; j < s->ncols && rc == 0; j++) {
        const char *t = s->cols[j].name;
        int tw = (int)fs__display_width(t), last = j == s->ncols - 1;
        if (j)
          rc = fs__strbuf_append(out, "  ", 2);
        if (pass == 1) {
          for (int x = 0; x < w[j] && rc == 0; x++)
            rc = fs__strbuf_append(out, "-", 1);
        } else if (s->cols[j].type != C_TEXT) {
          rc = fs__strbuf_printf(out, "%*s%s", w[j] - tw, "", t);
        } else {
          rc = fs__strbuf_pad(out, t, last ? -1 : w[j]);
        }
      }
      if (rc == 0)
        rc = fs__strbuf_append(out, "\n", 1);
    }
    for (size_t i = 0; i < s->nrows && rc == 0; i++) {
      for (int j = 0; j < s->ncols && rc == 0; j++) {
        const rcol *col = &s->cols[j];
        const char *t = cell_str(col, &s->cells[i * (size_t)s->ncols + j], buf);
        int last = j == s->ncols - 1;
        if (j)
          rc = fs__strbuf_append(out, "  ", 2);
        if (rc)
          break;
        if (col->type != C_TEXT)
          rc = fs__strbuf_printf(out, "%*s", w[j], t);
        else
          rc = fs__strbuf_pad(out, t, last ? -1 : w[j]);
      }
      if (rc == 0)
        rc = fs__strbuf_append(out, "\n", 1);
    }
    if (rc == 0 && s->nrows == 0)
      rc = fs__strbuf_append(out, "(none)\n", 7);
    free(w);
  }
  return rc;
}

static int render_csv(rpt *r, fs__strbuf *out) {
  char buf[64];
  int rc = 0;

  for (int k = 0; k < r->nsecs && rc == 0; k++) {
    rsec *s = &r->secs[k];
    if (k)
      rc = fs__strbuf_append(out, "\n", 1);
    if (rc == 0)
      rc = fs__strbuf_append(out, "section", 7);
    for (int j = 0; j < s->ncols && rc == 0; j++) {
      rc = fs__strbuf_append(out, ",", 1);
      if (rc == 0)
        rc = fs__strbuf_csv_cell(out, s->cols[j].name);
    }
    if (rc == 0)
      rc = fs__strbuf_append(out, "\n", 1);
    for (size_t i = 0; i < s->nrows && rc == 0; i++) {
      rc = fs__strbuf_csv_cell(out, s->name);
      for (int j = 0; j < s->ncols && rc == 0; j++) {
        rc = fs__strbuf_append(out, ",", 1);
        if (rc == 0)
          rc = fs__strbuf_csv_cell(
              out, cell_str(&s->cols[j], &s->cells[i * (size_t)s->ncols + j], buf));
      }
      if (rc == 0)
        rc = fs__strbuf_append(out, "\n", 1);
    }
  }
  return rc;
}

static int render_json(rpt *r, fs__strbuf *out) {
  char buf[64];
  int rc;

  rc = fs__strbuf_printf(out, "{\"report\":\"%s\",\"from\":\"%s\",\"to\":\"%s\",\"owners\":[",
                         r->p->name, r->from, r->to);
  for (int i = 0; i < r->p->nowners && rc == 0; i++) {
    if (i)
      rc = fs__strbuf_append(out, ",", 1);
    if (rc == 0)
      rc = fs__strbuf_json_str(out, r->p->owners[i]);
  }
  if (rc == 0)
    rc = fs__strbuf_append(out, "]", 1);
  for (int k = 0; k < r->nsecs && rc == 0; k++) {
    rsec *s = &r->secs[k];
    rc = fs__strbuf_printf(out, ",\"%s\":[", s->name);
    for (size_t i = 0; i < s->nrows && rc == 0; i++) {
      rc = fs__strbuf_append(out, i ? ",{" : "{", i ? 2 : 1);
      for (int j = 0; j < s->ncols && rc == 0; j++) {
        const rcell *c = &s->cells[i * (size_t)s->ncols + j];
        rc = fs__strbuf_printf(out, "%s\"%s\":", j ? "," : "", s->cols[j].name);
        if (rc)
          break;
        if (c->null)
          rc = fs__strbuf_append(out, "null", 4);
        else if (s->cols[j].type == C_TEXT)
          rc = fs__strbuf_json_str(out, c->s);
        else
          rc = fs__strbuf_append(out, cell_str(&s->cols[j], c, buf),
                                 strlen(cell_str(&s->cols[j], c, buf)));
      }
      if (rc == 0)
        rc = fs__strbuf_append(out, "}", 1);
    }
    if (rc == 0)
      rc = fs__strbuf_append(out, "]", 1);
  }
  if (rc == 0)
    rc = fs__strbuf_append(out, "}\n", 2);
  return rc;
}

/* ---- SQL helpers -------------------------------------------------------------- */

#define OWNER_PARAM0 101 /* owners bind as ?101, ?102, ... */
/* " AND l.author IN (" + FS_REPORT_OWNERS_MAX x "?NNN," fits. */
#define OWN_MAX 2048

/* " AND col IN (?101,...)" for the owner filter, or "". */
static void owners_sql(const rpt *r, const char *col, char *buf, size_t len) {
  size_t n;
  buf[0] = '\0';
  if (r->p->nowners <= 0)
    return;
  n = (size_t)snprintf(buf, len, " AND %s IN (", col);
  for (int i = 0; i < r->p->nowners && n < len; i++)
    n += (size_t)snprintf(buf + n, len - n, "%s?%d", i ? "," : "", OWNER_PARAM0 + i);
  if (n < len)
    snprintf(buf + n, len - n, ")");
}

static int bind_named(sqlite3_stmt *st, const char *name, const char *v) {
  int i = sqlite3_bind_parameter_index(st, name);
  return i > 0 ? sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC) : SQLITE_OK;
}

/* Prepares sql and binds :from, :to, :to1 and the owners where used. */
static int prep(rpt *r, const char *sql, sqlite3_stmt **st) {
  int rc = sqlite3_prepare_v2(r->db, sql, -1, st, NULL);

  if (rc == SQLITE_OK)
    rc = bind_named(*st, ":from", r->from);
  if (rc == SQLITE_OK)
    rc = bind_named(*st, ":to", r->to);
  if (rc == SQLITE_OK)
    rc = bind_named(*st, ":to1", r->to1);
  for (int i = 0; rc == SQLITE_OK && i < r->p->nowners &&
                  OWNER_PARAM0 + i <= sqlite3_bind_parameter_count(*st);
       i++)
    rc = sqlite3_bind_text(*st, OWNER_PARAM0 + i, r->p->owners[i], -1, SQLITE_STATIC);
  if (rc != SQLITE_OK) {
    fail(r, 0, "report query failed: %s", sqlite3_errmsg(r->db));
    rc = fs__db_err(r->db, rc);
    sqlite3_finalize(*st);
    *st = NULL;
    return rc ? rc : FS_EDB;
  }
  return 0;
}

/* After a loop of sqlite3_step: 0 for DONE, else the translated error. */
static int step_end(rpt *r, int src) {
  if (src == SQLITE_DONE || src == SQLITE_ROW)
    return 0;
  fail(r, 0, "report query failed: %s", sqlite3_errmsg(r->db));
  return fs__db_err(r->db, src);
}

static const char *col_text(sqlite3_stmt *st, int i) {
  return (const char *)sqlite3_column_text(st, i);
}

/* Makes room for one more element in a growing array *a of *cap elements
 * of size elem holding n: doubles it (first `initial`).  0 or FS_ENOMEM
 * (the array is left as it was). */
static int arr_grow(void *a, size_t *cap, size_t n, size_t elem, size_t initial) {
  void *old, *p;
  size_t ncap;
  if (n < *cap)
    return 0;
  ncap = *cap ? *cap * 2 : initial;
  /* a points at a T *: copied, not read through a void ** (aliasing). */
  memcpy(&old, a, sizeof(old));
  p = realloc(old, ncap * elem);
  if (p == NULL)
    return FS_ENOMEM;
  memcpy(a, &p, sizeof(p));
  *cap = ncap;
  return 0;
}

/* ---- per-rep accumulators -------------------------------------------------- */

/* A staff code with counters; a small array searched linearly (a team has
 * tens of reps, the whole company a few hundred). */
#define NCOUNT 48

typedef struct racc {
  char code[FS_STAFF_MAX + 1];
  int64_t n[NCOUNT];
} racc;

typedef struct raccs {
  racc *a;
  int n, cap, last;
} raccs;

static racc *accs_get(raccs *s, const char *code) {
  if (code == NULL)
    code = "";
  if (s->last < s->n && strcmp(s->a[s->last].code, code) == 0)
    return &s->a[s->last];
  for (int i = 0; i < s->n; i++)
    if (strcmp(s->a[i].code, code) == 0) {
      s->last = i;
      return &s->a[i];
    }
  if (s->n == s->cap) {
    int cap = s->cap ? s->cap * 2 : 16;
    racc *a = realloc(s->a, (size_t)cap * sizeof(*a));
    if (a == NULL)
      return NULL;
    s->a = a;
    s->cap = cap;
  }
  memset(&s->a[s->n], 0, sizeof(s->a[s->n]));
  snprintf(s->a[s->n].code, sizeof(s->a[s->n].code), "%s", code);
  s->last = s->n;
  return &s->a[s->n++];
}

static int acc_cmp(const void *a, const void *b) {
  return strcmp(((const racc *)a)->code, ((const racc *)b)->code);
}

static void accs_sort(raccs *s) {
  if (s->n > 1)
    qsort(s->a, (size_t)s->n, sizeof(*s->a), acc_cmp);
  s->last = 0;
}

static int grade_idx(const char *g) { return fs__enum_index(fs__grades, g); }

/* ---- visits: cadence compliance --------------------------------------------- */

/* Counter layout per grade g: base g*V_N + {customers, due, met, done,
 * overdue}; V_UNIQ (after the last grade's block) counts each customer of
 * the rep once, for the rep's "*" row. */
enum { V_CUST = 0, V_DUE, V_MET, V_DONE, V_OVER, V_N = 6 };
#define V_UNIQ (NGRADES * V_N)
#define LOST_G (NGRADES - 1)
#define NO_DAY INT64_MAX

/* One dated grade change of a customer. */
typedef struct gchg {
  size_t c;    /* customer index in fcusts */
  int64_t day; /* its date */
  int g, prev; /* grade index; previous grade index or -1 */
  int64_t hlc; /* same-day changes take effect in clock order */
  size_t ord;  /* then in load order */
} gchg;

/* A customer's grades over time: the changes sorted by day.  Before the
 * first change the grade is that change's previous grade (else its own: the
 * card was opened with it); from the last change on it is the card's
 * current grade, which is the truth for "now" even if a change record is
 * missing. */
typedef struct gline {
  const gchg *ch;
  int n;
  int card; /* current grade index of the card */
} gline;

static int gline_at(const gline *l, int64_t day) {
  int i = l->n;
  while (i > 0 && l->ch[i - 1].day > day)
    i--;
  if (l->n == 0 || i == l->n)
    return l->card;
  if (i == 0)
    return l->ch[0].prev >= 0 ? l->ch[0].prev : l->ch[0].g;
  return l->ch[i - 1].g;
}

/* The first change day in (after, upto], else NO_DAY. */
static int64_t gline_next(const gline *l, int64_t after, int64_t upto) {
  for (int i = 0; i < l->n; i++)
    if (l->ch[i].day > after)
      return l->ch[i].day <= upto ? l->ch[i].day : NO_DAY;
  return NO_DAY;
}

/* The first day after `after` on which the customer is open again (a
 * change to an open grade), else NO_DAY. */
static int64_t gline_reopen(const gline *l, int64_t after) {
  for (int64_t d = gline_next(l, after, NO_DAY - 1); d != NO_DAY;
       d = gline_next(l, d, NO_DAY - 1))
    if (gline_at(l, d) < LOST_G)
      return d;
  return NO_DAY;
}

typedef struct vcust {
  gline gl;
  const int *cad; /* fixed cadence days per grade; 0: ask fs__cadence_due */
  const char *delivery;
  int64_t anchor;
  const int64_t *days; /* distinct contact days in the period, ascending */
  int ndays;
} vcust;

/* The deadline of grade g counted from day s (fs__cadence_due on day
 * numbers); *overdue (may be NULL) is its lateness on --to. */
static int due_from(rpt *r, const vcust *c, int g, int64_t s, int64_t *due, int *overdue) {
  char ls[11], ds[11];
  int rc;

  if (overdue == NULL && c->cad[g] > 0) {
    /* A fixed cadence needs no calendar: the walk's hot path. */
    *due = s + c->cad[g];
    return 0;
  }
  if (fs__date_format(s, ls) != 0)
    return fail(r, FS_EINVAL, "date out of range");
  rc = fs__cadence_due(fs__grades[g], c->delivery, ls, overdue ? r->to : NULL, ds, overdue);
  if (rc == 0)
    rc = fs__date_parse(ds, due);
  if (rc)
    return fail(r, FS_EINVAL, "cadence: bad grade or delivery date (%s, %s)", fs__grades[g],
                c->delivery ? c->delivery : "-");
  return 0;
}

/* Index of the first contact day > s, from k on. */
static int day_after(const vcust *c, int k, int64_t s) {
  while (k < c->ndays && c->days[k] <= s)
    k++;
  return k;
}

/* Walks the deadlines of one customer (report.h) into the rep's counters
 * n (grade blocks of V_N). */
static int visits_walk(rpt *r, const vcust *c, int64_t *n) {
  int64_t s = c->anchor, d, t, last;
  int k = 0, od = 0, g, rc;

  for (;;) {
    g = gline_at(&c->gl, s);
    if (g >= LOST_G) {
      /* Lost: no cadence until the card is reopened, counting from then. */
      s = gline_reopen(&c->gl, s);
      if (s == NO_DAY || s > r->dto)
        break;
      continue;
    }
    rc = due_from(r, c, g, s, &d, NULL);
    if (rc)
      return rc;
    if (d > r->dto)
      break;
    t = gline_next(&c->gl, s, d);
    k = day_after(c, k, s);
    if (k < c->ndays && c->days[k] <= d && (t == NO_DAY || c->days[k] <= t)) {
      /* Met (a contact on the day of a re-rating comes first); the clock
       * moves to the last contact before the deadline and any re-rating. */
      int64_t lim = t == NO_DAY ? d : t;
      while (k + 1 < c->ndays && c->days[k + 1] <= lim)
        k++;
      if (d >= r->dfrom) {
        n[g * V_N + V_DUE]++;
        n[g * V_N + V_MET]++;
      }
      s = c->days[k];
    } else if (t != NO_DAY) {
      s = t; /* re-rated before the deadline: the clock restarts */
    } else if (d < r->dfrom && strcmp(fs__grades[g], "delivered") != 0) {
      /* Missed before the period, where there are no contact days: a fixed
       * cadence steps evenly, so jump to the last deadline before --from
       * (and before the next re-rating) instead of walking from an old
       * anchor. */
      int64_t step = d - s, lim = r->dfrom - 1, nx = gline_next(&c->gl, d, NO_DAY - 1);
      if (nx != NO_DAY && nx - 1 < lim)
        lim = nx - 1;
      if (step > 0 && lim > d)
        d += ((lim - d) / step) * step;
      s = d;
    } else {
      if (d >= r->dfrom)
        n[g * V_N + V_DUE]++;
      s = d; /* missed: in arrears one contact stays due every cadence */
    }
  }
  /* Overdue on --to: counted from the later of the last contact and the
   * last re-rating (common/cadence.h, "the clock"). */
  g = gline_at(&c->gl, r->dto);
  if (g >= LOST_G)
    return 0;
  last = c->ndays ? c->days[c->ndays - 1] : c->anchor;
  for (t = gline_next(&c->gl, last, r->dto); t != NO_DAY; t = gline_next(&c->gl, t, r->dto))
    last = t;
  rc = due_from(r, c, g, last, &d, &od);
  if (rc)
    return rc;
  if (od > 0)
    n[g * V_N + V_OVER]++;
  return 0;
}

/* Which open grades the customer held on some day of [lo, to]: a bit per
 * grade index; 0 if lost all along. */
static unsigned grades_held(const rpt *r, const gline *l, int64_t lo) {
  unsigned m = 0;
  for (int64_t d = lo; d != NO_DAY; d = gline_next(l, d, r->dto)) {
    int g = gline_at(l, d);
    if (g < LOST_G)
      m |= 1u << g;
  }
  return m;
}

static const rcol visits_cols[] = {
    {"rep", C_TEXT},  {"grade", C_TEXT}, {"customers", C_INT}, {"due", C_INT},
    {"met", C_INT},   {"missed", C_INT}, {"done", C_INT},      {"overdue", C_INT},
    {"compliance", C_PCT}};

/* The same columns, grouped by team. */
static const rcol teams_cols[] = {
    {"team", C_TEXT}, {"grade", C_TEXT}, {"customers", C_INT}, {"due", C_INT},
    {"met", C_INT},   {"missed", C_INT}, {"done", C_INT},      {"overdue", C_INT},
    {"compliance", C_PCT}};

static int visits_row(rsec *s, const char *rep, const char *grade, const int64_t *n) {
  rcell *row = sec_row(s);
  int rc;
  if (row == NULL)
    return FS_ENOMEM;
  rc = cell_text(&row[0], rep);
  if (rc == 0)
    rc = cell_text(&row[1], grade);
  cell_int(&row[2], n[V_CUST]);
  cell_int(&row[3], n[V_DUE]);
  cell_int(&row[4], n[V_MET]);
  cell_int(&row[5], n[V_DUE] - n[V_MET]);
  cell_int(&row[6], n[V_DONE]);
  cell_int(&row[7], n[V_OVER]);
  cell_num(&row[8], n[V_DUE] ? pct(n[V_MET], n[V_DUE]) : 100.0);
  return rc;
}

/* ---- customers in memory ------------------------------------------------------
 * visits and funnel read the big child tables in one sequential scan each
 * and find the customer by binary search, instead of one index lookup per
 * customer: 100,000 random B-tree probes into 1,000,000 visits cost
 * seconds, a scan a fraction of one. */

typedef struct fcust {
  char id[FS_ID_HEX + 1];
  char owner[FS_STAFF_MAX + 1];
  char delivery[11];
  int g;          /* grade index */
  int64_t anchor; /* visits: created day, or INT64_MIN if unknown */
  char before[11]; /* visits: last contact day before --from, or "" */
  int ostage;     /* funnel: most advanced open opportunity stage, 0 none */
  int vstage;     /* funnel: stage of the latest visit recording one */
  char vat[20];   /* funnel: that visit's time */
} fcust;

typedef struct fcusts {
  fcust *a;
  size_t n, cap;
  uint32_t *slot; /* open-addressing index: 1 + position in a, 0 empty */
  size_t mask;    /* slots - 1 (a power of two, at least 2n) */
} fcusts;

static void custs_release(fcusts *cs) {
  free(cs->a);
  free(cs->slot);
  memset(cs, 0, sizeof(*cs));
}

/* Ids end in random hex digits (common/id.h): 16 of them make the hash. */
static size_t id_hash(const char *id) {
  uint64_t h = 0;
  for (int i = FS_ID_HEX - 16; i < FS_ID_HEX; i++)
    h = h * 31 + (unsigned char)id[i];
  return (size_t)(h ^ (h >> 29));
}

/* Builds the hash index over the loaded cards: the scans of the big child
 * tables look a card up per row, and a million binary searches over
 * time-ordered ids (long shared prefixes) cost more than the scan. */
static int custs_index(fcusts *cs) {
  size_t m = 1024;
  while (m < 2 * cs->n)
    m *= 2;
  cs->slot = calloc(m, sizeof(*cs->slot));
  if (cs->slot == NULL)
    return FS_ENOMEM;
  cs->mask = m - 1;
  for (size_t i = 0; i < cs->n; i++) {
    size_t h = id_hash(cs->a[i].id) & cs->mask;
    while (cs->slot[h])
      h = (h + 1) & cs->mask;
    cs->slot[h] = (uint32_t)(i + 1);
  }
  return 0;
}

/* Loads the non-deleted cards with a grade matching `where` and the owner
 * filter, sorted by id. */
static int custs_load(rpt *r, const char *where, fcusts *cs) {
  char own[OWN_MAX], sql[8192];
  sqlite3_stmt *st = NULL;
  int rc, src;

  owners_sql(r, "owner", own, sizeof(own));
  snprintf(sql, sizeof(sql),
           "SELECT id, owner, grade, delivery_date, created FROM customers"
           " WHERE deleted = 0 AND grade IS NOT NULL%s%s ORDER BY id",
           where, own);
  rc = prep(r, sql, &st);
  if (rc)
    return rc;
  while ((src = sqlite3_step(st)) == SQLITE_ROW) {
    const char *id = col_text(st, 0), *d;
    fcust *c;
    int g = grade_idx(col_text(st, 2));
    if (g < 0 || id == NULL || strlen(id) != FS_ID_HEX)
      continue;
    if (arr_grow(&cs->a, &cs->cap, cs->n, sizeof(*cs->a), 1024) != 0) {
      sqlite3_finalize(st);
      return FS_ENOMEM;
    }
    c = &cs->a[cs->n++];
    memset(c, 0, sizeof(*c));
    memcpy(c->id, id, FS_ID_HEX + 1);
    snprintf(c->owner, sizeof(c->owner), "%s", col_text(st, 1) ? col_text(st, 1) : "");
    d = col_text(st, 3);
    snprintf(c->delivery, sizeof(c->delivery), "%s", d ? d : "");
    c->g = g;
    c->anchor = INT64_MIN;
    if ((d = col_text(st, 4)) != NULL && fs__date_parse(d, &c->anchor) != 0)
      c->anchor = INT64_MIN;
  }
  rc = step_end(r, src);
  sqlite3_finalize(st);
  if (rc == 0 && cs->n >= UINT32_MAX)
    rc = fail(r, FS_EOVERFLOW, "too many customers for one report");
  if (rc == 0)
    rc = custs_index(cs);
  return rc;
}

static fcust *custs_find(const fcusts *cs, const char *id) {
  size_t h;
  if (id == NULL || cs->slot == NULL || strlen(id) != FS_ID_HEX)
    return NULL;
  for (h = id_hash(id) & cs->mask; cs->slot[h]; h = (h + 1) & cs->mask) {
    fcust *c = &cs->a[cs->slot[h] - 1];
    if (memcmp(c->id, id, FS_ID_HEX) == 0)
      return c;
  }
  return NULL;
}

/* (customer, contact day) of a visit in the period. */
typedef struct vday {
  size_t c;
  int64_t day;
} vday;

static int vday_cmp(const void *a, const void *b) {
  const vday *x = a, *y = b;
  if (x->c != y->c)
    return x->c < y->c ? -1 : 1;
  return x->day < y->day ? -1 : x->day > y->day;
}

/* Adds every counter of b to a. */
static void acc_add(racc *a, const racc *b) {
  for (int j = 0; j < NCOUNT; j++)
    a->n[j] += b->n[j];
}

/* The rows of one rep, team or the whole scope (code "*"): one per grade
 * it had customers in, then its "*" row with each customer once (V_UNIQ);
 * the scope's "*" row is written even with no customers. */
static int visits_group(rsec *s, const char *code, const int64_t *n) {
  int64_t sum[V_N] = {0};
  int rc = 0;
  for (int g = 0; g < LOST_G && rc == 0; g++) {
    const int64_t *ng = &n[g * V_N];
    if (ng[V_CUST] == 0)
      continue;
    for (int j = 0; j < V_N; j++)
      sum[j] += ng[j];
    rc = visits_row(s, code, fs__grades[g], ng);
  }
  sum[V_CUST] = n[V_UNIQ];
  if (rc == 0 && (sum[V_CUST] || strcmp(code, "*") == 0))
    rc = visits_row(s, code, "*", sum);
  return rc;
}

/* Section "teams": the reps' counters summed per team, a team being a
 * manager and the staff whose manager they are (fs__report_team).  A card
 * has one owner, so the reps' "*" customers add up.  Staff the store does
 * not know, or with no manager who are not managers, belong to no team;
 * no section if nobody has one. */
static int visits_teams(rpt *r, const raccs *reps) {
  sqlite3_stmt *st = NULL;
  raccs teams = {0};
  int rc, src;
  rsec *s;

  rc = prep(r, "SELECT code, role, manager FROM staff", &st);
  if (rc)
    return rc;
  while ((src = sqlite3_step(st)) == SQLITE_ROW) {
    const char *code = col_text(st, 0), *role = col_text(st, 1), *mgr = col_text(st, 2);
    racc key, *rep, *t;
    if (code == NULL)
      continue;
    snprintf(key.code, sizeof(key.code), "%s", code);
    rep = reps->n ? bsearch(&key, reps->a, (size_t)reps->n, sizeof(*reps->a), acc_cmp) : NULL;
    if (rep == NULL)
      continue;
    if (mgr == NULL || mgr[0] == '\0')
      mgr = fs__role_parse(role) == FS_ROLE_MANAGER ? code : NULL;
    if (mgr == NULL)
      continue;
    t = accs_get(&teams, mgr);
    if (t == NULL) {
      src = SQLITE_NOMEM;
      break;
    }
    acc_add(t, rep);
  }
  rc = src == SQLITE_NOMEM ? FS_ENOMEM : step_end(r, src);
  sqlite3_finalize(st);
  if (rc == 0 && teams.n) {
    accs_sort(&teams);
    s = sec_add(r, "teams", "Cadence compliance per team (a manager and their staff)",
                teams_cols, 9);
    for (int i = 0; i < teams.n && rc == 0; i++)
      rc = visits_group(s, teams.a[i].code, teams.a[i].n);
  }
  free(teams.a);
  return rc;
}

static int gchg_cmp(const void *a, const void *b) {
  const gchg *x = a, *y = b;
  if (x->c != y->c)
    return x->c < y->c ? -1 : 1;
  if (x->day != y->day)
    return x->day < y->day ? -1 : 1;
  if (x->hlc != y->hlc)
    return x->hlc < y->hlc ? -1 : 1;
  return x->ord < y->ord ? -1 : x->ord > y->ord;
}

/* The dated grade changes of the loaded customers, sorted by (customer,
 * day, hlc, load order). */
static int changes_load(rpt *r, const fcusts *cs, gchg **out, size_t *nout) {
  sqlite3_stmt *st = NULL;
  gchg *a = NULL;
  size_t n = 0, cap = 0;
  int src, rc;

  rc = prep(r,
            "SELECT customer_id, date, grade, prev_grade, hlc FROM grade_changes"
            " WHERE deleted = 0 AND date IS NOT NULL",
            &st);
  if (rc)
    return rc;
  while ((src = sqlite3_step(st)) == SQLITE_ROW) {
    fcust *c = custs_find(cs, col_text(st, 0));
    int g = grade_idx(col_text(st, 2));
    int64_t day;
    if (c == NULL || g < 0 || fs__date_parse(col_text(st, 1), &day) != 0)
      continue;
    rc = arr_grow(&a, &cap, n, sizeof(*a), 1024);
    if (rc)
      goto out;
    a[n].c = (size_t)(c - cs->a);
    a[n].day = day;
    a[n].g = g;
    a[n].prev = col_text(st, 3) ? grade_idx(col_text(st, 3)) : -1;
    a[n].hlc = sqlite3_column_int64(st, 4);
    a[n].ord = n;
    n++;
  }
  rc = step_end(r, src);
  if (rc == 0 && n > 1)
    qsort(a, n, sizeof(*a), gchg_cmp);
out:
  sqlite3_finalize(st);
  if (rc) {
    free(a);
    a = NULL;
    n = 0;
  }
  *out = a;
  *nout = n;
  return rc;
}

static int report_visits(rpt *r) {
  sqlite3_stmt *st = NULL;
  raccs accs = {0};
  fcusts cs = {0};
  vday *vd = NULL;
  gchg *gc = NULL;
  size_t nvd = 0, capvd = 0, ngc = 0, k = 0, kg = 0;
  racc all;
  int64_t *days = NULL;
  int cad[NGRADES], src, rc;
  rsec *s;

  /* Grades whose cadence does not depend on the date (all but delivered,
   * whose window is calendar months after the delivery). */
  for (int g = 0; g < NGRADES; g++)
    cad[g] = strcmp(fs__grades[g], "delivered") == 0
                 ? 0
                 : fs__cadence_days(fs__grades[g], NULL, NULL);
  /* Lost cards too: they may have been open during the period. */
  rc = custs_load(r, " AND (created IS NULL OR created <= :to)", &cs);
  if (rc == 0)
    rc = changes_load(r, &cs, &gc, &ngc);
  if (rc)
    goto out;
  /* One pass over the visits up to --to. */
  rc = prep(r, "SELECT customer_id, at FROM visits WHERE deleted = 0 AND at < :to1", &st);
  if (rc)
    goto out;
  while ((src = sqlite3_step(st)) == SQLITE_ROW) {
    fcust *c = custs_find(&cs, col_text(st, 0));
    const char *at = col_text(st, 1);
    int64_t d;
    if (c == NULL || at == NULL || strlen(at) < 10)
      continue;
    /* Before the period only the latest day matters: compare the date
     * texts (they sort as dates) and parse once at the end. */
    if (memcmp(at, r->from, 10) < 0) {
      if (memcmp(at, c->before, 10) > 0 || c->before[0] == '\0')
        memcpy(c->before, at, 10);
      continue;
    }
    if (fs__date_parse(at, &d) != 0)
      continue;
    rc = arr_grow(&vd, &capvd, nvd, sizeof(*vd), 4096);
    if (rc)
      goto out;
    vd[nvd].c = (size_t)(c - cs.a);
    vd[nvd++].day = d;
  }
  rc = step_end(r, src);
  sqlite3_finalize(st);
  st = NULL;
  if (rc)
    goto out;
  if (nvd > 1)
    qsort(vd, nvd, sizeof(*vd), vday_cmp);
  days = malloc((nvd ? nvd : 1) * sizeof(*days));
  if (days == NULL) {
    rc = FS_ENOMEM;
    goto out;
  }
  for (size_t i = 0; i < cs.n; i++) {
    fcust *fc = &cs.a[i];
    racc *a;
    vcust c;
    unsigned held;
    int nd = 0;

    memset(&c, 0, sizeof(c));
    c.cad = cad;
    c.gl.ch = gc + kg;
    for (; kg < ngc && gc[kg].c == i; kg++)
      c.gl.n++;
    c.gl.card = fc->g;
    c.delivery = fc->delivery;
    /* anchor: last contact before the period, else created, else from. */
    if (fc->before[0] == '\0' || fs__date_parse(fc->before, &c.anchor) != 0)
      c.anchor = fc->anchor != INT64_MIN ? fc->anchor : r->dfrom;
    held = grades_held(r, &c.gl, fc->anchor != INT64_MIN && fc->anchor > r->dfrom
                                     ? fc->anchor
                                     : r->dfrom);
    if (held == 0) {
      for (; k < nvd && vd[k].c == i; k++)
        ;
      continue; /* lost all through the period */
    }
    a = accs_get(&accs, fc->owner);
    if (a == NULL) {
      rc = FS_ENOMEM;
      goto out;
    }
    a->n[V_UNIQ]++;
    for (int g = 0; g < LOST_G; g++)
      if (held & (1u << g))
        a->n[g * V_N + V_CUST]++;
    /* done: each record under the grade the customer had as the day began
     * (a contact on the day of a re-rating comes first). */
    for (; k < nvd && vd[k].c == i; k++) {
      int g = gline_at(&c.gl, vd[k].day - 1);
      if (g < LOST_G)
        a->n[g * V_N + V_DONE]++;
      if (nd == 0 || days[nd - 1] != vd[k].day)
        days[nd++] = vd[k].day;
    }
    c.days = days;
    c.ndays = nd;
    rc = visits_walk(r, &c, a->n);
    if (rc)
      goto out;
  }
  accs_sort(&accs);
  s = sec_add(r, "compliance", "Cadence compliance per rep and grade", visits_cols, 9);
  memset(&all, 0, sizeof(all));
  for (int i = 0; i < accs.n && rc == 0; i++) {
    rc = visits_group(s, accs.a[i].code, accs.a[i].n);
    acc_add(&all, &accs.a[i]);
  }
  if (rc == 0)
    rc = visits_group(s, "*", all.n);
  if (rc == 0)
    rc = visits_teams(r, &accs);
out:
  sqlite3_finalize(st);
  free(days);
  free(vd);
  free(gc);
  custs_release(&cs);
  free(accs.a);
  return rc;
}

/* ---- funnel ------------------------------------------------------------------ */

#define STAGE_CASE(col)                                                                 \
  "CASE " col " WHEN 'contact' THEN 1 WHEN 'explanation' THEN 2 WHEN 'demonstration' " \
  "THEN 3 WHEN 'proposal' THEN 4 WHEN 'contract' THEN 5 END"
#define GRADE_ORDER(col)                                                                 \
  "CASE " col " WHEN 'new' THEN 0 WHEN 'O' THEN 1 WHEN 'A' THEN 2 WHEN 'B' THEN 3 "     \
  "WHEN 'C' THEN 4 WHEN 'delivered' THEN 5 WHEN 'lost' THEN 6 ELSE 7 END"

static const rcol funnel_cols[] = {
    {"rep", C_TEXT},         {"grade", C_TEXT},   {"none", C_INT},
    {"contact", C_INT},      {"explanation", C_INT}, {"demonstration", C_INT},
    {"proposal", C_INT},     {"contract", C_INT}, {"total", C_INT}};
static const rcol movement_cols[] = {
    {"from_grade", C_TEXT}, {"to_grade", C_TEXT}, {"count", C_INT}};

static int funnel_row(rsec *s, const char *rep, const char *grade, const int64_t *n) {
  rcell *row = sec_row(s);
  int64_t total = 0;
  int rc;
  if (row == NULL)
    return FS_ENOMEM;
  rc = cell_text(&row[0], rep);
  if (rc == 0)
    rc = cell_text(&row[1], grade);
  for (int i = 0; i <= NSTAGES; i++) {
    cell_int(&row[2 + i], n[i]);
    total += n[i];
  }
  cell_int(&row[8], total);
  return rc;
}

static int report_funnel(rpt *r) {
  char own[OWN_MAX], sql[8192];
  sqlite3_stmt *st = NULL;
  raccs accs = {0};
  fcusts cs = {0};
  int64_t tot[NGRADES][NSTAGES + 1];
  int src, rc;
  rsec *s;

  memset(tot, 0, sizeof(tot));
  rc = custs_load(r, "", &cs);
  if (rc)
    goto out;
  /* Open opportunities: the most advanced stage per customer. */
  rc = prep(r,
            "SELECT customer_id, " STAGE_CASE("stage") " FROM opportunities"
            " WHERE deleted = 0 AND stage IS NOT NULL AND coalesce(status, 'open') = 'open'",
            &st);
  if (rc)
    goto out;
  while ((src = sqlite3_step(st)) == SQLITE_ROW) {
    fcust *c = custs_find(&cs, col_text(st, 0));
    int stg = sqlite3_column_int(st, 1);
    if (c && stg > c->ostage)
      c->ostage = stg;
  }
  rc = step_end(r, src);
  sqlite3_finalize(st);
  st = NULL;
  if (rc)
    goto out;
  /* Visits recording a stage: the latest per customer (ties: the first
   * read keeps it). */
  rc = prep(r,
            "SELECT customer_id, at, " STAGE_CASE("stage") " FROM visits"
            " WHERE deleted = 0 AND stage IS NOT NULL",
            &st);
  if (rc)
    goto out;
  while ((src = sqlite3_step(st)) == SQLITE_ROW) {
    fcust *c = custs_find(&cs, col_text(st, 0));
    const char *at = col_text(st, 1);
    if (c == NULL || at == NULL || (c->vat[0] && strcmp(at, c->vat) <= 0))
      continue;
    snprintf(c->vat, sizeof(c->vat), "%s", at);
    c->vstage = sqlite3_column_int(st, 2);
  }
  rc = step_end(r, src);
  sqlite3_finalize(st);
  st = NULL;
  if (rc)
    goto out;
  for (size_t i = 0; i < cs.n; i++) {
    fcust *c = &cs.a[i];
    racc *a = accs_get(&accs, c->owner);
    int stg = c->ostage ? c->ostage : c->vstage;
    if (a == NULL) {
      rc = FS_ENOMEM;
      goto out;
    }
    if (stg < 0 || stg > NSTAGES)
      stg = 0;
    a->n[c->g * (NSTAGES + 1) + stg]++;
    tot[c->g][stg]++;
  }
  accs_sort(&accs);
  s = sec_add(r, "grades", "Prospects per grade and stage (now)", funnel_cols, 9);
  for (int i = 0; i < accs.n && rc == 0; i++)
    for (int g = 0; g < NGRADES && rc == 0; g++) {
      int64_t *n = &accs.a[i].n[g * (NSTAGES + 1)], any = 0;
      for (int k = 0; k <= NSTAGES; k++)
        any += n[k];
      if (any)
        rc = funnel_row(s, accs.a[i].code, fs__grades[g], n);
    }
  for (int g = 0; g < NGRADES && rc == 0; g++) {
    int64_t any = 0;
    for (int k = 0; k <= NSTAGES; k++)
      any += tot[g][k];
    if (any)
      rc = funnel_row(s, "*", fs__grades[g], tot[g]);
  }
  if (rc)
    goto out;

  owners_sql(r, "owner", own, sizeof(own));
  snprintf(sql, sizeof(sql),
           "SELECT coalesce(prev_grade, 'new') AS f, grade AS t, count(*) FROM grade_changes"
           " WHERE deleted = 0 AND grade IS NOT NULL AND date >= :from AND date <= :to%s"
           " GROUP BY f, t ORDER BY " GRADE_ORDER("f") ", " GRADE_ORDER("t"),
           own);
  rc = prep(r, sql, &st);
  if (rc)
    goto out;
  s = sec_add(r, "movement", "Grade changes in the period (from -> to)", movement_cols, 3);
  while ((src = sqlite3_step(st)) == SQLITE_ROW) {
    rcell *row = sec_row(s);
    if (row == NULL) {
      rc = FS_ENOMEM;
      goto out;
    }
    rc = cell_text(&row[0], col_text(st, 0));
    if (rc == 0)
      rc = cell_text(&row[1], col_text(st, 1));
    if (rc)
      goto out;
    cell_int(&row[2], sqlite3_column_int64(st, 2));
  }
  rc = step_end(r, src);
out:
  sqlite3_finalize(st);
  custs_release(&cs);
  free(accs.a);
  return rc;
}

/* ---- lost ---------------------------------------------------------------------- */

static const rcol lost_summary_cols[] = {
    {"lost", C_INT}, {"confirmed", C_INT}, {"pending", C_INT},
    {"awaiting_review", C_INT}, {"listed", C_INT}};
static const rcol lost_reason_cols[] = {
    {"reason", C_TEXT}, {"lost", C_INT}, {"confirmed", C_INT}, {"pending", C_INT}};
static const rcol lost_comp_cols[] = {
    {"competitor", C_TEXT}, {"lost", C_INT}, {"confirmed", C_INT}, {"pending", C_INT}};
static const rcol lost_rep_cols[] = {
    {"rep", C_TEXT}, {"lost", C_INT}, {"confirmed", C_INT}, {"pending", C_INT}};
static const rcol lost_month_cols[] = {
    {"month", C_TEXT}, {"lost", C_INT}, {"confirmed", C_INT}, {"pending", C_INT}};
static const rcol lost_pending_cols[] = {
    {"lost_date", C_TEXT}, {"rep", C_TEXT},    {"archive_no", C_TEXT},
    {"customer", C_TEXT},  {"reason", C_TEXT}, {"competitor", C_TEXT}};

/* Runs sql and appends each row to s: text columns as text, others int. */
static int fill(rpt *r, rsec *s, const char *sql) {
  sqlite3_stmt *st = NULL;
  int rc, src;

  rc = prep(r, sql, &st);
  if (rc)
    return rc;
  while ((src = sqlite3_step(st)) == SQLITE_ROW) {
    rcell *row = sec_row(s);
    if (row == NULL) {
      rc = FS_ENOMEM;
      break;
    }
    for (int j = 0; j < s->ncols && rc == 0; j++) {
      if (sqlite3_column_type(st, j) == SQLITE_NULL)
        continue;
      if (s->cols[j].type == C_TEXT)
        rc = cell_text(&row[j], col_text(st, j));
      else if (s->cols[j].type == C_INT)
        cell_int(&row[j], sqlite3_column_int64(st, j));
      else
        cell_num(&row[j], sqlite3_column_double(st, j));
    }
    if (rc)
      break;
  }
  if (rc == 0)
    rc = step_end(r, src);
  sqlite3_finalize(st);
  return rc;
}

static int report_lost(rpt *r) {
  static const struct {
    const char *name, *title, *expr;
    const rcol *cols;
  } groups[] = {
      {"reasons", "Lost sales by reason", "reason", lost_reason_cols},
      {"competitors", "Lost sales by competitor",
       "coalesce(nullif(trim(competitor), ''), '(none)')", lost_comp_cols},
      {"reps", "Lost sales by rep", "author", lost_rep_cols},
      {"months", "Lost sales by month", "substr(lost_date, 1, 7)", lost_month_cols},
  };
  char own[OWN_MAX], sql[8192];
  int rc;
  rsec *s;

  owners_sql(r, "l.author", own, sizeof(own));
  s = sec_add(r, "summary", "Lost sales in the period", lost_summary_cols, 5);
  snprintf(sql, sizeof(sql),
           "SELECT count(*), coalesce(sum(coalesce(confirmed, 0) = 1), 0), coalesce(sum(coalesce(confirmed, 0) <> 1), 0),"
           " (SELECT count(*) FROM lost_reviews l WHERE l.deleted = 0"
           "   AND coalesce(l.confirmed, 0) <> 1 AND l.lost_date <= :to%s),"
           " (SELECT min(count(*), %d) FROM lost_reviews l WHERE l.deleted = 0"
           "   AND coalesce(l.confirmed, 0) <> 1 AND l.lost_date <= :to%s)"
           " FROM lost_reviews l WHERE l.deleted = 0 AND l.lost_date >= :from"
           " AND l.lost_date <= :to%s",
           own, FS_REPORT_LIST_MAX, own, own);
  rc = fill(r, s, sql);
  for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]) && rc == 0; i++) {
    s = sec_add(r, groups[i].name, groups[i].title, groups[i].cols, 4);
    snprintf(sql, sizeof(sql),
             "SELECT %s AS k, count(*), sum(coalesce(confirmed, 0) = 1), sum(coalesce(confirmed, 0) <> 1)"
             " FROM lost_reviews l WHERE l.deleted = 0 AND l.lost_date >= :from"
             " AND l.lost_date <= :to%s GROUP BY k ORDER BY %s",
             groups[i].expr, own, i >= 2 ? "k" : "count(*) DESC, k");
    rc = fill(r, s, sql);
  }
  if (rc)
    return rc;
  s = sec_add(r, "pending", "Awaiting the manager's review (up to --to)", lost_pending_cols, 6);
  snprintf(sql, sizeof(sql),
           "SELECT l.lost_date, l.author, c.archive_no, c.name, l.reason, l.competitor"
           " FROM lost_reviews l LEFT JOIN customers c ON c.id = l.customer_id"
           " WHERE l.deleted = 0 AND coalesce(l.confirmed, 0) <> 1 AND l.lost_date <= :to%s"
           " ORDER BY l.lost_date, l.id LIMIT %d",
           own, FS_REPORT_LIST_MAX);
  return fill(r, s, sql);
}

/* ---- ranking ----------------------------------------------------------------------- */

typedef struct rcust {
  char id[FS_ID_HEX + 1];
  char owner[FS_STAFF_MAX + 1];
  char *archive_no, *name;
  int64_t v[FS_RC__COUNT]; /* raw: revenue, margin, growth... */
  double comp[FS_RC__COUNT], score, share, cum;
  int key, tier; /* tier: index into fs__tiers */
} rcust;

static int by_revenue(const void *a, const void *b) {
  const rcust *x = a, *y = b;
  if (x->v[FS_RC_REVENUE] != y->v[FS_RC_REVENUE])
    return x->v[FS_RC_REVENUE] > y->v[FS_RC_REVENUE] ? -1 : 1;
  return strcmp(x->id, y->id);
}

static int by_score(const void *a, const void *b) {
  const rcust *x = a, *y = b;
  if (x->score != y->score)
    return x->score > y->score ? -1 : 1;
  return by_revenue(a, b);
}

static const rcol rank_summary_cols[] = {
    {"customers", C_INT}, {"revenue", C_INT}, {"key_accounts", C_INT},
    {"key_share", C_NUM}, {"diamond", C_INT}, {"gold", C_INT},
    {"silver", C_INT}};
static const rcol rank_cols[] = {
    {"rank", C_INT},      {"archive_no", C_TEXT}, {"name", C_TEXT},     {"owner", C_TEXT},
    {"revenue", C_INT},   {"margin", C_INT},      {"revenue_n", C_NUM}, {"margin_n", C_NUM},
    {"growth", C_INT},    {"payment", C_INT},     {"credit", C_INT},    {"strategic", C_INT},
    {"score", C_NUM},     {"share", C_NUM},       {"cum_share", C_NUM}, {"key", C_TEXT},
    {"tier", C_TEXT}};

#define PARETO_SHARE 0.80
#define TIER_DIAMOND 0.20
#define TIER_GOLD 0.50

static int report_ranking(rpt *r) {
  char own[OWN_MAX], sql[8192];
  sqlite3_stmt *st = NULL;
  rcust *cs = NULL;
  size_t n = 0, cap = 0, nkey = 0, ntier[4] = {0}, top;
  int64_t max[2] = {0, 0};
  double total = 0, wsum = 0, cum = 0, keyrev = 0;
  int src, rc;
  rsec *s;

  for (int i = 0; i < FS_RC__COUNT; i++)
    wsum += r->w.w[i];
  owners_sql(r, "owner", own, sizeof(own));
  snprintf(sql, sizeof(sql),
           "SELECT id, owner, archive_no, name, revenue, coalesce(margin, 0),"
           " coalesce(growth, 0), coalesce(payment, 0), coalesce(credit, 0),"
           " coalesce(strategic, 0) FROM customers"
           " WHERE deleted = 0 AND coalesce(grade, '') <> 'lost' AND revenue > 0%s",
           own);
  rc = prep(r, sql, &st);
  if (rc)
    goto out;
  while ((src = sqlite3_step(st)) == SQLITE_ROW) {
    rcust *c;
    if (n == cap) {
      size_t nc = cap ? cap * 2 : 256;
      rcust *p = realloc(cs, nc * sizeof(*p));
      if (p == NULL) {
        rc = FS_ENOMEM;
        goto out;
      }
      cs = p;
      cap = nc;
    }
    c = &cs[n++];
    memset(c, 0, sizeof(*c));
    snprintf(c->id, sizeof(c->id), "%s", col_text(st, 0));
    snprintf(c->owner, sizeof(c->owner), "%s", col_text(st, 1));
    if (col_text(st, 2) && (c->archive_no = strdup(col_text(st, 2))) == NULL)
      rc = FS_ENOMEM;
    if (col_text(st, 3) && (c->name = strdup(col_text(st, 3))) == NULL)
      rc = FS_ENOMEM;
    if (rc)
      goto out;
    for (int i = 0; i < FS_RC__COUNT; i++)
      c->v[i] = sqlite3_column_int64(st, 4 + i);
    for (int i = 0; i < 2; i++)
      if (c->v[i] > max[i])
        max[i] = c->v[i];
    total += (double)c->v[FS_RC_REVENUE];
  }
  rc = step_end(r, src);
  if (rc)
    goto out;
  /* Components and score. */
  for (size_t i = 0; i < n; i++) {
    rcust *c = &cs[i];
    c->score = 0;
    for (int k = 0; k < FS_RC__COUNT; k++) {
      if (k < 2)
        c->comp[k] = max[k] > 0 ? 100.0 * (double)c->v[k] / (double)max[k] : 0.0;
      else
        c->comp[k] = (double)c->v[k];
      c->score += r->w.w[k] * c->comp[k];
    }
    c->score /= wsum;
  }
  /* Pareto in revenue order. */
  if (n > 1)
    qsort(cs, n, sizeof(*cs), by_revenue);
  for (size_t i = 0; i < n; i++) {
    int was_below = cum < PARETO_SHARE * total;
    cs[i].share = 100.0 * (double)cs[i].v[FS_RC_REVENUE] / total;
    cum += (double)cs[i].v[FS_RC_REVENUE];
    cs[i].cum = 100.0 * cum / total;
    cs[i].key = was_below;
    if (was_below) {
      nkey++;
      keyrev += (double)cs[i].v[FS_RC_REVENUE];
    }
  }
  /* Tiers among key accounts in score order. */
  if (n > 1)
    qsort(cs, n, sizeof(*cs), by_score);
  {
    size_t p = 0, nd = (size_t)ceil((double)nkey * TIER_DIAMOND),
           ng = (size_t)ceil((double)nkey * TIER_GOLD);
    for (size_t i = 0; i < n; i++) {
      if (!cs[i].key)
        continue;
      p++;
      cs[i].tier = p <= nd ? 1 : p <= ng ? 2 : 3;
      ntier[cs[i].tier]++;
    }
  }
  s = sec_add(r, "summary", "Key customers (80% of revenue)", rank_summary_cols, 7);
  {
    rcell *row = sec_row(s);
    if (row == NULL) {
      rc = FS_ENOMEM;
      goto out;
    }
    cell_int(&row[0], (int64_t)n);
    cell_int(&row[1], (int64_t)total);
    cell_int(&row[2], (int64_t)nkey);
    cell_num(&row[3], total > 0 ? 100.0 * keyrev / total : 0.0);
    cell_int(&row[4], (int64_t)ntier[1]);
    cell_int(&row[5], (int64_t)ntier[2]);
    cell_int(&row[6], (int64_t)ntier[3]);
  }
  s = sec_add(r, "ranking", "Ranking by weighted score", rank_cols, 17);
  top = r->p->top < 0 ? n : (size_t)(r->p->top ? r->p->top : FS_REPORT_TOP_DEFAULT);
  for (size_t i = 0; i < n && i < top && rc == 0; i++) {
    rcust *c = &cs[i];
    rcell *row = sec_row(s);
    if (row == NULL) {
      rc = FS_ENOMEM;
      break;
    }
    cell_int(&row[0], (int64_t)i + 1);
    rc = cell_text(&row[1], c->archive_no);
    if (rc == 0)
      rc = cell_text(&row[2], c->name);
    if (rc == 0)
      rc = cell_text(&row[3], c->owner);
    cell_int(&row[4], c->v[FS_RC_REVENUE]);
    cell_int(&row[5], c->v[FS_RC_MARGIN]);
    cell_num(&row[6], c->comp[FS_RC_REVENUE]);
    cell_num(&row[7], c->comp[FS_RC_MARGIN]);
    for (int k = FS_RC_GROWTH; k < FS_RC__COUNT; k++)
      cell_int(&row[8 + k - FS_RC_GROWTH], c->v[k]);
    cell_num(&row[12], c->score);
    cell_num(&row[13], c->share);
    cell_num(&row[14], c->cum);
    if (rc == 0)
      rc = cell_text(&row[15], c->key ? "yes" : "no");
    if (rc == 0)
      rc = cell_text(&row[16], fs__tiers[c->tier]);
  }
out:
  sqlite3_finalize(st);
  for (size_t i = 0; i < n; i++) {
    free(cs[i].archive_no);
    free(cs[i].name);
  }
  free(cs);
  return rc;
}

/* ---- showroom ------------------------------------------------------------------------- */

static const rcol sr_summary_cols[] = {
    {"entries", C_INT},       {"customers", C_INT},     {"left_details", C_INT},
    {"details_share", C_PCT}, {"serious", C_INT},       {"serious_share", C_PCT},
    {"ordered", C_INT},       {"conversion", C_PCT}};
static const rcol sr_hour_cols[] = {{"hour", C_TEXT}, {"entries", C_INT}, {"customers", C_INT}};
static const rcol sr_wday_cols[] = {
    {"weekday", C_INT}, {"day", C_TEXT}, {"entries", C_INT}, {"customers", C_INT}};
static const rcol sr_model_cols[] = {
    {"model", C_TEXT},   {"entries", C_INT}, {"customers", C_INT}, {"left_details", C_INT},
    {"serious", C_INT},  {"ordered", C_INT}, {"conversion", C_PCT}};
static const rcol sr_rep_cols[] = {
    {"rep", C_TEXT},     {"entries", C_INT}, {"customers", C_INT}, {"left_details", C_INT},
    {"serious", C_INT},  {"ordered", C_INT}, {"conversion", C_PCT}};

/* The entries of the period with their unique-customer key k. */
#define SR_CTE                                                                           \
  "WITH e AS (SELECT id, CASE WHEN customer_id IS NOT NULL AND customer_id <> ''"      \
  " THEN 'c' || customer_id WHEN trim(coalesce(phone, '')) <> '' THEN 'p' || trim(phone)" \
  " ELSE 'w' || id END AS k, arrived, coalesce(left_details, 0) = 1 AS ld,"             \
  " coalesce(grade IN ('O', 'A', 'B'), 0) AS se, coalesce(ordered, 0) = 1 AS od,"       \
  " coalesce(nullif(trim(model), ''), '(none)') AS model, rep_on_duty AS rep"           \
  " FROM showroom_log WHERE deleted = 0 AND arrived >= :from AND arrived < :to1%s) "

static int slot_counts(rpt *r, const char *own, const char *expr, int64_t *ent, int64_t *cust,
                       int nslots) {
  char sql[8192], cte[6144];
  sqlite3_stmt *st = NULL;
  int rc = 0, src;

  snprintf(cte, sizeof(cte), SR_CTE, own);
  for (int pass = 0; pass < 2 && rc == 0; pass++) {
    /* pass 0: every entry; pass 1: each customer's first arrival. */
    snprintf(sql, sizeof(sql),
             pass == 0 ? "%sSELECT CAST(%s AS INTEGER) AS h, count(*) FROM e GROUP BY h"
                       : "%sSELECT CAST(%s AS INTEGER) AS h, count(*) FROM"
                         " (SELECT min(arrived) AS arrived FROM e GROUP BY k) GROUP BY h",
             cte, expr);
    rc = prep(r, sql, &st);
    if (rc)
      break;
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
      int h = sqlite3_column_int(st, 0);
      if (h >= 0 && h < nslots)
        (pass ? cust : ent)[h] += sqlite3_column_int64(st, 1);
    }
    rc = step_end(r, src);
    sqlite3_finalize(st);
    st = NULL;
  }
  return rc;
}

static int report_showroom(rpt *r) {
  static const char *const wdays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  char own[OWN_MAX], sql[8192], cte[6144];
  int64_t hent[24] = {0}, hcust[24] = {0}, went[7] = {0}, wcust[7] = {0};
  int rc;
  rsec *s;

  owners_sql(r, "rep_on_duty", own, sizeof(own));
  snprintf(cte, sizeof(cte), SR_CTE, own);
  s = sec_add(r, "summary", "Showroom traffic (per unique customer)", sr_summary_cols, 8);
  snprintf(sql, sizeof(sql),
           "%sSELECT coalesce(sum(n), 0), count(*), coalesce(sum(ld), 0),"
           " coalesce(sum(se), 0), coalesce(sum(od), 0) FROM"
           " (SELECT k, count(*) AS n, max(ld) AS ld, max(se) AS se, max(od) AS od"
           "  FROM e GROUP BY k)",
           cte);
  {
    sqlite3_stmt *st = NULL;
    int src;
    rc = prep(r, sql, &st);
    if (rc)
      return rc;
    src = sqlite3_step(st);
    if (src == SQLITE_ROW) {
      rcell *row = sec_row(s);
      int64_t cu = sqlite3_column_int64(st, 1);
      if (row == NULL) {
        sqlite3_finalize(st);
        return FS_ENOMEM;
      }
      cell_int(&row[0], sqlite3_column_int64(st, 0));
      cell_int(&row[1], cu);
      cell_int(&row[2], sqlite3_column_int64(st, 2));
      cell_num(&row[3], pct(sqlite3_column_int64(st, 2), cu));
      cell_int(&row[4], sqlite3_column_int64(st, 3));
      cell_num(&row[5], pct(sqlite3_column_int64(st, 3), cu));
      cell_int(&row[6], sqlite3_column_int64(st, 4));
      cell_num(&row[7], pct(sqlite3_column_int64(st, 4), cu));
    }
    rc = step_end(r, src);
    sqlite3_finalize(st);
    if (rc)
      return rc;
  }
  rc = slot_counts(r, own, "substr(arrived, 12, 2)", hent, hcust, 24);
  if (rc == 0)
    rc = slot_counts(r, own, "strftime('%w', arrived)", went, wcust, 7);
  if (rc)
    return rc;
  s = sec_add(r, "hours", "Arrivals by hour", sr_hour_cols, 3);
  for (int h = 0; h < 24 && rc == 0; h++) {
    char hh[3];
    rcell *row = sec_row(s);
    if (row == NULL)
      return FS_ENOMEM;
    snprintf(hh, sizeof(hh), "%02d", h);
    rc = cell_text(&row[0], hh);
    cell_int(&row[1], hent[h]);
    cell_int(&row[2], hcust[h]);
  }
  s = sec_add(r, "weekdays", "Arrivals by weekday", sr_wday_cols, 4);
  for (int d = 0; d < 7 && rc == 0; d++) {
    rcell *row = sec_row(s);
    if (row == NULL)
      return FS_ENOMEM;
    cell_int(&row[0], d);
    rc = cell_text(&row[1], wdays[d]);
    cell_int(&row[2], went[d]);
    cell_int(&row[3], wcust[d]);
  }
  for (int g = 0; g < 2 && rc == 0; g++) {
    const char *dim = g == 0 ? "model" : "rep";
    s = sec_add(r, g == 0 ? "models" : "reps",
                g == 0 ? "Per model of interest" : "Per rep on duty",
                g == 0 ? sr_model_cols : sr_rep_cols, 7);
    snprintf(sql, sizeof(sql),
             "%sSELECT %s, sum(n), count(*), sum(ld), sum(se), sum(od),"
             " 100.0 * sum(od) / count(*) FROM"
             " (SELECT %s, k, count(*) AS n, max(ld) AS ld, max(se) AS se, max(od) AS od"
             "  FROM e GROUP BY %s, k) GROUP BY %s ORDER BY %s",
             cte, dim, dim, dim, dim, g == 0 ? "count(*) DESC, model" : "rep");
    rc = fill(r, s, sql);
  }
  return rc;
}

/* ---- activity ---------------------------------------------------------------------------- */

static const rcol act_day_cols[] = {
    {"date", C_TEXT},          {"rep", C_TEXT},          {"visits", C_INT}, {"calls", C_INT},
    {"other", C_INT},          {"new_prospects", C_INT}, {"grade_changes", C_INT}};
static const rcol act_rep_cols[] = {
    {"rep", C_TEXT},   {"visits", C_INT},        {"calls", C_INT},
    {"other", C_INT},  {"new_prospects", C_INT}, {"grade_changes", C_INT}};

static int report_activity(rpt *r) {
  char own[OWN_MAX], sql[16384];
  sqlite3_stmt *st = NULL;
  raccs accs = {0};
  int64_t tot[5] = {0};
  int src, rc;
  rsec *s, *sr;

  owners_sql(r, "author", own, sizeof(own));
  snprintf(sql, sizeof(sql),
           "SELECT d, rep, sum(vi), sum(ca), sum(ot), sum(np), sum(gc) FROM ("
           " SELECT substr(at, 1, 10) AS d, author AS rep,"
           "  method IN ('in_person', 'showroom', 'event') AS vi, method = 'phone' AS ca,"
           "  method IN ('letter', 'email') AS ot, 0 AS np, 0 AS gc"
           "  FROM visits WHERE deleted = 0 AND at >= :from AND at < :to1%s"
           " UNION ALL SELECT created, author, 0, 0, 0, 1, 0 FROM customers"
           "  WHERE deleted = 0 AND created >= :from AND created <= :to%s"
           " UNION ALL SELECT date, author, 0, 0, 0, 0, 1 FROM grade_changes"
           "  WHERE deleted = 0 AND date >= :from AND date <= :to%s"
           ") GROUP BY d, rep ORDER BY d, rep",
           own, own, own);
  rc = prep(r, sql, &st);
  if (rc)
    goto out;
  s = sec_add(r, "days", "Activity per rep and day", act_day_cols, 7);
  while ((src = sqlite3_step(st)) == SQLITE_ROW) {
    rcell *row = sec_row(s);
    racc *a = accs_get(&accs, col_text(st, 1));
    if (row == NULL || a == NULL) {
      rc = FS_ENOMEM;
      goto out;
    }
    rc = cell_text(&row[0], col_text(st, 0));
    if (rc == 0)
      rc = cell_text(&row[1], col_text(st, 1));
    if (rc)
      goto out;
    for (int j = 0; j < 5; j++) {
      int64_t v = sqlite3_column_int64(st, 2 + j);
      cell_int(&row[2 + j], v);
      a->n[j] += v;
      tot[j] += v;
    }
  }
  rc = step_end(r, src);
  if (rc)
    goto out;
  accs_sort(&accs);
  sr = sec_add(r, "reps", "Activity per rep in the period", act_rep_cols, 6);
  for (int i = 0; i <= accs.n && rc == 0; i++) {
    rcell *row = sec_row(sr);
    if (row == NULL) {
      rc = FS_ENOMEM;
      break;
    }
    rc = cell_text(&row[0], i < accs.n ? accs.a[i].code : "*");
    for (int j = 0; j < 5; j++)
      cell_int(&row[1 + j], i < accs.n ? accs.a[i].n[j] : tot[j]);
  }
out:
  sqlite3_finalize(st);
  free(accs.a);
  return rc;
}

/* ---- entry points ---------------------------------------------------------------------- */

static int bad_date(rpt *r, const char *opt, const char *v) {
  fs_date_problem pr = fs__civil_parse(v, strlen(v), FS_DATE_ONLY, NULL);
  return fail(r, FS_EINVAL, "%s %s is not a date (%s); use YYYY-MM-DD", opt, v,
              pr == FS_DATE_SYNTAX  ? "not the YYYY-MM-DD form"
              : pr == FS_DATE_YEAR  ? "year outside 1900..2999"
              : pr == FS_DATE_MONTH ? "no such month"
              : pr == FS_DATE_DAY   ? "no such day in that month"
                                    : "bad value");
}

static int period(rpt *r) {
  const fs_report_params *p = r->p;
  char today[11];
  int y, m, d;

  if (p->today)
    snprintf(today, sizeof(today), "%s", p->today);
  else
    fs__today(today);
  if (p->to) {
    if (fs__civil_parse(p->to, strlen(p->to), FS_DATE_ONLY, NULL) != FS_DATE_OK ||
        fs__date_parse(p->to, &r->dto) != 0)
      return bad_date(r, "--to", p->to);
  } else if (fs__date_parse(today, &r->dto) != 0) {
    return bad_date(r, "today", today);
  }
  if (p->from) {
    if (fs__civil_parse(p->from, strlen(p->from), FS_DATE_ONLY, NULL) != FS_DATE_OK ||
        fs__date_parse(p->from, &r->dfrom) != 0)
      return bad_date(r, "--from", p->from);
  } else if (strcmp(p->name, "activity") == 0) {
    r->dfrom = r->dto;
  } else {
    fs__civil_from_days(r->dto, &y, &m, &d);
    r->dfrom = fs__days_from_civil(y, m, 1);
  }
  if (fs__date_format(r->dfrom, r->from) || fs__date_format(r->dto, r->to) ||
      fs__date_format(r->dto + 1, r->to1))
    return fail(r, FS_EINVAL, "period out of range");
  if (r->dfrom > r->dto)
    return fail(r, FS_EINVAL, "--from %s is after --to %s", r->from, r->to);
  return 0;
}

static int check_weights(rpt *r, const fs_report_weights *w) {
  double sum = 0;
  for (int i = 0; i < FS_RC__COUNT; i++) {
    if (!(w->w[i] >= 0) || !isfinite(w->w[i]))
      return fail(r, FS_EINVAL, "weight %s must be a number >= 0", comp_names[i]);
    sum += w->w[i];
  }
  if (!(sum > 0))
    return fail(r, FS_EINVAL, "the weights are all 0");
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

int fs__report_run(sqlite3 *db, const fs_report_params *p, fs_report_format fmt,
                   fs__strbuf *out, char *err) {
  rpt r;
  int rc, began = 0, idx;
  long long mmap_was = -1;

  if (err)
    err[0] = '\0';
  memset(&r, 0, sizeof(r));
  r.err = err;
  r.db = db;
  r.p = p;
  if (db == NULL || p == NULL || out == NULL)
    return fail(&r, FS_EINVAL, "report: missing argument");
  idx = p->name ? fs__enum_index(fs__report_names, p->name) : -1;
  if (idx < 0)
    return fail(&r, FS_EINVAL,
                "unknown report \"%s\" (visits, funnel, lost, ranking, showroom, activity)",
                p->name ? p->name : "");
  if (fmt != FS_REPORT_TABLE && fmt != FS_REPORT_CSV && fmt != FS_REPORT_JSON)
    return fail(&r, FS_EINVAL, "unknown output format");
  if (p->nowners < 0 || p->nowners > FS_REPORT_OWNERS_MAX || (p->nowners && !p->owners))
    return fail(&r, FS_EINVAL, "at most %d staff codes in a filter", FS_REPORT_OWNERS_MAX);
  for (int i = 0; i < p->nowners; i++)
    if (!fs__staff_code_valid(p->owners[i]))
      return fail(&r, FS_EINVAL, "\"%s\" is not a staff code", p->owners[i] ? p->owners[i] : "");
  rc = period(&r);
  if (rc)
    return rc;
  if (p->weights)
    r.w = *p->weights;
  else
    fs__report_weights_default(&r.w);
  rc = check_weights(&r, &r.w);
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
      fail(&r, rc, "cannot read the database: %s", fs_strerror(rc));
      goto out;
    }
    began = 1;
  }
  switch (idx) {
  case 0: rc = report_visits(&r); break;
  case 1: rc = report_funnel(&r); break;
  case 2: rc = report_lost(&r); break;
  case 3: rc = report_ranking(&r); break;
  case 4: rc = report_showroom(&r); break;
  default: rc = report_activity(&r); break;
  }
  if (began)
    fs__db_exec(db, "COMMIT"); /* read only: nothing to lose */
  if (rc == 0 && fmt == FS_REPORT_TABLE) {
    rc = fs__strbuf_printf(out, "%s: %s\nperiod %s .. %s", p->name, summaries[idx], r.from,
                           r.to);
    for (int i = 0; rc == 0 && i < p->nowners; i++)
      rc = fs__strbuf_printf(out, "%s%s", i ? ", " : "; staff ", p->owners[i]);
    if (rc == 0)
      rc = fs__strbuf_append(out, "\n", 1);
    if (rc == 0)
      rc = render_table(&r, out);
  } else if (rc == 0) {
    rc = fmt == FS_REPORT_CSV ? render_csv(&r, out) : render_json(&r, out);
  }
  if (rc == FS_EOVERFLOW)
    fail(&r, rc, "report output exceeds %zu bytes", out->max);
  else if (rc == FS_ENOMEM)
    fail(&r, rc, "out of memory");
out:
  if (mmap_was >= 0 && mmap_was < REPORT_MMAP)
    mmap_set(db, mmap_was);
  secs_release(&r);
  return rc;
}

/* ---- weights ------------------------------------------------------------------------------ */

void fs__report_weights_default(fs_report_weights *w) {
  static const double def[FS_RC__COUNT] = {0.30, 0.20, 0.15, 0.15, 0.10, 0.10};
  memcpy(w->w, def, sizeof(def));
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static int werr(char *err, const char *fmt, ...) {
  va_list ap;
  if (err) {
    va_start(ap, fmt);
    vsnprintf(err, FS_REPORT_ERR_MAX, fmt, ap);
    va_end(ap);
  }
  return FS_EINVAL;
}

int fs__report_weights_parse(const char *text, fs_report_weights *w, char *err) {
  fs_report_weights nw;
  int seen[FS_RC__COUNT] = {0}, line = 0;
  const char *p = text;
  double sum = 0;

  if (err)
    err[0] = '\0';
  if (text == NULL || w == NULL)
    return werr(err, "no weights");
  memset(&nw, 0, sizeof(nw));
  while (*p) {
    char buf[256], *s, *e, *eq, *end;
    size_t n = strcspn(p, "\n");
    int k;
    double v;

    line++;
    if (n >= sizeof(buf))
      return werr(err, "line %d: too long", line);
    memcpy(buf, p, n);
    buf[n] = '\0';
    p += n + (p[n] == '\n');
    if ((s = strchr(buf, '#')) != NULL)
      *s = '\0';
    for (s = buf; isspace((unsigned char)*s); s++)
      ;
    for (e = s + strlen(s); e > s && isspace((unsigned char)e[-1]); e--)
      ;
    *e = '\0';
    if (*s == '\0')
      continue;
    eq = strchr(s, '=');
    if (eq == NULL)
      return werr(err, "line %d: expected `name = number`", line);
    for (e = eq; e > s && isspace((unsigned char)e[-1]); e--)
      ;
    *e = '\0';
    k = fs__enum_index(comp_names, s) ;
    if (k < 0 || k >= FS_RC__COUNT)
      return werr(err, "line %d: unknown weight \"%s\" (revenue, margin, growth, payment, "
                       "credit, strategic)", line, s);
    if (seen[k])
      return werr(err, "line %d: %s given twice", line, s);
    seen[k] = 1;
    for (s = eq + 1; isspace((unsigned char)*s); s++)
      ;
    errno = 0;
    v = strtod(s, &end);
    if (end == s || *end != '\0' || errno != 0 || !isfinite(v) || v < 0)
      return werr(err, "line %d: %s wants a number >= 0, not \"%s\"", line, comp_names[k], s);
    nw.w[k] = v;
    sum += v;
  }
  if (!(sum > 0))
    return werr(err, "the weights are all 0");
  *w = nw;
  return 0;
}

int fs__report_weights_load(const char *path, fs_report_weights *w, char *err) {
  FILE *f = NULL;
  char *text = NULL;
  size_t n;
  int rc = 0;

  if (err)
    err[0] = '\0';
  if (path == NULL)
    return werr(err, "no weights file");
  f = fopen(path, "rb");
  if (f == NULL) {
    if (err)
      snprintf(err, FS_REPORT_ERR_MAX, "%s: %s", path, strerror(errno));
    return FS_EIO;
  }
  text = malloc(FS_REPORT_WEIGHTS_FILE_MAX + 1);
  if (text == NULL) {
    rc = FS_ENOMEM;
    goto out;
  }
  n = fread(text, 1, FS_REPORT_WEIGHTS_FILE_MAX + 1, f);
  if (ferror(f)) {
    if (err)
      snprintf(err, FS_REPORT_ERR_MAX, "%s: read error", path);
    rc = FS_EIO;
    goto out;
  }
  if (n > FS_REPORT_WEIGHTS_FILE_MAX) {
    rc = werr(err, "%s: larger than %d bytes", path, FS_REPORT_WEIGHTS_FILE_MAX);
    goto out;
  }
  text[n] = '\0';
  rc = fs__report_weights_parse(text, w, err);
  if (rc && err) {
    char tmp[FS_REPORT_ERR_MAX];
    snprintf(tmp, sizeof(tmp), "%s: %s", path, err);
    memcpy(err, tmp, sizeof(tmp));
  }
out:
  free(text);
  if (f)
    fclose(f);
  return rc;
}

/* ---- teams and the command line ------------------------------------------------------------ */

int fs__report_team(sqlite3 *db, const char *manager, char (*codes)[17], int max, int *n,
                    char *err) {
  sqlite3_stmt *st = NULL;
  int rc, src, found = 0;

  if (err)
    err[0] = '\0';
  if (db == NULL || manager == NULL || codes == NULL || n == NULL)
    return FS_EINVAL;
  rc = sqlite3_prepare_v2(db,
                          "SELECT code, code = ?1 FROM staff WHERE code = ?1 OR manager = ?1"
                          " ORDER BY code",
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

int fs__report_parse_args(int argc, char **argv, fs_report_args *a, char *err) {
  memset(a, 0, sizeof(*a));
  if (err)
    err[0] = '\0';
  for (int i = 0; i < argc; i++) {
    const char *o = argv[i];
    const char **dst = NULL;
    if (strcmp(o, "--csv") == 0) {
      a->csv = 1;
      continue;
    }
    if (strncmp(o, "--", 2) != 0) {
      if (a->name) {
        if (err)
          snprintf(err, FS_REPORT_ERR_MAX, "unexpected argument %s", o);
        return FS_EUSAGE;
      }
      a->name = o;
      continue;
    }
    if (i + 1 >= argc) {
      if (err)
        snprintf(err, FS_REPORT_ERR_MAX, "missing value for %s", o);
      return FS_EUSAGE;
    }
    if (strcmp(o, "--from") == 0)
      dst = &a->from;
    else if (strcmp(o, "--to") == 0)
      dst = &a->to;
    else if (strcmp(o, "--team") == 0)
      dst = &a->team;
    else if (strcmp(o, "--weights") == 0)
      dst = &a->weights;
    if (dst) {
      *dst = argv[++i];
    } else if (strcmp(o, "--rep") == 0) {
      if (a->nreps >= FS_REPORT_OWNERS_MAX) {
        if (err)
          snprintf(err, FS_REPORT_ERR_MAX, "at most %d --rep", FS_REPORT_OWNERS_MAX);
        return FS_EUSAGE;
      }
      a->reps[a->nreps++] = argv[++i];
    } else if (strcmp(o, "--top") == 0) {
      char *end;
      long v;
      errno = 0;
      v = strtol(argv[++i], &end, 10);
      if (*argv[i] == '\0' || *end || errno || v < 0 || v > 100000000) {
        if (err)
          snprintf(err, FS_REPORT_ERR_MAX, "--top wants a count (0 = all), not %s", argv[i]);
        return FS_EUSAGE;
      }
      a->top = v == 0 ? -1 : (int)v;
    } else {
      if (err)
        snprintf(err, FS_REPORT_ERR_MAX, "unknown option %s", o);
      return FS_EUSAGE;
    }
  }
  if (a->name == NULL) {
    if (err)
      snprintf(err, FS_REPORT_ERR_MAX, "which report? visits, funnel, lost, ranking, showroom "
                                       "or activity");
    return FS_EUSAGE;
  }
  return 0;
}

#define REPORT_OUT_MAX ((size_t)256 << 20)

int fs__report_main(sqlite3 *db, const char *prog, int json, int csv, int argc, char **argv) {
  fs_report_args a;
  fs_report_params p;
  fs_report_weights w;
  fs__strbuf out;
  char err[FS_REPORT_ERR_MAX], (*codes)[17] = NULL;
  const char **owners = NULL;
  int n = 0, rc;

  fs__strbuf_init(&out, REPORT_OUT_MAX);
  rc = fs__report_parse_args(argc, argv, &a, err);
  if (rc) {
    fprintf(stderr, "%s report: %s\nusage: %s " FS_REPORT_USAGE "\n", prog, err, prog);
    return 2;
  }
  a.csv |= csv;
  if (a.csv && json) {
    fprintf(stderr, "%s report: --csv and --json exclude each other\n", prog);
    return 2;
  }
  codes = calloc(FS_REPORT_OWNERS_MAX, sizeof(*codes));
  owners = calloc(FS_REPORT_OWNERS_MAX, sizeof(*owners));
  if (codes == NULL || owners == NULL) {
    rc = FS_ENOMEM;
    snprintf(err, sizeof(err), "out of memory");
    goto out;
  }
  for (int i = 0; i < a.nreps; i++)
    snprintf(codes[n++], 17, "%s", a.reps[i]);
  if (a.team) {
    rc = fs__report_team(db, a.team, codes, FS_REPORT_OWNERS_MAX, &n, err);
    if (rc)
      goto out;
  }
  for (int i = 0; i < n; i++)
    owners[i] = codes[i];
  memset(&p, 0, sizeof(p));
  p.name = a.name;
  p.from = a.from;
  p.to = a.to;
  p.owners = owners;
  p.nowners = n;
  p.top = a.top;
  if (a.weights) {
    rc = fs__report_weights_load(a.weights, &w, err);
    if (rc)
      goto out;
    p.weights = &w;
  }
  rc = fs__report_run(db, &p, json ? FS_REPORT_JSON : a.csv ? FS_REPORT_CSV : FS_REPORT_TABLE,
                      &out, err);
  if (rc == 0 && out.len)
    fwrite(out.s, 1, out.len, stdout);
out:
  if (rc)
    fprintf(stderr, "%s report: %s\n", prog, err[0] ? err : fs_strerror(rc));
  free(codes);
  free(owners);
  fs__strbuf_release(&out);
  return rc == 0 ? 0 : rc == FS_EINVAL ? 2 : 1;
}
