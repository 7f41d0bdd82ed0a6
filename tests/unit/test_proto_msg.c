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
    m->u.admin_result.table = dup("fs-table 1\nc\t1\t0\tmoved\t\\N\nr\ti3\n");
    m->u.admin_result.table_end = 7;
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
    m->u.ping.n = 0x7fffffffffffffffull; /* the largest uint (5.1) */
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


/* Issue 14: the archive serial keys of HELLO and WELCOME (PROTOCOL.md
 * 5.5.2 "Archive serials") round-trip; bad values are refused both ways. */
static void test_round_trip_serials(void **state) {
  fs_msg m, d;
  fs_buf b;
  size_t k;
  (void)state;

  fs__msg_init(&m, FS_MSG_HELLO);
  m.u.hello.blocks = 1;
  m.u.hello.serials_left = 17;
  round_trip(&m, &d);
  assert_int_equal(d.u.hello.blocks, 1);
  assert_int_equal(d.u.hello.serials_left, 17);
  fs__msg_release(&m);
  fs__msg_release(&d);

  sample(FS_MSG_WELCOME, &m);
  m.u.welcome.archive_year = 2;
  m.u.welcome.nserials = 2;
  m.u.welcome.serials[0] = (fs_serial_range){3, 20};
  m.u.welcome.serials[1] = (fs_serial_range){41, 60};
  round_trip(&m, &d);
  assert_int_equal(d.u.welcome.archive_year, 2);
  assert_int_equal(d.u.welcome.nserials, 2);
  assert_int_equal(d.u.welcome.serials[1].first, 41);
  assert_int_equal(d.u.welcome.serials[1].last, 60);
  fs__msg_release(&d);
  /* Sent also when empty, with archive_year. */
  m.u.welcome.nserials = 0;
  round_trip(&m, &d);
  assert_int_equal(d.u.welcome.archive_year, 2);
  assert_int_equal(d.u.welcome.nserials, 0);
  fs__msg_release(&d);
  /* The encoder refuses what a receiver would. */
  fs__buf_init(&b, FS_MSG_MAX_BYTES);
  m.u.welcome.nserials = 2;
  m.u.welcome.serials[1] = (fs_serial_range){10, 30}; /* overlaps 3-20 */
  assert_int_equal(fs__msg_encode(&m, &b), FS_EINVAL);
  m.u.welcome.serials[1] = (fs_serial_range){41, 60};
  m.u.welcome.archive_year = 3;
  assert_int_equal(fs__msg_encode(&m, &b), FS_EINVAL);
  /* The decoder refuses a year other than 2 or 4. */
  m.u.welcome.archive_year = 4;
  b.len = 0;
  assert_int_equal(fs__msg_encode(&m, &b), 0);
  for (k = 0; k + 13 < b.len; k++)
    if (memcmp(b.data + k, "archive_year", 12) == 0)
      break;
  assert_true(k + 13 < b.len);
  assert_int_equal(b.data[k + 12], 4); /* positive fixint after the key */
  b.data[k + 12] = 5;
  assert_int_equal(fs__msg_decode(b.data, b.len, &d), FS_EPROTO);
  fs__msg_release(&d);
  fs__buf_release(&b);
  fs__msg_release(&m);
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
  assert_int_equal(d.u.ping.n, 0x7fffffffffffffffull);

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
  /* Issue 15: a listing's typed table, optional keys. */
  assert_string_equal(d.u.admin_result.table, m.u.admin_result.table);
  assert_int_equal(d.u.admin_result.table_end, 7);
  fs__msg_release(&m);
  fs__msg_release(&d);
  /* Without them (an older daemon): absent, the rest as before. */
  sample(FS_MSG_ADMIN_RESULT, &m);
  free(m.u.admin_result.table);
  m.u.admin_result.table = NULL;
  m.u.admin_result.table_end = 0;
  round_trip(&m, &d);
  assert_null(d.u.admin_result.table);
  assert_int_equal(d.u.admin_result.table_end, 0);
  assert_string_equal(d.u.admin_result.out, "3 cards moved\n");
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

/* Appends change c as encoded by fs__change_encode (the PUSH element). */
static void raw_change_bytes(raw *r, const fs_change *c) {
  fs_buf b;

  fs__buf_init(&b, FS_MSG_MAX_BYTES);
  assert_int_equal(fs__change_encode(c, &b), 0);
  assert_int_equal(fs__buf_append(&r->b, b.data, b.len), 0);
  fs__buf_release(&b);
}

/* The envelope of a PUSH of 4 keys and its outbox and oldest keys; the
 * caller writes "changes" and "bases". */
static void raw_push_head(raw *r) {
  raw_env(r, 1, FS_MSG_PUSH, 4);
  raw_str(r, "outbox");
  msgpack_pack_uint64(&r->pk, 1);
  raw_str(r, "oldest");
  msgpack_pack_uint64(&r->pk, 0);
}

/* A fresh PUSH in r up to the value of "bases" (after changes: [c]). */
static void raw_push_bases(raw *r, const fs_change *c) {
  fs__buf_reset(&r->b);
  raw_push_head(r);
  raw_str(r, "changes");
  msgpack_pack_array(&r->pk, 1);
  raw_change_bytes(r, c);
  raw_str(r, "bases");
}

/* 1 if the n bytes at p hold the string s. */
static int has_bytes(const uint8_t *p, size_t n, const char *s) {
  size_t k = strlen(s);

  for (size_t i = 0; i + k <= n; i++)
    if (memcmp(p + i, s, k) == 0)
      return 1;
  return 0;
}

/* PUSH "bases" (PROTOCOL.md 5.5.3): optional, after "changes", one entry
 * per change, nil or one hlc per field write. */
static void test_push_bases(void **state) {
  fs_msg m, d;
  fs_change cs[2];
  fs_buf b;
  fs_push_enc e;
  raw r;
  const size_t max = 3000;
  uint32_t added = 0;

  (void)state;
  make_change(&cs[0], 1, "first");
  make_change(&cs[1], 2, "second");
  cs[0].fields[0].base = 0x0190a1b2c3d40000ull;
  cs[0].fields[2].base = FS_MSG_UINT_MAX;
  fs__msg_init(&m, FS_MSG_PUSH);
  m.u.push.changes = cs;
  m.u.push.n = 2;
  m.u.push.outbox = 2;
  round_trip(&m, &d);
  if (getenv("FS_MSG_CORPUS_DIR")) { /* a fuzz seed with bases, as test_corpus_seeds */
    char path[512];
    FILE *f;
    fs__buf_init(&b, FS_MSG_MAX_BYTES);
    assert_int_equal(fs__msg_encode(&m, &b), 0);
    snprintf(path, sizeof path, "%s/03_PUSH_bases.msgpack", getenv("FS_MSG_CORPUS_DIR"));
    f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b.data, 1, b.len, f), b.len);
    assert_int_equal(fclose(f), 0);
    fs__buf_release(&b);
  }
  assert_int_equal(d.u.push.changes[0].fields[0].base, 0x0190a1b2c3d40000ull);
  assert_int_equal(d.u.push.changes[0].fields[1].base, 0);
  assert_int_equal(d.u.push.changes[0].fields[2].base, FS_MSG_UINT_MAX);
  for (int i = 0; i < 3; i++)
    assert_int_equal(d.u.push.changes[1].fields[i].base, 0);
  fs__msg_release(&d);

  /* The incremental encoder writes the same bases after the changes. */
  fs__buf_init(&b, FS_MSG_MAX_BYTES);
  assert_int_equal(fs__push_begin(&e, &b, 2, 0, FS_MSG_MAX_BYTES), 0);
  assert_int_equal(fs__push_add(&e, &cs[0]), 0);
  assert_int_equal(fs__push_add(&e, &cs[1]), 0);
  assert_int_equal(fs__push_finish(&e), 0);
  assert_int_equal(fs__msg_decode(b.data, b.len, &d), 0);
  assert_int_equal(d.u.push.n, 2);
  assert_int_equal(d.u.push.changes[0].fields[0].base, 0x0190a1b2c3d40000ull);
  assert_int_equal(d.u.push.changes[0].fields[2].base, FS_MSG_UINT_MAX);
  assert_int_equal(d.u.push.changes[1].fields[0].base, 0);
  fs__msg_release(&d);

  /* Without a base the PUSH is what the previous release sends: no key. */
  fs__buf_reset(&b);
  cs[0].fields[0].base = cs[0].fields[2].base = 0;
  assert_int_equal(fs__push_begin(&e, &b, 2, 0, FS_MSG_MAX_BYTES), 0);
  assert_int_equal(fs__push_add(&e, &cs[0]), 0);
  assert_int_equal(fs__push_finish(&e), 0);
  assert_false(has_bytes(b.data, b.len, "bases"));
  fs__buf_reset(&b);
  assert_int_equal(fs__msg_encode(&m, &b), 0);
  assert_false(has_bytes(b.data, b.len, "bases"));

  /* The incremental encoder counts the bases against its maximum. */
  cs[0].fields[1].base = 77;
  fs__buf_reset(&b);
  assert_int_equal(fs__push_begin(&e, &b, 100, 0, max), 0);
  for (;;) {
    int rc;
    cs[0].counter = added + 1;
    rc = fs__push_add(&e, &cs[0]);
    if (rc == FS_ETOOBIG)
      break;
    assert_int_equal(rc, 0);
    added++;
  }
  assert_int_equal(fs__push_finish(&e), 0);
  assert_true(added > 5);
  assert_true(b.len <= max);
  assert_int_equal(fs__msg_decode(b.data, b.len, &d), 0);
  assert_int_equal(d.u.push.n, added);
  assert_int_equal(d.u.push.changes[added - 1].fields[1].base, 77);
  fs__msg_release(&d);
  /* An abandoned message: finish frees the bases kept aside (ASan). */
  fs__buf_reset(&b);
  assert_int_equal(fs__push_begin(&e, &b, 1, 0, max), 0);
  assert_int_equal(fs__push_add(&e, &cs[0]), 0);
  cs[1].op = 7;
  assert_int_equal(fs__push_add(&e, &cs[1]), FS_EINVAL);
  cs[1].op = FS_OP_UPSERT;
  assert_int_equal(fs__push_finish(&e), 0);
  fs__buf_release(&b);

  /* Hand-made: a nil entry is a change without bases. */
  raw_init(&r);
  raw_push_bases(&r, &cs[0]);
  msgpack_pack_array(&r.pk, 1);
  msgpack_pack_nil(&r.pk);
  assert_int_equal(raw_decode(&r, &d), 0);
  assert_int_equal(d.u.push.changes[0].fields[1].base, 0);
  fs__msg_release(&d);
  /* one entry per change */
  raw_push_bases(&r, &cs[0]);
  msgpack_pack_array(&r.pk, 2);
  msgpack_pack_nil(&r.pk);
  msgpack_pack_nil(&r.pk);
  assert_int_equal(raw_decode(&r, &d), FS_EPROTO);
  /* one base per field write (the change has 3) */
  raw_push_bases(&r, &cs[0]);
  msgpack_pack_array(&r.pk, 1);
  msgpack_pack_array(&r.pk, 2);
  msgpack_pack_uint64(&r.pk, 1);
  msgpack_pack_uint64(&r.pk, 2);
  assert_int_equal(raw_decode(&r, &d), FS_EPROTO);
  /* a base is an hlc: at most 2^63-1, never negative or text */
  for (int bad = 0; bad < 3; bad++) {
    raw_push_bases(&r, &cs[0]);
    msgpack_pack_array(&r.pk, 1);
    msgpack_pack_array(&r.pk, 3);
    msgpack_pack_uint64(&r.pk, 1);
    msgpack_pack_uint64(&r.pk, 2);
    if (bad == 0)
      msgpack_pack_uint64(&r.pk, FS_MSG_UINT_MAX + 1);
    else if (bad == 1)
      msgpack_pack_int64(&r.pk, -1);
    else
      raw_str(&r, "3");
    assert_int_equal(raw_decode(&r, &d), FS_EPROTO);
  }
  /* not an array */
  raw_push_bases(&r, &cs[0]);
  msgpack_pack_nil(&r.pk);
  assert_int_equal(raw_decode(&r, &d), FS_EPROTO);
  /* "bases" before "changes" */
  fs__buf_reset(&r.b);
  raw_push_head(&r);
  raw_str(&r, "bases");
  msgpack_pack_array(&r.pk, 1);
  msgpack_pack_nil(&r.pk);
  raw_str(&r, "changes");
  msgpack_pack_array(&r.pk, 1);
  raw_change_bytes(&r, &cs[0]);
  assert_int_equal(raw_decode(&r, &d), FS_EPROTO);
  fs__buf_release(&r.b);
  fs__change_release(&cs[0]);
  fs__change_release(&cs[1]);
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

