/* grades.c - a card's grade on any day, replayed from its grade changes
 * (report_int.h "grade history"). */
#include "report_int.h"

#include <stdlib.h>

#include "date.h"
#include "fs_errno.h"

int fs__rpt_gline_at(const gline *l, int64_t day) {
  int i = l->n;
  if (day >= l->gone)
    return LOST_G; /* deleted: no cadence from then on */
  while (i > 0 && l->ch[i - 1].day > day)
    i--;
  if (l->n == 0 || i == l->n)
    return l->card;
  if (i == 0)
    return l->ch[0].prev >= 0 ? l->ch[0].prev : l->ch[0].g;
  return l->ch[i - 1].g;
}

void fs__rpt_gline_of(const fcusts *cs, size_t i, const gchg *gc, size_t ngc, size_t *k,
                      gline *l) {
  const fcust *fc = &cs->a[i];

  while (*k < ngc && gc[*k].c < i)
    (*k)++;
  l->ch = gc + *k;
  l->n = 0;
  for (; *k < ngc && gc[*k].c == i; (*k)++)
    l->n++;
  l->card = fc->g;
  l->gone = fc->gone == INT64_MAX ? NO_DAY : fc->gone;
  if (fc->g < 0)
    l->card = l->n ? l->ch[l->n - 1].g : LOST_G;
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

int fs__rpt_changes_load(rpt *r, const fcusts *cs, gchg **out, size_t *nout) {
  sqlite3_stmt *st = NULL;
  gchg *a = NULL;
  size_t n = 0, cap = 0;
  int src, rc;

  rc = fs__rpt_prep(r,
                    "SELECT customer_id, date, grade, prev_grade, hlc FROM grade_changes"
                    " WHERE deleted = 0 AND date IS NOT NULL",
                    &st);
  if (rc)
    return rc;
  while ((src = sqlite3_step(st)) == SQLITE_ROW) {
    fcust *c = fs__rpt_custs_find(cs, col_text(st, 0));
    int g = grade_idx(col_text(st, 2));
    int64_t day;
    if (c == NULL || g < 0 || fs__date_parse(col_text(st, 1), &day) != 0)
      continue;
    rc = fs__rpt_grow(&a, &cap, n, sizeof(*a), 1024);
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
  rc = fs__rpt_step_end(r, src);
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
