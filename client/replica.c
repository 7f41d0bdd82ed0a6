/* replica.c - opening the replica, identity, the transactional write path
 * and the primitives the sync engine needs (see replica.h). */
#include "replica.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "access.h"
#include "access_rules.h"
#include "archive.h"
#include "db.h"
#include "fs_errno.h"
#include "id.h"
#include "log.h"
#include "status.h"
#include "outbox.h"
#include "privdir.h"
#include "validate.h"

int fs__replica_fail(fs_replica *r, int rc, const char *fmt, ...) {
  va_list ap;

  if (r == NULL)
    return rc;
  va_start(ap, fmt);
  vsnprintf(r->err, sizeof(r->err), fmt, ap);
  va_end(ap);
  return rc;
}

/* Sets a generic message for rc unless a more specific one was set since
 * the error buffer was last cleared. */
static int fail_default(fs_replica *r, int rc) {
  if (rc == FS_EBUSY && r->err[0] == '\0')
    snprintf(r->err, sizeof(r->err),
             "the replica is busy: another program (a second fieldsync?) kept it locked; "
             "nothing was written, retry in a moment");
  else if (rc && r->err[0] == '\0')
    snprintf(r->err, sizeof(r->err), "%s", fs_strerror(rc));
  return rc;
}

sqlite3 *fs__replica_db(fs_replica *r) { return r ? r->db : NULL; }
fs_hlc *fs__replica_hlc(fs_replica *r) { return r ? &r->hlc : NULL; }

void fs__replica_fault(fs_replica *r, fs_fault f) {
  if (r)
    r->fault = f;
}

void fs__replica_fault_hook(fs_replica *r, fs_fault_hook hook, void *arg) {
  if (r) {
    r->hook = hook;
    r->hook_arg = arg;
  }
}

const char *fs_replica_last_error(const fs_replica *r) {
  if (r == NULL)
    return "no replica";
  return r->err;
}

int fs_replica_identity(const fs_replica *r, fs_identity *out) {
  if (r == NULL || out == NULL)
    return FS_EINVAL;
  *out = r->id;
  return 0;
}

/* ---- permission ----------------------------------------------------------- */

/* 1 if some live or deleted record of any kind in the replica is owned by
 * owner, 0 if none, or a negative fs_errno. */
