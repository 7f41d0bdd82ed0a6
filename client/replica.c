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

/* fs_errmsg(NULL): the calling thread's last failure of a call without a
 * replica (open, init, enroll, record building). */
static _Thread_local char thread_err[FS_ERRMSG_MAX];

int fs__errmsg_thread(int rc, const char *fmt, ...) {
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(thread_err, sizeof(thread_err), fmt, ap);
  va_end(ap);
  return rc;
}

const char *fs__errmsg_why(int rc, const char *msg) {
  if (msg && *msg)
    return msg;
  if (fs__log_last()[0])
    return fs__log_last();
  return fs_strerror(rc);
}

const char *fs_errmsg(const fs_replica *r) {
  return r ? r->err : thread_err;
}

const char *fs_replica_last_error(const fs_replica *r) {
  if (r == NULL)
    return "no replica";
  return r->err;
}

const char *fs_role_name(fs_role role) {
  return fs__role_name(role);
}

int fs_role_parse(const char *text, fs_role *out) {
  int i = text ? fs__role_parse(text) : -1;
  if (i < 0)
    return FS_EINVAL;
  if (out)
    *out = (fs_role)i;
  return 0;
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
  int role = (int)r->id.role, rc;

  a = malloc(sizeof(*a)); /* ~17 KiB: not on the stack */
  if (a == NULL)
    return FS_ENOMEM;
  rc = fs__access_init(a, r->id.staff, r->id.role);
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
  if (fs__role_name(id->role) == NULL)
    return fs__replica_fail(r, FS_EVALIDATE, "role: %d is not one of rep, manager, admin, after_sales",
                            (int)id->role);
  if (id->slot < 1 || id->slot > FS_ARCHIVE_SLOTS)
    return fs__replica_fail(r, FS_EVALIDATE, "slot: %d is not in 1..%d", id->slot,
                            FS_ARCHIVE_SLOTS);
  return 0;
}

static int identity_load(fs_replica *r) {
  char role[16];
  long long v;
  int rc;

  memset(&r->id, 0, sizeof(r->id));
  rc = fs__meta_get_text(r->db, "staff", r->id.staff, sizeof(r->id.staff));
  if (rc == FS_ENOTFOUND || (rc == 0 && r->id.staff[0] == '\0'))
    return FS_ENOTENROLLED;
  if (rc)
    return rc;
  rc = fs__meta_get_text(r->db, "role", role, sizeof(role));
  if (rc == FS_ENOTFOUND)
    r->id.role = FS_ROLE_REP;
  else if (rc)
    return rc;
  else if ((v = fs__role_parse(role)) < 0)
    return fs__replica_fail(r, FS_EDB, "the replica's role \"%.15s\" is unknown", role);
  else
    r->id.role = (fs_role)v;
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
    rc = fs__meta_set_text(r->db, "role", fs__role_name(id->role));
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

int fs__replica_adopt_role(fs_replica *r, const char *role_text) {
  int role = fs__role_parse(role_text ? role_text : "");
  fs_identity id;

  if (role < 0 || (int)r->id.role == role)
    return 0;
  FS_INFO("the daemon changed this staff member's role from %s to %s",
          fs__role_name(r->id.role), fs__role_name((fs_role)role));
  id = r->id;
  id.role = (fs_role)role;
  return fs__replica_set_identity(r, &id);
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
  fs__log_forget();
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
    fs__errmsg_thread(rc, "%s", fs__errmsg_why(rc, r ? r->err : NULL));
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
  fs__log_forget();
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
    if (strcmp(r->id.staff, id->staff) != 0 || r->id.role != id->role ||
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
  if (rc)
    fs__errmsg_thread(rc, "%s", fs__errmsg_why(rc, r ? r->err : NULL));
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
    rc = fs__access_rules_check(r->db, r->id.role, r->id.staff, c, NULL, verr,
                                sizeof(verr));
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
