/* test_proto_msg.c - the msgpack message codec (proto/msg.h, proto/buf.h).
 *
 * Round trips of every message type, Chinese text byte for byte, every
 * limit at the bound and one over, every truncation, trailing bytes, wrong
 * types, versions, unknown keys/types/fields, and the incremental
 * encoders.  With FS_MSG_CORPUS_DIR set, the sample of each type is also
 * written there (it is how tests/fuzz/corpus/proto_msg/ was made).
 */
#include "testutil.h"

#include <msgpack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fs_errno.h"
#include "model.h"
#include "msg.h"
#include "store.h"

#define ID1 "0190a1b2c3d4e5f60718293a4b5c6d7e"
#define ID2 "0190a1b2c3d4e5f60718293a4b5c6d7f"
#define ZH "客户资料卡：张三，上海市浦东新区"

/* ---- helpers ------------------------------------------------------------ */

static char *dup(const char *s) {
  char *p = strdup(s);
  assert_non_null(p);
  return p;
}

/* A big scratch buffer for hand-made (possibly invalid) encodings. */
typedef struct raw {
  fs_buf b;
  msgpack_packer pk;
} raw;

static void raw_init(raw *r) {
  fs__buf_init(&r->b, 8u * FS_MSG_MAX_BYTES);
  msgpack_packer_init(&r->pk, &r->b, fs__buf_msgpack_write);
}

static void raw_str(raw *r, const char *s) {
  assert_int_equal(msgpack_pack_str_with_body(&r->pk, s, strlen(s)), 0);
}

static void raw_env(raw *r, uint64_t version, uint64_t type, size_t nkeys) {
  assert_int_equal(msgpack_pack_array(&r->pk, 3), 0);
  assert_int_equal(msgpack_pack_uint64(&r->pk, version), 0);
  assert_int_equal(msgpack_pack_uint64(&r->pk, type), 0);
  assert_int_equal(msgpack_pack_map(&r->pk, nkeys), 0);
}

static int raw_decode(raw *r, fs_msg *m) {
  return fs__msg_decode(r->b.data, r->b.len, m);
}

/* Encodes m, decodes it into out, and checks that re-encoding gives the
 * same bytes (encoding is deterministic). */
static void round_trip(const fs_msg *m, fs_msg *out) {
  fs_buf a, b;

  fs__buf_init(&a, FS_MSG_MAX_BYTES);
  fs__buf_init(&b, FS_MSG_MAX_BYTES);
  assert_int_equal(fs__msg_encode(m, &a), 0);
  assert_int_equal(fs__msg_decode(a.data, a.len, out), 0);
  assert_int_equal(out->type, m->type);
  assert_int_equal(fs__msg_encode(out, &b), 0);
  assert_int_equal(b.len, a.len);
  assert_memory_equal(b.data, a.data, a.len);
  fs__buf_release(&a);
  fs__buf_release(&b);
}

static void set_text(fs_value *v, const char *s) {
  assert_int_equal(fs__value_set_text(v, s, strlen(s)), 0);
}

/* A customer upsert with a text, an int and a null field. */
static void make_change(fs_change *c, uint64_t counter, const char *name) {
  const fs_kind_def *kd = fs__kind_def(FS_KIND_CUSTOMER);

  memset(c, 0, sizeof *c);
  c->kind = FS_KIND_CUSTOMER;
  strcpy(c->id, ID1);
  c->op = FS_OP_UPSERT;
  strcpy(c->owner, "A01");
  strcpy(c->author, "B02");
  c->counter = counter;
  c->hlc = 0x0190a1b2c3d40001ull;
  c->nfields = 3;
  c->fields = calloc(3, sizeof *c->fields);
  assert_non_null(c->fields);
  c->fields[0].field = fs__field_index(kd, "name");
  c->fields[0].hlc = c->hlc;
  set_text(&c->fields[0].value, name);
  c->fields[1].field = fs__field_index(kd, "revenue");
  c->fields[1].hlc = c->hlc - 1;
  fs__value_set_int(&c->fields[1].value, 123456789012345LL);
  c->fields[2].field = fs__field_index(kd, "phone");
  c->fields[2].hlc = 7;
  c->fields[2].value.type = FS_V_NULL;
}

static void make_row(fs_row *r, const char *id, const char *name) {
  const fs_kind_def *kd = fs__kind_def(FS_KIND_CUSTOMER);

  assert_int_equal(fs__row_init(r, FS_KIND_CUSTOMER), 0);
  strcpy(r->id, id);
  strcpy(r->owner, "A01");
  strcpy(r->author, "A01");
  r->deleted = 0;
  r->hlc = 99;
  r->seq = 42;
  set_text(&r->values[fs__field_index(kd, "name")], name);
  r->clk[fs__field_index(kd, "name")] = 99;
  fs__value_set_int(&r->values[fs__field_index(kd, "growth")], 55);
  r->clk[fs__field_index(kd, "growth")] = 0x0102030405060708ull;
}

static const char *const batch_cols_names[] = {"name", "growth", "phone"};

static void batch_cols(int cols[3]) {
  const fs_kind_def *kd = fs__kind_def(FS_KIND_CUSTOMER);
  for (int i = 0; i < 3; i++)
    cols[i] = fs__field_index(kd, batch_cols_names[i]);
}

/* Builds a representative message of each type (heap data owned by m). */
static void sample(fs_msg_type t, fs_msg *m) {
  fs__msg_init(m, t);
  switch (t) {
  case FS_MSG_HELLO:
    m->u.hello.sw = dup("fieldsync/0.1.0");
    m->u.hello.time = 1718000000123ull;
    m->u.hello.cursor = 987654321;
    m->u.hello.outbox = 12;
    m->u.hello.oldest = 1717000000000ull;
    m->u.hello.want = FS_WANT_SYNC | FS_WANT_WATCH;
    break;
  case FS_MSG_WELCOME:
    m->u.welcome.ok = 1;
    m->u.welcome.code = 0;
    m->u.welcome.text = dup("welcome");
    m->u.welcome.time = 1718000000999ull;
    m->u.welcome.device = 7;
    strcpy(m->u.welcome.staff, "A01");
    m->u.welcome.role = dup("manager");
    m->u.welcome.slot = 3;
    m->u.welcome.name = dup("王小明");
    m->u.welcome.wipe = 0;
    break;
  case FS_MSG_PUSH:
    m->u.push.n = 2;
    m->u.push.changes = calloc(2, sizeof(fs_change));
    assert_non_null(m->u.push.changes);
    make_change(&m->u.push.changes[0], 1, ZH);
    make_change(&m->u.push.changes[1], 2, "Acme");
    m->u.push.changes[1].op = FS_OP_DELETE;
    m->u.push.outbox = 40;
    m->u.push.oldest = 1717000000000ull;
    break;
  case FS_MSG_PUSH_RESULT:
    m->u.push_result.n = 2;
    m->u.push_result.results = calloc(2, sizeof(fs_push_result));
    assert_non_null(m->u.push_result.results);
    m->u.push_result.results[0] = (fs_push_result){1, FS_OUTCOME_MERGED, 0, dup("")};
    m->u.push_result.results[1] =
        (fs_push_result){2, FS_OUTCOME_REJECTED, FS_EFORBIDDEN, dup("不是你的客户")};
    break;
  case FS_MSG_PULL:
    m->u.pull.cursor = 5000;
    m->u.pull.limit = 2000;
    break;
  case FS_MSG_PULL_BATCH:
    m->u.pull_batch.kind = FS_KIND_CUSTOMER;
    m->u.pull_batch.ncols = 3;
    batch_cols(m->u.pull_batch.cols);
    m->u.pull_batch.nrows = 2;
    m->u.pull_batch.rows = calloc(2, sizeof(fs_row));
    assert_non_null(m->u.pull_batch.rows);
    make_row(&m->u.pull_batch.rows[0], ID1, ZH);
    make_row(&m->u.pull_batch.rows[1], ID2, "Acme");
    m->u.pull_batch.rows[1].deleted = 1;
    break;
  case FS_MSG_CHECKPOINT:
    m->u.checkpoint.cursor = 123456;
    m->u.checkpoint.more = 1;
    break;
  case FS_MSG_NOTIFY:
    m->u.notify.seq = 77;
    break;
  case FS_MSG_EVICT:
    m->u.evict.n = 2;
    m->u.evict.items = calloc(2, sizeof(fs_evict_item));
    assert_non_null(m->u.evict.items);
    m->u.evict.items[0].kind = FS_KIND_VISIT;
    strcpy(m->u.evict.items[0].id, ID1);
    m->u.evict.items[1].kind = FS_KIND_CUSTOMER;
    strcpy(m->u.evict.items[1].id, ID2);
    break;
  case FS_MSG_WIPE:
    m->u.wipe.reason = dup("staff departed / 已离职");
    break;
  case FS_MSG_ERROR:
    m->u.error.code = FS_EVERSION;
    m->u.error.text = dup("unsupported protocol version");
    m->u.error.nversions = 1;
    m->u.error.versions[0] = 1;
    break;
  case FS_MSG_ADMIN:
    m->u.admin.cmd = dup("handover");
    m->u.admin.nargs = 4;
    m->u.admin.args = calloc(4, sizeof(fs_admin_arg));
    assert_non_null(m->u.admin.args);
    m->u.admin.args[0] = (fs_admin_arg){dup("from"), FS_ARG_STR, dup("A01"), 0, NULL, 0};
    m->u.admin.args[1] = (fs_admin_arg){dup("days"), FS_ARG_INT, NULL, -30, NULL, 0};
    m->u.admin.args[2] = (fs_admin_arg){dup("force"), FS_ARG_BOOL, NULL, 1, NULL, 0};
    m->u.admin.args[3] = (fs_admin_arg){dup("to"), FS_ARG_LIST, NULL, 0, NULL, 2};
    m->u.admin.args[3].list = calloc(2, sizeof(char *));
    assert_non_null(m->u.admin.args[3].list);
    m->u.admin.args[3].list[0] = dup("B02");
    m->u.admin.args[3].list[1] = dup("C03");
    break;
  case FS_MSG_ADMIN_RESULT:
    m->u.admin_result.ok = 1;
    m->u.admin_result.text = dup("done");
    m->u.admin_result.out = dup("3 cards moved\n");
    m->u.admin_result.json = dup("{\"moved\":3}");
    break;
  case FS_MSG_CONFLICTS:
    m->u.conflicts.n = 1;
    m->u.conflicts.items = calloc(1, sizeof(fs_conflict_item));
    assert_non_null(m->u.conflicts.items);
    m->u.conflicts.items[0].kind = dup("customer");
    strcpy(m->u.conflicts.items[0].id, ID1);
    m->u.conflicts.items[0].field = dup("phone");
    set_text(&m->u.conflicts.items[0].loser, "13800000000");
    m->u.conflicts.items[0].loser_hlc = 10;
    fs__value_set_int(&m->u.conflicts.items[0].winner, -5);
    m->u.conflicts.items[0].winner_hlc = 11;
    strcpy(m->u.conflicts.items[0].author, "B02");
    m->u.conflicts.items[0].at = 1718000000000ull;
    break;
  case FS_MSG_NOTICE:
    m->u.notice.kind = dup("handover");
    m->u.notice.at = 1718000000000ull;
    m->u.notice.body = dup("3 张客户卡已移交给 B02");
    break;
  case FS_MSG_PING:
  case FS_MSG_PONG:
    m->u.ping.n = 0xffffffffffffffffull;
    break;
  case FS_MSG_BYE:
    m->u.bye.reason = dup("idle");
    break;
  }
}

