/* json.h - THE JSON writer: every JSON the product prints goes through it
 * (the CLI's --json, the reports, the daemon's admin results, the
 * handover summary, the personal-data export, `fieldsyncd schema --json`).
 *
 * A streaming writer into a stdio stream or a bounded text buffer
 * (strbuf.h).  Strings are escaped per RFC 8259 by strbuf.h's
 * fs__json_escape (quote, backslash, control characters as \n \t \b \f ...
 * or \u00XX); UTF-8 passes through unchanged.  Commas are inserted
 * automatically.  Nesting is bounded by FS_JSON_MAX_DEPTH; deeper begins
 * are ignored and set the error flag.  Compact by default; a document
 * meant for people too (`schema --json`) can ask for spaces and line
 * breaks.  Not thread-safe: one writer per thread. */
#ifndef FS_JSON_H
#define FS_JSON_H

#include <stdint.h>
#include <stdio.h>

#include "strbuf.h"

#define FS_JSON_MAX_DEPTH 16

typedef struct fs_json {
  FILE *f;       /* the sink: a stream, or */
  fs__strbuf *b; /* a text buffer (its bound overflows as FS_EOVERFLOW) */
  int depth;
  int count[FS_JSON_MAX_DEPTH + 1]; /* items written at each level */
  int after_key;
  int spaced;  /* ", " and ": " */
  int brk_set; /* the next item starts a line */
  int brk;     /* indented by this many spaces */
  int err;
} fs_json;

/* Writes to f. */
void fs__json_init(fs_json *j, FILE *f);
/* Appends to b (which the caller owns and releases). */
void fs__json_init_buf(fs_json *j, fs__strbuf *b);
/* With on: a space after each comma and colon (", ", ": "). */
void fs__json_spaced(fs_json *j, int on);
/* The next key or value starts a new line indented by `indent` (0..32)
 * spaces (after its comma, if any). */
void fs__json_break(fs_json *j, int indent);
void fs__json_begin_object(fs_json *j);
void fs__json_end_object(fs_json *j);
void fs__json_begin_array(fs_json *j);
void fs__json_end_array(fs_json *j);
void fs__json_key(fs_json *j, const char *key);
void fs__json_string(fs_json *j, const char *s); /* NULL writes null */
void fs__json_int(fs_json *j, int64_t v);
void fs__json_uint(fs_json *j, uint64_t v);
/* v with exactly `decimals` (0..9) digits after the point ("%.*f");
 * NaN and infinities write null (JSON has no such numbers). */
void fs__json_fixed(fs_json *j, double v, int decimals);
void fs__json_bool(fs_json *j, int v);
/* An instant (ms since the epoch) by date.h's one time rule: ISO 8601 with
 * the local offset, "2026-12-04T13:05:00+08:00"; 0 or less (none): null.
 * Every instant in every JSON goes through it. */
void fs__json_time(fs_json *j, int64_t ms);
void fs__json_null(fs_json *j);
/* The state of the document: 0 if every begin was ended and nothing
 * failed; FS_EINVAL (unbalanced), FS_EOVERFLOW (too deep, or the buffer's
 * bound reached: the text is then partial), FS_EIO (stream error).  Writes
 * nothing: for a JSON value embedded in a larger text. */
int fs__json_end(fs_json *j);
/* Ends the document with a newline, then fs__json_end. */
int fs__json_finish(fs_json *j);

#endif
