/* cadence.h - the visit cadence rules of the domain (domain.md, "Prospect
 * grades and visit cadence"), shared by the client's agenda and the visits
 * report on the daemon, so both count "overdue" the same way.
 *
 * Dates are model DATE texts "YYYY-MM-DD"; where a contact time is read, a
 * DATETIME text is accepted too and its date part is used.  All functions
 * return 0 (or a day count, where stated) or FS_EINVAL for an unknown grade
 * or a text that is not a date; they never allocate.
 *
 * Contact at least every (days):
 *
 *   grade       O   A   B   C   delivered               lost
 *   cadence     7   2   7   14  14 up to delivery+3mo,  none
 *                               90 after
 *
 * "Up to delivery + 3 months" is calendar months, inclusive, clamped at the
 * month end: delivered 2026-01-10 -> 14 days until 2026-04-10, 90 days from
 * 2026-04-11; delivered 2025-11-30 -> 14 days until 2026-02-28.
 */
#ifndef FS_CADENCE_H
#define FS_CADENCE_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#define FS_CADENCE_NONE 0              /* lost: no cadence */
#define FS_CADENCE_DELIVERED_MONTHS 3  /* the after-sale window */
#define FS_CADENCE_CALLBACK_HOURS 24   /* showroom visitor who left details */
#define FS_CADENCE_KEY_FOLLOWUP_DAYS 7 /* after a key-account visit */

/* Days between contacts for a prospect of `grade` (one of fs__grades) on
 * on_date.  delivery_date is read only for "delivered"; NULL or "" there
 * means unknown and counts as long past (90 days).  on_date is read only
 * for "delivered" (may be NULL otherwise).  Returns 2..90, FS_CADENCE_NONE
 * for "lost", or FS_EINVAL. */
int fs__cadence_days(const char *grade, const char *delivery_date, const char *on_date);

/* The clock: the day from which the next contact is counted, the later of
 * the last contact and the last grade change.  A re-rating restarts the
 * clock (the rep judged the prospect afresh that day; a hot prospect is
 * due two days after it became hot, not two days after a contact made
 * while it was cold), but it is not a contact: a deadline that falls
 * before a re-rating is neither met nor missed by it (report.h, visits).
 * Compares the date parts of two DATE or DATETIME texts; either may be
 * NULL or "" and then the other is returned (NULL if both are).  Returns
 * one of its arguments, never allocates. */
const char *fs__cadence_clock(const char *last_contact, const char *graded);

/* When the next contact is due and how late it is on on_date.
 *   last_contact: the last contact (a visit's date or date-time); callers
 *                 with no contact yet pass the card's grade or open date.
 *   due_date:     receives the last day on which a contact is still on
 *                 time; "" for "lost" (no cadence).
 *   overdue_days: (may be NULL) receives on_date - due_date if positive,
 *                 else 0; 0 for "lost".  on_date may be NULL if overdue_days
 *                 is NULL.
 * The rule in force is the one of the day being judged, so for "delivered"
 * the due date is last + 14 while that day is still inside the window, and
 * last + 90 otherwise: delivered 2026-01-10, last contact 2026-04-01 ->
 * 14-day target 2026-04-15 lies after the window (2026-04-10), so due
 * 2026-06-30. */
int fs__cadence_due(const char *grade, const char *delivery_date,
                    const char *last_contact, const char *on_date, char due_date[11],
                    int *overdue_days);

/* The 24-hour call-back rule: a showroom visitor who left contact details
 * (showroom.left_details = 1; the caller checks that) must be called back
 * within 24 hours of arrival.  due receives arrived + 24 h as
 * "YYYY-MM-DDTHH:MM:SS".  If late_minutes is not NULL, it receives how many
 * whole minutes after the due time `at` is (the call-back's time, or now if
 * none was made yet), else 0; `at` may be NULL only if late_minutes is. */
int fs__cadence_callback_due(const char *arrived, const char *at, char due[20],
                             int64_t *late_minutes);

/* The follow-up after a key-account visit (visit.key_account = 1): due one
 * week after the visit's date.  due receives visit date + 7 days; if
 * overdue_days is not NULL it receives on_date - due if positive, else 0
 * (on_date may be NULL only if overdue_days is). */
int fs__cadence_followup_due(const char *visit_at, const char *on_date, char due[11],
                             int *overdue_days);