static void encode_sample(fs_msg_type t, fs_buf *out) {
  fs_msg m;
  sample(t, &m);
  fs__buf_init(out, FS_MSG_MAX_BYTES);
  assert_int_equal(fs__msg_encode(&m, out), 0);
  fs__msg_release(&m);
}

/* ---- buffer --------------------------------------------------------------- */

static void test_buf_bounded(void **state) {
  fs_buf b;
  uint8_t x[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  size_t n;
  uint8_t *p;

  (void)state;
  fs__buf_init(&b, 16);
  assert_int_equal(fs__buf_append(&b, x, 10), 0);
  assert_int_equal(fs__buf_append(&b, x, 7), FS_ETOOBIG);
  assert_int_equal(b.len, 10);
  assert_int_equal(fs__buf_append(&b, x, 6), 0);
  assert_int_equal(b.len, 16);
  assert_int_equal(fs__buf_append(&b, x, 1), FS_ETOOBIG);
  assert_int_equal(fs__buf_append(&b, NULL, 0), 0);
  assert_memory_equal(b.data + 10, x, 6);
  fs__buf_truncate(&b, 4);
  assert_int_equal(b.len, 4);
  p = fs__buf_detach(&b, &n);
  assert_int_equal(n, 4);
  assert_memory_equal(p, x, 4);
  free(p);
  assert_null(b.data);
  fs__buf_release(&b);
  fs__buf_release(NULL);
}

/* ---- names and tables ----------------------------------------------------- */

static void test_type_names(void **state) {
  (void)state;
  assert_string_equal(fs__msg_type_name(FS_MSG_HELLO), "HELLO");
  assert_string_equal(fs__msg_type_name(FS_MSG_PULL_BATCH), "PULL_BATCH");
  assert_string_equal(fs__msg_type_name(FS_MSG_BYE), "BYE");
  assert_string_equal(fs__msg_type_name(0), "UNKNOWN");
  assert_string_equal(fs__msg_type_name(FS_MSG_TYPE_MAX + 1), "UNKNOWN");
  for (int t = 1; t <= FS_MSG_TYPE_MAX; t++)
    assert_string_not_equal(fs__msg_type_name(t), "UNKNOWN");
}

/* The codec indexes per-field arrays of FS_MSG_MAX_FIELDS. */
static void test_kinds_fit_limits(void **state) {
  (void)state;
  for (int k = 0; k < FS_KIND__COUNT; k++) {
    const fs_kind_def *kd = fs__kind_def((fs_kind)k);
    assert_true(kd->nfields <= FS_MSG_MAX_FIELDS);
    assert_true(strlen(kd->name) <= FS_MSG_NAME_MAX);
    for (int f = 0; f < kd->nfields; f++)
      assert_true(strlen(kd->fields[f].name) <= FS_MSG_NAME_MAX);
  }
}

/* ---- round trips ------------------------------------------------------------ */

static void test_round_trip_every_type(void **state) {
  (void)state;
  for (int t = 1; t <= FS_MSG_TYPE_MAX; t++) {
    fs_msg m, d;
    sample((fs_msg_type)t, &m);
    round_trip(&m, &d);
    fs__msg_release(&m);
    fs__msg_release(&d);
    assert_int_equal(d.type, 0);
  }
}

static void test_round_trip_hello_welcome(void **state) {
  fs_msg m, d;

  (void)state;
  sample(FS_MSG_HELLO, &m);
  round_trip(&m, &d);
  assert_string_equal(d.u.hello.sw, "fieldsync/0.1.0");
  assert_int_equal(d.u.hello.time, 1718000000123ull);
  assert_int_equal(d.u.hello.cursor, 987654321);
  assert_int_equal(d.u.hello.outbox, 12);
  assert_int_equal(d.u.hello.oldest, 1717000000000ull);
  assert_int_equal(d.u.hello.want, FS_WANT_SYNC | FS_WANT_WATCH);
  fs__msg_release(&m);
  fs__msg_release(&d);

  sample(FS_MSG_WELCOME, &m);
  round_trip(&m, &d);
  assert_int_equal(d.u.welcome.ok, 1);
  assert_int_equal(d.u.welcome.code, 0);
  assert_string_equal(d.u.welcome.text, "welcome");
  assert_int_equal(d.u.welcome.time, 1718000000999ull);
  assert_int_equal(d.u.welcome.device, 7);
  assert_string_equal(d.u.welcome.staff, "A01");
  assert_string_equal(d.u.welcome.role, "manager");
  assert_int_equal(d.u.welcome.slot, 3);
  assert_string_equal(d.u.welcome.name, "王小明");
  assert_int_equal(d.u.welcome.wipe, 0);
  fs__msg_release(&m);
  fs__msg_release(&d);

  /* A refusal: empty staff, negative code, NULL strings sent as "". */
  fs__msg_init(&m, FS_MSG_WELCOME);
  m.u.welcome.code = FS_EREVOKED;
  m.u.welcome.wipe = 1;
  round_trip(&m, &d);
  assert_int_equal(d.u.welcome.ok, 0);
  assert_int_equal(d.u.welcome.code, FS_EREVOKED);
  assert_string_equal(d.u.welcome.staff, "");
  assert_string_equal(d.u.welcome.text, "");
  assert_int_equal(d.u.welcome.wipe, 1);
  fs__msg_release(&d);
}

static void test_round_trip_push(void **state) {
  fs_msg m, d;
  const fs_kind_def *kd = fs__kind_def(FS_KIND_CUSTOMER);
  const fs_change *c;

  (void)state;
  sample(FS_MSG_PUSH, &m);
  round_trip(&m, &d);
  assert_int_equal(d.u.push.n, 2);
  assert_int_equal(d.u.push.outbox, 40);
  assert_int_equal(d.u.push.oldest, 1717000000000ull);
  c = &d.u.push.changes[0];
  assert_int_equal(d.u.push.rcs[0], 0);
  assert_int_equal(c->kind, FS_KIND_CUSTOMER);
  assert_string_equal(c->id, ID1);
  assert_int_equal(c->op, FS_OP_UPSERT);
  assert_string_equal(c->owner, "A01");
  assert_string_equal(c->author, "B02");
  assert_int_equal(c->device_id, 0);
  assert_int_equal(c->counter, 1);
  assert_int_equal(c->hlc, 0x0190a1b2c3d40001ull);
  assert_int_equal(c->nfields, 3);
  assert_int_equal(c->fields[0].field, fs__field_index(kd, "name"));
  assert_int_equal(c->fields[0].value.type, FS_V_TEXT);
  assert_int_equal(c->fields[0].value.len, strlen(ZH));
  assert_memory_equal(c->fields[0].value.s, ZH, strlen(ZH));
  assert_int_equal(c->fields[1].field, fs__field_index(kd, "revenue"));
  assert_int_equal(c->fields[1].hlc, 0x0190a1b2c3d40000ull);
  assert_int_equal(c->fields[1].value.type, FS_V_INT);
  assert_int_equal(c->fields[1].value.i, 123456789012345LL);
  assert_int_equal(c->fields[2].value.type, FS_V_NULL);
  assert_int_equal(c->fields[2].hlc, 7);
  assert_int_equal(d.u.push.changes[1].op, FS_OP_DELETE);
  assert_int_equal(d.u.push.changes[1].counter, 2);

  /* The fast path produces the same bytes as the generic encoder. */
  {
    fs_buf a, b;
    fs__buf_init(&a, FS_MSG_MAX_BYTES);
    fs__buf_init(&b, FS_MSG_MAX_BYTES);
    assert_int_equal(fs__msg_encode(&m, &a), 0);
    assert_int_equal(fs__push_encode(m.u.push.changes, 2, 40,
                                     1717000000000ull, &b), 0);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.data, b.data, a.len);
    fs__buf_release(&a);
    fs__buf_release(&b);
  }
  fs__msg_release(&m);
  fs__msg_release(&d);
}

