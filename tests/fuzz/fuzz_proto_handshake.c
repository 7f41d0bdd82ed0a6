/* fuzz_proto_handshake.c - a daemon-side channel with a fixed static key
 * fed arbitrary bytes as message 1 (and whatever follows).  Must never
 * crash, leak or accept garbage. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "channel.h"
#include "fs_errno.h"
#include "keys.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int lookup(void *ud, const uint8_t pub[32], const uint8_t *hello,
                  size_t len) {
  (void)ud;
  (void)hello;
  (void)len;
  /* accept keys whose first byte is even, to reach both branches */
  return (pub[0] & 1) ? FS_EUNKNOWN_DEVICE : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static fs_keypair *kp;
  static fs_replay_cache cache;
  fs_channel *ch = NULL;
  fs_channel_config cfg = {0};
  size_t pos = 0;
  if (!kp) {
    uint8_t priv[32];
    /* the same fixed key the seed corpus was generated for */
    for (int i = 0; i < 32; i++)
      priv[i] = (uint8_t)(i + 1);
    if (fs__keypair_from_private(&kp, priv) || fs__replay_cache_init(&cache, 64))
      abort();
  }
  cfg.local = kp;
  cfg.lookup = lookup;
  /* with the replay cache on odd sizes only: otherwise every repeated
   * input would stop at the cache */
  cfg.replay = (size & 1) ? &cache : NULL;
  cfg.frame_max = 70000;
  if (fs__channel_server_new(&ch, &cfg))
    abort();
  while (pos < size) {
    size_t used = 0;
    int rc = fs__channel_feed(ch, data + pos, size - pos, &used);
    pos += used;
    if (rc < 0)
      break;
    if (rc == FS_CHANNEL_EV_HELLO) {
      uint8_t out[256];
      size_t n = 0;
      if (fs__channel_server_respond(ch, (const uint8_t *)"ok", 2, out,
                                     sizeof(out), &n))
        abort();
    }
  }
  fs__channel_free(ch);
  return 0;
}