/* ---- golden bytes ------------------------------------------------------------
 * The exact encoding of every message type, captured from the codec and
 * pasted here, so a change to the codec cannot change the wire unnoticed.
 * Each golden is also decoded back and compared field by field, and its
 * decoder behaviour is pinned by a sweep: the exact return code of every
 * prefix and of three one-byte mutations at every position. */

/* One letter per return code, for the sweeps. */
static char rc_letter(int rc) {
  switch (rc) {
  case 0:
    return '.';
  case FS_ETRUNC:
    return 'T';
  case FS_EPROTO:
    return 'P';
  case FS_EOVERFLOW:
    return 'O';
  case FS_EVERSION:
    return 'V';
  case FS_EUNKNOWN_FIELD:
    return 'U';
  case FS_ETOOBIG:
    return 'B';
  case FS_ENOMEM:
    return 'M';
  default:
    return '?';
  }
}

static char *to_hex(const uint8_t *p, size_t n) {
  static const char digits[] = "0123456789abcdef";
  char *h = malloc(2 * n + 1);

  assert_non_null(h);
  for (size_t i = 0; i < n; i++) {
    h[2 * i] = digits[p[i] >> 4];
    h[2 * i + 1] = digits[p[i] & 15];
  }
  h[2 * n] = '\0';
  return h;
}

static uint8_t *from_hex(const char *h, size_t *n) {
  size_t len = strlen(h);
  uint8_t *p = malloc(len / 2 + 1);

  assert_int_equal(len % 2, 0);
  assert_non_null(p);
  for (size_t i = 0; i < len / 2; i++) {
    unsigned v;
    assert_int_equal(sscanf(h + 2 * i, "%2x", &v), 1);
    p[i] = (uint8_t)v;
  }
  *n = len / 2;
  return p;
}

/* Run-length coded letters: "T12P" is twelve T then one P. */
typedef struct rle {
  char s[8192];
  size_t len;
  char last;
  unsigned run;
} rle;

static void rle_flush(rle *e) {
  int w;

  if (e->run == 0)
    return;
  w = e->run > 1 ? snprintf(e->s + e->len, sizeof e->s - e->len, "%c%u", e->last, e->run)
                 : snprintf(e->s + e->len, sizeof e->s - e->len, "%c", e->last);
  assert_true(w > 0 && (size_t)w < sizeof e->s - e->len);
  e->len += (size_t)w;
  e->run = 0;
}

static void rle_put(rle *e, char c) {
  if (e->run && c != e->last)
    rle_flush(e);
  e->last = c;
  e->run++;
}

/* Decodes as a message (is_change 0) or as a bare change; returns the rc
 * and frees whatever was decoded. */
static int decode_rc(const uint8_t *p, size_t n, int is_change) {
  uint8_t *copy = malloc(n ? n : 1); /* exactly n bytes, for ASan */
  int rc;

  assert_non_null(copy);
  if (n)
    memcpy(copy, p, n);
  if (is_change) {
    fs_change c;
    rc = fs__change_decode(copy, n, &c);
    fs__change_release(&c);
  } else {
    fs_msg m;
    rc = fs__msg_decode(copy, n, &m);
    fs__msg_release(&m);
  }
  free(copy);
  return rc;
}

/* The sweep of one golden: every prefix, then '|', then for every byte the
 * codes with it replaced by 0xc1 (never used), 0xc0 (nil) and itself + 1. */
static void sweep(const uint8_t *p, size_t n, int is_change, rle *e) {
  uint8_t *m = malloc(n);

  assert_non_null(m);
  memset(e, 0, sizeof *e);
  for (size_t k = 0; k < n; k++)
    rle_put(e, rc_letter(decode_rc(p, k, is_change)));
  rle_flush(e);
  rle_put(e, '|');
  for (size_t i = 0; i < n; i++) {
    const uint8_t subst[3] = {0xc1, 0xc0, (uint8_t)(p[i] + 1)};
    for (int s = 0; s < 3; s++) {
      memcpy(m, p, n);
      m[i] = subst[s];
      rle_put(e, rc_letter(decode_rc(m, n, is_change)));
    }
  }
  rle_flush(e);
  free(m);
}

static void assert_str_same(const char *a, const char *b) {
  assert_string_equal(a ? a : "", b ? b : "");
}

static void assert_value_same(const fs_value *a, const fs_value *b) {
  assert_int_equal(a->type, b->type);
  if (a->type == FS_V_INT)
    assert_int_equal(a->i, b->i);
  if (a->type == FS_V_TEXT) {
    assert_int_equal(a->len, b->len);
    assert_memory_equal(a->s, b->s, a->len);
  }
}

