/* test_common_store.c - row storage and the field-level merge: both
 * application orders of concurrent changes converge to the same row, losers
 * are reported, retries are idempotent, append-only records never change,
 * tombstones win, text survives byte for byte, short clock blobs are read. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "fs_errno.h"
#include "model.h"
#include "store.h"

#define H(n) ((uint64_t)(1767225600000ULL << 16) + (n)) /* HLCs in 2026 */
#define ID1 "0190a1b2c3d4e5f60718293a4b5c6d7e"
#define ID2 "0190a1b2c3d4e5f60718293a4b5c6d7f"
#define CN_NAME "王小明 汽车销售有限公司"

typedef struct fixture {
  char *dir;
  sqlite3 *a, *b; /* two replicas of the same role */
} fixture;

static int setup(void **state) {
  fixture *fx = calloc(1, sizeof(*fx));
  char *p;

  assert_non_null(fx);
  fx->dir = fs_test_tmpdir();
  p = fs_test_path(fx->dir, "a.db");
  assert_int_equal(fs__db_open(p, 1, FS_SCHEMA_DAEMON, &fx->a), 0);
  free(p);
  p = fs_test_path(fx->dir, "b.db");
  assert_int_equal(fs__db_open(p, 1, FS_SCHEMA_DAEMON, &fx->b), 0);
  free(p);
  *state = fx;
  return 0;
}

static int teardown(void **state) {
  fixture *fx = *state;

  fs__db_close(fx->a);
  fs__db_close(fx->b);
  fs_test_rmdir(fx->dir);
  free(fx);
  return 0;
}

/* ---- building changes -------------------------------------------------- */

static void change_init(fs_change *c, fs_kind k, const char *id, fs_op op,
                        uint64_t dev, uint64_t counter) {
  memset(c, 0, sizeof(*c));
  c->kind = k;
  strcpy(c->id, id);
  c->op = op;
  strcpy(c->owner, "A01");
  strcpy(c->author, "A01");
  c->device_id = dev;
  c->counter = counter;
}

static fs_field_change *change_add(fs_change *c, const char *field, uint64_t hlc) {
  fs_field_change *fc;
  int f = fs__field_index(fs__kind_def(c->kind), field);

  assert_true(f >= 0);
  c->fields = realloc(c->fields, (size_t)(c->nfields + 1) * sizeof(*c->fields));
  assert_non_null(c->fields);
  fc = &c->fields[c->nfields++];
  memset(fc, 0, sizeof(*fc));
  fc->field = f;
  fc->hlc = hlc;
  if (hlc > c->hlc)
    c->hlc = hlc;
  return fc;
}

static void add_text(fs_change *c, const char *field, uint64_t hlc, const char *s) {
  assert_int_equal(fs__value_set_text(&change_add(c, field, hlc)->value, s, strlen(s)), 0);
}

static void add_int(fs_change *c, const char *field, uint64_t hlc, int64_t i) {
  fs__value_set_int(&change_add(c, field, hlc)->value, i);
}

static int fidx(fs_kind k, const char *field) {
  return fs__field_index(fs__kind_def(k), field);
}

/* ---- recording conflicts ----------------------------------------------- */

typedef struct rec {
  int n;
  int field[16];
  char loser[16][64];
  uint64_t loser_hlc[16], winner_hlc[16];
  int incoming_lost[16];
} rec;

static void on_conflict(void *arg, const fs_change *c, int field, const fs_value *loser,
                        uint64_t loser_hlc, const fs_value *winner, uint64_t winner_hlc) {
  rec *r = arg;
  (void)winner;
  assert_true(r->n < 16);
  r->field[r->n] = field;
  snprintf(r->loser[r->n], sizeof(r->loser[0]), "%s",
           loser->type == FS_V_TEXT ? loser->s : "");
  r->loser_hlc[r->n] = loser_hlc;
  r->winner_hlc[r->n] = winner_hlc;
  r->incoming_lost[r->n] = 0;
  for (int i = 0; i < c->nfields; i++)
    if (loser == &c->fields[i].value)
      r->incoming_lost[r->n] = 1;
  r->n++;
}

static fs_outcome apply(sqlite3 *db, const fs_change *c, uint64_t seq, rec *r) {
  fs_outcome oc = 0;
  assert_int_equal(fs__store_apply(db, c, seq, on_conflict, r, &oc), 0);
  return oc;
}

static void create_customer(sqlite3 *db, const char *id, uint64_t hlc) {
  fs_change c;
  rec r = {0};

  change_init(&c, FS_KIND_CUSTOMER, id, FS_OP_UPSERT, 1, 1);
  add_text(&c, "name", hlc, "Acme");
  add_text(&c, "grade", hlc, "B");
  assert_int_equal(apply(db, &c, 0, &r), FS_OUTCOME_APPLIED);
  assert_int_equal(r.n, 0);
  fs__change_release(&c);
}

