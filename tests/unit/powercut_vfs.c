/* powercut_vfs.c - see powercut_vfs.h. */
#include "powercut_vfs.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PC_FILES 16
#define PC_PATH 1024

typedef struct pc_shadow {
  char path[PC_PATH];
  unsigned char *data; /* synced content (malloc'd), size bytes */
  sqlite3_int64 size;
  int used;
} pc_shadow;

typedef struct pc_file {
  sqlite3_file base;
  pc_shadow *sh;      /* NULL for files not tracked (temp, shm) */
  sqlite3_file *real; /* follows this struct in the same allocation */
} pc_file;

static sqlite3_vfs pc_vfs;
static sqlite3_vfs *pc_real;
static sqlite3_vfs *pc_prev_default;
static pc_shadow pc_shadows[PC_FILES];
static int pc_dead;
static unsigned long pc_syncs;

static pc_shadow *shadow_find(const char *path, int add) {
  pc_shadow *free_slot = NULL;

  for (int i = 0; i < PC_FILES; i++) {
    if (pc_shadows[i].used && strcmp(pc_shadows[i].path, path) == 0)
      return &pc_shadows[i];
    if (!pc_shadows[i].used && free_slot == NULL)
      free_slot = &pc_shadows[i];
  }
  if (!add || free_slot == NULL || strlen(path) >= PC_PATH)
    return NULL;
  memset(free_slot, 0, sizeof(*free_slot));
  strcpy(free_slot->path, path);
  free_slot->used = 1;
  return free_slot;
}

/* Copies the file's current content (through the real VFS) into its shadow. */
static int shadow_take(pc_file *f) {
  sqlite3_int64 n = 0;
  unsigned char *buf = NULL;
  int rc;

  rc = f->real->pMethods->xFileSize(f->real, &n);
  if (rc != SQLITE_OK)
    return rc;
  if (n > 0) {
    buf = malloc((size_t)n);
    if (buf == NULL)
      return SQLITE_NOMEM;
    rc = f->real->pMethods->xRead(f->real, buf, (int)n, 0);
    if (rc != SQLITE_OK) {
      free(buf);
      return rc;
    }
  }
  free(f->sh->data);
  f->sh->data = buf;
  f->sh->size = n;
  return SQLITE_OK;
}

static int pc_close(sqlite3_file *p) {
  pc_file *f = (pc_file *)p;
  int rc = f->real->pMethods ? f->real->pMethods->xClose(f->real) : SQLITE_OK;

  return rc;
}

static int pc_read(sqlite3_file *p, void *buf, int n, sqlite3_int64 off) {
  pc_file *f = (pc_file *)p;
  return f->real->pMethods->xRead(f->real, buf, n, off);
}

static int pc_write(sqlite3_file *p, const void *buf, int n, sqlite3_int64 off) {
  pc_file *f = (pc_file *)p;
  if (pc_dead)
    return SQLITE_OK;
  return f->real->pMethods->xWrite(f->real, buf, n, off);
}

static int pc_truncate(sqlite3_file *p, sqlite3_int64 size) {
  pc_file *f = (pc_file *)p;
  if (pc_dead)
    return SQLITE_OK;
  return f->real->pMethods->xTruncate(f->real, size);
}

static int pc_sync(sqlite3_file *p, int flags) {
  pc_file *f = (pc_file *)p;
  int rc;

  if (pc_dead)
    return SQLITE_OK;
  pc_syncs++;
  rc = f->real->pMethods->xSync(f->real, flags);
  if (rc == SQLITE_OK && f->sh)
    rc = shadow_take(f);
  return rc;
}

static int pc_file_size(sqlite3_file *p, sqlite3_int64 *size) {
  pc_file *f = (pc_file *)p;
  return f->real->pMethods->xFileSize(f->real, size);
}

static int pc_lock(sqlite3_file *p, int lk) {
  pc_file *f = (pc_file *)p;
  return f->real->pMethods->xLock(f->real, lk);
}

static int pc_unlock(sqlite3_file *p, int lk) {
  pc_file *f = (pc_file *)p;
  return f->real->pMethods->xUnlock(f->real, lk);
}

static int pc_check_lock(sqlite3_file *p, int *out) {
  pc_file *f = (pc_file *)p;
  return f->real->pMethods->xCheckReservedLock(f->real, out);
}

static int pc_fcntl(sqlite3_file *p, int op, void *arg) {
  pc_file *f = (pc_file *)p;
  return f->real->pMethods->xFileControl(f->real, op, arg);
}

