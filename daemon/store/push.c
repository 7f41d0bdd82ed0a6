/* push.c - applying a device's PUSH to the central store
 * (fs__central_push, central.h): per change the clocks, the owner, the
 * access set (and through store/fence.c the handover fence), the merge,
 * the conflict log, the history and the journal; the recorded outcome
 * answers a re-sent change. */
#include "store/push_impl.h"
#include "store/serials.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access_rules.h"
#include "fs_errno.h"
#include "log.h"
#include "validate.h"

/* Storage failures abort the whole push; anything else rejects one change. */
static int fatal(int rc) {
  return rc == FS_EFULL || rc == FS_EIO || rc == FS_EDB || rc == FS_EBUSY ||
         rc == FS_ENOMEM || rc == FS_EINTERNAL;
}

static void bind_value(sqlite3_stmt *st, int i, const fs_value *v) {
  if (v == NULL || v->type == FS_V_NULL)
    sqlite3_bind_null(st, i);
  else if (v->type == FS_V_INT)
    sqlite3_bind_int64(st, i, v->i);
  else
    sqlite3_bind_text(st, i, v->s, (int)v->len, SQLITE_STATIC);
}

/* 1 if the pushed change ch wrote the winning side of a conflict the
 * merge reported (store.c: winner then points into ch->fields[], or ch is
 * a delete overtaking stored edits); else it wrote the losing side. */
static int pushed_won(const fs_change *ch, const fs_value *winner) {
  if (ch->op == FS_OP_DELETE)
    return 1;
  for (int i = 0; i < ch->nfields; i++)
    if (winner == &ch->fields[i].value)
      return 1;
  return 0;
}

int fs__push_log_conflict(fs__conflict_ctx *x, const fs_change *ch, int field,
                          const fs_value *loser, uint64_t loser_hlc,
                          const fs_value *winner, uint64_t winner_hlc,
                          const char *fenced) {
  sqlite3_stmt *st = x->c->st_conflict;
  const fs_kind_def *kd = fs__kind_def(ch->kind);
  char held_by[FS_STAFF_MAX + 1];
  int pushed_lost = fenced || !pushed_won(ch, winner);
  int rc = fs__history_field_writer(x->c, x->cust, ch->kind, ch->id, field, held_by);

  if (rc)
    return rc;
  sqlite3_bind_int64(st, 1, (sqlite3_int64)x->seq);
  sqlite3_bind_text(st, 2, kd->name, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, ch->id, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 4, field >= 0 ? kd->fields[field].name : "(deleted)", -1,
                    SQLITE_STATIC);
  bind_value(st, 5, loser);
  sqlite3_bind_int64(st, 6, (sqlite3_int64)loser_hlc);
  bind_value(st, 7, winner);
  sqlite3_bind_int64(st, 8, (sqlite3_int64)winner_hlc);
  /* loser_device: the device that wrote the losing value (the CONFLICTS
   * `author`); NULL when that was the stored value.  The stored value's
   * writer comes from the record's history (issue 15: who wrote each
   * side); a fenced change is always the loser. */
  if (pushed_lost)
    sqlite3_bind_int64(st, 9, (sqlite3_int64)x->d->id);
  else
    sqlite3_bind_null(st, 9);
  sqlite3_bind_text(st, 10, x->owner, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 11, (sqlite3_int64)fs__now_ms());
  if (fenced)
    sqlite3_bind_text(st, 12, fenced, -1, SQLITE_STATIC);
  else
    sqlite3_bind_null(st, 12);
  /* loser_staff / winner_staff: the writers by staff code ("" unknown). */
  sqlite3_bind_text(st, 13, pushed_lost ? x->d->staff : held_by, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 14, pushed_lost ? held_by : x->d->staff, -1, SQLITE_STATIC);
  rc = sqlite3_step(st);
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
  return rc == SQLITE_DONE ? 0 : fs__db_err(x->c->db, rc);
}

void fs__push_on_conflict(void *arg, const fs_change *ch, int field,
                          const fs_value *loser, uint64_t loser_hlc,
                          const fs_value *winner, uint64_t winner_hlc) {
  fs__conflict_ctx *x = arg;

  /* The merge itself has happened; a lost log line is reported, not fatal:
   * the storage error resurfaces at commit if the disk is full. */
  if (fs__push_log_conflict(x, ch, field, loser, loser_hlc, winner, winner_hlc, NULL) !=
      0)
    FS_WARN("cannot log conflict on %s %s: %s", fs__kind_def(ch->kind)->name, ch->id,
            sqlite3_errmsg(x->c->db));
  else
    x->logged++;
}

