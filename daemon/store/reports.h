/* store/reports.h - the managers' reports on the central store.  The
 * reports themselves (common/report/) read through an SQLite connection,
 * because a device's replica shares them; the store hands them its own.
 * A second store implementation supplies its reports' reads here.
 */
#ifndef FS_STORE_REPORTS_H
#define FS_STORE_REPORTS_H

#include "report.h"
#include "store/cstore.h"

/* Runs report request q on the store through read handle r into out, in
 * format fmt (fs__report_request_run, report.h: its codes, err says
 * why). */
int fs__store_report(fs_store_rd *r, const fs_report_request *q, fs_report_format fmt,
                     fs__strbuf *out, char *err);

#endif
