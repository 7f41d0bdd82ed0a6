/* assert.c - the failure path of FS_ASSERT (fs_assert.h). */
#include "fs_assert.h"

#include <stdio.h>
#include <stdlib.h>

_Noreturn void fs__assert_fail(const char *expr, const char *file, int line) {
  /* stderr directly, not the logger: the invariant that broke may be the
   * logger's, and nothing after this point may depend on program state. */
  fprintf(stderr,
          "fieldsync: assertion failed: %s (%s:%d); this is a bug, please report it\n",
          expr, file, line);
  fflush(stderr);
  abort();
}