static void assert_change_same(const fs_change *a, const fs_change *b) {
  assert_int_equal(a->kind, b->kind);
  assert_string_equal(a->id, b->id);
  assert_int_equal(a->op, b->op);
  assert_string_equal(a->owner, b->owner);
  assert_string_equal(a->author, b->author);
  assert_int_equal(a->counter, b->counter);
  assert_int_equal(a->hlc, b->hlc);
  assert_int_equal(a->nfields, b->nfields);
  for (int i = 0; i < a->nfields; i++) {
    assert_int_equal(a->fields[i].field, b->fields[i].field);
    assert_int_equal(a->fields[i].hlc, b->fields[i].hlc);
    assert_value_same(&a->fields[i].value, &b->fields[i].value);
  }
}

/* Field-by-field equality of a built message and its decoded golden. */
static void assert_msg_same(const fs_msg *a, const fs_msg *b) {
  assert_int_equal(a->type, b->type);
  switch (a->type) {
  case FS_MSG_HELLO:
    assert_str_same(a->u.hello.sw, b->u.hello.sw);
    assert_int_equal(a->u.hello.time, b->u.hello.time);
    assert_int_equal(a->u.hello.cursor, b->u.hello.cursor);
    assert_int_equal(a->u.hello.outbox, b->u.hello.outbox);
    assert_int_equal(a->u.hello.oldest, b->u.hello.oldest);
    assert_int_equal(a->u.hello.want, b->u.hello.want);
    assert_str_same(a->u.hello.token, b->u.hello.token);
    break;
  case FS_MSG_WELCOME:
    assert_int_equal(a->u.welcome.ok, b->u.welcome.ok);
    assert_int_equal(a->u.welcome.code, b->u.welcome.code);
    assert_str_same(a->u.welcome.text, b->u.welcome.text);
    assert_int_equal(a->u.welcome.time, b->u.welcome.time);
    assert_int_equal(a->u.welcome.device, b->u.welcome.device);
    assert_string_equal(a->u.welcome.staff, b->u.welcome.staff);
    assert_str_same(a->u.welcome.role, b->u.welcome.role);
    assert_int_equal(a->u.welcome.slot, b->u.welcome.slot);
    assert_str_same(a->u.welcome.name, b->u.welcome.name);
    assert_int_equal(a->u.welcome.wipe, b->u.welcome.wipe);
    assert_str_same(a->u.welcome.owners, b->u.welcome.owners);
    assert_int_equal(a->u.welcome.counter, b->u.welcome.counter);
    break;
  case FS_MSG_PUSH:
    assert_int_equal(a->u.push.n, b->u.push.n);
    assert_int_equal(a->u.push.outbox, b->u.push.outbox);
    assert_int_equal(a->u.push.oldest, b->u.push.oldest);
    for (uint32_t i = 0; i < a->u.push.n; i++) {
      assert_change_same(&a->u.push.changes[i], &b->u.push.changes[i]);
      assert_int_equal(b->u.push.rcs[i], 0);
    }
    break;
  case FS_MSG_PUSH_RESULT:
    assert_int_equal(a->u.push_result.n, b->u.push_result.n);
    for (uint32_t i = 0; i < a->u.push_result.n; i++) {
      const fs_push_result *x = &a->u.push_result.results[i];
      const fs_push_result *y = &b->u.push_result.results[i];
      assert_int_equal(x->counter, y->counter);
      assert_int_equal(x->outcome, y->outcome);
      assert_int_equal(x->code, y->code);
      assert_str_same(x->reason, y->reason);
    }
    break;
  case FS_MSG_PULL:
    assert_int_equal(a->u.pull.cursor, b->u.pull.cursor);
    assert_int_equal(a->u.pull.limit, b->u.pull.limit);
    break;
  case FS_MSG_PULL_BATCH:
    assert_int_equal(a->u.pull_batch.kind, b->u.pull_batch.kind);
    assert_int_equal(a->u.pull_batch.ncols, b->u.pull_batch.ncols);
    assert_int_equal(a->u.pull_batch.nrows, b->u.pull_batch.nrows);
    for (int c = 0; c < a->u.pull_batch.ncols; c++)
      assert_int_equal(a->u.pull_batch.cols[c], b->u.pull_batch.cols[c]);
    for (uint32_t i = 0; i < a->u.pull_batch.nrows; i++) {
      const fs_row *x = &a->u.pull_batch.rows[i];
      const fs_row *y = &b->u.pull_batch.rows[i];
      assert_int_equal(b->u.pull_batch.rcs[i], 0);
      assert_string_equal(x->id, y->id);
      assert_string_equal(x->owner, y->owner);
      assert_string_equal(x->author, y->author);
      assert_int_equal(x->deleted, y->deleted);
      assert_int_equal(x->hlc, y->hlc);
      assert_int_equal(x->seq, y->seq);
      for (int c = 0; c < a->u.pull_batch.ncols; c++) {
        int f = a->u.pull_batch.cols[c];
        assert_int_equal(x->clk[f], y->clk[f]);
        assert_value_same(&x->values[f], &y->values[f]);
      }
    }
    break;
  case FS_MSG_CHECKPOINT:
    assert_int_equal(a->u.checkpoint.cursor, b->u.checkpoint.cursor);
    assert_int_equal(a->u.checkpoint.more, b->u.checkpoint.more);
    break;
  case FS_MSG_NOTIFY:
    assert_int_equal(a->u.notify.seq, b->u.notify.seq);
    break;
  case FS_MSG_EVICT:
    assert_int_equal(a->u.evict.n, b->u.evict.n);
    for (uint32_t i = 0; i < a->u.evict.n; i++) {
      assert_int_equal(a->u.evict.items[i].kind, b->u.evict.items[i].kind);
      assert_string_equal(a->u.evict.items[i].id, b->u.evict.items[i].id);
    }
    break;
  case FS_MSG_WIPE:
    assert_str_same(a->u.wipe.reason, b->u.wipe.reason);
    break;
  case FS_MSG_ERROR:
    assert_int_equal(a->u.error.code, b->u.error.code);
    assert_str_same(a->u.error.text, b->u.error.text);
    assert_int_equal(a->u.error.nversions, b->u.error.nversions);
    for (int i = 0; i < a->u.error.nversions; i++)
      assert_int_equal(a->u.error.versions[i], b->u.error.versions[i]);
    break;
  case FS_MSG_ADMIN:
    assert_str_same(a->u.admin.cmd, b->u.admin.cmd);
    assert_int_equal(a->u.admin.nargs, b->u.admin.nargs);
    for (uint32_t i = 0; i < a->u.admin.nargs; i++) {
      const fs_admin_arg *x = &a->u.admin.args[i];
      const fs_admin_arg *y = &b->u.admin.args[i];
      assert_str_same(x->key, y->key);
      assert_int_equal(x->type, y->type);
      if (x->type == FS_ARG_STR)
        assert_str_same(x->s, y->s);
      if (x->type == FS_ARG_INT || x->type == FS_ARG_BOOL)
        assert_int_equal(x->i, y->i);
      assert_int_equal(x->nlist, y->nlist);
      for (uint32_t j = 0; j < x->nlist; j++)
        assert_str_same(x->list[j], y->list[j]);
    }
    break;
  case FS_MSG_ADMIN_RESULT:
    assert_int_equal(a->u.admin_result.ok, b->u.admin_result.ok);
    assert_int_equal(a->u.admin_result.code, b->u.admin_result.code);
    assert_str_same(a->u.admin_result.text, b->u.admin_result.text);
    assert_str_same(a->u.admin_result.out, b->u.admin_result.out);
    assert_str_same(a->u.admin_result.json, b->u.admin_result.json);
    assert_str_same(a->u.admin_result.table, b->u.admin_result.table);
    assert_int_equal(a->u.admin_result.table_end, b->u.admin_result.table_end);
    break;
  case FS_MSG_CONFLICTS:
    assert_int_equal(a->u.conflicts.n, b->u.conflicts.n);
    for (uint32_t i = 0; i < a->u.conflicts.n; i++) {
      const fs_conflict_item *x = &a->u.conflicts.items[i];
      const fs_conflict_item *y = &b->u.conflicts.items[i];
      assert_str_same(x->kind, y->kind);
      assert_string_equal(x->id, y->id);
      assert_str_same(x->field, y->field);
      assert_value_same(&x->loser, &y->loser);
      assert_int_equal(x->loser_hlc, y->loser_hlc);
      assert_value_same(&x->winner, &y->winner);
      assert_int_equal(x->winner_hlc, y->winner_hlc);
      assert_string_equal(x->author, y->author);
      assert_int_equal(x->at, y->at);
      assert_string_equal(x->fenced, y->fenced);
    }
    break;
  case FS_MSG_NOTICE:
    assert_str_same(a->u.notice.kind, b->u.notice.kind);
    assert_int_equal(a->u.notice.at, b->u.notice.at);
    assert_str_same(a->u.notice.body, b->u.notice.body);
    break;
  case FS_MSG_PING:
  case FS_MSG_PONG:
    assert_int_equal(a->u.ping.n, b->u.ping.n);
    break;
  case FS_MSG_BYE:
    assert_str_same(a->u.bye.reason, b->u.bye.reason);
    break;
  }
}

