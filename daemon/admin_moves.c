/* admin_moves.c - commands that change who holds records (admin_cmd.h):
 * departure handover, transfer, cover, loan, and the sweep that starts
 * and ends covers and loans (handover.h does the moving). */
#include <stdio.h>
#include <string.h>

#include "admin_cmd.h"
#include "date.h"
#include "fs_errno.h"
#include "handover.h"
#include "hlc.h"
#include "store/cover.h"
#include "store/ownership.h"
#include "store/staff.h"
#include "validate.h"

static int run_handover(fs_admin_cmd *x, const char *kind, const char *from,
                        const char *to) {
  fs_handover_req hr;
  char err[300];
  int rc;

  memset(&hr, 0, sizeof(hr));
  hr.kind = kind;
  hr.from = from;
  hr.to = to;
  hr.dry_run = (int)fs__admin_arg_int(x, "dry-run", 0);
  hr.reason = fs__admin_arg_str(x, "reason");
  hr.actor = x->ctx->actor;
  hr.ncustomers = fs__admin_arg_list(x, "customer", &hr.customers);
  rc = fs__handover_run(x->ctx->c, &hr, &x->out, &x->json, err, sizeof(err));
  if (rc && err[0])
    return fs__admin_fail(x, rc, "%s", err);
  return rc;
}

int fs__admin_depart(fs_admin_cmd *x) {
  const char *code = fs__admin_arg_str(x, "code");
  if (code == NULL)
    return fs__admin_fail(
        x, FS_EUSAGE,
        "usage: depart CODE [--successor CODE] [--reason TEXT] [--dry-run]");
  return run_handover(x, "departure", code, fs__admin_arg_str(x, "successor"));
}

int fs__admin_transfer(fs_admin_cmd *x) {
  const char *from = fs__admin_arg_str(x, "from"), *to = fs__admin_arg_str(x, "to");
  if (from == NULL || to == NULL)
    return fs__admin_fail(x, FS_EUSAGE,
                          "usage: transfer --from CODE --to CODE [--customer ID ...] "
                          "[--dry-run]");
  return run_handover(x, "transfer", from, to);
}

/* Refuses unless every one of the n staff codes is an active staff
 * member.  0 (res says why if refused) or a storage error. */
static int staff_active(fs_admin_cmd *x, const char *const *codes, int n,
                        const char *refusal) {
  int rc = 0, departed = 0;

  for (int i = 0; rc == 0 && i < n; i++) {
    fs_staff_info s;
    rc = fs__staff_get(fs__admin_rd(x), codes[i], &s);
    if (rc == FS_ENOTFOUND)
      return fs__admin_fail(x, FS_ENOTFOUND, "no staff member %s", codes[i]);
    if (rc == 0 && s.status != FS_STAFF_ACTIVE)
      departed = 1;
  }
  if (rc == 0 && departed)
    return fs__admin_fail(x, FS_EDEPARTED, "%s", refusal);
  return rc;
}

/* The cover's arguments: both days valid and in order, two people. */
static int cover_args(fs_admin_cmd *x, const char *absent, const char *by,
                      const char *from, const char *to) {
  /* Wrong forms are usage errors, exit 2 (common/cmdline.h). */
  if (fs__valid_date(from) != 0 || fs__valid_date(to) != 0)
    return fs__admin_fail(x, FS_EUSAGE,
                          "--from/--to: dates are YYYY-MM-DD (got %s, %s)", from, to);
  if (strcmp(from, to) > 0)
    return fs__admin_fail(x, FS_EUSAGE, "--from %s is after --to %s", from, to);
  if (strcmp(absent, by) == 0)
    return fs__admin_fail(x, FS_EVALIDATE, "a rep cannot cover for themselves");
  return 0;
}

/* Refuses a second cover of absent on days a planned or running one
 * already covers (issue 15): which stand-in would hold the records is
 * never left to chance.  0 (res says why if refused) or a storage error. */
static int cover_overlap(fs_admin_cmd *x, const char *absent, const char *from,
                         const char *to) {
  fs_cover_info cv;
  int rc = fs__cover_overlap(fs__admin_rd(x), absent, from, to, &cv);

  if (rc == FS_ENOTFOUND)
    return 0;
  if (rc)
    return rc;
  return fs__admin_fail(x, FS_EEXIST,
                        "%s is already covered by %s from %s to %s (cover %lld, %s); end it "
                        "first with `fieldsyncd cover end %lld`, or choose days outside it",
                        absent, cv.by, cv.from, cv.to, (long long)cv.id,
                        cv.state == FS_COVER_RUNNING ? "running" : "planned",
                        (long long)cv.id);
}

