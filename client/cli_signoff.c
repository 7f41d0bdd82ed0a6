/* cli_signoff.c - `fieldsync signoff` (the manager signs off a rep's day,
 * fs_day_signoff), `signoff list` (report signoff: days signed off or not),
 * `plan set` (a rep's monthly activity plan, fs_plan_set) and `plan show`
 * (the plan against what was done: the activity report's section "plan"). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "fs_errno.h"

int cli_cmd_signoff(cli_ctx *c, int argc, char **argv) {
  const char *note = NULL;
  cli_opt opts[] = {{"--note", 1, &note, NULL}, {NULL, 0, NULL, NULL}};
  cli_args a = {.opts = opts, .minpos = 2, .maxpos = 2};
  fs_record *rec = NULL;
  fs_identity me;
  char id[FS_ID_MAX + 1];
  const char *v, *ch;
  int rc;

  rc = cli_start(c, argc, argv, &a);
  if (rc)
    return rc;
  rc = fs_day_signoff(c->r, a.pos[0], a.pos[1], note, id);
  if (rc)
    return cli_fail(c, rc, "signoff");
  if (fs_get(c->r, "day_signoff", id, &rec) || fs_replica_identity(c->r, &me))
    return cli_fail(c, FS_EIO, "signoff");
  if (c->json) {
    rc = cli_print_json_record(rec);
  } else {
    v = fs_record_get(rec, "visits");
    ch = fs_record_get(rec, "changes");
    printf("%s's day %s signed off by %s at %s: %s visits, %s card changes (%.16s)\n",
           a.pos[0], a.pos[1], me.staff, fs_record_get(rec, "signed_at"), v ? v : "0",
           ch ? ch : "0", id);
  }
  fs_record_free(rec);
  return rc;
}

/* Runs `report NAME` with argv after it (the report's own options). */
static int run_report(cli_ctx *c, const char *name, int argc, char **argv, int extra,
                      char **more) {
  char *args[64];
  int n = 0;

  if (argc + extra + 1 > (int)(sizeof(args) / sizeof(args[0])))
    return cli_usage_error(c, "too many arguments", NULL);
  args[n++] = (char *)name;
  for (int i = 0; i < extra; i++)
    args[n++] = more[i];
  for (int i = 0; i < argc; i++)
    args[n++] = argv[i];
  return cli_cmd_report(c, n, args);
}

int cli_cmd_signoff_list(cli_ctx *c, int argc, char **argv) {
  return run_report(c, "signoff", argc, argv, 0, NULL);
}

int cli_cmd_plan_set(cli_ctx *c, int argc, char **argv) {
  const char *rep = NULL, *month = NULL;
  cli_opt opts[] = {
      {"--rep", 1, &rep, NULL}, {"--month", 1, &month, NULL}, {NULL, 0, NULL, NULL}};
  cli_args a = {.opts = opts, .minpos = 0, .maxpos = 0};
  fs_identity me;
  char id[FS_ID_MAX + 1];
  int rc;

  if (fs_record_new("activity_plan", &a.rec))
    return cli_fail(c, FS_ENOMEM, "plan set");
  rc = cli_start(c, argc, argv, &a);
  if (rc == CLI_OK && month == NULL)
    rc = cli_usage_error(c, "give --month YYYY-MM", NULL);
  if (rc == CLI_OK && rep == NULL) {
    if (fs_replica_identity(c->r, &me))
      rc = cli_fail(c, FS_EIO, "plan set");
    else
      rep = me.staff;
  }
  if (rc == CLI_OK && (fs_record_isset(a.rec, "rep") || fs_record_isset(a.rec, "month")))
    rc = cli_usage_error(c, "give the rep and month with --rep and --month", NULL);
  if (rc == CLI_OK && (rc = fs_plan_set(c->r, rep, month, a.rec, id)) != 0)
    rc = cli_fail(c, rc, "plan set");
  if (rc == CLI_OK) {
    if (c->json)
      printf("{\"id\":\"%s\",\"rep\":\"%s\",\"month\":\"%.7s\"}\n", id, rep, month);
    else
      printf(
          "plan of %s for %.7s set (%.16s); `fieldsync plan show --rep %s --month %.7s` "
          "sets it against what was done\n",
          rep, month, id, rep, month);
  }
  fs_record_free(a.rec);
  return rc;
}

/* The text of cell (row, col) of section s into buf. */
static const char *cell_text(fs_report *rep, int s, size_t row, int col, char *buf,
                             size_t len) {
  fs_report_cell v;
  buf[0] = '\0';
  if (fs_report_cell_get(rep, s, row, col, &v) || !v.set)
    return v.type == FS_REPORT_PCT ? "n/a" : "";
  if (v.type == FS_REPORT_TEXT)
    return v.text;
  if (v.type == FS_REPORT_PCT)
    snprintf(buf, len, "%.1f%%", v.num);
  else if (v.type == FS_REPORT_NUM)
    snprintf(buf, len, "%.2f", v.num);
  else
    snprintf(buf, len, "%lld", (long long)v.i);
  return buf;
}