/* Every optional field set, on top of sample(). */
static void sample_full(fs_msg_type t, fs_msg *m) {
  sample(t, m);
  switch (t) {
  case FS_MSG_HELLO:
    m->u.hello.want = FS_WANT_SYNC | FS_WANT_WATCH | FS_WANT_ADMIN;
    m->u.hello.token = dup("fs1.AbCdEf0123456789");
    break;
  case FS_MSG_WELCOME:
    m->u.welcome.wipe = 1;
    m->u.welcome.owners = dup("B02,C03");
    m->u.welcome.counter = 4242;
    break;
  case FS_MSG_CONFLICTS: {
    /* a second item: nil loser, big winner, author unknown ("") */
    fs_conflict_item *x = realloc(m->u.conflicts.items, 2 * sizeof *x);
    assert_non_null(x);
    m->u.conflicts.items = x;
    memset(&x[1], 0, sizeof x[1]);
    x[1].kind = dup("visit");
    strcpy(x[1].id, ID2);
    x[1].field = dup("note");
    fs__value_set_int(&x[1].winner, INT64_MIN);
    x[1].winner_hlc = 0x0190a1b2c3d40001ull;
    x[1].at = 70000;
    strcpy(x[1].fenced, "A03"); /* a fenced item (optional key) */
    m->u.conflicts.n = 2;
    break;
  }
  default:
    break;
  }
}

/* Optional fields absent and every other value zero or empty (the least a
 * valid message of type t holds). */
static void sample_min(fs_msg_type t, fs_msg *m) {
  fs__msg_init(m, t);
  if (t == FS_MSG_PULL_BATCH)
    m->u.pull_batch.kind = FS_KIND_VISIT;
}

/* Checks one golden: enc (the codec's output now) must be hex, the golden
 * decodes (as a message, or as a change if is_change) to something equal
 * to want (a message, or a change), and its sweep is exactly sw. */
static void check_golden(const char *what, const fs_buf *enc, const char *hex,
                         const char *sw, int is_change, const void *want) {
  char *got = to_hex(enc->data, enc->len);
  size_t n;
  uint8_t *p = from_hex(hex, &n);
  rle e;

  print_message("golden %s\n", what);
  if (strcmp(got, hex) != 0)
    print_message("  got   %s\n", got);
  assert_string_equal(got, hex);
  if (is_change) {
    fs_change c;
    assert_int_equal(fs__change_decode(p, n, &c), 0);
    assert_change_same(want, &c);
    fs__change_release(&c);
  } else {
    fs_msg d;
    assert_int_equal(fs__msg_decode(p, n, &d), 0);
    assert_msg_same(want, &d);
    fs__msg_release(&d);
  }
  sweep(p, n, is_change, &e);
  if (strcmp(e.s, sw) != 0)
    print_message("  sweep %s\n", e.s);
  assert_string_equal(e.s, sw);
  free(p);
  free(got);
}

typedef struct golden {
  const char *hex;
  const char *sweep;
} golden;

