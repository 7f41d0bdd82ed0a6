/* buf.h - a bounded, growable byte buffer for encoders.
 *
 * An fs_buf owns a heap block that grows on demand (doubling) but never past
 * the maximum fixed at fs__buf_init: an append that would exceed it fails
 * with FS_ETOOBIG and leaves the buffer unchanged, so encoders can never
 * produce more than the peer is willing to read.  A failed allocation
 * returns FS_ENOMEM, also leaving the buffer unchanged.
 *
 * Lifecycle: fs__buf_init (no allocation) -> appends -> fs__buf_reset to
 * reuse the memory, or fs__buf_release to free it.  fs__buf_detach hands the
 * bytes to the caller (free() them) and leaves the buffer empty.
 *
 * fs__buf_msgpack_write is a msgpack_packer_write callback (data = fs_buf*);
 * it returns 0 or the negative fs_errno of the failed append, which msgpack
 * pack functions pass through unchanged.
 */
#ifndef FS_BUF_H
#define FS_BUF_H

#include <stddef.h>
#include <stdint.h>

typedef struct fs_buf {
  uint8_t *data; /* NULL until the first append */
  size_t len;    /* bytes in use */
  size_t cap;    /* bytes allocated */
  size_t max;    /* hard limit on len, fixed at init */
} fs_buf;

/* Sets up an empty buffer that will hold at most max bytes. */
void fs__buf_init(fs_buf *b, size_t max);
/* Frees the memory; the buffer is empty afterwards (max kept).  Takes NULL. */
void fs__buf_release(fs_buf *b);
/* Empties the buffer, keeping its memory for reuse. */
void fs__buf_reset(fs_buf *b);
/* Makes room for n more bytes.  0, FS_ETOOBIG (len + n > max), FS_ENOMEM. */
int fs__buf_reserve(fs_buf *b, size_t n);
/* Appends n bytes (p may be NULL if n == 0).  0, FS_ETOOBIG, FS_ENOMEM. */
int fs__buf_append(fs_buf *b, const void *p, size_t n);
/* Shrinks len to `len` (no-op if len >= b->len); used to roll back a
 * partially written item. */
void fs__buf_truncate(fs_buf *b, size_t len);
/* Returns the bytes (caller frees; NULL if empty) and their length in *len;
 * the buffer is left empty with no memory. */
uint8_t *fs__buf_detach(fs_buf *b, size_t *len);
/* msgpack_packer_write callback writing into (fs_buf *)data. */
int fs__buf_msgpack_write(void *data, const char *p, size_t n);

#endif
