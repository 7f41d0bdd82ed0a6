/* central.c - push, pull and journal over the central store (central.h). */
#include "central.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "access_rules.h"
#include "db.h"
#include "date.h"
#include "fs_errno.h"
#include "history.h"
#include "log.h"
#include "status.h"
#include "strbuf.h"
#include "validate.h"

struct fs_central {
  sqlite3 *db;
  fs_hlc hlc;
  uint64_t seq;        /* head, including the open transaction */
  uint64_t seq_saved;  /* as committed */
  sqlite3_stmt *st_applied_get;
  sqlite3_stmt *st_applied_put;
  sqlite3_stmt *st_journal;
  sqlite3_stmt *st_conflict;
  sqlite3_stmt *st_history;
  fs_buf hist; /* history_record's fields blob, reused */
  int lock_fd; /* flock of path.lock: the single-writer claim */
  int64_t wipe_deadline_ms;
};

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
  rc = fs__db_open(path, create, FS_SCHEMA_DAEMON, &c->db);
  if (rc)
    goto out;
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
    rc = prep(c->db,
              "INSERT INTO journal(seq, kind, record_id, audience, op) VALUES(?1,?2,?3,?4,?5) "
              "ON CONFLICT(kind, record_id, audience) DO UPDATE SET seq=excluded.seq, "
              "op=excluded.op",
              &c->st_journal);
  if (rc == 0)
    rc = prep(
        c->db,
        "INSERT INTO conflicts(seq, kind, record_id, field, loser, loser_hlc, winner, "
        "winner_hlc, loser_device, owner, at, fenced) "
        "VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)",
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

sqlite3 *fs__central_db(fs_central *c) { return c->db; }
void fs__central_set_wipe_deadline(fs_central *c, int64_t ms) { c->wipe_deadline_ms = ms; }
int64_t fs__central_wipe_deadline(const fs_central *c) { return c->wipe_deadline_ms; }
fs_hlc *fs__central_hlc(fs_central *c) { return &c->hlc; }
uint64_t fs__central_seq(const fs_central *c) { return c->seq; }
uint64_t fs__central_next_seq(fs_central *c) { return ++c->seq; }

int fs__central_begin(fs_central *c) { return fs__db_begin(c->db); }

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

int fs__central_journal(fs_central *c, fs_kind k, const char *id, const char *audience,
                        int op) {
  sqlite3_stmt *st = c->st_journal;
  int rc;

  sqlite3_bind_int64(st, 1, (sqlite3_int64)fs__central_next_seq(c));
  sqlite3_bind_int(st, 2, (int)k);
  sqlite3_bind_text(st, 3, id, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 4, audience, -1, SQLITE_STATIC);
  sqlite3_bind_int(st, 5, op);
  rc = sqlite3_step(st);
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
  return rc == SQLITE_DONE ? 0 : fs__db_err(c->db, rc);
}

/* Storage failures abort the whole push; anything else rejects one change. */
static int fatal(int rc) {
  return rc == FS_EFULL || rc == FS_EIO || rc == FS_EDB || rc == FS_EBUSY ||
         rc == FS_ENOMEM || rc == FS_EINTERNAL;
}

typedef struct conflict_ctx {
  fs_central *c;
  const fs_device *d;
  const char *owner;
  uint64_t seq;
  int logged; /* conflicts logged by on_conflict */
} conflict_ctx;

static void bind_value(sqlite3_stmt *st, int i, const fs_value *v) {
  if (v == NULL || v->type == FS_V_NULL)
    sqlite3_bind_null(st, i);
  else if (v->type == FS_V_INT)
    sqlite3_bind_int64(st, i, v->i);
  else
    sqlite3_bind_text(st, i, v->s, (int)v->len, SQLITE_STATIC);
}

/* Logs one conflict row (fenced: the staff code of a fenced item, or
 * NULL for an ordinary conflict).  0 or a translated error. */
static int log_conflict(conflict_ctx *x, const fs_change *ch, int field,
                        const fs_value *loser, uint64_t loser_hlc, const fs_value *winner,
                        uint64_t winner_hlc, const char *fenced) {
  sqlite3_stmt *st = x->c->st_conflict;
  const fs_kind_def *kd = fs__kind_def(ch->kind);
  int rc;

  sqlite3_bind_int64(st, 1, (sqlite3_int64)x->seq);
  sqlite3_bind_text(st, 2, kd->name, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, ch->id, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 4, field >= 0 ? kd->fields[field].name : "(deleted)", -1,
                    SQLITE_STATIC);
  bind_value(st, 5, loser);
  sqlite3_bind_int64(st, 6, (sqlite3_int64)loser_hlc);
  bind_value(st, 7, winner);
  sqlite3_bind_int64(st, 8, (sqlite3_int64)winner_hlc);
  sqlite3_bind_int64(st, 9, (sqlite3_int64)x->d->id);
  sqlite3_bind_text(st, 10, x->owner, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 11, (sqlite3_int64)fs__now_ms());
  if (fenced)
    sqlite3_bind_text(st, 12, fenced, -1, SQLITE_STATIC);
  else
    sqlite3_bind_null(st, 12);
  rc = sqlite3_step(st);
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
  return rc == SQLITE_DONE ? 0 : fs__db_err(x->c->db, rc);
}

static void on_conflict(void *arg, const fs_change *ch, int field, const fs_value *loser,
                        uint64_t loser_hlc, const fs_value *winner, uint64_t winner_hlc) {
  conflict_ctx *x = arg;

  /* The merge itself has happened; a lost log line is reported, not fatal:
   * the storage error resurfaces at commit if the disk is full. */
  if (log_conflict(x, ch, field, loser, loser_hlc, winner, winner_hlc, NULL) != 0)
    FS_WARN("cannot log conflict on %s %s: %s", fs__kind_def(ch->kind)->name, ch->id,
            sqlite3_errmsg(x->c->db));
  else
    x->logged++;
}

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int set_reason(fs_push_result *r, int code, const char *fmt, ...) {
  char buf[512];
  va_list ap;

  r->outcome = FS_OUTCOME_REJECTED;
  r->code = code;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof(buf), fmt, ap);
  va_end(ap);
  free(r->reason);
  r->reason = strdup(buf);
  return r->reason ? 0 : FS_ENOMEM;
}

/* The customer a record belongs to, for access checks: its own id for a
 * customer, its customer_id for a child (from the change on create, from
 * the stored row otherwise). */
static const char *customer_of(const fs_kind_def *kd, const fs_change *c,
                               const fs_row *existing, int found) {
  int pf = fs__field_index(kd, "customer_id");

  if (kd->kind == FS_KIND_CUSTOMER)
    return c->id;
  if (pf < 0)
    return NULL;
  if (found)
    return existing->values[pf].type == FS_V_TEXT ? existing->values[pf].s : NULL;
  for (int i = 0; i < c->nfields; i++)
    if (c->fields[i].field == pf && c->fields[i].value.type == FS_V_TEXT)
      return c->fields[i].value.s;
  return NULL;
}

/* ---- the handover fence ------------------------------------------------
 *
 * A device whose staff member lost the right to write a record (a
 * departure or transfer moved it, a cover ended) may still upload work
 * done before it heard of the move.  Such a change is "fenced": it is
 * admitted only if it was made while the right was in force (every clock
 * at or before the move: the change clock bounds its field clocks,
 * fs__validate_clocks), the device had not pulled the move (its cursor is
 * before it) and the fence is still open (move time, or an earlier wipe
 * order or departure of the device's staff, + wipe_deadline_days).  On a
 * record that now belongs to someone else it applies only to fields
 * nobody has written since the move; the other fields, and every fenced
 * delete, become items for the owner (conflicts.fenced).  Every change
 * that lands through a fence is audited ("fence.arrived") and listed in
 * the handover report of its move. */

