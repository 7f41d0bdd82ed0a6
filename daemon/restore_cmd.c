/* restore_cmd.c - `fieldsyncd restore` (restore_cmd.h): the backup file
 * (backup_file.h) is extracted into DATA/.restore.PID, its store gets a
 * new generation and the admin events it lacks, and only then do its
 * files replace DATA's. */
#include "restore_cmd.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "admin.h"
#include "backup_file.h"
#include "cmdline.h"
#include "config.h"
#include "date.h"
#include "fs_errno.h"
#include "keys.h"
#include "privdir.h"
#include "store/adminlog.h"
#include "store/backup.h"
#include "store/central.h"
#include "store/generation.h"

typedef struct restore_opts {
  const char *file;
  const char *passfile;
  const char *events;
  int force;
  int force_insecure;
} restore_opts;

/* 1 if dir holds anything but the admin-event log and the store's lock. */
static int dir_has_data(const char *dir) {
  DIR *d = opendir(dir);
  struct dirent *e;
  int found = 0;

  if (d == NULL)
    return 0;
  while (!found && (e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
        strcmp(e->d_name, FS_ADMINLOG_NAME) == 0 ||
        strcmp(e->d_name, "central.db.lock") == 0)
      continue;
    found = 1;
  }
  closedir(d);
  return found;
}