static int owner_held(fs_replica *r, const char *owner) {
  int found = 0, rc = 0;

  for (int k = 0; k < FS_KIND__COUNT && !found && rc == 0; k++) {
    char sql[128];
    sqlite3_stmt *st = NULL;
    snprintf(sql, sizeof(sql), "SELECT 1 FROM \"%s\" WHERE owner = ?1 LIMIT 1",
             fs__kind_def((fs_kind)k)->table);
    rc = sqlite3_prepare_v2(r->db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK) {
      rc = fs__db_err(r->db, rc);
      break;
    }
    sqlite3_bind_text(st, 1, owner, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    found = rc == SQLITE_ROW;
    rc = (rc == SQLITE_ROW || rc == SQLITE_DONE) ? 0 : fs__db_err(r->db, rc);
    sqlite3_finalize(st);
  }
  return rc ? rc : found;
}

int fs__replica_may_write(fs_replica *r, const char *owner) {
  fs_access *a;
  int role, rc;

  role = fs__role_parse(r->id.role);
  a = malloc(sizeof(*a)); /* ~17 KiB: not on the stack */
  if (a == NULL)
    return FS_ENOMEM;
  rc = fs__access_init(a, r->id.staff, role < 0 ? FS_ROLE_REP : (fs_role)role);
  if (rc)
    goto out;
  /* The daemon tells at every sync whose records this staff may write
   * besides its own (a manager's team, reps covered now): meta
   * 'write_owners'.  Loaned cards are not in it: they stay read-only. */
  if (owner && strcmp(owner, r->id.staff) != 0) {
    char list[4096];
    if (fs__meta_get_text(r->db, "write_owners", list, sizeof(list)) == 0) {
      char *save = NULL;
      for (char *t = strtok_r(list, ",", &save); t && rc == 0; t = strtok_r(NULL, ",", &save))
        rc = fs__access_add_owner(a, t);
      if (rc)
        goto out;
      role = -1; /* the daemon's list is authoritative */
    }
  }
  if (role == FS_ROLE_MANAGER && owner && strcmp(owner, r->id.staff) != 0) {
    /* A manager's replica holds exactly what the daemon let it pull: its
     * own and its team's records.  So an owner with records here is a
     * team member (the daemon re-checks the real team rule on push). */
    int held = owner_held(r, owner);
    if (held < 0) {
      rc = held;
      goto out;
    }
    if (held)
      rc = fs__access_add_owner(a, owner);
    if (rc)
      goto out;
  }
  rc = fs__access_check_write(a, owner ? owner : "", NULL);
  if (rc == FS_EFORBIDDEN)
    fs__replica_fail(r, rc, "not permitted: the record belongs to %s, not to %s",
                     owner ? owner : "?", r->id.staff);
  else if (rc == FS_EREADONLY)
    fs__replica_fail(r, rc, "record of %s is read-only here (loaned card)", owner ? owner : "?");
out:
  free(a);
  return rc;
}

/* ---- identity ------------------------------------------------------------- */

static int identity_valid(fs_replica *r, const fs_identity *id) {
  if (!fs__staff_code_valid(id->staff))
    return fs__replica_fail(r, FS_EVALIDATE,
                            "staff: \"%.16s\" is not a staff code (A-Z then 1-15 of A-Z, 0-9)",
                            id->staff);
  if (fs__enum_index(fs__roles, id->role) < 0)
    return fs__replica_fail(r, FS_EVALIDATE, "role: \"%.15s\" is not one of rep, manager, admin",
                            id->role);
  if (id->slot < 1 || id->slot > FS_ARCHIVE_SLOTS)
    return fs__replica_fail(r, FS_EVALIDATE, "slot: %d is not in 1..%d", id->slot,
                            FS_ARCHIVE_SLOTS);
  return 0;
}

static int identity_load(fs_replica *r) {
  long long v;
  int rc;

  memset(&r->id, 0, sizeof(r->id));
  rc = fs__meta_get_text(r->db, "staff", r->id.staff, sizeof(r->id.staff));
  if (rc == FS_ENOTFOUND || (rc == 0 && r->id.staff[0] == '\0'))
    return FS_ENOTENROLLED;
  if (rc)
    return rc;
  rc = fs__meta_get_text(r->db, "role", r->id.role, sizeof(r->id.role));
  if (rc == FS_ENOTFOUND)
    snprintf(r->id.role, sizeof(r->id.role), "rep");
  else if (rc)
    return rc;
  rc = fs__meta_get_int(r->db, "device_id", &v);
  if (rc && rc != FS_ENOTFOUND)
    return rc;
  r->id.device_id = rc ? 0 : (uint64_t)v;
  rc = fs__meta_get_int(r->db, "slot", &v);
  if (rc && rc != FS_ENOTFOUND)
    return rc;
  r->id.slot = rc ? 1 : (int)v;
  return 0;
}

/* Inside a transaction. */
static int identity_store(fs_replica *r, const fs_identity *id) {
  int rc;

  rc = fs__meta_set_text(r->db, "staff", id->staff);
  if (rc == 0)
    rc = fs__meta_set_text(r->db, "role", id->role);
  if (rc == 0)
    rc = fs__meta_set_int(r->db, "device_id", (long long)id->device_id);
  if (rc == 0)
    rc = fs__meta_set_int(r->db, "slot", id->slot);
  return rc;
}

int fs__replica_set_identity(fs_replica *r, const fs_identity *id) {
  int rc;

  if (r == NULL || id == NULL)
    return FS_EINVAL;
  rc = identity_valid(r, id);
  if (rc)
    return rc;
  rc = fs__db_begin(r->db);
  if (rc)
    return rc;
  rc = identity_store(r, id);
  if (rc == 0)
    rc = fs__db_commit(r->db);
  if (rc) {
    fs__db_rollback(r->db);
    return rc;
  }
  r->id = *id;
  return 0;
}

/* ---- open / init / close ---------------------------------------------------- */

static int replica_alloc(const char *dir, fs_replica **out) {
  fs_replica *r;
  int n;

  if (dir == NULL || *dir == '\0')
    return FS_EINVAL;
  r = calloc(1, sizeof(*r));
  if (r == NULL)
    return FS_ENOMEM;
  n = snprintf(r->dir, sizeof(r->dir), "%s", dir);
  if (n < 0 || (size_t)n >= sizeof(r->dir) - 16) {
    free(r);
    return FS_EINVAL;
  }
  snprintf(r->path, sizeof(r->path), "%s/replica.db", dir);
  *out = r;
  return 0;
}

static int replica_load_clock(fs_replica *r) {
  long long v = 0;
  int rc;

  rc = fs__meta_get_int(r->db, "hlc", &v);
  if (rc == FS_ENOTFOUND) {
    v = 0;
    rc = 0;
  }
  if (rc)
    return rc;
  fs__hlc_init(&r->hlc, (uint64_t)v);
  /* The correction learnt from the daemon at the last sync: a device whose
   * clock runs ahead or behind keeps stamping near real time offline. */
  v = 0;
  if (fs__meta_get_int(r->db, "clock_offset", &v) == 0)
    fs__hlc_set_offset(&r->hlc, (int64_t)v);
  return 0;
}

int fs_replica_open(const char *dir, fs_replica **out) {
  fs_replica *r = NULL;
  struct stat st;
  int rc;

  if (out == NULL)
    return FS_EINVAL;
  *out = NULL;
  rc = replica_alloc(dir, &r);
  if (rc)
    goto out;
  if (stat(r->path, &st) != 0) {
    rc = errno == ENOENT ? FS_ENOTENROLLED : FS_EIO;
    if (rc == FS_EIO)
      FS_ERROR("cannot reach the replica %s: %s; check the data directory (--data, "
               "FIELDSYNC_HOME)",
               r->path, strerror(errno));
    goto out;
  }
  /* An existing directory that others may read is tightened (or refused
   * if it is another user's) before anything is read from it. */
  rc = fs__privdir_check(dir, 0);
  if (rc)
    goto out;
  rc = fs__db_open(r->path, 0, FS_SCHEMA_CLIENT, &r->db);
  if (rc)
    goto out;
  rc = identity_load(r);
  if (rc)
    goto out;
  rc = replica_load_clock(r);
out:
  if (rc) {
    fs_replica_close(r);
    return rc;
  }
  *out = r;
  return 0;
}

int fs_replica_init(const char *dir, const fs_identity *id, fs_replica **out) {
  fs_replica *r = NULL;
  int rc;

  if (out)
    *out = NULL;
  if (id == NULL)
    return FS_EINVAL;
  rc = replica_alloc(dir, &r);
  if (rc)
    goto out;
  rc = identity_valid(r, id);
  if (rc)
    goto out;
  rc = fs__privdir_check(dir, 1);
  if (rc)
    goto out;
  rc = fs__db_open(r->path, 1, FS_SCHEMA_CLIENT, &r->db);
  if (rc)
    goto out;
  rc = identity_load(r);
  if (rc == 0) {
    /* Already set up: same identity is fine, another one would mix two
     * people's data in one replica. */
    if (strcmp(r->id.staff, id->staff) != 0 || strcmp(r->id.role, id->role) != 0 ||
        r->id.slot != id->slot || r->id.device_id != id->device_id) {
      rc = FS_EEXIST;
      goto out;
    }
  } else if (rc == FS_ENOTENROLLED) {
    rc = fs__replica_set_identity(r, id);
    if (rc)
      goto out;
  } else {
    goto out;
  }
  rc = replica_load_clock(r);
out:
  if (rc || out == NULL) {
    fs_replica_close(r);
    return rc;
  }
  *out = r;
  return 0;
}

void fs_replica_close(fs_replica *r) {
  if (r == NULL)
    return;
  fs__db_close(r->db);
  free(r);
}

/* ---- the write path ------------------------------------------------------------ */

/* Sets the base of each field write of c: the field clock this replica holds
 * for it now, before the write (0 for a field never written or a new
 * record).  The daemon logs the overwrite of exactly that value as an
 * ordinary edit, not a conflict (store.h fs__write_saw). */
static int record_bases(fs_replica *r, fs_change *c) {
  fs_row row = {0};
  int rc;

  if (c->nfields == 0)
    return 0; /* a delete: nothing to base */
  rc = fs__store_get(r->db, c->kind, c->id, &row);

  if (rc == FS_ENOTFOUND)
    rc = 0;
  else if (rc == 0)
    for (int i = 0; i < c->nfields; i++)
      c->fields[i].base = row.clk[c->fields[i].field];
  fs__row_release(&row);
  return rc;
}

static int write_one(fs_replica *r, fs_change *c, int is_create) {
  char verr[FS_REPLICA_ERR_MAX];
  fs_outcome outcome;
  uint64_t now, prev, wall;
  int rc;

  prev = fs__hlc_last(&r->hlc);
  wall = fs__hlc_wall(&r->hlc);
  now = fs__hlc_now(&r->hlc);
  c->hlc = now;
  c->device_id = r->id.device_id;
  for (int i = 0; i < c->nfields; i++)
    c->fields[i].hlc = now;
  rc = fs__replica_may_write(r, c->owner);
  if (rc)
    return rc;
  verr[0] = '\0';
  rc = fs__validate_change(c, is_create, verr, sizeof(verr));
  /* The daemon's clock rule (validate.h), so no change it would refuse is
   * stored.  "Now" is the corrected wall clock, or the clock's own last
   * stamp if the wall clock went backwards: the HLC keeps counting on from
   * there by design, and the daemon judges that against its own time. */
  if (rc == 0)
    rc = fs__validate_clocks(c, wall > fs__hlc_ms(prev) + 1 ? wall : fs__hlc_ms(prev) + 1,
                             FS_HLC_DEFAULT_MAX_AHEAD_MS, verr, sizeof(verr));
  /* The manager's controls (issue 14): the daemon's rules, refused here
   * first with the same message. */
  if (rc == 0) {
    int role = fs__role_parse(r->id.role);
    rc = fs__access_rules_check(r->db, role < 0 ? FS_ROLE_REP : (fs_role)role, r->id.staff, c,
                                NULL, verr, sizeof(verr));
    if (rc && verr[0] == '\0')
      return fail_default(r, rc);
  }
  if (rc)
    return fs__replica_fail(r, rc, "%s", verr);
  rc = record_bases(r, c);
  if (rc == 0)
    rc = fs__store_apply(r->db, c, 0, NULL, NULL, &outcome);
  if (rc)
    return fs__replica_fail(r, rc, "storing the %s failed: %s", fs__kind_def(c->kind)->name,
                            fs_strerror(rc));
  /* The merge superseded a local edit of a logged visit or grade change
   * (store.h): it would change nothing anywhere, so the rep is told now,
   * not by a conflict after the next sync.  The caller rolls back. */
  if (!is_create && outcome == FS_OUTCOME_SUPERSEDED &&
      (fs__kind_def(c->kind)->flags & FS_K_APPEND_ONLY))
    return fs__replica_fail(
        r, FS_EVALIDATE,
        "%s %s: %s records cannot be changed once logged; record a new %s instead",
        fs__kind_def(c->kind)->name, c->id, fs__kind_def(c->kind)->name,
        fs__kind_def(c->kind)->name);
  if (r->fault == FS_FAULT_AFTER_ROW) {
    if (r->hook)
      r->hook(r->hook_arg);
    return fs__replica_fail(r, FS_EINTERNAL, "fault injected after the row write");
  }
  rc = fs__outbox_append(r, c);
  if (rc)
    fs__replica_fail(r, rc, "outbox append failed: %s", fs_strerror(rc));
  return rc;
}

int fs__replica_check_lock(fs_replica *r) {
  long long last = 0, days = FS_LOCK_DAYS_DEFAULT;

  /* Only an enrolled replica locks: it has a daemon to sync with. */
  if (fs__meta_get_int(r->db, "last_sync", &last) != 0 || last <= 0)
    return 0;
  fs__meta_get_int(r->db, "lock_days", &days);
  if (days <= 0)
    return 0;
  if ((long long)fs__now_ms() - last > days * 86400000LL)
    return fs__replica_fail(r, FS_ELOCKED,
                            "this replica has not synced for more than %lld days and is locked; "
                            "run fieldsync sync to unlock it",
                            days);
  return 0;
}

int fs__replica_write(fs_replica *r, fs_change *changes, const int *creates, int n,
                      fs_write_pre pre, void *arg) {
  int rc;

  if (r == NULL || (n > 0 && changes == NULL))
    return FS_EINVAL;
  r->err[0] = '\0';
  rc = fs__replica_check_lock(r);
  if (rc)
    return rc;
  rc = fs__db_begin(r->db);
  if (rc)
    return fail_default(r, rc);
  if (pre) {
    rc = pre(r, arg);
    if (rc)
      goto out;
  }
  for (int i = 0; i < n; i++) {
    /* An update that changes nothing writes nothing (no outbox entry). */
    if (changes[i].op == FS_OP_UPSERT && changes[i].nfields == 0 && !(creates && creates[i]))
      continue;
    rc = write_one(r, &changes[i], creates ? creates[i] : 0);
    if (rc)
      goto out;
  }
  /* The clock is persisted with the writes that used it, so a restart
   * never hands out a stamp at or below one already in the outbox. */
  rc = fs__meta_set_int(r->db, "hlc", (long long)fs__hlc_last(&r->hlc));
  if (rc)
    goto out;
  rc = fs__db_commit(r->db);
out:
  if (rc)
    fs__db_rollback(r->db);
  return fail_default(r, rc);
}

/* ---- for sync -------------------------------------------------------------------- */

/* Runs fn inside the caller's transaction if one is open, else in its own. */
static int in_txn(fs_replica *r, int (*fn)(fs_replica *, void *), void *arg) {
  int own = sqlite3_get_autocommit(r->db) != 0, rc;

  if (own) {
    rc = fs__db_begin(r->db);
    if (rc)
      return rc;
  }
  rc = fn(r, arg);
  if (own) {
    if (rc == 0)
      rc = fs__db_commit(r->db);
    if (rc)
      fs__db_rollback(r->db);
  }
  return rc;
}

static int reapply_cb(void *arg, const fs_change *c) {
  fs_replica *r = arg;
  fs_outcome outcome;

  return fs__store_apply(r->db, c, 0, NULL, NULL, &outcome);
}

static int apply_row_fn(fs_replica *r, void *arg) {
  const fs_row *row = arg;
  int rc;

  rc = fs__store_put_row(r->db, row);
  if (rc)
    return rc;
  /* Local edits still waiting for the daemon go on top again; the merge
   * keeps whichever field clock is newer. */
  return fs__outbox_for_record(r, row->kind, row->id, reapply_cb, r);
}

int fs__replica_apply_row(fs_replica *r, const fs_row *row) {
  if (r == NULL || row == NULL || fs__kind_def(row->kind) == NULL)
    return FS_EINVAL;
  return in_txn(r, apply_row_fn, (void *)row);
}

typedef struct evict_arg {
  fs_kind kind;
  const char *id;
} evict_arg;

/* Runs sql with ?1 bound to id (and ?2 to kind name if it has one). */
static int exec_id(fs_replica *r, const char *sql, const char *id, const char *kind) {
  sqlite3_stmt *st = NULL;
  int rc;

  rc = sqlite3_prepare_v2(r->db, sql, -1, &st, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
  if (rc == SQLITE_OK && sqlite3_bind_parameter_count(st) >= 2)
    rc = sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
  if (rc == SQLITE_OK)
    rc = sqlite3_step(st);
  rc = rc == SQLITE_DONE ? 0 : fs__db_err(r->db, rc);
  sqlite3_finalize(st);
  return rc;
}

/* What the replica derived from records: the conflict log, outbox entries
 * the daemon refused (nothing more will be sent of them: pending ones are
 * unsynced work and stay, to be pushed; the daemon's fence decides), and
 * resync bookkeeping.  `where` selects record ids of kind kd given ?1. */
static int evict_derived(fs_replica *r, fs_kind k, const char *where, const char *id) {
  const fs_kind_def *kd = fs__kind_def(k);
  char sql[512];
  int rc;

  snprintf(sql, sizeof(sql), "DELETE FROM conflicts WHERE kind=?2 AND record_id IN (%s)",
           where);
  rc = exec_id(r, sql, id, kd->name);
  if (rc == 0) {
    snprintf(sql, sizeof(sql),
             "DELETE FROM outbox WHERE status='" FS_OUTBOX_REJECTED_S
             "' AND kind=?2 AND record_id IN (%s)",
             where);
    rc = exec_id(r, sql, id, kd->name);
  }
  if (rc == 0) {
    snprintf(sql, sizeof(sql), "DELETE FROM resync_seen WHERE kind=%d AND id IN (%s)",
             (int)k, where);
    rc = exec_id(r, sql, id, NULL);
  }
  return rc;
}

/* Notices naming an evicted card: handover reports list lost cards as
 * "    ARCHIVE-NO  NAME".  Every line of a notice that contains the card's
 * archive number or its name is replaced by a placeholder; the rest of the
 * report (counts, other cards) stays. */
#define NOTICE_REDACTED "    (a card no longer on this device)"

static int evict_notices(fs_replica *r, const char *archive, const char *name) {
  sqlite3_stmt *sel = NULL, *upd = NULL;
  int rc;

  rc = sqlite3_prepare_v2(
      r->db,
      "SELECT id, body FROM notices WHERE (?1 <> '' AND instr(body, ?1) > 0)"
      " OR (?2 <> '' AND instr(body, ?2) > 0)",
      -1, &sel, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_prepare_v2(r->db, "UPDATE notices SET body=?1 WHERE id=?2", -1, &upd,
                            NULL);
  if (rc != SQLITE_OK) {
    rc = fs__db_err(r->db, rc);
    goto out;
  }
  sqlite3_bind_text(sel, 1, archive, -1, SQLITE_STATIC);
  sqlite3_bind_text(sel, 2, name, -1, SQLITE_STATIC);
  while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
    const char *body = (const char *)sqlite3_column_text(sel, 1);
    size_t len = (size_t)sqlite3_column_bytes(sel, 1), cap = len + 64, used = 0;
    char *nb = malloc(cap);
    if (nb == NULL || body == NULL) {
      free(nb);
      rc = FS_ENOMEM;
      goto out;
    }
    for (const char *p = body; p < body + len;) {
      const char *eol = memchr(p, '\n', (size_t)(body + len - p));
      size_t n = eol ? (size_t)(eol - p) : (size_t)(body + len - p);
      int hit = 0;
      char *line = malloc(n + 1);
      if (line == NULL) {
        free(nb);
        rc = FS_ENOMEM;
        goto out;
      }
      memcpy(line, p, n);
      line[n] = '\0';
      hit = (*archive && strstr(line, archive)) || (*name && strstr(line, name));
      free(line);
      if (hit) {
        /* The placeholder may be longer than the line it replaces. */
        if (used + sizeof(NOTICE_REDACTED) + 1 > cap) {
          char *g = realloc(nb, cap += sizeof(NOTICE_REDACTED) + 64);
          if (g == NULL) {
            free(nb);
            rc = FS_ENOMEM;
            goto out;
          }
          nb = g;
        }
        memcpy(nb + used, NOTICE_REDACTED, sizeof(NOTICE_REDACTED) - 1);
        used += sizeof(NOTICE_REDACTED) - 1;
      } else {
        if (used + n + 1 > cap) {
          char *g = realloc(nb, cap += n + 64);
          if (g == NULL) {
            free(nb);
            rc = FS_ENOMEM;
            goto out;
          }
          nb = g;
        }
        memcpy(nb + used, p, n);
        used += n;
      }
      if (eol)
        nb[used++] = '\n';
      p += n + (eol ? 1 : 0);
    }
    sqlite3_reset(upd);
    sqlite3_bind_text(upd, 1, nb, (int)used, SQLITE_TRANSIENT);
    sqlite3_bind_int64(upd, 2, sqlite3_column_int64(sel, 0));
    rc = sqlite3_step(upd);
    free(nb);
    if (rc != SQLITE_DONE) {
      rc = fs__db_err(r->db, rc);
      goto out;
    }
  }
  rc = rc == SQLITE_DONE ? 0 : fs__db_err(r->db, rc);
out:
  sqlite3_finalize(sel);
  sqlite3_finalize(upd);
  return rc;
}

static int evict_fn(fs_replica *r, void *arg) {
  const evict_arg *e = arg;
  char sql[256], archive[64] = "", name[1024] = "";
  sqlite3_stmt *st = NULL;
  int rc = 0;

  if (e->kind == FS_KIND_CUSTOMER) {
    /* Read what notices may name before the card is gone. */
    rc = sqlite3_prepare_v2(
        r->db,
        "SELECT COALESCE(archive_no,''), COALESCE(name,'') FROM customers "
        "WHERE id=?1",
        -1, &st, NULL);
    if (rc == SQLITE_OK) {
      sqlite3_bind_text(st, 1, e->id, -1, SQLITE_STATIC);
      if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        snprintf(archive, sizeof(archive), "%s",
                 (const char *)sqlite3_column_text(st, 0));
        snprintf(name, sizeof(name), "%s", (const char *)sqlite3_column_text(st, 1));
      }
    }
    rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : fs__db_err(r->db, rc);
    sqlite3_finalize(st);
    st = NULL;
    if (rc == 0 && (archive[0] || name[0]))
      rc = evict_notices(r, archive, name);
    for (int k = 0; rc == 0 && k < FS_KIND__COUNT; k++) {
      const fs_kind_def *kd = fs__kind_def((fs_kind)k);
      if (!(kd->flags & FS_K_CHILD))
        continue;
      snprintf(sql, sizeof(sql), "SELECT id FROM \"%s\" WHERE customer_id = ?1",
               kd->table);
      rc = evict_derived(r, (fs_kind)k, sql, e->id);
      if (rc)
        break;
      snprintf(sql, sizeof(sql), "DELETE FROM \"%s\" WHERE customer_id = ?1", kd->table);
      rc = exec_id(r, sql, e->id, NULL);
    }
    if (rc)
      return rc;
  }
  rc = evict_derived(r, e->kind, "?1", e->id);
  if (rc == 0)
    rc = fs__store_remove(r->db, e->kind, e->id);
  if (rc == 0)
    r->evicted = 1;
  return rc;
}

int fs__replica_evict(fs_replica *r, fs_kind k, const char *id) {
  evict_arg e = {k, id};

  if (r == NULL || fs__kind_def(k) == NULL || !fs__id_valid(id))
    return FS_EINVAL;
  return in_txn(r, evict_fn, &e);
}

int fs__replica_scrub(fs_replica *r) {
  sqlite3_stmt *st = NULL;
  int rc, busy = 0;

  if (r == NULL || r->db == NULL)
    return FS_EINVAL;
  if (!r->evicted)
    return 0;
  /* secure_delete zeroed the rows in the pages written since; the WAL
   * still holds older images of those pages (with the card) until they are
   * copied back and the WAL is emptied. */
  rc = sqlite3_prepare_v2(r->db, "PRAGMA wal_checkpoint(TRUNCATE)", -1, &st, NULL);
  if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    busy = sqlite3_column_int(st, 0);
    rc = SQLITE_OK;
  }
  rc = fs__db_err(r->db, rc);
  sqlite3_finalize(st);
  if (rc == 0 && busy) {
    /* Another connection reads the replica: the WAL stays until the next
     * scrub (r->evicted stays set) or the last connection closes. */
    FS_WARN(
        "%s: another program holds the replica open; records removed from this device "
        "stay in its write-ahead log until it closes",
        r->path);
    return 0;
  }
  if (rc == 0)
    r->evicted = 0;
  return rc;
}

