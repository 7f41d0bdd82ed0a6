/* frame.h - length-prefixed framing of the wire protocol (PROTOCOL.md s.1).
 *
 * A frame is a 4-byte big-endian unsigned length L followed by L body bytes.
 * L == 0 is a protocol violation; L above the decoder's maximum is refused
 * as soon as the 4 header bytes are seen, before anything is allocated.
 *
 * The decoder is streaming: feed it whatever arrived (one byte at a time
 * works); it reports a complete frame, asks for more, or fails.  Its body
 * buffer grows only as body bytes actually arrive and never beyond the
 * announced L (so never beyond max).
 *
 * Decoder states:
 *
 *            feed 4 header bytes            L body bytes fed
 *   HEADER ----------------------> BODY ----------------------> DONE
 *     ^  \ L==0: FS_EPROTO           |                            |
 *     |   \ L>max: FS_ETOOBIG        |                            |
 *     |    +---------> ERROR <-------+ (alloc failure FS_ENOMEM)  |
 *     |                (sticky until fs__frame_reset)             |
 *     +------ next fs__frame_feed or fs__frame_reset -------------+
 *
 * Not thread-safe; one decoder per connection direction.
 */
#ifndef FS_FRAME_H
#define FS_FRAME_H

#include <stddef.h>
#include <stdint.h>

#define FS_FRAME_HEADER_LEN 4
/* Default maximum body length: 1 MiB. */
#define FS_FRAME_MAX_DEFAULT 1048576u

typedef struct fs_frame_decoder {
  /* All fields private; declared here so callers can embed the decoder. */
  size_t max;       /* largest accepted body length */
  uint8_t hdr[FS_FRAME_HEADER_LEN];
  size_t hdr_have;  /* header bytes seen so far */
  size_t want;      /* announced body length L (valid in BODY/DONE) */
  size_t have;      /* body bytes received */
  uint8_t *buf;     /* heap, capacity cap <= want */
  size_t cap;
  int state;        /* internal enum */
  int err;          /* sticky error in ERROR state */
} fs_frame_decoder;

/* Initialises d.  max == 0 means FS_FRAME_MAX_DEFAULT; max is clamped to
 * UINT32_MAX.  Allocates nothing.  Pair with fs__frame_decoder_release. */
void fs__frame_decoder_init(fs_frame_decoder *d, size_t max);

/* Frees the body buffer; d may be re-initialised afterwards.  Takes NULL. */
void fs__frame_decoder_release(fs_frame_decoder *d);

/* Feeds len bytes.  Consumes bytes up to the end of the current frame at
 * most (never past it), stores the count in *consumed (may be NULL only if
 * the caller does not care; then leftover bytes are lost).
 * If the previous call completed a frame, that frame is dropped first (an
 * implicit fs__frame_reset).
 * Returns 1: a frame is complete (fs__frame_body gives it); 0: all of data
 *   was consumed and more is needed; FS_ETOOBIG: announced L > max;
 *   FS_EPROTO: L == 0; FS_ENOMEM; FS_EINVAL (NULL d, or data NULL with
 *   len > 0).  Errors are sticky: later feeds return the same error and
 *   consume nothing until fs__frame_reset. */
int fs__frame_feed(fs_frame_decoder *d, const uint8_t *data, size_t len,
                   size_t *consumed);

/* Zero-copy variant of fs__frame_feed for a caller that transforms the
 * body anyway (the channel decrypts it).  Same states, limits, codes and
 * *consumed as fs__frame_feed; in addition, on 1 *src points at the body
 * bytes (length as given by fs__frame_body):
 *  - when the decoder was between frames and data held the whole frame,
 *    *src points into data (nothing copied) and fs__frame_body's buffer
 *    has room for the body but undefined contents: the caller writes its
 *    result there;
 *  - otherwise the frame was assembled as usual and *src is that buffer.
 * *src is valid as long as both data and the frame are.  src is required
 * (FS_EINVAL).  The buffer is still sized from bytes that actually
 * arrived. */
int fs__frame_feed_ref(fs_frame_decoder *d, const uint8_t *data, size_t len,
                       size_t *consumed, const uint8_t **src);

/* After fs__frame_feed returned 1: points *p and *n at the body (owned by d,
 * valid until the next feed/reset/release; writable so the channel can
 * decrypt in place).  Returns 0, or FS_ESTATE when no frame is complete. */
int fs__frame_body(fs_frame_decoder *d, uint8_t **p, size_t *n);

/* Takes ownership of the complete body (malloc'd; caller frees) and resets
 * the decoder.  Returns 0 or FS_ESTATE. */
int fs__frame_body_take(fs_frame_decoder *d, uint8_t **p, size_t *n);

/* Back to HEADER state, clears a sticky error; keeps no body. */
void fs__frame_reset(fs_frame_decoder *d);

/* True (1) when the decoder is between frames with no partial bytes. */
int fs__frame_idle(const fs_frame_decoder *d);

/* Writes the 4-byte big-endian header for a body of len bytes. */
void fs__frame_header(uint8_t out[FS_FRAME_HEADER_LEN], uint32_t len);

/* Reads a header: stores L in *len.  Returns 0, FS_EPROTO if L == 0, or
 * FS_ETOOBIG if L > max (max 0 = default).  For blocking readers that read
 * the header themselves. */
int fs__frame_header_parse(const uint8_t in[FS_FRAME_HEADER_LEN], size_t max,
                           size_t *len);

#endif