static void assert_rows_equal(const fs_row *x, const fs_row *y) {
  assert_string_equal(x->id, y->id);
  assert_string_equal(x->owner, y->owner);
  assert_string_equal(x->author, y->author);
  assert_int_equal(x->deleted, y->deleted);
  assert_int_equal(x->hlc, y->hlc);
  assert_int_equal(x->nfields, y->nfields);
  for (int i = 0; i < x->nfields; i++) {
    assert_int_equal(x->clk[i], y->clk[i]);
    assert_true(fs__value_equal(&x->values[i], &y->values[i]));
  }
}

static void assert_text(const fs_row *r, fs_kind k, const char *field, const char *s) {
  const fs_value *v = &r->values[fidx(k, field)];
  assert_int_equal(v->type, FS_V_TEXT);
  assert_int_equal(v->len, strlen(s));
  assert_memory_equal(v->s, s, v->len);
}

/* ---- tests ------------------------------------------------------------- */

static void test_create_get_round_trip(void **state) {
  fixture *fx = *state;
  fs_change c;
  fs_row r = {0};
  rec cr = {0};
  fs_outcome oc;

  change_init(&c, FS_KIND_CUSTOMER, ID1, FS_OP_UPSERT, 3, 9);
  strcpy(c.owner, "B02");
  strcpy(c.author, "M01");
  add_text(&c, "name", H(1), "Acme Motors");
  add_text(&c, "grade", H(2), "A");
  add_int(&c, "revenue", H(3), 123456789012LL);
  add_int(&c, "key_account", H(1), 1);
  oc = apply(fx->a, &c, 7, &cr);
  assert_int_equal(oc, FS_OUTCOME_APPLIED);

  assert_int_equal(fs__store_get(fx->a, FS_KIND_CUSTOMER, ID1, &r), 0);
  assert_string_equal(r.id, ID1);
  assert_string_equal(r.owner, "B02");
  assert_string_equal(r.author, "M01");
  assert_int_equal(r.deleted, 0);
  assert_int_equal(r.seq, 7);
  assert_int_equal(r.hlc, H(3));
  assert_text(&r, FS_KIND_CUSTOMER, "name", "Acme Motors");
  assert_text(&r, FS_KIND_CUSTOMER, "grade", "A");
  assert_int_equal(r.values[fidx(FS_KIND_CUSTOMER, "revenue")].type, FS_V_INT);
  assert_int_equal(r.values[fidx(FS_KIND_CUSTOMER, "revenue")].i, 123456789012LL);
  assert_int_equal(r.clk[fidx(FS_KIND_CUSTOMER, "grade")], H(2));
  assert_int_equal(r.values[fidx(FS_KIND_CUSTOMER, "phone")].type, FS_V_NULL);
  assert_int_equal(r.clk[fidx(FS_KIND_CUSTOMER, "phone")], 0);
  assert_int_equal(cr.n, 0);

  /* A second change never alters author or owner. */
  fs__change_release(&c);
  change_init(&c, FS_KIND_CUSTOMER, ID1, FS_OP_UPSERT, 4, 1);
  strcpy(c.owner, "C03");
  strcpy(c.author, "C03");
  add_text(&c, "phone", H(4), "+86 10 1234 5678");
  assert_int_equal(apply(fx->a, &c, 8, &cr), FS_OUTCOME_APPLIED);
  assert_int_equal(fs__store_get(fx->a, FS_KIND_CUSTOMER, ID1, &r), 0);
  assert_string_equal(r.owner, "B02");
  assert_string_equal(r.author, "M01");
  assert_int_equal(r.seq, 8);
  assert_text(&r, FS_KIND_CUSTOMER, "phone", "+86 10 1234 5678");

  assert_int_equal(fs__store_get(fx->a, FS_KIND_CUSTOMER, ID2, &r), FS_ENOTFOUND);
  assert_int_equal(fs__store_get(fx->a, FS_KIND_CONTACT, ID1, &r), FS_ENOTFOUND);
  fs__row_release(&r);
  fs__change_release(&c);
}

