/* cli_report.c - `fieldsync report NAME ...`: the managers' reports
 * (common/report/report.h) over this replica's records, offline.  A
 * manager's replica holds the team's records, a rep's only their own.  The
 * options are the ones fieldsyncd's report takes (fs__report_opts); this
 * file parses them the CLI's way. */
#include "cli.h"

#include <stdio.h>
#include <string.h>

#include "fs_errno.h"
#include "replica.h"
#include "report.h"

/* Report output: bounded so that a runaway cannot exhaust memory. */
#define REPORT_OUT_MAX ((size_t)256 << 20)

/* NAME and the options of fs__report_opts into q.  CLI_OK, or CLI_USAGE
 * (printed). */
static int parse(cli_ctx *c, int argc, char **argv, fs_report_request *q) {
  char err[FS_REPORT_ERR_MAX];

  memset(q, 0, sizeof(*q));
  for (int i = 0; i < argc; i++) {
    const fs_report_opt *o = fs__report_opt_find(argv[i]);
    if (o == NULL && strncmp(argv[i], "--", 2) == 0) {
      const char *best = fs__report_opt_suggest(argv[i]);
      char msg[160];
      snprintf(msg, sizeof(msg), "unknown option %.60s%s%s%s", argv[i],
               best ? "; did you mean " : "", best ? best : "", best ? "?" : "");
      return cli_usage_error(c, msg, NULL);
    }
    if (o == NULL) {
      if (q->name)
        return cli_usage_error(c, "unexpected argument", argv[i]);
      q->name = argv[i];
      continue;
    }
    if (fs__report_request_set(q, o, o->value && i + 1 < argc ? argv[++i] : NULL, err))
      return cli_usage_error(c, err, NULL);
  }
  if (q->name == NULL)
    return cli_usage_error(
        c, "which report? visits, funnel, lost, ranking, showroom or activity", NULL);
  if (q->csv && c->json)
    return cli_usage_error(c, "--csv and --json exclude each other", NULL);
  return CLI_OK;
}

int cli_cmd_report(cli_ctx *c, int argc, char **argv) {
  fs_report_request q;
  fs__strbuf out;
  char err[FS_REPORT_ERR_MAX];
  int rc = parse(c, argc, argv, &q);

  if (rc != CLI_OK)
    return rc;
  rc = cli_open(c);
  if (rc != CLI_OK)
    return rc;
  fs__strbuf_init(&out, REPORT_OUT_MAX);
  rc = fs__report_request_run(fs__replica_db(c->r), &q,
                              c->json           ? FS_REPORT_JSON
                              : q.csv || c->csv ? FS_REPORT_CSV
                                                : FS_REPORT_TABLE,
                              &out, err);
  if (rc == 0 && out.len && fwrite(out.s, 1, out.len, stdout) != out.len)
    rc = FS_EIO;
  if (rc)
    fprintf(stderr, "fieldsync report: %s\n", err[0] ? err : fs_strerror(rc));
  fs__strbuf_release(&out);
  return rc == 0 ? CLI_OK : rc == FS_EINVAL ? CLI_USAGE : CLI_ERR;
}
