/* backup.c - snapshot and verify of the central store (backup.h). */
#include "store/backup.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "fs_errno.h"
#include "log.h"
#include "model.h"
#include "store/central.h"
#include "store/generation.h"
#include "store/impl.h"

#define SNAPSHOT_STEP_PAGES 1024 /* 4 MiB at the default page size */

static int open_ro(const char *path, sqlite3 **out) {
  int rc;

  *out = NULL;
  if (access(path, F_OK) != 0)
    return FS_ENOTFOUND;
  rc = sqlite3_open_v2(path, out, SQLITE_OPEN_READONLY, NULL);
  if (rc != SQLITE_OK) {
    rc = fs__db_err(*out, rc);
    sqlite3_close(*out);
    *out = NULL;
    return rc;
  }
  sqlite3_busy_timeout(*out, 5000);
  return 0;
}

int fs__store_snapshot(const char *src, const char *dst, fs_snapshot_progress_fn progress,
                       void *arg) {
  sqlite3 *s = NULL, *d = NULL;
  sqlite3_backup *bk = NULL;
  int fd, rc, step;

  rc = open_ro(src, &s);
  if (rc)
    return rc;
  /* Created 0600 before SQLite writes a byte of customer data into it. */
  fd = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    rc = errno == EEXIST ? FS_EEXIST : errno == ENOSPC ? FS_EFULL : FS_EIO;
    FS_ERROR("cannot create %s: %s", dst, strerror(errno));
    sqlite3_close(s);
    return rc;
  }
  close(fd);
  rc = sqlite3_open_v2(dst, &d, SQLITE_OPEN_READWRITE, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_exec(d, "PRAGMA journal_mode=OFF", NULL, NULL, NULL);
  /* One read transaction for the whole copy: every step reads the same
   * committed state, so a daemon committing meanwhile neither restarts the
   * copy nor waits for it (WAL readers do not block the writer). */
  if (rc == SQLITE_OK)
    rc = sqlite3_exec(s, "BEGIN; SELECT count(*) FROM sqlite_schema;", NULL, NULL, NULL);
  if (rc != SQLITE_OK) {
    rc = fs__db_err(d ? d : s, rc);
    goto out;
  }
  bk = sqlite3_backup_init(d, "main", s, "main");
  if (bk == NULL) {
    rc = fs__db_err(d, sqlite3_errcode(d));
    goto out;
  }
  do {
    step = sqlite3_backup_step(bk, SNAPSHOT_STEP_PAGES);
    if (progress)
      progress(arg, sqlite3_backup_pagecount(bk) - sqlite3_backup_remaining(bk),
               sqlite3_backup_pagecount(bk));
  } while (step == SQLITE_OK || step == SQLITE_BUSY || step == SQLITE_LOCKED);
  rc = sqlite3_backup_finish(bk);
  if (step != SQLITE_DONE)
    rc = step;
  /* The copy is a single file: a reader of it must not need (or leave
   * behind) a -wal; fs__db_open turns WAL on again where it serves. */
  if (rc == SQLITE_OK || rc == SQLITE_DONE)
    rc = sqlite3_exec(d, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL);
  rc = rc == SQLITE_OK || rc == SQLITE_DONE ? 0 : fs__db_err(d, rc);
out:
  if (s)
    sqlite3_exec(s, "COMMIT", NULL, NULL, NULL);
  sqlite3_close(s);
  if (d && sqlite3_close(d) != SQLITE_OK && rc == 0)
    rc = FS_EIO;
  if (rc)
    unlink(dst);
  return rc;
}

