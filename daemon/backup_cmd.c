/* backup_cmd.c - `fieldsyncd backup` (backup_cmd.h): a consistent copy of
 * the store, the daemon's key and its config into one backup file
 * (backup_file.h), written under a temporary name and then renamed. */
#include "backup_cmd.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "backup_file.h"
#include "cmdline.h"
#include "fs_errno.h"
#include "privdir.h"
#include "store/backup.h"

typedef struct progress {
  int tty;
  const char *what;
  long last_pct;
} progress;

/* arg: a progress. */
static void show_progress(void *arg, uint64_t done, uint64_t total) {
  progress *p = arg;
  long pct;

  if (!p->tty || total == 0)
    return;
  pct = (long)(done * 100 / total);
  if (pct == p->last_pct)
    return;
  p->last_pct = pct;
  fprintf(stderr, "\r%s: %3ld%% (%" PRIu64 " of %" PRIu64 " MiB)", p->what, pct,
          done >> 20, total >> 20);
  if (done >= total)
    fputc('\n', stderr);
}

static void snapshot_progress(void *arg, long done, long total) {
  /* Pages; the default page is 4 KiB, close enough for a progress line. */
  show_progress(arg, (uint64_t)done * 4096, (uint64_t)total * 4096);
}

/* One backup: what it was asked, what it made so far. */
typedef struct backup_job {
  const char *data;
  const char *to;       /* --to FILE */
  const char *passfile; /* --passphrase-file F, or NULL */
  char store[PATH_MAX]; /* DATA/central.db */
  char key[PATH_MAX];   /* DATA/daemon.key */
  char snap[PATH_MAX];  /* the store's copy, beside FILE */
  char tmp[PATH_MAX];   /* FILE under its temporary name */
  char gen[33];         /* the copy's store generation */
  long long admin_event, seq;
  char *pass; /* the passphrase (sodium_malloc'd), or NULL */
  size_t plen;
  progress pg;
  fs_bk_writer w;
  int fd;        /* tmp, open */
  int made_snap; /* snap exists */
  int made_tmp;  /* tmp was created by this backup (only then is it removed) */
} backup_job;

/* The options into j.  0, or FS_EXIT_USAGE (message printed). */
static int backup_args(backup_job *j, int argc, char **argv) {
  for (int i = 0; i < argc; i++) {
    if (strcmp(argv[i], "--to") == 0 && i + 1 < argc)
      j->to = argv[++i];
    else if (strcmp(argv[i], "--passphrase-file") == 0 && i + 1 < argc)
      j->passfile = argv[++i];
    else
      return fs__bk_usage(FS_BACKUP_USAGE, "unknown or incomplete option %s", argv[i]);
  }
  if (j->to == NULL)
    return fs__bk_usage(FS_BACKUP_USAGE, "say where the backup goes: --to FILE");
  return 0;
}

/* 1 if DATA holds a daemon (its store and key); else 0, message printed. */
static int backup_source_ok(backup_job *j) {
  (void)fs__bk_path_join(j->store, sizeof(j->store), j->data, "central.db");
  (void)fs__bk_path_join(j->key, sizeof(j->key), j->data, "daemon.key");
  if (access(j->store, F_OK) == 0 && access(j->key, F_OK) == 0)
    return 1;
  fprintf(stderr,
          "fieldsyncd: %s holds no daemon (central.db or daemon.key missing); give the "
          "data directory with --data DIR\n",
          j->data);
  return 0;
}

/* The names of the store's copy and of the file being written, both
 * beside FILE.  0, FS_EOVERFLOW (message printed). */
static int backup_names(backup_job *j) {
  if ((size_t)snprintf(j->snap, sizeof(j->snap), "%s.db-tmp.%ld", j->to,
                       (long)getpid()) >= sizeof(j->snap) ||
      (size_t)snprintf(j->tmp, sizeof(j->tmp), "%s.tmp.%ld", j->to, (long)getpid()) >=
          sizeof(j->tmp)) {
    fprintf(stderr, "fieldsyncd: backup path too long\n");
    return FS_EOVERFLOW;
  }
  return 0;
}

/* Copies the store to snap (with progress on a terminal) and reads the
 * copy's generation and counters.  Messages printed. */
static int backup_snapshot(backup_job *j) {
  struct stat sb;
  int rc;

  j->pg.tty = isatty(STDERR_FILENO);
  j->pg.what = "backup: copying the store";
  j->pg.last_pct = -1;
  /* Only large stores show progress: a small copy is over at once. */
  if (stat(j->store, &sb) == 0 && sb.st_size < 16 * 1024 * 1024)
    j->pg.tty = 0;
  rc = fs__store_snapshot(j->store, j->snap, snapshot_progress, &j->pg);
  if (rc) {
    fprintf(stderr, "fieldsyncd: cannot copy the central store %s to %s: %s\n", j->store,
            j->snap, fs_strerror(rc));
    return rc;
  }
  j->made_snap = 1;
  rc = fs__store_snapshot_info(j->snap, j->gen, &j->admin_event, &j->seq);
  if (rc)
    fprintf(stderr, "fieldsyncd: the copy of the store is unreadable: %s\n",
            fs_strerror(rc));
  return rc;
}

