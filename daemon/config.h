/* config.h - fieldsyncd settings: defaults, the config file, overrides.
 *
 * The config file is DATA/fieldsyncd.conf, lines of `key = value`, '#'
 * comments.  Unknown keys and bad values are refused with the line number
 * (a typo must not silently fall back to a default).  Command-line flags
 * override the file.
 */
#ifndef FS_CONFIG_H
#define FS_CONFIG_H

#include <stddef.h>
#include <stdint.h>

typedef struct fs_config {
  char listen[128];          /* host:port, default 127.0.0.1:7700 */
  char public_addr[128];     /* put in enrollment tokens; default = listen */
  size_t frame_max;          /* bytes, default 1 MiB */
  unsigned max_conns;        /* default 10000 */
  unsigned handshake_ms;     /* unfinished handshake timeout, default 10000 */
  unsigned idle_ms;          /* idle connection timeout, default 300000 */
  size_t write_queue_max;    /* per-connection unsent bytes before reads pause */
  unsigned pull_page;        /* journal entries per pull page, default 2000 */
  unsigned writer_queue;     /* max queued writer jobs, default 8192 */
  unsigned token_hours;      /* enrollment token lifetime, default 72 */
  unsigned lock_days;        /* replica lock after days unsynced, default 30 */
  unsigned tombstone_days;   /* devices unseen longer resync; GC horizon, default 30 */
  unsigned rekey_interval;   /* messages between rekeys, default 65536 */
  unsigned wipe_deadline_days; /* a wiped or departed device's final upload, and
                                  the handover fence, close this long after the
                                  order (revoke --wipe, depart, transfer); 14 */
  unsigned history_days;       /* the change history (conflict log values,
                                  quarantined uploads, handover report texts)
                                  is purged after this many days; default 90
                                  (docs/RETENTION.md) */
  /* Unauthenticated connections (handshake not finished): OpenSSH
   * MaxStartups start:rate:full, default 100:30:1000: from `start` of them
   * on, a new one sheds one with probability rate% rising linearly to 100%
   * at `full` (server_tcp.c: the oldest one past its grace, else the newcomer
   * is refused); per_source caps them per source address (IPv6: per /64),
   * default 256 (many reps share one carrier NAT address). */
  unsigned serial_block;        /* archive serials per block (issue 14,
                                  store/serials.h), default 20 */
  unsigned max_startups[3];
  unsigned max_startups_per_source;
  char log_level[8];         /* error|warn|info|debug */
} fs_config;

void fs__config_defaults(fs_config *c);
/* Sets one key from text.  0 or FS_EINVAL with a message in err. */
int fs__config_set(fs_config *c, const char *key, const char *value, char *err, size_t errlen);
/* Reads path; FS_ENOTFOUND if it does not exist (defaults stay), FS_EINVAL
 * with "path:line: ..." in err on a bad line. */
int fs__config_load(fs_config *c, const char *path, char *err, size_t errlen);
/* Writes a commented default file (O_EXCL: never overwrites). */
int fs__config_write_default(const fs_config *c, const char *path);
/* Splits "host:port"; 0 or FS_EINVAL. */
int fs__config_split_addr(const char *addr, char *host, size_t hostlen, int *port);

#endif
