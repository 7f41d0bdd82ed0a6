/* cadence.c - visit cadence rules (see cadence.h). */
#include "cadence.h"

#include <string.h>

#include "date.h"
#include "fs_errno.h"

/* Fixed cadences; "delivered" is handled apart, "lost" has none. */
static const struct {
  const char *grade;
  int days;
} fixed[] = {{"O", 7}, {"A", 2}, {"B", 7}, {"C", 14}};

#define DELIVERED_NEAR 14 /* days, inside the after-sale window */
#define DELIVERED_FAR 90  /* days, after it */

/* Last day of the after-sale window, or 0 in *known if no delivery date. */
static int window_end(const char *delivery_date, int64_t *end, int *known) {
  int64_t d;

  *known = 0;
  if (delivery_date == NULL || delivery_date[0] == '\0')
    return 0;
  if (fs__date_parse(delivery_date, &d) != 0)
    return FS_EINVAL;
  *end = fs__date_add_months(d, FS_CADENCE_DELIVERED_MONTHS);
  *known = 1;
  return 0;
}

/* Fixed cadence for grade; 0 for delivered/lost handled by callers; -1 if
 * the grade is unknown. */
static int fixed_days(const char *grade) {
  for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
    if (strcmp(grade, fixed[i].grade) == 0)
      return fixed[i].days;
  return -1;
}

int fs__cadence_days(const char *grade, const char *delivery_date, const char *on_date) {
  int64_t end = 0, on;
  int known, rc, days;

  if (grade == NULL)
    return FS_EINVAL;
  days = fixed_days(grade);
  if (days > 0)
    return days;
  if (strcmp(grade, "lost") == 0)
    return FS_CADENCE_NONE;
  if (strcmp(grade, "delivered") != 0)
    return FS_EINVAL;
  rc = window_end(delivery_date, &end, &known);
  if (rc)
    return rc;
  if (!known)
    return DELIVERED_FAR;
  if (fs__date_parse(on_date, &on) != 0)
    return FS_EINVAL;
  return on <= end ? DELIVERED_NEAR : DELIVERED_FAR;
}

/* on - due in days if positive, else 0. */
static int overdue(const char *on_date, int64_t due, int *out) {
  int64_t on;

  if (out == NULL)
    return 0;
  if (fs__date_parse(on_date, &on) != 0)
    return FS_EINVAL;
  *out = on > due ? (int)(on - due) : 0;
  return 0;
}

const char *fs__cadence_clock(const char *last_contact, const char *graded) {
  if (last_contact == NULL || last_contact[0] == '\0')
    return graded && graded[0] ? graded : NULL;
  if (graded == NULL || graded[0] == '\0')
    return last_contact;
  return strncmp(graded, last_contact, 10) > 0 ? graded : last_contact;
}

int fs__cadence_due(const char *grade, const char *delivery_date,
                    const char *last_contact, const char *on_date, char due_date[11],
                    int *overdue_days) {
  int64_t last, end = 0, due;
  int known = 0, days, rc;

  if (due_date == NULL || grade == NULL)
    return FS_EINVAL;
  due_date[0] = '\0';
  if (overdue_days)
    *overdue_days = 0;
  days = fixed_days(grade);
  if (days < 0) {
    if (strcmp(grade, "lost") == 0)
      return 0; /* no cadence: nothing is ever due */
    if (strcmp(grade, "delivered") != 0)
      return FS_EINVAL;
    rc = window_end(delivery_date, &end, &known);
    if (rc)
      return rc;
    days = DELIVERED_FAR;
  }
  if (fs__date_parse(last_contact, &last) != 0)
    return FS_EINVAL;
  due = last + days;
  /* delivered: the near cadence applies if its due day is still inside the
   * window; otherwise the day after last + 14 is judged by the far rule,
   * which is only broken after last + 90. */
  if (days == DELIVERED_FAR && known && last + DELIVERED_NEAR < end)
    due = last + DELIVERED_NEAR;
  rc = overdue(on_date, due, overdue_days);
  if (rc)
    return rc;
  return fs__date_format(due, due_date) == 0 ? 0 : FS_EINVAL;
}

int fs__cadence_callback_due(const char *arrived, const char *at, char due[20],
                             int64_t *late_minutes) {
  int64_t t0, t1, due_s;

  if (due == NULL)
    return FS_EINVAL;
  due[0] = '\0';
  if (late_minutes)
    *late_minutes = 0;
  if (fs__datetime_parse(arrived, &t0) != 0)
    return FS_EINVAL;
  due_s = t0 + FS_CADENCE_CALLBACK_HOURS * 3600;
  if (late_minutes) {
    if (fs__datetime_parse(at, &t1) != 0)
      return FS_EINVAL;
    *late_minutes = t1 > due_s ? (t1 - due_s) / 60 : 0;
  }
  return fs__datetime_format(due_s, due) == 0 ? 0 : FS_EINVAL;
}

int fs__cadence_followup_due(const char *visit_at, const char *on_date, char due[11],
                             int *overdue_days) {
  int64_t day, d;
  int rc;

  if (due == NULL)
    return FS_EINVAL;
  due[0] = '\0';
  if (overdue_days)
    *overdue_days = 0;
  if (fs__date_parse(visit_at, &day) != 0)
    return FS_EINVAL;
  d = day + FS_CADENCE_KEY_FOLLOWUP_DAYS;
  rc = overdue(on_date, d, overdue_days);
  if (rc)
    return rc;
  return fs__date_format(d, due) == 0 ? 0 : FS_EINVAL;
}
