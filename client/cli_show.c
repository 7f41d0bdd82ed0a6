/* cli_show.c - `KIND show ID`: one record as a card (issue 15).  Only the
 * fields that hold a value unless --all; a child record names its customer
 * by archive number and name; a customer card goes on with its contacts,
 * visits, opportunities and lost-sale reviews. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "fs_errno.h"

#define SHOW_VISITS 10 /* the latest visits a card shows (--all: every one) */

void cli_customer_of(cli_ctx *c, const char *id, cli_cust *out) {
  fs_record *rec = NULL;
  const char *v;

  if (id == NULL || *id == '\0') {
    memset(out, 0, sizeof(*out));
    return;
  }
  if (strcmp(out->id, id) == 0)
    return;
  snprintf(out->id, sizeof(out->id), "%s", id);
  out->archive_no[0] = '\0';
  snprintf(out->name, sizeof(out->name), "%.16s", id);
  if (fs_get(c->r, "customer", id, &rec) != 0)
    return; /* not held here: the short id says which */
  v = fs_record_get(rec, "archive_no");
  snprintf(out->archive_no, sizeof(out->archive_no), "%s", v ? v : "");
  v = fs_record_get(rec, "name");
  if (v)
    snprintf(out->name, sizeof(out->name), "%s", v);
  fs_record_free(rec);
}

/* The card's groups: a heading starts at each of these fields. */
static const struct {
  const char *first;
  const char *title;
} customer_groups[] = {
    {"archive_no", "1. Basic data / 基础资料"},
    {"service_area", "2. Characteristics / 客户特征"},
    {"sales_performance", "3. Business status / 业务状况"},
    {"current_activity", "4. Transaction status / 交易现状"},
    {"grade", "Grade and key account / 确度与重点客户"},
};

/* The value field f of rec shows (a reference as "ARCHIVE NAME"), or NULL. */
static const char *shown_value(cli_ctx *c, fs_record *rec, const fs_field_info *f,
                               cli_cust *cust, char *buf, size_t len) {
  const char *v = fs_record_get(rec, f->name), *over;

  /* Issue 14: a tier the manager chose, not the score, says so. */
  if (v && strcmp(f->name, "tier") == 0 && strcmp(fs_record_kind(rec), "customer") == 0 &&
      (over = fs_record_get(rec, "tier_override")) != NULL && strcmp(over, "yes") == 0) {
    snprintf(buf, len, "%s (the manager's override, not the score / 主管指定)", v);
    return buf;
  }
  if (v && (f->flags & FS_FIELD_MONEY) && len >= FS_MONEY_TEXT_MAX)
    return cli_money_human(v, buf);
  if (v == NULL || f->type != FS_TYPE_REF || strcmp(f->ref_kind, "customer") != 0)
    return v;
  cli_customer_of(c, v, cust);
  snprintf(buf, len, "%s%s%s", cust->archive_no, cust->archive_no[0] ? "  " : "", cust->name);
  return buf;
}

static void show_fields(cli_ctx *c, fs_record *rec, int all) {
  fs_kind_info ki, *kd = &ki;
  fs_field_info fi;
  cli_cust cust;
  const char *heading = NULL;
  char buf[640];
  size_t w = 0;

  memset(&cust, 0, sizeof(cust));
  fs_kind_describe(fs_record_kind(rec), &ki);
  for (int i = 0; i < kd->nfields; i++) {
    size_t lw;
    fs_field_describe(kd->name, i, &fi);
    lw = fs__display_width(fi.label);
    if ((all || fs_record_get(rec, fi.name)) && lw > w)
      w = lw;
  }
  /* id, owner and author are checked ids and staff codes: safe as they are. */
  printf("%s %s  (owner %s, author %s)\n", kd->name, fs_record_id(rec),
         fs_record_owner(rec), fs_record_author(rec));
  for (int i = 0; i < kd->nfields; i++) {
    const char *v;
    fs_field_describe(kd->name, i, &fi);
    for (size_t g = 0; strcmp(kd->name, "customer") == 0 &&
                       g < sizeof(customer_groups) / sizeof(customer_groups[0]);
         g++)
      if (strcmp(customer_groups[g].first, fi.name) == 0)
        heading = customer_groups[g].title;
    v = shown_value(c, rec, &fi, &cust, buf, sizeof(buf));
    if (v == NULL && !all)
      continue;
    if (heading) /* a group with nothing to show has no heading */
      printf("\n%s\n", heading);
    heading = NULL;
    printf("  ");
    fs__print_padded(stdout, fi.label, w);
    printf("  ");
    fs__print_text(stdout, v ? v : "-", (int)w + 4);
    printf("\n");
  }
  /* A corrected visit (issue 15) names the visit that supersedes it. */
  if (strcmp(kd->name, "visit") == 0 && fs_visit_corrected_by(c->r, fs_record_id(rec), buf) == 0) {
    printf("  ");
    fs__print_padded(stdout, "corrected by", w);
    printf("  %s (superseded: lists and reports count the correction)\n", buf);
  }
}

