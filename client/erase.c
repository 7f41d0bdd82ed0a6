/* erase.c - fs_replica_erase: removing a wiped device's data directory
 * (fieldsync.h; the daemon orders the wipe, sync.c carries it out).  Split
 * from replica.c (issue 13). */
#include "replica.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "db.h"
#include "fs_errno.h"
#include "log.h"
#include "outbox.h"

/* ---- erase after a wipe order ------------------------------------------------
 *
 * What "owns" means: DIR is the data directory of an open replica (it holds
 * replica.db).  fieldsync's files in it, at any depth, are removed:
 *   - by name: everything it writes (replica.db, -wal, -shm, -journal,
 *     device.key, device.key.pub) and every copy or backup of them, i.e. any
 *     name beginning with "replica.db" or "device.key" (replica.db.bak,
 *     device.key.old, replica.db.bak-wal, ...);
 *   - by content: any other SQLite database that is a fieldsync replica
 *     (meta schema_role = 'client'), e.g. a copy named backup.sqlite.
 * Directories emptied so are removed, then DIR.  Anything else (a file
 * fieldsync cannot tell is its own, a symbolic link, a device) is left
 * alone and named: it may be the user's, and may still hold customer data
 * the user put there.  Removal is by unlink after truncating the file to
 * 0 bytes, so a file whose name cannot be removed still loses its content. */

#define ERASE_DEPTH_MAX 8

typedef struct erase_ctx {
  fs_leftover_fn cb;
  void *arg;
  int left; /* paths left behind */
} erase_ctx;

static void leftover(erase_ctx *e, const char *path, const char *why) {
  e->left++;
  if (e->cb)
    e->cb(e->arg, path, why);
  else
    FS_WARN("wipe: %s remains: %s", path, why);
}

/* 1 if path is an SQLite database holding a fieldsync replica.  Opened as
 * immutable (URI) so nothing is created next to it. */
static int is_replica_copy(const char *path) {
  static const char hex[] = "0123456789ABCDEF";
  char head[16], uri[FS_REPLICA_PATH_MAX * 3 + 32], *u = uri;
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  int fd, yes = 0;
  ssize_t n;

  fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return 0;
  n = read(fd, head, sizeof(head));
  close(fd);
  if (n != (ssize_t)sizeof(head) || memcmp(head, "SQLite format 3", 16) != 0)
    return 0;
  u += snprintf(uri, sizeof(uri), "file:");
  for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
    if ((size_t)(u - uri) + 4 >= sizeof(uri) - 16)
      return 0;
    if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
        (*p >= '0' && *p <= '9') || strchr("/-._~", *p)) {
      *u++ = (char)*p;
    } else {
      *u++ = '%';
      *u++ = hex[*p >> 4];
      *u++ = hex[*p & 15];
    }
  }
  snprintf(u, sizeof(uri) - (size_t)(u - uri), "?immutable=1");
  if (sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL) ==
          SQLITE_OK &&
      sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key='schema_role'", -1, &st,
                         NULL) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) &&
      strcmp((const char *)sqlite3_column_text(st, 0), "client") == 0)
    yes = 1;
  sqlite3_finalize(st);
  sqlite3_close(db);
  return yes;
}

static int is_ours_by_name(const char *name) {
  return strncmp(name, "replica.db", 10) == 0 || strncmp(name, "device.key", 10) == 0;
}

static void erase_file(erase_ctx *e, const char *path) {
  char why[256];

  /* The content first: if the name cannot go, the data still does. */
  if (truncate(path, 0) != 0 && errno != ENOENT)
    FS_WARN("wipe: cannot empty %s: %s", path, strerror(errno));
  if (unlink(path) != 0 && errno != ENOENT) {
    snprintf(why, sizeof(why), "cannot remove it: %s", strerror(errno));
    leftover(e, path, why);
  }
}

static void erase_dir(erase_ctx *e, const char *dir, int depth) {
  char path[FS_REPLICA_PATH_MAX], why[256];
  struct dirent *de;
  DIR *d;

  d = opendir(dir);
  if (d == NULL) {
    snprintf(why, sizeof(why), "cannot list it: %s", strerror(errno));
    leftover(e, dir, why);
    return;
  }
  errno = 0;
  while ((de = readdir(d)) != NULL) {
    struct stat st;
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
      continue;
    if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= sizeof(path)) {
      leftover(e, de->d_name, "its path is too long to handle");
      continue;
    }
    if (lstat(path, &st) != 0) {
      snprintf(why, sizeof(why), "cannot examine it: %s", strerror(errno));
      leftover(e, path, why);
    } else if (S_ISDIR(st.st_mode)) {
      if (depth >= ERASE_DEPTH_MAX) {
        leftover(e, path, "directory nested too deep to examine");
        continue;
      }
      erase_dir(e, path, depth + 1);
      /* Emptied: it held only fieldsync's files (or nothing). */
      if (rmdir(path) != 0 && errno != ENOTEMPTY && errno != EEXIST && errno != ENOENT) {
        snprintf(why, sizeof(why), "cannot remove the directory: %s", strerror(errno));
        leftover(e, path, why);
      }
    } else if (S_ISREG(st.st_mode) &&
               (is_ours_by_name(de->d_name) || is_replica_copy(path))) {
      erase_file(e, path);
    } else if (S_ISLNK(st.st_mode) && is_ours_by_name(de->d_name)) {
      erase_file(e, path); /* unlink removes the link, not its target */
    } else {
      leftover(e, path,
               "not a fieldsync file: left alone, check it and remove it yourself");
    }
    errno = 0;
  }
  if (errno != 0) {
    snprintf(why, sizeof(why), "cannot list it to the end: %s", strerror(errno));
    leftover(e, dir, why);
  }
  closedir(d);
}

int fs_replica_erase(fs_replica *r, fs_leftover_fn cb, void *arg) {
  erase_ctx e = {cb, arg, 0};
  char why[256];
  int rc = 0;

  if (r == NULL)
    return FS_EINVAL;
  fs__db_close(r->db);
  r->db = NULL;
  erase_dir(&e, r->dir, 0);
  if (rmdir(r->dir) != 0 && errno != ENOENT) {
    if (e.left == 0) {
      snprintf(why, sizeof(why), "cannot remove the data directory: %s", strerror(errno));
      leftover(&e, r->dir, why);
    }
  }
  if (e.left)
    rc = FS_EIO;
  sodium_memzero(r, sizeof(*r));
  free(r);
  return rc;
}

int fs__replica_wipe(fs_replica *r) {
  return fs_replica_erase(r, NULL, NULL);
}
