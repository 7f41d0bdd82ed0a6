/* test_daemon_text.c - issue 11, holes 10 and 11, against a real fieldsyncd
 * on 127.0.0.1 and a hostile device speaking the wire protocol with a
 * genuine device key (wiretest.h):
 *   - a record field holding ESC pushed by the device is rejected with
 *     FS_EVALIDATE (single-line text holds no control character); a
 *     multi-line field keeps its line breaks;
 *   - the admin commands refuse control characters in every string
 *     argument, in the daemon itself (fs__admin_exec), naming the argument;
 *   - an audit row written before that rule (ESC, BEL, a newline straight
 *     into central.db) is printed by `fieldsyncd audit` without them, on
 *     one line;
 *   - a PULL with cursor 2^64-1 is a protocol error: ERROR FS_EPROTO, the
 *     connection closed, devices.cursor unchanged and still an INTEGER,
 *     and the daemon keeps serving.
 */
#include "daemontest.h"

#include <msgpack.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "buf.h"
#include "store/central.h"
#include "store/impl.h"
#include "config.h"
#include "fs_errno.h"
#include "id.h"
#include "msg.h"
#include "wiretest.h"

typedef struct world {
  fs_test_world tw; /* first: daemontest.h */
  fs_replica *good; /* A01's real device, synced */
} world;

static int setup(void **state) {
  world *w;

  fs_test_world_setup_size(state, sizeof(world),
                           "staff add M01 --name 'Manager' --role manager",
                           "staff add A01 --name 'Li' --manager M01", NULL);
  w = *state;
  w->good = fs_test_world_device(&w->tw, "A01", "a01");
  fs_test_sync_ok(w->good, NULL);
  return 0;
}

/* The daemon still serves: the good device pushes a card and pulls. */
static void still_serving(world *w) {
  static int n;
  char name[64];
  fs_sync_stats st;
  snprintf(name, sizeof(name), "still serving %d", ++n);
  fs_test_create_customer(w->good, name, "A", NULL);
  fs_test_sync_ok(w->good, &st);
  assert_int_equal(st.applied, 2); /* the card and its first grade entry */
}

/* ---- hole 10: record fields --------------------------------------------- */

/* Pushes one customer card named `name` with `traits` in the multi-line
 * principal_traits (NULL: not set) from the hostile side; returns the
 * outcome and the code. */
static int push_card(world *w, uint64_t counter, const char *name, const char *traits,
                     int *code) {
  fs_wire_dev h;
  fs_change c;
  char id[FS_ID_HEX + 1];
  int outcome = 0, rc;

  fs__id_new(id);
  fs_wire_load(&h, w->tw.tmp, "h01");
  assert_int_equal(fs_wire_open(&h, NULL), 0);
  fs_wire_change_init(&c, FS_KIND_CUSTOMER, id, "A01", counter, 0);
  fs_wire_change_set(&c, "name", name);
  fs_wire_change_set(&c, "grade", "B");
  if (traits)
    fs_wire_change_set(&c, "principal_traits", traits);
  rc = fs_wire_push(&h, &c, 1, 1, &outcome, code, NULL);
  assert_int_equal(rc, 0);
  fs_wire_change_release(&c);
  fs_wire_free(&h);
  return outcome;
}

static void test_field_with_escape_rejected(void **state) {
  world *w = *state;
  fs_replica *h = fs_test_enroll(&w->tw.d, w->tw.tmp, "A01", "h01");
  int code = 0;

  fs_replica_close(h);
  assert_int_equal(push_card(w, 1001, "Evil\x1b[31m Co", NULL, &code),
                   FS_OUTCOME_REJECTED);
  assert_int_equal(code, FS_EVALIDATE);
  assert_int_equal(push_card(w, 1002, "Evil\nforged line", NULL, &code),
                   FS_OUTCOME_REJECTED);
  assert_int_equal(code, FS_EVALIDATE);
  /* A multi-line field keeps its line breaks and tabs, but no escape. */
  assert_int_equal(push_card(w, 1003, "Fine Co", "likes golf\n\tand tea", &code),
                   FS_OUTCOME_APPLIED);
  assert_int_equal(push_card(w, 1004, "Other Co", "likes\x1b]0;pwned\x07 golf", &code),
                   FS_OUTCOME_REJECTED);
  assert_int_equal(code, FS_EVALIDATE);
  assert_int_equal(fs_test_central_int(&w->tw.d,
                                       "SELECT count(*) FROM customers WHERE "
                                       "instr(name, char(27)) OR instr(name, char(10)) "
                                       "OR instr(principal_traits, char(27))"),
                   0);
  assert_int_equal(fs_test_central_int(
                       &w->tw.d, "SELECT count(*) FROM customers WHERE name='Fine Co'"),
                   1);
  still_serving(w);
}

/* ---- hole 10: admin arguments, checked by the daemon itself ---------------- */

