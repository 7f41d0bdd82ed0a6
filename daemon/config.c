/* config.c - fieldsyncd settings (config.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fs_errno.h"
#include "log.h"

void fs__config_defaults(fs_config *c) {
  memset(c, 0, sizeof(*c));
  snprintf(c->listen, sizeof(c->listen), "127.0.0.1:7700");
  c->frame_max = 1048576;
  c->max_conns = 10000;
  c->handshake_ms = 10000;
  c->idle_ms = 90000; /* PROTOCOL.md s.7: clients PING every 30 s */
  c->write_queue_max = 8u << 20;
  c->pull_page = 2000;
  c->writer_queue = 8192;
  c->token_hours = 72;
  c->lock_days = 30;
  c->tombstone_days = 30;
  c->rekey_interval = 65536;
  c->wipe_deadline_days = 14;
  c->history_days = 90;
  c->serial_block = 20; /* store/serials.h FS_SERIALS_BLOCK_DEFAULT */
  c->max_startups[0] = 100;
  c->max_startups[1] = 30;
  c->max_startups[2] = 1000;
  c->max_startups_per_source = 256;
  snprintf(c->log_level, sizeof(c->log_level), "info");
}

static int parse_uint(const char *v, unsigned long long lo, unsigned long long hi,
                      unsigned long long *out) {
  char *end;
  unsigned long long x;

  if (v == NULL || *v == '\0' || *v == '-')
    return FS_EINVAL;
  errno = 0;
  x = strtoull(v, &end, 10);
  if (errno || *end || x < lo || x > hi)
    return FS_EINVAL;
  *out = x;
  return 0;
}

int fs__config_split_addr(const char *addr, char *host, size_t hostlen, int *port) {
  const char *colon = strrchr(addr, ':');
  unsigned long long p;

  if (colon == NULL || colon == addr || (size_t)(colon - addr) >= hostlen)
    return FS_EINVAL;
  /* Port 0 lets the kernel pick (tests); the bound port is printed. */
  if (parse_uint(colon + 1, 0, 65535, &p))
    return FS_EINVAL;
  memcpy(host, addr, (size_t)(colon - addr));
  host[colon - addr] = '\0';
  *port = (int)p;
  return 0;
}

/* One table: key, kind, bounds, where. */
typedef struct opt {
  const char *key;
  int kind; /* 0 text, 1 uint, 2 size, 3 start:rate:full (3 uint) */
  unsigned long long lo, hi;
  size_t off, size;
  const char *help;
} opt;

#define OFF(f) offsetof(fs_config, f), sizeof(((fs_config *)0)->f)
static const opt opts[] = {
    {"listen", 0, 0, 0, OFF(listen), "address to listen on, host:port"},
    {"public_addr", 0, 0, 0, OFF(public_addr), "address clients reach (in tokens)"},
    {"frame_max", 2, 1024, 64u << 20, OFF(frame_max), "largest frame in bytes"},
    {"max_conns", 1, 1, 1000000, OFF(max_conns), "most concurrent connections"},
    {"handshake_ms", 1, 100, 600000, OFF(handshake_ms), "handshake timeout"},
    {"idle_ms", 1, 100, 86400000, OFF(idle_ms), "idle connection timeout"},
    {"write_queue_max", 2, 65536, 1u << 30, OFF(write_queue_max),
     "unsent bytes per connection before its reads pause"},
    {"pull_page", 1, 1, 10000, OFF(pull_page), "journal entries per pull page"},
    {"writer_queue", 1, 1, 1000000, OFF(writer_queue), "max queued writer jobs"},
    {"token_hours", 1, 1, 8760, OFF(token_hours), "enrollment token lifetime"},
    {"lock_days", 1, 1, 3650, OFF(lock_days), "replica lock after days unsynced"},
    {"tombstone_days", 1, 0, 3650, OFF(tombstone_days),
     "deleted records are purged once every device seen within this many days has them"},
    {"rekey_interval", 1, 16, 1u << 30, OFF(rekey_interval), "messages between rekeys"},
    {"wipe_deadline_days", 1, 0, 3650, OFF(wipe_deadline_days),
     "days after a revoke --wipe, departure or transfer during which the device's final "
     "upload and handover-fenced changes are still taken"},
    {"history_days", 1, 1, 3650, OFF(history_days),
     "days the change history (conflict log values, quarantined uploads, handover report "
     "texts) is kept; older entries are purged hourly (docs/RETENTION.md)"},
    {"serial_block", 1, 1, 10000, OFF(serial_block),
     "archive serials per block handed to a device (issue 14): a device is given a new "
     "block at a sync when fewer than this many of its serials are left"},
    {"max_startups", 3, 1, 1000000, OFF(max_startups),
     "unauthenticated connections, start:rate:full: from start on, new ones are shed at "
     "random (rate% rising to 100% at full)"},
    {"max_startups_per_source", 1, 1, 1000000, OFF(max_startups_per_source),
     "unauthenticated connections from one address (IPv6: one /64)"},
    {"log_level", 0, 0, 0, OFF(log_level), "error, warn, info or debug"},
};