static void test_different_fields_both_survive(void **state) {
  fixture *fx = *state;
  fs_change x, y;
  fs_row ra = {0}, rb = {0};
  rec cr = {0};

  create_customer(fx->a, ID1, H(1));
  create_customer(fx->b, ID1, H(1));
  change_init(&x, FS_KIND_CUSTOMER, ID1, FS_OP_UPSERT, 1, 2);
  add_text(&x, "address", H(10), "1 Chang'an Ave");
  change_init(&y, FS_KIND_CUSTOMER, ID1, FS_OP_UPSERT, 2, 1);
  add_text(&y, "phone", H(5), "555-0100");
  add_text(&y, "grade", H(5), "A");

  assert_int_equal(apply(fx->a, &x, 0, &cr), FS_OUTCOME_APPLIED);
  assert_int_equal(apply(fx->a, &y, 0, &cr), FS_OUTCOME_APPLIED);
  assert_int_equal(apply(fx->b, &y, 0, &cr), FS_OUTCOME_APPLIED);
  assert_int_equal(apply(fx->b, &x, 0, &cr), FS_OUTCOME_APPLIED);
  /* grade B -> A overwrites a written value: reported (see store.c). */
  assert_int_equal(cr.n, 2);
  assert_string_equal(cr.loser[0], "B");

  assert_int_equal(fs__store_get(fx->a, FS_KIND_CUSTOMER, ID1, &ra), 0);
  assert_int_equal(fs__store_get(fx->b, FS_KIND_CUSTOMER, ID1, &rb), 0);
  assert_rows_equal(&ra, &rb);
  assert_text(&ra, FS_KIND_CUSTOMER, "address", "1 Chang'an Ave");
  assert_text(&ra, FS_KIND_CUSTOMER, "phone", "555-0100");
  assert_text(&ra, FS_KIND_CUSTOMER, "grade", "A");
  assert_text(&ra, FS_KIND_CUSTOMER, "name", "Acme");
  assert_int_equal(ra.hlc, H(10));
  fs__row_release(&ra);
  fs__row_release(&rb);
  fs__change_release(&x);
  fs__change_release(&y);
}

/* Applies x then y on a and y then x on b; returns both rows and the
 * recorded conflicts. */
static void both_orders(fixture *fx, const fs_change *x, const fs_change *y, fs_row *ra,
                        fs_row *rb, rec *ca, rec *cb, fs_outcome oa[2],
                        fs_outcome ob[2]) {
  oa[0] = apply(fx->a, x, 0, ca);
  oa[1] = apply(fx->a, y, 0, ca);
  ob[0] = apply(fx->b, y, 0, cb);
  ob[1] = apply(fx->b, x, 0, cb);
  assert_int_equal(fs__store_get(fx->a, x->kind, x->id, ra), 0);
  assert_int_equal(fs__store_get(fx->b, x->kind, x->id, rb), 0);
  assert_rows_equal(ra, rb);
}

static void test_same_field_conflict_deterministic(void **state) {
  fixture *fx = *state;
  fs_change x, y;
  fs_row ra = {0}, rb = {0};
  rec ca = {0}, cb = {0};
  fs_outcome oa[2], ob[2];
  int name = fidx(FS_KIND_CUSTOMER, "name");

  create_customer(fx->a, ID1, H(1));
  create_customer(fx->b, ID1, H(1));
  change_init(&x, FS_KIND_CUSTOMER, ID1, FS_OP_UPSERT, 1, 2);
  add_text(&x, "name", H(5), "甲公司");
  change_init(&y, FS_KIND_CUSTOMER, ID1, FS_OP_UPSERT, 2, 1);
  add_text(&y, "name", H(6), "乙公司");
  both_orders(fx, &x, &y, &ra, &rb, &ca, &cb, oa, ob);
  assert_text(&ra, FS_KIND_CUSTOMER, "name", "乙公司");
  assert_int_equal(ra.clk[name], H(6));
  /* order x, y: y overwrites x's value -> x's value reported (stored side). */
  assert_int_equal(oa[1], FS_OUTCOME_APPLIED);
  assert_int_equal(ca.n, 2); /* "Acme" overwritten by x, then x by y */
  assert_string_equal(ca.loser[1], "甲公司");
  assert_int_equal(ca.loser_hlc[1], H(5));
  assert_int_equal(ca.winner_hlc[1], H(6));
  assert_int_equal(ca.incoming_lost[1], 0);
  assert_int_equal(ca.field[1], name);
  /* order y, x: x arrives late and loses. */
  assert_int_equal(ob[1], FS_OUTCOME_SUPERSEDED);
  assert_int_equal(cb.n, 2);
  assert_string_equal(cb.loser[1], "甲公司");
  assert_int_equal(cb.loser_hlc[1], H(5));
  assert_int_equal(cb.incoming_lost[1], 1);
  fs__change_release(&x);
  fs__change_release(&y);

  /* Equal clocks: the tie is broken by value, identically in both orders. */
  memset(&ca, 0, sizeof(ca));
  memset(&cb, 0, sizeof(cb));
  change_init(&x, FS_KIND_CUSTOMER, ID1, FS_OP_UPSERT, 1, 3);
  add_text(&x, "address", H(20), "north");
  change_init(&y, FS_KIND_CUSTOMER, ID1, FS_OP_UPSERT, 2, 2);
  add_text(&y, "address", H(20), "south");
  both_orders(fx, &x, &y, &ra, &rb, &ca, &cb, oa, ob);
  assert_text(&ra, FS_KIND_CUSTOMER, "address", "south");
  assert_int_equal(ca.n, 1);
  assert_int_equal(cb.n, 1);
  assert_string_equal(ca.loser[0], "north");
  assert_string_equal(cb.loser[0], "north");
  fs__change_release(&x);
  fs__change_release(&y);

  /* A change with a winning and a losing field is MERGED. */
  change_init(&x, FS_KIND_CUSTOMER, ID1, FS_OP_UPSERT, 1, 4);
  add_text(&x, "name", H(2), "old name");    /* older than H(6): loses */
  add_text(&x, "industry", H(2), "trucks"); /* never written: wins */
  assert_int_equal(apply(fx->a, &x, 0, &ca), FS_OUTCOME_MERGED);
  fs__change_release(&x);

  fs__row_release(&ra);
  fs__row_release(&rb);
}

