/* test_daemon_resend.c - issue 12: a change re-sent after a rejection is
 * answered with its original reason, at the protocol level.
 *
 * A real fieldsyncd on 127.0.0.1 and a device speaking the wire protocol
 * directly with a genuine device key (wiretest.h).  The device pushes a
 * card the validator refuses (an escape character in its name): outcome 4,
 * FS_EVALIDATE, a reason naming the field.  It pushes the same change
 * again - the same counter (a retry after a lost PUSH_RESULT), then under
 * a new counter with the same clock (an outbox renumbered after a restore
 * from a backup) - and each time gets outcome 4, the same code and exactly
 * the same reason, not the code's generic message.  The daemon stores the
 * reason with the recorded outcome (applied.reason).
 */
#include "daemontest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs_errno.h"
#include "id.h"
#include "msg.h"
#include "wiretest.h"

typedef struct world {
  fs_test_daemon d;
  char *tmp;
} world;

static int setup(void **state) {
  world *w = calloc(1, sizeof(*w));
  fs_replica *r;

  assert_non_null(w);
  fs_test_world_start(&w->d, &w->tmp, "staff add A01 --name 'Li' --role rep", NULL);
  r = fs_test_enroll(&w->d, w->tmp, "A01", "a01");
  fs_replica_close(r);
  *state = w;
  return 0;
}

static int teardown(void **state) {
  world *w = *state;
  fs_test_world_stop(&w->d, w->tmp);
  free(w);
  return 0;
}

/* One change's PUSH_RESULT, reason included. */
typedef struct result {
  int outcome, code;
  char reason[FS_MSG_STR_MAX + 1];
} result;

/* Pushes the one change c over h and returns its result (fails the test
 * unless the answer is a PUSH_RESULT with one result for c). */
static void push_one(fs_wire_dev *h, fs_change *c, result *out) {
  fs_msg m, res;

  fs__msg_init(&m, FS_MSG_PUSH);
  m.u.push.changes = c;
  m.u.push.n = 1;
  m.u.push.outbox = 1;
  assert_int_equal(fs_wire_send(h, &m), 0);
  assert_int_equal(fs_wire_recv(h, &res, 5000), 0);
  assert_int_equal(res.type, FS_MSG_PUSH_RESULT);
  assert_int_equal(res.u.push_result.n, 1);
  assert_int_equal(res.u.push_result.results[0].counter, c->counter);
  out->outcome = res.u.push_result.results[0].outcome;
  out->code = res.u.push_result.results[0].code;
  snprintf(out->reason, sizeof(out->reason), "%s",
           res.u.push_result.results[0].reason ? res.u.push_result.results[0].reason : "");
  fs__msg_release(&res);
}

static void test_resend_keeps_reason(void **state) {
  world *w = *state;
  fs_wire_dev h;
  fs_change c;
  char id[FS_ID_HEX + 1];
  result first, again, renumbered, later;

  fs__id_new(id);
  fs_wire_load(&h, w->tmp, "a01");
  assert_int_equal(fs_wire_open(&h, NULL), 0);
  fs_wire_change_init(&c, FS_KIND_CUSTOMER, id, "A01", 7, 0);
  fs_wire_change_set(&c, "name", "Evil\x1b[31m Co");
  fs_wire_change_set(&c, "grade", "B");
  push_one(&h, &c, &first);
  assert_int_equal(first.outcome, FS_OUTCOME_REJECTED);
  assert_int_equal(first.code, FS_EVALIDATE);
  /* A reason of its own, not the code's message. */
  assert_non_null(strstr(first.reason, "name"));
  assert_string_not_equal(first.reason, fs_strerror(FS_EVALIDATE));

  /* The same change again, same counter (its PUSH_RESULT was lost). */
  push_one(&h, &c, &again);
  assert_int_equal(again.outcome, FS_OUTCOME_REJECTED);
  assert_int_equal(again.code, FS_EVALIDATE);
  assert_string_equal(again.reason, first.reason);

  /* On a new connection, under another counter with the same clock (an
   * outbox renumbered after a restore): the recorded change, same reason. */
  fs_wire_close(&h);
  assert_int_equal(fs_wire_open(&h, NULL), 0);
  c.counter = 8;
  push_one(&h, &c, &renumbered);
  assert_int_equal(renumbered.outcome, FS_OUTCOME_REJECTED);
  assert_int_equal(renumbered.code, FS_EVALIDATE);
  assert_string_equal(renumbered.reason, first.reason);
  c.counter = 7;
  push_one(&h, &c, &later);
  assert_string_equal(later.reason, first.reason);
  fs_wire_change_release(&c);
  fs_wire_free(&h);

  /* Stored with the outcome; nothing of the card was applied. */
  assert_int_equal(fs_test_central_int(&w->d, "SELECT count(*) FROM applied WHERE counter=7 "
                                              "AND outcome=4 AND instr(reason, 'name') > 0"),
                   1);
  assert_int_equal(fs_test_central_int(&w->d, "SELECT count(*) FROM customers"), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_resend_keeps_reason, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