int fs__replica_cursor_get(fs_replica *r, uint64_t *out) {
  long long v;
  int rc;

  if (r == NULL || out == NULL)
    return FS_EINVAL;
  rc = fs__meta_get_int(r->db, "cursor", &v);
  if (rc == FS_ENOTFOUND) {
    *out = 0;
    return 0;
  }
  if (rc == 0)
    *out = (uint64_t)v;
  return rc;
}

int fs__replica_cursor_set(fs_replica *r, uint64_t cursor) {
  if (r == NULL || cursor > INT64_MAX)
    return FS_EINVAL;
  return fs__meta_set_int(r->db, "cursor", (long long)cursor);
}

static int bind_value(sqlite3_stmt *st, int col, const fs_value *v) {
  if (v == NULL || v->type == FS_V_NULL)
    return sqlite3_bind_null(st, col);
  if (v->type == FS_V_INT)
    return sqlite3_bind_int64(st, col, v->i);
  return sqlite3_bind_text(st, col, v->s, (int)v->len, SQLITE_STATIC);
}

int fs__replica_conflict_add(fs_replica *r, const char *kind, const char *id,
                             const char *field, const fs_value *loser, uint64_t loser_hlc,
                             const fs_value *winner, uint64_t winner_hlc,
                             const char *author, uint64_t at) {
  return fs__replica_conflict_add_fenced(r, kind, id, field, loser, loser_hlc, winner,
                                         winner_hlc, author, at, NULL);
}

