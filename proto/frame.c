/* frame.c - streaming decoder for 4-byte big-endian length-prefixed frames. */
#include "frame.h"

#include <stdlib.h>
#include <string.h>

#include "fs_errno.h"

enum { ST_HEADER = 0, ST_BODY, ST_DONE, ST_ERROR };

/* Smallest first allocation; later growth doubles, capped at the announced
 * length, so a peer that announces 1 MiB and sends 10 bytes costs us only
 * a small buffer. */
#define FRAME_MIN_ALLOC 4096u

void fs__frame_decoder_init(fs_frame_decoder *d, size_t max) {
  if (!d)
    return;
  memset(d, 0, sizeof(*d));
  if (max == 0)
    max = FS_FRAME_MAX_DEFAULT;
  if (max > UINT32_MAX)
    max = UINT32_MAX;
  d->max = max;
  d->state = ST_HEADER;
}

void fs__frame_decoder_release(fs_frame_decoder *d) {
  if (!d)
    return;
  free(d->buf);
  d->buf = NULL;
  d->cap = 0;
  d->hdr_have = d->want = d->have = 0;
  d->state = ST_HEADER;
  d->err = 0;
}

void fs__frame_reset(fs_frame_decoder *d) {
  if (!d)
    return;
  /* The buffer is kept for the next frame (its capacity is still bounded
   * by max); only the counters go back to zero. */
  d->hdr_have = d->want = d->have = 0;
  d->state = ST_HEADER;
  d->err = 0;
}

int fs__frame_idle(const fs_frame_decoder *d) {
  if (!d)
    return 0;
  return d->state == ST_DONE || (d->state == ST_HEADER && d->hdr_have == 0);
}

void fs__frame_header(uint8_t out[FS_FRAME_HEADER_LEN], uint32_t len) {
  out[0] = (uint8_t)(len >> 24);
  out[1] = (uint8_t)(len >> 16);
  out[2] = (uint8_t)(len >> 8);
  out[3] = (uint8_t)len;
}

int fs__frame_header_parse(const uint8_t in[FS_FRAME_HEADER_LEN], size_t max,
                           size_t *len) {
  uint32_t l;
  if (!in || !len)
    return FS_EINVAL;
  if (max == 0)
    max = FS_FRAME_MAX_DEFAULT;
  l = ((uint32_t)in[0] << 24) | ((uint32_t)in[1] << 16) |
      ((uint32_t)in[2] << 8) | (uint32_t)in[3];
  if (l == 0)
    return FS_EPROTO;
  if ((size_t)l > max)
    return FS_ETOOBIG;
  *len = l;
  return 0;
}

static int fail(fs_frame_decoder *d, int err) {
  d->state = ST_ERROR;
  d->err = err;
  return err;
}

/* Makes room for at least need bytes (need <= d->want <= d->max). */
static int grow(fs_frame_decoder *d, size_t need) {
  size_t ncap;
  uint8_t *nb;
  if (need <= d->cap)
    return 0;
  ncap = d->cap ? d->cap * 2 : FRAME_MIN_ALLOC;
  if (ncap < need)
    ncap = need;
  if (ncap > d->want)
    ncap = d->want;
  nb = realloc(d->buf, ncap);
  if (!nb)
    return FS_ENOMEM;
  d->buf = nb;
  d->cap = ncap;
  return 0;
}

int fs__frame_feed(fs_frame_decoder *d, const uint8_t *data, size_t len,
                   size_t *consumed) {
  size_t used = 0;
  int rc = 0;

  if (consumed)
    *consumed = 0;
  if (!d || (!data && len > 0))
    return FS_EINVAL;
  if (d->state == ST_ERROR)
    return d->err;
  if (d->state == ST_DONE)
    fs__frame_reset(d);

  while (d->state == ST_HEADER && used < len) {
    d->hdr[d->hdr_have++] = data[used++];
    if (d->hdr_have == FS_FRAME_HEADER_LEN) {
      /* Checked before any allocation: an oversized or empty frame never
       * costs memory. */
      rc = fs__frame_header_parse(d->hdr, d->max, &d->want);
      if (rc) {
        rc = fail(d, rc);
        goto out;
      }
      d->have = 0;
      d->state = ST_BODY;
    }
  }
  if (d->state == ST_BODY && used < len) {
    size_t take = len - used;
    if (take > d->want - d->have)
      take = d->want - d->have;
    rc = grow(d, d->have + take);
    if (rc) {
      rc = fail(d, rc);
      goto out;
    }
    memcpy(d->buf + d->have, data + used, take);
    d->have += take;
    used += take;
  }
  if (d->state == ST_BODY && d->have == d->want) {
    d->state = ST_DONE;
    rc = 1;
  }
out:
  if (consumed)
    *consumed = used;
  return rc;
}

int fs__frame_feed_ref(fs_frame_decoder *d, const uint8_t *data, size_t len,
                       size_t *consumed, const uint8_t **src) {
  size_t want = 0;
  int rc;

  if (consumed)
    *consumed = 0;
  if (!d || !src || (!data && len > 0))
    return FS_EINVAL;
  *src = NULL;
  if (d->state == ST_DONE)
    fs__frame_reset(d);
  /* Fast path: a whole frame at the start of data.  Only the buffer is
   * prepared; the body is left where it is for the caller to read once. */
  if (d->state == ST_HEADER && d->hdr_have == 0 &&
      len >= FS_FRAME_HEADER_LEN) {
    rc = fs__frame_header_parse(data, d->max, &want);
    if (rc == 0 && len - FS_FRAME_HEADER_LEN >= want) {
      memcpy(d->hdr, data, FS_FRAME_HEADER_LEN);
      d->hdr_have = FS_FRAME_HEADER_LEN;
      d->want = want;
      d->have = 0;
      rc = grow(d, want);
      if (rc) {
        /* as fs__frame_feed: the header was consumed, then it failed */
        if (consumed)
          *consumed = FS_FRAME_HEADER_LEN;
        return fail(d, rc);
      }
      d->have = want;
      d->state = ST_DONE;
      if (consumed)
        *consumed = FS_FRAME_HEADER_LEN + want;
      *src = data + FS_FRAME_HEADER_LEN;
      return 1;
    }
    /* Bad header or a partial frame: the ordinary path handles both. */
  }
  rc = fs__frame_feed(d, data, len, consumed);
  if (rc == 1)
    *src = d->buf;
  return rc;
}

int fs__frame_body(fs_frame_decoder *d, uint8_t **p, size_t *n) {
  if (!d || !p || !n)
    return FS_EINVAL;
  if (d->state != ST_DONE)
    return FS_ESTATE;
  *p = d->buf;
  *n = d->want;
  return 0;
}

int fs__frame_body_take(fs_frame_decoder *d, uint8_t **p, size_t *n) {
  if (!d || !p || !n)
    return FS_EINVAL;
  if (d->state != ST_DONE)
    return FS_ESTATE;
  *p = d->buf;
  *n = d->want;
  d->buf = NULL;
  d->cap = 0;
  fs__frame_reset(d);
  return 0;
}