/* [type][0] with every optional field, [type][1] with none. */
static const golden golden_msgs[FS_MSG_TYPE_MAX + 1][2] = {
    [FS_MSG_HELLO] =
        {{"93010187a27377af6669656c6473796e632f302e312e30a474696d65cf0000019000c79c"
          "7ba6637572736f72ce3ade68b1a66f7574626f780ca66f6c64657374cf0000018fc52cd2"
          "00a477616e7493a473796e63a57761746368a561646d696ea5746f6b656eb46673312e41"
          "624364456630313233343536373839",
          "T123|P5VP5TP14.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P26.16P24.12P23"
          ".P32.16P17TP5.P2.P2.P2.P5.P2.P2.P2.P2.P5.P2.P2.P2.P2.P5.P2.P2.P2.P2.P2TP"
          "2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2."},
         {"93010186a27377a0a474696d6500a6637572736f7200a66f7574626f7800a66f6c646573"
          "7400a477616e7490",
          "T44|P5VP5TP29.P23.P23.P23.P17T"}},
    [FS_MSG_WELCOME] =
        {{"9301028ca26f6bc3a4636f646500a474657874a777656c636f6d65a474696d65cf000001"
          "9000c79fe7a664657669636507a57374616666a3413031a4726f6c65a76d616e61676572"
          "a4736c6f7403a46e616d65a9e78e8be5b08fe6988ea477697065c3a66f776e657273a742"
          "30322c433033a7636f756e746572cd1092",
          "T125|P5VP5TP29.P20.P2.P2.P2.P2.P2.P2.P26.16P23.P23.P2.P2.P20.P2.P2.P2.P2"
          ".P2.P2.P17.P20.P2.P2.P2.P2.P2.P2.P2.P2.P23.P2.P2.P2.P2.P2.P5.P2.P2.P2.P2"
          ".P2.P2.P5.P2.P2.P2.P2.P2.P2.P2T.6"},
         {"9301028aa26f6bc2a4636f646500a474657874a0a474696d6500a664657669636500a573"
          "74616666a0a4726f6c65a0a4736c6f7400a46e616d65a0a477697065c2",
          "T65|P5VP5TP11.P17.P35.P23.P56.P35."}},
    [FS_MSG_PUSH] =
        {{"93010383a66f7574626f7828a66f6c64657374cf0000018fc52cd200a76368616e676573"
          "929801a8637573746f6d6572d92030313930613162326333643465356636303731383239"
          "3361346235633664376501a3413031a3423032cf0190a1b2c3d400019393a46e616d65cf"
          "0190a1b2c3d40001d930e5aea2e688b7e8b584e69699e58da1efbc9ae5bca0e4b889efbc"
          "8ce4b88ae6b5b7e5b882e6b5a6e4b89ce696b0e58cba93a7726576656e7565cf0190a1b2"
          "c3d40000cf00007048860ddf7993a570686f6e6507c09802a8637573746f6d6572d92030"
          "3139306131623263336434653566363037313832393361346235633664376502a3413031"
          "a3423032cf0190a1b2c3d400019393a46e616d65cf0190a1b2c3d40001a441636d6593a7"
          "726576656e7565cf0190a1b2c3d40000cf00007048860ddf7993a570686f6e6507c0",
          "T322|P5VP5TP23.P32.16P26TP5.P5.P2.P2.P2.P2.P2.P2.P2.P8.P2.P5.P2.P2.P2.P2"
          ".P2.P2.P2.P2.P2.P2.P5.P2.P2.P2.P2.P2.P5.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P5"
          ".P2.P2.P5.P2.P2.P5.22P11.P2.P2.P2.P5.22P2TP5.P2.P2.P2.P2.P2.P2.P2.P2.P2."
          "P2.P2.P2.P2.P2.P5.P2.P2.P2.P2.P2.P2.P2.P5.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2."
          "P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P8.P2.P2.P2.P2.P2.P2.P5.22P5.22P8.P2"
          ".P2.P2.P2.P2.P.P6.P5.P2.P2.P2.P2.P2.P2.P2.P8.P2.P5.P2.P2.P2.P2.P2.P2.P2."
          "P2.P2.P2.P5.P2.P2.P2.P2.P2.P5.P2.P2.P2.P2.P2.P2.P2.P2.P2.P8.P2.P2.P5.P2."
          "P2.P5.22P2TP8.P2.P2.P2.P5.22P5.P2.P2.P2.P8.P2.P2.P2.P2.P2.P2.P5.22P5.22P"
          "8.P2.P2.P2.P2.P2.P.P"},
         {"93010383a66f7574626f7800a66f6c6465737400a76368616e67657390",
          "T29|P5VP5TP23.P23.P26T"}},
    [FS_MSG_PUSH_RESULT] =
        {{"93010481a7726573756c74739294010200a0940204d1f048b2e4b88de698afe4bda0e79a"
          "84e5aea2e688b7",
          "T43|P5VP5TP26TP5.P2.P2.P8.P5T.6P2TP2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2"
          ".P2.P2.P2.P2.P2."},
         {"93010481a7726573756c747390", "T13|P5VP5TP26T"}},
    [FS_MSG_PULL] = {{"93010582a6637572736f72cd1388a56c696d6974cd07d0",
                      "T23|P5VP5TP24.6P20T.6"},
                     {"93010582a6637572736f7200a56c696d697400", "T19|P5VP5TP23.P20."}},
    [FS_MSG_PULL_BATCH] =
        {{"93010683a46b696e64a8637573746f6d6572a66669656c647393a46e616d65a667726f77"
          "7468a570686f6e65a4726f7773dd000000029ad920303139306131623263336434653566"
          "3630373138323933613462356336643765a3413031a3413031c2632ac418630000000000"
          "000008070605040302010000000000000000d930e5aea2e688b7e8b584e69699e58da1ef"
          "bc9ae5bca0e4b889efbc8ce4b88ae6b5b7e5b882e6b5a6e4b89ce696b0e58cba37c09ad9"
          "203031393061316232633364346535663630373138323933613462356336643766a34130"
          "31a3413031c3632ac418630000000000000008070605040302010000000000000000a441"
          "636d6537c0",
          "T257|P5VP5TP20UP2UP2UP2UP2UP2UP2UP2UP29.P2.P2.P2.P5.P2.P2.P2.P2.P2.P5.P2"
          ".P2.P2.P2.P18O8T4P11.P2.P5.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P5.P2.P2.P2.P2."
          "P2.P5.P2.P2.P2.P2.P2.P2.P2.P2.P2.P5.P2.P2.P5.P2.P2.P2.P2.P2.P2OT2P.21P2."
          "22P2.22P2.P2T3P3.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P5.P2.P2.P2.P"
          "2.P2.P2.P2.P5.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P"
          "2.P2.P2.P.2P.P12.P2.P5.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P5.P2.P2.P2.P2.P2.P"
          "5.P2.P2.P2.P2.P2.P2.P2.P2.P8.P2.P2.P5.P2.P2.P5.P2.P2OT2P.21P2.22P2.22P2."
          "P2TP2.P2.P2.P2.P.2P.P"},
         {"93010683a46b696e64a57669736974a66669656c647390a4726f7773dd00000000",
          "T33|P5VP5TP20UP2UP2UP2UP2UP42O8T4"}},
    [FS_MSG_CHECKPOINT] = {{"93010782a6637572736f72ce0001e240a46d6f7265c3",
                            "T22|P5VP5TP24.12P18"},
                           {"93010782a6637572736f7200a46d6f7265c2",
                            "T18|P5VP5TP23.P17."}},
    [FS_MSG_NOTIFY] = {{"93010881a37365714d", "T9|P5VP5TP2TP11."},
                       {"93010881a373657100", "T9|P5VP5TP14."}},
    [FS_MSG_EVICT] =
        {{"93010981a56974656d739292a57669736974d92030313930613162326333643465356636"
          "3037313832393361346235633664376592a8637573746f6d6572d9203031393061316232"
          "633364346535663630373138323933613462356336643766",
          "T96|P5VP5TP20TP8.P2.P2.P2.P2.P8.P2.P5.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P5.P"
          "2.P2.P2.P2.P2.P5.P2.P2.P2.P2.P2.P2.P2.P2.P2.P8.P2.P2.P2.P2.P2.P2.P2.P8.P"
          "2.P5.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P5.P2.P2.P2.P2.P2.P5.P2.P2.P2.P2.P2.P"
          "2.P2.P2.P3"},
         {"93010981a56974656d7390", "T11|P5VP5TP20T"}},
    [FS_MSG_WIPE] =
        {{"93010a81a6726561736f6eba7374616666206465706172746564202f20e5b7b2e7a6bbe8"
          "818c",
          "T38|P5VP5TP23TP2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P"
          "2.P2.P2.P2.P2.P2.P2."},
         {"93010a81a6726561736f6ea0", "T12|P5VP5TP23T"}},
    [FS_MSG_ERROR] =
        {{"93010b83a4636f6465d1f051a474657874bc756e737570706f727465642070726f746f63"
          "6f6c2076657273696f6ea876657273696f6e739101",
          "T57|P5VP5TP18.6P20.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2"
          ".P2.P2.P2.P2.P2.P2.P2.P2.P2.P5.P2.P2.P2.P2.P2.P2.P2.P2TP2."},
         {"93010b82a4636f646500a474657874a0", "T16|P5VP5TP17.P17T"}},
    [FS_MSG_ADMIN] =
        {{"93010c82a3636d64a868616e646f766572a46172677384a466726f6da3413031a4646179"
          "73e2a5666f726365c3a2746f92a3423032a3433033",
          "T57|P5VP5TP17.P2.P2.P2.P2.P2.P2.P2.P17TP5.P2.P2.P2.P5.P2.P2.P5.P2.P2.P2."
          "P2.P5.P2.P2.P2.P2.P8.P2.P2TP5.P2.P2.P2TP2.P2.P2."},
         {"93010c82a3636d64a0a46172677380", "T15|P5VP5TP32T"}},
    [FS_MSG_ADMIN_RESULT] =
        {{"93010d87a26f6bc3a4636f646500a474657874a4646f6e65a36f7574ae33206361726473"
          "206d6f7665640aa46a736f6eab7b226d6f766564223a337da57461626c65bf66732d7461"
          "626c6520310a6309310930096d6f766564095c4e0a720969330aa97461626c655f656e64"
          "07",
          "T109|P5VP5TP29.P20.P2.P2.P2.P17.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P"
          "20.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P5.P2.P2.P2.P2.P5.P2.P2.P2.P2.P2.P2.P2."
          "P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2T"
          "P2.P2.P2.P2.P2.P2.P2.P2.P2.P2."},
         {"93010d85a26f6bc2a4636f646500a474657874a0a36f7574a0a46a736f6ea0",
          "T31|P5VP5TP11.P17.P50T"}},
    [FS_MSG_CONFLICTS] =
        {{"93010e81a56974656d739289a46b696e64a8637573746f6d6572a26964d9203031393061"
          "316232633364346535663630373138323933613462356336643765a56669656c64a57068"
          "6f6e65a56c6f736572ab3133383030303030303030a96c6f7365725f686c630aa677696e"
          "6e6572fbaa77696e6e65725f686c630ba6617574686f72a3423032a26174cf0000019000"
          "c79c008aa666656e636564a3413033a46b696e64a57669736974a26964d9203031393061"
          "316232633364346535663630373138323933613462356336643766a56669656c64a46e6f"
          "7465a56c6f736572c0a96c6f7365725f686c6300a677696e6e6572d38000000000000000"
          "aa77696e6e65725f686c63cf0190a1b2c3d40001a6617574686f72a0a26174ce00011170",
          "T288|P5VP5TP20TP23.P2.P2.P2.P2.P2.P2.P2.P17.P2.P5.P2.P2.P2.P2.P2.P2.P2.P"
          "2.P2.P2.P5.P2.P2.P2.P2.P2.P5.P2.P2.P2.P2.P2.P2.P2.P2.P2.P23.P2.P2.P2.P2."
          "P23.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P32.P22.2P35.P26.P2.P2.P20.16P2TP5.P2."
          "P2.P2.P2.P2.P5.P2.P2.P20.P2.P2.P2.P2.P17.P2.P5.P2.P2.P2.P2.P2.P2.P2.P2.P"
          "2.P2.P5.P2.P2.P2.P2.P2.P5.P2.P2.P2.P2.P2.P2.P2.P2.P26.P2.P2.P2.P19.P33.P"
          "24.24P38.22P35T.12"},
         {"93010e81a56974656d7390", "T11|P5VP5TP20T"}},
    [FS_MSG_NOTICE] =
        {{"93010f83a46b696e64a868616e646f766572a26174cf0000019000c79c00a4626f6479be"
          "3320e5bca0e5aea2e688b7e58da1e5b7b2e7a7bbe4baa4e7bb9920423032",
          "T66|P5VP5TP20.P2.P2.P2.P2.P2.P2.P2.P20.16P17TP2.P2.P2.P2.P2.P2.P2.P2.P2."
          "P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2."},
         {"93010f83a46b696e64a0a2617400a4626f6479a0", "T20|P5VP5TP29.P17T"}},
    [FS_MSG_PING] = {{"93011081a16ecf7fffffffffffffff", "T15|P5VP2.P2TP12.21"},
                     {"93011081a16e00", "T7|P5VP2.P2TP8."}},
    [FS_MSG_PONG] = {{"93011181a16ecf7fffffffffffffff", "T15|P5VP5TP12.21"},
                     {"93011181a16e00", "T7|P5VP5TP8."}},
    [FS_MSG_BYE] = {{"93011281a6726561736f6ea469646c65", "T16|P5VP5TP23TP2.P2.P2.P2."},
                    {"93011281a6726561736f6ea0", "T12|P5VP5TP23T"}},
};

static void test_golden_every_type(void **state) {
  (void)state;
  for (int t = 1; t <= FS_MSG_TYPE_MAX; t++) {
    for (int v = 0; v < 2; v++) {
      fs_msg m;
      fs_buf b;
      char what[64];
      if (v == 0)
        sample_full((fs_msg_type)t, &m);
      else
        sample_min((fs_msg_type)t, &m);
      fs__buf_init(&b, FS_MSG_MAX_BYTES);
      assert_int_equal(fs__msg_encode(&m, &b), 0);
      snprintf(what, sizeof what, "%s %s", fs__msg_type_name(t), v ? "min" : "full");
      check_golden(what, &b, golden_msgs[t][v].hex, golden_msgs[t][v].sweep, 0, &m);
      fs__msg_release(&m);
      fs__buf_release(&b);
    }
  }
}

