/* handover.c - departure, transfer, cover and loans (handover.h).  The
 * store calls are store/ownership.h (records and their moves),
 * store/cover.h (covers and loans), store/staff.h and store/devadmin.h. */
#include "handover.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "fs_assert.h"
#include "fs_errno.h"
#include "hlc.h"
#include "json.h"
#include "status.h"
#include "store/cover.h"
#include "store/devadmin.h"
#include "store/nest.h"
#include "store/ownership.h"
#include "store/staff.h"

#define MAX_LOST_LISTED 200

typedef struct counts {
  int n[FS_KIND__COUNT];
  int opp_open, opp_closed, followups;
} counts;

/* Audiences told to evict a moved record, read per query (move_record
 * loops until all are told). */
#define HANDOVER_AUDIENCE_BATCH 64

/* Tells every audience other than from and to that was sent record
 * (k, id), and every running stand-in of from, to evict it.  0 or a
 * storage error. */
static int evict_others(fs_central *c, fs_kind k, const char *id, const char *from,
                        const char *to) {
  char aud[HANDOVER_AUDIENCE_BATCH][FS_STAFF_MAX + 1];
  int rc, na;

  /* In batches of HANDOVER_AUDIENCE_BATCH: an audience once journaled
   * EVICT matches the query no more, so the loop ends when a batch comes
   * back short and no audience is ever left out. */
  do {
    rc = fs__record_evict_audiences(fs__central_rd(c), k, id, from, to, aud,
                                    HANDOVER_AUDIENCE_BATCH, &na);
    FS_ASSERT(rc || na <= HANDOVER_AUDIENCE_BATCH);
    for (int i = 0; rc == 0 && i < na; i++)
      rc = fs__central_journal(c, k, id, aud[i], FS_JOURNAL_EVICT);
  } while (rc == 0 && na == HANDOVER_AUDIENCE_BATCH);
  return rc;
}

/* Moves one record's ownership (see handover.h). */
static int move_record(fs_central *c, fs_kind k, const char *id, const char *from,
                       const char *to, int64_t handover_id) {
  int rc = fs__record_set_owner(c, k, id, to, fs__central_next_seq(c));

  /* Anyone else who was sent this record (a stand-in covering the old
   * owner, a borrower) gets an eviction entry too: their access is decided
   * again at their next pull, so a record that left the covered rep does
   * not linger on the stand-in's device.  A stand-in may have it without
   * an entry of its own (a record the covered rep made during the cover
   * reaches the stand-in through the rep's audience, which the stand-in
   * stops reading when the cover ends): every active stand-in of the old
   * owner is told too. */
  if (rc == 0)
    rc = evict_others(c, k, id, from, to);
  /* Evict first, then deliver: the old owner's devices drop the record
   * and the new owner's devices get the whole current row. */
  if (rc == 0)
    rc = fs__central_journal(c, k, id, from, FS_JOURNAL_EVICT);
  if (rc == 0)
    rc = fs__central_journal(c, k, id, to, FS_JOURNAL_ROW);
  if (rc == 0)
    rc = fs__ownership_log_add(c, fs__central_seq(c), k, id, from, to,
                               (int64_t)fs__now_ms(), handover_id);
  return rc;
}

