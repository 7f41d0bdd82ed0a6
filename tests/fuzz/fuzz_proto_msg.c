/* fuzz_proto_msg.c - libFuzzer harness for the message codec (proto/msg.h).
 *
 * Decodes arbitrary bytes as a message and as a bare change (the outbox
 * codec).  Whatever decodes must re-encode (unless it carried records this
 * build does not know, which the encoder rightly refuses), the re-encoding
 * must decode again, and encoding that must give the same bytes: decode and
 * encode agree on every schema, bound and rule.  Crashes, sanitizer reports
 * and leaks are findings too.  Seeds: tests/fuzz/corpus/proto_msg/ (written
 * by test_proto_msg with FS_MSG_CORPUS_DIR set).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fs_errno.h"
#include "msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Records the encoder cannot express: unknown kinds or columns. */
static int has_unknown(const fs_msg *m) {
  if (m->type == FS_MSG_PUSH) {
    for (uint32_t i = 0; i < m->u.push.n; i++)
      if (m->u.push.changes[i].kind == FS_KIND__COUNT)
        return 1;
  }
  if (m->type == FS_MSG_PULL_BATCH) {
    for (int c = 0; c < m->u.pull_batch.ncols; c++)
      if (m->u.pull_batch.cols[c] < 0)
        return 1;
  }
  return 0;
}

static void check_msg(const uint8_t *data, size_t size) {
  fs_msg m, m2;
  fs_buf a, b;
  int rc;

  if (fs__msg_decode(data, size, &m) != 0)
    return;
  fs__buf_init(&a, FS_MSG_MAX_BYTES);
  fs__buf_init(&b, FS_MSG_MAX_BYTES);
  rc = fs__msg_encode(&m, &a);
  if (rc != 0) {
    if (!has_unknown(&m))
      abort();
    goto out;
  }
  if (fs__msg_decode(a.data, a.len, &m2) != 0)
    abort();
  if (m2.type != m.type || fs__msg_encode(&m2, &b) != 0)
    abort();
  if (a.len != b.len || memcmp(a.data, b.data, a.len) != 0)
    abort();
  fs__msg_release(&m2);
out:
  fs__msg_release(&m);
  fs__buf_release(&a);
  fs__buf_release(&b);
}

static void check_change(const uint8_t *data, size_t size) {
  fs_change c, c2;
  fs_buf a, b;
  int rc = fs__change_decode(data, size, &c);

  if (rc != 0 && rc != FS_EUNKNOWN_FIELD)
    return;
  fs__buf_init(&a, FS_MSG_MAX_BYTES);
  fs__buf_init(&b, FS_MSG_MAX_BYTES);
  rc = fs__change_encode(&c, &a);
  if (rc != 0) {
    if (c.kind != FS_KIND__COUNT)
      abort();
    goto out;
  }
  if (fs__change_decode(a.data, a.len, &c2) != 0)
    abort();
  if (fs__change_encode(&c2, &b) != 0)
    abort();
  if (a.len != b.len || memcmp(a.data, b.data, a.len) != 0)
    abort();
  fs__change_release(&c2);
out:
  fs__change_release(&c);
  fs__buf_release(&a);
  fs__buf_release(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  check_msg(data, size);
  check_change(data, size);
  return 0;
}
