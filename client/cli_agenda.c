/* cli_agenda.c - `fieldsync agenda`: the rep's day from fs_agenda, as a
 * table, JSON or CSV. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "fs_errno.h"

typedef struct ag_out {
  cli_list l;
  int count, overdue;
} ag_out;

static int ag_row(void *arg, const fs_agenda_item *it) {
  ag_out *ag = arg;
  cli_list *o = &ag->l;
  char late[16];

  ag->count++;
  if (it->overdue_days > 0)
    ag->overdue++;
  if (o->c->json) {
    fs__json_begin_object(&o->j);
    fs__json_key(&o->j, "due");
    fs__json_string(&o->j, it->due);
    fs__json_key(&o->j, "overdue_days");
    fs__json_int(&o->j, it->overdue_days);
    fs__json_key(&o->j, "kind");
    fs__json_string(&o->j, it->kind);
    fs__json_key(&o->j, "reason");
    fs__json_string(&o->j, it->reason);
    fs__json_key(&o->j, "customer_id");
    fs__json_string(&o->j, *it->customer_id ? it->customer_id : NULL);
    fs__json_key(&o->j, "archive_no");
    fs__json_string(&o->j, *it->archive_no ? it->archive_no : NULL);
    fs__json_key(&o->j, "name");
    fs__json_string(&o->j, it->name);
    fs__json_key(&o->j, "phone");
    fs__json_string(&o->j, *it->phone ? it->phone : NULL);
    fs__json_key(&o->j, "grade");
    fs__json_string(&o->j, *it->grade ? it->grade : NULL);
    fs__json_key(&o->j, "owner");
    fs__json_string(&o->j, it->owner);
    fs__json_key(&o->j, "source_id");
    fs__json_string(&o->j, it->source_id);
    fs__json_end_object(&o->j);
    return 0;
  }
  snprintf(late, sizeof(late), "%d", it->overdue_days);
  {
    const char *cells[] = {it->due,   late,        it->archive_no, it->name,
                           it->grade, it->reason,  it->phone,      it->owner};
    return fs__table_add(o->t, cells);
  }
}

int cli_cmd_agenda(cli_ctx *c, int argc, char **argv) {
  static const char *const heads[] = {"due",   "overdue", "archive_no", "customer",
                                      "grade", "reason",  "phone",      "owner"};
  /* On a narrow terminal the owner goes first, the customer never. */
  static const int drop[] = {0, 3, 2, 0, 4, 1, 5, 6};
  const char *date = NULL;
  cli_opt opts[] = {{"--date", 1, &date, NULL}, {NULL, 0, NULL, NULL}};
  cli_args a = {.opts = opts};
  ag_out o;
  int rc, summary;

  memset(&o, 0, sizeof(o));
  rc = cli_start(c, argc, argv, &a);
  if (rc)
    return rc;
  if (date && fs_date_valid(date, 0) != 0)
    return cli_value_error(c, "date: \"%s\" is not a date (YYYY-MM-DD)", date);
  rc = cli_list_begin(&o.l, c, 8, heads, drop);
  if (rc == 0)
    rc = cli_list_end(&o.l, fs_agenda(c->r, date, ag_row, &o), &summary);
  if (rc)
    return cli_fail(c, rc, "agenda");
  if (summary)
    printf("(%d to contact: %d overdue, %d due today)\n", o.count, o.overdue,
           o.count - o.overdue);
  return CLI_OK;
}
