/* cli_outbox.c - `fieldsync outbox`: local changes waiting for sync. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "fs_errno.h"

static int ob_row(void *arg, const fs_outbox_entry *e) {
  cli_list *o = arg;
  char counter[24], when[64], code[48], shortid[17]; /* ids shown by 16 chars */

  if (o->c->json) {
    fs__json_begin_object(&o->j);
    fs__json_key(&o->j, "counter");
    fs__json_uint(&o->j, e->counter);
    fs__json_key(&o->j, "kind");
    fs__json_string(&o->j, e->kind);
    fs__json_key(&o->j, "id");
    fs__json_string(&o->j, e->id);
    fs__json_key(&o->j, "op");
    fs__json_string(&o->j, fs_record_op_name(e->op));
    fs__json_key(&o->j, "hlc");
    fs__json_uint(&o->j, e->hlc);
    fs__json_key(&o->j, "status");
    fs__json_string(&o->j, fs_outbox_status_name(e->status));
    fs__json_key(&o->j, "code");
    fs__json_string(&o->j, e->code ? fs_err_name(e->code) : NULL);
    fs__json_key(&o->j, "reason");
    fs__json_string(&o->j, e->reason && e->reason[0] ? e->reason : NULL);
    fs__json_key(&o->j, "created_at");
    fs__json_time(&o->j, e->created_at);
    fs__json_key(&o->j, "attempts");
    fs__json_int(&o->j, e->attempts);
    fs__json_key(&o->j, "fields");
    fs__json_string(&o->j, e->fields && e->fields[0] ? e->fields : NULL);
    fs__json_end_object(&o->j);
    return 0;
  }
  snprintf(counter, sizeof(counter), "%" PRIu64, e->counter);
  snprintf(shortid, sizeof(shortid), "%s", e->id);
  fs__table_time_text(when, e->created_at); /* local, zone shown */
  snprintf(code, sizeof(code), "%s", e->code ? fs_err_name(e->code) : "");
  {
    /* People read "grade change", not grade_change (issue 15); CSV and
     * JSON keep the kind's wire name. */
    const char *kind = o->c->csv ? e->kind : fs_kind_label(e->kind);
    const char *cells[] = {counter, when,      kind,     shortid, fs_record_op_name(e->op),
                           fs_outbox_status_name(e->status), code, e->reason, e->fields};
    return fs__table_add(o->t, cells);
  }
}

int cli_cmd_outbox(cli_ctx *c, int argc, char **argv) {
  static const char *const heads[] = {"#",      "when", "kind",   "id",    "op",
                                      "status", "code", "reason", "fields"};
  static const int drop[] = {0, 3, 0, 5, 4, 0, 6, 2, 1};
  int rejected = 0, rc, summary;
  uint64_t p = 0, rj = 0;
  cli_opt opts[] = {{"--rejected", 0, NULL, &rejected}, {NULL, 0, NULL, NULL}};
  cli_args a = {.opts = opts};
  cli_list o;

  rc = cli_start(c, argc, argv, &a);
  if (rc)
    return rc;
  rc = cli_list_begin(&o, c, 9, heads, drop);
  if (rc == 0)
    rc = cli_list_end(&o, fs_outbox_list(c->r, rejected ? FS_OUTBOX_ONLY_REJECTED : FS_OUTBOX_ALL, ob_row, &o), &summary);
  if (rc)
    return cli_fail(c, rc, "outbox");
  if (summary && fs_outbox_count(c->r, &p, &rj) == 0)
    printf("(%" PRIu64 " pending, %" PRIu64 " rejected)\n", p, rj);
  return CLI_OK;
}
