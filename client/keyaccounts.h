/* keyaccounts.h - what keyaccounts.c needs of report.c: a ranking run
 * that hands every ranked customer to a callback (common/report/report.h
 * fs_rank_each). */
#ifndef FS_CLIENT_KEYACCOUNTS_H
#define FS_CLIENT_KEYACCOUNTS_H

#include "fieldsync.h"
#include "report.h"

/* fs_report_run with each(ctx, row) called for every customer of the
 * ranking (q->name must be "ranking").  Its codes; *out as there. */
int fs__report_query_run_each(fs_replica *r, const fs_report_query *q, fs_rank_each each,
                              void *ctx, fs_report **out);

#endif
