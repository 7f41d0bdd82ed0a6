/* validate.c - the one validation module (see validate.h).
 *
 * Messages are for people (the rep at the CLI, the admin reading daemon
 * logs): they start with the field name, quote the offending value (made
 * safe to print), and say what would be accepted.
 */
#include "validate.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "date.h"
#include "fs_errno.h"
#include "hlc.h"
#include "id.h"
#include "utf8.h"

/* ---- text checks --------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s[0..len), or 0 if it is not one
 * (overlong, surrogate, above U+10FFFF, truncated, NUL). */
static size_t utf8_seq(const unsigned char *s, size_t len) {
  unsigned char c = s[0];

  if (c == 0)
    return 0;
  if (c < 0x80)
    return 1;
  /* C0, C1: overlong 2-byte; F5..FF: beyond U+10FFFF; 80..BF: continuation. */
  if (c < 0xc2 || c > 0xf4)
    return 0;
  if (c < 0xe0)
    return len >= 2 && (s[1] & 0xc0) == 0x80 ? 2 : 0;
  if (c < 0xf0) {
    if (len < 3 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
      return 0;
    if (c == 0xe0 && s[1] < 0xa0) /* overlong 3-byte */
      return 0;
    if (c == 0xed && s[1] >= 0xa0) /* U+D800..U+DFFF surrogates */
      return 0;
    return 3;
  }
  if (len < 4 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80)
    return 0;
  if (c == 0xf0 && s[1] < 0x90) /* overlong 4-byte */
    return 0;
  if (c == 0xf4 && s[1] >= 0x90) /* above U+10FFFF */
    return 0;
  return 4;
}

/* Offset of the first bad byte, or len if all of s is valid UTF-8. */
static size_t utf8_bad_at(const char *s, size_t len) {
  const unsigned char *u = (const unsigned char *)s;
  size_t i = 0, n;

  while (i < len) {
    n = utf8_seq(u + i, len - i);
    if (n == 0)
      return i;
    i += n;
  }
  return len;
}

/* Offset of the first control character (C0, DEL, C1: utf8.h) in valid
 * UTF-8 s, or len if none; with multiline, '\n' and '\t' are not counted.
 * *cp gets the character. */
static size_t control_at(const char *s, size_t len, int multiline, uint32_t *cp) {
  const unsigned char *u = (const unsigned char *)s;
  size_t i = 0;

  while (i < len) {
    size_t n = fs__utf8_next(u + i, len - i, cp);
    if (fs__cp_is_control(*cp) && !(multiline && (*cp == '\n' || *cp == '\t')))
      return i;
    i += n;
  }
  return len;
}

int fs__valid_utf8(const char *s, size_t len) {
  if (s == NULL)
    return len == 0 ? 0 : FS_EVALIDATE;
  return utf8_bad_at(s, len) == len ? 0 : FS_EVALIDATE;
}

static int civil_check(const char *s, int want) {
  size_t n;

  if (s == NULL)
    return FS_EVALIDATE;
  n = strnlen(s, 20); /* longer than any form: refused by length */
  return fs__civil_parse(s, n, want, NULL) == FS_DATE_OK ? 0 : FS_EVALIDATE;
}

int fs__valid_date(const char *s) {
  return civil_check(s, FS_DATE_ONLY);
}

int fs__valid_datetime(const char *s) {
  return civil_check(s, FS_DATETIME_ONLY);
}

/* ---- messages ------------------------------------------------------------ */

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int
fail(char *err, size_t errlen, const char *fmt, ...) {
  va_list ap;

  if (err && errlen) {
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
  }
  return FS_EVALIDATE;
}

#define QUOTE_MAX 48 /* bytes of a value shown in a message */

/* Copies a value into out (QUOTE_MAX * 4 + 8 bytes) as printable text:
 * valid UTF-8 other than control characters as is, every other byte as
 * \xNN, cut after QUOTE_MAX input bytes with "...". */
static const char *quote(char *out, const char *s, size_t len) {
  const unsigned char *u = (const unsigned char *)s;
  size_t i = 0, o = 0, n;

  while (s && i < len && i < QUOTE_MAX) {
    n = utf8_seq(u + i, len - i);
    if (n == 1 && (u[i] < 0x20 || u[i] == 0x7f || u[i] == '"' || u[i] == '\\'))
      n = 0; /* escape controls and the quoting characters themselves */
    if (n == 2 && u[i] == 0xc2 && u[i + 1] < 0xa0)
      n = 0; /* C1 controls (U+0080..U+009F) too: a message reaches a terminal */
    if (n == 0 || i + n > QUOTE_MAX) {
      if (n != 0)
        break; /* do not split a character at the cut */
      o += (size_t)snprintf(out + o, 5, "\\x%02x", u[i]);
      i++;
    } else {
      memcpy(out + o, s + i, n);
      o += n;
      i += n;
    }
  }
  if (s && i < len) {
    memcpy(out + o, "...", 3);
    o += 3;
  }
  out[o] = '\0';
  return out;
}

/* "O, A, B, C, delivered, lost" into out. */
static const char *enum_list(char *out, size_t outlen, const char *const *values) {
  size_t o = 0;

  out[0] = '\0';
  for (int i = 0; values && values[i] && o < outlen; i++) {
    int n = snprintf(out + o, outlen - o, "%s%s", i ? ", " : "", values[i]);
    if (n < 0)
      break;
    o += (size_t)n;
  }
  return out;
}

static const char *type_name(fs_ftype t) {
  switch (t) {
  case FS_FT_TEXT:
    return "text";
  case FS_FT_INT:
    return "an integer";
  case FS_FT_BOOL:
    return "a boolean (0 or 1)";
  case FS_FT_DATE:
    return "a date (YYYY-MM-DD)";
  case FS_FT_DATETIME:
    return "a date and time (YYYY-MM-DDTHH:MM[:SS])";
  case FS_FT_ENUM:
    return "one of a list of words";
  case FS_FT_REF:
    return "a record id (32 lowercase hex characters)";
  case FS_FT_STAFF:
    return "a staff code (e.g. A01)";
  }
  return "an unknown type";
}

static const char *month_name(int m) {
  static const char *const names[12] = {"January",   "February", "March",    "April",
                                        "May",       "June",     "July",     "August",
                                        "September", "October",  "November", "December"};
  return m >= 1 && m <= 12 ? names[m - 1] : "?";
}

/* A message for a date/datetime the parser refused. */
static int date_fail(const fs_field *f, const fs_value *v, char *err, size_t errlen) {
  char q[QUOTE_MAX * 4 + 8];
  int want = f->type == FS_FT_DATE ? FS_DATE_ONLY : FS_DATETIME_ONLY;
  const char *shape = f->type == FS_FT_DATE ? "YYYY-MM-DD, e.g. 2026-03-01"
                                            : "YYYY-MM-DDTHH:MM or YYYY-MM-DDTHH:MM:SS, "
                                              "e.g. 2026-03-01T09:30";
  fs_date_problem why = fs__civil_parse(v->s, v->len, want, NULL);
  int y = 0, m = 0;

  quote(q, v->s, v->len);
  if (why == FS_DATE_DAY) {
    /* The shape was right, so the digits are there to name the month. */
    y = (v->s[0] - '0') * 1000 + (v->s[1] - '0') * 100 + (v->s[2] - '0') * 10 +
        (v->s[3] - '0');
    m = (v->s[5] - '0') * 10 + (v->s[6] - '0');
    return fail(err, errlen, "%s: \"%s\" is not a real date: %s %d has %d days", f->name,
                q, month_name(m), y, fs__days_in_month(y, m));
  }
  if (why == FS_DATE_YEAR)
    return fail(err, errlen, "%s: \"%s\": the year must be between %d and %d", f->name, q,
                FS_DATE_YEAR_MIN, FS_DATE_YEAR_MAX);
  if (why == FS_DATE_MONTH)
    return fail(err, errlen, "%s: \"%s\": the month must be 01 to 12", f->name, q);
  if (why == FS_DATE_TIME)
    return fail(err, errlen, "%s: \"%s\": the time must be 00:00 to 23:59(:59)", f->name,
                q);
  if (v->len == 0)
    return fail(err, errlen, "%s: an empty text is not %s; send null to clear the field",
                f->name, type_name(f->type));
  return fail(err, errlen, "%s: \"%s\" is not %s; expected %s", f->name, q,
              f->type == FS_FT_DATE ? "a date" : "a date and time", shape);
}

/* The message for text that is valid UTF-8 but holds a control
 * character: which one, where, and what the field accepts. */
static int text_fail(const char *name, const char *s, size_t len, int multiline,
                     char *err, size_t errlen) {
  uint32_t cp = 0;
  size_t at = control_at(s, len, multiline, &cp);
  const char *what = cp == '\n'   ? "a line break"
                     : cp == '\r' ? "a carriage return"
                     : cp == '\t' ? "a tab"
                     : cp == 0x1b ? "an escape character"
                                  : "a control character";

  if (multiline)
    return fail(
        err, errlen,
        "%s: contains %s (U+%04X) at byte %zu; text may hold line breaks and tabs "
        "but no other control character",
        name, what, (unsigned)cp, at);
  return fail(err, errlen,
              "%s: contains %s (U+%04X) at byte %zu; this is single-line text: no line "
              "breaks, tabs or other control characters",
              name, what, (unsigned)cp, at);
}

static int line_check(const char *name, const char *s, size_t len, int multiline,
                      char *err, size_t errlen) {
  uint32_t cp;
  size_t bad = utf8_bad_at(s, len);

  if (bad < len)
    return fail(err, errlen, "%s: %s at byte %zu; text must be UTF-8", name,
                s[bad] == '\0' ? "contains a NUL byte" : "is not valid UTF-8", bad);
  if (control_at(s, len, multiline, &cp) < len)
    return text_fail(name, s, len, multiline, err, errlen);
  return 0;
}

int fs__validate_line(const char *name, const char *s, char *err, size_t errlen) {
  if (err && errlen)
    err[0] = '\0';
  if (s == NULL)
    return 0;
  return line_check(name ? name : "text", s, strlen(s), 0, err, errlen);
}

/* ---- values -------------------------------------------------------------- */

static int text_family(fs_ftype t) {
  return t == FS_FT_TEXT || t == FS_FT_DATE || t == FS_FT_DATETIME || t == FS_FT_ENUM ||
         t == FS_FT_REF || t == FS_FT_STAFF;
}

int fs__validate_value(const fs_field *f, const fs_value *v, char *err, size_t errlen) {
  char q[QUOTE_MAX * 4 + 8];
  char list[512];

  if (err && errlen)
    err[0] = '\0';
  if (f == NULL || v == NULL) {
    fail(err, errlen, "internal: validate_value called without a field or value");
    return FS_EINVAL;
  }
  if (v->type == FS_V_NULL)
    return 0; /* required-ness is a property of the change, not the value */

  if (v->type != FS_V_TEXT && v->type != FS_V_INT)
    return fail(err, errlen, "%s: value has an unknown type (%d)", f->name, (int)v->type);
  if (text_family(f->type) && v->type != FS_V_TEXT)
    return fail(err, errlen, "%s: got the number %" PRId64 ", but the field holds %s",
                f->name, v->i, type_name(f->type));
  if ((f->type == FS_FT_INT || f->type == FS_FT_BOOL) && v->type != FS_V_INT)
    return fail(err, errlen, "%s: got text \"%s\", but the field holds %s", f->name,
                quote(q, v->s, v->len), type_name(f->type));
  if (v->type == FS_V_TEXT && v->s == NULL && v->len != 0)
    return fail(err, errlen, "%s: text value has no bytes", f->name);

  switch (f->type) {
  case FS_FT_TEXT:
    /* Length first: a 10 MB blob should not be scanned to be refused. */
    if (v->len > (uint64_t)f->max)
      return fail(err, errlen,
                  "%s: %zu bytes is too long; at most %" PRId64
                  " bytes are allowed (a Chinese character takes 3 bytes)",
                  f->name, v->len, f->max);
    /* Single-line text holds no control character at all: an escape or a
     * line break in a name would drive a terminal or forge a line. */
    return line_check(f->name, v->s, v->len, (f->flags & FS_F_MULTILINE) != 0, err,
                      errlen);
  case FS_FT_INT:
    if (v->i < f->min)
      return fail(err, errlen, "%s: %" PRId64 " is below the minimum %" PRId64, f->name,
                  v->i, f->min);
    if (v->i > f->max)
      return fail(err, errlen, "%s: %" PRId64 " is above the maximum %" PRId64, f->name,
                  v->i, f->max);
    return 0;
  case FS_FT_BOOL:
    if (v->i != 0 && v->i != 1)
      return fail(err, errlen, "%s: %" PRId64 " is not a boolean; use 0 or 1", f->name,
                  v->i);
    return 0;
  case FS_FT_DATE:
  case FS_FT_DATETIME:
    if (fs__civil_parse(v->s, v->len,
                        f->type == FS_FT_DATE ? FS_DATE_ONLY : FS_DATETIME_ONLY,
                        NULL) != FS_DATE_OK)
      return date_fail(f, v, err, errlen);
    return 0;
  case FS_FT_ENUM:
    /* strlen(v->s) != len catches an embedded NUL ("O\0junk"). */
    if (v->s == NULL || strlen(v->s) != v->len ||
        fs__enum_index(f->enum_values, v->s) < 0)
      return fail(err, errlen, "%s: \"%s\" is not one of %s", f->name,
                  quote(q, v->s, v->len), enum_list(list, sizeof(list), f->enum_values));
    return 0;
  case FS_FT_REF:
    if (v->len != FS_ID_HEX || !fs__id_valid(v->s))
      return fail(err, errlen,
                  "%s: \"%s\" is not a record id (32 lowercase hex characters, "
                  "e.g. 019a2b3c4d5e6f708192a3b4c5d6e7f8)",
                  f->name, quote(q, v->s, v->len));
    return 0;
  case FS_FT_STAFF:
    if (v->s == NULL || strlen(v->s) != v->len || !fs__staff_code_valid(v->s))
      return fail(err, errlen,
                  "%s: \"%s\" is not a staff code (a capital letter, then 1 to 15 "
                  "capital letters or digits, e.g. A01)",
                  f->name, quote(q, v->s, v->len));
    return 0;
  }
  fail(err, errlen, "%s: internal: the field has an unknown type %d", f->name,
       (int)f->type);
  return FS_EINTERNAL;
}

/* ---- changes ------------------------------------------------------------- */

/* 1 if the fixed-size array holds a NUL-terminated string. */
static int terminated(const char *s, size_t size) {
  return memchr(s, '\0', size) != NULL;
}

#define MAX_KIND_FIELDS 256

/* 1 if v holds nothing a person could read: NULL, or text of spaces only
 * (ASCII blanks and the ideographic space U+3000 a Chinese keyboard types). */
static int blank(const fs_value *v) {
  size_t i = 0;
  if (v->type == FS_V_NULL)
    return 1;
  if (v->type != FS_V_TEXT)
    return 0;
  while (i < v->len) {
    const unsigned char *u = (const unsigned char *)v->s + i;
    if (*u == ' ' || *u == '\t' || *u == '\n' || *u == '\r')
      i++;
    else if (v->len - i >= 3 && u[0] == 0xe3 && u[1] == 0x80 && u[2] == 0x80)
      i += 3;
    else
      return 0;
  }
  return 1;
}
int fs__value_canonical(const fs_field *f, fs_value *v) {
  char canon[20];

  if (f == NULL || v == NULL)
    return FS_EINVAL;
  if (f->type != FS_FT_DATETIME || v->type != FS_V_TEXT || v->s == NULL)
    return 0;
  if (fs__datetime_canonical(v->s, v->len, canon) != 0)
    return FS_EVALIDATE;
  if (v->len == 19 && memcmp(v->s, canon, 19) == 0)
    return 0;
  return fs__value_set_text(v, canon, 19);
}

int fs__validate_change(const fs_change *c, int is_create, char *err, size_t errlen) {
  const fs_kind_def *kd;
  unsigned char seen[MAX_KIND_FIELDS];
  char q[QUOTE_MAX * 4 + 8];
  int rc = 0, append;

  if (err && errlen)
    err[0] = '\0';
  if (c == NULL) {
    fail(err, errlen, "internal: validate_change called without a change");
    return FS_EINVAL;
  }
  kd = fs__kind_def(c->kind);
  if (kd == NULL)
    return fail(err, errlen, "kind: %d is not a record kind", (int)c->kind);
  if (kd->nfields > MAX_KIND_FIELDS) {
    fail(err, errlen, "%s: internal: the kind has too many fields", kd->name);
    return FS_EINTERNAL;
  }
  if (!terminated(c->id, sizeof(c->id)) || !fs__id_valid(c->id))
    return fail(err, errlen,
                "id: \"%s\" is not a record id (32 lowercase hex characters)",
                quote(q, c->id, strnlen(c->id, sizeof(c->id))));
  if (!terminated(c->owner, sizeof(c->owner)) || !fs__staff_code_valid(c->owner))
    return fail(err, errlen, "owner: \"%s\" is not a staff code (e.g. A01)",
                quote(q, c->owner, strnlen(c->owner, sizeof(c->owner))));
  if (!terminated(c->author, sizeof(c->author)) || !fs__staff_code_valid(c->author))
    return fail(err, errlen, "author: \"%s\" is not a staff code (e.g. A01)",
                quote(q, c->author, strnlen(c->author, sizeof(c->author))));
  if (c->op != FS_OP_UPSERT && c->op != FS_OP_DELETE)
    return fail(err, errlen, "op: %d is not an operation (upsert or delete)", (int)c->op);
  if (c->nfields < 0 || (c->nfields > 0 && c->fields == NULL))
    return fail(err, errlen, "%s %s: malformed field list (%d fields)", kd->name, c->id,
                c->nfields);
  if (c->op == FS_OP_DELETE) {
    if (c->nfields != 0)
      return fail(err, errlen, "%s %s: a delete carries no fields, this one has %d",
                  kd->name, c->id, c->nfields);
    return 0;
  }
  /* A later write to an existing record of an append-only kind (visit,
   * grade change) is not an error here: the merge decides it (store.h),
   * a duplicate of what is stored is applied, anything else superseded
   * and logged as a conflict.  So only its values are checked; whether a
   * field may change is the merge's rule, not a refusal. */
  append = !is_create && (kd->flags & FS_K_APPEND_ONLY);
  memset(seen, 0, sizeof(seen));
  for (int i = 0; i < c->nfields; i++) {
    const fs_field_change *fc = &c->fields[i];
    const fs_field *f;

    if (fc->field < 0 || fc->field >= kd->nfields) {
      fail(err, errlen, "%s: field number %d does not exist (the kind has %d fields)",
           kd->name, fc->field, kd->nfields);
      return FS_EUNKNOWN_FIELD;
    }
    f = &kd->fields[fc->field];
    if (seen[fc->field])
      return fail(err, errlen, "%s: set twice in one change", f->name);
    seen[fc->field] = 1;
    if (!is_create && !append && (f->flags & FS_F_IMMUTABLE))
      return fail(err, errlen, "%s: cannot be changed after the %s is created", f->name,
                  kd->name);
    rc = fs__validate_value(f, &fc->value, err, errlen);
    if (rc)
      return rc;
    if (!is_create && !append && (f->flags & FS_F_REQUIRED) && blank(&fc->value))
      return fail(err, errlen, "%s: required (%s); it cannot be emptied", f->name,
                  f->label);
  }

  if (is_create) {
    for (int j = 0; j < kd->nfields; j++) {
      const fs_field *f = &kd->fields[j];
      const fs_value *v = NULL;

      if (!(f->flags & FS_F_REQUIRED))
        continue;
      for (int i = 0; i < c->nfields; i++)
        if (c->fields[i].field == j)
          v = &c->fields[i].value;
      if (v == NULL || blank(v))
        return fail(err, errlen, "%s: required (%s); a new %s needs it", f->name,
                    f->label, kd->name);
    }
  }
  return 0;
}

int fs__validate_clocks(const fs_change *c, uint64_t now_ms, uint64_t max_ahead_ms,
                        char *err, size_t errlen) {
  const fs_kind_def *kd;
  uint64_t limit;

  if (err && errlen)
    err[0] = '\0';
  if (c == NULL) {
    fail(err, errlen, "internal: validate_clocks called without a change");
    return FS_EINVAL;
  }
  kd = fs__kind_def(c->kind);
  /* Saturating: a bound past the 48-bit millisecond range bounds nothing
   * more than the range itself. */
  limit = max_ahead_ms > UINT64_MAX - now_ms ? UINT64_MAX : now_ms + max_ahead_ms;
  if (c->hlc == 0) {
    fail(err, errlen, "clock: the change has no clock (0); the device's clock is broken");
    return FS_ECLOCK;
  }
  if (fs__hlc_ms(c->hlc) > limit) {
    fail(err, errlen,
         "clock: the change is stamped %" PRIu64
         " ms ahead of this clock (at most %" PRIu64 " allowed); fix the device's clock",
         fs__hlc_ms(c->hlc) - now_ms, max_ahead_ms);
    return FS_ECLOCK;
  }
  for (int i = 0; i < c->nfields && c->fields; i++) {
    const fs_field_change *fc = &c->fields[i];
    const char *name = kd && fc->field >= 0 && fc->field < kd->nfields
                           ? kd->fields[fc->field].name
                           : "(unknown field)";
    if (fc->hlc == 0) {
      fail(err, errlen, "%s: the field write has no clock (0)", name);
      return FS_ECLOCK;
    }
    /* A field clock above its change's would outlive every later edit
     * (each would be "superseded") while the change clock looks sane. */
    if (fc->hlc > c->hlc) {
      fail(err, errlen,
           "%s: the field is stamped after its change (field clock %" PRIu64
           " > change clock %" PRIu64 ")",
           name, fc->hlc, c->hlc);
      return FS_ECLOCK;
    }
  }
  return 0;
}
