/* fuzz_proto_token.c - the strict enrollment token parser; a parsed token
 * must re-encode to the very same text. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "token.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fs_token t;
  char out[FS_TOKEN_TEXT_MAX + 1];
  if (fs__token_parse((const char *)data, size, &t) == 0) {
    if (fs__token_encode(&t, out, sizeof(out)) != 0)
      abort();
    if (strlen(out) != size || memcmp(out, data, size) != 0)
      abort();
  }
  fs__token_wipe(&t);
  return 0;
}