typedef enum fence_kind {
  FENCE_NONE = 0,
  FENCE_MOVE,     /* ownership_log: moved away from the staff after the change */
  FENCE_DEPARTED, /* a departed rep's own new work, landing with the successor */
  FENCE_COVER     /* a stand-in's work during a cover that has ended, or on a
                     card that left the covered rep while the cover ran */
} fence_kind;

typedef struct fence {
  fence_kind kind;
  int64_t at;       /* ms the device's staff member lost the right to write */
  int64_t handover; /* handovers.id whose report lists the arrival; 0 none */
  int64_t late_at;  /* FENCE_NONE: the record left the staff at this ms,
                       before the change's clock (0: it never did) */
  char late_to[FS_STAFF_MAX + 1];
} fence;

/* What the daemon itself knows of the pushing device, read in the writer
 * transaction (not the handshake's copy: a push may follow a revoke). */
typedef struct push_ctx {
  uint64_t last_hlc;   /* devices.last_hlc, raised as changes are recorded */
  int64_t wipe_at;     /* devices.wipe_at, 0 if none */
  int64_t departed_at; /* staff.departed_at, 0 if active */
  int64_t departure;   /* handovers.id of the staff's departure, 0 if none */
  uint64_t now;        /* daemon wall clock, ms */
} push_ctx;

static int push_ctx_load(fs_central *c, const fs_device *d, push_ctx *p) {
  sqlite3_stmt *st = NULL;
  int rc;

  memset(p, 0, sizeof(*p));
  p->now = fs__hlc_wall(&c->hlc);
  rc = sqlite3_prepare_v2(
      c->db,
      "SELECT d.last_hlc, COALESCE(d.wipe_at,0), "
      "CASE WHEN s.status='" FS_STAFF_DEPARTED_S
      "' THEN COALESCE(s.departed_at,0) ELSE 0 "
      "END, COALESCE((SELECT max(h.id) FROM handovers h WHERE "
      "h.from_staff=d.staff AND h.kind='departure' AND h.dry_run=0),0) "
      "FROM devices d JOIN staff s ON s.code=d.staff WHERE d.id=?1",
      -1, &st, NULL);
  if (rc != SQLITE_OK)
    return fs__db_err(c->db, rc);
  sqlite3_bind_int64(st, 1, (sqlite3_int64)d->id);
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    p->last_hlc = (uint64_t)sqlite3_column_int64(st, 0);
    p->wipe_at = sqlite3_column_int64(st, 1);
    p->departed_at = sqlite3_column_int64(st, 2);
    p->departure = sqlite3_column_int64(st, 3);
    rc = 0;
  } else {
    /* Unknown here (removed since the handshake): the handshake's view. */
    p->last_hlc = d->last_hlc;
    p->wipe_at = d->wipe_at;
    rc = rc == SQLITE_DONE ? 0 : fs__db_err(c->db, rc);
  }
  sqlite3_finalize(st);
  return rc;
}

static int push_ctx_save(fs_central *c, const fs_device *d, const push_ctx *p) {
  sqlite3_stmt *st = NULL;
  int rc;

  rc = sqlite3_prepare_v2(
      c->db, "UPDATE devices SET last_hlc=?2 WHERE id=?1 AND last_hlc<?2", -1, &st, NULL);
  if (rc != SQLITE_OK)
    return fs__db_err(c->db, rc);
  sqlite3_bind_int64(st, 1, (sqlite3_int64)d->id);
  sqlite3_bind_int64(st, 2, (sqlite3_int64)p->last_hlc);
  rc = sqlite3_step(st);
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? 0 : fs__db_err(c->db, rc);
}

/* The first ownership move of record (k, id) at or after t_ms: 1 with m
 * filled (m->old_owner owned the record at t_ms), 0 if none (the current
 * owner owned it), <0 on error. */
typedef struct move {
  char old_owner[FS_STAFF_MAX + 1];
  char new_owner[FS_STAFF_MAX + 1];
  int64_t at;
  uint64_t seq;
  int64_t handover;
} move;

static int first_move_after(fs_central *c, fs_kind k, const char *id, uint64_t t_ms,
                            move *m) {
  sqlite3_stmt *st = NULL;
  int rc;

  rc = sqlite3_prepare_v2(c->db,
                          "SELECT old_owner, new_owner, at, seq, COALESCE(handover,0) FROM "
                          "ownership_log WHERE kind=?1 AND record_id=?2 AND at>=?3 ORDER BY id "
                          "LIMIT 1",
                          -1, &st, NULL);
  if (rc != SQLITE_OK)
    return fs__db_err(c->db, rc);
  sqlite3_bind_int(st, 1, (int)k);
  sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 3, (sqlite3_int64)t_ms);
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    snprintf(m->old_owner, sizeof(m->old_owner), "%s", sqlite3_column_text(st, 0));
    snprintf(m->new_owner, sizeof(m->new_owner), "%s", sqlite3_column_text(st, 1));
    m->at = sqlite3_column_int64(st, 2);
    m->seq = (uint64_t)sqlite3_column_int64(st, 3);
    m->handover = sqlite3_column_int64(st, 4);
    rc = 1;
  } else {
    rc = rc == SQLITE_DONE ? 0 : fs__db_err(c->db, rc);
  }
  sqlite3_finalize(st);
  return rc;
}

/* 1 if staff ever stood in for absent (a cover in any state), 0 if not,
 * <0 on error. */
static int covered(fs_central *c, const char *staff, const char *absent) {
  sqlite3_stmt *st = NULL;
  int rc;

  rc = sqlite3_prepare_v2(c->db, "SELECT 1 FROM covers WHERE by_staff=?1 AND absent=?2 LIMIT 1",
                          -1, &st, NULL);
  if (rc != SQLITE_OK)
    return fs__db_err(c->db, rc);
  sqlite3_bind_text(st, 1, staff, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, absent, -1, SQLITE_STATIC);
  rc = sqlite3_step(st);
  rc = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : fs__db_err(c->db, rc);
  sqlite3_finalize(st);
  return rc;
}

/* 1 if staff stood in for absent at t_ms (a cover that had been set up by
 * then, whose days include t_ms's day in the daemon's zone (date.h) and
 * that had not ended before t_ms), 0 if not, <0 on error. */