static void rm_tree_flat(const char *dir) {
  DIR *d = opendir(dir);
  struct dirent *e;
  char p[PATH_MAX];

  if (d == NULL)
    return;
  while ((e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
      continue;
    (void)fs__bk_path_join(p, sizeof(p), dir, e->d_name);
    unlink(p);
  }
  closedir(d);
  rmdir(dir);
}

typedef struct replay_arg {
  fs_admin_ctx ctx;
} replay_arg;

/* ms since the epoch as "YYYY-MM-DD HH:MM +08:00" (date.h's time rule). */
static void fmt_when(char *buf, size_t len, int64_t ms) {
  char s[FS_INSTANT_MAX];

  if (fs__instant_format(ms, FS_INSTANT_TEXT, s) == 0)
    snprintf(buf, len, "%s", s);
  else
    snprintf(buf, len, "%lld ms", (long long)ms);
}

static int replay_exec(void *arg, fs_central *c, uint64_t id, int64_t at_ms,
                       const fs_msg_admin *req) {
  replay_arg *a = arg;
  fs_msg_admin_result res;
  char when[64];
  int rc;

  memset(&res, 0, sizeof(res));
  a->ctx.c = c;
  fmt_when(when, sizeof(when), at_ms);
  if (strcmp(req->cmd, FS_ADMINLOG_ENROLLED) == 0) {
    char why[160];
    int added = 0;
    rc = fs__adminlog_enroll_replay(c, req, &added, why, sizeof(why));
    if (rc == 0)
      printf("  replayed admin event %" PRIu64 " (device enrolled, made %s): %s\n", id,
             when, added ? "registered again" : why);
    return rc;
  }
  rc = fs__admin_exec(&a->ctx, req, &res);
  if (rc == 0)
    printf("  replayed admin event %" PRIu64 " (%s, made %s): %s%s%s\n", id, req->cmd,
           when, res.ok ? "done" : "refused by the restored store: ",
           res.ok ? "" : (res.text ? res.text : ""), res.ok ? "" : " (nothing to undo)");
  free(res.text);
  free(res.out);
  free(res.json);
  return rc;
}

/* Gives the restored store (in tmpdir) its new generation and replays the
 * admin events it lacks.  Messages printed. */
static int restore_prepare(const char *tmpdir, const char *events, char gen[33],
                           int *replayed) {
  char path[PATH_MAX], err[512];
  fs_central *c = NULL;
  fs_keypair *kp = NULL;
  fs_config cfg;
  replay_arg ra;
  int rc;

  *replayed = 0;
  fs__config_defaults(&cfg);
  (void)fs__bk_path_join(path, sizeof(path), tmpdir, "fieldsyncd.conf");
  rc = fs__config_load(&cfg, path, err, sizeof(err));
  if (rc == FS_ENOTFOUND)
    rc = 0;
  if (rc) {
    fprintf(stderr, "fieldsyncd: the backup's fieldsyncd.conf is refused: %s\n",
            rc == FS_EINVAL ? err : fs_strerror(rc));
    return rc;
  }
  (void)fs__bk_path_join(path, sizeof(path), tmpdir, "daemon.key");
  rc = fs__keypair_load(&kp, path);
  if (rc) {
    fprintf(stderr, "fieldsyncd: the backup's daemon key is unusable: %s\n",
            fs_strerror(rc));
    return rc;
  }
  (void)fs__bk_path_join(path, sizeof(path), tmpdir, "central.db");
  rc = fs__store_restore_seq_jump(path, NULL);
  if (rc) {
    fprintf(stderr, "fieldsyncd: cannot mark the restored store: %s\n", fs_strerror(rc));
    goto out;
  }
  rc = fs__central_open(path, 0, &c);
  if (rc) {
    fprintf(stderr, "fieldsyncd: the backup's store cannot be opened: %s\n",
            fs_strerror(rc));
    goto out;
  }
  fs__central_set_wipe_deadline(c, (int64_t)cfg.wipe_deadline_days * 86400000LL);
  rc = fs__central_begin(c);
  if (rc == 0)
    rc = fs__generation_renew(c, gen);
  if (rc == 0)
    rc = fs__central_commit(c);
  else
    fs__central_rollback(c);
  if (rc) {
    fprintf(stderr, "fieldsyncd: cannot mark the restored store: %s\n", fs_strerror(rc));
    goto out;
  }
  if (events) {
    memset(&ra, 0, sizeof(ra));
    ra.ctx.cfg = &cfg;
    ra.ctx.daemon_pub = kp->pub;
    ra.ctx.actor = "restore";
    rc = fs__adminlog_replay(c, events, replay_exec, &ra, replayed);
    if (rc)
      fprintf(
          stderr,
          "fieldsyncd: cannot replay the admin-event log %s: %s; nothing was restored\n",
          events, fs_strerror(rc));
  }
out:
  fs__central_free(c);
  fs__keypair_free(kp);
  (void)fs__bk_path_join(path, sizeof(path), tmpdir, "central.db.lock");
  unlink(path);
  return rc;
}

/* Copies the admin-event log at src into DATA (unless it is that file):
 * the log given from elsewhere becomes this daemon's.  Via a temporary
 * file and a rename, so DATA never holds half a log. */
static int log_adopt(const char *src, const char *data) {
  char dst[PATH_MAX], tmp[PATH_MAX], buf[8192];
  struct stat a, b;
  FILE *in = NULL;
  size_t n;
  int fd = -1, rc;

  (void)fs__bk_path_join(dst, sizeof(dst), data, FS_ADMINLOG_NAME);
  (void)fs__bk_path_join(tmp, sizeof(tmp), data, FS_ADMINLOG_NAME ".tmp");
  if (stat(src, &a) == 0 && stat(dst, &b) == 0 && a.st_dev == b.st_dev &&
      a.st_ino == b.st_ino)
    return 0;
  in = fopen(src, "rbe");
  fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  rc = in && fd >= 0 ? 0 : FS_EIO;
  while (rc == 0 && (n = fread(buf, 1, sizeof(buf), in)) > 0)
    rc = fs__bk_write_all(fd, buf, n);
  if (rc == 0 && (ferror(in) || fsync(fd) != 0))
    rc = FS_EIO;
  if (in)
    fclose(in);
  if (fd >= 0)
    close(fd);
  if (rc == 0 && rename(tmp, dst) != 0)
    rc = FS_EIO;
  if (rc) {
    unlink(tmp);
    fprintf(stderr, "fieldsyncd: cannot copy the admin-event log %s to %s\n", src, dst);
  }
  return rc;
}

/* The arguments into o.  0, or FS_EXIT_USAGE (message printed). */
static int restore_args(restore_opts *o, int argc, char **argv) {
  for (int i = 0; i < argc; i++) {
    if (strcmp(argv[i], "--force") == 0)
      o->force = 1;
    else if (strcmp(argv[i], "--force-insecure") == 0)
      o->force_insecure = 1;
    else if (strcmp(argv[i], "--passphrase-file") == 0 && i + 1 < argc)
      o->passfile = argv[++i];
    else if (strcmp(argv[i], "--events") == 0 && i + 1 < argc)
      o->events = argv[++i];
    else if (argv[i][0] != '-' && o->file == NULL)
      o->file = argv[i];
    else
      return fs__bk_usage(FS_RESTORE_USAGE, "unknown or incomplete argument %s", argv[i]);
  }
  if (o->file == NULL)
    return fs__bk_usage(FS_RESTORE_USAGE, "name the backup file to restore");
  return 0;
}

/* 1 if a restore may go into data: no daemon holds its store, it is a
 * private directory (made if missing), and it holds no data unless
 * --force says to replace it.  Else 0, message printed. */
static int restore_allowed(const char *data, const restore_opts *o) {
  char store[PATH_MAX];

  (void)fs__bk_path_join(store, sizeof(store), data, "central.db");
  if (fs__store_in_use(store)) {
    fprintf(
        stderr,
        "fieldsyncd: a fieldsyncd (pid %ld) holds the store in %s; stop it first, then "
        "restore (a restore replaces the store under a running daemon's feet)\n",
        fs__central_holder(store), data);
    return 0;
  }
  if (fs__privdir_check(data, 1) != 0)
    return 0;
  if (dir_has_data(data) && !o->force) {
    fprintf(stderr,
            "fieldsyncd: %s is not empty; restoring replaces its store, key and config: "
            "add --force if that is what you want\n",
            data);
    return 0;
  }
  return 1;
}

/* The admin-event log to replay, --events LOG or DATA's own, into events
 * (len bytes); *ev = events when it can be read.  1, or 0 (refused,
 * message printed) when there is none and no --force-insecure. */
static int restore_events(const char *data, const restore_opts *o, char *events,
                          size_t len, const char **ev) {
  /* The admin-event log keeps revocations, departures, wipe orders and
   * handovers made after the backup: without it they would be undone. */
  if (o->events)
    (void)!snprintf(events, len, "%s", o->events);
  else
    (void)fs__bk_path_join(events, len, data, FS_ADMINLOG_NAME);
  if (access(events, R_OK) == 0) {
    *ev = events;
  } else if (!o->force_insecure) {
    fprintf(
        stderr,
        "fieldsyncd: no admin-event log at %s: without it, device revocations, "
        "departures, wipe orders and handovers made after the backup would be undone.  "
        "Copy the old daemon's %s there (or give --events LOG); only if it is truly "
        "lost, restore with --force-insecure and re-check `fieldsyncd devices` and "
        "`fieldsyncd staff list` afterwards\n",
        events, FS_ADMINLOG_NAME);
    return 0;
  } else {
    fprintf(stderr,
            "fieldsyncd: WARNING: restoring without an admin-event log "
            "(--force-insecure): revocations, departures, wipe orders and handovers "
            "made after the backup are undone; redo them now\n");
  }
  return 1;
}

/* Moves the prepared files from tmpdir into data, and adopts the log
 * given with --events (adopt, or NULL).  Messages printed. */
static int restore_install(const char *data, const char *tmpdir, const char *adopt) {
  static const char *const stale[] = {"central.db-wal", "central.db-shm",
                                      "central.db-journal"};
  static const char *const files[] = {"daemon.key", "daemon.key.pub", "fieldsyncd.conf",
                                      "central.db"};
  char from[PATH_MAX], to[PATH_MAX], store[PATH_MAX];
  int rc = 0;

  /* The old store's -wal/-shm go first: a stale WAL beside the new file
   * would be replayed into it. */
  for (size_t i = 0; i < sizeof(stale) / sizeof(stale[0]); i++) {
    (void)fs__bk_path_join(to, sizeof(to), data, stale[i]);
    unlink(to);
  }
  for (size_t i = 0; rc == 0 && i < sizeof(files) / sizeof(files[0]); i++) {
    (void)fs__bk_path_join(from, sizeof(from), tmpdir, files[i]);
    (void)fs__bk_path_join(to, sizeof(to), data, files[i]);
    if (access(from, F_OK) != 0) {
      unlink(to); /* the backup had none: the old one must not stay */
      continue;
    }
    if (rename(from, to) != 0) {
      fprintf(stderr, "fieldsyncd: cannot move %s to %s: %s\n", from, to,
              strerror(errno));
      rc = FS_EIO;
    }
  }
  if (rc == 0 && adopt)
    rc = log_adopt(adopt, data);
  (void)fs__bk_path_join(store, sizeof(store), data, "central.db");
  fs__dir_sync_of(store);
  return rc;
}

/* What was restored, from when, and what to do next. */
static void restore_report(const char *data, const char *file, const char *gen,
                           int replayed, const char *ev, const char *manifest) {
  const char *p = strstr(manifest, "created_at=");
  char when[64];

  printf(
      "restored %s into %s\n  new store generation %s: devices re-upload what they hold "
      "and take a fresh copy at their next sync\n  admin events replayed: %d%s\n",
      file, data, gen, replayed,
      ev ? "" : " (NO admin-event log: redo revocations and departures made since)");
  if (p) {
    fmt_when(when, sizeof(when), strtoll(p + 11, NULL, 10));
    printf("  the backup was made %s\n", when);
  }
  printf("next: fieldsyncd verify --data %s, then fieldsyncd serve --data %s\n", data,
         data);
}

int fs__restore_cmd(const char *data, int argc, char **argv) {
  restore_opts o;
  char tmpdir[PATH_MAX], events[PATH_MAX], gen[33], manifest[1024];
  const char *ev = NULL;
  fs_bk_reader r;
  int rc, replayed = 0, made_tmp = 0;

  memset(&o, 0, sizeof(o));
  memset(&r, 0, sizeof(r));
  r.fd = -1;
  if (!fs__bk_data_path_ok(data))
    return FS_EXIT_ERR;
  rc = restore_args(&o, argc, argv);
  if (rc)
    return rc;
  if (!restore_allowed(data, &o))
    return FS_EXIT_ERR;
  if (!restore_events(data, &o, events, sizeof(events), &ev))
    return FS_EXIT_ERR;
  rc = fs__bk_reader_open(&r, o.file, o.passfile);
  if (rc)
    goto out;
  (void)!snprintf(tmpdir, sizeof(tmpdir), "%s/.restore.%ld", data, (long)getpid());
  if (mkdir(tmpdir, 0700) != 0) {
    fprintf(stderr, "fieldsyncd: cannot create %s: %s\n", tmpdir, strerror(errno));
    rc = FS_EIO;
    goto out;
  }
  made_tmp = 1;
  rc = fs__bk_extract(&r, o.file, tmpdir, manifest, sizeof(manifest));
  if (rc)
    goto out;
  rc = restore_prepare(tmpdir, ev, gen, &replayed);
  if (rc)
    goto out;
  rc = restore_install(data, tmpdir, o.events ? events : NULL);
  if (rc)
    goto out;
  restore_report(data, o.file, gen, replayed, ev, manifest);
out:
  fs__bk_reader_close(&r);
  if (made_tmp)
    rm_tree_flat(tmpdir);
  return rc ? FS_EXIT_ERR : FS_EXIT_OK;
}
