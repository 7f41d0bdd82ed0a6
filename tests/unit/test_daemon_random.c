/* test_daemon_random.c - randomized handover/visibility test (issue 5)
 * against a real fieldsyncd: one manager, four reps, one or two devices
 * each; rounds of random offline edits (new cards, field edits, visits),
 * random syncs, and now and then a transfer, cover, loan, the end of a
 * cover or loan, or a departure (at most one; a new rep is hired then).
 *
 * Invariants, checked on the replica files:
 *   - after every sync: every record on the device is visible to its staff
 *     member at that time (own, the team's for the manager, an active
 *     cover's, an active loan's);
 *   - at the end (covers and loans ended, everyone synced twice): every
 *     replica equals the daemon's view for its staff member; every visit a
 *     device created is in the central store (no accepted change lost);
 *     the audit log names every handover, transfer, cover and loan.
 *
 * Adversaries (issue 11): every rep also has a hostile device (its own
 * enrolled key, driven through the wire client of wiretest.h, never by
 * libfieldsync).  Now and then it pushes edits and deletes of cards that
 * were handed over away from its rep, with fresh or backdated clocks, in
 * sessions of its own; some adversaries are revoked and keep trying, the
 * departed rep's keeps trying.  After every round, on the central store:
 * nothing any adversary wrote is stamped after its device lost the right
 * to write it (the owner of the record at the change's clock was the
 * adversary's rep, and a revoked or departed device wrote nothing stamped
 * after the revoke or departure); no adversary delete was ever applied; no
 * change stamped after the move was accepted.  A refusal at any step
 * (handshake, ERROR, closed connection) is a refusal.
 *
 * The seed is printed; FS_TEST_SEED=N repeats a run.  The rounds stop after
 * FS_TEST_SECONDS (default 40) seconds.
 */
#include "daemontest.h"
#include "wiretest.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "db.h"
#include "fs_errno.h"
#include "hlc.h"
#include "fieldsync.h"
#include "replica.h"
#include "store.h"

#define MAX_DEV 24
#define MAX_STAFF 12
#define MAX_VISITS 4096

typedef struct dev {
  char staff[8];
  char name[24];
  fs_replica *r;
  int wiped;
  uint64_t rejected; /* changes the daemon rejected, over all syncs */
} dev;

/* A hostile device of a rep (see the file comment). */
typedef struct adv {
  char staff[8];
  char name[24]; /* replica directory holding its key */
  uint64_t device_id;
  int64_t revoked_ms; /* the test's clock just before `revoke`; 0 if not */
  uint64_t counter;   /* its next change counter */
} adv;

typedef struct world {
  fs_test_world tw; /* first: daemontest.h */
  uint64_t rng;
  dev devs[MAX_DEV];
  int ndev;
  char reps[MAX_STAFF][8];
  int departed[MAX_STAFF];
  int nreps;
  struct {
    char id[33];
    char cust[33];
    int dev;
    int64_t at; /* ms it was made */
  } visits[MAX_VISITS];
  adv advs[MAX_STAFF];
  int nadv;
  int n_adv_push, n_adv_refused, n_adv_landed, n_revoked;
  int nvisits;
  int n_transfer, n_depart, n_cover, n_loan, n_syncs, n_checks, n_edits;
  char departed_code[8];
} world;

static const char *const TABLES[] = {"customers", "grade_changes", "contacts", "visits",
                                     "opportunities", "showroom_log", "lost_reviews"};
#define NTABLES ((int)(sizeof(TABLES) / sizeof(TABLES[0])))

static uint64_t rnd(world *w) {
  /* xorshift64* */
  w->rng ^= w->rng >> 12;
  w->rng ^= w->rng << 25;
  w->rng ^= w->rng >> 27;
  return w->rng * 2685821657736338717ULL;
}

static int pick(world *w, int n) { return n > 0 ? (int)(rnd(w) % (uint64_t)n) : 0; }

/* ---- files --------------------------------------------------------------- */

static char *central_path(world *w) {
  return fs_test_path(w->tw.d.dir, "central.db");
}

