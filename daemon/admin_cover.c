/* admin_cover.c - covers and loans listed and ended early (admin_cmd.h;
 * issue 15): `cover list`, `cover end ID`, `lend list`, `lend end ID`.
 * Ending early is the sweep's end (handover.h), done now. */
#include <stdio.h>
#include <string.h>

#include "admin_cmd.h"
#include "fs_errno.h"
#include "handover.h"
#include "hlc.h"
#include "store/cover.h"

static const char *const cover_states[] = {"planned", "running", "ended"};

static const char *cover_state_name(int state) {
  return state >= 0 && state <= FS_COVER_ENDED ? cover_states[state] : "unknown";
}

static const fs_col cover_cols[] = {
    {"id", FS_COL_INT, "ID"},          {"absent", FS_COL_TEXT, "ABSENT"},
    {"by", FS_COL_TEXT, "BY"},         {"from", FS_COL_TEXT, "FROM"},
    {"to", FS_COL_TEXT, "TO"},         {"state", FS_COL_TEXT, "STATE"},
    {"ended_at", FS_COL_TIME, "ENDED"}};

static int cover_row(void *arg, const fs_cover_info *cv) {
  const char *text[] = {cv->absent, cv->by, cv->from, cv->to, cover_state_name(cv->state)};
  fs_table *t = arg;
  int rc = fs__table_row(t);

  if (rc == 0)
    fs__table_set_int(t, 0, cv->id);
  for (int c = 0; rc == 0 && c < 5; c++)
    rc = fs__table_set_text(t, c + 1, text[c]);
  if (rc == 0 && cv->ended_at > 0)
    fs__table_set_int(t, 6, cv->ended_at);
  return rc;
}

int fs__admin_cover_list(fs_admin_cmd *x) {
  static const int drop[] = {0, 0, 0, 0, 0, 0, 1}; /* narrow: when it ended */
  fs_table *t = fs__admin_list_new(cover_cols, 7);
  int all = (int)fs__admin_arg_int(x, "all", 0);
  int rc = t ? fs__covers_list(fs__admin_rd(x), !all, cover_row, t) : FS_ENOMEM;

  fs__admin_list_drop(t, drop);

  return fs__admin_list_end(x, t, rc, NULL, NULL);
}

int fs__admin_cover_end(fs_admin_cmd *x) {
  long long id = fs__admin_arg_int(x, "id", -1);
  fs_cover_info cv;
  int rc;

  if (id < 0)
    return fs__admin_fail(x, FS_EUSAGE, "usage: cover end ID (the number cover list shows)");
  rc = fs__cover_get(fs__admin_rd(x), (int64_t)id, &cv);
  if (rc == FS_ENOTFOUND)
    return fs__admin_fail(x, FS_ENOTFOUND, "no cover %lld; fieldsyncd cover list shows them",
                          id);
  if (rc == 0 && cv.state == FS_COVER_ENDED)
    return fs__admin_fail(x, FS_EINVAL, "cover %lld (%s for %s) has already ended", id, cv.by,
                          cv.absent);
  if (rc == 0)
    rc = fs__cover_end_early(x->ctx->c, &cv, x->ctx->actor, (int64_t)fs__now_ms());
  if (rc)
    return rc;
  fs__strbuf_printf(&x->out, "cover %lld ended: %s no longer covers for %s%s\n", id, cv.by,
                    cv.absent,
                    cv.state == FS_COVER_RUNNING
                        ? "; their devices drop the records at their next sync"
                        : " (it had not started)");
  fs__json_begin_object(&x->j);
  fs__admin_obj_int(x, "cover", id);
  fs__admin_obj_str(x, "absent", cv.absent);
  fs__admin_obj_str(x, "by", cv.by);
  fs__admin_obj_str(x, "state", "ended");
  fs__json_end_object(&x->j);
  return 0;
}

static const fs_col loan_cols[] = {
    {"id", FS_COL_INT, "ID"},          {"customer", FS_COL_TEXT, "CUSTOMER"},
    {"to", FS_COL_TEXT, "TO"},         {"until", FS_COL_TIME, "UNTIL"},
    {"state", FS_COL_TEXT, "STATE"}};

static int loan_row(void *arg, const fs_loan_info *l) {
  fs_table *t = arg;
  int rc = fs__table_row(t);

  if (rc == 0)
    fs__table_set_int(t, 0, l->id);
  if (rc == 0)
    rc = fs__table_set_text(t, 1, l->archive_no[0] ? l->archive_no : l->customer);
  if (rc == 0)
    rc = fs__table_set_text(t, 2, l->staff);
  if (rc == 0)
    fs__table_set_int(t, 3, l->until);
  if (rc == 0)
    rc = fs__table_set_text(t, 4, l->ended ? "ended" : "running");
  return rc;
}

int fs__admin_lend_list(fs_admin_cmd *x) {
  fs_table *t = fs__admin_list_new(loan_cols, 5);
  int all = (int)fs__admin_arg_int(x, "all", 0);
  int rc = t ? fs__loans_list(fs__admin_rd(x), !all, loan_row, t) : FS_ENOMEM;

  return fs__admin_list_end(x, t, rc, NULL, NULL);
}

int fs__admin_lend_end(fs_admin_cmd *x) {
  long long id = fs__admin_arg_int(x, "id", -1);
  fs_loan_info l;
  int rc;

  if (id < 0)
    return fs__admin_fail(x, FS_EUSAGE, "usage: lend end ID (the number lend list shows)");
  rc = fs__loan_get(fs__admin_rd(x), (int64_t)id, &l);
  if (rc == FS_ENOTFOUND)
    return fs__admin_fail(x, FS_ENOTFOUND, "no loan %lld; fieldsyncd lend list shows them",
                          id);
  if (rc == 0 && l.ended)
    return fs__admin_fail(x, FS_EINVAL, "loan %lld (%s to %s) has already ended", id,
                          l.archive_no[0] ? l.archive_no : l.customer, l.staff);
  if (rc == 0)
    rc = fs__loan_end_early(x->ctx->c, &l, x->ctx->actor);
  if (rc)
    return rc;
  fs__strbuf_printf(&x->out,
                    "loan %lld ended: %s no longer reads %s; their devices drop the card at "
                    "their next sync\n",
                    id, l.staff, l.archive_no[0] ? l.archive_no : l.customer);
  fs__json_begin_object(&x->j);
  fs__admin_obj_int(x, "loan", id);
  fs__admin_obj_str(x, "customer", l.customer);
  fs__admin_obj_str(x, "to", l.staff);
  fs__admin_obj_str(x, "state", "ended");
  fs__json_end_object(&x->j);
  return 0;
}
