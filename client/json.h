/* json.h - a small streaming JSON writer for --json output.
 *
 * Strings are escaped per RFC 8259 by common/strbuf.h's fs__json_escape
 * (quote, backslash, control characters as \n \t \b \f ... or \u00XX);
 * UTF-8 passes through unchanged.  Commas are
 * inserted automatically.  Nesting is bounded by FS_JSON_MAX_DEPTH; deeper
 * begins are ignored and set the error flag. */
#ifndef FS_CLIENT_JSON_H
#define FS_CLIENT_JSON_H

#include <stdint.h>
#include <stdio.h>

#define FS_JSON_MAX_DEPTH 16

typedef struct fs_json {
  FILE *f;
  int depth;
  int count[FS_JSON_MAX_DEPTH + 1]; /* items written at each level */
  int after_key;
  int err;
} fs_json;

void fs__json_init(fs_json *j, FILE *f);
void fs__json_begin_object(fs_json *j);
void fs__json_end_object(fs_json *j);
void fs__json_begin_array(fs_json *j);
void fs__json_end_array(fs_json *j);
void fs__json_key(fs_json *j, const char *key);
void fs__json_string(fs_json *j, const char *s); /* NULL writes null */
void fs__json_int(fs_json *j, int64_t v);
void fs__json_uint(fs_json *j, uint64_t v);
void fs__json_bool(fs_json *j, int v);
void fs__json_null(fs_json *j);
/* Ends the document with a newline; 0 or FS_EOVERFLOW/FS_EIO. */
int fs__json_finish(fs_json *j);

#endif
