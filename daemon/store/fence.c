/* fence.c - the handover fence of the push path (push_impl.h): who may
 * still upload work made before a move, and how it lands. */
#include "store/push_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "date.h"
#include "fs_errno.h"
#include "log.h"
#include "strbuf.h"

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

  rc = sqlite3_prepare_v2(
      c->db,
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

  rc = sqlite3_prepare_v2(c->db,
                          "SELECT 1 FROM covers WHERE by_staff=?1 AND absent=?2 LIMIT 1",
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
static int covering_at(fs_central *c, const char *staff, const char *absent,
                       uint64_t t_ms) {
  sqlite3_stmt *st = NULL;
  char day[11];
  int rc;

  fs__day_of_ms((int64_t)t_ms, day);
  rc =
      sqlite3_prepare_v2(c->db,
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
                     uint64_t t_ms, fs__fence *f) {
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
      f->kind = own ? FS__FENCE_MOVE : FS__FENCE_COVER;
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
                           const char *owner, uint64_t t_ms, fs__fence *f) {
#define COVER_END                                                                        \
  "COALESCE(cv.ended_at, CAST(strftime('%s', cv.to_day, '+1 day', 'utc') AS "            \
  "INTEGER)*1000)"
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
    f->kind = FS__FENCE_COVER;
    f->at = sqlite3_column_int64(st, 0);
    rc = 1;
  } else {
    rc = rc == SQLITE_DONE ? 0 : fs__db_err(db, rc);
  }
  sqlite3_finalize(st);
  return rc;
}

/* ms -> "YYYY-MM-DD HH:MM +08:00" (date.h's one time rule). */
static void fmt_ms(char *buf, size_t len, int64_t ms) {
  char s[FS_INSTANT_MAX];

  if (fs__instant_format(ms, FS_INSTANT_TEXT, s) != 0)
    snprintf(s, sizeof(s), "-");
  snprintf(buf, len, "%s", s);
}

/* When the fence closes: the move, or an earlier wipe order or departure
 * of the device's staff member, + wipe_deadline_days. */
static int64_t fence_closes(const fs_central *c, const fs__push_ctx *p,
                            const fs__fence *f) {
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

/* Searches the fences that may admit it (refused by the access set): a
 * move of the record or of its card, a departed rep's own work, an ended
 * cover.  1 with f filled, 0 if none, <0 on error. */
static int fence_find(fs_central *c, const fs_device *d, const fs__push_ctx *p,
                      const fs__push_item *it, fs__fence *f) {
  const fs_change *ch = it->ch;
  int in = it->found ? fenced_in(c, d, ch->kind, ch->id, it->t_ms, f) : 0;

  if (in == 0 && it->cust && ch->kind != FS_KIND_CUSTOMER)
    in = fenced_in(c, d, FS_KIND_CUSTOMER, it->cust, it->t_ms, f);
  /* The departed rep's own work that has no move of its own: new cards
   * (landing with the successor) and records it authored, made before
   * the departure. */
  if (in == 0 && p->departed_at > 0 && d->successor[0] &&
      strcmp(it->owner, d->successor) == 0 &&
      (it->found
           ? strcmp(it->existing.author, d->staff) == 0
           : !(it->kd->flags & FS_K_CHILD) || strcmp(it->parent.author, d->staff) == 0)) {
    f->kind = FS__FENCE_DEPARTED;
    f->at = p->departed_at;
    f->handover = p->departure;
    in = 1;
  }
  if (in == 0)
    in = cover_fenced_in(c, d, ch->kind == FS_KIND_CUSTOMER ? ch->id : it->cust,
                         it->owner, it->t_ms, f);
  return in;
}

/* A fence admits it only while open, and only work made while the right
 * was in force.  0 admitted, 1 rejected, <0 error. */
static int fence_open(fs_central *c, const fs_device *d, const fs__push_ctx *p,
                      const fs__push_item *it, const fs__fence *f, fs_push_result *res) {
  int64_t closes = fence_closes(c, p, f);
  char when[40];

  fmt_ms(when, sizeof(when), closes);
  if ((int64_t)p->now > closes)
    return fs__push_reject(res, FS_EFORBIDDEN,
                           "record now belongs to %s; the handover fence for %s's device "
                           "closed at %s (wipe_deadline_days after the move)",
                           it->owner, d->staff, when);
  if ((int64_t)it->t_ms > f->at) {
    fmt_ms(when, sizeof(when), f->at);
    return fs__push_reject(res, FS_EFORBIDDEN,
                           "change was made after %s lost the right to write this record "
                           "(%s); it belongs to %s",
                           d->staff, when, it->owner);
  }
  FS_INFO("device %llu (%s): change %llu to %s %s accepted through the handover fence; "
          "it lands with %s",
          (unsigned long long)d->id, d->staff, (unsigned long long)it->ch->counter,
          it->kd->name, it->ch->id, it->owner);
  return 0;
}

/* A rep's own record now, but was it when the change was made?  A card
 * that went away and came back was someone else's in between (unless the
 * rep stood in for that owner: a cover).  0 allowed, 1 rejected, <0
 * error. */
static int came_back(fs_central *c, const fs_device *d, const fs__push_item *it,
                     fs_push_result *res) {
  char when[40];
  move m;
  int mv;

  if (d->role != FS_ROLE_REP || strcmp(it->owner, d->staff) != 0 ||
      !(it->found || ((it->kd->flags & FS_K_CHILD) && it->cust)))
    return 0;
  mv = first_move_after(c, it->found ? it->ch->kind : FS_KIND_CUSTOMER,
                        it->found ? it->ch->id : it->cust, it->t_ms, &m);
  if (mv == 1 && strcmp(m.old_owner, d->staff) != 0) {
    int cv = covered(c, d->staff, m.old_owner);
    mv = cv < 0 ? cv : !cv;
  } else if (mv == 1) {
    mv = 0;
  }
  if (mv <= 0)
    return mv;
  fmt_ms(when, sizeof(when), m.at);
  return fs__push_reject(res, FS_EFORBIDDEN,
                         "change was made while the record belonged to %s (it came to %s "
                         "at %s); %s may not change it for that time",
                         m.old_owner, m.new_owner, when, d->staff);
}

/* The refusal of the access set, said in words.  1 or FS_ENOMEM. */
static int refuse(const fs_device *d, const fs__push_item *it, int code,
                  const fs__fence *f, fs_push_result *res) {
  char when[40];

  if (code == FS_EREADONLY)
    return fs__push_reject(res, code, "record of %s is on loan to %s and read-only",
                           it->owner, d->staff);
  if (f->late_at) {
    fmt_ms(when, sizeof(when), f->late_at);
    return fs__push_reject(res, code,
                           "change was made after the record was handed over from %s to "
                           "%s (%s); only work made before the move is accepted",
                           d->staff, f->late_to, when);
  }
  return fs__push_reject(res, code, "record belongs to %s; %s may not change it",
                         it->owner, d->staff);
}

int fs__fence_admit(fs_central *c, const fs_device *d, const fs__push_ctx *p,
                    fs__push_item *it, int code, fs__fence *f, fs_push_result *res) {
  int in;

  if (code == 0)
    return came_back(c, d, it, res);
  if (code == FS_EFORBIDDEN) {
    /* Handed over while the device was offline?  Then the rep's field
     * work made before the move is accepted and lands with the new owner;
     * the rep stays the author. */
    in = fence_find(c, d, p, it, f);
    if (in < 0)
      return in;
    if (in)
      return fence_open(c, d, p, it, f, res);
  }
  return refuse(d, it, code, f, res);
}

/* See push_impl.h. */
int fs__fence_apply(fs_central *c, const fs_device *d, fs__push_item *it,
                    const fs__fence *f, fs__conflict_ctx *cx, fs_outcome *outcome) {
  fs_change *ch = it->ch;
  const fs_row *existing = &it->existing;
  const char *cust = it->cust;
  int found = it->found;
  const fs_kind_def *kd = it->kd;
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
      rc =
          fs__push_log_conflict(cx, ch, -1, NULL, ch->hlc, NULL, existing->hlc, d->staff);
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
        rc = fs__push_log_conflict(cx, ch, fc->field, &fc->value, fc->hlc,
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
      rc = fs__store_apply(c->db, &sub, cx->seq, fs__push_on_conflict, cx, outcome);
    if (rc == 0 && nitems && *outcome == FS_OUTCOME_APPLIED)
      *outcome = FS_OUTCOME_MERGED;
    /* The history shows what landed, with the outcome the PUSH_RESULT
     * says; the held fields are owner's items. */
    if (rc == 0 && (sub.nfields > 0 || !found))
      rc = fs__history_add(c, d, &sub, cust, existing, found, *outcome);
    if (rc)
      goto out;
  }
  if (rc)
    goto out;
  /* The record: "customer <id>", its fields, what became of them. */
  fs__strbuf_printf(&line, "%s %s%s%s: ", fs__kind_label(kd), ch->id, found ? "" : " (new)",
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
             f->kind == FS__FENCE_COVER ? ", stand-in" : "", cx->owner,
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
