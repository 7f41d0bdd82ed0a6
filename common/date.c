/* date.c - civil calendar arithmetic (see date.h). */
#include "date.h"

#include <stdio.h>
#include <time.h>

#include "fs_errno.h"
#include "hlc.h"

int fs__is_leap(int y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int fs__days_in_month(int y, int m) {
  static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

  if (m < 1 || m > 12)
    return 0;
  return m == 2 && fs__is_leap(y) ? 29 : dim[m - 1];
}

/* Howard Hinnant's days_from_civil / civil_from_days: exact for every
 * proleptic Gregorian date, no tables, no floating point. */
int64_t fs__days_from_civil(int y, int m, int d) {
  int64_t yy = (int64_t)y - (m <= 2);
  int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
  int64_t yoe = yy - era * 400;                                  /* 0..399 */
  int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1; /* 0..365 */
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;           /* 0..146096 */
  return era * 146097 + doe - 719468;
}

void fs__civil_from_days(int64_t days, int *y, int *m, int *d) {
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t dd = doy - (153 * mp + 2) / 5 + 1;
  int64_t mm = mp < 10 ? mp + 3 : mp - 9;

  *y = (int)(yoe + era * 400 + (mm <= 2));
  *m = (int)mm;
  *d = (int)dd;
}

/* n decimal digits at s into *v; 0 if any is not a digit. */
static int digits(const char *s, int n, int *v) {
  int x = 0;

  for (int i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9')
      return 0;
    x = x * 10 + (s[i] - '0');
  }
  *v = x;
  return 1;
}

fs_date_problem fs__civil_parse(const char *s, size_t len, int want, fs_civil *out) {
  fs_civil c = {0, 0, 0, 0, 0, 0, 0};

  if (s == NULL)
    return FS_DATE_SYNTAX;
  /* Shape first: lengths 10, 16 and 19 only, separators where expected. */
  if (len == 10) {
    if (!(want & FS_DATE_ONLY))
      return FS_DATE_SYNTAX;
  } else if (len == 16 || len == 19) {
    if (!(want & FS_DATETIME_ONLY) || (s[10] != 'T' && s[10] != ' ') || s[13] != ':' ||
        (len == 19 && s[16] != ':'))
      return FS_DATE_SYNTAX;
    c.has_time = 1;
  } else {
    return FS_DATE_SYNTAX;
  }
  if (!digits(s, 4, &c.y) || s[4] != '-' || !digits(s + 5, 2, &c.m) || s[7] != '-' ||
      !digits(s + 8, 2, &c.d))
    return FS_DATE_SYNTAX;
  if (c.has_time && (!digits(s + 11, 2, &c.hh) || !digits(s + 14, 2, &c.mi) ||
                     (len == 19 && !digits(s + 17, 2, &c.ss))))
    return FS_DATE_SYNTAX;
  /* Then the calendar. */
  if (c.y < FS_DATE_YEAR_MIN || c.y > FS_DATE_YEAR_MAX)
    return FS_DATE_YEAR;
  if (c.m < 1 || c.m > 12)
    return FS_DATE_MONTH;
  if (c.d < 1 || c.d > fs__days_in_month(c.y, c.m))
    return FS_DATE_DAY;
  if (c.hh > 23 || c.mi > 59 || c.ss > 59)
    return FS_DATE_TIME;
  if (out)
    *out = c;
  return FS_DATE_OK;
}

static size_t bounded_len(const char *s, size_t max) {
  size_t n = 0;

  while (n <= max && s[n])
    n++;
  return n;
}

int fs__date_parse(const char *s, int64_t *days) {
  fs_civil c;

  if (s == NULL ||
      fs__civil_parse(s, bounded_len(s, 19), FS_DATE_EITHER, &c) != FS_DATE_OK)
    return FS_EVALIDATE;
  if (days)
    *days = fs__days_from_civil(c.y, c.m, c.d);
  return 0;
}

int fs__datetime_parse(const char *s, int64_t *secs) {
  fs_civil c;

  if (s == NULL ||
      fs__civil_parse(s, bounded_len(s, 19), FS_DATE_EITHER, &c) != FS_DATE_OK)
    return FS_EVALIDATE;
  if (secs)
    *secs = fs__days_from_civil(c.y, c.m, c.d) * 86400 + c.hh * 3600 + c.mi * 60 + c.ss;
  return 0;
}

/* width decimal digits of v (v < 10^width) at p; snprintf cannot prove to
 * the compiler that the text fits, plain digits can. */
static void put_digits(char *p, int v, int width) {
  for (int i = width - 1; i >= 0; i--) {
    p[i] = (char)('0' + v % 10);
    v /= 10;
  }
}

int fs__date_format(int64_t days, char out[11]) {
  int y, m, d;

  /* Outside 0000-01-01..9999-12-31 the text would not be 10 chars. */
  if (days < -719528 || days > 2932896) {
    out[0] = '\0';
    return FS_EOVERFLOW;
  }
  fs__civil_from_days(days, &y, &m, &d);
  put_digits(out, y, 4);
  out[4] = '-';
  put_digits(out + 5, m, 2);
  out[7] = '-';
  put_digits(out + 8, d, 2);
  out[10] = '\0';
  return 0;
}

int fs__datetime_format(int64_t secs, char out[20]) {
  int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
  int rem = (int)(secs - days * 86400); /* 0..86399 */

  if (fs__date_format(days, out) != 0)
    return FS_EOVERFLOW;
  out[10] = 'T';
  put_digits(out + 11, rem / 3600, 2);
  out[13] = ':';
  put_digits(out + 14, rem / 60 % 60, 2);
  out[16] = ':';
  put_digits(out + 17, rem % 60, 2);
  out[19] = '\0';
  return 0;
}

int64_t fs__date_add_months(int64_t days, int n) {
  int y, m, d, dim;
  int64_t idx;

  fs__civil_from_days(days, &y, &m, &d);
  idx = (int64_t)y * 12 + (m - 1) + n; /* months since year 0 */
  y = (int)(idx >= 0 ? idx / 12 : -((-idx + 11) / 12));
  m = (int)(idx - (int64_t)y * 12) + 1;
  dim = fs__days_in_month(y, m);
  return fs__days_from_civil(y, m, d > dim ? dim : d);
}

int fs__date_months_between(int64_t a, int64_t b) {
  int ya, ma, da, yb, mb, db, n;

  if (b < a)
    return -fs__date_months_between(b, a);
  fs__civil_from_days(a, &ya, &ma, &da);
  fs__civil_from_days(b, &yb, &mb, &db);
  n = (yb - ya) * 12 + (mb - ma);
  /* n is at most one too many (the day of month not reached yet). */
  if (n > 0 && fs__date_add_months(a, n) > b)
    n--;
  return n;
}

/* ---- today ---------------------------------------------------------------- */

static fs_clock_ms_fn today_clock;

void fs__today_set_clock(fs_clock_ms_fn fn) { today_clock = fn; }

int fs__day_of_ms(int64_t ms, char out[11]) {
  /* Floor division: an instant before the epoch is in the second before. */
  time_t t = (time_t)(ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000));
  struct tm tm;

  if (localtime_r(&t, &tm) == NULL || strftime(out, 11, "%Y-%m-%d", &tm) != 10) {
    snprintf(out, 11, "1970-01-01");
    return FS_EOVERFLOW;
  }
  return 0;
}

void fs__today(char out[11]) {
  uint64_t now = today_clock ? today_clock() : fs__now_ms();
  (void)fs__day_of_ms((int64_t)now, out);
}
