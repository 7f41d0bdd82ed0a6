/* log.h - levelled logging to stderr.
 *
 * fs__log never logs secrets: callers must not pass key material.  The level
 * comes from fs__log_set_level() or the FIELDSYNC_LOG environment variable
 * (error|warn|info|debug), default info.  FS_LOG_OFF prints nothing: an
 * interactive command line says what happened in its own sentences (from
 * fs_errmsg), not in log lines.  Error-level messages are kept either way
 * for fs__log_last, so a library call can hand the reason it logged to its
 * caller.
 */
#ifndef FS_LOG_H
#define FS_LOG_H

typedef enum { FS_LOG_OFF = -1, FS_LOG_ERROR = 0, FS_LOG_WARN, FS_LOG_INFO, FS_LOG_DEBUG } fs_log_level;

void fs__log_set_level(fs_log_level lvl);
fs_log_level fs__log_get_level(void);
/* Parses "error"/"warn"/"info"/"debug"; returns -1 if unknown. */
int fs__log_parse_level(const char *s);
/* Sets a short tag printed on every line, e.g. "fieldsyncd". Not copied. */
void fs__log_set_tag(const char *tag);
/* Plain mode (on != 0), for a command line: a warning is one sentence,
 * "TAG: message", without time or level (something the user should know
 * happened, e.g. a directory made private); an error is not printed: the
 * failing call hands it to its caller (fs__log_last, fs_errmsg), which says
 * it once.  FIELDSYNC_LOG asks for the log lines instead. */
void fs__log_set_plain(int on);
int fs__log_get_plain(void);
/* The calling thread's last error-level message (without time, tag or
 * level; printed or not), "" if none since fs__log_forget.  Valid until
 * the thread's next error-level message. */
const char *fs__log_last(void);
/* Forgets the calling thread's last error-level message. */
void fs__log_forget(void);

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void fs__log(fs_log_level lvl, const char *fmt, ...);

#define FS_ERROR(...) fs__log(FS_LOG_ERROR, __VA_ARGS__)
#define FS_WARN(...) fs__log(FS_LOG_WARN, __VA_ARGS__)
#define FS_INFO(...) fs__log(FS_LOG_INFO, __VA_ARGS__)
#define FS_DEBUG(...)                                                          \
  do {                                                                         \
    if (fs__log_get_level() >= FS_LOG_DEBUG)                                   \
      fs__log(FS_LOG_DEBUG, __VA_ARGS__);                                      \
  } while (0)

#endif
