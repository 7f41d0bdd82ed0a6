/* testutil.c - helpers shared by the cmocka unit tests. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *fs_test_tmpdir(void) {
  const char *base = getenv("TMPDIR");
  char tmpl[512];
  char *p;

  snprintf(tmpl, sizeof(tmpl), "%s/fstest.XXXXXX", base && *base ? base : "/tmp");
  p = mkdtemp(tmpl);
  assert_non_null(p);
  return strdup(p);
}

void fs_test_rmdir(char *path) {
  char cmd[600];
  int rc;

  if (path == NULL)
    return;
  if (strncmp(path, "/tmp/", 5) == 0 || getenv("TMPDIR")) {
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
    rc = system(cmd);
    (void)rc;
  }
  free(path);
}

char *fs_test_path(const char *dir, const char *name) {
  size_t n = strlen(dir) + strlen(name) + 2;
  char *p = malloc(n);
  assert_non_null(p);
  snprintf(p, n, "%s/%s", dir, name);
  return p;
}
