/* admin.c - administration commands (admin.h): the command table, the
 * arguments, and the one way a result is built (admin_cmd.h).  The
 * commands live by concern in admin_staff.c, admin_devices.c,
 * admin_history.c, admin_moves.c and admin_data.c. */
#include "admin.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin_cmd.h"
#include "admin_refs.h"
#include "fs_errno.h"
#include "store/adminlog.h"
#include "store/nest.h"
#include "utf8.h"
#include "validate.h"

/* ---- args ----------------------------------------------------------- */

static const fs_admin_arg *arg_find(const fs_msg_admin *req, const char *key) {
  for (uint32_t i = 0; i < req->nargs; i++)
    if (strcmp(req->args[i].key, key) == 0)
      return &req->args[i];
  return NULL;
}

const char *fs__admin_arg_str(const fs_admin_cmd *x, const char *key) {
  const fs_admin_arg *a = arg_find(x->req, key);
  return a && a->type == FS_ARG_STR && a->s[0] ? a->s : NULL;
}

long long fs__admin_arg_int(const fs_admin_cmd *x, const char *key, long long def) {
  const fs_admin_arg *a = arg_find(x->req, key);
  return a && (a->type == FS_ARG_INT || a->type == FS_ARG_BOOL) ? a->i : def;
}

int fs__admin_arg_list(const fs_admin_cmd *x, const char *key, const char *const **out) {
  const fs_admin_arg *a = arg_find(x->req, key);
  if (a && a->type == FS_ARG_LIST) {
    *out = (const char *const *)a->list;
    return (int)a->nlist;
  }
  if (a && a->type == FS_ARG_STR && a->s[0]) {
    *out = (const char *const *)&a->s;
    return 1;
  }
  *out = NULL;
  return 0;
}

/* Every string argument (and list item) is single-line text: no control
 * character, whatever the command (common/validate.h).  0, or fails x with
 * FS_EVALIDATE naming the argument. */
static int args_check(fs_admin_cmd *x) {
  char err[300];

  for (uint32_t i = 0; i < x->req->nargs; i++) {
    const fs_admin_arg *a = &x->req->args[i];
    int rc = 0;
    if (a->type == FS_ARG_STR)
      rc = fs__validate_line(a->key, a->s, err, sizeof(err));
    for (uint32_t j = 0; rc == 0 && a->type == FS_ARG_LIST && j < a->nlist; j++)
      rc = fs__validate_line(a->key, a->list[j], err, sizeof(err));
    if (rc) {
      fs__admin_fail(x, FS_EVALIDATE, "%s", err);
      return rc;
    }
  }
  return 0;
}

/* ---- results -------------------------------------------------------- */

int fs__admin_fail(fs_admin_cmd *x, int code, const char *fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof(buf), fmt, ap);
  va_end(ap);
  x->res->ok = 0;
  x->res->code = code;
  free(x->res->text);
  x->res->text = strdup(buf);
  return 0;
}

fs_store_rd *fs__admin_rd(const fs_admin_cmd *x) {
  return fs__central_rd(x->ctx->c);
}

/* Rows written before control characters were refused must not drive the
 * admin's terminal or forge a line of the listing. */
void fs__admin_out_text(fs_admin_cmd *x, const char *s, int width) {
  size_t w = fs__display_width(s ? s : "");

  fs__strbuf_pad(&x->out, s ? s : "", -1);
  for (; w < (size_t)(width > 0 ? width : 0); w++)
    fs__strbuf_append(&x->out, " ", 1);
}

void fs__admin_obj_str(fs_admin_cmd *x, const char *key, const char *v) {
  fs__json_key(&x->j, key);
  fs__json_string(&x->j, v);
}

void fs__admin_obj_int(fs_admin_cmd *x, const char *key, int64_t v) {
  fs__json_key(&x->j, key);
  fs__json_int(&x->j, v);
}

/* Rows an admin listing holds (audit's own bound is lower). */
#define LIST_ROWS_MAX 100000

fs_table *fs__admin_list_new(const fs_col *cols, int ncols) {
  fs_table *t = NULL;
  return fs__table_new_typed(cols, ncols, LIST_ROWS_MAX, &t) == 0 ? t : NULL;
}

void fs__admin_list_drop(fs_table *t, const int *ranks) {
  for (int c = 0; t && c < fs__table_cols(t); c++)
    fs__table_set_drop(t, c, ranks[c]);
}

/* The result of a listing: the JSON array, and unless the command writes
 * its own lines, the text table; frees t.  0 or FS_ENOMEM (an output over
 * its bound is reported by fs__admin_exec). */
static int list_emit(fs_admin_cmd *x, fs_table *t, int text) {
  int rc = fs__table_json(t, &x->j), first = text && x->tables++ == 0 && x->out.len == 0;

  if (text && (rc == 0 || rc == FS_EOVERFLOW))
    rc = fs__table_text(t, &fs__table_list, &x->out);
  /* The typed table too, for the process that owns the terminal; a table
   * that does not fit its bound is left out (the text above stands). */
  if (first && (rc == 0 || rc == FS_EOVERFLOW) && fs__table_pack(t, &x->table) == 0)
    x->table_end = x->out.len;
  else
    fs__strbuf_release(&x->table);
  fs__table_free(t);
  return rc == FS_EOVERFLOW ? 0 : rc;
}