int fs__replica_conflict_add_fenced(fs_replica *r, const char *kind, const char *id,
                                    const char *field, const fs_value *loser,
                                    uint64_t loser_hlc, const fs_value *winner,
                                    uint64_t winner_hlc, const char *author, uint64_t at,
                                    const char *fenced) {
  static const char sql[] =
      "INSERT INTO conflicts(kind, record_id, field, loser, loser_hlc, winner, winner_hlc,"
      " loser_author, at, fenced) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
  sqlite3_stmt *st = NULL;
  int rc;

  if (r == NULL || kind == NULL || id == NULL || field == NULL)
    return FS_EINVAL;
  rc = sqlite3_prepare_v2(r->db, sql, -1, &st, NULL);
  if (rc == SQLITE_OK) {
    sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, field, -1, SQLITE_STATIC);
    bind_value(st, 4, loser);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)loser_hlc);
    bind_value(st, 6, winner);
    sqlite3_bind_int64(st, 7, (sqlite3_int64)winner_hlc);
    sqlite3_bind_text(st, 8, author ? author : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 9, (sqlite3_int64)at);
    if (fenced && fenced[0])
      sqlite3_bind_text(st, 10, fenced, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
  }
  rc = rc == SQLITE_DONE ? 0 : fs__db_err(r->db, rc);
  sqlite3_finalize(st);
  return rc;
}

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
