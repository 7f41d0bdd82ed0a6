/* buf.c - bounded growable byte buffer (see buf.h). */
#include "buf.h"

#include <stdlib.h>
#include <string.h>

#include "fs_errno.h"

#define BUF_MIN_CAP 256

void fs__buf_init(fs_buf *b, size_t max) {
  b->data = NULL;
  b->len = 0;
  b->cap = 0;
  b->max = max;
}

void fs__buf_release(fs_buf *b) {
  if (b == NULL)
    return;
  free(b->data);
  b->data = NULL;
  b->len = 0;
  b->cap = 0;
}

void fs__buf_reset(fs_buf *b) { b->len = 0; }

int fs__buf_reserve(fs_buf *b, size_t n) {
  size_t need, cap;
  uint8_t *p;

  /* Written as a subtraction so len + n cannot overflow. */
  if (n > b->max - b->len)
    return FS_ETOOBIG;
  need = b->len + n;
  if (need <= b->cap)
    return 0;
  cap = b->cap ? b->cap : BUF_MIN_CAP;
  while (cap < need)
    cap = cap > b->max / 2 ? b->max : cap * 2;
  if (cap > b->max)
    cap = b->max;
  p = realloc(b->data, cap);
  if (p == NULL)
    return FS_ENOMEM;
  b->data = p;
  b->cap = cap;
  return 0;
}

int fs__buf_append(fs_buf *b, const void *p, size_t n) {
  int rc;

  if (n == 0)
    return 0;
  rc = fs__buf_reserve(b, n);
  if (rc)
    return rc;
  memcpy(b->data + b->len, p, n);
  b->len += n;
  return 0;
}

void fs__buf_truncate(fs_buf *b, size_t len) {
  if (len < b->len)
    b->len = len;
}

uint8_t *fs__buf_detach(fs_buf *b, size_t *len) {
  uint8_t *p = b->data;

  *len = b->len;
  if (b->len == 0) {
    free(p);
    p = NULL;
  }
  b->data = NULL;
  b->len = 0;
  b->cap = 0;
  return p;
}

int fs__buf_msgpack_write(void *data, const char *p, size_t n) {
  return fs__buf_append(data, p, n);
}