/* Bases (store.h fs__write_saw): an overwrite of the value its writer had
 * seen (base == stored field clock) is not reported; an overwrite from any
 * other base, or none, is; an incoming value that loses is reported
 * whatever its base.  The base never changes the row: both orders of two
 * writes end with the same row with or without bases. */
static void test_base_decides_only_the_report(void **state) {
  fixture *fx = *state;
  fs_change x, y;
  fs_row ra = {0}, rb = {0}, rn = {0};
  rec ca = {0}, cb = {0};
  fs_outcome oa[2], ob[2];

  assert_false(fs__write_saw(NULL, H(1)));
  create_customer(fx->a, ID1, H(1));
  create_customer(fx->b, ID1, H(1));
  create_customer(fx->a, ID2, H(1));
  /* Sequential: x had seen the create, y had seen x. */
  change_init(&x, FS_KIND_CUSTOMER, ID1, FS_OP_UPSERT, 1, 2);
  add_text(&x, "name", H(5), "seen create");
  x.fields[0].base = H(1);
  assert_true(fs__write_saw(&x.fields[0], H(1)));
  assert_false(fs__write_saw(&x.fields[0], H(2)));
  change_init(&y, FS_KIND_CUSTOMER, ID1, FS_OP_UPSERT, 2, 1);
  add_text(&y, "name", H(6), "seen x");
  y.fields[0].base = H(5);
  assert_int_equal(apply(fx->a, &x, 0, &ca), FS_OUTCOME_APPLIED);
  assert_int_equal(apply(fx->a, &y, 0, &ca), FS_OUTCOME_APPLIED);
  assert_int_equal(ca.n, 0);
  /* The same writes in the other order: y (newer) first, then x loses and
   * is reported although its base is right: it did not win. */
  assert_int_equal(apply(fx->b, &y, 0, &cb), FS_OUTCOME_APPLIED);
  assert_int_equal(cb.n, 1); /* y had not seen "Acme" at H(1) */
  assert_int_equal(apply(fx->b, &x, 0, &cb), FS_OUTCOME_SUPERSEDED);
  assert_int_equal(cb.n, 2);
  assert_string_equal(cb.loser[1], "seen create");
  assert_int_equal(cb.incoming_lost[1], 1);
  assert_int_equal(fs__store_get(fx->a, FS_KIND_CUSTOMER, ID1, &ra), 0);
  assert_int_equal(fs__store_get(fx->b, FS_KIND_CUSTOMER, ID1, &rb), 0);
  assert_rows_equal(&ra, &rb);
  fs__change_release(&x);
  fs__change_release(&y);

  /* Concurrent from one base (both had seen "seen x" at H(6)): one report
   * in either order - the overwritten value in one, the lost write in the
   * other - and the later clock wins. */
  memset(&ca, 0, sizeof(ca));
  memset(&cb, 0, sizeof(cb));
  change_init(&x, FS_KIND_CUSTOMER, ID1, FS_OP_UPSERT, 1, 3);
  add_text(&x, "name", H(10), "x from H6");
  x.fields[0].base = H(6);
  change_init(&y, FS_KIND_CUSTOMER, ID1, FS_OP_UPSERT, 2, 2);
  add_text(&y, "name", H(11), "y from H6");
  y.fields[0].base = H(6);
  both_orders(fx, &x, &y, &ra, &rb, &ca, &cb, oa, ob);
  assert_text(&rb, FS_KIND_CUSTOMER, "name", "y from H6");
  assert_true(ca.n == 1 && cb.n == 1);
  assert_string_equal(ca.loser[0], "x from H6");
  assert_string_equal(cb.loser[0], "x from H6");
  assert_int_equal(ca.incoming_lost[0] + cb.incoming_lost[0], 1);
  fs__change_release(&x);
  fs__change_release(&y);

  /* A lying base cannot win: an older write claiming the stored clock as
   * its base loses (and is reported) exactly like one without a base. */
  memset(&ca, 0, sizeof(ca));
  change_init(&x, FS_KIND_CUSTOMER, ID2, FS_OP_UPSERT, 1, 5);
  add_text(&x, "name", H(9), "newer");
  assert_int_equal(apply(fx->a, &x, 0, &ca), FS_OUTCOME_APPLIED);
  assert_int_equal(ca.n, 1); /* no base: "Acme" overwritten, reported */
  fs__change_release(&x);
  change_init(&x, FS_KIND_CUSTOMER, ID2, FS_OP_UPSERT, 2, 5);
  add_text(&x, "name", H(3), "older liar");
  x.fields[0].base = H(9);
  assert_int_equal(apply(fx->a, &x, 0, &ca), FS_OUTCOME_SUPERSEDED);
  assert_int_equal(ca.n, 2);
  assert_string_equal(ca.loser[1], "older liar");
  assert_int_equal(fs__store_get(fx->a, FS_KIND_CUSTOMER, ID2, &rn), 0);
  assert_text(&rn, FS_KIND_CUSTOMER, "name", "newer");
  assert_int_equal(rn.clk[fidx(FS_KIND_CUSTOMER, "name")], H(9));
  fs__change_release(&x);

  fs__row_release(&ra);
  fs__row_release(&rb);
  fs__row_release(&rn);
}