static void test_round_trip_results_batch_misc(void **state) {
  fs_msg m, d;
  const fs_kind_def *kd = fs__kind_def(FS_KIND_CUSTOMER);
  int iname = fs__field_index(kd, "name"), igrowth = fs__field_index(kd, "growth");

  (void)state;
  sample(FS_MSG_PUSH_RESULT, &m);
  round_trip(&m, &d);
  assert_int_equal(d.u.push_result.n, 2);
  assert_int_equal(d.u.push_result.results[0].counter, 1);
  assert_int_equal(d.u.push_result.results[0].outcome, FS_OUTCOME_MERGED);
  assert_int_equal(d.u.push_result.results[1].outcome, FS_OUTCOME_REJECTED);
  assert_int_equal(d.u.push_result.results[1].code, FS_EFORBIDDEN);
  assert_string_equal(d.u.push_result.results[1].reason, "不是你的客户");
  fs__msg_release(&m);
  fs__msg_release(&d);

  sample(FS_MSG_PULL_BATCH, &m);
  round_trip(&m, &d);
  assert_int_equal(d.u.pull_batch.kind, FS_KIND_CUSTOMER);
  assert_int_equal(d.u.pull_batch.ncols, 3);
  assert_int_equal(d.u.pull_batch.cols[0], iname);
  assert_int_equal(d.u.pull_batch.cols[1], igrowth);
  assert_int_equal(d.u.pull_batch.nrows, 2);
  assert_int_equal(d.u.pull_batch.rcs[0], 0);
  assert_int_equal(d.u.pull_batch.rows[0].kind, FS_KIND_CUSTOMER);
  assert_string_equal(d.u.pull_batch.rows[0].id, ID1);
  assert_string_equal(d.u.pull_batch.rows[0].owner, "A01");
  assert_int_equal(d.u.pull_batch.rows[0].seq, 42);
  assert_int_equal(d.u.pull_batch.rows[0].hlc, 99);
  assert_int_equal(d.u.pull_batch.rows[0].deleted, 0);
  assert_int_equal(d.u.pull_batch.rows[1].deleted, 1);
  assert_string_equal(d.u.pull_batch.rows[0].values[iname].s, ZH);
  assert_int_equal(d.u.pull_batch.rows[0].clk[iname], 99);
  assert_int_equal(d.u.pull_batch.rows[0].values[igrowth].i, 55);
  assert_int_equal(d.u.pull_batch.rows[0].clk[igrowth], 0x0102030405060708ull);
  assert_int_equal(d.u.pull_batch.rows[0].values[fs__field_index(kd, "phone")].type,
                   FS_V_NULL);
  fs__msg_release(&m);
  fs__msg_release(&d);

  sample(FS_MSG_PULL, &m);
  round_trip(&m, &d);
  assert_int_equal(d.u.pull.cursor, 5000);
  assert_int_equal(d.u.pull.limit, 2000);
  sample(FS_MSG_CHECKPOINT, &m);
  round_trip(&m, &d);
  assert_int_equal(d.u.checkpoint.cursor, 123456);
  assert_int_equal(d.u.checkpoint.more, 1);
  sample(FS_MSG_NOTIFY, &m);
  round_trip(&m, &d);
  assert_int_equal(d.u.notify.seq, 77);
  sample(FS_MSG_PONG, &m);
  round_trip(&m, &d);
  assert_int_equal(d.type, FS_MSG_PONG);
  assert_int_equal(d.u.ping.n, 0xffffffffffffffffull);

  sample(FS_MSG_EVICT, &m);
  round_trip(&m, &d);
  assert_int_equal(d.u.evict.n, 2);
  assert_int_equal(d.u.evict.items[0].kind, FS_KIND_VISIT);
  assert_string_equal(d.u.evict.items[1].id, ID2);
  fs__msg_release(&m);
  fs__msg_release(&d);

  sample(FS_MSG_ERROR, &m);
  round_trip(&m, &d);
  assert_int_equal(d.u.error.code, FS_EVERSION);
  assert_int_equal(d.u.error.nversions, 1);
  assert_int_equal(d.u.error.versions[0], 1);
  assert_string_equal(d.u.error.text, "unsupported protocol version");
  fs__msg_release(&m);
  fs__msg_release(&d);
  /* versions is optional */
  fs__msg_init(&m, FS_MSG_ERROR);
  m.u.error.code = FS_EAUTH;
  round_trip(&m, &d);
  assert_int_equal(d.u.error.code, FS_EAUTH);
  assert_int_equal(d.u.error.nversions, 0);
  fs__msg_release(&d);

  sample(FS_MSG_ADMIN, &m);
  round_trip(&m, &d);
  assert_string_equal(d.u.admin.cmd, "handover");
  assert_int_equal(d.u.admin.nargs, 4);
  assert_string_equal(d.u.admin.args[0].key, "from");
  assert_int_equal(d.u.admin.args[0].type, FS_ARG_STR);
  assert_string_equal(d.u.admin.args[0].s, "A01");
  assert_int_equal(d.u.admin.args[1].type, FS_ARG_INT);
  assert_int_equal(d.u.admin.args[1].i, -30);
  assert_int_equal(d.u.admin.args[2].type, FS_ARG_BOOL);
  assert_int_equal(d.u.admin.args[2].i, 1);
  assert_int_equal(d.u.admin.args[3].type, FS_ARG_LIST);
  assert_int_equal(d.u.admin.args[3].nlist, 2);
  assert_string_equal(d.u.admin.args[3].list[1], "C03");
  fs__msg_release(&m);
  fs__msg_release(&d);

  sample(FS_MSG_ADMIN_RESULT, &m);
  round_trip(&m, &d);
  assert_int_equal(d.u.admin_result.ok, 1);
  assert_string_equal(d.u.admin_result.out, "3 cards moved\n");
  assert_string_equal(d.u.admin_result.json, "{\"moved\":3}");
  fs__msg_release(&m);
  fs__msg_release(&d);

  sample(FS_MSG_CONFLICTS, &m);
  round_trip(&m, &d);
  assert_int_equal(d.u.conflicts.n, 1);
  assert_string_equal(d.u.conflicts.items[0].kind, "customer");
  assert_string_equal(d.u.conflicts.items[0].field, "phone");
  assert_string_equal(d.u.conflicts.items[0].loser.s, "13800000000");
  assert_int_equal(d.u.conflicts.items[0].winner.type, FS_V_INT);
  assert_int_equal(d.u.conflicts.items[0].winner.i, -5);
  assert_int_equal(d.u.conflicts.items[0].winner_hlc, 11);
  assert_string_equal(d.u.conflicts.items[0].author, "B02");
  fs__msg_release(&m);
  fs__msg_release(&d);

  sample(FS_MSG_NOTICE, &m);
  round_trip(&m, &d);
  assert_string_equal(d.u.notice.kind, "handover");
  assert_string_equal(d.u.notice.body, "3 张客户卡已移交给 B02");
  fs__msg_release(&m);
  fs__msg_release(&d);

  sample(FS_MSG_BYE, &m);
  round_trip(&m, &d);
  assert_string_equal(d.u.bye.reason, "idle");
  fs__msg_release(&m);
  fs__msg_release(&d);
  sample(FS_MSG_WIPE, &m);
  round_trip(&m, &d);
  assert_string_equal(d.u.wipe.reason, "staff departed / 已离职");
  fs__msg_release(&m);
  fs__msg_release(&d);
}

/* The exact UTF-8 bytes travel as a msgpack str, unchanged. */
static void test_chinese_byte_for_byte(void **state) {
  fs_msg m, d;
  fs_buf b;
  size_t zl = strlen(ZH);
  int found = 0;

  (void)state;
  fs__msg_init(&m, FS_MSG_NOTICE);
  m.u.notice.kind = dup("handover");
  m.u.notice.body = dup(ZH);
  fs__buf_init(&b, FS_MSG_MAX_BYTES);
  assert_int_equal(fs__msg_encode(&m, &b), 0);
  for (size_t i = 0; i + zl <= b.len; i++)
    if (memcmp(b.data + i, ZH, zl) == 0) {
      found = 1;
      /* preceded by its str header: str8 (0xd9) and the byte length */
      assert_int_equal(b.data[i - 2], 0xd9);
      assert_int_equal(b.data[i - 1], zl);
    }
  assert_true(found);
  assert_int_equal(fs__msg_decode(b.data, b.len, &d), 0);
  assert_int_equal(strlen(d.u.notice.body), zl);
  assert_memory_equal(d.u.notice.body, ZH, zl + 1);
  fs__msg_release(&m);
  fs__msg_release(&d);
  fs__buf_release(&b);
}