/* Moves one customer and everything hanging off it; counts and lists. */
static int move_customer(fs_central *c, const char *cid, const char *from, const char *to,
                         int64_t hid, counts *cnt, fs__strbuf *lost, int *nlost) {
  fs_customer_brief b;
  char today[11];
  int rc;

  fs__today(today);
  rc = fs__customer_brief(fs__central_rd(c), cid, today, &b);
  if (rc)
    return rc;
  /* Stored text, shown through the sanitiser (common/utf8.h). */
  if (b.found && b.lost && (*nlost)++ < MAX_LOST_LISTED) {
    fs__strbuf_append(lost, "    ", 4);
    fs__strbuf_pad(lost, b.archive_no, -1);
    fs__strbuf_append(lost, "  ", 2);
    fs__strbuf_pad(lost, b.name, -1);
    fs__strbuf_append(lost, "\n", 1);
  }
  cnt->followups += b.followup + b.opp_followups;
  cnt->opp_open += b.opp_open;
  cnt->opp_closed += b.opp_closed;
  fs__customer_brief_release(&b);
  rc = move_record(c, FS_KIND_CUSTOMER, cid, from, to, hid);
  cnt->n[FS_KIND_CUSTOMER]++;
  for (int k = 0; rc == 0 && k < FS_KIND__COUNT; k++) {
    fs_idlist l = {0};
    if (!(fs__kind_def((fs_kind)k)->flags & FS_K_CHILD))
      continue;
    /* Children follow their customer whoever holds them now. */
    rc = fs__ids_select(fs__central_rd(c), (fs_kind)k, FS_IDS_CHILDREN, cid, &l);
    for (int i = 0; rc == 0 && i < l.n; i++) {
      rc = move_record(c, (fs_kind)k, l.ids[i], from, to, hid);
      cnt->n[k]++;
    }
    fs__idlist_free(&l);
  }
  return rc;
}

static void member(fs_json *j, const char *key, int v) {
  fs__json_key(j, key);
  fs__json_int(j, v);
}

/* The handover's summary: the report text (stored, printed and delivered
 * as a NOTICE) into report, and the same counts as a JSON object through
 * the one JSON writer into json. */
static void summary(const fs_handover_req *req, const char *to, const char *manager,
                    const counts *cnt, const fs__strbuf *lost, int nlost,
                    fs__strbuf *report, fs__strbuf *json) {
  int departure = strcmp(req->kind, "departure") == 0;
  fs_json j;

  fs__strbuf_printf(
      report,
      "%s%s of %s to %s%s%s\n"
      "  customer cards        %d\n"
      "  contacts              %d\n"
      "  visits (authors kept) %d\n"
      "  opportunities         %d open, %d closed (authors kept)\n"
      "  grade history entries %d\n"
      "  lost-sale reviews     %d\n"
      "  showroom entries      %d\n"
      "  scheduled follow-ups  %d\n"
      "  lost customers for %s to review: %d\n%s",
      req->dry_run ? "DRY RUN - nothing changed. " : "",
      departure ? "Handover" : "Transfer", req->from, to, req->reason ? ": " : "",
      req->reason ? req->reason : "", cnt->n[FS_KIND_CUSTOMER], cnt->n[FS_KIND_CONTACT],
      cnt->n[FS_KIND_VISIT], cnt->opp_open, cnt->opp_closed, cnt->n[FS_KIND_GRADE_CHANGE],
      cnt->n[FS_KIND_LOST_REVIEW], cnt->n[FS_KIND_SHOWROOM], cnt->followups, manager,
      nlost, lost->s ? lost->s : "");
  if (nlost > MAX_LOST_LISTED)
    fs__strbuf_printf(report, "    ... and %d more\n", nlost - MAX_LOST_LISTED);
  fs__json_init_buf(&j, json);
  fs__json_begin_object(&j);
  fs__json_key(&j, "kind");
  fs__json_string(&j, req->kind);
  fs__json_key(&j, "from");
  fs__json_string(&j, req->from);
  fs__json_key(&j, "to");
  fs__json_string(&j, to);
  fs__json_key(&j, "manager");
  fs__json_string(&j, manager);
  fs__json_key(&j, "dry_run");
  fs__json_bool(&j, req->dry_run);
  member(&j, "customers", cnt->n[FS_KIND_CUSTOMER]);
  member(&j, "contacts", cnt->n[FS_KIND_CONTACT]);
  member(&j, "visits", cnt->n[FS_KIND_VISIT]);
  member(&j, "opportunities_open", cnt->opp_open);
  member(&j, "opportunities_closed", cnt->opp_closed);
  member(&j, "grade_changes", cnt->n[FS_KIND_GRADE_CHANGE]);
  member(&j, "lost_reviews", cnt->n[FS_KIND_LOST_REVIEW]);
  member(&j, "showroom", cnt->n[FS_KIND_SHOWROOM]);
  member(&j, "followups", cnt->followups);
  member(&j, "lost_to_review", nlost);
  fs__json_end_object(&j);
}

