/* cli_record.c - the generic record commands (add/log, edit, show, list,
 * delete) for every kind, plus customer grade and search.  Field options
 * come from the model tables, so a new field needs no CLI code. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fs_errno.h"
#include "json.h"
#include "table.h"

/* Nonzero if s is neither a date nor a date-time. */
static int bad_when(const char *s) {
  return fs_date_valid(s, 1) != 0;
}

/* The command's kind (the command table names only kinds that exist). */
static fs_kind_info cmd_kind(cli_ctx *c) {
  fs_kind_info ki;
  memset(&ki, 0, sizeof(ki));
  fs_kind_describe(c->cmd->kind, &ki);
  return ki;
}

/* 1 if kind has a field called name. */
static int has_field(const char *kind, const char *name) {
  return fs_field_find(kind, name, NULL, NULL) == 0;
}

/* ---- output ------------------------------------------------------------------ */

const char *cli_money_human(const char *plain, char buf[FS_MONEY_TEXT_MAX]) {
  int64_t minor;
  if (plain == NULL || fs_money_parse(plain, &minor) != 0 ||
      fs_money_format(minor, buf, FS_MONEY_TEXT_MAX) < 0)
    return plain;
  return buf;
}

int cli_is_money(const char *kind, const char *field) {
  fs_field_info fi;
  return fs_field_find(kind, field, NULL, &fi) == 0 && (fi.flags & FS_FIELD_MONEY) != 0;
}

void cli_json_record(void *json, fs_record *rec) {
  fs_json *j = json;
  fs_kind_info ki;

  fs_kind_describe(fs_record_kind(rec), &ki);
  fs__json_begin_object(j);
  fs__json_key(j, "id");
  fs__json_string(j, fs_record_id(rec));
  fs__json_key(j, "kind");
  fs__json_string(j, ki.name);
  fs__json_key(j, "owner");
  fs__json_string(j, fs_record_owner(rec));
  fs__json_key(j, "author");
  fs__json_string(j, fs_record_author(rec));
  for (int i = 0; i < ki.nfields; i++) {
    fs_field_info fi, *f = &fi;
    const char *v;
    fs_field_describe(ki.name, i, &fi);
    v = fs_record_get(rec, f->name);
    fs__json_key(j, f->name);
    if (v == NULL)
      fs__json_null(j);
    else if (f->type == FS_TYPE_BOOL)
      fs__json_bool(j, strcmp(v, "yes") == 0);
    else if (f->flags & FS_FIELD_MONEY) /* currency units, two decimals */
      fs__json_fixed(j, strtod(v, NULL), 2);
    else if (f->type == FS_TYPE_INT)
      fs__json_int(j, strtoll(v, NULL, 10));
    else
      fs__json_string(j, v);
  }
  fs__json_end_object(j);
}

int cli_print_json_record(fs_record *rec) {
  fs_json j;

  fs__json_init(&j, stdout);
  cli_json_record(&j, rec);
  return fs__json_finish(&j) ? CLI_ERR : CLI_OK;
}

/* Columns of the human list per kind ("id" is the short id; "@archive_no"
 * and "@customer" are the archive number and name of a child record's
 * customer) and their drop ranks on a narrow terminal (table.h). */
/* Ids start with 12 hex chars of creation time: 16 chars are a usable
 * unique prefix (fs_resolve_id accepts prefixes). */
typedef struct list_col {
  const char *field;
  int drop;
} list_col;