static void test_change_codec(void **state) {
  fs_change c, d;
  fs_buf b;

  (void)state;
  make_change(&c, 99, ZH);
  fs__buf_init(&b, FS_MSG_MAX_BYTES);
  assert_int_equal(fs__change_encode(&c, &b), 0);
  assert_int_equal(fs__change_decode(b.data, b.len, &d), 0);
  assert_int_equal(d.counter, 99);
  assert_string_equal(d.id, ID1);
  assert_int_equal(d.nfields, 3);
  assert_string_equal(d.fields[0].value.s, ZH);
  assert_int_equal(d.fields[1].value.i, 123456789012345LL);
  /* trailing byte and every truncation refused */
  for (size_t n = 0; n < b.len; n++) {
    fs_change e;
    assert_int_not_equal(fs__change_decode(b.data, n, &e), 0);
    assert_null(e.fields);
  }
  assert_int_equal(fs__buf_append(&b, "\xc0", 1), 0);
  {
    fs_change e;
    assert_int_equal(fs__change_decode(b.data, b.len, &e), FS_EPROTO);
    assert_int_equal(e.nfields, 0);
  }
  fs__change_release(&d);
  fs__change_release(&c);
  fs__buf_release(&b);
  /* invalid id / op / field index refused by the encoder */
  make_change(&c, 1, "x");
  fs__buf_init(&b, FS_MSG_MAX_BYTES);
  c.id[0] = 'G';
  assert_int_equal(fs__change_encode(&c, &b), FS_EINVAL);
  strcpy(c.id, ID1);
  c.op = 3;
  assert_int_equal(fs__change_encode(&c, &b), FS_EINVAL);
  c.op = FS_OP_UPSERT;
  c.fields[1].field = c.fields[0].field; /* repeated field */
  assert_int_equal(fs__change_encode(&c, &b), FS_EINVAL);
  c.fields[1].field = 1000;
  assert_int_equal(fs__change_encode(&c, &b), FS_EINVAL);
  assert_int_equal(b.len, 0); /* rolled back every time */
  fs__change_release(&c);
  fs__buf_release(&b);
}

/* ---- malformed input -------------------------------------------------------- */

static void test_truncated_every_prefix(void **state) {
  (void)state;
  for (int t = 1; t <= FS_MSG_TYPE_MAX; t++) {
    fs_buf b;
    encode_sample((fs_msg_type)t, &b);
    for (size_t n = 0; n < b.len; n++) {
      fs_msg d;
      /* a copy of exactly n bytes, so ASan sees any over-read */
      uint8_t *p = malloc(n ? n : 1);
      assert_non_null(p);
      memcpy(p, b.data, n);
      int rc = fs__msg_decode(p, n, &d);
      assert_true(rc == FS_ETRUNC || rc == FS_EPROTO);
      assert_int_equal(d.type, 0);
      free(p);
    }
    fs__buf_release(&b);
  }
}

static void test_trailing_bytes(void **state) {
  (void)state;
  for (int t = 1; t <= FS_MSG_TYPE_MAX; t++) {
    fs_buf b;
    fs_msg d;
    encode_sample((fs_msg_type)t, &b);
    assert_int_equal(fs__buf_append(&b, "\x00", 1), 0);
    assert_int_equal(fs__msg_decode(b.data, b.len, &d), FS_EPROTO);
    fs__buf_release(&b);
  }
}

static void test_version_and_type(void **state) {
  raw r;
  fs_msg d;
  fs_buf b;

  (void)state;
  raw_init(&r);
  raw_env(&r, 2, FS_MSG_PING, 1);
  raw_str(&r, "n");
  msgpack_pack_uint64(&r.pk, 1);
  assert_int_equal(raw_decode(&r, &d), FS_EVERSION);
  fs__buf_reset(&r.b);
  raw_env(&r, 0, FS_MSG_PING, 1);
  raw_str(&r, "n");
  msgpack_pack_uint64(&r.pk, 1);
  assert_int_equal(raw_decode(&r, &d), FS_EVERSION);
  /* a future version may change the envelope: still FS_EVERSION */
  fs__buf_reset(&r.b);
  msgpack_pack_array(&r.pk, 5);
  msgpack_pack_uint64(&r.pk, 9);
  for (int i = 0; i < 4; i++)
    msgpack_pack_nil(&r.pk);
  assert_int_equal(raw_decode(&r, &d), FS_EVERSION);
  /* unknown types */
  for (uint64_t t = 0; t < 25; t += (t == 0 ? FS_MSG_TYPE_MAX + 1 : 3)) {
    fs__buf_reset(&r.b);
    raw_env(&r, 1, t, 1);
    raw_str(&r, "n");
    msgpack_pack_uint64(&r.pk, 1);
    assert_int_equal(raw_decode(&r, &d), FS_EPROTO);
  }
  /* envelope shape */
  fs__buf_reset(&r.b);
  msgpack_pack_array(&r.pk, 2);
  msgpack_pack_uint64(&r.pk, 1);
  msgpack_pack_uint64(&r.pk, FS_MSG_PING);
  assert_int_equal(raw_decode(&r, &d), FS_EPROTO);
  fs__buf_reset(&r.b);
  msgpack_pack_map(&r.pk, 0);
  assert_int_equal(raw_decode(&r, &d), FS_EPROTO);
  assert_int_equal(fs__msg_decode(NULL, 0, &d), FS_ETRUNC);
  fs__buf_release(&r.b);
  /* the encoder refuses unknown types */
  fs__msg_init(&d, (fs_msg_type)99);
  fs__buf_init(&b, 100);
  assert_int_equal(fs__msg_encode(&d, &b), FS_EINVAL);
  fs__buf_release(&b);
}

static void test_wrong_types(void **state) {
  raw r;
  fs_msg d;

  (void)state;
  raw_init(&r);
  /* PING n as a string */
  raw_env(&r, 1, FS_MSG_PING, 1);
  raw_str(&r, "n");
  raw_str(&r, "1");
  assert_int_equal(raw_decode(&r, &d), FS_EPROTO);
  /* PING n negative */
  fs__buf_reset(&r.b);
  raw_env(&r, 1, FS_MSG_PING, 1);
  raw_str(&r, "n");
  msgpack_pack_int64(&r.pk, -1);
  assert_int_equal(raw_decode(&r, &d), FS_EPROTO);
  /* CHECKPOINT more as an int */
  fs__buf_reset(&r.b);
  raw_env(&r, 1, FS_MSG_CHECKPOINT, 2);
  raw_str(&r, "cursor");
  msgpack_pack_uint64(&r.pk, 1);
  raw_str(&r, "more");
  msgpack_pack_uint64(&r.pk, 1);
  assert_int_equal(raw_decode(&r, &d), FS_EPROTO);
  /* body not a map */
  fs__buf_reset(&r.b);
  msgpack_pack_array(&r.pk, 3);
  msgpack_pack_uint64(&r.pk, 1);
  msgpack_pack_uint64(&r.pk, FS_MSG_NOTIFY);
  msgpack_pack_array(&r.pk, 0);
  assert_int_equal(raw_decode(&r, &d), FS_EPROTO);
  /* non-string key */
  fs__buf_reset(&r.b);
  raw_env(&r, 1, FS_MSG_NOTIFY, 1);
  msgpack_pack_uint64(&r.pk, 1);
  msgpack_pack_uint64(&r.pk, 1);
  assert_int_equal(raw_decode(&r, &d), FS_EPROTO);
  /* missing required key */
  fs__buf_reset(&r.b);
  raw_env(&r, 1, FS_MSG_PULL, 1);
  raw_str(&r, "cursor");
  msgpack_pack_uint64(&r.pk, 1);
  assert_int_equal(raw_decode(&r, &d), FS_EPROTO);
  /* duplicate key (after a heap string: no leak) */
  fs__buf_reset(&r.b);
  raw_env(&r, 1, FS_MSG_BYE, 2);
  raw_str(&r, "reason");
  raw_str(&r, "a");
  raw_str(&r, "reason");
  raw_str(&r, "b");
  assert_int_equal(raw_decode(&r, &d), FS_EPROTO);
  /* PUSH changes as a map */
  fs__buf_reset(&r.b);
  raw_env(&r, 1, FS_MSG_PUSH, 3);
  raw_str(&r, "outbox");
  msgpack_pack_uint64(&r.pk, 0);
  raw_str(&r, "oldest");
  msgpack_pack_uint64(&r.pk, 0);
  raw_str(&r, "changes");
  msgpack_pack_map(&r.pk, 0);
  assert_int_equal(raw_decode(&r, &d), FS_EPROTO);
  /* invalid UTF-8 and embedded NUL */
  fs__buf_reset(&r.b);
  raw_env(&r, 1, FS_MSG_BYE, 1);
  raw_str(&r, "reason");
  msgpack_pack_str_with_body(&r.pk, "\xe5\xae", 2);
  assert_int_equal(raw_decode(&r, &d), FS_EPROTO);
  fs__buf_reset(&r.b);
  raw_env(&r, 1, FS_MSG_BYE, 1);
  raw_str(&r, "reason");
  msgpack_pack_str_with_body(&r.pk, "a\0b", 3);
  assert_int_equal(raw_decode(&r, &d), FS_EPROTO);
  fs__buf_reset(&r.b);
  raw_env(&r, 1, FS_MSG_BYE, 1);
  raw_str(&r, "reason");
  msgpack_pack_str_with_body(&r.pk, "\xc0\xaf", 2); /* overlong '/' */
  assert_int_equal(raw_decode(&r, &d), FS_EPROTO);
  /* float where an int is expected */
  fs__buf_reset(&r.b);
  raw_env(&r, 1, FS_MSG_NOTIFY, 1);
  raw_str(&r, "seq");
  msgpack_pack_double(&r.pk, 1.0);
  assert_int_equal(raw_decode(&r, &d), FS_EPROTO);
  fs__buf_release(&r.b);
}