static const golden golden_push_incr = {
    "93010383a66f7574626f7828a66f6c64657374cf0000018fc52cd200a76368616e676573"
    "dd000000029801a8637573746f6d6572d920303139306131623263336434653566363037"
    "313832393361346235633664376501a3413031a3423032cf0190a1b2c3d400019393a46e"
    "616d65cf0190a1b2c3d40001d930e5aea2e688b7e8b584e69699e58da1efbc9ae5bca0e4"
    "b889efbc8ce4b88ae6b5b7e5b882e6b5a6e4b89ce696b0e58cba93a7726576656e7565cf"
    "0190a1b2c3d40000cf00007048860ddf7993a570686f6e6507c09802a8637573746f6d65"
    "72d920303139306131623263336434653566363037313832393361346235633664376502"
    "a3413031a3423032cf0190a1b2c3d400019393a46e616d65cf0190a1b2c3d40001a44163"
    "6d6593a7726576656e7565cf0190a1b2c3d40000cf00007048860ddf7993a570686f6e65"
    "07c0",
    "T326|P5VP5TP23.P32.16P27O8T4P5.P5.P2.P2.P2.P2.P2.P2.P2.P8.P2.P5.P2.P2.P2"
    ".P2.P2.P2.P2.P2.P2.P2.P5.P2.P2.P2.P2.P2.P5.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2"
    ".P5.P2.P2.P5.P2.P2.P5.22P11.P2.P2.P2.P5.22P2TP5.P2.P2.P2.P2.P2.P2.P2.P2."
    "P2.P2.P2.P2.P2.P2.P5.P2.P2.P2.P2.P2.P2.P2.P5.P2.P2.P2.P2.P2.P2.P2.P2.P2."
    "P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P8.P2.P2.P2.P2.P2.P2.P5.22P5.22P8"
    ".P2.P2.P2.P2.P2.P.P6.P5.P2.P2.P2.P2.P2.P2.P2.P8.P2.P5.P2.P2.P2.P2.P2.P2."
    "P2.P2.P2.P2.P5.P2.P2.P2.P2.P2.P5.P2.P2.P2.P2.P2.P2.P2.P2.P2.P8.P2.P2.P5."
    "P2.P2.P5.22P2TP8.P2.P2.P2.P5.22P5.P2.P2.P2.P8.P2.P2.P2.P2.P2.P2.P5.22P5."
    "22P8.P2.P2.P2.P2.P2.P.P"};
static const golden golden_push_incr_empty = {
    "93010383a66f7574626f7800a66f6c6465737400a76368616e676573dd00000000",
    "T33|P5VP5TP23.P23.P27O8T4"};
static const golden golden_batch_incr_empty = {
    "93010683a46b696e64ab6f70706f7274756e697479a66669656c647390a4726f7773dd00"
    "000000",
    "T39|P5VP5TP20UP2UP2UP2UP2UP2UP2UP2UP2UP2UP2UP42O8T4"};
static const golden golden_change_upsert = {
    "98cf0000000123456789a8637573746f6d6572d920303139306131623263336434653566"
    "363037313832393361346235633664376501a3413031a3423032cf0190a1b2c3d4000193"
    "93a46e616d65cf0190a1b2c3d40001d930e5aea2e688b7e8b584e69699e58da1efbc9ae5"
    "bca0e4b889efbc8ce4b88ae6b5b7e5b882e6b5a6e4b89ce696b0e58cba93a7726576656e"
    "7565cf0190a1b2c3d40000cf00007048860ddf7993a570686f6e6507c0",
    "T173|P8.22P5UP2UP2UP2UP2UP2UP2UP2UP8.P2.P5.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2"
    ".P5.P2.P2.P2.P2.P2.P5.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P5.P2.P2.P5.P2.P2.P5"
    ".22P2TP8UP2UP2UP2UP5.22P2T3P3.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2."
    "P5.P2.P2.P2.P2.P2.P2.P2.P5.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2.P2."
    "P2.P2.P2.P2.P2.P2.P2.P8UP2UP2UP2UP2UP2UP2UP5.22P5.22P8UP2UP2UP2UP2UP2.P."
    "P"};
static const golden golden_change_delete = {
    "9800ab6c6f73745f726576696577d9203031393061316232633364346535663630373138"
    "32393361346235633664376602a35a3939a34130310090",
    "T59|P5.P5UP2UP2UP2UP2UP2UP2UP2UP2UP2UP2UP8.P2.P5.P2.P2.P2.P2.P2.P2.P2.P2"
    ".P2.P2.P5.P2.P2.P2.P2.P2.P5.P2.P2.P2.P2.P2.P2.P2.P2.P23.P2.P2.P2.P2T"};

/* The fast paths: fs__push_encode, the incremental PUSH and PULL_BATCH
 * builders (array32 counts), and the outbox change codec. */
static void test_golden_fast_paths(void **state) {
  fs_msg m, empty;
  fs_buf b;
  fs_push_enc pe;
  fs_batch_enc be;
  fs_change c;

  (void)state;
  fs__buf_init(&b, FS_MSG_MAX_BYTES);
  sample_full(FS_MSG_PUSH, &m);
  assert_int_equal(
      fs__push_encode(m.u.push.changes, m.u.push.n, m.u.push.outbox, m.u.push.oldest, &b),
      0);
  /* the same bytes as fs__msg_encode */
  check_golden("push_encode", &b, golden_msgs[FS_MSG_PUSH][0].hex,
               golden_msgs[FS_MSG_PUSH][0].sweep, 0, &m);
  fs__buf_reset(&b);
  assert_int_equal(fs__push_begin(&pe, &b, m.u.push.outbox, m.u.push.oldest, 4096), 0);
  for (uint32_t i = 0; i < m.u.push.n; i++)
    assert_int_equal(fs__push_add(&pe, &m.u.push.changes[i]), 0);
  assert_int_equal(fs__push_finish(&pe), 0);
  check_golden("push incremental", &b, golden_push_incr.hex, golden_push_incr.sweep, 0,
               &m);
  fs__buf_reset(&b);
  fs__msg_init(&empty, FS_MSG_PUSH);
  assert_int_equal(fs__push_begin(&pe, &b, 0, 0, FS_MSG_MAX_BYTES), 0);
  assert_int_equal(fs__push_finish(&pe), 0);
  check_golden("push incremental empty", &b, golden_push_incr_empty.hex,
               golden_push_incr_empty.sweep, 0, &empty);

  /* the sample batch goes through the same builder as fs__msg_encode */
  fs__buf_reset(&b);
  fs__msg_init(&empty, FS_MSG_PULL_BATCH);
  empty.u.pull_batch.kind = FS_KIND_OPPORTUNITY;
  assert_int_equal(fs__batch_begin(&be, &b, FS_KIND_OPPORTUNITY, NULL, 0, 100), 0);
  assert_int_equal(fs__batch_finish(&be), 0);
  check_golden("batch incremental empty", &b, golden_batch_incr_empty.hex,
               golden_batch_incr_empty.sweep, 0, &empty);
  fs__msg_release(&m);
  sample_full(FS_MSG_PULL_BATCH, &m);
  fs__buf_reset(&b);
  assert_int_equal(fs__batch_begin(&be, &b, m.u.pull_batch.kind, m.u.pull_batch.cols,
                                   m.u.pull_batch.ncols, 4096),
                   0);
  for (uint32_t i = 0; i < m.u.pull_batch.nrows; i++)
    assert_int_equal(fs__batch_add_row(&be, &m.u.pull_batch.rows[i]), 0);
  assert_int_equal(fs__batch_finish(&be), 0);
  check_golden("batch incremental", &b, golden_msgs[FS_MSG_PULL_BATCH][0].hex,
               golden_msgs[FS_MSG_PULL_BATCH][0].sweep, 0, &m);
  fs__msg_release(&m);

  fs__buf_reset(&b);
  make_change(&c, 0x123456789ull, ZH);
  assert_int_equal(fs__change_encode(&c, &b), 0);
  check_golden("change upsert", &b, golden_change_upsert.hex, golden_change_upsert.sweep,
               1, &c);
  fs__change_release(&c);
  memset(&c, 0, sizeof c);
  c.kind = FS_KIND_LOST_REVIEW;
  strcpy(c.id, ID2);
  c.op = FS_OP_DELETE;
  strcpy(c.owner, "Z99");
  strcpy(c.author, "A01");
  fs__buf_reset(&b);
  assert_int_equal(fs__change_encode(&c, &b), 0);
  check_golden("change delete", &b, golden_change_delete.hex, golden_change_delete.sweep,
               1, &c);
  fs__buf_release(&b);
}