int fs__store_in_use(const char *path) {
  char lock[PATH_MAX];
  int fd, busy = 0;

  if ((size_t)snprintf(lock, sizeof(lock), "%s.lock", path) >= sizeof(lock))
    return 0;
  fd = open(lock, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return 0;
  /* The writer claim is a flock (central.h): try it, never keep it. */
  if (flock(fd, LOCK_EX | LOCK_NB) != 0)
    busy = errno == EWOULDBLOCK;
  else
    flock(fd, LOCK_UN);
  close(fd);
  return busy;
}

/* ---- verify ------------------------------------------------------------ */

typedef struct vctx {
  sqlite3 *db;
  fs_verify_fn fn;
  void *arg;
  long n;
} vctx;

/* Runs sql; each row is a finding: what + the row's text columns joined.
 * At most 100 reported, all counted. */
static int findings(vctx *v, const char *what, const char *sql, const char *fmt) {
  sqlite3_stmt *st = NULL;
  long found = 0;
  int rc = sqlite3_prepare_v2(v->db, sql, -1, &st, NULL);

  if (rc != SQLITE_OK) {
    FS_ERROR("verify: cannot run a %s check: %s", what, sqlite3_errmsg(v->db));
    return fs__db_err(v->db, rc);
  }
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    char text[512];
    const char *a = (const char *)sqlite3_column_text(st, 0);
    const char *b =
        sqlite3_column_count(st) > 1 ? (const char *)sqlite3_column_text(st, 1) : NULL;
    const char *c =
        sqlite3_column_count(st) > 2 ? (const char *)sqlite3_column_text(st, 2) : NULL;
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
#endif
    snprintf(text, sizeof(text), fmt, a ? a : "", b ? b : "", c ? c : "");
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif
    if (found++ < 100)
      v->fn(v->arg, what, text);
    v->n++;
  }
  if (found > 100) {
    char text[128];
    snprintf(text, sizeof(text), "... and %ld more", found - 100);
    v->fn(v->arg, what, text);
  }
  rc = rc == SQLITE_DONE ? 0 : fs__db_err(v->db, rc);
  sqlite3_finalize(st);
  return rc;
}

static int check_integrity(vctx *v) {
  return findings(v, "integrity",
                  "SELECT integrity_check FROM pragma_integrity_check "
                  "WHERE integrity_check <> 'ok'",
                  "%s");
}

static int check_journal(vctx *v) {
  char sql[1024];
  int rc = 0;

  for (int k = 0; rc == 0 && k < FS_KIND__COUNT; k++) {
    const fs_kind_def *kd = fs__kind_def((fs_kind)k);
    char fmt[160];
    snprintf(sql, sizeof(sql),
             "SELECT r.id, r.owner FROM \"%s\" r WHERE r.deleted=0 AND NOT EXISTS "
             "(SELECT 1 FROM journal j WHERE j.kind=%d AND j.record_id=r.id AND "
             "j.audience=r.owner AND j.op=%d)",
             kd->table, k, FS_JOURNAL_ROW);
    snprintf(fmt, sizeof(fmt),
             "%s %%s (owner %%s) has no journal entry: devices never receive it",
             fs__kind_label(kd));
    rc = findings(v, "journal", sql, fmt);
    if (rc)
      break;
    snprintf(sql, sizeof(sql),
             "SELECT j.record_id, j.audience, j.seq FROM journal j WHERE j.kind=%d AND "
             "j.op=%d AND NOT EXISTS (SELECT 1 FROM \"%s\" r WHERE r.id=j.record_id)",
             k, FS_JOURNAL_ROW, kd->table);
    snprintf(fmt, sizeof(fmt),
             "journal entry (seq %%3$s, for %%2$s) names %s %%1$s, which the store lacks",
             fs__kind_label(kd));
    rc = findings(v, "journal", sql, fmt);
  }
  if (rc == 0) {
    snprintf(sql, sizeof(sql),
             "SELECT seq, kind FROM journal WHERE kind < 0 OR kind >= %d",
             (int)FS_KIND__COUNT);
    rc = findings(v, "journal", sql, "journal entry seq %s names an unknown kind %s");
  }
  return rc;
}

static int check_devices(vctx *v) {
  return findings(v, "devices",
                  "SELECT d.id, d.staff FROM devices d WHERE NOT EXISTS "
                  "(SELECT 1 FROM staff s WHERE s.code=d.staff)",
                  "device %s belongs to staff %s, who is not in the staff table");
}

