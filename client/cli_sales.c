/* cli_sales.c - a customer's sales history per month (issue 14; the
 * seeds' 003: revenue, margin, units and our share of the customer's
 * purchases): `fieldsync sales add` and `sales list`.  Money is typed and
 * shown in currency units (fs_money_parse / fs_money_format); the record
 * keeps minor units.  The rules (a month on its first day, one record per
 * customer and month, written by the card's owner or their manager) are
 * the library's and the daemon's (common/access_rules.h M1-M3). */
#include "cli.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "fs_errno.h"

/* "YYYY-MM" or "YYYY-MM-01" into "YYYY-MM-01"; 0, or -1 if neither. */
static int month_of(const char *text, char out[11]) {
  size_t n = text ? strlen(text) : 0;
  if (n != 7 && !(n == 10 && strcmp(text + 7, "-01") == 0))
    return -1;
  snprintf(out, 11, "%.7s-01", text);
  return fs_date_valid(out, 0) == 0 ? 0 : -1;
}

/* Sets money field `field` of rec from currency text.  CLI_OK or a usage
 * error. */
static int set_money(cli_ctx *c, fs_record *rec, const char *field, const char *text) {
  int64_t minor;
  if (text == NULL)
    return CLI_OK;
  if (fs_money_parse(text, &minor) != 0)
    return cli_value_error(c,
                           "--%s %s is not an amount; write currency units with up to "
                           "two decimals, e.g. 12,345.60",
                           field, text);
  /* fs_record_set reads money in currency units too (fieldsync.h). */
  if (fs_record_set(rec, field, text) != 0)
    return cli_value_error(c, "--%s: %s", field, fs_errmsg(NULL));
  return CLI_OK;
}

int cli_cmd_sales_add(cli_ctx *c, int argc, char **argv) {
  const char *cust = NULL, *month = NULL, *revenue = NULL, *margin = NULL, *units = NULL,
             *share = NULL, *note = NULL;
  cli_opt opts[] = {{"--customer", 1, &cust, NULL},   {"--month", 1, &month, NULL},
                    {"--revenue", 1, &revenue, NULL}, {"--margin", 1, &margin, NULL},
                    {"--units", 1, &units, NULL},     {"--share", 1, &share, NULL},
                    {"--note", 1, &note, NULL},       {NULL, 0, NULL, NULL}};
  cli_args a = {.opts = opts, .minpos = 0, .maxpos = 0};
  char id[FS_ID_MAX + 1], cid[FS_ID_MAX + 1], period[11];
  fs_record *rec = NULL;
  int rc;

  rc = cli_start(c, argc, argv, &a);
  if (rc)
    return rc;
  if (cust == NULL || month == NULL)
    return cli_usage_error(c, "--customer and --month are required", NULL);
  if (month_of(month, period) != 0)
    return cli_value_error(c, "--month %s is not a month; write YYYY-MM (2026-03)",
                           month);
  if (cli_resolve(c, "customer", cust, cid))
    return CLI_ERR;
  if (fs_record_new("sales_period", &rec) != 0)
    return cli_fail(c, FS_ENOMEM, "sales add");
  rc = fs_record_set(rec, "customer_id", cid) || fs_record_set(rec, "period", period)
           ? cli_value_error(c, "%s", fs_errmsg(NULL))
           : CLI_OK;
  if (rc == CLI_OK)
    rc = set_money(c, rec, "revenue", revenue);
  if (rc == CLI_OK)
    rc = set_money(c, rec, "margin", margin);
  if (rc == CLI_OK && units && fs_record_set(rec, "units", units) != 0)
    rc = cli_value_error(c, "--units: %s", fs_errmsg(NULL));
  if (rc == CLI_OK && share && fs_record_set(rec, "share", share) != 0)
    rc = cli_value_error(c, "--share: %s", fs_errmsg(NULL));
  if (rc == CLI_OK && note && fs_record_set(rec, "note", note) != 0)
    rc = cli_value_error(c, "--note: %s", fs_errmsg(NULL));
  if (rc == CLI_OK && (rc = fs_create(c->r, rec, id)) != 0)
    rc = cli_fail(c, rc, "sales add");
  else if (rc == CLI_OK && c->json)
    printf("{\"id\":\"%s\",\"customer_id\":\"%s\",\"period\":\"%s\"}\n", id, cid, period);
  else if (rc == CLI_OK)
    printf("recorded the sales of %.7s for customer %s: sales_period %s\n", period, cid,
           id);
  fs_record_free(rec);
  return rc;
}

