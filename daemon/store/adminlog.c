/* adminlog.c - the admin-event log beside the store (adminlog.h). */
#include "store/adminlog.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include <sodium.h>

#include "buf.h"
#include "fs_errno.h"
#include "hlc.h"
#include "log.h"
#include "privdir.h"
#include "store/central.h"
#include "store/impl.h"

/* Set while fs__adminlog_replay runs (a `fieldsyncd restore` process):
 * the replayed commands are already in the log. */
static int replaying;

static const char *const logged_cmds[] = {
    "staff.add", "staff.edit", "revoke",   "depart",  "transfer",
    "cover",     "cover.end",  "lend",     "lend.end", "person.erase"};

static int is_logged(const fs_msg_admin *req) {
  int hit = 0;

  for (size_t i = 0; i < sizeof(logged_cmds) / sizeof(logged_cmds[0]); i++)
    if (req->cmd && strcmp(req->cmd, logged_cmds[i]) == 0)
      hit = 1;
  /* A dry run changes nothing. */
  for (uint32_t i = 0; hit && i < req->nargs; i++)
    if (req->args[i].key && strcmp(req->args[i].key, "dry-run") == 0 &&
        req->args[i].type == FS_ARG_BOOL && req->args[i].i)
      hit = 0;
  return hit;
}

int fs__adminlog_path(fs_central *c, char *buf, size_t len) {
  const char *db = sqlite3_db_filename(fs__central_db(c), "main");
  const char *slash = db ? strrchr(db, '/') : NULL;
  int n;

  if (slash == NULL)
    n = snprintf(buf, len, "%s", FS_ADMINLOG_NAME);
  else
    n = snprintf(buf, len, "%.*s/%s", (int)(slash - db), db, FS_ADMINLOG_NAME);
  return n < 0 || (size_t)n >= len ? FS_EOVERFLOW : 0;
}

int fs__adminlog_create(fs_central *c) {
  char path[PATH_MAX];
  int fd, rc = fs__adminlog_path(c, path, sizeof(path));

  if (rc)
    return rc;
  fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0 && errno == EEXIST)
    return 0;
  if (fd < 0) {
    FS_ERROR("cannot create the admin-event log %s: %s", path, strerror(errno));
    return FS_EIO;
  }
  rc = fsync(fd) == 0 ? 0 : FS_EIO;
  close(fd);
  fs__dir_sync_of(path);
  return rc;
}

/* ---- reading ---------------------------------------------------------- */

typedef struct event {
  uint64_t id;
  int64_t at;
  fs_msg msg; /* FS_MSG_ADMIN */
} event;

typedef int (*event_fn)(void *arg, event *e);

/* Parses one line (without its newline).  0, or FS_EDB if malformed. */
static int parse_line(char *line, event *e) {
  char *p = line, *end;
  size_t hexlen, binlen = 0;
  uint8_t *bin = NULL;
  int rc;

  memset(e, 0, sizeof(*e));
  if (p[0] != 'E' || p[1] != ' ')
    return FS_EDB;
  p += 2;
  errno = 0;
  e->id = strtoull(p, &end, 10);
  if (end == p || *end != ' ' || errno || e->id == 0)
    return FS_EDB;
  p = end + 1;
  e->at = strtoll(p, &end, 10);
  if (end == p || *end != ' ' || errno)
    return FS_EDB;
  p = end + 1;
  hexlen = strlen(p);
  if (hexlen == 0 || hexlen % 2 || hexlen / 2 > FS_MSG_MAX_BYTES)
    return FS_EDB;
  bin = malloc(hexlen / 2);
  if (bin == NULL)
    return FS_ENOMEM;
  rc = sodium_hex2bin(bin, hexlen / 2, p, hexlen, NULL, &binlen, NULL) == 0 &&
               binlen == hexlen / 2
           ? 0
           : FS_EDB;
  if (rc == 0)
    rc = fs__msg_decode(bin, binlen, &e->msg) ? FS_EDB : 0;
  if (rc == 0 && e->msg.type != FS_MSG_ADMIN) {
    fs__msg_release(&e->msg);
    rc = FS_EDB;
  }
  free(bin);
  return rc;
}

/* Calls fn for every complete line of the log, in file order; a last line
 * without its newline (torn by a crash) is skipped.  *last_id (may be
 * NULL) gets the highest id, *good_end (may be NULL) the offset after the
 * last complete line.  FS_ENOTFOUND if there is no log. */