static const list_col *list_columns(const char *k) {
  static const list_col customer[] = {{"id", 6}, {"archive_no", 0}, {"name", 0}, {"grade", 0},
                                      {"phone", 3}, {"next_contact", 2}, {"owner", 4},
                                      {NULL, 0}};
  static const list_col grade_change[] = {{"id", 3}, {"date", 0}, {"grade", 0},
                                          {"prev_grade", 2}, {"note", 1}, {NULL, 0}};
  static const list_col contact[] = {{"id", 7}, {"@archive_no", 5}, {"@customer", 0},
                                     {"name", 0}, {"rank", 3}, {"buying_role", 4},
                                     {"stance", 6}, {"phone", 2}, {NULL, 0}};
  static const list_col visit[] = {{"id", 8}, {"@archive_no", 6}, {"@customer", 0},
                                   {"at", 0}, {"method", 3}, {"stage", 4}, {"attitude", 5},
                                   {"place", 2}, {"next_contact", 1}, {NULL, 0}};
  static const list_col opportunity[] = {{"id", 6}, {"@archive_no", 5}, {"@customer", 0},
                                         {"title", 0}, {"amount", 2}, {"stage", 3},
                                         {"status", 4}, {"follow_up", 1}, {NULL, 0}};
  static const list_col showroom[] = {{"id", 6}, {"arrived", 0}, {"visitor", 0},
                                      {"phone", 3}, {"model", 2}, {"grade", 4},
                                      {"rep_on_duty", 5}, {NULL, 0}};
  static const list_col lost[] = {{"id", 5}, {"@archive_no", 4}, {"@customer", 0},
                                  {"lost_date", 0}, {"reason", 1}, {"competitor", 2},
                                  {"confirmed", 3}, {NULL, 0}};
  static const struct {
    const char *kind;
    const list_col *cols;
  } by_kind[] = {{"customer", customer}, {"grade_change", grade_change},
                 {"contact", contact},   {"visit", visit},
                 {"opportunity", opportunity}, {"showroom", showroom}};
  for (size_t i = 0; i < sizeof(by_kind) / sizeof(by_kind[0]); i++)
    if (strcmp(by_kind[i].kind, k) == 0)
      return by_kind[i].cols;
  return lost;
}

/* Filters of list_out.pending: lost reviews not reviewed yet; customer
 * cards whose deletion was asked for (issue 14). */
#define LIST_PENDING 1
#define LIST_DELETE_REQUESTED 2

typedef struct list_out {
  cli_list l;
  const list_col *cols;
  int ncols;
  int count;
  int pending; /* LIST_PENDING, LIST_DELETE_REQUESTED or 0 (all) */
  cli_cust cust; /* the last customer looked up */
} list_out;

static int list_row(void *arg, fs_record *rec) {
  list_out *o = arg;
  const char *cells[FS_TABLE_MAX_COLS];
  char shortid[17], money[FS_TABLE_MAX_COLS][FS_MONEY_TEXT_MAX];

  o->count++;
  if ((o->pending == LIST_PENDING && fs_record_get(rec, "reviewed_by") != NULL) ||
      (o->pending == LIST_DELETE_REQUESTED && fs_record_get(rec, "delete_requested") == NULL)) {
    o->count--; /* not awaiting the manager */
    return 0;
  }
  if (o->l.c->json) {
    cli_json_record(&o->l.j, rec);
    return 0;
  }
  for (int i = 0; i < o->ncols; i++) {
    const char *f = o->cols[i].field;
    if (strcmp(f, "id") == 0) {
      snprintf(shortid, sizeof(shortid), "%s", fs_record_id(rec));
      cells[i] = shortid;
    } else if (strcmp(f, "owner") == 0) {
      cells[i] = fs_record_owner(rec);
    } else if (f[0] == '@') {
      cli_customer_of(o->l.c, fs_record_get(rec, "customer_id"), &o->cust);
      cells[i] = strcmp(f, "@customer") == 0 ? o->cust.name : o->cust.archive_no;
    } else {
      cells[i] = fs_record_get(rec, f);
      /* People read 12,345.60; CSV keeps 12345.60 (no separator inside). */
      if (!o->l.c->csv && cli_is_money(fs_record_kind(rec), f))
        cells[i] = cli_money_human(cells[i], money[i]);
    }
  }
  return fs__table_add(o->l.t, cells);
}

static int run_list(cli_ctx *c, const char *kind, const fs_query *q, int pending) {
  list_out o;
  int rc, summary;

  const char *heads[FS_TABLE_MAX_COLS];
  int drop[FS_TABLE_MAX_COLS];

  memset(&o, 0, sizeof(o));
  o.pending = pending;
  o.cols = list_columns(kind);
  for (; o.cols[o.ncols].field; o.ncols++) {
    const char *f = o.cols[o.ncols].field;
    heads[o.ncols] = f[0] == '@' ? f + 1 : f;
    drop[o.ncols] = o.cols[o.ncols].drop;
  }
  rc = cli_list_begin(&o.l, c, o.ncols, heads, drop);
  if (rc)
    return cli_fail(c, rc, "list");
  rc = fs_list(c->r, kind, q, list_row, &o);
  if (rc) {
    cli_list_end(&o.l, rc, NULL);
    return cli_fail(c, rc, "list");
  }
  if (cli_list_end(&o.l, 0, &summary))
    return CLI_ERR; /* stdout failed: nothing more to say there */
  if (summary)
    printf("(%d %s)\n", o.count, o.count == 1 ? "record" : "records");
  return CLI_OK;
}