/* The successor (to: --successor, else the departing rep's manager) and the
 * manager who reviews the lost cards, both checked: active staff, someone
 * else.  0, or an error with err set (or a storage error). */
static int parties(fs_store_rd *r, const fs_handover_req *req, char to[FS_STAFF_MAX + 1],
                   char manager[FS_STAFF_MAX + 1], char *err, size_t errlen) {
  fs_staff_info f, t;
  int rc;

  rc = fs__staff_get(r, req->from, &f);
  if (rc == FS_ENOTFOUND) {
    snprintf(err, errlen, "no staff member %s", req->from);
    return rc;
  }
  if (rc)
    return rc;
  if (f.status != FS_STAFF_ACTIVE) {
    snprintf(err, errlen, "%s has already departed", req->from);
    return FS_EDEPARTED;
  }
  snprintf(to, FS_STAFF_MAX + 1, "%s", req->to ? req->to : f.manager);
  if (to[0] == '\0') {
    snprintf(err, errlen, "%s has no manager; name a successor with --successor CODE",
             req->from);
    return FS_EVALIDATE;
  }
  if (strcmp(to, req->from) == 0) {
    snprintf(err, errlen, "successor must be someone other than %s", req->from);
    return FS_EVALIDATE;
  }
  rc = fs__staff_get(r, to, &t);
  if (rc == FS_ENOTFOUND) {
    snprintf(err, errlen, "successor %s is not a staff member", to);
    return rc;
  }
  if (rc)
    return rc;
  if (t.status != FS_STAFF_ACTIVE) {
    snprintf(err, errlen, "successor %s has departed; choose an active colleague", to);
    return FS_EDEPARTED;
  }
  /* The manager who reviews the lost cards: the successor's, or the
   * departing rep's, or the successor if they are the manager. */
  snprintf(manager, FS_STAFF_MAX + 1, "%s",
           t.manager[0]   ? t.manager
           : f.manager[0] ? f.manager
                          : to);
  return 0;
}

/* What moves: the customers named (each must be req->from's), else all of
 * req->from's customers and showroom entries.  0, FS_ENOTFOUND with err
 * set, or a storage error. */
static int targets(fs_store_rd *r, const fs_handover_req *req, fs_idlist *cust,
                   fs_idlist *show, char *err, size_t errlen) {
  int rc = 0;

  if (req->customers == NULL || req->ncustomers <= 0) {
    rc = fs__ids_select(r, FS_KIND_CUSTOMER, FS_IDS_OWNED, req->from, cust);
    if (rc == 0)
      rc = fs__ids_select(r, FS_KIND_SHOWROOM, FS_IDS_OWNED, req->from, show);
    return rc;
  }
  for (int i = 0; rc == 0 && i < req->ncustomers; i++) {
    char owner[FS_STAFF_MAX + 1] = "";
    rc = fs__customer_find(r, req->customers[i], NULL, owner);
    if (rc && rc != FS_ENOTFOUND)
      return rc;
    if (strcmp(owner, req->from) != 0) {
      snprintf(err, errlen,
               owner[0] ? "customer %s belongs to %s, not %s" : "no customer %s%s%s",
               req->customers[i], owner, owner[0] ? req->from : "");
      return FS_ENOTFOUND;
    }
    rc =
        fs__ids_select(r, FS_KIND_CUSTOMER, FS_IDS_CUSTOMER_KEY, req->customers[i], cust);
  }
  return rc;
}

/* Marks `from` departed (successor `to`) and orders the wipe of their
 * devices.  0 or a storage error. */
static int depart(fs_central *c, const char *from, const char *to) {
  int64_t now = (int64_t)fs__now_ms();
  /* The rep departs; and this is the wipe order of each of the rep's
   * devices: their final upload (and the handover fence) close
   * wipe_deadline_days after it.  An earlier order (revoke --wipe) keeps
   * its own, earlier, time. */
  int rc = fs__staff_set_departed(c, from, to, now);
  return rc ? rc : fs__device_wipe_order_staff(c, from, now);
}