/* ---- a customer's records ---------------------------------------------------- */

typedef struct section {
  const char *kind, *title, *order;
  const char *fields[8];
  int max; /* rows shown, 0: all */
} section;

static const section sections[] = {
    {"contact", "contacts", NULL, {"id", "name", "rank", "buying_role", "phone", NULL}, 0},
    {"visit", "visits, latest first", "-at",
     {"id", "at", "method", "stage", "attitude", "next_contact", NULL}, SHOW_VISITS},
    {"opportunity", "opportunities", NULL,
     {"id", "title", "amount", "stage", "status", "follow_up", NULL}, 0},
    {"lost_review", "lost-sale reviews", NULL,
     {"id", "lost_date", "reason", "confirmed", NULL}, 0},
};

typedef struct sec_out {
  const section *s;
  fs_table *t;
  int n, all;
} sec_out;

static int sec_row(void *arg, fs_record *rec) {
  sec_out *o = arg;
  const char *cells[8];
  char shortid[17], money[8][FS_MONEY_TEXT_MAX];

  if (o->s->max && !o->all && o->n >= o->s->max) {
    o->n++;
    return 0;
  }
  o->n++;
  for (int i = 0; o->s->fields[i]; i++) {
    if (strcmp(o->s->fields[i], "id") == 0) {
      snprintf(shortid, sizeof(shortid), "%s", fs_record_id(rec));
      cells[i] = shortid;
    } else {
      cells[i] = fs_record_get(rec, o->s->fields[i]);
      /* Money as people read it (12,345.60), as in the lists. */
      if (cli_is_money(fs_record_kind(rec), o->s->fields[i]))
        cells[i] = cli_money_human(cells[i], money[i]);
    }
  }
  return fs__table_add(o->t, cells);
}

/* Prints one section of the customer's records: a title with the count,
 * then the table; nothing for none unless all. */
static int show_section(cli_ctx *c, const section *s, const char *cid, const char *arch,
                        int all) {
  fs_query q;
  sec_out o;
  int n = 0, rc;

  memset(&o, 0, sizeof(o));
  memset(&q, 0, sizeof(q));
  while (s->fields[n])
    n++;
  rc = fs__table_new(n, s->fields, CLI_LIST_MAX_ROWS, &o.t);
  /* On a narrow terminal the id goes first, then the rightmost columns. */
  for (int i = 1; rc == 0 && i < n; i++)
    rc = fs__table_set_drop(o.t, i, i == 1 ? 0 : i);
  if (rc == 0)
    rc = fs__table_set_drop(o.t, 0, n + 1);
  if (rc) {
    fs__table_free(o.t);
    return rc;
  }
  o.s = s;
  o.all = all;
  q.customer_id = cid;
  q.order = s->order;
  rc = fs_list(c->r, s->kind, &q, sec_row, &o);
  if (rc == 0 && (o.n > 0 || all)) {
    printf("\n%s (%d)\n", s->title, o.n);
    if (o.n > 0)
      rc = fs__table_print_fit(o.t, stdout, c->width);
    if (rc == 0 && (size_t)o.n > fs__table_rows(o.t))
      printf("(%zu of %d shown: fieldsync %s list --customer %s)\n", fs__table_rows(o.t), o.n,
             strcmp(s->kind, "lost_review") == 0 ? "lost" : s->kind, arch);
  }
  fs__table_free(o.t);
  return rc;
}

/* ---- the command --------------------------------------------------------------- */

int cli_cmd_show(cli_ctx *c, int argc, char **argv) {
  fs_record *rec = NULL;
  int all = 0, rc;
  cli_opt opts[] = {{"--all", 0, NULL, &all}, {NULL, 0, NULL, NULL}};
  cli_args a = {.opts = opts, .minpos = 1, .maxpos = 1};
  char id[FS_ID_MAX + 1];
  const char *kind = c->cmd->kind;

  rc = cli_start(c, argc, argv, &a);
  if (rc == CLI_OK)
    rc = cli_resolve(c, kind, a.pos[0], id);
  if (rc)
    return rc;
  rc = fs_get(c->r, kind, id, &rec);
  if (rc)
    return cli_fail(c, rc, a.pos[0]);
  if (c->json) {
    rc = cli_print_json_record(rec);
    goto out;
  }
  show_fields(c, rec, all);
  for (size_t i = 0; strcmp(kind, "customer") == 0 && i < sizeof(sections) / sizeof(sections[0]);
       i++) {
    const char *arch = fs_record_get(rec, "archive_no");
    if (show_section(c, &sections[i], id, arch ? arch : id, all) != 0) {
      rc = cli_fail(c, FS_EIO, "customer show");
      goto out;
    }
  }
out:
  fs_record_free(rec);
  return rc;
}
