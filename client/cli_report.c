/* cli_report.c - `fieldsync report NAME ...`: the managers' reports
 * (fieldsync.h fs_report_run) over this replica's records, offline.  A
 * manager's replica holds the team's records, a rep's only their own.  The
 * options are the ones fieldsyncd's report takes (fs_report_option); this
 * file parses them the CLI's way. */
#include "cli.h"

#include <stdio.h>
#include <string.h>

#include "fs_errno.h"

/* NAME and the options of fs_report_option into q.  CLI_OK, or CLI_USAGE
 * (printed). */
static int parse(cli_ctx *c, int argc, char **argv, fs_report_query *q) {
  memset(q, 0, sizeof(*q));
  for (int i = 0; i < argc; i++) {
    int takes = fs_report_option(argv[i]);
    if (takes < 0 && strncmp(argv[i], "--", 2) == 0) {
      const char *best = fs_report_option_suggest(argv[i]);
      char msg[160];
      snprintf(msg, sizeof(msg), "unknown option %.60s%s%s%s", argv[i],
               best ? "; did you mean " : "", best ? best : "", best ? "?" : "");
      return cli_usage_error(c, msg, NULL);
    }
    if (takes < 0) {
      if (q->name)
        return cli_usage_error(c, "unexpected argument", argv[i]);
      q->name = argv[i];
      continue;
    }
    if (fs_report_query_set(q, argv[i], takes && i + 1 < argc ? argv[i + 1] : NULL))
      return cli_usage_error(c, fs_errmsg(NULL), NULL);
    i += takes && i + 1 < argc;
  }
  if (q->name == NULL)
    return cli_usage_error(
        c, "which report? visits, funnel, lost, ranking, showroom, activity or signoff", NULL);
  if (q->csv && c->json)
    return cli_usage_error(c, "--csv and --json exclude each other", NULL);
  return CLI_OK;
}

int cli_cmd_report(cli_ctx *c, int argc, char **argv) {
  fs_report_query q;
  fs_report *rep = NULL;
  const char *text = NULL;
  size_t len = 0;
  int rc = parse(c, argc, argv, &q);

  if (rc != CLI_OK)
    return rc;
  q.width = c->width; /* a terminal's; 0 through a pipe */
  rc = cli_open(c);
  if (rc != CLI_OK)
    return rc;
  rc = fs_report_run(c->r, &q, &rep);
  if (rc) {
    fprintf(stderr, "fieldsync report: %s\n", fs_errmsg(c->r));
    return rc == FS_EINVAL ? CLI_USAGE : CLI_ERR;
  }
  text = fs_report_render(rep,
                          c->json           ? FS_REPORT_STYLE_JSON
                          : q.csv || c->csv ? FS_REPORT_STYLE_CSV
                                            : FS_REPORT_STYLE_TEXT,
                          &len, &rc);
  if (text == NULL)
    fprintf(stderr, "fieldsync report: %s\n", fs_errmsg(NULL));
  else if (len && fwrite(text, 1, len, stdout) != len)
    fprintf(stderr, "fieldsync report: %s\n", fs_strerror(rc = FS_EIO));
  fs_report_free(rep);
  return rc == 0 ? CLI_OK : rc == FS_EINVAL ? CLI_USAGE : CLI_ERR;
}
