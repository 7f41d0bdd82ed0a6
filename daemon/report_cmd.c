/* report_cmd.c - `fieldsyncd report` (see report_cmd.h): parses the
 * options both command lines share (fs__report_opts) and runs the report
 * on the central store. */
#include "report_cmd.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fs_errno.h"
#include "store/reports.h"

/* Report output: bounded so that a runaway cannot exhaust memory. */
#define REPORT_OUT_MAX ((size_t)256 << 20)

#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
static int
usage(const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "fieldsyncd report: ");
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\nusage: fieldsyncd " FS_REPORT_CMD_USAGE "\n");
  return 2;
}

/* argv into q: 0, or an exit code (usage printed). */
static int parse(int json, int argc, char **argv, fs_report_request *q) {
  char err[FS_REPORT_ERR_MAX];
  int i = 0;

  memset(q, 0, sizeof(*q));
  while (i < argc) {
    const char *a = argv[i++];
    const fs_report_opt *o = fs__report_opt_find(a);
    const char *value = NULL;
    if (o == NULL) {
      if (strncmp(a, "--", 2) == 0 && fs__report_opt_suggest(a))
        return usage("unknown option %s; did you mean %s?", a, fs__report_opt_suggest(a));
      if (strncmp(a, "--", 2) == 0)
        return usage("unknown option %s", a);
      if (q->name)
        return usage("unexpected argument %s", a);
      q->name = a;
      continue;
    }
    if (o->value && i < argc)
      value = argv[i++];
    if (fs__report_request_set(q, o, value, err))
      return usage("%s", err);
  }
  if (q->name == NULL)
    return usage("which report? visits, funnel, lost, ranking, showroom, activity or signoff");
  if (q->csv && json)
    return usage("--csv and --json exclude each other");
  return 0;
}

int fs__report_cmd(const char *data, int json, int width, int argc, char **argv) {
  char path[PATH_MAX], err[FS_REPORT_ERR_MAX];
  fs_report_request q;
  fs_store_rd *rd = NULL;
  fs__strbuf out;
  int rc = parse(json, argc, argv, &q);

  if (rc)
    return rc;
  q.width = width;
  snprintf(path, sizeof(path), "%s/central.db", data);
  /* create = 0: a mistyped --data must not leave an empty store behind. */
  if (access(path, F_OK) != 0) {
    fprintf(stderr, "fieldsyncd report: no central store at %s (fieldsyncd init?)\n",
            path);
    return 1;
  }
  rc = fs__store_rd_open(path, &rd);
  if (rc) {
    fprintf(stderr, "fieldsyncd report: cannot open %s: %s\n", path, fs_strerror(rc));
    return 1;
  }
  fs__strbuf_init(&out, REPORT_OUT_MAX);
  rc = fs__store_report(rd, &q,
                        json    ? FS_REPORT_JSON
                        : q.csv ? FS_REPORT_CSV
                                : FS_REPORT_TABLE,
                        &out, err);
  if (rc == 0 && out.len && fwrite(out.s, 1, out.len, stdout) != out.len)
    rc = FS_EIO;
  if (rc)
    fprintf(stderr, "fieldsyncd report: %s\n", err[0] ? err : fs_strerror(rc));
  fs__strbuf_release(&out);
  fs__store_rd_free(rd);
  return rc == 0 ? 0 : rc == FS_EINVAL ? 2 : 1;
}