static sqlite3 *central_open(world *w) {
  char *p = central_path(w);
  sqlite3 *db = NULL;
  assert_int_equal(sqlite3_open_v2(p, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_URI, NULL),
                   SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  free(p);
  return db;
}

static char *db_text(sqlite3 *db, const char *sql) {
  sqlite3_stmt *st = NULL;
  char *v;
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
    fail_msg("%s: %s", sql, sqlite3_errmsg(db));
  if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
    v = strdup((const char *)sqlite3_column_text(st, 0));
  else
    v = strdup("");
  assert_non_null(v);
  sqlite3_finalize(st);
  return v;
}

static long long db_int(sqlite3 *db, const char *sql) {
  char *t = db_text(db, sql);
  long long v = *t ? atoll(t) : -1;
  free(t);
  return v;
}

/* Opens central.db with the replica of device i attached as r. */
static sqlite3 *central_with(world *w, int i) {
  sqlite3 *db = central_open(w);
  char sql[1200];
  char *msg = NULL;
  snprintf(sql, sizeof(sql), "ATTACH 'file:%s/%s/replica.db?mode=ro' AS r", w->tw.tmp,
           w->devs[i].name);
  if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
    fail_msg("%s: %s", sql, msg ? msg : "?");
  sqlite3_free(msg);
  return db;
}

/* ---- staff and devices ------------------------------------------------- */

static void add_device(world *w, const char *staff) {
  char *token = fs_test_daemon_cmd(&w->tw.d, NULL, "enroll %s", staff);
  dev *d = &w->devs[w->ndev];
  char *dir, err[512];
  fs_identity id;
  int rc;

  assert_true(w->ndev < MAX_DEV);
  snprintf(d->staff, sizeof(d->staff), "%s", staff);
  snprintf(d->name, sizeof(d->name), "dev%02d_%s", w->ndev, staff);
  dir = fs_test_path(w->tw.tmp, d->name);
  rc = fs_enroll(dir, token, 5000, &id, err, sizeof(err));
  if (rc)
    fail_msg("enroll %s: %s", staff, err);
  assert_int_equal(fs_replica_open(dir, &d->r), 0);
  free(dir);
  free(token);
  w->ndev++;
}

/* Enrolls the hostile device of staff (not in the library's rotation). */
static void add_adversary(world *w, const char *staff) {
  char *token = fs_test_daemon_cmd(&w->tw.d, NULL, "enroll %s", staff);
  adv *a = &w->advs[w->nadv];
  char *dir, err[512];
  fs_identity id;
  fs_replica *r = NULL;
  int rc;

  assert_true(w->nadv < MAX_STAFF);
  memset(a, 0, sizeof(*a));
  snprintf(a->staff, sizeof(a->staff), "%s", staff);
  snprintf(a->name, sizeof(a->name), "adv%02d_%s", w->nadv, staff);
  dir = fs_test_path(w->tw.tmp, a->name);
  rc = fs_enroll(dir, token, 5000, &id, err, sizeof(err));
  if (rc)
    fail_msg("enroll adversary %s: %s", staff, err);
  a->device_id = id.device_id;
  a->counter = 1;
  assert_int_equal(fs_replica_open(dir, &r), 0);
  fs_replica_close(r); /* only its key is used, through the wire */
  free(dir);
  free(token);
  w->nadv++;
}

static void hire(world *w, const char *code) {
  char *out = fs_test_daemon_cmd(
      &w->tw.d, NULL, "staff add %s --name 'Rep %s' --manager M01", code, code);
  int ndev = 1 + pick(w, 2);
  free(out);
  assert_true(w->nreps < MAX_STAFF);
  snprintf(w->reps[w->nreps], sizeof(w->reps[0]), "%s", code);
  w->departed[w->nreps++] = 0;
  for (int i = 0; i < ndev; i++)
    add_device(w, code);
  add_adversary(w, code);
}

static int setup(void **state) {
  const char *env = getenv("FS_TEST_SEED");
  uint64_t seed = env && *env ? strtoull(env, NULL, 10) : (uint64_t)time(NULL);
  world *w;

  printf("random: seed %llu (repeat with FS_TEST_SEED=%llu)\n", (unsigned long long)seed,
         (unsigned long long)seed);
  fs_test_world_setup_size(state, sizeof(world),
                           "staff add M01 --name '王经理' --role manager", NULL);
  w = *state;
  w->rng = seed * 0x9E3779B97F4A7C15ULL + 1;
  add_device(w, "M01");
  for (int i = 1; i <= 4; i++) {
    char code[16];
    snprintf(code, sizeof(code), "A%02d", i);
    hire(w, code);
  }
  return 0;
}

static int teardown(void **state) {
  world *w = *state;
  for (int i = 0; i < w->ndev; i++)
    fs_replica_close(w->devs[i].r);
  return fs_test_world_teardown(state);
}

static int is_manager(const char *staff) { return strcmp(staff, "M01") == 0; }

/* ---- offline edits ----------------------------------------------------- */

/* A random customer id held by the device (any owner), or 0. */
static int held_customer(world *w, dev *d, char id[33]) {
  char *v = db_text(fs__replica_db(d->r),
                    "SELECT id FROM customers WHERE deleted=0 ORDER BY random() LIMIT 1");
  int ok = strlen(v) == 32;
  (void)w;
  if (ok)
    snprintf(id, 33, "%s", v);
  free(v);
  return ok;
}

static void edit_offline(world *w, int di) {
  dev *d = &w->devs[di];
  static const char *const grades[] = {"A", "B", "C", "O"};
  char cust[33], id[33], text[64];
  fs_record *rec = NULL;
  int op = pick(w, 3), rc;

  if (op > 0 && !held_customer(w, d, cust))
    op = 0;
  if (op == 0) {
    assert_int_equal(fs_record_new("customer", &rec), 0);
    snprintf(text, sizeof(text), "客户 %s %llu", d->staff, (unsigned long long)(rnd(w) % 100000));
    assert_int_equal(fs_record_set(rec, "name", text), 0);
    assert_int_equal(fs_record_set(rec, "grade", grades[pick(w, 4)]), 0);
    rc = fs_create(d->r, rec, id);
    if (rc)
      fail_msg("%s create: %s", d->name, fs_replica_last_error(d->r));
  } else if (op == 1) {
    assert_int_equal(fs_record_new("customer", &rec), 0);
    snprintf(text, sizeof(text), "0%llu", (unsigned long long)(10000000 + rnd(w) % 89999999));
    assert_int_equal(fs_record_set(rec, "phone", text), 0);
    /* May be refused locally (a loaned card, a covered one): that is the
     * library's rule, not a lost change. */
    fs_update(d->r, "customer", cust, rec);
  } else {
    assert_int_equal(fs_record_new("visit", &rec), 0);
    assert_int_equal(fs_record_set(rec, "customer_id", cust), 0);
    assert_int_equal(fs_record_set(rec, "at", "2026-11-20T10:00"), 0);
    assert_int_equal(fs_record_set(rec, "method", "in_person"), 0);
    assert_int_equal(fs_record_set(rec, "points", "random visit"), 0);
    if (fs_create(d->r, rec, id) == 0 && w->nvisits < MAX_VISITS) {
      snprintf(w->visits[w->nvisits].id, 33, "%s", id);
      snprintf(w->visits[w->nvisits].cust, 33, "%s", cust);
      w->visits[w->nvisits].at = (int64_t)fs_wire_now_ms();
      w->visits[w->nvisits++].dev = di;
    }
  }
  w->n_edits++;
  fs_record_free(rec);
}

/* ---- visibility -------------------------------------------------------- */

typedef struct allow {
  char owners[512]; /* SQL list of quoted codes */
  char loans[4096]; /* SQL list of quoted customer ids */
} allow;

static void allow_add(char *list, size_t cap, const char *v) {
  size_t n = strlen(list);
  snprintf(list + n, cap - n, "%s'%s'", n ? "," : "", v);
}

/* What staff may see now, by the daemon's own tables: own, team (a
 * manager), covers not yet ended, loans not yet ended. */
static void allow_snapshot(world *w, const char *staff, allow *a) {
  sqlite3 *db = central_open(w);
  sqlite3_stmt *st = NULL;
  char sql[300];

  a->owners[0] = a->loans[0] = '\0';
  allow_add(a->owners, sizeof(a->owners), staff);
  snprintf(sql, sizeof(sql),
           "SELECT code FROM staff WHERE manager='%s' UNION SELECT absent FROM covers WHERE "
           "by_staff='%s' AND state<2",
           staff, staff);
  assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
  while (sqlite3_step(st) == SQLITE_ROW)
    allow_add(a->owners, sizeof(a->owners), (const char *)sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  snprintf(sql, sizeof(sql), "SELECT customer_id FROM loans WHERE staff='%s' AND ended=0",
           staff);
  assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
  while (sqlite3_step(st) == SQLITE_ROW)
    allow_add(a->loans, sizeof(a->loans), (const char *)sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  sqlite3_close(db);
}

/* Every record on device i is allowed by a (owner as the store has it). */
static void check_visible(world *w, int i, const allow *a) {
  sqlite3 *db = central_with(w, i);
  for (int t = 0; t < NTABLES; t++) {
    char sql[6000];
    const char *cust = t == 0 ? "c.id" : t == 5 ? "NULL" : "c.customer_id";
    long long bad;
    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM r.\"%s\" x JOIN main.\"%s\" c ON c.id=x.id WHERE NOT "
             "(c.owner IN (%s) OR COALESCE(%s,'') IN (%s))",
             TABLES[t], TABLES[t], a->owners, cust, a->loans[0] ? a->loans : "''");
    bad = db_int(db, sql);
    if (bad != 0) {
      char q[1024];
      char *ex;
      snprintf(q, sizeof(q),
               "SELECT c.id||' owner '||c.owner FROM r.\"%s\" x JOIN main.\"%s\" c ON "
               "c.id=x.id WHERE c.owner NOT IN (%s) LIMIT 1",
               TABLES[t], TABLES[t], a->owners);
      ex = db_text(db, q);
      {
        /* The record's history, to tell what went wrong. */
        char id[33] = "", *hist, *cov, *jr;
        snprintf(id, sizeof(id), "%.32s", ex);
        snprintf(q, sizeof(q),
                 "SELECT group_concat(seq||':'||old_owner||'->'||new_owner, ' ') FROM "
                 "ownership_log WHERE record_id='%s'",
                 id);
        hist = db_text(db, q);
        snprintf(q, sizeof(q),
                 "SELECT group_concat(absent||' by '||by_staff||' state '||state, '; ') FROM "
                 "covers WHERE by_staff='%s'",
                 w->devs[i].staff);
        cov = db_text(db, q);
        snprintf(q, sizeof(q),
                 "SELECT group_concat(seq||':'||audience||'/'||op, ' ') FROM journal WHERE "
                 "record_id='%s'",
                 id);
        jr = db_text(db, q);
        printf("random: %s moves [%s]; journal [%s]; covers by %s [%s]\n", id, hist, jr,
               w->devs[i].staff, cov);
        free(hist);
        free(cov);
        free(jr);
      }
      fail_msg("device %s (%s) holds %lld %s it may not see (e.g. %s; allowed owners %s)",
               w->devs[i].name, w->devs[i].staff, bad, TABLES[t], ex, a->owners);
    }
  }
  sqlite3_close(db);
  w->n_checks++;
}

static void sync_dev(world *w, int i) {
  dev *d = &w->devs[i];
  char err[512];
  fs_sync_stats st;
  allow a;
  int rc;

  if (d->wiped)
    return;
  allow_snapshot(w, d->staff, &a);
  memset(&st, 0, sizeof(st));
  rc = fs_sync(d->r, NULL, &st, err, sizeof(err));
  w->n_syncs++;
  d->rejected += st.rejected;
  if (strcmp(d->staff, w->departed_code) == 0) {
    /* A departed rep's device: final upload, then erased. */
    if (rc != FS_EREVOKED || !st.wiped)
      fail_msg("%s of departed %s: sync rc %d (%s), wiped %d", d->name, d->staff, rc, err,
               st.wiped);
    d->wiped = 1;
    for (int t = 0; t < NTABLES; t++) {
      char sql[100];
      snprintf(sql, sizeof(sql), "SELECT count(*) FROM \"%s\"", TABLES[t]);
      assert_int_equal(db_int(fs__replica_db(d->r), sql), 0);
    }
    return;
  }
  if (rc)
    fail_msg("%s: sync failed: %s (%s)", d->name, err, fs_strerror(rc));
  check_visible(w, i, &a);
}

/* ---- admin events ------------------------------------------------------ */

static const char *active_rep(world *w, const char *not) {
  for (int tries = 0; tries < 50; tries++) {
    int i = pick(w, w->nreps);
    if (!w->departed[i] && (not == NULL || strcmp(w->reps[i], not) != 0))
      return w->reps[i];
  }
  return NULL;
}

static void adversary_revoke(world *w);

static void admin_event(world *w) {
  int ev = pick(w, 10);
  char sql[300], today[16], yesterday[16];
  char *out, *id;
  const char *a, *b;
  int status = 0;

  fs_test_day(today, 0);
  fs_test_day(yesterday, -1);
  a = active_rep(w, NULL);
  b = a ? active_rep(w, a) : NULL;
  if (a == NULL || b == NULL)
    return;
  if (ev <= 2) {
    /* Transfer one or two of a's customers to b. */
    snprintf(sql, sizeof(sql),
             "SELECT group_concat('--customer '||id, ' ') FROM (SELECT id FROM customers "
             "WHERE owner='%s' AND deleted=0 ORDER BY random() LIMIT %d)",
             a, 1 + pick(w, 2));
    id = fs_test_central_text(&w->tw.d, sql);
    if (*id) {
      out = fs_test_daemon_cmd(&w->tw.d, NULL, "transfer --yes --from %s --to %s %s", a, b, id);
      free(out);
      w->n_transfer++;
    }
    free(id);
  } else if (ev <= 4) {
    /* A second cover of a on days already covered is refused (issue 15). */
    out = fs_test_daemon_cmd(&w->tw.d, &status, "cover %s --by %s --from %s --to %s", a, b,
                             today, today);
    free(out);
    if (status == 0)
      w->n_cover++;
    else
      assert_true(fs_test_central_intf(&w->tw.d,
                                       "SELECT count(*) FROM covers WHERE absent='%s' AND "
                                       "state<2 AND from_day<='%s' AND to_day>='%s'",
                                       a, today, today) > 0);
  } else if (ev <= 6) {
    snprintf(sql, sizeof(sql),
             "SELECT id FROM customers WHERE owner<>'%s' AND deleted=0 ORDER BY random() "
             "LIMIT 1",
             b);
    id = fs_test_central_text(&w->tw.d, sql);
    if (*id) {
      out = fs_test_daemon_cmd(&w->tw.d, NULL, "lend %s --to %s --days 1", id, b);
      free(out);
      w->n_loan++;
    }
    free(id);
  } else if (ev == 7) {
    /* A cover or loan ends by itself at the daemon's next sweep. */
    snprintf(sql, sizeof(sql),
             "UPDATE covers SET from_day='%s', to_day='%s' WHERE id=(SELECT id FROM covers "
             "WHERE state<2 ORDER BY random() LIMIT 1)",
             yesterday, yesterday);
    fs_test_central_exec(&w->tw.d, sql);
    fs_test_central_exec(
        &w->tw.d,
        "UPDATE loans SET until=1000 WHERE id=(SELECT id FROM loans WHERE ended=0 "
        "ORDER BY random() LIMIT 1)");
    out = fs_test_daemon_cmd(&w->tw.d, &status, "sweep"); /* if the CLI has it */
    free(out);
  } else if (ev == 9) {
    adversary_revoke(w);
  } else if (ev == 8 && w->n_depart == 0) {
    char code[16];
    int succ = pick(w, 2);
    out = fs_test_daemon_cmd(&w->tw.d, NULL, "depart --yes %s%s%s --reason 'random departure'",
                             a, succ ? " --successor " : "", succ ? b : "");
    free(out);
    snprintf(w->departed_code, sizeof(w->departed_code), "%s", a);
    for (int i = 0; i < w->nreps; i++)
      if (strcmp(w->reps[i], a) == 0)
        w->departed[i] = 1;
    w->n_depart++;
    snprintf(code, sizeof(code), "A%02d", (w->nreps + 1) % 100);
    hire(w, code);
  }
}

/* ---- adversaries ------------------------------------------------------- */

/* One PUSH of ch in a session of its own from adversary a.  The outcome,
 * or REJECTED if refused at any step (handshake, ERROR, closed). */
static int adv_push(world *w, adv *a, fs_change *ch) {
  fs_wire_dev h;
  fs_wire_hello hello;
  int oc = FS_OUTCOME_REJECTED, code = 0, rc;

  memset(&hello, 0, sizeof(hello));
  hello.outbox = 1000; /* "a big outbox": stay for more */
  fs_wire_load(&h, w->tw.tmp, a->name);
  rc = fs_wire_open(&h, &hello);
  if (rc == 0)
    rc = fs_wire_push(&h, ch, 1, 1000, &oc, &code, NULL);
  fs_wire_free(&h);
  w->n_adv_push++;
  if (rc || oc == FS_OUTCOME_REJECTED) {
    w->n_adv_refused++;
    return FS_OUTCOME_REJECTED;
  }
  return oc;
}

/* An adversary tries once: an edit or a delete of a card handed over away
 * from its rep, stamped now or backdated to before the move. */
static void adversary_try(world *w) {
  adv *a = &w->advs[pick(w, w->nadv)];
  const char *S = a->staff;
  char sql[1200], id[33];
  char *row;
  long long moved;
  int op = pick(w, 4), fresh = op == 0 || op == 2, oc;
  uint64_t hlc;
  fs_change ch;

  snprintf(
      sql, sizeof(sql),
      "SELECT c.id||' '||(SELECT max(o.at) FROM ownership_log o WHERE o.kind=%d AND "
      "o.record_id=c.id AND o.old_owner='%s') FROM customers c WHERE c.deleted=0 AND "
      "c.owner<>'%s' AND EXISTS (SELECT 1 FROM ownership_log o WHERE o.kind=%d AND "
      "o.record_id=c.id AND o.old_owner='%s') AND NOT EXISTS (SELECT 1 FROM covers v "
      "WHERE v.by_staff='%s' AND v.absent=c.owner AND v.state<2) "
      "ORDER BY random() LIMIT 1",
      (int)FS_KIND_CUSTOMER, S, S, (int)FS_KIND_CUSTOMER, S, S);
  row = fs_test_central_text(&w->tw.d, sql);
  if (strlen(row) < 34) {
    free(row);
    return;
  }
  snprintf(id, sizeof(id), "%.32s", row);
  moved = atoll(row + 33);
  free(row);
  if (fresh)
    hlc = (fs_wire_now_ms() << 16) | (uint64_t)pick(w, 1000);
  else
    hlc = ((uint64_t)(moved - 1 - pick(w, 600000)) << 16) | (uint64_t)pick(w, 1000);
  fs_wire_change_init(&ch, FS_KIND_CUSTOMER, id, S, a->counter++, hlc);
  if (op >= 2)
    ch.op = FS_OP_DELETE;
  else
    fs_wire_change_set(&ch, pick(w, 2) ? "phone" : "name", "written by a hostile device");
  oc = adv_push(w, a, &ch);
  fs_wire_change_release(&ch);
  if (oc == FS_OUTCOME_APPLIED || oc == FS_OUTCOME_MERGED)
    w->n_adv_landed++;
  /* Stamped after the move: never accepted.  A delete: never applied. */
  if (fresh && (int64_t)fs__hlc_ms(hlc) > moved && oc != FS_OUTCOME_REJECTED)
    fail_msg("adversary %s (%s): a change to %s stamped after its move (at %lld) got "
             "outcome %d",
             a->name, S, id, moved, oc);
  if (op >= 2 && (oc == FS_OUTCOME_APPLIED || oc == FS_OUTCOME_MERGED))
    fail_msg("adversary %s (%s): a delete of handed-over %s was applied", a->name, S, id);
}

/* Revokes a random adversary (sometimes with --wipe); it keeps trying. */
static void adversary_revoke(world *w) {
  adv *a = &w->advs[pick(w, w->nadv)];
  int wipe = pick(w, 2);
  char *out;

  if (a->revoked_ms)
    return;
  a->revoked_ms = (int64_t)fs_wire_now_ms();
  out = fs_test_daemon_cmd(&w->tw.d, NULL, "revoke %llu%s",
                           (unsigned long long)a->device_id, wipe ? " --wipe" : "");
  free(out);
  w->n_revoked++;
}

/* The invariant on the central store: for every change an adversary got
 * applied (applied/merged), its rep owned the record at the change's
 * clock (the old owner of the first move at or after it, else the owner
 * now) or stood in for that owner, and nothing is stamped after the
 * device was revoked or its rep departed. */
static void check_adversaries(world *w) {
  for (int i = 0; i < w->nadv; i++) {
    adv *a = &w->advs[i];
    char sql[2000];
    long long bad, lost = a->revoked_ms;
    snprintf(sql, sizeof(sql),
             "SELECT COALESCE(departed_at, 0) FROM staff WHERE code='%s' AND "
             "status='departed'",
             a->staff);
    {
      long long dep = fs_test_central_int(&w->tw.d, sql);
      if (dep > 0 && (lost == 0 || dep < lost))
        lost = dep;
    }
    snprintf(
        sql, sizeof(sql),
        "WITH x AS (SELECT a.hlc>>16 AS t, COALESCE((SELECT o.old_owner FROM "
        "ownership_log o WHERE o.kind=a.kind AND o.record_id=a.record_id AND "
        "o.at>=(a.hlc>>16) ORDER BY o.id LIMIT 1), (SELECT c.owner FROM customers c "
        "WHERE c.id=a.record_id)) AS who FROM applied a WHERE a.device_id=%llu AND "
        "a.outcome IN (1,2)) SELECT count(*) FROM x WHERE t>%lld OR (who<>'%s' AND NOT "
        "EXISTS (SELECT 1 FROM covers v WHERE v.by_staff='%s' AND v.absent=x.who))",
        (unsigned long long)a->device_id, lost ? lost : 9000000000000000LL, a->staff,
        a->staff);
    bad = fs_test_central_int(&w->tw.d, sql);
    if (bad != 0)
      fail_msg(
          "adversary %s (%s): %lld change(s) written after the device lost the right to "
          "write (revoked %lld, lost %lld)",
          a->name, a->staff, bad, (long long)a->revoked_ms, lost);
  }
}

/* 1 if the daemon may rightly refuse a change staff made at ms `at` to
 * customer cust (issue 11: a fence admits only work made before the move):
 * the card had left the staff, or left a rep the staff stood in for, the
 * staff had departed, or a cover by the staff had ended. */
static int lost_right(world *w, const char *staff, const char *cust, int64_t at) {
  char sql[1000];
  snprintf(
      sql, sizeof(sql),
      "SELECT (SELECT count(*) FROM ownership_log WHERE kind=%d AND record_id='%s' AND "
      "(old_owner='%s' OR old_owner IN (SELECT absent FROM covers WHERE by_staff='%s')) "
      "AND at<=%lld) + (SELECT count(*) FROM staff WHERE code='%s' AND "
      "status='departed' AND departed_at<=%lld) + (SELECT count(*) FROM covers WHERE "
      "by_staff='%s' AND state=2 AND COALESCE(ended_at,0)<=%lld)",
      (int)FS_KIND_CUSTOMER, cust, staff, staff, (long long)at, staff, (long long)at, staff,
      (long long)at);
  return fs_test_central_int(&w->tw.d, sql) > 0;
}

/* ---- final checks ------------------------------------------------------ */

static void check_equal_view(world *w, int i) {
  dev *d = &w->devs[i];
  char owners[512] = "", sql[1400];
  sqlite3 *db = central_with(w, i);

  allow_add(owners, sizeof(owners), d->staff);
  if (is_manager(d->staff))
    for (int k = 0; k < w->nreps; k++)
      allow_add(owners, sizeof(owners), w->reps[k]);
  for (int t = 0; t < NTABLES; t++) {
    char *mine, *theirs;
    const char *cols = t == 0 ? "id||'|'||name||'|'||COALESCE(phone,'')||'|'||grade||'|'||owner"
                              : "id||'|'||owner||'|'||author";
    /* A record with a rejected change keeps the device's value locally
     * (the rep sees it under `outbox --rejected`), e.g. a visit made on a
     * card that was away from the rep at the time and has come back:
     * compare everything else. */
    snprintf(sql, sizeof(sql),
             "SELECT count(*)||':'||COALESCE(group_concat(x, ';'),'') FROM (SELECT %s AS x "
             "FROM main.\"%s\" WHERE deleted=0 AND owner IN (%s) AND id NOT IN (SELECT "
             "record_id FROM r.outbox WHERE status='rejected') ORDER BY id)",
             cols, TABLES[t], owners);
    theirs = db_text(db, sql);
    snprintf(sql, sizeof(sql),
             "SELECT count(*)||':'||COALESCE(group_concat(x, ';'),'') FROM (SELECT %s AS x "
             "FROM r.\"%s\" WHERE deleted=0 AND id NOT IN (SELECT record_id FROM r.outbox "
             "WHERE status='rejected') ORDER BY id)",
             cols, TABLES[t]);
    mine = db_text(db, sql);
    if (strcmp(mine, theirs) != 0)
      fail_msg("%s (%s): %s differ from the daemon's view:\n replica %.300s\n daemon  %.300s",
               d->name, d->staff, TABLES[t], mine, theirs);
    free(mine);
    free(theirs);
  }
  sqlite3_close(db);
}

static void test_random(void **state) {
  world *w = *state;
  const char *env = getenv("FS_TEST_SECONDS");
  int seconds = env && *env ? atoi(env) : 40;
  time_t start = time(NULL);
  int rounds = 0, lost = 0;
  char sql[300], yesterday[16];

  while (time(NULL) - start < seconds && rounds < 2000) {
    int n = 1 + pick(w, 3);
    rounds++;
    for (int k = 0; k < n; k++) {
      int di = pick(w, w->ndev), m = 1 + pick(w, 4);
      for (int j = 0; !w->devs[di].wiped && j < m; j++)
        edit_offline(w, di);
    }
    n = 1 + pick(w, 3);
    for (int k = 0; k < n; k++)
      sync_dev(w, pick(w, w->ndev));
    if (pick(w, 100) < 20)
      admin_event(w);
    for (int k = pick(w, 3); k > 0; k--)
      adversary_try(w);
    check_adversaries(w);
  }
  /* End every cover and loan, then everyone syncs twice. */
  fs_test_day(yesterday, -1);
  snprintf(sql, sizeof(sql), "UPDATE covers SET from_day='%s', to_day='%s' WHERE state<2",
           yesterday, yesterday);
  fs_test_central_exec(&w->tw.d, sql);
  fs_test_central_exec(&w->tw.d, "UPDATE loans SET until=1000 WHERE ended=0");
  fs_test_sweep_until(
      &w->tw.d,
      "SELECT (SELECT count(*) FROM covers WHERE state<2) + (SELECT count(*) FROM "
      "loans WHERE ended=0)",
      0, 0);
  for (int pass = 0; pass < 2; pass++)
    for (int i = 0; i < w->ndev; i++)
      sync_dev(w, i);
  /* Every replica equals the daemon's view for its staff member. */
  for (int i = 0; i < w->ndev; i++)
    if (!w->devs[i].wiped)
      check_equal_view(w, i);
  /* No accepted change lost: every visit a device created is stored,
   * unless the daemon rejected it (then the device keeps it as rejected). */
  for (int v = 0; v < w->nvisits; v++) {
    dev *d = &w->devs[w->visits[v].dev];
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM visits WHERE id='%s'", w->visits[v].id);
    if (fs_test_central_int(&w->tw.d, sql) == 1)
      continue;
    if (!d->wiped) {
      snprintf(sql, sizeof(sql),
               "SELECT count(*) FROM outbox WHERE record_id='%s' AND status='rejected'",
               w->visits[v].id);
      if (db_int(fs__replica_db(d->r), sql) == 1)
        continue;
    }
    /* Made after the device lost the right to write the card: refused
     * (and gone with the wipe, or with the card's eviction). */
    if (lost_right(w, d->staff, w->visits[v].cust, w->visits[v].at))
      continue;
    lost++;
    printf("random: visit %s (customer %s, made at %lld ms) from %s (%s) is not in the "
           "store\n",
           w->visits[v].id, w->visits[v].cust, (long long)w->visits[v].at, d->name, d->staff);
  }
  assert_int_equal(lost, 0);
  /* The audit log names every handover, transfer, cover and loan. */
  assert_int_equal(
      fs_test_central_int(&w->tw.d,
                          "SELECT count(*) FROM audit WHERE action='staff.depart'"),
      w->n_depart);
  if (w->n_depart) {
    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM audit WHERE action='staff.depart' AND staff='%s'",
             w->departed_code);
    assert_int_equal(fs_test_central_int(&w->tw.d, sql), 1);
  }
  assert_int_equal(
      fs_test_central_int(&w->tw.d,
                          "SELECT count(*) FROM audit WHERE action='customers.transfer'"),
      w->n_transfer);
  assert_int_equal(
      fs_test_central_int(&w->tw.d, "SELECT count(*) FROM audit WHERE action='cover'"),
      w->n_cover);
  assert_int_equal(fs_test_central_int(
                       &w->tw.d, "SELECT count(*) FROM audit WHERE action='cover.end'"),
                   w->n_cover);
  assert_int_equal(
      fs_test_central_int(&w->tw.d, "SELECT count(*) FROM audit WHERE action='loan'"),
      w->n_loan);
  assert_int_equal(
      fs_test_central_int(&w->tw.d, "SELECT count(*) FROM audit WHERE action='loan.end'"),
      w->n_loan);
  {
    uint64_t rej = 0;
    for (int i = 0; i < w->ndev; i++)
      rej += w->devs[i].rejected;
    printf("random: %d rounds, %d devices, %d offline edits (%d visits), %d syncs with %d "
           "visibility checks, %d transfers, %d covers, %d loans, %d departures (%s); %llu "
           "changes rejected; every replica equals the daemon's view, no visit lost, audit "
           "complete\n",
           rounds, w->ndev, w->n_edits, w->nvisits, w->n_syncs, w->n_checks, w->n_transfer,
           w->n_cover, w->n_loan, w->n_depart, w->n_depart ? w->departed_code : "-",
           (unsigned long long)rej);
    printf("random: adversaries: %d devices (%d revoked) pushed %d hostile changes, %d "
           "refused, %d landed through an open fence (stamped before the move); nothing "
           "written after a device lost the right to write\n",
           w->nadv, w->n_revoked, w->n_adv_push, w->n_adv_refused, w->n_adv_landed);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_random, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
