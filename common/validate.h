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
#include <stdint.h>

#include "model.h"

/* These three write no message: 0 or FS_EVALIDATE (also for NULL s). */
/* "YYYY-MM-DD", a real calendar date (leap years), years 1900..2999. */
int fs__valid_date(const char *s);
/* "YYYY-MM-DDTHH:MM" or "YYYY-MM-DDTHH:MM:SS" (also ' ' for 'T'); a real
 * date as above, 00:00..23:59:59. */
int fs__valid_datetime(const char *s);
/* Valid UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF, no NUL)
 * of len bytes.  s may be NULL only if len is 0. */
int fs__valid_utf8(const char *s, size_t len);

/* Single-line text from anywhere (staff names, reasons, every admin string
 * argument the daemon stores or prints): valid UTF-8 without NUL and no
 * control character (C0 including '\n' and '\t', DEL, C1).  name names the
 * argument in the message, e.g.
 *   name: contains an escape character (U+001B) at byte 1; this is single-line
 *   text: no line breaks, tabs or other control characters
 * NULL s passes.  0 or FS_EVALIDATE. */
int fs__validate_line(const char *name, const char *s, char *err, size_t errlen);

/* One value against its field.  NULL values pass unless the field is
 * required (checked by fs__validate_change on create).
 *   - The value type must match: TEXT, DATE, DATETIME, ENUM, REF and STAFF
 *     fields take FS_V_TEXT, INT and BOOL fields FS_V_INT.
 *   - TEXT: valid UTF-8 without NUL, at most f->max bytes (bytes, not
 *     characters: a Chinese character is 3 bytes), and no control
 *     character (C0, DEL, C1: common/utf8.h): fields marked FS_F_MULTILINE
 *     (notes, points, reasons) may hold '\n' and '\t', no other control;
 *     every other text is single-line and holds none at all.
 *   - The empty text "" is a valid TEXT value but not a valid DATE,
 *     DATETIME, ENUM, REF or STAFF value: clear those fields with NULL.
 * f or v NULL: FS_EINVAL; a field of unknown type: FS_EINTERNAL. */
int fs__validate_value(const fs_field *f, const fs_value *v, char *err, size_t errlen);

/* Puts a valid value of field f in its one stored form (date.h): a
 * DATETIME "2026-03-01T10:00" or "2026-03-01 10:00" becomes
 * "2026-03-01T10:00:00"; every other value is left as is.  Run on input
 * (the device's fs_record_set) after fs__validate_value.  The daemon
 * accepts both forms from a device (older clients write the short one)
 * and stores what it is sent; readers accept both.  0, FS_EVALIDATE (not
 * a datetime), FS_ENOMEM; f or v NULL: FS_EINVAL. */
int fs__value_canonical(const fs_field *f, fs_value *v);

/* A whole change: kind known, id valid, owner/author codes valid, op
 * UPSERT or DELETE, field indexes in range (else FS_EUNKNOWN_FIELD) and
 * each at most once, every value valid; if is_create, every required field
 * present and non-empty (not NULL, not ""); if !is_create, no immutable
 * field changed and no required field emptied (pass is_create=0 for
 * updates of existing records).  Append-only kinds (FS_K_APPEND_ONLY) are
 * the exception: a later upsert of an existing record passes whatever
 * fields it carries, if their values are valid, because the merge decides
 * it (store.h: identical to what is stored = a duplicate, applied; else
 * superseded and logged as a conflict), the same on device and daemon.
 * A DELETE carries no fields; is_create is ignored for it.  c NULL:
 * FS_EINVAL. */
int fs__validate_change(const fs_change *c, int is_create, char *err, size_t errlen);

/* The clocks of a change (HLCs, hlc.h), against the checker's own wall
 * clock now_ms (ms since the epoch) and skew bound max_ahead_ms (the
 * daemon uses FS_HLC_DEFAULT_MAX_AHEAD_MS, the bound of fs__hlc_recv):
 *   - the change clock is not zero and its milliseconds are at most
 *     now_ms + max_ahead_ms;
 *   - every field clock is not zero and not above the change clock (so it
 *     is bounded like it).
 * The client runs it before storing a change, the daemon on every pushed
 * change.  0 or FS_ECLOCK with a message naming the clock; c NULL:
 * FS_EINVAL. */
int fs__validate_clocks(const fs_change *c, uint64_t now_ms, uint64_t max_ahead_ms,
                        char *err, size_t errlen);

#endif