static int covering_at(fs_central *c, const char *staff, const char *absent, uint64_t t_ms) {
  sqlite3_stmt *st = NULL;
  char day[11];
  int rc;

  fs__day_of_ms((int64_t)t_ms, day);
  rc = sqlite3_prepare_v2(c->db,
                          "SELECT 1 FROM covers WHERE by_staff=?1 AND absent=?2 AND "
                          "from_day<=?3 AND to_day>=?3 AND COALESCE(created_at,0)<=?4 AND "
                          "(ended_at IS NULL OR ended_at>=?4) LIMIT 1",
                          -1, &st, NULL);
  if (rc != SQLITE_OK)
    return fs__db_err(c->db, rc);
  sqlite3_bind_text(st, 1, staff, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, absent, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, day, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(st, 4, (sqlite3_int64)t_ms);
  rc = sqlite3_step(st);
  rc = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : fs__db_err(c->db, rc);
  sqlite3_finalize(st);
  return rc;
}

/* The handover fence through ownership_log: who owned record (k, id) at
 * t_ms is the old owner of the first move at or after t_ms (the current
 * owner if none).  1 with f filled if that was this device's staff member,
 * or a rep it stood in for at t_ms (the card left the covered rep while
 * the cover ran), and the device had not pulled that move (its cursor is
 * before it); 0 if not (f->late_at set if the record left the staff
 * before t_ms); <0 on error. */
static int fenced_in(fs_central *c, const fs_device *d, fs_kind k, const char *id,
                     uint64_t t_ms, fence *f) {
  sqlite3 *db = c->db;
  sqlite3_stmt *st = NULL;
  move m;
  int rc;

  rc = first_move_after(c, k, id, t_ms, &m);
  if (rc < 0)
    return rc;
  if (rc == 1 && d->cursor < m.seq) {
    int own = strcmp(m.old_owner, d->staff) == 0;
    if (!own) {
      rc = covering_at(c, d->staff, m.old_owner, t_ms);
      if (rc < 0)
        return rc;
    }
    if (own || rc == 1) {
      f->kind = own ? FENCE_MOVE : FENCE_COVER;
      f->at = m.at;
      f->handover = m.handover;
      return 1;
    }
  }
  /* Not fenced in: did it leave the staff before the change was made?
   * Then the reason can say so. */
  rc = sqlite3_prepare_v2(
      db,
      "SELECT at, new_owner FROM ownership_log WHERE kind=?1 AND "
      "record_id=?2 AND old_owner=?3 AND at<?4 ORDER BY id DESC LIMIT 1",
      -1, &st, NULL);
  if (rc != SQLITE_OK)
    return fs__db_err(db, rc);
  sqlite3_bind_int(st, 1, (int)k);
  sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, d->staff, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 4, (sqlite3_int64)t_ms);
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW && f->late_at == 0) {
    f->late_at = sqlite3_column_int64(st, 0);
    snprintf(f->late_to, sizeof(f->late_to), "%s", sqlite3_column_text(st, 1));
  }
  rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : fs__db_err(db, rc);
  sqlite3_finalize(st);
  return rc;
}

/* The cover fence: 1 if this device's staff member stood in for another
 * rep (a cover, now ended) on the day of t_ms, t_ms is not after the
 * cover's end, and the device has not yet pulled the eviction of customer
 * `cust` that the cover's end wrote (its cursor is before it): field work
 * done with the right to write is accepted, as through the handover
 * fence, and lands with the owner.  The cover must have been of the
 * card's owner now, or of an owner the card has since left.  Loans grant
 * no writes and never pass.  0 if not; <0 on error. */
static int cover_fenced_in(fs_central *c, const fs_device *d, const char *cust,
                           const char *owner, uint64_t t_ms, fence *f) {
#define COVER_END                                                                        \
  "COALESCE(cv.ended_at, CAST(strftime('%s', cv.to_day, '+1 day', 'utc') AS INTEGER)*1000)"
  sqlite3 *db = c->db;
  sqlite3_stmt *st = NULL;
  char day[11];
  int rc;

  if (cust == NULL)
    return 0;
  fs__day_of_ms((int64_t)t_ms, day);
  rc = sqlite3_prepare_v2(
      db,
      "SELECT " COVER_END " FROM covers cv WHERE cv.by_staff=?1 AND cv.state=2 AND "
      "cv.from_day<=?7 AND " COVER_END ">=?8 AND (cv.absent=?2 OR "
      "EXISTS (SELECT 1 FROM ownership_log o WHERE o.kind=?3 AND o.record_id=?4 AND "
      "o.old_owner=cv.absent)) AND EXISTS (SELECT 1 FROM journal j WHERE j.kind=?3 AND "
      "j.record_id=?4 AND j.audience=?1 AND j.op=?5 AND j.seq>?6) ORDER BY 1 LIMIT 1",
      -1, &st, NULL);
#undef COVER_END
  if (rc != SQLITE_OK)
    return fs__db_err(db, rc);
  sqlite3_bind_text(st, 1, d->staff, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, owner, -1, SQLITE_STATIC);
  sqlite3_bind_int(st, 3, (int)FS_KIND_CUSTOMER);
  sqlite3_bind_text(st, 4, cust, -1, SQLITE_STATIC);
  sqlite3_bind_int(st, 5, FS_JOURNAL_EVICT);
  sqlite3_bind_int64(st, 6, (sqlite3_int64)d->cursor);
  sqlite3_bind_text(st, 7, day, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(st, 8, (sqlite3_int64)t_ms);
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    f->kind = FENCE_COVER;
    f->at = sqlite3_column_int64(st, 0);
    rc = 1;
  } else {
    rc = rc == SQLITE_DONE ? 0 : fs__db_err(db, rc);
  }
  sqlite3_finalize(st);
  return rc;
}