/* A handover being run: what fs__handover_run's steps share. */
typedef struct run_ctx {
  fs_central *c;
  const fs_handover_req *req;
  int departure;
  char to[FS_STAFF_MAX + 1], manager[FS_STAFF_MAX + 1];
  fs_idlist cust, show;
  int64_t hid; /* the handovers row */
  counts cnt;
  fs__strbuf lost; /* the lost cards listed for the manager */
  int nlost;
} run_ctx;

/* Stores the handover row (first, so every moved record can point to
 * it) and moves every target.  0 or a storage error. */
static int run_moves(run_ctx *h) {
  fs_handover_row row = {
      (int64_t)fs__now_ms(), h->req->kind,  h->req->from, h->to, h->manager,
      h->req->dry_run,       h->req->reason};
  int rc = fs__handover_add(h->c, &row, &h->hid);

  for (int i = 0; rc == 0 && i < h->cust.n; i++)
    rc = move_customer(h->c, h->cust.ids[i], h->req->from, h->to, h->hid, &h->cnt,
                       &h->lost, &h->nlost);
  for (int i = 0; rc == 0 && i < h->show.n; i++) {
    rc = move_record(h->c, FS_KIND_SHOWROOM, h->show.ids[i], h->req->from, h->to, h->hid);
    h->cnt.n[FS_KIND_SHOWROOM]++;
  }
  if (rc == 0 && h->departure)
    rc = depart(h->c, h->req->from, h->to);
  return rc;
}

/* Stores the report (delivered to the successor's and the manager's
 * devices as a NOTICE at their next sync) and audits.  0 or a storage
 * error. */
static int run_record(run_ctx *h, const fs__strbuf *report) {
  const int *n = h->cnt.n;
  char detail[200];
  int rc, all = 0;

  rc = fs__handover_set_report(h->c, h->hid, report->s ? report->s : "",
                               fs__central_next_seq(h->c));
  if (rc)
    return rc;
  for (int k = 0; k < FS_KIND__COUNT; k++)
    all += n[k];
  snprintf(detail, sizeof(detail), "%s to %s: %d customers, %d records in all",
           h->departure ? "departure handover" : "transfer", h->to, n[FS_KIND_CUSTOMER],
           all);
  return fs__audit(h->c, h->req->actor,
                   h->departure ? "staff.depart" : "customers.transfer", h->req->from,
                   h->cust.n == 1 ? h->cust.ids[0] : NULL, -1, detail, h->req->reason);
}

int fs__handover_run(fs_central *c, const fs_handover_req *req, fs__strbuf *out,
                     fs__strbuf *json, char *err, size_t errlen) {
  run_ctx h;
  fs__strbuf report;
  int rc, nested = 0;

  memset(&h, 0, sizeof(h));
  h.c = c;
  h.req = req;
  h.departure = strcmp(req->kind, "departure") == 0;
  fs__strbuf_init(&h.lost, 1 << 20);
  fs__strbuf_init(&report, 1 << 20);
  err[0] = '\0';
  rc = parties(fs__central_rd(c), req, h.to, h.manager, err, errlen);
  if (rc == 0)
    rc = fs__central_nest_begin(c);
  if (rc)
    goto out;
  nested = 1;
  rc = targets(fs__central_rd(c), req, &h.cust, &h.show, err, errlen);
  if (rc == 0)
    rc = run_moves(&h);
  if (rc)
    goto out;
  /* The report: printed now, stored, and delivered. */
  summary(req, h.to, h.manager, &h.cnt, &h.lost, h.nlost, &report, json);
  fs__strbuf_append(out, report.s ? report.s : "", report.len);
  if (!req->dry_run) /* a dry run is undone below */
    rc = run_record(&h, &report);
out:
  if (nested) {
    int rc2 = fs__central_nest_end(c, !(rc || req->dry_run || err[0]));
    if (rc == 0)
      rc = rc2;
  }
  if (rc == 0 && err[0])
    rc = FS_EVALIDATE;
  fs__idlist_free(&h.cust);
  fs__idlist_free(&h.show);
  fs__strbuf_release(&h.lost);
  fs__strbuf_release(&report);
  return rc;
}

