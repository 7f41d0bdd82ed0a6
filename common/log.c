/* log.c - levelled logging to stderr, one line per call. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "utf8.h"

#define LEVEL_UNSET (-2) /* FIELDSYNC_LOG not read yet */

static int level = LEVEL_UNSET;
static const char *tag = "fieldsync";
/* The calling thread's last error-level message, whether printed or not
 * (fs__log_last). */
static _Thread_local char last[512];
static int plain; /* fs__log_set_plain */

int fs__log_parse_level(const char *s) {
  static const char *names[] = {"error", "warn", "info", "debug"};
  for (int i = 0; i < 4; i++)
    if (s && strcmp(s, names[i]) == 0)
      return i;
  return -1;
}

fs_log_level fs__log_get_level(void) {
  if (level == LEVEL_UNSET) {
    int l = fs__log_parse_level(getenv("FIELDSYNC_LOG"));
    level = l < 0 ? FS_LOG_INFO : l;
  }
  return (fs_log_level)level;
}

void fs__log_set_level(fs_log_level lvl) { level = (int)lvl; }
void fs__log_set_tag(const char *t) { tag = t ? t : "fieldsync"; }

void fs__log_set_plain(int on) { plain = on; }
int fs__log_get_plain(void) { return plain; }
const char *fs__log_last(void) { return last; }
void fs__log_forget(void) { last[0] = '\0'; }

/* Keeps an error-level message for fs__log_last, printed or not. */
static void keep_last(const char *fmt, va_list ap) {
  vsnprintf(last, sizeof(last), fmt, ap);
  fs__shown_line(last);
}

void fs__log(fs_log_level lvl, const char *fmt, ...) {
  static const char *names[] = {"error", "warn", "info", "debug"};
  char line[1024];
  struct timespec ts;
  struct tm tm;
  va_list ap;
  int n;

  if (lvl == FS_LOG_ERROR) {
    va_start(ap, fmt);
    keep_last(fmt, ap);
    va_end(ap);
  }
  if ((int)lvl > (int)fs__log_get_level() || (plain && lvl == FS_LOG_ERROR))
    return;
  if (plain) {
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    fs__shown_line(line);
    fprintf(stderr, "%s: %s\n", tag, line);
    return;
  }
  clock_gettime(CLOCK_REALTIME, &ts);
  gmtime_r(&ts.tv_sec, &tm);
  n = snprintf(line, sizeof(line), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s %s: ",
               tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
               tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000, tag, names[lvl]);
  if (n < 0 || (size_t)n >= sizeof(line))
    n = 0;
  va_start(ap, fmt);
  vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
  va_end(ap);
  /* Names and messages may come from devices: the log is human output
   * too, through the one sanitiser (utf8.h), one line per call. */
  fs__shown_line(line);
  /* One fputs per line so concurrent writers do not interleave mid-line. */
  fprintf(stderr, "%s\n", line);
}