/* ms -> "YYYY-MM-DD HH:MM:SS UTC" */
static void fmt_ms(char *buf, size_t len, int64_t ms) {
  time_t t = (time_t)(ms / 1000);
  struct tm tm;

  gmtime_r(&t, &tm);
  strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

/* When the fence closes: the move, or an earlier wipe order or departure
 * of the device's staff member, + wipe_deadline_days. */
static int64_t fence_closes(const fs_central *c, const push_ctx *p, const fence *f) {
  int64_t base = f->at;

  if (p->wipe_at > 0 && p->wipe_at < base)
    base = p->wipe_at;
  if (p->departed_at > 0 && p->departed_at < base)
    base = p->departed_at;
  return base + c->wipe_deadline_ms;
}

#define REPORT_MAX (48 * 1024) /* bytes of a handover report with its arrivals */
#define REPORT_MORE "  ... more arrived; see fieldsyncd audit (action fence.arrived)\n"

/* Appends a line to the stored report of handover hid and gives it a fresh
 * seq, so the new owner and the manager get it again as a NOTICE at their
 * next sync (server.c pull_notices).  Bounded: past REPORT_MAX one
 * "more" line points to the audit. */
static int report_arrival(fs_central *c, int64_t hid, const char *line) {
  sqlite3_stmt *st = NULL;
  int rc;

  rc = sqlite3_prepare_v2(
      c->db,
      "UPDATE handovers SET report=CASE WHEN length(COALESCE(report,''))+"
      "length(?2)<=?4 THEN COALESCE(report,'')||?2 WHEN substr(report,"
      "-length(?5))=?5 THEN report ELSE report||?5 END, seq=?3 WHERE id=?1",
      -1, &st, NULL);
  if (rc != SQLITE_OK)
    return fs__db_err(c->db, rc);
  sqlite3_bind_int64(st, 1, hid);
  sqlite3_bind_text(st, 2, line, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 3, (sqlite3_int64)fs__central_next_seq(c));
  sqlite3_bind_int(st, 4, REPORT_MAX);
  sqlite3_bind_text(st, 5, REPORT_MORE, -1, SQLITE_STATIC);
  rc = sqlite3_step(st);
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? 0 : fs__db_err(c->db, rc);
}

/* Records the merged change ch in the per-record history (history.h):
 * one row with its fields encoded from the row as it was before (existing,
 * found) and the outcome (a create: none, history.h); nothing if it
 * changed no value.  A delete that took effect also clears the record's
 * content values from its history. */
static int history_record(fs_central *c, const fs_device *d, const fs_change *ch,
                          const char *cust, const fs_row *existing, int found,
                          fs_outcome outcome) {
  sqlite3_stmt *st = c->st_history;
  int rc, due = 0;

  if (ch->op == FS_OP_DELETE) {
    fs__buf_reset(&c->hist);
  } else {
    rc = fs__history_encode(&c->hist, ch, found ? existing : NULL, outcome, &due);
    if (rc || !due)
      return rc;
  }
  sqlite3_bind_int64(st, 1, (sqlite3_int64)fs__now_ms());
  /* Filed under the customer (the one index), a record without one under
   * itself. */
  sqlite3_bind_text(st, 2, cust ? cust : ch->id, -1, SQLITE_STATIC);
  sqlite3_bind_int(st, 3, (int)ch->kind);
  sqlite3_bind_text(st, 4, ch->id, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 5, d->staff, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 6, (sqlite3_int64)d->id);
  sqlite3_bind_int(st, 7, (int)outcome);
  if (ch->op == FS_OP_DELETE)
    sqlite3_bind_null(st, 8);
  else
    sqlite3_bind_blob(st, 8, c->hist.len ? (const void *)c->hist.data : "",
                      (int)c->hist.len, SQLITE_STATIC);
  rc = sqlite3_step(st);
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
  rc = rc == SQLITE_DONE ? 0 : fs__db_err(c->db, rc);
  /* A deleted record keeps no content, in its history neither. */
  if (rc == 0 && ch->op == FS_OP_DELETE && outcome != FS_OUTCOME_SUPERSEDED)
    rc = fs__history_clear(c->db, cust, ch->kind, ch->id, FS_HISTORY_DELETED);
  return rc;
}

/* Applies a fenced change ch (already authorised through f) to the record
 * of owner: fields written by anyone since the move, and a delete, become
 * items for the owner instead; the rest merges as usual.  Audits the
 * arrival and lists it in the handover report.  *outcome is set. */
static int apply_fenced(fs_central *c, const fs_device *d, fs_change *ch,
                        const fs_row *existing, int found, const char *cust,
                        const fence *f, conflict_ctx *cx, fs_outcome *outcome) {
  const fs_kind_def *kd = fs__kind_def(ch->kind);
  uint64_t moved =
      fs__hlc_make((uint64_t)f->at, 0xffff); /* last stamp of the move's ms */
  fs__strbuf items, landed, line;
  fs_change sub;
  int rc = 0, nitems = 0;

  fs__strbuf_init(&items, 4096);
  fs__strbuf_init(&landed, 4096);
  fs__strbuf_init(&line, 8192);
  memset(&sub, 0, sizeof(sub));
  if (ch->op == FS_OP_DELETE) {
    /* Never applied: the card stays, the owner decides. */
    *outcome = FS_OUTCOME_SUPERSEDED;
    if (found && !existing->deleted) {
      cx->seq = fs__central_next_seq(c);
      rc = log_conflict(cx, ch, -1, NULL, ch->hlc, NULL, existing->hlc, d->staff);
      nitems = 1;
      fs__strbuf_printf(&items, "delete");
    }
  } else {
    sub = *ch;
    sub.nfields = 0;
    sub.fields = ch->nfields ? malloc((size_t)ch->nfields * sizeof(*sub.fields)) : NULL;
    if (ch->nfields && sub.fields == NULL) {
      rc = FS_ENOMEM;
      goto out;
    }
    cx->seq = fs__central_next_seq(c);
    for (int i = 0; rc == 0 && i < ch->nfields; i++) {
      const fs_field_change *fc = &ch->fields[i];
      const char *name = kd->fields[fc->field].name;
      /* Written by someone since the move: the owner's value stands
       * until the owner takes this one. */
      if (found && !existing->deleted && existing->clk[fc->field] > moved) {
        rc = log_conflict(cx, ch, fc->field, &fc->value, fc->hlc,
                          &existing->values[fc->field], existing->clk[fc->field],
                          d->staff);
        fs__strbuf_printf(&items, "%s%s", nitems++ ? "," : "", name);
      } else {
        sub.fields[sub.nfields++] = *fc;
        fs__strbuf_printf(&landed, "%s%s", sub.nfields > 1 ? "," : "", name);
      }
    }
    if (rc)
      goto out;
    *outcome = FS_OUTCOME_SUPERSEDED;
    if (sub.nfields > 0 || !found)
      rc = fs__store_apply(c->db, &sub, cx->seq, on_conflict, cx, outcome);
    if (rc == 0 && nitems && *outcome == FS_OUTCOME_APPLIED)
      *outcome = FS_OUTCOME_MERGED;
    /* The history shows what landed, with the outcome the PUSH_RESULT
     * says; the held fields are owner's items. */
    if (rc == 0 && (sub.nfields > 0 || !found))
      rc = history_record(c, d, &sub, cust, existing, found, *outcome);
    if (rc)
      goto out;
  }
  if (rc)
    goto out;
  /* The record: "customer <id>", its fields, what became of them. */
  fs__strbuf_printf(&line, "%s %s%s%s: ", kd->name, ch->id, found ? "" : " (new)",
                    ch->op == FS_OP_DELETE ? " delete" : "");
  if (ch->op == FS_OP_DELETE)
    fs__strbuf_printf(&line,
                      nitems ? "not applied; an item for %s to accept or dismiss"
                             : "not applied (already deleted)",
                      cx->owner);
  else if (landed.len)
    fs__strbuf_printf(&line, "%s %s", landed.s,
                      *outcome == FS_OUTCOME_SUPERSEDED ? "superseded by newer values"
                                                        : "applied");
  if (ch->op != FS_OP_DELETE && nitems)
    fs__strbuf_printf(&line,
                      "%s%s changed since the move: an item for %s to accept or dismiss",
                      landed.len ? "; " : "", items.s, cx->owner);
  else if (ch->op != FS_OP_DELETE && landed.len == 0)
    fs__strbuf_printf(&line, "no fields");
  {
    char detail[1200];
    snprintf(detail, sizeof(detail), "device %llu (%s%s), owner %s: %s",
             (unsigned long long)d->id, d->staff,
             f->kind == FENCE_COVER ? ", stand-in" : "", cx->owner,
             line.s ? line.s : "");
    rc = fs__audit(c, "fieldsyncd", "fence.arrived", d->staff, cust, (long long)d->id,
                   detail, NULL);
  }
  if (rc == 0 && f->handover) {
    char text[1400];
    snprintf(text, sizeof(text), "arrived after the handover from %s's device: %s\n",
             d->staff, line.s ? line.s : "");
    rc = report_arrival(c, f->handover, text);
  }
  /* A fresh journal entry for the owner, after the items and the report,
   * so the owner's next pull reaches their seqs (server.c). */
  if (rc == 0)
    rc = fs__central_journal(c, ch->kind, ch->id, cx->owner, FS_JOURNAL_ROW);
out:
  free(sub.fields);
  fs__strbuf_release(&items);
  fs__strbuf_release(&landed);
  fs__strbuf_release(&line);
  return rc;
}

static int apply_one(fs_central *c, const fs_device *d, const fs_access *acc, push_ctx *p,
                     fs_change *ch, fs_push_result *res) {
  const fs_kind_def *kd = fs__kind_def(ch->kind);
  fs_row existing, parent;
  char err[300];
  char owner[FS_STAFF_MAX + 1];
  const char *cust;
  uint64_t stamp, t_ms;
  int found, rc, prc = FS_ENOTFOUND;
  fs_outcome outcome = FS_OUTCOME_REJECTED;
  conflict_ctx cx;
  fence f;

  memset(&existing, 0, sizeof(existing));
  memset(&parent, 0, sizeof(parent));
  memset(&f, 0, sizeof(f));
  if (kd == NULL)
    return set_reason(res, FS_EUNKNOWN_FIELD, "unknown record kind");
  rc = fs__store_get(c->db, ch->kind, ch->id, &existing);
  if (rc && rc != FS_ENOTFOUND)
    goto out;
  found = rc == 0;
  rc = 0;
  /* Clocks first: every clock bounded (validate.h), and rising per device:
   * a new change at or below a clock already acknowledged from this device
   * is refused, so nothing can be slipped in under work already sent. */
  if (fs__validate_clocks(ch, p->now, c->hlc.max_ahead_ms, err, sizeof(err)) != 0) {
    rc = set_reason(res, FS_ECLOCK, "%s", err);
    goto out;
  }
  if (ch->hlc <= p->last_hlc) {
    rc = set_reason(
        res, FS_ECLOCK,
        "change is stamped at or before a change this device already sent "
        "(clock %llu <= %llu); a device's changes must be stamped later and later",
        (unsigned long long)ch->hlc, (unsigned long long)p->last_hlc);
    goto out;
  }
  if (fs__hlc_recv(&c->hlc, ch->hlc, &stamp) != 0) {
    rc = set_reason(res, FS_ECLOCK,
                    "change is stamped too far in the future; fix the device's clock");
    goto out;
  }
  t_ms = fs__hlc_ms(ch->hlc);
  if (fs__validate_change(ch, !found, err, sizeof(err)) != 0) {
    rc = set_reason(res, FS_EVALIDATE, "%s", err);
    goto out;
  }
  /* Owner: never trusted from the device on an existing record; a child
   * record always belongs to its customer's owner. */
  cust = customer_of(kd, ch, &existing, found);
  if (found) {
    snprintf(owner, sizeof(owner), "%s", existing.owner);
  } else if ((kd->flags & FS_K_CHILD) && cust) {
    prc = fs__store_get(c->db, FS_KIND_CUSTOMER, cust, &parent);
    if (prc && prc != FS_ENOTFOUND) {
      rc = prc;
      goto out;
    }
    if (prc == FS_ENOTFOUND || parent.deleted) {
      rc = set_reason(res, FS_ENOTFOUND, "customer %s does not exist", cust);
      goto out;
    }
    snprintf(owner, sizeof(owner), "%s", parent.owner);
  } else {
    snprintf(owner, sizeof(owner), "%s", ch->owner);
    /* A departed rep's final upload: new cards land with the successor. */
    if (d->departed && d->successor[0] && strcmp(owner, d->staff) == 0)
      snprintf(owner, sizeof(owner), "%s", d->successor);
  }
  rc = fs__access_check_write(acc, owner, cust);
  if (rc == FS_EFORBIDDEN) {
    /* Handed over while the device was offline?  Then the rep's field
     * work made before the move is accepted and lands with the new owner;
     * the rep stays the author. */
    int in = found ? fenced_in(c, d, ch->kind, ch->id, t_ms, &f) : 0;
    if (in == 0 && cust && ch->kind != FS_KIND_CUSTOMER)
      in = fenced_in(c, d, FS_KIND_CUSTOMER, cust, t_ms, &f);
    /* The departed rep's own work that has no move of its own: new cards
     * (landing with the successor) and records it authored, made before
     * the departure. */
    if (in == 0 && p->departed_at > 0 && d->successor[0] &&
        strcmp(owner, d->successor) == 0 &&
        (found ? strcmp(existing.author, d->staff) == 0
               : !(kd->flags & FS_K_CHILD) || strcmp(parent.author, d->staff) == 0)) {
      f.kind = FENCE_DEPARTED;
      f.at = p->departed_at;
      f.handover = p->departure;
      in = 1;
    }
    if (in == 0)
      in = cover_fenced_in(c, d, ch->kind == FS_KIND_CUSTOMER ? ch->id : cust, owner,
                           t_ms, &f);
    if (in < 0) {
      rc = in;
      goto out;
    }
    if (in) {
      char when[40];
      fmt_ms(when, sizeof(when), fence_closes(c, p, &f));
      if ((int64_t)p->now > fence_closes(c, p, &f)) {
        rc = set_reason(
            res, FS_EFORBIDDEN,
            "record now belongs to %s; the handover fence for %s's device closed "
            "at %s (wipe_deadline_days after the move)",
            owner, d->staff, when);
        goto out;
      }
      if ((int64_t)t_ms > f.at) {
        fmt_ms(when, sizeof(when), f.at);
        rc = set_reason(
            res, FS_EFORBIDDEN,
            "change was made after %s lost the right to write this record (%s); "
            "it belongs to %s",
            d->staff, when, owner);
        goto out;
      }
      FS_INFO("device %llu (%s): change %llu to %s %s accepted through the handover fence; "
              "it lands with %s",
              (unsigned long long)d->id, d->staff, (unsigned long long)ch->counter, kd->name,
              ch->id, owner);
      rc = 0;
    }
  }
  if (rc == 0 && f.kind == FENCE_NONE && d->role == FS_ROLE_REP &&
      strcmp(owner, d->staff) == 0 && (found || ((kd->flags & FS_K_CHILD) && cust))) {
    /* A rep's own record now, but was it when the change was made?  A
     * card that went away and came back was someone else's in between
     * (unless the rep stood in for that owner: a cover). */
    move m;
    int mv = first_move_after(c, found ? ch->kind : FS_KIND_CUSTOMER, found ? ch->id : cust,
                              t_ms, &m);
    if (mv == 1 && strcmp(m.old_owner, d->staff) != 0) {
      int cv = covered(c, d->staff, m.old_owner);
      mv = cv < 0 ? cv : !cv;
    } else if (mv == 1) {
      mv = 0;
    }
    if (mv < 0) {
      rc = mv;
      goto out;
    }
    if (mv == 1) {
      char when[40];
      fmt_ms(when, sizeof(when), m.at);
      rc = set_reason(res, FS_EFORBIDDEN,
                      "change was made while the record belonged to %s (it came to %s at %s); "
                      "%s may not change it for that time",
                      m.old_owner, m.new_owner, when, d->staff);
      goto out;
    }
  }
  if (rc) {
    int code = rc;
    char when[40];
    if (code == FS_EREADONLY) {
      rc = set_reason(res, code, "record of %s is on loan to %s and read-only", owner,
                      d->staff);
    } else if (f.late_at) {
      fmt_ms(when, sizeof(when), f.late_at);
      rc = set_reason(
          res, code,
          "change was made after the record was handed over from %s to %s (%s); "
          "only work made before the move is accepted",
          d->staff, f.late_to, when);
    } else {
      rc = set_reason(res, code, "record belongs to %s; %s may not change it", owner,
                      d->staff);
    }
    goto out;
  }
  /* The manager's controls (issue 14), from the store and the staff
   * table's role, never from what the device claims. */
  rc = fs__access_rules_check(c->db, d->role, d->staff, ch, NULL, err, sizeof(err));
  if (rc) {
    rc = err[0] ? set_reason(res, rc, "%s", err) : rc;
    goto out;
  }
  /* The daemon decides owner and author; the device's claims are ignored. */
  snprintf(ch->owner, sizeof(ch->owner), "%s", owner);
  if (!found)
    snprintf(ch->author, sizeof(ch->author), "%s", d->staff);
  else
    snprintf(ch->author, sizeof(ch->author), "%s", existing.author);
  ch->device_id = d->id;
  cx.c = c;
  cx.d = d;
  cx.owner = owner;
  cx.logged = 0;
  if (f.kind != FENCE_NONE) {
    rc = apply_fenced(c, d, ch, &existing, found, cust, &f, &cx, &outcome);
    if (rc == 0) {
      res->outcome = (int)outcome;
      res->code = 0;
    }
    goto out;
  }
  cx.seq = fs__central_next_seq(c);
  rc = fs__store_apply(c->db, ch, cx.seq, on_conflict, &cx, &outcome);
  if (rc == 0)
    rc = history_record(c, d, ch, cust, &existing, found, outcome);
  if (rc)
    goto out;
  res->outcome = (int)outcome;
  res->code = 0;
  /* A superseded change changed nothing, but the conflict it logged has a
   * seq only a later journal entry lets a PULL reach (server.c): without
   * one the readers of the record would hear of it only after its next
   * change.  The row goes out again, unchanged. */
  if (outcome != FS_OUTCOME_SUPERSEDED || cx.logged > 0)
    rc = fs__central_journal(c, ch->kind, ch->id, owner, FS_JOURNAL_ROW);
out:
  fs__row_release(&existing);
  fs__row_release(&parent);
  return rc;
}

static int record_applied(fs_central *c, const fs_device *d, const fs_change *ch,
                          const fs_push_result *r) {
  sqlite3_stmt *st = c->st_applied_put;
  int rc;

  sqlite3_bind_int64(st, 1, (sqlite3_int64)d->id);
  sqlite3_bind_int64(st, 2, (sqlite3_int64)r->counter);
  sqlite3_bind_int(st, 3, r->outcome);
  sqlite3_bind_int(st, 4, r->code);
  sqlite3_bind_int(st, 5, (int)ch->kind);
  sqlite3_bind_text(st, 6, ch->id, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 7, (sqlite3_int64)ch->hlc);
  /* The reason as sent, so that a re-send is answered with it again. */
  if (r->reason)
    sqlite3_bind_text(st, 8, r->reason, -1, SQLITE_STATIC);
  else
    sqlite3_bind_null(st, 8);
  rc = sqlite3_step(st);
  sqlite3_clear_bindings(st);
  sqlite3_reset(st);
  return rc == SQLITE_DONE ? 0 : fs__db_err(c->db, rc);
}

/* Copies a recorded outcome and code (columns 0 and 1 of st) and reason
 * (column reason_col; NULL in rows an older daemon wrote) into r.  0 or
 * FS_ENOMEM. */
static int recorded_result(sqlite3_stmt *st, int reason_col, fs_push_result *r) {
  const char *reason = (const char *)sqlite3_column_text(st, reason_col);

  r->outcome = sqlite3_column_int(st, 0);
  r->code = sqlite3_column_int(st, 1);
  free(r->reason);
  r->reason = reason ? strdup(reason) : NULL;
  return reason && r->reason == NULL ? FS_ENOMEM : 0;
}

/* 1 and the recorded outcome, code and reason if this very change
 * (device, counter, and the same record and clock) was applied before.
 * The same counter naming another change means a replica restored from a
 * backup reused it: that change is new and is applied (0) - unless its
 * clock, at or below the device's last_hlc, names a change already
 * recorded under another counter (a restored replica renumbers its
 * unsynced entries, fs__outbox_renumber, and re-sends some the daemon
 * already has): a device's clocks are unique, so that is the same change
 * again. */
static int already_applied(fs_central *c, const fs_device *d, const push_ctx *p,
                           const fs_change *ch, fs_push_result *r) {
  sqlite3_stmt *st = c->st_applied_get;
  int rc, seen = 0;

  sqlite3_bind_int64(st, 1, (sqlite3_int64)d->id);
  sqlite3_bind_int64(st, 2, (sqlite3_int64)ch->counter);
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW && sqlite3_column_type(st, 2) != SQLITE_NULL &&
      (sqlite3_column_int(st, 2) != (int)ch->kind ||
       strcmp((const char *)sqlite3_column_text(st, 3), ch->id) != 0 ||
       (uint64_t)sqlite3_column_int64(st, 4) != ch->hlc)) {
    FS_WARN("device %llu (%s): change counter %llu reused for another change (replica "
            "restored from a backup?); applying it as new",
            (unsigned long long)d->id, d->staff, (unsigned long long)ch->counter);
    rc = SQLITE_DONE;
  } else if (rc == SQLITE_ROW) {
    seen = recorded_result(st, 5, r);
    if (seen == 0)
      seen = 1;
  } else if (rc != SQLITE_DONE) {
    seen = fs__db_err(c->db, rc);
  }
  sqlite3_reset(st);
  if (rc == SQLITE_DONE && ch->hlc <= p->last_hlc) {
    st = NULL;
    rc = sqlite3_prepare_v2(
        c->db,
        "SELECT outcome, code, reason FROM applied WHERE device_id=?1 AND hlc=?2 "
        "AND kind=?3 AND record_id=?4 LIMIT 1",
        -1, &st, NULL);
    if (rc != SQLITE_OK)
      return fs__db_err(c->db, rc);
    sqlite3_bind_int64(st, 1, (sqlite3_int64)d->id);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)ch->hlc);
    sqlite3_bind_int(st, 3, (int)ch->kind);
    sqlite3_bind_text(st, 4, ch->id, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
      seen = recorded_result(st, 2, r);
      if (seen == 0)
        seen = 1;
    } else if (rc != SQLITE_DONE) {
      seen = fs__db_err(c->db, rc);
    }
    sqlite3_finalize(st);
  }
  return seen;
}

