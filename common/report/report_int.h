/* report_int.h - what the report files share (common/report/): the run
 * state, typed sections (table.h tables), the SQL helpers, per-rep
 * counters and the customers held in memory.  Internal to the report
 * module; the contract is report.h.
 *
 * One file per report computes its sections (visits.c, funnel.c, lost.c,
 * ranking.c, showroom.c, activity.c); run.c checks the parameters, opens
 * the snapshot and renders; weights.c and request.c hold the ranking
 * weights and the options both command lines share. */
#ifndef FS_REPORT_INT_H
#define FS_REPORT_INT_H

#include <sqlite3.h>
#include <stdint.h>

#include "cadence.h"
#include "id.h"
#include "model.h"
#include "report.h"
#include "table.h"

/* Open grades in report order; "lost" is last in fs__grades. */
#define NGRADES 6
#define NSTAGES 5

/* A section: a named, titled typed table. */
typedef struct rsec {
  const char *name, *title;
  const fs_col *cols;
  int ncols;
  fs_table *t;
} rsec;

#define MAX_SECS 8

/* The staff rows (code, role, manager) the teams are made of: the staff
 * table on the central store.  A replica has no staff rows: there the
 * holder (meta "staff", its meta "role") stands for itself, and on a
 * manager's replica every other owner of a card it holds is one of the
 * manager's staff, since the daemon lets a manager pull exactly the team's
 * records (and a cover's or loan's while it lasts: those owners count in
 * the team here, under their own manager on the central store). */
#define FS_RPT_STAFF_SQL                                                                \
  "SELECT code, role, manager FROM staff UNION ALL"                                     \
  " SELECT o.code, CASE WHEN o.code = me.value THEN coalesce(ro.value, 'rep')"          \
  "  ELSE 'rep' END, CASE WHEN o.code <> me.value AND ro.value = 'manager'"            \
  "  THEN me.value END"                                                                 \
  " FROM meta me LEFT JOIN meta ro ON ro.key = 'role',"                                 \
  "  (SELECT value AS code FROM meta WHERE key = 'staff'"                               \
  "   UNION SELECT owner FROM customers WHERE owner IS NOT NULL AND owner <> '') o"     \
  " WHERE me.key = 'staff' AND NOT EXISTS (SELECT 1 FROM staff)"

typedef struct rpt {
  sqlite3 *db;
  const fs_report_params *p;
  char *err;
  char from[11], to[11], to1[11]; /* to1 = to + 1 day, exclusive bound */
  int64_t dfrom, dto;
  int from_set, to_set; /* --from, --to given (else their defaults) */
  /* funnel --as-of: the month's last day and the day after ("" if none) */
  char asof[11], asof1[11];
  int64_t dasof;
  fs_report_scoring sc; /* ranking: weights and tier cut-offs */
  fs_cadence_methods methods; /* which visit methods are a contact, per grade */
  int convert_days;           /* showroom: the conversion window (resolved) */
  rsec secs[MAX_SECS];
  int nsecs;
  int sec_failed; /* a fs__rpt_sec failed */
} rpt;

/* Sets r's message (the first one wins) and returns rc. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
int fs__rpt_fail(rpt *r, int rc, const char *fmt, ...);

/* Writes a message into err (may be NULL; FS_REPORT_ERR_MAX bytes) and
 * returns rc: the errors of the calls that report into a caller's buffer. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
int fs__rpt_errf(char *err, int rc, const char *fmt, ...);

/* ---- sections ---- */

/* Appends a section of ncols columns; NULL if out of memory (then
 * fs__rpt_row on it fails with FS_ENOMEM, and so does the rendering). */
/* Ranks for dropping s's columns on a narrow terminal (table.h
 * fs__table_set_drop; ncols of them), instead of fs__rpt_sec's default
 * (the last column first).  Takes s NULL. */
void fs__rpt_drop(rsec *s, const int *ranks);
rsec *fs__rpt_sec(rpt *r, const char *name, const char *title, const fs_col *cols,
                  int ncols);
/* Starts a row of unset cells in s: s, or NULL if out of memory. */
rsec *fs__rpt_row(rsec *s);
/* Cell col of s's last row.  text: 0 or FS_ENOMEM (NULL stays unset). */
int fs__rpt_text(rsec *s, int col, const char *v);
void fs__rpt_int(rsec *s, int col, int64_t v);
void fs__rpt_num(rsec *s, int col, double v);
void fs__rpt_release(rpt *r);

static inline double pct(int64_t part, int64_t whole) {
  return whole > 0 ? 100.0 * (double)part / (double)whole : 0.0;
}

/* ---- SQL ---- */

/* " AND l.author IN (" + FS_REPORT_OWNERS_MAX x "?NNN," fits. */
#define OWN_MAX 2048

/* " AND col IN (?101,...)" for the owner filter, or "". */
void fs__rpt_owners(const rpt *r, const char *col, char *buf, size_t len);
/* Prepares sql and binds :from, :to, :to1, :asof, :asof1 (funnel --as-of)
 * and the owners where used.
 * 0 or a translated error (r's message set). */