static void test_retry_idempotent(void **state) {
  fixture *fx = *state;
  fs_change x;
  fs_row r1 = {0}, r2 = {0};
  rec cr = {0};

  create_customer(fx->a, ID1, H(1));
  change_init(&x, FS_KIND_CUSTOMER, ID1, FS_OP_UPSERT, 1, 2);
  add_text(&x, "name", H(5), "New name");
  add_int(&x, "growth", H(5), 40);
  assert_int_equal(apply(fx->a, &x, 11, &cr), FS_OUTCOME_APPLIED);
  assert_int_equal(cr.n, 1); /* "Acme" overwritten */
  assert_int_equal(fs__store_get(fx->a, FS_KIND_CUSTOMER, ID1, &r1), 0);
  assert_int_equal(apply(fx->a, &x, 12, &cr), FS_OUTCOME_APPLIED);
  assert_int_equal(cr.n, 1); /* nothing new reported */
  assert_int_equal(fs__store_get(fx->a, FS_KIND_CUSTOMER, ID1, &r2), 0);
  assert_rows_equal(&r1, &r2);
  assert_int_equal(r2.seq, 11); /* nothing changed: seq not re-stamped */
  fs__row_release(&r1);
  fs__row_release(&r2);
  fs__change_release(&x);
}

static void test_append_only_never_overwritten(void **state) {
  fixture *fx = *state;
  fs_change v, w;
  fs_row r = {0};
  rec cr = {0};

  change_init(&v, FS_KIND_VISIT, ID2, FS_OP_UPSERT, 1, 1);
  add_text(&v, "customer_id", H(1), ID1);
  add_text(&v, "at", H(1), "2026-01-05T10:30");
  add_text(&v, "method", H(1), "in_person");
  add_text(&v, "points", H(1), "price of the 7-seater");
  assert_int_equal(apply(fx->a, &v, 1, &cr), FS_OUTCOME_APPLIED);

  change_init(&w, FS_KIND_VISIT, ID2, FS_OP_UPSERT, 2, 1);
  add_text(&w, "points", H(9), "rewritten later");
  add_text(&w, "place", H(9), "showroom"); /* even an unset field */
  assert_int_equal(apply(fx->a, &w, 2, &cr), FS_OUTCOME_SUPERSEDED);
  assert_int_equal(cr.n, 2);
  assert_string_equal(cr.loser[0], "rewritten later");
  assert_int_equal(cr.incoming_lost[0], 1);

  assert_int_equal(fs__store_get(fx->a, FS_KIND_VISIT, ID2, &r), 0);
  assert_text(&r, FS_KIND_VISIT, "points", "price of the 7-seater");
  assert_int_equal(r.values[fidx(FS_KIND_VISIT, "place")].type, FS_V_NULL);
  assert_int_equal(r.seq, 1);
  assert_int_equal(r.hlc, H(1));

  /* A retry of the create is not a conflict. */
  assert_int_equal(apply(fx->a, &v, 3, &cr), FS_OUTCOME_APPLIED);
  assert_int_equal(cr.n, 2);
  fs__change_release(&w);

  /* Nor is the same visit re-sent under a later clock: a duplicate,
   * applied, the row untouched. */
  change_init(&w, FS_KIND_VISIT, ID2, FS_OP_UPSERT, 1, 4);
  add_text(&w, "customer_id", H(5), ID1);
  add_text(&w, "at", H(5), "2026-01-05T10:30");
  add_text(&w, "method", H(5), "in_person");
  add_text(&w, "points", H(5), "price of the 7-seater");
  assert_int_equal(apply(fx->a, &w, 4, &cr), FS_OUTCOME_APPLIED);
  assert_int_equal(cr.n, 2);
  fs__change_release(&w);
  /* The whole visit again with one value changed is superseded as a
   * whole (never "merged"), the changed value logged. */
  change_init(&w, FS_KIND_VISIT, ID2, FS_OP_UPSERT, 1, 5);
  add_text(&w, "customer_id", H(6), ID1);
  add_text(&w, "at", H(6), "2026-01-05T10:30");
  add_text(&w, "method", H(6), "phone");
  add_text(&w, "points", H(6), "price of the 7-seater");
  assert_int_equal(apply(fx->a, &w, 5, &cr), FS_OUTCOME_SUPERSEDED);
  assert_int_equal(cr.n, 3);
  assert_string_equal(cr.loser[2], "phone");
  fs__row_release(&r);
  assert_int_equal(fs__store_get(fx->a, FS_KIND_VISIT, ID2, &r), 0);
  assert_text(&r, FS_KIND_VISIT, "method", "in_person");
  assert_int_equal(r.seq, 1);
  assert_int_equal(r.hlc, H(1));
  fs__row_release(&r);
  fs__change_release(&v);
  fs__change_release(&w);
}