static int scan(const char *path, event_fn fn, void *arg, uint64_t *last_id,
                off_t *good_end) {
  FILE *f = fopen(path, "re");
  char *line = NULL;
  size_t cap = 0;
  ssize_t n;
  unsigned long lineno = 0;
  off_t end = 0;
  int rc = 0;

  if (last_id)
    *last_id = 0;
  if (f == NULL)
    return errno == ENOENT ? FS_ENOTFOUND : FS_EIO;
  while (rc == 0 && (n = getline(&line, &cap, f)) > 0) {
    event e;
    lineno++;
    if (line[n - 1] != '\n') {
      FS_WARN("%s: last line %lu is incomplete (cut by a crash?); ignored", path, lineno);
      break;
    }
    line[n - 1] = '\0';
    rc = parse_line(line, &e);
    if (rc) {
      FS_ERROR("%s: line %lu is damaged; the admin-event log cannot be used as it is",
               path, lineno);
      break;
    }
    if (last_id && e.id > *last_id)
      *last_id = e.id;
    if (fn)
      rc = fn(arg, &e);
    fs__msg_release(&e.msg);
    end += n;
  }
  if (good_end)
    *good_end = end;
  if (rc == 0 && ferror(f))
    rc = FS_EIO;
  free(line);
  fclose(f);
  return rc;
}

/* ---- writing ---------------------------------------------------------- */

static int append_event(fs_central *c, const fs_msg_admin *req);

int fs__adminlog_record(fs_central *c, const fs_msg_admin *req) {
  if (replaying || !is_logged(req))
    return 0;
  return append_event(c, req);
}

int fs__adminlog_enrolled(fs_central *c, uint64_t device, const char *staff, int slot,
                          const uint8_t pub[32]) {
  char hex[65];
  fs_admin_arg args[4];
  fs_msg_admin req;

  if (replaying)
    return 0;
  sodium_bin2hex(hex, sizeof(hex), pub, 32);
  memset(args, 0, sizeof(args));
  args[0].key = "device";
  args[0].type = FS_ARG_INT;
  args[0].i = (int64_t)device;
  args[1].key = "staff";
  args[1].type = FS_ARG_STR;
  args[1].s = (char *)staff;
  args[2].key = "slot";
  args[2].type = FS_ARG_INT;
  args[2].i = slot;
  args[3].key = "pubkey";
  args[3].type = FS_ARG_STR;
  args[3].s = hex;
  req.cmd = FS_ADMINLOG_ENROLLED;
  req.args = args;
  req.nargs = 4;
  return append_event(c, &req);
}

static const fs_admin_arg *arg_named(const fs_msg_admin *req, const char *key,
                                     fs_arg_type type) {
  for (uint32_t i = 0; i < req->nargs; i++)
    if (req->args[i].key && strcmp(req->args[i].key, key) == 0 &&
        req->args[i].type == type)
      return &req->args[i];
  return NULL;
}

int fs__adminlog_enroll_replay(fs_central *c, const fs_msg_admin *req, int *added,
                               char *why, size_t whylen) {
  sqlite3 *db = fs__central_db(c);
  const fs_admin_arg *dev = arg_named(req, "device", FS_ARG_INT);
  const fs_admin_arg *staff = arg_named(req, "staff", FS_ARG_STR);
  const fs_admin_arg *slot = arg_named(req, "slot", FS_ARG_INT);
  const fs_admin_arg *key = arg_named(req, "pubkey", FS_ARG_STR);
  uint8_t pub[32];
  size_t publen = 0;
  sqlite3_stmt *st = NULL;
  char detail[64];
  int rc;

  *added = 0;
  if (dev == NULL || staff == NULL || slot == NULL || key == NULL || staff->s == NULL ||
      key->s == NULL ||
      sodium_hex2bin(pub, sizeof(pub), key->s, strlen(key->s), NULL, &publen, NULL) !=
          0 ||
      publen != sizeof(pub)) {
    snprintf(why, whylen, "the event is incomplete");
    return 0;
  }
  rc = sqlite3_prepare_v2(
      db,
      "INSERT INTO devices(id, staff, pubkey, slot, status, enrolled_at, last_seen) "
      "SELECT ?1, ?2, ?3, ?4, 'active', ?5, ?5 WHERE EXISTS (SELECT 1 FROM staff WHERE "
      "code=?2) AND NOT EXISTS (SELECT 1 FROM devices WHERE id=?1 OR pubkey=?3 OR "
      "(staff=?2 AND slot=?4))",
      -1, &st, NULL);
  if (rc != SQLITE_OK)
    return fs__db_err(db, rc);
  sqlite3_bind_int64(st, 1, (sqlite3_int64)dev->i);
  sqlite3_bind_text(st, 2, staff->s, -1, SQLITE_STATIC);
  sqlite3_bind_blob(st, 3, pub, sizeof(pub), SQLITE_STATIC);
  sqlite3_bind_int64(st, 4, (sqlite3_int64)slot->i);
  sqlite3_bind_int64(st, 5, (sqlite3_int64)fs__now_ms());
  rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE)
    return fs__db_err(db, rc);
  *added = sqlite3_changes(db) > 0;
  if (!*added) {
    snprintf(why, whylen,
             "the store already knows this device or slot, or lacks staff %s", staff->s);
    return 0;
  }
  snprintf(detail, sizeof(detail), "device %lld re-registered by a restore, slot %lld",
           (long long)dev->i, (long long)slot->i);
  return fs__audit(c, "restore", "device.enroll", staff->s, NULL, (long long)dev->i,
                   detail, NULL);
}

