/* reports.c - the reports' reads on the central store (store/reports.h). */
#include "store/reports.h"
#include "store/impl.h"

int fs__store_report(fs_store_rd *r, const fs_report_request *q, fs_report_format fmt,
                     fs__strbuf *out, char *err) {
  return fs__report_request_run(fs__rd_db(r), q, fmt, out, err);
}