static int quarantine(fs_central *c, const fs_device *d, const fs_change *ch) {
  sqlite3_stmt *st = NULL;
  fs_buf b;
  int rc;

  fs__buf_init(&b, FS_MSG_MAX_BYTES);
  rc = fs__change_encode(ch, &b);
  if (rc == 0)
    rc = sqlite3_prepare_v2(
             c->db,
             "INSERT INTO quarantine(device_id, counter, payload, at, status) "
             "VALUES(?1,?2,?3,?4,'" FS_QUARANTINE_PENDING_S "')",
             -1, &st, NULL) == SQLITE_OK
             ? 0
             : fs__db_err(c->db, sqlite3_errcode(c->db));
  if (rc == 0) {
    sqlite3_bind_int64(st, 1, (sqlite3_int64)d->id);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)ch->counter);
    sqlite3_bind_blob(st, 3, b.data, (int)b.len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)fs__now_ms());
    rc = sqlite3_step(st) == SQLITE_DONE ? 0 : fs__db_err(c->db, sqlite3_errcode(c->db));
  }
  sqlite3_finalize(st);
  fs__buf_release(&b);
  return rc;
}

int fs__central_push(fs_central *c, const fs_device *d, fs_change *changes, const int *rcs,
                     uint32_t n, fs_push_result *results) {
  fs_access *acc;
  push_ctx p;
  int rc;

  acc = malloc(sizeof(*acc));
  if (acc == NULL)
    return FS_ENOMEM;
  rc = fs__central_access(c->db, d->staff, (int64_t)fs__now_ms(), acc);
  if (rc == 0)
    rc = push_ctx_load(c, d, &p);
  if (rc)
    goto out;
  for (uint32_t i = 0; i < n; i++) {
    fs_push_result *r = &results[i];
    int seen;

    memset(r, 0, sizeof(*r));
    r->counter = changes[i].counter;
    seen = already_applied(c, d, &p, &changes[i], r);
    if (seen < 0) {
      rc = seen;
      goto out;
    }
    if (seen) {
      /* Answered as the first time, reason included; a rejection an older
       * daemon recorded without its reason gets the code's message. */
      if (r->outcome == FS_OUTCOME_REJECTED && r->reason == NULL)
        set_reason(r, r->code, "%s (rejected before)", fs_strerror(r->code));
      continue;
    }
    if (d->status == FS_DEVICE_WIPE) {
      /* A revoked phone's last upload: kept for an admin, never applied. */
      rc = quarantine(c, d, &changes[i]);
      if (rc == 0)
        rc = set_reason(r, FS_EREVOKED,
                        "device revoked; change quarantined for an administrator to review");
      if (rc == 0)
        rc = record_applied(c, d, &changes[i], r);
      if (rc)
        goto out;
      continue;
    }
    rc = fs__db_exec(c->db, "SAVEPOINT ch");
    if (rc)
      goto out;
    if (rcs && rcs[i])
      rc = set_reason(r, rcs[i], "change names a field this daemon does not know");
    else
      rc = apply_one(c, d, acc, &p, &changes[i], r);
    if (rc == 0 && r->outcome == FS_OUTCOME_REJECTED)
      rc = fs__db_exec(c->db, "ROLLBACK TO ch");
    if (rc == 0)
      rc = record_applied(c, d, &changes[i], r);
    if (rc) {
      if (fatal(rc))
        goto out;
      /* Unexpected per-change failure: reject that change, keep going. */
      fs__db_exec(c->db, "ROLLBACK TO ch");
      set_reason(r, rc, "%s", fs_strerror(rc));
      rc = record_applied(c, d, &changes[i], r);
      if (rc)
        goto out;
    }
    rc = fs__db_exec(c->db, "RELEASE ch");
    if (rc)
      goto out;
    /* Recorded (applied or refused) with a clock inside the bound: the
     * device's clocks must rise above it from now on. */
    if (changes[i].hlc > p.last_hlc &&
        fs__hlc_ms(changes[i].hlc) <= p.now + c->hlc.max_ahead_ms)
      p.last_hlc = changes[i].hlc;
    if (r->outcome == FS_OUTCOME_REJECTED)
      FS_INFO("device %llu (%s): change %llu rejected: %s", (unsigned long long)d->id,
              d->staff, (unsigned long long)r->counter, r->reason ? r->reason : "");
  }
  rc = push_ctx_save(c, d, &p);
out:
  free(acc);
  return rc;
}