static void test_delete_vs_edit_deterministic(void **state) {
  fixture *fx = *state;
  fs_change e, d;
  fs_row ra = {0}, rb = {0};
  rec ca = {0}, cb = {0};
  fs_outcome oa[2], ob[2];

  create_customer(fx->a, ID1, H(1));
  create_customer(fx->b, ID1, H(1));
  change_init(&e, FS_KIND_CUSTOMER, ID1, FS_OP_UPSERT, 1, 2);
  add_text(&e, "problems", H(30), "late payment"); /* after the delete */
  change_init(&d, FS_KIND_CUSTOMER, ID1, FS_OP_DELETE, 2, 1);
  d.hlc = H(20);
  both_orders(fx, &e, &d, &ra, &rb, &ca, &cb, oa, ob);
  assert_int_equal(ra.deleted, 1);
  assert_int_equal(ra.hlc, H(30));
  assert_int_equal(oa[0], FS_OUTCOME_APPLIED);
  assert_int_equal(oa[1], FS_OUTCOME_APPLIED);
  assert_int_equal(ob[0], FS_OUTCOME_APPLIED);
  assert_int_equal(ob[1], FS_OUTCOME_SUPERSEDED); /* edit meets tombstone */
  /* The edit is reported as the loser in both orders, without its value:
   * a deleted record's content goes into no conflict log. */
  assert_int_equal(ca.n, 1);
  assert_int_equal(cb.n, 1);
  assert_string_equal(ca.loser[0], "");
  assert_string_equal(cb.loser[0], "");
  assert_int_equal(ca.field[0], fidx(FS_KIND_CUSTOMER, "problems"));
  assert_int_equal(cb.field[0], fidx(FS_KIND_CUSTOMER, "problems"));
  assert_int_equal(ca.loser_hlc[0], H(30));
  assert_int_equal(cb.loser_hlc[0], H(30));
  /* The tombstone keeps only what sync needs: every content field is
   * cleared in both orders (the rows are equal, see both_orders), the
   * clocks stay. */
  for (int f = 0; f < ra.nfields; f++)
    assert_int_equal(ra.values[f].type, FS_V_NULL);
  assert_int_equal(ra.clk[fidx(FS_KIND_CUSTOMER, "name")], H(1));
  assert_int_equal(ra.clk[fidx(FS_KIND_CUSTOMER, "problems")], H(30));
  /* A later edit with a far newer clock still loses and brings nothing
   * back. */
  fs__change_release(&e);
  change_init(&e, FS_KIND_CUSTOMER, ID1, FS_OP_UPSERT, 1, 3);
  add_text(&e, "name", H(900), "Resurrected Ltd");
  assert_int_equal(apply(fx->a, &e, 0, &ca), FS_OUTCOME_SUPERSEDED);
  assert_int_equal(fs__store_get(fx->a, FS_KIND_CUSTOMER, ID1, &ra), 0);
  assert_int_equal(ra.deleted, 1);
  assert_int_equal(ra.values[fidx(FS_KIND_CUSTOMER, "name")].type, FS_V_NULL);
  assert_int_equal(ra.clk[fidx(FS_KIND_CUSTOMER, "name")], H(900));

  /* A delete of an id never seen leaves a tombstone; a later create of it
   * is superseded. */
  fs__change_release(&e);
  fs__change_release(&d);
  change_init(&d, FS_KIND_CONTACT, ID2, FS_OP_DELETE, 2, 2);
  d.hlc = H(40);
  assert_int_equal(apply(fx->a, &d, 5, &ca), FS_OUTCOME_APPLIED);
  assert_int_equal(fs__store_get(fx->a, FS_KIND_CONTACT, ID2, &ra), 0);
  assert_int_equal(ra.deleted, 1);
  assert_int_equal(ra.seq, 5);
  assert_int_equal(ra.hlc, H(40));
  change_init(&e, FS_KIND_CONTACT, ID2, FS_OP_UPSERT, 1, 3);
  add_text(&e, "customer_id", H(35), ID1);
  add_text(&e, "name", H(35), "Li Wei");
  assert_int_equal(apply(fx->a, &e, 6, &ca), FS_OUTCOME_SUPERSEDED);
  assert_int_equal(fs__store_get(fx->a, FS_KIND_CONTACT, ID2, &ra), 0);
  assert_int_equal(ra.deleted, 1);
  /* The other order (create, then delete) ends with the same row: the
   * parent key stays, the name is cleared. */
  assert_int_equal(apply(fx->b, &e, 6, &cb), FS_OUTCOME_APPLIED);
  assert_int_equal(apply(fx->b, &d, 5, &cb), FS_OUTCOME_APPLIED);
  assert_int_equal(fs__store_get(fx->b, FS_KIND_CONTACT, ID2, &rb), 0);
  assert_rows_equal(&ra, &rb);
  assert_text(&ra, FS_KIND_CONTACT, "customer_id", ID1);
  assert_int_equal(ra.values[fidx(FS_KIND_CONTACT, "name")].type, FS_V_NULL);
  fs__row_release(&ra);
  fs__row_release(&rb);
  fs__change_release(&e);
  fs__change_release(&d);
}

