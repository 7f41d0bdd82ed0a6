/* central.c - the central store's writer handle: open (single-writer
 * claim, seq recovery), transactions, the seq counter; and the device
 * lookups (central.h).  The other concerns live beside it: journal.c,
 * push.c (+ fence.c, record_history.c), pull.c, access.c, gc.c, audit.c. */
#include "store/central.h"
#include "store/impl.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "fs_errno.h"
#include "history.h"
#include "log.h"
#include "status.h"

static int prep(sqlite3 *db, const char *sql, sqlite3_stmt **st) {
  int rc = sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL);
  return rc == SQLITE_OK ? 0 : fs__db_err(db, rc);
}

/* Claims the store at path for this handle: an exclusive flock of
 * path.lock holding our pid.  FS_EBUSY if another handle has it. */
static int claim(fs_central *c, const char *path) {
  char lock[PATH_MAX], pid[32];
  int n, rc = 0;

  if ((size_t)snprintf(lock, sizeof(lock), "%s.lock", path) >= sizeof(lock))
    return FS_EINVAL;
  c->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (c->lock_fd < 0) {
    FS_ERROR("cannot open %s: %s", lock, strerror(errno));
    return FS_EIO;
  }
  if (flock(c->lock_fd, LOCK_EX | LOCK_NB) != 0) {
    rc = errno == EWOULDBLOCK ? FS_EBUSY : FS_EIO;
    if (rc == FS_EIO)
      FS_ERROR("cannot lock %s: %s", lock, strerror(errno));
    goto out;
  }
  n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
  if (ftruncate(c->lock_fd, 0) != 0 || pwrite(c->lock_fd, pid, (size_t)n, 0) != n)
    FS_WARN("cannot write the pid to %s: %s", lock, strerror(errno));
out:
  if (rc) {
    close(c->lock_fd);
    c->lock_fd = -1;
  }
  return rc;
}

long fs__central_holder(const char *path) {
  char lock[PATH_MAX], buf[32];
  ssize_t n;
  long pid = 0;
  int fd;

  if ((size_t)snprintf(lock, sizeof(lock), "%s.lock", path) >= sizeof(lock))
    return 0;
  fd = open(lock, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return 0;
  n = read(fd, buf, sizeof(buf) - 1);
  close(fd);
  if (n > 0) {
    buf[n] = '\0';
    pid = strtol(buf, NULL, 10);
  }
  return pid > 0 ? pid : 0;
}

/* The highest seq the store holds anywhere.  Normally the committed meta
 * 'seq'; more if a second writer once committed seqs this counter did not
 * see, and reusing those would collide in the journal or sort below the
 * cursors of devices that pulled them. */
static int seq_floor(sqlite3 *db, uint64_t *out) {
  sqlite3_stmt *st = NULL;
  int rc;

  rc = sqlite3_prepare_v2(db,
                          "SELECT max(coalesce((SELECT max(seq) FROM journal), 0), "
                          "coalesce((SELECT max(seq) FROM conflicts), 0), "
                          "coalesce((SELECT max(seq) FROM ownership_log), 0))",
                          -1, &st, NULL);
  if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    *out = (uint64_t)sqlite3_column_int64(st, 0);
    rc = SQLITE_OK;
  }
  rc = fs__db_err(db, rc);
  sqlite3_finalize(st);
  return rc;
}

int fs__central_open(const char *path, int create, fs_central **out) {
  fs_central *c;
  long long v = 0;
  uint64_t top = 0;
  int rc;

  *out = NULL;
  c = calloc(1, sizeof(*c));
  if (c == NULL)
    return FS_ENOMEM;
  c->lock_fd = -1;
  fs__buf_init(&c->hist, FS_HISTORY_BLOB_MAX);
  c->wipe_deadline_ms = 14LL * 86400000;
  rc = claim(c, path);
  if (rc)
    goto out;
  rc = fs__store_schema_register();
  if (rc == 0)
    rc = fs__db_open(path, create, FS_SCHEMA_DAEMON, &c->db);
  if (rc)
    goto out;
  c->rd.db = c->db;
  if (fs__meta_get_int(c->db, "seq", &v) == 0)
    c->seq = c->seq_saved = (uint64_t)v;
  rc = seq_floor(c->db, &top);
  if (rc)
    goto out;
  if (top > c->seq) {
    FS_WARN("%s: committed seq %llu lags the journal (%llu); continuing after it", path,
            (unsigned long long)c->seq, (unsigned long long)top);
    c->seq = c->seq_saved = top;
  }
  v = 0;
  fs__meta_get_int(c->db, "hlc", &v);
  fs__hlc_init(&c->hlc, (uint64_t)v);
  rc = prep(c->db,
            "SELECT outcome, code, kind, record_id, hlc, reason FROM applied WHERE "
            "device_id=?1 AND counter=?2",
            &c->st_applied_get);
  if (rc == 0)
    rc = prep(c->db,
              "INSERT OR REPLACE INTO applied(device_id, counter, outcome, code, kind, "
              "record_id, hlc, reason) VALUES(?1,?2,?3,?4,?5,?6,?7,?8)",
              &c->st_applied_put);
  if (rc == 0)
    rc = prep(
        c->db,
        "INSERT INTO journal(seq, kind, record_id, audience, op) VALUES(?1,?2,?3,?4,?5) "
        "ON CONFLICT(kind, record_id, audience) DO UPDATE SET seq=excluded.seq, "
        "op=excluded.op",
        &c->st_journal);
  if (rc == 0)
    rc = prep(
        c->db,
        "INSERT INTO conflicts(seq, kind, record_id, field, loser, loser_hlc, winner, "
        "winner_hlc, loser_device, owner, at, fenced, loser_staff, winner_staff) "
        "VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14)",
        &c->st_conflict);
  if (rc == 0)
    rc =
        prep(c->db,
             "INSERT INTO history(at, customer, kind, record_id, staff, device, outcome, "
             "fields) VALUES(?1,?2,?3,?4,?5,?6,?7,?8)",
             &c->st_history);
out:
  if (rc) {
    fs__central_free(c);
    return rc;
  }
  *out = c;
  return 0;
}