int fs__admin_cover(fs_admin_cmd *x) {
  const char *absent = fs__admin_arg_str(x, "code"), *by = fs__admin_arg_str(x, "by");
  const char *from = fs__admin_arg_str(x, "from"), *to = fs__admin_arg_str(x, "to");
  const char *both[2] = {absent, by};
  char refusal[512], detail[128];
  int rc, changed = 0;

  if (!absent || !by || !from || !to)
    return fs__admin_fail(x, FS_EUSAGE,
                          "usage: cover CODE --by CODE --from DATE --to DATE");
  rc = cover_args(x, absent, by, from, to);
  if (rc == 0 && x->res->ok) {
    snprintf(refusal, sizeof(refusal), "both %s and %s must be active staff", absent, by);
    rc = staff_active(x, both, 2, refusal);
  }
  if (rc == 0 && x->res->ok)
    rc = cover_overlap(x, absent, from, to);
  if (rc || !x->res->ok)
    return rc;
  rc = fs__cover_add(x->ctx->c, absent, by, from, to, (int64_t)fs__now_ms());
  /* A cover that starts today is delivered right away. */
  if (rc == 0)
    rc = fs__handover_sweep(x->ctx->c, (int64_t)fs__now_ms(), &changed);
  if (rc)
    return rc;
  fs__strbuf_printf(&x->out, "%s covers for %s from %s to %s; it ends by itself\n", by,
                    absent, from, to);
  fs__json_begin_object(&x->j);
  fs__admin_obj_str(x, "absent", absent);
  fs__admin_obj_str(x, "by", by);
  fs__admin_obj_str(x, "from", from);
  fs__admin_obj_str(x, "to", to);
  fs__json_end_object(&x->j);
  snprintf(detail, sizeof(detail), "covered by %s from %s to %s", by, from, to);
  return fs__audit(x->ctx->c, x->ctx->actor, "cover", absent, NULL, -1, detail,
                   fs__admin_arg_str(x, "reason"));
}

int fs__admin_lend(fs_admin_cmd *x) {
  const char *cust = fs__admin_arg_str(x, "customer"), *to = fs__admin_arg_str(x, "to");
  long long days = fs__admin_arg_int(x, "days", 0);
  char id[FS_ID_HEX + 1] = "", refusal[512], detail[64];
  int64_t loan = 0, until;
  int rc;

  if (!cust || !to || days <= 0)
    return fs__admin_fail(x, FS_EUSAGE,
                          "usage: lend CUSTOMER --to CODE --days N (N >= 1)");
  if (days > 365)
    return fs__admin_fail(x, FS_EVALIDATE, "--days: a loan lasts at most 365 days");
  snprintf(refusal, sizeof(refusal), "%s has departed", to);
  rc = staff_active(x, &to, 1, refusal);
  if (rc || !x->res->ok)
    return rc;
  rc = fs__customer_find(fs__admin_rd(x), cust, id, NULL);
  if (rc == FS_ENOTFOUND)
    return fs__admin_fail(x, FS_ENOTFOUND,
                          "no customer %s (give the id or archive number)", cust);
  if (rc)
    return rc;
  until = (int64_t)fs__now_ms() + days * 86400000LL;
  rc = fs__loan_start(x->ctx->c, id, to, until, &loan);
  if (rc)
    return rc;
  fs__strbuf_printf(&x->out,
                    "customer %s lent to %s for %lld day(s), read-only; loan %lld\n",
                    cust, to, days, (long long)loan);
  fs__json_begin_object(&x->j);
  fs__admin_obj_int(x, "loan", loan);
  fs__admin_obj_str(x, "customer", id);
  fs__admin_obj_str(x, "to", to);
  fs__json_key(&x->j, "until");
  fs__json_time(&x->j, until);
  fs__json_end_object(&x->j);
  snprintf(detail, sizeof(detail), "lent to %s for %lld days", to, days);
  return fs__audit(x->ctx->c, x->ctx->actor, "loan", to, id, -1, detail,
                   fs__admin_arg_str(x, "reason"));
}

int fs__admin_sweep(fs_admin_cmd *x) {
  int changed = 0, wiped = 0,
      rc = fs__handover_sweep(x->ctx->c, (int64_t)fs__now_ms(), &changed);
  if (rc == 0)
    rc = fs__wipe_sweep(x->ctx->c, (int64_t)fs__now_ms(), &wiped);
  if (rc == 0) {
    fs__strbuf_printf(&x->out,
                      "%d cover/loan change(s); %d device(s) past their wipe deadline\n",
                      changed, wiped);
    fs__json_begin_object(&x->j);
    fs__admin_obj_int(x, "changed", changed);
    fs__admin_obj_int(x, "wiped", wiped);
    fs__json_end_object(&x->j);
  }
  return rc;
}