/* ---- commands ------------------------------------------------------------------ */

/* cli_start with a new record of the command's kind as a->rec, so that
 * --field-name VALUE options fill it.  a->rec is the caller's to free
 * (NULL if the replica did not open).  CLI_OK/ERR/USAGE; `what` names a
 * failed allocation ("add"). */
static int start_with_record(cli_ctx *c, int argc, char **argv, cli_args *a,
                             const char *what) {
  if (cli_open(c))
    return CLI_ERR;
  if (fs_record_new(c->cmd->kind, &a->rec))
    return cli_fail(c, FS_ENOMEM, what);
  return cli_parse(c, argc, argv, a);
}

/* cli_start, then resolves the first positional argument (a->minpos >= 1)
 * as a record of kind into id.  CLI_OK/ERR/USAGE (message printed). */
static int start_with_id(cli_ctx *c, int argc, char **argv, cli_args *a, const char *kind,
                         char id[FS_ID_MAX + 1]) {
  int rc = cli_start(c, argc, argv, a);
  return rc ? rc : cli_resolve(c, kind, a->pos[0], id);
}

/* After a showroom entry is logged: what the replica knows of the visitor,
 * as a suggestion on stderr (issue 14: the rep says returning or not, and
 * links the card).  Silent when the rep said (--revisit) and nothing is
 * known. */
static void showroom_suggest(cli_ctx *c, fs_record *rec, const char *id) {
  fs_showroom_seen seen;
  int said = fs_record_isset(rec, "revisit");

  if (fs_showroom_seen_get(c->r, id, &seen) != 0)
    return; /* a suggestion only: the entry is recorded */
  if (seen.earlier > 0 && !said)
    fprintf(stderr,
            "note: this visitor's card or phone is already in the showroom log (%d "
            "earlier, last %s): the report counts them as returning; if it is someone "
            "else: fieldsync showroom edit %s --revisit no\n",
            seen.earlier, seen.last_arrived, id);
  if (seen.card_id[0])
    fprintf(stderr,
            "note: card %s %s has this phone; if it is this visitor, link it (the "
            "conversion follows the card): fieldsync showroom edit %s --customer-id %s\n",
            seen.card_archive_no, seen.card_name, id, seen.card_id);
}

int cli_cmd_add(cli_ctx *c, int argc, char **argv) {
  fs_kind_info ki = cmd_kind(c), *kd = &ki;
  const char *customer = NULL;
  cli_opt opts[] = {{"--customer", 1, &customer, NULL}, {NULL, 0, NULL, NULL}};
  cli_args a = {.opts = (kd->flags & FS_KIND_IS_CHILD) ? opts : NULL};
  fs_record *rec;
  char id[FS_ID_MAX + 1];
  int rc;

  rc = start_with_record(c, argc, argv, &a, "add");
  rec = a.rec;
  if (rc == CLI_OK && customer) {
    cli_args b = {.rec = rec};
    char *one[2] = {"--customer-id", (char *)customer};
    rc = cli_parse(c, 2, one, &b);
  }
  if (rc == CLI_OK)
    rc = cli_check_required(c, rec);
  if (rc)
    goto out;
  rc = fs_create(c->r, rec, id);
  if (rc) {
    rc = cli_fail(c, rc, fs_kind_label(kd->name));
    goto out;
  }
  if (c->json)
    rc = cli_print_json_record(rec);
  else if (strcmp(kd->name, "customer") == 0)
    printf("created customer %s %s\n", fs_record_get(rec, "archive_no"), id);
  else
    printf("recorded the %s %s\n", fs_kind_label(kd->name), id);
  if (rc == CLI_OK && strcmp(kd->name, "showroom") == 0)
    showroom_suggest(c, rec, id);
  if (strcmp(kd->name, "customer") == 0 &&
      fs_archive_is_fallback(fs_record_get(rec, "archive_no")))
    /* Issue 14: the rep must know why the number looks different. */
    fprintf(stderr,
            "note: this device has used every archive serial the daemon gave it, so the "
            "card got the fallback number %s (unique; it stays the card's number); sync "
            "to get new serials\n",
            fs_record_get(rec, "archive_no"));
out:
  fs_record_free(rec);
  return rc;
}