static void test_chinese_text_bytes(void **state) {
  fixture *fx = *state;
  const char *s = CN_NAME " 🚗 «»";
  fs_change c;
  fs_row r = {0};
  rec cr = {0};
  sqlite3_stmt *st;

  change_init(&c, FS_KIND_CUSTOMER, ID1, FS_OP_UPSERT, 1, 1);
  add_text(&c, "name", H(1), s);
  add_text(&c, "grade", H(1), "O");
  assert_int_equal(apply(fx->a, &c, 0, &cr), FS_OUTCOME_APPLIED);
  assert_int_equal(fs__store_get(fx->a, FS_KIND_CUSTOMER, ID1, &r), 0);
  assert_text(&r, FS_KIND_CUSTOMER, "name", s);
  /* Stored as UTF-8 text, not re-encoded. */
  assert_int_equal(sqlite3_prepare_v2(fx->a, "SELECT CAST(name AS BLOB), typeof(name) "
                                             "FROM customers WHERE id=?",
                                      -1, &st, NULL),
                   SQLITE_OK);
  sqlite3_bind_text(st, 1, ID1, -1, SQLITE_STATIC);
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  assert_int_equal(sqlite3_column_bytes(st, 0), strlen(s));
  assert_memory_equal(sqlite3_column_blob(st, 0), s, strlen(s));
  assert_string_equal((const char *)sqlite3_column_text(st, 1), "text");
  sqlite3_finalize(st);
  fs__row_release(&r);
  fs__change_release(&c);
}

static void test_short_clk_blob(void **state) {
  fixture *fx = *state;
  fs_change c;
  fs_row r = {0};
  rec cr = {0};
  int next = fidx(FS_KIND_CUSTOMER, "next_contact");

  create_customer(fx->a, ID1, H(1));
  /* As if written before fields 2.. existed: one clock entry (archive_no). */
  assert_int_equal(fs__db_exec(fx->a, "UPDATE customers SET clk=x'0700000000000000', "
                                      "next_contact='2026-02-01'"),
                   0);
  assert_int_equal(fs__store_get(fx->a, FS_KIND_CUSTOMER, ID1, &r), 0);
  assert_int_equal(r.clk[0], 7);
  for (int i = 1; i < r.nfields; i++)
    assert_int_equal(r.clk[i], 0);
  /* A missing clock is 0: any write wins and nothing is reported as
   * overwritten. */
  change_init(&c, FS_KIND_CUSTOMER, ID1, FS_OP_UPSERT, 1, 2);
  add_text(&c, "next_contact", H(2), "2026-03-01");
  assert_int_equal(apply(fx->a, &c, 0, &cr), FS_OUTCOME_APPLIED);
  assert_int_equal(cr.n, 0);
  assert_int_equal(fs__store_get(fx->a, FS_KIND_CUSTOMER, ID1, &r), 0);
  assert_text(&r, FS_KIND_CUSTOMER, "next_contact", "2026-03-01");
  assert_int_equal(r.clk[next], H(2));
  assert_int_equal(r.clk[0], 7);
  fs__row_release(&r);
  fs__change_release(&c);
}