/* Writes a message described in a tiny notation, tokens split by spaces:
 *   E<type>:<nkeys>  envelope [1, type, map of nkeys]
 *   M<n> A<n>        map / array header       u<n> i<n>  uint / int64
 *   s:<text>         str (no spaces)          k<n>       str of n 'k'
 *   S<n>             str header of n bytes, no body
 *   n T F d          nil, true, false, double 0.5
 *   x:<hex>          raw bytes */
static void raw_notation(raw *r, const char *spec) {
  const char *p = spec;

  while (*p) {
    char tok[128];
    size_t n = strcspn(p, " ");
    unsigned long long v;
    assert_true(n > 0 && n < sizeof tok);
    memcpy(tok, p, n);
    tok[n] = '\0';
    p += n + (p[n] == ' ');
    v = strtoull(tok + 1, NULL, 10);
    switch (tok[0]) {
    case 'E':
      raw_env(r, 1, v, strtoull(strchr(tok, ':') + 1, NULL, 10));
      break;
    case 'M':
      assert_int_equal(msgpack_pack_map(&r->pk, v), 0);
      break;
    case 'A':
      assert_int_equal(msgpack_pack_array(&r->pk, v), 0);
      break;
    case 'u':
      assert_int_equal(msgpack_pack_uint64(&r->pk, v), 0);
      break;
    case 'i':
      assert_int_equal(msgpack_pack_int64(&r->pk, strtoll(tok + 1, NULL, 10)), 0);
      break;
    case 's':
      raw_str(r, tok + 2);
      break;
    case 'S':
      assert_int_equal(msgpack_pack_str(&r->pk, v), 0);
      break;
    case 'k':
      assert_int_equal(msgpack_pack_str(&r->pk, v), 0);
      for (unsigned long long i = 0; i < v; i++)
        assert_int_equal(fs__buf_append(&r->b, "k", 1), 0);
      break;
    case 'n':
      assert_int_equal(msgpack_pack_nil(&r->pk), 0);
      break;
    case 'T':
      assert_int_equal(msgpack_pack_true(&r->pk), 0);
      break;
    case 'F':
      assert_int_equal(msgpack_pack_false(&r->pk), 0);
      break;
    case 'd':
      assert_int_equal(msgpack_pack_double(&r->pk, 0.5), 0);
      break;
    case 'x': {
      size_t len;
      uint8_t *b = from_hex(tok + 2, &len);
      assert_int_equal(fs__buf_append(&r->b, b, len), 0);
      free(b);
      break;
    }
    default:
      fail_msg("bad token %s", tok);
    }
  }
}

typedef struct bad_case {
  const char *what;
  const char *spec;
  int rc;
} bad_case;

#define CHANGE_HEAD "A8 u5 s:customer s:" ID1 " u1 s:A01 s:A01 u10"

static const bad_case bad_cases[] = {
    /* duplicate keys: known ones refused, unknown ones skipped */
    {"dup known key", "E2:2 s:ok T s:ok T", FS_EPROTO},
    {"dup unknown key", "E8:3 s:zz n s:seq u9 s:zz T", 0},
    {"dup key in item", "E14:1 s:items A1 M2 s:id s:" ID1 " s:id s:" ID1 " k60",
     FS_EPROTO},
    {"dup admin arg", "E12:2 s:cmd s:x s:args M2 s:a i1 s:a s:s", FS_EPROTO},
    /* an unknown key's value must still be well formed and complete */
    {"unknown value cut", "E5:3 s:limit u1 s:cursor u2 s:x S5", FS_ETRUNC},
    {"unknown value bad", "E5:3 s:x x:c1 s:limit u1 s:cursor u2", FS_EPROTO},
    {"unknown key in item", "E14:1 s:items A1 M1 s:zz k70", FS_EPROTO},
    /* over-long strings */
    {"long key", "E8:2 k65 n s:seq u1", FS_EOVERFLOW},
    {"key at max", "E8:2 k64 n s:seq u1", 0},
    {"long name value", "E15:3 s:kind k65 s:at u1 s:body s:b", FS_EOVERFLOW},
    {"long staff", "E2:1 s:staff s:A0123456789012345", FS_EPROTO},
    {"long id", "E9:1 s:items A1 A2 s:visit s:" ID1 "0", FS_EPROTO},
    {"short id",
     "E9:1 s:items A1 A2 s:visit s:0190a1b2c3d4e5f60718293a4b5c6d7"
     " x:0000",
     FS_EPROTO},
    /* counts the rest of the input cannot hold */
    {"map count", "E8:10 s:seq u1", FS_ETRUNC},
    {"changes count", "E3:3 s:outbox u0 s:oldest u0 s:changes A3 " CHANGE_HEAD " A0",
     FS_ETRUNC},
    {"fields count", "E3:3 s:outbox u0 s:oldest u0 s:changes A1 " CHANGE_HEAD " A30",
     FS_ETRUNC},
    {"items count", "E14:1 s:items A2 M0 k100", FS_ETRUNC},
    {"list count", "E12:2 s:cmd s:x s:args M1 s:l A200 s:s", FS_ETRUNC},
    {"rows count", "E6:3 s:kind s:customer s:fields A0 s:rows A2 k60", FS_ETRUNC},
    {"results count", "E4:1 s:results A3 A4 u1 u1 i0 s:", FS_ETRUNC},
    /* wrong types and out-of-range numbers */
    {"str for uint", "E1:1 s:time s:1", FS_EPROTO},
    {"uint for bool", "E2:1 s:ok u1", FS_EPROTO},
    {"code past int", "E11:2 s:code u2147483648 s:text s:", FS_EPROTO},
    {"version past u32", "E11:3 s:code i-1 s:text s: s:versions A1 u4294967296",
     FS_EPROTO},
    {"bad outcome", "E4:1 s:results A1 A4 u1 u5 i0 s:", FS_EPROTO},
    {"float arg", "E12:2 s:cmd s:x s:args M1 s:f d", FS_EPROTO},
    {"negative uint", "E15:1 s:at i-2", FS_EPROTO},
    {"bool value", "E14:1 s:items A1 M1 s:loser T k60", FS_EPROTO},
    {"bad op",
     "E3:3 s:outbox u0 s:oldest u0 s:changes A1 A8 u5 s:customer s:" ID1
     " u3 s:A01 s:A01 u10 A0",
     FS_EPROTO},
    {"row arity",
     "E6:3 s:kind s:customer s:fields A0 s:rows A1 A8 s:" ID1
     " s:A01 s:A01 F u1 u1 x:c400 n",
     FS_EPROTO},
    /* required and optional keys */
    {"hello all", "E1:6 s:sw s:x s:time u1 s:cursor u1 s:outbox u1 s:oldest u1 s:want A0",
     0},
    {"hello no sw", "E1:5 s:time u1 s:cursor u1 s:outbox u1 s:oldest u1 s:want A0",
     FS_EPROTO},
    {"hello no want", "E1:5 s:sw s:x s:time u1 s:cursor u1 s:outbox u1 s:oldest u1",
     FS_EPROTO},
    {"error no text", "E11:1 s:code i1", FS_EPROTO},
    {"admin no cmd", "E12:1 s:args M0", FS_EPROTO},
    {"batch no rows", "E6:2 s:kind s:customer s:fields A0", FS_EPROTO},
    {"batch fields first", "E6:3 s:fields A0 s:kind s:customer s:rows A0", FS_EPROTO},
};

/* Exact codes for malformed bodies: duplicate keys, unknown keys, over-long
 * strings, counts beyond the input, wrong types and missing keys. */
static void test_malformed_exact_codes(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
    raw r;
    fs_msg d;
    raw_init(&r);
    raw_notation(&r, bad_cases[i].spec);
    print_message("%s\n", bad_cases[i].what);
    assert_int_equal(raw_decode(&r, &d), bad_cases[i].rc);
    fs__msg_release(&d);
    fs__buf_release(&r.b);
  }
}

/* ---- integer ranges (issue 11, hole 11; PROTOCOL.md 5.1, 5.3) -------------
 * Every bounded integer field, at its largest value (decodes) and one above
 * (FS_EPROTO): nothing out of range reaches the daemon's store.  "%s" in a
 * spec is replaced by the number. */

#define U_MAX "9223372036854775807"  /* 2^63-1: every uint */
#define U_OVER "9223372036854775808" /* 2^63 */
#define MS_MAX "140737488355327"     /* 2^47-1: every ms */
#define MS_OVER "140737488355328"
#define ROW_HEAD                                                                         \
  "E6:3 s:kind s:customer s:fields A1 s:name s:rows A1 A8 s:" ID1 " s:A01 s:A01 F "
#define CONFLICT_ITEM                                                                    \
  "E14:1 s:items A1 M9 s:kind s:customer s:id s:" ID1 " s:field s:name s:loser n "
