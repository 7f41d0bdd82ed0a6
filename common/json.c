/* json.c - THE JSON writer (see json.h). */
#include "json.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "date.h"
#include "fs_errno.h"

void fs__json_init(fs_json *j, FILE *f) {
  memset(j, 0, sizeof(*j));
  j->f = f;
}

void fs__json_init_buf(fs_json *j, fs__strbuf *b) {
  memset(j, 0, sizeof(*j));
  j->b = b;
}

void fs__json_spaced(fs_json *j, int on) {
  j->spaced = on != 0;
}

void fs__json_break(fs_json *j, int indent) {
  j->brk = indent < 0 ? 0 : indent > 32 ? 32 : indent;
  j->brk_set = 1;
}

static void put(fs_json *j, const char *s, size_t n) {
  if (j->b) {
    if (fs__strbuf_append(j->b, s, n) && j->err == 0)
      j->err = FS_EOVERFLOW;
  } else if (fwrite(s, 1, n, j->f) != n && j->err == 0) {
    j->err = FS_EIO;
  }
}

static void puts_(fs_json *j, const char *s) {
  put(j, s, strlen(s));
}

/* Separator before a value or key at the current level, and the line
 * break asked for by fs__json_break. */
static void sep(fs_json *j) {
  static const char spaces[] = "                                "; /* 32 */
  if (j->after_key) {
    j->after_key = 0;
    return;
  }
  if (j->count[j->depth]++ > 0)
    put(j, j->spaced && !j->brk_set ? ", " : ",", j->spaced && !j->brk_set ? 2 : 1);
  if (j->brk_set) {
    put(j, "\n", 1);
    put(j, spaces, (size_t)j->brk);
    j->brk_set = 0;
  }
}

static void begin(fs_json *j, const char *ch) {
  sep(j);
  if (j->depth >= FS_JSON_MAX_DEPTH) {
    j->err = FS_EOVERFLOW;
    return;
  }
  puts_(j, ch);
  j->depth++;
  j->count[j->depth] = 0;
}

static void end(fs_json *j, const char *ch) {
  if (j->depth == 0) {
    j->err = FS_EINVAL;
    return;
  }
  j->depth--;
  puts_(j, ch);
}

void fs__json_begin_object(fs_json *j) {
  begin(j, "{");
}
void fs__json_end_object(fs_json *j) {
  end(j, "}");
}
void fs__json_begin_array(fs_json *j) {
  begin(j, "[");
}
void fs__json_end_array(fs_json *j) {
  end(j, "]");
}

static void put_string(fs_json *j, const char *s) {
  const unsigned char *p = (const unsigned char *)s, *run = p;
  char esc[FS_JSON_ESC_MAX];
  size_t n;

  put(j, "\"", 1);
  /* Runs of bytes that stand for themselves (UTF-8 included) in one go. */
  for (; *p; p++) {
    if ((n = fs__json_escape(*p, esc)) == 0)
      continue;
    put(j, (const char *)run, (size_t)(p - run));
    put(j, esc, n);
    run = p + 1;
  }
  put(j, (const char *)run, (size_t)(p - run));
  put(j, "\"", 1);
}

void fs__json_key(fs_json *j, const char *key) {
  sep(j);
  put_string(j, key ? key : "");
  puts_(j, j->spaced ? ": " : ":");
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
  char buf[24];
  sep(j);
  snprintf(buf, sizeof(buf), "%" PRId64, v);
  puts_(j, buf);
}

void fs__json_uint(fs_json *j, uint64_t v) {
  char buf[24];
  sep(j);
  snprintf(buf, sizeof(buf), "%" PRIu64, v);
  puts_(j, buf);
}

void fs__json_fixed(fs_json *j, double v, int decimals) {
  char buf[360]; /* the longest finite double in %f */
  if (!isfinite(v)) {
    fs__json_null(j);
    return;
  }
  sep(j);
  snprintf(buf, sizeof(buf), "%.*f", decimals < 0 ? 0 : decimals > 9 ? 9 : decimals, v);
  puts_(j, buf);
}

void fs__json_bool(fs_json *j, int v) {
  sep(j);
  puts_(j, v ? "true" : "false");
}

void fs__json_null(fs_json *j) {
  sep(j);
  puts_(j, "null");
}

int fs__json_end(fs_json *j) {
  if (j->err)
    return j->err;
  if (j->depth != 0)
    return FS_EINVAL;
  if (j->b)
    return j->b->overflow ? FS_EOVERFLOW : 0;
  return ferror(j->f) ? FS_EIO : 0;
}

int fs__json_finish(fs_json *j) {
  put(j, "\n", 1);
  return fs__json_end(j);
}

void fs__json_time(fs_json *j, int64_t ms) {
  char iso[FS_INSTANT_MAX];

  if (fs__instant_format(ms, FS_INSTANT_ISO, iso) == 0)
    fs__json_string(j, iso);
  else
    fs__json_null(j);
}