/* Journals every record of kind k that which/key selects for audience
 * with op.  0 or a storage error. */
static int journal_ids(fs_central *c, fs_kind k, fs_ids_of which, const char *key,
                       const char *audience, int op) {
  fs_idlist l = {0};
  int rc = fs__ids_select(fs__central_rd(c), k, which, key, &l);

  for (int i = 0; rc == 0 && i < l.n; i++)
    rc = fs__central_journal(c, k, l.ids[i], audience, op);
  fs__idlist_free(&l);
  return rc;
}

int fs__journal_owner(fs_central *c, const char *owner, const char *audience, int op) {
  int rc = 0;

  for (int k = 0; rc == 0 && k < FS_KIND__COUNT; k++)
    rc = journal_ids(c, (fs_kind)k, FS_IDS_OWNED_LIVE, owner, audience, op);
  return rc;
}

/* Journals a customer card and its children for audience. */
static int journal_customer(fs_central *c, const char *cid, const char *audience,
                            int op) {
  int rc = fs__central_journal(c, FS_KIND_CUSTOMER, cid, audience, op);

  for (int k = 0; rc == 0 && k < FS_KIND__COUNT; k++)
    if (fs__kind_def((fs_kind)k)->flags & FS_K_CHILD)
      rc = journal_ids(c, (fs_kind)k, FS_IDS_CHILDREN, cid, audience, op);
  return rc;
}

int fs__loan_start(fs_central *c, const char *customer_id, const char *staff,
                   int64_t until_ms, int64_t *loan_id) {
  int rc = fs__loan_add(c, customer_id, staff, until_ms, (int64_t)fs__now_ms(), loan_id);
  return rc ? rc : journal_customer(c, customer_id, staff, FS_JOURNAL_ROW);
}

/* Starts (start) or ends cover id of absent by `by`: delivers or evicts
 * absent's records for by, moves the state, audits (actor, detail may be
 * NULL).  0 or a storage error. */
static int cover_step(fs_central *c, int64_t id, const char *absent, const char *by,
                      int start, int64_t now_ms, const char *actor, const char *detail) {
  int rc = fs__journal_owner(c, absent, by, start ? FS_JOURNAL_ROW : FS_JOURNAL_EVICT);
  /* The end's time bounds the cover fence (central.c). */
  if (rc == 0)
    rc = fs__cover_set_state(c, id, start ? FS_COVER_RUNNING : FS_COVER_ENDED, now_ms);
  if (rc == 0)
    rc = fs__audit(c, actor ? actor : "fieldsyncd", start ? "cover.start" : "cover.end",
                   absent, NULL, -1, detail ? detail : by, NULL);
  return rc;
}

/* Starts (which FS_COVER_DUE_START) or ends the covers due today.  *n
 * counts them.  0 or a storage error. */
static int covers_sweep(fs_central *c, fs_cover_due which, const char *today,
                        int64_t now_ms, int *n) {
  fs_cover_row *list = NULL;
  int rc, nl = 0;

  rc = fs__covers_due(fs__central_rd(c), which, today, &list, &nl);
  for (int i = 0; rc == 0 && i < nl; i++) {
    rc = cover_step(c, list[i].id, list[i].absent, list[i].by,
                    which == FS_COVER_DUE_START, now_ms, NULL, NULL);
    (*n)++;
  }
  free(list);
  return rc;
}

/* Ends loan id of customer to staff: evicts the card, marks the loan
 * ended, audits.  0 or a storage error. */
