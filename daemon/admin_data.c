/* admin_data.c - the data's lifecycle (admin_cmd.h): collecting
 * tombstones and old history, and a person's data exported or erased
 * (privacy.h does the work). */
#include <string.h>

#include "admin_cmd.h"
#include "fs_errno.h"
#include "history.h"
#include "hlc.h"
#include "store/privacy.h"

int fs__admin_gc(fs_admin_cmd *x) {
  long long days =
      fs__admin_arg_int(x, "keep-days", (long long)x->ctx->cfg->tombstone_days);
  uint64_t floor = 0;
  int removed = 0, hc = 0, hq = 0, hr = 0, rc;

  if (days < 0 || days > 3650)
    return fs__admin_fail(x, FS_EVALIDATE, "--keep-days: from 0 to 3650");
  rc = fs__central_gc(x->ctx->c, (int64_t)fs__now_ms(), (int)days, &floor, &removed);
  if (rc == 0)
    rc = fs__history_purge(x->ctx->c, (int64_t)fs__now_ms(),
                           (int)x->ctx->cfg->history_days, &hc, &hq, &hr);
  if (rc)
    return rc;
  fs__strbuf_printf(&x->out,
                    "purged %d tombstone(s); devices behind seq %llu will resync\n",
                    removed, (unsigned long long)floor);
  fs__strbuf_printf(
      &x->out,
      "history older than %u day(s): %d conflict-log row(s), %d quarantined "
      "upload(s), %d handover report text(s) purged\n",
      x->ctx->cfg->history_days, hc, hq, hr);
  fs__json_begin_object(&x->j);
  fs__admin_obj_int(x, "removed", removed);
  fs__json_key(&x->j, "floor");
  fs__json_uint(&x->j, floor);
  fs__admin_obj_int(x, "history_days", x->ctx->cfg->history_days);
  fs__admin_obj_int(x, "conflicts", hc);
  fs__admin_obj_int(x, "quarantined", hq);
  fs__admin_obj_int(x, "reports", hr);
  fs__json_end_object(&x->j);
  return 0;
}

static void person_req(fs_admin_cmd *x, fs_person_req *r) {
  memset(r, 0, sizeof(*r));
  r->customer = fs__admin_arg_str(x, "customer");
  r->contact = fs__admin_arg_str(x, "contact");
  r->reason = fs__admin_arg_str(x, "reason");
  r->actor = x->ctx->actor;
  r->dry_run = (int)fs__admin_arg_int(x, "dry-run", 0);
}

int fs__admin_person_export(fs_admin_cmd *x) {
  fs_person_req r;
  char err[300];
  int rc;

  person_req(x, &r);
  rc = fs__person_export(fs__admin_rd(x), &r, &x->json, err, sizeof(err));
  if (rc && err[0])
    return fs__admin_fail(x, rc, "%s", err);
  if (rc == 0) {
    /* The export is JSON either way. */
    fs__strbuf_append(&x->out, x->json.s ? x->json.s : "", x->json.len);
    fs__strbuf_printf(&x->out, "\n");
  }
  return rc;
}

int fs__admin_person_erase(fs_admin_cmd *x) {
  fs_person_req r;
  char err[300];
  int rc;

  person_req(x, &r);
  rc = fs__person_erase(x->ctx->c, &r, &x->out, &x->json, err, sizeof(err));
  if (rc && err[0])
    return fs__admin_fail(x, rc, "%s", err);
  return rc;
}