#define WELCOME_HEAD                                                                     \
  "E2:10 s:ok T s:code i0 s:text s: s:staff s: s:role s: s:name s: s:wipe F "

typedef struct range_case {
  const char *what;
  const char *spec; /* with one %s */
  const char *max, *over;
} range_case;

static const range_case range_cases[] = {
    {"hello time",
     "E1:6 s:sw s:x s:time u%s s:cursor u1 s:outbox u1 s:oldest u1 s:want A0", MS_MAX,
     MS_OVER},
    {"hello cursor",
     "E1:6 s:sw s:x s:time u1 s:cursor u%s s:outbox u1 s:oldest u1 s:want A0", U_MAX,
     U_OVER},
    {"hello outbox",
     "E1:6 s:sw s:x s:time u1 s:cursor u1 s:outbox u%s s:oldest u1 s:want A0", U_MAX,
     U_OVER},
    {"hello oldest",
     "E1:6 s:sw s:x s:time u1 s:cursor u1 s:outbox u1 s:oldest u%s s:want A0", MS_MAX,
     MS_OVER},
    {"welcome time", WELCOME_HEAD "s:time u%s s:device u1 s:slot u1", MS_MAX, MS_OVER},
    {"welcome device", WELCOME_HEAD "s:time u1 s:device u%s s:slot u1", U_MAX, U_OVER},
    {"welcome slot", WELCOME_HEAD "s:time u1 s:device u1 s:slot u%s", "64", "65"},
    {"welcome counter",
     "E2:11 s:ok T s:code i0 s:text s: s:staff s: s:role s: s:name s: s:wipe F s:time u1 "
     "s:device u1 s:slot u1 s:counter u%s",
     U_MAX, U_OVER},
    {"push outbox", "E3:3 s:outbox u%s s:oldest u0 s:changes A0", U_MAX, U_OVER},
    {"push oldest", "E3:3 s:outbox u0 s:oldest u%s s:changes A0", MS_MAX, MS_OVER},
    {"change counter",
     "E3:3 s:outbox u0 s:oldest u0 s:changes A1 A8 u%s s:customer s:" ID1
     " u1 s:A01 s:A01 u10 A0",
     U_MAX, U_OVER},
    {"change hlc",
     "E3:3 s:outbox u0 s:oldest u0 s:changes A1 A8 u1 s:customer s:" ID1
     " u1 s:A01 s:A01 u%s A0",
     U_MAX, U_OVER},
    {"field hlc",
     "E3:3 s:outbox u0 s:oldest u0 s:changes A1 A8 u1 s:customer s:" ID1
     " u1 s:A01 s:A01 u10 A1 A3 s:name u%s s:x",
     U_MAX, U_OVER},
    {"result counter", "E4:1 s:results A1 A4 u%s u1 i0 s:", U_MAX, U_OVER},
    {"pull cursor", "E5:2 s:cursor u%s s:limit u0", U_MAX, U_OVER},
    {"pull limit", "E5:2 s:cursor u0 s:limit u%s", U_MAX, U_OVER},
    {"row hlc", ROW_HEAD "u%s u1 x:c4080000000000000000 n", U_MAX, U_OVER},
    {"row seq", ROW_HEAD "u1 u%s x:c4080000000000000000 n", U_MAX, U_OVER},
    {"row clock", ROW_HEAD "u1 u1 x:c408%s n", "ffffffffffffff7f", "0000000000000080"},
    {"checkpoint cursor", "E7:2 s:cursor u%s s:more F", U_MAX, U_OVER},
    {"notify seq", "E8:1 s:seq u%s", U_MAX, U_OVER},
    {"conflict loser_hlc",
     CONFLICT_ITEM "s:loser_hlc u%s s:winner n s:winner_hlc u1 s:author s: s:at u1",
     U_MAX, U_OVER},
    {"conflict winner_hlc",
     CONFLICT_ITEM "s:loser_hlc u1 s:winner n s:winner_hlc u%s s:author s: s:at u1",
     U_MAX, U_OVER},
    {"conflict at",
     CONFLICT_ITEM "s:loser_hlc u1 s:winner n s:winner_hlc u1 s:author s: s:at u%s",
     MS_MAX, MS_OVER},
    {"notice at", "E15:3 s:kind s:handover s:at u%s s:body s:b", MS_MAX, MS_OVER},
    {"ping n", "E16:1 s:n u%s", U_MAX, U_OVER},
    {"pong n", "E17:1 s:n u%s", U_MAX, U_OVER},
    {"error code high", "E11:2 s:code i%s s:text s:", "2147483647", "2147483648"},
    {"error code low", "E11:2 s:code i%s s:text s:", "-2147483648", "-2147483649"},
    {"result code", "E4:1 s:results A1 A4 u1 u4 i%s s:", "-2147483648", "-2147483649"},
};

static int range_decode(const char *spec, const char *num) {
  char buf[512];
  raw r;
  fs_msg d;
  int rc;

  const char *at = strstr(spec, "%s");

  assert_non_null(at);
  assert_true(strlen(spec) + strlen(num) < sizeof buf);
  memcpy(buf, spec, (size_t)(at - spec));
  strcpy(buf + (at - spec), num);
  strcat(buf, at + 2);
  raw_init(&r);
  raw_notation(&r, buf);
  rc = raw_decode(&r, &d);
  fs__msg_release(&d);
  fs__buf_release(&r.b);
  return rc;
}

static void test_integer_ranges(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof range_cases / sizeof range_cases[0]; i++) {
    print_message("%s\n", range_cases[i].what);
    assert_int_equal(range_decode(range_cases[i].spec, range_cases[i].max), 0);
    assert_int_equal(range_decode(range_cases[i].spec, range_cases[i].over), FS_EPROTO);
  }
  /* The attack of the issue: PULL from cursor 2^64-1. */
  assert_int_equal(range_decode("E5:2 s:cursor u%s s:limit u0", "18446744073709551615"),
                   FS_EPROTO);
}

/* The encoders refuse what the decoder would: a peer never gets it. */
static void test_integer_ranges_encode(void **state) {
  fs_msg m;
  fs_buf b;
  fs_change c;
  fs_row row;
  fs_batch_enc be;
  int cols[3];
  (void)state;

  fs__buf_init(&b, FS_MSG_MAX_BYTES);
  fs__msg_init(&m, FS_MSG_PULL);
  m.u.pull.cursor = UINT64_MAX;
  assert_int_equal(fs__msg_encode(&m, &b), FS_EINVAL);
  m.u.pull.cursor = FS_MSG_UINT_MAX;
  assert_int_equal(fs__msg_encode(&m, &b), 0);
  b.len = 0;
  sample(FS_MSG_HELLO, &m);
  m.u.hello.time = FS_MSG_MS_MAX + 1;
  assert_int_equal(fs__msg_encode(&m, &b), FS_EINVAL);
  assert_int_equal(b.len, 0);
  fs__msg_release(&m);
  sample(FS_MSG_WELCOME, &m);
  m.u.welcome.slot = 65;
  assert_int_equal(fs__msg_encode(&m, &b), FS_EINVAL);
  m.u.welcome.slot = 64;
  assert_int_equal(fs__msg_encode(&m, &b), 0);
  b.len = 0;
  fs__msg_release(&m);

  memset(&c, 0, sizeof c);
  make_change(&c, FS_MSG_UINT_MAX + 1, "Acme");
  assert_int_equal(fs__change_encode(&c, &b), FS_EINVAL);
  c.counter = 1;
  c.fields[0].hlc = FS_MSG_UINT_MAX + 1;
  assert_int_equal(fs__change_encode(&c, &b), FS_EINVAL);
  fs__change_release(&c);

  make_row(&row, ID1, "Acme");
  batch_cols(cols);
  row.clk[cols[0]] = FS_MSG_UINT_MAX + 1;
  assert_int_equal(fs__batch_begin(&be, &b, FS_KIND_CUSTOMER, cols, 3, FS_MSG_MAX_BYTES),
                   0);
  assert_int_equal(fs__batch_add_row(&be, &row), FS_EINVAL);
  row.clk[cols[0]] = FS_MSG_UINT_MAX;
  assert_int_equal(fs__batch_add_row(&be, &row), 0);
  fs__row_release(&row);
  fs__buf_release(&b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_buf_bounded),
      cmocka_unit_test(test_type_names),
      cmocka_unit_test(test_kinds_fit_limits),
      cmocka_unit_test(test_round_trip_every_type),
      cmocka_unit_test(test_round_trip_hello_welcome),
      cmocka_unit_test(test_round_trip_serials),
      cmocka_unit_test(test_push_bases),
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
      cmocka_unit_test(test_golden_every_type),
      cmocka_unit_test(test_golden_fast_paths),
      cmocka_unit_test(test_malformed_exact_codes),
      cmocka_unit_test(test_integer_ranges),
      cmocka_unit_test(test_integer_ranges_encode),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