/* Adds column 0 of every row of st to a with add (a malformed value is
 * logged and skipped); stops at the first other error.  FS_EOVERFLOW
 * (logged, naming what) when a cannot hold them all. */
static int access_add_rows(sqlite3 *db, sqlite3_stmt *st, fs_access *a,
                           int (*add)(fs_access *, const char *), const char *what) {
  int rc;

  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    const char *v = (const char *)sqlite3_column_text(st, 0);
    rc = add(a, v ? v : "");
    if (rc == FS_EINVAL) {
      /* A malformed stored code grants nothing; the rest still counts. */
      FS_WARN("access set of %s: ignoring malformed %s entry '%s'", a->staff, what,
              v ? v : "");
      continue;
    }
    if (rc == FS_EOVERFLOW)
      FS_ERROR("access set of %s: more %s than it can hold (%d codes, %d loans); "
               "split the team or end covers/loans",
               a->staff, what, FS_ACCESS_MAX_CODES, FS_ACCESS_MAX_LOANS);
    if (rc)
      return rc;
  }
  return rc == SQLITE_DONE ? 0 : fs__db_err(db, rc);
}

int fs__central_access(sqlite3 *db, const char *staff, int64_t now_ms, fs_access *a) {
  sqlite3_stmt *st = NULL;
  int rc, role;
  char today[11];

  rc = sqlite3_prepare_v2(db, "SELECT role FROM staff WHERE code=?1", -1, &st, NULL);
  if (rc != SQLITE_OK)
    return fs__db_err(db, rc);
  sqlite3_bind_text(st, 1, staff, -1, SQLITE_STATIC);
  rc = sqlite3_step(st);
  if (rc != SQLITE_ROW) {
    rc = rc == SQLITE_DONE ? FS_ENOTFOUND : fs__db_err(db, rc);
    goto out;
  }
  role = fs__role_parse((const char *)sqlite3_column_text(st, 0));
  rc = fs__access_init(a, staff, role < 0 ? FS_ROLE_REP : (fs_role)role);
  if (rc)
    goto out;
  sqlite3_finalize(st);
  st = NULL;
  /* Team: a manager's reps (and their reps, for a manager of managers). */
  if (a->role == FS_ROLE_MANAGER) {
    rc = sqlite3_prepare_v2(db,
                            "WITH RECURSIVE team(code) AS (SELECT code FROM staff WHERE "
                            "manager=?1 UNION SELECT s.code FROM staff s JOIN team t ON "
                            "s.manager=t.code) SELECT code FROM team LIMIT ?2",
                            -1, &st, NULL);
    if (rc != SQLITE_OK) {
      rc = fs__db_err(db, rc);
      goto out;
    }
    sqlite3_bind_text(st, 1, staff, -1, SQLITE_STATIC);
    /* One more than fits, so a team too big for an access set is an
     * error (FS_EOVERFLOW from fs__access_add_owner), never a team cut
     * short in silence. */
    sqlite3_bind_int(st, 2, FS_ACCESS_MAX_CODES + 1);
    rc = access_add_rows(db, st, a, fs__access_add_owner, "team members");
    sqlite3_finalize(st);
    st = NULL;
    if (rc)
      goto out;
  }
  /* Active covers: by_staff stands in for absent within [from_day, to_day]. */
  fs__day_of_ms(now_ms, today);
  rc = sqlite3_prepare_v2(db,
                          "SELECT absent FROM covers WHERE by_staff=?1 AND from_day<=?2 "
                          "AND to_day>=?2 LIMIT ?3",
                          -1, &st, NULL);
  if (rc != SQLITE_OK) {
    rc = fs__db_err(db, rc);
    goto out;
  }
  sqlite3_bind_text(st, 1, staff, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, today, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int(st, 3, FS_ACCESS_MAX_CODES + 1);
  rc = access_add_rows(db, st, a, fs__access_add_owner, "covered staff");
  sqlite3_finalize(st);
  st = NULL;
  if (rc)
    goto out;
  rc = sqlite3_prepare_v2(db,
                          "SELECT customer_id FROM loans WHERE staff=?1 AND until>?2 "
                          "LIMIT ?3",
                          -1, &st, NULL);
  if (rc != SQLITE_OK) {
    rc = fs__db_err(db, rc);
    goto out;
  }
  sqlite3_bind_text(st, 1, staff, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 2, now_ms);
  sqlite3_bind_int(st, 3, FS_ACCESS_MAX_LOANS + 1);
  rc = access_add_rows(db, st, a, fs__access_add_loan, "loaned cards");
out:
  sqlite3_finalize(st);
  return rc;
}

/* 1 if card cust is deleted or unknown (its child records are not sent),
 * 0 if live, <0 on error.  *st is prepared on first use. */
static int parent_gone(sqlite3 *db, sqlite3_stmt **st, const char *cust) {
  int rc;

  if (*st == NULL &&
      (rc = sqlite3_prepare_v2(db, "SELECT deleted FROM customers WHERE id=?1", -1, st,
                               NULL)) != SQLITE_OK)
    return fs__db_err(db, rc);
  sqlite3_bind_text(*st, 1, cust, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step(*st);
  rc = rc == SQLITE_ROW    ? sqlite3_column_int(*st, 0) != 0
       : rc == SQLITE_DONE ? 1
                           : fs__db_err(db, rc);
  sqlite3_reset(*st);
  return rc;
}

int fs__central_pull(sqlite3 *db, const fs_access *a, uint64_t cursor, uint32_t limit,
                     const fs_pull_sink *sink, uint64_t *next, int *more) {
  char sql[256 + FS_ACCESS_MAX_CODES * 3];
  sqlite3_stmt *st = NULL, *parent_st = NULL;
  fs_row row;
  uint32_t n = 0;
  size_t len;
  int rc;

  memset(&row, 0, sizeof(row));
  *next = cursor;
  *more = 0;
  /* The audiences of this device: itself, team and covered owners, and
   * its own code for loans.  An admin reads every entry. */
  len = (size_t)snprintf(sql, sizeof(sql),
                         "SELECT seq, kind, record_id, op FROM journal WHERE seq>?1");
  if (!a->all) {
    len += (size_t)snprintf(sql + len, sizeof(sql) - len, " AND audience IN (");
    for (int i = 0; i < a->ncodes; i++)
      len += (size_t)snprintf(sql + len, sizeof(sql) - len, "%s?%d", i ? "," : "", i + 3);
    len += (size_t)snprintf(sql + len, sizeof(sql) - len, ")");
  }
  snprintf(sql + len, sizeof(sql) - len, " ORDER BY seq LIMIT ?2");
  rc = fs__db_exec(db, "BEGIN");
  if (rc)
    return rc;
  rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
  if (rc != SQLITE_OK) {
    rc = fs__db_err(db, rc);
    goto out;
  }
  sqlite3_bind_int64(st, 1, (sqlite3_int64)cursor);
  sqlite3_bind_int64(st, 2, (sqlite3_int64)limit);
  for (int i = 0; !a->all && i < a->ncodes; i++)
    sqlite3_bind_text(st, i + 3, a->codes[i], -1, SQLITE_STATIC);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    uint64_t seq = (uint64_t)sqlite3_column_int64(st, 0);
    fs_kind k = (fs_kind)sqlite3_column_int(st, 1);
    const char *id = (const char *)sqlite3_column_text(st, 2);
    const fs_kind_def *kd = fs__kind_def(k);
    const char *cust = NULL;
    int pf, orphan;

    n++;
    *next = seq;
    if (kd == NULL || id == NULL)
      continue;
    rc = fs__store_get(db, k, id, &row);
    if (rc == FS_ENOTFOUND) {
      rc = sink->evict(sink->arg, k, id);
      if (rc)
        goto out;
      continue;
    }
    if (rc)
      goto out;
    pf = kd->parent_field;
    if (k == FS_KIND_CUSTOMER)
      cust = row.id;
    else if (pf >= 0 && row.values[pf].type == FS_V_TEXT)
      cust = row.values[pf].s;
    /* The child records of a deleted card stay in the store (reports count
     * them) but belong to no card a device may hold: a device that held
     * them dropped them with the card's tombstone, so they go out as
     * evictions, never as rows (no orphans, none of their content). */
    orphan = 0;
    if (!row.deleted && k != FS_KIND_CUSTOMER && cust &&
        (orphan = parent_gone(db, &parent_st, cust)) < 0) {
      rc = orphan;
      goto out;
    }
    if (cursor == 0 && (row.deleted || orphan)) {
      /* A snapshot: the device holds no record, so a tombstone or an
       * eviction tells it nothing; deleted records are left out, the
       * cursor still moves past their entries.  Incremental pulls carry
       * tombstones to the devices that may hold the record. */
      fs__row_release(&row);
      continue;
    }
    /* The journal says who should hear of it; whether it is still visible
     * is decided now, so a stale entry never leaks a record. */
    if (!orphan && fs__access_can_read(a, row.owner, cust))
      rc = sink->row(sink->arg, &row);
    else
      rc = sink->evict(sink->arg, k, id);
    fs__row_release(&row);
    if (rc)
      goto out;
  }
  rc = rc == SQLITE_DONE ? 0 : fs__db_err(db, rc);
  *more = rc == 0 && n == limit;
  if (rc == 0 && !*more) {
    /* No entry left for this device: the page covers every seq committed so
     * far (read in this transaction, so nothing committed later is below
     * it), and the conflicts and handover reports logged at seqs with no
     * journal entry of its own (a change that lost, a handover's report)
     * reach it now, not at its next unrelated change. */
    long long top = 0;
    rc = fs__meta_get_int(db, "seq", &top);
    if (rc == FS_ENOTFOUND)
      rc = 0;
    if (rc == 0 && top > 0 && (uint64_t)top > *next)
      *next = (uint64_t)top;
  }
out:
  fs__row_release(&row);
  sqlite3_finalize(st);
  sqlite3_finalize(parent_st);
  fs__db_exec(db, rc ? "ROLLBACK" : "COMMIT");
  return rc;
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

int fs__central_device_by_key(sqlite3 *db, const uint8_t pub[32], fs_device *d) {
  return device_load(db, pub, 0, d);
}

int fs__central_device_by_id(sqlite3 *db, uint64_t id, fs_device *d) {
  return device_load(db, NULL, id, d);
}

/* Runs a DELETE ... RETURNING seq with ?1 = h; raises *max to the largest
 * seq deleted. */
static int purge(sqlite3 *db, const char *sql, uint64_t h, uint64_t *max) {
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);

  if (rc != SQLITE_OK)
    return fs__db_err(db, rc);
  sqlite3_bind_int64(st, 1, (sqlite3_int64)h);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW)
    if ((uint64_t)sqlite3_column_int64(st, 0) > *max)
      *max = (uint64_t)sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? 0 : fs__db_err(db, rc);
}