/* Writes a customer change array with the given fields as raw msgpack. */
static void raw_change(raw *r, const char *kind, const char *id, int nf,
                       const char *const *names, const char *owner) {
  msgpack_pack_array(&r->pk, 8);
  msgpack_pack_uint64(&r->pk, 5);
  raw_str(r, kind);
  raw_str(r, id);
  msgpack_pack_uint64(&r->pk, 1);
  raw_str(r, owner);
  raw_str(r, "A01");
  msgpack_pack_uint64(&r->pk, 10);
  msgpack_pack_array(&r->pk, (size_t)nf);
  for (int i = 0; i < nf; i++) {
    msgpack_pack_array(&r->pk, 3);
    raw_str(r, names[i]);
    msgpack_pack_uint64(&r->pk, 10);
    raw_str(r, "v");
  }
}

static void raw_push(raw *r, int nchanges) {
  raw_env(r, 1, FS_MSG_PUSH, 3);
  raw_str(r, "outbox");
  msgpack_pack_uint64(&r->pk, 0);
  raw_str(r, "oldest");
  msgpack_pack_uint64(&r->pk, 0);
  raw_str(r, "changes");
  msgpack_pack_array(&r->pk, (size_t)nchanges);
}

static void test_bad_record_values(void **state) {
  raw r;
  fs_msg d;
  const char *names[] = {"name"};

  (void)state;
  raw_init(&r);
  raw_push(&r, 1);
  raw_change(&r, "customer", "0190A1B2C3D4E5F60718293A4B5C6D7E", 1, names, "A01");
  assert_int_equal(raw_decode(&r, &d), FS_EPROTO); /* uppercase id */
  fs__buf_reset(&r.b);
  raw_push(&r, 1);
  raw_change(&r, "customer", ID1, 1, names, "a01");
  assert_int_equal(raw_decode(&r, &d), FS_EPROTO); /* bad staff code */
  fs__buf_reset(&r.b);
  raw_push(&r, 1);
  {
    const char *twice[] = {"name", "name"};
    raw_change(&r, "customer", ID1, 2, twice, "A01");
  }
  assert_int_equal(raw_decode(&r, &d), FS_EPROTO); /* repeated field */
  fs__buf_reset(&r.b);
  raw_push(&r, 1);
  raw_change(&r, "customer", ID1, 1, names, "A01");
  assert_int_equal(raw_decode(&r, &d), 0);
  assert_int_equal(d.u.push.rcs[0], 0);
  fs__msg_release(&d);
  fs__buf_release(&r.b);
}

static void test_unknown_key_ignored(void **state) {
  raw r;
  fs_msg d;

  (void)state;
  raw_init(&r);
  raw_env(&r, 1, FS_MSG_HELLO, 8);
  raw_str(&r, "future");
  msgpack_pack_map(&r.pk, 2);
  raw_str(&r, "a");
  msgpack_pack_array(&r.pk, 3);
  msgpack_pack_double(&r.pk, 2.5);
  msgpack_pack_bin_with_body(&r.pk, "xyz", 3);
  msgpack_pack_ext_with_body(&r.pk, "q", 1, 5);
  raw_str(&r, "b");
  msgpack_pack_nil(&r.pk);
  raw_str(&r, "sw");
  raw_str(&r, "fs/2.0");
  raw_str(&r, "time");
  msgpack_pack_uint64(&r.pk, 1);
  raw_str(&r, "cursor");
  msgpack_pack_uint64(&r.pk, 2);
  raw_str(&r, "outbox");
  msgpack_pack_uint64(&r.pk, 3);
  raw_str(&r, "oldest");
  msgpack_pack_uint64(&r.pk, 4);
  raw_str(&r, "want");
  msgpack_pack_array(&r.pk, 3);
  raw_str(&r, "admin");
  raw_str(&r, "teleport"); /* unknown want: ignored */
  raw_str(&r, "sync");
  raw_str(&r, "zz_new_key");
  msgpack_pack_int64(&r.pk, -7);
  assert_int_equal(raw_decode(&r, &d), 0);
  assert_string_equal(d.u.hello.sw, "fs/2.0");
  assert_int_equal(d.u.hello.cursor, 2);
  assert_int_equal(d.u.hello.oldest, 4);
  assert_int_equal(d.u.hello.want, FS_WANT_ADMIN | FS_WANT_SYNC);
  fs__msg_release(&d);

  /* nesting of an unknown value is bounded */
  fs__buf_reset(&r.b);
  raw_env(&r, 1, FS_MSG_NOTIFY, 2);
  raw_str(&r, "deep");
  for (int i = 0; i < FS_MSG_MAX_DEPTH + 2; i++)
    msgpack_pack_array(&r.pk, 1);
  msgpack_pack_nil(&r.pk);
  raw_str(&r, "seq");
  msgpack_pack_uint64(&r.pk, 1);
  assert_int_equal(raw_decode(&r, &d), FS_EOVERFLOW);
  fs__buf_reset(&r.b);
  raw_env(&r, 1, FS_MSG_NOTIFY, 2);
  raw_str(&r, "deep");
  for (int i = 0; i < FS_MSG_MAX_DEPTH - 1; i++)
    msgpack_pack_array(&r.pk, 1);
  msgpack_pack_nil(&r.pk);
  raw_str(&r, "seq");
  msgpack_pack_uint64(&r.pk, 1);
  assert_int_equal(raw_decode(&r, &d), 0);
  assert_int_equal(d.u.notify.seq, 1);
  fs__buf_release(&r.b);
}

static void test_unknown_record_field(void **state) {
  raw r;
  fs_msg d;
  fs_change c;
  const char *names[] = {"name", "hologram_url", "phone"};

  (void)state;
  raw_init(&r);
  raw_push(&r, 3);
  raw_change(&r, "customer", ID1, 3, names, "A01"); /* unknown field */
  raw_change(&r, "spaceship", ID2, 1, names, "A01"); /* unknown kind */
  raw_change(&r, "contact", ID2, 1, names, "A01");   /* fine */
  assert_int_equal(raw_decode(&r, &d), 0);
  assert_int_equal(d.u.push.n, 3);
  assert_int_equal(d.u.push.rcs[0], FS_EUNKNOWN_FIELD);
  assert_int_equal(d.u.push.changes[0].nfields, 2); /* known ones kept */
  assert_int_equal(d.u.push.changes[0].fields[1].field,
                   fs__field_index(fs__kind_def(FS_KIND_CUSTOMER), "phone"));
  assert_int_equal(d.u.push.rcs[1], FS_EUNKNOWN_FIELD);
  assert_int_equal(d.u.push.changes[1].kind, FS_KIND__COUNT);
  assert_int_equal(d.u.push.changes[1].nfields, 0);
  assert_int_equal(d.u.push.rcs[2], 0);
  assert_int_equal(d.u.push.changes[2].kind, FS_KIND_CONTACT);
  fs__msg_release(&d);

  /* the outbox codec reports it too */
  fs__buf_reset(&r.b);
  raw_change(&r, "customer", ID1, 3, names, "A01");
  assert_int_equal(fs__change_decode(r.b.data, r.b.len, &c), FS_EUNKNOWN_FIELD);
  assert_int_equal(c.nfields, 2);
  fs__change_release(&c);

  /* PULL_BATCH: an unknown column marks every row */
  fs__buf_reset(&r.b);
  raw_env(&r, 1, FS_MSG_PULL_BATCH, 3);
  raw_str(&r, "kind");
  raw_str(&r, "customer");
  raw_str(&r, "fields");
  msgpack_pack_array(&r.pk, 2);
  raw_str(&r, "hologram_url");
  raw_str(&r, "name");
  raw_str(&r, "rows");
  msgpack_pack_array(&r.pk, 1);
  msgpack_pack_array(&r.pk, 9);
  raw_str(&r, ID1);
  raw_str(&r, "A01");
  raw_str(&r, "A01");
  msgpack_pack_false(&r.pk);
  msgpack_pack_uint64(&r.pk, 5);
  msgpack_pack_uint64(&r.pk, 6);
  msgpack_pack_bin_with_body(&r.pk, "\x01\0\0\0\0\0\0\0\x02\0\0\0\0\0\0\0", 16);
  raw_str(&r, "https://x");
  raw_str(&r, "Acme");
  assert_int_equal(raw_decode(&r, &d), 0);
  assert_int_equal(d.u.pull_batch.cols[0], -1);
  assert_int_equal(d.u.pull_batch.nrows, 1);
  assert_int_equal(d.u.pull_batch.rcs[0], FS_EUNKNOWN_FIELD);
  {
    int iname = fs__field_index(fs__kind_def(FS_KIND_CUSTOMER), "name");
    assert_string_equal(d.u.pull_batch.rows[0].values[iname].s, "Acme");
    assert_int_equal(d.u.pull_batch.rows[0].clk[iname], 2);
  }
  fs__msg_release(&d);

  /* PULL_BATCH of an unknown kind: the whole batch */
  fs__buf_reset(&r.b);
  raw_env(&r, 1, FS_MSG_PULL_BATCH, 3);
  raw_str(&r, "kind");
  raw_str(&r, "spaceship");
  raw_str(&r, "fields");
  msgpack_pack_array(&r.pk, 0);
  raw_str(&r, "rows");
  msgpack_pack_array(&r.pk, 0);
  assert_int_equal(raw_decode(&r, &d), FS_EUNKNOWN_FIELD);
  assert_int_equal(d.type, 0);

  /* rows before fields cannot be mapped */
  fs__buf_reset(&r.b);
  raw_env(&r, 1, FS_MSG_PULL_BATCH, 3);
  raw_str(&r, "kind");
  raw_str(&r, "customer");
  raw_str(&r, "rows");
  msgpack_pack_array(&r.pk, 0);
  raw_str(&r, "fields");
  msgpack_pack_array(&r.pk, 0);
  assert_int_equal(raw_decode(&r, &d), FS_EPROTO);
  fs__buf_release(&r.b);
}