/* Creates tmp and readies the writer on it (the key derived from the
 * passphrase).  Messages printed but for want of memory. */
static int backup_create(backup_job *j) {
  /* Created 0600 (O_EXCL: never someone else's file) before any byte. */
  j->fd = open(j->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (j->fd < 0) {
    fprintf(stderr, "fieldsyncd: cannot create %s: %s\n", j->tmp, strerror(errno));
    return FS_EIO;
  }
  j->made_tmp = 1;
  return fs__bk_writer_init(&j->w, j->fd, j->pass, j->plen);
}

/* The whole file: header, manifest, the store's copy, the key pair, the
 * config, the end. */
static int backup_entries(backup_job *j) {
  char path[PATH_MAX];
  int rc;

  rc = fs__bk_writer_head(&j->w);
  if (rc == 0)
    rc = fs__bk_entry_manifest(&j->w, j->gen, j->admin_event, j->seq);
  j->pg.what = "backup: writing the file";
  j->pg.last_pct = -1;
  if (rc == 0)
    rc = fs__bk_entry_file(&j->w, "central.db", j->snap, 0, show_progress, &j->pg);
  if (rc == 0)
    rc = fs__bk_entry_file(&j->w, "daemon.key", j->key, 0, NULL, NULL);
  (void)fs__bk_path_join(path, sizeof(path), j->data, "daemon.key.pub");
  if (rc == 0)
    rc = fs__bk_entry_file(&j->w, "daemon.key.pub", path, 1, NULL, NULL);
  (void)fs__bk_path_join(path, sizeof(path), j->data, "fieldsyncd.conf");
  if (rc == 0)
    rc = fs__bk_entry_file(&j->w, "fieldsyncd.conf", path, 1, NULL, NULL);
  if (rc == 0)
    rc = fs__bk_writer_finish(&j->w);
  return rc;
}

/* After writing (rc): syncs and closes tmp and, if all went well, renames
 * it to FILE.  Says what became of the backup either way. */
static int backup_commit(backup_job *j, int rc) {
  if (rc == 0 && fsync(j->fd) != 0)
    rc = FS_EIO;
  if (close(j->fd) != 0 && rc == 0)
    rc = FS_EIO;
  j->fd = -1;
  if (rc == 0 && rename(j->tmp, j->to) != 0) {
    fprintf(stderr, "fieldsyncd: cannot move %s to %s: %s\n", j->tmp, j->to,
            strerror(errno));
    rc = FS_EIO;
  }
  if (rc == 0) {
    fs__dir_sync_of(j->to);
    printf("backup written to %s (%" PRIu64 " MiB, store generation %s, %s)\n"
           "  it holds the daemon's private key and every customer: keep it private%s\n"
           "  keep DATA/admin-events.log with the daemon (not in the backup): a restore "
           "replays it\n",
           j->to, (j->w.total + (1 << 19)) >> 20, j->gen[0] ? j->gen : "(none yet)",
           j->pass ? "encrypted with the passphrase" : "NOT encrypted",
           j->pass ? "; without the passphrase it cannot be restored" : "");
  } else {
    fprintf(stderr,
            "fieldsyncd: cannot write the backup %s: %s; nothing was written under that "
            "name (check the free space and permissions where it goes)\n",
            j->to, fs_strerror(rc));
  }
  return rc;
}

int fs__backup_cmd(const char *data, int argc, char **argv) {
  backup_job j;
  int rc;

  memset(&j, 0, sizeof(j));
  j.data = data;
  j.fd = -1;
  j.w.fd = -1;
  if (!fs__bk_data_path_ok(data))
    return FS_EXIT_ERR;
  rc = backup_args(&j, argc, argv);
  if (rc)
    return rc;
  if (!backup_source_ok(&j))
    return FS_EXIT_ERR;
  if (j.passfile && fs__bk_passphrase_read(j.passfile, &j.pass, &j.plen) != 0)
    return FS_EXIT_ERR;
  rc = backup_names(&j);
  if (rc)
    goto out;
  rc = backup_snapshot(&j);
  if (rc)
    goto out;
  rc = backup_create(&j);
  if (rc)
    goto out;
  rc = backup_commit(&j, backup_entries(&j));
out:
  if (j.fd >= 0)
    close(j.fd);
  /* Never a file this backup did not make: not a name cut short, not
   * another backup's temporary file (O_EXCL refused it). */
  if (rc && j.made_tmp)
    unlink(j.tmp);
  if (j.made_snap)
    unlink(j.snap);
  fs__bk_writer_free(&j.w);
  if (j.pass)
    sodium_free(j.pass);
  return rc ? FS_EXIT_ERR : FS_EXIT_OK;
}