static int loan_stop(fs_central *c, int64_t id, const char *customer, const char *staff,
                     const char *actor, const char *detail) {
  int rc = journal_customer(c, customer, staff, FS_JOURNAL_EVICT);
  if (rc == 0)
    rc = fs__loan_set_ended(c, id);
  if (rc == 0)
    rc = fs__audit(c, actor ? actor : "fieldsyncd", "loan.end", staff, customer, -1, detail,
                   NULL);
  return rc;
}

/* Ends the loans whose time is over.  *n counts them.  0 or a storage
 * error. */
static int loans_sweep(fs_central *c, int64_t now_ms, int *n) {
  fs_loan_row *list = NULL;
  int rc, nl = 0;

  rc = fs__loans_due(fs__central_rd(c), now_ms, &list, &nl);
  for (int i = 0; rc == 0 && i < nl; i++) {
    rc = loan_stop(c, list[i].id, list[i].customer, list[i].staff, NULL, NULL);
    (*n)++;
  }
  free(list);
  return rc;
}

int fs__cover_end_early(fs_central *c, const fs_cover_info *cv, const char *actor,
                        int64_t now_ms) {
  int running = cv->state == FS_COVER_RUNNING, rc;
  char detail[160];

  snprintf(detail, sizeof(detail), "%s; %s (planned %s to %s)", cv->by,
           running ? "ended early" : "cancelled before it started", cv->from, cv->to);
  if (running)
    return cover_step(c, cv->id, cv->absent, cv->by, 0, now_ms, actor, detail);
  /* Never started: nothing was delivered, nothing to evict. */
  rc = fs__cover_set_state(c, cv->id, FS_COVER_ENDED, now_ms);
  return rc ? rc : fs__audit(c, actor, "cover.end", cv->absent, NULL, -1, detail, NULL);
}

int fs__loan_end_early(fs_central *c, const fs_loan_info *l, const char *actor) {
  return loan_stop(c, l->id, l->customer, l->staff, actor, "ended early");
}

int fs__handover_sweep(fs_central *c, int64_t now_ms, int *changed) {
  char today[11];
  int rc, n = 0;

  fs__day_of_ms(now_ms, today);
  rc = covers_sweep(c, FS_COVER_DUE_START, today, now_ms, &n);
  if (rc == 0)
    rc = covers_sweep(c, FS_COVER_DUE_END, today, now_ms, &n);
  if (rc == 0)
    rc = loans_sweep(c, now_ms, &n);
  if (rc == 0 && changed)
    *changed = n;
  return rc;
}

/* Devices read per query by fs__wipe_sweep (it loops until all are marked). */
#define WIPE_SWEEP_BATCH 1000

int fs__wipe_sweep(fs_central *c, int64_t now_ms, int *changed) {
  int64_t *ids = malloc(WIPE_SWEEP_BATCH * sizeof(*ids));
  int rc, n = 0, nids = 0;

  if (changed)
    *changed = 0;
  if (ids == NULL)
    return FS_ENOMEM;
  /* A store upgraded from before wipe_at may hold devices under a wipe
   * order without its time: their window starts now, at first sight. */
  rc = fs__device_wipe_order_fill(c, now_ms);
  /* In batches of WIPE_SWEEP_BATCH: a marked device no longer matches, so
   * the loop ends with a short batch and none is left for the next sweep. */
  while (rc == 0) {
    rc = fs__device_wipe_due(fs__central_rd(c), now_ms, fs__central_wipe_deadline(c), ids,
                             WIPE_SWEEP_BATCH, &nids);
    for (int i = 0; rc == 0 && i < nids; i++) {
      rc = fs__wipe_mark(
          c, ids[i],
          "the final upload's deadline passed; the device is refused from now on");
      n++;
    }
    if (nids < WIPE_SWEEP_BATCH)
      break;
  }
  free(ids);
  if (rc == 0 && changed)
    *changed = n;
  return rc;
}

int fs__wipe_mark(fs_central *c, int64_t device, const char *detail) {
  int marked = 0, rc = fs__device_set_wiped(c, device, &marked);

  if (rc || !marked)
    return rc;
  return fs__audit(c, "fieldsyncd", "device.wiped", NULL, NULL, (long long)device, detail,
                   NULL);
}