/* ---- limits: exactly at the bound, and one over ---------------------------- */

static void test_limit_changes(void **state) {
  raw r;
  fs_msg d;
  fs_buf b;
  fs_change *cs;
  const char *names[] = {"name"};

  (void)state;
  raw_init(&r);
  for (int over = 0; over <= 1; over++) {
    int n = FS_MSG_MAX_CHANGES + over;
    fs__buf_reset(&r.b);
    raw_push(&r, n);
    for (int i = 0; i < n; i++)
      raw_change(&r, "customer", ID1, 1, names, "A01");
    assert_int_equal(raw_decode(&r, &d), over ? FS_EOVERFLOW : 0);
    if (!over)
      assert_int_equal(d.u.push.n, FS_MSG_MAX_CHANGES);
    fs__msg_release(&d);
  }
  fs__buf_release(&r.b);

  cs = calloc(FS_MSG_MAX_CHANGES + 1, sizeof *cs);
  assert_non_null(cs);
  for (int i = 0; i <= FS_MSG_MAX_CHANGES; i++) {
    cs[i].kind = FS_KIND_VISIT;
    cs[i].op = FS_OP_DELETE;
    strcpy(cs[i].id, ID2);
    strcpy(cs[i].owner, "A01");
    strcpy(cs[i].author, "A01");
    cs[i].counter = (uint64_t)i;
  }
  fs__buf_init(&b, FS_MSG_MAX_BYTES);
  assert_int_equal(fs__push_encode(cs, FS_MSG_MAX_CHANGES + 1, 0, 0, &b), FS_EOVERFLOW);
  assert_int_equal(b.len, 0);
  assert_int_equal(fs__push_encode(cs, FS_MSG_MAX_CHANGES, 0, 0, &b), 0);
  assert_int_equal(fs__msg_decode(b.data, b.len, &d), 0);
  assert_int_equal(d.u.push.n, FS_MSG_MAX_CHANGES);
  assert_int_equal(d.u.push.changes[FS_MSG_MAX_CHANGES - 1].counter,
                   FS_MSG_MAX_CHANGES - 1);
  fs__msg_release(&d);
  /* the incremental encoder stops at the count limit too */
  {
    fs_push_enc e;
    fs__buf_reset(&b);
    assert_int_equal(fs__push_begin(&e, &b, 0, 0, FS_MSG_MAX_BYTES), 0);
    for (int i = 0; i < FS_MSG_MAX_CHANGES; i++)
      assert_int_equal(fs__push_add(&e, &cs[i]), 0);
    assert_int_equal(fs__push_add(&e, &cs[FS_MSG_MAX_CHANGES]), FS_ETOOBIG);
    assert_int_equal(fs__push_finish(&e), 0);
    assert_int_equal(fs__msg_decode(b.data, b.len, &d), 0);
    assert_int_equal(d.u.push.n, FS_MSG_MAX_CHANGES);
    fs__msg_release(&d);
  }
  fs__buf_release(&b);
  free(cs);
}

static void test_limit_fields(void **state) {
  raw r;
  fs_change c;
  fs_buf b;
  const fs_kind_def *kd = fs__kind_def(FS_KIND_CUSTOMER);
  const char *names[FS_MSG_MAX_FIELDS + 1];
  char extra[FS_MSG_MAX_FIELDS + 1][16];

  (void)state;
  /* Known fields first, then unknown names up to the count. */
  for (int i = 0; i <= FS_MSG_MAX_FIELDS; i++) {
    if (i < kd->nfields) {
      names[i] = kd->fields[i].name;
    } else {
      snprintf(extra[i], sizeof extra[i], "future_%d", i);
      names[i] = extra[i];
    }
  }
  raw_init(&r);
  raw_change(&r, "customer", ID1, FS_MSG_MAX_FIELDS, names, "A01");
  assert_int_equal(fs__change_decode(r.b.data, r.b.len, &c), FS_EUNKNOWN_FIELD);
  assert_int_equal(c.nfields, kd->nfields);
  fs__change_release(&c);
  fs__buf_reset(&r.b);
  raw_change(&r, "customer", ID1, FS_MSG_MAX_FIELDS + 1, names, "A01");
  assert_int_equal(fs__change_decode(r.b.data, r.b.len, &c), FS_EOVERFLOW);
  fs__buf_release(&r.b);

  /* encoder: over the count refused */
  memset(&c, 0, sizeof c);
  c.kind = FS_KIND_CUSTOMER;
  c.op = FS_OP_UPSERT;
  strcpy(c.id, ID1);
  strcpy(c.owner, "A01");
  strcpy(c.author, "A01");
  c.nfields = FS_MSG_MAX_FIELDS + 1;
  c.fields = calloc((size_t)c.nfields, sizeof *c.fields);
  assert_non_null(c.fields);
  fs__buf_init(&b, FS_MSG_MAX_BYTES);
  assert_int_equal(fs__change_encode(&c, &b), FS_EOVERFLOW);
  /* every field of the kind once: fine */
  c.nfields = kd->nfields;
  for (int i = 0; i < kd->nfields; i++)
    c.fields[i].field = i;
  assert_int_equal(fs__change_encode(&c, &b), 0);
  fs__change_release(&c);
  fs__buf_release(&b);
}

static void test_limit_text(void **state) {
  fs_change c, d;
  fs_buf b;
  raw r;
  char *big = malloc(FS_MSG_TEXT_MAX + 2);

  (void)state;
  assert_non_null(big);
  /* 3-byte characters then ASCII to land exactly on the limit */
  size_t n = 0;
  while (n + 3 <= FS_MSG_TEXT_MAX) {
    memcpy(big + n, "中", 3);
    n += 3;
  }
  while (n < FS_MSG_TEXT_MAX)
    big[n++] = 'x';
  big[n] = '\0';
  make_change(&c, 1, "x");
  assert_int_equal(fs__value_set_text(&c.fields[0].value, big, FS_MSG_TEXT_MAX), 0);
  fs__buf_init(&b, FS_MSG_MAX_BYTES);
  assert_int_equal(fs__change_encode(&c, &b), 0);
  assert_int_equal(fs__change_decode(b.data, b.len, &d), 0);
  assert_int_equal(d.fields[0].value.len, FS_MSG_TEXT_MAX);
  assert_memory_equal(d.fields[0].value.s, big, FS_MSG_TEXT_MAX);
  fs__change_release(&d);
  /* one over */
  big[FS_MSG_TEXT_MAX] = 'y';
  assert_int_equal(fs__value_set_text(&c.fields[0].value, big, FS_MSG_TEXT_MAX + 1), 0);
  fs__buf_reset(&b);
  assert_int_equal(fs__change_encode(&c, &b), FS_EOVERFLOW);
  assert_int_equal(b.len, 0);
  fs__change_release(&c);
  fs__buf_release(&b);

  /* decoder: a hand-made change with a 65537-byte value */
  raw_init(&r);
  msgpack_pack_array(&r.pk, 8);
  msgpack_pack_uint64(&r.pk, 1);
  raw_str(&r, "customer");
  raw_str(&r, ID1);
  msgpack_pack_uint64(&r.pk, 1);
  raw_str(&r, "A01");
  raw_str(&r, "A01");
  msgpack_pack_uint64(&r.pk, 1);
  msgpack_pack_array(&r.pk, 1);
  msgpack_pack_array(&r.pk, 3);
  raw_str(&r, "name");
  msgpack_pack_uint64(&r.pk, 1);
  msgpack_pack_str_with_body(&r.pk, big, FS_MSG_TEXT_MAX + 1);
  assert_int_equal(fs__change_decode(r.b.data, r.b.len, &d), FS_EOVERFLOW);
  fs__buf_release(&r.b);
  free(big);
}

/* A string field at exactly max bytes decodes; max + 1 is FS_EOVERFLOW from
 * both sides.  Checked on BYE reason (STR_MAX) and NOTICE kind (NAME_MAX). */
static void test_limit_strings(void **state) {
  char *s = malloc(FS_MSG_STR_MAX + 2);
  fs_msg m, d;
  fs_buf b;

  (void)state;
  assert_non_null(s);
  memset(s, 'r', FS_MSG_STR_MAX + 1);
  s[FS_MSG_STR_MAX] = '\0';
  fs__buf_init(&b, FS_MSG_MAX_BYTES);
  fs__msg_init(&m, FS_MSG_BYE);
  m.u.bye.reason = s;
  round_trip(&m, &d);
  assert_int_equal(strlen(d.u.bye.reason), FS_MSG_STR_MAX);
  fs__msg_release(&d);
  s[FS_MSG_STR_MAX] = 'r';
  s[FS_MSG_STR_MAX + 1] = '\0';
  assert_int_equal(fs__msg_encode(&m, &b), FS_EOVERFLOW);
  {
    raw r;
    raw_init(&r);
    raw_env(&r, 1, FS_MSG_BYE, 1);
    raw_str(&r, "reason");
    raw_str(&r, s);
    assert_int_equal(raw_decode(&r, &d), FS_EOVERFLOW);
    fs__buf_release(&r.b);
  }
  fs__msg_release(&m); /* frees s */

  fs__msg_init(&m, FS_MSG_NOTICE);
  m.u.notice.kind = malloc(FS_MSG_NAME_MAX + 2);
  assert_non_null(m.u.notice.kind);
  memset(m.u.notice.kind, 'k', FS_MSG_NAME_MAX);
  m.u.notice.kind[FS_MSG_NAME_MAX] = '\0';
  round_trip(&m, &d);
  assert_int_equal(strlen(d.u.notice.kind), FS_MSG_NAME_MAX);
  fs__msg_release(&d);
  m.u.notice.kind[FS_MSG_NAME_MAX] = 'k';
  m.u.notice.kind[FS_MSG_NAME_MAX + 1] = '\0';
  assert_int_equal(fs__msg_encode(&m, &b), FS_EOVERFLOW);
  fs__msg_release(&m);
  assert_int_equal(b.len, 0);
  fs__buf_release(&b);
}

