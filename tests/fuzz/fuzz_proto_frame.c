/* fuzz_proto_frame.c - arbitrary bytes fed to the frame decoder in split
 * sizes chosen by the input itself.  Checks the decoder's invariants. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fs_frame_decoder d;
  size_t pos, max;
  if (size < 2)
    return 0;
  /* first byte: max size (small, to reach the limits); second: split seed */
  max = (size_t)data[0] * 64 + 1;
  unsigned seed = data[1];
  pos = 2;
  fs__frame_decoder_init(&d, max);
  while (pos < size) {
    size_t chunk = (seed % 17) + 1, used = 0;
    seed = seed * 1103515245u + 12345u;
    if (chunk > size - pos)
      chunk = size - pos;
    int rc = fs__frame_feed(&d, data + pos, chunk, &used);
    if (used > chunk || d.cap > d.max)
      abort();
    pos += used;
    if (rc < 0) {
      fs__frame_reset(&d);
      pos++; /* skip a byte and resynchronise on the rest */
      continue;
    }
    if (rc == 1) {
      uint8_t *p;
      size_t n;
      if (fs__frame_body(&d, &p, &n) != 0 || n == 0 || n > max)
        abort();
      volatile uint8_t sink = p[n - 1];
      (void)sink;
    } else if (used < chunk) {
      abort(); /* 0 means every byte was consumed */
    }
  }
  fs__frame_decoder_release(&d);
  return 0;
}