/* ---- which visit methods count as the contact (issue 14) -------------------
 *
 * Every visit record is logged, but only some methods satisfy a grade's
 * cadence.  The setting is a mask of fs__visit_methods indexes per
 * fs__grades index.  The default is the seeds' meaning ("A级有望客户至少二日
 * 访问一次": a visit or a call): for grade A in_person, phone, showroom and
 * event count, a letter or an e-mail is logged but does not satisfy the
 * two-day rule; for every other grade each method counts.  The same mask
 * decides the agenda, the re-rating rule (access_rules.h) and the visits
 * report (report.h). */
#define FS_CADENCE_NGRADES 6 /* entries of fs__grades */
typedef struct fs_cadence_methods {
  unsigned mask[FS_CADENCE_NGRADES]; /* bit i: fs__visit_methods[i] counts */
} fs_cadence_methods;

/* Fills m with the default above. */
void fs__cadence_methods_default(fs_cadence_methods *m);
/* Parses a setting "GRADE=method,method;GRADE=..." over the default (grades
 * not named keep it), e.g. "A=in_person,phone;C=in_person,phone,letter".
 * 0, or FS_EINVAL with a message naming the bad grade or method (m is then
 * the default).  NULL or "" spec: the default. */
int fs__cadence_methods_parse(const char *spec, fs_cadence_methods *m, char *err,
                              size_t errlen);
/* 1 if a visit by `method` is a contact for `grade` under m (NULL m: the
 * default); 0 if not or if either name is unknown. */
int fs__cadence_method_counts(const fs_cadence_methods *m, const char *grade,
                              const char *method);

/* ---- a missed deadline stays missed (issue 14) ------------------------------
 *
 * The next due date of an open card on `day`, counted from its last contact
 * (a visit on or before `day` by a method that counts for the grade in force
 * then; else `opened`, the card's created or first grade date) through the
 * re-ratings since then, in date order: with s the last contact and g the
 * grade then, for each re-rating on day t: if the deadline due(g, s) lies
 * before t, that deadline was already missed and stays the due date (the
 * card stays overdue until a contact, whatever re-ratings follow); else the
 * re-rating starts a new clock (s = t, g = its grade).  After the last one
 * the due date is due(g, s).  grade: the card's grade on `day` (its own
 * for today: the truth even if a change record is missing), or NULL to
 * take it from the grade history (a past day).  A card lost on `day` has
 * no due date ("" in due).  Reads the visits and grade_changes tables of
 * db (central store or replica: the same schema).
 *   missed: (may be NULL) 1 if due is a deadline missed before a re-rating.
 * 0, FS_ENOTFOUND (no date to count from), FS_EINVAL (bad grade or date),
 * or a database error. */
int fs__cadence_card_due(sqlite3 *db, const char *customer_id, const char *grade,
                         const char *delivery_date, const char *opened, const char *day,
                         const fs_cadence_methods *m, char due[11], int *missed);

/* ---- visit corrections (issue 15) -------------------------------------------
 *
 * A wrongly logged visit is corrected by a new visit whose `corrects` names
 * it; the original stays (history kept) but is superseded: every count, list
 * and cadence reads the correction in its place (FS_SQL_VISIT_CURRENT).  A
 * correction never meets a cadence deadline after the fact, so the day it
 * counts as a contact (its `counts_on`, checked by access_rules.h V5) is:
 *   - the original's contact day (its counts_on, else the date of its `at`)
 *     when the correction keeps the original's date (the date part of `at`)
 *     and method: it changes only what the cadence does not read;
 *   - else the later of its own date and the day it was made (`made`): a
 *     correction that moves the contact, or makes it a contact, counts no
 *     earlier than the day it was recorded, so every deadline that had
 *     passed by then stays as it was (met stays met only if the original
 *     met it; missed stays missed).
 * Writes the day into day (YYYY-MM-DD).  0, or FS_EINVAL for a date that is
 * not one (orig_counts_on may be NULL or ""). */
int fs__cadence_correction_day(const char *orig_at, const char *orig_method,
                               const char *orig_counts_on, const char *at,
                               const char *method, const char *made, char day[11]);

/* SQL pieces for readers of the visits table (alias v): the day a visit
 * counts as a contact, and "not superseded by a live correction". */
#define FS_SQL_VISIT_DAY(v) "COALESCE(" v ".counts_on, substr(" v ".at, 1, 10))"
#define FS_SQL_VISIT_CURRENT(v)                                                          \
  "NOT EXISTS (SELECT 1 FROM visits vx_ WHERE vx_.corrects = " v ".id AND vx_.deleted = 0)"

#endif
