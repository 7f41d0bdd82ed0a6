/* report_cmd.c - `fieldsyncd report` (see report_cmd.h). */
#include "report_cmd.h"

#include <limits.h>
#include <stdio.h>
#include <unistd.h>

#include "db.h"
#include "fs_errno.h"
#include "report.h"

int fs__report_cmd(const char *data, int json, int argc, char **argv) {
  char path[PATH_MAX];
  sqlite3 *db = NULL;
  int rc;

  snprintf(path, sizeof(path), "%s/central.db", data);
  /* create = 0: a mistyped --data must not leave an empty store behind. */
  if (access(path, F_OK) != 0) {
    fprintf(stderr, "fieldsyncd report: no central store at %s (fieldsyncd init?)\n", path);
    return 1;
  }
  rc = fs__db_open(path, 0, FS_SCHEMA_DAEMON, &db);
  if (rc) {
    fprintf(stderr, "fieldsyncd report: cannot open %s: %s\n", path, fs_strerror(rc));
    return 1;
  }
  rc = fs__report_main(db, "fieldsyncd", json, 0, argc, argv);
  fs__db_close(db);
  return rc;
}
