/* verify_cmd.c - `fieldsyncd verify` (verify_cmd.h). */
#include "verify_cmd.h"

#include <limits.h>
#include <stdio.h>

#include "backup_file.h"
#include "cmdline.h"
#include "fs_errno.h"
#include "store/backup.h"

static void verify_print(void *arg, const char *what, const char *text) {
  (void)arg;
  printf("%-9s %s\n", what, text);
}

int fs__verify_cmd(const char *data, int argc, char **argv) {
  char store[PATH_MAX];
  long n = 0;
  int rc;

  if (!fs__bk_data_path_ok(data))
    return FS_EXIT_ERR;
  if (argc > 0)
    return fs__bk_usage(FS_VERIFY_USAGE, "unexpected argument \"%s\"", argv[0]);
  (void)fs__bk_path_join(store, sizeof(store), data, "central.db");
  rc = fs__store_verify(store, verify_print, NULL, &n);
  if (rc == FS_ENOTFOUND) {
    fprintf(stderr,
            "fieldsyncd: no central store in %s; give the data directory with --data "
            "DIR\n",
            data);
    return FS_EXIT_ERR;
  }
  if (rc) {
    fprintf(stderr, "fieldsyncd: cannot verify %s: %s\n", store, fs_strerror(rc));
    return FS_EXIT_ERR;
  }
  if (n) {
    printf("%ld finding(s) in %s\n", n, store);
    return FS_EXIT_ERR;
  }
  printf("%s: clean (integrity, journal vs records, devices vs staff, seq counters)\n",
         store);
  return FS_EXIT_OK;
}