static int pc_sector(sqlite3_file *p) {
  pc_file *f = (pc_file *)p;
  return f->real->pMethods->xSectorSize(f->real);
}

/* No SQLITE_IOCAP_POWERSAFE_OVERWRITE or ATOMIC/SEQUENTIAL claims: the
 * shim models a disk that promises nothing beyond fsync. */
static int pc_devchar(sqlite3_file *p) {
  (void)p;
  return 0;
}

static int pc_shm_map(sqlite3_file *p, int pg, int pgsz, int extend, void volatile **pp) {
  pc_file *f = (pc_file *)p;
  return f->real->pMethods->xShmMap(f->real, pg, pgsz, extend, pp);
}

static int pc_shm_lock(sqlite3_file *p, int off, int n, int flags) {
  pc_file *f = (pc_file *)p;
  return f->real->pMethods->xShmLock(f->real, off, n, flags);
}

static void pc_shm_barrier(sqlite3_file *p) {
  pc_file *f = (pc_file *)p;
  f->real->pMethods->xShmBarrier(f->real);
}

static int pc_shm_unmap(sqlite3_file *p, int del) {
  pc_file *f = (pc_file *)p;
  return f->real->pMethods->xShmUnmap(f->real, del);
}

/* Version 2: shared memory yes, xFetch (mmap) no, so every page goes
 * through xWrite and is seen by the shim. */
static const sqlite3_io_methods pc_io = {2,
                                         pc_close,
                                         pc_read,
                                         pc_write,
                                         pc_truncate,
                                         pc_sync,
                                         pc_file_size,
                                         pc_lock,
                                         pc_unlock,
                                         pc_check_lock,
                                         pc_fcntl,
                                         pc_sector,
                                         pc_devchar,
                                         pc_shm_map,
                                         pc_shm_lock,
                                         pc_shm_barrier,
                                         pc_shm_unmap,
                                         NULL,
                                         NULL};

static int pc_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *p, int flags,
                   int *out_flags) {
  pc_file *f = (pc_file *)p;
  int rc, tracked;
  sqlite3_int64 n = 0;

  (void)vfs;
  memset(f, 0, sizeof(*f));
  f->real = (sqlite3_file *)(f + 1);
  rc = pc_real->xOpen(pc_real, name, f->real, flags, out_flags);
  if (rc != SQLITE_OK)
    return rc;
  tracked =
      name != NULL &&
      (flags & (SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_WAL | SQLITE_OPEN_MAIN_JOURNAL)) != 0;
  if (tracked) {
    f->sh = shadow_find(name, 0);
    if (f->sh == NULL) {
      /* First sight: what is on disk now counts as synced (an empty or new
       * file is an empty shadow). */
      f->sh = shadow_find(name, 1);
      if (f->sh == NULL) {
        f->real->pMethods->xClose(f->real);
        return SQLITE_CANTOPEN;
      }
      rc = f->real->pMethods->xFileSize(f->real, &n);
      if (rc == SQLITE_OK && n > 0)
        rc = shadow_take(f);
      if (rc != SQLITE_OK) {
        f->real->pMethods->xClose(f->real);
        return rc;
      }
    }
  }
  f->base.pMethods = &pc_io;
  return SQLITE_OK;
}

static int pc_delete(sqlite3_vfs *vfs, const char *name, int dirsync) {
  pc_shadow *sh;
  int rc;

  (void)vfs;
  if (pc_dead)
    return SQLITE_OK;
  rc = pc_real->xDelete(pc_real, name, dirsync);
  /* Treated as durable (a simplification: the tests only delete a WAL
   * after a checkpoint has synced the database). */
  if (rc == SQLITE_OK && (sh = shadow_find(name, 0)) != NULL) {
    free(sh->data);
    memset(sh, 0, sizeof(*sh));
  }
  return rc;
}

static int pc_access(sqlite3_vfs *vfs, const char *name, int flags, int *out) {
  (void)vfs;
  return pc_real->xAccess(pc_real, name, flags, out);
}

static int pc_fullpath(sqlite3_vfs *vfs, const char *name, int n, char *out) {
  (void)vfs;
  return pc_real->xFullPathname(pc_real, name, n, out);
}

static void *pc_dlopen(sqlite3_vfs *vfs, const char *name) {
  (void)vfs;
  return pc_real->xDlOpen(pc_real, name);
}