int cli_correct_field(const char *name) {
  return strcmp(name, "customer_id") != 0 && strcmp(name, "corrects") != 0 &&
         strcmp(name, "counts_on") != 0;
}

int cli_cmd_visit_correct(cli_ctx *c, int argc, char **argv) {
  cli_args a = {.minpos = 1, .maxpos = 1};
  char id[FS_ID_MAX + 1], nid[FS_ID_MAX + 1];
  fs_record *rec = NULL;
  int rc;

  rc = start_with_record(c, argc, argv, &a, "correct");
  if (rc == CLI_OK)
    rc = cli_check_changes(c, a.rec);
  for (int i = 0; rc == CLI_OK && i < 3; i++) {
    static const char *const kept[] = {"customer_id", "corrects", "counts_on"};
    if (fs_record_isset(a.rec, kept[i]))
      rc = cli_usage_error(c, "a correction keeps the visit's card and the device sets "
                              "corrects and counts_on; cannot set",
                           kept[i]);
  }
  if (rc == CLI_OK)
    rc = cli_resolve(c, "visit", a.pos[0], id);
  if (rc)
    goto out;
  rc = fs_visit_correct(c->r, id, a.rec, nid);
  if (rc) {
    rc = cli_fail(c, rc, "visit correct");
    goto out;
  }
  if (c->json) {
    if (fs_get(c->r, "visit", nid, &rec) == 0)
      rc = cli_print_json_record(rec);
  } else {
    printf("recorded the correction %s of visit %s (kept; superseded)\n", nid, id);
  }
out:
  fs_record_free(rec);
  fs_record_free(a.rec);
  return rc;
}

int cli_cmd_edit(cli_ctx *c, int argc, char **argv) {
  fs_kind_info ki = cmd_kind(c), *kd = &ki;
  cli_args a = {.minpos = 1, .maxpos = 1};
  char id[FS_ID_MAX + 1];
  int rc;

  rc = start_with_record(c, argc, argv, &a, "edit");
  if (rc == CLI_OK)
    rc = cli_check_changes(c, a.rec);
  if (rc == CLI_OK)
    rc = cli_resolve(c, kd->name, a.pos[0], id);
  if (rc)
    goto out;
  rc = fs_update(c->r, kd->name, id, a.rec);
  if (rc) {
    rc = cli_fail(c, rc, fs_kind_label(kd->name));
    goto out;
  }
  if (!c->json)
    printf("updated %s %s\n", fs_kind_label(kd->name), id);
  else
    printf("{\"id\":\"%s\",\"updated\":true}\n", id);
out:
  fs_record_free(a.rec);
  return rc;
}