static void admin_run(fs_central *c, const char *cmd, fs_admin_arg *args, uint32_t nargs,
                      fs_msg_admin_result *res) {
  static const uint8_t pub[32];
  fs_config cfg;
  fs_admin_ctx ctx;
  fs_msg_admin req;

  fs__config_defaults(&cfg);
  memset(&ctx, 0, sizeof(ctx));
  ctx.c = c;
  ctx.cfg = &cfg;
  ctx.daemon_pub = pub;
  ctx.actor = "test";
  req.cmd = (char *)cmd;
  req.args = args;
  req.nargs = nargs;
  memset(res, 0, sizeof(*res));
  assert_int_equal(fs__central_begin(c), 0);
  assert_int_equal(fs__admin_exec(&ctx, &req, res), 0);
  assert_int_equal(fs__central_commit(c), 0);
}

static void result_free(fs_msg_admin_result *res) {
  free(res->text);
  free(res->out);
  free(res->json);
  memset(res, 0, sizeof(*res));
}

static void test_admin_args_refused(void **state) {
  char *dir = fs_test_tmpdir(), *path = fs_test_path(dir, "central.db");
  char *custs[] = {"0190a1b2c3d4e5f60718293a4b5c6d7e", "x\x1b[2J"};
  fs_admin_arg add[3] = {{"code", FS_ARG_STR, "A09", 0, NULL, 0},
                         {"name", FS_ARG_STR, "A\x1b[31mB", 0, NULL, 0},
                         {"role", FS_ARG_STR, "rep", 0, NULL, 0}};
  fs_admin_arg depart[2] = {{"code", FS_ARG_STR, "A09", 0, NULL, 0},
                            {"reason", FS_ARG_STR, "x\ny", 0, NULL, 0}};
  fs_admin_arg transfer[3] = {{"from", FS_ARG_STR, "A09", 0, NULL, 0},
                              {"to", FS_ARG_STR, "A08", 0, NULL, 0},
                              {"customer", FS_ARG_LIST, NULL, 0, custs, 2}};
  fs_msg_admin_result res;
  fs_central *c = NULL;

  (void)state;
  assert_int_equal(fs__central_open(path, 1, &c), 0);
  admin_run(c, "staff.add", add, 3, &res);
  assert_false(res.ok);
  assert_int_equal(res.code, FS_EVALIDATE);
  assert_string_equal(res.text,
                      "name: contains an escape character (U+001B) at byte 1; this "
                      "is single-line text: no line breaks, tabs or other control "
                      "characters");
  result_free(&res);
  assert_int_equal(fs_test_db_int(path, "SELECT count(*) FROM staff"), 0);
  /* A bell is refused too; a plain name is taken. */
  add[1].s = "Ann\a";
  admin_run(c, "staff.add", add, 3, &res);
  assert_int_equal(res.code, FS_EVALIDATE);
  result_free(&res);
  add[1].s = "安娜 Ann";
  admin_run(c, "staff.add", add, 3, &res);
  assert_true(res.ok);
  result_free(&res);

  /* --reason with a newline, before anything else is looked at. */
  admin_run(c, "depart", depart, 2, &res);
  assert_false(res.ok);
  assert_int_equal(res.code, FS_EVALIDATE);
  assert_non_null(strstr(res.text, "reason: contains a line break (U+000A) at byte 1"));
  result_free(&res);
  assert_int_equal(
      fs_test_db_int(path, "SELECT count(*) FROM staff WHERE status<>'active'"), 0);
  /* Every item of a list argument. */
  admin_run(c, "transfer", transfer, 3, &res);
  assert_int_equal(res.code, FS_EVALIDATE);
  assert_non_null(strstr(res.text, "customer: contains an escape character"));
  result_free(&res);
  assert_int_equal(fs_test_db_int(path, "SELECT count(*) FROM audit WHERE instr(detail, "
                                        "char(27)) OR instr(reason, char(10))"),
                   0);
  fs__central_free(c);
  free(path);
  fs_test_rmdir(dir);
}

/* ---- hole 10: daemon human output ---------------------------------------- */