static int append_event(fs_central *c, const fs_msg_admin *req) {
  sqlite3 *db = fs__central_db(c);
  char path[PATH_MAX], head[64];
  long long stored = 0;
  uint64_t last = 0, id;
  fs_msg m;
  fs_buf b;
  char *line = NULL;
  size_t hn, len;
  off_t good_end = 0;
  int fd = -1, rc;

  rc = fs__adminlog_path(c, path, sizeof(path));
  if (rc)
    return rc;
  rc = scan(path, NULL, NULL, &last, &good_end);
  if (rc == FS_ENOTFOUND)
    rc = 0; /* made below, as on a first start */
  if (rc)
    return rc;
  if (fs__meta_get_int(db, FS_ADMINLOG_META, &stored) == 0 && stored > 0 &&
      (uint64_t)stored > last)
    last = (uint64_t)stored; /* ids never go back, even over a replaced log */
  id = last + 1;
  fs__msg_init(&m, FS_MSG_ADMIN);
  m.u.admin = *req;
  fs__buf_init(&b, FS_MSG_MAX_BYTES);
  rc = fs__msg_encode(&m, &b);
  if (rc)
    goto out;
  hn = (size_t)snprintf(head, sizeof(head), "E %" PRIu64 " %" PRIu64 " ", id,
                        fs__now_ms());
  len = hn + b.len * 2 + 1;
  line = malloc(len + 1);
  if (line == NULL) {
    rc = FS_ENOMEM;
    goto out;
  }
  memcpy(line, head, hn);
  sodium_bin2hex(line + hn, b.len * 2 + 1, b.data, b.len);
  line[len - 1] = '\n';
  fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    FS_ERROR("cannot open the admin-event log %s: %s; the command is not carried out",
             path, strerror(errno));
    rc = FS_EIO;
    goto out;
  }
  /* A torn tail (an append cut by a crash: its command never committed)
   * goes, so the new line starts on a line of its own. */
  if (ftruncate(fd, good_end) != 0) {
    FS_ERROR("cannot repair the admin-event log %s: %s", path, strerror(errno));
    rc = FS_EIO;
    goto out;
  }
  /* One write of the whole line: O_APPEND puts it at the end in one piece;
   * fdatasync before the store commits, so the log is never behind it. */
  if (write(fd, line, len) != (ssize_t)len || fdatasync(fd) != 0) {
    rc = errno == ENOSPC ? FS_EFULL : FS_EIO;
    FS_ERROR(
        "cannot append to the admin-event log %s: %s; the command is not carried out",
        path, strerror(errno));
    (void)ftruncate(fd, good_end); /* no partial line left behind */
    goto out;
  }
  rc = fs__meta_set_int(db, FS_ADMINLOG_META, (long long)id);
out:
  if (fd >= 0)
    close(fd);
  free(line);
  fs__buf_release(&b);
  return rc;
}

/* ---- replay ----------------------------------------------------------- */

typedef struct replay_ctx {
  fs_central *c;
  uint64_t done; /* the store's meta 'admin_event' */
  fs_adminlog_exec_fn fn;
  void *arg;
  int n;
} replay_ctx;

static int replay_one(void *arg, event *e) {
  replay_ctx *x = arg;
  int rc;

  if (e->id <= x->done)
    return 0;
  rc = fs__central_begin(x->c);
  if (rc)
    return rc;
  rc = x->fn(x->arg, x->c, e->id, e->at, &e->msg.u.admin);
  if (rc == 0)
    rc = fs__meta_set_int(fs__central_db(x->c), FS_ADMINLOG_META, (long long)e->id);
  if (rc == 0)
    rc = fs__central_commit(x->c);
  else
    fs__central_rollback(x->c);
  if (rc == 0) {
    x->done = e->id;
    x->n++;
  }
  return rc;
}

int fs__adminlog_replay(fs_central *c, const char *path, fs_adminlog_exec_fn fn,
                        void *arg, int *replayed) {
  replay_ctx x;
  long long stored = 0;
  int rc;

  memset(&x, 0, sizeof(x));
  x.c = c;
  x.fn = fn;
  x.arg = arg;
  if (fs__meta_get_int(fs__central_db(c), FS_ADMINLOG_META, &stored) == 0 && stored > 0)
    x.done = (uint64_t)stored;
  replaying = 1;
  rc = scan(path, replay_one, &x, NULL, NULL);
  replaying = 0;
  if (replayed)
    *replayed = x.n;
  return rc;
}