static void pc_dlerror(sqlite3_vfs *vfs, int n, char *out) {
  (void)vfs;
  pc_real->xDlError(pc_real, n, out);
}

static void (*pc_dlsym(sqlite3_vfs *vfs, void *h, const char *sym))(void) {
  (void)vfs;
  return pc_real->xDlSym(pc_real, h, sym);
}

static void pc_dlclose(sqlite3_vfs *vfs, void *h) {
  (void)vfs;
  pc_real->xDlClose(pc_real, h);
}

static int pc_random(sqlite3_vfs *vfs, int n, char *out) {
  (void)vfs;
  return pc_real->xRandomness(pc_real, n, out);
}

static int pc_sleep(sqlite3_vfs *vfs, int us) {
  (void)vfs;
  return pc_real->xSleep(pc_real, us);
}

static int pc_time(sqlite3_vfs *vfs, double *out) {
  (void)vfs;
  return pc_real->xCurrentTime(pc_real, out);
}

static int pc_lasterr(sqlite3_vfs *vfs, int n, char *out) {
  (void)vfs;
  return pc_real->xGetLastError(pc_real, n, out);
}

static int pc_time64(sqlite3_vfs *vfs, sqlite3_int64 *out) {
  (void)vfs;
  return pc_real->xCurrentTimeInt64(pc_real, out);
}

int fs_powercut_register(int make_default) {
  int rc;

  rc = sqlite3_initialize();
  if (rc != SQLITE_OK)
    return rc;
  pc_prev_default = sqlite3_vfs_find(NULL);
  pc_real = sqlite3_vfs_find("unix");
  if (pc_real == NULL)
    return SQLITE_ERROR;
  memset(&pc_vfs, 0, sizeof(pc_vfs));
  pc_vfs.iVersion = 2;
  pc_vfs.szOsFile = (int)sizeof(pc_file) + pc_real->szOsFile;
  pc_vfs.mxPathname = pc_real->mxPathname;
  pc_vfs.zName = "powercut";
  pc_vfs.xOpen = pc_open;
  pc_vfs.xDelete = pc_delete;
  pc_vfs.xAccess = pc_access;
  pc_vfs.xFullPathname = pc_fullpath;
  pc_vfs.xDlOpen = pc_dlopen;
  pc_vfs.xDlError = pc_dlerror;
  pc_vfs.xDlSym = pc_dlsym;
  pc_vfs.xDlClose = pc_dlclose;
  pc_vfs.xRandomness = pc_random;
  pc_vfs.xSleep = pc_sleep;
  pc_vfs.xCurrentTime = pc_time;
  pc_vfs.xGetLastError = pc_lasterr;
  pc_vfs.xCurrentTimeInt64 = pc_time64;
  pc_dead = 0;
  pc_syncs = 0;
  return sqlite3_vfs_register(&pc_vfs, make_default);
}

void fs_powercut_unregister(void) {
  sqlite3_vfs_unregister(&pc_vfs);
  if (pc_prev_default)
    sqlite3_vfs_register(pc_prev_default, 1);
  for (int i = 0; i < PC_FILES; i++) {
    free(pc_shadows[i].data);
    memset(&pc_shadows[i], 0, sizeof(pc_shadows[i]));
  }
  pc_dead = 0;
}

void fs_powercut_cut(void) {
  pc_dead = 1;
}

int fs_powercut_restore(void) {
  int rc = 0;

  for (int i = 0; i < PC_FILES; i++) {
    FILE *fp;

    if (!pc_shadows[i].used)
      continue;
    fp = fopen(pc_shadows[i].path, "wb");
    if (fp == NULL) {
      rc = -1;
      continue;
    }
    if (pc_shadows[i].size > 0 &&
        fwrite(pc_shadows[i].data, 1, (size_t)pc_shadows[i].size, fp) !=
            (size_t)pc_shadows[i].size)
      rc = -1;
    if (fclose(fp) != 0)
      rc = -1;
  }
  pc_dead = 0;
  return rc;
}

unsigned long fs_powercut_syncs(void) {
  return pc_syncs;
}

int fs_powercut_count_written(sqlite3 *db) {
  sqlite3_stmt *st = NULL;
  int n = -1;

  if (sqlite3_prepare_v2(db, "SELECT count(*) FROM meta WHERE key LIKE 'powercut.%'", -1,
                         &st, NULL) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW)
    n = sqlite3_column_int(st, 0);
  sqlite3_finalize(st);
  return n;
}