static int check_seq(vctx *v) {
  char sql[1024];
  int rc;

  rc = findings(v, "seq",
                "SELECT 'meta seq is missing' WHERE NOT EXISTS "
                "(SELECT 1 FROM meta WHERE key='seq') AND EXISTS (SELECT 1 FROM journal)",
                "%s");
  if (rc == 0)
    rc = findings(
        v, "seq",
        "WITH s(v) AS (SELECT COALESCE((SELECT CAST(value AS INTEGER) FROM meta WHERE "
        "key='seq'),0)) "
        "SELECT t, m, s.v FROM s, (SELECT 'journal' t, max(seq) m FROM journal UNION ALL "
        "SELECT 'conflicts', max(seq) FROM conflicts UNION ALL SELECT 'ownership_log', "
        "max(seq) FROM ownership_log) WHERE m > s.v",
        "%s holds seq %s, above the store's counter (meta seq %s): the next changes "
        "would reuse it");
  if (rc == 0)
    rc = findings(v, "seq",
                  "SELECT (SELECT value FROM meta WHERE key='gc_floor'), "
                  "(SELECT value FROM meta WHERE key='seq') WHERE "
                  "CAST((SELECT value FROM meta WHERE key='gc_floor') AS INTEGER) > "
                  "COALESCE((SELECT CAST(value AS INTEGER) FROM meta WHERE key='seq'),0)",
                  "gc_floor %s is above the store's counter %s");
  for (int k = 0; rc == 0 && k < FS_KIND__COUNT; k++) {
    const fs_kind_def *kd = fs__kind_def((fs_kind)k);
    char fmt[160];
    snprintf(sql, sizeof(sql),
             "SELECT id, seq FROM \"%s\" WHERE seq > COALESCE((SELECT CAST(value AS "
             "INTEGER) FROM meta WHERE key='seq'),0)",
             kd->table);
    snprintf(fmt, sizeof(fmt), "%s %%s has seq %%s, above the store's counter",
             fs__kind_label(kd));
    rc = findings(v, "seq", sql, fmt);
  }
  if (rc == 0)
    rc = findings(v, "seq",
                  "SELECT value FROM meta WHERE key='" FS_GENERATION_META
                  "' AND (length(value) <> 32 OR value GLOB '*[^0-9a-f]*')",
                  "the store's generation \"%s\" is not 32 hex characters");
  return rc;
}

int fs__store_verify(const char *path, fs_verify_fn fn, void *arg, long *nfound) {
  vctx v;
  int rc;

  memset(&v, 0, sizeof(v));
  v.fn = fn;
  v.arg = arg;
  *nfound = 0;
  rc = open_ro(path, &v.db);
  if (rc)
    return rc;
  rc = check_integrity(&v);
  /* The other checks read tables a damaged file may not give back whole;
   * they still run: each says what it can. */
  if (rc == 0 || rc == FS_EDB) {
    int r2 = sqlite3_exec(v.db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK ? 0 : FS_EDB;
    if (r2 == 0)
      r2 = check_journal(&v);
    if (r2 == 0)
      r2 = check_devices(&v);
    if (r2 == 0)
      r2 = check_seq(&v);
    sqlite3_exec(v.db, "COMMIT", NULL, NULL, NULL);
    if (rc == 0)
      rc = r2;
  }
  *nfound = v.n;
  sqlite3_close(v.db);
  return rc;
}

int fs__store_snapshot_info(const char *path, char gen[33], long long *admin_event,
                            long long *seq) {
  sqlite3 *db = NULL;
  char buf[64];
  int rc = open_ro(path, &db);

  gen[0] = '\0';
  *admin_event = *seq = 0;
  if (rc)
    return rc;
  if (fs__meta_get_text(db, FS_GENERATION_META, buf, sizeof(buf)) == 0 &&
      strlen(buf) == FS_GENERATION_HEX)
    memcpy(gen, buf, FS_GENERATION_HEX + 1);
  (void)fs__meta_get_int(db, "admin_event", admin_event);
  rc = fs__meta_get_int(db, "seq", seq);
  if (rc == FS_ENOTFOUND)
    rc = 0; /* a store that never took a change */
  sqlite3_close(db);
  return rc;
}

int fs__store_restore_seq_jump(const char *path, uint64_t *seq_out) {
  sqlite3 *db = NULL;
  long long seq = 0;
  uint64_t top = 0;
  int rc;

  rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL);
  rc = rc == SQLITE_OK ? 0 : fs__db_err(db, rc);
  if (rc == 0)
    rc = fs__db_begin(db);
  if (rc == 0) {
    rc = fs__meta_get_int(db, "seq", &seq);
    if (rc == FS_ENOTFOUND)
      rc = 0;
  }
  if (rc == 0) {
    /* Also past any seq the journal holds above the counter (central.c
     * moves a lagging counter the same way at open). */
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "SELECT COALESCE(max(seq), 0) FROM journal", -1, &st,
                           NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
      top = (uint64_t)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if ((uint64_t)seq > top)
      top = (uint64_t)seq;
    top += FS_RESTORE_SEQ_GAP;
    rc = fs__meta_set_int(db, "seq", (long long)top);
  }
  if (rc == 0)
    rc = fs__db_commit(db);
  else
    fs__db_rollback(db);
  sqlite3_close(db);
  if (rc == 0 && seq_out)
    *seq_out = top;
  return rc;
}