#if defined(__GNUC__)
__attribute__((format(printf, 3, 0)))
#endif
static int
vset_reason(fs_push_result *r, int code, const char *fmt, va_list ap) {
  char buf[512];

  r->outcome = FS_OUTCOME_REJECTED;
  r->code = code;
  vsnprintf(buf, sizeof(buf), fmt, ap);
  free(r->reason);
  r->reason = strdup(buf);
  return r->reason ? 0 : FS_ENOMEM;
}

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int
set_reason(fs_push_result *r, int code, const char *fmt, ...) {
  va_list ap;
  int rc;

  va_start(ap, fmt);
  rc = vset_reason(r, code, fmt, ap);
  va_end(ap);
  return rc;
}

int fs__push_reject(fs_push_result *r, int code, const char *fmt, ...) {
  va_list ap;
  int rc;

  va_start(ap, fmt);
  rc = vset_reason(r, code, fmt, ap);
  va_end(ap);
  return rc ? rc : 1;
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

static int push_ctx_load(fs_central *c, const fs_device *d, fs__push_ctx *p) {
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

static int push_ctx_save(fs_central *c, const fs_device *d, const fs__push_ctx *p) {
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

/* Clocks first: every clock bounded (validate.h), and rising per device:
 * a new change at or below a clock already acknowledged from this device
 * is refused, so nothing can be slipped in under work already sent.  Then
 * the change itself.  0, 1 (rejected, reason in res) or <0. */
static int check_change(fs_central *c, const fs__push_ctx *p, fs__push_item *it,
                        fs_push_result *res) {
  const fs_change *ch = it->ch;
  uint64_t stamp;
  char err[300];

  if (fs__validate_clocks(ch, p->now, c->hlc.max_ahead_ms, err, sizeof(err)) != 0)
    return fs__push_reject(res, FS_ECLOCK, "%s", err);
  if (ch->hlc <= p->last_hlc)
    return fs__push_reject(
        res, FS_ECLOCK,
        "change is stamped at or before a change this device already sent "
        "(clock %llu <= %llu); a device's changes must be stamped later and later",
        (unsigned long long)ch->hlc, (unsigned long long)p->last_hlc);
  if (fs__hlc_recv(&c->hlc, ch->hlc, &stamp) != 0)
    return fs__push_reject(res, FS_ECLOCK,
                           "change is stamped too far in the future; fix the device's "
                           "clock");
  it->t_ms = fs__hlc_ms(ch->hlc);
  if (it->found) /* issue 16: a re-upload restates immutable values */
    (void)fs__change_drop_restated(it->ch, &it->existing);
  if (fs__validate_change(ch, !it->found, err, sizeof(err)) != 0)
    return fs__push_reject(res, FS_EVALIDATE, "%s", err);
  return 0;
}

/* Owner: never trusted from the device on an existing record; a child
 * record always belongs to its customer's owner.  0, 1 (rejected) or <0. */
static int resolve_owner(fs_central *c, const fs_device *d, fs__push_item *it,
                         fs_push_result *res) {
  const fs_change *ch = it->ch;
  int rc;

  it->cust = customer_of(it->kd, ch, &it->existing, it->found);
  if (it->found) {
    snprintf(it->owner, sizeof(it->owner), "%s", it->existing.owner);
  } else if ((it->kd->flags & FS_K_CHILD) && it->cust) {
    rc = fs__store_get(c->db, FS_KIND_CUSTOMER, it->cust, &it->parent);
    if (rc && rc != FS_ENOTFOUND)
      return rc;
    if (rc == FS_ENOTFOUND || it->parent.deleted)
      return fs__push_reject(res, FS_ENOTFOUND, "customer %s does not exist", it->cust);
    snprintf(it->owner, sizeof(it->owner), "%s", it->parent.owner);
  } else {
    snprintf(it->owner, sizeof(it->owner), "%s", ch->owner);
    /* A departed rep's final upload: new cards land with the successor. */
    if (d->departed && d->successor[0] && strcmp(it->owner, d->staff) == 0)
      snprintf(it->owner, sizeof(it->owner), "%s", d->successor);
  }
  return 0;
}

/* Merges the admitted change it (no fence) and records it. */
static int apply_merge(fs_central *c, const fs_device *d, fs__push_item *it,
                       fs__conflict_ctx *cx, fs_push_result *res) {
  fs_outcome outcome = FS_OUTCOME_REJECTED;
  int rc;

  cx->seq = fs__central_next_seq(c);
  rc = fs__store_apply(c->db, it->ch, cx->seq, fs__push_on_conflict, cx, &outcome);
  if (rc == 0)
    rc = fs__history_add(c, d, it->ch, it->cust, &it->existing, it->found, outcome);
  if (rc)
    return rc;
  res->outcome = (int)outcome;
  res->code = 0;
  /* A superseded change changed nothing, but the conflict it logged has a
   * seq only a later journal entry lets a PULL reach (server.c): without
   * one the readers of the record would hear of it only after its next
   * change.  The row goes out again, unchanged. */
  if (outcome != FS_OUTCOME_SUPERSEDED || cx->logged > 0)
    rc = fs__central_journal(c, it->ch->kind, it->ch->id, it->owner, FS_JOURNAL_ROW);
  return rc;
}

/* The manager's controls (issue 14, common/access_rules.h) on an admitted
 * change: decided from the store and the staff table's role (d), never
 * from what the device claims.  0, 1 (rejected, reason in res) or <0. */
static int check_rules(fs_central *c, const fs_device *d, const fs__push_item *it,
                       fs_push_result *res) {
  char err[512]; /* as a reason (vset_reason) */
  int rc =
      fs__access_rules_check(c->db, d->role, d->staff, it->ch, NULL, err, sizeof(err));

  if (rc && err[0])
    return fs__push_reject(res, rc, "%s", err);
  return rc;
}

/* Issue 14: a new card's archive number must be one this device may make
 * (store/serials.h).  0, 1 (rejected, reason in res) or <0. */
static int check_archive(fs_central *c, const fs_device *d, const fs__push_item *it,
                         fs_push_result *res) {
  char err[300];
  const fs_value *v;
  int rc;

  if (it->found || it->ch->kind != FS_KIND_CUSTOMER || it->ch->op != FS_OP_UPSERT)
    return 0;
  v = fs__change_written(it->ch, "archive_no");
  if (v == NULL || v->type != FS_V_TEXT)
    return 0;
  rc = fs__serials_check(c, d, v->s, err, sizeof(err));
  if (rc == FS_EFORBIDDEN)
    return fs__push_reject(res, rc, "%s", err);
  return rc;
}

/* One change: 0 (applied, or rejected with the reason in res) or a
 * storage error. */
static int apply_one(fs_central *c, const fs_device *d, const fs_access *acc,
                     const fs__push_ctx *p, fs_change *ch, fs_push_result *res) {
  fs__push_item it;
  fs_outcome outcome = FS_OUTCOME_REJECTED;
  fs__conflict_ctx cx;
  fs__fence f;
  int rc;

  memset(&it, 0, sizeof(it));
  memset(&f, 0, sizeof(f));
  it.ch = ch;
  it.kd = fs__kind_def(ch->kind);
  if (it.kd == NULL)
    return set_reason(res, FS_EUNKNOWN_FIELD, "unknown record kind");
  rc = fs__store_get(c->db, ch->kind, ch->id, &it.existing);
  if (rc && rc != FS_ENOTFOUND)
    goto out;
  it.found = rc == 0;
  rc = check_change(c, p, &it, res);
  if (rc == 0)
    rc = resolve_owner(c, d, &it, res);
  if (rc == 0)
    rc = fs__fence_admit(c, d, p, &it, fs__access_check_write(acc, it.owner, it.cust), &f,
                         res);
  if (rc == 0)
    rc = check_rules(c, d, &it, res);
  if (rc == 0)
    rc = check_archive(c, d, &it, res);
  if (rc)
    goto out;
  /* The daemon decides owner and author; the device's claims are ignored. */
  snprintf(ch->owner, sizeof(ch->owner), "%s", it.owner);
  snprintf(ch->author, sizeof(ch->author), "%s",
           it.found ? it.existing.author : d->staff);
  ch->device_id = d->id;
  cx.c = c;
  cx.d = d;
  cx.owner = it.owner;
  cx.cust = it.cust;
  cx.logged = 0;
  if (f.kind == FS__FENCE_NONE) {
    rc = apply_merge(c, d, &it, &cx, res);
    if (rc == 0 && (res->outcome == FS_OUTCOME_APPLIED || res->outcome == FS_OUTCOME_MERGED))
      rc = fs__push_review_notice(c, d, &it);
  } else {
    rc = fs__fence_apply(c, d, &it, &f, &cx, &outcome);
    if (rc == 0) {
      res->outcome = (int)outcome;
      res->code = 0;
    }
  }
out:
  fs__row_release(&it.existing);
  fs__row_release(&it.parent);
  return rc == 1 ? 0 : rc; /* 1: rejected, the reason is in res */
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
static int already_applied(fs_central *c, const fs_device *d, const fs__push_ctx *p,
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

int fs__central_push(fs_central *c, const fs_device *d, fs_change *changes,
                     const int *rcs, uint32_t n, fs_push_result *results) {
  fs_access *acc;
  fs__push_ctx p;
  int rc;

  acc = malloc(sizeof(*acc));
  if (acc == NULL)
    return FS_ENOMEM;
  rc = fs__central_access(&c->rd, d->staff, (int64_t)fs__now_ms(), acc);
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
        rc = set_reason(
            r, FS_EREVOKED,
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