/* Prints section s of rep as an aligned table (text) or a JSON array. */
static int print_section(cli_ctx *c, fs_report *rep, int s) {
  int nc = fs_report_columns(rep, s), w[16] = {0};
  size_t nr = fs_report_rows(rep, s);
  char buf[64];
  fs_json j;

  if (nc > 16)
    nc = 16;
  if (c->json) {
    fs__json_init(&j, stdout);
    fs__json_begin_array(&j);
    for (size_t r = 0; r < nr; r++) {
      fs__json_begin_object(&j);
      for (int k = 0; k < nc; k++) {
        const char *name = NULL;
        fs_report_cell v;
        fs_report_column(rep, s, k, &name, NULL);
        fs__json_key(&j, name);
        if (fs_report_cell_get(rep, s, r, k, &v) || !v.set)
          fs__json_null(&j);
        else if (v.type == FS_REPORT_TEXT)
          fs__json_string(&j, v.text);
        else if (v.type == FS_REPORT_INT)
          fs__json_int(&j, v.i);
        else
          fs__json_fixed(&j, v.num, v.type == FS_REPORT_PCT ? 1 : 2);
      }
      fs__json_end_object(&j);
    }
    fs__json_end_array(&j);
    return fs__json_finish(&j) ? CLI_ERR : CLI_OK;
  }
  for (int k = 0; k < nc; k++) {
    const char *name = NULL;
    fs_report_column(rep, s, k, &name, NULL);
    w[k] = (int)strlen(name);
    for (size_t r = 0; r < nr; r++) {
      int l = (int)strlen(cell_text(rep, s, r, k, buf, sizeof(buf)));
      if (l > w[k])
        w[k] = l;
    }
  }
  for (int k = 0; k < nc; k++) {
    const char *name = NULL;
    fs_report_column(rep, s, k, &name, NULL);
    printf("%s%-*s", k ? "  " : "", k == nc - 1 ? 0 : w[k], name);
  }
  printf("\n");
  for (size_t r = 0; r < nr; r++) {
    for (int k = 0; k < nc; k++) {
      fs_report_type t = FS_REPORT_TEXT;
      fs_report_column(rep, s, k, NULL, &t);
      printf(t == FS_REPORT_TEXT ? "%s%-*s" : "%s%*s", k ? "  " : "",
             t == FS_REPORT_TEXT && k == nc - 1 ? 0 : w[k],
             cell_text(rep, s, r, k, buf, sizeof(buf)));
    }
    printf("\n");
  }
  return CLI_OK;
}

/* The last day of month "YYYY-MM" into out ("YYYY-MM-DD"). */
static void month_end(const char *month, char out[FS_DATE_MAX + 1]) {
  static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int y = 0, m = 0, d;
  if (sscanf(month, "%4d-%2d", &y, &m) != 2 || m < 1 || m > 12)
    m = 1;
  d = days[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
  snprintf(out, FS_DATE_MAX + 1, "%.7s-%02d", month, d);
}

int cli_cmd_plan_show(cli_ctx *c, int argc, char **argv) {
  const char *rep = NULL, *month = NULL;
  cli_opt opts[] = {
      {"--rep", 1, &rep, NULL}, {"--month", 1, &month, NULL}, {NULL, 0, NULL, NULL}};
  cli_args a = {.opts = opts, .minpos = 0, .maxpos = 0};
  char today[FS_DATE_MAX + 1], from[FS_DATE_MAX + 1], to[FS_DATE_MAX + 1];
  fs_report_query q;
  fs_report *res = NULL;
  int rc, shown = 0;

  rc = cli_start(c, argc, argv, &a);
  if (rc)
    return rc;
  fs_today(today);
  if (month && (strlen(month) != 7 || month[4] != '-'))
    return cli_usage_error(c, "--month wants YYYY-MM", month);
  /* The month up to today, or to its end if it is over. */
  snprintf(from, sizeof(from), "%.7s-01", month ? month : today);
  month_end(month ? month : today, to);
  if (strcmp(to, today) > 0)
    snprintf(to, sizeof(to), "%s", strcmp(from, today) > 0 ? from : today);
  memset(&q, 0, sizeof(q));
  q.name = "activity";
  q.from = from;
  q.to = to;
  if (rep) {
    q.reps[0] = rep;
    q.nreps = 1;
  }
  rc = fs_report_run(c->r, &q, &res);
  if (rc)
    return cli_fail(c, rc, "plan show");
  for (int s = 0; s < fs_report_sections(res); s++)
    if (strcmp(fs_report_section_name(res, s), "plan") == 0) {
      if (!c->json)
        printf("plan against actual, %s .. %s\n\n", from, to);
      if (fs_report_rows(res, s) == 0 && !c->json)
        printf("no plan for %.7s%s%s; `fieldsync plan set` enters one\n", from,
               rep ? " of " : "", rep ? rep : "");
      else
        rc = print_section(c, res, s);
      shown = 1;
    }
  fs_report_free(res);
  return shown ? rc : cli_fail(c, FS_EINTERNAL, "plan show");
}