typedef struct sales_out {
  cli_list l;
  char from[11], to[11];
  int count;
  cli_cust cust;
} sales_out;

/* The money field as "12,345.60" into buf; NULL if unset. */
static const char *money(fs_record *rec, const char *field, char *buf, size_t cap) {
  const char *v = fs_record_get(rec, field); /* currency units, "12345.60" */
  int64_t minor;
  if (v == NULL || fs_money_parse(v, &minor) != 0 || fs_money_format(minor, buf, cap) < 0)
    return v;
  return buf;
}

static int sales_row(void *arg, fs_record *rec) {
  sales_out *o = arg;
  const char *p = fs_record_get(rec, "period"), *cells[8];
  char rev[FS_MONEY_TEXT_MAX], mar[FS_MONEY_TEXT_MAX];

  if (p == NULL || (o->from[0] && strcmp(p, o->from) < 0) ||
      (o->to[0] && strcmp(p, o->to) > 0))
    return 0;
  o->count++;
  if (o->l.c->json) {
    cli_json_record(&o->l.j, rec);
    return 0;
  }
  cli_customer_of(o->l.c, fs_record_get(rec, "customer_id"), &o->cust);
  cells[0] = o->cust.archive_no;
  cells[1] = o->cust.name;
  cells[2] = p;
  cells[3] = money(rec, "revenue", rev, sizeof(rev));
  cells[4] = money(rec, "margin", mar, sizeof(mar));
  cells[5] = fs_record_get(rec, "units");
  cells[6] = fs_record_get(rec, "share");
  cells[7] = fs_record_id(rec);
  return fs__table_add(o->l.t, cells);
}

int cli_cmd_sales_list(cli_ctx *c, int argc, char **argv) {
  static const char *const heads[] = {"archive_no", "customer", "month", "revenue",
                                      "margin",     "units",    "share", "id"};
  static const int drop[] = {3, 0, 0, 0, 2, 4, 5, 1};
  const char *cust = NULL, *from = NULL, *to = NULL;
  cli_opt opts[] = {{"--customer", 1, &cust, NULL},
                    {"--from", 1, &from, NULL},
                    {"--to", 1, &to, NULL},
                    {NULL, 0, NULL, NULL}};
  cli_args a = {.opts = opts, .minpos = 0, .maxpos = 0};
  char cid[FS_ID_MAX + 1];
  fs_query q;
  sales_out o;
  int rc, summary;

  rc = cli_start(c, argc, argv, &a);
  if (rc)
    return rc;
  memset(&o, 0, sizeof(o));
  memset(&q, 0, sizeof(q));
  if (from && month_of(from, o.from) != 0)
    return cli_value_error(c, "--from %s is not a month; write YYYY-MM (2026-03)", from);
  if (to && month_of(to, o.to) != 0)
    return cli_value_error(c, "--to %s is not a month; write YYYY-MM (2026-03)", to);
  if (cust) {
    if (cli_resolve(c, "customer", cust, cid))
      return CLI_ERR;
    q.customer_id = cid;
  }
  q.order = "period";
  rc = cli_list_begin(&o.l, c, 8, heads, drop);
  if (rc)
    return cli_fail(c, rc, "sales list");
  rc = fs_list(c->r, "sales_period", &q, sales_row, &o);
  if (rc) {
    cli_list_end(&o.l, rc, NULL);
    return cli_fail(c, rc, "sales list");
  }
  if (cli_list_end(&o.l, 0, &summary))
    return CLI_ERR;
  if (summary)
    printf("(%d %s; money in currency units)\n", o.count,
           o.count == 1 ? "month" : "months");
  return CLI_OK;
}