int fs__admin_list_end(fs_admin_cmd *x, fs_table *t, int rc,
                       int (*lines)(fs_admin_cmd *x, const fs_table *t), size_t *nrows) {
  if (t == NULL)
    rc = FS_ENOMEM;
  if (nrows)
    *nrows = t ? fs__table_rows(t) : 0;
  if (rc == 0 && lines)
    rc = lines(x, t);
  if (rc == 0)
    return list_emit(x, t, lines == NULL);
  fs__table_free(t);
  if (rc == FS_EOVERFLOW) /* more than LIST_ROWS_MAX rows */
    return fs__admin_fail(x, rc, "output too large; narrow the request");
  return rc;
}

/* ---- table ---------------------------------------------------------- */

typedef struct admin_cmd {
  const char *name;
  int (*fn)(fs_admin_cmd *x);
} admin_cmd;

static const admin_cmd cmds[] = {
    {"staff.add", fs__admin_staff_add},
    {"staff.list", fs__admin_staff_list},
    {"staff.edit", fs__admin_staff_edit},
    {"staff.show", fs__admin_staff_list},
    {"enroll", fs__admin_enroll},
    {"devices", fs__admin_devices},
    {"serials", fs__admin_serials},
    {"revoke", fs__admin_revoke},
    {"audit", fs__admin_audit},
    {"depart", fs__admin_depart},
    {"transfer", fs__admin_transfer},
    {"cover", fs__admin_cover},
    {"lend", fs__admin_lend},
    {"cover.list", fs__admin_cover_list},
    {"cover.end", fs__admin_cover_end},
    {"lend.list", fs__admin_lend_list},
    {"lend.end", fs__admin_lend_end},
    {"sweep", fs__admin_sweep},
    {"quarantine", fs__admin_quarantine},
    {"gc", fs__admin_gc},
    {"history", fs__admin_history},
    {"person.export", fs__admin_person_export},
    {"person.erase", fs__admin_person_erase},
};

/* Runs command fn inside a nested transaction that is undone when it
 * fails or refuses.  0 or a storage error. */
static int run(fs_admin_cmd *x, int (*fn)(fs_admin_cmd *x)) {
  const fs_msg_admin *asked = x->req;
  fs_admin_refs refs;
  char referr[512];
  int rc, rc2;

  memset(&refs, 0, sizeof(refs));
  if (args_check(x))
    return 0; /* refused before anything is stored (res says why) */
  /* Record names (archive number, id prefix) become full ids (issue 15). */
  rc = fs__admin_refs_resolve(x->ctx->c, x->req, &refs, referr, sizeof(referr));
  if (rc == FS_ENOTFOUND || rc == FS_EINVAL || rc == FS_EUSAGE)
    rc = fs__admin_fail(x, rc, "%s", referr);
  if (rc || !x->res->ok)
    goto out;
  x->req = &refs.req;
  rc = fs__central_nest_begin(x->ctx->c);
  if (rc)
    goto out;
  rc = fn(x);
  if (rc == 0 && (x->out.overflow || x->json.overflow))
    fs__admin_fail(x, FS_EOVERFLOW, "output too large; narrow the request");
  if (rc == 0 && x->res->ok) /* issue 16: kept where a restore cannot undo it */
    rc = fs__adminlog_record(x->ctx->c, x->req);
  rc2 = fs__central_nest_end(x->ctx->c, rc == 0 && x->res->ok);
  if (rc == 0)
    rc = rc2;
out:
  x->req = asked; /* refs.req dies here */
  fs__admin_refs_release(&refs);
  return rc;
}

int fs__admin_exec(const fs_admin_ctx *ctx, const fs_msg_admin *req,
                   fs_msg_admin_result *res) {
  fs_admin_cmd x;
  char words[80];
  int rc = 0, found = 0;

  memset(&x, 0, sizeof(x));
  x.ctx = ctx;
  x.req = req;
  x.res = res;
  fs__strbuf_init(&x.out, FS_MSG_STR_MAX * 64);
  fs__strbuf_init(&x.json, FS_MSG_STR_MAX * 64);
  fs__json_init_buf(&x.j, &x.json);
  fs__strbuf_init(&x.table, FS_MSG_STR_MAX * 64);
  res->ok = 1;
  res->code = 0;
  for (size_t i = 0; !found && i < sizeof(cmds) / sizeof(cmds[0]); i++) {
    if (strcmp(cmds[i].name, req->cmd) != 0)
      continue;
    found = 1;
    rc = run(&x, cmds[i].fn);
  }
  /* People read the command as they typed it ("staff list"), never its
   * wire id ("staff.list"; issue 15). */
  snprintf(words, sizeof(words), "%s", req->cmd ? req->cmd : "");
  for (char *p = words; *p; p++)
    if (*p == '.')
      *p = ' ';
  if (!found)
    fs__admin_fail(&x, FS_EUSAGE, "unknown command \"%s\"; fieldsyncd --help lists them",
                   words);
  if (rc && !(rc == FS_EFULL || rc == FS_EIO || rc == FS_EDB || rc == FS_EBUSY)) {
    fs__admin_fail(&x, rc, "fieldsyncd %s failed: %s; see fieldsyncd %s --help", words,
                   fs_strerror(rc), words);
    rc = 0;
  }
  if (res->text == NULL)
    res->text = strdup(res->ok ? "ok" : fs_strerror(res->code));
  if (res->ok && x.table.len && !x.out.overflow && x.table_end <= x.out.len) {
    res->table = fs__strbuf_take(&x.table);
    res->table_end = x.table_end;
  }
  fs__strbuf_release(&x.table);
  res->out = fs__strbuf_take(&x.out);
  res->json = fs__strbuf_take(&x.json);
  return rc;
}