int cli_cmd_list(cli_ctx *c, int argc, char **argv) {
  fs_kind_info ki = cmd_kind(c), *kd = &ki;
  const char *grade = NULL, *owner = NULL, *search = NULL, *customer = NULL, *from = NULL,
             *to = NULL, *limit = NULL, *offset = NULL, *order = NULL;
  cli_opt opts[12];
  int n = 0, rc, pending = 0, delreq = 0;
  char cid[FS_ID_MAX + 1];
  fs_query q;
  cli_args a = {.opts = opts};

  /* Only the filters that apply to this kind are options. */
  memset(opts, 0, sizeof(opts));
  if (has_field(kd->name, "grade"))
    opts[n++] = (cli_opt){"--grade", 1, &grade, NULL};
  if (has_field(kd->name, "customer_id"))
    opts[n++] = (cli_opt){"--customer", 1, &customer, NULL};
  if (strcmp(kd->name, "visit") == 0 || strcmp(kd->name, "showroom") == 0 ||
      strcmp(kd->name, "grade_change") == 0 || strcmp(kd->name, "lost_review") == 0) {
    opts[n++] = (cli_opt){"--from", 1, &from, NULL};
    opts[n++] = (cli_opt){"--to", 1, &to, NULL};
  }
  if (strcmp(kd->name, "lost_review") == 0)
    opts[n++] = (cli_opt){"--pending", 0, NULL, &pending};
  if (strcmp(kd->name, "customer") == 0)
    opts[n++] = (cli_opt){"--delete-requested", 0, NULL, &delreq};
  opts[n++] = (cli_opt){"--owner", 1, &owner, NULL};
  opts[n++] = (cli_opt){"--search", 1, &search, NULL};
  opts[n++] = (cli_opt){"--limit", 1, &limit, NULL};
  opts[n++] = (cli_opt){"--offset", 1, &offset, NULL};
  opts[n++] = (cli_opt){"--order", 1, &order, NULL};
  rc = cli_start(c, argc, argv, &a);
  if (rc)
    return rc;
  memset(&q, 0, sizeof(q));
  if (grade && fs_field_enum_match("customer", "grade", grade) == NULL)
    return cli_value_error(c, "grade: \"%s\" is not one of O, A, B, C, delivered, lost",
                           grade);
  if (grade)
    grade = fs_field_enum_match("customer", "grade", grade); /* any case */
  if ((from && bad_when(from)) || (to && bad_when(to)))
    return cli_value_error(c, "%s: \"%s\" is not a date (YYYY-MM-DD)",
                           from && bad_when(from) ? "from" : "to",
                           from && bad_when(from) ? from : to);
  if (from && to && strncmp(from, to, 10) > 0)
    return cli_value_error(c, "--from %s is after --to %s", from, to);
  if (customer) {
    rc = cli_resolve(c, "customer", customer, cid);
    if (rc)
      return rc;
    q.customer_id = cid;
  }
  if (limit && (q.limit = atoi(limit)) <= 0)
    return cli_usage_error(c, "--limit wants a positive number, not", limit);
  if (offset && (q.offset = atoi(offset)) < 0)
    return cli_usage_error(c, "--offset wants a number, not", offset);
  q.grade = grade;
  q.owner = owner;
  q.search = search;
  q.from = from;
  q.to = to;
  q.order = order;
  return run_list(c, kd->name, &q,
                  pending ? LIST_PENDING : delreq ? LIST_DELETE_REQUESTED : 0);
}

static int count_one(void *arg, fs_record *rec) {
  (void)rec;
  (*(int *)arg)++;
  return 0;
}

/* Asks before customer id and what hangs on it are deleted (cmdline.h):
 * "delete customer X with 3 visits, 2 contacts, 1 opportunity?".  CLI_OK
 * to go ahead, CLI_ERR (answered no: nothing changed), or an error. */
static int delete_confirm(cli_ctx *c, const char *id) {
  static const char *const kinds[] = {"visit", "contact", "opportunity"};
  static const char *const words[][2] = {
      {"visit", "visits"}, {"contact", "contacts"}, {"opportunity", "opportunities"}};
  fs_record *card = NULL;
  fs__strbuf q;
  fs_query by;
  int rc;

  memset(&by, 0, sizeof(by));
  by.customer_id = id;
  rc = fs_get(c->r, "customer", id, &card);
  if (rc)
    return cli_fail(c, rc, "customer delete");
  fs__strbuf_init(&q, 4096);
  fs__strbuf_printf(&q, "delete customer %s %s with",
                    fs_record_get(card, "archive_no") ? fs_record_get(card, "archive_no") : id,
                    fs_record_get(card, "name") ? fs_record_get(card, "name") : "");
  fs_record_free(card);
  for (int k = 0; rc == 0 && k < 3; k++) {
    int n = 0;
    rc = fs_list(c->r, kinds[k], &by, count_one, &n);
    fs__strbuf_printf(&q, "%s %d %s", k ? "," : "", n, words[k][n != 1]);
  }
  fs__strbuf_printf(&q, "?");
  if (rc)
    rc = cli_fail(c, rc, "customer delete");
  else if (!fs__cmdline_confirm(q.s ? q.s : "delete?")) {
    fprintf(stderr, "fieldsync customer delete: nothing deleted\n");
    rc = CLI_ERR;
  }
  fs__strbuf_release(&q);
  return rc;
}

