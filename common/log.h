/* log.h - levelled logging to stderr.
 *
 * fs__log never logs secrets: callers must not pass key material.  The level
 * comes from fs__log_set_level() or the FIELDSYNC_LOG environment variable
 * (error|warn|info|debug), default info.
 */
#ifndef FS_LOG_H
#define FS_LOG_H

typedef enum { FS_LOG_ERROR = 0, FS_LOG_WARN, FS_LOG_INFO, FS_LOG_DEBUG } fs_log_level;

void fs__log_set_level(fs_log_level lvl);
fs_log_level fs__log_get_level(void);
/* Parses "error"/"warn"/"info"/"debug"; returns -1 if unknown. */
int fs__log_parse_level(const char *s);
/* Sets a short tag printed on every line, e.g. "fieldsyncd". Not copied. */
void fs__log_set_tag(const char *tag);

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
