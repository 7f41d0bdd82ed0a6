/* cli_report.c - `fieldsync report NAME ...`: the managers' reports
 * (common/report.h) over this replica's records, offline.  A manager's
 * replica holds the team's records, a rep's only their own. */
#include "cli.h"

#include "replica.h"
#include "report.h"

int cli_cmd_report(cli_ctx *c, int argc, char **argv) {
  int rc = cli_open(c);

  if (rc != CLI_OK)
    return rc;
  return fs__report_main(fs__replica_db(c->r), "fieldsync", c->json, c->csv, argc,
                         argv);
}