int cli_cmd_delete(cli_ctx *c, int argc, char **argv) {
  fs_kind_info ki = cmd_kind(c), *kd = &ki;
  cli_args a = {.minpos = 1, .maxpos = 1};
  int customer = strcmp(kd->name, "customer") == 0, yes = 0, n = 0;
  char *args[CLI_MAX_POS + 8];
  fs_identity me;
  char id[FS_ID_MAX + 1];
  int rc;

  /* customer delete --yes|-y: no question (the others have none). */
  for (int i = 0; i < argc; i++) {
    if (customer && fs__cmdline_is_yes(argv[i]))
      yes = 1;
    else if (n < (int)(sizeof(args) / sizeof(args[0])))
      args[n++] = argv[i];
    else
      return cli_usage_error(c, "too many arguments:", argv[i]);
  }
  rc = start_with_id(c, n, args, &a, kd->name, id);
  if (rc)
    return rc;
  /* A rep does not delete a card: the request goes to the manager, who
   * deletes it or keeps it (issue 14, access_rules.h C3). */
  if (strcmp(kd->name, "customer") == 0 && fs_replica_identity(c->r, &me) == 0 &&
      me.role == FS_ROLE_REP) {
    fs_record *rec = NULL;
    char today[FS_DATE_MAX + 1];
    fs_today(today);
    rc = fs_record_new("customer", &rec);
    if (rc == 0)
      rc = fs_record_set(rec, "delete_requested", today);
    if (rc == 0)
      rc = fs_update(c->r, "customer", id, rec);
    fs_record_free(rec);
    if (rc)
      return cli_fail(c, rc, fs_kind_label(kd->name));
    if (c->json)
      printf("{\"id\":\"%s\",\"deleted\":false,\"delete_requested\":\"%s\"}\n", id,
             today);
    else
      printf("deletion of customer %s requested; the manager deletes it or keeps it\n", id);
    return CLI_OK;
  }
  if (customer && !yes && !fs__cmdline_can_ask())
    return fs__cmdline_need_yes("fieldsync", "customer delete", NULL);
  if (customer && !yes && (rc = delete_confirm(c, id)) != CLI_OK)
    return rc;
  rc = fs_delete(c->r, kd->name, id);
  if (rc)
    return cli_fail(c, rc, fs_kind_label(kd->name));
  if (c->json)
    printf("{\"id\":\"%s\",\"deleted\":true}\n", id);
  else
    printf("deleted %s %s\n", fs_kind_label(kd->name), id);
  return CLI_OK;
}

int cli_cmd_grade(cli_ctx *c, int argc, char **argv) {
  const char *date = NULL, *delivery = NULL;
  cli_opt opts[] = {{"--date", 1, &date, NULL},
                    {"--delivery-date", 1, &delivery, NULL},
                    {NULL, 0, NULL, NULL}};
  cli_args a = {.opts = opts, .minpos = 2, .maxpos = 2};
  char id[FS_ID_MAX + 1];
  int rc;

  rc = start_with_id(c, argc, argv, &a, "customer", id);
  if (rc)
    return rc;
  if (fs_field_enum_match("customer", "grade", a.pos[1]) == NULL)
    return cli_value_error(c, "grade: \"%s\" is not one of O, A, B, C, delivered, lost",
                           a.pos[1]);
  a.pos[1] = fs_field_enum_match("customer", "grade", a.pos[1]); /* any case */
  rc = fs_customer_set_grade(c->r, id, a.pos[1], date, delivery);
  if (rc)
    return cli_fail(c, rc, "customer grade");
  if (c->json)
    printf("{\"id\":\"%s\",\"grade\":\"%s\"}\n", id, a.pos[1]);
  else
    printf("customer %s is now grade %s\n", id, a.pos[1]);
  return CLI_OK;
}

int cli_cmd_search(cli_ctx *c, int argc, char **argv) {
  cli_args a = {.minpos = 1, .maxpos = 1};
  fs_query q;
  int rc;

  rc = cli_start(c, argc, argv, &a);
  if (rc)
    return rc;
  memset(&q, 0, sizeof(q));
  q.search = a.pos[0];
  return run_list(c, "customer", &q, 0);
}
