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

#endif
