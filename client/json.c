/* json.c - streaming JSON writer (see json.h). */
#include "json.h"

#include <inttypes.h>

#include "fs_errno.h"
#include "strbuf.h"

void fs__json_init(fs_json *j, FILE *f) {
  j->f = f;
  j->depth = 0;
  j->count[0] = 0;
  j->after_key = 0;
  j->err = 0;
}

/* Separator before a value or key at the current level. */
static void sep(fs_json *j) {
  if (j->after_key) {
    j->after_key = 0;
    return;
  }
  if (j->count[j->depth]++ > 0)
    fputc(',', j->f);
}

static void begin(fs_json *j, int ch) {
  sep(j);
  if (j->depth >= FS_JSON_MAX_DEPTH) {
    j->err = FS_EOVERFLOW;
    return;
  }
  fputc(ch, j->f);
  j->depth++;
  j->count[j->depth] = 0;
}

static void end(fs_json *j, int ch) {
  if (j->depth == 0) {
    j->err = FS_EINVAL;
    return;
  }
  j->depth--;
  fputc(ch, j->f);
}

void fs__json_begin_object(fs_json *j) {
  begin(j, '{');
}
void fs__json_end_object(fs_json *j) {
  end(j, '}');
}
void fs__json_begin_array(fs_json *j) {
  begin(j, '[');
}
void fs__json_end_array(fs_json *j) {
  end(j, ']');
}

static void put_string(fs_json *j, const char *s) {
  char esc[FS_JSON_ESC_MAX];

  fputc('"', j->f);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (fs__json_escape(*p, esc))
      fputs(esc, j->f);
    else
      fputc(*p, j->f); /* UTF-8 passes through */
  }
  fputc('"', j->f);
}

void fs__json_key(fs_json *j, const char *key) {
  sep(j);
  put_string(j, key ? key : "");
  fputc(':', j->f);
  j->after_key = 1;
}

void fs__json_string(fs_json *j, const char *s) {
  if (s == NULL) {
    fs__json_null(j);
    return;
  }
  sep(j);
  put_string(j, s);
}

void fs__json_int(fs_json *j, int64_t v) {
  sep(j);
  fprintf(j->f, "%" PRId64, v);
}

void fs__json_uint(fs_json *j, uint64_t v) {
  sep(j);
  fprintf(j->f, "%" PRIu64, v);
}

void fs__json_bool(fs_json *j, int v) {
  sep(j);
  fputs(v ? "true" : "false", j->f);
}

void fs__json_null(fs_json *j) {
  sep(j);
  fputs("null", j->f);
}

int fs__json_finish(fs_json *j) {
  fputc('\n', j->f);
  if (j->err)
    return j->err;
  if (j->depth != 0)
    return FS_EINVAL;
  return ferror(j->f) ? FS_EIO : 0;
}
