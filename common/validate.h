/* validate.h - the one validation module, run by client and daemon alike,
 * so the device refuses exactly what the daemon would refuse.
 *
 * Every function returns 0 or FS_EVALIDATE (FS_EUNKNOWN_FIELD where noted)
 * and, on failure, writes a message into err (always NUL-terminated,
 * truncated to errlen) that names the field and, for enumerations, the
 * allowed values, e.g.
 *   grade: "X" is not one of O, A, B, C, delivered, lost
 */
#ifndef FS_VALIDATE_H
#define FS_VALIDATE_H

#include <stddef.h>

#include "model.h"

/* "YYYY-MM-DD", a real calendar date (leap years), years 1900..2999. */
int fs__valid_date(const char *s);
/* "YYYY-MM-DDTHH:MM" or "YYYY-MM-DDTHH:MM:SS" (also ' ' for 'T'). */
int fs__valid_datetime(const char *s);
/* Valid UTF-8 (no overlongs, no surrogates, no NUL) of len bytes. */
int fs__valid_utf8(const char *s, size_t len);

/* One value against its field.  NULL values pass unless the field is
 * required (checked by fs__validate_change on create). */
int fs__validate_value(const fs_field *f, const fs_value *v, char *err, size_t errlen);

/* A whole change: kind known, id valid, owner/author codes valid, field
 * indexes in range, every value valid; if is_create, every required field
 * present and non-empty; if !is_create, no immutable field changed (pass
 * is_create=0 for updates of existing records).  Append-only kinds accept
 * no update at all. */
int fs__validate_change(const fs_change *c, int is_create, char *err, size_t errlen);

#endif