int fs__rpt_prep(rpt *r, const char *sql, sqlite3_stmt **st);
/* After a loop of sqlite3_step: 0 for DONE, else the translated error. */
int fs__rpt_step_end(rpt *r, int src);
/* Runs sql and appends each row to s: text columns as text, INT as
 * integers, others as numbers; SQL NULL stays unset. */
int fs__rpt_fill(rpt *r, rsec *s, const char *sql);

static inline const char *col_text(sqlite3_stmt *st, int i) {
  return (const char *)sqlite3_column_text(st, i);
}

static inline int grade_idx(const char *g) {
  return fs__enum_index(fs__grades, g);
}

/* Makes room for one more element in a growing array *a of *cap elements
 * of size elem holding n: doubles it (first `initial`).  0 or FS_ENOMEM
 * (the array is left as it was). */
int fs__rpt_grow(void *a, size_t *cap, size_t n, size_t elem, size_t initial);

/* ---- per-rep accumulators ---- */

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

/* The counters of code (NULL: ""), added zeroed if new; NULL if out of
 * memory. */
racc *fs__rpt_acc(raccs *s, const char *code);
int fs__rpt_acc_cmp(const void *a, const void *b); /* by code */
void fs__rpt_accs_sort(raccs *s);

/* ---- customers in memory ----
 * visits and funnel read the big child tables in one sequential scan each
 * and find the customer by hash, instead of one index lookup per customer:
 * 100,000 random B-tree probes into 1,000,000 visits cost seconds, a scan
 * a fraction of one. */

typedef struct fcust {
  char id[FS_ID_HEX + 1];
  char owner[FS_STAFF_MAX + 1];
  char delivery[11];
  int g;           /* grade index; -1 for a deleted card (tombs) */
  int64_t gone;    /* visits: the day a deleted card was deleted, else INT64_MAX */
  int64_t anchor;  /* visits: created day, or INT64_MIN if unknown */
  char before[11]; /* visits: last contact day before --from, or "" */
  int ostage;      /* funnel: most advanced open opportunity stage, 0 none */
  int vstage;      /* funnel: stage of the latest visit recording one */
  char vat[20];    /* funnel: that visit's time */
} fcust;

typedef struct fcusts {
  fcust *a;
  size_t n, cap;
  uint32_t *slot; /* open-addressing index: 1 + position in a, 0 empty */
  size_t mask;    /* slots - 1 (a power of two, at least 2n) */
} fcusts;

/* Loads the non-deleted cards with a grade matching `where` and the owner
 * filter, sorted by id, and indexes them; with tombs, also the deleted
 * cards of the owner filter (g = -1, gone = the local day of the delete),
 * so that what was missed before a delete still counts (visits). */
int fs__rpt_custs_load(rpt *r, const char *where, int tombs, fcusts *cs);
fcust *fs__rpt_custs_find(const fcusts *cs, const char *id); /* NULL: not loaded */
void fs__rpt_custs_release(fcusts *cs);

/* ---- grade history (grades.c) ----
 * A card's grade on any day, replayed from its grade changes: visits (the
 * cadence walk), funnel --as-of (the month-end stock-take) and the
 * activity plan's visits per grade read it the same way. */

#define LOST_G (NGRADES - 1) /* "lost": last of fs__grades */
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
  int card;     /* current grade index of the card */
  int64_t gone; /* a deleted card: the day of the delete (lost from then on) */
} gline;

/* The grade index on day (LOST_G from a deleted card's delete on). */
int fs__rpt_gline_at(const gline *l, int64_t day);
/* The dated grade changes of the cards loaded in cs, sorted by (customer,
 * day, hlc, load order) into *out (malloc'd, *nout of them). */
int fs__rpt_changes_load(rpt *r, const fcusts *cs, gchg **out, size_t *nout);
/* The line of card i of cs from the sorted changes gc (ngc of them),
 * *k the first change not yet consumed (walk the cards in order): a
 * deleted card keeps the grade of its last change until the delete (with
 * no history: lost). */
void fs__rpt_gline_of(const fcusts *cs, size_t i, const gchg *gc, size_t ngc, size_t *k,
                      gline *l);

/* ---- the reports (one file each) and the weights ---- */

int fs__rpt_visits(rpt *r);
int fs__rpt_funnel(rpt *r);
int fs__rpt_lost(rpt *r);
int fs__rpt_ranking(rpt *r);
int fs__rpt_showroom(rpt *r);
int fs__rpt_activity(rpt *r);
int fs__rpt_signoff(rpt *r);
/* activity's section "plan" (plan.c). */
int fs__rpt_plan(rpt *r);
int fs__rpt_cards(rpt *r);
int fs__rpt_key_visits(rpt *r);
/* 0, or FS_EINVAL with r's message: a weight negative or not finite, or
 * all 0. */
int fs__rpt_weights_check(rpt *r, const fs_report_weights *w);

#endif