static void test_put_remove_columns_invalid(void **state) {
  fixture *fx = *state;
  fs_row r = {0}, r2 = {0};
  fs_change c;
  rec cr = {0};
  fs_outcome oc = 0;
  const char *cols = fs__store_columns(FS_KIND_SHOWROOM);

  assert_non_null(cols);
  assert_int_equal(strncmp(cols, "id, owner, author, deleted, hlc, seq, clk, ", 43), 0);
  assert_non_null(strstr(cols, "\"left\"")); /* an SQL keyword, quoted */
  assert_null(fs__store_columns(FS_KIND__COUNT));

  assert_int_equal(fs__row_init(&r, FS_KIND_SHOWROOM), 0);
  strcpy(r.id, ID1);
  strcpy(r.owner, "A01");
  strcpy(r.author, "A01");
  r.seq = 42;
  r.hlc = H(3);
  assert_int_equal(fs__value_set_text(&r.values[0], "2026-01-05T09:00", 16), 0);
  r.clk[0] = H(3);
  assert_int_equal(fs__store_put_row(fx->a, &r), 0);
  assert_int_equal(fs__store_get(fx->a, FS_KIND_SHOWROOM, ID1, &r2), 0);
  assert_rows_equal(&r, &r2);
  assert_int_equal(r2.seq, 42);
  /* A value the CHECKs refuse. */
  assert_int_equal(fs__value_set_text(&r.values[0], "yesterday", 9), 0);
  assert_int_equal(fs__store_put_row(fx->a, &r), FS_EVALIDATE);
  /* A tombstone is written without content, whatever the row holds. */
  assert_int_equal(fs__value_set_text(&r.values[0], "2026-01-05T09:00", 16), 0);
  r.deleted = 1;
  assert_int_equal(fs__store_put_row(fx->a, &r), 0);
  assert_int_equal(fs__store_get(fx->a, FS_KIND_SHOWROOM, ID1, &r2), 0);
  assert_int_equal(r2.deleted, 1);
  assert_int_equal(r2.values[0].type, FS_V_NULL);
  assert_int_equal(r2.clk[0], H(3));
  r.deleted = 0;
  assert_int_equal(fs__store_remove(fx->a, FS_KIND_SHOWROOM, ID1), 0);
  assert_int_equal(fs__store_get(fx->a, FS_KIND_SHOWROOM, ID1, &r2), FS_ENOTFOUND);
  assert_int_equal(fs__store_remove(fx->a, FS_KIND_SHOWROOM, ID1), 0);

  change_init(&c, FS_KIND_CUSTOMER, ID1, FS_OP_UPSERT, 1, 1);
  add_text(&c, "grade", H(1), "Z");
  assert_int_equal(fs__store_apply(fx->a, &c, 0, NULL, NULL, &oc), FS_EVALIDATE);
  assert_int_equal(oc, FS_OUTCOME_REJECTED);
  c.fields[0].field = 999;
  assert_int_equal(fs__store_apply(fx->a, &c, 0, on_conflict, &cr, &oc), FS_EINVAL);
  assert_int_equal(fs__store_apply(fx->a, NULL, 0, NULL, NULL, &oc), FS_EINVAL);
  fs__row_release(&r);
  fs__row_release(&r2);
  fs__row_release(NULL);
  fs__change_release(&c);
}

int main(void) {
  fs_test_schema_records_only();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_create_get_round_trip, setup, teardown),
      cmocka_unit_test_setup_teardown(test_different_fields_both_survive, setup, teardown),
      cmocka_unit_test_setup_teardown(test_base_decides_only_the_report, setup, teardown),
      cmocka_unit_test_setup_teardown(test_same_field_conflict_deterministic, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_retry_idempotent, setup, teardown),
      cmocka_unit_test_setup_teardown(test_append_only_never_overwritten, setup, teardown),
      cmocka_unit_test_setup_teardown(test_delete_vs_edit_deterministic, setup, teardown),
      cmocka_unit_test_setup_teardown(test_chinese_text_bytes, setup, teardown),
      cmocka_unit_test_setup_teardown(test_short_clk_blob, setup, teardown),
      cmocka_unit_test_setup_teardown(test_put_remove_columns_invalid, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
