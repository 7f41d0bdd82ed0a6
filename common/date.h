/* date.h - civil calendar arithmetic for the date fields of the model.
 *
 * Dates are proleptic Gregorian, with no time zone: a DATE field is a day
 * on the rep's calendar and a DATETIME the wall-clock time written on the
 * form.  Day numbers count days since 1970-01-01 (negative before), seconds
 * count seconds since 1970-01-01T00:00:00 of that same naive calendar.
 *
 * Text forms (the only ones the model accepts, see validate.h):
 *   date      "YYYY-MM-DD"
 *   datetime  "YYYY-MM-DDTHH:MM" or "YYYY-MM-DDTHH:MM:SS" (' ' for 'T' too)
 * Years 1900..2999; seconds 00..59 (no leap seconds).
 */
#ifndef FS_DATE_H
#define FS_DATE_H

#include <stddef.h>
#include <stdint.h>

#define FS_DATE_YEAR_MIN 1900
#define FS_DATE_YEAR_MAX 2999

/* Why a text is not a date; FS_DATE_OK (0) if it is. */
typedef enum fs_date_problem {
  FS_DATE_OK = 0,
  FS_DATE_SYNTAX, /* not the YYYY-MM-DD[THH:MM[:SS]] shape */
  FS_DATE_YEAR,   /* year outside 1900..2999 */
  FS_DATE_MONTH,  /* month not 01..12 */
  FS_DATE_DAY,    /* day 00 or past the month's end (leap years counted) */
  FS_DATE_TIME    /* hour > 23, minute or second > 59 */
} fs_date_problem;

typedef struct fs_civil {
  int y, m, d;    /* 1900..2999, 1..12, 1..31 */
  int hh, mi, ss; /* 0 for a plain date */
  int has_time;   /* 1 if the text had a time part */
} fs_civil;

/* What the text may be. */
#define FS_DATE_ONLY 1
#define FS_DATETIME_ONLY 2
#define FS_DATE_EITHER 3

/* Parses len bytes of s (NUL not needed) as one of the forms allowed by
 * `want`; fills *out (may be NULL) on success.  s NULL: FS_DATE_SYNTAX. */
fs_date_problem fs__civil_parse(const char *s, size_t len, int want, fs_civil *out);

int fs__is_leap(int y);
/* 28..31, or 0 if m is not 1..12. */
int fs__days_in_month(int y, int m);
/* Day number of y-m-d (m 1..12, d 1..31; not range checked). */
int64_t fs__days_from_civil(int y, int m, int d);
void fs__civil_from_days(int64_t days, int *y, int *m, int *d);

/* Date text (or the date part of a datetime text, FS_DATE_EITHER) to a day
 * number: 0 or FS_EVALIDATE. */
int fs__date_parse(const char *s, int64_t *days);
/* Datetime text (a plain date means its midnight) to seconds: 0 or
 * FS_EVALIDATE. */
int fs__datetime_parse(const char *s, int64_t *secs);
/* "YYYY-MM-DD" into out: 0, or FS_EOVERFLOW (out = "") if the year is
 * outside 0..9999. */
int fs__date_format(int64_t days, char out[11]);
/* "YYYY-MM-DDTHH:MM:SS" into out: 0 or FS_EOVERFLOW (out = ""). */
int fs__datetime_format(int64_t secs, char out[20]);

/* The same day n months later (n may be negative), clamped to the end of a
 * shorter month: 2026-01-31 + 1 month = 2026-02-28, 2024-01-31 -> 2024-02-29. */
int64_t fs__date_add_months(int64_t days, int n);
/* Whole months from a to b: the largest m with add_months(a, m) <= b when
 * b >= a (2026-01-10 -> 2026-04-09 is 2, -> 2026-04-10 is 3); for b < a it
 * is minus the months from b to a. */
int fs__date_months_between(int64_t a, int64_t b);

/* ---- today: the one rule -------------------------------------------------
 *
 * A date (a DATE field, a cover's days, "today") is a calendar day in the
 * local time zone of the process that reads the clock (TZ; the system's
 * zone if TZ is unset):
 *   - on a device, the rep's local calendar day: the defaults a form fills
 *     in (created, grade date, review date), the archive year, the agenda's
 *     and cadence's "today", report defaults;
 *   - in the daemon, the local day of fieldsyncd's zone, which the operator
 *     sets to the office's (TZ=Asia/Shanghai in its service file): cover
 *     days, the cover/loan sweep, the handover report's "due" counts, the
 *     seed's end day.
 * A date stored in a record is a naive calendar day and is never converted:
 * the daemon stores and compares a device's dates as text and never shifts
 * them by its own zone.  Instants (ms since the epoch, HLCs, audit `at`)
 * are UTC and are shown as UTC.  Every "today" and "day of an instant" in
 * the code comes from these two calls. */

/* Clock for fs__today: ms since the epoch. */
typedef uint64_t (*fs_clock_ms_fn)(void);

/* The local calendar day of instant ms (ms since the epoch, UTC) as
 * "YYYY-MM-DD": 0, or FS_EOVERFLOW (out = "1970-01-01") if the system
 * cannot convert it. */
int fs__day_of_ms(int64_t ms, char out[11]);
/* Today's local calendar day: fs__day_of_ms of the clock (fs__now_ms). */
void fs__today(char out[11]);
/* TEST ONLY: the clock fs__today reads (NULL: fs__now_ms).  Not
 * thread-safe: set it before the code under test runs. */
void fs__today_set_clock(fs_clock_ms_fn fn);

#endif