/* Small counted limits: want, args, list, versions, keys. */
static void test_limit_small_counts(void **state) {
  raw r;
  fs_msg d;

  (void)state;
  raw_init(&r);
  for (int over = 0; over <= 1; over++) {
    /* HELLO want */
    fs__buf_reset(&r.b);
    raw_env(&r, 1, FS_MSG_HELLO, 6);
    raw_str(&r, "sw");
    raw_str(&r, "x");
    raw_str(&r, "time");
    msgpack_pack_uint64(&r.pk, 1);
    raw_str(&r, "cursor");
    msgpack_pack_uint64(&r.pk, 1);
    raw_str(&r, "outbox");
    msgpack_pack_uint64(&r.pk, 1);
    raw_str(&r, "oldest");
    msgpack_pack_uint64(&r.pk, 1);
    raw_str(&r, "want");
    msgpack_pack_array(&r.pk, FS_MSG_MAX_WANT + (size_t)over);
    for (int i = 0; i < FS_MSG_MAX_WANT + over; i++)
      raw_str(&r, "sync");
    assert_int_equal(raw_decode(&r, &d), over ? FS_EOVERFLOW : 0);
    fs__msg_release(&d);

    /* ADMIN args and a list argument */
    for (int which = 0; which < 2; which++) {
      fs__buf_reset(&r.b);
      raw_env(&r, 1, FS_MSG_ADMIN, 2);
      raw_str(&r, "cmd");
      raw_str(&r, "x");
      raw_str(&r, "args");
      if (which == 0) {
        msgpack_pack_map(&r.pk, FS_MSG_MAX_ARGS + (size_t)over);
        for (int i = 0; i < FS_MSG_MAX_ARGS + over; i++) {
          char k[16];
          snprintf(k, sizeof k, "k%d", i);
          raw_str(&r, k);
          msgpack_pack_int64(&r.pk, i);
        }
      } else {
        msgpack_pack_map(&r.pk, 1);
        raw_str(&r, "l");
        msgpack_pack_array(&r.pk, FS_MSG_MAX_LIST + (size_t)over);
        for (int i = 0; i < FS_MSG_MAX_LIST + over; i++)
          raw_str(&r, "s");
      }
      assert_int_equal(raw_decode(&r, &d), over ? FS_EOVERFLOW : 0);
      if (!over && which == 0)
        assert_int_equal(d.u.admin.nargs, FS_MSG_MAX_ARGS);
      if (!over && which == 1)
        assert_int_equal(d.u.admin.args[0].nlist, FS_MSG_MAX_LIST);
      fs__msg_release(&d);
    }

    /* ERROR versions */
    fs__buf_reset(&r.b);
    raw_env(&r, 1, FS_MSG_ERROR, 3);
    raw_str(&r, "code");
    msgpack_pack_int64(&r.pk, FS_EVERSION);
    raw_str(&r, "text");
    raw_str(&r, "");
    raw_str(&r, "versions");
    msgpack_pack_array(&r.pk, FS_MSG_MAX_VERSIONS + (size_t)over);
    for (int i = 0; i < FS_MSG_MAX_VERSIONS + over; i++)
      msgpack_pack_uint64(&r.pk, (uint64_t)i + 1);
    assert_int_equal(raw_decode(&r, &d), over ? FS_EOVERFLOW : 0);
    if (!over)
      assert_int_equal(d.u.error.versions[FS_MSG_MAX_VERSIONS - 1], FS_MSG_MAX_VERSIONS);
    fs__msg_release(&d);

    /* keys in a body map (the extra ones unknown) */
    fs__buf_reset(&r.b);
    raw_env(&r, 1, FS_MSG_NOTIFY, FS_MSG_MAX_KEYS + (size_t)over);
    raw_str(&r, "seq");
    msgpack_pack_uint64(&r.pk, 3);
    for (int i = 1; i < FS_MSG_MAX_KEYS + over; i++) {
      char k[16];
      snprintf(k, sizeof k, "x%d", i);
      raw_str(&r, k);
      msgpack_pack_nil(&r.pk);
    }
    assert_int_equal(raw_decode(&r, &d), over ? FS_EOVERFLOW : 0);
    fs__msg_release(&d);
  }
  fs__buf_release(&r.b);
}

static void test_limit_items(void **state) {
  fs_msg m, d;
  fs_buf b;

  (void)state;
  fs__buf_init(&b, FS_MSG_MAX_BYTES);
  fs__msg_init(&m, FS_MSG_EVICT);
  m.u.evict.items = calloc(FS_MSG_MAX_ITEMS + 1, sizeof *m.u.evict.items);
  assert_non_null(m.u.evict.items);
  for (int i = 0; i <= FS_MSG_MAX_ITEMS; i++) {
    m.u.evict.items[i].kind = FS_KIND_CONTACT;
    strcpy(m.u.evict.items[i].id, ID1);
  }
  m.u.evict.n = FS_MSG_MAX_ITEMS;
  round_trip(&m, &d);
  assert_int_equal(d.u.evict.n, FS_MSG_MAX_ITEMS);
  fs__msg_release(&d);
  m.u.evict.n = FS_MSG_MAX_ITEMS + 1;
  assert_int_equal(fs__msg_encode(&m, &b), FS_EOVERFLOW);
  fs__msg_release(&m);
  {
    raw r;
    raw_init(&r);
    raw_env(&r, 1, FS_MSG_EVICT, 1);
    raw_str(&r, "items");
    msgpack_pack_array(&r.pk, FS_MSG_MAX_ITEMS + 1);
    for (int i = 0; i <= FS_MSG_MAX_ITEMS; i++) {
      msgpack_pack_array(&r.pk, 2);
      raw_str(&r, "contact");
      raw_str(&r, ID1);
    }
    assert_int_equal(raw_decode(&r, &d), FS_EOVERFLOW);
    fs__buf_release(&r.b);
  }
  fs__buf_release(&b);
}

/* The whole message: exactly FS_MSG_MAX_BYTES encodes and decodes; one
 * more byte is refused by both. */
static void test_limit_message_bytes(void **state) {
  fs_msg m, d;
  fs_buf b;
  size_t overhead;
  uint8_t *big;

  (void)state;
  fs__buf_init(&b, 2 * FS_MSG_MAX_BYTES);
  fs__msg_init(&m, FS_MSG_ADMIN_RESULT);
  m.u.admin_result.out = dup("");
  assert_int_equal(fs__msg_encode(&m, &b), 0);
  overhead = b.len + 4; /* out becomes str32: 4 more header bytes */
  free(m.u.admin_result.out);
  m.u.admin_result.out = malloc(FS_MSG_MAX_BYTES);
  assert_non_null(m.u.admin_result.out);
  memset(m.u.admin_result.out, 'o', FS_MSG_MAX_BYTES - overhead);
  m.u.admin_result.out[FS_MSG_MAX_BYTES - overhead] = '\0';
  fs__buf_reset(&b);
  assert_int_equal(fs__msg_encode(&m, &b), 0);
  assert_int_equal(b.len, FS_MSG_MAX_BYTES);
  assert_int_equal(fs__msg_decode(b.data, b.len, &d), 0);
  assert_int_equal(strlen(d.u.admin_result.out), FS_MSG_MAX_BYTES - overhead);
  fs__msg_release(&d);
  m.u.admin_result.out[FS_MSG_MAX_BYTES - overhead] = 'o';
  m.u.admin_result.out[FS_MSG_MAX_BYTES - overhead + 1] = '\0';
  fs__buf_reset(&b);
  assert_int_equal(fs__msg_encode(&m, &b), FS_ETOOBIG);
  assert_int_equal(b.len, 0);
  fs__msg_release(&m);
  big = calloc(FS_MSG_MAX_BYTES + 1, 1);
  assert_non_null(big);
  assert_int_equal(fs__msg_decode(big, FS_MSG_MAX_BYTES + 1, &d), FS_ETOOBIG);
  free(big);
  /* a small buffer limit is honoured and rolled back */
  fs__buf_release(&b);
  fs__buf_init(&b, 10);
  sample(FS_MSG_HELLO, &m);
  assert_int_equal(fs__msg_encode(&m, &b), FS_ETOOBIG);
  assert_int_equal(b.len, 0);
  fs__msg_release(&m);
  fs__buf_release(&b);
}

/* ---- incremental encoders --------------------------------------------------- */