int fs__config_set(fs_config *c, const char *key, const char *value, char *err,
                   size_t errlen) {
  for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
    const opt *o = &opts[i];
    unsigned long long x;
    char *dst = (char *)c + o->off;

    if (strcmp(o->key, key) != 0)
      continue;
    if (o->kind == 0) {
      if (strlen(value) >= o->size) {
        snprintf(err, errlen, "%s: value too long (at most %zu bytes)", key, o->size - 1);
        return FS_EINVAL;
      }
      if (strcmp(key, "log_level") == 0 && fs__log_parse_level(value) < 0) {
        snprintf(err, errlen, "log_level: \"%s\" is not one of error, warn, info, debug",
                 value);
        return FS_EINVAL;
      }
      snprintf(dst, o->size, "%s", value);
      return 0;
    }
    if (o->kind == 3) {
      unsigned v[3];
      char tail;
      if (sscanf(value, "%u:%u:%u%c", &v[0], &v[1], &v[2], &tail) != 3 || v[0] < o->lo ||
          v[1] > 100 || v[2] < v[0] || v[2] > o->hi) {
        snprintf(err, errlen,
                 "%s: \"%s\" is not start:rate:full (1 <= start <= full <= %llu, rate a "
                 "percentage)",
                 key, value, o->hi);
        return FS_EINVAL;
      }
      memcpy(dst, v, sizeof(v));
      return 0;
    }
    if (parse_uint(value, o->lo, o->hi, &x)) {
      snprintf(err, errlen, "%s: \"%s\" is not a whole number from %llu to %llu", key, value,
               o->lo, o->hi);
      return FS_EINVAL;
    }
    if (o->kind == 1)
      *(unsigned *)(void *)dst = (unsigned)x;
    else
      *(size_t *)(void *)dst = (size_t)x;
    return 0;
  }
  snprintf(err, errlen, "unknown setting \"%s\"", key);
  return FS_EINVAL;
}

static char *trim(char *s) {
  char *e;
  while (*s == ' ' || *s == '\t')
    s++;
  e = s + strlen(s);
  while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
    *--e = '\0';
  return s;
}

int fs__config_load(fs_config *c, const char *path, char *err, size_t errlen) {
  FILE *f = fopen(path, "r");
  char line[512], msg[300];
  int lineno = 0, rc = 0;

  if (f == NULL)
    return errno == ENOENT ? FS_ENOTFOUND : FS_EIO;
  while (fgets(line, sizeof(line), f)) {
    char *s, *eq;
    lineno++;
    s = trim(line);
    if (*s == '#' || *s == '\0')
      continue;
    eq = strchr(s, '=');
    if (eq == NULL) {
      snprintf(err, errlen, "%s:%d: expected key = value", path, lineno);
      rc = FS_EINVAL;
      break;
    }
    *eq = '\0';
    if (fs__config_set(c, trim(s), trim(eq + 1), msg, sizeof(msg))) {
      snprintf(err, errlen, "%s:%d: %s", path, lineno, msg);
      rc = FS_EINVAL;
      break;
    }
  }
  fclose(f);
  return rc;
}

int fs__config_write_default(const fs_config *c, const char *path) {
  /* 0600 like every file of the data directory (privdir.h). */
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  FILE *f;

  if (fd < 0)
    return errno == EEXIST ? FS_EEXIST : FS_EIO;
  f = fdopen(fd, "w");
  if (f == NULL) {
    close(fd);
    return FS_EIO;
  }
  fprintf(f, "# fieldsyncd settings; `fieldsyncd serve` reads this file.\n");
  for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
    const opt *o = &opts[i];
    const char *p = (const char *)c + o->off;
    fprintf(f, "\n# %s\n", o->help);
    if (o->kind == 0)
      fprintf(f, "%s%s = %s\n", *p ? "" : "# ", o->key, p);
    else if (o->kind == 1)
      fprintf(f, "%s = %u\n", o->key, *(const unsigned *)(const void *)p);
    else if (o->kind == 3)
      fprintf(f, "%s = %u:%u:%u\n", o->key, ((const unsigned *)(const void *)p)[0],
              ((const unsigned *)(const void *)p)[1],
              ((const unsigned *)(const void *)p)[2]);
    else
      fprintf(f, "%s = %zu\n", o->key, *(const size_t *)(const void *)p);
  }
  return fclose(f) == 0 ? 0 : FS_EIO;
}