static void test_audit_legacy_row_sanitised(void **state) {
  world *w = *state;
  char *db = fs_test_path(w->tw.d.dir, "central.db"), *out, *line;
  sqlite3 *h = NULL;
  int lines = 0;

  /* A row from before the rule, written straight into the store. */
  assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
  sqlite3_busy_timeout(h, 5000);
  assert_int_equal(
      sqlite3_exec(h,
                   "INSERT INTO audit(at, actor, action, staff, detail, reason) "
                   "VALUES(1700000000000, 'eve' || char(27) || '[31m', "
                   "'staff.add', 'A01', 'Mallory' || char(7) || char(10) || "
                   "'2026-01-01 00:00  admin    device.revoke forged', "
                   "'why' || char(27) || ']0;pwned' || char(7))",
                   NULL, NULL, NULL),
      SQLITE_OK);
  sqlite3_close(h);
  free(db);

  out = fs_test_daemon_cmd(&w->tw.d, NULL, "audit --staff A01");
  assert_null(strchr(out, 0x1b));
  assert_null(strchr(out, 0x07));
  /* One row, one line: the newline in the detail forged nothing. */
  line = strstr(out, "Mallory");
  assert_non_null(line);
  assert_non_null(strstr(line, "forged"));
  assert_true(strchr(line, '\n') == NULL || strchr(line, '\n') > strstr(line, "forged"));
  for (char *p = out; (p = strstr(p, "device.revoke")) != NULL; p++)
    lines++;
  assert_int_equal(lines, 1); /* only inside the Mallory line */
  free(out);
  /* --json keeps the text whole, escaped. */
  out = fs_test_daemon_cmd(&w->tw.d, NULL, "--json audit --staff A01");
  assert_non_null(strstr(out, "Mallory\\u0007\\n2026"));
  assert_null(strchr(out, 0x1b));
  free(out);
}

/* ---- hole 11: PULL with a cursor above INT64_MAX --------------------------- */

static void test_pull_cursor_overflow(void **state) {
  world *w = *state;
  long long before =
      fs_test_central_int(&w->tw.d, "SELECT cursor FROM devices WHERE id=1");
  msgpack_packer pk;
  fs_wire_dev h;
  fs_buf b;
  fs_msg m;
  int rc;

  fs_wire_load(&h, w->tw.tmp, "a01");
  assert_int_equal(fs_wire_open(&h, NULL), 0);
  /* Hand-made bytes (the encoder refuses to write them, checked below):
   * [1, PULL, {cursor: 2^64-1, limit: 0}]. */
  fs__buf_init(&b, 256);
  msgpack_packer_init(&pk, &b, fs__buf_msgpack_write);
  assert_int_equal(msgpack_pack_array(&pk, 3), 0);
  assert_int_equal(msgpack_pack_uint32(&pk, FS_MSG_VERSION), 0);
  assert_int_equal(msgpack_pack_uint32(&pk, FS_MSG_PULL), 0);
  assert_int_equal(msgpack_pack_map(&pk, 2), 0);
  assert_int_equal(msgpack_pack_str_with_body(&pk, "cursor", 6), 0);
  assert_int_equal(msgpack_pack_uint64(&pk, UINT64_MAX), 0);
  assert_int_equal(msgpack_pack_str_with_body(&pk, "limit", 5), 0);
  assert_int_equal(msgpack_pack_uint64(&pk, 0), 0);
  assert_int_equal(fs__net_send_raw(&h.net, b.data, b.len), 0);
  fs__buf_release(&b);

  rc = fs_wire_recv(&h, &m, 5000);
  assert_int_equal(rc, 0);
  assert_int_equal(m.type, FS_MSG_ERROR); /* no snapshot */
  assert_int_equal(m.u.error.code, FS_EPROTO);
  fs__msg_release(&m);
  rc = fs_wire_recv(&h, &m, 5000);
  assert_int_equal(rc, FS_ECLOSED); /* and the daemon hung up */
  fs_wire_free(&h);
  /* A sender never produces it: the encoder refuses. */
  fs_wire_load(&h, w->tw.tmp, "a01");
  assert_int_equal(fs_wire_open(&h, NULL), 0);
  fs__msg_init(&m, FS_MSG_PULL);
  m.u.pull.cursor = UINT64_MAX;
  assert_int_equal(fs_wire_send(&h, &m), FS_EINVAL);
  fs_wire_free(&h);

  assert_int_equal(fs_test_central_int(&w->tw.d, "SELECT cursor FROM devices WHERE id=1"),
                   before);
  assert_int_equal(fs_test_central_int(&w->tw.d,
                                       "SELECT count(*) FROM devices WHERE "
                                       "typeof(cursor) NOT IN ('integer', 'null')"),
                   0);
  still_serving(w);
  /* The writer thread has run every job queued before that sync's push. */
  assert_int_equal(fs_test_central_int(&w->tw.d,
                                       "SELECT count(*) FROM devices WHERE "
                                       "typeof(cursor) NOT IN ('integer', 'null')"),
                   0);
  assert_true(fs_test_central_int(&w->tw.d, "SELECT cursor FROM devices WHERE id=1") <
              (long long)INT64_MAX);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_field_with_escape_rejected, setup,
                                      fs_test_world_teardown),
      cmocka_unit_test(test_admin_args_refused),
      cmocka_unit_test_setup_teardown(test_audit_legacy_row_sanitised, setup,
                                      fs_test_world_teardown),
      cmocka_unit_test_setup_teardown(test_pull_cursor_overflow, setup,
                                      fs_test_world_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