static void test_push_cut_by_size(void **state) {
  fs_push_enc e;
  fs_buf b;
  fs_change c;
  fs_msg d;
  uint32_t added = 0;
  const size_t max = 2000;

  (void)state;
  make_change(&c, 0, ZH);
  fs__buf_init(&b, FS_MSG_MAX_BYTES);
  assert_int_equal(fs__push_begin(&e, &b, 100, 5, max), 0);
  for (;;) {
    c.counter = added + 1;
    int rc = fs__push_add(&e, &c);
    if (rc == FS_ETOOBIG)
      break;
    assert_int_equal(rc, 0);
    added++;
  }
  assert_true(added > 5);
  assert_true(b.len <= max);
  assert_int_equal(fs__push_finish(&e), 0);
  assert_int_equal(fs__msg_decode(b.data, b.len, &d), 0);
  assert_int_equal(d.u.push.n, added);
  assert_int_equal(d.u.push.outbox, 100);
  assert_int_equal(d.u.push.changes[added - 1].counter, added);
  fs__msg_release(&d);
  /* a begin that does not fit */
  fs__buf_reset(&b);
  assert_int_equal(fs__push_begin(&e, &b, 0, 0, 5), FS_ETOOBIG);
  assert_int_equal(b.len, 0);
  assert_int_equal(fs__push_add(&e, &c), FS_ESTATE);
  assert_int_equal(fs__push_finish(&e), FS_ESTATE);
  /* an invalid change is refused and leaves the message intact */
  fs__buf_reset(&b);
  assert_int_equal(fs__push_begin(&e, &b, 0, 0, max), 0);
  c.op = 7;
  assert_int_equal(fs__push_add(&e, &c), FS_EINVAL);
  assert_int_equal(fs__push_finish(&e), 0);
  assert_int_equal(fs__msg_decode(b.data, b.len, &d), 0);
  assert_int_equal(d.u.push.n, 0);
  fs__msg_release(&d);
  fs__change_release(&c);
  fs__buf_release(&b);
}

static void test_batch_cut_by_size_and_rows(void **state) {
  fs_batch_enc e;
  fs_buf b;
  fs_row row, other;
  fs_msg d;
  int cols[3];
  uint32_t added = 0;
  const size_t max = 4096;

  (void)state;
  batch_cols(cols);
  make_row(&row, ID1, ZH);
  fs__buf_init(&b, FS_MSG_MAX_BYTES);
  assert_int_equal(fs__batch_begin(&e, &b, FS_KIND_CUSTOMER, cols, 3, max), 0);
  for (;;) {
    row.seq = added + 1;
    int rc = fs__batch_add_row(&e, &row);
    if (rc == FS_ETOOBIG)
      break;
    assert_int_equal(rc, 0);
    added++;
  }
  assert_true(added > 10);
  assert_true(b.len <= max);
  assert_int_equal(fs__batch_finish(&e), 0);
  assert_int_equal(fs__msg_decode(b.data, b.len, &d), 0);
  assert_int_equal(d.u.pull_batch.nrows, added);
  assert_int_equal(d.u.pull_batch.rows[added - 1].seq, added);
  fs__msg_release(&d);

  /* a row of another kind, and bad column lists */
  assert_int_equal(fs__row_init(&other, FS_KIND_VISIT), 0);
  fs__buf_reset(&b);
  assert_int_equal(fs__batch_begin(&e, &b, FS_KIND_CUSTOMER, cols, 3, max), 0);
  assert_int_equal(fs__batch_add_row(&e, &other), FS_EINVAL);
  assert_int_equal(fs__batch_finish(&e), 0);
  assert_int_equal(fs__msg_decode(b.data, b.len, &d), 0);
  assert_int_equal(d.u.pull_batch.nrows, 0);
  fs__msg_release(&d);
  fs__row_release(&other);
  fs__buf_reset(&b);
  cols[1] = cols[0];
  assert_int_equal(fs__batch_begin(&e, &b, FS_KIND_CUSTOMER, cols, 3, max), FS_EINVAL);
  cols[1] = 999;
  assert_int_equal(fs__batch_begin(&e, &b, FS_KIND_CUSTOMER, cols, 3, max), FS_EINVAL);
  assert_int_equal(b.len, 0);
  assert_int_equal(fs__batch_finish(&e), FS_ESTATE);
  /* a begin that does not fit leaves the encoder unusable, not corrupt */
  batch_cols(cols);
  assert_int_equal(fs__batch_begin(&e, &b, FS_KIND_CUSTOMER, cols, 3, 10), FS_ETOOBIG);
  assert_int_equal(b.len, 0);
  assert_int_equal(fs__batch_add_row(&e, &row), FS_ESTATE);
  assert_int_equal(fs__batch_finish(&e), FS_ESTATE);

  /* exactly FS_MSG_MAX_ROWS rows fit; the next is refused; a decoder
   * refuses a batch of FS_MSG_MAX_ROWS + 1 */
  batch_cols(cols);
  assert_int_equal(fs__batch_begin(&e, &b, FS_KIND_CUSTOMER, cols, 1,
                                   FS_MSG_MAX_BYTES), 0);
  set_text(&row.values[cols[0]], "r");
  for (int i = 0; i < FS_MSG_MAX_ROWS; i++)
    assert_int_equal(fs__batch_add_row(&e, &row), 0);
  assert_int_equal(fs__batch_add_row(&e, &row), FS_ETOOBIG);
  assert_int_equal(fs__batch_finish(&e), 0);
  assert_int_equal(fs__msg_decode(b.data, b.len, &d), 0);
  assert_int_equal(d.u.pull_batch.nrows, FS_MSG_MAX_ROWS);
  fs__msg_release(&d);
  {
    /* bump the array32 count in place and append one more row */
    size_t before = b.len;
    fs_buf one;
    fs__buf_init(&one, FS_MSG_MAX_BYTES);
    assert_int_equal(fs__batch_begin(&e, &one, FS_KIND_CUSTOMER, cols, 1,
                                     FS_MSG_MAX_BYTES), 0);
    size_t hdr = one.len;
    assert_int_equal(fs__batch_add_row(&e, &row), 0);
    assert_int_equal(fs__buf_append(&b, one.data + hdr, one.len - hdr), 0);
    assert_true(b.len > before);
    uint32_t n = FS_MSG_MAX_ROWS + 1;
    b.data[hdr - 4] = (uint8_t)(n >> 24);
    b.data[hdr - 3] = (uint8_t)(n >> 16);
    b.data[hdr - 2] = (uint8_t)(n >> 8);
    b.data[hdr - 1] = (uint8_t)n;
    assert_int_equal(fs__msg_decode(b.data, b.len, &d), FS_EOVERFLOW);
    fs__buf_release(&one);
  }
  fs__row_release(&row);
  fs__buf_release(&b);
}

/* ---- seed corpus -------------------------------------------------------------- */

/* Every sample decodes; with FS_MSG_CORPUS_DIR set they are written there
 * as <NN>_<TYPE>.msgpack seeds for fuzz_proto_msg. */
static void test_corpus_seeds(void **state) {
  const char *dir = getenv("FS_MSG_CORPUS_DIR");

  (void)state;
  for (int t = 1; t <= FS_MSG_TYPE_MAX; t++) {
    fs_buf b;
    fs_msg d;
    encode_sample((fs_msg_type)t, &b);
    assert_int_equal(fs__msg_decode(b.data, b.len, &d), 0);
    fs__msg_release(&d);
    if (dir) {
      char path[512];
      FILE *f;
      snprintf(path, sizeof path, "%s/%02d_%s.msgpack", dir, t, fs__msg_type_name(t));
      f = fopen(path, "wb");
      assert_non_null(f);
      assert_int_equal(fwrite(b.data, 1, b.len, f), b.len);
      assert_int_equal(fclose(f), 0);
    }
    fs__buf_release(&b);
  }
  if (dir) {
    char path[512];
    FILE *f;
    fs_buf b;
    fs_change c;
    make_change(&c, 5, ZH);
    fs__buf_init(&b, FS_MSG_MAX_BYTES);
    assert_int_equal(fs__change_encode(&c, &b), 0);
    snprintf(path, sizeof path, "%s/change.msgpack", dir);
    f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b.data, 1, b.len, f), b.len);
    assert_int_equal(fclose(f), 0);
    fs__change_release(&c);
    fs__buf_release(&b);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_buf_bounded),
      cmocka_unit_test(test_type_names),
      cmocka_unit_test(test_kinds_fit_limits),
      cmocka_unit_test(test_round_trip_every_type),
      cmocka_unit_test(test_round_trip_hello_welcome),
      cmocka_unit_test(test_round_trip_push),
      cmocka_unit_test(test_round_trip_results_batch_misc),
      cmocka_unit_test(test_chinese_byte_for_byte),
      cmocka_unit_test(test_change_codec),
      cmocka_unit_test(test_truncated_every_prefix),
      cmocka_unit_test(test_trailing_bytes),
      cmocka_unit_test(test_version_and_type),
      cmocka_unit_test(test_wrong_types),
      cmocka_unit_test(test_bad_record_values),
      cmocka_unit_test(test_unknown_key_ignored),
      cmocka_unit_test(test_unknown_record_field),
      cmocka_unit_test(test_limit_changes),
      cmocka_unit_test(test_limit_fields),
      cmocka_unit_test(test_limit_text),
      cmocka_unit_test(test_limit_strings),
      cmocka_unit_test(test_limit_small_counts),
      cmocka_unit_test(test_limit_items),
      cmocka_unit_test(test_limit_message_bytes),
      cmocka_unit_test(test_push_cut_by_size),
      cmocka_unit_test(test_batch_cut_by_size_and_rows),
      cmocka_unit_test(test_corpus_seeds),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