void fs__central_free(fs_central *c) {
  if (c == NULL)
    return;
  sqlite3_finalize(c->st_applied_get);
  sqlite3_finalize(c->st_applied_put);
  sqlite3_finalize(c->st_journal);
  sqlite3_finalize(c->st_conflict);
  sqlite3_finalize(c->st_history);
  fs__buf_release(&c->hist);
  fs__db_close(c->db);
  if (c->lock_fd >= 0)
    close(c->lock_fd); /* releases the claim */
  free(c);
}

sqlite3 *fs__central_db(fs_central *c) {
  return c->db;
}
fs_store_rd *fs__central_rd(fs_central *c) {
  return &c->rd;
}
void fs__central_set_wipe_deadline(fs_central *c, int64_t ms) {
  c->wipe_deadline_ms = ms;
}
int64_t fs__central_wipe_deadline(const fs_central *c) {
  return c->wipe_deadline_ms;
}
fs_hlc *fs__central_hlc(fs_central *c) {
  return &c->hlc;
}
uint64_t fs__central_seq(const fs_central *c) {
  return c->seq;
}
uint64_t fs__central_next_seq(fs_central *c) {
  return ++c->seq;
}

int fs__central_begin(fs_central *c) {
  return fs__db_begin(c->db);
}

int fs__central_commit(fs_central *c) {
  int rc;

  rc = fs__meta_set_int(c->db, "seq", (long long)c->seq);
  if (rc == 0)
    rc = fs__meta_set_int(c->db, "hlc", (long long)fs__hlc_last(&c->hlc));
  if (rc == 0)
    rc = fs__db_commit(c->db);
  if (rc) {
    fs__central_rollback(c);
    return rc;
  }
  c->seq_saved = c->seq;
  return 0;
}

void fs__central_rollback(fs_central *c) {
  fs__db_rollback(c->db);
  c->seq = c->seq_saved;
}

/* One device row with its staff member's status, by key or by id. */
static int device_load(sqlite3 *db, const uint8_t *pub, uint64_t id, fs_device *d) {
  sqlite3_stmt *st = NULL;
  char sql[512];
  int rc;

  snprintf(sql, sizeof(sql),
           "SELECT d.id, d.staff, s.role, d.slot, d.status, "
           "COALESCE(d.name,''), s.status, COALESCE(s.successor,''), "
           "COALESCE(d.cursor,0), COALESCE(d.wipe_at,0), d.last_hlc "
           "FROM devices d JOIN staff s ON s.code=d.staff WHERE %s",
           pub ? "d.pubkey=?1" : "d.id=?1");
  rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
  if (rc != SQLITE_OK)
    return fs__db_err(db, rc);
  if (pub)
    sqlite3_bind_blob(st, 1, pub, 32, SQLITE_STATIC);
  else
    sqlite3_bind_int64(st, 1, (sqlite3_int64)id);
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    int role = fs__role_parse((const char *)sqlite3_column_text(st, 2));
    memset(d, 0, sizeof(*d));
    d->id = (uint64_t)sqlite3_column_int64(st, 0);
    snprintf(d->staff, sizeof(d->staff), "%s", sqlite3_column_text(st, 1));
    d->role = role < 0 ? FS_ROLE_REP : (fs_role)role;
    d->slot = sqlite3_column_int(st, 3);
    {
      const char *ds = (const char *)sqlite3_column_text(st, 4);
      int v = fs__device_status_parse(ds);
      if (v < 0)
        FS_WARN("device %llu: unknown status \"%s\" in the store; treated as revoked",
                (unsigned long long)d->id, ds ? ds : "");
      d->status = v < 0 ? FS_DEVICE_REVOKED : (fs_device_status)v;
    }
    snprintf(d->name, sizeof(d->name), "%s", sqlite3_column_text(st, 5));
    d->departed = fs__staff_status_parse((const char *)sqlite3_column_text(st, 6)) ==
                  FS_STAFF_DEPARTED;
    snprintf(d->successor, sizeof(d->successor), "%s", sqlite3_column_text(st, 7));
    d->cursor = (uint64_t)sqlite3_column_int64(st, 8);
    d->wipe_at = sqlite3_column_int64(st, 9);
    d->last_hlc = (uint64_t)sqlite3_column_int64(st, 10);
    rc = 0;
  } else {
    rc = rc == SQLITE_DONE ? FS_EUNKNOWN_DEVICE : fs__db_err(db, rc);
  }
  sqlite3_finalize(st);
  return rc;
}

int fs__central_device_by_key(fs_store_rd *r, const uint8_t pub[32], fs_device *d) {
  sqlite3 *db = fs__rd_db(r);
  return device_load(db, pub, 0, d);
}

int fs__central_device_by_id(fs_store_rd *r, uint64_t id, fs_device *d) {
  sqlite3 *db = fs__rd_db(r);
  return device_load(db, NULL, id, d);
}