int fs__central_gc(fs_central *c, int64_t now_ms, int keep_days, uint64_t *floor_out,
                   int *removed) {
  sqlite3 *db = c->db;
  sqlite3_stmt *st = NULL;
  long long floor = 0;
  uint64_t h = c->seq, purged = 0;
  int rc, n = 0;

  /* The horizon: the lowest cursor of the devices that still count (active,
   * seen within keep_days).  Everything at or below it has been passed by
   * all of them; a device that comes back later resyncs from scratch. */
  rc = sqlite3_prepare_v2(
      db,
      "SELECT min(COALESCE(cursor,0)) FROM devices WHERE status='" FS_DEVICE_ACTIVE_S "' "
      "AND COALESCE(last_seen,0)>=?1",
      -1, &st, NULL);
  if (rc != SQLITE_OK)
    return fs__db_err(db, rc);
  sqlite3_bind_int64(st, 1, now_ms - (int64_t)keep_days * 86400000LL);
  if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
    h = (uint64_t)sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  fs__meta_get_int(db, "gc_floor", &floor);
  if (h <= (uint64_t)floor) {
    if (floor_out)
      *floor_out = (uint64_t)floor;
    if (removed)
      *removed = 0;
    return 0;
  }
  for (int k = 0; k < FS_KIND__COUNT; k++) {
    const fs_kind_def *kd = fs__kind_def((fs_kind)k);
    char sql[512];
    /* Journal entries of tombstones that every counted device has passed. */
    snprintf(sql, sizeof(sql),
             "DELETE FROM journal WHERE kind=%d AND seq<=?1 AND record_id IN (SELECT id FROM "
             "\"%s\" WHERE deleted=1) AND NOT EXISTS (SELECT 1 FROM journal j2 WHERE "
             "j2.kind=%d AND j2.record_id=journal.record_id AND j2.seq>?1) RETURNING seq",
             k, kd->table, k);
    rc = purge(db, sql, h, &purged);
    if (rc)
      return rc;
    snprintf(sql, sizeof(sql),
             "DELETE FROM \"%s\" WHERE deleted=1 AND NOT EXISTS (SELECT 1 FROM journal j "
             "WHERE j.kind=%d AND j.record_id=\"%s\".id)",
             kd->table, k, kd->table);
    rc = fs__db_exec(db, sql);
    if (rc)
      return rc;
    n += sqlite3_changes(db);
  }
  rc = purge(db, "DELETE FROM journal WHERE op=2 AND seq<=?1 RETURNING seq", h, &purged);
  if (rc)
    return rc;
  /* The floor is the newest entry actually purged, not the horizon: a
   * device whose cursor is at or past it missed nothing, and a store with
   * nothing to purge (or no device to wait for) sends nobody back to a
   * snapshot. */
  if (purged > (uint64_t)floor)
    floor = (long long)purged;
  rc = fs__meta_set_int(db, "gc_floor", floor);
  if (floor_out)
    *floor_out = (uint64_t)floor;
  if (removed)
    *removed = n;
  return rc;
}
